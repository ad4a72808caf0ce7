/*
 * master.h: the prefork supervisor behind `nexhina serve`, and the
 * single-process mode for web servers that spawn the app themselves.
 */
#ifndef NX_MASTER_H
#define NX_MASTER_H

struct cfg;

/*
 * Binds cfg->listen (or takes fd 0 when it is empty), forks the workers
 * and the housekeeper and supervises them until SIGTERM/SIGINT: respawns
 * what dies (with backoff), reloads on SIGHUP by starting a new generation
 * and draining the old one.  cfg_path is re-read on SIGHUP.  Returns the
 * process exit status.
 */
int	 master_main(struct cfg *c, const char *cfg_path);
/*
 * Single mode: serves requests in this process (cfg->threads slots) on
 * cfg->listen or the socket on fd 0, with no master, no respawn and no
 * housekeeper, until SIGTERM/SIGINT; then drains like a worker.  For
 * web servers that manage the FastCGI processes themselves (mod_fcgid).
 * Returns the process exit status.
 */
int	 master_single(struct cfg *c);
/*
 * 1 when this process looks spawned by Apache's mod_fcgid: no `listen` in
 * cfg, fd 0 is a listening AF_UNIX socket and the parent process is
 * apache2 or httpd (mod_fcgid sets no variable of its own).  0 otherwise.
 */
int	 master_fcgid_spawned(const struct cfg *c);

#endif
