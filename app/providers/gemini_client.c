/*
 * gemini_client.c: a client speaking Gemini (POST
 * /v1beta/models/{model}:generateContent or :streamGenerateContent) to
 * a channel that is not gemini: the GenerateContentRequest is
 * validated and becomes a chat request (gm_cl_request).  This file
 * converts systemInstruction and contents; tools, toolConfig and
 * generationConfig are gemini_cl_opts.c's; the answers going back are
 * gemini_cl_answer.c's.
 *
 * Reference: Gemini API v1beta GenerateContentRequest, Content, Part,
 * Blob, FileData, FunctionCall, FunctionResponse; openai-openapi.yaml
 * CreateChatCompletionRequest and its message and content part types.
 *
 * Parts: text -> text (thought parts of model turns dropped);
 * inlineData image/... -> image_url with a data: URL, audio/wav and
 * audio/mp3 -> input_audio, application/pdf -> file; fileData of an
 * image at an http(s) URL -> image_url; functionCall -> an assistant
 * tool call with id "call_<k>" (k counts calls from 0) or the part's
 * own id; functionResponse -> a tool message whose content is the text
 * of response {"content": "..."} or the JSON text of the response.
 *
 * Gemini's JSON mapping accepts both camelCase and snake_case field
 * names; so does this reader (gm_field), and error params name the
 * camelCase spelling.  A user turn's functionResponse parts become tool
 * messages placed before the rest of that turn; their tool_call_id is
 * the part's own id, else the id of the first unanswered functionCall
 * of the same name in the previous model turn (a hash map of queues,
 * linear in the size of the history).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "providers/gemini.h"
#include "providers/gemini_int.h"

/* Longest own id of a functionCall or functionResponse part kept. */
#define GM_CL_ID_MAX	128

/* A functionCall of the last model turn, waiting for its response. */
struct pend {
	const char	*id;	/* the part's own id, or NULL: call_<k> */
	int64_t		 k;
	size_t		 next;	/* index + 1 of the next of that name */
};
/* Unanswered calls of one name: indices + 1 into pend, 0 none. */
struct queue {
	size_t		 head, tail;
};

struct clc {
	const cJSON	*req;
	cJSON		*chat;
	cJSON		*msgs;
	struct gm_why	 w;
	struct gm_map	 names;		/* name -> queue index + 1 */
	struct pend	*pend;
	size_t		 npend, cpend;
	struct queue	*q;
	size_t		 nq, cq;
	int64_t		 k;		/* calls so far (call_<k> ids) */
	int		 prev_model;	/* the last content was a model turn */
};

/*
 * Room for n + 1 items of sz bytes in p (cap of them): p itself, a
 * larger copy (*cap updated), or NULL on failure (p left as it was).
 */
static void *
grow(void *p, size_t *cap, size_t n, size_t sz)
{
	size_t	 nc;

	if (n < *cap)
		return p;
	nc = *cap == 0 ? 16 : *cap * 2;
	if (nc > SIZE_MAX / sz || (p = realloc(p, nc * sz)) == NULL)
		return NULL;
	*cap = nc;
	return p;
}

/* A model turn's call: queued under its name. */
static int
call_queue(struct clc *c, const char *name, const char *id)
{
	const void	*v = gm_map_get(&c->names, name);
	struct pend	*np;
	struct queue	*nq;
	size_t		 qi;

	if ((np = grow(c->pend, &c->cpend, c->npend, sizeof(*np))) == NULL)
		return -1;
	c->pend = np;
	np[c->npend].id = id;
	np[c->npend].k = c->k;
	np[c->npend].next = 0;
	c->npend++;
	if (v == NULL) {
		if ((nq = grow(c->q, &c->cq, c->nq, sizeof(*nq))) == NULL)
			return -1;
		c->q = nq;
		qi = c->nq++;
		c->q[qi].head = 0;
		if (gm_map_put(&c->names, name, (const void *)(uintptr_t)(qi +
		    1)) == -1)
			return -1;
	} else
		qi = (uintptr_t)v - 1;
	if (c->q[qi].head == 0)
		c->q[qi].head = c->npend;
	else
		c->pend[c->q[qi].tail - 1].next = c->npend;
	c->q[qi].tail = c->npend;
	return 0;
}

/* The id for a response to name: the oldest unanswered call's. */
static int
call_answer(struct clc *c, const char *name, char *id, size_t idsz)
{
	const void	*v = gm_map_get(&c->names, name);
	struct queue	*q;
	struct pend	*p;

	if (v == NULL || (q = &c->q[(uintptr_t)v - 1])->head == 0)
		return -1;
	p = &c->pend[q->head - 1];
	q->head = p->next;
	if (p->id != NULL)
		snprintf(id, idsz, "%s", p->id);
	else
		snprintf(id, idsz, "call_%lld", (long long)p->k);
	return 0;
}

/* Part kinds (exactly one per part). */
enum pk { PK_NONE, PK_TEXT, PK_INLINE, PK_FILE, PK_CALL, PK_RESP, PK_MANY };

static enum pk
part_kind(const cJSON *p, const cJSON **v)
{
	static const struct {
		const char	*camel, *snake;
		enum pk		 k;
	} kinds[] = { { "text", "text", PK_TEXT },
	    { "inlineData", "inline_data", PK_INLINE },
	    { "fileData", "file_data", PK_FILE },
	    { "functionCall", "function_call", PK_CALL },
	    { "functionResponse", "function_response", PK_RESP } };
	const cJSON	*f;
	enum pk		 k = PK_NONE;
	size_t		 i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((f = gm_field(p, kinds[i].camel, kinds[i].snake)) == NULL)
			continue;
		if (k != PK_NONE)
			return PK_MANY;
		k = kinds[i].k;
		*v = f;
	}
	return k;
}

/* "data:<mime>;base64,<data>" into b. */
static int
data_url(struct buf *b, const char *mime, const char *data)
{
	buf_init(b, GM_JOIN_MAX);
	if (buf_puts(b, "data:") == -1 || buf_puts(b, mime) == -1 ||
	    buf_puts(b, ";base64,") == -1 || buf_puts(b, data) == -1) {
		buf_free(b);
		return -1;
	}
	return 0;
}

/* {type, <type>: {k: v}} */
static cJSON *
typed(const char *type, const char *k, const char *v, const char *k2,
    const char *v2)
{
	cJSON	*o, *in;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (gm_putstr(o, "type", type) == -1 ||
	    (in = cJSON_CreateObject()) == NULL || gm_put(o, type, in) == -1 ||
	    gm_putstr(in, k, v) == -1 ||
	    (k2 != NULL && gm_putstr(in, k2, v2) == -1)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* A chat text content part. */
static cJSON *
text_part(const char *s)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (gm_putstr(o, "type", "text") == -1 ||
	    gm_putstr(o, "text", s) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* inlineData -> an image_url, input_audio or file content part. */
static enum gm_conv
inline_part(struct clc *c, const cJSON *d, int i, int j, cJSON *out)
{
	const char	*mime = gm_field(d, "mimeType", "mime_type") != NULL ?
	    gm_field(d, "mimeType", "mime_type")->valuestring : NULL;
	const char	*data = gm_str(d, "data"), *fmt = NULL;
	struct buf	 b;
	cJSON		*p;

	if (!cJSON_IsObject(d) || mime == NULL || data == NULL)
		return gm_bad(&c->w, "expected an object with mimeType and "
		    "data strings.", "contents[%d].parts[%d].inlineData", i, j);
	if (strcasecmp(mime, "audio/wav") == 0 ||
	    strcasecmp(mime, "audio/x-wav") == 0)
		fmt = "wav";
	else if (strcasecmp(mime, "audio/mp3") == 0 ||
	    strcasecmp(mime, "audio/mpeg") == 0)
		fmt = "mp3";
	if (fmt != NULL)
		return gm_push(out, typed("input_audio", "data", data,
		    "format", fmt)) == 0 ? GM_OK : GM_NOMEM;
	if (strncasecmp(mime, "image/", 6) != 0 &&
	    strcasecmp(mime, "application/pdf") != 0)
		return gm_bad(&c->w, "only images, wav or mp3 audio and PDF "
		    "documents can be sent to this model.",
		    "contents[%d].parts[%d].inlineData.mimeType", i, j);
	if (data_url(&b, mime, data) == -1)
		return GM_NOMEM;
	if (mime[0] == 'i' || mime[0] == 'I')
		p = typed("image_url", "url", b.p, NULL, NULL);
	else
		p = typed("file", "filename", "document.pdf", "file_data",
		    b.p);
	buf_free(&b);
	return gm_push(out, p) == 0 ? GM_OK : GM_NOMEM;
}

/* fileData: an image by URL is all a chat upstream can fetch. */
static enum gm_conv
file_part(struct clc *c, const cJSON *d, int i, int j, cJSON *out)
{
	const cJSON	*mv = gm_field(d, "mimeType", "mime_type");
	const cJSON	*uv = gm_field(d, "fileUri", "file_uri");
	const char	*uri = cJSON_IsString(uv) ? uv->valuestring : NULL;

	if (!cJSON_IsObject(d) || uri == NULL || (mv != NULL &&
	    !cJSON_IsString(mv)))
		return gm_bad(&c->w, "expected an object with a fileUri "
		    "string.", "contents[%d].parts[%d].fileData", i, j);
	if ((mv != NULL && strncasecmp(mv->valuestring, "image/", 6) != 0) ||
	    (strncmp(uri, "https://", 8) != 0 &&
	    strncmp(uri, "http://", 7) != 0))
		return gm_bad(&c->w, "only images at an http(s) URL can be "
		    "sent to this model by reference.",
		    "contents[%d].parts[%d].fileData", i, j);
	return gm_push(out, typed("image_url", "url", uri, NULL, NULL)) == 0 ?
	    GM_OK : GM_NOMEM;
}

/* JSON text of v ({} for NULL); NULL on allocation failure. */
static char *
json_text(const cJSON *v)
{
	cJSON	*e;
	char	*s;

	if (v != NULL)
		return cJSON_PrintUnformatted(v);
	if ((e = cJSON_CreateObject()) == NULL)
		return NULL;
	s = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	return s;
}

static cJSON *
msg_new(struct clc *c, const char *role)
{
	cJSON	*m;

	if ((m = cJSON_CreateObject()) == NULL)
		return NULL;
	if (gm_push(c->msgs, m) == -1 || gm_putstr(m, "role", role) == -1)
		return NULL;
	return m;
}

/* A functionResponse part -> a tool message. */
static enum gm_conv
response_msg(struct clc *c, const cJSON *fr, int i, int j)
{
	const char	*name = gm_str(fr, "name"), *id = gm_str(fr, "id");
	const cJSON	*resp = gm_get(fr, "response"), *only;
	char		 idb[160], *txt;
	cJSON		*m;
	int		 rc;

	if (!cJSON_IsObject(fr) || name == NULL || name[0] == '\0')
		return gm_bad(&c->w, "expected an object with a name.",
		    "contents[%d].parts[%d].functionResponse", i, j);
	if (!cJSON_IsObject(resp))
		return gm_bad(&c->w, "expected an object.",
		    "contents[%d].parts[%d].functionResponse.response", i, j);
	if (id != NULL && id[0] != '\0' && strlen(id) <= GM_CL_ID_MAX)
		snprintf(idb, sizeof(idb), "%s", id);
	else if (call_answer(c, name, idb, sizeof(idb)) == -1)
		return gm_bad(&c->w, "no functionCall of this name in the "
		    "previous model turn is left to answer.",
		    "contents[%d].parts[%d].functionResponse.name", i, j);
	/* {"content": "text"} (what gemini.c sends) reads back as text. */
	only = resp->child;
	if (only != NULL && only->next == NULL &&
	    gm_streq(only->string, "content") && cJSON_IsString(only))
		txt = NULL;
	else if ((txt = json_text(only != NULL && only->next == NULL &&
	    gm_streq(only->string, "content") ? only : resp)) == NULL)
		return GM_NOMEM;
	rc = (m = msg_new(c, "tool")) == NULL ||
	    gm_putstr(m, "tool_call_id", idb) == -1 ||
	    gm_putstr(m, "content", txt != NULL ? txt : only->valuestring) ==
	    -1;
	cJSON_free(txt);
	return rc ? GM_NOMEM : GM_OK;
}

/* A user turn: tool messages first, then the rest as a user message. */
static enum gm_conv
user_turn(struct clc *c, const cJSON *parts, int i)
{
	const cJSON	*p, *v;
	cJSON		*out, *m, *one;
	enum gm_conv	 r = GM_OK;
	int		 j = 0;

	if ((out = cJSON_CreateArray()) == NULL)
		return GM_NOMEM;
	cJSON_ArrayForEach(p, parts) {
		switch (part_kind(p, &v)) {
		case PK_TEXT:
			r = gm_push(out, text_part(v->valuestring)) == -1 ?
			    GM_NOMEM : GM_OK;
			break;
		case PK_INLINE:
			r = inline_part(c, v, i, j, out);
			break;
		case PK_FILE:
			r = file_part(c, v, i, j, out);
			break;
		case PK_RESP:
			r = response_msg(c, v, i, j);
			break;
		default:
			r = gm_bad(&c->w, "a user turn holds text, inlineData, "
			    "fileData and functionResponse parts.",
			    "contents[%d].parts[%d]", i, j);
			break;
		}
		if (r != GM_OK)
			goto out;
		j++;
	}
	if (out->child == NULL)
		goto out;
	if ((m = msg_new(c, "user")) == NULL) {
		r = GM_NOMEM;
		goto out;
	}
	one = out->child;
	if (one->next == NULL && gm_streq(gm_str(one, "type"), "text"))
		r = gm_putstr(m, "content", gm_str(one, "text")) == -1 ?
		    GM_NOMEM : GM_OK;
	else {
		r = gm_put(m, "content", out) == -1 ? GM_NOMEM : GM_OK;
		out = NULL;
	}
out:
	cJSON_Delete(out);
	return r;
}

/* A functionCall part -> a tool call, queued for its response. */
static enum gm_conv
model_call(struct clc *c, const cJSON *fc, int i, int j, cJSON *calls)
{
	const char	*name = gm_str(fc, "name"), *id = gm_str(fc, "id");
	const cJSON	*args = gm_given(fc, "args");
	char		 idb[48], *a;
	cJSON		*tc, *f;
	int		 rc;

	if (!cJSON_IsObject(fc) || name == NULL || name[0] == '\0')
		return gm_bad(&c->w, "expected an object with a name.",
		    "contents[%d].parts[%d].functionCall", i, j);
	if (args != NULL && !cJSON_IsObject(args))
		return gm_bad(&c->w, "expected an object.",
		    "contents[%d].parts[%d].functionCall.args", i, j);
	if (id != NULL && (id[0] == '\0' || strlen(id) > GM_CL_ID_MAX))
		id = NULL;	/* ours then: an id must fit a tool_call_id */
	snprintf(idb, sizeof(idb), "call_%lld", (long long)c->k);
	if (call_queue(c, name, id) == -1 || (a = json_text(args)) == NULL)
		return GM_NOMEM;
	c->k++;
	rc = (tc = cJSON_CreateObject()) == NULL || gm_push(calls, tc) == -1 ||
	    gm_putstr(tc, "id", id != NULL ? id : idb) == -1 ||
	    gm_putstr(tc, "type", "function") == -1 ||
	    (f = cJSON_CreateObject()) == NULL ||
	    gm_put(tc, "function", f) == -1 ||
	    gm_putstr(f, "name", name) == -1 ||
	    gm_putstr(f, "arguments", a) == -1;
	cJSON_free(a);
	return rc ? GM_NOMEM : GM_OK;
}

/* A model turn -> an assistant message (thought parts dropped). */
static enum gm_conv
model_turn(struct clc *c, const cJSON *parts, int i)
{
	const cJSON	*p, *v;
	struct buf	 text;
	cJSON		*calls, *m;
	enum gm_conv	 r = GM_OK;
	int		 j = 0;

	if (!c->prev_model) {
		/* A new model turn: its calls are the ones to answer. */
		gm_map_clear(&c->names);
		c->npend = c->nq = 0;
	}
	if ((calls = cJSON_CreateArray()) == NULL)
		return GM_NOMEM;
	buf_init(&text, GM_JOIN_MAX);
	cJSON_ArrayForEach(p, parts) {
		switch (part_kind(p, &v)) {
		case PK_TEXT:
			if (!cJSON_IsTrue(gm_get(p, "thought")) &&
			    buf_puts(&text, v->valuestring) == -1)
				r = GM_NOMEM;
			break;
		case PK_CALL:
			r = model_call(c, v, i, j, calls);
			break;
		default:
			r = gm_bad(&c->w, "a model turn holds text and "
			    "functionCall parts.", "contents[%d].parts[%d]", i,
			    j);
			break;
		}
		if (r != GM_OK)
			goto out;
		j++;
	}
	if ((m = msg_new(c, "assistant")) == NULL ||
	    gm_put(m, "content", text.len == 0 && calls->child != NULL ?
	    cJSON_CreateNull() : cJSON_CreateString(buf_cstr(&text))) == -1) {
		r = GM_NOMEM;
		goto out;
	}
	if (calls->child != NULL) {
		r = gm_put(m, "tool_calls", calls) == -1 ? GM_NOMEM : GM_OK;
		calls = NULL;
	}
out:
	cJSON_Delete(calls);
	buf_free(&text);
	return r;
}

/* Types of every part, checked before the turn converts. */
static enum gm_conv
check_parts(struct clc *c, const cJSON *parts, int i)
{
	const cJSON	*p, *v;
	int		 j = 0;

	cJSON_ArrayForEach(p, parts) {
		if (!cJSON_IsObject(p))
			return gm_bad(&c->w, "expected an object.",
			    "contents[%d].parts[%d]", i, j);
		switch (part_kind(p, &v)) {
		case PK_NONE:
			return gm_bad(&c->w, "expected one of text, "
			    "inlineData, fileData, functionCall, "
			    "functionResponse (other kinds need a Gemini "
			    "model).", "contents[%d].parts[%d]", i, j);
		case PK_MANY:
			return gm_bad(&c->w, "a part holds exactly one kind of "
			    "data.", "contents[%d].parts[%d]", i, j);
		case PK_TEXT:
			if (!cJSON_IsString(v))
				return gm_bad(&c->w, "expected a string.",
				    "contents[%d].parts[%d].text", i, j);
			break;
		default:
			break;
		}
		j++;
	}
	return GM_OK;
}

static enum gm_conv
contents(struct clc *c)
{
	const cJSON	*cs = gm_get(c->req, "contents"), *ct, *parts, *rv;
	const char	*role;
	enum gm_conv	 r;
	int		 i = 0;

	if (!cJSON_IsArray(cs) || cs->child == NULL)
		return gm_bad(&c->w, "expected a non-empty array.",
		    "contents");
	cJSON_ArrayForEach(ct, cs) {
		if (!cJSON_IsObject(ct))
			return gm_bad(&c->w, "expected an object.",
			    "contents[%d]", i);
		rv = gm_given(ct, "role");
		role = rv == NULL ? "user" : cJSON_IsString(rv) ?
		    rv->valuestring : "";
		if (!gm_streq(role, "user") && !gm_streq(role, "model") &&
		    !gm_streq(role, "function"))
			return gm_bad(&c->w, "expected user or model.",
			    "contents[%d].role", i);
		parts = gm_get(ct, "parts");
		if (!cJSON_IsArray(parts) || parts->child == NULL)
			return gm_bad(&c->w, "expected a non-empty array.",
			    "contents[%d].parts", i);
		if ((r = check_parts(c, parts, i)) != GM_OK)
			return r;
		r = gm_streq(role, "model") ? model_turn(c, parts, i) :
		    user_turn(c, parts, i);
		if (r != GM_OK)
			return r;
		c->prev_model = gm_streq(role, "model");
		i++;
	}
	return GM_OK;
}

/* systemInstruction {parts [{text}]} (or a bare string) -> system. */
static enum gm_conv
system_msg(struct clc *c)
{
	const cJSON	*si = gm_field(c->req, "systemInstruction",
	    "system_instruction"), *parts, *p;
	struct buf	 b;
	cJSON		*m;
	enum gm_conv	 r = GM_OK;
	int		 j = 0;

	if (si == NULL)
		return GM_OK;
	buf_init(&b, GM_JOIN_MAX);
	if (cJSON_IsString(si))
		r = buf_puts(&b, si->valuestring) == -1 ? GM_NOMEM : GM_OK;
	else if (!cJSON_IsArray(parts = gm_get(si, "parts")))
		r = gm_bad(&c->w, "expected an object with parts.",
		    "systemInstruction");
	else
		cJSON_ArrayForEach(p, parts) {
			if (gm_str(p, "text") == NULL) {
				r = gm_bad(&c->w, "expected a text part.",
				    "systemInstruction.parts[%d]", j);
				break;
			}
			if ((j > 0 && buf_putc(&b, '\n') == -1) ||
			    buf_puts(&b, gm_str(p, "text")) == -1) {
				r = GM_NOMEM;
				break;
			}
			j++;
		}
	if (r == GM_OK && b.len > 0 && ((m = msg_new(c, "system")) == NULL ||
	    gm_putstr(m, "content", buf_cstr(&b)) == -1))
		r = GM_NOMEM;
	buf_free(&b);
	return r;
}

enum gm_conv
gm_cl_request(const cJSON *req, const char *up_model, int stream,
    cJSON **out, char *param, size_t psz, char *msg, size_t msz)
{
	struct clc	 c;
	cJSON		*so;
	enum gm_conv	 r = GM_NOMEM;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	gm_why_init(&c.w, param, psz, msg, msz);
	gm_map_init(&c.names);
	c.req = req;
	if (!cJSON_IsObject(req)) {
		if (c.w.msz > 0)
			snprintf(c.w.msg, c.w.msz, "The request body must be "
			    "a JSON object.");
		return GM_INVALID;
	}
	if (gm_field(req, "cachedContent", "cached_content") != NULL)
		return gm_bad(&c.w, "cached content lives on Gemini and cannot "
		    "be used with this model.", "cachedContent");
	if ((c.chat = cJSON_CreateObject()) == NULL ||
	    gm_putstr(c.chat, "model", up_model) == -1 ||
	    (c.msgs = cJSON_CreateArray()) == NULL ||
	    gm_put(c.chat, "messages", c.msgs) == -1)
		goto out;
	if ((r = system_msg(&c)) != GM_OK || (r = contents(&c)) != GM_OK ||
	    (r = gm_cl_options(req, c.chat, &c.w)) != GM_OK)
		goto out;
	r = GM_NOMEM;
	if (stream && (gm_put(c.chat, "stream", cJSON_CreateTrue()) == -1 ||
	    (so = cJSON_CreateObject()) == NULL ||
	    gm_put(c.chat, "stream_options", so) == -1 ||
	    gm_put(so, "include_usage", cJSON_CreateTrue()) == -1))
		goto out;
	r = GM_OK;
	*out = c.chat;
	c.chat = NULL;
out:
	cJSON_Delete(c.chat);
	gm_map_free(&c.names);
	free(c.pend);
	free(c.q);
	return r;
}
