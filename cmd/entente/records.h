/* records.h — printing stored indicators as JSON (cmd_list.c). */
#ifndef ENTENTE_RECORDS_H
#define ENTENTE_RECORDS_H

#include <jansson.h>

#include "entente/store.h"

/* A new JSON object for the record; the caller decrefs it. */
json_t *record_json(const ent_record *r);

/* A comma-separated list as a JSON array (empty for ""). */
json_t *csv_array(const char *s);

/* Prints o compactly on one line of stdout. */
void json_print(json_t *o);

#endif
