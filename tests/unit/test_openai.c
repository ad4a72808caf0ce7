/*
 * test_openai.c: the OpenAI adapter's request rewrite, chunk handling
 * (usage requested upstream but hidden from clients that did not ask),
 * error masking, the token heuristic, and the arena/buffer caps.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "billing.h"
#include "buf.h"
#include "providers/openai.h"
#include "tokens.h"
#include "t.h"

struct mask_case { const char *in, *want; };
static const struct mask_case mask_cases[] = {
	{ "Incorrect API key provided: sk-abc123def456.",
	    "Incorrect API key provided: sk-***." },
	{ "see https://api.example.com/v1/x?key=1 now",
	    "see <upstream> now" },
	{ "plain text", "plain text" },
	{ "task-sk-abcdefgh", "task-sk-abcdefgh" },
	{ "sk-ab", "sk-ab" },
	{ "", "" },
	{ "http://a", "http://a" },
	/* regression: a short "sk-" run at the end was stepped over the NUL */
	{ "x sk-p}", "x sk-p}" }, { "sk-", "sk-" }, { "sk-ab sk-abcdefgh",
	    "sk-ab sk-***" },
};

static int
chunk_case(const char *in, int client_usage, const char *model,
    const char *want, int want_usage)
{
	cJSON		*o;
	struct usage	 u;
	int		 have = 0, ok;
	char		*s = NULL;
	enum oa_chunk_verdict v;

	memset(&u, 0, sizeof(u));
	if ((o = cJSON_Parse(in)) == NULL)
		return 0;
	v = oa_chat_chunk(o, model, client_usage, &u, &have);
	if (want == NULL)
		ok = v == OA_DROP;
	else {
		s = cJSON_PrintUnformatted(o);
		ok = v == OA_FORWARD && s != NULL && strcmp(s, want) == 0;
	}
	ok = ok && have == want_usage;
	cJSON_free(s);
	cJSON_Delete(o);
	return ok;
}

int
main(void)
{
	struct arena	 a;
	struct buf	 b;
	cJSON		*o;
	char		*s, m[256];
	size_t		 i;
	struct usage	 u;

	for (i = 0; i < sizeof(mask_cases) / sizeof(mask_cases[0]); i++) {
		snprintf(m, sizeof(m), "%s", mask_cases[i].in);
		oa_mask(m);
		T_OK(strcmp(m, mask_cases[i].want) == 0, "mask '%s' -> '%s'",
		    mask_cases[i].in, m);
	}

	o = cJSON_Parse("{\"model\":\"a\",\"messages\":[],\"stream\":true,"
	    "\"stream_options\":{\"include_usage\":false},\"tools\":[1]}");
	T_OK(oa_chat_request(o, "b", 1) == 0, "request rewrite ok");
	s = cJSON_PrintUnformatted(o);
	T_OK(strcmp(s, "{\"model\":\"b\",\"messages\":[],\"stream\":true,"
	    "\"stream_options\":{\"include_usage\":true},\"tools\":[1]}") == 0,
	    "usage forced, fields kept: %s", s);
	cJSON_free(s);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"model\":\"a\",\"stream_options\":\"junk\"}");
	oa_chat_request(o, "a", 1);
	s = cJSON_PrintUnformatted(o);
	T_OK(strcmp(s, "{\"model\":\"a\",\"stream_options\":"
	    "{\"include_usage\":true}}") == 0, "non-object stream_options "
	    "replaced: %s", s);
	cJSON_free(s);
	cJSON_Delete(o);

	T_OK(chunk_case("{\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
	    "\"completion_tokens\":5}}", 0, NULL, NULL, 1),
	    "usage-only chunk dropped when client did not ask");
	T_OK(chunk_case("{\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
	    "\"completion_tokens\":5}}", 1, NULL, "{\"choices\":[],\"usage\":"
	    "{\"prompt_tokens\":3,\"completion_tokens\":5}}", 1),
	    "usage-only chunk kept when client asked");
	T_OK(chunk_case("{\"model\":\"up\",\"choices\":[{}],\"usage\":null}",
	    0, "mine", "{\"model\":\"mine\",\"choices\":[{}],\"usage\":null}",
	    0), "model name restored");
	T_OK(chunk_case("{\"choices\":[{}]}", 1, NULL,
	    "{\"choices\":[{}],\"usage\":null}", 0),
	    "usage null added for a client that asked");
	T_OK(chunk_case("{\"choices\":[{}],\"usage\":{\"prompt_tokens\":1,"
	    "\"completion_tokens\":1}}", 0, NULL,
	    "{\"choices\":[{}],\"usage\":null}", 1),
	    "usage on a content chunk hidden but recorded");
	T_OK(chunk_case("{\"choices\":[],\"usage\":\"x\"}", 0, NULL,
	    "{\"choices\":[],\"usage\":\"x\"}", 0), "non-object usage ignored");

	o = cJSON_Parse("{\"prompt_tokens\":10,\"completion_tokens\":20,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":4},"
	    "\"completion_tokens_details\":{\"reasoning_tokens\":7}}");
	T_OK(oa_usage_read(o, &u) == 1 && u.prompt == 10 &&
	    u.completion == 20 && u.cached == 4 && u.reasoning == 7,
	    "usage details read");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"prompt_tokens\":-1,\"completion_tokens\":1e300}");
	T_OK(oa_usage_read(o, &u) == 1 && u.prompt == 0 && u.completion == 0,
	    "hostile usage numbers clamp to 0");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"foo\":1}");
	T_OK(oa_usage_read(o, &u) == 0, "object without counts is no usage");
	cJSON_Delete(o);
	T_OK(oa_usage_read(NULL, &u) == 0, "NULL usage");

	snprintf(m, sizeof(m), "%s", "{\"error\":{\"message\":\"bad key "
	    "sk-123456789\",\"type\":\"invalid_request_error\",\"param\":"
	    "null,\"code\":\"invalid_api_key\"}}");
	s = oa_error_masked(m, strlen(m));
	T_OK(s != NULL && strstr(s, "sk-***") != NULL &&
	    strstr(s, "123456789") == NULL, "error body masked: %s",
	    s ? s : "(null)");
	cJSON_free(s);
	T_OK(oa_error_masked("not json", 8) == NULL, "non-JSON error -> NULL");
	T_OK(oa_error_masked("{\"error\":\"x\"}", 13) == NULL,
	    "string error -> NULL");
	T_OK(oa_error_masked("{}", 2) == NULL, "no error member -> NULL");

	T_OK(tok_estimate("", 0) == 0, "tokens of empty");
	T_OK(tok_estimate("abcd", 4) == 1, "4 ascii bytes = 1 token");
	T_OK(tok_estimate("abcde", 5) == 2, "5 ascii bytes = 2 tokens");
	T_OK(tok_estimate("\xe4\xbd\xa0\xe5\xa5\xbd", 6) == 2,
	    "two CJK characters = 2 tokens");

	arena_init(&a, 1000);
	T_OK(arena_alloc(&a, 900) != NULL, "arena within cap");
	T_OK(arena_alloc(&a, 200) == NULL, "arena past cap fails");
	arena_reset(&a);
	T_OK(arena_alloc(&a, 900) != NULL, "arena usable after reset");
	T_OK(arena_printf(&a, "%0200d", 12345) == NULL, "printf past cap fails");
	arena_free(&a);
	buf_init(&b, 8);
	T_OK(buf_puts(&b, "12345678") == 0, "buf fills to cap");
	T_OK(buf_putc(&b, 'x') == -1 && b.len == 8, "buf refuses past cap");
	buf_consume(&b, 3);
	T_OK(strcmp(buf_cstr(&b), "45678") == 0, "buf consume");
	T_OK(buf_append(&b, "abc", (size_t)-1) == -1, "buf huge append");
	buf_free(&b);
	return t_done();
}
