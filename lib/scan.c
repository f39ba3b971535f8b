/*
 * scan.c — the guard's log readers, files and threads (see entente/scan.h).
 *
 * A plain file is cut at line boundaries into parts that the threads
 * share; a part, or a stream (gzip, a pipe, standard input), is read into
 * a buffer a quarter megabyte at a time and scanned a line at a time, or a
 * run of lines at a time. Each reader hands the matcher's batch (tokens.c)
 * the texts of a line with their origin (line, field, timestamp): a field
 * at a time, or several fields at once (a CSV line with quotes, a Zeek
 * http line, what follows a combined line's timestamp, a BIND query and
 * the rest), the field of a hit then found from where its token lies; a
 * Zeek or CSV run hands all its lines at once, and a hit's line is found
 * the same way.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "entente/limits.h"
#include "entente/scan.h"

static const char *const fmt_names[ENT_SCAN_FORMAT_COUNT] = {
	"auto", "zeek", "zeek-json", "bind", "combined", "cef", "csv", "text",
};

const char *
ent_scan_format_name(ent_scan_format f)
{
	return (unsigned)f < ENT_SCAN_FORMAT_COUNT ? fmt_names[f] : NULL;
}

ent_err
ent_scan_format_parse(const char *s, ent_scan_format *out, ent_msg *msg)
{
	for (int f = 0; f < ENT_SCAN_FORMAT_COUNT; f++)
		if (strcasecmp(s, fmt_names[f]) == 0) {
			*out = (ent_scan_format)f;
			return ENT_OK;
		}
	return ent_fail(msg, ENT_EINVAL, "unknown log format '%s' (auto, zeek, "
	    "zeek-json, bind, combined, cef, csv, text)", s);
}

/* --- per-file layout (Zeek and CSV headers) -------------------------------- */

#define MAX_FIELDS 256

typedef struct layout {
	ent_scan_format fmt;
	char sep;               /* sets are split by the tokenizer's ',' */
	char unset[16], empty[16];
	size_t unset_len, empty_len;
	int whole;              /* Zeek: sep ends tokens; lines go whole */
	char *names[MAX_FIELDS];
	int n, ts, host, uri;
	char *store;            /* the names' text */
} layout;

static void
layout_free(layout *l)
{
	free(l->store);
	memset(l->names, 0, sizeof l->names);
	l->store = NULL;
	l->n = 0;
}

/* Splits s[0..len) at sep into names (copied). */
static void
layout_names(layout *l, const char *s, size_t len, char sep, int skip)
{
	size_t start = 0;
	int i = 0;

	layout_free(l);
	l->store = malloc(len + 1);
	if (l->store == NULL)
		return;
	memcpy(l->store, s, len);
	l->store[len] = '\0';
	l->ts = l->host = l->uri = -1;
	for (size_t k = 0; k <= len && l->n < MAX_FIELDS; k++) {
		if (k < len && l->store[k] != sep)
			continue;
		l->store[k] = '\0';
		if (i++ >= skip) {
			char *name = l->store + start;
			if (strcmp(name, "ts") == 0 || strcasecmp(name,
			    "timestamp") == 0 || strcasecmp(name, "time") == 0)
				l->ts = l->n;
			if (strcmp(name, "host") == 0)
				l->host = l->n;
			if (strcmp(name, "uri") == 0)
				l->uri = l->n;
			l->names[l->n++] = name;
		}
		start = k + 1;
	}
}

/* --- the work of one chunk ------------------------------------------------ */

typedef struct hitrec {
	uint64_t line;
	ent_mhit ind;
	const char *field;      /* static, or in a layout */
	size_t value, ts;       /* offsets in the set's bytes (ts: SIZE_MAX */
	size_t value_len, ts_len; /* if none) */
} hitrec;

/* The hits of a part or a stream's chunk, their values and timestamps
 * copied into one buffer (a hit's text is gone once its bytes are read
 * over). */
typedef struct hitset {
	hitrec *v;
	size_t n, cap;
	char *bytes;
	size_t used, room;
} hitset;

/* Where a text handed to the matcher came from: its line, field and
 * timestamp. A hit names its text by the number of one of these. */
typedef struct origin {
	uint64_t line;
	const char *field;      /* static, or in a layout; NULL: see text */
	const char *text;       /* a text of several fields (a Zeek or CSV */
	size_t text_len;        /* line, ...): a hit's field is found from */
	                        /* where its token lies */
	const char *ts;
	size_t ts_len;
	int run;                /* text is a run of whole lines: a hit's */
	                        /* line is found from where it lies too */
} origin;

#define ORIGINS 1024

typedef struct work {
	ent_mbatch *b;
	const layout *lay;
	uint64_t line;          /* relative to the part or stream */
	uint64_t lines, malformed;
	const char *ts;         /* the current line's timestamp */
	size_t ts_len;
	char tsbuf[64];         /* a timestamp that needed unescaping */
	char *cef;              /* a CEF line's values, unescaped */
	size_t cef_cap;
	origin org[ORIGINS];
	size_t norg;
	hitset hits;
	int oom;
	char *buf;              /* bytes read in (scan_source) */
	const char *run_at;     /* the run being scanned: where it begins, */
	uint64_t run_line;      /* its first line's number, and where each */
	uint32_t *starts;       /* of its lines begins (kept by its tally) */
	size_t nstarts, starts_cap;
} work;

/* How many bytes of s[0..n) are c: sixteen at a time (SSE2, which every
 * x86-64 has), each a count per lane, summed at the end; the last bytes
 * as the sixteen that end s, those already counted masked off. */
static size_t
count_byte(const char *s, size_t n, char c)
{
	size_t k = 0, i = 0;
#if defined(__SSE2__)
	static const unsigned char tailmask[32] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const __m128i pat = _mm_set1_epi8(c);

	if (n < 16)
		goto bytes;
	while (i < n) {	/* at most 255 rounds before a lane overflows */
		__m128i acc = _mm_setzero_si128();
		size_t stop = n - i > 16 * 255 ? i + 16 * 255 : n;
		for (; i + 16 <= stop; i += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128(
			    (const __m128i *)(s + i)), pat));
		if (i < stop) {	/* stop == n: the last n - i bytes */
			__m128i x = _mm_cmpeq_epi8(_mm_loadu_si128(
			    (const __m128i *)(s + n - 16)), pat);
			acc = _mm_sub_epi8(acc, _mm_and_si128(x, _mm_loadu_si128(
			    (const __m128i *)(tailmask + (n - i)))));
			i = n;
		}
		acc = _mm_sad_epu8(acc, _mm_setzero_si128());
		k += (size_t)_mm_cvtsi128_si64(acc) +
		    (size_t)_mm_extract_epi16(acc, 4);
	}
	return k;
bytes:
#endif
	for (; i < n; i++)
		k += s[i] == c;
	return k;
}

/* The first c in [p, e), or NULL: for bytes that are near (a line's
 * fields), without a call; sixteen bytes at a time. */
static inline const char *
chr(const char *p, const char *e, char c)
{
#if defined(__SSE2__)
	const __m128i pat = _mm_set1_epi8(c);

	for (; e - p >= 16; p += 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)p), pat));
		if (m)
			return p + __builtin_ctz(m);
	}
#endif
	for (; p < e; p++)
		if (*p == c)
			return p;
	return NULL;
}

/* The i-th field of a line cut at sep; NULL if it has fewer. */
static const char *
nth_field(const char *s, size_t n, char sep, int i, size_t *len)
{
	const char *e = s + n, *p = s, *q;

	for (; i > 0; i--) {
		if ((q = memchr(p, sep, (size_t)(e - p))) == NULL) {
			*len = 0;
			return NULL;
		}
		p = q + 1;
	}
	q = memchr(p, sep, (size_t)(e - p));
	*len = (size_t)((q ? q : e) - p);
	return p;
}

/* The field of a whole line (Zeek TSV, or CSV without quotes) that holds
 * the token at tok: NULL if it is one that is not scanned (the timestamp,
 * an unset or empty field, one past the header's). */
static const char *
field_at(const layout *l, const char *s, size_t n, const char *tok)
{
	char sep = l->fmt == ENT_SCAN_CSV ? ',' : l->sep;
	const char *f = s, *e;
	int k = 0;

	for (const char *p; (p = memchr(f, sep, (size_t)(tok - f))) != NULL;
	    f = p + 1)
		k++;
	if (k == l->ts || k >= l->n)
		return NULL;
	e = memchr(tok, sep, (size_t)(s + n - tok));
	if (e == NULL)
		e = s + n;
	if (l->fmt == ENT_SCAN_ZEEK && (((size_t)(e - f) == l->unset_len &&
	    memcmp(f, l->unset, l->unset_len) == 0) || ((size_t)(e - f) ==
	    l->empty_len && memcmp(f, l->empty, l->empty_len) == 0)))
		return NULL;
	return l->names[k];
}

/* The field of a combined line's text after the timestamp that holds the
 * token at tok: the request, referer and user agent are the first, second
 * and third pair of quotes ('\"' escapes one); NULL elsewhere (status,
 * bytes). */
static const char *
combined_field_at(const char *s, size_t n, const char *tok)
{
	static const char *const quoted[] = { "request", "referer",
	    "user_agent" };
	const char *e = s + n;
	int before = 0, total = 0;

	for (const char *p = s; total < 6 && (p = memchr(p, '"',
	    (size_t)(e - p))) != NULL; p++)
		if (p == s || p[-1] != '\\') {
			total++;
			before += p < tok;
		}
	return before % 2 == 1 && before < total ? quoted[before / 2] : NULL;
}

/* The field of a BIND line's text from its "client ": the client's
 * address before "query: ", the name asked after it, then the rest. */
static const char *
bind_field_at(const char *s, size_t n, const char *tok)
{
	const char *q = memmem(s, n, "query: ", 7), *sp;

	if (q == NULL || tok < q + 7)
		return "client";
	sp = memchr(q + 7, ' ', (size_t)(s + n - q - 7));
	return sp == NULL || tok < sp ? "query" : "text";
}

/* The line of a hit in a run of whole lines (scan_run), found among the
 * line starts its tally kept, and its field and timestamp; NULL for a
 * line that the reader of one line skips (too long; in Zeek a '#' line, or
 * one with the wrong number of fields) or a field it does not scan. */
static const char *
run_hit(work *w, const origin *o, const char *tok, uint64_t *line,
    const char **ts, size_t *ts_len)
{
	const layout *l = w->lay;
	const char *e = o->text + o->text_len, *s, *le;
	char sep = l->fmt == ENT_SCAN_CSV ? ',' : l->sep;
	size_t n, lo = 0, hi = w->nstarts, at = (size_t)(tok - w->run_at);

	while (hi - lo > 1) {	/* the last line that starts at or before tok */
		size_t mid = lo + (hi - lo) / 2;
		if (w->starts[mid] <= at)
			lo = mid;
		else
			hi = mid;
	}
	s = w->run_at + w->starts[lo];
	if (lo + 1 < w->nstarts)
		le = w->run_at + w->starts[lo + 1] - 1;
	else if ((le = memchr(s, '\n', (size_t)(e - s))) == NULL)
		le = e;
	n = (size_t)(le - s);
	if (n > 0 && s[n - 1] == '\r')
		n--;
	*line = w->run_line + lo;
	if (n > ENT_LINE_MAX || (l->fmt == ENT_SCAN_ZEEK && (s[0] == '#' ||
	    count_byte(s, n, sep) + 1 != (size_t)l->n)))
		return NULL;
	*ts = l->ts >= 0 ? nth_field(s, n, sep, l->ts, ts_len) : NULL;
	return field_at(l, s, n, tok);
}

/* Room for n more bytes in a hit set's buffer; 0 if there is none. */
static int
hit_room(hitset *s, size_t n)
{
	size_t room = s->room ? s->room : 4096;
	char *p;

	while (room - s->used < n)
		room *= 2;
	if (room == s->room)
		return 1;
	if ((p = realloc(s->bytes, room)) == NULL)
		return 0;
	s->bytes = p;
	s->room = room;
	return 1;
}

/* Appends n bytes at p to s's bytes (room made); returns their offset. */
static size_t
hit_put(hitset *s, const void *p, size_t n)
{
	size_t at = s->used;

	memcpy(s->bytes + at, p, n);
	s->used += n;
	return at;
}

/* A new hit in s, with copies of its value v and timestamp ts (if any);
 * NULL if out of memory. */
static hitrec *
hit_add(hitset *s, const char *v, size_t vn, const char *ts, size_t tn)
{
	hitrec *r;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		hitrec *p = realloc(s->v, cap * sizeof *p);
		if (p == NULL)
			return NULL;
		s->v = p;
		s->cap = cap;
	}
	if (!hit_room(s, vn + (ts ? tn : 0)))
		return NULL;
	r = &s->v[s->n++];
	r->value = hit_put(s, v, vn);
	r->value_len = vn;
	r->ts = ts ? hit_put(s, ts, tn) : SIZE_MAX;
	r->ts_len = ts ? tn : 0;
	return r;
}

static int
on_mhit(const ent_mhit *h, void *ctx)
{
	work *w = ctx;
	const origin *o = &w->org[h->ctx];
	const char *field = o->field, *ts = o->ts;
	size_t ts_len = o->ts_len;
	uint64_t line = o->line;
	hitrec *r;

	if (o->run) {
		if ((field = run_hit(w, o, h->tok, &line, &ts, &ts_len)) == NULL)
			return 0;
	} else if (field == NULL && (field = w->lay->fmt == ENT_SCAN_COMBINED ?
	    combined_field_at(o->text, o->text_len, h->tok) :
	    w->lay->fmt == ENT_SCAN_BIND ? bind_field_at(o->text, o->text_len,
	    h->tok) : field_at(w->lay, o->text, o->text_len, h->tok)) == NULL) {
		return 0;
	}

	if ((r = hit_add(&w->hits, h->tok, h->tok_len, ts, ts_len)) == NULL) {
		w->oom = 1;
		return 1;
	}
	r->line = line;
	r->ind = *h;
	r->field = field;
	return 0;
}

/* Looks up what is pending: at the end of a chunk, and of each line whose
 * texts do not outlive it (JSON, CEF). */
static void
flush(work *w)
{
	if (ent_mbatch_flush(w->b))
		w->oom = 1;
	w->norg = 0;
}

/* The origin of the next text, as a number for the matcher. */
static uint32_t
origin_of(work *w, const char *field)
{
	origin *o;

	if (w->norg == ORIGINS)
		flush(w);
	o = &w->org[w->norg];
	o->line = w->line;
	o->field = field;
	o->text = NULL;
	o->text_len = 0;
	o->ts = w->ts;
	o->ts_len = w->ts_len;
	o->run = 0;
	return (uint32_t)w->norg++;
}

static void
piece(work *w, const char *field, const char *s, size_t n)
{
	ent_mbatch_text(w->b, s, n, origin_of(w, field));
}

/* The origin of a text of several fields, each hit's field found from
 * where its token lies in s[0..n). */
static uint32_t
origin_text(work *w, const char *s, size_t n)
{
	uint32_t ctx = origin_of(w, NULL);

	w->org[ctx].text = s;
	w->org[ctx].text_len = n;
	return ctx;
}

/* A whole line of fields but its timestamp (w->ts, if any). */
static void
whole(work *w, const char *s, size_t n)
{
	uint32_t ctx = origin_text(w, s, n);
	const char *e = s + n;

	if (w->ts != NULL) {
		if (w->ts > s)
			ent_mbatch_text(w->b, s, (size_t)(w->ts - s), ctx);
		s = w->ts + w->ts_len;
	}
	ent_mbatch_text(w->b, s, (size_t)(e - s), ctx);
}

static void
url(work *w, const char *host, size_t hn, const char *path, size_t pn)
{
	ent_mbatch_url(w->b, host, hn, path, pn, origin_of(w, "uri"));
}

/* --- readers: one line each ----------------------------------------------- */

static void
line_zeek(work *w, const char *s, size_t n)
{
	const layout *l = w->lay;
	const char *f[MAX_FIELDS];
	size_t fl[MAX_FIELDS], start = 0;
	int k = 0;

	if (l->whole) {	/* the line at once; a hit's field from its place */
		if (count_byte(s, n, l->sep) + 1 != (size_t)l->n) {
			w->malformed++;
			return;
		}
		w->ts = l->ts >= 0 ? nth_field(s, n, l->sep, l->ts,
		    &w->ts_len) : NULL;
		if (l->host >= 0 && l->uri >= 0) {
			size_t hl, ul;
			const char *h = nth_field(s, n, l->sep, l->host, &hl);
			const char *u = nth_field(s, n, l->sep, l->uri, &ul);
			if (h && u && hl > 0 && strncmp(h, l->unset, hl) != 0)
				url(w, h, hl, u, ul);
		}
		whole(w, s, n);
		return;
	}

	for (;;) {
		const char *e = memchr(s + start, l->sep, n - start);
		size_t end = e ? (size_t)(e - s) : n;
		if (k == MAX_FIELDS) {
			k++;
			break;
		}
		f[k] = s + start;
		fl[k++] = end - start;
		if (e == NULL)
			break;
		start = end + 1;
	}
	if (k != l->n) {
		w->malformed++;
		return;
	}
	w->ts = l->ts >= 0 ? f[l->ts] : NULL;
	w->ts_len = l->ts >= 0 ? fl[l->ts] : 0;
	if (l->host >= 0 && l->uri >= 0 && fl[l->host] > 0 &&
	    strncmp(f[l->host], l->unset, fl[l->host]) != 0) {
		url(w, f[l->host], fl[l->host], f[l->uri], fl[l->uri]);
	}
	for (int i = 0; i < k; i++) {
		if (i == l->ts || fl[i] == 0 ||
		    (fl[i] == l->unset_len &&
		    memcmp(f[i], l->unset, fl[i]) == 0) ||
		    (fl[i] == l->empty_len &&
		    memcmp(f[i], l->empty, fl[i]) == 0))
			continue;
		piece(w, l->names[i], f[i], fl[i]);
	}
}

static void
json_value(work *w, const char *key, json_t *v)
{
	if (json_is_string(v)) {
		piece(w, key, json_string_value(v), json_string_length(v));
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
			json_value(w, key, e);
	}
}

static void
line_zeek_json(work *w, const char *s, size_t n)
{
	json_error_t err;
	json_t *o = json_loadb(s, n, JSON_DISABLE_EOF_CHECK, &err), *v;
	const char *key;
	char ts[48];
	size_t tl = 0;

	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		w->malformed++;
		return;
	}
	v = json_object_get(o, "ts");
	if (json_is_number(v))
		tl = (size_t)snprintf(ts, sizeof ts, "%.6f", json_number_value(v));
	else if (json_is_string(v))
		tl = (size_t)snprintf(ts, sizeof ts, "%s", json_string_value(v));
	if (tl >= sizeof ts)	/* a timestamp that long is cut */
		tl = sizeof ts - 1;
	w->ts = tl ? ts : NULL;
	w->ts_len = tl;
	if (json_is_string(json_object_get(o, "host")) &&
	    json_is_string(json_object_get(o, "uri"))) {
		json_t *h = json_object_get(o, "host"), *u = json_object_get(o,
		    "uri");
		url(w, json_string_value(h), json_string_length(h),
		    json_string_value(u), json_string_length(u));
	}
	json_object_foreach(o, key, v) {
		/* the key's name must outlive the object: intern a few */
		static const char *const known[] = { "query", "answers",
		    "id.orig_h", "id.resp_h", "host", "uri", "referrer",
		    "server_name", "md5", "sha1", "sha256", "mailfrom", "rcptto",
		    "from", "to", "subject", "user_agent", "tx_hosts", "rx_hosts",
		    "uid", "proto", "service", NULL };
		const char *name = "json";
		if (strcmp(key, "ts") == 0)
			continue;
		for (int i = 0; known[i]; i++)
			if (strcmp(known[i], key) == 0)
				name = known[i];
		json_value(w, name, v);
	}
	flush(w);	/* the strings go with the object */
	json_decref(o);
}

/* memmem for a word whose first byte is rare in the line. */
static const char *
find(const char *s, size_t n, const char *w, size_t wn)
{
	const char *e = s + n, *p = s;

	while (e - p >= (ptrdiff_t)wn && (p = chr(p, e - wn + 1, w[0])) !=
	    NULL) {
		if (memcmp(p, w, wn) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* BIND: "27-Nov-2026 13:42:54.123 client @0x.. 192.0.2.7#5353 (name):
 * query: name IN A +E(0)K (192.0.2.53)" */
static void
line_bind(work *w, const char *s, size_t n)
{
	const char *c = find(s, n, "client ", 7), *q = c ? find(c, (size_t)(s +
	    n - c), "query: ", 7) : NULL;
	size_t tsl = c ? (size_t)(c - s) : 0;

	if (c == NULL || q == NULL) {
		w->malformed++;
		return;
	}
	while (tsl > 0 && s[tsl - 1] == ' ')
		tsl--;
	w->ts = tsl ? s : NULL;
	w->ts_len = tsl;
	/* the client's address ("ip#port" after an optional @0x...), then
	 * the name asked and the rest at once; one origin for both */
	{
		const char *p = c + 7, *e = s + n, *hash = NULL;
		uint32_t ctx = origin_text(w, c, (size_t)(e - c));
		if (p < q && *p == '@' && (p = chr(p, q, ' ')) == NULL)
			p = q;
		while (p < q && *p == ' ')
			p++;
		if (p < q && (hash = chr(p, q, '#')) != NULL)
			ent_mbatch_text(w->b, p, (size_t)(hash - p), ctx);
		ent_mbatch_text(w->b, q + 7, (size_t)(e - q - 7), ctx);
	}
}

/* Apache/nginx combined: ip - user [time] "request" status bytes
 * "referer" "user agent". What follows the timestamp goes to the matcher
 * at once, a hit's field found from the quotes before it. */
static void
line_combined(work *w, const char *s, size_t n)
{
	const char *e = s + n, *sp = chr(s, e, ' '), *lb, *rb, *p;
	int k = 0;
	uint32_t ctx;

	lb = chr(s, e, '[');
	rb = lb ? chr(lb, e, ']') : NULL;
	if (sp == NULL || lb == NULL || rb == NULL) {
		w->malformed++;
		return;
	}
	for (p = rb; k < 2 && (p = chr(p + 1, e, '"')) != NULL;)
		k += p[-1] != '\\';
	if (k < 2) {	/* no request */
		w->malformed++;
		return;
	}
	w->ts = lb + 1;
	w->ts_len = (size_t)(rb - lb - 1);
	piece(w, "remote_addr", s, (size_t)(sp - s));
	ctx = origin_text(w, rb + 1, (size_t)(e - rb - 1));
	ent_mbatch_text(w->b, rb + 1, (size_t)(e - rb - 1), ctx);
}

/* CEF: CEF:0|vendor|product|version|id|name|severity|k=v k=v ... with \|,
 * \\ escaped in the header and \=, \\, \n, \r in values. */
static void
line_cef(work *w, const char *s, size_t n)
{
	const char *p = memmem(s, n, "CEF:", 4), *e = s + n;
	int pipes = 0;
	char key[64], *val;
	size_t used = 0;
	static const char *const hdr[] = { "cef.version", "cef.vendor",
	    "cef.product", "cef.device_version", "cef.signature", "cef.name",
	    "cef.severity" };
	const char *start;

	if (p == NULL) {
		w->malformed++;
		return;
	}
	if (w->cef_cap < n) {	/* the values unescaped, side by side */
		char *b = realloc(w->cef, n);
		if (b == NULL) {
			w->oom = 1;
			return;
		}
		w->cef = b;
		w->cef_cap = n;
	}
	w->ts = NULL;
	start = p + 4;
	for (p = start; p < e && pipes < 7; p++) {
		if (*p == '\\' && p + 1 < e) {
			p++;
			continue;
		}
		if (*p == '|') {
			if (pipes >= 1)
				piece(w, hdr[pipes], start, (size_t)(p - start));
			pipes++;
			start = p + 1;
		}
	}
	if (pipes < 7) {
		w->malformed++;
		return;
	}
	/* extension: a key is [A-Za-z0-9_.]+ right before '=' */
	while (p < e) {
		const char *eq, *kb;
		size_t vn = 0, kn;

		while (p < e && *p == ' ')
			p++;
		eq = p;
		while (eq < e && *eq != '=' && *eq != ' ')
			eq++;
		if (eq >= e || *eq != '=')
			break;
		kb = p;
		kn = (size_t)(eq - kb) < sizeof key - 1 ? (size_t)(eq - kb) :
		    sizeof key - 1;
		memcpy(key, kb, kn);
		key[kn] = '\0';
		val = w->cef + used;
		for (p = eq + 1; p < e; p++) {
			if (*p == '\\' && p + 1 < e) {
				char c = p[1];
				val[vn++] = c == 'n' ? '\n' : c == 'r' ? '\r' : c;
				p++;
				continue;
			}
			if (*p == ' ') {	/* does a new key start here? */
				const char *k2 = p + 1;
				while (k2 < e && (isalnum((unsigned char)*k2) ||
				    *k2 == '_' || *k2 == '.'))
					k2++;
				if (k2 > p + 1 && k2 < e && *k2 == '=')
					break;
			}
			val[vn++] = *p;
		}
		{
			/* the field names the CEF key; keep a static copy of
			 * the common ones, else "cef" */
			static const char *const keys[] = { "src", "dst", "shost",
			    "dhost", "request", "requestClientApplication",
			    "fileHash", "fname", "suser", "duser", "msg", "act",
			    "dvc", "dvchost", "sourceDnsDomain",
			    "destinationDnsDomain", "rt", "start", "end", "cs1",
			    "cs2", "cs3", "cs4", "cs5", "cs6", NULL };
			const char *name = "cef";
			for (int i = 0; keys[i]; i++)
				if (strcmp(keys[i], key) == 0)
					name = keys[i];
			if (strcmp(key, "rt") == 0 && vn < sizeof w->tsbuf) {
				memcpy(w->tsbuf, val, vn);
				w->ts = w->tsbuf;
				w->ts_len = vn;
				continue;
			}
			piece(w, name, val, vn);
			used += vn;
		}
	}
	flush(w);	/* the values and the timestamp go with the line */
}

/* CSV with a header: a field in quotes may hold ',' (and "" for '"'). */
static void
line_csv(work *w, const char *s, size_t n)
{
	const layout *l = w->lay;
	const char *p = s, *e = s + n;
	int k = 0;

	w->ts = NULL;
	if (memchr(s, '"', n) == NULL) {	/* the line at once */
		size_t fields = count_byte(s, n, ',') + 1;
		if (l->ts >= 0)
			w->ts = nth_field(s, n, ',', l->ts, &w->ts_len);
		whole(w, s, n);
		if (fields != (size_t)l->n)
			w->malformed++;
		return;
	}
	{	/* the fields first, for the timestamp may come last */
		const char *f[MAX_FIELDS];
		size_t fl[MAX_FIELDS];
		for (;;) {
			const char *comma, *b = p;
			size_t bl;
			if (p < e && *p == '"') {	/* to the closing quote */
				const char *q = p + 1;
				while ((q = memchr(q, '"', (size_t)(e - q))) !=
				    NULL && q + 1 < e && q[1] == '"')
					q += 2;
				p = q ? q : e;
			}
			comma = memchr(p, ',', (size_t)(e - p));
			bl = (size_t)((comma ? comma : e) - b);
			if (bl >= 2 && b[0] == '"' && b[bl - 1] == '"') {
				b++;
				bl -= 2;
			}
			if (k < l->n) {
				f[k] = b;
				fl[k] = bl;
			}
			k++;
			if (comma == NULL)
				break;
			p = comma + 1;
		}
		if (l->ts >= 0 && l->ts < k) {
			w->ts = f[l->ts];
			w->ts_len = fl[l->ts];
		}
		for (int i = 0; i < k && i < l->n; i++)
			if (i != l->ts)
				piece(w, l->names[i], f[i], fl[i]);
	}
	if (k != l->n)
		w->malformed++;
}

static void
line_text(work *w, const char *s, size_t n)
{
	w->ts = NULL;
	piece(w, "text", s, n);
}

typedef void (*line_fn)(work *w, const char *s, size_t n);

static const line_fn readers[ENT_SCAN_FORMAT_COUNT] = {
	[ENT_SCAN_ZEEK] = line_zeek, [ENT_SCAN_ZEEK_JSON] = line_zeek_json,
	[ENT_SCAN_BIND] = line_bind, [ENT_SCAN_COMBINED] = line_combined,
	[ENT_SCAN_CEF] = line_cef, [ENT_SCAN_CSV] = line_csv,
	[ENT_SCAN_TEXT] = line_text,
};

/* --- runs of whole lines: Zeek TSV and CSV without quotes --------------- */

/* Counting lines: where the current one started, and its separators. */
typedef struct tally {
	size_t start, seps, nf;
	uint64_t lines, malformed;
	char sep;
	int zeek;
	uint32_t *starts;       /* where each line starts (work's) */
	size_t cap;
	int oom;
} tally;

/* Room for twice as many line starts; 0 if there is none. */
static __attribute__((noinline)) int
starts_grow(tally *t)
{
	size_t cap = t->cap ? t->cap * 2 : 4096;
	uint32_t *p = realloc(t->starts, cap * sizeof *p);

	if (p == NULL) {
		t->oom = 1;
		return 0;
	}
	t->starts = p;
	t->cap = cap;
	return 1;
}

/* The line s[t->start..end) is over: counted, and counted as malformed
 * if the reader of one line would skip it (too long, or a line with other
 * than nf - 1 separators but an empty one or a Zeek '#' line). */
static inline void
tally_line(tally *t, const char *s, size_t end)
{
	const char *l = s + t->start;
	size_t n = end - t->start;

	if (n > 0 && l[n - 1] == '\r')
		n--;
	if (t->lines < t->cap || starts_grow(t))
		t->starts[t->lines] = (uint32_t)t->start;
	t->lines++;
	t->malformed += n > ENT_LINE_MAX || (n > 0 && !(t->zeek &&
	    l[0] == '#') && t->seps + 1 != t->nf);
	t->start = end + 1;
	t->seps = 0;
}

/* The lines of s[from..n), a byte at a time. */
static void
tally_bytes(tally *t, const char *s, size_t from, size_t n)
{
	for (size_t i = from; i < n; i++) {
		if (s[i] == '\n')
			tally_line(t, s, i);
		else
			t->seps += s[i] == t->sep;
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
/* Sixty-four bytes at a time: masks of the line ends and separators. */
__attribute__((target("popcnt"))) static void
tally_sse2(tally *tp, const char *s, size_t n)
{
	const __m128i nl = _mm_set1_epi8('\n'), sep = _mm_set1_epi8(tp->sep);
	tally t = *tp;
	size_t base = 0;

	for (; base + 64 <= n; base += 64) {
		uint64_t ends = 0, seps = 0;
#pragma GCC unroll 4
		for (int j = 0; j < 4; j++) {
			__m128i x = _mm_loadu_si128((const __m128i *)(s + base +
			    16 * j));
			ends |= (uint64_t)(uint16_t)_mm_movemask_epi8(
			    _mm_cmpeq_epi8(x, nl)) << (16 * j);
			seps |= (uint64_t)(uint16_t)_mm_movemask_epi8(
			    _mm_cmpeq_epi8(x, sep)) << (16 * j);
		}
		for (; ends; ends &= ends - 1) {
			size_t p = (size_t)__builtin_ctzll(ends);
			uint64_t below = (1ULL << p) - 1;
			t.seps += (size_t)__builtin_popcountll(seps & below);
			seps &= ~below;
			tally_line(&t, s, base + p);
		}
		t.seps += (size_t)__builtin_popcountll(seps);
	}
	tally_bytes(&t, s, base, n);
	*tp = t;
}
#endif

/* Counts the lines of s[0..n) (whole lines, the last perhaps without
 * '\n'), and those malformed. */
static void
tally_run(work *w, const char *s, size_t n)
{
	const layout *l = w->lay;
	tally t = { 0, 0, (size_t)l->n, 0, 0, l->fmt == ENT_SCAN_CSV ? ',' :
	    l->sep, l->fmt == ENT_SCAN_ZEEK, w->starts, w->starts_cap, 0 };

#if defined(__x86_64__) && defined(__GNUC__)
	if (__builtin_cpu_supports("popcnt"))
		tally_sse2(&t, s, n);
	else
#endif
		tally_bytes(&t, s, 0, n);
	if (t.start < n)	/* a last line without '\n' */
		tally_line(&t, s, n);
	w->starts = t.starts;
	w->starts_cap = t.cap;
	w->nstarts = t.lines;
	w->oom |= t.oom;
	w->line += t.lines;
	w->lines += t.lines;
	w->malformed += t.malformed;
}

/* Whether the lines of s[0..n) can go to the matcher as runs: a Zeek TSV
 * log whose separator ends tokens and that has no URL to put together
 * from two fields, or a CSV log with no quotes. */
static int
runs(const layout *l, const char *s, size_t n)
{
	if (l->fmt == ENT_SCAN_ZEEK)
		return l->whole && !(l->host >= 0 && l->uri >= 0) &&
		    l->sep != '\n' && l->sep != '\r';
	return l->fmt == ENT_SCAN_CSV && memchr(s, '"', n) == NULL;
}

/* The lines given to the matcher at once (what a read brought, still in
 * the cache): the lines the reader of one line would skip counted here,
 * each hit's line, field and timestamp found, and the hits in lines
 * skipped dropped, by run_hit. */
static void
scan_run(work *w, const char *s, size_t n)
{
	uint32_t ctx = origin_text(w, s, n);

	w->org[ctx].run = 1;
	w->run_at = s;
	w->run_line = w->line + 1;
	tally_run(w, s, n);
	if (w->oom)
		return;
	ent_mbatch_text(w->b, s, n, ctx);
	flush(w);	/* its hits placed before the next run's */
}

/* Scans whole lines of buf; a last line without '\n' counts too. */
static void
scan_lines(work *w, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	line_fn fn = readers[w->lay->fmt];

	if (runs(w->lay, buf, len)) {
		scan_run(w, buf, len);
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		w->line++;
		w->lines++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > ENT_LINE_MAX) {
			w->malformed++;
		} else if (n > 0 && !(p[0] == '#' &&
		    w->lay->fmt == ENT_SCAN_ZEEK)) {
			fn(w, p, n);	/* Zeek's # lines are headers, footers */
		}
		p = nl ? nl + 1 : end;
	}
	flush(w);
}

/* --- detection and headers --------------------------------------------- */

static ent_scan_format
detect(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);
	size_t ln = nl ? (size_t)(nl - s) : n;

	if (ln >= 10 && memcmp(s, "#separator", 10) == 0)
		return ENT_SCAN_ZEEK;
	if (ln > 0 && s[0] == '{')
		return ENT_SCAN_ZEEK_JSON;
	if (memmem(s, ln, "CEF:", 4))
		return ENT_SCAN_CEF;
	if (memmem(s, ln, " query: ", 8) && memmem(s, ln, "client ", 7))
		return ENT_SCAN_BIND;
	{
		const char *lb = memchr(s, '[', ln), *q = memchr(s, '"', ln);
		if (lb && q && q > lb && memmem(s, ln, " - ", 3))
			return ENT_SCAN_COMBINED;
	}
	if (memchr(s, ',', ln) && !memchr(s, ' ', ln))
		return ENT_SCAN_CSV;
	return ENT_SCAN_TEXT;
}

/* Reads the header lines at the start of buf into the layout; returns how
 * many bytes they take. */
static size_t
headers(layout *l, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	if (l->fmt == ENT_SCAN_CSV) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) : len;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		layout_names(l, p, n, ',', 0);
		return nl ? (size_t)(nl + 1 - buf) : len;
	}
	if (l->fmt != ENT_SCAN_ZEEK)
		return 0;
	while (p < end && *p == '#') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 14 && memcmp(p, "#separator \\x", 13) == 0) {
			char hex[3] = { p[13], p[14], 0 };
			l->sep = (char)strtol(hex, NULL, 16);
			l->whole = ent_mbatch_splits((unsigned char)l->sep);
		} else if (n > 14 && memcmp(p, "#unset_field", 12) == 0) {
			snprintf(l->unset, sizeof l->unset, "%.*s",
			    (int)(n - 13), p + 13);
			l->unset_len = strlen(l->unset);
		} else if (n > 14 && memcmp(p, "#empty_field", 12) == 0) {
			snprintf(l->empty, sizeof l->empty, "%.*s",
			    (int)(n - 13), p + 13);
			l->empty_len = strlen(l->empty);
		} else if (n > 8 && memcmp(p, "#fields", 7) == 0) {
			layout_names(l, p, n, l->sep, 1);
		}
		if (nl == NULL)
			return len;
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

/* --- files ---------------------------------------------------------------- */

static work *
work_new(const ent_matcher *m, const layout *lay)
{
	work *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	w->lay = lay;
	if ((w->b = ent_mbatch_new(m, on_mhit, w)) == NULL) {
		free(w);
		return NULL;
	}
	return w;
}

/* Drops a set of hits, and leaves it empty. */
static void
hits_drop(hitset *s)
{
	free(s->v);
	free(s->bytes);
	memset(s, 0, sizeof *s);
}

static void
work_free(work *w)
{
	if (w == NULL)
		return;
	hits_drop(&w->hits);
	ent_mbatch_free(w->b);
	free(w->starts);
	free(w->cef);
	free(w->buf);
	free(w);
}

/* A plain file is cut at line ends into parts of about PART_BYTES (four
 * for each thread at least), and each thread takes the next part until
 * none is left, so that a thread whose parts cost more (longer lines, more
 * hits) does not keep the others waiting. The calling thread hands on
 * the hits of the parts done, in order, between its own parts, so hits
 * wait in memory only for the parts before them. */
#define PART_BYTES (4u << 20)

typedef struct part {
	size_t from, to;        /* its bytes in the map */
	hitset hits;
	uint64_t lines, malformed;
	int oom, eio;
	atomic_int done;
} part;

typedef struct pool {
	int fd;
	part *parts;
	size_t nparts;
	atomic_size_t next;
	/* handing hits on, by the calling thread only */
	const ent_scan_opts *o;
	const char *path;
	ent_scan_format fmt;
	ent_scan_stats *st;
	size_t emitted;         /* parts handed on */
	size_t len;             /* the file's bytes, for progress */
	uint64_t base;          /* lines before the next of them */
	int oom, eio;
} pool;

typedef struct job {
	pool *p;
	work *w;
	int emits;              /* the calling thread's job */
} job;

/* Hands the hits of a part to the caller, in order (until it asks to
 * stop), and drops them. */
static void
emit(const ent_scan_opts *o, const char *file, ent_scan_format fmt,
    hitset *s, uint64_t base)
{
	int stop = 0;

	for (size_t i = 0; i < s->n && !stop && o->on_hit; i++) {
		hitrec *r = &s->v[i];
		ent_scan_hit h = { file, base + r->line, fmt, r->field,
		    s->bytes + r->value, r->value_len, r->ts == SIZE_MAX ? NULL :
		    s->bytes + r->ts, r->ts_len, &r->ind };
		stop = o->on_hit(&h, o->ctx) != 0;
	}
	hits_drop(s);
}

/* Hands on the hits of the parts that are done, in order, while the other
 * threads go on (all: every part, the threads joined). */
static void
emit_parts(pool *p, int all)
{
	while (p->emitted < p->nparts) {
		part *pt = &p->parts[p->emitted];
		if (!all && !atomic_load_explicit(&pt->done,
		    memory_order_acquire))
			break;
		if (pt->eio && !p->eio)
			p->eio = pt->eio;
		if (p->oom || p->eio || pt->oom || !atomic_load(&pt->done)) {
			p->oom |= !p->eio;
			hits_drop(&pt->hits);
		} else {
			p->st->lines += pt->lines;
			p->st->malformed += pt->malformed;
			p->st->hits += pt->hits.n;
			emit(p->o, p->path, p->fmt, &pt->hits, p->base);
			p->base += pt->lines;
			if (p->o->progress)
				p->o->progress(pt->to, p->len, p->o->ctx);
		}
		p->emitted++;
	}
}

/* --- reading: a part of a plain file, or a stream ------------------------- */

/* Where bytes come from: the bytes [at, to) of a plain file (pread), or a
 * stream (gzip, a pipe, standard input: gzread, to SIZE_MAX). */
typedef struct source {
	int fd;
	gzFile gz;
	size_t at, to;
	int err;                /* errno of a failed read */
} source;

/* Reads up to want bytes into p: how many, 0 at the end, -1 on an error. */
static ssize_t
source_read(source *src, char *p, size_t want)
{
	ssize_t r;

	if (want > src->to - src->at)
		want = src->to - src->at;
	if (want == 0)
		return 0;
	do
		r = src->gz ? gzread(src->gz, p, (unsigned)want) :
		    pread(src->fd, p, want, (off_t)src->at);
	while (r < 0 && src->gz == NULL && errno == EINTR);
	if (r < 0) {
		src->err = src->gz ? EIO : errno;
		return -1;
	}
	src->at += (size_t)r;
	return r;
}

/* Bytes are read into a work's buffer READ_BYTES at a time (so that they
 * are scanned while still in the cache, and no thread waits on another to
 * map or unmap pages), whole lines scanned, the rest carried over. A line
 * that does not fit the buffer is longer than ENT_LINE_MAX: it is counted
 * as malformed and passed over. */
#define READ_BYTES (256u << 10)
#define BUF_BYTES (ENT_LINE_MAX + READ_BYTES + 2)

static char *
work_buf(work *w)
{
	if (w->buf == NULL && (w->buf = malloc(BUF_BYTES)) == NULL)
		w->oom = 1;
	return w->buf;
}

/* Scans what src gives after the have bytes already in the buffer, and
 * after each scan calls each (if given: a stream hands its hits on). */
static void
scan_source(work *w, source *src, size_t have,
    void (*each)(work *, void *), void *ctx)
{
	char *buf = work_buf(w);
	size_t clean = 0;	/* bytes at the start known to hold no '\n' */
	int skip = 0;		/* in a line too long, until its '\n' */
	int end = 0;

	if (buf == NULL)
		return;
	while (!end || have > 0) {
		ssize_t r = end ? 0 : source_read(src, buf + have,
		    READ_BYTES < BUF_BYTES - have ? READ_BYTES :
		    BUF_BYTES - have);
		const char *nl;
		size_t done;

		if (r < 0)
			return;
		end = r == 0;
		have += (size_t)(r > 0 ? r : 0);
		nl = memrchr(buf + clean, '\n', have - clean);
		clean = have;
		if (skip) {	/* the rest of a line too long */
			if (nl == NULL && !end) {
				have = clean = 0;
				continue;
			}
			done = nl ? (size_t)((const char *)memchr(buf, '\n',
			    have) + 1 - buf) : have;
			nl = NULL;	/* what follows may hold more */
			skip = 0;
		} else if (!end) {	/* whole lines; the rest waits */
			if (nl == NULL) {
				if (have < BUF_BYTES)
					continue;
				w->line++;	/* no '\n' in BUF_BYTES */
				w->lines++;
				w->malformed++;
				skip = 1;
				have = clean = 0;
				continue;
			}
			done = (size_t)(nl + 1 - buf);
			scan_lines(w, buf, done);
		} else {	/* the last bytes */
			done = have;
			scan_lines(w, buf, done);
		}
		if (each)
			each(w, ctx);
		memmove(buf, buf + done, have - done);
		have -= done;
		clean = nl ? have : 0;	/* what follows the last '\n' */
	}
}

static void *
run_job(void *arg)
{
	job *j = arg;
	pool *p = j->p;
	work *w = j->w;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->nparts) {
		part *pt = &p->parts[i];
		source src = { p->fd, NULL, pt->from, pt->to, 0 };

		w->line = w->lines = w->malformed = 0;
		w->oom = 0;
		scan_source(w, &src, 0, NULL, NULL);
		pt->hits = w->hits;
		pt->lines = w->lines;
		pt->malformed = w->malformed;
		pt->oom = w->oom;
		pt->eio = src.err;
		memset(&w->hits, 0, sizeof w->hits);
		atomic_store_explicit(&pt->done, 1, memory_order_release);
		if (j->emits)
			emit_parts(p, 0);
	}
	return NULL;
}

/* A stream's hits are handed on as they come. */
typedef struct stream {
	const ent_scan_opts *o;
	const char *path;
	ent_scan_format fmt;
	uint64_t base;          /* lines of the headers */
	ent_scan_stats *st;
	const source *src;      /* for progress: the bytes read */
} stream;

static void
stream_each(work *w, void *ctx)
{
	stream *sm = ctx;

	if (w->oom) {
		hits_drop(&w->hits);
		return;
	}
	sm->st->hits += w->hits.n;
	emit(sm->o, sm->path, sm->fmt, &w->hits, sm->base);
	if (sm->o->progress)
		sm->o->progress(sm->src->at, 0, sm->o->ctx);
}

static int
binary(const char *s, size_t n)
{
	return memchr(s, '\0', n < 4096 ? n : 4096) != NULL;
}

ent_err
ent_scan_file(const ent_matcher *m, const char *path, const ent_scan_opts *o,
    ent_scan_stats *st, ent_msg *msg)
{
	layout lay;
	int fd = -1;
	struct stat sb;
	unsigned char magic[2] = { 0, 0 };
	ent_err ret = ENT_OK;

	memset(&lay, 0, sizeof lay);
	lay.sep = '\t';
	lay.whole = ent_mbatch_splits('\t');
	lay.unset_len = (size_t)snprintf(lay.unset, sizeof lay.unset, "-");
	lay.empty_len = (size_t)snprintf(lay.empty, sizeof lay.empty,
	    "(empty)");
	lay.ts = lay.host = lay.uri = -1;
	fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ent_fail(msg, ENT_EIO, "cannot open %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	    pread(fd, magic, 2, 0) == 2 && !(magic[0] == 0x1f &&
	    magic[1] == 0x8b)) {
		/* a plain file: the threads share its parts, which they
		 * read; it is mapped only to find where they begin */
		size_t len = (size_t)sb.st_size, off;
		char *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		unsigned t = o->threads;
		job jobs[64];
		pthread_t tid[64];
		pool p;
		int oom = 0;
		uint64_t base = 0;

		if (map == MAP_FAILED) {
			close(fd);
			return ent_fail(msg, ENT_EIO, "cannot map %s: %s", path,
			    strerror(errno));
		}
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		lay.fmt = o->format ? o->format : detect(map, len);
		if (binary(map, len) && o->format != ENT_SCAN_TEXT) {
			munmap(map, len);
			close(fd);
			return ent_fail(msg, ENT_EINVAL, "%s looks binary (it has "
			    "NUL bytes); give --format text to scan it anyway",
			    path);
		}
		off = headers(&lay, map, len);
		if (t == 0) {
			long c = sysconf(_SC_NPROCESSORS_ONLN);
			t = c > 0 ? (unsigned)c : 1;
		}
		if (t > 64)
			t = 64;
		if ((len - off) < (size_t)t * 65536)
			t = 1;
		/* line numbers: what the headers took, then each part's */
		for (const char *q = map; q < map + off; q++)
			base += *q == '\n';
		memset(&p, 0, sizeof p);
		p.fd = fd;
		p.nparts = (len - off) / PART_BYTES + 4 * t;
		atomic_init(&p.next, 0);
		p.o = o;
		p.path = path;
		p.fmt = lay.fmt;
		p.st = st;
		p.base = base;
		p.len = len;
		p.parts = calloc(p.nparts, sizeof *p.parts);
		oom = p.parts == NULL;
		for (size_t i = 0, from = off; i < p.nparts && !oom; i++) {
			size_t c = off + (len - off) / p.nparts * (i + 1);
			const char *nl = i + 1 == p.nparts || c >= len ? NULL :
			    memchr(map + c, '\n', len - c);
			p.parts[i].from = from;
			p.parts[i].to = i + 1 == p.nparts ? len : nl ?
			    (size_t)(nl + 1 - map) : len;
			if (p.parts[i].to < from)
				p.parts[i].to = from;
			from = p.parts[i].to;
		}
		for (unsigned i = 0; i < t; i++) {
			jobs[i].p = &p;
			jobs[i].w = oom ? NULL : work_new(m, &lay);
			jobs[i].emits = i == 0;
			oom |= jobs[i].w == NULL;
		}
		if (!oom) {
			for (unsigned i = 1; i < t; i++)
				if (pthread_create(&tid[i], NULL, run_job,
				    &jobs[i]) != 0)
					tid[i] = 0;	/* the others do its share */
			run_job(&jobs[0]);
			for (unsigned i = 1; i < t; i++)
				if (tid[i])
					pthread_join(tid[i], NULL);
		}
		if (p.parts) {
			p.oom |= oom;
			emit_parts(&p, 1);
			oom = p.oom;
		}
		if (p.eio)
			ret = ent_fail(msg, ENT_EIO, "reading %s: %s", path,
			    strerror(p.eio));
		else if (oom)
			ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
		free(p.parts);
		for (unsigned i = 0; i < t; i++)
			work_free(jobs[i].w);
		st->bytes += len;
		st->format = lay.fmt;
		if (o->progress)
			o->progress(len, len, o->ctx);
		munmap(map, len);
		close(fd);
		layout_free(&lay);
		return ret;
	}
	/* gzip, a pipe or standard input: streamed, its hits handed on as
	 * they come */
	{
		gzFile gz = gzdopen(fd, "rb");
		work *w = work_new(m, &lay);
		source src = { -1, gz, 0, SIZE_MAX, 0 };
		stream sm = { o, path, ENT_SCAN_AUTO, 0, st, &src };
		size_t have = 0, off;
		ssize_t r = 1;
		char *buf = w ? work_buf(w) : NULL;

		if (gz == NULL || buf == NULL) {
			if (gz)
				gzclose(gz);
			else
				close(fd);
			work_free(w);
			return ent_fail(msg, ENT_ENOMEM, "out of memory");
		}
		gzbuffer(gz, 1 << 20);
		/* its first bytes: the format, whether binary, the headers */
		while (have < 4 * READ_BYTES && (r = source_read(&src, buf + have,
		    4 * READ_BYTES - have)) > 0)
			have += (size_t)r;
		lay.fmt = o->format ? o->format : detect(buf, have);
		sm.fmt = lay.fmt;
		if (r >= 0 && binary(buf, have) && o->format != ENT_SCAN_TEXT) {
			ret = ent_fail(msg, ENT_EINVAL, "%s looks binary (it has "
			    "NUL bytes); give --format text to scan it anyway",
			    path);
		} else if (r >= 0) {
			off = headers(&lay, buf, have);
			for (const char *p = buf; p < buf + off; p++)
				sm.base += *p == '\n';
			memmove(buf, buf + off, have - off);
			scan_source(w, &src, have - off, stream_each, &sm);
			if (w->oom)
				ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
		}
		{
			int errnum;
			const char *e = gzerror(gz, &errnum);
			if (errnum < 0 && ret == ENT_OK)
				ret = ent_fail(msg, ENT_EIO, "reading %s: %s", path,
				    e);
		}
		gzclose(gz);
		st->lines += w->lines;
		st->malformed += w->malformed;
		work_free(w);
		st->bytes += src.at;
		st->format = lay.fmt;
		layout_free(&lay);
		return ret;
	}
}
