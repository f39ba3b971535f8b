/* cmd_import.c — entente import: files in one transaction, with a report. */
#include <errno.h>
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
print_report(const char *file, const ent_import_report *r, int json)
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

int
cmd_import(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "column", required_argument, NULL, 'C' },
		{ "type", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		CLI_PROV_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("import");
	ent_import_opts io;
	ent_import_report *reports = NULL;
	cli_prov prov;
	ent_msg msg;
	int o, err, json = 0, ret = EXIT_ERR, nfiles;
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
		} else if (cli_prov_option(&prov, o, optarg, &err)) {
			if (err != EXIT_OK)
				return err;
		} else {
			return cli_usage(self, "unknown option");
		}
	}
	nfiles = argc - optind;
	if (nfiles == 0)
		return cli_usage(self, "give at least one FILE (or - for "
		    "standard input)");
	reports = calloc((size_t)nfiles, sizeof *reports);
	if (reports == NULL) {
		cli_warn("out of memory");
		return EXIT_ERR;
	}
	if (cli_open(c) != EXIT_OK)
		goto out;
	if (ent_store_begin(c->store, &msg) != ENT_OK)
		goto fail;
	for (int i = 0; i < nfiles; i++) {
		const char *path = argv[optind + i];
		FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
		ent_err e;

		if (f == NULL) {
			ent_fail(&msg, ENT_EIO, "cannot open %s: %s", path,
			    strerror(errno));
			ent_store_rollback(c->store);
			goto fail;
		}
		io.meta = prov.meta;
		io.tlp_given = prov.tlp_given;
		if (io.meta.source == NULL)
			io.meta.source = source_of(path);
		io.progress = tty ? progress : NULL;
		io.progress_ctx = (void *)path;
		e = ent_import_stream(c->store, f, path, &io, &reports[i], &msg);
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
	for (int i = 0; i < nfiles; i++)
		print_report(strcmp(argv[optind + i], "-") == 0 ? "stdin" :
		    argv[optind + i], &reports[i], json);
	ret = EXIT_OK;
	goto out;
fail:
	cli_warn("%s", msg.text);
	cli_warn("nothing was imported; the store is as it was");
out:
	free(reports);
	return ret;
}
