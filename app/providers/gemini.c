/*
 * gemini.c: OpenAI Chat Completions request -> Gemini
 * GenerateContentRequest (gm_up_request), for a gemini channel.  The
 * answers and the stream coming back are gemini_resp.c; the client
 * direction (a client speaking Gemini) is gemini_client.c; shared
 * pieces, embeddings and usage are gemini_util.c.
 *
 * Reference: Gemini API v1beta GenerateContentRequest, Content, Part,
 * Tool, FunctionDeclaration, ToolConfig, FunctionCallingConfig,
 * GenerationConfig, ThinkingConfig; openai-openapi.yaml
 * CreateChatCompletionRequest, ChatCompletionRequestMessage and its
 * content parts, ChatCompletionTool, ChatCompletionToolChoiceOption.
 *
 * Roles: system/developer -> systemInstruction (alone, they are the
 * user turn: Gemini needs contents); user and tool -> "user"; assistant
 * -> "model"; neighbours of one role merged; empty text dropped
 * (Gemini refuses empty parts) and a message left empty skipped.
 * Tool messages find their function name through the tool call ids
 * seen so far (a hash map: no quadratic search on long histories).
 *
 * The chat request arrives lightly validated (handlers/chat.c checks
 * roles and number ranges only), so every member is type-checked here;
 * anything Gemini cannot express is GM_INVALID naming the field, and
 * *out is set only when the whole request converted.
 *
 * Thought signatures: Gemini 3 refuses a history whose model turns hold
 * unsigned functionCall parts.  A tool call carrying Gemini's own
 * OpenAI-compatible extra_content.google.thought_signature gets it
 * back; otherwise the first call of the turn gets the documented
 * "skip_thought_signature_validator" sentinel (a history from a client
 * that dropped it, or from another model).
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "providers/gemini.h"
#include "providers/gemini_int.h"

#define GM_SKIP_SIGNATURE	"skip_thought_signature_validator"

/* ---- chat request -> GenerateContentRequest ---- */

struct upc {
	const cJSON	*chat;
	cJSON		*g;		/* the request being built */
	cJSON		*contents;
	cJSON		*last;		/* last content, for merging */
	cJSON		*sys;		/* systemInstruction parts */
	struct gm_map	 ids;		/* tool call id -> function name */
	struct gm_why	 w;
};

/* Content kinds a role may carry. */
#define K_TEXT		1
#define K_IMAGE		2
#define K_FILE		4
#define K_REFUSAL	8

static enum gm_conv
add_text(cJSON *parts, const char *s)
{
	if (s[0] == '\0')
		return GM_OK;	/* Gemini refuses empty text parts */
	return gm_push(parts, gm_text_part(s)) == 0 ? GM_OK : GM_NOMEM;
}

/*
 * "data:<mime>[;params];base64,<data>" -> mime and data.  -1 when u is
 * not such a URL (or the mime type is empty, odd or too long).
 */
static int
data_url(const char *u, char *mime, size_t msz, const char **data)
{
	const char	*p, *comma;
	size_t		 len, i;

	if (strncmp(u, "data:", 5) != 0)
		return -1;
	p = u + 5;
	if ((comma = strchr(p, ',')) == NULL)
		return -1;
	len = strcspn(p, ";,");
	if (len == 0 || len >= msz || comma - p < (ptrdiff_t)(len + 7) ||
	    strncasecmp(comma - 7, ";base64", 7) != 0 || comma[1] == '\0')
		return -1;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)p[i]) &&
		    strchr("/.+-_", p[i]) == NULL)
			return -1;
	memcpy(mime, p, len);
	mime[len] = '\0';
	*data = comma + 1;
	return 0;
}

static cJSON *
inline_part(const char *mime, const char *data)
{
	cJSON	*p, *d;

	if ((p = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((d = cJSON_CreateObject()) == NULL ||
	    gm_put(p, "inlineData", d) == -1 ||
	    gm_putstr(d, "mimeType", mime) == -1 ||
	    gm_putstr(d, "data", data) == -1) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

/* The image type a URL's extension names; image/jpeg when unknown. */
static const char *
guess_mime(const char *url)
{
	static const char *const map[][2] = { { "png", "image/png" },
	    { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
	    { "webp", "image/webp" }, { "gif", "image/gif" },
	    { "heic", "image/heic" }, { "heif", "image/heif" } };
	size_t		 end = strcspn(url, "?#"), i, n;
	const char	*dot = NULL, *p;

	for (p = url; p < url + end; p++)
		if (*p == '.')
			dot = p + 1;
		else if (*p == '/')
			dot = NULL;
	if (dot == NULL)
		return "image/jpeg";
	n = (size_t)(url + end - dot);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i][0]) == n && strncasecmp(dot, map[i][0], n) ==
		    0)
			return map[i][1];
	return "image/jpeg";
}

static enum gm_conv
image_part(struct upc *c, const cJSON *p, int i, int j, cJSON *parts)
{
	const cJSON	*iu = gm_get(p, "image_url");
	const char	*url, *data;
	char		 mime[128];
	cJSON		*o, *f;

	url = cJSON_IsString(iu) ? iu->valuestring : gm_str(iu, "url");
	if (url == NULL || url[0] == '\0')
		return gm_bad(&c->w, "expected an object with a url.",
		    "messages[%d].content[%d].image_url", i, j);
	if (strncmp(url, "data:", 5) == 0) {
		if (data_url(url, mime, sizeof(mime), &data) == -1)
			return gm_bad(&c->w, "expected a base64 data: URL.",
			    "messages[%d].content[%d].image_url.url", i, j);
		return gm_push(parts, inline_part(mime, data)) == 0 ? GM_OK :
		    GM_NOMEM;
	}
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) !=
	    0 && strncmp(url, "gs://", 5) != 0)
		return gm_bad(&c->w, "expected an http(s) or data: URL.",
		    "messages[%d].content[%d].image_url.url", i, j);
	if ((o = cJSON_CreateObject()) == NULL || gm_push(parts, o) == -1 ||
	    (f = cJSON_CreateObject()) == NULL ||
	    gm_put(o, "fileData", f) == -1 ||
	    gm_putstr(f, "mimeType", guess_mime(url)) == -1 ||
	    gm_putstr(f, "fileUri", url) == -1)
		return GM_NOMEM;
	return GM_OK;
}

/* {type file, file {file_data}}: inline data (OpenAI takes PDFs). */
static enum gm_conv
file_part(struct upc *c, const cJSON *p, int i, int j, cJSON *parts)
{
	const cJSON	*f = gm_get(p, "file");
	const char	*fd = gm_str(f, "file_data"), *data;
	char		 mime[128];

	if (!cJSON_IsObject(f))
		return gm_bad(&c->w, "expected an object.",
		    "messages[%d].content[%d].file", i, j);
	if (fd == NULL || fd[0] == '\0') {
		if (gm_given(f, "file_id") != NULL)
			return gm_bad(&c->w, "uploaded files cannot be sent "
			    "to a Gemini upstream; send file_data.",
			    "messages[%d].content[%d].file.file_id", i, j);
		return gm_bad(&c->w, "expected file_data.",
		    "messages[%d].content[%d].file", i, j);
	}
	if (strncmp(fd, "data:", 5) == 0) {
		if (data_url(fd, mime, sizeof(mime), &data) == -1)
			return gm_bad(&c->w, "expected a base64 data: URL.",
			    "messages[%d].content[%d].file.file_data", i, j);
	} else {
		snprintf(mime, sizeof(mime), "application/pdf");
		data = fd;
	}
	return gm_push(parts, inline_part(mime, data)) == 0 ? GM_OK :
	    GM_NOMEM;
}

/* One content part of messages[i] (index j) of the allowed kinds. */
static enum gm_conv
content_part(struct upc *c, const cJSON *p, int kinds, int i, int j,
    cJSON *parts)
{
	const char	*t = gm_str(p, "type"), *s;

	if (!cJSON_IsObject(p))
		return gm_bad(&c->w, "expected an object.",
		    "messages[%d].content[%d]", i, j);
	if (gm_streq(t, "text") || (gm_streq(t, "refusal") &&
	    (kinds & K_REFUSAL))) {
		if ((s = gm_str(p, t)) == NULL)
			return gm_bad(&c->w, "expected a string.",
			    "messages[%d].content[%d].%s", i, j, t);
		return add_text(parts, s);
	}
	if (gm_streq(t, "image_url") && (kinds & K_IMAGE))
		return image_part(c, p, i, j, parts);
	if (gm_streq(t, "file") && (kinds & K_FILE))
		return file_part(c, p, i, j, parts);
	if (gm_streq(t, "input_audio") && (kinds & K_IMAGE))
		return gm_bad(&c->w, "audio input cannot be sent to a Gemini "
		    "upstream.", "messages[%d].content[%d]", i, j);
	if (t == NULL)
		return gm_bad(&c->w, "expected a string.",
		    "messages[%d].content[%d].type", i, j);
	return gm_bad(&c->w, "this content part type cannot be used here.",
	    "messages[%d].content[%d].type", i, j);
}

/* messages[i].content (a string or parts of the allowed kinds). */
static enum gm_conv
content_parts(struct upc *c, const cJSON *content, int kinds, int i,
    cJSON *parts)
{
	const cJSON	*p;
	enum gm_conv	 r;
	int		 j = 0;

	if (cJSON_IsString(content))
		return add_text(parts, content->valuestring);
	if (!cJSON_IsArray(content))
		return gm_bad(&c->w, "expected a string or an array of "
		    "content parts.", "messages[%d].content", i);
	cJSON_ArrayForEach(p, content) {
		if ((r = content_part(c, p, kinds, i, j, parts)) != GM_OK)
			return r;
		j++;
	}
	return GM_OK;
}

/*
 * Appends parts (consumed) as a turn of role: merged into the last
 * content when that has the same role (Gemini wants turns to
 * alternate), dropped when empty.
 */
static enum gm_conv
push_turn(struct upc *c, const char *role, cJSON *parts)
{
	cJSON	*lp, *it, *content;

	if (parts->child == NULL) {
		cJSON_Delete(parts);
		return GM_OK;
	}
	if (c->last != NULL && gm_streq(gm_str(c->last, "role"), role)) {
		lp = (cJSON *)gm_get(c->last, "parts");
		while ((it = cJSON_DetachItemFromArray(parts, 0)) != NULL)
			cJSON_AddItemToArray(lp, it);
		cJSON_Delete(parts);
		return GM_OK;
	}
	if ((content = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(parts);
		return GM_NOMEM;
	}
	if (gm_push(c->contents, content) == -1 ||
	    gm_putstr(content, "role", role) == -1 ||
	    gm_put(content, "parts", parts) == -1)
		return GM_NOMEM;
	c->last = content;
	return GM_OK;
}

/* Arguments text -> the args object; NULL when not a JSON object. */
static cJSON *
parse_args(const char *s)
{
	const char	*p;
	cJSON		*a;

	for (p = s != NULL ? s : ""; isspace((unsigned char)*p); p++)
		;
	if (*p == '\0')
		return cJSON_CreateObject();
	if ((a = cJSON_ParseWithOpts(p, NULL, 1)) != NULL &&
	    !cJSON_IsObject(a)) {
		cJSON_Delete(a);
		a = NULL;
	}
	return a;
}

/* One assistant tool call (at param pfx) -> a functionCall part. */
static enum gm_conv
call_part(struct upc *c, const cJSON *tc, int legacy, const char *pfx,
    cJSON *parts)
{
	const cJSON	*f = legacy ? tc : gm_get(tc, "function"), *a;
	const char	*name, *sig, *id;
	cJSON		*p, *fc, *args;

	if (!cJSON_IsObject(tc))
		return gm_bad(&c->w, "expected an object.", "%s", pfx);
	if (!legacy && gm_given(tc, "type") != NULL &&
	    !gm_streq(gm_str(tc, "type"), "function"))
		return gm_bad(&c->w, "Gemini upstreams take function tool "
		    "calls only.", "%s.type", pfx);
	if (!cJSON_IsObject(f))
		return gm_bad(&c->w, "expected an object.", "%s.function",
		    pfx);
	name = gm_str(f, "name");
	if (name == NULL || name[0] == '\0')
		return gm_bad(&c->w, "expected a non-empty string.", "%s%s",
		    pfx, legacy ? ".name" : ".function.name");
	a = gm_given(f, "arguments");
	if (a != NULL && !cJSON_IsString(a))
		return gm_bad(&c->w, "expected a string.", "%s%s", pfx,
		    legacy ? ".arguments" : ".function.arguments");
	if ((args = parse_args(a != NULL ? a->valuestring : NULL)) == NULL)
		return gm_bad(&c->w, "a Gemini upstream needs the arguments "
		    "as a JSON object.", "%s%s", pfx, legacy ? ".arguments" :
		    ".function.arguments");
	if ((p = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(args);
		return GM_NOMEM;
	}
	if (gm_push(parts, p) == -1 || (fc = cJSON_CreateObject()) == NULL ||
	    gm_put(p, "functionCall", fc) == -1 ||
	    gm_putstr(fc, "name", name) == -1) {
		cJSON_Delete(args);
		return GM_NOMEM;
	}
	if (gm_put(fc, "args", args) == -1)
		return GM_NOMEM;
	sig = gm_str(gm_get(gm_get(tc, "extra_content"), "google"),
	    "thought_signature");
	if (sig != NULL && sig[0] != '\0' &&
	    gm_putstr(p, "thoughtSignature", sig) == -1)
		return GM_NOMEM;
	if (!legacy && (id = gm_str(tc, "id")) != NULL &&
	    gm_map_put(&c->ids, id, name) == -1)
		return GM_NOMEM;
	return GM_OK;
}

/* The sentinel signature on the first call when no call is signed. */
static enum gm_conv
sign_calls(cJSON *parts)
{
	cJSON	*p, *first = NULL;

	cJSON_ArrayForEach(p, parts) {
		if (gm_get(p, "functionCall") == NULL)
			continue;
		if (gm_get(p, "thoughtSignature") != NULL)
			return GM_OK;
		if (first == NULL)
			first = p;
	}
	if (first == NULL)
		return GM_OK;
	return gm_putstr(first, "thoughtSignature", GM_SKIP_SIGNATURE) == 0 ?
	    GM_OK : GM_NOMEM;
}

static enum gm_conv
assistant_msg(struct upc *c, const cJSON *m, int i, cJSON *parts)
{
	const cJSON	*v, *tc;
	char		 pfx[64];
	enum gm_conv	 r;
	int		 j = 0;

	if ((v = gm_given(m, "content")) != NULL &&
	    (r = content_parts(c, v, K_TEXT | K_REFUSAL, i, parts)) != GM_OK)
		return r;
	if ((v = gm_given(m, "tool_calls")) != NULL) {
		if (!cJSON_IsArray(v))
			return gm_bad(&c->w, "expected an array.",
			    "messages[%d].tool_calls", i);
		cJSON_ArrayForEach(tc, v) {
			snprintf(pfx, sizeof(pfx), "messages[%d].tool_calls"
			    "[%d]", i, j++);
			if ((r = call_part(c, tc, 0, pfx, parts)) != GM_OK)
				return r;
		}
	}
	if ((v = gm_given(m, "function_call")) != NULL) {
		snprintf(pfx, sizeof(pfx), "messages[%d].function_call", i);
		if ((r = call_part(c, v, 1, pfx, parts)) != GM_OK)
			return r;
	}
	return sign_calls(parts);
}

/* Text of a tool message's content (a string or text parts). */
static enum gm_conv
content_text(struct upc *c, const cJSON *content, int i, struct buf *b)
{
	const cJSON	*p;
	const char	*s;
	int		 j = 0;

	if (content == NULL)
		return GM_OK;
	if (cJSON_IsString(content))
		return buf_puts(b, content->valuestring) == 0 ? GM_OK :
		    GM_NOMEM;
	if (!cJSON_IsArray(content))
		return gm_bad(&c->w, "expected a string or an array of text "
		    "parts.", "messages[%d].content", i);
	cJSON_ArrayForEach(p, content) {
		if (!gm_streq(gm_str(p, "type"), "text") ||
		    (s = gm_str(p, "text")) == NULL)
			return gm_bad(&c->w, "expected a text part.",
			    "messages[%d].content[%d]", i, j);
		if (buf_puts(b, s) == -1)
			return GM_NOMEM;
		j++;
	}
	return GM_OK;
}

/*
 * A tool (or legacy function) message -> a functionResponse part with
 * response {"content": the text, or the object the text parses to}.
 */
static enum gm_conv
tool_msg(struct upc *c, const cJSON *m, int i, int legacy, cJSON *parts)
{
	const char	*name, *id;
	cJSON		*p, *fr, *resp, *val;
	struct buf	 b;
	enum gm_conv	 r;

	if (legacy) {
		name = gm_str(m, "name");
		if (name == NULL || name[0] == '\0')
			return gm_bad(&c->w, "expected a non-empty string.",
			    "messages[%d].name", i);
	} else {
		id = gm_str(m, "tool_call_id");
		if (id == NULL || id[0] == '\0')
			return gm_bad(&c->w, "expected a non-empty string.",
			    "messages[%d].tool_call_id", i);
		if ((name = gm_map_get(&c->ids, id)) == NULL)
			name = id;
	}
	buf_init(&b, GM_JOIN_MAX);
	if ((r = content_text(c, gm_given(m, "content"), i, &b)) != GM_OK) {
		buf_free(&b);
		return r;
	}
	val = cJSON_ParseWithOpts(buf_cstr(&b), NULL, 1);
	if (!cJSON_IsObject(val)) {
		cJSON_Delete(val);
		val = cJSON_CreateString(buf_cstr(&b));
	}
	buf_free(&b);
	if ((p = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(val);
		return GM_NOMEM;
	}
	if (gm_push(parts, p) == -1 || (fr = cJSON_CreateObject()) == NULL ||
	    gm_put(p, "functionResponse", fr) == -1 ||
	    gm_putstr(fr, "name", name) == -1 ||
	    (resp = cJSON_CreateObject()) == NULL ||
	    gm_put(fr, "response", resp) == -1) {
		cJSON_Delete(val);
		return GM_NOMEM;
	}
	return gm_put(resp, "content", val) == 0 ? GM_OK : GM_NOMEM;
}

static enum gm_conv
message(struct upc *c, const cJSON *m, int i)
{
	const char	*role = gm_str(m, "role");
	const cJSON	*content = gm_given(m, "content");
	cJSON		*parts;
	enum gm_conv	 r;

	if (!cJSON_IsObject(m))
		return gm_bad(&c->w, "expected an object.", "messages[%d]", i);
	if (gm_streq(role, "system") || gm_streq(role, "developer")) {
		if (content == NULL)
			return gm_bad(&c->w, "expected a string or an array "
			    "of text parts.", "messages[%d].content", i);
		return content_parts(c, content, K_TEXT, i, c->sys);
	}
	if ((parts = cJSON_CreateArray()) == NULL)
		return GM_NOMEM;
	if (gm_streq(role, "user")) {
		r = content == NULL ? gm_bad(&c->w, "expected a string or an "
		    "array of content parts.", "messages[%d].content", i) :
		    content_parts(c, content, K_TEXT | K_IMAGE | K_FILE, i,
		    parts);
	} else if (gm_streq(role, "assistant"))
		r = assistant_msg(c, m, i, parts);
	else if (gm_streq(role, "tool") || gm_streq(role, "function"))
		r = tool_msg(c, m, i, gm_streq(role, "function"), parts);
	else
		r = gm_bad(&c->w, "expected one of system, developer, user, "
		    "assistant, tool, function.", "messages[%d].role", i);
	if (r != GM_OK) {
		cJSON_Delete(parts);
		return r;
	}
	return push_turn(c, gm_streq(role, "assistant") ? "model" : "user",
	    parts);
}

static enum gm_conv
messages(struct upc *c)
{
	const cJSON	*msgs = gm_get(c->chat, "messages"), *m;
	enum gm_conv	 r;
	int		 i = 0;

	if (!cJSON_IsArray(msgs) || msgs->child == NULL)
		return gm_bad(&c->w, "expected a non-empty array.",
		    "messages");
	cJSON_ArrayForEach(m, msgs) {
		if ((r = message(c, m, i)) != GM_OK)
			return r;
		i++;
	}
	return GM_OK;
}

/* tools[i] -> a functionDeclaration added to decls. */
static enum gm_conv
declaration(struct upc *c, const cJSON *t, int i, cJSON *decls)
{
	const cJSON	*f = gm_get(t, "function"), *v;
	const char	*name;
	cJSON		*d, *ps;
	int		 rc;

	if (!cJSON_IsObject(t))
		return gm_bad(&c->w, "expected an object.", "tools[%d]", i);
	if (!gm_streq(gm_str(t, "type"), "function"))
		return gm_bad(&c->w, "Gemini upstreams take function tools "
		    "only.", "tools[%d].type", i);
	if (!cJSON_IsObject(f))
		return gm_bad(&c->w, "expected an object.",
		    "tools[%d].function", i);
	name = gm_str(f, "name");
	if (name == NULL || name[0] == '\0')
		return gm_bad(&c->w, "expected a non-empty string.",
		    "tools[%d].function.name", i);
	v = gm_given(f, "description");
	if (v != NULL && !cJSON_IsString(v))
		return gm_bad(&c->w, "expected a string.",
		    "tools[%d].function.description", i);
	if ((d = cJSON_CreateObject()) == NULL || gm_push(decls, d) == -1 ||
	    gm_putstr(d, "name", name) == -1 || (v != NULL &&
	    gm_putstr(d, "description", v->valuestring) == -1))
		return GM_NOMEM;
	if ((v = gm_given(f, "parameters")) == NULL)
		return GM_OK;
	if (!cJSON_IsObject(v))
		return gm_bad(&c->w, "expected a JSON Schema object.",
		    "tools[%d].function.parameters", i);
	if ((ps = cJSON_CreateObject()) == NULL ||
	    gm_put(d, "parameters", ps) == -1)
		return GM_NOMEM;
	if ((rc = gm_schema_to_gemini(ps, v, 0)) == 1)
		return gm_bad(&c->w, "the schema is nested too deeply.",
		    "tools[%d].function.parameters", i);
	return rc == 0 ? GM_OK : GM_NOMEM;
}

/* The function names of allowed_tools.tools (chat or Responses form). */
static enum gm_conv
allowed_names(struct upc *c, const cJSON *list, cJSON *names)
{
	const cJSON	*t;
	const char	*n;
	int		 i = 0;

	if (!cJSON_IsArray(list) || list->child == NULL)
		return gm_bad(&c->w, "expected a non-empty array.",
		    "tool_choice.allowed_tools.tools");
	cJSON_ArrayForEach(t, list) {
		n = gm_str(gm_get(t, "function"), "name");
		if (n == NULL)
			n = gm_str(t, "name");
		if (!gm_streq(gm_str(t, "type"), "function") || n == NULL)
			return gm_bad(&c->w, "expected a function tool with a "
			    "name.", "tool_choice.allowed_tools.tools[%d]", i);
		if (gm_push(names, cJSON_CreateString(n)) == -1)
			return GM_NOMEM;
		i++;
	}
	return GM_OK;
}

/*
 * tool_choice -> functionCallingConfig: none NONE, auto AUTO, required
 * ANY, a named function ANY + that name, allowed_tools ANY (required)
 * or VALIDATED (auto) + the names.
 */
static enum gm_conv
tool_choice(struct upc *c, cJSON *fcc)
{
	const cJSON	*tc = gm_given(c->chat, "tool_choice"), *at;
	const char	*s, *mode = NULL;
	cJSON		*names;
	enum gm_conv	 r;

	if (cJSON_IsString(tc)) {
		s = tc->valuestring;
		mode = gm_streq(s, "none") ? "NONE" : gm_streq(s, "auto") ?
		    "AUTO" : gm_streq(s, "required") ? "ANY" : NULL;
		if (mode == NULL)
			return gm_bad(&c->w, "expected none, auto, required "
			    "or an object.", "tool_choice");
		return gm_putstr(fcc, "mode", mode) == 0 ? GM_OK : GM_NOMEM;
	}
	if (!cJSON_IsObject(tc))
		return gm_bad(&c->w, "expected a string or an object.",
		    "tool_choice");
	if ((names = cJSON_CreateArray()) == NULL)
		return GM_NOMEM;
	s = gm_str(tc, "type");
	if (gm_streq(s, "function")) {
		mode = "ANY";
		s = gm_str(gm_get(tc, "function"), "name");
		if (s == NULL || s[0] == '\0')
			r = gm_bad(&c->w, "expected a non-empty string.",
			    "tool_choice.function.name");
		else
			r = gm_push(names, cJSON_CreateString(s)) == 0 ?
			    GM_OK : GM_NOMEM;
	} else if (gm_streq(s, "allowed_tools")) {
		at = gm_get(tc, "allowed_tools");
		s = gm_str(at, "mode");
		mode = gm_streq(s, "required") ? "ANY" : gm_streq(s, "auto") ?
		    "VALIDATED" : NULL;
		r = mode == NULL ? gm_bad(&c->w, "expected auto or required.",
		    "tool_choice.allowed_tools.mode") :
		    allowed_names(c, gm_get(at, "tools"), names);
	} else
		r = gm_bad(&c->w, "expected function or allowed_tools.",
		    "tool_choice.type");
	if (r == GM_OK && gm_putstr(fcc, "mode", mode) == -1)
		r = GM_NOMEM;
	if (r != GM_OK) {
		cJSON_Delete(names);
		return r;
	}
	return gm_put(fcc, "allowedFunctionNames", names) == 0 ? GM_OK :
	    GM_NOMEM;
}

static enum gm_conv
tools(struct upc *c)
{
	const cJSON	*ts = gm_given(c->chat, "tools"), *t;
	cJSON		*arr, *tool, *decls, *tcfg, *fcc;
	enum gm_conv	 r;
	int		 i = 0;

	if (ts == NULL)
		return GM_OK;
	if (!cJSON_IsArray(ts))
		return gm_bad(&c->w, "expected an array.", "tools");
	if (ts->child == NULL)
		return GM_OK;
	if ((arr = cJSON_CreateArray()) == NULL ||
	    gm_put(c->g, "tools", arr) == -1 ||
	    (tool = cJSON_CreateObject()) == NULL || gm_push(arr, tool) == -1 ||
	    (decls = cJSON_CreateArray()) == NULL ||
	    gm_put(tool, "functionDeclarations", decls) == -1)
		return GM_NOMEM;
	cJSON_ArrayForEach(t, ts) {
		if ((r = declaration(c, t, i, decls)) != GM_OK)
			return r;
		i++;
	}
	/* A tool_choice without tools means nothing (OpenAI refuses it). */
	if (gm_given(c->chat, "tool_choice") == NULL)
		return GM_OK;
	if ((tcfg = cJSON_CreateObject()) == NULL ||
	    gm_put(c->g, "toolConfig", tcfg) == -1 ||
	    (fcc = cJSON_CreateObject()) == NULL ||
	    gm_put(tcfg, "functionCallingConfig", fcc) == -1)
		return GM_NOMEM;
	return tool_choice(c, fcc);
}

/* stop (a string or strings) -> stopSequences. */
static enum gm_conv
stop_seqs(struct upc *c, cJSON *gc)
{
	const cJSON	*v = gm_given(c->chat, "stop"), *e;
	cJSON		*a;

	if (v == NULL)
		return GM_OK;
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v)
			if (!cJSON_IsString(e))
				return gm_bad(&c->w, "expected a string or an "
				    "array of strings.", "stop");
	} else if (!cJSON_IsString(v))
		return gm_bad(&c->w, "expected a string or an array of "
		    "strings.", "stop");
	if (cJSON_IsArray(v) && v->child == NULL)
		return GM_OK;
	if ((a = cJSON_IsString(v) ? cJSON_CreateArray() :
	    cJSON_Duplicate(v, 1)) == NULL || gm_put(gc, "stopSequences",
	    a) == -1)
		return GM_NOMEM;
	if (cJSON_IsString(v) &&
	    gm_push(a, cJSON_CreateString(v->valuestring)) == -1)
		return GM_NOMEM;
	return GM_OK;
}

/* response_format -> responseMimeType (+ responseSchema). */
static enum gm_conv
response_format(struct upc *c, cJSON *gc)
{
	const cJSON	*rf = gm_given(c->chat, "response_format"), *js;
	const char	*t = gm_str(rf, "type");
	cJSON		*s;
	int		 rc;

	if (rf == NULL || gm_streq(t, "text"))
		return GM_OK;
	if (!gm_streq(t, "json_object") && !gm_streq(t, "json_schema"))
		return gm_bad(&c->w, "expected text, json_object or "
		    "json_schema.", "response_format.type");
	if (gm_putstr(gc, "responseMimeType", "application/json") == -1)
		return GM_NOMEM;
	if (gm_streq(t, "json_object"))
		return GM_OK;
	js = gm_given(gm_get(rf, "json_schema"), "schema");
	if (js == NULL)
		return GM_OK;
	if (!cJSON_IsObject(js))
		return gm_bad(&c->w, "expected a JSON Schema object.",
		    "response_format.json_schema.schema");
	if ((s = cJSON_CreateObject()) == NULL ||
	    gm_put(gc, "responseSchema", s) == -1)
		return GM_NOMEM;
	if ((rc = gm_schema_to_gemini(s, js, 0)) == 1)
		return gm_bad(&c->w, "the schema is nested too deeply.",
		    "response_format.json_schema.schema");
	return rc == 0 ? GM_OK : GM_NOMEM;
}

/* reasoning_effort -> thinkingConfig.thinkingBudget. */
static enum gm_conv
thinking(struct upc *c, cJSON *gc)
{
	static const struct {
		const char	*effort;
		int		 budget;
	} map[] = { { "none", 0 }, { "minimal", 512 }, { "low", 1024 },
	    { "medium", 8192 }, { "high", 24576 }, { "xhigh", 24576 },
	    { "max", 24576 } };
	const cJSON	*v = gm_given(c->chat, "reasoning_effort");
	cJSON		*tc;
	size_t		 i;

	if (v == NULL)
		return GM_OK;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (gm_streq(v->valuestring, map[i].effort))
			break;
	if (!cJSON_IsString(v) || i == sizeof(map) / sizeof(map[0]))
		return gm_bad(&c->w, "expected one of none, minimal, low, "
		    "medium, high.", "reasoning_effort");
	if ((tc = cJSON_CreateObject()) == NULL ||
	    gm_put(gc, "thinkingConfig", tc) == -1 ||
	    gm_putnum(tc, "thinkingBudget", map[i].budget) == -1)
		return GM_NOMEM;
	return GM_OK;
}

/* The numbers and integers of generationConfig. */
static enum gm_conv
gen_numbers(struct upc *c, cJSON *gc)
{
	static const struct {
		const char	*from, *to;
		double		 lo, hi;
	} nums[] = { { "temperature", "temperature", 0, 2 },
	    { "top_p", "topP", 0, 1 },
	    { "presence_penalty", "presencePenalty", -2, 2 },
	    { "frequency_penalty", "frequencyPenalty", -2, 2 } };
	const cJSON	*v;
	int64_t		 n;
	size_t		 i;
	const char	*mt;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if ((v = gm_given(c->chat, nums[i].from)) == NULL)
			continue;
		if (!gm_num(v, nums[i].lo, nums[i].hi))
			return gm_bad(&c->w, "expected a number in range.",
			    "%s", nums[i].from);
		if (gm_putnum(gc, nums[i].to, v->valuedouble) == -1)
			return GM_NOMEM;
	}
	mt = gm_given(c->chat, "max_completion_tokens") != NULL ?
	    "max_completion_tokens" : "max_tokens";
	if ((v = gm_given(c->chat, mt)) != NULL) {
		if (!gm_int(v, 1, INT32_MAX, &n))
			return gm_bad(&c->w, "expected an integer of at least "
			    "1.", "%s", mt);
		if (gm_putnum(gc, "maxOutputTokens", (double)n) == -1)
			return GM_NOMEM;
	}
	if ((v = gm_given(c->chat, "n")) != NULL) {
		if (!gm_int(v, 1, 8, &n))
			return gm_bad(&c->w, "a Gemini upstream returns 1 to "
			    "8 choices.", "n");
		if (gm_putnum(gc, "candidateCount", (double)n) == -1)
			return GM_NOMEM;
	}
	if ((v = gm_given(c->chat, "seed")) != NULL) {
		if (!gm_int(v, INT32_MIN, INT32_MAX, &n))
			return gm_bad(&c->w, "a Gemini upstream takes a 32-bit "
			    "integer seed.", "seed");
		if (gm_putnum(gc, "seed", (double)n) == -1)
			return GM_NOMEM;
	}
	return GM_OK;
}

static enum gm_conv
gen_config(struct upc *c)
{
	cJSON		*gc;
	enum gm_conv	 r;

	if ((gc = cJSON_CreateObject()) == NULL)
		return GM_NOMEM;
	if ((r = gen_numbers(c, gc)) != GM_OK ||
	    (r = stop_seqs(c, gc)) != GM_OK ||
	    (r = response_format(c, gc)) != GM_OK ||
	    (r = thinking(c, gc)) != GM_OK) {
		cJSON_Delete(gc);
		return r;
	}
	if (gc->child == NULL) {
		cJSON_Delete(gc);
		return GM_OK;
	}
	return gm_put(c->g, "generationConfig", gc) == 0 ? GM_OK : GM_NOMEM;
}

/* What a Gemini upstream cannot do at all. */
static enum gm_conv
unsupported(struct upc *c)
{
	const cJSON	*v;

	if (cJSON_IsTrue(gm_get(c->chat, "logprobs")))
		return gm_bad(&c->w, "a Gemini upstream cannot return log "
		    "probabilities.", "logprobs");
	if (gm_given(c->chat, "top_logprobs") != NULL)
		return gm_bad(&c->w, "a Gemini upstream cannot return log "
		    "probabilities.", "top_logprobs");
	if (gm_given(c->chat, "audio") != NULL)
		return gm_bad(&c->w, "a Gemini upstream cannot answer with "
		    "audio.", "audio");
	cJSON_ArrayForEach(v, gm_array(gm_get(c->chat, "modalities")))
		if (gm_streq(v->valuestring, "audio"))
			return gm_bad(&c->w, "a Gemini upstream cannot answer "
			    "with audio.", "modalities");
	return GM_OK;
}

/* System texts go into systemInstruction, or are the turn if alone. */
static enum gm_conv
system_instruction(struct upc *c)
{
	cJSON		*si, *sys = c->sys;
	enum gm_conv	 r;

	c->sys = NULL;
	if (sys->child == NULL) {
		cJSON_Delete(sys);
		return GM_OK;
	}
	if (c->contents->child == NULL) {
		/* Gemini needs contents; a lone system prompt is the turn. */
		if ((r = push_turn(c, "user", sys)) != GM_OK)
			return r;
		return GM_OK;
	}
	if ((si = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(sys);
		return GM_NOMEM;
	}
	if (gm_put(c->g, "systemInstruction", si) == -1 ||
	    gm_put(si, "parts", sys) == -1)
		return GM_NOMEM;
	return GM_OK;
}

enum gm_conv
gm_up_request(const cJSON *chat, cJSON **out, char *param, size_t psz,
    char *msg, size_t msz)
{
	struct upc	 c;
	enum gm_conv	 r = GM_NOMEM;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	gm_why_init(&c.w, param, psz, msg, msz);
	gm_map_init(&c.ids);
	c.chat = chat;
	if (!cJSON_IsObject(chat)) {
		if (c.w.msz > 0)
			snprintf(c.w.msg, c.w.msz, "The request body must be "
			    "a JSON object.");
		return GM_INVALID;
	}
	if ((c.g = cJSON_CreateObject()) == NULL ||
	    (c.contents = cJSON_CreateArray()) == NULL ||
	    gm_put(c.g, "contents", c.contents) == -1 ||
	    (c.sys = cJSON_CreateArray()) == NULL)
		goto out;
	if ((r = unsupported(&c)) != GM_OK || (r = messages(&c)) != GM_OK ||
	    (r = tools(&c)) != GM_OK || (r = gen_config(&c)) != GM_OK ||
	    (r = system_instruction(&c)) != GM_OK)
		goto out;
	if (c.contents->child == NULL) {
		r = gm_bad(&c.w, "no message has content to send.",
		    "messages");
		goto out;
	}
	*out = c.g;
	c.g = NULL;
out:
	cJSON_Delete(c.g);
	cJSON_Delete(c.sys);
	gm_map_free(&c.ids);
	return r;
}
