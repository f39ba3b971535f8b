/* cmd_check.c — entente check: does this node hold these values? */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "records.h"

typedef struct found {
	int json;
	json_t *matches;
	const char *value;
} found;

/* The indicator stored but not active: why. */
static int
on_inactive(const ent_record *r, void *ctx)
{
	found *f = ctx;

	if (f->json) {
		json_array_append_new(f->matches, record_json(r));
		return 0;
	}
	if (r->held)
		printf("%s: not active: on the warninglist %s (held; 'entente "
		    "add --allow-warninglisted' makes it active)\n", f->value,
		    r->warninglist);
	else
		printf("%s: not active: %s\n", f->value, r->revoked ?
		    "revoked" : "expired");
	return 0;
}

static int
on_match(const ent_record *r, void *ctx)
{
	found *f = ctx;

	if (f->json) {
		json_array_append_new(f->matches, record_json(r));
		return 0;
	}
	printf("%s: held as %s %s (tlp %s; sources %s)%s%s\n", f->value,
	    ent_type_name(r->type), r->value, ent_tlp_name(r->tlp), r->sources,
	    r->warninglist ? "; allowed though on the warninglist " : "",
	    r->warninglist ? r->warninglist : "");
	return 0;
}

/* Says why a value held but not active is not: revoked, expired, or on a
 * warninglist; or that it is not held at all. */
static int
lookup(cli *c, const ent_indicator *ind, found *f)
{
	ent_msg msg;
	int stored;

	if (ent_store_lookup(c->store, ind, on_inactive, f, &stored, &msg) !=
	    ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	if (!stored && !f->json)
		printf("%s: not held\n", f->value);
	return EXIT_OK;
}

int
cmd_check(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("check");
	ent_type type = ENT_TYPE_AUTO;
	int o, json = 0, ret = EXIT_OK;

	while ((o = getopt_long(argc, argv, "t:j", opts, NULL)) != -1) {
		if (o == 't') {
			if (cli_parse_type(optarg, &type) != EXIT_OK)
				return EXIT_ERR;
		} else if (o == 'j') {
			json = 1;
		} else {
			return cli_usage(self, "unknown option");
		}
	}
	if (optind == argc)
		return cli_usage(self, "give at least one VALUE");
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	for (int i = optind; i < argc; i++) {
		found f = { json, NULL, argv[i] };
		ent_indicator ind;
		ent_msg msg;
		int held;

		if (ent_indicator_parse(&ind, argv[i], strlen(argv[i]), type,
		    &msg) != ENT_OK) {
			cli_warn("%s", msg.text);
			ret = EXIT_ERR;
			continue;
		}
		f.matches = json_array();
		if (ent_store_check(c->store, &ind, on_match, &f, &held, &msg) !=
		    ENT_OK) {
			json_decref(f.matches);
			cli_warn("%s", msg.text);
			return EXIT_ERR;
		}
		if (json) {
			json_t *obj = json_pack("{s:s,s:s,s:s,s:b,s:O}", "input",
			    argv[i], "value", ind.value, "type",
			    ent_type_name(ind.type), "held", held,
			    "matches", f.matches);
			json_decref(f.matches);
			f.matches = json_array();
			json_object_set(obj, "inactive", f.matches);
			if (!held && lookup(c, &ind, &f) != EXIT_OK) {
				json_decref(obj);
				json_decref(f.matches);
				return EXIT_ERR;
			}
			json_print(obj);
			json_decref(obj);
		} else if (!held && lookup(c, &ind, &f) != EXIT_OK) {
			json_decref(f.matches);
			return EXIT_ERR;
		}
		json_decref(f.matches);
		if (!held && ret == EXIT_OK)
			ret = EXIT_NO;
	}
	return ret;
}
