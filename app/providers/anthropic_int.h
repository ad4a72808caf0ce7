/*
 * anthropic_int.h: helpers shared by the anthropic*.c files (the
 * Anthropic <-> Chat Completions converters of anthropic.h); not part of
 * the module's interface.  Static inline so that each file keeps them
 * private.
 *
 * The put*() builders take an int *bad and chain: any failure (no
 * memory, or a NULL parent because an earlier put failed) sets *bad and
 * frees what was to be added, so a converter builds a whole tree with
 * unchecked puts and checks *bad once before handing the tree out.
 * That is how "never half-built output" is kept.
 */
#ifndef NX_PROVIDER_ANTHROPIC_INT_H
#define NX_PROVIDER_ANTHROPIC_INT_H

#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Joined text is at most a capped body; the cap keeps buffers honest. */
#define AN_JOIN_MAX	((size_t)1 << 30)
/* Upper bound of max_tokens (as handlers/chat.c). */
#define AN_MAX_TOKENS_CAP	10000000

/* o's member k, NULL when o is not an object. */
static inline const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) :
	    NULL;
}

/* The member's value unless absent or null. */
static inline const cJSON *
given(const cJSON *o, const char *k)
{
	const cJSON	*v = get(o, k);

	return v == NULL || cJSON_IsNull(v) ? NULL : v;
}

static inline const char *
str(const cJSON *o, const char *k)
{
	const cJSON	*v = get(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* v when it is an array, else NULL (cJSON_ArrayForEach walks objects). */
static inline const cJSON *
arr(const cJSON *v)
{
	return cJSON_IsArray(v) ? v : NULL;
}

static inline int
streq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/*
 * o[k] = v, or v appended to array o when k is NULL; v is consumed.
 * Returns v, or NULL with *bad set when v or o is NULL or adding failed.
 */
static inline cJSON *
put(int *bad, cJSON *o, const char *k, cJSON *v)
{
	if (v != NULL && o != NULL && (k == NULL ?
	    cJSON_AddItemToArray(o, v) : cJSON_AddItemToObject(o, k, v)))
		return v;
	cJSON_Delete(v);
	*bad = 1;
	return NULL;
}

static inline cJSON *
put_str(int *bad, cJSON *o, const char *k, const char *s)
{
	return put(bad, o, k, cJSON_CreateString(s != NULL ? s : ""));
}

static inline cJSON *
put_num(int *bad, cJSON *o, const char *k, double d)
{
	return put(bad, o, k, cJSON_CreateNumber(d));
}

static inline cJSON *
put_obj(int *bad, cJSON *o, const char *k)
{
	return put(bad, o, k, cJSON_CreateObject());
}

static inline cJSON *
put_arr(int *bad, cJSON *o, const char *k)
{
	return put(bad, o, k, cJSON_CreateArray());
}

static inline cJSON *
put_null(int *bad, cJSON *o, const char *k)
{
	return put(bad, o, k, cJSON_CreateNull());
}

/* {"type": "text", "text": text}: a Messages block or a chat part. */
static inline cJSON *
text_obj(int *bad, const char *text)
{
	cJSON	*b;

	if ((b = cJSON_CreateObject()) == NULL) {
		*bad = 1;
		return NULL;
	}
	put_str(bad, b, "type", "text");
	put_str(bad, b, "text", text);
	return b;
}

/* A token count: a number in [0, 1e15], else 0 (NaN and inf too). */
static inline int64_t
count(const cJSON *v)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble > 1e15)
		return 0;
	return (int64_t)v->valuedouble;
}

#endif
