/*
 * gemini_util.c: the pieces of the Gemini provider both directions
 * use: the helpers of gemini_int.h (JSON getters, tree builders that
 * report allocation failure, a string map), the upstream path, JSON
 * Schema <-> Gemini Schema, the usageMetadata reader, the token
 * estimates, and the batchEmbedContents request and answer.
 *
 * Reference: Gemini API v1beta Schema, UsageMetadata,
 * BatchEmbedContentsRequest/Response; openai-openapi.yaml
 * CreateEmbeddingRequest, CreateEmbeddingResponse, Embedding.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "providers/gemini.h"
#include "providers/gemini_int.h"
#include "tokens.h"

/* Tokens Gemini counts for an image or other media part. */
#define GM_MEDIA_TOKENS		258

/* ---- shared helpers (gemini_int.h) ---- */

cJSON *
gm_parse(const char *s, size_t n)
{
	const char	*end = NULL;
	cJSON		*v;

	if (s == NULL || (v = cJSON_ParseWithLengthOpts(s, n, &end, 0)) ==
	    NULL)
		return NULL;
	while (end != NULL && end < s + n && isspace((unsigned char)*end))
		end++;
	if (end == NULL || end != s + n) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

const cJSON *
gm_get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) :
	    NULL;
}

const cJSON *
gm_given(const cJSON *o, const char *k)
{
	const cJSON	*v = gm_get(o, k);

	return v == NULL || cJSON_IsNull(v) ? NULL : v;
}

const cJSON *
gm_field(const cJSON *o, const char *camel, const char *snake)
{
	const cJSON	*v = gm_given(o, camel);

	return v != NULL ? v : gm_given(o, snake);
}

const cJSON *
gm_array(const cJSON *v)
{
	return cJSON_IsArray(v) ? v : NULL;
}

const cJSON *
gm_object(const cJSON *v)
{
	return cJSON_IsObject(v) ? v : NULL;
}

const char *
gm_str(const cJSON *o, const char *k)
{
	const cJSON	*v = gm_get(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
gm_streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

int
gm_int(const cJSON *v, int64_t lo, int64_t hi, int64_t *out)
{
	double	 d;

	if (!cJSON_IsNumber(v))
		return 0;
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < (double)lo || d > (double)hi)
		return 0;
	*out = (int64_t)d;
	return 1;
}

int
gm_num(const cJSON *v, double lo, double hi)
{
	return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
	    v->valuedouble >= lo && v->valuedouble <= hi;
}

int
gm_put(cJSON *o, const char *k, cJSON *v)
{
	if (v == NULL)
		return -1;
	if (o == NULL || !cJSON_AddItemToObject(o, k, v)) {
		cJSON_Delete(v);
		return -1;
	}
	return 0;
}

int
gm_putstr(cJSON *o, const char *k, const char *s)
{
	return gm_put(o, k, cJSON_CreateString(s != NULL ? s : ""));
}

int
gm_putnum(cJSON *o, const char *k, double d)
{
	return gm_put(o, k, cJSON_CreateNumber(d));
}

int
gm_push(cJSON *a, cJSON *v)
{
	if (v == NULL)
		return -1;
	if (a == NULL || !cJSON_AddItemToArray(a, v)) {
		cJSON_Delete(v);
		return -1;
	}
	return 0;
}

cJSON *
gm_text_part(const char *s)
{
	cJSON	*p;

	if ((p = cJSON_CreateObject()) == NULL)
		return NULL;
	if (gm_putstr(p, "text", s) == -1) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

void
gm_why_init(struct gm_why *w, char *param, size_t psz, char *msg,
    size_t msz)
{
	w->param = param;
	w->psz = param != NULL ? psz : 0;
	w->msg = msg;
	w->msz = msg != NULL ? msz : 0;
	if (w->psz > 0)
		w->param[0] = '\0';
	if (w->msz > 0)
		w->msg[0] = '\0';
}

enum gm_conv
gm_bad(struct gm_why *w, const char *why, const char *pfmt, ...)
{
	va_list	 ap;
	char	 p[192];

	va_start(ap, pfmt);
	vsnprintf(p, sizeof(p), pfmt, ap);
	va_end(ap);
	if (w->psz > 0)
		snprintf(w->param, w->psz, "%s", p);
	if (w->msz > 0)
		snprintf(w->msg, w->msz, "Invalid '%s': %s", p, why);
	return GM_INVALID;
}

/* FNV-1a: keys are wire strings, a seedless hash is enough for a map
 * that lives for one conversion and never meets an attacker twice. */
static size_t
gm_hash(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

void
gm_map_init(struct gm_map *m)
{
	m->tab = NULL;
	m->mask = 0;
	m->n = 0;
}

static struct gm_ent *
gm_slot(const struct gm_map *m, const char *key)
{
	size_t	 i;

	for (i = gm_hash(key) & m->mask; m->tab[i].key != NULL &&
	    strcmp(m->tab[i].key, key) != 0; i = (i + 1) & m->mask)
		;
	return &m->tab[i];
}

int
gm_map_put(struct gm_map *m, const char *key, const void *val)
{
	struct gm_map	 nm;
	struct gm_ent	*e;
	size_t		 i, slots;

	if (m->tab == NULL || (m->n + 1) * 2 > m->mask + 1) {
		slots = m->tab == NULL ? 16 : (m->mask + 1) * 2;
		if (slots > SIZE_MAX / sizeof(*nm.tab) ||
		    (nm.tab = calloc(slots, sizeof(*nm.tab))) == NULL)
			return -1;
		nm.mask = slots - 1;
		nm.n = m->n;
		for (i = 0; m->tab != NULL && i <= m->mask; i++)
			if (m->tab[i].key != NULL)
				*gm_slot(&nm, m->tab[i].key) = m->tab[i];
		free(m->tab);
		*m = nm;
	}
	e = gm_slot(m, key);
	if (e->key == NULL)
		m->n++;
	e->key = key;
	e->val = val;
	return 0;
}

const void *
gm_map_get(const struct gm_map *m, const char *key)
{
	if (m->tab == NULL || key == NULL)
		return NULL;
	return gm_slot(m, key)->val;
}

void
gm_map_clear(struct gm_map *m)
{
	if (m->tab != NULL)
		memset(m->tab, 0, (m->mask + 1) * sizeof(*m->tab));
	m->n = 0;
}

void
gm_map_free(struct gm_map *m)
{
	free(m->tab);
	gm_map_init(m);
}

/* ---- upstream path ---- */

int
gm_up_path(char *out, size_t outsz, const char *m, int stream, int embed)
{
	return gm_up_method_path(out, outsz, m, embed ? ":batchEmbedContents" :
	    stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
}

int
gm_up_method_path(char *out, size_t outsz, const char *m,
    const char *suffix)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf	 b;
	int		 rc = 0;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (m == NULL)
		return -1;
	if (strncmp(m, "models/", 7) == 0)
		m += 7;
	if (m[0] == '\0')
		return -1;
	buf_init(&b, outsz - 1);
	rc |= buf_puts(&b, "/v1beta/models/");
	for (; *m != '\0' && rc == 0; m++) {
		if (isalnum((unsigned char)*m) || *m == '.' || *m == '_' ||
		    *m == '-')
			rc |= buf_putc(&b, *m);
		else {
			rc |= buf_putc(&b, '%');
			rc |= buf_putc(&b, hex[(unsigned char)*m >> 4]);
			rc |= buf_putc(&b, hex[(unsigned char)*m & 15]);
		}
	}
	rc |= buf_puts(&b, suffix);
	if (rc == 0)
		memcpy(out, b.p, b.len + 1);
	buf_free(&b);
	return rc == 0 ? 0 : -1;
}

/* ---- JSON Schema -> Gemini Schema ---- */


/* Schema members Gemini's OpenAPI subset knows (copied as they are). */
static int
schema_kept(const char *k)
{
	static const char *const keys[] = { "title", "description",
	    "nullable", "enum", "maxItems", "minItems", "required",
	    "minProperties", "maxProperties", "minLength", "maxLength",
	    "pattern", "example", "propertyOrdering", "default", "minimum",
	    "maximum" };
	size_t	 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (gm_streq(k, keys[i]))
			return 1;
	return 0;
}

/* "type": a string, or JSON Schema's ["t", "null"] -> t + nullable. */
static int	schema_child(cJSON *, const char *, const cJSON *, int);

static int
schema_type(cJSON *dst, const cJSON *v)
{
	const cJSON	*e;
	const char	*t = NULL;
	int		 null = 0;

	if (cJSON_IsString(v))
		return gm_putstr(dst, "type", v->valuestring);
	cJSON_ArrayForEach(e, gm_array(v)) {
		if (gm_streq(e->valuestring, "null"))
			null = 1;
		else if (t == NULL && cJSON_IsString(e))
			t = e->valuestring;
	}
	if (t != NULL && gm_putstr(dst, "type", t) == -1)
		return -1;
	if (null && gm_get(dst, "nullable") == NULL &&
	    gm_put(dst, "nullable", cJSON_CreateTrue()) == -1)
		return -1;
	return 0;
}

/* Sub-schema s converted into a new object: to[k], or pushed to array to. */
static int
schema_child(cJSON *to, const char *k, const cJSON *s, int depth)
{
	cJSON	*c;

	if ((c = cJSON_CreateObject()) == NULL)
		return -1;
	if (k != NULL ? gm_put(to, k, c) == -1 : gm_push(to, c) == -1)
		return -1;
	return gm_schema_to_gemini(c, s, depth + 1);
}

static int
schema_member(cJSON *dst, const cJSON *s, const cJSON *v, int depth)
{
	static const char *const fmts[] = { "enum", "date-time", "int32",
	    "int64", "float", "double" };
	const char	*k = v->string;
	const cJSON	*e;
	cJSON		*o;
	size_t		 i;
	int		 rc;

	if (gm_streq(k, "type"))
		return schema_type(dst, v);
	if (gm_streq(k, "properties") && cJSON_IsObject(v)) {
		if ((o = cJSON_CreateObject()) == NULL ||
		    gm_put(dst, "properties", o) == -1)
			return -1;
		cJSON_ArrayForEach(e, v)
			if ((rc = schema_child(o, e->string, e, depth)) != 0)
				return rc;
		return 0;
	}
	if (gm_streq(k, "items"))
		return schema_child(dst, "items", cJSON_IsArray(v) ? v->child :
		    v, depth);
	if ((gm_streq(k, "anyOf") || gm_streq(k, "oneOf")) &&
	    cJSON_IsArray(v)) {
		/* Gemini has no oneOf: anyOf is the nearest it takes. */
		o = (cJSON *)gm_get(dst, "anyOf");
		if (o == NULL && ((o = cJSON_CreateArray()) == NULL ||
		    gm_put(dst, "anyOf", o) == -1))
			return -1;
		cJSON_ArrayForEach(e, v)
			if ((rc = schema_child(o, NULL, e, depth)) != 0)
				return rc;
		return 0;
	}
	if (gm_streq(k, "const")) {
		if (!cJSON_IsString(v) || gm_get(s, "enum") != NULL)
			return 0;
		if ((o = cJSON_CreateArray()) == NULL ||
		    gm_put(dst, "enum", o) == -1)
			return -1;
		return gm_push(o, cJSON_CreateString(v->valuestring));
	}
	if (gm_streq(k, "format")) {
		for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
			if (gm_streq(v->valuestring, fmts[i]))
				return gm_putstr(dst, "format", fmts[i]);
		return 0;	/* email, uri, ...: Gemini refuses them */
	}
	if (schema_kept(k) && gm_get(dst, k) == NULL)
		return gm_put(dst, k, cJSON_Duplicate(v, 1));
	return 0;	/* $schema, additionalProperties, strict, $ref... */
}

int
gm_schema_to_gemini(cJSON *dst, const cJSON *s, int depth)
{
	const cJSON	*v;
	int		 rc;

	if (depth > GM_SCHEMA_DEPTH)
		return 1;
	if (!cJSON_IsObject(s))
		return 0;
	cJSON_ArrayForEach(v, s)
		if ((rc = schema_member(dst, s, v, depth)) != 0)
			return rc;
	return 0;
}

/* ---- Gemini Schema -> JSON Schema ---- */

static int
json_child(cJSON *to, const char *k, const cJSON *s, int depth)
{
	cJSON	*c;

	if ((c = cJSON_CreateObject()) == NULL)
		return -1;
	if (k != NULL ? gm_put(to, k, c) == -1 : gm_push(to, c) == -1)
		return -1;
	return gm_schema_to_json(c, s, depth + 1);
}

/* "type": Gemini's OBJECT, STRING... -> object, string (+ "null"). */
static int
json_type(cJSON *dst, const cJSON *s, const cJSON *v)
{
	char	 t[32];
	size_t	 i;
	cJSON	*a;

	if (!cJSON_IsString(v) || strlen(v->valuestring) >= sizeof(t))
		return gm_put(dst, "type", cJSON_Duplicate(v, 1));
	for (i = 0; v->valuestring[i] != '\0'; i++)
		t[i] = (char)tolower((unsigned char)v->valuestring[i]);
	t[i] = '\0';
	if (strcmp(t, "type_unspecified") == 0)
		return 0;
	if (!cJSON_IsTrue(gm_get(s, "nullable")))
		return gm_putstr(dst, "type", t);
	if ((a = cJSON_CreateArray()) == NULL ||
	    gm_put(dst, "type", a) == -1 ||
	    gm_push(a, cJSON_CreateString(t)) == -1)
		return -1;
	return gm_push(a, cJSON_CreateString("null"));
}

int
gm_schema_to_json(cJSON *dst, const cJSON *s, int depth)
{
	const cJSON	*v, *e;
	const char	*k;
	cJSON		*o;
	int		 rc = 0;

	if (depth > GM_SCHEMA_DEPTH)
		return 1;
	cJSON_ArrayForEach(v, gm_object(s)) {
		k = v->string;
		if (gm_get(dst, k) != NULL || gm_streq(k, "nullable") ||
		    gm_streq(k, "propertyOrdering"))
			continue;
		if (gm_streq(k, "type"))
			rc = json_type(dst, s, v);
		else if (gm_streq(k, "items") && cJSON_IsObject(v))
			rc = json_child(dst, k, v, depth);
		else if ((gm_streq(k, "properties") && cJSON_IsObject(v)) ||
		    (gm_streq(k, "anyOf") && cJSON_IsArray(v))) {
			o = cJSON_IsArray(v) ? cJSON_CreateArray() :
			    cJSON_CreateObject();
			if (gm_put(dst, k, o) == -1)
				return -1;
			cJSON_ArrayForEach(e, v)
				if ((rc = json_child(o, cJSON_IsArray(v) ?
				    NULL : e->string, e, depth)) != 0)
					return rc;
		} else
			rc = gm_put(dst, k, cJSON_Duplicate(v, 1));
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- embeddings ---- */

enum gm_conv
gm_up_embed_request(const cJSON *req, const char *up_model, cJSON **out,
    char *param, size_t psz, char *msg, size_t msz)
{
	const cJSON	*in = gm_get(req, "input"), *v, *e;
	struct gm_why	 w;
	cJSON		*o, *rs, *r, *content, *parts;
	char		*model;
	size_t		 len;
	int64_t		 dims = 0;
	int		 i = 0;

	*out = NULL;
	gm_why_init(&w, param, psz, msg, msz);
	if (cJSON_IsString(in))
		;
	else if (!cJSON_IsArray(in) || in->child == NULL)
		return gm_bad(&w, "expected a string or a non-empty array of "
		    "strings.", "input");
	else if (cJSON_IsNumber(in->child) || cJSON_IsArray(in->child))
		return gm_bad(&w, "a Gemini upstream takes text, not token "
		    "arrays.", "input");
	cJSON_ArrayForEach(e, gm_array(in)) {
		if (!cJSON_IsString(e))
			return gm_bad(&w, "expected a string.", "input[%d]",
			    i);
		i++;
	}
	if ((v = gm_given(req, "dimensions")) != NULL &&
	    !gm_int(v, 1, INT32_MAX, &dims))
		return gm_bad(&w, "expected an integer of at least 1.",
		    "dimensions");
	if (up_model == NULL)
		up_model = "";
	if (strncmp(up_model, "models/", 7) == 0)
		up_model += 7;
	len = strlen(up_model) + 8;
	if ((model = malloc(len)) == NULL)
		return GM_NOMEM;
	snprintf(model, len, "models/%s", up_model);
	if ((o = cJSON_CreateObject()) == NULL ||
	    (rs = cJSON_CreateArray()) == NULL ||
	    gm_put(o, "requests", rs) == -1)
		goto nomem;
	for (e = cJSON_IsString(in) ? in : in->child; e != NULL;
	    e = cJSON_IsString(in) ? NULL : e->next) {
		if ((r = cJSON_CreateObject()) == NULL ||
		    gm_push(rs, r) == -1 ||
		    gm_putstr(r, "model", model) == -1 ||
		    (content = cJSON_CreateObject()) == NULL ||
		    gm_put(r, "content", content) == -1 ||
		    (parts = cJSON_CreateArray()) == NULL ||
		    gm_put(content, "parts", parts) == -1 ||
		    gm_push(parts, gm_text_part(e->valuestring)) == -1 ||
		    (dims > 0 && gm_putnum(r, "outputDimensionality",
		    (double)dims) == -1))
			goto nomem;
	}
	free(model);
	*out = o;
	return GM_OK;
nomem:
	free(model);
	cJSON_Delete(o);
	return GM_NOMEM;
}

/* Standard base64 (with padding) of n bytes. */
static char *
b64(const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char		*out, *o;
	size_t		 i;
	uint32_t	 v;

	if (n > (SIZE_MAX - 1) / 4 * 3 - 3 ||
	    (out = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* values (numbers) as little-endian float32, base64: OpenAI's format. */
static cJSON *
embedding_b64(const cJSON *values, size_t n)
{
	const cJSON	*e;
	unsigned char	*raw;
	char		*s;
	float		 f;
	uint32_t	 u;
	size_t		 i = 0;
	cJSON		*o;

	if (n > SIZE_MAX / 4 || (raw = malloc(n * 4 + 1)) == NULL)
		return NULL;
	cJSON_ArrayForEach(e, values) {
		f = (float)e->valuedouble;
		memcpy(&u, &f, sizeof(u));
		raw[i++] = u & 0xff;
		raw[i++] = u >> 8 & 0xff;
		raw[i++] = u >> 16 & 0xff;
		raw[i++] = u >> 24 & 0xff;
	}
	s = b64(raw, i);
	free(raw);
	if (s == NULL)
		return NULL;
	o = cJSON_CreateString(s);
	free(s);
	return o;
}

/* embeddings[i] -> an OpenAI Embedding, NULL when malformed. */
static cJSON *
embedding(const cJSON *e, int i, int b64out)
{
	const cJSON	*vals = gm_get(e, "values"), *v;
	cJSON		*o, *arr;
	size_t		 n = 0;

	if (!cJSON_IsArray(vals) || vals->child == NULL)
		return NULL;
	cJSON_ArrayForEach(v, vals) {
		if (!gm_num(v, -1e38, 1e38))
			return NULL;
		n++;
	}
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	arr = b64out ? embedding_b64(vals, n) : cJSON_Duplicate(vals, 1);
	if (gm_putstr(o, "object", "embedding") == -1 ||
	    gm_putnum(o, "index", i) == -1 ||
	    gm_put(o, "embedding", arr) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *
gm_up_embed_response(const cJSON *resp, const char *model,
    int64_t est_tokens, int b64out)
{
	const cJSON	*embs = gm_get(resp, "embeddings"), *e;
	cJSON		*o, *data, *u;
	int		 i = 0;

	if (!cJSON_IsArray(embs) || embs->child == NULL)
		return NULL;
	if (est_tokens < 0)
		est_tokens = 0;
	if ((o = cJSON_CreateObject()) == NULL ||
	    gm_putstr(o, "object", "list") == -1 ||
	    (data = cJSON_CreateArray()) == NULL ||
	    gm_put(o, "data", data) == -1)
		goto fail;
	cJSON_ArrayForEach(e, embs)
		if (gm_push(data, embedding(e, i++, b64out)) == -1)
			goto fail;
	if (gm_putstr(o, "model", model) == -1 ||
	    (u = cJSON_CreateObject()) == NULL || gm_put(o, "usage", u) == -1 ||
	    gm_putnum(u, "prompt_tokens", (double)est_tokens) == -1 ||
	    gm_putnum(u, "total_tokens", (double)est_tokens) == -1)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* ---- usage and estimates ---- */

/* A token count: a finite number in [0, 1e15], else -1. */
static int64_t
count(const cJSON *o, const char *k)
{
	const cJSON	*v = gm_get(o, k);

	if (!gm_num(v, 0, 1e15))
		return -1;
	return (int64_t)v->valuedouble;
}

int
gm_usage_read(const cJSON *meta, struct usage *u)
{
	int64_t	 p = count(meta, "promptTokenCount");
	int64_t	 cand = count(meta, "candidatesTokenCount");
	int64_t	 th = count(meta, "thoughtsTokenCount");
	int64_t	 cached = count(meta, "cachedContentTokenCount");

	if (p < 0 && cand < 0 && th < 0 &&
	    count(meta, "totalTokenCount") < 0)
		return 0;
	memset(u, 0, sizeof(*u));
	u->prompt = p > 0 ? p : 0;
	u->cached = cached > 0 ? (cached < u->prompt ? cached : u->prompt) :
	    0;
	u->reasoning = th > 0 ? th : 0;
	u->completion = (cand > 0 ? cand : 0) + u->reasoning;
	return 1;
}

/* Tokens of one Part: text, a function call or response, media. */
static int64_t
part_tokens(const cJSON *p)
{
	const cJSON	*f;

	if (!cJSON_IsObject(p))
		return 0;
	if ((f = gm_field(p, "functionCall", "function_call")) != NULL)
		return tok_estimate_str(gm_str(f, "name")) +
		    tok_estimate_json(gm_get(f, "args"));
	if ((f = gm_field(p, "functionResponse", "function_response")) !=
	    NULL)
		return tok_estimate_str(gm_str(f, "name")) +
		    tok_estimate_json(gm_get(f, "response"));
	if (gm_field(p, "inlineData", "inline_data") != NULL ||
	    gm_field(p, "fileData", "file_data") != NULL)
		return GM_MEDIA_TOKENS;
	return tok_estimate_str(gm_str(p, "text"));
}

static int64_t
parts_tokens(const cJSON *content)
{
	const cJSON	*parts = gm_get(content, "parts"), *p;
	int64_t		 n = 0;

	cJSON_ArrayForEach(p, gm_array(parts))
		n += part_tokens(p);
	return n;
}

int64_t
gm_response_output_tokens(const cJSON *resp)
{
	const cJSON	*cands = gm_get(resp, "candidates"), *c;
	int64_t		 n = 0;

	cJSON_ArrayForEach(c, gm_array(cands))
		n += parts_tokens(gm_get(c, "content"));
	return n;
}

int64_t
gm_request_input_tokens(const cJSON *req)
{
	const cJSON	*contents = gm_get(req, "contents"), *c, *si;
	int64_t		 n = 0;

	cJSON_ArrayForEach(c, gm_array(contents))
		n += 3 + parts_tokens(c);
	si = gm_field(req, "systemInstruction", "system_instruction");
	if (cJSON_IsString(si))
		n += tok_estimate_str(si->valuestring);
	else
		n += parts_tokens(si);
	n += tok_estimate_json(gm_given(req, "tools"));
	return n;
}
