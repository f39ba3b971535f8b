/* fuzz_scan.c — every log reader and the tokenizer, over a small matcher;
 * the first byte picks the format. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "entente/scan.h"
#include "entente/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* results go here, so that nothing is optimised away */
static volatile int sink;

static int
ignore(const ent_scan_hit *h, void *ctx)
{
	(void)h;
	(void)ctx;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ent_matcher *m;
	static char path[64];
	ent_scan_opts o = { ENT_SCAN_AUTO, 1, ignore, NULL, NULL };
	ent_scan_stats st;
	int fd;

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
	o.format = (ent_scan_format)(data[0] % ENT_SCAN_FORMAT_COUNT);
	fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data + 1, size - 1) == (ssize_t)(size - 1)) {
		char p[64];
		memset(&st, 0, sizeof st);
		snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
		sink = ent_scan_file(m, p, &o, &st, NULL);
	}
	close(fd);
	return 0;
}
