/*
 * tap.h — the smallest TAP producer: each check prints "ok N - what" or
 * "not ok N - what"; tests/run counts them. Header-only, for tests only.
 */
#ifndef ENTENTE_TAP_H
#define ENTENTE_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3)))
static int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

/* Exit status for main: non-zero if any check failed. */
static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

#define OK(cond, ...) tap_ok((cond) != 0, __VA_ARGS__)

#endif
