/*
 * test_tokens.c — the matcher's word cutter (lib/tokens.c): the byte
 * classes made with vector instructions equal those of the table, for
 * every byte at every place and on random texts; and a long text cut 64
 * bytes at a time (words found from the masks, words running on across
 * blocks) hits exactly what its words hit when each is given alone (cut a
 * byte at a time), in the same order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "entente/matcher.h"
#include "matcher_int.h"
#include "tap.h"

/* The masks of a text of n bytes agree (past its end, only in that every
 * byte is hard). */
static int
same_masks(const kmask *a, const kmask *b, size_t n)
{
	for (size_t i = 0; 64 * i < n; i++) {
		uint64_t in = n - 64 * i >= 64 ? ~0ULL :
		    (1ULL << (n - 64 * i)) - 1;
		if (a[i].hard != b[i].hard || ((a[i].dot ^ b[i].dot) & in) ||
		    ((a[i].colon ^ b[i].colon) & in) || ((a[i].soft ^
		    b[i].soft) & in) || ((a[i].ndd ^ b[i].ndd) & in) ||
		    ((a[i].nn ^ b[i].nn) & in))
			return 0;
	}
	return 1;
}

static void
check_masks(void)
{
	unsigned char buf[200];
	kmask v[4], t[4];
	int vector = 0, bad = 0;

	for (int c = 0; c < 256; c++)	/* every byte at every place */
		for (size_t at = 0; at < 128; at++) {
			memset(buf, 'a', sizeof buf);
			buf[at] = (unsigned char)c;
			vector = matcher_masks(buf, 128, v, 1);
			matcher_masks(buf, 128, t, 0);
			bad += !same_masks(v, t, 128);
		}
	OK(bad == 0, "masks: vector == table for each of 256 bytes at each of "
	    "128 places (%s; %d differ)", vector ? "AVX2" : "no vector unit",
	    bad);
	bad = 0;
	srand(7);
	for (int r = 0; r < 20000; r++) {	/* random texts, 1 to 200 bytes */
		size_t n = 1 + (size_t)rand() % sizeof buf;
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)(rand() % 4 ? " .:-_=!*$/aZ09\t\"@"
			    [rand() % 17] : rand() % 256);
		memset(v, 0x5a, sizeof v);
		memset(t, 0xa5, sizeof t);
		matcher_masks(buf, n, v, 1);
		matcher_masks(buf, n, t, 0);
		bad += !same_masks(v, t, n);
	}
	OK(bad == 0, "masks: vector == table on 20,000 random texts of 1 to "
	    "200 bytes, the last block padded with hard bytes (%d differ)", bad);
}

/* Hits, as "offset:value" lines. */
typedef struct hits {
	const char *base;
	char *out;
	size_t len, cap;
} hits;

static int
on_hit(const ent_mhit *h, void *arg)
{
	hits *hs = arg;
	char line[512];
	int k = snprintf(line, sizeof line, "%td:%s\n", h->tok - hs->base,
	    h->value);

	if (hs->len + (size_t)k + 1 > hs->cap) {
		hs->cap = (hs->len + (size_t)k + 1) * 2;
		hs->out = realloc(hs->out, hs->cap);
		if (hs->out == NULL)
			abort();
	}
	memcpy(hs->out + hs->len, line, (size_t)k + 1);
	hs->len += (size_t)k;
	return 0;
}

static const char *const planted[] = {
	"185.86.148.7", "10.1.2.3", "evil-site.com", "a.b.evil-site.com",
	"bad.example.org", "2001:db8::1", "[2001:db8::1]:443",
	"http://evil-site.com/x/y?q=1", "user@bad.example.org",
	"d41d8cd98f00b204e9800998ecf8427e", "185.86.148.200:8080",
	"notevil-site.com", "11.185.86.148.7", "x=evil-site.com&y=1",
	".10.1.2.3", "10.1.2.3.", "10.1.2.3/5", "10.1.2.3\xb9",
};

static void
check_cutter(ent_matcher *m)
{
	static char text[5000];
	hits whole = { text, NULL, 0, 0 }, alone = { text, NULL, 0, 0 };
	ent_mbatch *b1 = ent_mbatch_new(m, on_hit, &whole);
	ent_mbatch *b2 = ent_mbatch_new(m, on_hit, &alone);
	int differ = 0;
	size_t nhits = 0;

	srand(11);
	for (int r = 0; r < 3000 && b1 && b2; r++) {
		size_t n = 0, want = 1 + (size_t)rand() % (sizeof text - 200);
		while (n < want) {	/* words and separators, some long */
			const char *w = planted[rand() % (sizeof planted /
			    sizeof *planted)];
			int k = rand() % 6;
			if (k == 0)
				for (int j = rand() % 90; j > 0; j--)
					text[n++] = "abc.:/0123456789-_"[rand() % 18];
			else
				n += (size_t)sprintf(text + n, "%s", w);
			text[n++] = " \t,;\"()<>|\n"[rand() % 11];
		}
		whole.len = alone.len = 0;
		ent_mbatch_text(b1, text, n, 0);
		ent_mbatch_flush(b1);
		for (size_t i = 0; i < n;) {	/* each word alone */
			size_t j = i;
			while (j < n && !ent_mbatch_splits((unsigned char)text[j]))
				j++;
			if (j > i)
				ent_mbatch_text(b2, text + i, j - i, 0);
			i = j + 1;
		}
		ent_mbatch_flush(b2);
		for (size_t i = 0; i < whole.len; i++)
			nhits += whole.out[i] == '\n';
		differ += whole.len != alone.len || (whole.len &&
		    memcmp(whole.out, alone.out, whole.len) != 0);
	}
	OK(b1 && b2 && differ == 0 && nhits > 10000, "cutter: 3,000 texts of up "
	    "to 4,800 bytes hit as their words do alone, in order (%zu hits; "
	    "%d texts differ)", nhits, differ);
	ent_mbatch_free(b1);
	ent_mbatch_free(b2);
	free(whole.out);
	free(alone.out);
}

/* What a text hits, as "offset:value" lines. */
static char *
hits_of(ent_matcher *m, const char *text)
{
	hits hs = { text, NULL, 0, 0 };
	ent_mbatch *b = ent_mbatch_new(m, on_hit, &hs);

	if (b == NULL)
		abort();
	ent_mbatch_text(b, text, strlen(text), 0);
	ent_mbatch_flush(b);
	ent_mbatch_free(b);
	return hs.out ? hs.out : strdup("");
}

/* IPv4 keys are their text: every spelling of an address that is not its
 * canonical one misses, with networks in the matcher (the address parsed)
 * and without (the text looked up as it is). */
static void
check_v4(ent_matcher *m, int nets)
{
	static const char text[] = "10.1.2.3 010.1.2.3 10.1.2.03 10.01.2.3 "
	    "10.1.2.3:80 [::ffff:10.1.2.3]:443 10.1.2.300 10.1.2.3.4 "
	    "185.86.148.7 185.086.148.7 1.10.1.2.3";
	char *got = hits_of(m, text);
	const char *want = nets ? "0:10.1.2.3\n39:10.1.2.3\n52:10.1.2.3\n"
	    "95:185.86.148.0/24\n" : "0:10.1.2.3\n39:10.1.2.3\n52:10.1.2.3\n";

	int ok = strcmp(got, want) == 0;

	for (char *c = got; *c; c++)
		if (*c == '\n')
			*c = ' ';
	OK(ok, "IPv4 %s networks: only canonical spellings hit (%s)", nets ?
	    "with" : "without", got);
	free(got);
}

/* With no URL indicator, a host/path word hits only by its host (the
 * shortcut of host_misses()): a name or a hash before the first '/'. */
static void
check_paths(ent_matcher *m)
{
	static const char text[] = "HTTP/1.1 /static/evil-site.com "
	    "d41d8cd98f00b204e9800998ecf8427e/a.b evil-site.com/p.html "
	    "/evil-site.com/x Mozilla/5.0 x.y/evil-site.com";
	char want[256], *got = hits_of(m, text);

	snprintf(want, sizeof want, "%td:d41d8cd98f00b204e9800998ecf8427e\n"
	    "%td:evil-site.com\n%td:evil-site.com\n",
	    strstr(text, "d41d") - text, strstr(text, "evil-site.com/p") - text,
	    strstr(text, "evil-site.com/x") - text);
	OK(strcmp(got, want) == 0, "no URL indicator: host/path words hit by "
	    "their host alone (%zu bytes of hits)", strlen(got));
	free(got);
}

/* Revokes the indicator v, so that the matcher is rebuilt without it. */
static void
revoke_one(ent_store *s, const char *v)
{
	ent_indicator ind;
	ent_msg msg;

	if (ent_indicator_parse(&ind, v, strlen(v), ENT_TYPE_AUTO, &msg) !=
	    ENT_OK || ent_store_begin(s, &msg) != ENT_OK ||
	    ent_store_revoke(s, &ind, NULL, &msg) != ENT_OK ||
	    ent_store_commit(s, &msg) != ENT_OK)
		OK(0, "revoke %s: %s", v, msg.text);
}

int
main(void)
{
	char dir[] = "/tmp/entente-tokens-XXXXXX", path[300];
	ent_store *s = NULL;
	ent_matcher *m = NULL;
	ent_msg msg;
	int rebuilt;
	static const char *const inds[] = { "185.86.148.0/24", "10.1.2.3",
	    "evil-site.com", "bad.example.org", "2001:db8::1",
	    "http://evil-site.com/x/", "user@bad.example.org",
	    "d41d8cd98f00b204e9800998ecf8427e" };

	check_masks();
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/store.db", dir);
	if (ent_store_open(&s, path, 1, &msg) != ENT_OK) {
		OK(0, "store: %s", msg.text);
		return tap_done();
	}
	for (size_t i = 0; i < sizeof inds / sizeof *inds; i++) {
		ent_indicator ind;
		ent_meta meta = { .source = "test", .tlp = ENT_TLP_GREEN,
		    .confidence = -1 };
		int added;
		if (ent_indicator_parse(&ind, inds[i], strlen(inds[i]),
		    ENT_TYPE_AUTO, &msg) != ENT_OK ||
		    ent_store_put(s, &ind, &meta, &added, &msg) != ENT_OK)
			OK(0, "%s: %s", inds[i], msg.text);
	}
	snprintf(path, sizeof path, "%s/matcher.bin", dir);
	if (ent_matcher_open(&m, s, path, &rebuilt, &msg) != ENT_OK)
		OK(0, "matcher: %s", msg.text);
	else {
		check_cutter(m);
		check_v4(m, 1);
	}
	ent_matcher_close(m);
	m = NULL;
	revoke_one(s, inds[0]);	/* no network: no address needs parsing */
	if (ent_matcher_open(&m, s, path, &rebuilt, &msg) != ENT_OK)
		OK(0, "matcher: %s", msg.text);
	else
		check_v4(m, 0);
	ent_matcher_close(m);
	m = NULL;
	revoke_one(s, inds[5]);	/* no URL */
	if (ent_matcher_open(&m, s, path, &rebuilt, &msg) != ENT_OK)
		OK(0, "matcher: %s", msg.text);
	else
		check_paths(m);
	ent_matcher_close(m);
	ent_store_close(s);
	unlink(path);
	snprintf(path, sizeof path, "%s/store.db", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
