/* store_int.h — what other library modules may use of the store's insides
 * (internal). */
#ifndef ENTENTE_STORE_INT_H
#define ENTENTE_STORE_INT_H

#include <sqlite3.h>

#include "entente/store.h"

/* The store's connection, for modules that keep their own tables. */
sqlite3 *store_db(ent_store *s);

/* Fills msg with "store: WHAT: sqlite's message"; returns ENT_ESTORE. */
ent_err store_fail(ent_store *s, ent_msg *msg, const char *what);

#endif
