/*
 * db_money.c: the money transactions, split out of db.c: holding quota
 * before a call (db_hold_take), settling a hold into a charge and a logs
 * row (db_hold_settle, settle_tx, which db_video.c reuses), refunding
 * holds whose request died (db_holds_expire) and plain log rows.  Its
 * SQL is db_money_q (enum q values from Q__LOOKUP_END, db_int.h).
 *
 * Invariants.  A hold is settled exactly once: the transaction whose
 * DELETE ... RETURNING removed the quota_holds row is the one that moves
 * the money, any other finds nothing.  Every transaction locks the key
 * row before the user row, so they do not deadlock on each other (a
 * deadlock with anything else restarts the transaction: tx_run).  Strings
 * from clients are fitted to their columns (fit) so strict SQL mode
 * cannot fail a money transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "db_int.h"

#define DB_EXPIRE_BATCH	100		/* stale holds fetched per query */

/* The row of statement q in db_money_q. */
#define ROW(q)	[(q) - Q__LOOKUP_END]

/* Indexed by enum q - Q__LOOKUP_END (db_int.h). */
const struct qdef db_money_q[] = {
	ROW(Q_TOKEN_DEBIT) = { "UPDATE tokens "
	    "SET remain_quota = remain_quota - ? "
	    "WHERE id = ? AND remain_quota >= ? AND deleted_at IS NULL", 0 },
	ROW(Q_USER_DEBIT) = { "UPDATE users SET quota = quota - ? "
	    "WHERE id = ? AND quota >= ? AND deleted_at IS NULL", 0 },
	ROW(Q_HOLD_INSERT) = { "INSERT INTO quota_holds (request_id, user_id, "
	    "token_id, unlimited, amount, model, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, UNIX_TIMESTAMP())", 0 },
	ROW(Q_HOLD_DELETE) = { "DELETE FROM quota_holds WHERE id = ? "
	    "RETURNING user_id, token_id, unlimited, amount", 0 },
	ROW(Q_TOKEN_SETTLE) = { "UPDATE tokens "
	    "SET remain_quota = remain_quota + ?, "
	    "used_quota = used_quota + ?, accessed_time = UNIX_TIMESTAMP() "
	    "WHERE id = ?", 0 },
	ROW(Q_USER_SETTLE) = { "UPDATE users SET quota = quota + ?, "
	    "used_quota = used_quota + ?, "
	    "request_count = request_count + ? WHERE id = ?", 0 },
	ROW(Q_CHANNEL_USED) = { "UPDATE channels "
	    "SET used_quota = used_quota + ? WHERE id = ?", 0 },
	ROW(Q_LOG_INSERT) = { "INSERT INTO logs (created_at, type, user_id, "
	    "username, token_id, token_name, channel_id, model_name, "
	    "prompt_tokens, completion_tokens, quota, use_time_ms, is_stream, "
	    "request_id, ip, status, other, stream_status, error_code) "
	    "VALUES (UNIX_TIMESTAMP(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?)", 0 },
	ROW(Q_HOLDS_STALE) = { "SELECT h.id, h.request_id, h.user_id, "
	    "h.token_id, h.model, h.amount, COALESCE(u.username, ''), "
	    "COALESCE(t.name, '') FROM quota_holds h "
	    "LEFT JOIN users u ON u.id = h.user_id "
	    "LEFT JOIN tokens t ON t.id = h.token_id "
	    "WHERE h.created_at < ? ORDER BY h.id LIMIT ?", 1 },
};

_Static_assert(sizeof(db_money_q) / sizeof(db_money_q[0]) ==
    Q__MONEY_END - Q__LOOKUP_END, "db_money_q must have one row per statement");

/* Length of the well-formed UTF-8 sequence at p (RFC 3629), 0 if none. */
static size_t
u8len(const unsigned char *p)
{
	unsigned char	 lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if (p[0] == 0xe0)
			lo = 0xa0;
		if (p[0] == 0xed)
			hi = 0x9f;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ?
		    3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if (p[0] == 0xf0)
			lo = 0x90;
		if (p[0] == 0xf4)
			hi = 0x8f;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
		    (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/*
 * Copies s (NULL: "") into out as at most outsz - 1 bytes of valid UTF-8:
 * an ill-formed byte becomes '?', a character that does not fit ends the
 * copy.  Strings that come from clients (request ids, model names) go
 * through here so that strict SQL mode cannot fail a money transaction
 * with "data too long" or "incorrect string value".  Returns out.
 */
char *
fit(char *out, size_t outsz, const char *s)
{
	const unsigned char	*p = (const unsigned char *)(s != NULL ? s :
				    "");
	size_t			 i = 0, j = 0, k;

	while (p[i] != '\0') {
		if ((k = u8len(p + i)) == 0) {
			if (j + 1 >= outsz)
				break;
			out[j++] = '?';
			i++;
			continue;
		}
		if (j + k >= outsz)
			break;
		memcpy(out + j, p + i, k);
		i += k;
		j += k;
	}
	out[j] = '\0';
	return out;
}

#define LOG_OTHER_MAX	65535		/* TEXT */

enum err
log_put(struct db *d, const struct log_rec *l)
{
	MYSQL_STMT	*st;
	char		 user[65], tname[129], model[129], rid[65], ip[65];
	char		 sst[33], code[65], *other = NULL;
	const char	*o = l->other != NULL ? l->other : "";
	size_t		 olen = strlen(o);
	enum err	 e;

	if (olen > LOG_OTHER_MAX)
		olen = LOG_OTHER_MAX;
	if ((other = malloc(olen + 1)) == NULL) {
		set_err(d, 0, "out of memory");
		return ERR_NOMEM;
	}
	fit(other, olen + 1, o);
	e = q_run(d, Q_LOG_INSERT, &st, "disisisiiiidssdsss", l->type,
	    l->user_id, fit(user, sizeof(user), l->username), l->token_id,
	    fit(tname, sizeof(tname), l->token_name), l->channel_id,
	    fit(model, sizeof(model), l->model_name), l->prompt_tokens,
	    l->completion_tokens, l->quota, l->use_time_ms, l->is_stream,
	    fit(rid, sizeof(rid), l->request_id), fit(ip, sizeof(ip), l->ip),
	    l->status, other, fit(sst, sizeof(sst), l->stream_status),
	    fit(code, sizeof(code), l->error_code));
	free(other);
	return e;
}

struct take {
	const char	*rid;
	int64_t		 uid;
	int64_t		 tid;
	int		 unlimited;
	const char	*model;
	int64_t		 amount;
	int64_t		 hold_id;
};

static enum err
take_tx(struct db *d, void *arg)
{
	struct take	*t = arg;
	MYSQL_STMT	*st;
	char		 rid[65], model[129];
	enum err	 e;

	/* Key row before user row, as in settle_tx (no lock-order cycle). */
	if (!t->unlimited) {
		if ((e = q_run(d, Q_TOKEN_DEBIT, &st, "iii", t->amount, t->tid,
		    t->amount)) != ERR_OK)
			return e;
		if (q_affected(st) != 1) {
			set_err(d, 0, "insufficient quota on key %lld",
			    (long long)t->tid);
			return ERR_QUOTA;
		}
	}
	if ((e = q_run(d, Q_USER_DEBIT, &st, "iii", t->amount, t->uid,
	    t->amount)) != ERR_OK)
		return e;
	if (q_affected(st) != 1) {
		set_err(d, 0, "insufficient quota on user %lld",
		    (long long)t->uid);
		return ERR_QUOTA;
	}
	if ((e = q_run(d, Q_HOLD_INSERT, &st, "siidis",
	    fit(rid, sizeof(rid), t->rid), t->uid, t->tid, t->unlimited != 0,
	    t->amount, fit(model, sizeof(model), t->model))) != ERR_OK)
		return e;
	t->hold_id = (int64_t)mysql_stmt_insert_id(st);
	return ERR_OK;
}

enum err
db_hold_take(struct db *d, const char *request_id, int64_t user_id,
    int64_t token_id, int unlimited, const char *model, int64_t amount,
    int64_t *hold_id)
{
	struct take	 t = { request_id, user_id, token_id, unlimited, model,
			    amount, 0 };
	enum err	 e;

	*hold_id = 0;
	if (amount < 0) {
		set_err(d, 0, "internal: negative hold");
		return ERR_INTERNAL;
	}
	if ((e = tx_run(d, take_tx, &t)) == ERR_OK)
		*hold_id = t.hold_id;
	return e;
}

enum err
settle_tx(struct db *d, void *arg)
{
	struct settle	*s = arg;
	MYSQL_STMT	*st;
	int64_t		 uid, tid, held, back, zero = 0;
	int		 unl;
	enum err	 e;

	s->applied = 0;
	/* The delete decides: whoever removes the hold settles it, once. */
	if ((e = q_run(d, Q_HOLD_DELETE, &st, "i", s->hold_id)) != ERR_OK)
		return e;
	e = q_row(d, st, NULL, "iidi", &uid, &tid, &unl, &held);
	q_done(st);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	back = held - s->actual;
	if ((e = q_run(d, Q_TOKEN_SETTLE, &st, "iii", unl ? zero : back,
	    s->actual, tid)) != ERR_OK ||
	    (e = q_run(d, Q_USER_SETTLE, &st, "iidi", back, s->actual,
	    s->count, uid)) != ERR_OK)
		return e;
	if (s->log->channel_id > 0 && s->actual != 0 &&
	    (e = q_run(d, Q_CHANNEL_USED, &st, "ii", s->actual,
	    s->log->channel_id)) != ERR_OK)
		return e;
	if ((e = log_put(d, s->log)) != ERR_OK)
		return e;
	s->applied = 1;
	return ERR_OK;
}

enum err
db_hold_settle(struct db *d, int64_t hold_id, int64_t actual,
    const struct log_rec *log, int *applied)
{
	struct settle	 s = { hold_id, actual, log, 1, 0 };
	enum err	 e;

	*applied = 0;
	if (actual < 0 || log == NULL) {
		set_err(d, 0, "internal: bad settle arguments");
		return ERR_INTERNAL;
	}
	if ((e = tx_run(d, settle_tx, &s)) == ERR_OK)
		*applied = s.applied;
	return e;
}

struct stale {
	int64_t	 id;
	char	*rid;
	int64_t	 uid;
	int64_t	 tid;
	char	*model;
	int64_t	 amount;
	char	*username;
	char	*token_name;
};

/* Refunds one stale hold with a LOGT_REFUND row; *done 1 if it did. */
static enum err
expire_one(struct db *d, const struct stale *h, int *done)
{
	struct log_rec	 l;
	struct settle	 s;
	char		 other[128];
	enum err	 e;

	memset(&l, 0, sizeof(l));
	snprintf(other, sizeof(other),
	    "{\"reason\":\"hold_expired\",\"hold_id\":%lld,\"held\":%lld}",
	    (long long)h->id, (long long)h->amount);
	l.type = LOGT_REFUND;
	l.user_id = h->uid;
	l.username = h->username;
	l.token_id = h->tid;
	l.token_name = h->token_name;
	l.model_name = h->model;
	l.quota = h->amount;
	l.request_id = h->rid;
	l.other = other;
	s.hold_id = h->id;
	s.actual = 0;
	s.log = &l;
	s.count = 0;
	s.applied = 0;
	e = tx_run(d, settle_tx, &s);
	*done = s.applied;
	return e;
}

enum err
db_holds_expire(struct db *d, int64_t before, int *count)
{
	struct arena	 a;
	struct stale	*v;
	MYSQL_STMT	*st;
	int64_t		 batch = DB_EXPIRE_BATCH;
	size_t		 rows = 0, i;
	int		 done;
	enum err	 e;

	*count = 0;
	arena_init(&a, 0);
	do {
		arena_reset(&a);
		if ((e = q_run(d, Q_HOLDS_STALE, &st, "ii", before, batch)) !=
		    ERR_OK)
			break;
		if ((v = q_array(d, st, &a, sizeof(*v), &rows)) == NULL)
			e = ERR_NOMEM;
		for (i = 0; e == ERR_OK && i < rows; i++)
			e = q_row(d, st, &a, "isiisiss", &v[i].id, &v[i].rid,
			    &v[i].uid, &v[i].tid, &v[i].model, &v[i].amount,
			    &v[i].username, &v[i].token_name);
		q_done(st);
		for (i = 0; e == ERR_OK && i < rows; i++)
			if ((e = expire_one(d, &v[i], &done)) == ERR_OK)
				*count += done;
	} while (e == ERR_OK && rows == (size_t)batch);
	arena_free(&a);
	return e;
}

enum err
db_log_insert(struct db *d, const struct log_rec *log)
{
	return log_put(d, log);
}
