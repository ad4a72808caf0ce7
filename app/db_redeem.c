/*
 * db_redeem.c: redemption codes.  A code is created enabled (status 1)
 * and redeemed by one conditional UPDATE that only an enabled, unexpired
 * code passes (status -> 3); the user's credit and its top-up log row go
 * in the same transaction, so a code is credited exactly once however
 * many callers race for it.
 */
#include <stdio.h>
#include <string.h>

#include <mysql.h>

#include "db.h"
#include "db_int.h"

const struct qdef db_redeem_q[] = {
	[Q_REDEEM_ADD - Q__RATE_END] = { "INSERT INTO redemptions (user_id, "
	    "name, `key`, status, quota, created_time, expired_time) "
	    "VALUES (?, ?, ?, 1, ?, UNIX_TIMESTAMP(), ?)", 0 },
	[Q_REDEEM_CLAIM - Q__RATE_END] = { "UPDATE redemptions SET status = 3, "
	    "redeemed_time = UNIX_TIMESTAMP(), used_user_id = ? "
	    "WHERE `key` = ? AND status = 1 "
	    "AND (expired_time = -1 OR expired_time > UNIX_TIMESTAMP())", 0 },
	[Q_REDEEM_QUOTA - Q__RATE_END] = { "SELECT id, quota FROM redemptions "
	    "WHERE `key` = ?", 0 },
	[Q_REDEEM_CREDIT - Q__RATE_END] = { "UPDATE users "
	    "SET quota = quota + ? WHERE id = ? AND deleted_at IS NULL", 0 },
	[Q_REDEEM_LIST - Q__RATE_END] = { "SELECT id, name, `key`, status, "
	    "quota, created_time, redeemed_time, used_user_id, expired_time "
	    "FROM redemptions ORDER BY id", 1 },
};

_Static_assert(sizeof(db_redeem_q) / sizeof(db_redeem_q[0]) ==
    Q__REDEEM_END - Q__RATE_END,
    "db_redeem_q must have one row per statement");

enum err
db_redeem_add(struct db *d, int64_t creator, const char *name,
    const char *code, int64_t quota, int64_t expires, int64_t *id)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_REDEEM_ADD, &st, "issii", creator, name, code,
	    quota, expires)) != ERR_OK)
		return e;
	*id = (int64_t)mysql_stmt_insert_id(st);
	q_done(st);
	return ERR_OK;
}

struct claim {
	int64_t		 user_id;
	const char	*code;
	const char	*username;
	int64_t		 credited;	/* out */
};

static enum err
claim_tx(struct db *d, void *arg)
{
	struct claim	*c = arg;
	struct log_rec	 lr;
	MYSQL_STMT	*st;
	int64_t		 id, quota;
	char		 other[96];
	enum err	 e;

	c->credited = 0;
	if ((e = q_run(d, Q_REDEEM_CLAIM, &st, "is", c->user_id, c->code)) !=
	    ERR_OK)
		return e;
	if (q_affected(st) != 1) {
		q_done(st);
		return ERR_NOT_FOUND;	/* unknown, used, disabled, expired */
	}
	q_done(st);
	if ((e = q_run(d, Q_REDEEM_QUOTA, &st, "s", c->code)) != ERR_OK)
		return e;
	e = q_row(d, st, NULL, "ii", &id, &quota);
	q_done(st);
	if (e != ERR_OK)
		return e;
	if ((e = q_run(d, Q_REDEEM_CREDIT, &st, "ii", quota, c->user_id)) !=
	    ERR_OK)
		return e;
	if (q_affected(st) != 1) {
		q_done(st);
		return ERR_NOT_FOUND;	/* no such user: roll back */
	}
	q_done(st);
	snprintf(other, sizeof(other), "{\"redemption_id\":%lld}",
	    (long long)id);
	memset(&lr, 0, sizeof(lr));
	lr.type = LOGT_TOPUP;
	lr.user_id = c->user_id;
	lr.username = c->username;
	lr.quota = quota;
	lr.other = other;
	if ((e = log_put(d, &lr)) != ERR_OK)
		return e;
	c->credited = quota;
	return ERR_OK;
}

enum err
db_redeem_use(struct db *d, int64_t user_id, const char *username,
    const char *code, int64_t *credited)
{
	struct claim	 c;
	enum err	 e;

	memset(&c, 0, sizeof(c));
	c.user_id = user_id;
	c.code = code;
	c.username = username;
	e = tx_run(d, claim_tx, &c);
	*credited = c.credited;
	return e;
}

enum err
db_redeem_list(struct db *d, struct arena *a, struct redemption **out,
    size_t *n)
{
	MYSQL_STMT	*st;
	struct redemption *r;
	size_t		 rows, i;
	enum err	 e;

	*out = NULL;
	*n = 0;
	if ((e = q_run(d, Q_REDEEM_LIST, &st, "")) != ERR_OK)
		return e;
	if ((*out = q_array(d, st, a, sizeof(**out), &rows)) == NULL)
		e = ERR_NOMEM;
	for (i = 0; e == ERR_OK && i < rows; i++) {
		r = &(*out)[i];
		if ((e = q_row(d, st, a, "issdiiiii", &r->id, &r->name,
		    &r->code, &r->status, &r->quota, &r->created_time,
		    &r->redeemed_time, &r->used_user_id, &r->expired_time)) ==
		    ERR_OK)
			(*n)++;
	}
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}
