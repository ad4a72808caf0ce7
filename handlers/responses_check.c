/*
 * responses_check.c: validation of POST /v1/responses bodies
 * (openai-openapi.yaml CreateResponse) into struct rs_req.
 *
 * The gateway checks what it must understand to route, hold and convert
 * a request: the model, the shape of input and its items, the token
 * limit, the stream switches and the fields the Chat Completions
 * conversion reads (tools, tool_choice, text.format, metadata,
 * reasoning).  Every other field passes through to the upstream, which
 * judges it.  Errors name the field the way OpenAI does
 * ("input[2].content[0].text").  The prompt estimate for the quota hold
 * follows app/tokens.c: text by the byte heuristic, 3 per item, 765 per
 * image, the tools' JSON as text.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "handlers/handlers.h"
#include "handlers/responses.h"
#include "providers/responses_chat.h"
#include "tokens.h"

static const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* Optional member of type test; msg names what was expected. */
static int
opt_type(struct h_chk *c, const cJSON *o, const char *k,
    cJSON_bool (*test)(const cJSON *), const char *what)
{
	const cJSON	*v = h_given(o, k);

	if (v != NULL && !test(v))
		return h_chk_bad(c, k, "Invalid type for '%s': expected %s.", k,
		    what);
	return 0;
}

/* Function and schema names: ^[a-zA-Z0-9_-]{1,64}$. */
static int
name_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return i > 0 && i <= 64;
}

static int
check_part(struct h_chk *c, const cJSON *p, const char *at, int64_t *tok)
{
	const cJSON	*t = get(p, "type");
	char		 pb[128];	/* at is at most 95 characters */
	const char	*k = NULL;

	if (!cJSON_IsObject(p))
		return h_chk_bad(c, at, "Invalid '%s': expected an object.", at);
	snprintf(pb, sizeof(pb), "%s.type", at);
	if (!cJSON_IsString(t))
		return h_chk_bad(c, pb, "Missing required parameter: '%s'.", pb);
	if (strcmp(t->valuestring, "input_text") == 0 ||
	    strcmp(t->valuestring, "output_text") == 0)
		k = "text";
	else if (strcmp(t->valuestring, "refusal") == 0)
		k = "refusal";
	if (k != NULL) {
		snprintf(pb, sizeof(pb), "%s.%s", at, k);
		if (!cJSON_IsString(get(p, k)))
			return h_chk_bad(c, pb, "Invalid '%s': expected a string.",
			    pb);
		*tok += tok_estimate_str(get(p, k)->valuestring);
		return 0;
	}
	if (strcmp(t->valuestring, "input_image") == 0) {
		if (h_given(p, "image_url") == NULL && h_given(p, "file_id") ==
		    NULL)
			return h_chk_bad(c, at, "Invalid '%s': an input_image needs "
			    "'image_url' or 'file_id'.", at);
		if (opt_type(c, p, "image_url", cJSON_IsString,
		    "a string") == -1)
			return -1;
		*tok += 765;	/* a high-detail 1024x1024 tile set */
	}
	return 0;
}

static int
check_message(struct h_chk *c, const cJSON *it, const char *at, int64_t *tok)
{
	static const char *const roles[] = { "user", "assistant", "system",
	    "developer" };
	const cJSON	*role = get(it, "role"), *ct = get(it, "content"), *p;
	char		 pb[96];
	size_t		 k;
	int		 j = 0;

	snprintf(pb, sizeof(pb), "%s.role", at);
	if (!cJSON_IsString(role))
		return h_chk_bad(c, pb, "Missing required parameter: '%s'.", pb);
	for (k = 0; k < sizeof(roles) / sizeof(roles[0]); k++)
		if (strcmp(role->valuestring, roles[k]) == 0)
			break;
	if (k == sizeof(roles) / sizeof(roles[0]))
		return h_chk_bad(c, pb, "Invalid value for '%s': expected one of "
		    "user, assistant, system, developer.", pb);
	snprintf(pb, sizeof(pb), "%s.content", at);
	if (cJSON_IsString(ct)) {
		*tok += tok_estimate_str(ct->valuestring);
		return 0;
	}
	if (!cJSON_IsArray(ct))
		return h_chk_bad(c, pb, "Invalid '%s': expected a string or an array "
		    "of content parts.", pb);
	cJSON_ArrayForEach(p, ct) {
		snprintf(pb, sizeof(pb), "%s.content[%d]", at, j++);
		if (check_part(c, p, pb, tok) == -1)
			return -1;
	}
	return 0;
}

/* Required string members of an item, named for the error. */
static int
need_strings(struct h_chk *c, const cJSON *it, const char *at,
    const char *const *keys, size_t n, int64_t *tok)
{
	char	 pb[96];
	size_t	 k;

	for (k = 0; k < n; k++) {
		snprintf(pb, sizeof(pb), "%s.%s", at, keys[k]);
		if (!cJSON_IsString(get(it, keys[k])))
			return h_chk_bad(c, pb, "Missing required parameter: '%s' "
			    "(a string).", pb);
		*tok += tok_estimate_str(get(it, keys[k])->valuestring);
	}
	return 0;
}

static int
check_item(struct h_chk *c, const cJSON *it, int i, int64_t *tok)
{
	static const char *const call[] = { "call_id", "name", "arguments" };
	static const char *const out[] = { "call_id" };
	const cJSON	*t = get(it, "type"), *o;
	char		 at[48], pb[96];
	char		*s;

	snprintf(at, sizeof(at), "input[%d]", i);
	if (!cJSON_IsObject(it))
		return h_chk_bad(c, at, "Invalid '%s': expected an object.", at);
	*tok += 3;
	if (t != NULL && !cJSON_IsString(t)) {
		snprintf(pb, sizeof(pb), "%s.type", at);
		return h_chk_bad(c, pb, "Invalid type for '%s': expected a string.",
		    pb);
	}
	if (t == NULL || strcmp(t->valuestring, "message") == 0)
		return check_message(c, it, at, tok);
	if (strcmp(t->valuestring, "function_call") == 0)
		return need_strings(c, it, at, call, 3, tok);
	if (strcmp(t->valuestring, "function_call_output") == 0) {
		if (need_strings(c, it, at, out, 1, tok) == -1)
			return -1;
		o = get(it, "output");
		snprintf(pb, sizeof(pb), "%s.output", at);
		if (cJSON_IsString(o))
			*tok += tok_estimate_str(o->valuestring);
		else if (cJSON_IsArray(o) &&
		    (s = cJSON_PrintUnformatted(o)) != NULL) {
			*tok += tok_estimate_str(s);
			cJSON_free(s);
		} else if (!cJSON_IsArray(o))
			return h_chk_bad(c, pb, "Invalid '%s': expected a string or "
			    "an array.", pb);
		return 0;
	}
	/* Other item types are the upstream's to judge; count their JSON. */
	if ((s = cJSON_PrintUnformatted(it)) != NULL) {
		*tok += tok_estimate_str(s);
		cJSON_free(s);
	}
	return 0;
}

static int
check_input(struct h_chk *c, const cJSON *o, int64_t *tok)
{
	const cJSON	*in = h_given(o, "input"), *it;
	int		 i = 0;

	if (in == NULL) {
		if (h_given(o, "previous_response_id") != NULL ||
		    h_given(o, "prompt") != NULL ||
		    h_given(o, "conversation") != NULL)
			return 0;
		return h_chk_bad(c, "input", "Missing required parameter: 'input'.");
	}
	if (cJSON_IsString(in)) {
		*tok += 3 + tok_estimate_str(in->valuestring);
		return 0;
	}
	if (!cJSON_IsArray(in))
		return h_chk_bad(c, "input", "Invalid type for 'input': expected a "
		    "string or an array of input items.");
	cJSON_ArrayForEach(it, in)
		if (check_item(c, it, i++, tok) == -1)
			return -1;
	return 0;
}

static int
check_tools(struct h_chk *c, const cJSON *o, int64_t *tok)
{
	const cJSON	*tools = h_given(o, "tools"), *t, *n;
	char		 pb[48];
	char		*s;
	int		 i = 0;

	if (tools == NULL)
		return 0;
	if (!cJSON_IsArray(tools))
		return h_chk_bad(c, "tools", "Invalid type for 'tools': expected an "
		    "array.");
	cJSON_ArrayForEach(t, tools) {
		snprintf(pb, sizeof(pb), "tools[%d]", i);
		if (!cJSON_IsObject(t) || !cJSON_IsString(get(t, "type")))
			return h_chk_bad(c, pb, "Invalid '%s': expected an object "
			    "with a string 'type'.", pb);
		if (strcmp(get(t, "type")->valuestring, "function") == 0) {
			n = get(t, "name");
			snprintf(pb, sizeof(pb), "tools[%d].name", i);
			if (!cJSON_IsString(n) || !name_ok(n->valuestring))
				return h_chk_bad(c, pb, "Invalid '%s': expected a "
				    "string matching ^[a-zA-Z0-9_-]{1,64}$.",
				    pb);
			snprintf(pb, sizeof(pb), "tools[%d].parameters", i);
			if (h_given(t, "parameters") != NULL &&
			    !cJSON_IsObject(get(t, "parameters")))
				return h_chk_bad(c, pb, "Invalid type for '%s': "
				    "expected an object.", pb);
		}
		i++;
	}
	if ((s = cJSON_PrintUnformatted(tools)) != NULL) {
		*tok += tok_estimate_str(s);
		cJSON_free(s);
	}
	return 0;
}

static int
check_tool_choice(struct h_chk *c, const cJSON *o)
{
	const cJSON	*tc = h_given(o, "tool_choice"), *t;
	const char	*s;

	if (tc == NULL)
		return 0;
	if (cJSON_IsString(tc)) {
		s = tc->valuestring;
		if (strcmp(s, "none") == 0 || strcmp(s, "auto") == 0 ||
		    strcmp(s, "required") == 0)
			return 0;
		return h_chk_bad(c, "tool_choice", "Invalid value for 'tool_choice':"
		    " expected none, auto, required or an object.");
	}
	t = get(tc, "type");
	if (!cJSON_IsObject(tc) || !cJSON_IsString(t))
		return h_chk_bad(c, "tool_choice", "Invalid 'tool_choice': expected "
		    "a string or an object with a string 'type'.");
	if (strcmp(t->valuestring, "function") == 0 &&
	    !cJSON_IsString(get(tc, "name")))
		return h_chk_bad(c, "tool_choice.name", "Missing required parameter:"
		    " 'tool_choice.name'.");
	return 0;
}

static int
check_text(struct h_chk *c, const cJSON *o)
{
	const cJSON	*text = h_given(o, "text"), *f, *t, *n;

	if (text == NULL)
		return 0;
	if (!cJSON_IsObject(text))
		return h_chk_bad(c, "text", "Invalid type for 'text': expected an "
		    "object.");
	if ((f = h_given(text, "format")) == NULL)
		return 0;
	t = get(f, "type");
	if (!cJSON_IsObject(f) || !cJSON_IsString(t) ||
	    (strcmp(t->valuestring, "text") != 0 &&
	    strcmp(t->valuestring, "json_object") != 0 &&
	    strcmp(t->valuestring, "json_schema") != 0))
		return h_chk_bad(c, "text.format.type", "Invalid 'text.format': "
		    "expected type text, json_object or json_schema.");
	if (strcmp(t->valuestring, "json_schema") != 0)
		return 0;
	n = get(f, "name");
	if (!cJSON_IsString(n) || !name_ok(n->valuestring))
		return h_chk_bad(c, "text.format.name", "Invalid 'text.format.name':"
		    " expected a string matching ^[a-zA-Z0-9_-]{1,64}$.");
	if (!cJSON_IsObject(get(f, "schema")))
		return h_chk_bad(c, "text.format.schema", "Missing required "
		    "parameter: 'text.format.schema' (an object).");
	return 0;
}

/* Metadata: at most 16 pairs, keys <= 64 and values <= 512 characters. */
static int
check_metadata(struct h_chk *c, const cJSON *o)
{
	const cJSON	*md = h_given(o, "metadata"), *v;
	int		 n = 0;

	if (md == NULL)
		return 0;
	if (!cJSON_IsObject(md))
		return h_chk_bad(c, "metadata", "Invalid type for 'metadata': "
		    "expected an object.");
	cJSON_ArrayForEach(v, md) {
		if (++n > 16)
			return h_chk_bad(c, "metadata", "Invalid 'metadata': at most "
			    "16 pairs.");
		if (strlen(v->string) > 64 || !cJSON_IsString(v) ||
		    strlen(v->valuestring) > 512)
			return h_chk_bad(c, "metadata", "Invalid 'metadata': keys "
			    "of at most 64 and string values of at most 512 "
			    "characters.");
	}
	return 0;
}

static int
check_scalars(struct h_chk *c, const cJSON *o, struct rs_req *q)
{
	static const char *const bools[] = { "store", "parallel_tool_calls",
	    "background" };
	const cJSON	*v;
	size_t		 k;

	for (k = 0; k < sizeof(bools) / sizeof(bools[0]); k++)
		if (opt_type(c, o, bools[k], cJSON_IsBool, "a boolean") == -1)
			return -1;
	if (opt_type(c, o, "stream", cJSON_IsBool, "a boolean") == -1 ||
	    opt_type(c, o, "instructions", cJSON_IsString, "a string") == -1 ||
	    opt_type(c, o, "previous_response_id", cJSON_IsString,
	    "a string") == -1 ||
	    opt_type(c, o, "reasoning", cJSON_IsObject, "an object") == -1 ||
	    h_opt_num(c, o, "temperature", 0, 2) == -1 ||
	    h_opt_num(c, o, "top_p", 0, 1) == -1)
		return -1;
	q->stream = cJSON_IsTrue(get(o, "stream"));
	if ((v = h_given(o, "stream_options")) != NULL) {
		if (!cJSON_IsObject(v))
			return h_chk_bad(c, "stream_options", "Invalid type for "
			    "'stream_options': expected an object.");
		if (!q->stream)
			return h_chk_bad(c, "stream_options", "The 'stream_options' "
			    "parameter is only allowed when 'stream' is "
			    "enabled.");
	}
	if ((v = h_given(o, "max_output_tokens")) != NULL) {
		/* Range first: casting an out-of-range double is UB. */
		if (!cJSON_IsNumber(v) || v->valuedouble < 16 ||
		    v->valuedouble > 10000000 || v->valuedouble !=
		    (double)(int64_t)v->valuedouble)
			return h_chk_bad(c, "max_output_tokens", "Invalid "
			    "'max_output_tokens': expected an integer between "
			    "16 and 10000000.");
		q->max_output = (int64_t)v->valuedouble;
	}
	return 0;
}

int
h_responses_check(const cJSON *o, struct rs_req *q, char *param,
    size_t psz, char *msg, size_t msz)
{
	struct h_chk	 c = { param, psz, msg, msz };
	const cJSON	*m;
	int64_t		 tok = 3;

	memset(q, 0, sizeof(*q));
	param[0] = msg[0] = '\0';
	if (!cJSON_IsObject(o))
		return h_chk_bad(&c, "", "The request body must be a JSON object.");
	if (h_chk_model(&c, o, NULL, &q->model) == -1)
		return -1;
	if (check_scalars(&c, o, q) == -1 || check_input(&c, o, &tok) == -1 ||
	    check_tools(&c, o, &tok) == -1 || check_tool_choice(&c, o) == -1 ||
	    check_text(&c, o) == -1 || check_metadata(&c, o) == -1)
		return -1;
	m = h_given(o, "instructions");
	tok += m != NULL ? 3 + tok_estimate_str(m->valuestring) : 0;
	q->est_prompt = tok;
	q->native_only = !rc_convertible(o, q->why_param,
	    sizeof(q->why_param), q->why, sizeof(q->why));
	return 0;
}
