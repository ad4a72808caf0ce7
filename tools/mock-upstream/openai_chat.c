/*
 * openai_chat.c: renders a validated chat completion request (struct
 * oai_chat) as OpenAI would answer it: the chat.completion object, or
 * the chat.completion.chunk event stream.  Shapes follow the OpenAI
 * OpenAPI schemas CreateChatCompletionResponse,
 * CreateChatCompletionStreamResponse, ChatCompletionMessageToolCall(Chunk),
 * ChatCompletionTokenLogprob and CompletionUsage.
 *
 * The text is deterministic: choice content is "w1 w2 ... wK", streamed
 * one word per chunk ("w1", " w2", ...).  A tool call answers with
 * arguments built from the function's parameters.properties and streams
 * them in nfrag pieces.  Stream order, per OpenAI: one opening chunk per
 * choice (role, and the tool call's id/name), the content chunks (one
 * per word or argument piece and choice), one closing chunk per choice
 * (empty delta, finish_reason), the usage chunk (choices []) when
 * stream_options.include_usage, then "data: [DONE]".  "usage": null is
 * on every other chunk only when include_usage is set, as OpenAI does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genai.h"
#include "openai.h"

enum oai_phase {
	PH_OPEN = 0,
	PH_BODY,
	PH_CLOSE,
	PH_USAGE,
	PH_DONE,
	PH_END
};

long
oai_words(const char *s)
{
	long	 n = 0;
	int	 in = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
		    *s == '\v' || *s == '\f')
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/*
 * Splits args into min(max(chunks, 1), len) pieces of near-equal size,
 * never inside a UTF-8 sequence.
 */
static int
oai_split(struct oai_chat *c)
{
	size_t	 len = strlen(c->args), want, i, end, prev = 0;

	want = c->chunks > 0 ? (size_t)c->chunks : 1;
	if (want > len)
		want = len > 0 ? len : 1;
	if ((c->frag = calloc(want, sizeof(*c->frag))) == NULL)
		return -1;
	for (i = 0; i < want; i++) {
		end = len * (i + 1) / want;
		while (end < len && ((unsigned char)c->args[end] & 0xc0) ==
		    0x80)
			end++;
		if (end <= prev && i + 1 < want)
			continue;
		c->frag[c->nfrag++] = end;
		prev = end;
	}
	return 0;
}

int
oai_chat_prepare(struct oai_chat *c)
{
	const cJSON	*params, *props, *p;
	cJSON		*args;

	if (c->tool == NULL) {
		c->finish = c->words < c->chunks ? "length" : "stop";
		return 0;
	}
	c->finish = "tool_calls";
	c->words = 0;
	if ((args = cJSON_CreateObject()) == NULL)
		return -1;
	params = cJSON_GetObjectItemCaseSensitive(c->tool, "parameters");
	props = cJSON_GetObjectItemCaseSensitive(params, "properties");
	if (cJSON_IsObject(props))
		cJSON_ArrayForEach(p, props)
			cJSON_AddItemToObject(args, p->string, gen_sample(p));
	c->args = cJSON_PrintUnformatted(args);
	cJSON_Delete(args);
	if (c->args == NULL)
		return -1;
	return oai_split(c);
}

long
oai_chat_completion_tokens(const struct oai_chat *c)
{
	return c->n * (c->tool != NULL ? (long)c->nfrag : c->words);
}

void
oai_chat_free(struct oai_chat *c)
{
	if (c == NULL)
		return;
	cJSON_Delete(c->doc);
	free(c->args);
	free(c->frag);
	free(c);
}

static cJSON *
oai_usage(const struct oai_chat *c)
{
	cJSON	*u, *d;
	long	 ct = oai_chat_completion_tokens(c);

	if ((u = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(u, "prompt_tokens", c->prompt_tokens);
	cJSON_AddNumberToObject(u, "completion_tokens", ct);
	cJSON_AddNumberToObject(u, "total_tokens", c->prompt_tokens + ct);
	if ((d = cJSON_AddObjectToObject(u, "prompt_tokens_details")) != NULL) {
		cJSON_AddNumberToObject(d, "cached_tokens", 0);
		cJSON_AddNumberToObject(d, "audio_tokens", 0);
	}
	d = cJSON_AddObjectToObject(u, "completion_tokens_details");
	if (d != NULL) {
		cJSON_AddNumberToObject(d, "reasoning_tokens", 0);
		cJSON_AddNumberToObject(d, "audio_tokens", 0);
		cJSON_AddNumberToObject(d, "accepted_prediction_tokens", 0);
		cJSON_AddNumberToObject(d, "rejected_prediction_tokens", 0);
	}
	return u;
}

/* Token i (0-based) of the reply text: "w1", " w2", " w3", ... */
static void
oai_token(long i, char *buf, size_t sz)
{
	snprintf(buf, sz, "%sw%ld", i == 0 ? "" : " ", i + 1);
}

static cJSON *
oai_bytes(const char *tok)
{
	cJSON	*a;

	if ((a = cJSON_CreateArray()) == NULL)
		return NULL;
	for (; *tok != '\0'; tok++)
		cJSON_AddItemToArray(a,
		    cJSON_CreateNumber((unsigned char)*tok));
	return a;
}

/* One ChatCompletionTokenLogprob for token i, deterministic values. */
static cJSON *
oai_logprob(const struct oai_chat *c, long i)
{
	cJSON	*o, *top, *t;
	char	 tok[32], alt[32];
	double	 lp = -(double)((i * 7919) % 997 + 1) / 10000.0;
	long	 j;

	oai_token(i, tok, sizeof(tok));
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "token", tok);
	cJSON_AddNumberToObject(o, "logprob", lp);
	cJSON_AddItemToObject(o, "bytes", oai_bytes(tok));
	if ((top = cJSON_AddArrayToObject(o, "top_logprobs")) == NULL)
		return o;
	for (j = 0; j < c->top_logprobs; j++) {
		if (j == 0)
			memcpy(alt, tok, sizeof(alt));
		else
			snprintf(alt, sizeof(alt), "%salt%ld", i == 0 ? "" :
			    " ", j);
		if ((t = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddStringToObject(t, "token", alt);
		cJSON_AddNumberToObject(t, "logprob", lp - 2.0 * (double)j);
		cJSON_AddItemToObject(t, "bytes", oai_bytes(alt));
		cJSON_AddItemToArray(top, t);
	}
	return o;
}

/* {"content": [tokens from..to), "refusal": null} */
static cJSON *
oai_logprobs(const struct oai_chat *c, long from, long to)
{
	cJSON	*o, *a;
	long	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((a = cJSON_AddArrayToObject(o, "content")) != NULL)
		for (i = from; i < to; i++)
			cJSON_AddItemToArray(a, oai_logprob(c, i));
	cJSON_AddNullToObject(o, "refusal");
	return o;
}

/* The tool call: {id, type, function {name, arguments}}, whole. */
static cJSON *
oai_toolcall(const struct oai_chat *c, long choice, const char *args,
    int withindex)
{
	const cJSON	*name;
	cJSON		*t, *f;
	char		 id[64];

	name = cJSON_GetObjectItemCaseSensitive(c->tool, "name");
	if ((t = cJSON_CreateObject()) == NULL)
		return NULL;
	if (withindex)
		cJSON_AddNumberToObject(t, "index", 0);
	snprintf(id, sizeof(id), "%s%ld", c->callid, choice);
	cJSON_AddStringToObject(t, "id", id);
	cJSON_AddStringToObject(t, "type", "function");
	if ((f = cJSON_AddObjectToObject(t, "function")) != NULL) {
		cJSON_AddStringToObject(f, "name", name->valuestring);
		cJSON_AddStringToObject(f, "arguments", args);
	}
	return t;
}

static cJSON *
oai_message(const struct oai_chat *c, long choice)
{
	cJSON		*m, *calls;
	struct mbuf	 text;
	long		 i;

	if ((m = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(m, "role", "assistant");
	if (c->tool != NULL) {
		cJSON_AddNullToObject(m, "content");
		if ((calls = cJSON_AddArrayToObject(m, "tool_calls")) != NULL)
			cJSON_AddItemToArray(calls,
			    oai_toolcall(c, choice, c->args, 0));
	} else {
		mbuf_init(&text, MOCK_EVENT_MAX);
		for (i = 0; i < c->words; i++)
			mbuf_printf(&text, "%sw%ld", i == 0 ? "" : " ", i + 1);
		cJSON_AddStringToObject(m, "content",
		    text.p != NULL ? text.p : "");
		mbuf_free(&text);
	}
	cJSON_AddNullToObject(m, "refusal");
	cJSON_AddArrayToObject(m, "annotations");
	return m;
}

cJSON *
oai_chat_body(struct oai_chat *c)
{
	cJSON	*o, *choices, *ch;
	long	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddStringToObject(o, "object", "chat.completion");
	cJSON_AddNumberToObject(o, "created", (double)c->created);
	cJSON_AddStringToObject(o, "model", c->model);
	if ((choices = cJSON_AddArrayToObject(o, "choices")) == NULL)
		goto fail;
	for (i = 0; i < c->n; i++) {
		if ((ch = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(choices, ch);
		cJSON_AddNumberToObject(ch, "index", i);
		cJSON_AddItemToObject(ch, "message", oai_message(c, i));
		if (c->logprobs && c->tool == NULL)
			cJSON_AddItemToObject(ch, "logprobs",
			    oai_logprobs(c, 0, c->words));
		else
			cJSON_AddNullToObject(ch, "logprobs");
		cJSON_AddStringToObject(ch, "finish_reason", c->finish);
	}
	if (c->usage)
		cJSON_AddItemToObject(o, "usage", oai_usage(c));
	cJSON_AddStringToObject(o, "service_tier", "default");
	cJSON_AddStringToObject(o, "system_fingerprint", "fp_mock0001");
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* The fields every chunk starts with, and its choices array. */
static cJSON *
oai_chunk(const struct oai_chat *c, cJSON **choices)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddStringToObject(o, "object", "chat.completion.chunk");
	cJSON_AddNumberToObject(o, "created", (double)c->created);
	cJSON_AddStringToObject(o, "model", c->model);
	cJSON_AddStringToObject(o, "service_tier", "default");
	cJSON_AddStringToObject(o, "system_fingerprint", "fp_mock0001");
	*choices = cJSON_AddArrayToObject(o, "choices");
	return o;
}

/* Adds one choice {index, delta, logprobs, finish_reason}. */
static cJSON *
oai_chunk_choice(cJSON *choices, long index, const char *finish)
{
	cJSON	*ch, *delta;

	if (choices == NULL || (ch = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddItemToArray(choices, ch);
	cJSON_AddNumberToObject(ch, "index", index);
	delta = cJSON_AddObjectToObject(ch, "delta");
	cJSON_AddNullToObject(ch, "logprobs");
	if (finish != NULL)
		cJSON_AddStringToObject(ch, "finish_reason", finish);
	else
		cJSON_AddNullToObject(ch, "finish_reason");
	return delta;
}

/* Fills the delta of the current chunk for phase PH_OPEN or PH_BODY. */
static void
oai_delta(const struct oai_chat *c, cJSON *choices, cJSON *delta)
{
	cJSON	*calls, *t, *f, *ch;
	char	 tok[32];
	size_t	 from, to;
	char	*frag;

	if (delta == NULL)
		return;
	if (c->phase == PH_OPEN) {
		cJSON_AddStringToObject(delta, "role", "assistant");
		if (c->tool == NULL) {
			cJSON_AddStringToObject(delta, "content", "");
			cJSON_AddNullToObject(delta, "refusal");
			return;
		}
		cJSON_AddNullToObject(delta, "content");
		if ((calls = cJSON_AddArrayToObject(delta, "tool_calls")) !=
		    NULL)
			cJSON_AddItemToArray(calls,
			    oai_toolcall(c, c->choice, "", 1));
		cJSON_AddNullToObject(delta, "refusal");
		return;
	}
	if (c->tool == NULL) {
		oai_token(c->step, tok, sizeof(tok));
		cJSON_AddStringToObject(delta, "content", tok);
		if (c->logprobs && (ch = cJSON_GetArrayItem(choices, 0)) !=
		    NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(ch, "logprobs",
			    oai_logprobs(c, c->step, c->step + 1));
		return;
	}
	from = c->step == 0 ? 0 : c->frag[c->step - 1];
	to = c->frag[c->step];
	if ((frag = strndup(c->args + from, to - from)) == NULL)
		return;
	if ((calls = cJSON_AddArrayToObject(delta, "tool_calls")) != NULL &&
	    (t = cJSON_CreateObject()) != NULL) {
		cJSON_AddItemToArray(calls, t);
		cJSON_AddNumberToObject(t, "index", 0);
		if ((f = cJSON_AddObjectToObject(t, "function")) != NULL)
			cJSON_AddStringToObject(f, "arguments", frag);
	}
	free(frag);
}

/*
 * Builds the chunk of the current position and advances it.  Returns
 * the event kind; the JSON goes to *doc.
 */
static enum sse_ev
oai_step(struct oai_chat *c, cJSON **doc)
{
	cJSON		*o, *choices;
	long		 steps;
	enum sse_ev	 kind;

	steps = c->tool != NULL ? (long)c->nfrag : c->words;
	while (c->phase == PH_BODY && c->step >= steps) {
		c->phase = PH_CLOSE;
		c->step = 0;
	}
	if ((o = *doc = oai_chunk(c, &choices)) == NULL)
		return SSE_FAIL;
	switch (c->phase) {
	case PH_OPEN:
	case PH_BODY:
		oai_delta(c, choices, oai_chunk_choice(choices, c->choice,
		    NULL));
		kind = c->phase == PH_OPEN ? SSE_DATA : SSE_CONTENT;
		if (++c->choice < c->n)
			break;
		c->choice = 0;
		if (c->phase == PH_OPEN)
			c->phase = PH_BODY;
		else
			c->step++;
		break;
	case PH_CLOSE:
		oai_chunk_choice(choices, c->choice, c->finish);
		kind = SSE_DATA;
		if (++c->choice < c->n)
			break;
		c->choice = 0;
		c->phase = c->stream_usage ? PH_USAGE : PH_DONE;
		break;
	default:	/* PH_USAGE */
		cJSON_AddItemToObject(o, "usage", oai_usage(c));
		c->phase = PH_DONE;
		return SSE_DATA;
	}
	if (c->stream_usage)
		cJSON_AddNullToObject(o, "usage");
	return kind;
}

static enum sse_ev
oai_sse_next(void *arg, struct mbuf *out)
{
	struct oai_chat	*c = arg;
	cJSON		*doc = NULL;
	char		*s;
	enum sse_ev	 kind;
	int		 rc;

	if (c->phase == PH_END)
		return SSE_END;
	if (c->phase == PH_DONE) {
		c->phase = PH_END;
		return mbuf_puts(out, "data: [DONE]\n\n") == -1 ? SSE_FAIL :
		    SSE_TERM;
	}
	kind = oai_step(c, &doc);
	s = doc != NULL ? cJSON_PrintUnformatted(doc) : NULL;
	cJSON_Delete(doc);
	if (s == NULL)
		return SSE_FAIL;
	rc = mbuf_printf(out, "data: %s\n\n", s);
	free(s);
	return rc == -1 ? SSE_FAIL : kind;
}

static void
oai_sse_error(void *arg, struct mbuf *out)
{
	mbuf_puts(out, "data: {\"error\":{\"message\":\"mock mid-stream "
	    "failure\",\"type\":\"server_error\",\"param\":null,"
	    "\"code\":null}}\n\n");
}

static void
oai_sse_free(void *arg)
{
	oai_chat_free(arg);
}

const struct sse_ops oai_chat_sse = {
	oai_sse_next,
	oai_sse_error,
	oai_sse_free
};
