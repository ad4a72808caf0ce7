/*
 * gemini_veo.c: Veo video jobs of the mock's Gemini provider, as
 * Google's long-running operations (Gemini API "Generate videos with
 * Veo", REST):
 *
 *   POST /v1beta/models/{m}:predictLongRunning
 *        {"instances":[{"prompt"}],"parameters":{...}} -> {"name":
 *        "models/{m}/operations/{id}"}
 *   GET  /v1beta/models/{m}/operations/{id} -> {"name","done":false}
 *        for the first `polls` reads, then {"name","done":true,
 *        "response":{"@type",...,"generateVideoResponse":
 *        {"generatedSamples":[{"video":{"uri"}}]}}} or, with fail=1,
 *        {"name","done":true,"error":{"code":13,"message"}}
 *   GET  /v1beta/files/{id}:download?alt=media -> the video bytes
 *        (video/mp4), behind the same API key, on this host; or, as
 *        Google's files do, a redirect to where the bytes are:
 *   GET  /_storage/veo/{id} -> the bytes, without a key, on "another
 *        host" (the same port under the other of 127.0.0.1 and
 *        localhost), as storage a download redirects to
 *
 * As in openai_video.c the job is steered by a "[mock k=v ...]" prefix
 * of the prompt (the gateway forwards no client headers):
 *
 *   polls	0..1000	    reads answering done:false (default 1)
 *   fail	0 or 1	    1: the operation ends with an error
 *   status	400..599    predictLongRunning answers this error (no job)
 *   bytes	1..1048576  size of the video (default 64)
 *   redirect	0..9	    hops before the bytes (default 0): the first
 *			    redirect-1 are 307s to the same download URL
 *			    (&hop=k, key still required), the last a 302 to
 *			    /_storage/veo/{id} on the other host
 *
 * Jobs live in a fixed ring of VEO_MAX slots under one mutex.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gemini.h"

#define VEO_MAX		256
#define VEO_ID_MAX	40

struct veo_job {
	char	 id[VEO_ID_MAX];
	char	 model[64];
	long	 polls;		/* done:false answers left */
	long	 fail;
	long	 bytes;
	long	 redirect;
};

struct veo_ctl {
	long	 polls;
	long	 fail;
	long	 status;
	long	 bytes;
	long	 redirect;
};

static struct veo_job	 veo_jobs[VEO_MAX];
static size_t		 veo_next;
static pthread_mutex_t	 veo_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_ullong	 veo_seq;

static enum MHD_Result
veo_fail(struct mock_req *req, unsigned int status, const char *msg)
{
	return mock_reply_json(req, status, gm_error_doc(status, msg), NULL);
}

/* Parses "[mock k=v ...]" at the start of prompt.  0, or -1 with msg. */
static int
veo_ctl_parse(const char *prompt, struct veo_ctl *c, char *msg,
    size_t msgsz)
{
	static const struct mock_ldef defs[] = {
		{ "polls", 0, 1000, offsetof(struct veo_ctl, polls) },
		{ "fail", 0, 1, offsetof(struct veo_ctl, fail) },
		{ "status", 400, 599, offsetof(struct veo_ctl, status) },
		{ "bytes", 1, 1048576, offsetof(struct veo_ctl, bytes) },
		{ "redirect", 0, 9, offsetof(struct veo_ctl, redirect) },
	};

	memset(c, 0, sizeof(*c));
	c->polls = 1;
	c->bytes = 64;
	return mock_prefix_parse(prompt, defs, sizeof(defs) / sizeof(defs[0]),
	    c, msg, msgsz);
}

/* Refuses members of o not in names, in Google's words.  0 or -1. */
static int
veo_only(const cJSON *o, const char *at, const char *const *names,
    char *msg, size_t msgsz)
{
	const cJSON	*v;
	size_t		 i;

	cJSON_ArrayForEach(v, o) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(v->string, names[i]) == 0)
				break;
		if (names[i] == NULL) {
			snprintf(msg, msgsz, "Invalid JSON payload received. "
			    "Unknown name \"%.64s\"%s%s: Cannot find field.",
			    v->string, at[0] != '\0' ? " at " : "", at);
			return -1;
		}
	}
	return 0;
}

/* The request body as Veo takes it; the prompt in *prompt.  0 or -1. */
static int
veo_check(const cJSON *doc, const char **prompt, char *msg, size_t msgsz)
{
	static const char *const top[] = { "instances", "parameters", NULL };
	static const char *const inst[] = { "prompt", "image", NULL };
	static const char *const pars[] = { "aspectRatio", "durationSeconds",
	    "sampleCount", "negativePrompt", "personGeneration",
	    "enhancePrompt", "seed", NULL };
	const cJSON	*in, *it, *pr, *par, *v;

	if (!cJSON_IsObject(doc)) {
		snprintf(msg, msgsz, "Invalid JSON payload received. Expected "
		    "an object.");
		return -1;
	}
	if (veo_only(doc, "", top, msg, msgsz) == -1)
		return -1;
	in = cJSON_GetObjectItemCaseSensitive(doc, "instances");
	it = cJSON_GetArrayItem(in, 0);
	if (!cJSON_IsArray(in) || cJSON_GetArraySize(in) != 1 ||
	    !cJSON_IsObject(it)) {
		snprintf(msg, msgsz, "* instances: exactly one instance "
		    "object is required.");
		return -1;
	}
	if (veo_only(it, "'instances[0]'", inst, msg, msgsz) == -1)
		return -1;
	pr = cJSON_GetObjectItemCaseSensitive(it, "prompt");
	if (!cJSON_IsString(pr) || pr->valuestring[0] == '\0') {
		snprintf(msg, msgsz, "* instances[0].prompt: a non-empty "
		    "string is required.");
		return -1;
	}
	*prompt = pr->valuestring;
	par = cJSON_GetObjectItemCaseSensitive(doc, "parameters");
	if (par == NULL)
		return 0;
	if (!cJSON_IsObject(par) || veo_only(par, "'parameters'", pars, msg,
	    msgsz) == -1) {
		if (!cJSON_IsObject(par))
			snprintf(msg, msgsz, "* parameters: an object is "
			    "required.");
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(par, "aspectRatio");
	if (v != NULL && (!cJSON_IsString(v) || (strcmp(v->valuestring,
	    "16:9") != 0 && strcmp(v->valuestring, "9:16") != 0))) {
		snprintf(msg, msgsz, "aspectRatio must be 16:9 or 9:16.");
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(par, "durationSeconds");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 5 ||
	    v->valuedouble > 8 || v->valuedouble != (double)(int)
	    v->valuedouble)) {
		snprintf(msg, msgsz, "durationSeconds must be a whole number "
		    "from 5 to 8.");
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(par, "sampleCount");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
	    v->valuedouble > 2 || v->valuedouble != (double)(int)
	    v->valuedouble)) {
		snprintf(msg, msgsz, "sampleCount must be 1 or 2.");
		return -1;
	}
	return 0;
}

enum MHD_Result
gm_veo_create(struct mock_req *req, const char *model)
{
	struct veo_job	 j;
	struct veo_ctl	 c;
	cJSON		*doc, *out;
	const char	*prompt = NULL;
	char		 msg[256], name[160];
	enum MHD_Result	 ret;

	doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	if (veo_check(doc, &prompt, msg, sizeof(msg)) == -1 ||
	    veo_ctl_parse(prompt, &c, msg, sizeof(msg)) == -1) {
		cJSON_Delete(doc);
		return veo_fail(req, 400, msg);
	}
	cJSON_Delete(doc);
	if (c.status != 0) {
		snprintf(msg, sizeof(msg), "mock injected HTTP status %ld",
		    c.status);
		return veo_fail(req, (unsigned int)c.status, msg);
	}
	if (strlen(model) >= sizeof(j.model))
		return veo_fail(req, 400, "model name too long");
	memset(&j, 0, sizeof(j));
	snprintf(j.id, sizeof(j.id), "mockop%06x%010llu",
	    (unsigned int)getpid() & 0xffffff,
	    (unsigned long long)atomic_fetch_add(&veo_seq, 1));
	memcpy(j.model, model, strlen(model) + 1);
	j.polls = c.polls;
	j.fail = c.fail;
	j.bytes = c.bytes;
	j.redirect = c.redirect;
	pthread_mutex_lock(&veo_mu);
	veo_jobs[veo_next++ % VEO_MAX] = j;
	pthread_mutex_unlock(&veo_mu);
	snprintf(name, sizeof(name), "models/%s/operations/%s", j.model,
	    j.id);
	if ((out = cJSON_CreateObject()) != NULL)
		cJSON_AddStringToObject(out, "name", name);
	ret = mock_reply_json(req, 200, out, NULL);
	return ret;
}

/*
 * Finds job id (n bytes) of model (NULL: any), copies it into *out and,
 * when count, uses up one of its done:false answers.  0 or -1.
 */
static int
veo_find(const char *id, size_t n, const char *model, int count,
    struct veo_job *out, int *running)
{
	size_t	 i;
	int	 rc = -1;

	pthread_mutex_lock(&veo_mu);
	for (i = 0; i < VEO_MAX; i++) {
		if (veo_jobs[i].id[0] == '\0' || strlen(veo_jobs[i].id) != n ||
		    memcmp(veo_jobs[i].id, id, n) != 0 || (model != NULL &&
		    strcmp(veo_jobs[i].model, model) != 0))
			continue;
		*running = veo_jobs[i].polls > 0;
		if (count && veo_jobs[i].polls > 0)
			veo_jobs[i].polls--;
		*out = veo_jobs[i];
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&veo_mu);
	return rc;
}

/* GET /v1beta/models/{m}/operations/{id}; rest is "{m}/operations/..". */
enum MHD_Result
gm_veo_op(struct mock_req *req, const char *rest)
{
	const char	*op = strstr(rest, "/operations/"), *host;
	struct veo_job	 j;
	cJSON		*o, *r, *g, *s, *it, *v, *e;
	char		 model[64], name[160], uri[400], msg[200];
	int		 running;

	if (op == NULL || (size_t)(op - rest) >= sizeof(model))
		return veo_fail(req, 404, "Requested entity was not found.");
	memcpy(model, rest, (size_t)(op - rest));
	model[op - rest] = '\0';
	op += strlen("/operations/");
	if (veo_find(op, strlen(op), model, 1, &j, &running) == -1) {
		snprintf(msg, sizeof(msg), "Operation models/%.60s/operations/"
		    "%.60s not found.", model, op);
		return veo_fail(req, 404, msg);
	}
	snprintf(name, sizeof(name), "models/%s/operations/%s", j.model,
	    j.id);
	if ((o = cJSON_CreateObject()) == NULL)
		return veo_fail(req, 500, "mock out of memory");
	cJSON_AddStringToObject(o, "name", name);
	if (running) {
		cJSON_AddFalseToObject(o, "done");
		return mock_reply_json(req, 200, o, NULL);
	}
	cJSON_AddTrueToObject(o, "done");
	if (j.fail) {
		if ((e = cJSON_AddObjectToObject(o, "error")) != NULL) {
			cJSON_AddNumberToObject(e, "code", 13);
			cJSON_AddStringToObject(e, "message", "mock: the video "
			    "failed to render");
		}
		return mock_reply_json(req, 200, o, NULL);
	}
	host = mock_header(req, "host");
	snprintf(uri, sizeof(uri), "http://%.200s/v1beta/files/%s:download"
	    "?alt=media", host != NULL ? host : "127.0.0.1", j.id);
	if ((r = cJSON_AddObjectToObject(o, "response")) != NULL &&
	    (g = cJSON_AddObjectToObject(r, "generateVideoResponse")) !=
	    NULL && (s = cJSON_AddArrayToObject(g, "generatedSamples")) !=
	    NULL && (it = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(r, "@type", "type.googleapis.com/"
		    "google.ai.generativelanguage.v1beta."
		    "PredictLongRunningResponse");
		cJSON_AddItemToArray(s, it);
		if ((v = cJSON_AddObjectToObject(it, "video")) != NULL)
			cJSON_AddStringToObject(v, "uri", uri);
	}
	return mock_reply_json(req, 200, o, NULL);
}

/* The video of job j: an MP4 "ftyp" box, then a pattern. */
static enum MHD_Result
veo_bytes(struct mock_req *req, const struct veo_job *j)
{
	static const char ftyp[] = "\0\0\0\x18" "ftypmp42\0\0\0\0mp42isom";
	char		*b;
	size_t		 i;
	enum MHD_Result	 ret;

	if ((b = malloc((size_t)j->bytes)) == NULL)
		return veo_fail(req, 500, "mock out of memory");
	for (i = 0; i < (size_t)j->bytes; i++)
		b[i] = i < sizeof(ftyp) - 1 ? ftyp[i] : (char)('A' + i % 23);
	ret = mock_reply(req, 200, "video/mp4", b, (size_t)j->bytes, NULL);
	free(b);
	return ret;
}

/*
 * Hop `hop` (1-based) of job j's download: a 307 to the next hop on this
 * host, or for the last one a 302 to the storage path on the other host.
 */
static enum MHD_Result
veo_redirect(struct mock_req *req, const struct veo_job *j, long hop)
{
	const char	*host = mock_header(req, "host"), *port;
	const char	*hdrs[3] = { "Location", NULL, NULL };
	char		 loc[400];

	if (host == NULL)
		host = "127.0.0.1";
	if (hop < j->redirect)
		snprintf(loc, sizeof(loc), "http://%.200s/v1beta/files/%s:"
		    "download?alt=media&hop=%ld", host, j->id, hop);
	else {
		port = strrchr(host, ':');
		snprintf(loc, sizeof(loc), "http://%s%s/_storage/veo/%s",
		    strncmp(host, "localhost", 9) == 0 ? "127.0.0.1" :
		    "localhost", port != NULL ? port : "", j->id);
	}
	hdrs[1] = loc;
	return mock_reply(req, hop < j->redirect ? 307 : 302, "text/html",
	    "", 0, hdrs);
}

/* GET /v1beta/files/{id}:download: the bytes, or a redirect hop. */
enum MHD_Result
gm_veo_file(struct mock_req *req)
{
	const char	*id = req->path + strlen("/v1beta/files/");
	const char	*colon = strchr(id, ':'), *hop = mock_query(req, "hop");
	struct veo_job	 j;
	long		 done = hop != NULL ? strtol(hop, NULL, 10) : 0;
	int		 running;

	if (colon == NULL || strcmp(colon, ":download") != 0 ||
	    veo_find(id, (size_t)(colon - id), NULL, 0, &j, &running) == -1 ||
	    running || j.fail)
		return veo_fail(req, 404, "Requested entity was not found.");
	if (done < 0 || done > 9)
		return veo_fail(req, 400, "hop: 0..9");
	if (j.redirect > done)
		return veo_redirect(req, &j, done + 1);
	return veo_bytes(req, &j);
}

/* GET /_storage/veo/{id}: the "storage" end of a redirect, no key. */
static enum MHD_Result
gm_veo_storage(struct mock_req *req)
{
	const char	*id = req->path + strlen("/_storage/veo/");
	struct veo_job	 j;
	int		 running;

	if (veo_find(id, strlen(id), NULL, 0, &j, &running) == -1 ||
	    running || j.fail || j.redirect == 0)
		return veo_fail(req, 404, "Requested entity was not found.");
	return veo_bytes(req, &j);
}

static const struct mock_route storage_routes[] = {
	{ "GET", "/_storage/veo/", 1, gm_veo_storage },
	{ NULL, NULL, 0, NULL }
};

/* Storage asks for no key (a real one signs its URLs instead). */
const struct mock_provider gm_storage_provider = {
	"storage",
	"/_storage/",
	storage_routes,
	NULL,
	veo_fail
};
