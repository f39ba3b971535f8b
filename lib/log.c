/*
 * log.c — the Merkle log in the store, its proofs, checkpoints and
 * cosignatures (see entente/log.h and docs/RECORD.md).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entente/log.h"
#include "entente/peer.h"
#include "store_int.h"

#define EM_DASH "\xe2\x80\x94"
#define COSIGN_LABEL "cosignature/v1\n"

/* --- tree math ---------------------------------------------------------- */

void
ent_tlog_leaf(ent_hash *out, const uint8_t *data, size_t n)
{
	crypto_hash_sha256_state st;
	uint8_t z = 0x00;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &z, 1);
	crypto_hash_sha256_update(&st, data, n);
	crypto_hash_sha256_final(&st, out->h);
}

void
ent_tlog_node(ent_hash *out, const ent_hash *l, const ent_hash *r)
{
	uint8_t buf[65];

	buf[0] = 0x01;
	memcpy(buf + 1, l->h, 32);
	memcpy(buf + 33, r->h, 32);
	crypto_hash_sha256(out->h, buf, sizeof buf);
}

uint64_t
ent_tlog_stored_index(int level, uint64_t n)
{
	uint64_t i = 0;

	/* level L's n'th hash is stored right after level L+1's (2n+1)'th */
	for (int l = level; l > 0; l--)
		n = 2 * n + 1;
	for (; n > 0; n >>= 1)	/* level 0's n'th is at n + n/2 + n/4 ... */
		i += n;
	return i + (uint64_t)level;
}

int
ent_tlog_check_inclusion(uint64_t index, uint64_t size, const ent_hash *leaf,
    const ent_hash *proof, size_t plen, const ent_hash *root)
{
	uint64_t fn = index, sn = size - 1;
	ent_hash r = *leaf;

	if (index >= size)
		return -1;
	for (size_t i = 0; i < plen; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			ent_tlog_node(&r, &proof[i], &r);
			while (fn != 0 && !(fn & 1)) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			ent_tlog_node(&r, &r, &proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(r.h, root->h, 32) == 0 ? 0 : -1;
}

int
ent_tlog_check_consistency(uint64_t m, uint64_t n, const ent_hash *mroot,
    const ent_hash *nroot, const ent_hash *proof, size_t plen)
{
	ent_hash path[ENT_PROOF_MAX + 1], fr, sr;
	size_t k = 0;
	uint64_t fn, sn;

	if (m > n || plen > ENT_PROOF_MAX)
		return -1;
	if (m == n)
		return plen == 0 && sodium_memcmp(mroot->h, nroot->h, 32) == 0 ?
		    0 : -1;
	if (m == 0)
		return plen == 0 ? 0 : -1;	/* every tree extends the empty */
	if ((m & (m - 1)) == 0)	/* a power of two: the old root is a node */
		path[k++] = *mroot;
	memcpy(path + k, proof, plen * sizeof *proof);
	k += plen;
	if (k == 0)
		return -1;
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	fr = sr = path[0];
	for (size_t i = 1; i < k; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			ent_tlog_node(&fr, &path[i], &fr);
			ent_tlog_node(&sr, &path[i], &sr);
			while (fn != 0 && !(fn & 1)) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			ent_tlog_node(&sr, &sr, &path[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(fr.h, mroot->h, 32) == 0 &&
	    sodium_memcmp(sr.h, nroot->h, 32) == 0 ? 0 : -1;
}

/* --- storage ------------------------------------------------------------ */

enum { S_HASH_GET, S_HASH_PUT, S_ENTRY_PUT, S_ENTRY_GET, S_SIZE, S_LEAF_GET };

static sqlite3_stmt *
q(ent_store *s, int slot)
{
	static const char *const sql[] = {
		[S_HASH_GET] = "SELECT hash FROM log_hash WHERE id = ?1",
		[S_HASH_PUT] = "INSERT INTO log_hash (id, hash) VALUES (?1, ?2)",
		[S_ENTRY_PUT] = "INSERT INTO log_entry (idx, data, hash) VALUES "
		    "(?1, ?2, ?3)",
		[S_LEAF_GET] = "SELECT hash FROM log_entry WHERE idx = ?1",
		[S_ENTRY_GET] = "SELECT data FROM log_entry WHERE idx = ?1",
		[S_SIZE] = "SELECT coalesce(max(idx) + 1, 0) FROM log_entry",
	};
	return store_stmt(s, STORE_SLOT_LOG + slot, sql[slot]);
}

/* The hash of the n'th complete subtree at `level`: a leaf's is kept with
 * its entry, the others in log_hash by ent_tlog_stored_index. */
static ent_err
hash_get(ent_store *s, int level, uint64_t n, ent_hash *out, ent_msg *msg)
{
	sqlite3_stmt *st = q(s, level ? S_HASH_GET : S_LEAF_GET);
	int rc;

	if (st == NULL)
		return store_fail(s, msg, "preparing");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(level ?
	    ent_tlog_stored_index(level, n) : n));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		memcpy(out->h, sqlite3_column_blob(st, 0), 32);
		sqlite3_reset(st);
		return ENT_OK;
	}
	sqlite3_reset(st);
	return ent_fail(msg, ENT_ECRYPTO, "log: the stored hash of level %d, "
	    "subtree %llu, is missing or damaged", level, (unsigned long long)n);
}

static ent_err
hash_put(ent_store *s, int level, uint64_t n, const ent_hash *h, ent_msg *msg)
{
	sqlite3_stmt *st = q(s, S_HASH_PUT);
	int rc;

	if (st == NULL)
		return store_fail(s, msg, "preparing");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)ent_tlog_stored_index(level, n));
	sqlite3_bind_blob(st, 2, h->h, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ENT_OK : store_fail(s, msg, "log hash");
}

/* Stores entry idx with its leaf hash. */
static ent_err
entry_put(ent_store *s, uint64_t idx, const uint8_t *data, size_t n,
    ent_hash *leaf, ent_msg *msg)
{
	sqlite3_stmt *st = q(s, S_ENTRY_PUT);
	int rc;

	if (n > ENT_LOG_ENTRY_MAX)
		return ent_fail(msg, ENT_ELIMIT, "a log entry has at most %d "
		    "bytes", ENT_LOG_ENTRY_MAX);
	if (st == NULL)
		return store_fail(s, msg, "preparing");
	ent_tlog_leaf(leaf, data, n);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
	sqlite3_bind_blob(st, 2, data, (int)n, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, leaf->h, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ENT_OK : store_fail(s, msg, "log entry");
}

ent_err
ent_log_size(ent_store *s, uint64_t *n, ent_msg *msg)
{
	sqlite3_stmt *st = q(s, S_SIZE);

	if (st == NULL || sqlite3_step(st) != SQLITE_ROW) {
		if (st)
			sqlite3_reset(st);
		return store_fail(s, msg, "log size");
	}
	*n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ENT_OK;
}

/* Begins a write transaction unless the caller has one open: several
 * connections (the server's sessions) append to one log, so reading the
 * size and writing the entry must be one step. *own says whether to end it. */
static ent_err
own_begin(ent_store *s, int *own, ent_msg *msg)
{
	*own = sqlite3_get_autocommit(store_db(s));
	if (*own && sqlite3_exec(store_db(s), "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_fail(s, msg, "starting a transaction");
	return ENT_OK;
}

static ent_err
own_end(ent_store *s, int own, ent_err ret, ent_msg *msg)
{
	if (!own)
		return ret;
	if (ret == ENT_OK && sqlite3_exec(store_db(s), "COMMIT", NULL, NULL,
	    NULL) != SQLITE_OK)
		ret = store_fail(s, msg, "committing");
	if (ret != ENT_OK)
		sqlite3_exec(store_db(s), "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

static ent_err
append_many(ent_store *s, const uint8_t *const *data, const size_t *lens,
    size_t count, ent_msg *msg)
{
	ent_hash frontier[64], h;
	uint64_t size;
	ent_err ret;

	if ((ret = ent_log_size(s, &size, msg)))
		return ret;
	/* the newest complete subtree at each level where size has a bit */
	for (int l = 0; l < 64; l++)
		if (((size >> l) & 1) && (ret = hash_get(s, l, (size >> l) - 1,
		    &frontier[l], msg)))
			return ret;
	for (size_t k = 0; k < count; k++, size++) {
		int l;

		if ((ret = entry_put(s, size, data[k], lens[k], &h, msg)))
			return ret;
		/* each trailing 1 bit of size completes a subtree */
		for (l = 0; (size >> l) & 1; l++) {
			ent_tlog_node(&h, &frontier[l], &h);
			if ((ret = hash_put(s, l + 1, size >> (l + 1), &h, msg)))
				return ret;
		}
		frontier[l] = h;
	}
	return ENT_OK;
}

ent_err
ent_log_append_many(ent_store *s, const uint8_t *const *data,
    const size_t *lens, size_t count, ent_msg *msg)
{
	int own;
	ent_err ret = own_begin(s, &own, msg);

	if (ret != ENT_OK)
		return ret;
	return own_end(s, own, append_many(s, data, lens, count, msg), msg);
}

ent_err
ent_log_append(ent_store *s, const uint8_t *data, size_t n, uint64_t *index,
    ent_msg *msg)
{
	const uint8_t *const d[1] = { data };
	uint64_t idx = 0;
	int own;
	ent_err ret;

	if ((ret = own_begin(s, &own, msg)))
		return ret;
	if ((ret = ent_log_size(s, &idx, msg)) == ENT_OK)
		ret = append_many(s, d, &n, 1, msg);
	if ((ret = own_end(s, own, ret, msg)) == ENT_OK && index != NULL)
		*index = idx;
	return ret;
}

ent_err
ent_log_event(ent_store *s, const char *kind, const char *const *kv,
    ent_msg *msg)
{
	char buf[ENT_LOG_ENTRY_MAX];
	size_t o = 0;
	int k;

	k = snprintf(buf, sizeof buf, "entente-event/v1\nkind %s\n", kind);
	o = (size_t)k;
	for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
		const char *v = kv[i + 1] ? kv[i + 1] : "";
		size_t kn = strlen(kv[i]), vn = strlen(v);
		if (o + kn + vn + 2 > sizeof buf)
			return ent_fail(msg, ENT_ELIMIT, "a log entry has at "
			    "most %d bytes", ENT_LOG_ENTRY_MAX);
		memcpy(buf + o, kv[i], kn);
		o += kn;
		buf[o++] = ' ';
		for (size_t j = 0; j < vn; j++)
			buf[o++] = v[j] == '\n' || v[j] == '\r' ? ' ' : v[j];
		buf[o++] = '\n';
	}
	return ent_log_append(s, (const uint8_t *)buf, o, NULL, msg);
}

ent_err
ent_log_entry(ent_store *s, uint64_t index, uint8_t **data, size_t *n,
    ent_msg *msg)
{
	sqlite3_stmt *st = q(s, S_ENTRY_GET);
	int rc;

	*data = NULL;
	if (st == NULL)
		return store_fail(s, msg, "preparing");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return ent_fail(msg, ENT_ENOENT, "log: no entry %llu",
		    (unsigned long long)index);
	}
	*n = (size_t)sqlite3_column_bytes(st, 0);
	*data = malloc(*n + 1);
	if (*data != NULL) {
		if (*n > 0)	/* an empty blob reads as NULL */
			memcpy(*data, sqlite3_column_blob(st, 0), *n);
		(*data)[*n] = 0;
	}
	sqlite3_reset(st);
	return *data ? ENT_OK : ent_fail(msg, ENT_ENOMEM, "out of memory");
}

/* The largest power of two smaller than n (n >= 2). */
static uint64_t
split(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* MTH(D[lo:hi]) from the stored hashes: O(log n) reads. */
static ent_err
mth(ent_store *s, uint64_t lo, uint64_t hi, ent_hash *out, ent_msg *msg)
{
	uint64_t n = hi - lo, k;
	ent_hash l, r;
	ent_err ret;

	if ((n & (n - 1)) == 0) {	/* a complete subtree, stored */
		int level = 0;
		while (((uint64_t)1 << level) < n)
			level++;
		return hash_get(s, level, lo >> level, out, msg);
	}
	k = split(n);
	if ((ret = mth(s, lo, lo + k, &l, msg)) ||
	    (ret = mth(s, lo + k, hi, &r, msg)))
		return ret;
	ent_tlog_node(out, &l, &r);
	return ENT_OK;
}

ent_err
ent_log_root(ent_store *s, uint64_t n, ent_hash *root, ent_msg *msg)
{
	uint64_t size;
	ent_err ret;

	if ((ret = ent_log_size(s, &size, msg)))
		return ret;
	if (n > size)
		return ent_fail(msg, ENT_EINVAL, "the log has %llu entries, not "
		    "%llu", (unsigned long long)size, (unsigned long long)n);
	if (n == 0) {
		crypto_hash_sha256(root->h, NULL, 0);
		return ENT_OK;
	}
	return mth(s, 0, n, root, msg);
}

/* RFC 9162 PATH(m, D[lo:hi]), appended to proof. */
static ent_err
path(ent_store *s, uint64_t m, uint64_t lo, uint64_t hi, ent_hash *proof,
    size_t *plen, ent_msg *msg)
{
	uint64_t k;
	ent_err ret;

	if (hi - lo <= 1)
		return ENT_OK;
	k = split(hi - lo);
	if (m < k) {
		if ((ret = path(s, m, lo, lo + k, proof, plen, msg)))
			return ret;
		return mth(s, lo + k, hi, &proof[(*plen)++], msg);
	}
	if ((ret = path(s, m - k, lo + k, hi, proof, plen, msg)))
		return ret;
	return mth(s, lo, lo + k, &proof[(*plen)++], msg);
}

/* RFC 9162 SUBPROOF(m, D[lo:hi], b). */
static ent_err
subproof(ent_store *s, uint64_t m, uint64_t lo, uint64_t hi, int b,
    ent_hash *proof, size_t *plen, ent_msg *msg)
{
	uint64_t n = hi - lo, k;
	ent_err ret;

	if (m == n) {
		if (b)
			return ENT_OK;
		return mth(s, lo, hi, &proof[(*plen)++], msg);
	}
	k = split(n);
	if (m <= k) {
		if ((ret = subproof(s, m, lo, lo + k, b, proof, plen, msg)))
			return ret;
		return mth(s, lo + k, hi, &proof[(*plen)++], msg);
	}
	if ((ret = subproof(s, m - k, lo + k, hi, 0, proof, plen, msg)))
		return ret;
	return mth(s, lo, lo + k, &proof[(*plen)++], msg);
}

ent_err
ent_log_prove_inclusion(ent_store *s, uint64_t index, uint64_t size,
    ent_hash *proof, size_t *plen, ent_msg *msg)
{
	uint64_t have;
	ent_err ret;

	*plen = 0;
	if ((ret = ent_log_size(s, &have, msg)))
		return ret;
	if (index >= size || size > have)
		return ent_fail(msg, ENT_EINVAL, "no entry %llu in a tree of "
		    "%llu (the log has %llu)", (unsigned long long)index,
		    (unsigned long long)size, (unsigned long long)have);
	return path(s, index, 0, size, proof, plen, msg);
}

ent_err
ent_log_prove_consistency(ent_store *s, uint64_t m, uint64_t n,
    ent_hash *proof, size_t *plen, ent_msg *msg)
{
	uint64_t have;
	ent_err ret;

	*plen = 0;
	if ((ret = ent_log_size(s, &have, msg)))
		return ret;
	if (m > n || n > have)
		return ent_fail(msg, ENT_EINVAL, "no consistency proof from %llu "
		    "to %llu (the log has %llu)", (unsigned long long)m,
		    (unsigned long long)n, (unsigned long long)have);
	if (m == 0 || m == n)
		return ENT_OK;
	return subproof(s, m, 0, n, 1, proof, plen, msg);
}

/* --- signed notes ------------------------------------------------------- */

/* The text of a signed note: up to and including the line before the blank
 * line. 0 when malformed. */
static size_t
note_text(const char *note, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (note[i] == '\n' && note[i + 1] == '\n')
			return i + 1;
	return 0;
}

static void
b64(char *out, size_t cap, const uint8_t *p, size_t n)
{
	sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
}

char *
ent_note_sign(const ent_node *node, const char *text, size_t tn)
{
	uint8_t raw[68];
	char sig[sodium_base64_ENCODED_LEN(68, sodium_base64_VARIANT_ORIGINAL)];
	uint32_t id = ent_key_id(ent_node_name(node), 0x01,
	    ent_node_public_key(node));
	size_t cap = tn + strlen(ent_node_name(node)) + sizeof sig + 16;
	char *out = malloc(cap);

	if (out == NULL)
		return NULL;
	raw[0] = (uint8_t)(id >> 24);
	raw[1] = (uint8_t)(id >> 16);
	raw[2] = (uint8_t)(id >> 8);
	raw[3] = (uint8_t)id;
	ent_node_sign(node, (const uint8_t *)text, tn, raw + 4);
	b64(sig, sizeof sig, raw, sizeof raw);
	snprintf(out, cap, "%.*s\n" EM_DASH " %s %s\n", (int)tn, text,
	    ent_node_name(node), sig);
	return out;
}

/* Finds the signature line of `name` with key id `id` (alg byte) and
 * decodes its payload (want bytes after the id) into raw. 0 if found. */
static int
find_sig(const char *note, size_t len, size_t tn, const char *name,
    uint32_t id, uint8_t *raw, size_t want)
{
	const char *p = note + tn + 1, *end = note + len;
	size_t nn = strlen(name);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);
		uint8_t buf[128];
		size_t got = 0;

		if (ln > 4 + nn + 1 && memcmp(p, EM_DASH " ", 4) == 0 &&
		    memcmp(p + 4, name, nn) == 0 && p[4 + nn] == ' ' &&
		    sodium_base642bin(buf, sizeof buf, p + 5 + nn,
		    ln - 5 - nn, NULL, &got, NULL,
		    sodium_base64_VARIANT_ORIGINAL) == 0 && got == 4 + want &&
		    ((uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
		    (uint32_t)buf[2] << 8 | buf[3]) == id) {
			memcpy(raw, buf + 4, want);
			return 0;
		}
		p += ln + 1;
	}
	return -1;
}

ent_err
ent_note_verify(const char *note, size_t len, const char *vkey, ent_msg *msg)
{
	char name[ENT_NAME_MAX + 1];
	uint8_t pk[32], sig[64];
	size_t tn = note_text(note, len);
	ent_err ret;

	if (len > ENT_NOTE_MAX || tn == 0 || note[len - 1] != '\n')
		return ent_fail(msg, ENT_EINVAL, "not a signed note");
	if ((ret = ent_vkey_parse(vkey, name, pk, msg)))
		return ret;
	if (find_sig(note, len, tn, name, ent_key_id(name, 0x01, pk), sig,
	    64) != 0 || crypto_sign_verify_detached(sig,
	    (const uint8_t *)note, tn, pk) != 0)
		return ent_fail(msg, ENT_ECRYPTO, "no valid signature by %s on "
		    "the note", name);
	return ENT_OK;
}

ent_err
ent_checkpoint_open(const char *note, size_t len, const char *vkey,
    char *origin, size_t cap, uint64_t *size, ent_hash *root, ent_msg *msg)
{
	char num[24], rb[64];
	size_t tn = note_text(note, len), on, rlen = 0;
	const char *l2, *l3, *l4;
	char *end;
	ent_err ret;

	if ((ret = ent_note_verify(note, len, vkey, msg)))
		return ret;
	l2 = memchr(note, '\n', tn);
	l3 = l2 ? memchr(l2 + 1, '\n', tn - (size_t)(l2 + 1 - note)) : NULL;
	l4 = l3 ? memchr(l3 + 1, '\n', tn - (size_t)(l3 + 1 - note)) : NULL;
	if (l4 == NULL || (on = (size_t)(l2 - note)) == 0 || on >= cap ||
	    (size_t)(l3 - l2 - 1) >= sizeof num || l3 - l2 - 1 == 0 ||
	    (size_t)(l4 - l3 - 1) >= sizeof rb)
		return ent_fail(msg, ENT_EINVAL, "malformed checkpoint");
	memcpy(origin, note, on);
	origin[on] = '\0';
	memcpy(num, l2 + 1, (size_t)(l3 - l2 - 1));
	num[l3 - l2 - 1] = '\0';
	*size = strtoull(num, &end, 10);
	if (*end != '\0' || (num[0] == '0' && num[1] != '\0') ||
	    num[0] < '0' || num[0] > '9')
		return ent_fail(msg, ENT_EINVAL, "malformed checkpoint size");
	memcpy(rb, l3 + 1, (size_t)(l4 - l3 - 1));
	rb[l4 - l3 - 1] = '\0';
	if (sodium_base642bin(root->h, 32, rb, strlen(rb), NULL, &rlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || rlen != 32)
		return ent_fail(msg, ENT_EINVAL, "malformed checkpoint root");
	return ENT_OK;
}

static size_t
cosign_message(uint8_t *out, size_t cap, const char *note, size_t tn,
    uint64_t t)
{
	int k = snprintf((char *)out, cap, COSIGN_LABEL "time %llu\n",
	    (unsigned long long)t);

	if (k < 0 || (size_t)k + tn > cap)
		return 0;
	memcpy(out + k, note, tn);
	return (size_t)k + tn;
}

ent_err
ent_cosign(const ent_node *node, const char *note, size_t len, uint64_t t,
    char *line, size_t cap, ent_msg *msg)
{
	uint8_t m[ENT_NOTE_MAX + 64], raw[76];
	char enc[sodium_base64_ENCODED_LEN(76, sodium_base64_VARIANT_ORIGINAL)];
	size_t tn = note_text(note, len), mn;
	uint32_t id = ent_key_id(ent_node_name(node), 0x04,
	    ent_node_public_key(node));
	int k;

	if (tn == 0 || (mn = cosign_message(m, sizeof m, note, tn, t)) == 0)
		return ent_fail(msg, ENT_EINVAL, "not a signed note");
	raw[0] = (uint8_t)(id >> 24);
	raw[1] = (uint8_t)(id >> 16);
	raw[2] = (uint8_t)(id >> 8);
	raw[3] = (uint8_t)id;
	for (int i = 0; i < 8; i++)
		raw[4 + i] = (uint8_t)(t >> (56 - 8 * i));
	ent_node_sign(node, m, mn, raw + 12);
	b64(enc, sizeof enc, raw, sizeof raw);
	k = snprintf(line, cap, EM_DASH " %s %s\n", ent_node_name(node), enc);
	if (k < 0 || (size_t)k >= cap)
		return ent_fail(msg, ENT_ELIMIT, "cosignature too long");
	return ENT_OK;
}

int
ent_cosign_check(const char *note, size_t len, const char *name,
    const uint8_t pk[static 32], const char *line)
{
	uint8_t m[ENT_NOTE_MAX + 64], raw[72];
	size_t tn = note_text(note, len), mn, ln = strlen(line);
	uint64_t t = 0;
	char fake[ENT_NOTE_MAX + 256];

	if (tn == 0 || tn + ln + 2 > sizeof fake)
		return -1;
	/* look the line up as if it were the note's only signature */
	memcpy(fake, note, tn);
	fake[tn] = '\n';
	memcpy(fake + tn + 1, line, ln);
	if (find_sig(fake, tn + 1 + ln, tn, name, ent_key_id(name, 0x04, pk),
	    raw, 72) != 0)
		return -1;
	for (int i = 0; i < 8; i++)
		t = t << 8 | raw[i];
	mn = cosign_message(m, sizeof m, note, tn, t);
	if (mn == 0)
		return -1;
	return crypto_sign_verify_detached(raw + 8, m, mn, pk) == 0 ? 0 : -1;
}

/* --- checkpoints in the store ------------------------------------------- */

static ent_err checkpoint(ent_store *s, const ent_node *node, char **note,
    uint64_t *size, ent_msg *msg);

ent_err
ent_log_checkpoint(ent_store *s, const ent_node *node, char **note,
    uint64_t *size, ent_msg *msg)
{
	int own;
	ent_err ret = own_begin(s, &own, msg);

	*note = NULL;
	if (ret != ENT_OK)
		return ret;
	ret = own_end(s, own, checkpoint(s, node, note, size, msg), msg);
	if (ret != ENT_OK) {
		free(*note);
		*note = NULL;
	}
	return ret;
}

static ent_err
checkpoint(ent_store *s, const ent_node *node, char **note, uint64_t *size,
    ent_msg *msg)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	char text[ENT_NAME_MAX + 96], rb[64];
	ent_hash root, old;
	uint64_t n, last = 0;
	int has_last = 0, k;
	ent_err ret;

	*note = NULL;
	if ((ret = ent_log_size(s, &n, msg)))
		return ret;
	if (sqlite3_prepare_v2(db, "SELECT size, root, note FROM log_checkpoint "
	    "ORDER BY size DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, msg, "preparing");
	if (sqlite3_step(st) == SQLITE_ROW) {
		has_last = 1;
		last = (uint64_t)sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(old.h, sqlite3_column_blob(st, 1), 32);
		if (last == n) {
			*note = strdup((const char *)sqlite3_column_text(st, 2));
			*size = n;
			sqlite3_finalize(st);
			return *note ? ENT_OK : ent_fail(msg, ENT_ENOMEM,
			    "out of memory");
		}
	}
	sqlite3_finalize(st);
	/* never sign a tree that does not extend the last one signed */
	if (has_last) {
		ent_hash now;
		if (last > n || (ret = ent_log_root(s, last, &now, msg)))
			return ret ? ret : ent_fail(msg, ENT_ECRYPTO, "log: the "
			    "log is shorter than its last checkpoint");
		if (sodium_memcmp(now.h, old.h, 32) != 0)
			return ent_fail(msg, ENT_ECRYPTO, "log: the tree no "
			    "longer matches checkpoint %llu; refusing to sign",
			    (unsigned long long)last);
	}
	if ((ret = ent_log_root(s, n, &root, msg)))
		return ret;
	b64(rb, sizeof rb, root.h, 32);
	k = snprintf(text, sizeof text, "%s\n%llu\n%s\n", ent_node_name(node),
	    (unsigned long long)n, rb);
	*note = ent_note_sign(node, text, (size_t)k);
	if (*note == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(db, "INSERT INTO log_checkpoint (size, root, "
	    "note) VALUES (?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK) {
		free(*note);
		*note = NULL;
		return store_fail(s, msg, "preparing");
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
	sqlite3_bind_blob(st, 2, root.h, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, *note, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		free(*note);
		*note = NULL;
		return store_fail(s, msg, "storing a checkpoint");
	}
	sqlite3_finalize(st);
	*size = n;
	return ENT_OK;
}

ent_err
ent_log_checkpoint_get(ent_store *s, int cosigned, char **note, ent_msg *msg)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	size_t cap, o;
	char *out;
	uint64_t size;

	*note = NULL;
	if (sqlite3_prepare_v2(db, "SELECT size, note FROM log_checkpoint ORDER "
	    "BY size DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, msg, "preparing");
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return ent_fail(msg, ENT_ENOENT, "no checkpoint yet");
	}
	size = (uint64_t)sqlite3_column_int64(st, 0);
	out = strdup((const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	if (out == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	if (cosigned) {
		if (sqlite3_prepare_v2(db, "SELECT line FROM log_cosignature "
		    "WHERE size = ?1 ORDER BY peer", -1, &st, NULL) !=
		    SQLITE_OK) {
			free(out);
			return store_fail(s, msg, "preparing");
		}
		sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *line = (const char *)sqlite3_column_text(st,
			    0);
			char *grown;
			o = strlen(out);
			cap = o + strlen(line) + 1;
			grown = realloc(out, cap);
			if (grown == NULL)
				break;
			out = grown;
			memcpy(out + o, line, strlen(line) + 1);
		}
		sqlite3_finalize(st);
	}
	*note = out;
	return ENT_OK;
}

ent_err
ent_log_verify(ent_store *s, const ent_node *node, ent_msg *msg)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	uint64_t n, i = 0;
	ent_hash h, stored, left;
	ent_err ret;
	int rc;

	if ((ret = ent_log_size(s, &n, msg)))
		return ret;
	if (sqlite3_prepare_v2(db, "SELECT idx, data FROM log_entry ORDER BY "
	    "idx", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, msg, "preparing");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((uint64_t)sqlite3_column_int64(st, 0) != i) {
			sqlite3_finalize(st);
			return ent_fail(msg, ENT_ECRYPTO, "log: entry %llu is "
			    "missing", (unsigned long long)i);
		}
		{
			static const uint8_t none[1];
			const uint8_t *d = sqlite3_column_blob(st, 1);
			ent_tlog_leaf(&h, d ? d : none,
			    (size_t)sqlite3_column_bytes(st, 1));
		}
		if ((ret = hash_get(s, 0, i, &stored, msg)) ||
		    sodium_memcmp(h.h, stored.h, 32) != 0) {
			sqlite3_finalize(st);
			return ent_fail(msg, ENT_ECRYPTO, "log: entry %llu does "
			    "not match its stored hash (the entry or the hash "
			    "was changed)", (unsigned long long)i);
		}
		for (int level = 0; (i >> level) & 1; level++) {
			if ((ret = hash_get(s, level, (i >> level) - 1, &left,
			    msg)))
				break;
			ent_tlog_node(&h, &left, &h);
			if ((ret = hash_get(s, level + 1, i >> (level + 1),
			    &stored, msg)) ||
			    sodium_memcmp(h.h, stored.h, 32) != 0) {
				ret = ent_fail(msg, ENT_ECRYPTO, "log: the "
				    "stored hash of level %d over entries up "
				    "to %llu was changed", level + 1,
				    (unsigned long long)i);
				break;
			}
		}
		if (ret != ENT_OK) {
			sqlite3_finalize(st);
			return ret;
		}
		i++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, msg, "reading the log");
	/* every checkpoint: its root, and the node's signature */
	if (sqlite3_prepare_v2(db, "SELECT size, root, note FROM log_checkpoint "
	    "ORDER BY size", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, msg, "preparing");
	while (sqlite3_step(st) == SQLITE_ROW) {
		uint64_t size = (uint64_t)sqlite3_column_int64(st, 0), got;
		const char *note = (const char *)sqlite3_column_text(st, 2);
		char origin[ENT_NAME_MAX + 1];
		ent_hash root, cp;
		ent_msg m;

		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(cp.h, sqlite3_column_blob(st, 1), 32);
		if (size > n || ent_log_root(s, size, &root, &m) != ENT_OK ||
		    sodium_memcmp(root.h, cp.h, 32) != 0 ||
		    ent_checkpoint_open(note, strlen(note), ent_node_vkey(node),
		    origin, sizeof origin, &got, &cp, &m) != ENT_OK ||
		    got != size || sodium_memcmp(root.h, cp.h, 32) != 0) {
			sqlite3_finalize(st);
			return ent_fail(msg, ENT_ECRYPTO, "log: checkpoint %llu "
			    "does not match the log or its signature",
			    (unsigned long long)size);
		}
	}
	sqlite3_finalize(st);
	return ENT_OK;
}

/* --- cosigning with peers ------------------------------------------------ */

/* The size of our newest checkpoint this peer cosigned (0 if none). */
ent_err
ent_log_cosigned_size(ent_store *s, const char *peer_vkey, uint64_t *m,
    ent_msg *msg)
{
	sqlite3_stmt *st = NULL;

	*m = 0;
	if (sqlite3_prepare_v2(store_db(s), "SELECT coalesce(max(size), 0) "
	    "FROM log_cosignature WHERE peer = ?1", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, msg, "preparing");
	sqlite3_bind_text(st, 1, peer_vkey, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*m = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return ENT_OK;
}

ent_err
ent_log_keep_cosignature(ent_store *s, const char *peer_vkey,
    const uint8_t pk[static 32], const char *note, uint64_t size,
    const char *line, ent_msg *msg)
{
	char name[ENT_NAME_MAX + 1];
	uint8_t k[32];
	sqlite3_stmt *st = NULL;
	int rc;

	if (ent_vkey_parse(peer_vkey, name, k, msg) != ENT_OK ||
	    ent_cosign_check(note, strlen(note), name, pk, line) != 0)
		return ent_fail(msg, ENT_ECRYPTO, "the peer's cosignature does "
		    "not verify");
	if (sqlite3_prepare_v2(store_db(s), "INSERT OR REPLACE INTO "
	    "log_cosignature (size, peer, line) VALUES (?1, ?2, ?3)", -1, &st,
	    NULL) != SQLITE_OK)
		return store_fail(s, msg, "preparing");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_text(st, 2, peer_vkey, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, line, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ENT_OK : store_fail(s, msg, "cosignature");
}

/* Keeps evidence of an inconsistent peer and records the event. */
static ent_err
evidence(ent_store *s, const char *peer_vkey, const uint8_t pk[static 32],
    const char *held, const char *presented, const char *why, ent_msg *msg)
{
	sqlite3_stmt *st = NULL;
	char t[24];
	const char *kv[] = { "time", t, "peer", peer_vkey, "reason", why,
	    NULL };

	snprintf(t, sizeof t, "%lld", (long long)time(NULL));
	if (sqlite3_prepare_v2(store_db(s), "INSERT INTO peer_evidence (pk, "
	    "at, reason, held, presented) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st,
	    NULL) == SQLITE_OK) {
		sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
		sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, held, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, presented, -1, SQLITE_STATIC);
		(void)sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (ent_log_event(s, "peer-inconsistent", kv, NULL) != ENT_OK) {
		/* the evidence row above is what matters */
	}
	return ent_fail(msg, ENT_ECRYPTO, "%s", why);
}

ent_err
ent_log_witness(ent_store *s, const ent_node *node, const char *peer_vkey,
    const uint8_t pk[static 32], const char *note, size_t len, uint64_t m,
    const ent_hash *proof, size_t plen, ent_prove_fn ask, void *ask_ctx,
    char *line, size_t cap, ent_msg *msg)
{
	ent_hash asked[ENT_PROOF_MAX];
	size_t alen = 0;
	char origin[ENT_NAME_MAX + 1], name[ENT_NAME_MAX + 1], why[256];
	char held[ENT_NOTE_MAX + 1] = "";
	uint8_t k[32];
	uint64_t n, mr = 0;
	ent_hash root, rootr;
	sqlite3_stmt *st = NULL;
	int has = 0, rc;
	ent_err ret;

	if ((ret = ent_vkey_parse(peer_vkey, name, k, msg)) ||
	    (ret = ent_checkpoint_open(note, len, peer_vkey, origin,
	    sizeof origin, &n, &root, msg)))
		return ret;
	if (strcmp(origin, name) != 0)
		return ent_fail(msg, ENT_ECRYPTO, "the peer's checkpoint is of "
		    "log '%s', not its own", origin);
	if (sqlite3_prepare_v2(store_db(s), "SELECT size, root, note FROM "
	    "peer_checkpoint WHERE pk = ?1", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, msg, "preparing");
	sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		has = 1;
		mr = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(rootr.h, sqlite3_column_blob(st, 1), 32);
		snprintf(held, sizeof held, "%s", sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (has) {
		if (n == mr && sodium_memcmp(root.h, rootr.h, 32) != 0) {
			snprintf(why, sizeof why, "the peer's log forked: two "
			    "different trees of size %llu", (unsigned long long)n);
			return evidence(s, peer_vkey, pk, held, note, why, msg);
		}
		if (n > mr && m != mr) {	/* prove it from what we hold */
			if (ask(ask_ctx, mr, n, asked, &alen, msg) != ENT_OK)
				return ENT_EPROTO;
			proof = asked;
			plen = alen;
		}
		if (n < mr) {
			/* an older checkpoint (a concurrent session), or a
			 * rollback: only the first can prove it leads to mr */
			if (ask(ask_ctx, n, mr, asked, &alen, NULL) != ENT_OK ||
			    ent_tlog_check_consistency(n, mr, &root, &rootr,
			    asked, alen) != 0) {
				snprintf(why, sizeof why, "the peer's log went "
				    "back: it presented a tree of %llu after one "
				    "of %llu, and cannot prove the first leads to "
				    "the second", (unsigned long long)n,
				    (unsigned long long)mr);
				return evidence(s, peer_vkey, pk, held, note, why,
				    msg);
			}
		} else if (n > mr && ent_tlog_check_consistency(mr, n, &rootr,
		    &root, proof, plen) != 0) {
			snprintf(why, sizeof why, "the peer's tree of %llu does "
			    "not extend the one of %llu we cosigned",
			    (unsigned long long)n, (unsigned long long)mr);
			return evidence(s, peer_vkey, pk, held, note, why, msg);
		}
		if (n <= mr) {	/* cosign, but keep holding the newest */
			return ent_cosign(node, note, len, (uint64_t)time(NULL),
			    line, cap, msg);
		}
	}
	if ((ret = ent_cosign(node, note, len, (uint64_t)time(NULL), line, cap,
	    msg)))
		return ret;
	if (sqlite3_prepare_v2(store_db(s), "INSERT OR REPLACE INTO "
	    "peer_checkpoint (pk, size, root, note) VALUES (?1, ?2, ?3, ?4)",
	    -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, msg, "preparing");
	sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
	sqlite3_bind_blob(st, 3, root.h, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, note, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ENT_OK : store_fail(s, msg, "checkpoint");
}

/* --- offline proofs (c2sp.org/tlog-proof@v1) ------------------------------ */

#define PROOF_HEADER "c2sp.org/tlog-proof@v1\n"

ent_err
ent_log_proof(ent_store *s, const ent_node *node, uint64_t index, char **out,
    ent_msg *msg)
{
	ent_hash proof[ENT_PROOF_MAX];
	char *note = NULL, *cos = NULL, *text = NULL, h[48];
	uint8_t *data = NULL;
	size_t plen, dn, cap, o;
	uint64_t size;
	ent_err ret;

	*out = NULL;
	if ((ret = ent_log_checkpoint(s, node, &note, &size, msg)) ||
	    (ret = ent_log_checkpoint_get(s, 1, &cos, msg)) ||
	    (ret = ent_log_entry(s, index, &data, &dn, msg)) ||
	    (ret = ent_log_prove_inclusion(s, index, size, proof, &plen, msg)))
		goto out;
	cap = sizeof PROOF_HEADER + 8 + 4 * dn / 3 + 8 + 40 + plen * 48 +
	    strlen(cos) + 8;
	text = malloc(cap);
	if (text == NULL) {
		ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
		goto out;
	}
	o = (size_t)snprintf(text, cap, PROOF_HEADER "extra ");
	sodium_bin2base64(text + o, cap - o, data, dn,
	    sodium_base64_VARIANT_ORIGINAL);
	o += strlen(text + o);
	o += (size_t)snprintf(text + o, cap - o, "\nindex %llu\n",
	    (unsigned long long)index);
	for (size_t i = 0; i < plen; i++) {
		b64(h, sizeof h, proof[i].h, 32);
		o += (size_t)snprintf(text + o, cap - o, "%s\n", h);
	}
	snprintf(text + o, cap - o, "\n%s", cos);
	*out = text;
	text = NULL;
out:
	free(note);
	free(cos);
	free(data);
	free(text);
	return ret;
}

ent_err
ent_tlog_proof_verify(const char *text, size_t len, const char *const *keys,
    size_t nkeys, uint64_t *index, uint64_t *size, ent_msg *msg)
{
	const char *p = text, *end = text + len, *note;
	char origin[ENT_NAME_MAX + 1], line[ENT_NOTE_MAX];
	uint8_t extra[ENT_LOG_ENTRY_MAX];
	size_t en = 0, plen = 0, hl = strlen(PROOF_HEADER);
	ent_hash proof[ENT_PROOF_MAX], root, leaf;
	int logsig = 0;
	char *e;
	ent_err ret;

	if (len > ENT_NOTE_MAX * 2 || len < hl || memcmp(p, PROOF_HEADER, hl))
		return ent_fail(msg, ENT_EINVAL, "not a c2sp.org/tlog-proof@v1");
	p += hl;
	*index = UINT64_MAX;
	while (p < end && *p != '\n') {	/* header lines up to the blank */
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ln;
		if (nl == NULL || (ln = (size_t)(nl - p)) >= sizeof line)
			return ent_fail(msg, ENT_EINVAL, "malformed proof");
		memcpy(line, p, ln);
		line[ln] = '\0';
		p = nl + 1;
		if (strncmp(line, "extra ", 6) == 0) {
			if (sodium_base642bin(extra, sizeof extra, line + 6,
			    ln - 6, NULL, &en, NULL,
			    sodium_base64_VARIANT_ORIGINAL) != 0)
				return ent_fail(msg, ENT_EINVAL, "malformed extra");
		} else if (strncmp(line, "index ", 6) == 0) {
			*index = strtoull(line + 6, &e, 10);
			if (*e != '\0')
				return ent_fail(msg, ENT_EINVAL, "malformed index");
		} else {
			size_t n = 0;
			if (*index == UINT64_MAX || plen == ENT_PROOF_MAX ||
			    sodium_base642bin(proof[plen].h, 32, line, ln, NULL,
			    &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
			    n != 32)
				return ent_fail(msg, ENT_EINVAL, "malformed proof "
				    "hash");
			plen++;
		}
	}
	if (p >= end || *index == UINT64_MAX)
		return ent_fail(msg, ENT_EINVAL, "malformed proof: no index or "
		    "no checkpoint");
	note = p + 1;
	/* every key given must vouch: one by signing, the others cosigning */
	for (size_t k = 0; k < nkeys; k++) {
		char name[ENT_NAME_MAX + 1];
		uint8_t pk[32];
		uint64_t sz;
		ent_hash r;
		const char *l;

		if ((ret = ent_vkey_parse(keys[k], name, pk, msg)))
			return ret;
		if (ent_checkpoint_open(note, (size_t)(end - note), keys[k],
		    origin, sizeof origin, &sz, &r, NULL) == ENT_OK) {
			if (strcmp(origin, name) == 0) {
				logsig = 1;
				*size = sz;
				root = r;
			}
			continue;
		}
		for (l = note; l < end; l++) {	/* any line may be theirs */
			const char *nl = memchr(l, '\n', (size_t)(end - l));
			size_t ln = nl ? (size_t)(nl - l) + 1 : (size_t)(end - l);
			char one[512];
			if (ln < sizeof one) {
				memcpy(one, l, ln);
				one[ln] = '\0';
				if (ent_cosign_check(note, (size_t)(end - note),
				    name, pk, one) == 0)
					break;
			}
			l += ln - 1;
		}
		if (l >= end)
			return ent_fail(msg, ENT_ECRYPTO, "%s neither signed nor "
			    "cosigned the checkpoint", name);
	}
	if (!logsig)
		return ent_fail(msg, ENT_ECRYPTO, "no key given signed the "
		    "checkpoint as its log (give the log's key first)");
	ent_tlog_leaf(&leaf, extra, en);
	if (ent_tlog_check_inclusion(*index, *size, &leaf, proof, plen,
	    &root) != 0)
		return ent_fail(msg, ENT_ECRYPTO, "the inclusion proof of entry "
		    "%llu does not verify against the checkpoint's root",
		    (unsigned long long)*index);
	return ENT_OK;
}

ent_err
ent_log_peer_state(ent_store *s, const char *vkey, const uint8_t pk[static 32],
    uint64_t *cosigned, uint64_t *theirs, uint64_t *evidence, ent_msg *msg)
{
	sqlite3_stmt *st = NULL;
	ent_err ret;

	*theirs = *evidence = 0;
	if ((ret = ent_log_cosigned_size(s, vkey, cosigned, msg)))
		return ret;
	if (sqlite3_prepare_v2(store_db(s), "SELECT (SELECT size FROM "
	    "peer_checkpoint WHERE pk = ?1), (SELECT count(*) FROM "
	    "peer_evidence WHERE pk = ?1)", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, msg, "preparing");
	sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*theirs = (uint64_t)sqlite3_column_int64(st, 0);
		*evidence = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return ENT_OK;
}
