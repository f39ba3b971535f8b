/*
 * psi.h — private set intersection: ECDH-PSI over ristretto255.
 *
 * Two parties learn which indicators they share and nothing else (see
 * docs/PROTOCOL.md for the protocol byte by byte and what each side
 * learns). This module does no I/O: the caller moves the chunks it writes
 * and reads. A session is one ent_psi object on each side:
 *
 *   initiator                           responder
 *   new(items) -> size nx   --nx-->     new(items, nx) -> size ny
 *   peer(ny)                <--ny--
 *   send() chunks           -------->   feed() chunks [-> replies, intersect]
 *   take_elements() chunks  <--------   send() chunks (own elements)
 *   take_replies() chunks   <--------   replies from feed() / drain()
 *   result()                            finish()
 *
 * Chunks are concatenations of fixed-size records: ENT_PSI_POINT bytes per
 * blinded element, ent_psi_compare_len() bytes per reply; at most
 * ENT_PSI_CHUNK_MAX records. Every received point is checked (canonical
 * encoding, not the identity); a bad point, a chunk of the wrong size, or
 * more or fewer records than announced fails the session with ENT_EPROTO.
 * Scalars are fresh per object, kept in sodium_malloc memory and wiped on
 * destroy. An ent_psi object is used by one thread at a time; it runs its
 * group operations on `threads` threads (0: one per online CPU), with
 * results identical to one thread.
 */
#ifndef ENTENTE_PSI_H
#define ENTENTE_PSI_H

#include <stddef.h>
#include <stdint.h>

#include "entente/err.h"
#include "entente/indicator.h"

#define ENT_PSI_POINT 32

typedef enum ent_psi_mode {
	ENT_PSI_INTERSECT = 1,  /* the initiator learns which items match */
	ENT_PSI_COUNT = 2       /* the initiator learns only how many */
} ent_psi_mode;

/* One input: a canonical indicator, by reference (not copied: it must
 * outlive the ent_psi object). */
typedef struct ent_psi_item {
	ent_type type;
	const char *value;
	size_t len;
} ent_psi_item;

typedef struct ent_psi ent_psi;

/* The 64-byte domain-separated hash of an indicator that is mapped to the
 * group: SHA-512("entente-psi-v1" || 0x00 || type code || value). */
void ent_psi_element_hash(uint8_t out[static 64], ent_type type,
    const char *value, size_t len);

/* Bytes per compared record for set sizes nx and ny: the smallest number of
 * bytes with nx * ny * 2^-(8 * bytes) < 2^-40, at most 32. */
size_t ent_psi_compare_len(uint64_t nx, uint64_t ny);

/* Starts the initiator's side over n items (duplicates removed). ENT_ELIMIT
 * over ENT_PSI_SET_MAX. The caller destroys *out. */
ent_err ent_psi_initiator_new(ent_psi **out, ent_psi_mode mode,
    const ent_psi_item *items, size_t n, unsigned threads, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Starts the responder's side over n items, for an initiator that announced
 * peer_n elements. */
ent_err ent_psi_responder_new(ent_psi **out, ent_psi_mode mode,
    const ent_psi_item *items, size_t n, uint64_t peer_n, unsigned threads,
    ent_msg *msg) __attribute__((warn_unused_result));

/* Wipes the scalar and frees; accepts NULL. */
void ent_psi_destroy(ent_psi *p);

/* This side's set size after de-duplication. */
uint64_t ent_psi_size(const ent_psi *p);

/* The compare length in use (known to the responder from new, to the
 * initiator after ent_psi_initiator_peer). */
size_t ent_psi_reply_len(const ent_psi *p);

/* Initiator: the responder's announced set size. */
ent_err ent_psi_initiator_peer(ent_psi *p, uint64_t peer_n, ent_msg *msg)
	__attribute__((warn_unused_result));

/*
 * Both sides: writes the next chunk of this side's blinded elements, in a
 * random order, to out (room for max records, at most ENT_PSI_CHUNK_MAX);
 * *len is set to the bytes written, 0 once all are sent.
 */
ent_err ent_psi_send(ent_psi *p, uint8_t *out, size_t max, size_t *len,
    ent_msg *msg) __attribute__((warn_unused_result));

/*
 * Responder: takes a chunk of the initiator's blinded elements. In
 * intersect mode writes the replies for it, in the same order, to out
 * (room for len / ENT_PSI_POINT replies) and sets *outlen; in count mode
 * keeps them (*outlen is 0) until ent_psi_drain.
 */
ent_err ent_psi_feed(ent_psi *p, const uint8_t *in, size_t len, uint8_t *out,
    size_t *outlen, ent_msg *msg) __attribute__((warn_unused_result));

/* Responder, count mode, once every element was fed: the next chunk of the
 * replies in a random order (room for max replies); *outlen 0 when done. */
ent_err ent_psi_drain(ent_psi *p, uint8_t *out, size_t max, size_t *outlen,
    ent_msg *msg) __attribute__((warn_unused_result));

/* Responder: ENT_OK once exactly the announced number was fed, else
 * ENT_EPROTO (fewer than announced). */
ent_err ent_psi_finish(ent_psi *p, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Initiator: a chunk of the responder's blinded elements. */
ent_err ent_psi_take_elements(ent_psi *p, const uint8_t *in, size_t len,
    ent_msg *msg) __attribute__((warn_unused_result));

/* Initiator: a chunk of the responder's replies. */
ent_err ent_psi_take_replies(ent_psi *p, const uint8_t *in, size_t len,
    ent_msg *msg) __attribute__((warn_unused_result));

/*
 * Initiator, once everything was taken: in intersect mode *idx (owned by p,
 * valid until destroy) lists, in increasing order, the indices into the
 * caller's items of those the responder holds (the first of duplicates),
 * and *count their number; in count mode *idx is NULL and *count the size
 * of the intersection. ENT_EPROTO when records are missing.
 */
ent_err ent_psi_result(ent_psi *p, const size_t **idx, uint64_t *count,
    ent_msg *msg) __attribute__((warn_unused_result));

/* Seconds of CPU this side has spent so far, on all its threads. */
double ent_psi_cpu(const ent_psi *p);

#endif
