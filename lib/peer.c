/*
 * peer.c — policies, verifier keys and addresses (see entente/peer.h).
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "entente/peer.h"
#include "entente/log.h"
#include "store_int.h"

void
ent_policy_default(ent_policy *p)
{
	p->max_set = 10000;
	p->daily_budget = 50000;
	p->min_interval = 60;
	p->modes = ENT_MODE_INTERSECT | ENT_MODE_COUNT;
	p->types = 0;
	for (int t = 1; t < ENT_TYPE_COUNT; t++)
		p->types |= 1u << t;
	p->tlp_max = ENT_TLP_GREEN;
}

static ent_err
parse_u64(const char *key, const char *v, uint64_t max, uint64_t *out,
    ent_msg *msg)
{
	char *end;
	unsigned long long n;

	if (!isdigit((unsigned char)v[0]))
		goto bad;
	n = strtoull(v, &end, 10);
	if (*end != '\0' || n > max)
		goto bad;
	*out = n;
	return ENT_OK;
bad:
	return ent_fail(msg, ENT_EINVAL, "%s=%s: give a whole number from 0 "
	    "to %llu", key, v, (unsigned long long)max);
}

ent_err
ent_policy_set(ent_policy *p, const char *setting, ent_msg *msg)
{
	char key[32], val[256];
	const char *eq = strchr(setting, '=');
	uint64_t n;
	ent_err ret;

	if (eq == NULL || (size_t)(eq - setting) >= sizeof key ||
	    strlen(eq + 1) >= sizeof val)
		return ent_fail(msg, ENT_EINVAL, "'%s': settings are key=value "
		    "(keys: max-set, daily-budget, min-interval, modes, types, "
		    "tlp-max)", setting);
	memcpy(key, setting, (size_t)(eq - setting));
	key[eq - setting] = '\0';
	snprintf(val, sizeof val, "%s", eq + 1);
	if (strcmp(key, "max-set") == 0) {
		if ((ret = parse_u64(key, val, ENT_PSI_SET_MAX, &n, msg)))
			return ret;
		p->max_set = n;
	} else if (strcmp(key, "daily-budget") == 0) {
		if ((ret = parse_u64(key, val, UINT32_MAX, &n, msg)))
			return ret;
		p->daily_budget = n;
	} else if (strcmp(key, "min-interval") == 0) {
		if ((ret = parse_u64(key, val, 86400 * 365, &n, msg)))
			return ret;
		p->min_interval = (uint32_t)n;
	} else if (strcmp(key, "modes") == 0 || strcmp(key, "types") == 0) {
		int modes = key[0] == 'm';
		unsigned bits = 0;
		char *save = NULL;
		for (char *w = strtok_r(val, ",", &save); w != NULL;
		    w = strtok_r(NULL, ",", &save)) {
			ent_type t;
			if (modes && strcasecmp(w, "intersect") == 0)
				bits |= ENT_MODE_INTERSECT;
			else if (modes && strcasecmp(w, "count") == 0)
				bits |= ENT_MODE_COUNT;
			else if (modes && strcasecmp(w, "none") == 0)
				;
			else if (!modes && strcasecmp(w, "all") == 0)
				for (int u = 1; u < ENT_TYPE_COUNT; u++)
					bits |= 1u << u;
			else if (!modes && strcasecmp(w, "none") == 0)
				;
			else if (!modes && ent_type_parse(w, &t, NULL) ==
			    ENT_OK && t != ENT_TYPE_AUTO)
				bits |= 1u << t;
			else
				return ent_fail(msg, ENT_EINVAL, "%s: unknown "
				    "'%s' (%s)", key, w, modes ?
				    "intersect, count, none" : "all, none, or "
				    "type names");
		}
		if (modes)
			p->modes = bits;
		else
			p->types = bits;
	} else if (strcmp(key, "tlp-max") == 0) {
		return ent_tlp_parse(val, &p->tlp_max, msg);
	} else {
		return ent_fail(msg, ENT_EINVAL, "unknown policy key '%s' (keys: "
		    "max-set, daily-budget, min-interval, modes, types, "
		    "tlp-max)", key);
	}
	return ENT_OK;
}

void
ent_policy_format(const ent_policy *p, char *buf, size_t cap)
{
	char types[160] = "", modes[32] = "";
	size_t o = 0;
	int all = 1;

	for (int t = 1; t < ENT_TYPE_COUNT; t++)
		if (!(p->types & (1u << t)))
			all = 0;
	if (all) {
		snprintf(types, sizeof types, "all");
	} else {
		for (int t = 1; t < ENT_TYPE_COUNT; t++)
			if (p->types & (1u << t))
				o += (size_t)snprintf(types + o, sizeof types - o,
				    "%s%s", o ? "," : "", ent_type_name(t));
		if (o == 0)
			snprintf(types, sizeof types, "none");
	}
	snprintf(modes, sizeof modes, "%s%s%s",
	    p->modes & ENT_MODE_INTERSECT ? "intersect" : "",
	    (p->modes & ENT_MODE_INTERSECT) && (p->modes & ENT_MODE_COUNT) ?
	    "," : "", p->modes & ENT_MODE_COUNT ? "count" : "");
	if (modes[0] == '\0')
		snprintf(modes, sizeof modes, "none");
	snprintf(buf, cap, "max-set=%llu\ndaily-budget=%llu\nmin-interval=%u\n"
	    "modes=%s\ntypes=%s\ntlp-max=%s\n",
	    (unsigned long long)p->max_set,
	    (unsigned long long)p->daily_budget, p->min_interval, modes, types,
	    ent_tlp_name(p->tlp_max));
}

ent_err
ent_vkey_parse(const char *vkey, char *name, uint8_t pk[static 32],
    ent_msg *msg)
{
	const char *p1 = strchr(vkey, '+'), *p2;
	uint8_t raw[40];
	size_t rawlen = 0, nn;
	char check[ENT_VKEY_MAX], nm[ENT_NAME_MAX + 1];

	if (p1 == NULL || (p2 = strchr(p1 + 1, '+')) == NULL ||
	    p2 - p1 != 9 || (nn = (size_t)(p1 - vkey)) == 0 ||
	    nn > ENT_NAME_MAX)
		goto bad;
	memcpy(nm, vkey, nn);
	nm[nn] = '\0';
	if (ent_node_name_check(nm, NULL) != ENT_OK)
		goto bad;
	if (sodium_base642bin(raw, sizeof raw, p2 + 1, strlen(p2 + 1), NULL,
	    &rawlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    rawlen != 33 || raw[0] != 0x01)
		goto bad;
	/* the key id must be the one computed from name and key */
	if (ent_vkey_format(nm, raw + 1, check, sizeof check, NULL) != ENT_OK ||
	    strcmp(check, vkey) != 0)
		return ent_fail(msg, ENT_EINVAL, "'%s': the key id does not "
		    "match the name and key (a typo, or a forged key)", vkey);
	memcpy(pk, raw + 1, 32);
	memcpy(name, nm, nn + 1);
	return ENT_OK;
bad:
	return ent_fail(msg, ENT_EINVAL, "'%s' is not a verifier key "
	    "(NAME+hex8+base64, as printed by 'entente id')", vkey);
}

ent_err
ent_addr_check(const char *addr, ent_msg *msg)
{
	const char *colon = strrchr(addr, ':');
	char *end;
	unsigned long port;

	if (strlen(addr) >= ENT_ADDR_MAX || colon == NULL || colon == addr)
		goto bad;
	if (addr[0] == '[' && colon[-1] != ']')
		goto bad;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || port == 0 || port > 65535)
		goto bad;
	return ENT_OK;
bad:
	return ent_fail(msg, ENT_EINVAL, "'%s' is not HOST:PORT", addr);
}

/* --- peers in the store ------------------------------------------------ */

static ent_err
prep(ent_store *s, const char *q, sqlite3_stmt **st, ent_msg *msg)
{
	if (sqlite3_prepare_v2(store_db(s), q, -1, st, NULL) != SQLITE_OK)
		return store_fail(s, msg, "preparing a statement");
	return ENT_OK;
}

/* Steps a statement that returns no row, then finalizes it. */
static ent_err
run(ent_store *s, sqlite3_stmt *st, const char *what, ent_msg *msg)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, msg, what);
	return ENT_OK;
}

/* A peer event: kind, the peer's key, and one more key/value pair. */
static ent_err
peer_event(ent_store *s, const char *kind, const char *vkey, const char *k2,
    const char *v2, ent_msg *msg)
{
	char t[24];
	const char *kv[] = { "time", t, "peer", vkey, k2, v2, NULL };

	snprintf(t, sizeof t, "%lld", (long long)time(NULL));
	if (k2 == NULL)
		kv[4] = NULL;
	return ent_log_event(s, kind, kv, msg);
}

#define PEER_COLUMNS "name, vkey, pk, addr, max_set, daily_budget, " \
	"min_interval, modes, types, tlp_max, added_at, " \
	"coalesce(last_session, 0), " \
	"(SELECT by_us FROM withdrawal w WHERE w.pk = peer.pk), " \
	"(SELECT at FROM withdrawal w WHERE w.pk = peer.pk), " \
	"(SELECT reason FROM withdrawal w WHERE w.pk = peer.pk) FROM peer "

static void
peer_row(sqlite3_stmt *st, ent_peer *p)
{
	const void *pk = sqlite3_column_blob(st, 2);

	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", sqlite3_column_text(st, 0));
	snprintf(p->vkey, sizeof p->vkey, "%s", sqlite3_column_text(st, 1));
	if (pk != NULL && sqlite3_column_bytes(st, 2) == 32)
		memcpy(p->pk, pk, 32);
	snprintf(p->addr, sizeof p->addr, "%s", sqlite3_column_text(st, 3));
	p->policy.max_set = (uint64_t)sqlite3_column_int64(st, 4);
	p->policy.daily_budget = (uint64_t)sqlite3_column_int64(st, 5);
	p->policy.min_interval = (uint32_t)sqlite3_column_int64(st, 6);
	p->policy.modes = (unsigned)sqlite3_column_int(st, 7);
	p->policy.types = (unsigned)sqlite3_column_int(st, 8);
	p->policy.tlp_max = (ent_tlp)sqlite3_column_int(st, 9);
	p->added_at = sqlite3_column_int64(st, 10);
	p->last_session = sqlite3_column_int64(st, 11);
	if (sqlite3_column_type(st, 12) != SQLITE_NULL) {
		p->withdrawn = sqlite3_column_int(st, 12) ? 1 : 2;
		p->withdrawn_at = sqlite3_column_int64(st, 13);
		snprintf(p->reason, sizeof p->reason, "%s",
		    sqlite3_column_text(st, 14));
	}
}

ent_err
ent_peer_add(ent_store *s, const char *name, const char *vkey,
    const char *addr, int force, ent_msg *msg)
{
	char kname[ENT_NAME_MAX + 1];
	uint8_t pk[32];
	sqlite3_stmt *st;
	ent_policy pol;
	ent_peer old;
	ent_err ret;
	int rc;

	if ((ret = ent_node_name_check(name, msg)) ||
	    (ret = ent_vkey_parse(vkey, kname, pk, msg)) ||
	    (ret = ent_addr_check(addr, msg)))
		return ret;
	if (ent_peer_get(s, name, NULL, &old, NULL) == ENT_OK ||
	    ent_peer_get(s, NULL, pk, &old, NULL) == ENT_OK) {
		int same = strcmp(old.name, name) == 0 &&
		    memcmp(old.pk, pk, 32) == 0;
		if (!(force && same && old.withdrawn))
			return ent_fail(msg, ENT_EEXIST, "peer '%s' (key %s) is "
			    "pinned already; 'entente peer remove %s' first",
			    old.name, old.vkey, old.name);
		/* cooperating again with a withdrawn peer, explicitly */
		if ((ret = prep(s, "UPDATE peer SET addr = ?2 WHERE name = ?1",
		    &st, msg)))
			return ret;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
		if ((ret = run(s, st, "updating a peer", msg)) ||
		    (ret = prep(s, "DELETE FROM withdrawal WHERE pk = ?1", &st,
		    msg)))
			return ret;
		sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
		if ((ret = run(s, st, "clearing a withdrawal", msg)))
			return ret;
		return peer_event(s, "peer-readded", vkey, "addr", addr, msg);
	}
	if ((ret = prep(s, "SELECT at, by_us FROM withdrawal WHERE pk = ?1",
	    &st, msg)))
		return ret;
	sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW && !force)
		return ent_fail(msg, ENT_EPERM, "a withdrawal with this key is "
		    "on record; to cooperate again, add it with --force");
	if (rc == SQLITE_ROW) {
		if ((ret = prep(s, "DELETE FROM withdrawal WHERE pk = ?1", &st,
		    msg)))
			return ret;
		sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
		if ((ret = run(s, st, "clearing a withdrawal", msg)))
			return ret;
	}
	ent_policy_default(&pol);
	if ((ret = prep(s, "INSERT INTO peer (name, vkey, pk, addr, max_set, "
	    "daily_budget, min_interval, modes, types, tlp_max, added_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &st, msg)))
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vkey, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, pk, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)pol.max_set);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)pol.daily_budget);
	sqlite3_bind_int64(st, 7, pol.min_interval);
	sqlite3_bind_int(st, 8, (int)pol.modes);
	sqlite3_bind_int(st, 9, (int)pol.types);
	sqlite3_bind_int(st, 10, (int)pol.tlp_max);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)time(NULL));
	if ((ret = run(s, st, "adding a peer", msg)))
		return ret;
	return peer_event(s, "peer-added", vkey, "addr", addr, msg);
}

ent_err
ent_peer_remove(ent_store *s, const char *name, ent_msg *msg)
{
	sqlite3_stmt *st;
	ent_peer p;
	ent_err ret;

	if ((ret = ent_peer_get(s, name, NULL, &p, msg)))
		return ret;
	if ((ret = prep(s, "DELETE FROM peer WHERE name = ?1", &st, msg)))
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((ret = run(s, st, "removing a peer", msg)))
		return ret;
	return peer_event(s, "peer-removed", p.vkey, NULL, NULL, msg);
}

ent_err
ent_peer_get(ent_store *s, const char *name, const uint8_t *pk,
    ent_peer *out, ent_msg *msg)
{
	sqlite3_stmt *st;
	ent_err ret;
	int rc;

	if ((ret = prep(s, name ? "SELECT " PEER_COLUMNS "WHERE name = ?1" :
	    "SELECT " PEER_COLUMNS "WHERE pk = ?1", &st, msg)))
		return ret;
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		peer_row(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return ENT_OK;
	if (rc != SQLITE_DONE)
		return store_fail(s, msg, "finding a peer");
	return ent_fail(msg, ENT_ENOENT, name ? "no peer named '%s' (see "
	    "'entente peer list')" : "%sno peer has this key", name ? name : "");
}

ent_err
ent_peer_each(ent_store *s, int (*fn)(const ent_peer *, void *), void *ctx,
    ent_msg *msg)
{
	sqlite3_stmt *st;
	ent_peer p;
	ent_err ret;
	int rc;

	if ((ret = prep(s, "SELECT " PEER_COLUMNS "ORDER BY name", &st, msg)))
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		peer_row(st, &p);
		if (fn(&p, ctx) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, msg, "listing peers");
	return ENT_OK;
}

ent_err
ent_peer_set_policy(ent_store *s, const char *name, const ent_policy *p,
    ent_msg *msg)
{
	sqlite3_stmt *st;
	ent_err ret;

	if ((ret = prep(s, "UPDATE peer SET max_set = ?2, daily_budget = ?3, "
	    "min_interval = ?4, modes = ?5, types = ?6, tlp_max = ?7 "
	    "WHERE name = ?1", &st, msg)))
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)p->max_set);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)p->daily_budget);
	sqlite3_bind_int64(st, 4, p->min_interval);
	sqlite3_bind_int(st, 5, (int)p->modes);
	sqlite3_bind_int(st, 6, (int)p->types);
	sqlite3_bind_int(st, 7, (int)p->tlp_max);
	ent_peer cur;
	char text[512];

	if ((ret = run(s, st, "setting a policy", msg)))
		return ret;
	if ((ret = ent_peer_get(s, name, NULL, &cur, msg)))
		return ret;
	ent_policy_format(p, text, sizeof text);
	return peer_event(s, "policy-changed", cur.vkey, "policy", text, msg);
}

ent_err
ent_peer_withdraw(ent_store *s, const ent_peer *peer, int by_us, int64_t at,
    const char *reason, const uint8_t *sig, size_t siglen, ent_msg *msg)
{
	sqlite3_stmt *st;
	ent_err ret;

	if ((ret = prep(s, "INSERT OR REPLACE INTO withdrawal (pk, peer, by_us, "
	    "at, reason, signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st, msg)))
		return ret;
	sqlite3_bind_blob(st, 1, peer->pk, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, peer->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, by_us != 0);
	sqlite3_bind_int64(st, 4, at);
	sqlite3_bind_text(st, 5, reason ? reason : "", -1, SQLITE_STATIC);
	if (sig != NULL)
		sqlite3_bind_blob(st, 6, sig, (int)siglen, SQLITE_STATIC);
	if ((ret = run(s, st, "recording a withdrawal", msg)))
		return ret;
	{
		char t[24], hex[129] = "";
		const char *kv[] = { "time", t, "peer", peer->vkey, "reason",
		    reason ? reason : "", "signature", hex, NULL };
		snprintf(t, sizeof t, "%lld", (long long)at);
		if (sig != NULL && siglen == 64)
			sodium_bin2hex(hex, sizeof hex, sig, 64);
		return ent_log_event(s, by_us ? "withdrawal-sent" :
		    "withdrawal-received", kv, msg);
	}
}

ent_err
ent_peer_admit(ent_store *s, const ent_peer *peer, ent_psi_mode mode,
    uint64_t n, int64_t now, ent_msg *msg)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	ent_peer cur;
	uint64_t used = 0;
	int64_t day = now / 86400, since;
	ent_err ret;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, msg, "starting a transaction");
	/* the policy as stored now, not as the caller read it earlier */
	if ((ret = ent_peer_get(s, peer->name, NULL, &cur, msg)))
		goto out;
	if (cur.withdrawn) {
		ret = ent_fail(msg, ENT_EPERM, "cooperation was withdrawn (%s)",
		    cur.withdrawn == 1 ? "by us" : "by you");
		goto out;
	}
	if (!(cur.policy.modes & (1u << mode))) {
		ret = ent_fail(msg, ENT_EPERM, "policy: %s mode is not allowed",
		    mode == ENT_PSI_COUNT ? "count" : "intersect");
		goto out;
	}
	if (n > cur.policy.max_set) {
		ret = ent_fail(msg, ENT_EPERM, "policy: a set of %llu is over "
		    "max-set %llu", (unsigned long long)n,
		    (unsigned long long)cur.policy.max_set);
		goto out;
	}
	/* a session at once with this one may have recorded a later time
	 * than the now it was given: that is no time since it, not less */
	since = now > cur.last_session ? now - cur.last_session : 0;
	if (cur.last_session && since < (int64_t)cur.policy.min_interval) {
		ret = ent_fail(msg, ENT_EPERM, "policy: min-interval is %u s; "
		    "try again in %lld s", cur.policy.min_interval,
		    (long long)(cur.policy.min_interval - since));
		goto out;
	}
	if ((ret = prep(s, "SELECT used FROM budget WHERE pk = ?1 AND day = ?2",
	    &st, msg)))
		goto out;
	sqlite3_bind_blob(st, 1, cur.pk, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	if (sqlite3_step(st) == SQLITE_ROW)
		used = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (used + n > cur.policy.daily_budget) {
		ret = ent_fail(msg, ENT_EPERM, "policy: daily-budget %llu; %llu "
		    "used today, %llu asked", (unsigned long long)
		    cur.policy.daily_budget, (unsigned long long)used,
		    (unsigned long long)n);
		goto out;
	}
	if ((ret = prep(s, "INSERT INTO budget (pk, day, used) VALUES "
	    "(?1, ?2, ?3) ON CONFLICT (pk, day) DO UPDATE SET used = used + ?3",
	    &st, msg)))
		goto out;
	sqlite3_bind_blob(st, 1, cur.pk, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)n);
	if ((ret = run(s, st, "charging the budget", msg)))
		goto out;
	if ((ret = prep(s, "UPDATE peer SET last_session = ?2 WHERE name = ?1",
	    &st, msg)))
		goto out;
	sqlite3_bind_text(st, 1, cur.name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	ret = run(s, st, "recording the session time", msg);
out:
	if (ret == ENT_OK &&
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		ret = store_fail(s, msg, "committing");
	if (ret != ENT_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

ent_err
ent_session_record(ent_store *s, const ent_peer *peer, const char *role,
    ent_psi_mode mode, const char *outcome, uint64_t ours, uint64_t theirs,
    uint64_t matches, const uint8_t *transcript, const char *reason,
    ent_msg *msg)
{
	char kind[32], t[24], o[24], th[24], m[24], hex[65] = "";
	const char *kv[24];
	size_t k = 0;

	snprintf(kind, sizeof kind, "session-%s", outcome);
	snprintf(t, sizeof t, "%lld", (long long)time(NULL));
	snprintf(o, sizeof o, "%llu", (unsigned long long)ours);
	snprintf(th, sizeof th, "%llu", (unsigned long long)theirs);
	snprintf(m, sizeof m, "%llu", (unsigned long long)matches);
	if (transcript != NULL)
		sodium_bin2hex(hex, sizeof hex, transcript, 32);
	kv[k++] = "time"; kv[k++] = t;
	kv[k++] = "peer"; kv[k++] = peer->vkey;
	kv[k++] = "role"; kv[k++] = role;
	kv[k++] = "mode"; kv[k++] = mode == ENT_PSI_COUNT ? "count" :
	    "intersect";
	kv[k++] = "ours"; kv[k++] = o;
	kv[k++] = "theirs"; kv[k++] = th;
	if (strcmp(role, "initiator") == 0) {
		kv[k++] = "matches";
		kv[k++] = m;
	}
	if (hex[0]) {
		kv[k++] = "transcript";
		kv[k++] = hex;
	}
	if (strcmp(outcome, "aborted") == 0) {
		/* who ended it: the peer (its ABORT or REFUSE frame) or us */
		kv[k++] = "by";
		kv[k++] = reason && (strstr(reason, " aborted: ") ||
		    strstr(reason, " refused: ")) ? "peer" : "us";
	}
	if (reason != NULL && reason[0]) {
		kv[k++] = "reason";
		kv[k++] = reason;
	}
	kv[k] = NULL;
	return ent_log_event(s, kind, kv, msg);
}

ent_err
ent_match_set(ent_store *s, unsigned types, ent_tlp tlp_max,
    ent_psi_item **items, size_t *n, char **arena, ent_msg *msg)
{
	sqlite3_stmt *st;
	size_t cap = 1024, acap = 65536, used = 0, k = 0;
	ent_psi_item *it = malloc(cap * sizeof *it);
	char *ar = malloc(acap);
	size_t *off = malloc(cap * sizeof *off);
	ent_err ret;
	int rc;

	*items = NULL;
	*arena = NULL;
	*n = 0;
	if (it == NULL || ar == NULL || off == NULL) {
		ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
		goto fail;
	}
	if ((ret = prep(s, "SELECT type, value FROM indicator WHERE "
	    STORE_ACTIVE("?1") " AND tlp <= ?2", &st,
	    msg)))
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_int(st, 2, (int)tlp_max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int t = sqlite3_column_int(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		const char *v = (const char *)sqlite3_column_text(st, 1);

		if (t <= 0 || t >= ENT_TYPE_COUNT || !(types & (1u << t)) ||
		    v == NULL)
			continue;
		if (k == ENT_PSI_SET_MAX) {
			sqlite3_finalize(st);
			ret = ent_fail(msg, ENT_ELIMIT, "more than %u indicators "
			    "to match; narrow with --type or --tlp-max",
			    ENT_PSI_SET_MAX);
			goto fail;
		}
		if (k == cap) {
			ent_psi_item *a = realloc(it, 2 * cap * sizeof *it);
			size_t *b = NULL;
			if (a != NULL) {
				it = a;
				b = realloc(off, 2 * cap * sizeof *off);
			}
			if (b == NULL)
				goto nomem;
			off = b;
			cap *= 2;
		}
		if (used + len > acap) {
			char *c = realloc(ar, 2 * acap + len);
			if (c == NULL)
				goto nomem;
			ar = c;
			acap = 2 * acap + len;
		}
		memcpy(ar + used, v, len);
		off[k] = used;
		it[k].type = (ent_type)t;
		it[k].len = len;
		used += len;
		k++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ret = store_fail(s, msg, "reading the match set");
		goto fail;
	}
	for (size_t i = 0; i < k; i++)	/* the arena has stopped moving */
		it[i].value = ar + off[i];
	free(off);
	*items = it;
	*arena = ar;
	*n = k;
	return ENT_OK;
nomem:
	sqlite3_finalize(st);
	ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
fail:
	free(it);
	free(ar);
	free(off);
	return ret;
}

ent_err
ent_corroborate(ent_store *s, const char *peer, ent_type type,
    const char *value, int64_t at, ent_msg *msg)
{
	sqlite3_stmt *st;
	ent_err ret;

	store_touch(s);
	if ((ret = prep(s, "INSERT INTO corroboration (type, value, peer, "
	    "first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT "
	    "(type, value, peer) DO UPDATE SET last_seen = ?4", &st, msg)))
		return ret;
	sqlite3_bind_int(st, 1, (int)type);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, at);
	return run(s, st, "recording a corroboration", msg);
}

ent_err
ent_corroborations(ent_store *s, const char *peer,
    int (*fn)(const ent_corroboration *, void *), void *ctx, ent_msg *msg)
{
	sqlite3_stmt *st;
	ent_err ret;
	int rc;

	if ((ret = prep(s, "SELECT type, value, peer, first_seen, last_seen "
	    "FROM corroboration WHERE ?1 IS NULL OR peer = ?1 "
	    "ORDER BY peer, type, value", &st, msg)))
		return ret;
	if (peer != NULL)
		sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ent_corroboration c;
		int t = sqlite3_column_int(st, 0);
		if (t <= 0 || t >= ENT_TYPE_COUNT)
			continue;
		c.type = (ent_type)t;
		c.value = (const char *)sqlite3_column_text(st, 1);
		c.peer = (const char *)sqlite3_column_text(st, 2);
		c.first_seen = sqlite3_column_int64(st, 3);
		c.last_seen = sqlite3_column_int64(st, 4);
		if (fn(&c, ctx) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, msg, "reading corroborations");
	return ENT_OK;
}
