/*
 * dialect.h: relaying a request that arrived in another vendor's dialect
 * (Anthropic Messages at /v1/messages, Gemini generateContent at
 * /v1beta/models/...), shared by handlers/messages.c and
 * handlers/gemini_api.c.
 *
 * One relay_call with failover over every channel of the model.  A
 * channel of the dialect's own type (anthropic, gemini) is "native": the
 * client's request goes to it unchanged but for the model, and its
 * answer comes back unchanged but for the model name, with usage read on
 * the way (thinking signatures, cache fields and everything else the
 * vendor sends survive).  Any other channel gets the request converted to
 * OpenAI chat (and on from there by adapt.h to whatever it speaks), and
 * the chat answer or chunk stream is converted back by the dialect's
 * hooks.  Keep-alives, the client leaving, broken streams and the single
 * settlement are handled here the same way as in oa_relay.c.
 */
#ifndef NX_DIALECT_H
#define NX_DIALECT_H

#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "handlers/handlers.h"

struct cJSON;
struct relay;
struct relay_call;
struct req;
struct dl_ctx;

struct dl_ops {
	const char	*native_type;	/* "anthropic", "gemini" */
	const char	*keepalive;	/* bytes sent while upstream is silent */
	/* Native call: set c's path, body and headers.  0 or -1 (memory). */
	int		(*native_call)(struct dl_ctx *, struct relay_call *);
	/*
	 * One native stream event (parsed): read usage, fix the model name
	 * in place, set x->cv.is_done / x->cv.up_error.  Returns the output tokens it
	 * delivers (estimate), or -1 to drop the event.
	 */
	int64_t		(*native_event)(struct dl_ctx *, struct cJSON *);
	/* Native whole answer: usage, model name.  0, or -1 unusable. */
	int		(*native_whole)(struct dl_ctx *, struct cJSON *);
	/* Chat mode: the stream began / one chunk / [DONE].  0 or -1. */
	int		(*chat_begin)(struct dl_ctx *);
	int		(*chat_chunk)(struct dl_ctx *, const struct cJSON *);
	int		(*chat_done)(struct dl_ctx *);
	/* Chat mode: a whole chat.completion -> the dialect's answer. */
	struct cJSON	*(*chat_whole)(struct dl_ctx *, const struct cJSON *);
};

struct dl_ctx {
	struct req		*r;
	struct relay		*rl;
	const struct dl_ops	*ops;
	struct cJSON		*req;		/* the client's request */
	struct cJSON		*chat;		/* it as OpenAI chat */
	int			 stream;
	int			 array;		/* Gemini JSON-array stream */
	int			 native;	/* current channel's mode */
	struct h_stream		 hs;		/* relay_call's arg */
	int			 nwritten;	/* events written */
	struct h_chat_conv	 cv;		/* hooks (chat mode), outcome */
	struct buf		 body;
	void			*st;		/* the dialect's stream state */
	const char		*hdrs[4];	/* native call's extra headers */
};

/*
 * Writes one event: "event: <name>\n" (when name is non-NULL) and
 * "data: <o>\n\n", or an element of the JSON-array stream.  0 or -1.
 */
int	 dl_write(struct dl_ctx *x, const char *name, const struct cJSON *o);

/*
 * Runs the call for the validated request (x->req, x->chat built,
 * x->stream set; rl prepared with its hold), answers and settles.
 * Returns ERR_OK when an answer went out, else the error to send.
 */
enum err dl_run(struct dl_ctx *x);

/*
 * A dialect's free token count (Anthropic count_tokens, Gemini
 * countTokens), asked of the channels `pick` takes (relay_call's before
 * hook: it sets path and body; rl from relay_begin, begun its result).  Answers the client with
 * the upstream's 200 document when it holds a number `field`, or with the
 * upstream's own 4xx refusal (not 401, 403, 429: those are the channel's),
 * and returns 1 with *e; returns 0 when the caller is to answer with its
 * estimate (no such channel, or none answered).
 */
int	 dl_count(struct req *r, struct relay *rl, enum err begun,
	    int (*pick)(void *, struct relay *, struct relay_call *),
	    void *arg, const char *field, enum err *e);

#endif
