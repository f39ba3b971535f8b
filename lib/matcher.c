/*
 * matcher.c — the compiled, memory-mapped matcher (see entente/matcher.h).
 *
 * File: a header, an open-addressing table of 64-bit key fingerprints, one
 * record per indicator, and a pool of strings. Keys are the type's tag and
 * its canonical form (addresses and networks in binary, so that a log's
 * spelling does not matter); a fingerprint match is confirmed against the
 * record's value before it counts, so there are no false hits.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "entente/matcher.h"
#include "store_int.h"

#define MAGIC "ENTMTCH8"

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
/* A one-bit-per-key Bloom filter of about eight bits per indicator, so
 * that most look-ups (which miss) are answered by one read of an array far
 * smaller than the table. (Measured on the 1 GiB corpus: 16 bits per key
 * helps at 1M but costs at 10M, where the filter no longer fits the cache;
 * 4 and 32 bits and a blocked two-bit variant did no better.) */
#define BLOOM_WORD(fp, bits) ((((fp) >> 28) & ((bits) - 1)) / 64)
#define BLOOM_MASK(fp) (1ULL << (((fp) >> 28) & 63))

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
};

/* --- keys ---------------------------------------------------------------- */

/* The two halves of a 128-bit product, folded. */
static inline uint64_t
mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* A 64-bit fingerprint of tag || bytes (never 0): one multiply per 16
 * bytes, so that the keys of a log line cost little. Not cryptographic: a
 * match is always confirmed against the stored value. */
static inline uint64_t
fingerprint(uint8_t tag, const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)tag << 56) ^ n, a, b;

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
	h = mum(a ^ 0xe7037ed1a0b428dbULL, b ^ h ^ 0x8ebc6af09c88c6e3ULL);
	h = mum(h ^ 0x589965cc75374cc3ULL, h ^ 0x1d8e4e27c47d124fULL ^ n);
	return h ? h : 1;
}

enum { TAG_V4 = 'A', TAG_V6 = 'B', TAG_NET4 = 'N', TAG_NET6 = 'M',
	TAG_DOMAIN = 'D', TAG_EMAIL = 'E', TAG_URL = 'U', TAG_HASH = 'H' };

static int parse4(const char *s, size_t n, uint8_t a[4]);

/* The key of a canonical indicator: tag and bytes into k (>= 17 bytes, or
 * the value's length). Returns the key length, 0 if none. */
static size_t
key_of(ent_type t, const char *v, size_t n, uint8_t *tag, uint8_t *k)
{
	char buf[64];
	const char *slash;

	switch (t) {
	case ENT_TYPE_IPV4:	/* canonical: no leading zeros */
		*tag = TAG_V4;
		return parse4(v, n, k) == 0 ? 4 : 0;
	case ENT_TYPE_IPV6:
		if (n >= sizeof buf)
			return 0;
		memcpy(buf, v, n);
		buf[n] = '\0';
		*tag = TAG_V6;
		return inet_pton(AF_INET6, buf, k) == 1 ? 16 : 0;
	case ENT_TYPE_IPV4_NET:
	case ENT_TYPE_IPV6_NET:
		slash = memchr(v, '/', n);
		if (slash == NULL || (size_t)(slash - v) >= sizeof buf)
			return 0;
		memcpy(buf, v, (size_t)(slash - v));
		buf[slash - v] = '\0';
		k[0] = (uint8_t)strtoul(slash + 1, NULL, 10);
		*tag = t == ENT_TYPE_IPV4_NET ? TAG_NET4 : TAG_NET6;
		return inet_pton(t == ENT_TYPE_IPV4_NET ? AF_INET : AF_INET6,
		    buf, k + 1) == 1 ? (t == ENT_TYPE_IPV4_NET ? 5 : 17) : 0;
	case ENT_TYPE_DOMAIN:
		*tag = TAG_DOMAIN;
		break;
	case ENT_TYPE_EMAIL:
		*tag = TAG_EMAIL;
		break;
	case ENT_TYPE_URL: {	/* without the scheme */
		const char *p = strstr(v, "://");
		*tag = TAG_URL;
		if (p == NULL)
			return 0;
		n -= (size_t)(p + 3 - v);
		v = p + 3;
		break;
	}
	default:
		*tag = TAG_HASH;
		break;
	}
	memcpy(k, v, n);
	return n;
}

/* Labels of a name: 1 + its dots, at most 63. */
static unsigned
labels(const uint8_t *k, size_t n)
{
	unsigned l = 1;

	for (size_t i = 0; i < n; i++)
		l += k[i] == '.';
	return l < 63 ? l : 63;
}

/* --- building -------------------------------------------------------------- */

typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static int
buf_put(sbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1 << 20;
		char *q;
		while (cap < b->len + n)
			cap *= 2;
		q = realloc(b->p, cap);
		if (q == NULL)
			return -1;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

/* A small string → offset map for deduplicating info strings. */
typedef struct dedup {
	uint64_t *fp;
	uint32_t *off;
	size_t cap, n;
} dedup;

static int64_t
dedup_find(dedup *d, uint64_t fp)
{
	for (size_t i = fp & (d->cap - 1);; i = (i + 1) & (d->cap - 1)) {
		if (d->fp[i] == 0)
			return -(int64_t)i - 1;
		if (d->fp[i] == fp)
			return d->off[i];
	}
}

static ent_err
build(ent_store *s, const char *path, uint64_t gen, uint64_t day,
    ent_msg *msg)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *qi = NULL, *qc = NULL, *qs = NULL;
	char **names = NULL, tmp[ENT_PATH_MAX + 16];
	size_t nnames = 0;
	sbuf recs = { 0 }, pool = { 0 }, info = { 0 };
	dedup dd = { NULL, NULL, 4096, 0 };
	mslot *slots = NULL;
	uint64_t *bloom = NULL;
	mhdr h;
	uint64_t n = 0;
	int rc, crc, fd = -1;
	ent_err ret = ENT_ENOMEM;

	memset(&h, 0, sizeof h);
	memcpy(h.magic, MAGIC, 8);
	h.generation = gen;
	h.day = day;
	dd.fp = calloc(dd.cap, sizeof *dd.fp);
	dd.off = calloc(dd.cap, sizeof *dd.off);
	if (dd.fp == NULL || dd.off == NULL || buf_put(&pool, "", 1))
		goto out;
	/* source names by id */
	if (sqlite3_prepare_v2(db, "SELECT id, name FROM source", -1, &qs,
	    NULL) != SQLITE_OK)
		goto dbfail;
	while (sqlite3_step(qs) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(qs, 0);
		if (id < 0 || id > 1000000)
			continue;
		if ((size_t)id >= nnames) {
			char **q = realloc(names, ((size_t)id + 1) * sizeof *q);
			if (q == NULL)
				goto out;
			memset(q + nnames, 0, ((size_t)id + 1 - nnames) *
			    sizeof *q);
			names = q;
			nnames = (size_t)id + 1;
		}
		names[id] = strdup((const char *)sqlite3_column_text(qs, 1));
	}
	/* indicators and corroborations, both in (type, value) order */
	if (sqlite3_prepare_v2(db, "SELECT type, value, tlp, sources FROM "
	    "indicator WHERE " STORE_ACTIVE("?1") " ORDER BY type, value", -1, &qi, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, "SELECT type, value, peer FROM "
	    "corroboration ORDER BY type, value, peer", -1, &qc, NULL) !=
	    SQLITE_OK)
		goto dbfail;
	sqlite3_bind_int64(qi, 1, (sqlite3_int64)time(NULL));
	crc = sqlite3_step(qc);
	while ((rc = sqlite3_step(qi)) == SQLITE_ROW) {
		int t = sqlite3_column_int(qi, 0);
		const char *v = (const char *)sqlite3_column_text(qi, 1);
		size_t vn = (size_t)sqlite3_column_bytes(qi, 1);
		const char *src = (const char *)sqlite3_column_text(qi, 3);
		mrec r;
		uint64_t fp;
		int64_t at;

		if (t <= 0 || t >= ENT_TYPE_COUNT || v == NULL)
			continue;
		/* info: "sources\0peers\0", shared by equal strings */
		info.len = 0;
		for (const char *w = src ? src : ""; *w;) {	/* "1,4,7" */
			char *end;
			unsigned long id = strtoul(w, &end, 10);
			if (end > w && id < nnames && names[id]) {
				if (info.len && buf_put(&info, ",", 1))
					goto out;
				if (buf_put(&info, names[id], strlen(names[id])))
					goto out;
			}
			w = *end ? end + 1 : end;
		}
		if (buf_put(&info, "", 1))
			goto out;
		for (size_t peers = 0; crc == SQLITE_ROW;) {	/* merge join */
			int ct = sqlite3_column_int(qc, 0);
			const char *cv = (const char *)sqlite3_column_text(qc, 1);
			int c = ct != t ? (ct < t ? -1 : 1) : strcmp(cv, v);
			if (c > 0)
				break;
			if (c == 0) {
				const char *peer = (const char *)
				    sqlite3_column_text(qc, 2);
				if ((peers++ && buf_put(&info, ",", 1)) ||
				    buf_put(&info, peer, strlen(peer)))
					goto out;
			}
			crc = sqlite3_step(qc);
		}
		if (buf_put(&info, "", 1))
			goto out;
		fp = fingerprint(0, (const uint8_t *)info.p, info.len);
		at = dedup_find(&dd, fp);
		if (at < 0) {
			size_t slot = (size_t)(-at - 1);
			if (dd.n * 2 >= dd.cap) {	/* keep it sparse */
				dedup bigger = { calloc(dd.cap * 2, 8),
				    calloc(dd.cap * 2, 4), dd.cap * 2, dd.n };
				if (bigger.fp == NULL || bigger.off == NULL)
					goto out;
				for (size_t i = 0; i < dd.cap; i++)
					if (dd.fp[i]) {
						int64_t j = dedup_find(&bigger,
						    dd.fp[i]);
						bigger.fp[-j - 1] = dd.fp[i];
						bigger.off[-j - 1] = dd.off[i];
					}
				free(dd.fp);
				free(dd.off);
				dd = bigger;
				slot = (size_t)(-dedup_find(&dd, fp) - 1);
			}
			dd.fp[slot] = fp;
			dd.off[slot] = (uint32_t)pool.len;
			dd.n++;
			at = (int64_t)pool.len;
			if (buf_put(&pool, info.p, info.len))
				goto out;
		}
		r.info = (uint32_t)at;
		r.value = (uint32_t)pool.len;
		r.type = (uint8_t)t;
		r.tlp = (uint8_t)sqlite3_column_int(qi, 2);
		r.pad[0] = r.pad[1] = 0;
		if (buf_put(&pool, v, vn + 1) || buf_put(&recs, &r, sizeof r))
			goto out;
		if (pool.len > UINT32_MAX) {
			ret = ent_fail(msg, ENT_ELIMIT, "matcher: over 4 GiB of "
			    "strings");
			goto out;
		}
		n++;
	}
	if (rc != SQLITE_DONE)
		goto dbfail;
	/* the table: a power of two at most 75% full */
	h.nrec = n;
	if (n > REC_MASK) {
		ret = ent_fail(msg, ENT_ELIMIT, "matcher: at most %llu "
		    "indicators", (unsigned long long)REC_MASK);
		goto out;
	}
	for (h.cap = 16; h.cap * 3 < n * 4 + 4; h.cap *= 2)
		;
	for (h.bloom_bits = 1 << 16; h.bloom_bits < n * 8; h.bloom_bits *= 2)
		;
	slots = calloc(h.cap, sizeof *slots);
	bloom = calloc(h.bloom_bits / 64, sizeof *bloom);
	if (slots == NULL || bloom == NULL)
		goto out;
	for (uint64_t i = 0; i < n; i++) {
		const mrec *r = (const mrec *)recs.p + i;
		const char *v = pool.p + r->value;
		uint8_t tag, k[ENT_VALUE_MAX + 17];
		size_t kn = key_of((ent_type)r->type, v, strlen(v), &tag, k);
		uint64_t fp, j;

		if (kn == 0)
			continue;
		h.types |= 1ULL << r->type;
		if (tag == TAG_NET4)
			h.v4plens |= 1ULL << k[0];
		if (tag == TAG_NET6)
			h.v6plens[k[0] / 64] |= 1ULL << (k[0] % 64);
		if (tag == TAG_DOMAIN)
			h.dlabels |= 1ULL << labels(k, kn);
		fp = fingerprint(tag, k, kn);
		for (j = fp & (h.cap - 1); slots[j]; j = (j + 1) & (h.cap - 1))
			;
		slots[j] = SLOT_OF(fp, i);
		bloom[BLOOM_WORD(fp, h.bloom_bits)] |= BLOOM_MASK(fp);
	}
	h.off_slots = sizeof h;
	h.off_bloom = h.off_slots + h.cap * sizeof *slots;
	h.off_recs = h.off_bloom + h.bloom_bits / 8;
	h.off_pool = h.off_recs + recs.len;
	h.pool_len = pool.len;
	/* write beside, then rename: readers never see half a file */
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, &h, sizeof h) != (ssize_t)sizeof h ||
	    write(fd, slots, h.cap * sizeof *slots) !=
	    (ssize_t)(h.cap * sizeof *slots) ||
	    write(fd, bloom, h.bloom_bits / 8) != (ssize_t)(h.bloom_bits / 8) ||
	    (recs.len && write(fd, recs.p, recs.len) != (ssize_t)recs.len) ||
	    write(fd, pool.p, pool.len) != (ssize_t)pool.len ||
	    close(fd) != 0 || rename(tmp, path) != 0) {
		ret = ent_fail(msg, ENT_EIO, "cannot write %s: %s", path,
		    strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		goto out;
	}
	ret = ENT_OK;
	goto out;
dbfail:
	ret = store_fail(s, msg, "reading indicators for the matcher");
out:
	if (ret == ENT_ENOMEM)
		ent_fail(msg, ENT_ENOMEM, "out of memory");
	sqlite3_finalize(qi);
	sqlite3_finalize(qc);
	sqlite3_finalize(qs);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(recs.p);
	free(pool.p);
	free(info.p);
	free(dd.fp);
	free(dd.off);
	free(slots);
	free(bloom);
	return ret;
}

/* --- opening ------------------------------------------------------------- */

static ent_err
map_file(ent_matcher *m, const char *path, ent_msg *msg)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ent_fail(msg, ENT_ENOENT, "no matcher at %s", path);
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(mhdr)) {
		close(fd);
		return ent_fail(msg, ENT_EINVAL, "%s is not a matcher", path);
	}
	m->len = (size_t)st.st_size;
	m->map = mmap(NULL, m->len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return ent_fail(msg, ENT_EIO, "cannot map %s: %s", path,
		    strerror(errno));
	}
	m->h = m->map;
	if (memcmp(m->h->magic, MAGIC, 8) != 0 ||
	    m->h->off_pool + m->h->pool_len != m->len ||
	    m->h->off_slots + m->h->cap * sizeof(mslot) != m->h->off_bloom ||
	    m->h->off_bloom + m->h->bloom_bits / 8 != m->h->off_recs ||
	    (m->h->bloom_bits & (m->h->bloom_bits - 1)) != 0 ||
	    m->h->off_recs + m->h->nrec * sizeof(mrec) != m->h->off_pool ||
	    (m->h->cap & (m->h->cap - 1)) != 0)
		return ent_fail(msg, ENT_EINVAL, "%s is not a valid matcher",
		    path);
	m->slots = (const mslot *)((const char *)m->map + m->h->off_slots);
	m->recs = (const mrec *)((const char *)m->map + m->h->off_recs);
	m->bloom = (const uint64_t *)((const char *)m->map + m->h->off_bloom);
	m->pool = (const char *)m->map + m->h->off_pool;
	return ENT_OK;
}

ent_err
ent_matcher_open(ent_matcher **out, ent_store *store, const char *path,
    int *rebuilt, ent_msg *msg)
{
	ent_matcher *m = calloc(1, sizeof *m);
	uint64_t gen, day = (uint64_t)time(NULL) / 86400;
	ent_err ret;

	*out = NULL;
	*rebuilt = 0;
	if (m == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	if ((ret = ent_store_generation(store, &gen, msg)))
		goto fail;
	if (map_file(m, path, NULL) != ENT_OK || m->h->generation != gen ||
	    m->h->day != day) {
		if (m->map)
			munmap(m->map, m->len);
		m->map = NULL;
		if ((ret = build(store, path, gen, day, msg)) ||
		    (ret = map_file(m, path, msg)))
			goto fail;
		*rebuilt = 1;
	}
	*out = m;
	return ENT_OK;
fail:
	ent_matcher_close(m);
	return ret;
}

void
ent_matcher_close(ent_matcher *m)
{
	if (m == NULL)
		return;
	if (m->map)
		munmap(m->map, m->len);
	free(m);
}

uint64_t
ent_matcher_count(const ent_matcher *m)
{
	return m->h->nrec;
}

uint64_t
ent_matcher_bytes(const ent_matcher *m)
{
	return m->len;
}

/* --- look-ups, in batches ----------------------------------------------- */

#define MB_KEYS  512          /* keys looked up together, at most */
#define MB_ARENA 65536        /* bytes of their keys */

typedef struct mkey {
	uint64_t fp;
	const char *tok;          /* the token it came from */
	uint32_t tok_len, ctx;
	uint32_t off;             /* its bytes in the arena */
	uint16_t len;
	uint8_t tag, maybe;       /* maybe: the Bloom filter may hold it */
} mkey;

struct ent_mbatch {
	const ent_matcher *m;
	ent_mhit_fn fn;
	void *arg;
	int stop;
	uint64_t types;           /* bit 1 << type for each type present */
	uint64_t dlabels;         /* the matcher's domains' label counts */
	const char *tok;          /* the token being classified */
	uint32_t tok_len, ctx;
	uint8_t v4p[33], v6p[129];/* network prefix lengths, longest first */
	int nv4p, nv6p;
	size_t n, used;
	mkey keys[MB_KEYS];
	uint8_t arena[MB_ARENA];
};

/* What each byte can be part of, to cut and classify tokens in one pass:
 * the bits of a token's bytes ORed together say all that the fast paths
 * need (the K_NOT bits say what every byte is). */
enum {
	K_HARD = 1,        /* ends a word: white space, quotes, brackets, ',' */
	K_SOFT = 2,        /* ends a token within a word (not a URL): = * ! $ */
	K_DOT = 4,
	K_COLON = 8,
	K_AT = 16,
	K_SLASH = 32,
	K_NOT_DIGDOT = 64, /* not a digit or '.' */
	K_NOT_NAME = 128,  /* not a letter, digit, '-', '_' or '.' */
	K_NOT_HEX = 256,   /* not a hex digit */
};
static uint16_t kcls[256];
static pthread_once_t kcls_once = PTHREAD_ONCE_INIT;

static void
kcls_init(void)
{
	for (int c = 0; c < 256; c++) {
		int digit = c >= '0' && c <= '9', alpha = (c | 32) >= 'a' &&
		    (c | 32) <= 'z';
		kcls[c] = (uint16_t)((digit || c == '.' ? 0 : K_NOT_DIGDOT) |
		    (digit || alpha || c == '-' || c == '_' || c == '.' ? 0 :
		    K_NOT_NAME) | (digit || ((c | 32) >= 'a' && (c | 32) <= 'f') ?
		    0 : K_NOT_HEX) | (c < 32 || c == 127 ? K_HARD : 0));
	}
	for (const char *p = " \"'<>(){}|,;\\^`"; *p; p++)
		kcls[(unsigned char)*p] |= K_HARD;
	kcls['='] |= K_SOFT;
	kcls['*'] |= K_SOFT;
	kcls['!'] |= K_SOFT;
	kcls['$'] |= K_SOFT;
	kcls['.'] |= K_DOT;
	kcls[':'] |= K_COLON;
	kcls['@'] |= K_AT;
	kcls['/'] |= K_SLASH;
}

#define HAS(b, t) ((b)->types & (1ULL << (t)))

static inline uint8_t
lc(char c)
{
	return (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

ent_mbatch *
ent_mbatch_new(const ent_matcher *m, ent_mhit_fn fn, void *arg)
{
	ent_mbatch *b = malloc(sizeof *b);

	if (b == NULL)
		return NULL;
	pthread_once(&kcls_once, kcls_init);
	memset(b, 0, offsetof(ent_mbatch, keys));
	b->m = m;
	b->fn = fn;
	b->arg = arg;
	b->types = m->h->types;
	b->dlabels = m->h->dlabels;
	for (int p = 32; p >= 0; p--)
		if (m->h->v4plens >> p & 1)
			b->v4p[b->nv4p++] = (uint8_t)p;
	for (int p = 128; p >= 0; p--)
		if (m->h->v6plens[p / 64] >> (p % 64) & 1)
			b->v6p[b->nv6p++] = (uint8_t)p;
	return b;
}

void
ent_mbatch_free(ent_mbatch *b)
{
	free(b);
}

/* Confirms a key the Bloom filter may hold against the record its
 * fingerprint leads to, and reports the hit. */
static void
resolve(ent_mbatch *b, const mkey *k)
{
	const ent_matcher *m = b->m;
	uint64_t mask = m->h->cap - 1, want = SLOT_FP(k->fp);

	for (uint64_t j = k->fp & mask; m->slots[j]; j = (j + 1) & mask) {
		const mrec *r;
		const char *v;
		uint8_t t2, k2[ENT_VALUE_MAX + 17];
		size_t kn2;
		ent_mhit hit;

		if ((m->slots[j] & ~REC_MASK) != want)
			continue;
		r = &m->recs[m->slots[j] & REC_MASK];
		v = m->pool + r->value;
		kn2 = key_of((ent_type)r->type, v, strlen(v), &t2, k2);
		if (t2 != k->tag || kn2 != k->len ||
		    memcmp(k2, b->arena + k->off, kn2) != 0)
			continue;	/* a fingerprint collision: no hit */
		hit.id = (uint32_t)(m->slots[j] & REC_MASK);
		hit.type = (ent_type)r->type;
		hit.tlp = (ent_tlp)r->tlp;
		hit.value = v;
		hit.sources = m->pool + r->info;
		hit.peers = hit.sources + strlen(hit.sources) + 1;
		hit.tok = k->tok;
		hit.tok_len = k->tok_len;
		hit.ctx = k->ctx;
		if (b->fn(&hit, b->arg) != 0)
			b->stop = 1;
		return;
	}
}

int
ent_mbatch_flush(ent_mbatch *b)
{
	const ent_matcher *m = b->m;
	uint64_t mask = m->h->cap - 1, bits = m->h->bloom_bits;

	/* the Bloom words were fetched as the keys came; fetch the slots of
	 * those it may hold, then look them up, in order */
	for (size_t i = 0; i < b->n; i++) {
		mkey *k = &b->keys[i];
		uint64_t bm = BLOOM_MASK(k->fp);
		k->maybe = (m->bloom[BLOOM_WORD(k->fp, bits)] & bm) == bm;
		if (k->maybe)
			__builtin_prefetch(&m->slots[k->fp & mask]);
	}
	for (size_t i = 0; i < b->n && !b->stop; i++)
		if (b->keys[i].maybe)
			resolve(b, &b->keys[i]);
	b->n = 0;
	b->used = 0;
	return b->stop;
}

/* Room for len bytes of keys and nkeys keys, flushing first if need be. */
static uint8_t *
room(ent_mbatch *b, size_t len, size_t nkeys)
{
	if (b->n + nkeys > MB_KEYS || b->used + len > MB_ARENA)
		ent_mbatch_flush(b);
	return b->arena + b->used;
}

/* Adds the key of len bytes at off in the arena, and fetches its Bloom
 * word. */
static inline void
key_add(ent_mbatch *b, uint8_t tag, size_t off, size_t len)
{
	const ent_matcher *m = b->m;
	mkey *k = &b->keys[b->n++];

	k->fp = fingerprint(tag, b->arena + off, len);
	k->tok = b->tok;
	k->tok_len = (uint32_t)b->tok_len;
	k->ctx = b->ctx;
	k->off = (uint32_t)off;
	k->len = (uint16_t)len;
	k->tag = tag;
	__builtin_prefetch(&m->bloom[BLOOM_WORD(k->fp, m->h->bloom_bits)]);
}

/* One key of bytes k. */
static void
key_put(ent_mbatch *b, uint8_t tag, const void *k, size_t len)
{
	memcpy(room(b, len, 1), k, len);
	key_add(b, tag, b->used, len);
	b->used += len;
}

/* An address, and each network of the matcher's prefix lengths that would
 * hold it, longest first. */
static void
ip_keys(ent_mbatch *b, int v6, const uint8_t *a)
{
	size_t alen = v6 ? 16 : 4, np = (size_t)(v6 ? b->nv6p : b->nv4p);
	const uint8_t *pl = v6 ? b->v6p : b->v4p;
	uint8_t *p;

	if (!(v6 ? HAS(b, ENT_TYPE_IPV6) || HAS(b, ENT_TYPE_IPV6_NET) :
	    HAS(b, ENT_TYPE_IPV4) || HAS(b, ENT_TYPE_IPV4_NET)))
		return;
	p = room(b, alen + (alen + 1) * np, np + 1);
	memcpy(p, a, alen);
	key_add(b, v6 ? TAG_V6 : TAG_V4, b->used, alen);
	b->used += alen;
	for (size_t i = 0; i < np; i++) {
		p = b->arena + b->used;
		p[0] = pl[i];
		for (size_t j = 0; j < alen; j++) {
			int bits = pl[i] - (int)j * 8;
			p[1 + j] = a[j] & (bits >= 8 ? 0xff : bits <= 0 ? 0 :
			    (uint8_t)(0xff << (8 - bits)));
		}
		key_add(b, v6 ? TAG_NET6 : TAG_NET4, b->used, alen + 1);
		b->used += alen + 1;
	}
}

/* A name and each parent that is not a lone label (a TLD), of as many
 * labels as some domain of the matcher has. */
static void
domain_keys(ent_mbatch *b, const char *d, size_t n)
{
	uint8_t *p, at[ENT_DOMAIN_MAX + 1];	/* after each dot */
	size_t off, nl;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > ENT_DOMAIN_MAX || !HAS(b, ENT_TYPE_DOMAIN))
		return;
	p = room(b, n, n);
	off = b->used;
	nl = 0;
	for (size_t i = 0; i < n; i++) {	/* lower case; where labels start */
		p[i] = lc(d[i]);
		at[nl] = (uint8_t)(i + 1);
		nl += d[i] == '.';
	}
	b->used += n;
	/* the name has nl + 1 labels; the suffix from at[j - 1] has nl - j + 1 */
	for (size_t j = 0; j < nl; j++) {
		size_t from = j ? at[j - 1] : 0, labels = nl - j + 1;
		if (b->dlabels >> (labels < 63 ? labels : 63) & 1)
			key_add(b, TAG_DOMAIN, off + from, n - from);
	}
}

/* A URL given as host and path: canonicalised once (host case, dot
 * segments, %-encoding, port), then each host suffix × path prefix, as
 * Safe Browsing does. */
static void
url_keys(ent_mbatch *b, const char *host, size_t hn, const char *path,
    size_t pn)
{
	char canon_in[ENT_VALUE_MAX + 8], url[ENT_VALUE_MAX + 8];
	ent_indicator ind;
	const char *h, *p, *slash;
	size_t hl, full, q;

	if (hn + pn + 8 > sizeof canon_in || hn == 0 ||
	    !HAS(b, ENT_TYPE_URL))
		return;
	memcpy(canon_in, "http://", 7);
	memcpy(canon_in + 7, host, hn);
	memcpy(canon_in + 7 + hn, path, pn);
	if (ent_indicator_parse(&ind, canon_in, 7 + hn + pn, ENT_TYPE_URL,
	    NULL) != ENT_OK)
		return;
	h = ind.value + 7;	/* after "http://" */
	slash = strchr(h, '/');
	hl = slash ? (size_t)(slash - h) : strlen(h);
	p = h + hl;
	full = strlen(p);
	q = strcspn(p, "?");
	for (size_t hs = 0; hs < hl;) {
		size_t prefixes[64], np = 0;
		const char *dot;
		prefixes[np++] = full;
		if (q < full)
			prefixes[np++] = q;
		for (size_t i = 1; i < q && np < 64; i++)
			if (p[i] == '/' || i == 1)
				prefixes[np++] = i == 1 ? 1 : i + 1;
		for (size_t k = 0; k < np; k++) {
			size_t plen = prefixes[k];
			if (plen > q && plen != full)
				continue;
			memcpy(url, h + hs, hl - hs);
			memcpy(url + hl - hs, p, plen);
			key_put(b, TAG_URL, url, hl - hs + plen);
		}
		dot = memchr(h + hs, '.', hl - hs);
		if (dot == NULL)
			break;
		hs = (size_t)(dot - h) + 1;
	}
}

void
ent_mbatch_url(ent_mbatch *b, const char *host, size_t hn, const char *path,
    size_t pn, uint32_t ctx)
{
	b->tok = path;
	b->tok_len = (uint32_t)pn;
	b->ctx = ctx;
	url_keys(b, host, hn, path, pn);
}

/* Strict dotted-quad parse (no leading zeros); 0 on success. */
static int
parse4(const char *s, size_t n, uint8_t a[4])
{
	size_t i = 0;

	if (n < 7 || n > 15)
		return -1;
	for (int o = 0; o < 4; o++) {
		unsigned v, c;
		if (o > 0 && (i >= n || s[i++] != '.'))
			return -1;
		if (i >= n || (v = (unsigned)(unsigned char)s[i++] - '0') > 9)
			return -1;
		if (i < n && (c = (unsigned)(unsigned char)s[i] - '0') <= 9) {
			if (v == 0)
				return -1;	/* "01" */
			v = v * 10 + c;
			i++;
			if (i < n && (c = (unsigned)(unsigned char)s[i] - '0')
			    <= 9) {
				v = v * 10 + c;
				i++;
				if (v > 255)
					return -1;
			}
		}
		a[o] = (uint8_t)v;
	}
	return i == n ? 0 : -1;
}

/* The first "://" of s[0..n), or NULL. */
static const char *
scheme_sep(const char *s, size_t n)
{
	const char *e = s + n;

	for (const char *c = s; (c = memchr(c, ':', (size_t)(e - c))) != NULL &&
	    e - c >= 3; c++)
		if (c[1] == '/' && c[2] == '/')
			return c;
	return NULL;
}

/* The keys of one token: an address, "address:port", a network, a domain,
 * "host:port", a URL (and its host), an e-mail address (and its domain) or
 * a hash; anything else has none. */
static void
classify(ent_mbatch *b, const char *t, size_t n)
{
	uint8_t a[16];
	unsigned any = 0;
	size_t dots = 0, colons = 0;
	const char *at = NULL, *slash = NULL, *scheme = NULL;
	int hashlen;

	if (n == 0 || n > ENT_VALUE_MAX)
		return;
	if ((slash = memchr(t, '/', n)) != NULL) {
		scheme = scheme_sep(t, n);
		if (scheme == NULL) {	/* host/path: a URL, and the host */
			if (!memchr(t, '.', n) && !memchr(t, ':', n))
				return;	/* neither an address nor a name */
			url_keys(b, t, (size_t)(slash - t), slash,
			    n - (size_t)(slash - t));
			classify(b, t, (size_t)(slash - t));
			return;
		}
		/* a URL: the URL, and its host alone */
		{
			const char *host = scheme + 3, *end = t + n, *pe = host;
			const char *h, *c;
			size_t hn;
			while (pe < end && *pe != '/' && *pe != '?' &&
			    *pe != '#')
				pe++;
			hn = (size_t)(pe - host);
			url_keys(b, host, hn, pe, (size_t)(end - pe));
			if ((h = memchr(host, '@', hn)) != NULL) {	/* user */
				hn -= (size_t)(h + 1 - host);
				host = h + 1;
			}
			c = host[0] == '[' ? NULL : memchr(host, ':', hn);
			if (c != NULL)	/* port */
				hn = (size_t)(c - host);
			if (host[0] == '[' && hn > 2)
				classify(b, host + 1, hn - 2);
			else
				classify(b, host, hn);
			return;
		}
	}
	for (size_t i = 0; i < n; i++) {	/* no branch on the bytes */
		unsigned c = kcls[(unsigned char)t[i]];
		any |= c;
		dots += (c & K_DOT) != 0;
		colons += (c & K_COLON) != 0;
	}
	if (any & K_AT)
		at = memchr(t, '@', n);
	hashlen = !(any & K_NOT_HEX) && (n == 32 || n == 40 || n == 64);
	if (!(any & (K_DOT | K_COLON)) && !hashlen)
		return;	/* no address, name or hash has neither */
	if (!(any & K_NOT_DIGDOT) && dots == 3) {
		if (parse4(t, n, a) == 0)
			ip_keys(b, 0, a);
		return;
	}
	if (colons == 1 && dots == 3 && at == NULL) {
		const char *c = memchr(t, ':', n);	/* address:port */
		if (parse4(t, (size_t)(c - t), a) == 0) {
			ip_keys(b, 0, a);
			return;
		}
	}
	if (colons >= 2 && at == NULL) {
		char buf[64];
		const char *pct = memchr(t, '%', n);	/* a zone */
		size_t k = pct ? (size_t)(pct - t) : n;
		if (k >= sizeof buf)
			return;
		memcpy(buf, t, k);
		buf[k] = '\0';
		if (inet_pton(AF_INET6, buf, a) != 1)
			return;
		if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
			ip_keys(b, 0, a + 12);
		else
			ip_keys(b, 1, a);
		return;
	}
	if (hashlen) {
		uint8_t low[64];
		if (!HAS(b, ENT_TYPE_MD5) && !HAS(b, ENT_TYPE_SHA1) &&
		    !HAS(b, ENT_TYPE_SHA256))
			return;
		for (size_t i = 0; i < n; i++)
			low[i] = lc(t[i]);
		key_put(b, TAG_HASH, low, n);
		return;
	}
	if (at != NULL) {	/* an e-mail address: the domain part's case */
		size_t ln = (size_t)(at - t);
		if (n > 0 && t[n - 1] == '.')
			n--;
		if (HAS(b, ENT_TYPE_EMAIL)) {
			uint8_t *p = room(b, n, 1);
			memcpy(p, t, ln + 1);
			for (size_t i = ln + 1; i < n; i++)
				p[i] = lc(t[i]);
			key_add(b, TAG_EMAIL, b->used, n);
			b->used += n;
		}
		domain_keys(b, at + 1, n - ln - 1);
		return;
	}
	if (dots >= 1 && colons == 0 && at == NULL && (any & K_NOT_DIGDOT)) {
		domain_keys(b, t, n);
		return;
	}
	if (colons == 1 && dots >= 1 && at == NULL)	/* host:port */
		domain_keys(b, t, (size_t)((const char *)memchr(t, ':', n) - t));
}

/* A token cut from a word: "[2001:db8::1]:443" loses its brackets, and
 * what surrounds a token in prose goes: "(evil.com).", "[1.2.3.4]:". */
static void
token(ent_mbatch *b, const char *t, size_t n)
{
	if (n > 2 && t[0] == '[') {
		const char *rb = memchr(t, ']', n);
		if (rb != NULL) {
			t++;
			n = (size_t)(rb - t);
		}
	}
	while (n > 0 && (t[0] == '[' || t[0] == '.' || t[0] == '-' ||
	    t[0] == '/' || (t[0] == ':' && (n < 2 || t[1] != ':'))))
		t++, n--;
	while (n > 0 && (t[n - 1] == '.' || t[n - 1] == ':' || t[n - 1] == ']'
	    || t[n - 1] == '-' || t[n - 1] == '?' || t[n - 1] == '#'))
		n--;
	if (n < 4)	/* "a.co" is the shortest thing worth a look-up */
		return;
	b->tok = t;
	b->tok_len = (uint32_t)n;
	classify(b, t, n);
}

/* A word (between hard bytes) that any says has a '.' or ':', or that is
 * long enough to hold a hash: a URL keeps its '=' and '&', other words
 * are split at the soft bytes. Only a token with a '.' or ':' can be an
 * address or a name; else only a hash, of 32, 40 or 64 hex digits. */
static void
word(ent_mbatch *b, const char *s, size_t n, unsigned any)
{
	const char *c;

	if ((any & K_COLON) && (c = scheme_sep(s, n)) != NULL) {
		while (c > s && ((c[-1] | 32) >= 'a' && (c[-1] | 32) <= 'z'))
			c--;	/* the scheme */
		token(b, c, (size_t)(s + n - c));
		return;
	}
	if (!(any & K_SOFT)) {
		if ((any & (K_DOT | K_COLON)) || n == 32 || n == 40 || n == 64)
			token(b, s, n);
		return;
	}
	for (size_t j = 0; j < n;) {
		size_t k = j;
		unsigned acc = 0;
		while (k < n && !((acc |= kcls[(unsigned char)s[k]]) & K_SOFT))
			k++;
		if (k > j && ((acc & (K_DOT | K_COLON)) || k - j == 32 ||
		    k - j == 40 || k - j == 64))
			token(b, s + j, k - j);
		j = k + 1;
	}
}

int
ent_mbatch_splits(unsigned char c)
{
	pthread_once(&kcls_once, kcls_init);
	return (kcls[c] & K_HARD) != 0;
}

void
ent_mbatch_text(ent_mbatch *b, const char *s, size_t n, uint32_t ctx)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	b->ctx = ctx;
	while (i < n) {
		unsigned any = 0;
		size_t start, len;
		uint8_t a[4];

		while (i < n && (kcls[u[i]] & K_HARD))
			i++;
		/* cut the word and classify it in the same pass */
		for (start = i; i < n; i++) {
			unsigned c = kcls[u[i]];
			if (c & K_HARD)
				break;
			any |= c;
		}
		len = i - start;
		if (len < 4)
			continue;
		if (!(any & (K_DOT | K_COLON))) {
			if (len >= 32)	/* maybe a hash */
				word(b, s + start, len, any);
			continue;
		}
		/* the common cases at once: an address, a name */
		if (!(any & K_NOT_DIGDOT)) {
			if (u[start] == '.' || u[i - 1] == '.')
				word(b, s + start, len, any);
			else if (parse4(s + start, len, a) == 0) {
				b->tok = s + start;
				b->tok_len = (uint32_t)len;
				ip_keys(b, 0, a);
			}
			continue;
		}
		if (!(any & K_NOT_NAME) && u[start] != '.' && u[start] != '-' &&
		    u[i - 1] != '.' && u[i - 1] != '-') {
			b->tok = s + start;
			b->tok_len = (uint32_t)len;
			domain_keys(b, s + start, len);
			continue;
		}
		word(b, s + start, len, any);
	}
}
