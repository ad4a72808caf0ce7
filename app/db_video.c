/*
 * db_video.c: the video_tasks table (asynchronous video jobs) and the
 * money that moves with a job, split out of db.c, whose statement and
 * transaction helpers it uses (db_int.h).
 *
 * Money model (docs/decisions.md, "Video jobs"): a job's price is held
 * like any request's, then settled into a charge in the same transaction
 * that stores the task (db_video_create), so no quota_holds row outlives
 * the request that created the job and the housekeeper's hold_ttl never
 * meets a running job.  A job that ends failed is refunded by
 * db_video_fail.  Exactly-once: every change of a task is a conditional
 * UPDATE on "status IN ('queued', 'in_progress')"; the transaction whose
 * UPDATE matched the row is the only one that refunds, and its row lock
 * makes a racing one wait and then match nothing.  Lock order inside a
 * refund is video_tasks, tokens, users, channels; no other transaction
 * locks video_tasks, so this adds no cycle to the key-before-user order of
 * db.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_int.h"

#define VIDEO_COLS "id, user_id, token_id, channel_id, model, upstream_id, " \
	"status, quota, hold_id, created_at, updated_at, data"

/* The row of statement q in db_video_q. */
#define ROW(q)	[(q) - Q__ADMIN_END]

/* Indexed by enum q - Q__ADMIN_END (db_int.h). */
const struct qdef db_video_q[] = {
	ROW(Q_VIDEO_INSERT) = { "INSERT INTO video_tasks (" VIDEO_COLS
	    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 0 },
	ROW(Q_VIDEO_GET) = { "SELECT " VIDEO_COLS " FROM video_tasks "
	    "WHERE id = ? AND token_id = ?", 1 },
	ROW(Q_VIDEO_SET) = { "UPDATE video_tasks SET status = ?, "
	    "data = ?, updated_at = UNIX_TIMESTAMP() "
	    "WHERE id = ? AND status IN ('queued', 'in_progress')", 0 },
	ROW(Q_VIDEO_OWNER) = { "SELECT user_id, token_id, channel_id, "
	    "quota FROM video_tasks WHERE id = ?", 0 },
};

_Static_assert(sizeof(db_video_q) / sizeof(db_video_q[0]) ==
    Q__VIDEO_END - Q__ADMIN_END, "db_video_q must have one row per statement");

static const char *const video_states[] = {
	"queued", "in_progress", "completed", "failed"
};

/* 1 when s is one of the four states; final_ok allows the final ones. */
static int
state_ok(const char *s, int final_ok)
{
	size_t	 i, n = final_ok ? 4 : 3;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, video_states[i]) == 0)
			return 1;
	return 0;
}

/* data fitted as valid UTF-8 into a malloc'd copy; NULL when too long. */
static char *
data_copy(struct db *d, const char *data)
{
	size_t	 n = data != NULL ? strlen(data) : 0;
	char	*p;

	if (n > DB_VIDEO_DATA_MAX) {
		set_err(d, 0, "internal: video task data of %zu bytes", n);
		return NULL;
	}
	if ((p = malloc(n + 1)) == NULL) {
		set_err(d, 0, "out of memory");
		return NULL;
	}
	return fit(p, n + 1, data);
}

struct vcreate {
	const struct video_task	*t;
	char			*data;	/* fitted */
	struct settle		 s;
};

static enum err
create_tx(struct db *d, void *arg)
{
	struct vcreate		*x = arg;
	const struct video_task	*t = x->t;
	MYSQL_STMT		*st;
	char			 id[65], model[129], up[256];
	enum err		 e;

	if ((e = settle_tx(d, &x->s)) != ERR_OK)
		return e;
	return q_run(d, Q_VIDEO_INSERT, &st, "siiisssiiiis",
	    fit(id, sizeof(id), t->id), t->user_id, t->token_id,
	    t->channel_id, fit(model, sizeof(model), t->model),
	    fit(up, sizeof(up), t->upstream_id), t->status,
	    x->s.applied ? t->quota : (int64_t)0, t->hold_id, t->created_at,
	    t->created_at, x->data);
}

enum err
db_video_create(struct db *d, const struct video_task *t,
    const struct log_rec *log, int *charged)
{
	struct vcreate	 x;
	enum err	 e;

	*charged = 0;
	if (t->quota < 0 || log == NULL || !state_ok(t->status, 1)) {
		set_err(d, 0, "internal: bad video task");
		return ERR_INTERNAL;
	}
	memset(&x, 0, sizeof(x));
	x.t = t;
	if ((x.data = data_copy(d, t->data)) == NULL)
		return ERR_INTERNAL;
	x.s.hold_id = t->hold_id;
	x.s.actual = t->quota;
	x.s.log = log;
	x.s.count = 1;
	e = tx_run(d, create_tx, &x);
	free(x.data);
	if (e == ERR_OK)
		*charged = x.s.applied;
	return e;
}

enum err
db_video_get(struct db *d, struct arena *a, const char *id,
    int64_t token_id, struct video_task *out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	memset(out, 0, sizeof(*out));
	if ((e = q_run(d, Q_VIDEO_GET, &st, "si", id, token_id)) != ERR_OK)
		return e;
	e = q_row(d, st, a, "siiisssiiiis", &out->id, &out->user_id,
	    &out->token_id, &out->channel_id, &out->model, &out->upstream_id,
	    &out->status, &out->quota, &out->hold_id, &out->created_at,
	    &out->updated_at, &out->data);
	q_done(st);
	return e;
}

enum err
db_video_set(struct db *d, const char *id, const char *status,
    const char *data, int *changed)
{
	MYSQL_STMT	*st;
	char		*p;
	enum err	 e;

	*changed = 0;
	if (!state_ok(status, 0) && (status == NULL ||
	    strcmp(status, "completed") != 0)) {
		set_err(d, 0, "internal: bad video status");
		return ERR_INTERNAL;
	}
	if ((p = data_copy(d, data)) == NULL)
		return ERR_INTERNAL;
	e = q_run(d, Q_VIDEO_SET, &st, "sss", status, p, id);
	free(p);
	if (e == ERR_OK)
		*changed = q_affected(st) == 1;
	return e;
}

struct vfail {
	const char		*id;
	char			*data;	/* fitted */
	int			 unlimited;
	const struct log_rec	*log;
	int64_t			 refunded;
	int			 applied;
};

static enum err
fail_tx(struct db *d, void *arg)
{
	struct vfail	*x = arg;
	struct log_rec	 l;
	MYSQL_STMT	*st;
	int64_t		 uid, tid, cid, q;
	enum err	 e;

	x->refunded = 0;
	x->applied = 0;
	/* The conditional UPDATE decides, and locks the row until commit. */
	if ((e = q_run(d, Q_VIDEO_SET, &st, "sss", "failed", x->data,
	    x->id)) != ERR_OK)
		return e;
	if (q_affected(st) != 1)
		return ERR_OK;
	if ((e = q_run(d, Q_VIDEO_OWNER, &st, "s", x->id)) != ERR_OK)
		return e;
	e = q_row(d, st, NULL, "iiii", &uid, &tid, &cid, &q);
	q_done(st);
	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_DB : e;
	if (q > 0 && ((e = q_run(d, Q_TOKEN_SETTLE, &st, "iii",
	    x->unlimited ? (int64_t)0 : q, -q, tid)) != ERR_OK ||
	    (e = q_run(d, Q_USER_SETTLE, &st, "iidi", q, -q, 0, uid)) !=
	    ERR_OK))
		return e;
	if (q > 0 && cid > 0 && (e = q_run(d, Q_CHANNEL_USED, &st, "ii", -q,
	    cid)) != ERR_OK)
		return e;
	l = *x->log;
	l.type = LOGT_REFUND;
	l.quota = q;
	if ((e = log_put(d, &l)) != ERR_OK)
		return e;
	x->refunded = q;
	x->applied = 1;
	return ERR_OK;
}

enum err
db_video_fail(struct db *d, const char *id, const char *data,
    int unlimited, const struct log_rec *log, int64_t *refunded,
    int *applied)
{
	struct vfail	 x;
	enum err	 e;

	*refunded = 0;
	*applied = 0;
	if (log == NULL) {
		set_err(d, 0, "internal: video refund without a log row");
		return ERR_INTERNAL;
	}
	memset(&x, 0, sizeof(x));
	x.id = id;
	x.unlimited = unlimited;
	x.log = log;
	if ((x.data = data_copy(d, data)) == NULL)
		return ERR_INTERNAL;
	e = tx_run(d, fail_tx, &x);
	free(x.data);
	if (e == ERR_OK) {
		*refunded = x.refunded;
		*applied = x.applied;
	}
	return e;
}
