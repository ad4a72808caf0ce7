/*
 * db_api.c: the management API's statements for who is calling and for
 * the users themselves: logins, console sessions, personal access
 * tokens, the user list, user updates and deletes, quota adjustments,
 * and the options table.  Its SQL is db_api_q (enum q values from
 * Q__REDEEM_END, db_int.h); keys, channels and the rest are db_api_obj.c,
 * logs and usage db_api_log.c.
 *
 * Secrets never reach this file in clear: sessions and tokens are looked
 * up by the SHA-256 (hex) of what the client holds, passwords arrive as
 * sec_password_hash() output.  A lookup joins the user and requires it
 * live (deleted_at IS NULL), so deleting a user ends its sessions and
 * tokens at once; the user's status is the caller's to check.  Money
 * moved by an administrator goes in one transaction with its log row.
 */
#include <string.h>

#include <mysql.h>
#include <mysqld_error.h>

#include "arena.h"
#include "db.h"
#include "db_api.h"
#include "db_int.h"

/* Keyword filter of the user list: kw, then three LIKE patterns. */
#define U_WHERE "u.deleted_at IS NULL AND (? = '' OR u.username LIKE ? " \
	"ESCAPE '!' OR u.display_name LIKE ? ESCAPE '!' OR u.email LIKE ? " \
	"ESCAPE '!')"

/* The row of statement q in db_api_q. */
#define ROW(q)	[(q) - Q__REDEEM_END]

/* Indexed by enum q - Q__REDEEM_END (db_int.h). */
const struct qdef db_api_q[] = {
	ROW(Q_API_USER_AUTH) = { "SELECT id, password_hash, status FROM users "
	    "WHERE username = ? AND deleted_at IS NULL", 1 },
	ROW(Q_API_USER_LOGIN) = { "UPDATE users SET last_login_at = "
	    "UNIX_TIMESTAMP() WHERE id = ?", 0 },
	ROW(Q_API_SESS_ADD) = { "INSERT INTO sessions (id, user_id, csrf, "
	    "created_at, expires_at, ip, user_agent) VALUES (?, ?, ?, "
	    "UNIX_TIMESTAMP(), UNIX_TIMESTAMP() + ?, ?, ?)", 0 },
	ROW(Q_API_SESS_GET) = { "SELECT s.csrf, " USER_COLS " FROM sessions s "
	    "JOIN users u ON u.id = s.user_id WHERE s.id = ? "
	    "AND s.expires_at > UNIX_TIMESTAMP() AND u.deleted_at IS NULL", 1 },
	ROW(Q_API_SESS_DEL) = { "DELETE FROM sessions WHERE id = ?", 0 },
	ROW(Q_API_SESS_DROP) = { "DELETE FROM sessions WHERE user_id = ? "
	    "AND id <> ?", 0 },
	ROW(Q_API_SESS_PURGE) = { "DELETE FROM sessions WHERE expires_at < ? "
	    "LIMIT 1000", 0 },
	ROW(Q_API_PAT_ADD) = { "INSERT INTO personal_tokens (user_id, name, "
	    "token_hash, prefix, created_at) "
	    "VALUES (?, ?, ?, ?, UNIX_TIMESTAMP())", 0 },
	ROW(Q_API_PAT_COUNT) = { "SELECT COUNT(*) FROM personal_tokens "
	    "WHERE user_id = ?", 1 },
	ROW(Q_API_PAT_AUTH) = { "SELECT p.id, " USER_COLS
	    " FROM personal_tokens p JOIN users u ON u.id = p.user_id "
	    "WHERE p.token_hash = ? AND u.deleted_at IS NULL", 1 },
	ROW(Q_API_PAT_TOUCH) = { "UPDATE personal_tokens SET last_used_at = "
	    "UNIX_TIMESTAMP() WHERE id = ? "
	    "AND last_used_at < UNIX_TIMESTAMP() - 60", 0 },
	ROW(Q_API_PAT_LIST) = { "SELECT id, name, prefix, created_at, "
	    "last_used_at FROM personal_tokens WHERE user_id = ? ORDER BY id",
	    1 },
	ROW(Q_API_PAT_DEL) = { "DELETE FROM personal_tokens WHERE id = ? "
	    "AND user_id = ?", 0 },
	ROW(Q_API_PAT_DROP) = { "DELETE FROM personal_tokens "
	    "WHERE user_id = ?", 0 },
	ROW(Q_API_USERS) = { "SELECT " USER_COLS " FROM users u WHERE " U_WHERE
	    " ORDER BY u.id LIMIT ? OFFSET ?", 1 },
	ROW(Q_API_USERS_COUNT) = { "SELECT COUNT(*) FROM users u WHERE "
	    U_WHERE, 1 },
	ROW(Q_API_USER_UPDATE) = { "UPDATE users SET "
	    "display_name = COALESCE(?, display_name), "
	    "email = COALESCE(?, email), "
	    "password_hash = COALESCE(?, password_hash), "
	    "`group` = COALESCE(?, `group`), role = COALESCE(?, role), "
	    "status = COALESCE(?, status) "
	    "WHERE id = ? AND deleted_at IS NULL", 0 },
	ROW(Q_API_USER_DELETE) = { "UPDATE users SET deleted_at = "
	    "UNIX_TIMESTAMP() WHERE id = ? AND deleted_at IS NULL", 0 },
	ROW(Q_API_OPTIONS) = { "SELECT name, value FROM options ORDER BY name",
	    1 },
	ROW(Q_API_OPTION_SET) = { "INSERT INTO options (name, value) "
	    "VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)", 0 },
};

_Static_assert(sizeof(db_api_q) / sizeof(db_api_q[0]) ==
    Q__API_END - Q__REDEEM_END, "db_api_q must have one row per statement");

/* CLIENT_FOUND_ROWS: the count is of rows matched, not changed. */
enum err
db_api_changed(MYSQL_STMT **stp, enum err e)
{
	if (e != ERR_OK)
		return e;
	e = q_affected(*stp) > 0 ? ERR_OK : ERR_NOT_FOUND;
	q_done(*stp);
	return e;
}

enum err
db_api_user_auth(struct db *d, struct arena *a, const char *name,
    int64_t *id, char **hash, int *status)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_API_USER_AUTH, &st, "s", name)) != ERR_OK)
		return e;
	e = q_row(d, st, a, "isd", id, hash, status);
	q_done(st);
	return e;
}

enum err
db_api_user_logged_in(struct db *d, int64_t id)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_API_USER_LOGIN, &st, "i", id)) == ERR_OK)
		q_done(st);
	return e;
}

enum err
db_api_session_add(struct db *d, const char *id, int64_t user_id,
    const char *csrf, int64_t ttl, const char *ip, const char *ua)
{
	MYSQL_STMT	*st;
	char		 ipf[65], uaf[256];
	enum err	 e;

	if ((e = q_run(d, Q_API_SESS_ADD, &st, "sisiss", id, user_id, csrf,
	    ttl, fit(ipf, sizeof(ipf), ip != NULL ? ip : ""),
	    fit(uaf, sizeof(uaf), ua != NULL ? ua : ""))) == ERR_OK)
		q_done(st);
	return e;
}

enum err
db_api_session_get(struct db *d, struct arena *a, const char *id,
    struct user_row *u, char **csrf)
{
	MYSQL_STMT	*st;
	enum err	 e;

	memset(u, 0, sizeof(*u));
	if ((e = q_run(d, Q_API_SESS_GET, &st, "s", id)) != ERR_OK)
		return e;
	e = q_row(d, st, a, "s" USER_FMT, csrf, &u->id, &u->username,
	    &u->display_name, &u->email, &u->role, &u->status, &u->quota,
	    &u->used_quota, &u->request_count, &u->group, &u->created_at,
	    &u->last_login_at);
	q_done(st);
	return e;
}

enum err
db_api_session_del(struct db *d, const char *id)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_API_SESS_DEL, &st, "s", id)) == ERR_OK)
		q_done(st);
	return e;
}

enum err
db_api_sessions_drop(struct db *d, int64_t user_id, const char *keep)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_API_SESS_DROP, &st, "is", user_id, keep)) ==
	    ERR_OK)
		q_done(st);
	return e;
}

enum err
db_api_sessions_purge(struct db *d, int64_t before)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_API_SESS_PURGE, &st, "i", before)) == ERR_OK)
		q_done(st);
	return e;
}

enum err
db_api_pat_add(struct db *d, int64_t user_id, const char *name,
    const char *hash, const char *prefix, int64_t *id)
{
	MYSQL_STMT	*st;
	char		 nm[129];
	enum err	 e;

	*id = 0;
	if ((e = q_run(d, Q_API_PAT_ADD, &st, "isss", user_id,
	    fit(nm, sizeof(nm), name), hash, prefix)) != ERR_OK)
		return e;
	*id = (int64_t)mysql_stmt_insert_id(st);
	q_done(st);
	return ERR_OK;
}

enum err
db_api_pat_count(struct db *d, int64_t user_id, int64_t *n)
{
	MYSQL_STMT	*st;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_API_PAT_COUNT, &st, "i", user_id)) != ERR_OK)
		return e;
	e = q_row(d, st, NULL, "i", n);
	q_done(st);
	return e;
}

enum err
db_api_pat_auth(struct db *d, struct arena *a, const char *hash,
    struct user_row *u, int64_t *pat_id)
{
	MYSQL_STMT	*st;
	enum err	 e;

	memset(u, 0, sizeof(*u));
	if ((e = q_run(d, Q_API_PAT_AUTH, &st, "s", hash)) != ERR_OK)
		return e;
	e = q_row(d, st, a, "i" USER_FMT, pat_id, &u->id, &u->username,
	    &u->display_name, &u->email, &u->role, &u->status, &u->quota,
	    &u->used_quota, &u->request_count, &u->group, &u->created_at,
	    &u->last_login_at);
	q_done(st);
	if (e != ERR_OK)
		return e;
	/* Best effort: a failed stamp must not refuse the call. */
	if (q_run(d, Q_API_PAT_TOUCH, &st, "i", *pat_id) == ERR_OK)
		q_done(st);
	return ERR_OK;
}

static enum err
pat_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p)
{
	struct pat_row	*t = p;

	return q_row(d, st, a, "issii", &t->id, &t->name, &t->prefix,
	    &t->created_at, &t->last_used_at);
}

enum err
db_api_pat_list(struct db *d, struct arena *a, int64_t user_id,
    struct pat_row **out, size_t *n)
{
	MYSQL_STMT	*st;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_API_PAT_LIST, &st, "i", user_id)) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), pat_read, n, &e);
	return e;
}

enum err
db_api_pat_del(struct db *d, int64_t user_id, int64_t id)
{
	MYSQL_STMT	*st;

	return db_api_changed(&st, q_run(d, Q_API_PAT_DEL, &st, "ii", id,
	    user_id));
}

char *
db_api_like(struct arena *a, const char *kw)
{
	char	*p, *q;

	if ((p = q = arena_alloc(a, strlen(kw) * 2 + 3)) == NULL)
		return NULL;
	*q++ = '%';
	for (; *kw != '\0'; kw++) {
		if (*kw == '!' || *kw == '%' || *kw == '_')
			*q++ = '!';
		*q++ = *kw;
	}
	*q++ = '%';
	*q = '\0';
	return p;
}

enum err
db_api_users(struct db *d, struct arena *a, const char *kw, int64_t limit,
    int64_t offset, struct user_row **out, size_t *n, int64_t *total)
{
	MYSQL_STMT	*st;
	const char	*lk;
	enum err	 e;

	*n = 0;
	*total = 0;
	if ((lk = db_api_like(a, kw)) == NULL) {
		set_err(d, 0, "out of memory");
		return ERR_NOMEM;
	}
	if ((e = q_run(d, Q_API_USERS_COUNT, &st, "ssss", kw, lk, lk, lk)) !=
	    ERR_OK)
		return e;
	e = q_row(d, st, NULL, "i", total);
	q_done(st);
	if (e != ERR_OK || (e = q_run(d, Q_API_USERS, &st, "ssssii", kw, lk,
	    lk, lk, limit, offset)) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), user_read, n, &e);
	return e;
}

enum err
db_api_user_update(struct db *d, int64_t id, const struct user_upd *u)
{
	MYSQL_STMT	*st;
	int64_t		 role = u->role, status = u->status;

	return db_api_changed(&st, q_run(d, Q_API_USER_UPDATE, &st, "zzzzIIi",
	    u->display_name, u->email, u->password_hash, u->group,
	    u->role < 0 ? NULL : &role, u->status < 0 ? NULL : &status, id));
}

static enum err
user_delete_tx(struct db *d, void *arg)
{
	const int64_t	*id = arg;
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = db_api_changed(&st, q_run(d, Q_API_USER_DELETE, &st, "i",
	    *id))) != ERR_OK)
		return e;
	if ((e = q_run(d, Q_API_SESS_DROP, &st, "is", *id, "")) != ERR_OK)
		return e;
	q_done(st);
	if ((e = q_run(d, Q_API_PAT_DROP, &st, "i", *id)) != ERR_OK)
		return e;
	q_done(st);
	return ERR_OK;
}

enum err
db_api_user_delete(struct db *d, int64_t id)
{
	return tx_run(d, user_delete_tx, &id);
}

enum err
db_api_user_adjust(struct db *d, int64_t id, int64_t delta,
    const char *actor, int64_t *quota)
{
	struct quota_chg	 x = { id, delta, 1, actor, 0, 0 };
	enum err		 e;

	if (delta == 0) {
		set_err(d, 0, "a quota change of 0");
		return ERR_BAD_REQUEST;
	}
	if ((e = tx_run(d, quota_tx, &x)) == ERR_OK)
		*quota = x.quota;
	return e;
}

static enum err
option_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p)
{
	struct option_row	*o = p;

	return q_row(d, st, a, "ss", &o->name, &o->value);
}

enum err
db_api_options(struct db *d, struct arena *a, struct option_row **out,
    size_t *n)
{
	MYSQL_STMT	*st;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_API_OPTIONS, &st, "")) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), option_read, n, &e);
	return e;
}

enum err
db_api_option_set(struct db *d, const char *name, const char *value)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_API_OPTION_SET, &st, "ss", name, value)) ==
	    ERR_OK)
		q_done(st);
	return e;
}
