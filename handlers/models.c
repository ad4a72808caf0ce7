/*
 * models.c: GET /v1/models and GET /v1/models/{id}: the models this key
 * may use, i.e. those served by an enabled channel of its group and
 * allowed by its model_limits.  OpenAI's Model shape by default;
 * Anthropic's ModelInfo list when the client sends anthropic-version.
 */
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "handlers/handlers.h"
#include "request.h"

static const char *
owner(const char *id)
{
	if (strncmp(id, "claude", 6) == 0)
		return "anthropic";
	if (strncmp(id, "gemini", 6) == 0 || strncmp(id, "veo", 3) == 0)
		return "google";
	if (strncmp(id, "cohere", 6) == 0)
		return "cohere";
	return "openai";
}

static cJSON *
model_obj(const char *id, int anthropic)
{
	cJSON	*m;

	if ((m = cJSON_CreateObject()) == NULL)
		return NULL;
	if (anthropic) {
		cJSON_AddStringToObject(m, "type", "model");
		cJSON_AddStringToObject(m, "id", id);
		cJSON_AddStringToObject(m, "display_name", id);
		cJSON_AddStringToObject(m, "created_at",
		    "2025-01-01T00:00:00Z");
	} else {
		cJSON_AddStringToObject(m, "id", id);
		cJSON_AddStringToObject(m, "object", "model");
		cJSON_AddNumberToObject(m, "created", 1700000000);
		cJSON_AddStringToObject(m, "owned_by", owner(id));
	}
	return m;
}

enum err
h_models_usable(struct req *r, char ***out, size_t *n)
{
	char		**all;
	size_t		 i, k = 0, cnt;
	enum err	 e;

	if ((e = db_models_for_group(r->db, r->a, r->key.group, &all,
	    &cnt)) != ERR_OK)
		return e;
	for (i = 0; i < cnt; i++)
		if (auth_list_has(r->key.model_limits, all[i]))
			all[k++] = all[i];
	*out = all;
	*n = k;
	return ERR_OK;
}

enum err
h_models_list(struct req *r)
{
	char		**ids;
	size_t		 i, n;
	cJSON		*o, *d;
	int		 anth = req_param(r, "HTTP_ANTHROPIC_VERSION") != NULL;
	enum err	 e;

	if ((e = h_models_usable(r, &ids, &n)) != ERR_OK)
		return e;
	if ((o = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	arena_defer(r->a, h_cjson_delete, o);
	if (!anth)
		cJSON_AddStringToObject(o, "object", "list");
	if ((d = cJSON_AddArrayToObject(o, "data")) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(d, model_obj(ids[i], anth));
	if (anth) {
		cJSON_AddBoolToObject(o, "has_more", 0);
		if (n > 0) {
			cJSON_AddStringToObject(o, "first_id", ids[0]);
			cJSON_AddStringToObject(o, "last_id", ids[n - 1]);
		} else {
			cJSON_AddNullToObject(o, "first_id");
			cJSON_AddNullToObject(o, "last_id");
		}
	}
	return h_send_cjson(r, 200, o);
}

enum err
h_models_get(struct req *r)
{
	char		**ids;
	const char	*id = r->path + strlen("/v1/models/");
	size_t		 i, n;
	cJSON		*m;
	enum err	 e;

	if ((e = h_models_usable(r, &ids, &n)) != ERR_OK)
		return e;
	for (i = 0; i < n; i++) {
		if (strcmp(ids[i], id) != 0)
			continue;
		if ((m = model_obj(id, req_param(r,
		    "HTTP_ANTHROPIC_VERSION") != NULL)) == NULL)
			return ERR_NOMEM;
		arena_defer(r->a, h_cjson_delete, m);
		return h_send_cjson(r, 200, m);
	}
	req_send_error(r, ERR_MODEL_NOT_FOUND, arena_printf(r->a, "The model "
	    "`%s` does not exist or you do not have access to it.", id),
	    "model");
	return ERR_OK;
}
