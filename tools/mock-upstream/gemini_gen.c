/*
 * gemini_gen.c: renders a planned Gemini answer (struct gm_gen, genai.h)
 * as GenerateContentResponse: whole, or streamed as
 * streamGenerateContent does.
 *
 * Parts of a candidate: a thought part {"text","thought":true} when
 * includeThoughts, then the text, or one functionCall part per call.
 * Every candidate (candidateCount of them) says the same.  usageMetadata
 * follows Google: promptTokenCount includes cached tokens,
 * candidatesTokenCount and thoughtsTokenCount are separate, zero counts
 * are left out (proto3 JSON), totalTokenCount is the sum.
 *
 * A stream sends one GenerateContentResponse per thought word, per text
 * token, and one for all function calls; usageMetadata rides on every
 * chunk and grows with what was sent; finishReason is on the last one.
 * With alt=sse each chunk is "data: <json>\r\n\r\n" (Google ends events
 * with CRLF pairs); without it the chunks are the elements of one JSON
 * array "[{...}\r\n,{...}]" written as they come.  error_after sends a
 * 503 UNAVAILABLE error object as the next chunk and ends the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemini.h"

enum gm_phase {
	GP_BLOCK = 0,	/* promptFeedback / SAFETY answer */
	GP_THINK,
	GP_TEXT,
	GP_CALLS,
	GP_EMPTY,
	GP_CLOSE,	/* "]" of the JSON array */
	GP_END
};

static const char *const gm_cats[] = { "HARM_CATEGORY_SEXUALLY_EXPLICIT",
	"HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_HARASSMENT",
	"HARM_CATEGORY_DANGEROUS_CONTENT", NULL };

void
gm_gen_free(struct gm_gen *g)
{
	if (g == NULL)
		return;
	gen_free(&g->g);
	cJSON_Delete(g->doc);
	free(g);
}

/* Candidate tokens per candidate: text tokens or argument pieces. */
static long
gm_cand_tokens(const struct gm_gen *g)
{
	return gen_output_tokens(&g->g) - g->g.nthink;
}

static cJSON *
gm_ratings(int blocked)
{
	cJSON	*a, *r;
	size_t	 i;

	if ((a = cJSON_CreateArray()) == NULL)
		return NULL;
	for (i = 0; gm_cats[i] != NULL; i++) {
		if ((r = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddStringToObject(r, "category", gm_cats[i]);
		if (blocked && i == 3) {
			cJSON_AddStringToObject(r, "probability", "HIGH");
			cJSON_AddTrueToObject(r, "blocked");
		} else
			cJSON_AddStringToObject(r, "probability", "NEGLIGIBLE");
		cJSON_AddItemToArray(a, r);
	}
	return a;
}

/* usageMetadata with cand candidate tokens (all candidates) so far. */
static cJSON *
gm_usage(const struct gm_gen *g, long cand)
{
	cJSON	*u, *d, *it;
	long	 prompt = g->prompt_tokens + g->cache_read;

	if ((u = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(u, "promptTokenCount", prompt);
	if (cand > 0)
		cJSON_AddNumberToObject(u, "candidatesTokenCount", cand);
	cJSON_AddNumberToObject(u, "totalTokenCount", prompt + cand +
	    g->thought_tokens);
	if (g->cache_read > 0)
		cJSON_AddNumberToObject(u, "cachedContentTokenCount",
		    g->cache_read);
	d = cJSON_AddArrayToObject(u, "promptTokensDetails");
	if ((it = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(it, "modality", "TEXT");
		cJSON_AddNumberToObject(it, "tokenCount", prompt);
		cJSON_AddItemToArray(d, it);
	}
	if (g->cache_read > 0) {
		d = cJSON_AddArrayToObject(u, "cacheTokensDetails");
		if ((it = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(it, "modality", "TEXT");
			cJSON_AddNumberToObject(it, "tokenCount",
			    g->cache_read);
			cJSON_AddItemToArray(d, it);
		}
	}
	if (g->thought_tokens > 0)
		cJSON_AddNumberToObject(u, "thoughtsTokenCount",
		    g->thought_tokens);
	return u;
}

static const char *
gm_finish(const struct gm_gen *g)
{
	if (g->block == 2)
		return "SAFETY";
	return g->g.stop == GEN_MAX_TOKENS ? "MAX_TOKENS" : "STOP";
}

static void
gm_text_part(cJSON *parts, const char *s, size_t len, int thought)
{
	cJSON	*p;
	char	*t;

	if ((p = cJSON_CreateObject()) == NULL)
		return;
	if ((t = strndup(s, len)) != NULL)
		cJSON_AddStringToObject(p, "text", t);
	free(t);
	if (thought)
		cJSON_AddTrueToObject(p, "thought");
	cJSON_AddItemToArray(parts, p);
}

static void
gm_call_parts(const struct gm_gen *g, cJSON *parts)
{
	cJSON	*p, *fc;
	long	 i;

	for (i = 0; i < g->g.ncalls; i++) {
		if ((p = cJSON_CreateObject()) == NULL)
			return;
		fc = cJSON_AddObjectToObject(p, "functionCall");
		cJSON_AddStringToObject(fc, "name", g->g.calls[i].name);
		cJSON_AddItemToObject(fc, "args",
		    cJSON_Parse(g->g.calls[i].args));
		cJSON_AddItemToArray(parts, p);
	}
}

/* All thought words as one string. */
static void
gm_thought_part(const struct gm_gen *g, cJSON *parts)
{
	struct mbuf	 t;
	char		 tok[32];
	long		 i;

	mbuf_init(&t, MOCK_EVENT_MAX);
	for (i = 0; i < g->g.nthink; i++) {
		gen_think_token(i, tok, sizeof(tok));
		mbuf_puts(&t, tok);
	}
	gm_text_part(parts, t.p != NULL ? t.p : "", t.len, 1);
	mbuf_free(&t);
}

/*
 * One candidate for phase ph at step (GP_END: the whole answer);
 * finish adds finishReason.
 */
static cJSON *
gm_cand(const struct gm_gen *g, long index, enum gm_phase ph, long step,
    int finish)
{
	cJSON		*c, *content, *parts;
	const char	*s;
	size_t		 len;
	char		 tok[32];

	if ((c = cJSON_CreateObject()) == NULL)
		return NULL;
	if (g->block != 2) {
		content = cJSON_AddObjectToObject(c, "content");
		parts = cJSON_AddArrayToObject(content, "parts");
		if (ph == GP_THINK) {
			gen_think_token(step, tok, sizeof(tok));
			gm_text_part(parts, tok, strlen(tok), 1);
		} else if (ph == GP_TEXT) {
			s = gen_token(&g->g, step, &len);
			gm_text_part(parts, s, len, 0);
		} else if (ph == GP_CALLS)
			gm_call_parts(g, parts);
		else if (ph == GP_EMPTY)
			gm_text_part(parts, "", 0, 0);
		else {
			if (g->thoughts && g->g.nthink > 0)
				gm_thought_part(g, parts);
			if (g->g.ncalls > 0)
				gm_call_parts(g, parts);
			else if (g->g.ntext > 0 || cJSON_GetArraySize(parts) ==
			    0)
				gm_text_part(parts, g->g.text.p != NULL ?
				    g->g.text.p : "", g->g.text.len, 0);
		}
		cJSON_AddStringToObject(content, "role", "model");
	}
	if (finish) {
		cJSON_AddStringToObject(c, "finishReason", gm_finish(g));
		if (g->g.ncalls > 0)
			cJSON_AddStringToObject(c, "finishMessage", "Model "
			    "generated function call(s).");
	}
	cJSON_AddNumberToObject(c, "index", index);
	if (g->block == 2)
		cJSON_AddItemToObject(c, "safetyRatings", gm_ratings(1));
	return c;
}

/* A GenerateContentResponse; cand: candidate tokens so far. */
static cJSON *
gm_response(const struct gm_gen *g, enum gm_phase ph, long step,
    int finish, long cand)
{
	cJSON	*o, *arr, *pf;
	long	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (g->block == 1) {
		pf = cJSON_AddObjectToObject(o, "promptFeedback");
		cJSON_AddStringToObject(pf, "blockReason", "SAFETY");
		cJSON_AddItemToObject(pf, "safetyRatings", gm_ratings(1));
		cand = 0;
	} else {
		arr = cJSON_AddArrayToObject(o, "candidates");
		for (i = 0; arr != NULL && i < g->ncand; i++)
			cJSON_AddItemToArray(arr, gm_cand(g, i, ph, step,
			    finish));
	}
	if (g->usage)
		cJSON_AddItemToObject(o, "usageMetadata", gm_usage(g, cand));
	cJSON_AddStringToObject(o, "modelVersion", g->model);
	cJSON_AddStringToObject(o, "responseId", g->id);
	return o;
}

cJSON *
gm_gen_body(struct gm_gen *g)
{
	return gm_response(g, GP_END, 0, 1, g->block != 0 ? 0 :
	    g->ncand * gm_cand_tokens(g));
}

/* The first phase at or after ph that has something to send. */
static enum gm_phase
gm_next_phase(const struct gm_gen *g, enum gm_phase ph)
{
	for (;; ph++) {
		switch (ph) {
		case GP_BLOCK:
			if (g->block != 0)
				return ph;
			break;
		case GP_THINK:
			if (g->thoughts && g->g.nthink > 0)
				return ph;
			break;
		case GP_TEXT:
			if (g->g.ntext > 0 && g->g.ncalls == 0)
				return ph;
			break;
		case GP_CALLS:
			if (g->g.ncalls > 0)
				return ph;
			break;
		case GP_EMPTY:
			if (g->g.ntext == 0 && g->g.ncalls == 0)
				return ph;
			break;
		case GP_CLOSE:
			return g->array ? ph : GP_END;
		default:
			return GP_END;
		}
	}
}

/* Builds the chunk of the current position and advances it. */
static cJSON *
gm_step(struct gm_gen *g, enum sse_ev *kind)
{
	cJSON		*o;
	enum gm_phase	 ph = g->phase;
	long		 step = g->step, sent;
	int		 last;

	*kind = SSE_CONTENT;
	switch (ph) {
	case GP_BLOCK:
		o = gm_response(g, ph, 0, 1, 0);
		g->phase = gm_next_phase(g, GP_CLOSE);
		*kind = SSE_DATA;
		return o;
	case GP_THINK:
		o = gm_response(g, ph, step, 0, 0);
		if (++g->step >= g->g.nthink) {
			g->step = 0;
			g->phase = gm_next_phase(g, GP_TEXT);
		}
		return o;
	case GP_TEXT:
		last = step + 1 >= g->g.ntext;
		sent = g->ncand * (step + 1);
		o = gm_response(g, ph, step, last, sent);
		g->step++;
		if (last)
			g->phase = gm_next_phase(g, GP_CALLS);
		return o;
	default:	/* GP_CALLS, GP_EMPTY */
		o = gm_response(g, ph, 0, 1, g->ncand * gm_cand_tokens(g));
		g->phase = gm_next_phase(g, GP_CLOSE);
		return o;
	}
}

static enum sse_ev
gm_sse_next(void *arg, struct mbuf *out)
{
	struct gm_gen	*g = arg;
	enum sse_ev	 kind;
	cJSON		*o;
	char		*s;
	int		 rc;

	if (!g->started && g->phase == GP_BLOCK)
		g->phase = gm_next_phase(g, GP_BLOCK);
	if (g->phase == GP_END)
		return SSE_END;
	if (g->phase == GP_CLOSE) {
		g->phase = GP_END;
		return mbuf_puts(out, "]") == -1 ? SSE_FAIL : SSE_TERM;
	}
	o = gm_step(g, &kind);
	s = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (s == NULL)
		return SSE_FAIL;
	if (g->array)
		rc = mbuf_printf(out, "%s%s", g->started ? ",\r\n" : "[", s);
	else
		rc = mbuf_printf(out, "data: %s\r\n\r\n", s);
	g->started = 1;
	free(s);
	return rc == -1 ? SSE_FAIL : kind;
}

static void
gm_sse_error(void *arg, struct mbuf *out)
{
	struct gm_gen	*g = arg;
	cJSON		*e;
	char		*s;

	e = gm_error_doc(503, "The model is overloaded. Please try again "
	    "later.");
	if ((s = e != NULL ? cJSON_PrintUnformatted(e) : NULL) != NULL) {
		if (g->array)
			mbuf_printf(out, ",\r\n%s]", s);
		else
			mbuf_printf(out, "data: %s\r\n\r\n", s);
	}
	free(s);
	cJSON_Delete(e);
}

static void
gm_sse_free(void *arg)
{
	gm_gen_free(arg);
}

const struct sse_ops gm_gen_sse = {
	gm_sse_next,
	gm_sse_error,
	gm_sse_free
};
