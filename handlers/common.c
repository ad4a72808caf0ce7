/*
 * common.c: helpers shared by the endpoint handlers: JSON body parsing
 * with the OpenAI-style error for each failure, field errors, answers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "db.h"
#include "handlers/handlers.h"
#include "log.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"

void
h_cjson_delete(void *o)
{
	cJSON_Delete(o);
}

cJSON *
h_parse_json_object(struct req *r)
{
	cJSON	*o;

	if (r->body_len == 0) {
		req_send_error(r, ERR_BAD_REQUEST, "The request body is empty; "
		    "a JSON object is required.", NULL);
		return NULL;
	}
	if ((o = cJSON_ParseWithLength(r->body, r->body_len)) == NULL) {
		req_send_error(r, ERR_BAD_REQUEST, "We could not parse the "
		    "JSON body of your request.", NULL);
		return NULL;
	}
	arena_defer(r->a, h_cjson_delete, o);
	if (!cJSON_IsObject(o)) {
		req_send_error(r, ERR_BAD_REQUEST, "The request body must be "
		    "a JSON object.", NULL);
		return NULL;
	}
	return o;
}

enum err
h_bad_field(struct req *r, const char *param, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	req_send_error(r, ERR_BAD_REQUEST, msg, param);
	return ERR_OK;
}

enum err
h_send_cjson(struct req *r, int status, cJSON *o)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		return ERR_NOMEM;
	req_send_json(r, status, s, strlen(s));
	cJSON_free(s);
	return ERR_OK;
}

int
h_chk_bad(struct h_chk *c, const char *param, const char *fmt, ...)
{
	va_list	 ap;

	snprintf(c->param, c->psz, "%s", param);
	va_start(ap, fmt);
	vsnprintf(c->msg, c->msz, fmt, ap);
	va_end(ap);
	return -1;
}

int
h_chk_model(struct h_chk *c, const cJSON *o, const char *def,
    const char **model)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, "model");

	if (v == NULL || cJSON_IsNull(v)) {
		if (def == NULL)
			return h_chk_bad(c, "model", "you must provide a model "
			    "parameter");
		*model = def;
		return 0;
	}
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    strlen(v->valuestring) > 128)
		return h_chk_bad(c, "model", "Invalid 'model': expected a "
		    "non-empty string of at most 128 characters.");
	*model = v->valuestring;
	return 0;
}

const cJSON *
h_given(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return v == NULL || cJSON_IsNull(v) ? NULL : v;
}

int
h_opt_int(struct h_chk *c, const cJSON *o, const char *k, int64_t lo,
    int64_t hi, int64_t *out)
{
	const cJSON	*v = h_given(o, k);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)lo ||
	    v->valuedouble > (double)hi ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return h_chk_bad(c, k, "Invalid '%s': expected an integer "
		    "between %lld and %lld.", k, (long long)lo, (long long)hi);
	if (out != NULL)
		*out = (int64_t)v->valuedouble;
	return 0;
}

int
h_opt_num(struct h_chk *c, const cJSON *o, const char *k, double lo,
    double hi)
{
	const cJSON	*v = h_given(o, k);

	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < lo ||
	    v->valuedouble > hi))
		return h_chk_bad(c, k, "Invalid '%s': expected a number "
		    "between %g and %g.", k, lo, hi);
	return 0;
}

int
h_opt_bool(struct h_chk *c, const cJSON *o, const char *k, int *out)
{
	const cJSON	*v = h_given(o, k);

	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v))
		return h_chk_bad(c, k, "Invalid type for '%s': expected a "
		    "boolean.", k);
	if (out != NULL)
		*out = cJSON_IsTrue(v);
	return 0;
}

enum err
h_settle(struct relay *rl, enum err e, int status, const char *ecode)
{
	if (e == ERR_CLIENT_GONE)
		rl->stream_status = "client_gone";
	relay_settle(rl, e != ERR_OK ? err_http(e)->status : status,
	    e != ERR_OK ? err_http(e)->code : ecode);
	return e;
}

static void
stream_free(void *p)
{
	sse_free(&((struct h_stream *)p)->sp);
	buf_free(&((struct h_stream *)p)->ev);
}

void
h_stream_init(struct h_stream *s, struct req *r, int want, size_t max_event)
{
	memset(s, 0, sizeof(*s));
	s->r = r;
	s->want = want;
	sse_init(&s->sp, max_event);
	buf_init(&s->ev, max_event);
	arena_defer(r->a, stream_free, s);
}

int
h_stream_status(void *arg, int status, const char *ctype)
{
	struct h_stream	*s = arg;
	const char	*out = s->ctype != NULL ? s->ctype : "text/event-stream";

	s->status = status;
	if (!s->want || status != 200 ||
	    strncmp(ctype, "text/event-stream", 17) != 0)
		return 0;
	s->r->sse = strcmp(out, "text/event-stream") == 0;
	if (req_start(s->r, 200, out) == -1 || req_flush(s->r) == -1)
		return 1;
	s->started = 1;
	s->last_write_ms = req_elapsed_ms(s->r);
	return s->on_start != NULL ? s->on_start(s->arg) != 0 : 0;
}

int
h_stream_data(void *arg, const char *p, size_t n)
{
	struct h_stream	*s = arg;

	return sse_feed(&s->sp, p, n, s->on_event, s->arg) != 0;
}

int
h_stream_tick(void *arg)
{
	struct h_stream	*s = arg;
	const char	*ka = s->keepalive != NULL ? s->keepalive :
	    ": keep-alive\n\n";

	if (req_peer_closed(s->r))
		return 1;
	if (s->started && req_elapsed_ms(s->r) - s->last_write_ms >=
	    (int64_t)s->r->cfg->keepalive_interval * 1000) {
		if (req_write(s->r, ka, strlen(ka)) == -1 ||
		    req_flush(s->r) == -1)
			return 1;
		s->last_write_ms = req_elapsed_ms(s->r);
	}
	return 0;
}

int
h_stream_send(struct h_stream *s)
{
	if (req_write(s->r, s->ev.p, s->ev.len) == -1 ||
	    req_flush(s->r) == -1)
		return -1;
	s->last_write_ms = req_elapsed_ms(s->r);
	return 0;
}

int
h_stream_event(struct h_stream *s, const char *name, const char *data,
    size_t n)
{
	buf_reset(&s->ev);
	if (sse_write(&s->ev, name, data, n) == -1)
		return -1;
	return h_stream_send(s);
}

enum err
h_stream_end(struct relay *rl, enum err e, int done, int up_error,
    int conv_failed, const char **ecode)
{
	int	 timeout = e == ERR_TIMEOUT;

	if (rl->r->client_gone || (e == ERR_CLIENT_GONE && !conv_failed &&
	    !up_error)) {
		rl->stream_status = "client_gone";
		*ecode = "client_gone";
		return ERR_OK;
	}
	if ((done || up_error) && !conv_failed) {
		rl->stream_status = up_error ? "upstream_error" : "ok";
		*ecode = up_error ? "upstream_error" : NULL;
		return ERR_OK;
	}
	rl->stream_status = timeout ? "upstream_timeout" : "upstream_broken";
	*ecode = err_http(timeout ? ERR_TIMEOUT : ERR_UPSTREAM)->code;
	return timeout ? ERR_TIMEOUT : ERR_UPSTREAM;
}

enum err
h_send_answer(struct relay *rl, int status, cJSON *o, const char **ecode)
{
	enum err	 e;

	if (o == NULL) {
		*ecode = "bad_upstream_response";
		log_warn(rl->r->rid, "channel %lld: unusable %d answer",
		    (long long)rl->ch->id, status);
		return ERR_UPSTREAM;
	}
	rl->delivered = 1;
	e = h_send_cjson(rl->r, 200, o);
	cJSON_Delete(o);
	return e;
}

int
h_chat_event(struct relay *rl, struct h_chat_conv *cv, const char *data,
    size_t n)
{
	cJSON		*o, *m;
	int64_t		 t;
	int		 rc;

	if (n == 6 && memcmp(data, "[DONE]", 6) == 0) {
		cv->is_done = 1;
		rl->delivered = 1;
		rc = cv->done(cv->arg);
		cv->conv_failed = rc == -1;
		return rc != 0;
	}
	if ((o = cJSON_ParseWithLength(data, n)) == NULL)
		return 0;	/* not JSON: nothing another dialect carries */
	if (cJSON_GetObjectItemCaseSensitive(o, "error") != NULL) {
		cv->up_error = cv->is_done = 1;
		m = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(o, "error"), "message");
		if (cJSON_IsString(m))
			oa_mask(m->valuestring);
		rc = cv->failed(cv->arg, cJSON_IsString(m) ? m->valuestring :
		    "The upstream provider failed.");
		cJSON_Delete(o);
		return rc != 0;
	}
	if (oa_usage_read(cJSON_GetObjectItemCaseSensitive(o, "usage"),
	    &rl->usage))
		rl->usage_upstream = 1;
	t = oa_chunk_output_tokens(o);
	rc = cv->chunk(cv->arg, o);
	cJSON_Delete(o);
	if (rc != 0) {
		cv->conv_failed = rc == -1;
		return 1;
	}
	rl->delivered_tokens += t;
	if (t > 0)
		rl->delivered = 1;
	return 0;
}

enum err
h_relay_refused(struct req *r, enum err e, const char *model)
{
	if (e != ERR_MODEL_NOT_FOUND && e != ERR_MODEL_NOT_ALLOWED)
		return e;
	req_send_error(r, e, arena_printf(r->a, "The model `%s` does not "
	    "exist or you do not have access to it.", model), "model");
	return ERR_OK;
}

void
h_chat_usage(struct relay *rl, const cJSON *completion)
{
	if (oa_usage_read(cJSON_GetObjectItemCaseSensitive(completion,
	    "usage"), &rl->usage))
		rl->usage_upstream = 1;
	else
		rl->delivered_tokens = oa_response_output_tokens(completion);
}
