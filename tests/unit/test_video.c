/*
 * test_video.c: the pure helpers of the video endpoints
 * (handlers/video_poll.c, video.c): the check of upstream job ids (they go
 * into upstream URL paths), of job states, the merge of an untrusted
 * upstream VideoResource into a task's stored data, and the UTF-8 counting
 * and cutting of prompts.  Tables; malformed inputs outnumber good ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "handlers/video.h"
#include "tokens.h"
#include "t.h"

static const struct idcase {
	int		 ok;
	const char	*id;
} idcases[] = {
	{ 1, "video_123" },
	{ 1, "video_mock0a1b2c0000000001" },
	{ 1, "v.1:2-3_X" },
	{ 0, "" },
	{ 0, "a/b" },
	{ 0, "../x" },
	{ 0, "a b" },
	{ 0, "a?variant=x" },
	{ 0, "a#b" },
	{ 0, "a&b" },
	{ 0, "a%2Fb" },
	{ 0, "a\nb" },
	{ 0, "a\rb" },
	{ 0, "vid\xc3\xa9o" },
	{ 0, "a\\b" },
	{ 0, "a\"b" },
};

static const struct stcase {
	int		 ok;
	const char	*s;
} stcases[] = {
	{ 1, "queued" },
	{ 1, "in_progress" },
	{ 1, "completed" },
	{ 1, "failed" },
	{ 0, "" },
	{ 0, "Queued" },
	{ 0, "in-progress" },
	{ 0, "done" },
	{ 0, "completed " },
	{ 0, "cancelled" },
	{ 0, "succeeded" },
	{ 0, "failed\n" },
	{ 0, "queue" },
};

#define BASE "{\"progress\":5,\"completed_at\":null,\"expires_at\":null," \
	"\"error\":null,\"size\":\"720x1280\",\"seconds\":\"4\"}"

/* upstream answer -> the data object after the merge (BASE when "="). */
static const struct mcase {
	int		 good;
	const char	*name;
	const char	*up;
	const char	*want;
} mcases[] = {
	{ 1, "a whole completed resource", "{\"id\":\"v\",\"status\":"
	    "\"completed\",\"progress\":100,\"completed_at\":1700000000,"
	    "\"expires_at\":1700003600,\"error\":null,\"size\":\"1280x720\","
	    "\"seconds\":\"8\"}", "{\"progress\":100,\"completed_at\":"
	    "1700000000,\"expires_at\":1700003600,\"error\":null,\"size\":"
	    "\"1280x720\",\"seconds\":\"8\"}" },
	{ 1, "an error object", "{\"error\":{\"code\":\"x\",\"message\":"
	    "\"y\"}}", "{\"progress\":5,\"completed_at\":null,\"expires_at\":"
	    "null,\"error\":{\"code\":\"x\",\"message\":\"y\"},\"size\":"
	    "\"720x1280\",\"seconds\":\"4\"}" },
	{ 1, "fractional progress is cut", "{\"progress\":50.7}",
	    "{\"progress\":50,\"completed_at\":null,\"expires_at\":null,"
	    "\"error\":null,\"size\":\"720x1280\",\"seconds\":\"4\"}" },
	{ 0, "not an object", "[1,2]", "=" },
	{ 0, "empty object", "{}", "=" },
	{ 0, "progress below 0", "{\"progress\":-1}", "=" },
	{ 0, "progress above 100", "{\"progress\":101}", "=" },
	{ 0, "progress as a string", "{\"progress\":\"50\"}", "=" },
	{ 0, "completed_at as a string", "{\"completed_at\":\"1700000000\"}",
	    "=" },
	{ 0, "completed_at negative", "{\"completed_at\":-5}", "=" },
	{ 0, "completed_at fractional", "{\"completed_at\":1.5}", "=" },
	{ 0, "completed_at absurd", "{\"completed_at\":1e15}", "=" },
	{ 0, "expires_at as bool", "{\"expires_at\":true}", "=" },
	{ 0, "error as a string", "{\"error\":\"boom\"}", "=" },
	{ 0, "error as an array", "{\"error\":[\"boom\"]}", "=" },
	{ 0, "size with junk", "{\"size\":\"1280x720; drop\"}", "=" },
	{ 0, "size empty", "{\"size\":\"\"}", "=" },
	{ 0, "size as a number", "{\"size\":1280}", "=" },
	{ 0, "size too long", "{\"size\":\"12345678901234567x1\"}", "=" },
	{ 0, "seconds with a unit", "{\"seconds\":\"8s\"}", "=" },
	{ 0, "seconds as a number", "{\"seconds\":8}", "=" },
	{ 0, "seconds too long", "{\"seconds\":\"12345\"}", "=" },
	{ 0, "error object without fields gets defaults", "{\"error\":{}}",
	    "{\"progress\":5,\"completed_at\":null,\"expires_at\":null,"
	    "\"error\":{\"code\":\"upstream_error\",\"message\":\"The upstream "
	    "provider reported a failure.\"},\"size\":\"720x1280\","
	    "\"seconds\":\"4\"}" },
	{ 0, "error text with a key and a URL is masked",
	    "{\"error\":{\"code\":7,\"message\":\"bad key sk-abcdef123456 at "
	    "https://api.example.com/v1\"}}",
	    "{\"progress\":5,\"completed_at\":null,\"expires_at\":null,"
	    "\"error\":{\"code\":\"upstream_error\",\"message\":\"bad key "
	    "sk-*** at <upstream>\"},\"size\":\"720x1280\",\"seconds\":"
	    "\"4\"}" },
};

static void
merge_cases(void)
{
	const struct mcase	*c;
	cJSON			*d, *u, *w;
	char			*got;
	size_t			 i, ng = 0, nb = 0;

	for (i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++) {
		c = &mcases[i];
		c->good ? ng++ : nb++;
		d = cJSON_Parse(BASE);
		u = cJSON_Parse(c->up);
		w = cJSON_Parse(strcmp(c->want, "=") == 0 ? BASE : c->want);
		vid_merge(d, u);
		got = cJSON_PrintUnformatted(d);
		T_OK(d != NULL && u != NULL && w != NULL &&
		    cJSON_Compare(d, w, 1), "merge: %s (got %s)", c->name,
		    got != NULL ? got : "NULL");
		cJSON_free(got);
		cJSON_Delete(d);
		cJSON_Delete(u);
		cJSON_Delete(w);
	}
	T_OK(nb > ng, "merge: %zu malformed cases > %zu good ones", nb, ng);
}

static void
merge_long_error(void)
{
	char		 up[4096];
	cJSON		*d = cJSON_Parse(BASE), *u, *e;
	size_t		 i;

	memcpy(up, "{\"error\":{\"code\":\"", 18);
	for (i = 18; i < 18 + 100; i++)
		up[i] = 'c';
	snprintf(up + i, sizeof(up) - i, "\",\"message\":\"%s\"}}", "m");
	u = cJSON_Parse(up);
	vid_merge(d, u);
	e = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    d, "error"), "code");
	T_OK(cJSON_IsString(e) && strlen(e->valuestring) == 64,
	    "merge: an error code is cut to 64 bytes");
	cJSON_Delete(d);
	cJSON_Delete(u);
}

static void
prompt_cases(void)
{
	char	*s;
	cJSON	*d, *p;
	size_t	 i, n;

	T_OK(tok_chars("") == 0, "chars: empty");
	T_OK(tok_chars("abc") == 3, "chars: ascii");
	T_OK(tok_chars("\xc3\xa9t\xc3\xa9") == 3, "chars: 2-byte");
	T_OK(tok_chars("\xe6\x97\xa5\xe6\x9c\xac") == 2, "chars: 3-byte");
	T_OK(tok_chars("\xf0\x9f\x8e\xac") == 1, "chars: 4-byte");
	T_OK(tok_chars("a\xff" "b") == 3, "chars: a stray byte counts");

	/* 4001 x "é" = 8002 bytes: cut to 8000 (4000 characters). */
	n = 4001 * 2;
	s = malloc(n + 2);
	for (i = 0; i < n; i += 2)
		memcpy(s + i, "\xc3\xa9", 2);
	s[n] = '\0';
	d = cJSON_CreateObject();
	vid_store_prompt(d, s);
	p = cJSON_GetObjectItemCaseSensitive(d, "prompt");
	T_OK(cJSON_IsString(p) && strlen(p->valuestring) == VID_PROMPT_STORE,
	    "prompt: cut at %d bytes on a character boundary",
	    VID_PROMPT_STORE);
	/* "a" + 4000 x "é" = 8001 bytes: the last "é" would be split. */
	s[0] = 'a';
	for (i = 1; i < 8001; i += 2)
		memcpy(s + i, "\xc3\xa9", 2);
	s[8001] = '\0';
	vid_store_prompt(d, s);
	p = cJSON_GetObjectItemCaseSensitive(d, "prompt");
	T_OK(cJSON_IsString(p) && strlen(p->valuestring) == 7999 &&
	    tok_chars(p->valuestring) == 4000,
	    "prompt: a character is never split");
	vid_store_prompt(d, "short");
	p = cJSON_GetObjectItemCaseSensitive(d, "prompt");
	T_OK(cJSON_IsString(p) && strcmp(p->valuestring, "short") == 0 &&
	    cJSON_GetArraySize(d) == 1, "prompt: replaced, not added twice");
	cJSON_Delete(d);
	free(s);
}

int
main(void)
{
	char	 longid[300];
	size_t	 i;

	for (i = 0; i < sizeof(idcases) / sizeof(idcases[0]); i++)
		T_OK(vid_upstream_id_ok(idcases[i].id) == idcases[i].ok,
		    "upstream id %zu %s", i, idcases[i].ok ? "accepted" :
		    "refused");
	memset(longid, 'a', sizeof(longid));
	longid[255] = '\0';
	T_OK(vid_upstream_id_ok(longid), "upstream id of 255 bytes");
	longid[255] = 'a';
	longid[256] = '\0';
	T_OK(!vid_upstream_id_ok(longid), "upstream id of 256 bytes refused");
	for (i = 0; i < sizeof(stcases) / sizeof(stcases[0]); i++)
		T_OK(vid_status_ok(stcases[i].s) == stcases[i].ok,
		    "status %zu %s", i, stcases[i].ok ? "accepted" :
		    "refused");
	merge_cases();
	merge_long_error();
	prompt_cases();
	return t_done();
}
