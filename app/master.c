/*
 * master.c: prefork supervisor, and the single-process mode.
 *
 * Owns the listening socket, the secret key, the worker table and the
 * housekeeper.  Workers are tagged with a generation; SIGHUP re-reads the
 * config, starts a full new generation and sends SIGTERM to the old one,
 * whose workers stop accepting and finish their in-flight requests (up to
 * shutdown_timeout) while the new ones already accept: no request is
 * dropped.  A worker that dies unexpectedly is replaced; if it died soon
 * after starting the replacement waits (1 s doubling to 30 s) so a crash
 * loop does not spin.  Signals are only flagged in handlers; all work
 * happens in the loop.  The master publishes the pool in the status file
 * (status.h) and tells systemd (Type=notify) when it is ready, reloading
 * and stopping; without $NOTIFY_SOCKET that is a no-op.
 *
 * Single mode (master_single) is for a web server that manages the
 * processes itself, Apache's mod_fcgid above all: it spawns this program
 * with a listening socket on fd 0, sends it one request at a time, starts
 * more copies under load and SIGTERMs idle ones.  There the process serves
 * requests itself (worker_main in this very process): no master, no
 * respawn, no housekeeper and no status file.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netdb.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "channels.h"
#include "housekeep.h"
#include "log.h"
#include "master.h"
#include "ratelimit.h"
#include "sec.h"
#include "status.h"
#include "worker.h"

#define MAX_PROCS	512
_Static_assert(MAX_PROCS <= STATUS_WORKERS, "a status entry per process");

enum proc_kind { PK_WORKER, PK_HOUSEKEEPER };

struct proc {
	pid_t		 pid;
	enum proc_kind	 kind;
	int		 gen;
	time_t		 started;
	time_t		 respawn_at;	/* 0: running or not pending */
	int		 backoff;
};

static volatile sig_atomic_t	 got_chld, got_hup, got_term;
static struct proc		 procs[MAX_PROCS];
static int			 nprocs;
static int			 cur_gen;
static int			 listen_fd = -1;
static unsigned char		 secret[32];
static char			 notify_path[108];	/* sun_path */

/*
 * sd_notify(3) without libsystemd: the protocol is one datagram of
 * "KEY=value" lines to the AF_UNIX socket named by $NOTIFY_SOCKET ('@'
 * for the abstract namespace).  The variable is taken out of the
 * environment so workers, which must not notify, never see it.
 */
static void
notify_init(void)
{
	const char	*e = getenv("NOTIFY_SOCKET");

	if (e == NULL || (e[0] != '/' && e[0] != '@') ||
	    strlen(e) >= sizeof(notify_path))
		return;
	memcpy(notify_path, e, strlen(e) + 1);
	unsetenv("NOTIFY_SOCKET");
}

static void
notify(const char *msg)
{
	struct sockaddr_un	 sun;
	size_t			 n = strlen(notify_path);
	int			 fd;

	if (n == 0)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, notify_path, n);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) == -1)
		log_warn(NULL, "sd_notify %s: %s", notify_path,
		    strerror(errno));
	close(fd);
}

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static int
bind_unix(const char *path, int mode)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err(NULL, "listen path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* A stale socket of a dead master; a live one answers connect(). */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_err(NULL, "%s: another instance is listening", path);
		close(fd);
		return -1;
	}
	close(fd);
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, (mode_t)mode) == -1 || listen(fd, 1024) == -1) {
		log_err(NULL, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
bind_tcp(const char *hostport)
{
	struct addrinfo	 hints, *res, *ai;
	char		 host[CFG_STR];
	const char	*colon;
	int		 fd = -1, one = 1;

	if ((colon = strrchr(hostport, ':')) == NULL ||
	    (size_t)(colon - hostport) >= sizeof(host))
		return -1;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
		log_err(NULL, "cannot resolve %s", hostport);
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 1024) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		log_err(NULL, "cannot listen on %s: %s", hostport,
		    strerror(errno));
	return fd;
}

/* Opens the listener named by cfg, or validates fd 0 (spawn-fcgi). */
static int
open_listener(const struct cfg *c)
{
	struct timeval	 tv = { 1, 0 };
	int		 fd, type;
	socklen_t	 len = sizeof(type);

	if (strncmp(c->listen, "unix:", 5) == 0)
		fd = bind_unix(c->listen + 5, c->listen_mode);
	else if (strncmp(c->listen, "tcp:", 4) == 0)
		fd = bind_tcp(c->listen + 4);
	else {
		fd = 0;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1) {
			log_err(NULL, "no `listen` in config and fd 0 is not "
			    "a socket (start under spawn-fcgi or set listen)");
			return -1;
		}
	}
	/* Idle accepts return every second so draining slots notice. */
	if (fd != -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int
slot_free(void)
{
	int	 i;

	for (i = 0; i < nprocs; i++)
		if (procs[i].pid == 0 && procs[i].respawn_at == 0)
			return i;
	if (nprocs < MAX_PROCS)
		return nprocs++;
	return -1;
}

static void
spawn(struct cfg *c, struct proc *p)
{
	pid_t		 pid, master_pid = getpid();
	sigset_t	 none;
	int		 k = (int)(p - procs);

	if (p->kind == PK_WORKER)
		status_worker_start(k, p->gen, c->threads);
	if ((pid = fork()) == -1) {
		log_err(NULL, "fork: %s", strerror(errno));
		p->respawn_at = time(NULL) + 1;
		return;
	}
	if (pid == 0) {
		sigemptyset(&none);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		status_attach(p->kind == PK_WORKER ? k : -1);
		if (p->kind == PK_WORKER) {
			log_setup((enum log_level)log_level_parse(
			    c->log_level), "worker");
			_exit(worker_main(c, listen_fd, secret));
		}
		close(listen_fd);
		/*
		 * Like the workers: a master killed outright (SIGKILL) must
		 * not leave a housekeeper behind, holding its stderr open.
		 */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != master_pid)
			_exit(0);
		log_setup((enum log_level)log_level_parse(c->log_level),
		    "housekeeper");
		_exit(housekeep_main(c));
	}
	p->pid = pid;
	p->started = time(NULL);
	p->respawn_at = 0;
	if (p->kind == PK_WORKER)
		status_worker_pid(k, pid);
	else
		status_housekeeper(pid);
}

static void
start_generation(struct cfg *c)
{
	int	 i, k;

	cur_gen++;
	status_config(c, cur_gen);
	for (i = 0; i < c->workers; i++) {
		if ((k = slot_free()) == -1)
			break;
		memset(&procs[k], 0, sizeof(procs[k]));
		procs[k].kind = PK_WORKER;
		procs[k].gen = cur_gen;
		procs[k].backoff = 1;
		spawn(c, &procs[k]);
	}
}

static void
signal_gen_before(int gen, int sig)
{
	int	 i;

	for (i = 0; i < nprocs; i++) {
		if (procs[i].kind != PK_WORKER || procs[i].gen >= gen)
			continue;
		if (procs[i].pid > 0)
			kill(procs[i].pid, sig);
		procs[i].respawn_at = 0;	/* old: never respawn */
		procs[i].gen = -1;
	}
}

static void
reap(void)
{
	pid_t	 pid;
	int	 st, i;
	time_t	 now = time(NULL);

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < nprocs; i++)
			if (procs[i].pid == pid)
				break;
		if (i == nprocs)
			continue;
		procs[i].pid = 0;
		if (procs[i].kind == PK_WORKER)
			status_worker_pid(i, 0);
		else
			status_housekeeper(0);
		if (got_term || procs[i].gen == -1) {
			procs[i].respawn_at = 0;
			continue;
		}
		if (WIFSIGNALED(st))
			log_warn(NULL, "%s %d killed by signal %d; respawning",
			    procs[i].kind == PK_WORKER ? "worker" :
			    "housekeeper", (int)pid, WTERMSIG(st));
		else
			log_warn(NULL, "%s %d exited with %d; respawning",
			    procs[i].kind == PK_WORKER ? "worker" :
			    "housekeeper", (int)pid, WEXITSTATUS(st));
		/* Died young: back off; lived a while: start over at once. */
		if (now - procs[i].started < 10)
			procs[i].backoff = procs[i].backoff >= 30 ? 30 :
			    procs[i].backoff * 2;
		else
			procs[i].backoff = 1;
		procs[i].respawn_at = now - procs[i].started < 10 ?
		    now + procs[i].backoff : now;
	}
}

static void
respawn_due(struct cfg *c)
{
	time_t	 now = time(NULL);
	int	 i;

	for (i = 0; i < nprocs; i++)
		if (procs[i].pid == 0 && procs[i].respawn_at != 0 &&
		    procs[i].respawn_at <= now)
			spawn(c, &procs[i]);
}

static int
alive(void)
{
	int	 i, n = 0;

	for (i = 0; i < nprocs; i++)
		if (procs[i].pid > 0)
			n++;
	return n;
}

static void
reload(struct cfg *c, const char *path)
{
	struct cfg	 nc;
	char		 err[256];
	int		 i;

	if (cfg_load(&nc, path, stderr) == -1) {
		log_err(NULL, "reload: %s has errors; keeping the old config",
		    path);
		return;
	}
	if (strcmp(nc.listen, c->listen) != 0)
		log_warn(NULL, "reload: `listen` changes need a restart; "
		    "keeping %s", c->listen);
	memcpy(nc.listen, c->listen, sizeof(nc.listen));
	if (sec_secret_load(nc.secret_key_file, secret, err,
	    sizeof(err)) == -1) {
		log_err(NULL, "reload: %s; keeping the old config", err);
		return;
	}
	*c = nc;
	notify("RELOADING=1\n");
	log_target(c->log_target);
	log_setup((enum log_level)log_level_parse(c->log_level), "master");
	start_generation(c);
	signal_gen_before(cur_gen, SIGTERM);
	/* The housekeeper picks up the new config by being replaced. */
	for (i = 0; i < nprocs; i++)
		if (procs[i].kind == PK_HOUSEKEEPER && procs[i].pid > 0)
			kill(procs[i].pid, SIGTERM);
	log_info(NULL, "reload: generation %d started", cur_gen);
	notify("READY=1\nSTATUS=reloaded\n");
}

static void
shutdown_all(const struct cfg *c)
{
	time_t	 t0 = time(NULL);
	int	 i;

	for (i = 0; i < nprocs; i++)
		if (procs[i].pid > 0)
			kill(procs[i].pid, SIGTERM);
	while (alive() > 0 && time(NULL) - t0 <= c->shutdown_timeout + 1) {
		reap();
		usleep(50 * 1000);
	}
	for (i = 0; i < nprocs; i++)
		if (procs[i].pid > 0)
			kill(procs[i].pid, SIGKILL);
	reap();
}

int
master_main(struct cfg *c, const char *cfg_path)
{
	struct sigaction sa;
	sigset_t	 block, old;
	char		 err[256];
	int		 k;

	log_setup((enum log_level)log_level_parse(c->log_level), "master");
	notify_init();
	if (sec_secret_load(c->secret_key_file, secret, err,
	    sizeof(err)) == -1) {
		log_err(NULL, "%s", err);
		return 1;
	}
	if ((listen_fd = open_listener(c)) == -1)
		return 1;
	/* Before fork: every worker inherits the same shared table. */
	if (rl_global_init(c) == -1 || chan_global_init() == -1) {
		log_err(NULL, "shared tables: %s", strerror(errno));
		return 1;
	}
	/* Optional: without it `nexhinactl status` has nothing to read. */
	if (status_open(c, err, sizeof(err)) == -1)
		log_warn(NULL, "%s; running without a status file", err);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);

	start_generation(c);
	if ((k = slot_free()) != -1) {
		memset(&procs[k], 0, sizeof(procs[k]));
		procs[k].kind = PK_HOUSEKEEPER;
		procs[k].backoff = 1;
		spawn(c, &procs[k]);
	}
	log_info(NULL, "serving on %s with %d workers x %d slots",
	    c->listen[0] != '\0' ? c->listen : "fd 0", c->workers,
	    c->threads);
	notify("READY=1\nSTATUS=serving\n");

	while (!got_term) {
		struct timespec	 ts = { 1, 0 };

		/* Signals are delivered only inside this wait: no races. */
		sigprocmask(SIG_SETMASK, &old, NULL);
		nanosleep(&ts, NULL);
		sigprocmask(SIG_BLOCK, &block, NULL);
		if (got_chld) {
			got_chld = 0;
			reap();
		}
		if (got_hup) {
			got_hup = 0;
			reload(c, cfg_path);
		}
		respawn_due(c);
		status_tick();
	}
	log_info(NULL, "shutting down");
	notify("STOPPING=1\n");
	shutdown_all(c);
	if (strncmp(c->listen, "unix:", 5) == 0)
		unlink(c->listen + 5);
	status_close(1);
	return 0;
}

int
master_fcgid_spawned(const struct cfg *c)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss), alen;
	char			 path[64], comm[32];
	FILE			*f;
	size_t			 n = 0;
	int			 acc = 0;

	if (c->listen[0] != '\0')
		return 0;
	alen = sizeof(acc);
	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &acc, &alen) == -1 ||
	    acc == 0 || getsockname(0, (struct sockaddr *)&ss, &len) == -1 ||
	    ss.ss_family != AF_UNIX)
		return 0;
	/* mod_fcgid's process manager is an Apache child ("apache2"). */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)getppid());
	if ((f = fopen(path, "re")) != NULL) {
		n = fread(comm, 1, sizeof(comm) - 1, f);
		fclose(f);
	}
	while (n > 0 && (comm[n - 1] == '\n' || comm[n - 1] == ' '))
		n--;
	comm[n] = '\0';
	return strcmp(comm, "apache2") == 0 || strcmp(comm, "httpd") == 0;
}

int
master_single(struct cfg *c)
{
	char	 err[256];
	int	 rc;

	log_setup((enum log_level)log_level_parse(c->log_level), "single");
	if (sec_secret_load(c->secret_key_file, secret, err,
	    sizeof(err)) == -1) {
		log_err(NULL, "%s", err);
		return 1;
	}
	if ((listen_fd = open_listener(c)) == -1)
		return 1;
	/* The same tables as the prefork pool, private to this process. */
	if (rl_global_init(c) == -1 || chan_global_init() == -1) {
		log_err(NULL, "tables: %s", strerror(errno));
		return 1;
	}
	if (strcmp(c->ratelimit, "db") != 0)
		log_warn(NULL, "single mode with ratelimit = %s: counts stay "
		    "in this process; set ratelimit = db so that limits hold "
		    "across the processes the web server starts",
		    c->ratelimit);
	log_info(NULL, "single mode on %s: %d slots in this process, no "
	    "master and no housekeeper (run `nexhina housekeep` from cron)",
	    c->listen[0] != '\0' ? c->listen : "fd 0", c->threads);
	rc = worker_main(c, listen_fd, secret);
	if (strncmp(c->listen, "unix:", 5) == 0)
		unlink(c->listen + 5);
	return rc;
}
