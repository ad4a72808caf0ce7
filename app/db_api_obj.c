/*
 * db_api_obj.c: the management API's statements for the objects an
 * administrator (or, for their own keys, a user) edits: API keys,
 * channels, prices, groups and redemption codes.  Its SQL is db_api_obj_q
 * (enum q values from Q__API_END, db_int.h).  Creation reuses what
 * nexhinactl uses (db_key_add, db_channel_add, db_price_set,
 * db_group_set in db_admin.c; Q_REDEEM_ADD of db_redeem.c).
 *
 * Lists filter in SQL with "(? = '' OR col LIKE ?)" conditions, so one
 * prepared statement serves every combination of filters; the LIKE
 * patterns come from db_api_like (wildcards in a keyword are literal).
 * A channel's credential is only ever written here, never read: the rows
 * of these lists carry no secret.
 */
#include <string.h>

#include <mysql.h>
#include <mysqld_error.h>

#include "arena.h"
#include "db.h"
#include "db_api.h"
#include "db_int.h"

#define TOKEN_WHERE "WHERE t.deleted_at IS NULL AND (? = 0 OR " \
	"t.user_id = ?) AND (? = '' OR t.name LIKE ? ESCAPE '!')"
#define CHAN_WHERE " WHERE (? = '' OR name LIKE ? ESCAPE '!' OR " \
	"base_url LIKE ? ESCAPE '!' OR models LIKE ? ESCAPE '!') AND " \
	"(? = 0 OR status = ?) AND (? = '' OR type = ?)"
#define RED_COLS "id, name, `key`, status, quota, created_time, " \
	"redeemed_time, used_user_id, expired_time"
#define RED_WHERE " WHERE (? = '' OR name LIKE ? ESCAPE '!' OR " \
	"`key` = ?) AND (? = 0 OR status = ?) AND (? = 0 OR id < ?)"

/* The row of statement q in db_api_obj_q. */
#define ROW(q)	[(q) - Q__API_END]

/* Indexed by enum q - Q__API_END (db_int.h). */
const struct qdef db_api_obj_q[] = {
	ROW(Q_API_TOKENS) = { "SELECT " TOKEN_COLS TOKEN_FROM TOKEN_WHERE
	    " ORDER BY t.id DESC LIMIT ? OFFSET ?", 1 },
	ROW(Q_API_TOKENS_COUNT) = { "SELECT COUNT(*)" TOKEN_FROM TOKEN_WHERE,
	    1 },
	ROW(Q_API_TOKEN_GET) = { "SELECT " TOKEN_COLS TOKEN_FROM
	    "WHERE t.id = ? AND t.deleted_at IS NULL", 1 },
	ROW(Q_API_TOKEN_UPDATE) = { "UPDATE tokens SET name = ?, status = ?, "
	    "expired_time = ?, remain_quota = ?, unlimited_quota = ?, "
	    "model_limits = ?, allow_ips = ?, `group` = ?, rpm_limit = ?, "
	    "tpm_limit = ? WHERE id = ? AND deleted_at IS NULL", 0 },
	ROW(Q_API_TOKEN_DELETE) = { "UPDATE tokens SET deleted_at = "
	    "UNIX_TIMESTAMP() WHERE id = ? AND deleted_at IS NULL", 0 },
	ROW(Q_API_CHANNELS) = { "SELECT " CROW_COLS " FROM channels"
	    CHAN_WHERE " ORDER BY id LIMIT ? OFFSET ?", 1 },
	ROW(Q_API_CHANNELS_COUNT) = { "SELECT COUNT(*) FROM channels"
	    CHAN_WHERE, 1 },
	ROW(Q_API_CHANNEL_ROW) = { "SELECT " CROW_COLS " FROM channels "
	    "WHERE id = ?", 1 },
	/* fail_count before status: it must see the old status. */
	ROW(Q_API_CHANNEL_UPDATE) = { "UPDATE channels SET type = ?, "
	    "name = ?, base_url = ?, models = ?, model_mapping = ?, "
	    "`group` = ?, priority = ?, weight = ?, "
	    "fail_count = IF(? = 1 AND status <> 1, 0, fail_count), "
	    "status = ?, test_model = ?, other = ? WHERE id = ?", 0 },
	ROW(Q_API_CHANNEL_KEY) = { "UPDATE channels SET key_enc = ? "
	    "WHERE id = ?", 0 },
	ROW(Q_API_CHANNEL_DELETE) = { "DELETE FROM channels WHERE id = ?", 0 },
	ROW(Q_API_PRICE_DELETE) = { "DELETE FROM model_prices "
	    "WHERE model = ?", 0 },
	ROW(Q_API_GROUP_USES) = { "SELECT (SELECT COUNT(*) FROM users "
	    "WHERE `group` = ? AND deleted_at IS NULL) + (SELECT COUNT(*) "
	    "FROM tokens WHERE `group` = ? AND deleted_at IS NULL) + "
	    "(SELECT COUNT(*) FROM channels "
	    "WHERE FIND_IN_SET(?, `group`) > 0)", 1 },
	ROW(Q_API_GROUP_DELETE) = { "DELETE FROM `groups` WHERE name = ?", 0 },
	ROW(Q_API_REDEEMS) = { "SELECT " RED_COLS " FROM redemptions"
	    RED_WHERE " ORDER BY id DESC LIMIT ? OFFSET ?", 1 },
	ROW(Q_API_REDEEMS_COUNT) = { "SELECT COUNT(*) FROM redemptions"
	    RED_WHERE, 1 },
	ROW(Q_API_REDEEM_GET) = { "SELECT " RED_COLS " FROM redemptions "
	    "WHERE id = ?", 1 },
	ROW(Q_API_REDEEM_UPDATE) = { "UPDATE redemptions SET name = ?, "
	    "status = ?, quota = ?, expired_time = ? "
	    "WHERE id = ? AND status <> 3", 0 },
	ROW(Q_API_REDEEM_DELETE) = { "DELETE FROM redemptions WHERE id = ?",
	    0 },
};

_Static_assert(sizeof(db_api_obj_q) / sizeof(db_api_obj_q[0]) ==
    Q__API_OBJ_END - Q__API_END,
    "db_api_obj_q must have one row per statement");

/* Reads the single COUNT(*) of st into *total and ends it. */
static enum err
count_of(struct db *d, MYSQL_STMT *st, int64_t *total)
{
	enum err	 e;

	e = q_row(d, st, NULL, "i", total);
	q_done(st);
	return e;
}

enum err
db_api_tokens(struct db *d, struct arena *a, int64_t user_id,
    const char *kw, int64_t limit, int64_t offset, struct token_row **out,
    size_t *n, int64_t *total)
{
	MYSQL_STMT	*st;
	const char	*lk;
	enum err	 e;

	*n = 0;
	*total = 0;
	if ((lk = db_api_like(a, kw)) == NULL)
		return ERR_NOMEM;
	if ((e = q_run(d, Q_API_TOKENS_COUNT, &st, "iiss", user_id, user_id,
	    kw, lk)) != ERR_OK || (e = count_of(d, st, total)) != ERR_OK)
		return e;
	if ((e = q_run(d, Q_API_TOKENS, &st, "iissii", user_id, user_id, kw,
	    lk, limit, offset)) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), token_read, n, &e);
	return e;
}

enum err
db_api_token_get(struct db *d, struct arena *a, int64_t id,
    struct token_row *out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_API_TOKEN_GET, &st, "i", id)) != ERR_OK)
		return e;
	return q_one(d, st, a, token_read, out);
}

enum err
db_api_token_update(struct db *d, const struct token_row *t)
{
	MYSQL_STMT	*st;
	int64_t		 rpm = t->rpm_limit, tpm = t->tpm_limit;

	return db_api_changed(&st, q_run(d, Q_API_TOKEN_UPDATE, &st,
	    "sdiidsssIIi", t->name, t->status, t->expired_time,
	    t->remain_quota, t->unlimited != 0, t->model_limits, t->allow_ips,
	    t->group, t->rpm_limit < 0 ? NULL : &rpm,
	    t->tpm_limit < 0 ? NULL : &tpm, t->id));
}

enum err
db_api_token_delete(struct db *d, int64_t id)
{
	MYSQL_STMT	*st;

	return db_api_changed(&st, q_run(d, Q_API_TOKEN_DELETE, &st, "i",
	    id));
}

enum err
db_api_channels(struct db *d, struct arena *a, const char *kw, int status,
    const char *type, int64_t limit, int64_t offset,
    struct channel_row **out, size_t *n, int64_t *total)
{
	MYSQL_STMT	*st;
	const char	*lk;
	enum err	 e;

	*n = 0;
	*total = 0;
	if ((lk = db_api_like(a, kw)) == NULL)
		return ERR_NOMEM;
	if ((e = q_run(d, Q_API_CHANNELS_COUNT, &st, "ssssddss", kw, lk, lk,
	    lk, status, status, type, type)) != ERR_OK ||
	    (e = count_of(d, st, total)) != ERR_OK)
		return e;
	if ((e = q_run(d, Q_API_CHANNELS, &st, "ssssddssii", kw, lk, lk, lk,
	    status, status, type, type, limit, offset)) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), chan_read, n, &e);
	return e;
}

enum err
db_api_channel_row(struct db *d, struct arena *a, int64_t id,
    struct channel_row *out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_API_CHANNEL_ROW, &st, "i", id)) != ERR_OK)
		return e;
	return q_one(d, st, a, chan_read, out);
}

struct chan_upd {
	const struct channel	*c;
	const char		*test_model;
};

static enum err
channel_update_tx(struct db *d, void *arg)
{
	const struct chan_upd	*x = arg;
	const struct channel	*c = x->c;
	MYSQL_STMT		*st;
	enum err		 e;

	if ((e = db_api_changed(&st, q_run(d, Q_API_CHANNEL_UPDATE, &st,
	    "ssssssddddssi", c->type, c->name, c->base_url, c->models,
	    c->model_mapping, c->groups, c->priority, c->weight, c->status,
	    c->status, x->test_model, c->other, c->id))) != ERR_OK)
		return e;
	if (c->key_enc == NULL)
		return ERR_OK;
	if ((e = q_run(d, Q_API_CHANNEL_KEY, &st, "bi",
	    (const void *)c->key_enc, c->key_enc_len, c->id)) == ERR_OK)
		q_done(st);
	return e;
}

enum err
db_api_channel_update(struct db *d, const struct channel *c,
    const char *test_model)
{
	struct chan_upd	 x = { c, test_model };

	if (c->status < 1 || c->status > 3) {
		set_err(d, 0, "bad channel status %d", c->status);
		return ERR_BAD_REQUEST;
	}
	return tx_run(d, channel_update_tx, &x);
}

enum err
db_api_channel_delete(struct db *d, int64_t id)
{
	MYSQL_STMT	*st;

	return db_api_changed(&st, q_run(d, Q_API_CHANNEL_DELETE, &st, "i",
	    id));
}

enum err
db_api_price_delete(struct db *d, const char *model)
{
	MYSQL_STMT	*st;

	return db_api_changed(&st, q_run(d, Q_API_PRICE_DELETE, &st, "s",
	    model));
}

enum err
db_api_group_uses(struct db *d, const char *name, int64_t *uses)
{
	MYSQL_STMT	*st;
	enum err	 e;

	*uses = 0;
	if ((e = q_run(d, Q_API_GROUP_USES, &st, "sss", name, name, name)) !=
	    ERR_OK)
		return e;
	return count_of(d, st, uses);
}

enum err
db_api_group_delete(struct db *d, const char *name)
{
	MYSQL_STMT	*st;

	return db_api_changed(&st, q_run(d, Q_API_GROUP_DELETE, &st, "s",
	    name));
}

/* Reads one RED_COLS row. */
static enum err
red_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p)
{
	struct redemption	*r = p;

	memset(r, 0, sizeof(*r));
	return q_row(d, st, a, "issdiiiii", &r->id, &r->name, &r->code,
	    &r->status, &r->quota, &r->created_time, &r->redeemed_time,
	    &r->used_user_id, &r->expired_time);
}

/*
 * kw as a code to compare with the ASCII `key` column: a keyword that
 * cannot be a code (not base62) becomes "-", which matches none, so the
 * server never has to convert text the column's charset cannot hold.
 */
static const char *
code_of(const char *kw)
{
	size_t	 n = strlen(kw);

	if (n == 0 || n > 64 || strspn(kw, "0123456789ABCDEFGHIJKLMNOPQRSTUVW"
	    "XYZabcdefghijklmnopqrstuvwxyz") != n)
		return "-";
	return kw;
}

enum err
db_api_redemptions(struct db *d, struct arena *a, const char *kw,
    int status, int64_t before, int64_t limit, int64_t offset,
    struct redemption **out, size_t *n, int64_t *total)
{
	MYSQL_STMT	*st;
	const char	*lk, *code = code_of(kw);
	enum err	 e;

	*n = 0;
	*total = 0;
	if ((lk = db_api_like(a, kw)) == NULL)
		return ERR_NOMEM;
	if ((e = q_run(d, Q_API_REDEEMS_COUNT, &st, "sssddii", kw, lk, code,
	    status, status, before, before)) != ERR_OK ||
	    (e = count_of(d, st, total)) != ERR_OK)
		return e;
	if ((e = q_run(d, Q_API_REDEEMS, &st, "sssddiiii", kw, lk, code,
	    status, status, before, before, limit, offset)) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), red_read, n, &e);
	return e;
}

enum err
db_api_redemption_get(struct db *d, struct arena *a, int64_t id,
    struct redemption *out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_API_REDEEM_GET, &st, "i", id)) != ERR_OK)
		return e;
	return q_one(d, st, a, red_read, out);
}

enum err
db_api_redemption_update(struct db *d, const struct redemption *r)
{
	MYSQL_STMT	*st;

	if (r->status != 1 && r->status != 2) {
		set_err(d, 0, "bad redemption status %d", r->status);
		return ERR_BAD_REQUEST;
	}
	return db_api_changed(&st, q_run(d, Q_API_REDEEM_UPDATE, &st,
	    "sdiii", r->name, r->status, r->quota, r->expired_time, r->id));
}

enum err
db_api_redemption_delete(struct db *d, int64_t id)
{
	MYSQL_STMT	*st;

	return db_api_changed(&st, q_run(d, Q_API_REDEEM_DELETE, &st, "i",
	    id));
}

struct red_add {
	int64_t		 creator;
	const char	*name;
	char *const	*codes;
	size_t		 n;
	int64_t		 quota;
	int64_t		 expires;
};

static enum err
red_add_tx(struct db *d, void *arg)
{
	const struct red_add	*x = arg;
	MYSQL_STMT		*st;
	size_t			 i;
	enum err		 e;

	for (i = 0; i < x->n; i++) {
		if ((e = q_run(d, Q_REDEEM_ADD, &st, "issii", x->creator,
		    x->name, x->codes[i], x->quota, x->expires)) != ERR_OK) {
			if (d->last_errno == ER_DUP_ENTRY)
				return ERR_BAD_REQUEST;
			return e;
		}
		q_done(st);
	}
	return ERR_OK;
}

enum err
db_api_redemptions_add(struct db *d, int64_t creator, const char *name,
    char *const *codes, size_t n, int64_t quota, int64_t expires)
{
	struct red_add	 x = { creator, name, codes, n, quota, expires };

	return tx_run(d, red_add_tx, &x);
}
