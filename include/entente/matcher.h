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

/* What a hit carries: the indicator and its provenance (pointers into the
 * mapped file), and where it was found: the token of the caller's text
 * and the number the caller gave that text. Valid during the call. */
typedef struct ent_mhit {
	uint32_t id;             /* the indicator's number in the matcher */
	ent_type type;
	ent_tlp tlp;
	const char *value;       /* canonical */
	const char *sources;     /* comma-separated */
	const char *peers;       /* peers that corroborated it, comma-sep. */
	const char *tok;         /* the token that hit */
	size_t tok_len;
	uint32_t ctx;            /* as given with its text */
} ent_mhit;

/* Opens the matcher at path, (re)building it from the store first when it
 * is missing or the store changed since (*rebuilt says so). The caller
 * closes it. */
ent_err ent_matcher_open(ent_matcher **out, ent_store *store,
    const char *path, int *rebuilt, ent_msg *msg)
	__attribute__((warn_unused_result));

void ent_matcher_close(ent_matcher *m);

/* Readies the matcher for a scan of about bytes bytes: when they are at
 * least twice its Bloom filter (and that 8 MiB or more), the filter is
 * copied to memory backed by huge pages, where random look-ups cost less.
 * Before any scan begins; not thread-safe. */
void ent_matcher_prepare(ent_matcher *m, uint64_t bytes);

/* Indicators compiled in, and bytes of the file. */
uint64_t ent_matcher_count(const ent_matcher *m);
uint64_t ent_matcher_bytes(const ent_matcher *m);

/* Called for each indicator a token hits; return non-zero to stop. */
typedef int (*ent_mhit_fn)(const ent_mhit *hit, void *arg);

/*
 * Look-ups go in batches, one batch per thread. A text given to a batch
 * is cut into whole tokens; each token that could be an indicator (an
 * address, "address:port", a network, a domain, a URL, an e-mail address
 * or a hash) becomes keys, whose cache lines are fetched at once; the keys
 * are looked up when the batch is full or flushed, and fn is called for
 * each hit in the order of the texts. So a text must stay valid until the
 * next ent_mbatch_flush.
 */
typedef struct ent_mbatch ent_mbatch;

ent_mbatch *ent_mbatch_new(const ent_matcher *m, ent_mhit_fn fn, void *arg);
void ent_mbatch_free(ent_mbatch *b);

/* Every token of s[0..n); ctx comes back with its hits. */
void ent_mbatch_text(ent_mbatch *b, const char *s, size_t n, uint32_t ctx);

/* A URL given as host and path separately (Zeek http: host, uri); its hits
 * name the path as the token. */
void ent_mbatch_url(ent_mbatch *b, const char *host, size_t hn,
    const char *path, size_t pn, uint32_t ctx);

/* Whether byte c always ends a token (so that text holding fields cut by
 * c may be given whole). */
int ent_mbatch_splits(unsigned char c);

/* Looks up everything pending. Returns non-zero once fn asked to stop. */
int ent_mbatch_flush(ent_mbatch *b);

#endif
