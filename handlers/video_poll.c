/*
 * video_poll.c: reading video jobs back (GET /v1/videos/{id},
 * GET /v1/videos/{id}/content, GET /v1/video/generations/{id}).
 *
 * A job that is not final (queued, in_progress) is refreshed on every
 * read: the channel that created it is asked for the upstream job
 * (whatever that channel's status now, since the job lives there), and
 * what it says is stored.  "completed" only changes the row (the charge
 * was taken at creation); "failed" -- or a 404 for the job, which the
 * upstream has then lost -- refunds the charge through db_video_fail,
 * exactly once however many reads race (the losers re-read the row and
 * answer what the winner stored).  When the upstream cannot be reached
 * the stored state is answered unchanged and the client polls again.
 *
 * Gemini channels (vid_is_veo) run jobs as Veo operations: the poll is
 * GET /v1beta/{operation name}, read by providers/veo.c into the same
 * fields, and the content is the finished sample's uri, fetched with the
 * channel's key only when it lies under the channel's base URL.
 *
 * The content endpoint streams the upstream's bytes as they arrive with
 * the upstream's Content-Type (from an allow-list), never holding the
 * whole file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "handlers/handlers.h"
#include "handlers/video.h"
#include "log.h"
#include "providers/openai.h"
#include "providers/veo.h"
#include "relay.h"
#include "request.h"

#define VID_ID_MAX	64

static const char *const vid_states[] = {
	"queued", "in_progress", "completed", "failed", NULL
};

/* Content types passed on from the upstream; others are octet-stream. */
static const char *const vid_ctypes[] = {
	"video/mp4", "video/webm", "video/quicktime", "image/webp",
	"image/jpeg", "image/png", "application/json", NULL
};

static const char *const vid_variants[] = {
	"video", "thumbnail", "spritesheet", NULL
};

/* 1 when s[0..n) is in l; ci: ignoring case (media types). */
static int
in_list(const char *const *l, const char *s, size_t n, int ci)
{
	size_t	 i;

	for (i = 0; l[i] != NULL; i++)
		if (strlen(l[i]) == n && (ci ? strncasecmp(l[i], s, n) :
		    strncmp(l[i], s, n)) == 0)
			return 1;
	return 0;
}

int
vid_status_ok(const char *s)
{
	size_t	 i;

	for (i = 0; vid_states[i] != NULL; i++)
		if (strcmp(vid_states[i], s) == 0)
			return 1;
	return 0;
}

int
vid_is_veo(const struct channel *ch)
{
	return ch != NULL && strcmp(ch->type, "gemini") == 0;
}

static int
is_final(const char *s)
{
	return strcmp(s, "completed") == 0 || strcmp(s, "failed") == 0;
}

int
vid_upstream_id_ok(const char *s)
{
	size_t	 n = strlen(s);

	return n > 0 && n <= 255 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._:-") == n;
}

/* Replaces (or adds) member k of d. */
static void
set_item(cJSON *d, const char *k, cJSON *v)
{
	if (v == NULL)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(d, k);
	cJSON_AddItemToObject(d, k, v);
}

void
vid_keep_veo_uri(cJSON *d, const cJSON *u)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(u, "veo_uri");

	if (cJSON_IsString(v))
		set_item(d, "veo_uri", cJSON_CreateString(v->valuestring));
}

/* s cut to at most max bytes without splitting a UTF-8 character. */
static size_t
u8_cut(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* A copy of s cut to max bytes, as a cJSON string; NULL on failure. */
static cJSON *
cut_string(const char *s, size_t max)
{
	char	*p;
	size_t	 n = u8_cut(s, max);
	cJSON	*v;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	oa_mask(p);
	v = cJSON_CreateString(p);
	free(p);
	return v;
}

void
vid_store_prompt(cJSON *d, const char *prompt)
{
	char	*p;
	size_t	 n = u8_cut(prompt, VID_PROMPT_STORE);

	if ((p = malloc(n + 1)) == NULL)
		return;
	memcpy(p, prompt, n);
	p[n] = '\0';
	set_item(d, "prompt", cJSON_CreateString(p));
	free(p);
}

/* A unix time in seconds (0 .. year 36812), or -1. */
static int64_t
unix_time(const cJSON *v)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 1e12 || v->valuedouble != (double)(int64_t)
	    v->valuedouble)
		return -1;
	return (int64_t)v->valuedouble;
}

void
vid_merge(cJSON *d, const cJSON *u)
{
	const cJSON	*v, *c, *m;
	cJSON		*e;
	const char	*k;
	size_t		 i;
	static const char *const times[] = { "completed_at", "expires_at" };

	v = cJSON_GetObjectItemCaseSensitive(u, "progress");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 100)
		set_item(d, "progress", cJSON_CreateNumber((double)(int)
		    v->valuedouble));
	for (i = 0; i < 2; i++) {
		k = times[i];
		v = cJSON_GetObjectItemCaseSensitive(u, k);
		if (cJSON_IsNull(v))
			set_item(d, k, cJSON_CreateNull());
		else if (unix_time(v) >= 0)
			set_item(d, k, cJSON_CreateNumber(
			    (double)unix_time(v)));
	}
	v = cJSON_GetObjectItemCaseSensitive(u, "error");
	c = cJSON_GetObjectItemCaseSensitive(v, "code");
	m = cJSON_GetObjectItemCaseSensitive(v, "message");
	if (cJSON_IsNull(v))
		set_item(d, "error", cJSON_CreateNull());
	else if (cJSON_IsObject(v) && (e = cJSON_CreateObject()) != NULL) {
		cJSON_AddItemToObject(e, "code", cut_string(cJSON_IsString(c) ?
		    c->valuestring : "upstream_error", 64));
		cJSON_AddItemToObject(e, "message", cut_string(
		    cJSON_IsString(m) ? m->valuestring : "The upstream "
		    "provider reported a failure.", 1024));
		set_item(d, "error", e);
	}
	v = cJSON_GetObjectItemCaseSensitive(u, "size");
	if (cJSON_IsString(v) && strlen(v->valuestring) <= 16 &&
	    v->valuestring[0] != '\0' &&
	    strspn(v->valuestring, "0123456789x") == strlen(v->valuestring))
		set_item(d, "size", cJSON_CreateString(v->valuestring));
	v = cJSON_GetObjectItemCaseSensitive(u, "seconds");
	if (cJSON_IsString(v) && strlen(v->valuestring) <= 4 &&
	    v->valuestring[0] != '\0' &&
	    strspn(v->valuestring, "0123456789.") == strlen(v->valuestring))
		set_item(d, "seconds", cJSON_CreateString(v->valuestring));
}

/* ---- loading and polling ---- */

/* The id between prefix and suffix of the path, or NULL when malformed. */
static const char *
path_id(struct req *r, const char *prefix, const char *suffix)
{
	const char	*p = r->path + strlen(prefix);
	size_t		 n = strlen(p), sl = strlen(suffix);

	if (strncmp(r->path, prefix, strlen(prefix)) != 0 || n < sl ||
	    strcmp(p + n - sl, suffix) != 0)
		return NULL;
	n -= sl;
	if (n == 0 || n > VID_ID_MAX || strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") < n)
		return NULL;
	return arena_strndup(r->a, p, n);
}

/* The task's data object (an empty one when unreadable), arena-owned. */
static cJSON *
task_data(struct req *r, const struct video_task *t)
{
	cJSON	*d;

	if ((d = cJSON_Parse(t->data != NULL ? t->data : "")) == NULL ||
	    !cJSON_IsObject(d)) {
		cJSON_Delete(d);
		d = cJSON_CreateObject();
	}
	if (d != NULL)
		arena_defer(r->a, h_cjson_delete, d);
	return d;
}

/*
 * Loads task id of this key into t.  ERR_OK; ERR_NOT_FOUND after
 * sending the 404 (unknown, malformed or another key's id: the same
 * answer); ERR_DB.
 */
static enum err
load(struct req *r, const char *id, struct video_task *t)
{
	enum err	 e;

	if (id == NULL)
		e = ERR_NOT_FOUND;
	else
		e = db_video_get(r->db, r->a, id, r->key.token_id, t);
	if (e == ERR_NOT_FOUND)
		req_send_error(r, ERR_NOT_FOUND, id != NULL ?
		    arena_printf(r->a, "No video found with id '%s'.", id) :
		    "No video found with that id.", NULL);
	else if (e == ERR_OK)
		r->model = t->model;
	return e;
}

/*
 * A relay bound to the channel that runs t (no policy, no hold: reading
 * a job one owns needs neither).  NULL when the channel is gone.
 */
static struct relay *
job_relay(struct req *r, const struct video_task *t)
{
	struct relay	*rl;
	struct channel	*ch;
	char		*test_model;
	enum err	 e;

	if ((rl = arena_alloc(r->a, sizeof(*rl))) == NULL ||
	    (ch = arena_alloc(r->a, sizeof(*ch))) == NULL ||
	    (rl->tried = arena_alloc(r->a, 1)) == NULL)
		return NULL;
	/* Whatever the channel's status now: the job lives there. */
	if ((e = db_channel_get(r->db, r->a, t->channel_id, ch,
	    &test_model)) != ERR_OK) {
		log_warn(r->rid, "video task %s: its channel %lld cannot be "
		    "read (%s)", t->id, (long long)t->channel_id,
		    e == ERR_NOT_FOUND ? "deleted" : db_errmsg(r->db));
		return NULL;
	}
	rl->r = r;
	rl->model = rl->up_model = t->model;
	rl->stream_status = "";
	rl->chans = ch;
	rl->nchans = 1;
	buf_init(&rl->tried_ids, 64);
	arena_defer(r->a, buf_free, &rl->tried_ids);
	r->model = t->model;
	return rl;
}

/* Refunds failed task t (once) with a refund log row; t is updated. */
static void
refund(struct req *r, struct video_task *t, cJSON *d, char *data)
{
	struct log_rec	 lr;
	cJSON		*o;
	char		*other = NULL;
	int64_t		 back = 0;
	int		 applied = 0;
	enum err	 e;

	if ((o = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(o, "reason", "video_failed");
		cJSON_AddStringToObject(o, "video_id", t->id);
		cJSON_AddStringToObject(o, "upstream_id", t->upstream_id);
		cJSON_AddNumberToObject(o, "charged", (double)t->quota);
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "rid")))
			cJSON_AddStringToObject(o, "charge_request_id",
			    cJSON_GetObjectItemCaseSensitive(d,
			    "rid")->valuestring);
		cJSON_AddItemReferenceToObject(o, "error",
		    cJSON_GetObjectItemCaseSensitive(d, "error"));
		other = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
	}
	memset(&lr, 0, sizeof(lr));
	lr.type = LOGT_REFUND;
	lr.user_id = t->user_id;
	lr.username = r->key.username;
	lr.token_id = t->token_id;
	lr.token_name = r->key.token_name;
	lr.channel_id = t->channel_id;
	lr.model_name = t->model;
	lr.use_time_ms = req_elapsed_ms(r);
	lr.request_id = r->rid;
	lr.ip = r->remote_addr;
	lr.status = 200;
	lr.other = other;
	lr.stream_status = "";
	lr.error_code = "video_failed";
	e = db_video_fail(r->db, t->id, data, cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(d, "unlimited")), &lr, &back,
	    &applied);
	cJSON_free(other);
	if (e != ERR_OK)
		log_err(r->rid, "video task %s: refund failed: %s", t->id,
		    db_errmsg(r->db));
	else if (applied) {
		t->status = "failed";
		t->data = data;
	} else
		db_video_get(r->db, r->a, t->id, r->key.token_id, t);
}

/*
 * Asks the upstream about a task that is not final and stores the
 * answer (see the top of the file).  t reflects the stored row after.
 */
static void
poll(struct req *r, struct video_task *t)
{
	struct relay	*rl;
	struct relay_call c;
	struct buf	*body;
	cJSON		*d, *u = NULL, *v, *e;
	const char	*st = NULL;
	char		*data, *t_data, uri[VEO_URI_MAX + 1];
	int		 status = 0, changed = 0, veo;
	enum err	 err;

	if (is_final(t->status) || (d = task_data(r, t)) == NULL ||
	    (rl = job_relay(r, t)) == NULL ||
	    (body = arena_alloc(r->a, sizeof(*body))) == NULL)
		return;
	veo = vid_is_veo(rl->chans);
	buf_init(body, VID_ANSWER_MAX);
	arena_defer(r->a, buf_free, body);
	memset(&c, 0, sizeof(c));
	c.method = "GET";
	c.path = veo ? arena_printf(r->a, "/v1beta/%s", t->upstream_id) :
	    arena_printf(r->a, "/v1/videos/%s", t->upstream_id);
	c.accept = "application/json";
	if (c.path == NULL || (veo && !veo_op_name_ok(t->upstream_id)))
		return;
	if ((err = relay_call(rl, &c, body, &status)) != ERR_OK) {
		log_warn(r->rid, "video task %s: polling failed: %s", t->id,
		    err_http(err)->code);
		return;
	}
	if (status == 404) {
		/* The upstream lost the job: it will never complete. */
		st = "failed";
		if ((e = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(e, "code", "upstream_job_lost");
			cJSON_AddStringToObject(e, "message", "The upstream "
			    "provider no longer knows this video job.");
			set_item(d, "error", e);
		}
	} else if (status == 200 && (u = veo ? veo_op_parse(body->p,
	    body->len, 0, uri, sizeof(uri)) : cJSON_ParseWithLength(body->p,
	    body->len)) != NULL) {
		arena_defer(r->a, h_cjson_delete, u);
		if (veo && uri[0] != '\0')
			set_item(d, "veo_uri", cJSON_CreateString(uri));
		v = cJSON_GetObjectItemCaseSensitive(u, "status");
		if (cJSON_IsString(v) && vid_status_ok(v->valuestring))
			st = v->valuestring;
		vid_merge(d, u);
	}
	if (st == NULL) {
		log_warn(r->rid, "video task %s: unusable %d answer from "
		    "channel %lld", t->id, status, (long long)rl->ch->id);
		return;
	}
	if (strcmp(st, "completed") == 0)
		set_item(d, "progress", cJSON_CreateNumber(100));
	if ((data = cJSON_PrintUnformatted(d)) == NULL)
		return;
	if (strcmp(st, "failed") == 0) {
		if ((t_data = arena_strdup(r->a, data)) != NULL)
			refund(r, t, d, t_data);
	}
	else if (strcmp(st, t->status) != 0 || strcmp(data, t->data) != 0) {
		if (db_video_set(r->db, t->id, st, data, &changed) != ERR_OK)
			log_err(r->rid, "video task %s: storing its state "
			    "failed: %s", t->id, db_errmsg(r->db));
		else if (changed) {
			t->status = arena_strdup(r->a, st);
			t->data = arena_strdup(r->a, data);
		} else
			db_video_get(r->db, r->a, t->id, r->key.token_id, t);
	}
	cJSON_free(data);
}

/* ---- answers ---- */

/* Absolute URL of the content route as this client reached us. */
static char *
content_url(struct req *r, const char *id)
{
	const char	*host = req_param(r, "HTTP_HOST");
	const char	*https = req_param(r, "HTTPS");
	const char	*scheme = req_param(r, "REQUEST_SCHEME");
	const char	*fwd = req_param(r, "HTTP_X_FORWARDED_PROTO");
	size_t		 n;

	if (host == NULL || (n = strlen(host)) == 0 || n > 255 ||
	    strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789.-:[]") != n)
		return arena_printf(r->a, "/v1/videos/%s/content", id);
	if ((https != NULL && strcasecmp(https, "on") == 0) ||
	    (scheme != NULL && strcmp(scheme, "https") == 0) ||
	    (fwd != NULL && strcmp(fwd, "https") == 0))
		scheme = "https";
	else
		scheme = "http";
	return arena_printf(r->a, "%s://%s/v1/videos/%s/content", scheme,
	    host, id);
}

/* d[k] duplicated, or a null when missing / of the wrong kind. */
static cJSON *
dup_or_null(const cJSON *d, const char *k, int want_object)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(d, k);

	if (v == NULL || (want_object ? !cJSON_IsObject(v) :
	    !cJSON_IsNumber(v) && !cJSON_IsString(v)))
		return cJSON_CreateNull();
	return cJSON_Duplicate(v, 1);
}

static const char *
str_or(const cJSON *d, const char *k, const char *def)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(d, k);

	return cJSON_IsString(v) ? v->valuestring : def;
}

/* VideoResource (openai-openapi.yaml) of t. */
static cJSON *
resource(const struct video_task *t, const cJSON *d)
{
	const cJSON	*p = cJSON_GetObjectItemCaseSensitive(d, "progress");
	cJSON		*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", t->id);
	cJSON_AddStringToObject(o, "object", "video");
	cJSON_AddStringToObject(o, "model", t->model);
	cJSON_AddStringToObject(o, "status", t->status);
	cJSON_AddNumberToObject(o, "progress", cJSON_IsNumber(p) ?
	    (double)(int)p->valuedouble : 0);
	cJSON_AddNumberToObject(o, "created_at", (double)t->created_at);
	cJSON_AddItemToObject(o, "completed_at", dup_or_null(d,
	    "completed_at", 0));
	cJSON_AddItemToObject(o, "expires_at", dup_or_null(d, "expires_at",
	    0));
	cJSON_AddItemToObject(o, "prompt", dup_or_null(d, "prompt", 0));
	cJSON_AddStringToObject(o, "size", str_or(d, "size", "720x1280"));
	cJSON_AddStringToObject(o, "seconds", str_or(d, "seconds", "4"));
	cJSON_AddNullToObject(o, "remixed_from_video_id");
	cJSON_AddItemToObject(o, "error", dup_or_null(d, "error", 1));
	return o;
}

/* VideoGenerationResponse {id, object, model, status, created, data}. */
static cJSON *
generation(struct req *r, const struct video_task *t, const cJSON *d)
{
	cJSON	*o, *a, *it, *e;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", t->id);
	cJSON_AddStringToObject(o, "object", "video.generation");
	cJSON_AddStringToObject(o, "model", t->model);
	cJSON_AddStringToObject(o, "status", t->status);
	cJSON_AddNumberToObject(o, "created", (double)t->created_at);
	a = cJSON_AddArrayToObject(o, "data");
	if (a != NULL && strcmp(t->status, "completed") == 0 &&
	    (it = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(it, "url", content_url(r, t->id));
		cJSON_AddItemToArray(a, it);
	}
	e = dup_or_null(d, "error", 1);
	if (strcmp(t->status, "failed") == 0)
		cJSON_AddItemToObject(o, "error", e);
	else
		cJSON_Delete(e);
	return o;
}

enum err
vid_answer(struct req *r, const struct video_task *t, enum vid_api api)
{
	cJSON	*d, *o;
	enum err e;

	if ((d = task_data(r, t)) == NULL)
		return ERR_NOMEM;
	o = api == VID_API_GENERATIONS ? generation(r, t, d) : resource(t, d);
	if (o == NULL)
		return ERR_NOMEM;
	e = h_send_cjson(r, 200, o);
	cJSON_Delete(o);
	return e;
}

/* GET of one task in api's shape. */
static enum err
get(struct req *r, const char *prefix, enum vid_api api)
{
	struct video_task	 t;
	enum err		 e;

	if ((e = load(r, path_id(r, prefix, ""), &t)) != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_OK : e;
	poll(r, &t);
	return vid_answer(r, &t, api);
}

enum err
h_video_get(struct req *r)
{
	return get(r, "/v1/videos/", VID_API_VIDEOS);
}

enum err
h_video_gen_get(struct req *r)
{
	return get(r, "/v1/video/generations/", VID_API_GENERATIONS);
}

/* ---- content ---- */

struct vid_stream {
	struct req	*r;
	int		 started;
};

static int
cs_status(void *arg, int status, const char *ctype)
{
	struct vid_stream	*x = arg;
	size_t			 n = strcspn(ctype, "; \t");

	if (status != 200)
		return 0;
	if (req_start(x->r, 200, in_list(vid_ctypes, ctype, n, 1) ?
	    arena_strndup(x->r->a, ctype, n) : "application/octet-stream") ==
	    -1)
		return 1;
	x->started = 1;
	return 0;
}

static int
cs_data(void *arg, const char *p, size_t n)
{
	struct vid_stream	*x = arg;

	return req_write(x->r, p, n) == -1;
}

static int
cs_tick(void *arg)
{
	struct vid_stream	*x = arg;

	return req_peer_closed(x->r);
}

/* The value of ?variant=, NULL when absent, "" when not allowed. */
static const char *
variant(struct req *r)
{
	const char	*q = r->query, *amp;
	size_t		 n;

	while (q != NULL && *q != '\0') {
		amp = strchr(q, '&');
		n = amp != NULL ? (size_t)(amp - q) : strlen(q);
		if (n >= 8 && strncmp(q, "variant=", 8) == 0)
			return in_list(vid_variants, q + 8, n - 8, 0) ?
			    arena_strndup(r->a, q + 8, n - 8) : "";
		q = amp != NULL ? amp + 1 : NULL;
	}
	return NULL;
}

/* 404 for a job that has no content yet. */
static void
not_ready(struct req *r, const struct video_task *t)
{
	cJSON	*o, *e;
	char	*s;

	if ((o = cJSON_CreateObject()) == NULL ||
	    (e = cJSON_AddObjectToObject(o, "error")) == NULL) {
		cJSON_Delete(o);
		req_send_error(r, ERR_NOMEM, NULL, NULL);
		return;
	}
	cJSON_AddStringToObject(e, "message", arena_printf(r->a, "Video %s "
	    "is not ready: its status is %s.", t->id, t->status));
	cJSON_AddStringToObject(e, "type", "invalid_request_error");
	cJSON_AddStringToObject(e, "code", "video_not_ready");
	cJSON_AddNullToObject(e, "param");
	if ((s = cJSON_PrintUnformatted(o)) != NULL)
		req_send_error_body(r, 404, s, strlen(s));
	else
		req_send_error(r, ERR_NOMEM, NULL, NULL);
	cJSON_free(s);
	cJSON_Delete(o);
}

enum err
h_video_content(struct req *r)
{
	struct video_task	 t;
	struct vid_stream	 x;
	struct relay		*rl;
	struct relay_call	 c;
	struct buf		*body;
	const char		*var = variant(r), *path = NULL;
	char			*s;
	int			 status = 0;
	enum err		 e;

	if (var != NULL && var[0] == '\0')
		return h_bad_field(r, "variant", "Invalid 'variant': expected "
		    "one of video, thumbnail, spritesheet.");
	if ((e = load(r, path_id(r, "/v1/videos/", "/content"), &t)) !=
	    ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_OK : e;
	poll(r, &t);
	if (strcmp(t.status, "completed") != 0) {
		not_ready(r, &t);
		return ERR_OK;
	}
	if ((rl = job_relay(r, &t)) == NULL)
		return ERR_NO_CHANNEL;
	if (vid_is_veo(rl->chans)) {
		if (var != NULL && strcmp(var, "video") != 0)
			return h_bad_field(r, "variant", "Invalid 'variant': "
			    "this model has only the video.");
		if ((path = veo_uri_path(rl->chans->base_url, str_or(
		    task_data(r, &t), "veo_uri", ""))) == NULL) {
			log_warn(r->rid, "video task %s: its video uri is not "
			    "under channel %lld's base URL", t.id,
			    (long long)t.channel_id);
			return ERR_UPSTREAM;
		}
	}
	if ((body = arena_alloc(r->a, sizeof(*body))) == NULL)
		return ERR_NOMEM;
	buf_init(body, VID_ANSWER_MAX);
	arena_defer(r->a, buf_free, body);
	memset(&x, 0, sizeof(x));
	x.r = r;
	memset(&c, 0, sizeof(c));
	c.method = "GET";
	c.path = path != NULL ? path : arena_printf(r->a,
	    "/v1/videos/%s/content%s%s", t.upstream_id, var != NULL ?
	    "?variant=" : "", var != NULL ? var : "");
	c.on_status = cs_status;
	c.on_data = cs_data;
	c.on_tick = cs_tick;
	c.arg = &x;
	c.started = &x.started;
	/* Google's file downloads redirect to storage (the key stays home). */
	c.follow = path != NULL;
	if (c.path == NULL)
		return ERR_NOMEM;
	e = relay_call(rl, &c, body, &status);
	if (x.started) {
		if (e != ERR_OK)
			log_warn(r->rid, "video task %s: content cut short: "
			    "%s", t.id, err_http(e)->code);
		return ERR_OK;
	}
	if (e != ERR_OK)
		return e;
	if (status >= 400 && path == NULL && (s = oa_error_masked(body->p,
	    body->len)) != NULL) {
		req_send_error_body(r, status, s, strlen(s));
		cJSON_free(s);
		return ERR_OK;
	}
	log_warn(r->rid, "video task %s: unusable %d content answer", t.id,
	    status);
	return ERR_UPSTREAM;
}
