/*
 * stream.c: the paced server-sent-event engine of the mock upstream.
 *
 * A provider describes a stream as a generator of events (struct
 * sse_ops); this file turns it into a libmicrohttpd callback response.
 * libmicrohttpd calls sse_read on the connection's own thread whenever
 * the socket has room and everything handed out before has been sent, so
 * the engine produces one event per call, sleeping first, and each event
 * reaches the socket as soon as it exists (the headers go out before the
 * first call, so ttft_ms is observable after them).  The failure
 * controls are applied here, the same for every provider:
 *
 *   - ttft_ms before the first event, interval_ms before each later one
 *     except the terminator (SSE_TERM);
 *   - the first event is always sent; before each later event, once N
 *     content events are out: disconnect_after=N aborts the connection
 *     (no terminating chunk), stall_after=N sleeps stall_ms once (on top
 *     of interval_ms) and error_after=N sends the provider's error event
 *     and ends the body.  N larger than the content count never fires.
 *
 * A sleep that sees the client gone or the server stopping aborts.
 * Events larger than libmicrohttpd's buffer are handed out in pieces
 * without further sleeps.  Every event's hand-out time is recorded.
 */
#include <stdlib.h>
#include <string.h>

#include "mock.h"

struct sse {
	struct mock_req		*req;		/* reference held */
	const struct sse_ops	*ops;
	void			*arg;
	struct mbuf		 ev;		/* current event */
	size_t			 off;		/* bytes of ev handed out */
	uint64_t		 nev;		/* events produced */
	uint64_t		 ncontent;	/* SSE_CONTENT events */
	int			 stalled;
	int			 ending;	/* last event produced */
};

/* Whether control k is set and equals the content count. */
static int
sse_due(const struct sse *s, enum ctl k)
{
	const struct mock_ctl	*c = &s->req->ctl;

	return ctl_isset(c, k) && s->ncontent == (uint64_t)c->v[k];
}

/*
 * Produces the next event into s->ev.  Returns 1 when there is one, 0 at
 * the clean end of the body, -1 to abort the connection.
 */
static int
sse_produce(struct sse *s)
{
	const struct mock_ctl	*c = &s->req->ctl;
	enum sse_ev		 kind;
	long			 wait;

	mbuf_reset(&s->ev);
	s->off = 0;
	if (s->ending)
		return 0;
	if (s->nev > 0 && sse_due(s, CTL_DISCONNECT_AFTER))
		return -1;
	if (s->nev > 0 && !s->stalled && sse_due(s, CTL_STALL_AFTER)) {
		s->stalled = 1;
		if (mock_sleep(s->req, c->v[CTL_STALL_MS]) == -1)
			return -1;
	}
	if (s->nev > 0 && sse_due(s, CTL_ERROR_AFTER) &&
	    s->ops->error != NULL) {
		s->ops->error(s->arg, &s->ev);
		s->ending = 1;
		kind = SSE_DATA;
	} else
		kind = s->ops->next(s->arg, &s->ev);
	if (kind == SSE_END)
		return 0;
	if (kind == SSE_FAIL || s->ev.len == 0)
		return -1;
	if (s->nev == 0)
		wait = c->v[CTL_TTFT_MS];
	else
		wait = kind == SSE_TERM ? 0 : c->v[CTL_INTERVAL_MS];
	if (mock_sleep(s->req, wait) == -1)
		return -1;
	s->nev++;
	if (kind == SSE_CONTENT)
		s->ncontent++;
	mock_chunk_sent(s->req);
	return 1;
}

static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse	*s = cls;
	size_t		 n;

	if (s->off >= s->ev.len) {
		switch (sse_produce(s)) {
		case -1:
			return MHD_CONTENT_READER_END_WITH_ERROR;
		case 0:
			return MHD_CONTENT_READER_END_OF_STREAM;
		default:
			break;
		}
	}
	n = s->ev.len - s->off;
	if (n > max)
		n = max;
	memcpy(buf, s->ev.p + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void
sse_free(void *cls)
{
	struct sse	*s = cls;

	if (s->ops->free != NULL)
		s->ops->free(s->arg);
	mbuf_free(&s->ev);
	mock_req_unref(s->req);
	free(s);
}

enum MHD_Result
sse_start(struct mock_req *req, const struct sse_ops *ops, void *arg,
    const char *const *hdrs)
{
	return sse_start_type(req, ops, arg, "text/event-stream; charset=utf-8",
	    hdrs);
}

enum MHD_Result
sse_start_type(struct mock_req *req, const struct sse_ops *ops, void *arg,
    const char *ctype, const char *const *hdrs)
{
	struct MHD_Response	*resp;
	struct sse		*s;
	enum MHD_Result		 ret;
	size_t			 i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		if (ops->free != NULL)
			ops->free(arg);
		return MHD_NO;
	}
	atomic_fetch_add(&req->refs, 1);
	s->req = req;
	s->ops = ops;
	s->arg = arg;
	mbuf_init(&s->ev, MOCK_EVENT_MAX);
	if (mock_delay(req) == -1) {
		sse_free(s);
		return MHD_NO;
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
	    sse_read, s, sse_free);
	if (resp == NULL) {
		sse_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-cache");
	for (i = 0; hdrs != NULL && hdrs[i] != NULL && hdrs[i + 1] != NULL;
	    i += 2)
		MHD_add_response_header(resp, hdrs[i], hdrs[i + 1]);
	req->status = 200;
	req->streamed = 1;
	ret = MHD_queue_response(req->conn, 200, resp);
	MHD_destroy_response(resp);	/* sse_free runs when MHD is done */
	return ret;
}

/* The raw-body stream: one SSE_DATA event holding the given bytes. */
static enum sse_ev
raw_next(void *arg, struct mbuf *out)
{
	struct mbuf	*b = arg;

	if (b->p == NULL || b->len == 0)
		return SSE_END;
	if (mbuf_append(out, b->p, b->len) == -1)
		return SSE_FAIL;
	mbuf_free(b);
	return SSE_DATA;
}

static void
raw_free(void *arg)
{
	mbuf_free(arg);
	free(arg);
}

static const struct sse_ops raw_ops = { raw_next, NULL, raw_free };

enum MHD_Result
sse_raw(struct mock_req *req, const char *body, size_t len,
    const char *const *hdrs)
{
	struct mbuf	*b;

	if ((b = malloc(sizeof(*b))) == NULL)
		return MHD_NO;
	mbuf_init(b, len);
	if (mbuf_append(b, body, len) == -1) {
		raw_free(b);
		return MHD_NO;
	}
	return sse_start(req, &raw_ops, b, hdrs);
}
