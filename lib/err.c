/* err.c — error codes and messages (see include/entente/err.h). */
#include <stdarg.h>
#include <stdio.h>

#include "entente/err.h"

const char *
ent_err_name(ent_err e)
{
	static const char *const names[] = {
		"ok", "invalid", "memory", "io", "store", "exists",
		"not found", "permission", "limit", "crypto", "protocol",
	};
	if ((unsigned)e >= sizeof names / sizeof names[0])
		return "unknown";
	return names[e];
}

ent_err
ent_fail(ent_msg *msg, ent_err e, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL)
		return e;
	va_start(ap, fmt);
	vsnprintf(msg->text, sizeof msg->text, fmt, ap);
	va_end(ap);
	return e;
}
