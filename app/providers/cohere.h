/*
 * cohere.h: rerank conversions.  A client speaks one rerank dialect to
 * the gateway (POST /v1/rerank: model, query, documents as strings or
 * {text}, top_n, return_documents); a `cohere` channel gets Cohere's v2
 * API (POST /v2/rerank, documents as plain strings, no
 * return_documents), any other channel the client's JSON (Jina style).
 * Both answer results[{index, relevance_score}]; Cohere adds
 * meta.billed_units.search_units, Jina-style servers usage.total_tokens.
 * This module reads either answer into struct co_rerank and renders the
 * gateway's answer from it.  Depends on cJSON only (no db, no FastCGI).
 */
#ifndef NX_PROVIDER_COHERE_H
#define NX_PROVIDER_COHERE_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

#define CO_RERANK_MAX_DOCS	1000	/* documents per request */
#define CO_ID_MAX		128	/* bytes of a kept upstream id */

struct co_hit {
	int64_t	 index;		/* into the caller's documents */
	double	 score;		/* relevance_score */
};

/* An upstream rerank answer, read by co_rerank_parse. */
struct co_rerank {
	struct co_hit	*hits;		/* malloc'd, sorted best first */
	size_t		 nhits;
	int64_t		 tokens;	/* input tokens reported, -1 none */
	int64_t		 search_units;	/* meta.billed_units, -1 none */
	char		 id[CO_ID_MAX];	/* "" when the upstream sent none */
};

/*
 * The text of one caller document: the string itself, or the "text"
 * member of an object.  NULL when d is neither (or has no text).
 */
const char	*co_doc_text(const struct cJSON *d);
/*
 * Builds Cohere's v2 rerank body from the client's validated request:
 * model = up_model, query, documents as strings, top_n and
 * max_tokens_per_doc when given; return_documents and unknown fields
 * are dropped (v2 rejects them).  Returns a new tree (caller deletes),
 * or NULL on allocation failure or a document without text.
 */
struct cJSON	*co_rerank_request(const struct cJSON *client,
		    const char *up_model);
/*
 * Reads an upstream rerank answer (Cohere v2 or Jina style) of n bytes
 * for a request of ndocs documents.  Every result must have an integer
 * index in [0, ndocs), used once, and a finite relevance_score; at most
 * ndocs results.  The hits are sorted by score, best first (ties by
 * index).  Returns 0, or -1 for anything else (out zeroed, nothing to
 * free).  Free a parsed answer with co_rerank_free.
 */
int		 co_rerank_parse(const char *body, size_t n, size_t ndocs,
		    struct co_rerank *out);
void		 co_rerank_free(struct co_rerank *rr);
/*
 * The gateway's answer (docs/decisions.md, "Rerank"):
 * {"id","model","results":[{"index","relevance_score"[,"document":
 * {"text"}]}],"usage":{"prompt_tokens","total_tokens"}[,"meta":
 * {"billed_units":{"search_units"}}]}.  At most top_n results (0: all);
 * documents are taken from the caller's own list, so return_documents
 * works whatever the upstream sends.  id is used when rr has none.
 * Returns a new tree (caller deletes), or NULL on allocation failure.
 */
struct cJSON	*co_rerank_answer(const struct co_rerank *rr,
		    const struct cJSON *documents, const char *model,
		    const char *id, int64_t top_n, int return_documents,
		    int64_t tokens);
/*
 * The message of an upstream error body: Cohere's {"message"} or
 * OpenAI's {"error":{"message"}}.  Returns malloc'd text (free with
 * cJSON_free), or NULL when there is none.  Not masked: the caller
 * masks keys and URLs before a client sees it.
 */
char		*co_error_message(const char *body, size_t n);

/*
 * Embeddings on a cohere channel (Cohere's v2 API, POST /v2/embed).
 * co_embed_request: an OpenAI embeddings request (input a string or an
 * array of strings, at most CO_EMBED_MAX_TEXTS; token arrays are
 * CO_INVALID with param and msg) -> {model, texts, input_type
 * "search_document", embedding_types ["float"], output_dimension from
 * dimensions}.  co_embed_response: Cohere's {embeddings {float [[...]]},
 * meta.billed_units.input_tokens} -> the OpenAI embedding list (usage
 * from billed_units, else est_tokens); NULL when malformed.
 * co_error_openai: a Cohere error body -> an OpenAI error object, NULL
 * when it has no message.
 */
#define CO_EMBED_MAX_TEXTS	96
enum co_conv { CO_OK = 0, CO_NOMEM = -1, CO_INVALID = 1 };
enum co_conv	 co_embed_request(const struct cJSON *req,
		    const char *up_model, struct cJSON **out, char *param,
		    size_t paramsz, char *msg, size_t msgsz);
struct cJSON	*co_embed_response(const struct cJSON *resp,
		    const char *model, int64_t est_tokens);
struct cJSON	*co_error_openai(const char *body, size_t n);
#endif
