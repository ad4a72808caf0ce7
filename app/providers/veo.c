/*
 * veo.c: the Gemini API's Veo long-running operations as JSON (veo.h):
 * the predictLongRunning request, the operation name we keep as a job's
 * upstream id, and the Operation answer read into the VideoResource
 * fields the video handlers store.  Owns nothing beyond its results;
 * no I/O, cJSON only.
 *
 * Wire format: ai.google.dev/gemini-api/docs/video (REST), Gemini API
 * reference "models.predictLongRunning" and "operations", the proto
 * google.ai.generativelanguage.v1beta.PredictLongRunningResponse
 * {generateVideoResponse {generatedSamples [Media {video {uri}}],
 * raiMediaFilteredCount, raiMediaFilteredReasons}} and google.rpc.Status
 * {code, message, details} for a failed operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "providers/veo.h"

#define VEO_SEG_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789._-"
#define VEO_MSG_MAX	1024

static const struct {
	const char	*size;
	const char	*aspect;
} veo_sizes[] = {
	{ "1280x720", "16:9" },
	{ "1792x1024", "16:9" },
	{ "720x1280", "9:16" },
	{ "1024x1792", "9:16" },
	{ NULL, NULL }
};

const char *
veo_aspect(const char *size)
{
	size_t	 i;

	if (size == NULL)
		return NULL;
	for (i = 0; veo_sizes[i].size != NULL; i++)
		if (strcmp(veo_sizes[i].size, size) == 0)
			return veo_sizes[i].aspect;
	return NULL;
}

/* n bytes of s form one path segment: [A-Za-z0-9._-]+, not . or .. */
static int
seg_ok(const char *s, size_t n)
{
	if (n == 0 || strspn(s, VEO_SEG_CHARS) < n)
		return 0;
	return !(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' &&
	    s[1] == '.');
}

int
veo_create_path(char *out, size_t outsz, const char *model)
{
	int	 n;

	if (outsz > 0)
		out[0] = '\0';
	if (model == NULL || !seg_ok(model, strlen(model)))
		return -1;
	n = snprintf(out, outsz, "/v1beta/models/%s:predictLongRunning",
	    model);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/* "1".."60" -> 1..60; -1 otherwise. */
static int
seconds_of(const char *s)
{
	size_t	 n = strlen(s);
	int	 v;

	if (n == 0 || n > 2 || s[0] == '0' ||
	    strspn(s, "0123456789") != n)
		return -1;
	v = n == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
	return v <= 60 ? v : -1;
}

char *
veo_create_body(const char *prompt, const char *size, const char *seconds)
{
	cJSON		*o, *in, *it, *par;
	const char	*ar = NULL;
	char		*s = NULL;
	int		 sec = 0;

	if (prompt == NULL || prompt[0] == '\0')
		return NULL;
	if (size != NULL && (ar = veo_aspect(size)) == NULL)
		return NULL;
	if (seconds != NULL && (sec = seconds_of(seconds)) == -1)
		return NULL;
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((in = cJSON_AddArrayToObject(o, "instances")) == NULL ||
	    (it = cJSON_CreateObject()) == NULL)
		goto out;
	cJSON_AddItemToArray(in, it);
	if (cJSON_AddStringToObject(it, "prompt", prompt) == NULL ||
	    (par = cJSON_AddObjectToObject(o, "parameters")) == NULL)
		goto out;
	if (ar != NULL && cJSON_AddStringToObject(par, "aspectRatio", ar) ==
	    NULL)
		goto out;
	if (sec > 0 && cJSON_AddNumberToObject(par, "durationSeconds",
	    sec) == NULL)
		goto out;
	if (cJSON_AddNumberToObject(par, "sampleCount", 1) == NULL)
		goto out;
	s = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return s;
}

int
veo_op_name_ok(const char *name)
{
	const char	*p = name, *q;
	size_t		 n;

	if (name == NULL || (n = strlen(name)) == 0 || n > VEO_NAME_MAX)
		return 0;
	if (strncmp(p, "models/", 7) == 0) {
		p += 7;
		if ((q = strchr(p, '/')) == NULL || !seg_ok(p, (size_t)(q - p)))
			return 0;
		p = q + 1;
	}
	if (strncmp(p, "operations/", 11) != 0)
		return 0;
	p += 11;
	return strchr(p, '/') == NULL && seg_ok(p, strlen(p));
}

/* The first sample's video uri, or NULL. */
static const char *
sample_uri(const cJSON *resp)
{
	const cJSON	*g, *s, *v, *u;

	g = cJSON_GetObjectItemCaseSensitive(resp, "generateVideoResponse");
	s = cJSON_GetObjectItemCaseSensitive(g, "generatedSamples");
	if (!cJSON_IsArray(s))
		return NULL;
	cJSON_ArrayForEach(v, s) {
		u = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(v, "video"), "uri");
		if (cJSON_IsString(u) && u->valuestring[0] != '\0')
			return u->valuestring;
	}
	return NULL;
}

/* Sets o.error to {code, message (cut to VEO_MSG_MAX bytes)}. */
static int
set_error(cJSON *o, const char *code, const char *msg)
{
	cJSON	*e;
	char	 m[VEO_MSG_MAX + 1];
	size_t	 n = strlen(msg);

	if (n > VEO_MSG_MAX) {
		n = VEO_MSG_MAX;
		while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(m, msg, n);
	m[n] = '\0';
	if ((e = cJSON_AddObjectToObject(o, "error")) == NULL ||
	    cJSON_AddStringToObject(e, "code", code) == NULL ||
	    cJSON_AddStringToObject(e, "message", m) == NULL)
		return -1;
	return 0;
}

/* The final state of a done operation into o; 0 or -1. */
static int
done_state(cJSON *o, const cJSON *op, char *uri, size_t urisz)
{
	const cJSON	*err, *m, *resp, *rs;
	const char	*u;
	char		 msg[VEO_MSG_MAX + 1];

	err = cJSON_GetObjectItemCaseSensitive(op, "error");
	if (err != NULL && !cJSON_IsNull(err)) {
		if (!cJSON_IsObject(err))
			return -1;
		m = cJSON_GetObjectItemCaseSensitive(err, "message");
		cJSON_AddStringToObject(o, "status", "failed");
		return set_error(o, "video_generation_failed",
		    cJSON_IsString(m) && m->valuestring[0] != '\0' ?
		    m->valuestring : "The upstream provider reported a "
		    "failure.");
	}
	resp = cJSON_GetObjectItemCaseSensitive(op, "response");
	if (resp != NULL && !cJSON_IsObject(resp))
		return -1;
	u = sample_uri(resp);
	if (u != NULL && strlen(u) < urisz && strlen(u) <= VEO_URI_MAX) {
		memcpy(uri, u, strlen(u) + 1);
		cJSON_AddStringToObject(o, "status", "completed");
		cJSON_AddNumberToObject(o, "progress", 100);
		cJSON_AddNullToObject(o, "error");
		return 0;
	}
	cJSON_AddStringToObject(o, "status", "failed");
	rs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    resp, "generateVideoResponse"), "raiMediaFilteredReasons");
	rs = cJSON_IsArray(rs) ? cJSON_GetArrayItem(rs, 0) : NULL;
	snprintf(msg, sizeof(msg), "The upstream provider finished without a "
	    "video%s%s", cJSON_IsString(rs) ? ": " : ".",
	    cJSON_IsString(rs) ? rs->valuestring : "");
	return set_error(o, "video_no_sample", msg);
}

cJSON *
veo_op_parse(const char *p, size_t n, int created, char *uri, size_t urisz)
{
	cJSON		*op, *o = NULL;
	const cJSON	*name, *done;
	int		 rc = -1;

	if (uri == NULL || urisz == 0)
		return NULL;
	uri[0] = '\0';
	if (p == NULL || (op = cJSON_ParseWithLength(p, n)) == NULL)
		return NULL;
	name = cJSON_GetObjectItemCaseSensitive(op, "name");
	done = cJSON_GetObjectItemCaseSensitive(op, "done");
	if (!cJSON_IsObject(op) || !cJSON_IsString(name) ||
	    !veo_op_name_ok(name->valuestring) ||
	    (done != NULL && !cJSON_IsBool(done)) ||
	    (o = cJSON_CreateObject()) == NULL)
		goto out;
	if (cJSON_AddStringToObject(o, "id", name->valuestring) == NULL)
		goto out;
	if (cJSON_IsTrue(done))
		rc = done_state(o, op, uri, urisz);
	else {
		cJSON_AddStringToObject(o, "status", created ? "queued" :
		    "in_progress");
		cJSON_AddNullToObject(o, "error");
		rc = 0;
	}
out:
	cJSON_Delete(op);
	if (rc == -1) {
		cJSON_Delete(o);
		uri[0] = '\0';
		return NULL;
	}
	return o;
}

const char *
veo_uri_path(const char *base, const char *uri)
{
	size_t	 n, i;

	if (base == NULL || uri == NULL)
		return NULL;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n == 0 || strncmp(base, uri, n) != 0 || uri[n] != '/')
		return NULL;
	for (i = n; uri[i] != '\0'; i++)
		if ((unsigned char)uri[i] <= 0x20 ||
		    (unsigned char)uri[i] >= 0x7f)
			return NULL;
	if (i > VEO_URI_MAX)
		return NULL;
	return uri + n;
}
