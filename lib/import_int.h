/*
 * import_int.h — what the format readers of lib/import_*.c share with the
 * import path of lib/import.c (internal).
 *
 * A reader turns its input into values and hands each to sink_put with its
 * line and provenance; sink_put canonicalises, checks the warninglists and
 * batches. A value that is not an indicator is skipped and counted; a
 * reader returns an error only when its input cannot be read as its format
 * at all.
 */
#ifndef ENTENTE_IMPORT_INT_H
#define ENTENTE_IMPORT_INT_H

#include <pthread.h>

#include "entente/import.h"
#include "entente/warninglist.h"
#include "csv.h"
#include "input.h"

/*
 * Where every reader sends its values. The reader runs in its own thread
 * and fills batches of canonical values, sorted into the store's key order;
 * the calling thread stores each batch while the next one is read. Storing
 * in key order makes a bulk import several times faster than file order.
 */
#define BATCH_MAX (1u << 18)            /* values per batch */
#define ARENA_MAX (16u << 20)           /* bytes of values per batch */

typedef struct pending {
	uint64_t key;                   /* type, then the value's first 7
	                                   bytes: most comparisons end here */
	const char *v;                  /* the value, in the batch's arena */
	uint32_t len;
	uint8_t type, tlp;
	int8_t confidence;
	uint8_t revoked, ntags;
	/* the value's own source and tags (NUL-terminated, one after the
	 * other) at these offsets in the arena; NO_PROV: the import's */
	uint32_t source, tags;
	int64_t valid_until;
	const char *warninglist;        /* a name in sink.wl, or NULL */
} pending;
#define NO_PROV UINT32_MAX

typedef struct batch {
	pending *items;
	size_t n, cap;
	char *arena;
	size_t used, size;
} batch;

typedef struct sink {
	ent_store *store;
	const ent_import_opts *opts;
	ent_import_report *report;      /* skipped: reader; the rest: caller */
	const char *name;
	const ent_warninglists *wl;     /* NULL: none loaded */
	batch b[2];
	int cur;                        /* the batch the reader fills */
	/* hand-off between the reader and the storing thread */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int full[2], done, stop;
} sink;


/* Canonicalises the n bytes at s as an indicator of `type` (AUTO:
 * detected) with provenance meta (source, tags, TLP, confidence,
 * valid-until, revoked) into the current batch. An invalid value is
 * skipped with its reason. Only a stop of the storing side is an error. */
ent_err sink_put(sink *k, const char *s, size_t n, uint64_t line,
    ent_type type, const ent_meta *meta, ent_msg *msg);

/* The same for a value already canonical. */
ent_err sink_put_indicator(sink *k, const ent_indicator *ind,
    const ent_meta *meta, ent_msg *msg);

/* Counts a value skipped at line, keeping the first reasons. */
void sink_skip(sink *k, uint64_t line, const char *why);

/* Puts the input's name before the message in msg (if any); returns e. */
ent_err sink_named(const sink *k, ent_msg *msg, ent_err e);

/* The readers, one per format. */
ent_err read_csv(sink *k, input *in, ent_msg *msg);
ent_err read_zeek(sink *k, input *in, ent_msg *msg);
ent_err read_stix(sink *k, input *in, ent_msg *msg);
ent_err read_misp(sink *k, input *in, ent_msg *msg);
ent_err read_text(sink *k, input *in, ent_msg *msg);

#endif
