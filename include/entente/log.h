/*
 * log.h — the joint record: an append-only Merkle log (RFC 9162 hashing) of
 * every exchange, its checkpoints as C2SP signed notes, and the peers'
 * cosignatures (C2SP cosignature/v1). See docs/RECORD.md.
 *
 * The log lives in the store, in the same SQLite database as everything it
 * records, so that an event and its log entry commit together: an entry
 * acknowledged is never lost and a crash never leaves a tree that does not
 * verify. Entries are canonical text (docs/RECORD.md), never indicators.
 */
#ifndef ENTENTE_LOG_H
#define ENTENTE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "entente/err.h"
#include "entente/node.h"
#include "entente/store.h"

#define ENT_LOG_ENTRY_MAX 4096      /* bytes of one entry */
#define ENT_PROOF_MAX 64            /* hashes in one proof */
#define ENT_NOTE_MAX 8192           /* bytes of a signed note */

typedef struct ent_hash {
	uint8_t h[32];
} ent_hash;

/* --- Merkle tree math (pure, thread-safe) ----------------------------- */

/* SHA-256(0x00 || data) and SHA-256(0x01 || l || r). */
void ent_tlog_leaf(ent_hash *out, const uint8_t *data, size_t n);
void ent_tlog_node(ent_hash *out, const ent_hash *l, const ent_hash *r);

/* Position of the hash of the n'th subtree at `level` in the order the
 * hashes are stored (as in Go's golang.org/x/mod/sumdb/tlog). */
uint64_t ent_tlog_stored_index(int level, uint64_t n);

/* RFC 9162 section 2.1.3.2: is leaf at index in the tree of `size` with
 * `root`? 0 if so, -1 if not. */
int ent_tlog_check_inclusion(uint64_t index, uint64_t size,
    const ent_hash *leaf, const ent_hash *proof, size_t plen,
    const ent_hash *root);

/* RFC 9162 section 2.1.4.2: is the tree (n, nroot) an extension of
 * (m, mroot)? 0 if so, -1 if not. */
int ent_tlog_check_consistency(uint64_t m, uint64_t n, const ent_hash *mroot,
    const ent_hash *nroot, const ent_hash *proof, size_t plen);

/* --- the node's log ----------------------------------------------------- */

/* Appends one entry (within the caller's transaction if one is open);
 * *index (if not NULL) gets its position. ENT_ELIMIT over
 * ENT_LOG_ENTRY_MAX. */
ent_err ent_log_append(ent_store *s, const uint8_t *data, size_t n,
    uint64_t *index, ent_msg *msg) __attribute__((warn_unused_result));

/* Appends count entries at once (within the caller's transaction), reading
 * no stored hash past the first: the bulk path. */
ent_err ent_log_append_many(ent_store *s, const uint8_t *const *data,
    const size_t *lens, size_t count, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Appends an event: "entente-event/v1\nkind KIND\n" then the key/value
 * pairs (kv[0] kv[1] kv[2] ... NULL), one "key value" line each; newlines
 * in values become spaces. */
ent_err ent_log_event(ent_store *s, const char *kind, const char *const *kv,
    ent_msg *msg) __attribute__((warn_unused_result));

ent_err ent_log_size(ent_store *s, uint64_t *n, ent_msg *msg)
	__attribute__((warn_unused_result));

/* The root of the first n entries (SHA-256 of nothing for n = 0). */
ent_err ent_log_root(ent_store *s, uint64_t n, ent_hash *root, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Entry `index`: *data is malloc'd, the caller frees it. */
ent_err ent_log_entry(ent_store *s, uint64_t index, uint8_t **data,
    size_t *n, ent_msg *msg) __attribute__((warn_unused_result));

/* Inclusion proof of entry `index` in the tree of `size`, and consistency
 * proof from m to n; proof has room for ENT_PROOF_MAX hashes. */
ent_err ent_log_prove_inclusion(ent_store *s, uint64_t index, uint64_t size,
    ent_hash *proof, size_t *plen, ent_msg *msg)
	__attribute__((warn_unused_result));
ent_err ent_log_prove_consistency(ent_store *s, uint64_t m, uint64_t n,
    ent_hash *proof, size_t *plen, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Rechecks the whole stored log: every stored hash from the entries, and
 * every checkpoint's root and signature with the node key. ENT_ECRYPTO
 * saying where the first difference is. */
ent_err ent_log_verify(ent_store *s, const ent_node *node, ent_msg *msg)
	__attribute__((warn_unused_result));

/* --- checkpoints and signed notes ---------------------------------------- */

/* Signs (and keeps) a checkpoint of the current tree, unless the newest
 * one is already of this size; *note (malloc'd, the caller frees) is the
 * signed note, *size its tree size. */
ent_err ent_log_checkpoint(ent_store *s, const ent_node *node, char **note,
    uint64_t *size, ent_msg *msg) __attribute__((warn_unused_result));

/* The newest checkpoint with every cosignature received (cosigned != 0) or
 * just the node's signature. malloc'd; ENT_ENOENT when there is none. */
ent_err ent_log_checkpoint_get(ent_store *s, int cosigned, char **note,
    ent_msg *msg) __attribute__((warn_unused_result));

/* Signs text (tn bytes, ending in a newline) as a C2SP signed note with
 * the node key: "text\n— NAME base64(keyid || signature)\n". malloc'd;
 * NULL when out of memory. */
char *ent_note_sign(const ent_node *node, const char *text, size_t tn);

/* ENT_OK when the signed note carries a valid signature by vkey over its
 * text; ENT_ECRYPTO when not, ENT_EINVAL when malformed. */
ent_err ent_note_verify(const char *note, size_t len, const char *vkey,
    ent_msg *msg) __attribute__((warn_unused_result));

/* Parses a signed checkpoint and checks the signature of vkey on it.
 * Fills origin (cap bytes), size and root. ENT_ECRYPTO when no valid
 * signature by that key is there, ENT_EINVAL when malformed. */
ent_err ent_checkpoint_open(const char *note, size_t len, const char *vkey,
    char *origin, size_t cap, uint64_t *size, ent_hash *root, ent_msg *msg)
	__attribute__((warn_unused_result));

/* A cosignature/v1 line by node over the checkpoint note's text at time t:
 * "— NAME base64(keyid || t || sig)\n" into line (cap bytes). The key id
 * uses the cosignature type byte 0x04. */
ent_err ent_cosign(const ent_node *node, const char *note, size_t len,
    uint64_t t, char *line, size_t cap, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Checks a cosignature line by the Ed25519 key pk (name `name`) over the
 * note's text. 0 if valid, else -1. */
int ent_cosign_check(const char *note, size_t len, const char *name,
    const uint8_t pk[static 32], const char *line);

/* --- cosigning with peers ------------------------------------------------- */

/* The size of our newest checkpoint that the peer cosigned (0 if none):
 * where the consistency proof we send it starts. */
ent_err ent_log_cosigned_size(ent_store *s, const char *peer_vkey,
    uint64_t *m, ent_msg *msg) __attribute__((warn_unused_result));

/* Checks the peer's cosignature line on our checkpoint note (of `size`)
 * and keeps it. ENT_ECRYPTO when it does not verify. */
ent_err ent_log_keep_cosignature(ent_store *s, const char *peer_vkey,
    const uint8_t pk[static 32], const char *note, uint64_t size,
    const char *line, ent_msg *msg) __attribute__((warn_unused_result));

/*
 * Witnesses the peer's checkpoint: checks its signature, that its origin is
 * the peer's name, and that it is consistent with the newest one of theirs
 * we hold: by the proof from m when m is that one's size, else by a proof it
 * asks for with ask() (from what we hold to it, or — an older checkpoint
 * from a concurrent session — from it to what we hold). A newer checkpoint
 * replaces the one held. On
 * success keeps it and writes our cosignature line into line (cap bytes).
 * A smaller tree, a different root at the same size or a failing proof is
 * ENT_ECRYPTO: both signed checkpoints are kept as evidence, the event is
 * logged, and `entente log peers` shows the peer as inconsistent.
 */
typedef ent_err (*ent_prove_fn)(void *ctx, uint64_t from, uint64_t to,
    ent_hash *proof, size_t *plen, ent_msg *msg);

ent_err ent_log_witness(ent_store *s, const ent_node *node,
    const char *peer_vkey, const uint8_t pk[static 32], const char *note,
    size_t len, uint64_t m, const ent_hash *proof, size_t plen,
    ent_prove_fn ask, void *ask_ctx, char *line, size_t cap, ent_msg *msg)
	__attribute__((warn_unused_result));

/* --- offline proofs ---------------------------------------------------------- */

/* A c2sp.org/tlog-proof@v1 of entry `index` against a checkpoint of the
 * current tree (signed now if needed, with every cosignature held), the
 * entry's exact bytes as its extra data. malloc'd text. */
ent_err ent_log_proof(ent_store *s, const ent_node *node, uint64_t index,
    char **out, ent_msg *msg) __attribute__((warn_unused_result));

/* Verifies such a proof offline: every key must have signed (as the log:
 * its name is the origin) or cosigned the checkpoint, at least one as the
 * log, and the extra data must be the entry at *index of the tree of
 * *size. ENT_ECRYPTO saying what failed. */
ent_err ent_tlog_proof_verify(const char *text, size_t len,
    const char *const *keys, size_t nkeys, uint64_t *index, uint64_t *size,
    ent_msg *msg) __attribute__((warn_unused_result));

/* Per peer: the size of our newest checkpoint it cosigned, the size of its
 * newest checkpoint we cosigned, and how many pieces of evidence of an
 * inconsistent log we hold against it. */
ent_err ent_log_peer_state(ent_store *s, const char *vkey,
    const uint8_t pk[static 32], uint64_t *cosigned, uint64_t *theirs,
    uint64_t *evidence, ent_msg *msg) __attribute__((warn_unused_result));

#endif
