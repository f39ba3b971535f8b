/* cmd_export.c — entente export: the active indicators for other tools. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "entente/export.h"

int
cmd_export(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 't' },
		{ "tlp-max", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("export");
	ent_export_opts eo = { ENT_EXPORT_COUNT, ENT_TYPE_AUTO, ENT_TLP_RED,
	    NULL };
	ent_export_report r;
	const char *out = NULL;
	ent_msg msg;
	ent_err e;
	int o;

	while ((o = getopt_long(argc, argv, "f:t:m:o:", opts, NULL)) != -1) {
		if (o == 'f') {
			if (ent_export_format_parse(optarg, &eo.format, &msg) !=
			    ENT_OK)
				return cli_usage(self, "%s", msg.text);
		} else if (o == 't') {
			if (cli_parse_type(optarg, &eo.type) != EXIT_OK)
				return EXIT_ERR;
		} else if (o == 'm') {
			if (cli_parse_tlp(optarg, &eo.tlp_max) != EXIT_OK)
				return EXIT_ERR;
		} else if (o == 'o') {
			out = optarg;
		} else {
			return cli_usage(self, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage(self, "unexpected argument '%s'", argv[optind]);
	if (eo.format == ENT_EXPORT_COUNT)
		return cli_usage(self, "give --format (stix, misp, zeek, "
		    "suricata, iprep, csv, list)");
	if (ent_export_is_dir(eo.format) && out == NULL)
		return cli_usage(self, "this format writes several files: give "
		    "-o DIR");
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	eo.producer = ent_node_name(c->node);
	if (ent_export_is_dir(eo.format)) {
		e = ent_export_dir(c->store, out, &eo, &r, &msg);
	} else {
		FILE *f = out ? fopen(out, "w") : stdout;
		if (f == NULL) {
			cli_warn("cannot create %s: %s", out, strerror(errno));
			return EXIT_ERR;
		}
		e = ent_export_stream(c->store, f, &eo, &r, &msg);
		if (f != stdout && fclose(f) != 0 && e == ENT_OK)
			e = ent_fail(&msg, ENT_EIO, "writing %s: %s", out,
			    strerror(errno));
	}
	if (e != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	/* the summary goes to stderr: stdout may be the export itself */
	fprintf(stderr, "exported %llu indicators", (unsigned long long)
	    r.written);
	if (r.above_tlp)
		fprintf(stderr, "; %llu above --tlp-max left out",
		    (unsigned long long)r.above_tlp);
	if (r.unsupported)
		fprintf(stderr, "; %llu of types this format cannot carry left "
		    "out", (unsigned long long)r.unsupported);
	fprintf(stderr, "\n");
	return EXIT_OK;
}
