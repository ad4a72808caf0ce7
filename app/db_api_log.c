/*
 * db_api_log.c: the log browser and usage statistics of the management
 * API.  Its SQL is db_api_log_q (enum q values from Q__API_OBJ_END,
 * db_int.h), all read-only.
 *
 * One WHERE clause (LOG_WHERE) serves every combination of the log
 * filters: each condition is "(? = 0 OR col = ?)", which the server
 * folds away for an unused filter once the parameters are known, so the
 * indexes of 0001/0002 (user, key, type, model, channel, each with
 * created_at) still apply.  Sums are cast to BIGINT in SQL: the row
 * reader binds integers as such.
 */
#include <stdint.h>
#include <string.h>

#include <mysql.h>

#include "arena.h"
#include "db.h"
#include "db_api.h"
#include "db_int.h"

#define LOG_COLS "id, created_at, type, user_id, username, token_id, " \
	"token_name, channel_id, model_name, prompt_tokens, " \
	"completion_tokens, quota, use_time_ms, is_stream, request_id, ip, " \
	"status, other, stream_status, error_code"
#define LOG_FMT "iidisisisiiiidssdsss"
/* 18 parameters, bound by bind order in filter_run. */
#define LOG_WHERE " WHERE created_at >= ? AND created_at < ? " \
	"AND (? = 0 OR user_id = ?) AND (? = '' OR username = ?) " \
	"AND (? = 0 OR token_id = ?) AND (? = '' OR token_name = ?) " \
	"AND (? = '' OR model_name = ?) AND (? = 0 OR channel_id = ?) " \
	"AND (? = 0 OR type = ?) AND (? = '' OR request_id = ?)"

/* The row of statement q in db_api_log_q. */
#define ROW(q)	[(q) - Q__API_OBJ_END]

/* Indexed by enum q - Q__API_OBJ_END (db_int.h). */
const struct qdef db_api_log_q[] = {
	ROW(Q_API_LOGS) = { "SELECT " LOG_COLS " FROM logs" LOG_WHERE
	    " AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ? OFFSET ?", 1 },
	ROW(Q_API_LOG_TOTALS) = { "SELECT COUNT(*), "
	    "CAST(COALESCE(SUM(quota), 0) AS SIGNED), "
	    "CAST(COALESCE(SUM(prompt_tokens), 0) AS SIGNED), "
	    "CAST(COALESCE(SUM(completion_tokens), 0) AS SIGNED) FROM logs"
	    LOG_WHERE, 1 },
	ROW(Q_API_USAGE) = { "SELECT CAST(FLOOR((created_at + ?) / 86400) AS "
	    "SIGNED) AS day, model_name, COUNT(*), "
	    "CAST(SUM(prompt_tokens) AS SIGNED), "
	    "CAST(SUM(completion_tokens) AS SIGNED), "
	    "CAST(SUM(quota) AS SIGNED) FROM logs WHERE type = 2 "
	    "AND created_at >= ? AND created_at < ? "
	    "AND (? = 0 OR user_id = ?) GROUP BY day, model_name "
	    "ORDER BY day, model_name", 1 },
	ROW(Q_API_BALANCE) = { "SELECT CAST(COALESCE(SUM(quota), 0) AS "
	    "SIGNED), CAST(COALESCE(SUM(used_quota), 0) AS SIGNED) FROM users "
	    "WHERE deleted_at IS NULL AND (? = 0 OR id = ?)", 1 },
};

_Static_assert(sizeof(db_api_log_q) / sizeof(db_api_log_q[0]) ==
    Q__ALL - Q__API_OBJ_END, "db_api_log_q must have one row per statement");

/* "" for NULL, so "? = ''" holds for an unused text filter. */
static const char *
txt(const char *s)
{
	return s != NULL ? s : "";
}

static enum err
log_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p)
{
	struct log_row	*l = p;

	return q_row(d, st, a, LOG_FMT, &l->id, &l->created_at, &l->type,
	    &l->user_id, &l->username, &l->token_id, &l->token_name,
	    &l->channel_id, &l->model_name, &l->prompt_tokens,
	    &l->completion_tokens, &l->quota, &l->use_time_ms, &l->is_stream,
	    &l->request_id, &l->ip, &l->status, &l->other, &l->stream_status,
	    &l->error_code);
}

enum err
db_api_logs(struct db *d, struct arena *a, const struct log_filter *f,
    int64_t before, int64_t limit, int64_t offset, struct log_row **out,
    size_t *n)
{
	MYSQL_STMT	*st;
	int64_t		 end = f->end > 0 ? f->end : INT64_MAX;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_API_LOGS, &st, "iiiissiissssiiddssiiii", f->start,
	    end, f->user_id, f->user_id, txt(f->username), txt(f->username),
	    f->token_id, f->token_id, txt(f->token_name), txt(f->token_name),
	    txt(f->model), txt(f->model), f->channel_id, f->channel_id,
	    f->type, f->type, txt(f->request_id), txt(f->request_id), before,
	    before, limit, offset)) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), log_read, n, &e);
	return e;
}

enum err
db_api_log_totals(struct db *d, const struct log_filter *f,
    struct log_totals *t)
{
	MYSQL_STMT	*st;
	int64_t		 end = f->end > 0 ? f->end : INT64_MAX;
	enum err	 e;

	memset(t, 0, sizeof(*t));
	if ((e = q_run(d, Q_API_LOG_TOTALS, &st, "iiiissiissssiiddss",
	    f->start, end, f->user_id, f->user_id, txt(f->username),
	    txt(f->username), f->token_id, f->token_id, txt(f->token_name),
	    txt(f->token_name), txt(f->model), txt(f->model), f->channel_id,
	    f->channel_id, f->type, f->type, txt(f->request_id),
	    txt(f->request_id))) != ERR_OK)
		return e;
	e = q_row(d, st, NULL, "iiii", &t->rows, &t->quota, &t->prompt_tokens,
	    &t->completion_tokens);
	q_done(st);
	return e;
}

static enum err
usage_read(struct db *d, MYSQL_STMT *st, struct arena *a, void *p)
{
	struct usage_row	*u = p;

	return q_row(d, st, a, "isiiii", &u->day, &u->model, &u->requests,
	    &u->prompt_tokens, &u->completion_tokens, &u->quota);
}

enum err
db_api_usage(struct db *d, struct arena *a, int64_t user_id, int64_t start,
    int64_t end, int64_t tz, struct usage_row **out, size_t *n)
{
	MYSQL_STMT	*st;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_API_USAGE, &st, "iiiii", tz, start, end, user_id,
	    user_id)) != ERR_OK)
		return e;
	*out = q_rows(d, st, a, sizeof(**out), usage_read, n, &e);
	return e;
}

enum err
db_api_balance(struct db *d, int64_t user_id, int64_t *quota, int64_t *used)
{
	MYSQL_STMT	*st;
	enum err	 e;

	*quota = *used = 0;
	if ((e = q_run(d, Q_API_BALANCE, &st, "ii", user_id, user_id)) !=
	    ERR_OK)
		return e;
	e = q_row(d, st, NULL, "ii", quota, used);
	q_done(st);
	return e;
}
