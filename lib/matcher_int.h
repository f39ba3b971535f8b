/*
 * matcher_int.h — the matcher file's layout and its keys, shared by the
 * code that builds and maps it (matcher.c) and the code that looks tokens
 * up in it (tokens.c). Internal.
 *
 * File: a header, an open-addressing table of 64-bit key fingerprints, a
 * Bloom filter, one record per indicator, and a pool of strings. Keys are
 * the type's tag and its canonical form (IPv6 addresses and networks in
 * binary, so that a log's spelling does not matter; an IPv4 address has
 * one spelling, its text); a fingerprint match is
 * confirmed against the record's value before it counts, so there are no
 * false hits.
 */
#ifndef ENTENTE_MATCHER_INT_H
#define ENTENTE_MATCHER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "entente/matcher.h"

#define MAGIC "ENTMTCHA"

typedef struct mhdr {
	char magic[8];
	uint64_t generation, day;     /* the store's, when built */
	uint64_t nrec, cap;           /* records; slots (a power of two) */
	uint64_t v4plens, v6plens[3]; /* prefix lengths that networks use */
	uint64_t off_slots, off_recs, off_pool, pool_len;
	uint64_t types;               /* bit 1 << type for each type present */
	uint64_t off_bloom, bloom_bits;
	uint64_t dlabels;             /* bit n: a domain of n labels (63+) */
} mhdr;

/* A slot: the fingerprint's top 40 bits (bit 63 always set) and the
 * record's number in the low 24 bits; 0 is empty. */
typedef uint64_t mslot;
#define REC_BITS 24
#define REC_MASK ((1ULL << REC_BITS) - 1)
#define SLOT_OF(fp, rec) ((((fp) | (1ULL << 63)) & ~REC_MASK) | (rec))
#define SLOT_FP(fp) (((fp) | (1ULL << 63)) & ~REC_MASK)
/* A Bloom filter of about eight bits per indicator (a power of two, so 8
 * to 16), so that most look-ups (which miss) are answered by one read of
 * an array far smaller than the table: three bits of one 64-bit word per
 * key, the word chosen by fingerprint bits 28 and up, the bits by bits
 * 0-17. One bit per key let 11.4% of a firewall log's keys through to the
 * table at 1M indicators, three in one word 3.8%: no faster at 1M, where
 * the table is in the cache, but about 5% at 10M, where it is not.
 * Past BLOOM_CAP bits it is halved while it keeps four bits or more per
 * indicator: a filter that fits the cache less well cost more than the
 * keys it lets through (10M indicators: 16 MiB of filter, 13.4 bits
 * each, or 8 MiB, 6.7 bits each, about 5% faster in paired runs). */
#define BLOOM_CAP (1ULL << 26)
#define BLOOM_WORD(fp, bits) ((((fp) >> 28) & ((bits) - 1)) / 64)
#define BLOOM_MASK(fp) (1ULL << ((fp) & 63) | 1ULL << (((fp) >> 6) & 63) | \
    1ULL << (((fp) >> 12) & 63))

typedef struct mrec {
	uint32_t value, info;         /* pool offsets */
	uint8_t type, tlp, pad[2];
} mrec;

struct ent_matcher {
	void *map;
	size_t len;
	const mhdr *h;
	const mslot *slots;
	const mrec *recs;
	const char *pool;
	const uint64_t *bloom;
	void *hot;                    /* the Bloom filter copied to huge */
	size_t hot_len;               /* pages, if it was */
};

/* x as read from memory on a little-endian machine: byte j in bits 8j. */
static inline uint64_t
le64(uint64_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(x);
#else
	return x;
#endif
}

/* The two halves of a 128-bit product, folded. */
static inline uint64_t
mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The start of a fingerprint of tag || n bytes. */
static inline uint64_t
fp_start(uint8_t tag, size_t n)
{
	return 0x9e3779b97f4a7c15ULL ^ ((uint64_t)tag << 56) ^ n;
}

/* The end of a fingerprint h of n bytes (n at most 16 left) given as two
 * words a and b (see fingerprint). */
static inline uint64_t
fp_end(uint64_t h, uint64_t a, uint64_t b, size_t n)
{
	h = mum(a ^ 0xe7037ed1a0b428dbULL, b ^ h ^ 0x8ebc6af09c88c6e3ULL);
	h = mum(h ^ 0x589965cc75374cc3ULL, h ^ 0x1d8e4e27c47d124fULL ^ n);
	return h ? h : 1;
}

/* A 64-bit fingerprint of tag || bytes (never 0): one multiply per 16
 * bytes, so that the keys of a log line cost little. Not cryptographic: a
 * match is always confirmed against the stored value. */
static inline uint64_t
fingerprint(uint8_t tag, const uint8_t *p, size_t n)
{
	uint64_t h = fp_start(tag, n), a, b;

	for (; n > 16; p += 16, n -= 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = mum(a ^ 0xa0761d6478bd642fULL, b ^ h);
	}
	if (n >= 8) {	/* two words, overlapping when n < 16 */
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
	} else if (n >= 4) {
		uint32_t x, y;
		memcpy(&x, p, 4);
		memcpy(&y, p + n - 4, 4);
		a = x;
		b = y;
	} else {
		a = n ? (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 |
		    p[n - 1] : 0;
		b = 0;
	}
	return fp_end(h, a, b, n);
}

enum { TAG_V4 = 'A', TAG_V6 = 'B', TAG_NET4 = 'N', TAG_NET6 = 'M',
	TAG_DOMAIN = 'D', TAG_EMAIL = 'E', TAG_URL = 'U', TAG_HASH = 'H' };

/* The key of a canonical indicator: tag and bytes into k (>= 17 bytes, or
 * the value's length). Returns the key length, 0 if none. */
size_t matcher_key(ent_type t, const char *v, size_t n, uint8_t *tag,
    uint8_t *k);

/* The byte classes of p[0..n) as masks, one for each 64 bytes (the last
 * padded with hard bytes), bit i for byte i: bytes that end a word, '.',
 * ':', those that end a token within a word (= * ! $), bytes that are not
 * a digit or '.', bytes that cannot be in a name (nor are ':').
 * By the table (vector 0) or the CPU's vector instructions when it has
 * them (vector 1; tokens.c uses these). Returns whether it has them. */
typedef struct kmask {
	uint64_t hard, dot, colon, soft, ndd, nn;
} kmask;
int matcher_masks(const unsigned char *p, size_t n, kmask *m, int vector);

/* Strict dotted-quad parse (no leading zeros); 0 on success. */
int matcher_parse4(const char *s, size_t n, uint8_t a[4]);

#endif
