/*
 * housekeep.h: periodic jobs (stale holds, probes of auto-disabled
 * channels; log retention later), run by the master's housekeeper child
 * or once by `nexhina housekeep` from cron.
 */
#ifndef NX_HOUSEKEEP_H
#define NX_HOUSEKEEP_H

struct cfg;
struct db;

/* One pass of every job; returns 0, or 1 when a job failed. */
int	 housekeep_once(const struct cfg *c, struct db *d);
/* Loops housekeep_once every housekeep_interval until SIGTERM. */
int	 housekeep_main(const struct cfg *c);

#endif
