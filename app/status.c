/*
 * status.c: the status channel (status.h): one file, mapped MAP_SHARED by
 * the master before it forks, that nexhinactl reads.
 *
 * Liveness is an flock: the master holds LOCK_EX on the file for its
 * whole life (children close their copy of the descriptor), so a reader
 * that can take LOCK_SH knows the file is stale, whatever pids it names,
 * and one that cannot knows a master is running.  The same lock stops a
 * second master from clobbering a live one's file.  Counters that
 * workers change are touched only with __atomic builtins; everything else
 * is written by the master alone.  A reader copies the file and may see
 * a count a moment old, never a torn one (aligned 32/64-bit fields).
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "channels.h"
#include "status.h"
#include "version.h"

static struct status_file	*st;
static struct status_worker	*mine;
static int			 st_fd = -1;
static char			 st_path[CFG_STR];

int
status_open(const struct cfg *c, char *err, size_t errsz)
{
	struct stat	 sb;
	void		*p;
	int		 fd;

	if (c->status_file[0] == '\0')
		return 0;
	fd = open(c->status_file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1) {
		snprintf(err, errsz, "status_file %s: %s", c->status_file,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errsz, "status_file %s: not a regular file",
		    c->status_file);
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(err, errsz, "status_file %s: %s", c->status_file,
		    errno == EWOULDBLOCK ? "in use by another running master" :
		    strerror(errno));
		goto fail;
	}
	/* Truncate then extend: every byte reads as zero. */
	if (ftruncate(fd, 0) == -1 ||
	    ftruncate(fd, (off_t)sizeof(struct status_file)) == -1) {
		snprintf(err, errsz, "status_file %s: %s", c->status_file,
		    strerror(errno));
		goto fail;
	}
	p = mmap(NULL, sizeof(struct status_file), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errsz, "status_file %s: mmap: %s",
		    c->status_file, strerror(errno));
		goto fail;
	}
	st = p;
	st_fd = fd;
	snprintf(st_path, sizeof(st_path), "%s", c->status_file);
	memcpy(st->magic, STATUS_MAGIC, sizeof(st->magic));
	st->size = (uint32_t)sizeof(*st);
	st->master_pid = (int32_t)getpid();
	st->started = (int64_t)time(NULL);
	st->heartbeat = st->started;
	snprintf(st->version, sizeof(st->version), "%s", NX_VERSION);
	return 0;
fail:
	close(fd);
	return -1;
}

void
status_close(int unlink_it)
{
	if (st == NULL)
		return;
	/* Unlink while still holding the lock: no reader sees it stale. */
	if (unlink_it)
		unlink(st_path);
	munmap(st, sizeof(*st));
	st = NULL;
	mine = NULL;
	close(st_fd);
	st_fd = -1;
}

void
status_config(const struct cfg *c, int generation)
{
	if (st == NULL)
		return;
	st->generation = generation;
	st->workers = c->workers;
	st->threads = c->threads;
	st->breaker_threshold = c->breaker_threshold;
	snprintf(st->listen, sizeof(st->listen), "%s",
	    c->listen[0] != '\0' ? c->listen : "fd 0");
}

void
status_worker_start(int k, int gen, int slots)
{
	struct status_worker	*w;

	if (st == NULL || k < 0 || k >= STATUS_WORKERS)
		return;
	w = &st->w[k];
	__atomic_store_n(&w->pid, 0, __ATOMIC_RELAXED);
	w->gen = gen;
	w->started = (int64_t)time(NULL);
	w->slots = slots;
	__atomic_store_n(&w->busy, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&w->requests, 0, __ATOMIC_RELAXED);
}

void
status_worker_pid(int k, pid_t pid)
{
	if (st == NULL || k < 0 || k >= STATUS_WORKERS)
		return;
	__atomic_store_n(&st->w[k].pid, (int32_t)pid, __ATOMIC_RELEASE);
	if (pid == 0)
		__atomic_store_n(&st->w[k].busy, 0, __ATOMIC_RELAXED);
}

void
status_housekeeper(pid_t pid)
{
	if (st != NULL)
		st->housekeeper_pid = (int32_t)pid;
}

void
status_tick(void)
{
	struct chan_breaker	 b[STATUS_BREAKERS + 1];
	size_t			 n, i;

	if (st == NULL)
		return;
	__atomic_store_n(&st->heartbeat, (int64_t)time(NULL),
	    __ATOMIC_RELAXED);
	n = chan_breakers(b, STATUS_BREAKERS + 1);
	st->breakers_more = n > STATUS_BREAKERS;
	if (n > STATUS_BREAKERS)
		n = STATUS_BREAKERS;
	for (i = 0; i < n; i++) {
		st->brk[i].channel_id = b[i].id;
		st->brk[i].failures = b[i].failures;
		st->brk[i].half_open = b[i].half_open;
		st->brk[i].open_until = b[i].open_until;
	}
	__atomic_store_n(&st->nbreakers, (int32_t)n, __ATOMIC_RELEASE);
}

void
status_attach(int k)
{
	/* The lock must die with the master, not with its last child. */
	if (st_fd != -1) {
		close(st_fd);
		st_fd = -1;
	}
	if (st != NULL && k >= 0 && k < STATUS_WORKERS)
		mine = &st->w[k];
}

void
status_busy(int delta)
{
	if (mine == NULL)
		return;
	__atomic_add_fetch(&mine->busy, delta, __ATOMIC_RELAXED);
	if (delta > 0)
		__atomic_add_fetch(&mine->requests, 1, __ATOMIC_RELAXED);
}

int
status_read(const char *path, struct status_file *out, char *err,
    size_t errsz)
{
	ssize_t	 n;
	size_t	 got = 0;
	int	 fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		int	 e = errno;

		snprintf(err, errsz, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	while (got < sizeof(*out)) {
		n = read(fd, (char *)out + got, sizeof(*out) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != sizeof(*out) || memcmp(out->magic, STATUS_MAGIC,
	    sizeof(out->magic)) != 0 || out->size != sizeof(*out)) {
		snprintf(err, errsz, "%s: not a status file of nexhina %s",
		    path, NX_VERSION);
		rc = -1;
	} else if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		/* Nobody holds LOCK_EX: its master is gone. */
		snprintf(err, errsz, "%s: stale (master %d is not running)",
		    path, (int)out->master_pid);
		rc = 1;
	}
	close(fd);
	return rc;
}
