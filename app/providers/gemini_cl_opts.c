/*
 * gemini_cl_opts.c: the settings of a client's GenerateContentRequest
 * -> chat request members: tools[].functionDeclarations -> function
 * tools (Gemini Schema -> JSON Schema; parametersJsonSchema as it is),
 * toolConfig.functionCallingConfig -> tool_choice, generationConfig ->
 * temperature, top_p, n, max_completion_tokens, stop, penalties, seed,
 * response_format and reasoning_effort.  The contents are
 * gemini_client.c's.
 *
 * Reference: Gemini API v1beta Tool, FunctionDeclaration, Schema,
 * ToolConfig, FunctionCallingConfig, GenerationConfig, ThinkingConfig;
 * openai-openapi.yaml CreateChatCompletionRequest.
 *
 * Refused (GM_INVALID naming the field) because another provider
 * cannot honour them: tools other than functionDeclarations (Google
 * Search, code execution, URL context...), responseLogprobs,
 * speechConfig, responseModalities other than TEXT, response MIME
 * types other than text/plain and application/json.  topK is checked
 * and dropped (chat has none); safetySettings are dropped.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "providers/gemini.h"
#include "providers/gemini_int.h"

struct clo {
	const cJSON	*req;
	cJSON		*chat;
	struct gm_why	*w;
};

/* functionDeclarations[] -> chat function tools. */
static enum gm_conv
declarations(struct clo *c, const cJSON *ds, int i, cJSON *out)
{
	const cJSON	*d, *v, *ps;
	const char	*name;
	cJSON		*t, *f, *s;
	int		 j = 0, rc;

	if (!cJSON_IsArray(ds))
		return gm_bad(c->w, "expected an array.",
		    "tools[%d].functionDeclarations", i);
	cJSON_ArrayForEach(d, ds) {
		name = gm_str(d, "name");
		if (name == NULL || name[0] == '\0')
			return gm_bad(c->w, "expected a non-empty string.",
			    "tools[%d].functionDeclarations[%d].name", i, j);
		v = gm_given(d, "description");
		ps = gm_field(d, "parametersJsonSchema",
		    "parameters_json_schema");
		if ((v != NULL && !cJSON_IsString(v)) ||
		    (ps == NULL && (ps = gm_given(d, "parameters")) != NULL &&
		    !cJSON_IsObject(ps)) || (ps != NULL && !cJSON_IsObject(ps)))
			return gm_bad(c->w, "expected a string description "
			    "and an object schema.",
			    "tools[%d].functionDeclarations[%d]", i, j);
		if ((t = cJSON_CreateObject()) == NULL ||
		    gm_push(out, t) == -1 ||
		    gm_putstr(t, "type", "function") == -1 ||
		    (f = cJSON_CreateObject()) == NULL ||
		    gm_put(t, "function", f) == -1 ||
		    gm_putstr(f, "name", name) == -1 || (v != NULL &&
		    gm_putstr(f, "description", v->valuestring) == -1))
			return GM_NOMEM;
		if (ps != NULL && ps != gm_given(d, "parameters")) {
			/* parametersJsonSchema is JSON Schema already. */
			if (gm_put(f, "parameters", cJSON_Duplicate(ps, 1)) ==
			    -1)
				return GM_NOMEM;
		} else if (ps != NULL) {
			if ((s = cJSON_CreateObject()) == NULL ||
			    gm_put(f, "parameters", s) == -1)
				return GM_NOMEM;
			if ((rc = gm_schema_to_json(s, ps, 0)) == 1)
				return gm_bad(c->w, "the schema is nested too "
				    "deeply.", "tools[%d].functionDeclarations"
				    "[%d].parameters", i, j);
			if (rc != 0)
				return GM_NOMEM;
		}
		j++;
	}
	return GM_OK;
}

static enum gm_conv
tools(struct clo *c)
{
	const cJSON	*ts = gm_given(c->req, "tools"), *t, *m;
	cJSON		*out;
	enum gm_conv	 r;
	int		 i = 0;

	if (ts == NULL)
		return GM_OK;
	if (!cJSON_IsArray(ts))
		return gm_bad(c->w, "expected an array.", "tools");
	if ((out = cJSON_CreateArray()) == NULL)
		return GM_NOMEM;
	cJSON_ArrayForEach(t, ts) {
		if (!cJSON_IsObject(t)) {
			cJSON_Delete(out);
			return gm_bad(c->w, "expected an object.", "tools[%d]",
			    i);
		}
		cJSON_ArrayForEach(m, t) {
			if (gm_streq(m->string, "functionDeclarations") ||
			    gm_streq(m->string, "function_declarations"))
				r = declarations(c, m, i, out);
			else
				r = gm_bad(c->w, "only functionDeclarations "
				    "tools can be used with this model.",
				    "tools[%d].%s", i, m->string);
			if (r != GM_OK) {
				cJSON_Delete(out);
				return r;
			}
		}
		i++;
	}
	if (out->child == NULL) {
		cJSON_Delete(out);
		return GM_OK;
	}
	return gm_put(c->chat, "tools", out) == 0 ? GM_OK : GM_NOMEM;
}

/* allowedFunctionNames -> the chat tools' names for allowed_tools. */
static cJSON *
allowed(const cJSON *names)
{
	const cJSON	*e;
	cJSON		*a, *t, *f;

	if ((a = cJSON_CreateArray()) == NULL)
		return NULL;
	cJSON_ArrayForEach(e, names)
		if ((t = cJSON_CreateObject()) == NULL || gm_push(a, t) == -1 ||
		    gm_putstr(t, "type", "function") == -1 ||
		    (f = cJSON_CreateObject()) == NULL ||
		    gm_put(t, "function", f) == -1 ||
		    gm_putstr(f, "name", e->valuestring) == -1) {
			cJSON_Delete(a);
			return NULL;
		}
	return a;
}

/* The tool_choice for mode and names (n of them). */
static cJSON *
choice_for(const char *mode, const cJSON *names, int n)
{
	cJSON	*o, *in;

	if (gm_streq(mode, "NONE"))
		return cJSON_CreateString("none");
	if (n == 0 || !(gm_streq(mode, "ANY") || gm_streq(mode, "VALIDATED")))
		return cJSON_CreateString(gm_streq(mode, "ANY") ? "required" :
		    "auto");
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (n == 1 && gm_streq(mode, "ANY")) {
		if (gm_putstr(o, "type", "function") == -1 ||
		    (in = cJSON_CreateObject()) == NULL ||
		    gm_put(o, "function", in) == -1 ||
		    gm_putstr(in, "name", names->child->valuestring) == -1)
			goto fail;
		return o;
	}
	if (gm_putstr(o, "type", "allowed_tools") == -1 ||
	    (in = cJSON_CreateObject()) == NULL ||
	    gm_put(o, "allowed_tools", in) == -1 ||
	    gm_putstr(in, "mode", gm_streq(mode, "ANY") ? "required" :
	    "auto") == -1 || gm_put(in, "tools", allowed(names)) == -1)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/*
 * toolConfig.functionCallingConfig -> tool_choice: NONE none, AUTO
 * auto, ANY required (one allowed name: that function; several:
 * allowed_tools required), VALIDATED with names allowed_tools auto.
 */
static enum gm_conv
tool_config(struct clo *c)
{
	static const char *const modes[] = { "MODE_UNSPECIFIED", "AUTO",
	    "ANY", "NONE", "VALIDATED" };
	const cJSON	*tc, *fcc, *names, *e;
	const char	*mode = "AUTO";
	size_t		 k;
	int		 n = 0;

	if ((tc = gm_field(c->req, "toolConfig", "tool_config")) == NULL)
		return GM_OK;
	if (!cJSON_IsObject(tc))
		return gm_bad(c->w, "expected an object.", "toolConfig");
	fcc = gm_field(tc, "functionCallingConfig", "function_calling_config");
	if (fcc == NULL)
		return GM_OK;
	if (!cJSON_IsObject(fcc))
		return gm_bad(c->w, "expected an object.",
		    "toolConfig.functionCallingConfig");
	if (gm_given(fcc, "mode") != NULL) {
		mode = gm_str(fcc, "mode");
		for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++)
			if (gm_streq(mode, modes[k]))
				break;
		if (k == sizeof(modes) / sizeof(modes[0]))
			return gm_bad(c->w, "expected AUTO, ANY, NONE or "
			    "VALIDATED.", "toolConfig.functionCallingConfig."
			    "mode");
	}
	names = gm_field(fcc, "allowedFunctionNames",
	    "allowed_function_names");
	if (names != NULL && !cJSON_IsArray(names))
		return gm_bad(c->w, "expected an array of names.",
		    "toolConfig.functionCallingConfig.allowedFunctionNames");
	cJSON_ArrayForEach(e, names) {
		if (!cJSON_IsString(e) || e->valuestring[0] == '\0')
			return gm_bad(c->w, "expected a non-empty string.",
			    "toolConfig.functionCallingConfig."
			    "allowedFunctionNames[%d]", n);
		n++;
	}
	/* OpenAI refuses a tool_choice without tools. */
	if (gm_get(c->chat, "tools") == NULL)
		return GM_OK;
	return gm_put(c->chat, "tool_choice", choice_for(mode, names, n)) ==
	    0 ? GM_OK : GM_NOMEM;
}

/* thinkingConfig -> reasoning_effort (budget 0 or -1: left out). */
static enum gm_conv
thinking(struct clo *c, const cJSON *gc)
{
	static const char *const levels[] = { "minimal", "low", "medium",
	    "high" };
	const cJSON	*tc, *v;
	const char	*effort = NULL;
	int64_t		 b;
	size_t		 k;

	if ((tc = gm_field(gc, "thinkingConfig", "thinking_config")) == NULL)
		return GM_OK;
	if (!cJSON_IsObject(tc))
		return gm_bad(c->w, "expected an object.",
		    "generationConfig.thinkingConfig");
	if ((v = gm_field(tc, "thinkingBudget", "thinking_budget")) != NULL) {
		if (!gm_int(v, -1, 1000000, &b))
			return gm_bad(c->w, "expected an integer of at least "
			    "-1.", "generationConfig.thinkingConfig."
			    "thinkingBudget");
		effort = b <= 0 ? NULL : b < 4096 ? "low" : b < 16384 ?
		    "medium" : "high";
	}
	if ((v = gm_field(tc, "thinkingLevel", "thinking_level")) != NULL) {
		for (k = 0; k < sizeof(levels) / sizeof(levels[0]); k++)
			if (cJSON_IsString(v) &&
			    strcasecmp(v->valuestring, levels[k]) == 0)
				break;
		if (k == sizeof(levels) / sizeof(levels[0]))
			return gm_bad(c->w, "expected minimal, low, medium or "
			    "high.", "generationConfig.thinkingConfig."
			    "thinkingLevel");
		effort = levels[k];
	}
	if ((v = gm_field(tc, "includeThoughts", "include_thoughts")) !=
	    NULL && !cJSON_IsBool(v))
		return gm_bad(c->w, "expected a boolean.",
		    "generationConfig.thinkingConfig.includeThoughts");
	if (effort == NULL)
		return GM_OK;
	return gm_putstr(c->chat, "reasoning_effort", effort) == 0 ? GM_OK :
	    GM_NOMEM;
}

/* responseMimeType and responseSchema -> response_format. */
static enum gm_conv
response_format(struct clo *c, const cJSON *gc)
{
	const cJSON	*mt, *rs, *rjs;
	const char	*mime = NULL;
	cJSON		*rf, *js, *s;
	int		 rc;

	if ((mt = gm_field(gc, "responseMimeType", "response_mime_type")) !=
	    NULL) {
		mime = gm_str(gc, mt->string);
		if (!gm_streq(mime, "text/plain") &&
		    !gm_streq(mime, "application/json"))
			return gm_bad(c->w, "expected text/plain or "
			    "application/json.",
			    "generationConfig.responseMimeType");
	}
	rs = gm_field(gc, "responseSchema", "response_schema");
	rjs = gm_field(gc, "responseJsonSchema", "response_json_schema");
	if ((rs != NULL && !cJSON_IsObject(rs)) ||
	    (rjs != NULL && !cJSON_IsObject(rjs)))
		return gm_bad(c->w, "expected an object.", "generationConfig."
		    "%s", rs != NULL && !cJSON_IsObject(rs) ? "responseSchema" :
		    "responseJsonSchema");
	if ((rs != NULL || rjs != NULL) &&
	    !gm_streq(mime, "application/json"))
		return gm_bad(c->w, "a schema needs responseMimeType "
		    "application/json.", "generationConfig.%s", rs != NULL ?
		    "responseSchema" : "responseJsonSchema");
	if (!gm_streq(mime, "application/json"))
		return GM_OK;
	if ((rf = cJSON_CreateObject()) == NULL ||
	    gm_put(c->chat, "response_format", rf) == -1)
		return GM_NOMEM;
	if (rs == NULL && rjs == NULL)
		return gm_putstr(rf, "type", "json_object") == 0 ? GM_OK :
		    GM_NOMEM;
	if (gm_putstr(rf, "type", "json_schema") == -1 ||
	    (js = cJSON_CreateObject()) == NULL ||
	    gm_put(rf, "json_schema", js) == -1 ||
	    gm_putstr(js, "name", "response") == -1)
		return GM_NOMEM;
	if (rjs != NULL)
		return gm_put(js, "schema", cJSON_Duplicate(rjs, 1)) == 0 ?
		    GM_OK : GM_NOMEM;
	if ((s = cJSON_CreateObject()) == NULL || gm_put(js, "schema", s) == -1)
		return GM_NOMEM;
	if ((rc = gm_schema_to_json(s, rs, 0)) == 1)
		return gm_bad(c->w, "the schema is nested too deeply.",
		    "generationConfig.responseSchema");
	return rc == 0 ? GM_OK : GM_NOMEM;
}

/* What only Gemini can do: logprobs, audio output, speech. */
static enum gm_conv
gen_unsupported(struct clo *c, const cJSON *gc)
{
	const cJSON	*v, *e;
	int		 j = 0;

	if (cJSON_IsTrue(gm_field(gc, "responseLogprobs",
	    "response_logprobs")))
		return gm_bad(c->w, "log probabilities are not available "
		    "from this model.", "generationConfig.responseLogprobs");
	if (gm_field(gc, "speechConfig", "speech_config") != NULL)
		return gm_bad(c->w, "speech output is not available from "
		    "this model.", "generationConfig.speechConfig");
	v = gm_field(gc, "responseModalities", "response_modalities");
	if (v != NULL && !cJSON_IsArray(v))
		return gm_bad(c->w, "expected an array.",
		    "generationConfig.responseModalities");
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e) || strcasecmp(e->valuestring, "TEXT"))
			return gm_bad(c->w, "this model answers with TEXT "
			    "only.", "generationConfig.responseModalities[%d]",
			    j);
		j++;
	}
	return GM_OK;
}

/* stopSequences -> stop. */
static enum gm_conv
stop_seqs(struct clo *c, const cJSON *gc)
{
	const cJSON	*v, *e;
	int		 j = 0;

	if ((v = gm_field(gc, "stopSequences", "stop_sequences")) == NULL)
		return GM_OK;
	if (!cJSON_IsArray(v))
		return gm_bad(c->w, "expected an array of strings.",
		    "generationConfig.stopSequences");
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e))
			return gm_bad(c->w, "expected a string.",
			    "generationConfig.stopSequences[%d]", j);
		j++;
	}
	if (j == 0)
		return GM_OK;
	return gm_put(c->chat, "stop", cJSON_Duplicate(v, 1)) == 0 ? GM_OK :
	    GM_NOMEM;
}

static enum gm_conv
gen_config(struct clo *c)
{
	static const struct {
		const char	*camel, *snake, *to;
		double		 lo, hi;
		int		 integer;
	} f[] = {
	    { "temperature", "temperature", "temperature", 0, 2, 0 },
	    { "topP", "top_p", "top_p", 0, 1, 0 },
	    { "topK", "top_k", NULL, 0, 1e9, 0 },
	    { "presencePenalty", "presence_penalty", "presence_penalty", -2,
		2, 0 },
	    { "frequencyPenalty", "frequency_penalty", "frequency_penalty", -2,
		2, 0 },
	    { "candidateCount", "candidate_count", "n", 1, 8, 1 },
	    { "maxOutputTokens", "max_output_tokens", "max_completion_tokens",
		1, INT32_MAX, 1 },
	    { "seed", "seed", "seed", INT32_MIN, INT32_MAX, 1 } };
	const cJSON	*gc, *v;
	enum gm_conv	 r;
	int64_t		 n;
	size_t		 k;

	if ((gc = gm_field(c->req, "generationConfig",
	    "generation_config")) == NULL)
		return GM_OK;
	if (!cJSON_IsObject(gc))
		return gm_bad(c->w, "expected an object.",
		    "generationConfig");
	for (k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		if ((v = gm_field(gc, f[k].camel, f[k].snake)) == NULL)
			continue;
		if (f[k].integer ? !gm_int(v, (int64_t)f[k].lo,
		    (int64_t)f[k].hi, &n) : !gm_num(v, f[k].lo, f[k].hi))
			return gm_bad(c->w, f[k].integer ? "expected an "
			    "integer in range." : "expected a number in range.",
			    "generationConfig.%s", f[k].camel);
		if (f[k].to != NULL && gm_putnum(c->chat, f[k].to,
		    v->valuedouble) == -1)
			return GM_NOMEM;
	}
	if ((r = gen_unsupported(c, gc)) != GM_OK ||
	    (r = stop_seqs(c, gc)) != GM_OK ||
	    (r = response_format(c, gc)) != GM_OK)
		return r;
	return thinking(c, gc);
}

enum gm_conv
gm_cl_options(const cJSON *req, cJSON *chat, struct gm_why *w)
{
	struct clo	 c;
	enum gm_conv	 r;

	c.req = req;
	c.chat = chat;
	c.w = w;
	if ((r = tools(&c)) != GM_OK || (r = tool_config(&c)) != GM_OK)
		return r;
	return gen_config(&c);
}
