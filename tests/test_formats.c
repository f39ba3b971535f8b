/*
 * test_formats.c — the parsers under the STIX and MISP readers: the JSON
 * reader (lib/jv.c), the STIX pattern subset and timestamps (lib/stix.c),
 * and warninglist look-ups (lib/warninglist.c), case by case.
 */
#include <stdlib.h>
#include <string.h>

#include "entente/warninglist.h"
#include "jv.h"
#include "stix.h"
#include "tap.h"

static jv_arena arena;

static jv *
parse(const char *s, jv_error *e)
{
	size_t used;

	jv_reset(&arena);
	return jv_parse(&arena, s, strlen(s), &used, e);
}

static void
test_jv(void)
{
	jv_error e;
	jv *v, *m;
	long long n;
	size_t used;
	char deep[1200];

	v = parse("{\"a\": \"caf\\u00e9 \\ud83d\\ude00\\n\", \"b\": [1, -2.5e3, "
	    "true, false, null], \"c\": {}}", &e);
	OK(v != NULL && v->kind == JV_OBJECT && v->len == 3, "an object of "
	    "three members");
	OK(v && strcmp(jv_gets(v, "a"), "caf\xc3\xa9 \xf0\x9f\x98\x80\n") == 0,
	    "\\u escapes and a surrogate pair decode to UTF-8");
	m = jv_get(v, "b");
	OK(m && m->len == 5 && jv_int(m->first, 0, 10, &n) && n == 1 &&
	    !jv_int(m->first->next, -10000, 10000, &n) &&
	    m->first->next->next->kind == JV_TRUE, "an array keeps its order; "
	    "-2.5e3 is not an integer");
	OK(v && jv_is(jv_get(v, "c"), JV_OBJECT) && jv_get(v, "d") == NULL,
	    "an empty object; a missing member is NULL");
	OK(parse("{\"a\": 1, \"a\": 2}", &e) == NULL &&
	    strstr(e.text, "duplicate") != NULL, "duplicate keys are refused");
	OK(parse("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,"
	    "\"h\":8,\"i\":9,\"j\":10,\"k\":11,\"l\":12,\"m\":13,\"n\":14,\"o\":15,"
	    "\"p\":16,\"q\":17,\"b\":18}", &e) == NULL, "duplicate keys are "
	    "refused in a large object too");
	OK(parse("\"\\ud800\"", &e) == NULL && strstr(e.text, "surrogate"),
	    "a lone surrogate is refused");
	OK(parse("\"\xc3\x28\"", &e) == NULL && strstr(e.text, "UTF-8") &&
	    e.pos == 1, "invalid UTF-8 is refused, at its byte");
	OK(parse("\"\xed\xa0\x80\"", &e) == NULL, "UTF-8 of a surrogate is "
	    "refused");
	OK(parse("\"\xe0\x80\xaf\"", &e) == NULL, "overlong UTF-8 is refused");
	OK(parse("\"\\u0000\"", &e) == NULL, "\\u0000 is refused");
	OK(parse("\"a\tb\"", &e) == NULL, "a raw control character is "
	    "refused");
	OK(parse("[01]", &e) == NULL && parse("[1.]", &e) == NULL &&
	    parse("[-]", &e) == NULL && parse("[+1]", &e) == NULL,
	    "invalid numbers are refused");
	OK(parse("{\"a\": [1, 2", &e) == NULL && e.more, "a value cut short "
	    "asks for more");
	OK(parse("{\"a\": tru", &e) == NULL && e.more, "a literal cut short "
	    "asks for more");
	OK(parse("{\"a\": trux}", &e) == NULL && !e.more, "a wrong literal "
	    "is an error");
	OK(parse("{\"a\" 1}", &e) == NULL && !e.more && e.pos == 5,
	    "a missing ':' is an error at its position");
	memset(deep, '[', 600);
	memset(deep + 600, ']', 600);
	deep[1199] = '\0';
	deep[1198] = ']';
	OK(parse(deep, &e) == NULL && strstr(e.text, "deeply"), "nesting over "
	    "%d levels is refused", JV_DEPTH_MAX);
	jv_reset(&arena);
	v = jv_parse(&arena, "{\"x\": 1} ,{", 11, &used, &e);
	OK(v != NULL && used == 8, "parsing stops after the value");
}

static void
test_pattern(void)
{
	stix_terms t;
	char why[ENT_MSG_MAX], buf[256];
	int64_t ts;

	OK(stix_pattern_parse("[ipv4-addr:value = '10.0.0.0']", 30, &t, why) ==
	    0 && t.n == 1 && t.t[0].type == ENT_TYPE_IPV4 &&
	    strcmp(t.t[0].value, "10.0.0.0") == 0, "a single comparison");
	{
		const char *p = "([url:value = 'http://x.example/it\\'s\\\\'] OR "
		    "[file:hashes.'SHA-256' = 'AB' OR file:hashes.SHA1 = 'cd' OR "
		    "file:hashes.MD5 = 'ef'])";
		OK(stix_pattern_parse(p, strlen(p), &t, why) == 0 && t.n == 4 &&
		    strcmp(t.t[0].value, "http://x.example/it's\\") == 0 &&
		    t.t[1].type == ENT_TYPE_SHA256 && t.t[2].type == ENT_TYPE_SHA1 &&
		    t.t[3].type == ENT_TYPE_MD5, "OR of observations and of "
		    "comparisons; escapes; hash keys quoted and not");
	}
	OK(stix_pattern_parse("[a:value = 'x'] AND [b:value = 'y']", 35, &t,
	    why) == -1, "AND is refused: %s", why);
	OK(stix_pattern_parse("[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES",
	    45, &t, why) == -1 && strstr(why, "REPEATS"), "qualifiers are "
	    "refused: %s", why);
	OK(stix_pattern_parse("[ipv4-addr:value != '1.2.3.4']", 30, &t, why) ==
	    -1 && strstr(why, "!="), "other operators are refused: %s", why);
	OK(stix_pattern_parse("[process:name = 'x']", 20, &t, why) == -1 &&
	    strstr(why, "process:name"), "other objects are refused: %s", why);
	OK(stix_pattern_parse("[url:value = 'x", 15, &t, why) == -1,
	    "an unterminated string is refused: %s", why);
	OK(stix_pattern_parse("[url:value = 'a\\b']", 19, &t, why) == -1,
	    "an escape other than \\' and \\\\ is refused: %s", why);
	OK(stix_pattern_write(buf, sizeof buf, ENT_TYPE_SHA1, "ab'c") > 0 &&
	    strcmp(buf, "[file:hashes.'SHA-1' = 'ab\\'c']") == 0,
	    "the writer escapes: %s", buf);
	OK(stix_time_parse("2016-04-06T20:03:00.000Z", &ts) == 0 &&
	    ts == 1459972980 && stix_time_parse("2016-04-06T20:03:00Z", &ts) ==
	    0 && stix_time_parse("2016-04-06 20:03:00", &ts) == -1,
	    "timestamps: UTC with or without fractions");
	OK(stix_tlp_of_marking("marking-definition--939a9414-2ddd-4d32-a0cd-"
	    "375ea402b003") == ENT_TLP_AMBER_STRICT && stix_tlp_of_marking(
	    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82") ==
	    ENT_TLP_AMBER, "TLP 2.0 and TLP 1.0 marking ids");
}

static int
hit(ent_warninglists *wl, const char *value, const char *want)
{
	ent_indicator ind;
	const char *got;

	if (ent_indicator_parse(&ind, value, strlen(value), ENT_TYPE_AUTO,
	    NULL) != ENT_OK)
		return 0;
	got = ent_warninglists_hit(wl, &ind);
	return want == NULL ? got == NULL : got != NULL &&
	    strcmp(got, want) == 0;
}

static void
test_warninglists(void)
{
	ent_store *s;
	ent_warninglists *wl = NULL;
	const char *host = "{\"name\": \"h\", \"type\": \"hostname\", \"list\": "
	    "[\"example.gov\"]}";
	const char *sub = "{\"name\": \"s\", \"type\": \"substring\", \"list\": "
	    "[\"phish-kit\"]}";
	/* the second makes glibc's regcomp copy its tree 2^12 times (each
	 * '+' doubles it; 2^40 would eat gigabytes): over the bound */
	const char *re = "{\"name\": \"r\", \"type\": \"regex\", \"list\": "
	    "[\"/^ballot[0-9]+\\\\.example\\\\.net$/i\", \"^zz++++++++++++"
	    "\\\\.example\\\\.org$\"]}";

	if (ent_store_open(&s, ":memory:", 1, NULL) != ENT_OK) {
		OK(0, "open a store");
		return;
	}
	OK(ent_warninglist_put(s, "hosts", host, strlen(host), 0, NULL,
	    NULL) == ENT_OK && ent_warninglist_put(s, "subs", sub, strlen(sub),
	    0, NULL, NULL) == ENT_OK && ent_warninglist_put(s, "re", re,
	    strlen(re), 0, NULL, NULL) == ENT_OK, "lists of three more kinds "
	    "are stored");
	OK(ent_warninglists_load(s, &wl, NULL) == ENT_OK, "and compiled with "
	    "the built-in ones");
	OK(hit(wl, "8.8.8.8", "public-dns-v4") && hit(wl, "10.9.8.7",
	    "rfc1918") && hit(wl, "10.1.0.0/16", "rfc1918") &&
	    hit(wl, "100.64.1.1", "rfc6598") && hit(wl, "2001:4860:4860::8888",
	    "public-dns-v6"), "cidr lists: addresses and networks inside them");
	OK(hit(wl, "10.0.0.0/7", NULL) && hit(wl, "176.31.112.10", NULL),
	    "a wider network, and an address outside, are not hits");
	/* (upstream's MD5 entry ends in ...27e, not the real ...27f) */
	OK(hit(wl, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "empty-hashes"),
	    "string lists: the SHA-1 of the empty file");
	OK(hit(wl, "mail.google.com", "google") && hit(wl,
	    "https://docs.google.com/x", "google") && hit(wl,
	    "user@google.com", "google"), "dotted string entries: subdomains, "
	    "URL hosts and e-mail domains");
	OK(hit(wl, "vote.example.gov", "hosts") && hit(wl, "example.gov",
	    "hosts") && hit(wl, "notexample.gov", NULL), "hostname lists: "
	    "the name and names under it, not names that end alike");
	OK(hit(wl, "http://x.example.com/phish-kit/a", "subs"),
	    "substring lists");
	OK(hit(wl, "Ballot12.example.net", "re") && hit(wl, "ballot.example.net",
	    NULL), "regex lists (the /.../i form)");
	OK(hit(wl, "zz.example.org", NULL), "a regex too costly to compile is "
	    "skipped");
	ent_warninglists_free(wl);
	ent_store_close(s);
}

int
main(void)
{
	test_jv();
	test_pattern();
	test_warninglists();
	jv_free(&arena);
	return tap_done();
}
