/*
 * indicator.c — detection and canonicalisation of indicator values
 * (see include/entente/indicator.h for the rules).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <idn2.h>
#include <libpsl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entente/indicator.h"

static const char *const type_names[ENT_TYPE_COUNT] = {
	"auto", "ipv4", "ipv6", "ipv4-net", "ipv6-net", "domain", "url",
	"email", "md5", "sha1", "sha256",
};

static const char *const tlp_names[ENT_TLP_COUNT] = {
	"clear", "green", "amber", "amber+strict", "red",
};

const char *
ent_type_name(ent_type t)
{
	if ((unsigned)t >= ENT_TYPE_COUNT)
		return NULL;
	return type_names[t];
}

ent_err
ent_type_parse(const char *s, ent_type *out, ent_msg *msg)
{
	for (int t = 0; t < ENT_TYPE_COUNT; t++) {
		if (strcasecmp(s, type_names[t]) == 0) {
			*out = (ent_type)t;
			return ENT_OK;
		}
	}
	return ent_fail(msg, ENT_EINVAL, "unknown type '%s' (types: ipv4, "
	    "ipv6, ipv4-net, ipv6-net, domain, url, email, md5, sha1, sha256)",
	    s);
}

const char *
ent_tlp_name(ent_tlp t)
{
	if ((unsigned)t >= ENT_TLP_COUNT)
		return NULL;
	return tlp_names[t];
}

ent_err
ent_tlp_parse(const char *s, ent_tlp *out, ent_msg *msg)
{
	const char *p = s;

	if (strncasecmp(p, "tlp:", 4) == 0)
		p += 4;
	if (strcasecmp(p, "white") == 0) {
		*out = ENT_TLP_CLEAR;
		return ENT_OK;
	}
	for (int t = 0; t < ENT_TLP_COUNT; t++) {
		if (strcasecmp(p, tlp_names[t]) == 0) {
			*out = (ent_tlp)t;
			return ENT_OK;
		}
	}
	return ent_fail(msg, ENT_EINVAL, "unknown TLP '%s' (levels: clear, "
	    "green, amber, amber+strict, red; white means clear)", s);
}

/* --- small helpers ---------------------------------------------------- */

/* The value as given, made printable and short, for messages. */
static const char *
shown(const char *s, size_t n, char buf[static 96])
{
	size_t j = 0;

	for (size_t i = 0; i < n && j < 90; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[j++] = (c >= 0x20 && c != 0x7f) ? (char)c : '?';
	}
	if (n > 90 || j >= 90) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j] = '\0';
	return buf;
}

#define BAD(...) ent_fail(msg, ENT_EINVAL, __VA_ARGS__)

static bool
is_hex(int c)
{
	return isxdigit((unsigned char)c) != 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return (tolower(c) - 'a') + 10;
}

/* Appends n bytes to out->value; false when the canonical form would be
 * longer than ENT_VALUE_MAX. */
static bool
put(ent_indicator *out, const char *s, size_t n)
{
	if (out->len + n > ENT_VALUE_MAX)
		return false;
	memcpy(out->value + out->len, s, n);
	out->len += n;
	out->value[out->len] = '\0';
	return true;
}

static bool
putc1(ent_indicator *out, char c)
{
	return put(out, &c, 1);
}

/* --- addresses -------------------------------------------------------- */

/* Parses strict dotted decimal. 0 on success, else sets why. */
static int
parse_ipv4(const char *s, size_t n, uint8_t a[4], const char **why)
{
	size_t i = 0;

	for (int oct = 0; oct < 4; oct++) {
		unsigned v = 0;
		size_t start = i;

		if (oct > 0) {
			if (i >= n || s[i] != '.') {
				*why = "an IPv4 address has four dot-separated octets";
				return -1;
			}
			start = ++i;
		}
		while (i < n && isdigit((unsigned char)s[i]) && i - start < 4)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start) {
			*why = "an IPv4 octet is empty or not a number";
			return -1;
		}
		if (i - start > 3 || v > 255) {
			*why = "an IPv4 octet is larger than 255";
			return -1;
		}
		if (i - start > 1 && s[start] == '0') {
			*why = "an IPv4 octet has a leading zero (octal or "
			    "decimal is ambiguous)";
			return -1;
		}
		a[oct] = (uint8_t)v;
	}
	if (i != n) {
		*why = "an IPv4 address has four dot-separated octets";
		return -1;
	}
	return 0;
}

static int
parse_ipv6(const char *s, size_t n, uint8_t a[16], const char **why)
{
	char buf[64];

	if (n == 0 || n >= sizeof buf) {
		*why = "not an IPv6 address";
		return -1;
	}
	if (memchr(s, '%', n) != NULL) {
		*why = "an IPv6 zone index (%...) is local to one host";
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1) {
		*why = "not an IPv6 address";
		return -1;
	}
	return 0;
}

static bool
is_v4mapped(const uint8_t a[16])
{
	static const uint8_t pfx[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};
	return memcmp(a, pfx, 12) == 0;
}

static void
fmt_ipv4(const uint8_t a[4], char buf[static 16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* RFC 5952: lower-case hex, no leading zeros, the longest run (first on a
 * tie) of two or more zero groups shortened to "::". */
static void
fmt_ipv6(const uint8_t a[16], char buf[static 40])
{
	unsigned g[8];
	int best = -1, bestlen = 0;
	size_t o = 0;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = (j == i) ? i + 1 : j;
	}
	if (bestlen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			buf[o++] = ':';
			if (i == 0)
				buf[o++] = ':';
			i += bestlen - 1;
			continue;
		}
		o += (size_t)snprintf(buf + o, 40 - o, "%x", g[i]);
		if (i < 7)
			buf[o++] = ':';
	}
	buf[o] = '\0';
}

/* Parses "addr" or "addr/plen" of either family into out, applying the
 * network rules. */
static ent_err
canon_ip(ent_indicator *out, const char *s, size_t n, ent_type want,
    ent_msg *msg)
{
	char sb[96], text[64];
	const char *slash = memchr(s, '/', n);
	size_t an = slash ? (size_t)(slash - s) : n;
	uint8_t a[16];
	int plen = -1, v6, mapped = 0;
	const char *why = NULL, *kind;

	v6 = memchr(s, ':', an) != NULL;
	kind = v6 ? (slash ? "IPv6 network" : "IPv6 address") :
	    (slash ? "IPv4 network" : "IPv4 address");
	if (!v6 && parse_ipv4(s, an, a, &why) != 0)
		return BAD("'%s' is not a valid %s: %s", shown(s, n, sb), kind,
		    why);
	if (v6 && parse_ipv6(s, an, a, &why) != 0)
		return BAD("'%s' is not a valid %s: %s", shown(s, n, sb), kind,
		    why);
	if (slash != NULL) {
		const char *p = slash + 1;
		size_t pn = n - an - 1;
		unsigned max = v6 ? 128 : 32;

		plen = 0;
		if (pn == 0 || pn > 3 || (pn > 1 && p[0] == '0'))
			return BAD("'%s' is not a valid %s: the prefix length "
			    "must be a number from 0 to %u", shown(s, n, sb),
			    kind, max);
		for (size_t i = 0; i < pn; i++) {
			if (!isdigit((unsigned char)p[i]))
				return BAD("'%s' is not a valid %s: the prefix "
				    "length must be a number from 0 to %u",
				    shown(s, n, sb), kind, max);
			plen = plen * 10 + (p[i] - '0');
		}
		if ((unsigned)plen > max)
			return BAD("'%s' is not a valid %s: the prefix length "
			    "must be a number from 0 to %u", shown(s, n, sb),
			    kind, max);
	}
	/* IPv4-mapped IPv6 becomes IPv4. */
	if (v6 && is_v4mapped(a) && (plen < 0 || plen >= 96)) {
		memmove(a, a + 12, 4);
		v6 = 0;
		mapped = 1;
		if (plen >= 0)
			plen -= 96;
	}
	if ((want == ENT_TYPE_IPV4 || want == ENT_TYPE_IPV4_NET) && v6)
		return BAD("'%s' is an IPv6 value, not IPv4", shown(s, n, sb));
	if ((want == ENT_TYPE_IPV6 || want == ENT_TYPE_IPV6_NET) && !v6 &&
	    !mapped)
		return BAD("'%s' is an IPv4 value, not IPv6", shown(s, n, sb));
	if (plen == (v6 ? 128 : 32))
		plen = -1;	/* a single address */
	if (plen >= 0) {
		uint8_t net[16];
		size_t bytes = v6 ? 16 : 4;

		memcpy(net, a, bytes);
		for (size_t i = 0; i < bytes; i++) {
			int bits = plen - (int)(i * 8);
			uint8_t mask = bits >= 8 ? 0xff :
			    bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
			net[i] &= mask;
		}
		if (memcmp(net, a, bytes) != 0) {
			if (v6)
				fmt_ipv6(net, text);
			else
				fmt_ipv4(net, text);
			return BAD("'%s' has host bits set; the network is %s/%d",
			    shown(s, n, sb), text, plen);
		}
	}
	if (v6)
		fmt_ipv6(a, text);
	else
		fmt_ipv4(a, text);
	out->len = 0;
	out->value[0] = '\0';
	put(out, text, strlen(text));
	if (plen >= 0) {
		char pb[8];
		int k = snprintf(pb, sizeof pb, "/%d", plen);
		put(out, pb, (size_t)k);
		out->type = v6 ? ENT_TYPE_IPV6_NET : ENT_TYPE_IPV4_NET;
	} else {
		out->type = v6 ? ENT_TYPE_IPV6 : ENT_TYPE_IPV4;
	}
	return ENT_OK;
}

ent_err
ent_indicator_network_of(const ent_indicator *addr, unsigned plen,
    ent_indicator *out, ent_msg *msg)
{
	uint8_t a[16];
	char text[64];
	int v6 = addr->type == ENT_TYPE_IPV6;
	size_t bytes = v6 ? 16 : 4;
	const char *why;
	int k;

	if (addr->type != ENT_TYPE_IPV4 && addr->type != ENT_TYPE_IPV6)
		return BAD("network_of needs an address");
	if (plen > bytes * 8)
		return BAD("prefix length %u is too long", plen);
	if (v6 ? parse_ipv6(addr->value, addr->len, a, &why) :
	    parse_ipv4(addr->value, addr->len, a, &why))
		return BAD("'%s' is not a canonical address", addr->value);
	for (size_t i = 0; i < bytes; i++) {
		int bits = (int)plen - (int)(i * 8);
		a[i] &= bits >= 8 ? 0xff :
		    bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
	if (v6)
		fmt_ipv6(a, text);
	else
		fmt_ipv4(a, text);
	k = snprintf(out->value, sizeof out->value, "%s/%u", text, plen);
	out->len = (size_t)k;
	out->type = v6 ? ENT_TYPE_IPV6_NET : ENT_TYPE_IPV4_NET;
	return ENT_OK;
}

/* --- domains ---------------------------------------------------------- */

static const psl_ctx_t *
psl(void)
{
	return psl_builtin();
}

/* Checks the labels of an ASCII, lower-case domain. NULL if fine. */
static const char *
check_labels(const char *d, size_t n, bool *has_xn)
{
	size_t start = 0;

	*has_xn = false;
	if (n == 0)
		return "the name is empty";
	if (n > ENT_DOMAIN_MAX)
		return "the name is longer than 253 characters";
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '.') {
			char c = d[i];
			if (!(isalnum((unsigned char)c) || c == '-' || c == '_'))
				return "a label has a character other than "
				    "letters, digits, '-' and '_'";
			continue;
		}
		size_t ln = i - start;
		if (ln == 0)
			return "a label is empty (two dots in a row, or a "
			    "leading dot)";
		if (ln > ENT_LABEL_MAX)
			return "a label is longer than 63 characters";
		if (d[start] == '-' || d[i - 1] == '-')
			return "a label starts or ends with '-'";
		if (ln >= 4 && memcmp(d + start, "xn--", 4) == 0)
			*has_xn = true;
		start = i + 1;
	}
	return NULL;
}

/* Canonicalises a domain into dst (capacity ENT_DOMAIN_MAX + 1).
 * Returns NULL on success, else the reason. */
static const char *
domain_canon(const char *s, size_t n, char dst[static ENT_DOMAIN_MAX + 1])
{
	bool ascii = true, has_xn;
	char tmp[ENT_VALUE_MAX + 1];
	const char *why;
	const char *last;
	size_t dn;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return "the name is empty";
	if (n > ENT_VALUE_MAX)
		return "the name is too long";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0)
			return "the name has a NUL byte";
		if (c >= 0x80)
			ascii = false;
		tmp[i] = (char)tolower(c);
	}
	tmp[n] = '\0';
	if (!ascii) {
		char *a = NULL;
		int rc = idn2_lookup_u8((const uint8_t *)tmp, (uint8_t **)&a,
		    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
		if (rc != IDN2_OK) {
			idn2_free(a);
			return "it is not a valid internationalised name "
			    "(IDNA 2008)";
		}
		dn = strlen(a);
		if (dn > ENT_DOMAIN_MAX) {
			idn2_free(a);
			return "the name is longer than 253 characters";
		}
		memcpy(tmp, a, dn + 1);
		idn2_free(a);
		if (dn > 0 && tmp[dn - 1] == '.')
			tmp[--dn] = '\0';
	} else {
		dn = n;
	}
	why = check_labels(tmp, dn, &has_xn);
	if (why != NULL)
		return why;
	if (has_xn) {
		/* A-labels must decode to valid IDNA; the look-up checks. */
		char *a = NULL;
		int rc = idn2_lookup_u8((const uint8_t *)tmp, (uint8_t **)&a,
		    IDN2_NONTRANSITIONAL);
		bool same = rc == IDN2_OK && strcmp(a, tmp) == 0;
		idn2_free(a);
		if (!same)
			return "an xn-- label is not valid IDNA (bad punycode "
			    "or a forbidden character)";
	}
	/* Some suffix must be listed: "za" is not, "co.za" is. */
	for (last = tmp + dn;;) {
		const char *dot = memrchr(tmp, '.', (size_t)(last - tmp));
		last = dot ? dot : tmp;
		if (psl_is_public_suffix2(psl(), dot ? dot + 1 : tmp,
		    PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
			break;
		if (dot == NULL)
			return "it does not end in a listed public suffix";
	}
	if (psl_is_public_suffix2(psl(), tmp,
	    PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE))
		return "it is a public suffix itself, not a domain under one";
	memcpy(dst, tmp, dn + 1);
	return NULL;
}

static ent_err
canon_domain(ent_indicator *out, const char *s, size_t n, ent_msg *msg)
{
	char sb[96], d[ENT_DOMAIN_MAX + 1];
	const char *why = domain_canon(s, n, d);

	if (why != NULL)
		return BAD("'%s' is not a valid domain: %s", shown(s, n, sb), why);
	out->type = ENT_TYPE_DOMAIN;
	out->len = 0;
	put(out, d, strlen(d));
	return ENT_OK;
}

/* --- e-mail ----------------------------------------------------------- */

static ent_err
canon_email(ent_indicator *out, const char *s, size_t n, ent_msg *msg)
{
	char sb[96], d[ENT_DOMAIN_MAX + 1];
	const char *at = memrchr(s, '@', n);
	size_t ln;
	const char *why;

	if (at == NULL)
		return BAD("'%s' is not a valid e-mail address: no '@'",
		    shown(s, n, sb));
	ln = (size_t)(at - s);
	if (ln == 0 || ln > ENT_EMAIL_LOCAL_MAX)
		return BAD("'%s' is not a valid e-mail address: the part "
		    "before '@' must have 1 to 64 characters", shown(s, n, sb));
	for (size_t i = 0; i < ln; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"@", c))
			return BAD("'%s' is not a valid e-mail address: the "
			    "part before '@' has a character not allowed "
			    "there", shown(s, n, sb));
	}
	why = domain_canon(at + 1, n - ln - 1, d);
	if (why != NULL)
		return BAD("'%s' is not a valid e-mail address: its domain: %s",
		    shown(s, n, sb), why);
	out->type = ENT_TYPE_EMAIL;
	out->len = 0;
	put(out, s, ln);
	putc1(out, '@');
	put(out, d, strlen(d));
	return ENT_OK;
}

/* --- hashes ----------------------------------------------------------- */

static size_t
hash_len(ent_type t)
{
	return t == ENT_TYPE_MD5 ? 32 : t == ENT_TYPE_SHA1 ? 40 : 64;
}

static ent_err
canon_hash(ent_indicator *out, const char *s, size_t n, ent_type t,
    ent_msg *msg)
{
	char sb[96];

	if (n != hash_len(t))
		return BAD("'%s' is not a valid %s: it must be %zu hex digits, "
		    "not %zu", shown(s, n, sb), ent_type_name(t), hash_len(t), n);
	for (size_t i = 0; i < n; i++) {
		if (!is_hex(s[i]))
			return BAD("'%s' is not a valid %s: it has a character "
			    "that is not a hex digit", shown(s, n, sb),
			    ent_type_name(t));
		out->value[i] = (char)tolower((unsigned char)s[i]);
	}
	out->value[n] = '\0';
	out->len = n;
	out->type = t;
	return ENT_OK;
}

/* --- URLs ------------------------------------------------------------- */

static bool
is_unreserved(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Characters that may stand literally in a path or query. */
static bool
is_literal(int c)
{
	return is_unreserved(c) || (c != 0 && strchr("!$&'()*+,;=:@/?", c));
}

/* Appends a path or query with percent-encoding normalised: %XX of an
 * unreserved character decoded, other %XX in upper case, a stray % and
 * any character not allowed literally encoded. */
static bool
put_pct(ent_indicator *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char enc[3];

		if (c == '%' && i + 2 < n && is_hex(s[i + 1]) &&
		    is_hex(s[i + 2])) {
			int v = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
			if (is_unreserved(v)) {
				if (!putc1(out, (char)v))
					return false;
			} else {
				enc[0] = '%';
				enc[1] = hex[v >> 4];
				enc[2] = hex[v & 15];
				if (!put(out, enc, 3))
					return false;
			}
			i += 2;
			continue;
		}
		if (is_literal(c)) {
			if (!putc1(out, (char)c))
				return false;
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 15];
		if (!put(out, enc, 3))
			return false;
	}
	return true;
}

/* RFC 3986 section 5.2.4, in place on out->value from offset `from`. */
static void
remove_dot_segments(ent_indicator *out, size_t from)
{
	char *in = out->value + from;
	size_t n = out->len - from, o = 0, i = 0;
	char *w = in;	/* output is never longer than what was read */

	while (i < n) {
		const char *p = in + i;
		size_t left = n - i;

		if (left >= 3 && memcmp(p, "../", 3) == 0) {
			i += 3;
		} else if (left >= 2 && memcmp(p, "./", 2) == 0) {
			i += 2;
		} else if (left >= 3 && memcmp(p, "/./", 3) == 0) {
			i += 2;
		} else if (left == 2 && memcmp(p, "/.", 2) == 0) {
			in[i + 1] = '/';
			i += 1;
		} else if ((left >= 4 && memcmp(p, "/../", 4) == 0) ||
		    (left == 3 && memcmp(p, "/..", 3) == 0)) {
			if (left == 3) {
				in[i + 2] = '/';
				i += 2;
			} else {
				i += 3;
			}
			while (o > 0 && w[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if ((left == 1 && p[0] == '.') ||
		    (left == 2 && memcmp(p, "..", 2) == 0)) {
			i = n;
		} else {
			size_t j = i;
			if (in[j] == '/')
				j++;
			while (j < n && in[j] != '/')
				j++;
			memmove(w + o, in + i, j - i);
			o += j - i;
			i = j;
		}
	}
	out->len = from + o;
	out->value[out->len] = '\0';
}

static bool
is_scheme(const char *s, size_t n)
{
	if (n == 0 || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!(isalnum(c) || c == '+' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static unsigned
default_port(const char *scheme)
{
	if (strcmp(scheme, "http") == 0 || strcmp(scheme, "ws") == 0)
		return 80;
	if (strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0)
		return 443;
	if (strcmp(scheme, "ftp") == 0)
		return 21;
	return 0;
}

static ent_err
canon_url(ent_indicator *out, const char *s, size_t n, ent_msg *msg)
{
	char sb[96], scheme[32] = "http";
	const char *p = s, *end = s + n, *sep, *auth, *aend, *host, *hend;
	const char *port = NULL;
	size_t plen = 0;
	char hostbuf[ENT_VALUE_MAX + 1];
	ent_indicator hi;

	if (memchr(s, '\0', n) != NULL)
		return BAD("'%s' is not a valid URL: it has a NUL byte",
		    shown(s, n, sb));
	sep = NULL;
	for (const char *q = s; q + 2 < end; q++) {
		if (*q == '/' || *q == '?' || *q == '#')
			break;
		if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
			sep = q;
			break;
		}
	}
	if (sep != NULL) {
		size_t sn = (size_t)(sep - s);
		if (!is_scheme(s, sn) || sn >= sizeof scheme)
			return BAD("'%s' is not a valid URL: the scheme is not "
			    "valid", shown(s, n, sb));
		for (size_t i = 0; i < sn; i++)
			scheme[i] = (char)tolower((unsigned char)s[i]);
		scheme[sn] = '\0';
		p = sep + 3;
	}
	auth = p;
	aend = auth;
	while (aend < end && *aend != '/' && *aend != '?' && *aend != '#')
		aend++;
	host = auth;
	for (const char *q = aend; q > auth; q--) {
		if (q[-1] == '@') {
			host = q;
			break;
		}
	}
	hend = aend;
	if (host < aend && *host == '[') {
		const char *rb = memchr(host, ']', (size_t)(aend - host));
		if (rb == NULL)
			return BAD("'%s' is not a valid URL: '[' without ']'",
			    shown(s, n, sb));
		hend = rb + 1;
		if (hend < aend) {
			if (*hend != ':')
				return BAD("'%s' is not a valid URL: text after "
				    "']'", shown(s, n, sb));
			port = hend + 1;
			plen = (size_t)(aend - port);
		}
	} else {
		const char *c = memchr(host, ':', (size_t)(aend - host));
		if (c != NULL) {
			hend = c;
			port = c + 1;
			plen = (size_t)(aend - port);
		}
	}
	if (hend == host)
		return BAD("'%s' is not a valid URL: the host is empty",
		    shown(s, n, sb));
	/* Host: an address literal or a domain, canonical like any other. */
	if (*host == '[') {
		if (memchr(host, ':', (size_t)(hend - host)) == NULL ||
		    canon_ip(&hi, host + 1, (size_t)(hend - host - 2),
		    ENT_TYPE_AUTO, NULL) != ENT_OK ||
		    (hi.type != ENT_TYPE_IPV6 && hi.type != ENT_TYPE_IPV4))
			return BAD("'%s' is not a valid URL: the address in "
			    "[ ] is not IPv6", shown(s, n, sb));
	} else {
		size_t hn = (size_t)(hend - host);
		bool numeric = true;
		for (size_t i = 0; i < hn; i++)
			if (!isdigit((unsigned char)host[i]) && host[i] != '.')
				numeric = false;
		if (numeric) {
			ent_msg m;
			if (canon_ip(&hi, host, hn, ENT_TYPE_IPV4, &m) != ENT_OK)
				return BAD("'%s' is not a valid URL: the host "
				    "is not a valid IPv4 address",
				    shown(s, n, sb));
		} else {
			const char *why;
			if (memchr(host, '%', hn) != NULL)
				return BAD("'%s' is not a valid URL: the host "
				    "has a '%%'", shown(s, n, sb));
			why = domain_canon(host, hn, hostbuf);
			if (why != NULL)
				return BAD("'%s' is not a valid URL: the host: "
				    "%s", shown(s, n, sb), why);
			hi.type = ENT_TYPE_DOMAIN;
			hi.len = strlen(hostbuf);
			memcpy(hi.value, hostbuf, hi.len + 1);
		}
	}
	out->len = 0;
	out->value[0] = '\0';
	put(out, scheme, strlen(scheme));
	put(out, "://", 3);
	if (host > auth) {
		/* userinfo, kept with its percent-encoding normalised */
		if (!put_pct(out, auth, (size_t)(host - auth - 1)) ||
		    !putc1(out, '@'))
			goto toolong;
	}
	if (hi.type == ENT_TYPE_IPV6) {
		putc1(out, '[');
		put(out, hi.value, hi.len);
		putc1(out, ']');
	} else if (!put(out, hi.value, hi.len)) {
		goto toolong;
	}
	if (port != NULL && plen > 0) {
		unsigned v = 0;
		char pb[8];
		for (size_t i = 0; i < plen; i++) {
			if (!isdigit((unsigned char)port[i]) || v > 65535)
				return BAD("'%s' is not a valid URL: the port "
				    "is not a number from 1 to 65535",
				    shown(s, n, sb));
			v = v * 10 + (unsigned)(port[i] - '0');
		}
		if (v == 0 || v > 65535)
			return BAD("'%s' is not a valid URL: the port is not a "
			    "number from 1 to 65535", shown(s, n, sb));
		if (v != default_port(scheme)) {
			int k = snprintf(pb, sizeof pb, ":%u", v);
			put(out, pb, (size_t)k);
		}
	}
	{
		const char *path = aend, *q, *pend;
		size_t from = out->len;

		pend = path;
		while (pend < end && *pend != '?' && *pend != '#')
			pend++;
		if (pend == path) {
			if (!putc1(out, '/'))
				goto toolong;
		} else {
			if (!put_pct(out, path, (size_t)(pend - path)))
				goto toolong;
			remove_dot_segments(out, from);
			if (out->len == from && !putc1(out, '/'))
				goto toolong;
		}
		q = pend;
		if (q < end && *q == '?') {
			const char *qend = q;
			while (qend < end && *qend != '#')
				qend++;
			if (!put_pct(out, q, (size_t)(qend - q)))
				goto toolong;
		}
		/* The fragment never reaches a server: dropped. */
	}
	out->type = ENT_TYPE_URL;
	return ENT_OK;
toolong:
	return ent_fail(msg, ENT_ELIMIT, "'%s' is too long: a canonical URL "
	    "has at most %d bytes", shown(s, n, sb), ENT_VALUE_MAX);
}

/* --- detection and entry point ---------------------------------------- */

static ent_type
detect(const char *s, size_t n)
{
	bool digits_dots = true, hex = true, v6chars = true;
	const char *slash = memchr(s, '/', n);

	for (size_t i = 0; i + 2 < n; i++)
		if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
			return ENT_TYPE_URL;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!isdigit(c) && c != '.')
			digits_dots = false;
		if (!is_hex(c))
			hex = false;
		if (!is_hex(c) && c != ':' && c != '.')
			v6chars = false;
	}
	if (slash != NULL) {
		size_t an = (size_t)(slash - s);
		bool addr_dd = true, addr_v6 = an > 0;
		for (size_t i = 0; i < an; i++) {
			int c = (unsigned char)s[i];
			if (!isdigit(c) && c != '.')
				addr_dd = false;
			if (!is_hex(c) && c != ':' && c != '.')
				addr_v6 = false;
		}
		if (an > 0 && addr_dd)
			return ENT_TYPE_IPV4_NET;
		if (addr_v6 && memchr(s, ':', an) != NULL)
			return ENT_TYPE_IPV6_NET;
		return ENT_TYPE_URL;
	}
	if (memchr(s, '@', n) != NULL)
		return ENT_TYPE_EMAIL;
	if (digits_dots)
		return ENT_TYPE_IPV4;
	if (memchr(s, ':', n) != NULL) {
		/* host:port has one colon; an IPv6 address at least two */
		const char *c = memchr(s, ':', n);
		if (v6chars || memchr(c + 1, ':', n - (size_t)(c - s) - 1))
			return ENT_TYPE_IPV6;
		return ENT_TYPE_URL;
	}
	if (hex && n == 32)
		return ENT_TYPE_MD5;
	if (hex && n == 40)
		return ENT_TYPE_SHA1;
	if (hex && n == 64)
		return ENT_TYPE_SHA256;
	if (memchr(s, '?', n) != NULL)
		return ENT_TYPE_URL;
	return ENT_TYPE_DOMAIN;
}

ent_err
ent_indicator_parse(ent_indicator *out, const char *s, size_t len,
    ent_type want, ent_msg *msg)
{
	char sb[96];
	ent_type t;

	while (len > 0 && isspace((unsigned char)s[0])) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return BAD("the value is empty");
	if (len > ENT_VALUE_MAX)
		return ent_fail(msg, ENT_ELIMIT, "'%s' is too long: a value has "
		    "at most %d bytes", shown(s, len, sb), ENT_VALUE_MAX);
	if ((unsigned)want >= ENT_TYPE_COUNT)
		return BAD("unknown indicator type %d", (int)want);
	t = want == ENT_TYPE_AUTO ? detect(s, len) : want;
	out->len = 0;
	out->value[0] = '\0';
	switch (t) {
	case ENT_TYPE_IPV4:
	case ENT_TYPE_IPV6:
	case ENT_TYPE_IPV4_NET:
	case ENT_TYPE_IPV6_NET:
		return canon_ip(out, s, len, want, msg);
	case ENT_TYPE_DOMAIN:
		return canon_domain(out, s, len, msg);
	case ENT_TYPE_URL:
		return canon_url(out, s, len, msg);
	case ENT_TYPE_EMAIL:
		return canon_email(out, s, len, msg);
	case ENT_TYPE_MD5:
	case ENT_TYPE_SHA1:
	case ENT_TYPE_SHA256:
		return canon_hash(out, s, len, t, msg);
	default:
		return BAD("unknown indicator type %d", (int)t);
	}
}
