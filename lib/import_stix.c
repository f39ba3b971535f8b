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
	struct {
		char *id;
		ent_tlp tlp;
	} markings[MARKINGS_MAX];
	size_t nmarkings;
} stix_ctx;

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A TLP marking definition: TLP 1.0 ("definition_type": "tlp") or with
 * the TLP 2.0 extension ("tlp_2_0" in a property extension). */
static void
remember_marking(stix_ctx *c, json_t *o)
{
	const char *id = str(o, "id"), *level = NULL, *ekey;
	json_t *ext, *e;
	ent_tlp t;

	if (id == NULL || c->nmarkings == MARKINGS_MAX)
		return;
	if ((level = str(o, "definition_type")) != NULL &&
	    strcmp(level, "tlp") == 0)
		level = str(json_object_get(o, "definition"), "tlp");
	else
		level = NULL;
	ext = json_object_get(o, "extensions");
	json_object_foreach(ext, ekey, e)
		if (str(e, "tlp_2_0") != NULL)
			level = str(e, "tlp_2_0");
	if (level == NULL || ent_tlp_parse(level, &t, NULL) != ENT_OK)
		return;
	if ((c->markings[c->nmarkings].id = strdup(id)) == NULL)
		return;
	c->markings[c->nmarkings++].tlp = t;
}

/* Fills meta from the object's common properties. */
static void
provenance(stix_ctx *c, json_t *o, ent_meta *meta, const char **tags)
{
	const ent_import_opts *opts = c->k->opts;
	json_t *refs = json_object_get(o, "object_marking_refs"), *v;
	const char *by = str(o, "created_by_ref"), *vu = str(o, "valid_until");
	int tlp = -1;
	size_t i;

	*meta = opts->meta;
	meta->tags = tags;
	meta->ntags = 0;
	if (by != NULL && strlen(by) <= ENT_NAME_MAX && !opts->source_given &&
	    strchr(by, ',') == NULL)
		meta->source = by;
	json_array_foreach(refs, i, v) {
		const char *id = json_string_value(v);
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
	v = json_object_get(o, "confidence");
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 100)
		meta->confidence = (int)json_integer_value(v);
	if (vu != NULL) {
		int64_t t;
		if (stix_time_parse(vu, &t) == 0 && t > 0)
			meta->valid_until = t;
	}
	meta->revoked = json_is_true(json_object_get(o, "revoked"));
	for (size_t n = 0; n < opts->meta.ntags && n < ENT_TAGS_MAX; n++)
		tags[meta->ntags++] = opts->meta.tags[n];
	json_array_foreach(json_object_get(o, "labels"), i, v) {
		const char *l = json_string_value(v);
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
indicator(stix_ctx *c, json_t *o, uint64_t line, ent_msg *msg)
{
	const char *id = str(o, "id"), *pattern = str(o, "pattern");
	const char *ptype = str(o, "pattern_type"), *tags[ENT_TAGS_MAX];
	stix_terms *terms;
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
	terms = malloc(sizeof *terms);
	if (terms == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	if (stix_pattern_parse(pattern, json_string_length(
	    json_object_get(o, "pattern")), terms, why) != 0) {
		skip_object(c->k, line, id, why);
		goto out;
	}
	/* all or nothing: every value must be an indicator */
	for (size_t i = 0; i < terms->n; i++) {
		ent_indicator ind;
		ent_msg m;
		if (ent_indicator_parse(&ind, terms->t[i].value,
		    terms->t[i].len, terms->t[i].type, &m) != ENT_OK) {
			skip_object(c->k, line, id, m.text);
			goto out;
		}
	}
	provenance(c, o, &meta, tags);
	for (size_t i = 0; i < terms->n && ret == ENT_OK; i++)
		ret = sink_put(c->k, terms->t[i].value, terms->t[i].len, line,
		    terms->t[i].type, &meta, msg);
out:
	free(terms);
	return ret;
}

/* A cyber observable: the value of an address, domain, URL or e-mail
 * address, or a file's hashes. */
static ent_err
observable(stix_ctx *c, json_t *o, json_t *parent, uint64_t line,
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
	const char *type = str(o, "type"), *tags[ENT_TAGS_MAX];
	ent_meta meta;
	json_t *v;

	provenance(c, parent ? parent : o, &meta, tags);
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		if (strcmp(type, values[i].object) != 0)
			continue;
		v = json_object_get(o, "value");
		if (!json_is_string(v))
			return skip_object(c->k, line, str(o, "id"), "no "
			    "string value");
		return sink_put(c->k, json_string_value(v),
		    json_string_length(v), line, values[i].type, &meta, msg);
	}
	if (strcmp(type, "file") == 0) {
		json_t *h = json_object_get(o, "hashes");
		for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
			ent_err ret;
			v = json_object_get(h, hashes[i].name);
			if (!json_is_string(v))
				continue;
			ret = sink_put(c->k, json_string_value(v),
			    json_string_length(v), line, hashes[i].type, &meta,
			    msg);
			if (ret != ENT_OK)
				return ret;
		}
	}
	return ENT_OK;
}

static ent_err
object(json_t *o, uint64_t line, void *ctx, ent_msg *msg)
{
	stix_ctx *c = ctx;
	const char *type = str(o, "type");

	if (!json_is_object(o))
		return skip_object(c->k, line, NULL, "not a JSON object");
	if (type == NULL)
		return skip_object(c->k, line, str(o, "id"), "an object "
		    "without a type");
	if (strcmp(type, "indicator") == 0)
		return indicator(c, o, line, msg);
	if (strcmp(type, "marking-definition") == 0) {
		remember_marking(c, o);
		return ENT_OK;
	}
	if (strcmp(type, "observed-data") == 0) {
		const char *key;
		json_t *sco;
		json_object_foreach(json_object_get(o, "objects"), key, sco) {
			ent_err ret;
			if (!json_is_object(sco) || str(sco, "type") == NULL)
				continue;
			if ((ret = observable(c, sco, o, line, msg)) != ENT_OK)
				return ret;
		}
		return ENT_OK;
	}
	if (strcmp(type, "bundle") == 0) {
		/* one without objects, or whose objects are not an array */
		if (json_object_get(o, "objects") == NULL)
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
