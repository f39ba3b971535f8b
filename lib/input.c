/* input.c — bounded buffered reading (see input.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "entente/limits.h"
#include <sodium.h>

#include "input.h"

#define CHUNK 65536

struct input {
	FILE *f;
	char *buf;          /* CHUNK + ENT_LINE_MAX bytes */
	size_t cap, pos, end;
	int eof, err;
	uint64_t lineno;
	char *line;         /* lines that cross the buffer are copied here */
	crypto_hash_sha256_state digest;    /* of every byte read */
};

input *
input_open(FILE *f)
{
	input *in = calloc(1, sizeof *in);

	if (in == NULL)
		return NULL;
	in->f = f;
	crypto_hash_sha256_init(&in->digest);
	in->cap = CHUNK;
	in->buf = malloc(in->cap);
	in->line = malloc(ENT_LINE_MAX + 1);
	in->lineno = 1;
	if (in->buf == NULL || in->line == NULL) {
		input_close(in);
		return NULL;
	}
	return in;
}

void
input_close(input *in)
{
	if (in == NULL)
		return;
	free(in->buf);
	free(in->line);
	free(in);
}

/* Refills so that at least `want` bytes are buffered (or EOF). */
static int
fill(input *in, size_t want)
{
	if (in->pos > 0 && in->end - in->pos < want) {
		memmove(in->buf, in->buf + in->pos, in->end - in->pos);
		in->end -= in->pos;
		in->pos = 0;
	}
	while (!in->eof && !in->err && in->end - in->pos < want &&
	    in->end < in->cap) {
		size_t n = fread(in->buf + in->end, 1, in->cap - in->end, in->f);
		crypto_hash_sha256_update(&in->digest,
		    (const uint8_t *)in->buf + in->end, n);
		in->end += n;
		if (n == 0) {
			if (ferror(in->f))
				in->err = errno ? errno : EIO;
			else
				in->eof = 1;
		}
	}
	return in->err ? -1 : 0;
}

long
input_peek(input *in, size_t n, const char **p)
{
	if (n == 0) {	/* what is buffered, reading only when nothing is */
		if (in->pos == in->end && fill(in, 1) != 0)
			return -1;
		*p = in->buf + in->pos;
		return (long)(in->end - in->pos);
	}
	if (n > in->cap) {
		char *b = realloc(in->buf, n);
		if (b == NULL) {
			in->err = ENOMEM;
			return -1;
		}
		in->buf = b;
		in->cap = n;
	}
	if (fill(in, n) != 0)
		return -1;
	*p = in->buf + in->pos;
	return (long)(in->end - in->pos < n ? in->end - in->pos : n);
}

void
input_skip(input *in, size_t n)
{
	const char *p = in->buf + in->pos, *e;

	if (n > in->end - in->pos)
		n = in->end - in->pos;
	e = p + n;
	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		in->lineno++;
		p++;
	}
	in->pos += n;
}

int
input_getc(input *in)
{
	int c;

	if (in->pos == in->end && fill(in, 1) != 0)
		return -1;
	if (in->pos == in->end)
		return -1;
	c = (unsigned char)in->buf[in->pos++];
	if (c == '\n')
		in->lineno++;
	return c;
}

int
input_error(const input *in)
{
	return in->err;
}

int
input_line(input *in, const char **line, size_t *len, ent_msg *msg)
{
	size_t n = 0;

	for (;;) {
		char *nl;
		size_t avail;

		if (in->pos == in->end) {
			if (fill(in, 1) != 0)
				return ent_fail(msg, ENT_EIO, "read error: %s",
				    strerror(in->err)), -1;
			if (in->pos == in->end) {
				if (n == 0)
					return 0;
				break;	/* last line without a newline */
			}
		}
		avail = in->end - in->pos;
		nl = memchr(in->buf + in->pos, '\n', avail);
		if (nl != NULL)
			avail = (size_t)(nl - (in->buf + in->pos));
		if (n + avail > ENT_LINE_MAX)
			return ent_fail(msg, ENT_ELIMIT, "line %llu is longer "
			    "than %d bytes", (unsigned long long)in->lineno,
			    ENT_LINE_MAX), -1;
		if (nl != NULL && n == 0) {
			/* common case: the whole line is in the buffer */
			*line = in->buf + in->pos;
			*len = avail;
			in->pos += avail + 1;
			in->lineno++;
			goto trim;
		}
		memcpy(in->line + n, in->buf + in->pos, avail);
		n += avail;
		in->pos += avail;
		if (nl != NULL) {
			in->pos++;
			break;
		}
	}
	in->lineno++;
	*line = in->line;
	*len = n;
trim:
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	return 1;
}

uint64_t
input_lineno(const input *in)
{
	return in->lineno;
}

void
input_digest(input *in, uint8_t out[static 32])
{
	char sink[4096];

	/* hash the rest too, so the digest is of the whole input */
	while (!in->eof && !in->err) {
		size_t n = fread(sink, 1, sizeof sink, in->f);
		crypto_hash_sha256_update(&in->digest, (uint8_t *)sink, n);
		if (n == 0)
			in->eof = 1;
	}
	crypto_hash_sha256_final(&in->digest, out);
}
