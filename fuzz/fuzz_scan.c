/* fuzz_scan.c — every log reader and the tokenizer, over a small matcher;
 * the first byte picks the format. The input is scanned twice, read from
 * the file (as the threads read their parts) and streamed (as gzip), and
 * both must find the same hits on the same lines: the two ways cut lines
 * and batch look-ups differently. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "entente/scan.h"
#include "entente/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct hits {
	char *buf;
	size_t len;
	FILE *f;
} hits;

static int
record(const ent_scan_hit *h, void *ctx)
{
	hits *x = ctx;

	fprintf(x->f, "%llu %s %.*s %s %s\n", (unsigned long long)h->line,
	    h->field, (int)h->value_len, h->value, h->indicator->value,
	    h->ts ? "ts" : "-");
	return 0;
}

/* Scans the file behind fd into *x; returns the result. */
static ent_err
scan(const ent_matcher *m, ent_scan_format fmt, int fd, hits *x,
    ent_scan_stats *st)
{
	ent_scan_opts o = { fmt, 1, record, x, NULL };
	char p[64];
	ent_err e;

	memset(st, 0, sizeof *st);
	x->f = open_memstream(&x->buf, &x->len);
	if (x->f == NULL)
		abort();
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	e = ent_scan_file(m, p, &o, st, NULL);
	fclose(x->f);
	return e;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ent_matcher *m;
	static char path[64];
	ent_scan_format fmt;
	ent_scan_stats st1, st2;
	hits h1 = { 0 }, h2 = { 0 };
	ent_err e1, e2;
	int fd, zfd;
	gzFile gz;

	if (m == NULL) {
		ent_store *s;
		static const char *const v[] = { "evil.example.com",
		    "10.0.0.0/8", "1.2.3.4", "2001:db8::/32",
		    "http://phish.example.org/a/", "d41d8cd98f00b204e9800998ecf8427e",
		    "user@bad.example.net" };
		ent_meta meta = { .source = "fuzz", .tlp = ENT_TLP_GREEN, .confidence = -1 };
		int rebuilt;
		snprintf(path, sizeof path, "/tmp/entente-fuzz-%d.bin", getpid());
		if (ent_store_open(&s, ":memory:", 1, NULL) != ENT_OK ||
		    ent_store_begin(s, NULL) != ENT_OK)
			abort();
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			ent_indicator ind;
			if (ent_indicator_parse(&ind, v[i], strlen(v[i]), 0,
			    NULL) != ENT_OK || ent_store_put(s, &ind, &meta, NULL,
			    NULL) != ENT_OK)
				abort();
		}
		if (ent_store_commit(s, NULL) != ENT_OK ||
		    ent_matcher_open(&m, s, path, &rebuilt, NULL) != ENT_OK)
			abort();
		unlink(path);
		ent_store_close(s);
	}
	if (size == 0)
		return 0;
	fmt = (ent_scan_format)(data[0] % ENT_SCAN_FORMAT_COUNT);
	fd = memfd_create("fuzz", 0);
	zfd = memfd_create("fuzz.gz", 0);
	if (fd < 0 || zfd < 0)
		abort();
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1) ||
	    (gz = gzdopen(dup(zfd), "wb")) == NULL)
		abort();
	if (size > 1 && gzwrite(gz, data + 1, (unsigned)(size - 1)) <= 0)
		abort();
	gzclose(gz);
	e1 = scan(m, fmt, fd, &h1, &st1);
	e2 = scan(m, fmt, zfd, &h2, &st2);
	/* an empty file is not mapped: it is streamed too, and so alike */
	if (e1 != e2 || (e1 == ENT_OK && (h1.len != h2.len ||
	    memcmp(h1.buf, h2.buf, h1.len) != 0 || st1.lines != st2.lines ||
	    st1.malformed != st2.malformed || st1.hits != st2.hits))) {
		fprintf(stderr, "mapped (%d, %llu lines, %llu malformed):\n%s\n"
		    "streamed (%d, %llu lines, %llu malformed):\n%s\n", e1,
		    (unsigned long long)st1.lines,
		    (unsigned long long)st1.malformed, h1.buf, e2,
		    (unsigned long long)st2.lines,
		    (unsigned long long)st2.malformed, h2.buf);
		abort();
	}
	free(h1.buf);
	free(h2.buf);
	close(fd);
	close(zfd);
	return 0;
}
