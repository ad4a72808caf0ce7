/*
 * db.c: the MariaDB connection of Nexhina (Connector/C), its statement
 * cache and the statement and transaction helpers (db_int.h) through
 * which the db modules run their SQL: db_lookup.c (request-path
 * lookups), db_money.c (holds, settlement, logs), db_migrate.c
 * (migrations), db_admin.c (users, keys, channels, prices, groups),
 * db_video.c and db_rate.c.
 *
 * A struct db is one MYSQL connection plus a cache of its prepared
 * statements: one slot per enum q, prepared on first use and reused for
 * the life of the connection (a request then costs one round trip per
 * statement).  All SQL text is in the modules' statement tables (qdef_of
 * finds a statement's row) and runs as prepared statements; the only
 * other text sent is the constant START TRANSACTION and the trusted
 * migration files of schema/.
 *
 * Connection invariants.  d->my is NULL or a connection believed alive.
 * An error that may have broken it (any client error CR_*, server
 * shutdown, killed connection) closes it and empties the statement cache;
 * the next call connects again.  After a failed connect, calls during the
 * next DB_RETRY_MS fail at once, so an outage costs no timeout per call.
 * A read-only statement (struct qdef ro) outside a transaction is retried once
 * on a new connection when it failed at once (a connection the server
 * closed while idle, a restarted server); one that timed out is not, so a
 * hung server costs one db_timeout, not two.  Statements in a transaction
 * never are: a transaction whose connection broke fails with ERR_DB (the
 * server rolls it back; only a failed START TRANSACTION, which changed
 * nothing, is retried), and a transaction is only restarted whole, on
 * ER_LOCK_DEADLOCK (also what Galera reports for a certification
 * failure), at most DB_TX_RETRIES times.  Money transactions lock the key
 * row before the user row, so they do not deadlock on each other.
 *
 * Sessions connect with CLIENT_FOUND_ROWS so that the affected-row count
 * of an UPDATE is the number of rows matched (the conditional debits of
 * db_hold_take rely on it: a debit of 0 changes nothing but must count),
 * and with innodb_lock_wait_timeout below the read timeout so a lock wait
 * ends with a clean error instead of a dropped connection.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "arena.h"
#include "cfg.h"
#include "db.h"
#include "db_int.h"
#include "log.h"

#define DB_RETRY_MS	1000		/* connect hold-off after a failure */
#define DB_FAST_MS	500		/* a failure this quick is retried */
#define DB_TX_RETRIES	3		/* restarts of a deadlocked tx */
#define Q_MAXPARAM	24
#define Q_MAXCOL	24

/* A statement of any db module: its row in that module's table. */
static const struct qdef *
qdef_of(enum q q)
{
	if (q < Q__LOOKUP_END)
		return &db_lookup_q[q];
	if (q < Q__MONEY_END)
		return &db_money_q[q - Q__LOOKUP_END];
	if (q < Q__MIG_END)
		return &db_migrate_q[q - Q__MONEY_END];
	if (q < Q__ADMIN_END)
		return &db_admin_q[q - Q__MIG_END];
	if (q < Q__VIDEO_END)
		return &db_video_q[q - Q__ADMIN_END];
	if (q < Q__RATE_END)
		return &db_rate_q[q - Q__VIDEO_END];
	if (q < Q__REDEEM_END)
		return &db_redeem_q[q - Q__RATE_END];
	if (q < Q__API_END)
		return &db_api_q[q - Q__REDEEM_END];
	if (q < Q__API_OBJ_END)
		return &db_api_obj_q[q - Q__API_END];
	return &db_api_log_q[q - Q__API_OBJ_END];
}

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when a failure that began at t0 (ms) came fast enough to retry. */
static int
fast(int64_t t0)
{
	return now_ms() - t0 < DB_FAST_MS;
}

void
set_err(struct db *d, unsigned int no, const char *fmt, ...)
{
	va_list	 ap;

	d->last_errno = no;
	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
}

/* 1 when errno means the connection can no longer be trusted. */
static int
conn_broken(unsigned int no)
{
	if (no >= CR_MIN_ERROR && no <= CR_MAX_ERROR)
		return 1;
	return no == ER_SERVER_SHUTDOWN || no == ER_CONNECTION_KILLED ||
	    no == ER_NET_READ_ERROR || no == ER_NET_READ_INTERRUPTED ||
	    no == ER_NET_ERROR_ON_WRITE || no == ER_NET_WRITE_INTERRUPTED;
}

/* 1 when the statement handle (not the connection) went stale. */
static int
stmt_stale(unsigned int no)
{
	return no == ER_NEED_REPREPARE || no == ER_UNKNOWN_STMT_HANDLER;
}

static void
conn_drop(struct db *d)
{
	size_t	 i;

	for (i = 0; i < Q__ALL; i++)
		if (d->st[i] != NULL) {
			mysql_stmt_close(d->st[i]);
			d->st[i] = NULL;
		}
	if (d->my != NULL) {
		mysql_close(d->my);
		d->my = NULL;
	}
	if (d->in_tx)
		d->tx_broken = 1;
	d->in_tx = 0;
}

/*
 * Records the error of d->my (or of st) and drops a broken connection.
 * Returns ERR_DB.
 */
enum err
my_fail(struct db *d, MYSQL_STMT *st)
{
	if (st != NULL)
		set_err(d, mysql_stmt_errno(st), "%s", mysql_stmt_error(st));
	else if (d->my != NULL)
		set_err(d, mysql_errno(d->my), "%s", mysql_error(d->my));
	if (conn_broken(d->last_errno))
		conn_drop(d);
	return ERR_DB;
}

static enum err
conn_open(struct db *d)
{
	const struct cfg	*c = d->cfg;
	unsigned int		 cto, rto, proto;
	char			 init[96];
	MYSQL			*my;
	int			 sock;

	if (d->my != NULL)
		return ERR_OK;
	if (d->retry_at != 0 && now_ms() < d->retry_at)
		return ERR_DB;		/* d->err still says why */
	if ((my = mysql_init(NULL)) == NULL) {
		set_err(d, CR_OUT_OF_MEMORY, "mysql_init: out of memory");
		return ERR_DB;
	}
	sock = c->db_socket[0] != '\0';
	cto = (unsigned int)c->db_timeout;
	rto = (unsigned int)d->rd_timeout;
	/* Auto-reconnect stays off (the default): it would lose the stmts. */
	proto = sock ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
	snprintf(init, sizeof(init),
	    "SET SESSION innodb_lock_wait_timeout = %d",
	    d->rd_timeout > 50 ? 50 : (d->rd_timeout > 1 ?
	    d->rd_timeout - 1 : 1));
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &cto);
	mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &rto);
	mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &cto);
	/* Without this, host "localhost" silently means the default socket. */
	mysql_options(my, MYSQL_OPT_PROTOCOL, &proto);
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(my, MYSQL_INIT_COMMAND, init);
	if (mysql_real_connect(my, sock ? NULL : c->db_host, c->db_user,
	    c->db_password, c->db_name, sock ? 0 : (unsigned int)c->db_port,
	    sock ? c->db_socket : NULL, CLIENT_FOUND_ROWS) == NULL) {
		set_err(d, mysql_errno(my), "%s", mysql_error(my));
		mysql_close(my);
		d->retry_at = now_ms() + DB_RETRY_MS;
		return ERR_DB;
	}
	d->my = my;
	d->retry_at = 0;
	return ERR_OK;
}

int
db_global_init(void)
{
	return mysql_library_init(0, NULL, NULL) == 0 ? 0 : -1;
}

/*
 * A new struct db (caller frees with db_close) whose reads time out after
 * rd_timeout s; it tries to connect at once, copying why it failed into
 * err (errsz bytes) when err is not NULL.  NULL when out of memory.
 */
struct db *
db_new(const struct cfg *c, int rd_timeout, char *err, size_t errsz)
{
	struct db	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->cfg = c;
	d->rd_timeout = rd_timeout;
	if (conn_open(d) != ERR_OK && err != NULL && errsz > 0)
		snprintf(err, errsz, "%s", d->err);
	return d;
}

struct db *
db_open(const struct cfg *c, char *err, size_t errsz)
{
	return db_new(c, c->db_timeout, err, errsz);
}

void
db_close(struct db *d)
{
	if (d == NULL)
		return;
	conn_drop(d);
	free(d);
}

enum err
db_ping(struct db *d)
{
	int64_t	 t0 = now_ms();
	int	 try;

	for (try = 0; try < 2; try++) {
		if (conn_open(d) != ERR_OK)
			return ERR_DB;
		if (mysql_ping(d->my) == 0)
			return ERR_OK;
		my_fail(d, NULL);
		if (!fast(t0))
			break;
	}
	return ERR_DB;
}

const char *
db_errmsg(struct db *d)
{
	if (d == NULL || d->err[0] == '\0')
		return "no error";
	return d->err;
}

/* ---- statement helper ---- */

/*
 * Prepares (once per connection), binds and runs q; stores the result set
 * if there is one.  pb has n parameters.  Refuses to run on a fresh
 * connection while a transaction of a lost one is open.
 */
static enum err
q_exec1(struct db *d, enum q q, MYSQL_BIND *pb, size_t n, MYSQL_STMT **stp)
{
	const struct qdef *qd = qdef_of(q);
	MYSQL_STMT	*st;
	enum err	 e;

	if (d->tx_broken) {
		set_err(d, CR_SERVER_LOST, "connection lost in transaction");
		return ERR_DB;
	}
	if ((e = conn_open(d)) != ERR_OK)
		return e;
	if ((st = d->st[q]) == NULL) {
		if ((st = mysql_stmt_init(d->my)) == NULL)
			return my_fail(d, NULL);
		if (mysql_stmt_prepare(st, qd->sql, strlen(qd->sql)) != 0) {
			set_err(d, mysql_stmt_errno(st), "%s",
			    mysql_stmt_error(st));
			mysql_stmt_close(st);
			if (conn_broken(d->last_errno))
				conn_drop(d);
			return ERR_DB;
		}
		if (mysql_stmt_param_count(st) != n) {
			set_err(d, 0, "internal: statement %d takes %lu "
			    "parameters, %zu given", (int)q,
			    mysql_stmt_param_count(st), n);
			mysql_stmt_close(st);
			return ERR_INTERNAL;
		}
		d->st[q] = st;
	}
	if ((n > 0 && mysql_stmt_bind_param(st, pb) != 0) ||
	    mysql_stmt_execute(st) != 0 ||
	    (mysql_stmt_field_count(st) > 0 &&
	    mysql_stmt_store_result(st) != 0)) {
		e = my_fail(d, st);
		if (d->my != NULL && stmt_stale(d->last_errno)) {
			mysql_stmt_close(st);
			d->st[q] = NULL;
		}
		return e;
	}
	*stp = st;
	return ERR_OK;
}

/*
 * Runs statement q with parameters described by fmt, one letter each:
 *   i int64_t        d int         I const int64_t * (NULL: SQL NULL)
 *   s const char * (NULL: "")      z const char * (NULL: SQL NULL)
 *   b const void *, size_t (blob)
 * On ERR_OK *stp is the statement: read rows with q_row, end with q_done.
 * ERR_DB (d->err says why), ERR_INTERNAL on a programming error.
 */
enum err
q_run(struct db *d, enum q q, MYSQL_STMT **stp, const char *fmt, ...)
{
	MYSQL_BIND	 pb[Q_MAXPARAM];
	long long	 iv[Q_MAXPARAM];
	const int64_t	*ip;
	const char	*s;
	va_list		 ap;
	size_t		 n, i;
	enum err	 e;
	int64_t		 t0 = now_ms();
	int		 try, intx = d->in_tx;

	if ((n = strlen(fmt)) > Q_MAXPARAM) {
		set_err(d, 0, "internal: too many parameters");
		return ERR_INTERNAL;
	}
	memset(pb, 0, sizeof(pb));
	va_start(ap, fmt);
	for (i = 0; i < n; i++) {
		pb[i].buffer_type = MYSQL_TYPE_LONGLONG;
		pb[i].buffer = &iv[i];
		switch (fmt[i]) {
		case 'i':
			iv[i] = va_arg(ap, int64_t);
			break;
		case 'd':
			iv[i] = va_arg(ap, int);
			break;
		case 'I':
			if ((ip = va_arg(ap, const int64_t *)) == NULL)
				pb[i].buffer_type = MYSQL_TYPE_NULL;
			else
				iv[i] = *ip;
			break;
		case 's':
		case 'z':
			s = va_arg(ap, const char *);
			pb[i].buffer_type = MYSQL_TYPE_STRING;
			if (s == NULL && fmt[i] == 'z')
				pb[i].buffer_type = MYSQL_TYPE_NULL;
			else if (s == NULL)
				s = "";
			pb[i].buffer = (void *)(uintptr_t)s;
			pb[i].buffer_length = s != NULL ? strlen(s) : 0;
			break;
		case 'b':
			pb[i].buffer_type = MYSQL_TYPE_BLOB;
			pb[i].buffer = (void *)(uintptr_t)va_arg(ap,
			    const void *);
			pb[i].buffer_length = va_arg(ap, size_t);
			break;
		default:
			va_end(ap);
			set_err(d, 0, "internal: bad parameter format");
			return ERR_INTERNAL;
		}
	}
	va_end(ap);
	for (try = 0;; try++) {
		e = q_exec1(d, q, pb, n, stp);
		if (e != ERR_DB || try == 1)
			return e;
		if (stmt_stale(d->last_errno))
			continue;	/* it never ran: safe even in a tx */
		if (!conn_broken(d->last_errno) || !qdef_of(q)->ro || intx ||
		    !fast(t0))
			return e;
	}
}

void
q_done(MYSQL_STMT *st)
{
	if (st != NULL)
		mysql_stmt_free_result(st);
}

/*
 * Fetches the next row of st into the pointers that follow, one per
 * column, by fmt:
 *   i int64_t *   d int *   n int * (SQL NULL: -1)
 *   s char ** (arena copy, NULL: "")   b unsigned char **, size_t *
 * NULL numbers read as 0.  ERR_OK, ERR_NOT_FOUND when there are no more
 * rows, ERR_NOMEM (arena cap), ERR_DB.
 */
enum err
q_row(struct db *d, MYSQL_STMT *st, struct arena *a, const char *fmt, ...)
{
	MYSQL_BIND	 rb[Q_MAXCOL], cb;
	long long	 iv[Q_MAXCOL];
	unsigned long	 len[Q_MAXCOL];
	my_bool		 nul[Q_MAXCOL], cnul;
	void		*dst[Q_MAXCOL];
	size_t		*blen[Q_MAXCOL];
	char		*p;
	va_list		 ap;
	size_t		 n, i;
	int		 rc;

	n = strlen(fmt);
	if (n > Q_MAXCOL || n != mysql_stmt_field_count(st)) {
		set_err(d, 0, "internal: column count");
		return ERR_INTERNAL;
	}
	memset(rb, 0, sizeof(rb));
	va_start(ap, fmt);
	for (i = 0; i < n; i++) {
		blen[i] = NULL;
		switch (fmt[i]) {
		case 'i':
			dst[i] = va_arg(ap, int64_t *);
			break;
		case 'b':
			dst[i] = va_arg(ap, unsigned char **);
			blen[i] = va_arg(ap, size_t *);
			break;
		case 's':
			dst[i] = va_arg(ap, char **);
			break;
		default:
			dst[i] = va_arg(ap, int *);
			break;
		}
		rb[i].is_null = &nul[i];
		rb[i].length = &len[i];
		if (fmt[i] == 's' || fmt[i] == 'b')
			rb[i].buffer_type = MYSQL_TYPE_BLOB;
		else {
			rb[i].buffer_type = MYSQL_TYPE_LONGLONG;
			rb[i].buffer = &iv[i];
		}
	}
	va_end(ap);
	if (mysql_stmt_bind_result(st, rb) != 0)
		return my_fail(d, st);
	rc = mysql_stmt_fetch(st);
	if (rc == MYSQL_NO_DATA)
		return ERR_NOT_FOUND;
	if (rc != 0 && rc != MYSQL_DATA_TRUNCATED)
		return my_fail(d, st);
	for (i = 0; i < n; i++) {
		if (fmt[i] == 'i') {
			*(int64_t *)dst[i] = nul[i] ? 0 : iv[i];
			continue;
		}
		if (fmt[i] == 'd' || fmt[i] == 'n') {
			*(int *)dst[i] = nul[i] ? (fmt[i] == 'n' ? -1 : 0) :
			    (int)iv[i];
			continue;
		}
		/* Strings: the first fetch only measured them. */
		if (nul[i])
			len[i] = 0;
		if (a == NULL || (p = arena_alloc(a, (size_t)len[i] + 1)) ==
		    NULL) {
			set_err(d, 0, "out of memory reading a row");
			return ERR_NOMEM;
		}
		if (len[i] > 0) {
			memset(&cb, 0, sizeof(cb));
			cb.buffer_type = MYSQL_TYPE_BLOB;
			cb.buffer = p;
			cb.buffer_length = len[i];
			cb.length = &len[i];
			cb.is_null = &cnul;
			if (mysql_stmt_fetch_column(st, &cb, (unsigned int)i,
			    0) != 0)
				return my_fail(d, st);
		}
		p[len[i]] = '\0';
		*(char **)dst[i] = p;
		if (blen[i] != NULL)
			*blen[i] = len[i];
	}
	return ERR_OK;
}

/*
 * Arena array for the rows of st's stored result (at least one slot, of
 * size bytes each); *rows is the row count.  NULL when out of memory.
 */
void *
q_array(struct db *d, MYSQL_STMT *st, struct arena *a, size_t size,
    size_t *rows)
{
	my_ulonglong	 n = mysql_stmt_num_rows(st);
	void		*p;

	if (n > SIZE_MAX / size - 1 ||
	    (p = arena_alloc(a, ((size_t)n + 1) * size)) == NULL) {
		set_err(d, 0, "out of memory for %llu rows",
		    (unsigned long long)n);
		return NULL;
	}
	*rows = (size_t)n;
	return p;
}

/* Affected (with CLIENT_FOUND_ROWS: matched) rows of the last run. */
int64_t
q_affected(MYSQL_STMT *st)
{
	my_ulonglong	 n = mysql_stmt_affected_rows(st);

	return n == (my_ulonglong)-1 ? -1 : (int64_t)n;
}

/* ---- transactions ---- */

/* Starts a transaction (retried once on a connection found dead). */
enum err
tx_begin(struct db *d)
{
	static const char	 begin[] = "START TRANSACTION";
	int64_t			 t0 = now_ms();
	int			 try;

	d->tx_broken = 0;
	for (try = 0; try < 2; try++) {
		if (conn_open(d) != ERR_OK)
			return ERR_DB;
		/* Nothing has happened yet: a failed BEGIN may be retried. */
		if (mysql_real_query(d->my, begin, sizeof(begin) - 1) == 0) {
			d->in_tx = 1;
			return ERR_OK;
		}
		my_fail(d, NULL);
		if (d->my != NULL || !fast(t0))
			return ERR_DB;
	}
	return ERR_DB;
}

/* Rolls back if possible; keeps d->err and d->last_errno. */
void
tx_rollback(struct db *d)
{
	if (d->my != NULL && d->in_tx && mysql_rollback(d->my) != 0 &&
	    conn_broken(mysql_errno(d->my))) {
		d->in_tx = 0;
		conn_drop(d);
	}
	d->in_tx = 0;
	d->tx_broken = 0;
}

/* Commits: ERR_DB when the connection was lost or COMMIT failed. */
enum err
tx_commit(struct db *d)
{
	if (d->my == NULL || d->tx_broken || !d->in_tx) {
		d->tx_broken = 0;
		if (d->err[0] == '\0')
			set_err(d, CR_SERVER_LOST, "connection lost");
		return ERR_DB;
	}
	d->in_tx = 0;
	if (mysql_commit(d->my) != 0) {
		my_fail(d, NULL);
		tx_rollback(d);
		return ERR_DB;
	}
	return ERR_OK;
}

/*
 * Runs body(d, arg) in a transaction: commit on ERR_OK, roll back on
 * anything else.  A deadlock restarts the whole transaction (the body
 * must reset its outputs) at most DB_TX_RETRIES times.
 */
enum err
tx_run(struct db *d, enum err (*body)(struct db *, void *), void *arg)
{
	enum err	 e;
	int		 i;

	for (i = 0;; i++) {
		if ((e = tx_begin(d)) != ERR_OK)
			return e;
		d->last_errno = 0;
		if ((e = body(d, arg)) == ERR_OK)
			e = tx_commit(d);
		else
			tx_rollback(d);
		if (e == ERR_OK || d->last_errno != ER_LOCK_DEADLOCK ||
		    i == DB_TX_RETRIES)
			return e;
		log_warn(NULL, "db: deadlock, restarting transaction (%d)",
		    i + 1);
	}
}
