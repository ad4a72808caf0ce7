/*
 * adapt.c: the per-call glue between relay.c and the protocol
 * converters in app/providers/ (adapt.h).
 *
 * Streams are converted event by event as bytes arrive: an upstream SSE
 * event becomes zero or more OpenAI chunks, written as "data:" events to
 * the collector right away, so the conversion adds no buffering.  Whole
 * answers (and every non-200 answer) are collected raw and converted
 * once the call is over.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "adapt.h"
#include "arena.h"
#include "cfg.h"
#include "db.h"
#include "log.h"
#include "providers/cohere.h"
#include "relay.h"
#include "request.h"

#define ADAPT_EVENT_MAX	(16 * 1024 * 1024)

enum adapt_kind
adapt_needed(const struct relay *rl, const struct relay_call *c)
{
	const char	*t = rl->ch->type;

	if (c->proto == RPROTO_CHAT) {
		if (strcmp(t, "anthropic") == 0)
			return AD_ANT_CHAT;
		if (strcmp(t, "gemini") == 0)
			return AD_GM_CHAT;
	} else if (c->proto == RPROTO_EMBED) {
		if (strcmp(t, "gemini") == 0)
			return AD_GM_EMBED;
		if (strcmp(t, "cohere") == 0)
			return AD_CO_EMBED;
	}
	return AD_NONE;
}

/* resp = the OpenAI 400 body for a request this provider cannot take. */
static enum err
refuse(struct buf *resp, const char *param, const char *msg)
{
	cJSON	*o, *e;
	char	*s;
	int	 rc;

	if ((o = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	if ((e = cJSON_AddObjectToObject(o, "error")) == NULL ||
	    cJSON_AddStringToObject(e, "message", msg) == NULL ||
	    cJSON_AddStringToObject(e, "type", "invalid_request_error") ==
	    NULL || (param[0] != '\0' ? cJSON_AddStringToObject(e, "param",
	    param) : cJSON_AddNullToObject(e, "param")) == NULL ||
	    cJSON_AddStringToObject(e, "code", "invalid_request") == NULL ||
	    (s = cJSON_PrintUnformatted(o)) == NULL) {
		cJSON_Delete(o);
		return ERR_NOMEM;
	}
	cJSON_Delete(o);
	buf_reset(resp);
	rc = buf_puts(resp, s);
	cJSON_free(s);
	return rc == -1 ? ERR_NOMEM : ERR_BAD_REQUEST;
}

enum err
adapt_prepare(struct adapt *a, enum adapt_kind kind, struct relay *rl,
    struct relay_call *c, struct buf *resp, const char **path, char **body,
    const char **hdr, size_t *nh)
{
	struct arena	*ar = rl->r->a;
	cJSON		*out = NULL, *v;
	char		 param[128], msg[512], p[1024];
	int		 rc = 0;

	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->rl = rl;
	a->c = c;
	a->est_tokens = rl->est_prompt;
	buf_init(&a->raw, (size_t)rl->r->cfg->upstream_max_response);
	buf_init(&a->out, ADAPT_EVENT_MAX);
	sse_init(&a->sp, ADAPT_EVENT_MAX);
	snprintf(a->idbase, sizeof(a->idbase), "%s", rl->r->rid);
	v = cJSON_GetObjectItemCaseSensitive(c->json, "stream");
	a->stream = cJSON_IsTrue(v);
	param[0] = msg[0] = '\0';
	*nh = 0;
	switch (kind) {
	case AD_ANT_CHAT:
		rc = an_up_request(c->json, rl->up_model, a->stream, &out,
		    param, sizeof(param), msg, sizeof(msg));
		*path = "/v1/messages";
		hdr[(*nh)++] = "anthropic-version: " AN_VERSION;
		an_up_stream_init(&a->an, rl->model, (int64_t)time(NULL));
		break;
	case AD_GM_CHAT:
		rc = gm_up_request(c->json, &out, param, sizeof(param), msg,
		    sizeof(msg));
		if (gm_up_path(p, sizeof(p), rl->up_model, a->stream, 0) == -1)
			return refuse(resp, "model", "The model name is too "
			    "long for this provider.");
		*path = arena_strdup(ar, p);
		gm_up_stream_init(&a->gm, rl->model, a->idbase,
		    (int64_t)time(NULL));
		break;
	case AD_GM_EMBED:
		rc = gm_up_embed_request(c->json, rl->up_model, &out, param,
		    sizeof(param), msg, sizeof(msg));
		if (gm_up_path(p, sizeof(p), rl->up_model, 0, 1) == -1)
			return refuse(resp, "model", "The model name is too "
			    "long for this provider.");
		*path = arena_strdup(ar, p);
		break;
	case AD_CO_EMBED:
		rc = co_embed_request(c->json, rl->up_model, &out, param,
		    sizeof(param), msg, sizeof(msg));
		*path = "/v2/embed";
		break;
	default:
		return ERR_NOMEM;
	}
	if (rc == -1)
		return ERR_NOMEM;
	if (rc == 1)
		return refuse(resp, param, msg[0] != '\0' ? msg : "The request "
		    "cannot be expressed for this provider.");
	*body = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	if (*body == NULL || *path == NULL)
		return ERR_NOMEM;
	hdr[(*nh)++] = "Content-Type: application/json";
	return ERR_OK;
}

int
adapt_on_status(void *arg, int status, const char *ctype)
{
	struct adapt	*a = arg;

	a->status = status;
	a->sse = a->stream && status == 200 &&
	    strncmp(ctype, "text/event-stream", 17) == 0;
	if (a->fwd_status == NULL)
		return 0;
	/* A whole answer is always JSON once converted. */
	return a->fwd_status(a->fwd_arg, status, a->sse ? ctype :
	    "application/json");
}

/* One converted chunk or error object out as an OpenAI "data:" event. */
static int
emit_chunk(void *arg, const cJSON *chunk)
{
	struct adapt	*a = arg;
	char		*s;
	int		 rc;

	if ((s = cJSON_PrintUnformatted(chunk)) == NULL) {
		a->failed = 1;
		return -1;
	}
	buf_reset(&a->out);
	rc = buf_printf(&a->out, "data: %s\n\n", s);
	cJSON_free(s);
	if (rc == -1) {
		a->failed = 1;
		return -1;
	}
	return a->fwd_data(a->fwd_arg, a->out.p, a->out.len) != 0 ? 1 : 0;
}

static int
emit_done(struct adapt *a)
{
	static const char done[] = "data: [DONE]\n\n";

	if (a->done_sent)
		return 0;
	a->done_sent = 1;
	return a->fwd_data(a->fwd_arg, done, sizeof(done) - 1) != 0 ? 1 : 0;
}

static int
on_event(void *arg, const char *event, const char *data, size_t n)
{
	struct adapt	*a = arg;
	int		 rc;

	if (a->kind == AD_ANT_CHAT) {
		rc = an_up_stream_event(&a->an, event, data, n, emit_chunk, a);
		if (rc == 0 && a->an.done)
			rc = emit_done(a);
	} else
		rc = gm_up_stream_data(&a->gm, data, n, emit_chunk, a);
	if (rc == -1) {
		a->bad_event = 1;
		log_warn(a->rl->r->rid, "channel %lld: stream event not "
		    "convertible; stream ended", (long long)a->rl->ch->id);
		return 1;
	}
	return rc;
}

int
adapt_on_data(void *arg, const char *p, size_t n)
{
	struct adapt	*a = arg;

	if (!a->sse) {
		if (buf_append(&a->raw, p, n) == -1) {
			a->too_large = 1;
			return 1;
		}
		return 0;
	}
	return sse_feed(&a->sp, p, n, on_event, a) != 0;
}

int
adapt_on_tick(void *arg)
{
	struct adapt	*a = arg;

	return a->fwd_tick(a->fwd_arg);
}

/* The converted whole answer (200) or error body into resp. */
static enum err
convert_whole(struct adapt *a, struct buf *resp)
{
	struct relay	*rl = a->rl;
	cJSON		*in, *out = NULL;
	char		*s;
	int		 rc;

	in = cJSON_ParseWithLength(a->raw.p != NULL ? a->raw.p : "",
	    a->raw.len);
	if (a->status == 200) {
		if (in == NULL)
			return ERR_UPSTREAM;
		switch (a->kind) {
		case AD_ANT_CHAT:
			out = an_up_response(in, rl->model,
			    (int64_t)time(NULL));
			break;
		case AD_GM_CHAT:
			out = gm_up_response(in, rl->model, a->idbase,
			    (int64_t)time(NULL));
			break;
		case AD_GM_EMBED:
			/*
			 * Gemini reports no usage: drop the estimate the
			 * converter put in, so the handler counts (and logs
			 * the count as its own).
			 */
			out = gm_up_embed_response(in, rl->model,
			    a->est_tokens, 0);
			cJSON_DeleteItemFromObjectCaseSensitive(out, "usage");
			break;
		case AD_CO_EMBED:
			out = co_embed_response(in, rl->model, a->est_tokens);
			break;
		default:
			break;
		}
		cJSON_Delete(in);
		if (out == NULL) {
			log_warn(rl->r->rid, "channel %lld: %s answer not "
			    "convertible", (long long)rl->ch->id, rl->ch->type);
			return ERR_UPSTREAM;
		}
	} else {
		cJSON_Delete(in);
		if (a->kind == AD_ANT_CHAT)
			out = an_up_error(a->raw.p, a->raw.len);
		else if (a->kind == AD_CO_EMBED)
			out = co_error_openai(a->raw.p, a->raw.len);
		else
			out = gm_up_error(a->raw.p, a->raw.len);
		if (out == NULL) {
			/* Not the provider's error shape: keep it as is. */
			buf_reset(resp);
			return buf_append(resp, a->raw.p, a->raw.len) == -1 ?
			    ERR_NOMEM : ERR_OK;
		}
	}
	s = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	if (s == NULL)
		return ERR_NOMEM;
	buf_reset(resp);
	rc = buf_puts(resp, s);
	cJSON_free(s);
	return rc == -1 ? ERR_NOMEM : ERR_OK;
}

enum err
adapt_finish(struct adapt *a, enum err e, struct buf *resp)
{
	enum err	 ce;

	if (a->failed)
		return ERR_NOMEM;
	if (a->sse) {
		/* Gemini ends by closing: a clean close with a finish. */
		if (e == ERR_OK && a->kind == AD_GM_CHAT && !a->gm.failed &&
		    gm_up_stream_end(&a->gm, emit_chunk, a) == 0 &&
		    a->gm.done)
			(void)emit_done(a);
		return e;
	}
	if (e != ERR_OK)
		return e;
	ce = convert_whole(a, resp);
	return ce;
}

void
adapt_free(struct adapt *a)
{
	buf_free(&a->raw);
	buf_free(&a->out);
	sse_free(&a->sp);
}
