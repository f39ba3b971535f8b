/*
 * export.c — the active indicators in the formats sensors and platforms
 * load (see include/entente/export.h). One writer per format, each called
 * once per indicator between a header and a footer.
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "entente/export.h"
#include "stix.h"

static const char *const format_names[ENT_EXPORT_COUNT] = {
	"stix", "misp", "zeek", "suricata", "iprep", "csv", "list",
};

ent_err
ent_export_format_parse(const char *s, ent_export_format *out, ent_msg *msg)
{
	for (int f = 0; f < ENT_EXPORT_COUNT; f++)
		if (strcasecmp(s, format_names[f]) == 0) {
			*out = (ent_export_format)f;
			return ENT_OK;
		}
	return ent_fail(msg, ENT_EINVAL, "unknown export format '%s' (formats: "
	    "stix, misp, zeek, suricata, iprep, csv, list)", s);
}

int
ent_export_is_dir(ent_export_format f)
{
	return f == ENT_EXPORT_SURICATA || f == ENT_EXPORT_IPREP;
}

/* UUIDv5 (RFC 9562) of name in Entente's namespace, as text. */
static void
uuid5(char out[37], const char *kind, const char *name)
{
	static const uint8_t ns[16] = { 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x65,
	    0x4c, 0x11, 0x9a, 0x2f, 0x0b, 0x5e, 0x1e, 0xc7, 0x10, 0x45 };
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned int dl;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	memset(d, 0, sizeof d);
	if (c != NULL && EVP_DigestInit_ex(c, EVP_sha1(), NULL) == 1) {
		EVP_DigestUpdate(c, ns, sizeof ns);
		EVP_DigestUpdate(c, kind, strlen(kind));
		EVP_DigestUpdate(c, ":", 1);
		EVP_DigestUpdate(c, name, strlen(name));
		EVP_DigestFinal_ex(c, d, &dl);
	}
	EVP_MD_CTX_free(c);
	d[6] = (uint8_t)((d[6] & 0x0f) | 0x50);
	d[8] = (uint8_t)((d[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", d[0], d[1], d[2], d[3], d[4], d[5],
	    d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
}

/* --- the walk --------------------------------------------------------- */

typedef struct writer writer;
struct writer {
	const ent_export_opts *opts;
	ent_export_report *r;
	FILE *f;                /* single-stream formats */
	FILE *files[ENT_TYPE_COUNT];   /* directory formats: per type */
	const char *dir;
	int n;                  /* written so far, for separators */
	int err;                /* errno of a failed write or open */
	/* returns 0 written, 1 not a type the format carries */
	int (*one)(writer *w, const ent_record *rec);
};

static int
each(const ent_record *rec, void *ctx)
{
	writer *w = ctx;
	int rc;

	if (rec->tlp > w->opts->tlp_max) {
		w->r->above_tlp++;
		return 0;
	}
	rc = w->one(w, rec);
	if (rc == 1) {
		w->r->unsupported++;
		return 0;
	}
	w->r->written++;
	w->r->types[rec->type]++;
	w->n++;
	return w->err != 0;
}

/* --- STIX 2.1 --------------------------------------------------------- */

static void
json_out(writer *w, json_t *o)
{
	if (json_dumpf(o, w->f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
		w->err = errno ? errno : EIO;
	json_decref(o);
}

static int
stix_one(writer *w, const ent_record *rec)
{
	char id[64], uuid[37], pattern[ENT_VALUE_MAX * 2 + 64], t1[25], t2[25],
	    t3[25], ident[64];
	json_t *o, *labels;

	if (stix_pattern_write(pattern, sizeof pattern, rec->type,
	    rec->value) < 0)
		return 1;
	uuid5(uuid, ent_type_name(rec->type), rec->value);
	snprintf(id, sizeof id, "indicator--%s", uuid);
	uuid5(uuid, "identity", w->opts->producer);
	snprintf(ident, sizeof ident, "identity--%s", uuid);
	stix_time_write(t1, rec->first_seen);
	stix_time_write(t2, rec->last_seen > rec->first_seen ?
	    rec->last_seen : rec->first_seen);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
	    "type", "indicator", "spec_version", "2.1", "id", id,
	    "created_by_ref", ident, "created", t1, "modified", t2,
	    "name", rec->value, "pattern", pattern, "pattern_type", "stix",
	    "valid_from", t1);
	if (o == NULL) {
		w->err = ENOMEM;
		return 0;
	}
	if (rec->valid_until > rec->first_seen) {
		stix_time_write(t3, rec->valid_until);
		json_object_set_new(o, "valid_until", json_string(t3));
	}
	if (rec->confidence >= 0)
		json_object_set_new(o, "confidence",
		    json_integer(rec->confidence));
	labels = json_array();
	for (const char *s = rec->tags; s && *s;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		json_array_append_new(labels, json_stringn(s, n));
		s = e ? e + 1 : NULL;
	}
	if (json_array_size(labels) > 0)
		json_object_set_new(o, "labels", labels);
	else
		json_decref(labels);
	json_object_set_new(o, "object_marking_refs",
	    json_pack("[s]", stix_tlp_marking(rec->tlp)));
	fputs(",\n", w->f);
	json_out(w, o);
	return 0;
}

/* A random version 4 UUID: each export is a new bundle. */
static void
uuid4(char out[37])
{
	uint8_t b[16];

	randombytes_buf(b, sizeof b);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Writes the object o as the head of a document: its members, then
 * `,"key":[` to open the array the records go in. */
static void
open_array(writer *w, const char *prefix, json_t *o, const char *key)
{
	char *h = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	if (h == NULL) {
		w->err = ENOMEM;
		return;
	}
	h[strlen(h) - 1] = '\0';	/* the closing brace */
	fprintf(w->f, "%s%s,\"%s\":[\n", prefix, h, key);
	free(h);
}

static void
stix_head(writer *w)
{
	char uuid[37], ident[64], id[64], epoch[25];

	uuid4(uuid);
	snprintf(id, sizeof id, "bundle--%s", uuid);
	open_array(w, "", json_pack("{s:s,s:s}", "type", "bundle", "id", id),
	    "objects");
	uuid5(uuid, "identity", w->opts->producer);
	snprintf(ident, sizeof ident, "identity--%s", uuid);
	stix_time_write(epoch, 0);	/* fixed: the same every export */
	json_out(w, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type",
	    "identity", "spec_version", "2.1", "id", ident, "created", epoch,
	    "modified", epoch, "name", w->opts->producer, "identity_class",
	    "organization"));
}

/* --- MISP -------------------------------------------------------------- */

static const char *
misp_type(ent_type t)
{
	switch (t) {
	case ENT_TYPE_IPV4: case ENT_TYPE_IPV6:
	case ENT_TYPE_IPV4_NET: case ENT_TYPE_IPV6_NET:
		return "ip-dst";
	case ENT_TYPE_DOMAIN: return "domain";
	case ENT_TYPE_URL: return "url";
	case ENT_TYPE_EMAIL: return "email-src";
	case ENT_TYPE_MD5: return "md5";
	case ENT_TYPE_SHA1: return "sha1";
	case ENT_TYPE_SHA256: return "sha256";
	default: return NULL;
	}
}

static int
misp_one(writer *w, const ent_record *rec)
{
	const char *type = misp_type(rec->type);
	char uuid[37], ts[24], tlp[32];
	json_t *tags;

	if (type == NULL)
		return 1;
	uuid5(uuid, ent_type_name(rec->type), rec->value);
	snprintf(ts, sizeof ts, "%lld", (long long)rec->last_seen);
	snprintf(tlp, sizeof tlp, "tlp:%s", rec->tlp == ENT_TLP_CLEAR ?
	    "clear" : ent_tlp_name(rec->tlp));
	tags = json_pack("[{s:s}]", "name", tlp);
	for (const char *s = rec->tags; s && *s;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		json_array_append_new(tags, json_pack("{s:s%}", "name", s, n));
		s = e ? e + 1 : NULL;
	}
	if (w->n > 0)
		fputs(",\n", w->f);
	json_out(w, json_pack("{s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:o}", "type", type,
	    "category", rec->type >= ENT_TYPE_MD5 ? "Payload delivery" :
	    "Network activity", "value", rec->value, "to_ids", 1, "uuid", uuid,
	    "timestamp", ts, "comment", rec->sources, "Tag", tags));
	return 0;
}

static void
misp_head(writer *w)
{
	char uuid[37], date[16], info[ENT_NAME_MAX + 64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	uuid4(uuid);
	snprintf(info, sizeof info, "Indicators exported by Entente node %s",
	    w->opts->producer);
	open_array(w, "{\"Event\":", json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,"
	    "s:{s:s}}", "info", info, "date", date, "uuid", uuid,
	    "threat_level_id", "4", "analysis", "2", "published", 0, "Orgc",
	    "name", w->opts->producer), "Attribute");
}

/* --- Zeek, CSV, list ------------------------------------------------- */

static const char *
zeek_type(ent_type t)
{
	switch (t) {
	case ENT_TYPE_IPV4: case ENT_TYPE_IPV6: return "Intel::ADDR";
	case ENT_TYPE_IPV4_NET: case ENT_TYPE_IPV6_NET: return "Intel::SUBNET";
	case ENT_TYPE_DOMAIN: return "Intel::DOMAIN";
	case ENT_TYPE_URL: return "Intel::URL";
	case ENT_TYPE_EMAIL: return "Intel::EMAIL";
	case ENT_TYPE_MD5: case ENT_TYPE_SHA1: case ENT_TYPE_SHA256:
		return "Intel::FILE_HASH";
	default: return NULL;
	}
}

static int
zeek_one(writer *w, const ent_record *rec)
{
	const char *v = rec->value, *type = zeek_type(rec->type);

	if (type == NULL)
		return 1;
	/* Zeek matches URLs without their scheme */
	if (rec->type == ENT_TYPE_URL && strncmp(v, "http://", 7) == 0)
		v += 7;
	else if (rec->type == ENT_TYPE_URL && strncmp(v, "https://", 8) == 0)
		v += 8;
	if (fprintf(w->f, "%s\t%s\t%s\tentente tlp:%s\n", v, type,
	    rec->sources[0] ? rec->sources : "-", ent_tlp_name(rec->tlp)) < 0)
		w->err = errno ? errno : EIO;
	return 0;
}

/* Writes s as one CSV field (RFC 4180). */
static void
csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int
csv_one(writer *w, const ent_record *rec)
{
	fprintf(w->f, "%s,", ent_type_name(rec->type));
	csv_field(w->f, rec->value);
	fprintf(w->f, ",%s,", ent_tlp_name(rec->tlp));
	if (rec->confidence >= 0)
		fprintf(w->f, "%d", rec->confidence);
	fputc(',', w->f);
	csv_field(w->f, rec->sources);
	fputc(',', w->f);
	csv_field(w->f, rec->tags);
	if (fputc('\n', w->f) == EOF)
		w->err = errno ? errno : EIO;
	return 0;
}

static int
list_one(writer *w, const ent_record *rec)
{
	if (fprintf(w->f, "%s\n", rec->value) < 0)
		w->err = errno ? errno : EIO;
	return 0;
}

/* --- Suricata ---------------------------------------------------------- */

/* The dataset file of each type, and whether its entries are base64
 * (Suricata's string sets); networks have no dataset type (iprep). */
static const struct {
	const char *file, *set_type;
	int b64;
} datasets[ENT_TYPE_COUNT] = {
	[ENT_TYPE_IPV4] = { "ipv4.lst", "ipv4", 0 },
	[ENT_TYPE_IPV6] = { "ipv6.lst", "ip", 0 },
	[ENT_TYPE_DOMAIN] = { "domain.lst", "string", 1 },
	[ENT_TYPE_URL] = { "url.lst", "string", 1 },
	[ENT_TYPE_EMAIL] = { "email.lst", "string", 1 },
	[ENT_TYPE_MD5] = { "md5.lst", "md5", 0 },
	[ENT_TYPE_SHA1] = { "sha1.lst", "string", 1 },
	[ENT_TYPE_SHA256] = { "sha256.lst", "sha256", 0 },
};

static FILE *
dir_file(writer *w, int slot, const char *name)
{
	char path[ENT_PATH_MAX];

	if (w->files[slot] != NULL)
		return w->files[slot];
	snprintf(path, sizeof path, "%s/%s", w->dir, name);
	w->files[slot] = fopen(path, "w");
	if (w->files[slot] == NULL)
		w->err = errno;
	return w->files[slot];
}

static int
suricata_one(writer *w, const ent_record *rec)
{
	FILE *f;

	if (datasets[rec->type].file == NULL)
		return 1;
	if ((f = dir_file(w, rec->type, datasets[rec->type].file)) == NULL)
		return 0;
	if (datasets[rec->type].b64) {
		size_t n = strlen(rec->value);
		size_t bl = sodium_base64_ENCODED_LEN(n,
		    sodium_base64_VARIANT_ORIGINAL);
		char *b = malloc(bl);
		if (b == NULL) {
			w->err = ENOMEM;
			return 0;
		}
		sodium_bin2base64(b, bl, (const unsigned char *)rec->value, n,
		    sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s\n", b);
		free(b);
	} else {
		fprintf(f, "%s\n", rec->value);
	}
	return 0;
}

static int
iprep_one(writer *w, const ent_record *rec)
{
	FILE *f;
	int score = rec->confidence >= 0 ? rec->confidence : 100;

	if (rec->type < ENT_TYPE_IPV4 || rec->type > ENT_TYPE_IPV6_NET)
		return 1;
	if ((f = dir_file(w, 0, "entente.list")) == NULL)
		return 0;
	fprintf(f, "%s,1,%d\n", rec->value, score > 0 ? score : 1);
	return 0;
}

/* --- entry points ------------------------------------------------------ */

static ent_err
walk(ent_store *s, writer *w, ent_msg *msg)
{
	ent_err ret = ent_store_each(s, w->opts->type, 0, each, w, msg);

	if (ret != ENT_OK)
		return ret;
	if (w->err != 0)
		return ent_fail(msg, ENT_EIO, "writing the export: %s",
		    strerror(w->err));
	return ENT_OK;
}

ent_err
ent_export_stream(ent_store *s, FILE *f, const ent_export_opts *opts,
    ent_export_report *r, ent_msg *msg)
{
	writer w = { .opts = opts, .r = r, .f = f };
	ent_err ret;

	memset(r, 0, sizeof *r);
	switch (opts->format) {
	case ENT_EXPORT_STIX:
		w.one = stix_one;
		stix_head(&w);
		break;
	case ENT_EXPORT_MISP:
		w.one = misp_one;
		misp_head(&w);
		break;
	case ENT_EXPORT_ZEEK:
		w.one = zeek_one;
		fprintf(f, "#fields\tindicator\tindicator_type\tmeta.source\t"
		    "meta.desc\n");
		break;
	case ENT_EXPORT_CSV:
		w.one = csv_one;
		fprintf(f, "type,value,tlp,confidence,sources,tags\n");
		break;
	case ENT_EXPORT_LIST:
		w.one = list_one;
		break;
	default:
		return ent_fail(msg, ENT_EINVAL, "the %s export writes a "
		    "directory: give -o DIR", format_names[opts->format]);
	}
	ret = walk(s, &w, msg);
	if (ret != ENT_OK)
		return ret;
	if (opts->format == ENT_EXPORT_STIX)
		fprintf(f, "\n]}\n");
	else if (opts->format == ENT_EXPORT_MISP)
		fprintf(f, "\n]}}\n");
	if (fflush(f) != 0 || ferror(f))
		return ent_fail(msg, ENT_EIO, "writing the export: %s",
		    strerror(errno));
	return ENT_OK;
}

ent_err
ent_export_dir(ent_store *s, const char *dir, const ent_export_opts *opts,
    ent_export_report *r, ent_msg *msg)
{
	writer w = { .opts = opts, .r = r, .dir = dir };
	ent_err ret;
	FILE *cat;

	memset(r, 0, sizeof *r);
	if (!ent_export_is_dir(opts->format))
		return ent_fail(msg, ENT_EINVAL, "not a directory format");
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return ent_fail(msg, ENT_EIO, "cannot create %s: %s", dir,
		    strerror(errno));
	w.one = opts->format == ENT_EXPORT_SURICATA ? suricata_one :
	    iprep_one;
	ret = walk(s, &w, msg);
	if (ret == ENT_OK && opts->format == ENT_EXPORT_IPREP) {
		/* the categories file, and the list even when empty */
		if ((cat = dir_file(&w, 1, "categories.txt")) != NULL)
			fprintf(cat, "1,entente,Indicators exported by Entente "
			    "node %s\n", opts->producer);
		dir_file(&w, 0, "entente.list");
	}
	if (ret == ENT_OK && opts->format == ENT_EXPORT_SURICATA &&
	    (cat = dir_file(&w, 0, "datasets.yaml")) != NULL) {
		/* the sets written, for suricata.yaml's "datasets:" */
		fprintf(cat, "datasets:\n");
		for (int t = 1; t < ENT_TYPE_COUNT; t++)
			if (w.files[t] != NULL)
				fprintf(cat, "  entente-%s:\n    type: %s\n    "
				    "load: %s\n", ent_type_name(t),
				    datasets[t].set_type, datasets[t].file);
	}
	for (int i = 0; i < ENT_TYPE_COUNT; i++)
		if (w.files[i] != NULL && fclose(w.files[i]) != 0 && !w.err)
			w.err = errno;
	if (ret == ENT_OK && w.err != 0)
		ret = ent_fail(msg, ENT_EIO, "writing into %s: %s", dir,
		    strerror(w.err));
	return ret;
}
