/*
 * util.c — helpers the commands share: messages, opening the node, parsing
 * provenance options, printing times.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("entente: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_usage(const command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "entente %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'entente %s --help')\n", cmd->name);
	return EXIT_ERR;
}

int
cli_help(const command *cmd)
{
	fputs(cmd->usage, stdout);
	return EXIT_OK;
}

int
cli_open(cli *c)
{
	char path[ENT_PATH_MAX];
	ent_msg msg;

	if (ent_node_open(&c->node, c->home, &msg) != ENT_OK ||
	    ent_node_store_path(c->node, path, sizeof path, &msg) != ENT_OK ||
	    ent_store_open(&c->store, path, 0, &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

void
cli_close(cli *c)
{
	ent_store_close(c->store);
	ent_node_close(c->node);
	c->store = NULL;
	c->node = NULL;
}

int
cli_parse_tlp(const char *s, ent_tlp *out)
{
	ent_msg msg;

	if (ent_tlp_parse(s, out, &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

int
cli_parse_type(const char *s, ent_type *out)
{
	ent_msg msg;

	if (ent_type_parse(s, out, &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

int
cli_parse_confidence(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 100) {
		cli_warn("confidence '%s' is not a number from 0 to 100", s);
		return EXIT_ERR;
	}
	*out = (int)v;
	return EXIT_OK;
}

int
cli_parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0') {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (end == NULL || *end != '\0') {
		cli_warn("date '%s' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
		    s);
		return EXIT_ERR;
	}
	*out = (int64_t)timegm(&tm);
	return EXIT_OK;
}

const char *
cli_time(int64_t t, char buf[static 21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

void
cli_prov_init(cli_prov *p)
{
	memset(p, 0, sizeof *p);
	p->meta.tlp = ENT_TLP_AMBER;
	p->meta.confidence = -1;
	p->meta.tags = p->tags;
}

int
cli_prov_option(cli_prov *p, int opt, const char *arg, int *err)
{
	*err = EXIT_OK;
	switch (opt) {
	case 's':
		p->meta.source = arg;
		return 1;
	case 'T':
		*err = cli_parse_tlp(arg, &p->meta.tlp);
		p->tlp_given = 1;
		return 1;
	case 'g':
		if (p->meta.ntags >= ENT_TAGS_MAX) {
			cli_warn("at most %d tags", ENT_TAGS_MAX);
			*err = EXIT_ERR;
		} else {
			p->tags[p->meta.ntags++] = arg;
		}
		return 1;
	case 'c':
		*err = cli_parse_confidence(arg, &p->meta.confidence);
		return 1;
	case 'u':
		*err = cli_parse_date(arg, &p->meta.valid_until);
		return 1;
	case 'W':
		p->meta.allow_warninglisted = 1;
		return 1;
	default:
		return 0;
	}
}

int
cli_parse_number(const command *cmd, const char *what, const char *s,
    long min, long max, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		return cli_usage(cmd, "%s: give a number from %ld to %ld", what,
		    min, max);
	*out = (int)v;
	return EXIT_OK;
}
