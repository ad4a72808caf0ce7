/*
 * fuzz_anthropic.c: libFuzzer harness for the Anthropic Messages <->
 * Chat Completions converters (app/providers/anthropic*.c).
 *
 * Input: byte 0 picks the entry point (low 3 bits) and a flag (bit 3:
 * stream for the request converters, no event names for the upstream
 * stream); byte 1, when not 0, is the emit call that returns non-zero
 * (the conversion must stop and hand that value back); the rest is the
 * payload: JSON where the entry point takes a tree, raw bytes for
 * an_up_error, and an SSE byte stream (split by app/sse.c) for the two
 * stream converters.  Checked, besides the sanitizers and leaks:
 *  - an_up_request / an_cl_request: AN_OK gives a tree of the promised
 *    shape (model = up_model, max tokens >= 1, non-empty messages with
 *    valid roles; Messages blocks with a type); AN_INVALID gives no tree
 *    and a NUL-terminated message (Anthropic style "<param>: ..." for
 *    the client direction); the input tree is left as it was.  What
 *    an_up_request builds is a Messages request, so an_cl_request must
 *    accept it.
 *  - an_up_response: NULL or a chat.completion (id "chatcmpl-...", one
 *    choice with an assistant message and a finish_reason), which
 *    an_cl_response must turn into a Message.
 *  - an_up_error: NULL or {"error":{message, type, code, param null}}.
 *  - an_up_stream_event: every chunk is a complete chat.completion.chunk
 *    (or an OpenAI error object); nothing after done or an error; one
 *    finish_reason and one usage chunk at most, the usage chunk last.
 *    The chunks are fed on into an_cl_stream_chunk, whose events are
 *    checked as below.
 *  - an_cl_stream_*: event name = data.type; message_start first and
 *    once; blocks start at the next index, one at a time, deltas and
 *    stops name the open block; message_delta with no block open, then
 *    message_stop, then nothing.
 *  - an_usage_read, an_event_output_tokens, an_request_input_tokens:
 *    never negative, cached <= prompt.
 * A violation aborts, which libFuzzer reports as a crash.
 *
 * fuzz-sources: app/providers/anthropic.c app/providers/anthropic_reply.c app/providers/anthropic_client.c app/providers/anthropic_client_reply.c app/providers/openai.c app/sse.c app/buf.c app/tokens.c
 * fuzz-libs: -lcjson -lm
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "buf.h"
#include "providers/anthropic.h"
#include "sse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define UP_MODEL	"up-model"
#define STOPVAL		5

static void
check(int cond)
{
	if (!cond)
		abort();
}

static const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) :
	    NULL;
}

static int
is(const cJSON *o, const char *k, const char *v)
{
	const cJSON	*s = get(o, k);

	return cJSON_IsString(s) && strcmp(s->valuestring, v) == 0;
}

/* The tree prints the same before and after (converters take const). */
static char *
snap(const cJSON *t)
{
	return t != NULL ? cJSON_PrintUnformatted(t) : NULL;
}

static void
same_snap(char *a, const cJSON *t)
{
	char	*b = snap(t);

	check((a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0));
	cJSON_free(a);
	cJSON_free(b);
}

/* ---- the Messages event checker (client stream) ---- */

struct evs {
	int	 n, stop_at;
	int	 started, open, next, delta_seen, stopped;
};

static int
ev_index(const cJSON *d)
{
	const cJSON	*i = get(d, "index");

	check(cJSON_IsNumber(i));
	return (int)i->valuedouble;
}

static int
on_event(void *arg, const char *event, const cJSON *data)
{
	struct evs	*e = arg;

	check(event != NULL && is(data, "type", event) && !e->stopped);
	if (strcmp(event, "message_start") == 0) {
		check(!e->started && cJSON_IsObject(get(data, "message")) &&
		    cJSON_IsString(get(get(data, "message"), "id")));
		e->started = 1;
	} else if (strcmp(event, "ping") == 0)
		check(e->started);
	else if (strcmp(event, "content_block_start") == 0) {
		check(e->started && e->open == -1 && !e->delta_seen &&
		    ev_index(data) == e->next &&
		    cJSON_IsObject(get(data, "content_block")));
		e->open = e->next;
	} else if (strcmp(event, "content_block_delta") == 0)
		check(e->open != -1 && ev_index(data) == e->open &&
		    cJSON_IsObject(get(data, "delta")));
	else if (strcmp(event, "content_block_stop") == 0) {
		check(e->open != -1 && ev_index(data) == e->open);
		e->open = -1;
		e->next++;
	} else if (strcmp(event, "message_delta") == 0) {
		check(e->started && e->open == -1 && !e->delta_seen &&
		    cJSON_IsString(get(get(data, "delta"), "stop_reason")) &&
		    cJSON_IsNumber(get(get(data, "usage"), "output_tokens")) &&
		    get(get(data, "usage"), "output_tokens")->valuedouble >= 0);
		e->delta_seen = 1;
	} else if (strcmp(event, "message_stop") == 0) {
		check(e->delta_seen);
		e->stopped = 1;
	} else
		abort();
	e->n++;
	return e->stop_at != 0 && e->n == e->stop_at ? STOPVAL : 0;
}

static void
evs_init(struct evs *e, int stop_at)
{
	memset(e, 0, sizeof(*e));
	e->open = -1;
	e->stop_at = stop_at;
}

/* ---- upstream stream: Messages events -> chunks (-> client events) ---- */

struct up {
	struct an_up_stream	 s;
	struct an_cl_stream	 cl;
	struct evs		 ev;
	int			 named;
	int			 n, stop_at;
	int			 finishes, usages, errors;
	int			 cl_rc;		/* the client side stopped */
};

static void
check_chunk(struct up *u, const cJSON *c)
{
	const cJSON	*ch, *e = get(c, "error"), *us;

	if (e != NULL) {
		check(cJSON_IsObject(e) && cJSON_IsString(get(e, "message")) &&
		    cJSON_IsString(get(e, "type")) &&
		    cJSON_IsString(get(e, "code")) &&
		    cJSON_IsNull(get(e, "param")) && u->errors++ == 0);
		return;
	}
	check(cJSON_IsString(get(c, "id")) &&
	    strncmp(get(c, "id")->valuestring, "chatcmpl-", 9) == 0 &&
	    is(c, "object", "chat.completion.chunk") &&
	    cJSON_IsNumber(get(c, "created")) && is(c, "model", "cm") &&
	    cJSON_IsArray(get(c, "choices")) && u->usages == 0 &&
	    u->errors == 0);
	us = get(c, "usage");
	check(us != NULL);
	if (!cJSON_IsNull(us)) {
		check(cJSON_GetArraySize(get(c, "choices")) == 0 &&
		    get(us, "prompt_tokens")->valuedouble >= 0 &&
		    get(us, "completion_tokens")->valuedouble >= 0 &&
		    get(get(us, "prompt_tokens_details"),
		    "cached_tokens")->valuedouble <=
		    get(us, "prompt_tokens")->valuedouble);
		u->usages++;
		return;
	}
	check(cJSON_GetArraySize(get(c, "choices")) == 1);
	ch = cJSON_GetArrayItem(get(c, "choices"), 0);
	check(cJSON_IsNumber(get(ch, "index")) &&
	    cJSON_IsObject(get(ch, "delta")) &&
	    get(ch, "finish_reason") != NULL);
	if (!cJSON_IsNull(get(ch, "finish_reason")))
		check(cJSON_IsString(get(ch, "finish_reason")) &&
		    u->finishes++ == 0);
}

static int
on_chunk(void *arg, const cJSON *c)
{
	struct up	*u = arg;

	check(!u->s.done || u->usages == 0);
	check_chunk(u, c);
	if (get(c, "error") == NULL && u->cl_rc == 0)
		u->cl_rc = an_cl_stream_chunk(&u->cl, c, on_event, &u->ev);
	check(u->cl_rc == 0 || u->cl_rc == -1 || u->cl_rc == STOPVAL);
	u->n++;
	return u->stop_at != 0 && u->n == u->stop_at ? STOPVAL : 0;
}

static int
on_up_sse(void *arg, const char *event, const char *data, size_t n)
{
	struct up	*u = arg;
	int		 done = u->s.done || u->s.failed, before = u->n, rc;

	rc = an_up_stream_event(&u->s, u->named ? event : NULL, data, n,
	    on_chunk, u);
	check(rc == 0 || rc == -1 || rc == STOPVAL);
	check(!done || u->n == before);
	return rc;
}

static void
fuzz_up_stream(const char *in, size_t n, int named, int stop_at)
{
	struct sse_parser	 p;
	struct up		 u;
	int			 rc;

	memset(&u, 0, sizeof(u));
	an_up_stream_init(&u.s, "cm", 1700000000);
	an_cl_stream_init(&u.cl, "base", "claude", 10);
	evs_init(&u.ev, 0);
	u.named = named;
	u.stop_at = stop_at;
	sse_init(&p, 1 << 20);
	rc = sse_feed(&p, in, n, on_up_sse, &u);
	sse_free(&p);
	if (rc == 0 && u.s.done)
		check(u.usages == 1 && u.finishes == 1);
	if (u.cl_rc == 0) {
		check(an_cl_stream_done(&u.cl, on_event, &u.ev) == 0 &&
		    u.ev.stopped);
		check(an_cl_stream_done(&u.cl, on_event, &u.ev) == 0);
	}
}

/* ---- client stream: chat chunks (SSE data) -> Messages events ---- */

struct cl {
	struct an_cl_stream	 s;
	struct evs		 ev;
	int			 rc;
};

static int
on_cl_sse(void *arg, const char *event, const char *data, size_t n)
{
	struct cl	*c = arg;
	cJSON		*chunk;

	if (n == 6 && memcmp(data, "[DONE]", 6) == 0)
		c->rc = an_cl_stream_done(&c->s, on_event, &c->ev);
	else if (strcmp(event, "ping") == 0)
		c->rc = an_cl_stream_ping(&c->s, on_event, &c->ev);
	else {
		chunk = cJSON_ParseWithLength(data, n);
		c->rc = an_cl_stream_chunk(&c->s, chunk, on_event, &c->ev);
		cJSON_Delete(chunk);
	}
	check(c->rc == 0 || c->rc == -1 || c->rc == STOPVAL);
	return c->rc;
}

static void
fuzz_cl_stream(const char *in, size_t n, int stop_at)
{
	struct sse_parser	 p;
	struct cl		 c;
	int			 rc;

	memset(&c, 0, sizeof(c));
	an_cl_stream_init(&c.s, "base", "claude", 10);
	evs_init(&c.ev, stop_at);
	sse_init(&p, 1 << 20);
	rc = sse_feed(&p, in, n, on_cl_sse, &c);
	sse_free(&p);
	if (rc == 0) {
		rc = an_cl_stream_done(&c.s, on_event, &c.ev);
		check(rc == 0 || rc == STOPVAL);
		check(rc != 0 || c.ev.stopped);
	}
}

/* ---- requests ---- */

static void
check_messages_request(const cJSON *o)
{
	const cJSON	*m, *b, *mt = get(o, "max_tokens");

	check(cJSON_IsObject(o) && is(o, "model", UP_MODEL) &&
	    cJSON_IsNumber(mt) && mt->valuedouble >= 1 &&
	    cJSON_IsArray(get(o, "messages")) &&
	    cJSON_GetArraySize(get(o, "messages")) > 0);
	cJSON_ArrayForEach(m, get(o, "messages")) {
		check((is(m, "role", "user") || is(m, "role", "assistant")) &&
		    cJSON_IsArray(get(m, "content")) &&
		    cJSON_GetArraySize(get(m, "content")) > 0);
		cJSON_ArrayForEach(b, get(m, "content"))
			check(cJSON_IsString(get(b, "type")));
	}
}

static void
check_chat_request(const cJSON *o)
{
	const cJSON	*m, *mt = get(o, "max_completion_tokens");

	check(cJSON_IsObject(o) && is(o, "model", UP_MODEL) &&
	    cJSON_IsNumber(mt) && mt->valuedouble >= 1 &&
	    cJSON_IsArray(get(o, "messages")));
	cJSON_ArrayForEach(m, get(o, "messages"))
		check(is(m, "role", "system") || is(m, "role", "user") ||
		    is(m, "role", "assistant") || is(m, "role", "tool"));
}

static void
fuzz_up_request(const cJSON *in, int stream)
{
	char		 param[48], msg[160], *before = snap(in);
	cJSON		*out = (cJSON *)1, *back;
	enum an_conv	 rc;

	rc = an_up_request(in, UP_MODEL, stream, &out, param, sizeof(param),
	    msg, sizeof(msg));
	same_snap(before, in);
	check(rc == AN_OK || rc == AN_INVALID);
	if (rc == AN_INVALID) {
		check(out == NULL && memchr(param, '\0', sizeof(param)) !=
		    NULL && msg[0] != '\0' && memchr(msg, '\0',
		    sizeof(msg)) != NULL);
		return;
	}
	check_messages_request(out);
	/* What we send as a Messages request must pass our own check. */
	back = (cJSON *)1;
	rc = an_cl_request(out, UP_MODEL, stream, &back, param,
	    sizeof(param), msg, sizeof(msg));
	check(rc == AN_OK);
	check_chat_request(back);
	cJSON_Delete(back);
	cJSON_Delete(out);
}

static void
fuzz_cl_request(const cJSON *in, int stream)
{
	char		 param[48], msg[160], *before = snap(in);
	cJSON		*out = (cJSON *)1;
	enum an_conv	 rc;
	size_t		 pl;

	rc = an_cl_request(in, UP_MODEL, stream, &out, param, sizeof(param),
	    msg, sizeof(msg));
	same_snap(before, in);
	check(rc == AN_OK || rc == AN_INVALID);
	if (rc == AN_INVALID) {
		pl = strlen(param);
		check(out == NULL && pl < sizeof(param) && memchr(msg, '\0',
		    sizeof(msg)) != NULL && (pl + 2 >= sizeof(msg) ||
		    (strncmp(msg, param, pl) == 0 && msg[pl] == ':')));
		return;
	}
	check_chat_request(out);
	check(!stream || cJSON_IsTrue(get(get(out, "stream_options"),
	    "include_usage")));
	cJSON_Delete(out);
}

/* ---- answers ---- */

static void
check_message(const cJSON *m)
{
	const cJSON	*u = get(m, "usage");

	check(is(m, "type", "message") && is(m, "role", "assistant") &&
	    cJSON_IsArray(get(m, "content")) &&
	    cJSON_IsString(get(m, "stop_reason")) &&
	    get(u, "input_tokens")->valuedouble >= 0 &&
	    get(u, "output_tokens")->valuedouble >= 0 &&
	    get(u, "cache_read_input_tokens")->valuedouble >= 0);
}

static void
fuzz_up_response(const cJSON *in)
{
	char	*before = snap(in);
	cJSON	*out, *ch, *back;

	out = an_up_response(in, "cm", 1700000000);
	same_snap(before, in);
	if (out == NULL)
		return;
	ch = cJSON_GetArrayItem(get(out, "choices"), 0);
	check(cJSON_IsString(get(out, "id")) &&
	    strncmp(get(out, "id")->valuestring, "chatcmpl-", 9) == 0 &&
	    is(out, "object", "chat.completion") && is(out, "model", "cm") &&
	    cJSON_GetArraySize(get(out, "choices")) == 1 &&
	    is(get(ch, "message"), "role", "assistant") &&
	    cJSON_IsString(get(ch, "finish_reason")));
	back = an_cl_response(out, "claude", "base");
	check(back != NULL);
	check_message(back);
	cJSON_Delete(back);
	cJSON_Delete(out);
}

static void
fuzz_cl_response(const cJSON *in)
{
	char	*before = snap(in);
	cJSON	*out;

	out = an_cl_response(in, "claude", "base");
	same_snap(before, in);
	if (out != NULL)
		check_message(out);
	cJSON_Delete(out);
}

static void
fuzz_up_error(const char *in, size_t n)
{
	cJSON		*out = an_up_error(in, n);
	const cJSON	*e;

	if (out == NULL)
		return;
	e = get(out, "error");
	check(cJSON_IsString(get(e, "message")) &&
	    cJSON_IsString(get(e, "type")) && cJSON_IsString(get(e, "code")) &&
	    cJSON_IsNull(get(e, "param")));
	cJSON_Delete(out);
}

/* Usage reads and estimates, on the tree and on each member. */
static void
fuzz_usage(const cJSON *in)
{
	const cJSON	*m;
	struct usage	 u;

	memset(&u, 0, sizeof(u));
	an_usage_read(in, &u);
	cJSON_ArrayForEach(m, in)
		an_usage_read(m, &u);
	check(u.prompt >= 0 && u.cached >= 0 && u.completion >= 0 &&
	    u.cached <= u.prompt);
	check(an_event_output_tokens(in) >= 0 &&
	    an_request_input_tokens(in) >= 3);
	cJSON_ArrayForEach(m, in)
		check(an_event_output_tokens(m) >= 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in;
	size_t		 n;
	cJSON		*t;
	int		 target, flag, stop_at;

	if (size < 2)
		return 0;
	target = data[0] & 7;
	flag = (data[0] & 8) != 0;
	stop_at = data[1];
	in = (const char *)data + 2;
	n = size - 2;
	switch (target) {
	case 2:
		fuzz_up_error(in, n);
		return 0;
	case 3:
		fuzz_up_stream(in, n, !flag, stop_at);
		return 0;
	case 6:
		fuzz_cl_stream(in, n, stop_at);
		return 0;
	default:
		break;
	}
	t = cJSON_ParseWithLength(in, n);
	switch (target) {
	case 0:
		fuzz_up_request(t, flag);
		break;
	case 1:
		fuzz_up_response(t);
		break;
	case 4:
		fuzz_cl_request(t, flag);
		break;
	case 5:
		fuzz_cl_response(t);
		break;
	default:
		fuzz_usage(t);
		break;
	}
	cJSON_Delete(t);
	return 0;
}
