/* jv.c — a small, strict JSON reader into an arena (see jv.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"

#define CHUNK (64u << 10)
#define ARENA_MAX (256u << 20)  /* bytes of tree for one value */
#define MEMBERS_LINEAR 16       /* duplicate keys: checked one by one up
                                   to here, by sorting beyond */

struct jv_chunk {
	struct jv_chunk *next;
	size_t size;
	max_align_t data[];
};

static void *
alloc(jv_arena *a, size_t n)
{
	struct jv_chunk *c = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (c == NULL || a->used + n > c->size) {
		size_t size = n > CHUNK ? n : CHUNK;
		if (a->total + size > ARENA_MAX)
			return NULL;
		c = malloc(sizeof *c + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->next = a->head;
		a->head = c;
		a->used = 0;
		a->total += size;
	}
	p = (char *)c->data + a->used;
	a->used += n;
	return p;
}

void
jv_reset(jv_arena *a)
{
	struct jv_chunk *c = a->head;

	/* keep one chunk (the last one allocated) for the next value */
	if (c == NULL)
		return;
	while (c->next != NULL) {
		struct jv_chunk *n = c->next;
		c->next = n->next;
		free(n);
	}
	a->used = 0;
	a->total = c->size;
}

void
jv_free(jv_arena *a)
{
	while (a->head != NULL) {
		struct jv_chunk *n = a->head->next;
		free(a->head);
		a->head = n;
	}
	a->used = a->total = 0;
}

typedef struct parser {
	jv_arena *a;
	const char *p, *start, *end;
	jv_error *e;
} parser;

static jv *
fail(parser *ps, const char *why)
{
	ps->e->pos = (size_t)(ps->p - ps->start);
	ps->e->more = 0;
	snprintf(ps->e->text, sizeof ps->e->text, "%s", why);
	return NULL;
}

static jv *
more(parser *ps)
{
	ps->e->pos = (size_t)(ps->end - ps->start);
	ps->e->more = 1;
	snprintf(ps->e->text, sizeof ps->e->text, "the input ends inside a "
	    "JSON value");
	return NULL;
}

static jv *
nomem(parser *ps)
{
	return fail(ps, "a JSON value too large to hold (over 256 MiB parsed)");
}

static void
ws(parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' ||
	    *ps->p == '\r' || *ps->p == '\t'))
		ps->p++;
}

static jv *
node(parser *ps, enum jv_kind k)
{
	jv *v = alloc(ps->a, sizeof *v);

	if (v == NULL)
		return NULL;
	memset(v, 0, sizeof *v);
	v->kind = k;
	return v;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
			return 0;	/* overlong; surrogates */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0;	/* overlong; over U+10FFFF */
		return 4;
	}
	return 0;
}

/* A string at ps->p (the opening quote): unescaped into the arena. */
static int
string(parser *ps, const char **out, size_t *len)
{
	const char *p = ps->p + 1, *q;
	char *d, *dst;

	/* the common case: no escapes, checked and copied in one go */
	q = memchr(p, '"', (size_t)(ps->end - p));
	if (q != NULL && memchr(p, '\\', (size_t)(q - p)) == NULL) {
		for (const char *c = p; c < q;) {
			unsigned char b = (unsigned char)*c;
			size_t l;
			if (b >= 0x20 && b < 0x80) {
				c++;
				continue;
			}
			ps->p = c;
			if (b < 0x20) {
				fail(ps, "a control character in a string");
				return -1;
			}
			if ((l = utf8_len((const unsigned char *)c,
			    (size_t)(q - c))) == 0) {
				fail(ps, "invalid UTF-8 in a string");
				return -1;
			}
			c += l;
		}
		if ((dst = alloc(ps->a, (size_t)(q - p) + 1)) == NULL) {
			nomem(ps);
			return -1;
		}
		memcpy(dst, p, (size_t)(q - p));
		dst[q - p] = '\0';
		*out = dst;
		*len = (size_t)(q - p);
		ps->p = q + 1;
		return 0;
	}
	/* find the end first, to size the copy: the unescaped string is never
	 * longer than its source */
	for (q = p; q < ps->end && *q != '"'; q++)
		if (*q == '\\')
			q++;
	if (q >= ps->end) {
		more(ps);
		return -1;
	}
	if ((dst = alloc(ps->a, (size_t)(q - p) + 1)) == NULL) {
		nomem(ps);
		return -1;
	}
	d = dst;
	while (p < q) {
		unsigned char c = (unsigned char)*p;
		if (c == '\\') {
			unsigned u, lo;
			ps->p = p;
			switch (p[1]) {
			case '"': *d++ = '"'; break;
			case '\\': *d++ = '\\'; break;
			case '/': *d++ = '/'; break;
			case 'b': *d++ = '\b'; break;
			case 'f': *d++ = '\f'; break;
			case 'n': *d++ = '\n'; break;
			case 'r': *d++ = '\r'; break;
			case 't': *d++ = '\t'; break;
			case 'u':
				if (q - p < 6 || hex4(p + 2, &u) != 0) {
					fail(ps, "invalid \\u escape");
					return -1;
				}
				p += 4;
				if (u >= 0xd800 && u <= 0xdbff) {
					if (q - p < 8 || p[2] != '\\' || p[3] != 'u' ||
					    hex4(p + 4, &lo) != 0 || lo < 0xdc00 ||
					    lo > 0xdfff) {
						fail(ps, "a lone surrogate in a \\u "
						    "escape");
						return -1;
					}
					u = 0x10000 + ((u - 0xd800) << 10) +
					    (lo - 0xdc00);
					p += 6;
				} else if (u >= 0xdc00 && u <= 0xdfff) {
					fail(ps, "a lone surrogate in a \\u escape");
					return -1;
				}
				if (u == 0) {
					fail(ps, "\\u0000 in a string");
					return -1;
				}
				if (u < 0x80) {
					*d++ = (char)u;
				} else if (u < 0x800) {
					*d++ = (char)(0xc0 | (u >> 6));
					*d++ = (char)(0x80 | (u & 0x3f));
				} else if (u < 0x10000) {
					*d++ = (char)(0xe0 | (u >> 12));
					*d++ = (char)(0x80 | ((u >> 6) & 0x3f));
					*d++ = (char)(0x80 | (u & 0x3f));
				} else {
					*d++ = (char)(0xf0 | (u >> 18));
					*d++ = (char)(0x80 | ((u >> 12) & 0x3f));
					*d++ = (char)(0x80 | ((u >> 6) & 0x3f));
					*d++ = (char)(0x80 | (u & 0x3f));
				}
				break;
			default:
				fail(ps, "invalid escape in a string");
				return -1;
			}
			p += 2;
		} else if (c < 0x20) {
			ps->p = p;
			fail(ps, "a control character in a string");
			return -1;
		} else if (c < 0x80) {
			*d++ = (char)c;
			p++;
		} else {
			size_t l = utf8_len((const unsigned char *)p,
			    (size_t)(q - p));
			if (l == 0) {
				ps->p = p;
				fail(ps, "invalid UTF-8 in a string");
				return -1;
			}
			memcpy(d, p, l);
			d += l;
			p += l;
		}
	}
	*d = '\0';
	*out = dst;
	*len = (size_t)(d - dst);
	ps->p = q + 1;
	return 0;
}

static jv *value(parser *ps, int depth);

static int
cmp_key(const void *pa, const void *pb)
{
	const jv *a = *(jv *const *)pa, *b = *(jv *const *)pb;
	size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
	int c = memcmp(a->key, b->key, n);

	return c ? c : (a->keylen > b->keylen) - (a->keylen < b->keylen);
}

/* Refuses duplicate keys: sorted member pointers, neighbours compared. */
static int
unique_keys(parser *ps, jv *o)
{
	jv **v, *m;
	size_t i = 0;

	if (o->len <= MEMBERS_LINEAR)
		return 0;	/* checked as they came */
	if ((v = alloc(ps->a, o->len * sizeof *v)) == NULL)
		return nomem(ps), -1;
	jv_each(o, m)
		v[i++] = m;
	qsort(v, o->len, sizeof *v, cmp_key);
	for (i = 1; i < o->len; i++)
		if (cmp_key(&v[i - 1], &v[i]) == 0)
			return fail(ps, "a duplicate key in an object"), -1;
	return 0;
}

static jv *
container(parser *ps, int depth, int object)
{
	jv *c = node(ps, object ? JV_OBJECT : JV_ARRAY), *v, *m;
	char close = object ? '}' : ']';

	if (c == NULL)
		return nomem(ps);
	if (depth >= JV_DEPTH_MAX)
		return fail(ps, "JSON nested too deeply");
	ps->p++;
	ws(ps);
	if (ps->p == ps->end)
		return more(ps);
	if (*ps->p == close) {
		ps->p++;
		return c;
	}
	for (;;) {
		const char *key = NULL;
		size_t keylen = 0;

		if (object) {
			ws(ps);
			if (ps->p == ps->end)
				return more(ps);
			if (*ps->p != '"')
				return fail(ps, "an object key expected");
			if (string(ps, &key, &keylen) != 0)
				return NULL;
			if (c->len < MEMBERS_LINEAR)
				jv_each(c, m)
					if (m->keylen == keylen &&
					    memcmp(m->key, key, keylen) == 0)
						return fail(ps, "a duplicate "
						    "key in an object");
			ws(ps);
			if (ps->p == ps->end)
				return more(ps);
			if (*ps->p != ':')
				return fail(ps, "':' expected");
			ps->p++;
		}
		if ((v = value(ps, depth + 1)) == NULL)
			return NULL;
		v->key = key;
		v->keylen = keylen;
		jv_append(c, v);
		ws(ps);
		if (ps->p == ps->end)
			return more(ps);
		if (*ps->p == close) {
			ps->p++;
			break;
		}
		if (*ps->p != ',')
			return fail(ps, object ? "',' or '}' expected" :
			    "',' or ']' expected");
		ps->p++;
	}
	if (object && unique_keys(ps, c) != 0)
		return NULL;
	return c;
}

static jv *
number(parser *ps)
{
	const char *p = ps->p, *s = p;
	jv *v;
	char *t;

#define DIGITS(q) while ((q) < ps->end && *(q) >= '0' && *(q) <= '9') (q)++
	if (p < ps->end && *p == '-')
		p++;
	if (p == ps->end)
		return more(ps);
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		DIGITS(p);
	} else {
		ps->p = p;
		return fail(ps, "invalid number");
	}
	if (p < ps->end && *p == '.') {
		const char *f = ++p;
		DIGITS(p);
		if (p == f) {
			ps->p = p;
			return p == ps->end ? more(ps) : fail(ps, "invalid number");
		}
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		const char *f;
		p++;
		if (p < ps->end && (*p == '+' || *p == '-'))
			p++;
		f = p;
		DIGITS(p);
		if (p == f) {
			ps->p = p;
			return p == ps->end ? more(ps) : fail(ps, "invalid number");
		}
	}
#undef DIGITS
	/* a number that runs to the end may go on in the next bytes */
	if (p == ps->end)
		return more(ps);
	if ((v = node(ps, JV_NUMBER)) == NULL || (t = alloc(ps->a,
	    (size_t)(p - s) + 1)) == NULL)
		return nomem(ps);
	memcpy(t, s, (size_t)(p - s));
	t[p - s] = '\0';
	v->s = t;
	v->len = (size_t)(p - s);
	ps->p = p;
	return v;
}

static jv *
literal(parser *ps, const char *word, enum jv_kind k)
{
	size_t n = strlen(word), have = (size_t)(ps->end - ps->p);
	jv *v;

	if (memcmp(ps->p, word, have < n ? have : n) != 0)
		return fail(ps, "invalid literal");
	if (have < n)
		return more(ps);
	ps->p += n;
	if ((v = node(ps, k)) == NULL)
		return nomem(ps);
	return v;
}

static jv *
value(parser *ps, int depth)
{
	jv *v;

	ws(ps);
	if (ps->p == ps->end)
		return more(ps);
	switch (*ps->p) {
	case '{':
		return container(ps, depth, 1);
	case '[':
		return container(ps, depth, 0);
	case '"':
		if ((v = node(ps, JV_STRING)) == NULL)
			return nomem(ps);
		if (string(ps, &v->s, &v->len) != 0)
			return NULL;
		return v;
	case 't':
		return literal(ps, "true", JV_TRUE);
	case 'f':
		return literal(ps, "false", JV_FALSE);
	case 'n':
		return literal(ps, "null", JV_NULL);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return number(ps);
		return fail(ps, "a JSON value expected");
	}
}

jv *
jv_parse(jv_arena *a, const char *p, size_t n, size_t *used, jv_error *e)
{
	parser ps = { a, p, p, p + n, e };
	jv *v = value(&ps, 0);

	if (v != NULL)
		*used = (size_t)(ps.p - p);
	return v;
}

jv *
jv_object(jv_arena *a)
{
	jv *v = alloc(a, sizeof *v);

	if (v != NULL) {
		memset(v, 0, sizeof *v);
		v->kind = JV_OBJECT;
	}
	return v;
}

void
jv_append(jv *c, jv *v)
{
	v->next = NULL;
	if (c->last != NULL)
		c->last->next = v;
	else
		c->first = v;
	c->last = v;
	c->len++;
}

jv *
jv_get(const jv *o, const char *key)
{
	size_t n = strlen(key);
	jv *m;

	if (o == NULL || o->kind != JV_OBJECT)
		return NULL;
	jv_each(o, m)
		if (m->keylen == n && memcmp(m->key, key, n) == 0)
			return m;
	return NULL;
}

const char *
jv_str(const jv *v)
{
	return v != NULL && v->kind == JV_STRING ? v->s : NULL;
}

const char *
jv_gets(const jv *o, const char *key)
{
	return jv_str(jv_get(o, key));
}

int
jv_int(const jv *v, long long min, long long max, long long *out)
{
	char *end;
	long long x;

	if (v == NULL || v->kind != JV_NUMBER || strpbrk(v->s, ".eE"))
		return 0;
	x = strtoll(v->s, &end, 10);
	if (*end != '\0' || x < min || x > max)
		return 0;
	*out = x;
	return 1;
}

int
jv_is(const jv *v, enum jv_kind k)
{
	return v != NULL && v->kind == k;
}
