/*
 * gemini.h: Gemini API (generateContent, streamGenerateContent,
 * batchEmbedContents) <-> OpenAI Chat Completions and Embeddings, both
 * directions, streams included.  Pure cJSON and buf: no database, no
 * FastCGI, no libcurl (DESIGN.md 1).
 *
 * Two uses, as in anthropic.h:
 *  - upstream (gm_up_*): OpenAI chat / embeddings in, channel type
 *    gemini.  The model goes into the URL (gm_up_path), not the body.
 *  - client (gm_cl_*): a client spoke Gemini (POST
 *    /v1beta/models/{model}:generateContent) and the channel is not
 *    gemini.
 *
 * Usage mapping: chat prompt_tokens = promptTokenCount (cached content
 * included, as Gemini counts it); cached_tokens = cachedContentTokenCount;
 * completion_tokens = candidatesTokenCount + thoughtsTokenCount;
 * reasoning_tokens = thoughtsTokenCount.  Back: promptTokenCount =
 * prompt_tokens, candidatesTokenCount = completion - reasoning,
 * thoughtsTokenCount = reasoning (omitted when 0), totalTokenCount,
 * cachedContentTokenCount (omitted when 0).
 *
 * Finish reasons: STOP -> stop (tool_calls when the candidate has
 * functionCall parts), MAX_TOKENS -> length, SAFETY, RECITATION,
 * BLOCKLIST, PROHIBITED_CONTENT, SPII (and IMAGE_SAFETY,
 * IMAGE_PROHIBITED_CONTENT, MODEL_ARMOR) -> content_filter, others ->
 * stop.  Back: stop/tool_calls -> STOP, length -> MAX_TOKENS,
 * content_filter -> SAFETY, anything else -> STOP.
 *
 * Malformed input never crashes and never produces half-built output:
 * a function returns a complete object or reports failure, and a
 * stream step emits nothing for data it refuses.  Sources:
 * gemini.c (chat request), gemini_resp.c (answers, errors, stream),
 * gemini_util.c (path, embeddings, usage, estimates),
 * gemini_client.c, gemini_cl_opts.c, gemini_cl_answer.c (client).
 */
#ifndef NX_PROVIDER_GEMINI_H
#define NX_PROVIDER_GEMINI_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
struct cJSON;
struct usage;

enum gm_conv { GM_OK = 0, GM_NOMEM = -1, GM_INVALID = 1 };

/*
 * The upstream path for up_model: "/v1beta/models/<m>:generateContent",
 * ":streamGenerateContent?alt=sse" when stream, or
 * ":batchEmbedContents" when embed (embed wins over stream).  A
 * leading "models/" of up_model is dropped; the rest is
 * percent-encoded where it is not [A-Za-z0-9._-].  Writes into out;
 * -1 (out empty) when it does not fit or up_model is NULL or empty.
 */
int	 gm_up_path(char *out, size_t outsz, const char *up_model,
	    int stream, int embed);
/* The same for any method: suffix is ":countTokens", say. */
int	 gm_up_method_path(char *out, size_t outsz, const char *up_model,
	    const char *suffix);

/*
 * Upstream request: chat -> GenerateContentRequest.  system/developer
 * messages -> systemInstruction {parts [{text}]}; user -> role user,
 * assistant -> role model; content parts: text -> {text}, image_url
 * with a data: URL -> {inlineData {mimeType, data}}, other URLs ->
 * {fileData {fileUri, mimeType guessed or "image/jpeg"}}; assistant
 * tool_calls -> {functionCall {name, args (parsed object)}}; tool
 * messages -> role user {functionResponse {name (from the matching
 * tool call id earlier in the conversation, else the tool_call_id),
 * response {"content": text or the parsed JSON object}}}; consecutive
 * same-role contents merged.  tools (function) -> tools
 * [{functionDeclarations [{name, description, parameters}]}];
 * tool_choice none/auto/required/named -> toolConfig
 * functionCallingConfig mode NONE/AUTO/ANY (+allowedFunctionNames);
 * generationConfig from temperature, top_p -> topP, max(_completion)_
 * tokens -> maxOutputTokens, stop -> stopSequences, n ->
 * candidateCount, seed, presence/frequency_penalty,
 * response_format json_object -> responseMimeType application/json,
 * json_schema -> responseMimeType + responseSchema (its "schema"),
 * reasoning_effort -> thinkingConfig.thinkingBudget (low 1024, medium
 * 8192, high 24576).  AN_INVALID-like GM_INVALID with param and msg for
 * what cannot be expressed (audio input, logprobs).
 *
 * Clarified:
 *  - Every member is type-checked (the chat validator checks little):
 *    a wrong type, an unknown content part or role is GM_INVALID with
 *    param like "messages[2].content[0].image_url.url" and msg
 *    "Invalid '<param>': why" (NUL-terminated, truncated to size); a
 *    body that is not an object gives param "".  *out is a new tree on
 *    GM_OK, else NULL.
 *  - GM_INVALID also for: input_audio parts, file parts given only by
 *    file_id (file_data -> inlineData, application/pdf when not a data:
 *    URL), image URLs neither data: nor http(s)/gs, tool calls and
 *    tools other than function, arguments that are not a JSON object
 *    (empty = {}), logprobs true, top_logprobs, audio, modalities with
 *    "audio", n outside 1..8, seed outside int32, unknown
 *    reasoning_effort, response_format other than text/json_object/
 *    json_schema, a conversation with no content left.
 *  - Empty text parts are dropped (Gemini refuses them) and a message
 *    left without parts is skipped; a conversation of system messages
 *    only sends them as the user turn.  Legacy function_call and role
 *    "function" messages convert like tool_calls and tool messages.
 *  - JSON Schemas (parameters, json_schema.schema) are cut down to
 *    Gemini's Schema subset: unknown members ($schema,
 *    additionalProperties, strict, $ref...) dropped, ["t","null"] ->
 *    t + nullable, oneOf -> anyOf, string const -> enum, formats other
 *    than enum/date-time/int32/int64/float/double dropped.
 *  - tool_choice allowed_tools -> ANY (required) or VALIDATED (auto)
 *    with allowedFunctionNames; toolConfig is only sent with tools.
 *  - reasoning_effort also: none 0, minimal 512, xhigh and max 24576.
 *  - Thought signatures (Gemini 3 refuses unsigned function calls in
 *    the history): a tool call's extra_content.google.thought_signature
 *    (what gm_up_response returns) becomes the part's thoughtSignature;
 *    otherwise the first functionCall of a message gets the documented
 *    "skip_thought_signature_validator".
 *  - stream, stream_options, user, metadata, store, service_tier,
 *    parallel_tool_calls and other chat-only members are dropped.
 */
enum gm_conv gm_up_request(const struct cJSON *chat, struct cJSON **out,
	    char *param, size_t paramsz, char *msg, size_t msgsz);

/*
 * Upstream answer: GenerateContentResponse -> chat.completion (id
 * "chatcmpl-" + responseId or idbase, model = the client's name,
 * created, choices per candidate: text parts joined (parts with
 * "thought": true -> reasoning_content), functionCall parts ->
 * tool_calls with id "call_" + idbase + "_" + n, arguments = JSON text
 * of args; finish_reason; usage from usageMetadata).  A response whose
 * promptFeedback.blockReason is set and that has no candidates becomes
 * one choice with empty content and finish_reason content_filter.
 * NULL when resp is not such an object or on allocation failure.
 * Clarified: the choice index is the candidate's "index" (else its
 * position); content is null when the candidate has only calls, else
 * the text ("" when none); a call's thoughtSignature comes back as
 * extra_content.google.thought_signature (Gemini's own OpenAI
 * endpoint does the same); usage is left out when usageMetadata has no
 * count.  Any candidate that is not an object, content or parts of the
 * wrong type, a part that is not an object, text that is not a string,
 * a functionCall without a name or with non-object args make it NULL;
 * parts of other kinds (executableCode...) are skipped.
 */
struct cJSON *gm_up_response(const struct cJSON *resp, const char *model,
	    const char *idbase, int64_t created);

/*
 * Upstream error body ({"error":{"code","message","status"}}) -> OpenAI
 * error object: INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE ->
 * invalid_request_error; UNAUTHENTICATED -> invalid_api_key;
 * PERMISSION_DENIED -> permission_error; NOT_FOUND -> not_found;
 * RESOURCE_EXHAUSTED -> rate_limit_error; others -> upstream_error.
 * NULL when body is not a Gemini error.
 * Clarified: the result is {"error":{"message","type","param":null,
 * "code"}} with code "invalid_api_key" (type invalid_request_error),
 * "not_found" (type invalid_request_error), "rate_limit_exceeded", or
 * null; without status the HTTP code (400/401/403/404/429) decides;
 * without message the status is the message.  The [{"error":...}]
 * form (a stream without alt=sse) is accepted; trailing bytes are not.
 * Masking of secrets is the caller's.
 */
struct cJSON *gm_up_error(const char *body, size_t n);

/* Emits one chat.completion.chunk or OpenAI error object (owned). */
typedef int (*gm_chunk_fn)(void *arg, const struct cJSON *chunk);

/*
 * Upstream stream: each SSE data is a GenerateContentResponse ->
 * chat chunks.  The first emits delta {role assistant, content ""};
 * text parts -> content deltas; thought parts -> reasoning_content;
 * functionCall parts -> a tool_calls delta each (whole arguments in one
 * delta, new index per call); a finishReason -> a chunk with
 * finish_reason.  usageMetadata is kept (the last wins).  Gemini has no
 * end marker: gm_up_stream_end (called when the upstream closed
 * cleanly) emits the usage chunk (choices []) and sets done; it
 * returns 1 without emitting when no finishReason was ever seen (a
 * truncated stream).  An {"error":...} data emits an OpenAI error
 * object and sets failed.
 * Clarified: only the first candidate is streamed (choice 0); parts
 * after the finishReason are dropped; usage is still read.  The usage
 * chunk is sent only when some usageMetadata had a count (else the end
 * just sets done).  Every chunk: id "chatcmpl-" + idbase, object
 * chat.completion.chunk, created, model, choices [{index 0, delta,
 * logprobs null, finish_reason}], no usage member; tool call ids as in
 * gm_up_response.  gm_up_stream_data returns 0, -1 for data that is not
 * a well-formed GenerateContentResponse (nothing emitted, the state
 * untouched) or allocation failure, or emit's non-zero value (which
 * stops the conversion).  After done or failed both functions return 0
 * and emit nothing.
 */
struct gm_up_stream {
	char		 id[96];
	char		 model[128];
	int64_t		 created;
	int		 started;
	int		 finished;	/* a finishReason was seen */
	int		 done;
	int		 failed;
	int		 ntools;
	int		 have_usage;
	int64_t		 prompt, cached, candidates, thoughts;
};
void	 gm_up_stream_init(struct gm_up_stream *s, const char *model,
	    const char *idbase, int64_t created);
int	 gm_up_stream_data(struct gm_up_stream *s, const char *data,
	    size_t n, gm_chunk_fn emit, void *arg);
int	 gm_up_stream_end(struct gm_up_stream *s, gm_chunk_fn emit,
	    void *arg);

/*
 * Upstream embeddings: an OpenAI CreateEmbeddingRequest (input string,
 * string[]; token arrays GM_INVALID) -> BatchEmbedContentsRequest
 * {requests [{model "models/<up_model>", content {parts [{text}]},
 * outputDimensionality (from dimensions)}]}.
 * Clarified: an up_model already starting with "models/" is not
 * prefixed twice; GM_INVALID (param "input", "input[i]" or
 * "dimensions") for a missing, empty or non-string input and a
 * dimensions that is not an integer >= 1.
 */
enum gm_conv gm_up_embed_request(const struct cJSON *req,
	    const char *up_model, struct cJSON **out, char *param,
	    size_t paramsz, char *msg, size_t msgsz);
/*
 * BatchEmbedContentsResponse {embeddings [{values}]} -> OpenAI
 * embedding list {object list, data [{object embedding, index,
 * embedding}], model, usage {prompt_tokens, total_tokens}} with
 * prompt_tokens = est_tokens (Gemini reports none); base64 when b64.
 * NULL when malformed.
 * Clarified: base64 is of little-endian float32, as OpenAI sends it;
 * malformed = no embeddings array, an empty one, an entry without a
 * non-empty values array, or a value that is not a finite number
 * within float range.  A negative est_tokens counts as 0.
 */
struct cJSON *gm_up_embed_response(const struct cJSON *resp,
	    const char *model, int64_t est_tokens, int b64);

/*
 * Client request: a GenerateContentRequest (the model comes from the
 * path) -> validated chat request for up_model; the reverse of
 * gm_up_request.  Validation (GM_INVALID, param like
 * "contents[1].parts[0]"): contents non-empty array of {role user|model
 * (absent = user), parts non-empty array}; part kinds text, inlineData
 * {mimeType, data}, fileData {fileUri}, functionCall {name, args},
 * functionResponse {name, response}; systemInstruction {parts};
 * tools[].functionDeclarations; toolConfig; generationConfig fields
 * with their types (temperature number, maxOutputTokens integer >= 1,
 * candidateCount 1..8, stopSequences array of strings...).
 * functionCall parts get ids "call_" + index so the following
 * functionResponse parts (matched by name, in order) refer to them.
 * When stream, stream_options.include_usage = true.
 *
 * Clarified:
 *  - camelCase and snake_case field names are both read (Gemini's JSON
 *    mapping takes both); params name the camelCase one.  Role
 *    "function" reads as user.  A part holds exactly one kind; thought
 *    text of model turns is dropped; other kinds (executableCode...)
 *    are GM_INVALID, so are inlineData other than image/...,
 *    audio/wav, audio/mp3 (input_audio) and application/pdf (file),
 *    fileData that is not an image at an http(s) URL, cachedContent,
 *    tools other than functionDeclarations, responseLogprobs,
 *    speechConfig, responseModalities other than TEXT and
 *    responseMimeType other than text/plain and application/json.
 *  - index counts functionCall parts from 0 over the conversation;
 *    a functionCall's own "id" is used instead when given, and a
 *    functionResponse's own "id" as its tool_call_id.  Responses match
 *    the unanswered calls of the previous model turn; one without a
 *    call to answer is GM_INVALID.  A response {"content": "text"}
 *    becomes that text, any other response its JSON text.
 *  - systemInstruction (parts joined with "\n", or a bare string) ->
 *    a system message; user turns: functionResponse parts -> tool
 *    messages first, then the rest (one text -> a string content).
 *  - generationConfig: temperature, topP, candidateCount (n),
 *    maxOutputTokens (max_completion_tokens), stopSequences (stop),
 *    presencePenalty, frequencyPenalty, seed; topK checked and dropped;
 *    responseMimeType application/json -> json_object, with
 *    responseSchema (types lower-cased, nullable -> type array) or
 *    responseJsonSchema -> json_schema named "response";
 *    thinkingConfig: thinkingLevel as reasoning_effort, thinkingBudget
 *    < 4096 low, < 16384 medium, else high (0 and -1: none sent).
 *  - toolConfig NONE none, AUTO auto, ANY required / the one named
 *    function / allowed_tools required, VALIDATED allowed_tools auto;
 *    sent only with tools.  safetySettings are dropped.
 */
enum gm_conv gm_cl_request(const struct cJSON *req, const char *up_model,
	    int stream, struct cJSON **out, char *param, size_t paramsz,
	    char *msg, size_t msgsz);

/*
 * Client answer: chat.completion -> GenerateContentResponse
 * {candidates [{content {role model, parts}, finishReason, index}],
 * usageMetadata, modelVersion (the client's model), responseId}.
 * NULL when chat has no choices or on allocation failure.
 * Clarified: parts are reasoning_content -> {text, thought: true},
 * the text (content string or text parts joined; the refusal when
 * there is no text), tool calls -> {functionCall {name, args}} (args
 * {} when the arguments are not a JSON object; extra_content.google.
 * thought_signature -> thoughtSignature); [{text ""}] when there is
 * nothing.  responseId = idbase.  usageMetadata only when chat had
 * usage.  A choice that is not an object or has no message, tool_calls
 * that are not an array, a call without a name: NULL.
 */
struct cJSON *gm_cl_response(const struct cJSON *chat, const char *model,
	    const char *idbase);

/* Google's canonical status name for an HTTP status ("INTERNAL" ...). */
const char *gm_status_name(int status);
/* Gemini error object {"error":{"code","message","status"}}. */
struct cJSON *gm_cl_error(int code, const char *status,
	    const char *message);

/* Emits one GenerateContentResponse of the client stream (owned). */
typedef int (*gm_resp_fn)(void *arg, const struct cJSON *resp);

/*
 * Client stream: chat chunks -> GenerateContentResponse objects, one
 * per chunk that carries content, reasoning, finished tool calls or a
 * finish_reason (tool call arguments are collected until the call is
 * complete: the next call index, a finish_reason or the end; up to 64
 * calls of up to 1 MiB arguments each).  The usage chunk (choices [])
 * is kept; a finish_reason is held back, and gm_cl_stream_done emits the
 * last response with the finishReason and usageMetadata together, as
 * Gemini ends its streams.
 * Clarified: only choice 0 is used; every response has one candidate
 * {content {role model, parts}, finishReason?, index 0}, modelVersion
 * and responseId (= idbase), parts never empty ([{text ""}]); a
 * collected call the upstream never named is dropped.  Chunks that are
 * not objects or lack a choice 0 are ignored (their usage is still
 * read).  gm_cl_stream_done sends nothing when the finishReason was
 * sent, no call is open and no usage came; it runs once.  Both return
 * 0, -1 on allocation failure or a cap (the 65th call, arguments over
 * 1 MiB), or emit's non-zero value.
 */
struct gm_cl_stream {
	char		 id[96];
	char		 model[128];
	int		 ended;
	int		 have_usage;
	int64_t		 prompt, cached, completion, reasoning;
	char		 finish[32];
	int		 finish_sent;
	int		 call_open;	/* index + 1 of the collected call */
	struct buf	 call_name;
	struct buf	 call_args;
	int		 ncalls;	/* calls opened so far (cap 64) */
};
void	 gm_cl_stream_init(struct gm_cl_stream *s, const char *idbase,
	    const char *model);
int	 gm_cl_stream_chunk(struct gm_cl_stream *s, const struct cJSON *chunk,
	    gm_resp_fn emit, void *arg);
int	 gm_cl_stream_done(struct gm_cl_stream *s, gm_resp_fn emit,
	    void *arg);
void	 gm_cl_stream_free(struct gm_cl_stream *s);

/*
 * Reads usageMetadata into u per the mapping above.  1 when it had a
 * token count, else 0 (u untouched).
 */
int	 gm_usage_read(const struct cJSON *meta, struct usage *u);
/* Estimated output tokens of one GenerateContentResponse (text parts). */
int64_t	 gm_response_output_tokens(const struct cJSON *resp);
/* Estimated input tokens of a GenerateContentRequest. */
int64_t	 gm_request_input_tokens(const struct cJSON *req);
#endif
