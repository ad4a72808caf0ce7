/*
 * relay.h: what every metered endpoint does around its upstream call:
 * policy (model allowed, price known, a channel exists), the quota hold,
 * channel choice with failover, and settlement with its log row.
 *
 * Life of a relay: relay_prepare (may fail with the client's error and
 * holds nothing) -> relay_next_channel, repeatedly while a channel fails
 * before the client got a byte -> the endpoint streams or answers ->
 * relay_settle exactly once (charges usage, or refunds when nothing was
 * delivered).  If the process dies in between, the hold row stays and the
 * housekeeper refunds it after hold_ttl.
 */
#ifndef NX_RELAY_H
#define NX_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "billing.h"
#include "buf.h"
#include "db.h"
#include "err.h"

struct req;
struct up_part;
struct cJSON;

struct relay {
	struct req	*r;
	const char	*model;		/* as the client named it */
	const char	*up_model;	/* after the channel's mapping */
	int		 mapped;	/* up_model != model */
	int		 stream;
	struct price	 price;
	int64_t		 base_price;
	int64_t		 hold_id;	/* 0: no hold */
	int64_t		 held;
	int64_t		 est_prompt;
	int64_t		 tpm_reserved;	/* tokens reserved against TPM */

	struct channel	*chans;
	size_t		 nchans;
	unsigned char	*tried;		/* per candidate */
	struct channel	*ch;		/* current, NULL before the first */
	char		*ch_key;	/* its credential, opened */
	struct buf	 tried_ids;	/* "3,7" for the log */

	/* Filled by the endpoint as the answer goes out. */
	struct usage	 usage;
	int		 usage_upstream;	/* usage came from upstream */
	int64_t		 delivered_tokens;	/* estimated from output */
	int		 delivered;		/* any output reached client */
	const char	*stream_status;		/* ok, client_gone, ... */

	/* Non-token bases: the endpoint prices and sets these instead. */
	int		 charge_set;
	int64_t		 charge;		/* quota to charge */
	int64_t		 units;			/* images, chars, s, requests */
	const char	*unit_name;		/* "image", "character", ... */
	struct cJSON	*log_extra;		/* merged into logs.other */
};

/*
 * One upstream call with failover, for relay_call.  The body is json
 * (its "model" set to each channel's up_model), or raw bytes with ctype,
 * or multipart parts (whose "model" field, if any, the caller maps).
 * Without on_data the response body is collected into resp (capped by
 * upstream_max_response); with it, the hooks stream, and *started must
 * be set once bytes reached the client (no failover after that).
 */
/*
 * What a relay_call's json is, so that channels of another protocol can
 * be adapted (adapt.h): RPROTO_RAW goes out as it is to every channel.
 */
enum relay_proto {
	RPROTO_RAW,
	RPROTO_CHAT,	/* an OpenAI chat completions request */
	RPROTO_EMBED,	/* an OpenAI embeddings request */
};

struct relay_call {
	enum relay_proto	 proto;
	const char		*method;	/* NULL: POST (GET if no body) */
	const char		*path;		/* "/v1/embeddings" */
	struct cJSON		*json;
	const char		*raw;
	size_t			 raw_len;
	const char		*ctype;
	const struct up_part	*parts;
	size_t			 nparts;
	const char		*accept;	/* Accept header, NULL: none */
	const char *const	*headers;	/* more "Name: value" lines */
	size_t			 nheaders;	/* at most 4 */
	/*
	 * Called once per channel tried, after it was chosen and before the
	 * call: may adapt c to the channel (path and body for its type, the
	 * mapped model in a multipart part: rl->ch, rl->up_model).  Return 0
	 * to call it, 1 to skip it (not counted as a failure), -1 to stop
	 * with ERR_NOMEM.
	 */
	int			(*before)(void *, struct relay *,
				    struct relay_call *);
	int			(*on_status)(void *, int, const char *);
	int			(*on_data)(void *, const char *, size_t);
	int			(*on_tick)(void *);
	void			*arg;
	int			*started;
	int			 follow;	/* up_call.follow: a GET's redirects */
};

/*
 * Checks policy and takes the hold for est_prompt + est_completion.
 * Errors: ERR_MODEL_NOT_ALLOWED, ERR_MODEL_NOT_FOUND, ERR_NO_CHANNEL,
 * ERR_QUOTA, ERR_DB (nothing held in any of these cases).
 */
enum err relay_prepare(struct relay *rl, struct req *r, const char *model,
	    int stream, int64_t est_prompt, int64_t est_completion);
/*
 * relay_prepare in two steps, for bases other than tokens: relay_begin
 * checks policy and loads price and channels (nothing held); relay_hold
 * then reserves amount (ERR_QUOTA, ERR_DB).
 */
enum err relay_begin(struct relay *rl, struct req *r, const char *model,
	    int stream);
enum err relay_hold(struct relay *rl, int64_t amount);
/*
 * Runs c on the current and then further channels while the failure is
 * one another channel may not have (connect, timeout, 401, 403, 408, 429,
 * 5xx) and nothing reached the client.  Returns ERR_OK with *status the
 * final HTTP status (resp holds its body unless streaming), ERR_NO_CHANNEL
 * when no channel was usable, or the last transport error (ERR_UPSTREAM,
 * ERR_TIMEOUT, ERR_CLIENT_GONE).  r->upstream_ms accumulates.
 */
enum err relay_call(struct relay *rl, struct relay_call *c, struct buf *resp,
	    int *status);
/*
 * Retries settlements that failed because the database was gone (kept
 * per process by relay_settle).  Cheap when there are none; call it
 * before serving a request.
 */
void	 relay_retry_pending(struct db *d);
/* The credential header for the current channel's type, in the arena. */
const char *relay_auth_header(struct relay *rl);
/*
 * Moves to the next untried candidate (highest priority first, weighted
 * random within a priority), opens its credential and applies its
 * model_mapping.  ERR_NO_CHANNEL when none is left.
 */
enum err relay_next_channel(struct relay *rl);
/* The current channel's base URL joined with path (no double '/'). */
char	*relay_url(struct relay *rl, const char *path);
/*
 * Settles once: charges the upstream usage, else the estimate of prompt +
 * delivered output, or refunds everything when nothing was delivered.
 * Writes the log row (consume, or error with quota 0) with the pricing
 * inputs, and records quota and tokens on r for the access line.
 * status is what the client got; error_code NULL on success.
 */
void	 relay_settle(struct relay *rl, int status, const char *error_code);
/*
 * The log row's other column for rl (the pricing inputs, channels tried,
 * usage_source = source, the charged units when charge_set, log_extra
 * as "detail"), with the members of top (may be NULL) added at the top
 * level, replacing any of the same name.  In the arena; NULL on failure.
 */
char	*relay_other_json(struct relay *rl, const char *source,
	    const struct cJSON *top);

#endif
