/* cmd_list.c — entente list, entente stats, and the JSON form of a record
 * that check shares. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "records.h"

json_t *
csv_array(const char *s)
{
	json_t *a = json_array();

	while (s != NULL && *s != '\0') {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		json_array_append_new(a, json_stringn(s, n));
		s = e ? e + 1 : NULL;
	}
	return a;
}

json_t *
record_json(const ent_record *r)
{
	char t1[21], t2[21], t3[21];
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string(ent_type_name(r->type)));
	json_object_set_new(o, "value", json_string(r->value));
	json_object_set_new(o, "sources", csv_array(r->sources));
	json_object_set_new(o, "tlp", json_string(ent_tlp_name(r->tlp)));
	json_object_set_new(o, "confidence", r->confidence < 0 ? json_null() :
	    json_integer(r->confidence));
	json_object_set_new(o, "tags", csv_array(r->tags));
	json_object_set_new(o, "first_seen",
	    json_string(cli_time(r->first_seen, t1)));
	json_object_set_new(o, "last_seen",
	    json_string(cli_time(r->last_seen, t2)));
	json_object_set_new(o, "valid_until", r->valid_until ?
	    json_string(cli_time(r->valid_until, t3)) : json_null());
	json_object_set_new(o, "revoked", json_boolean(r->revoked));
	json_object_set_new(o, "warninglist", r->warninglist ?
	    json_string(r->warninglist) : json_null());
	json_object_set_new(o, "on_hold", json_boolean(r->held));
	return o;
}

void
json_print(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

static int
print_json(const ent_record *r, void *ctx)
{
	json_t *o = record_json(r);

	(void)ctx;
	json_print(o);
	json_decref(o);
	return 0;
}

static int
print_text(const ent_record *r, void *ctx)
{
	char t[21];

	(void)ctx;
	printf("%-8s %-40s %-6s %s%s%s%s%s %s\n", ent_type_name(r->type),
	    r->value, ent_tlp_name(r->tlp), r->sources, r->tags[0] ? " tags=" :
	    "", r->tags, r->warninglist ? " warninglist=" : "",
	    r->warninglist ? r->warninglist : "", r->revoked ? "revoked" :
	    r->held ? "on-hold" : cli_time(r->last_seen, t));
	return 0;
}

int
cmd_list(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("list");
	ent_type type = ENT_TYPE_AUTO;
	int o, json = 0, all = 0;
	ent_msg msg;

	while ((o = getopt_long(argc, argv, "t:ja", opts, NULL)) != -1) {
		if (o == 't') {
			if (cli_parse_type(optarg, &type) != EXIT_OK)
				return EXIT_ERR;
		} else if (o == 'j') {
			json = 1;
		} else if (o == 'a') {
			all = 1;
		} else {
			return cli_usage(self, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage(self, "unexpected argument '%s'", argv[optind]);
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	if (ent_store_each(c->store, type, all, json ? print_json : print_text,
	    NULL, &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

int
cmd_stats(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("stats");
	uint64_t counts[ENT_TYPE_COUNT], held;
	int o, json = 0;
	ent_msg msg;

	while ((o = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (o != 'j')
			return cli_usage(self, "unknown option");
		json = 1;
	}
	if (optind != argc)
		return cli_usage(self, "unexpected argument '%s'", argv[optind]);
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	if (ent_store_count(c->store, counts, &msg) != ENT_OK ||
	    ent_store_count_held(c->store, &held, &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	if (json) {
		json_t *obj = json_object(), *types = json_object();
		for (int t = 1; t < ENT_TYPE_COUNT; t++)
			json_object_set_new(types, ent_type_name(t),
			    json_integer((json_int_t)counts[t]));
		json_object_set_new(obj, "indicators",
		    json_integer((json_int_t)counts[ENT_TYPE_AUTO]));
		json_object_set_new(obj, "types", types);
		json_object_set_new(obj, "on_hold", json_integer((json_int_t)held));
		json_print(obj);
		json_decref(obj);
		return EXIT_OK;
	}
	printf("indicators %llu\n", (unsigned long long)counts[ENT_TYPE_AUTO]);
	for (int t = 1; t < ENT_TYPE_COUNT; t++)
		if (counts[t])
			printf("  %-8s %llu\n", ent_type_name(t),
			    (unsigned long long)counts[t]);
	if (held)
		printf("on hold (warninglists) %llu: see 'entente list --all'\n",
		    (unsigned long long)held);
	return EXIT_OK;
}
