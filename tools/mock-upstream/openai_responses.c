/*
 * openai_responses.c: POST /v1/responses of the mock's OpenAI provider,
 * in OpenAI's format (openai-openapi.yaml CreateResponse, Response,
 * OutputMessage, FunctionToolCall, ResponseUsage, ResponseStreamEvent).
 *
 * The answer is as deterministic as chat's (README.md): the text is
 * "w1 ... wK" with K the chunks control cut to max_output_tokens (then
 * the Response is "incomplete", reason max_output_tokens); with
 * function tools and tool_choice "required", a named function, or the
 * tool_call control, the output is one function_call item instead,
 * arguments built as for chat.  Usage: input_tokens = 3 + words per
 * input message (string content, or the text of input_text/output_text
 * parts), 3 + words of a function_call_output's string output, 3 per
 * other item, 3 + words of a string input, 3 + words of instructions;
 * output_tokens = K, or the number of argument pieces; no_usage makes
 * usage null.
 *
 * A stream is the named event sequence: response.created,
 * response.in_progress, response.output_item.added, (message:
 * response.content_part.added, K x response.output_text.delta,
 * response.output_text.done, response.content_part.done | call: F x
 * response.function_call_arguments.delta,
 * response.function_call_arguments.done), response.output_item.done,
 * response.completed (or response.incomplete); no [DONE].  The deltas
 * are the content events the *_after controls count; error_after sends
 * `event: error` then `event: response.failed`.  Controls come from
 * X-Mock-* headers and metadata.mock_*, as for chat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "openai.h"

enum rsp_phase {
	RP_CREATED = 0,
	RP_PROGRESS,
	RP_ADDED,
	RP_PART_ADDED,
	RP_BODY,
	RP_BODY_DONE,
	RP_PART_DONE,
	RP_ITEM_DONE,
	RP_FINAL,
	RP_END
};

struct rsp {
	struct oai_chat	*c;		/* model, tool, words, args, ids */
	long		 input_tokens;
	long		 max_output;	/* 0: not given */
	int		 incomplete;
	enum rsp_phase	 phase;
	long		 step;
	long		 seq;
	char		 msgid[64];
	char		 fcid[64];
};

static unsigned long long	rsp_seq;

static void
rsp_free(struct rsp *r)
{
	if (r == NULL)
		return;
	oai_chat_free(r->c);
	free(r);
}

static const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static int
given(const cJSON *o, const char *k)
{
	const cJSON	*v = get(o, k);

	return v != NULL && !cJSON_IsNull(v);
}

/* Function names: ^[a-zA-Z0-9_-]{1,64}$. */
static int
fname_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return i > 0 && i <= 64;
}

/* Words of one input item, plus 3. */
static long
item_tokens(const cJSON *it)
{
	const cJSON	*ct = get(it, "content"), *p, *t;
	const char	*type;
	long		 n = 3;

	t = get(it, "type");
	type = cJSON_IsString(t) ? t->valuestring : "message";
	if (strcmp(type, "function_call_output") == 0) {
		t = get(it, "output");
		return n + (cJSON_IsString(t) ? oai_words(t->valuestring) : 0);
	}
	if (strcmp(type, "message") != 0)
		return n;
	if (cJSON_IsString(ct))
		return n + oai_words(ct->valuestring);
	cJSON_ArrayForEach(p, ct) {
		t = get(p, "type");
		if (cJSON_IsString(t) && (strcmp(t->valuestring,
		    "input_text") == 0 || strcmp(t->valuestring,
		    "output_text") == 0) && cJSON_IsString(get(p, "text")))
			n += oai_words(get(p, "text")->valuestring);
	}
	return n;
}

/*
 * Validates input and counts its tokens.  Returns NULL, or the message
 * of a 400 with *param set.
 */
static const char *
rsp_check_input(struct rsp *r, const cJSON *doc, char *param, size_t psz)
{
	static const char *const roles[] = { "user", "assistant", "system",
	    "developer", NULL };
	const cJSON	*in = get(doc, "input"), *it, *role, *t;
	size_t		 k;
	int		 i = 0;

	snprintf(param, psz, "input");
	if (!given(doc, "input")) {
		if (given(doc, "previous_response_id"))
			return NULL;
		return "Missing required parameter: 'input'.";
	}
	if (cJSON_IsString(in)) {
		r->input_tokens += 3 + oai_words(in->valuestring);
		return NULL;
	}
	if (!cJSON_IsArray(in))
		return "Invalid type for 'input': expected a string or an "
		    "array of input items.";
	cJSON_ArrayForEach(it, in) {
		snprintf(param, psz, "input[%d]", i++);
		if (!cJSON_IsObject(it))
			return "Invalid input item: expected an object.";
		t = get(it, "type");
		role = get(it, "role");
		if (t != NULL && !cJSON_IsString(t))
			return "Invalid input item: 'type' must be a string.";
		if (t == NULL || strcmp(t->valuestring, "message") == 0) {
			for (k = 0; cJSON_IsString(role) && roles[k] != NULL;
			    k++)
				if (strcmp(role->valuestring, roles[k]) == 0)
					break;
			if (!cJSON_IsString(role) || roles[k] == NULL)
				return "Invalid input message: 'role' must be "
				    "one of user, assistant, system, "
				    "developer.";
			if (!cJSON_IsString(get(it, "content")) &&
			    !cJSON_IsArray(get(it, "content")))
				return "Invalid input message: 'content' must "
				    "be a string or an array.";
		} else if (strcmp(t->valuestring, "function_call") == 0 &&
		    (!cJSON_IsString(get(it, "call_id")) ||
		    !cJSON_IsString(get(it, "name")) ||
		    !cJSON_IsString(get(it, "arguments"))))
			return "Invalid function_call item: 'call_id', 'name' "
			    "and 'arguments' are required strings.";
		else if (strcmp(t->valuestring, "function_call_output") == 0 &&
		    !cJSON_IsString(get(it, "call_id")))
			return "Invalid function_call_output item: 'call_id' "
			    "is a required string.";
		r->input_tokens += item_tokens(it);
	}
	return NULL;
}

/* Validates tools and tool_choice; picks the function to call, if any. */
static const char *
rsp_check_tools(struct rsp *r, const cJSON *doc, const struct mock_ctl *ctl,
    char *param, size_t psz)
{
	const cJSON	*tools = get(doc, "tools"), *t, *tc, *name;
	const cJSON	*first = NULL;
	int		 i = 0, force = ctl->v[CTL_TOOL_CALL] == 1;

	if (given(doc, "tools") && !cJSON_IsArray(tools)) {
		snprintf(param, psz, "tools");
		return "Invalid type for 'tools': expected an array.";
	}
	cJSON_ArrayForEach(t, tools) {
		snprintf(param, psz, "tools[%d]", i++);
		if (!cJSON_IsString(get(t, "type")))
			return "Invalid tool: 'type' is a required string.";
		if (strcmp(get(t, "type")->valuestring, "function") != 0)
			continue;
		name = get(t, "name");
		if (!cJSON_IsString(name) || !fname_ok(name->valuestring))
			return "Invalid function tool: 'name' must match "
			    "^[a-zA-Z0-9_-]{1,64}$.";
		if (first == NULL)
			first = t;
	}
	tc = get(doc, "tool_choice");
	snprintf(param, psz, "tool_choice");
	r->c->tool = first;
	if (cJSON_IsString(tc)) {
		if (strcmp(tc->valuestring, "none") == 0)
			force = 0;
		else if (strcmp(tc->valuestring, "required") == 0)
			force = 1;
		else if (strcmp(tc->valuestring, "auto") != 0)
			return "Invalid value for 'tool_choice': expected "
			    "none, auto or required.";
	} else if (cJSON_IsObject(tc) && cJSON_IsString(get(tc, "name"))) {
		r->c->tool = NULL;
		cJSON_ArrayForEach(t, tools)
			if (cJSON_IsString(get(t, "name")) && strcmp(get(t,
			    "name")->valuestring, get(tc,
			    "name")->valuestring) == 0)
				r->c->tool = t;
		if (r->c->tool == NULL)
			return "Invalid value for 'tool_choice': no such "
			    "function in 'tools'.";
		force = 1;
	} else if (given(doc, "tool_choice") && !cJSON_IsObject(tc))
		return "Invalid type for 'tool_choice'.";
	if (!force)
		r->c->tool = NULL;
	return NULL;
}

static const char *
rsp_check(struct rsp *r, struct mock_req *req, char *param, size_t psz)
{
	const cJSON	*doc = r->c->doc, *v;
	const char	*m;

	param[0] = '\0';
	if (!cJSON_IsObject(doc))
		return "We could not parse the JSON body of your request.";
	v = get(doc, "model");
	snprintf(param, psz, "model");
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return "you must provide a model parameter";
	r->c->model = v->valuestring;
	if ((m = rsp_check_input(r, doc, param, psz)) != NULL ||
	    (m = rsp_check_tools(r, doc, &req->ctl, param, psz)) != NULL)
		return m;
	v = get(doc, "max_output_tokens");
	snprintf(param, psz, "max_output_tokens");
	if (given(doc, "max_output_tokens")) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 16 ||
		    v->valuedouble > 1e9 ||
		    v->valuedouble != (double)(long)v->valuedouble)
			return "Invalid 'max_output_tokens': integer below "
			    "minimum value. Expected a value >= 16.";
		r->max_output = (long)v->valuedouble;
	}
	v = get(doc, "stream");
	snprintf(param, psz, "stream");
	if (given(doc, "stream") && !cJSON_IsBool(v))
		return "Invalid type for 'stream': expected a boolean.";
	r->c->stream = cJSON_IsTrue(v);
	v = get(doc, "instructions");
	snprintf(param, psz, "instructions");
	if (given(doc, "instructions") && !cJSON_IsString(v))
		return "Invalid type for 'instructions': expected a string.";
	if (cJSON_IsString(v))
		r->input_tokens += 3 + oai_words(v->valuestring);
	param[0] = '\0';
	return NULL;
}

static cJSON *
rsp_usage(const struct rsp *r)
{
	cJSON	*u, *d;
	long	 out = oai_chat_completion_tokens(r->c);

	if ((u = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(u, "input_tokens", r->input_tokens);
	if ((d = cJSON_AddObjectToObject(u, "input_tokens_details")) != NULL) {
		cJSON_AddNumberToObject(d, "cached_tokens", 0);
		cJSON_AddNumberToObject(d, "cache_write_tokens", 0);
	}
	cJSON_AddNumberToObject(u, "output_tokens", out);
	if ((d = cJSON_AddObjectToObject(u, "output_tokens_details")) != NULL)
		cJSON_AddNumberToObject(d, "reasoning_tokens", 0);
	cJSON_AddNumberToObject(u, "total_tokens", r->input_tokens + out);
	return u;
}

/* The reply text so far: words [0, upto). */
static char *
rsp_text(const struct rsp *r, long upto)
{
	struct mbuf	 b;
	long		 i;

	mbuf_init(&b, MOCK_EVENT_MAX);
	for (i = 0; i < upto; i++)
		mbuf_printf(&b, "%sw%ld", i == 0 ? "" : " ", i + 1);
	if (b.p == NULL)
		return strdup("");
	return b.p;
}

static cJSON *
rsp_part(const struct rsp *r, int full)
{
	cJSON	*p;
	char	*t;

	if ((p = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(p, "type", "output_text");
	cJSON_AddArrayToObject(p, "annotations");
	cJSON_AddArrayToObject(p, "logprobs");
	t = full ? rsp_text(r, r->c->words) : NULL;
	cJSON_AddStringToObject(p, "text", t != NULL ? t : "");
	free(t);
	return p;
}

/* The output item, in progress (empty) or done. */
static cJSON *
rsp_item(const struct rsp *r, int done)
{
	const cJSON	*name;
	cJSON		*it, *content;

	if ((it = cJSON_CreateObject()) == NULL)
		return NULL;
	if (r->c->tool != NULL) {
		name = get(r->c->tool, "name");
		cJSON_AddStringToObject(it, "id", r->fcid);
		cJSON_AddStringToObject(it, "type", "function_call");
		cJSON_AddStringToObject(it, "status", done ? "completed" :
		    "in_progress");
		cJSON_AddStringToObject(it, "arguments", done ? r->c->args :
		    "");
		cJSON_AddStringToObject(it, "call_id", r->c->callid);
		cJSON_AddStringToObject(it, "name", name->valuestring);
		return it;
	}
	cJSON_AddStringToObject(it, "id", r->msgid);
	cJSON_AddStringToObject(it, "type", "message");
	cJSON_AddStringToObject(it, "status", !done ? "in_progress" :
	    r->incomplete ? "incomplete" : "completed");
	if ((content = cJSON_AddArrayToObject(it, "content")) != NULL && done)
		cJSON_AddItemToArray(content, rsp_part(r, 1));
	cJSON_AddStringToObject(it, "role", "assistant");
	return it;
}

static void
rsp_echo(cJSON *o, const cJSON *doc, const char *k, cJSON *def)
{
	const cJSON	*v = get(doc, k);

	if (v != NULL && !cJSON_IsNull(v)) {
		cJSON_Delete(def);
		cJSON_AddItemToObject(o, k, cJSON_Duplicate(v, 1));
	} else
		cJSON_AddItemToObject(o, k, def);
}

/*
 * tools as OpenAI echoes them: function tools get "strict" (true, the
 * Responses default) and "parameters" (null) when the request left them
 * out; other tools as given.
 */
static cJSON *
rsp_tools(const cJSON *doc)
{
	const cJSON	*t;
	cJSON		*a, *c;

	if ((a = cJSON_CreateArray()) == NULL)
		return NULL;
	cJSON_ArrayForEach(t, get(doc, "tools")) {
		if ((c = cJSON_Duplicate(t, 1)) == NULL)
			break;
		cJSON_AddItemToArray(a, c);
		if (!cJSON_IsString(get(c, "type")) ||
		    strcmp(get(c, "type")->valuestring, "function") != 0)
			continue;
		if (get(c, "strict") == NULL)
			cJSON_AddTrueToObject(c, "strict");
		if (get(c, "parameters") == NULL)
			cJSON_AddNullToObject(c, "parameters");
	}
	return a;
}

/* The Response: in progress (no output, no usage) or final. */
static cJSON *
rsp_response(const struct rsp *r, const char *status)
{
	const cJSON	*doc = r->c->doc;
	cJSON		*o, *out, *d, *t;
	int		 final = strcmp(status, "in_progress") != 0;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", r->c->id);
	cJSON_AddStringToObject(o, "object", "response");
	cJSON_AddNumberToObject(o, "created_at", (double)r->c->created);
	cJSON_AddStringToObject(o, "status", status);
	if (strcmp(status, "completed") == 0)
		cJSON_AddNumberToObject(o, "completed_at",
		    (double)r->c->created);
	else
		cJSON_AddNullToObject(o, "completed_at");
	if (strcmp(status, "failed") == 0 &&
	    (d = cJSON_AddObjectToObject(o, "error")) != NULL) {
		cJSON_AddStringToObject(d, "code", "server_error");
		cJSON_AddStringToObject(d, "message", "mock mid-stream "
		    "failure");
	} else
		cJSON_AddNullToObject(o, "error");
	if (strcmp(status, "incomplete") == 0 &&
	    (d = cJSON_AddObjectToObject(o, "incomplete_details")) != NULL)
		cJSON_AddStringToObject(d, "reason", "max_output_tokens");
	else
		cJSON_AddNullToObject(o, "incomplete_details");
	rsp_echo(o, doc, "instructions", cJSON_CreateNull());
	rsp_echo(o, doc, "max_output_tokens", cJSON_CreateNull());
	cJSON_AddStringToObject(o, "model", r->c->model);
	if ((out = cJSON_AddArrayToObject(o, "output")) != NULL && final &&
	    strcmp(status, "failed") != 0)
		cJSON_AddItemToArray(out, rsp_item(r, 1));
	cJSON_AddTrueToObject(o, "parallel_tool_calls");
	rsp_echo(o, doc, "previous_response_id", cJSON_CreateNull());
	if ((d = cJSON_AddObjectToObject(o, "reasoning")) != NULL) {
		cJSON_AddNullToObject(d, "effort");
		cJSON_AddNullToObject(d, "summary");
	}
	rsp_echo(o, doc, "store", cJSON_CreateTrue());
	rsp_echo(o, doc, "temperature", cJSON_CreateNumber(1));
	if ((t = cJSON_CreateObject()) != NULL &&
	    (d = cJSON_AddObjectToObject(t, "format")) != NULL)
		cJSON_AddStringToObject(d, "type", "text");
	rsp_echo(o, doc, "text", t);
	rsp_echo(o, doc, "tool_choice", cJSON_CreateString("auto"));
	cJSON_AddItemToObject(o, "tools", rsp_tools(doc));
	rsp_echo(o, doc, "top_p", cJSON_CreateNumber(1));
	cJSON_AddStringToObject(o, "truncation", "disabled");
	/* Absent, not null, until known: ResponseUsage is not nullable. */
	if (final && r->c->usage)
		cJSON_AddItemToObject(o, "usage", rsp_usage(r));
	cJSON_AddNullToObject(o, "user");
	rsp_echo(o, doc, "metadata", cJSON_CreateObject());
	return o;
}

/* Appends "event: TYPE\ndata: {type, sequence_number, ...}\n\n". */
static int
rsp_event(struct rsp *r, struct mbuf *out, cJSON *e, const char *type)
{
	cJSON	*o, *it;
	char	*s;
	int	 rc;

	if (e == NULL || (o = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(e);
		return -1;
	}
	/* type and sequence_number first, as OpenAI orders them. */
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddNumberToObject(o, "sequence_number", r->seq++);
	while ((it = e->child) != NULL) {
		cJSON_DetachItemViaPointer(e, it);
		cJSON_AddItemToObject(o, it->string, it);
	}
	cJSON_Delete(e);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return -1;
	rc = mbuf_printf(out, "event: %s\ndata: %s\n\n", type, s);
	free(s);
	return rc;
}

/* An event about the item: item_id, output_index[, content_index]. */
static cJSON *
rsp_ev_item(const struct rsp *r, int part)
{
	cJSON	*e;

	if ((e = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(e, "item_id", r->c->tool != NULL ? r->fcid :
	    r->msgid);
	cJSON_AddNumberToObject(e, "output_index", 0);
	if (part)
		cJSON_AddNumberToObject(e, "content_index", 0);
	return e;
}

static cJSON *
rsp_with(cJSON *e, const char *k, cJSON *v)
{
	if (e == NULL || v == NULL) {
		cJSON_Delete(e);
		cJSON_Delete(v);
		return NULL;
	}
	cJSON_AddItemToObject(e, k, v);
	return e;
}

/* The delta of step r->step: a word or an argument piece. */
static cJSON *
rsp_delta(const struct rsp *r)
{
	cJSON	*e = rsp_ev_item(r, r->c->tool == NULL);
	char	 tok[32], *frag;
	size_t	 from, to;

	if (e == NULL)
		return NULL;
	if (r->c->tool == NULL) {
		snprintf(tok, sizeof(tok), "%sw%ld", r->step == 0 ? "" : " ",
		    r->step + 1);
		cJSON_AddStringToObject(e, "delta", tok);
		cJSON_AddArrayToObject(e, "logprobs");
		return e;
	}
	from = r->step == 0 ? 0 : r->c->frag[r->step - 1];
	to = r->c->frag[r->step];
	if ((frag = strndup(r->c->args + from, to - from)) == NULL) {
		cJSON_Delete(e);
		return NULL;
	}
	cJSON_AddStringToObject(e, "delta", frag);
	free(frag);
	return e;
}

static enum sse_ev
rsp_next(void *arg, struct mbuf *out)
{
	struct rsp	*r = arg;
	int		 call = r->c->tool != NULL, rc;
	long		 steps = call ? (long)r->c->nfrag : r->c->words;
	cJSON		*e;
	char		*t;

	if (r->phase == RP_PART_ADDED && call)
		r->phase = RP_BODY;
	if (r->phase == RP_BODY && r->step >= steps)
		r->phase = RP_BODY_DONE;
	if (r->phase == RP_PART_DONE && call)
		r->phase = RP_ITEM_DONE;
	switch (r->phase) {
	case RP_CREATED:
	case RP_PROGRESS:
		rc = rsp_event(r, out, rsp_with(cJSON_CreateObject(),
		    "response", rsp_response(r, "in_progress")),
		    r->phase == RP_CREATED ? "response.created" :
		    "response.in_progress");
		break;
	case RP_ADDED:
	case RP_ITEM_DONE:
		if ((e = cJSON_CreateObject()) != NULL)
			cJSON_AddNumberToObject(e, "output_index", 0);
		rc = rsp_event(r, out, rsp_with(e, "item", rsp_item(r,
		    r->phase == RP_ITEM_DONE)), r->phase == RP_ADDED ?
		    "response.output_item.added" :
		    "response.output_item.done");
		break;
	case RP_PART_ADDED:
	case RP_PART_DONE:
		rc = rsp_event(r, out, rsp_with(rsp_ev_item(r, 1), "part",
		    rsp_part(r, r->phase == RP_PART_DONE)),
		    r->phase == RP_PART_ADDED ? "response.content_part.added" :
		    "response.content_part.done");
		break;
	case RP_BODY:
		rc = rsp_event(r, out, rsp_delta(r), call ?
		    "response.function_call_arguments.delta" :
		    "response.output_text.delta");
		r->step++;
		return rc == -1 ? SSE_FAIL : SSE_CONTENT;
	case RP_BODY_DONE:
		e = rsp_ev_item(r, !call);
		if (call) {
			cJSON_AddStringToObject(e, "name", get(r->c->tool,
			    "name")->valuestring);
			cJSON_AddStringToObject(e, "arguments", r->c->args);
		} else {
			t = rsp_text(r, r->c->words);
			cJSON_AddStringToObject(e, "text", t != NULL ? t : "");
			cJSON_AddArrayToObject(e, "logprobs");
			free(t);
		}
		rc = rsp_event(r, out, e, call ?
		    "response.function_call_arguments.done" :
		    "response.output_text.done");
		break;
	case RP_FINAL:
		rc = rsp_event(r, out, rsp_with(cJSON_CreateObject(),
		    "response", rsp_response(r, r->incomplete ? "incomplete" :
		    "completed")), r->incomplete ? "response.incomplete" :
		    "response.completed");
		break;
	default:
		return SSE_END;
	}
	r->phase++;
	return rc == -1 ? SSE_FAIL : SSE_DATA;
}

static void
rsp_error(void *arg, struct mbuf *out)
{
	struct rsp	*r = arg;
	cJSON		*e;

	if ((e = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(e, "code", "server_error");
		cJSON_AddStringToObject(e, "message", "mock mid-stream "
		    "failure");
		cJSON_AddNullToObject(e, "param");
	}
	rsp_event(r, out, e, "error");
	rsp_event(r, out, rsp_with(cJSON_CreateObject(), "response",
	    rsp_response(r, "failed")), "response.failed");
}

static void
rsp_sse_free(void *arg)
{
	rsp_free(arg);
}

static const struct sse_ops rsp_sse = { rsp_next, rsp_error, rsp_sse_free };

/* Parses, applies controls, validates; NULL after queueing a reply. */
static struct rsp *
rsp_begin(struct mock_req *req, enum MHD_Result *ret)
{
	struct rsp	*r;
	const char	*m;
	char		 param[64];
	unsigned long long seq = __atomic_fetch_add(&rsp_seq, 1,
	    __ATOMIC_RELAXED);

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->c = calloc(1, sizeof(*r->c))) == NULL) {
		free(r);
		*ret = oai_embed_fail(req, 500, NULL, NULL, "mock out of "
		    "memory");
		return NULL;
	}
	snprintf(r->c->id, sizeof(r->c->id), "resp_mock%06x%010llu",
	    (unsigned int)getpid() & 0xffffff, seq);
	snprintf(r->msgid, sizeof(r->msgid), "msg_mock%010llu", seq);
	snprintf(r->fcid, sizeof(r->fcid), "fc_mock%010llu", seq);
	snprintf(r->c->callid, sizeof(r->c->callid), "call_mock%010llu",
	    seq);
	snprintf(r->c->reqid, sizeof(r->c->reqid), "req_mockr%llu", seq);
	r->c->created = (int64_t)time(NULL);
	r->c->n = 1;
	r->c->doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p :
	    "", req->body.len);
	if (cJSON_IsObject(r->c->doc))
		ctl_meta(&req->ctl, get(r->c->doc, "metadata"));
	if (req->ctl.bad[0] != '\0')
		*ret = oai_embed_fail(req, 400, NULL, "invalid_mock_control",
		    req->ctl.bad);
	else if (ctl_isset(&req->ctl, CTL_STATUS)) {
		snprintf(param, sizeof(param), "mock injected HTTP status %ld",
		    req->ctl.v[CTL_STATUS]);
		*ret = oai_embed_fail(req, (unsigned int)req->ctl.v[CTL_STATUS],
		    NULL, req->ctl.v[CTL_STATUS] == 401 ? "invalid_api_key" :
		    req->ctl.v[CTL_STATUS] == 429 ? "rate_limit_exceeded" :
		    NULL, param);
	} else if (ctl_isset(&req->ctl, CTL_BODY))
		*ret = cJSON_IsTrue(get(r->c->doc, "stream")) ?
		    sse_raw(req, req->ctl.body, req->ctl.bodylen, NULL) :
		    mock_reply(req, 200, "application/json", req->ctl.body,
		    req->ctl.bodylen, NULL);
	else if ((m = rsp_check(r, req, param, sizeof(param))) != NULL)
		*ret = oai_embed_fail(req, 400, param[0] != '\0' ? param :
		    NULL, NULL, m);
	else
		return r;
	rsp_free(r);
	return NULL;
}

enum MHD_Result
h_oai_responses(struct mock_req *req)
{
	struct rsp	*r;
	const char	*hdrs[3] = { "x-request-id", NULL, NULL };
	enum MHD_Result	 ret = MHD_NO;
	cJSON		*doc;

	if ((r = rsp_begin(req, &ret)) == NULL)
		return ret;
	r->c->chunks = req->ctl.v[CTL_CHUNKS];
	r->c->words = r->max_output > 0 && r->max_output < r->c->chunks ?
	    r->max_output : r->c->chunks;
	r->c->usage = req->ctl.v[CTL_NO_USAGE] == 0;
	if (oai_chat_prepare(r->c) == -1) {
		rsp_free(r);
		return oai_embed_fail(req, 500, NULL, NULL, "mock out of "
		    "memory");
	}
	r->incomplete = r->c->tool == NULL && r->c->words < r->c->chunks;
	hdrs[1] = r->c->reqid;
	if (r->c->stream)
		return sse_start(req, &rsp_sse, r, hdrs);
	doc = rsp_response(r, r->incomplete ? "incomplete" : "completed");
	ret = mock_reply_json(req, 200, doc, hdrs);
	rsp_free(r);
	return ret;
}
