/*
 * gemini.c: the Gemini provider of the mock upstream (the Generative
 * Language API, v1beta): routes, API-key authentication, Google's error
 * shape, the controls, models, token counting, embeddings and the plan
 * of a generation.  Validating requests is gemini_check.c's job,
 * rendering a generation (whole or streamed) gemini_gen.c's.
 *
 * Routes: GET /v1beta/models, GET /v1beta/models/{m}, and POST
 * /v1beta/models/{m}:{generateContent, streamGenerateContent,
 * countTokens, embedContent, batchEmbedContents}.  The key comes from
 * `x-goog-api-key` or `?key=`; a missing key is 403 PERMISSION_DENIED
 * and a wrong one 400 INVALID_ARGUMENT (reason API_KEY_INVALID), as
 * Google answers.  Errors are {"error":{"code","message","status"}}.
 * A listed model asked for a method it lacks (an embedding model to
 * generate, say) is 404 NOT_FOUND; unlisted model names are served.
 * Controls: X-Mock-* headers and a "[mock name=value ...]" prefix at
 * the start of a text part (the last one wins); README.md has the
 * answer's rules.  Veo's predictLongRunning, its operations and the
 * video files are gemini_veo.c's.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gemini.h"

#define GM_MAX_BATCH	250

/* Models the mock lists; methods as Google lists them. */
static const struct gm_model {
	const char	*name;
	const char	*display;
	long		 in;
	long		 out;
	int		 embed;
	int		 thinking;
} gm_models[] = {
	{ "gemini-2.5-pro", "Gemini 2.5 Pro", 1048576, 65536, 0, 1 },
	{ "gemini-2.5-flash", "Gemini 2.5 Flash", 1048576, 65536, 0, 1 },
	{ "gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 1048576, 65536, 0,
	    1 },
	{ "gemini-2.0-flash", "Gemini 2.0 Flash", 1048576, 8192, 0, 0 },
	{ "gemini-embedding-001", "Gemini Embedding 001", 2048, 1, 3072, 0 },
	{ "text-embedding-004", "Text Embedding 004", 2048, 1, 768, 0 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

static atomic_ullong	 gm_seq;

static const char *
gm_status(unsigned int code)
{
	switch (code) {
	case 400:
		return "INVALID_ARGUMENT";
	case 401:
		return "UNAUTHENTICATED";
	case 403:
		return "PERMISSION_DENIED";
	case 404:
		return "NOT_FOUND";
	case 409:
		return "ABORTED";
	case 429:
		return "RESOURCE_EXHAUSTED";
	case 499:
		return "CANCELLED";
	case 500:
		return "INTERNAL";
	case 501:
		return "UNIMPLEMENTED";
	case 503:
		return "UNAVAILABLE";
	case 504:
		return "DEADLINE_EXCEEDED";
	default:
		return code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
	}
}

cJSON *
gm_error_doc(unsigned int status, const char *msg)
{
	cJSON	*doc, *e;

	if ((doc = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((e = cJSON_AddObjectToObject(doc, "error")) != NULL) {
		cJSON_AddNumberToObject(e, "code", status);
		cJSON_AddStringToObject(e, "message", msg);
		cJSON_AddStringToObject(e, "status", gm_status(status));
	}
	return doc;
}

/* Adds details[] {"@type": type, ...} to the error; returns the item. */
static cJSON *
gm_detail(cJSON *doc, const char *type)
{
	cJSON	*e, *d, *it;

	e = cJSON_GetObjectItemCaseSensitive(doc, "error");

	if (e == NULL)
		return NULL;
	if ((d = cJSON_GetObjectItemCaseSensitive(e, "details")) == NULL)
		d = cJSON_AddArrayToObject(e, "details");
	if (d == NULL || (it = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(it, "@type", type);
	cJSON_AddItemToArray(d, it);
	return it;
}

static enum MHD_Result
gm_fail(struct mock_req *req, unsigned int status, const char *msg)
{
	return mock_reply_json(req, status, gm_error_doc(status, msg), NULL);
}

/*
 * The server core reports every rejected key as 401; Google answers a
 * missing key with 403 and a wrong one with 400 (gm_auth's messages).
 */
static enum MHD_Result
gm_error(struct mock_req *req, unsigned int status, const char *msg)
{
	cJSON	*doc, *d, *md;

	if (status != 401)
		return gm_fail(req, status, msg);
	if (strncmp(msg, "Method doesn't", 14) == 0)
		return gm_fail(req, 403, msg);
	doc = gm_error_doc(400, msg);
	if ((d = gm_detail(doc, "type.googleapis.com/google.rpc.ErrorInfo")) !=
	    NULL) {
		cJSON_AddStringToObject(d, "reason", "API_KEY_INVALID");
		cJSON_AddStringToObject(d, "domain", "googleapis.com");
		md = cJSON_AddObjectToObject(d, "metadata");
		cJSON_AddStringToObject(md, "service",
		    "generativelanguage.googleapis.com");
	}
	if ((d = gm_detail(doc,
	    "type.googleapis.com/google.rpc.LocalizedMessage")) != NULL) {
		cJSON_AddStringToObject(d, "locale", "en-US");
		cJSON_AddStringToObject(d, "message", msg);
	}
	return mock_reply_json(req, 400, doc, NULL);
}

static int
gm_auth(struct mock_req *req, const char *key, char *msg, size_t msgsz)
{
	const char	*h = mock_header(req, "x-goog-api-key");
	size_t		 la, lb, i;
	unsigned char	 d;

	if (h == NULL)
		h = mock_query(req, "key");
	if (h == NULL || *h == '\0') {
		snprintf(msg, msgsz, "Method doesn't allow unregistered "
		    "callers (callers without established identity). Please "
		    "use API Key or other form of API consumer identity to "
		    "call this API.");
		return -1;
	}
	la = strlen(h);
	lb = strlen(key);
	d = la != lb;
	for (i = 0; i < la || i < lb; i++)
		d |= (unsigned char)(i < la ? h[i] : 0) ^
		    (unsigned char)(i < lb ? key[i] : 0);
	if (d == 0)
		return 0;
	snprintf(msg, msgsz, "API key not valid. Please pass a valid API "
	    "key.");
	return -1;
}

/* The status control, with Google's messages. */
static enum MHD_Result
gm_inject(struct mock_req *req)
{
	static const struct {
		unsigned int	 code;
		const char	*msg;
	} msgs[] = {
		{ 400, "Request contains an invalid argument." },
		{ 401, "Request had invalid authentication credentials. "
		    "Expected OAuth 2 access token, login cookie or other "
		    "valid authentication credential." },
		{ 403, "The caller does not have permission" },
		{ 404, "Requested entity was not found." },
		{ 429, "Resource has been exhausted (e.g. check quota)." },
		{ 500, "An internal error has occurred. Please retry or report "
		    "in https://developers.generativeai.google/guide/"
		    "troubleshooting" },
		{ 503, "The model is overloaded. Please try again later." },
		{ 504, "Deadline expired before operation could complete." },
		{ 0, NULL }
	};
	unsigned int	 st = (unsigned int)req->ctl.v[CTL_STATUS];
	const char	*hdrs[3] = { NULL, NULL, NULL };
	char		 msg[96], ra[24];
	cJSON		*doc, *d;
	size_t		 i;

	for (i = 0; msgs[i].code != 0 && msgs[i].code != st; i++)
		continue;
	snprintf(msg, sizeof(msg), "mock injected HTTP status %u", st);
	doc = gm_error_doc(st, msgs[i].code != 0 ? msgs[i].msg : msg);
	if (ctl_isset(&req->ctl, CTL_RETRY_AFTER)) {
		snprintf(ra, sizeof(ra), "%ld", req->ctl.v[CTL_RETRY_AFTER]);
		hdrs[0] = "retry-after";
		hdrs[1] = ra;
		if (st == 429 && (d = gm_detail(doc,
		    "type.googleapis.com/google.rpc.RetryInfo")) != NULL) {
			snprintf(msg, sizeof(msg), "%lds",
			    req->ctl.v[CTL_RETRY_AFTER]);
			cJSON_AddStringToObject(d, "retryDelay", msg);
		}
	}
	return mock_reply_json(req, st, doc, hdrs);
}


/*
 * Parses the body, reads its prefix controls (from the text that
 * prefix() finds) and answers a bad control, an injected status or a
 * canned body.  Returns 1 with *ret when a reply was queued.
 */
static int
gm_begin(struct mock_req *req, cJSON **doc, const char *text, char **keep,
    int stream, enum MHD_Result *ret)
{
	if (text != NULL)
		gen_prefix_ctl(&req->ctl, text, keep);
	if (req->ctl.bad[0] != '\0')
		*ret = gm_fail(req, 400, req->ctl.bad);
	else if (ctl_isset(&req->ctl, CTL_STATUS))
		*ret = gm_inject(req);
	else if (ctl_isset(&req->ctl, CTL_BODY))
		*ret = stream ? sse_raw(req, req->ctl.body, req->ctl.bodylen,
		    NULL) : mock_reply(req, 200, "application/json",
		    req->ctl.body, req->ctl.bodylen, NULL);
	else if (!cJSON_IsObject(*doc))
		*ret = gm_fail(req, 400, "Invalid JSON payload received. "
		    "Expected an object.");
	else
		return 0;
	return 1;
}

static const struct gm_model *
gm_find(const char *name)
{
	const struct gm_model	*m;

	for (m = gm_models; m->name != NULL; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

/* 404 for a listed model that does not support method. */
static int
gm_unsupported(const char *model, int embed)
{
	const struct gm_model	*m = gm_find(model);

	return m != NULL && (m->embed != 0) != embed;
}

static enum MHD_Result
gm_not_found(struct mock_req *req, const char *model, const char *method)
{
	char	 msg[320];

	snprintf(msg, sizeof(msg), "models/%.100s is not found for API "
	    "version v1beta, or is not supported for %s. Call ListModels to "
	    "see the list of available models and their supported methods.",
	    model, method);
	return gm_fail(req, 404, msg);
}

/* Decides the answer of g from the validated request and controls. */
static int
gm_plan(struct gm_gen *g, struct gm_chk *k, const struct mock_ctl *ctl)
{
	const cJSON	*fd, *a, *pick[64];
	cJSON		*obj;
	char		*json;
	long		 kk = ctl->v[CTL_CHUNKS], n, i;
	size_t		 np = 0, j;
	int		 rc;

	g->ncand = k->ncand;
	g->usage = ctl->v[CTL_NO_USAGE] == 0;
	g->cache_read = ctl->v[CTL_CACHE_READ];
	g->prompt_tokens = k->prompt_tokens;
	if ((g->block = (int)ctl->v[CTL_BLOCK]) != 0)
		return 0;
	if (k->thinking) {
		g->g.nthink = k->think_budget > 0 && k->think_budget < kk ?
		    k->think_budget : kk;
		g->thought_tokens = g->g.nthink;
		g->thoughts = k->thoughts;
	}
	for (j = 0; j < k->ndecls; j++) {
		fd = k->decls[j];
		cJSON_ArrayForEach(a, k->allowed)
			if (cJSON_IsString(a) && strcmp(a->valuestring,
			    gget(fd, "name")->valuestring) == 0)
				break;
		if (k->allowed == NULL || a != NULL)
			pick[np++] = fd;
	}
	for (j = 0; np == 0 && j < k->ndecls; j++)
		pick[np++] = k->decls[j];
	if (np > 0 && (k->mode == GM_ANY || (k->mode == GM_AUTO &&
	    ctl->v[CTL_TOOL_CALL] == 1 && !k->last_response))) {
		n = ctl->v[CTL_TOOL_CALLS];
		for (i = 0; i < n; i++) {
			fd = pick[(size_t)i % np];
			a = gget(fd, "parameters");
			if (a == NULL)
				a = gget(fd, "parametersJsonSchema");
			if (gen_call_add(&g->g, gget(fd, "name")->valuestring,
			    a, kk, "") == -1)
				return -1;
		}
		g->g.stop = GEN_TOOL;
		return 0;
	}
	if (!k->json)
		return gen_text(&g->g, k->last_response ? k->lead.p : NULL,
		    kk, k->max_out, k->stops, k->nstops,
		    ctl->v[CTL_EMIT_STOP]);
	/* JSON mode: the schema's sample, or {"text": "w1 ... wK"}. */
	if (k->schema != NULL && cJSON_IsObject(gget(k->schema,
	    "properties"))) {
		obj = cJSON_CreateObject();
		cJSON_ArrayForEach(a, gget(k->schema, "properties"))
			cJSON_AddItemToObject(obj, a->string, gen_sample(a));
	} else if (k->schema != NULL)
		obj = gen_sample(k->schema);
	else {
		struct gen	 t;

		gen_init(&t);
		rc = gen_text(&t, NULL, kk, 1L << 30, NULL, 0, 0);
		obj = cJSON_CreateObject();
		cJSON_AddStringToObject(obj, "text", t.text.p != NULL ?
		    t.text.p : "");
		gen_free(&t);
		if (rc == -1) {
			cJSON_Delete(obj);
			return -1;
		}
	}
	json = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	if (json == NULL)
		return -1;
	rc = gen_text_pieces(&g->g, json, kk);
	free(json);
	return rc;
}


static enum MHD_Result
gm_generate(struct mock_req *req, const char *model, int stream)
{
	struct gm_gen	*g;
	struct gm_chk	 k;
	char		*keep = NULL;
	const char	*alt;
	enum MHD_Result	 ret;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return gm_fail(req, 500, "mock out of memory");
	gen_init(&g->g);
	snprintf(g->model, sizeof(g->model), "%s", model);
	snprintf(g->id, sizeof(g->id), "mockresp%010llu",
	    (unsigned long long)atomic_fetch_add(&gm_seq, 1));
	alt = mock_query(req, "alt");
	g->array = stream && (alt == NULL || strcmp(alt, "sse") != 0);
	g->doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	gm_chk_init(&k, g->doc, "GenerateContentRequest");
	if (gm_begin(req, &g->doc, gm_prefix_text(g->doc), &keep, stream &&
	    !g->array, &ret))
		goto out;
	if (gm_unsupported(model, 0)) {
		ret = gm_not_found(req, model, stream ?
		    "streamGenerateContent" : "generateContent");
		goto out;
	}
	if (gm_check(&k) == -1) {
		ret = gm_fail(req, 400, k.msg);
		goto out;
	}
	if (gm_plan(g, &k, &req->ctl) == -1) {
		ret = gm_fail(req, 500, "mock out of memory");
		goto out;
	}
	mbuf_free(&k.lead);
	free(keep);
	if (stream)
		return sse_start_type(req, &gm_gen_sse, g, g->array ?
		    "application/json; charset=UTF-8" :
		    "text/event-stream", NULL);
	ret = mock_reply_json(req, 200, gm_gen_body(g), NULL);
	gm_gen_free(g);
	return ret;
out:
	mbuf_free(&k.lead);
	gm_gen_free(g);
	free(keep);
	return ret;
}

static enum MHD_Result
gm_count(struct mock_req *req, const char *model)
{
	struct gm_chk	 k;
	cJSON		*doc, *out, *d, *it;
	const cJSON	*gcr, *cs;
	char		*keep = NULL;
	enum MHD_Result	 ret;

	doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	gcr = gget(doc, "generateContentRequest");
	gm_chk_init(&k, gcr != NULL ? gcr : doc, gcr != NULL ?
	    "CountTokensRequest.generate_content_request" :
	    "CountTokensRequest");
	if (gm_begin(req, &doc, gm_prefix_text(k.doc), &keep, 0, &ret))
		goto out;
	cs = gget(doc, "contents");
	if (gm_only(&k, doc, "", (const char *const[]){ "contents",
	    "generateContentRequest", NULL }) == -1 ||
	    (gcr != NULL && cs != NULL && gm_verr(&k, "* CountTokensRequest: "
	    "contents and generate_content_request are mutually exclusive") ==
	    -1) ||
	    (gcr != NULL ? gm_check(&k) : gm_contents(&k)) == -1) {
		ret = gm_fail(req, 400, k.msg);
		goto out;
	}
	if ((out = cJSON_CreateObject()) != NULL) {
		cJSON_AddNumberToObject(out, "totalTokens", k.prompt_tokens);
		d = cJSON_AddArrayToObject(out, "promptTokensDetails");
		if ((it = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(it, "modality", "TEXT");
			cJSON_AddNumberToObject(it, "tokenCount",
			    k.prompt_tokens);
			cJSON_AddItemToArray(d, it);
		}
	}
	ret = mock_reply_json(req, 200, out, NULL);
out:
	mbuf_free(&k.lead);
	cJSON_Delete(doc);
	free(keep);
	return ret;
}

static uint64_t
fnv1a(const char *p, size_t n, uint64_t h)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t	 z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Unit vector of dims float32 values from the text of content's parts. */
static cJSON *
gm_vector(const cJSON *content, long dims)
{
	const cJSON	*p, *t;
	uint64_t	 x = 0xcbf29ce484222325ULL;
	double		*v, norm = 0, r;
	float		*f;
	cJSON		*o, *vals;
	long		 i;
	int		 j;

	cJSON_ArrayForEach(p, gget(content, "parts"))
		if (cJSON_IsString(t = gget(p, "text")))
			x = fnv1a(t->valuestring, strlen(t->valuestring), x);
	v = calloc((size_t)dims, sizeof(*v));
	f = calloc((size_t)dims, sizeof(*f));
	if (v == NULL || f == NULL) {
		free(v);
		free(f);
		return NULL;
	}
	for (i = 0; i < dims; i++) {
		v[i] = (double)(splitmix(&x) >> 11) / 9007199254740992.0 * 2 -
		    1;
		norm += v[i] * v[i];
	}
	/* Newton's square root: the mock links no libm. */
	for (r = norm > 1 ? norm : 1, j = 0; j < 64 && norm > 0; j++)
		r = 0.5 * (r + norm / r);
	for (i = 0; i < dims; i++)
		f[i] = (float)(norm > 0 ? v[i] / r : 0);
	free(v);
	o = cJSON_CreateObject();
	vals = cJSON_CreateFloatArray(f, (int)dims);
	free(f);
	if (o == NULL || vals == NULL) {
		cJSON_Delete(o);
		cJSON_Delete(vals);
		return NULL;
	}
	cJSON_AddItemToObject(o, "values", vals);
	return o;
}



static enum MHD_Result
gm_embed(struct mock_req *req, const char *model, int batch)
{
	const struct gm_model	*m = gm_find(model);
	struct gm_chk		 k;
	cJSON			*doc, *out = NULL, *arr, *v;
	const cJSON		*rs, *r;
	char			*keep = NULL, at[48];
	long			 dims, max;
	int			 i = 0;
	enum MHD_Result		 ret;

	/* Unlisted models answer text-embedding-004's 768 values. */
	max = m != NULL && m->embed != 0 ? m->embed : 768;
	doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	gm_chk_init(&k, doc, batch ? "BatchEmbedContentsRequest" :
	    "EmbedContentRequest");
	if (gm_begin(req, &doc, gm_embed_prefix(doc), &keep, 0, &ret))
		goto out;
	if (gm_unsupported(model, 1)) {
		ret = gm_not_found(req, model, batch ? "batchEmbedContents" :
		    "embedContent");
		goto out;
	}
	out = cJSON_CreateObject();
	if (!batch) {
		if (gm_embed_check(&k, doc, "", model, max, &dims) == -1)
			goto bad;
		if ((v = gm_vector(gget(doc, "content"), dims)) == NULL)
			goto oom;
		cJSON_AddItemToObject(out, "embedding", v);
		goto reply;
	}
	rs = gget(doc, "requests");
	if (gm_only(&k, doc, "", (const char *const[]){ "requests",
	    NULL }) == -1)
		goto bad;
	if (!cJSON_IsArray(rs) || cJSON_GetArraySize(rs) == 0 ||
	    cJSON_GetArraySize(rs) > GM_MAX_BATCH) {
		gm_verr(&k, "* BatchEmbedContentsRequest.requests: requests "
		    "must hold 1 to %d items", GM_MAX_BATCH);
		goto bad;
	}
	arr = cJSON_AddArrayToObject(out, "embeddings");
	cJSON_ArrayForEach(r, rs) {
		snprintf(at, sizeof(at), "requests[%d]", i++);
		if (gm_embed_check(&k, r, at, model, max, &dims) == -1)
			goto bad;
		if ((v = gm_vector(gget(r, "content"), dims)) == NULL)
			goto oom;
		cJSON_AddItemToArray(arr, v);
	}
reply:
	ret = mock_reply_json(req, 200, out, NULL);
	goto out;
bad:
	cJSON_Delete(out);
	ret = gm_fail(req, 400, k.msg);
	goto out;
oom:
	cJSON_Delete(out);
	ret = gm_fail(req, 500, "mock out of memory");
out:
	mbuf_free(&k.lead);
	cJSON_Delete(doc);
	free(keep);
	return ret;
}

static cJSON *
gm_model_doc(const struct gm_model *m)
{
	cJSON	*o, *a;
	char	 name[96];

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	snprintf(name, sizeof(name), "models/%s", m->name);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "version", "001");
	cJSON_AddStringToObject(o, "displayName", m->display);
	cJSON_AddStringToObject(o, "description", "A model of the mock "
	    "upstream.");
	cJSON_AddNumberToObject(o, "inputTokenLimit", m->in);
	cJSON_AddNumberToObject(o, "outputTokenLimit", m->out);
	a = cJSON_AddArrayToObject(o, "supportedGenerationMethods");
	if (m->embed != 0) {
		cJSON_AddItemToArray(a, cJSON_CreateString("embedContent"));
		cJSON_AddItemToArray(a, cJSON_CreateString("countTextTokens"));
		cJSON_AddItemToArray(a, cJSON_CreateString("countTokens"));
		return o;
	}
	cJSON_AddItemToArray(a, cJSON_CreateString("generateContent"));
	cJSON_AddItemToArray(a, cJSON_CreateString("countTokens"));
	cJSON_AddItemToArray(a, cJSON_CreateString("createCachedContent"));
	cJSON_AddItemToArray(a, cJSON_CreateString("batchGenerateContent"));
	cJSON_AddNumberToObject(o, "temperature", 1);
	cJSON_AddNumberToObject(o, "topP", 0.95);
	cJSON_AddNumberToObject(o, "topK", 64);
	cJSON_AddNumberToObject(o, "maxTemperature", 2);
	if (m->thinking)
		cJSON_AddTrueToObject(o, "thinking");
	return o;
}

/* GET /v1beta/models: pageSize and pageToken ("mock<offset>") work. */
static enum MHD_Result
h_gm_models(struct mock_req *req)
{
	const char	*ps = mock_query(req, "pageSize");
	const char	*pt = mock_query(req, "pageToken");
	cJSON		*doc, *arr;
	char		 tok[32];
	long		 size = 1000, from = 0, i, n;

	if (ps != NULL && (size = strtol(ps, NULL, 10)) <= 0)
		size = 1000;
	if (pt != NULL && strncmp(pt, "mock", 4) == 0)
		from = strtol(pt + 4, NULL, 10);
	for (n = 0; gm_models[n].name != NULL; n++)
		continue;
	if (from < 0 || from > n)
		return gm_fail(req, 400, "Invalid page token.");
	doc = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(doc, "models");
	for (i = from; i < n && i < from + size; i++)
		cJSON_AddItemToArray(arr, gm_model_doc(&gm_models[i]));
	if (i < n) {
		snprintf(tok, sizeof(tok), "mock%ld", i);
		cJSON_AddStringToObject(doc, "nextPageToken", tok);
	}
	return mock_reply_json(req, 200, doc, NULL);
}

static enum MHD_Result
h_gm_model(struct mock_req *req)
{
	const char		*name = req->path + strlen("/v1beta/models/");
	const struct gm_model	*m = gm_find(name);
	char			 msg[400];

	if (strstr(name, "/operations/") != NULL)
		return gm_veo_op(req, name);
	if (m != NULL)
		return mock_reply_json(req, 200, gm_model_doc(m), NULL);
	snprintf(msg, sizeof(msg), "models/%.100s is not found for API "
	    "version v1beta, or is not supported for GetModel. Call ListModels "
	    "to see the list of available models and their supported "
	    "methods.", name);
	return gm_fail(req, 404, msg);
}

/* POST /v1beta/models/{model}:{method} */
static enum MHD_Result
h_gm_action(struct mock_req *req)
{
	const char	*rest = req->path + strlen("/v1beta/models/"), *colon;
	char		 model[128], msg[200];

	colon = strrchr(rest, ':');
	if (colon == NULL || colon == rest || (size_t)(colon - rest) >=
	    sizeof(model)) {
		snprintf(msg, sizeof(msg), "Invalid method name: %.100s",
		    rest);
		return gm_fail(req, 404, msg);
	}
	memcpy(model, rest, (size_t)(colon - rest));
	model[colon - rest] = '\0';
	colon++;
	if (strcmp(colon, "generateContent") == 0)
		return gm_generate(req, model, 0);
	if (strcmp(colon, "streamGenerateContent") == 0)
		return gm_generate(req, model, 1);
	if (strcmp(colon, "countTokens") == 0)
		return gm_count(req, model);
	if (strcmp(colon, "embedContent") == 0)
		return gm_embed(req, model, 0);
	if (strcmp(colon, "batchEmbedContents") == 0)
		return gm_embed(req, model, 1);
	if (strcmp(colon, "predictLongRunning") == 0)
		return gm_veo_create(req, model);
	snprintf(msg, sizeof(msg), "Method not found: %.100s", colon);
	return gm_fail(req, 404, msg);
}

static const struct mock_route gm_routes[] = {
	{ "GET", "/v1beta/models", 0, h_gm_models },
	{ "GET", "/v1beta/models/", 1, h_gm_model },
	{ "POST", "/v1beta/models/", 1, h_gm_action },
	{ "GET", "/v1beta/files/", 1, gm_veo_file },
	{ NULL, NULL, 0, NULL }
};

const struct mock_provider gm_provider = {
	"gemini",
	"/v1beta/",
	gm_routes,
	gm_auth,
	gm_error
};
