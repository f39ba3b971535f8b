/*
 * matcher.h — the compiled form of this node's active indicators, for
 * scanning logs at line rate.
 *
 * One immutable file under the home (matcher.bin), rebuilt when the store
 * changed, memory-mapped, shared read-only by any number of threads. Tokens
 * are matched whole: an address against itself and every network holding
 * it (longest first), a domain against itself and each parent, a URL
 * (scheme ignored, as Safe Browsing does) by host suffix × path prefix,
 * hashes and e-mail addresses exactly.
 */
#ifndef ENTENTE_MATCHER_H
#define ENTENTE_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "entente/err.h"
#include "entente/indicator.h"
#include "entente/store.h"

typedef struct ent_matcher ent_matcher;

/* What a hit carries: the indicator and its provenance. Pointers into the
 * mapped file, valid until ent_matcher_close. */
typedef struct ent_mhit {
	uint32_t id;             /* the indicator's number in the matcher */
	ent_type type;
	ent_tlp tlp;
	const char *value;       /* canonical */
	const char *sources;     /* comma-separated */
	const char *peers;       /* peers that corroborated it, comma-sep. */
} ent_mhit;

/* Opens the matcher at path, (re)building it from the store first when it
 * is missing or the store changed since (*rebuilt says so). The caller
 * closes it. */
ent_err ent_matcher_open(ent_matcher **out, ent_store *store,
    const char *path, int *rebuilt, ent_msg *msg)
	__attribute__((warn_unused_result));

void ent_matcher_close(ent_matcher *m);

/* Indicators compiled in, and bytes of the file. */
uint64_t ent_matcher_count(const ent_matcher *m);
uint64_t ent_matcher_bytes(const ent_matcher *m);

/* Callback for each indicator a token hits; return non-zero to stop. */
typedef int (*ent_mhit_fn)(const ent_mhit *hit, void *ctx);

/* Classifies one token (an address, "address:port", a network, a domain, a
 * URL, an e-mail address or a hash; anything else is ignored) and calls fn
 * for every indicator covering it. Returns the number of hits. Thread-safe.
 */
int ent_matcher_token(const ent_matcher *m, const char *tok, size_t n,
    ent_mhit_fn fn, void *ctx);

/* A URL given as host and path separately (Zeek http: host, uri). */
int ent_matcher_url(const ent_matcher *m, const char *host, size_t hn,
    const char *path, size_t pn, ent_mhit_fn fn, void *ctx);

#endif
