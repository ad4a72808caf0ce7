/*
 * status.c: `nexhinactl status`, the one-screen health of a running
 * Nexhina: its master, generation and workers with their busy slots (from
 * the status file the master maps, app/status.h), the circuit breakers
 * that are not plainly closed, whether MariaDB answers, and the versions.
 *
 * It reads; it never signals or writes.  A pid named in the file counts
 * only if /proc still has it (a worker killed a moment ago is shown as
 * gone, not as running).  Exit status follows LSB `status`: 0 running and
 * the database answers, 1 running but the database does not, 3 not
 * running (no file, or a stale one), 4 the status is unknown (unreadable
 * file, no status_file configured).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "status.h"
#include "version.h"

enum { ST_RUNNING = 0, ST_DBDOWN = 1, ST_STOPPED = 3, ST_UNKNOWN = 4 };

static int
pid_alive(int32_t pid)
{
	char		 path[32];
	struct stat	 sb;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return stat(path, &sb) == 0;
}

/* "1h02m", "3m05s", "42s" for a duration in seconds. */
static const char *
dur(char *out, size_t outsz, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s >= 3600)
		snprintf(out, outsz, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(out, outsz, "%lldm%02llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(out, outsz, "%llds", (long long)s);
	return out;
}

static void
print_workers(const struct status_file *f, int64_t now)
{
	const struct status_worker	*w;
	char				 up[32];
	int				 i, run = 0, busy = 0, slots = 0;

	for (i = 0; i < STATUS_WORKERS; i++) {
		w = &f->w[i];
		if (!pid_alive(w->pid))
			continue;
		run++;
		busy += w->busy;
		slots += w->slots;
	}
	printf("workers: %d running (%d configured, %d slots each)\n", run,
	    (int)f->workers, (int)f->threads);
	if (run > 0)
		printf("  %-8s %-5s %-10s %-10s %s\n", "PID", "GEN", "BUSY",
		    "REQUESTS", "UP");
	for (i = 0; i < STATUS_WORKERS; i++) {
		char	 b[32];

		w = &f->w[i];
		if (!pid_alive(w->pid))
			continue;
		snprintf(b, sizeof(b), "%d/%d", (int)w->busy, (int)w->slots);
		printf("  %-8d %-5d %-10s %-10lld %s%s\n", (int)w->pid,
		    (int)w->gen, b, (long long)w->requests,
		    dur(up, sizeof(up), now - w->started),
		    w->gen < f->generation ? " (draining)" : "");
	}
	printf("busy slots: %d of %d\n", busy, slots);
	if (pid_alive(f->housekeeper_pid))
		printf("housekeeper: pid %d\n", (int)f->housekeeper_pid);
	else
		printf("housekeeper: not running\n");
}

static void
print_breakers(const struct status_file *f, int64_t now)
{
	const struct status_breaker	*b;
	char				 left[32];
	int				 i, n = f->nbreakers;

	if (f->breaker_threshold == 0) {
		printf("breakers: none configured (breaker_threshold = 0)\n");
		return;
	}
	if (n < 0 || n > STATUS_BREAKERS)
		n = 0;
	if (n == 0) {
		printf("breakers: all closed (threshold %d failures)\n",
		    (int)f->breaker_threshold);
		return;
	}
	printf("breakers: %d not closed (threshold %d failures)%s\n", n,
	    (int)f->breaker_threshold, f->breakers_more ? ", more not shown" :
	    "");
	for (i = 0; i < n; i++) {
		b = &f->brk[i];
		if (b->open_until == 0)
			printf("  channel %lld: closed, %d failures in a row\n",
			    (long long)b->channel_id, (int)b->failures);
		else if (b->half_open || b->open_until <= now * 1000)
			printf("  channel %lld: half-open (a probe may try), "
			    "%d failures\n", (long long)b->channel_id,
			    (int)b->failures);
		else
			printf("  channel %lld: open for %s more, %d "
			    "failures\n", (long long)b->channel_id,
			    dur(left, sizeof(left),
			    (b->open_until - now * 1000 + 999) / 1000),
			    (int)b->failures);
	}
}

/* database: reachable | unreachable (reason).  1 when it answers. */
static int
print_db(struct ctl *c)
{
	char	 err[512] = "";
	int	 ok = 0;

	if (db_global_init() != 0)
		snprintf(err, sizeof(err), "cannot initialize the client");
	else if ((c->db = db_open(&c->cfg, err, sizeof(err))) == NULL)
		snprintf(err, sizeof(err), "out of memory");
	else if (err[0] == '\0') {
		if (db_ping(c->db) == ERR_OK)
			ok = 1;
		else
			snprintf(err, sizeof(err), "%s", db_errmsg(c->db));
	}
	if (ok)
		printf("database: reachable (%s@%s, database %s)\n",
		    ctl_clean(c, c->cfg.db_user), ctl_clean(c,
		    c->cfg.db_socket[0] != '\0' ? c->cfg.db_socket :
		    c->cfg.db_host), ctl_clean(c, c->cfg.db_name));
	else
		printf("database: unreachable (%s)\n", ctl_clean(c, err));
	return ok;
}

int
ctl_status(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt		 o[] = { { "file", 0, NULL },
				    { NULL, 0, NULL } };
	static struct status_file f;	/* 60 KiB: not on the stack */
	const char		*path;
	char			 err[512], up[32];
	int64_t			 now = (int64_t)time(NULL);
	int			 np, rc, st, db;

	if ((rc = ctl_opts(c, argc, argv, o, NULL, 0, &np)) != CTL_OK)
		return rc;
	if (cfg_load(&c->cfg, c->conf, stderr) == -1)
		return ctl_fail(c, "cannot use config %s", c->conf);
	if ((path = ctl_val(o, "file")) == NULL)
		path = c->cfg.status_file;
	printf("nexhinactl: %s\n", NX_VERSION);
	if (path[0] == '\0') {
		printf("nexhina: unknown (status_file is empty in %s)\n",
		    ctl_clean(c, c->conf));
		print_db(c);
		return ST_UNKNOWN;
	}
	st = status_read(path, &f, err, sizeof(err));
	if (st == -1 && errno == ENOENT) {
		printf("nexhina: not running (no %s)\n", ctl_clean(c, path));
		print_db(c);
		return ST_STOPPED;
	}
	if (st == -1) {
		printf("nexhina: unknown (%s)\n", ctl_clean(c, err));
		print_db(c);
		return ST_UNKNOWN;
	}
	if (st == 1) {
		printf("nexhina: not running (%s)\n", ctl_clean(c, err));
		print_db(c);
		return ST_STOPPED;
	}
	f.version[sizeof(f.version) - 1] = '\0';
	f.listen[sizeof(f.listen) - 1] = '\0';
	printf("nexhina: running %s, master pid %d, up %s, generation %d\n",
	    ctl_clean(c, f.version), (int)f.master_pid,
	    dur(up, sizeof(up), now - f.started), (int)f.generation);
	printf("listen: %s\n", ctl_clean(c, f.listen));
	if (now - f.heartbeat > 5)
		printf("warning: no heartbeat from the master for %s\n",
		    dur(up, sizeof(up), now - f.heartbeat));
	print_workers(&f, now);
	print_breakers(&f, now);
	db = print_db(c);
	return db ? ST_RUNNING : ST_DBDOWN;
}
