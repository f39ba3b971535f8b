/* fuzz_note.c — signed notes, checkpoints, cosignature lines and offline
 * proofs, as read from a hostile peer or file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entente/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* results go here, so that nothing is optimised away */
static volatile int sink;

#define VKEY "example.com/log+d455c521+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1), origin[256];
	const char *keys[] = { VKEY };
	uint64_t n, idx, sz;
	ent_hash root;
	uint8_t pk[32] = { 1 };

	if (t == NULL)
		return 0;
	memcpy(t, data, size);
	t[size] = '\0';
	sink = ent_note_verify(t, size, VKEY, NULL);
	sink = ent_checkpoint_open(t, size, VKEY, origin, sizeof origin, &n,
	    &root, NULL);
	sink = ent_cosign_check(t, size, "witness.example/w1", pk, t);
	sink = ent_tlog_proof_verify(t, size, keys, 1, &idx, &sz, NULL);
	free(t);
	return 0;
}
