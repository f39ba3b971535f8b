/* cmd_add.c — entente add, entente revoke. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Canonicalises every value first, so that one bad value stores none. */
static ent_indicator *
parse_all(int n, char **values, ent_type type)
{
	ent_indicator *inds = calloc((size_t)n, sizeof *inds);
	int bad = 0;

	if (inds == NULL) {
		cli_warn("out of memory");
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		ent_msg msg;
		if (ent_indicator_parse(&inds[i], values[i], strlen(values[i]),
		    type, &msg) != ENT_OK) {
			cli_warn("%s", msg.text);
			bad = 1;
		}
	}
	if (bad) {
		free(inds);
		return NULL;
	}
	return inds;
}

int
cmd_add(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		CLI_PROV_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("add");
	ent_type type = ENT_TYPE_AUTO;
	ent_indicator *inds = NULL;
	ent_warninglists *wl = NULL;
	cli_prov prov;
	ent_msg msg;
	int o, err, n, ret = EXIT_ERR;

	cli_prov_init(&prov);
	while ((o = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (o == 't') {
			if (cli_parse_type(optarg, &type) != EXIT_OK)
				return EXIT_ERR;
		} else if (cli_prov_option(&prov, o, optarg, &err)) {
			if (err != EXIT_OK)
				return err;
		} else {
			return cli_usage(self, "unknown option");
		}
	}
	n = argc - optind;
	if (n == 0)
		return cli_usage(self, "give at least one VALUE");
	inds = parse_all(n, argv + optind, type);
	if (inds == NULL) {
		cli_warn("nothing was added");
		return EXIT_ERR;
	}
	if (cli_open(c) != EXIT_OK)
		goto out;
	if (ent_warninglists_load(c->store, &wl, &msg) != ENT_OK ||
	    ent_store_begin(c->store, &msg) != ENT_OK)
		goto fail;
	for (int i = 0; i < n; i++) {
		int added;
		prov.meta.warninglist = ent_warninglists_hit(wl, &inds[i]);
		if (ent_store_put(c->store, &inds[i], &prov.meta, &added,
		    &msg) != ENT_OK) {
			ent_store_rollback(c->store);
			goto fail;
		}
		printf("%s %s %s", added ? "added" : "updated",
		    ent_type_name(inds[i].type), inds[i].value);
		if (prov.meta.warninglist != NULL)
			printf(" (on the warninglist %s: %s)",
			    prov.meta.warninglist,
			    prov.meta.allow_warninglisted ? "allowed, active" :
			    "on hold, not active; --allow-warninglisted makes "
			    "it active");
		printf("\n");
	}
	if (ent_store_commit(c->store, &msg) != ENT_OK)
		goto fail;
	ret = EXIT_OK;
	goto out;
fail:
	cli_warn("%s", msg.text);
out:
	ent_warninglists_free(wl);
	free(inds);
	return ret;
}

int
cmd_revoke(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("revoke");
	ent_type type = ENT_TYPE_AUTO;
	ent_indicator *inds = NULL;
	ent_msg msg;
	int o, n, missing = 0, ret = EXIT_ERR;

	while ((o = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (o != 't')
			return cli_usage(self, "unknown option");
		if (cli_parse_type(optarg, &type) != EXIT_OK)
			return EXIT_ERR;
	}
	n = argc - optind;
	if (n == 0)
		return cli_usage(self, "give at least one VALUE");
	inds = parse_all(n, argv + optind, type);
	if (inds == NULL)
		return EXIT_ERR;
	if (cli_open(c) != EXIT_OK)
		goto out;
	if (ent_store_begin(c->store, &msg) != ENT_OK)
		goto fail;
	for (int i = 0; i < n; i++) {
		int found;
		if (ent_store_revoke(c->store, &inds[i], &found, &msg) !=
		    ENT_OK) {
			ent_store_rollback(c->store);
			goto fail;
		}
		printf("%s %s %s\n", found ? "revoked" : "not-held",
		    ent_type_name(inds[i].type), inds[i].value);
		missing += !found;
	}
	if (ent_store_commit(c->store, &msg) != ENT_OK)
		goto fail;
	ret = missing ? EXIT_NO : EXIT_OK;
	goto out;
fail:
	cli_warn("%s", msg.text);
out:
	free(inds);
	return ret;
}
