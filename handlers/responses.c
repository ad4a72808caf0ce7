/*
 * responses.c: POST /v1/responses (OpenAI CreateResponse), relayed to
 * the channel's own /v1/responses, or converted to and from Chat
 * Completions for channels without it.
 *
 * Each channel says which with its `other` JSON: {"responses_api":
 * false} converts, {"responses_api": true} relays; without the key,
 * openai and azure channels relay and every other type converts.  A
 * request that only the Responses API can express (previous_response_id,
 * built-in tools, ...: rc_convertible) is tried on relaying channels
 * only, and gets a 400 naming the field when the model has none: no
 * response state is stored by the gateway (docs/decisions.md).
 *
 * Failover is relay_call's (choice, breaker, auto-disable, the
 * channels_tried list): one relay_call whose before hook gives each
 * channel it tries the path, body and stream handling of its kind, and
 * skips channels without the Responses API for requests that need it.
 *
 * Streams are relayed event by event, each flushed at once.  Relayed:
 * the upstream's named events pass unchanged but for the model name
 * (mapped channels) and masked error messages.  Converted: each chat
 * chunk becomes its Responses events (responses_stream.c).  Usage comes
 * from response.completed / .incomplete / .failed (or the converted
 * chat usage chunk); without it the delivered deltas are counted.  A
 * broken upstream ends the stream with a final `event: error`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "handlers/handlers.h"
#include "handlers/responses.h"
#include "providers/openai.h"
#include "providers/responses_chat.h"
#include "relay.h"
#include "request.h"
#include "sse.h"

enum rs_mode { RS_NATIVE, RS_CHAT };

struct rs_ctx {
	struct req		*r;
	struct relay		*rl;
	const struct rs_req	*q;
	cJSON			*req;		/* the client's body */
	cJSON			*chat;		/* its chat form, once needed */
	enum rs_mode		 mode;		/* of the current attempt */
	struct h_stream		 hs;		/* relay_call's arg */
	struct h_chat_conv	 cv;		/* the outcome (both modes) */
	int64_t			 seq;		/* next sequence_number */
	struct buf		 body;
	struct rc_stream	 cs;
	int			 cs_ready;
};

/* 1 when channel c relays to its own /v1/responses. */
static int
native(const struct channel *c)
{
	cJSON	*o, *v;
	int	 n = -1;

	if (c->other != NULL && c->other[0] != '\0' &&
	    (o = cJSON_Parse(c->other)) != NULL) {
		v = cJSON_GetObjectItemCaseSensitive(o, "responses_api");
		if (cJSON_IsBool(v))
			n = cJSON_IsTrue(v);
		cJSON_Delete(o);
	}
	if (n == -1)
		n = strcmp(c->type, "openai") == 0 ||
		    strcmp(c->type, "azure") == 0;
	return n;
}

static int
write_json(struct rs_ctx *x, const char *event, const cJSON *o)
{
	char	*s;
	int	 rc;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		return -1;
	rc = h_stream_event(&x->hs, event, s, strlen(s));
	cJSON_free(s);
	return rc;
}

/* rc_emit_fn of the converter: one converted event to the client. */
static int
emit(void *arg, const char *event, const cJSON *data)
{
	return write_json(arg, event, data) == -1 ? 1 : 0;
}

static const char *const terminals[] = { "response.completed",
    "response.incomplete", "response.failed" };

/* Masks a string member in place (upstream text may hold keys, URLs). */
static void
mask_member(cJSON *o, const char *k)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsString(v))
		oa_mask(v->valuestring);
}

/* One event of a relayed (native) stream: account, adjust, forward. */
static int
native_event(struct rs_ctx *x, const char *event, const char *data,
    size_t n)
{
	struct relay	*rl = x->rl;
	cJSON		*o, *resp, *v, *m;
	const char	*type;
	size_t		 k;
	int64_t		 t;
	int		 rc, terminal = 0;

	if ((o = cJSON_ParseWithLength(data, n)) == NULL ||
	    !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return h_stream_event(&x->hs, event, data, n) == -1 ? 1 : 0;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "type");
	type = event[0] != '\0' ? event : cJSON_IsString(v) ?
	    v->valuestring : "";
	v = cJSON_GetObjectItemCaseSensitive(o, "sequence_number");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15)
		x->seq = (int64_t)v->valuedouble + 1;
	resp = cJSON_GetObjectItemCaseSensitive(o, "response");
	for (k = 0; k < sizeof(terminals) / sizeof(terminals[0]); k++)
		if (strcmp(type, terminals[k]) == 0)
			terminal = 1;
	if (terminal) {
		x->cv.is_done = 1;
		if (rc_usage_read(cJSON_GetObjectItemCaseSensitive(resp,
		    "usage"), &rl->usage))
			rl->usage_upstream = 1;
		if (strcmp(type, "response.failed") == 0) {
			x->cv.up_error = 1;
			mask_member(cJSON_GetObjectItemCaseSensitive(resp,
			    "error"), "message");
		}
	} else if (strcmp(type, "error") == 0) {
		x->cv.is_done = x->cv.up_error = 1;
		mask_member(o, "message");
	}
	if (rl->mapped && cJSON_IsObject(resp) &&
	    cJSON_GetObjectItemCaseSensitive(resp, "model") != NULL &&
	    (m = cJSON_CreateString(rl->model)) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(resp, "model", m);
	t = rc_event_output_tokens(o);
	rc = write_json(x, type, o);
	cJSON_Delete(o);
	if (rc == -1)
		return 1;
	rl->delivered_tokens += t;
	if (t > 0 || terminal)
		rl->delivered = 1;
	return 0;
}

/* The converter's hooks for h_chat_event (a converted stream). */
static int
cv_chunk(void *arg, const cJSON *chunk)
{
	struct rs_ctx	*x = arg;

	return rc_stream_chunk(&x->cs, chunk, emit, x);
}

static int
cv_done(void *arg)
{
	struct rs_ctx	*x = arg;

	return rc_stream_done(&x->cs, emit, x);
}

static int
cv_failed(void *arg, const char *message)
{
	struct rs_ctx	*x = arg;

	return rc_stream_failed(&x->cs, "server_error", message, emit, x);
}

static int
on_event(void *arg, const char *event, const char *data, size_t n)
{
	struct rs_ctx	*x = arg;

	if (x->mode == RS_CHAT)
		return h_chat_event(x->rl, &x->cv, data, n);
	return native_event(x, event, data, n);
}

/* The client's stream began: a converted one opens its Response. */
static int
on_start(void *arg)
{
	struct rs_ctx	*x = arg;

	if (x->mode != RS_CHAT)
		return 0;
	if (rc_stream_init(&x->cs, x->req, x->r->rid, x->rl->model,
	    (int64_t)time(NULL), (size_t)x->r->cfg->upstream_max_response) ==
	    -1)
		return 1;
	x->cs_ready = 1;
	return rc_stream_begin(&x->cs, emit, x) != 0;
}

/* The answer of a non-stream call (or an upstream error answer). */
static enum err
finish_plain(struct rs_ctx *x, const char **ecode)
{
	struct relay	*rl = x->rl;
	struct req	*r = x->r;
	cJSON		*o, *resp = NULL, *m;

	if (x->hs.status >= 400) {
		char	*s = oa_error_masked(x->body.p, x->body.len);

		*ecode = "upstream_client_error";
		if (s == NULL)
			return ERR_UPSTREAM;
		req_send_error_body(r, x->hs.status, s, strlen(s));
		cJSON_free(s);
		return ERR_OK;
	}
	o = x->hs.status == 200 ? cJSON_ParseWithLength(x->body.p, x->body.len) :
	    NULL;
	if (cJSON_IsObject(o) && x->mode == RS_CHAT) {
		h_chat_usage(rl, o);
		resp = rc_chat_to_response(o, x->req, r->rid, rl->model);
	} else if (cJSON_IsObject(o)) {
		if (rc_usage_read(cJSON_GetObjectItemCaseSensitive(o, "usage"),
		    &rl->usage))
			rl->usage_upstream = 1;
		else
			rl->delivered_tokens = rc_response_output_tokens(o);
		if (rl->mapped && cJSON_GetObjectItemCaseSensitive(o, "model")
		    != NULL && (m = cJSON_CreateString(rl->model)) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(o, "model", m);
		resp = o;
		o = NULL;
	}
	cJSON_Delete(o);
	return h_send_answer(rl, x->hs.status, resp, ecode);
}

/* After a stream began: close it properly whatever happened. */
static void
end_stream(struct rs_ctx *x, enum err e, const char **ecode)
{
	cJSON		*ev;
	enum err	 why;

	/*
	 * Upstream broke or stalled mid-stream, or its answer outgrew what
	 * the conversion may hold: a final error event.
	 */
	if ((why = h_stream_end(x->rl, e, x->cv.is_done, x->cv.up_error,
	    x->cv.conv_failed, ecode)) == ERR_OK)
		return;
	ev = rc_error_event(x->cs_ready ? x->cs.seq : x->seq, *ecode,
	    why == ERR_TIMEOUT ? "The upstream provider stopped sending data." :
	    x->cv.conv_failed ? "The upstream answer is larger than the gateway "
	    "converts." : "The upstream connection broke mid-stream.");
	if (ev != NULL)
		write_json(x, "error", ev);
	cJSON_Delete(ev);
}

/*
 * relay_call's before hook: the path, body and stream handling of the
 * chosen channel's kind (its own /v1/responses, or converted to Chat
 * Completions); 1 skips a converting channel for a request only the
 * Responses API can express, -1 is out of memory.
 */
static int
rs_before(void *arg, struct relay *rl, struct relay_call *c)
{
	struct rs_ctx	*x = ((struct h_stream *)arg)->arg;
	int		 nat = native(rl->ch);

	if (x->q->native_only && !nat)
		return 1;
	x->mode = nat ? RS_NATIVE : RS_CHAT;
	x->hs.status = 0;
	if (x->mode == RS_CHAT && x->chat == NULL) {
		if ((x->chat = rc_request_to_chat(x->req, x->q->stream)) ==
		    NULL)
			return -1;
		arena_defer(x->r->a, h_cjson_delete, x->chat);
	}
	c->path = x->mode == RS_CHAT ? "/v1/chat/completions" :
	    "/v1/responses";
	c->proto = x->mode == RS_CHAT ? RPROTO_CHAT : RPROTO_RAW;
	c->json = x->mode == RS_CHAT ? x->chat : x->req;
	return 0;
}

/* Policy, channels and hold; 0, or -1 with the answer sent / *e set. */
static int
prepare(struct req *r, struct relay *rl, const struct rs_req *q,
    const char *model, enum err *e)
{
	struct usage	 est;
	size_t		 i, n = 0;

	if ((*e = relay_begin(rl, r, model, q->stream)) != ERR_OK) {
		*e = h_relay_refused(r, *e, model);
		return -1;
	}
	for (i = 0; i < rl->nchans; i++)
		if (!q->native_only || native(&rl->chans[i]))
			n++;
	if (n == 0) {
		req_send_error(r, ERR_BAD_REQUEST, arena_printf(r->a, "%s "
		    "The channels serving `%s` only speak Chat Completions.",
		    q->why, model), q->why_param);
		return -1;
	}
	rl->est_prompt = q->est_prompt;
	memset(&est, 0, sizeof(est));
	est.prompt = q->est_prompt;
	est.completion = q->max_output > 0 ? q->max_output :
	    r->cfg->default_max_tokens;
	*e = relay_hold(rl, bill_tokens(&rl->price, rl->base_price,
	    r->key.group_ratio_u, &est));
	return *e == ERR_OK ? 0 : -1;
}

enum err
h_responses_create(struct req *r)
{
	struct rs_req	 q;
	struct rs_ctx	*x;
	struct relay	*rl;
	struct relay_call c;
	cJSON		*o;
	const char	*ecode = NULL, *model;
	char		 param[96], msg[512];
	enum err	 e;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if (h_responses_check(o, &q, param, sizeof(param), msg,
	    sizeof(msg)) == -1)
		return h_bad_field(r, param[0] != '\0' ? param : NULL, "%s",
		    msg);
	/* Copied: the tree's "model" is replaced for each upstream. */
	if ((model = arena_strdup(r->a, q.model)) == NULL ||
	    (x = arena_alloc(r->a, sizeof(*x))) == NULL ||
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	if (prepare(r, rl, &q, model, &e) == -1)
		return e;

	x->r = r;
	x->rl = rl;
	x->q = &q;
	x->req = o;
	x->cv.chunk = cv_chunk;
	x->cv.done = cv_done;
	x->cv.failed = cv_failed;
	x->cv.arg = x;
	buf_init(&x->body, (size_t)r->cfg->upstream_max_response);
	h_stream_init(&x->hs, r, q.stream,
	    (size_t)r->cfg->upstream_max_response);
	x->hs.on_start = on_start;
	x->hs.on_event = on_event;
	x->hs.arg = x;
	arena_defer(r->a, buf_free, &x->body);

	memset(&c, 0, sizeof(c));
	c.accept = q.stream ? "text/event-stream" : "application/json";
	c.before = rs_before;
	c.on_status = h_stream_status;
	c.on_data = h_stream_data;
	c.on_tick = h_stream_tick;
	c.arg = &x->hs;
	c.started = &x->hs.started;
	e = relay_call(rl, &c, &x->body, &x->hs.status);
	if (x->hs.started) {
		end_stream(x, e, &ecode);
		if (x->cs_ready)
			rc_stream_free(&x->cs);
		relay_settle(rl, 200, ecode);
		return ERR_OK;
	}
	if (x->cs_ready)
		rc_stream_free(&x->cs);
	if (e == ERR_OK)
		e = finish_plain(x, &ecode);
	return h_settle(rl, e, x->hs.status, ecode);
}
