/*
 * openai.c: OpenAI chat completions, request and stream tweaks.
 * Reference: openai-openapi.yaml, CreateChatCompletionRequest,
 * CreateChatCompletionStreamResponse, CompletionUsage, ChatCompletionStreamOptions.
 * Everything else in the request passes through untouched, so every
 * field OpenAI defines (tools, response_format, logprobs, images, ...)
 * reaches the upstream as the client sent it.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "providers/openai.h"
#include "tokens.h"

int
oa_chat_request(cJSON *body, const char *up_model, int stream)
{
	cJSON	*so, *v;

	if ((v = cJSON_CreateString(up_model)) == NULL)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(body, "model") != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(body, "model", v);
	else
		cJSON_AddItemToObject(body, "model", v);
	if (!stream)
		return 0;
	so = cJSON_GetObjectItemCaseSensitive(body, "stream_options");
	if (!cJSON_IsObject(so)) {
		cJSON_DeleteItemFromObjectCaseSensitive(body, "stream_options");
		if ((so = cJSON_AddObjectToObject(body, "stream_options")) ==
		    NULL)
			return -1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(so, "include_usage");
	return cJSON_AddTrueToObject(so, "include_usage") != NULL ? 0 : -1;
}

static int64_t
num(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 1e15)
		return 0;
	return (int64_t)v->valuedouble;
}

int
oa_usage_read(const cJSON *usage, struct usage *u)
{
	const cJSON	*d;

	if (!cJSON_IsObject(usage) ||
	    (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(usage,
	    "prompt_tokens")) &&
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(usage,
	    "completion_tokens"))))
		return 0;
	memset(u, 0, sizeof(*u));
	u->prompt = num(usage, "prompt_tokens");
	u->completion = num(usage, "completion_tokens");
	d = cJSON_GetObjectItemCaseSensitive(usage, "prompt_tokens_details");
	if (cJSON_IsObject(d)) {
		u->cached = num(d, "cached_tokens");
		u->cache_write = num(d, "cache_write_tokens");
	}
	d = cJSON_GetObjectItemCaseSensitive(usage,
	    "completion_tokens_details");
	if (cJSON_IsObject(d))
		u->reasoning = num(d, "reasoning_tokens");
	return 1;
}

static int64_t
str_tokens(enum tok_enc enc, const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsString(v))
		return 0;
	return tok_count(enc, v->valuestring, strlen(v->valuestring));
}

/* Tokens of a delta or message object: text, refusal, tool calls. */
static int64_t
part_tokens(enum tok_enc enc, const cJSON *m)
{
	const cJSON	*tc, *t, *f;
	int64_t		 n;

	if (!cJSON_IsObject(m))
		return 0;
	n = str_tokens(enc, m, "content") + str_tokens(enc, m, "refusal") +
	    str_tokens(enc, m, "reasoning_content");
	tc = cJSON_GetObjectItemCaseSensitive(m, "tool_calls");
	cJSON_ArrayForEach(t, tc) {
		f = cJSON_GetObjectItemCaseSensitive(t, "function");
		n += str_tokens(enc, f, "name") +
		    str_tokens(enc, f, "arguments");
	}
	return n;
}

/*
 * Sum of part_tokens over choices[].member ("delta" or "message"), in the
 * encoding of the object's "model" (app/tokens.h).
 */
static int64_t
choices_tokens(const cJSON *o, const char *member)
{
	const cJSON	*c, *m = cJSON_GetObjectItemCaseSensitive(o, "model");
	enum tok_enc	 enc;
	int64_t		 n = 0;

	enc = tok_encoding_for_model(cJSON_IsString(m) ? m->valuestring : NULL);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(o, "choices"))
		n += part_tokens(enc,
		    cJSON_GetObjectItemCaseSensitive(c, member));
	return n;
}

int64_t
oa_chunk_output_tokens(const cJSON *chunk)
{
	return choices_tokens(chunk, "delta");
}

int64_t
oa_response_output_tokens(const cJSON *resp)
{
	return choices_tokens(resp, "message");
}

enum oa_chunk_verdict
oa_chat_chunk(cJSON *chunk, const char *client_model, int client_usage,
    struct usage *u, int *have_usage)
{
	cJSON	*usage, *choices, *m;

	usage = cJSON_GetObjectItemCaseSensitive(chunk, "usage");
	choices = cJSON_GetObjectItemCaseSensitive(chunk, "choices");
	if (oa_usage_read(usage, u))
		*have_usage = 1;
	if (cJSON_IsObject(usage) && !client_usage) {
		/* The usage-only chunk exists because we asked for it. */
		if (cJSON_IsArray(choices) && cJSON_GetArraySize(choices) == 0)
			return OA_DROP;
		cJSON_ReplaceItemInObjectCaseSensitive(chunk, "usage",
		    cJSON_CreateNull());
	} else if (usage == NULL && client_usage)
		cJSON_AddNullToObject(chunk, "usage");
	if (client_model != NULL &&
	    (m = cJSON_CreateString(client_model)) != NULL) {
		if (cJSON_GetObjectItemCaseSensitive(chunk, "model") != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(chunk, "model",
			    m);
		else
			cJSON_Delete(m);
	}
	return OA_FORWARD;
}

static int
keychar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*';
}

void
oa_mask(char *s)
{
	char	*p, *e;
	size_t	 rest;
	static const char url_mask[] = "<upstream>";

	for (p = s; *p != '\0'; p++) {
		if (strncmp(p, "sk-", 3) == 0 && (p == s || !keychar(p[-1]))) {
			for (e = p + 3; keychar(*e); e++)
				;
			if (e - p > 6) {
				memcpy(p + 3, "***", 3);
				rest = strlen(e);
				memmove(p + 6, e, rest + 1);
				p += 5;
			} else
				p = e - 1;	/* too short to be a key */
		} else if (strncmp(p, "http://", 7) == 0 ||
		    strncmp(p, "https://", 8) == 0) {
			for (e = p; *e != '\0' && *e != ' ' && *e != '"' &&
			    *e != '\'' && *e != ')'; e++)
				;
			if ((size_t)(e - p) >= sizeof(url_mask) - 1) {
				memcpy(p, url_mask, sizeof(url_mask) - 1);
				rest = strlen(e);
				memmove(p + sizeof(url_mask) - 1, e, rest + 1);
				p += sizeof(url_mask) - 2;
			}
		}
	}
}

char *
oa_error_masked(const char *body, size_t n)
{
	cJSON	*in, *err, *out, *o, *v;
	char	*s = NULL, *msg;
	const char *keys[] = { "type", "param", "code" };
	size_t	 i;

	if ((in = cJSON_ParseWithLength(body, n)) == NULL)
		return NULL;
	err = cJSON_GetObjectItemCaseSensitive(in, "error");
	v = cJSON_GetObjectItemCaseSensitive(err, "message");
	if (!cJSON_IsObject(err) || !cJSON_IsString(v))
		goto out;
	if ((out = cJSON_CreateObject()) == NULL)
		goto out;
	o = cJSON_AddObjectToObject(out, "error");
	msg = v->valuestring;
	oa_mask(msg);
	cJSON_AddStringToObject(o, "message", msg);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(err, keys[i]);
		if (cJSON_IsString(v)) {
			oa_mask(v->valuestring);
			cJSON_AddStringToObject(o, keys[i], v->valuestring);
		} else if (cJSON_IsNumber(v))
			cJSON_AddNumberToObject(o, keys[i], v->valuedouble);
		else
			cJSON_AddNullToObject(o, keys[i]);
	}
	s = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
out:
	cJSON_Delete(in);
	return s;
}
