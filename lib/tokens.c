/*
 * tokens.c — looking text up in the matcher (see entente/matcher.h): text
 * is cut into words 64 bytes at a time from masks of byte classes (made
 * with vector instructions where the CPU has them, from a table where
 * not), and only words that could hold an indicator are looked at; a word
 * is cut into tokens; each token that could be an indicator becomes keys;
 * keys go in batches whose cache lines are fetched ahead, and are looked
 * up when a batch is full.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entente/limits.h"
#include "matcher_int.h"

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
	const uint64_t *bloom;    /* the matcher's, and its size in bits */
	uint64_t bloom_bits;
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
	K_NOT_DIGDOT = 64, /* not a digit or '.' */
	K_NOT_NAME = 128,  /* not a letter, digit, '-', '_', '.' or ':' */
	K_NOT_HEX = 256,   /* not a hex digit */
	K_PATH = 512,      /* ends a URL's host: / ? # */
	K_V6 = 1024,       /* a hex digit, ':' or '-' */
	K_LEAD = 2048,     /* may lead a token in prose: [ . - / : */
};
static uint16_t kcls[256];
static pthread_once_t kcls_once = PTHREAD_ONCE_INIT;

static void masks_choose(void);

static void
kcls_init(void)
{
	for (int c = 0; c < 256; c++) {
		int digit = c >= '0' && c <= '9', alpha = (c | 32) >= 'a' &&
		    (c | 32) <= 'z', name = digit || alpha || c == '-' ||
		    c == '_' || c == '.' || c == ':';
		kcls[c] = (uint16_t)((digit || c == '.' ? 0 : K_NOT_DIGDOT) |
		    (name ? 0 : K_NOT_NAME) | (digit || ((c | 32) >= 'a' &&
		    (c | 32) <= 'f') ? 0 : K_NOT_HEX) | (c < 32 || c == 127 ?
		    K_HARD : 0));
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
	kcls['/'] |= K_PATH;
	kcls['?'] |= K_PATH;
	kcls['#'] |= K_PATH;
	for (int c = 0; c < 256; c++)
		if (!(kcls[c] & K_NOT_HEX) || c == ':' || c == '-')
			kcls[c] |= K_V6;
	for (const char *p = "[.-/:"; *p; p++)
		kcls[(unsigned char)*p] |= K_LEAD;
	masks_choose();
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
	b->bloom = m->bloom;
	b->bloom_bits = m->h->bloom_bits;
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
		kn2 = matcher_key((ent_type)r->type, v, strlen(v), &t2, k2);
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
	uint64_t mask = m->h->cap - 1;
	const mrec *recs[MB_KEYS];
	size_t nr = 0;

	/* the Bloom words were fetched as the keys came; fetch the slots of
	 * those it may hold, then look them up, in order */
	for (size_t i = 0; i < b->n; i++) {
		mkey *k = &b->keys[i];
		uint64_t bm = BLOOM_MASK(k->fp);
		k->maybe = (b->bloom[BLOOM_WORD(k->fp, b->bloom_bits)] & bm) ==
		    bm;
		if (k->maybe)
			__builtin_prefetch(&m->slots[k->fp & mask]);
	}
	/* then the records of those whose slot holds their fingerprint (most
	 * often hits: few, but each a miss at 10M), then their values */
	for (size_t i = 0; i < b->n; i++) {
		mkey *k = &b->keys[i];
		uint64_t want = SLOT_FP(k->fp);
		if (!k->maybe)
			continue;
		for (uint64_t j = k->fp & mask; m->slots[j]; j = (j + 1) & mask)
			if ((m->slots[j] & ~REC_MASK) == want) {
				const mrec *r = &m->recs[m->slots[j] & REC_MASK];
				__builtin_prefetch(r);
				recs[nr++] = r;
				break;
			}
	}
	for (size_t i = 0; i < nr; i++)
		__builtin_prefetch(m->pool + recs[i]->value);
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

/* Adds the key of len bytes at off in the arena, whose fingerprint is fp,
 * and fetches its Bloom word. */
static inline __attribute__((always_inline)) void
key_fp(ent_mbatch *b, uint8_t tag, size_t off, size_t len, uint64_t fp)
{
	mkey *k = &b->keys[b->n++];

	k->fp = fp;
	k->tok = b->tok;
	k->tok_len = (uint32_t)b->tok_len;
	k->ctx = b->ctx;
	k->off = (uint32_t)off;
	k->len = (uint16_t)len;
	k->tag = tag;
	__builtin_prefetch(&b->bloom[BLOOM_WORD(fp, b->bloom_bits)]);
}

/* Adds the key of len bytes at off in the arena. */
static inline __attribute__((always_inline)) void
key_add(ent_mbatch *b, uint8_t tag, size_t off, size_t len)
{
	key_fp(b, tag, off, len, fingerprint(tag, b->arena + off, len));
}

/* One key of bytes k. */
static inline __attribute__((always_inline)) void
key_put(ent_mbatch *b, uint8_t tag, const void *k, size_t len)
{
	uint8_t *p = room(b, len, 1);

	if (len >= 8 && len <= 16) {	/* an IPv4 address: two words, */
		uint64_t x, y;	/* hashed as they are (not read back) */
		memcpy(&x, k, 8);
		memcpy(&y, (const uint8_t *)k + len - 8, 8);
		memcpy(p, &x, 8);
		memcpy(p + len - 8, &y, 8);
		key_fp(b, tag, b->used, len, fp_end(fp_start(tag, len), x, y,
		    len));
	} else {
		memcpy(p, k, len);
		key_add(b, tag, b->used, len);
	}
	b->used += len;
}

/* Each network of the matcher's prefix lengths that would hold the address
 * a (4 or 16 bytes), longest first. */
static void
net_keys(ent_mbatch *b, int v6, const uint8_t *a)
{
	size_t alen = v6 ? 16 : 4, np = (size_t)(v6 ? b->nv6p : b->nv4p);
	const uint8_t *pl = v6 ? b->v6p : b->v4p;

	room(b, (alen + 1) * np, np);
	for (size_t i = 0; i < np; i++) {
		uint8_t *p = b->arena + b->used;
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

/* An IPv4 address given as text t[0..n) of digits and dots, and a its
 * bytes if known. Its text is its key: a canonical address has one
 * spelling, and one that is not (a leading zero, an octet over 255) is no
 * indicator's key. So it is parsed only when networks need its bits. */
static void
v4_keys(ent_mbatch *b, const char *t, size_t n, const uint8_t *a)
{
	uint8_t parsed[4];

	if (n < 7 || n > 15 || !(HAS(b, ENT_TYPE_IPV4) ||
	    HAS(b, ENT_TYPE_IPV4_NET)))
		return;
	if (b->nv4p > 0 && a == NULL) {
		if (matcher_parse4(t, n, parsed) != 0)
			return;
		a = parsed;
	}
	key_put(b, TAG_V4, t, n);
	if (b->nv4p > 0)
		net_keys(b, 0, a);
}

/* An IPv6 address, and the networks that would hold it; a v4-mapped one
 * (::ffff:a.b.c.d) as its IPv4 address. */
static void
v6_keys(ent_mbatch *b, const uint8_t a[16])
{
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		char t[16];
		int n = snprintf(t, sizeof t, "%u.%u.%u.%u", a[12], a[13], a[14],
		    a[15]);
		v4_keys(b, t, (size_t)n, a + 12);
		return;
	}
	if (!HAS(b, ENT_TYPE_IPV6) && !HAS(b, ENT_TYPE_IPV6_NET))
		return;
	key_put(b, TAG_V6, a, 16);
	net_keys(b, 1, a);
}

/* Eight bytes with 'A'-'Z' made lower case. */
static inline uint64_t
lower8(uint64_t x)
{
	const uint64_t h = 0x8080808080808080ULL, l7 = 0x7f7f7f7f7f7f7f7fULL;
	uint64_t y = x & l7;
	uint64_t ge_a = y + 0x3f3f3f3f3f3f3f3fULL;	/* high bit: >= 'A' */
	uint64_t gt_z = y + 0x2525252525252525ULL;	/* high bit: > 'Z' */

	return x | ((ge_a & ~gt_z & ~x & h) >> 2);	/* ASCII only */
}

/* The high bit of each byte of x that is '.'. */
static inline uint64_t
dots8(uint64_t x)
{
	const uint64_t l7 = 0x7f7f7f7f7f7f7f7fULL;
	uint64_t y = x ^ 0x2e2e2e2e2e2e2e2eULL;

	return ~(((y & l7) + l7) | y | l7);
}

/* A name and each parent that is not a lone label (a TLD), of as many
 * labels as some domain of the matcher has. Lower-cased eight bytes at a
 * time. */
static void
domain_keys(ent_mbatch *b, const char *d, size_t n)
{
	uint8_t *p, at[ENT_DOMAIN_MAX + 1];	/* after each dot */
	size_t off, nl = 0, i = 0;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > ENT_DOMAIN_MAX || !HAS(b, ENT_TYPE_DOMAIN))
		return;
	p = room(b, n, n);
	off = b->used;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, dot;
		memcpy(&x, d + i, 8);
		x = lower8(x);
		memcpy(p + i, &x, 8);
		for (dot = dots8(le64(x)); dot; dot &= dot - 1)
			at[nl++] = (uint8_t)(i + (size_t)__builtin_ctzll(dot) /
			    8 + 1);
	}
	for (; i < n; i++) {
		p[i] = lc(d[i]);
		if (d[i] == '.')
			at[nl++] = (uint8_t)(i + 1);
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

/* An IPv6 address given as text, perhaps with a zone ("%eth0"). */
static void
v6_text(ent_mbatch *b, const char *t, size_t n)
{
	char buf[64];
	uint8_t a[16];
	const char *pct = memchr(t, '%', n);	/* a zone */
	size_t k = pct ? (size_t)(pct - t) : n;

	if (k >= sizeof buf)
		return;
	for (size_t i = 0; i < k; i++)	/* cheaper than inet_pton: */
		if ((kcls[(unsigned char)t[i]] & K_NOT_HEX) && t[i] != ':' &&
		    t[i] != '.')
			return;	/* a time, "a:b:c" */
	memcpy(buf, t, k);
	buf[k] = '\0';
	if (inet_pton(AF_INET6, buf, a) == 1)
		v6_keys(b, a);
}

/* The keys of a token with no '/' whose bytes' classes ORed are any: an
 * address, "address:port", a network, a domain, "host:port", an e-mail
 * address (and its domain) or a hash; anything else has none. */
static void
host_cls(ent_mbatch *b, const char *t, size_t n, unsigned any)
{
	uint8_t a[16];
	size_t dots = 0, colons = 0;
	const char *at = NULL;
	int hashlen;

	if (n == 0 || n > ENT_VALUE_MAX)
		return;
	hashlen = !(any & K_NOT_HEX) && (n == 32 || n == 40 || n == 64);
	if (!(any & (K_DOT | K_COLON)) && !hashlen)
		return;	/* no address, name or hash has neither */
	if ((any & K_COLON) && !(any & (K_DOT | K_AT))) {
		v6_text(b, t, n);	/* nothing else has ':' and no '.' */
		return;
	}
	if (!(any & K_NOT_DIGDOT) || (any & K_COLON)) {	/* counted if need be */
		for (size_t i = 0; i < n; i++) {
			dots += t[i] == '.';
			colons += t[i] == ':';
		}
	}
	if (any & K_AT)
		at = memchr(t, '@', n);
	if (!(any & K_NOT_DIGDOT) && dots == 3) {
		v4_keys(b, t, n, NULL);
		return;
	}
	if (colons == 1 && dots == 3 && at == NULL) {
		const char *c = memchr(t, ':', n);	/* address:port */
		if (matcher_parse4(t, (size_t)(c - t), a) == 0) {
			v4_keys(b, t, (size_t)(c - t), a);
			return;
		}
	}
	if (colons >= 2 && at == NULL) {
		v6_text(b, t, n);
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
		if (t[n - 1] == '.')
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
	if ((any & K_DOT) && colons == 0 && (any & K_NOT_DIGDOT)) {
		domain_keys(b, t, n);
		return;
	}
	if (colons == 1 && (any & K_DOT))	/* host:port */
		domain_keys(b, t, (size_t)((const char *)memchr(t, ':', n) - t));
}

/* host_cls, the classes of the token's bytes gathered first. */
static void
host_keys(ent_mbatch *b, const char *t, size_t n)
{
	unsigned any = 0;

	for (size_t i = 0; i < n && i <= ENT_VALUE_MAX; i++)
		any |= kcls[(unsigned char)t[i]];
	host_cls(b, t, n, any);
}

/* A URL t[0..n) whose "://" is at sep: its keys, and its host's (but a
 * user and port). */
static void
url_token(ent_mbatch *b, const char *t, size_t n, const char *sep)
{
	const char *host = sep + 3, *end = t + n, *pe = host, *h, *c;
	unsigned any = 0;
	size_t hn;

	for (; end - pe >= 4; pe += 4) {	/* four bytes a step, then one */
		const unsigned char *u = (const unsigned char *)pe;
		unsigned four = kcls[u[0]] | kcls[u[1]] | kcls[u[2]] |
		    kcls[u[3]];
		if (four & K_PATH)
			break;
		any |= four;
	}
	for (; pe < end && !(kcls[(unsigned char)*pe] & K_PATH); pe++)
		any |= kcls[(unsigned char)*pe];
	hn = (size_t)(pe - host);
	if (HAS(b, ENT_TYPE_URL))
		url_keys(b, host, hn, pe, (size_t)(end - pe));
	if (!(any & (K_AT | K_COLON)) && hn > 0 && host[0] != '[') {
		host_cls(b, host, hn, any);	/* the common case: a name */
		return;
	}
	if ((h = memchr(host, '@', hn)) != NULL) {	/* user */
		hn -= (size_t)(h + 1 - host);
		host = h + 1;
	}
	c = host[0] == '[' ? NULL : memchr(host, ':', hn);
	if (c != NULL)	/* port */
		hn = (size_t)(c - host);
	if (host[0] == '[' && hn > 2)
		host_keys(b, host + 1, hn - 2);
	else
		host_keys(b, host, hn);
}

/* The keys of one token: a URL (and its host) or host/path, else those
 * of host_keys. */
static void
classify(ent_mbatch *b, const char *t, size_t n)
{
	const char *slash, *scheme;

	if (n == 0 || n > ENT_VALUE_MAX)
		return;
	if ((slash = memchr(t, '/', n)) == NULL) {
		host_keys(b, t, n);
		return;
	}
	scheme = scheme_sep(t, n);
	if (scheme == NULL) {	/* host/path: a URL, and the host */
		if (!memchr(t, '.', n) && !memchr(t, ':', n))
			return;	/* neither an address nor a name */
		url_keys(b, t, (size_t)(slash - t), slash,
		    n - (size_t)(slash - t));
		host_keys(b, t, (size_t)(slash - t));
		return;
	}
	url_token(b, t, n, scheme);
}

/* What leads a token in prose and goes: "[", ".", "-", "/", and ":" but
 * not "::" (an IPv6 address). Returns how many bytes of t[0..n). */
static inline size_t
lead(const char *t, size_t n)
{
	size_t i = 0;

	while (i < n && (kcls[(unsigned char)t[i]] & K_LEAD) && (t[i] != ':' ||
	    n - i < 2 || t[i + 1] != ':'))
		i++;
	return i;
}

/* How many bytes of t[0..n) are left once what may end a token in prose
 * goes: ". : ] - ? #". */
static inline size_t
trim(const char *t, size_t n)
{
	while (n > 0 && (t[n - 1] == '.' || t[n - 1] == ':' || t[n - 1] == ']'
	    || t[n - 1] == '-' || t[n - 1] == '?' || t[n - 1] == '#'))
		n--;
	return n;
}

/* A token cut from a word: "[2001:db8::1]:443" loses its brackets, and
 * what surrounds a token in prose goes: "(evil.com).", "[1.2.3.4]:". */
static void
token(ent_mbatch *b, const char *t, size_t n)
{
	size_t k;

	if (n > 2 && t[0] == '[') {
		const char *rb = memchr(t, ']', n);
		if (rb != NULL) {
			t++;
			n = (size_t)(rb - t);
		}
	}
	k = lead(t, n);
	t += k;
	n = trim(t, n - k);
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
		/* a URL from its scheme: when token() would cut it as it is
		 * but its end, and classify() would find the same "://",
		 * straight to url_token() */
		const char *sep = c;
		size_t k;
		while (c > s && ((c[-1] | 32) >= 'a' && (c[-1] | 32) <= 'z'))
			c--;
		k = trim(c, (size_t)(s + n - c));
		if (c < sep && k >= 4 && k <= ENT_VALUE_MAX &&
		    (size_t)(sep - c) + 3 <= k) {
			b->tok = c;
			b->tok_len = (uint32_t)k;
			url_token(b, c, k, sep);
		} else {
			token(b, c, (size_t)(s + n - c));
		}
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

/* --- cutting words: the byte classes of 64 bytes at a time ---------------- */

/* The masks of nb blocks of 64 bytes from p (the last one n - 64 * (nb -
 * 1) bytes long, padded with hard bytes). The scalar way, from the table
 * (and the reference for the vector way). */
static void
masks_table(const unsigned char *p, size_t n, kmask *m, size_t nb)
{
	for (size_t k = 0; k < nb; k++, m++) {
		size_t e = n - 64 * k < 64 ? n - 64 * k : 64;
		memset(m, 0, sizeof *m);
		for (size_t i = 0; i < e; i++) {
			unsigned c = kcls[p[64 * k + i]];
			m->hard |= (uint64_t)(c & K_HARD) << i;
			m->dot |= (uint64_t)((c & K_DOT) != 0) << i;
			m->colon |= (uint64_t)((c & K_COLON) != 0) << i;
			m->soft |= (uint64_t)((c & K_SOFT) != 0) << i;
			m->ndd |= (uint64_t)((c & K_NOT_DIGDOT) != 0) << i;
			m->nn |= (uint64_t)((c & K_NOT_NAME) != 0) << i;
		}
		if (e < 64)	/* past the end: hard */
			m->hard |= ~0ULL << e;
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The masks of 32 bytes, as the low halves of m's, from q, shifted down by
 * cut (the bytes before the text's end); past the end, hard. */
__attribute__((target("avx2"))) static inline void
masks32(const unsigned char *q, unsigned cut, kmask *m)
{
#define T16(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)
	const __m256i a_lo = T16(0x13, 0x41, 0x03, 0x01, 0x41, 0x01, 0x01, 0x03,
	    0x03, 0x03, 0x41, 0x25, 0x2f, (char)0xa1, 0x0d, 0x21);
	const __m256i a_hi = T16(0x01, 0x01, 0x42, (char)0x84, 0x00, 0x08, 0x10,
	    0x20, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i b_lo = T16(0x11, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19,
	    0x19, 0x19, 0x1c, 0x08, 0x08, 0x28, 0x0a, 0x48);
	const __m256i b_hi = T16(0x00, 0x00, 0x22, 0x05, 0x08, 0x50, 0x08, 0x10,
	    0, 0, 0, 0, 0, 0, 0, 0);
#undef T16
	const __m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
	__m256i x = _mm256_loadu_si256((const __m256i *)q), lo, hi, ta, tb;

	lo = _mm256_and_si256(x, nib);
	hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), nib);
	ta = _mm256_and_si256(_mm256_shuffle_epi8(a_lo, lo),
	    _mm256_shuffle_epi8(a_hi, hi));
	tb = _mm256_and_si256(_mm256_shuffle_epi8(b_lo, lo),
	    _mm256_shuffle_epi8(b_hi, hi));
	m->hard = (uint32_t)~_mm256_movemask_epi8(_mm256_cmpeq_epi8(
	    _mm256_and_si256(ta, _mm256_set1_epi8(0x3f)), zero)) >> cut;
	m->soft = (uint32_t)~_mm256_movemask_epi8(_mm256_cmpeq_epi8(
	    _mm256_and_si256(ta, _mm256_set1_epi8((char)0xc0)), zero)) >> cut;
	m->dot = (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(tb, 6)) >>
	    cut;	/* bit 1 to the top */
	m->colon = (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(tb, 5)) >>
	    cut;	/* bit 2 */
	m->ndd = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
	    _mm256_and_si256(tb, _mm256_set1_epi8(0x03)), zero)) >> cut;
	m->nn = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
	    _mm256_and_si256(tb, _mm256_set1_epi8(0x7f)), zero)) >> cut;
	m->hard |= (~0ULL << (32 - cut)) & 0xffffffffULL;
}

/* AVX2: each byte's classes from two pairs of 16-entry tables, one entry
 * for its low nibble and one for its high, ANDed: a class is a set of
 * bits, each bit a set of bytes that share a high nibble.
 * First pair, hard bytes (bits 0-5: 0x00-0x1f; space " ' ( ) ,; ; < >;
 * \ ^; `; { | } DEL) and soft ones (6-7: ! $ *; =). Second pair: digit,
 * '.', ':', letters (two bits), '-', '_'. 64 bytes at a time, as two
 * halves; the last block's halves loaded from the 32 bytes that end the
 * text, their masks shifted down. */
__attribute__((target("avx2"))) static void
masks_avx2(const unsigned char *p, size_t n, kmask *m, size_t nb)
{
	if (n < 32) {	/* too short to load */
		masks_table(p, n, m, nb);
		return;
	}
	for (size_t k = 0; k < nb; k++, m++) {
		size_t rem = n - 64 * k;
		kmask l, h;

		if (rem >= 64) {
			masks32(p + 64 * k, 0, &l);
			masks32(p + 64 * k + 32, 0, &h);
		} else if (rem > 32) {
			masks32(p + 64 * k, 0, &l);
			masks32(p + n - 32, (unsigned)(64 - rem), &h);
		} else {
			masks32(p + n - 32, (unsigned)(32 - rem), &l);
			memset(&h, 0, sizeof h);
			h.hard = 0xffffffffULL;
		}
		m->hard = l.hard | h.hard << 32;
		m->dot = l.dot | h.dot << 32;
		m->colon = l.colon | h.colon << 32;
		m->soft = l.soft | h.soft << 32;
		m->ndd = l.ndd | h.ndd << 32;
		m->nn = l.nn | h.nn << 32;
	}
}

static void (*masks_fn)(const unsigned char *, size_t, kmask *, size_t) =
    masks_table;

static void
masks_choose(void)
{
	if (__builtin_cpu_supports("avx2"))
		masks_fn = masks_avx2;
}
#else
static void (*masks_fn)(const unsigned char *, size_t, kmask *, size_t) =
    masks_table;
static void masks_choose(void) {}
#endif

int
matcher_masks(const unsigned char *p, size_t n, kmask *m, int vector)
{
	pthread_once(&kcls_once, kcls_init);
	(vector ? masks_fn : masks_table)(p, n, m, (n + 63) / 64);
	return masks_fn != masks_table;
}

/* Whether a word with no ':', '=', '*', '!', '$' or leading '[' is
 * host/path whose host can be no indicator: with no URL indicator, only the
 * host of "host/path" can hit, and one with no '.' (nor ':') is neither an
 * address nor a name, nor a hash unless of 32, 40 or 64 bytes. (As token()
 * and classify() would find, without their cost: most such words in a web
 * log are paths, "HTTP/1.1", "Mozilla/5.0".) */
static __attribute__((noinline)) int
host_misses(const char *s, size_t len)
{
	const char *t = s + lead(s, len), *e = s + len, *p = t;
	size_t hn;

	while (p < e && *p != '/' && *p != '.')	/* hosts are short */
		p++;
	if (p == e || *p == '.')
		return 0;
	hn = (size_t)(p - t);
	return hn != 32 && hn != 40 && hn != 64;
}

/* host_misses() of a word that lies in a block whose masks are m, at the
 * bits in: the first byte after the lead that is no name byte is most
 * often the '/', and the masks say where it and the first '.' are. */
static inline int
host_misses_in(const char *s, size_t len, const kmask *m, uint64_t in)
{
	size_t st = (size_t)__builtin_ctzll(in), k = lead(s, len), at, hn;
	uint64_t from, nn, dot;

	if (k == len)
		return 0;
	from = in & (~0ULL << (st + k));
	nn = m->nn & from;
	dot = m->dot & from;
	if (nn == 0)	/* no '/' */
		return 0;
	at = (size_t)__builtin_ctzll(nn);
	if (s[at - st] != '/')
		return host_misses(s, len);
	if (dot != 0 && (size_t)__builtin_ctzll(dot) < at)
		return 0;
	hn = at - st - k;
	return hn != 32 && hn != 40 && hn != 64;
}

/* The classes of the bytes of a block's masks m at the bits in. */
static inline unsigned
cls_in(const kmask *m, uint64_t in)
{
	return ((m->dot & in) ? K_DOT : 0) | ((m->colon & in) ? K_COLON : 0) |
	    ((m->soft & in) ? K_SOFT : 0) | ((m->ndd & in) ? K_NOT_DIGDOT : 0) |
	    ((m->nn & in) ? K_NOT_NAME : 0);
}

/* A word (between hard bytes) of 4 bytes or more, whose bytes' classes
 * are those of the masks m at the bits in: the common cases at once, an
 * address or a name, each class tested only when needed; others by
 * word(). */
static inline __attribute__((always_inline)) void
word_cut(ent_mbatch *b, const char *s, size_t len, const kmask *m,
    uint64_t in)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!((m->dot | m->colon) & in)) {
		if (len >= 32)	/* maybe a hash */
			word(b, s, len, cls_in(m, in));
		return;
	}
	if (!((m->dot | m->soft | m->nn) & in)) {	/* name bytes, ':' */
		if (!(kcls[u[len - 1]] & K_V6))	/* only: an IPv6 */
			return;	/* address, or none ("10:04:59Z") */
		for (size_t i = 0; i < len - 1; i++)
			if (!(kcls[u[i]] & K_V6))
				return;	/* a time, "a:b:c" */
	}
	if (!(m->ndd & in)) {
		if (u[0] == '.' || u[len - 1] == '.') {
			word(b, s, len, cls_in(m, in));
		} else {
			b->tok = s;
			b->tok_len = (uint32_t)len;
			v4_keys(b, s, len, NULL);
		}
		return;
	}
	if (!((m->nn | m->colon) & in) && u[0] != '.' && u[0] != '-' &&
	    u[len - 1] != '.' && u[len - 1] != '-') {
		b->tok = s;
		b->tok_len = (uint32_t)len;
		domain_keys(b, s, len);
		return;
	}
	if (!HAS(b, ENT_TYPE_URL) && !((m->colon | m->soft) & in) &&
	    u[0] != '[' && (in != ~0ULL ? host_misses_in(s, len, m, in) :
	    host_misses(s, len)))
		return;	/* host/path whose host cannot hit */
	word(b, s, len, cls_in(m, in));
}

/* Masks that say what cls does of every byte. */
static void
cls_masks(unsigned cls, kmask *m)
{
	m->hard = 0;
	m->dot = cls & K_DOT ? ~0ULL : 0;
	m->colon = cls & K_COLON ? ~0ULL : 0;
	m->soft = cls & K_SOFT ? ~0ULL : 0;
	m->ndd = cls & K_NOT_DIGDOT ? ~0ULL : 0;
	m->nn = cls & K_NOT_NAME ? ~0ULL : 0;
}

/* A short text, a byte at a time: cut and classify each word in one pass. */
static void
text_bytes(ent_mbatch *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned any = 0, c;
		size_t start;
		kmask m;

		while (i < n && (kcls[u[i]] & K_HARD))
			i++;
		for (start = i; i < n && !((c = kcls[u[i]]) & K_HARD); i++)
			any |= c;
		if (i - start >= 4) {
			cls_masks(any, &m);
			word_cut(b, s + start, i - start, &m, ~0ULL);
		}
	}
}

/* The bits from a to b - 1 (a <= b <= 64). */
static inline uint64_t
span(size_t a, size_t b)
{
	return (b == 64 ? ~0ULL : (1ULL << b) - 1) & ~((1ULL << a) - 1);
}

/* Adds the classes of the bytes of a block's masks m at the bits in to
 * those of a word over blocks, acc. */
static inline void
cls_add(kmask *acc, const kmask *m, uint64_t in)
{
	acc->dot |= m->dot & in;
	acc->colon |= m->colon & in;
	acc->soft |= m->soft & in;
	acc->ndd |= m->ndd & in;
	acc->nn |= m->nn & in;
}

/* The word at [st, end) of the block whose masks are m (end < 64: a word
 * that reaches the block's end is carried over). */
static inline __attribute__((always_inline)) void
word_in(ent_mbatch *b, const char *block, const kmask *m, size_t st,
    size_t end)
{
	if (end - st >= 4)
		word_cut(b, block + st, end - st, m, (~0ULL << st) &
		    ((1ULL << end) - 1));
}

/* Whether the eight bytes of x are all digits or '.'. */
static inline int
digdot8(uint64_t x)
{
	const uint64_t h = 0x8080808080808080ULL;
	uint64_t ge = x + 0x5252525252525252ULL;	/* high bit: >= '.' */
	uint64_t gt = x + 0x4646464646464646ULL;	/* high bit: > '9' */
	uint64_t z = x ^ 0x2f2f2f2f2f2f2f2fULL;	/* 0: '/' */

	return !(x & h) && (ge & ~gt & h) == h &&
	    !((z - 0x0101010101010101ULL) & ~z & h);
}

/* Whether s[0..n), 7 to 15 bytes, is all digits and '.' with a '.' (a
 * field that holds an IPv4 address, most often): in two words that may
 * overlap. */
static inline int
digdot(const char *s, size_t n)
{
	uint64_t a, b;

	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else {
		uint32_t x, y;
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		a = b = x | (uint64_t)y << 32;
	}
	return digdot8(a) && digdot8(b) && (dots8(le64(a)) | dots8(le64(b)));
}

#define MB_BLOCKS 16	/* blocks of 64 bytes whose masks are made at once */

/* A text 64 bytes at a time: the masks of a block say where its words
 * are, and which of them could be anything: only a word with a '.' or ':'
 * can be an address or a name, so only those are looked at (found all at
 * once: adding each such byte to the bits of the words carries through to
 * the end of the word that holds it), and words of 32 bytes or more (a
 * hash) when a block has one. A word that runs on past a block is carried
 * over to the next. */
void
ent_mbatch_text(ent_mbatch *b, const char *s, size_t n, uint32_t ctx)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t open = SIZE_MAX;	/* where a word that runs on began */
	kmask ms[MB_BLOCKS], acc;	/* acc: its classes so far */

	b->ctx = ctx;
	if (n < 32) {
		if (n >= 7 && n <= 15 && digdot(s, n)) {	/* an address field */
			cls_masks(K_DOT, &ms[0]);
			word_cut(b, s, n, &ms[0], ~0ULL);
		} else {
			text_bytes(b, s, n);
		}
		return;
	}
	for (size_t base = 0; base < n; base += 64) {
		size_t k = base / 64 % MB_BLOCKS;
		const kmask *m = &ms[k];
		const char *blk = s + base;
		uint64_t words, ends, longs;

		if (k == 0) {
			size_t len = n - base < 64 * MB_BLOCKS ? n - base :
			    64 * MB_BLOCKS;
			masks_fn(u + base, len, ms, (len + 63) / 64);
		}
		words = ~m->hard;
		if (open != SIZE_MAX) {	/* the word carried over ends here? */
			size_t end = m->hard ? (size_t)__builtin_ctzll(m->hard) :
			    64;
			cls_add(&acc, m, span(0, end));
			if (end == 64)
				continue;
			if (base + end - open >= 4)
				word_cut(b, s + open, base + end - open, &acc,
				    ~0ULL);
			open = SIZE_MAX;
			words &= ~span(0, end);
		}
		if (words >> 63) {	/* a word runs on into the next block */
			uint64_t nw = ~words, in;
			size_t st = nw ? 64 - (size_t)__builtin_clzll(nw) : 0;
			in = span(st, 64);
			open = base + st;
			memset(&acc, 0, sizeof acc);
			cls_add(&acc, m, in);
			words &= ~in;
		}
		/* the words now lie wholly in the block */
		longs = words;
		longs &= longs >> 1;
		longs &= longs >> 2;
		longs &= longs >> 4;
		longs &= longs >> 8;
		longs &= longs >> 16;
		if (longs) {	/* a word of 32 bytes or more: each in turn */
			for (uint64_t w = words; w;) {
				size_t st = (size_t)__builtin_ctzll(w), end;
				uint64_t rest = ~w & ~0ULL << st;
				end = (size_t)__builtin_ctzll(rest);
				word_in(b, blk, m, st, end);
				w &= ~span(st, end);
			}
		} else {	/* the ends of the words with '.' or ':' */
			ends = (words + ((m->dot | m->colon) & words)) & ~words;
			while (ends) {
				size_t end = (size_t)__builtin_ctzll(ends);
				uint64_t below = ~words & ((1ULL << end) - 1);
				size_t st = below ? 64 - (size_t)__builtin_clzll(
				    below) : 0;
				word_in(b, blk, m, st, end);
				ends &= ends - 1;
			}
		}
	}
	if (open != SIZE_MAX && n - open >= 4)	/* n a multiple of 64 */
		word_cut(b, s + open, n - open, &acc, ~0ULL);
}
