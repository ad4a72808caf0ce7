/*
 * openai_images.c: the image routes of the mock upstream, OpenAI's wire
 * format (openai-openapi.yaml CreateImageRequest, CreateImageEditRequest,
 * ImagesResponse, Image, ImagesUsage):
 *
 *   POST /v1/images/generations   JSON
 *   POST /v1/images/edits         multipart/form-data (RFC 7578)
 *   GET  /_mock/files/<name>.png  the picture behind every "url" answer
 *
 * Every answer carries the same tiny valid PNG (2x2 RGBA), as b64_json or
 * as a url pointing at this mock.  An edit's uploaded images and mask
 * must be whole PNG files (signature, every chunk's CRC-32, IEND last) or
 * the mock answers 400 naming the part, so a gateway that corrupts or
 * truncates an upload fails its tests.  gpt-image-* answers report the
 * size and quality used ("auto" becomes 1024x1536 and high, so a test can
 * tell a charge by the answer from one by the request) and ImagesUsage.
 *
 * Controls: image requests have no metadata map, so besides the
 * X-Mock-* headers the controls come from a prefix of the prompt,
 * "[mock status=500 latency_ms=10] rest of prompt", names as in the
 * README.  The mock parses multipart itself: it shares no code with the
 * gateway, whose parser is under test.
 */
#define _GNU_SOURCE	/* memmem */

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mock.h"
#include "openai.h"

#define IMG_PARTS_MAX	64

static const unsigned char img_png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
	0x08, 0x06, 0x00, 0x00, 0x00, 0x72, 0xb6, 0x0d, 0x24, 0x00, 0x00, 0x00,
	0x11, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x10, 0x68, 0xf8, 0xf0,
	0x1f, 0x84, 0x19, 0x60, 0x0c, 0x00, 0x53, 0x74, 0x09, 0xfd, 0xd3, 0x56,
	0x5d, 0x51, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42,
	0x60, 0x82,
};

static atomic_ullong	 img_seq;

/* One multipart part, pointing into the request body. */
struct img_part {
	char		 name[128];
	char		 filename[256];
	int		 has_filename;
	const char	*data;
	size_t		 len;
};

/* The request, from JSON or from multipart fields. */
struct img_req {
	int		 edit;
	char		 model[64];
	const char	*prompt;	/* after the control prefix */
	long		 n;
	char		 size[32];
	char		 quality[32];
	char		 rformat[32];
	char		 oformat[32];
	char		 background[32];
	long		 nimages;	/* edits: image / image[] parts */
};

struct img_verr {
	char	 param[64];
	char	 msg[256];
};

static int
verr(struct img_verr *e, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
verr(struct img_verr *e, const char *param, const char *fmt, ...)
{
	va_list	 ap;

	snprintf(e->param, sizeof(e->param), "%s", param != NULL ? param : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static enum MHD_Result
img_fail(struct mock_req *req, unsigned int status, const char *param,
    const char *code, const char *msg, const char *const *hdrs)
{
	cJSON	*doc;

	doc = oai_error_doc(status, param != NULL && param[0] != '\0' ?
	    param : NULL, code, msg);
	return mock_reply_json(req, status, doc, hdrs);
}

static int
img_auth(struct mock_req *req, const char *key, char *msg, size_t msgsz)
{
	const char	*h = mock_header(req, MHD_HTTP_HEADER_AUTHORIZATION);

	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0 &&
	    strcmp(h + 7, key) == 0)
		return 0;
	snprintf(msg, msgsz, "Incorrect API key provided. You can find your "
	    "API key at https://platform.openai.com/account/api-keys.");
	return -1;
}

static enum MHD_Result
img_error(struct mock_req *req, unsigned int status, const char *msg)
{
	return img_fail(req, status, NULL, status == 401 ? "invalid_api_key" :
	    NULL, msg, NULL);
}

/* The status control: an OpenAI-looking error with that status. */
static enum MHD_Result
img_inject(struct mock_req *req)
{
	unsigned int	 st = (unsigned int)req->ctl.v[CTL_STATUS];
	char		 msg[96], ra[24];
	const char	*hdrs[3] = { NULL };

	if (st == 400)
		snprintf(msg, sizeof(msg), "mock injected error: bad request");
	else
		snprintf(msg, sizeof(msg), "mock injected HTTP status %u", st);
	if (ctl_isset(&req->ctl, CTL_RETRY_AFTER)) {
		snprintf(ra, sizeof(ra), "%ld", req->ctl.v[CTL_RETRY_AFTER]);
		hdrs[0] = "retry-after";
		hdrs[1] = ra;
	}
	return img_fail(req, st, NULL, st == 429 ? "rate_limit_exceeded" :
	    NULL, msg, hdrs);
}

/*
 * "[mock a=1 b=2] prompt": feeds a and b to the controls (as metadata
 * mock_a, mock_b would be) and returns the prompt after the prefix.
 */
static const char *
img_prompt_controls(struct mock_req *req, const char *p)
{
	const char	*end, *s, *eq, *sp;
	cJSON		*meta;
	char		 name[64], val[64];

	if (strncmp(p, "[mock ", 6) != 0 || (end = strchr(p, ']')) == NULL)
		return p;
	if ((meta = cJSON_CreateObject()) == NULL)
		return p;
	for (s = p + 6; s < end; s = sp) {
		while (s < end && *s == ' ')
			s++;
		if (s == end)
			break;
		for (sp = s; sp < end && *sp != ' '; sp++)
			;
		eq = memchr(s, '=', (size_t)(sp - s));
		if (eq == NULL || eq - s >= 48 || sp - eq - 1 >= 63) {
			snprintf(name, sizeof(name), "mock_%.*s",
			    (int)(sp - s > 40 ? 40 : sp - s), s);
			cJSON_AddStringToObject(meta, name, "");
			continue;
		}
		snprintf(name, sizeof(name), "mock_%.*s", (int)(eq - s), s);
		snprintf(val, sizeof(val), "%.*s", (int)(sp - eq - 1), eq + 1);
		cJSON_AddStringToObject(meta, name, val);
	}
	ctl_meta(&req->ctl, meta);
	cJSON_Delete(meta);
	for (end++; *end == ' '; end++)
		;
	return end;
}

static char *
b64(const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/";
	char		*out, *o;
	size_t		 i;
	unsigned int	 v;

	if ((out = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < n; i += 3) {
		v = (unsigned int)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned int)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static uint32_t
crc32(const unsigned char *p, size_t n)
{
	uint32_t	 c = 0xffffffffu;
	size_t		 i;
	int		 k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A whole PNG: signature, IHDR first, every CRC right, IEND last. */
static int
png_ok(const char *data, size_t len)
{
	const unsigned char	*p = (const unsigned char *)data;
	size_t			 off = 8;
	uint32_t		 clen;
	int			 first = 1;

	if (len < 8 || memcmp(p, img_png, 8) != 0)
		return 0;
	while (len - off >= 12) {
		clen = be32(p + off);
		if (clen > len - off - 12)
			return 0;
		if (first && memcmp(p + off + 4, "IHDR", 4) != 0)
			return 0;
		first = 0;
		if (crc32(p + off + 4, clen + 4) != be32(p + off + 8 + clen))
			return 0;
		if (memcmp(p + off + 4, "IEND", 4) == 0)
			return off + 12 + clen == len;
		off += 12 + clen;
	}
	return 0;
}

/* Copies the quoted or bare parameter key="..." of a header value. */
static int
hdr_param(const char *h, const char *hend, const char *key, char *out,
    size_t outsz)
{
	const char	*s, *e;
	size_t		 kl = strlen(key), n;

	for (s = h; s + kl + 1 < hend; s++) {
		if ((s != h && s[-1] != ' ' && s[-1] != ';') ||
		    strncasecmp(s, key, kl) != 0 || s[kl] != '=')
			continue;
		s += kl + 1;
		if (s < hend && *s == '"') {
			s++;
			for (e = s; e < hend && *e != '"'; e++)
				;
		} else
			for (e = s; e < hend && *e != ';' && *e != '\r'; e++)
				;
		n = (size_t)(e - s) < outsz - 1 ? (size_t)(e - s) : outsz - 1;
		memcpy(out, s, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

/* Splits body by the boundary of ctype.  Returns parts or -1. */
static int
mp_split(const char *ctype, const char *body, size_t len,
    struct img_part *parts, int max)
{
	char		 bnd[80], delim[84];
	const char	*p, *end = body + len, *hend, *next, *cd;
	size_t		 dl;
	int		 n = 0;

	if (ctype == NULL || strncasecmp(ctype, "multipart/form-data", 19) !=
	    0 || !hdr_param(ctype, ctype + strlen(ctype), "boundary", bnd,
	    sizeof(bnd)) || bnd[0] == '\0')
		return -1;
	dl = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", bnd);
	if (len < dl - 2 || memcmp(body, delim + 2, dl - 2) != 0)
		return -1;
	p = body + dl - 2;
	for (;;) {
		if (end - p >= 2 && memcmp(p, "--", 2) == 0)
			return n;
		if (end - p < 2 || memcmp(p, "\r\n", 2) != 0 || n == max)
			return -1;
		p += 2;
		hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		next = hend != NULL ? memmem(hend, (size_t)(end - hend), delim,
		    dl) : NULL;
		if (next == NULL)
			return -1;
		memset(&parts[n], 0, sizeof(parts[n]));
		cd = p;
		hend += 2;
		while (cd < hend && strncasecmp(cd, "content-disposition:",
		    20) != 0) {
			cd = memmem(cd, (size_t)(hend - cd), "\r\n", 2);
			cd = cd != NULL ? cd + 2 : hend;
		}
		if (cd < hend) {
			hdr_param(cd, hend, "name", parts[n].name,
			    sizeof(parts[n].name));
			parts[n].has_filename = hdr_param(cd, hend, "filename",
			    parts[n].filename, sizeof(parts[n].filename));
		}
		parts[n].data = hend + 2;
		parts[n].len = (size_t)(next - (hend + 2));
		n++;
		p = next + dl;
	}
}

static int
one_of(const char *v, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(v, *list) == 0)
			return 1;
	return 0;
}

static int
is_gpt_image(const char *model)
{
	return strncmp(model, "gpt-image-", 10) == 0 ||
	    strcmp(model, "chatgpt-image-latest") == 0;
}

/* Model-specific checks shared by both routes. */
static int
img_check(struct img_req *q, struct img_verr *e)
{
	static const char *const gsz[] = { "auto", "1024x1024", "1536x1024",
	    "1024x1536", NULL };
	static const char *const d3sz[] = { "1024x1024", "1792x1024",
	    "1024x1792", NULL };
	static const char *const d2sz[] = { "256x256", "512x512", "1024x1024",
	    NULL };
	static const char *const rf[] = { "url", "b64_json", NULL };
	int	 gpt = is_gpt_image(q->model);

	if (q->prompt == NULL || q->prompt[0] == '\0')
		return verr(e, "prompt", "Missing required parameter: "
		    "'prompt'.");
	if (q->n < 1 || q->n > 10 || (strcmp(q->model, "dall-e-3") == 0 &&
	    q->n != 1))
		return verr(e, "n", "Invalid 'n': %ld is not supported for "
		    "%s.", q->n, q->model);
	if (q->size[0] != '\0' && !one_of(q->size, gpt ? gsz :
	    strcmp(q->model, "dall-e-3") == 0 ? d3sz : d2sz))
		return verr(e, "size", "Invalid size '%s' for %s.", q->size,
		    q->model);
	if (q->rformat[0] != '\0' && (gpt || !one_of(q->rformat, rf)))
		return verr(e, "response_format", "Unknown parameter: "
		    "'response_format' ('%s') for %s.", q->rformat, q->model);
	if (!gpt && (q->oformat[0] != '\0' || q->background[0] != '\0'))
		return verr(e, q->oformat[0] != '\0' ? "output_format" :
		    "background", "Only the GPT image models support this "
		    "parameter.");
	return 0;
}

/* Output image tokens per image (OpenAI's table for gpt-image-1). */
static long
out_tokens(const char *size, const char *quality)
{
	int	 big = strcmp(size, "1024x1024") != 0;

	if (strcmp(quality, "low") == 0)
		return big ? 408 : 272;
	if (strcmp(quality, "medium") == 0)
		return big ? 1584 : 1056;
	return big ? 6240 : 4160;
}

static long
words(const char *s)
{
	long	 n = 0;
	int	 in = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/* The ImagesResponse for a validated request. */
static cJSON *
img_body(struct mock_req *req, struct img_req *q, unsigned long long seq)
{
	cJSON		*o, *data, *it, *u, *d;
	const char	*host = mock_header(req, "Host");
	const char	*size, *quality;
	char		*png64 = NULL, url[256];
	long		 i, in_text, in_img, out;
	int		 gpt = is_gpt_image(q->model), asurl;

	asurl = !gpt && strcmp(q->rformat, "b64_json") != 0;
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "created", (double)time(NULL));
	if ((data = cJSON_AddArrayToObject(o, "data")) == NULL ||
	    (!asurl && (png64 = b64(img_png, sizeof(img_png))) == NULL)) {
		cJSON_Delete(o);
		return NULL;
	}
	for (i = 0; i < q->n; i++) {
		if ((it = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddItemToArray(data, it);
		if (asurl) {
			snprintf(url, sizeof(url), "http://%.100s/_mock/files/"
			    "img-%llu-%ld.png", host != NULL ? host :
			    "127.0.0.1", seq, i);
			cJSON_AddStringToObject(it, "url", url);
		} else
			cJSON_AddStringToObject(it, "b64_json", png64);
		if (strcmp(q->model, "dall-e-3") == 0)
			cJSON_AddStringToObject(it, "revised_prompt",
			    q->prompt);
	}
	free(png64);
	if (!gpt)
		return o;
	size = q->size[0] == '\0' || strcmp(q->size, "auto") == 0 ?
	    "1024x1536" : q->size;
	quality = q->quality[0] == '\0' || strcmp(q->quality, "auto") == 0 ?
	    "high" : q->quality;
	cJSON_AddStringToObject(o, "background", q->background[0] == '\0' ||
	    strcmp(q->background, "auto") == 0 ? "opaque" : q->background);
	cJSON_AddStringToObject(o, "output_format", q->oformat[0] != '\0' ?
	    q->oformat : "png");
	cJSON_AddStringToObject(o, "size", size);
	cJSON_AddStringToObject(o, "quality", quality);
	in_text = words(q->prompt);
	in_img = q->edit ? 194 * q->nimages : 0;
	out = out_tokens(size, quality) * q->n;
	if ((u = cJSON_AddObjectToObject(o, "usage")) != NULL) {
		cJSON_AddNumberToObject(u, "total_tokens", in_text + in_img +
		    out);
		cJSON_AddNumberToObject(u, "input_tokens", in_text + in_img);
		cJSON_AddNumberToObject(u, "output_tokens", out);
		d = cJSON_AddObjectToObject(u, "input_tokens_details");
		if (d != NULL) {
			cJSON_AddNumberToObject(d, "text_tokens", in_text);
			cJSON_AddNumberToObject(d, "image_tokens", in_img);
		}
	}
	return o;
}

/* Controls, then validation, then the answer. */
static enum MHD_Result
img_answer(struct mock_req *req, struct img_req *q, int bad,
    struct img_verr *e)
{
	char		 rid[48];
	const char	*hdrs[3] = { "x-request-id", rid, NULL };
	unsigned long long seq = atomic_fetch_add(&img_seq, 1);

	snprintf(rid, sizeof(rid), "req_mockimg%llu", seq);
	if (req->ctl.bad[0] != '\0')
		return img_fail(req, 400, NULL, "invalid_mock_control",
		    req->ctl.bad, hdrs);
	if (ctl_isset(&req->ctl, CTL_STATUS))
		return img_inject(req);
	if (ctl_isset(&req->ctl, CTL_BODY))
		return mock_reply(req, 200, "application/json", req->ctl.body,
		    req->ctl.bodylen, hdrs);
	if (bad || img_check(q, e) == -1)
		return img_fail(req, 400, e->param, "invalid_value", e->msg,
		    hdrs);
	return mock_reply_json(req, 200, img_body(req, q, seq), hdrs);
}

static void
copy_str(char *dst, size_t sz, const cJSON *v)
{
	if (cJSON_IsString(v))
		snprintf(dst, sz, "%s", v->valuestring);
}

static enum MHD_Result
h_img_generations(struct mock_req *req)
{
	struct img_req	 q;
	struct img_verr	 e;
	cJSON		*doc, *v;
	enum MHD_Result	 ret;
	int		 bad = 0;

	memset(&q, 0, sizeof(q));
	memset(&e, 0, sizeof(e));
	doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return img_fail(req, 400, NULL, NULL, "We could not parse the "
		    "JSON body of your request.", NULL);
	}
	snprintf(q.model, sizeof(q.model), "dall-e-2");
	copy_str(q.model, sizeof(q.model), cJSON_GetObjectItem(doc, "model"));
	v = cJSON_GetObjectItemCaseSensitive(doc, "prompt");
	if (cJSON_IsString(v))
		q.prompt = img_prompt_controls(req, v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(doc, "n");
	q.n = 1;
	if (v != NULL && !cJSON_IsNull(v)) {
		if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long)
		    v->valuedouble)
			bad = verr(&e, "n", "Invalid type for 'n': expected "
			    "an integer.");
		else
			q.n = (long)v->valuedouble;
	}
	copy_str(q.size, sizeof(q.size), cJSON_GetObjectItem(doc, "size"));
	copy_str(q.quality, sizeof(q.quality),
	    cJSON_GetObjectItem(doc, "quality"));
	copy_str(q.rformat, sizeof(q.rformat),
	    cJSON_GetObjectItem(doc, "response_format"));
	copy_str(q.oformat, sizeof(q.oformat),
	    cJSON_GetObjectItem(doc, "output_format"));
	copy_str(q.background, sizeof(q.background),
	    cJSON_GetObjectItem(doc, "background"));
	ret = img_answer(req, &q, bad, &e);
	cJSON_Delete(doc);
	return ret;
}

/* Copies a field part's value (text) into dst. */
static void
field(char *dst, size_t sz, const struct img_part *pt)
{
	snprintf(dst, sz, "%.*s", (int)pt->len, pt->data);
}

static enum MHD_Result
h_img_edits(struct mock_req *req)
{
	struct img_part	*parts;
	struct img_req	 q;
	struct img_verr	 e;
	char		 num[16], *prompt = NULL;
	char		*end;
	enum MHD_Result	 ret;
	int		 n, i, bad = 0;

	memset(&q, 0, sizeof(q));
	memset(&e, 0, sizeof(e));
	q.edit = 1;
	q.n = 1;
	snprintf(q.model, sizeof(q.model), "dall-e-2");
	if ((parts = calloc(IMG_PARTS_MAX, sizeof(*parts))) == NULL)
		return img_error(req, 500, "mock out of memory");
	n = mp_split(mock_header(req, "Content-Type"), req->body.p != NULL ?
	    req->body.p : "", req->body.len, parts, IMG_PARTS_MAX);
	if (n < 0) {
		free(parts);
		return img_fail(req, 400, NULL, NULL, "Could not parse "
		    "multipart form", NULL);
	}
	for (i = 0; i < n; i++) {
		struct img_part	*pt = &parts[i];

		if (strcmp(pt->name, "prompt") == 0 && prompt == NULL)
			prompt = strndup(pt->data, pt->len);
		else if (strcmp(pt->name, "model") == 0)
			field(q.model, sizeof(q.model), pt);
		else if (strcmp(pt->name, "n") == 0) {
			field(num, sizeof(num), pt);
			q.n = strtol(num, &end, 10);
			if (num[0] == '\0' || *end != '\0')
				bad = verr(&e, "n", "Invalid 'n'.");
		} else if (strcmp(pt->name, "size") == 0)
			field(q.size, sizeof(q.size), pt);
		else if (strcmp(pt->name, "quality") == 0)
			field(q.quality, sizeof(q.quality), pt);
		else if (strcmp(pt->name, "response_format") == 0)
			field(q.rformat, sizeof(q.rformat), pt);
		else if (strcmp(pt->name, "output_format") == 0)
			field(q.oformat, sizeof(q.oformat), pt);
		else if (strcmp(pt->name, "background") == 0)
			field(q.background, sizeof(q.background), pt);
		else if (strcmp(pt->name, "image") == 0 ||
		    strcmp(pt->name, "image[]") == 0 ||
		    strcmp(pt->name, "mask") == 0) {
			if (!pt->has_filename || !png_ok(pt->data, pt->len))
				bad = verr(&e, pt->name, "Invalid file '%s': "
				    "expected a whole PNG file upload.",
				    pt->name);
			if (pt->name[0] == 'i')
				q.nimages++;
		}
	}
	if (prompt != NULL)
		q.prompt = img_prompt_controls(req, prompt);
	if (!bad && q.nimages == 0)
		bad = verr(&e, "image", "Missing required parameter: "
		    "'image'.");
	if (!bad && strcmp(q.model, "dall-e-2") == 0 && q.nimages != 1)
		bad = verr(&e, "image", "dall-e-2 edits take one image.");
	ret = img_answer(req, &q, bad, &e);
	free(prompt);
	free(parts);
	return ret;
}

enum MHD_Result
oai_images_file(struct mock_req *req)
{
	return mock_reply(req, 200, "image/png", (const char *)img_png,
	    sizeof(img_png), NULL);
}

static const struct mock_route img_routes[] = {
	{ "POST", "/v1/images/generations", 0, h_img_generations },
	{ "POST", "/v1/images/edits", 0, h_img_edits },
	{ NULL, NULL, 0, NULL }
};

const struct mock_provider oai_images_provider = {
	"openai-images",
	"/v1/images/",
	img_routes,
	img_auth,
	img_error
};
