/*
 * warninglist.h — MISP warninglists: values that are known not to be
 * malicious (public resolvers, private networks, top sites, empty-file
 * hashes). An indicator that hits one is flagged with the list's name and,
 * unless allowed, held: kept but not active, so it is neither matched with
 * partners nor scanned for.
 *
 * Lists live in the store. The small lists of MISP/misp-warninglists that
 * ship with Entente (warninglists/ in the source tree) are installed in
 * every new store; `entente warninglist import` adds more.
 */
#ifndef ENTENTE_WARNINGLIST_H
#define ENTENTE_WARNINGLIST_H

#include <stddef.h>
#include <stdint.h>

#include "entente/err.h"
#include "entente/indicator.h"
#include "entente/store.h"

/* The kinds of list MISP defines, all supported. */
typedef enum ent_wl_kind {
	ENT_WL_CIDR,       /* addresses and networks: containment */
	ENT_WL_STRING,     /* exact values; ".example.com" also subdomains */
	ENT_WL_HOSTNAME,   /* a host name and every name under it */
	ENT_WL_SUBSTRING,  /* any value containing the entry */
	ENT_WL_REGEX,      /* POSIX extended regular expressions */
	ENT_WL_KIND_COUNT
} ent_wl_kind;

const char *ent_wl_kind_name(ent_wl_kind k);

/*
 * Parses a MISP warninglist (the text of a list.json: "name", "type",
 * "list", "description") and stores it as `name` (1 to ENT_NAME_MAX bytes
 * of [A-Za-z0-9._-]), replacing a list of that name. *entries is set to
 * the number of entries kept. ENT_EINVAL with the reason when the JSON is
 * not a warninglist or its type is unknown.
 */
ent_err ent_warninglist_put(ent_store *store, const char *name,
    const char *json, size_t len, int builtin, size_t *entries,
    ent_msg *msg) __attribute__((warn_unused_result));

/* Removes the list; *found says whether it was there. Flags already set
 * on indicators stay until ent_warninglists_apply runs. */
ent_err ent_warninglist_remove(ent_store *store, const char *name,
    int *found, ent_msg *msg) __attribute__((warn_unused_result));

typedef struct ent_wl_info {
	const char *name, *description;
	ent_wl_kind kind;
	size_t entries;
	int builtin;
} ent_wl_info;

/* Calls fn for each stored list, by name. */
ent_err ent_warninglist_each(ent_store *store,
    int (*fn)(const ent_wl_info *info, void *ctx), void *ctx, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Installs the lists that ship with Entente (a new store gets them). */
ent_err ent_warninglist_install_builtin(ent_store *store, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Every stored list, compiled for look-ups. Read-only once loaded: may be
 * shared between threads. */
typedef struct ent_warninglists ent_warninglists;

ent_err ent_warninglists_load(ent_store *store, ent_warninglists **out,
    ent_msg *msg) __attribute__((warn_unused_result));
void ent_warninglists_free(ent_warninglists *wl);

/* The name of a list that ind hits, or NULL. Addresses and networks are
 * looked up in cidr lists; domains, and the host of a URL or e-mail
 * address, in hostname lists and dotted string entries; every value in
 * string, substring and regex lists. */
const char *ent_warninglists_hit(const ent_warninglists *wl,
    const ent_indicator *ind);

/* Sets or clears the flag of every stored indicator by the lists in wl:
 * a newly flagged one is held unless allow_warninglisted; one no list
 * hits any more is released. *flagged counts the flagged ones. */
ent_err ent_warninglists_apply(ent_store *store, const ent_warninglists *wl,
    int allow_warninglisted, uint64_t *flagged, ent_msg *msg)
	__attribute__((warn_unused_result));

#endif
