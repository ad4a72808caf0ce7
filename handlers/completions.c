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
 * (same rule as chat).  The call, failover, masking, keep-alives, client
 * disconnects and mid-stream failures are oa_relay.c's, shared with chat.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "handlers/completions.h"
#include "handlers/handlers.h"
#include "handlers/oa_relay.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"
#include "tokens.h"

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
	const cJSON	*v;

	memset(q, 0, sizeof(*q));
	q->n = 1;
	q->max_tokens = 16;
	param[0] = msg[0] = '\0';
	if (!cJSON_IsObject(o))
		return h_chk_bad(&c, "", "The request body must be a JSON object.");
	if (h_chk_model(&c, o, NULL, &q->model) == -1)
		return -1;
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

enum err
h_completions_create(struct req *r)
{
	struct cmp_req	 q;
	struct relay	*rl;
	struct oa_relay_opts opt;
	cJSON		*o;
	const char	*model;
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
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	per = q.best_of > q.n ? q.best_of : q.n;
	if ((e = relay_prepare(rl, r, model, q.stream, q.est_prompt,
	    (q.max_tokens > 0 ? q.max_tokens : 1) * per * q.nprompts)) !=
	    ERR_OK)
		return h_relay_refused(r, e, model);

	memset(&opt, 0, sizeof(opt));
	opt.path = "/v1/completions";
	opt.stream = q.stream;
	opt.include_usage = q.include_usage;
	opt.strip_null_usage = 1;
	opt.chunk_tokens = text_tokens;
	opt.answer_tokens = text_tokens;
	return oa_relay_run(r, rl, o, &opt);
}
