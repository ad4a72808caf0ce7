/*
 * probe.c: `nexhinactl channel test ID`, the housekeeper's channel probe
 * run by hand: a one-token chat request with the channel's test_model,
 * its latency stored as the channel's response_time.  An auto-disabled
 * channel that answers is put back in service, as the housekeeper would.
 */
#include <stdio.h>
#include <string.h>

#include "channels.h"
#include "ctl.h"
#include "sec.h"
#include "upstream.h"

int
ctl_channel_test(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 o[] = { { NULL, 0, NULL } };
	struct channel	 ch;
	struct up_conn	*u;
	unsigned char	 secret[32];
	char		*pos[1], *tm, err[256];
	int64_t		 id, ms;
	int		 np, rc, status;
	enum err	 e;

	if ((rc = ctl_opts(c, argc, argv, o, pos, 1, &np)) != CTL_OK)
		return rc;
	if (np != 1)
		return ctl_bad(c, "ID is required");
	if ((rc = ctl_int(c, "ID", pos[0], 1, INT64_MAX, &id)) != CTL_OK ||
	    (rc = ctl_db(c)) != CTL_OK)
		return rc;
	if (sec_secret_load(c->cfg.secret_key_file, secret, err,
	    sizeof(err)) == -1)
		return ctl_fail(c, "%s", err);
	memset(&ch, 0, sizeof(ch));
	if ((e = db_channel_get(c->db, &c->a, id, &ch, &tm)) == ERR_NOT_FOUND)
		return ctl_fail(c, "no such channel %lld", (long long)id);
	if (e != ERR_OK)
		return ctl_dberr(c, e);
	if (up_global_init() != 0 || (u = up_conn_new(&c->cfg)) == NULL)
		return ctl_fail(c, "cannot start the HTTP client");
	e = chan_probe(u, &c->a, secret, &ch, tm, &status, &ms);
	up_conn_free(u);
	if (e == ERR_BAD_REQUEST)
		return ctl_fail(c, "channel %lld (%s): no probe for this type, "
		    "or its credential does not open with secret_key_file",
		    (long long)id, ch.type);
	if ((rc = db_channel_tested(c->db, id, ms)) != ERR_OK)
		return ctl_dberr(c, (enum err)rc);
	if (e != ERR_OK) {
		printf("channel %lld: FAILED (status %d, %lld ms)\n",
		    (long long)id, status, (long long)ms);
		return CTL_ERR;
	}
	if (ch.status == 3 && db_channel_set_status(c->db, id, 1) == ERR_OK)
		printf("channel %lld: auto-disabled channel re-enabled\n",
		    (long long)id);
	printf("channel %lld: ok (status %d, %lld ms)\n", (long long)id,
	    status, (long long)ms);
	return CTL_OK;
}
