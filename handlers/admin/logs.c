/*
 * logs.c: the log browser (/api/log/, with totals and CSV export) and
 * usage statistics (/api/usage/) of the management API.
 *
 * A user (role 1) sees only their own rows: the user filters are
 * replaced by their own id whatever the query says.  Administrators see
 * everything and may filter by user.  Totals are a count and sums over
 * every row matching the filter (not just the page); filter type=2 for
 * consumption alone.  Usage counts consumption rows (type 2) only, per
 * day and model; days are UTC unless tz_offset (seconds east of UTC)
 * says otherwise.
 *
 * Exports (api_export) stream in chunks of API_EXPORT_CHUNK rows,
 * newest first, paging by id (not OFFSET, which would rescan), each chunk
 * read into an arena of its own so memory stays flat up to
 * API_EXPORT_MAX rows.
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

#define USAGE_DAYS_MAX	400		/* days of one usage query */
#define USAGE_DEFAULT	30		/* days when start is not given */

/* A text filter: absent or at most max bytes; 0 or -1 (400 sent). */
static int
qtext(struct api *c, const char *name, size_t max, const char **out)
{
	const char	*v = api_query(c, name);

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if (strlen(v) > max)
		return api_bad(c, name, "longer than %zu bytes", max);
	*out = v;
	return 0;
}

/* The query's filters into f, the caller's visibility applied. */
static int
log_filter(struct api *c, struct log_filter *f)
{
	int64_t	 type;

	memset(f, 0, sizeof(*f));
	if (api_qint(c, "start", 0, INT64_MAX / 2, 0, &f->start) == -1 ||
	    api_qint(c, "end", 0, INT64_MAX / 2, 0, &f->end) == -1 ||
	    api_qint(c, "user_id", 0, INT64_MAX, 0, &f->user_id) == -1 ||
	    api_qint(c, "token_id", 0, INT64_MAX, 0, &f->token_id) == -1 ||
	    api_qint(c, "channel_id", 0, INT64_MAX, 0, &f->channel_id) ==
	    -1 || api_qint(c, "type", 0, 6, 0, &type) == -1 ||
	    qtext(c, "username", 64, &f->username) == -1 ||
	    qtext(c, "token_name", 128, &f->token_name) == -1 ||
	    qtext(c, "model", 128, &f->model) == -1 ||
	    qtext(c, "request_id", 64, &f->request_id) == -1)
		return -1;
	f->type = (int)type;
	if (f->end > 0 && f->end <= f->start)
		return api_bad(c, "end", "must be after start");
	if (c->me.role < API_ADMIN) {
		f->user_id = c->me.id;
		f->username = NULL;
	}
	return 0;
}

static cJSON *
log_json(const struct log_row *l)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	api_num(o, "id", l->id);
	api_num(o, "created_at", l->created_at);
	api_num(o, "type", l->type);
	api_num(o, "user_id", l->user_id);
	cJSON_AddStringToObject(o, "username", l->username);
	api_num(o, "token_id", l->token_id);
	cJSON_AddStringToObject(o, "token_name", l->token_name);
	api_num(o, "channel_id", l->channel_id);
	cJSON_AddStringToObject(o, "model_name", l->model_name);
	api_num(o, "prompt_tokens", l->prompt_tokens);
	api_num(o, "completion_tokens", l->completion_tokens);
	api_num(o, "quota", l->quota);
	api_num(o, "use_time_ms", l->use_time_ms);
	cJSON_AddBoolToObject(o, "is_stream", l->is_stream != 0);
	cJSON_AddStringToObject(o, "request_id", l->request_id);
	cJSON_AddStringToObject(o, "ip", l->ip);
	api_num(o, "status", l->status);
	cJSON_AddStringToObject(o, "stream_status", l->stream_status);
	cJSON_AddStringToObject(o, "error_code", l->error_code);
	api_obj_text(o, "other", l->other);
	return o;
}

enum err
api_log_list(struct api *c)
{
	struct log_filter	 f;
	struct log_totals	 t;
	struct log_row		*v;
	int64_t			 page, size;
	size_t			 n, i;
	cJSON			*data, *items, *tot;
	enum err		 e;

	if (api_page(c, &page, &size) == -1 || log_filter(c, &f) == -1)
		return ERR_OK;
	if ((e = db_api_log_totals(c->r->db, &f, &t)) != ERR_OK ||
	    (e = db_api_logs(c->r->db, c->r->a, &f, 0, size,
	    (page - 1) * size, &v, &n)) != ERR_OK)
		return e;
	if ((items = cJSON_CreateArray()) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(items, log_json(&v[i]));
	if ((data = api_page_data(items, t.rows, page, size)) == NULL)
		return ERR_NOMEM;
	if ((tot = cJSON_AddObjectToObject(data, "totals")) != NULL) {
		api_num(tot, "quota", t.quota);
		api_num(tot, "prompt_tokens", t.prompt_tokens);
		api_num(tot, "completion_tokens", t.completion_tokens);
		api_num(tot, "requests", t.rows);
	}
	return api_ok(c, data);
}

/* One CSV line of a log row (column order of the header below). */
static int
log_csv(struct buf *b, const struct log_row *l)
{
	int	 rc = 0;

	rc |= buf_printf(b, "%lld,%lld,%d,%lld,", (long long)l->id,
	    (long long)l->created_at, l->type, (long long)l->user_id);
	rc |= api_csv_field(b, l->username, 1);
	rc |= buf_printf(b, ",%lld,", (long long)l->token_id);
	rc |= api_csv_field(b, l->token_name, 1);
	rc |= buf_printf(b, ",%lld,", (long long)l->channel_id);
	rc |= api_csv_field(b, l->model_name, 1);
	rc |= buf_printf(b, ",%lld,%lld,%lld,%lld,%d,",
	    (long long)l->prompt_tokens, (long long)l->completion_tokens,
	    (long long)l->quota, (long long)l->use_time_ms, l->is_stream != 0);
	rc |= api_csv_field(b, l->request_id, 1);
	rc |= buf_putc(b, ',');
	rc |= api_csv_field(b, l->ip, 1);
	rc |= buf_printf(b, ",%d,", l->status);
	rc |= api_csv_field(b, l->stream_status, 1);
	rc |= buf_putc(b, ',');
	rc |= api_csv_field(b, l->error_code, 1);
	rc |= buf_putc(b, ',');
	rc |= api_csv_field(b, l->other, 0);
	rc |= buf_puts(b, "\r\n");
	return rc == 0 ? 0 : -1;
}

/* What log_more and log_chunk_csv need: the filter and the chunk read. */
struct log_export {
	struct log_filter	 f;
	struct log_row		*v;
};

static enum err
log_more(struct api *c, void *arg, struct arena *a, int64_t before,
    size_t *n, int64_t *last)
{
	struct log_export	*x = arg;
	enum err		 e;

	if ((e = db_api_logs(c->r->db, a, &x->f, before, API_EXPORT_CHUNK, 0,
	    &x->v, n)) == ERR_OK && *n > 0)
		*last = x->v[*n - 1].id;
	return e;
}

static int
log_chunk_csv(void *arg, struct buf *b, size_t i)
{
	struct log_export	*x = arg;

	return log_csv(b, &x->v[i]);
}

enum err
api_log_export(struct api *c)
{
	struct log_export	 lx;
	struct log_totals	 t;
	struct api_export	 x;
	char			 cnt[32];
	enum err		 e;

	if (log_filter(c, &lx.f) == -1)
		return ERR_OK;
	if ((e = db_api_log_totals(c->r->db, &lx.f, &t)) != ERR_OK)
		return e;
	snprintf(cnt, sizeof(cnt), "%lld", (long long)(t.rows <
	    API_EXPORT_MAX ? t.rows : API_EXPORT_MAX));
	memset(&x, 0, sizeof(x));
	x.filename = "logs.csv";
	x.header = "id,created_at,type,user_id,username,token_id,"
	    "token_name,channel_id,model_name,prompt_tokens,"
	    "completion_tokens,quota,use_time_ms,is_stream,request_id,ip,"
	    "status,stream_status,error_code,other\r\n";
	x.total = cnt;
	x.audit = "exported logs";
	x.arg = &lx;
	x.more = log_more;
	x.csv = log_chunk_csv;
	return api_export(c, &x);
}

/* Adds the four usage counters of u to o (creating or summing). */
static void
usage_add(cJSON *o, const struct usage_row *u)
{
	static const char *const k[] = { "requests", "prompt_tokens",
	    "completion_tokens", "quota" };
	int64_t		 v[4] = { u->requests, u->prompt_tokens,
			    u->completion_tokens, u->quota };
	cJSON		*it;
	size_t		 i;

	for (i = 0; i < 4; i++) {
		if ((it = cJSON_GetObjectItemCaseSensitive(o, k[i])) != NULL)
			cJSON_SetNumberValue(it, it->valuedouble +
			    (double)v[i]);
		else
			api_num(o, k[i], v[i]);
	}
}

/* The member of arr whose "model" is model, made when absent. */
static cJSON *
model_entry(cJSON *arr, const char *model)
{
	cJSON	*it, *m;

	cJSON_ArrayForEach(it, arr) {
		m = cJSON_GetObjectItemCaseSensitive(it, "model");
		if (cJSON_IsString(m) && strcmp(m->valuestring, model) == 0)
			return it;
	}
	if ((it = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(it, "model", model);
	cJSON_AddItemToArray(arr, it);
	return it;
}

enum err
api_usage(struct api *c)
{
	struct req		*r = c->r;
	struct usage_row	*v;
	int64_t			 now = (int64_t)time(NULL), start, end, tz;
	int64_t			 uid = c->me.id, quota, used;
	size_t			 n, i;
	char			 day[11];
	cJSON			*data, *days, *models, *tot, *o, *m, *bal;
	enum err		 e;

	if (api_qint(c, "end", 1, INT64_MAX / 2, now + 1, &end) == -1 ||
	    api_qint(c, "start", 0, INT64_MAX / 2, end - USAGE_DEFAULT *
	    86400LL > 0 ? end - USAGE_DEFAULT * 86400LL : 0, &start) == -1 ||
	    api_qint(c, "tz_offset", -50400, 50400, 0, &tz) == -1)
		return ERR_OK;
	if (c->me.role >= API_ADMIN &&
	    api_qint(c, "user_id", 0, INT64_MAX, 0, &uid) == -1)
		return ERR_OK;
	if (end <= start)
		return api_fail(c, 400, "end: must be after start");
	if (end - start > USAGE_DAYS_MAX * 86400LL)
		return api_fail(c, 400, "start: at most %d days before end",
		    USAGE_DAYS_MAX);
	if ((e = db_api_usage(r->db, r->a, uid, start, end, tz, &v, &n)) !=
	    ERR_OK || (e = db_api_balance(r->db, uid, &quota, &used)) !=
	    ERR_OK)
		return e;
	if ((data = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	days = cJSON_AddArrayToObject(data, "days");
	models = cJSON_AddArrayToObject(data, "models");
	tot = cJSON_AddObjectToObject(data, "totals");
	if (days == NULL || models == NULL || tot == NULL) {
		cJSON_Delete(data);
		return ERR_NOMEM;
	}
	usage_add(tot, &(struct usage_row){ 0, "", 0, 0, 0, 0 });
	for (i = 0; i < n; i++) {
		if ((o = cJSON_CreateObject()) == NULL)
			break;
		api_day(v[i].day, day);
		cJSON_AddStringToObject(o, "day", day);
		cJSON_AddStringToObject(o, "model", v[i].model);
		usage_add(o, &v[i]);
		cJSON_AddItemToArray(days, o);
		if ((m = model_entry(models, v[i].model)) != NULL)
			usage_add(m, &v[i]);
		usage_add(tot, &v[i]);
	}
	if ((bal = cJSON_AddObjectToObject(data, "balance")) != NULL) {
		api_num(bal, "quota", quota);
		api_num(bal, "used_quota", used);
	}
	api_num(data, "start", start);
	api_num(data, "end", end);
	api_num(data, "user_id", uid);
	return api_ok(c, data);
}
