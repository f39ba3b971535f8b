/*
 * test_indicator.c — the canonicalisation table (tests/data/canon.tsv) and
 * properties every canonical value must have.
 */
#include <stdlib.h>
#include <string.h>

#include "entente/indicator.h"
#include "tap.h"

/* Canonical forms are fixed points: parsing one again gives itself. */
static void
check_idempotent(const ent_indicator *ind, int line)
{
	ent_indicator again;
	ent_msg msg;

	if (ent_indicator_parse(&again, ind->value, ind->len, ind->type,
	    &msg) != ENT_OK) {
		OK(0, "line %d: canonical '%s' parses again: %s", line,
		    ind->value, msg.text);
		return;
	}
	OK(again.type == ind->type && strcmp(again.value, ind->value) == 0,
	    "line %d: '%s' is a fixed point", line, ind->value);
}

int
main(void)
{
	FILE *f = fopen("tests/data/canon.tsv", "r");
	char line[4096];
	int lineno = 0, cases = 0;

	if (!OK(f != NULL, "open tests/data/canon.tsv"))
		return tap_done();
	while (fgets(line, sizeof line, f) != NULL) {
		char *input, *type, *want, *nl;
		ent_indicator ind;
		ent_type t;
		ent_msg msg;
		ent_err e;

		lineno++;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		input = line;
		type = strchr(input, '\t');
		if (!OK(type != NULL, "line %d has three fields", lineno))
			continue;
		*type++ = '\0';
		want = strchr(type, '\t');
		if (!OK(want != NULL, "line %d has three fields", lineno))
			continue;
		*want++ = '\0';
		if (!OK(ent_type_parse(type, &t, NULL) == ENT_OK,
		    "line %d: type '%s'", lineno, type))
			continue;
		cases++;
		msg.text[0] = '\0';
		e = ent_indicator_parse(&ind, input, strlen(input), t, &msg);
		if (want[0] == '!') {
			const char *sub = want + 2;
			OK(e != ENT_OK && strstr(msg.text, sub) != NULL,
			    "line %d: '%s' (%s) is refused with '%s' (got: %s)",
			    lineno, input, type, sub,
			    e == ENT_OK ? ind.value : msg.text);
		} else {
			char got[ENT_VALUE_MAX + 32];
			if (e == ENT_OK)
				snprintf(got, sizeof got, "%s %s",
				    ent_type_name(ind.type), ind.value);
			else
				snprintf(got, sizeof got, "error: %s", msg.text);
			if (OK(strcmp(got, want) == 0,
			    "line %d: '%s' (%s) -> '%s' (got '%s')", lineno,
			    input, type, want, got))
				check_idempotent(&ind, lineno);
		}
	}
	fclose(f);
	OK(cases >= 150, "the table has at least 150 cases (%d)", cases);

	/* Bounds: a value over the limit is refused, not truncated. */
	{
		size_t n = ENT_VALUE_MAX + 10;
		char *big = malloc(n);
		ent_indicator ind;
		ent_msg msg;
		memset(big, 'a', n);
		memcpy(big + n - 4, ".com", 4);
		OK(ent_indicator_parse(&ind, big, n, ENT_TYPE_AUTO, &msg) ==
		    ENT_ELIMIT, "an over-long value is ENT_ELIMIT");
		OK(ent_indicator_parse(&ind, "a\0b.com", 7, ENT_TYPE_AUTO,
		    &msg) != ENT_OK, "an embedded NUL is refused");
		free(big);
	}
	/* Network containment helper. */
	{
		ent_indicator a, net;
		OK(ent_indicator_parse(&a, "10.1.2.3", 8, ENT_TYPE_AUTO, NULL) ==
		    ENT_OK && ent_indicator_network_of(&a, 8, &net, NULL) ==
		    ENT_OK && strcmp(net.value, "10.0.0.0/8") == 0 &&
		    net.type == ENT_TYPE_IPV4_NET, "network_of 10.1.2.3/8");
		OK(ent_indicator_parse(&a, "2001:db8::1", 11, ENT_TYPE_AUTO,
		    NULL) == ENT_OK && ent_indicator_network_of(&a, 32, &net,
		    NULL) == ENT_OK && strcmp(net.value, "2001:db8::/32") == 0,
		    "network_of 2001:db8::1/32");
	}
	/* TLP names */
	{
		ent_tlp t;
		OK(ent_tlp_parse("TLP:WHITE", &t, NULL) == ENT_OK &&
		    t == ENT_TLP_CLEAR, "TLP:WHITE is clear");
		OK(ent_tlp_parse("amber+strict", &t, NULL) == ENT_OK &&
		    t == ENT_TLP_AMBER_STRICT, "amber+strict");
		OK(ent_tlp_parse("purple", &t, NULL) == ENT_EINVAL,
		    "unknown TLP refused");
	}
	return tap_done();
}
