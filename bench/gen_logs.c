/*
 * gen_logs.c — writes the scan benchmark's corpus: four logs (nginx
 * combined, BIND query log, firewall CSV, Zeek dns TSV) of MB/4 megabytes
 * each, where about 1% of the address and name tokens are indicators from
 * the given CSV (its first column). Deterministic.
 * Usage: gen_logs INDICATORS.csv DIR MB
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rs = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static char **ips, **doms;
static size_t nips, ndoms;

static const char *
ip(char *buf)
{
	if (nips && rnd() % 100 == 0)
		return ips[rnd() % nips];
	snprintf(buf, 16, "%u.%u.%u.%u", (unsigned)(rnd() % 223 + 1),
	    (unsigned)(rnd() % 256), (unsigned)(rnd() % 256),
	    (unsigned)(rnd() % 254 + 1));
	return buf;
}

static const char *
dom(char *buf)
{
	static const char *const tld[] = { "com", "net", "org", "gov", "de",
	    "co.uk", "ru", "io" };
	if (ndoms && rnd() % 100 == 0)
		return doms[rnd() % ndoms];
	snprintf(buf, 64, "www%u.site%u.%s", (unsigned)(rnd() % 100),
	    (unsigned)(rnd() % 100000), tld[rnd() % 8]);
	return buf;
}

int
main(int argc, char **argv)
{
	char line[512], a[16], b[16], d[64], path[1024];
	FILE *in, *f[4];
	size_t want, cap = 0;
	static const char *const names[4] = { "access.log", "named.log",
	    "firewall.csv", "dns.log" };

	if (argc != 4 || (in = fopen(argv[1], "r")) == NULL)
		return 2;
	want = (size_t)atol(argv[3]) << 20;
	while (fgets(line, sizeof line, in) && (nips < 100000 || ndoms < 100000)) {
		char *c = strchr(line, ',');
		if (c == NULL || line[0] == 'i')
			continue;
		*c = '\0';
		if (line[0] >= '0' && line[0] <= '9') {
			if (nips == cap || ndoms == cap) {
				cap = cap ? cap * 2 : 1024;
				ips = realloc(ips, cap * sizeof *ips);
				doms = realloc(doms, cap * sizeof *doms);
			}
			if (nips < 100000)
				ips[nips++] = strdup(line);
		} else if (ndoms < 100000) {
			if (ndoms == cap || nips == cap) {
				cap = cap ? cap * 2 : 1024;
				ips = realloc(ips, cap * sizeof *ips);
				doms = realloc(doms, cap * sizeof *doms);
			}
			doms[ndoms++] = strdup(line);
		}
	}
	fclose(in);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", argv[2], names[i]);
		f[i] = fopen(path, "w");
		if (f[i] == NULL)
			return 1;
	}
	fputs("time,action,src,dst,dport,proto\n", f[2]);
	fputs("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
	    "#unset_field\t-\n#path\tdns\n#fields\tts\tuid\tid.orig_h\t"
	    "id.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tqtype_name\t"
	    "rcode_name\tanswers\n", f[3]);
	for (size_t done = 0; done < want;) {
		int k;
		k = fprintf(f[0], "%s - - [27/Nov/2026:10:%02u:%02u +0000] \"GET "
		    "/static/page%u.html HTTP/1.1\" 200 %u \"http://%s/ref\" "
		    "\"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101\"\n",
		    ip(a), (unsigned)(rnd() % 60), (unsigned)(rnd() % 60),
		    (unsigned)(rnd() % 1000), (unsigned)(rnd() % 100000), dom(d));
		done += (size_t)k;
		{
			const char *q = dom(d);
			k = fprintf(f[1], "27-Nov-2026 10:01:02.%03u client "
			    "@0x7f2a3c0 %s#%u (%s): query: %s IN A +E(0)K "
			    "(10.20.0.2)\n", (unsigned)(rnd() % 1000), ip(a),
			    (unsigned)(rnd() % 60000 + 1024), q, q);
		}
		done += (size_t)k;
		k = fprintf(f[2], "2026-11-27T10:04:%02uZ,%s,%s,%s,%u,tcp\n",
		    (unsigned)(rnd() % 60), rnd() % 2 ? "ALLOW" : "DENY", ip(a),
		    ip(b), (unsigned)(rnd() % 65535));
		done += (size_t)k;
		k = fprintf(f[3], "1795780801.%06u\tC%08x\t%s\t%u\t10.20.0.2\t53"
		    "\tudp\t%s\tA\tNOERROR\t%s\n", (unsigned)(rnd() % 1000000),
		    (unsigned)rnd(), ip(a), (unsigned)(rnd() % 60000 + 1024),
		    dom(d), ip(b));
		done += (size_t)k;
	}
	for (int i = 0; i < 4; i++)
		fclose(f[i]);
	return 0;
}
