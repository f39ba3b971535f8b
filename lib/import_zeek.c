/* import_zeek.c — the Zeek intel files (#fields header, Intel:: types) reader. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import_int.h"

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

ent_err
read_zeek(sink *k, input *in, ent_msg *msg)
{
	csv_field f[64];
	const char *line;
	size_t len, ind = SIZE_MAX, typ = SIZE_MAX, src = SIZE_MAX;
	size_t desc = SIZE_MAX;
	char source[ENT_NAME_MAX + 1], tag[ENT_NAME_MAX + 1];
	const char *tags[ENT_TAGS_MAX];
	ent_meta meta;
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
				if (f[i].n == 11 &&
				    !memcmp(f[i].s, "meta.source", 11))
					src = i - 1;
				if (f[i].n == 9 && !memcmp(f[i].s, "meta.desc", 9))
					desc = i - 1;
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
			sink_skip(k, no, "the line has no indicator field");
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
				sink_skip(k, no, why);
				continue;
			}
			t = zeek_types[i].type;
		}
		/* the line's meta.source is its source, unless --source */
		meta = k->opts->meta;
		if (src < nf && f[src].n > 0 && f[src].n <= ENT_NAME_MAX &&
		    !(f[src].n == 1 && f[src].s[0] == '-') &&
		    memchr(f[src].s, ',', f[src].n) == NULL &&
		    !k->opts->source_given) {
			memcpy(source, f[src].s, f[src].n);
			source[f[src].n] = '\0';
			meta.source = source;
		}
		/* meta.desc is a tag when it can be one */
		if (desc < nf && f[desc].n > 0 && f[desc].n <= ENT_NAME_MAX &&
		    !(f[desc].n == 1 && f[desc].s[0] == '-') &&
		    memchr(f[desc].s, ',', f[desc].n) == NULL &&
		    meta.ntags < ENT_TAGS_MAX) {
			memcpy(tag, f[desc].s, f[desc].n);
			tag[f[desc].n] = '\0';
			for (size_t j = 0; j < meta.ntags; j++)
				tags[j] = meta.tags[j];
			tags[meta.ntags++] = tag;
			meta.tags = tags;
		}
		/* the file's type holds the value to it, unless --type */
		ret = sink_put(k, f[ind].s, f[ind].n, no,
		    k->opts->type != ENT_TYPE_AUTO ? k->opts->type : t,
		    meta.source == source || meta.tags == tags ? &meta :
		    &k->opts->meta, msg);
		if (ret != ENT_OK)
			return ret;
	}
	if (rc < 0) {
		return sink_named(k, msg, ENT_EINVAL);
	}
	return ENT_OK;
}
