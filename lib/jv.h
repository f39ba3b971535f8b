/*
 * jv.h — a small, strict JSON (RFC 8259) reader for the importers
 * (internal).
 *
 * Parses one value into a tree allocated from an arena that the caller
 * resets between values: no allocation per node, which makes a STIX bundle
 * several times faster to read than with a general-purpose library. Strict:
 * UTF-8 is validated, \u escapes (with surrogate pairs) are decoded and
 * \u0000 is refused, nesting is bounded, duplicate keys are refused, and a
 * value is refused whole with the byte position of the fault.
 */
#ifndef ENTENTE_JV_H
#define ENTENTE_JV_H

#include <stddef.h>
#include <stdint.h>

#define JV_DEPTH_MAX 512

enum jv_kind { JV_NULL, JV_FALSE, JV_TRUE, JV_NUMBER, JV_STRING, JV_ARRAY,
	JV_OBJECT };

typedef struct jv jv;
struct jv {
	enum jv_kind kind;
	const char *s;          /* a string: its bytes, NUL-terminated; a
	                           number: its text */
	size_t len;             /* a string's bytes; members of a container */
	const char *key;        /* as a member of an object: its key */
	size_t keylen;
	jv *first, *last;       /* a container's members, in order */
	jv *next;               /* the next member of the container */
};

/* A growable arena of chunks; jv_reset keeps the first chunk. */
typedef struct jv_arena {
	struct jv_chunk *head;
	size_t used;
	size_t total;           /* bytes in chunks, for the bound */
} jv_arena;

void jv_reset(jv_arena *a);
void jv_free(jv_arena *a);

typedef struct jv_error {
	size_t pos;             /* byte offset of the fault */
	int more;               /* the input ended inside the value */
	char text[96];
} jv_error;

/*
 * Parses one JSON value at the start of p (white space before it is
 * skipped; anything after it is left). Returns the value, with *used set to
 * the bytes consumed, or NULL with *e filled: e->more when the input ended
 * before the value did (give more), else a syntax error at e->pos.
 * The tree lives until the arena is reset.
 */
jv *jv_parse(jv_arena *a, const char *p, size_t n, size_t *used, jv_error *e);

/* A new empty object node, for callers that assemble one. */
jv *jv_object(jv_arena *a);
/* Appends member v (its key already set) to object o. */
void jv_append(jv *o, jv *v);

/* The member of object o named key, or NULL (NULL o too). */
jv *jv_get(const jv *o, const char *key);
/* The string, or NULL when v is not a string (or NULL). */
const char *jv_str(const jv *v);
/* A member's string value: jv_str(jv_get(o, key)). */
const char *jv_gets(const jv *o, const char *key);
/* Is v an integer from min to max? Sets *out. */
int jv_int(const jv *v, long long min, long long max, long long *out);
int jv_is(const jv *v, enum jv_kind k);

#define jv_each(c, m) \
	for ((m) = (c) && ((c)->kind == JV_ARRAY || (c)->kind == JV_OBJECT) ? \
	    (c)->first : NULL; (m) != NULL; (m) = (m)->next)

#endif
