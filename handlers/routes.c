/*
 * routes.c: the route table (API.md 4).  Order matters only where two
 * patterns could match the same path: the literal one comes first.  The
 * last field is the error shape the route answers in (API.md 2).
 */
#include <stddef.h>

#include "handlers/handlers.h"
#include "router.h"

const struct route routes_table[] = {
	{ "POST", "/v1/chat/completions", h_chat_completions, RAUTH_OPENAI,
	    RBODY_JSON, "chat", RD_OPENAI },
	{ "POST", "/v1/images/generations", h_images_generations,
	    RAUTH_OPENAI, RBODY_JSON, "images_generations", RD_OPENAI },
	{ "POST", "/v1/images/edits", h_images_edits, RAUTH_OPENAI,
	    RBODY_MULTIPART, "images_edits", RD_OPENAI },
	{ "POST", "/v1/responses", h_responses_create, RAUTH_OPENAI,
	    RBODY_JSON, "responses", RD_OPENAI },
	{ "POST", "/v1/completions", h_completions_create, RAUTH_OPENAI,
	    RBODY_JSON, "completions", RD_OPENAI },
	{ "GET", "/v1/models", h_models_list, RAUTH_ANTHROPIC, RBODY_NONE,
	    "models", RD_OPENAI },
	{ "GET", "/v1/models/*", h_models_get, RAUTH_ANTHROPIC, RBODY_NONE,
	    "model", RD_OPENAI },
	{ "POST", "/v1/embeddings", h_embeddings, RAUTH_OPENAI, RBODY_JSON,
	    "embeddings", RD_OPENAI },
	{ "POST", "/v1/moderations", h_moderations, RAUTH_OPENAI, RBODY_JSON,
	    "moderations", RD_OPENAI },
	{ "POST", "/v1/rerank", h_rerank, RAUTH_OPENAI, RBODY_JSON,
	    "rerank", RD_OPENAI },
	{ "POST", "/v1/audio/speech", h_audio_speech, RAUTH_OPENAI,
	    RBODY_JSON, "audio_speech", RD_OPENAI },
	{ "POST", "/v1/audio/transcriptions", h_audio_transcriptions,
	    RAUTH_OPENAI, RBODY_MULTIPART, "audio_transcriptions", RD_OPENAI },
	{ "POST", "/v1/audio/translations", h_audio_translations,
	    RAUTH_OPENAI, RBODY_MULTIPART, "audio_translations", RD_OPENAI },
	{ "POST", "/v1/videos", h_video_create, RAUTH_OPENAI,
	    RBODY_MULTIPART, "videos", RD_OPENAI },
	{ "GET", "/v1/videos/*", h_video_get, RAUTH_OPENAI, RBODY_NONE,
	    "video", RD_OPENAI },
	{ "GET", "/v1/videos/*/content", h_video_content, RAUTH_OPENAI,
	    RBODY_NONE, "video_content", RD_OPENAI },
	{ "POST", "/v1/video/generations", h_video_gen_create, RAUTH_OPENAI,
	    RBODY_JSON, "video_generations", RD_OPENAI },
	{ "GET", "/v1/video/generations/*", h_video_gen_get, RAUTH_OPENAI,
	    RBODY_NONE, "video_generation", RD_OPENAI },
	{ "POST", "/v1/messages", h_messages, RAUTH_ANTHROPIC, RBODY_JSON,
	    "messages", RD_ANTHROPIC },
	{ "POST", "/v1/messages/count_tokens", h_messages_count_tokens,
	    RAUTH_ANTHROPIC, RBODY_JSON, "messages_count_tokens",
	    RD_ANTHROPIC },
	{ "GET", "/v1beta/models", h_gemini_models_list, RAUTH_GEMINI,
	    RBODY_NONE, "gemini_models", RD_GEMINI },
	{ "GET", "/v1beta/models/*", h_gemini_model, RAUTH_GEMINI,
	    RBODY_NONE, "gemini_model", RD_GEMINI },
	{ "POST", "/v1beta/models/*", h_gemini_post, RAUTH_GEMINI,
	    RBODY_JSON, "gemini_generate", RD_GEMINI },
	/* The management API: h_api routes, authenticates and answers. */
	{ "GET", "/api/**", h_api, RAUTH_NONE, RBODY_NONE, "api", RD_OPENAI },
	{ "POST", "/api/**", h_api, RAUTH_NONE, RBODY_JSON, "api", RD_OPENAI },
	{ "PUT", "/api/**", h_api, RAUTH_NONE, RBODY_JSON, "api", RD_OPENAI },
	{ "PATCH", "/api/**", h_api, RAUTH_NONE, RBODY_JSON, "api", RD_OPENAI },
	{ "DELETE", "/api/**", h_api, RAUTH_NONE, RBODY_JSON, "api",
	    RD_OPENAI },
	{ "GET", "/healthz", h_health_live, RAUTH_NONE, RBODY_NONE,
	    "healthz", RD_OPENAI },
	{ "GET", "/readyz", h_health_ready, RAUTH_NONE, RBODY_NONE,
	    "readyz", RD_OPENAI },
};

const size_t routes_count = sizeof(routes_table) / sizeof(routes_table[0]);
