/*
 * hs_scan.c — the Hyperscan baseline for bench/run: compiles the patterns
 * (one literal per line) into a block-mode database and scans each file
 * whole, counting matches. Substring semantics, as grep -F. Needs
 * libhyperscan-dev; built by bench/run only when it is installed.
 * Usage: hs_scan PATTERNS FILE...
 */
#include <fcntl.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int
on_match(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	(void)id, (void)from, (void)to, (void)flags;
	(*(unsigned long long *)ctx)++;
	return 0;
}

int
main(int argc, char **argv)
{
	FILE *f = argc > 2 ? fopen(argv[1], "r") : NULL;
	char **pat = NULL, line[4096];
	size_t *lens = NULL, n = 0, cap = 0, bytes = 0;
	unsigned *ids, *flags;
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	hs_scratch_t *scratch = NULL;
	unsigned long long matches = 0;
	size_t dbsize = 0;
	double t0, t1;

	if (f == NULL)
		return 2;
	while (fgets(line, sizeof line, f)) {
		size_t l = strcspn(line, "\r\n");
		if (l == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			pat = realloc(pat, cap * sizeof *pat);
			lens = realloc(lens, cap * sizeof *lens);
		}
		pat[n] = strndup(line, l);
		lens[n++] = l;
	}
	fclose(f);
	ids = calloc(n, sizeof *ids);
	flags = calloc(n, sizeof *flags);
	for (size_t i = 0; i < n; i++)
		ids[i] = (unsigned)i;
	t0 = now();
	if (hs_compile_lit_multi((const char *const *)pat, flags, ids, lens,
	    (unsigned)n, HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
		fprintf(stderr, "hs: %s\n", err ? err->message : "compile failed");
		return 1;
	}
	t1 = now();
	hs_database_size(db, &dbsize);
	if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
		return 1;
	{
		double s0 = now();
		for (int i = 2; i < argc; i++) {
			int fd = open(argv[i], O_RDONLY);
			struct stat st;
			char *map;
			if (fd < 0 || fstat(fd, &st) != 0)
				return 1;
			map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			    fd, 0);
			close(fd);
			hs_scan(db, map, (unsigned)st.st_size, 0, scratch, on_match,
			    &matches);
			munmap(map, (size_t)st.st_size);
			bytes += (size_t)st.st_size;
		}
		printf("hyperscan %zu literals: compile %.1f s, %zu MB; scan %.0f "
		    "MB/s (1 core), %llu matches\n", n, t1 - t0, dbsize >> 20,
		    bytes / 1e6 / (now() - s0), matches);
	}
	return 0;
}
