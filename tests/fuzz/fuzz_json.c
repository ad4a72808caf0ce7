/*
 * fuzz_json.c: libFuzzer harness for the JSON request validators and the
 * provider converters that read client or upstream JSON.
 *
 * Input: byte 0 picks the target (and a flag bit), the rest is JSON
 * text parsed with cJSON (inputs cJSON refuses still reach the targets
 * that take raw bytes).  Checked, besides the sanitizers:
 *  - h_emb_validate, h_mod_validate, h_rerank_validate (handlers/
 *    embeddings.h), h_responses_check (handlers/responses.h) and
 *    h_completions_check (handlers/completions.h): a refusal has a
 *    message and names a param (non-empty unless the body is not an
 *    object at all), both NUL-terminated; an acceptance
 *    fills the struct within the documented bounds (model set, counts
 *    in range, token estimates not negative).  Validators take a const
 *    tree: it must print the same before and after.
 *  - h_responses_check's "convertible" verdict agrees with
 *    rc_convertible, and a convertible request converts with
 *    rc_request_to_chat into an object with model and messages.
 *  - oa_chat_chunk with and without client usage and model mapping:
 *    the usage-only chunk is dropped only when the client did not ask
 *    for usage; a forwarded chunk carries the client's model; usage read
 *    by oa_usage_read / rc_usage_read is never negative.
 *  - oa_error_masked on raw bytes: the answer is an {"error":{...}}
 *    object whose message, like any text through oa_mask, holds no
 *    "sk-" key and no URL.
 *  - rc_stream_*: an array of chat chunks converted to Responses events:
 *    sequence_number strictly increasing, each event's type equal to
 *    its name, response.created first, one terminal event at most.
 *  - rc_chat_to_response on arbitrary JSON as a chat.completion.
 * Chat's validate() is static and answers through struct req, so it is
 * not reached here (its building blocks oa_* and tok_* are).
 *
 * The handler files also hold the FastCGI endpoints; their relay and
 * request calls are stubbed below with abort(), which proves that no
 * validator touches them.
 *
 * fuzz-sources: handlers/embeddings.c handlers/moderations.c handlers/rerank.c handlers/responses_check.c handlers/completions.c handlers/oa_relay.c handlers/common.c app/tokens.c app/arena.c app/buf.c app/err.c app/log.c app/sse.c app/providers/openai.c app/providers/cohere.c app/providers/responses_chat.c app/providers/responses_stream.c
 * fuzz-libs: -lcjson -lb64 -lm
 */
#define _GNU_SOURCE	/* memmem */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "buf.h"
#include "relay.h"
#include "request.h"
#include "router.h"
#include "handlers/completions.h"
#include "handlers/embeddings.h"
#include "handlers/responses.h"
#include "providers/openai.h"
#include "providers/responses_chat.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* ---- the endpoints' side, never reached from a validator ---- */

enum err
relay_prepare(struct relay *rl, struct req *r, const char *model,
    int stream, int64_t est_prompt, int64_t est_completion)
{
	abort();
}

enum err
relay_call(struct relay *rl, struct relay_call *c, struct buf *resp,
    int *status)
{
	abort();
}

void
relay_settle(struct relay *rl, int status, const char *error_code)
{
	abort();
}

int
req_start(struct req *r, int status, const char *ctype)
{
	abort();
}

int
req_write(struct req *r, const void *p, size_t n)
{
	abort();
}

int
req_flush(struct req *r)
{
	abort();
}

int
req_send_json(struct req *r, int status, const char *json, size_t n)
{
	abort();
}

void
req_send_error(struct req *r, enum err e, const char *message,
    const char *param)
{
	abort();
}

void
req_send_error_body(struct req *r, int status, const char *json, size_t n)
{
	abort();
}

void
req_send_error_status(struct req *r, int status, const char *message)
{
	abort();
}

enum route_dialect
router_dialect(const struct route *rt)
{
	abort();
}

int
req_peer_closed(struct req *r)
{
	abort();
}

int64_t
req_elapsed_ms(const struct req *r)
{
	abort();
}

/* ---- checks ---- */

static void
check_text(const char *s, size_t sz, int nonempty)
{
	size_t	 n = strnlen(s, sz);

	if (n >= sz || (nonempty && n == 0))
		abort();
}

static void
check_usage(const struct usage *u)
{
	if (u->prompt < 0 || u->cached < 0 || u->completion < 0 ||
	    u->reasoning < 0)
		abort();
}

/* No "sk-" key (more than 3 key characters) and no long URL is left. */
static int
keychar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*';
}

static void
check_masked(const char *s)
{
	const char	*p, *e;

	for (p = s; *p != '\0'; p++) {
		if (strncmp(p, "sk-", 3) == 0 && (p == s || !keychar(p[-1]))) {
			for (e = p + 3; keychar(*e); e++)
				continue;
			if (e - p > 6)
				abort();
		}
		if (strncmp(p, "http://", 7) == 0 ||
		    strncmp(p, "https://", 8) == 0) {
			for (e = p; *e != '\0' && *e != ' ' && *e != '"' &&
			    *e != '\'' && *e != ')'; e++)
				continue;
			if (e - p >= 10)
				abort();
		}
	}
}

static void
validators(const cJSON *o, int which)
{
	struct emb_req		 er;
	struct mod_req		 mr;
	struct rerank_req	 rr;
	struct rs_req		 rq;
	struct cmp_req		 cq;
	struct h_verr		 ve;
	char			 param[64], msg[320], p2[64], m2[320];
	cJSON			*chat;
	int			 obj = cJSON_IsObject(o);

	memset(&ve, 0, sizeof(ve));
	switch (which) {
	case 0:
		if (h_emb_validate(o, &er, &ve) == -1) {
			check_text(ve.param, sizeof(ve.param), obj);
			check_text(ve.msg, sizeof(ve.msg), 1);
		} else if (er.model == NULL || er.ninputs < 1 ||
		    er.ninputs > EMB_MAX_INPUTS || er.est_tokens < 0 ||
		    er.dimensions < 0 || er.dimensions > EMB_MAX_DIMENSIONS)
			abort();
		break;
	case 1:
		if (h_mod_validate(o, &mr, &ve) == -1) {
			check_text(ve.param, sizeof(ve.param), obj);
			check_text(ve.msg, sizeof(ve.msg), 1);
		} else if (mr.model == NULL || mr.nresults > MOD_MAX_INPUTS ||
		    mr.est_tokens < 0)
			abort();
		break;
	case 2:
		if (h_rerank_validate(o, &rr, &ve) == -1) {
			check_text(ve.param, sizeof(ve.param), obj);
			check_text(ve.msg, sizeof(ve.msg), 1);
		} else if (rr.model == NULL || rr.query == NULL ||
		    strlen(rr.query) > RERANK_MAX_QUERY || rr.ndocs < 1 ||
		    rr.ndocs > 1000 || rr.top_n < 0 || rr.top_n > 1000 ||
		    rr.est_tokens < 0)
			abort();
		break;
	case 3:
		if (h_responses_check(o, &rq, param, sizeof(param), msg,
		    sizeof(msg)) == -1) {
			check_text(param, sizeof(param), obj);
			check_text(msg, sizeof(msg), 1);
			break;
		}
		if (rq.model == NULL || rq.est_prompt < 0 ||
		    (rq.max_output != 0 && (rq.max_output < 16 ||
		    rq.max_output > 10000000)))
			abort();
		if (rc_convertible(o, p2, sizeof(p2), m2, sizeof(m2)) !=
		    !rq.native_only)
			abort();
		if (rq.native_only) {
			check_text(rq.why_param, sizeof(rq.why_param), 1);
			break;
		}
		if ((chat = rc_request_to_chat(o, rq.stream)) == NULL)
			abort();
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(chat,
		    "model")) || !cJSON_IsArray(
		    cJSON_GetObjectItemCaseSensitive(chat, "messages")))
			abort();
		cJSON_Delete(chat);
		break;
	default:
		if (h_completions_check(o, &cq, param, sizeof(param), msg,
		    sizeof(msg)) == -1) {
			check_text(param, sizeof(param), obj);
			check_text(msg, sizeof(msg), 1);
		} else if (cq.model == NULL || cq.n < 1 || cq.n > 128 ||
		    cq.best_of < 0 || cq.best_of > 20 ||
		    (cq.best_of > 0 && cq.best_of < cq.n) ||
		    cq.max_tokens < 0 || cq.nprompts < 1 ||
		    cq.est_prompt < 0)
			abort();
		break;
	}
}

static void
chunk(cJSON *o, int client_usage, const char *client_model)
{
	struct usage		 u;
	enum oa_chunk_verdict	 v;
	cJSON			*usage, *choices, *m;
	int			 have = 0, was_usage_only;

	memset(&u, 0, sizeof(u));
	usage = cJSON_GetObjectItemCaseSensitive(o, "usage");
	choices = cJSON_GetObjectItemCaseSensitive(o, "choices");
	was_usage_only = cJSON_IsObject(usage) && cJSON_IsArray(choices) &&
	    cJSON_GetArraySize(choices) == 0;
	v = oa_chat_chunk(o, client_model, client_usage, &u, &have);
	check_usage(&u);
	if (v == OA_DROP && (client_usage || !was_usage_only))
		abort();
	if (v == OA_FORWARD && !client_usage && was_usage_only)
		abort();
	if (v == OA_FORWARD && client_model != NULL &&
	    (m = cJSON_GetObjectItemCaseSensitive(o, "model")) != NULL &&
	    (!cJSON_IsString(m) || strcmp(m->valuestring, client_model) != 0))
		abort();
	if (oa_chunk_output_tokens(o) < 0 || oa_response_output_tokens(o) < 0)
		abort();
}

struct evs {
	int64_t	 last_seq;
	int	 n, terminal;
};

static int
on_event(void *arg, const char *event, const cJSON *data)
{
	struct evs	*s = arg;
	cJSON		*t, *q;

	t = cJSON_GetObjectItemCaseSensitive(data, "type");
	q = cJSON_GetObjectItemCaseSensitive(data, "sequence_number");
	if (!cJSON_IsString(t) || strcmp(t->valuestring, event) != 0 ||
	    !cJSON_IsNumber(q) || (int64_t)q->valuedouble <= s->last_seq)
		abort();
	if (s->n == 0 && strcmp(event, "response.created") != 0)
		abort();
	if (strcmp(event, "response.completed") == 0 ||
	    strcmp(event, "response.incomplete") == 0 ||
	    strcmp(event, "response.failed") == 0) {
		if (s->terminal)
			abort();
		s->terminal = 1;
	}
	s->last_seq = (int64_t)q->valuedouble;
	s->n++;
	if (rc_event_output_tokens(data) < 0)
		abort();
	return 0;
}

static void
stream(const cJSON *o, int fail)
{
	static const char	 req[] = "{\"model\":\"m\",\"input\":\"hi\","
	    "\"stream\":true}";
	struct rc_stream	 s;
	struct evs		 ev = { -1, 0, 0 };
	const cJSON		*c;
	cJSON			*rq;
	int			 rc = 0;

	if ((rq = cJSON_Parse(req)) == NULL)
		abort();
	if (rc_stream_init(&s, rq, "fz", "m", 1700000000, 4096) != 0)
		abort();
	if (rc_stream_begin(&s, on_event, &ev) != 0)
		abort();
	if (cJSON_IsArray(o)) {
		cJSON_ArrayForEach(c, o)
			if ((rc = rc_stream_chunk(&s, c, on_event, &ev)) != 0)
				break;
	} else
		rc = rc_stream_chunk(&s, o, on_event, &ev);
	if (rc == 0 || rc == -1) {
		if (fail)
			rc = rc_stream_failed(&s, "server_error", "boom",
			    on_event, &ev);
		else
			rc = rc_stream_done(&s, on_event, &ev);
		if (rc != 0 && rc != -1)
			abort();
	}
	rc_stream_free(&s);
	cJSON_Delete(rq);
}

static void
misc(const cJSON *o)
{
	struct usage	 u;
	cJSON		*r, *cu;
	static const char req[] = "{\"model\":\"m\",\"input\":\"hi\"}";
	cJSON		*rq;

	memset(&u, 0, sizeof(u));
	(void)oa_usage_read(o, &u);
	check_usage(&u);
	memset(&u, 0, sizeof(u));
	(void)rc_usage_read(o, &u);
	check_usage(&u);
	if ((cu = rc_usage_from_chat(o)) != NULL) {
		memset(&u, 0, sizeof(u));
		(void)rc_usage_read(cu, &u);
		check_usage(&u);
		cJSON_Delete(cu);
	}
	if ((rq = cJSON_Parse(req)) == NULL)
		abort();
	if ((r = rc_chat_to_response(o, rq, "fz", "m")) != NULL) {
		if (rc_response_output_tokens(r) < 0)
			abort();
		cJSON_Delete(r);
	}
	cJSON_Delete(rq);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in;
	char		*before, *after, *masked, *txt;
	cJSON		*o, *e, *err, *msgv;
	size_t		 n;
	int		 which, flag;

	if (size < 1)
		return 0;
	which = data[0] & 0x7f;
	flag = data[0] >> 7;
	in = (const char *)data + 1;
	n = size - 1;


	/* Raw bytes: the upstream's error body. */
	if ((masked = oa_error_masked(in, n)) != NULL) {
		if ((e = cJSON_Parse(masked)) == NULL ||
		    !cJSON_IsObject(err = cJSON_GetObjectItemCaseSensitive(e,
		    "error")))
			abort();
		msgv = cJSON_GetObjectItemCaseSensitive(err, "message");
		if (cJSON_IsString(msgv))
			check_masked(msgv->valuestring);
		cJSON_Delete(e);
		cJSON_free(masked);
	}
	if ((txt = malloc(n + 1)) == NULL)
		abort();
	memcpy(txt, in, n);
	txt[n] = '\0';
	oa_mask(txt);
	check_masked(txt);
	free(txt);

	if ((o = cJSON_ParseWithLength(in, n)) == NULL)
		return 0;
	switch (which % 9) {
	case 0: case 1: case 2: case 3: case 4:
		before = cJSON_PrintUnformatted(o);
		validators(o, which % 9);
		after = cJSON_PrintUnformatted(o);
		if (before != NULL && after != NULL &&
		    strcmp(before, after) != 0)
			abort();
		cJSON_free(before);
		cJSON_free(after);
		break;
	case 5:
		chunk(o, flag, NULL);
		break;
	case 6:
		chunk(o, flag, "client-model");
		break;
	case 7:
		stream(o, flag);
		break;
	default:
		misc(o);
		break;
	}
	cJSON_Delete(o);
	return 0;
}
