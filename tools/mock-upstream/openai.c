/*
 * openai.c: the OpenAI provider of the mock upstream: its routes, Bearer
 * authentication, error shape and the validation of chat completion
 * requests.  Rendering the reply is openai_chat.c's job.
 *
 * Routes: POST /v1/chat/completions, GET /v1/models, GET /v1/models/{id};
 * any other path under /v1/ answers 404 (405 for a known path with
 * another method), as the OpenAI API does.  Errors have the OpenAI shape
 * {"error":{"message","type","param","code"}} (schema Error) and name
 * the offending parameter.  Validation follows the OpenAI reference for
 * CreateChatCompletionRequest closely enough for a gateway's tests; it
 * is not a full schema validator.  Every reply carries x-request-id.
 */
#include <unistd.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "openai.h"

/* One validation failure: 400 with param and code. */
struct oai_verr {
	char		 param[96];
	const char	*code;
	char		 msg[512];
};

static atomic_ullong	 oai_seq;

static const char *const oai_models[] = {
	"gpt-4o",
	"gpt-4o-mini",
	"gpt-4.1",
	"gpt-4.1-mini",
	"o3-mini",
	"text-embedding-3-small",
	NULL
};

/* Injected statuses: message and code for a plausible OpenAI error. */
static const struct oai_inject {
	unsigned int	 status;
	const char	*code;
	const char	*msg;
} oai_injects[] = {
	{ 400, NULL, "mock injected error: bad request" },
	{ 401, "invalid_api_key", "Incorrect API key provided: sk-mock***"
	    "*key. You can find your API key at "
	    "https://platform.openai.com/account/api-keys." },
	{ 403, "unsupported_country_region_territory",
	    "Country, region, or territory not supported" },
	{ 404, "model_not_found", "The model does not exist or you do not "
	    "have access to it." },
	{ 429, "rate_limit_exceeded", "Rate limit reached for requests" },
	{ 500, NULL, "The server had an error while processing your "
	    "request. Sorry about that!" },
	{ 502, NULL, "Bad gateway." },
	{ 503, NULL, "The server is overloaded or not ready yet." },
	{ 504, NULL, "Gateway timeout." },
	{ 0, NULL, NULL }
};

static const char *
oai_type(unsigned int status)
{
	if (status == 429)
		return "requests";
	return status >= 500 ? "server_error" : "invalid_request_error";
}

cJSON *
oai_error_doc(unsigned int status, const char *param, const char *code,
    const char *msg)
{
	cJSON	*doc, *e;

	if ((doc = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((e = cJSON_AddObjectToObject(doc, "error")) != NULL) {
		cJSON_AddStringToObject(e, "message", msg);
		cJSON_AddStringToObject(e, "type", oai_type(status));
		if (param != NULL)
			cJSON_AddStringToObject(e, "param", param);
		else
			cJSON_AddNullToObject(e, "param");
		if (code != NULL)
			cJSON_AddStringToObject(e, "code", code);
		else
			cJSON_AddNullToObject(e, "code");
	}
	return doc;
}

/* Queues {"error": {...}}; param and code may be NULL (JSON null). */
static enum MHD_Result
oai_fail(struct mock_req *req, unsigned int status, const char *param,
    const char *code, const char *msg, const char *const *hdrs)
{
	cJSON		*doc;
	char		 rid[48];
	const char	*h[8] = { "x-request-id", rid, NULL };
	size_t		 i;

	snprintf(rid, sizeof(rid), "req_mock%llu",
	    (unsigned long long)atomic_fetch_add(&oai_seq, 1));
	for (i = 0; hdrs != NULL && hdrs[i] != NULL && i < 4; i++)
		h[2 + i] = hdrs[i];
	doc = oai_error_doc(status, param, code, msg);
	return mock_reply_json(req, status, doc, h);
}

static enum MHD_Result
oai_error(struct mock_req *req, unsigned int status, const char *msg)
{
	const char	*code = NULL;

	if (status == 401)
		code = "invalid_api_key";
	else if (status == 429)
		code = "rate_limit_exceeded";
	return oai_fail(req, status, NULL, code, msg, NULL);
}

/* The status control: an OpenAI-looking error with that status. */
static enum MHD_Result
oai_inject(struct mock_req *req)
{
	const struct oai_inject	*in;
	unsigned int		 st = (unsigned int)req->ctl.v[CTL_STATUS];
	char			 msg[96], ra[24];
	const char		*hdrs[3] = { NULL };

	for (in = oai_injects; in->status != 0; in++)
		if (in->status == st)
			break;
	if (in->status == 0)
		snprintf(msg, sizeof(msg), "mock injected HTTP status %u", st);
	if (ctl_isset(&req->ctl, CTL_RETRY_AFTER)) {
		snprintf(ra, sizeof(ra), "%ld", req->ctl.v[CTL_RETRY_AFTER]);
		hdrs[0] = "retry-after";
		hdrs[1] = ra;
	}
	return oai_fail(req, st, NULL, in->code, in->status != 0 ? in->msg :
	    msg, hdrs);
}

/*
 * Compares in time independent of where the strings differ (both
 * lengths are scanned in full).
 */
static int
oai_key_equal(const char *a, const char *b)
{
	size_t		 la = strlen(a), lb = strlen(b), i, n;
	unsigned char	 d = la != lb;

	n = la > lb ? la : lb;
	for (i = 0; i < n; i++)
		d |= (unsigned char)(i < la ? a[i] : 0) ^
		    (unsigned char)(i < lb ? b[i] : 0);
	return d == 0;
}

static int
oai_auth(struct mock_req *req, const char *key, char *msg, size_t msgsz)
{
	const char	*h;
	char		 mask[40];
	size_t		 len, i, o = 0;

	h = mock_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		snprintf(msg, msgsz, "You didn't provide an API key. You need "
		    "to provide your API key in an Authorization header using "
		    "Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
		return -1;
	}
	for (h += 7; *h == ' '; h++)
		continue;
	if (oai_key_equal(h, key))
		return 0;
	/* Masked as OpenAI does: a few leading and trailing characters. */
	len = strlen(h);
	for (i = 0; i < len && o + 1 < sizeof(mask); i++) {
		if (i >= 3 && i + 4 < len) {
			if (i < 13)
				mask[o++] = '*';
			continue;
		}
		mask[o++] = h[i] > 0x20 && h[i] < 0x7f ? h[i] : '?';
	}
	mask[o] = '\0';
	snprintf(msg, msgsz, "Incorrect API key provided: %s. You can find "
	    "your API key at https://platform.openai.com/account/api-keys.",
	    mask);
	return -1;
}

static int
verr(struct oai_verr *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
verr(struct oai_verr *e, const char *code, const char *fmt, ...)
{
	va_list	 ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int
is_int(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= -1e15 &&
	    v->valuedouble <= 1e15 &&
	    v->valuedouble == (double)(long)v->valuedouble;
}

/* "a string", "an integer", ... for messages about a JSON value. */
static const char *
jtype(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return is_int(v) ? "an integer" : "a decimal";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "null";
}

/* Checks that an optional field is a boolean; sets *out. */
static int
opt_bool(const cJSON *doc, const char *name, int *out,
    struct oai_verr *e)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(doc, name);

	*out = 0;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	snprintf(e->param, sizeof(e->param), "%s", name);
	if (!cJSON_IsBool(v))
		return verr(e, "invalid_type", "Invalid type for '%s': "
		    "expected a boolean, but got %s instead.", name, jtype(v));
	*out = cJSON_IsTrue(v);
	return 0;
}

/* Checks an optional integer in [min, max]; *out keeps def if absent. */
static int
opt_int(const cJSON *doc, const char *name, long min, long max, long def,
    long *out, struct oai_verr *e)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(doc, name);

	*out = def;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	snprintf(e->param, sizeof(e->param), "%s", name);
	if (!is_int(v))
		return verr(e, "invalid_type", "Invalid type for '%s': "
		    "expected an integer, but got %s instead.", name,
		    jtype(v));
	if (v->valuedouble < (double)min)
		return verr(e, "integer_below_min_value", "Invalid '%s': "
		    "integer below minimum value. Expected a value >= %ld, "
		    "but got %.0f instead.", name, min, v->valuedouble);
	if (v->valuedouble > (double)max)
		return verr(e, "integer_above_max_value", "Invalid '%s': "
		    "integer above maximum value. Expected a value <= %ld, "
		    "but got %.0f instead.", name, max, v->valuedouble);
	*out = (long)v->valuedouble;
	return 0;
}

/* Validates one message and adds its words (plus 3) to prompt_tokens. */
static int
oai_message_check(struct oai_chat *c, const cJSON *m, int i,
    struct oai_verr *e)
{
	static const char *const roles[] = { "system", "developer", "user",
	    "assistant", "tool", "function", NULL };
	const cJSON	*role, *content, *part, *type, *text;
	size_t		 r;

	snprintf(e->param, sizeof(e->param), "messages[%d]", i);
	if (!cJSON_IsObject(m))
		return verr(e, "invalid_type", "Invalid type for "
		    "'messages[%d]': expected an object, but got %s instead.",
		    i, jtype(m));
	snprintf(e->param, sizeof(e->param), "messages[%d].role", i);
	role = cJSON_GetObjectItemCaseSensitive(m, "role");
	if (role == NULL)
		return verr(e, "missing_required_parameter", "Missing "
		    "required parameter: 'messages[%d].role'.", i);
	if (!cJSON_IsString(role))
		return verr(e, "invalid_type", "Invalid type for "
		    "'messages[%d].role': expected a string, but got %s "
		    "instead.", i, jtype(role));
	for (r = 0; roles[r] != NULL; r++)
		if (strcmp(role->valuestring, roles[r]) == 0)
			break;
	if (roles[r] == NULL)
		return verr(e, "invalid_value", "Invalid value: '%.64s'. "
		    "Supported values are: 'system', 'assistant', 'user', "
		    "'function', 'tool', and 'developer'.", role->valuestring);
	snprintf(e->param, sizeof(e->param), "messages[%d].content", i);
	content = cJSON_GetObjectItemCaseSensitive(m, "content");
	if (content == NULL && strcmp(role->valuestring, "assistant") != 0)
		return verr(e, "missing_required_parameter", "Missing "
		    "required parameter: 'messages[%d].content'.", i);
	if (content != NULL && !cJSON_IsNull(content) &&
	    !cJSON_IsString(content) && !cJSON_IsArray(content))
		return verr(e, "invalid_type", "Invalid type for "
		    "'messages[%d].content': expected one of a string or "
		    "array of objects, but got %s instead.", i,
		    jtype(content));
	c->prompt_tokens += 3;
	if (cJSON_IsString(content))
		c->prompt_tokens += oai_words(content->valuestring);
	else if (cJSON_IsArray(content))
		cJSON_ArrayForEach(part, content) {
			type = cJSON_GetObjectItemCaseSensitive(part, "type");
			text = cJSON_GetObjectItemCaseSensitive(part, "text");
			if (!cJSON_IsString(type) || !cJSON_IsString(text) ||
			    strcmp(type->valuestring, "text") != 0)
				continue;
			c->prompt_tokens += oai_words(text->valuestring);
		}
	return 0;
}

static int
oai_check_messages(struct oai_chat *c, struct oai_verr *e)
{
	const cJSON	*msgs, *m;
	int		 i = 0;

	msgs = cJSON_GetObjectItemCaseSensitive(c->doc, "messages");
	snprintf(e->param, sizeof(e->param), "messages");
	if (msgs == NULL)
		return verr(e, "missing_required_parameter", "Missing "
		    "required parameter: 'messages'.");
	if (!cJSON_IsArray(msgs))
		return verr(e, "invalid_type", "Invalid type for 'messages': "
		    "expected an array of objects, but got %s instead.",
		    jtype(msgs));
	if (cJSON_GetArraySize(msgs) == 0)
		return verr(e, "empty_array", "Invalid 'messages': empty "
		    "array. Expected an array with minimum length 1, but got "
		    "an empty array instead.");
	cJSON_ArrayForEach(m, msgs)
		if (oai_message_check(c, m, i++, e) == -1)
			return -1;
	return 0;
}

/* Function names: ^[a-zA-Z0-9_-]{1,64}$ per the OpenAI reference. */
static int
oai_fname_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return i > 0 && i <= 64;
}

/* Validates tools; sets c->tool to the first function (a candidate). */
static int
oai_check_tools(struct oai_chat *c, struct oai_verr *e)
{
	const cJSON	*tools, *t, *type, *fn, *name;
	int		 i = 0;

	tools = cJSON_GetObjectItemCaseSensitive(c->doc, "tools");
	if (tools == NULL || cJSON_IsNull(tools))
		return 0;
	snprintf(e->param, sizeof(e->param), "tools");
	if (!cJSON_IsArray(tools))
		return verr(e, "invalid_type", "Invalid type for 'tools': "
		    "expected an array of objects, but got %s instead.",
		    jtype(tools));
	if (cJSON_GetArraySize(tools) == 0)
		return verr(e, "empty_array", "Invalid 'tools': empty array. "
		    "Expected an array with minimum length 1, but got an "
		    "empty array instead.");
	cJSON_ArrayForEach(t, tools) {
		snprintf(e->param, sizeof(e->param), "tools[%d]", i);
		if (!cJSON_IsObject(t))
			return verr(e, "invalid_type", "Invalid type for "
			    "'tools[%d]': expected an object, but got %s "
			    "instead.", i, jtype(t));
		type = cJSON_GetObjectItemCaseSensitive(t, "type");
		snprintf(e->param, sizeof(e->param), "tools[%d].type", i);
		if (!cJSON_IsString(type) ||
		    (strcmp(type->valuestring, "function") != 0 &&
		    strcmp(type->valuestring, "custom") != 0))
			return verr(e, "invalid_value", "Invalid value for "
			    "'tools[%d].type': expected 'function' or "
			    "'custom'.", i);
		if (strcmp(type->valuestring, "function") != 0) {
			i++;
			continue;
		}
		fn = cJSON_GetObjectItemCaseSensitive(t, "function");
		name = cJSON_GetObjectItemCaseSensitive(fn, "name");
		snprintf(e->param, sizeof(e->param), "tools[%d].function%s",
		    i, cJSON_IsObject(fn) ? ".name" : "");
		if (!cJSON_IsObject(fn) || name == NULL)
			return verr(e, "missing_required_parameter", "Missing "
			    "required parameter: '%s'.", e->param);
		if (!cJSON_IsString(name) || !oai_fname_ok(name->valuestring))
			return verr(e, "invalid_value", "Invalid '%s': string "
			    "does not match pattern. Expected a string that "
			    "matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.",
			    e->param);
		if (c->tool == NULL)
			c->tool = fn;
		i++;
	}
	return 0;
}

/*
 * Validates tool_choice and decides whether to call a tool: "none"
 * never, "required" or a named function always, else when the
 * tool_call control is set.
 */
static int
oai_check_choice(struct oai_chat *c, const struct mock_ctl *ctl,
    struct oai_verr *e)
{
	const cJSON	*tc, *tools, *t, *name, *fn, *fname;
	const char	*want;
	int		 force;

	tc = cJSON_GetObjectItemCaseSensitive(c->doc, "tool_choice");
	tools = cJSON_GetObjectItemCaseSensitive(c->doc, "tools");
	force = ctl->v[CTL_TOOL_CALL] == 1;
	snprintf(e->param, sizeof(e->param), "tool_choice");
	if (tc != NULL && !cJSON_IsNull(tc) &&
	    (tools == NULL || cJSON_IsNull(tools)))
		return verr(e, NULL, "Invalid value for 'tool_choice': "
		    "'tool_choice' is only allowed when 'tools' are "
		    "specified.");
	if (cJSON_IsString(tc)) {
		want = tc->valuestring;
		if (strcmp(want, "none") == 0)
			force = 0;
		else if (strcmp(want, "required") == 0)
			force = 1;
		else if (strcmp(want, "auto") != 0)
			return verr(e, "invalid_value", "Invalid value: "
			    "'%.64s'. Supported values are: 'none', 'auto', "
			    "and 'required'.", want);
	} else if (cJSON_IsObject(tc)) {
		name = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(tc, "function"), "name");
		if (!cJSON_IsString(name))
			return verr(e, "missing_required_parameter", "Missing "
			    "required parameter: 'tool_choice.function.name'.");
		c->tool = NULL;
		cJSON_ArrayForEach(t, tools) {
			fn = cJSON_GetObjectItemCaseSensitive(t, "function");
			fname = cJSON_GetObjectItemCaseSensitive(fn, "name");
			if (cJSON_IsString(fname) && strcmp(fname->valuestring,
			    name->valuestring) == 0) {
				c->tool = fn;
				break;
			}
		}
		if (c->tool == NULL)
			return verr(e, "invalid_value", "Invalid value for "
			    "'tool_choice': function '%.64s' is not one of "
			    "'tools'.", name->valuestring);
		force = 1;
	} else if (tc != NULL && !cJSON_IsNull(tc))
		return verr(e, "invalid_type", "Invalid type for "
		    "'tool_choice': expected a string or an object, but got "
		    "%s instead.", jtype(tc));
	if (force != 1)
		c->tool = NULL;
	return 0;
}

static int
oai_check_stream(struct oai_chat *c, struct oai_verr *e)
{
	const cJSON	*so, *iu;

	if (opt_bool(c->doc, "stream", &c->stream, e) == -1)
		return -1;
	so = cJSON_GetObjectItemCaseSensitive(c->doc, "stream_options");
	if (so == NULL || cJSON_IsNull(so))
		return 0;
	snprintf(e->param, sizeof(e->param), "stream_options");
	if (!c->stream)
		return verr(e, "invalid_value", "The 'stream_options' "
		    "parameter is only allowed when 'stream' is enabled.");
	if (!cJSON_IsObject(so))
		return verr(e, "invalid_type", "Invalid type for "
		    "'stream_options': expected an object, but got %s "
		    "instead.", jtype(so));
	iu = cJSON_GetObjectItemCaseSensitive(so, "include_usage");
	snprintf(e->param, sizeof(e->param), "stream_options.include_usage");
	if (iu != NULL && !cJSON_IsNull(iu) && !cJSON_IsBool(iu))
		return verr(e, "invalid_type", "Invalid type for "
		    "'stream_options.include_usage': expected a boolean, but "
		    "got %s instead.", jtype(iu));
	c->stream_usage = cJSON_IsTrue(iu);
	return 0;
}

static int
oai_check_metadata(struct oai_chat *c, struct oai_verr *e)
{
	const cJSON	*md, *v;

	md = cJSON_GetObjectItemCaseSensitive(c->doc, "metadata");
	if (md == NULL || cJSON_IsNull(md))
		return 0;
	snprintf(e->param, sizeof(e->param), "metadata");
	if (!cJSON_IsObject(md))
		return verr(e, "invalid_type", "Invalid type for 'metadata': "
		    "expected an object, but got %s instead.", jtype(md));
	cJSON_ArrayForEach(v, md)
		if (!cJSON_IsString(v)) {
			snprintf(e->param, sizeof(e->param), "metadata.%.64s",
			    v->string);
			return verr(e, "invalid_type", "Invalid type for "
			    "'%s': expected a string, but got %s instead.",
			    e->param, jtype(v));
		}
	return 0;
}

/* Parses and validates the body into c; 0, or -1 with e filled. */
static int
oai_chat_check(struct mock_req *req, struct oai_chat *c,
    struct oai_verr *e)
{
	const cJSON	*model;
	long		 maxtok, maxctok;

	e->param[0] = '\0';
	if (c->doc == NULL)
		return verr(e, NULL, "We could not parse the JSON body of "
		    "your request. (HINT: This likely means you aren't using "
		    "your HTTP library correctly. The OpenAI API expects a "
		    "JSON payload, but what was sent was not valid JSON.)");
	if (!cJSON_IsObject(c->doc))
		return verr(e, "invalid_type", "Invalid type for the request "
		    "body: expected an object, but got %s instead.",
		    jtype(c->doc));
	model = cJSON_GetObjectItemCaseSensitive(c->doc, "model");
	snprintf(e->param, sizeof(e->param), "model");
	if (model == NULL || cJSON_IsNull(model) ||
	    (cJSON_IsString(model) && model->valuestring[0] == '\0'))
		return verr(e, NULL, "you must provide a model parameter");
	if (!cJSON_IsString(model))
		return verr(e, "invalid_type", "Invalid type for 'model': "
		    "expected a string, but got %s instead.", jtype(model));
	c->model = model->valuestring;
	if (oai_check_messages(c, e) == -1 ||
	    opt_int(c->doc, "n", 1, 128, 1, &c->n, e) == -1 ||
	    oai_check_stream(c, e) == -1 ||
	    opt_bool(c->doc, "logprobs", &c->logprobs, e) == -1 ||
	    opt_int(c->doc, "top_logprobs", 0, 20, 0, &c->top_logprobs, e)
	    == -1 ||
	    opt_int(c->doc, "max_tokens", 1, 1L << 30, 1L << 30, &maxtok, e)
	    == -1 ||
	    opt_int(c->doc, "max_completion_tokens", 1, 1L << 30, maxtok,
	    &maxctok, e) == -1 ||
	    oai_check_metadata(c, e) == -1 ||
	    oai_check_tools(c, e) == -1 ||
	    oai_check_choice(c, &req->ctl, e) == -1)
		return -1;
	if (c->top_logprobs > 0 && !c->logprobs) {
		snprintf(e->param, sizeof(e->param), "top_logprobs");
		return verr(e, "invalid_value", "Invalid value for "
		    "'top_logprobs': 'logprobs' must be set to true when "
		    "'top_logprobs' is used.");
	}
	c->chunks = req->ctl.v[CTL_CHUNKS];
	c->words = c->chunks < maxctok ? c->chunks : maxctok;
	c->usage = req->ctl.v[CTL_NO_USAGE] == 0;
	c->stream_usage = c->stream_usage && c->usage;
	return 0;
}

static enum MHD_Result
h_oai_chat(struct mock_req *req)
{
	struct oai_chat	*c;
	struct oai_verr	 e;
	const char	*hdrs[3] = { "x-request-id", NULL, NULL };
	const cJSON	*st;
	enum MHD_Result	 ret;
	unsigned long long seq;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return oai_error(req, 500, "mock out of memory");
	seq = atomic_fetch_add(&oai_seq, 1);
	snprintf(c->id, sizeof(c->id), "chatcmpl-mock%06x%010llu",
	    (unsigned int)getpid() & 0xffffff, seq);
	snprintf(c->callid, sizeof(c->callid), "call_mock%010llu_", seq);
	snprintf(c->reqid, sizeof(c->reqid), "req_mock%llu", seq);
	hdrs[1] = c->reqid;
	c->created = (int64_t)time(NULL);
	c->doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	if (cJSON_IsObject(c->doc))
		ctl_meta(&req->ctl, cJSON_GetObjectItemCaseSensitive(c->doc,
		    "metadata"));
	if (req->ctl.bad[0] != '\0') {
		oai_chat_free(c);
		return oai_fail(req, 400, NULL, "invalid_mock_control",
		    req->ctl.bad, NULL);
	}
	if (ctl_isset(&req->ctl, CTL_STATUS)) {
		oai_chat_free(c);
		return oai_inject(req);
	}
	if (ctl_isset(&req->ctl, CTL_BODY)) {
		/* The body may point into c->doc: free c after queueing. */
		st = cJSON_GetObjectItemCaseSensitive(c->doc, "stream");
		if (cJSON_IsTrue(st))
			ret = sse_raw(req, req->ctl.body, req->ctl.bodylen,
			    hdrs);
		else
			ret = mock_reply(req, 200, "application/json",
			    req->ctl.body, req->ctl.bodylen, hdrs);
		oai_chat_free(c);
		return ret;
	}
	if (oai_chat_check(req, c, &e) == -1) {
		oai_chat_free(c);
		return oai_fail(req, 400, e.param[0] != '\0' ? e.param : NULL,
		    e.code, e.msg, NULL);
	}
	if (oai_chat_prepare(c) == -1) {
		oai_chat_free(c);
		return oai_error(req, 500, "mock out of memory");
	}
	if (c->stream)
		return sse_start(req, &oai_chat_sse, c, hdrs);
	ret = mock_reply_json(req, 200, oai_chat_body(c), hdrs);
	oai_chat_free(c);
	return ret;
}

static cJSON *
oai_model(const char *id)
{
	cJSON	*m;

	if ((m = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(m, "id", id);
	cJSON_AddStringToObject(m, "object", "model");
	cJSON_AddNumberToObject(m, "created", 1715367049);
	cJSON_AddStringToObject(m, "owned_by", "system");
	return m;
}

static enum MHD_Result
h_oai_models(struct mock_req *req)
{
	const char *const	 hdrs[] = { "x-request-id", "req_mock_models",
	    NULL };
	cJSON			*doc, *data;
	size_t			 i;

	if ((doc = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(doc, "object", "list");
		if ((data = cJSON_AddArrayToObject(doc, "data")) != NULL)
			for (i = 0; oai_models[i] != NULL; i++)
				cJSON_AddItemToArray(data,
				    oai_model(oai_models[i]));
	}
	return mock_reply_json(req, 200, doc, hdrs);
}

static enum MHD_Result
h_oai_model(struct mock_req *req)
{
	const char *const	 hdrs[] = { "x-request-id", "req_mock_model",
	    NULL };
	const char		*id = req->path + strlen("/v1/models/");
	char			 msg[256];
	size_t			 i;

	for (i = 0; oai_models[i] != NULL; i++)
		if (strcmp(id, oai_models[i]) == 0)
			return mock_reply_json(req, 200, oai_model(id), hdrs);
	snprintf(msg, sizeof(msg), "The model '%.100s' does not exist", id);
	return oai_fail(req, 404, "model", "model_not_found", msg, NULL);
}

static const struct mock_route oai_routes[] = {
	{ "POST", "/v1/chat/completions", 0, h_oai_chat },
	{ "POST", "/v1/responses", 0, h_oai_responses },
	{ "POST", "/v1/completions", 0, h_oai_completions },
	{ "POST", "/v1/embeddings", 0, h_oai_embeddings },
	{ "POST", "/v1/moderations", 0, h_oai_moderations },
	{ "POST", "/v1/rerank", 0, h_oai_rerank },
	{ "GET", "/v1/models", 0, h_oai_models },
	{ "GET", "/v1/models/", 1, h_oai_model },
	{ "POST", "/v1/videos", 0, h_oai_video_create },
	{ "GET", "/v1/videos/", 1, h_oai_video_get },
	{ "POST", "/v1/audio/speech", 0, h_oai_speech },
	{ "POST", "/v1/audio/transcriptions", 0, h_oai_transcriptions },
	{ "POST", "/v1/audio/translations", 0, h_oai_translations },
	{ NULL, NULL, 0, NULL }
};

const struct mock_provider oai_provider = {
	"openai",
	"/v1/",
	oai_routes,
	oai_auth,
	oai_error
};
