/*
 * indicator.h — indicator types, TLP levels and the one canonical form.
 *
 * Every indicator has exactly one canonical text form, used everywhere: as
 * the store key, as the private-matching element, and as the scan key.
 *   domain   lower case, IDNA 2008 A-labels, no trailing dot, labels checked,
 *            last label a listed public suffix
 *   ipv4     dotted decimal; leading-zero octets refused
 *   ipv6     RFC 5952 text; IPv4-mapped addresses become ipv4
 *   *-net    network/prefix; host bits set is refused, naming the network;
 *            a /32 (/128) becomes the single address
 *   url      RFC 3986 section 6 normal form; no scheme means http
 *   email    local part as given, domain part as a domain
 *   md5/sha1/sha256  lower-case hex of the exact length
 * All functions here are pure and thread-safe.
 */
#ifndef ENTENTE_INDICATOR_H
#define ENTENTE_INDICATOR_H

#include <stddef.h>

#include "entente/err.h"
#include "entente/limits.h"

/* The codes are stored: never renumber, only append. */
typedef enum ent_type {
	ENT_TYPE_AUTO = 0, /* detect from the value */
	ENT_TYPE_IPV4,
	ENT_TYPE_IPV6,
	ENT_TYPE_IPV4_NET,
	ENT_TYPE_IPV6_NET,
	ENT_TYPE_DOMAIN,
	ENT_TYPE_URL,
	ENT_TYPE_EMAIL,
	ENT_TYPE_MD5,
	ENT_TYPE_SHA1,
	ENT_TYPE_SHA256,
	ENT_TYPE_COUNT
} ent_type;

typedef enum ent_tlp {
	ENT_TLP_CLEAR = 0,
	ENT_TLP_GREEN,
	ENT_TLP_AMBER,
	ENT_TLP_AMBER_STRICT,
	ENT_TLP_RED,
	ENT_TLP_COUNT
} ent_tlp;

typedef struct ent_indicator {
	ent_type type;
	size_t len;                      /* strlen(value) */
	char value[ENT_VALUE_MAX + 1];   /* canonical, NUL-terminated */
} ent_indicator;

/* "ipv4", "domain", ...; "auto" for ENT_TYPE_AUTO; NULL if out of range. */
const char *ent_type_name(ent_type t);

/* Parses a type name as printed by ent_type_name. Returns ENT_EINVAL with the
 * list of names in msg when unknown. */
ent_err ent_type_parse(const char *s, ent_type *out, ent_msg *msg);

/* "clear", "green", "amber", "amber+strict", "red". NULL if out of range. */
const char *ent_tlp_name(ent_tlp t);

/* Parses a TLP level, case-insensitively, with or without a "TLP:" prefix;
 * "white" is read as clear. ENT_EINVAL when unknown. */
ent_err ent_tlp_parse(const char *s, ent_tlp *out, ent_msg *msg);

/*
 * Canonicalises the len bytes at s (need not be NUL-terminated; surrounding
 * white space is ignored) as an indicator of type want, or of the detected
 * type when want is ENT_TYPE_AUTO. On success fills *out and returns ENT_OK.
 * On failure returns ENT_EINVAL (or ENT_ELIMIT when too long) and msg says
 * which value and why; *out is then unspecified.
 */
ent_err ent_indicator_parse(ent_indicator *out, const char *s, size_t len,
    ent_type want, ent_msg *msg) __attribute__((warn_unused_result));

/* Canonical network text "addr/len" of the network of the given type
 * (ipv4-net or ipv6-net) that contains the address at canonical value
 * `addr`, with prefix length plen. Used by containment look-ups. */
ent_err ent_indicator_network_of(const ent_indicator *addr, unsigned plen,
    ent_indicator *out, ent_msg *msg) __attribute__((warn_unused_result));

#endif
