/*
 * gemini_cl_answer.c: a chat answer sent back to a client that spoke
 * Gemini: chat.completion -> GenerateContentResponse, chat chunks ->
 * the streamGenerateContent sequence of GenerateContentResponse
 * objects, and Gemini's error object.
 *
 * Reference: Gemini API v1beta GenerateContentResponse, Candidate,
 * UsageMetadata, google.rpc.Status; openai-openapi.yaml
 * CreateChatCompletionResponse, CreateChatCompletionStreamResponse,
 * CompletionUsage.
 *
 * reasoning_content becomes {text, thought: true} parts (what Gemini
 * sends with includeThoughts); tool calls become functionCall parts
 * whose args are the parsed arguments ({} when they are not a JSON
 * object).  The stream collects a call's argument deltas until the
 * call is complete, since a functionCall part carries whole args.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "buf.h"
#include "providers/gemini.h"
#include "providers/gemini_int.h"
#include "providers/openai.h"

/* Caps of the client stream's collected tool calls (gemini.h). */
#define GM_CL_CALLS	64
#define GM_CL_ARGS	((size_t)1 << 20)
#define GM_CL_NAME	4096

/* chat finish_reason -> Gemini finishReason (gemini.h). */
static const char *
gm_finish(const char *f)
{
	if (gm_streq(f, "length"))
		return "MAX_TOKENS";
	if (gm_streq(f, "content_filter"))
		return "SAFETY";
	return "STOP";
}

/* usageMetadata per gemini.h's mapping back. */
static cJSON *
usage_meta(const struct usage *u)
{
	int64_t	 cand = u->completion - u->reasoning;
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (gm_putnum(o, "promptTokenCount", (double)u->prompt) == -1 ||
	    gm_putnum(o, "candidatesTokenCount", (double)(cand > 0 ? cand :
	    0)) == -1 || (u->reasoning > 0 && gm_putnum(o,
	    "thoughtsTokenCount", (double)u->reasoning) == -1) ||
	    gm_putnum(o, "totalTokenCount", (double)(u->prompt +
	    u->completion)) == -1 || (u->cached > 0 && gm_putnum(o,
	    "cachedContentTokenCount", (double)u->cached) == -1)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* {text, thought?} appended to parts. */
static int
push_text(cJSON *parts, const char *s, int thought)
{
	cJSON	*p;

	if ((p = gm_text_part(s)) == NULL)
		return -1;
	if (thought && gm_put(p, "thought", cJSON_CreateTrue()) == -1) {
		cJSON_Delete(p);
		return -1;
	}
	return gm_push(parts, p);
}

/* {functionCall {name, args (the parsed arguments, {} if no object)}} */
static int
push_call(cJSON *parts, const char *name, const char *args,
    const char *sig)
{
	cJSON	*p, *fc, *a;

	a = args != NULL ? cJSON_ParseWithOpts(args, NULL, 1) : NULL;
	if (!cJSON_IsObject(a)) {
		cJSON_Delete(a);
		if ((a = cJSON_CreateObject()) == NULL)
			return -1;
	}
	if ((p = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(a);
		return -1;
	}
	if (gm_push(parts, p) == -1 || (fc = cJSON_CreateObject()) == NULL ||
	    gm_put(p, "functionCall", fc) == -1 ||
	    gm_putstr(fc, "name", name) == -1) {
		cJSON_Delete(a);
		return -1;
	}
	if (gm_put(fc, "args", a) == -1 || (sig != NULL && sig[0] != '\0' &&
	    gm_putstr(p, "thoughtSignature", sig) == -1))
		return -1;
	return 0;
}

/*
 * A candidate {content {role model, parts}, finishReason?, index};
 * parts is consumed.
 */
static cJSON *
cand_new(cJSON *parts, const char *fin, int index)
{
	cJSON	*cand, *content;

	if ((content = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(parts);
		return NULL;
	}
	if (gm_put(content, "parts", parts) == -1 ||
	    (cand = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(content);
		return NULL;
	}
	if (gm_put(cand, "content", content) == -1 ||
	    gm_putstr(content, "role", "model") == -1 ||
	    (fin != NULL && gm_putstr(cand, "finishReason", fin) == -1) ||
	    gm_putnum(cand, "index", index) == -1) {
		cJSON_Delete(cand);
		return NULL;
	}
	return cand;
}

/* Parts of a chat message's text, joined ("content" string or parts). */
static int
message_text(const cJSON *m, cJSON *parts)
{
	const cJSON	*c = gm_get(m, "content"), *p;
	const char	*s;
	struct buf	 b;
	int		 rc = 0;

	if (cJSON_IsString(c) && c->valuestring[0] != '\0')
		return push_text(parts, c->valuestring, 0);
	buf_init(&b, GM_JOIN_MAX);
	cJSON_ArrayForEach(p, gm_array(c))
		if ((s = gm_str(p, "text")) != NULL && buf_puts(&b, s) == -1)
			rc = -1;
	if (rc == 0 && b.len == 0 && (s = gm_str(m, "refusal")) != NULL)
		rc = buf_puts(&b, s);
	if (rc == 0 && b.len > 0)
		rc = push_text(parts, b.p, 0);
	buf_free(&b);
	return rc;
}

/* A chat choice -> a candidate; NULL when malformed. */
static cJSON *
candidate(const cJSON *ch, int pos)
{
	const cJSON	*m = gm_get(ch, "message"), *tc, *f;
	const char	*rs, *name;
	cJSON		*parts;
	int64_t		 idx;

	if (!cJSON_IsObject(m) || (gm_given(m, "tool_calls") != NULL &&
	    !cJSON_IsArray(gm_get(m, "tool_calls"))))
		return NULL;
	if ((parts = cJSON_CreateArray()) == NULL)
		return NULL;
	rs = gm_str(m, "reasoning_content");
	if ((rs != NULL && rs[0] != '\0' && push_text(parts, rs, 1) == -1) ||
	    message_text(m, parts) == -1)
		goto fail;
	cJSON_ArrayForEach(tc, gm_array(gm_get(m, "tool_calls"))) {
		f = gm_get(tc, "function");
		name = gm_str(f, "name");
		if (name == NULL || name[0] == '\0' || push_call(parts, name,
		    gm_str(f, "arguments"), gm_str(gm_get(gm_get(tc,
		    "extra_content"), "google"), "thought_signature")) == -1)
			goto fail;
	}
	if (parts->child == NULL && push_text(parts, "", 0) == -1)
		goto fail;
	return cand_new(parts, gm_finish(gm_str(ch, "finish_reason")),
	    gm_int(gm_get(ch, "index"), 0, 1000, &idx) ? (int)idx : pos);
fail:
	cJSON_Delete(parts);
	return NULL;
}

cJSON *
gm_cl_response(const cJSON *chat, const char *model, const char *idbase)
{
	const cJSON	*chs = gm_get(chat, "choices"), *ch;
	struct usage	 u;
	cJSON		*o, *cands;
	int		 pos = 0;

	if (!cJSON_IsArray(chs) || chs->child == NULL)
		return NULL;
	if ((o = cJSON_CreateObject()) == NULL ||
	    (cands = cJSON_CreateArray()) == NULL ||
	    gm_put(o, "candidates", cands) == -1)
		goto fail;
	cJSON_ArrayForEach(ch, chs)
		if (gm_push(cands, candidate(ch, pos++)) == -1)
			goto fail;
	memset(&u, 0, sizeof(u));
	if ((oa_usage_read(gm_get(chat, "usage"), &u) &&
	    gm_put(o, "usageMetadata", usage_meta(&u)) == -1) ||
	    gm_putstr(o, "modelVersion", model) == -1 ||
	    gm_putstr(o, "responseId", idbase) == -1)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

const char *
gm_status_name(int status)
{
	switch (status) {
	case 400: case 405: case 413: return "INVALID_ARGUMENT";
	case 401: return "UNAUTHENTICATED";
	case 402: case 429: return "RESOURCE_EXHAUSTED";
	case 403: return "PERMISSION_DENIED";
	case 404: return "NOT_FOUND";
	case 503: return "UNAVAILABLE";
	case 504: return "DEADLINE_EXCEEDED";
	default: return "INTERNAL";
	}
}

cJSON *
gm_cl_error(int code, const char *status, const char *message)
{
	cJSON	*o, *e;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((e = cJSON_CreateObject()) == NULL || gm_put(o, "error", e) == -1 ||
	    gm_putnum(e, "code", code) == -1 ||
	    gm_putstr(e, "message", message) == -1 ||
	    gm_putstr(e, "status", status) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* ---- client stream ---- */

void
gm_cl_stream_init(struct gm_cl_stream *s, const char *idbase,
    const char *model)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", idbase != NULL ? idbase : "");
	snprintf(s->model, sizeof(s->model), "%s", model != NULL ? model :
	    "");
	buf_init(&s->call_name, GM_CL_NAME);
	buf_init(&s->call_args, GM_CL_ARGS);
}

void
gm_cl_stream_free(struct gm_cl_stream *s)
{
	buf_free(&s->call_name);
	buf_free(&s->call_args);
}

/*
 * A stream response with one candidate of parts (consumed; [{text ""}]
 * when empty) and usageMetadata when u is not NULL.
 */
static cJSON *
stream_resp(const struct gm_cl_stream *s, cJSON *parts, const char *fin,
    const struct usage *u)
{
	cJSON	*o, *cands, *cand;

	if (parts->child == NULL && push_text(parts, "", 0) == -1) {
		cJSON_Delete(parts);
		return NULL;
	}
	if ((cand = cand_new(parts, fin, 0)) == NULL)
		return NULL;
	if ((cands = cJSON_CreateArray()) == NULL) {
		cJSON_Delete(cand);
		return NULL;
	}
	if (gm_push(cands, cand) == -1 || (o = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(cands);
		return NULL;
	}
	if (gm_put(o, "candidates", cands) == -1 ||
	    (u != NULL && gm_put(o, "usageMetadata", usage_meta(u)) == -1) ||
	    gm_putstr(o, "modelVersion", s->model) == -1 ||
	    gm_putstr(o, "responseId", s->id) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The collected call, if any, as a functionCall part; closes it. */
static int
flush_call(struct gm_cl_stream *s, cJSON *parts)
{
	int	 rc;

	if (s->call_open == 0)
		return 0;
	s->call_open = 0;
	/* A call the upstream never named cannot be a functionCall. */
	rc = s->call_name.len == 0 ? 0 : push_call(parts,
	    buf_cstr(&s->call_name), buf_cstr(&s->call_args), NULL);
	buf_reset(&s->call_name);
	buf_reset(&s->call_args);
	return rc;
}

/* Tool call deltas: collected per index (gemini.h caps). */
static int
collect_calls(struct gm_cl_stream *s, const cJSON *delta, cJSON *parts)
{
	const cJSON	*tc, *f;
	const char	*v;
	int64_t		 idx;

	cJSON_ArrayForEach(tc, gm_array(gm_get(delta, "tool_calls"))) {
		if (!gm_int(gm_get(tc, "index"), 0, 1000000, &idx))
			idx = s->call_open > 0 ? s->call_open - 1 : 0;
		if (s->call_open != idx + 1) {
			if (flush_call(s, parts) == -1 ||
			    s->ncalls >= GM_CL_CALLS)
				return -1;
			s->ncalls++;
			s->call_open = (int)idx + 1;
		}
		f = gm_get(tc, "function");
		if (((v = gm_str(f, "name")) != NULL &&
		    buf_puts(&s->call_name, v) == -1) ||
		    ((v = gm_str(f, "arguments")) != NULL &&
		    buf_puts(&s->call_args, v) == -1))
			return -1;
	}
	return 0;
}

/* Choice 0 of a chunk (the one with index 0, or without an index). */
static const cJSON *
choice0(const cJSON *chunk)
{
	const cJSON	*ch;
	int64_t		 i;

	cJSON_ArrayForEach(ch, gm_array(gm_get(chunk, "choices")))
		if (cJSON_IsObject(ch) && (gm_given(ch, "index") == NULL ||
		    (gm_int(gm_get(ch, "index"), 0, 0, &i))))
			return ch;
	return NULL;
}

int
gm_cl_stream_chunk(struct gm_cl_stream *s, const cJSON *chunk,
    gm_resp_fn emit, void *arg)
{
	const cJSON	*ch, *delta;
	const char	*fr, *t;
	struct usage	 u;
	cJSON		*parts, *resp;
	int		 rc = -1;

	if (s->ended || !cJSON_IsObject(chunk))
		return 0;
	if (oa_usage_read(gm_get(chunk, "usage"), &u)) {
		s->have_usage = 1;
		s->prompt = u.prompt;
		s->cached = u.cached;
		s->completion = u.completion;
		s->reasoning = u.reasoning;
	}
	if ((ch = choice0(chunk)) == NULL)
		return 0;
	delta = gm_get(ch, "delta");
	fr = gm_str(ch, "finish_reason");
	if (fr != NULL && fr[0] == '\0')
		fr = NULL;
	if ((parts = cJSON_CreateArray()) == NULL)
		return -1;
	if (collect_calls(s, delta, parts) == -1 ||
	    ((t = gm_str(delta, "reasoning_content")) != NULL && t[0] != '\0' &&
	    push_text(parts, t, 1) == -1) ||
	    ((t = gm_str(delta, "content")) != NULL && t[0] != '\0' &&
	    push_text(parts, t, 0) == -1) ||
	    ((t = gm_str(delta, "refusal")) != NULL && t[0] != '\0' &&
	    push_text(parts, t, 0) == -1) ||
	    (fr != NULL && flush_call(s, parts) == -1))
		goto out;
	/*
	 * The finishReason waits for the end: Gemini sends it on the last
	 * response, together with the final usageMetadata.
	 */
	if (fr != NULL)
		snprintf(s->finish, sizeof(s->finish), "%s", fr);
	rc = 0;
	if (parts->child == NULL)
		goto out;
	resp = stream_resp(s, parts, NULL, NULL);
	parts = NULL;
	if (resp == NULL) {
		rc = -1;
		goto out;
	}
	rc = emit(arg, resp);
	cJSON_Delete(resp);
out:
	cJSON_Delete(parts);
	return rc;
}

int
gm_cl_stream_done(struct gm_cl_stream *s, gm_resp_fn emit, void *arg)
{
	struct usage	 u;
	cJSON		*parts, *resp;
	int		 rc;

	if (s->ended)
		return 0;
	s->ended = 1;
	if (s->finish_sent && s->call_open == 0 && !s->have_usage)
		return 0;
	if ((parts = cJSON_CreateArray()) == NULL)
		return -1;
	if (flush_call(s, parts) == -1) {
		cJSON_Delete(parts);
		return -1;
	}
	u.prompt = s->prompt;
	u.cached = s->cached;
	u.completion = s->completion;
	u.reasoning = s->reasoning;
	if ((resp = stream_resp(s, parts, s->finish_sent ? NULL :
	    gm_finish(s->finish[0] != '\0' ? s->finish : NULL),
	    s->have_usage ? &u : NULL)) == NULL)
		return -1;
	s->finish_sent = 1;
	rc = emit(arg, resp);
	cJSON_Delete(resp);
	return rc;
}
