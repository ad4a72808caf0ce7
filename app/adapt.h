/*
 * adapt.h: makes a channel that speaks another protocol answer like the
 * OpenAI endpoint the handler called (DESIGN.md 3, adapters).
 *
 * A handler builds one OpenAI request (chat completions or embeddings)
 * and sets relay_call.proto.  For each channel tried, relay.c asks
 * adapt_needed(); for an anthropic or gemini channel (chat), or a gemini
 * or cohere channel (embeddings), the request is converted
 * (app/providers/), sent to the provider's own path with its headers,
 * and the answer converted back before the handler's hooks see it:
 *  - a stream arrives as OpenAI chat SSE: "data: <chunk>" events ending
 *    with "data: [DONE]" (missing when the upstream stream broke, so the
 *    handler's broken-stream ending applies);
 *  - a whole answer lands in resp as the OpenAI JSON object;
 *  - an error answer lands in resp as an OpenAI error body, same status.
 * A request the provider cannot express (say n = 2 for Anthropic) is
 * answered as if the upstream had said 400, without calling it.
 * Everything else about the call (failover, breaker, timeouts) is
 * relay.c's and the same for every type.
 */
#ifndef NX_ADAPT_H
#define NX_ADAPT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "providers/anthropic.h"
#include "providers/gemini.h"
#include "sse.h"

struct relay;
struct relay_call;

enum adapt_kind {
	AD_NONE,
	AD_ANT_CHAT,	/* chat -> anthropic /v1/messages */
	AD_GM_CHAT,	/* chat -> gemini generateContent */
	AD_GM_EMBED,	/* embeddings -> gemini batchEmbedContents */
	AD_CO_EMBED,	/* embeddings -> cohere /v2/embed */
};

struct adapt {
	enum adapt_kind	 kind;
	struct relay	*rl;
	struct relay_call *c;
	int		 stream;
	int		 status;
	int		 sse;		/* converting an SSE answer */
	int		 failed;	/* conversion ran out of memory */
	int		 too_large;	/* raw hit upstream_max_response */
	int		 bad_event;	/* a stream event was not convertible */
	int		 done_sent;	/* "[DONE]" went out */
	int		 b64;		/* embeddings: base64 wanted */
	int64_t		 est_tokens;
	char		 idbase[96];
	struct buf	 raw;		/* whole upstream answer */
	struct buf	 out;		/* converted SSE bytes */
	struct sse_parser sp;
	struct an_up_stream an;
	struct gm_up_stream gm;
	/* The collector that gets what the handler would have got. */
	int		(*fwd_status)(void *, int, const char *);
	int		(*fwd_data)(void *, const char *, size_t);
	int		(*fwd_tick)(void *);
	void		*fwd_arg;
};

/* What c needs on rl's current channel (AD_NONE: sent as it is). */
enum adapt_kind adapt_needed(const struct relay *rl,
	    const struct relay_call *c);

/*
 * Prepares a for one call: the provider's path (*path, arena), body
 * (*body, malloc'd by cJSON: cJSON_free) and extra headers (hdr[0..2],
 * *nh set; the credential header is relay.c's).  Returns ERR_OK;
 * ERR_BAD_REQUEST when the request cannot be expressed for this
 * provider, with resp holding the OpenAI 400 body to answer with;
 * ERR_NOMEM.
 */
enum err adapt_prepare(struct adapt *a, enum adapt_kind kind,
	    struct relay *rl, struct relay_call *c, struct buf *resp,
	    const char **path, char **body, const char **hdr, size_t *nh);

/* up_call hooks wrapping the collector's (set fwd_* first). */
int	 adapt_on_status(void *arg, int status, const char *ctype);
int	 adapt_on_data(void *arg, const char *p, size_t n);
int	 adapt_on_tick(void *arg);

/*
 * After the call: ends a converted stream (Gemini has no end marker) and
 * converts a whole answer or error body into resp.  Returns e, or
 * ERR_UPSTREAM when a 200 answer could not be converted.
 */
enum err adapt_finish(struct adapt *a, enum err e, struct buf *resp);

void	 adapt_free(struct adapt *a);

#endif
