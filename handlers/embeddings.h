/*
 * embeddings.h: the pure cores of the input-token endpoints
 * (embeddings.c, moderations.c, rerank.c): request validators, the
 * float <-> base64 conversion of embeddings and the completion of
 * moderation results.  No FastCGI and no database here, so that
 * tests/unit/test_embeddings.c runs them on tables of cases.
 *
 * Every validator reads a parsed JSON body, fills its typed struct
 * (pointers into the tree, which must outlive it) and returns 0, or -1
 * with e naming the offending field (param) and why (msg).
 */
#ifndef NX_HANDLERS_EMBEDDINGS_H
#define NX_HANDLERS_EMBEDDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cJSON;
struct buf;
struct req;

/* One validation failure: the 400's param and message. */
struct h_verr {
	char	 param[64];
	char	 msg[320];
};

/* ---- POST /v1/embeddings (CreateEmbeddingRequest) ---- */

#define EMB_MAX_INPUTS		2048	/* array items */
#define EMB_MAX_INPUT_TOKENS	8192	/* per input, OpenAI models */
#define EMB_MAX_TOTAL_TOKENS	300000	/* summed over the inputs */
#define EMB_MAX_DIMENSIONS	65536	/* models the gateway does not know */
#define EMB_MAX_TOKEN_ID	2147483647

struct emb_req {
	const char	*model;
	int		 base64;	/* the client asked encoding base64 */
	int64_t		 dimensions;	/* 0: not given */
	size_t		 ninputs;	/* embeddings the answer must hold */
	int64_t		 est_tokens;	/* token ids exact, text estimated */
};

int	 h_emb_validate(const struct cJSON *o, struct emb_req *er,
	    struct h_verr *e);
/*
 * Largest `dimensions` model accepts: 3072 for text-embedding-3-large
 * (and other text-embedding-3-*), 1536 for text-embedding-3-small, 0
 * for older text-embedding-* models (ada-002: not supported), and
 * EMB_MAX_DIMENSIONS for models the gateway has no table for.
 */
int64_t	 h_emb_dims_max(const char *model);
/*
 * Base64 of the little-endian float32 values of arr, an array of
 * numbers (OpenAI's base64 encoding_format).  Returns malloc'd text
 * (*len bytes, NUL-terminated), or NULL when arr is not an array of
 * finite numbers, longer than 1<<24, or memory ran out.
 */
char	*h_emb_b64_encode(const struct cJSON *arr, size_t *len);
/*
 * The inverse: an array of numbers from base64 text of float32 values.
 * NULL when s is not canonical base64 (padding only at the end, length
 * a multiple of 4, whole floats), decodes to a non-finite value, is
 * longer than cap bytes, or memory ran out.
 */
struct cJSON *h_emb_b64_decode(const char *s, size_t cap);
/*
 * Puts every data[].embedding of an upstream CreateEmbeddingResponse in
 * the client's format: numbers become base64 when base64 is set, a
 * base64 string becomes numbers when it is not; each item gets
 * object "embedding" and its index if missing.  Returns the number of
 * embeddings, or -1 when resp has no data array or an embedding is
 * neither numbers nor base64 (the upstream answered garbage).
 */
int	 h_emb_convert(struct cJSON *resp, int base64);

/* ---- POST /v1/moderations (CreateModerationRequest) ---- */

#define MOD_MAX_INPUTS		2048
#define MOD_DEFAULT_MODEL	"omni-moderation-latest"
#define MOD_IMAGE_TOKENS	765	/* as a chat image part */

struct mod_req {
	const char	*model;		/* MOD_DEFAULT_MODEL when absent */
	int		 model_given;
	int		 has_text;
	int		 has_image;
	size_t		 nresults;	/* results the answer must hold */
	int64_t		 est_tokens;
};

int	 h_mod_validate(const struct cJSON *o, struct mod_req *mr,
	    struct h_verr *e);
/*
 * Completes an upstream CreateModerationResponse: every result gets all
 * 13 categories (missing: false), category_scores (missing: 0),
 * category_applied_input_types (missing: the input types of the request
 * that the category applies to) and flagged (missing: any category);
 * id and model are set when absent.  Returns 0, or -1 when resp has no
 * results array of objects.
 */
int	 h_mod_fill(struct cJSON *resp, const struct mod_req *mr,
	    const char *id);

/* ---- POST /v1/rerank ---- */

#define RERANK_MAX_QUERY	(64 * 1024)	/* bytes */

struct rerank_req {
	const char		*model;
	const char		*query;
	const struct cJSON	*documents;
	size_t			 ndocs;
	int64_t			 top_n;		/* 0: all */
	int			 return_documents;
	int64_t			 est_tokens;	/* query + every document */
};

int	 h_rerank_validate(const struct cJSON *o, struct rerank_req *rr,
	    struct h_verr *e);

/* ---- shared by the three handlers ---- */

/* Fills e (param, printf-style message); returns -1 for validators. */
int	 h_verr_set(struct h_verr *e, const char *param, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/*
 * The model member: required (or, when def is non-NULL, defaulting to
 * def), a non-empty string of at most 128 bytes.  0 or -1 with e.
 */
int	 h_model_field(const struct cJSON *o, const char *def,
	    const char **model, struct h_verr *e);
/*
 * Answers the client for an upstream status >= 400 that relay_call did
 * not retry (the client's fault): the upstream's message, masked, with
 * its status, in the OpenAI error shape (Cohere's {"message"} is
 * converted).  Returns ERR_OK when an answer was sent, ERR_UPSTREAM
 * when the body had no usable message (the caller sends a 502).
 */
enum err h_pass_upstream_error(struct req *r, int status, const char *body,
	    size_t n);
/*
 * Classifies the outcome of a JSON relay_call: 1 when it is a 200 whose
 * body the caller renders; else 0 with *e set: the upstream's 4xx passed
 * through (ERR_OK, *ecode "upstream_client_error"), ERR_UPSTREAM for any
 * other status, or the call's own error left as it was.
 */
int	 h_upstream_ok(struct req *r, enum err *e, int status,
	    const struct buf *resp, const char **ecode);

#include "relay.h"
/*
 * One call of a JSON input-token endpoint (embeddings, moderations):
 * the caller fills c (path, json, proto...); h_json_relay holds est
 * tokens for model, runs c with failover and classifies the outcome
 * (h_upstream_ok).  Returns -1 when the relay refused (*e is what the
 * handler returns; nothing held, nothing to settle); 1 when resp holds
 * the upstream's 200 answer for the caller to render; 0 otherwise (*e
 * set).  After 0 or 1 the caller ends with h_settle(rl, e, status,
 * ecode).
 */
struct h_json_call {
	struct relay_call	 c;
	struct relay		*rl;
	struct buf		*resp;
	int			 status;
	const char		*ecode;
};
int	 h_json_relay(struct req *r, const char *model, int64_t est,
	    struct h_json_call *j, enum err *e);

#endif
