/*
 * anthropic_client.c: the client direction's request (anthropic.h).  A
 * client spoke the Anthropic Messages API (POST /v1/messages) and the
 * channel speaks OpenAI Chat Completions: the Messages request is
 * validated and becomes a chat request.  The answers go back in
 * anthropic_client_reply.c.
 *
 * What converts (Messages -> chat): system -> a leading system message
 * (text blocks joined with a blank line); user text and image blocks ->
 * content (a string when it is one text block, else parts; image
 * sources base64 -> data: URL, url -> URL); tool_result blocks -> tool
 * messages before the rest of that user turn (their text joined with
 * newlines, their images moved into the user content that follows);
 * assistant text -> content, tool_use -> tool_calls; thinking and
 * redacted_thinking blocks -> dropped (chat has no way to send them
 * back); tools -> function tools; tool_choice auto / any / tool / none
 * -> auto / required / named function / none and
 * disable_parallel_tool_use -> parallel_tool_calls false (both only
 * with tools); stop_sequences -> stop; max_tokens ->
 * max_completion_tokens; temperature, top_p; metadata.user_id -> user;
 * thinking -> reasoning_effort.  Dropped: top_k (chat has none),
 * cache_control, citations, is_error (chat has no error flag for a tool
 * result), service_tier.  Refused: document blocks, server tools and
 * other block types chat cannot carry.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "providers/anthropic.h"
#include "providers/anthropic_int.h"

#define AN_MODEL_MAX	128

/* ---- request: Messages -> chat ---- */

struct cv {
	int		 bad;
	int		 invalid;
	char		*param;
	size_t		 psz;
	char		*msg;
	size_t		 msz;
	cJSON		*msgs;		/* chat "messages" */
};

/* Refuses with param and msg "<param>: <why>", Anthropic's style. */
static int __attribute__((format(printf, 3, 4)))
refuse(struct cv *c, const char *param, const char *fmt, ...)
{
	va_list	 ap;
	char	 why[256];

	if (c->invalid)
		return -1;
	c->invalid = 1;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->psz > 0)
		snprintf(c->param, c->psz, "%s", param);
	if (c->msz > 0)
		snprintf(c->msg, c->msz, "%s: %s", param, why);
	return -1;
}

/*
 * Appends a chat message {role, content} (content consumed: NULL means
 * its creation failed, so it counts as an allocation failure).
 */
static cJSON *
chat_msg(struct cv *c, const char *role, cJSON *content)
{
	cJSON	*m;

	m = put_obj(&c->bad, c->msgs, NULL);
	put_str(&c->bad, m, "role", role);
	put(&c->bad, m, "content", content);
	return m;
}

/* An image_url part for an image block, NULL when refused or no memory. */
static cJSON *
image_part(struct cv *c, const cJSON *b, const char *pfx)
{
	const cJSON	*src = get(b, "source");
	const char	*t = str(src, "type"), *mt, *data, *url;
	struct buf	 u;
	cJSON		*p, *iu;
	char		 pb[128];

	mt = str(src, "media_type");
	data = str(src, "data");
	url = str(src, "url");
	snprintf(pb, sizeof(pb), "%s.source", pfx);
	if (!(streq(t, "base64") && mt != NULL && data != NULL) &&
	    !(streq(t, "url") && url != NULL))
		return refuse(c, pb, "Input should be a base64 source "
		    "{media_type, data} or a url source {url}"), NULL;
	buf_init(&u, AN_JOIN_MAX);
	if (url == NULL || !streq(t, "url")) {
		if (buf_puts(&u, "data:") == -1 || buf_puts(&u, mt) == -1 ||
		    buf_puts(&u, ";base64,") == -1 || buf_puts(&u, data) == -1)
			c->bad = 1;
		url = buf_cstr(&u);
	}
	if ((p = cJSON_CreateObject()) == NULL)
		c->bad = 1;
	put_str(&c->bad, p, "type", "image_url");
	iu = put_obj(&c->bad, p, "image_url");
	put_str(&c->bad, iu, "url", url);
	buf_free(&u);
	return p;
}

/* A tool_result block -> a tool message; its images go to rest. */
static int
tool_result(struct cv *c, const cJSON *b, const char *pfx, cJSON *rest)
{
	const cJSON	*cont = get(b, "content"), *ie = get(b, "is_error");
	const cJSON	*p;
	const char	*id = str(b, "tool_use_id"), *t;
	struct buf	 text;
	cJSON		*m, *part;
	char		 pb[160];
	int		 k = 0;

	if (id == NULL) {
		snprintf(pb, sizeof(pb), "%s.tool_use_id", pfx);
		return refuse(c, pb, "Input should be a valid string");
	}
	if (ie != NULL && !cJSON_IsBool(ie) && !cJSON_IsNull(ie)) {
		snprintf(pb, sizeof(pb), "%s.is_error", pfx);
		return refuse(c, pb, "Input should be a valid boolean");
	}
	if (cont != NULL && !cJSON_IsNull(cont) && !cJSON_IsString(cont) &&
	    !cJSON_IsArray(cont)) {
		snprintf(pb, sizeof(pb), "%s.content", pfx);
		return refuse(c, pb, "Input should be a valid string or a list "
		    "of text and image blocks");
	}
	buf_init(&text, AN_JOIN_MAX);
	if (cJSON_IsString(cont) && buf_puts(&text, cont->valuestring) == -1)
		c->bad = 1;
	cJSON_ArrayForEach(p, arr(cont)) {
		t = str(p, "type");
		snprintf(pb, sizeof(pb), "%s.content.%d", pfx, k++);
		if (streq(t, "text") && str(p, "text") != NULL) {
			if ((text.len > 0 && buf_putc(&text, '\n') == -1) ||
			    buf_puts(&text, str(p, "text")) == -1)
				c->bad = 1;
		} else if (streq(t, "image")) {
			if ((part = image_part(c, p, pb)) == NULL)
				break;
			put(&c->bad, rest, NULL, part);
		} else {
			refuse(c, pb, "Input should be a text or image block");
			break;
		}
	}
	if (!c->invalid) {
		m = put_obj(&c->bad, c->msgs, NULL);
		put_str(&c->bad, m, "role", "tool");
		put_str(&c->bad, m, "tool_call_id", id);
		put_str(&c->bad, m, "content", buf_cstr(&text));
	}
	buf_free(&text);
	return c->invalid ? -1 : 0;
}

/* Refuses block type t at pfx for role. */
static int
bad_block(struct cv *c, const char *pfx, const char *t, const char *role)
{
	char	 pb[160];

	snprintf(pb, sizeof(pb), "%s.type", pfx);
	if (t == NULL)
		return refuse(c, pb, "Input should be a content block with a "
		    "string type");
	if (streq(t, "document"))
		return refuse(c, pb, "document blocks are not supported by "
		    "this model's upstream");
	return refuse(c, pb, "'%.40s' blocks are not supported in %s "
	    "messages by this model's upstream", t, role);
}

static int
user_blocks(struct cv *c, const cJSON *cont, int i)
{
	const cJSON	*b;
	const char	*t;
	cJSON		*rest, *part;
	char		 pfx[96], pb[128];
	int		 j = 0;

	if ((rest = cJSON_CreateArray()) == NULL)
		return c->bad = 1, -1;
	cJSON_ArrayForEach(b, cont) {
		t = str(b, "type");
		snprintf(pfx, sizeof(pfx), "messages.%d.content.%d", i, j++);
		if (streq(t, "text")) {
			if (str(b, "text") == NULL) {
				snprintf(pb, sizeof(pb), "%s.text", pfx);
				refuse(c, pb, "Input should be a valid string");
				break;
			}
			put(&c->bad, rest, NULL, text_obj(&c->bad,
			    str(b, "text")));
		} else if (streq(t, "image")) {
			if ((part = image_part(c, b, pfx)) == NULL)
				break;
			put(&c->bad, rest, NULL, part);
		} else if (streq(t, "tool_result")) {
			if (tool_result(c, b, pfx, rest) == -1)
				break;
		} else if (!streq(t, "thinking") &&
		    !streq(t, "redacted_thinking")) {
			bad_block(c, pfx, t, "user");
			break;
		}
	}
	if (c->invalid || cJSON_GetArraySize(rest) == 0) {
		cJSON_Delete(rest);
		return c->invalid ? -1 : 0;
	}
	if (cJSON_GetArraySize(rest) == 1 &&
	    streq(str(rest->child, "type"), "text")) {
		chat_msg(c, "user", cJSON_CreateString(str(rest->child,
		    "text")));
		cJSON_Delete(rest);
	} else
		chat_msg(c, "user", rest);
	return 0;
}

/* A tool_use block -> a chat tool call. */
static cJSON *
tool_call(struct cv *c, const cJSON *b, const char *pfx)
{
	const char	*id = str(b, "id"), *name = str(b, "name");
	const cJSON	*in = get(b, "input");
	char		*args, pb[128];
	cJSON		*tc, *f;

	if (id == NULL || name == NULL || !cJSON_IsObject(in)) {
		snprintf(pb, sizeof(pb), "%s", pfx);
		return refuse(c, pb, "Input should be a tool_use block with "
		    "string id and name and an object input"), NULL;
	}
	if ((args = cJSON_PrintUnformatted(in)) == NULL) {
		c->bad = 1;
		return NULL;
	}
	if ((tc = cJSON_CreateObject()) == NULL)
		c->bad = 1;
	put_str(&c->bad, tc, "id", id);
	put_str(&c->bad, tc, "type", "function");
	f = put_obj(&c->bad, tc, "function");
	put_str(&c->bad, f, "name", name);
	put_str(&c->bad, f, "arguments", args);
	cJSON_free(args);
	return tc;
}

static int
assistant_blocks(struct cv *c, const cJSON *cont, int i)
{
	const cJSON	*b;
	const char	*t;
	struct buf	 text;
	cJSON		*calls, *tc, *m;
	char		 pfx[96], pb[128];
	int		 j = 0;

	if ((calls = cJSON_CreateArray()) == NULL)
		return c->bad = 1, -1;
	buf_init(&text, AN_JOIN_MAX);
	cJSON_ArrayForEach(b, cont) {
		t = str(b, "type");
		snprintf(pfx, sizeof(pfx), "messages.%d.content.%d", i, j++);
		if (streq(t, "text")) {
			if (str(b, "text") == NULL) {
				snprintf(pb, sizeof(pb), "%s.text", pfx);
				refuse(c, pb, "Input should be a valid string");
				break;
			}
			if (buf_puts(&text, str(b, "text")) == -1)
				c->bad = 1;
		} else if (streq(t, "tool_use")) {
			if ((tc = tool_call(c, b, pfx)) == NULL && c->invalid)
				break;
			put(&c->bad, calls, NULL, tc);
		} else if (!streq(t, "thinking") &&
		    !streq(t, "redacted_thinking")) {
			bad_block(c, pfx, t, "assistant");
			break;
		}
	}
	if (!c->invalid) {
		m = chat_msg(c, "assistant", text.len > 0 ?
		    cJSON_CreateString(buf_cstr(&text)) :
		    cJSON_GetArraySize(calls) > 0 ? cJSON_CreateNull() :
		    cJSON_CreateString(""));
		if (cJSON_GetArraySize(calls) > 0) {
			put(&c->bad, m, "tool_calls", calls);
			calls = NULL;
		}
	}
	cJSON_Delete(calls);
	buf_free(&text);
	return c->invalid ? -1 : 0;
}

static int
cl_system(struct cv *c, const cJSON *req)
{
	const cJSON	*sys = given(req, "system"), *b;
	struct buf	 text;
	char		 pb[48];
	int		 j = 0;

	if (sys == NULL)
		return 0;
	if (!cJSON_IsString(sys) && !cJSON_IsArray(sys))
		return refuse(c, "system", "Input should be a valid string or "
		    "a list of text blocks");
	buf_init(&text, AN_JOIN_MAX);
	if (cJSON_IsString(sys) && buf_puts(&text, sys->valuestring) == -1)
		c->bad = 1;
	cJSON_ArrayForEach(b, arr(sys)) {
		if (!streq(str(b, "type"), "text") || str(b, "text") == NULL) {
			snprintf(pb, sizeof(pb), "system.%d", j);
			buf_free(&text);
			return refuse(c, pb, "Input should be a text block "
			    "with a string text");
		}
		if (str(b, "text")[0] != '\0' && ((text.len > 0 &&
		    buf_puts(&text, "\n\n") == -1) ||
		    buf_puts(&text, str(b, "text")) == -1))
			c->bad = 1;
		j++;
	}
	if (text.len > 0)
		chat_msg(c, "system", cJSON_CreateString(buf_cstr(&text)));
	buf_free(&text);
	return 0;
}

static int
cl_messages(struct cv *c, const cJSON *req)
{
	const cJSON	*msgs = get(req, "messages"), *m, *cont;
	const char	*role;
	char		 pb[64];
	int		 i = 0, rc;

	if (msgs == NULL)
		return refuse(c, "messages", "Field required");
	if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) == 0)
		return refuse(c, "messages", "Input should be a non-empty list "
		    "of messages");
	cJSON_ArrayForEach(m, msgs) {
		role = str(m, "role");
		cont = get(m, "content");
		if (!cJSON_IsObject(m)) {
			snprintf(pb, sizeof(pb), "messages.%d", i);
			return refuse(c, pb, "Input should be an object");
		}
		if (!streq(role, "user") && !streq(role, "assistant")) {
			snprintf(pb, sizeof(pb), "messages.%d.role", i);
			return refuse(c, pb, "Input should be 'user' or "
			    "'assistant'");
		}
		if (cJSON_IsString(cont)) {
			chat_msg(c, role, cJSON_CreateString(
			    cont->valuestring));
			rc = 0;
		} else if (cJSON_IsArray(cont))
			rc = streq(role, "user") ? user_blocks(c, cont, i) :
			    assistant_blocks(c, cont, i);
		else {
			snprintf(pb, sizeof(pb), "messages.%d.content", i);
			return refuse(c, pb, "Input should be a valid string "
			    "or a list of content blocks");
		}
		if (rc == -1 || c->invalid)
			return -1;
		i++;
	}
	return 0;
}

/* tools -> chat tools; returns how many, -1 when refused. */
static int
cl_tools(struct cv *c, cJSON *o, const cJSON *req)
{
	const cJSON	*tools = given(req, "tools"), *t, *sch;
	const char	*name, *type;
	cJSON		*out, *ct, *f;
	char		 pb[48];
	int		 i = 0;

	if (tools == NULL)
		return 0;
	if (!cJSON_IsArray(tools))
		return refuse(c, "tools", "Input should be a valid list");
	cJSON_ArrayForEach(t, tools) {
		name = str(t, "name");
		type = str(t, "type");
		sch = get(t, "input_schema");
		if (given(t, "type") != NULL && !streq(type, "custom")) {
			snprintf(pb, sizeof(pb), "tools.%d.type", i);
			return refuse(c, pb, "server tools ('%.40s') are not "
			    "supported by this model's upstream", type != NULL ?
			    type : "?");
		}
		snprintf(pb, sizeof(pb), "tools.%d", i);
		if (name == NULL || name[0] == '\0' || !cJSON_IsObject(sch) ||
		    (given(t, "description") != NULL &&
		    str(t, "description") == NULL))
			return refuse(c, pb, "Input should be a tool with a "
			    "string name, an optional string description and "
			    "an input_schema object");
		i++;
	}
	if (i == 0 || (out = put_arr(&c->bad, o, "tools")) == NULL)
		return c->bad ? -1 : 0;
	cJSON_ArrayForEach(t, tools) {
		ct = put_obj(&c->bad, out, NULL);
		put_str(&c->bad, ct, "type", "function");
		f = put_obj(&c->bad, ct, "function");
		put_str(&c->bad, f, "name", str(t, "name"));
		if (str(t, "description") != NULL)
			put_str(&c->bad, f, "description",
			    str(t, "description"));
		put(&c->bad, f, "parameters",
		    cJSON_Duplicate(get(t, "input_schema"), 1));
	}
	return i;
}

static int
cl_tool_choice(struct cv *c, cJSON *o, const cJSON *req, int ntools)
{
	const cJSON	*tc = given(req, "tool_choice");
	const cJSON	*dp = given(tc, "disable_parallel_tool_use");
	const char	*t = str(tc, "type"), *name = str(tc, "name");
	cJSON		*v, *f;
	int		 bad = 0;

	if (tc == NULL)
		return 0;
	if (!streq(t, "auto") && !streq(t, "any") && !streq(t, "none") &&
	    !(streq(t, "tool") && name != NULL))
		return refuse(c, "tool_choice", "Input should be {\"type\": "
		    "\"auto\"}, {\"type\": \"any\"}, {\"type\": \"none\"} or "
		    "{\"type\": \"tool\", \"name\": ...}");
	if (dp != NULL && !cJSON_IsBool(dp))
		return refuse(c, "tool_choice.disable_parallel_tool_use",
		    "Input should be a valid boolean");
	if (ntools == 0)
		return 0;
	if (streq(t, "tool")) {
		v = cJSON_CreateObject();
		put_str(&bad, v, "type", "function");
		f = put_obj(&bad, v, "function");
		put_str(&bad, f, "name", name);
	} else
		v = cJSON_CreateString(streq(t, "any") ? "required" : t);
	if (bad) {
		cJSON_Delete(v);
		v = NULL;
	}
	put(&c->bad, o, "tool_choice", v);
	if (cJSON_IsTrue(dp) && !streq(t, "none"))
		put(&c->bad, o, "parallel_tool_calls", cJSON_CreateFalse());
	return 0;
}

/* An optional number k in [lo, hi]; copied to o unless o is NULL. */
static int
cl_number(struct cv *c, cJSON *o, const cJSON *req, const char *k, double lo,
    double hi)
{
	const cJSON	*v = given(req, k);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo &&
	    v->valuedouble <= hi))
		return refuse(c, k, "Input should be a number between %g and "
		    "%g", lo, hi);
	if (o != NULL)
		put_num(&c->bad, o, k, v->valuedouble);
	return 0;
}

/* thinking -> reasoning_effort. */
static int
cl_thinking(struct cv *c, cJSON *o, const cJSON *req)
{
	const cJSON	*th = given(req, "thinking"), *bt;
	const char	*t = str(th, "type"), *e, *eff;

	if (th == NULL || streq(t, "disabled"))
		return 0;
	if (streq(t, "enabled")) {
		bt = get(th, "budget_tokens");
		if (!cJSON_IsNumber(bt) || !(bt->valuedouble >= 1024 &&
		    bt->valuedouble <= AN_MAX_TOKENS_CAP) ||
		    bt->valuedouble != (double)(int64_t)bt->valuedouble)
			return refuse(c, "thinking.budget_tokens", "Input "
			    "should be an integer greater than or equal to "
			    "1024");
		eff = bt->valuedouble < 2048 ? "low" : bt->valuedouble <
		    8192 ? "medium" : "high";
	} else if (streq(t, "adaptive")) {
		/* Adaptive thinking's depth is output_config.effort. */
		e = str(given(req, "output_config"), "effort");
		eff = streq(e, "low") || streq(e, "medium") ? e :
		    streq(e, "high") || streq(e, "max") ? "high" : "medium";
	} else
		return refuse(c, "thinking", "Input should be {\"type\": "
		    "\"enabled\", \"budget_tokens\": ...}, {\"type\": "
		    "\"adaptive\"} or {\"type\": \"disabled\"}");
	put_str(&c->bad, o, "reasoning_effort", eff);
	return 0;
}

static int
cl_misc(struct cv *c, cJSON *o, const cJSON *req)
{
	const cJSON	*ss = given(req, "stop_sequences"), *e;
	const cJSON	*md = given(req, "metadata"), *uid;

	if (cl_number(c, o, req, "temperature", 0, 1) == -1 ||
	    cl_number(c, o, req, "top_p", 0, 1) == -1 ||
	    cl_number(c, NULL, req, "top_k", 0, 1e9) == -1)
		return -1;
	if (ss != NULL) {
		cJSON_ArrayForEach(e, ss)
			if (!cJSON_IsString(e))
				break;
		if (!cJSON_IsArray(ss) || e != NULL)
			return refuse(c, "stop_sequences", "Input should be a "
			    "list of strings");
		if (cJSON_GetArraySize(ss) > 0)
			put(&c->bad, o, "stop", cJSON_Duplicate(ss, 1));
	}
	if (md != NULL && !cJSON_IsObject(md))
		return refuse(c, "metadata", "Input should be an object");
	uid = given(md, "user_id");
	if (uid != NULL && !cJSON_IsString(uid))
		return refuse(c, "metadata.user_id", "Input should be a valid "
		    "string");
	if (uid != NULL && uid->valuestring[0] != '\0')
		put_str(&c->bad, o, "user", uid->valuestring);
	return cl_thinking(c, o, req);
}

/* model, max_tokens and stream, checked before anything is built. */
static int
cl_head(struct cv *c, const cJSON *req, int64_t *max)
{
	const cJSON	*mt = get(req, "max_tokens"), *st = given(req,
	    "stream");
	const char	*model = str(req, "model");

	if (get(req, "model") == NULL)
		return refuse(c, "model", "Field required");
	if (model == NULL || model[0] == '\0' || strlen(model) >
	    AN_MODEL_MAX)
		return refuse(c, "model", "Input should be a non-empty string "
		    "of at most %d characters", AN_MODEL_MAX);
	if (mt == NULL)
		return refuse(c, "max_tokens", "Field required");
	if (!cJSON_IsNumber(mt) || !(mt->valuedouble >= 1 &&
	    mt->valuedouble <= AN_MAX_TOKENS_CAP) ||
	    mt->valuedouble != (double)(int64_t)mt->valuedouble)
		return refuse(c, "max_tokens", "Input should be an integer "
		    "between 1 and %d", AN_MAX_TOKENS_CAP);
	*max = (int64_t)mt->valuedouble;
	if (st != NULL && !cJSON_IsBool(st))
		return refuse(c, "stream", "Input should be a valid boolean");
	return 0;
}

enum an_conv
an_cl_request(const cJSON *req, const char *up_model, int stream,
    cJSON **out, char *param, size_t psz, char *msg, size_t msz)
{
	struct cv	 c;
	cJSON		*o, *so;
	int64_t		 max = 0;
	int		 ntools;

	memset(&c, 0, sizeof(c));
	c.param = param;
	c.psz = param != NULL ? psz : 0;
	c.msg = msg;
	c.msz = msg != NULL ? msz : 0;
	*out = NULL;
	if (!cJSON_IsObject(req)) {
		refuse(&c, "", "The request body must be a JSON object");
		return AN_INVALID;
	}
	if (cl_head(&c, req, &max) == -1)
		return AN_INVALID;
	if ((o = cJSON_CreateObject()) == NULL)
		return AN_NOMEM;
	put_str(&c.bad, o, "model", up_model);
	c.msgs = put_arr(&c.bad, o, "messages");
	put_num(&c.bad, o, "max_completion_tokens", (double)max);
	if (stream) {
		put(&c.bad, o, "stream", cJSON_CreateTrue());
		so = put_obj(&c.bad, o, "stream_options");
		put(&c.bad, so, "include_usage", cJSON_CreateTrue());
	}
	if (c.msgs != NULL && cl_system(&c, req) == 0 &&
	    cl_messages(&c, req) == 0 && (ntools = cl_tools(&c, o, req)) >= 0)
		if (cl_tool_choice(&c, o, req, ntools) == 0)
			cl_misc(&c, o, req);
	if (c.invalid || c.bad) {
		cJSON_Delete(o);
		return c.invalid ? AN_INVALID : AN_NOMEM;
	}
	*out = o;
	return AN_OK;
}
