/*
 * db.c: every SQL statement of Nexhina, over MariaDB Connector/C.
 *
 * A struct db is one MYSQL connection plus a cache of its prepared
 * statements: one slot per row of q_tab, prepared on first use and reused
 * for the life of the connection (a request then costs one round trip per
 * statement).  All SQL text is in q_tab and runs as prepared statements;
 * the only other text sent is the constant START TRANSACTION and the
 * trusted migration files of schema/.
 *
 * Connection invariants.  d->my is NULL or a connection believed alive.
 * An error that may have broken it (any client error CR_*, server
 * shutdown, killed connection) closes it and empties the statement cache;
 * the next call connects again.  After a failed connect, calls during the
 * next DB_RETRY_MS fail at once, so an outage costs no timeout per call.
 * A read-only statement (q_tab ro) outside a transaction is retried once
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
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
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
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "log.h"

#define DB_RETRY_MS	1000		/* connect hold-off after a failure */
#define DB_FAST_MS	500		/* a failure this quick is retried */
#define DB_TX_RETRIES	3		/* restarts of a deadlocked tx */
#define DB_MIG_TIMEOUT	86400		/* s: read timeout while migrating */
#define DB_MIG_MAX	(8 << 20)	/* bytes of one migration file */
#define DB_EXPIRE_BATCH	100		/* stale holds fetched per query */
#define Q_MAXPARAM	24
#define Q_MAXCOL	24

const char *const db_basis_names[BASIS__MAX] = {
	[BASIS_TOKENS] = "tokens",
	[BASIS_INPUT_TOKENS] = "input_tokens",
	[BASIS_IMAGE] = "image",
	[BASIS_CHARACTER] = "character",
	[BASIS_SECOND] = "second",
	[BASIS_REQUEST] = "request",
};

#define USER_COLS "id, username, display_name, email, role, status, quota, " \
	"used_quota, request_count, `group`, created_at, last_login_at"
#define USER_FMT "isssddiiisii"
#define CHAN_COLS "id, type, name, base_url, models, model_mapping, " \
	"`group`, priority, weight, status, other"
#define PRICE_COLS "model, basis, input_u, output_u, cache_u, unit_u, extra"
#define GROUP_COLS "name, ratio_u, rpm, tpm, description"

/* Every statement; ro = read-only, may be retried on a new connection. */
enum q {
	Q_KEY_LOOKUP, Q_PRICE_GET, Q_OPTION_GET, Q_CHANNELS_FOR,
	Q_MODELS_FOR_GROUP, Q_TOKEN_DEBIT, Q_USER_DEBIT, Q_HOLD_INSERT,
	Q_HOLD_DELETE, Q_TOKEN_SETTLE, Q_USER_SETTLE, Q_CHANNEL_USED,
	Q_LOG_INSERT, Q_HOLDS_STALE, Q_MIG_LOCK, Q_MIG_TABLE, Q_MIG_HAS,
	Q_MIG_RECORD, Q_USER_ADD, Q_USER_GET, Q_USER_BY_NAME, Q_USER_LIST,
	Q_USER_LOCK, Q_USER_SET_QUOTA, Q_KEY_ADD, Q_KEY_LIST, Q_KEY_STATUS,
	Q_CHANNEL_ADD, Q_CHANNEL_LIST, Q_CHANNEL_STATUS, Q_PRICE_SET,
	Q_PRICE_LIST, Q_GROUP_SET, Q_GROUP_GET, Q_GROUP_LIST,
	Q__MAX
};

struct qdef {
	const char	*sql;
	int		 ro;
};

static const struct qdef q_tab[] = {
	[Q_KEY_LOOKUP] = { "SELECT t.id, t.user_id, t.name, u.username, "
	    "t.status, t.expired_time, t.remain_quota, t.unlimited_quota, "
	    "t.model_limits, t.allow_ips, "
	    "IF(t.`group` <> '', t.`group`, u.`group`), "
	    "COALESCE(g.ratio_u, 1000000), COALESCE(t.rpm_limit, g.rpm, 0), "
	    "COALESCE(t.tpm_limit, g.tpm, 0), u.status, u.role, u.quota "
	    "FROM tokens t JOIN users u ON u.id = t.user_id "
	    "LEFT JOIN `groups` g "
	    "ON g.name = IF(t.`group` <> '', t.`group`, u.`group`) "
	    "WHERE t.key_hash = ? AND t.deleted_at IS NULL "
	    "AND u.deleted_at IS NULL", 1 },
	[Q_PRICE_GET] = { "SELECT " PRICE_COLS " FROM model_prices "
	    "WHERE model = ?", 1 },
	[Q_OPTION_GET] = { "SELECT value FROM options WHERE name = ?", 1 },
	[Q_CHANNELS_FOR] = { "SELECT " CHAN_COLS ", key_enc FROM channels "
	    "WHERE status = 1 AND FIND_IN_SET(?, models) > 0 "
	    "AND FIND_IN_SET(?, `group`) > 0 ORDER BY priority DESC, id", 1 },
	[Q_MODELS_FOR_GROUP] = { "SELECT models FROM channels "
	    "WHERE status = 1 AND FIND_IN_SET(?, `group`) > 0", 1 },
	[Q_TOKEN_DEBIT] = { "UPDATE tokens "
	    "SET remain_quota = remain_quota - ? "
	    "WHERE id = ? AND remain_quota >= ? AND deleted_at IS NULL", 0 },
	[Q_USER_DEBIT] = { "UPDATE users SET quota = quota - ? "
	    "WHERE id = ? AND quota >= ? AND deleted_at IS NULL", 0 },
	[Q_HOLD_INSERT] = { "INSERT INTO quota_holds (request_id, user_id, "
	    "token_id, unlimited, amount, model, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, UNIX_TIMESTAMP())", 0 },
	[Q_HOLD_DELETE] = { "DELETE FROM quota_holds WHERE id = ? "
	    "RETURNING user_id, token_id, unlimited, amount", 0 },
	[Q_TOKEN_SETTLE] = { "UPDATE tokens "
	    "SET remain_quota = remain_quota + ?, "
	    "used_quota = used_quota + ?, accessed_time = UNIX_TIMESTAMP() "
	    "WHERE id = ?", 0 },
	[Q_USER_SETTLE] = { "UPDATE users SET quota = quota + ?, "
	    "used_quota = used_quota + ?, "
	    "request_count = request_count + ? WHERE id = ?", 0 },
	[Q_CHANNEL_USED] = { "UPDATE channels "
	    "SET used_quota = used_quota + ? WHERE id = ?", 0 },
	[Q_LOG_INSERT] = { "INSERT INTO logs (created_at, type, user_id, "
	    "username, token_id, token_name, channel_id, model_name, "
	    "prompt_tokens, completion_tokens, quota, use_time_ms, is_stream, "
	    "request_id, ip, status, other, stream_status, error_code) "
	    "VALUES (UNIX_TIMESTAMP(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?)", 0 },
	[Q_HOLDS_STALE] = { "SELECT h.id, h.request_id, h.user_id, "
	    "h.token_id, h.model, h.amount, COALESCE(u.username, ''), "
	    "COALESCE(t.name, '') FROM quota_holds h "
	    "LEFT JOIN users u ON u.id = h.user_id "
	    "LEFT JOIN tokens t ON t.id = h.token_id "
	    "WHERE h.created_at < ? ORDER BY h.id LIMIT ?", 1 },
	[Q_MIG_LOCK] = { "SELECT GET_LOCK('nexhina_migrate', ?)", 0 },
	[Q_MIG_TABLE] = { "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INT NOT NULL, name VARCHAR(255) NOT NULL, "
	    "applied_at BIGINT NOT NULL, PRIMARY KEY (version)) "
	    "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
	    "COLLATE=utf8mb4_unicode_ci", 0 },
	[Q_MIG_HAS] = { "SELECT COUNT(*) FROM schema_migrations "
	    "WHERE version = ?", 1 },
	[Q_MIG_RECORD] = { "INSERT INTO schema_migrations "
	    "(version, name, applied_at) VALUES (?, ?, UNIX_TIMESTAMP())", 0 },
	[Q_USER_ADD] = { "INSERT INTO users (username, display_name, email, "
	    "password_hash, role, status, quota, `group`, created_at) "
	    "VALUES (?, ?, ?, ?, ?, 1, ?, ?, UNIX_TIMESTAMP())", 0 },
	[Q_USER_GET] = { "SELECT " USER_COLS " FROM users "
	    "WHERE id = ? AND deleted_at IS NULL", 1 },
	[Q_USER_BY_NAME] = { "SELECT " USER_COLS " FROM users "
	    "WHERE username = ? AND deleted_at IS NULL", 1 },
	[Q_USER_LIST] = { "SELECT " USER_COLS " FROM users "
	    "WHERE id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?", 1 },
	[Q_USER_LOCK] = { "SELECT username, quota FROM users "
	    "WHERE id = ? AND deleted_at IS NULL FOR UPDATE", 0 },
	[Q_USER_SET_QUOTA] = { "UPDATE users SET quota = ? WHERE id = ?", 0 },
	[Q_KEY_ADD] = { "INSERT INTO tokens (user_id, name, key_hash, "
	    "key_prefix, status, created_time, expired_time, remain_quota, "
	    "unlimited_quota, model_limits, allow_ips, `group`, rpm_limit, "
	    "tpm_limit) VALUES (?, ?, ?, ?, 1, UNIX_TIMESTAMP(), ?, ?, ?, ?, "
	    "?, ?, ?, ?)", 0 },
	[Q_KEY_LIST] = { "SELECT t.id, t.user_id, COALESCE(u.username, ''), "
	    "t.name, t.key_prefix, t.status, t.created_time, "
	    "t.accessed_time, t.expired_time, t.remain_quota, "
	    "t.unlimited_quota, t.used_quota, t.model_limits, t.allow_ips, "
	    "t.`group`, t.rpm_limit, t.tpm_limit FROM tokens t "
	    "LEFT JOIN users u ON u.id = t.user_id "
	    "WHERE t.deleted_at IS NULL AND (? = 0 OR t.user_id = ?) "
	    "ORDER BY t.id", 1 },
	[Q_KEY_STATUS] = { "UPDATE tokens SET status = ? "
	    "WHERE id = ? AND deleted_at IS NULL", 0 },
	[Q_CHANNEL_ADD] = { "INSERT INTO channels (type, name, base_url, "
	    "key_enc, models, model_mapping, `group`, priority, weight, "
	    "status, test_model, created_time, other) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, UNIX_TIMESTAMP(), ?)",
	    0 },
	[Q_CHANNEL_LIST] = { "SELECT " CHAN_COLS ", test_model, test_time, "
	    "response_time, used_quota, created_time, fail_count "
	    "FROM channels ORDER BY id", 1 },
	[Q_CHANNEL_STATUS] = { "UPDATE channels SET status = ? WHERE id = ?",
	    0 },
	[Q_PRICE_SET] = { "INSERT INTO model_prices (model, basis, input_u, "
	    "output_u, cache_u, unit_u, extra, updated_at) VALUES (?, ?, "
	    "COALESCE(?, 0), COALESCE(?, 0), COALESCE(?, 0), COALESCE(?, 0), "
	    "COALESCE(?, ''), UNIX_TIMESTAMP()) ON DUPLICATE KEY UPDATE "
	    "basis = VALUES(basis), input_u = COALESCE(?, input_u), "
	    "output_u = COALESCE(?, output_u), "
	    "cache_u = COALESCE(?, cache_u), unit_u = COALESCE(?, unit_u), "
	    "extra = COALESCE(?, extra), updated_at = VALUES(updated_at)", 0 },
	[Q_PRICE_LIST] = { "SELECT " PRICE_COLS " FROM model_prices "
	    "ORDER BY model", 1 },
	[Q_GROUP_SET] = { "INSERT INTO `groups` (" GROUP_COLS ") VALUES (?, "
	    "COALESCE(?, 1000000), COALESCE(?, 0), COALESCE(?, 0), "
	    "COALESCE(?, '')) ON DUPLICATE KEY UPDATE "
	    "ratio_u = COALESCE(?, ratio_u), rpm = COALESCE(?, rpm), "
	    "tpm = COALESCE(?, tpm), "
	    "description = COALESCE(?, description)", 0 },
	[Q_GROUP_GET] = { "SELECT " GROUP_COLS " FROM `groups` "
	    "WHERE name = ?", 1 },
	[Q_GROUP_LIST] = { "SELECT " GROUP_COLS " FROM `groups` "
	    "ORDER BY name", 1 },
};

_Static_assert(sizeof(q_tab) / sizeof(q_tab[0]) == Q__MAX,
    "q_tab must have one row per enum q");

struct db {
	const struct cfg	*cfg;
	MYSQL			*my;		/* NULL: connect on next use */
	MYSQL_STMT		*st[Q__MAX];	/* prepared on this conn */
	int			 in_tx;
	int			 tx_broken;	/* conn lost inside a tx */
	int			 rd_timeout;	/* s */
	int64_t			 retry_at;	/* ms, monotonic; 0 = now */
	unsigned int		 last_errno;
	char			 err[512];
};

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

static void
set_err(struct db *d, unsigned int no, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

static void
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

	for (i = 0; i < Q__MAX; i++)
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

/* Records the error of d->my (or of st) and drops a broken connection. */
static enum err
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

static struct db *
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
		if (mysql_stmt_prepare(st, q_tab[q].sql,
		    strlen(q_tab[q].sql)) != 0) {
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
static enum err
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
		if (!conn_broken(d->last_errno) || !q_tab[q].ro || intx ||
		    !fast(t0))
			return e;
	}
}

static void
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
static enum err
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

/* Arena array for the rows of st's stored result (at least one slot). */
static void *
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
static int64_t
q_affected(MYSQL_STMT *st)
{
	my_ulonglong	 n = mysql_stmt_affected_rows(st);

	return n == (my_ulonglong)-1 ? -1 : (int64_t)n;
}

/* ---- transactions ---- */

static enum err
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
static void
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

static enum err
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
static enum err
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

/* ---- migrations ---- */

struct mig {
	int	 version;
	char	 name[256];
};

static int
mig_cmp(const void *a, const void *b)
{
	const struct mig	*x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

/* Files "NNNN_*.sql" of dir sorted by NNNN into a malloc'd *out. */
static enum err
mig_list(struct db *d, const char *dir, struct mig **out, size_t *n)
{
	DIR		*dp;
	struct dirent	*de;
	struct mig	*v = NULL, *nv;
	size_t		 len, i, cap = 0;
	const char	*s;

	*n = 0;
	if ((dp = opendir(dir)) == NULL) {
		set_err(d, 0, "%s: %s", dir, strerror(errno));
		return ERR_INTERNAL;
	}
	while ((de = readdir(dp)) != NULL) {
		s = de->d_name;
		len = strlen(s);
		if (len < 9 || len >= sizeof(v->name) || s[4] != '_' ||
		    strcmp(s + len - 4, ".sql") != 0 ||
		    strspn(s, "0123456789") != 4)
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				closedir(dp);
				set_err(d, 0, "out of memory");
				return ERR_NOMEM;
			}
			v = nv;
		}
		v[*n].version = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
		    (s[2] - '0') * 10 + (s[3] - '0');
		memcpy(v[*n].name, s, len + 1);
		(*n)++;
	}
	closedir(dp);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), mig_cmp);
	for (i = 1; i < *n; i++)
		if (v[i].version == v[i - 1].version) {
			set_err(d, 0, "%s and %s have the same number",
			    v[i - 1].name, v[i].name);
			free(v);
			return ERR_INTERNAL;
		}
	*out = v;
	return ERR_OK;
}

static enum err
mig_read(struct db *d, const char *dir, const char *name, struct buf *b)
{
	char	 path[4096], chunk[8192];
	FILE	*f;
	size_t	 got;
	int	 bad = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		set_err(d, 0, "%s: path too long", name);
		return ERR_INTERNAL;
	}
	if ((f = fopen(path, "r")) == NULL) {
		set_err(d, 0, "%s: %s", path, strerror(errno));
		return ERR_INTERNAL;
	}
	while (!bad && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		bad = buf_append(b, chunk, got) == -1;
	if (bad || ferror(f)) {
		set_err(d, 0, "%s: %s", path, bad ? "too large" :
		    "read error");
		fclose(f);
		return ERR_INTERNAL;
	}
	fclose(f);
	return ERR_OK;
}

/* Runs one statement of a migration file as text; discards any result. */
static enum err
mig_stmt(struct db *d, const char *name, int line, const char *s,
    size_t n)
{
	MYSQL_RES	*res;

	char		 msg[400];

	if (d->my == NULL || mysql_real_query(d->my, s, n) != 0) {
		if (d->my != NULL)
			my_fail(d, NULL);
		else
			set_err(d, CR_SERVER_LOST, "connection lost");
		snprintf(msg, sizeof(msg), "%.399s", d->err);
		set_err(d, d->last_errno, "%s:%d: %s", name, line, msg);
		return ERR_DB;
	}
	if ((res = mysql_store_result(d->my)) != NULL)
		mysql_free_result(res);
	else if (mysql_field_count(d->my) != 0)
		return my_fail(d, NULL);
	return ERR_OK;
}

/*
 * Splits text into statements by the rule documented at the top of
 * schema/0001_init.sql (comment lines are already blank, see mig_strip):
 * a statement ends with the line whose last non-blank character is ';'.
 */
static enum err
mig_run(struct db *d, const char *name, char *text, size_t len)
{
	char		*p = text, *end = text + len, *nl, *s = NULL, *t;
	int		 line = 0, first = 0;
	enum err	 e;

	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		t = p + strspn(p, " \t\r");
		if (s == NULL && t < nl) {
			s = p;
			first = line;
		}
		for (t = nl; t > p && (t[-1] == ' ' || t[-1] == '\t' ||
		    t[-1] == '\r'); t--)
			;
		if (s != NULL && t > p && t[-1] == ';') {
			if ((e = mig_stmt(d, name, first, s,
			    (size_t)(t - 1 - s))) != ERR_OK)
				return e;
			s = NULL;
		}
		p = nl + 1;
	}
	if (s != NULL && s[strspn(s, " \t\r\n")] != '\0') {
		set_err(d, 0, "%s:%d: statement does not end with ';'", name,
		    first);
		return ERR_INTERNAL;
	}
	return ERR_OK;
}

/*
 * Comment lines inside a statement are not sent: the text handed to
 * mig_stmt is a slice of the file, so lines are blanked in place first.
 */
static void
mig_strip(char *text, size_t len)
{
	char	*p = text, *end = text + len, *nl, *t;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		t = p + strspn(p, " \t\r");
		if (t + 1 < nl && t[0] == '-' && t[1] == '-')
			memset(p, ' ', (size_t)(nl - p));
		p = nl + 1;
	}
}

static enum err
mig_apply(struct db *m, const char *dir, const struct mig *g)
{
	struct buf	 b;
	MYSQL_STMT	*st;
	size_t		 i;
	int64_t		 ver = g->version;
	enum err	 e;

	buf_init(&b, DB_MIG_MAX);
	if ((e = mig_read(m, dir, g->name, &b)) != ERR_OK)
		goto out;
	mig_strip(b.p, b.len);
	/* Refuse a truncated file before running any of it. */
	for (i = b.len; i > 0 && isspace((unsigned char)b.p[i - 1]); i--)
		;
	if (i > 0 && b.p[i - 1] != ';') {
		set_err(m, 0, "%s: the last statement does not end with ';'",
		    g->name);
		e = ERR_INTERNAL;
		goto out;
	}
	if ((e = tx_begin(m)) != ERR_OK)
		goto out;
	if ((e = mig_run(m, g->name, b.p, b.len)) == ERR_OK &&
	    (e = q_run(m, Q_MIG_RECORD, &st, "is", ver, g->name)) == ERR_OK)
		e = tx_commit(m);
	else
		tx_rollback(m);
out:
	buf_free(&b);
	return e;
}

enum err
db_migrate(struct db *d, const char *schema_dir, FILE *out)
{
	struct db	*m;
	struct mig	*v = NULL;
	MYSQL_STMT	*st;
	size_t		 n = 0, i;
	int64_t		 got, ver;
	int		 applied = 0;
	enum err	 e;

	/* Own connection: a migration may run far longer than db_timeout. */
	if ((m = db_new(d->cfg, DB_MIG_TIMEOUT, NULL, 0)) == NULL) {
		set_err(d, 0, "out of memory");
		return ERR_NOMEM;
	}
	if ((e = mig_list(m, schema_dir, &v, &n)) != ERR_OK)
		goto out;
	if ((e = q_run(m, Q_MIG_LOCK, &st, "d", 600)) != ERR_OK)
		goto out;
	e = q_row(m, st, NULL, "i", &got);
	q_done(st);
	if (e == ERR_OK && got != 1) {
		set_err(m, 0, "another migration holds the lock");
		e = ERR_DB;
	}
	if (e != ERR_OK ||
	    (e = q_run(m, Q_MIG_TABLE, &st, "")) != ERR_OK)
		goto out;
	for (i = 0; i < n; i++) {
		ver = v[i].version;
		if ((e = q_run(m, Q_MIG_HAS, &st, "i", ver)) != ERR_OK)
			goto out;
		e = q_row(m, st, NULL, "i", &got);
		q_done(st);
		if (e != ERR_OK)
			goto out;
		if (got > 0)
			continue;
		if ((e = mig_apply(m, schema_dir, &v[i])) != ERR_OK)
			goto out;
		applied++;
		if (out != NULL)
			fprintf(out, "applied %s\n", v[i].name);
	}
	if (applied == 0 && out != NULL)
		fprintf(out, "up to date\n");
out:
	if (e != ERR_OK)
		set_err(d, m->last_errno, "%s", m->err);
	free(v);
	db_close(m);
	return e;
}

/* ---- runtime lookups ---- */

enum err
db_key_lookup(struct db *d, struct arena *a, const char *hash,
    struct key_info *k)
{
	MYSQL_STMT	*st;
	enum err	 e;

	memset(k, 0, sizeof(*k));
	if (strlen(hash) != 64 || strspn(hash, "0123456789abcdef") != 64)
		return ERR_AUTH;
	if ((e = q_run(d, Q_KEY_LOOKUP, &st, "s", hash)) != ERR_OK)
		return e;
	e = q_row(d, st, a, "iissdiidsssiddddi", &k->token_id, &k->user_id,
	    &k->token_name, &k->username, &k->token_status,
	    &k->expired_time, &k->remain_quota, &k->unlimited,
	    &k->model_limits, &k->allow_ips, &k->group, &k->group_ratio_u,
	    &k->rpm_limit, &k->tpm_limit, &k->user_status, &k->user_role,
	    &k->user_quota);
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_AUTH : e;
}

/* Reads one PRICE_COLS row; maps the basis name to enum price_basis. */
static enum err
price_row(struct db *d, MYSQL_STMT *st, struct arena *a, struct price *p)
{
	char		*basis;
	enum err	 e;

	memset(p, 0, sizeof(*p));
	if ((e = q_row(d, st, a, "ssiiiis", &p->model, &basis, &p->input_u,
	    &p->output_u, &p->cache_u, &p->unit_u, &p->extra)) != ERR_OK)
		return e;
	for (p->basis = 0; p->basis < BASIS__MAX; p->basis++)
		if (strcmp(basis, db_basis_names[p->basis]) == 0)
			return ERR_OK;
	set_err(d, 0, "model_prices: %s: unknown basis", p->model);
	return ERR_INTERNAL;
}

enum err
db_price_get(struct db *d, struct arena *a, const char *model,
    struct price *out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_PRICE_GET, &st, "s", model)) != ERR_OK)
		return e;
	e = price_row(d, st, a, out);
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_MODEL_NOT_FOUND : e;
}

enum err
db_option_get(struct db *d, struct arena *a, const char *name,
    const char *def, char **out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_OPTION_GET, &st, "s", name)) != ERR_OK)
		return e;
	e = q_row(d, st, a, "s", out);
	q_done(st);
	if (e == ERR_NOT_FOUND) {
		*out = def != NULL ? arena_strdup(a, def) : NULL;
		e = def != NULL && *out == NULL ? ERR_NOMEM : ERR_OK;
	}
	return e;
}


enum err
db_channels_for(struct db *d, struct arena *a, const char *group,
    const char *model, struct channel **out, size_t *n)
{
	struct channel	*c;
	MYSQL_STMT	*st;
	size_t		 rows, i;
	enum err	 e;

	*out = NULL;
	*n = 0;
	if ((e = q_run(d, Q_CHANNELS_FOR, &st, "ss", model, group)) !=
	    ERR_OK)
		return e;
	if ((*out = q_array(d, st, a, sizeof(**out), &rows)) == NULL)
		e = ERR_NOMEM;
	for (i = 0; e == ERR_OK && i < rows; i++) {
		c = &(*out)[i];
		if ((e = q_row(d, st, a, "issssssdddsb", &c->id, &c->type,
		    &c->name, &c->base_url, &c->models, &c->model_mapping,
		    &c->groups, &c->priority, &c->weight, &c->status,
		    &c->other, &c->key_enc, &c->key_enc_len)) == ERR_OK)
			(*n)++;
	}
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum err
db_models_for_group(struct db *d, struct arena *a, const char *group,
    char ***out, size_t *n)
{
	MYSQL_STMT	*st;
	char		**v = NULL, **nv, *models, *p, *comma;
	size_t		 cap = 0, cnt = 0, i, k;
	enum err	 e;

	*out = NULL;
	*n = 0;
	if ((e = q_run(d, Q_MODELS_FOR_GROUP, &st, "s", group)) != ERR_OK)
		return e;
	while ((e = q_row(d, st, a, "s", &models)) == ERR_OK)
		for (p = models; *p != '\0'; p = comma + (*comma != '\0')) {
			if ((comma = strchr(p, ',')) == NULL)
				comma = p + strlen(p);
			if (comma == p)
				continue;
			if (cnt == cap) {
				cap = cap == 0 ? 32 : cap * 2;
				if ((nv = arena_alloc(a, cap * sizeof(*v))) ==
				    NULL) {
					q_done(st);
					return ERR_NOMEM;
				}
				if (cnt > 0)
					memcpy(nv, v, cnt * sizeof(*v));
				v = nv;
			}
			if ((v[cnt++] = arena_strndup(a, p,
			    (size_t)(comma - p))) == NULL) {
				q_done(st);
				return ERR_NOMEM;
			}
		}
	q_done(st);
	if (e != ERR_NOT_FOUND)
		return e;
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), str_cmp);
	for (i = k = 0; i < cnt; i++)
		if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
			v[k++] = v[i];
	*out = v;
	*n = k;
	return ERR_OK;
}

/* ---- money ---- */

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
static char *
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

static enum err
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

struct settle {
	int64_t			 hold_id;
	int64_t			 actual;
	const struct log_rec	*log;
	int			 count;		/* request_count increment */
	int			 applied;
};

static enum err
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

/* ---- administration ---- */

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

/* Reads one USER_COLS row. */
static enum err
user_row(struct db *d, MYSQL_STMT *st, struct arena *a, struct user_row *u)
{
	memset(u, 0, sizeof(*u));
	return q_row(d, st, a, USER_FMT, &u->id, &u->username,
	    &u->display_name, &u->email, &u->role, &u->status, &u->quota,
	    &u->used_quota, &u->request_count, &u->group, &u->created_at,
	    &u->last_login_at);
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
	e = user_row(d, st, a, out);
	q_done(st);
	return e;
}

enum err
db_user_by_name(struct db *d, struct arena *a, const char *name,
    struct user_row *out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_USER_BY_NAME, &st, "s", name)) != ERR_OK)
		return e;
	e = user_row(d, st, a, out);
	q_done(st);
	return e;
}

enum err
db_user_list(struct db *d, struct arena *a, int64_t after_id, size_t limit,
    struct user_row **out, size_t *n)
{
	MYSQL_STMT	*st;
	int64_t		 lim = (int64_t)(limit < 1 ? 1 : limit > 10000 ? 10000 :
			    limit);
	size_t		 rows, i;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_USER_LIST, &st, "ii", after_id, lim)) != ERR_OK)
		return e;
	if ((*out = q_array(d, st, a, sizeof(**out), &rows)) == NULL)
		e = ERR_NOMEM;
	for (i = 0; e == ERR_OK && i < rows; i++)
		if ((e = user_row(d, st, a, &(*out)[i])) == ERR_OK)
			(*n)++;
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

struct set_quota {
	int64_t		 uid;
	int64_t		 quota;
	const char	*actor;
	int64_t		 delta;
};

static enum err
set_quota_tx(struct db *d, void *arg)
{
	struct set_quota	*x = arg;
	struct arena		 a;
	struct log_rec		 l;
	MYSQL_STMT		*st;
	char			 other[256], actor[80], *name = NULL;
	int64_t			 old = 0;
	enum err		 e;

	arena_init(&a, 0);
	if ((e = q_run(d, Q_USER_LOCK, &st, "i", x->uid)) != ERR_OK)
		goto out;
	e = q_row(d, st, &a, "si", &name, &old);
	q_done(st);
	if (e != ERR_OK)
		goto out;
	if (__builtin_sub_overflow(x->quota, old, &x->delta)) {
		set_err(d, 0, "quota change out of range");
		e = ERR_BAD_REQUEST;
		goto out;
	}
	if ((e = q_run(d, Q_USER_SET_QUOTA, &st, "ii", x->quota, x->uid)) !=
	    ERR_OK)
		goto out;
	json_esc(actor, sizeof(actor), x->actor != NULL ? x->actor : "");
	snprintf(other, sizeof(other), "{\"action\":\"set_quota\","
	    "\"old_quota\":%lld,\"new_quota\":%lld,\"by\":\"%s\"}",
	    (long long)old, (long long)x->quota, actor);
	memset(&l, 0, sizeof(l));
	l.type = LOGT_MANAGE;
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
	struct set_quota	 x = { user_id, quota, actor, 0 };
	enum err		 e;

	if (quota < 0) {
		set_err(d, 0, "quota must not be negative");
		return ERR_BAD_REQUEST;
	}
	if ((e = tx_run(d, set_quota_tx, &x)) == ERR_OK && delta != NULL)
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
	struct token_row	*t;
	MYSQL_STMT		*st;
	size_t			 rows, i;
	enum err		 e;

	*n = 0;
	if ((e = q_run(d, Q_KEY_LIST, &st, "ii", user_id, user_id)) !=
	    ERR_OK)
		return e;
	if ((*out = q_array(d, st, a, sizeof(**out), &rows)) == NULL)
		e = ERR_NOMEM;
	for (i = 0; e == ERR_OK && i < rows; i++) {
		t = &(*out)[i];
		if ((e = q_row(d, st, a, "iisssdiiiidisssnn", &t->id,
		    &t->user_id, &t->username, &t->name, &t->key_prefix,
		    &t->status, &t->created_time, &t->accessed_time,
		    &t->expired_time, &t->remain_quota, &t->unlimited,
		    &t->used_quota, &t->model_limits, &t->allow_ips, &t->group,
		    &t->rpm_limit, &t->tpm_limit)) == ERR_OK)
			(*n)++;
	}
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
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
	struct channel_row	*r;
	MYSQL_STMT		*st;
	size_t			 rows, i;
	enum err		 e;

	*n = 0;
	if ((e = q_run(d, Q_CHANNEL_LIST, &st, "")) != ERR_OK)
		return e;
	if ((*out = q_array(d, st, a, sizeof(**out), &rows)) == NULL)
		e = ERR_NOMEM;
	for (i = 0; e == ERR_OK && i < rows; i++) {
		r = &(*out)[i];
		if ((e = q_row(d, st, a, "issssssdddssidiii", &r->c.id,
		    &r->c.type, &r->c.name, &r->c.base_url, &r->c.models,
		    &r->c.model_mapping, &r->c.groups, &r->c.priority,
		    &r->c.weight, &r->c.status, &r->c.other, &r->test_model,
		    &r->test_time, &r->response_time, &r->used_quota,
		    &r->created_time, &r->fail_count)) == ERR_OK)
			(*n)++;
	}
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
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
db_price_set(struct db *d, const struct price *p, unsigned set)
{
	MYSQL_STMT	*st;
	const int64_t	*in, *o, *c, *u;
	const char	*x;

	if (p->basis < 0 || p->basis >= BASIS__MAX) {
		set_err(d, 0, "bad basis %d", p->basis);
		return ERR_BAD_REQUEST;
	}
	in = set & DB_PRICE_INPUT ? &p->input_u : NULL;
	o = set & DB_PRICE_OUTPUT ? &p->output_u : NULL;
	c = set & DB_PRICE_CACHE ? &p->cache_u : NULL;
	u = set & DB_PRICE_UNIT ? &p->unit_u : NULL;
	x = set & DB_PRICE_EXTRA ? (p->extra != NULL ? p->extra : "") : NULL;
	return q_run(d, Q_PRICE_SET, &st, "ssIIIIzIIIIz", p->model,
	    db_basis_names[p->basis], in, o, c, u, x, in, o, c, u, x);
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
group_row(struct db *d, MYSQL_STMT *st, struct arena *a, struct group_row *g)
{
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
	e = group_row(d, st, a, out);
	q_done(st);
	return e;
}

enum err
db_group_list(struct db *d, struct arena *a, struct group_row **out,
    size_t *n)
{
	MYSQL_STMT	*st;
	size_t		 rows, i;
	enum err	 e;

	*n = 0;
	if ((e = q_run(d, Q_GROUP_LIST, &st, "")) != ERR_OK)
		return e;
	if ((*out = q_array(d, st, a, sizeof(**out), &rows)) == NULL)
		e = ERR_NOMEM;
	for (i = 0; e == ERR_OK && i < rows; i++)
		if ((e = group_row(d, st, a, &(*out)[i])) == ERR_OK)
			(*n)++;
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}
