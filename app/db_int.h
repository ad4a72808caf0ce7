/*
 * db_int.h: db.c's connection, statement and transaction helpers, shared
 * with the db modules (db_lookup.c, db_money.c, db_migrate.c,
 * db_admin.c, db_video.c, db_rate.c, db_redeem.c, db_api*.c).  Only
 * app/db*.c include this file; it pulls in <mysql.h>, which nothing else
 * may.
 *
 * The helpers keep their short names in the sources; the macros below
 * give their linker symbols the module prefix db_ (CONVENTIONS.md,
 * "Names").  Each module's SQL lives in its own table, indexed by its
 * section of enum q (db_lookup_q for the values below Q__LOOKUP_END,
 * db_money_q from there up to Q__MONEY_END, and so on); db.c prepares
 * and caches every statement on each connection alike (qdef_of).  Each
 * table is followed by a _Static_assert that it has one row per value of
 * its section.  struct db is db.c's; the modules read its fields (the
 * migration runner also runs text on d->my) but only db.c's connection
 * code changes them.
 */
#ifndef NX_DB_INT_H
#define NX_DB_INT_H

#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#include "db.h"
#include "err.h"

#define q_run		db_q_run
#define q_row		db_q_row
#define q_done		db_q_done
#define q_affected	db_q_affected
#define tx_run		db_tx_run
#define set_err		db_set_err
#define fit		db_fit
#define log_put		db_log_put
#define settle_tx	db_settle_tx
#define my_fail		db_my_fail
#define tx_begin	db_tx_begin
#define tx_commit	db_tx_commit
#define tx_rollback	db_tx_rollback
#define q_array		db_q_array
#define price_row	db_price_row
#define price_row_base	db_price_row_base
#define user_read	db_user_read
#define token_read	db_token_read
#define chan_read	db_chan_read
#define q_rows		db_q_rows
#define q_one		db_q_one
#define quota_tx	db_quota_tx

/* Column lists shared by the statements of several modules. */
#define CHAN_COLS "id, type, name, base_url, models, model_mapping, " \
	"`group`, priority, weight, status, other"
#define PRICE_COLS "model, basis, input_u, output_u, cache_u, cache_write_u, unit_u, " \
    "extra"
/* A user (table alias u) as user_read reads it. */
#define USER_COLS "u.id, u.username, u.display_name, u.email, u.role, " \
	"u.status, u.quota, u.used_quota, u.request_count, u.`group`, " \
	"u.created_at, u.last_login_at"
#define USER_FMT "isssddiiisii"
/* A key (tokens t, users u) as token_read reads it. */
#define TOKEN_COLS "t.id, t.user_id, COALESCE(u.username, ''), t.name, " \
	"t.key_prefix, t.status, t.created_time, t.accessed_time, " \
	"t.expired_time, t.remain_quota, t.unlimited_quota, t.used_quota, " \
	"t.model_limits, t.allow_ips, t.`group`, t.rpm_limit, t.tpm_limit"
#define TOKEN_FROM " FROM tokens t LEFT JOIN users u ON u.id = t.user_id "
/* A channel as listed, as chan_read reads it. */
#define CROW_COLS CHAN_COLS ", test_model, test_time, response_time, " \
	"used_quota, created_time, fail_count"

/* Every statement; ro = read-only, may be retried on a new connection. */
enum q {
	/* db_lookup.c: db_lookup_q[q] */
	Q_KEY_LOOKUP, Q_PRICE_GET, Q_OPTION_GET, Q_CHANNELS_FOR,
	Q_MODELS_FOR_GROUP, Q_PRICE_BASE,
	Q__LOOKUP_END,
	/* db_money.c: db_money_q[q - Q__LOOKUP_END] */
	Q_TOKEN_DEBIT = Q__LOOKUP_END, Q_USER_DEBIT, Q_HOLD_INSERT,
	Q_HOLD_DELETE, Q_TOKEN_SETTLE, Q_USER_SETTLE, Q_CHANNEL_USED,
	Q_LOG_INSERT, Q_HOLDS_STALE,
	Q__MONEY_END,
	/* db_migrate.c: db_migrate_q[q - Q__MONEY_END] */
	Q_MIG_LOCK = Q__MONEY_END, Q_MIG_TABLE, Q_MIG_HAS, Q_MIG_RECORD,
	Q__MIG_END,
	/* db_admin.c: db_admin_q[q - Q__MIG_END] */
	Q_USER_ADD = Q__MIG_END, Q_USER_GET, Q_USER_BY_NAME, Q_USER_LIST,
	Q_USER_LOCK, Q_USER_SET_QUOTA, Q_KEY_ADD, Q_KEY_LIST, Q_KEY_STATUS,
	Q_CHANNEL_ADD, Q_CHANNEL_LIST, Q_CHANNEL_STATUS, Q_CHANNEL_GET,
	Q_CHANNELS_DISABLED, Q_CHANNEL_TESTED, Q_PRICE_SET,
	Q_PRICE_LIST, Q_GROUP_SET, Q_GROUP_GET, Q_GROUP_LIST,
	Q__ADMIN_END,
	/* db_video.c: db_video_q[q - Q__ADMIN_END] */
	Q_VIDEO_INSERT = Q__ADMIN_END, Q_VIDEO_GET, Q_VIDEO_SET,
	Q_VIDEO_OWNER,
	Q__VIDEO_END,
	/* db_rate.c: db_rate_q[q - Q__VIDEO_END] */
	Q_RATE_ADD = Q__VIDEO_END, Q_RATE_PURGE,
	Q__RATE_END,
	/* db_redeem.c: db_redeem_q[q - Q__RATE_END] */
	Q_REDEEM_ADD = Q__RATE_END, Q_REDEEM_CLAIM, Q_REDEEM_QUOTA,
	Q_REDEEM_CREDIT, Q_REDEEM_LIST,
	Q__REDEEM_END,
	/* db_api.c: db_api_q[q - Q__REDEEM_END] */
	Q_API_USER_AUTH = Q__REDEEM_END, Q_API_USER_LOGIN, Q_API_SESS_ADD,
	Q_API_SESS_GET, Q_API_SESS_DEL, Q_API_SESS_DROP, Q_API_SESS_PURGE,
	Q_API_PAT_ADD, Q_API_PAT_COUNT, Q_API_PAT_AUTH, Q_API_PAT_TOUCH,
	Q_API_PAT_LIST, Q_API_PAT_DEL, Q_API_PAT_DROP, Q_API_USERS,
	Q_API_USERS_COUNT, Q_API_USER_UPDATE, Q_API_USER_DELETE,
	Q_API_OPTIONS, Q_API_OPTION_SET,
	Q__API_END,
	/* db_api_obj.c: db_api_obj_q[q - Q__API_END] */
	Q_API_TOKENS = Q__API_END, Q_API_TOKENS_COUNT, Q_API_TOKEN_GET,
	Q_API_TOKEN_UPDATE, Q_API_TOKEN_DELETE, Q_API_CHANNELS,
	Q_API_CHANNELS_COUNT, Q_API_CHANNEL_ROW, Q_API_CHANNEL_UPDATE,
	Q_API_CHANNEL_KEY, Q_API_CHANNEL_DELETE, Q_API_PRICE_DELETE,
	Q_API_GROUP_USES, Q_API_GROUP_DELETE, Q_API_REDEEMS,
	Q_API_REDEEMS_COUNT, Q_API_REDEEM_GET, Q_API_REDEEM_UPDATE,
	Q_API_REDEEM_DELETE,
	Q__API_OBJ_END,
	/* db_api_log.c: db_api_log_q[q - Q__API_OBJ_END] */
	Q_API_LOGS = Q__API_OBJ_END, Q_API_LOG_TOTALS, Q_API_USAGE,
	Q_API_BALANCE,
	Q__ALL
};

struct qdef {
	const char	*sql;
	int		 ro;
};

extern const struct qdef db_lookup_q[Q__LOOKUP_END];
extern const struct qdef db_money_q[Q__MONEY_END - Q__LOOKUP_END];
extern const struct qdef db_migrate_q[Q__MIG_END - Q__MONEY_END];
extern const struct qdef db_admin_q[Q__ADMIN_END - Q__MIG_END];
extern const struct qdef db_video_q[Q__VIDEO_END - Q__ADMIN_END];
extern const struct qdef db_rate_q[Q__RATE_END - Q__VIDEO_END];
extern const struct qdef db_redeem_q[Q__REDEEM_END - Q__RATE_END];
extern const struct qdef db_api_q[Q__API_END - Q__REDEEM_END];
extern const struct qdef db_api_obj_q[Q__API_OBJ_END - Q__API_END];
extern const struct qdef db_api_log_q[Q__ALL - Q__API_OBJ_END];

/* One connection and its statement cache (db.c). */
struct db {
	const struct cfg	*cfg;
	MYSQL			*my;		/* NULL: connect on next use */
	MYSQL_STMT		*st[Q__ALL];	/* prepared on this conn */
	int			 in_tx;
	int			 tx_broken;	/* conn lost inside a tx */
	int			 rd_timeout;	/* s */
	int64_t			 retry_at;	/* ms, monotonic; 0 = now */
	unsigned int		 last_errno;
	char			 err[512];
};

/*
 * A new struct db (free with db_close) whose reads time out after
 * rd_timeout s; it connects at once, copying why it failed into err
 * (errsz bytes) unless err is NULL.  NULL when out of memory.
 */
struct db *db_new(const struct cfg *c, int rd_timeout, char *err,
	    size_t errsz);
/* Records d->my's (or st's) error, drops a broken connection; ERR_DB. */
enum err my_fail(struct db *d, MYSQL_STMT *st);

/*
 * The statement helpers (db.c "statement helper"): q_run binds by a
 * format (i int64_t, d int, I const int64_t *, s/z string, b blob) and
 * runs; q_row fetches the next row (i, d, n, s, b); q_done ends a result;
 * q_affected is the matched-row count of the last run.
 */
enum err q_run(struct db *d, enum q q, MYSQL_STMT **stp, const char *fmt,
	    ...);
enum err q_row(struct db *d, MYSQL_STMT *st, struct arena *a,
	    const char *fmt, ...);
void	 q_done(MYSQL_STMT *st);
int64_t	 q_affected(MYSQL_STMT *st);
/*
 * An arena array for the rows of st's stored result (at least one slot of
 * size bytes); *rows is the row count.  NULL (d->err set) on no memory.
 */
void	*q_array(struct db *d, MYSQL_STMT *st, struct arena *a, size_t size,
	    size_t *rows);
/* Transaction steps (tx_run's); tx_rollback keeps d->err. */
enum err tx_begin(struct db *d);
enum err tx_commit(struct db *d);
void	 tx_rollback(struct db *d);
/*
 * Runs body in a transaction: commit on ERR_OK, roll back otherwise; a
 * deadlock restarts it whole (the body must reset its outputs).
 */
enum err tx_run(struct db *d, enum err (*body)(struct db *, void *),
	    void *arg);
/* Records an error for db_errmsg (no = server errno or 0). */
void	 set_err(struct db *d, unsigned int no, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* s as at most outsz - 1 bytes of valid UTF-8 (bad bytes -> '?'). */
char	*fit(char *out, size_t outsz, const char *s);
/* Reads the next PRICE_COLS row of st into *p (db_lookup.c). */
enum err price_row_base(struct db *d, MYSQL_STMT *st, struct arena *a,
	    struct price *p, char **base);
enum err price_row(struct db *d, MYSQL_STMT *st, struct arena *a,
	    struct price *p);
/*
 * Row readers (db_admin.c) of USER_COLS into a struct user_row,
 * TOKEN_COLS into a struct token_row and CROW_COLS into a struct
 * channel_row (p); as q_row.  Their type is that of q_rows' fn.
 */
enum err user_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p);
enum err token_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p);
enum err chan_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p);
/*
 * Reads every row of st's stored result with fn into a new arena array
 * of size-byte slots (returned; NULL on no memory) and ends st.  *n is the
 * count of rows read, *e ERR_OK (also for no rows), ERR_NOMEM or fn's
 * error (db_admin.c).
 */
void	*q_rows(struct db *d, MYSQL_STMT *st, struct arena *a, size_t size,
	    enum err (*fn)(struct db *, MYSQL_STMT *, struct arena *, void *),
	    size_t *n, enum err *e);
/* Reads the one row of st with fn into out and ends st; as fn. */
enum err q_one(struct db *d, MYSQL_STMT *st, struct arena *a,
	    enum err (*fn)(struct db *, MYSQL_STMT *, struct arena *, void *),
	    void *out);
/* Inserts one logs row (strings fitted to their columns). */
enum err log_put(struct db *d, const struct log_rec *l);

/* Input and output of settle_tx (a tx_run body): see db_hold_settle. */
struct settle {
	int64_t			 hold_id;
	int64_t			 actual;
	const struct log_rec	*log;
	int			 count;		/* request_count increment */
	int			 applied;
};

enum err settle_tx(struct db *d, void *arg);

/*
 * Input and output of quota_tx (a tx_run body, db_admin.c): sets the live
 * user uid's quota to value (add 0; LOGT_MANAGE "set_quota") or adds
 * value to it (add 1; "adjust_quota", LOGT_TOPUP when value > 0, the
 * result may not go below zero), with a logs row whose quota is the
 * change and whose other names the old and new quota and actor.
 */
struct quota_chg {
	int64_t		 uid;
	int64_t		 value;
	int		 add;
	const char	*actor;		/* NULL: "" */
	int64_t		 quota;		/* out: the new quota */
	int64_t		 delta;		/* out: the change */
};

enum err quota_tx(struct db *d, void *arg);

/*
 * The management API's helpers (db_api.c).  db_api_changed: the outcome
 * e of a q_run that changes rows, *stp its statement, ERR_NOT_FOUND when
 * no row matched.  db_api_like: "%kw%" in a with '!', '%' and '_'
 * escaped for LIKE ... ESCAPE '!' (NULL on no memory).
 */
enum err db_api_changed(MYSQL_STMT **stp, enum err e);
char	*db_api_like(struct arena *a, const char *kw);

#endif
