/*
 * cohere.c: rerank request and answer conversions (cohere.h).
 * References: Cohere API v2, POST /v2/rerank (request model, query,
 * documents as strings, top_n, max_tokens_per_doc; answer id,
 * results[{index, relevance_score}], meta.api_version,
 * meta.billed_units.search_units) and the Jina-style rerank answer
 * (results[{index, relevance_score, document}], usage.total_tokens)
 * that OpenAI-compatible rerank servers return.
 *
 * Upstream answers are untrusted: every index is checked against the
 * caller's document count and used at most once, every score must be a
 * finite number, and the number of results is capped by the document
 * count before anything is allocated.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "providers/cohere.h"

const char *
co_doc_text(const cJSON *d)
{
	const cJSON	*t;

	if (cJSON_IsString(d))
		return d->valuestring;
	if (!cJSON_IsObject(d))
		return NULL;
	t = cJSON_GetObjectItemCaseSensitive(d, "text");
	return cJSON_IsString(t) ? t->valuestring : NULL;
}

cJSON *
co_rerank_request(const cJSON *client, const char *up_model)
{
	const cJSON	*docs, *d, *v;
	const char	*text;
	cJSON		*o, *arr, *s;
	static const char *const keep[] = { "top_n", "max_tokens_per_doc" };
	size_t		 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(o, "model", up_model) == NULL)
		goto fail;
	v = cJSON_GetObjectItemCaseSensitive(client, "query");
	if (!cJSON_IsString(v) ||
	    cJSON_AddStringToObject(o, "query", v->valuestring) == NULL)
		goto fail;
	if ((arr = cJSON_AddArrayToObject(o, "documents")) == NULL)
		goto fail;
	docs = cJSON_GetObjectItemCaseSensitive(client, "documents");
	cJSON_ArrayForEach(d, docs) {
		if ((text = co_doc_text(d)) == NULL ||
		    (s = cJSON_CreateString(text)) == NULL)
			goto fail;
		cJSON_AddItemToArray(arr, s);
	}
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(client, keep[i]);
		if (cJSON_IsNumber(v) && cJSON_AddNumberToObject(o, keep[i],
		    v->valuedouble) == NULL)
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct co_hit	*x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* A count member of o as int64, or -1 when absent or not a count. */
static int64_t
count(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 1e15 ||
	    v->valuedouble != floor(v->valuedouble))
		return -1;
	return (int64_t)v->valuedouble;
}

/* Input tokens the upstream reported, in the places servers put them. */
static int64_t
reported_tokens(const cJSON *o)
{
	const cJSON	*u, *m;
	int64_t		 t;

	u = cJSON_GetObjectItemCaseSensitive(o, "usage");
	if ((t = count(u, "prompt_tokens")) >= 0 ||
	    (t = count(u, "input_tokens")) >= 0 ||
	    (t = count(u, "total_tokens")) >= 0)
		return t;
	m = cJSON_GetObjectItemCaseSensitive(o, "meta");
	if ((t = count(cJSON_GetObjectItemCaseSensitive(m, "tokens"),
	    "input_tokens")) >= 0 ||
	    (t = count(cJSON_GetObjectItemCaseSensitive(m, "billed_units"),
	    "input_tokens")) >= 0)
		return t;
	return -1;
}

int
co_rerank_parse(const char *body, size_t n, size_t ndocs,
    struct co_rerank *out)
{
	cJSON		*o = NULL;
	const cJSON	*res, *it, *idx, *sc, *id;
	unsigned char	*seen = NULL;
	size_t		 k = 0, cnt;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if (ndocs == 0 || ndocs > CO_RERANK_MAX_DOCS ||
	    (o = cJSON_ParseWithLength(body, n)) == NULL ||
	    !cJSON_IsObject(o))
		goto out;
	res = cJSON_GetObjectItemCaseSensitive(o, "results");
	if (!cJSON_IsArray(res) ||
	    (cnt = (size_t)cJSON_GetArraySize(res)) > ndocs)
		goto out;
	if ((seen = calloc(ndocs, 1)) == NULL ||
	    (cnt > 0 && (out->hits = calloc(cnt, sizeof(*out->hits))) ==
	    NULL))
		goto out;
	cJSON_ArrayForEach(it, res) {
		idx = cJSON_GetObjectItemCaseSensitive(it, "index");
		sc = cJSON_GetObjectItemCaseSensitive(it, "relevance_score");
		if (!cJSON_IsNumber(idx) || idx->valuedouble < 0 ||
		    idx->valuedouble >= (double)ndocs ||
		    idx->valuedouble != floor(idx->valuedouble) ||
		    !cJSON_IsNumber(sc) || !isfinite(sc->valuedouble))
			goto out;
		if (seen[(size_t)idx->valuedouble]++ != 0)
			goto out;
		out->hits[k].index = (int64_t)idx->valuedouble;
		out->hits[k].score = sc->valuedouble;
		k++;
	}
	out->nhits = k;
	if (k > 1)
		qsort(out->hits, k, sizeof(*out->hits), hit_cmp);
	out->tokens = reported_tokens(o);
	out->search_units = count(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "meta"), "billed_units"),
	    "search_units");
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (cJSON_IsString(id) && strlen(id->valuestring) < CO_ID_MAX)
		memcpy(out->id, id->valuestring, strlen(id->valuestring) + 1);
	rc = 0;
out:
	if (rc == -1) {
		free(out->hits);
		memset(out, 0, sizeof(*out));
	}
	free(seen);
	cJSON_Delete(o);
	return rc;
}

void
co_rerank_free(struct co_rerank *rr)
{
	if (rr == NULL)
		return;
	free(rr->hits);
	rr->hits = NULL;
	rr->nhits = 0;
}

/* One result object; NULL on allocation failure. */
static cJSON *
result(const struct co_hit *h, const cJSON *documents, int return_documents)
{
	cJSON		*r, *d;
	const char	*text;

	if ((r = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddNumberToObject(r, "index", (double)h->index) == NULL ||
	    cJSON_AddNumberToObject(r, "relevance_score", h->score) == NULL)
		goto fail;
	if (return_documents) {
		text = co_doc_text(cJSON_GetArrayItem(documents,
		    (int)h->index));
		if ((d = cJSON_AddObjectToObject(r, "document")) == NULL ||
		    cJSON_AddStringToObject(d, "text", text != NULL ? text :
		    "") == NULL)
			goto fail;
	}
	return r;
fail:
	cJSON_Delete(r);
	return NULL;
}

cJSON *
co_rerank_answer(const struct co_rerank *rr, const cJSON *documents,
    const char *model, const char *id, int64_t top_n, int return_documents,
    int64_t tokens)
{
	cJSON	*o, *arr, *r, *u, *m;
	size_t	 i, lim = rr->nhits;

	if (top_n > 0 && (uint64_t)top_n < lim)
		lim = (size_t)top_n;
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(o, "id", rr->id[0] != '\0' ? rr->id :
	    id) == NULL ||
	    cJSON_AddStringToObject(o, "model", model) == NULL ||
	    (arr = cJSON_AddArrayToObject(o, "results")) == NULL)
		goto fail;
	for (i = 0; i < lim; i++) {
		if ((r = result(&rr->hits[i], documents, return_documents)) ==
		    NULL)
			goto fail;
		cJSON_AddItemToArray(arr, r);
	}
	if ((u = cJSON_AddObjectToObject(o, "usage")) == NULL ||
	    cJSON_AddNumberToObject(u, "prompt_tokens", (double)tokens) ==
	    NULL ||
	    cJSON_AddNumberToObject(u, "total_tokens", (double)tokens) == NULL)
		goto fail;
	if (rr->search_units >= 0) {
		if ((m = cJSON_AddObjectToObject(o, "meta")) == NULL ||
		    (m = cJSON_AddObjectToObject(m, "billed_units")) == NULL ||
		    cJSON_AddNumberToObject(m, "search_units",
		    (double)rr->search_units) == NULL)
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

char *
co_error_message(const char *body, size_t n)
{
	cJSON		*o;
	const cJSON	*m;
	char		*s = NULL;
	size_t		 len;

	if ((o = cJSON_ParseWithLength(body, n)) == NULL)
		return NULL;
	m = cJSON_GetObjectItemCaseSensitive(o, "message");
	if (!cJSON_IsString(m))
		m = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(o, "error"), "message");
	if (cJSON_IsString(m) && m->valuestring[0] != '\0') {
		len = strlen(m->valuestring);
		if ((s = cJSON_malloc(len + 1)) != NULL)
			memcpy(s, m->valuestring, len + 1);
	}
	cJSON_Delete(o);
	return s;
}

enum co_conv
co_embed_request(const cJSON *req, const char *up_model, cJSON **out,
    char *param, size_t paramsz, char *msg, size_t msgsz)
{
	const cJSON	*in, *v, *d;
	cJSON		*o, *texts, *t;

	*out = NULL;
	in = cJSON_GetObjectItemCaseSensitive(req, "input");
	if ((o = cJSON_CreateObject()) == NULL)
		return CO_NOMEM;
	if (cJSON_AddStringToObject(o, "model", up_model) == NULL ||
	    (texts = cJSON_AddArrayToObject(o, "texts")) == NULL)
		goto nomem;
	if (cJSON_IsString(in)) {
		if ((t = cJSON_CreateString(in->valuestring)) == NULL)
			goto nomem;
		cJSON_AddItemToArray(texts, t);
	} else if (cJSON_IsArray(in)) {
		cJSON_ArrayForEach(v, in) {
			if (!cJSON_IsString(v)) {
				snprintf(param, paramsz, "input");
				snprintf(msg, msgsz, "Cohere channels embed "
				    "text only: 'input' must be a string or "
				    "an array of strings.");
				cJSON_Delete(o);
				return CO_INVALID;
			}
			if ((t = cJSON_CreateString(v->valuestring)) == NULL)
				goto nomem;
			cJSON_AddItemToArray(texts, t);
		}
	} else {
		snprintf(param, paramsz, "input");
		snprintf(msg, msgsz, "'input' must be a string or an array of "
		    "strings.");
		cJSON_Delete(o);
		return CO_INVALID;
	}
	if (cJSON_GetArraySize(texts) > CO_EMBED_MAX_TEXTS) {
		snprintf(param, paramsz, "input");
		snprintf(msg, msgsz, "Cohere channels embed at most %d texts "
		    "per request.", CO_EMBED_MAX_TEXTS);
		cJSON_Delete(o);
		return CO_INVALID;
	}
	/* v3+ models require input_type; documents is the neutral choice. */
	if (cJSON_AddStringToObject(o, "input_type", "search_document") ==
	    NULL || (t = cJSON_AddArrayToObject(o, "embedding_types")) ==
	    NULL || (d = cJSON_CreateString("float")) == NULL)
		goto nomem;
	cJSON_AddItemToArray(t, (cJSON *)d);
	v = cJSON_GetObjectItemCaseSensitive(req, "dimensions");
	if (cJSON_IsNumber(v) && cJSON_AddNumberToObject(o,
	    "output_dimension", v->valuedouble) == NULL)
		goto nomem;
	*out = o;
	return CO_OK;
nomem:
	cJSON_Delete(o);
	return CO_NOMEM;
}

cJSON *
co_embed_response(const cJSON *resp, const char *model, int64_t est_tokens)
{
	const cJSON	*emb, *fl, *vec, *x, *bu, *it;
	cJSON		*o, *data, *item, *arr, *u;
	int64_t		 tokens = est_tokens, i = 0;

	emb = cJSON_GetObjectItemCaseSensitive(resp, "embeddings");
	/* v2 answers {"float": [[...]]}; v1 style a bare array. */
	fl = cJSON_IsObject(emb) ? cJSON_GetObjectItemCaseSensitive(emb,
	    "float") : emb;
	if (!cJSON_IsArray(fl) || cJSON_GetArraySize(fl) == 0)
		return NULL;
	bu = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(resp, "meta"), "billed_units"),
	    "input_tokens");
	if (cJSON_IsNumber(bu) && bu->valuedouble >= 0 &&
	    bu->valuedouble < 1e12)
		tokens = (int64_t)bu->valuedouble;
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(o, "object", "list") == NULL ||
	    (data = cJSON_AddArrayToObject(o, "data")) == NULL)
		goto fail;
	cJSON_ArrayForEach(vec, fl) {
		if (!cJSON_IsArray(vec) || cJSON_GetArraySize(vec) == 0)
			goto fail;
		if ((item = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(data, item);
		if (cJSON_AddStringToObject(item, "object", "embedding") ==
		    NULL || cJSON_AddNumberToObject(item, "index",
		    (double)i++) == NULL ||
		    (arr = cJSON_AddArrayToObject(item, "embedding")) == NULL)
			goto fail;
		cJSON_ArrayForEach(x, vec) {
			if (!cJSON_IsNumber(x) ||
			    (it = cJSON_CreateNumber(x->valuedouble)) == NULL)
				goto fail;
			cJSON_AddItemToArray(arr, (cJSON *)it);
		}
	}
	if (cJSON_AddStringToObject(o, "model", model) == NULL ||
	    (u = cJSON_AddObjectToObject(o, "usage")) == NULL ||
	    cJSON_AddNumberToObject(u, "prompt_tokens", (double)tokens) ==
	    NULL || cJSON_AddNumberToObject(u, "total_tokens",
	    (double)tokens) == NULL)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

cJSON *
co_error_openai(const char *body, size_t n)
{
	cJSON	*o, *e;
	char	*m;

	if ((m = co_error_message(body, n)) == NULL)
		return NULL;
	if ((o = cJSON_CreateObject()) == NULL ||
	    (e = cJSON_AddObjectToObject(o, "error")) == NULL ||
	    cJSON_AddStringToObject(e, "message", m) == NULL ||
	    cJSON_AddStringToObject(e, "type", "invalid_request_error") ==
	    NULL || cJSON_AddNullToObject(e, "param") == NULL ||
	    cJSON_AddNullToObject(e, "code") == NULL) {
		cJSON_Delete(o);
		o = NULL;
	}
	cJSON_free(m);
	return o;
}
