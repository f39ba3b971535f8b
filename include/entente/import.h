/*
 * import.h — reading indicators in bulk from the formats analysts use.
 *
 * Each format is a reader that turns its input into values (with a line
 * number and per-row provenance) for one shared path that canonicalises,
 * counts and stores them. Invalid or empty values are skipped and counted,
 * never fatal; only an input that cannot be read as its format at all (an
 * unterminated quote, a line over the limit, a read error) fails the import.
 * The caller wraps imports in ent_store_begin/commit so that a failed one
 * leaves the store as it was.
 */
#ifndef ENTENTE_IMPORT_H
#define ENTENTE_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "entente/err.h"
#include "entente/indicator.h"
#include "entente/limits.h"
#include "entente/store.h"
#include "entente/warninglist.h"

typedef enum ent_format {
	ENT_FORMAT_AUTO = 0,   /* decided from the content */
	ENT_FORMAT_LIST,       /* one value per line; '#' comments */
	ENT_FORMAT_CSV,        /* RFC 4180, header detected */
	ENT_FORMAT_ZEEK,       /* Zeek intel: #fields, indicator_type */
	ENT_FORMAT_STIX,       /* STIX 2.1 bundle, object array or object */
	ENT_FORMAT_MISP,       /* MISP event JSON or restSearch response */
	ENT_FORMAT_TEXT,       /* indicators found in any text, refanged */
	ENT_FORMAT_COUNT
} ent_format;

const char *ent_format_name(ent_format f);
ent_err ent_format_parse(const char *s, ent_format *out, ent_msg *msg);

typedef struct ent_import_opts {
	ent_format format;
	ent_type type;          /* ENT_TYPE_AUTO: detect each value */
	const char *column;     /* CSV value column: header name or 1-based
	                           number; NULL: the first column of values */
	ent_meta meta;          /* provenance for every value */
	int tlp_given;          /* meta.tlp overrides the input's TLP */
	int source_given;       /* meta.source overrides the input's sources */
	const ent_warninglists *wl;  /* flag hits of these; NULL: none */
	int misp_links;         /* MISP: import "link" attributes as URLs */
	/* Called every 65,536 values with the count so far; may be NULL. */
	void (*progress)(uint64_t values, void *ctx);
	void *progress_ctx;
} ent_import_opts;

typedef struct ent_import_problem {
	uint64_t line;
	char why[ENT_MSG_MAX];
} ent_import_problem;

typedef struct ent_import_report {
	ent_format format;      /* the format used (after detection) */
	uint64_t added, updated, skipped;
	uint64_t types[ENT_TYPE_COUNT];   /* added or updated, per type */
	size_t nshown;          /* the first skipped values, with reasons */
	ent_import_problem shown[ENT_IMPORT_ERRORS_SHOWN];
	char column[ENT_NAME_MAX + 1];    /* CSV: the value column used */
	uint64_t flagged;       /* values that hit a warninglist */
	size_t nlists;          /* which lists, with counts */
	struct {
		char name[ENT_NAME_MAX + 1];
		uint64_t n;
	} lists[ENT_IMPORT_LISTS_SHOWN];
} ent_import_report;

/*
 * Imports everything readable from f into store, within the caller's
 * transaction. `name` is used in messages. *report is zeroed first and
 * filled in. Returns ENT_OK, or an error naming the file and line; the
 * caller should then roll back.
 */
ent_err ent_import_stream(ent_store *store, FILE *f, const char *name,
    const ent_import_opts *opts, ent_import_report *report, ent_msg *msg)
	__attribute__((warn_unused_result));

#endif
