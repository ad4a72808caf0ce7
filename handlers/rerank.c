/*
 * rerank.c: POST /v1/rerank.  The request is {model, query, documents
 * (strings or {text}), top_n, return_documents[, max_tokens_per_doc]};
 * the answer is sorted by relevance_score, best first, each result's
 * index pointing into the caller's documents (docs/decisions.md,
 * "Rerank", has the shape).
 *
 * Channels speak one of two protocols: a `cohere` channel gets Cohere's
 * v2 API (POST {base}/v2/rerank, body built by co_rerank_request), any
 * other channel the client's JSON at {base}/v1/rerank (Jina style, as
 * OpenAI-compatible rerank servers take it).  Both bodies are built once;
 * one relay_call does the failover (breaker, auto-disable included) and
 * its before hook gives each channel it tries the path and body of that
 * channel's protocol, so mixed channel types fail over in the usual order.
 *
 * Billing is on input tokens: the upstream's count when it reports one
 * (usage.prompt_tokens / total_tokens, meta.tokens.input_tokens), else
 * the estimate of the query plus every document.  Cohere's search_units
 * are kept in the log row's detail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "handlers/embeddings.h"
#include "handlers/handlers.h"
#include "log.h"
#include "providers/cohere.h"
#include "relay.h"
#include "request.h"
#include "tokens.h"

static int
opt_count(const cJSON *o, const char *k, int64_t lo, int64_t hi,
    int64_t *out, struct h_verr *e)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)lo ||
	    v->valuedouble > (double)hi ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return h_verr_set(e, k, "Invalid '%s': expected an integer "
		    "from %lld to %lld.", k, (long long)lo, (long long)hi);
	*out = (int64_t)v->valuedouble;
	return 0;
}

int
h_rerank_validate(const cJSON *o, struct rerank_req *rr, struct h_verr *e)
{
	const cJSON	*v, *d;
	int64_t		 unused = 0;
	int		 n, i = 0;

	memset(rr, 0, sizeof(*rr));
	if (h_model_field(o, NULL, &rr->model, e) == -1)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "query");
	if (v == NULL)
		return h_verr_set(e, "query", "Missing required parameter: "
		    "'query'.");
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    strlen(v->valuestring) > RERANK_MAX_QUERY)
		return h_verr_set(e, "query", "Invalid 'query': expected a "
		    "non-empty string of at most %d bytes.", RERANK_MAX_QUERY);
	rr->query = v->valuestring;
	rr->documents = v = cJSON_GetObjectItemCaseSensitive(o, "documents");
	if (v == NULL)
		return h_verr_set(e, "documents", "Missing required "
		    "parameter: 'documents'.");
	if (!cJSON_IsArray(v) || (n = cJSON_GetArraySize(v)) == 0 ||
	    n > CO_RERANK_MAX_DOCS)
		return h_verr_set(e, "documents", "Invalid 'documents': "
		    "expected an array of 1 to %d documents.",
		    CO_RERANK_MAX_DOCS);
	rr->ndocs = (size_t)n;
	rr->est_tokens = tok_estimate(rr->query, strlen(rr->query));
	cJSON_ArrayForEach(d, v) {
		if (co_doc_text(d) == NULL)
			return h_verr_set(e, "documents", "Invalid "
			    "'documents[%d]': expected a string or an object "
			    "with a string 'text'.", i);
		rr->est_tokens += tok_estimate(co_doc_text(d),
		    strlen(co_doc_text(d)));
		i++;
	}
	if (opt_count(o, "top_n", 1, CO_RERANK_MAX_DOCS, &rr->top_n, e) ==
	    -1 || opt_count(o, "max_tokens_per_doc", 1, 1000000, &unused,
	    e) == -1)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "return_documents");
	if (v != NULL && !cJSON_IsNull(v)) {
		if (!cJSON_IsBool(v))
			return h_verr_set(e, "return_documents", "Invalid "
			    "'return_documents': expected a boolean.");
		rr->return_documents = cJSON_IsTrue(v);
	}
	return 0;
}

static int
is_cohere(const struct channel *ch)
{
	return strcmp(ch->type, "cohere") == 0;
}

/* The two upstream bodies, for rr_before. */
struct rr_bodies {
	cJSON	*client;	/* the client's JSON: /v1/rerank */
	cJSON	*cohere;	/* Cohere v2: /v2/rerank */
};

/* relay_call's before hook: path and body for the chosen channel's type. */
static int
rr_before(void *arg, struct relay *rl, struct relay_call *c)
{
	struct rr_bodies *b = arg;
	int		 co = is_cohere(rl->ch);

	c->path = co ? "/v2/rerank" : "/v1/rerank";
	c->json = co ? b->cohere : b->client;
	return 0;
}

static enum err
rerank_answer(struct req *r, struct relay *rl, const struct rerank_req *rr,
    const struct buf *resp)
{
	struct co_rerank res;
	cJSON		*o;
	int64_t		 tokens;
	enum err	 e;

	if (co_rerank_parse(resp->p, resp->len, rr->ndocs, &res) == -1) {
		log_warn(r->rid, "channel %lld: unusable rerank answer",
		    (long long)rl->ch->id);
		return ERR_UPSTREAM;
	}
	tokens = rr->est_tokens;
	if (res.tokens >= 0) {
		tokens = res.tokens;
		rl->usage.prompt = res.tokens;
		rl->usage_upstream = 1;
	}
	if (res.search_units >= 0 &&
	    (rl->log_extra = cJSON_CreateObject()) != NULL) {
		arena_defer(r->a, h_cjson_delete, rl->log_extra);
		cJSON_AddNumberToObject(rl->log_extra, "search_units",
		    (double)res.search_units);
	}
	o = co_rerank_answer(&res, rr->documents, rl->model,
	    arena_printf(r->a, "rerank-%s", r->rid), rr->top_n,
	    rr->return_documents, tokens);
	co_rerank_free(&res);
	if (o == NULL)
		return ERR_NOMEM;
	arena_defer(r->a, h_cjson_delete, o);
	rl->delivered = 1;
	if ((e = h_send_cjson(r, 200, o)) != ERR_OK)
		rl->delivered = 0;
	return e;
}

enum err
h_rerank(struct req *r)
{
	struct rerank_req rr;
	struct rr_bodies bodies;
	struct relay_call c;
	struct h_verr	 ve;
	struct relay	*rl;
	struct buf	*resp;
	cJSON		*o, *cohere;
	const char	*model, *ecode = NULL;
	int		 status = 0;
	enum err	 e;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if (h_rerank_validate(o, &rr, &ve) == -1)
		return h_bad_field(r, ve.param, "%s", ve.msg);
	if ((model = arena_strdup(r->a, rr.model)) == NULL ||
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL ||
	    (resp = arena_alloc(r->a, sizeof(*resp))) == NULL)
		return ERR_NOMEM;
	/* Built before relay_call rewrites "model" in the client's tree. */
	if ((cohere = co_rerank_request(o, model)) == NULL)
		return ERR_NOMEM;
	arena_defer(r->a, h_cjson_delete, cohere);
	if ((e = relay_prepare(rl, r, model, 0, rr.est_tokens, 0)) != ERR_OK)
		return h_relay_refused(r, e, model);
	buf_init(resp, (size_t)r->cfg->upstream_max_response);
	arena_defer(r->a, buf_free, resp);

	bodies.client = o;
	bodies.cohere = cohere;
	memset(&c, 0, sizeof(c));
	c.accept = "application/json";
	c.before = rr_before;
	c.arg = &bodies;
	e = relay_call(rl, &c, resp, &status);
	if (h_upstream_ok(r, &e, status, resp, &ecode))
		e = rerank_answer(r, rl, &rr, resp);
	return h_settle(rl, e, status, ecode);
}
