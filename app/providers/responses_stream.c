/*
 * responses_stream.c: a chat.completion.chunk stream turned into the
 * Responses API's named events (openai-openapi.yaml ResponseStreamEvent),
 * so that a client of POST /v1/responses sees the same sequence whether
 * the channel has the Responses API or only Chat Completions:
 *
 *   response.created, response.in_progress
 *   per output item (a message, or one per function call):
 *     response.output_item.added
 *     message:  response.content_part.added,
 *               response.output_text.delta ... (or response.refusal.delta),
 *               response.output_text.done (response.refusal.done),
 *               response.content_part.done
 *     call:     response.function_call_arguments.delta ...,
 *               response.function_call_arguments.done
 *     response.output_item.done
 *   response.completed | response.incomplete | response.failed
 *
 * Every event carries "type" (= its SSE event name) and a
 * sequence_number counting from 0.  Item ids are "msg_<idbase>_<i>" and
 * "fc_<idbase>_<i>" with i the output_index.  Only choice 0 of the chat
 * stream is used (a Responses request cannot ask for n > 1).
 *
 * Invariant: at most one output item and one content part are open;
 * every opened one gets its done events before the next opens, before
 * the terminal event and (as "incomplete") before response.failed.
 * Closed items are moved into s->resp's output, so the terminal event
 * carries the whole Response as the spec requires; that text is capped
 * by the max given to rc_stream_init.
 *
 * Also here, for either kind of channel: the ResponseUsage reader, the
 * output tokens a stream event delivers (billing without upstream
 * usage) and the in-stream error event.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "providers/responses_chat.h"
#include "tokens.h"

static const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON	*v = get(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

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

int
rc_stream_init(struct rc_stream *s, const cJSON *req, const char *idbase,
    const char *model, int64_t created, size_t max)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->idbase, sizeof(s->idbase), "%s", idbase);
	buf_init(&s->text, max);
	buf_init(&s->name, 4096);
	buf_init(&s->call_id, 4096);
	s->call_index = -1;
	if ((s->resp = rc_response_new(req, s->idbase, model, created)) ==
	    NULL)
		return -1;
	return 0;
}

void
rc_stream_free(struct rc_stream *s)
{
	cJSON_Delete(s->resp);
	cJSON_Delete(s->content);
	cJSON_Delete(s->usage);
	s->resp = s->content = s->usage = NULL;
	buf_free(&s->text);
	buf_free(&s->name);
	buf_free(&s->call_id);
}

/* A new event object of type with the next sequence_number. */
static cJSON *
ev_new(struct rc_stream *s, const char *type)
{
	cJSON	*e;

	if ((e = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(e, "type", type) == NULL ||
	    cJSON_AddNumberToObject(e, "sequence_number", (double)s->seq) ==
	    NULL) {
		cJSON_Delete(e);
		return NULL;
	}
	s->seq++;
	return e;
}

/* item_id, output_index (and content_index when part) of the open item. */
static cJSON *
ev_item(struct rc_stream *s, const char *type, int part)
{
	cJSON	*e;

	if ((e = ev_new(s, type)) == NULL)
		return NULL;
	cJSON_AddStringToObject(e, "item_id", s->item_id);
	cJSON_AddNumberToObject(e, "output_index", s->out_index);
	if (part)
		cJSON_AddNumberToObject(e, "content_index", s->part_index);
	return e;
}

/* Hands e to emit and deletes it. */
static int
ev_emit(cJSON *e, rc_emit_fn emit, void *arg)
{
	int	 rc;

	if (e == NULL)
		return -1;
	rc = emit(arg, str(e, "type"), e);
	cJSON_Delete(e);
	return rc;
}

/* An output_text or refusal part holding text. */
static cJSON *
part_new(enum rc_part p, const char *text)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (p == RC_PART_REFUSAL) {
		cJSON_AddStringToObject(o, "type", "refusal");
		cJSON_AddStringToObject(o, "refusal", text);
		return o;
	}
	cJSON_AddStringToObject(o, "type", "output_text");
	cJSON_AddArrayToObject(o, "annotations");
	cJSON_AddArrayToObject(o, "logprobs");
	cJSON_AddStringToObject(o, "text", text);
	return o;
}

/*
 * The open item as an OutputMessage (content consumed; NULL for []) or a
 * FunctionToolCall (arguments so far when done, else "").
 */
static cJSON *
item_new(struct rc_stream *s, const char *status, cJSON *content, int done)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(content);
		return NULL;
	}
	cJSON_AddStringToObject(o, "id", s->item_id);
	if (s->item == RC_MESSAGE) {
		cJSON_AddStringToObject(o, "type", "message");
		cJSON_AddStringToObject(o, "status", status);
		cJSON_AddItemToObject(o, "content", content != NULL ? content :
		    cJSON_CreateArray());
		cJSON_AddStringToObject(o, "role", "assistant");
		return o;
	}
	cJSON_AddStringToObject(o, "type", "function_call");
	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddStringToObject(o, "arguments", done ? buf_cstr(&s->text) :
	    "");
	cJSON_AddStringToObject(o, "call_id", buf_cstr(&s->call_id));
	cJSON_AddStringToObject(o, "name", buf_cstr(&s->name));
	return o;
}

/* Emits "added"/"done" for item (not consumed). */
static int
emit_item(struct rc_stream *s, const char *type, cJSON *item,
    rc_emit_fn emit, void *arg)
{
	cJSON	*e;

	if (item == NULL || (e = ev_new(s, type)) == NULL)
		return -1;
	cJSON_AddNumberToObject(e, "output_index", s->out_index);
	cJSON_AddItemReferenceToObject(e, "item", item);
	return ev_emit(e, emit, arg);
}

static int
close_part(struct rc_stream *s, rc_emit_fn emit, void *arg)
{
	const char	*t = buf_cstr(&s->text);
	cJSON		*e, *p;
	int		 rc;

	if (s->part == RC_PART_NONE)
		return 0;
	if (s->part == RC_PART_TEXT) {
		if ((e = ev_item(s, "response.output_text.done", 1)) != NULL) {
			cJSON_AddStringToObject(e, "text", t);
			cJSON_AddArrayToObject(e, "logprobs");
		}
	} else if ((e = ev_item(s, "response.refusal.done", 1)) != NULL)
		cJSON_AddStringToObject(e, "refusal", t);
	if ((rc = ev_emit(e, emit, arg)) != 0)
		return rc;
	if ((p = part_new(s->part, t)) == NULL ||
	    (e = ev_item(s, "response.content_part.done", 1)) == NULL) {
		cJSON_Delete(p);
		return -1;
	}
	cJSON_AddItemReferenceToObject(e, "part", p);
	rc = ev_emit(e, emit, arg);
	cJSON_AddItemToArray(s->content, p);
	s->part = RC_PART_NONE;
	buf_reset(&s->text);
	return rc;
}

/* Closes the open item with status; its final form joins the output. */
static int
close_item(struct rc_stream *s, const char *status, rc_emit_fn emit,
    void *arg)
{
	cJSON	*e, *it;
	int	 rc;

	if (s->item == RC_NONE)
		return 0;
	if (s->item == RC_MESSAGE) {
		if ((rc = close_part(s, emit, arg)) != 0)
			return rc;
		it = item_new(s, status, s->content, 1);
		s->content = NULL;
	} else {
		if ((e = ev_item(s, "response.function_call_arguments.done",
		    0)) != NULL) {
			cJSON_AddStringToObject(e, "name", buf_cstr(&s->name));
			cJSON_AddStringToObject(e, "arguments",
			    buf_cstr(&s->text));
		}
		if ((rc = ev_emit(e, emit, arg)) != 0)
			return rc;
		it = item_new(s, status, NULL, 1);
	}
	rc = emit_item(s, "response.output_item.done", it, emit, arg);
	if (it != NULL)
		cJSON_AddItemToArray((cJSON *)get(s->resp, "output"), it);
	s->item = RC_NONE;
	buf_reset(&s->text);
	return rc;
}

static int
open_message(struct rc_stream *s, rc_emit_fn emit, void *arg)
{
	cJSON	*it;
	int	 rc;

	if (s->item == RC_MESSAGE)
		return 0;
	if ((rc = close_item(s, "completed", emit, arg)) != 0)
		return rc;
	s->item = RC_MESSAGE;
	s->out_index = cJSON_GetArraySize(get(s->resp, "output"));
	snprintf(s->item_id, sizeof(s->item_id), "msg_%s_%d", s->idbase,
	    s->out_index);
	if ((s->content = cJSON_CreateArray()) == NULL)
		return -1;
	it = item_new(s, "in_progress", NULL, 0);
	rc = emit_item(s, "response.output_item.added", it, emit, arg);
	cJSON_Delete(it);
	return rc;
}

static int
open_part(struct rc_stream *s, enum rc_part p, rc_emit_fn emit, void *arg)
{
	cJSON	*e, *part;
	int	 rc;

	if (s->part == p)
		return 0;
	if ((rc = close_part(s, emit, arg)) != 0)
		return rc;
	s->part = p;
	s->part_index = cJSON_GetArraySize(s->content);
	buf_reset(&s->text);
	if ((e = ev_item(s, "response.content_part.added", 1)) == NULL)
		return -1;
	if ((part = part_new(p, "")) == NULL) {
		cJSON_Delete(e);
		return -1;
	}
	cJSON_AddItemToObject(e, "part", part);
	return ev_emit(e, emit, arg);
}

static int
open_call(struct rc_stream *s, int index, const char *id, const char *name,
    rc_emit_fn emit, void *arg)
{
	cJSON	*it;
	int	 rc;

	if ((rc = close_item(s, "completed", emit, arg)) != 0)
		return rc;
	s->item = RC_CALL;
	s->call_index = index;
	s->out_index = cJSON_GetArraySize(get(s->resp, "output"));
	snprintf(s->item_id, sizeof(s->item_id), "fc_%s_%d", s->idbase,
	    s->out_index);
	buf_reset(&s->text);
	buf_reset(&s->name);
	buf_reset(&s->call_id);
	if (buf_puts(&s->call_id, id != NULL && id[0] != '\0' ? id :
	    s->item_id) == -1 || buf_puts(&s->name, name != NULL ? name :
	    "") == -1)
		return -1;
	it = item_new(s, "in_progress", NULL, 0);
	rc = emit_item(s, "response.output_item.added", it, emit, arg);
	cJSON_Delete(it);
	return rc;
}

/* A delta event for the open part or call; the text is kept. */
static int
delta(struct rc_stream *s, const char *type, int part, const char *d,
    rc_emit_fn emit, void *arg)
{
	cJSON	*e;

	if (buf_puts(&s->text, d) == -1 || (e = ev_item(s, type, part)) ==
	    NULL)
		return -1;
	cJSON_AddStringToObject(e, "delta", d);
	if (strcmp(type, "response.output_text.delta") == 0)
		cJSON_AddArrayToObject(e, "logprobs");
	return ev_emit(e, emit, arg);
}

static int
tool_calls(struct rc_stream *s, const cJSON *calls, rc_emit_fn emit,
    void *arg)
{
	const cJSON	*tc, *f, *ix;
	const char	*name, *args;
	int		 rc, index;

	cJSON_ArrayForEach(tc, calls) {
		ix = get(tc, "index");
		index = cJSON_IsNumber(ix) && ix->valuedouble >= 0 &&
		    ix->valuedouble < 1e6 ? (int)ix->valuedouble : 0;
		f = get(tc, "function");
		name = str(f, "name");
		args = str(f, "arguments");
		if (s->item != RC_CALL || index != s->call_index) {
			if ((rc = open_call(s, index, str(tc, "id"), name,
			    emit, arg)) != 0)
				return rc;
		} else if (name != NULL && buf_puts(&s->name, name) == -1)
			return -1;
		if (args != NULL && args[0] != '\0' && (rc = delta(s,
		    "response.function_call_arguments.delta", 0, args, emit,
		    arg)) != 0)
			return rc;
	}
	return 0;
}

int
rc_stream_begin(struct rc_stream *s, rc_emit_fn emit, void *arg)
{
	static const char *const types[] = { "response.created",
	    "response.in_progress" };
	cJSON	*e;
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if ((e = ev_new(s, types[i])) == NULL)
			return -1;
		cJSON_AddItemReferenceToObject(e, "response", s->resp);
		if ((rc = ev_emit(e, emit, arg)) != 0)
			return rc;
	}
	return 0;
}

int
rc_stream_chunk(struct rc_stream *s, const cJSON *chunk, rc_emit_fn emit,
    void *arg)
{
	const cJSON	*c, *d, *u;
	const char	*t;
	cJSON		*ru;
	int		 rc;

	if (s->ended)
		return 0;
	if ((u = get(chunk, "usage")) != NULL && cJSON_IsObject(u) &&
	    (ru = rc_usage_from_chat(u)) != NULL) {
		cJSON_Delete(s->usage);
		s->usage = ru;
	}
	c = cJSON_GetArrayItem(get(chunk, "choices"), 0);
	if (!cJSON_IsObject(c))
		return 0;
	d = get(c, "delta");
	if ((t = str(d, "content")) != NULL && t[0] != '\0' &&
	    ((rc = open_message(s, emit, arg)) != 0 ||
	    (rc = open_part(s, RC_PART_TEXT, emit, arg)) != 0 ||
	    (rc = delta(s, "response.output_text.delta", 1, t, emit, arg)) !=
	    0))
		return rc;
	if ((t = str(d, "refusal")) != NULL && t[0] != '\0' &&
	    ((rc = open_message(s, emit, arg)) != 0 ||
	    (rc = open_part(s, RC_PART_REFUSAL, emit, arg)) != 0 ||
	    (rc = delta(s, "response.refusal.delta", 1, t, emit, arg)) != 0))
		return rc;
	if (cJSON_IsArray(get(d, "tool_calls")) &&
	    (rc = tool_calls(s, get(d, "tool_calls"), emit, arg)) != 0)
		return rc;
	if ((t = str(c, "finish_reason")) != NULL)
		snprintf(s->finish, sizeof(s->finish), "%s", t);
	return 0;
}

/* Emits the terminal event of type with the whole Response. */
static int
terminal(struct rc_stream *s, const char *type, rc_emit_fn emit,
    void *arg)
{
	cJSON	*e;

	if (s->usage != NULL) {
		set(s->resp, "usage", s->usage);
		s->usage = NULL;
	}
	if ((e = ev_new(s, type)) == NULL)
		return -1;
	cJSON_AddItemReferenceToObject(e, "response", s->resp);
	return ev_emit(e, emit, arg);
}

int
rc_stream_done(struct rc_stream *s, rc_emit_fn emit, void *arg)
{
	cJSON	*d;
	int	 rc, incomplete;

	if (s->ended)
		return 0;
	s->ended = 1;
	incomplete = strcmp(s->finish, "length") == 0 ||
	    strcmp(s->finish, "content_filter") == 0;
	if ((rc = close_item(s, incomplete ? "incomplete" : "completed", emit,
	    arg)) != 0)
		return rc;
	if (!incomplete) {
		set(s->resp, "status", cJSON_CreateString("completed"));
		set(s->resp, "completed_at",
		    cJSON_CreateNumber((double)time(NULL)));
		return terminal(s, "response.completed", emit, arg);
	}
	set(s->resp, "status", cJSON_CreateString("incomplete"));
	if ((d = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(d, "reason", strcmp(s->finish,
		    "length") == 0 ? "max_output_tokens" : "content_filter");
		set(s->resp, "incomplete_details", d);
	}
	return terminal(s, "response.incomplete", emit, arg);
}

int
rc_stream_failed(struct rc_stream *s, const char *code, const char *message,
    rc_emit_fn emit, void *arg)
{
	cJSON	*err;
	int	 rc;

	if (s->ended)
		return 0;
	s->ended = 1;
	if ((rc = close_item(s, "incomplete", emit, arg)) != 0)
		return rc;
	set(s->resp, "status", cJSON_CreateString("failed"));
	if ((err = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(err, "code", code);
		cJSON_AddStringToObject(err, "message", message);
		set(s->resp, "error", err);
	}
	return terminal(s, "response.failed", emit, arg);
}

int64_t
rc_event_output_tokens(const cJSON *ev)
{
	static const char *const deltas[] = {
		"response.output_text.delta",
		"response.refusal.delta",
		"response.function_call_arguments.delta",
		"response.reasoning_text.delta",
		"response.reasoning_summary_text.delta",
		"response.custom_tool_call_input.delta",
	};
	const char	*t = str(ev, "type");
	size_t		 k;

	for (k = 0; t != NULL && k < sizeof(deltas) / sizeof(deltas[0]); k++)
		if (strcmp(t, deltas[k]) == 0)
			return tok_estimate_member(ev, "delta");
	return 0;
}

cJSON *
rc_error_event(int64_t seq, const char *code, const char *message)
{
	cJSON	*e;

	if ((e = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(e, "type", "error");
	cJSON_AddNumberToObject(e, "sequence_number", (double)seq);
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddNullToObject(e, "param");
	return e;
}

static int64_t
num(const cJSON *o, const char *k)
{
	const cJSON	*v = get(o, k);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 1e15)
		return 0;
	return (int64_t)v->valuedouble;
}

int
rc_usage_read(const cJSON *usage, struct usage *u)
{
	if (!cJSON_IsObject(usage) ||
	    (!cJSON_IsNumber(get(usage, "input_tokens")) &&
	    !cJSON_IsNumber(get(usage, "output_tokens"))))
		return 0;
	memset(u, 0, sizeof(*u));
	u->prompt = num(usage, "input_tokens");
	u->completion = num(usage, "output_tokens");
	u->cached = num(get(usage, "input_tokens_details"), "cached_tokens");
	u->cache_write = num(get(usage, "input_tokens_details"),
	    "cache_write_tokens");
	u->reasoning = num(get(usage, "output_tokens_details"),
	    "reasoning_tokens");
	if (u->cached > u->prompt)
		u->cached = u->prompt;
	return 1;
}
