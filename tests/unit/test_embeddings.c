/*
 * test_embeddings.c: the cores of /v1/embeddings, /v1/moderations and
 * /v1/rerank: their validators (tables, more bad cases than good, each
 * bad one checked for the param it names), the float32 <-> base64
 * conversion of embeddings, the completion of moderation results and
 * the Cohere / Jina rerank conversions (app/providers/cohere.c).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "handlers/embeddings.h"
#include "providers/cohere.h"
#include "t.h"

struct vcase {
	const char	*json;
	const char	*param;		/* NULL: valid */
};

/* A string of n copies of c, as a JSON string literal body. */
static char *
repeat_json(const char *pre, char c, size_t n, const char *post)
{
	size_t	 lp = strlen(pre), lq = strlen(post);
	char	*s;

	if ((s = malloc(lp + n + lq + 1)) == NULL)
		return NULL;
	memcpy(s, pre, lp);
	memset(s + lp, c, n);
	memcpy(s + lp + n, post, lq + 1);
	return s;
}

static const struct vcase emb_cases[] = {
	/* good */
	{ "{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}", NULL },
	{ "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],"
	    "\"encoding_format\":\"base64\",\"dimensions\":256,"
	    "\"user\":\"u1\"}", NULL },
	{ "{\"model\":\"text-embedding-3-large\",\"input\":[1,2,3],"
	    "\"dimensions\":3072}", NULL },
	{ "{\"model\":\"text-embedding-ada-002\",\"input\":[[1,2],[3]],"
	    "\"encoding_format\":\"float\"}", NULL },
	{ "{\"model\":\"my-embedder\",\"input\":\"x\",\"dimensions\":9000}",
	    NULL },
	{ "{\"model\":\"m\",\"input\":\"x\",\"dimensions\":null,"
	    "\"encoding_format\":null,\"user\":null}", NULL },
	/* bad */
	{ "{\"input\":\"hi\"}", "model" },
	{ "{\"model\":\"\",\"input\":\"hi\"}", "model" },
	{ "{\"model\":5,\"input\":\"hi\"}", "model" },
	{ "{\"model\":\"m\"}", "input" },
	{ "{\"model\":\"m\",\"input\":\"\"}", "input" },
	{ "{\"model\":\"m\",\"input\":[]}", "input" },
	{ "{\"model\":\"m\",\"input\":null}", "input" },
	{ "{\"model\":\"m\",\"input\":{}}", "input" },
	{ "{\"model\":\"m\",\"input\":true}", "input" },
	{ "{\"model\":\"m\",\"input\":[\"a\",\"\"]}", "input" },
	{ "{\"model\":\"m\",\"input\":[\"a\",1]}", "input" },
	{ "{\"model\":\"m\",\"input\":[\"a\",[1]]}", "input" },
	{ "{\"model\":\"m\",\"input\":[1,\"a\"]}", "input" },
	{ "{\"model\":\"m\",\"input\":[1,-1]}", "input" },
	{ "{\"model\":\"m\",\"input\":[1,2.5]}", "input" },
	{ "{\"model\":\"m\",\"input\":[1,2147483648]}", "input" },
	{ "{\"model\":\"m\",\"input\":[[1],[]]}", "input" },
	{ "{\"model\":\"m\",\"input\":[[1],[\"a\"]]}", "input" },
	{ "{\"model\":\"m\",\"input\":[[1],2]}", "input" },
	{ "{\"model\":\"m\",\"input\":[null]}", "input" },
	{ "{\"model\":\"m\",\"input\":[{}]}", "input" },
	{ "{\"model\":\"m\",\"input\":\"x\",\"encoding_format\":\"b64\"}",
	    "encoding_format" },
	{ "{\"model\":\"m\",\"input\":\"x\",\"encoding_format\":1}",
	    "encoding_format" },
	{ "{\"model\":\"text-embedding-3-small\",\"input\":\"x\","
	    "\"dimensions\":1537}", "dimensions" },
	{ "{\"model\":\"text-embedding-3-large\",\"input\":\"x\","
	    "\"dimensions\":3073}", "dimensions" },
	{ "{\"model\":\"text-embedding-3-large\",\"input\":\"x\","
	    "\"dimensions\":0}", "dimensions" },
	{ "{\"model\":\"text-embedding-3-large\",\"input\":\"x\","
	    "\"dimensions\":12.5}", "dimensions" },
	{ "{\"model\":\"text-embedding-3-large\",\"input\":\"x\","
	    "\"dimensions\":\"8\"}", "dimensions" },
	{ "{\"model\":\"text-embedding-ada-002\",\"input\":\"x\","
	    "\"dimensions\":8}", "dimensions" },
	{ "{\"model\":\"m\",\"input\":\"x\",\"dimensions\":70000}",
	    "dimensions" },
	{ "{\"model\":\"m\",\"input\":\"x\",\"user\":5}", "user" },
};

static void
test_emb_validate(void)
{
	struct emb_req	 er;
	struct h_verr	 e;
	cJSON		*o, *arr;
	size_t		 i;
	int		 rc;
	char		*big;

	for (i = 0; i < sizeof(emb_cases) / sizeof(emb_cases[0]); i++) {
		o = cJSON_Parse(emb_cases[i].json);
		memset(&e, 0, sizeof(e));
		rc = h_emb_validate(o, &er, &e);
		if (emb_cases[i].param == NULL)
			T_OK(o != NULL && rc == 0, "emb valid: %s",
			    emb_cases[i].json);
		else
			T_OK(o != NULL && rc == -1 && strcmp(e.param,
			    emb_cases[i].param) == 0 && e.msg[0] != '\0',
			    "emb invalid (%s: %s): %s", e.param, e.msg,
			    emb_cases[i].json);
		cJSON_Delete(o);
	}

	/* The estimate: token ids exactly, text by the byte heuristic. */
	o = cJSON_Parse("{\"model\":\"m\",\"input\":[[1,2,3],[4]]}");
	T_OK(h_emb_validate(o, &er, &e) == 0 && er.est_tokens == 4 &&
	    er.ninputs == 2, "token ids counted exactly: %lld in %zu",
	    (long long)er.est_tokens, er.ninputs);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"model\":\"m\",\"input\":[\"abcdefgh\",\"abc\"],"
	    "\"encoding_format\":\"base64\",\"dimensions\":7}");
	T_OK(h_emb_validate(o, &er, &e) == 0 && er.est_tokens == 3 &&
	    er.ninputs == 2 && er.base64 && er.dimensions == 7,
	    "text estimated, base64 and dimensions kept");
	cJSON_Delete(o);

	/* Per-input cap for OpenAI models only; the total for everyone. */
	big = repeat_json("{\"model\":\"text-embedding-3-small\",\"input\":"
	    "[\"a\",\"", 'x', 4 * 8192 + 4, "\"]}");
	o = cJSON_Parse(big);
	T_OK(h_emb_validate(o, &er, &e) == -1 && strcmp(e.param, "input") ==
	    0 && strstr(e.msg, "input[1]") != NULL,
	    "8193 tokens in one input refused for text-embedding-*: %s",
	    e.msg);
	cJSON_Delete(o);
	memcpy(big + 10, "x-embedder-3-small", 18);
	o = cJSON_Parse(big);
	T_OK(o != NULL && h_emb_validate(o, &er, &e) == 0,
	    "no per-input cap for another model");
	cJSON_Delete(o);
	free(big);
	big = repeat_json("{\"model\":\"m\",\"input\":\"", 'x',
	    4 * 300000 + 4, "\"}");
	o = cJSON_Parse(big);
	T_OK(h_emb_validate(o, &er, &e) == -1 && strcmp(e.param, "input") ==
	    0, "more than 300000 tokens in all refused");
	cJSON_Delete(o);
	free(big);
	o = cJSON_Parse("{\"model\":\"m\"}");
	arr = cJSON_AddArrayToObject(o, "input");
	for (i = 0; i < EMB_MAX_INPUTS + 1; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString("a"));
	T_OK(h_emb_validate(o, &er, &e) == -1 && strcmp(e.param, "input") ==
	    0 && strstr(e.msg, "2049") != NULL, "2049 inputs refused");
	cJSON_DeleteItemFromArray(arr, 0);
	T_OK(h_emb_validate(o, &er, &e) == 0 && er.ninputs == 2048,
	    "2048 inputs accepted");
	cJSON_Delete(o);

	T_OK(h_emb_dims_max("text-embedding-3-large") == 3072 &&
	    h_emb_dims_max("text-embedding-3-small") == 1536 &&
	    h_emb_dims_max("text-embedding-ada-002") == 0 &&
	    h_emb_dims_max("bge-m3") == EMB_MAX_DIMENSIONS,
	    "dimension limits per model");
}

struct b64case {
	const char	*floats;	/* JSON array */
	const char	*b64;		/* NULL: refused */
};

static const struct b64case enc_cases[] = {
	{ "[1]", "AACAPw==" },
	{ "[-2.5,0.5]", "AAAgwAAAAD8=" },
	{ "[0.25,-1,3]", "AACAPgAAgL8AAEBA" },
	{ "[]", "" },
	{ "[1e39]", NULL },
	{ "[\"1\"]", NULL },
	{ "[[1]]", NULL },
	{ "[null]", NULL },
	{ "{\"a\":1}", NULL },
	{ "\"AACAPw==\"", NULL },
};

static const struct b64case dec_cases[] = {
	{ "[1]", "AACAPw==" },
	{ "[-2.5,0.5]", "AAAgwAAAAD8=" },
	{ "[0.25,-1,3]", "AACAPgAAgL8AAEBA" },
	{ NULL, "AACAPw=" },
	{ NULL, "AACAPw" },
	{ NULL, "AACA" },
	{ NULL, "AAC*Pw==" },
	{ NULL, "=AACAPw=" },
	{ NULL, "AA=APw==" },
	{ NULL, "AACAfw==" },		/* +inf */
	{ NULL, "AADAfw==" },		/* NaN */
	{ NULL, "AACAPw==AACAPw==" },
	{ NULL, "AAC Pw==" },
};

static int
same_json(const cJSON *a, const char *want)
{
	cJSON	*w = cJSON_Parse(want);
	int	 eq = w != NULL && a != NULL && cJSON_Compare(a, w, 1);

	cJSON_Delete(w);
	return eq;
}

static void
test_b64(void)
{
	cJSON	*o, *arr;
	char	*s;
	size_t	 i, len;

	for (i = 0; i < sizeof(enc_cases) / sizeof(enc_cases[0]); i++) {
		o = cJSON_Parse(enc_cases[i].floats);
		s = h_emb_b64_encode(o, &len);
		if (enc_cases[i].b64 == NULL)
			T_OK(s == NULL, "encode refuses %s",
			    enc_cases[i].floats);
		else
			T_OK(s != NULL && strcmp(s, enc_cases[i].b64) == 0 &&
			    len == strlen(enc_cases[i].b64),
			    "encode %s -> %s", enc_cases[i].floats,
			    s != NULL ? s : "(null)");
		free(s);
		cJSON_Delete(o);
	}
	for (i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
		arr = h_emb_b64_decode(dec_cases[i].b64, 1024);
		if (dec_cases[i].floats == NULL)
			T_OK(arr == NULL, "decode refuses '%s'",
			    dec_cases[i].b64);
		else
			T_OK(same_json(arr, dec_cases[i].floats),
			    "decode %s", dec_cases[i].b64);
		cJSON_Delete(arr);
	}
	T_OK(h_emb_b64_decode("AAAgwAAAAD8=", 11) == NULL,
	    "decode refuses text over its cap");

	/* 100 values: longer than libb64's 72-column lines. */
	o = cJSON_CreateArray();
	for (i = 0; i < 100; i++)
		cJSON_AddItemToArray(o, cJSON_CreateNumber(
		    (double)(float)((double)i / 7.0 - 3)));
	s = h_emb_b64_encode(o, &len);
	T_OK(s != NULL && len == 536 && strchr(s, '\n') == NULL,
	    "400 bytes encode to 536 characters, no line breaks");
	arr = s != NULL ? h_emb_b64_decode(s, 1 << 20) : NULL;
	T_OK(arr != NULL && cJSON_Compare(arr, o, 1),
	    "encode then decode gives the same floats");
	cJSON_Delete(arr);
	cJSON_Delete(o);
	free(s);
}

static void
test_convert(void)
{
	cJSON	*o;
	char	*s;

	o = cJSON_Parse("{\"data\":[{\"embedding\":[1]},{\"object\":"
	    "\"embedding\",\"index\":1,\"embedding\":\"AACAPw==\"}],"
	    "\"model\":\"m\"}");
	T_OK(h_emb_convert(o, 1) == 2, "convert to base64: 2 embeddings");
	s = cJSON_PrintUnformatted(o);
	T_OK(s != NULL && strcmp(s, "{\"data\":[{\"embedding\":\"AACAPw==\","
	    "\"object\":\"embedding\",\"index\":0},{\"object\":\"embedding\","
	    "\"index\":1,\"embedding\":\"AACAPw==\"}],\"model\":\"m\","
	    "\"object\":\"list\"}") == 0, "numbers encoded, base64 kept, "
	    "object and index filled: %s", s);
	cJSON_free(s);
	T_OK(h_emb_convert(o, 0) == 2, "and back to floats");
	s = cJSON_PrintUnformatted(o);
	T_OK(s != NULL && strstr(s, "\"embedding\":[1]") != NULL &&
	    strstr(s, "AACAPw") == NULL, "base64 decoded for a float "
	    "client: %s", s);
	cJSON_free(s);
	cJSON_Delete(o);

	static const char *const bad[] = {
		"{}",
		"{\"data\":{}}",
		"{\"data\":[1]}",
		"{\"data\":[{}]}",
		"{\"data\":[{\"embedding\":null}]}",
		"{\"data\":[{\"embedding\":[\"x\"]}]}",
		"{\"data\":[{\"embedding\":\"A*==\"}]}",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = cJSON_Parse(bad[i]);
		T_OK(h_emb_convert(o, 0) == -1, "convert refuses %s", bad[i]);
		cJSON_Delete(o);
	}
	o = cJSON_Parse("{\"data\":[{\"embedding\":[\"x\"]}]}");
	T_OK(h_emb_convert(o, 1) == -1, "non-numbers refused for base64");
	cJSON_Delete(o);
}

static const struct vcase mod_cases[] = {
	{ "{\"input\":\"hello\"}", NULL },
	{ "{\"input\":\"\"}", NULL },
	{ "{\"model\":\"omni-moderation-latest\",\"input\":[\"a\",\"b\"]}",
	    NULL },
	{ "{\"input\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":"
	    "\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]}",
	    NULL },
	{ "{\"input\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
	    "\"data:image/png;base64,AAAA\"}}]}", NULL },
	{ "{\"model\":\"text-moderation-latest\",\"input\":\"a\"}", NULL },
	/* bad */
	{ "{}", "input" },
	{ "{\"input\":null}", "input" },
	{ "{\"input\":5}", "input" },
	{ "{\"input\":[]}", "input" },
	{ "{\"input\":[\"a\",5]}", "input" },
	{ "{\"input\":[\"a\",{\"type\":\"text\",\"text\":\"b\"}]}",
	    "input" },
	{ "{\"input\":[{\"type\":\"text\"}]}", "input" },
	{ "{\"input\":[{\"type\":\"text\",\"text\":1}]}", "input" },
	{ "{\"input\":[{\"type\":\"audio\",\"text\":\"a\"}]}", "input" },
	{ "{\"input\":[{\"text\":\"a\"}]}", "input" },
	{ "{\"input\":[{\"type\":\"image_url\"}]}", "input" },
	{ "{\"input\":[{\"type\":\"image_url\",\"image_url\":\"https://x\"}]}",
	    "input" },
	{ "{\"input\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
	    "\"ftp://x\"}}]}", "input" },
	{ "{\"input\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"\"}}"
	    "]}", "input" },
	{ "{\"input\":[[\"a\"]]}", "input" },
	{ "{\"model\":\"text-moderation-stable\",\"input\":[{\"type\":"
	    "\"image_url\",\"image_url\":{\"url\":\"https://x\"}}]}",
	    "input" },
	{ "{\"model\":\"\",\"input\":\"a\"}", "model" },
	{ "{\"model\":3,\"input\":\"a\"}", "model" },
};

static void
test_mod(void)
{
	struct mod_req	 mr;
	struct h_verr	 e;
	cJSON		*o, *r, *res, *c;
	size_t		 i;
	int		 rc, n;

	for (i = 0; i < sizeof(mod_cases) / sizeof(mod_cases[0]); i++) {
		o = cJSON_Parse(mod_cases[i].json);
		memset(&e, 0, sizeof(e));
		rc = h_mod_validate(o, &mr, &e);
		if (mod_cases[i].param == NULL)
			T_OK(o != NULL && rc == 0, "mod valid: %s",
			    mod_cases[i].json);
		else
			T_OK(o != NULL && rc == -1 && strcmp(e.param,
			    mod_cases[i].param) == 0, "mod invalid (%s: %s): "
			    "%s", e.param, e.msg, mod_cases[i].json);
		cJSON_Delete(o);
	}
	o = cJSON_Parse("{\"input\":[{\"type\":\"text\",\"text\":\"abcd\"},"
	    "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x\"}}]}");
	T_OK(h_mod_validate(o, &mr, &e) == 0 && strcmp(mr.model,
	    MOD_DEFAULT_MODEL) == 0 && !mr.model_given && mr.nresults == 1 &&
	    mr.has_text && mr.has_image && mr.est_tokens == 1 + 765,
	    "parts: one result, default model, text + image estimate");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"input\":[\"a\",\"b\",\"c\"]}");
	T_OK(h_mod_validate(o, &mr, &e) == 0 && mr.nresults == 3,
	    "strings: one result each");

	/* An upstream result with holes gets every category. */
	r = cJSON_Parse("{\"results\":[{\"categories\":{\"violence\":true},"
	    "\"category_scores\":{\"violence\":0.9}},{\"flagged\":false,"
	    "\"categories\":{\"illicit\":null,\"hate\":\"x\"}},{}]}");
	T_OK(h_mod_fill(r, &mr, "modr-1") == 0, "fill three results");
	res = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "results"), 0);
	c = cJSON_GetObjectItem(res, "categories");
	n = cJSON_GetArraySize(c);
	T_OK(n == 13 && cJSON_IsTrue(cJSON_GetObjectItem(res, "flagged")) &&
	    cJSON_IsFalse(cJSON_GetObjectItem(c, "sexual/minors")) &&
	    cJSON_GetArraySize(cJSON_GetObjectItem(res, "category_scores")) ==
	    13 && cJSON_GetObjectItem(cJSON_GetObjectItem(res,
	    "category_scores"), "violence")->valuedouble == 0.9 &&
	    cJSON_GetArraySize(cJSON_GetObjectItem(res,
	    "category_applied_input_types")) == 13,
	    "13 categories, flagged from violence, score kept");
	res = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "results"), 1);
	c = cJSON_GetObjectItem(res, "categories");
	T_OK(cJSON_IsNull(cJSON_GetObjectItem(c, "illicit")) &&
	    cJSON_IsFalse(cJSON_GetObjectItem(c, "hate")) &&
	    cJSON_IsFalse(cJSON_GetObjectItem(res, "flagged")),
	    "illicit null kept, a non-boolean replaced");
	{
		char *s = cJSON_PrintUnformatted(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(res, "category_applied_input_types"),
		    "violence"));

		T_OK(s != NULL && strcmp(s, "[\"text\"]") == 0,
		    "applied types from the request: %s", s);
		cJSON_free(s);
	}
	T_OK(strcmp(cJSON_GetObjectItem(r, "id")->valuestring, "modr-1") ==
	    0, "id filled");
	cJSON_Delete(r);
	cJSON_Delete(o);

	static const char *const bad[] = {
		"{}", "{\"results\":{}}", "{\"results\":[1,2,3]}",
		"{\"results\":[{},{}]}", "{\"results\":[{},{},{},{}]}",
	};
	o = cJSON_Parse("{\"input\":[\"a\",\"b\",\"c\"]}");
	h_mod_validate(o, &mr, &e);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = cJSON_Parse(bad[i]);
		T_OK(h_mod_fill(r, &mr, "x") == -1, "fill refuses %s "
		    "for 3 inputs", bad[i]);
		cJSON_Delete(r);
	}
	cJSON_Delete(o);
}

static const struct vcase rr_cases[] = {
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[\"a\"]}", NULL },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[\"a\",{\"text\":"
	    "\"b\"}],\"top_n\":1,\"return_documents\":true,"
	    "\"max_tokens_per_doc\":512}", NULL },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[\"a\"],"
	    "\"top_n\":5}", NULL },
	/* bad */
	{ "{\"query\":\"q\",\"documents\":[\"a\"]}", "model" },
	{ "{\"model\":\"r\",\"documents\":[\"a\"]}", "query" },
	{ "{\"model\":\"r\",\"query\":\"\",\"documents\":[\"a\"]}", "query" },
	{ "{\"model\":\"r\",\"query\":1,\"documents\":[\"a\"]}", "query" },
	{ "{\"model\":\"r\",\"query\":\"q\"}", "documents" },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[]}", "documents" },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":\"a\"}",
	    "documents" },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[1]}", "documents" },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[{\"txt\":\"a\"}]}",
	    "documents" },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[{\"text\":1}]}",
	    "documents" },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[\"a\"],"
	    "\"top_n\":0}", "top_n" },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[\"a\"],"
	    "\"top_n\":1.5}", "top_n" },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[\"a\"],"
	    "\"top_n\":\"2\"}", "top_n" },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[\"a\"],"
	    "\"return_documents\":1}", "return_documents" },
	{ "{\"model\":\"r\",\"query\":\"q\",\"documents\":[\"a\"],"
	    "\"max_tokens_per_doc\":0}", "max_tokens_per_doc" },
};

static void
test_rerank(void)
{
	struct rerank_req rr;
	struct co_rerank res;
	struct h_verr	 e;
	cJSON		*o, *a, *docs;
	char		*s;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(rr_cases) / sizeof(rr_cases[0]); i++) {
		o = cJSON_Parse(rr_cases[i].json);
		memset(&e, 0, sizeof(e));
		rc = h_rerank_validate(o, &rr, &e);
		if (rr_cases[i].param == NULL)
			T_OK(o != NULL && rc == 0, "rerank valid: %s",
			    rr_cases[i].json);
		else
			T_OK(o != NULL && rc == -1 && strcmp(e.param,
			    rr_cases[i].param) == 0, "rerank invalid (%s: "
			    "%s): %s", e.param, e.msg, rr_cases[i].json);
		cJSON_Delete(o);
	}
	{
		/* 1001 documents */
		cJSON	*d;

		o = cJSON_Parse("{\"model\":\"r\",\"query\":\"q\"}");
		d = cJSON_AddArrayToObject(o, "documents");
		for (i = 0; i < CO_RERANK_MAX_DOCS + 1; i++)
			cJSON_AddItemToArray(d, cJSON_CreateString("x"));
		T_OK(h_rerank_validate(o, &rr, &e) == -1 &&
		    strcmp(e.param, "documents") == 0, "1001 documents "
		    "refused");
		cJSON_Delete(o);
	}

	/* The Cohere v2 body: strings only, return_documents dropped. */
	o = cJSON_Parse("{\"model\":\"mine\",\"query\":\"what\",\"documents\":"
	    "[\"a\",{\"text\":\"b\"}],\"top_n\":1,\"return_documents\":true,"
	    "\"user\":\"x\"}");
	T_OK(h_rerank_validate(o, &rr, &e) == 0 && rr.ndocs == 2 &&
	    rr.top_n == 1 && rr.return_documents && rr.est_tokens == 3,
	    "validated: 2 documents, 3 tokens estimated");
	a = co_rerank_request(o, "rerank-v3.5");
	s = cJSON_PrintUnformatted(a);
	T_OK(s != NULL && strcmp(s, "{\"model\":\"rerank-v3.5\",\"query\":"
	    "\"what\",\"documents\":[\"a\",\"b\"],\"top_n\":1}") == 0,
	    "cohere request: %s", s);
	cJSON_free(s);
	cJSON_Delete(a);
	docs = cJSON_GetObjectItem(o, "documents");

	/* Answers: Cohere v2 and Jina, sorted and checked. */
	static const char cohere[] = "{\"id\":\"abc\",\"results\":[{\"index\":"
	    "1,\"relevance_score\":0.2},{\"index\":0,\"relevance_score\":0.9}],"
	    "\"meta\":{\"billed_units\":{\"search_units\":1}}}";
	T_OK(co_rerank_parse(cohere, sizeof(cohere) - 1, 2, &res) == 0 &&
	    res.nhits == 2 && res.hits[0].index == 0 && res.hits[1].index ==
	    1 && res.tokens == -1 && res.search_units == 1 &&
	    strcmp(res.id, "abc") == 0, "cohere answer parsed and sorted");
	a = co_rerank_answer(&res, docs, "mine", "rerank-x", 1, 1, 3);
	s = cJSON_PrintUnformatted(a);
	T_OK(s != NULL && strcmp(s, "{\"id\":\"abc\",\"model\":\"mine\","
	    "\"results\":[{\"index\":0,\"relevance_score\":0.9,\"document\":"
	    "{\"text\":\"a\"}}],\"usage\":{\"prompt_tokens\":3,"
	    "\"total_tokens\":3},\"meta\":{\"billed_units\":{\"search_units\":"
	    "1}}}") == 0, "answer, top_n 1 with document: %s", s);
	cJSON_free(s);
	cJSON_Delete(a);
	co_rerank_free(&res);

	static const char jina[] = "{\"model\":\"j\",\"results\":[{\"index\":"
	    "1,\"relevance_score\":0.5,\"document\":{\"text\":\"b\"}},"
	    "{\"index\":0,\"relevance_score\":0.5}],\"usage\":"
	    "{\"total_tokens\":17}}";
	T_OK(co_rerank_parse(jina, sizeof(jina) - 1, 2, &res) == 0 &&
	    res.hits[0].index == 0 && res.tokens == 17 &&
	    res.search_units == -1 && res.id[0] == '\0',
	    "jina answer: ties by index, tokens read");
	a = co_rerank_answer(&res, docs, "mine", "rerank-x", 0, 0, 17);
	s = cJSON_PrintUnformatted(a);
	T_OK(s != NULL && strcmp(s, "{\"id\":\"rerank-x\",\"model\":\"mine\","
	    "\"results\":[{\"index\":0,\"relevance_score\":0.5},{\"index\":1,"
	    "\"relevance_score\":0.5}],\"usage\":{\"prompt_tokens\":17,"
	    "\"total_tokens\":17}}") == 0, "answer without documents: %s", s);
	cJSON_free(s);
	cJSON_Delete(a);
	co_rerank_free(&res);

	static const char *const bad[] = {
		"",
		"[]",
		"{}",
		"{\"results\":{}}",
		"{\"results\":[{\"index\":2,\"relevance_score\":1}]}",
		"{\"results\":[{\"index\":-1,\"relevance_score\":1}]}",
		"{\"results\":[{\"index\":0.5,\"relevance_score\":1}]}",
		"{\"results\":[{\"index\":\"0\",\"relevance_score\":1}]}",
		"{\"results\":[{\"index\":0}]}",
		"{\"results\":[{\"index\":0,\"relevance_score\":\"1\"}]}",
		"{\"results\":[{\"index\":0,\"relevance_score\":1},"
		    "{\"index\":0,\"relevance_score\":1}]}",
		"{\"results\":[{\"index\":0,\"relevance_score\":1},"
		    "{\"index\":1,\"relevance_score\":1},"
		    "{\"index\":1,\"relevance_score\":1}]}",
		"{\"results\":[1]}",
	};
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_OK(co_rerank_parse(bad[i], strlen(bad[i]), 2, &res) == -1 &&
		    res.hits == NULL, "rerank answer refused: %s", bad[i]);
	T_OK(co_rerank_parse("{\"results\":[]}", 14, 0, &res) == -1,
	    "no documents: refused");
	T_OK(co_rerank_parse("{\"results\":[]}", 14, 2, &res) == 0 &&
	    res.nhits == 0, "empty results accepted");
	co_rerank_free(&res);
	cJSON_Delete(o);

	s = co_error_message("{\"id\":\"1\",\"message\":\"bad model\"}", 32);
	T_OK(s != NULL && strcmp(s, "bad model") == 0, "cohere error text");
	cJSON_free(s);
	s = co_error_message("{\"error\":{\"message\":\"x\"}}", 25);
	T_OK(s != NULL && strcmp(s, "x") == 0, "openai error text");
	cJSON_free(s);
	T_OK(co_error_message("{\"message\":5}", 13) == NULL &&
	    co_error_message("oops", 4) == NULL &&
	    co_error_message("{\"message\":\"\"}", 14) == NULL,
	    "no error text in garbage");
}

int
main(void)
{
	test_emb_validate();
	test_b64();
	test_convert();
	test_mod();
	test_rerank();
	return t_done();
}
