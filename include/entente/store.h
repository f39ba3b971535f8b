/*
 * store.h — the node's indicator store (SQLite, WAL mode, schema-versioned).
 *
 * An indicator is unique by (type, canonical value) and carries its sources,
 * first and last seen, confidence, TLP, tags, valid-until and revoked flag.
 * Active means: not revoked, not past valid-until, and not held because it
 * hit a warninglist (unless allowed).
 * A store handle is not thread-safe; open one per thread.
 */
#ifndef ENTENTE_STORE_H
#define ENTENTE_STORE_H

#include <stdint.h>

#include "entente/err.h"
#include "entente/indicator.h"


typedef struct ent_store ent_store;

/* Provenance given with an indicator on add or import. */
typedef struct ent_meta {
	const char *source;        /* NULL: "local" */
	ent_tlp tlp;
	int confidence;            /* 0..100, or -1 for none */
	const char *const *tags;   /* ntags tags */
	size_t ntags;
	int64_t valid_until;       /* Unix time, 0 for none */
	int64_t seen;              /* Unix time of this sighting, 0 for now */
	int revoked;               /* the source revoked it: store it revoked */
	const char *warninglist;   /* the warninglist it hits, or NULL */
	int allow_warninglisted;   /* active even so */
} ent_meta;

/* One stored indicator, as handed to a callback; pointers valid only
 * during the call. sources and tags are comma-separated, sorted. */
typedef struct ent_record {
	ent_type type;
	const char *value;
	const char *sources;
	const char *tags;
	ent_tlp tlp;
	int confidence;            /* -1 for none */
	int64_t first_seen, last_seen, valid_until;
	int revoked;
	const char *warninglist;   /* the warninglist it hit, or NULL */
	int held;                  /* inactive because of that hit */
} ent_record;

/* Return nonzero to stop the iteration early. */
typedef int (*ent_record_fn)(const ent_record *rec, void *ctx);

/* Opens (create != 0: creates if missing) the store at path and migrates
 * it to the current schema. ENT_ESTORE with SQLite's reason on failure.
 * The caller frees *out with ent_store_close. */
ent_err ent_store_open(ent_store **out, const char *path, int create,
    ent_msg *msg) __attribute__((warn_unused_result));

/* Closes; accepts NULL. */
void ent_store_close(ent_store *store);

/* One transaction around many puts: begin, then commit or rollback.
 * A rolled-back transaction leaves the store as it was. */
ent_err ent_store_begin(ent_store *store, ent_msg *msg)
	__attribute__((warn_unused_result));
ent_err ent_store_commit(ent_store *store, ent_msg *msg)
	__attribute__((warn_unused_result));
void ent_store_rollback(ent_store *store);

/*
 * Adds the indicator or, when held, merges: the source and tags are added,
 * last seen moves forward, TLP becomes the stricter of the two, confidence
 * the higher. A revoked indicator stays revoked. *added is set to 1 when
 * new, 0 when updated; with added NULL the put is one statement, faster
 * (bulk imports count with ent_store_total instead).
 */
ent_err ent_store_put(ent_store *store, const ent_indicator *ind,
    const ent_meta *meta, int *added, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Marks the indicator revoked; *found (if not NULL) says whether it was
 * held. */
ent_err ent_store_revoke(ent_store *store, const ent_indicator *ind,
    int *found, ent_msg *msg) __attribute__((warn_unused_result));

/* Calls fn for every indicator of type `type` (ENT_TYPE_AUTO: all), in
 * (type, value) order; revoked and expired ones only when include_inactive. */
ent_err ent_store_each(ent_store *store, ent_type type, int include_inactive,
    ent_record_fn fn, void *ctx, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Counts the indicators on hold because they hit a warninglist (not
 * revoked). */
ent_err ent_store_count_held(ent_store *store, uint64_t *n, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Calls fn for the indicator itself if stored, active or not (revoked,
 * expired, held); *found is 1 if it was. */
ent_err ent_store_lookup(ent_store *store, const ent_indicator *ind,
    ent_record_fn fn, void *ctx, int *found, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Records that the guard saw the indicator count times, between first and
 * last (Unix times): counts add up, the window widens. */
ent_err ent_store_sighting(ent_store *store, ent_type type,
    const char *value, uint64_t count, int64_t first, int64_t last,
    ent_msg *msg) __attribute__((warn_unused_result));

/* A number that every committed transaction moves: equal numbers mean the
 * indicators and corroborations did not change. */
ent_err ent_store_generation(ent_store *store, uint64_t *g, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Counts every stored indicator, active or not. */
ent_err ent_store_total(ent_store *store, uint64_t *total, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Counts active indicators per type into counts[ENT_TYPE_COUNT]
 * (counts[ENT_TYPE_AUTO] is the total). */
ent_err ent_store_count(ent_store *store, uint64_t counts[ENT_TYPE_COUNT],
    ent_msg *msg) __attribute__((warn_unused_result));

/*
 * Calls fn for each active indicator that covers ind: the same indicator;
 * for a domain also each parent domain; for an address or a network also
 * each network containing it. Other types match exactly. *held is set to
 * the number of covering indicators.
 */
ent_err ent_store_check(ent_store *store, const ent_indicator *ind,
    ent_record_fn fn, void *ctx, int *held, ent_msg *msg)
	__attribute__((warn_unused_result));

#endif
