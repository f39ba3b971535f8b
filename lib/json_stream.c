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

/* Parses the one JSON value that starts here, reading more of the input
 * until it is whole. */
static ent_err
value(input *in, json_t **out, ent_msg *msg)
{
	const char *p;
	/* first what is buffered; more only when the value runs past it */
	long n = input_peek(in, 0, &p);
	size_t want = (size_t)(n > 0 ? n : 0);

	*out = NULL;
	for (;;) {
		json_error_t e;
		json_t *v;
		int more;

		if (n < 0)
			return ent_fail(msg, ENT_EIO, "read error");
		v = json_loadb(p, (size_t)n, JSON_DISABLE_EOF_CHECK |
		    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
		/* ran into the end of what was read, and there may be more */
		more = (size_t)n == want && e.position >= n &&
		    (v == NULL || !(json_is_object(v) || json_is_array(v)));
		if (more) {
			json_decref(v);
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
		if (v == NULL)
			return ent_fail(msg, ENT_EINVAL, "line %llu, column %d: "
			    "%s", (unsigned long long)(input_lineno(in) +
			    (uint64_t)e.line - 1), e.column, e.text);
		input_skip(in, (size_t)e.position);
		*out = v;
		return ENT_OK;
	}
}

/* Walks the elements of the array that starts here. */
static ent_err
elements(input *in, json_object_fn fn, void *ctx, ent_msg *msg)
{
	int c;

	input_skip(in, 1);	/* '[' */
	if ((c = peek_byte(in)) == ']') {
		input_skip(in, 1);
		return ENT_OK;
	}
	for (;;) {
		uint64_t line = input_lineno(in);
		json_t *v;
		ent_err ret;

		if ((ret = value(in, &v, msg)) != ENT_OK)
			return ret;
		ret = fn(v, line, ctx, msg);
		json_decref(v);
		if (ret != ENT_OK)
			return ret;
		c = peek_byte(in);
		if (c == ']') {
			input_skip(in, 1);
			return ENT_OK;
		}
		if (c != ',')
			return syntax(in, msg, c < 0 ? "the input ends inside "
			    "an array" : "',' or ']' expected");
		input_skip(in, 1);
	}
}

ent_err
json_stream(input *in, const char *key, json_object_fn fn, void *ctx,
    ent_msg *msg)
{
	json_t *rest = NULL;
	uint64_t line;
	ent_err ret = ENT_OK;
	int c, streamed = 0;

	c = peek_byte(in);
	if (c == '[') {
		ret = elements(in, fn, ctx, msg);
		goto end;
	}
	if (c != '{')
		return syntax(in, msg, c < 0 ? "the input is empty" : "a JSON "
		    "object or array expected");
	line = input_lineno(in);
	input_skip(in, 1);
	rest = json_object();
	if (rest == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	if ((c = peek_byte(in)) == '}') {
		input_skip(in, 1);
		goto done;
	}
	for (;;) {
		json_t *k, *v;
		const char *name;

		if ((ret = value(in, &k, msg)) != ENT_OK)
			goto out;
		if (!json_is_string(k)) {
			json_decref(k);
			ret = syntax(in, msg, "an object key expected");
			goto out;
		}
		if (peek_byte(in) != ':') {
			json_decref(k);
			ret = syntax(in, msg, "':' expected");
			goto out;
		}
		input_skip(in, 1);
		name = json_string_value(k);
		if (key != NULL && strcmp(name, key) == 0 &&
		    peek_byte(in) == '[') {
			json_decref(k);
			if ((ret = elements(in, fn, ctx, msg)) != ENT_OK)
				goto out;
			streamed = 1;
		} else {
			if ((ret = value(in, &v, msg)) != ENT_OK) {
				json_decref(k);
				goto out;
			}
			json_object_set_new(rest, name, v);
			json_decref(k);
		}
		c = peek_byte(in);
		if (c == '}') {
			input_skip(in, 1);
			break;
		}
		if (c != ',') {
			ret = syntax(in, msg, c < 0 ? "the input ends inside an "
			    "object" : "',' or '}' expected");
			goto out;
		}
		input_skip(in, 1);
	}
done:
	if (!streamed)
		ret = fn(rest, line, ctx, msg);
out:
	json_decref(rest);
	if (ret != ENT_OK)
		return ret;
end:
	if (ret == ENT_OK && peek_byte(in) >= 0)
		return syntax(in, msg, "more after the end of the JSON "
		    "document");
	return ret;
}
