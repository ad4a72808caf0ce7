/*
 * dialect.c: the relay core for requests in the Anthropic and Gemini
 * dialects (dialect.h).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "channels.h"
#include "db.h"
#include "handlers/dialect.h"
#include "handlers/embeddings.h"
#include "handlers/handlers.h"
#include "providers/gemini.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"

int
dl_write(struct dl_ctx *x, const char *name, const cJSON *o)
{
	char	*s;
	int	 rc;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		return -1;
	if (x->array) {
		buf_reset(&x->hs.ev);
		rc = buf_printf(&x->hs.ev, "%s%s", x->nwritten == 0 ? "[" :
		    ",\r\n", s) == -1 ? -1 : h_stream_send(&x->hs);
	} else
		rc = h_stream_event(&x->hs, name, s, strlen(s));
	cJSON_free(s);
	if (rc == -1)
		return -1;
	x->nwritten++;
	if (x->array)
		x->hs.keepalive = "\r\n";	/* whitespace between elements */
	return 0;
}

/*
 * An error after the stream began, in the dialect's in-band form: an
 * event (Anthropic "event: error", Gemini SSE data), or for Gemini's
 * JSON-array stream one more element {"error":{...}}, as Google ends a
 * failed array.
 */
static void
dl_error(struct dl_ctx *x, int status, const char *message)
{
	cJSON	*o;

	if (!x->array) {
		req_send_error_status(x->r, status, message);
		return;
	}
	if ((o = gm_cl_error(status, gm_status_name(status), message)) ==
	    NULL)
		return;
	(void)dl_write(x, NULL, o);
	cJSON_Delete(o);
}

/* The dialect's hooks for h_chat_event. */
static int
cv_chunk(void *arg, const cJSON *chunk)
{
	struct dl_ctx	*x = arg;

	return x->ops->chat_chunk(x, chunk);
}

static int
cv_done(void *arg)
{
	struct dl_ctx	*x = arg;

	return x->ops->chat_done(x);
}

static int
cv_failed(void *arg, const char *message)
{
	dl_error(arg, 502, message);
	return 1;
}

static int
native_event(struct dl_ctx *x, const char *event, const char *data,
    size_t n)
{
	struct relay	*rl = x->rl;
	cJSON		*o;
	int64_t		 t;
	int		 rc;

	if ((o = cJSON_ParseWithLength(data, n)) == NULL ||
	    !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return 0;	/* nothing a client of the dialect reads */
	}
	if ((t = x->ops->native_event(x, o)) < 0) {
		cJSON_Delete(o);
		return 0;
	}
	rc = dl_write(x, event[0] != '\0' ? event : NULL, o);
	cJSON_Delete(o);
	if (rc == -1)
		return 1;
	rl->delivered_tokens += t;
	if (t > 0 || x->cv.is_done)
		rl->delivered = 1;
	return x->cv.up_error;
}

static int
on_event(void *arg, const char *event, const char *data, size_t n)
{
	struct dl_ctx	*x = arg;

	if (x->native)
		return native_event(x, event, data, n);
	return h_chat_event(x->rl, &x->cv, data, n);
}

/* The client's stream began: a converting channel's state. */
static int
on_start(void *arg)
{
	struct dl_ctx	*x = arg;

	if (!x->native && x->ops->chat_begin(x) == -1) {
		x->cv.conv_failed = 1;
		return 1;
	}
	return 0;
}

/*
 * relay_call's before hook: native for the dialect's own channel type,
 * else the chat conversion (and adapt.h for the channel's protocol).
 */
static int
before(void *arg, struct relay *rl, struct relay_call *c)
{
	struct dl_ctx	*x = ((struct h_stream *)arg)->arg;

	x->native = strcmp(rl->ch->type, x->ops->native_type) == 0;
	x->hs.status = 0;
	c->headers = NULL;
	c->nheaders = 0;
	c->raw = NULL;
	if (x->native) {
		c->proto = RPROTO_RAW;
		c->json = NULL;
		return x->ops->native_call(x, c);
	}
	c->proto = RPROTO_CHAT;
	c->path = "/v1/chat/completions";
	c->json = x->chat;
	return 0;
}

/* The answer of a non-stream call, or an upstream error answer. */
static enum err
finish_plain(struct dl_ctx *x, const char **ecode)
{
	struct relay	*rl = x->rl;
	struct req	*r = x->r;
	cJSON		*o, *out = NULL;

	if (x->hs.status >= 400) {
		*ecode = "upstream_client_error";
		return h_pass_upstream_error(r, x->hs.status, x->body.p,
		    x->body.len);
	}
	o = x->hs.status == 200 ? cJSON_ParseWithLength(x->body.p, x->body.len) :
	    NULL;
	if (cJSON_IsObject(o) && x->native) {
		if (x->ops->native_whole(x, o) == 0) {
			out = o;
			o = NULL;
		}
	} else if (cJSON_IsObject(o)) {
		h_chat_usage(rl, o);
		out = x->ops->chat_whole(x, o);
	}
	cJSON_Delete(o);
	return h_send_answer(rl, x->hs.status, out, ecode);
}

/* After a stream began: end it properly whatever happened. */
static void
end_stream(struct dl_ctx *x, enum err e, const char **ecode)
{
	struct req	*r = x->r;
	enum err	 why;

	why = h_stream_end(x->rl, e, x->cv.is_done, x->cv.up_error, x->cv.conv_failed,
	    ecode);
	if (why != ERR_OK)
		dl_error(x, why == ERR_TIMEOUT ? 504 : 502,
		    why == ERR_TIMEOUT ? "The upstream provider stopped "
		    "sending data." : x->cv.conv_failed ? "The upstream answer "
		    "could not be converted." : "The upstream connection "
		    "broke mid-stream.");
	if (x->array && req_write(r, "]", 1) == 0)
		req_flush(r);
}

enum err
dl_run(struct dl_ctx *x)
{
	struct req	*r = x->r;
	struct relay_call c;
	const char	*ecode = NULL;
	enum err	 e;

	x->cv.chunk = cv_chunk;
	x->cv.done = cv_done;
	x->cv.failed = cv_failed;
	x->cv.arg = x;
	buf_init(&x->body, (size_t)r->cfg->upstream_max_response);
	h_stream_init(&x->hs, r, x->stream, 16 * 1024 * 1024);
	x->hs.on_start = on_start;
	x->hs.on_event = on_event;
	x->hs.arg = x;
	/* A JSON array has no room for SSE keep-alives: whitespace does. */
	x->hs.ctype = x->array ? "application/json" : NULL;
	x->hs.keepalive = x->array ? " " : x->ops->keepalive;
	arena_defer(r->a, buf_free, &x->body);

	memset(&c, 0, sizeof(c));
	c.accept = x->stream ? "text/event-stream" : "application/json";
	c.before = before;
	c.on_status = h_stream_status;
	c.on_data = h_stream_data;
	c.on_tick = h_stream_tick;
	c.arg = &x->hs;
	c.started = &x->hs.started;
	e = relay_call(x->rl, &c, &x->body, &x->hs.status);
	if (x->hs.started) {
		end_stream(x, e, &ecode);
		relay_settle(x->rl, 200, ecode);
		return ERR_OK;
	}
	if (e == ERR_OK)
		e = finish_plain(x, &ecode);
	return h_settle(x->rl, e, x->hs.status, ecode);
}

int
dl_count(struct req *r, struct relay *rl, enum err begun,
    int (*pick)(void *, struct relay *, struct relay_call *), void *arg,
    const char *field, enum err *e)
{
	struct relay_call c;
	struct buf	*body;
	cJSON		*ans;
	int		 status = 0;

	if (begun != ERR_OK)
		return 0;
	/* In the arena: its deferred free runs after this frame is gone. */
	if ((body = arena_alloc(r->a, sizeof(*body))) == NULL) {
		*e = ERR_NOMEM;
		return 1;
	}
	buf_init(body, 1024 * 1024);
	arena_defer(r->a, buf_free, body);
	memset(&c, 0, sizeof(c));
	c.accept = "application/json";
	c.before = pick;
	c.arg = arg;
	if (relay_call(rl, &c, body, &status) != ERR_OK)
		return 0;
	if (status == 200 && (ans = cJSON_ParseWithLength(body->p,
	    body->len)) != NULL) {
		if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ans,
		    field))) {
			*e = h_send_cjson(r, 200, ans);
			cJSON_Delete(ans);
			return 1;
		}
		cJSON_Delete(ans);
	}
	if (status >= 400 && status < 500 && status != 401 &&
	    status != 403 && status != 429) {
		*e = h_pass_upstream_error(r, status, body->p, body->len);
		return 1;
	}
	return 0;
}
