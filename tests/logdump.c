/*
 * logdump.c — writes a log of N entries for an independent verifier
 * (tests/interop/verify.go): the entries, the node's verifier key, a
 * checkpoint cosigned by a second node, every inclusion proof at the final
 * size, and consistency proofs between many sizes with their roots.
 * Usage: logdump DIR N
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entente/log.h"

static void
b64line(FILE *f, const uint8_t *p, size_t n)
{
	char *b = malloc(sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL));

	sodium_bin2base64(b, sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL), p, n,
	    sodium_base64_VARIANT_ORIGINAL);
	fputs(b, f);
	free(b);
}

static void
proof_line(FILE *f, const char *kind, uint64_t a, uint64_t b,
    const ent_hash *proof, size_t plen)
{
	fprintf(f, "%s %llu %llu", kind, (unsigned long long)a,
	    (unsigned long long)b);
	for (size_t i = 0; i < plen; i++) {
		fputc(' ', f);
		b64line(f, proof[i].h, 32);
	}
	fputc('\n', f);
}

#define DIE(what) do { fprintf(stderr, "logdump: %s: %s\n", what, \
	msg.text); return 1; } while (0)

int
main(int argc, char **argv)
{
	char home[512], whome[512], path[600], *note = NULL, line[512];
	ent_node *node = NULL, *w = NULL;
	ent_store *s = NULL;
	ent_hash proof[ENT_PROOF_MAX], root;
	uint64_t n, size;
	size_t plen;
	ent_msg msg;
	FILE *f;

	if (argc != 3 || ent_init(&msg))
		return 2;
	n = strtoull(argv[2], NULL, 10);
	snprintf(home, sizeof home, "%s/node", argv[1]);
	snprintf(whome, sizeof whome, "%s/witness", argv[1]);
	if (ent_node_create(home, "log.example", &msg) ||
	    ent_node_create(whome, "witness.example", &msg) ||
	    ent_node_open(&node, home, &msg) || ent_node_open(&w, whome, &msg))
		DIE("nodes");
	snprintf(path, sizeof path, "%s/store.db", home);
	if (ent_store_open(&s, path, 0, &msg) || ent_store_begin(s, &msg))
		DIE("store");
	for (uint64_t i = 1; i < n; i++) {	/* entry 0: node-created */
		char v[32];
		const char *kv[] = { "n", v, NULL };
		snprintf(v, sizeof v, "%llu", (unsigned long long)i);
		if (ent_log_event(s, "interop", kv, &msg))
			DIE("append");
	}
	if (ent_store_commit(s, &msg) ||
	    ent_log_checkpoint(s, node, &note, &size, &msg) || size != n)
		DIE("checkpoint");
	if (ent_cosign(w, note, strlen(note), (uint64_t)time(NULL), line,
	    sizeof line, &msg))
		DIE("cosign");
	snprintf(path, sizeof path, "%s/keys", argv[1]);
	f = fopen(path, "w");
	fprintf(f, "%s\n%s\n", ent_node_vkey(node), ent_node_vkey(w));
	fclose(f);
	snprintf(path, sizeof path, "%s/checkpoint", argv[1]);
	f = fopen(path, "w");
	fprintf(f, "%s%s", note, line);
	fclose(f);
	snprintf(path, sizeof path, "%s/entries", argv[1]);
	f = fopen(path, "w");
	for (uint64_t i = 0; i < n; i++) {
		uint8_t *d;
		size_t dn;
		if (ent_log_entry(s, i, &d, &dn, &msg))
			DIE("entry");
		b64line(f, d, dn);
		fputc('\n', f);
		free(d);
	}
	fclose(f);
	snprintf(path, sizeof path, "%s/proofs", argv[1]);
	f = fopen(path, "w");
	for (uint64_t i = 0; i < n; i++) {
		if (ent_log_prove_inclusion(s, i, n, proof, &plen, &msg))
			DIE("inclusion");
		proof_line(f, "inclusion", i, n, proof, plen);
	}
	/* consistency between many sizes, with the roots at each */
	for (uint64_t m = 1; m <= n; m = m * 3 / 2 + 1) {
		for (uint64_t k = m; k <= n; k = k * 2 + 7) {
			if (ent_log_prove_consistency(s, m, k, proof, &plen, &msg))
				DIE("consistency");
			proof_line(f, "consistency", m, k, proof, plen);
		}
		if (ent_log_prove_consistency(s, m, n, proof, &plen, &msg))
			DIE("consistency");
		proof_line(f, "consistency", m, n, proof, plen);
	}
	for (uint64_t m = 0; m <= n; m = m * 2 + 1) {
		if (ent_log_root(s, m, &root, &msg))
			DIE("root");
		fprintf(f, "root %llu ", (unsigned long long)m);
		b64line(f, root.h, 32);
		fputc('\n', f);
	}
	fclose(f);
	free(note);
	ent_store_close(s);
	ent_node_close(node);
	ent_node_close(w);
	return 0;
}
