/* cmd_warninglist.c — entente warninglist import|list|remove. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "records.h"

/* Reads a whole list.json (bounded). */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		size_t r;
		if (n == cap) {
			char *b;
			if (cap >= ENT_JSON_VALUE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			if ((b = realloc(buf, cap)) == NULL)
				goto fail;
			buf = b;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/* The name of a list at path: its directory's name for .../NAME/list.json,
 * else the file's name without .json. */
static void
name_of(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	if (strcmp(base, "list.json") == 0 && base > path) {
		const char *end = base - 1, *start = end;
		while (start > path && start[-1] != '/')
			start--;
		snprintf(out, size, "%.*s", (int)(end - start), start);
		return;
	}
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	snprintf(out, size, "%.*s", (int)n, base);
}

static int
import_one(cli *c, const char *path, const char *name, ent_msg *msg)
{
	char nm[ENT_NAME_MAX + 2];
	size_t len, entries;
	char *text = slurp(path, &len);
	ent_err e;

	if (text == NULL) {
		ent_fail(msg, ENT_EIO, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (name == NULL) {
		name_of(path, nm, sizeof nm);
		name = nm;
	}
	e = ent_warninglist_put(c->store, name, text, len, 0, &entries, msg);
	free(text);
	if (e != ENT_OK) {
		ent_msg m = *msg;
		ent_fail(msg, e, "%s: %s", path, m.text);
		return -1;
	}
	printf("%s: warninglist %s, %zu entries\n", path, name, entries);
	return 0;
}

/* A PATH: a list.json, a directory holding one, or a directory of list
 * directories (misp-warninglists/lists). */
static int
import_path(cli *c, const char *path, const char *name, ent_msg *msg)
{
	char sub[ENT_PATH_MAX];
	struct dirent **ents;
	struct stat st;
	int n, ret = 0;

	if (stat(path, &st) != 0) {
		ent_fail(msg, ENT_EIO, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return import_one(c, path, name, msg);
	snprintf(sub, sizeof sub, "%s/list.json", path);
	if (stat(sub, &st) == 0)
		return import_one(c, sub, name, msg);
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		ent_fail(msg, ENT_EIO, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (ret == 0 && ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof sub, "%s/%s/list.json", path,
			    ents[i]->d_name);
			if (stat(sub, &st) == 0)
				ret = import_one(c, sub, NULL, msg);
		}
		free(ents[i]);
	}
	free(ents);
	return ret;
}

/* Flags the stored indicators by the lists as they now are. */
static int
reapply(cli *c, int allow, ent_msg *msg)
{
	ent_warninglists *wl;
	uint64_t flagged;

	if (ent_warninglists_load(c->store, &wl, msg) != ENT_OK)
		return -1;
	if (ent_warninglists_apply(c->store, wl, allow, &flagged, msg) !=
	    ENT_OK) {
		ent_warninglists_free(wl);
		return -1;
	}
	ent_warninglists_free(wl);
	printf("%llu stored indicators on warninglists\n",
	    (unsigned long long)flagged);
	return 0;
}

static int
print_list(const ent_wl_info *i, void *ctx)
{
	int json = *(int *)ctx;

	if (json) {
		json_t *o = json_pack("{s:s,s:s,s:I,s:b,s:s}", "name", i->name,
		    "type", ent_wl_kind_name(i->kind), "entries",
		    (json_int_t)i->entries, "builtin", i->builtin,
		    "description", i->description);
		json_print(o);
		json_decref(o);
	} else {
		printf("%-16s %-9s %7zu %s  %s\n", i->name,
		    ent_wl_kind_name(i->kind), i->entries, i->builtin ?
		    "built-in" : "imported", i->description);
	}
	return 0;
}

int
cmd_warninglist(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "allow-warninglisted", no_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("warninglist");
	const char *name = NULL, *sub;
	int o, json = 0, allow = 0, found;
	ent_msg msg;

	while ((o = getopt_long(argc, argv, "n:j", opts, NULL)) != -1) {
		if (o == 'n')
			name = optarg;
		else if (o == 'j')
			json = 1;
		else if (o == 'W')
			allow = 1;
		else
			return cli_usage(self, "unknown option");
	}
	if (optind == argc)
		return cli_usage(self, "give import, list or remove");
	sub = argv[optind++];
	if (strcmp(sub, "list") == 0) {
		if (optind != argc)
			return cli_usage(self, "list takes no arguments");
		if (cli_open(c) != EXIT_OK)
			return EXIT_ERR;
		if (ent_warninglist_each(c->store, print_list, &json, &msg) !=
		    ENT_OK)
			goto fail;
		return EXIT_OK;
	}
	if (strcmp(sub, "import") != 0 && strcmp(sub, "remove") != 0)
		return cli_usage(self, "unknown subcommand '%s' (import, list, "
		    "remove)", sub);
	if (optind == argc)
		return cli_usage(self, "%s: give at least one %s", sub,
		    sub[0] == 'i' ? "PATH" : "NAME");
	if (name != NULL && argc - optind > 1)
		return cli_usage(self, "--name names one list: give one PATH");
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	if (ent_store_begin(c->store, &msg) != ENT_OK)
		goto fail;
	for (int i = optind; i < argc; i++) {
		if (sub[0] == 'i') {
			if (import_path(c, argv[i], name, &msg) != 0)
				goto rollback;
			continue;
		}
		if (ent_warninglist_remove(c->store, argv[i], &found, &msg) !=
		    ENT_OK)
			goto rollback;
		if (!found) {
			ent_fail(&msg, ENT_EINVAL, "no warninglist named '%s' "
			    "(see 'entente warninglist list')", argv[i]);
			goto rollback;
		}
		printf("removed warninglist %s\n", argv[i]);
	}
	if (reapply(c, allow, &msg) != 0)
		goto rollback;
	if (ent_store_commit(c->store, &msg) != ENT_OK)
		goto fail;
	return EXIT_OK;
rollback:
	ent_store_rollback(c->store);
	cli_warn("%s", msg.text);
	cli_warn("nothing was changed");
	return EXIT_ERR;
fail:
	cli_warn("%s", msg.text);
	return EXIT_ERR;
}
