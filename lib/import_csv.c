/* import_csv.c — the CSV (RFC 4180) with header and value-column detection reader. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import_int.h"

#define CSV_SAMPLE 64	/* records looked at to choose the value column */

static int
field_is(csv_field f, const char *name)
{
	return f.n == strlen(name) && strncasecmp(f.s, name, f.n) == 0;
}

static int
field_is_indicator(csv_field f, ent_type type)
{
	ent_indicator ind;
	return f.n > 0 &&
	    ent_indicator_parse(&ind, f.s, f.n, type, NULL) == ENT_OK;
}

/* Copies the first nrec records (each a NUL-separated row) so that the
 * column can be chosen before anything is stored. */
typedef struct sample {
	char *data[CSV_SAMPLE];
	size_t nfields[CSV_SAMPLE];
	uint64_t line[CSV_SAMPLE];
	size_t n;
} sample;

static void
sample_free(sample *sm)
{
	for (size_t i = 0; i < sm->n; i++)
		free(sm->data[i]);
}

static int
sample_add(sample *sm, const csv *c)
{
	size_t total = 0, nf = csv_nfields(c), o = 0;
	char *d;

	for (size_t i = 0; i < nf; i++)
		total += csv_get(c, i).n + 1;
	d = malloc(total + 1);
	if (d == NULL)
		return -1;
	for (size_t i = 0; i < nf; i++) {
		csv_field f = csv_get(c, i);
		memcpy(d + o, f.s, f.n);
		o += f.n;
		d[o++] = '\0';
	}
	sm->data[sm->n] = d;
	sm->nfields[sm->n] = nf;
	sm->line[sm->n] = csv_lineno(c);
	sm->n++;
	return 0;
}

static csv_field
sample_get(const sample *sm, size_t r, size_t col)
{
	csv_field f = { "", 0 };
	const char *p = sm->data[r];

	if (col >= sm->nfields[r])
		return f;
	for (size_t i = 0; i < col; i++)
		p += strlen(p) + 1;
	f.s = p;
	f.n = strlen(p);
	return f;
}

typedef struct csv_plan {
	size_t value, tlp, confidence;   /* columns; SIZE_MAX: none */
	int header;
} csv_plan;

/* Decides header, value column and provenance columns from the sample. */
static ent_err
csv_choose(sink *k, const sample *sm, csv_plan *pl, ent_msg *msg)
{
	const ent_import_opts *o = k->opts;
	size_t ncols = 0, first = 0;

	pl->value = pl->tlp = pl->confidence = SIZE_MAX;
	pl->header = 0;
	if (sm->n == 0)
		return ENT_OK;
	for (size_t r = 0; r < sm->n; r++)
		if (sm->nfields[r] > ncols)
			ncols = sm->nfields[r];
	/* A first row none of whose fields is an indicator is a header. */
	pl->header = 1;
	for (size_t c = 0; c < sm->nfields[0]; c++)
		if (field_is_indicator(sample_get(sm, 0, c), o->type))
			pl->header = 0;
	if (pl->header) {
		first = 1;
		for (size_t c = 0; c < sm->nfields[0]; c++) {
			csv_field f = sample_get(sm, 0, c);
			if (field_is(f, "tlp") || field_is(f, "handling") ||
			    field_is(f, "marking"))
				pl->tlp = c;
			if (field_is(f, "confidence"))
				pl->confidence = c;
		}
	}
	if (o->column != NULL) {
		char *end;
		unsigned long n = strtoul(o->column, &end, 10);
		if (*end == '\0' && end != o->column) {
			if (n == 0 || n > ncols)
				return ent_fail(msg, ENT_EINVAL, "%s: --column "
				    "%lu: the file has %zu columns", k->name, n,
				    ncols);
			pl->value = n - 1;
			return ENT_OK;
		}
		if (!pl->header)
			return ent_fail(msg, ENT_EINVAL, "%s: --column %s: the "
			    "file has no header row; give a column number",
			    k->name, o->column);
		for (size_t c = 0; c < sm->nfields[0]; c++)
			if (field_is(sample_get(sm, 0, c), o->column)) {
				pl->value = c;
				return ENT_OK;
			}
		return ent_fail(msg, ENT_EINVAL, "%s: no column named '%s' in "
		    "the header", k->name, o->column);
	}
	/* The first column where most non-empty sampled values are
	 * indicators. */
	for (size_t c = 0; c < ncols; c++) {
		size_t good = 0, nonempty = 0;
		for (size_t r = first; r < sm->n; r++) {
			csv_field f = sample_get(sm, r, c);
			if (f.n == 0)
				continue;
			nonempty++;
			good += field_is_indicator(f, o->type);
		}
		if (nonempty > 0 && good * 2 > nonempty) {
			pl->value = c;
			return ENT_OK;
		}
	}
	return ent_fail(msg, ENT_EINVAL, "%s: no column holds indicators; "
	    "name one with --column", k->name);
}

static ent_err
csv_row(sink *k, const csv_plan *pl, csv_field (*get)(const void *, size_t),
    const void *row, uint64_t line, ent_msg *msg)
{
	ent_meta meta = k->opts->meta;
	csv_field v = get(row, pl->value);
	char buf[32];

	if (pl->tlp != SIZE_MAX && !k->opts->tlp_given) {
		csv_field f = get(row, pl->tlp);
		ent_tlp t;
		if (f.n > 0 && f.n < sizeof buf) {
			memcpy(buf, f.s, f.n);
			buf[f.n] = '\0';
			if (ent_tlp_parse(buf, &t, NULL) == ENT_OK)
				meta.tlp = t;
		}
	}
	if (pl->confidence != SIZE_MAX) {
		csv_field f = get(row, pl->confidence);
		if (f.n > 0 && f.n < 4) {
			char *end;
			long c;
			memcpy(buf, f.s, f.n);
			buf[f.n] = '\0';
			c = strtol(buf, &end, 10);
			if (*end == '\0' && c >= 0 && c <= 100)
				meta.confidence = (int)c;
		}
	}
	if (v.n == 0) {
		sink_skip(k, line, "the value is empty");
		return ENT_OK;
	}
	return sink_put(k, v.s, v.n, line, k->opts->type, &meta, msg);
}

typedef struct sample_row {
	const sample *sm;
	size_t r;
} sample_row;

static csv_field
get_sample(const void *p, size_t col)
{
	const sample_row *sr = p;
	return sample_get(sr->sm, sr->r, col);
}

static csv_field
get_csv(const void *p, size_t col)
{
	return csv_get(p, col);
}

/* Is the record entirely empty (a blank line)? */
static int
blank_record(size_t nfields, csv_field first)
{
	return nfields <= 1 && first.n == 0;
}

ent_err
read_csv(sink *k, input *in, ent_msg *msg)
{
	csv *c = csv_open(in);
	sample sm = { .n = 0 };
	csv_plan pl;
	ent_err ret = ENT_OK;
	int rc;

	if (c == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	while (sm.n < CSV_SAMPLE && (rc = csv_next(c, msg)) == 1) {
		if (blank_record(csv_nfields(c), csv_get(c, 0)))
			continue;
		if (sample_add(&sm, c) != 0) {
			ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (sm.n < CSV_SAMPLE && rc < 0) {
		ret = ENT_EINVAL;
		goto fail;
	}
	if ((ret = csv_choose(k, &sm, &pl, msg)) != ENT_OK)
		goto out;
	if (pl.header && pl.value < sm.nfields[0]) {
		csv_field h = sample_get(&sm, 0, pl.value);
		snprintf(k->report->column, sizeof k->report->column, "%.*s",
		    (int)(h.n < ENT_NAME_MAX ? h.n : ENT_NAME_MAX), h.s);
	} else if (pl.value != SIZE_MAX) {
		snprintf(k->report->column, sizeof k->report->column, "%zu",
		    pl.value + 1);
	}
	for (size_t r = pl.header ? 1 : 0; r < sm.n; r++) {
		sample_row sr = { &sm, r };
		ret = csv_row(k, &pl, get_sample, &sr, sm.line[r], msg);
		if (ret != ENT_OK)
			goto out;
	}
	if (sm.n == CSV_SAMPLE) {
		while ((rc = csv_next(c, msg)) == 1) {
			if (blank_record(csv_nfields(c), csv_get(c, 0)))
				continue;
			ret = csv_row(k, &pl, get_csv, c, csv_lineno(c), msg);
			if (ret != ENT_OK)
				goto out;
		}
		if (rc < 0) {
			ret = ENT_EINVAL;
			goto fail;
		}
	}
	goto out;
fail:
	sink_named(k, msg, ret);
out:
	sample_free(&sm);
	csv_close(c);
	return ret;
}
