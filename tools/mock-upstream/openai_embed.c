/*
 * openai_embed.c: the OpenAI embeddings and moderations routes of the
 * mock upstream, and the text form of the failure controls that these
 * routes (and cohere.c) take because a gateway forwards neither
 * headers nor metadata for them.
 *
 * POST /v1/embeddings (CreateEmbeddingRequest -> CreateEmbeddingResponse):
 * one vector per input, derived from an FNV-1a hash of the input (its
 * bytes, or the JSON text of a token array) by a splitmix64 stream,
 * scaled to unit length and rounded to float32, of `dimensions` values
 * or the model's size (3072 for text-embedding-3-large, else 1536).
 * encoding_format base64 answers little-endian float32 in base64, as
 * OpenAI does.  usage.prompt_tokens = the words of every string input
 * plus the length of every token array (README.md).
 *
 * POST /v1/moderations (CreateModerationRequest ->
 * CreateModerationResponse): one result per string (one for an array of
 * parts), every category present; flagged (violence) when the text
 * contains "kill", case-insensitively.
 *
 * Text controls: a `user` member "mock:name=value,name=value" (any route
 * here, and the Jina-style rerank), or a leading "[mock name=value ...]"
 * in a rerank query (cohere.c strips it before scoring).  Names and
 * values are those of the X-Mock-* headers (ctl.c) and are checked the
 * same way; `body` must come last and takes the rest of the text,
 * commas and spaces included (in the bracket form, up to the last ']').
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "openai.h"

#define EMB_MAX_DIMS	65536

static atomic_ullong	 emb_seq;

static const char *const mod_cats[] = {
	"hate", "hate/threatening", "harassment", "harassment/threatening",
	"illicit", "illicit/violent", "self-harm", "self-harm/intent",
	"self-harm/instructions", "sexual", "sexual/minors", "violence",
	"violence/graphic", NULL
};

/* Categories that apply to images as well (category_applied_input_types). */
static int
mod_cat_image(const char *c)
{
	return strncmp(c, "self-harm", 9) == 0 || strcmp(c, "sexual") == 0 ||
	    strncmp(c, "violence", 8) == 0;
}

size_t
oai_text_ctl(struct mock_ctl *c, const char *s, char **keep)
{
	const char	*start, *end;
	char		*copy, *p, *eq, *next, name[80];
	size_t		 skip = 0;
	char		 sep;

	*keep = NULL;
	if (strncmp(s, "mock:", 5) == 0) {
		start = s + 5;
		end = start + strlen(start);
		sep = ',';
	} else if (strncmp(s, "[mock ", 6) == 0 || strncmp(s, "[mock]", 6) ==
	    0) {
		start = s + 5;
		/* A body may hold ']': then the prefix ends at the last one. */
		end = strstr(start, " body=") != NULL ? strrchr(start, ']') :
		    strchr(start, ']');
		if (end == NULL)
			return 0;
		skip = (size_t)(end - s) + 1;
		while (s[skip] == ' ')
			skip++;
		sep = ' ';
	} else
		return 0;
	if ((copy = strndup(start, (size_t)(end - start))) == NULL)
		return skip;
	*keep = copy;
	for (p = copy; p != NULL && *p != '\0'; p = next) {
		while (*p == sep)
			p++;
		if (*p == '\0')
			break;
		if ((eq = strchr(p, '=')) != NULL &&
		    (size_t)(eq - p) == 4 && strncmp(p, "body", 4) == 0) {
			*eq = '\0';
			ctl_header(c, "x-mock-body", eq + 1);
			break;
		}
		if ((next = strchr(p, sep)) != NULL)
			*next++ = '\0';
		if (eq != NULL && (next == NULL || eq < next))
			*eq++ = '\0';
		else
			eq = NULL;
		snprintf(name, sizeof(name), "x-mock-%.60s", p);
		ctl_header(c, name, eq != NULL ? eq : "");
	}
	return skip;
}

enum MHD_Result
oai_embed_fail(struct mock_req *req, unsigned int status, const char *param,
    const char *code, const char *msg)
{
	cJSON	*doc;
	char	 ra[24];
	const char *hdrs[3] = { NULL, NULL, NULL };

	doc = oai_error_doc(status, param, code, msg);
	if (ctl_isset(&req->ctl, CTL_RETRY_AFTER)) {
		snprintf(ra, sizeof(ra), "%ld", req->ctl.v[CTL_RETRY_AFTER]);
		hdrs[0] = "retry-after";
		hdrs[1] = ra;
	}
	return mock_reply_json(req, status, doc, hdrs);
}

/*
 * Common start: parses the body, applies the `user` controls, answers
 * a bad control, an injected status or a canned body.  Returns 1 with
 * *ret when a reply was queued, else 0 (*doc and *keep for the caller
 * to free).
 */
static int
emb_begin(struct mock_req *req, cJSON **doc, char **keep,
    enum MHD_Result *ret)
{
	const cJSON	*u;
	unsigned int	 st;
	char		 msg[64];

	*keep = NULL;
	*doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	u = cJSON_GetObjectItemCaseSensitive(*doc, "user");
	if (cJSON_IsString(u))
		oai_text_ctl(&req->ctl, u->valuestring, keep);
	if (req->ctl.bad[0] != '\0')
		*ret = oai_embed_fail(req, 400, NULL, "invalid_mock_control",
		    req->ctl.bad);
	else if (ctl_isset(&req->ctl, CTL_STATUS)) {
		st = (unsigned int)req->ctl.v[CTL_STATUS];
		snprintf(msg, sizeof(msg), "mock injected HTTP status %u", st);
		*ret = oai_embed_fail(req, st, NULL, st == 401 ?
		    "invalid_api_key" : st == 429 ? "rate_limit_exceeded" :
		    NULL, msg);
	} else if (ctl_isset(&req->ctl, CTL_BODY))
		*ret = mock_reply(req, 200, "application/json", req->ctl.body,
		    req->ctl.bodylen, NULL);
	else if (!cJSON_IsObject(*doc))
		*ret = oai_embed_fail(req, 400, NULL, NULL, "We could not "
		    "parse the JSON body of your request.");
	else
		return 0;
	return 1;
}

static uint64_t
fnv1a(const char *p, size_t n)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t	 z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Square root by Newton's method (the mock links no libm). */
static double
emb_sqrt(double v)
{
	double	 x = v > 1 ? v : 1;
	int	 i;

	for (i = 0; i < 64 && v > 0; i++)
		x = 0.5 * (x + v / x);
	return v > 0 ? x : 0;
}

/* The unit vector of text[0..n), dims float32 values, into out. */
static void
emb_vector(const char *text, size_t n, long dims, float *out, double *tmp)
{
	uint64_t	 x = fnv1a(text, n);
	double		 norm = 0;
	long		 i;

	for (i = 0; i < dims; i++) {
		/* 53 random bits to [0, 1), then to [-1, 1). */
		tmp[i] = (double)(splitmix(&x) >> 11) /
		    9007199254740992.0 * 2 - 1;
		norm += tmp[i] * tmp[i];
	}
	norm = emb_sqrt(norm);
	for (i = 0; i < dims; i++)
		out[i] = (float)(norm > 0 ? tmp[i] / norm : 0);
}

static char *
b64_floats(const float *v, long n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/";
	unsigned char	*raw;
	char		*out;
	size_t		 len = (size_t)n * 4, i, o = 0;
	uint32_t	 u, t;
	long		 k;

	if ((raw = malloc(len + 3)) == NULL)
		return NULL;
	for (k = 0; k < n; k++) {
		memcpy(&u, &v[k], 4);
		raw[k * 4] = u & 0xff;
		raw[k * 4 + 1] = (u >> 8) & 0xff;
		raw[k * 4 + 2] = (u >> 16) & 0xff;
		raw[k * 4 + 3] = u >> 24;
	}
	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL) {
		free(raw);
		return NULL;
	}
	for (i = 0; i < len; i += 3) {
		t = (uint32_t)raw[i] << 16;
		if (i + 1 < len)
			t |= (uint32_t)raw[i + 1] << 8;
		if (i + 2 < len)
			t |= raw[i + 2];
		out[o++] = tab[(t >> 18) & 63];
		out[o++] = tab[(t >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(t >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tab[t & 63] : '=';
	}
	out[o] = '\0';
	free(raw);
	return out;
}

static int
is_tok(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= 2147483647.0 &&
	    v->valuedouble == (double)(long)v->valuedouble;
}

/* A token array: 1 when every item is a token id and there is one. */
static int
tok_array(const cJSON *a)
{
	const cJSON	*v;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0)
		return 0;
	cJSON_ArrayForEach(v, a)
		if (!is_tok(v))
			return 0;
	return 1;
}

/* One embedding object for input item in; adds its tokens to *tokens. */
static cJSON *
emb_item(const cJSON *in, int idx, long dims, int b64, long *tokens,
    float *fv, double *tmp)
{
	cJSON	*it;
	char	*text, *s;
	int	 ok;

	if (cJSON_IsString(in)) {
		emb_vector(in->valuestring, strlen(in->valuestring), dims, fv,
		    tmp);
		*tokens += oai_words(in->valuestring);
	} else {
		if ((text = cJSON_PrintUnformatted(in)) == NULL)
			return NULL;
		emb_vector(text, strlen(text), dims, fv, tmp);
		cJSON_free(text);
		*tokens += cJSON_GetArraySize(in);
	}
	if ((it = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(it, "object", "embedding");
	cJSON_AddNumberToObject(it, "index", idx);
	if (b64) {
		s = b64_floats(fv, dims);
		ok = s != NULL && cJSON_AddStringToObject(it, "embedding", s) !=
		    NULL;
		free(s);
	} else
		ok = cJSON_AddItemToObject(it, "embedding",
		    cJSON_CreateFloatArray(fv, (int)dims));
	if (!ok) {
		cJSON_Delete(it);
		return NULL;
	}
	return it;
}

/* Checks input; 0, or -1 with msg. */
static int
emb_check_input(const cJSON *in, char *msg, size_t msgsz)
{
	const cJSON	*v;

	if (in == NULL) {
		snprintf(msg, msgsz, "Missing required parameter: 'input'.");
		return -1;
	}
	if (cJSON_IsString(in) && in->valuestring[0] != '\0')
		return 0;
	if (tok_array(in))
		return 0;
	if (cJSON_IsArray(in) && cJSON_GetArraySize(in) > 0 &&
	    cJSON_GetArraySize(in) <= 2048) {
		cJSON_ArrayForEach(v, in)
			if (!(cJSON_IsString(v) && v->valuestring[0] != '\0') &&
			    !tok_array(v))
				break;
		if (v == NULL)
			return 0;
	}
	snprintf(msg, msgsz, "'$.input' is invalid. Please check the API "
	    "reference: https://platform.openai.com/docs/api-reference.");
	return -1;
}

static long
emb_model_dims(const char *model)
{
	return strncmp(model, "text-embedding-3-large", 22) == 0 ? 3072 : 1536;
}

static enum MHD_Result
emb_reply(struct mock_req *req, const cJSON *doc, const char *model,
    long dims, int b64)
{
	const cJSON	*in, *x;
	cJSON		*out, *data, *u, *it;
	float		*fv;
	double		*tmp;
	long		 tokens = 0;
	int		 i = 0;
	char		 rid[48];
	const char	*hdrs[3] = { "x-request-id", rid, NULL };

	snprintf(rid, sizeof(rid), "req_mockemb%llu",
	    (unsigned long long)atomic_fetch_add(&emb_seq, 1));
	in = cJSON_GetObjectItemCaseSensitive(doc, "input");
	fv = malloc((size_t)dims * sizeof(*fv));
	tmp = malloc((size_t)dims * sizeof(*tmp));
	out = cJSON_CreateObject();
	data = cJSON_AddArrayToObject(out, "data");
	if (fv == NULL || tmp == NULL || data == NULL)
		goto fail;
	cJSON_AddStringToObject(out, "object", "list");
	if (cJSON_IsString(in) || tok_array(in)) {
		if ((it = emb_item(in, 0, dims, b64, &tokens, fv, tmp)) == NULL)
			goto fail;
		cJSON_AddItemToArray(data, it);
	} else
		cJSON_ArrayForEach(x, in) {
			if ((it = emb_item(x, i++, dims, b64, &tokens, fv,
			    tmp)) == NULL)
				goto fail;
			cJSON_AddItemToArray(data, it);
		}
	cJSON_AddStringToObject(out, "model", model);
	if (req->ctl.v[CTL_NO_USAGE] == 0 &&
	    (u = cJSON_AddObjectToObject(out, "usage")) != NULL) {
		cJSON_AddNumberToObject(u, "prompt_tokens", tokens);
		cJSON_AddNumberToObject(u, "total_tokens", tokens);
	}
	free(fv);
	free(tmp);
	return mock_reply_json(req, 200, out, hdrs);
fail:
	free(fv);
	free(tmp);
	cJSON_Delete(out);
	return oai_embed_fail(req, 500, NULL, NULL, "mock out of memory");
}

enum MHD_Result
h_oai_embeddings(struct mock_req *req)
{
	cJSON		*doc;
	const cJSON	*m, *ef, *d;
	char		*keep, msg[256];
	long		 dims;
	int		 b64 = 0;
	enum MHD_Result	 ret;

	if (emb_begin(req, &doc, &keep, &ret))
		goto out;
	m = cJSON_GetObjectItemCaseSensitive(doc, "model");
	ef = cJSON_GetObjectItemCaseSensitive(doc, "encoding_format");
	d = cJSON_GetObjectItemCaseSensitive(doc, "dimensions");
	if (!cJSON_IsString(m) || m->valuestring[0] == '\0') {
		ret = oai_embed_fail(req, 400, "model", NULL, "you must "
		    "provide a model parameter");
		goto out;
	}
	if (emb_check_input(cJSON_GetObjectItemCaseSensitive(doc, "input"),
	    msg, sizeof(msg)) == -1) {
		ret = oai_embed_fail(req, 400, "input", NULL, msg);
		goto out;
	}
	if (ef != NULL && !cJSON_IsNull(ef) && (!cJSON_IsString(ef) ||
	    (strcmp(ef->valuestring, "float") != 0 &&
	    strcmp(ef->valuestring, "base64") != 0))) {
		ret = oai_embed_fail(req, 400, "encoding_format",
		    "invalid_value", "Invalid value for 'encoding_format': "
		    "expected 'float' or 'base64'.");
		goto out;
	}
	b64 = cJSON_IsString(ef) && strcmp(ef->valuestring, "base64") == 0;
	dims = emb_model_dims(m->valuestring);
	if (d != NULL && !cJSON_IsNull(d)) {
		if (strncmp(m->valuestring, "text-embedding-ada", 18) == 0) {
			ret = oai_embed_fail(req, 400, "dimensions", NULL,
			    "This model does not support specifying "
			    "dimensions.");
			goto out;
		}
		if (!is_tok(d) || d->valuedouble < 1 ||
		    d->valuedouble > EMB_MAX_DIMS) {
			ret = oai_embed_fail(req, 400, "dimensions",
			    "invalid_value", "Invalid 'dimensions': expected "
			    "an integer >= 1.");
			goto out;
		}
		dims = (long)d->valuedouble;
	}
	ret = emb_reply(req, doc, m->valuestring, dims, b64);
out:
	cJSON_Delete(doc);
	free(keep);
	return ret;
}

/* Lower-cased search for "kill". */
static int
has_kill(const char *s)
{
	for (; *s != '\0'; s++)
		if (strncasecmp(s, "kill", 4) == 0)
			return 1;
	return 0;
}

static cJSON *
mod_result(int flagged, int text, int image)
{
	cJSON	*r, *c, *sc, *ty, *a;
	size_t	 i;
	int	 hit;

	if ((r = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddBoolToObject(r, "flagged", flagged);
	c = cJSON_AddObjectToObject(r, "categories");
	sc = cJSON_AddObjectToObject(r, "category_scores");
	ty = cJSON_AddObjectToObject(r, "category_applied_input_types");
	for (i = 0; mod_cats[i] != NULL; i++) {
		hit = flagged && strcmp(mod_cats[i], "violence") == 0;
		cJSON_AddBoolToObject(c, mod_cats[i], hit);
		cJSON_AddNumberToObject(sc, mod_cats[i], hit ? 0.93 : 0.0001);
		a = cJSON_AddArrayToObject(ty, mod_cats[i]);
		if (text)
			cJSON_AddItemToArray(a, cJSON_CreateString("text"));
		if (image && mod_cat_image(mod_cats[i]))
			cJSON_AddItemToArray(a, cJSON_CreateString("image"));
	}
	return r;
}

/* Checks the input and adds its results; 0, or -1 with msg. */
static int
mod_results(const cJSON *in, cJSON *results, char *msg, size_t msgsz)
{
	const cJSON	*p, *ty, *t, *u;
	int		 kill = 0, text = 0, image = 0;

	if (cJSON_IsString(in)) {
		cJSON_AddItemToArray(results, mod_result(has_kill(
		    in->valuestring), 1, 0));
		return 0;
	}
	if (!cJSON_IsArray(in) || cJSON_GetArraySize(in) == 0)
		goto bad;
	if (cJSON_IsString(in->child)) {
		cJSON_ArrayForEach(p, in) {
			if (!cJSON_IsString(p))
				goto bad;
			cJSON_AddItemToArray(results, mod_result(has_kill(
			    p->valuestring), 1, 0));
		}
		return 0;
	}
	cJSON_ArrayForEach(p, in) {
		ty = cJSON_GetObjectItemCaseSensitive(p, "type");
		t = cJSON_GetObjectItemCaseSensitive(p, "text");
		u = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(p, "image_url"), "url");
		if (cJSON_IsString(ty) && strcmp(ty->valuestring, "text") ==
		    0 && cJSON_IsString(t)) {
			text = 1;
			kill |= has_kill(t->valuestring);
		} else if (cJSON_IsString(ty) &&
		    strcmp(ty->valuestring, "image_url") == 0 &&
		    cJSON_IsString(u))
			image = 1;
		else
			goto bad;
	}
	cJSON_AddItemToArray(results, mod_result(kill, text, image));
	return 0;
bad:
	snprintf(msg, msgsz, "'$.input' is invalid. Please check the API "
	    "reference: https://platform.openai.com/docs/api-reference.");
	return -1;
}

enum MHD_Result
h_oai_moderations(struct mock_req *req)
{
	cJSON		*doc, *out, *results;
	const cJSON	*m, *in;
	char		*keep, msg[256], id[48];
	enum MHD_Result	 ret;

	if (emb_begin(req, &doc, &keep, &ret))
		goto out;
	m = cJSON_GetObjectItemCaseSensitive(doc, "model");
	in = cJSON_GetObjectItemCaseSensitive(doc, "input");
	if (m != NULL && (!cJSON_IsString(m) || m->valuestring[0] == '\0')) {
		ret = oai_embed_fail(req, 400, "model", NULL,
		    "Invalid 'model'.");
		goto out;
	}
	if (in == NULL) {
		ret = oai_embed_fail(req, 400, "input", NULL, "Missing "
		    "required parameter: 'input'.");
		goto out;
	}
	snprintf(id, sizeof(id), "modr-mock%llu",
	    (unsigned long long)atomic_fetch_add(&emb_seq, 1));
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "id", id);
	cJSON_AddStringToObject(out, "model", cJSON_IsString(m) ?
	    m->valuestring : "omni-moderation-latest");
	results = cJSON_AddArrayToObject(out, "results");
	if (mod_results(in, results, msg, sizeof(msg)) == -1) {
		cJSON_Delete(out);
		ret = oai_embed_fail(req, 400, "input", NULL, msg);
		goto out;
	}
	ret = mock_reply_json(req, 200, out, NULL);
out:
	cJSON_Delete(doc);
	free(keep);
	return ret;
}
