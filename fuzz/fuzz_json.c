/* fuzz_json.c — lib/jv.c against jansson: whatever both accept must be the
 * same tree, and neither may accept what the other refuses except where
 * they are known to differ (jv nests at most 512 deep; jansson refuses
 * numbers it cannot hold, and reads a NUL byte as the end of the input). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *
to_jansson(const jv *v)
{
	json_t *o;
	const jv *m;

	switch (v->kind) {
	case JV_NULL: return json_null();
	case JV_TRUE: return json_true();
	case JV_FALSE: return json_false();
	case JV_NUMBER: return json_loads(v->s, JSON_DECODE_ANY, NULL);
	case JV_STRING: return json_stringn(v->s, v->len);
	case JV_ARRAY:
		o = json_array();
		jv_each(v, m)
			json_array_append_new(o, to_jansson(m));
		return o;
	default:
		o = json_object();
		jv_each(v, m)
			json_object_setn_new(o, m->key, m->keylen, to_jansson(m));
		return o;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static jv_arena a;
	json_error_t je;
	jv_error e;
	size_t used;
	jv *v;
	json_t *j, *mine;

	jv_reset(&a);
	v = jv_parse(&a, (const char *)data, size, &used, &e);
	if (v == NULL && e.more) {
		/* at the real end a number ends too: say so with a space */
		char *d = malloc(size + 1);
		if (d == NULL)
			return 0;
		memcpy(d, data, size);
		d[size] = ' ';
		jv_reset(&a);
		v = jv_parse(&a, d, size + 1, &used, &e);
		free(d);
		if (v != NULL && used > size)
			used = size;
	}
	/* a value followed by nothing but white space, as jansson reads it */
	if (v != NULL)
		for (size_t i = used; i < size; i++)
			if (memchr(" \t\r\n", data[i], 4) == NULL) {
				v = NULL;
				break;
			}
	/* jansson takes a NUL byte for the end of the input in places; jv
	 * refuses it as JSON does: compare only inputs without one */
	if (memchr(data, 0, size) != NULL)
		return 0;
	j = json_loadb((const char *)data, size, JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, &je);
	if (v != NULL && j != NULL) {
		mine = to_jansson(v);
		if (mine == NULL || !json_equal(mine, j))
			abort();
		json_decref(mine);
	} else if (v != NULL && j == NULL) {
		if (strstr(je.text, "too big") == NULL &&
		    strstr(je.text, "overflow") == NULL &&
		    strstr(je.text, "depth") == NULL)
			abort();
	} else if (v == NULL && j != NULL) {
		if (strstr(e.text, "nested too deeply") == NULL)
			abort();
	}
	json_decref(j);
	return 0;
}
