/*
 * test_psi.c — the private matching engine: results equal a plain set
 * intersection in both modes and on one or more threads; fresh scalars;
 * count replies unordered; the protocol as documented in docs/PROTOCOL.md,
 * re-implemented here with a known scalar; hostile inputs refused.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "entente/psi.h"
#include "tap.h"

#define CHUNK 1000	/* records per chunk: sessions span many chunks */

/* A set of n items "v<k>.example" for k = start, start+1, ... */
typedef struct set {
	ent_psi_item *items;
	char (*buf)[32];
	size_t n;
} set;

static set
make_set(size_t n, size_t start, int type_mix)
{
	set s = { calloc(n ? n : 1, sizeof *s.items),
	    calloc(n ? n : 1, sizeof *s.buf), n };

	for (size_t i = 0; i < n; i++) {
		size_t k = start + i;
		ent_type t = type_mix && k % 2 ? ENT_TYPE_IPV4 : ENT_TYPE_DOMAIN;
		if (t == ENT_TYPE_IPV4)
			snprintf(s.buf[i], sizeof s.buf[i], "10.%zu.%zu.%zu",
			    (k >> 16) & 255, (k >> 8) & 255, k & 255);
		else
			snprintf(s.buf[i], sizeof s.buf[i], "v%zu.example", k);
		s.items[i] = (ent_psi_item){ t, s.buf[i], strlen(s.buf[i]) };
	}
	return s;
}

static void
free_set(set *s)
{
	free(s->items);
	free(s->buf);
}

static int
same_item(const ent_psi_item *a, const ent_psi_item *b)
{
	return a->type == b->type && a->len == b->len &&
	    memcmp(a->value, b->value, a->len) == 0;
}

/* The plain intersection: indices of x (first of duplicates) held in y. */
static size_t
plain(const set *x, const set *y, size_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < x->n; i++) {
		int dup = 0, in = 0;
		for (size_t k = 0; k < i && !dup; k++)
			dup = same_item(&x->items[k], &x->items[i]);
		if (dup)
			continue;
		for (size_t k = 0; k < y->n && !in; k++)
			in = same_item(&y->items[k], &x->items[i]);
		if (in)
			out[n++] = i;
	}
	return n;
}

/* Runs a whole session in memory. Returns 0 and the result, or -1. */
static int
session(const set *x, const set *y, ent_psi_mode mode, unsigned ti,
    unsigned tr, size_t *res, uint64_t *count)
{
	ent_psi *I = NULL, *R = NULL;
	uint8_t *buf = malloc(CHUNK * 32), *rep = malloc(CHUNK * 32);
	size_t len, rlen;
	const size_t *idx;
	ent_msg msg;
	int ret = -1;

	if (ent_psi_initiator_new(&I, mode, x->items, x->n, ti, &msg) ||
	    ent_psi_responder_new(&R, mode, y->items, y->n, ent_psi_size(I),
	    tr, &msg) ||
	    ent_psi_initiator_peer(I, ent_psi_size(R), &msg))
		goto out;
	for (;;) {	/* the initiator's elements, answered as they come */
		if (ent_psi_send(I, buf, CHUNK, &len, &msg))
			goto out;
		if (len == 0)
			break;
		if (ent_psi_feed(R, buf, len, rep, &rlen, &msg) ||
		    (rlen && ent_psi_take_replies(I, rep, rlen, &msg)))
			goto out;
	}
	for (;;) {	/* count mode: the shuffled replies */
		if (ent_psi_drain(R, rep, CHUNK, &rlen, &msg))
			goto out;
		if (rlen == 0)
			break;
		if (ent_psi_take_replies(I, rep, rlen, &msg))
			goto out;
	}
	for (;;) {	/* the responder's own elements */
		if (ent_psi_send(R, buf, CHUNK, &len, &msg))
			goto out;
		if (len == 0)
			break;
		if (ent_psi_take_elements(I, buf, len, &msg))
			goto out;
	}
	if (ent_psi_finish(R, &msg) || ent_psi_result(I, &idx, count, &msg))
		goto out;
	if (idx != NULL)
		memcpy(res, idx, *count * sizeof *res);
	ret = 0;
out:
	if (ret != 0)
		printf("# session failed: %s\n", msg.text);
	ent_psi_destroy(I);
	ent_psi_destroy(R);
	free(buf);
	free(rep);
	return ret;
}

/* Checks both modes, on one and two threads (big: one session, two
 * threads, intersect mode only, to keep the suite short). */
static void
check_case(const char *name, size_t nx, size_t xs, size_t ny, size_t ys,
    int mix, int brute, int big)
{
	set x = make_set(nx, xs, mix), y = make_set(ny, ys, mix);
	size_t *want = malloc((nx + 1) * sizeof *want);
	size_t *got = malloc((nx + 1) * sizeof *got), nw;
	uint64_t count;

	/* planted overlap is [max(xs, ys), min(xs+nx, ys+ny)) */
	if (brute) {
		nw = plain(&x, &y, want);
	} else {
		size_t lo = xs > ys ? xs : ys, hi = xs + nx < ys + ny ?
		    xs + nx : ys + ny;
		nw = 0;
		for (size_t k = lo; k < hi; k++)
			want[nw++] = k - xs;
	}
	for (unsigned t = big ? 2 : 1; t <= 2; t++) {
		OK(session(&x, &y, ENT_PSI_INTERSECT, t, t, got, &count) == 0 &&
		    count == nw && memcmp(got, want, nw * sizeof *got) == 0,
		    "%s: intersect, %u thread(s): %zu of %zu x %zu", name, t,
		    nw, nx, ny);
		if (big)
			break;
		OK(session(&x, &y, ENT_PSI_COUNT, t, 3 - t, got, &count) == 0 &&
		    count == nw, "%s: count, %u/%u threads: %zu", name, t,
		    3 - t, nw);
	}
	free(want);
	free(got);
	free_set(&x);
	free_set(&y);
}

/* The protocol per docs/PROTOCOL.md, with a scalar we choose. */
static void
compare_form(uint8_t *out, size_t tlen, const uint8_t p[32])
{
	static const char label[] = "entente-psi-v1 compare";
	uint8_t h[32];
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)label, sizeof label);
	crypto_hash_sha256_update(&st, p, 32);
	crypto_hash_sha256_final(&st, h);
	memcpy(out, h, tlen);
}

static void
test_documented_protocol(ent_psi_mode mode)
{
	size_t n = 1000, tlen;
	set x = make_set(n, 0, 1), y = make_set(n, 500, 1);
	uint8_t a[32], *pts = malloc(n * 32), *rep = malloc(n * 32),
	    *theirs = malloc(n * 32), h[64], pt[32], q[32];
	ent_psi *R = NULL;
	size_t len, rlen, got = 0, m = 0, inplace = 0, matched = 0;
	int ok = 1;

	crypto_core_ristretto255_scalar_random(a);
	for (size_t i = 0; i < n; i++) {
		ent_psi_element_hash(h, x.items[i].type, x.items[i].value,
		    x.items[i].len);
		crypto_core_ristretto255_from_hash(pt, h);
		ok &= crypto_scalarmult_ristretto255(pts + i * 32, a, pt) == 0;
	}
	ok &= ent_psi_responder_new(&R, mode, y.items, y.n, n, 2, NULL) == 0;
	tlen = R ? ent_psi_reply_len(R) : 8;
	OK(tlen == ent_psi_compare_len(n, n) && tlen == 8,
	    "compare length for 1000 x 1000 is 8 bytes");
	for (size_t i = 0; ok && i < n; i += 100) {
		ok &= ent_psi_feed(R, pts + i * 32, 100 * 32, rep + got * tlen,
		    &rlen, NULL) == 0;
		got += rlen / tlen;
	}
	while (ok && mode == ENT_PSI_COUNT) {
		ok &= ent_psi_drain(R, rep + got * tlen, 300, &rlen, NULL) == 0;
		if (rlen == 0)
			break;
		got += rlen / tlen;
	}
	while (ok) {
		ok &= ent_psi_send(R, theirs + m * 32, 256, &len, NULL) == 0;
		if (len == 0)
			break;
		m += len / 32;
	}
	OK(ok && got == n && m == n && ent_psi_finish(R, NULL) == 0,
	    "%s: the responder answers a hand-made initiator",
	    mode == ENT_PSI_COUNT ? "count" : "intersect");
	/* our compare forms of their elements */
	for (size_t j = 0; j < m; j++) {
		ok &= crypto_scalarmult_ristretto255(q, a, theirs + j * 32) == 0;
		compare_form(theirs + j * 32, tlen, q);
	}
	for (size_t i = 0; i < got; i++) {
		int hit = 0;
		for (size_t j = 0; j < m && !hit; j++)
			hit = memcmp(rep + i * tlen, theirs + j * 32, tlen) == 0;
		matched += hit;
		inplace += hit && i >= 500;	/* x[i] held by y iff i >= 500 */
	}
	OK(matched == 500, "%s: 500 matches by the documented comparison "
	    "(%zu)", mode == ENT_PSI_COUNT ? "count" : "intersect", matched);
	if (mode == ENT_PSI_INTERSECT)
		OK(inplace == 500, "intersect: each reply in its element's "
		    "place");
	else
		OK(inplace < 400, "count: replies are shuffled (%zu of 500 "
		    "matches where their element was)", inplace);
	ent_psi_destroy(R);
	free(pts);
	free(rep);
	free(theirs);
	free_set(&x);
	free_set(&y);
}

static void
test_fresh_scalars(void)
{
	set x = make_set(10, 0, 0);
	ent_psi *a = NULL, *b = NULL;
	uint8_t ca[320], cb[320];
	size_t la = 0, lb = 0;

	OK(ent_psi_initiator_new(&a, ENT_PSI_INTERSECT, x.items, 1, 1, NULL) ==
	    0 && ent_psi_initiator_new(&b, ENT_PSI_INTERSECT, x.items, 1, 1,
	    NULL) == 0 && ent_psi_send(a, ca, 10, &la, NULL) == 0 &&
	    ent_psi_send(b, cb, 10, &lb, NULL) == 0 && la == 32 && lb == 32 &&
	    memcmp(ca, cb, 32) != 0,
	    "two sessions over the same element send different points");
	ent_psi_destroy(a);
	ent_psi_destroy(b);
	free_set(&x);
}

static void
test_hostile(void)
{
	set y = make_set(50, 0, 0);
	ent_psi *R = NULL, *I = NULL;
	uint8_t *in = calloc(ENT_PSI_CHUNK_MAX + 1, 32), out[64 * 32];
	size_t olen;
	ent_msg msg;
	uint8_t h[64];

	/* a good point to pad chunks with */
	ent_psi_element_hash(h, ENT_TYPE_DOMAIN, "x.example", 9);
	crypto_core_ristretto255_from_hash(in + 32, h);

	OK(ent_psi_responder_new(&R, ENT_PSI_INTERSECT, y.items, y.n, 10, 1,
	    &msg) == 0, "responder for 10");
	OK(ent_psi_feed(R, in, 32, out, &olen, &msg) == ENT_EPROTO &&
	    strstr(msg.text, "identity"), "the identity point is refused: %s",
	    msg.text);
	ent_psi_destroy(R);

	OK(ent_psi_responder_new(&R, ENT_PSI_INTERSECT, y.items, y.n, 10, 1,
	    &msg) == 0, "responder for 10");
	memset(in, 0xff, 32);
	OK(ent_psi_feed(R, in, 32, out, &olen, &msg) == ENT_EPROTO,
	    "a non-canonical encoding is refused");
	OK(ent_psi_feed(R, in + 32, 32, out, &olen, &msg) == ENT_EPROTO &&
	    strstr(msg.text, "already failed"),
	    "a failed session stays failed");
	ent_psi_destroy(R);

	OK(ent_psi_responder_new(&R, ENT_PSI_INTERSECT, y.items, y.n, 10, 1,
	    &msg) == 0, "responder for 10");
	OK(ent_psi_feed(R, in + 32, 33, out, &olen, &msg) == ENT_EPROTO &&
	    strstr(msg.text, "not whole"), "a truncated chunk is refused");
	ent_psi_destroy(R);

	for (int i = 0; i < 12; i++)
		memcpy(in + i * 32, in + 32, 32);
	OK(ent_psi_responder_new(&R, ENT_PSI_INTERSECT, y.items, y.n, 10, 1,
	    &msg) == 0, "responder for 10");
	OK(ent_psi_feed(R, in, 11 * 32, out, &olen, &msg) == ENT_EPROTO &&
	    strstr(msg.text, "more elements"), "more than announced refused");
	ent_psi_destroy(R);

	OK(ent_psi_responder_new(&R, ENT_PSI_INTERSECT, y.items, y.n, 10, 1,
	    &msg) == 0 && ent_psi_feed(R, in, 9 * 32, out, &olen, &msg) == 0,
	    "nine of ten fed");
	OK(ent_psi_finish(R, &msg) == ENT_EPROTO && strstr(msg.text,
	    "announced"), "fewer than announced refused: %s", msg.text);
	ent_psi_destroy(R);

	OK(ent_psi_responder_new(&R, ENT_PSI_INTERSECT, y.items, y.n,
	    ENT_PSI_CHUNK_MAX + 1, 1, &msg) == 0, "responder for 4097");
	for (int i = 0; i <= ENT_PSI_CHUNK_MAX; i++)
		memcpy(in + (size_t)i * 32, in + 32, 32);
	{
		uint8_t *big = malloc((ENT_PSI_CHUNK_MAX + 1) * 32);
		OK(ent_psi_feed(R, in, (ENT_PSI_CHUNK_MAX + 1) * 32, big, &olen,
		    &msg) == ENT_EPROTO && strstr(msg.text, "cap"),
		    "a chunk over the cap is refused");
		free(big);
	}
	ent_psi_destroy(R);

	OK(ent_psi_responder_new(&R, ENT_PSI_INTERSECT, y.items, y.n,
	    (uint64_t)ENT_PSI_SET_MAX + 1, 1, &msg) == ENT_ELIMIT,
	    "an announced set over the limit is refused");

	/* initiator side: missing and extra records */
	OK(ent_psi_initiator_new(&I, ENT_PSI_INTERSECT, y.items, 3, 1, &msg) ==
	    0 && ent_psi_initiator_peer(I, 2, &msg) == 0, "initiator for 3/2");
	OK(ent_psi_take_elements(I, in, 3 * 32, &msg) == ENT_EPROTO,
	    "more peer elements than announced refused");
	ent_psi_destroy(I);
	OK(ent_psi_initiator_new(&I, ENT_PSI_INTERSECT, y.items, 3, 1, &msg) ==
	    0 && ent_psi_initiator_peer(I, 2, &msg) == 0 &&
	    ent_psi_send(I, out, 64, &olen, &msg) == 0 && olen == 96,
	    "initiator sends 3");
	{
		const size_t *idx;
		uint64_t c;
		OK(ent_psi_take_replies(I, in, 8 * 4, &msg) == ENT_EPROTO,
		    "more replies than elements sent refused");
		ent_psi_destroy(I);
		I = NULL;
		OK(ent_psi_initiator_new(&I, ENT_PSI_INTERSECT, y.items, 3, 1,
		    &msg) == 0 && ent_psi_initiator_peer(I, 2, &msg) == 0 &&
		    ent_psi_send(I, out, 64, &olen, &msg) == 0,
		    "initiator again");
		OK(ent_psi_result(I, &idx, &c, &msg) == ENT_EPROTO &&
		    strstr(msg.text, "incomplete"), "result before the replies "
		    "is refused");
	}
	ent_psi_destroy(I);
	free(in);
	free_set(&y);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	OK(ent_psi_compare_len(1 << 20, 1 << 20) == 10 &&
	    ent_psi_compare_len(0, 0) == 5 &&
	    ent_psi_compare_len(1u << 24, 1u << 24) == 11,
	    "compare length keeps false matches under 2^-40");
	check_case("both empty", 0, 0, 0, 0, 0, 1, 0);
	check_case("initiator empty", 0, 0, 20, 0, 0, 1, 0);
	check_case("responder empty", 20, 0, 0, 0, 0, 1, 0);
	check_case("none shared", 300, 0, 200, 1000, 1, 1, 0);
	check_case("some shared", 300, 0, 400, 100, 1, 1, 0);
	check_case("all shared", 100, 50, 300, 0, 1, 1, 0);
	check_case("identical", 257, 7, 257, 7, 1, 1, 0);
	check_case("one each, shared", 1, 5, 1, 5, 0, 1, 0);
	{	/* duplicates: x holds each of 50 values three times */
		set x = make_set(150, 0, 0), y = make_set(60, 30, 0);
		size_t want[150], got[150], nw;
		uint64_t c;
		for (size_t i = 50; i < 150; i++)
			x.items[i] = x.items[i % 50];
		nw = plain(&x, &y, want);
		OK(session(&x, &y, ENT_PSI_INTERSECT, 2, 2, got, &c) == 0 &&
		    c == nw && nw == 20 && memcmp(got, want, nw * sizeof *got) ==
		    0, "duplicates in input: each match once, first index");
		OK(session(&x, &y, ENT_PSI_COUNT, 2, 2, got, &c) == 0 && c == 20,
		    "duplicates in input: count 20");
		free_set(&x);
		free_set(&y);
	}
	check_case("5k x 8k", 5000, 0, 8000, 2000, 1, 0, 0);
	check_case("100k x 100k, half shared", 100000, 0, 100000, 50000, 1, 0, 1);
	test_fresh_scalars();
	test_documented_protocol(ENT_PSI_INTERSECT);
	test_documented_protocol(ENT_PSI_COUNT);
	test_hostile();
	return tap_done();
}
