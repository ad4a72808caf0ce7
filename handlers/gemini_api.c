/*
 * gemini_api.c: the Gemini dialect (API.md 4): GET /v1beta/models,
 * GET /v1beta/models/{model}, POST /v1beta/models/{model}:generateContent,
 * :streamGenerateContent (?alt=sse for SSE, else a streamed JSON array,
 * as Google answers) and :countTokens.  Errors in Google's shape.
 *
 * A gemini channel gets the request as it came, at its own path for the
 * mapped model; any other channel gets it as OpenAI chat
 * (providers/gemini.c, gm_cl_*), its answer converted back (dialect.c).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "db.h"
#include "handlers/dialect.h"
#include "handlers/embeddings.h"
#include "handlers/handlers.h"
#include "providers/gemini.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"

#define GM_PREFIX	"/v1beta/models/"

static void
stream_free(void *p)
{
	gm_cl_stream_free(p);
}

/*
 * c's body: o as JSON text, as it is (relay_call's c->json would add a
 * "model"; Gemini's is in the path).  0, or -1 out of memory.
 */
static int
raw_json(struct req *r, struct relay_call *c, const cJSON *o)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		return -1;
	c->raw = arena_strdup(r->a, s);
	cJSON_free(s);
	if (c->raw == NULL)
		return -1;
	c->raw_len = strlen(c->raw);
	c->ctype = "application/json";
	return 0;
}

static int
gm_native_call(struct dl_ctx *x, struct relay_call *c)
{
	char	 p[1024];

	if (gm_up_path(p, sizeof(p), x->rl->up_model, x->stream, 0) == -1 ||
	    (c->path = arena_strdup(x->r->a, p)) == NULL)
		return 1;	/* a name no URL takes: skip the channel */
	return raw_json(x->r, c, x->req);
}

/* modelVersion = the client's name when the channel maps it. */
static void
set_version(struct dl_ctx *x, cJSON *o)
{
	cJSON	*m;

	if (x->rl->mapped && cJSON_GetObjectItemCaseSensitive(o,
	    "modelVersion") != NULL && (m = cJSON_CreateString(x->rl->model)) !=
	    NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(o, "modelVersion", m);
}

static int
finished(const cJSON *o)
{
	const cJSON	*c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(o,
	    "candidates"))
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(c,
		    "finishReason")))
			return 1;
	/* A blocked prompt ends the answer without candidates. */
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    o, "promptFeedback"), "blockReason") != NULL;
}

static int64_t
gm_native_event(struct dl_ctx *x, cJSON *o)
{
	struct relay	*rl = x->rl;
	cJSON		*m;

	if (cJSON_GetObjectItemCaseSensitive(o, "error") != NULL) {
		x->cv.is_done = x->cv.up_error = 1;
		m = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(o, "error"), "message");
		if (cJSON_IsString(m))
			oa_mask(m->valuestring);
		return 0;
	}
	if (gm_usage_read(cJSON_GetObjectItemCaseSensitive(o, "usageMetadata"),
	    &rl->usage))
		rl->usage_upstream = 1;
	set_version(x, o);
	if (finished(o))
		x->cv.is_done = 1;
	return gm_response_output_tokens(o);
}

static int
gm_native_whole(struct dl_ctx *x, cJSON *o)
{
	struct relay	*rl = x->rl;

	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "candidates")) &&
	    cJSON_GetObjectItemCaseSensitive(o, "promptFeedback") == NULL)
		return -1;
	if (gm_usage_read(cJSON_GetObjectItemCaseSensitive(o, "usageMetadata"),
	    &rl->usage))
		rl->usage_upstream = 1;
	else
		rl->delivered_tokens = gm_response_output_tokens(o);
	set_version(x, o);
	return 0;
}

static int
gm_emit(void *arg, const cJSON *resp)
{
	return dl_write(arg, NULL, resp) == -1 ? 1 : 0;
}

static int
gm_chat_begin(struct dl_ctx *x)
{
	if ((x->st = arena_alloc(x->r->a, sizeof(struct gm_cl_stream))) ==
	    NULL)
		return -1;
	gm_cl_stream_init(x->st, x->r->rid, x->rl->model);
	arena_defer(x->r->a, stream_free, x->st);
	return 0;
}

static int
gm_chat_chunk(struct dl_ctx *x, const cJSON *chunk)
{
	return gm_cl_stream_chunk(x->st, chunk, gm_emit, x);
}

static int
gm_chat_done(struct dl_ctx *x)
{
	return gm_cl_stream_done(x->st, gm_emit, x);
}

static cJSON *
gm_chat_whole(struct dl_ctx *x, const cJSON *chat)
{
	return gm_cl_response(chat, x->rl->model, x->r->rid);
}

static const struct dl_ops gm_ops = {
	.native_type = "gemini",
	.keepalive = ": keep-alive\n\n",
	.native_call = gm_native_call,
	.native_event = gm_native_event,
	.native_whole = gm_native_whole,
	.chat_begin = gm_chat_begin,
	.chat_chunk = gm_chat_chunk,
	.chat_done = gm_chat_done,
	.chat_whole = gm_chat_whole,
};

/* One Model resource as Gemini lists them. */
static cJSON *
model_obj(struct req *r, const char *id)
{
	static const char *const methods[] = { "generateContent",
	    "streamGenerateContent", "countTokens" };
	cJSON	*o, *arr;
	size_t	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(o, "name", arena_printf(r->a,
	    "models/%s", id)) == NULL ||
	    cJSON_AddStringToObject(o, "displayName", id) == NULL ||
	    (arr = cJSON_AddArrayToObject(o, "supportedGenerationMethods")) ==
	    NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(methods[i]));
	return o;
}

enum err
h_gemini_models_list(struct req *r)
{
	char		**ids;
	size_t		 n, i;
	cJSON		*o, *arr, *m;
	enum err	 e;

	if ((e = h_models_usable(r, &ids, &n)) != ERR_OK)
		return e;
	if ((o = cJSON_CreateObject()) == NULL ||
	    (arr = cJSON_AddArrayToObject(o, "models")) == NULL) {
		cJSON_Delete(o);
		return ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		if ((m = model_obj(r, ids[i])) == NULL) {
			cJSON_Delete(o);
			return ERR_NOMEM;
		}
		cJSON_AddItemToArray(arr, m);
	}
	e = h_send_cjson(r, 200, o);
	cJSON_Delete(o);
	return e;
}

/* The {model} of /v1beta/models/{model}[:method] into the arena. */
static char *
path_model(struct req *r, const char **method)
{
	const char	*p = r->path + strlen(GM_PREFIX);
	const char	*colon = strrchr(p, ':');
	char		*m;

	*method = colon != NULL ? colon + 1 : "";
	m = arena_strndup(r->a, p, colon != NULL ? (size_t)(colon - p) :
	    strlen(p));
	/* Clients may name it "models/x" twice over; not "" though. */
	if (m == NULL || *m == '\0')
		return NULL;
	return m;
}

enum err
h_gemini_model(struct req *r)
{
	char		**ids;
	const char	*method;
	char		*model;
	size_t		 n, i;
	cJSON		*o;
	enum err	 e;

	if ((model = path_model(r, &method)) == NULL || *method != '\0') {
		req_send_error(r, ERR_NOT_FOUND, NULL, NULL);
		return ERR_OK;
	}
	if ((e = h_models_usable(r, &ids, &n)) != ERR_OK)
		return e;
	for (i = 0; i < n; i++)
		if (strcmp(ids[i], model) == 0)
			break;
	if (i == n) {
		req_send_error(r, ERR_MODEL_NOT_FOUND, arena_printf(r->a,
		    "models/%s is not found for API version v1beta, or is not "
		    "supported for this key.", model), NULL);
		return ERR_OK;
	}
	if ((o = model_obj(r, model)) == NULL)
		return ERR_NOMEM;
	e = h_send_cjson(r, 200, o);
	cJSON_Delete(o);
	return e;
}

/* Validates (and converts) o; 0, or -1 after the 400 was sent. */
static int
check(struct req *r, const cJSON *o, const char *model, int stream,
    cJSON **chat)
{
	char		 param[128], msg[512];
	enum gm_conv	 rc;

	param[0] = msg[0] = '\0';
	rc = gm_cl_request(o, model, stream, chat, param, sizeof(param), msg,
	    sizeof(msg));
	if (rc == GM_NOMEM) {
		req_send_error(r, ERR_NOMEM, NULL, NULL);
		return -1;
	}
	if (rc == GM_INVALID) {
		/* msg names param already. */
		req_send_error(r, ERR_BAD_REQUEST, msg, NULL);
		return -1;
	}
	arena_defer(r->a, h_cjson_delete, *chat);
	return 0;
}

/* countTokens: asked of gemini channels only (their count is exact). */
struct count_ctx {
	struct req	*r;
	cJSON		*body;		/* the client's request */
};

static int
count_before(void *arg, struct relay *rl, struct relay_call *c)
{
	struct count_ctx *k = arg;
	cJSON		*gcr, *m;
	char		 p[1024], *s;

	if (strcmp(rl->ch->type, "gemini") != 0)
		return 1;
	if (gm_up_method_path(p, sizeof(p), rl->up_model, ":countTokens") ==
	    -1 || (c->path = arena_strdup(k->r->a, p)) == NULL)
		return 1;
	/* A wrapped request names its model: the channel's, as mapped. */
	gcr = cJSON_GetObjectItemCaseSensitive(k->body,
	    "generateContentRequest");
	if (cJSON_IsObject(gcr) && cJSON_GetObjectItemCaseSensitive(gcr,
	    "model") != NULL) {
		if ((s = arena_printf(k->r->a, "models/%s", strncmp(
		    rl->up_model, "models/", 7) == 0 ? rl->up_model + 7 :
		    rl->up_model)) == NULL || (m = cJSON_CreateString(s)) ==
		    NULL)
			return -1;
		cJSON_ReplaceItemInObjectCaseSensitive(gcr, "model", m);
	}
	return raw_json(k->r, c, k->body);
}

/*
 * countTokens: free and not logged.  Asked of a gemini channel when the
 * model has one (Google's count, as it came); otherwise, or when that
 * fails, the gateway's estimate.  An upstream 4xx other than 401, 403
 * and 429 is the client's error (the request itself was refused).
 */
static enum err
count_tokens(struct req *r, cJSON *o, const char *model)
{
	struct count_ctx *k;
	struct relay	*rl;
	cJSON		*ans, *req, *chat = NULL;
	enum err	 e, begun;

	/* countTokens may wrap the request in generateContentRequest. */
	req = cJSON_GetObjectItemCaseSensitive(o, "generateContentRequest");
	if (!cJSON_IsObject(req))
		req = o;
	if (check(r, req, model, 0, &chat) == -1)
		return ERR_OK;
	if ((rl = arena_alloc(r->a, sizeof(*rl))) == NULL ||
	    (k = arena_alloc(r->a, sizeof(*k))) == NULL)
		return ERR_NOMEM;
	if ((begun = relay_begin(rl, r, model, 0)) != ERR_OK &&
	    begun != ERR_NO_CHANNEL)
		return h_relay_refused(r, begun, model);
	k->r = r;
	k->body = o;
	if (dl_count(r, rl, begun, count_before, k, "totalTokens", &e))
		return e;
	if ((ans = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(ans, "totalTokens",
	    (double)gm_request_input_tokens(req)) == NULL) {
		cJSON_Delete(ans);
		return ERR_NOMEM;
	}
	e = h_send_cjson(r, 200, ans);
	cJSON_Delete(ans);
	return e;
}

enum err
h_gemini_post(struct req *r)
{
	struct dl_ctx	*x;
	struct relay	*rl;
	cJSON		*o, *chat = NULL, *v;
	const char	*method;
	char		*model;
	int64_t		 max_out;
	int		 stream;
	enum err	 e;

	if ((model = path_model(r, &method)) == NULL) {
		req_send_error(r, ERR_NOT_FOUND, NULL, NULL);
		return ERR_OK;
	}
	if (strcmp(method, "generateContent") != 0 &&
	    strcmp(method, "streamGenerateContent") != 0 &&
	    strcmp(method, "countTokens") != 0) {
		req_send_error(r, ERR_NOT_FOUND, arena_printf(r->a, "Method "
		    "'%s' is not supported by this gateway.", method), NULL);
		return ERR_OK;
	}
	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if (strcmp(method, "countTokens") == 0)
		return count_tokens(r, o, model);
	stream = strcmp(method, "streamGenerateContent") == 0;
	if (check(r, o, model, stream, &chat) == -1)
		return ERR_OK;
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    o, "generationConfig"), "maxOutputTokens");
	max_out = cJSON_IsNumber(v) && v->valuedouble >= 1 ?
	    (int64_t)v->valuedouble : r->cfg->default_max_tokens;
	if ((x = arena_alloc(r->a, sizeof(*x))) == NULL ||
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	memset(x, 0, sizeof(*x));
	if ((e = relay_prepare(rl, r, model, stream,
	    gm_request_input_tokens(o), max_out)) != ERR_OK)
		return h_relay_refused(r, e, model);
	x->r = r;
	x->rl = rl;
	x->ops = &gm_ops;
	x->req = o;
	x->chat = chat;
	x->stream = stream;
	/* Without alt=sse Google streams one JSON array. */
	x->array = stream && strstr(r->query, "alt=sse") == NULL;
	return dl_run(x);
}
