/*
 * housekeep.c: the housekeeper.  A request that dies half-way (worker
 * killed, DB gone at settle time) leaves its quota_holds row; after
 * hold_ttl this refunds it with a refund log row (DESIGN.md 3).  The
 * refund is the same idempotent settle the workers use, so a request that
 * settles late cannot be refunded twice.
 */
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "db.h"
#include "housekeep.h"
#include "log.h"

static volatile sig_atomic_t	 hk_stop;

static void
on_term(int sig)
{
	(void)sig;
	hk_stop = 1;
}

int
housekeep_once(const struct cfg *c, struct db *d)
{
	int	 n = 0;

	if (db_holds_expire(d, (int64_t)time(NULL) - c->hold_ttl, &n) !=
	    ERR_OK) {
		log_warn(NULL, "housekeep: stale holds: %s", db_errmsg(d));
		return 1;
	}
	if (n > 0)
		log_info(NULL, "housekeep: refunded %d stale holds", n);
	return 0;
}

int
housekeep_main(const struct cfg *c)
{
	struct db	*d;
	int		 i;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (db_global_init() != 0 || (d = db_open(c, NULL, 0)) == NULL)
		return 1;
	while (!hk_stop) {
		housekeep_once(c, d);
		for (i = 0; i < c->housekeep_interval && !hk_stop; i++)
			sleep(1);
	}
	db_close(d);
	return 0;
}
