/*
 * images.c: POST /v1/images/generations (JSON, OpenAI CreateImageRequest)
 * and POST /v1/images/edits (multipart/form-data, CreateImageEditRequest);
 * both answer ImagesResponse, passed through as the upstream sent it
 * (its ImagesUsage included).
 *
 * Every parameter the models constrain is checked before anything is
 * held or sent upstream, by the rules of the model the client named
 * (gpt-image-1 and its family, dall-e-3, dall-e-2; other image models get
 * the loose common rules) and every error names its param.  Edits read
 * the body through the streaming multipart parser (app/multipart.h): each
 * part is stored once, and the same bytes go upstream in place as
 * multipart parts.  Both go through one relay_call (failover, breaker,
 * auto-disable); for edits its before hook puts each channel's mapped
 * model name in the upstream "model" part.
 *
 * Billing (basis "image", docs/pricing.md): a price per image is looked
 * up in the price row's extra table under "size/quality", else unit_u.
 * The hold covers n images at the dearest price the request could turn
 * out to cost (a GPT model's "auto" size or quality may become any); the
 * charge is for the images returned, at the size and quality the upstream
 * reports (GPT image models do), else those requested, times the group
 * ratio, rounded up once (bill_units).  A failed call is refunded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "cfg.h"
#include "handlers/handlers.h"
#include "log.h"
#include "multipart.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"
#include "tokens.h"
#include "upstream.h"

#define IMG_MAX_FILE	(25u * 1024 * 1024)	/* one uploaded file */
#define IMG_DALLE2_FILE	(4u * 1024 * 1024)	/* dall-e-2 image, masks */
#define IMG_MAX_PARTS	64

/* Fields the gateway understands; the rest pass through unchecked. */
enum img_field {
	F_MODEL, F_PROMPT, F_SIZE, F_QUALITY, F_STYLE, F_RFORMAT,
	F_BACKGROUND, F_MODERATION, F_OFORMAT, F_FIDELITY, F_USER,
	F_N, F_COMPRESSION, F_PARTIAL, F_STREAM,
	F__MAX
};

static const char *const img_field_names[F__MAX] = {
	"model", "prompt", "size", "quality", "style", "response_format",
	"background", "moderation", "output_format", "input_fidelity", "user",
	"n", "output_compression", "partial_images", "stream",
};

#define F_FIRST_INT	F_N

static const char *const gpt_sizes[] = { "auto", "1024x1024", "1536x1024",
    "1024x1536", NULL };
static const char *const gpt_qualities[] = { "auto", "low", "medium",
    "high", NULL };
static const char *const d3_sizes[] = { "1024x1024", "1792x1024",
    "1024x1792", NULL };
static const char *const d3_qualities[] = { "standard", "hd", "auto",
    NULL };
static const char *const d3_styles[] = { "vivid", "natural", NULL };
static const char *const d2_sizes[] = { "256x256", "512x512", "1024x1024",
    NULL };
static const char *const d2_qualities[] = { "standard", "auto", NULL };
static const char *const rformats[] = { "url", "b64_json", NULL };
static const char *const backgrounds[] = { "transparent", "opaque", "auto",
    NULL };
static const char *const moderations[] = { "low", "auto", NULL };
static const char *const oformats[] = { "png", "jpeg", "webp", NULL };
static const char *const fidelities[] = { "high", "low", NULL };

/* What one model (family) accepts (openai-openapi.yaml descriptions). */
struct img_rules {
	const char		*name;		/* for messages */
	const char		*prefix;	/* model id prefix; NULL: any */
	int			 exact;		/* the id must equal prefix */
	size_t			 max_prompt;	/* characters */
	int64_t			 max_n;
	const char *const	*sizes;		/* NULL: not checked */
	const char *const	*qualities;
	const char *const	*styles;	/* NULL: style refused */
	int			 gpt;		/* GPT-only params allowed */
	int			 rformat;	/* response_format allowed */
	int			 edits;		/* usable for edits */
	int			 max_images;	/* edits: image parts */
	int			 png_only;	/* edits: PNG, square, 4 MB */
	const char		*def_size;	/* for pricing */
	const char		*def_quality;
};

static const struct img_rules img_rules[] = {
	{ "GPT image models", "gpt-image-1", 0, 32000, 10, gpt_sizes,
	    gpt_qualities, NULL, 1, 0, 1, 16, 0, "auto", "auto" },
	{ "dall-e-3", "dall-e-3", 1, 4000, 1, d3_sizes, d3_qualities,
	    d3_styles, 0, 1, 0, 0, 0, "1024x1024", "standard" },
	{ "dall-e-2", "dall-e-2", 1, 1000, 10, d2_sizes, d2_qualities, NULL,
	    0, 1, 1, 1, 1, "1024x1024", "standard" },
	/* Any other model priced per image: loose checks, upstream decides. */
	{ "this model", NULL, 0, 32000, 10, NULL, NULL, NULL, 1, 1, 1, 16, 0,
	    "", "" },
};

struct img_req {
	const struct img_rules	*rules;
	const char		*s[F__MAX];	/* string fields, NULL unset */
	int64_t			 num[F__MAX];	/* integer fields */
	int			 has[F__MAX];	/* integer/bool given */
	int			 edit;
	/* edits */
	struct mp_parser	*mp;
	size_t			 nimages;
	const struct mp_part	*first_image, *mask;
};

struct img_ctx {
	struct req	*r;
	struct relay	*rl;
	struct img_req	*q;
	struct up_part	*model;		/* edits: the upstream "model" part */
	struct buf	 body;
	int		 status;
};

static int
one_of(const char *v, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(v, *list) == 0)
			return 1;
	return 0;
}

/* "a, b, c" of a NULL-terminated list, in the arena. */
static const char *
list_text(struct req *r, const char *const *list)
{
	struct buf	 b;
	char		*s;

	buf_init(&b, 512);
	for (; *list != NULL; list++)
		buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", *list);
	s = arena_strdup(r->a, buf_cstr(&b));
	buf_free(&b);
	return s != NULL ? s : "";
}

static const struct img_rules *
rules_for(const char *model)
{
	const struct img_rules	*ru;
	size_t			 i, n;

	n = sizeof(img_rules) / sizeof(img_rules[0]);
	for (i = 0; i < n; i++) {
		ru = &img_rules[i];
		if (ru->prefix == NULL)
			return ru;
		if (ru->exact ? strcmp(model, ru->prefix) == 0 :
		    strncmp(model, ru->prefix, strlen(ru->prefix)) == 0)
			return ru;
	}
	return &img_rules[n - 1];
}

/* An optional enumerated field; 0, or -1 after the 400. */
static int
check_enum(struct req *r, struct img_req *q, enum img_field f,
    const char *const *list)
{
	const char	*v = q->s[f], *k = img_field_names[f];

	if (v == NULL || list == NULL || one_of(v, list))
		return 0;
	h_bad_field(r, k, "Invalid '%s': '%.64s' is not supported for %s; "
	    "expected one of %s.", k, v, q->s[F_MODEL], list_text(r, list));
	return -1;
}

/* A field only some models take; 0, or -1 after the 400. */
static int
check_allowed(struct req *r, struct img_req *q, enum img_field f, int ok,
    const char *why)
{
	const char	*k = img_field_names[f];

	if (ok || (q->s[f] == NULL && !q->has[f]))
		return 0;
	h_bad_field(r, k, "Invalid '%s': not supported for %s (%s).", k,
	    q->s[F_MODEL], why);
	return -1;
}

/*
 * The per-model rules on a request gathered from JSON or multipart.
 * Returns 0, or -1 after sending the 400.
 */
static int
check_rules(struct req *r, struct img_req *q)
{
	const struct img_rules	*ru = q->rules;
	const char		*p = q->s[F_PROMPT];
	size_t			 len;

	if (p == NULL)
		return h_bad_field(r, "prompt", "Missing required parameter: "
		    "'prompt'."), -1;
	if (p[0] == '\0')
		return h_bad_field(r, "prompt", "Invalid 'prompt': empty "
		    "string."), -1;
	if ((len = tok_chars(p)) > ru->max_prompt)
		return h_bad_field(r, "prompt", "Invalid 'prompt': string too "
		    "long. Expected a string with maximum length %zu for %s, "
		    "but got a string with length %zu instead.",
		    ru->max_prompt, q->s[F_MODEL], len), -1;
	if (q->edit && !ru->edits)
		return h_bad_field(r, "model", "Invalid 'model': %s does not "
		    "support image edits; use dall-e-2 or a GPT image model.",
		    q->s[F_MODEL]), -1;
	if (q->has[F_N] && (q->num[F_N] < 1 || q->num[F_N] > ru->max_n))
		return h_bad_field(r, "n", ru->max_n == 1 ? "Invalid 'n': %s "
		    "supports only n=1." : "Invalid 'n': expected an integer "
		    "between 1 and 10 for %s.", q->s[F_MODEL]), -1;
	if (check_enum(r, q, F_SIZE, ru->sizes) == -1 ||
	    check_enum(r, q, F_QUALITY, ru->qualities) == -1 ||
	    check_allowed(r, q, F_STYLE, ru->styles != NULL || ru->prefix ==
	    NULL, "only dall-e-3 takes a style") == -1 ||
	    check_enum(r, q, F_STYLE, ru->styles) == -1 ||
	    check_allowed(r, q, F_RFORMAT, ru->rformat, "GPT image models "
	    "always return b64_json") == -1 ||
	    check_enum(r, q, F_RFORMAT, rformats) == -1)
		return -1;
	if (check_allowed(r, q, F_BACKGROUND, ru->gpt, "only the GPT image "
	    "models take it") == -1 ||
	    check_allowed(r, q, F_MODERATION, ru->gpt, "only the GPT image "
	    "models take it") == -1 ||
	    check_allowed(r, q, F_OFORMAT, ru->gpt, "only the GPT image "
	    "models take it") == -1 ||
	    check_allowed(r, q, F_COMPRESSION, ru->gpt, "only the GPT image "
	    "models take it") == -1 ||
	    check_allowed(r, q, F_FIDELITY, ru->gpt, "only the GPT image "
	    "models take it") == -1 ||
	    check_enum(r, q, F_BACKGROUND, backgrounds) == -1 ||
	    check_enum(r, q, F_MODERATION, moderations) == -1 ||
	    check_enum(r, q, F_OFORMAT, oformats) == -1 ||
	    check_enum(r, q, F_FIDELITY, fidelities) == -1)
		return -1;
	if (q->has[F_COMPRESSION] && (q->num[F_COMPRESSION] < 0 ||
	    q->num[F_COMPRESSION] > 100))
		return h_bad_field(r, "output_compression", "Invalid "
		    "'output_compression': expected an integer between 0 and "
		    "100."), -1;
	if (q->s[F_BACKGROUND] != NULL && q->s[F_OFORMAT] != NULL &&
	    strcmp(q->s[F_BACKGROUND], "transparent") == 0 &&
	    strcmp(q->s[F_OFORMAT], "jpeg") == 0)
		return h_bad_field(r, "background", "Invalid 'background': "
		    "a transparent background needs output_format png or "
		    "webp."), -1;
	if (q->has[F_STREAM] && q->num[F_STREAM])
		return h_bad_field(r, "stream", "Invalid 'stream': streamed "
		    "image generation is not supported by this gateway; "
		    "send stream false."), -1;
	return 0;
}

/* ---- generations: the JSON body ---- */

static int
read_json(struct req *r, cJSON *o, struct img_req *q)
{
	cJSON		*v;
	const char	*k;
	int		 f;

	for (f = 0; f < F__MAX; f++) {
		k = img_field_names[f];
		v = cJSON_GetObjectItemCaseSensitive(o, k);
		if (v == NULL || cJSON_IsNull(v))
			continue;
		if (f == F_STREAM) {
			if (!cJSON_IsBool(v))
				return h_bad_field(r, k, "Invalid type for "
				    "'%s': expected a boolean.", k), -1;
			q->has[f] = 1;
			q->num[f] = cJSON_IsTrue(v);
		} else if (f >= F_FIRST_INT) {
			if (!cJSON_IsNumber(v) || v->valuedouble < -1e15 ||
			    v->valuedouble > 1e15 || v->valuedouble !=
			    (double)(int64_t)v->valuedouble)
				return h_bad_field(r, k, "Invalid type for "
				    "'%s': expected an integer.", k), -1;
			q->has[f] = 1;
			q->num[f] = (int64_t)v->valuedouble;
		} else {
			if (!cJSON_IsString(v))
				return h_bad_field(r, k, "Invalid type for "
				    "'%s': expected a string.", k), -1;
			q->s[f] = v->valuestring;
		}
	}
	return 0;
}

/* ---- edits: the multipart body ---- */

/* The parser behind req_read_stream, remembering its own verdict. */
struct img_feed {
	struct mp_parser	*mp;
	enum err		 e;
};

static enum err
feed(void *arg, const char *p, size_t n)
{
	struct img_feed	*f = arg;

	return f->e = mp_feed(f->mp, p, n);
}

/* Decimal integer of a text field, or -1 for junk (and -1 itself). */
static int
text_int(const char *s, int64_t *out)
{
	int64_t	 v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

enum img_type { IMT_OTHER, IMT_PNG, IMT_JPEG, IMT_WEBP };

static enum img_type
sniff(const struct mp_part *pt, const char **ctype)
{
	const unsigned char	*d = (const unsigned char *)pt->data.p;
	size_t			 n = pt->data.len;

	*ctype = NULL;
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) {
		*ctype = "image/png";
		return IMT_PNG;
	}
	if (n >= 3 && memcmp(d, "\xff\xd8\xff", 3) == 0) {
		*ctype = "image/jpeg";
		return IMT_JPEG;
	}
	if (n >= 12 && memcmp(d, "RIFF", 4) == 0 &&
	    memcmp(d + 8, "WEBP", 4) == 0) {
		*ctype = "image/webp";
		return IMT_WEBP;
	}
	return IMT_OTHER;
}

/* Width and height from a PNG's IHDR; 0 when not readable. */
static void
png_dims(const struct mp_part *pt, uint32_t *w, uint32_t *h)
{
	const unsigned char	*d = (const unsigned char *)pt->data.p;

	*w = *h = 0;
	if (pt->data.len < 24 || memcmp(d + 12, "IHDR", 4) != 0)
		return;
	*w = (uint32_t)d[16] << 24 | (uint32_t)d[17] << 16 |
	    (uint32_t)d[18] << 8 | d[19];
	*h = (uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 |
	    (uint32_t)d[22] << 8 | d[23];
}

/* One image or mask part; 0, or -1 after the 400. */
static int
check_file(struct req *r, struct img_req *q, const struct mp_part *pt,
    int ismask)
{
	const struct img_rules	*ru = q->rules;
	const char		*ct;
	enum img_type		 t = sniff(pt, &ct);
	uint32_t		 w, h, w0, h0;

	if (pt->filename == NULL)
		return h_bad_field(r, pt->name, "Invalid '%s': expected a "
		    "file upload, got a text field.", pt->name), -1;
	if (pt->data.len == 0)
		return h_bad_field(r, pt->name, "Invalid '%s': the file is "
		    "empty.", pt->name), -1;
	if ((ismask || ru->png_only) && t != IMT_PNG)
		return h_bad_field(r, pt->name, "Invalid '%s': %s must be a "
		    "PNG file.", pt->name, ismask ? "the mask" : "the image"),
		    -1;
	if (t == IMT_OTHER)
		return h_bad_field(r, pt->name, "Invalid '%s': unsupported "
		    "file type; expected png, webp or jpeg.", pt->name), -1;
	if ((ismask || ru->png_only) && pt->data.len >= IMG_DALLE2_FILE)
		return h_bad_field(r, pt->name, "Invalid '%s': the file must "
		    "be smaller than 4 MB.", pt->name), -1;
	png_dims(pt, &w, &h);
	if (ru->png_only && !ismask && w != h)
		return h_bad_field(r, pt->name, "Invalid '%s': the image must "
		    "be square for dall-e-2 (got %ux%u).", pt->name, w, h), -1;
	if (ismask && q->first_image != NULL) {
		png_dims(q->first_image, &w0, &h0);
		if (w0 != 0 && (w != w0 || h != h0))
			return h_bad_field(r, "mask", "Invalid 'mask': the "
			    "mask must have the dimensions of the image "
			    "(%ux%u, got %ux%u).", w0, h0, w, h), -1;
	}
	return 0;
}

/*
 * The parsed parts into q: text fields by name (each at most once),
 * image / image[] files and the mask.  Returns 0, or -1 after the 400.
 */
static int
read_parts(struct req *r, struct img_req *q)
{
	struct mp_part	*pt;
	size_t		 i, n;
	int		 f;

	pt = mp_parts(q->mp, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(pt[i].name, "image") == 0 ||
		    strcmp(pt[i].name, "image[]") == 0) {
			if (q->first_image == NULL)
				q->first_image = &pt[i];
			q->nimages++;
			continue;
		}
		if (strcmp(pt[i].name, "mask") == 0) {
			if (q->mask != NULL)
				return h_bad_field(r, "mask", "Invalid 'mask': "
				    "only one mask may be given."), -1;
			q->mask = &pt[i];
			continue;
		}
		for (f = 0; f < F__MAX; f++)
			if (strcmp(pt[i].name, img_field_names[f]) == 0)
				break;
		if (f == F__MAX)
			continue;	/* passed through */
		if (pt[i].filename != NULL)
			return h_bad_field(r, pt[i].name, "Invalid '%s': "
			    "expected a text field, got a file.",
			    pt[i].name), -1;
		if (q->s[f] != NULL)
			return h_bad_field(r, pt[i].name, "Invalid '%s': given "
			    "more than once.", pt[i].name), -1;
		q->s[f] = pt[i].data.p;
		if (f == F_STREAM) {
			if (strcmp(q->s[f], "true") != 0 &&
			    strcmp(q->s[f], "false") != 0)
				return h_bad_field(r, "stream", "Invalid "
				    "'stream': expected true or false."), -1;
			q->has[f] = 1;
			q->num[f] = strcmp(q->s[f], "true") == 0;
		} else if (f >= F_FIRST_INT) {
			if (text_int(q->s[f], &q->num[f]) == -1)
				return h_bad_field(r, pt[i].name, "Invalid "
				    "type for '%s': expected an integer.",
				    pt[i].name), -1;
			q->has[f] = 1;
		}
	}
	return 0;
}

/* The edit's files, after the rules picked by model. */
static int
check_files(struct req *r, struct img_req *q)
{
	const struct img_rules	*ru = q->rules;
	struct mp_part		*pt;
	size_t			 i, n;

	if (q->nimages == 0)
		return h_bad_field(r, "image", "Missing required parameter: "
		    "'image'."), -1;
	if (q->nimages > (size_t)ru->max_images)
		return h_bad_field(r, "image", ru->max_images == 1 ?
		    "Invalid 'image': %s takes one image." : "Invalid 'image': "
		    "%s takes at most 16 images.", q->s[F_MODEL]), -1;
	pt = mp_parts(q->mp, &n);
	for (i = 0; i < n; i++)
		if ((strcmp(pt[i].name, "image") == 0 ||
		    strcmp(pt[i].name, "image[]") == 0) &&
		    check_file(r, q, &pt[i], 0) == -1)
			return -1;
	if (q->mask != NULL && check_file(r, q, q->mask, 1) == -1)
		return -1;
	return 0;
}

/*
 * Reads and parses the multipart body.  Returns ERR_OK with q->mp set,
 * ERR_OK with q->mp NULL after an error answer was sent, or an error
 * for the caller to send (client gone, no memory).
 */
static enum err
read_multipart(struct req *r, struct img_req *q)
{
	struct mp_limits	 lim = { IMG_MAX_PARTS, 8192, 256, 1024,
	    1024 * 1024, IMG_MAX_FILE };
	struct mp_parser	*mp;
	struct img_feed		 f;
	enum err		 e;

	mp = mp_new(r->a, req_param(r, "CONTENT_TYPE"), &lim, &e);
	if (mp == NULL) {
		if (e != ERR_BAD_REQUEST)
			return e;
		req_send_error(r, ERR_BAD_REQUEST, "Invalid Content-Type: "
		    "expected multipart/form-data with a boundary.", NULL);
		return ERR_OK;
	}
	f.mp = mp;
	f.e = ERR_OK;
	e = req_read_stream(r, (size_t)r->cfg->body_max_multipart, feed, &f);
	if (e == ERR_OK)
		e = f.e = mp_finish(mp);
	if (f.e == ERR_OK && (e == ERR_TOO_LARGE || e == ERR_BAD_REQUEST)) {
		/* The web server's length or the body cap, not the parser. */
		req_send_error(r, e, e == ERR_TOO_LARGE ? arena_printf(r->a,
		    "The request body is larger than %ld bytes.",
		    r->cfg->body_max_multipart) : "Invalid Content-Length.",
		    NULL);
		return ERR_OK;
	}
	if (e == ERR_BAD_REQUEST || e == ERR_TOO_LARGE) {
		req_send_error(r, e, mp_error(mp), mp_error_part(mp));
		return ERR_OK;
	}
	if (e == ERR_OK)
		q->mp = mp;
	return e;
}

/* ---- pricing ---- */

/* Quota per image of extra[key] in micro-quota, exactly; -1 if none. */
static int64_t
table_micro(const cJSON *tab, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(tab, key);
	char		*s;
	int64_t		 m;
	int		 rc;

	if (!cJSON_IsNumber(v) && !cJSON_IsString(v))
		return -1;
	s = cJSON_IsString(v) ? NULL : cJSON_PrintUnformatted(v);
	rc = bill_parse_micro(s != NULL ? s : v->valuestring, &m);
	cJSON_free(s);
	return rc == 0 ? m : -1;
}

static int
wild(const char *s)
{
	return s == NULL || s[0] == '\0' || strcmp(s, "auto") == 0;
}

/*
 * Micro-quota per image for size/quality from the price row: the extra
 * table's entry, else unit_u.  With dearest, an "auto" or empty size or
 * quality matches every entry and the dearest (unit_u included) wins:
 * that is what the hold needs.  *key gets the table key used ("" when
 * unit_u applied).
 */
static int64_t
price_micro(struct req *r, const struct price *p, const char *size,
    const char *quality, int dearest, const char **key)
{
	cJSON		*tab, *it;
	const char	*slash;
	int64_t		 best = p->unit_u, m;
	size_t		 sl;

	*key = "";
	tab = p->extra != NULL && p->extra[0] != '\0' ? cJSON_Parse(p->extra) :
	    NULL;
	if (!cJSON_IsObject(tab)) {
		cJSON_Delete(tab);
		return best;
	}
	if (!dearest || (!wild(size) && !wild(quality))) {
		if (!wild(size) && !wild(quality) &&
		    (*key = arena_printf(r->a, "%s/%s", size, quality)) !=
		    NULL && (m = table_micro(tab, *key)) >= 0)
			best = m;
		else
			*key = "";
		cJSON_Delete(tab);
		return best;
	}
	cJSON_ArrayForEach(it, tab) {
		if (it->string == NULL ||
		    (slash = strchr(it->string, '/')) == NULL)
			continue;
		sl = (size_t)(slash - it->string);
		if (!wild(size) && (strlen(size) != sl ||
		    strncmp(size, it->string, sl) != 0))
			continue;
		if (!wild(quality) && strcmp(quality, slash + 1) != 0)
			continue;
		if ((m = table_micro(tab, it->string)) > best)
			best = m;
	}
	cJSON_Delete(tab);
	return best;
}

/* The size or quality the pricing uses: given, else the model default. */
static const char *
priced(const struct img_req *q, enum img_field f)
{
	const char	*v = q->s[f];
	const char	*def = f == F_SIZE ? q->rules->def_size :
	    q->rules->def_quality;

	if (v == NULL || (f == F_QUALITY && strcmp(v, "auto") == 0 &&
	    strcmp(def, "standard") == 0))
		return def;
	return v;
}

static int64_t
images_n(const struct img_req *q)
{
	return q->has[F_N] ? q->num[F_N] : 1;
}

/* bill_units with the per-image price in place of unit_u. */
static int64_t
charge_for(struct relay *rl, int64_t micro, int64_t units)
{
	struct price	 p = rl->price;

	p.unit_u = micro;
	return bill_units(&p, rl->r->key.group_ratio_u, units);
}

/* ---- the call and the answer ---- */

/*
 * relay_call's before hook for edits: the "model" part names the model
 * the chosen channel maps to (rl->up_model, which lives in the arena);
 * the other parts stay as they are, in place.
 */
static int
edit_before(void *arg, struct relay *rl, struct relay_call *c)
{
	struct img_ctx	*x = arg;

	(void)c;
	x->model->data = rl->up_model;
	x->model->len = strlen(rl->up_model);
	return 0;
}

/* The upstream parts of an edit, in the client's order; model first. */
static struct up_part *
edit_parts(struct req *r, struct img_req *q, size_t *np,
    struct up_part **model)
{
	struct up_part	*up;
	struct mp_part	*pt;
	const char	*ct;
	size_t		 i, n, k = 1;

	pt = mp_parts(q->mp, &n);
	if ((up = arena_alloc(r->a, (n + 1) * sizeof(*up))) == NULL)
		return NULL;
	up[0].name = "model";
	*model = &up[0];
	for (i = 0; i < n; i++) {
		if (strcmp(pt[i].name, "model") == 0)
			continue;
		up[k].name = pt[i].name;
		up[k].filename = pt[i].filename;
		up[k].ctype = pt[i].ctype;
		/* OpenAI refuses application/octet-stream images. */
		if (pt[i].filename != NULL && sniff(&pt[i], &ct) != IMT_OTHER)
			up[k].ctype = ct;
		up[k].data = pt[i].data.p;
		up[k].len = pt[i].data.len;
		k++;
	}
	*np = k;
	return up;
}

/* Records what the charge was computed from, and sets it. */
static void
set_charge(struct img_ctx *x, cJSON *resp)
{
	struct relay	*rl = x->rl;
	struct img_req	*q = x->q;
	cJSON		*v, *d, *u;
	const char	*size, *quality, *key, *by = "request";
	int64_t		 micro, units;

	size = priced(q, F_SIZE);
	quality = priced(q, F_QUALITY);
	v = cJSON_GetObjectItemCaseSensitive(resp, "size");
	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		size = v->valuestring;
		by = "response";
	}
	v = cJSON_GetObjectItemCaseSensitive(resp, "quality");
	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		quality = v->valuestring;
		by = "response";
	}
	micro = price_micro(x->r, &rl->price, size, quality, 0, &key);
	units = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(resp,
	    "data"));
	if (units > images_n(q))
		units = images_n(q);
	rl->charge_set = 1;
	rl->units = units;
	rl->unit_name = "image";
	rl->charge = charge_for(rl, micro, units);
	/* ImagesUsage: input_tokens (text and images), output_tokens. */
	u = cJSON_GetObjectItemCaseSensitive(resp, "usage");
	if (cJSON_IsObject(u)) {
		v = cJSON_GetObjectItemCaseSensitive(u, "input_tokens");
		rl->usage.prompt = cJSON_IsNumber(v) ? (int64_t)v->valuedouble :
		    0;
		v = cJSON_GetObjectItemCaseSensitive(u, "output_tokens");
		rl->usage.completion = cJSON_IsNumber(v) ?
		    (int64_t)v->valuedouble : 0;
		rl->usage_upstream = 1;
	}
	if ((d = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddStringToObject(d, "size", size);
	cJSON_AddStringToObject(d, "quality", quality);
	cJSON_AddStringToObject(d, "priced_by", key[0] != '\0' ? by :
	    "unit_u");
	cJSON_AddStringToObject(d, "price_key", key);
	cJSON_AddNumberToObject(d, "micro_per_image", (double)micro);
	cJSON_AddNumberToObject(d, "n", (double)images_n(q));
	if (cJSON_IsObject(u))
		cJSON_AddItemToObject(d, "usage", cJSON_Duplicate(u, 1));
	rl->log_extra = d;
	arena_defer(x->r->a, h_cjson_delete, d);
}

/* Answers the client from the upstream's answer; sets the charge. */
static enum err
finish(struct img_ctx *x, const char **ecode)
{
	struct req	*r = x->r;
	cJSON		*o = NULL;
	char		*s;

	if (x->status >= 400) {
		*ecode = "upstream_client_error";
		if ((s = oa_error_masked(x->body.p, x->body.len)) == NULL)
			return ERR_UPSTREAM;
		req_send_error_body(r, x->status, s, strlen(s));
		cJSON_free(s);
		return ERR_OK;
	}
	if (x->status != 200 || (o = cJSON_ParseWithLength(x->body.p,
	    x->body.len)) == NULL || !cJSON_IsObject(o) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "data"))) {
		cJSON_Delete(o);
		*ecode = "bad_upstream_response";
		log_warn(r->rid, "channel %lld: unusable %d images answer",
		    (long long)x->rl->ch->id, x->status);
		return ERR_UPSTREAM;
	}
	set_charge(x, o);
	cJSON_Delete(o);
	x->rl->delivered = 1;
	if (req_send_json(r, 200, x->body.p, x->body.len) == -1) {
		/* Nothing reached the client: nothing is charged. */
		x->rl->charge = 0;
		x->rl->stream_status = "client_gone";
		*ecode = "client_gone";
	}
	return ERR_OK;
}

/*
 * Policy, price, hold, call, answer, settle: the part both endpoints
 * share once the request is valid.  json or parts is the upstream body.
 */
static enum err
run(struct req *r, struct img_req *q, cJSON *json)
{
	struct img_ctx	*x;
	struct relay	*rl;
	struct relay_call c;
	struct up_part	*parts;
	const char	*ecode = NULL, *key;
	int64_t		 micro;
	enum err	 e;

	if ((x = arena_alloc(r->a, sizeof(*x))) == NULL ||
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	if ((e = relay_begin(rl, r, q->s[F_MODEL], 0)) != ERR_OK)
		return h_relay_refused(r, e, q->s[F_MODEL]);
	if (rl->price.basis != BASIS_IMAGE)
		return h_bad_field(r, "model", "Invalid 'model': %s is not an "
		    "image model.", q->s[F_MODEL]);
	micro = price_micro(r, &rl->price, priced(q, F_SIZE),
	    priced(q, F_QUALITY), 1, &key);
	if ((e = relay_hold(rl, charge_for(rl, micro, images_n(q)))) !=
	    ERR_OK)
		return e;

	x->r = r;
	x->rl = rl;
	x->q = q;
	buf_init(&x->body, (size_t)r->cfg->upstream_max_response);
	arena_defer(r->a, buf_free, &x->body);
	memset(&c, 0, sizeof(c));
	c.accept = "application/json";
	if (json != NULL) {
		c.path = "/v1/images/generations";
		c.json = json;
		e = relay_call(rl, &c, &x->body, &x->status);
	} else {
		c.path = "/v1/images/edits";
		if ((parts = edit_parts(r, q, &c.nparts, &x->model)) == NULL)
			e = ERR_NOMEM;
		else {
			c.parts = parts;
			c.before = edit_before;
			c.arg = x;
			e = relay_call(rl, &c, &x->body, &x->status);
		}
	}
	if (e == ERR_OK)
		e = finish(x, &ecode);
	if (e != ERR_OK)
		rl->charge_set = 0;
	return h_settle(rl, e, x->status, ecode);
}

/* Model: given or the endpoint's default; picks the rules. */
static int
pick_model(struct req *r, struct img_req *q, const char *def)
{
	if (q->s[F_MODEL] == NULL)
		q->s[F_MODEL] = def;
	if (q->s[F_MODEL][0] == '\0' || strlen(q->s[F_MODEL]) > 128)
		return h_bad_field(r, "model", "Invalid 'model': expected a "
		    "non-empty string of at most 128 characters."), -1;
	q->rules = rules_for(q->s[F_MODEL]);
	return 0;
}

enum err
h_images_generations(struct req *r)
{
	struct img_req	*q;
	cJSON		*o;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if ((q = arena_alloc(r->a, sizeof(*q))) == NULL)
		return ERR_NOMEM;
	/* CreateImageRequest: model defaults to dall-e-2. */
	if (read_json(r, o, q) == -1 || pick_model(r, q, "dall-e-2") == -1 ||
	    check_allowed(r, q, F_FIDELITY, 0, "only edits take it") == -1 ||
	    check_rules(r, q) == -1)
		return ERR_OK;
	/* Copied: relay_call replaces the tree's "model" for the upstream. */
	if ((q->s[F_MODEL] = arena_strdup(r->a, q->s[F_MODEL])) == NULL)
		return ERR_NOMEM;
	return run(r, q, o);
}

enum err
h_images_edits(struct req *r)
{
	struct img_req	*q;
	enum err	 e;

	if ((q = arena_alloc(r->a, sizeof(*q))) == NULL)
		return ERR_NOMEM;
	q->edit = 1;
	if ((e = read_multipart(r, q)) != ERR_OK || q->mp == NULL)
		return e;
	/*
	 * CreateImageEditRequest names gpt-image-1.5 as the default model;
	 * the gateway defaults to the GPT image model it ships prices for.
	 */
	if (read_parts(r, q) == -1 || pick_model(r, q, "gpt-image-1") == -1 ||
	    check_allowed(r, q, F_STYLE, 0, "only generations take it") ==
	    -1 || check_allowed(r, q, F_MODERATION, 0, "only generations "
	    "take it") == -1 || check_rules(r, q) == -1 ||
	    check_files(r, q) == -1)
		return ERR_OK;
	return run(r, q, NULL);
}
