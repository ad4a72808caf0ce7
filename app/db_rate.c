/*
 * db_rate.c: rate-limit windows in MariaDB (ratelimit = db), so that
 * several hosts share one count per key and minute.
 *
 * One statement per change: an upsert that adds delta and, through
 * LAST_INSERT_ID(expr), hands back the row's new value atomically, so
 * concurrent callers on any host each see a distinct running total.  The
 * id is the new count + 1, because a fresh row (no update) reports 0:
 * then the count is delta itself.  Counts never go below 0.
 */
#include <mysql.h>

#include "db.h"
#include "db_int.h"

/* The row of statement q in db_rate_q. */
#define ROW(q)	[(q) - Q__VIDEO_END]

/* Indexed by enum q - Q__VIDEO_END (db_int.h). */
const struct qdef db_rate_q[] = {
	ROW(Q_RATE_ADD) = { "INSERT INTO rate_windows "
	    "(scope, window_start, count) VALUES (?, ?, GREATEST(?, 0)) "
	    "ON DUPLICATE KEY UPDATE count = "
	    "GREATEST(count + ?, 0) + "
	    "0 * LAST_INSERT_ID(GREATEST(count + ?, 0) + 1)", 0 },
	ROW(Q_RATE_PURGE) = { "DELETE FROM rate_windows "
	    "WHERE window_start < ?", 0 },
};

_Static_assert(sizeof(db_rate_q) / sizeof(db_rate_q[0]) ==
    Q__RATE_END - Q__VIDEO_END, "db_rate_q must have one row per statement");

enum err
db_rate_add(struct db *d, const char *scope, int64_t window, int64_t delta,
    int64_t *total)
{
	MYSQL_STMT	*st;
	my_ulonglong	 id;
	enum err	 e;

	if ((e = q_run(d, Q_RATE_ADD, &st, "siiii", scope, window, delta,
	    delta, delta)) !=
	    ERR_OK)
		return e;
	id = mysql_stmt_insert_id(st);
	*total = id != 0 ? (int64_t)id - 1 : (delta > 0 ? delta : 0);
	q_done(st);
	return ERR_OK;
}

enum err
db_rate_purge(struct db *d, int64_t before)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_RATE_PURGE, &st, "i", before)) == ERR_OK)
		q_done(st);
	return e;
}
