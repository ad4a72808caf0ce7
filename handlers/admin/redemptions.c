/*
 * redemptions.c: /api/redemption/, redemption codes (administrators):
 * list, read, batch create, update, delete and CSV export.  Users redeem
 * through /api/user/redeem (session.c).
 *
 * Codes are 32 base62 characters from getrandom(2), drawn without modulo
 * bias, as nexhinactl makes them; a batch of up to REDEEM_BATCH_MAX is
 * stored in one transaction, all or nothing.  A used code (status 3) is
 * history: it can be deleted but not edited, so it can never be made
 * redeemable again.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "handlers/admin/api.h"
#include "buf.h"
#include "db_api.h"
#include "log.h"
#include "request.h"
#include "sec.h"

#define CODE_LEN		32
#define REDEEM_BATCH_MAX	1000

static cJSON *
red_json(const struct redemption *r)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	api_num(o, "id", r->id);
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "key", r->code);
	api_num(o, "status", r->status);
	api_num(o, "quota", r->quota);
	api_num(o, "created_time", r->created_time);
	api_num(o, "redeemed_time", r->redeemed_time);
	api_num(o, "used_user_id", r->used_user_id);
	api_num(o, "expired_time", r->expired_time);
	return o;
}

/* keyword and status of the query: 0, or -1 (400 sent). */
static int
filter(struct api *c, const char **kw, int64_t *status)
{
	if (api_qint(c, "status", 0, 3, 0, status) == -1)
		return -1;
	*kw = api_qword(c, "keyword");
	return 0;
}

enum err
api_redemption_list(struct api *c)
{
	struct redemption	*v;
	const char		*kw;
	int64_t			 page, size, total, status;
	size_t			 n, i;
	cJSON			*items;
	enum err		 e;

	if (api_page(c, &page, &size) == -1 || filter(c, &kw, &status) == -1)
		return ERR_OK;
	if ((e = db_api_redemptions(c->r->db, c->r->a, kw, (int)status, 0,
	    size, (page - 1) * size, &v, &n, &total)) != ERR_OK)
		return e;
	if ((items = cJSON_CreateArray()) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(items, red_json(&v[i]));
	return api_page_ok(c, items, total, page, size);
}

enum err
api_redemption_get(struct api *c)
{
	struct redemption	 rd;
	enum err		 e;

	if ((e = db_api_redemption_get(c->r->db, c->r->a, c->id, &rd)) ==
	    ERR_NOT_FOUND)
		return api_404(c, "redemption");
	if (e != ERR_OK)
		return e;
	return api_ok(c, red_json(&rd));
}

static int
new_code(char out[CODE_LEN + 1])
{
	static const char	 b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz";
	unsigned char		 rnd[64];
	size_t			 n = 0, i;

	while (n < CODE_LEN) {
		if (sec_random(rnd, sizeof(rnd)) == -1)
			return -1;
		/* Bytes >= 248 = 4 * 62 would favour the first 8 digits. */
		for (i = 0; i < sizeof(rnd) && n < CODE_LEN; i++)
			if (rnd[i] < 248)
				out[n++] = b62[rnd[i] % 62];
	}
	out[CODE_LEN] = '\0';
	return 0;
}

enum err
api_redemption_create(struct api *c)
{
	struct req	*r = c->r;
	const char	*name = "";
	char		**codes, what[96];
	int64_t		 count = 1, quota = 0, exp = -1, i;
	int		 rc, try;
	cJSON		*data, *arr;
	enum err	 e = ERR_OK;

	if (api_str(c, "name", 128, 1, &name) == -1 ||
	    api_int(c, "count", 1, REDEEM_BATCH_MAX, &count) == -1 ||
	    (rc = api_int(c, "quota", 1, INT64_MAX, &quota)) == -1 ||
	    api_int(c, "expired_time", -1, INT64_MAX, &exp) == -1)
		return ERR_OK;
	if (rc == 0)
		return api_fail(c, 400, "quota: required, a positive integer");
	if (exp != -1 && exp <= (int64_t)time(NULL))
		return api_fail(c, 400, "expired_time: must be -1 (never) or "
		    "in the future");
	if ((codes = arena_alloc(r->a, (size_t)count * sizeof(*codes))) ==
	    NULL)
		return ERR_NOMEM;
	for (try = 0; try < 2; try++) {
		for (i = 0; i < count; i++)
			if ((codes[i] = arena_alloc(r->a, CODE_LEN + 1)) ==
			    NULL || new_code(codes[i]) == -1)
				return ERR_INTERNAL;
		/* A duplicate code: astronomically rare; draw again once. */
		if ((e = db_api_redemptions_add(r->db, c->me.id, name, codes,
		    (size_t)count, quota, exp)) != ERR_BAD_REQUEST)
			break;
	}
	if (e != ERR_OK)
		return e;
	if ((data = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	if ((arr = cJSON_AddArrayToObject(data, "codes")) != NULL)
		for (i = 0; i < count; i++)
			cJSON_AddItemToArray(arr,
			    cJSON_CreateString(codes[i]));
	snprintf(what, sizeof(what), "created %lld codes of %lld quota",
	    (long long)count, (long long)quota);
	api_audit(c, what);
	return api_ok(c, data);
}

enum err
api_redemption_update(struct api *c)
{
	struct req		*r = c->r;
	struct redemption	 rd;
	const char		*name = NULL;
	char			 what[64];
	int64_t			 status = -1, quota, exp;
	int			 rc;
	enum err		 e;

	if ((e = db_api_redemption_get(r->db, r->a, c->id, &rd)) ==
	    ERR_NOT_FOUND)
		return api_404(c, "redemption");
	if (e != ERR_OK)
		return e;
	if (rd.status == 3)
		return api_fail(c, 409, "The code was used already; it can "
		    "only be deleted");
	quota = rd.quota;
	exp = rd.expired_time;
	if ((rc = api_str(c, "name", 128, 1, &name)) == -1 ||
	    api_int(c, "status", 1, 2, &status) == -1 ||
	    api_int(c, "quota", 1, INT64_MAX, &quota) == -1 ||
	    api_int(c, "expired_time", -1, INT64_MAX, &exp) == -1)
		return ERR_OK;
	if (exp != rd.expired_time && exp != -1 && exp <= (int64_t)time(NULL))
		return api_fail(c, 400, "expired_time: must be -1 (never) or "
		    "in the future");
	if (rc == 1)
		rd.name = (char *)(uintptr_t)name;
	if (status != -1)
		rd.status = (int)status;
	rd.quota = quota;
	rd.expired_time = exp;
	if ((e = db_api_redemption_update(r->db, &rd)) == ERR_NOT_FOUND)
		return api_fail(c, 409, "The code was used meanwhile");
	if (e != ERR_OK || (e = db_api_redemption_get(r->db, r->a, c->id,
	    &rd)) != ERR_OK)
		return e;
	snprintf(what, sizeof(what), "updated code %lld", (long long)rd.id);
	api_audit(c, what);
	return api_ok(c, red_json(&rd));
}

enum err
api_redemption_delete(struct api *c)
{
	return api_deleted(c, db_api_redemption_delete(c->r->db, c->id),
	    "redemption", "deleted code %lld", (long long)c->id);
}

/* One CSV line of a code. */
static int
red_csv(struct buf *b, const struct redemption *rd)
{
	int	 rc = 0;

	rc |= buf_printf(b, "%lld,", (long long)rd->id);
	rc |= api_csv_field(b, rd->name, 1);
	rc |= buf_printf(b, ",%s,%d,%lld,%lld,%lld,%lld,%lld\r\n", rd->code,
	    rd->status, (long long)rd->quota, (long long)rd->created_time,
	    (long long)rd->redeemed_time, (long long)rd->used_user_id,
	    (long long)rd->expired_time);
	return rc == 0 ? 0 : -1;
}

/* What red_more and red_line need: the filter and the chunk read. */
struct red_export {
	const char		*kw;
	int64_t			 status;
	struct redemption	*v;
};

static enum err
red_more(struct api *c, void *arg, struct arena *a, int64_t before,
    size_t *n, int64_t *last)
{
	struct red_export	*x = arg;
	int64_t			 total;
	enum err		 e;

	if ((e = db_api_redemptions(c->r->db, a, x->kw, (int)x->status,
	    before, API_EXPORT_CHUNK, 0, &x->v, n, &total)) == ERR_OK &&
	    *n > 0)
		*last = x->v[*n - 1].id;
	return e;
}

static int
red_line(void *arg, struct buf *b, size_t i)
{
	struct red_export	*x = arg;

	return red_csv(b, &x->v[i]);
}

enum err
api_redemption_export(struct api *c)
{
	struct red_export	 rx;
	struct api_export	 x;

	if (filter(c, &rx.kw, &rx.status) == -1)
		return ERR_OK;
	memset(&x, 0, sizeof(x));
	x.filename = "redemptions.csv";
	x.header = "id,name,key,status,quota,created_time,redeemed_time,"
	    "used_user_id,expired_time\r\n";
	x.audit = "exported codes";
	x.arg = &rx;
	x.more = red_more;
	x.csv = red_line;
	return api_export(c, &x);
}
