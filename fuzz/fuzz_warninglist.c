/* fuzz_warninglist.c — a MISP warninglist parsed, stored, compiled, and
 * looked up with fixed indicators of every type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entente/warninglist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ent_store *s;
	static const char *const probes[] = { "8.8.8.8", "10.1.2.3",
	    "10.0.0.0/8", "2001:4860:4860::8888", "2001:db8::/32",
	    "www.google.com", "http://user@docs.google.com:8080/x?y",
	    "a@example.com", "d41d8cd98f00b204e9800998ecf8427f" };
	ent_warninglists *wl;

	if (s == NULL) {
		int found;
		if (ent_store_open(&s, ":memory:", 1, NULL) != ENT_OK)
			abort();
		/* the large built-in list would dominate every run */
		if (ent_warninglist_remove(s, "public-dns-v4", &found, NULL) !=
		    ENT_OK || !found)
			abort();
	}
	if (ent_store_begin(s, NULL) != ENT_OK)
		abort();
	if (ent_warninglist_put(s, "fuzz", (const char *)data, size, 0, NULL,
	    NULL) == ENT_OK && ent_warninglists_load(s, &wl, NULL) == ENT_OK) {
		for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
			ent_indicator ind;
			if (ent_indicator_parse(&ind, probes[i],
			    strlen(probes[i]), ENT_TYPE_AUTO, NULL) == ENT_OK)
				(void)ent_warninglists_hit(wl, &ind);
		}
		ent_warninglists_free(wl);
	}
	ent_store_rollback(s);
	return 0;
}
