/*
 * housekeep.c: the housekeeper.  A request that dies half-way (worker
 * killed, DB gone at settle time) leaves its quota_holds row; after
 * hold_ttl this refunds it with a refund log row (DESIGN.md 3).  The
 * refund is the same idempotent settle the workers use, so a request that
 * settles late cannot be refunded twice.  It also probes auto-disabled
 * channels and re-enables those that answer again.
 */
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "cfg.h"
#include "channels.h"
#include "db.h"
#include "housekeep.h"
#include "log.h"
#include "sec.h"
#include "upstream.h"

static volatile sig_atomic_t	 hk_stop;

static void
on_term(int sig)
{
	(void)sig;
	hk_stop = 1;
}

/*
 * Probes every auto-disabled channel (status 3) and puts back in service
 * those that answer, with a system log row; records each probe's time.
 */
static int
probe_disabled(const struct cfg *c, struct db *d)
{
	static struct up_conn	*u;
	static unsigned char	 secret[32];
	static int		 have_secret;
	struct arena		 a;
	struct channel		 ch;
	struct log_rec		 lr;
	int64_t			*ids, ms;
	char			*tm, err[256];
	size_t			 i, n;
	int			 status, rc = 0;
	enum err		 e;

	if (!have_secret) {
		if (sec_secret_load(c->secret_key_file, secret, err,
		    sizeof(err)) == -1) {
			log_warn(NULL, "housekeep: channel probes: %s", err);
			return 1;
		}
		have_secret = 1;
	}
	if (u == NULL && (up_global_init() != 0 ||
	    (u = up_conn_new(c)) == NULL))
		return 1;
	arena_init(&a, 16 * 1024 * 1024);
	if (db_channels_disabled(d, &a, &ids, &n) != ERR_OK)
		rc = 1;
	for (i = 0; rc == 0 && i < n; i++) {
		memset(&ch, 0, sizeof(ch));
		if (db_channel_get(d, &a, ids[i], &ch, &tm) != ERR_OK)
			continue;
		e = chan_probe(u, &a, secret, &ch, tm, &status, &ms);
		if (e == ERR_BAD_REQUEST)
			continue;	/* no probe for this type yet */
		db_channel_tested(d, ch.id, ms);
		if (e != ERR_OK)
			continue;
		if (db_channel_set_status(d, ch.id, 1) != ERR_OK)
			continue;
		memset(&lr, 0, sizeof(lr));
		lr.type = LOGT_SYSTEM;
		lr.channel_id = ch.id;
		lr.status = status;
		lr.use_time_ms = ms;
		lr.other = "{\"action\":\"channel re-enabled by probe\"}";
		lr.error_code = "channel_reenabled";
		db_log_insert(d, &lr);
		log_info(NULL, "housekeep: channel %lld answers again (%lld ms);"
		    " re-enabled", (long long)ch.id, (long long)ms);
	}
	arena_free(&a);
	return rc;
}

int
housekeep_once(const struct cfg *c, struct db *d)
{
	int	 n = 0, rc = 0;

	if (db_holds_expire(d, (int64_t)time(NULL) - c->hold_ttl, &n) !=
	    ERR_OK) {
		log_warn(NULL, "housekeep: stale holds: %s", db_errmsg(d));
		rc = 1;
	} else if (n > 0)
		log_info(NULL, "housekeep: refunded %d stale holds", n);
	/* Rate windows in MariaDB older than the previous minute are dead. */
	if (strcmp(c->ratelimit, "db") == 0 &&
	    db_rate_purge(d, (int64_t)time(NULL) - 120) != ERR_OK)
		rc = 1;
	return probe_disabled(c, d) | rc;
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
