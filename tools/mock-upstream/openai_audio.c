/*
 * openai_audio.c: the audio routes of the mock's OpenAI provider:
 * POST /v1/audio/speech, /v1/audio/transcriptions, /v1/audio/translations
 * (openai-openapi.yaml CreateSpeechRequest, CreateTranscriptionRequest,
 * CreateTranslationRequest and their responses).
 *
 * Speech answers with real audio for wav (one second of a 440 Hz-ish
 * triangle wave, 8 kHz mono 16-bit PCM), MPEG frames for mp3, a FLAC
 * STREAMINFO for flac and patterned bytes for the other formats, each
 * with its media type, streamed in `chunks` pieces (default 5) paced by
 * ttft_ms / interval_ms and cut by disconnect_after; stream_format "sse"
 * sends speech.audio.delta events (base64) and speech.audio.done.
 * Transcriptions and translations read the multipart form, take the
 * duration from the uploaded WAV's header (other files: 16000 bytes a
 * second) and answer in every response_format; the text is "w1 ... wK"
 * (K = chunks), in segments of three words spread over the duration.
 *
 * Controls: X-Mock-* headers as everywhere, or a leading "[mock k=v ...]"
 * in the speech `input` or the transcription `prompt` (the text fields a
 * gateway forwards untouched).  no_usage=1 leaves `duration` and `usage`
 * out, like an upstream that does not report them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "openai.h"

#define AU_PARTS_MAX	64
#define AU_INPUT_MAX	4096
#define AU_WAV_RATE	8000

struct au_part {
	char		 name[128];
	char		 filename[256];
	int		 has_filename;
	const char	*data;
	size_t		 len;
};

/* ---- errors ---- */

static enum MHD_Result
au_fail(struct mock_req *req, unsigned int status, const char *param,
    const char *code, const char *msg)
{
	cJSON	*doc;

	doc = oai_error_doc(status, param, code, msg);
	return mock_reply_json(req, status, doc, NULL);
}

/* Applies the bad-control and status controls; 1 when it answered. */
static int
au_controls(struct mock_req *req, enum MHD_Result *ret)
{
	char		 msg[96];
	unsigned int	 st;

	if (req->ctl.bad[0] != '\0') {
		*ret = au_fail(req, 400, NULL, "invalid_mock_control",
		    req->ctl.bad);
		return 1;
	}
	if (!ctl_isset(&req->ctl, CTL_STATUS))
		return 0;
	st = (unsigned int)req->ctl.v[CTL_STATUS];
	snprintf(msg, sizeof(msg), "mock injected HTTP status %u", st);
	*ret = au_fail(req, st, NULL, st == 401 ? "invalid_api_key" :
	    st == 429 ? "rate_limit_exceeded" : NULL, msg);
	return 1;
}

/* ---- generated audio ---- */

static void
au_le(unsigned char *p, uint32_t v, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* One second of 8 kHz mono 16-bit PCM in a RIFF WAVE file. */
static unsigned char *
au_wav(size_t *n)
{
	unsigned char	*p;
	uint32_t	 data = AU_WAV_RATE * 2, i;
	int		 v;

	if ((p = calloc(1, 44 + data)) == NULL)
		return NULL;
	memcpy(p, "RIFF", 4);
	au_le(p + 4, 36 + data, 4);
	memcpy(p + 8, "WAVEfmt ", 8);
	au_le(p + 16, 16, 4);
	au_le(p + 20, 1, 2);		/* PCM */
	au_le(p + 22, 1, 2);		/* mono */
	au_le(p + 24, AU_WAV_RATE, 4);
	au_le(p + 28, AU_WAV_RATE * 2, 4);
	au_le(p + 32, 2, 2);
	au_le(p + 34, 16, 2);
	memcpy(p + 36, "data", 4);
	au_le(p + 40, data, 4);
	for (i = 0; i < AU_WAV_RATE; i++) {
		/* Triangle wave of period 18 samples (~444 Hz). */
		v = (int)(i % 18);
		v = (v < 9 ? v : 18 - v) * 2000 - 9000;
		au_le(p + 44 + 2 * i, (uint32_t)(uint16_t)(int16_t)v, 2);
	}
	*n = 44 + data;
	return p;
}

/* 38 MPEG-1 layer III frames (128 kbit/s, 44.1 kHz): about 1 s. */
static unsigned char *
au_mp3(size_t *n)
{
	unsigned char	*p;
	size_t		 i;

	if ((p = calloc(38, 417)) == NULL)
		return NULL;
	for (i = 0; i < 38; i++) {
		p[i * 417] = 0xff;
		p[i * 417 + 1] = 0xfb;
		p[i * 417 + 2] = 0x90;
	}
	*n = 38 * 417;
	return p;
}

/* "fLaC" and a STREAMINFO of one second at 8 kHz, then padding. */
static unsigned char *
au_flac(size_t *n)
{
	unsigned char	*p;

	if ((p = calloc(1, 4 + 4 + 34 + 1000)) == NULL)
		return NULL;
	memcpy(p, "fLaC", 4);
	p[4] = 0x80;
	p[7] = 34;
	p[8 + 0] = 0x10;		/* min block 4096 */
	p[8 + 2] = 0x10;		/* max block 4096 */
	p[8 + 10] = 0x01;		/* 8000 Hz: 0x01f40 in 20 bits */
	p[8 + 11] = 0xf4;
	p[8 + 12] = 0x00;		/* mono */
	p[8 + 13] = 0xf0;		/* 16 bits, samples high nibble 0 */
	au_le(p + 8 + 14, 0, 4);
	p[8 + 16] = 0x1f;		/* 8000 samples, big-endian */
	p[8 + 17] = 0x40;
	*n = 4 + 4 + 34 + 1000;
	return p;
}

static unsigned char *
au_pattern(size_t len, size_t *n)
{
	unsigned char	*p;
	size_t		 i;

	if ((p = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	*n = len;
	return p;
}

static const struct au_fmt {
	const char	*name;
	const char	*ctype;
} au_fmts[] = {
	{ "mp3", "audio/mpeg" },
	{ "opus", "audio/opus" },
	{ "aac", "audio/aac" },
	{ "flac", "audio/flac" },
	{ "wav", "audio/wav" },
	{ "pcm", "audio/pcm" },
	{ NULL, NULL }
};

static unsigned char *
au_audio(const char *fmt, size_t *n)
{
	if (strcmp(fmt, "wav") == 0)
		return au_wav(n);
	if (strcmp(fmt, "mp3") == 0)
		return au_mp3(n);
	if (strcmp(fmt, "flac") == 0)
		return au_flac(n);
	/* pcm: 24 kHz 16-bit mono, as OpenAI sends it; others: bytes. */
	return au_pattern(strcmp(fmt, "pcm") == 0 ? 48000 : 6000, n);
}

/* ---- the raw audio stream ---- */

struct au_stream {
	struct mock_req	*req;		/* reference held */
	unsigned char	*data;
	size_t		 len;
	size_t		 off;
	size_t		 piece;		/* bytes per chunk */
	size_t		 end;		/* end of the current chunk */
	long		 sent;		/* chunks started */
};

static ssize_t
au_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct au_stream	*s = cls;
	const struct mock_ctl	*c = &s->req->ctl;
	size_t			 n;

	(void)pos;
	if (s->off >= s->end) {
		if (s->off >= s->len)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (s->sent > 0 && ctl_isset(c, CTL_DISCONNECT_AFTER) &&
		    s->sent == c->v[CTL_DISCONNECT_AFTER])
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (mock_sleep(s->req, s->sent == 0 ? c->v[CTL_TTFT_MS] :
		    c->v[CTL_INTERVAL_MS]) == -1)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		s->end = s->len - s->off > s->piece ? s->off + s->piece :
		    s->len;
		s->sent++;
		mock_chunk_sent(s->req);
	}
	n = s->end - s->off;
	if (n > max)
		n = max;
	memcpy(buf, s->data + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void
au_stream_free(void *cls)
{
	struct au_stream	*s = cls;

	free(s->data);
	mock_req_unref(s->req);
	free(s);
}

/* Queues data (owned from here on) as a chunked, paced 200 answer. */
static enum MHD_Result
au_stream_start(struct mock_req *req, unsigned char *data, size_t len,
    const char *ctype, const char *reqid)
{
	struct MHD_Response	*resp;
	struct au_stream	*s;
	long			 k = req->ctl.v[CTL_CHUNKS];
	enum MHD_Result		 ret;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		free(data);
		return MHD_NO;
	}
	atomic_fetch_add(&req->refs, 1);
	s->req = req;
	s->data = data;
	s->len = len;
	s->piece = k > 0 ? (len + (size_t)k - 1) / (size_t)k : len;
	if (s->piece == 0)
		s->piece = 1;
	if (mock_delay(req) == -1) {
		au_stream_free(s);
		return MHD_NO;
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
	    au_read, s, au_stream_free);
	if (resp == NULL) {
		au_stream_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, "x-request-id", reqid);
	req->status = 200;
	req->streamed = 1;
	ret = MHD_queue_response(req->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- speech as server-sent events ---- */

struct au_sse {
	unsigned char	*data;
	size_t		 len, off, piece;
	long		 chars;
	int		 done;
};

static const char au_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
au_base64(struct mbuf *out, const unsigned char *p, size_t n)
{
	char		 q[4];
	size_t		 i;
	uint32_t	 v;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = au_b64[v >> 18 & 63];
		q[1] = au_b64[v >> 12 & 63];
		q[2] = i + 1 < n ? au_b64[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? au_b64[v & 63] : '=';
		if (mbuf_append(out, q, 4) == -1)
			return -1;
	}
	return 0;
}

static enum sse_ev
au_sse_next(void *arg, struct mbuf *out)
{
	struct au_sse	*s = arg;
	size_t		 n;

	if (s->off < s->len) {
		n = s->len - s->off > s->piece ? s->piece : s->len - s->off;
		if (mbuf_puts(out, "data: {\"type\":\"speech.audio.delta\","
		    "\"audio\":\"") == -1 ||
		    au_base64(out, s->data + s->off, n) == -1 ||
		    mbuf_puts(out, "\"}\n\n") == -1)
			return SSE_FAIL;
		s->off += n;
		return SSE_CONTENT;
	}
	if (s->done)
		return SSE_END;
	s->done = 1;
	if (mbuf_printf(out, "data: {\"type\":\"speech.audio.done\","
	    "\"usage\":{\"input_tokens\":%ld,\"output_tokens\":%zu,"
	    "\"total_tokens\":%zu}}\n\n", s->chars, s->len / 100,
	    (size_t)s->chars + s->len / 100) == -1)
		return SSE_FAIL;
	return SSE_DATA;
}

static void
au_sse_error(void *arg, struct mbuf *out)
{
	(void)arg;
	mbuf_puts(out, "data: {\"type\":\"error\",\"error\":{\"message\":"
	    "\"mock mid-stream failure\",\"type\":\"server_error\","
	    "\"param\":null,\"code\":null}}\n\n");
}

static void
au_sse_free(void *arg)
{
	struct au_sse	*s = arg;

	free(s->data);
	free(s);
}

static const struct sse_ops au_sse_ops = { au_sse_next, au_sse_error,
    au_sse_free };

/* ---- POST /v1/audio/speech ---- */

static long
au_chars(const char *s)
{
	long	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Validates the speech body; NULL when fine, else the param at fault. */
static const char *
au_speech_check(const cJSON *doc, const char **fmt, char *msg, size_t msz)
{
	const cJSON	*v;
	size_t		 i;

	v = cJSON_GetObjectItemCaseSensitive(doc, "model");
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return snprintf(msg, msz, "you must provide a model "
		    "parameter"), "model";
	v = cJSON_GetObjectItemCaseSensitive(doc, "input");
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    au_chars(v->valuestring) > AU_INPUT_MAX)
		return snprintf(msg, msz, "Invalid 'input': a string of 1 to "
		    "%d characters is required.", AU_INPUT_MAX), "input";
	v = cJSON_GetObjectItemCaseSensitive(doc, "voice");
	if (!cJSON_IsString(v) && !cJSON_IsObject(v))
		return snprintf(msg, msz, "Missing required parameter: "
		    "'voice'."), "voice";
	v = cJSON_GetObjectItemCaseSensitive(doc, "instructions");
	if (v != NULL && strncmp(cJSON_GetObjectItemCaseSensitive(doc,
	    "model")->valuestring, "tts-1", 5) == 0)
		return snprintf(msg, msz, "Instructions are not supported for "
		    "tts-1 and tts-1-hd."), "instructions";
	v = cJSON_GetObjectItemCaseSensitive(doc, "speed");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 0.25 ||
	    v->valuedouble > 4))
		return snprintf(msg, msz, "Invalid 'speed': expected a number "
		    "between 0.25 and 4."), "speed";
	*fmt = "mp3";
	v = cJSON_GetObjectItemCaseSensitive(doc, "response_format");
	if (v == NULL)
		return NULL;
	for (i = 0; au_fmts[i].name != NULL; i++)
		if (cJSON_IsString(v) &&
		    strcmp(v->valuestring, au_fmts[i].name) == 0) {
			*fmt = au_fmts[i].name;
			return NULL;
		}
	return snprintf(msg, msz, "Invalid 'response_format': expected one "
	    "of mp3, opus, aac, flac, wav, pcm."), "response_format";
}

enum MHD_Result
h_oai_speech(struct mock_req *req)
{
	cJSON		*doc;
	const cJSON	*in, *sf;
	const char	*fmt = "mp3", *param, *ctype = "audio/mpeg";
	char		*keep = NULL, msg[200];
	unsigned char	*audio;
	struct au_sse	*s;
	size_t		 n, i;
	enum MHD_Result	 ret;
	long		 chars;

	doc = cJSON_ParseWithLength(req->body.p != NULL ? req->body.p : "",
	    req->body.len);
	in = cJSON_GetObjectItemCaseSensitive(doc, "input");
	if (cJSON_IsString(in))
		oai_text_ctl(&req->ctl, in->valuestring, &keep);
	if (au_controls(req, &ret))
		goto out;
	if (!cJSON_IsObject(doc)) {
		ret = au_fail(req, 400, NULL, NULL, "We could not parse the "
		    "JSON body of your request.");
		goto out;
	}
	if ((param = au_speech_check(doc, &fmt, msg, sizeof(msg))) != NULL) {
		ret = au_fail(req, 400, param, NULL, msg);
		goto out;
	}
	chars = au_chars(in->valuestring);
	for (i = 0; au_fmts[i].name != NULL; i++)
		if (strcmp(fmt, au_fmts[i].name) == 0)
			ctype = au_fmts[i].ctype;
	if ((audio = au_audio(fmt, &n)) == NULL) {
		ret = au_fail(req, 500, NULL, NULL, "mock out of memory");
		goto out;
	}
	sf = cJSON_GetObjectItemCaseSensitive(doc, "stream_format");
	if (cJSON_IsString(sf) && strcmp(sf->valuestring, "sse") == 0) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			free(audio);
			ret = MHD_NO;
			goto out;
		}
		s->data = audio;
		s->len = n;
		s->chars = chars;
		s->piece = req->ctl.v[CTL_CHUNKS] > 0 ? (n +
		    (size_t)req->ctl.v[CTL_CHUNKS] - 1) /
		    (size_t)req->ctl.v[CTL_CHUNKS] : n;
		ret = sse_start(req, &au_sse_ops, s, NULL);
	} else
		ret = au_stream_start(req, audio, n, ctype, "req_mock_speech");
out:
	cJSON_Delete(doc);
	free(keep);
	return ret;
}

/* ---- multipart (RFC 7578), whole body in memory ---- */

static const char *
au_memmem(const char *h, size_t hn, const char *n, size_t nn)
{
	size_t	 i;

	if (nn == 0 || hn < nn)
		return NULL;
	for (i = 0; i + nn <= hn; i++)
		if (h[i] == n[0] && memcmp(h + i, n, nn) == 0)
			return h + i;
	return NULL;
}

/* Copies the value of param (name="..." or name=token) from hdr. */
static int
au_param(const char *hdr, size_t hn, const char *param, char *out,
    size_t osz)
{
	const char	*p, *end = hdr + hn;
	size_t		 i = 0, pl = strlen(param);

	for (p = hdr; p + pl + 1 < end; p++) {
		if (strncasecmp(p, param, pl) != 0 || p[pl] != '=' ||
		    (p > hdr && p[-1] != ' ' && p[-1] != ';'))
			continue;
		p += pl + 1;
		if (*p == '"') {
			for (p++; p < end && *p != '"' && i + 1 < osz; p++)
				out[i++] = *p == '\\' && p + 1 < end ? *++p :
				    *p;
		} else
			for (; p < end && *p != ';' && *p != '\r' &&
			    i + 1 < osz; p++)
				out[i++] = *p;
		out[i] = '\0';
		return 1;
	}
	return 0;
}

/* Splits the body into parts; returns the count, or -1 if malformed. */
static int
au_multipart(struct mock_req *req, struct au_part *parts)
{
	const char	*ct = mock_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char	*b = req->body.p, *end, *p, *hend, *next;
	char		 bnd[80], delim[84];
	size_t		 dl;
	int		 n = 0;

	if (ct == NULL || b == NULL || strncasecmp(ct,
	    "multipart/form-data", 19) != 0 ||
	    !au_param(ct, strlen(ct), "boundary", bnd, sizeof(bnd)) ||
	    bnd[0] == '\0')
		return -1;
	dl = (size_t)snprintf(delim, sizeof(delim), "--%s", bnd);
	end = b + req->body.len;
	if ((p = au_memmem(b, req->body.len, delim, dl)) == NULL)
		return -1;
	for (;;) {
		p += dl;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return n;	/* close delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n' ||
		    n >= AU_PARTS_MAX)
			return -1;
		p += 2;
		if ((hend = au_memmem(p, (size_t)(end - p), "\r\n\r\n", 4)) ==
		    NULL)
			return -1;
		memset(&parts[n], 0, sizeof(parts[n]));
		if (!au_param(p, (size_t)(hend - p), "name", parts[n].name,
		    sizeof(parts[n].name)))
			return -1;
		parts[n].has_filename = au_param(p, (size_t)(hend - p),
		    "filename", parts[n].filename, sizeof(parts[n].filename));
		p = hend + 4;
		if ((next = au_memmem(p, (size_t)(end - p), delim, dl)) ==
		    NULL || next - p < 2 || next[-2] != '\r' || next[-1] != '\n')
			return -1;
		parts[n].data = p;
		parts[n++].len = (size_t)(next - p) - 2;
		p = next;
	}
}

static const struct au_part *
au_get(const struct au_part *parts, int n, const char *name)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (strcmp(parts[i].name, name) == 0)
			return &parts[i];
	return NULL;
}

/* Seconds of audio in a WAV file, or bytes / 16000 for anything else. */
static double
au_duration(const struct au_part *f)
{
	const unsigned char	*p = (const unsigned char *)f->data;
	size_t			 pos = 12, n = f->len;
	uint32_t		 sz, rate = 0;

	if (n < 12 || memcmp(p, "RIFF", 4) != 0 ||
	    memcmp(p + 8, "WAVE", 4) != 0)
		return (double)n / 16000;
	while (n - pos >= 8) {
		sz = (uint32_t)p[pos + 4] | (uint32_t)p[pos + 5] << 8 |
		    (uint32_t)p[pos + 6] << 16 | (uint32_t)p[pos + 7] << 24;
		if (memcmp(p + pos, "fmt ", 4) == 0 && n - pos >= 20)
			rate = (uint32_t)p[pos + 16] | (uint32_t)p[pos + 17] <<
			    8 | (uint32_t)p[pos + 18] << 16 |
			    (uint32_t)p[pos + 19] << 24;
		if (memcmp(p + pos, "data", 4) == 0 && rate > 0)
			return (double)(sz < n - pos - 8 ? sz : n - pos - 8) /
			    rate;
		if (sz > n - pos - 8)
			break;
		pos += 8 + sz + (sz & 1);
	}
	return (double)n / 16000;
}

/* ---- transcription answers ---- */

struct au_stt {
	int		 translate;
	const char	*fmt;
	const char	*language;
	int		 words;		/* K */
	int		 gran_word, gran_segment;
	int		 usage;		/* report duration and usage */
	double		 duration;
	char		 text[8192];
};

static void
au_stamp(struct mbuf *b, double s, char sep)
{
	long	 ms = (long)(s * 1000 + 0.5);

	mbuf_printf(b, "%02ld:%02ld:%02ld%c%03ld", ms / 3600000,
	    ms / 60000 % 60, ms / 1000 % 60, sep, ms % 1000);
}

/* Segment i covers words 3i+1..3i+3 ("w4 w5 w6" for i = 1). */
static void
au_segment_text(const struct au_stt *t, int i, char *out, size_t osz)
{
	int	 w, o = 0;

	out[0] = '\0';
	for (w = 3 * i + 1; w <= 3 * i + 3 && w <= t->words; w++)
		o += snprintf(out + o, osz - (size_t)o, " w%d", w);
}

static int
au_nsegs(const struct au_stt *t)
{
	return (t->words + 2) / 3;
}

static cJSON *
au_verbose(const struct au_stt *t)
{
	cJSON	*o, *arr, *s, *tok;
	char	 seg[128];
	double	 per = t->words > 0 ? t->duration / t->words : 0;
	int	 i, w;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "task", t->translate ? "translate" :
	    "transcribe");
	cJSON_AddStringToObject(o, "language", t->language);
	if (t->usage)
		cJSON_AddNumberToObject(o, "duration", t->duration);
	cJSON_AddStringToObject(o, "text", t->text);
	if (t->gran_word && (arr = cJSON_AddArrayToObject(o, "words")) !=
	    NULL)
		for (w = 0; w < t->words; w++) {
			if ((s = cJSON_CreateObject()) == NULL)
				break;
			snprintf(seg, sizeof(seg), "w%d", w + 1);
			cJSON_AddStringToObject(s, "word", seg);
			cJSON_AddNumberToObject(s, "start", per * w);
			cJSON_AddNumberToObject(s, "end", per * (w + 1));
			cJSON_AddItemToArray(arr, s);
		}
	if (t->gran_segment && (arr = cJSON_AddArrayToObject(o,
	    "segments")) != NULL)
		for (i = 0; i < au_nsegs(t); i++) {
			if ((s = cJSON_CreateObject()) == NULL)
				break;
			au_segment_text(t, i, seg, sizeof(seg));
			cJSON_AddNumberToObject(s, "id", i);
			cJSON_AddNumberToObject(s, "seek", 0);
			cJSON_AddNumberToObject(s, "start", per * 3 * i);
			cJSON_AddNumberToObject(s, "end", per * (3 * i + 3 <
			    t->words ? 3 * i + 3 : t->words));
			cJSON_AddStringToObject(s, "text", seg);
			tok = cJSON_AddArrayToObject(s, "tokens");
			cJSON_AddItemToArray(tok, cJSON_CreateNumber(50364 + i));
			cJSON_AddNumberToObject(s, "temperature", 0);
			cJSON_AddNumberToObject(s, "avg_logprob", -0.25);
			cJSON_AddNumberToObject(s, "compression_ratio", 1.2);
			cJSON_AddNumberToObject(s, "no_speech_prob", 0.01);
			cJSON_AddItemToArray(arr, s);
		}
	if (t->usage && (s = cJSON_AddObjectToObject(o, "usage")) != NULL) {
		cJSON_AddStringToObject(s, "type", "duration");
		cJSON_AddNumberToObject(s, "seconds",
		    (double)(long)(t->duration + 0.999999));
	}
	return o;
}

static enum MHD_Result
au_stt_reply(struct mock_req *req, const struct au_stt *t)
{
	const char *const hdrs[] = { "x-request-id", "req_mock_audio", NULL };
	struct mbuf	 b;
	cJSON		*o, *u;
	char		 seg[128];
	double		 per = t->words > 0 ? t->duration / t->words : 0;
	int		 i, vtt = strcmp(t->fmt, "vtt") == 0;
	enum MHD_Result	 ret;

	if (strcmp(t->fmt, "verbose_json") == 0)
		return mock_reply_json(req, 200, au_verbose(t), hdrs);
	if (strcmp(t->fmt, "json") == 0) {
		if ((o = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(o, "text", t->text);
			if (t->usage && !t->translate && (u =
			    cJSON_AddObjectToObject(o, "usage")) != NULL) {
				cJSON_AddStringToObject(u, "type", "duration");
				cJSON_AddNumberToObject(u, "seconds",
				    (double)(long)(t->duration + 0.999999));
			}
		}
		return mock_reply_json(req, 200, o, hdrs);
	}
	mbuf_init(&b, 1 << 20);
	if (strcmp(t->fmt, "text") == 0)
		mbuf_printf(&b, "%s\n", t->text);
	else {
		if (vtt)
			mbuf_puts(&b, "WEBVTT\n\n");
		for (i = 0; i < au_nsegs(t); i++) {
			au_segment_text(t, i, seg, sizeof(seg));
			if (!vtt)
				mbuf_printf(&b, "%d\n", i + 1);
			au_stamp(&b, per * 3 * i, vtt ? '.' : ',');
			mbuf_puts(&b, " --> ");
			au_stamp(&b, per * (3 * i + 3 < t->words ? 3 * i + 3 :
			    t->words), vtt ? '.' : ',');
			mbuf_printf(&b, "\n%s\n\n", seg + 1);
		}
	}
	ret = mock_reply(req, 200, vtt ? "text/vtt; charset=utf-8" :
	    "text/plain; charset=utf-8", b.p != NULL ? b.p : "", b.len, hdrs);
	mbuf_free(&b);
	return ret;
}

/* Checks the form into t; NULL when fine, else the param at fault. */
static const char *
au_stt_check(struct au_part *parts, int n, struct au_stt *t, char *msg,
    size_t msz)
{
	static const char *const fmts[] = { "json", "text", "srt",
	    "verbose_json", "vtt", NULL };
	const struct au_part	*f, *m;
	int			 i, k;

	for (i = 0; i < n; i++) {
		if (strcmp(parts[i].name, "file") == 0 ||
		    strcmp(parts[i].name, "model") == 0 ||
		    strcmp(parts[i].name, "prompt") == 0 ||
		    strcmp(parts[i].name, "response_format") == 0 ||
		    strcmp(parts[i].name, "temperature") == 0 ||
		    (!t->translate && (strcmp(parts[i].name, "language") ==
		    0 || strcmp(parts[i].name, "stream") == 0)))
			continue;
		if (!t->translate && strcmp(parts[i].name,
		    "timestamp_granularities[]") == 0) {
			if (parts[i].len == 4 &&
			    memcmp(parts[i].data, "word", 4) == 0)
				t->gran_word = 1;
			else if (parts[i].len == 7 &&
			    memcmp(parts[i].data, "segment", 7) == 0)
				t->gran_segment = 1;
			else
				return snprintf(msg, msz, "Invalid value for "
				    "'timestamp_granularities[]'."),
				    "timestamp_granularities";
			continue;
		}
		snprintf(msg, msz, "Unrecognized request argument supplied: "
		    "%.64s", parts[i].name);
		return parts[i].name;
	}
	if ((f = au_get(parts, n, "file")) == NULL || !f->has_filename)
		return snprintf(msg, msz, "Missing required parameter: "
		    "'file'."), "file";
	if ((m = au_get(parts, n, "model")) == NULL || m->len == 0)
		return snprintf(msg, msz, "you must provide a model "
		    "parameter"), "model";
	if ((m = au_get(parts, n, "response_format")) != NULL) {
		for (k = 0; fmts[k] != NULL; k++)
			if (strlen(fmts[k]) == m->len &&
			    memcmp(fmts[k], m->data, m->len) == 0)
				t->fmt = fmts[k];
		if (t->fmt == NULL)
			return snprintf(msg, msz, "Invalid 'response_format'."),
			    "response_format";
	} else
		t->fmt = "json";
	if ((t->gran_word || t->gran_segment) &&
	    strcmp(t->fmt, "verbose_json") != 0)
		return snprintf(msg, msz, "timestamp_granularities requires "
		    "verbose_json"), "timestamp_granularities";
	if (!t->gran_word && !t->gran_segment)
		t->gran_segment = 1;
	t->duration = au_duration(f);
	return NULL;
}

static enum MHD_Result
au_stt(struct mock_req *req, int translate)
{
	struct au_part		*parts;
	struct au_stt		 t;
	const struct au_part	*p;
	const char		*param;
	char			*keep = NULL, msg[200], prompt[1024];
	enum MHD_Result		 ret;
	int			 n, i, o;
	char			 lang[32];

	memset(&t, 0, sizeof(t));
	t.translate = translate;
	if ((parts = calloc(AU_PARTS_MAX, sizeof(*parts))) == NULL)
		return MHD_NO;
	if ((n = au_multipart(req, parts)) < 0) {
		if (!au_controls(req, &ret))
			ret = au_fail(req, 400, NULL, NULL, "Could not parse "
			    "multipart form");
		goto out;
	}
	if ((p = au_get(parts, n, "prompt")) != NULL) {
		snprintf(prompt, sizeof(prompt), "%.*s", (int)(p->len <
		    sizeof(prompt) ? p->len : sizeof(prompt) - 1), p->data);
		oai_text_ctl(&req->ctl, prompt, &keep);
	}
	if (au_controls(req, &ret))
		goto out;
	if ((param = au_stt_check(parts, n, &t, msg, sizeof(msg))) != NULL) {
		ret = au_fail(req, 400, param, NULL, msg);
		goto out;
	}
	t.language = "english";
	if (!translate && (p = au_get(parts, n, "language")) != NULL) {
		snprintf(lang, sizeof(lang), "%.*s", (int)(p->len < 31 ?
		    p->len : 31), p->data);
		t.language = lang;
	}
	t.usage = req->ctl.v[CTL_NO_USAGE] == 0;
	t.words = (int)(req->ctl.v[CTL_CHUNKS] < 1000 ?
	    req->ctl.v[CTL_CHUNKS] : 1000);
	for (i = 0, o = 0; i < t.words; i++)
		o += snprintf(t.text + o, sizeof(t.text) - (size_t)o, "%sw%d",
		    i > 0 ? " " : "", i + 1);
	ret = au_stt_reply(req, &t);
out:
	free(parts);
	free(keep);
	return ret;
}

enum MHD_Result
h_oai_transcriptions(struct mock_req *req)
{
	return au_stt(req, 0);
}

enum MHD_Result
h_oai_translations(struct mock_req *req)
{
	return au_stt(req, 1);
}
