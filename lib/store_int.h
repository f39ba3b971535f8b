/* store_int.h — what other library modules may use of the store's insides
 * (internal). */
#ifndef ENTENTE_STORE_INT_H
#define ENTENTE_STORE_INT_H

#include <sqlite3.h>

#include "entente/store.h"

/* The store's connection, for modules that keep their own tables. */
sqlite3 *store_db(ent_store *s);

/* A prepared statement kept by the store in `slot` (prepared from sql on
 * first use), reset and unbound; NULL if it cannot be prepared. */
#define STORE_SLOTS 16
#define STORE_SLOT_LOG 0          /* lib/log.c: 0 .. 7 */
sqlite3_stmt *store_stmt(ent_store *s, int slot, const char *sql);

/* Marks the open transaction as changing indicators or corroborations:
 * its commit moves the generation (ent_store_generation). */
void store_touch(ent_store *s);

/* Fills msg with "store: WHAT: sqlite's message"; returns ENT_ESTORE. */
ent_err store_fail(ent_store *s, ent_msg *msg, const char *what);

#endif
