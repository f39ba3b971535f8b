/* json_stream.c — one object at a time out of a large JSON document (see
 * json_stream.h). */
#include <string.h>

#include "entente/limits.h"
#include "json_stream.h"

/* Skips white space; returns the next byte without consuming it, or -1 at
 * the end. */
static int
peek_byte(input *in)
{
	const char *p;

	for (;;) {
		long n = input_peek(in, 1, &p);
		if (n <= 0)
			return -1;
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return (unsigned char)*p;
		input_skip(in, 1);
	}
}

static ent_err
syntax(input *in, ent_msg *msg, const char *what)
{
	return ent_fail(msg, ENT_EINVAL, "line %llu: %s",
	    (unsigned long long)input_lineno(in), what);
}

/* Line and column of byte `pos` of the n bytes at p, from line `line`. */
static void
where(const char *p, size_t pos, uint64_t line, uint64_t *l, size_t *col)
{
	size_t start = 0;

	for (size_t i = 0; i < pos; i++)
		if (p[i] == '\n') {
			line++;
			start = i + 1;
		}
	*l = line;
	*col = pos - start + 1;
}

/* Parses the one JSON value that starts here into arena a, reading more of
 * the input until it is whole. */
static ent_err
value(input *in, jv_arena *a, jv **out, ent_msg *msg)
{
	const char *p;
	/* first what is buffered; more only when the value runs past it */
	long n = input_peek(in, 0, &p);
	size_t want = (size_t)(n > 0 ? n : 0);

	*out = NULL;
	for (;;) {
		jv_error e;
		size_t used;
		jv *v;

		if (n < 0)
			return ent_fail(msg, ENT_EIO, "read error");
		v = jv_parse(a, p, (size_t)n, &used, &e);
		if (v == NULL && e.more && (size_t)n == want) {
			/* ran into the end of what was read: read more */
			if (want > ENT_JSON_VALUE_MAX)
				return ent_fail(msg, ENT_ELIMIT, "line %llu: a "
				    "JSON value longer than %u bytes",
				    (unsigned long long)input_lineno(in),
				    ENT_JSON_VALUE_MAX);
			want = want < 32768 ? 65536 : want * 2;
			n = input_peek(in, want, &p);
			if (n >= 0 && (size_t)n < want)
				want = SIZE_MAX;	/* the end: no more */
			continue;
		}
		if (v == NULL) {
			uint64_t l;
			size_t col;
			where(p, e.pos, input_lineno(in), &l, &col);
			return ent_fail(msg, ENT_EINVAL, "line %llu, column %zu: "
			    "%s", (unsigned long long)l, col, e.text);
		}
		input_skip(in, used);
		*out = v;
		return ENT_OK;
	}
}

/* Walks the elements of the array that starts here. */
static ent_err
elements(input *in, json_object_fn fn, void *ctx, ent_msg *msg)
{
	jv_arena a = { NULL, 0, 0 };
	ent_err ret = ENT_OK;
	int c;

	input_skip(in, 1);	/* '[' */
	if ((c = peek_byte(in)) == ']') {
		input_skip(in, 1);
		return ENT_OK;
	}
	for (;;) {
		uint64_t line;
		jv *v;

		c = peek_byte(in);	/* to the value: its line */
		line = input_lineno(in);
		jv_reset(&a);
		if ((ret = value(in, &a, &v, msg)) != ENT_OK)
			break;
		if ((ret = fn(v, line, ctx, msg)) != ENT_OK)
			break;
		c = peek_byte(in);
		if (c == ']') {
			input_skip(in, 1);
			break;
		}
		if (c != ',') {
			ret = syntax(in, msg, c < 0 ? "the input ends inside "
			    "an array" : "',' or ']' expected");
			break;
		}
		input_skip(in, 1);
	}
	jv_free(&a);
	return ret;
}

static ent_err
document(input *in, jv_arena *top, const char *key, json_object_fn fn,
    void *ctx, ent_msg *msg)
{
	jv *rest;
	uint64_t line;
	ent_err ret;
	int c, streamed = 0;

	c = peek_byte(in);
	if (c == '[')
		return elements(in, fn, ctx, msg);
	if (c != '{')
		return syntax(in, msg, c < 0 ? "the input is empty" : "a JSON "
		    "object or array expected");
	line = input_lineno(in);
	input_skip(in, 1);
	if ((rest = jv_object(top)) == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	if ((c = peek_byte(in)) == '}') {
		input_skip(in, 1);
		return fn(rest, line, ctx, msg);
	}
	for (;;) {
		jv *k, *v;

		if (peek_byte(in) != '"')
			return syntax(in, msg, "an object key expected");
		if ((ret = value(in, top, &k, msg)) != ENT_OK)
			return ret;
		if (jv_get(rest, k->s) != NULL || (streamed && key != NULL &&
		    strcmp(k->s, key) == 0))
			return syntax(in, msg, "a duplicate key in an object");
		if (peek_byte(in) != ':')
			return syntax(in, msg, "':' expected");
		input_skip(in, 1);
		if (key != NULL && strcmp(k->s, key) == 0 &&
		    peek_byte(in) == '[') {
			if ((ret = elements(in, fn, ctx, msg)) != ENT_OK)
				return ret;
			streamed = 1;
		} else {
			if ((ret = value(in, top, &v, msg)) != ENT_OK)
				return ret;
			v->key = k->s;
			v->keylen = k->len;
			jv_append(rest, v);
		}
		c = peek_byte(in);
		if (c == '}') {
			input_skip(in, 1);
			break;
		}
		if (c != ',')
			return syntax(in, msg, c < 0 ? "the input ends inside an "
			    "object" : "',' or '}' expected");
		input_skip(in, 1);
	}
	return streamed ? ENT_OK : fn(rest, line, ctx, msg);
}

ent_err
json_stream(input *in, const char *key, json_object_fn fn, void *ctx,
    ent_msg *msg)
{
	jv_arena top = { NULL, 0, 0 };
	ent_err ret = document(in, &top, key, fn, ctx, msg);

	jv_free(&top);
	if (ret == ENT_OK && peek_byte(in) >= 0)
		return syntax(in, msg, "more after the end of the JSON "
		    "document");
	return ret;
}
