/*
 * stix.c — the STIX 2.1 pattern subset, object paths, TLP markings and
 * timestamps (see stix.h). The pattern grammar is the one of STIX 2.1
 * section 9 (Patterning); only the subset that names single values is
 * accepted, and anything else is refused whole with the reason.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "stix.h"

/* --- object paths ----------------------------------------------------- */

static const struct {
	ent_type type;
	const char *object, *property;
} paths[] = {
	{ ENT_TYPE_IPV4, "ipv4-addr", "value" },
	{ ENT_TYPE_IPV4_NET, "ipv4-addr", "value" },
	{ ENT_TYPE_IPV6, "ipv6-addr", "value" },
	{ ENT_TYPE_IPV6_NET, "ipv6-addr", "value" },
	{ ENT_TYPE_DOMAIN, "domain-name", "value" },
	{ ENT_TYPE_URL, "url", "value" },
	{ ENT_TYPE_EMAIL, "email-addr", "value" },
	{ ENT_TYPE_MD5, "file", "hashes.MD5" },
	{ ENT_TYPE_SHA1, "file", "hashes.'SHA-1'" },
	{ ENT_TYPE_SHA256, "file", "hashes.'SHA-256'" },
};

const char *
stix_object_type(ent_type t)
{
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (paths[i].type == t)
			return paths[i].object;
	return NULL;
}

const char *
stix_property(ent_type t)
{
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (paths[i].type == t)
			return paths[i].property;
	return NULL;
}

/* The type a path names: "ipv4-addr:value" (an address, or a network
 * when the value has a prefix: the canonicaliser tells them apart),
 * "file:hashes.'SHA-256'" or "file:hashes.SHA256" and so on. 0 if none. */
static int
path_type(const char *p, size_t n, ent_type *out)
{
	char obj[32], prop[64], norm[64];
	const char *colon = memchr(p, ':', n);
	size_t ol, pl, k = 0;

	if (colon == NULL)
		return 0;
	ol = (size_t)(colon - p);
	pl = n - ol - 1;
	if (ol >= sizeof obj || pl >= sizeof prop)
		return 0;
	memcpy(obj, p, ol);
	obj[ol] = '\0';
	memcpy(prop, colon + 1, pl);
	prop[pl] = '\0';
	if (strcmp(prop, "value") == 0) {
		if (strcmp(obj, "ipv4-addr") == 0)
			*out = ENT_TYPE_IPV4;
		else if (strcmp(obj, "ipv6-addr") == 0)
			*out = ENT_TYPE_IPV6;
		else if (strcmp(obj, "domain-name") == 0)
			*out = ENT_TYPE_DOMAIN;
		else if (strcmp(obj, "url") == 0)
			*out = ENT_TYPE_URL;
		else if (strcmp(obj, "email-addr") == 0)
			*out = ENT_TYPE_EMAIL;
		else
			return 0;
		return 1;
	}
	if (strcmp(obj, "file") != 0 || strncmp(prop, "hashes.", 7) != 0)
		return 0;
	/* the hash name, quotes and dashes dropped, upper case */
	for (const char *q = prop + 7; *q; q++)
		if (*q != '\'' && *q != '-' && *q != '"' && k < sizeof norm - 1)
			norm[k++] = (char)(*q >= 'a' && *q <= 'z' ? *q - 32 : *q);
	norm[k] = '\0';
	if (strcmp(norm, "MD5") == 0)
		*out = ENT_TYPE_MD5;
	else if (strcmp(norm, "SHA1") == 0)
		*out = ENT_TYPE_SHA1;
	else if (strcmp(norm, "SHA256") == 0)
		*out = ENT_TYPE_SHA256;
	else
		return 0;
	return 1;
}

/* --- patterns --------------------------------------------------------- */

enum tok { T_END, T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN, T_EQ, T_OP,
	T_STRING, T_WORD, T_OTHER, T_BAD };

typedef struct lexer {
	const char *p, *end;
	enum tok tok;
	const char *s;          /* the token's text */
	size_t n;
	stix_terms *out;
	char *why;
} lexer;

static int
word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ':' ||
	    c == '.' || c == '*';
}

/* Reads a quoted string body at l->p (after the quote); leaves l->p after
 * the closing quote. 0, or -1 when unterminated. */
static int
skip_quoted(lexer *l)
{
	while (l->p < l->end) {
		if (*l->p == '\\' && l->p + 1 < l->end) {
			l->p += 2;
			continue;
		}
		if (*l->p++ == '\'')
			return 0;
	}
	return -1;
}

static void
next(lexer *l)
{
	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' ||
	    *l->p == '\n' || *l->p == '\r'))
		l->p++;
	l->s = l->p;
	if (l->p == l->end) {
		l->tok = T_END;
		l->n = 0;
		return;
	}
	switch (*l->p) {
	case '[': l->tok = T_LBRACK; l->p++; break;
	case ']': l->tok = T_RBRACK; l->p++; break;
	case '(': l->tok = T_LPAREN; l->p++; break;
	case ')': l->tok = T_RPAREN; l->p++; break;
	case '=': l->tok = T_EQ; l->p++; break;
	case '!': case '<': case '>':
		l->tok = T_OP;
		l->p++;
		if (l->p < l->end && *l->p == '=')
			l->p++;
		break;
	case '\'':
		l->p++;
		l->tok = skip_quoted(l) == 0 ? T_STRING : T_BAD;
		break;
	default:
		if (!word_char(*l->p)) {
			l->tok = T_OTHER;
			l->p++;
			break;
		}
		l->tok = T_WORD;
		/* a path may hold quoted keys (hashes.'SHA-256') and list
		 * indexes ([*]), and a literal may be b'...' or h'...' */
		while (l->p < l->end) {
			if (word_char(*l->p)) {
				l->p++;
			} else if (*l->p == '\'' && l->p > l->s &&
			    (l->p[-1] == '.' || l->p - l->s == 1)) {
				l->p++;
				if (skip_quoted(l) != 0) {
					l->tok = T_BAD;
					break;
				}
			} else if (*l->p == '[' && memchr(l->s, ':',
			    (size_t)(l->p - l->s)) != NULL) {
				const char *e = memchr(l->p, ']',
				    (size_t)(l->end - l->p));
				l->p = e ? e + 1 : l->end;
			} else {
				break;
			}
		}
		break;
	}
	l->n = (size_t)(l->p - l->s);
}

static int
is_word(const lexer *l, const char *w)
{
	return l->tok == T_WORD && l->n == strlen(w) &&
	    strncasecmp(l->s, w, l->n) == 0;
}

static int
fail(lexer *l, const char *fmt, const char *arg, size_t n)
{
	char quoted[104];

	snprintf(quoted, sizeof quoted, "%.*s", (int)(n < 100 ? n : 100), arg);
	snprintf(l->why, ENT_MSG_MAX, fmt, quoted);
	return -1;
}

static int
unsupported_token(lexer *l)
{
	static const char *const ops[] = { "AND", "FOLLOWEDBY", "NOT", "LIKE",
	    "MATCHES", "IN", "ISSUBSET", "ISSUPERSET", "EXISTS", "WITHIN",
	    "REPEATS", "START", "STOP" };

	if (l->tok == T_END)
		return fail(l, "the pattern ends too soon%s", "", 0);
	if (l->tok == T_BAD)
		return fail(l, "unterminated string in the pattern%s", "", 0);
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (is_word(l, ops[i]))
			return fail(l, "the pattern uses %s, which Entente does "
			    "not import (only = and OR)", ops[i],
			    strlen(ops[i]));
	if (l->tok == T_OP)
		return fail(l, "the pattern uses the operator %s (only = is "
		    "imported)", l->s, l->n);
	return fail(l, "unexpected '%s' in the pattern", l->s, l->n);
}

/* Unescapes the string token (\' and \\) into the output buffer. */
static int
take_string(lexer *l, ent_type type)
{
	stix_terms *o = l->out;
	const char *s = l->s + 1, *e = l->s + l->n - 1;
	char *d;

	if (o->n == STIX_TERMS_MAX)
		return fail(l, "the pattern has more than 256 comparisons%s",
		    "", 0);
	if ((size_t)(e - s) + 1 > sizeof o->buf - o->used)
		return fail(l, "the pattern's values are too long%s", "", 0);
	d = o->buf + o->used;
	o->t[o->n].value = d;
	o->t[o->n].type = type;
	while (s < e) {
		if (*s == '\\') {
			if (s + 1 >= e || (s[1] != '\'' && s[1] != '\\'))
				return fail(l, "invalid escape in the string "
				    "'%s' (only \\' and \\\\)", l->s, l->n);
			s++;
		}
		*d++ = *s++;
	}
	*d++ = '\0';
	o->t[o->n].len = (size_t)(d - o->buf - o->used) - 1;
	o->used = (size_t)(d - o->buf);
	o->n++;
	return 0;
}

static int cmp_or(lexer *l, int depth);

/* comparison := path '=' string | '(' cmp_or ')' */
static int
comparison(lexer *l, int depth)
{
	ent_type type;
	const char *path;
	size_t plen;

	if (l->tok == T_LPAREN) {
		if (depth > 32)
			return fail(l, "the pattern nests too deeply%s", "", 0);
		next(l);
		if (cmp_or(l, depth + 1) != 0)
			return -1;
		if (l->tok != T_RPAREN)
			return unsupported_token(l);
		next(l);
		return 0;
	}
	if (l->tok != T_WORD || memchr(l->s, ':', l->n) == NULL)
		return unsupported_token(l);
	path = l->s;
	plen = l->n;
	if (!path_type(path, plen, &type))
		return fail(l, "the pattern compares %s, which Entente does not "
		    "keep", path, plen);
	next(l);
	if (l->tok != T_EQ)
		return unsupported_token(l);
	next(l);
	if (l->tok != T_STRING)
		return l->tok == T_WORD ? fail(l, "the pattern compares with "
		    "%s, not a string", l->s, l->n) : unsupported_token(l);
	if (take_string(l, type) != 0)
		return -1;
	next(l);
	return 0;
}

/* cmp_or := comparison (OR comparison)* */
static int
cmp_or(lexer *l, int depth)
{
	if (comparison(l, depth) != 0)
		return -1;
	while (is_word(l, "OR")) {
		next(l);
		if (comparison(l, depth) != 0)
			return -1;
	}
	return 0;
}

static int obs_or(lexer *l, int depth);

/* observation := '[' cmp_or ']' | '(' obs_or ')' */
static int
observation(lexer *l, int depth)
{
	if (depth > 32)
		return fail(l, "the pattern nests too deeply%s", "", 0);
	if (l->tok == T_LPAREN) {
		next(l);
		if (obs_or(l, depth + 1) != 0)
			return -1;
		if (l->tok != T_RPAREN)
			return unsupported_token(l);
		next(l);
		return 0;
	}
	if (l->tok != T_LBRACK)
		return unsupported_token(l);
	next(l);
	if (cmp_or(l, depth) != 0)
		return -1;
	if (l->tok != T_RBRACK)
		return unsupported_token(l);
	next(l);
	return 0;
}

static int
obs_or(lexer *l, int depth)
{
	if (observation(l, depth) != 0)
		return -1;
	while (is_word(l, "OR")) {
		next(l);
		if (observation(l, depth) != 0)
			return -1;
	}
	return 0;
}

int
stix_pattern_parse(const char *pattern, size_t len, stix_terms *out,
    char why[ENT_MSG_MAX])
{
	lexer l = { pattern, pattern + len, T_END, NULL, 0, out, why };

	out->n = 0;
	out->used = 0;
	why[0] = '\0';
	next(&l);
	if (obs_or(&l, 0) != 0)
		return -1;
	if (l.tok != T_END)
		return unsupported_token(&l);
	return 0;
}

int
stix_pattern_write(char *buf, size_t size, ent_type t, const char *value)
{
	const char *obj = stix_object_type(t), *prop = stix_property(t);
	size_t o;
	int n;

	if (obj == NULL)
		return -1;
	n = snprintf(buf, size, "[%s:%s = '", obj, prop);
	if (n < 0 || (size_t)n >= size)
		return -1;
	o = (size_t)n;
	for (const char *p = value; *p; p++) {
		if (o + 3 >= size)
			return -1;
		if (*p == '\'' || *p == '\\')
			buf[o++] = '\\';
		buf[o++] = *p;
	}
	if (o + 3 > size)
		return -1;
	buf[o++] = '\'';
	buf[o++] = ']';
	buf[o] = '\0';
	return (int)o;
}

/* --- markings --------------------------------------------------------- */

static const struct {
	const char *id;
	ent_tlp tlp;
} markings[] = {
	/* TLP 2.0 (the OASIS TLP 2.0 marking definitions) first: written */
	{ "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	  ENT_TLP_CLEAR },
	{ "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	  ENT_TLP_GREEN },
	{ "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	  ENT_TLP_AMBER },
	{ "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	  ENT_TLP_AMBER_STRICT },
	{ "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	  ENT_TLP_RED },
	/* TLP 1.0 (STIX 2.1 section 7.2.1.4) */
	{ "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
	  ENT_TLP_CLEAR },
	{ "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
	  ENT_TLP_GREEN },
	{ "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
	  ENT_TLP_AMBER },
	{ "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
	  ENT_TLP_RED },
};

int
stix_tlp_of_marking(const char *id)
{
	for (size_t i = 0; i < sizeof markings / sizeof markings[0]; i++)
		if (strcmp(id, markings[i].id) == 0)
			return (int)markings[i].tlp;
	return -1;
}

const char *
stix_tlp_marking(ent_tlp t)
{
	return (unsigned)t < ENT_TLP_COUNT ? markings[t].id : NULL;
}

/* --- timestamps ------------------------------------------------------- */

int
stix_time_parse(const char *s, int64_t *out)
{
	struct tm tm;
	const char *p;

	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

void
stix_time_write(char out[25], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 25, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}
