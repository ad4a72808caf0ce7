/*
 * cohere.c: rerank (in two dialects) and embeddings in the mock upstream.
 *
 * The Cohere provider: POST /v2/rerank (Cohere API v2), Bearer auth,
 * errors {"id","message"}.  The request is checked strictly as v2
 * defines it: model (a name containing "rerank", else 404), query,
 * documents as strings only, top_n and max_tokens_per_doc >= 1, and no
 * other member (a gateway that forwards return_documents or {text}
 * objects gets a 400).  The answer is {id, results[{index,
 * relevance_score}], meta{api_version, billed_units{search_units}}},
 * one search unit per 100 documents (rounded up).
 *
 * POST /v2/embed: Cohere's v2 embeddings (h_co_embed below).
 *
 * The Jina-style route of the OpenAI provider: POST /v1/rerank takes
 * the same request as the gateway (documents as strings or {text},
 * return_documents) and answers {model, results[{index,
 * relevance_score[, document{text}]}], usage{total_tokens}} with
 * total_tokens = the words of the query plus those of every document;
 * errors have OpenAI's shape.
 *
 * Scores are word overlap: the share of the query's words (runs of
 * letters and digits, compared case-insensitively) found in the
 * document; results are sorted by score, best first, ties by index.
 * Controls: X-Mock-* headers, a leading "[mock name=value ...]" in the
 * query (stripped before scoring), or for /v1/rerank a `user` member
 * "mock:name=value,..." (openai_embed.c).
 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "openai.h"

#define RR_MAX_DOCS	10000

static atomic_ullong	 rr_seq;

struct rr_hit {
	int	 index;
	double	 score;
};

/* The next word of *p (letters and digits); its length, 0 at the end. */
static size_t
next_word(const char **p, const char **start)
{
	const char	*s = *p;

	while (*s != '\0' && !isalnum((unsigned char)*s))
		s++;
	*start = s;
	while (isalnum((unsigned char)*s))
		s++;
	*p = s;
	return (size_t)(s - *start);
}

static int
has_word(const char *doc, const char *w, size_t n)
{
	const char	*p = doc, *st;
	size_t		 len;

	while ((len = next_word(&p, &st)) > 0)
		if (len == n && strncasecmp(st, w, n) == 0)
			return 1;
	return 0;
}

static long
count_words(const char *s)
{
	const char	*p = s, *st;
	long		 n = 0;

	while (next_word(&p, &st) > 0)
		n++;
	return n;
}

static double
overlap(const char *query, const char *doc)
{
	const char	*p = query, *st;
	size_t		 len;
	long		 n = 0, hits = 0;

	while ((len = next_word(&p, &st)) > 0) {
		n++;
		hits += has_word(doc, st, len);
	}
	return n > 0 ? (double)hits / (double)n : 0;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct rr_hit	*x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->index - y->index;
}

static const char *
doc_text(const cJSON *d)
{
	const cJSON	*t;

	if (cJSON_IsString(d))
		return d->valuestring;
	t = cJSON_GetObjectItemCaseSensitive(d, "text");
	return cJSON_IsObject(d) && cJSON_IsString(t) ? t->valuestring : NULL;
}

/* Error in Cohere's shape. */
static enum MHD_Result
co_fail(struct mock_req *req, unsigned int status, const char *msg)
{
	cJSON	*doc;
	char	 id[48];

	snprintf(id, sizeof(id), "mock-err-%llu",
	    (unsigned long long)atomic_fetch_add(&rr_seq, 1));
	if ((doc = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(doc, "id", id);
		cJSON_AddStringToObject(doc, "message", msg);
	}
	return mock_reply_json(req, status, doc, NULL);
}

static enum MHD_Result
rr_fail(struct mock_req *req, int cohere, unsigned int status,
    const char *param, const char *msg)
{
	if (cohere)
		return co_fail(req, status, msg);
	return oai_embed_fail(req, status, param, NULL, msg);
}

/*
 * Scores, sorts and answers; query is past any control prefix.  top_n
 * 0 means all.
 */
static enum MHD_Result
rr_answer(struct mock_req *req, int cohere, const char *model,
    const char *query, const cJSON *docs, long top_n, int retdocs)
{
	struct rr_hit	*h;
	const cJSON	*d;
	cJSON		*out, *res, *r, *m;
	char		 id[48];
	int		 n, i = 0;
	long		 tokens;

	n = cJSON_GetArraySize(docs);
	if ((h = calloc((size_t)n, sizeof(*h))) == NULL)
		return rr_fail(req, cohere, 500, NULL, "mock out of memory");
	tokens = count_words(query);
	cJSON_ArrayForEach(d, docs) {
		h[i].index = i;
		h[i].score = overlap(query, doc_text(d));
		tokens += count_words(doc_text(d));
		i++;
	}
	qsort(h, (size_t)n, sizeof(*h), hit_cmp);
	if (top_n <= 0 || top_n > n)
		top_n = n;
	snprintf(id, sizeof(id), "mock-rerank-%llu",
	    (unsigned long long)atomic_fetch_add(&rr_seq, 1));
	out = cJSON_CreateObject();
	if (cohere)
		cJSON_AddStringToObject(out, "id", id);
	else
		cJSON_AddStringToObject(out, "model", model);
	res = cJSON_AddArrayToObject(out, "results");
	for (i = 0; i < top_n && res != NULL; i++) {
		r = cJSON_CreateObject();
		cJSON_AddNumberToObject(r, "index", h[i].index);
		cJSON_AddNumberToObject(r, "relevance_score", h[i].score);
		if (retdocs && (m = cJSON_AddObjectToObject(r, "document")) !=
		    NULL)
			cJSON_AddStringToObject(m, "text", doc_text(
			    cJSON_GetArrayItem(docs, h[i].index)));
		cJSON_AddItemToArray(res, r);
	}
	free(h);
	if (cohere) {
		m = cJSON_AddObjectToObject(out, "meta");
		r = cJSON_AddObjectToObject(m, "api_version");
		cJSON_AddStringToObject(r, "version", "2");
		cJSON_AddFalseToObject(r, "is_experimental");
		r = cJSON_AddObjectToObject(m, "billed_units");
		cJSON_AddNumberToObject(r, "search_units", (n + 99) / 100);
	} else if (req->ctl.v[CTL_NO_USAGE] == 0) {
		m = cJSON_AddObjectToObject(out, "usage");
		cJSON_AddNumberToObject(m, "total_tokens", tokens);
	}
	return mock_reply_json(req, 200, out, NULL);
}

/* top_n / max_tokens_per_doc: absent (0) or an integer >= 1. */
static int
opt_pos(const cJSON *doc, const char *k, long *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(doc, k);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
	    v->valuedouble > 1e9 || v->valuedouble != (double)(long)
	    v->valuedouble)
		return -1;
	*out = (long)v->valuedouble;
	return 0;
}

/*
 * Checks the request of either dialect; answers (returns 1) on a bad
 * one, a control, an injected status.  Sets the fields on 0.
 */
static int
rr_check(struct mock_req *req, int cohere, const cJSON *doc,
    const char **model, const char **query, long *top_n, int *retdocs,
    char **keep, enum MHD_Result *ret)
{
	static const char *const v2[] = { "model", "query", "documents",
	    "top_n", "max_tokens_per_doc", NULL };
	const cJSON	*m, *q, *docs, *d, *u, *rd;
	char		 msg[200];
	size_t		 i;
	long		 mt;

	m = cJSON_GetObjectItemCaseSensitive(doc, "model");
	q = cJSON_GetObjectItemCaseSensitive(doc, "query");
	docs = cJSON_GetObjectItemCaseSensitive(doc, "documents");
	u = cJSON_GetObjectItemCaseSensitive(doc, "user");
	*query = cJSON_IsString(q) ? q->valuestring : "";
	if (!cohere && cJSON_IsString(u))
		oai_text_ctl(&req->ctl, u->valuestring, keep);
	else if (cJSON_IsString(q))
		*query += oai_text_ctl(&req->ctl, q->valuestring, keep);
	if (req->ctl.bad[0] != '\0')
		*ret = rr_fail(req, cohere, 400, NULL, req->ctl.bad);
	else if (ctl_isset(&req->ctl, CTL_STATUS)) {
		snprintf(msg, sizeof(msg), "mock injected HTTP status %ld",
		    req->ctl.v[CTL_STATUS]);
		*ret = rr_fail(req, cohere, (unsigned int)
		    req->ctl.v[CTL_STATUS], NULL, msg);
	} else if (ctl_isset(&req->ctl, CTL_BODY))
		*ret = mock_reply(req, 200, "application/json", req->ctl.body,
		    req->ctl.bodylen, NULL);
	else if (!cJSON_IsString(m) || m->valuestring[0] == '\0')
		*ret = rr_fail(req, cohere, 400, "model", "invalid request: "
		    "model must be a non-empty string");
	else if (cohere && strstr(m->valuestring, "rerank") == NULL) {
		snprintf(msg, sizeof(msg), "model '%.64s' not found, make sure "
		    "the model is correct", m->valuestring);
		*ret = co_fail(req, 404, msg);
	} else if (!cJSON_IsString(q) || (*query)[0] == '\0')
		*ret = rr_fail(req, cohere, 400, "query", "invalid request: "
		    "query must be a non-empty string");
	else if (!cJSON_IsArray(docs) || cJSON_GetArraySize(docs) == 0 ||
	    cJSON_GetArraySize(docs) > RR_MAX_DOCS)
		*ret = rr_fail(req, cohere, 400, "documents", "invalid "
		    "request: documents must be a non-empty list");
	else if (opt_pos(doc, "top_n", top_n) == -1 ||
	    opt_pos(doc, "max_tokens_per_doc", &mt) == -1)
		*ret = rr_fail(req, cohere, 400, "top_n", "invalid request: "
		    "top_n and max_tokens_per_doc must be integers >= 1");
	else {
		cJSON_ArrayForEach(d, docs)
			if (cohere ? !cJSON_IsString(d) : doc_text(d) == NULL)
				break;
		if (d != NULL) {
			*ret = rr_fail(req, cohere, 400, "documents", cohere ?
			    "invalid request: documents must be a list of "
			    "strings" : "invalid request: each document must "
			    "be a string or an object with a string text");
			return 1;
		}
		for (d = doc->child; cohere && d != NULL; d = d->next) {
			for (i = 0; v2[i] != NULL; i++)
				if (strcmp(d->string, v2[i]) == 0)
					break;
			if (v2[i] == NULL) {
				snprintf(msg, sizeof(msg), "invalid request: "
				    "unknown field '%.64s'", d->string);
				*ret = co_fail(req, 400, msg);
				return 1;
			}
		}
		rd = cJSON_GetObjectItemCaseSensitive(doc, "return_documents");
		*retdocs = cJSON_IsTrue(rd);
		*model = m->valuestring;
		return 0;
	}
	return 1;
}

static enum MHD_Result
rr_route(struct mock_req *req, int cohere)
{
	cJSON		*doc;
	const char	*model = NULL, *query = NULL;
	char		*keep = NULL;
	long		 top_n = 0;
	int		 retdocs = 0;
	enum MHD_Result	 ret;

	doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	if (!cJSON_IsObject(doc))
		ret = rr_fail(req, cohere, 400, NULL, "invalid request: the "
		    "body must be a JSON object");
	else if (!rr_check(req, cohere, doc, &model, &query, &top_n,
	    &retdocs, &keep, &ret))
		ret = rr_answer(req, cohere, model, query,
		    cJSON_GetObjectItemCaseSensitive(doc, "documents"), top_n,
		    retdocs);
	cJSON_Delete(doc);
	free(keep);
	return ret;
}

static enum MHD_Result
h_co_rerank(struct mock_req *req)
{
	return rr_route(req, 1);
}

enum MHD_Result
h_oai_rerank(struct mock_req *req)
{
	return rr_route(req, 0);
}

/* Bearer KEY, compared in time independent of the mismatch position. */
static int
co_auth(struct mock_req *req, const char *key, char *msg, size_t msgsz)
{
	const char	*h;
	size_t		 i, la, lb;
	unsigned char	 d;

	h = mock_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		snprintf(msg, msgsz, "no api key supplied");
		return -1;
	}
	h += 7;
	la = strlen(h);
	lb = strlen(key);
	d = la != lb;
	for (i = 0; i < la || i < lb; i++)
		d |= (unsigned char)(i < la ? h[i] : 0) ^
		    (unsigned char)(i < lb ? key[i] : 0);
	if (d == 0)
		return 0;
	snprintf(msg, msgsz, "invalid api token");
	return -1;
}

static enum MHD_Result
co_error(struct mock_req *req, unsigned int status, const char *msg)
{
	return co_fail(req, status, msg);
}

/*
 * POST /v2/embed (Cohere API v2): {model, texts (strings, 1..96),
 * input_type (required), embedding_types (["float"] only here),
 * output_dimension (256, 512, 1024 or 1536; default 1024)} ->
 * {id, embeddings {float [[...]]}, texts, meta {api_version,
 * billed_units {input_tokens}}}.  input_tokens = the words of every
 * text; vector values are a deterministic function of the text.
 */
static enum MHD_Result
h_co_embed(struct mock_req *req)
{
	static const char *const types[] = { "search_document",
	    "search_query", "classification", "clustering", "image" };
	cJSON		*doc, *out = NULL, *emb, *fl, *vec, *tx, *meta, *bu;
	const cJSON	*texts, *t, *it, *et, *od;
	unsigned long	 h;
	const char	*p;
	long		 dims = 1024, words = 0, i;
	size_t		 k;
	int		 ok = 0;
	char		 id[48];
	enum MHD_Result	 ret;

	doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	texts = cJSON_GetObjectItemCaseSensitive(doc, "texts");
	it = cJSON_GetObjectItemCaseSensitive(doc, "input_type");
	et = cJSON_GetObjectItemCaseSensitive(doc, "embedding_types");
	od = cJSON_GetObjectItemCaseSensitive(doc, "output_dimension");
	if (!cJSON_IsObject(doc)) {
		ret = co_fail(req, 400, "invalid request: the body must be a "
		    "JSON object");
		goto out;
	}
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "model"))) {
		ret = co_fail(req, 400, "invalid request: model is required");
		goto out;
	}
	if (!cJSON_IsArray(texts) || cJSON_GetArraySize(texts) < 1 ||
	    cJSON_GetArraySize(texts) > 96) {
		ret = co_fail(req, 400, "invalid request: texts must be an "
		    "array of 1 to 96 strings");
		goto out;
	}
	cJSON_ArrayForEach(t, texts)
		if (!cJSON_IsString(t)) {
			ret = co_fail(req, 400, "invalid request: texts must "
			    "be strings");
			goto out;
		}
	for (k = 0; cJSON_IsString(it) && k < sizeof(types) / sizeof(types[0]);
	    k++)
		if (strcmp(it->valuestring, types[k]) == 0)
			ok = 1;
	if (!ok) {
		ret = co_fail(req, 400, "invalid request: input_type is "
		    "required for embed models v3 and higher");
		goto out;
	}
	if (et != NULL && (!cJSON_IsArray(et) || cJSON_GetArraySize(et) != 1 ||
	    !cJSON_IsString(cJSON_GetArrayItem(et, 0)) ||
	    strcmp(cJSON_GetArrayItem(et, 0)->valuestring, "float") != 0)) {
		ret = co_fail(req, 400, "invalid request: this mock embeds "
		    "embedding_types [\"float\"] only");
		goto out;
	}
	if (od != NULL) {
		dims = cJSON_IsNumber(od) ? (long)od->valuedouble : 0;
		if (dims != 256 && dims != 512 && dims != 1024 &&
		    dims != 1536) {
			ret = co_fail(req, 400, "invalid request: "
			    "output_dimension must be 256, 512, 1024 or 1536");
			goto out;
		}
	}
	snprintf(id, sizeof(id), "mock-embed-%llu",
	    (unsigned long long)atomic_fetch_add(&rr_seq, 1));
	if ((out = cJSON_CreateObject()) == NULL)
		goto nomem;
	cJSON_AddStringToObject(out, "id", id);
	emb = cJSON_AddObjectToObject(out, "embeddings");
	fl = emb != NULL ? cJSON_AddArrayToObject(emb, "float") : NULL;
	tx = cJSON_AddArrayToObject(out, "texts");
	if (fl == NULL || tx == NULL)
		goto nomem;
	cJSON_ArrayForEach(t, texts) {
		cJSON_AddItemToArray(tx, cJSON_CreateString(t->valuestring));
		words += count_words(t->valuestring);
		if ((vec = cJSON_CreateArray()) == NULL)
			goto nomem;
		cJSON_AddItemToArray(fl, vec);
		for (h = 5381, p = t->valuestring; *p != '\0'; p++)
			h = h * 33 + (unsigned char)*p;
		for (i = 0; i < dims; i++) {
			h = h * 1103515245UL + 12345UL;
			cJSON_AddItemToArray(vec, cJSON_CreateNumber(
			    (double)((h >> 8) % 2001) / 1000.0 - 1.0));
		}
	}
	meta = cJSON_AddObjectToObject(out, "meta");
	bu = meta != NULL ? cJSON_AddObjectToObject(meta, "billed_units") :
	    NULL;
	if (bu == NULL)
		goto nomem;
	cJSON_AddNumberToObject(bu, "input_tokens", (double)words);
	ret = mock_reply_json(req, 200, out, NULL);
	out = NULL;
	goto out;
nomem:
	ret = co_fail(req, 500, "mock out of memory");
out:
	cJSON_Delete(out);
	cJSON_Delete(doc);
	return ret;
}

static const struct mock_route co_routes[] = {
	{ "POST", "/v2/rerank", 0, h_co_rerank },
	{ "POST", "/v2/embed", 0, h_co_embed },
	{ NULL, NULL, 0, NULL }
};

const struct mock_provider cohere_provider = {
	"cohere",
	"/v2/",
	co_routes,
	co_auth,
	co_error
};
