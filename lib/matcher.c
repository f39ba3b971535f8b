/*
 * matcher.c — the compiled, memory-mapped matcher (see entente/matcher.h):
 * building it from the store's active indicators, and mapping it. The
 * file's layout is in matcher_int.h; look-ups are in tokens.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "matcher_int.h"
#include "store_int.h"

/* --- keys ---------------------------------------------------------------- */

size_t
matcher_key(ent_type t, const char *v, size_t n, uint8_t *tag, uint8_t *k)
{
	char buf[64];
	const char *slash;

	switch (t) {
	case ENT_TYPE_IPV4:	/* its text, canonical: no leading zeros */
		*tag = TAG_V4;
		if (matcher_parse4(v, n, k) != 0)
			return 0;
		break;
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

/* Without a branch on the digits (the guard's most common token is an
 * address, and its octets' lengths are a coin toss): each octet is read as
 * up to three digits at once, and any fault is ORed into bad. */
int
matcher_parse4(const char *s, size_t n, uint8_t a[4])
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned bad = 0;
	size_t i = 0;

	if (n < 7 || n > 15)
		return -1;
	for (int o = 0; o < 4; o++) {
		unsigned c0 = (i < n ? u[i] : 0u) - '0';
		unsigned c1 = (i + 1 < n ? u[i + 1] : 0u) - '0';
		unsigned c2 = (i + 2 < n ? u[i + 2] : 0u) - '0';
		unsigned g1 = c1 <= 9, g2 = g1 & (c2 <= 9), v;
		v = g2 ? c0 * 100 + c1 * 10 + c2 : g1 ? c0 * 10 + c1 : c0;
		bad |= (c0 > 9) | (v > 255) | ((c0 == 0) & g1);
		a[o] = (uint8_t)v;
		i += 1 + g1 + g2;
		if (o < 3) {
			bad |= (i < n ? u[i] : 0u) != '.';
			i++;
		}
	}
	return bad || i != n ? -1 : 0;
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
	while (h.bloom_bits > BLOOM_CAP && h.bloom_bits / 2 >= n * 4)
		h.bloom_bits /= 2;	/* see matcher_int.h */
	slots = calloc(h.cap, sizeof *slots);
	bloom = calloc(h.bloom_bits / 64, sizeof *bloom);
	if (slots == NULL || bloom == NULL)
		goto out;
	/* 64 records at a time: their keys, and the cache lines of their
	 * slots and Bloom words fetched, then inserted in order (a table of
	 * 10M indicators is far bigger than the caches) */
	for (uint64_t i0 = 0; i0 < n; i0 += 64) {
		uint64_t fps[64], m = n - i0 < 64 ? n - i0 : 64;
		for (uint64_t q = 0; q < m; q++) {
			const mrec *r = (const mrec *)recs.p + i0 + q;
			const char *v = pool.p + r->value;
			uint8_t tag, k[ENT_VALUE_MAX + 17];
			size_t kn = matcher_key((ent_type)r->type, v, strlen(v),
			    &tag, k);

			fps[q] = 0;	/* none: fingerprints are never 0 */
			if (kn == 0)
				continue;
			h.types |= 1ULL << r->type;
			if (tag == TAG_NET4)
				h.v4plens |= 1ULL << k[0];
			if (tag == TAG_NET6)
				h.v6plens[k[0] / 64] |= 1ULL << (k[0] % 64);
			if (tag == TAG_DOMAIN)
				h.dlabels |= 1ULL << labels(k, kn);
			fps[q] = fingerprint(tag, k, kn);
			__builtin_prefetch(&slots[fps[q] & (h.cap - 1)], 1);
			__builtin_prefetch(&bloom[BLOOM_WORD(fps[q],
			    h.bloom_bits)], 1);
		}
		for (uint64_t q = 0; q < m; q++) {
			uint64_t fp = fps[q], j;
			if (fp == 0)
				continue;
			for (j = fp & (h.cap - 1); slots[j];
			    j = (j + 1) & (h.cap - 1))
				;
			slots[j] = SLOT_OF(fp, i0 + q);
			bloom[BLOOM_WORD(fp, h.bloom_bits)] |= BLOOM_MASK(fp);
		}
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

/* The Bloom filter, read at random by every look-up, is copied to memory
 * backed by 2 MiB pages for a scan large enough to repay the copy, when it
 * is large: a 10M matcher's 8 MiB of it would take 2,048 pages of 4 KiB,
 * as many as the TLB holds. (Copying the slots too, 128 MiB that only the
 * keys the filter lets through read, cost more in the kernel's zeroing of
 * pages than it saved: paired runs at 10M, 1 GiB of logs, 0.94 of the
 * time with the filter alone; a 1M matcher's 1 MiB filter needs none.)
 * Where the kernel gives no huge pages, the file's pages are used as they
 * are. */
#define HOT_MIN (8u << 20)
#define HUGE (2u << 20)

void
ent_matcher_prepare(ent_matcher *m, uint64_t bytes)
{
	size_t n = m->h->off_recs - m->h->off_bloom, len = (n + HUGE - 1) &
	    ~(size_t)(HUGE - 1);
	char *p, *a;

	if (m->hot || n < HOT_MIN || bytes / 2 < n)
		return;
	p = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	a = (char *)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (madvise(a, len, MADV_HUGEPAGE) != 0) {
		munmap(p, len + HUGE);
		return;
	}
	memcpy(a, (const char *)m->map + m->h->off_bloom, n);
	mprotect(a, len, PROT_READ);
	m->hot = p;
	m->hot_len = len + HUGE;
	m->bloom = (const uint64_t *)a;
}

static void
unmap(ent_matcher *m)
{
	if (m->map)
		munmap(m->map, m->len);
	if (m->hot)
		munmap(m->hot, m->hot_len);
	m->map = m->hot = NULL;
}

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
		unmap(m);
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
	unmap(m);
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

