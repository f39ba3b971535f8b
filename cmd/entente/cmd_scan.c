/* cmd_scan.c — entente scan: the guard over log files. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "entente/scan.h"
#include "records.h"

typedef struct tally {
	uint32_t id;
	uint64_t count;
	ent_mhit ind;
	char *value;
} tally;

typedef struct scan_ctx {
	int json;
	tally *t;
	size_t nt, cap;
	uint32_t *index;        /* open addressing over t, by indicator id */
	size_t icap;
	uint64_t hits;
	const char *file;
	char *line;             /* a readable hit, being written */
	size_t line_cap;
} scan_ctx;

/* Where indicator id is (or goes) in the index; entries hold t's
 * position + 1, 0 for empty. */
static size_t
slot(const scan_ctx *c, uint32_t id)
{
	size_t i = (id * 2654435761u) & (c->icap - 1);

	while (c->index[i] && c->t[c->index[i] - 1].id != id)
		i = (i + 1) & (c->icap - 1);
	return i;
}

static void
count(scan_ctx *c, const ent_mhit *ind)
{
	size_t i;

	if (c->nt * 2 >= c->icap) {	/* grow the index first */
		size_t cap = c->icap ? c->icap * 2 : 1024;
		uint32_t *old = c->index;
		c->index = calloc(cap, sizeof *c->index);
		if (c->index == NULL) {
			c->index = old;
			return;
		}
		c->icap = cap;
		for (size_t k = 0; k < c->nt; k++)
			c->index[slot(c, c->t[k].id)] = (uint32_t)k + 1;
		free(old);
	}
	i = slot(c, ind->id);
	if (c->index[i]) {
		c->t[c->index[i] - 1].count++;
		return;
	}
	if (c->nt == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		tally *p = realloc(c->t, cap * sizeof *p);
		if (p == NULL)
			return;
		c->t = p;
		c->cap = cap;
	}
	c->t[c->nt].id = ind->id;
	c->t[c->nt].count = 1;
	c->t[c->nt].ind = *ind;
	c->t[c->nt].value = strdup(ind->value);
	c->index[i] = (uint32_t)++c->nt;
}

/* Appends s[0..n) at p, padded with spaces to w bytes. */
static char *
put(char *p, const char *s, size_t n, size_t w)
{
	memcpy(p, s, n);
	if (n < w) {
		memset(p + n, ' ', w - n);
		n = w;
	}
	return p + n;
}

/* The readable line of a hit, "file:line  field value -> type indicator
 * [sources; also held by peers]", written at once (printf would cost more
 * than the scan at a few hits a line). */
static void
print_hit(scan_ctx *c, const ent_scan_hit *h)
{
	const ent_mhit *in = h->indicator;
	const char *type = ent_type_name(in->type);
	size_t nf = strlen(h->file), nd = strlen(h->field), nt = strlen(type),
	    nv = strlen(in->value), ns = strlen(in->sources),
	    np = strlen(in->peers), need = nf + h->value_len + nd + nt + nv +
	    ns + np + 128;
	char num[24], *p, *q = num + sizeof num;
	uint64_t line = h->line;

	if (need > c->line_cap) {
		char *nb = realloc(c->line, need);
		if (nb == NULL)
			return;
		c->line = nb;
		c->line_cap = need;
	}
	do	/* the line number's digits, from the last */
		*--q = (char)('0' + line % 10);
	while ((line /= 10) > 0);
	p = put(c->line, h->file, nf, 0);
	*p++ = ':';
	p = put(p, q, (size_t)(num + sizeof num - q), 0);
	p = put(p, "  ", 2, 0);
	p = put(p, h->field, nd, 12);
	*p++ = ' ';
	p = put(p, h->value, h->value_len, 32);
	p = put(p, " -> ", 4, 0);
	p = put(p, type, nt, 0);
	*p++ = ' ';
	p = put(p, in->value, nv, 0);
	p = put(p, " [", 2, 0);
	p = put(p, in->sources, ns, 0);
	if (np > 0) {
		p = put(p, "; also held by ", 15, 0);
		p = put(p, in->peers, np, 0);
	}
	p = put(p, "]\n", 2, 0);
	fwrite(c->line, 1, (size_t)(p - c->line), stdout);
}

static int
on_hit(const ent_scan_hit *h, void *ctx)
{
	scan_ctx *c = ctx;

	c->hits++;
	count(c, h->indicator);
	if (c->json) {
		json_t *o = json_object(), *ind = json_object();
		json_object_set_new(o, "file", json_string(h->file));
		json_object_set_new(o, "line", json_integer((json_int_t)h->line));
		json_object_set_new(o, "format",
		    json_string(ent_scan_format_name(h->format)));
		json_object_set_new(o, "field", json_string(h->field));
		json_object_set_new(o, "value", json_stringn(h->value,
		    h->value_len));
		if (h->ts)
			json_object_set_new(o, "ts", json_stringn(h->ts,
			    h->ts_len));
		json_object_set_new(ind, "type",
		    json_string(ent_type_name(h->indicator->type)));
		json_object_set_new(ind, "value",
		    json_string(h->indicator->value));
		json_object_set_new(ind, "sources", csv_array(h->indicator->sources));
		json_object_set_new(ind, "tlp",
		    json_string(ent_tlp_name(h->indicator->tlp)));
		json_object_set_new(ind, "corroborated_by",
		    csv_array(h->indicator->peers));
		json_object_set_new(o, "indicator", ind);
		json_print(o);
		json_decref(o);
	} else {
		print_hit(c, h);
	}
	return 0;
}

static void
progress(uint64_t done, uint64_t total, void *ctx)
{
	scan_ctx *c = ctx;

	if (total)
		fprintf(stderr, "\rscanning %s: %llu MB", c->file,
		    (unsigned long long)(done >> 20));
}

static int
by_count(const void *a, const void *b)
{
	const tally *x = a, *y = b;
	return (x->count < y->count) - (x->count > y->count);
}

int
cmd_scan(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "threads", required_argument, NULL, 't' },
		{ "no-record", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const command *self = cli_command("scan");
	ent_scan_opts so = { ENT_SCAN_AUTO, 0, on_hit, NULL, NULL };
	ent_scan_stats st;
	scan_ctx sc = { 0, NULL, 0, 0, NULL, 0, 0, NULL, NULL, 0 };
	ent_matcher *m = NULL;
	char path[ENT_PATH_MAX + 16];
	struct timespec t0, t1;
	int o, record = 1, rebuilt, ret = EXIT_ERR, tty = isatty(2);
	double secs;
	ent_msg msg;

	memset(&st, 0, sizeof st);
	while ((o = getopt_long(argc, argv, "f:jt:n", opts, NULL)) != -1) {
		if (o == 'f') {
			if (ent_scan_format_parse(optarg, &so.format, &msg))
				return cli_usage(self, "%s", msg.text);
		} else if (o == 'j') {
			sc.json = 1;
		} else if (o == 't') {
			int v;
			if (cli_parse_number(self, "--threads", optarg, 1, 64, &v))
				return EXIT_ERR;
			so.threads = (unsigned)v;
		} else if (o == 'n') {
			record = 0;
		} else {
			return cli_usage(self, "unknown option");
		}
	}
	if (optind == argc)
		return cli_usage(self, "give at least one FILE (or - for "
		    "standard input)");
	if (cli_open(c) != EXIT_OK)
		return EXIT_ERR;
	snprintf(path, sizeof path, "%s/matcher.bin", c->home);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ent_matcher_open(&m, c->store, path, &rebuilt, &msg) != ENT_OK) {
		cli_warn("%s", msg.text);
		return EXIT_ERR;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rebuilt)
		fprintf(stderr, "entente: matcher built: %llu indicators, %llu "
		    "bytes, %.2f s\n", (unsigned long long)ent_matcher_count(m),
		    (unsigned long long)ent_matcher_bytes(m),
		    (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	so.ctx = &sc;
	so.progress = tty && !sc.json ? progress : NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	{	/* a large scan: the matcher's tables to huge pages */
		uint64_t total = 0;
		struct stat sb;
		for (int i = optind; i < argc; i++)
			if (stat(argv[i], &sb) == 0 && S_ISREG(sb.st_mode))
				total += (uint64_t)sb.st_size;
		ent_matcher_prepare(m, total);
	}
	for (int i = optind; i < argc; i++) {
		sc.file = argv[i];
		if (ent_scan_file(m, argv[i], &so, &st, &msg) != ENT_OK) {
			cli_warn("%s", msg.text);
			goto out;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (so.progress)
		fprintf(stderr, "\r%40s\r", "");
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "entente: scanned %llu lines, %llu bytes in %.2f s "
	    "(%.0f MB/s): %llu hits on %zu indicators, %llu malformed lines "
	    "skipped\n", (unsigned long long)st.lines,
	    (unsigned long long)st.bytes, secs, secs > 0 ?
	    (double)st.bytes / 1e6 / secs : 0.0, (unsigned long long)sc.hits,
	    sc.nt, (unsigned long long)st.malformed);
	if (sc.nt > 0)
		qsort(sc.t, sc.nt, sizeof *sc.t, by_count);
	for (size_t i = 0; i < sc.nt && i < 20; i++)
		fprintf(stderr, "  %8llu  %s %s\n",
		    (unsigned long long)sc.t[i].count,
		    ent_type_name(sc.t[i].ind.type), sc.t[i].value);
	if (sc.nt > 20)
		fprintf(stderr, "  ... and %zu more indicators\n", sc.nt - 20);
	if (record && sc.nt > 0) {
		int64_t now = (int64_t)time(NULL);
		if (ent_store_begin(c->store, &msg) != ENT_OK)
			goto fail;
		for (size_t i = 0; i < sc.nt; i++)
			if (ent_store_sighting(c->store, sc.t[i].ind.type,
			    sc.t[i].value, sc.t[i].count, now, now, &msg)) {
				ent_store_rollback(c->store);
				goto fail;
			}
		if (ent_store_commit(c->store, &msg) != ENT_OK)
			goto fail;
	}
	ret = sc.hits ? EXIT_NO : EXIT_OK;
	goto out;
fail:
	cli_warn("%s", msg.text);
out:
	for (size_t i = 0; i < sc.nt; i++)
		free(sc.t[i].value);
	free(sc.t);
	free(sc.index);
	free(sc.line);
	ent_matcher_close(m);
	return ret;
}
