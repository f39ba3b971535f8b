/* fuzz_import.c — the import path (list, CSV, Zeek intel, detection) into
 * an in-memory store. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entente/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ent_store *s;
	ent_import_opts o;
	ent_import_report r;
	FILE *f;

	if (s == NULL && ent_store_open(&s, ":memory:", 1, NULL) != ENT_OK)
		abort();
	if (size == 0 || (f = fmemopen((void *)(data + 1), size - 1, "rb")) ==
	    NULL)
		return 0;
	memset(&o, 0, sizeof o);
	o.format = (ent_format)(data[0] % ENT_FORMAT_COUNT);
	o.meta.tlp = ENT_TLP_GREEN;
	o.meta.confidence = -1;
	o.meta.source = "fuzz";
	if (ent_store_begin(s, NULL) == ENT_OK) {
		if (ent_import_stream(s, f, "fuzz", &o, &r, NULL) == ENT_OK) {
			if (ent_store_commit(s, NULL) != ENT_OK)
				abort();
		} else {
			ent_store_rollback(s);
		}
	}
	fclose(f);
	return 0;
}
