/*
 * db_admin.c: the administration statements that nexhinactl (and the
 * admin handlers) use, split out of db.c: users and their quota, keys,
 * channels, model prices and groups.  Its SQL is db_admin_q (enum q
 * values from Q__MIG_END, db_int.h).
 *
 * Changes of money made by an administrator (a new user's initial quota,
 * db_user_set_quota) run in a transaction together with their LOGT_MANAGE
 * logs row, so the log always explains the balance.  Statuses are
 * range-checked here, before any SQL; strings of results live in the
 * caller's arena.
 *
 * The row readers of users, keys and channels, the list and single-row
 * helpers (q_rows, q_one) and the quota change (quota_tx) serve the
 * management API's modules (db_api*.c) as well.
 */
#include <stdio.h>
#include <string.h>

#include <mysql.h>
#include <mysqld_error.h>

#include "arena.h"
#include "db.h"
#include "db_int.h"

#define GROUP_COLS "name, ratio_u, rpm, tpm, description"

/* The row of statement q in db_admin_q. */
#define ROW(q)	[(q) - Q__MIG_END]

/* Indexed by enum q - Q__MIG_END (db_int.h). */
const struct qdef db_admin_q[] = {
	ROW(Q_USER_ADD) = { "INSERT INTO users (username, display_name, email, "
	    "password_hash, role, status, quota, `group`, created_at) "
	    "VALUES (?, ?, ?, ?, ?, 1, ?, ?, UNIX_TIMESTAMP())", 0 },
	ROW(Q_USER_GET) = { "SELECT " USER_COLS " FROM users u "
	    "WHERE id = ? AND deleted_at IS NULL", 1 },
	ROW(Q_USER_BY_NAME) = { "SELECT " USER_COLS " FROM users u "
	    "WHERE username = ? AND deleted_at IS NULL", 1 },
	ROW(Q_USER_LIST) = { "SELECT " USER_COLS " FROM users u "
	    "WHERE id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?", 1 },
	ROW(Q_USER_LOCK) = { "SELECT username, quota FROM users "
	    "WHERE id = ? AND deleted_at IS NULL FOR UPDATE", 0 },
	ROW(Q_USER_SET_QUOTA) = { "UPDATE users SET quota = ? "
	    "WHERE id = ?", 0 },
	ROW(Q_KEY_ADD) = { "INSERT INTO tokens (user_id, name, key_hash, "
	    "key_prefix, status, created_time, expired_time, remain_quota, "
	    "unlimited_quota, model_limits, allow_ips, `group`, rpm_limit, "
	    "tpm_limit) VALUES (?, ?, ?, ?, 1, UNIX_TIMESTAMP(), ?, ?, ?, ?, "
	    "?, ?, ?, ?)", 0 },
	ROW(Q_KEY_LIST) = { "SELECT " TOKEN_COLS TOKEN_FROM
	    "WHERE t.deleted_at IS NULL AND (? = 0 OR t.user_id = ?) "
	    "ORDER BY t.id", 1 },
	ROW(Q_KEY_STATUS) = { "UPDATE tokens SET status = ? "
	    "WHERE id = ? AND deleted_at IS NULL", 0 },
	ROW(Q_CHANNEL_ADD) = { "INSERT INTO channels (type, name, base_url, "
	    "key_enc, models, model_mapping, `group`, priority, weight, "
	    "status, test_model, created_time, other) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, UNIX_TIMESTAMP(), ?)",
	    0 },
	ROW(Q_CHANNEL_LIST) = { "SELECT " CROW_COLS " FROM channels "
	    "ORDER BY id", 1 },
	ROW(Q_CHANNEL_STATUS) = { "UPDATE channels SET status = ? WHERE id = ?",
	    0 },
	ROW(Q_CHANNEL_GET) = { "SELECT " CHAN_COLS ", key_enc, test_model "
	    "FROM channels WHERE id = ?", 1 },
	ROW(Q_CHANNELS_DISABLED) = { "SELECT id FROM channels WHERE status = 3 "
	    "ORDER BY id", 1 },
	ROW(Q_CHANNEL_TESTED) = { "UPDATE channels SET response_time = ?, "
	    "test_time = UNIX_TIMESTAMP() WHERE id = ?", 0 },
	ROW(Q_PRICE_SET) = { "INSERT INTO model_prices (model, basis, input_u, "
	    "output_u, cache_u, cache_write_u, unit_u, extra, updated_at) "
	    "VALUES (?, ?, COALESCE(?, 0), COALESCE(?, 0), COALESCE(?, 0), "
	    "COALESCE(?, 0), COALESCE(?, 0), COALESCE(?, ''), "
	    "UNIX_TIMESTAMP()) ON DUPLICATE KEY UPDATE "
	    "basis = VALUES(basis), input_u = COALESCE(?, input_u), "
	    "output_u = COALESCE(?, output_u), "
	    "cache_u = COALESCE(?, cache_u), "
	    "cache_write_u = COALESCE(?, cache_write_u), "
	    "unit_u = COALESCE(?, unit_u), "
	    "extra = COALESCE(?, extra), updated_at = VALUES(updated_at)", 0 },
	ROW(Q_PRICE_LIST) = { "SELECT " PRICE_COLS " FROM model_prices "
	    "ORDER BY model", 1 },
	ROW(Q_GROUP_SET) = { "INSERT INTO `groups` (" GROUP_COLS ") VALUES (?, "
	    "COALESCE(?, 1000000), COALESCE(?, 0), COALESCE(?, 0), "
	    "COALESCE(?, '')) ON DUPLICATE KEY UPDATE "
	    "ratio_u = COALESCE(?, ratio_u), rpm = COALESCE(?, rpm), "
	    "tpm = COALESCE(?, tpm), "
	    "description = COALESCE(?, description)", 0 },
	ROW(Q_GROUP_GET) = { "SELECT " GROUP_COLS " FROM `groups` "
	    "WHERE name = ?", 1 },
	ROW(Q_GROUP_LIST) = { "SELECT " GROUP_COLS " FROM `groups` "
	    "ORDER BY name", 1 },
};

_Static_assert(sizeof(db_admin_q) / sizeof(db_admin_q[0]) ==
    Q__ADMIN_END - Q__MIG_END, "db_admin_q must have one row per statement");

/* Appends s to out as a JSON string body (RFC 8259 section 7). */
static void
json_esc(char *out, size_t outsz, const char *s)
{
	size_t	 j = 0;
	int	 w;

	for (; *s != '\0' && j + 7 < outsz; s++) {
		if (*s == '"' || *s == '\\') {
			out[j++] = '\\';
			out[j++] = *s;
		} else if ((unsigned char)*s < 0x20) {
			w = snprintf(out + j, outsz - j, "\\u%04x",
			    (unsigned char)*s);
			j += (size_t)w;
		} else
			out[j++] = *s;
	}
	out[j] = '\0';
}

enum err
user_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p)
{
	struct user_row	*u = p;

	memset(u, 0, sizeof(*u));
	return q_row(d, st, a, USER_FMT, &u->id, &u->username,
	    &u->display_name, &u->email, &u->role, &u->status, &u->quota,
	    &u->used_quota, &u->request_count, &u->group, &u->created_at,
	    &u->last_login_at);
}

enum err
token_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p)
{
	struct token_row	*t = p;

	memset(t, 0, sizeof(*t));
	return q_row(d, st, a, "iisssdiiiidisssnn", &t->id, &t->user_id,
	    &t->username, &t->name, &t->key_prefix, &t->status,
	    &t->created_time, &t->accessed_time, &t->expired_time,
	    &t->remain_quota, &t->unlimited, &t->used_quota, &t->model_limits,
	    &t->allow_ips, &t->group, &t->rpm_limit, &t->tpm_limit);
}

enum err
chan_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p)
{
	struct channel_row	*r = p;

	memset(r, 0, sizeof(*r));
	return q_row(d, st, a, "issssssdddssidiii", &r->c.id, &r->c.type,
	    &r->c.name, &r->c.base_url, &r->c.models, &r->c.model_mapping,
	    &r->c.groups, &r->c.priority, &r->c.weight, &r->c.status,
	    &r->c.other, &r->test_model, &r->test_time, &r->response_time,
	    &r->used_quota, &r->created_time, &r->fail_count);
}

void *
q_rows(struct db *d, MYSQL_STMT *st, struct arena *a, size_t size,
    enum err (*fn)(struct db *, MYSQL_STMT *, struct arena *, void *),
    size_t *n, enum err *e)
{
	char	*out;
	size_t	 rows, i;

	*n = 0;
	*e = ERR_OK;
	if ((out = q_array(d, st, a, size, &rows)) == NULL)
		*e = ERR_NOMEM;
	for (i = 0; *e == ERR_OK && i < rows; i++)
		if ((*e = fn(d, st, a, out + i * size)) == ERR_OK)
			(*n)++;
	q_done(st);
	if (*e == ERR_NOT_FOUND)
		*e = ERR_OK;
	return out;
}

enum err
q_one(struct db *d, MYSQL_STMT *st, struct arena *a,
    enum err (*fn)(struct db *, MYSQL_STMT *, struct arena *, void *),
    void *out)
{
	enum err	 e;

	e = fn(d, st, a, out);
	q_done(st);
	return e;
}

struct user_add {
	const struct user_new	*u;
	int64_t			 id;
};

static enum err
user_add_tx(struct db *d, void *arg)
{
	struct user_add		*x = arg;
	const struct user_new	*u = x->u;
	struct log_rec		 l;
	MYSQL_STMT		*st;
	char			 other[64];
	enum err		 e;

	if ((e = q_run(d, Q_USER_ADD, &st, "ssssdis", u->username,
	    u->display_name, u->email, u->password_hash, u->role, u->quota,
	    u->group)) != ERR_OK) {
		if (d->last_errno == ER_DUP_ENTRY) {
			set_err(d, ER_DUP_ENTRY, "username '%s' is taken",
			    u->username);
			return ERR_BAD_REQUEST;
		}
		return e;
	}
	x->id = (int64_t)mysql_stmt_insert_id(st);
	if (u->quota == 0)
		return ERR_OK;
	memset(&l, 0, sizeof(l));
	snprintf(other, sizeof(other), "{\"action\":\"initial_quota\"}");
	l.type = LOGT_MANAGE;
	l.user_id = x->id;
	l.username = u->username;
	l.quota = u->quota;
	l.other = other;
	return log_put(d, &l);
}

enum err
db_user_add(struct db *d, const struct user_new *u, int64_t *id)
{
	struct user_add	 x = { u, 0 };
	enum err	 e;

	*id = 0;
	if (u->quota < 0) {
		set_err(d, 0, "quota must not be negative");
		return ERR_BAD_REQUEST;
	}
	if ((e = tx_run(d, user_add_tx, &x)) == ERR_OK)
		*id = x.id;
	return e;
}

enum err
db_user_get(struct db *d, struct arena *a, int64_t id, struct user_row *out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_USER_GET, &st, "i", id)) != ERR_OK)
		return e;
	return q_one(d, st, a, user_read, out);
}

enum err
db_user_by_name(struct db *d, struct arena *a, const char *name,
    struct user_row *out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_USER_BY_NAME, &st, "s", name)) != ERR_OK)
		return e;
	return q_one(d, st, a, user_read, out);
}

enum err
db_user_list(struct db *d, struct arena *a, int64_t after_id, size_t limit,
    struct user_row **out, size_t *n)
{
	MYSQL_STMT	*st;
	int64_t		 lim = (int64_t)(limit < 1 ? 1 : limit > 10000 ? 10000 :
			    limit);
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_USER_LIST, &st, "ii", after_id, lim)) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), user_read, n, &e);
	return e;
}

enum err
quota_tx(struct db *d, void *arg)
{
	struct quota_chg	*x = arg;
	struct arena		 a;
	struct log_rec		 l;
	MYSQL_STMT		*st;
	char			 other[256], actor[80], *name = NULL;
	int64_t			 old = 0;
	enum err		 e;

	arena_init(&a, 0);
	x->quota = x->delta = 0;
	if ((e = q_run(d, Q_USER_LOCK, &st, "i", x->uid)) != ERR_OK)
		goto out;
	e = q_row(d, st, &a, "si", &name, &old);
	q_done(st);
	if (e != ERR_OK)
		goto out;
	if (x->add && (__builtin_add_overflow(old, x->value, &x->quota) ||
	    x->quota < 0)) {
		set_err(d, 0, "the balance of %lld cannot go below zero",
		    (long long)old);
		e = ERR_BAD_REQUEST;
		goto out;
	}
	if (!x->add && __builtin_sub_overflow(x->value, old, &x->delta)) {
		set_err(d, 0, "quota change out of range");
		e = ERR_BAD_REQUEST;
		goto out;
	}
	if (x->add)
		x->delta = x->value;
	else
		x->quota = x->value;
	if ((e = q_run(d, Q_USER_SET_QUOTA, &st, "ii", x->quota, x->uid)) !=
	    ERR_OK)
		goto out;
	q_done(st);
	json_esc(actor, sizeof(actor), x->actor != NULL ? x->actor : "");
	snprintf(other, sizeof(other), "{\"action\":\"%s\","
	    "\"old_quota\":%lld,\"new_quota\":%lld,\"by\":\"%s\"}",
	    x->add ? "adjust_quota" : "set_quota", (long long)old,
	    (long long)x->quota, actor);
	memset(&l, 0, sizeof(l));
	l.type = x->add && x->delta > 0 ? LOGT_TOPUP : LOGT_MANAGE;
	l.user_id = x->uid;
	l.username = name;
	l.quota = x->delta;
	l.other = other;
	e = log_put(d, &l);
out:
	arena_free(&a);
	return e;
}

enum err
db_user_set_quota(struct db *d, int64_t user_id, int64_t quota,
    const char *actor, int64_t *delta)
{
	struct quota_chg	 x = { user_id, quota, 0, actor, 0, 0 };
	enum err		 e;

	if (quota < 0) {
		set_err(d, 0, "quota must not be negative");
		return ERR_BAD_REQUEST;
	}
	if ((e = tx_run(d, quota_tx, &x)) == ERR_OK && delta != NULL)
		*delta = x.delta;
	return e;
}

enum err
db_key_add(struct db *d, const struct token_new *k, int64_t *id)
{
	MYSQL_STMT	*st;
	int64_t		 rpm = k->rpm_limit, tpm = k->tpm_limit;
	enum err	 e;

	*id = 0;
	if ((e = q_run(d, Q_KEY_ADD, &st, "isssiidsssII", k->user_id,
	    k->name, k->key_hash, k->key_prefix, k->expired_time,
	    k->remain_quota, k->unlimited != 0, k->model_limits, k->allow_ips,
	    k->group, k->rpm_limit < 0 ? NULL : &rpm,
	    k->tpm_limit < 0 ? NULL : &tpm)) != ERR_OK)
		return e;
	*id = (int64_t)mysql_stmt_insert_id(st);
	return ERR_OK;
}

enum err
db_key_list(struct db *d, struct arena *a, int64_t user_id,
    struct token_row **out, size_t *n)
{
	MYSQL_STMT	*st;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_KEY_LIST, &st, "ii", user_id, user_id)) !=
	    ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), token_read, n, &e);
	return e;
}

/* Runs a one-row UPDATE by id: ERR_NOT_FOUND when no row matched. */
static enum err
update_one(struct db *d, enum q q, int value, int64_t id)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, q, &st, "di", value, id)) != ERR_OK)
		return e;
	return q_affected(st) > 0 ? ERR_OK : ERR_NOT_FOUND;
}

enum err
db_key_set_status(struct db *d, int64_t id, int status)
{
	if (status < 1 || status > 4) {
		set_err(d, 0, "bad key status %d", status);
		return ERR_BAD_REQUEST;
	}
	return update_one(d, Q_KEY_STATUS, status, id);
}

enum err
db_channel_add(struct db *d, const struct channel *c,
    const char *test_model, int64_t *id)
{
	MYSQL_STMT	*st;
	enum err	 e;

	*id = 0;
	if ((e = q_run(d, Q_CHANNEL_ADD, &st, "sssbsssddss", c->type,
	    c->name, c->base_url, (const void *)c->key_enc, c->key_enc_len,
	    c->models, c->model_mapping, c->groups, c->priority, c->weight,
	    test_model, c->other)) != ERR_OK)
		return e;
	*id = (int64_t)mysql_stmt_insert_id(st);
	return ERR_OK;
}

enum err
db_channel_list(struct db *d, struct arena *a, struct channel_row **out,
    size_t *n)
{
	MYSQL_STMT	*st;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_CHANNEL_LIST, &st, "")) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), chan_read, n, &e);
	return e;
}

enum err
db_channel_set_status(struct db *d, int64_t id, int status)
{
	if (status < 1 || status > 3) {
		set_err(d, 0, "bad channel status %d", status);
		return ERR_BAD_REQUEST;
	}
	return update_one(d, Q_CHANNEL_STATUS, status, id);
}

enum err
db_channel_get(struct db *d, struct arena *a, int64_t id, struct channel *c,
    char **test_model)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_CHANNEL_GET, &st, "i", id)) != ERR_OK)
		return e;
	e = q_row(d, st, a, "issssssdddsbs", &c->id, &c->type, &c->name,
	    &c->base_url, &c->models, &c->model_mapping, &c->groups,
	    &c->priority, &c->weight, &c->status, &c->other, &c->key_enc,
	    &c->key_enc_len, test_model);
	q_done(st);
	return e;
}

enum err
db_channels_disabled(struct db *d, struct arena *a, int64_t **ids, size_t *n)
{
	MYSQL_STMT	*st;
	size_t		 rows, i;
	enum err	 e;

	*ids = NULL;
	*n = 0;
	if ((e = q_run(d, Q_CHANNELS_DISABLED, &st, "")) != ERR_OK)
		return e;
	if ((*ids = q_array(d, st, a, sizeof(**ids), &rows)) == NULL)
		e = ERR_NOMEM;
	for (i = 0; e == ERR_OK && i < rows; i++)
		if ((e = q_row(d, st, a, "i", &(*ids)[i])) == ERR_OK)
			(*n)++;
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

enum err
db_channel_tested(struct db *d, int64_t id, int64_t response_ms)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_CHANNEL_TESTED, &st, "ii", response_ms, id)) ==
	    ERR_OK)
		q_done(st);
	return e;
}

enum err
db_price_set(struct db *d, const struct price *p, unsigned set)
{
	MYSQL_STMT	*st;
	const int64_t	*in, *o, *c, *w, *u;
	const char	*x;

	if (p->basis < 0 || p->basis >= BASIS__MAX) {
		set_err(d, 0, "bad basis %d", p->basis);
		return ERR_BAD_REQUEST;
	}
	in = set & DB_PRICE_INPUT ? &p->input_u : NULL;
	o = set & DB_PRICE_OUTPUT ? &p->output_u : NULL;
	c = set & DB_PRICE_CACHE ? &p->cache_u : NULL;
	w = set & DB_PRICE_CACHE_WRITE ? &p->cache_write_u : NULL;
	u = set & DB_PRICE_UNIT ? &p->unit_u : NULL;
	x = set & DB_PRICE_EXTRA ? (p->extra != NULL ? p->extra : "") : NULL;
	return q_run(d, Q_PRICE_SET, &st, "ssIIIIIzIIIIIz", p->model,
	    db_basis_names[p->basis], in, o, c, w, u, x, in, o, c, w, u, x);
}

enum err
db_price_list(struct db *d, struct arena *a, struct price **out, size_t *n)
{
	MYSQL_STMT	*st;
	size_t		 rows, i;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_PRICE_LIST, &st, "")) != ERR_OK)
		return e;
	if ((*out = q_array(d, st, a, sizeof(**out), &rows)) == NULL)
		e = ERR_NOMEM;
	for (i = 0; e == ERR_OK && i < rows; i++)
		if ((e = price_row(d, st, a, &(*out)[i])) == ERR_OK)
			(*n)++;
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

enum err
db_group_set(struct db *d, const struct group_row *g, unsigned set)
{
	MYSQL_STMT	*st;
	int64_t		 rpm = g->rpm, tpm = g->tpm;
	const int64_t	*r, *pr, *pt;
	const char	*desc;

	r = set & DB_GROUP_RATIO ? &g->ratio_u : NULL;
	pr = set & DB_GROUP_RPM ? &rpm : NULL;
	pt = set & DB_GROUP_TPM ? &tpm : NULL;
	desc = set & DB_GROUP_DESC ? (g->description != NULL ?
	    g->description : "") : NULL;
	return q_run(d, Q_GROUP_SET, &st, "sIIIzIIIz", g->name, r, pr, pt,
	    desc, r, pr, pt, desc);
}

static enum err
group_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p)
{
	struct group_row	*g = p;

	memset(g, 0, sizeof(*g));
	return q_row(d, st, a, "sidds", &g->name, &g->ratio_u, &g->rpm,
	    &g->tpm, &g->description);
}

enum err
db_group_get(struct db *d, struct arena *a, const char *name,
    struct group_row *out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_GROUP_GET, &st, "s", name)) != ERR_OK)
		return e;
	return q_one(d, st, a, group_read, out);
}

enum err
db_group_list(struct db *d, struct arena *a, struct group_row **out,
    size_t *n)
{
	MYSQL_STMT	*st;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_GROUP_LIST, &st, "")) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), group_read, n, &e);
	return e;
}
