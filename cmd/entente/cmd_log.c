/* cmd_log.c — entente log checkpoint | show | prove | verify |
 * verify-proof | peers: the joint record. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "entente/log.h"
#include "records.h"

/* An event's "key value" lines as a JSON object (the first line, the
 * format, is left out). */
static json_t *
fields(const uint8_t *d, size_t n)
{
	json_t *o = json_object();
	const char *p = (const char *)d, *end = p + n;

	if (n >= 17 && memcmp(p, "entente-event/v1\n", 17) == 0)
		p += 17;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);
		sp = memchr(p, ' ', ln);
		if (sp != NULL) {
			char key[64];
			size_t kn = (size_t)(sp - p) < sizeof key - 1 ?
			    (size_t)(sp - p) : sizeof key - 1;
			memcpy(key, p, kn);
			key[kn] = '\0';
			json_object_set_new(o, key, json_stringn(sp + 1,
			    ln - (size_t)(sp + 1 - p)));
		}
		p += ln + 1;
	}
	return o;
}

static int
show(cli *c, uint64_t from, int json)
{
	uint64_t n;
	ent_msg msg;

	if (ent_log_size(c->store, &n, &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	for (uint64_t i = from; i < n; i++) {
		uint8_t *d;
		size_t dn;
		if (ent_log_entry(c->store, i, &d, &dn, &msg) != ENT_OK) {
			cli_warn("%s", msg.text);
			return EXIT_ERR;
		}
		if (json) {
			char *b = malloc(sodium_base64_ENCODED_LEN(dn,
			    sodium_base64_VARIANT_ORIGINAL));
			json_t *o = json_object();
			sodium_bin2base64(b, sodium_base64_ENCODED_LEN(dn,
			    sodium_base64_VARIANT_ORIGINAL), d, dn,
			    sodium_base64_VARIANT_ORIGINAL);
			json_object_set_new(o, "index", json_integer((json_int_t)i));
			json_object_set_new(o, "data_base64", json_string(b));
			json_object_set_new(o, "fields", fields(d, dn));
			json_print(o);
			json_decref(o);
			free(b);
		} else {
			/* one line: index, then the fields */
			json_t *f = fields(d, dn);
			const char *k;
			json_t *v;
			printf("%llu", (unsigned long long)i);
			json_object_foreach(f, k, v)
				printf(" %s=%s", k, json_string_value(v));
			printf("\n");
			json_decref(f);
		}
		free(d);
	}
	return EXIT_OK;
}

static int
print_peer_state(const ent_peer *p, void *ctx)
{
	cli *c = ctx;
	uint64_t cos, theirs, ev;
	ent_msg msg;

	if (ent_log_peer_state(c->store, p->vkey, p->pk, &cos, &theirs, &ev,
	    &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return 1;
	}
	printf("%-16s %-12s ours cosigned at %llu, theirs cosigned at %llu",
	    p->name, ev ? "INCONSISTENT" : "consistent",
	    (unsigned long long)cos, (unsigned long long)theirs);
	if (ev)
		printf(" (%llu pieces of evidence kept)", (unsigned long long)ev);
	printf("\n");
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(2 * ENT_NOTE_MAX + 1);
	*len = buf ? fread(buf, 1, 2 * ENT_NOTE_MAX, f) : 0;
	if (buf)
		buf[*len] = '\0';
	if (f != stdin)
		fclose(f);
	return buf;
}

int
cmd_log(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cosigned", no_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("log");
	const char *keys[16];
	size_t nkeys = 0;
	uint64_t from = 0;
	int o, cosigned = 0, json = 0, nargs;
	const char *sub;
	char **args, *text = NULL;
	ent_msg msg;
	ent_err e = ENT_OK;

	while ((o = getopt_long(argc, argv, "cf:jk:", opts, NULL)) != -1) {
		if (o == 'c')
			cosigned = 1;
		else if (o == 'f')
			from = strtoull(optarg, NULL, 10);
		else if (o == 'j')
			json = 1;
		else if (o == 'k' && nkeys < 16)
			keys[nkeys++] = optarg;
		else
			return cli_usage(self, "unknown option");
	}
	if (optind >= argc)
		return cli_usage(self, "give a subcommand: checkpoint, show, "
		    "prove, verify, verify-proof, peers");
	sub = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (strcmp(sub, "verify-proof") == 0) {
		/* offline: no node needed */
		uint64_t index, size;
		size_t len;
		if (nargs != 1 || nkeys == 0)
			return cli_usage(self, "log verify-proof FILE --key VKEY "
			    "[--key VKEY]...");
		text = slurp(args[0], &len);
		if (text == NULL) {
			cli_warn("cannot read %s: %s", args[0], strerror(errno));
			return EXIT_ERR;
		}
		e = ent_tlog_proof_verify(text, len, keys, nkeys, &index, &size,
		    &msg);
		free(text);
		if (e != ENT_OK) {
			cli_warn("the proof does not verify: %s", msg.text);
			return EXIT_NO;
		}
		printf("verified: entry %llu is in the log at size %llu, vouched "
		    "for by %zu key(s)\n", (unsigned long long)index,
		    (unsigned long long)size, nkeys);
		return EXIT_OK;
	}
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	if (strcmp(sub, "checkpoint") == 0) {
		uint64_t size;
		char *note = NULL;
		if ((e = ent_log_checkpoint(c->store, c->node, &note, &size,
		    &msg)) == ENT_OK && cosigned) {
			free(note);
			e = ent_log_checkpoint_get(c->store, 1, &note, &msg);
		}
		if (e == ENT_OK)
			fputs(note, stdout);
		free(note);
	} else if (strcmp(sub, "show") == 0) {
		return show(c, from, json);
	} else if (strcmp(sub, "prove") == 0) {
		char *end;
		uint64_t index = nargs == 1 ? strtoull(args[0], &end, 10) : 0;
		if (nargs != 1 || *end != '\0')
			return cli_usage(self, "log prove INDEX");
		if ((e = ent_log_proof(c->store, c->node, index, &text,
		    &msg)) == ENT_OK)
			fputs(text, stdout);
		free(text);
	} else if (strcmp(sub, "verify") == 0) {
		uint64_t n = 0;
		if ((e = ent_log_verify(c->store, c->node, &msg)) == ENT_OK &&
		    (e = ent_log_size(c->store, &n, &msg)) == ENT_OK)
			printf("the log verifies: %llu entries, every stored hash "
			    "and checkpoint\n", (unsigned long long)n);
		else if (e == ENT_ECRYPTO) {
			cli_warn("the log does NOT verify: %s", msg.text);
			return EXIT_NO;
		}
	} else if (strcmp(sub, "peers") == 0) {
		e = ent_peer_each(c->store, print_peer_state, c, &msg);
	} else {
		return cli_usage(self, "unknown subcommand '%s'", sub);
	}
	if (e != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	return EXIT_OK;
}
