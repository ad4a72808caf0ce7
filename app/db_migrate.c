/*
 * db_migrate.c: the migration runner, split out of db.c.  db_migrate
 * applies the files "NNNN_*.sql" of the schema directory that
 * schema_migrations does not list yet, in order, each in one
 * transaction together with its schema_migrations row, on a connection
 * of its own whose read timeout (DB_MIG_TIMEOUT) outlasts a long ALTER.
 * A server-side lock (GET_LOCK) keeps two runners from racing.  Its
 * statements are db_migrate_q (enum q values from Q__MONEY_END,
 * db_int.h); the migration files themselves are trusted text, sent as
 * they are, statement by statement (the splitting rule is documented at
 * the top of schema/0001_init.sql).  A file is read whole, at most
 * DB_MIG_MAX bytes, and refused before any of it runs when its last
 * statement is not terminated.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <errmsg.h>

#include "buf.h"
#include "db.h"
#include "db_int.h"

#define DB_MIG_TIMEOUT	86400		/* s: read timeout while migrating */
#define DB_MIG_MAX	(8 << 20)	/* bytes of one migration file */

/* The row of statement q in db_migrate_q. */
#define ROW(q)	[(q) - Q__MONEY_END]

/* Indexed by enum q - Q__MONEY_END (db_int.h). */
const struct qdef db_migrate_q[] = {
	ROW(Q_MIG_LOCK) = { "SELECT GET_LOCK('nexhina_migrate', ?)", 0 },
	ROW(Q_MIG_TABLE) = { "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INT NOT NULL, name VARCHAR(255) NOT NULL, "
	    "applied_at BIGINT NOT NULL, PRIMARY KEY (version)) "
	    "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
	    "COLLATE=utf8mb4_unicode_ci", 0 },
	ROW(Q_MIG_HAS) = { "SELECT COUNT(*) FROM schema_migrations "
	    "WHERE version = ?", 1 },
	ROW(Q_MIG_RECORD) = { "INSERT INTO schema_migrations "
	    "(version, name, applied_at) VALUES (?, ?, UNIX_TIMESTAMP())", 0 },
};

_Static_assert(sizeof(db_migrate_q) / sizeof(db_migrate_q[0]) ==
    Q__MIG_END - Q__MONEY_END, "db_migrate_q must have one row per statement");

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
