/*
 * ratelimit.c: fixed one-minute windows per key.
 *
 * The local table lives in MAP_SHARED anonymous memory mapped by the
 * master before fork, so all workers of the host share it.  It is split
 * into RL_STRIPES stripes, each guarded by a process-shared robust mutex
 * and owning RL_PER_STRIPE entries probed linearly from the key's hash.
 * An entry whose window is over is free for reuse, so the table never
 * needs clearing; if a stripe is full of live keys the request passes (a
 * limit must never make the API unavailable) and a warning is logged.
 * Invariant: counts only change under the stripe's mutex.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "db.h"
#include "log.h"
#include "ratelimit.h"
#include "request.h"
#include "router.h"
#include "shm.h"

#define RL_STRIPES	64
#define RL_PER_STRIPE	1024

struct rl_ent {
	int64_t	 key;		/* token id, 0 = never used */
	int64_t	 win;		/* minute number of the counts */
	int64_t	 req;
	int64_t	 tok;
};

struct rl_stripe {
	pthread_mutex_t	 mtx;
	struct rl_ent	 ent[RL_PER_STRIPE];
};

static struct rl_stripe	*rl_tab;

int
rl_global_init(const struct cfg *c)
{
	size_t	 i;

	(void)c;
	if ((rl_tab = shm_map(sizeof(*rl_tab) * RL_STRIPES)) == NULL)
		return -1;
	for (i = 0; i < RL_STRIPES; i++)
		if (shm_mutex_init(&rl_tab[i].mtx) == -1)
			return -1;
	return 0;
}

/*
 * Applies dreq/dtok to key's current window unless that would pass a
 * non-zero limit (then nothing changes and 1 is returned).  *req, *tok get
 * the counts after the call.  Returns 0 applied, 1 over a limit, -1 when
 * the table could not serve (no table, stripe full).
 */
static int
local_apply(int64_t key, int64_t win, int64_t dreq, int64_t rpm,
    int64_t dtok, int64_t tpm, int64_t *req, int64_t *tok)
{
	struct rl_stripe	*s;
	struct rl_ent		*e = NULL, *free_e = NULL;
	uint64_t		 h;
	size_t			 i;
	int			 rc = 0;

	if (rl_tab == NULL)
		return -1;
	h = (uint64_t)key * 0x9e3779b97f4a7c15ULL;
	s = &rl_tab[(h >> 32) % RL_STRIPES];
	if (shm_lock(&s->mtx) != 0)
		return -1;
	for (i = 0; i < RL_PER_STRIPE; i++) {
		struct rl_ent *c = &s->ent[(h + i) % RL_PER_STRIPE];

		if (c->key == key) {
			e = c;
			break;
		}
		if (free_e == NULL && (c->key == 0 || c->win < win))
			free_e = c;
		if (c->key == 0)
			break;
	}
	if (e == NULL && (e = free_e) != NULL) {
		e->key = key;
		e->win = win;
		e->req = e->tok = 0;
	}
	if (e == NULL) {
		shm_unlock(&s->mtx);
		return -1;
	}
	if (e->win != win) {
		e->win = win;
		e->req = e->tok = 0;
	}
	if ((rpm > 0 && dreq > 0 && e->req + dreq > rpm) ||
	    (tpm > 0 && dtok > 0 && e->tok + dtok > tpm))
		rc = 1;
	else {
		e->req += dreq;
		e->tok += dtok;
		if (e->tok < 0)
			e->tok = 0;
	}
	*req = e->req;
	*tok = e->tok;
	shm_unlock(&s->mtx);
	return rc;
}

static void
fill_req(struct req *r, int64_t win, int64_t req)
{
	struct rl_state	*st = &r->rl;

	st->active = r->key.rpm_limit > 0;
	st->limit = r->key.rpm_limit;
	st->remaining = st->limit > req ? st->limit - req : 0;
	st->reset = (win + 1) * 60;
}

static void
fill_tok(struct req *r, int64_t win, int64_t tok)
{
	struct rl_state	*st = &r->rl;

	st->tok_active = r->key.tpm_limit > 0;
	st->tok_limit = r->key.tpm_limit;
	st->tok_remaining = st->tok_limit > tok ? st->tok_limit - tok : 0;
	st->tok_reset = (win + 1) * 60;
}

/*
 * One window in MariaDB: adds delta to "k:<key>:<kind>" and undoes it when
 * the total passes a non-zero limit (so refused requests do not count,
 * as in the local table).  0 applied, 1 over, -1 database trouble.
 */
static int
db_one(struct req *r, char kind, int64_t win, int64_t delta, int64_t limit,
    int64_t *total)
{
	char	 scope[48];
	int64_t	 undo;

	snprintf(scope, sizeof(scope), "k:%lld:%c",
	    (long long)r->key.token_id, kind);
	if (db_rate_add(r->db, scope, win * 60, delta, total) != ERR_OK)
		return -1;
	if (limit > 0 && delta > 0 && *total > limit) {
		if (db_rate_add(r->db, scope, win * 60, -delta, &undo) !=
		    ERR_OK)
			return -1;
		*total -= delta;
		return 1;
	}
	return 0;
}

/*
 * As local_apply, in MariaDB.  A request call (dreq > 0) counts the RPM
 * window and reads the TPM one for the headers; a token call touches
 * only the TPM window.
 */
static int
db_apply(struct req *r, int64_t win, int64_t dreq, int64_t dtok,
    int64_t *req, int64_t *tok)
{
	int	 rc = 0;

	*req = *tok = 0;
	if (r->key.rpm_limit > 0 && dreq > 0)
		rc = db_one(r, 'r', win, dreq, r->key.rpm_limit, req);
	if (r->key.tpm_limit > 0 && rc == 0)
		rc = db_one(r, 't', win, dtok, r->key.tpm_limit, tok);
	return rc;
}

static enum err
apply(struct req *r, int64_t dreq, int64_t dtok)
{
	int64_t	 now = (int64_t)time(NULL), win = now / 60, req = 0, tok = 0;
	int	 rc, use_db;

	if (r->key.rpm_limit <= 0 && r->key.tpm_limit <= 0)
		return ERR_OK;
	use_db = strcmp(r->cfg->ratelimit, "db") == 0;
	if (use_db)
		rc = db_apply(r, win, dreq, dtok, &req, &tok);
	else
		rc = local_apply(r->key.token_id, win, dreq,
		    r->key.rpm_limit, dtok, r->key.tpm_limit, &req, &tok);
	if (rc == -1) {
		log_warn(r->rid, "rate limit %s unavailable; request let "
		    "through", use_db ? "database" : "table");
		return ERR_OK;
	}
	if (dreq > 0)
		fill_req(r, win, req);
	fill_tok(r, win, tok);
	return rc == 1 ? ERR_RATE_LIMIT : ERR_OK;
}

enum err
rl_request(struct req *r)
{
	return apply(r, 1, 0);
}

enum err
rl_tokens(struct req *r, int64_t est)
{
	if (r->key.tpm_limit <= 0)
		return ERR_OK;
	return apply(r, 0, est > 0 ? est : 0);
}

void
rl_tokens_adjust(struct req *r, int64_t delta)
{
	int64_t	 win = (int64_t)time(NULL) / 60, req, tok;

	if (r->key.tpm_limit <= 0 || delta == 0)
		return;
	/* A correction never fails: no limit applies to it. */
	if (strcmp(r->cfg->ratelimit, "db") == 0) {
		char	 scope[48];

		snprintf(scope, sizeof(scope), "k:%lld:t",
		    (long long)r->key.token_id);
		if (db_rate_add(r->db, scope, win * 60, delta, &tok) == ERR_OK)
			fill_tok(r, win, tok);
	} else if (local_apply(r->key.token_id, win, 0, 0, delta, 0, &req,
	    &tok) == 0)
		fill_tok(r, win, tok);
}

static int
json_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

void
rl_send_429(struct req *r)
{
	char	 body[512], ra[32];
	int64_t	 now = (int64_t)time(NULL), reset;
	int	 n;

	reset = r->rl.active && r->rl.remaining == 0 ? r->rl.reset :
	    r->rl.tok_reset;
	if (reset <= now)
		reset = now + 1;
	snprintf(ra, sizeof(ra), "%lld", (long long)(reset - now));
	req_add_header(r, "Retry-After", ra);
	r->err_code = "rate_limit_exceeded";
	if (router_dialect(r->route) != RD_OPENAI) {
		snprintf(body, sizeof(body), "Rate limit reached for %s",
		    r->key.group);
		req_send_error_status(r, 429, body);
		return;
	}
	/*
	 * Exactly the body of the issue/API.md 3.  A group name that would
	 * need JSON escaping falls back to the generic error writer.
	 */
	n = snprintf(body, sizeof(body), "{\"error\":{\"message\":\"Rate limit "
	    "reached for %s\",\"type\":\"rate_limit_error\",\"code\":"
	    "\"rate_limit_exceeded\"}}", r->key.group);
	if (n > 0 && (size_t)n < sizeof(body) && json_plain(r->key.group))
		req_send_json(r, 429, body, (size_t)n);
	else
		req_send_error(r, ERR_RATE_LIMIT, NULL, NULL);
}
