/* cmd_peer.c — entente peer add | list | remove | policy. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "records.h"

static const char *
state(const ent_peer *p)
{
	return p->withdrawn == 1 ? "withdrawn-by-us" :
	    p->withdrawn == 2 ? "withdrawn-by-them" : "active";
}

static int
print_peer(const ent_peer *p, void *ctx)
{
	char t[21], pol[512];
	int json = *(int *)ctx;

	if (json) {
		json_t *o = json_object(), *po = json_object();
		char *line, *save = NULL;

		ent_policy_format(&p->policy, pol, sizeof pol);
		for (line = strtok_r(pol, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			char *eq = strchr(line, '=');
			*eq = '\0';
			json_object_set_new(po, line, json_string(eq + 1));
		}
		json_object_set_new(o, "name", json_string(p->name));
		json_object_set_new(o, "vkey", json_string(p->vkey));
		json_object_set_new(o, "addr", json_string(p->addr));
		json_object_set_new(o, "state", json_string(state(p)));
		json_object_set_new(o, "withdrawn_at", p->withdrawn ?
		    json_string(cli_time(p->withdrawn_at, t)) : json_null());
		json_object_set_new(o, "reason", p->withdrawn ?
		    json_string(p->reason) : json_null());
		json_object_set_new(o, "last_session", p->last_session ?
		    json_string(cli_time(p->last_session, t)) : json_null());
		json_object_set_new(o, "policy", po);
		json_print(o);
		json_decref(o);
		return 0;
	}
	printf("%-16s %-22s %s", p->name, p->addr, state(p));
	if (p->withdrawn)
		printf(" at %s (%s)", cli_time(p->withdrawn_at, t), p->reason);
	printf("\n  %s\n", p->vkey);
	return 0;
}

int
cmd_peer(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("peer");
	const char *sub;
	int o, force = 0, json = 0, nargs;
	char **args;
	ent_msg msg;
	ent_err e;

	while ((o = getopt_long(argc, argv, "fj", opts, NULL)) != -1) {
		if (o == 'f')
			force = 1;
		else if (o == 'j')
			json = 1;
		else
			return cli_usage(self, "unknown option");
	}
	if (optind >= argc)
		return cli_usage(self, "give a subcommand: add, list, remove, "
		    "policy");
	sub = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	if (strcmp(sub, "add") == 0) {
		if (nargs != 3)
			return cli_usage(self, "peer add NAME VKEY HOST:PORT");
		e = ent_peer_add(c->store, args[0], args[1], args[2], force,
		    &msg);
		if (e == ENT_OK)
			printf("pinned %s at %s\n", args[0], args[2]);
	} else if (strcmp(sub, "list") == 0) {
		if (nargs != 0)
			return cli_usage(self, "peer list takes no argument");
		e = ent_peer_each(c->store, print_peer, &json, &msg);
	} else if (strcmp(sub, "remove") == 0) {
		if (nargs != 1)
			return cli_usage(self, "peer remove NAME");
		e = ent_peer_remove(c->store, args[0], &msg);
		if (e == ENT_OK)
			printf("unpinned %s\n", args[0]);
	} else if (strcmp(sub, "policy") == 0) {
		ent_peer p;
		char text[512];

		if (nargs < 1)
			return cli_usage(self, "peer policy NAME [key=value...]");
		e = ent_peer_get(c->store, args[0], NULL, &p, &msg);
		for (int i = 1; e == ENT_OK && i < nargs; i++)
			e = ent_policy_set(&p.policy, args[i], &msg);
		if (e == ENT_OK && nargs > 1)
			e = ent_peer_set_policy(c->store, args[0], &p.policy,
			    &msg);
		if (e == ENT_OK) {
			ent_policy_format(&p.policy, text, sizeof text);
			fputs(text, stdout);
		}
	} else {
		return cli_usage(self, "unknown subcommand '%s' (add, list, "
		    "remove, policy)", sub);
	}
	if (e != ENT_OK) {
		cli_warn("%s", msg.text);
		return e == ENT_ENOENT ? EXIT_NO : EXIT_ERR;
	}
	return EXIT_OK;
}
