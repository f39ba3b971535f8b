/*
 * test_log.c — the joint record: RFC 6962 vectors (roots, inclusion and
 * consistency proofs), C2SP signed-note and cosignature vectors (including
 * the deterministic PeterNeumann signature), proofs over a larger log, and
 * tampering caught by ent_log_verify.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entente/log.h"
#include "tap.h"

static char dir[] = "/tmp/entente-log-XXXXXX";

static int
unhex(const char *h, uint8_t *out, size_t cap, size_t *n)
{
	return sodium_hex2bin(out, cap, h, strlen(h), NULL, n, NULL);
}

/* --- RFC 6962 vectors ----------------------------------------------------- */

static void
test_merkle_vectors(void)
{
	FILE *f = fopen("tests/data/vectors/merkle-rfc6962.txt", "r");
	char line[4096], path[300];
	ent_store *s = NULL;
	ent_hash roots[9];
	int nroots = 0, nproofs = 0, ok;

	snprintf(path, sizeof path, "%s/m.db", dir);
	if (!OK(f != NULL && ent_store_open(&s, path, 1, NULL) == ENT_OK,
	    "vectors and a store"))
		return;
	while (fgets(line, sizeof line, f)) {
		char *p = strchr(line, '\n'), *tok, *save = NULL;
		if (p)
			*p = '\0';
		if (strncmp(line, "leaf ", 5) == 0) {
			uint8_t d[64];
			size_t n = 0;
			char *q = strchr(line + 5, ' ') + 1;
			if (strcmp(q, "\"\"") != 0)
				unhex(q, d, sizeof d, &n);
			ok = ent_log_append(s, d, n, NULL, NULL) == ENT_OK;
			if (!ok)
				OK(0, "append %s", line);
		} else if (strncmp(line, "root ", 5) == 0) {
			unsigned long size = strtoul(line + 5, &p, 10);
			ent_hash want, got;
			size_t n;
			unhex(p + 1, want.h, 32, &n);
			OK(ent_log_root(s, size, &got, NULL) == ENT_OK &&
			    memcmp(got.h, want.h, 32) == 0, "root of %lu", size);
			if (size < 9)
				roots[size] = want;
			nroots++;
		} else if (strncmp(line, "inclusion ", 10) == 0 ||
		    strncmp(line, "consistency ", 12) == 0) {
			int incl = line[0] == 'i';
			unsigned long a, b;
			ent_hash want[ENT_PROOF_MAX], got[ENT_PROOF_MAX], leaf;
			size_t nw = 0, ng = 0, n;
			ent_hash bad[ENT_PROOF_MAX];

			tok = strtok_r(line, " ", &save);
			a = strtoul(strtok_r(NULL, " ", &save), NULL, 10);
			b = strtoul(strtok_r(NULL, " ", &save), NULL, 10);
			strtok_r(NULL, " ", &save);	/* ":" */
			while ((tok = strtok_r(NULL, " ", &save)) != NULL)
				unhex(tok, want[nw++].h, 32, &n);
			if (incl) {
				uint8_t d[64];
				uint8_t *e;
				size_t en;
				OK(ent_log_prove_inclusion(s, a, b, got, &ng,
				    NULL) == ENT_OK && ng == nw && memcmp(got, want,
				    nw * 32) == 0, "inclusion proof %lu in %lu", a,
				    b);
				(void)d;
				if (ent_log_entry(s, a, &e, &en, NULL) == ENT_OK) {
					ent_tlog_leaf(&leaf, e, en);
					free(e);
				}
				OK(ent_tlog_check_inclusion(a, b, &leaf, want, nw,
				    &roots[b]) == 0, "inclusion %lu in %lu "
				    "verifies", a, b);
				memcpy(bad, want, sizeof bad);
				bad[nw - 1].h[5] ^= 1;
				OK(ent_tlog_check_inclusion(a, b, &leaf, bad, nw,
				    &roots[b]) != 0, "a changed inclusion proof "
				    "fails");
			} else {
				OK(ent_log_prove_consistency(s, a, b, got, &ng,
				    NULL) == ENT_OK && ng == nw && memcmp(got, want,
				    nw * 32) == 0, "consistency proof %lu to %lu",
				    a, b);
				OK(ent_tlog_check_consistency(a, b, &roots[a],
				    &roots[b], want, nw) == 0, "consistency %lu to "
				    "%lu verifies", a, b);
				OK(ent_tlog_check_consistency(a, b, &roots[a],
				    &roots[b - 1], want, nw) != 0, "against another "
				    "root it fails");
			}
			nproofs++;
		}
	}
	fclose(f);
	OK(nroots == 9 && nproofs >= 6, "all vectors read (%d roots, %d "
	    "proofs)", nroots, nproofs);
	ent_store_close(s);
}

/* Every inclusion and many consistency proofs over a 300-entry log. */
static void
test_proofs_exhaustive(void)
{
	char path[300];
	ent_store *s = NULL;
	ent_hash roots[301], proof[ENT_PROOF_MAX];
	size_t plen;
	int bad = 0, checked = 0;

	snprintf(path, sizeof path, "%s/p.db", dir);
	if (!OK(ent_store_open(&s, path, 1, NULL) == ENT_OK, "store"))
		return;
	if (ent_store_begin(s, NULL) != ENT_OK)
		bad++;
	for (int i = 0; i < 300; i++) {
		char e[32];
		int n = snprintf(e, sizeof e, "entry %d", i);
		if (ent_log_append(s, (uint8_t *)e, (size_t)n, NULL, NULL))
			bad++;
	}
	if (ent_store_commit(s, NULL) != ENT_OK)
		bad++;
	for (int n = 0; n <= 300; n++)
		if (ent_log_root(s, (uint64_t)n, &roots[n], NULL) != ENT_OK)
			bad++;
	for (int n = 1; n <= 300; n += 7) {
		for (int i = 0; i < n; i++) {
			ent_hash leaf;
			char e[32];
			int len = snprintf(e, sizeof e, "entry %d", i);
			ent_tlog_leaf(&leaf, (uint8_t *)e, (size_t)len);
			if (ent_log_prove_inclusion(s, (uint64_t)i, (uint64_t)n,
			    proof, &plen, NULL) != ENT_OK ||
			    ent_tlog_check_inclusion((uint64_t)i, (uint64_t)n,
			    &leaf, proof, plen, &roots[n]) != 0)
				bad++;
			checked++;
		}
		for (int m = 0; m <= n; m += 3) {
			if (ent_log_prove_consistency(s, (uint64_t)m, (uint64_t)n,
			    proof, &plen, NULL) != ENT_OK ||
			    ent_tlog_check_consistency((uint64_t)m, (uint64_t)n,
			    &roots[m], &roots[n], proof, plen) != 0)
				bad++;
			checked++;
		}
	}
	OK(bad == 0 && checked > 6000, "%d proofs over a 300-entry log all "
	    "verify (%d failures)", checked, bad);
	ent_store_close(s);
}

/* --- signed notes ----------------------------------------------------------- */

/* The lines of block `b` (1-based) of signed-note.txt. */
static int
vector_block(int b, char *key, size_t cap, const char *field, int note)
{
	FILE *f = fopen("tests/data/vectors/signed-note.txt", "r");
	char line[512];
	int block = 1, in_note = 0, found = 0;
	size_t o = 0;

	if (f == NULL)
		return 0;
	key[0] = '\0';
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "----", 4) == 0) {
			block++;
			in_note = 0;
			continue;
		}
		if (block != b || line[0] == '#')
			continue;
		if (note) {
			if (in_note) {
				size_t n = strlen(line);
				if (o + n < cap) {
					memcpy(key + o, line, n + 1);
					o += n;
				}
				found = 1;
			} else if (strcmp(line, "note:\n") == 0) {
				in_note = 1;
			}
			continue;
		}
		if (!in_note && strncmp(line, field, strlen(field)) == 0 &&
		    line[strlen(field)] == ':') {
			snprintf(key, cap, "%s", line + strlen(field) + 2);
			key[strcspn(key, "\n")] = '\0';
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

/* A node home holding the Ed25519 key from `seed` under `name`. */
static ent_node *
node_from_seed(const char *name, const uint8_t seed[32])
{
	char home[300], path[400], line[300], b[64];
	uint8_t pk[32], sk[64], raw[33];
	ent_node *node = NULL;
	FILE *f;

	snprintf(home, sizeof home, "%s/%08x", dir, ent_key_id(name, 1, seed));
	mkdir(home, 0700);
	snprintf(path, sizeof path, "%s/node.key", home);
	crypto_sign_seed_keypair(pk, sk, seed);
	raw[0] = 1;
	memcpy(raw + 1, seed, 32);
	sodium_bin2base64(b, sizeof b, raw, 33, sodium_base64_VARIANT_ORIGINAL);
	snprintf(line, sizeof line, "PRIVATE+KEY+%s+%08x+%s\n", name,
	    ent_key_id(name, 1, pk), b);
	f = fopen(path, "w");
	fputs(line, f);
	fclose(f);
	chmod(path, 0600);
	if (ent_node_open(&node, home, NULL) != ENT_OK)
		return NULL;
	return node;
}

static void
test_note_vectors(void)
{
	char vkey[256], note[2048], skey[256], wkey[256];
	ent_node *node;

	/* 1: the C2SP example verifies; a changed text does not */
	OK(vector_block(1, vkey, sizeof vkey, "vkey", 0) &&
	    vector_block(1, note, sizeof note, NULL, 1), "vector 1 read");
	OK(ent_note_verify(note, strlen(note), vkey, NULL) == ENT_OK,
	    "C2SP example note verifies with example.com/foo");
	note[3] ^= 1;
	OK(ent_note_verify(note, strlen(note), vkey, NULL) == ENT_ECRYPTO,
	    "a changed note does not");

	/* 2: the deterministic PeterNeumann signature, byte for byte */
	OK(vector_block(2, skey, sizeof skey, "skey", 0) &&
	    vector_block(2, note, sizeof note, NULL, 1), "vector 2 read");
	{
		uint8_t raw[40];
		size_t n = 0;
		/* PRIVATE+KEY+name+hex8+base64: base64 may hold '+' too */
		const char *b = strchr(strchr(skey + 12, '+') + 1, '+') + 1;
		char *text_end = strstr(note, "\n\n"), *signed_note;
		sodium_base642bin(raw, sizeof raw, b, strlen(b), NULL, &n, NULL,
		    sodium_base64_VARIANT_ORIGINAL);
		node = node_from_seed("PeterNeumann", raw + 1);
		signed_note = node ? ent_note_sign(node, note,
		    (size_t)(text_end + 1 - note)) : NULL;
		OK(signed_note && strcmp(signed_note, note) == 0,
		    "PeterNeumann's note signed exactly as the vector");
		if (signed_note && strcmp(signed_note, note) != 0)
			printf("# got:\n%s# want:\n%s", signed_note, note);
		free(signed_note);
		ent_node_close(node);
	}

	/* 3: a checkpoint signed by a log key and cosigned by a witness */
	OK(vector_block(3, vkey, sizeof vkey, "log-vkey", 0) &&
	    vector_block(3, wkey, sizeof wkey, "witness-vkey", 0) &&
	    vector_block(3, note, sizeof note, NULL, 1), "vector 3 read");
	{
		uint8_t seed[32], wseed[32];
		char origin[64], line[256], *text_end = strstr(note, "\n\n");
		char *signed_note, *wline;
		uint64_t size;
		ent_hash root;
		ent_node *log, *w;

		for (int i = 0; i < 32; i++) {
			seed[i] = (uint8_t)i;
			wseed[i] = (uint8_t)(0x20 + i);
		}
		log = node_from_seed("example.com/log", seed);
		w = node_from_seed("witness.example/w1", wseed);
		OK(log && strcmp(ent_node_vkey(log), vkey) == 0,
		    "the log key from seed 00..1f is the vector's");
		signed_note = log ? ent_note_sign(log, note,
		    (size_t)(text_end + 1 - note)) : NULL;
		wline = strstr(note, "\xe2\x80\x94 witness");
		OK(signed_note && strncmp(signed_note, note,
		    strlen(signed_note)) == 0, "the checkpoint's log signature "
		    "is the vector's");
		OK(ent_checkpoint_open(note, strlen(note), vkey, origin,
		    sizeof origin, &size, &root, NULL) == ENT_OK &&
		    strcmp(origin, "example.com/log") == 0 && size == 8,
		    "checkpoint parsed: example.com/log, size 8");
		OK(w && ent_cosign(w, note, strlen(note), 1700000000, line,
		    sizeof line, NULL) == ENT_OK && wline &&
		    strcmp(line, wline) == 0, "cosignature/v1 at 1700000000 is "
		    "the vector's, byte for byte");
		OK(w && ent_cosign_check(note, strlen(note), "witness.example/w1",
		    ent_node_public_key(w), wline) == 0, "the vector's "
		    "cosignature verifies");
		line[20] = line[20] == 'A' ? 'B' : 'A';
		OK(w && ent_cosign_check(note, strlen(note), "witness.example/w1",
		    ent_node_public_key(w), line) != 0, "a changed cosignature "
		    "does not");
		free(signed_note);
		ent_node_close(log);
		ent_node_close(w);
	}
}

/* --- checkpoints and tampering ------------------------------------------- */

static int
tamper(const char *db, const char *sql)
{
	sqlite3 *h;
	int rc;

	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

static void
test_checkpoints_and_tampering(void)
{
	char home[300], path[400], origin[64], *note = NULL;
	ent_node *node = NULL;
	ent_store *s = NULL;
	uint64_t size = 0, got = 0;
	ent_hash root, want;
	ent_msg msg;

	snprintf(home, sizeof home, "%s/node", dir);
	OK(ent_node_create(home, "ministry.example", NULL) == ENT_OK &&
	    ent_node_open(&node, home, NULL) == ENT_OK, "a node");
	snprintf(path, sizeof path, "%s/store.db", home);
	OK(ent_store_open(&s, path, 0, NULL) == ENT_OK, "its store");
	for (int i = 0; i < 40; i++) {
		const char *kv[] = { "n", "x", NULL };
		if (ent_log_event(s, "test", kv, NULL) != ENT_OK)
			OK(0, "event");
	}
	OK(ent_log_checkpoint(s, node, &note, &size, &msg) == ENT_OK &&
	    size == 41, "checkpoint of 41 (node-created and 40 events): %llu",
	    (unsigned long long)size);
	OK(note && ent_checkpoint_open(note, strlen(note), ent_node_vkey(node),
	    origin, sizeof origin, &got, &root, NULL) == ENT_OK && got == 41 &&
	    strcmp(origin, "ministry.example") == 0 &&
	    ent_log_root(s, 41, &want, NULL) == ENT_OK &&
	    memcmp(root.h, want.h, 32) == 0, "it verifies with the node key "
	    "and names the root");
	free(note);
	OK(ent_log_verify(s, node, &msg) == ENT_OK, "log verify passes");
	ent_store_close(s);
	s = NULL;

	tamper(path, "UPDATE log_checkpoint SET note = replace(note, "
	    "char(10) || '41' || char(10), char(10) || '40' || char(10))");
	OK(ent_store_open(&s, path, 0, NULL) == ENT_OK &&
	    ent_log_verify(s, node, &msg) == ENT_ECRYPTO &&
	    strstr(msg.text, "checkpoint 41"), "a changed checkpoint is "
	    "caught: %s", msg.text);
	ent_store_close(s);
	tamper(path, "UPDATE log_checkpoint SET note = replace(note, "
	    "char(10) || '40' || char(10), char(10) || '41' || char(10))");
	tamper(path, "UPDATE log_entry SET data = CAST('entente-event/v1\n"
	    "kind test\nn y\n' AS BLOB) WHERE idx = 17");
	OK(ent_store_open(&s, path, 0, NULL) == ENT_OK &&
	    ent_log_verify(s, node, &msg) == ENT_ECRYPTO &&
	    strstr(msg.text, "entry 17"), "a changed entry is caught: %s",
	    msg.text);
	ent_store_close(s);
	tamper(path, "UPDATE log_entry SET data = CAST('entente-event/v1\n"
	    "kind test\nn x\n' AS BLOB) WHERE idx = 17");
	OK(ent_store_open(&s, path, 0, NULL) == ENT_OK &&
	    ent_log_verify(s, node, &msg) == ENT_OK, "restored, it verifies "
	    "again");
	ent_store_close(s);
	tamper(path, "UPDATE log_hash SET hash = zeroblob(32) WHERE id = 40");
	OK(ent_store_open(&s, path, 0, NULL) == ENT_OK &&
	    ent_log_verify(s, node, &msg) == ENT_ECRYPTO, "a changed tree "
	    "hash is caught: %s", msg.text);
	ent_store_close(s);
	ent_node_close(node);
}

int
main(void)
{
	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	test_merkle_vectors();
	test_proofs_exhaustive();
	test_note_vectors();
	test_checkpoints_and_tampering();
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
