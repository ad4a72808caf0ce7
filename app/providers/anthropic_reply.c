/*
 * anthropic_reply.c: the upstream direction's answers (anthropic.h): a
 * Message becomes a chat.completion, an Anthropic error body an OpenAI
 * error, and the Messages event stream chat.completion.chunk objects:
 *
 *   message_start             -> delta {role: assistant, content: ""}
 *   content_block_start text / thinking (with text)  -> content /
 *                                reasoning_content delta
 *   content_block_start tool_use -> tool_calls delta (index = count of
 *                                tool_use blocks before it, id, name)
 *   text_delta, thinking_delta -> content, reasoning_content deltas
 *   input_json_delta          -> tool_calls arguments delta
 *   message_delta stop_reason -> finish_reason chunk (once)
 *   message_stop              -> usage chunk (choices []), done
 *   error                     -> an OpenAI error object, failed
 *   ping, content_block_stop, signature_delta, unknown -> nothing
 *
 * Also the Messages usage reader and the output token estimate of a
 * Messages stream event, for either direction's billing.  Upstream
 * answers are untrusted: counts are capped (count()), indexes checked
 * against block_tool[], and a malformed event of a known type fails the
 * conversion rather than guessing.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "providers/anthropic.h"
#include "providers/anthropic_int.h"
#include "tokens.h"

/* ---- answers: Message -> chat.completion ---- */

static const struct {
	const char	*anthropic;
	const char	*chat;
} stops[] = {
	{ "end_turn", "stop" },
	{ "stop_sequence", "stop" },
	{ "pause_turn", "stop" },
	{ "max_tokens", "length" },
	{ "model_context_window_exceeded", "length" },
	{ "tool_use", "tool_calls" },
	{ "refusal", "content_filter" },
};

/* A chat finish_reason for a stop_reason; unknown ones are "stop". */
static const char *
finish_for(const char *stop)
{
	size_t	 k;

	for (k = 0; stop != NULL && k < sizeof(stops) / sizeof(stops[0]); k++)
		if (strcmp(stop, stops[k].anthropic) == 0)
			return stops[k].chat;
	return "stop";
}

/* Adds a chat CompletionUsage for Messages counts as o["usage"]. */
static void
put_usage(int *bad, cJSON *o, int64_t in, int64_t cache_read,
    int64_t cache_write, int64_t out)
{
	cJSON	*u, *d;
	int64_t	 prompt = in + cache_read + cache_write;

	u = put_obj(bad, o, "usage");
	put_num(bad, u, "prompt_tokens", (double)prompt);
	put_num(bad, u, "completion_tokens", (double)out);
	put_num(bad, u, "total_tokens", (double)(prompt + out));
	d = put_obj(bad, u, "prompt_tokens_details");
	put_num(bad, d, "cached_tokens", (double)cache_read);
	put_num(bad, d, "cache_write_tokens", (double)cache_write);
}

/* id "chatcmpl-" + the Message id, object, created, model. */
static cJSON *
chat_head(int *bad, const char *id, const char *object, int64_t created,
    const char *model)
{
	cJSON		*o;
	struct buf	 b;

	if ((o = cJSON_CreateObject()) == NULL) {
		*bad = 1;
		return NULL;
	}
	buf_init(&b, AN_JOIN_MAX);
	if (buf_puts(&b, "chatcmpl-") == -1 || buf_puts(&b, id) == -1)
		*bad = 1;
	put_str(bad, o, "id", buf_cstr(&b));
	buf_free(&b);
	put_str(bad, o, "object", object);
	put_num(bad, o, "created", (double)created);
	put_str(bad, o, "model", model);
	return o;
}

/* A tool_use block -> a chat tool call; NULL when malformed. */
static cJSON *
tool_call(int *bad, const cJSON *b)
{
	const char	*id = str(b, "id"), *name = str(b, "name");
	const cJSON	*in = get(b, "input");
	cJSON		*tc, *f;
	char		*args;

	if (id == NULL || name == NULL || !cJSON_IsObject(in))
		return NULL;
	if ((tc = cJSON_CreateObject()) == NULL ||
	    (args = cJSON_PrintUnformatted(in)) == NULL) {
		cJSON_Delete(tc);
		*bad = 1;
		return NULL;
	}
	put_str(bad, tc, "id", id);
	put_str(bad, tc, "type", "function");
	f = put_obj(bad, tc, "function");
	put_str(bad, f, "name", name);
	put_str(bad, f, "arguments", args);
	cJSON_free(args);
	return tc;
}

/*
 * Walks msg's content blocks: text and thinking joined, tool_use blocks
 * appended to calls.  Returns 0, or -1 for a malformed known block (text
 * without string text, ...); unknown block types are skipped.
 */
static int
blocks(int *bad, const cJSON *content, struct buf *text, int *has_text,
    struct buf *think, cJSON *calls)
{
	const cJSON	*b;
	const char	*t, *s;
	cJSON		*tc;

	cJSON_ArrayForEach(b, content) {
		t = str(b, "type");
		if (streq(t, "text")) {
			if ((s = str(b, "text")) == NULL)
				return -1;
			*has_text = 1;
			if (buf_puts(text, s) == -1)
				*bad = 1;
		} else if (streq(t, "thinking")) {
			if ((s = str(b, "thinking")) == NULL)
				return -1;
			if (buf_puts(think, s) == -1)
				*bad = 1;
		} else if (streq(t, "tool_use")) {
			if ((tc = tool_call(bad, b)) == NULL)
				return -1;
			put(bad, calls, NULL, tc);
		} else if (t == NULL)
			return -1;
	}
	return 0;
}

cJSON *
an_up_response(const cJSON *msg, const char *model, int64_t created)
{
	const cJSON	*content = get(msg, "content"), *u;
	const char	*id = str(msg, "id");
	struct buf	 text, think;
	cJSON		*o = NULL, *calls, *ch, *m;
	int		 bad = 0, has_text = 0;

	if (!streq(str(msg, "type"), "message") || !cJSON_IsArray(content) ||
	    id == NULL)
		return NULL;
	buf_init(&text, AN_JOIN_MAX);
	buf_init(&think, AN_JOIN_MAX);
	if ((calls = cJSON_CreateArray()) == NULL ||
	    blocks(&bad, content, &text, &has_text, &think, calls) == -1)
		goto fail;
	o = chat_head(&bad, id, "chat.completion", created, model);
	ch = put_obj(&bad, put_arr(&bad, o, "choices"), NULL);
	put_num(&bad, ch, "index", 0);
	m = put_obj(&bad, ch, "message");
	put_str(&bad, m, "role", "assistant");
	if (has_text || cJSON_GetArraySize(calls) == 0)
		put_str(&bad, m, "content", buf_cstr(&text));
	else
		put_null(&bad, m, "content");
	put_null(&bad, m, "refusal");
	if (think.len > 0)
		put_str(&bad, m, "reasoning_content", buf_cstr(&think));
	if (cJSON_GetArraySize(calls) > 0) {
		put(&bad, m, "tool_calls", calls);
		calls = NULL;
	}
	put_null(&bad, ch, "logprobs");
	put_str(&bad, ch, "finish_reason", finish_for(str(msg,
	    "stop_reason")));
	u = get(msg, "usage");
	if (cJSON_IsNumber(get(u, "input_tokens")) ||
	    cJSON_IsNumber(get(u, "output_tokens")))
		put_usage(&bad, o, count(get(u, "input_tokens")),
		    count(get(u, "cache_read_input_tokens")),
		    count(get(u, "cache_creation_input_tokens")),
		    count(get(u, "output_tokens")));
	if (!bad)
		goto out;
fail:
	cJSON_Delete(o);
	o = NULL;
out:
	cJSON_Delete(calls);
	buf_free(&text);
	buf_free(&think);
	return o;
}

/* ---- errors ---- */

static const struct {
	const char	*anthropic;
	const char	*type;
	const char	*code;
} errors[] = {
	{ "invalid_request_error", "invalid_request_error",
	    "invalid_request" },
	{ "authentication_error", "invalid_request_error", "invalid_api_key" },
	{ "permission_error", "permission_error", "permission_denied" },
	{ "not_found_error", "invalid_request_error", "not_found" },
	{ "request_too_large", "invalid_request_error", "request_too_large" },
	{ "rate_limit_error", "rate_limit_error", "rate_limit_exceeded" },
	{ "overloaded_error", "upstream_error", "upstream_overloaded" },
	{ "timeout_error", "upstream_error", "upstream_timeout" },
	{ "api_error", "upstream_error", "bad_upstream_response" },
};

/* {"error":{message, type, code, param: null}}; NULL on no memory. */
static cJSON *
oa_error(const char *message, const char *type, const char *code)
{
	cJSON	*o, *e;
	int	 bad = 0;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	e = put_obj(&bad, o, "error");
	put_str(&bad, e, "message", message);
	put_str(&bad, e, "type", type);
	put_str(&bad, e, "code", code);
	put_null(&bad, e, "param");
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/*
 * The OpenAI error for a parsed Anthropic error body; NULL when it is
 * not one ({"type":"error"?, "error": {"type": string, ...}}).  Unknown
 * error types become upstream_error / bad_upstream_response; a missing
 * message becomes the error type.
 */
static cJSON *
error_from(const cJSON *body)
{
	const cJSON	*e = get(body, "error"), *top = get(body, "type");
	const char	*t = str(e, "type"), *m = str(e, "message");
	size_t		 k;

	if (t == NULL || (top != NULL && !streq(str(body, "type"), "error")))
		return NULL;
	for (k = 0; k < sizeof(errors) / sizeof(errors[0]); k++)
		if (strcmp(t, errors[k].anthropic) == 0)
			break;
	if (k == sizeof(errors) / sizeof(errors[0]))
		k = sizeof(errors) / sizeof(errors[0]) - 1; /* api_error */
	return oa_error(m != NULL ? m : t, errors[k].type, errors[k].code);
}

cJSON *
an_up_error(const char *body, size_t n)
{
	cJSON	*in, *out;

	if (body == NULL || (in = cJSON_ParseWithLength(body, n)) == NULL)
		return NULL;
	out = error_from(in);
	cJSON_Delete(in);
	return out;
}

/* ---- stream: Messages events -> chat chunks ---- */

void
an_up_stream_init(struct an_up_stream *s, const char *model,
    int64_t created)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->model, sizeof(s->model), "%s", model != NULL ? model : "");
	s->created = created;
}

/* Hands o to emit and deletes it; -1 when bad (o may be NULL). */
static int
chunk_emit(cJSON *o, int bad, an_chunk_fn emit, void *arg)
{
	int	 rc;

	if (bad || o == NULL) {
		cJSON_Delete(o);
		return -1;
	}
	rc = emit(arg, o);
	cJSON_Delete(o);
	return rc;
}

/* A chunk with one choice: delta (consumed) and finish (NULL: null). */
static int
emit_delta(struct an_up_stream *s, cJSON *delta, const char *finish,
    an_chunk_fn emit, void *arg)
{
	cJSON	*o, *ch;
	int	 bad = 0;

	o = chat_head(&bad, s->id, "chat.completion.chunk", s->created,
	    s->model);
	ch = put_obj(&bad, put_arr(&bad, o, "choices"), NULL);
	put_num(&bad, ch, "index", 0);
	put(&bad, ch, "delta", delta);
	put_null(&bad, ch, "logprobs");
	if (finish != NULL)
		put_str(&bad, ch, "finish_reason", finish);
	else
		put_null(&bad, ch, "finish_reason");
	put_null(&bad, o, "usage");
	return chunk_emit(o, bad, emit, arg);
}

/* A delta {k: v}. */
static int
emit_text(struct an_up_stream *s, const char *k, const char *v,
    an_chunk_fn emit, void *arg)
{
	cJSON	*d;
	int	 bad = 0;

	if (v[0] == '\0')
		return 0;
	if ((d = cJSON_CreateObject()) == NULL)
		return -1;
	put_str(&bad, d, k, v);
	if (bad) {
		cJSON_Delete(d);
		return -1;
	}
	return emit_delta(s, d, NULL, emit, arg);
}

/* A tool_calls delta: id and name when starting (id non-NULL). */
static int
emit_call(struct an_up_stream *s, int index, const char *id,
    const char *name, const char *args, an_chunk_fn emit, void *arg)
{
	cJSON	*d, *tc, *f;
	int	 bad = 0;

	if ((d = cJSON_CreateObject()) == NULL)
		return -1;
	tc = put_obj(&bad, put_arr(&bad, d, "tool_calls"), NULL);
	put_num(&bad, tc, "index", index);
	if (id != NULL) {
		put_str(&bad, tc, "id", id);
		put_str(&bad, tc, "type", "function");
	}
	f = put_obj(&bad, tc, "function");
	if (id != NULL)
		put_str(&bad, f, "name", name);
	put_str(&bad, f, "arguments", args);
	if (bad) {
		cJSON_Delete(d);
		return -1;
	}
	return emit_delta(s, d, NULL, emit, arg);
}

/* The event's content block index: an integer in [0, 1e9), else -1. */
static int
block_index(const cJSON *d)
{
	const cJSON	*v = get(d, "index");

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble >= 1e9 || v->valuedouble != (double)(int)
	    v->valuedouble)
		return -1;
	return (int)v->valuedouble;
}

/* Entries of block_tool[]: the highest tool_use block index + 1. */
#define AN_NBLOCKS \
	((int)(sizeof(((struct an_up_stream *)0)->block_tool) / sizeof(int)))

/* Records the counts usage has (message_start's, message_delta's). */
static void
stream_usage(struct an_up_stream *s, const cJSON *u)
{
	if (cJSON_IsNumber(get(u, "input_tokens"))) {
		s->in_tokens = count(get(u, "input_tokens"));
		s->cache_read = count(get(u, "cache_read_input_tokens"));
		s->cache_write = count(get(u, "cache_creation_input_tokens"));
	}
	if (cJSON_IsNumber(get(u, "output_tokens")))
		s->out_tokens = count(get(u, "output_tokens"));
}

static int
ev_message_start(struct an_up_stream *s, const cJSON *d, an_chunk_fn emit,
    void *arg)
{
	const cJSON	*m = get(d, "message");
	const char	*id = str(m, "id");
	cJSON		*delta;
	int		 bad = 0;

	if (s->started || id == NULL)
		return -1;
	snprintf(s->id, sizeof(s->id), "%s", id);
	stream_usage(s, get(m, "usage"));
	s->started = 1;
	if ((delta = cJSON_CreateObject()) == NULL)
		return -1;
	put_str(&bad, delta, "role", "assistant");
	put_str(&bad, delta, "content", "");
	if (bad) {
		cJSON_Delete(delta);
		return -1;
	}
	return emit_delta(s, delta, NULL, emit, arg);
}

static int
ev_block_start(struct an_up_stream *s, const cJSON *d, an_chunk_fn emit,
    void *arg)
{
	const cJSON	*cb = get(d, "content_block"), *in;
	const char	*t = str(cb, "type"), *id, *name, *v;
	int		 i = block_index(d), rc;
	char		*args;

	if (i == -1 || t == NULL)
		return -1;
	if (streq(t, "text") || streq(t, "thinking")) {
		v = str(cb, t);
		return v == NULL ? 0 : emit_text(s, streq(t, "text") ?
		    "content" : "reasoning_content", v, emit, arg);
	}
	if (!streq(t, "tool_use"))
		return 0;	/* redacted_thinking, server tools, ... */
	id = str(cb, "id");
	name = str(cb, "name");
	in = get(cb, "input");
	if (i >= AN_NBLOCKS || s->block_tool[i] != 0 || id == NULL ||
	    name == NULL || (in != NULL && !cJSON_IsObject(in)))
		return -1;
	s->block_tool[i] = ++s->ntools;
	/* Anthropic starts with input {}; a full input is sent whole. */
	if (in == NULL || in->child == NULL)
		return emit_call(s, s->ntools - 1, id, name, "", emit, arg);
	if ((args = cJSON_PrintUnformatted(in)) == NULL)
		return -1;
	rc = emit_call(s, s->ntools - 1, id, name, args, emit, arg);
	cJSON_free(args);
	return rc;
}

static int
ev_block_delta(struct an_up_stream *s, const cJSON *d, an_chunk_fn emit,
    void *arg)
{
	const cJSON	*dl = get(d, "delta");
	const char	*t = str(dl, "type"), *v;
	int		 i = block_index(d), tool;

	if (i == -1 || t == NULL)
		return -1;
	tool = i < AN_NBLOCKS ? s->block_tool[i] : 0;
	if (streq(t, "text_delta") || streq(t, "thinking_delta")) {
		if ((v = str(dl, streq(t, "text_delta") ? "text" :
		    "thinking")) == NULL)
			return -1;
		if (tool != 0)
			return 0;	/* not a text block: ignored */
		return emit_text(s, streq(t, "text_delta") ? "content" :
		    "reasoning_content", v, emit, arg);
	}
	if (!streq(t, "input_json_delta"))
		return 0;	/* signature_delta, citations_delta, ... */
	if ((v = str(dl, "partial_json")) == NULL)
		return -1;
	if (tool == 0 || v[0] == '\0')
		return 0;	/* a block never started as tool_use */
	return emit_call(s, tool - 1, NULL, NULL, v, emit, arg);
}

static int
ev_message_delta(struct an_up_stream *s, const cJSON *d, an_chunk_fn emit,
    void *arg)
{
	const cJSON	*dl = get(d, "delta"), *sr = get(dl, "stop_reason");
	cJSON		*delta;

	if (!cJSON_IsObject(dl) || (sr != NULL && !cJSON_IsNull(sr) &&
	    !cJSON_IsString(sr)))
		return -1;
	stream_usage(s, get(d, "usage"));
	if (!cJSON_IsString(sr) || s->stop[0] != '\0')
		return 0;
	snprintf(s->stop, sizeof(s->stop), "%s", finish_for(sr->valuestring));
	if ((delta = cJSON_CreateObject()) == NULL)
		return -1;
	return emit_delta(s, delta, s->stop, emit, arg);
}

/* The finish chunk when none came, then the usage chunk; done. */
static int
ev_message_stop(struct an_up_stream *s, an_chunk_fn emit, void *arg)
{
	cJSON	*o, *delta;
	int	 bad = 0, rc;

	if (s->stop[0] == '\0') {
		snprintf(s->stop, sizeof(s->stop), "stop");
		if ((delta = cJSON_CreateObject()) == NULL)
			return -1;
		if ((rc = emit_delta(s, delta, s->stop, emit, arg)) != 0)
			return rc;
	}
	s->done = 1;
	o = chat_head(&bad, s->id, "chat.completion.chunk", s->created,
	    s->model);
	put_arr(&bad, o, "choices");
	put_usage(&bad, o, s->in_tokens, s->cache_read, s->cache_write,
	    s->out_tokens);
	return chunk_emit(o, bad, emit, arg);
}

static int
ev_error(struct an_up_stream *s, const cJSON *d, an_chunk_fn emit,
    void *arg)
{
	cJSON	*e;

	s->failed = 1;
	if ((e = error_from(d)) == NULL && (e = oa_error("The upstream "
	    "provider failed", "upstream_error", "bad_upstream_response")) ==
	    NULL)
		return -1;
	return chunk_emit(e, 0, emit, arg);
}

static const char *const known_events[] = { "message_start",
	"content_block_start", "content_block_delta", "content_block_stop",
	"message_delta", "message_stop", "error" };

int
an_up_stream_event(struct an_up_stream *s, const char *event,
    const char *data, size_t n, an_chunk_fn emit, void *arg)
{
	const char	*name = event != NULL && event[0] != '\0' ? event :
	    NULL;
	cJSON		*d;
	size_t		 k;
	int		 rc;

	if (s->done || s->failed)
		return 0;
	for (k = 0; name != NULL && k < sizeof(known_events) /
	    sizeof(known_events[0]); k++)
		if (strcmp(name, known_events[k]) == 0)
			break;
	if (name != NULL && k == sizeof(known_events) /
	    sizeof(known_events[0]))
		return 0;	/* ping, and events added later */
	d = data != NULL ? cJSON_ParseWithLength(data, n) : NULL;
	if (name == NULL) {
		/* No event name: the data's type decides. */
		if ((name = str(d, "type")) == NULL) {
			cJSON_Delete(d);
			return -1;
		}
		for (k = 0; k < sizeof(known_events) /
		    sizeof(known_events[0]); k++)
			if (strcmp(name, known_events[k]) == 0)
				break;
		if (k == sizeof(known_events) / sizeof(known_events[0])) {
			cJSON_Delete(d);
			return 0;
		}
	}
	if (strcmp(name, "error") == 0)
		rc = ev_error(s, d, emit, arg);
	else if (!cJSON_IsObject(d))
		rc = -1;
	else if (strcmp(name, "message_start") == 0)
		rc = ev_message_start(s, d, emit, arg);
	else if (!s->started)
		rc = -1;	/* content or message events before the start */
	else if (strcmp(name, "content_block_start") == 0)
		rc = ev_block_start(s, d, emit, arg);
	else if (strcmp(name, "content_block_delta") == 0)
		rc = ev_block_delta(s, d, emit, arg);
	else if (strcmp(name, "message_delta") == 0)
		rc = ev_message_delta(s, d, emit, arg);
	else if (strcmp(name, "message_stop") == 0)
		rc = ev_message_stop(s, emit, arg);
	else
		rc = 0;		/* content_block_stop */
	cJSON_Delete(d);
	return rc;
}

/* ---- usage and estimates ---- */

int
an_usage_read(const cJSON *usage, struct usage *u)
{
	int	 have = 0;

	if (cJSON_IsNumber(get(usage, "input_tokens"))) {
		u->cached = count(get(usage, "cache_read_input_tokens"));
		u->cache_write = count(get(usage,
		    "cache_creation_input_tokens"));
		u->prompt = count(get(usage, "input_tokens")) + u->cached +
		    u->cache_write;
		have = 1;
	}
	if (cJSON_IsNumber(get(usage, "output_tokens"))) {
		u->completion = count(get(usage, "output_tokens"));
		have = 1;
	}
	return have;
}

int64_t
an_event_output_tokens(const cJSON *ev)
{
	const char	*t = str(ev, "type");
	const cJSON	*d;

	if (streq(t, "content_block_delta")) {
		d = get(ev, "delta");
		return tok_estimate_member(d, "text") + tok_estimate_member(d, "thinking") +
		    tok_estimate_member(d, "partial_json");
	}
	if (streq(t, "content_block_start")) {
		d = get(ev, "content_block");
		return tok_estimate_member(d, "text") + tok_estimate_member(d, "thinking") +
		    tok_estimate_member(d, "name");
	}
	return 0;
}
