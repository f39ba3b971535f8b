/*
 * scan.h — the guard: finds this node's indicators in logs at line rate.
 *
 * Readers know their formats' fields, so each hit says where it was: Zeek
 * TSV (#separator, #fields, #unset_field honoured) and Zeek JSON, BIND
 * query logs, Apache/nginx combined, CEF (escapes handled), CSV with a
 * header, and plain text. Tokens are matched whole (matcher.h). Malformed
 * lines are counted and skipped, never fatal. gzip is read transparently.
 */
#ifndef ENTENTE_SCAN_H
#define ENTENTE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "entente/err.h"
#include "entente/matcher.h"

typedef enum ent_scan_format {
	ENT_SCAN_AUTO = 0, ENT_SCAN_ZEEK, ENT_SCAN_ZEEK_JSON, ENT_SCAN_BIND,
	ENT_SCAN_COMBINED, ENT_SCAN_CEF, ENT_SCAN_CSV, ENT_SCAN_TEXT,
	ENT_SCAN_FORMAT_COUNT
} ent_scan_format;

const char *ent_scan_format_name(ent_scan_format f);
ent_err ent_scan_format_parse(const char *s, ent_scan_format *out,
    ent_msg *msg);

/* One hit, handed to the caller in file order. Strings are not
 * NUL-terminated where a length is given; valid during the call. */
typedef struct ent_scan_hit {
	const char *file;
	uint64_t line;
	ent_scan_format format;
	const char *field;
	const char *value;
	size_t value_len;
	const char *ts;          /* the line's timestamp as written, or NULL */
	size_t ts_len;
	const ent_mhit *indicator;
} ent_scan_hit;

typedef struct ent_scan_opts {
	ent_scan_format format;
	unsigned threads;        /* 0: every core */
	int (*on_hit)(const ent_scan_hit *hit, void *ctx);
	void *ctx;
	/* Called now and then with the bytes done; may be NULL. */
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
} ent_scan_opts;

typedef struct ent_scan_stats {
	ent_scan_format format;  /* as detected */
	uint64_t lines, bytes, hits, malformed;
} ent_scan_stats;

/*
 * Scans one file ("-" for standard input). Returns ENT_OK (with or without
 * hits); ENT_EINVAL for a binary file unless the format is text; ENT_EIO
 * when it cannot be read. Stats are added to *st.
 */
ent_err ent_scan_file(const ent_matcher *m, const char *path,
    const ent_scan_opts *o, ent_scan_stats *st, ent_msg *msg)
	__attribute__((warn_unused_result));

#endif
