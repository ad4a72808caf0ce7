/*
 * responses_chat.c: Responses API <-> Chat Completions, the request and
 * whole-answer directions, plus the output token estimate of a whole
 * Response.  The stream direction, the Responses usage reader, the
 * per-event estimate and the error event are responses_stream.c.
 *
 * What converts (openai-openapi.yaml CreateResponse ->
 * CreateChatCompletionRequest):
 *   instructions            -> a leading "system" message
 *   input (string)          -> one "user" message
 *   message items           -> messages; input_text/output_text parts ->
 *                              text parts, input_image -> image_url,
 *                              input_file -> file; assistant text joined
 *   function_call items     -> tool_calls of an assistant message
 *                              (consecutive calls share one message)
 *   function_call_output    -> a "tool" message
 *   reasoning items         -> dropped (chat has no way to send them)
 *   function tools          -> chat function tools; tool_choice mapped
 *   text.format             -> response_format; text.verbosity -> verbosity
 *   reasoning.effort        -> reasoning_effort
 *   max_output_tokens       -> max_completion_tokens
 *   temperature, top_p, metadata, user, parallel_tool_calls,
 *   service_tier, safety_identifier, prompt_cache_key: copied.
 * What does not (rc_convertible says so and the handler routes the
 * request to a channel with the Responses API, or answers 400):
 * previous_response_id, conversation, prompt, context_management,
 * background, built-in tools (web search, file search, ...), item types
 * other than the above, images or files given only by a file id/URL
 * the chat API cannot take.  Dropped silently because chat has no such
 * thing and nothing depends on it: store, include, truncation,
 * max_tool_calls, stream_options, top_logprobs, reasoning.summary.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "providers/openai.h"
#include "providers/responses_chat.h"
#include "tokens.h"

static const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* The member's value unless absent or null. */
static const cJSON *
given(const cJSON *o, const char *k)
{
	const cJSON	*v = get(o, k);

	return v == NULL || cJSON_IsNull(v) ? NULL : v;
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON	*v = get(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* Copies member k of from into to (when given). */
static void
copy_member(cJSON *to, const cJSON *from, const char *k, const char *as)
{
	const cJSON	*v = given(from, k);

	if (v != NULL)
		cJSON_AddItemToObject(to, as != NULL ? as : k,
		    cJSON_Duplicate(v, 1));
}

static int
nope(char *param, size_t psz, char *msg, size_t msz, const char *p,
    const char *m)
{
	snprintf(param, psz, "%s", p);
	snprintf(msg, msz, "%s", m);
	return 0;
}

/* A message content part chat can take. */
static int
part_convertible(const cJSON *p)
{
	const char	*t = str(p, "type");

	if (streq(t, "input_text") || streq(t, "output_text"))
		return str(p, "text") != NULL;
	if (streq(t, "refusal"))
		return str(p, "refusal") != NULL;
	if (streq(t, "input_image"))
		return str(p, "image_url") != NULL;
	if (streq(t, "input_file"))
		return str(p, "file_id") != NULL || str(p, "file_data") != NULL;
	return 0;
}

static int
item_convertible(const cJSON *it, int i, char *param, size_t psz,
    char *msg, size_t msz)
{
	const char	*t = str(it, "type");
	const cJSON	*c, *p;
	char		 pb[64], mb[256];
	int		 j = 0;

	if (t == NULL || streq(t, "message")) {
		c = get(it, "content");
		if (!cJSON_IsArray(c))
			return 1;
		cJSON_ArrayForEach(p, c) {
			if (!part_convertible(p)) {
				snprintf(pb, sizeof(pb),
				    "input[%d].content[%d]", i, j);
				snprintf(mb, sizeof(mb), "This content part "
				    "(type '%.40s') cannot be sent to a Chat "
				    "Completions upstream.", str(p, "type") !=
				    NULL ? str(p, "type") : "?");
				return nope(param, psz, msg, msz, pb, mb);
			}
			j++;
		}
		return 1;
	}
	if (streq(t, "function_call") || streq(t, "reasoning"))
		return 1;
	if (streq(t, "function_call_output")) {
		c = get(it, "output");
		if (cJSON_IsString(c))
			return 1;
		cJSON_ArrayForEach(p, c)
			if (!streq(str(p, "type"), "input_text") ||
			    str(p, "text") == NULL)
				break;
		if (cJSON_IsArray(c) && p == NULL)
			return 1;
		snprintf(pb, sizeof(pb), "input[%d].output", i);
		return nope(param, psz, msg, msz, pb, "Only text function "
		    "call outputs can be sent to a Chat Completions "
		    "upstream.");
	}
	snprintf(pb, sizeof(pb), "input[%d].type", i);
	snprintf(mb, sizeof(mb), "Input items of type '%.40s' need an "
	    "upstream with the Responses API.", t);
	return nope(param, psz, msg, msz, pb, mb);
}

static int
tools_convertible(const cJSON *req, char *param, size_t psz, char *msg,
    size_t msz)
{
	const cJSON	*t, *tc;
	char		 pb[64], mb[256];
	int		 i = 0;

	cJSON_ArrayForEach(t, get(req, "tools")) {
		if (!streq(str(t, "type"), "function")) {
			snprintf(pb, sizeof(pb), "tools[%d].type", i);
			snprintf(mb, sizeof(mb), "Tools of type '%.40s' need "
			    "an upstream with the Responses API.",
			    str(t, "type") != NULL ? str(t, "type") : "?");
			return nope(param, psz, msg, msz, pb, mb);
		}
		i++;
	}
	tc = given(req, "tool_choice");
	if (tc == NULL || cJSON_IsString(tc) ||
	    streq(str(tc, "type"), "function"))
		return 1;
	if (streq(str(tc, "type"), "allowed_tools")) {
		cJSON_ArrayForEach(t, get(tc, "tools"))
			if (!streq(str(t, "type"), "function"))
				break;
		if (t == NULL)
			return 1;
	}
	return nope(param, psz, msg, msz, "tool_choice", "This tool_choice "
	    "needs an upstream with the Responses API.");
}

int
rc_convertible(const cJSON *req, char *param, size_t psz, char *msg,
    size_t msz)
{
	static const char *const stateful[] = { "previous_response_id",
	    "conversation", "prompt", "context_management" };
	const cJSON	*it;
	char		 mb[256];
	size_t		 k;
	int		 i = 0;

	for (k = 0; k < sizeof(stateful) / sizeof(stateful[0]); k++)
		if (given(req, stateful[k]) != NULL) {
			snprintf(mb, sizeof(mb), "'%s' needs an upstream with "
			    "the Responses API: the Chat Completions upstreams "
			    "of this model keep no response state, so send "
			    "the whole conversation in 'input' instead.",
			    stateful[k]);
			return nope(param, psz, msg, msz, stateful[k], mb);
		}
	if (cJSON_IsTrue(get(req, "background")))
		return nope(param, psz, msg, msz, "background", "'background'"
		    " needs an upstream with the Responses API.");
	if (!tools_convertible(req, param, psz, msg, msz))
		return 0;
	if (cJSON_IsArray(get(req, "input")))
		cJSON_ArrayForEach(it, get(req, "input")) {
			if (!item_convertible(it, i, param, psz, msg, msz))
				return 0;
			i++;
		}
	return 1;
}

/* One content part in chat form (non-assistant roles). */
static cJSON *
part_to_chat(const cJSON *p)
{
	const char	*t = str(p, "type");
	cJSON		*o, *u;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (streq(t, "input_image")) {
		cJSON_AddStringToObject(o, "type", "image_url");
		if ((u = cJSON_AddObjectToObject(o, "image_url")) != NULL) {
			cJSON_AddStringToObject(u, "url", str(p, "image_url"));
			copy_member(u, p, "detail", NULL);
		}
	} else if (streq(t, "input_file")) {
		cJSON_AddStringToObject(o, "type", "file");
		if ((u = cJSON_AddObjectToObject(o, "file")) != NULL) {
			copy_member(u, p, "file_id", NULL);
			copy_member(u, p, "file_data", NULL);
			copy_member(u, p, "filename", NULL);
		}
	} else {
		cJSON_AddStringToObject(o, "type", "text");
		cJSON_AddStringToObject(o, "text", streq(t, "refusal") ?
		    str(p, "refusal") : str(p, "text"));
	}
	return o;
}

/*
 * Joined text is at most the request body, itself capped by body_max_json
 * (at most 1 GiB); the cap only keeps the buffer honest.
 */
#define RC_JOIN_MAX	((size_t)1 << 30)

/* Appends s (may be NULL) to b; 0 or -1 on cap. */
static int
cat(struct buf *b, const char *s)
{
	return s == NULL ? 0 : buf_puts(b, s);
}

static cJSON *
message_to_chat(const cJSON *it)
{
	const char	*role = str(it, "role");
	const cJSON	*c = get(it, "content"), *p;
	cJSON		*m, *parts;
	struct buf	 text, refusal;

	if ((m = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(m, "role", role != NULL ? role : "user");
	if (cJSON_IsString(c)) {
		cJSON_AddStringToObject(m, "content", c->valuestring);
		return m;
	}
	if (streq(role, "assistant")) {
		/* Chat assistants take a string (and a refusal). */
		buf_init(&text, RC_JOIN_MAX);
		buf_init(&refusal, RC_JOIN_MAX);
		cJSON_ArrayForEach(p, c) {
			if (streq(str(p, "type"), "refusal"))
				cat(&refusal, str(p, "refusal"));
			else
				cat(&text, str(p, "text"));
		}
		if (text.len > 0 || refusal.len == 0)
			cJSON_AddStringToObject(m, "content", buf_cstr(&text));
		else
			cJSON_AddNullToObject(m, "content");
		if (refusal.len > 0)
			cJSON_AddStringToObject(m, "refusal",
			    buf_cstr(&refusal));
		buf_free(&text);
		buf_free(&refusal);
		return m;
	}
	if ((parts = cJSON_AddArrayToObject(m, "content")) != NULL)
		cJSON_ArrayForEach(p, c)
			cJSON_AddItemToArray(parts, part_to_chat(p));
	return m;
}

/* A function_call item joins the assistant message before it. */
static int
call_to_chat(cJSON *msgs, const cJSON *it)
{
	cJSON	*last, *calls, *tc, *f;

	last = cJSON_GetArrayItem(msgs, cJSON_GetArraySize(msgs) - 1);
	if (!streq(str(last, "role"), "assistant")) {
		if ((last = cJSON_CreateObject()) == NULL)
			return -1;
		cJSON_AddItemToArray(msgs, last);
		cJSON_AddStringToObject(last, "role", "assistant");
		cJSON_AddNullToObject(last, "content");
	}
	calls = (cJSON *)get(last, "tool_calls");
	if (calls == NULL && (calls = cJSON_AddArrayToObject(last,
	    "tool_calls")) == NULL)
		return -1;
	if ((tc = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddItemToArray(calls, tc);
	cJSON_AddStringToObject(tc, "id", str(it, "call_id") != NULL ?
	    str(it, "call_id") : "");
	cJSON_AddStringToObject(tc, "type", "function");
	if ((f = cJSON_AddObjectToObject(tc, "function")) == NULL)
		return -1;
	cJSON_AddStringToObject(f, "name", str(it, "name") != NULL ?
	    str(it, "name") : "");
	cJSON_AddStringToObject(f, "arguments", str(it, "arguments") !=
	    NULL ? str(it, "arguments") : "{}");
	return 0;
}

static cJSON *
output_to_chat(const cJSON *it)
{
	const cJSON	*o = get(it, "output"), *p;
	cJSON		*m;
	struct buf	 text;

	if ((m = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(m, "role", "tool");
	cJSON_AddStringToObject(m, "tool_call_id", str(it, "call_id") !=
	    NULL ? str(it, "call_id") : "");
	if (cJSON_IsString(o)) {
		cJSON_AddStringToObject(m, "content", o->valuestring);
		return m;
	}
	buf_init(&text, RC_JOIN_MAX);
	cJSON_ArrayForEach(p, o)
		cat(&text, str(p, "text"));
	cJSON_AddStringToObject(m, "content", buf_cstr(&text));
	buf_free(&text);
	return m;
}

static int
messages_to_chat(cJSON *msgs, const cJSON *req)
{
	const cJSON	*in = get(req, "input"), *it;
	const char	*t, *ins = str(req, "instructions");
	cJSON		*m;

	if (ins != NULL && ins[0] != '\0') {
		if ((m = cJSON_CreateObject()) == NULL)
			return -1;
		cJSON_AddItemToArray(msgs, m);
		cJSON_AddStringToObject(m, "role", "system");
		cJSON_AddStringToObject(m, "content", ins);
	}
	if (cJSON_IsString(in)) {
		if ((m = cJSON_CreateObject()) == NULL)
			return -1;
		cJSON_AddItemToArray(msgs, m);
		cJSON_AddStringToObject(m, "role", "user");
		cJSON_AddStringToObject(m, "content", in->valuestring);
		return 0;
	}
	cJSON_ArrayForEach(it, in) {
		t = str(it, "type");
		if (streq(t, "function_call")) {
			if (call_to_chat(msgs, it) == -1)
				return -1;
			continue;
		}
		if (streq(t, "reasoning"))
			continue;
		m = streq(t, "function_call_output") ? output_to_chat(it) :
		    message_to_chat(it);
		if (m == NULL)
			return -1;
		cJSON_AddItemToArray(msgs, m);
	}
	return 0;
}

static void
tools_to_chat(cJSON *chat, const cJSON *req)
{
	const cJSON	*t, *tc, *tools = given(req, "tools");
	cJSON		*out, *o, *f, *at, *l;

	if (cJSON_IsArray(tools) && cJSON_GetArraySize(tools) > 0 &&
	    (out = cJSON_AddArrayToObject(chat, "tools")) != NULL)
		cJSON_ArrayForEach(t, tools) {
			if ((o = cJSON_CreateObject()) == NULL)
				return;
			cJSON_AddItemToArray(out, o);
			cJSON_AddStringToObject(o, "type", "function");
			if ((f = cJSON_AddObjectToObject(o, "function")) ==
			    NULL)
				return;
			copy_member(f, t, "name", NULL);
			copy_member(f, t, "description", NULL);
			copy_member(f, t, "parameters", NULL);
			copy_member(f, t, "strict", NULL);
		}
	if ((tc = given(req, "tool_choice")) == NULL)
		return;
	if (cJSON_IsString(tc)) {
		cJSON_AddStringToObject(chat, "tool_choice", tc->valuestring);
		return;
	}
	if ((o = cJSON_AddObjectToObject(chat, "tool_choice")) == NULL)
		return;
	if (streq(str(tc, "type"), "function")) {
		cJSON_AddStringToObject(o, "type", "function");
		if ((f = cJSON_AddObjectToObject(o, "function")) != NULL)
			copy_member(f, tc, "name", NULL);
		return;
	}
	/* allowed_tools: {mode, tools: [{type, name}]} */
	cJSON_AddStringToObject(o, "type", "allowed_tools");
	if ((at = cJSON_AddObjectToObject(o, "allowed_tools")) == NULL)
		return;
	copy_member(at, tc, "mode", NULL);
	if ((l = cJSON_AddArrayToObject(at, "tools")) == NULL)
		return;
	cJSON_ArrayForEach(t, get(tc, "tools")) {
		if ((o = cJSON_CreateObject()) == NULL)
			return;
		cJSON_AddItemToArray(l, o);
		cJSON_AddStringToObject(o, "type", "function");
		if ((f = cJSON_AddObjectToObject(o, "function")) != NULL)
			copy_member(f, t, "name", NULL);
	}
}

/* text.format -> response_format; text.verbosity -> verbosity. */
static void
text_to_chat(cJSON *chat, const cJSON *req)
{
	const cJSON	*text = given(req, "text"), *fmt;
	const char	*t;
	cJSON		*rf, *js;

	copy_member(chat, text, "verbosity", NULL);
	fmt = given(text, "format");
	t = str(fmt, "type");
	if (t == NULL || streq(t, "text"))
		return;
	if ((rf = cJSON_AddObjectToObject(chat, "response_format")) == NULL)
		return;
	cJSON_AddStringToObject(rf, "type", t);
	if (!streq(t, "json_schema") ||
	    (js = cJSON_AddObjectToObject(rf, "json_schema")) == NULL)
		return;
	copy_member(js, fmt, "name", NULL);
	copy_member(js, fmt, "description", NULL);
	copy_member(js, fmt, "schema", NULL);
	copy_member(js, fmt, "strict", NULL);
}

cJSON *
rc_request_to_chat(const cJSON *req, int stream)
{
	static const char *const copied[] = { "temperature", "top_p",
	    "metadata", "user", "parallel_tool_calls", "service_tier",
	    "safety_identifier", "prompt_cache_key" };
	cJSON	*chat, *msgs, *so;
	size_t	 k;

	if ((chat = cJSON_CreateObject()) == NULL)
		return NULL;
	copy_member(chat, req, "model", NULL);
	if ((msgs = cJSON_AddArrayToObject(chat, "messages")) == NULL ||
	    messages_to_chat(msgs, req) == -1)
		goto fail;
	tools_to_chat(chat, req);
	text_to_chat(chat, req);
	copy_member(chat, given(req, "reasoning"), "effort",
	    "reasoning_effort");
	copy_member(chat, req, "max_output_tokens", "max_completion_tokens");
	for (k = 0; k < sizeof(copied) / sizeof(copied[0]); k++)
		copy_member(chat, req, copied[k], NULL);
	if (stream) {
		cJSON_AddTrueToObject(chat, "stream");
		if ((so = cJSON_AddObjectToObject(chat, "stream_options")) ==
		    NULL || cJSON_AddTrueToObject(so, "include_usage") == NULL)
			goto fail;
	}
	return chat;
fail:
	cJSON_Delete(chat);
	return NULL;
}

/* tools as a Response echoes them: FunctionTool with its required keys. */
static cJSON *
tools_echo(const cJSON *req)
{
	static const char *const keys[] = { "name", "description",
	    "parameters", "strict" };
	const cJSON	*t, *v;
	cJSON		*out, *o;
	size_t		 k;

	if ((out = cJSON_CreateArray()) == NULL)
		return NULL;
	cJSON_ArrayForEach(t, get(req, "tools")) {
		if (!streq(str(t, "type"), "function")) {
			cJSON_AddItemToArray(out, cJSON_Duplicate(t, 1));
			continue;
		}
		if ((o = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddItemToArray(out, o);
		cJSON_AddStringToObject(o, "type", "function");
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			v = get(t, keys[k]);
			cJSON_AddItemToObject(o, keys[k], v != NULL ?
			    cJSON_Duplicate(v, 1) : cJSON_CreateNull());
		}
	}
	return out;
}

/* req's member k, or def (consumed) when absent or null. */
static void
echo(cJSON *resp, const cJSON *req, const char *k, cJSON *def)
{
	const cJSON	*v = given(req, k);

	if (v != NULL) {
		cJSON_Delete(def);
		cJSON_AddItemToObject(resp, k, cJSON_Duplicate(v, 1));
	} else
		cJSON_AddItemToObject(resp, k, def);
}

cJSON *
rc_response_new(const cJSON *req, const char *idbase, const char *model,
    int64_t created)
{
	const cJSON	*rs = given(req, "reasoning");
	cJSON		*o, *r, *t;
	char		 id[128];

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	snprintf(id, sizeof(id), "resp_%s", idbase);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "object", "response");
	cJSON_AddNumberToObject(o, "created_at", (double)created);
	cJSON_AddStringToObject(o, "status", "in_progress");
	cJSON_AddNullToObject(o, "completed_at");
	cJSON_AddNullToObject(o, "error");
	cJSON_AddNullToObject(o, "incomplete_details");
	echo(o, req, "instructions", cJSON_CreateNull());
	echo(o, req, "max_output_tokens", cJSON_CreateNull());
	cJSON_AddStringToObject(o, "model", model);
	cJSON_AddArrayToObject(o, "output");
	echo(o, req, "parallel_tool_calls", cJSON_CreateTrue());
	cJSON_AddNullToObject(o, "previous_response_id");
	if ((r = cJSON_AddObjectToObject(o, "reasoning")) != NULL) {
		echo(r, rs, "effort", cJSON_CreateNull());
		echo(r, rs, "summary", cJSON_CreateNull());
	}
	cJSON_AddFalseToObject(o, "store");
	echo(o, req, "temperature", cJSON_CreateNumber(1));
	t = cJSON_IsObject(get(req, "text")) ? cJSON_Duplicate(get(req,
	    "text"), 1) : cJSON_CreateObject();
	if (t != NULL && get(t, "format") == NULL &&
	    (r = cJSON_AddObjectToObject(t, "format")) != NULL)
		cJSON_AddStringToObject(r, "type", "text");
	cJSON_AddItemToObject(o, "text", t);
	echo(o, req, "tool_choice", cJSON_CreateString("auto"));
	cJSON_AddItemToObject(o, "tools", tools_echo(req));
	echo(o, req, "top_p", cJSON_CreateNumber(1));
	echo(o, req, "truncation", cJSON_CreateString("disabled"));
	/* "usage" is added once known: ResponseUsage is not nullable. */
	echo(o, req, "user", cJSON_CreateNull());
	echo(o, req, "metadata", cJSON_CreateObject());
	if (get(o, "output") == NULL || get(o, "metadata") == NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *
rc_usage_from_chat(const cJSON *cu)
{
	struct usage	 u;
	cJSON		*o, *d;

	memset(&u, 0, sizeof(u));
	if (!oa_usage_read(cu, &u) || (o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "input_tokens", (double)u.prompt);
	if ((d = cJSON_AddObjectToObject(o, "input_tokens_details")) != NULL) {
		cJSON_AddNumberToObject(d, "cached_tokens", (double)u.cached);
		cJSON_AddNumberToObject(d, "cache_write_tokens",
		    (double)u.cache_write);
	}
	cJSON_AddNumberToObject(o, "output_tokens", (double)u.completion);
	if ((d = cJSON_AddObjectToObject(o, "output_tokens_details")) != NULL)
		cJSON_AddNumberToObject(d, "reasoning_tokens",
		    (double)u.reasoning);
	cJSON_AddNumberToObject(o, "total_tokens",
	    (double)(u.prompt + u.completion));
	return o;
}

/* Replaces or adds o[k] = v (v consumed). */
static void
set(cJSON *o, const char *k, cJSON *v)
{
	if (v == NULL)
		return;
	if (get(o, k) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
	else
		cJSON_AddItemToObject(o, k, v);
}

/* Status and incomplete_details for a chat finish_reason. */
static void
set_finish(cJSON *resp, const char *finish)
{
	cJSON	*d;

	if (streq(finish, "length") || streq(finish, "content_filter")) {
		set(resp, "status", cJSON_CreateString("incomplete"));
		if ((d = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(d, "reason", streq(finish,
			    "length") ? "max_output_tokens" : "content_filter");
			set(resp, "incomplete_details", d);
		}
		return;
	}
	set(resp, "status", cJSON_CreateString("completed"));
	set(resp, "completed_at", cJSON_CreateNumber((double)time(NULL)));
}

static cJSON *
text_part(const char *type, const char *text)
{
	cJSON	*p;

	if ((p = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(p, "type", type);
	if (strcmp(type, "refusal") == 0) {
		cJSON_AddStringToObject(p, "refusal", text);
		return p;
	}
	cJSON_AddArrayToObject(p, "annotations");
	cJSON_AddArrayToObject(p, "logprobs");
	cJSON_AddStringToObject(p, "text", text);
	return p;
}

cJSON *
rc_chat_to_response(const cJSON *chat, const cJSON *req, const char *idbase,
    const char *model)
{
	const cJSON	*ch, *m, *tc, *f, *cr;
	const char	*text, *refusal, *finish;
	cJSON		*resp, *out, *it, *parts;
	char		 id[160];
	int		 incomplete;

	ch = cJSON_GetArrayItem(get(chat, "choices"), 0);
	if (!cJSON_IsObject(m = get(ch, "message")))
		return NULL;
	cr = get(chat, "created");
	/* Untrusted: only a plausible time survives the cast to int64. */
	if ((resp = rc_response_new(req, idbase, model, cJSON_IsNumber(cr) &&
	    cr->valuedouble >= 0 && cr->valuedouble < 1e11 ?
	    (int64_t)cr->valuedouble : (int64_t)time(NULL))) == NULL)
		return NULL;
	out = (cJSON *)get(resp, "output");
	finish = str(ch, "finish_reason");
	incomplete = streq(finish, "length") || streq(finish,
	    "content_filter");
	text = str(m, "content");
	refusal = str(m, "refusal");
	if ((text != NULL && text[0] != '\0') ||
	    (refusal != NULL && refusal[0] != '\0')) {
		if ((it = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(out, it);
		snprintf(id, sizeof(id), "msg_%s_0", idbase);
		cJSON_AddStringToObject(it, "id", id);
		cJSON_AddStringToObject(it, "type", "message");
		cJSON_AddStringToObject(it, "status", incomplete ?
		    "incomplete" : "completed");
		if ((parts = cJSON_AddArrayToObject(it, "content")) == NULL)
			goto fail;
		if (text != NULL && text[0] != '\0')
			cJSON_AddItemToArray(parts, text_part("output_text",
			    text));
		if (refusal != NULL && refusal[0] != '\0')
			cJSON_AddItemToArray(parts, text_part("refusal",
			    refusal));
		cJSON_AddStringToObject(it, "role", "assistant");
	}
	cJSON_ArrayForEach(tc, get(m, "tool_calls")) {
		f = get(tc, "function");
		if ((it = cJSON_CreateObject()) == NULL)
			goto fail;
		snprintf(id, sizeof(id), "fc_%s_%d", idbase,
		    cJSON_GetArraySize(out));
		cJSON_AddItemToArray(out, it);
		cJSON_AddStringToObject(it, "id", id);
		cJSON_AddStringToObject(it, "type", "function_call");
		cJSON_AddStringToObject(it, "status", "completed");
		cJSON_AddStringToObject(it, "arguments", str(f, "arguments") !=
		    NULL ? str(f, "arguments") : "");
		cJSON_AddStringToObject(it, "call_id", str(tc, "id") != NULL ?
		    str(tc, "id") : id);
		cJSON_AddStringToObject(it, "name", str(f, "name") != NULL ?
		    str(f, "name") : "");
	}
	set_finish(resp, finish);
	set(resp, "usage", rc_usage_from_chat(get(chat, "usage")));
	return resp;
fail:
	cJSON_Delete(resp);
	return NULL;
}

int64_t
rc_response_output_tokens(const cJSON *resp)
{
	const cJSON	*it, *p;
	int64_t		 n = 0;

	cJSON_ArrayForEach(it, get(resp, "output")) {
		n += tok_estimate_member(it, "arguments") + tok_estimate_member(it, "name") +
		    tok_estimate_member(it, "input");
		cJSON_ArrayForEach(p, get(it, "content"))
			n += tok_estimate_member(p, "text") + tok_estimate_member(p, "refusal");
		cJSON_ArrayForEach(p, get(it, "summary"))
			n += tok_estimate_member(p, "text");
	}
	return n;
}
