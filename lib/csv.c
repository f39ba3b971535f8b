/* csv.c — RFC 4180 reader (see csv.h). */
#include <stdlib.h>
#include <string.h>

#include "entente/limits.h"
#include "csv.h"

struct csv {
	input *in;
	char *buf;                       /* ENT_LINE_MAX bytes of field data */
	size_t len;
	size_t start[ENT_CSV_FIELDS_MAX + 1];
	size_t nfields;
	uint64_t lineno;
	int first;
};

csv *
csv_open(input *in)
{
	csv *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->buf = malloc(ENT_LINE_MAX);
	if (c->buf == NULL) {
		free(c);
		return NULL;
	}
	c->in = in;
	c->first = 1;
	return c;
}

void
csv_close(csv *c)
{
	if (c == NULL)
		return;
	free(c->buf);
	free(c);
}

static int
push(csv *c, int ch, ent_msg *msg)
{
	if (c->len >= ENT_LINE_MAX)
		return ent_fail(msg, ENT_ELIMIT, "line %llu: a CSV record is "
		    "longer than %d bytes", (unsigned long long)c->lineno,
		    ENT_LINE_MAX), -1;
	c->buf[c->len++] = (char)ch;
	return 0;
}

static int
end_field(csv *c, ent_msg *msg)
{
	if (c->nfields >= ENT_CSV_FIELDS_MAX)
		return ent_fail(msg, ENT_ELIMIT, "line %llu: a CSV record has "
		    "more than %d fields", (unsigned long long)c->lineno,
		    ENT_CSV_FIELDS_MAX), -1;
	c->start[++c->nfields] = c->len;
	return 0;
}

int
csv_next(csv *c, ent_msg *msg)
{
	int ch, quoted = 0, any = 0;

	if (c->first) {
		const char *p;
		long n = input_peek(c->in, 3, &p);
		if (n == 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			input_getc(c->in);
			input_getc(c->in);
			input_getc(c->in);
		}
		c->first = 0;
	}
	c->len = 0;
	c->nfields = 0;
	c->start[0] = 0;
	c->lineno = input_lineno(c->in);
	for (;;) {
		ch = input_getc(c->in);
		if (ch < 0) {
			if (input_error(c->in))
				return ent_fail(msg, ENT_EIO, "line %llu: read "
				    "error", (unsigned long long)c->lineno), -1;
			if (quoted)
				return ent_fail(msg, ENT_EINVAL, "line %llu: a "
				    "quoted CSV field is never closed",
				    (unsigned long long)c->lineno), -1;
			if (!any)
				return 0;
			return end_field(c, msg) ? -1 : 1;
		}
		any = 1;
		if (quoted) {
			if (ch == '"') {
				const char *p;
				if (input_peek(c->in, 1, &p) == 1 && *p == '"') {
					input_getc(c->in);
					if (push(c, '"', msg))
						return -1;
				} else {
					quoted = 0;
				}
			} else if (push(c, ch, msg)) {
				return -1;
			}
			continue;
		}
		if (ch == '"' && c->len == c->start[c->nfields]) {
			quoted = 1;
		} else if (ch == ',') {
			if (end_field(c, msg))
				return -1;
		} else if (ch == '\n') {
			if (c->len > c->start[c->nfields] &&
			    c->buf[c->len - 1] == '\r')
				c->len--;
			return end_field(c, msg) ? -1 : 1;
		} else if (push(c, ch, msg)) {
			return -1;
		}
	}
}

size_t
csv_nfields(const csv *c)
{
	return c->nfields;
}

csv_field
csv_get(const csv *c, size_t i)
{
	csv_field f = { "", 0 };

	if (i < c->nfields) {
		f.s = c->buf + c->start[i];
		f.n = c->start[i + 1] - c->start[i];
	}
	return f;
}

uint64_t
csv_lineno(const csv *c)
{
	return c->lineno;
}
