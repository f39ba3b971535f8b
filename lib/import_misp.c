/*
 * import_misp.c — the MISP reader: an event ({"Event": {...}}, as in a
 * MISP feed's <uuid>.json), an array of them, or a restSearch response
 * ({"response": [...]}), one event at a time.
 *
 * Attributes of the event and of its objects are mapped by type (the table
 * below); composite types (domain|ip, filename|md5, ip-dst|port) give the
 * parts Entente keeps. Attributes with to_ids false are context, not
 * detection: skipped with that reason, as are deleted ones and types
 * Entente does not keep. TLP comes from the attribute's tags, else the
 * event's; other tags are kept; the source is the creating organisation.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import_int.h"
#include "json_stream.h"

/* What each part of a MISP value ("a|b") is; NONE: not kept. */
#define NONE ((ent_type)-1)

static const struct {
	const char *misp;
	ent_type first, second;
} types[] = {
	{ "ip-src", ENT_TYPE_AUTO, NONE }, { "ip-dst", ENT_TYPE_AUTO, NONE },
	{ "ip-src|port", ENT_TYPE_AUTO, NONE },
	{ "ip-dst|port", ENT_TYPE_AUTO, NONE },
	{ "domain", ENT_TYPE_DOMAIN, NONE },
	{ "hostname", ENT_TYPE_DOMAIN, NONE },
	{ "hostname|port", ENT_TYPE_DOMAIN, NONE },
	{ "domain|ip", ENT_TYPE_DOMAIN, ENT_TYPE_AUTO },
	{ "url", ENT_TYPE_URL, NONE }, { "uri", ENT_TYPE_URL, NONE },
	{ "link", ENT_TYPE_URL, NONE },   /* only when asked */
	{ "email", ENT_TYPE_EMAIL, NONE }, { "email-src", ENT_TYPE_EMAIL, NONE },
	{ "email-dst", ENT_TYPE_EMAIL, NONE },
	{ "md5", ENT_TYPE_MD5, NONE }, { "sha1", ENT_TYPE_SHA1, NONE },
	{ "sha256", ENT_TYPE_SHA256, NONE },
	{ "filename|md5", NONE, ENT_TYPE_MD5 },
	{ "filename|sha1", NONE, ENT_TYPE_SHA1 },
	{ "filename|sha256", NONE, ENT_TYPE_SHA256 },
	{ "malware-sample", NONE, ENT_TYPE_MD5 },
};

/* Reads the Tag array: the strictest TLP into *tlp (-1 when none), the
 * other tags into tags[*ntags...]. */
static void
read_tags(const jv *owner, int *tlp, const char **tags, size_t *ntags)
{
	const jv *t;

	jv_each(jv_get(owner, "Tag"), t) {
		const char *name = jv_gets(t, "name");
		ent_tlp level;
		if (name == NULL)
			continue;
		if (strncasecmp(name, "tlp:", 4) == 0) {
			if (ent_tlp_parse(name, &level, NULL) == ENT_OK &&
			    (int)level > *tlp)
				*tlp = (int)level;
			continue;
		}
		if (*ntags < ENT_TAGS_MAX && *name &&
		    strlen(name) <= ENT_NAME_MAX && strchr(name, ',') == NULL)
			tags[(*ntags)++] = name;
	}
}

typedef struct event {
	sink *k;
	ent_meta meta;          /* the event's provenance */
	int tlp;                /* the event's TLP tag, -1 when none */
	const char *tags[ENT_TAGS_MAX];
	size_t ntags;
	uint64_t line;
} event;

static ent_err
put_part(event *e, const char *v, size_t n, ent_type want,
    const ent_meta *meta, ent_msg *msg)
{
	ent_indicator ind;
	ent_msg m;

	if (want == ENT_TYPE_AUTO) {
		/* an address: refuse what is not one, rather than guess */
		if (ent_indicator_parse(&ind, v, n, ENT_TYPE_IPV4, &m) !=
		    ENT_OK && ent_indicator_parse(&ind, v, n, ENT_TYPE_IPV6,
		    &m) != ENT_OK) {
			sink_skip(e->k, e->line, m.text);
			return ENT_OK;
		}
		want = ind.type;
	}
	return sink_put(e->k, v, n, e->line, want, meta, msg);
}

static ent_err
attribute(event *e, const jv *a, ent_msg *msg)
{
	const char *type = jv_gets(a, "type"), *value = jv_gets(a, "value");
	const char *bar, *tags[ENT_TAGS_MAX];
	ent_meta meta = e->meta;
	int tlp = -1, composite;
	size_t i, ntags = e->ntags, vlen;
	char why[ENT_MSG_MAX];
	ent_err ret;

	if (type == NULL || value == NULL) {
		sink_skip(e->k, e->line, "an attribute without a type or value");
		return ENT_OK;
	}
	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(type, types[i].misp) == 0)
			break;
	if (i == sizeof types / sizeof types[0] ||
	    (strcmp(type, "link") == 0 && !e->k->opts->misp_links)) {
		snprintf(why, sizeof why, "%.40s %.60s: MISP type %.40s is not "
		    "a type Entente keeps%s", type, value, type,
		    strcmp(type, "link") == 0 ? " (import links as URLs with "
		    "--misp-links)" : "");
		sink_skip(e->k, e->line, why);
		return ENT_OK;
	}
	if (jv_is(jv_get(a, "deleted"), JV_TRUE)) {
		sink_skip(e->k, e->line, "a deleted attribute");
		return ENT_OK;
	}
	if (jv_is(jv_get(a, "to_ids"), JV_FALSE) &&
	    strcmp(type, "link") != 0) {
		snprintf(why, sizeof why, "%.40s %.60s: to_ids is false (context, "
		    "not for detection)", type, value);
		sink_skip(e->k, e->line, why);
		return ENT_OK;
	}
	memcpy(tags, e->tags, ntags * sizeof *tags);
	read_tags(a, &tlp, tags, &ntags);
	meta.tags = tags;
	meta.ntags = ntags;
	if (tlp >= 0 && !e->k->opts->tlp_given)
		meta.tlp = (ent_tlp)tlp;
	vlen = jv_get(a, "value")->len;
	/* composite: "a|b" (malware-sample too: "filename|md5") */
	composite = strchr(type, '|') != NULL || types[i].first == NONE;
	bar = composite ? memchr(value, '|', vlen) : NULL;
	if (composite && bar == NULL) {
		snprintf(why, sizeof why, "MISP %.40s value without '|'", type);
		sink_skip(e->k, e->line, why);
		return ENT_OK;
	}
	if (types[i].first != NONE) {
		size_t n = bar ? (size_t)(bar - value) : vlen;
		if ((ret = put_part(e, value, n, types[i].first, &meta, msg)) !=
		    ENT_OK)
			return ret;
	}
	if (types[i].second != NONE) {
		return put_part(e, bar + 1, vlen - (size_t)(bar + 1 - value),
		    types[i].second, &meta, msg);
	}
	return ENT_OK;
}

static ent_err
one_event(const jv *o, uint64_t line, void *ctx, ent_msg *msg)
{
	sink *k = ctx;
	const jv *ev = jv_get(o, "Event"), *a, *obj;
	const char *org;
	event *e;
	size_t i;
	ent_err ret = ENT_OK;

	if (ev == NULL)
		ev = o;	/* the event itself */
	if (!jv_is(ev, JV_OBJECT) || (jv_get(ev, "Attribute") == NULL &&
	    jv_get(ev, "Object") == NULL && jv_gets(ev, "info") == NULL)) {
		sink_skip(k, line, "not a MISP event (no Event, Attribute or "
		    "Object)");
		return ENT_OK;
	}
	/* wrong types are errors, not events read as empty */
	if ((jv_get(ev, "Attribute") != NULL &&
	    !jv_is(jv_get(ev, "Attribute"), JV_ARRAY)) ||
	    (jv_get(ev, "Object") != NULL &&
	    !jv_is(jv_get(ev, "Object"), JV_ARRAY)))
		return ent_fail(msg, ENT_EINVAL, "line %llu: the event's "
		    "Attribute or Object is not an array",
		    (unsigned long long)line);
	if ((e = calloc(1, sizeof *e)) == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	e->k = k;
	e->line = line;
	e->meta = k->opts->meta;
	e->tlp = -1;
	for (i = 0; i < k->opts->meta.ntags && i < ENT_TAGS_MAX; i++)
		e->tags[e->ntags++] = k->opts->meta.tags[i];
	read_tags(ev, &e->tlp, e->tags, &e->ntags);
	if (e->tlp >= 0 && !k->opts->tlp_given)
		e->meta.tlp = (ent_tlp)e->tlp;
	org = jv_gets(jv_get(ev, "Orgc"), "name");
	if (org != NULL && *org && strlen(org) <= ENT_NAME_MAX &&
	    strchr(org, ',') == NULL && !k->opts->source_given)
		e->meta.source = org;
	jv_each(jv_get(ev, "Attribute"), a)
		if ((ret = attribute(e, a, msg)) != ENT_OK)
			goto out;
	jv_each(jv_get(ev, "Object"), obj)
		jv_each(jv_get(obj, "Attribute"), a)
			if ((ret = attribute(e, a, msg)) != ENT_OK)
				goto out;
out:
	free(e);
	return ret;
}

ent_err
read_misp(sink *k, input *in, ent_msg *msg)
{
	ent_err ret = json_stream(in, "response", one_event, k, msg);

	return ret == ENT_OK ? ret : sink_named(k, msg, ret);
}
