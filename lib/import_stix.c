/*
 * import_stix.c — the STIX 2.1 reader: bundles (or arrays of objects, or
 * one object), read one object at a time.
 *
 * Indicators with a pattern of the subset of lib/stix.c, and the cyber
 * observables that carry a value Entente keeps (ipv4-addr, ipv6-addr,
 * domain-name, url, email-addr, file hashes), top level or inside a STIX
 * 2.0-style observed-data. Provenance: created_by_ref (the source),
 * confidence, labels (tags), valid_until, revoked, and TLP from
 * object_marking_refs (TLP 1.0 and 2.0 ids, or marking definitions met
 * earlier in the input). An indicator any of whose comparisons cannot be
 * imported is skipped whole with the reason.
 */
#include <stdlib.h>
#include <string.h>

#include "import_int.h"
#include "json_stream.h"
#include "stix.h"

#define MARKINGS_MAX 1024   /* TLP marking definitions remembered */

typedef struct stix_ctx {
	sink *k;
	stix_terms terms;                       /* of the current pattern */
	ent_indicator inds[STIX_TERMS_MAX];     /* their canonical values */
	struct {
		char *id;
		ent_tlp tlp;
	} markings[MARKINGS_MAX];
	size_t nmarkings;
} stix_ctx;

/* A TLP marking definition: TLP 1.0 ("definition_type": "tlp") or with
 * the TLP 2.0 extension ("tlp_2_0" in a property extension). */
static void
remember_marking(stix_ctx *c, const jv *o)
{
	const char *id = jv_gets(o, "id"), *level = NULL;
	const jv *ext, *e;
	ent_tlp t;

	if (id == NULL || c->nmarkings == MARKINGS_MAX)
		return;
	if ((level = jv_gets(o, "definition_type")) != NULL &&
	    strcmp(level, "tlp") == 0)
		level = jv_gets(jv_get(o, "definition"), "tlp");
	else
		level = NULL;
	ext = jv_get(o, "extensions");
	jv_each(ext, e)
		if (jv_gets(e, "tlp_2_0") != NULL)
			level = jv_gets(e, "tlp_2_0");
	if (level == NULL || ent_tlp_parse(level, &t, NULL) != ENT_OK)
		return;
	if ((c->markings[c->nmarkings].id = strdup(id)) == NULL)
		return;
	c->markings[c->nmarkings++].tlp = t;
}

/* Fills meta from the object's common properties. */
static void
provenance(stix_ctx *c, const jv *o, ent_meta *meta, const char **tags)
{
	const ent_import_opts *opts = c->k->opts;
	const jv *refs = jv_get(o, "object_marking_refs"), *v;
	const char *by = jv_gets(o, "created_by_ref"), *vu = jv_gets(o, "valid_until");
	int tlp = -1;
	long long conf;

	*meta = opts->meta;
	meta->tags = tags;
	meta->ntags = 0;
	if (by != NULL && strlen(by) <= ENT_NAME_MAX && !opts->source_given &&
	    strchr(by, ',') == NULL)
		meta->source = by;
	jv_each(refs, v) {
		const char *id = jv_str(v);
		int t;
		if (id == NULL)
			continue;
		t = stix_tlp_of_marking(id);
		for (size_t m = 0; t < 0 && m < c->nmarkings; m++)
			if (strcmp(c->markings[m].id, id) == 0)
				t = (int)c->markings[m].tlp;
		if (t > tlp)
			tlp = t;	/* the strictest marking holds */
	}
	if (tlp >= 0 && !opts->tlp_given)
		meta->tlp = (ent_tlp)tlp;
	if (jv_int(jv_get(o, "confidence"), 0, 100, &conf))
		meta->confidence = (int)conf;
	if (vu != NULL) {
		int64_t t;
		if (stix_time_parse(vu, &t) == 0 && t > 0)
			meta->valid_until = t;
	}
	meta->revoked = jv_is(jv_get(o, "revoked"), JV_TRUE);
	for (size_t n = 0; n < opts->meta.ntags && n < ENT_TAGS_MAX; n++)
		tags[meta->ntags++] = opts->meta.tags[n];
	jv_each(jv_get(o, "labels"), v) {
		const char *l = jv_str(v);
		if (meta->ntags == ENT_TAGS_MAX)
			break;
		if (l != NULL && *l && strlen(l) <= ENT_NAME_MAX &&
		    strchr(l, ',') == NULL)
			tags[meta->ntags++] = l;
	}
}

static ent_err
skip_object(sink *k, uint64_t line, const char *id, const char *why)
{
	char m[ENT_MSG_MAX];

	snprintf(m, sizeof m, "%.60s: %.400s", id ? id : "an object", why);
	sink_skip(k, line, m);
	return ENT_OK;
}

static ent_err
indicator(stix_ctx *c, const jv *o, uint64_t line, ent_msg *msg)
{
	const char *id = jv_gets(o, "id"), *pattern = jv_gets(o, "pattern");
	const char *ptype = jv_gets(o, "pattern_type"), *tags[ENT_TAGS_MAX];
	stix_terms *terms = &c->terms;
	ent_meta meta;
	char why[ENT_MSG_MAX];
	ent_err ret = ENT_OK;

	if (ptype != NULL && strcmp(ptype, "stix") != 0) {
		snprintf(why, sizeof why, "the pattern is %.40s, not STIX",
		    ptype);
		return skip_object(c->k, line, id, why);
	}
	if (pattern == NULL)
		return skip_object(c->k, line, id, "an indicator without a "
		    "pattern");
	if (stix_pattern_parse(pattern, jv_get(o, "pattern")->len, terms,
	    why) != 0)
		return skip_object(c->k, line, id, why);
	/* all or nothing: every value must be an indicator */
	for (size_t i = 0; i < terms->n; i++) {
		ent_msg m;
		if (ent_indicator_parse(&c->inds[i], terms->t[i].value,
		    terms->t[i].len, terms->t[i].type, &m) != ENT_OK)
			return skip_object(c->k, line, id, m.text);
	}
	provenance(c, o, &meta, tags);
	for (size_t i = 0; i < terms->n && ret == ENT_OK; i++)
		ret = sink_put_indicator(c->k, &c->inds[i], &meta, msg);
	return ret;
}

/* A cyber observable: the value of an address, domain, URL or e-mail
 * address, or a file's hashes. */
static ent_err
observable(stix_ctx *c, const jv *o, const jv *parent, uint64_t line,
    ent_msg *msg)
{
	static const struct {
		const char *object;
		ent_type type;
	} values[] = {
		{ "ipv4-addr", ENT_TYPE_IPV4 }, { "ipv6-addr", ENT_TYPE_IPV6 },
		{ "domain-name", ENT_TYPE_DOMAIN }, { "url", ENT_TYPE_URL },
		{ "email-addr", ENT_TYPE_EMAIL },
	};
	static const struct {
		const char *name;
		ent_type type;
	} hashes[] = {
		{ "MD5", ENT_TYPE_MD5 }, { "SHA-1", ENT_TYPE_SHA1 },
		{ "SHA1", ENT_TYPE_SHA1 }, { "SHA-256", ENT_TYPE_SHA256 },
		{ "SHA256", ENT_TYPE_SHA256 },
	};
	const char *type = jv_gets(o, "type"), *tags[ENT_TAGS_MAX];
	ent_meta meta;
	const jv *v;

	provenance(c, parent ? parent : o, &meta, tags);
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		if (strcmp(type, values[i].object) != 0)
			continue;
		v = jv_get(o, "value");
		if (!jv_is(v, JV_STRING))
			return skip_object(c->k, line, jv_gets(o, "id"), "no "
			    "string value");
		return sink_put(c->k, v->s, v->len, line, values[i].type,
		    &meta, msg);
	}
	if (strcmp(type, "file") == 0) {
		const jv *h = jv_get(o, "hashes");
		for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
			ent_err ret;
			v = jv_get(h, hashes[i].name);
			if (!jv_is(v, JV_STRING))
				continue;
			ret = sink_put(c->k, v->s, v->len, line, hashes[i].type,
			    &meta, msg);
			if (ret != ENT_OK)
				return ret;
		}
	}
	return ENT_OK;
}

static ent_err
object(const jv *o, uint64_t line, void *ctx, ent_msg *msg)
{
	stix_ctx *c = ctx;
	const char *type = jv_gets(o, "type");

	if (!jv_is(o, JV_OBJECT))
		return skip_object(c->k, line, NULL, "not a JSON object");
	if (type == NULL)
		return skip_object(c->k, line, jv_gets(o, "id"), "an object "
		    "without a type");
	if (strcmp(type, "indicator") == 0)
		return indicator(c, o, line, msg);
	if (strcmp(type, "marking-definition") == 0) {
		remember_marking(c, o);
		return ENT_OK;
	}
	if (strcmp(type, "observed-data") == 0) {
		const jv *sco;
		jv_each(jv_get(o, "objects"), sco) {
			ent_err ret;
			if (!jv_is(sco, JV_OBJECT) || jv_gets(sco, "type") == NULL)
				continue;
			if ((ret = observable(c, sco, o, line, msg)) != ENT_OK)
				return ret;
		}
		return ENT_OK;
	}
	if (strcmp(type, "bundle") == 0) {
		/* one without objects, or whose objects are not an array */
		if (jv_get(o, "objects") == NULL)
			return ENT_OK;
		return ent_fail(msg, ENT_EINVAL, "line %llu: the bundle's "
		    "\"objects\" is not an array", (unsigned long long)line);
	}
	return observable(c, o, NULL, line, msg);
}

ent_err
read_stix(sink *k, input *in, ent_msg *msg)
{
	stix_ctx *c = calloc(1, sizeof *c);
	ent_err ret;

	if (c == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	c->k = k;
	ret = json_stream(in, "objects", object, c, msg);
	for (size_t i = 0; i < c->nmarkings; i++)
		free(c->markings[i].id);
	free(c);
	return ret == ENT_OK ? ret : sink_named(k, msg, ret);
}
