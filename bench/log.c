/*
 * log.c — benchmark of the joint record: appending N entries in batches of
 * B with one signed checkpoint per batch, then producing and verifying
 * inclusion proofs in the resulting tree.
 * Usage: log DIR N B
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entente/log.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	char home[512], path[600], *note;
	uint64_t n, batch, size;
	ent_node *node = NULL;
	ent_store *s = NULL;
	ent_hash proof[ENT_PROOF_MAX], root, leaf;
	size_t plen;
	ent_msg msg;
	double t0, t1, total = 0, times[1000];
	int proofs = 1000, bad = 0;
	char *buf;
	uint8_t **ptrs;
	size_t *lens;

	if (argc != 4 || ent_init(&msg))
		return 2;
	n = strtoull(argv[2], NULL, 10);
	batch = strtoull(argv[3], NULL, 10);
	snprintf(home, sizeof home, "%s/node", argv[1]);
	snprintf(path, sizeof path, "%s/store.db", home);
	if (ent_node_create(home, "bench.example", &msg) ||
	    ent_node_open(&node, home, &msg) ||
	    ent_store_open(&s, path, 0, &msg)) {
		fprintf(stderr, "log bench: %s\n", msg.text);
		return 1;
	}
	buf = malloc(batch * 64);
	ptrs = malloc(batch * sizeof *ptrs);
	lens = malloc(batch * sizeof *lens);
	t0 = now();
	for (uint64_t i = 1; i < n;) {
		if (ent_store_begin(s, &msg))
			goto fail;
		size_t k = 0;
		for (; k < batch && i < n; k++, i++) {
			lens[k] = (size_t)snprintf(buf + k * 64, 64,
			    "entente-event/v1\nkind bench\nn %llu\n",
			    (unsigned long long)i);
			ptrs[k] = (uint8_t *)buf + k * 64;
		}
		if (ent_log_append_many(s, (const uint8_t *const *)ptrs, lens, k,
		    &msg))
			goto fail;
		if (ent_log_checkpoint(s, node, &note, &size, &msg))
			goto fail;
		free(note);
		if (ent_store_commit(s, &msg))
			goto fail;
	}
	t1 = now();
	printf("  append %llu entries, batches of %llu, one checkpoint each: "
	    "%.2f s = %.0f entries/s\n", (unsigned long long)n,
	    (unsigned long long)batch, t1 - t0, (double)n / (t1 - t0));
	if (ent_log_root(s, n, &root, &msg))
		goto fail;
	for (int k = 0; k < proofs; k++) {
		uint64_t i = (uint64_t)randombytes_uniform((uint32_t)(n > 1u << 31 ?
		    1u << 31 : n));
		uint8_t *d;
		size_t dn;
		double a = now(), b;
		if (ent_log_entry(s, i, &d, &dn, &msg) ||
		    ent_log_prove_inclusion(s, i, n, proof, &plen, &msg))
			goto fail;
		ent_tlog_leaf(&leaf, d, dn);
		if (ent_tlog_check_inclusion(i, n, &leaf, proof, plen, &root))
			bad++;
		b = now() - a;
		total += b;
		times[k] = b;
		free(d);
	}
	qsort(times, (size_t)proofs, sizeof times[0], cmp_double);
	printf("  inclusion proof (read entry, prove, verify) in a tree of %llu: "
	    "mean %.3f ms, median %.3f ms, p99 %.3f ms over %d random entries "
	    "(%d failed)\n", (unsigned long long)n, total / proofs * 1e3,
	    times[proofs / 2] * 1e3, times[proofs * 99 / 100] * 1e3, proofs,
	    bad);
	ent_store_close(s);
	ent_node_close(node);
	return bad != 0;
fail:
	fprintf(stderr, "log bench: %s\n", msg.text);
	return 1;
}
