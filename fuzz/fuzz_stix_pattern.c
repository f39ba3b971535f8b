/* fuzz_stix_pattern.c — the STIX pattern parser, and the writer's output
 * parsed back to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static stix_terms terms, back;
	char why[ENT_MSG_MAX], buf[ENT_VALUE_MAX * 2 + 64];

	if (stix_pattern_parse((const char *)data, size, &terms, why) != 0) {
		if (why[0] == '\0')
			abort();	/* a refusal always says why */
		return 0;
	}
	for (size_t i = 0; i < terms.n; i++) {
		ent_indicator ind;
		if (ent_indicator_parse(&ind, terms.t[i].value, terms.t[i].len,
		    terms.t[i].type, NULL) != ENT_OK)
			continue;
		/* what export writes, import reads back unchanged */
		if (stix_pattern_write(buf, sizeof buf, ind.type, ind.value) < 0)
			abort();
		if (stix_pattern_parse(buf, strlen(buf), &back, why) != 0 ||
		    back.n != 1 || strcmp(back.t[0].value, ind.value) != 0)
			abort();
	}
	return 0;
}
