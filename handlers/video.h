/*
 * video.h: what the two halves of the video endpoints share:
 * handlers/video.c (validation, multipart, creation and its charge) and
 * handlers/video_poll.c (reading jobs back, polling the upstream, the
 * refund of a failed job, rendering, content).
 *
 * A task's data column is a JSON object kept by these files only:
 *   api           "videos" or "generations" (the family that made it)
 *   unlimited     the key was unlimited when its price was held (a refund
 *                 then leaves remain_quota alone, as the hold did)
 *   rid           request id of the creation
 *   prompt        the first VID_PROMPT_STORE bytes of the prompt
 *   size, seconds, progress, completed_at, expires_at, error
 *                 the VideoResource fields last heard from upstream
 *   veo_uri       gemini channels: the finished sample's video uri
 *                 (providers/veo.h), fetched by the content endpoint
 */
#ifndef NX_HANDLERS_VIDEO_H
#define NX_HANDLERS_VIDEO_H

#include <stddef.h>

#include "err.h"

struct cJSON;
struct channel;
struct req;
struct video_task;

#define VID_ANSWER_MAX		(1u << 20)	/* an upstream job object */
#define VID_PROMPT_STORE	8000		/* bytes of prompt kept */

enum vid_api { VID_API_VIDEOS, VID_API_GENERATIONS };

/* A validated creation request. */
struct vid_req {
	enum vid_api	 api;
	const char	*model;
	const char	*prompt;
	const char	*size;		/* NULL: the upstream's default */
	const char	*seconds;	/* NULL: the upstream's default */
	struct cJSON	*up;		/* CreateVideoJsonBody for upstream */
	char		*veo_body;	/* its Veo form, built on first use */
};

/* VideoSize values (openai-openapi.yaml), NULL-terminated. */
extern const char *const vid_sizes[];

/* 1 when s is queued, in_progress, completed or failed. */
int	 vid_status_ok(const char *s);
/* 1 when an upstream job id is safe in a URL path: [A-Za-z0-9._:-]{1,255}. */
int	 vid_upstream_id_ok(const char *s);
/* 1 when ch runs video jobs as Veo operations (type gemini). */
int	 vid_is_veo(const struct channel *ch);
/* Copies u.veo_uri (a string) into d; nothing when absent. */
void	 vid_keep_veo_uri(struct cJSON *d, const struct cJSON *u);
/* Sets d.prompt to prompt cut to VID_PROMPT_STORE bytes (whole chars). */
void	 vid_store_prompt(struct cJSON *d, const char *prompt);
/*
 * Copies the well-formed VideoResource fields of upstream answer u
 * (progress, completed_at, expires_at, error, size, seconds) into the
 * data object d; anything malformed is left out.  Error text is masked.
 */
void	 vid_merge(struct cJSON *d, const struct cJSON *u);
/*
 * Answers task t: a VideoResource, or a VideoGenerationResponse when api
 * is VID_API_GENERATIONS.  ERR_OK or ERR_NOMEM (nothing sent).
 */
enum err vid_answer(struct req *r, const struct video_task *t,
	    enum vid_api api);

#endif
