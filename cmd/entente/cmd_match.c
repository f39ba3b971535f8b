/* cmd_match.c — entente match, entente matches, entente withdraw. */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "entente/session.h"
#include "records.h"

static void
show_progress(const char *stage, uint64_t done, uint64_t total, void *ctx)
{
	(void)ctx;
	if (total)
		fprintf(stderr, "\r%-10s %llu / %llu   ", stage,
		    (unsigned long long)done, (unsigned long long)total);
	else if (done)
		fprintf(stderr, "\r%-10s %llu bytes   ", stage,
		    (unsigned long long)done);
	else
		fprintf(stderr, "\r%-10s                  ", stage);
}

int
cmd_match(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", no_argument, NULL, 'c' },
		{ "type", required_argument, NULL, 't' },
		{ "tlp-max", required_argument, NULL, 'T' },
		{ "mutual", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "threads", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("match");
	ent_match_opts mo = { ENT_PSI_INTERSECT, 0, ENT_TLP_RED, 0, 0, 0,
	    NULL, NULL };
	ent_match_result r;
	int o, v, json = 0, tty = isatty(STDERR_FILENO);
	const char *peer;
	ent_msg msg;
	ent_err e;

	while ((o = getopt_long(argc, argv, "ct:T:mjn:w:", opts, NULL)) != -1) {
		ent_type t;
		switch (o) {
		case 'c':
			mo.mode = ENT_PSI_COUNT;
			break;
		case 't':
			if (cli_parse_type(optarg, &t) != EXIT_OK)
				return EXIT_ERR;
			mo.types |= 1u << t;
			break;
		case 'T':
			if (cli_parse_tlp(optarg, &mo.tlp_max) != EXIT_OK)
				return EXIT_ERR;
			break;
		case 'm':
			mo.mutual = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'n':
			if (cli_parse_number(self, "--threads", optarg, 1, 64,
			    &v))
				return EXIT_ERR;
			mo.threads = (unsigned)v;
			break;
		case 'w':
			if (cli_parse_number(self, "--timeout", optarg, 1, 86400,
			    &mo.timeout_s))
				return EXIT_ERR;
			break;
		default:
			return cli_usage(self, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(self, "give one PEER");
	peer = argv[optind];
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	signal(SIGPIPE, SIG_IGN);
	if (tty && !json)
		mo.progress = show_progress;
	e = ent_match(c->node, c->store, peer, &mo, &r, &msg);
	if (mo.progress)
		fprintf(stderr, "\r%40s\r", "");
	if (e != ENT_OK) {
		cli_warn("%s", msg.text);
		return e == ENT_EPERM ? EXIT_NO : EXIT_ERR;
	}
	if (json) {
		json_t *obj = json_pack("{s:s,s:s,s:I,s:I}", "peer", peer,
		    "mode", mo.mode == ENT_PSI_COUNT ? "count" : "intersect",
		    "sent", (json_int_t)r.sent, "peer_set",
		    (json_int_t)r.peer_set);
		if (mo.mode == ENT_PSI_COUNT) {
			json_object_set_new(obj, "count",
			    json_integer((json_int_t)r.count));
		} else {
			json_t *a = json_array();
			for (uint64_t i = 0; i < r.count; i++)
				json_array_append_new(a, json_pack("{s:s,s:s}",
				    "type", ent_type_name(r.matches[i].type),
				    "value", r.matches[i].value));
			json_object_set_new(obj, "matches", a);
		}
		if (mo.mutual)
			json_object_set_new(obj, "mutual", json_boolean(r.mutual));
		json_print(obj);
		json_decref(obj);
	} else {
		printf("%s (%s): we sent %llu, they hold %llu; %llu in common\n",
		    peer, mo.mode == ENT_PSI_COUNT ? "count" : "intersect",
		    (unsigned long long)r.sent, (unsigned long long)r.peer_set,
		    (unsigned long long)r.count);
		for (uint64_t i = 0; i < r.count && r.matches; i++)
			printf("  %-8s %s\n", ent_type_name(r.matches[i].type),
			    r.matches[i].value);
		if (mo.mutual)
			printf("%s %s its query back\n", peer, r.mutual ?
			    "ran" : "did not run");
	}
	ent_match_result_free(&r);
	return EXIT_OK;
}

static int
print_corroboration(const ent_corroboration *co, void *ctx)
{
	char t1[21], t2[21];

	if (*(int *)ctx) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "type",
		    ent_type_name(co->type), "value", co->value, "peer",
		    co->peer, "first_seen", cli_time(co->first_seen, t1),
		    "last_seen", cli_time(co->last_seen, t2));
		json_print(o);
		json_decref(o);
	} else {
		printf("%-16s %-8s %-40s %s\n", co->peer,
		    ent_type_name(co->type), co->value,
		    cli_time(co->last_seen, t1));
	}
	return 0;
}

int
cmd_matches(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "peer", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("matches");
	const char *peer = NULL;
	int o, json = 0;
	ent_msg msg;

	while ((o = getopt_long(argc, argv, "p:j", opts, NULL)) != -1) {
		if (o == 'p')
			peer = optarg;
		else if (o == 'j')
			json = 1;
		else
			return cli_usage(self, "unknown option");
	}
	if (optind != argc)
		return cli_usage(self, "unexpected argument '%s'", argv[optind]);
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	if (ent_corroborations(c->store, peer, print_corroboration, &json,
	    &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

int
cmd_withdraw(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("withdraw");
	const char *reason = "";
	int o, delivered;
	ent_msg msg;

	while ((o = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (o != 'r')
			return cli_usage(self, "unknown option");
		reason = optarg;
	}
	if (optind + 1 != argc)
		return cli_usage(self, "give one PEER");
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	signal(SIGPIPE, SIG_IGN);
	if (ent_withdraw(c->node, c->store, argv[optind], reason, &delivered,
	    &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	printf("withdrawn from %s; %s\n", argv[optind], delivered ?
	    "they have the signed statement" : "they could not be reached: "
	    "the withdrawal is recorded here and they will be refused");
	return EXIT_OK;
}
