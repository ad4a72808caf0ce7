/*
 * video.c: asynchronous video jobs (API.md 4).
 *
 *   POST /v1/videos                 CreateVideoJsonBody or
 *                                   CreateVideoMultipartBody -> VideoResource
 *   GET  /v1/videos/{id}            VideoResource
 *   GET  /v1/videos/{id}/content    the video (or ?variant=) bytes
 *   POST /v1/video/generations      {model, prompt, ...} ->
 *   GET  /v1/video/generations/{id}   VideoGenerationResponse
 *                                     {id, object, model, status, created,
 *                                      data: [{url}]}
 *
 * Both families are views of one job (video_tasks): the upstream is an
 * OpenAI-style /v1/videos API, or for a `gemini` channel Google's Veo
 * long-running operation (providers/veo.h: predictLongRunning, the
 * operation's name kept as the upstream id); create_before picks path
 * and body per channel, and the Veo answer is read into the same
 * VideoResource fields.  A job belongs to the key that made it;
 * any other key gets the same 404 as an unknown id.  Billing is per
 * request (docs/pricing.md, basis request): the price is held, the
 * upstream job created, and the hold settled into a charge in the
 * transaction that stores the task (db_video_create); a job that ends
 * failed is refunded once (db_video_fail), whichever request sees it
 * first.  Nothing polls in the background: each GET of a job that is not
 * final asks the channel that runs it (video_poll.c) and stores what it
 * learnt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <b64/cencode.h>
#include <cjson/cJSON.h>

#include "cfg.h"
#include "handlers/handlers.h"
#include "handlers/video.h"
#include "log.h"
#include "multipart.h"
#include "providers/gemini.h"
#include "providers/openai.h"
#include "providers/veo.h"
#include "relay.h"
#include "request.h"
#include "sec.h"
#include "tokens.h"

#define VID_PROMPT_MAX	32000		/* characters (CreateVideoJsonBody) */
#define VID_URL_MAX	20971520	/* ImageRefParam-2 image_url */
#define VID_FILE_MAX	(15u << 20)	/* an input_reference upload */
#define VID_FIELD_MAX	(1u << 20)	/* a plain multipart field */
#define VID_SECONDS_MAX	60

const char *const vid_sizes[] = {
	"720x1280", "1280x720", "1024x1792", "1792x1024", NULL
};

/* Image types OpenAI takes as input_reference. */
static const char *const vid_ref_types[] = {
	"image/jpeg", "image/png", "image/webp", NULL
};

static int
in_list(const char *const *l, const char *s)
{
	size_t	 i;

	for (i = 0; l[i] != NULL; i++)
		if (strcmp(l[i], s) == 0)
			return 1;
	return 0;
}

/* Optional string field k of o: 0, or -1 after the 400. */
static int
opt_str(struct req *r, cJSON *o, const char *k, size_t max,
    const char **out)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return h_bad_field(r, k, "Invalid type for '%s': expected a "
		    "string.", k), -1;
	if (v->valuestring[0] == '\0' || strlen(v->valuestring) > max)
		return h_bad_field(r, k, "Invalid '%s': expected a non-empty "
		    "string of at most %zu bytes.", k, max), -1;
	*out = v->valuestring;
	return 0;
}

/* "1".."60" without sign or leading zero; -1 otherwise. */
static int
seconds_val(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > 2 || s[0] == '0' || strspn(s, "0123456789") != n)
		return -1;
	n = n == 1 ? (size_t)(s[0] - '0') :
	    (size_t)(s[0] - '0') * 10 + (size_t)(s[1] - '0');
	return n <= VID_SECONDS_MAX ? (int)n : -1;
}

/* http(s) URL or data URL, as ImageRefParam-2 image_url allows. */
static int
url_ok(const char *s)
{
	return strncmp(s, "https://", 8) == 0 ||
	    strncmp(s, "http://", 7) == 0 || strncmp(s, "data:", 5) == 0;
}

/* input_reference: exactly one of image_url, file_id.  0 or -1 (400). */
static int
check_ref(struct req *r, cJSON *ref)
{
	cJSON	*u, *f;

	if (ref == NULL || cJSON_IsNull(ref))
		return 0;
	u = cJSON_GetObjectItemCaseSensitive(ref, "image_url");
	f = cJSON_GetObjectItemCaseSensitive(ref, "file_id");
	if (!cJSON_IsObject(ref) || (u == NULL) == (f == NULL))
		return h_bad_field(r, "input_reference", "Invalid "
		    "'input_reference': expected an object with exactly one "
		    "of 'image_url' or 'file_id'."), -1;
	if (u != NULL && (!cJSON_IsString(u) || !url_ok(u->valuestring) ||
	    strlen(u->valuestring) > VID_URL_MAX))
		return h_bad_field(r, "input_reference", "Invalid "
		    "'input_reference.image_url': expected an http(s) or data "
		    "URL of at most %u characters.", VID_URL_MAX), -1;
	if (f != NULL && (!cJSON_IsString(f) || f->valuestring[0] == '\0' ||
	    strlen(f->valuestring) > 255))
		return h_bad_field(r, "input_reference", "Invalid "
		    "'input_reference.file_id': expected a non-empty string "
		    "of at most 255 bytes."), -1;
	return 0;
}

/* prompt: required, 1..VID_PROMPT_MAX characters.  0 or -1 (400). */
static int
check_prompt(struct req *r, cJSON *o, struct vid_req *vr)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, "prompt");
	size_t	 n;

	if (v == NULL || cJSON_IsNull(v))
		return h_bad_field(r, "prompt", "Missing required parameter: "
		    "'prompt'."), -1;
	if (!cJSON_IsString(v))
		return h_bad_field(r, "prompt", "Invalid type for 'prompt': "
		    "expected a string."), -1;
	if ((n = tok_chars(v->valuestring)) == 0)
		return h_bad_field(r, "prompt", "Invalid 'prompt': string too "
		    "short. Expected a string with minimum length 1, but got "
		    "an empty string instead."), -1;
	if (n > VID_PROMPT_MAX)
		return h_bad_field(r, "prompt", "Invalid 'prompt': string too "
		    "long. Expected a string with maximum length %d, but got "
		    "a string with length %zu instead.", VID_PROMPT_MAX, n),
		    -1;
	vr->prompt = v->valuestring;
	return 0;
}

/* model (default "sora") and size, common to both families. */
static int
check_model_size(struct req *r, cJSON *o, struct vid_req *vr)
{
	vr->model = "sora";
	if (opt_str(r, o, "model", 128, &vr->model) == -1 ||
	    opt_str(r, o, "size", 32, &vr->size) == -1)
		return -1;
	if (vr->size != NULL && !in_list(vid_sizes, vr->size))
		return h_bad_field(r, "size", "Invalid 'size': '%.32s' is not "
		    "supported. Supported values are: '720x1280', "
		    "'1280x720', '1024x1792', and '1792x1024'.", vr->size), -1;
	/* Copied: relay_call replaces the tree's "model" for the upstream. */
	if ((vr->model = arena_strdup(r->a, vr->model)) == NULL)
		return req_send_error(r, ERR_NOMEM, NULL, NULL), -1;
	return 0;
}

/*
 * CreateVideoJsonBody: validates o, which then goes upstream as it is
 * (fields the gateway does not know pass through).  0 or -1 (400 sent).
 */
static int
check_videos(struct req *r, cJSON *o, struct vid_req *vr)
{
	memset(vr, 0, sizeof(*vr));
	vr->api = VID_API_VIDEOS;
	if (check_prompt(r, o, vr) == -1 || check_model_size(r, o, vr) == -1 ||
	    opt_str(r, o, "seconds", 8, &vr->seconds) == -1)
		return -1;
	if (vr->seconds != NULL && seconds_val(vr->seconds) == -1)
		return h_bad_field(r, "seconds", "Invalid 'seconds': expected "
		    "a whole number of seconds from 1 to %d as a string, "
		    "e.g. \"4\", \"8\" or \"12\".", VID_SECONDS_MAX), -1;
	if (check_ref(r, cJSON_GetObjectItemCaseSensitive(o,
	    "input_reference")) == -1)
		return -1;
	vr->up = o;
	return 0;
}

/*
 * The generations body: model, prompt, size, seconds (string or integer)
 * or duration (integer), image (URL), n (1 only).  Builds the
 * CreateVideoJsonBody for the upstream in vr->up.  0 or -1 (400 sent).
 */
static int
check_generations(struct req *r, cJSON *o, struct vid_req *vr)
{
	cJSON		*v, *up, *ref;
	const char	*img = NULL, *k = "seconds";
	char		 sec[8] = "";

	memset(vr, 0, sizeof(*vr));
	vr->api = VID_API_GENERATIONS;
	if (check_prompt(r, o, vr) == -1 || check_model_size(r, o, vr) == -1)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, k)) == NULL ||
	    cJSON_IsNull(v))
		v = cJSON_GetObjectItemCaseSensitive(o, k = "duration");
	if (cJSON_IsString(v) && seconds_val(v->valuestring) != -1)
		snprintf(sec, sizeof(sec), "%s", v->valuestring);
	else if (cJSON_IsNumber(v) && v->valuedouble >= 1 &&
	    v->valuedouble <= VID_SECONDS_MAX &&
	    v->valuedouble == (double)(int)v->valuedouble)
		snprintf(sec, sizeof(sec), "%d", (int)v->valuedouble);
	else if (v != NULL && !cJSON_IsNull(v))
		return h_bad_field(r, k, "Invalid '%s': expected a whole "
		    "number of seconds from 1 to %d.", k, VID_SECONDS_MAX), -1;
	if (opt_str(r, o, "image", VID_URL_MAX, &img) == -1)
		return -1;
	if (img != NULL && !url_ok(img))
		return h_bad_field(r, "image", "Invalid 'image': expected an "
		    "http(s) or data URL."), -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "n");
	if (v != NULL && !cJSON_IsNull(v) && (!cJSON_IsNumber(v) ||
	    v->valuedouble != 1))
		return h_bad_field(r, "n", "Invalid 'n': only 1 video per "
		    "request is supported."), -1;
	if ((up = cJSON_CreateObject()) == NULL)
		return req_send_error(r, ERR_NOMEM, NULL, NULL), -1;
	arena_defer(r->a, h_cjson_delete, up);
	cJSON_AddStringToObject(up, "prompt", vr->prompt);
	if (vr->size != NULL)
		cJSON_AddStringToObject(up, "size", vr->size);
	if (sec[0] != '\0') {
		cJSON_AddStringToObject(up, "seconds", sec);
		vr->seconds = arena_strdup(r->a, sec);
	}
	if (img != NULL && (ref = cJSON_AddObjectToObject(up,
	    "input_reference")) != NULL)
		cJSON_AddStringToObject(ref, "image_url", img);
	vr->up = up;
	return 0;
}

static void
cjson_text_free(void *p)
{
	cJSON_free(p);
}

/* ---- multipart (the official SDK's videos.create sends it) ---- */

static enum err
mp_sink(void *arg, const char *p, size_t n)
{
	return mp_feed(arg, p, n);
}

/* data:<type>;base64,<bytes> of an uploaded reference image, or NULL. */
static char *
data_url(struct req *r, const struct mp_part *p, const char *type)
{
	base64_encodestate	 st;
	struct buf		*b;
	size_t			 i, j, end, n = p->data.len;
	int			 k;

	if ((b = arena_alloc(r->a, sizeof(*b))) == NULL)
		return NULL;
	/* libb64 adds a newline every 72 characters: room for those too. */
	buf_init(b, n / 3 * 4 + n / 54 + 64 + strlen(type));
	arena_defer(r->a, buf_free, b);
	if (buf_printf(b, "data:%s;base64,", type) == -1 ||
	    buf_append(b, NULL, 0) == -1)
		return NULL;
	i = b->len;
	/* Reserve the whole encoded size, then encode into it. */
	for (j = 0; j < n / 3 * 4 + n / 54 + 8; j++)
		if (buf_putc(b, '\0') == -1)
			return NULL;
	base64_init_encodestate(&st);
	k = base64_encode_block(p->data.p, (int)n, b->p + i, &st);
	k += base64_encode_blockend(b->p + i + k, &st);
	end = i + (size_t)k;
	for (j = i; j < end; j++)
		if (b->p[j] != '\n')
			b->p[i++] = b->p[j];
	b->p[i] = '\0';
	b->len = i;
	return b->p;
}

/* One multipart part into the JSON body o.  0 or -1 (error sent). */
static int
mp_field(struct req *r, cJSON *o, const struct mp_part *p)
{
	cJSON		*ref, *v;
	const char	*type;
	char		*url;

	if (cJSON_GetObjectItemCaseSensitive(o, p->name) != NULL)
		return h_bad_field(r, p->name, "Duplicate field '%s'.",
		    p->name), -1;
	if (strcmp(p->name, "input_reference") == 0 && p->filename != NULL) {
		type = p->ctype != NULL ? p->ctype : "";
		if (!in_list(vid_ref_types, type) || p->data.len == 0)
			return h_bad_field(r, "input_reference", "Invalid "
			    "'input_reference': expected a non-empty "
			    "image/jpeg, image/png or image/webp file."), -1;
		if ((url = data_url(r, p, type)) == NULL)
			return req_send_error(r, ERR_NOMEM, NULL, NULL), -1;
		if ((ref = cJSON_AddObjectToObject(o, p->name)) == NULL ||
		    cJSON_AddStringToObject(ref, "image_url", url) == NULL)
			return req_send_error(r, ERR_NOMEM, NULL, NULL), -1;
		return 0;
	}
	if (p->data.len > 0 && memchr(p->data.p, '\0', p->data.len) != NULL)
		return h_bad_field(r, p->name, "Invalid '%s': contains a NUL "
		    "byte.", p->name), -1;
	if (strcmp(p->name, "input_reference") == 0) {
		/* A reference object sent as a JSON text field. */
		if ((v = cJSON_Parse(buf_cstr(&p->data))) == NULL)
			return h_bad_field(r, p->name, "Invalid "
			    "'input_reference': expected a file or a JSON "
			    "object."), -1;
		cJSON_AddItemToObject(o, p->name, v);
		return 0;
	}
	if (cJSON_AddStringToObject(o, p->name, buf_cstr(&p->data)) == NULL)
		return req_send_error(r, ERR_NOMEM, NULL, NULL), -1;
	return 0;
}

/* Reads a multipart body into a JSON object; NULL after the error. */
static cJSON *
read_multipart(struct req *r, const char *ctype)
{
	struct mp_limits	 lim = { 16, 8192, 256, 1024, VID_FIELD_MAX,
				    VID_FILE_MAX };
	struct mp_parser	*mp;
	struct mp_part		*parts;
	cJSON			*o;
	size_t			 n, i;
	enum err		 e;

	if ((mp = mp_new(r->a, ctype, &lim, &e)) == NULL) {
		req_send_error(r, e, e == ERR_BAD_REQUEST ? "Invalid "
		    "multipart/form-data Content-Type (boundary)." : NULL,
		    NULL);
		return NULL;
	}
	e = req_read_stream(r, (size_t)r->cfg->body_max_multipart, mp_sink,
	    mp);
	if (e == ERR_OK)
		e = mp_finish(mp);
	if (e != ERR_OK) {
		req_send_error(r, e, e == ERR_BAD_REQUEST ||
		    e == ERR_TOO_LARGE ? mp_error(mp) : NULL, NULL);
		return NULL;
	}
	if ((o = cJSON_CreateObject()) == NULL) {
		req_send_error(r, ERR_NOMEM, NULL, NULL);
		return NULL;
	}
	arena_defer(r->a, h_cjson_delete, o);
	parts = mp_parts(mp, &n);
	for (i = 0; i < n; i++)
		if (mp_field(r, o, &parts[i]) == -1)
			return NULL;
	return o;
}

/* ---- creation ---- */

/* The task's data JSON at creation (see video.h). */
static char *
first_data(struct req *r, const struct vid_req *vr, cJSON *u)
{
	cJSON	*d;
	char	*s, *out;

	if ((d = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(d, "api", vr->api == VID_API_GENERATIONS ?
	    "generations" : "videos");
	cJSON_AddBoolToObject(d, "unlimited", r->key.unlimited != 0);
	cJSON_AddStringToObject(d, "rid", r->rid);
	vid_store_prompt(d, vr->prompt);
	cJSON_AddStringToObject(d, "size", vr->size != NULL ? vr->size :
	    "720x1280");
	cJSON_AddStringToObject(d, "seconds", vr->seconds != NULL ?
	    vr->seconds : "4");
	cJSON_AddNumberToObject(d, "progress", 0);
	cJSON_AddNullToObject(d, "completed_at");
	cJSON_AddNullToObject(d, "expires_at");
	cJSON_AddNullToObject(d, "error");
	vid_merge(d, u);
	vid_keep_veo_uri(d, u);
	s = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	if (s == NULL)
		return NULL;
	out = arena_strdup(r->a, s);
	cJSON_free(s);
	return out;
}

/* logs.other of the charge: relay's pricing inputs plus the job. */
static char *
create_other(struct relay *rl, const struct video_task *t)
{
	cJSON	*top;
	char	*out;

	rl->charge_set = 1;
	rl->units = 1;
	rl->unit_name = "request";
	if ((top = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(top, "video_id", t->id);
	cJSON_AddStringToObject(top, "upstream_id", t->upstream_id);
	cJSON_AddStringToObject(top, "video_status", t->status);
	cJSON_AddStringToObject(top, "charged", "at_creation");
	out = relay_other_json(rl, "request", top);
	cJSON_Delete(top);
	return out;
}

/* Ends a creation that made no job: refund the hold, log the error. */
static enum err
create_failed(struct relay *rl, enum err e, int status, const char *code)
{
	rl->charge_set = 1;
	rl->charge = 0;
	rl->units = 0;
	rl->unit_name = "request";
	return h_settle(rl, e, status, code);
}

/*
 * Stores the job the upstream accepted (answer u) and charges it; the
 * task is then answered in vr->api's shape.
 */
static enum err
create_store(struct relay *rl, const struct vid_req *vr, cJSON *u)
{
	struct req		*r = rl->r;
	struct video_task	 t;
	struct log_rec		 lr;
	cJSON			*id, *st;
	char			 rid[SEC_RID_LEN];
	int			 charged = 0;
	enum err		 e;

	id = cJSON_GetObjectItemCaseSensitive(u, "id");
	st = cJSON_GetObjectItemCaseSensitive(u, "status");
	if (!cJSON_IsString(id) || !(vid_is_veo(rl->ch) ?
	    veo_op_name_ok(id->valuestring) :
	    vid_upstream_id_ok(id->valuestring)) ||
	    !cJSON_IsString(st) || !vid_status_ok(st->valuestring)) {
		log_warn(r->rid, "channel %lld: video answer without a usable "
		    "id or status", (long long)rl->ch->id);
		return create_failed(rl, ERR_UPSTREAM, 0, NULL);
	}
	memset(&t, 0, sizeof(t));
	sec_request_id(rid);
	t.id = arena_printf(r->a, "video_%s", rid);
	t.user_id = r->key.user_id;
	t.token_id = r->key.token_id;
	t.channel_id = rl->ch->id;
	t.model = arena_strdup(r->a, rl->model);
	t.upstream_id = id->valuestring;
	t.status = st->valuestring;
	/* A job that failed at once is not charged. */
	t.quota = strcmp(t.status, "failed") == 0 ? 0 : rl->held;
	t.hold_id = rl->hold_id;
	t.created_at = (int64_t)time(NULL);
	t.updated_at = t.created_at;
	if (t.id == NULL || t.model == NULL ||
	    (t.data = first_data(r, vr, u)) == NULL)
		return create_failed(rl, ERR_NOMEM, 0, NULL);

	memset(&lr, 0, sizeof(lr));
	lr.type = t.quota > 0 ? LOGT_CONSUME : LOGT_ERROR;
	lr.user_id = r->key.user_id;
	lr.username = r->key.username;
	lr.token_id = r->key.token_id;
	lr.token_name = r->key.token_name;
	lr.channel_id = t.channel_id;
	lr.model_name = rl->model;
	lr.quota = t.quota;
	lr.use_time_ms = req_elapsed_ms(r);
	lr.request_id = r->rid;
	lr.ip = r->remote_addr;
	lr.status = 200;
	lr.other = create_other(rl, &t);
	lr.stream_status = "";
	lr.error_code = t.quota > 0 ? NULL : "video_failed";
	if ((e = db_video_create(r->db, &t, &lr, &charged)) != ERR_OK) {
		log_err(r->rid, "storing video task %s (upstream %s) failed: "
		    "%s", t.id, t.upstream_id, db_errmsg(r->db));
		return create_failed(rl, ERR_DB, 0, NULL);
	}
	rl->hold_id = 0;
	if (!charged) {
		log_warn(r->rid, "video task %s: its hold %lld was gone; not "
		    "charged", t.id, (long long)t.hold_id);
		t.quota = 0;
	}
	r->quota = t.quota;
	return vid_answer(r, &t, vr->api);
}

/*
 * relay_call's before hook: a gemini channel gets Veo's
 * predictLongRunning (for its mapped model), any other the OpenAI
 * CreateVideoJsonBody.  An input_reference has no Veo form here: such a
 * request skips gemini channels.
 */
static int
create_before(void *arg, struct relay *rl, struct relay_call *c)
{
	struct vid_req	*vr = arg;
	char		 p[512];

	c->raw = NULL;
	c->raw_len = 0;
	c->ctype = NULL;
	if (!vid_is_veo(rl->ch)) {
		c->path = "/v1/videos";
		c->json = vr->up;
		return 0;
	}
	if (veo_create_path(p, sizeof(p), rl->up_model) == -1 ||
	    cJSON_GetObjectItemCaseSensitive(vr->up, "input_reference") !=
	    NULL) {
		log_warn(rl->r->rid, "channel %lld: no Veo request for model "
		    "%.128s or its input_reference; skipped",
		    (long long)rl->ch->id, rl->up_model);
		return 1;
	}
	if (vr->veo_body == NULL && (vr->veo_body = veo_create_body(
	    vr->prompt, vr->size, vr->seconds)) != NULL)
		arena_defer(rl->r->a, cjson_text_free, vr->veo_body);
	if (vr->veo_body == NULL || (c->path = arena_strdup(rl->r->a, p)) ==
	    NULL)
		return -1;
	c->json = NULL;
	c->raw = vr->veo_body;
	c->raw_len = strlen(vr->veo_body);
	c->ctype = "application/json";
	return 0;
}

/* The client's error body for an upstream 4xx (malloc'd), or NULL. */
static char *
up_error(struct relay *rl, const struct buf *body)
{
	cJSON	*o, *m;
	char	*s;

	if (!vid_is_veo(rl->ch))
		return oa_error_masked(body->p, body->len);
	if ((o = gm_up_error(body->p, body->len)) == NULL)
		return NULL;
	m = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    o, "error"), "message");
	if (cJSON_IsString(m))
		oa_mask(m->valuestring);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* The upstream's answer to a creation as a VideoResource-ish object. */
static cJSON *
create_answer(struct relay *rl, const struct buf *body)
{
	char	 uri[VEO_URI_MAX + 1];
	cJSON	*u;

	if (!vid_is_veo(rl->ch))
		return cJSON_ParseWithLength(body->p, body->len);
	if ((u = veo_op_parse(body->p, body->len, 1, uri, sizeof(uri))) !=
	    NULL && uri[0] != '\0')
		cJSON_AddStringToObject(u, "veo_uri", uri);
	return u;
}

/* Validated request -> hold -> upstream job -> stored, charged task. */
static enum err
create(struct req *r, struct vid_req *vr)
{
	struct relay	*rl;
	struct relay_call c;
	struct buf	*body;
	cJSON		*u;
	char		*s;
	int		 status = 0;
	enum err	 e;

	if ((rl = arena_alloc(r->a, sizeof(*rl))) == NULL ||
	    (body = arena_alloc(r->a, sizeof(*body))) == NULL)
		return ERR_NOMEM;
	if ((e = relay_begin(rl, r, vr->model, 0)) != ERR_OK)
		return h_relay_refused(r, e, vr->model);
	if (rl->price.basis != BASIS_REQUEST)
		return h_bad_field(r, "model", "The model `%.128s` does not "
		    "generate videos.", vr->model);
	if ((e = relay_hold(rl, bill_units(&rl->price, r->key.group_ratio_u,
	    1))) != ERR_OK)
		return e;

	buf_init(body, VID_ANSWER_MAX);
	arena_defer(r->a, buf_free, body);
	memset(&c, 0, sizeof(c));
	c.path = "/v1/videos";
	c.json = vr->up;
	c.accept = "application/json";
	c.before = create_before;
	c.arg = vr;
	e = relay_call(rl, &c, body, &status);
	if (e != ERR_OK)
		return create_failed(rl, e, 0, NULL);
	if (status >= 400) {
		/* The client's fault (relay_call fails over on the others). */
		if ((s = up_error(rl, body)) == NULL)
			return create_failed(rl, ERR_UPSTREAM, 0, NULL);
		req_send_error_body(r, status, s, strlen(s));
		cJSON_free(s);
		create_failed(rl, ERR_OK, status, "upstream_client_error");
		return ERR_OK;
	}
	if (status != 200 || (u = create_answer(rl, body)) == NULL) {
		log_warn(r->rid, "channel %lld: unusable %d answer to a video "
		    "job", (long long)rl->ch->id, status);
		return create_failed(rl, ERR_UPSTREAM, 0, NULL);
	}
	arena_defer(r->a, h_cjson_delete, u);
	return create_store(rl, vr, u);
}

enum err
h_video_create(struct req *r)
{
	struct vid_req	 vr;
	const char	*ct = req_param(r, "CONTENT_TYPE");
	cJSON		*o;
	enum err	 e;

	if (ct != NULL && strncasecmp(ct, "multipart/form-data", 19) == 0) {
		if ((o = read_multipart(r, ct)) == NULL)
			return ERR_OK;
	} else {
		if ((e = req_read_body(r, (size_t)r->cfg->body_max_json)) !=
		    ERR_OK)
			return e;
		if ((o = h_parse_json_object(r)) == NULL)
			return ERR_OK;
	}
	if (check_videos(r, o, &vr) == -1)
		return ERR_OK;
	return create(r, &vr);
}

enum err
h_video_gen_create(struct req *r)
{
	struct vid_req	 vr;
	cJSON		*o;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if (check_generations(r, o, &vr) == -1)
		return ERR_OK;
	return create(r, &vr);
}
