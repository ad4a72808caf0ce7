/*
 * anthropic.c: the upstream direction's request (anthropic.h).  A client
 * spoke OpenAI Chat Completions and the channel is Anthropic: the chat
 * request becomes a Messages request (POST /v1/messages).  The Message,
 * its SSE event stream and its errors come back in chat shapes in
 * anthropic_reply.c; the client direction is anthropic_client.c and
 * anthropic_client_reply.c.
 *
 * References: Anthropic Messages API (request fields, content blocks
 * text / image / tool_use / tool_result / thinking, tool_choice,
 * streaming events and deltas, usage, stop reasons, error types);
 * openai-openapi.yaml CreateChatCompletionRequest,
 * ChatCompletionRequestMessage, CreateChatCompletionResponse,
 * CreateChatCompletionStreamResponse, ChatCompletionMessageToolCallChunk.
 *
 * What converts (chat -> Messages):
 *   system, developer messages -> "system" text blocks (wherever they are)
 *   user content               -> text blocks; image_url parts -> image
 *                                 blocks (data: URL -> base64 source,
 *                                 http(s) URL -> url source)
 *   assistant content          -> text blocks (refusal parts as text)
 *   assistant tool_calls       -> tool_use blocks (arguments parsed:
 *                                 they must be a JSON object, "" is {})
 *   tool messages              -> tool_result blocks of a user turn
 *   same-role neighbours       -> one turn (Messages alternates roles)
 *   empty text                 -> dropped (Anthropic refuses empty text
 *                                 blocks; a turn left empty disappears)
 *   tools, tool_choice, parallel_tool_calls false ->
 *                                 tools, tool_choice (+disable_parallel_
 *                                 tool_use); both only when tools exist
 *   stop                       -> stop_sequences ("" dropped)
 *   max_completion_tokens | max_tokens | AN_DEFAULT_MAX_TOKENS -> max_tokens
 *   temperature                -> temperature, capped at 1 (Anthropic's
 *                                 range is 0..1, OpenAI's 0..2)
 *   top_p                      -> top_p, unless temperature is given too
 *                                 (recent Claude models refuse both)
 *   user (else safety_identifier) -> metadata.user_id
 *   reasoning_effort           -> thinking (see an_up_request); with it
 *                                 temperature and top_p are dropped, and
 *                                 it is dropped when tool_choice forces a
 *                                 tool (Anthropic refuses both together)
 * Refused (AN_INVALID): n != 1, logprobs, top_logprobs > 0, audio, audio
 * modalities, prediction, web_search_options, functions, function_call,
 * role "function", response_format other than text, non-function tools,
 * allowed_tools / custom tool_choice, content parts other than the above.
 * Dropped silently (nothing to send them to): frequency_penalty,
 * presence_penalty, seed, logit_bias, store, metadata, service_tier,
 * stream_options, verbosity, prompt_cache_key, message names,
 * reasoning_content of assistant messages (Anthropic needs the signed
 * thinking block, which chat does not keep).
 *
 * Invariant: every function returns a complete object or reports
 * failure; trees under construction are deleted on any error, and an
 * allocation failure anywhere is never mistaken for success.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "providers/anthropic.h"
#include "providers/anthropic_int.h"

/* ---- request: chat -> Messages ---- */

/* State of one request conversion. */
struct cv {
	int		 bad;		/* an allocation failed */
	int		 invalid;	/* refused; param and msg are set */
	char		*param;
	size_t		 psz;
	char		*msg;
	size_t		 msz;
	cJSON		*msgs;		/* Messages "messages" */
	cJSON		*sys;		/* Messages "system" blocks */
	cJSON		*last;		/* last message of msgs */
	const char	*last_role;
};

static int __attribute__((format(printf, 3, 4)))
refuse(struct cv *c, const char *param, const char *fmt, ...)
{
	va_list	 ap;

	if (c->invalid)
		return -1;
	c->invalid = 1;
	if (c->psz > 0)
		snprintf(c->param, c->psz, "%s", param);
	if (c->msz > 0) {
		va_start(ap, fmt);
		vsnprintf(c->msg, c->msz, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Appends block (consumed) to a turn of role, merging neighbours. */
static void
add_block(struct cv *c, const char *role, cJSON *block)
{
	cJSON	*m;

	if (c->last == NULL || !streq(c->last_role, role)) {
		m = put_obj(&c->bad, c->msgs, NULL);
		put_str(&c->bad, m, "role", role);
		put_arr(&c->bad, m, "content");
		c->last = m;
		c->last_role = role;
	}
	put(&c->bad, (cJSON *)get(c->last, "content"), NULL, block);
}

/* Adds a text block unless text is empty. */
static void
add_text(struct cv *c, const char *role, const char *text)
{
	if (text[0] == '\0')
		return;
	if (role == NULL)
		put(&c->bad, c->sys, NULL, text_obj(&c->bad, text));
	else
		add_block(c, role, text_obj(&c->bad, text));
}

static const char *const image_types[] = {
	"image/jpeg", "image/png", "image/gif", "image/webp"
};

/* An image block for an image_url part, or NULL (refused or no memory). */
static cJSON *
image_block(struct cv *c, const cJSON *p, int i, int j)
{
	const char	*url = str(get(p, "image_url"), "url"), *comma, *end;
	char		 pb[80], mt[32];
	cJSON		*b, *src;
	size_t		 k, len;

	snprintf(pb, sizeof(pb), "messages[%d].content[%d].image_url", i, j);
	if (url == NULL)
		return refuse(c, pb, "Invalid '%s': expected an object with a "
		    "string 'url'.", pb), NULL;
	if ((b = cJSON_CreateObject()) == NULL) {
		c->bad = 1;
		return NULL;
	}
	put_str(&c->bad, b, "type", "image");
	src = put_obj(&c->bad, b, "source");
	if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) ==
	    0) {
		put_str(&c->bad, src, "type", "url");
		put_str(&c->bad, src, "url", url);
		return b;
	}
	/* RFC 2397: data:<mediatype>[;param]*;base64,<data> */
	comma = strncmp(url, "data:", 5) == 0 ? strchr(url, ',') : NULL;
	if (comma == NULL || comma - url < 12 ||
	    strncmp(comma - 7, ";base64", 7) != 0 || comma[1] == '\0')
		goto bad;
	end = strpbrk(url + 5, ";,");
	len = (size_t)(end - (url + 5));
	if (len >= sizeof(mt))
		goto bad;
	memcpy(mt, url + 5, len);
	mt[len] = '\0';
	for (k = 0; k < sizeof(image_types) / sizeof(image_types[0]); k++)
		if (strcmp(mt, image_types[k]) == 0)
			break;
	if (k == sizeof(image_types) / sizeof(image_types[0])) {
		cJSON_Delete(b);
		return refuse(c, pb, "Invalid '%s': Anthropic upstreams take "
		    "image/jpeg, image/png, image/gif or image/webp images.",
		    pb), NULL;
	}
	put_str(&c->bad, src, "type", "base64");
	put_str(&c->bad, src, "media_type", mt);
	put_str(&c->bad, src, "data", comma + 1);
	return b;
bad:
	cJSON_Delete(b);
	return refuse(c, pb, "Invalid '%s': expected an http(s) URL or a "
	    "base64 data: URL.", pb), NULL;
}

/*
 * Text of a content that is a string or an array of text parts (and, in
 * assistant messages, refusal parts): each part goes to add_text, or is
 * joined into join when given.  Parts of other types are refused, except
 * image_url parts of user messages.
 */
static int
content_parts(struct cv *c, const cJSON *m, int i, const char *role,
    const char *as, struct buf *join)
{
	const cJSON	*cont = get(m, "content"), *p;
	const char	*t, *text;
	char		 pb[80];
	cJSON		*b;
	int		 j = 0;

	if (cJSON_IsString(cont)) {
		if (join != NULL)
			return buf_puts(join, cont->valuestring) == -1 ?
			    (c->bad = 1, -1) : 0;
		add_text(c, as, cont->valuestring);
		return 0;
	}
	if (cont == NULL || cJSON_IsNull(cont)) {
		if (streq(role, "assistant"))
			return 0;
		snprintf(pb, sizeof(pb), "messages[%d].content", i);
		return refuse(c, pb, "Missing required parameter: '%s'.", pb);
	}
	if (!cJSON_IsArray(cont)) {
		snprintf(pb, sizeof(pb), "messages[%d].content", i);
		return refuse(c, pb, "Invalid '%s': expected a string or an "
		    "array of content parts.", pb);
	}
	cJSON_ArrayForEach(p, cont) {
		t = str(p, "type");
		text = streq(t, "text") ? str(p, "text") : streq(t,
		    "refusal") && streq(role, "assistant") ?
		    str(p, "refusal") : NULL;
		if (text != NULL) {
			if (join != NULL && buf_puts(join, text) == -1)
				return c->bad = 1, -1;
			if (join == NULL)
				add_text(c, as, text);
		} else if (streq(t, "image_url") && streq(role, "user")) {
			if ((b = image_block(c, p, i, j)) != NULL)
				add_block(c, as, b);
		} else if (streq(t, "text") || (streq(t, "refusal") &&
		    streq(role, "assistant"))) {
			snprintf(pb, sizeof(pb), "messages[%d].content[%d].%s",
			    i, j, t);
			return refuse(c, pb, "Invalid '%s': expected a string.",
			    pb);
		} else {
			snprintf(pb, sizeof(pb),
			    "messages[%d].content[%d].type", i, j);
			return refuse(c, pb, "Invalid '%s': %s messages sent "
			    "to an Anthropic upstream take %s.", pb, role,
			    streq(role, "user") ? "text and image_url parts" :
			    streq(role, "assistant") ? "text and refusal parts"
			    : "text parts only");
		}
		if (c->invalid)
			return -1;
		j++;
	}
	return 0;
}

/* Assistant tool_calls -> tool_use blocks. */
static int
tool_calls(struct cv *c, const cJSON *m, int i)
{
	const cJSON	*calls = given(m, "tool_calls"), *tc, *f;
	const char	*id, *name, *args, *t;
	cJSON		*b, *in;
	char		 pb[96];
	int		 j = 0;

	if (given(m, "function_call") != NULL) {
		snprintf(pb, sizeof(pb), "messages[%d].function_call", i);
		return refuse(c, pb, "Invalid '%s': the deprecated function "
		    "call fields are not supported for this model; use "
		    "tool_calls.", pb);
	}
	if (calls == NULL)
		return 0;
	if (!cJSON_IsArray(calls)) {
		snprintf(pb, sizeof(pb), "messages[%d].tool_calls", i);
		return refuse(c, pb, "Invalid '%s': expected an array.", pb);
	}
	cJSON_ArrayForEach(tc, calls) {
		f = get(tc, "function");
		id = str(tc, "id");
		name = str(f, "name");
		args = str(f, "arguments");
		t = str(tc, "type");
		snprintf(pb, sizeof(pb), "messages[%d].tool_calls[%d]", i, j);
		if (!cJSON_IsObject(tc) || (get(tc, "type") != NULL &&
		    !streq(t, "function")) || id == NULL || name == NULL ||
		    args == NULL)
			return refuse(c, pb, "Invalid '%s': expected a "
			    "function tool call with string id, function.name "
			    "and function.arguments.", pb);
		if (args[strspn(args, " \t\r\n")] == '\0') {
			if ((in = cJSON_CreateObject()) == NULL)
				return c->bad = 1, -1;
		} else
			in = cJSON_Parse(args);
		if (!cJSON_IsObject(in)) {
			cJSON_Delete(in);
			return refuse(c, pb, "Invalid '%s.function.arguments': "
			    "an Anthropic upstream needs the arguments to be a "
			    "JSON object.", pb);
		}
		if ((b = cJSON_CreateObject()) == NULL) {
			cJSON_Delete(in);
			return c->bad = 1, -1;
		}
		put_str(&c->bad, b, "type", "tool_use");
		put_str(&c->bad, b, "id", id);
		put_str(&c->bad, b, "name", name);
		put(&c->bad, b, "input", in);
		add_block(c, "assistant", b);
		j++;
	}
	return 0;
}

/* A tool message -> a tool_result block of a user turn. */
static int
tool_result(struct cv *c, const cJSON *m, int i)
{
	const char	*id = str(m, "tool_call_id");
	struct buf	 text;
	cJSON		*b;
	char		 pb[64];

	if (id == NULL) {
		snprintf(pb, sizeof(pb), "messages[%d].tool_call_id", i);
		return refuse(c, pb, "Invalid '%s': expected a string.", pb);
	}
	buf_init(&text, AN_JOIN_MAX);
	if (content_parts(c, m, i, "tool", NULL, &text) == -1) {
		buf_free(&text);
		return -1;
	}
	if ((b = cJSON_CreateObject()) == NULL)
		c->bad = 1;
	put_str(&c->bad, b, "type", "tool_result");
	put_str(&c->bad, b, "tool_use_id", id);
	if (text.len > 0)
		put_str(&c->bad, b, "content", buf_cstr(&text));
	buf_free(&text);
	add_block(c, "user", b);
	return 0;
}

static int
one_message(struct cv *c, const cJSON *m, int i)
{
	const char	*role = str(m, "role");
	char		 pb[64];

	if (streq(role, "system") || streq(role, "developer"))
		return content_parts(c, m, i, "system", NULL, NULL);
	if (streq(role, "user"))
		return content_parts(c, m, i, "user", "user", NULL);
	if (streq(role, "assistant"))
		return content_parts(c, m, i, "assistant", "assistant",
		    NULL) == -1 ? -1 : tool_calls(c, m, i);
	if (streq(role, "tool"))
		return tool_result(c, m, i);
	snprintf(pb, sizeof(pb), "messages[%d].role", i);
	if (streq(role, "function"))
		return refuse(c, pb, "Invalid '%s': the deprecated 'function' "
		    "role is not supported for this model; use tools.", pb);
	return refuse(c, pb, "Invalid '%s': expected one of system, "
	    "developer, user, assistant, tool.", pb);
}

static int
up_messages(struct cv *c, cJSON *o, const cJSON *chat)
{
	const cJSON	*msgs = get(chat, "messages"), *m;
	int		 i = 0;

	if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) == 0)
		return refuse(c, "messages", "Invalid 'messages': expected a "
		    "non-empty array.");
	c->sys = cJSON_CreateArray();
	c->msgs = cJSON_CreateArray();
	if (c->sys == NULL || c->msgs == NULL)
		return c->bad = 1, -1;
	cJSON_ArrayForEach(m, msgs) {
		if (!cJSON_IsObject(m)) {
			char	 pb[32];

			snprintf(pb, sizeof(pb), "messages[%d]", i);
			return refuse(c, pb, "Invalid '%s': expected an "
			    "object.", pb);
		}
		if (one_message(c, m, i) == -1 || c->invalid)
			return -1;
		i++;
	}
	if (cJSON_GetArraySize(c->msgs) == 0)
		return refuse(c, "messages", "Invalid 'messages': an Anthropic "
		    "upstream needs at least one user or assistant message "
		    "with content.");
	if (cJSON_GetArraySize(c->sys) > 0) {
		put(&c->bad, o, "system", c->sys);
		c->sys = NULL;
	}
	put(&c->bad, o, "messages", c->msgs);
	c->msgs = NULL;
	return 0;
}

/* Fields Messages has no equivalent for, refused by name. */
static int
up_unsupported(struct cv *c, const cJSON *chat)
{
	static const char *const absent[] = { "audio", "prediction",
	    "web_search_options", "functions", "function_call" };
	const cJSON	*v, *e;
	size_t		 k;

	if ((v = given(chat, "n")) != NULL && !(cJSON_IsNumber(v) &&
	    v->valuedouble == 1))
		return refuse(c, "n", "Invalid 'n': this model's upstream "
		    "(Anthropic) generates one choice; 'n' must be 1.");
	if ((v = given(chat, "logprobs")) != NULL && !cJSON_IsFalse(v))
		return refuse(c, "logprobs", "'logprobs' is not supported by "
		    "this model's upstream (Anthropic).");
	if ((v = given(chat, "top_logprobs")) != NULL &&
	    !(cJSON_IsNumber(v) && v->valuedouble == 0))
		return refuse(c, "top_logprobs", "'top_logprobs' is not "
		    "supported by this model's upstream (Anthropic).");
	for (k = 0; k < sizeof(absent) / sizeof(absent[0]); k++)
		if (given(chat, absent[k]) != NULL)
			return refuse(c, absent[k], "'%s' is not supported by "
			    "this model's upstream (Anthropic).", absent[k]);
	v = given(chat, "modalities");
	if (v != NULL && !cJSON_IsArray(v))
		return refuse(c, "modalities", "Invalid 'modalities': expected "
		    "an array.");
	cJSON_ArrayForEach(e, v)
		if (!cJSON_IsString(e) || !streq(e->valuestring, "text"))
			return refuse(c, "modalities", "Invalid 'modalities': "
			    "this model's upstream (Anthropic) answers in text "
			    "only.");
	if ((v = given(chat, "response_format")) != NULL &&
	    !streq(str(v, "type"), "text"))
		return refuse(c, "response_format", "Invalid "
		    "'response_format': this model's upstream (Anthropic) "
		    "supports only {\"type\": \"text\"}.");
	return 0;
}

/* tools -> tools; returns how many (0 when none), -1 when refused. */
static int
up_tools(struct cv *c, cJSON *o, const cJSON *chat)
{
	const cJSON	*tools = given(chat, "tools"), *t, *f, *ps;
	const char	*name, *desc;
	cJSON		*out, *a, *sch;
	char		 pb[48];
	int		 i = 0;

	if (tools == NULL)
		return 0;
	if (!cJSON_IsArray(tools))
		return refuse(c, "tools", "Invalid 'tools': expected an "
		    "array.");
	if (cJSON_GetArraySize(tools) == 0)
		return 0;
	if ((out = put_arr(&c->bad, o, "tools")) == NULL)
		return -1;
	cJSON_ArrayForEach(t, tools) {
		f = get(t, "function");
		name = str(f, "name");
		desc = str(f, "description");
		ps = given(f, "parameters");
		snprintf(pb, sizeof(pb), "tools[%d]", i);
		if (!streq(str(t, "type"), "function"))
			return refuse(c, pb, "Invalid '%s.type': this model's "
			    "upstream (Anthropic) takes function tools only.",
			    pb);
		if (name == NULL || name[0] == '\0' || (given(f,
		    "description") != NULL && desc == NULL) ||
		    (ps != NULL && !cJSON_IsObject(ps)))
			return refuse(c, pb, "Invalid '%s.function': expected "
			    "a string name, an optional string description "
			    "and an optional parameters object.", pb);
		a = put_obj(&c->bad, out, NULL);
		put_str(&c->bad, a, "name", name);
		if (desc != NULL)
			put_str(&c->bad, a, "description", desc);
		sch = put(&c->bad, a, "input_schema", ps != NULL ?
		    cJSON_Duplicate(ps, 1) : cJSON_CreateObject());
		/* Anthropic needs a top-level "type": "object". */
		if (sch != NULL && get(sch, "type") == NULL)
			put_str(&c->bad, sch, "type", "object");
		i++;
	}
	return i;
}

/*
 * tool_choice and parallel_tool_calls -> tool_choice, sent only with
 * tools.  *forced is set for any / tool (thinking cannot go with them).
 */
static int
up_tool_choice(struct cv *c, cJSON *o, const cJSON *chat, int ntools,
    int *forced)
{
	const cJSON	*tc = given(chat, "tool_choice");
	const cJSON	*ptc = given(chat, "parallel_tool_calls");
	const char	*type = "auto", *name = NULL, *s;
	cJSON		*t;

	*forced = 0;
	if (ptc != NULL && !cJSON_IsBool(ptc))
		return refuse(c, "parallel_tool_calls", "Invalid "
		    "'parallel_tool_calls': expected a boolean.");
	if (cJSON_IsString(tc)) {
		s = tc->valuestring;
		if (streq(s, "required"))
			type = "any";
		else if (streq(s, "none") || streq(s, "auto"))
			type = s;
		else
			return refuse(c, "tool_choice", "Invalid "
			    "'tool_choice': expected none, auto, required or "
			    "a named function.");
	} else if (tc != NULL) {
		name = str(get(tc, "function"), "name");
		if (!streq(str(tc, "type"), "function") || name == NULL)
			return refuse(c, "tool_choice", "Invalid "
			    "'tool_choice': this model's upstream (Anthropic) "
			    "takes none, auto, required or {\"type\": "
			    "\"function\", \"function\": {\"name\": ...}}.");
		type = "tool";
	}
	if (ntools == 0 || (tc == NULL && !cJSON_IsFalse(ptc)))
		return 0;
	*forced = streq(type, "any") || streq(type, "tool");
	if ((t = put_obj(&c->bad, o, "tool_choice")) == NULL)
		return -1;
	put_str(&c->bad, t, "type", type);
	if (name != NULL)
		put_str(&c->bad, t, "name", name);
	if (cJSON_IsFalse(ptc) && !streq(type, "none"))
		put(&c->bad, t, "disable_parallel_tool_use",
		    cJSON_CreateTrue());
	return 0;
}

static int
up_stop(struct cv *c, cJSON *o, const cJSON *chat)
{
	const cJSON	*st = given(chat, "stop"), *e;
	cJSON		*out;

	if (st == NULL)
		return 0;
	if (cJSON_IsString(st)) {
		if (st->valuestring[0] != '\0' && (out = put_arr(&c->bad, o,
		    "stop_sequences")) != NULL)
			put_str(&c->bad, out, NULL, st->valuestring);
		return 0;
	}
	if (!cJSON_IsArray(st))
		return refuse(c, "stop", "Invalid 'stop': expected a string or "
		    "an array of strings.");
	cJSON_ArrayForEach(e, st)
		if (!cJSON_IsString(e))
			return refuse(c, "stop", "Invalid 'stop': expected a "
			    "string or an array of strings.");
	out = NULL;
	cJSON_ArrayForEach(e, st) {
		if (e->valuestring[0] == '\0')
			continue;
		if (out == NULL && (out = put_arr(&c->bad, o,
		    "stop_sequences")) == NULL)
			return -1;
		put_str(&c->bad, out, NULL, e->valuestring);
	}
	return 0;
}

/* An optional number field into *out (*has = 1 when given). */
static int
opt_number(struct cv *c, const cJSON *chat, const char *k, double *out,
    int *has)
{
	const cJSON	*v = given(chat, k);

	*has = 0;
	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= -1e9 &&
	    v->valuedouble <= 1e9))
		return refuse(c, k, "Invalid '%s': expected a number.", k);
	*out = v->valuedouble;
	*has = 1;
	return 0;
}

/* max_completion_tokens, else max_tokens, else the default. */
static int
up_max_tokens(struct cv *c, const cJSON *chat, int64_t *out)
{
	static const char *const keys[] = { "max_completion_tokens",
	    "max_tokens" };
	const cJSON	*v;
	size_t		 k;

	*out = AN_DEFAULT_MAX_TOKENS;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if ((v = given(chat, keys[k])) == NULL)
			continue;
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 &&
		    v->valuedouble <= AN_MAX_TOKENS_CAP) ||
		    v->valuedouble != (double)(int64_t)v->valuedouble)
			return refuse(c, keys[k], "Invalid '%s': expected an "
			    "integer between 1 and %d.", keys[k],
			    AN_MAX_TOKENS_CAP);
		*out = (int64_t)v->valuedouble;
		return 0;
	}
	return 0;
}

/* reasoning_effort -> a thinking budget (0: no thinking). */
static int
up_effort(struct cv *c, const cJSON *chat, int64_t *budget)
{
	static const struct {
		const char	*effort;
		int64_t		 budget;
	} tab[] = {
		{ "none", 0 }, { "minimal", 1024 }, { "low", 1024 },
		{ "medium", 4096 }, { "high", 16384 }, { "xhigh", 16384 },
	};
	const cJSON	*v = given(chat, "reasoning_effort");
	size_t		 k;

	*budget = 0;
	if (v == NULL)
		return 0;
	for (k = 0; cJSON_IsString(v) && k < sizeof(tab) / sizeof(tab[0]);
	    k++)
		if (strcmp(v->valuestring, tab[k].effort) == 0) {
			*budget = tab[k].budget;
			return 0;
		}
	return refuse(c, "reasoning_effort", "Invalid 'reasoning_effort': "
	    "expected one of none, minimal, low, medium, high, xhigh.");
}

/* Sampling, stop, user, thinking and max_tokens. */
static int
up_settings(struct cv *c, cJSON *o, const cJSON *chat, int forced)
{
	const cJSON	*u = given(chat, "user");
	const char	*uid;
	double		 temp = 0, top_p = 0;
	int		 has_temp, has_top_p;
	int64_t		 max, budget;
	cJSON		*t;

	if (up_max_tokens(c, chat, &max) == -1 ||
	    opt_number(c, chat, "temperature", &temp, &has_temp) == -1 ||
	    opt_number(c, chat, "top_p", &top_p, &has_top_p) == -1 ||
	    up_effort(c, chat, &budget) == -1 || up_stop(c, o, chat) == -1)
		return -1;
	if (u != NULL && !cJSON_IsString(u))
		return refuse(c, "user", "Invalid 'user': expected a string.");
	if (forced)
		budget = 0;
	if (budget > 0) {
		has_temp = has_top_p = 0;
		if (max <= budget)
			max += budget;
	}
	put_num(&c->bad, o, "max_tokens", (double)max);
	if (has_temp)
		put_num(&c->bad, o, "temperature", temp < 0 ? 0 : temp > 1 ?
		    1 : temp);
	else if (has_top_p)
		put_num(&c->bad, o, "top_p", top_p < 0 ? 0 : top_p > 1 ? 1 :
		    top_p);
	uid = u != NULL ? u->valuestring : str(chat, "safety_identifier");
	if (uid != NULL && uid[0] != '\0' &&
	    (t = put_obj(&c->bad, o, "metadata")) != NULL)
		put_str(&c->bad, t, "user_id", uid);
	if (budget > 0 && (t = put_obj(&c->bad, o, "thinking")) != NULL) {
		put_str(&c->bad, t, "type", "enabled");
		put_num(&c->bad, t, "budget_tokens", (double)budget);
	}
	return 0;
}

enum an_conv
an_up_request(const cJSON *chat, const char *up_model, int stream,
    cJSON **out, char *param, size_t psz, char *msg, size_t msz)
{
	struct cv	 c;
	cJSON		*o;
	int		 ntools, forced = 0;

	memset(&c, 0, sizeof(c));
	c.param = param;
	c.psz = param != NULL ? psz : 0;
	c.msg = msg;
	c.msz = msg != NULL ? msz : 0;
	*out = NULL;
	if (!cJSON_IsObject(chat)) {
		refuse(&c, "", "The request body must be a JSON object.");
		return AN_INVALID;
	}
	if ((o = cJSON_CreateObject()) == NULL)
		return AN_NOMEM;
	put_str(&c.bad, o, "model", up_model);
	if (up_unsupported(&c, chat) == 0 && up_messages(&c, o, chat) == 0 &&
	    (ntools = up_tools(&c, o, chat)) >= 0 &&
	    up_tool_choice(&c, o, chat, ntools, &forced) == 0 &&
	    up_settings(&c, o, chat, forced) == 0 && stream)
		put(&c.bad, o, "stream", cJSON_CreateTrue());
	cJSON_Delete(c.sys);
	cJSON_Delete(c.msgs);
	if (c.invalid || c.bad) {
		cJSON_Delete(o);
		return c.invalid ? AN_INVALID : AN_NOMEM;
	}
	*out = o;
	return AN_OK;
}
