/*
 * request.h: struct req, one FastCGI request as the handlers see it.
 *
 * A req lives in a request slot (worker.c) and is reset between requests;
 * everything hanging off it comes from the slot's arena.  Handlers never
 * touch libfcgi: they read params and the capped body through req_*() and
 * answer through req_start()/req_write()/req_flush() or the error helpers.
 *
 * Response state machine: nothing sent -> headers sent (req_start) ->
 * body bytes.  Once headers are out an error can only be reported in-band
 * (req_stream_error for SSE).  A write failure marks the client gone;
 * later writes fail fast and the handler should stop work (and bill what
 * was delivered).
 */
#ifndef NX_REQUEST_H
#define NX_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "err.h"
#include "sec.h"

struct cfg;
struct route;
struct up_conn;

/* Rate-limit window state reported in X-RateLimit-* headers. */
struct rl_state {
	int	 active;		/* request window present */
	int64_t	 limit, remaining, reset;
	int	 tok_active;
	int64_t	 tok_limit, tok_remaining, tok_reset;
};

struct req {
	void			*fcgx;		/* FCGX_Request *, worker.c's */
	struct arena		*a;
	const struct cfg	*cfg;
	struct db		*db;
	struct up_conn		*up;
	const unsigned char	*secret;	/* 32-byte channel sealing key */

	char			 rid[SEC_RID_LEN + 32];
	const char		*method;
	const char		*path;		/* decoded? no: raw, no query */
	const char		*query;		/* "" when none */
	const char		*remote_addr;
	const struct route	*route;
	char			*body;		/* NUL-terminated, body_len bytes */
	size_t			 body_len;

	/* Filled as the request goes, for the access line. */
	struct timespec		 t0;
	int			 status;
	int			 headers_sent;
	int			 client_gone;
	int			 sse;		/* answering text/event-stream */
	uint64_t		 bytes_out;
	int64_t			 upstream_ms;	/* -1 when no upstream call */
	int64_t			 ttfb_ms;	/* first byte to client, -1 */
	const char		*model;
	int64_t			 prompt_tokens;
	int64_t			 completion_tokens;
	int64_t			 quota;
	const char		*err_code;

	/* Auth result (auth.c). */
	int			 authed;
	struct key_info		 key;
	struct rl_state		 rl;

	struct buf		 hdrs;		/* extra response header lines */
};

/* A FastCGI param (e.g. "HTTP_AUTHORIZATION"), or NULL. */
const char	*req_param(struct req *r, const char *name);
/*
 * Reads the body into r->body, at most cap bytes: ERR_TOO_LARGE when
 * CONTENT_LENGTH or the bytes actually sent exceed cap, ERR_CLIENT_GONE
 * when the stream ends early.
 */
enum err	 req_read_body(struct req *r, size_t cap);
/*
 * Streams the body to fn in chunks of at most 64 KiB as it arrives, for
 * routes that parse while reading (multipart).  ERR_TOO_LARGE past cap
 * (CONTENT_LENGTH is checked first), ERR_CLIENT_GONE when the stream ends
 * short, or the error fn returned (non-ERR_OK stops reading).
 */
enum err	 req_read_stream(struct req *r, size_t cap,
		    enum err (*fn)(void *, const char *, size_t), void *arg);
/* Adds "Name: value" to the response headers; before req_start only. */
int		 req_add_header(struct req *r, const char *name,
		    const char *value);
/*
 * Writes the status line, Content-Type, X-Request-Id, rate-limit headers
 * and the added headers.  Returns 0, or -1 when the client is gone.
 */
int		 req_start(struct req *r, int status, const char *ctype);
/* Body bytes; 0 or -1 (client gone). */
int		 req_write(struct req *r, const void *p, size_t n);
/* Pushes buffered bytes to the web server now; 0 or -1. */
int		 req_flush(struct req *r);
/* Whole JSON answer: start + write + flush. */
int		 req_send_json(struct req *r, int status, const char *json,
		    size_t n);
/*
 * Error answer in the OpenAI shape (API.md 2): message NULL uses the
 * default text of e; param may be NULL.  After headers went out as SSE it
 * becomes a final "data: {error}" event instead.
 */
void		 req_send_error(struct req *r, enum err e, const char *message,
		    const char *param);
/*
 * An error with this HTTP status and message in the route's dialect
 * (Anthropic or Gemini shape; OpenAI's with type from the status
 * otherwise).  Like req_send_error, in-band once an SSE stream began.
 */
void		 req_send_error_status(struct req *r, int status,
		    const char *message);
/* Sends an already-built error body with the given status (pass-through). */
void		 req_send_error_body(struct req *r, int status,
		    const char *json, size_t n);
/* 1 when the web server closed our connection (client went away). */
int		 req_peer_closed(struct req *r);
/* Milliseconds since the request began. */
int64_t		 req_elapsed_ms(const struct req *r);

#endif
