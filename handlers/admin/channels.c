/*
 * channels.c: /api/channel/, the upstream accounts (administrators).
 *
 * The credential (`key`) is write-only: it is sealed with AES-256-GCM
 * under the secret_key_file key (sec_seal) as soon as it arrives and no
 * answer ever carries it or anything derived from it; reads say
 * has_key: true instead.  An update without `key` keeps the stored one.
 *
 * The test action runs the same probe as the housekeeper and `nexhinactl
 * channel test` (chan_probe: a one-token chat request for test_model),
 * stores its response time and test time, and puts an auto-disabled
 * channel back in service when it answered.  A failed probe is still a
 * successful API call: data.ok says how the channel did.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "handlers/admin/api.h"
#include "buf.h"
#include "channels.h"
#include "db_api.h"
#include "request.h"
#include "sec.h"

#define CRED_MAX	(64 * 1024)	/* bytes of a credential */

static const char *const chan_types[] = {
	"openai", "azure", "anthropic", "gemini", "cohere",
	"openai-compatible", NULL
};

static cJSON *
channel_json(const struct channel_row *r)
{
	const struct channel	*ch = &r->c;
	cJSON			*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	api_num(o, "id", ch->id);
	cJSON_AddStringToObject(o, "type", ch->type);
	cJSON_AddStringToObject(o, "name", ch->name);
	cJSON_AddStringToObject(o, "base_url", ch->base_url);
	cJSON_AddBoolToObject(o, "has_key", 1);
	cJSON_AddStringToObject(o, "models", ch->models);
	api_obj_text(o, "model_mapping", ch->model_mapping);
	cJSON_AddStringToObject(o, "group", ch->groups);
	api_num(o, "priority", ch->priority);
	api_num(o, "weight", ch->weight);
	api_num(o, "status", ch->status);
	cJSON_AddStringToObject(o, "test_model", r->test_model);
	api_num(o, "test_time", r->test_time);
	api_num(o, "response_time", r->response_time);
	api_num(o, "used_quota", r->used_quota);
	api_num(o, "created_time", r->created_time);
	api_num(o, "fail_count", r->fail_count);
	api_obj_text(o, "other", ch->other);
	return o;
}

enum err
api_channel_list(struct api *c)
{
	struct channel_row	*v;
	const char		*kw, *type;
	int64_t			 page, size, total, status;
	size_t			 n, i;
	cJSON			*items;
	enum err		 e;

	if (api_page(c, &page, &size) == -1 ||
	    api_qint(c, "status", 0, 3, 0, &status) == -1)
		return ERR_OK;
	kw = api_qword(c, "keyword");
	type = api_qword(c, "type");
	if ((e = db_api_channels(c->r->db, c->r->a, kw, (int)status, type,
	    size, (page - 1) * size, &v, &n, &total)) != ERR_OK)
		return e;
	if ((items = cJSON_CreateArray()) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(items, channel_json(&v[i]));
	return api_page_ok(c, items, total, page, size);
}

enum err
api_channel_get(struct api *c)
{
	struct channel_row	 row;
	enum err		 e;

	if ((e = db_api_channel_row(c->r->db, c->r->a, c->id, &row)) ==
	    ERR_NOT_FOUND)
		return api_404(c, "channel");
	if (e != ERR_OK)
		return e;
	return api_ok(c, channel_json(&row));
}

/* A buffer for the sealed credential, freed with the request's arena. */
static struct buf *
sealed_buf(struct api *c)
{
	struct buf	*b;

	if ((b = arena_alloc(c->r->a, sizeof(*b))) == NULL)
		return NULL;
	buf_init(b, CRED_MAX + 64);
	if (arena_defer(c->r->a, buf_free, b) == -1)
		return NULL;
	return b;
}

/* Every group of the comma list exists: 0 or -1 (answer sent). */
static int
groups_exist(struct api *c, const char *list)
{
	const char	*p, *comma;
	char		*g;

	for (p = list; *p != '\0'; p = comma + (*comma != '\0')) {
		comma = p + strcspn(p, ",");
		if ((g = arena_strndup(c->r->a, p, (size_t)(comma - p))) ==
		    NULL) {
			api_dberr(c, ERR_NOMEM);
			return -1;
		}
		if (api_group_exists(c, "group", g) == -1)
			return -1;
	}
	return 0;
}

/*
 * The body's fields over row (creation: row holds the defaults); the
 * credential, when given, sealed into *sealed.  0 or -1 (answer sent).
 */
static int
fields(struct api *c, struct channel_row *row, struct buf *sealed,
    int *has_key)
{
	struct channel	*ch = &row->c;
	const char	*v;
	int64_t		 n;
	size_t		 i;
	int		 rc;

	if ((rc = api_str(c, "type", 32, 1, &v)) == -1)
		return -1;
	if (rc == 1) {
		for (i = 0; chan_types[i] != NULL; i++)
			if (strcmp(v, chan_types[i]) == 0)
				break;
		if (chan_types[i] == NULL)
			return api_bad(c, "type", "must be one of openai, "
			    "azure, anthropic, gemini, cohere, "
			    "openai-compatible");
		ch->type = (char *)(uintptr_t)chan_types[i];
	}
	if ((rc = api_str(c, "name", 128, 1, &v)) == -1)
		return -1;
	if (rc == 1 && *v == '\0')
		return api_bad(c, "name", "must not be empty");
	if (rc == 1)
		ch->name = (char *)(uintptr_t)v;
	if ((rc = api_str(c, "base_url", 512, 1, &v)) == -1)
		return -1;
	if (rc == 1 && ((strncmp(v, "http://", 7) != 0 &&
	    strncmp(v, "https://", 8) != 0) || strchr(v, ' ') != NULL ||
	    strlen(v) < 9))
		return api_bad(c, "base_url", "not an http(s) URL");
	if (rc == 1)
		ch->base_url = (char *)(uintptr_t)v;
	if (api_list(c, "models", api_is_model, 65535, &ch->models) == -1 ||
	    api_list(c, "group", api_is_group, 512, &ch->groups) == -1 ||
	    api_jobj(c, "model_mapping", 1, 0, &ch->model_mapping) == -1 ||
	    api_jobj(c, "other", 0, 0, &ch->other) == -1)
		return -1;
	if (*ch->models == '\0')
		return api_bad(c, "models", "at least one model is required");
	if (*ch->groups == '\0')
		return api_bad(c, "group", "at least one group is required");
	if ((rc = api_int(c, "priority", INT_MIN, INT_MAX, &n)) == -1)
		return -1;
	if (rc == 1)
		ch->priority = (int)n;
	if ((rc = api_int(c, "weight", 0, INT_MAX, &n)) == -1)
		return -1;
	if (rc == 1)
		ch->weight = (int)n;
	if ((rc = api_str(c, "test_model", 128, 1, &v)) == -1)
		return -1;
	if (rc == 1 && *v != '\0' && !api_is_model(v, strlen(v)))
		return api_bad(c, "test_model", "not a valid model name");
	if (rc == 1)
		row->test_model = (char *)(uintptr_t)v;
	if ((rc = api_str(c, "key", CRED_MAX, 1, &v)) == -1)
		return -1;
	*has_key = rc == 1;
	if (rc == 1 && *v == '\0')
		return api_bad(c, "key", "must not be empty");
	if (rc == 1 && sec_seal(c->r->secret, v, strlen(v), sealed) != 0) {
		api_fail(c, 500, "key: cannot be sealed");
		return -1;
	}
	return groups_exist(c, ch->groups);
}

enum err
api_channel_create(struct api *c)
{
	struct req		*r = c->r;
	struct channel_row	 row;
	struct buf		*sealed;
	char			 what[64];
	int64_t			 id;
	int			 has_key = 0;
	enum err		 e;

	if ((sealed = sealed_buf(c)) == NULL)
		return ERR_NOMEM;
	memset(&row, 0, sizeof(row));
	row.c.type = row.c.name = row.c.base_url = row.c.models = "";
	row.c.model_mapping = row.c.other = row.test_model = "";
	row.c.groups = "default";
	row.c.weight = 1;
	if (fields(c, &row, sealed, &has_key) == -1)
		return ERR_OK;
	if (*row.c.type == '\0')
		return api_fail(c, 400, "type: required");
	if (*row.c.name == '\0')
		return api_fail(c, 400, "name: required");
	if (*row.c.base_url == '\0')
		return api_fail(c, 400, "base_url: required");
	if (!has_key)
		return api_fail(c, 400, "key: required");
	row.c.key_enc = (unsigned char *)sealed->p;
	row.c.key_enc_len = sealed->len;
	if ((e = db_channel_add(r->db, &row.c, row.test_model, &id)) !=
	    ERR_OK || (e = db_api_channel_row(r->db, r->a, id, &row)) !=
	    ERR_OK)
		return e;
	snprintf(what, sizeof(what), "created channel %lld", (long long)id);
	api_audit(c, what);
	return api_ok(c, channel_json(&row));
}

enum err
api_channel_update(struct api *c)
{
	struct req		*r = c->r;
	struct channel_row	 row;
	struct buf		*sealed;
	char			 what[64];
	int64_t			 status;
	int			 has_key = 0, rc;
	enum err		 e;

	if ((e = db_api_channel_row(r->db, r->a, c->id, &row)) ==
	    ERR_NOT_FOUND)
		return api_404(c, "channel");
	if (e != ERR_OK)
		return e;
	if ((sealed = sealed_buf(c)) == NULL)
		return ERR_NOMEM;
	if (fields(c, &row, sealed, &has_key) == -1 ||
	    (rc = api_int(c, "status", 1, 2, &status)) == -1)
		return ERR_OK;
	if (rc == 1)
		row.c.status = (int)status;
	row.c.key_enc = has_key ? (unsigned char *)sealed->p : NULL;
	row.c.key_enc_len = has_key ? sealed->len : 0;
	if ((e = db_api_channel_update(r->db, &row.c, row.test_model)) ==
	    ERR_NOT_FOUND)
		return api_404(c, "channel");
	if (e != ERR_OK || (e = db_api_channel_row(r->db, r->a, c->id,
	    &row)) != ERR_OK)
		return e;
	snprintf(what, sizeof(what), "updated channel %lld%s",
	    (long long)c->id, has_key ? " (new key)" : "");
	api_audit(c, what);
	return api_ok(c, channel_json(&row));
}

enum err
api_channel_delete(struct api *c)
{
	return api_deleted(c, db_api_channel_delete(c->r->db, c->id),
	    "channel", "deleted channel %lld", (long long)c->id);
}

enum err
api_channel_test(struct api *c)
{
	struct req	*r = c->r;
	struct channel	 ch;
	char		*tm = NULL, msg[128], what[64];
	int64_t		 ms = 0;
	int		 status = 0, revived = 0;
	cJSON		*data;
	enum err	 e, pe;

	memset(&ch, 0, sizeof(ch));
	if ((e = db_channel_get(r->db, r->a, c->id, &ch, &tm)) ==
	    ERR_NOT_FOUND)
		return api_404(c, "channel");
	if (e != ERR_OK)
		return e;
	pe = chan_probe(r->up, r->a, r->secret, &ch, tm, &status, &ms);
	if (pe != ERR_BAD_REQUEST &&
	    (e = db_channel_tested(r->db, ch.id, ms)) != ERR_OK)
		return e;
	if (pe == ERR_OK && ch.status == 3) {
		if ((e = db_channel_set_status(r->db, ch.id, 1)) != ERR_OK)
			return e;
		revived = 1;
	}
	if (pe == ERR_OK)
		snprintf(msg, sizeof(msg), "ok%s", revived ? "; the "
		    "auto-disabled channel is enabled again" : "");
	else if (pe == ERR_BAD_REQUEST)
		snprintf(msg, sizeof(msg), "no probe for type %s, or the key "
		    "does not open with secret_key_file", ch.type);
	else if (pe == ERR_TIMEOUT)
		snprintf(msg, sizeof(msg), "timed out");
	else
		snprintf(msg, sizeof(msg), "failed (HTTP status %d)", status);
	if ((data = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	cJSON_AddBoolToObject(data, "ok", pe == ERR_OK);
	api_num(data, "status", status);
	api_num(data, "response_time_ms", ms);
	cJSON_AddStringToObject(data, "message", msg);
	snprintf(what, sizeof(what), "tested channel %lld: %s",
	    (long long)ch.id, pe == ERR_OK ? "ok" : "failed");
	api_audit(c, what);
	return api_ok(c, data);
}
