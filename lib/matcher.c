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

#define MAGIC "ENTMTCH6"

typedef struct mhdr {
	char magic[8];
	uint64_t generation, day;     /* the store's, when built */
	uint64_t nrec, cap;           /* records; slots (a power of two) */
	uint64_t v4plens, v6plens[3]; /* prefix lengths that networks use */
	uint64_t off_slots, off_recs, off_pool, pool_len;
	uint64_t types;               /* bit 1 << type for each type present */
	uint64_t off_bloom, bloom_bits;
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

static uint64_t
fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* A 64-bit fingerprint of tag || bytes (never 0). Not cryptographic: a
 * match is always confirmed against the stored value. */
static uint64_t
fingerprint(uint8_t tag, const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)tag << 56) ^ n;

	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ fmix(w)) * 0x87c37b91114253d5ULL;
		h = h << 31 | h >> 33;
		p += 8;
		n -= 8;
	}
	if (n > 0) {
		uint64_t w = 0;
		memcpy(&w, p, n);
		h = (h ^ fmix(w ^ 0xa5)) * 0x4cf5ad432745937fULL;
	}
	h = fmix(h);
	return h ? h : 1;
}

enum { TAG_V4 = 'A', TAG_V6 = 'B', TAG_NET4 = 'N', TAG_NET6 = 'M',
	TAG_DOMAIN = 'D', TAG_EMAIL = 'E', TAG_URL = 'U', TAG_HASH = 'H' };

/* The key of a canonical indicator: tag and bytes into k (>= 17 bytes, or
 * the value's length). Returns the key length, 0 if none. */
static size_t
key_of(ent_type t, const char *v, size_t n, uint8_t *tag, uint8_t *k)
{
	char buf[64];
	const char *slash;

	switch (t) {
	case ENT_TYPE_IPV4:
	case ENT_TYPE_IPV6:
		if (n >= sizeof buf)
			return 0;
		memcpy(buf, v, n);
		buf[n] = '\0';
		*tag = t == ENT_TYPE_IPV4 ? TAG_V4 : TAG_V6;
		return inet_pton(t == ENT_TYPE_IPV4 ? AF_INET : AF_INET6, buf,
		    k) == 1 ? (t == ENT_TYPE_IPV4 ? 4 : 16) : 0;
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
		char *save = NULL, *copy;

		if (t <= 0 || t >= ENT_TYPE_COUNT || v == NULL)
			continue;
		/* info: "sources\0peers\0", shared by equal strings */
		info.len = 0;
		copy = strdup(src ? src : "");
		for (char *w = strtok_r(copy, ",", &save); w != NULL;
		    w = strtok_r(NULL, ",", &save)) {
			unsigned long id = strtoul(w, NULL, 10);
			if (id < nnames && names[id]) {
				if (info.len && buf_put(&info, ",", 1))
					goto out;
				if (buf_put(&info, names[id], strlen(names[id])))
					goto out;
			}
		}
		free(copy);
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

/* --- lookups ---------------------------------------------------------------- */

/* Finds key (tag, k) and confirms it; calls fn. Returns 1 on a hit. */
static int
probe(const ent_matcher *m, uint8_t tag, const uint8_t *k, size_t kn,
    ent_mhit_fn fn, void *ctx, int *stop)
{
	uint64_t fp = fingerprint(tag, k, kn), mask = m->h->cap - 1;
	uint64_t want = SLOT_FP(fp), bm = BLOOM_MASK(fp);

	if ((m->bloom[BLOOM_WORD(fp, m->h->bloom_bits)] & bm) != bm)
		return 0;	/* certainly not there */
	for (uint64_t j = fp & mask; m->slots[j]; j = (j + 1) & mask) {
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
		if (t2 != tag || kn2 != kn || memcmp(k2, k, kn) != 0)
			continue;	/* a fingerprint collision: no hit */
		hit.id = (uint32_t)(m->slots[j] & REC_MASK);
		hit.type = (ent_type)r->type;
		hit.tlp = (ent_tlp)r->tlp;
		hit.value = v;
		hit.sources = m->pool + r->info;
		hit.peers = hit.sources + strlen(hit.sources) + 1;
		if (fn != NULL && fn(&hit, ctx) != 0)
			*stop = 1;
		return 1;
	}
	return 0;
}

static int
ip_hits(const ent_matcher *m, int v6, const uint8_t *a, ent_mhit_fn fn,
    void *ctx)
{
	int hits, stop = 0, bits = v6 ? 128 : 32;
	uint8_t k[17];

	hits = probe(m, v6 ? TAG_V6 : TAG_V4, a, v6 ? 16 : 4, fn, ctx, &stop);
	if (v6 ? !(m->h->v6plens[0] | m->h->v6plens[1] | m->h->v6plens[2]) :
	    !m->h->v4plens)
		return hits;	/* no networks of this family */
	for (int plen = bits - 1; plen >= 0 && !stop; plen--) {
		int present = v6 ? (int)(m->h->v6plens[plen / 64] >>
		    (plen % 64)) & 1 : (int)(m->h->v4plens >> plen) & 1;
		if (!present)
			continue;
		k[0] = (uint8_t)plen;
		memcpy(k + 1, a, v6 ? 16 : 4);
		for (int i = 0; i < (v6 ? 16 : 4); i++) {
			int b = plen - i * 8;
			k[1 + i] &= b >= 8 ? 0xff : b <= 0 ? 0 :
			    (uint8_t)(0xff << (8 - b));
		}
		hits += probe(m, v6 ? TAG_NET6 : TAG_NET4, k, v6 ? 17 : 5, fn,
		    ctx, &stop);
	}
	return hits;
}

/* Strict dotted-quad parse; 0 on success. */
static int
parse4(const char *s, size_t n, uint8_t a[4])
{
	size_t i = 0;

	for (int o = 0; o < 4; o++) {
		unsigned v = 0, d = 0;
		if (o > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && d < 4) {
			v = v * 10 + (unsigned)(s[i++] - '0');
			d++;
		}
		if (d == 0 || d > 3 || v > 255 || (d > 1 && s[i - d] == '0'))
			return -1;
		a[o] = (uint8_t)v;
	}
	return i == n ? 0 : -1;
}

static int
domain_hits(const ent_matcher *m, const char *d, size_t n, ent_mhit_fn fn,
    void *ctx)
{
	char low[256];
	int hits = 0, stop = 0;
	size_t i;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)d[i]);
	for (i = 0; i < n && !stop;) {	/* the name, then each parent */
		const char *dot = memchr(low + i, '.', n - i);
		if (dot == NULL)
			break;	/* a lone label is a TLD: never an indicator */
		hits += probe(m, TAG_DOMAIN, (const uint8_t *)low + i, n - i, fn,
		    ctx, &stop);
		i = (size_t)(dot - low) + 1;
	}
	return hits;
}

int
ent_matcher_url(const ent_matcher *m, const char *host, size_t hn,
    const char *path, size_t pn, ent_mhit_fn fn, void *ctx)
{
	char url[ENT_VALUE_MAX + 8], canon_in[ENT_VALUE_MAX + 8];
	ent_indicator ind;
	int hits = 0, stop = 0;
	size_t hstart, plen;
	const char *h;

	if (hn + pn + 8 > sizeof canon_in || hn == 0 ||
	    !(m->h->types & (1ULL << ENT_TYPE_URL)))
		return 0;	/* no URL indicators: nothing to canonicalise */
	/* canonicalise once (host case, dot segments, %-encoding, port) */
	memcpy(canon_in, "http://", 7);
	memcpy(canon_in + 7, host, hn);
	memcpy(canon_in + 7 + hn, path, pn);
	if (ent_indicator_parse(&ind, canon_in, 7 + hn + pn, ENT_TYPE_URL,
	    NULL) != ENT_OK)
		return 0;
	h = ind.value + 7;	/* "http://" */
	hstart = 0;
	/* host suffixes × path prefixes, as Safe Browsing does */
	{
		const char *slash = strchr(h, '/');
		size_t hl = slash ? (size_t)(slash - h) : strlen(h);
		const char *p = h + hl;
		size_t full = strlen(p), q = strcspn(p, "?");
		for (hstart = 0; hstart < hl && !stop;) {
			size_t prefixes[64], np = 0;
			prefixes[np++] = full;
			if (q < full)
				prefixes[np++] = q;
			for (size_t i = 1; i < q && np < 64; i++)
				if (p[i] == '/' || i == 1)
					prefixes[np++] = i == 1 ? 1 : i + 1;
			for (size_t k = 0; k < np && !stop; k++) {
				plen = prefixes[k];
				if (plen > q && plen != full)
					continue;
				memcpy(url, h + hstart, hl - hstart);
				memcpy(url + hl - hstart, p, plen);
				hits += probe(m, TAG_URL, (const uint8_t *)url,
				    hl - hstart + plen, fn, ctx, &stop);
			}
			{
				const char *dot = memchr(h + hstart, '.',
				    hl - hstart);
				if (dot == NULL)
					break;
				hstart = (size_t)(dot - h) + 1;
			}
		}
	}
	return hits;
}

/* What each byte can be part of, for classifying tokens in one pass. */
enum { C_DIGIT = 1, C_HEX = 2, C_DOT = 4, C_COLON = 8, C_AT = 16,
	C_SLASH = 32 };
static unsigned char cls[256];

static void
cls_init(void)
{
	for (int c = '0'; c <= '9'; c++)
		cls[c] = C_DIGIT | C_HEX;
	for (int c = 'a'; c <= 'f'; c++)
		cls[c] = cls[c - 32] = C_HEX;
	cls['.'] = C_DOT;
	cls[':'] = C_COLON;
	cls['@'] = C_AT;
	cls['/'] = C_SLASH;
}

static pthread_once_t cls_once = PTHREAD_ONCE_INIT;

int
ent_matcher_token(const ent_matcher *m, const char *t, size_t n,
    ent_mhit_fn fn, void *ctx)
{
	uint8_t a[16];
	int stop = 0, digits_dots = 1, hex = 1, colons = 0, dots = 0;
	const char *at = NULL, *slash = NULL, *scheme = NULL;
	unsigned all = 0;

	if (n == 0 || n > ENT_VALUE_MAX)
		return 0;
	pthread_once(&cls_once, cls_init);
	for (size_t i = 0; i < n; i++) {
		unsigned c = cls[(unsigned char)t[i]];
		all |= c;
		if (!(c & (C_DIGIT | C_DOT)))
			digits_dots = 0;
		if (!(c & C_HEX))
			hex = 0;
		if (c & C_DOT)
			dots++;
		else if (c & C_COLON) {
			colons++;
			if (scheme == NULL && i + 2 < n && t[i + 1] == '/' &&
			    t[i + 2] == '/')
				scheme = t + i;
		} else if ((c & C_AT) && at == NULL)
			at = t + i;
		else if ((c & C_SLASH) && slash == NULL)
			slash = t + i;
	}
	if (!(all & (C_DOT | C_COLON)) && !(hex && (n == 32 || n == 40 ||
	    n == 64)))
		return 0;	/* no address, name or hash has neither */
	if (scheme != NULL) {	/* a URL: the URL, and its host */
		const char *host = scheme + 3, *end = t + n, *pe;
		size_t hn;
		int hits;
		pe = host;
		while (pe < end && *pe != '/' && *pe != '?' && *pe != '#')
			pe++;
		hn = (size_t)(pe - host);
		hits = ent_matcher_url(m, host, hn, pe, (size_t)(end - pe), fn,
		    ctx);
		{	/* the host alone: strip userinfo and port */
			const char *h = memchr(host, '@', hn);
			const char *colon;
			if (h != NULL) {
				hn -= (size_t)(h + 1 - host);
				host = h + 1;
			}
			colon = host[0] == '[' ? NULL : memchr(host, ':', hn);
			if (colon != NULL)
				hn = (size_t)(colon - host);
			if (host[0] == '[' && hn > 2)
				return hits + ent_matcher_token(m, host + 1,
				    hn - 2, fn, ctx);
			return hits + ent_matcher_token(m, host, hn, fn, ctx);
		}
	}
	if (digits_dots && dots == 3)
		return parse4(t, n, a) == 0 ? ip_hits(m, 0, a, fn, ctx) : 0;
	if (colons == 1 && dots == 3 && slash == NULL && at == NULL) {
		const char *c = memchr(t, ':', n);	/* address:port */
		if (parse4(t, (size_t)(c - t), a) == 0)
			return ip_hits(m, 0, a, fn, ctx);
	}
	if (colons >= 2 && slash == NULL && at == NULL) {
		char buf[64];
		size_t k = n;
		const char *pct = memchr(t, '%', n);
		if (pct)
			k = (size_t)(pct - t);
		if (k >= sizeof buf)
			return 0;
		memcpy(buf, t, k);
		buf[k] = '\0';
		if (inet_pton(AF_INET6, buf, a) != 1)
			return 0;
		if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
			return ip_hits(m, 0, a + 12, fn, ctx);
		return ip_hits(m, 1, a, fn, ctx);
	}
	if (hex && (n == 32 || n == 40 || n == 64)) {
		char low[64];
		for (size_t i = 0; i < n; i++)
			low[i] = (char)tolower((unsigned char)t[i]);
		return probe(m, TAG_HASH, (const uint8_t *)low, n, fn, ctx,
		    &stop);
	}
	if (at != NULL && slash == NULL) {
		char e[ENT_VALUE_MAX];
		size_t ln = (size_t)(at - t);
		int hits;
		memcpy(e, t, n);
		for (size_t i = ln + 1; i < n; i++)
			e[i] = (char)tolower((unsigned char)e[i]);
		if (n > 0 && e[n - 1] == '.')
			n--;
		hits = probe(m, TAG_EMAIL, (const uint8_t *)e, n, fn, ctx,
		    &stop);
		return hits + domain_hits(m, at + 1, n - ln - 1, fn, ctx);
	}
	if (slash != NULL) {	/* host/path without a scheme */
		int hits = ent_matcher_url(m, t, (size_t)(slash - t), slash,
		    n - (size_t)(slash - t), fn, ctx);
		return hits + ent_matcher_token(m, t, (size_t)(slash - t), fn,
		    ctx);
	}
	if (dots >= 1 && colons == 0 && at == NULL && !digits_dots)
		return domain_hits(m, t, n, fn, ctx);
	if (colons == 1 && dots >= 1 && at == NULL) {	/* host:port */
		const char *c = memchr(t, ':', n);
		return domain_hits(m, t, (size_t)(c - t), fn, ctx);
	}
	return 0;
}
