/*
 * audio_stt.c: POST /v1/audio/transcriptions and /v1/audio/translations
 * (OpenAI CreateTranscriptionRequest, CreateTranslationRequest): an
 * audio file in, text out.
 *
 * The multipart body is parsed while it is read (app/multipart.h), each
 * part appended once to its own capped buffer; the file then goes
 * upstream as an up_part read in place, never copied.  Whatever format
 * the client asked for, the upstream is asked for verbose_json, the only
 * format with the audio's `duration`; the client's format is rendered
 * here: json {text}, text, srt and vtt from the segments, verbose_json as
 * the upstream gave it, keeping `segments` and `words` only as the
 * client's timestamp_granularities[] asked.  The gpt-4o transcribe models
 * know json and text only: they are asked for json and their duration
 * comes from `usage.seconds` when it is a duration, else from the file.
 *
 * Billing (basis second): ceil(duration) x unit_u x group ratio.  The
 * hold, before the call, uses the duration in the file's own header
 * (app/audio.c) or, when that cannot be read, the file size at a
 * conservative 16 kbit/s.  The settle uses the upstream's duration,
 * else the header's, else that size estimate (logs.other.detail says
 * which).  Nothing is charged unless a transcript was produced.
 *
 * Failover is relay_call's (connect failure, timeout, 401, 403, 408, 429
 * and 5xx try the next channel, with the circuit breaker and the 401/403
 * auto-disable); its before hook puts each channel's mapped model in the
 * `model` part.  Nothing reaches the client before the answer is whole.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "audio.h"
#include "cfg.h"
#include "handlers/handlers.h"
#include "log.h"
#include "multipart.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"
#include "upstream.h"

#define STT_FILE_MAX	(25 * 1024 * 1024)	/* OpenAI: 25 MB */
#define STT_FIELD_MAX	(64 * 1024)
#define STT_MODEL_MAX	128
#define STT_EST_BPS	2000	/* 16 kbit/s: hold estimate without header */
#define STT_MAX_PARTS	32

enum stt_fmt { STF_JSON, STF_TEXT, STF_SRT, STF_VERBOSE, STF_VTT,
    STF__MAX };

static const char *const stt_fmt_names[STF__MAX] = {
	[STF_JSON] = "json", [STF_TEXT] = "text", [STF_SRT] = "srt",
	[STF_VERBOSE] = "verbose_json", [STF_VTT] = "vtt",
};

/* Extensions OpenAI accepts (its "Invalid file format" list). */
static const char *const stt_exts[] = {
	"flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav",
	"webm", NULL
};

enum stt_dsrc { DS_UPSTREAM, DS_HEADER, DS_SIZE };

static const char *const stt_dsrc_names[] = {
	[DS_UPSTREAM] = "upstream", [DS_HEADER] = "header",
	[DS_SIZE] = "size_estimate",
};

struct stt_req {
	int		 translate;
	const char	*model;
	struct mp_part	*file;
	const char	*language;
	const char	*prompt;
	const char	*temperature;
	int		 fmt;		/* enum stt_fmt */
	int		 json_only;	/* gpt-4o transcribe family */
	int		 gran_given;
	int		 gran_word;
	int		 gran_segment;
};

struct stt_ctx {
	struct req		*r;
	struct relay		*rl;
	struct stt_req		*sr;
	struct audio_info	 ai;
	int			 ai_ok;
	int			 status;
	int			 too_big;
	struct up_part		*model;		/* the upstream "model" part */
	struct buf		 body;		/* upstream answer */
};

static void
stt_cjson_free(void *p)
{
	cJSON_Delete(p);
}

/* ---- reading and validating the form ---- */

struct stt_feed {
	struct mp_parser	*mp;
	int			 mp_failed;
};

static enum err
stt_feed(void *arg, const char *p, size_t n)
{
	struct stt_feed	*f = arg;
	enum err	 e;

	if ((e = mp_feed(f->mp, p, n)) != ERR_OK)
		f->mp_failed = 1;
	return e;
}

/* Reads and parses the body; 0, or -1 after answering (*e for the rest). */
static int
stt_read(struct req *r, struct stt_feed *f, enum err *e)
{
	struct mp_limits lim;
	struct mp_part	*parts;
	const char	*ctype = req_param(r, "CONTENT_TYPE");
	size_t		 n;

	memset(&lim, 0, sizeof(lim));
	lim.max_parts = STT_MAX_PARTS;
	lim.max_header = 8192;
	lim.max_name = 256;
	lim.max_filename = 1024;
	lim.max_field = STT_FIELD_MAX;
	lim.max_file = STT_FILE_MAX;
	*e = ERR_OK;
	if (ctype == NULL || strncasecmp(ctype, "multipart/form-data", 19) !=
	    0)
		return h_bad_field(r, NULL, "Invalid Content-Type header "
		    "(%.64s): expected multipart/form-data.", ctype != NULL ?
		    ctype : "none"), -1;
	if ((f->mp = mp_new(r->a, ctype, &lim, e)) == NULL) {
		if (*e == ERR_BAD_REQUEST)
			h_bad_field(r, NULL, "Invalid multipart/form-data "
			    "Content-Type: a boundary of 1 to 70 characters "
			    "is required.");
		*e = *e == ERR_BAD_REQUEST ? ERR_OK : *e;
		return -1;
	}
	*e = req_read_stream(r, (size_t)r->cfg->body_max_multipart, stt_feed,
	    f);
	if (*e == ERR_OK) {
		f->mp_failed = 1;
		*e = mp_finish(f->mp);
	}
	if (*e == ERR_OK)
		return 0;
	if (*e == ERR_TOO_LARGE) {
		parts = mp_parts(f->mp, &n);
		req_send_error(r, ERR_TOO_LARGE, f->mp_failed ?
		    arena_printf(r->a, "Maximum content size limit exceeded: "
		    "%s.", mp_error(f->mp)) : arena_printf(r->a, "Maximum "
		    "content size limit (%lld bytes) exceeded.",
		    (long long)r->cfg->body_max_multipart),
		    f->mp_failed && n > 0 ? parts[n - 1].name : NULL);
		*e = ERR_OK;
	} else if (*e == ERR_BAD_REQUEST) {
		h_bad_field(r, NULL, "Invalid multipart/form-data body: %s.",
		    f->mp_failed ? mp_error(f->mp) : "bad Content-Length");
		*e = ERR_OK;
	}
	return -1;
}

/* A plain text field's value, or NULL after the 400. */
static const char *
stt_text(struct req *r, const struct mp_part *p)
{
	const char	*s = buf_cstr(&p->data);

	if (p->filename != NULL)
		return h_bad_field(r, p->name, "Invalid '%.64s': expected a "
		    "text field, not a file.", p->name), NULL;
	if (strlen(s) != p->data.len)
		return h_bad_field(r, p->name, "Invalid '%.64s': contains a "
		    "NUL byte.", p->name), NULL;
	return s;
}

static int
stt_file_ok(struct req *r, struct mp_part *p)
{
	const char	*dot, *s;
	size_t		 i;

	if (p->filename == NULL)
		return h_bad_field(r, "file", "Invalid 'file': expected a "
		    "file upload (a part with a filename)."), -1;
	for (s = p->filename; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return h_bad_field(r, "file", "Invalid 'file': the "
			    "filename contains control characters."), -1;
	if (p->data.len == 0)
		return h_bad_field(r, "file", "Invalid 'file': the audio "
		    "file is empty."), -1;
	if ((dot = strrchr(p->filename, '.')) != NULL)
		for (i = 0; stt_exts[i] != NULL; i++)
			if (strcasecmp(dot + 1, stt_exts[i]) == 0)
				return 0;
	return h_bad_field(r, "file", "Invalid file format. Supported "
	    "formats: flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm."),
	    -1;
}

static int
stt_granularity(struct req *r, struct stt_req *sr, const char *v)
{
	sr->gran_given = 1;
	if (strcmp(v, "word") == 0)
		sr->gran_word = 1;
	else if (strcmp(v, "segment") == 0)
		sr->gran_segment = 1;
	else
		return h_bad_field(r, "timestamp_granularities", "Invalid "
		    "'timestamp_granularities[]': expected 'word' or "
		    "'segment'."), -1;
	return 0;
}

/* Is s a plausible ISO-639-1 code (or a longer BCP 47 tag)? */
static int
stt_language_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] == '-' && i > 0)))
			return 0;
	return i >= 2 && i <= 16;
}

/* One named field into sr; 0, or -1 after the 400. */
static int
stt_field(struct req *r, struct stt_req *sr, struct mp_part *p,
    const char **slot)
{
	const char	*v;

	if (strcmp(p->name, "file") == 0) {
		if (sr->file != NULL)
			return h_bad_field(r, "file", "Only one 'file' may be "
			    "given."), -1;
		sr->file = p;
		return stt_file_ok(r, p);
	}
	if ((v = stt_text(r, p)) == NULL)
		return -1;
	if (strcmp(p->name, "timestamp_granularities[]") == 0 ||
	    strcmp(p->name, "timestamp_granularities") == 0)
		return sr->translate ? h_bad_field(r, p->name, "Unrecognized "
		    "request argument supplied: %s", p->name), -1 :
		    stt_granularity(r, sr, v);
	if (slot == NULL)
		return h_bad_field(r, p->name, "Unrecognized request argument "
		    "supplied: %.64s", p->name), -1;
	if (*slot != NULL)
		return h_bad_field(r, p->name, "Duplicate parameter: "
		    "'%.64s'.", p->name), -1;
	*slot = v;
	return 0;
}

/* Checks the parts into sr.  0, or -1 after the 400. */
static int
stt_validate(struct req *r, struct mp_parser *mp, struct stt_req *sr)
{
	struct mp_part	*parts;
	const char	*fmt = NULL, *stream = NULL, **slot;
	char		*end;
	double		 t;
	size_t		 n, i;

	parts = mp_parts(mp, &n);
	for (i = 0; i < n; i++) {
		slot = NULL;
		if (strcmp(parts[i].name, "model") == 0)
			slot = &sr->model;
		else if (strcmp(parts[i].name, "language") == 0 &&
		    !sr->translate)
			slot = &sr->language;
		else if (strcmp(parts[i].name, "prompt") == 0)
			slot = &sr->prompt;
		else if (strcmp(parts[i].name, "response_format") == 0)
			slot = &fmt;
		else if (strcmp(parts[i].name, "temperature") == 0)
			slot = &sr->temperature;
		else if (strcmp(parts[i].name, "stream") == 0 &&
		    !sr->translate)
			slot = &stream;
		if (stt_field(r, sr, &parts[i], slot) == -1)
			return -1;
	}
	if (sr->file == NULL)
		return h_bad_field(r, "file", "Missing required parameter: "
		    "'file'."), -1;
	if (sr->model == NULL || sr->model[0] == '\0')
		return h_bad_field(r, "model", "you must provide a model "
		    "parameter"), -1;
	if (strlen(sr->model) > STT_MODEL_MAX)
		return h_bad_field(r, "model", "Invalid 'model': expected at "
		    "most %d characters.", STT_MODEL_MAX), -1;
	sr->json_only = !sr->translate && strncmp(sr->model, "gpt-", 4) ==
	    0 && strstr(sr->model, "transcribe") != NULL;
	sr->fmt = STF_JSON;
	if (fmt != NULL) {
		for (i = 0; i < STF__MAX; i++)
			if (strcmp(fmt, stt_fmt_names[i]) == 0)
				break;
		if (i == STF__MAX)
			return h_bad_field(r, "response_format", "Invalid "
			    "'response_format': expected one of json, text, "
			    "srt, verbose_json, vtt."), -1;
		sr->fmt = (int)i;
	}
	if (sr->json_only && sr->fmt != STF_JSON && sr->fmt != STF_TEXT)
		return h_bad_field(r, "response_format", "response_format "
		    "'%s' is not compatible with model %.64s: use json or "
		    "text.", stt_fmt_names[sr->fmt], sr->model), -1;
	if (sr->gran_given && sr->fmt != STF_VERBOSE)
		return h_bad_field(r, "timestamp_granularities", "'timestamp_"
		    "granularities' requires response_format 'verbose_json'."),
		    -1;
	if (!sr->gran_given)
		sr->gran_segment = 1;	/* the default: [segment] */
	if (sr->language != NULL && !stt_language_ok(sr->language))
		return h_bad_field(r, "language", "Invalid 'language': "
		    "expected an ISO-639-1 code such as 'en'."), -1;
	if (sr->temperature != NULL) {
		t = strtod(sr->temperature, &end);
		if (end == sr->temperature || *end != '\0' || !(t >= 0) ||
		    t > 1)
			return h_bad_field(r, "temperature", "Invalid "
			    "'temperature': expected a number between 0 and "
			    "1."), -1;
	}
	if (stream != NULL && strcmp(stream, "false") != 0)
		return h_bad_field(r, "stream", "Invalid 'stream': streamed "
		    "transcriptions are not supported; expected false."), -1;
	return 0;
}

/* ---- the upstream call ---- */

static int
stt_on_status(void *arg, int status, const char *ctype)
{
	struct stt_ctx	*x = arg;

	(void)ctype;
	x->status = status;
	buf_reset(&x->body);
	return 0;
}

static int
stt_on_data(void *arg, const char *p, size_t n)
{
	struct stt_ctx	*x = arg;

	if (buf_append(&x->body, p, n) == -1) {
		x->too_big = 1;
		return 1;
	}
	return 0;
}

/*
 * relay_call's before hook: the "model" part names the model the chosen
 * channel maps to (rl->up_model, in the arena); the file stays in place.
 */
static int
stt_before(void *arg, struct relay *rl, struct relay_call *c)
{
	struct stt_ctx	*x = arg;

	(void)c;
	x->model->data = rl->up_model;
	x->model->len = strlen(rl->up_model);
	x->status = 0;
	x->too_big = 0;
	return 0;
}

/*
 * The call with relay_call's failover, the answer collected in x->body.
 * An answer over upstream_max_response stops it (the abort reads as
 * ERR_CLIENT_GONE, so no other channel is tried) and is ERR_UPSTREAM.
 * Returns like relay_call.
 */
static enum err
stt_call(struct stt_ctx *x, struct up_part *parts, size_t nparts)
{
	struct relay_call c;
	enum err	 e;

	memset(&c, 0, sizeof(c));
	c.path = x->sr->translate ? "/v1/audio/translations" :
	    "/v1/audio/transcriptions";
	c.parts = parts;
	c.nparts = nparts;
	c.accept = "application/json";
	c.before = stt_before;
	c.on_status = stt_on_status;
	c.on_data = stt_on_data;
	c.arg = x;
	e = relay_call(x->rl, &c, &x->body, &x->status);
	if (x->too_big) {
		log_warn(x->r->rid, "channel %lld: transcription answer over "
		    "%zu bytes", (long long)x->rl->ch->id, x->body.max);
		return ERR_UPSTREAM;
	}
	return e;
}

/* The form for the upstream, in the arena; *mi is the model's index. */
static struct up_part *
stt_parts(struct req *r, struct stt_req *sr, size_t *n, size_t *mi)
{
	struct up_part	*p;
	size_t		 k = 0, i;

	if ((p = arena_alloc(r->a, 9 * sizeof(*p))) == NULL)
		return NULL;
	p[k].name = "file";
	p[k].filename = sr->file->filename;
	p[k].ctype = sr->file->ctype;
	p[k].data = sr->file->data.p;
	p[k++].len = sr->file->data.len;
	*mi = k;
	p[k++].name = "model";
	p[k].name = "response_format";
	p[k++].data = sr->json_only ? "json" : "verbose_json";
	if (sr->language != NULL) {
		p[k].name = "language";
		p[k++].data = sr->language;
	}
	if (sr->prompt != NULL) {
		p[k].name = "prompt";
		p[k++].data = sr->prompt;
	}
	if (sr->temperature != NULL) {
		p[k].name = "temperature";
		p[k++].data = sr->temperature;
	}
	if (sr->fmt == STF_VERBOSE && sr->gran_given) {
		if (sr->gran_segment) {
			p[k].name = "timestamp_granularities[]";
			p[k++].data = "segment";
		}
		if (sr->gran_word) {
			p[k].name = "timestamp_granularities[]";
			p[k++].data = "word";
		}
	}
	/* Text fields: their length; file and model are set elsewhere. */
	for (i = 0; i < k; i++)
		if (i != 0 && i != *mi)
			p[i].len = strlen(p[i].data);
	*n = k;
	return p;
}

/* ---- the answer ---- */

/* Seconds as "HH:MM:SS" + sep + "mmm"; 0 or -1 (cap). */
static int
stt_stamp(struct buf *b, double s, char sep)
{
	long long	 ms;

	if (!(s >= 0) || s > 1e8)
		s = 0;
	ms = llround(s * 1000);
	return buf_printf(b, "%02lld:%02lld:%02lld%c%03lld", ms / 3600000,
	    ms / 60000 % 60, ms / 1000 % 60, sep, ms % 1000);
}

/* Appends s without leading and trailing white space; 0 or -1. */
static int
stt_trimmed(struct buf *b, const char *s)
{
	size_t	 n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return buf_append(b, s, n);
}

/* One cue: "N\n" (SubRip only), the times, the text.  0 or -1. */
static int
stt_cue(struct buf *out, int vtt, int i, double start, double end,
    const char *text)
{
	char	 sep = vtt ? '.' : ',';

	if ((!vtt && buf_printf(out, "%d\n", i) == -1) ||
	    stt_stamp(out, start, sep) == -1 ||
	    buf_puts(out, " --> ") == -1 ||
	    stt_stamp(out, end, sep) == -1 ||
	    buf_putc(out, '\n') == -1 ||
	    stt_trimmed(out, text) == -1 ||
	    buf_puts(out, "\n\n") == -1)
		return -1;
	return 0;
}

/*
 * SubRip or WebVTT from the segments (one cue for the whole text when
 * the upstream gave none).  0, or -1 when out cannot hold it.
 */
static int
stt_cues(struct buf *out, cJSON *o, int vtt, double duration)
{
	const cJSON	*segs, *sg, *st, *en, *tx, *text;
	int		 i = 0;

	text = cJSON_GetObjectItemCaseSensitive(o, "text");
	segs = cJSON_GetObjectItemCaseSensitive(o, "segments");
	if (vtt && buf_puts(out, "WEBVTT\n\n") == -1)
		return -1;
	if (!cJSON_IsArray(segs))
		segs = NULL;
	cJSON_ArrayForEach(sg, segs) {
		st = cJSON_GetObjectItemCaseSensitive(sg, "start");
		en = cJSON_GetObjectItemCaseSensitive(sg, "end");
		tx = cJSON_GetObjectItemCaseSensitive(sg, "text");
		if (!cJSON_IsNumber(st) || !cJSON_IsNumber(en) ||
		    !cJSON_IsString(tx))
			continue;
		if (stt_cue(out, vtt, ++i, st->valuedouble, en->valuedouble,
		    tx->valuestring) == -1)
			return -1;
	}
	if (i == 0 && cJSON_IsString(text) && text->valuestring[0] != '\0')
		return stt_cue(out, vtt, 1, 0, duration, text->valuestring);
	return 0;
}

/* Sends o in the client's format.  ERR_OK or ERR_NOMEM. */
static enum err
stt_render(struct stt_ctx *x, cJSON *o, double duration, int64_t seconds)
{
	struct stt_req	*sr = x->sr;
	struct req	*r = x->r;
	struct buf	 out;
	cJSON		*j, *u;
	const cJSON	*text = cJSON_GetObjectItemCaseSensitive(o, "text");
	enum err	 e = ERR_OK;

	if (sr->fmt == STF_VERBOSE || (sr->fmt == STF_JSON && sr->json_only)) {
		if (!sr->gran_segment)
			cJSON_DeleteItemFromObjectCaseSensitive(o, "segments");
		if (!sr->gran_word)
			cJSON_DeleteItemFromObjectCaseSensitive(o, "words");
		return h_send_cjson(r, 200, o);
	}
	if (sr->fmt == STF_JSON) {
		if ((j = cJSON_CreateObject()) == NULL)
			return ERR_NOMEM;
		cJSON_AddStringToObject(j, "text", text->valuestring);
		if (!sr->translate && (u = cJSON_AddObjectToObject(j,
		    "usage")) != NULL) {
			cJSON_AddStringToObject(u, "type", "duration");
			cJSON_AddNumberToObject(u, "seconds", (double)seconds);
		}
		e = h_send_cjson(r, 200, j);
		cJSON_Delete(j);
		return e;
	}
	buf_init(&out, x->body.len * 2 + 64 * 1024);
	if (sr->fmt == STF_TEXT) {
		if (buf_puts(&out, text->valuestring) == -1 ||
		    buf_putc(&out, '\n') == -1)
			e = ERR_NOMEM;
	} else if (stt_cues(&out, o, sr->fmt == STF_VTT, duration) == -1)
		e = ERR_NOMEM;
	if (e == ERR_OK && req_start(r, 200, sr->fmt == STF_VTT ?
	    "text/vtt; charset=utf-8" : "text/plain; charset=utf-8") == 0 &&
	    req_write(r, buf_cstr(&out), out.len) == 0)
		req_flush(r);
	buf_free(&out);
	return e;
}

/*
 * The duration to bill, in microseconds: the upstream's `duration` (or
 * a duration-typed `usage.seconds`), else the file header's, else the
 * size estimate.
 */
static int64_t
stt_duration(struct stt_ctx *x, const cJSON *o, int *src)
{
	const cJSON	*d, *u;

	d = cJSON_GetObjectItemCaseSensitive(o, "duration");
	if (!cJSON_IsNumber(d)) {
		u = cJSON_GetObjectItemCaseSensitive(o, "usage");
		d = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(u,
		    "type")) && strcmp(cJSON_GetObjectItemCaseSensitive(u,
		    "type")->valuestring, "duration") == 0 ?
		    cJSON_GetObjectItemCaseSensitive(u, "seconds") : NULL;
	}
	if (cJSON_IsNumber(d) && d->valuedouble >= 0 &&
	    d->valuedouble <= (double)(AUDIO_MAX_US / 1000000)) {
		*src = DS_UPSTREAM;
		return (int64_t)llround(d->valuedouble * 1e6);
	}
	if (x->ai_ok) {
		*src = DS_HEADER;
		return x->ai.duration_us;
	}
	*src = DS_SIZE;
	return (int64_t)(x->sr->file->data.len / STT_EST_BPS + 1) * 1000000;
}

static void
stt_log(struct stt_ctx *x, int64_t us, int src, int charge)
{
	struct relay	*rl = x->rl;
	cJSON		*l;
	int64_t		 s = audio_seconds_ceil(us);

	rl->charge_set = 1;
	rl->units = s;
	rl->unit_name = "second";
	rl->usage_upstream = charge && src == DS_UPSTREAM;
	rl->charge = charge ? bill_units(&rl->price, x->r->key.group_ratio_u,
	    s) : 0;
	if ((l = rl->log_extra = cJSON_CreateObject()) == NULL)
		return;
	arena_defer(x->r->a, stt_cjson_free, l);
	if (charge) {
		cJSON_AddNumberToObject(l, "duration", (double)us / 1e6);
		cJSON_AddStringToObject(l, "duration_source",
		    stt_dsrc_names[src]);
	}
	cJSON_AddStringToObject(l, "response_format",
	    stt_fmt_names[x->sr->fmt]);
	cJSON_AddNumberToObject(l, "file_bytes",
	    (double)x->sr->file->data.len);
	cJSON_AddStringToObject(l, "file_format", audio_fmt_names[x->ai.fmt]);
	if (x->ai_ok)
		cJSON_AddNumberToObject(l, "header_duration",
		    (double)x->ai.duration_us / 1e6);
}

/* The upstream's final answer to the client; sets *ecode. */
static enum err
stt_answer(struct stt_ctx *x, const char **ecode)
{
	struct req	*r = x->r;
	cJSON		*o;
	char		*s;
	int64_t		 us;
	int		 src;
	enum err	 e;

	if (x->status >= 400 && x->status < 500 &&
	    (s = oa_error_masked(x->body.p, x->body.len)) != NULL) {
		*ecode = "upstream_client_error";
		req_send_error_body(r, x->status, s, strlen(s));
		cJSON_free(s);
		stt_log(x, 0, DS_SIZE, 0);
		return ERR_OK;
	}
	if (x->status != 200 || (o = cJSON_ParseWithLength(x->body.p,
	    x->body.len)) == NULL) {
		log_warn(r->rid, "channel %lld: unusable %d answer",
		    (long long)x->rl->ch->id, x->status);
		stt_log(x, 0, DS_SIZE, 0);
		return ERR_UPSTREAM;
	}
	arena_defer(r->a, stt_cjson_free, o);
	if (!cJSON_IsObject(o) || !cJSON_IsString(
	    cJSON_GetObjectItemCaseSensitive(o, "text"))) {
		log_warn(r->rid, "channel %lld: transcription without text",
		    (long long)x->rl->ch->id);
		stt_log(x, 0, DS_SIZE, 0);
		return ERR_UPSTREAM;
	}
	us = stt_duration(x, o, &src);
	x->rl->delivered = 1;
	stt_log(x, us, src, 1);
	if ((e = stt_render(x, o, (double)us / 1e6,
	    audio_seconds_ceil(us))) != ERR_OK)
		x->rl->charge = 0;	/* nothing was sent */
	return e;
}

static enum err
stt_handle(struct req *r, int translate)
{
	struct stt_feed	 f;
	struct stt_req	 sr;
	struct stt_ctx	*x;
	struct relay	*rl;
	struct up_part	*parts;
	const char	*ecode = NULL;
	size_t		 nparts, mi;
	int64_t		 est;
	enum err	 e;

	memset(&f, 0, sizeof(f));
	if (stt_read(r, &f, &e) == -1)
		return e;
	memset(&sr, 0, sizeof(sr));
	sr.translate = translate;
	if (stt_validate(r, f.mp, &sr) == -1)
		return ERR_OK;
	if ((x = arena_alloc(r->a, sizeof(*x))) == NULL ||
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL ||
	    (parts = stt_parts(r, &sr, &nparts, &mi)) == NULL)
		return ERR_NOMEM;
	if ((e = relay_begin(rl, r, sr.model, 0)) != ERR_OK)
		return h_relay_refused(r, e, sr.model);
	if (rl->price.basis != BASIS_SECOND)
		return h_bad_field(r, "model", "The model `%.64s` is not a "
		    "speech-to-text model.", sr.model);
	x->r = r;
	x->rl = rl;
	x->sr = &sr;
	x->ai_ok = audio_probe(sr.file->data.p, sr.file->data.len, &x->ai) ==
	    0;
	est = x->ai_ok ? audio_seconds_ceil(x->ai.duration_us) :
	    (int64_t)(sr.file->data.len / STT_EST_BPS + 1);
	if ((e = relay_hold(rl, bill_units(&rl->price, r->key.group_ratio_u,
	    est))) != ERR_OK)
		return e;
	buf_init(&x->body, (size_t)r->cfg->upstream_max_response);
	arena_defer(r->a, buf_free, &x->body);

	x->model = &parts[mi];
	e = stt_call(x, parts, nparts);
	if (e == ERR_OK)
		e = stt_answer(x, &ecode);
	else
		stt_log(x, 0, DS_SIZE, 0);
	if (e == ERR_CLIENT_GONE)
		rl->stream_status = "client_gone";
	relay_settle(rl, e != ERR_OK ? err_http(e)->status : ecode != NULL ?
	    x->status : 200, e != ERR_OK ? err_http(e)->code : ecode);
	return e;
}

enum err
h_audio_transcriptions(struct req *r)
{
	return stt_handle(r, 0);
}

enum err
h_audio_translations(struct req *r)
{
	return stt_handle(r, 1);
}
