/*
 * test_store.c — the store and the import path: round trips, merges,
 * containment checks, revocation, transactions, and the GRIZZLY STEPPE CSV.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "entente/import.h"
#include "entente/node.h"
#include "entente/peer.h"
#include "entente/store.h"
#include "tap.h"

static char dir[] = "/tmp/entente-test-XXXXXX";

static ent_store *
open_fresh(const char *name)
{
	char path[256];
	ent_store *s = NULL;
	ent_msg msg;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (ent_store_open(&s, path, 1, &msg) != ENT_OK)
		printf("# %s\n", msg.text);
	return s;
}

static ent_meta
meta(const char *source, ent_tlp tlp)
{
	ent_meta m = { .source = source, .tlp = tlp, .confidence = -1 };
	return m;
}

static int
put(ent_store *s, const char *v, ent_meta m, int *added)
{
	ent_indicator ind;
	ent_msg msg;

	if (ent_indicator_parse(&ind, v, strlen(v), ENT_TYPE_AUTO, &msg) !=
	    ENT_OK) {
		printf("# %s\n", msg.text);
		return -1;
	}
	return ent_store_put(s, &ind, &m, added, &msg) == ENT_OK ? 0 : -1;
}

typedef struct seen {
	char values[16][128];
	ent_record last;
	char sources[256];
	int n;
} seen;

static int
collect(const ent_record *r, void *ctx)
{
	seen *s = ctx;

	if (s->n < 16)
		snprintf(s->values[s->n], sizeof s->values[0], "%s %s",
		    ent_type_name(r->type), r->value);
	s->n++;
	s->last = *r;
	snprintf(s->sources, sizeof s->sources, "%s", r->sources);
	return 0;
}

static int
held(ent_store *s, const char *v, seen *out)
{
	ent_indicator ind;
	int h = -1;

	memset(out, 0, sizeof *out);
	if (ent_indicator_parse(&ind, v, strlen(v), ENT_TYPE_AUTO, NULL) !=
	    ENT_OK || ent_store_check(s, &ind, collect, out, &h, NULL) != ENT_OK)
		return -1;
	return h;
}

static void
test_store(void)
{
	ent_store *s = open_fresh("a.db");
	uint64_t counts[ENT_TYPE_COUNT];
	int added = -1, found = -1;
	seen sn;
	ent_indicator ind;

	if (!OK(s != NULL, "store opens"))
		return;
	OK(put(s, "Evil.COM", meta("feed-a", ENT_TLP_GREEN), &added) == 0 &&
	    added == 1, "new domain is added");
	OK(put(s, "evil.com.", meta("feed-b", ENT_TLP_AMBER), &added) == 0 &&
	    added == 0, "same domain again is an update");
	OK(put(s, "10.0.0.0/8", meta(NULL, ENT_TLP_CLEAR), &added) == 0,
	    "network added");
	OK(put(s, "2001:db8::/32", meta(NULL, ENT_TLP_CLEAR), &added) == 0,
	    "IPv6 network added");
	OK(put(s, "http://x.example.com/a", meta(NULL, ENT_TLP_CLEAR),
	    &added) == 0, "url added");
	OK(ent_store_count(s, counts, NULL) == ENT_OK &&
	    counts[ENT_TYPE_AUTO] == 4 && counts[ENT_TYPE_DOMAIN] == 1 &&
	    counts[ENT_TYPE_IPV4_NET] == 1, "counts per type");

	OK(held(s, "a.b.evil.com", &sn) == 1 && sn.last.tlp == ENT_TLP_AMBER &&
	    strcmp(sn.sources, "feed-a,feed-b") == 0,
	    "subdomain held through its parent; sources merged, TLP stricter");
	OK(held(s, "notevil.com", &sn) == 0, "notevil.com is not held");
	OK(held(s, "10.200.3.4", &sn) == 1 &&
	    strcmp(sn.values[0], "ipv4-net 10.0.0.0/8") == 0,
	    "address held through its network");
	OK(held(s, "10.1.0.0/16", &sn) == 1, "narrower network held");
	OK(held(s, "11.0.0.1", &sn) == 0, "address outside not held");
	OK(held(s, "2001:db8:1::5", &sn) == 1, "IPv6 address in network");
	OK(held(s, "::ffff:10.1.1.1", &sn) == 1, "mapped address in network");
	OK(held(s, "HTTP://X.example.com:80/a", &sn) == 1,
	    "url held after canonicalisation");
	OK(held(s, "http://x.example.com/a/b", &sn) == 0,
	    "url matched exactly only");

	/* revoke */
	OK(ent_indicator_parse(&ind, "evil.com", 8, ENT_TYPE_AUTO, NULL) ==
	    ENT_OK && ent_store_revoke(s, &ind, &found, NULL) == ENT_OK &&
	    found == 1, "revoke a held indicator");
	OK(held(s, "evil.com", &sn) == 0, "revoked is not held");
	OK(put(s, "evil.com", meta("feed-c", ENT_TLP_CLEAR), &added) == 0 &&
	    held(s, "evil.com", &sn) == 0, "re-import keeps it revoked");
	memset(&sn, 0, sizeof sn);
	OK(ent_store_each(s, ENT_TYPE_DOMAIN, 1, collect, &sn, NULL) ==
	    ENT_OK && sn.n == 1 && sn.last.revoked == 1,
	    "revoked is kept and listed with include_inactive");
	OK(ent_indicator_parse(&ind, "other.com", 9, ENT_TYPE_AUTO, NULL) ==
	    ENT_OK && ent_store_revoke(s, &ind, &found, NULL) == ENT_OK &&
	    found == 0, "revoking what is not held says so");

	/* transactions */
	OK(ent_store_begin(s, NULL) == ENT_OK, "begin");
	OK(put(s, "rolled.example.com", meta(NULL, ENT_TLP_CLEAR), &added) ==
	    0, "put in a transaction");
	ent_store_rollback(s);
	OK(held(s, "rolled.example.com", &sn) == 0,
	    "rolled-back put is gone");
	OK(put(s, "after.example.com", meta("fresh", ENT_TLP_CLEAR), &added) ==
	    0 && held(s, "after.example.com", &sn) == 1 &&
	    strcmp(sn.sources, "fresh") == 0, "store usable after rollback");
	ent_store_close(s);

	/* reopen: data and schema persist */
	s = open_fresh("a.db");
	OK(s != NULL && held(s, "10.9.9.9", &sn) == 1, "data persists");
	ent_store_close(s);
}

static ent_err
import_file(ent_store *s, const char *path, ent_format fmt,
    ent_import_report *r, ent_msg *msg)
{
	ent_import_opts o;
	FILE *f = fopen(path, "rb");
	ent_err e;

	memset(&o, 0, sizeof o);
	o.format = fmt;
	o.meta = meta("test", ENT_TLP_AMBER);
	if (f == NULL)
		return ENT_EIO;
	if (ent_store_begin(s, msg) != ENT_OK) {
		fclose(f);
		return ENT_ESTORE;
	}
	e = ent_import_stream(s, f, path, &o, r, msg);
	fclose(f);
	if (e != ENT_OK) {
		ent_store_rollback(s);
		return e;
	}
	return ent_store_commit(s, msg);
}

static void
test_grizzly(void)
{
	ent_store *s = open_fresh("g.db");
	const char *path = "tests/data/grizzly-steppe/JAR-16-20296A.csv";
	ent_import_report r;
	uint64_t c[ENT_TYPE_COUNT];
	ent_msg msg;
	int empty = 1;
	seen sn;

	if (!OK(s != NULL, "store opens"))
		return;
	OK(import_file(s, path, ENT_FORMAT_AUTO, &r, &msg) == ENT_OK,
	    "GRIZZLY STEPPE imports");
	OK(r.format == ENT_FORMAT_CSV && strcmp(r.column,
	    "INDICATOR_VALUE") == 0, "detected as CSV, column INDICATOR_VALUE");
	OK(ent_store_count(s, c, NULL) == ENT_OK, "count");
	OK(c[ENT_TYPE_IPV4] == 876, "876 ipv4 (%llu)",
	    (unsigned long long)c[ENT_TYPE_IPV4]);
	OK(c[ENT_TYPE_DOMAIN] == 10, "10 domain");
	OK(c[ENT_TYPE_MD5] == 5, "5 md5");
	OK(c[ENT_TYPE_URL] == 1, "1 url");
	OK(c[ENT_TYPE_AUTO] == 892, "892 in all");
	OK(r.added == 892 && r.updated == 0 && r.skipped == 19,
	    "report: 892 added, 19 skipped");
	for (size_t i = 0; i < r.nshown; i++)
		empty &= strcmp(r.shown[i].why, "the value is empty") == 0;
	OK(r.nshown == ENT_IMPORT_ERRORS_SHOWN && empty &&
	    r.shown[0].line > 1, "skipped rows are the empty ones, with lines");
	OK(held(s, "efax.pfdregistry.net/eFax/37486.ZIP", &sn) == 1 &&
	    sn.last.tlp == ENT_TLP_CLEAR,
	    "URL without a scheme stored as http; TLP:WHITE column read");
	OK(import_file(s, path, ENT_FORMAT_CSV, &r, &msg) == ENT_OK &&
	    r.added == 0 && r.updated == 892, "second import adds nothing");
	OK(ent_store_count(s, c, NULL) == ENT_OK && c[ENT_TYPE_AUTO] == 892,
	    "still 892");

	/* a broken file leaves the store as it was */
	{
		char bad[256];
		FILE *f;
		snprintf(bad, sizeof bad, "%s/bad.csv", dir);
		f = fopen(bad, "w");
		fputs("value,comment\nnew1.example.com,ok\n"
		    "new2.example.com,\"never closed\n", f);
		fclose(f);
		OK(import_file(s, bad, ENT_FORMAT_AUTO, &r, &msg) == ENT_EINVAL &&
		    strstr(msg.text, "line 3") && strstr(msg.text, "never "
		    "closed"), "unterminated quote is an error naming the line "
		    "(%s)", msg.text);
		OK(held(s, "new1.example.com", &sn) == 0 &&
		    ent_store_count(s, c, NULL) == ENT_OK &&
		    c[ENT_TYPE_AUTO] == 892, "failed import changed nothing");
	}
	ent_store_close(s);
}

static void
test_csv_forms(void)
{
	ent_store *s = open_fresh("c.db");
	char path[256];
	ent_import_report r;
	ent_msg msg;
	seen sn;
	FILE *f;

	snprintf(path, sizeof path, "%s/forms.csv", dir);
	f = fopen(path, "w");
	fputs("\xef\xbb\xbfnote,IOC,tlp\r\n"
	    "\"multi\r\nline, with \"\"quotes\"\"\",a.example.com,green\r\n"
	    "x,\"b.example.com\",TLP:RED\r\n"
	    "y,not a value,\r\n"
	    "\r\n"
	    "z,1.2.3.4,\r\n", f);
	fclose(f);
	OK(import_file(s, path, ENT_FORMAT_AUTO, &r, &msg) == ENT_OK &&
	    r.added == 3 && r.skipped == 1 && strcmp(r.column, "IOC") == 0,
	    "CSV with BOM, CRLF, quoted newline and quotes: 3 added, 1 skipped "
	    "(column %s)", r.column);
	OK(r.nshown == 1 && r.shown[0].line == 5,
	    "the skipped row is reported at its line (5, got %llu)",
	    (unsigned long long)r.shown[0].line);
	OK(held(s, "b.example.com", &sn) == 1 && sn.last.tlp == ENT_TLP_RED,
	    "per-row TLP column");
	OK(held(s, "a.example.com", &sn) == 1 && sn.last.tlp == ENT_TLP_GREEN,
	    "row after a multi-line field");

	snprintf(path, sizeof path, "%s/list.txt", dir);
	f = fopen(path, "w");
	fputs("# comment\n\n  c.example.com  \nD.EXAMPLE.COM\nbad..name\n"
	    "5.6.7.8", f);
	fclose(f);
	OK(import_file(s, path, ENT_FORMAT_AUTO, &r, &msg) == ENT_OK &&
	    r.format == ENT_FORMAT_LIST && r.added == 3 && r.skipped == 1 &&
	    r.shown[0].line == 5, "list: comments, blanks, last line without "
	    "newline");
	ent_store_close(s);
}

static void
test_zeek(void)
{
	ent_store *s = open_fresh("z.db");
	ent_import_report r;
	uint64_t c[ENT_TYPE_COUNT];
	ent_msg msg;
	char path[256];
	FILE *f;
	seen sn;

	OK(import_file(s, "tests/data/zeek-intel/gru-aa25.intel",
	    ENT_FORMAT_AUTO, &r, &msg) == ENT_OK && r.format == ENT_FORMAT_ZEEK,
	    "Zeek intel detected and imported");
	memset(c, 0, sizeof c);
	OK(ent_store_count(s, c, &msg) == ENT_OK && c[ENT_TYPE_IPV4] == 65 &&
	    c[ENT_TYPE_DOMAIN] == 57 && r.skipped == 0 && r.updated == 3,
	    "GRU AA25: 65 ipv4, 57 domains (60 lines, 3 twice): %llu, %llu; "
	    "%llu skipped",
	    (unsigned long long)c[ENT_TYPE_IPV4],
	    (unsigned long long)c[ENT_TYPE_DOMAIN],
	    (unsigned long long)r.skipped);
	OK(held(s, "cosmicgold469.co.za", &sn) == 1, "a .co.za domain is kept");
	/* a non-default separator, a URL with and without scheme, unknown
	 * and mismatched types */
	snprintf(path, sizeof path, "%s/sep.intel", dir);
	f = fopen(path, "w");
	fputs("#separator \\x2c\n#fields,indicator,indicator_type,meta.source\n"
	    "evil.example.com/x,Intel::URL,feed\n"
	    "https://evil.example.com/y,Intel::URL,feed\n"
	    "Mozilla/5.0,Intel::SOFTWARE,feed\n"
	    "10.9.8.0/24,Intel::SUBNET,feed\n"
	    "not-a-hash,Intel::FILE_HASH,feed\n"
	    "1.2.3.4,Intel::DOMAIN,feed\n", f);
	fclose(f);
	OK(import_file(s, path, ENT_FORMAT_AUTO, &r, &msg) == ENT_OK &&
	    r.added == 3 && r.skipped == 3, "separator honoured: 3 added, 3 "
	    "skipped (%llu, %llu)", (unsigned long long)r.added,
	    (unsigned long long)r.skipped);
	OK(held(s, "http://evil.example.com/x", &sn) == 1 &&
	    held(s, "https://evil.example.com/y", &sn) == 1 &&
	    held(s, "10.9.8.7", &sn) == 1, "URLs with and without a scheme, "
	    "a subnet");
	OK(r.nshown == 3 && strstr(r.shown[0].why, "Intel::SOFTWARE") &&
	    strstr(r.shown[2].why, "not a valid domain"),
	    "skips name the unkept type and the mismatched value");
	ent_store_close(s);
}

/* The responder's admission: the minimum interval, also when a session
 * at once with another was given a time before the one it recorded. */
static void
test_admit(void)
{
	ent_store *s = NULL;
	ent_peer p;
	ent_policy pol;
	uint8_t pk[32];
	char vkey[256];

	memset(pk, 7, sizeof pk);
	if (!OK(ent_store_open(&s, ":memory:", 1, NULL) == ENT_OK &&
	    ent_vkey_format("peer.example", pk, vkey, sizeof vkey, NULL) ==
	    ENT_OK && ent_peer_add(s, "peer.example", vkey, "127.0.0.1:7400", 0,
	    NULL) == ENT_OK, "a store and a peer"))
		return;
	ent_policy_default(&pol);
	pol.min_interval = 0;
	OK(ent_peer_set_policy(s, "peer.example", &pol, NULL) == ENT_OK &&
	    ent_peer_get(s, "peer.example", NULL, &p, NULL) == ENT_OK &&
	    ent_peer_admit(s, &p, ENT_PSI_INTERSECT, 10, 1000, NULL) ==
	    ENT_OK && ent_peer_admit(s, &p, ENT_PSI_INTERSECT, 10, 999, NULL) ==
	    ENT_OK, "min-interval 0: a session whose time is before the last "
	    "one's is admitted");
	pol.min_interval = 60;
	OK(ent_peer_set_policy(s, "peer.example", &pol, NULL) == ENT_OK &&
	    ent_peer_admit(s, &p, ENT_PSI_INTERSECT, 10, 1030, NULL) ==
	    ENT_EPERM && ent_peer_admit(s, &p, ENT_PSI_INTERSECT, 10, 1061,
	    NULL) == ENT_OK, "min-interval 60: refused 30 s after, admitted "
	    "61 s after");
	ent_store_close(s);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_store();
	test_grizzly();
	test_csv_forms();
	test_zeek();
	test_admit();
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
