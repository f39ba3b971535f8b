/*
 * json_stream.h — reading a large JSON document one object at a time
 * (internal), for the STIX and MISP readers.
 *
 * Only the outer levels are walked here; each object is parsed whole by
 * jv.c (which bounds nesting and checks UTF-8) and must fit in
 * ENT_JSON_VALUE_MAX bytes, so memory stays bounded whatever the input.
 */
#ifndef ENTENTE_JSON_STREAM_H
#define ENTENTE_JSON_STREAM_H

#include <stdint.h>

#include "entente/err.h"
#include "input.h"
#include "jv.h"

/* Called with each object and the line it starts on; the object lives
 * until the call returns. A non-OK return stops the walk with that error. */
typedef ent_err (*json_object_fn)(const jv *obj, uint64_t line, void *ctx,
    ent_msg *msg);

/*
 * Calls fn for: each element of a top-level array; each element of the
 * array that is member `key` of a top-level object; or, when the top-level
 * object has no such member, that object itself (its members but `key`
 * each bounded like an object). Errors name the line and column.
 */
ent_err json_stream(input *in, const char *key, json_object_fn fn,
    void *ctx, ent_msg *msg) __attribute__((warn_unused_result));

#endif
