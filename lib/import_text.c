/*
 * import_text.c — the free-text reader: indicators found in any text
 * (reports, e-mails, a CSV's comment column), line by line.
 *
 * A line is refanged first (hxxp -> http, [.] (.) {.} [dot] -> ".", [:] ->
 * ":", [@] [at] -> "@"), then cut into words at white space and at the
 * characters that cannot be inside an indicator; each word, trimmed of the
 * punctuation around it, is kept when it canonicalises as an indicator.
 * Domains must end in a listed public suffix (indicator.c), so file names
 * such as fhyge.rtf are not taken for domains. Words that are not
 * indicators are ordinary text, not skipped values.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import_int.h"

static const struct {
	const char *from, *to;
} fangs[] = {
	{ "[.]", "." }, { "(.)", "." }, { "{.}", "." }, { "[dot]", "." },
	{ "(dot)", "." }, { "[:]", ":" }, { "[://]", "://" }, { "[@]", "@" },
	{ "(@)", "@" }, { "[at]", "@" }, { "hxxp", "http" },
};

/* Copies line into out (ENT_LINE_MAX + 1 bytes) with the fangs undone;
 * returns the new length (never longer). */
static size_t
refang(const char *line, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		size_t f;
		for (f = 0; f < sizeof fangs / sizeof fangs[0]; f++) {
			size_t fl = strlen(fangs[f].from);
			if (fl <= len - i &&
			    strncasecmp(line + i, fangs[f].from, fl) == 0) {
				size_t tl = strlen(fangs[f].to);
				memcpy(out + o, fangs[f].to, tl);
				o += tl;
				i += fl;
				break;
			}
		}
		if (f == sizeof fangs / sizeof fangs[0])
			out[o++] = line[i++];
	}
	return o;
}

/* Characters that end a word: white space, quotes, brackets, separators. */
static int
breaks(unsigned char c)
{
	return isspace(c) || c == '"' || c == '\'' || c == '<' || c == '>' ||
	    c == '(' || c == ')' || c == '{' || c == '}' || c == '|' ||
	    c == ',' || c == ';' || c == '`' || c == '\\' || c == '^' ||
	    c < 0x20;
}

/* Punctuation trimmed from either end of a word. */
static int
trims(unsigned char c)
{
	return c == '.' || c == ':' || c == '!' || c == '?' || c == '[' ||
	    c == ']' || c == '*' || c == '=' || c == '-' || c == '_' ||
	    c == '/' || c == '#' || c == '&' || c == '+' || c == '~';
}

static ent_err
word(sink *k, const char *w, size_t n, uint64_t line, ent_msg *msg)
{
	ent_indicator ind;
	const char *colon;

	while (n > 0 && trims((unsigned char)w[0]))
		w++, n--;
	while (n > 0 && trims((unsigned char)w[n - 1]) &&
	    !(w[n - 1] == '/' && n > 3 && memmem(w, n, "://", 3)))
		n--;
	if (n < 4)
		return ENT_OK;
	if (n > 7 && strncasecmp(w, "mailto:", 7) == 0)
		w += 7, n -= 7;
	if (ent_indicator_parse(&ind, w, n, k->opts->type, NULL) == ENT_OK)
		return sink_put(k, w, n, line, k->opts->type, &k->opts->meta,
		    msg);
	/* an address with a port, "192.0.2.1:8080": the address */
	colon = memchr(w, ':', n);
	if (colon != NULL && memchr(colon + 1, ':', n - (size_t)(colon - w) -
	    1) == NULL && ent_indicator_parse(&ind, w, (size_t)(colon - w),
	    ENT_TYPE_IPV4, NULL) == ENT_OK)
		return sink_put(k, w, (size_t)(colon - w), line, ENT_TYPE_IPV4,
		    &k->opts->meta, msg);
	/* a labelled value, "SHA1:9CB7...": the value */
	if (colon != NULL && memmem(w, n, "://", 3) == NULL &&
	    ent_indicator_parse(&ind, colon + 1, n - (size_t)(colon - w) - 1,
	    k->opts->type, NULL) == ENT_OK)
		return sink_put(k, colon + 1, n - (size_t)(colon - w) - 1, line,
		    k->opts->type, &k->opts->meta, msg);
	return ENT_OK;
}

ent_err
read_text(sink *k, input *in, ent_msg *msg)
{
	char *buf = malloc(ENT_LINE_MAX + 1);
	const char *line;
	size_t len;
	int rc;
	ent_err ret = ENT_OK;

	if (buf == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	while ((rc = input_line(in, &line, &len, msg)) == 1) {
		uint64_t no = input_lineno(in) - 1;
		size_t n = refang(line, len, buf), i = 0;

		while (i < n && ret == ENT_OK) {
			size_t s;
			while (i < n && breaks((unsigned char)buf[i]))
				i++;
			s = i;
			while (i < n && !breaks((unsigned char)buf[i]))
				i++;
			if (i > s)
				ret = word(k, buf + s, i - s, no, msg);
		}
		if (ret != ENT_OK)
			break;
	}
	free(buf);
	if (ret != ENT_OK)
		return ret;
	return rc < 0 ? sink_named(k, msg, ENT_EINVAL) : ENT_OK;
}
