/*
 * gemini_resp.c: what a gemini channel answers, made OpenAI: a
 * GenerateContentResponse -> chat.completion, an error body -> an
 * OpenAI error object, and the streamGenerateContent?alt=sse events ->
 * chat.completion.chunk objects.
 *
 * Reference: Gemini API v1beta GenerateContentResponse, Candidate,
 * FinishReason, PromptFeedback, UsageMetadata, the error body of
 * google.rpc.Status; openai-openapi.yaml CreateChatCompletionResponse,
 * CreateChatCompletionStreamResponse, CompletionUsage, Error.
 *
 * Upstream answers are untrusted: a candidate is checked whole
 * (cand_ok) before anything of it is converted or emitted, so a
 * malformed answer yields NULL or -1 and never a half-built object or
 * half a stream event.  Parts of kinds chat has no place for
 * (executableCode, inlineData output...) are skipped.
 *
 * Function calls keep Gemini's thoughtSignature as the tool call's
 * extra_content.google.thought_signature, as Gemini's own
 * OpenAI-compatible endpoint does, so clients that keep it send it
 * back (gemini.c puts it on the functionCall again).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "providers/gemini.h"
#include "providers/gemini_int.h"

/* Longest upstream responseId kept in an id. */
#define GM_RESPID_MAX	80

/* Finish reasons a content filter gives. */
static int
filtered(const char *fr)
{
	static const char *const f[] = { "SAFETY", "RECITATION",
	    "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
	    "IMAGE_PROHIBITED_CONTENT", "MODEL_ARMOR" };
	size_t	 i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (gm_streq(fr, f[i]))
			return 1;
	return 0;
}

/* Gemini finishReason -> chat finish_reason (gemini.h). */
static const char *
finish(const char *fr, int calls)
{
	if (gm_streq(fr, "MAX_TOKENS"))
		return "length";
	if (filtered(fr))
		return "content_filter";
	if (calls && (fr == NULL || gm_streq(fr, "STOP")))
		return "tool_calls";
	return "stop";
}

/*
 * A Part chat can carry is well-formed: text a string, functionCall an
 * object with a non-empty name and args an object (or absent).
 * Everything else is skipped, but must be an object.
 */
static int
part_ok(const cJSON *p)
{
	const cJSON	*v, *fc;
	const char	*n;

	if (!cJSON_IsObject(p))
		return 0;
	if ((v = gm_given(p, "text")) != NULL && !cJSON_IsString(v))
		return 0;
	if ((fc = gm_given(p, "functionCall")) == NULL)
		return 1;
	n = gm_str(fc, "name");
	v = gm_given(fc, "args");
	return cJSON_IsObject(fc) && n != NULL && n[0] != '\0' &&
	    (v == NULL || cJSON_IsObject(v));
}

/* A Candidate: an object whose content (if any) has parts (if any). */
static int
cand_ok(const cJSON *cand)
{
	const cJSON	*content, *parts, *p, *fr;

	if (!cJSON_IsObject(cand))
		return 0;
	if ((fr = gm_given(cand, "finishReason")) != NULL &&
	    !cJSON_IsString(fr))
		return 0;
	if ((content = gm_given(cand, "content")) == NULL)
		return 1;
	if (!cJSON_IsObject(content))
		return 0;
	if ((parts = gm_given(content, "parts")) == NULL)
		return 1;
	if (!cJSON_IsArray(parts))
		return 0;
	cJSON_ArrayForEach(p, parts)
		if (!part_ok(p))
			return 0;
	return 1;
}

static const cJSON *
cand_parts(const cJSON *cand)
{
	return gm_array(gm_given(gm_given(cand, "content"), "parts"));
}

/* A chat CompletionUsage from usageMetadata; NULL when it has none. */
static cJSON *
chat_usage(const struct usage *u)
{
	cJSON	*o, *d;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (gm_putnum(o, "prompt_tokens", (double)u->prompt) == -1 ||
	    gm_putnum(o, "completion_tokens", (double)u->completion) == -1 ||
	    gm_putnum(o, "total_tokens", (double)(u->prompt +
	    u->completion)) == -1 || (d = cJSON_CreateObject()) == NULL ||
	    gm_put(o, "prompt_tokens_details", d) == -1 ||
	    gm_putnum(d, "cached_tokens", (double)u->cached) == -1 ||
	    (d = cJSON_CreateObject()) == NULL ||
	    gm_put(o, "completion_tokens_details", d) == -1 ||
	    gm_putnum(d, "reasoning_tokens", (double)u->reasoning) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/*
 * A functionCall part (checked by part_ok) -> a chat tool call with id
 * "call_<idbase>_<n>"; index >= 0 adds the stream's "index".
 */
static cJSON *
tool_call(const cJSON *p, const char *idbase, int n, int index)
{
	const cJSON	*fc = gm_get(p, "functionCall"), *args;
	const char	*sig = gm_str(p, "thoughtSignature");
	char		 id[160], *a;
	cJSON		*tc, *f, *ec, *g;

	if ((tc = cJSON_CreateObject()) == NULL)
		return NULL;
	snprintf(id, sizeof(id), "call_%s_%d", idbase, n);
	args = gm_given(fc, "args");
	a = args != NULL ? cJSON_PrintUnformatted(args) : NULL;
	if ((index >= 0 && gm_putnum(tc, "index", index) == -1) ||
	    gm_putstr(tc, "id", id) == -1 ||
	    gm_putstr(tc, "type", "function") == -1 ||
	    (f = cJSON_CreateObject()) == NULL ||
	    gm_put(tc, "function", f) == -1 ||
	    gm_putstr(f, "name", gm_str(fc, "name")) == -1 ||
	    (args != NULL && a == NULL) ||
	    gm_putstr(f, "arguments", a != NULL ? a : "{}") == -1)
		goto fail;
	if (sig != NULL && sig[0] != '\0' &&
	    ((ec = cJSON_CreateObject()) == NULL ||
	    gm_put(tc, "extra_content", ec) == -1 ||
	    (g = cJSON_CreateObject()) == NULL ||
	    gm_put(ec, "google", g) == -1 ||
	    gm_putstr(g, "thought_signature", sig) == -1))
		goto fail;
	cJSON_free(a);
	return tc;
fail:
	cJSON_free(a);
	cJSON_Delete(tc);
	return NULL;
}

/* The choice index: the candidate's own, else its position. */
static int
cand_index(const cJSON *cand, int pos)
{
	int64_t	 i;

	return gm_int(gm_get(cand, "index"), 0, 1000, &i) ? (int)i : pos;
}

/* A (checked) candidate -> a chat choice; *ncall counts tool calls. */
static cJSON *
choice(const cJSON *cand, int pos, const char *idbase, int *ncall)
{
	const cJSON	*p;
	const char	*t;
	cJSON		*ch = NULL, *m, *calls;
	struct buf	 text, think;
	int		 ok = 0, had = *ncall;

	buf_init(&text, GM_JOIN_MAX);
	buf_init(&think, GM_JOIN_MAX);
	if ((calls = cJSON_CreateArray()) == NULL)
		goto out;
	cJSON_ArrayForEach(p, cand_parts(cand)) {
		if (gm_given(p, "functionCall") != NULL) {
			if (gm_push(calls, tool_call(p, idbase, (*ncall)++,
			    -1)) == -1)
				goto out;
		} else if ((t = gm_str(p, "text")) != NULL &&
		    buf_puts(cJSON_IsTrue(gm_get(p, "thought")) ? &think :
		    &text, t) == -1)
			goto out;
	}
	if ((ch = cJSON_CreateObject()) == NULL ||
	    gm_putnum(ch, "index", cand_index(cand, pos)) == -1 ||
	    (m = cJSON_CreateObject()) == NULL ||
	    gm_put(ch, "message", m) == -1 ||
	    gm_putstr(m, "role", "assistant") == -1 ||
	    gm_put(m, "content", text.len == 0 && calls->child != NULL ?
	    cJSON_CreateNull() : cJSON_CreateString(buf_cstr(&text))) == -1 ||
	    (think.len > 0 && gm_putstr(m, "reasoning_content",
	    buf_cstr(&think)) == -1) ||
	    gm_put(m, "refusal", cJSON_CreateNull()) == -1)
		goto out;
	if (calls->child != NULL) {
		if (gm_put(m, "tool_calls", calls) == -1) {
			calls = NULL;
			goto out;
		}
		calls = NULL;
	}
	if (gm_put(ch, "logprobs", cJSON_CreateNull()) == -1 ||
	    gm_putstr(ch, "finish_reason", finish(gm_str(cand,
	    "finishReason"), *ncall > had)) == -1)
		goto out;
	ok = 1;
out:
	cJSON_Delete(calls);
	buf_free(&text);
	buf_free(&think);
	if (!ok) {
		cJSON_Delete(ch);
		return NULL;
	}
	return ch;
}

/* The one choice of a prompt that was blocked before any candidate. */
static cJSON *
blocked_choice(void)
{
	cJSON	*ch, *m;

	if ((ch = cJSON_CreateObject()) == NULL)
		return NULL;
	if (gm_putnum(ch, "index", 0) == -1 ||
	    (m = cJSON_CreateObject()) == NULL ||
	    gm_put(ch, "message", m) == -1 ||
	    gm_putstr(m, "role", "assistant") == -1 ||
	    gm_putstr(m, "content", "") == -1 ||
	    gm_put(m, "refusal", cJSON_CreateNull()) == -1 ||
	    gm_put(ch, "logprobs", cJSON_CreateNull()) == -1 ||
	    gm_putstr(ch, "finish_reason", "content_filter") == -1) {
		cJSON_Delete(ch);
		return NULL;
	}
	return ch;
}

/* promptFeedback.blockReason, or NULL. */
static const char *
block_reason(const cJSON *resp)
{
	return gm_str(gm_get(resp, "promptFeedback"), "blockReason");
}

cJSON *
gm_up_response(const cJSON *resp, const char *model, const char *idbase,
    int64_t created)
{
	const cJSON	*cands, *c;
	const char	*rid;
	struct usage	 u;
	char		 id[GM_RESPID_MAX + 16];
	cJSON		*o, *chs;
	int		 pos = 0, ncall = 0;

	if (!cJSON_IsObject(resp))
		return NULL;
	cands = gm_given(resp, "candidates");
	if (cands != NULL && !cJSON_IsArray(cands))
		return NULL;
	cJSON_ArrayForEach(c, cands)
		if (!cand_ok(c))
			return NULL;
	if ((cands == NULL || cands->child == NULL) &&
	    block_reason(resp) == NULL)
		return NULL;
	rid = gm_str(resp, "responseId");
	snprintf(id, sizeof(id), "chatcmpl-%.*s", GM_RESPID_MAX,
	    rid != NULL && rid[0] != '\0' ? rid : idbase != NULL ? idbase : "");
	if ((o = cJSON_CreateObject()) == NULL ||
	    gm_putstr(o, "id", id) == -1 ||
	    gm_putstr(o, "object", "chat.completion") == -1 ||
	    gm_putnum(o, "created", (double)created) == -1 ||
	    gm_putstr(o, "model", model) == -1 ||
	    (chs = cJSON_CreateArray()) == NULL ||
	    gm_put(o, "choices", chs) == -1)
		goto fail;
	if (cands == NULL || cands->child == NULL) {
		if (gm_push(chs, blocked_choice()) == -1)
			goto fail;
	} else
		cJSON_ArrayForEach(c, cands)
			if (gm_push(chs, choice(c, pos++, id + 9, &ncall)) ==
			    -1)
				goto fail;
	if (gm_usage_read(gm_get(resp, "usageMetadata"), &u) &&
	    gm_put(o, "usage", chat_usage(&u)) == -1)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* ---- errors ---- */

/* google.rpc.Code names by HTTP status, for errors that lack status. */
static const char *
status_of(int64_t code)
{
	switch (code) {
	case 400:
		return "INVALID_ARGUMENT";
	case 401:
		return "UNAUTHENTICATED";
	case 403:
		return "PERMISSION_DENIED";
	case 404:
		return "NOT_FOUND";
	case 429:
		return "RESOURCE_EXHAUSTED";
	default:
		return "";
	}
}

/* A Gemini error object (the value of "error") -> OpenAI's, or NULL. */
static cJSON *
oa_error(const cJSON *err)
{
	const char	*msg = gm_str(err, "message"), *st, *type, *code;
	int64_t		 hc = 0;
	int		 have_code;
	cJSON		*o, *e;

	have_code = gm_int(gm_get(err, "code"), 100, 599, &hc);
	st = gm_str(err, "status");
	if (!cJSON_IsObject(err) || (msg == NULL && st == NULL && !have_code))
		return NULL;
	if (st == NULL)
		st = status_of(hc);
	type = "upstream_error";
	code = NULL;
	if (gm_streq(st, "INVALID_ARGUMENT") ||
	    gm_streq(st, "FAILED_PRECONDITION") ||
	    gm_streq(st, "OUT_OF_RANGE"))
		type = "invalid_request_error";
	else if (gm_streq(st, "UNAUTHENTICATED")) {
		type = "invalid_request_error";
		code = "invalid_api_key";
	} else if (gm_streq(st, "PERMISSION_DENIED"))
		type = "permission_error";
	else if (gm_streq(st, "NOT_FOUND")) {
		type = "invalid_request_error";
		code = "not_found";
	} else if (gm_streq(st, "RESOURCE_EXHAUSTED")) {
		type = "rate_limit_error";
		code = "rate_limit_exceeded";
	}
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((e = cJSON_CreateObject()) == NULL || gm_put(o, "error", e) == -1 ||
	    gm_putstr(e, "message", msg != NULL && msg[0] != '\0' ? msg :
	    st[0] != '\0' ? st : "The upstream reported an error.") == -1 ||
	    gm_putstr(e, "type", type) == -1 ||
	    gm_put(e, "param", cJSON_CreateNull()) == -1 ||
	    gm_put(e, "code", code != NULL ? cJSON_CreateString(code) :
	    cJSON_CreateNull()) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *
gm_up_error(const char *body, size_t n)
{
	cJSON		*in, *o;
	const cJSON	*root;

	if (body == NULL || (in = gm_parse(body, n)) == NULL)
		return NULL;
	/* Without alt=sse a stream's error comes as [{"error":...}]. */
	root = cJSON_IsArray(in) && in->child != NULL &&
	    in->child->next == NULL ? in->child : in;
	o = oa_error(gm_get(root, "error"));
	cJSON_Delete(in);
	return o;
}

/* ---- stream ---- */

void
gm_up_stream_init(struct gm_up_stream *s, const char *model,
    const char *idbase, int64_t created)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "chatcmpl-%s", idbase != NULL ?
	    idbase : "");
	snprintf(s->model, sizeof(s->model), "%s", model != NULL ? model :
	    "");
	s->created = created;
}

/* A chunk with one choice {index 0, delta {}, finish_reason}. */
static cJSON *
chunk(const struct gm_up_stream *s, const char *fin, cJSON **delta)
{
	cJSON	*o, *chs, *ch;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (gm_putstr(o, "id", s->id) == -1 ||
	    gm_putstr(o, "object", "chat.completion.chunk") == -1 ||
	    gm_putnum(o, "created", (double)s->created) == -1 ||
	    gm_putstr(o, "model", s->model) == -1 ||
	    (chs = cJSON_CreateArray()) == NULL ||
	    gm_put(o, "choices", chs) == -1 ||
	    (ch = cJSON_CreateObject()) == NULL || gm_push(chs, ch) == -1 ||
	    gm_putnum(ch, "index", 0) == -1 ||
	    (*delta = cJSON_CreateObject()) == NULL ||
	    gm_put(ch, "delta", *delta) == -1 ||
	    gm_put(ch, "logprobs", cJSON_CreateNull()) == -1 ||
	    gm_put(ch, "finish_reason", fin != NULL ?
	    cJSON_CreateString(fin) : cJSON_CreateNull()) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Emits a chunk whose delta is {k: s} ({} when k is NULL). */
static int
emit_delta(struct gm_up_stream *s, const char *k, const char *v,
    const char *fin, gm_chunk_fn emit, void *arg)
{
	cJSON	*c, *d;
	int	 rc;

	if ((c = chunk(s, fin, &d)) == NULL)
		return -1;
	if (k != NULL && (gm_putstr(d, k, v) == -1 || (gm_streq(k, "role") &&
	    gm_putstr(d, "content", "") == -1))) {
		cJSON_Delete(c);
		return -1;
	}
	rc = emit(arg, c);
	cJSON_Delete(c);
	return rc;
}

static int
emit_call(struct gm_up_stream *s, const cJSON *p, gm_chunk_fn emit,
    void *arg)
{
	cJSON	*c, *d, *calls;
	int	 rc;

	if ((c = chunk(s, NULL, &d)) == NULL)
		return -1;
	if ((calls = cJSON_CreateArray()) == NULL ||
	    gm_put(d, "tool_calls", calls) == -1 ||
	    gm_push(calls, tool_call(p, s->id + 9, s->ntools, s->ntools)) ==
	    -1) {
		cJSON_Delete(c);
		return -1;
	}
	s->ntools++;
	rc = emit(arg, c);
	cJSON_Delete(c);
	return rc;
}

/* The first candidate (choice 0; n > 1 is not streamed). */
static const cJSON *
first_cand(const cJSON *resp)
{
	const cJSON	*cands = gm_array(gm_given(resp, "candidates"));

	return cands != NULL ? cands->child : NULL;
}

/* One checked candidate's parts and finish as chunks. */
static int
stream_cand(struct gm_up_stream *s, const cJSON *cand, gm_chunk_fn emit,
    void *arg)
{
	const cJSON	*p;
	const char	*t, *fr;
	int		 rc;

	cJSON_ArrayForEach(p, cand_parts(cand)) {
		if (gm_given(p, "functionCall") != NULL)
			rc = emit_call(s, p, emit, arg);
		else if ((t = gm_str(p, "text")) != NULL && t[0] != '\0')
			rc = emit_delta(s, cJSON_IsTrue(gm_get(p, "thought")) ?
			    "reasoning_content" : "content", t, NULL, emit,
			    arg);
		else
			rc = 0;
		if (rc != 0)
			return rc;
	}
	if ((fr = gm_str(cand, "finishReason")) == NULL ||
	    gm_streq(fr, "FINISH_REASON_UNSPECIFIED"))
		return 0;
	s->finished = 1;
	return emit_delta(s, NULL, NULL, finish(fr, s->ntools > 0), emit, arg);
}

int
gm_up_stream_data(struct gm_up_stream *s, const char *data, size_t n,
    gm_chunk_fn emit, void *arg)
{
	const cJSON	*cands, *c, *cand;
	struct usage	 u;
	cJSON		*in, *e;
	int		 rc = -1;

	if (s->done || s->failed)
		return 0;
	if (data == NULL || (in = gm_parse(data, n)) == NULL)
		return -1;
	if (gm_given(in, "error") != NULL) {
		if ((e = oa_error(gm_get(in, "error"))) != NULL) {
			s->failed = 1;
			rc = emit(arg, e);
			cJSON_Delete(e);
		}
		goto out;
	}
	if (!cJSON_IsObject(in))
		goto out;
	cands = gm_given(in, "candidates");
	if (cands != NULL && !cJSON_IsArray(cands))
		goto out;
	cJSON_ArrayForEach(c, cands)
		if (!cand_ok(c))
			goto out;
	if (gm_usage_read(gm_get(in, "usageMetadata"), &u)) {
		s->have_usage = 1;
		s->prompt = u.prompt;
		s->cached = u.cached;
		s->candidates = u.completion - u.reasoning;
		s->thoughts = u.reasoning;
	}
	rc = 0;
	if (!s->started) {
		s->started = 1;
		if ((rc = emit_delta(s, "role", "assistant", NULL, emit,
		    arg)) != 0)
			goto out;
	}
	if (s->finished)
		goto out;	/* late parts: the choice is over */
	if ((cand = first_cand(in)) != NULL)
		rc = stream_cand(s, cand, emit, arg);
	else if (block_reason(in) != NULL) {
		s->finished = 1;
		rc = emit_delta(s, NULL, NULL, "content_filter", emit, arg);
	}
out:
	cJSON_Delete(in);
	return rc;
}

int
gm_up_stream_end(struct gm_up_stream *s, gm_chunk_fn emit, void *arg)
{
	struct usage	 u;
	cJSON		*c, *d, *chs;
	int		 rc;

	if (s->done || s->failed)
		return 0;
	if (!s->finished)
		return 1;
	s->done = 1;
	if (!s->have_usage)
		return 0;
	if ((c = chunk(s, NULL, &d)) == NULL)
		return -1;
	memset(&u, 0, sizeof(u));
	u.prompt = s->prompt;
	u.cached = s->cached;
	u.reasoning = s->thoughts;
	u.completion = s->candidates + s->thoughts;
	if ((chs = cJSON_CreateArray()) == NULL ||
	    !cJSON_ReplaceItemInObjectCaseSensitive(c, "choices", chs)) {
		cJSON_Delete(chs);
		cJSON_Delete(c);
		return -1;
	}
	if (gm_put(c, "usage", chat_usage(&u)) == -1) {
		cJSON_Delete(c);
		return -1;
	}
	rc = emit(arg, c);
	cJSON_Delete(c);
	return rc;
}
