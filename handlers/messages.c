/*
 * messages.c: POST /v1/messages and POST /v1/messages/count_tokens, the
 * Anthropic Messages API as Claude Code and the Anthropic SDKs speak it
 * (API.md 4; errors in Anthropic's shape, API.md 2).
 *
 * An anthropic channel gets the request as it came (model mapped) with
 * the client's anthropic-version and anthropic-beta headers, and its
 * events go back untouched but for the model name: thinking signatures,
 * cache usage and any newer block types survive.  Any other channel gets
 * it as OpenAI chat (providers/anthropic.c, an_cl_*), its answer turned
 * back into a Message or the Messages event sequence (dialect.c).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "db.h"
#include "handlers/dialect.h"
#include "handlers/embeddings.h"
#include "handlers/handlers.h"
#include "providers/anthropic.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"

/* "Name: value" for a client header worth passing on, or NULL. */
static const char *
client_header(struct req *r, const char *param, const char *name,
    const char *def)
{
	const char	*v = req_param(r, param);
	size_t		 i;

	if (v == NULL || *v == '\0')
		v = def;
	if (v == NULL || strlen(v) > 512)
		return NULL;
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < 0x20)
			return NULL;
	return arena_printf(r->a, "%s: %s", name, v);
}

static int
an_native_call(struct dl_ctx *x, struct relay_call *c)
{
	struct req	*r = x->r;
	size_t		 n = 0;

	c->path = "/v1/messages";
	c->json = x->req;
	if ((x->hdrs[n] = client_header(r, "HTTP_ANTHROPIC_VERSION",
	    "anthropic-version", AN_VERSION)) != NULL)
		n++;
	if ((x->hdrs[n] = client_header(r, "HTTP_ANTHROPIC_BETA",
	    "anthropic-beta", NULL)) != NULL)
		n++;
	c->headers = x->hdrs;
	c->nheaders = n;
	return 0;
}

static void
set_model(struct dl_ctx *x, cJSON *o)
{
	cJSON	*m;

	if (x->rl->mapped && cJSON_IsObject(o) &&
	    cJSON_GetObjectItemCaseSensitive(o, "model") != NULL &&
	    (m = cJSON_CreateString(x->rl->model)) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(o, "model", m);
}

static void
mask_error(cJSON *o)
{
	cJSON	*m = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "error"), "message");

	if (cJSON_IsString(m))
		oa_mask(m->valuestring);
}

static int64_t
an_native_event(struct dl_ctx *x, cJSON *o)
{
	struct relay	*rl = x->rl;
	const cJSON	*t = cJSON_GetObjectItemCaseSensitive(o, "type");
	cJSON		*msg;
	const char	*type = cJSON_IsString(t) ? t->valuestring : "";

	if (strcmp(type, "message_start") == 0) {
		msg = cJSON_GetObjectItemCaseSensitive(o, "message");
		if (an_usage_read(cJSON_GetObjectItemCaseSensitive(msg,
		    "usage"), &rl->usage))
			rl->usage_upstream = 1;
		set_model(x, msg);
	} else if (strcmp(type, "message_delta") == 0) {
		if (an_usage_read(cJSON_GetObjectItemCaseSensitive(o, "usage"),
		    &rl->usage))
			rl->usage_upstream = 1;
	} else if (strcmp(type, "message_stop") == 0)
		x->cv.is_done = 1;
	else if (strcmp(type, "error") == 0) {
		x->cv.is_done = x->cv.up_error = 1;
		mask_error(o);
	}
	return an_event_output_tokens(o);
}

static int
an_native_whole(struct dl_ctx *x, cJSON *o)
{
	struct relay	*rl = x->rl;
	const cJSON	*t = cJSON_GetObjectItemCaseSensitive(o, "type");
	cJSON		*chat;

	if (!cJSON_IsString(t) || strcmp(t->valuestring, "message") != 0)
		return -1;
	if (an_usage_read(cJSON_GetObjectItemCaseSensitive(o, "usage"),
	    &rl->usage))
		rl->usage_upstream = 1;
	else if ((chat = an_up_response(o, rl->model, 0)) != NULL) {
		rl->delivered_tokens = oa_response_output_tokens(chat);
		cJSON_Delete(chat);
	}
	set_model(x, o);
	return 0;
}

static int
an_emit(void *arg, const char *event, const cJSON *data)
{
	return dl_write(arg, event, data) == -1 ? 1 : 0;
}

static int
an_chat_begin(struct dl_ctx *x)
{
	if ((x->st = arena_alloc(x->r->a, sizeof(struct an_cl_stream))) ==
	    NULL)
		return -1;
	an_cl_stream_init(x->st, x->r->rid, x->rl->model, x->rl->est_prompt);
	return 0;
}

static int
an_chat_chunk(struct dl_ctx *x, const cJSON *chunk)
{
	return an_cl_stream_chunk(x->st, chunk, an_emit, x);
}

static int
an_chat_done(struct dl_ctx *x)
{
	return an_cl_stream_done(x->st, an_emit, x);
}

static cJSON *
an_chat_whole(struct dl_ctx *x, const cJSON *chat)
{
	return an_cl_response(chat, x->rl->model, x->r->rid);
}

static const struct dl_ops an_ops = {
	.native_type = "anthropic",
	.keepalive = "event: ping\ndata: {\"type\": \"ping\"}\n\n",
	.native_call = an_native_call,
	.native_event = an_native_event,
	.native_whole = an_native_whole,
	.chat_begin = an_chat_begin,
	.chat_chunk = an_chat_chunk,
	.chat_done = an_chat_done,
	.chat_whole = an_chat_whole,
};

/* Validates (and converts) o; 0, or -1 after the 400 was sent. */
static int
check(struct req *r, const cJSON *o, int stream, cJSON **chat)
{
	const cJSON	*m = cJSON_GetObjectItemCaseSensitive(o, "model");
	char		 param[128], msg[512];
	enum an_conv	 rc;

	param[0] = msg[0] = '\0';
	rc = an_cl_request(o, cJSON_IsString(m) ? m->valuestring : "", stream,
	    chat, param, sizeof(param), msg, sizeof(msg));
	if (rc == AN_NOMEM) {
		req_send_error(r, ERR_NOMEM, NULL, NULL);
		return -1;
	}
	if (rc == AN_INVALID) {
		/* msg names param already ("max_tokens: Field required"). */
		req_send_error(r, ERR_BAD_REQUEST, msg, NULL);
		return -1;
	}
	arena_defer(r->a, h_cjson_delete, *chat);
	return 0;
}

enum err
h_messages(struct req *r)
{
	struct dl_ctx	*x;
	struct relay	*rl;
	cJSON		*o, *chat = NULL;
	const cJSON	*mt;
	const char	*model;
	int		 stream;
	enum err	 e;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "stream"));
	if (check(r, o, stream, &chat) == -1)
		return ERR_OK;
	mt = cJSON_GetObjectItemCaseSensitive(o, "max_tokens");
	if ((model = arena_strdup(r->a, cJSON_GetObjectItemCaseSensitive(o,
	    "model")->valuestring)) == NULL ||
	    (x = arena_alloc(r->a, sizeof(*x))) == NULL ||
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	memset(x, 0, sizeof(*x));
	if ((e = relay_prepare(rl, r, model, stream,
	    an_request_input_tokens(o), (int64_t)mt->valuedouble)) != ERR_OK)
		return h_relay_refused(r, e, model);
	x->r = r;
	x->rl = rl;
	x->ops = &an_ops;
	x->req = o;
	x->chat = chat;
	x->stream = stream;
	return dl_run(x);
}

/* count_tokens on an anthropic channel: skip the others. */
static int
count_before(void *arg, struct relay *rl, struct relay_call *c)
{
	struct dl_ctx	*x = arg;

	if (strcmp(rl->ch->type, "anthropic") != 0)
		return 1;
	an_native_call(x, c);
	c->path = "/v1/messages/count_tokens";
	return 0;
}

/*
 * POST /v1/messages/count_tokens: free.  Asked of an anthropic channel
 * when the model has one (its count is exact); otherwise, or when it
 * fails, the gateway's own estimate.
 */
enum err
h_messages_count_tokens(struct req *r)
{
	struct dl_ctx	*x;
	struct relay	*rl;
	cJSON		*o, *v, *chat = NULL, *ans;
	const char	*model;
	enum err	 e, begun;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	/* Validated as a Messages request, which needs max_tokens. */
	if ((v = cJSON_Duplicate(o, 1)) == NULL)
		return ERR_NOMEM;
	arena_defer(r->a, h_cjson_delete, v);
	if (cJSON_GetObjectItemCaseSensitive(v, "max_tokens") == NULL)
		cJSON_AddNumberToObject(v, "max_tokens", 1);
	cJSON_DeleteItemFromObjectCaseSensitive(v, "stream");
	if (check(r, v, 0, &chat) == -1)
		return ERR_OK;
	if ((model = arena_strdup(r->a, cJSON_GetObjectItemCaseSensitive(o,
	    "model")->valuestring)) == NULL ||
	    (x = arena_alloc(r->a, sizeof(*x))) == NULL ||
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	if ((begun = relay_begin(rl, r, model, 0)) != ERR_OK &&
	    begun != ERR_NO_CHANNEL)
		return h_relay_refused(r, begun, model);
	memset(x, 0, sizeof(*x));
	x->r = r;
	x->rl = rl;
	x->req = o;
	if (dl_count(r, rl, begun, count_before, x, "input_tokens", &e))
		return e;
	if ((ans = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(ans, "input_tokens",
	    (double)an_request_input_tokens(o)) == NULL) {
		cJSON_Delete(ans);
		return ERR_NOMEM;
	}
	e = h_send_cjson(r, 200, ans);
	cJSON_Delete(ans);
	return e;
}
