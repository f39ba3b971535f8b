/*
 * warninglist.c — MISP warninglists in the store, compiled for look-ups
 * (see include/entente/warninglist.h).
 *
 * A list is stored as its entries joined by newlines. Compiled, addresses
 * and networks become sorted (prefix length, network) arrays searched once
 * per prefix length a list uses; exact strings and host names sorted
 * arrays searched by bsearch; substrings and regular expressions are tried
 * one by one (MISP's lists of those kinds are short).
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entente/warninglist.h"
#include "store_int.h"

static const char *const kind_names[ENT_WL_KIND_COUNT] = {
	"cidr", "string", "hostname", "substring", "regex",
};

const char *
ent_wl_kind_name(ent_wl_kind k)
{
	return (unsigned)k < ENT_WL_KIND_COUNT ? kind_names[k] : NULL;
}

static int
kind_parse(const char *s, ent_wl_kind *k)
{
	for (int i = 0; i < ENT_WL_KIND_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*k = (ent_wl_kind)i;
			return 0;
		}
	return -1;
}

static int
name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > ENT_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(name[i] == '.' || name[i] == '_' || name[i] == '-' ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    ((name[i] | 0x20) >= 'a' && (name[i] | 0x20) <= 'z')))
			return 0;
	return 1;
}

ent_err
ent_warninglist_put(ent_store *s, const char *name, const char *text,
    size_t len, int builtin, size_t *entries, ent_msg *msg)
{
	json_error_t jerr;
	json_t *doc, *list, *v;
	const char *type, *desc;
	ent_wl_kind kind;
	char *joined = NULL;
	size_t n = 0, used = 0, i;
	sqlite3_stmt *st;
	ent_err ret;

	if (!name_ok(name))
		return ent_fail(msg, ENT_EINVAL, "warninglist name '%s': use 1 "
		    "to %d letters, digits, '.', '_' or '-'", name,
		    ENT_NAME_MAX);
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		return ent_fail(msg, ENT_EINVAL, "line %d, column %d: %s",
		    jerr.line, jerr.column, jerr.text);
	list = json_object_get(doc, "list");
	type = json_string_value(json_object_get(doc, "type"));
	desc = json_string_value(json_object_get(doc, "name"));
	if (!json_is_array(list) || type == NULL) {
		ret = ent_fail(msg, ENT_EINVAL, "not a MISP warninglist (no "
		    "\"type\" and \"list\")");
		goto out;
	}
	if (kind_parse(type, &kind) != 0) {
		ret = ent_fail(msg, ENT_EINVAL, "warninglist type '%s' is not "
		    "one of cidr, string, hostname, substring, regex", type);
		goto out;
	}
	json_array_foreach(list, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    memchr(json_string_value(v), '\n', json_string_length(v)))
			continue;
		used += json_string_length(v) + 1;
	}
	joined = malloc(used + 1);
	if (joined == NULL) {
		ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
		goto out;
	}
	used = 0;
	json_array_foreach(list, i, v) {
		size_t l = json_string_length(v);
		if (!json_is_string(v) || l == 0 ||
		    memchr(json_string_value(v), '\n', l))
			continue;
		memcpy(joined + used, json_string_value(v), l);
		used += l;
		joined[used++] = '\n';
		n++;
	}
	joined[used] = '\0';
	st = store_stmt(s, STORE_SLOT_WL, "INSERT OR REPLACE INTO warninglist "
	    "(name, kind, description, entries, builtin) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)");
	if (st == NULL) {
		ret = store_fail(s, msg, "storing a warninglist");
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind_names[kind], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, desc ? desc : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, joined, (int)used, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, builtin != 0);
	ret = sqlite3_step(st) == SQLITE_DONE ? ENT_OK :
	    store_fail(s, msg, "storing a warninglist");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (entries != NULL)
		*entries = n;
out:
	free(joined);
	json_decref(doc);
	return ret;
}

ent_err
ent_warninglist_remove(ent_store *s, const char *name, int *found,
    ent_msg *msg)
{
	sqlite3_stmt *st = store_stmt(s, STORE_SLOT_WL + 1,
	    "DELETE FROM warninglist WHERE name = ?1");

	if (st == NULL)
		return store_fail(s, msg, "removing a warninglist");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return store_fail(s, msg, "removing a warninglist");
	}
	*found = sqlite3_changes(store_db(s)) > 0;
	sqlite3_reset(st);
	return ENT_OK;
}

static size_t
count_lines(const char *e)
{
	size_t n = 0;

	for (; *e; e++)
		n += *e == '\n';
	return n;
}

ent_err
ent_warninglist_each(ent_store *s, int (*fn)(const ent_wl_info *, void *),
    void *ctx, ent_msg *msg)
{
	sqlite3_stmt *st = store_stmt(s, STORE_SLOT_WL + 2, "SELECT name, "
	    "kind, description, entries, builtin FROM warninglist "
	    "ORDER BY name");
	int rc;

	if (st == NULL)
		return store_fail(s, msg, "reading warninglists");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ent_wl_info info;
		if (kind_parse((const char *)sqlite3_column_text(st, 1),
		    &info.kind) != 0)
			continue;
		info.name = (const char *)sqlite3_column_text(st, 0);
		info.description = (const char *)sqlite3_column_text(st, 2);
		info.entries = count_lines(
		    (const char *)sqlite3_column_text(st, 3));
		info.builtin = sqlite3_column_int(st, 4);
		if (fn(&info, ctx) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, msg, "reading warninglists");
	return ENT_OK;
}

/* The shipped lists, linked in by lib/builtin_lists.S. */
#define BUILTIN(n) \
	extern const char ent_wl_##n[]; extern const char ent_wl_##n##_end[];
BUILTIN(empty_hashes) BUILTIN(google) BUILTIN(multicast)
BUILTIN(public_dns_v4) BUILTIN(public_dns_v6) BUILTIN(rfc1918)
BUILTIN(rfc5735) BUILTIN(rfc6598)
#undef BUILTIN

ent_err
ent_warninglist_install_builtin(ent_store *s, ent_msg *msg)
{
#define B(n, var) { n, ent_wl_##var, ent_wl_##var##_end }
	static const struct {
		const char *name, *start, *end;
	} lists[] = {
		B("empty-hashes", empty_hashes), B("google", google),
		B("multicast", multicast), B("public-dns-v4", public_dns_v4),
		B("public-dns-v6", public_dns_v6), B("rfc1918", rfc1918),
		B("rfc5735", rfc5735), B("rfc6598", rfc6598),
	};
#undef B
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		ent_msg m;
		ent_err ret = ent_warninglist_put(s, lists[i].name,
		    lists[i].start, (size_t)(lists[i].end - lists[i].start), 1,
		    NULL, &m);
		if (ret != ENT_OK)
			return ent_fail(msg, ret, "built-in warninglist %s: %s",
			    lists[i].name, m.text);
	}
	return ENT_OK;
}

/* --- compiled lists ---------------------------------------------------- */

typedef struct net {
	uint8_t a[16];          /* network address (IPv4: first 4 bytes) */
	uint8_t plen;
	uint16_t list;
} net;

typedef struct str {
	const char *s;
	uint16_t list;
} str;

typedef struct strs {
	str *v;
	size_t n, cap;
} strs;

struct ent_warninglists {
	char **names;
	size_t nlists;
	char **texts;           /* the entries of each list, owned */
	net *nets[2];           /* [0] IPv4, [1] IPv6; sorted */
	size_t nnets[2], capnets[2];
	uint8_t plens[2][129];  /* prefix lengths in use */
	strs exact, hosts, subs;
	regex_t *re;
	uint16_t *re_list;
	size_t nre;
};

static int
strs_add(strs *a, const char *s, uint16_t list)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		str *v = realloc(a->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n].s = s;
	a->v[a->n].list = list;
	a->n++;
	return 0;
}

static int
cmp_str(const void *pa, const void *pb)
{
	return strcmp(((const str *)pa)->s, ((const str *)pb)->s);
}

static int
cmp_net(const void *pa, const void *pb)
{
	const net *a = pa, *b = pb;

	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return memcmp(a->a, b->a, 16);
}

static void
mask(uint8_t a[16], unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen > 8 * i ? plen - 8 * i : 0;
		if (bits < 8)
			a[i] &= (uint8_t)(0xff00u >> bits);
	}
}

/* Parses "addr" or "addr/plen" into n; family index in *fam. */
static int
parse_net(const char *e, net *n, int *fam)
{
	char buf[64];
	const char *slash = strchr(e, '/');
	size_t al = slash ? (size_t)(slash - e) : strlen(e);
	unsigned long plen;
	char *end;

	if (al >= sizeof buf)
		return -1;
	memcpy(buf, e, al);
	buf[al] = '\0';
	memset(n->a, 0, 16);
	if (inet_pton(AF_INET, buf, n->a) == 1)
		*fam = 0;
	else if (inet_pton(AF_INET6, buf, n->a) == 1)
		*fam = 1;
	else
		return -1;
	plen = *fam ? 128 : 32;
	if (slash != NULL) {
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || p > plen)
			return -1;
		plen = p;
	}
	n->plen = (uint8_t)plen;
	mask(n->a, plen);
	return 0;
}

static void
lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

/* Whether glibc's regcomp can compile e in bounded memory: it copies the
 * tree under each '+' and {m,n} (so "a+++…" doubles it per '+'). The
 * product of every such factor, counted as if all were nested, bounds the
 * copies; a pattern over the bounds is skipped like a non-POSIX one. */
static int
regex_tame(const char *e)
{
	uint64_t copies = 1;

	if (strlen(e) > 512)
		return 0;
	for (const char *p = e; *p; p++) {
		uint64_t f = 1;
		if (*p == '+')
			f = 2;
		else if (*p == '{') {	/* {m}, {m,} or {m,n} */
			char *end;
			unsigned long a = strtoul(p + 1, &end, 10), b = a;
			if (*end == ',' && end[1] >= '0' && end[1] <= '9')
				b = strtoul(end + 1, NULL, 10);
			f = (a > b ? a : b) + 1;
		}
		if (f > 256 || (copies *= f) > 256)
			return 0;
	}
	return 1;
}

static int
add_entry(ent_warninglists *wl, ent_wl_kind kind, char *e, uint16_t list)
{
	net n;
	int fam;

	switch (kind) {
	case ENT_WL_CIDR:
		if (parse_net(e, &n, &fam) != 0)
			return 0;	/* not an address: skipped */
		if (wl->nnets[fam] == wl->capnets[fam]) {
			size_t cap = wl->capnets[fam] ? wl->capnets[fam] * 2 :
			    64;
			net *v = realloc(wl->nets[fam], cap * sizeof *v);
			if (v == NULL)
				return -1;
			wl->nets[fam] = v;
			wl->capnets[fam] = cap;
		}
		n.list = list;
		wl->nets[fam][wl->nnets[fam]++] = n;
		wl->plens[fam][n.plen] = 1;
		return 0;
	case ENT_WL_STRING:
		lower(e);
		if (e[0] == '.')
			return strs_add(&wl->hosts, e + 1, list);
		return strs_add(&wl->exact, e, list);
	case ENT_WL_HOSTNAME:
		lower(e);
		while (*e == '.')
			e++;
		return *e ? strs_add(&wl->hosts, e, list) : 0;
	case ENT_WL_SUBSTRING:
		return strs_add(&wl->subs, e, list);
	case ENT_WL_REGEX: {
		size_t l = strlen(e);
		regex_t *re;
		uint16_t *rl;
		/* MISP writes some as /pattern/flags */
		if (l >= 2 && e[0] == '/' && strrchr(e + 1, '/') != NULL) {
			*strrchr(e + 1, '/') = '\0';
			e++;
		}
		re = realloc(wl->re, (wl->nre + 1) * sizeof *re);
		if (re == NULL)
			return -1;
		wl->re = re;
		rl = realloc(wl->re_list, (wl->nre + 1) * sizeof *rl);
		if (rl == NULL)
			return -1;
		wl->re_list = rl;
		if (!regex_tame(e) || regcomp(&wl->re[wl->nre], e,
		    REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
			return 0;	/* not POSIX, or too costly: skipped */
		wl->re_list[wl->nre++] = list;
		return 0;
	}
	default:
		return 0;
	}
}

void
ent_warninglists_free(ent_warninglists *wl)
{
	if (wl == NULL)
		return;
	for (size_t i = 0; i < wl->nlists; i++) {
		free(wl->names[i]);
		free(wl->texts[i]);
	}
	for (size_t i = 0; i < wl->nre; i++)
		regfree(&wl->re[i]);
	free(wl->names);
	free(wl->texts);
	free(wl->nets[0]);
	free(wl->nets[1]);
	free(wl->exact.v);
	free(wl->hosts.v);
	free(wl->subs.v);
	free(wl->re);
	free(wl->re_list);
	free(wl);
}

ent_err
ent_warninglists_load(ent_store *s, ent_warninglists **out, ent_msg *msg)
{
	sqlite3_stmt *st = store_stmt(s, STORE_SLOT_WL + 3, "SELECT name, "
	    "kind, entries FROM warninglist ORDER BY builtin DESC, name");
	ent_warninglists *wl = calloc(1, sizeof *wl);
	int rc;

	*out = NULL;
	if (wl == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	if (st == NULL) {
		ent_warninglists_free(wl);
		return store_fail(s, msg, "reading warninglists");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ent_wl_kind kind;
		char **nm, **tx, *e, *nl;
		uint16_t id = (uint16_t)wl->nlists;

		if (wl->nlists == UINT16_MAX)
			break;
		if (kind_parse((const char *)sqlite3_column_text(st, 1),
		    &kind) != 0)
			continue;
		nm = realloc(wl->names, (wl->nlists + 1) * sizeof *nm);
		if (nm != NULL)
			wl->names = nm;
		tx = realloc(wl->texts, (wl->nlists + 1) * sizeof *tx);
		if (tx != NULL)
			wl->texts = tx;
		if (nm == NULL || tx == NULL)
			goto nomem;
		wl->names[id] = strdup((const char *)sqlite3_column_text(st, 0));
		wl->texts[id] = strdup((const char *)sqlite3_column_text(st, 2));
		wl->nlists++;
		if (wl->names[id] == NULL || wl->texts[id] == NULL)
			goto nomem;
		for (e = wl->texts[id]; *e; e = nl + 1) {
			nl = strchr(e, '\n');
			if (nl == NULL)
				break;
			*nl = '\0';
			if (add_entry(wl, kind, e, id) != 0)
				goto nomem;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ent_warninglists_free(wl);
		return store_fail(s, msg, "reading warninglists");
	}
	for (int f = 0; f < 2; f++)
		if (wl->nnets[f])
			qsort(wl->nets[f], wl->nnets[f], sizeof(net), cmp_net);
	if (wl->exact.n)
		qsort(wl->exact.v, wl->exact.n, sizeof(str), cmp_str);
	if (wl->hosts.n)
		qsort(wl->hosts.v, wl->hosts.n, sizeof(str), cmp_str);
	*out = wl;
	return ENT_OK;
nomem:
	sqlite3_reset(st);
	ent_warninglists_free(wl);
	return ent_fail(msg, ENT_ENOMEM, "out of memory");
}

static const str *
find(const strs *a, const char *s)
{
	str key = { s, 0 };

	if (a->n == 0)
		return NULL;
	return bsearch(&key, a->v, a->n, sizeof key, cmp_str);
}

/* A list whose network contains the address or network n (family fam). */
static const char *
net_hit(const ent_warninglists *wl, int fam, const net *n)
{
	for (unsigned p = 0; p <= n->plen; p++) {
		net key;
		const net *hit;
		if (!wl->plens[fam][p])
			continue;
		key = *n;
		key.plen = (uint8_t)p;
		mask(key.a, p);
		hit = bsearch(&key, wl->nets[fam], wl->nnets[fam], sizeof key,
		    cmp_net);
		if (hit != NULL)
			return wl->names[hit->list];
	}
	return NULL;
}

/* A list holding the host name h or a name above it. */
static const char *
host_hit(const ent_warninglists *wl, const char *h, size_t len)
{
	char buf[ENT_DOMAIN_MAX + 1];
	const char *p;

	if (wl->hosts.n == 0 || len == 0 || len > ENT_DOMAIN_MAX)
		return NULL;
	memcpy(buf, h, len);
	buf[len] = '\0';
	lower(buf);
	for (p = buf; p != NULL; p = strchr(p, '.') ? strchr(p, '.') + 1 :
	    NULL) {
		const str *hit = find(&wl->hosts, p);
		if (hit != NULL)
			return wl->names[hit->list];
	}
	return NULL;
}

const char *
ent_warninglists_hit(const ent_warninglists *wl, const ent_indicator *ind)
{
	const str *hit;
	const char *v = ind->value, *name;
	net n;
	int fam;

	if (wl == NULL)
		return NULL;
	if ((hit = find(&wl->exact, v)) != NULL)
		return wl->names[hit->list];
	switch (ind->type) {
	case ENT_TYPE_IPV4: case ENT_TYPE_IPV6:
	case ENT_TYPE_IPV4_NET: case ENT_TYPE_IPV6_NET:
		if (parse_net(v, &n, &fam) == 0 &&
		    (name = net_hit(wl, fam, &n)) != NULL)
			return name;
		break;
	case ENT_TYPE_DOMAIN:
		if ((name = host_hit(wl, v, ind->len)) != NULL)
			return name;
		break;
	case ENT_TYPE_EMAIL: {
		const char *at = strrchr(v, '@');
		if (at != NULL && (name = host_hit(wl, at + 1,
		    strlen(at + 1))) != NULL)
			return name;
		break;
	}
	case ENT_TYPE_URL: {
		/* canonical: scheme://[user@]host[:port]/... */
		const char *h = strstr(v, "://"), *e, *at;
		if (h == NULL)
			break;
		h += 3;
		e = h + strcspn(h, "/?#");
		at = memchr(h, '@', (size_t)(e - h));
		if (at != NULL)
			h = at + 1;
		if (*h != '[') {
			const char *colon = memchr(h, ':', (size_t)(e - h));
			if (colon != NULL)
				e = colon;
		}
		if ((name = host_hit(wl, h, (size_t)(e - h))) != NULL)
			return name;
		break;
	}
	default:
		break;
	}
	for (size_t i = 0; i < wl->subs.n; i++)
		if (strstr(v, wl->subs.v[i].s) != NULL)
			return wl->names[wl->subs.v[i].list];
	for (size_t i = 0; i < wl->nre; i++)
		if (regexec(&wl->re[i], v, 0, NULL, 0) == 0)
			return wl->names[wl->re_list[i]];
	return NULL;
}

typedef struct change {
	int type;
	char *value;
	const char *list;       /* a name in wl, or NULL: released */
} change;

ent_err
ent_warninglists_apply(ent_store *s, const ent_warninglists *wl,
    int allow, uint64_t *flagged, ent_msg *msg)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *q = NULL, *u = NULL;
	change *ch = NULL;
	size_t n = 0, cap = 0;
	ent_err ret = ENT_OK;
	int rc;

	/* the changes are found first and made after the scan */
	*flagged = 0;
	if (sqlite3_prepare_v2(db, "SELECT type, value, warninglist FROM "
	    "indicator", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE indicator SET warninglist = ?3, "
	    "held = CASE WHEN ?3 IS NULL THEN 0 WHEN warninglist IS NULL "
	    "THEN ?4 ELSE held END WHERE type = ?1 AND value = ?2", -1, &u,
	    NULL) != SQLITE_OK) {
		ret = store_fail(s, msg, "flagging indicators");
		goto out;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		ent_indicator ind;
		const char *was = (const char *)sqlite3_column_text(q, 2);
		const char *now;
		int t = sqlite3_column_int(q, 0);
		size_t len = (size_t)sqlite3_column_bytes(q, 1);

		if (t <= ENT_TYPE_AUTO || t >= ENT_TYPE_COUNT ||
		    len > ENT_VALUE_MAX)
			continue;
		ind.type = (ent_type)t;
		ind.len = len;
		memcpy(ind.value, sqlite3_column_text(q, 1), len);
		ind.value[len] = '\0';
		now = ent_warninglists_hit(wl, &ind);
		*flagged += now != NULL;
		if (now == NULL ? was == NULL : was != NULL &&
		    strcmp(now, was) == 0)
			continue;
		if (n == cap) {
			change *c = realloc(ch, (cap = cap ? cap * 2 : 64) *
			    sizeof *c);
			if (c == NULL)
				goto nomem;
			ch = c;
		}
		ch[n].type = t;
		ch[n].list = now;
		if ((ch[n].value = strdup(ind.value)) == NULL)
			goto nomem;
		n++;
	}
	if (rc != SQLITE_DONE) {
		ret = store_fail(s, msg, "flagging indicators");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(u);
		sqlite3_bind_int(u, 1, ch[i].type);
		sqlite3_bind_text(u, 2, ch[i].value, -1, SQLITE_STATIC);
		if (ch[i].list != NULL)
			sqlite3_bind_text(u, 3, ch[i].list, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(u, 3);
		sqlite3_bind_int(u, 4, !allow);
		if (sqlite3_step(u) != SQLITE_DONE) {
			ret = store_fail(s, msg, "flagging an indicator");
			goto out;
		}
		store_touch(s);
	}
	goto out;
nomem:
	ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
out:
	for (size_t i = 0; i < n; i++)
		free(ch[i].value);
	free(ch);
	sqlite3_finalize(q);
	sqlite3_finalize(u);
	return ret;
}
