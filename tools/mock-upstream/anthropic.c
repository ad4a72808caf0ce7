/*
 * anthropic.c: the Anthropic provider of the mock upstream: the Messages
 * API routes, x-api-key authentication, Anthropic's error shape, the
 * controls and the plan of the answer.  Validating the request is
 * anthropic_check.c's job, rendering the Message (whole or as the named
 * event stream) anthropic_msg.c's.
 *
 * Routes: POST /v1/messages and POST /v1/messages/count_tokens; other
 * paths below /v1/messages belong here too (404 not_found_error).  Every
 * request needs `anthropic-version` (a date YYYY-MM-DD from 2023-01-01 on,
 * as the SDKs send newer ones), else 400.
 * Errors are {"type":"error","error":{"type","message"},"request_id"}
 * with a `request-id` header.  Consecutive messages of one role are one
 * turn, as the API merges them.
 *
 * Controls: X-Mock-* headers; metadata.mock_<name> strings (a member
 * the real API would refuse; the mock takes it as a control);
 * metadata.user_id "mock:name=value,..."; and a "[mock name=value ...]"
 * prefix at the start of the system prompt or of a message's text (the
 * last such text wins).  The answer's rules are in README.md.
 */
#include <unistd.h>

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "anthropic.h"

static atomic_ullong	 ant_seq;

/* Injected statuses: error type and message, as the API sends them. */
static const struct ant_inject {
	unsigned int	 status;
	const char	*type;
	const char	*msg;
} ant_injects[] = {
	{ 400, "invalid_request_error", "mock injected error: bad request" },
	{ 401, "authentication_error", "invalid x-api-key" },
	{ 402, "billing_error", "Your credit balance is too low to access "
	    "the Anthropic API." },
	{ 403, "permission_error", "Your API key does not have permission "
	    "to use the specified resource." },
	{ 404, "not_found_error", "The requested resource could not be "
	    "found." },
	{ 413, "request_too_large", "Request exceeds the maximum allowed "
	    "number of bytes." },
	{ 429, "rate_limit_error", "This request would exceed the rate limit "
	    "for your organization of 50 requests per minute." },
	{ 500, "api_error", "Internal server error" },
	{ 504, "timeout_error", "Request timed out" },
	{ 529, "overloaded_error", "Overloaded" },
	{ 0, NULL, NULL }
};

static const char *
ant_type(unsigned int status)
{
	const struct ant_inject	*in;

	for (in = ant_injects; in->status != 0; in++)
		if (in->status == status)
			return in->type;
	return status >= 500 ? "api_error" : "invalid_request_error";
}

/* Queues the error document; hdrs: up to two extra name, value pairs. */
static enum MHD_Result
ant_fail(struct mock_req *req, unsigned int status, const char *type,
    const char *msg, const char *const *hdrs)
{
	cJSON		*doc, *e;
	char		 rid[48];
	const char	*h[8] = { "request-id", rid, NULL };
	size_t		 i;

	snprintf(rid, sizeof(rid), "req_mock%010llu",
	    (unsigned long long)atomic_fetch_add(&ant_seq, 1));
	for (i = 0; hdrs != NULL && hdrs[i] != NULL && i < 4; i++)
		h[2 + i] = hdrs[i];
	if ((doc = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(doc, "type", "error");
		if ((e = cJSON_AddObjectToObject(doc, "error")) != NULL) {
			cJSON_AddStringToObject(e, "type", type != NULL ? type :
			    ant_type(status));
			cJSON_AddStringToObject(e, "message", msg);
		}
		cJSON_AddStringToObject(doc, "request_id", rid);
	}
	return mock_reply_json(req, status, doc, h);
}

static enum MHD_Result
ant_error(struct mock_req *req, unsigned int status, const char *msg)
{
	return ant_fail(req, status, NULL, msg, NULL);
}

static enum MHD_Result
ant_inject(struct mock_req *req)
{
	const struct ant_inject	*in;
	unsigned int		 st = (unsigned int)req->ctl.v[CTL_STATUS];
	char			 msg[96], ra[24];
	const char		*hdrs[3] = { NULL };

	for (in = ant_injects; in->status != 0; in++)
		if (in->status == st)
			break;
	if (in->status == 0)
		snprintf(msg, sizeof(msg), "mock injected HTTP status %u", st);
	if (ctl_isset(&req->ctl, CTL_RETRY_AFTER)) {
		snprintf(ra, sizeof(ra), "%ld", req->ctl.v[CTL_RETRY_AFTER]);
		hdrs[0] = "retry-after";
		hdrs[1] = ra;
	}
	return ant_fail(req, st, NULL, in->status != 0 ? in->msg : msg, hdrs);
}

static const cJSON *
get(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* x-api-key, compared in time independent of the mismatch position. */
/* anthropic-version: a YYYY-MM-DD date from 2023-01-01 on. */
static int
version_ok(const char *v)
{
	int	 i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? v[i] != '-' : !isdigit((unsigned char)v[i]))
			return 0;
	return v[10] == '\0' && strncmp(v, "2023", 4) >= 0;
}

static int
ant_auth(struct mock_req *req, const char *key, char *msg, size_t msgsz)
{
	const char	*h = mock_header(req, "x-api-key");
	size_t		 la, lb, i;
	unsigned char	 d;

	if (h == NULL) {
		snprintf(msg, msgsz, "x-api-key header is required");
		return -1;
	}
	la = strlen(h);
	lb = strlen(key);
	d = la != lb;
	for (i = 0; i < la || i < lb; i++)
		d |= (unsigned char)(i < la ? h[i] : 0) ^
		    (unsigned char)(i < lb ? key[i] : 0);
	if (d == 0)
		return 0;
	snprintf(msg, msgsz, "invalid x-api-key");
	return -1;
}


/*
 * Reads the controls carried by the body (metadata.mock_*, user_id,
 * prompt prefix) into req->ctl; keep[0..1] receive the buffers that
 * the body control may point into.
 */
static void
ant_body_ctl(struct mock_req *req, const cJSON *doc, char **keep)
{
	const cJSON	*md, *uid;

	if (!cJSON_IsObject(doc))
		return;
	md = get(doc, "metadata");
	ctl_meta(&req->ctl, md);
	uid = get(md, "user_id");
	if (cJSON_IsString(uid))
		gen_user_ctl(&req->ctl, uid->valuestring, &keep[0]);
	gen_prefix_ctl(&req->ctl, ant_prefix_text(doc), &keep[1]);
}

/* version header, controls; 1 with *ret when a reply was queued. */
static int
ant_begin(struct mock_req *req, cJSON *doc, char **keep, int stream,
    const char *const *hdrs, enum MHD_Result *ret)
{
	const char	*v = mock_header(req, "anthropic-version");
	char		 msg[160];

	if (v == NULL) {
		*ret = ant_fail(req, 400, "invalid_request_error",
		    "anthropic-version: header is required", NULL);
		return 1;
	}
	if (!version_ok(v)) {
		snprintf(msg, sizeof(msg), "anthropic-version: \"%.40s\" is "
		    "not a valid version", v);
		*ret = ant_fail(req, 400, "invalid_request_error", msg, NULL);
		return 1;
	}
	ant_body_ctl(req, doc, keep);
	if (req->ctl.bad[0] != '\0')
		*ret = ant_fail(req, 400, "invalid_request_error",
		    req->ctl.bad, NULL);
	else if (ctl_isset(&req->ctl, CTL_STATUS))
		*ret = ant_inject(req);
	else if (ctl_isset(&req->ctl, CTL_BODY))
		*ret = stream ? sse_raw(req, req->ctl.body, req->ctl.bodylen,
		    hdrs) : mock_reply(req, 200, "application/json",
		    req->ctl.body, req->ctl.bodylen, hdrs);
	else
		return 0;
	return 1;
}

/* Fills the answer of m from the validated request k and the controls. */
static int
ant_plan(struct ant_msg *m, struct ant_chk *k, const struct mock_ctl *ctl,
    unsigned long long seq)
{
	const cJSON	*t, *name;
	long		 kk = ctl->v[CTL_CHUNKS], budget = k->max_tokens;
	long		 n, i;
	int		 call;
	char		 id[48];

	m->input_tokens = k->input_tokens;
	m->cache_read = ctl->v[CTL_CACHE_READ];
	m->cache_write = ctl->v[CTL_CACHE_WRITE];
	m->usage = ctl->v[CTL_NO_USAGE] == 0;
	if (ctl->v[CTL_BLOCK] != 0) {
		m->g.stop = GEN_REFUSAL;
		return 0;
	}
	if (k->thinking) {
		m->thinking = 1;
		m->g.nthink = kk < k->budget ? kk : k->budget;
		if (m->g.nthink > budget)
			m->g.nthink = budget;
		budget -= m->g.nthink;
	}
	if (gen_text(&m->g, k->last_result ? k->lead.p : NULL, kk, budget,
	    k->stops, k->nstops, ctl->v[CTL_EMIT_STOP]) == -1)
		return -1;
	call = 0;
	for (t = k->tools != NULL ? k->tools->child : NULL; t != NULL;
	    t = t->next)
		if (get(t, "input_schema") != NULL)
			call = 1;
	if (k->choice == AC_NONE || m->g.stop != GEN_END)
		call = 0;
	else if (k->choice != AC_ANY && k->choice != AC_TOOL &&
	    (ctl->v[CTL_TOOL_CALL] != 1 || k->last_result))
		call = 0;
	if (!call)
		return 0;
	n = k->no_parallel ? 1 : ctl->v[CTL_TOOL_CALLS];
	t = NULL;
	for (i = 0; i < n; i++) {
		/* The forced tool every time, else custom tools in turn. */
		if (k->forced != NULL)
			t = k->forced;
		else
			do {
				t = t != NULL && t->next != NULL ? t->next :
				    k->tools->child;
			} while (get(t, "input_schema") == NULL);
		name = get(t, "name");
		snprintf(id, sizeof(id), "toolu_mock%010llu%02ld", seq, i);
		if (gen_call_add(&m->g, name->valuestring, get(t,
		    "input_schema"), kk, id) == -1)
			return -1;
	}
	m->g.stop = GEN_TOOL;
	return 0;
}

static enum MHD_Result
h_ant_messages(struct mock_req *req)
{
	struct ant_msg		*m;
	struct ant_chk		 k;
	char			*keep[2] = { NULL, NULL };
	const char		*hdrs[3] = { "request-id", NULL, NULL };
	unsigned long long	 seq;
	enum MHD_Result		 ret;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return ant_error(req, 500, "mock out of memory");
	gen_init(&m->g);
	memset(&k, 0, sizeof(k));
	mbuf_init(&k.lead, MOCK_EVENT_MAX);
	seq = atomic_fetch_add(&ant_seq, 1);
	snprintf(m->id, sizeof(m->id), "msg_mock%06x%010llu",
	    (unsigned int)getpid() & 0xffffff, seq);
	snprintf(m->reqid, sizeof(m->reqid), "req_mock%010llu", seq);
	hdrs[1] = m->reqid;
	m->doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	k.doc = m->doc;
	if (ant_begin(req, m->doc, keep, cJSON_IsTrue(get(m->doc, "stream")),
	    hdrs, &ret))
		goto out;
	if (ant_check(&k) == -1) {
		ret = ant_fail(req, 400, "invalid_request_error", k.msg, NULL);
		goto out;
	}
	m->model = k.model;
	if (ant_plan(m, &k, &req->ctl, seq) == -1) {
		ret = ant_error(req, 500, "mock out of memory");
		goto out;
	}
	if (k.stream) {
		mbuf_free(&k.lead);
		free(keep[0]);
		free(keep[1]);
		return sse_start(req, &ant_msg_sse, m, hdrs);
	}
	ret = mock_reply_json(req, 200, ant_msg_body(m), hdrs);
out:
	mbuf_free(&k.lead);
	ant_msg_free(m);
	free(keep[0]);
	free(keep[1]);
	return ret;
}

static enum MHD_Result
h_ant_count(struct mock_req *req)
{
	struct ant_chk	 k;
	cJSON		*doc, *out;
	char		*keep[2] = { NULL, NULL };
	enum MHD_Result	 ret;

	memset(&k, 0, sizeof(k));
	mbuf_init(&k.lead, MOCK_EVENT_MAX);
	k.count = 1;
	doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	k.doc = doc;
	if (ant_begin(req, doc, keep, 0, NULL, &ret))
		goto out;
	if (ant_check(&k) == -1) {
		ret = ant_fail(req, 400, "invalid_request_error", k.msg, NULL);
		goto out;
	}
	if ((out = cJSON_CreateObject()) != NULL)
		cJSON_AddNumberToObject(out, "input_tokens", k.input_tokens);
	ret = mock_reply_json(req, 200, out, NULL);
out:
	mbuf_free(&k.lead);
	cJSON_Delete(doc);
	free(keep[0]);
	free(keep[1]);
	return ret;
}

static const struct mock_route ant_routes[] = {
	{ "POST", "/v1/messages", 0, h_ant_messages },
	{ "POST", "/v1/messages/count_tokens", 0, h_ant_count },
	{ NULL, NULL, 0, NULL }
};

const struct mock_provider ant_provider = {
	"anthropic",
	"/v1/messages",
	ant_routes,
	ant_auth,
	ant_error
};
