/*
 * psi.c — ECDH-PSI over ristretto255 (see include/entente/psi.h and
 * docs/PROTOCOL.md). Group operations are libsodium's; this file only
 * composes them, shuffles, splits work across threads and compares.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "entente/limits.h"
#include "entente/psi.h"

#define LABEL_ELEMENT "entente-psi-v1"
#define LABEL_COMPARE "entente-psi-v1 compare"
#define SECURITY_BITS 40

struct ent_psi {
	int initiator, failed;
	ent_psi_mode mode;
	unsigned threads;
	const ent_psi_item *items;
	uint32_t *order;        /* unique item indices, in sending order */
	uint64_t n, sent;
	uint64_t peer_n;        /* announced by the other side */
	int peer_known;
	size_t tlen;            /* bytes per compared record */
	unsigned char *scalar;  /* sodium_malloc'd */
	uint8_t *replies;       /* initiator: received; responder: count mode */
	uint64_t nreplies;      /* initiator: received; responder: fed */
	uint64_t drained;       /* responder, count mode */
	uint8_t *theirs;        /* initiator: compared forms of their elements */
	uint64_t ntheirs;
	size_t *result;
	uint64_t nresult;
	int done;
	double cpu;             /* seconds of CPU spent, on every thread */
};

/* CPU seconds of the calling thread. */
static double
thread_cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* --- elements and comparisons ----------------------------------------- */

void
ent_psi_element_hash(uint8_t out[static 64], ent_type type, const char *value,
    size_t len)
{
	crypto_hash_sha512_state st;
	uint8_t head[sizeof LABEL_ELEMENT + 1];

	memcpy(head, LABEL_ELEMENT, sizeof LABEL_ELEMENT); /* with the NUL */
	head[sizeof LABEL_ELEMENT] = (uint8_t)type;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, head, sizeof head);
	crypto_hash_sha512_update(&st, (const uint8_t *)value, len);
	crypto_hash_sha512_final(&st, out);
}

size_t
ent_psi_compare_len(uint64_t nx, uint64_t ny)
{
	unsigned bits = SECURITY_BITS;

	/* ceil(log2(n)) for each side */
	for (uint64_t v = 1; v < nx; v <<= 1)
		bits++;
	for (uint64_t v = 1; v < ny; v <<= 1)
		bits++;
	return bits / 8 + (bits % 8 != 0) > 32 ? 32 :
	    bits / 8 + (bits % 8 != 0);
}

static void
compare_form(uint8_t *out, size_t tlen, const uint8_t point[static 32])
{
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)LABEL_COMPARE,
	    sizeof LABEL_COMPARE);
	crypto_hash_sha256_update(&st, point, 32);
	crypto_hash_sha256_final(&st, h);
	memcpy(out, h, tlen);
}

/* --- work split across threads ---------------------------------------- */

typedef struct job {
	ent_psi *p;
	const uint8_t *in;
	uint8_t *out;
	uint64_t base;          /* position of in[0] in the sending order */
	int bad[ENT_PSI_THREADS_MAX];   /* per thread: first bad record + 1 */
	void (*fn)(struct job *j, size_t from, size_t to, int *bad);
} job;

typedef struct slice {
	job *j;
	size_t from, to;
	int *bad;
	double cpu;             /* of a worker thread */
} slice;

static void *
run_slice(void *arg)
{
	slice *s = arg;

	s->j->fn(s->j, s->from, s->to, s->bad);
	return NULL;
}

static void *
run_worker(void *arg)
{
	slice *s = arg;
	double t0 = thread_cpu();

	run_slice(s);
	s->cpu = thread_cpu() - t0;
	return NULL;
}

/* Runs j->fn over [0, n) on up to p->threads threads (the last slice on
 * this one); returns the first bad record + 1, or 0. */
static int
parallel(job *j, size_t n)
{
	unsigned t = j->p->threads;
	pthread_t tid[ENT_PSI_THREADS_MAX];
	int started[ENT_PSI_THREADS_MAX] = { 0 };
	slice sl[ENT_PSI_THREADS_MAX];
	int bad = 0;

	if (t > n / 16)
		t = (unsigned)(n / 16);
	if (t < 1)
		t = 1;
	memset(j->bad, 0, sizeof j->bad);
	for (unsigned i = 0; i < t; i++) {
		sl[i] = (slice){ j, n * i / t, n * (i + 1) / t, &j->bad[i], 0 };
		if (i + 1 < t)
			started[i] = pthread_create(&tid[i], NULL, run_worker,
			    &sl[i]) == 0;
		if (!started[i])	/* the last slice, or no thread */
			run_slice(&sl[i]);
	}
	for (unsigned i = 0; i < t; i++) {
		if (started[i]) {
			pthread_join(tid[i], NULL);
			j->p->cpu += sl[i].cpu;
		}
		if (j->bad[i] && (!bad || j->bad[i] < bad))
			bad = j->bad[i];
	}
	return bad;
}

/* hash, map, blind with our scalar: one of our elements */
static void
blind_fn(job *j, size_t from, size_t to, int *bad)
{
	const ent_psi *p = j->p;
	uint8_t h[64], pt[32];

	for (size_t i = from; i < to; i++) {
		const ent_psi_item *it = &p->items[p->order[j->base + i]];
		ent_psi_element_hash(h, it->type, it->value, it->len);
		crypto_core_ristretto255_from_hash(pt, h);
		if (crypto_scalarmult_ristretto255(j->out + i * 32, p->scalar,
		    pt) != 0 && !*bad)
			*bad = (int)i + 1;
	}
}

/* validate a received point, blind it with our scalar, compare form.
 * crypto_scalarmult_ristretto255 decodes strictly (a non-canonical or
 * invalid encoding fails) and fails when the result is the identity, which
 * it is exactly when the point is: it is the validation. */
static void
reblind_fn(job *j, size_t from, size_t to, int *bad)
{
	const ent_psi *p = j->p;
	uint8_t q[32];

	for (size_t i = from; i < to; i++) {
		const uint8_t *pt = j->in + i * 32;
		if (sodium_is_zero(pt, 32) ||
		    crypto_scalarmult_ristretto255(q, p->scalar, pt) != 0) {
			if (!*bad)
				*bad = (int)i + 1;
			continue;
		}
		compare_form(j->out + i * p->tlen, p->tlen, q);
	}
	sodium_memzero(q, sizeof q);
}

/* --- set-up ----------------------------------------------------------- */

static int
cmp_item(const void *a, const void *b, void *ctx)
{
	const ent_psi_item *items = ctx;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	const ent_psi_item *x = &items[ia], *y = &items[ib];
	int c;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = memcmp(x->value, y->value, x->len);
	if (c != 0)
		return c;
	return ia < ib ? -1 : ia > ib;
}

/* De-duplicates, then shuffles: p->order, p->n. */
static ent_err
prepare(ent_psi *p, const ent_psi_item *items, size_t n, ent_msg *msg)
{
	size_t u = 0;

	if (n > ENT_PSI_SET_MAX)
		return ent_fail(msg, ENT_ELIMIT, "a private match takes at most "
		    "%u elements per side, not %zu", ENT_PSI_SET_MAX, n);
	p->items = items;
	p->order = malloc((n ? n : 1) * sizeof *p->order);
	if (p->order == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		p->order[i] = (uint32_t)i;
	qsort_r(p->order, n, sizeof *p->order, cmp_item, (void *)items);
	for (size_t i = 0; i < n; i++) {
		const ent_psi_item *x = &items[p->order[i]];
		if (u > 0) {
			const ent_psi_item *y = &items[p->order[u - 1]];
			if (x->type == y->type && x->len == y->len &&
			    memcmp(x->value, y->value, x->len) == 0)
				continue;
		}
		p->order[u++] = p->order[i];
	}
	p->n = u;
	for (size_t i = u; i > 1; i--) {	/* Fisher-Yates */
		uint32_t j = randombytes_uniform((uint32_t)i);
		uint32_t t = p->order[i - 1];
		p->order[i - 1] = p->order[j];
		p->order[j] = t;
	}
	return ENT_OK;
}

static ent_err
create(ent_psi **out, int initiator, ent_psi_mode mode,
    const ent_psi_item *items, size_t n, unsigned threads, ent_msg *msg)
{
	ent_psi *p;
	ent_err ret;

	*out = NULL;
	if (mode != ENT_PSI_INTERSECT && mode != ENT_PSI_COUNT)
		return ent_fail(msg, ENT_EINVAL, "unknown private-match mode");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	p->initiator = initiator;
	p->mode = mode;
	if (threads == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		threads = c > 0 ? (unsigned)c : 1;
	}
	p->threads = threads > ENT_PSI_THREADS_MAX ? ENT_PSI_THREADS_MAX :
	    threads;
	p->scalar = sodium_malloc(crypto_core_ristretto255_SCALARBYTES);
	if (p->scalar == NULL) {
		ent_psi_destroy(p);
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	}
	crypto_core_ristretto255_scalar_random(p->scalar);
	{
		double t0 = thread_cpu();
		ret = prepare(p, items, n, msg);
		p->cpu += thread_cpu() - t0;
	}
	if (ret != ENT_OK) {
		ent_psi_destroy(p);
		return ret;
	}
	*out = p;
	return ENT_OK;
}

ent_err
ent_psi_initiator_new(ent_psi **out, ent_psi_mode mode,
    const ent_psi_item *items, size_t n, unsigned threads, ent_msg *msg)
{
	return create(out, 1, mode, items, n, threads, msg);
}

ent_err
ent_psi_responder_new(ent_psi **out, ent_psi_mode mode,
    const ent_psi_item *items, size_t n, uint64_t peer_n, unsigned threads,
    ent_msg *msg)
{
	ent_psi *p;
	ent_err ret;

	if (peer_n > ENT_PSI_SET_MAX)
		return ent_fail(msg, ENT_ELIMIT, "the initiator announced %llu "
		    "elements; at most %u are taken",
		    (unsigned long long)peer_n, ENT_PSI_SET_MAX);
	if ((ret = create(&p, 0, mode, items, n, threads, msg)) != ENT_OK)
		return ret;
	p->peer_n = peer_n;
	p->peer_known = 1;
	p->tlen = ent_psi_compare_len(peer_n, p->n);
	if (mode == ENT_PSI_COUNT) {
		p->replies = malloc((peer_n ? peer_n : 1) * p->tlen);
		if (p->replies == NULL) {
			ent_psi_destroy(p);
			return ent_fail(msg, ENT_ENOMEM, "out of memory");
		}
	}
	*out = p;
	return ENT_OK;
}

void
ent_psi_destroy(ent_psi *p)
{
	if (p == NULL)
		return;
	sodium_free(p->scalar);
	free(p->order);
	free(p->replies);
	free(p->theirs);
	free(p->result);
	free(p);
}

uint64_t
ent_psi_size(const ent_psi *p)
{
	return p->n;
}

size_t
ent_psi_reply_len(const ent_psi *p)
{
	return p->tlen;
}

ent_err
ent_psi_initiator_peer(ent_psi *p, uint64_t peer_n, ent_msg *msg)
{
	if (!p->initiator || p->peer_known)
		return ent_fail(msg, ENT_EINVAL, "the peer's size is already "
		    "known");
	if (peer_n > ENT_PSI_SET_MAX)
		return ent_fail(msg, ENT_EPROTO, "the responder announced %llu "
		    "elements; at most %u are taken",
		    (unsigned long long)peer_n, ENT_PSI_SET_MAX);
	p->peer_n = peer_n;
	p->peer_known = 1;
	p->tlen = ent_psi_compare_len(p->n, peer_n);
	p->replies = malloc((p->n ? p->n : 1) * p->tlen);
	p->theirs = malloc((peer_n ? peer_n : 1) * p->tlen);
	if (p->replies == NULL || p->theirs == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	return ENT_OK;
}

/* --- the exchange ----------------------------------------------------- */

static ent_err
fail(ent_psi *p, ent_msg *msg, const char *fmt, unsigned long long a,
    unsigned long long b)
{
	p->failed = 1;
	return ent_fail(msg, ENT_EPROTO, fmt, a, b);
}

/* Checks a received chunk: usable session, whole records, under the cap,
 * not past what was announced. Returns the record count via *count. */
static ent_err
check_chunk(ent_psi *p, size_t len, size_t rec, uint64_t have, uint64_t total,
    const char *what, size_t *count, ent_msg *msg)
{
	if (p->failed)
		return ent_fail(msg, ENT_EPROTO, "the session has already "
		    "failed");
	if (!p->peer_known)
		return ent_fail(msg, ENT_EINVAL, "the peer's size is not known "
		    "yet");
	if (len % rec != 0)
		return fail(p, msg, "a chunk of %llu bytes is not whole "
		    "records of %llu bytes", len, rec);
	*count = len / rec;
	if (*count > ENT_PSI_CHUNK_MAX)
		return fail(p, msg, "a chunk of %llu records is over the cap "
		    "of %llu", *count, ENT_PSI_CHUNK_MAX);
	if (have + *count > total) {
		p->failed = 1;
		return ent_fail(msg, ENT_EPROTO, "more %s than the %llu "
		    "announced", what, (unsigned long long)total);
	}
	return ENT_OK;
}

/* A received chunk of points, checked and blinded with our scalar into
 * compare forms at out; `have` points of the peer's came before it. */
static ent_err
reblind(ent_psi *p, const uint8_t *in, size_t len, uint64_t have,
    uint8_t *out, size_t *n, ent_msg *msg)
{
	ent_err ret = check_chunk(p, len, ENT_PSI_POINT, have, p->peer_n,
	    "elements", n, msg);
	job j = { .p = p, .in = in, .out = out, .fn = reblind_fn };
	int bad;

	if (ret != ENT_OK)
		return ret;
	bad = parallel(&j, *n);
	if (bad)
		return fail(p, msg, "element %llu of a chunk (%llu in the "
		    "session) is not a valid ristretto255 point or is the "
		    "identity", (unsigned long long)bad - 1,
		    have + (unsigned long long)bad - 1);
	return ENT_OK;
}

static ent_err
do_send(ent_psi *p, uint8_t *out, size_t max, size_t *len, ent_msg *msg)
{
	job j;
	size_t n;
	int bad;

	*len = 0;
	if (p->failed)
		return ent_fail(msg, ENT_EPROTO, "the session has already "
		    "failed");
	n = p->n - p->sent < max ? (size_t)(p->n - p->sent) : max;
	if (n > ENT_PSI_CHUNK_MAX)
		n = ENT_PSI_CHUNK_MAX;
	if (n == 0)
		return ENT_OK;
	j = (job){ .p = p, .out = out, .base = p->sent, .fn = blind_fn };
	bad = parallel(&j, n);
	if (bad) {
		p->failed = 1;
		return ent_fail(msg, ENT_ECRYPTO, "blinding an element failed");
	}
	p->sent += n;
	*len = n * ENT_PSI_POINT;
	return ENT_OK;
}

static ent_err
do_feed(ent_psi *p, const uint8_t *in, size_t len, uint8_t *out,
    size_t *outlen, ent_msg *msg)
{
	size_t n;
	ent_err ret;

	*outlen = 0;
	if (p->initiator)
		return ent_fail(msg, ENT_EINVAL, "feed is the responder's");
	ret = reblind(p, in, len, p->nreplies, p->mode == ENT_PSI_COUNT ?
	    p->replies + p->nreplies * p->tlen : out, &n, msg);
	if (ret != ENT_OK)
		return ret;
	p->nreplies += n;
	if (p->mode == ENT_PSI_INTERSECT) {
		*outlen = n * p->tlen;
	} else if (p->nreplies == p->peer_n) {
		/* all in: shuffle, so no reply can be mapped to its element */
		uint8_t tmp[32];
		for (uint64_t i = p->nreplies; i > 1; i--) {
			uint64_t k = randombytes_uniform((uint32_t)i);
			memcpy(tmp, p->replies + (i - 1) * p->tlen, p->tlen);
			memcpy(p->replies + (i - 1) * p->tlen,
			    p->replies + k * p->tlen, p->tlen);
			memcpy(p->replies + k * p->tlen, tmp, p->tlen);
		}
	}
	return ENT_OK;
}

static ent_err
do_drain(ent_psi *p, uint8_t *out, size_t max, size_t *outlen,
    ent_msg *msg)
{
	uint64_t n;

	*outlen = 0;
	if (p->initiator || p->mode != ENT_PSI_COUNT)
		return ENT_OK;
	if (p->nreplies < p->peer_n)
		return ent_fail(msg, ENT_EINVAL, "not every element was fed");
	n = p->peer_n - p->drained;
	if (n > max)
		n = max;
	if (n > ENT_PSI_CHUNK_MAX)
		n = ENT_PSI_CHUNK_MAX;
	memcpy(out, p->replies + p->drained * p->tlen, n * p->tlen);
	p->drained += n;
	*outlen = n * p->tlen;
	return ENT_OK;
}

ent_err
ent_psi_finish(ent_psi *p, ent_msg *msg)
{
	if (p->failed)
		return ent_fail(msg, ENT_EPROTO, "the session has already "
		    "failed");
	if (p->nreplies != p->peer_n)
		return fail(p, msg, "%llu elements were announced but %llu "
		    "came", p->peer_n, p->nreplies);
	return ENT_OK;
}

static ent_err
do_take_elements(ent_psi *p, const uint8_t *in, size_t len,
    ent_msg *msg)
{
	size_t n;
	ent_err ret;

	if (!p->initiator)
		return ent_fail(msg, ENT_EINVAL, "take_elements is the "
		    "initiator's");
	ret = reblind(p, in, len, p->ntheirs, p->theirs + p->ntheirs * p->tlen,
	    &n, msg);
	if (ret != ENT_OK)
		return ret;
	p->ntheirs += n;
	return ENT_OK;
}

static ent_err
do_take_replies(ent_psi *p, const uint8_t *in, size_t len, ent_msg *msg)
{
	size_t n;
	ent_err ret;

	if (!p->initiator)
		return ent_fail(msg, ENT_EINVAL, "take_replies is the "
		    "initiator's");
	if (p->tlen == 0)
		return ent_fail(msg, ENT_EINVAL, "the peer's size is not known "
		    "yet");
	ret = check_chunk(p, len, p->tlen, p->nreplies, p->sent, "replies",
	    &n, msg);
	if (ret != ENT_OK)
		return ret;
	memcpy(p->replies + p->nreplies * p->tlen, in, len);
	p->nreplies += n;
	return ENT_OK;
}

static int
cmp_rec(const void *a, const void *b, void *tlen)
{
	return memcmp(a, b, *(size_t *)tlen);
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/* Is rec among the sorted n records of `sorted`? */
static int
contains(const uint8_t *sorted, uint64_t n, size_t tlen, const uint8_t *rec)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		int c = memcmp(sorted + mid * tlen, rec, tlen);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static ent_err
do_result(ent_psi *p, const size_t **idx, uint64_t *count, ent_msg *msg)
{
	*idx = NULL;
	*count = 0;
	if (!p->initiator)
		return ent_fail(msg, ENT_EINVAL, "the result is the initiator's");
	if (p->failed)
		return ent_fail(msg, ENT_EPROTO, "the session has already "
		    "failed");
	if (!p->peer_known || p->sent != p->n || p->nreplies != p->n ||
	    p->ntheirs != p->peer_n)
		return fail(p, msg, "the session is incomplete: %llu of the "
		    "replies and %llu of the peer's elements came",
		    p->nreplies, p->ntheirs);
	if (!p->done) {
		qsort_r(p->theirs, p->ntheirs, p->tlen, cmp_rec, &p->tlen);
		if (p->mode == ENT_PSI_INTERSECT) {
			p->result = malloc((p->n ? p->n : 1) *
			    sizeof *p->result);
			if (p->result == NULL)
				return ent_fail(msg, ENT_ENOMEM, "out of memory");
		}
		for (uint64_t i = 0; i < p->nreplies; i++) {
			if (!contains(p->theirs, p->ntheirs, p->tlen,
			    p->replies + i * p->tlen))
				continue;
			if (p->result != NULL)
				p->result[p->nresult] = p->order[i];
			p->nresult++;
		}
		if (p->result != NULL)
			qsort(p->result, p->nresult, sizeof *p->result,
			    cmp_size);
		p->done = 1;
	}
	*idx = p->result;
	*count = p->nresult;
	return ENT_OK;
}

ent_err
ent_psi_send(ent_psi *p, uint8_t *out, size_t max, size_t *len, ent_msg *msg)
{
	double t0 = thread_cpu();
	ent_err ret = do_send(p, out, max, len, msg);

	p->cpu += thread_cpu() - t0;
	return ret;
}

ent_err
ent_psi_feed(ent_psi *p, const uint8_t *in, size_t len, uint8_t *out,
    size_t *outlen, ent_msg *msg)
{
	double t0 = thread_cpu();
	ent_err ret = do_feed(p, in, len, out, outlen, msg);

	p->cpu += thread_cpu() - t0;
	return ret;
}

ent_err
ent_psi_drain(ent_psi *p, uint8_t *out, size_t max, size_t *outlen,
    ent_msg *msg)
{
	double t0 = thread_cpu();
	ent_err ret = do_drain(p, out, max, outlen, msg);

	p->cpu += thread_cpu() - t0;
	return ret;
}

ent_err
ent_psi_take_elements(ent_psi *p, const uint8_t *in, size_t len,
    ent_msg *msg)
{
	double t0 = thread_cpu();
	ent_err ret = do_take_elements(p, in, len, msg);

	p->cpu += thread_cpu() - t0;
	return ret;
}

ent_err
ent_psi_take_replies(ent_psi *p, const uint8_t *in, size_t len, ent_msg *msg)
{
	double t0 = thread_cpu();
	ent_err ret = do_take_replies(p, in, len, msg);

	p->cpu += thread_cpu() - t0;
	return ret;
}

ent_err
ent_psi_result(ent_psi *p, const size_t **idx, uint64_t *count, ent_msg *msg)
{
	double t0 = thread_cpu();
	ent_err ret = do_result(p, idx, count, msg);

	p->cpu += thread_cpu() - t0;
	return ret;
}
double
ent_psi_cpu(const ent_psi *p)
{
	return p->cpu;
}
