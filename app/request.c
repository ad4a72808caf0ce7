/*
 * request.c: struct req over libfcgi (FastCGI 1.0 spec, "Responder" role).
 *
 * Owns the translation between a FastCGI request and the handler view:
 * params, the capped stdin body, and the CGI-style response ("Status:"
 * header, RFC 3875 6.3.3).  libfcgi's FCGX_FPrintF has no %zu, so every
 * formatted line is built with snprintf into a local buffer first.
 * Invariants: headers are written at most once; after a failed write
 * client_gone is set and nothing else is written.
 */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <fcgiapp.h>

#include "cfg.h"
#include "providers/anthropic.h"
#include "providers/gemini.h"
#include "request.h"
#include "router.h"
#include "sse.h"

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 499: return "Client Closed Request";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

const char *
req_param(struct req *r, const char *name)
{
	FCGX_Request	*f = r->fcgx;

	return FCGX_GetParam(name, f->envp);
}

/* CONTENT_LENGTH into *want (-1 when absent), checked against cap. */
static enum err
content_length(struct req *r, size_t cap, long long *want)
{
	const char	*cl;
	char		*end;

	*want = -1;
	if ((cl = req_param(r, "CONTENT_LENGTH")) == NULL || *cl == '\0')
		return ERR_OK;
	errno = 0;
	*want = strtoll(cl, &end, 10);
	if (errno != 0 || *end != '\0' || *want < 0)
		return ERR_BAD_REQUEST;
	if ((unsigned long long)*want > cap)
		return ERR_TOO_LARGE;
	return ERR_OK;
}

enum err
req_read_body(struct req *r, size_t cap)
{
	FCGX_Request	*f = r->fcgx;
	long long	 want;
	size_t		 got = 0, alloc;
	int		 n;
	enum err	 e;

	if ((e = content_length(r, cap, &want)) != ERR_OK)
		return e;
	/* Known length: one allocation.  Unknown: cap + 1 to detect excess. */
	alloc = want >= 0 ? (size_t)want : cap + 1;
	if ((r->body = arena_alloc(r->a, alloc + 1)) == NULL)
		return ERR_NOMEM;
	while (got < alloc) {
		n = FCGX_GetStr(r->body + got, (int)(alloc - got > 65536 ?
		    65536 : alloc - got), f->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (want >= 0 && got < (size_t)want)
		return ERR_CLIENT_GONE;
	if (got > cap)
		return ERR_TOO_LARGE;
	r->body[got] = '\0';
	r->body_len = got;
	return ERR_OK;
}

enum err
req_read_stream(struct req *r, size_t cap,
    enum err (*fn)(void *, const char *, size_t), void *arg)
{
	FCGX_Request	*f = r->fcgx;
	char		 chunk[65536];
	long long	 want;
	size_t		 got = 0;
	int		 n;
	enum err	 e;

	if ((e = content_length(r, cap, &want)) != ERR_OK)
		return e;
	for (;;) {
		n = FCGX_GetStr(chunk, (int)sizeof(chunk), f->in);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got > cap)
			return ERR_TOO_LARGE;
		if ((e = fn(arg, chunk, (size_t)n)) != ERR_OK)
			return e;
	}
	if (want >= 0 && got < (size_t)want)
		return ERR_CLIENT_GONE;
	r->body_len = got;
	return ERR_OK;
}

int
req_add_header(struct req *r, const char *name, const char *value)
{
	if (r->headers_sent)
		return -1;
	return buf_printf(&r->hdrs, "%s: %s\r\n", name, value);
}

static int
put(struct req *r, const void *p, size_t n)
{
	FCGX_Request	*f = r->fcgx;

	if (r->client_gone)
		return -1;
	if (n == 0)
		return 0;
	if (n > (size_t)INT32_MAX ||
	    FCGX_PutStr(p, (int)n, f->out) != (int)n) {
		r->client_gone = 1;
		return -1;
	}
	return 0;
}

static void
rl_headers(struct req *r, struct buf *h)
{
	const struct rl_state	*s = &r->rl;

	if (s->active)
		buf_printf(h, "X-RateLimit-Limit: %lld\r\n"
		    "X-RateLimit-Remaining: %lld\r\n"
		    "X-RateLimit-Reset: %lld\r\n", (long long)s->limit,
		    (long long)s->remaining, (long long)s->reset);
	if (s->tok_active)
		buf_printf(h, "X-RateLimit-Limit-Tokens: %lld\r\n"
		    "X-RateLimit-Remaining-Tokens: %lld\r\n"
		    "X-RateLimit-Reset-Tokens: %lld\r\n",
		    (long long)s->tok_limit, (long long)s->tok_remaining,
		    (long long)s->tok_reset);
}

int
req_start(struct req *r, int status, const char *ctype)
{
	struct buf	 h;
	int		 rc;

	if (r->headers_sent)
		return -1;
	r->headers_sent = 1;
	r->status = status;
	buf_init(&h, 64 * 1024);
	buf_printf(&h, "Status: %d %s\r\nContent-Type: %s\r\n"
	    "X-Request-Id: %s\r\n", status, status_text(status), ctype,
	    r->rid);
	if (r->sse)
		buf_puts(&h, "Cache-Control: no-cache\r\n"
		    "X-Accel-Buffering: no\r\n");
	rl_headers(r, &h);
	if (r->hdrs.len > 0)
		buf_append(&h, r->hdrs.p, r->hdrs.len);
	buf_puts(&h, "\r\n");
	rc = put(r, h.p, h.len);
	buf_free(&h);
	return rc;
}

int
req_write(struct req *r, const void *p, size_t n)
{
	if (put(r, p, n) == -1)
		return -1;
	if (r->ttfb_ms < 0 && n > 0)
		r->ttfb_ms = req_elapsed_ms(r);
	r->bytes_out += n;
	return 0;
}

int
req_flush(struct req *r)
{
	FCGX_Request	*f = r->fcgx;

	if (r->client_gone)
		return -1;
	if (FCGX_FFlush(f->out) != 0 || FCGX_GetError(f->out) != 0) {
		r->client_gone = 1;
		return -1;
	}
	return 0;
}

int
req_send_json(struct req *r, int status, const char *json, size_t n)
{
	if (req_start(r, status, "application/json") == -1 ||
	    req_write(r, json, n) == -1)
		return -1;
	return req_flush(r);
}

static char *
error_json(const struct err_info *ei, const char *message, const char *param)
{
	cJSON	*root, *e;
	char	*s;

	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	e = cJSON_AddObjectToObject(root, "error");
	if (e != NULL) {
		cJSON_AddStringToObject(e, "message",
		    message != NULL ? message : ei->message);
		cJSON_AddStringToObject(e, "type", ei->type);
		if (param != NULL)
			cJSON_AddStringToObject(e, "param", param);
		else
			cJSON_AddNullToObject(e, "param");
		cJSON_AddStringToObject(e, "code", ei->code);
	}
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

/*
 * The error body in the route's dialect: Anthropic's {"type":"error",
 * "error":{"type","message"}} or Gemini's {"error":{"code","message",
 * "status"}}; NULL for OpenAI routes.
 */
static char *
dialect_error_json(const struct req *r, int status, const char *message)
{
	cJSON	*root;
	char	*s;

	if (router_dialect(r->route) == RD_OPENAI)
		return NULL;
	root = router_dialect(r->route) == RD_ANTHROPIC ?
	    an_cl_error(an_error_type(status), message) :
	    gm_cl_error(status, gm_status_name(status), message);
	if (root == NULL)
		return NULL;
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

/* The exact 401 body of API.md 1, byte for byte. */
static const char auth_body[] = "{\"error\":{\"message\":\"Incorrect API "
    "key provided\",\"type\":\"invalid_request_error\",\"code\":"
    "\"invalid_api_key\"}}";

/*
 * Sends error body s (then freed) with status, or once an SSE stream
 * began, as its final event (API.md 5; Anthropic's is "event: error").
 */
static void
send_error_json(struct req *r, int status, char *s)
{
	struct buf	 ev;

	if (s == NULL) {
		if (!r->headers_sent)
			req_send_json(r, 500, "{}", 2);
		return;
	}
	if (!r->headers_sent)
		req_send_json(r, status, s, strlen(s));
	else if (r->sse) {
		buf_init(&ev, 1024 * 1024);
		if (sse_write(&ev, router_dialect(r->route) == RD_ANTHROPIC ?
		    "error" : NULL, s, strlen(s)) == 0 &&
		    req_write(r, ev.p, ev.len) == 0)
			req_flush(r);
		buf_free(&ev);
	}
	cJSON_free(s);
}

void
req_send_error(struct req *r, enum err e, const char *message,
    const char *param)
{
	const struct err_info	*ei = err_http(e);

	if (r->err_code == NULL)
		r->err_code = ei->code;
	if (e == ERR_CLIENT_GONE) {
		r->status = 499;
		return;
	}
	if (router_dialect(r->route) != RD_OPENAI) {
		req_send_error_status(r, ei->status, message != NULL ?
		    message : ei->message);
		return;
	}
	if (e == ERR_AUTH && !r->headers_sent) {
		req_send_json(r, 401, auth_body, sizeof(auth_body) - 1);
		return;
	}
	send_error_json(r, ei->status, error_json(ei, message, param));
}

void
req_send_error_status(struct req *r, int status, const char *message)
{
	char	*s;

	if ((s = dialect_error_json(r, status, message)) == NULL)
		s = error_json(err_http(status >= 500 ? ERR_UPSTREAM :
		    ERR_BAD_REQUEST), message, NULL);
	send_error_json(r, status, s);
}

void
req_send_error_body(struct req *r, int status, const char *json, size_t n)
{
	if (!r->headers_sent)
		req_send_json(r, status, json, n);
}

int
req_peer_closed(struct req *r)
{
	FCGX_Request	*f = r->fcgx;
	struct pollfd	 pfd;
	char		 c;

	if (r->client_gone)
		return 1;
	pfd.fd = f->ipcFd;
	pfd.events = POLLIN | POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL)) {
		r->client_gone = 1;
		return 1;
	}
	/*
	 * Readable without hang-up: the server sent a record after stdin
	 * ended, which in the Responder role can only be FCGI_ABORT_REQUEST
	 * (FastCGI spec 5.4), or EOF.  Peek so libfcgi's stream is untouched.
	 */
	if (recv(f->ipcFd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
		r->client_gone = 1;
		return 1;
	}
	return 0;
}

int64_t
req_elapsed_ms(const struct req *r)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - r->t0.tv_sec) * 1000 +
	    (now.tv_nsec - r->t0.tv_nsec) / 1000000;
}
