/* fuzz_policy.c — policy settings, verifier keys and addresses, as given
 * on the command line or stored. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entente/peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* results go here, so that nothing is optimised away */
static volatile int sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1), name[ENT_NAME_MAX + 1], text[512];
	uint8_t pk[32];
	ent_policy p;

	if (t == NULL)
		return 0;
	memcpy(t, data, size);
	t[size] = '\0';
	ent_policy_default(&p);
	if (ent_policy_set(&p, t, NULL) == ENT_OK)
		ent_policy_format(&p, text, sizeof text);
	sink = ent_vkey_parse(t, name, pk, NULL);
	sink = ent_addr_check(t, NULL);
	free(t);
	return 0;
}
