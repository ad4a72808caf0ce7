/*
 * completions.c: POST /v1/completions, the legacy text completions API
 * (OpenAI CreateCompletionRequest / CreateCompletionResponse).
 *
 * Validates what the gateway must understand (model, prompt, the token
 * and choice counts, stream, stream_options) plus the fields whose
 * misuse OpenAI rejects (best_of with stream, logprobs, stop) and passes
 * the body through to the channel's /v1/completions, model mapped.
 * Billing is on the token basis like chat: the hold covers
 * max_tokens (default 16) x max(n, best_of) x prompts; the settle uses
 * the upstream usage.  Streams are text_completion chunks relayed one by
 * one, each flushed at once; usage is always requested upstream and the
 * usage-only chunk is dropped again when the client did not ask for it
 * (same rule as chat).  Failover, masking, keep-alives, client
 * disconnects and mid-stream failures behave as in chat.c.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "handlers/completions.h"
#include "handlers/handlers.h"
#include "log.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"
#include "sse.h"
#include "tokens.h"

struct cmp_ctx {
	struct req		*r;
	struct relay		*rl;
	const struct cmp_req	*q;
	int			 status;
	int			 started;
	int			 done;
	int			 up_error;
	int64_t			 last_write_ms;
	struct buf		 body;
	struct sse_parser	 sp;
	struct buf		 ev;
};

static int
is_int(const cJSON *v, double lo, double hi)
{
	return cJSON_IsNumber(v) && v->valuedouble >= lo &&
	    v->valuedouble <= hi &&
	    v->valuedouble == (double)(int64_t)v->valuedouble;
}

/* A token array: non-empty, integers 0..2^31. */
static int
tokens_ok(const cJSON *a, int64_t *n)
{
	const cJSON	*t;
	int64_t		 k = 0;

	cJSON_ArrayForEach(t, a) {
		if (!is_int(t, 0, 2147483647.0))
			return 0;
		k++;
	}
	*n += k;
	return k > 0;
}

/*
 * prompt: a string, an array of strings, an array of tokens, or an
 * array of token arrays (each non-empty).  Counts prompts and tokens.
 */
static int
check_prompt(struct h_chk *c, const cJSON *o, struct cmp_req *q)
{
	const cJSON	*p = cJSON_GetObjectItemCaseSensitive(o, "prompt"), *e;
	int		 i = 0, strs = 0, ints = 0, arrs = 0;
	char		 pb[32];

	if (p == NULL)
		return h_chk_bad(c, "prompt", "Missing required parameter: "
		    "'prompt'.");
	q->nprompts = 1;
	if (cJSON_IsNull(p))
		return 0;
	if (cJSON_IsString(p)) {
		q->est_prompt = tok_estimate(p->valuestring,
		    strlen(p->valuestring));
		return 0;
	}
	if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) == 0)
		return h_chk_bad(c, "prompt", "Invalid 'prompt': expected a string, "
		    "or a non-empty array of strings, tokens or token "
		    "arrays.");
	cJSON_ArrayForEach(e, p) {
		snprintf(pb, sizeof(pb), "prompt[%d]", i++);
		if (cJSON_IsString(e) && ints == 0 && arrs == 0) {
			strs++;
			q->est_prompt += tok_estimate(e->valuestring,
			    strlen(e->valuestring));
		} else if (is_int(e, 0, 2147483647.0) && strs == 0 &&
		    arrs == 0) {
			ints++;
			q->est_prompt++;
		} else if (cJSON_IsArray(e) && strs == 0 && ints == 0 &&
		    tokens_ok(e, &q->est_prompt))
			arrs++;
		else
			return h_chk_bad(c, pb, "Invalid '%s': every element of "
			    "'prompt' must be of one kind: strings, tokens "
			    "(integers) or non-empty token arrays.", pb);
	}
	q->nprompts = ints > 0 ? 1 : strs + arrs;
	return 0;
}

static int
check_stop(struct h_chk *c, const cJSON *o)
{
	const cJSON	*s = h_given(o, "stop"), *e;
	int		 n = 0;

	if (s == NULL || cJSON_IsString(s))
		return 0;
	if (cJSON_IsArray(s)) {
		cJSON_ArrayForEach(e, s) {
			if (!cJSON_IsString(e))
				break;
			n++;
		}
		if (e == NULL && n >= 1 && n <= 4)
			return 0;
	}
	return h_chk_bad(c, "stop", "Invalid 'stop': expected a string or an array "
	    "of 1 to 4 strings.");
}

static int
check_stream(struct h_chk *c, const cJSON *o, struct cmp_req *q)
{
	const cJSON	*so;

	if (h_opt_bool(c, o, "stream", &q->stream) == -1)
		return -1;
	if ((so = h_given(o, "stream_options")) == NULL)
		return 0;
	if (!cJSON_IsObject(so))
		return h_chk_bad(c, "stream_options", "Invalid type for "
		    "'stream_options': expected an object.");
	if (!q->stream)
		return h_chk_bad(c, "stream_options", "The 'stream_options' "
		    "parameter is only allowed when 'stream' is enabled.");
	if (h_opt_bool(c, so, "include_usage", &q->include_usage) == -1)
		return h_chk_bad(c, "stream_options.include_usage", "Invalid type "
		    "for 'stream_options.include_usage': expected a "
		    "boolean.");
	return 0;
}

int
h_completions_check(const cJSON *o, struct cmp_req *q, char *param,
    size_t psz, char *msg, size_t msz)
{
	struct h_chk	 c = { param, psz, msg, msz };
	const cJSON	*m, *v;

	memset(q, 0, sizeof(*q));
	q->n = 1;
	q->max_tokens = 16;
	param[0] = msg[0] = '\0';
	if (!cJSON_IsObject(o))
		return h_chk_bad(&c, "", "The request body must be a JSON object.");
	m = cJSON_GetObjectItemCaseSensitive(o, "model");
	if (m == NULL || cJSON_IsNull(m))
		return h_chk_bad(&c, "model", "you must provide a model parameter");
	if (!cJSON_IsString(m) || m->valuestring[0] == '\0' ||
	    strlen(m->valuestring) > 128)
		return h_chk_bad(&c, "model", "Invalid 'model': expected a non-empty "
		    "string of at most 128 characters.");
	q->model = m->valuestring;
	if (check_prompt(&c, o, q) == -1 || check_stream(&c, o, q) == -1 ||
	    h_opt_int(&c, o, "max_tokens", 0, 10000000, &q->max_tokens) == -1 ||
	    h_opt_int(&c, o, "n", 1, 128, &q->n) == -1 ||
	    h_opt_int(&c, o, "best_of", 0, 20, &q->best_of) == -1 ||
	    h_opt_int(&c, o, "logprobs", 0, 5, NULL) == -1 ||
	    h_opt_int(&c, o, "seed", -9007199254740991LL, 9007199254740991LL,
	    NULL) == -1 ||
	    h_opt_bool(&c, o, "echo", NULL) == -1 ||
	    h_opt_num(&c, o, "temperature", 0, 2) == -1 ||
	    h_opt_num(&c, o, "top_p", 0, 1) == -1 ||
	    h_opt_num(&c, o, "presence_penalty", -2, 2) == -1 ||
	    h_opt_num(&c, o, "frequency_penalty", -2, 2) == -1 ||
	    check_stop(&c, o) == -1)
		return -1;
	if ((v = h_given(o, "suffix")) != NULL) {
		if (!cJSON_IsString(v))
			return h_chk_bad(&c, "suffix", "Invalid type for 'suffix': "
			    "expected a string.");
		q->est_prompt += tok_estimate(v->valuestring,
		    strlen(v->valuestring));
	}
	if ((v = h_given(o, "logit_bias")) != NULL && !cJSON_IsObject(v))
		return h_chk_bad(&c, "logit_bias", "Invalid type for 'logit_bias': "
		    "expected an object.");
	if (q->best_of > 0 && q->best_of < q->n)
		return h_chk_bad(&c, "best_of", "Invalid 'best_of': it must be "
		    "greater than or equal to 'n'.");
	if (q->best_of > 1 && q->stream)
		return h_chk_bad(&c, "best_of", "Invalid 'best_of': results cannot "
		    "be streamed when 'best_of' is greater than 1.");
	return 0;
}

/* Estimated tokens of choices[].text (a chunk or a whole answer). */
static int64_t
text_tokens(const cJSON *o)
{
	const cJSON	*ch, *t;
	int64_t		 n = 0;

	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(o,
	    "choices")) {
		t = cJSON_GetObjectItemCaseSensitive(ch, "text");
		if (cJSON_IsString(t))
			n += tok_estimate(t->valuestring,
			    strlen(t->valuestring));
	}
	return n;
}

static int
write_event(struct cmp_ctx *x, const char *data, size_t n)
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

static int
on_event(void *arg, const char *event, const char *data, size_t n)
{
	struct cmp_ctx	*x = arg;
	struct relay	*rl = x->rl;
	cJSON		*o;
	char		*s;
	int		 rc;
	int64_t		 t;

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
	t = text_tokens(o);
	/* Same usage and model rules as a chat chunk. */
	if (oa_chat_chunk(o, rl->mapped ? rl->model : NULL,
	    x->q->include_usage, &rl->usage, &rl->usage_upstream) ==
	    OA_DROP) {
		cJSON_Delete(o);
		return 0;
	}
	/*
	 * "usage": null is there because the gateway asked for usage; a
	 * client that did not gets the chunk as OpenAI sends it then,
	 * without the key (CreateCompletionResponse has no null usage).
	 */
	if (!x->q->include_usage && cJSON_IsNull(
	    cJSON_GetObjectItemCaseSensitive(o, "usage")))
		cJSON_DeleteItemFromObjectCaseSensitive(o, "usage");
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
	struct cmp_ctx	*x = arg;

	x->status = status;
	if (!x->q->stream || status != 200 ||
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

static int
on_data(void *arg, const char *p, size_t n)
{
	struct cmp_ctx	*x = arg;

	return sse_feed(&x->sp, p, n, on_event, x) != 0;
}

static int
on_tick(void *arg)
{
	struct cmp_ctx	*x = arg;
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

static enum err
finish_plain(struct cmp_ctx *x, const char **ecode)
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
		rl->delivered_tokens = text_tokens(o);
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

static void
end_stream(struct cmp_ctx *x, enum err e, const char **ecode)
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
	rl->stream_status = e == ERR_TIMEOUT ? "upstream_timeout" :
	    "upstream_broken";
	*ecode = err_http(e == ERR_TIMEOUT ? ERR_TIMEOUT :
	    ERR_UPSTREAM)->code;
	req_send_error(r, e == ERR_TIMEOUT ? ERR_TIMEOUT : ERR_UPSTREAM,
	    e == ERR_TIMEOUT ? "The upstream provider stopped sending "
	    "data." : "The upstream connection broke mid-stream.", NULL);
}

enum err
h_completions_create(struct req *r)
{
	struct cmp_req	 q;
	struct cmp_ctx	*x;
	struct relay	*rl;
	struct relay_call c;
	cJSON		*o;
	const char	*ecode = NULL, *model;
	char		 param[64], msg[512];
	int64_t		 per;
	enum err	 e;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if (h_completions_check(o, &q, param, sizeof(param), msg,
	    sizeof(msg)) == -1)
		return h_bad_field(r, param[0] != '\0' ? param : NULL, "%s",
		    msg);
	if ((model = arena_strdup(r->a, q.model)) == NULL ||
	    (x = arena_alloc(r->a, sizeof(*x))) == NULL ||
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	per = q.best_of > q.n ? q.best_of : q.n;
	if ((e = relay_prepare(rl, r, model, q.stream, q.est_prompt,
	    (q.max_tokens > 0 ? q.max_tokens : 1) * per * q.nprompts)) !=
	    ERR_OK) {
		if (e == ERR_MODEL_NOT_FOUND || e == ERR_MODEL_NOT_ALLOWED) {
			req_send_error(r, e, arena_printf(r->a, "The model "
			    "`%s` does not exist or you do not have access to "
			    "it.", model), "model");
			return ERR_OK;
		}
		return e;
	}

	x->r = r;
	x->rl = rl;
	x->q = &q;
	buf_init(&x->body, (size_t)r->cfg->upstream_max_response);
	buf_init(&x->ev, 16 * 1024 * 1024);
	sse_init(&x->sp, 16 * 1024 * 1024);
	arena_defer(r->a, buf_free, &x->body);
	arena_defer(r->a, buf_free, &x->ev);

	memset(&c, 0, sizeof(c));
	c.path = "/v1/completions";
	c.json = o;
	c.accept = q.stream ? "text/event-stream" : "application/json";
	c.on_status = on_status;
	c.on_data = on_data;
	c.on_tick = on_tick;
	c.arg = x;
	c.started = &x->started;
	/* oa_chat_request only touches model and stream_options. */
	if (oa_chat_request(o, model, q.stream) == -1)
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
