/*
 * replay.c — runs a fuzz target over every file of the corpus directories
 * given, without libFuzzer: how `make check` replays the corpora (and the
 * crashes kept as regression cases) with the ordinary compiler.
 * Usage: fuzz_X DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;

		if (d == NULL) {
			fprintf(stderr, "replay: cannot open %s\n", argv[i]);
			return 2;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			FILE *f;
			uint8_t *buf;
			long len;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
			f = fopen(path, "rb");
			if (f == NULL || fseek(f, 0, SEEK_END) != 0 ||
			    (len = ftell(f)) < 0) {
				if (f)
					fclose(f);
				continue;
			}
			rewind(f);
			buf = malloc((size_t)len + 1);
			if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
				LLVMFuzzerTestOneInput(buf, (size_t)len);
				n++;
			}
			free(buf);
			fclose(f);
		}
		closedir(d);
	}
	printf("ok 1 - %s replayed %d inputs\n", argv[0], n);
	return 0;
}
