/*
 * openai_video.c: the OpenAI video routes of the mock upstream:
 * POST /v1/videos (CreateVideoJsonBody -> VideoResource), GET
 * /v1/videos/{id} (VideoResource) and GET /v1/videos/{id}/content (the
 * bytes of a finished job).
 *
 * Jobs are asynchronous like OpenAI's: created "queued", "in_progress"
 * once a third of their run time has passed, then "completed" (or
 * "failed") after video_ms.  The gateway forwards neither headers nor
 * unknown metadata of its clients, so a test steers a job through its
 * prompt: a prompt starting with "[mock k=v k=v]" sets the controls below
 * (an unknown name or bad value is a 400 invalid_mock_control, as in
 * ctl.c).  Jobs live in a fixed ring of VID_MAX slots under one mutex;
 * the oldest is forgotten first.
 *
 *   video_ms	  0..3600000  run time until final (default 300)
 *   fail	  0 or 1      1: the job ends failed
 *   status	  400..599    POST answers this error (no job)
 *   poll_status  400..599    GET of the job answers this error
 *   bytes	  1..1048576  size of the content (default 64)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "openai.h"

#define VID_MAX		1024
#define VID_ID_MAX	48

struct vid_job {
	char	 id[VID_ID_MAX];
	char	 model[64];
	char	 size[16];
	char	 seconds[8];
	int64_t	 created_ms;
	long	 video_ms;
	long	 fail;
	long	 poll_status;
	long	 bytes;
};

struct vid_ctl {
	long	 video_ms;
	long	 fail;
	long	 status;
	long	 poll_status;
	long	 bytes;
};

static struct vid_job	 vid_jobs[VID_MAX];
static size_t		 vid_next;
static pthread_mutex_t	 vid_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_ullong	 vid_seq;

static const char *const vid_sizes[] = {
	"720x1280", "1280x720", "1024x1792", "1792x1024", NULL
};

static enum MHD_Result
vid_fail(struct mock_req *req, unsigned int status, const char *param,
    const char *code, const char *msg)
{
	cJSON	*doc;

	doc = oai_error_doc(status, param, code, msg);
	return mock_reply_json(req, status, doc, NULL);
}

/* Parses "[mock k=v ...]" at the start of prompt.  0, or -1 with msg. */
static int
vid_ctl_parse(const char *prompt, struct vid_ctl *c, char *msg,
    size_t msgsz)
{
	static const struct mock_ldef defs[] = {
		{ "video_ms", 0, 3600000, offsetof(struct vid_ctl, video_ms) },
		{ "fail", 0, 1, offsetof(struct vid_ctl, fail) },
		{ "status", 400, 599, offsetof(struct vid_ctl, status) },
		{ "poll_status", 400, 599,
		    offsetof(struct vid_ctl, poll_status) },
		{ "bytes", 1, 1048576, offsetof(struct vid_ctl, bytes) },
	};

	memset(c, 0, sizeof(*c));
	c->video_ms = 300;
	c->bytes = 64;
	return mock_prefix_parse(prompt, defs, sizeof(defs) / sizeof(defs[0]),
	    c, msg, msgsz);
}

/* Copies s into out (outsz) when it fits; else out is "". */
static void
vid_copy(char *out, size_t outsz, const char *s)
{
	if (s == NULL || strlen(s) >= outsz)
		out[0] = '\0';
	else
		memcpy(out, s, strlen(s) + 1);
}

/* The job's state now: status, progress, completed_at (0: none). */
static const char *
vid_state(const struct vid_job *j, long *progress, int64_t *done_s)
{
	int64_t	 el = mock_now_ms() - j->created_ms;

	*done_s = 0;
	if (el >= j->video_ms) {
		*progress = j->fail ? 40 : 100;
		*done_s = (j->created_ms + j->video_ms) / 1000;
		return j->fail ? "failed" : "completed";
	}
	*progress = (long)(el * 100 / (j->video_ms > 0 ? j->video_ms : 1));
	return el * 3 < j->video_ms ? "queued" : "in_progress";
}

/* VideoResource of j (openai-openapi.yaml). */
static cJSON *
vid_resource(const struct vid_job *j, const char *prompt)
{
	cJSON		*o, *e;
	const char	*st;
	long		 progress;
	int64_t		 done_s;

	st = vid_state(j, &progress, &done_s);
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", j->id);
	cJSON_AddStringToObject(o, "object", "video");
	cJSON_AddStringToObject(o, "model", j->model);
	cJSON_AddStringToObject(o, "status", st);
	cJSON_AddNumberToObject(o, "progress", (double)progress);
	cJSON_AddNumberToObject(o, "created_at",
	    (double)(j->created_ms / 1000));
	if (done_s != 0 && !j->fail) {
		cJSON_AddNumberToObject(o, "completed_at", (double)done_s);
		cJSON_AddNumberToObject(o, "expires_at",
		    (double)(done_s + 3600));
	} else {
		cJSON_AddNullToObject(o, "completed_at");
		cJSON_AddNullToObject(o, "expires_at");
	}
	if (prompt != NULL)
		cJSON_AddStringToObject(o, "prompt", prompt);
	else
		cJSON_AddNullToObject(o, "prompt");
	cJSON_AddStringToObject(o, "size", j->size);
	cJSON_AddStringToObject(o, "seconds", j->seconds);
	cJSON_AddNullToObject(o, "remixed_from_video_id");
	if (done_s != 0 && j->fail &&
	    (e = cJSON_AddObjectToObject(o, "error")) != NULL) {
		cJSON_AddStringToObject(e, "code", "video_generation_failed");
		cJSON_AddStringToObject(e, "message", "mock: the video "
		    "failed to render");
	} else
		cJSON_AddNullToObject(o, "error");
	return o;
}

/* Optional string member k of doc among allowed (NULL: any). */
static int
vid_opt_str(const cJSON *doc, const char *k, const char *const *allowed,
    const char **out, char *msg, size_t msgsz)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(doc, k);
	size_t		 i;

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v)) {
		snprintf(msg, msgsz, "Invalid type for '%s': expected a "
		    "string.", k);
		return -1;
	}
	for (i = 0; allowed != NULL && allowed[i] != NULL; i++)
		if (strcmp(v->valuestring, allowed[i]) == 0)
			break;
	if (allowed != NULL && allowed[i] == NULL) {
		snprintf(msg, msgsz, "Invalid value for '%s'.", k);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

enum MHD_Result
h_oai_video_create(struct mock_req *req)
{
	static const char *const secs[] = { "4", "5", "6", "8", "10", "12",
	    NULL };
	struct vid_job	 j;
	struct vid_ctl	 c;
	cJSON		*doc, *p, *res;
	const char	*model = "sora-2", *size = "720x1280", *sec = "4";
	char		 msg[256];
	enum MHD_Result	 ret;

	doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return vid_fail(req, 400, NULL, NULL, "The mock takes a JSON "
		    "object (CreateVideoJsonBody).");
	}
	p = cJSON_GetObjectItemCaseSensitive(doc, "prompt");
	if (!cJSON_IsString(p) || p->valuestring[0] == '\0') {
		cJSON_Delete(doc);
		return vid_fail(req, 400, "prompt", NULL, "Missing required "
		    "parameter: 'prompt'.");
	}
	if (vid_opt_str(doc, "model", NULL, &model, msg, sizeof(msg)) ==
	    -1 || vid_opt_str(doc, "size", vid_sizes, &size, msg,
	    sizeof(msg)) == -1 || vid_opt_str(doc, "seconds", secs, &sec,
	    msg, sizeof(msg)) == -1) {
		cJSON_Delete(doc);
		return vid_fail(req, 400, NULL, NULL, msg);
	}
	if (vid_ctl_parse(p->valuestring, &c, msg, sizeof(msg)) == -1) {
		cJSON_Delete(doc);
		return vid_fail(req, 400, NULL, "invalid_mock_control", msg);
	}
	if (c.status != 0) {
		cJSON_Delete(doc);
		snprintf(msg, sizeof(msg), "mock injected HTTP status %ld",
		    c.status);
		return vid_fail(req, (unsigned int)c.status, NULL, NULL, msg);
	}
	memset(&j, 0, sizeof(j));
	snprintf(j.id, sizeof(j.id), "video_mock%06x%010llu",
	    (unsigned int)getpid() & 0xffffff,
	    (unsigned long long)atomic_fetch_add(&vid_seq, 1));
	vid_copy(j.model, sizeof(j.model), model);
	vid_copy(j.size, sizeof(j.size), size);
	vid_copy(j.seconds, sizeof(j.seconds), sec);
	j.created_ms = mock_now_ms();
	j.video_ms = c.video_ms;
	j.fail = c.fail;
	j.poll_status = c.poll_status;
	j.bytes = c.bytes;
	pthread_mutex_lock(&vid_mu);
	vid_jobs[vid_next++ % VID_MAX] = j;
	pthread_mutex_unlock(&vid_mu);
	res = vid_resource(&j, p->valuestring);
	ret = mock_reply_json(req, 200, res, NULL);
	cJSON_Delete(doc);
	return ret;
}

/* Finds job id (copied into *out): 0, or -1 when unknown. */
static int
vid_find(const char *id, size_t idlen, struct vid_job *out)
{
	size_t	 i;
	int	 rc = -1;

	pthread_mutex_lock(&vid_mu);
	for (i = 0; i < VID_MAX; i++)
		if (vid_jobs[i].id[0] != '\0' &&
		    strlen(vid_jobs[i].id) == idlen &&
		    memcmp(vid_jobs[i].id, id, idlen) == 0) {
			*out = vid_jobs[i];
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&vid_mu);
	return rc;
}

/* The content: an MP4 "ftyp" box, then a fixed pattern, j->bytes long. */
static enum MHD_Result
vid_content(struct mock_req *req, const struct vid_job *j,
    const char *variant)
{
	static const char ftyp[] = "\0\0\0\x18" "ftypmp42\0\0\0\0mp42isom";
	static const char webp[] = "RIFF\0\0\0\0WEBPVP8 ";
	const char	*head = ftyp, *ctype = "video/mp4";
	size_t		 hlen = sizeof(ftyp) - 1, i;
	char		*b;
	enum MHD_Result	 ret;

	if (variant != NULL && strcmp(variant, "thumbnail") == 0) {
		head = webp;
		hlen = sizeof(webp) - 1;
		ctype = "image/webp";
	}
	if ((b = malloc((size_t)j->bytes)) == NULL)
		return vid_fail(req, 500, NULL, NULL, "mock out of memory");
	for (i = 0; i < (size_t)j->bytes; i++)
		b[i] = i < hlen ? head[i] : (char)('a' + i % 26);
	ret = mock_reply(req, 200, ctype, b, (size_t)j->bytes, NULL);
	free(b);
	return ret;
}

enum MHD_Result
h_oai_video_get(struct mock_req *req)
{
	const char	*id = req->path + strlen("/v1/videos/"), *slash;
	const char	*variant;
	struct vid_job	 j;
	char		 msg[256];
	long		 progress;
	int64_t		 done_s;
	size_t		 idlen;

	slash = strchr(id, '/');
	idlen = slash != NULL ? (size_t)(slash - id) : strlen(id);
	if ((slash != NULL && strcmp(slash, "/content") != 0) ||
	    vid_find(id, idlen, &j) == -1) {
		snprintf(msg, sizeof(msg), "Video with id '%.*s' not found.",
		    (int)(idlen > 100 ? 100 : idlen), id);
		return vid_fail(req, 404, NULL, "video_not_found", msg);
	}
	if (j.poll_status != 0) {
		snprintf(msg, sizeof(msg), "mock injected HTTP status %ld",
		    j.poll_status);
		return vid_fail(req, (unsigned int)j.poll_status, NULL, NULL,
		    msg);
	}
	if (slash == NULL)
		return mock_reply_json(req, 200, vid_resource(&j, NULL),
		    NULL);
	if (strcmp(vid_state(&j, &progress, &done_s), "completed") != 0)
		return vid_fail(req, 404, NULL, "video_not_ready", "Video is "
		    "not ready yet, use GET /v1/videos/{video_id} to check "
		    "status.");
	variant = MHD_lookup_connection_value(req->conn,
	    MHD_GET_ARGUMENT_KIND, "variant");
	return vid_content(req, &j, variant);
}
