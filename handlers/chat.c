/*
 * chat.c: POST /v1/chat/completions (OpenAI CreateChatCompletionRequest).
 *
 * Validates the fields the gateway must understand (model, messages,
 * stream, stream_options, n, max_tokens / max_completion_tokens) and
 * passes every other field through untouched.  Streams are relayed event
 * by event: each upstream SSE event is parsed, adjusted (usage, model
 * name) and written and flushed to the client before the next byte is
 * read from the upstream; the full response is never held in memory.
 *
 * Failover is relay_call's: while nothing has reached the client, a
 * connect failure, timeout, 401/403/408/429 or 5xx moves on to the next
 * channel.  A client-side upstream error (other 4xx) is passed through,
 * masked.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "handlers/handlers.h"
#include "log.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"
#include "sse.h"
#include "tokens.h"

struct chat_req {
	const char	*model;
	int		 stream;
	int		 include_usage;
	int64_t		 n;
	int64_t		 max_tokens;	/* 0: not given */
};

struct chat_ctx {
	struct req		*r;
	struct relay		*rl;
	const struct chat_req	*cr;
	int			 status;
	int			 started;	/* SSE headers sent */
	int			 done;		/* [DONE] relayed */
	int			 up_error;	/* upstream error event relayed */
	int64_t			 last_write_ms;
	struct buf		 body;		/* non-stream / error body */
	struct sse_parser	 sp;
	struct buf		 ev;		/* one outgoing event */
};

static const char *const roles[] = {
	"system", "developer", "user", "assistant", "tool", "function"
};

static int
role_ok(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(s, roles[i]) == 0)
			return 1;
	return 0;
}

/* Optional integer field in [lo, hi]; 0 ok, -1 after sending the 400. */
static int
opt_int(struct req *r, cJSON *o, const char *k, int64_t lo, int64_t hi,
    int64_t *out)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int64_t)
	    v->valuedouble || v->valuedouble < (double)lo ||
	    v->valuedouble > (double)hi) {
		h_bad_field(r, k, "Invalid '%s': expected an integer between "
		    "%lld and %lld.", k, (long long)lo, (long long)hi);
		return -1;
	}
	*out = (int64_t)v->valuedouble;
	return 0;
}

static int
opt_num(struct req *r, cJSON *o, const char *k, double lo, double hi)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi) {
		h_bad_field(r, k, "Invalid '%s': expected a number between "
		    "%g and %g.", k, lo, hi);
		return -1;
	}
	return 0;
}

static int
opt_bool(struct req *r, cJSON *o, const char *k, int *out)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v)) {
		h_bad_field(r, k, "Invalid '%s': expected a boolean.", k);
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

/* Tokens of one message's content (string or array of parts). */
static int64_t
content_tokens(enum tok_enc enc, const cJSON *c)
{
	const cJSON	*p, *t, *ty;
	int64_t		 n = 0;

	if (cJSON_IsString(c))
		return tok_count(enc, c->valuestring, strlen(c->valuestring));
	cJSON_ArrayForEach(p, c) {
		ty = cJSON_GetObjectItemCaseSensitive(p, "type");
		t = cJSON_GetObjectItemCaseSensitive(p, "text");
		if (cJSON_IsString(t))
			n += tok_count(enc, t->valuestring,
			    strlen(t->valuestring));
		else if (cJSON_IsString(ty) &&
		    strcmp(ty->valuestring, "image_url") == 0)
			n += 765;	/* a high-detail 1024x1024 tile set */
	}
	return n;
}

/*
 * Validates the request into cr and estimates its prompt tokens.
 * Returns 0, or -1 after sending the 400.
 */
static int
validate(struct req *r, cJSON *o, struct chat_req *cr, int64_t *prompt)
{
	cJSON		*v, *m, *role, *so, *tools;
	enum tok_enc	 enc;
	int		 i = 0;
	char		*s;

	memset(cr, 0, sizeof(*cr));
	cr->n = 1;
	v = cJSON_GetObjectItemCaseSensitive(o, "model");
	if (v == NULL)
		return h_bad_field(r, "model", "you must provide a model "
		    "parameter"), -1;
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    strlen(v->valuestring) > 128)
		return h_bad_field(r, "model", "Invalid 'model': expected a "
		    "non-empty string of at most 128 characters."), -1;
	/* Copied: the tree's "model" is replaced for the upstream. */
	if ((cr->model = arena_strdup(r->a, v->valuestring)) == NULL)
		return req_send_error(r, ERR_NOMEM, NULL, NULL), -1;
	enc = tok_encoding_for_model(cr->model);
	v = cJSON_GetObjectItemCaseSensitive(o, "messages");
	if (v == NULL)
		return h_bad_field(r, "messages", "Missing required parameter:"
		    " 'messages'."), -1;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return h_bad_field(r, "messages", "Invalid 'messages': "
		    "expected a non-empty array."), -1;
	*prompt = 3;
	cJSON_ArrayForEach(m, v) {
		role = cJSON_GetObjectItemCaseSensitive(m, "role");
		if (!cJSON_IsObject(m))
			return h_bad_field(r, "messages", "Invalid "
			    "'messages[%d]': expected an object.", i), -1;
		if (!cJSON_IsString(role) || !role_ok(role->valuestring))
			return h_bad_field(r, "messages", "Invalid "
			    "'messages[%d].role': expected one of system, "
			    "developer, user, assistant, tool, function.", i),
			    -1;
		*prompt += 3 + content_tokens(enc,
		    cJSON_GetObjectItemCaseSensitive(m, "content"));
		i++;
	}
	if ((tools = cJSON_GetObjectItemCaseSensitive(o, "tools")) != NULL) {
		if (!cJSON_IsArray(tools))
			return h_bad_field(r, "tools", "Invalid 'tools': "
			    "expected an array."), -1;
		if ((s = cJSON_PrintUnformatted(tools)) != NULL) {
			*prompt += tok_count(enc, s, strlen(s));
			cJSON_free(s);
		}
	}
	if (opt_bool(r, o, "stream", &cr->stream) == -1)
		return -1;
	so = cJSON_GetObjectItemCaseSensitive(o, "stream_options");
	if (so != NULL && !cJSON_IsNull(so)) {
		if (!cJSON_IsObject(so))
			return h_bad_field(r, "stream_options", "Invalid "
			    "'stream_options': expected an object."), -1;
		if (!cr->stream)
			return h_bad_field(r, "stream_options", "The "
			    "'stream_options' parameter is only allowed when "
			    "'stream' is enabled."), -1;
		if (opt_bool(r, so, "include_usage", &cr->include_usage) == -1)
			return -1;
	}
	if (opt_int(r, o, "n", 1, 128, &cr->n) == -1 ||
	    opt_int(r, o, "max_tokens", 1, 10000000, &cr->max_tokens) == -1 ||
	    opt_int(r, o, "max_completion_tokens", 1, 10000000,
	    &cr->max_tokens) == -1 ||
	    opt_num(r, o, "temperature", 0, 2) == -1 ||
	    opt_num(r, o, "top_p", 0, 1) == -1 ||
	    opt_num(r, o, "presence_penalty", -2, 2) == -1 ||
	    opt_num(r, o, "frequency_penalty", -2, 2) == -1)
		return -1;
	return 0;
}

static int
write_event(struct chat_ctx *x, const char *data, size_t n)
{
	buf_reset(&x->ev);
	if (sse_write(&x->ev, NULL, data, n) == -1)
		return -1;
	if (req_write(x->r, x->ev.p, x->ev.len) == -1 ||
	    req_flush(x->r) == -1)
		return -1;
	x->last_write_ms = req_elapsed_ms(x->r);
	return 0;
}

/* One upstream SSE event: adjust and forward.  Non-zero aborts. */
static int
on_event(void *arg, const char *event, const char *data, size_t n)
{
	struct chat_ctx	*x = arg;
	struct relay	*rl = x->rl;
	cJSON		*o;
	char		*s;
	int		 rc;
	int64_t		 t;

	(void)event;
	if (n == 6 && memcmp(data, "[DONE]", 6) == 0) {
		x->done = 1;
		return write_event(x, data, n) == -1 ? 1 : 0;
	}
	if ((o = cJSON_ParseWithLength(data, n)) == NULL)
		return write_event(x, data, n) == -1 ? 1 : 0;
	if (cJSON_GetObjectItemCaseSensitive(o, "error") != NULL) {
		x->up_error = 1;
		cJSON_Delete(o);
		s = oa_error_masked(data, n);
		rc = s != NULL ? write_event(x, s, strlen(s)) : 0;
		cJSON_free(s);
		return rc == -1 ? 1 : 0;
	}
	t = oa_chunk_output_tokens(o);
	if (oa_chat_chunk(o, rl->mapped ? rl->model : NULL,
	    x->cr->include_usage, &rl->usage, &rl->usage_upstream) ==
	    OA_DROP) {
		cJSON_Delete(o);
		return 0;
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return 1;
	rc = write_event(x, s, strlen(s));
	cJSON_free(s);
	if (rc == -1)
		return 1;
	rl->delivered_tokens += t;
	rl->delivered = 1;
	return 0;
}

static int
on_status(void *arg, int status, const char *ctype)
{
	struct chat_ctx	*x = arg;

	x->status = status;
	if (!x->cr->stream || status != 200 ||
	    strncmp(ctype, "text/event-stream", 17) != 0)
		return 0;
	x->r->sse = 1;
	if (req_start(x->r, 200, "text/event-stream") == -1 ||
	    req_flush(x->r) == -1)
		return 1;
	x->started = 1;
	x->last_write_ms = req_elapsed_ms(x->r);
	return 0;
}

/* Stream bytes once the SSE answer began (relay_call collects before). */
static int
on_data(void *arg, const char *p, size_t n)
{
	struct chat_ctx	*x = arg;

	return sse_feed(&x->sp, p, n, on_event, x) != 0;
}

static int
on_tick(void *arg)
{
	struct chat_ctx	*x = arg;
	static const char ka[] = ": keep-alive\n\n";

	if (req_peer_closed(x->r))
		return 1;
	if (x->started && req_elapsed_ms(x->r) - x->last_write_ms >=
	    (int64_t)x->r->cfg->keepalive_interval * 1000) {
		if (req_write(x->r, ka, sizeof(ka) - 1) == -1 ||
		    req_flush(x->r) == -1)
			return 1;
		x->last_write_ms = req_elapsed_ms(x->r);
	}
	return 0;
}

/* The finished non-stream answer (or an upstream error answer). */
static enum err
finish_plain(struct chat_ctx *x, const char **ecode)
{
	struct relay	*rl = x->rl;
	struct req	*r = x->r;
	cJSON		*o, *m;
	char		*s;

	if (x->status >= 400) {
		s = oa_error_masked(x->body.p, x->body.len);
		*ecode = "upstream_client_error";
		if (s == NULL)
			return ERR_UPSTREAM;
		req_send_error_body(r, x->status, s, strlen(s));
		cJSON_free(s);
		return ERR_OK;
	}
	if (x->status != 200 || (o = cJSON_ParseWithLength(x->body.p,
	    x->body.len)) == NULL || !cJSON_IsObject(o)) {
		*ecode = "bad_upstream_response";
		log_warn(r->rid, "channel %lld: unusable %d answer",
		    (long long)rl->ch->id, x->status);
		return ERR_UPSTREAM;
	}
	if (!oa_usage_read(cJSON_GetObjectItemCaseSensitive(o, "usage"),
	    &rl->usage))
		rl->delivered_tokens = oa_response_output_tokens(o);
	else
		rl->usage_upstream = 1;
	rl->delivered = 1;
	if (rl->mapped && (m = cJSON_CreateString(rl->model)) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(o, "model", m);
	if (rl->mapped && (s = cJSON_PrintUnformatted(o)) != NULL) {
		req_send_json(r, 200, s, strlen(s));
		cJSON_free(s);
	} else
		req_send_json(r, 200, x->body.p, x->body.len);
	cJSON_Delete(o);
	return ERR_OK;
}

/* After a stream began: close it properly whatever happened. */
static void
end_stream(struct chat_ctx *x, enum err e, const char **ecode)
{
	struct relay	*rl = x->rl;
	struct req	*r = x->r;

	if (r->client_gone || e == ERR_CLIENT_GONE) {
		rl->stream_status = "client_gone";
		*ecode = "client_gone";
		return;
	}
	if (x->done) {
		rl->stream_status = "ok";
		return;
	}
	if (x->up_error) {
		rl->stream_status = "upstream_error";
		*ecode = "upstream_error";
		return;
	}
	/* Upstream broke or stalled mid-stream: a final error event. */
	rl->stream_status = e == ERR_TIMEOUT ? "upstream_timeout" :
	    "upstream_broken";
	*ecode = err_http(e == ERR_TIMEOUT ? ERR_TIMEOUT :
	    ERR_UPSTREAM)->code;
	req_send_error(r, e == ERR_TIMEOUT ? ERR_TIMEOUT : ERR_UPSTREAM,
	    e == ERR_TIMEOUT ? "The upstream provider stopped sending "
	    "data." : "The upstream connection broke mid-stream.", NULL);
}

enum err
h_chat_completions(struct req *r)
{
	struct chat_req	 cr;
	struct chat_ctx	*x;
	struct relay	*rl;
	struct relay_call c;
	cJSON		*o;
	const char	*ecode = NULL;
	int64_t		 prompt = 0, completion;
	enum err	 e;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if (validate(r, o, &cr, &prompt) == -1)
		return ERR_OK;
	/*
	 * Both live in the arena: their buffers are freed by arena_defer at
	 * reset, after this function returned.
	 */
	if ((x = arena_alloc(r->a, sizeof(*x))) == NULL ||
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL)
		return ERR_NOMEM;

	completion = (cr.max_tokens > 0 ? cr.max_tokens :
	    r->cfg->default_max_tokens) * cr.n;
	if ((e = relay_prepare(rl, r, cr.model, cr.stream, prompt,
	    completion)) != ERR_OK) {
		if (e == ERR_MODEL_NOT_FOUND || e == ERR_MODEL_NOT_ALLOWED) {
			req_send_error(r, e, arena_printf(r->a, "The model "
			    "`%s` does not exist or you do not have access to "
			    "it.", cr.model), "model");
			return ERR_OK;
		}
		return e;
	}

	x->r = r;
	x->rl = rl;
	x->cr = &cr;
	buf_init(&x->body, (size_t)r->cfg->upstream_max_response);
	buf_init(&x->ev, 16 * 1024 * 1024);
	sse_init(&x->sp, 16 * 1024 * 1024);
	arena_defer(r->a, buf_free, &x->body);
	arena_defer(r->a, buf_free, &x->ev);

	memset(&c, 0, sizeof(c));
	c.path = "/v1/chat/completions";
	c.json = o;
	c.accept = cr.stream ? "text/event-stream" : "application/json";
	c.on_status = on_status;
	c.on_data = on_data;
	c.on_tick = on_tick;
	c.arg = x;
	c.started = &x->started;
	if (oa_chat_request(o, cr.model, cr.stream) == -1)
		e = ERR_NOMEM;
	else
		e = relay_call(rl, &c, &x->body, &x->status);
	sse_free(&x->sp);
	if (x->started) {
		end_stream(x, e, &ecode);
		relay_settle(rl, 200, ecode);
		return ERR_OK;
	}
	if (e == ERR_OK)
		e = finish_plain(x, &ecode);
	if (e == ERR_CLIENT_GONE)
		rl->stream_status = "client_gone";
	relay_settle(rl, e != ERR_OK ? err_http(e)->status : x->status,
	    e != ERR_OK ? err_http(e)->code : ecode);
	return e;
}
