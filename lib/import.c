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
#include "import_int.h"

static const char *const format_names[ENT_FORMAT_COUNT] = {
	"auto", "list", "csv", "zeek", "stix", "misp", "text",
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
	    "list, csv, zeek, stix, misp, text)", s);
}

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

void
sink_skip(sink *k, uint64_t line, const char *why)
{
	ent_import_report *r = k->report;

	r->skipped++;
	if (r->nshown < ENT_IMPORT_ERRORS_SHOWN) {
		r->shown[r->nshown].line = line;
		char *w = r->shown[r->nshown].why;
		snprintf(w, sizeof r->shown[0].why, "%s", why);
		for (; *w; w++)	/* one line each, whatever the input held */
			if ((unsigned char)*w < 0x20 || *w == 0x7f)
				*w = ' ';
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
/* Appends the NUL-terminated s to the arena (room already made). */
static uint32_t
arena_add(batch *b, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t off = (uint32_t)b->used;

	memcpy(b->arena + b->used, s, n);
	b->used += n;
	return off;
}

ent_err
sink_put(sink *k, const char *s, size_t n, uint64_t line, ent_type type,
    const ent_meta *meta, ent_msg *msg)
{
	ent_indicator ind;
	ent_msg why;

	if (ent_indicator_parse(&ind, s, n, type, &why) != ENT_OK) {
		sink_skip(k, line, why.text);
		return ENT_OK;
	}
	return sink_put_indicator(k, &ind, meta, msg);
}

ent_err
sink_put_indicator(sink *k, const ent_indicator *ind, const ent_meta *meta,
    ent_msg *msg)
{
	batch *b = &k->b[k->cur];
	pending *p;
	size_t need;
	int own = meta != &k->opts->meta;   /* provenance of its own */
	ent_import_report *r = k->report;

	need = ind->len;
	if (own) {
		need += (meta->source ? strlen(meta->source) : 0) + 1;
		for (size_t i = 0; i < meta->ntags && i < ENT_TAGS_MAX; i++)
			need += strlen(meta->tags[i]) + 1;
	}
	for (int room; (room = batch_room(b, need)) != 0;) {
		ent_err ret;
		if (room < 0)
			return ent_fail(msg, ENT_ENOMEM, "out of memory");
		if ((ret = handoff(k, msg)) != ENT_OK)
			return ret;
		b = &k->b[k->cur];
	}
	p = &b->items[b->n++];
	memcpy(b->arena + b->used, ind->value, ind->len);
	p->v = b->arena + b->used;
	p->len = (uint32_t)ind->len;
	b->used += ind->len;
	p->type = (uint8_t)ind->type;
	p->key = sort_key(ind->type, ind->value, ind->len);
	p->tlp = (uint8_t)meta->tlp;
	p->confidence = (int8_t)meta->confidence;
	p->revoked = meta->revoked != 0;
	p->valid_until = meta->valid_until;
	p->source = p->tags = NO_PROV;
	p->ntags = 0;
	if (own) {
		p->source = arena_add(b, meta->source ? meta->source : "");
		for (size_t i = 0; i < meta->ntags && i < ENT_TAGS_MAX; i++) {
			uint32_t o = arena_add(b, meta->tags[i]);
			if (i == 0)
				p->tags = o;
			p->ntags++;
		}
	}
	p->warninglist = ent_warninglists_hit(k->wl, ind);
	if (p->warninglist != NULL) {
		size_t i;
		r->flagged++;
		for (i = 0; i < r->nlists; i++)
			if (strcmp(r->lists[i].name, p->warninglist) == 0)
				break;
		if (i == r->nlists && i < ENT_IMPORT_LISTS_SHOWN) {
			snprintf(r->lists[i].name, sizeof r->lists[i].name, "%s",
			    p->warninglist);
			r->nlists++;
		}
		if (i < r->nlists)
			r->lists[i].n++;
	}
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
		const char *tags[ENT_TAGS_MAX];

		ind.type = (ent_type)p->type;
		ind.len = p->len;
		memcpy(ind.value, p->v, p->len);
		ind.value[p->len] = '\0';
		meta.tlp = (ent_tlp)p->tlp;
		meta.confidence = p->confidence;
		meta.revoked = p->revoked;
		meta.valid_until = p->valid_until;
		meta.warninglist = p->warninglist;
		if (p->source != NO_PROV) {
			const char *t = b->arena + p->tags;
			meta.source = b->arena[p->source] ? b->arena + p->source :
			    k->opts->meta.source;
			for (size_t j = 0; j < p->ntags; j++, t += strlen(t) + 1)
				tags[j] = t;
			meta.tags = tags;
			meta.ntags = p->ntags;
		} else {
			meta.source = k->opts->meta.source;
			meta.tags = k->opts->meta.tags;
			meta.ntags = k->opts->meta.ntags;
		}
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
ent_err
sink_named(const sink *k, ent_msg *msg, ent_err e)
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
		return sink_named(k, msg, ENT_EINVAL);
	}
	return ENT_OK;
}

/* --- dispatch --------------------------------------------------------- */

typedef ent_err (*reader_fn)(sink *k, input *in, ent_msg *msg);

static const reader_fn readers[ENT_FORMAT_COUNT] = {
	[ENT_FORMAT_LIST] = read_list,
	[ENT_FORMAT_CSV] = read_csv,
	[ENT_FORMAT_ZEEK] = read_zeek,
	[ENT_FORMAT_STIX] = read_stix,
	[ENT_FORMAT_MISP] = read_misp,
	[ENT_FORMAT_TEXT] = read_text,
};

/* Looks at the start of the input: JSON is MISP when it names an Event
 * or Attribute, else STIX; Zeek's #fields or #separator header means Zeek
 * intel; a comma or a quote on the first non-comment line means CSV; one
 * word on it, a list; anything else free text. */
static ent_format
detect(input *in)
{
	const char *p;
	long n = input_peek(in, 4096, &p);
	long i = 0;

	while (i < n && isspace((unsigned char)p[i]))
		i++;
	if (i < n && (p[i] == '{' || p[i] == '[')) {
		if (memmem(p, (size_t)n, "\"Event\"", 7) != NULL ||
		    memmem(p, (size_t)n, "\"Attribute\"", 11) != NULL)
			return ENT_FORMAT_MISP;
		return ENT_FORMAT_STIX;
	}
	if ((n >= 7 && memcmp(p, "#fields", 7) == 0) ||
	    (n >= 10 && memcmp(p, "#separator", 10) == 0))
		return ENT_FORMAT_ZEEK;
	for (i = 0; i < n;) {
		long e = i, w = 0;
		while (e < n && p[e] != '\n')
			e++;
		if (e > i && p[i] != '#') {
			for (long j = i; j < e; j++) {
				if (p[j] == ',' || p[j] == '"')
					return ENT_FORMAT_CSV;
				/* words: starts of runs of non-space */
				w += !isspace((unsigned char)p[j]) &&
				    (j == i || isspace((unsigned char)p[j - 1]));
			}
			return w <= 1 ? ENT_FORMAT_LIST : ENT_FORMAT_TEXT;
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
	k.wl = opts->wl;
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
