/*
 * openai_completions.c: POST /v1/completions of the mock's OpenAI
 * provider, the legacy text completions (openai-openapi.yaml
 * CreateCompletionRequest, CreateCompletionResponse).
 *
 * Legacy completions have no metadata, so the controls come from
 * X-Mock-* headers or from the `user` field written
 * "mock:name=value,name=value" (oai_text_ctl, as for embeddings).
 *
 * The answer: for each prompt and each of n choices (index = prompt x n
 * + i), the text "w1 ... wK" with K = chunks cut to max_tokens (default
 * 16; then finish_reason "length", else "stop"), preceded by the prompt
 * when echo is true.  logprobs N adds {tokens, token_logprobs,
 * top_logprobs (N entries each), text_offset}.  Usage: prompt_tokens =
 * the words of every string prompt, or the number of tokens of token
 * prompts; completion_tokens = prompts x max(n, best_of) x K.
 * A stream sends, with echo, one chunk per choice holding the prompt,
 * then per word and choice a chunk {"text": "w1" / " w2" ...}, then per
 * choice a chunk with text "" and finish_reason, then the usage chunk
 * (choices []) when stream_options.include_usage, then [DONE]; chunks
 * carry "usage": null only when include_usage is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "openai.h"

enum cm_phase { CP_ECHO = 0, CP_BODY, CP_CLOSE, CP_USAGE, CP_DONE, CP_END };

struct cm {
	struct oai_chat	*c;		/* n, words, finish, ids, usage */
	const cJSON	*prompt;
	long		 nprompts;
	long		 best_of;
	long		 logprobs;	/* -1: none */
	int		 echo;
	enum cm_phase	 phase;
	long		 step;
	long		 choice;	/* over prompts x n */
	char		*keep;		/* control text (oai_text_ctl) */
};

static unsigned long long	cm_seq;

static void
cm_free(struct cm *m)
{
	if (m == NULL)
		return;
	oai_chat_free(m->c);
	free(m->keep);
	free(m);
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

static int
is_int(const cJSON *v, double lo, double hi)
{
	return cJSON_IsNumber(v) && v->valuedouble >= lo &&
	    v->valuedouble <= hi &&
	    v->valuedouble == (double)(long)v->valuedouble;
}

/* Optional integer in [lo, hi]; NULL or the 400 message. */
static const char *
cm_int(const cJSON *doc, const char *k, long lo, long hi, long *out,
    char *param, size_t psz)
{
	if (!given(doc, k))
		return NULL;
	snprintf(param, psz, "%s", k);
	if (!is_int(get(doc, k), (double)lo, (double)hi))
		return "Invalid integer value: out of range or not an "
		    "integer.";
	*out = (long)get(doc, k)->valuedouble;
	return NULL;
}

/* Validates prompt; counts prompts and prompt tokens. */
static const char *
cm_prompt(struct cm *m, const cJSON *doc, char *param, size_t psz)
{
	const cJSON	*p = get(doc, "prompt"), *e, *t;
	int		 strs = 0, ints = 0, arrs = 0;

	snprintf(param, psz, "prompt");
	m->prompt = p;
	m->nprompts = 1;
	if (p == NULL)
		return "Missing required parameter: 'prompt'.";
	if (cJSON_IsNull(p))
		return NULL;
	if (cJSON_IsString(p)) {
		m->c->prompt_tokens = oai_words(p->valuestring);
		return NULL;
	}
	if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) == 0)
		return "Invalid 'prompt': expected a string or a non-empty "
		    "array.";
	cJSON_ArrayForEach(e, p) {
		if (cJSON_IsString(e)) {
			strs++;
			m->c->prompt_tokens += oai_words(e->valuestring);
		} else if (is_int(e, 0, 2147483647.0)) {
			ints++;
			m->c->prompt_tokens++;
		} else if (cJSON_IsArray(e) && cJSON_GetArraySize(e) > 0) {
			arrs++;
			cJSON_ArrayForEach(t, e) {
				if (!is_int(t, 0, 2147483647.0))
					return "Invalid 'prompt': token arrays "
					    "hold integers.";
				m->c->prompt_tokens++;
			}
		} else
			return "Invalid 'prompt': unexpected element.";
	}
	if ((strs > 0) + (ints > 0) + (arrs > 0) > 1)
		return "Invalid 'prompt': mixed element kinds.";
	m->nprompts = ints > 0 ? 1 : strs + arrs;
	return NULL;
}

static const char *
cm_check(struct cm *m, struct mock_req *req, char *param, size_t psz)
{
	const cJSON	*doc = m->c->doc, *v, *so;
	const char	*msg;
	long		 maxtok = 16;

	param[0] = '\0';
	if (!cJSON_IsObject(doc))
		return "We could not parse the JSON body of your request.";
	v = get(doc, "model");
	snprintf(param, psz, "model");
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return "you must provide a model parameter";
	m->c->model = v->valuestring;
	m->logprobs = -1;
	if ((msg = cm_prompt(m, doc, param, psz)) != NULL ||
	    (msg = cm_int(doc, "max_tokens", 0, 1L << 30, &maxtok, param,
	    psz)) != NULL ||
	    (msg = cm_int(doc, "n", 1, 128, &m->c->n, param, psz)) != NULL ||
	    (msg = cm_int(doc, "best_of", 0, 20, &m->best_of, param, psz)) !=
	    NULL ||
	    (msg = cm_int(doc, "logprobs", 0, 5, &m->logprobs, param, psz)) !=
	    NULL)
		return msg;
	snprintf(param, psz, "stream");
	if (given(doc, "stream") && !cJSON_IsBool(get(doc, "stream")))
		return "Invalid type for 'stream': expected a boolean.";
	m->c->stream = cJSON_IsTrue(get(doc, "stream"));
	snprintf(param, psz, "echo");
	if (given(doc, "echo") && !cJSON_IsBool(get(doc, "echo")))
		return "Invalid type for 'echo': expected a boolean.";
	m->echo = cJSON_IsTrue(get(doc, "echo"));
	snprintf(param, psz, "best_of");
	if (m->best_of > 0 && m->best_of < m->c->n)
		return "best_of must be greater than or equal to n.";
	if (m->best_of > 1 && m->c->stream)
		return "Cannot stream results with best_of greater than 1.";
	so = get(doc, "stream_options");
	snprintf(param, psz, "stream_options");
	if (given(doc, "stream_options") && !m->c->stream)
		return "The 'stream_options' parameter is only allowed when "
		    "'stream' is enabled.";
	m->c->stream_usage = cJSON_IsTrue(get(so, "include_usage"));
	m->c->chunks = req->ctl.v[CTL_CHUNKS];
	m->c->words = m->c->chunks < maxtok ? m->c->chunks : maxtok;
	m->c->finish = m->c->words < m->c->chunks ? "length" : "stop";
	m->c->usage = req->ctl.v[CTL_NO_USAGE] == 0;
	m->c->stream_usage = m->c->stream_usage && m->c->usage;
	param[0] = '\0';
	return NULL;
}

/* The text of prompt p when it is a string ("" for token prompts). */
static const char *
cm_prompt_text(const struct cm *m, long p)
{
	const cJSON	*e;

	if (cJSON_IsString(m->prompt))
		return m->prompt->valuestring;
	e = cJSON_GetArrayItem(m->prompt, (int)p);
	return cJSON_IsString(e) ? e->valuestring : "";
}

static long
cm_completion_tokens(const struct cm *m)
{
	long	 per = m->best_of > m->c->n ? m->best_of : m->c->n;

	return m->nprompts * per * m->c->words;
}

static cJSON *
cm_usage(const struct cm *m)
{
	cJSON	*u;
	long	 ct = cm_completion_tokens(m);

	if ((u = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(u, "prompt_tokens", m->c->prompt_tokens);
	cJSON_AddNumberToObject(u, "completion_tokens", ct);
	cJSON_AddNumberToObject(u, "total_tokens", m->c->prompt_tokens + ct);
	return u;
}

/* Legacy logprobs of words [from, to). */
static cJSON *
cm_logprobs(const struct cm *m, long from, long to, long offset)
{
	cJSON	*o, *toks, *lps, *tops, *offs, *top;
	char	 tok[32], alt[40];
	long	 i, j;
	double	 lp;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	toks = cJSON_AddArrayToObject(o, "tokens");
	lps = cJSON_AddArrayToObject(o, "token_logprobs");
	tops = cJSON_AddArrayToObject(o, "top_logprobs");
	offs = cJSON_AddArrayToObject(o, "text_offset");
	for (i = from; i < to; i++) {
		snprintf(tok, sizeof(tok), "%sw%ld", i == 0 ? "" : " ", i + 1);
		lp = -(double)((i * 7919) % 997 + 1) / 10000.0;
		cJSON_AddItemToArray(toks, cJSON_CreateString(tok));
		cJSON_AddItemToArray(lps, cJSON_CreateNumber(lp));
		cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)offset));
		offset += (long)strlen(tok);
		if ((top = cJSON_CreateObject()) == NULL)
			continue;
		cJSON_AddItemToArray(tops, top);
		for (j = 0; j < m->logprobs; j++) {
			if (j == 0)
				snprintf(alt, sizeof(alt), "%s", tok);
			else
				snprintf(alt, sizeof(alt), "%salt%ld",
				    i == 0 ? "" : " ", j);
			cJSON_AddNumberToObject(top, alt, lp - 2.0 * (double)j);
		}
	}
	return o;
}

static cJSON *
cm_choice(cJSON *choices, long index, const char *text, const char *finish)
{
	cJSON	*ch;

	if (choices == NULL || (ch = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddItemToArray(choices, ch);
	cJSON_AddStringToObject(ch, "text", text);
	cJSON_AddNumberToObject(ch, "index", index);
	cJSON_AddNullToObject(ch, "logprobs");
	if (finish != NULL)
		cJSON_AddStringToObject(ch, "finish_reason", finish);
	else
		cJSON_AddNullToObject(ch, "finish_reason");
	return ch;
}

static cJSON *
cm_head(const struct cm *m, cJSON **choices)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", m->c->id);
	cJSON_AddStringToObject(o, "object", "text_completion");
	cJSON_AddNumberToObject(o, "created", (double)m->c->created);
	cJSON_AddStringToObject(o, "model", m->c->model);
	*choices = cJSON_AddArrayToObject(o, "choices");
	cJSON_AddStringToObject(o, "system_fingerprint", "fp_mock0001");
	return o;
}

static cJSON *
cm_body(const struct cm *m)
{
	cJSON		*o, *choices, *ch;
	struct mbuf	 t;
	const char	*pt;
	long		 p, i, k;

	if ((o = cm_head(m, &choices)) == NULL)
		return NULL;
	for (p = 0; p < m->nprompts; p++)
		for (i = 0; i < m->c->n; i++) {
			mbuf_init(&t, MOCK_EVENT_MAX);
			pt = m->echo ? cm_prompt_text(m, p) : "";
			mbuf_puts(&t, pt);
			for (k = 0; k < m->c->words; k++)
				mbuf_printf(&t, "%sw%ld", k == 0 ? "" : " ",
				    k + 1);
			ch = cm_choice(choices, p * m->c->n + i, t.p != NULL ?
			    t.p : "", m->c->finish);
			mbuf_free(&t);
			if (ch != NULL && m->logprobs >= 0)
				cJSON_ReplaceItemInObjectCaseSensitive(ch,
				    "logprobs", cm_logprobs(m, 0, m->c->words,
				    (long)strlen(pt)));
		}
	if (m->c->usage)
		cJSON_AddItemToObject(o, "usage", cm_usage(m));
	return o;
}

static enum sse_ev
cm_next(void *arg, struct mbuf *out)
{
	struct cm	*m = arg;
	cJSON		*o, *choices, *ch;
	long		 total = m->nprompts * m->c->n;
	enum sse_ev	 kind = SSE_DATA;
	char		 tok[32], *s;
	int		 rc;

	if (m->phase == CP_ECHO && !m->echo)
		m->phase = CP_BODY;
	if (m->phase == CP_BODY && m->step >= m->c->words)
		m->phase = CP_CLOSE;
	if (m->phase == CP_USAGE && !m->c->stream_usage)
		m->phase = CP_DONE;
	if (m->phase == CP_END)
		return SSE_END;
	if (m->phase == CP_DONE) {
		m->phase = CP_END;
		return mbuf_puts(out, "data: [DONE]\n\n") == -1 ? SSE_FAIL :
		    SSE_TERM;
	}
	if ((o = cm_head(m, &choices)) == NULL)
		return SSE_FAIL;
	if (m->phase == CP_USAGE) {
		cJSON_AddItemToObject(o, "usage", cm_usage(m));
		m->phase = CP_DONE;
	} else {
		if (m->phase == CP_ECHO)
			ch = cm_choice(choices, m->choice, cm_prompt_text(m,
			    m->choice / m->c->n), NULL);
		else if (m->phase == CP_BODY) {
			snprintf(tok, sizeof(tok), "%sw%ld", m->step == 0 ?
			    "" : " ", m->step + 1);
			ch = cm_choice(choices, m->choice, tok, NULL);
			if (ch != NULL && m->logprobs >= 0)
				cJSON_ReplaceItemInObjectCaseSensitive(ch,
				    "logprobs", cm_logprobs(m, m->step,
				    m->step + 1, 0));
			kind = SSE_CONTENT;
		} else
			ch = cm_choice(choices, m->choice, "", m->c->finish);
		(void)ch;
		if (m->c->stream_usage)
			cJSON_AddNullToObject(o, "usage");
		if (++m->choice >= total) {
			m->choice = 0;
			if (m->phase == CP_BODY)
				m->step++;
			else
				m->phase++;
		}
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return SSE_FAIL;
	rc = mbuf_printf(out, "data: %s\n\n", s);
	free(s);
	return rc == -1 ? SSE_FAIL : kind;
}

static void
cm_error(void *arg, struct mbuf *out)
{
	mbuf_puts(out, "data: {\"error\":{\"message\":\"mock mid-stream "
	    "failure\",\"type\":\"server_error\",\"param\":null,"
	    "\"code\":null}}\n\n");
}

static void
cm_sse_free(void *arg)
{
	cm_free(arg);
}

static const struct sse_ops cm_sse = { cm_next, cm_error, cm_sse_free };

enum MHD_Result
h_oai_completions(struct mock_req *req)
{
	struct cm	*m;
	const cJSON	*u;
	const char	*msg, *hdrs[3] = { "x-request-id", NULL, NULL };
	char		 param[64];
	enum MHD_Result	 ret;
	unsigned long long seq = __atomic_fetch_add(&cm_seq, 1,
	    __ATOMIC_RELAXED);

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->c = calloc(1, sizeof(*m->c))) == NULL) {
		free(m);
		return oai_embed_fail(req, 500, NULL, NULL, "mock out of "
		    "memory");
	}
	snprintf(m->c->id, sizeof(m->c->id), "cmpl-mock%06x%010llu",
	    (unsigned int)getpid() & 0xffffff, seq);
	snprintf(m->c->reqid, sizeof(m->c->reqid), "req_mockc%llu", seq);
	hdrs[1] = m->c->reqid;
	m->c->created = (int64_t)time(NULL);
	m->c->n = 1;
	m->c->doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p :
	    "", req->body.len);
	u = get(m->c->doc, "user");
	if (cJSON_IsString(u))
		oai_text_ctl(&req->ctl, u->valuestring, &m->keep);
	if (req->ctl.bad[0] != '\0')
		ret = oai_embed_fail(req, 400, NULL, "invalid_mock_control",
		    req->ctl.bad);
	else if (ctl_isset(&req->ctl, CTL_STATUS)) {
		snprintf(param, sizeof(param), "mock injected HTTP status %ld",
		    req->ctl.v[CTL_STATUS]);
		ret = oai_embed_fail(req, (unsigned int)req->ctl.v[CTL_STATUS],
		    NULL, req->ctl.v[CTL_STATUS] == 401 ? "invalid_api_key" :
		    req->ctl.v[CTL_STATUS] == 429 ? "rate_limit_exceeded" :
		    NULL, param);
	} else if (ctl_isset(&req->ctl, CTL_BODY))
		ret = cJSON_IsTrue(get(m->c->doc, "stream")) ?
		    sse_raw(req, req->ctl.body, req->ctl.bodylen, hdrs) :
		    mock_reply(req, 200, "application/json", req->ctl.body,
		    req->ctl.bodylen, hdrs);
	else if ((msg = cm_check(m, req, param, sizeof(param))) != NULL)
		ret = oai_embed_fail(req, 400, param[0] != '\0' ? param : NULL,
		    NULL, msg);
	else if (m->c->stream)
		return sse_start(req, &cm_sse, m, hdrs);
	else
		ret = mock_reply_json(req, 200, cm_body(m), hdrs);
	cm_free(m);
	return ret;
}
