/*
 * anthropic.h: Anthropic Messages API <-> OpenAI Chat Completions, both
 * directions, streams included.  Pure cJSON and buf: no database, no
 * FastCGI, no libcurl (DESIGN.md 1), so every function is unit-tested
 * and fuzzed on its own.
 *
 * Two uses:
 *  - upstream (an_up_*): a client spoke OpenAI chat (or Responses, which
 *    became chat) and the channel is type anthropic.  The chat request
 *    becomes a Messages request; the Message or its event stream comes
 *    back as a chat.completion or chat.completion.chunk objects.
 *  - client (an_cl_*): a client spoke Messages (POST /v1/messages) and
 *    the channel is not anthropic.  The Messages request becomes a chat
 *    request; the chat.completion or chunk stream goes back as a Message
 *    or the Messages event sequence.
 *
 * Usage mapping (both ways): chat prompt_tokens = input_tokens +
 * cache_read_input_tokens + cache_creation_input_tokens;
 * prompt_tokens_details.cached_tokens = cache_read_input_tokens;
 * completion_tokens = output_tokens.
 *
 * Finish reasons: end_turn, stop_sequence -> stop; max_tokens -> length;
 * tool_use -> tool_calls; refusal -> content_filter; pause_turn -> stop.
 * Back: stop -> end_turn (stop_sequence when the chat stop matched is
 * unknown, so end_turn), length -> max_tokens, tool_calls/function_call
 * -> tool_use, content_filter -> refusal.
 *
 * Malformed input never crashes and never produces half-built output:
 * a function either returns a complete object or reports failure.
 *
 * Files: anthropic.c (an_up_request), anthropic_reply.c (an_up_response,
 * an_up_error, an_up_stream_*, an_usage_read, an_event_output_tokens),
 * anthropic_client.c (an_cl_request), anthropic_client_reply.c
 * (an_cl_response, an_cl_error, an_cl_stream_*, an_request_input_tokens);
 * anthropic_int.h holds their shared static helpers.  The request files'
 * top comments list what converts, what is refused and what is dropped.
 */
#ifndef NX_PROVIDER_ANTHROPIC_H
#define NX_PROVIDER_ANTHROPIC_H
#include <stddef.h>
#include <stdint.h>
#include "billing.h"
#include "buf.h"
struct cJSON;
struct usage;

/* anthropic-version sent upstream when the client sent none. */
#define AN_VERSION	"2023-06-01"
/* max_tokens for the Messages request when the chat request had none. */
#define AN_DEFAULT_MAX_TOKENS	4096

/* Result of a request conversion. */
enum an_conv { AN_OK = 0, AN_NOMEM = -1, AN_INVALID = 1 };

/*
 * Upstream request: chat (a validated CreateChatCompletionRequest) ->
 * Messages request for up_model.  system/developer messages -> "system"
 * (text blocks); user/assistant content parts (text, image_url as base64
 * data: URL or url source); assistant tool_calls -> tool_use blocks;
 * tool messages -> tool_result blocks in a user turn (consecutive ones
 * merged); same-role neighbours merged; tools/tool_choice (auto, none,
 * required -> any, named function -> tool); stop (string or array) ->
 * stop_sequences; max_completion_tokens or max_tokens ->
 * max_tokens (else AN_DEFAULT_MAX_TOKENS); temperature, top_p; user ->
 * metadata.user_id; reasoning_effort low/medium/high -> thinking enabled
 * with budget_tokens 1024/4096/16384 (max_tokens raised above it);
 * stream.  Fields Messages lacks (n > 1, logprobs, audio...) make it
 * AN_INVALID with param and msg (NUL-terminated, truncated to size).
 * *out is a new tree on AN_OK, else NULL.
 * Details: reasoning_effort none -> no thinking, minimal -> 1024, xhigh
 * -> 16384; when max_tokens <= budget it becomes max_tokens + budget;
 * thinking drops temperature and top_p (Anthropic allows neither with
 * it) and is itself dropped when tool_choice forces a tool (any/tool).
 * temperature is capped at 1 (Anthropic's range); top_p is dropped when
 * temperature is given too (recent models refuse both).  Empty text is
 * dropped (Anthropic refuses empty text blocks).  Assistant tool_calls
 * arguments must parse as a JSON object ("" is {}), else AN_INVALID.
 * param names the field the OpenAI way ("messages[2].content[0].type"),
 * msg is "Invalid '<param>': ..." as the gateway's other 400s.  AN_INVALID
 * may also stand for an allocation failure inside cJSON_Parse of
 * tool arguments (cJSON cannot tell the two apart).
 */
enum an_conv an_up_request(const struct cJSON *chat, const char *up_model,
	    int stream, struct cJSON **out, char *param, size_t paramsz,
	    char *msg, size_t msgsz);

/*
 * Upstream answer: a Message (type "message") -> chat.completion with
 * id "chatcmpl-" + the message id, the client's model name, created, one
 * choice: text blocks joined into content, tool_use blocks -> tool_calls
 * (arguments = JSON text of input), thinking blocks ->
 * reasoning_content; finish_reason; usage per the mapping above.
 * NULL when msg is not a Message (no content array, wrong type, no
 * string id), when a known block is malformed (text without string
 * text, tool_use without string id/name or with a non-object input, a
 * block without type) or on allocation failure.  Unknown block types
 * (redacted_thinking, server tools, ...) are skipped.  content is null
 * when there is no text block but tool calls; usage is left out when
 * the Message has no token counts.
 */
struct cJSON *an_up_response(const struct cJSON *msg, const char *model,
	    int64_t created);

/*
 * Upstream error body (Anthropic {"type":"error","error":{"type",
 * "message"}}) -> OpenAI error object {"error":{"message","type","code",
 * "param":null}}: invalid_request_error -> invalid_request_error,
 * authentication_error -> invalid_request_error/invalid_api_key,
 * permission_error -> permission_error, not_found_error ->
 * invalid_request_error/not_found, rate_limit_error -> rate_limit_error,
 * overloaded_error and api_error -> upstream_error.  NULL when body is
 * not an Anthropic error.  Masking of secrets is the caller's.
 * Codes: invalid_request, invalid_api_key, permission_denied, not_found,
 * request_too_large (invalid_request_error), rate_limit_exceeded,
 * upstream_overloaded (overloaded_error), upstream_timeout
 * (timeout_error), bad_upstream_response (api_error and any unknown
 * type).  A missing message becomes the Anthropic error type.
 */
struct cJSON *an_up_error(const char *body, size_t n);

/*
 * Emits one chat.completion.chunk (or, for an upstream "error" event, an
 * OpenAI error object {"error":{...}}); the object stays owned by the
 * converter.  Non-zero stops the conversion and is returned.
 */
typedef int (*an_chunk_fn)(void *arg, const struct cJSON *chunk);

/*
 * Upstream stream: Messages SSE events -> chat chunks.  message_start
 * -> a chunk with delta {role: assistant, content: ""}; text_delta ->
 * content deltas; thinking_delta -> reasoning_content deltas;
 * tool_use content_block_start -> a tool_calls delta with index (0,1,..
 * counting tool_use blocks), id, type function, name, arguments "";
 * input_json_delta -> arguments deltas with that index; message_delta
 * -> a chunk with finish_reason; message_stop -> a last chunk with
 * choices [] and the usage (input from message_start, output from the
 * last message_delta), then done = 1.  ping and unknown events are
 * ignored; "error" events emit an OpenAI error object and set failed.
 * Events after done are ignored.  Every chunk: id "chatcmpl-" + message
 * id, object chat.completion.chunk, created, model = the client's name,
 * usage null (except the last).
 * Details: only the first stop_reason makes a finish chunk; message_stop
 * without one sends finish_reason "stop" first.  Events after an error
 * event (failed) are ignored as after done.  Text and thinking deltas of
 * a tool_use block, input_json_delta of a block never started as
 * tool_use, empty deltas, signature_delta and content_block_stop emit
 * nothing.  A content_block_start with input already filled (some
 * compatible servers) sends that input as the first arguments.
 */
struct an_up_stream {
	char		 id[96];	/* the Message id (no prefix) */
	char		 model[128];
	int64_t		 created;
	int		 started;	/* message_start seen */
	int		 done;		/* message_stop seen */
	int		 failed;	/* error event seen */
	int		 block_tool[64];/* per content index: tool index+1, 0 */
	int		 ntools;
	int64_t		 in_tokens, cache_read, cache_write, out_tokens;
	char		 stop[32];	/* finish_reason once known */
};
void	 an_up_stream_init(struct an_up_stream *s, const char *model,
	    int64_t created);
/*
 * One SSE event (event name may be NULL or "": the data's "type"
 * decides).  Returns 0, -1 on allocation failure or malformed data of a
 * known event, or emit's value.  Malformed: data not a JSON object, a
 * content or message event before message_start, a second
 * message_start, a message without string id, a missing or
 * non-integer index, a block or delta without type, a delta without its
 * string field, a tool_use start without string id and name, at an
 * index >= 64 (the block_tool cap) or at an index already started.
 * An error event whose data cannot be read still emits an error
 * (upstream_error / bad_upstream_response).
 */
int	 an_up_stream_event(struct an_up_stream *s, const char *event,
	    const char *data, size_t n, an_chunk_fn emit, void *arg);

/*
 * Client request: a Messages request (POST /v1/messages body) ->
 * validated and converted to a chat request with model up_model.
 * Validation (AN_INVALID, param and msg like "messages.1.content:
 * ..."): model string, max_tokens integer >= 1, messages non-empty
 * array of {role user|assistant, content string or block array}, block
 * types text, image (base64 or url source), tool_use, tool_result,
 * thinking/redacted_thinking (dropped), document (AN_INVALID: not
 * supported); system string or text blocks; tools [{name,
 * description?, input_schema}]; tool_choice auto/any/tool/none;
 * stop_sequences array of strings; temperature 0..1; top_p; top_k
 * (dropped); metadata.user_id -> user; thinking.budget_tokens ->
 * reasoning_effort (<2048 low, <8192 medium, else high); stream.
 * tool_result blocks become tool messages (placed before the rest of
 * that user turn's content), tool_use blocks assistant tool_calls.
 * When stream, stream_options.include_usage = true.
 * Details: model at most 128 characters; max_tokens at most 10000000
 * and sent as max_completion_tokens; thinking.budget_tokens an integer
 * >= 1024 (Anthropic's floor); thinking {"type": "adaptive"} ->
 * output_config.effort (low, medium; high and max -> high; else
 * medium); tools with a type other than "custom" (server tools) are
 * AN_INVALID; tool_choice and parallel_tool_calls are sent only with
 * tools.  Images in a tool_result go into the user message after the
 * tool messages (chat tool messages hold text only).  msg is
 * "<param>: <why>" with param like "messages.1.content.0.type".
 */
enum an_conv an_cl_request(const struct cJSON *req, const char *up_model,
	    int stream, struct cJSON **out, char *param, size_t paramsz,
	    char *msg, size_t msgsz);

/*
 * Client answer: chat.completion -> Message {id "msg_" + idbase, type
 * message, role assistant, model (the client's), content [thinking
 * (from reasoning_content)?, text?, tool_use...], stop_reason,
 * stop_sequence null, usage {input_tokens (= prompt - cached),
 * output_tokens, cache_read_input_tokens, cache_creation_input_tokens
 * 0}}.  tool_use input = the parsed arguments (an object; {} when the
 * arguments are not a JSON object).  NULL when chat has no
 * choices[0].message or on allocation failure.
 */
struct cJSON *an_cl_response(const struct cJSON *chat, const char *model,
	    const char *idbase);

/* Anthropic's error type for an HTTP status the gateway answers with. */
const char *an_error_type(int status);
/* Anthropic error object {"type":"error","error":{"type","message"}}. */
struct cJSON *an_cl_error(const char *type, const char *message);

/* Emits one Messages stream event (name = data.type). */
typedef int (*an_event_fn)(void *arg, const char *event,
    const struct cJSON *data);

/*
 * Client stream: chat chunks -> Messages events.  The first chunk (or
 * an_cl_stream_done without any) sends message_start (usage
 * input_tokens = est_input, output_tokens 0); content deltas open a text block
 * (content_block_start index i, then content_block_delta text_delta);
 * reasoning_content opens a thinking block; a tool_calls delta with a
 * new index closes the open block and opens a tool_use block (id,
 * name, input {}) whose argument deltas become input_json_delta
 * partial_json; switching kind closes the open block
 * (content_block_stop).  A usage chunk records usage.  At done: close
 * the open block, message_delta {delta {stop_reason, stop_sequence
 * null}, usage {output_tokens, input_tokens, cache_read_input_tokens}},
 * message_stop.  an_cl_stream_ping makes a ping event.
 * Details: a tool call whose index is not above every earlier one while
 * its block is closed (an upstream interleaving calls) is dropped; a
 * call without an id gets "toolu_<idbase>_<block index>".  With no
 * usage chunk, message_delta's usage is est_input and est_output.
 * stop_reason is tool_use when tool blocks were sent and the finish
 * reason was stop or none.  "reasoning" is read like
 * reasoning_content.  Chunks that are not objects are ignored.
 */
struct an_cl_stream {
	char		 id[96];
	char		 model[128];
	int64_t		 est_input;
	int		 started;
	int		 ended;
	/* Index of the open content block, or of the next when none is. */
	int		 index;
	enum { AN_BLK_NONE, AN_BLK_TEXT, AN_BLK_THINKING, AN_BLK_TOOL }
			 open;
	int		 tool_index;	/* chat index of the last tool */
	char		 stop[32];	/* stop_reason once known */
	int		 have_usage;
	struct usage	 usage;		/* the chunks' usage, once given */
	int64_t		 est_output;	/* tokens of deltas sent */
};
void	 an_cl_stream_init(struct an_cl_stream *s, const char *idbase,
	    const char *model, int64_t est_input);
/* One chat.completion.chunk.  0, -1 (allocation), or emit's value. */
int	 an_cl_stream_chunk(struct an_cl_stream *s, const struct cJSON *chunk,
	    an_event_fn emit, void *arg);
/*
 * A ping event (message_start first when not yet sent).  0, -1 or
 * emit's value; nothing after done.
 */
int	 an_cl_stream_ping(struct an_cl_stream *s, an_event_fn emit,
	    void *arg);
/* The chat stream ended ([DONE]).  Once only. */
int	 an_cl_stream_done(struct an_cl_stream *s, an_event_fn emit,
	    void *arg);
/*
 * Reads Messages usage (message_start.message.usage, message_delta.usage
 * or a Message's usage) into u per the mapping above, setting only the
 * counts present: prompt and cached when input_tokens is there,
 * completion when output_tokens is (message_delta's is cumulative).
 * Returns 1 when usage had a token count, else 0.
 */
int	 an_usage_read(const struct cJSON *usage, struct usage *u);
/* Estimated output tokens a Messages stream event delivers. */
int64_t	 an_event_output_tokens(const struct cJSON *ev);
/* Estimated input tokens of a Messages request (count_tokens, holds). */
int64_t	 an_request_input_tokens(const struct cJSON *req);
#endif
