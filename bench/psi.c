/*
 * psi.c — benchmark of the private matching engine: the two parties run at
 * once, in two threads of this process joined by in-memory queues, each
 * using every core for its group operations, as two nodes on one machine
 * would. For each size n (given as powers of two) the initiator holds
 * "e<k>.example" for k in [0, n) and the responder k in [n/2, 3n/2): a 50%
 * overlap. Prints each side's CPU microseconds per element, the wall
 * seconds of the whole session, and bytes each way.
 * Usage: psi LOG2N...   ($PSI_THREADS: threads per side, default all cores)
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entente/psi.h"

static unsigned threads;

/* An unbounded queue of chunks, one per direction. */
typedef struct chunk {
	struct chunk *next;
	int kind;               /* 0 end, 1 points, 2 replies */
	size_t len;
	uint8_t data[];
} chunk;

typedef struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	chunk *head, *tail;
	uint64_t bytes;
} queue;

static void
push(queue *q, int kind, const uint8_t *data, size_t len)
{
	chunk *c = malloc(sizeof *c + len);

	c->next = NULL;
	c->kind = kind;
	c->len = len;
	memcpy(c->data, data, len);
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
	q->bytes += len;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

static chunk *
pop(queue *q)
{
	chunk *c;

	pthread_mutex_lock(&q->mu);
	while (q->head == NULL)
		pthread_cond_wait(&q->cv, &q->mu);
	c = q->head;
	q->head = c->next;
	if (q->head == NULL)
		q->tail = NULL;
	pthread_mutex_unlock(&q->mu);
	return c;
}

typedef struct party {
	ent_psi *psi;
	queue *in, *out;
	uint64_t count;
} party;

#define CHECK(call) do { ent_msg msg; if ((call) != ENT_OK) { \
	fprintf(stderr, "psi bench: %s\n", msg.text); exit(1); } } while (0)
#define M &msg

static void *
initiator(void *arg)
{
	party *p = arg;
	uint8_t *buf = malloc(ENT_PSI_CHUNK_MAX * 32);
	size_t len;
	const size_t *idx;
	chunk *c;

	for (;;) {
		CHECK(ent_psi_send(p->psi, buf, ENT_PSI_CHUNK_MAX, &len, M));
		if (len == 0)
			break;
		push(p->out, 1, buf, len);
	}
	push(p->out, 0, NULL, 0);
	while ((c = pop(p->in))->kind != 0) {
		if (c->kind == 1)
			CHECK(ent_psi_take_elements(p->psi, c->data, c->len, M));
		else
			CHECK(ent_psi_take_replies(p->psi, c->data, c->len, M));
		free(c);
	}
	free(c);
	CHECK(ent_psi_result(p->psi, &idx, &p->count, M));
	free(buf);
	return NULL;
}

static void *
responder(void *arg)
{
	party *p = arg;
	uint8_t *buf = malloc(ENT_PSI_CHUNK_MAX * 32);
	uint8_t *rep = malloc(ENT_PSI_CHUNK_MAX * 32);
	size_t len, rlen;
	chunk *c;

	for (;;) {	/* our elements first: the initiator blinds meanwhile */
		CHECK(ent_psi_send(p->psi, buf, ENT_PSI_CHUNK_MAX, &len, M));
		if (len == 0)
			break;
		push(p->out, 1, buf, len);
	}
	while ((c = pop(p->in))->kind != 0) {
		CHECK(ent_psi_feed(p->psi, c->data, c->len, rep, &rlen, M));
		if (rlen)
			push(p->out, 2, rep, rlen);
		free(c);
	}
	free(c);
	CHECK(ent_psi_finish(p->psi, M));
	push(p->out, 0, NULL, 0);
	free(buf);
	free(rep);
	return NULL;
}

static double
wall_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static ent_psi_item *
make_set(size_t n, size_t start, char **bufp)
{
	ent_psi_item *it = malloc(n * sizeof *it);
	char *buf = malloc(n * 24);

	for (size_t i = 0; i < n; i++) {
		int len = snprintf(buf + i * 24, 24, "e%zu.example", start + i);
		it[i] = (ent_psi_item){ ENT_TYPE_DOMAIN, buf + i * 24,
		    (size_t)len };
	}
	*bufp = buf;
	return it;
}

static void
run(unsigned lg)
{
	size_t n = (size_t)1 << lg;
	char *bx, *by;
	ent_psi_item *x = make_set(n, 0, &bx), *y = make_set(n, n / 2, &by);
	queue up = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	    NULL, NULL, 0 }, down = up;
	party I = { NULL, &down, &up, 0 }, R = { NULL, &up, &down, 0 };
	pthread_t ti, tr;
	double w0 = wall_now();

	CHECK(ent_psi_initiator_new(&I.psi, ENT_PSI_INTERSECT, x, n, threads,
	    M));
	CHECK(ent_psi_responder_new(&R.psi, ENT_PSI_INTERSECT, y, n,
	    ent_psi_size(I.psi), threads, M));
	CHECK(ent_psi_initiator_peer(I.psi, ent_psi_size(R.psi), M));
	pthread_create(&ti, NULL, initiator, &I);
	pthread_create(&tr, NULL, responder, &R);
	pthread_join(ti, NULL);
	pthread_join(tr, NULL);
	if (I.count != n / 2) {
		fprintf(stderr, "psi bench: %llu matches, not %zu\n",
		    (unsigned long long)I.count, n / 2);
		exit(1);
	}
	/* the two sizes travel too: 8 bytes each way */
	printf("2^%-3u %9zu  %8.1f  %8.1f  %8.2f  %12llu  %12llu  %9llu\n",
	    lg, n, ent_psi_cpu(I.psi) * 1e6 / n, ent_psi_cpu(R.psi) * 1e6 / n,
	    wall_now() - w0, (unsigned long long)up.bytes + 8,
	    (unsigned long long)down.bytes + 8, (unsigned long long)I.count);
	fflush(stdout);
	ent_psi_destroy(I.psi);
	ent_psi_destroy(R.psi);
	free(x);
	free(y);
	free(bx);
	free(by);
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (getenv("PSI_THREADS") != NULL)
		threads = (unsigned)atoi(getenv("PSI_THREADS"));
	printf("%-5s %9s  %8s  %8s  %8s  %12s  %12s  %9s\n", "n", "per side",
	    "I us/el", "R us/el", "wall s", "bytes I->R", "bytes R->I",
	    "matches");
	for (int i = 1; i < argc; i++)
		run((unsigned)atoi(argv[i]));
	return 0;
}
