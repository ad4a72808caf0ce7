/*
 * mock.h: internal interfaces of the mock upstream (tools/mock-upstream).
 *
 * The mock is a stand-alone test double for the AI providers the gateway
 * talks to; it shares no code with app/.  The server core (mock.c) owns
 * the libmicrohttpd daemon, the per-request context and the reply
 * helpers; ctl.c parses the failure-injection controls; rec.c keeps the
 * ring of recorded requests; stream.c paces server-sent events; util.c
 * has the capped buffer and clocks.  Each provider (openai.c, cohere.c,
 * anthropic.c, gemini.c) exports one struct mock_provider
 * that mock.c lists in its provider table.  Providers talk to
 * libmicrohttpd only through the helpers below.
 *
 * Threading: libmicrohttpd runs one thread per connection, so a request
 * context is only ever touched by its connection's thread.  The recording
 * ring is the only shared mutable state and has its own mutex.
 */
#ifndef MOCK_H
#define MOCK_H

#include <sys/types.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>
#include <microhttpd.h>

#define MOCK_BODY_MAX	(8u << 20)	/* request body cap, bytes */
#define MOCK_EVENT_MAX	(4u << 20)	/* one SSE event cap, bytes */
#define MOCK_TIMES_MAX	10000		/* chunk timestamps kept per request */

/* Capped growable buffer; p is NUL-terminated when non-NULL. */
struct mbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void	 mbuf_init(struct mbuf *, size_t max);
/* Each returns 0, or -1 on cap or allocation failure (buffer unchanged). */
int	 mbuf_append(struct mbuf *, const void *, size_t);
int	 mbuf_puts(struct mbuf *, const char *);
int	 mbuf_printf(struct mbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 mbuf_reset(struct mbuf *);
/* Frees the storage; b may be NULL. */
void	 mbuf_free(struct mbuf *);

/* Wall clock in milliseconds since the epoch, for recorded timestamps. */
int64_t	 mock_now_ms(void);
/* Monotonic clock in milliseconds, for deadlines. */
int64_t	 mock_mono_ms(void);

/* A numeric control of a "[mock k=v ...]" prompt prefix (video jobs). */
struct mock_ldef {
	const char	*name;
	long		 min, max;
	size_t		 off;		/* of its long in the target struct */
};
/*
 * Parses a leading "[mock k=v ...]" of s into the longs of base that
 * defs (n entries) name; s without such a block is left alone.  0, or -1
 * with msg ("Invalid mock control ...") for a block without ']', an
 * unknown name or a value that is not an integer in [min, max].
 */
int	 mock_prefix_parse(const char *s, const struct mock_ldef *defs,
	    size_t n, void *base, char *msg, size_t msgsz);
/*
 * Returns a malloc'd NUL-terminated copy of p[0..len) with invalid UTF-8
 * and NUL bytes replaced by U+FFFD, so that it can be stored in JSON.
 * NULL on allocation failure.  Caller frees.
 */
char	*mock_utf8_dup(const char *p, size_t len);

/*
 * Failure-injection controls.  Read from headers X-Mock-<name> (dashes
 * and underscores are equivalent, case-insensitive) and from the
 * provider's metadata map as mock_<name>; a header wins.
 */
enum ctl {
	CTL_LATENCY_MS = 0,
	CTL_TTFT_MS,
	CTL_INTERVAL_MS,
	CTL_CHUNKS,
	CTL_STATUS,
	CTL_DISCONNECT_AFTER,
	CTL_ERROR_AFTER,
	CTL_STALL_AFTER,
	CTL_STALL_MS,
	CTL_TOOL_CALL,
	CTL_NO_USAGE,
	CTL_RETRY_AFTER,
	CTL_BODY,
	/* Read by the Anthropic and Gemini providers (README.md). */
	CTL_TOOL_CALLS,		/* calls per tool-call answer */
	CTL_CACHE_READ,		/* cached input tokens */
	CTL_CACHE_WRITE,	/* cache-creation input tokens (Anthropic) */
	CTL_EMIT_STOP,		/* words before a stop sequence */
	CTL_BLOCK,		/* refusal / safety block */
	CTL__MAX
};

struct mock_ctl {
	unsigned int	 set;		/* bit (1u << enum ctl) when given */
	long		 v[CTL__MAX];	/* value, or the default when unset */
	const char	*body;		/* CTL_BODY, borrowed */
	size_t		 bodylen;
	char		 bad[200];	/* first invalid control; "" if none */
};
_Static_assert(CTL__MAX <= 32, "mock_ctl.set has one bit per control");

/* Resets to defaults: chunks 5, stall_ms 60000, everything else 0. */
void	 ctl_init(struct mock_ctl *);
/*
 * Offers one request header.  Returns 1 when the header was a control
 * (valid or not; an invalid one is described in bad), 0 otherwise.  The
 * value is borrowed and must outlive the request.
 */
int	 ctl_header(struct mock_ctl *, const char *name, const char *value);
/* Takes mock_<name> string members of meta not already set by a header. */
void	 ctl_meta(struct mock_ctl *, const cJSON *meta);
int	 ctl_isset(const struct mock_ctl *, enum ctl);

struct mock_conn;
struct rec;

/* One HTTP request; owned by the connection's thread. */
struct mock_req {
	struct MHD_Connection	*conn;
	struct mock_conn	*mc;
	char			*uri;		/* raw target, with query */
	const char		*method;
	const char		*path;		/* decoded path, no query */
	int64_t			 recv_ms;
	struct mbuf		 body;
	struct mock_ctl		 ctl;
	struct rec		*rec;		/* NULL when not recorded */
	unsigned int		 status;	/* status queued */
	int			 presented;	/* handler has seen it */
	int			 too_big;	/* body exceeded the cap */
	int			 delayed;	/* latency_ms already slept */
	int			 streamed;
	int64_t			*times;		/* chunk send times, ms */
	size_t			 ntimes;
	size_t			 timescap;
	uint64_t		 nchunks;	/* all chunks, even past cap */
	atomic_int		 refs;
};

/* Drops a reference; the last one frees the request. */
void	 mock_req_unref(struct mock_req *);
/* Value of a request header (case-insensitive name), or NULL. */
const char *mock_header(struct mock_req *, const char *name);
/* Value of a query-string argument (decoded), or NULL. */
const char *mock_query(struct mock_req *, const char *name);
/*
 * Sleeps ms milliseconds in short slices.  Returns 0, or -1 as soon as
 * the client has closed its side or the server is stopping.
 */
int	 mock_sleep(struct mock_req *, long ms);
/* Sleeps latency_ms once per request; same return as mock_sleep. */
int	 mock_delay(struct mock_req *);
/* Appends one send timestamp (now) to the request's chunk times. */
void	 mock_chunk_sent(struct mock_req *);
/*
 * Queues a complete response after mock_delay.  body is copied; hdrs is
 * NULL or a NULL-terminated list of name, value pairs.  Returns the
 * value for libmicrohttpd (MHD_NO closes the connection).
 */
enum MHD_Result	mock_reply(struct mock_req *, unsigned int status,
	    const char *ctype, const char *body, size_t len,
	    const char *const *hdrs);
/* As mock_reply with a JSON document; consumes doc (may be NULL: 500). */
enum MHD_Result	mock_reply_json(struct mock_req *, unsigned int status,
	    cJSON *doc, const char *const *hdrs);

/*
 * Server-sent event streams.  The provider's next() appends the bytes of
 * one event (e.g. "data: {...}\n\n") to out and says what it was; the
 * engine sleeps ttft_ms before the first event and interval_ms before
 * every later one except SSE_TERM, applies disconnect_after,
 * error_after and stall_after counting SSE_CONTENT events, timestamps
 * every event, and hands each one to the socket as soon as it exists.
 */
enum sse_ev {
	SSE_END = 0,	/* nothing more: end the body cleanly */
	SSE_FAIL,	/* allocation failure: abort the connection */
	SSE_DATA,	/* framing event (role, finish, usage) */
	SSE_CONTENT,	/* content event, counted by the *_after controls */
	SSE_TERM	/* terminator ("[DONE]"), sent without interval */
};

struct sse_ops {
	enum sse_ev	(*next)(void *arg, struct mbuf *out);
	/* Appends the provider's mid-stream error event (error_after). */
	void		(*error)(void *arg, struct mbuf *out);
	/* Frees arg; called once when the response is destroyed. */
	void		(*free)(void *arg);
};

/*
 * Queues a 200 text/event-stream response driven by ops; arg is owned by
 * the stream from here on (freed by ops->free even on failure).
 */
enum MHD_Result	sse_start(struct mock_req *, const struct sse_ops *,
	    void *arg, const char *const *hdrs);
/*
 * As sse_start with another Content-Type (Gemini streams a JSON array
 * through the same paced engine).
 */
enum MHD_Result	sse_start_type(struct mock_req *, const struct sse_ops *,
	    void *arg, const char *ctype, const char *const *hdrs);
/* Streams len bytes of raw body (copied) as a single event. */
enum MHD_Result	sse_raw(struct mock_req *, const char *body, size_t len,
	    const char *const *hdrs);

/* Recording ring of the last REC_MAX requests (rec.c). */
#define REC_MAX	1000

/*
 * Creates and appends the record of req (method, uri, headers, body,
 * receive time).  Returns a reference owned by the caller, or NULL.
 */
struct rec	*rec_add(struct mock_req *);
/*
 * Marks the record finished: HTTP status, completed flag and, for
 * streams, the chunk times (copied).  Then drops the caller's reference.
 */
void	 rec_finish(struct rec *, struct mock_req *, int completed);
/* Returns the recorded requests, oldest first, as a JSON array. */
cJSON	*rec_list(void);
void	 rec_clear(void);

/* A provider: routes, authentication and error shape. */
struct mock_route {
	const char	*method;
	const char	*path;
	int		 prefix;	/* path is a prefix, not exact */
	enum MHD_Result	(*fn)(struct mock_req *);
};

struct mock_provider {
	const char		*name;
	const char		*prefix;	/* owns unknown paths below */
	const struct mock_route	*routes;	/* ends with a NULL path */
	/*
	 * Checks the credentials against key.  Returns 0 when accepted,
	 * else -1 with a message for error() in msg.  NULL: no key asked.
	 */
	int		(*auth)(struct mock_req *, const char *key,
			    char *msg, size_t msgsz);
	/* Queues an error response in the provider's shape. */
	enum MHD_Result	(*error)(struct mock_req *, unsigned int status,
			    const char *msg);
};

extern const struct mock_provider oai_provider;
extern const struct mock_provider cohere_provider;
extern const struct mock_provider oai_images_provider;
extern const struct mock_provider ant_provider;		/* anthropic.c */
extern const struct mock_provider gm_provider;		/* gemini.c */
extern const struct mock_provider gm_storage_provider;	/* gemini_veo.c */
/* GET /_mock/files/<name>.png: the picture behind image urls. */
enum MHD_Result	oai_images_file(struct mock_req *);


#endif
