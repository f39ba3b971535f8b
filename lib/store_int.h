/* store_int.h — what other library modules may use of the store's insides
 * (internal). */
#ifndef ENTENTE_STORE_INT_H
#define ENTENTE_STORE_INT_H

#include <sqlite3.h>

#include "entente/store.h"

/* SQL that is true of an active indicator row at Unix time `now` (an SQL
 * expression): not revoked, not held by a warninglist, not expired. The one
 * definition of "active". */
#define STORE_ACTIVE(now) "(revoked = 0 AND held = 0 AND (valid_until IS " \
	"NULL OR valid_until > " now "))"

/* The store's connection, for modules that keep their own tables. */
sqlite3 *store_db(ent_store *s);

/* A prepared statement kept by the store in `slot` (prepared from sql on
 * first use), reset and unbound; NULL if it cannot be prepared. */
#define STORE_SLOTS 16
#define STORE_SLOT_LOG 0          /* lib/log.c: 0 .. 7 */
#define STORE_SLOT_WL 8           /* lib/warninglist.c: 8 .. 11 */
sqlite3_stmt *store_stmt(ent_store *s, int slot, const char *sql);

/* Marks the open transaction as changing indicators or corroborations:
 * its commit moves the generation (ent_store_generation). */
void store_touch(ent_store *s);

/* Fills msg with "store: WHAT: sqlite's message"; returns ENT_ESTORE. */
ent_err store_fail(ent_store *s, ent_msg *msg, const char *what);

#endif
