/*
 * test_status.c: the status channel (app/status.c) between a master and
 * `nexhinactl status`.
 *
 * The writer side runs in this process (status_open plays the master,
 * status_attach/status_busy a worker); the reader is status_read on a
 * separate open of the file, as nexhinactl does.  Then a table of files
 * that must not be taken for a live status: missing, empty, short, wrong
 * magic, wrong size, a symlink, a directory, a stale one; and configs
 * status_open must refuse.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "status.h"
#include "t.h"
#include "version.h"

static char	 dir[64];

/* The whole file into a malloc'd buffer (*n bytes); NULL on failure. */
static char *
slurp(const char *path, size_t *n)
{
	FILE	*f;
	char	*b;
	long	 len;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)len + 1)) ==
	    NULL) {
		fclose(f);
		return NULL;
	}
	*n = fread(b, 1, (size_t)len, f);
	fclose(f);
	return b;
}

static const char *
path_of(const char *name)
{
	static char	 p[4][128];
	static int	 k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static void
write_file(const char *name, const void *data, size_t n)
{
	int	 fd;

	fd = open(path_of(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd == -1 || write(fd, data, n) != (ssize_t)n)
		abort();
	close(fd);
}

static void
test_live(void)
{
	static struct status_file f;
	struct cfg	 c;
	char		 err[256] = "";
	int		 rc;
	char		*before, *after;
	size_t		 nb = 0, na = 0;

	cfg_defaults(&c);
	snprintf(c.status_file, sizeof(c.status_file), "%s", path_of("live"));
	c.workers = 3;
	c.threads = 7;
	T_OK(status_open(&c, err, sizeof(err)) == 0, "master maps %s (%s)",
	    c.status_file, err);
	status_config(&c, 4);
	status_worker_start(2, 4, 7);
	status_worker_pid(2, 4242);
	status_housekeeper(4343);
	status_attach(2);
	status_busy(1);
	status_busy(1);
	status_busy(-1);
	status_tick();

	rc = status_read(c.status_file, &f, err, sizeof(err));
	T_OK(rc == 0, "a live master's file reads as running (rc %d, %s)",
	    rc, err);
	T_OK(f.master_pid == (int32_t)getpid() && f.generation == 4 &&
	    f.workers == 3 && f.threads == 7 && f.housekeeper_pid == 4343,
	    "master pid, generation, pool and housekeeper are published");
	T_OK(strcmp(f.version, NX_VERSION) == 0, "version %s", f.version);
	T_OK(f.w[2].pid == 4242 && f.w[2].gen == 4 && f.w[2].slots == 7 &&
	    f.w[2].busy == 1 && f.w[2].requests == 2,
	    "worker entry: pid, gen, slots, busy 1, requests 2 (got %d %d %d "
	    "%d %lld)", (int)f.w[2].pid, (int)f.w[2].gen, (int)f.w[2].slots,
	    (int)f.w[2].busy, (long long)f.w[2].requests);
	T_OK(f.w[0].pid == 0 && f.w[3].pid == 0, "other entries stay unused");
	T_OK(strcmp(f.listen, "fd 0") == 0, "listen \"\" is shown as fd 0");

	/* A second master on the same file is refused, the file untouched. */
	T_OK(status_open(&c, err, sizeof(err)) == -1 &&
	    strstr(err, "in use by another running master") != NULL,
	    "a second master is refused: %s", err);
	T_OK(status_read(c.status_file, &f, err, sizeof(err)) == 0 &&
	    f.w[2].pid == 4242, "and the first one's file is intact");

	status_worker_pid(2, 0);
	T_OK(status_read(c.status_file, &f, err, sizeof(err)) == 0 &&
	    f.w[2].pid == 0 && f.w[2].busy == 0,
	    "a reaped worker's entry reads as unused");

	status_close(0);
	rc = status_read(c.status_file, &f, err, sizeof(err));
	T_OK(rc == 1 && strstr(err, "stale") != NULL,
	    "without its master the file is stale (rc %d, %s)", rc, err);
	before = slurp(c.status_file, &nb);
	status_busy(1);		/* unmapped: must be a no-op, not a crash */
	after = slurp(c.status_file, &na);
	T_OK(before != NULL && after != NULL && nb == na &&
	    memcmp(before, after, nb) == 0,
	    "status_busy after close leaves the file as it was");
	free(before);
	free(after);
}

static void
test_bad_files(void)
{
	static struct status_file f, good;
	char		 err[256];
	int		 rc;
	size_t		 i;
	static const struct {
		const char	*name;
		int		 want;
		const char	*msg;
	} bad[] = {
		{ "missing", -1, "No such file" },
		{ "empty", -1, "not a status file" },
		{ "short", -1, "not a status file" },
		{ "magic", -1, "not a status file" },
		{ "size", -1, "not a status file" },
		{ "link", -1, "symbolic links" },
		{ "dir", -1, "not a status file" },
		{ "stale", 1, "stale" },
	};

	memset(&good, 0, sizeof(good));
	memcpy(good.magic, STATUS_MAGIC, sizeof(good.magic));
	good.size = sizeof(good);
	good.master_pid = 1;
	write_file("empty", "", 0);
	write_file("short", &good, sizeof(good) / 2);
	memcpy(&f, &good, sizeof(f));
	f.magic[7] = '9';
	write_file("magic", &f, sizeof(f));
	memcpy(&f, &good, sizeof(f));
	f.size = sizeof(f) - 8;
	write_file("size", &f, sizeof(f));
	write_file("stale", &good, sizeof(good));
	if (symlink(path_of("stale"), path_of("link")) == -1 ||
	    mkdir(path_of("dir"), 0755) == -1)
		abort();

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		rc = status_read(path_of(bad[i].name), &f, err, sizeof(err));
		T_OK(rc == bad[i].want && strstr(err, bad[i].msg) != NULL,
		    "%s file: rc %d (want %d), '%s'", bad[i].name, rc,
		    bad[i].want, err);
	}
	errno = 0;
	rc = status_read(path_of("missing"), &f, err, sizeof(err));
	T_OK(rc == -1 && errno == ENOENT, "a missing file keeps ENOENT");
}

static void
test_bad_open(void)
{
	struct cfg	 c;
	char		 err[256];
	size_t		 i;
	static const char *const paths[] = {
		"/nonexistent-dir-of-nexhina/status",	/* no directory */
		NULL,					/* a directory */
		NULL,					/* a symlink */
	};

	cfg_defaults(&c);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(c.status_file, sizeof(c.status_file), "%s",
		    paths[i] != NULL ? paths[i] : path_of(i == 1 ? "dir" :
		    "link"));
		err[0] = '\0';
		T_OK(status_open(&c, err, sizeof(err)) == -1 &&
		    strstr(err, "status_file ") == err,
		    "status_open refuses %s: %s", c.status_file, err);
	}
	c.status_file[0] = '\0';
	T_OK(status_open(&c, err, sizeof(err)) == 0,
	    "an empty status_file maps nothing and is no error");
	status_close(1);
}

int
main(void)
{
	char	 cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/nx-test-status.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	test_live();
	test_bad_files();
	test_bad_open();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		T_OK(0, "cleanup of %s", dir);
	return t_done();
}
