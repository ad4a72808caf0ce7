/*
 * anthropic_client_reply.c: the client direction's answers (anthropic.h):
 * a chat.completion becomes a Message, and a chat.completion.chunk
 * stream the Messages event sequence
 *
 *   message_start
 *   per content block i = 0, 1, ...: content_block_start (index i),
 *       content_block_delta ... (thinking_delta, text_delta or
 *       input_json_delta), content_block_stop (index i)
 *   message_delta (stop_reason, usage), message_stop
 *
 * with at most one block open at a time: every block is stopped before
 * the next starts and before message_delta.  Blocks follow the chunks:
 * reasoning_content opens a thinking block, content (or refusal) a text
 * block, each new tool call index a tool_use block; a change of kind
 * closes the open block.  Also the Anthropic error object and the input
 * token estimate of a Messages request (count_tokens, quota holds).
 * The chat side is an upstream's, so untrusted: counts are capped,
 * indexes bounded, junk chunks ignored.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "providers/anthropic.h"
#include "providers/anthropic_int.h"
#include "providers/openai.h"
#include "tokens.h"

/* Tokens counted for an image (Anthropic: about w*h/750, at most ~1600). */
#define AN_IMAGE_TOKENS	1600

/* ---- answers: chat.completion -> Message ---- */

static const struct {
	const char	*chat;
	const char	*anthropic;
} stops[] = {
	{ "stop", "end_turn" },
	{ "length", "max_tokens" },
	{ "tool_calls", "tool_use" },
	{ "function_call", "tool_use" },
	{ "content_filter", "refusal" },
};

/*
 * The stop_reason for a finish_reason (unknown or none: end_turn); a
 * message that called tools ended for them unless it hit a limit.
 */
static const char *
stop_for(const char *finish, int tools)
{
	const char	*r = "end_turn";
	size_t		 k;

	for (k = 0; finish != NULL && k < sizeof(stops) / sizeof(stops[0]);
	    k++)
		if (strcmp(finish, stops[k].chat) == 0)
			r = stops[k].anthropic;
	return tools && strcmp(r, "end_turn") == 0 ? "tool_use" : r;
}

/*
 * Messages usage for chat counts: input_tokens is the part neither read
 * from nor written to a cache, as Anthropic counts it.
 */
static void
put_counts(int *bad, cJSON *u, const struct usage *c)
{
	put_num(bad, u, "input_tokens",
	    (double)(c->prompt - c->cached - c->cache_write));
	put_num(bad, u, "output_tokens", (double)c->completion);
	put_num(bad, u, "cache_read_input_tokens", (double)c->cached);
	put_num(bad, u, "cache_creation_input_tokens",
	    (double)c->cache_write);
}

/* The counts of a chat CompletionUsage, clamped; 1 when it has some. */
static int
chat_usage(const cJSON *u, struct usage *c)
{
	if (!oa_usage_read(u, c))
		return 0;
	if (c->cached > c->prompt)
		c->cached = c->prompt;
	if (c->cache_write > c->prompt - c->cached)
		c->cache_write = c->prompt - c->cached;
	return 1;
}

/* The message's text: content as a string or text parts, else refusal. */
static int
message_text(const cJSON *m, struct buf *b)
{
	const cJSON	*c = get(m, "content"), *p;

	if (cJSON_IsString(c) && buf_puts(b, c->valuestring) == -1)
		return -1;
	cJSON_ArrayForEach(p, arr(c))
		if (str(p, "text") != NULL && buf_puts(b, str(p, "text")) ==
		    -1)
			return -1;
	if (b->len == 0 && str(m, "refusal") != NULL &&
	    buf_puts(b, str(m, "refusal")) == -1)
		return -1;
	return 0;
}

/* A tool_use block for a chat tool call (input {} unless an object). */
static cJSON *
tool_use(int *bad, const cJSON *tc, const char *idbase, int n)
{
	const cJSON	*f = get(tc, "function");
	const char	*args = str(f, "arguments");
	cJSON		*b, *in;
	char		 id[160];

	in = args != NULL ? cJSON_Parse(args) : NULL;
	if (!cJSON_IsObject(in)) {
		cJSON_Delete(in);
		in = cJSON_CreateObject();
	}
	snprintf(id, sizeof(id), "toolu_%s_%d", idbase, n);
	if ((b = cJSON_CreateObject()) == NULL)
		*bad = 1;
	put_str(bad, b, "type", "tool_use");
	put_str(bad, b, "id", str(tc, "id") != NULL ? str(tc, "id") : id);
	put_str(bad, b, "name", str(f, "name"));
	put(bad, b, "input", in);
	return b;
}

/* Choice 0 of o's choices array, NULL when there is none. */
static const cJSON *
choice0(const cJSON *o)
{
	const cJSON	*c = get(o, "choices");

	return cJSON_IsArray(c) ? c->child : NULL;
}

/* reasoning_content, or "reasoning" as some upstreams call it. */
static const char *
reasoning(const cJSON *m)
{
	return str(m, "reasoning_content") != NULL ?
	    str(m, "reasoning_content") : str(m, "reasoning");
}

cJSON *
an_cl_response(const cJSON *chat, const char *model, const char *idbase)
{
	const cJSON	*ch = choice0(chat);
	const cJSON	*m = get(ch, "message"), *tc, *calls;
	const char	*r;
	struct buf	 text;
	cJSON		*o, *content, *b;
	struct usage	 use;
	int		 bad = 0, n = 0;
	char		 id[128];

	if (!cJSON_IsObject(m) || (o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (idbase == NULL)
		idbase = "";
	snprintf(id, sizeof(id), "msg_%s", idbase);
	put_str(&bad, o, "id", id);
	put_str(&bad, o, "type", "message");
	put_str(&bad, o, "role", "assistant");
	put_str(&bad, o, "model", model);
	content = put_arr(&bad, o, "content");
	if ((r = reasoning(m)) != NULL && r[0] != '\0') {
		b = put_obj(&bad, content, NULL);
		put_str(&bad, b, "type", "thinking");
		put_str(&bad, b, "thinking", r);
		put_str(&bad, b, "signature", "");
	}
	buf_init(&text, AN_JOIN_MAX);
	if (message_text(m, &text) == -1)
		bad = 1;
	if (text.len > 0)
		put(&bad, content, NULL, text_obj(&bad, buf_cstr(&text)));
	buf_free(&text);
	calls = get(m, "tool_calls");
	cJSON_ArrayForEach(tc, arr(calls))
		if (cJSON_IsObject(tc))
			put(&bad, content, NULL, tool_use(&bad, tc, idbase,
			    n++));
	put_str(&bad, o, "stop_reason", stop_for(str(ch, "finish_reason"),
	    n > 0));
	put_null(&bad, o, "stop_sequence");
	memset(&use, 0, sizeof(use));
	chat_usage(get(chat, "usage"), &use);
	put_counts(&bad, put_obj(&bad, o, "usage"), &use);
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

const char *
an_error_type(int status)
{
	switch (status) {
	case 400: case 405: return "invalid_request_error";
	case 401: return "authentication_error";
	case 402: return "billing_error";
	case 403: return "permission_error";
	case 404: return "not_found_error";
	case 413: return "request_too_large";
	case 429: return "rate_limit_error";
	case 503: return "overloaded_error";
	case 504: return "timeout_error";
	default: return "api_error";
	}
}

cJSON *
an_cl_error(const char *type, const char *message)
{
	cJSON	*o, *e;
	int	 bad = 0;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	put_str(&bad, o, "type", "error");
	e = put_obj(&bad, o, "error");
	put_str(&bad, e, "type", type != NULL ? type : "api_error");
	put_str(&bad, e, "message", message);
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* ---- stream: chat chunks -> Messages events ---- */

void
an_cl_stream_init(struct an_cl_stream *s, const char *idbase,
    const char *model, int64_t est_input)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "msg_%s", idbase != NULL ? idbase :
	    "");
	snprintf(s->model, sizeof(s->model), "%s", model != NULL ? model : "");
	s->est_input = est_input > 0 ? est_input : 0;
	s->open = AN_BLK_NONE;
	s->tool_index = -1;
}

/* A new event {"type": type}. */
static cJSON *
ev_new(int *bad, const char *type)
{
	cJSON	*e;

	if ((e = cJSON_CreateObject()) == NULL) {
		*bad = 1;
		return NULL;
	}
	put_str(bad, e, "type", type);
	return e;
}

/* Hands e to emit and deletes it; -1 when bad. */
static int
ev_emit(cJSON *e, int bad, an_event_fn emit, void *arg)
{
	int	 rc;

	if (bad || e == NULL) {
		cJSON_Delete(e);
		return -1;
	}
	rc = emit(arg, str(e, "type"), e);
	cJSON_Delete(e);
	return rc;
}

static int
cl_start(struct an_cl_stream *s, an_event_fn emit, void *arg)
{
	cJSON	*e, *m, *u;
	int	 bad = 0;

	if (s->started)
		return 0;
	s->started = 1;
	e = ev_new(&bad, "message_start");
	m = put_obj(&bad, e, "message");
	put_str(&bad, m, "id", s->id);
	put_str(&bad, m, "type", "message");
	put_str(&bad, m, "role", "assistant");
	put_str(&bad, m, "model", s->model);
	put_arr(&bad, m, "content");
	put_null(&bad, m, "stop_reason");
	put_null(&bad, m, "stop_sequence");
	u = put_obj(&bad, m, "usage");
	put_num(&bad, u, "input_tokens", (double)s->est_input);
	put_num(&bad, u, "output_tokens", 0);
	return ev_emit(e, bad, emit, arg);
}

/* content_block_stop for the open block; the next index follows. */
static int
cl_close(struct an_cl_stream *s, an_event_fn emit, void *arg)
{
	cJSON	*e;
	int	 bad = 0;

	if (s->open == AN_BLK_NONE)
		return 0;
	e = ev_new(&bad, "content_block_stop");
	put_num(&bad, e, "index", s->index);
	s->open = AN_BLK_NONE;
	s->index++;
	return ev_emit(e, bad, emit, arg);
}

/* Closes the open block and starts one of kind (id, name: tool_use). */
static int
cl_open(struct an_cl_stream *s, int kind, const char *id, const char *name,
    an_event_fn emit, void *arg)
{
	cJSON	*e, *b;
	int	 bad = 0, rc;

	if ((rc = cl_close(s, emit, arg)) != 0)
		return rc;
	e = ev_new(&bad, "content_block_start");
	put_num(&bad, e, "index", s->index);
	b = put_obj(&bad, e, "content_block");
	if (kind == AN_BLK_TEXT) {
		put_str(&bad, b, "type", "text");
		put_str(&bad, b, "text", "");
	} else if (kind == AN_BLK_THINKING) {
		put_str(&bad, b, "type", "thinking");
		put_str(&bad, b, "thinking", "");
		put_str(&bad, b, "signature", "");
	} else {
		put_str(&bad, b, "type", "tool_use");
		put_str(&bad, b, "id", id);
		put_str(&bad, b, "name", name);
		put_obj(&bad, b, "input");
	}
	s->open = kind;
	return ev_emit(e, bad, emit, arg);
}

/* content_block_delta {type dtype, key: v} for the open block. */
static int
cl_delta(struct an_cl_stream *s, const char *dtype, const char *key,
    const char *v, an_event_fn emit, void *arg)
{
	cJSON	*e, *d;
	int	 bad = 0;

	s->est_output += tok_estimate_str(v);
	e = ev_new(&bad, "content_block_delta");
	put_num(&bad, e, "index", s->index);
	d = put_obj(&bad, e, "delta");
	put_str(&bad, d, "type", dtype);
	put_str(&bad, d, key, v);
	return ev_emit(e, bad, emit, arg);
}

/* Text (or thinking) v into a block of kind, opened when needed. */
static int
cl_text(struct an_cl_stream *s, int kind, const char *v, an_event_fn emit,
    void *arg)
{
	int	 rc;

	if (v == NULL || v[0] == '\0')
		return 0;
	if ((int)s->open != kind && (rc = cl_open(s, kind, NULL, NULL, emit,
	    arg)) != 0)
		return rc;
	return kind == AN_BLK_TEXT ? cl_delta(s, "text_delta", "text", v, emit,
	    arg) : cl_delta(s, "thinking_delta", "thinking", v, emit, arg);
}

/*
 * tool_calls deltas.  A call with a higher index than any before opens a
 * tool_use block; argument deltas of the open call become input_json
 * deltas; deltas of a call whose block was closed (an upstream that
 * interleaves calls) cannot be delivered any more and are dropped.  A
 * call without an index is the open one, or a new one when it has an id.
 */
static int
cl_calls(struct an_cl_stream *s, const cJSON *calls, an_event_fn emit,
    void *arg)
{
	const cJSON	*tc, *ix, *f;
	const char	*id, *args;
	char		 gen[160];
	int		 i, rc;

	cJSON_ArrayForEach(tc, calls) {
		ix = get(tc, "index");
		id = str(tc, "id");
		f = get(tc, "function");
		args = str(f, "arguments");
		if (cJSON_IsNumber(ix) && ix->valuedouble >= 0 &&
		    ix->valuedouble < 1e6)
			i = (int)ix->valuedouble;
		else
			i = id != NULL || s->open != AN_BLK_TOOL ?
			    s->tool_index + 1 : s->tool_index;
		if (i > s->tool_index) {
			snprintf(gen, sizeof(gen), "toolu_%s_%d", s->id + 4,
			    s->index + (s->open != AN_BLK_NONE));
			s->tool_index = i;
			if ((rc = cl_open(s, AN_BLK_TOOL, id != NULL ? id : gen,
			    str(f, "name"), emit, arg)) != 0)
				return rc;
		} else if (i != s->tool_index || s->open != AN_BLK_TOOL)
			continue;
		if (args != NULL && args[0] != '\0' && (rc = cl_delta(s,
		    "input_json_delta", "partial_json", args, emit, arg)) != 0)
			return rc;
	}
	return 0;
}

int
an_cl_stream_chunk(struct an_cl_stream *s, const cJSON *chunk,
    an_event_fn emit, void *arg)
{
	const cJSON	*ch, *d;
	const char	*fr;
	int		 rc;

	if (s->ended || !cJSON_IsObject(chunk))
		return 0;
	if ((rc = cl_start(s, emit, arg)) != 0)
		return rc;
	if (chat_usage(get(chunk, "usage"), &s->usage))
		s->have_usage = 1;
	ch = choice0(chunk);
	d = get(ch, "delta");
	if ((rc = cl_text(s, AN_BLK_THINKING, reasoning(d), emit, arg)) !=
	    0 ||
	    (rc = cl_text(s, AN_BLK_TEXT, str(d, "content"), emit, arg)) != 0 ||
	    (rc = cl_text(s, AN_BLK_TEXT, str(d, "refusal"), emit, arg)) != 0)
		return rc;
	if (cJSON_IsArray(get(d, "tool_calls")) && (rc = cl_calls(s,
	    get(d, "tool_calls"), emit, arg)) != 0)
		return rc;
	if ((fr = str(ch, "finish_reason")) != NULL)
		snprintf(s->stop, sizeof(s->stop), "%s", stop_for(fr, 0));
	return 0;
}

int
an_cl_stream_ping(struct an_cl_stream *s, an_event_fn emit, void *arg)
{
	int	 bad = 0, rc;

	if (s->ended)
		return 0;
	if ((rc = cl_start(s, emit, arg)) != 0)
		return rc;
	return ev_emit(ev_new(&bad, "ping"), bad, emit, arg);
}

int
an_cl_stream_done(struct an_cl_stream *s, an_event_fn emit, void *arg)
{
	const char	*stop = s->stop[0] != '\0' ? s->stop : "end_turn";
	cJSON		*e, *d, *u;
	int		 bad = 0, rc;

	if (s->ended)
		return 0;
	if ((rc = cl_start(s, emit, arg)) != 0 ||
	    (rc = cl_close(s, emit, arg)) != 0)
		return rc;
	s->ended = 1;
	if (s->tool_index >= 0 && strcmp(stop, "end_turn") == 0)
		stop = "tool_use";
	e = ev_new(&bad, "message_delta");
	d = put_obj(&bad, e, "delta");
	put_str(&bad, d, "stop_reason", stop);
	put_null(&bad, d, "stop_sequence");
	u = put_obj(&bad, e, "usage");
	if (!s->have_usage) {
		memset(&s->usage, 0, sizeof(s->usage));
		s->usage.prompt = s->est_input;
		s->usage.completion = s->est_output;
	}
	put_counts(&bad, u, &s->usage);
	if ((rc = ev_emit(e, bad, emit, arg)) != 0)
		return rc;
	bad = 0;
	return ev_emit(ev_new(&bad, "message_stop"), bad, emit, arg);
}

/* ---- input estimate ---- */

/* Tokens of a content: a string or blocks (tool results nest). */
static int64_t
content_tokens(const cJSON *c, int depth)
{
	const cJSON	*b;
	const char	*t;
	int64_t		 n = 0;

	if (cJSON_IsString(c))
		return tok_estimate_str(c->valuestring);
	cJSON_ArrayForEach(b, arr(c)) {
		t = str(b, "type");
		if (streq(t, "image") || streq(t, "document"))
			n += AN_IMAGE_TOKENS;
		else if (streq(t, "tool_use"))
			n += tok_estimate_str(str(b, "name")) +
			    tok_estimate_json(get(b, "input"));
		else if (streq(t, "tool_result") && depth == 0)
			n += content_tokens(get(b, "content"), 1);
		else
			n += tok_estimate_str(str(b, "text")) +
			    tok_estimate_str(str(b, "thinking"));
	}
	return n;
}

int64_t
an_request_input_tokens(const cJSON *req)
{
	const cJSON	*m;
	int64_t		 n = 3;

	n += content_tokens(get(req, "system"), 0);
	cJSON_ArrayForEach(m, arr(get(req, "messages")))
		n += 3 + content_tokens(get(m, "content"), 0);
	if (cJSON_IsArray(get(req, "tools")))
		n += tok_estimate_json(get(req, "tools"));
	return n;
}
