/*
 * export.h — writing the active indicators for the tools that load them.
 *
 * Every format writes only active indicators (never revoked, expired or
 * on-hold ones) at or below a TLP ceiling, in (type, value) order, so an
 * export of the same store is the same bytes (ids are UUIDv5 of the
 * values). Formats that cannot carry a type skip it and count it.
 */
#ifndef ENTENTE_EXPORT_H
#define ENTENTE_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "entente/err.h"
#include "entente/indicator.h"
#include "entente/store.h"

typedef enum ent_export_format {
	ENT_EXPORT_STIX,       /* STIX 2.1 bundle of indicators */
	ENT_EXPORT_MISP,       /* MISP event JSON */
	ENT_EXPORT_ZEEK,       /* Zeek intel file */
	ENT_EXPORT_SURICATA,   /* Suricata datasets: a directory */
	ENT_EXPORT_IPREP,      /* Suricata IP reputation: a directory */
	ENT_EXPORT_CSV,
	ENT_EXPORT_LIST,
	ENT_EXPORT_COUNT
} ent_export_format;

ent_err ent_export_format_parse(const char *s, ent_export_format *out,
    ent_msg *msg);

/* Does the format write a directory of files rather than one stream? */
int ent_export_is_dir(ent_export_format f);

typedef struct ent_export_opts {
	ent_export_format format;
	ent_type type;          /* ENT_TYPE_AUTO: all */
	ent_tlp tlp_max;
	const char *producer;   /* the node's name: STIX identity, MISP org */
} ent_export_opts;

typedef struct ent_export_report {
	uint64_t written;
	uint64_t types[ENT_TYPE_COUNT];   /* written, per type */
	uint64_t unsupported;   /* of types the format cannot carry */
	uint64_t above_tlp;     /* left out by --tlp-max */
} ent_export_report;

/* Writes a single-stream format to f. */
ent_err ent_export_stream(ent_store *store, FILE *f,
    const ent_export_opts *opts, ent_export_report *report, ent_msg *msg)
	__attribute__((warn_unused_result));

/* Writes a directory format into dir (created if missing; its files of
 * the same names replaced). */
ent_err ent_export_dir(ent_store *store, const char *dir,
    const ent_export_opts *opts, ent_export_report *report, ent_msg *msg)
	__attribute__((warn_unused_result));

#endif
