/*
 * moderations.c: POST /v1/moderations (OpenAI CreateModerationRequest
 * and CreateModerationResponse).
 *
 * input is a string, an array of strings (one result each) or an array
 * of multi-modal parts, {"type":"text","text"} and {"type":"image_url",
 * "image_url":{"url"}}, classified together (one result).  model
 * defaults to omni-moderation-latest, as in the reference;
 * text-moderation-* models take text only.  Every other field passes
 * through.
 *
 * The answer is completed before the client sees it: every result has
 * all 13 categories in categories, category_scores and
 * category_applied_input_types, whatever the upstream left out (false,
 * 0, and the input types of the request the category applies to), so
 * that clients indexing any category never meet a missing key.
 *
 * Billing is on input tokens (the price row decides; the seeded
 * omni-moderation-latest is free): the upstream's usage when it sends
 * one (OpenAI does not), else the estimate of the text (tok_estimate)
 * plus MOD_IMAGE_TOKENS per image.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "handlers/embeddings.h"
#include "handlers/handlers.h"
#include "log.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"
#include "tokens.h"

/* The categories of ModerationResult, and whether images apply. */
static const struct mod_cat {
	const char	*name;
	int		 image;
} mod_cats[] = {
	{ "hate", 0 },
	{ "hate/threatening", 0 },
	{ "harassment", 0 },
	{ "harassment/threatening", 0 },
	{ "illicit", 0 },
	{ "illicit/violent", 0 },
	{ "self-harm", 1 },
	{ "self-harm/intent", 1 },
	{ "self-harm/instructions", 1 },
	{ "sexual", 1 },
	{ "sexual/minors", 0 },
	{ "violence", 1 },
	{ "violence/graphic", 1 },
};
#define MOD_NCATS	(sizeof(mod_cats) / sizeof(mod_cats[0]))

static int
url_ok(const char *u)
{
	return u[0] != '\0' && (strncmp(u, "https://", 8) == 0 ||
	    strncmp(u, "http://", 7) == 0 ||
	    strncmp(u, "data:image/", 11) == 0);
}

/* One multi-modal part at index i. */
static int
mod_part(const cJSON *p, int i, struct mod_req *mr, struct h_verr *e)
{
	const cJSON	*ty, *t, *iu, *u;

	ty = cJSON_GetObjectItemCaseSensitive(p, "type");
	if (!cJSON_IsObject(p) || !cJSON_IsString(ty))
		return h_verr_set(e, "input", "Invalid 'input[%d]': expected "
		    "an object with a 'type' of 'text' or 'image_url'.", i);
	if (strcmp(ty->valuestring, "text") == 0) {
		t = cJSON_GetObjectItemCaseSensitive(p, "text");
		if (!cJSON_IsString(t))
			return h_verr_set(e, "input", "Invalid "
			    "'input[%d].text': expected a string.", i);
		mr->has_text = 1;
		mr->est_tokens += tok_estimate(t->valuestring,
		    strlen(t->valuestring));
		return 0;
	}
	if (strcmp(ty->valuestring, "image_url") == 0) {
		iu = cJSON_GetObjectItemCaseSensitive(p, "image_url");
		u = cJSON_GetObjectItemCaseSensitive(iu, "url");
		if (!cJSON_IsObject(iu) || !cJSON_IsString(u) ||
		    !url_ok(u->valuestring))
			return h_verr_set(e, "input", "Invalid "
			    "'input[%d].image_url.url': expected an http(s) "
			    "URL or a data:image/ URL.", i);
		mr->has_image = 1;
		mr->est_tokens += MOD_IMAGE_TOKENS;
		return 0;
	}
	return h_verr_set(e, "input", "Invalid 'input[%d].type': expected "
	    "'text' or 'image_url'.", i);
}

static int
mod_input(const cJSON *in, struct mod_req *mr, struct h_verr *e)
{
	const cJSON	*it;
	int		 n, i = 0;

	if (in == NULL)
		return h_verr_set(e, "input", "Missing required parameter: "
		    "'input'.");
	if (cJSON_IsString(in)) {
		mr->has_text = 1;
		mr->nresults = 1;
		mr->est_tokens = tok_estimate(in->valuestring,
		    strlen(in->valuestring));
		return 0;
	}
	if (!cJSON_IsArray(in))
		return h_verr_set(e, "input", "Invalid 'input': expected a "
		    "string, an array of strings or an array of text and "
		    "image_url parts.");
	if ((n = cJSON_GetArraySize(in)) == 0)
		return h_verr_set(e, "input", "Invalid 'input': empty array; "
		    "at least one input is required.");
	if (n > MOD_MAX_INPUTS)
		return h_verr_set(e, "input", "Invalid 'input': %d items; at "
		    "most %d are allowed.", n, MOD_MAX_INPUTS);
	cJSON_ArrayForEach(it, in) {
		if (cJSON_IsString(in->child)) {
			if (!cJSON_IsString(it))
				return h_verr_set(e, "input", "Invalid "
				    "'input[%d]': expected a string like the "
				    "other inputs.", i);
			mr->has_text = 1;
			mr->nresults++;
			mr->est_tokens += tok_estimate(it->valuestring,
			    strlen(it->valuestring));
		} else if (mod_part(it, i, mr, e) == -1)
			return -1;
		i++;
	}
	if (!cJSON_IsString(in->child))
		mr->nresults = 1;	/* the parts are one input */
	return 0;
}

int
h_mod_validate(const cJSON *o, struct mod_req *mr, struct h_verr *e)
{
	const cJSON	*m;

	memset(mr, 0, sizeof(*mr));
	m = cJSON_GetObjectItemCaseSensitive(o, "model");
	mr->model_given = m != NULL && !cJSON_IsNull(m);
	if (h_model_field(o, MOD_DEFAULT_MODEL, &mr->model, e) == -1 ||
	    mod_input(cJSON_GetObjectItemCaseSensitive(o, "input"), mr, e) ==
	    -1)
		return -1;
	if (mr->has_image && strncmp(mr->model, "text-moderation", 15) == 0)
		return h_verr_set(e, "input", "Invalid 'input': %s accepts "
		    "text only; use omni-moderation-latest for images.",
		    mr->model);
	return 0;
}

/* Makes o[k] an object (replacing anything else); NULL on failure. */
static cJSON *
obj_member(cJSON *o, const char *k)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsObject(v))
		return v;
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	return cJSON_AddObjectToObject(o, k);
}

static cJSON *
applied_types(const struct mod_req *mr, const struct mod_cat *c)
{
	cJSON	*a;

	if ((a = cJSON_CreateArray()) == NULL)
		return NULL;
	if (mr->has_text)
		cJSON_AddItemToArray(a, cJSON_CreateString("text"));
	if (mr->has_image && c->image)
		cJSON_AddItemToArray(a, cJSON_CreateString("image"));
	return a;
}

/* Completes one result; -1 on allocation failure or a non-object. */
static int
fill_result(cJSON *res, const struct mod_req *mr)
{
	cJSON		*cats, *scores, *types, *v, *nv;
	size_t		 i;
	int		 any = 0;

	if (!cJSON_IsObject(res) || (cats = obj_member(res, "categories")) ==
	    NULL || (scores = obj_member(res, "category_scores")) == NULL ||
	    (types = obj_member(res, "category_applied_input_types")) == NULL)
		return -1;
	for (i = 0; i < MOD_NCATS; i++) {
		v = cJSON_GetObjectItemCaseSensitive(cats, mod_cats[i].name);
		if (!cJSON_IsBool(v) && !(cJSON_IsNull(v) &&
		    strncmp(mod_cats[i].name, "illicit", 7) == 0)) {
			cJSON_DeleteItemFromObjectCaseSensitive(cats,
			    mod_cats[i].name);
			if (cJSON_AddFalseToObject(cats, mod_cats[i].name) ==
			    NULL)
				return -1;
		} else if (cJSON_IsTrue(v))
			any = 1;
		v = cJSON_GetObjectItemCaseSensitive(scores, mod_cats[i].name);
		if (!cJSON_IsNumber(v)) {
			cJSON_DeleteItemFromObjectCaseSensitive(scores,
			    mod_cats[i].name);
			if (cJSON_AddNumberToObject(scores, mod_cats[i].name,
			    0) == NULL)
				return -1;
		}
		v = cJSON_GetObjectItemCaseSensitive(types, mod_cats[i].name);
		if (!cJSON_IsArray(v)) {
			cJSON_DeleteItemFromObjectCaseSensitive(types,
			    mod_cats[i].name);
			if ((nv = applied_types(mr, &mod_cats[i])) == NULL)
				return -1;
			cJSON_AddItemToObject(types, mod_cats[i].name, nv);
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(res, "flagged");
	if (!cJSON_IsBool(v)) {
		cJSON_DeleteItemFromObjectCaseSensitive(res, "flagged");
		if (cJSON_AddBoolToObject(res, "flagged", any) == NULL)
			return -1;
	}
	return 0;
}

int
h_mod_fill(cJSON *resp, const struct mod_req *mr, const char *id)
{
	cJSON	*results, *res;
	size_t	 n = 0;

	results = cJSON_GetObjectItemCaseSensitive(resp, "results");
	if (!cJSON_IsArray(results) ||
	    (size_t)cJSON_GetArraySize(results) != mr->nresults)
		return -1;
	cJSON_ArrayForEach(res, results) {
		if (fill_result(res, mr) == -1)
			return -1;
		n++;
	}
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(resp, "id"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(resp, "id");
		if (cJSON_AddStringToObject(resp, "id", id) == NULL)
			return -1;
	}
	return n == mr->nresults ? 0 : -1;
}

/* The completed 200 answer; ERR_UPSTREAM for garbage. */
static enum err
mod_answer(struct req *r, struct relay *rl, const struct mod_req *mr,
    const struct buf *resp)
{
	cJSON		*o, *m;
	enum err	 e;

	if ((o = cJSON_ParseWithLength(resp->p, resp->len)) == NULL)
		return ERR_UPSTREAM;
	arena_defer(r->a, h_cjson_delete, o);
	if (!cJSON_IsObject(o) || h_mod_fill(o, mr, arena_printf(r->a,
	    "modr-%s", r->rid)) == -1) {
		log_warn(r->rid, "channel %lld: unusable moderation answer",
		    (long long)rl->ch->id);
		return ERR_UPSTREAM;
	}
	if (oa_usage_read(cJSON_GetObjectItemCaseSensitive(o, "usage"),
	    &rl->usage)) {
		rl->usage.completion = 0;
		rl->usage_upstream = 1;
	}
	m = cJSON_GetObjectItemCaseSensitive(o, "model");
	if (rl->mapped || !cJSON_IsString(m)) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, "model");
		if (cJSON_AddStringToObject(o, "model", rl->model) == NULL)
			return ERR_NOMEM;
	}
	rl->delivered = 1;
	if ((e = h_send_cjson(r, 200, o)) != ERR_OK)
		rl->delivered = 0;
	return e;
}

enum err
h_moderations(struct req *r)
{
	struct mod_req	 mr;
	struct h_verr	 ve;
	struct h_json_call j;
	cJSON		*o;
	enum err	 e;
	int		 rc;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if (h_mod_validate(o, &mr, &ve) == -1)
		return h_bad_field(r, ve.param, "%s", ve.msg);
	/* relay_call sets "model" (added when the client left it out). */
	memset(&j, 0, sizeof(j));
	j.c.path = "/v1/moderations";
	j.c.json = o;
	if ((rc = h_json_relay(r, mr.model, mr.est_tokens, &j, &e)) == -1)
		return e;
	if (rc == 1)
		e = mod_answer(r, j.rl, &mr, j.resp);
	return h_settle(j.rl, e, j.status, j.ecode);
}
