/*
 * tokens.c: /api/token/, API keys.  Users see and change only their own
 * keys (another user's key is a 404, as if it did not exist);
 * administrators see everyone's and change those of users below their
 * role (and their own).
 *
 * A new key is shown in full once, in the answer that creates it; the
 * database keeps only its SHA-256 and a display prefix, which is what
 * every later answer shows as `key`.
 *
 * A user may not buy a cheaper price or a looser limit through a key's
 * settings: a user (role 1) may set a key's group only to "" or their
 * own group, and its rpm_limit/tpm_limit only up to their group's limit
 * (never 0 = unlimited where the group has a limit).  Administrators may
 * set any existing group and any limit.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "handlers/admin/api.h"
#include "db_api.h"
#include "request.h"
#include "sec.h"

static cJSON *
token_json(const struct token_row *t, const char *key)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	api_num(o, "id", t->id);
	api_num(o, "user_id", t->user_id);
	cJSON_AddStringToObject(o, "username", t->username != NULL ?
	    t->username : "");
	cJSON_AddStringToObject(o, "name", t->name);
	cJSON_AddStringToObject(o, "key", key != NULL ? key : t->key_prefix);
	api_num(o, "status", t->status);
	api_num(o, "created_time", t->created_time);
	api_num(o, "accessed_time", t->accessed_time);
	api_num(o, "expired_time", t->expired_time);
	api_num(o, "remain_quota", t->remain_quota);
	cJSON_AddBoolToObject(o, "unlimited_quota", t->unlimited != 0);
	api_num(o, "used_quota", t->used_quota);
	cJSON_AddStringToObject(o, "model_limits", t->model_limits);
	cJSON_AddStringToObject(o, "allow_ips", t->allow_ips);
	cJSON_AddStringToObject(o, "group", t->group);
	if (t->rpm_limit < 0)
		cJSON_AddNullToObject(o, "rpm_limit");
	else
		api_num(o, "rpm_limit", t->rpm_limit);
	if (t->tpm_limit < 0)
		cJSON_AddNullToObject(o, "tpm_limit");
	else
		api_num(o, "tpm_limit", t->tpm_limit);
	return o;
}

enum err
api_token_list(struct api *c)
{
	struct token_row	*v;
	const char		*kw;
	int64_t			 page, size, total, uid = c->me.id;
	size_t			 n, i;
	cJSON			*items;
	enum err		 e;

	if (api_page(c, &page, &size) == -1)
		return ERR_OK;
	if (c->me.role >= API_ADMIN &&
	    api_qint(c, "user_id", 0, INT64_MAX, c->me.id, &uid) == -1)
		return ERR_OK;
	kw = api_qword(c, "keyword");
	if ((e = db_api_tokens(c->r->db, c->r->a, uid, kw, size,
	    (page - 1) * size, &v, &n, &total)) != ERR_OK)
		return e;
	if ((items = cJSON_CreateArray()) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(items, token_json(&v[i], NULL));
	return api_page_ok(c, items, total, page, size);
}

/*
 * The key of the path's id into *t when the caller may see it (write:
 * and change it); -1 with the answer (404, 403) or a db error in *e.
 */
static int
visible(struct api *c, struct token_row *t, int write, enum err *e)
{
	struct user_row	 owner;

	*e = db_api_token_get(c->r->db, c->r->a, c->id, t);
	if (*e == ERR_OK && t->user_id != c->me.id && c->me.role < API_ADMIN)
		*e = ERR_NOT_FOUND;
	if (*e == ERR_NOT_FOUND) {
		*e = api_404(c, "token");
		return -1;
	}
	if (*e != ERR_OK)
		return -1;
	if (!write || t->user_id == c->me.id)
		return 0;
	*e = db_user_get(c->r->db, c->r->a, t->user_id, &owner);
	if (*e == ERR_NOT_FOUND) {
		/* A deleted user's key: dead already, anyone may tidy it. */
		*e = ERR_OK;
		return 0;
	}
	if (*e != ERR_OK)
		return -1;
	if (owner.role >= c->me.role) {
		*e = api_fail(c, 403, "You can only change the keys of users "
		    "whose role is below yours");
		return -1;
	}
	return 0;
}

enum err
api_token_get(struct api *c)
{
	struct token_row	 t;
	enum err		 e;

	if (visible(c, &t, 0, &e) == -1)
		return e;
	return api_ok(c, token_json(&t, NULL));
}

/*
 * Checks a key's group and limits for its owner (group ugroup):
 * administrators may pick any existing group; users only "" or their own,
 * and limits within their group's.  0 or -1 (answer sent).
 */
static int
policy(struct api *c, const struct token_row *t, const char *ugroup,
    int group_changed, int limits_changed)
{
	struct group_row	 g;
	const char		*eff = *t->group != '\0' ? t->group : ugroup;
	enum err		 e;

	if (group_changed && *t->group != '\0') {
		if (c->me.role < API_ADMIN && strcmp(t->group, ugroup) != 0)
			return api_bad(c, "group", "you may only use your own "
			    "group '%s' (or \"\")", ugroup);
		if (api_group_exists(c, "group", t->group) == -1)
			return -1;
	}
	if (!limits_changed || c->me.role >= API_ADMIN)
		return 0;
	if ((e = db_group_get(c->r->db, c->r->a, eff, &g)) == ERR_NOT_FOUND)
		return 0;
	if (e != ERR_OK) {
		api_dberr(c, e);
		return -1;
	}
	if (g.rpm > 0 && t->rpm_limit >= 0 && (t->rpm_limit == 0 ||
	    t->rpm_limit > g.rpm))
		return api_bad(c, "rpm_limit", "must be between 1 and your "
		    "group's %d (or null)", g.rpm);
	if (g.tpm > 0 && t->tpm_limit >= 0 && (t->tpm_limit == 0 ||
	    t->tpm_limit > g.tpm))
		return api_bad(c, "tpm_limit", "must be between 1 and your "
		    "group's %d (or null)", g.tpm);
	return 0;
}

/* A limit field: null = the group's (-1), else 0..INT_MAX. */
static int
limit_field(struct api *c, const char *k, int *out, int *changed)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(c->body, k);
	int64_t		 n;
	int		 rc;

	if (v == NULL)
		return 0;
	*changed = 1;
	if (cJSON_IsNull(v)) {
		*out = -1;
		return 0;
	}
	if ((rc = api_int(c, k, 0, INT_MAX, &n)) == -1)
		return -1;
	*out = (int)n;
	return 0;
}

/*
 * The body's fields over *t (creation: t holds the defaults).  *gch and
 * *lch say whether the group or a limit was given.  0 or -1 (sent).
 */
static int
fields(struct api *c, struct token_row *t, int *gch, int *lch)
{
	const char	*name = NULL, *group = NULL;
	int64_t		 exp = t->expired_time, rq = t->remain_quota, now;
	int		 unl = t->unlimited, rc;

	now = (int64_t)time(NULL);
	if ((rc = api_str(c, "name", 128, 1, &name)) == -1)
		return -1;
	if (rc == 1 && *name == '\0')
		return api_bad(c, "name", "must not be empty");
	if (rc == 1)
		t->name = (char *)(uintptr_t)name;
	if ((rc = api_int(c, "expired_time", -1, INT64_MAX, &exp)) == -1)
		return -1;
	if (rc == 1 && exp != t->expired_time && exp != -1 && exp <= now)
		return api_bad(c, "expired_time", "must be -1 (never) or in "
		    "the future");
	t->expired_time = exp;
	if ((rc = api_int(c, "remain_quota", 0, INT64_MAX, &rq)) == -1)
		return -1;
	t->remain_quota = rq;
	if (api_bool(c, "unlimited_quota", &unl) == -1)
		return -1;
	t->unlimited = unl;
	if (api_list(c, "model_limits", api_is_model, 65535,
	    &t->model_limits) == -1 || api_list(c, "allow_ips", api_is_ip,
	    65535, &t->allow_ips) == -1)
		return -1;
	if ((rc = api_str(c, "group", 64, 1, &group)) == -1)
		return -1;
	if (rc == 1 && strcmp(group, t->group) != 0) {
		t->group = (char *)(uintptr_t)group;
		*gch = 1;
	}
	if (limit_field(c, "rpm_limit", &t->rpm_limit, lch) == -1 ||
	    limit_field(c, "tpm_limit", &t->tpm_limit, lch) == -1)
		return -1;
	return 0;
}

enum err
api_token_create(struct api *c)
{
	struct req		*r = c->r;
	struct token_row	 t, row;
	struct token_new	 k;
	struct user_row		 owner = c->me;
	char			 key[SEC_KEY_LEN + 1], hash[SEC_HEX256];
	char			 prefix[SEC_PREFIX_LEN], what[64];
	int64_t			 uid = c->me.id, id;
	int			 gch = 0, lch = 0, rc;
	cJSON			*o;
	enum err		 e;

	memset(&t, 0, sizeof(t));
	t.name = "";
	t.expired_time = -1;
	t.model_limits = t.allow_ips = t.group = "";
	t.rpm_limit = t.tpm_limit = -1;
	/* No remain_quota: unlimited (still bounded by the user's quota). */
	t.unlimited = cJSON_GetObjectItemCaseSensitive(c->body,
	    "remain_quota") == NULL;
	if ((rc = api_int(c, "user_id", 1, INT64_MAX, &uid)) == -1)
		return ERR_OK;
	if (rc == 1 && uid != c->me.id) {
		if (c->me.role < API_ADMIN)
			return api_fail(c, 403, "user_id: only administrators "
			    "create keys for other users");
		if ((e = db_user_get(r->db, r->a, uid, &owner)) ==
		    ERR_NOT_FOUND)
			return api_fail(c, 400, "user_id: no such user");
		if (e != ERR_OK)
			return e;
		if (owner.role >= c->me.role)
			return api_fail(c, 403, "user_id: you can only make "
			    "keys for users whose role is below yours");
	}
	if (fields(c, &t, &gch, &lch) == -1)
		return ERR_OK;
	if (*t.name == '\0')
		return api_fail(c, 400, "name: required");
	if (policy(c, &t, owner.group, gch, lch) == -1)
		return ERR_OK;
	if (sec_key_new(key) != 0)
		return ERR_INTERNAL;
	sec_sha256_hex(key, strlen(key), hash);
	sec_key_prefix(key, prefix);
	memset(&k, 0, sizeof(k));
	k.user_id = owner.id;
	k.name = t.name;
	k.key_hash = hash;
	k.key_prefix = prefix;
	k.expired_time = t.expired_time;
	k.remain_quota = t.remain_quota;
	k.unlimited = t.unlimited;
	k.model_limits = t.model_limits;
	k.allow_ips = t.allow_ips;
	k.group = t.group;
	k.rpm_limit = t.rpm_limit;
	k.tpm_limit = t.tpm_limit;
	if ((e = db_key_add(r->db, &k, &id)) != ERR_OK ||
	    (e = db_api_token_get(r->db, r->a, id, &row)) != ERR_OK) {
		explicit_bzero(key, sizeof(key));
		return e;
	}
	o = token_json(&row, key);
	explicit_bzero(key, sizeof(key));
	snprintf(what, sizeof(what), "created key %lld", (long long)id);
	api_audit(c, what);
	return api_ok(c, o);
}

enum err
api_token_update(struct api *c)
{
	struct req		*r = c->r;
	struct token_row	 t, before;
	struct user_row		 owner;
	int64_t			 status = -1;
	int			 gch = 0, lch = 0;
	char			 what[64];
	enum err		 e;

	if (visible(c, &t, 1, &e) == -1)
		return e;
	before = t;
	if (fields(c, &t, &gch, &lch) == -1 ||
	    api_int(c, "status", 1, 2, &status) == -1)
		return ERR_OK;
	owner = c->me;
	if (t.user_id != c->me.id && (e = db_user_get(r->db, r->a,
	    t.user_id, &owner)) != ERR_OK)
		return e;
	if (policy(c, &t, owner.group, gch, lch) == -1)
		return ERR_OK;
	if (status != -1)
		t.status = (int)status;
	else if ((t.status == 3 && (t.expired_time == -1 ||
	    t.expired_time > (int64_t)time(NULL)) &&
	    t.expired_time != before.expired_time) ||
	    (t.status == 4 && (t.unlimited || t.remain_quota >
	    before.remain_quota)))
		t.status = 1;	/* renewed: an expired/exhausted key revives */
	if ((e = db_api_token_update(r->db, &t)) == ERR_NOT_FOUND)
		return api_404(c, "token");
	if (e != ERR_OK || (e = db_api_token_get(r->db, r->a, t.id, &t)) !=
	    ERR_OK)
		return e;
	snprintf(what, sizeof(what), "updated key %lld", (long long)t.id);
	api_audit(c, what);
	return api_ok(c, token_json(&t, NULL));
}

enum err
api_token_delete(struct api *c)
{
	struct token_row	 t;
	enum err		 e;

	if (visible(c, &t, 1, &e) == -1)
		return e;
	return api_deleted(c, db_api_token_delete(c->r->db, t.id), "token",
	    "deleted key %lld", (long long)t.id);
}
