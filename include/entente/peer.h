/*
 * peer.h — partners, their pinned keys, and the policy that bounds what
 * each may ask of this node.
 *
 * A peer is pinned by its C2SP verifier key; there is no CA and no trust on
 * first use. The policy is enforced by the responder from what it actually
 * receives, never from what the initiator claims. Peers, policies, budgets
 * and corroborations live in the store (store.h).
 */
#ifndef ENTENTE_PEER_H
#define ENTENTE_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "entente/err.h"
#include "entente/indicator.h"
#include "entente/node.h"
#include "entente/psi.h"

#define ENT_ADDR_MAX 256
#define ENT_REASON_MAX 256

/* Modes a policy allows, as bits. */
#define ENT_MODE_INTERSECT (1u << ENT_PSI_INTERSECT)
#define ENT_MODE_COUNT     (1u << ENT_PSI_COUNT)

typedef struct ent_policy {
	uint64_t max_set;        /* largest set per session */
	uint64_t daily_budget;   /* elements per peer per UTC day */
	uint32_t min_interval;   /* seconds between sessions */
	unsigned modes;          /* ENT_MODE_* bits */
	unsigned types;          /* bit (1 << ent_type) per allowed type */
	ent_tlp tlp_max;         /* highest TLP this node puts in a match */
} ent_policy;

typedef struct ent_peer {
	char name[ENT_NAME_MAX + 1];
	char vkey[ENT_VKEY_MAX];
	uint8_t pk[32];
	char addr[ENT_ADDR_MAX];         /* host:port */
	ent_policy policy;
	int withdrawn;                   /* 0, or 1 by us, 2 by them */
	int64_t withdrawn_at;
	char reason[ENT_REASON_MAX];
	int64_t added_at, last_session;
} ent_peer;

/* The defaults: max-set 10000, daily-budget 50000, min-interval 60,
 * modes intersect,count, every type, tlp-max green. */
void ent_policy_default(ent_policy *p);

/* Applies one "key=value" setting (keys: max-set, daily-budget,
 * min-interval, modes, types, tlp-max; lists comma-separated). ENT_EINVAL
 * naming the key or value otherwise. */
ent_err ent_policy_set(ent_policy *p, const char *setting, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Writes the policy as "key=value" lines into buf (cap bytes). */
void ent_policy_format(const ent_policy *p, char *buf, size_t cap);

/* Parses a C2SP verifier key "name+hex8+base64(0x01||pk)", checking the key
 * id. Fills name (ENT_NAME_MAX + 1 bytes) and pk. ENT_EINVAL otherwise. */
ent_err ent_vkey_parse(const char *vkey, char *name, uint8_t pk[static 32],
    ent_msg *msg) __attribute__((warn_unused_result));

/* Checks "host:port" (or "[v6]:port"). ENT_EINVAL otherwise. */
ent_err ent_addr_check(const char *addr, ent_msg *msg)
	__attribute__((warn_unused_result));

/* --- peers in the store ---------------------------------------------- */

typedef struct ent_store ent_store;

/* Pins a peer (the default policy). ENT_EEXIST when the name or key is
 * pinned already; ENT_EPERM when a withdrawal with that key is on record,
 * unless force (which clears it). */
ent_err ent_peer_add(ent_store *s, const char *name, const char *vkey,
    const char *addr, int force, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Unpins. ENT_ENOENT when unknown. Budgets and withdrawals stay. */
ent_err ent_peer_remove(ent_store *s, const char *name, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Looks a peer up by name, or by key (name NULL). ENT_ENOENT when none. */
ent_err ent_peer_get(ent_store *s, const char *name,
    const uint8_t *pk, ent_peer *out, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Calls fn for every peer, by name. */
ent_err ent_peer_each(ent_store *s, int (*fn)(const ent_peer *, void *),
    void *ctx, ent_msg *msg) __attribute__((warn_unused_result));

ent_err ent_peer_set_policy(ent_store *s, const char *name,
    const ent_policy *p, ent_msg *msg) __attribute__((warn_unused_result));

/* Records a withdrawal (by_us: we withdrew; else they did), with its signed
 * statement when there is one. */
ent_err ent_peer_withdraw(ent_store *s, const ent_peer *peer, int by_us,
    int64_t at, const char *reason, const uint8_t *sig, size_t siglen,
    ent_msg *msg) __attribute__((warn_unused_result));

/*
 * Responder: checks a session request against the peer's policy and, when
 * it is allowed, charges n elements to today's budget and records the
 * session time, atomically. Returns ENT_OK, or ENT_EPERM with the reason
 * (withdrawn, mode, max-set, min-interval, daily budget) in msg.
 */
ent_err ent_peer_admit(ent_store *s, const ent_peer *peer, ent_psi_mode mode,
    uint64_t n, int64_t now, ent_msg *msg) __attribute__((warn_unused_result));

/* Appends a session event to the log: kind session-OUTCOME (completed,
 * refused, aborted) with the peer, role, mode, both set sizes, the match
 * count (initiator) and the transcript hash when there is one. */
ent_err ent_session_record(ent_store *s, const ent_peer *peer,
    const char *role, ent_psi_mode mode, const char *outcome, uint64_t ours,
    uint64_t theirs, uint64_t matches, const uint8_t *transcript,
    const char *reason, ent_msg *msg);

/* The set this node puts into a match: active indicators of the types in
 * `types` (bits 1 << ent_type) at or under tlp_max. *items (and the values
 * they point into, in *arena) are the caller's to free. */
ent_err ent_match_set(ent_store *s, unsigned types, ent_tlp tlp_max,
    ent_psi_item **items, size_t *n, char **arena, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Records that `peer` also holds the indicator, now. */
ent_err ent_corroborate(ent_store *s, const char *peer, ent_type type,
    const char *value, int64_t at, ent_msg *msg)
	__attribute__((warn_unused_result));

typedef struct ent_corroboration {
	ent_type type;
	const char *value, *peer;
	int64_t first_seen, last_seen;
} ent_corroboration;

/* Calls fn for each corroboration (of one peer, or all when peer NULL). */
ent_err ent_corroborations(ent_store *s, const char *peer,
    int (*fn)(const ent_corroboration *, void *), void *ctx, ent_msg *msg)
	__attribute__((warn_unused_result));

#endif
