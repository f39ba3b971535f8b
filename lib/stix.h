/*
 * stix.h — the parts of STIX 2.1 that Entente reads and writes (internal):
 * the pattern subset, the object types that carry indicators, TLP markings
 * and timestamps.
 */
#ifndef ENTENTE_STIX_H
#define ENTENTE_STIX_H

#include <stddef.h>
#include <stdint.h>

#include "entente/err.h"
#include "entente/indicator.h"

#define STIX_TERMS_MAX 256   /* comparisons in one pattern */

typedef struct stix_term {
	ent_type type;
	const char *value;    /* unescaped, NUL-terminated, in the buffer */
	size_t len;
} stix_term;

typedef struct stix_terms {
	stix_term t[STIX_TERMS_MAX];
	size_t n;
	char buf[ENT_VALUE_MAX * 2];   /* the unescaped values */
	size_t used;
} stix_terms;

/*
 * Parses a pattern of the subset Entente imports: one or more observation
 * expressions joined by OR, each a comparison `path = 'string'` or an OR of
 * them, over ipv4-addr:value, ipv6-addr:value, domain-name:value,
 * url:value, email-addr:value and file:hashes.MD5 / 'SHA-1' / 'SHA-256'
 * (quoted or not). Returns 0 with every comparison in *out, or -1 with the
 * reason in why, and nothing is to be imported then.
 */
int stix_pattern_parse(const char *pattern, size_t len, stix_terms *out,
    char why[ENT_MSG_MAX]);

/* The STIX type and property of an indicator type: "ipv4-addr", "value";
 * "file", "hashes.'SHA-256'". */
const char *stix_object_type(ent_type t);
const char *stix_property(ent_type t);

/* Writes the pattern for one indicator into buf (the value escaped).
 * Returns the length, or -1 when it does not fit. */
int stix_pattern_write(char *buf, size_t size, ent_type t, const char *value);

/* The TLP of a well-known TLP 1.0 or TLP 2.0 marking-definition id, or -1. */
int stix_tlp_of_marking(const char *id);

/* The TLP 2.0 marking-definition id of a level. */
const char *stix_tlp_marking(ent_tlp t);

/* Parses an RFC 3339 timestamp in UTC ("2016-04-06T20:03:00.000Z") to Unix
 * time; -1 when it is not one. */
int stix_time_parse(const char *s, int64_t *out);

/* Writes t as "YYYY-MM-DDTHH:MM:SS.000Z" (25 bytes with the NUL). */
void stix_time_write(char out[25], int64_t t);

#endif
