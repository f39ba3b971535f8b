/* cmd_import.c — entente import: files in one transaction, with a report. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void
progress(uint64_t n, void *ctx)
{
	fprintf(stderr, "\rimporting %s: %llu values", (const char *)ctx,
	    (unsigned long long)n);
}

static void
print_report(const char *file, const ent_import_report *r, int json,
    int held)
{
	if (json) {
		json_t *o = json_object(), *types = json_object(),
		    *probs = json_array();
		char *s;

		for (int t = 1; t < ENT_TYPE_COUNT; t++)
			if (r->types[t])
				json_object_set_new(types, ent_type_name(t),
				    json_integer((json_int_t)r->types[t]));
		for (size_t i = 0; i < r->nshown; i++)
			json_array_append_new(probs, json_pack("{s:I,s:s}",
			    "line", (json_int_t)r->shown[i].line, "reason",
			    r->shown[i].why));
		json_object_set_new(o, "file", json_string(file));
		json_object_set_new(o, "format",
		    json_string(ent_format_name(r->format)));
		if (r->column[0])
			json_object_set_new(o, "column", json_string(r->column));
		json_object_set_new(o, "added", json_integer((json_int_t)r->added));
		json_object_set_new(o, "updated",
		    json_integer((json_int_t)r->updated));
		json_object_set_new(o, "skipped",
		    json_integer((json_int_t)r->skipped));
		json_object_set_new(o, "types", types);
		json_object_set_new(o, "warninglisted",
		    json_integer((json_int_t)r->flagged));
		{
			json_t *wl = json_object();
			for (size_t i = 0; i < r->nlists; i++)
				json_object_set_new(wl, r->lists[i].name,
				    json_integer((json_int_t)r->lists[i].n));
			json_object_set_new(o, "warninglists", wl);
		}
		json_object_set_new(o, "first_skipped", probs);
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(o);
		return;
	}
	printf("%s: %s", file, ent_format_name(r->format));
	if (r->column[0])
		printf(" (value column %s)", r->column);
	printf(": %llu added, %llu updated, %llu skipped\n",
	    (unsigned long long)r->added, (unsigned long long)r->updated,
	    (unsigned long long)r->skipped);
	if (r->added + r->updated > 0) {
		const char *sep = "  ";
		for (int t = 1; t < ENT_TYPE_COUNT; t++) {
			if (r->types[t] == 0)
				continue;
			printf("%s%s %llu", sep, ent_type_name(t),
			    (unsigned long long)r->types[t]);
			sep = ", ";
		}
		printf("\n");
	}
	if (r->flagged > 0) {
		printf("  %llu on warninglists (", (unsigned long long)r->flagged);
		for (size_t i = 0; i < r->nlists; i++)
			printf("%s%s %llu", i ? ", " : "", r->lists[i].name,
			    (unsigned long long)r->lists[i].n);
		printf("): %s\n", held ? "held, not active; "
		    "--allow-warninglisted keeps them active" : "kept active");
	}
	for (size_t i = 0; i < r->nshown; i++)
		printf("  skipped line %llu: %s\n",
		    (unsigned long long)r->shown[i].line, r->shown[i].why);
	if (r->skipped > r->nshown)
		printf("  ... and %llu more skipped\n",
		    (unsigned long long)(r->skipped - r->nshown));
}

/* The default source: the file's base name, or "stdin". */
static const char *
source_of(const char *path)
{
	const char *slash;

	if (strcmp(path, "-") == 0)
		return "stdin";
	slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The inputs: files as given; a directory becomes its *.json files, or,
 * when it holds a MISP feed's manifest.json, the feed's events. */
typedef struct inputs {
	char **path;
	ent_format *format;
	size_t n, cap;
} inputs;

static int
inputs_add(inputs *in, const char *dir, const char *name, ent_format f)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 16;
		char **p = realloc(in->path, cap * sizeof *p);
		ent_format *fm;
		if (p == NULL)
			return -1;
		in->path = p;
		fm = realloc(in->format, cap * sizeof *fm);
		if (fm == NULL)
			return -1;
		in->format = fm;
		in->cap = cap;
	}
	if (dir != NULL) {
		if (asprintf(&in->path[in->n], "%s/%s", dir, name) < 0)
			return -1;
	} else if ((in->path[in->n] = strdup(name)) == NULL) {
		return -1;
	}
	in->format[in->n++] = f;
	return 0;
}

static int
is_json(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 &&
	    strcmp(d->d_name + n - 5, ".json") == 0;
}

static int
expand(inputs *in, const char *path, ent_format f)
{
	struct dirent **ents;
	struct stat st;
	char manifest[ENT_PATH_MAX];
	int n, feed;

	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 ||
	    !S_ISDIR(st.st_mode))
		return inputs_add(in, NULL, path, f) == 0 ? 0 :
		    (cli_warn("out of memory"), -1);
	snprintf(manifest, sizeof manifest, "%s/manifest.json", path);
	feed = access(manifest, R_OK) == 0;
	n = scandir(path, &ents, is_json, alphasort);
	if (n < 0) {
		cli_warn("cannot read the directory %s: %s", path,
		    strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int skip = feed && strcmp(ents[i]->d_name, "manifest.json") == 0;
		if (!skip && inputs_add(in, path, ents[i]->d_name, feed &&
		    f == ENT_FORMAT_AUTO ? ENT_FORMAT_MISP : f) != 0) {
			cli_warn("out of memory");
			n = -1;
		}
	}
	for (int i = 0; i < (n < 0 ? 0 : n); i++)
		free(ents[i]);
	free(ents);
	if (n == 0)
		cli_warn("%s: no *.json files in the directory", path);
	return n < 0 ? -1 : 0;
}

int
cmd_import(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "column", required_argument, NULL, 'C' },
		{ "type", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "misp-links", no_argument, NULL, 'L' },
		CLI_PROV_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("import");
	ent_import_opts io;
	ent_import_report *reports = NULL;
	ent_warninglists *wl = NULL;
	inputs in = { NULL, NULL, 0, 0 };
	cli_prov prov;
	ent_msg msg;
	int o, err, json = 0, ret = EXIT_ERR;
	int tty = isatty(STDERR_FILENO);

	memset(&io, 0, sizeof io);
	cli_prov_init(&prov);
	while ((o = getopt_long(argc, argv, "f:C:t:j", opts, NULL)) != -1) {
		if (o == 'f') {
			if (ent_format_parse(optarg, &io.format, &msg) != ENT_OK)
				return cli_usage(self, "%s", msg.text);
		} else if (o == 'C') {
			io.column = optarg;
		} else if (o == 't') {
			if (cli_parse_type(optarg, &io.type) != EXIT_OK)
				return EXIT_ERR;
		} else if (o == 'j') {
			json = 1;
		} else if (o == 'L') {
			io.misp_links = 1;
		} else if (cli_prov_option(&prov, o, optarg, &err)) {
			if (err != EXIT_OK)
				return err;
		} else {
			return cli_usage(self, "unknown option");
		}
	}
	if (argc - optind == 0)
		return cli_usage(self, "give at least one FILE or DIRECTORY (or "
		    "- for standard input)");
	for (int i = optind; i < argc; i++)
		if (expand(&in, argv[i], io.format) != 0)
			goto out;
	reports = calloc(in.n ? in.n : 1, sizeof *reports);
	if (reports == NULL) {
		cli_warn("out of memory");
		goto out;
	}
	if (cli_open(c) != EXIT_OK)
		goto out;
	if (ent_warninglists_load(c->store, &wl, &msg) != ENT_OK)
		goto fail;
	io.wl = wl;
	if (ent_store_begin(c->store, &msg) != ENT_OK)
		goto fail;
	for (size_t i = 0; i < in.n; i++) {
		const char *path = in.path[i];
		FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
		ent_err e;

		if (f == NULL) {
			ent_fail(&msg, ENT_EIO, "cannot open %s: %s", path,
			    strerror(errno));
			ent_store_rollback(c->store);
			goto fail;
		}
		io.format = in.format[i];
		io.meta = prov.meta;
		io.tlp_given = prov.tlp_given;
		io.source_given = prov.meta.source != NULL;
		if (io.meta.source == NULL)
			io.meta.source = source_of(path);
		io.progress = tty ? progress : NULL;
		io.progress_ctx = (void *)path;
		e = ent_import_stream(c->store, f, f == stdin ? "stdin" : path,
		    &io, &reports[i], &msg);
		if (f != stdin)
			fclose(f);
		if (tty && reports[i].added + reports[i].updated >= 65536)
			fprintf(stderr, "\n");
		if (e != ENT_OK) {
			ent_store_rollback(c->store);
			goto fail;
		}
	}
	if (ent_store_commit(c->store, &msg) != ENT_OK)
		goto fail;
	for (size_t i = 0; i < in.n; i++)
		print_report(strcmp(in.path[i], "-") == 0 ? "stdin" :
		    in.path[i], &reports[i], json,
		    !prov.meta.allow_warninglisted);
	ret = EXIT_OK;
	goto out;
fail:
	cli_warn("%s", msg.text);
	cli_warn("nothing was imported; the store is as it was");
out:
	ent_warninglists_free(wl);
	for (size_t i = 0; i < in.n; i++)
		free(in.path[i]);
	free(in.path);
	free(in.format);
	free(reports);
	return ret;
}
