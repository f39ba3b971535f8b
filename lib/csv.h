/*
 * csv.h — RFC 4180 CSV records (internal): quoted fields with embedded
 * newlines and doubled quotes, CRLF or LF, a UTF-8 byte-order mark skipped.
 * A record is at most ENT_LINE_MAX bytes and ENT_CSV_FIELDS_MAX fields.
 */
#ifndef ENTENTE_CSV_H
#define ENTENTE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "entente/err.h"
#include "input.h"

typedef struct csv csv;

typedef struct csv_field {
	const char *s;   /* not NUL-terminated */
	size_t n;
} csv_field;

/* NULL when out of memory. The input stays the caller's. */
csv *csv_open(input *in);
void csv_close(csv *c);

/* Reads the next record. Returns 1, 0 at end of input, or -1 with msg set
 * (an unterminated quote, a record over the limits, a read error). Fields
 * stay valid until the next call. */
int csv_next(csv *c, ent_msg *msg);

size_t csv_nfields(const csv *c);
csv_field csv_get(const csv *c, size_t i);   /* empty field past the end */
uint64_t csv_lineno(const csv *c);           /* line the record started on */

#endif
