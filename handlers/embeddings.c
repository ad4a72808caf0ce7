/*
 * embeddings.c: POST /v1/embeddings (OpenAI CreateEmbeddingRequest and
 * CreateEmbeddingResponse), and the helpers the three input-token
 * endpoints share (embeddings.h).
 *
 * The request is validated (input as a string, strings, token ids or
 * arrays of token ids; at most 2048 inputs, 8192 tokens each for
 * OpenAI's text-embedding-* models, 300000 in all; encoding_format;
 * dimensions against the model's size) and passed on with every other
 * field untouched, except that the upstream is always asked for
 * `float`: when the client wants base64 the gateway encodes each vector
 * itself (little-endian float32, as OpenAI does), so base64 works with
 * upstreams that only return numbers, and an upstream that answers
 * base64 anyway is decoded for a client that wanted numbers.
 *
 * Billing is on input tokens: the hold is priced on the estimate (token
 * ids counted exactly, text by tok_estimate), the charge on the
 * upstream's usage.prompt_tokens, else on that estimate.  The whole
 * answer is held in memory, bounded by upstream_max_response.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <b64/cdecode.h>
#include <b64/cencode.h>
#include <cjson/cJSON.h>

#include "cfg.h"
#include "handlers/embeddings.h"
#include "handlers/handlers.h"
#include "log.h"
#include "providers/cohere.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"
#include "router.h"
#include "tokens.h"

#define EMB_MAX_FLOATS	(1u << 24)	/* values in one embedding */

int
h_verr_set(struct h_verr *e, const char *param, const char *fmt, ...)
{
	va_list	 ap;

	snprintf(e->param, sizeof(e->param), "%s", param);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
h_model_field(const cJSON *o, const char *def, const char **model,
    struct h_verr *e)
{
	struct h_chk	 c = { e->param, sizeof(e->param), e->msg,
			    sizeof(e->msg) };

	return h_chk_model(&c, o, def, model);
}

int
h_upstream_ok(struct req *r, enum err *e, int status, const struct buf *resp,
    const char **ecode)
{
	if (*e != ERR_OK)
		return 0;
	if (status >= 400) {
		*ecode = "upstream_client_error";
		*e = h_pass_upstream_error(r, status, resp->p, resp->len);
		return 0;
	}
	if (status != 200) {
		*e = ERR_UPSTREAM;
		return 0;
	}
	return 1;
}

enum err
h_pass_upstream_error(struct req *r, int status, const char *body, size_t n)
{
	cJSON	*o, *er;
	char	*s, *msg;

	if (router_dialect(r->route) != RD_OPENAI) {
		/* Any provider's message, in the client's dialect. */
		if ((msg = co_error_message(body, n)) == NULL)
			return ERR_UPSTREAM;
		oa_mask(msg);
		req_send_error_status(r, status, msg);
		cJSON_free(msg);
		return ERR_OK;
	}
	if ((s = oa_error_masked(body, n)) != NULL) {
		req_send_error_body(r, status, s, strlen(s));
		cJSON_free(s);
		return ERR_OK;
	}
	/* Cohere's {"message": ...}: the same text in OpenAI's shape. */
	if ((msg = co_error_message(body, n)) == NULL)
		return ERR_UPSTREAM;
	oa_mask(msg);
	s = NULL;
	if ((o = cJSON_CreateObject()) != NULL &&
	    (er = cJSON_AddObjectToObject(o, "error")) != NULL &&
	    cJSON_AddStringToObject(er, "message", msg) != NULL &&
	    cJSON_AddStringToObject(er, "type", status == 429 ?
	    "rate_limit_error" : "invalid_request_error") != NULL &&
	    cJSON_AddNullToObject(er, "param") != NULL &&
	    cJSON_AddNullToObject(er, "code") != NULL)
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON_free(msg);
	if (s == NULL)
		return ERR_NOMEM;
	req_send_error_body(r, status, s, strlen(s));
	cJSON_free(s);
	return ERR_OK;
}

/* ---- validation ---- */

int64_t
h_emb_dims_max(const char *model)
{
	if (strncmp(model, "text-embedding-3-small", 22) == 0)
		return 1536;
	if (strncmp(model, "text-embedding-3-", 17) == 0)
		return 3072;
	if (strncmp(model, "text-embedding-", 15) == 0)
		return 0;
	return EMB_MAX_DIMENSIONS;
}

static int
token_id_ok(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= (double)EMB_MAX_TOKEN_ID &&
	    v->valuedouble == floor(v->valuedouble);
}

/* One input of t tokens (idx -1: the input is the whole field). */
static int
count_input(struct emb_req *er, int openai, int64_t t, int idx,
    struct h_verr *e)
{
	char	 name[32];

	if (idx < 0)
		snprintf(name, sizeof(name), "input");
	else
		snprintf(name, sizeof(name), "input[%d]", idx);
	if (openai && t > EMB_MAX_INPUT_TOKENS)
		return h_verr_set(e, "input", "Invalid '%s': it has about "
		    "%lld tokens; this model accepts at most %d tokens per "
		    "input.", name, (long long)t, EMB_MAX_INPUT_TOKENS);
	er->est_tokens += t;
	er->ninputs++;
	if (er->est_tokens > EMB_MAX_TOTAL_TOKENS)
		return h_verr_set(e, "input", "Invalid 'input': the inputs "
		    "have more than %d tokens in all (at most %d are "
		    "allowed per request).", EMB_MAX_TOTAL_TOKENS,
		    EMB_MAX_TOTAL_TOKENS);
	return 0;
}

/* An array of token ids (one input); name for messages. */
static int
token_ids(const cJSON *arr, const char *name, int64_t *n, struct h_verr *e)
{
	const cJSON	*v;
	int		 i = 0;

	*n = cJSON_GetArraySize(arr);
	if (*n == 0)
		return h_verr_set(e, "input", "Invalid '%s': empty array; a "
		    "token array needs at least one token id.", name);
	cJSON_ArrayForEach(v, arr) {
		if (!token_id_ok(v))
			return h_verr_set(e, "input", "Invalid '%s[%d]': "
			    "expected a token id (an integer from 0 to %d).",
			    name, i, EMB_MAX_TOKEN_ID);
		i++;
	}
	return 0;
}

static int
emb_input(const cJSON *in, const char *model, struct emb_req *er,
    struct h_verr *e)
{
	const cJSON	*it;
	int		 openai, i = 0, n;
	int64_t		 t;
	char		 name[32];

	openai = strncmp(model, "text-embedding-", 15) == 0;
	if (in == NULL)
		return h_verr_set(e, "input", "Missing required parameter: "
		    "'input'.");
	if (cJSON_IsString(in)) {
		if (in->valuestring[0] == '\0')
			return h_verr_set(e, "input", "Invalid 'input': it "
			    "must not be an empty string.");
		return count_input(er, openai, tok_estimate(in->valuestring,
		    strlen(in->valuestring)), -1, e);
	}
	if (!cJSON_IsArray(in))
		return h_verr_set(e, "input", "Invalid 'input': expected a "
		    "string, an array of strings, an array of token ids or "
		    "an array of arrays of token ids.");
	if ((n = cJSON_GetArraySize(in)) == 0)
		return h_verr_set(e, "input", "Invalid 'input': empty array; "
		    "at least one input is required.");
	if (n > EMB_MAX_INPUTS)
		return h_verr_set(e, "input", "Invalid 'input': %d items; at "
		    "most %d are allowed.", n, EMB_MAX_INPUTS);
	if (cJSON_IsNumber(in->child)) {
		if (token_ids(in, "input", &t, e) == -1)
			return -1;
		return count_input(er, openai, t, -1, e);
	}
	cJSON_ArrayForEach(it, in) {
		snprintf(name, sizeof(name), "input[%d]", i);
		if (cJSON_IsString(in->child)) {
			if (!cJSON_IsString(it))
				return h_verr_set(e, "input", "Invalid '%s': "
				    "expected a string like the other "
				    "inputs.", name);
			if (it->valuestring[0] == '\0')
				return h_verr_set(e, "input", "Invalid '%s': "
				    "it must not be an empty string.", name);
			t = tok_estimate(it->valuestring,
			    strlen(it->valuestring));
		} else if (cJSON_IsArray(in->child)) {
			if (!cJSON_IsArray(it))
				return h_verr_set(e, "input", "Invalid '%s': "
				    "expected an array of token ids like the "
				    "other inputs.", name);
			if (token_ids(it, name, &t, e) == -1)
				return -1;
		} else
			return h_verr_set(e, "input", "Invalid '%s': expected "
			    "a string, a token id or an array of token ids.",
			    name);
		if (count_input(er, openai, t, i, e) == -1)
			return -1;
		i++;
	}
	return 0;
}

int
h_emb_validate(const cJSON *o, struct emb_req *er, struct h_verr *e)
{
	const cJSON	*v;
	int64_t		 max;

	memset(er, 0, sizeof(*er));
	if (h_model_field(o, NULL, &er->model, e) == -1 ||
	    emb_input(cJSON_GetObjectItemCaseSensitive(o, "input"),
	    er->model, er, e) == -1)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "encoding_format");
	if (v != NULL && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) || (strcmp(v->valuestring, "float") !=
		    0 && strcmp(v->valuestring, "base64") != 0))
			return h_verr_set(e, "encoding_format", "Invalid "
			    "'encoding_format': expected 'float' or "
			    "'base64'.");
		er->base64 = strcmp(v->valuestring, "base64") == 0;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "dimensions");
	if (v != NULL && !cJSON_IsNull(v)) {
		max = h_emb_dims_max(er->model);
		if (max == 0)
			return h_verr_set(e, "dimensions", "This model does "
			    "not support specifying dimensions.");
		if (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
		    v->valuedouble > (double)max ||
		    v->valuedouble != floor(v->valuedouble))
			return h_verr_set(e, "dimensions", "Invalid "
			    "'dimensions': expected an integer from 1 to "
			    "%lld for this model.", (long long)max);
		er->dimensions = (int64_t)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "user");
	if (v != NULL && !cJSON_IsNull(v) && !cJSON_IsString(v))
		return h_verr_set(e, "user", "Invalid 'user': expected a "
		    "string.");
	return 0;
}

/* ---- base64 of float32 vectors ---- */

char *
h_emb_b64_encode(const cJSON *arr, size_t *len)
{
	const cJSON		*v;
	base64_encodestate	 st;
	unsigned char		*raw;
	char			*out = NULL;
	size_t			 n, i = 0, rawlen, cap, j, k;
	uint32_t		 u;
	float			 f;

	if (!cJSON_IsArray(arr) ||
	    (n = (size_t)cJSON_GetArraySize(arr)) > EMB_MAX_FLOATS)
		return NULL;
	rawlen = n * 4;
	if ((raw = malloc(rawlen + 1)) == NULL)
		return NULL;
	cJSON_ArrayForEach(v, arr) {
		if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
			goto out;
		f = (float)v->valuedouble;
		if (!isfinite(f))
			goto out;
		memcpy(&u, &f, sizeof(u));
		raw[i * 4] = (unsigned char)(u & 0xff);
		raw[i * 4 + 1] = (unsigned char)((u >> 8) & 0xff);
		raw[i * 4 + 2] = (unsigned char)((u >> 16) & 0xff);
		raw[i * 4 + 3] = (unsigned char)(u >> 24);
		i++;
	}
	/* libb64 breaks lines every 72 characters: room for them too. */
	cap = (rawlen + 2) / 3 * 4;
	cap += cap / 72 + 8;
	if ((out = malloc(cap)) == NULL)
		goto out;
	base64_init_encodestate(&st);
	k = (size_t)base64_encode_block((const char *)raw, (int)rawlen, out,
	    &st);
	k += (size_t)base64_encode_blockend(out + k, &st);
	for (i = j = 0; i < k; i++)
		if (out[i] != '\n')
			out[j++] = out[i];
	out[j] = '\0';
	*len = j;
out:
	free(raw);
	return out;
}

static int
b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

cJSON *
h_emb_b64_decode(const char *s, size_t cap)
{
	base64_decodestate	 st;
	unsigned char		*raw = NULL;
	float			*fv = NULL;
	cJSON			*arr = NULL;
	size_t			 len, pad = 0, i, nraw, nf;
	uint32_t		 u;

	if ((len = strnlen(s, cap + 1)) > cap || len % 4 != 0)
		return NULL;
	while (pad < 2 && len > pad && s[len - 1 - pad] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		if (!b64_char(s[i]))
			return NULL;
	nraw = len / 4 * 3 - pad;
	if (nraw % 4 != 0 || nraw / 4 > EMB_MAX_FLOATS)
		return NULL;
	nf = nraw / 4;
	if ((raw = malloc(len / 4 * 3 + 1)) == NULL ||
	    (fv = malloc(nf * sizeof(*fv) + 1)) == NULL)
		goto out;
	base64_init_decodestate(&st);
	if ((size_t)base64_decode_block(s, (int)len, (char *)raw, &st) !=
	    nraw)
		goto out;
	for (i = 0; i < nf; i++) {
		u = (uint32_t)raw[i * 4] | (uint32_t)raw[i * 4 + 1] << 8 |
		    (uint32_t)raw[i * 4 + 2] << 16 |
		    (uint32_t)raw[i * 4 + 3] << 24;
		memcpy(&fv[i], &u, sizeof(u));
		if (!isfinite(fv[i]))
			goto out;
	}
	arr = cJSON_CreateFloatArray(fv, (int)nf);
out:
	free(raw);
	free(fv);
	return arr;
}

int
h_emb_convert(cJSON *resp, int base64)
{
	cJSON		*data, *it, *emb, *nv;
	const cJSON	*x;
	char		*s;
	size_t		 len;
	int		 i = 0;

	data = cJSON_GetObjectItemCaseSensitive(resp, "data");
	if (!cJSON_IsArray(data))
		return -1;
	cJSON_ArrayForEach(it, data) {
		emb = cJSON_GetObjectItemCaseSensitive(it, "embedding");
		if (!cJSON_IsObject(it))
			return -1;
		nv = NULL;
		if (cJSON_IsArray(emb) && base64) {
			if ((s = h_emb_b64_encode(emb, &len)) == NULL)
				return -1;
			nv = cJSON_CreateString(s);
			free(s);
			if (nv == NULL)
				return -1;
		} else if (cJSON_IsString(emb) && !base64) {
			if ((nv = h_emb_b64_decode(emb->valuestring,
			    4u * EMB_MAX_FLOATS)) == NULL)
				return -1;
		} else if (cJSON_IsArray(emb)) {
			cJSON_ArrayForEach(x, emb)
				if (!cJSON_IsNumber(x))
					return -1;
		} else if (!cJSON_IsString(emb))
			return -1;
		if (nv != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(it, "embedding",
			    nv);
		if (cJSON_GetObjectItemCaseSensitive(it, "object") == NULL)
			cJSON_AddStringToObject(it, "object", "embedding");
		if (cJSON_GetObjectItemCaseSensitive(it, "index") == NULL)
			cJSON_AddNumberToObject(it, "index", i);
		i++;
	}
	if (cJSON_GetObjectItemCaseSensitive(resp, "object") == NULL)
		cJSON_AddStringToObject(resp, "object", "list");
	return i;
}

/* ---- the endpoint ---- */

/* Sets o[k] to a new string value (replacing or adding). */
static int
set_string(cJSON *o, const char *k, const char *v)
{
	cJSON	*s;

	if ((s = cJSON_CreateString(v)) == NULL)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(o, k) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, s);
	else
		cJSON_AddItemToObject(o, k, s);
	return 0;
}

/* The 200 answer in the client's format; ERR_UPSTREAM for garbage. */
static enum err
emb_answer(struct req *r, struct relay *rl, const struct emb_req *er,
    const struct buf *resp)
{
	cJSON		*o, *u;
	int		 n;
	enum err	 e;

	if ((o = cJSON_ParseWithLength(resp->p, resp->len)) == NULL)
		return ERR_UPSTREAM;
	arena_defer(r->a, h_cjson_delete, o);
	if (!cJSON_IsObject(o) || (n = h_emb_convert(o, er->base64)) < 0 ||
	    (size_t)n != er->ninputs) {
		log_warn(r->rid, "channel %lld: unusable embeddings answer",
		    (long long)rl->ch->id);
		return ERR_UPSTREAM;
	}
	u = cJSON_GetObjectItemCaseSensitive(o, "usage");
	if (oa_usage_read(u, &rl->usage)) {
		rl->usage.completion = 0;
		rl->usage_upstream = 1;
	} else {
		/* CreateEmbeddingResponse requires usage: the estimate. */
		cJSON_DeleteItemFromObjectCaseSensitive(o, "usage");
		if ((u = cJSON_AddObjectToObject(o, "usage")) == NULL)
			return ERR_NOMEM;
		cJSON_AddNumberToObject(u, "prompt_tokens",
		    (double)er->est_tokens);
		cJSON_AddNumberToObject(u, "total_tokens",
		    (double)er->est_tokens);
	}
	if ((rl->mapped || cJSON_GetObjectItemCaseSensitive(o, "model") ==
	    NULL) && set_string(o, "model", rl->model) == -1)
		return ERR_NOMEM;
	rl->delivered = 1;
	if ((e = h_send_cjson(r, 200, o)) != ERR_OK)
		rl->delivered = 0;
	return e;
}

int
h_json_relay(struct req *r, const char *model, int64_t est,
    struct h_json_call *j, enum err *e)
{
	/* Copied: the tree's "model" is replaced for each upstream. */
	if ((model = arena_strdup(r->a, model)) == NULL ||
	    (j->rl = arena_alloc(r->a, sizeof(*j->rl))) == NULL ||
	    (j->resp = arena_alloc(r->a, sizeof(*j->resp))) == NULL) {
		*e = ERR_NOMEM;
		return -1;
	}
	if ((*e = relay_prepare(j->rl, r, model, 0, est, 0)) != ERR_OK) {
		*e = h_relay_refused(r, *e, model);
		return -1;
	}
	buf_init(j->resp, (size_t)r->cfg->upstream_max_response);
	arena_defer(r->a, buf_free, j->resp);
	j->c.accept = "application/json";
	*e = relay_call(j->rl, &j->c, j->resp, &j->status);
	return h_upstream_ok(r, e, j->status, j->resp, &j->ecode);
}

enum err
h_embeddings(struct req *r)
{
	struct emb_req	 er;
	struct h_verr	 ve;
	struct h_json_call j;
	cJSON		*o;
	enum err	 e;
	int		 rc;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if (h_emb_validate(o, &er, &ve) == -1)
		return h_bad_field(r, ve.param, "%s", ve.msg);
	/* The answer's vectors are re-encoded here when base64 was asked. */
	if (set_string(o, "encoding_format", "float") == -1)
		return ERR_NOMEM;
	memset(&j, 0, sizeof(j));
	j.c.proto = RPROTO_EMBED;
	j.c.path = "/v1/embeddings";
	j.c.json = o;
	if ((rc = h_json_relay(r, er.model, er.est_tokens, &j, &e)) == -1)
		return e;
	if (rc == 1)
		e = emb_answer(r, j.rl, &er, j.resp);
	return h_settle(j.rl, e, j.status, j.ecode);
}
