/*
 * gemini_int.h: helpers shared by the gemini*.c files; not part of the
 * provider's interface (gemini.h).  Defined in gemini_util.c except
 * gm_cl_options (gemini_cl_opts.c).
 */
#ifndef NX_PROVIDER_GEMINI_INT_H
#define NX_PROVIDER_GEMINI_INT_H
#include <stddef.h>
#include <stdint.h>

#include "providers/gemini.h"

struct cJSON;

/* Joined texts are at most a request or answer body (itself capped). */
#define GM_JOIN_MAX	((size_t)1 << 30)
/* Deepest JSON Schema nesting either converter follows. */
#define GM_SCHEMA_DEPTH	64

/* s[0..n) as one JSON value (whitespace around it only), or NULL. */
struct cJSON	*gm_parse(const char *s, size_t n);
/* Member k (case-sensitive); NULL when o is not an object. */
const struct cJSON *gm_get(const struct cJSON *o, const char *k);
/* Member k unless absent or null. */
const struct cJSON *gm_given(const struct cJSON *o, const char *k);
/*
 * Member camel, else member snake (Gemini's JSON mapping accepts both
 * spellings of a field), unless absent or null.
 */
const struct cJSON *gm_field(const struct cJSON *o, const char *camel,
	    const char *snake);
/* v when it is an array (object), else NULL: for cJSON_ArrayForEach. */
const struct cJSON *gm_array(const struct cJSON *v);
const struct cJSON *gm_object(const struct cJSON *v);
/* String member k, else NULL. */
const char	*gm_str(const struct cJSON *o, const char *k);
int		 gm_streq(const char *a, const char *b);
/* 1 when v is a finite integral number in [lo, hi], stored in *out. */
int		 gm_int(const struct cJSON *v, int64_t lo, int64_t hi,
		    int64_t *out);
/* 1 when v is a finite number in [lo, hi]. */
int		 gm_num(const struct cJSON *v, double lo, double hi);

/*
 * Adding to a tree: v is consumed (deleted when it cannot be added).
 * Each returns 0, or -1 when v is NULL or allocation failed.
 */
int		 gm_put(struct cJSON *o, const char *k, struct cJSON *v);
int		 gm_putstr(struct cJSON *o, const char *k, const char *s);
int		 gm_putnum(struct cJSON *o, const char *k, double d);
int		 gm_push(struct cJSON *a, struct cJSON *v);
/* A new {"text": s} part, or NULL. */
struct cJSON	*gm_text_part(const char *s);

/*
 * String -> pointer map (open addressing, grows at half load).  Keys
 * and values are borrowed: they must outlive the map.  A put of an
 * existing key replaces its value.
 */
struct gm_ent {
	const char	*key;
	const void	*val;
};
struct gm_map {
	struct gm_ent	*tab;
	size_t		 mask;	/* slots - 1, or 0 before the first put */
	size_t		 n;
};
void		 gm_map_init(struct gm_map *m);
int		 gm_map_put(struct gm_map *m, const char *key,
		    const void *val);
/* The value of key, or NULL. */
const void	*gm_map_get(const struct gm_map *m, const char *key);
/* Empties m (keeps its memory). */
void		 gm_map_clear(struct gm_map *m);
void		 gm_map_free(struct gm_map *m);

/*
 * JSON Schema s -> Gemini Schema members added to dst (an object):
 * the members Gemini's OpenAPI subset knows are kept, a type array
 * with "null" -> type + nullable, oneOf -> anyOf, a string const ->
 * enum, formats other than enum, date-time, int32, int64, float and
 * double dropped ($schema, additionalProperties, $ref... too).
 * Returns 0, -1 on allocation failure, or 1 when s nests deeper than
 * GM_SCHEMA_DEPTH.
 */
int		 gm_schema_to_gemini(struct cJSON *dst, const struct cJSON *s,
		    int depth);
/*
 * Gemini Schema s -> JSON Schema members added to dst: type names in
 * lower case, nullable -> ["type", "null"], propertyOrdering dropped.
 * Same returns as gm_schema_to_gemini.
 */
int		 gm_schema_to_json(struct cJSON *dst, const struct cJSON *s,
		    int depth);

struct gm_why;
/*
 * gemini_cl_opts.c: a client GenerateContentRequest's tools,
 * toolConfig and generationConfig -> members of chat.  GM_OK,
 * GM_NOMEM or GM_INVALID (w filled); chat may hold some members then.
 */
enum gm_conv	 gm_cl_options(const struct cJSON *req, struct cJSON *chat,
		    struct gm_why *w);

/* Where a GM_INVALID verdict is written (gemini.h: param, msg). */
struct gm_why {
	char		*param;
	size_t		 psz;
	char		*msg;
	size_t		 msz;
};
/* Empties both (when they have room). */
void		 gm_why_init(struct gm_why *w, char *param, size_t psz,
		    char *msg, size_t msz);
/*
 * Sets param from pfmt and msg to "Invalid '<param>': <why>"; both
 * NUL-terminated, truncated to their size.  Returns GM_INVALID.
 */
enum gm_conv	 gm_bad(struct gm_why *w, const char *why, const char *pfmt,
		    ...) __attribute__((format(printf, 3, 4)));
#endif
