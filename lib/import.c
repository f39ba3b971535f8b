/*
 * import.c — the shared import path and the list and CSV readers.
 * A new format is a reader function plus a line in `readers`.
 */
#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entente/import.h"
#include "entente/log.h"
#include "csv.h"
#include "input.h"

static const char *const format_names[ENT_FORMAT_COUNT] = {
	"auto", "list", "csv", "zeek",
};

const char *
ent_format_name(ent_format f)
{
	if ((unsigned)f >= ENT_FORMAT_COUNT)
		return NULL;
	return format_names[f];
}

ent_err
ent_format_parse(const char *s, ent_format *out, ent_msg *msg)
{
	for (int f = 0; f < ENT_FORMAT_COUNT; f++) {
		if (strcasecmp(s, format_names[f]) == 0) {
			*out = (ent_format)f;
			return ENT_OK;
		}
	}
	return ent_fail(msg, ENT_EINVAL, "unknown format '%s' (formats: auto, "
	    "list, csv, zeek)", s);
}

/*
 * Where every reader sends its values. The reader runs in its own thread
 * and fills batches of canonical values, sorted into the store's key order;
 * the calling thread stores each batch while the next one is read. Storing
 * in key order makes a bulk import several times faster than file order.
 */
#define BATCH_MAX (1u << 18)            /* values per batch */
#define ARENA_MAX (16u << 20)           /* bytes of values per batch */

typedef struct pending {
	uint64_t key;                   /* type, then the value's first 7
	                                   bytes: most comparisons end here */
	const char *v;                  /* the value, in the batch's arena */
	uint32_t len;
	uint8_t type, tlp;
	int8_t confidence;
} pending;

typedef struct batch {
	pending *items;
	size_t n, cap;
	char *arena;
	size_t used, size;
} batch;

/* Makes room for one more value of len bytes, doubling up to the maxima:
 * small imports stay small. 0 on success, 1 when the batch is full (hand
 * it over), -1 when out of memory. */
static int
batch_room(batch *b, size_t len)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		pending *p;
		if (b->cap >= BATCH_MAX)
			return 1;
		p = realloc(b->items, cap * sizeof *p);
		if (p == NULL)
			return -1;
		b->items = p;
		b->cap = cap;
	}
	if (b->used + len > b->size) {
		size_t size = b->size ? b->size * 2 : 65536;
		char *a;
		if (b->size >= ARENA_MAX)
			return 1;
		while (size < b->used + len)
			size *= 2;
		a = realloc(b->arena, size);
		if (a == NULL)
			return -1;
		for (size_t i = 0; i < b->n; i++)	/* values moved with it */
			b->items[i].v = a + (b->items[i].v - b->arena);
		b->arena = a;
		b->size = size;
	}
	return 0;
}

typedef struct sink {
	ent_store *store;
	const ent_import_opts *opts;
	ent_import_report *report;      /* skipped: reader; the rest: caller */
	const char *name;
	batch b[2];
	int cur;                        /* the batch the reader fills */
	/* hand-off between the reader and the storing thread */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int full[2], done, stop;
} sink;

static void
skip(sink *k, uint64_t line, const char *why)
{
	ent_import_report *r = k->report;

	r->skipped++;
	if (r->nshown < ENT_IMPORT_ERRORS_SHOWN) {
		r->shown[r->nshown].line = line;
		snprintf(r->shown[r->nshown].why, sizeof r->shown[0].why, "%s",
		    why);
		r->nshown++;
	}
}

/* The store's key order: type code, then the value's bytes. */
static uint64_t
sort_key(ent_type type, const char *v, size_t n)
{
	uint64_t key = (uint64_t)type << 56;

	for (size_t i = 0; i < 7; i++)
		key |= (uint64_t)(i < n ? (uint8_t)v[i] : 0) << (48 - 8 * i);
	return key;
}

static int
cmp_pending(const void *pa, const void *pb)
{
	const pending *a = pa, *b = pb;
	size_t n;
	int c;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	n = a->len < b->len ? a->len : b->len;
	c = memcmp(a->v, b->v, n);
	if (c != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

/* Reader: sorts the current batch, hands it over and waits for the other
 * one to be free. ENT_EIO when the storing side has stopped. */
static ent_err
handoff(sink *k, ent_msg *msg)
{
	batch *b = &k->b[k->cur];
	int stop;

	qsort(b->items, b->n, sizeof *b->items, cmp_pending);
	pthread_mutex_lock(&k->mu);
	k->full[k->cur] = 1;
	pthread_cond_broadcast(&k->cv);
	k->cur ^= 1;
	while (k->full[k->cur] && !k->stop)
		pthread_cond_wait(&k->cv, &k->mu);
	stop = k->stop;
	pthread_mutex_unlock(&k->mu);
	k->b[k->cur].n = 0;
	k->b[k->cur].used = 0;
	return stop ? ent_fail(msg, ENT_EIO, "stopped") : ENT_OK;
}

/* Canonicalises one value into the batch; an invalid one is counted
 * skipped. Only a stop of the storing side is an error. */
static ent_err
sink_put(sink *k, const char *s, size_t n, uint64_t line, ent_type type,
    const ent_meta *meta, ent_msg *msg)
{
	batch *b = &k->b[k->cur];
	ent_indicator ind;
	ent_msg why;
	pending *p;

	if (ent_indicator_parse(&ind, s, n, type, &why) != ENT_OK) {
		skip(k, line, why.text);
		return ENT_OK;
	}
	for (int room; (room = batch_room(b, ind.len)) != 0;) {
		ent_err ret;
		if (room < 0)
			return ent_fail(msg, ENT_ENOMEM, "out of memory");
		if ((ret = handoff(k, msg)) != ENT_OK)
			return ret;
		b = &k->b[k->cur];
	}
	p = &b->items[b->n++];
	memcpy(b->arena + b->used, ind.value, ind.len);
	p->v = b->arena + b->used;
	p->len = (uint32_t)ind.len;
	p->type = (uint8_t)ind.type;
	p->key = sort_key(ind.type, ind.value, ind.len);
	p->tlp = (uint8_t)meta->tlp;
	p->confidence = (int8_t)meta->confidence;
	b->used += ind.len;
	return ENT_OK;
}

/* Caller's thread: stores one sorted batch. */
static ent_err
store_batch(sink *k, const batch *b, ent_msg *msg)
{
	ent_import_report *r = k->report;
	ent_meta meta = k->opts->meta;
	ent_indicator ind;
	uint64_t before, after, done = r->added + r->updated;
	ent_err ret;

	/* What was added is how much the store grew; the rest updated. */
	if ((ret = ent_store_total(k->store, &before, msg)) != ENT_OK)
		return ret;
	for (size_t i = 0; i < b->n; i++) {
		const pending *p = &b->items[i];

		ind.type = (ent_type)p->type;
		ind.len = p->len;
		memcpy(ind.value, p->v, p->len);
		ind.value[p->len] = '\0';
		meta.tlp = (ent_tlp)p->tlp;
		meta.confidence = p->confidence;
		ret = ent_store_put(k->store, &ind, &meta, NULL, msg);
		if (ret != ENT_OK)
			return ret;
		r->types[ind.type]++;
		if (k->opts->progress != NULL && ((done + i) & 0xffff) == 0xffff)
			k->opts->progress(done + i + 1, k->opts->progress_ctx);
	}
	if ((ret = ent_store_total(k->store, &after, msg)) != ENT_OK)
		return ret;
	r->added += after - before;
	r->updated += b->n - (after - before);
	return ENT_OK;
}

/* Puts the input's name before the message in msg (if any); returns e. */
static ent_err
named(const sink *k, ent_msg *msg, ent_err e)
{
	ent_msg m;

	if (msg == NULL)
		return e;
	m = *msg;
	return ent_fail(msg, e, "%s: %s", k->name, m.text);
}

/* --- list ------------------------------------------------------------- */

static ent_err
read_list(sink *k, input *in, ent_msg *msg)
{
	const char *line;
	size_t len;
	int rc;

	while ((rc = input_line(in, &line, &len, msg)) == 1) {
		uint64_t no = input_lineno(in) - 1;
		size_t i = 0;
		ent_err ret;

		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i == len || line[i] == '#')
			continue;
		ret = sink_put(k, line + i, len - i, no, k->opts->type,
		    &k->opts->meta, msg);
		if (ret != ENT_OK)
			return ret;
	}
	if (rc < 0) {
		return named(k, msg, ENT_EINVAL);
	}
	return ENT_OK;
}

/* --- CSV -------------------------------------------------------------- */

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
		skip(k, line, "the value is empty");
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

static ent_err
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
	named(k, msg, ret);
out:
	sample_free(&sm);
	csv_close(c);
	return ret;
}

/* --- Zeek intel --------------------------------------------------------- */

/* Zeek's Intel::Type names and the types they map to (AUTO: detect, as
 * ADDR may be IPv4 or IPv6 and FILE_HASH any of three lengths). */
static const struct {
	const char *name;
	ent_type type;
} zeek_types[] = {
	{ "Intel::ADDR", ENT_TYPE_AUTO }, { "Intel::SUBNET", ENT_TYPE_AUTO },
	{ "Intel::DOMAIN", ENT_TYPE_DOMAIN }, { "Intel::URL", ENT_TYPE_URL },
	{ "Intel::EMAIL", ENT_TYPE_EMAIL },
	{ "Intel::FILE_HASH", ENT_TYPE_AUTO },
};

/* Splits line at sep into at most max fields; returns the count. */
static size_t
split(const char *line, size_t len, char sep, csv_field *f, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len && n < max; i++) {
		if (i == len || line[i] == sep) {
			f[n].s = line + start;
			f[n].n = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

static ent_err
read_zeek(sink *k, input *in, ent_msg *msg)
{
	csv_field f[64];
	const char *line;
	size_t len, ind = SIZE_MAX, typ = SIZE_MAX;
	char sep = '\t', why[160];
	int rc;

	while ((rc = input_line(in, &line, &len, msg)) == 1) {
		uint64_t no = input_lineno(in) - 1;
		size_t nf, i;
		ent_type t = ENT_TYPE_AUTO;
		ent_err ret;

		if (len >= 11 && memcmp(line, "#separator ", 11) == 0) {
			/* "#separator \x09" */
			if (len == 15 && line[11] == '\\' && line[12] == 'x')
				sep = (char)strtol((char[]){ line[13], line[14],
				    0 }, NULL, 16);
			continue;
		}
		if (len >= 7 && memcmp(line, "#fields", 7) == 0) {
			nf = split(line, len, sep, f, 64);
			for (i = 1; i < nf; i++) {
				if (f[i].n == 9 && !memcmp(f[i].s, "indicator", 9))
					ind = i - 1;
				if (f[i].n == 14 &&
				    !memcmp(f[i].s, "indicator_type", 14))
					typ = i - 1;
			}
			continue;
		}
		if (len == 0 || line[0] == '#')
			continue;
		if (ind == SIZE_MAX)
			return ent_fail(msg, ENT_EINVAL, "%s: line %llu: no "
			    "#fields line with an 'indicator' field before the "
			    "data (not a Zeek intel file?)", k->name,
			    (unsigned long long)no);
		nf = split(line, len, sep, f, 64);
		if (ind >= nf) {
			skip(k, no, "the line has no indicator field");
			continue;
		}
		if (typ != SIZE_MAX && typ < nf) {
			for (i = 0; i < sizeof zeek_types / sizeof zeek_types[0];
			    i++)
				if (f[typ].n == strlen(zeek_types[i].name) &&
				    !memcmp(f[typ].s, zeek_types[i].name,
				    f[typ].n))
					break;
			if (i == sizeof zeek_types / sizeof zeek_types[0]) {
				snprintf(why, sizeof why, "%.*s is not a type "
				    "Entente keeps", (int)(f[typ].n < 60 ?
				    f[typ].n : 60), f[typ].s);
				skip(k, no, why);
				continue;
			}
			t = zeek_types[i].type;
		}
		/* the file's type holds the value to it, unless --type */
		ret = sink_put(k, f[ind].s, f[ind].n, no,
		    k->opts->type != ENT_TYPE_AUTO ? k->opts->type : t,
		    &k->opts->meta, msg);
		if (ret != ENT_OK)
			return ret;
	}
	if (rc < 0) {
		return named(k, msg, ENT_EINVAL);
	}
	return ENT_OK;
}

/* --- dispatch --------------------------------------------------------- */

typedef ent_err (*reader_fn)(sink *k, input *in, ent_msg *msg);

static const reader_fn readers[ENT_FORMAT_COUNT] = {
	[ENT_FORMAT_LIST] = read_list,
	[ENT_FORMAT_CSV] = read_csv,
	[ENT_FORMAT_ZEEK] = read_zeek,
};

/* Looks at the start of the input: Zeek's #fields or #separator header
 * means Zeek intel; a comma or a quote on the first non-comment line means
 * CSV; anything else a list. */
static ent_format
detect(input *in)
{
	const char *p;
	long n = input_peek(in, 4096, &p);
	long i = 0;

	if ((n >= 7 && memcmp(p, "#fields", 7) == 0) ||
	    (n >= 10 && memcmp(p, "#separator", 10) == 0))
		return ENT_FORMAT_ZEEK;
	while (i < n) {
		long e = i;
		while (e < n && p[e] != '\n')
			e++;
		if (e > i && p[i] != '#') {
			for (long j = i; j < e; j++)
				if (p[j] == ',' || p[j] == '"')
					return ENT_FORMAT_CSV;
			return ENT_FORMAT_LIST;
		}
		i = e + 1;
	}
	return ENT_FORMAT_LIST;
}

/* The import's summary on the record: source, format, counts, and the
 * SHA-256 of what was read. */
static ent_err
record(sink *k, input *in, ent_msg *msg)
{
	const ent_import_report *r = k->report;
	char t[24], a[24], u[24], sk[24], hex[65];
	uint8_t d[32];
	const char *kv[] = { "time", t, "source", k->opts->meta.source ?
	    k->opts->meta.source : "local", "file", k->name, "format",
	    ent_format_name(r->format), "added", a, "updated", u, "skipped",
	    sk, "sha256", hex, NULL };

	input_digest(in, d);
	sodium_bin2hex(hex, sizeof hex, d, 32);
	snprintf(t, sizeof t, "%lld", (long long)time(NULL));
	snprintf(a, sizeof a, "%llu", (unsigned long long)r->added);
	snprintf(u, sizeof u, "%llu", (unsigned long long)r->updated);
	snprintf(sk, sizeof sk, "%llu", (unsigned long long)r->skipped);
	return ent_log_event(k->store, "import", kv, msg);
}

typedef struct reader_job {
	sink *k;
	input *in;
	reader_fn read;
	ent_err ret;
	ent_msg msg;
} reader_job;

static void *
reader_main(void *arg)
{
	reader_job *j = arg;
	sink *k = j->k;

	j->ret = j->read(k, j->in, &j->msg);
	if (j->ret == ENT_OK && k->b[k->cur].n > 0)
		j->ret = handoff(k, &j->msg);
	pthread_mutex_lock(&k->mu);
	k->done = 1;
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* Stores batches as the reader hands them over, in order. */
static ent_err
store_all(sink *k, ent_msg *msg)
{
	int next = 0;
	ent_err ret = ENT_OK;

	for (;;) {
		pthread_mutex_lock(&k->mu);
		while (!k->full[next] && !k->done)
			pthread_cond_wait(&k->cv, &k->mu);
		if (!k->full[next]) {
			pthread_mutex_unlock(&k->mu);
			return ENT_OK;
		}
		pthread_mutex_unlock(&k->mu);
		ret = store_batch(k, &k->b[next], msg);
		pthread_mutex_lock(&k->mu);
		k->full[next] = 0;
		if (ret != ENT_OK)
			k->stop = 1;
		pthread_cond_broadcast(&k->cv);
		pthread_mutex_unlock(&k->mu);
		if (ret != ENT_OK)
			return ret;
		next ^= 1;
	}
}

ent_err
ent_import_stream(ent_store *store, FILE *f, const char *name,
    const ent_import_opts *opts, ent_import_report *report, ent_msg *msg)
{
	input *in = input_open(f);
	sink k;
	reader_job job;
	pthread_t reader;
	ent_format fmt = opts->format;
	ent_err ret;
	int ok = in != NULL;

	memset(report, 0, sizeof *report);
	memset(&k, 0, sizeof k);
	k.store = store;
	k.opts = opts;
	k.report = report;
	k.name = name;
	if (!ok) {
		ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
		goto out;
	}
	if ((unsigned)fmt >= ENT_FORMAT_COUNT) {
		ret = ent_fail(msg, ENT_EINVAL, "unknown format");
		goto out;
	}
	if (fmt == ENT_FORMAT_AUTO)
		fmt = detect(in);
	report->format = fmt;
	pthread_mutex_init(&k.mu, NULL);
	pthread_cond_init(&k.cv, NULL);
	job = (reader_job){ &k, in, readers[fmt], ENT_OK, { "" } };
	if (pthread_create(&reader, NULL, reader_main, &job) != 0) {
		ret = ent_fail(msg, ENT_ENOMEM, "cannot start a thread");
	} else {
		ret = store_all(&k, msg);
		pthread_join(reader, NULL);
		if (ret == ENT_OK && job.ret != ENT_OK) {
			ret = job.ret;
			if (msg != NULL)
				*msg = job.msg;
		}
		if (ret == ENT_OK)
			ret = record(&k, in, msg);
	}
	pthread_cond_destroy(&k.cv);
	pthread_mutex_destroy(&k.mu);
out:
	for (int i = 0; i < 2; i++) {
		free(k.b[i].items);
		free(k.b[i].arena);
	}
	input_close(in);
	return ret;
}
