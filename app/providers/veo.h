/*
 * veo.h: Veo video jobs on a `gemini` channel, through the Gemini API's
 * long-running operations (ai.google.dev, "Generate videos with Veo"):
 *
 *   POST {base}/v1beta/models/{model}:predictLongRunning
 *        {"instances":[{"prompt"}],"parameters":{"aspectRatio",
 *         "durationSeconds","sampleCount":1}}  -> {"name": "models/.../
 *        operations/..."}
 *   GET  {base}/v1beta/{name}  -> google.longrunning.Operation {name,
 *        done, response {generateVideoResponse {generatedSamples
 *        [{video {uri}}]}} | error {code, message}}
 *   GET  {uri}                 -> the video bytes (same API key)
 *
 * Pure JSON building and parsing (cJSON only): the handlers
 * (handlers/video.c, video_poll.c) choose path and body per channel and
 * turn an operation into the VideoResource-shaped object they already
 * store.  Every input is untrusted; malformed input gives NULL / -1,
 * never a half-built result.
 */
#ifndef NX_PROVIDERS_VEO_H
#define NX_PROVIDERS_VEO_H

#include <stddef.h>

struct cJSON;

#define VEO_NAME_MAX	255	/* an operation name we store */
#define VEO_URI_MAX	2048	/* a sample's video uri */

/*
 * The aspect ratio of a VideoSize: "16:9" for 1280x720 and 1792x1024,
 * "9:16" for 720x1280 and 1024x1792; NULL for anything else.
 */
const char *veo_aspect(const char *size);
/*
 * "/v1beta/models/{model}:predictLongRunning" into out (outsz); -1 when
 * model is empty, not [A-Za-z0-9._-] or does not fit.
 */
int	 veo_create_path(char *out, size_t outsz, const char *model);
/*
 * The predictLongRunning body for prompt; size (a VideoSize) and
 * seconds ("1".."60") may be NULL (then left to the upstream).  Returns
 * malloc'd text (cJSON_free), or NULL on a bad size or seconds, an
 * empty prompt or allocation failure.
 */
char	*veo_create_body(const char *prompt, const char *size,
	    const char *seconds);
/*
 * 1 when name is an operation name safe to append to "/v1beta/":
 * "models/<seg>/operations/<seg>" or "operations/<seg>", each segment
 * [A-Za-z0-9._-]{1,} and not "." or "..", at most VEO_NAME_MAX bytes.
 */
int	 veo_op_name_ok(const char *name);
/*
 * An Operation answer (p, n bytes) as a VideoResource-shaped object the
 * video handlers merge: {"id": name, "status", "progress", "error"}.
 * status: "in_progress" (created: "queued") while done is false or
 * absent; "completed" with progress 100 when the response holds a
 * sample with a video uri (copied to uri, of urisz bytes); "failed" with
 * error {code "video_generation_failed", message} when done with an
 * error, or done with no usable sample (code "video_no_sample": e.g.
 * every sample filtered).  created: the first answer (queued, not
 * in_progress).  Returns the object (owned by the caller, cJSON_Delete),
 * or NULL when the answer is not an Operation with a valid name.
 */
struct cJSON *veo_op_parse(const char *p, size_t n, int created,
	    char *uri, size_t urisz);
/*
 * The path part of uri when uri lies under base (the channel's base
 * URL, trailing '/' ignored), so the channel's key may go with it:
 * uri = base + "/" + rest.  Returns a pointer into uri at that "/", or
 * NULL when uri is elsewhere or holds bytes outside printable ASCII or
 * a space.
 */
const char *veo_uri_path(const char *base, const char *uri);

#endif
