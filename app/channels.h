/*
 * channels.h: which channel serves a request, and the circuit breaker
 * that keeps failing channels out of rotation (DESIGN.md 3 step 8).
 *
 * Choice: among candidates not yet tried in this request, the highest
 * priority wins; within it, weighted random.  A channel whose breaker is
 * open is skipped.  Breaker: breaker_threshold consecutive failures open
 * it for breaker_cooldown seconds; then exactly one request (the probe)
 * may try it: success closes it, failure opens it again.  The breaker
 * table lives in shared memory mapped by the master before fork, so all
 * workers of a host see the same state.
 */
#ifndef NX_CHANNELS_H
#define NX_CHANNELS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cfg;
struct channel;

/* Master, before forking: maps the breaker table.  0 or -1. */
int	 chan_global_init(void);
/*
 * Picks the next candidate: returns its index and sets tried[i], or
 * SIZE_MAX when none is left.  Candidates skipped for an open breaker are
 * marked in tried[] as 2 (not tried, never picked in this request).
 */
size_t	 chan_pick(const struct cfg *c, const struct channel *chans, size_t n,
	    unsigned char *tried);
/* Records the outcome of a call to channel id (1 ok, 0 failed). */
void	 chan_report(const struct cfg *c, int64_t id, int ok);
/* Picked but not called after all: frees a half-open probe it claimed. */
void	 chan_unclaim(const struct cfg *c, int64_t id);

struct arena;
struct up_conn;

/* base (trailing '/' dropped) joined with path, in a; NULL on cap. */
char	*chan_url(struct arena *a, const char *base, const char *path);
/* api-version of an azure channel whose other JSON names none. */
#define CHAN_AZURE_API_VERSION	"2024-10-21"
/*
 * The URL of path (an OpenAI-style "/v1/..." path, or a provider's own)
 * on channel ch for model (after mapping): base_url + path, except for
 * azure: base_url + "/openai/deployments/<model>" + path without "/v1"
 * + "?api-version=" (other.api_version or the default).  In a; NULL on
 * cap or a model name unfit for a URL.
 */
char	*chan_call_url(struct arena *a, const struct channel *ch,
	    const char *model, const char *path);
/* The credential header line for a channel type ("api-key: ..." for
 * azure, "x-api-key" anthropic, "x-goog-api-key" gemini, else Bearer). */
char	*chan_auth_header(struct arena *a, const char *type, const char *key);
/*
 * Probes channel ch (credential opened with secret): a one-token chat
 * request for test_model ("" = the channel's first model) in the type's
 * own dialect (a one-document rerank for cohere).  Sets *status (HTTP, 0
 * when none) and *ms.  ERR_OK when it answered 200; ERR_UPSTREAM,
 * ERR_TIMEOUT, or ERR_BAD_REQUEST when the credential does not open.
 */
enum err chan_probe(struct up_conn *u, struct arena *a,
	    const unsigned char *secret, const struct channel *ch,
	    const char *test_model, int *status, int64_t *ms);

struct chan_breaker {
	int64_t	 id;
	int	 failures;	/* consecutive */
	int64_t	 open_until;	/* unix ms; 0 closed */
	int	 half_open;	/* a probe may go / is going */
};
/*
 * Copies up to max breaker entries that are not plainly closed (failures
 * > 0 or open) into out; returns how many.  For status output.
 */
size_t	 chan_breakers(struct chan_breaker *out, size_t max);

#endif
