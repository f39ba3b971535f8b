/*
 * input.h — bounded, buffered reading of a FILE for the importers (internal).
 *
 * Lines are at most ENT_LINE_MAX bytes; a longer one is an ENT_ELIMIT error,
 * never a silent truncation. Not thread-safe.
 */
#ifndef ENTENTE_INPUT_H
#define ENTENTE_INPUT_H

#include <stdint.h>
#include <stdio.h>

#include "entente/err.h"

typedef struct input input;

/* Wraps f (not closed by input_close). NULL when out of memory. */
input *input_open(FILE *f);
void input_close(input *in);

/* Makes up to n bytes available without consuming them (growing the
 * buffer to n: the caller bounds n); *p points at them and the count is
 * returned (less at end of file). -1 on read error or out of memory.
 * n == 0: whatever is buffered (at least a byte unless at the end). */
long input_peek(input *in, size_t n, const char **p);

/* Consumes n bytes of those input_peek made available. */
void input_skip(input *in, size_t n);

/* Next byte, or -1 at end of file (or on error: see input_error). */
int input_getc(input *in);

/* Non-zero after a read error. */
int input_error(const input *in);

/* Reads one line without its "\n" or "\r\n" into *line (valid until the next
 * call), its length into *len. Returns 1 for a line, 0 at end of file,
 * or -1 with msg set (read error, or a line over ENT_LINE_MAX). */
int input_line(input *in, const char **line, size_t *len, ent_msg *msg);

/* 1-based number of the line the next byte belongs to. */
uint64_t input_lineno(const input *in);

/* SHA-256 of the whole input (reading what is left). Call once, last. */
void input_digest(input *in, uint8_t out[static 32]);

#endif
