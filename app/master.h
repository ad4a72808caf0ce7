/*
 * master.h: the prefork supervisor behind `nexhina serve`.
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

#endif
