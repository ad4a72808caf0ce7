/*
 * gemini_check.c: validation of Generative Language API requests for
 * the mock upstream (gemini.c).  The bodies are protocol-buffer JSON, so
 * a member may be spelled camelCase or snake_case and an unknown one is
 * refused the way Google's parser refuses it ("Invalid JSON payload
 * received. Unknown name ..."); messages name the field in snake_case
 * ("* GenerateContentRequest.contents[0].parts: ...").  Checked: the
 * contents (role user or model, non-empty parts, each part one of the
 * data fields with its own members), the order of function call and
 * response turns, systemInstruction, tools and function names,
 * toolConfig, generationConfig and its thinkingConfig, safetySettings,
 * and embedding requests.  While checking it counts the prompt tokens:
 * 3 per content plus the words of its text parts and of the compact
 * JSON of its function responses, and 3 plus the words of the system
 * instruction when there is one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemini.h"

int
gm_verr(struct gm_chk *k, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(k->msg, sizeof(k->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* v when it is an array, else NULL (for cJSON_ArrayForEach). */
static const cJSON *
arr(const cJSON *v)
{
	return cJSON_IsArray(v) ? v : NULL;
}

/* Proto JSON names: "maxOutputTokens" and "max_output_tokens" match. */
static int
key_eq(const char *key, const char *camel)
{
	for (;;) {
		while (*key == '_')
			key++;
		if (*key == '\0' || *camel == '\0')
			return *key == *camel;
		if ((*key | 0x20) != (*camel | 0x20))
			return 0;
		key++;
		camel++;
	}
}

const cJSON *
gget(const cJSON *o, const char *camel)
{
	const cJSON	*it;

	cJSON_ArrayForEach(it, (cJSON_IsObject(o) ? o : NULL))
		if (it->string != NULL && key_eq(it->string, camel))
			return it;
	return NULL;
}

/* Proto type errors: Invalid value at 'path' (TYPE), <value>. */
static int
gm_badval(struct gm_chk *k, const char *at, const char *type,
    const cJSON *v)
{
	char	*s = cJSON_PrintUnformatted(v);

	gm_verr(k, "Invalid value at '%s' (%s), %.60s", at, type,
	    s != NULL ? s : "?");
	free(s);
	return -1;
}

/*
 * Refuses a value that is not an object, and members not in names; at
 * is the snake_case path or "".
 */
int
gm_only(struct gm_chk *k, const cJSON *o, const char *at,
    const char *const *names)
{
	const cJSON	*it;
	size_t		 i;

	if (!cJSON_IsObject(o))
		return gm_badval(k, at[0] != '\0' ? at : "$", "object", o);
	cJSON_ArrayForEach(it, o) {
		for (i = 0; names[i] != NULL; i++)
			if (key_eq(it->string, names[i]))
				break;
		if (names[i] == NULL)
			return gm_verr(k, "Invalid JSON payload received. "
			    "Unknown name \"%.64s\"%s%s%s: Cannot find field.",
			    it->string, at[0] != '\0' ? " at '" : "", at,
			    at[0] != '\0' ? "'" : "");
	}
	return 0;
}

static int
b64_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '+' || *s == '/' ||
		    *s == '=' || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* Words of a JSON value's compact text (a function response). */
static long
json_words(const cJSON *v)
{
	char	*s = cJSON_PrintUnformatted(v);
	long	 n = gen_words(s);

	free(s);
	return n;
}

/*
 * One part at `at`; adds text words to *words and counts function
 * calls and responses.
 */
static int
gm_part(struct gm_chk *k, const cJSON *p, const char *at, long *words,
    int *calls, int *responses)
{
	static const char *const data[] = { "text", "inlineData", "fileData",
	    "functionCall", "functionResponse", "executableCode",
	    "codeExecutionResult", NULL };
	static const char *const names[] = { "text", "inlineData", "fileData",
	    "functionCall", "functionResponse", "executableCode",
	    "codeExecutionResult", "thought", "thoughtSignature",
	    "videoMetadata", "partMetadata", "mediaResolution", NULL };
	const cJSON	*v, *f = NULL;
	const char	*which = NULL;
	char		 p2[160];
	size_t		 i;

	if (!cJSON_IsObject(p))
		return gm_badval(k, at, "type.googleapis.com/google.ai."
		    "generativelanguage.v1beta.Part", p);
	if (gm_only(k, p, at, names) == -1)
		return -1;
	for (i = 0; data[i] != NULL; i++) {
		if ((v = gget(p, data[i])) == NULL)
			continue;
		if (which != NULL)
			return gm_verr(k, "Invalid value at '%s' (oneof), "
			    "oneof field 'data' is already set. Cannot set "
			    "'%s'", at, data[i]);
		which = data[i];
		f = v;
	}
	if (which == NULL)
		return gm_verr(k, "* %s.%s.data: required oneof field 'data' "
		    "must have one initialized field", k->where, at);
	if (strcmp(which, "text") == 0) {
		snprintf(p2, sizeof(p2), "%.100s.text", at);
		if (!cJSON_IsString(f))
			return gm_badval(k, p2, "TYPE_STRING", f);
		*words += gen_words(f->valuestring);
	} else if (strcmp(which, "inlineData") == 0) {
		snprintf(p2, sizeof(p2), "%.100s.inline_data", at);
		if (gm_only(k, f, p2, (const char *const[]){ "mimeType", "data",
		    NULL }) == -1)
			return -1;
		v = gget(f, "data");
		if (!cJSON_IsString(gget(f, "mimeType")) || !cJSON_IsString(v))
			return gm_verr(k, "* %s.%s.inline_data: mime_type and "
			    "data are required", k->where, at);
		if (!b64_ok(v->valuestring))
			return gm_verr(k, "Invalid value at '%s.data' "
			    "(TYPE_BYTES), Base64 decoding failed for "
			    "\"%.20s\"", p2, v->valuestring);
	} else if (strcmp(which, "fileData") == 0) {
		snprintf(p2, sizeof(p2), "%.100s.file_data", at);
		if (gm_only(k, f, p2, (const char *const[]){ "mimeType",
		    "fileUri", NULL }) == -1)
			return -1;
		if (!cJSON_IsString(gget(f, "fileUri")))
			return gm_verr(k, "* %s.%s.file_data.file_uri: "
			    "file_uri is required", k->where, at);
	} else if (strcmp(which, "functionCall") == 0) {
		snprintf(p2, sizeof(p2), "%.100s.function_call", at);
		if (gm_only(k, f, p2, (const char *const[]){ "id", "name",
		    "args", NULL }) == -1)
			return -1;
		if (!cJSON_IsString(gget(f, "name")))
			return gm_verr(k, "* %s.%s.function_call.name: Name "
			    "cannot be empty.", k->where, at);
		if ((v = gget(f, "args")) != NULL && !cJSON_IsObject(v)) {
			snprintf(p2, sizeof(p2), "%.100s.function_call.args",
			    at);
			return gm_badval(k, p2, "type.googleapis.com/"
			    "google.protobuf.Struct", v);
		}
		(*calls)++;
	} else if (strcmp(which, "functionResponse") == 0) {
		snprintf(p2, sizeof(p2), "%.100s.function_response", at);
		if (gm_only(k, f, p2, (const char *const[]){ "id", "name",
		    "response", "parts", "willContinue", "scheduling",
		    NULL }) == -1)
			return -1;
		if (!cJSON_IsString(gget(f, "name")))
			return gm_verr(k, "* %s.%s.function_response.name: "
			    "Name cannot be empty.", k->where, at);
		v = gget(f, "response");
		snprintf(p2, sizeof(p2), "%.100s.function_response.response",
		    at);
		if (!cJSON_IsObject(v))
			return v == NULL ? gm_verr(k, "* %s.%s: response is "
			    "required", k->where, p2) : gm_badval(k, p2,
			    "type.googleapis.com/google.protobuf.Struct", v);
		*words += json_words(v);
		(*responses)++;
	}
	return 0;
}

/* One Content; role checked unless system. */
static int
gm_content(struct gm_chk *k, const cJSON *c, const char *at, int system,
    long *words, int *calls, int *responses)
{
	const cJSON	*r, *parts, *p;
	char		 p2[160];
	int		 i = 0;

	if (!cJSON_IsObject(c))
		return gm_badval(k, at, "type.googleapis.com/google.ai."
		    "generativelanguage.v1beta.Content", c);
	if (gm_only(k, c, at, (const char *const[]){ "role", "parts",
	    NULL }) == -1)
		return -1;
	r = gget(c, "role");
	if (!system && r != NULL && (!cJSON_IsString(r) ||
	    (strcmp(r->valuestring, "user") != 0 &&
	    strcmp(r->valuestring, "model") != 0 &&
	    r->valuestring[0] != '\0')))
		return gm_verr(k, "Please use a valid role: user, model.");
	parts = gget(c, "parts");
	if (!cJSON_IsArray(parts) || cJSON_GetArraySize(parts) == 0)
		return gm_verr(k, "* %s.%s.parts: contents.parts must not be "
		    "empty.", k->where, at);
	cJSON_ArrayForEach(p, parts) {
		snprintf(p2, sizeof(p2), "%.100s.parts[%d]", at, i++);
		if (gm_part(k, p, p2, words, calls, responses) == -1)
			return -1;
	}
	return 0;
}

static int
is_model(const cJSON *c)
{
	const cJSON	*r = gget(c, "role");

	return cJSON_IsString(r) && strcmp(r->valuestring, "model") == 0;
}

/* "Result: <compact JSON of every functionResponse.response>". */
static int
gm_lead(struct gm_chk *k, const cJSON *c)
{
	const cJSON	*p, *fr;
	char		*s;
	int		 rc;

	cJSON_ArrayForEach(p, gget(c, "parts")) {
		if ((fr = gget(p, "functionResponse")) == NULL)
			continue;
		if (!k->last_response && mbuf_puts(&k->lead, "Result:") == -1)
			return -1;
		k->last_response = 1;
		if ((s = cJSON_PrintUnformatted(gget(fr, "response"))) == NULL)
			return -1;
		rc = mbuf_printf(&k->lead, " %s", s);
		free(s);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
gm_contents(struct gm_chk *k)
{
	const cJSON	*cs = gget(k->doc, "contents"), *c, *prev = NULL;
	char		 at[48];
	long		 words;
	int		 i = 0, calls, resp, pcalls = 0;

	if (!cJSON_IsArray(cs) || cJSON_GetArraySize(cs) == 0)
		return gm_verr(k, "* %s.contents: contents is not specified",
		    k->where);
	cJSON_ArrayForEach(c, cs) {
		snprintf(at, sizeof(at), "contents[%d]", i++);
		words = 0;
		calls = resp = 0;
		if (gm_content(k, c, at, 0, &words, &calls, &resp) == -1)
			return -1;
		if (resp > 0 && (prev == NULL || !is_model(prev) ||
		    pcalls == 0))
			return gm_verr(k, "Please ensure that function "
			    "response turn comes immediately after a function "
			    "call turn.");
		if (resp > 0 && resp != pcalls)
			return gm_verr(k, "Please ensure that the number of "
			    "function response parts is equal to the number of "
			    "function call parts of the function call turn.");
		if (calls > 0 && is_model(c) && (prev == NULL ||
		    is_model(prev)))
			return gm_verr(k, "Please ensure that function call "
			    "turn comes immediately after a user turn or after "
			    "a function response turn.");
		k->prompt_tokens += 3 + words;
		pcalls = calls;
		prev = c;
	}
	if (!is_model(prev) && gm_lead(k, prev) == -1)
		return gm_verr(k, "mock out of memory");
	return 0;
}

static int
gm_system(struct gm_chk *k)
{
	const cJSON	*s = gget(k->doc, "systemInstruction");
	long		 words = 0;
	int		 calls = 0, resp = 0;

	if (s == NULL)
		return 0;
	if (gm_content(k, s, "system_instruction", 1, &words, &calls,
	    &resp) == -1)
		return -1;
	k->prompt_tokens += 3 + words;
	return 0;
}

/* Function names: a letter or _, then [a-zA-Z0-9_.:-], 64 at most. */
static int
gm_fname_ok(const char *s)
{
	size_t	 i;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    *s == '_'))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_' || s[i] == '.' ||
		    s[i] == ':' || s[i] == '-'))
			return 0;
	return i <= 64;
}

static int
gm_tools(struct gm_chk *k)
{
	static const char *const tnames[] = { "functionDeclarations",
	    "googleSearch", "googleSearchRetrieval", "codeExecution",
	    "urlContext", "fileSearch", "computerUse", "googleMaps",
	    "mcpServers", NULL };
	static const char *const fnames[] = { "name", "description",
	    "parameters", "parametersJsonSchema", "response",
	    "responseJsonSchema", "behavior", NULL };
	const cJSON	*tools = gget(k->doc, "tools"), *t, *fds, *fd, *nm;
	char		 at[96];
	int		 i = 0, j;

	if (tools == NULL)
		return 0;
	if (!cJSON_IsArray(tools))
		return gm_badval(k, "tools", "type.googleapis.com/google.ai."
		    "generativelanguage.v1beta.Tool", tools);
	cJSON_ArrayForEach(t, tools) {
		snprintf(at, sizeof(at), "tools[%d]", i);
		if (!cJSON_IsObject(t))
			return gm_badval(k, at, "type.googleapis.com/google.ai."
			    "generativelanguage.v1beta.Tool", t);
		if (gm_only(k, t, at, tnames) == -1)
			return -1;
		j = 0;
		fds = gget(t, "functionDeclarations");
		cJSON_ArrayForEach(fd, arr(fds)) {
			snprintf(at, sizeof(at), "tools[%d].function_"
			    "declarations[%d]", i, j++);
			if (gm_only(k, fd, at, fnames) == -1)
				return -1;
			nm = gget(fd, "name");
			if (!cJSON_IsString(nm) ||
			    !gm_fname_ok(nm->valuestring))
				return gm_verr(k, "* %s.%s.name: Invalid "
				    "function name. Must start with a letter "
				    "or an underscore. Must be alphameric "
				    "(a-z, A-Z, 0-9), underscores (_), dots "
				    "(.), colons (:), or dashes (-), with a "
				    "maximum length of 64.", k->where, at);
			if (k->ndecls < sizeof(k->decls) / sizeof(k->decls[0]))
				k->decls[k->ndecls++] = fd;
		}
		i++;
	}
	return 0;
}

static int
gm_toolconfig(struct gm_chk *k)
{
	static const char *const modes[] = { "AUTO", "ANY", "NONE",
	    "VALIDATED", "MODE_UNSPECIFIED", NULL };
	const cJSON	*tc = gget(k->doc, "toolConfig"), *fc, *m, *a;
	size_t		 i;

	if (tc == NULL)
		return 0;
	if (gm_only(k, tc, "tool_config", (const char *const[]){
	    "functionCallingConfig", "retrievalConfig", NULL }) == -1)
		return -1;
	if ((fc = gget(tc, "functionCallingConfig")) == NULL)
		return 0;
	if (gm_only(k, fc, "tool_config.function_calling_config",
	    (const char *const[]){ "mode", "allowedFunctionNames",
	    NULL }) == -1)
		return -1;
	m = gget(fc, "mode");
	for (i = 0; cJSON_IsString(m) && modes[i] != NULL; i++)
		if (strcmp(m->valuestring, modes[i]) == 0)
			break;
	if (m != NULL && (!cJSON_IsString(m) || modes[i] == NULL))
		return gm_badval(k, "tool_config.function_calling_config.mode",
		    "type.googleapis.com/google.ai.generativelanguage.v1beta."
		    "FunctionCallingConfig.Mode", m);
	k->mode = m == NULL ? GM_AUTO : i == 1 ? GM_ANY : i == 2 ? GM_NONE :
	    GM_AUTO;
	a = gget(fc, "allowedFunctionNames");
	if (a != NULL && k->mode != GM_ANY)
		return gm_verr(k, "* %s.tool_config.function_calling_config."
		    "allowed_function_names: allowed_function_names can only "
		    "be set when the mode is ANY.", k->where);
	k->allowed = a;
	return 0;
}

/* An optional number in [lo, hi] of generationConfig; *out if given. */
static int
gm_cfgnum(struct gm_chk *k, const cJSON *gc, const char *camel,
    const char *snake, double lo, double hi, int integer, double *out)
{
	const cJSON	*v = gget(gc, camel);
	char		 at[96];

	if (v == NULL)
		return 0;
	snprintf(at, sizeof(at), "generation_config.%s", snake);
	if (!cJSON_IsNumber(v) || (integer && v->valuedouble !=
	    (double)(long)v->valuedouble))
		return gm_badval(k, at, integer ? "TYPE_INT32" : "TYPE_FLOAT",
		    v);
	if (v->valuedouble < lo || v->valuedouble > hi)
		return gm_verr(k, "* %s.%s: %s must be in the range [%g, %g]",
		    k->where, at, snake, lo, hi);
	*out = v->valuedouble;
	return 0;
}

static int
gm_thinking(struct gm_chk *k, const cJSON *gc)
{
	const cJSON	*tc = gget(gc, "thinkingConfig"), *b, *it;

	if (tc == NULL)
		return 0;
	if (gm_only(k, tc, "generation_config.thinking_config",
	    (const char *const[]){ "thinkingBudget", "includeThoughts",
	    "thinkingLevel", NULL }) == -1)
		return -1;
	b = gget(tc, "thinkingBudget");
	if (b != NULL && (!cJSON_IsNumber(b) || b->valuedouble < -1 ||
	    b->valuedouble != (double)(long)b->valuedouble))
		return gm_badval(k, "generation_config.thinking_config."
		    "thinking_budget", "TYPE_INT32", b);
	it = gget(tc, "includeThoughts");
	if (it != NULL && !cJSON_IsBool(it))
		return gm_badval(k, "generation_config.thinking_config."
		    "include_thoughts", "TYPE_BOOL", it);
	k->think_budget = b != NULL ? (long)b->valuedouble : -1;
	k->thinking = k->think_budget != 0;
	k->thoughts = k->thinking && cJSON_IsTrue(it);
	return 0;
}

static int
gm_genconfig(struct gm_chk *k)
{
	static const char *const names[] = { "stopSequences",
	    "responseMimeType", "responseSchema", "responseJsonSchema",
	    "responseModalities", "candidateCount", "maxOutputTokens",
	    "temperature", "topP", "topK", "seed", "presencePenalty",
	    "frequencyPenalty", "responseLogprobs", "logprobs",
	    "enableEnhancedCivicAnswers", "speechConfig", "thinkingConfig",
	    "mediaResolution", "imageConfig", "audioTimestamp", NULL };
	const cJSON	*gc = gget(k->doc, "generationConfig"), *v, *s;
	double		 d;
	int		 i = 0;

	k->max_out = 1L << 30;
	k->ncand = 1;
	if (gc == NULL)
		return 0;
	if (gm_only(k, gc, "generation_config", names) == -1)
		return -1;
	d = (double)k->max_out;
	if (gm_cfgnum(k, gc, "maxOutputTokens", "max_output_tokens", 1,
	    1 << 30, 1, &d) == -1)
		return -1;
	k->max_out = (long)d;
	d = 1;
	if (gm_cfgnum(k, gc, "candidateCount", "candidate_count", 1, 8, 1,
	    &d) == -1 ||
	    gm_cfgnum(k, gc, "temperature", "temperature", 0, 2, 0, &d) ==
	    -1 ||
	    gm_cfgnum(k, gc, "topP", "top_p", 0, 1, 0, &d) == -1 ||
	    gm_cfgnum(k, gc, "topK", "top_k", 1, 1e9, 1, &d) == -1)
		return -1;
	if ((v = gget(gc, "candidateCount")) != NULL)
		k->ncand = (long)v->valuedouble;
	if ((v = gget(gc, "stopSequences")) != NULL) {
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > 5)
			return gm_verr(k, "* %s.generation_config."
			    "stop_sequences: stop_sequences must be a list of "
			    "at most 5 strings", k->where);
		cJSON_ArrayForEach(s, v) {
			if (!cJSON_IsString(s))
				return gm_badval(k, "generation_config."
				    "stop_sequences", "TYPE_STRING", s);
			k->stops[k->nstops++] = s->valuestring;
			i++;
		}
	}
	if ((v = gget(gc, "responseMimeType")) != NULL) {
		if (!cJSON_IsString(v) || (strcmp(v->valuestring,
		    "text/plain") != 0 && strcmp(v->valuestring,
		    "application/json") != 0 && strcmp(v->valuestring,
		    "text/x.enum") != 0))
			return gm_verr(k, "* %s.generation_config."
			    "response_mime_type: allowed mimetypes are "
			    "`text/plain`, `application/json`, and "
			    "`text/x.enum`.", k->where);
		k->json = strcmp(v->valuestring, "application/json") == 0;
	}
	k->schema = gget(gc, "responseSchema");
	if (k->schema == NULL)
		k->schema = gget(gc, "responseJsonSchema");
	if (k->schema != NULL && !k->json)
		return gm_verr(k, "* %s.generation_config.response_mime_type: "
		    "response_schema requires response_mime_type "
		    "'application/json' or 'text/x.enum'", k->where);
	return gm_thinking(k, gc);
}

/* Validates a GenerateContentRequest; 0, or -1 with k->msg. */
int
gm_check(struct gm_chk *k)
{
	static const char *const names[] = { "contents", "tools",
	    "toolConfig", "safetySettings", "systemInstruction",
	    "generationConfig", "cachedContent", "model", NULL };
	const cJSON	*ss, *s;
	char		 at[48];
	int		 i = 0;

	if (gm_only(k, k->doc, "", names) == -1 || gm_contents(k) == -1 ||
	    gm_system(k) == -1 || gm_tools(k) == -1 ||
	    gm_toolconfig(k) == -1 || gm_genconfig(k) == -1)
		return -1;
	ss = gget(k->doc, "safetySettings");
	cJSON_ArrayForEach(s, arr(ss)) {
		snprintf(at, sizeof(at), "safety_settings[%d]", i++);
		if (gm_only(k, s, at, (const char *const[]){ "category",
		    "threshold", "method", NULL }) == -1)
			return -1;
	}
	return 0;
}

/* The last "[mock ...]" text part of systemInstruction and contents. */
const char *
gm_prefix_text(const cJSON *doc)
{
	const cJSON	*c, *p, *t;
	const char	*last = NULL;

	cJSON_ArrayForEach(p, gget(gget(doc, "systemInstruction"), "parts"))
		if (cJSON_IsString(t = gget(p, "text")) &&
		    strncmp(t->valuestring, "[mock", 5) == 0)
			last = t->valuestring;
	cJSON_ArrayForEach(c, arr(gget(doc, "contents")))
		cJSON_ArrayForEach(p, gget(c, "parts"))
			if (cJSON_IsString(t = gget(p, "text")) &&
			    strncmp(t->valuestring, "[mock", 5) == 0)
				last = t->valuestring;
	return last;
}

void
gm_chk_init(struct gm_chk *k, const cJSON *doc, const char *where)
{
	memset(k, 0, sizeof(*k));
	k->doc = doc;
	k->where = where;
	mbuf_init(&k->lead, MOCK_EVENT_MAX);
}

/* Checks one EmbedContentRequest at `at`; *dims from the model. */
int
gm_embed_check(struct gm_chk *k, const cJSON *r, const char *at,
    const char *model, long max, long *dims)
{
	const cJSON	*c, *od, *mn;
	long		 words = 0;
	int		 calls = 0, resp = 0;
	char		 p[96], want[160];

	if (gm_only(k, r, at, (const char *const[]){ "model", "content",
	    "taskType", "title", "outputDimensionality", NULL }) == -1)
		return -1;
	mn = gget(r, "model");
	snprintf(want, sizeof(want), "models/%s", model);
	if (mn != NULL && (!cJSON_IsString(mn) || (strcmp(mn->valuestring,
	    want) != 0 && strcmp(mn->valuestring, model) != 0)))
		return gm_verr(k, "* %s%s%s.model: the model in the request "
		    "does not match the model in the URL (%s)", k->where,
		    at[0] != '\0' ? "." : "", at, want);
	snprintf(p, sizeof(p), "%s%scontent", at, at[0] != '\0' ? "." : "");
	if ((c = gget(r, "content")) == NULL)
		return gm_verr(k, "* %s.%s: content is not specified", k->where,
		    p);
	if (gm_content(k, c, p, 1, &words, &calls, &resp) == -1)
		return -1;
	*dims = max;
	if ((od = gget(r, "outputDimensionality")) != NULL) {
		if (!cJSON_IsNumber(od) || od->valuedouble < 1 ||
		    od->valuedouble > max || od->valuedouble !=
		    (double)(long)od->valuedouble)
			return gm_verr(k, "* %s.output_dimensionality: "
			    "output_dimensionality must be an integer in "
			    "[1, %ld]", k->where, max);
		*dims = (long)od->valuedouble;
	}
	return 0;
}

/* The last "[mock ...]" text among the requests' parts. */
const char *
gm_embed_prefix(const cJSON *doc)
{
	const cJSON	*r, *p, *t;
	const char	*last = NULL;

	cJSON_ArrayForEach(p, gget(gget(doc, "content"), "parts"))
		if (cJSON_IsString(t = gget(p, "text")) &&
		    strncmp(t->valuestring, "[mock", 5) == 0)
			last = t->valuestring;
	cJSON_ArrayForEach(r, arr(gget(doc, "requests")))
		cJSON_ArrayForEach(p, gget(gget(r, "content"), "parts"))
			if (cJSON_IsString(t = gget(p, "text")) &&
			    strncmp(t->valuestring, "[mock", 5) == 0)
				last = t->valuestring;
	return last;
}
