/*
 * oa_relay.h: relaying one OpenAI-style call (chat completions, legacy
 * completions) once the request is validated and the hold taken: the
 * upstream call with failover, the answer streamed event by event or sent
 * whole, the in-band end of a broken stream, and the settlement.  The two
 * endpoints differ only in how output tokens are counted and whether a
 * "usage": null stays on chunks; those are the options.
 */
#ifndef NX_OA_RELAY_H
#define NX_OA_RELAY_H

#include <stdint.h>

#include "err.h"

struct cJSON;
struct relay;
struct req;

struct oa_relay_opts {
	const char	*path;		/* "/v1/chat/completions" */
	int		 chat;		/* a chat request: other providers
					   get it converted (adapt.h) */
	int		 stream;
	int		 include_usage;	/* the client asked for usage */
	int		 strip_null_usage; /* drop "usage": null for those
					      who did not (legacy completions) */
	/* Estimated output tokens of one chunk / of a whole answer. */
	int64_t		(*chunk_tokens)(const struct cJSON *);
	int64_t		(*answer_tokens)(const struct cJSON *);
};

/*
 * Runs the call for body o (its "model" and stream_options are set for
 * the upstream here), answers the client and settles rl exactly once.
 * Returns ERR_OK when an answer went out, else the error for the handler
 * to return (nothing sent yet).
 */
enum err oa_relay_run(struct req *r, struct relay *rl, struct cJSON *o,
	    const struct oa_relay_opts *opt);

#endif
