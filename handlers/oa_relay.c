/*
 * oa_relay.c: the OpenAI-style answer relay shared by chat completions
 * and legacy completions (oa_relay.h).
 *
 * Streams: each upstream SSE event is parsed, adjusted (usage, model
 * name) and written and flushed to the client before the next byte is
 * read from the upstream; the full response is never held.  While the
 * upstream is silent, keep-alive comments go out every keepalive_interval
 * and the client's connection is watched so a disconnect aborts the
 * upstream.  A stream that breaks or stalls ends with a final error event
 * (API.md 5).  Failover is relay_call's, before the first byte only.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "handlers/handlers.h"
#include "handlers/oa_relay.h"
#include "log.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"
#include "sse.h"

struct oa_ctx {
	struct req			*r;
	struct relay			*rl;
	const struct oa_relay_opts	*opt;
	struct h_stream			 hs;		/* relay_call's arg */
	int				 done;		/* [DONE] relayed */
	int				 up_error;	/* upstream error event */
	struct buf			 body;		/* non-stream answer */
};

/* One upstream SSE event: adjust and forward.  Non-zero aborts. */
static int
on_event(void *arg, const char *event, const char *data, size_t n)
{
	struct oa_ctx	*x = arg;
	struct relay	*rl = x->rl;
	cJSON		*o;
	char		*s;
	int		 rc;
	int64_t		 t;

	(void)event;
	if (n == 6 && memcmp(data, "[DONE]", 6) == 0) {
		x->done = 1;
		return h_stream_event(&x->hs, NULL, data, n) == -1 ? 1 : 0;
	}
	if ((o = cJSON_ParseWithLength(data, n)) == NULL)
		return h_stream_event(&x->hs, NULL, data, n) == -1 ? 1 : 0;
	if (cJSON_GetObjectItemCaseSensitive(o, "error") != NULL) {
		x->up_error = 1;
		cJSON_Delete(o);
		s = oa_error_masked(data, n);
		rc = s != NULL ? h_stream_event(&x->hs, NULL, s, strlen(s)) : 0;
		cJSON_free(s);
		return rc == -1 ? 1 : 0;
	}
	t = x->opt->chunk_tokens(o);
	if (oa_chat_chunk(o, rl->mapped ? rl->model : NULL,
	    x->opt->include_usage, &rl->usage, &rl->usage_upstream) ==
	    OA_DROP) {
		cJSON_Delete(o);
		return 0;
	}
	/*
	 * "usage": null is there because the gateway asked for usage; where
	 * the schema has no null usage (legacy completions) a client that
	 * did not ask gets the chunk as OpenAI sends it then, without it.
	 */
	if (x->opt->strip_null_usage && !x->opt->include_usage &&
	    cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "usage")))
		cJSON_DeleteItemFromObjectCaseSensitive(o, "usage");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return 1;
	rc = h_stream_event(&x->hs, NULL, s, strlen(s));
	cJSON_free(s);
	if (rc == -1)
		return 1;
	rl->delivered_tokens += t;
	rl->delivered = 1;
	return 0;
}

/* The finished non-stream answer (or an upstream error answer). */
static enum err
finish_plain(struct oa_ctx *x, const char **ecode)
{
	struct relay	*rl = x->rl;
	struct req	*r = x->r;
	cJSON		*o, *m;
	char		*s;

	if (x->hs.status >= 400) {
		s = oa_error_masked(x->body.p, x->body.len);
		*ecode = "upstream_client_error";
		if (s == NULL)
			return ERR_UPSTREAM;
		req_send_error_body(r, x->hs.status, s, strlen(s));
		cJSON_free(s);
		return ERR_OK;
	}
	if (x->hs.status != 200 || (o = cJSON_ParseWithLength(x->body.p,
	    x->body.len)) == NULL || !cJSON_IsObject(o)) {
		*ecode = "bad_upstream_response";
		log_warn(r->rid, "channel %lld: unusable %d answer",
		    (long long)rl->ch->id, x->hs.status);
		return ERR_UPSTREAM;
	}
	if (!oa_usage_read(cJSON_GetObjectItemCaseSensitive(o, "usage"),
	    &rl->usage))
		rl->delivered_tokens = x->opt->answer_tokens(o);
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
end_stream(struct oa_ctx *x, enum err e, const char **ecode)
{
	enum err	 why;

	/* Upstream broke or stalled mid-stream: a final error event. */
	if ((why = h_stream_end(x->rl, e, x->done, x->up_error, 0, ecode)) !=
	    ERR_OK)
		req_send_error(x->r, why, why == ERR_TIMEOUT ? "The upstream "
		    "provider stopped sending data." : "The upstream "
		    "connection broke mid-stream.", NULL);
}

enum err
oa_relay_run(struct req *r, struct relay *rl, cJSON *o,
    const struct oa_relay_opts *opt)
{
	struct oa_ctx	*x;
	struct relay_call c;
	const char	*ecode = NULL;
	enum err	 e;

	/* In the arena: its buffers are freed at reset, after we return. */
	if ((x = arena_alloc(r->a, sizeof(*x))) == NULL)
		e = ERR_NOMEM;
	else {
		x->r = r;
		x->rl = rl;
		x->opt = opt;
		buf_init(&x->body, (size_t)r->cfg->upstream_max_response);
		h_stream_init(&x->hs, r, opt->stream, 16 * 1024 * 1024);
		x->hs.on_event = on_event;
		x->hs.arg = x;
		arena_defer(r->a, buf_free, &x->body);

		memset(&c, 0, sizeof(c));
		c.path = opt->path;
		c.proto = opt->chat ? RPROTO_CHAT : RPROTO_RAW;
		c.json = o;
		c.accept = opt->stream ? "text/event-stream" :
		    "application/json";
		c.on_status = h_stream_status;
		c.on_data = h_stream_data;
		c.on_tick = h_stream_tick;
		c.arg = &x->hs;
		c.started = &x->hs.started;
		if (oa_chat_request(o, rl->model, opt->stream) == -1)
			e = ERR_NOMEM;
		else
			e = relay_call(rl, &c, &x->body, &x->hs.status);
		if (x->hs.started) {
			end_stream(x, e, &ecode);
			relay_settle(rl, 200, ecode);
			return ERR_OK;
		}
		if (e == ERR_OK)
			e = finish_plain(x, &ecode);
	}
	return h_settle(rl, e, x != NULL ? x->hs.status : 0, ecode);
}
