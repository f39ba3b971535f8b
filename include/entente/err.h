/*
 * err.h — how every libentente function reports failure.
 *
 * A function that can fail returns an ent_err (ENT_OK is 0) and, when given a
 * non-NULL ent_msg, fills it with one line a person can act on (no trailing
 * newline). The library never prints and never exits; front ends decide.
 */
#ifndef ENTENTE_ERR_H
#define ENTENTE_ERR_H

#include <stddef.h>

typedef enum ent_err {
	ENT_OK = 0,
	ENT_EINVAL,   /* a value or argument is not valid */
	ENT_ENOMEM,   /* out of memory */
	ENT_EIO,      /* a file or the system failed */
	ENT_ESTORE,   /* the SQLite store failed */
	ENT_EEXIST,   /* something that must not exist already does */
	ENT_ENOENT,   /* something that must exist does not */
	ENT_EPERM,    /* permissions are unsafe or insufficient */
	ENT_ELIMIT,   /* a bound from limits.h was exceeded */
	ENT_ECRYPTO,  /* a cryptographic operation or check failed */
	ENT_EPROTO    /* a peer or a message broke the protocol */
} ent_err;

#define ENT_MSG_MAX 512

typedef struct ent_msg {
	char text[ENT_MSG_MAX];
} ent_msg;

/* Short stable name of a code ("invalid", "io", ...). Never NULL. */
const char *ent_err_name(ent_err e);

/*
 * Fills msg (if not NULL) with the printf-style text and returns e, so that
 * failures read `return ent_fail(msg, ENT_EINVAL, "bad %s", x);`.
 */
ent_err ent_fail(ent_msg *msg, ent_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
