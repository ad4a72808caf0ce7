/*
 * responses_chat.h: the OpenAI Responses API expressed in Chat
 * Completions terms and back, for channels whose upstream has no
 * /v1/responses (channel other {"responses_api": false}).
 *
 * Both directions, streaming included: a CreateResponse request becomes
 * a CreateChatCompletionRequest; a chat.completion becomes a Response;
 * a chat.completion.chunk stream becomes the full named event sequence
 * of ResponseStreamEvent (response.created ... response.completed, with
 * sequence_number, item ids, output_index and content_index).  Also the
 * Responses usage reader and token estimates used for billing on either
 * path.  Pure cJSON and buf: no database, no FastCGI (DESIGN.md 1).
 *
 * Reference: openai-openapi.yaml, CreateResponse, Response, OutputItem,
 * OutputMessage, FunctionToolCall, ResponseUsage, ResponseStreamEvent and
 * the named events; CreateChatCompletionRequest, CompletionUsage,
 * CreateChatCompletionStreamResponse.
 */
#ifndef NX_PROVIDER_RESPONSES_CHAT_H
#define NX_PROVIDER_RESPONSES_CHAT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct cJSON;
struct usage;

/*
 * Whether a (validated) Responses request can be sent as a chat
 * completion.  Returns 1 when it can; else 0 with param (the first field
 * that needs an upstream with the Responses API, e.g. "input[2].type")
 * and msg (why) filled, both NUL-terminated and truncated to their size.
 */
int	 rc_convertible(const struct cJSON *req, char *param, size_t paramsz,
	    char *msg, size_t msgsz);
/*
 * The chat completion request for req (which rc_convertible accepted):
 * instructions -> system message, input items -> messages, function
 * tools -> chat tools, text.format -> response_format, max_output_tokens
 * -> max_completion_tokens; with stream, stream_options.include_usage.
 * Returns a new tree (caller deletes), NULL on allocation failure.
 */
struct cJSON *rc_request_to_chat(const struct cJSON *req, int stream);
/*
 * A Response object echoing req's settings (instructions, tools, text,
 * metadata, ...) with status "in_progress", output [] and no usage
 * (added when known: the schema's ResponseUsage is not nullable);
 * its id is "resp_" + idbase.  store is false: nothing is kept.  Caller
 * deletes; NULL on allocation failure.
 */
struct cJSON *rc_response_new(const struct cJSON *req, const char *idbase,
	    const char *model, int64_t created);
/*
 * Converts a chat.completion into the Response for req: the message and
 * its tool calls become output items (ids from idbase), finish_reason
 * "length" / "content_filter" make it "incomplete", usage is converted.
 * Returns a new tree, or NULL when chat has no choices[0].message or on
 * allocation failure.
 */
struct cJSON *rc_chat_to_response(const struct cJSON *chat,
	    const struct cJSON *req, const char *idbase, const char *model);
/*
 * Reads a ResponseUsage (input_tokens, output_tokens and their details)
 * into u.  Returns 1 when usage is an object with token counts, else 0
 * (u untouched).  Negative or absurd counts read as 0.
 */
int	 rc_usage_read(const struct cJSON *usage, struct usage *u);
/* ResponseUsage from a chat CompletionUsage; NULL when not an object. */
struct cJSON *rc_usage_from_chat(const struct cJSON *chat_usage);
/*
 * Estimated output tokens a stream event delivers (text, refusal,
 * function-call argument and reasoning deltas), 0 for the others.
 */
int64_t	 rc_event_output_tokens(const struct cJSON *ev);
/* Estimated output tokens of a whole Response's output items. */
int64_t	 rc_response_output_tokens(const struct cJSON *resp);
/*
 * The in-stream error event (ResponseErrorEvent): {"type":"error",
 * "code","message","param":null,"sequence_number"}.  NULL on failure.
 */
struct cJSON *rc_error_event(int64_t seq, const char *code,
	    const char *message);

/*
 * Called once per converted event with its name (= data.type) and data;
 * data stays owned by the converter.  Non-zero stops the conversion and
 * is returned by the rc_stream_* call.
 */
typedef int (*rc_emit_fn)(void *arg, const char *event,
    const struct cJSON *data);

/* Open output item of a converted stream. */
enum rc_item { RC_NONE, RC_MESSAGE, RC_CALL };
/* Open content part of the open message. */
enum rc_part { RC_PART_NONE, RC_PART_TEXT, RC_PART_REFUSAL };

/*
 * Chat chunk stream -> Responses events.  At most one output item (and
 * one content part) is open at a time; switching kind closes the open
 * one with its *.done events.  Text, refusal and arguments of the open
 * item are kept (the done events and response.completed carry them),
 * capped at max bytes each.
 */
struct rc_stream {
	struct cJSON	*resp;		/* Response; closed items in output */
	struct cJSON	*content;	/* closed parts of the open message */
	struct cJSON	*usage;		/* ResponseUsage once known */
	char		 idbase[80];
	int64_t		 seq;		/* next sequence_number */
	enum rc_item	 item;
	enum rc_part	 part;
	int		 out_index;	/* output_index of the open item */
	int		 part_index;	/* content_index of the open part */
	int		 call_index;	/* chat tool_calls[].index */
	char		 item_id[112];
	char		 finish[32];	/* last finish_reason, "" none */
	struct buf	 text;		/* open part's text or call's args */
	struct buf	 name;		/* open call's name */
	struct buf	 call_id;
	int		 ended;		/* completed or failed was sent */
};

/*
 * Prepares s for req (see rc_response_new); max caps every kept text.
 * Returns 0, or -1 on allocation failure (s is then safe to free).
 */
int	 rc_stream_init(struct rc_stream *s, const struct cJSON *req,
	    const char *idbase, const char *model, int64_t created,
	    size_t max);
/* Emits response.created and response.in_progress.  0, -1 or emit's. */
int	 rc_stream_begin(struct rc_stream *s, rc_emit_fn emit, void *arg);
/*
 * Converts one chat.completion.chunk (choice 0; usage when present).
 * Returns 0, -1 on allocation failure or cap, or emit's value.
 */
int	 rc_stream_chunk(struct rc_stream *s, const struct cJSON *chunk,
	    rc_emit_fn emit, void *arg);
/*
 * The chat stream ended ([DONE]): closes the open item and emits
 * response.completed, or response.incomplete when finish_reason was
 * "length" or "content_filter".  Once only; 0, -1 or emit's value.
 */
int	 rc_stream_done(struct rc_stream *s, rc_emit_fn emit, void *arg);
/*
 * The upstream reported a failure: closes the open item as incomplete
 * and emits response.failed with error {code, message}.  Once only.
 */
int	 rc_stream_failed(struct rc_stream *s, const char *code,
	    const char *message, rc_emit_fn emit, void *arg);
/* Frees what s holds; s may be reused after rc_stream_init. */
void	 rc_stream_free(struct rc_stream *s);

#endif
