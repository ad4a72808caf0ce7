/*
 * openai.h: the OpenAI chat completion shared between openai.c (routes,
 * validation, errors) and openai_chat.c (the reply, whole or streamed).
 *
 * struct oai_chat is the validated request: openai.c fills it from the
 * parsed body, openai_chat.c renders it.  Strings point into doc, which
 * the struct owns; for a stream the struct belongs to the stream engine
 * and is freed by its free callback.
 */
#ifndef MOCK_OPENAI_H
#define MOCK_OPENAI_H

#include "mock.h"

struct oai_chat {
	cJSON		*doc;		/* request body, owned */
	const char	*model;
	const cJSON	*tool;		/* function to call, or NULL */
	long		 n;		/* choices */
	int		 stream;
	int		 usage;		/* report usage at all */
	int		 stream_usage;	/* stream_options.include_usage */
	int		 logprobs;
	long		 top_logprobs;
	long		 chunks;	/* the chunks control */
	long		 words;		/* content words per choice */
	const char	*finish;	/* finish_reason */
	long		 prompt_tokens;
	char		*args;		/* tool-call arguments (JSON text) */
	size_t		*frag;		/* end offset of each argument piece */
	size_t		 nfrag;
	int64_t		 created;
	char		 id[64];	/* chatcmpl-mock... */
	char		 callid[48];	/* call_mock..., plus choice index */
	char		 reqid[48];	/* x-request-id */
	/* stream position (openai_chat.c) */
	int		 phase;
	long		 step;
	long		 choice;
};

/*
 * Builds the tool-call arguments and their stream fragments when c->tool
 * is set, then sets finish and words.  Returns 0, or -1 on allocation
 * failure.
 */
int	 oai_chat_prepare(struct oai_chat *);
/* Completion tokens over all choices (n times words or fragments). */
long	 oai_chat_completion_tokens(const struct oai_chat *);
/* The chat.completion object; NULL on allocation failure. */
cJSON	*oai_chat_body(struct oai_chat *);
/* Frees c and everything it owns; c may be NULL. */
void	 oai_chat_free(struct oai_chat *);
/* Runs of non-whitespace in s (the prompt-token rule, README.md). */
long	 oai_words(const char *s);

/* Stream generator; arg is the struct oai_chat. */
extern const struct sse_ops oai_chat_sse;

/* Video jobs (openai_video.c): POST /v1/videos, GET /v1/videos/... */
enum MHD_Result	h_oai_video_create(struct mock_req *);
enum MHD_Result	h_oai_video_get(struct mock_req *);

/*
 * {"error":{"message","type","param","code"}} as OpenAI answers it, type
 * from the status (429 "requests", 5xx "server_error", else
 * "invalid_request_error"); param and code NULL become JSON null.  NULL
 * on allocation failure.
 */
cJSON		*oai_error_doc(unsigned int status, const char *param,
		    const char *code, const char *msg);
/*
 * Embeddings, moderations (openai_embed.c) and Jina-style rerank
 * (cohere.c).  oai_text_ctl applies controls written as "mock:k=v,..."
 * (a `user` member) or a leading "[mock k=v ...]" (a rerank query);
 * it returns the length of such a leading prefix (0 otherwise) and
 * *keep, which the control values point into, for the caller to free
 * after replying.  oai_embed_fail queues an OpenAI error (param and
 * code may be NULL).
 */
enum MHD_Result	h_oai_embeddings(struct mock_req *);
enum MHD_Result	h_oai_moderations(struct mock_req *);
enum MHD_Result	h_oai_rerank(struct mock_req *);
size_t	 oai_text_ctl(struct mock_ctl *, const char *s, char **keep);
enum MHD_Result	oai_embed_fail(struct mock_req *, unsigned int status,
	    const char *param, const char *code, const char *msg);

/* Audio (openai_audio.c): speech, transcriptions, translations. */
enum MHD_Result	h_oai_speech(struct mock_req *);
enum MHD_Result	h_oai_transcriptions(struct mock_req *);
enum MHD_Result	h_oai_translations(struct mock_req *);

/* Responses API, legacy completions (openai_responses.c, _completions.c). */
enum MHD_Result	h_oai_responses(struct mock_req *);
enum MHD_Result	h_oai_completions(struct mock_req *);

#endif
