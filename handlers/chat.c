/*
 * chat.c: POST /v1/chat/completions (OpenAI CreateChatCompletionRequest).
 *
 * Validates the fields the gateway must understand (model, messages,
 * stream, stream_options, n, max_tokens / max_completion_tokens) and
 * passes every other field through untouched.  The call itself, the
 * stream relayed event by event and the settlement are oa_relay.c's,
 * shared with legacy completions.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "handlers/handlers.h"
#include "handlers/oa_relay.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"
#include "tokens.h"

struct chat_req {
	const char	*model;
	int		 stream;
	int		 include_usage;
	int64_t		 n;
	int64_t		 max_tokens;	/* 0: not given */
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
	/* Range first: the cast of an out-of-range double is undefined. */
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)lo ||
	    v->valuedouble > (double)hi ||
	    v->valuedouble != (double)(int64_t)v->valuedouble) {
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

enum err
h_chat_completions(struct req *r)
{
	struct chat_req	 cr;
	struct relay	*rl;
	struct oa_relay_opts opt;
	cJSON		*o;
	int64_t		 prompt = 0, completion;
	enum err	 e;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if (validate(r, o, &cr, &prompt) == -1)
		return ERR_OK;
	if ((rl = arena_alloc(r->a, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	completion = (cr.max_tokens > 0 ? cr.max_tokens :
	    r->cfg->default_max_tokens) * cr.n;
	if ((e = relay_prepare(rl, r, cr.model, cr.stream, prompt,
	    completion)) != ERR_OK)
		return h_relay_refused(r, e, cr.model);
	memset(&opt, 0, sizeof(opt));
	opt.path = "/v1/chat/completions";
	opt.chat = 1;
	opt.stream = cr.stream;
	opt.include_usage = cr.include_usage;
	opt.chunk_tokens = oa_chunk_output_tokens;
	opt.answer_tokens = oa_response_output_tokens;
	return oa_relay_run(r, rl, o, &opt);
}
