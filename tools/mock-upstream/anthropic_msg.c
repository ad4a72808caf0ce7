/*
 * anthropic_msg.c: renders a planned Anthropic answer (struct ant_msg,
 * genai.h) as the Messages API does: the Message object, or the named
 * server-sent event stream.
 *
 * Content blocks, in order: a thinking block ("t1 ... tT" and a
 * signature) when thinking was asked for, a text block when there is
 * text, then one tool_use block per call.  The stream is
 *   message_start (usage: input tokens, output_tokens 1)
 *   per block: content_block_start, [ping after the first one],
 *     deltas (thinking_delta per thinking word, then one
 *     signature_delta; text_delta per token; input_json_delta per
 *     argument piece), content_block_stop
 *   message_delta (stop_reason, stop_sequence; cumulative usage)
 *   message_stop
 * The deltas are the content events the *_after controls count;
 * error_after sends `event: error` with an overloaded_error, as the API
 * does when it fails mid-stream, and ends the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anthropic.h"

enum ant_phase {
	AP_START = 0,
	AP_BLOCK_START,
	AP_PING,
	AP_DELTA,
	AP_SIGNATURE,
	AP_BLOCK_STOP,
	AP_MSG_DELTA,
	AP_MSG_STOP,
	AP_END
};

enum ant_kind { AK_NONE = 0, AK_THINK, AK_TEXT, AK_TOOL };

void
ant_msg_free(struct ant_msg *m)
{
	if (m == NULL)
		return;
	gen_free(&m->g);
	cJSON_Delete(m->doc);
	free(m);
}

/* Kind of block b; *call is the call index of a tool_use block. */
static enum ant_kind
ant_kind(const struct ant_msg *m, long b, long *call)
{
	if (m->g.stop == GEN_REFUSAL)
		return AK_NONE;
	if (m->thinking && b-- == 0)
		return AK_THINK;
	if (m->g.ntext > 0 && b-- == 0)
		return AK_TEXT;
	if (b < m->g.ncalls) {
		*call = b;
		return AK_TOOL;
	}
	return AK_NONE;
}

static const char *
ant_stop_reason(const struct ant_msg *m)
{
	switch (m->g.stop) {
	case GEN_MAX_TOKENS:
		return "max_tokens";
	case GEN_STOP_SEQ:
		return "stop_sequence";
	case GEN_TOOL:
		return "tool_use";
	case GEN_REFUSAL:
		return "refusal";
	default:
		return "end_turn";
	}
}

/* Usage; output is the output token count to report. */
static cJSON *
ant_usage(const struct ant_msg *m, long output, int start)
{
	cJSON	*u, *cc;

	if ((u = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(u, "input_tokens", m->input_tokens);
	cJSON_AddNumberToObject(u, "cache_creation_input_tokens",
	    m->cache_write);
	cJSON_AddNumberToObject(u, "cache_read_input_tokens", m->cache_read);
	if (start) {
		cc = cJSON_AddObjectToObject(u, "cache_creation");
		cJSON_AddNumberToObject(cc, "ephemeral_5m_input_tokens",
		    m->cache_write);
		cJSON_AddNumberToObject(cc, "ephemeral_1h_input_tokens", 0);
	}
	cJSON_AddNumberToObject(u, "output_tokens", output);
	if (start)
		cJSON_AddStringToObject(u, "service_tier", "standard");
	return u;
}

static char *
ant_signature(const struct ant_msg *m)
{
	char	*s;
	size_t	 n = strlen(m->id) + 16;

	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "mocksig_%s", m->id);
	return s;
}

/* One whole block; NULL on allocation failure. */
static cJSON *
ant_block(const struct ant_msg *m, long b)
{
	struct mbuf	 t;
	cJSON		*o;
	char		 tok[32], *sig;
	long		 i, call = 0;
	enum ant_kind	 kind = ant_kind(m, b, &call);

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	switch (kind) {
	case AK_THINK:
		mbuf_init(&t, MOCK_EVENT_MAX);
		for (i = 0; i < m->g.nthink; i++) {
			gen_think_token(i, tok, sizeof(tok));
			mbuf_puts(&t, tok);
		}
		cJSON_AddStringToObject(o, "type", "thinking");
		cJSON_AddStringToObject(o, "thinking", t.p != NULL ? t.p : "");
		mbuf_free(&t);
		sig = ant_signature(m);
		cJSON_AddStringToObject(o, "signature", sig != NULL ? sig : "");
		free(sig);
		break;
	case AK_TEXT:
		cJSON_AddStringToObject(o, "type", "text");
		cJSON_AddStringToObject(o, "text", m->g.text.p);
		break;
	case AK_TOOL:
		cJSON_AddStringToObject(o, "type", "tool_use");
		cJSON_AddStringToObject(o, "id", m->g.calls[call].id);
		cJSON_AddStringToObject(o, "name", m->g.calls[call].name);
		cJSON_AddItemToObject(o, "input",
		    cJSON_Parse(m->g.calls[call].args));
		break;
	default:
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The Message skeleton; content filled when whole. */
static cJSON *
ant_message(const struct ant_msg *m, int whole)
{
	cJSON	*o, *content;
	long	 b;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", m->id);
	cJSON_AddStringToObject(o, "type", "message");
	cJSON_AddStringToObject(o, "role", "assistant");
	cJSON_AddStringToObject(o, "model", m->model);
	content = cJSON_AddArrayToObject(o, "content");
	for (b = 0; whole && content != NULL; b++) {
		long	 call;

		if (ant_kind(m, b, &call) == AK_NONE)
			break;
		cJSON_AddItemToArray(content, ant_block(m, b));
	}
	if (whole) {
		cJSON_AddStringToObject(o, "stop_reason", ant_stop_reason(m));
		if (m->g.stop == GEN_STOP_SEQ)
			cJSON_AddStringToObject(o, "stop_sequence",
			    m->g.stopseq);
		else
			cJSON_AddNullToObject(o, "stop_sequence");
	} else {
		cJSON_AddNullToObject(o, "stop_reason");
		cJSON_AddNullToObject(o, "stop_sequence");
	}
	if (m->usage)
		cJSON_AddItemToObject(o, "usage", ant_usage(m, whole ?
		    gen_output_tokens(&m->g) : 1, 1));
	return o;
}

cJSON *
ant_msg_body(struct ant_msg *m)
{
	return ant_message(m, 1);
}

/* Number of deltas of block b. */
static long
ant_ndeltas(const struct ant_msg *m, long b)
{
	long	 call = 0;

	switch (ant_kind(m, b, &call)) {
	case AK_THINK:
		return m->g.nthink;
	case AK_TEXT:
		return m->g.ntext;
	case AK_TOOL:
		return (long)m->g.calls[call].nfrag;
	default:
		return 0;
	}
}

/* content_block_start's block: empty text, input {}, ... */
static cJSON *
ant_start_block(const struct ant_msg *m, long b)
{
	cJSON		*o;
	long		 call = 0;
	enum ant_kind	 kind = ant_kind(m, b, &call);

	if (kind == AK_TOOL) {
		if ((o = cJSON_CreateObject()) == NULL)
			return NULL;
		cJSON_AddStringToObject(o, "type", "tool_use");
		cJSON_AddStringToObject(o, "id", m->g.calls[call].id);
		cJSON_AddStringToObject(o, "name", m->g.calls[call].name);
		cJSON_AddObjectToObject(o, "input");
		return o;
	}
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (kind == AK_THINK) {
		cJSON_AddStringToObject(o, "type", "thinking");
		cJSON_AddStringToObject(o, "thinking", "");
		cJSON_AddStringToObject(o, "signature", "");
	} else {
		cJSON_AddStringToObject(o, "type", "text");
		cJSON_AddStringToObject(o, "text", "");
	}
	return o;
}

/* The delta object of step s of block b. */
static cJSON *
ant_delta(const struct ant_msg *m, long b, long s)
{
	cJSON		*d;
	char		 tok[32], *frag;
	const char	*p;
	size_t		 len;
	long		 call = 0;
	enum ant_kind	 kind = ant_kind(m, b, &call);

	if ((d = cJSON_CreateObject()) == NULL)
		return NULL;
	if (kind == AK_THINK) {
		gen_think_token(s, tok, sizeof(tok));
		cJSON_AddStringToObject(d, "type", "thinking_delta");
		cJSON_AddStringToObject(d, "thinking", tok);
		return d;
	}
	if (kind == AK_TEXT)
		p = gen_token(&m->g, s, &len);
	else
		p = gen_piece(&m->g.calls[call], (size_t)s, &len);
	if ((frag = strndup(p, len)) == NULL) {
		cJSON_Delete(d);
		return NULL;
	}
	if (kind == AK_TEXT) {
		cJSON_AddStringToObject(d, "type", "text_delta");
		cJSON_AddStringToObject(d, "text", frag);
	} else {
		cJSON_AddStringToObject(d, "type", "input_json_delta");
		cJSON_AddStringToObject(d, "partial_json", frag);
	}
	free(frag);
	return d;
}

/* Builds the event of the current position and advances it. */
static enum sse_ev
ant_step(struct ant_msg *m, cJSON *o, const char **type)
{
	cJSON	*d;
	char	*sig;
	long	 call = 0;

	switch (m->phase) {
	case AP_START:
		*type = "message_start";
		cJSON_AddItemToObject(o, "message", ant_message(m, 0));
		m->phase = ant_kind(m, 0, &call) != AK_NONE ? AP_BLOCK_START :
		    AP_PING;
		return SSE_DATA;
	case AP_BLOCK_START:
		*type = "content_block_start";
		cJSON_AddNumberToObject(o, "index", m->block);
		cJSON_AddItemToObject(o, "content_block",
		    ant_start_block(m, m->block));
		m->step = 0;
		m->phase = !m->pinged ? AP_PING : AP_DELTA;
		return SSE_DATA;
	case AP_PING:
		*type = "ping";
		m->pinged = 1;
		m->phase = ant_kind(m, m->block, &call) != AK_NONE ? AP_DELTA :
		    AP_MSG_DELTA;
		return SSE_DATA;
	case AP_DELTA:
		*type = "content_block_delta";
		cJSON_AddNumberToObject(o, "index", m->block);
		cJSON_AddItemToObject(o, "delta", ant_delta(m, m->block,
		    m->step));
		m->step++;
		return SSE_CONTENT;
	case AP_SIGNATURE:
		*type = "content_block_delta";
		cJSON_AddNumberToObject(o, "index", m->block);
		d = cJSON_AddObjectToObject(o, "delta");
		cJSON_AddStringToObject(d, "type", "signature_delta");
		sig = ant_signature(m);
		cJSON_AddStringToObject(d, "signature", sig != NULL ? sig : "");
		free(sig);
		m->phase = AP_BLOCK_STOP;
		return SSE_DATA;
	case AP_BLOCK_STOP:
		*type = "content_block_stop";
		cJSON_AddNumberToObject(o, "index", m->block);
		m->block++;
		m->phase = ant_kind(m, m->block, &call) != AK_NONE ?
		    AP_BLOCK_START : AP_MSG_DELTA;
		return SSE_DATA;
	case AP_MSG_DELTA:
		*type = "message_delta";
		d = cJSON_AddObjectToObject(o, "delta");
		cJSON_AddStringToObject(d, "stop_reason", ant_stop_reason(m));
		if (m->g.stop == GEN_STOP_SEQ)
			cJSON_AddStringToObject(d, "stop_sequence",
			    m->g.stopseq);
		else
			cJSON_AddNullToObject(d, "stop_sequence");
		if (m->usage)
			cJSON_AddItemToObject(o, "usage", ant_usage(m,
			    gen_output_tokens(&m->g), 0));
		m->phase = AP_MSG_STOP;
		return SSE_DATA;
	default:	/* AP_MSG_STOP */
		*type = "message_stop";
		m->phase = AP_END;
		return SSE_TERM;
	}
}

static enum sse_ev
ant_sse_next(void *arg, struct mbuf *out)
{
	struct ant_msg	*m = arg;
	const char	*type = NULL;
	cJSON		*o;
	char		*s;
	long		 call = 0;
	enum sse_ev	 kind;
	int		 rc;

	if (m->phase == AP_END)
		return SSE_END;
	/* A block's deltas are done: its signature, or its stop. */
	if (m->phase == AP_DELTA && m->step >= ant_ndeltas(m, m->block))
		m->phase = ant_kind(m, m->block, &call) == AK_THINK ?
		    AP_SIGNATURE : AP_BLOCK_STOP;
	if ((o = cJSON_CreateObject()) == NULL)
		return SSE_FAIL;
	cJSON_AddStringToObject(o, "type", "");
	kind = ant_step(m, o, &type);
	cJSON_ReplaceItemInObjectCaseSensitive(o, "type",
	    cJSON_CreateString(type));
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return SSE_FAIL;
	rc = mbuf_printf(out, "event: %s\ndata: %s\n\n", type, s);
	free(s);
	return rc == -1 ? SSE_FAIL : kind;
}

static void
ant_sse_error(void *arg, struct mbuf *out)
{
	mbuf_puts(out, "event: error\ndata: {\"type\":\"error\",\"error\":"
	    "{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
}

static void
ant_sse_free(void *arg)
{
	ant_msg_free(arg);
}

const struct sse_ops ant_msg_sse = {
	ant_sse_next,
	ant_sse_error,
	ant_sse_free
};
