/*
 * fuzz_gemini.c: libFuzzer harness for the Gemini provider
 * (app/providers/gemini*.c), every entry point, both directions.
 *
 * Input: byte 0 picks the target (modulo 9), byte 1 holds flags (bit 0
 * stream / base64, bits 4-7 where an emit callback stops), the rest is
 * the payload: JSON for the tree-taking converters, raw bytes for
 * gm_up_error and gm_up_path, newline-separated SSE data for the
 * upstream stream, a JSON array of chunks for the client stream.
 * Checked, besides the sanitizers:
 *  - converters taking a const tree leave it as it was (printed before
 *    and after);
 *  - gm_up_request / gm_cl_request: GM_OK gives a tree with non-empty
 *    contents (roles user|model, non-empty parts) or messages (known
 *    roles, model = up_model); GM_INVALID gives no tree, a message and
 *    NUL-terminated param within its size; the output of one direction
 *    is fed to the other (must not crash);
 *  - gm_up_response: NULL or a chat.completion with choices whose
 *    finish_reason is one of stop, length, tool_calls, content_filter
 *    and whose usage is never negative; gm_cl_response must take it
 *    (non-NULL), and gm_up_response must take that back (non-NULL);
 *  - gm_cl_response: NULL or a GenerateContentResponse with non-empty
 *    parts, which gm_up_response takes (non-NULL);
 *  - gm_up_stream: data returns 0, -1 or emit's value; end 0, 1 or
 *    emit's; the first chunk is the role chunk, one finish_reason at
 *    most, nothing after an error object, usage chunk last; every
 *    chunk converts through the client stream (returns 0);
 *  - gm_cl_stream: returns 0, -1 or emit's; every response has parts
 *    and passes back through gm_up_stream_data (returns 0);
 *  - gm_up_error: NULL or {"error":{message, type}} strings;
 *  - embeddings: the request has one entry per input; the answer one
 *    datum per embedding;
 *  - gm_usage_read never yields negative counts; gm_up_path output is
 *    NUL-terminated, within its size, only [A-Za-z0-9._%/:?=-].
 * A violation aborts, which libFuzzer reports as a crash.
 *
 * fuzz-sources: app/providers/gemini.c app/providers/gemini_util.c app/providers/gemini_resp.c app/providers/gemini_client.c app/providers/gemini_cl_opts.c app/providers/gemini_cl_answer.c app/providers/openai.c app/tokens.c app/buf.c
 * fuzz-libs: -lcjson -lm
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "providers/gemini.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static int
is(const cJSON *o, const char *k, const char *v)
{
	const cJSON	*s = get(o, k);

	return cJSON_IsString(s) && strcmp(s->valuestring, v) == 0;
}

static const cJSON *
array(const cJSON *v)
{
	return cJSON_IsArray(v) ? v : NULL;
}

/* The printed tree, to prove a const converter left it alone. */
static char *
print(const cJSON *t)
{
	return t != NULL ? cJSON_PrintUnformatted(t) : NULL;
}

static void
unchanged(const cJSON *t, char *before)
{
	char	*after = print(t);

	check((before == NULL) == (after == NULL));
	check(before == NULL || strcmp(before, after) == 0);
	cJSON_free(before);
	cJSON_free(after);
}

/* Param and msg of a verdict: NUL-terminated within their size. */
static void
verdict(int r, const char *param, const char *msg, size_t psz, size_t msz)
{
	check(r == GM_OK || r == GM_INVALID || r == GM_NOMEM);
	check(memchr(param, '\0', psz) != NULL && memchr(msg, '\0', msz) !=
	    NULL);
	if (r == GM_INVALID)
		check(msg[0] != '\0');
}

static void
check_gemini_request(const cJSON *g)
{
	const cJSON	*cs = get(g, "contents"), *c, *p;

	check(cJSON_IsArray(cs) && cs->child != NULL);
	cJSON_ArrayForEach(c, cs) {
		check(is(c, "role", "user") || is(c, "role", "model"));
		p = get(c, "parts");
		check(cJSON_IsArray(p) && p->child != NULL);
	}
}

static void
check_chat_request(const cJSON *chat)
{
	static const char *const roles[] = { "system", "user", "assistant",
	    "tool" };
	const cJSON	*ms = get(chat, "messages"), *m;
	size_t		 i;

	check(is(chat, "model", "up"));
	check(cJSON_IsArray(ms));
	cJSON_ArrayForEach(m, ms) {
		for (i = 0; i < 4; i++)
			if (is(m, "role", roles[i]))
				break;
		check(i < 4);
		if (i == 3)
			check(cJSON_IsString(get(m, "tool_call_id")) &&
			    get(m, "tool_call_id")->valuestring[0] != '\0');
	}
}

static void
t_up_request(const cJSON *in)
{
	char	 param[48], msg[160], *before = print(in);
	cJSON	*out = (cJSON *)1, *back = (cJSON *)1;
	int	 r;

	r = gm_up_request(in, &out, param, sizeof(param), msg, sizeof(msg));
	unchanged(in, before);
	verdict(r, param, msg, sizeof(param), sizeof(msg));
	check((r == GM_OK) == (out != NULL));
	if (out == NULL)
		return;
	check_gemini_request(out);
	r = gm_cl_request(out, "up", 1, &back, param, sizeof(param), msg,
	    sizeof(msg));
	verdict(r, param, msg, sizeof(param), sizeof(msg));
	check((r == GM_OK) == (back != NULL));
	if (back != NULL)
		check_chat_request(back);
	(void)gm_request_input_tokens(out);
	cJSON_Delete(back);
	cJSON_Delete(out);
}

static void
t_cl_request(const cJSON *in, int stream)
{
	char	 param[48], msg[160], *before = print(in);
	cJSON	*out = (cJSON *)1, *back = (cJSON *)1;
	int	 r;

	r = gm_cl_request(in, "up", stream, &out, param, sizeof(param), msg,
	    sizeof(msg));
	unchanged(in, before);
	verdict(r, param, msg, sizeof(param), sizeof(msg));
	check((r == GM_OK) == (out != NULL));
	check(gm_request_input_tokens(in) >= 0);
	if (out == NULL)
		return;
	check_chat_request(out);
	check(cJSON_IsArray(get(out, "messages")) &&
	    get(out, "messages")->child != NULL);
	r = gm_up_request(out, &back, param, sizeof(param), msg, sizeof(msg));
	verdict(r, param, msg, sizeof(param), sizeof(msg));
	check((r == GM_OK) == (back != NULL));
	if (back != NULL)
		check_gemini_request(back);
	cJSON_Delete(back);
	cJSON_Delete(out);
}

static int
nonneg(const cJSON *o, const char *k)
{
	const cJSON	*v = get(o, k);

	return v == NULL || (cJSON_IsNumber(v) && v->valuedouble >= 0);
}

static void
check_chat_answer(const cJSON *chat)
{
	const cJSON	*ch, *u = get(chat, "usage");

	check(cJSON_IsString(get(chat, "id")) &&
	    strncmp(get(chat, "id")->valuestring, "chatcmpl-", 9) == 0);
	check(cJSON_IsArray(get(chat, "choices")) &&
	    get(chat, "choices")->child != NULL);
	cJSON_ArrayForEach(ch, get(chat, "choices")) {
		check(is(get(ch, "message"), "role", "assistant"));
		check(is(ch, "finish_reason", "stop") ||
		    is(ch, "finish_reason", "length") ||
		    is(ch, "finish_reason", "tool_calls") ||
		    is(ch, "finish_reason", "content_filter"));
	}
	check(nonneg(u, "prompt_tokens") && nonneg(u, "completion_tokens") &&
	    nonneg(u, "total_tokens"));
}

static void
check_gemini_answer(const cJSON *g)
{
	const cJSON	*c, *p;

	check(cJSON_IsArray(get(g, "candidates")) &&
	    get(g, "candidates")->child != NULL);
	cJSON_ArrayForEach(c, get(g, "candidates")) {
		p = get(get(c, "content"), "parts");
		check(cJSON_IsArray(p) && p->child != NULL);
	}
}

static void
t_up_response(const cJSON *in)
{
	char	*before = print(in);
	cJSON	*chat, *g, *again;

	chat = gm_up_response(in, "cm", "base", 1);
	unchanged(in, before);
	check(gm_response_output_tokens(in) >= 0);
	if (chat == NULL)
		return;
	check_chat_answer(chat);
	g = gm_cl_response(chat, "gm", "rid");
	check(g != NULL);
	check_gemini_answer(g);
	again = gm_up_response(g, "cm", "base", 1);
	check(again != NULL);
	check_chat_answer(again);
	cJSON_Delete(again);
	cJSON_Delete(g);
	cJSON_Delete(chat);
}

static void
t_cl_response(const cJSON *in)
{
	char	*before = print(in);
	cJSON	*g, *chat;

	g = gm_cl_response(in, "gm", "rid");
	unchanged(in, before);
	if (g == NULL)
		return;
	check_gemini_answer(g);
	chat = gm_up_response(g, "cm", "b", 1);
	check(chat != NULL);
	check_chat_answer(chat);
	cJSON_Delete(chat);
	cJSON_Delete(g);
}

static void
t_up_error(const char *p, size_t n)
{
	cJSON	*e = gm_up_error(p, n), *o;

	if (e == NULL)
		return;
	o = (cJSON *)get(e, "error");
	check(cJSON_IsString(get(o, "message")) &&
	    cJSON_IsString(get(o, "type")));
	cJSON_Delete(e);
}

/* ---- streams ---- */

struct ust {
	int		 n, stop_at;
	int		 finishes, errors, usage_seen;
	struct gm_cl_stream cl;
};

static int
cl_sink(void *arg, const cJSON *resp)
{
	check_gemini_answer(resp);
	(void)arg;
	return 0;
}

static int
up_emit(void *arg, const cJSON *c)
{
	struct ust	*u = arg;
	const cJSON	*ch;

	u->n++;
	check(u->errors == 0 && u->usage_seen == 0);
	if (get(c, "error") != NULL) {
		check(cJSON_IsString(get(get(c, "error"), "message")));
		u->errors++;
		return u->n == u->stop_at ? 7 : 0;
	}
	check(is(c, "object", "chat.completion.chunk"));
	ch = cJSON_GetArrayItem(get(c, "choices"), 0);
	if (u->n == 1)
		check(is(get(ch, "delta"), "role", "assistant"));
	if (ch == NULL)
		u->usage_seen = 1;
	else if (cJSON_IsString(get(ch, "finish_reason")))
		check(++u->finishes == 1);
	check(gm_cl_stream_chunk(&u->cl, c, cl_sink, NULL) == 0);
	return u->n == u->stop_at ? 7 : 0;
}

static void
t_up_stream(const char *p, size_t n, int stop_at)
{
	struct gm_up_stream	 s;
	struct ust		 u;
	const char		*nl;
	size_t			 k;
	int			 rc;

	memset(&u, 0, sizeof(u));
	u.stop_at = stop_at;
	gm_cl_stream_init(&u.cl, "rid", "gm");
	gm_up_stream_init(&s, "cm", "id", 1);
	while (n > 0) {
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) : n;
		rc = gm_up_stream_data(&s, p, k, up_emit, &u);
		check(rc == 0 || rc == -1 || rc == 7);
		if (rc == 7)
			break;
		p += k + (nl != NULL);
		n -= k + (nl != NULL);
	}
	rc = gm_up_stream_end(&s, up_emit, &u);
	check(rc == 0 || rc == 1 || rc == 7);
	check(rc != 1 || (!s.finished && !s.done));
	check(gm_cl_stream_done(&u.cl, cl_sink, NULL) == 0);
	gm_cl_stream_free(&u.cl);
}

/* Chunks of the upstream stream fed with the client stream's output. */
static int
up_sink(void *arg, const cJSON *c)
{
	(void)arg;
	check(get(c, "error") == NULL);
	check(is(c, "object", "chat.completion.chunk"));
	return 0;
}

struct cst {
	struct gm_up_stream	 up;
	int			 n, stop_at;
};

static int
cl_emit(void *arg, const cJSON *resp)
{
	struct cst	*c = arg;
	char		*s;
	int		 rc;

	check_gemini_answer(resp);
	if ((s = cJSON_PrintUnformatted(resp)) != NULL) {
		rc = gm_up_stream_data(&c->up, s, strlen(s), up_sink, NULL);
		check(rc == 0);
		cJSON_free(s);
	}
	return ++c->n == c->stop_at ? 7 : 0;
}

static void
t_cl_stream(const cJSON *in, int stop_at)
{
	struct gm_cl_stream	 s;
	struct cst		 c;
	const cJSON		*ch;
	char			*before = print(in);
	int			 rc = 0;

	memset(&c, 0, sizeof(c));
	c.stop_at = stop_at;
	gm_up_stream_init(&c.up, "cm", "id", 1);
	gm_cl_stream_init(&s, "rid", "gm");
	cJSON_ArrayForEach(ch, array(in)) {
		rc = gm_cl_stream_chunk(&s, ch, cl_emit, &c);
		check(rc == 0 || rc == -1 || rc == 7);
		if (rc == 7)
			break;
	}
	if (rc != 7) {
		rc = gm_cl_stream_done(&s, cl_emit, &c);
		check(rc == 0 || rc == -1 || rc == 7);
	}
	unchanged(in, before);
	gm_cl_stream_free(&s);
}

/* ---- embeddings, usage, path ---- */

static void
t_embed(const cJSON *in, int b64)
{
	char	 param[48], msg[160], *before = print(in);
	cJSON	*out = (cJSON *)1, *resp;
	const cJSON *inp = get(in, "input");
	int	 r;

	r = gm_up_embed_request(in, "emb", &out, param, sizeof(param), msg,
	    sizeof(msg));
	verdict(r, param, msg, sizeof(param), sizeof(msg));
	check((r == GM_OK) == (out != NULL));
	if (out != NULL)
		check(cJSON_GetArraySize(get(out, "requests")) ==
		    (cJSON_IsString(inp) ? 1 : cJSON_GetArraySize(inp)));
	cJSON_Delete(out);
	resp = gm_up_embed_response(in, "emb", 3, b64);
	unchanged(in, before);
	if (resp != NULL)
		check(cJSON_GetArraySize(get(resp, "data")) ==
		    cJSON_GetArraySize(get(in, "embeddings")));
	cJSON_Delete(resp);
}

static void
t_misc(const cJSON *in, const char *p, size_t n)
{
	struct usage	 u;
	char		 model[256], path[96];
	size_t		 k, i;

	memset(&u, 0, sizeof(u));
	if (gm_usage_read(in, &u))
		check(u.prompt >= 0 && u.cached >= 0 && u.cached <= u.prompt &&
		    u.completion >= u.reasoning && u.reasoning >= 0);
	k = n < sizeof(model) - 1 ? n : sizeof(model) - 1;
	memcpy(model, p, k);
	model[k] = '\0';
	if (gm_up_path(path, sizeof(path), model, k & 1, k & 2) == 0) {
		check(memchr(path, '\0', sizeof(path)) != NULL);
		for (i = 0; path[i] != '\0'; i++)
			check(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
			    "klmnopqrstuvwxyz0123456789._%/:?=-", path[i]) !=
			    NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p;
	size_t		 n;
	cJSON		*in;
	int		 flags;

	if (size < 2)
		return 0;
	flags = data[1];
	p = (const char *)data + 2;
	n = size - 2;
	in = cJSON_ParseWithLength(p, n);
	switch (data[0] % 9) {
	case 0:
		t_up_request(in);
		break;
	case 1:
		t_up_response(in);
		break;
	case 2:
		t_up_error(p, n);
		break;
	case 3:
		t_up_stream(p, n, flags >> 4);
		break;
	case 4:
		t_embed(in, flags & 1);
		break;
	case 5:
		t_cl_request(in, flags & 1);
		break;
	case 6:
		t_cl_response(in);
		break;
	case 7:
		t_cl_stream(in, flags >> 4);
		break;
	default:
		t_misc(in, p, n);
		break;
	}
	cJSON_Delete(in);
	return 0;
}
