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
