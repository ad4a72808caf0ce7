/*
 * openai.h: the OpenAI protocol adapter (chat completions today).  The
 * client speaks OpenAI and so does an openai channel, so "conversion" is
 * mostly pass-through with the gateway's own needs applied: the model
 * name mapping, usage always requested upstream, and usage chunks the
 * client did not ask for removed again.  Depends on cJSON and billing
 * types only (no db, no FastCGI).
 */
#ifndef NX_PROVIDER_OPENAI_H
#define NX_PROVIDER_OPENAI_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct usage;

/*
 * Rewrites the client's chat request for the upstream in place: model =
 * up_model; when stream, stream_options.include_usage = true (the gateway
 * always needs usage).  Returns 0 or -1 on allocation failure.
 */
int	 oa_chat_request(struct cJSON *body, const char *up_model, int stream);
/*
 * Reads an OpenAI usage object (CompletionUsage) into u: prompt,
 * completion, cached and reasoning tokens.  Returns 1 when usage was an
 * object with token counts, else 0 (u untouched).
 */
int	 oa_usage_read(const struct cJSON *usage, struct usage *u);
/* Estimated tokens of what a chunk delivers (content, refusal, tools). */
int64_t	 oa_chunk_output_tokens(const struct cJSON *chunk);
/* Estimated tokens of a whole non-stream response's choices. */
int64_t	 oa_response_output_tokens(const struct cJSON *resp);

enum oa_chunk_verdict { OA_FORWARD, OA_DROP };
/*
 * Prepares one upstream chunk for the client: records usage into u (and
 * *have_usage = 1) when present; drops the usage-only chunk (choices [])
 * when the client did not ask for include_usage, and otherwise nulls
 * usage on the chunk; makes sure ordinary chunks carry "usage": null when
 * the client asked for usage; puts the client's model name back when
 * mapped (client_model non-NULL).
 */
enum oa_chunk_verdict oa_chat_chunk(struct cJSON *chunk,
	    const char *client_model, int client_usage, struct usage *u,
	    int *have_usage);
/*
 * Builds the client-facing error JSON (API.md 2 shape) from an upstream
 * error body: message, type, param and code are kept; API keys ("sk-...")
 * and URLs in the message are masked.  Returns malloc'd text (free with
 * cJSON_free), or NULL when body is not an OpenAI error object.
 */
char	*oa_error_masked(const char *body, size_t n);
/*
 * Masks secrets in s in place: every "sk-" run of key characters becomes
 * "sk-***", every "http://" or "https://" URL becomes "<upstream>".
 */
void	 oa_mask(char *s);

#endif
