/* fuzz_indicator.c — the canonicaliser, with every requested type; a
 * canonical form must parse again to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entente/indicator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ent_indicator a, b;
	ent_type want = size ? (ent_type)(data[0] % ENT_TYPE_COUNT) : 0;

	if (ent_indicator_parse(&a, (const char *)data + (size > 0),
	    size - (size > 0), want, NULL) == ENT_OK) {
		if (ent_indicator_parse(&b, a.value, a.len, a.type, NULL) !=
		    ENT_OK || b.type != a.type || strcmp(a.value, b.value) != 0)
			abort();	/* canonical forms are fixed points */
	}
	return 0;
}
