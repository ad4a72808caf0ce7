/*
 * users.c: /api/user/ for administrators: list, read, create, update,
 * soft-delete users and adjust their quota.
 *
 * Roles are strictly ordered (1 user, 10 admin, 100 root) and nobody
 * acts above themselves: an administrator may read every user but change
 * only users whose role is below their own, and may give a role only
 * below their own (so admins manage users, root manages admins; a root
 * is made with nexhinactl).  Nobody can delete, disable or re-role
 * themselves here, so the last root cannot lock everyone out; their own
 * name, e-mail and password go through /api/user/self or this route.
 *
 * Disabling a user, deleting one or setting a new password ends the
 * user's console sessions (their API keys and access tokens stop at
 * once too, as every lookup requires a live, enabled user).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "handlers/admin/api.h"
#include "db_api.h"
#include "request.h"
#include "sec.h"

enum err
api_user_list(struct api *c)
{
	struct user_row	*v;
	const char	*kw;
	int64_t		 page, size, total;
	size_t		 n, i;
	cJSON		*items;
	enum err	 e;

	if (api_page(c, &page, &size) == -1)
		return ERR_OK;
	kw = api_qword(c, "keyword");
	if ((e = db_api_users(c->r->db, c->r->a, kw, size, (page - 1) * size,
	    &v, &n, &total)) != ERR_OK)
		return e;
	if ((items = cJSON_CreateArray()) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(items, api_user_json(&v[i]));
	return api_page_ok(c, items, total, page, size);
}

/* The live user of the path's id into *u, or 404 answered (-1). */
static int
target(struct api *c, struct user_row *u, enum err *e)
{
	*e = db_user_get(c->r->db, c->r->a, c->id, u);
	if (*e == ERR_NOT_FOUND) {
		*e = api_404(c, "user");
		return -1;
	}
	return *e == ERR_OK ? 0 : -1;
}

enum err
api_user_get(struct api *c)
{
	struct user_row	 u;
	enum err	 e;

	if (target(c, &u, &e) == -1)
		return e;
	return api_ok(c, api_user_json(&u));
}

/* role must be 1, 10 or 100 and below the caller's: 0 or -1 (sent). */
static int
role_ok(struct api *c, int64_t role)
{
	if (role != API_USER && role != API_ADMIN && role != API_ROOT)
		return api_bad(c, "role", "must be 1 (user), 10 (admin) or "
		    "100 (root)");
	if (role >= c->me.role) {
		api_fail(c, 403, "role: you can only give roles below your "
		    "own (%d)", c->me.role);
		return -1;
	}
	return 0;
}

int
api_group_exists(struct api *c, const char *k, const char *name)
{
	struct group_row	 g;
	enum err		 e;

	if (!api_is_group(name, strlen(name)))
		return api_bad(c, k, "'%s' is not a valid group name", name);
	if ((e = db_group_get(c->r->db, c->r->a, name, &g)) == ERR_NOT_FOUND)
		return api_bad(c, k, "group '%s' does not exist", name);
	if (e != ERR_OK) {
		api_dberr(c, e);
		return -1;
	}
	return 0;
}

enum err
api_user_create(struct api *c)
{
	struct req	*r = c->r;
	struct user_new	 u;
	struct user_row	 row;
	const char	*pw = NULL;
	char		 hash[256], what[128];
	int64_t		 role = API_USER, id;
	int		 rc;
	enum err	 e;

	memset(&u, 0, sizeof(u));
	if ((rc = api_str(c, "username", 64, 1, &u.username)) == -1)
		return ERR_OK;
	if (rc == 0)
		return api_fail(c, 400, "username: required");
	if (!api_is_username(u.username))
		return api_fail(c, 400, "username: 1-64 of letters, digits, "
		    "'.', '_', '@', '-', not all digits");
	if ((rc = api_str(c, "password", API_PW_MAX, 0, &pw)) == -1)
		return ERR_OK;
	if (rc == 0 || strlen(pw) < API_PW_MIN)
		return api_fail(c, 400, "password: required, at least %d "
		    "bytes", API_PW_MIN);
	u.display_name = u.username;
	u.email = "";
	u.group = "default";
	if (api_str(c, "display_name", 128, 1, &u.display_name) == -1 ||
	    api_email(c, "email", &u.email) == -1 ||
	    api_str(c, "group", 64, 1, &u.group) == -1 ||
	    api_int(c, "quota", 0, INT64_MAX, &u.quota) == -1 ||
	    (rc = api_int(c, "role", 0, 1000, &role)) == -1 ||
	    role_ok(c, role) == -1 ||
	    api_group_exists(c, "group", u.group) == -1)
		return ERR_OK;
	u.role = (int)role;
	if (sec_password_hash(pw, hash, sizeof(hash)) != 0)
		return ERR_INTERNAL;
	u.password_hash = hash;
	e = db_user_add(r->db, &u, &id);
	explicit_bzero(hash, sizeof(hash));
	if (e == ERR_BAD_REQUEST)
		return api_fail(c, 409, "username: '%s' is taken", u.username);
	if (e != ERR_OK || (e = db_user_get(r->db, r->a, id, &row)) != ERR_OK)
		return e;
	snprintf(what, sizeof(what), "created user %lld", (long long)id);
	api_audit(c, what);
	return api_ok(c, api_user_json(&row));
}

/* 0 when the caller may change t (a lower role, or themselves). */
static int
may_change(struct api *c, const struct user_row *t)
{
	if (t->id != c->me.id && t->role >= c->me.role) {
		api_fail(c, 403, "You can only change users whose role is "
		    "below yours");
		return -1;
	}
	return 0;
}

enum err
api_user_update(struct api *c)
{
	struct req	*r = c->r;
	struct user_row	 t;
	struct user_upd	 u = { NULL, NULL, NULL, NULL, -1, -1 };
	const char	*pw = NULL;
	char		 hash[256], what[128];
	int64_t		 role = -1, status = -1;
	int		 self;
	enum err	 e;

	if (target(c, &t, &e) == -1)
		return e;
	if (may_change(c, &t) == -1)
		return ERR_OK;
	self = t.id == c->me.id;
	if (api_str(c, "display_name", 128, 1, &u.display_name) == -1 ||
	    api_email(c, "email", &u.email) == -1 ||
	    api_str(c, "password", API_PW_MAX, 0, &pw) == -1 ||
	    api_int(c, "role", 0, 1000, &role) == -1 ||
	    api_int(c, "status", 1, 2, &status) == -1 ||
	    api_str(c, "group", 64, 1, &u.group) == -1)
		return ERR_OK;
	if (pw != NULL && strlen(pw) < API_PW_MIN)
		return api_fail(c, 400, "password: at least %d bytes",
		    API_PW_MIN);
	if (self && ((role != -1 && role != t.role) || (status != -1 &&
	    status != t.status)))
		return api_fail(c, 403, "You cannot change your own role or "
		    "status");
	if (!self && role != -1 && role_ok(c, role) == -1)
		return ERR_OK;
	if (u.group != NULL && api_group_exists(c, "group", u.group) == -1)
		return ERR_OK;
	u.role = self ? -1 : (int)role;
	u.status = self ? -1 : (int)status;
	if (pw != NULL) {
		if (sec_password_hash(pw, hash, sizeof(hash)) != 0)
			return ERR_INTERNAL;
		u.password_hash = hash;
	}
	e = db_api_user_update(r->db, t.id, &u);
	explicit_bzero(hash, sizeof(hash));
	if (e == ERR_NOT_FOUND)
		return api_404(c, "user");
	if (e != ERR_OK)
		return e;
	if ((pw != NULL || u.status == 2) && (e = db_api_sessions_drop(r->db,
	    t.id, self && c->via == API_VIA_SESSION ? c->sid : "")) != ERR_OK)
		return e;
	if ((e = db_user_get(r->db, r->a, t.id, &t)) != ERR_OK)
		return e;
	snprintf(what, sizeof(what), "updated user %lld%s", (long long)t.id,
	    pw != NULL ? " (new password)" : "");
	api_audit(c, what);
	return api_ok(c, api_user_json(&t));
}

enum err
api_user_delete(struct api *c)
{
	struct user_row	 t;
	enum err	 e;

	if (target(c, &t, &e) == -1)
		return e;
	if (t.id == c->me.id)
		return api_fail(c, 403, "You cannot delete yourself");
	if (may_change(c, &t) == -1)
		return ERR_OK;
	return api_deleted(c, db_api_user_delete(c->r->db, t.id), "user",
	    "deleted user %lld", (long long)t.id);
}

enum err
api_user_quota(struct api *c)
{
	struct req	*r = c->r;
	struct user_row	 t;
	char		 what[96];
	int64_t		 delta = 0, quota;
	int		 rc;
	enum err	 e;

	if ((rc = api_int(c, "delta", INT64_MIN, INT64_MAX, &delta)) == -1)
		return ERR_OK;
	if (rc == 0 || delta == 0)
		return api_fail(c, 400, "delta: required, a non-zero integer");
	if (target(c, &t, &e) == -1)
		return e;
	if (may_change(c, &t) == -1)
		return ERR_OK;
	e = db_api_user_adjust(r->db, t.id, delta, c->me.username, &quota);
	if (e == ERR_BAD_REQUEST)
		return api_fail(c, 400, "delta: %s", db_errmsg(r->db));
	if (e == ERR_NOT_FOUND)
		return api_404(c, "user");
	if (e != ERR_OK || (e = db_user_get(r->db, r->a, t.id, &t)) != ERR_OK)
		return e;
	snprintf(what, sizeof(what), "quota of user %lld %+lld",
	    (long long)t.id, (long long)delta);
	api_audit(c, what);
	return api_ok(c, api_user_json(&t));
}
