/*
 * handlers.h: every endpoint's entry point, as named in routes.c, and
 * the small helpers endpoints share.
 */
#ifndef NX_HANDLERS_H
#define NX_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct req;
struct cJSON;

enum err	 h_chat_completions(struct req *);
enum err	 h_images_generations(struct req *);
enum err	 h_images_edits(struct req *);
enum err	 h_responses_create(struct req *);
enum err	 h_completions_create(struct req *);
enum err	 h_models_list(struct req *);
enum err	 h_models_get(struct req *);
enum err	 h_health_live(struct req *);
enum err	 h_health_ready(struct req *);
enum err	 h_video_create(struct req *);
enum err	 h_video_get(struct req *);
enum err	 h_video_content(struct req *);
enum err	 h_video_gen_create(struct req *);
enum err	 h_video_gen_get(struct req *);
enum err	 h_embeddings(struct req *);
enum err	 h_moderations(struct req *);
enum err	 h_rerank(struct req *);
enum err	 h_audio_speech(struct req *);
enum err	 h_audio_transcriptions(struct req *);
enum err	 h_audio_translations(struct req *);
enum err	 h_messages(struct req *);
enum err	 h_messages_count_tokens(struct req *);
enum err	 h_gemini_models_list(struct req *);
enum err	 h_gemini_model(struct req *);
enum err	 h_gemini_post(struct req *);
/* The management API under /api/ (handlers/admin/api.c). */
enum err	 h_api(struct req *);

/*
 * Parses r->body as a JSON object; on failure sends the 400 and returns
 * NULL.  The tree is freed at arena reset.
 */
struct cJSON	*h_parse_json_object(struct req *r);
/* Sends a 400 naming param with message (printf-style). */
enum err	 h_bad_field(struct req *r, const char *param,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * A validator's verdict for pure checkers (no struct req): h_chk_bad()
 * writes the failing field into param and the message into msg (both
 * truncated to their sizes) and returns -1.
 */
struct h_chk {
	char	*param;
	size_t	 psz;
	char	*msg;
	size_t	 msz;
};
/*
 * The model member: a non-empty string of at most 128 bytes into
 * *model; absent or null is def when def is non-NULL, else "you must
 * provide a model parameter".  0, or -1 with c filled.
 */
int		 h_chk_model(struct h_chk *c, const struct cJSON *o,
		    const char *def, const char **model);
int		 h_chk_bad(struct h_chk *c, const char *param, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
/* Member k of o, or NULL when absent or JSON null. */
const struct cJSON *h_given(const struct cJSON *o, const char *k);
/* Optional integer in [lo, hi] into *out (may be NULL); 0 or -1 (bad). */
int		 h_opt_int(struct h_chk *c, const struct cJSON *o,
		    const char *k, int64_t lo, int64_t hi, int64_t *out);
/* Optional number in [lo, hi]; 0 or -1. */
int		 h_opt_num(struct h_chk *c, const struct cJSON *o,
		    const char *k, double lo, double hi);
/* Optional boolean into *out (may be NULL); 0 or -1. */
int		 h_opt_bool(struct h_chk *c, const struct cJSON *o,
		    const char *k, int *out);
struct relay;
/*
 * Settles rl for a call that ended with e (its error status and code are
 * logged) or, when e is ERR_OK, with HTTP status and ecode (NULL on
 * success).  Returns e, so a handler can end with it.
 */
enum err	 h_settle(struct relay *rl, enum err e, int status,
		    const char *ecode);
/*
 * The client side of a relayed stream, shared by oa_relay.c, responses.c
 * and dialect.c: relay_call's on_status, on_data and on_tick (pass the
 * struct as relay_call's arg; hooks of the handler find theirs in arg).
 * h_stream_status notes the upstream's status and, when the client asked
 * for a stream (want) and the upstream answered 200 text/event-stream,
 * starts the client's answer with ctype (NULL: text/event-stream, which
 * also marks r->sse) and calls on_start; the upstream's bytes go through
 * the SSE parser to on_event; a tick notices a client that left and,
 * once started, sends keepalive (NULL: an SSE comment) when nothing was
 * written for keepalive_interval.  Writers call h_stream_wrote.
 */
#include "sse.h"
struct h_stream {
	struct req		*r;
	int			 want;
	const char		*ctype;
	const char		*keepalive;
	int			(*on_start)(void *arg);
	sse_cb			 on_event;
	void			*arg;
	int			 status;	/* the upstream's */
	int			 started;	/* client headers sent */
	int64_t			 last_write_ms;
	struct sse_parser	 sp;
	struct buf		 ev;		/* one outgoing event */
};
/*
 * Prepares s (SSE parser and event buffer capped at max_event; freed at
 * arena reset); the caller sets the rest.
 */
void		 h_stream_init(struct h_stream *s, struct req *r, int want,
		    size_t max_event);
int		 h_stream_status(void *s, int status, const char *ctype);
int		 h_stream_data(void *s, const char *p, size_t n);
int		 h_stream_tick(void *s);
/*
 * Writes and flushes one SSE event to the client (name may be NULL);
 * h_stream_send writes what the caller put in s->ev.  0, or -1 when the
 * event does not fit or the client is gone.
 */
int		 h_stream_event(struct h_stream *s, const char *name,
		    const char *data, size_t n);
int		 h_stream_send(struct h_stream *s);
/*
 * How a begun stream ended: sets rl->stream_status and *ecode.  Returns
 * ERR_OK when it ended properly (done, an upstream error event already
 * relayed, or the client left), else ERR_TIMEOUT or ERR_UPSTREAM: the
 * upstream stalled or broke, or conv_failed (the answer could not be
 * converted), and the caller sends the final in-band error.
 */
enum err	 h_stream_end(struct relay *rl, enum err e, int done,
		    int up_error, int conv_failed, const char **ecode);
/*
 * The whole answer out (o, then deleted): 200 and rl->delivered, or when
 * o is NULL (the upstream's answer was unusable) ERR_UPSTREAM with
 * *ecode "bad_upstream_response" and a log line naming status.
 */
enum err	 h_send_answer(struct relay *rl, int status, struct cJSON *o,
		    const char **ecode);
/*
 * A chat chunk stream turned into another dialect (Responses, Messages,
 * Gemini): the converter's hooks and what the stream came to.  chunk
 * gets each chat.completion.chunk, done the "[DONE]", failed the
 * upstream's error message (masked); each returns 0, -1 (the
 * converter's cap or memory) or non-zero to stop.
 */
struct h_chat_conv {
	int		(*chunk)(void *, const struct cJSON *);
	int		(*done)(void *);
	int		(*failed)(void *, const char *message);
	void		*arg;
	int		 is_done;	/* [DONE] or an error event seen */
	int		 up_error;
	int		 conv_failed;
};
/*
 * One "data:" of the chat stream through cv, with the accounting: usage
 * read into rl, output tokens estimated, rl->delivered.  Returns 0 to go
 * on, 1 to stop the stream.
 */
int		 h_chat_event(struct relay *rl, struct h_chat_conv *cv,
		    const char *data, size_t n);
/* The key's usable models into *out (arena); ERR_OK or ERR_DB. */
enum err	 h_models_usable(struct req *r, char ***out, size_t *n);
/*
 * Answers a relay_prepare / relay_begin failure: model not found or not
 * allowed as a 404/403 naming `model` and the model; any other error is
 * returned for the worker to send.
 */
enum err	 h_relay_refused(struct req *r, enum err e, const char *model);
/*
 * The usage of a whole chat.completion into rl (usage_upstream), or when
 * it has none the estimate of its output (delivered_tokens).
 */
void		 h_chat_usage(struct relay *rl, const struct cJSON *completion);
/* cJSON_Delete for arena_defer: the tree goes at arena reset. */
void		 h_cjson_delete(void *o);
/* Sends cJSON o as a 200 JSON answer; ERR_OK or ERR_NOMEM. */
enum err	 h_send_cjson(struct req *r, int status, struct cJSON *o);

#endif
