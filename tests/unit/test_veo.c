/*
 * test_veo.c: app/providers/veo.c, the JSON of Veo jobs on gemini
 * channels: aspect ratios, the predictLongRunning path and body, the
 * operation names kept as upstream ids (they go into URL paths), the
 * Operation answers read into VideoResource fields, and the check that
 * a sample's uri lies under the channel's base URL (the key goes with
 * it).  Tables; malformed inputs outnumber good ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "providers/veo.h"
#include "t.h"

static const struct namecase {
	int		 ok;
	const char	*name;
} names[] = {
	{ 1, "models/veo-2/operations/abc123" },
	{ 1, "models/veo-2.0-generate-001/operations/x_y-z.1" },
	{ 1, "operations/abc" },
	{ 0, "" },
	{ 0, "abc" },
	{ 0, "models/veo-2" },
	{ 0, "models/veo-2/operations/" },
	{ 0, "models//operations/x" },
	{ 0, "models/veo-2/operations/a/b" },
	{ 0, "models/../operations/x" },
	{ 0, "models/veo-2/operations/.." },
	{ 0, "models/veo-2/operations/." },
	{ 0, "models/veo-2/operations/a?b" },
	{ 0, "models/veo-2/operations/a b" },
	{ 0, "models/veo-2/operations/a%2Fb" },
	{ 0, "models/veo-2/operations/a\nb" },
	{ 0, "models/veo 2/operations/a" },
	{ 0, "/models/veo-2/operations/a" },
	{ 0, "models/veo-2/files/a" },
	{ 0, "Models/veo-2/operations/a" },
	{ 0, "models/veo-2/operations/a#b" },
	{ 0, "models/veo-2/operations/\xc3\xa9" },
};

/* Operation answers: want NULL (""), or the status and the uri. */
static const struct opcase {
	const char	*json;
	int		 created;
	const char	*status;	/* "" : NULL expected */
	const char	*uri;
	const char	*code;		/* error code, NULL: none */
} ops[] = {
	{ "{\"name\":\"models/veo-2/operations/a1\"}", 1, "queued", "",
	    NULL },
	{ "{\"name\":\"models/veo-2/operations/a1\",\"done\":false}", 0,
	    "in_progress", "", NULL },
	{ "{\"name\":\"models/veo-2/operations/a1\",\"done\":true,"
	    "\"response\":{\"@type\":\"type.googleapis.com/google.ai."
	    "generativelanguage.v1beta.PredictLongRunningResponse\","
	    "\"generateVideoResponse\":{\"generatedSamples\":[{\"video\":"
	    "{\"uri\":\"https://h/v1beta/files/f:download?alt=media\"}}]}}}",
	    0, "completed", "https://h/v1beta/files/f:download?alt=media",
	    NULL },
	{ "{\"name\":\"operations/a1\",\"done\":true,\"error\":{\"code\":3,"
	    "\"message\":\"bad prompt\"}}", 0, "failed", "",
	    "video_generation_failed" },
	{ "{\"name\":\"operations/a1\",\"done\":true,\"error\":{}}", 0,
	    "failed", "", "video_generation_failed" },
	{ "{\"name\":\"operations/a1\",\"done\":true,\"response\":"
	    "{\"generateVideoResponse\":{\"raiMediaFilteredCount\":1,"
	    "\"raiMediaFilteredReasons\":[\"filtered\"]}}}", 0, "failed", "",
	    "video_no_sample" },
	{ "{\"name\":\"operations/a1\",\"done\":true}", 0, "failed", "",
	    "video_no_sample" },
	{ "{\"name\":\"operations/a1\",\"done\":true,\"response\":"
	    "{\"generateVideoResponse\":{\"generatedSamples\":[{\"video\":"
	    "{\"uri\":\"\"}},{\"video\":{\"uri\":7}}]}}}", 0, "failed", "",
	    "video_no_sample" },
	/* Malformed: NULL. */
	{ "", 0, "", "", NULL },
	{ "[]", 0, "", "", NULL },
	{ "null", 0, "", "", NULL },
	{ "\"operations/a1\"", 0, "", "", NULL },
	{ "{}", 0, "", "", NULL },
	{ "{\"name\":7}", 0, "", "", NULL },
	{ "{\"name\":\"\"}", 0, "", "", NULL },
	{ "{\"name\":\"operations/../x\"}", 0, "", "", NULL },
	{ "{\"name\":\"v1/videos/x\"}", 0, "", "", NULL },
	{ "{\"name\":\"operations/a1\",\"done\":\"true\"}", 0, "", "", NULL },
	{ "{\"name\":\"operations/a1\",\"done\":1}", 0, "", "", NULL },
	{ "{\"name\":\"operations/a1\",\"done\":true,\"error\":\"x\"}", 0,
	    "", "", NULL },
	{ "{\"name\":\"operations/a1\",\"done\":true,\"response\":[]}", 0,
	    "", "", NULL },
	{ "{\"name\":\"operations/a1\",\"done\":true", 0, "", "", NULL },
	{ "{\"error\":{\"code\":404,\"message\":\"gone\"}}", 0, "", "",
	    NULL },
};

static const struct uricase {
	const char	*base;
	const char	*uri;
	const char	*path;		/* NULL: refused */
} uris[] = {
	{ "http://127.0.0.1:9", "http://127.0.0.1:9/v1beta/files/f:download"
	    "?alt=media", "/v1beta/files/f:download?alt=media" },
	{ "https://g.example/", "https://g.example/v1beta/files/x",
	    "/v1beta/files/x" },
	{ "https://g.example/proxy", "https://g.example/proxy/f", "/f" },
	{ "http://127.0.0.1:9", "http://127.0.0.1:90/v1beta/files/f", NULL },
	{ "http://127.0.0.1:9", "http://evil.example/f", NULL },
	{ "http://127.0.0.1:9", "http://127.0.0.1:9@evil.example/f", NULL },
	{ "http://127.0.0.1:9", "https://127.0.0.1:9/f", NULL },
	{ "http://127.0.0.1:9", "http://127.0.0.1:9", NULL },
	{ "http://127.0.0.1:9", "http://127.0.0.1:9/a b", NULL },
	{ "http://127.0.0.1:9", "http://127.0.0.1:9/a\r\nX: y", NULL },
	{ "http://127.0.0.1:9", "http://127.0.0.1:9/\xc3\xa9", NULL },
	{ "http://127.0.0.1:9", "", NULL },
	{ "", "http://127.0.0.1:9/f", NULL },
	{ "https://g.example/proxy", "https://g.example/proxyx/f", NULL },
};

static void
test_aspect_and_path(void)
{
	char	 p[128];
	char	 small[20];

	T_OK(strcmp(veo_aspect("1280x720"), "16:9") == 0, "1280x720 16:9");
	T_OK(strcmp(veo_aspect("1792x1024"), "16:9") == 0, "1792x1024 16:9");
	T_OK(strcmp(veo_aspect("720x1280"), "9:16") == 0, "720x1280 9:16");
	T_OK(strcmp(veo_aspect("1024x1792"), "9:16") == 0, "1024x1792 9:16");
	T_OK(veo_aspect("1024x1024") == NULL, "1024x1024 none");
	T_OK(veo_aspect("") == NULL, "empty size none");
	T_OK(veo_aspect(NULL) == NULL, "NULL size none");
	T_OK(veo_aspect("1280x720 ") == NULL, "trailing space none");

	T_OK(veo_create_path(p, sizeof(p), "veo-2") == 0 &&
	    strcmp(p, "/v1beta/models/veo-2:predictLongRunning") == 0,
	    "create path");
	T_OK(veo_create_path(p, sizeof(p), "") == -1 && p[0] == '\0',
	    "empty model refused");
	T_OK(veo_create_path(p, sizeof(p), NULL) == -1, "NULL model refused");
	T_OK(veo_create_path(p, sizeof(p), "a/b") == -1, "slash refused");
	T_OK(veo_create_path(p, sizeof(p), "..") == -1, "dotdot refused");
	T_OK(veo_create_path(p, sizeof(p), "veo:x") == -1, "colon refused");
	T_OK(veo_create_path(p, sizeof(p), "veo 2") == -1, "space refused");
	T_OK(veo_create_path(small, sizeof(small), "veo-2") == -1 &&
	    small[0] == '\0', "too small refused");
}

static void
test_body(void)
{
	cJSON		*o, *par;
	char		*s;
	const char	*bad[][3] = {
		{ "", "1280x720", "8" },
		{ "p", "1024x1024", "8" },
		{ "p", "1280x720", "0" },
		{ "p", "1280x720", "61" },
		{ "p", "1280x720", "08" },
		{ "p", "1280x720", "8s" },
		{ "p", "1280x720", "" },
		{ "p", "", NULL },
	};
	size_t		 i;

	s = veo_create_body("a cat", "1280x720", "8");
	o = s != NULL ? cJSON_Parse(s) : NULL;
	par = cJSON_GetObjectItemCaseSensitive(o, "parameters");
	T_OK(o != NULL && strcmp(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o,
	    "instances"), 0), "prompt")->valuestring, "a cat") == 0,
	    "body: instances[0].prompt");
	T_OK(par != NULL && strcmp(cJSON_GetObjectItemCaseSensitive(par,
	    "aspectRatio")->valuestring, "16:9") == 0, "body: aspectRatio");
	T_OK(par != NULL && cJSON_GetObjectItemCaseSensitive(par,
	    "durationSeconds")->valuedouble == 8, "body: durationSeconds");
	T_OK(par != NULL && cJSON_GetObjectItemCaseSensitive(par,
	    "sampleCount")->valuedouble == 1, "body: sampleCount");
	T_OK(o != NULL && cJSON_GetArraySize(o) == 2, "body: two members");
	cJSON_Delete(o);
	cJSON_free(s);

	s = veo_create_body("x", NULL, NULL);
	T_OK(s != NULL && strcmp(s, "{\"instances\":[{\"prompt\":\"x\"}],"
	    "\"parameters\":{\"sampleCount\":1}}") == 0,
	    "body without size and seconds: %s", s != NULL ? s : "NULL");
	cJSON_free(s);
	s = veo_create_body("x", "720x1280", NULL);
	T_OK(s != NULL && strstr(s, "\"aspectRatio\":\"9:16\"") != NULL,
	    "body 9:16");
	cJSON_free(s);
	T_OK(veo_create_body(NULL, NULL, NULL) == NULL, "NULL prompt refused");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_OK(veo_create_body(bad[i][0], bad[i][1], bad[i][2]) == NULL,
		    "body refused: '%s' '%s' '%s'", bad[i][0], bad[i][1],
		    bad[i][2] != NULL ? bad[i][2] : "NULL");
}

static void
test_ops(void)
{
	const cJSON	*st, *e, *code;
	cJSON		*o;
	char		 uri[VEO_URI_MAX + 1];
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		T_OK(veo_op_name_ok(names[i].name) == names[i].ok,
		    "op name %zu %s", i, names[i].ok ? "ok" : "refused");
	T_OK(veo_op_name_ok(NULL) == 0, "NULL op name refused");

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		memset(uri, 'x', sizeof(uri));
		o = veo_op_parse(ops[i].json, strlen(ops[i].json),
		    ops[i].created, uri, sizeof(uri));
		if (ops[i].status[0] == '\0') {
			T_OK(o == NULL && uri[0] == '\0', "op %zu refused",
			    i);
			cJSON_Delete(o);
			continue;
		}
		st = cJSON_GetObjectItemCaseSensitive(o, "status");
		e = cJSON_GetObjectItemCaseSensitive(o, "error");
		code = cJSON_GetObjectItemCaseSensitive(e, "code");
		T_OK(cJSON_IsString(st) && strcmp(st->valuestring,
		    ops[i].status) == 0 && strcmp(uri, ops[i].uri) == 0 &&
		    (ops[i].code == NULL ? cJSON_IsNull(e) :
		    cJSON_IsString(code) && strcmp(code->valuestring,
		    ops[i].code) == 0) && cJSON_IsString(
		    cJSON_GetObjectItemCaseSensitive(o, "id")),
		    "op %zu -> %s", i, ops[i].status);
		cJSON_Delete(o);
	}
	/* A uri that does not fit is no sample. */
	o = veo_op_parse(ops[2].json, strlen(ops[2].json), 0, uri, 10);
	st = cJSON_GetObjectItemCaseSensitive(o, "status");
	T_OK(cJSON_IsString(st) && strcmp(st->valuestring, "failed") == 0 &&
	    uri[0] == '\0', "uri longer than the buffer: failed, no uri");
	cJSON_Delete(o);
	T_OK(veo_op_parse(ops[0].json, strlen(ops[0].json), 0, NULL, 10) ==
	    NULL, "NULL uri buffer refused");
	T_OK(veo_op_parse(NULL, 0, 0, uri, sizeof(uri)) == NULL,
	    "NULL answer refused");
	/* Cut answer: only n bytes are read. */
	T_OK(veo_op_parse(ops[0].json, 10, 0, uri, sizeof(uri)) == NULL,
	    "answer cut at n refused");
}

static void
test_uris(void)
{
	const char	*p;
	size_t		 i;

	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		p = veo_uri_path(uris[i].base, uris[i].uri);
		T_OK(uris[i].path == NULL ? p == NULL : p != NULL &&
		    strcmp(p, uris[i].path) == 0, "uri %zu %s", i,
		    uris[i].path != NULL ? "under base" : "refused");
	}
	T_OK(veo_uri_path(NULL, "http://x/f") == NULL, "NULL base refused");
	T_OK(veo_uri_path("http://x", NULL) == NULL, "NULL uri refused");
}

int
main(void)
{
	test_aspect_and_path();
	test_body();
	test_ops();
	test_uris();
	return t_done();
}
