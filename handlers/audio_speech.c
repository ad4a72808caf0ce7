/*
 * audio_speech.c: POST /v1/audio/speech (OpenAI CreateSpeechRequest):
 * text in, audio bytes out.
 *
 * The request is validated field by field (the schema allows no other
 * fields, so an unknown one is a 400 naming it) and forwarded as JSON,
 * its model mapped per channel by relay_call.  The audio is streamed: each
 * chunk libcurl hands over is written and flushed to the client before
 * the next one is read, so the gateway never holds the file.  The
 * response's Content-Type follows the requested response_format (the
 * OpenAI reference's media types), not whatever the upstream said;
 * stream_format "sse" (gpt-4o-mini-tts only) is relayed byte for byte as
 * text/event-stream, and a break after it began ends it with a final
 * error event as every stream does.
 *
 * Billing (basis character): the characters of `input` (Unicode code
 * points) times the price row's unit_u and the group ratio.  That amount
 * is held before the call, charged in full once any audio reached the
 * client (the upstream bills every character it was sent, even when a
 * stream breaks half-way), and refunded when nothing did.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "handlers/handlers.h"
#include "log.h"
#include "providers/openai.h"
#include "relay.h"
#include "request.h"
#include "tokens.h"

#define SPEECH_INPUT_MAX	4096	/* characters (OpenAI reference) */
#define SPEECH_MODEL_MAX	128
#define SPEECH_VOICE_ID_MAX	128
#define SPEECH_ERR_MAX		(1024 * 1024)	/* upstream error body */

enum speech_fmt { SF_MP3, SF_OPUS, SF_AAC, SF_FLAC, SF_WAV, SF_PCM,
    SF__MAX };

/* response_format -> Content-Type; index is enum speech_fmt. */
static const struct speech_fmt_info {
	const char	*name;
	const char	*ctype;
} speech_fmts[SF__MAX] = {
	[SF_MP3] = { "mp3", "audio/mpeg" },
	[SF_OPUS] = { "opus", "audio/opus" },
	[SF_AAC] = { "aac", "audio/aac" },
	[SF_FLAC] = { "flac", "audio/flac" },
	[SF_WAV] = { "wav", "audio/wav" },
	[SF_PCM] = { "pcm", "audio/pcm" },
};

static const char *const speech_voices[] = {
	"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova",
	"sage", "shimmer", "verse", "marin", "cedar", NULL
};

static const char *const speech_fields[] = {
	"model", "input", "voice", "instructions", "response_format",
	"speed", "stream_format", NULL
};

struct speech_req {
	const char	*model;
	const char	*voice;		/* built-in name or custom id */
	int		 fmt;		/* enum speech_fmt */
	int		 sse;		/* stream_format "sse" */
	int64_t		 chars;		/* code points of input */
};

struct speech_ctx {
	struct req		*r;
	struct relay		*rl;
	const char		*ctype;
	int			 status;
	int			 started;	/* upstream said 200: committed */
	uint64_t		 bytes;		/* audio bytes sent to client */
	struct buf		 err;		/* a non-200 answer's body */
};

/* Models that take `instructions` and stream_format "sse". */
static int
speech_is_gpt_tts(const char *model)
{
	return strncmp(model, "gpt-4o-mini-tts", 15) == 0;
}

static int
speech_in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int
speech_voice(struct req *r, const cJSON *v, struct speech_req *sr)
{
	const cJSON	*id;

	if (v == NULL)
		return h_bad_field(r, "voice", "Missing required parameter: "
		    "'voice'."), -1;
	if (cJSON_IsString(v)) {
		if (!speech_in(v->valuestring, speech_voices))
			return h_bad_field(r, "voice", "Invalid 'voice': "
			    "expected one of alloy, ash, ballad, coral, echo, "
			    "fable, onyx, nova, sage, shimmer, verse, marin, "
			    "cedar, or an object {\"id\": ...}."), -1;
		sr->voice = v->valuestring;
		return 0;
	}
	id = cJSON_GetObjectItemCaseSensitive(v, "id");
	if (!cJSON_IsObject(v) || cJSON_GetArraySize(v) != 1 ||
	    !cJSON_IsString(id) || id->valuestring[0] == '\0' ||
	    strlen(id->valuestring) > SPEECH_VOICE_ID_MAX)
		return h_bad_field(r, "voice", "Invalid 'voice': expected a "
		    "voice name or an object with a non-empty string 'id' of "
		    "at most %d characters.", SPEECH_VOICE_ID_MAX), -1;
	sr->voice = id->valuestring;
	return 0;
}

/* Validates o into sr.  0, or -1 after sending the 400. */
static int
speech_validate(struct req *r, cJSON *o, struct speech_req *sr)
{
	const cJSON	*v;
	size_t		 i;

	memset(sr, 0, sizeof(*sr));
	cJSON_ArrayForEach(v, o)
		if (!speech_in(v->string, speech_fields))
			return h_bad_field(r, v->string, "Unrecognized request "
			    "argument supplied: %.64s", v->string), -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "model");
	if (v == NULL)
		return h_bad_field(r, "model", "you must provide a model "
		    "parameter"), -1;
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    strlen(v->valuestring) > SPEECH_MODEL_MAX)
		return h_bad_field(r, "model", "Invalid 'model': expected a "
		    "non-empty string of at most %d characters.",
		    SPEECH_MODEL_MAX), -1;
	/* Copied: relay_call replaces the tree's "model" per channel. */
	if ((sr->model = arena_strdup(r->a, v->valuestring)) == NULL)
		return req_send_error(r, ERR_NOMEM, NULL, NULL), -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "input");
	if (v == NULL)
		return h_bad_field(r, "input", "Missing required parameter: "
		    "'input'."), -1;
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return h_bad_field(r, "input", "Invalid 'input': expected a "
		    "non-empty string."), -1;
	if ((sr->chars = tok_chars(v->valuestring)) > SPEECH_INPUT_MAX)
		return h_bad_field(r, "input", "Invalid 'input': string too "
		    "long. Expected a string with maximum length %d, but got "
		    "a string with length %lld instead.", SPEECH_INPUT_MAX,
		    (long long)sr->chars), -1;
	if (speech_voice(r, cJSON_GetObjectItemCaseSensitive(o, "voice"),
	    sr) == -1)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "instructions");
	if (v != NULL && !cJSON_IsNull(v)) {
		if (!speech_is_gpt_tts(sr->model))
			return h_bad_field(r, "instructions", "'instructions' "
			    "is not supported with model %.64s; only "
			    "gpt-4o-mini-tts takes it.", sr->model), -1;
		if (!cJSON_IsString(v) ||
		    tok_chars(v->valuestring) > SPEECH_INPUT_MAX)
			return h_bad_field(r, "instructions", "Invalid "
			    "'instructions': expected a string of at most %d "
			    "characters.", SPEECH_INPUT_MAX), -1;
	}
	sr->fmt = SF_MP3;
	v = cJSON_GetObjectItemCaseSensitive(o, "response_format");
	if (v != NULL && !cJSON_IsNull(v)) {
		for (i = 0; i < SF__MAX; i++)
			if (cJSON_IsString(v) &&
			    strcmp(v->valuestring, speech_fmts[i].name) == 0)
				break;
		if (i == SF__MAX)
			return h_bad_field(r, "response_format", "Invalid "
			    "'response_format': expected one of mp3, opus, "
			    "aac, flac, wav, pcm."), -1;
		sr->fmt = (int)i;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "speed");
	if (v != NULL && !cJSON_IsNull(v) && (!cJSON_IsNumber(v) ||
	    v->valuedouble < 0.25 || v->valuedouble > 4.0))
		return h_bad_field(r, "speed", "Invalid 'speed': expected a "
		    "number between 0.25 and 4.0."), -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "stream_format");
	if (v != NULL && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) || (strcmp(v->valuestring, "audio") !=
		    0 && strcmp(v->valuestring, "sse") != 0))
			return h_bad_field(r, "stream_format", "Invalid "
			    "'stream_format': expected 'audio' or 'sse'."), -1;
		sr->sse = strcmp(v->valuestring, "sse") == 0;
		if (sr->sse && !speech_is_gpt_tts(sr->model))
			return h_bad_field(r, "stream_format", "stream_format "
			    "'sse' is not supported with model %.64s.",
			    sr->model), -1;
	}
	return 0;
}

static int
speech_on_status(void *arg, int status, const char *ctype)
{
	struct speech_ctx	*x = arg;

	(void)ctype;
	x->status = status;
	/*
	 * A 200 commits to this channel: its bytes go to the client as they
	 * come.  Headers wait for the first byte, so that an empty answer
	 * can still become a clean 502.
	 */
	if (status == 200)
		x->started = 1;
	return 0;
}

static int
speech_on_data(void *arg, const char *p, size_t n)
{
	struct speech_ctx	*x = arg;
	struct req		*r = x->r;

	if (n == 0)
		return 0;
	if (!r->headers_sent && req_start(r, 200, x->ctype) == -1)
		return 1;
	if (req_write(r, p, n) == -1 || req_flush(r) == -1)
		return 1;
	x->bytes += n;
	x->rl->delivered = 1;
	return 0;
}

static int
speech_on_tick(void *arg)
{
	struct speech_ctx	*x = arg;

	return req_peer_closed(x->r);
}

/* A non-200 upstream answer collected in x->err, for the client. */
static enum err
speech_upstream_error(struct speech_ctx *x, const char **ecode)
{
	char	*s;

	if (x->status >= 400 && x->status < 500 &&
	    (s = oa_error_masked(x->err.p, x->err.len)) != NULL) {
		*ecode = "upstream_client_error";
		req_send_error_body(x->r, x->status, s, strlen(s));
		cJSON_free(s);
		return ERR_OK;
	}
	log_warn(x->r->rid, "channel %lld: unusable %d answer to speech",
	    (long long)x->rl->ch->id, x->status);
	*ecode = "bad_upstream_response";
	return ERR_UPSTREAM;
}

static void
speech_cjson_free(void *p)
{
	cJSON_Delete(p);
}

static void
speech_log(struct speech_ctx *x, const struct speech_req *sr)
{
	struct relay	*rl = x->rl;

	rl->charge_set = 1;
	rl->units = sr->chars;
	rl->unit_name = "character";
	rl->charge = rl->delivered ? bill_units(&rl->price,
	    x->r->key.group_ratio_u, sr->chars) : 0;
	if ((rl->log_extra = cJSON_CreateObject()) == NULL)
		return;
	arena_defer(x->r->a, speech_cjson_free, rl->log_extra);
	cJSON_AddStringToObject(rl->log_extra, "response_format",
	    sr->sse ? "sse" : speech_fmts[sr->fmt].name);
	cJSON_AddStringToObject(rl->log_extra, "voice", sr->voice);
	cJSON_AddNumberToObject(rl->log_extra, "bytes", (double)x->bytes);
}

enum err
h_audio_speech(struct req *r)
{
	struct speech_req	 sr;
	struct speech_ctx	*x;
	struct relay		*rl;
	struct relay_call	 c;
	cJSON			*o;
	const char		*ecode = NULL;
	int			 status;
	enum err		 e;

	if ((o = h_parse_json_object(r)) == NULL)
		return ERR_OK;
	if (speech_validate(r, o, &sr) == -1)
		return ERR_OK;
	if ((x = arena_alloc(r->a, sizeof(*x))) == NULL ||
	    (rl = arena_alloc(r->a, sizeof(*rl))) == NULL)
		return ERR_NOMEM;
	if ((e = relay_begin(rl, r, sr.model, sr.sse)) != ERR_OK)
		return h_relay_refused(r, e, sr.model);
	if (rl->price.basis != BASIS_CHARACTER)
		return h_bad_field(r, "model", "The model `%.64s` is not a "
		    "text-to-speech model.", sr.model);
	if ((e = relay_hold(rl, bill_units(&rl->price, r->key.group_ratio_u,
	    sr.chars))) != ERR_OK)
		return e;

	x->r = r;
	x->rl = rl;
	x->ctype = sr.sse ? "text/event-stream" : speech_fmts[sr.fmt].ctype;
	buf_init(&x->err, SPEECH_ERR_MAX);
	arena_defer(r->a, buf_free, &x->err);
	memset(&c, 0, sizeof(c));
	c.path = "/v1/audio/speech";
	c.json = o;
	c.accept = sr.sse ? "text/event-stream" : x->ctype;
	c.on_status = speech_on_status;
	c.on_data = speech_on_data;
	c.on_tick = speech_on_tick;
	c.arg = x;
	c.started = &x->started;
	e = relay_call(rl, &c, &x->err, &status);

	if (x->bytes > 0) {
		/*
		 * Audio went out: the status line is sent.  A break now can
		 * only end the body early (a binary stream has no in-band
		 * error); the log row says what happened.
		 */
		if (r->client_gone || e == ERR_CLIENT_GONE) {
			rl->stream_status = "client_gone";
			ecode = "client_gone";
		} else if (e != ERR_OK) {
			rl->stream_status = e == ERR_TIMEOUT ?
			    "upstream_timeout" : "upstream_broken";
			e = e == ERR_TIMEOUT ? ERR_TIMEOUT : ERR_UPSTREAM;
			ecode = err_http(e)->code;
			if (sr.sse) {
				/* Events can carry it (API.md 5). */
				r->sse = 1;
				req_send_error(r, e, "The upstream connection "
				    "broke mid-stream.", NULL);
			}
		} else
			rl->stream_status = "ok";
		speech_log(x, &sr);
		relay_settle(rl, 200, ecode);
		return ERR_OK;
	}
	if (e == ERR_OK && x->started) {
		log_warn(r->rid, "channel %lld: speech answer without audio",
		    (long long)rl->ch->id);
		e = ERR_UPSTREAM;
	} else if (e == ERR_OK)
		e = speech_upstream_error(x, &ecode);
	speech_log(x, &sr);
	return h_settle(rl, e, x->status, ecode);
}
