/*
 * node.h — a node's home directory and identity.
 *
 * A home holds node.key (the Ed25519 identity, mode 0600, as a C2SP private
 * key string "PRIVATE+KEY+name+hex8+base64(0x01||seed)") and store.db.
 * The identity is printed as a C2SP verifier key "name+hex8+base64(0x01||pk)"
 * where hex8 is the first four bytes of SHA-256(name || "\n" || 0x01 || pk).
 * Secret key material lives in sodium_malloc memory and is wiped on close.
 * A node handle is not thread-safe; open one per thread.
 */
#ifndef ENTENTE_NODE_H
#define ENTENTE_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "entente/err.h"
#include "entente/limits.h"

#define ENT_VKEY_MAX (ENT_NAME_MAX + 64)

typedef struct ent_node ent_node;

/* Initialises libsodium; call once before anything else. ENT_ECRYPTO if
 * libsodium cannot start. Thread-safe. */
ent_err ent_init(ent_msg *msg) __attribute__((warn_unused_result));

/* Picks the home: opt when not NULL, else $ENTENTE_HOME, else ~/.entente.
 * Writes it into out (cap bytes). ENT_ELIMIT when it does not fit,
 * ENT_ENOENT when neither is set and HOME is unknown. */
ent_err ent_home_resolve(const char *opt, char *out, size_t cap, ent_msg *msg);

/* Checks that name can be a key name: 1..ENT_NAME_MAX printable non-space
 * characters, no '+'. ENT_EINVAL saying why otherwise. */
ent_err ent_node_name_check(const char *name, ent_msg *msg);

/* Creates home (mode 0700, it must not exist or be an empty directory),
 * a fresh key and an empty store. ENT_EEXIST and nothing changed when a
 * node is already there. */
ent_err ent_node_create(const char *home, const char *name, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Opens an existing home and loads its key. ENT_ENOENT when there is no
 * node (the message says to run init), ENT_EPERM when the key file is
 * readable by group or others (the message says how to fix it). The
 * caller frees *out with ent_node_close. */
ent_err ent_node_open(ent_node **out, const char *home, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Wipes the key and frees. Accepts NULL. */
void ent_node_close(ent_node *node);

const char *ent_node_name(const ent_node *node);
const char *ent_node_vkey(const ent_node *node);   /* verifier key string */
const char *ent_node_home(const ent_node *node);
const uint8_t *ent_node_public_key(const ent_node *node);  /* 32 bytes */

/* Signs m (mlen bytes) with the node key: Ed25519, 64 bytes into sig.
 * Callers put a context label first in m (see docs/PROTOCOL.md). */
void ent_node_sign(const ent_node *node, const uint8_t *m, size_t mlen,
    uint8_t sig[static 64]);

/* The 32-byte Ed25519 seed, for the TLS layer (lib/net.c). Secret. */
const uint8_t *ent_node_seed(const ent_node *node);

/* Path of the node's store (home/store.db) into out. */
ent_err ent_node_store_path(const ent_node *node, char *out, size_t cap,
    ent_msg *msg);

/* The C2SP key id: the first four bytes, big-endian, of
 * SHA-256(name || "\n" || alg || pk); alg 0x01 for note signatures, 0x04
 * for cosignatures. */
uint32_t ent_key_id(const char *name, uint8_t alg, const uint8_t pk[static 32]);

/* Formats a C2SP verifier key string for an Ed25519 public key. ENT_ELIMIT
 * when out (cap bytes) is too small. */
ent_err ent_vkey_format(const char *name, const uint8_t pk[static 32],
    char *out, size_t cap, ent_msg *msg);

#endif
