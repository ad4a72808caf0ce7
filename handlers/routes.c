/*
 * routes.c: the route table (API.md 4).  Order matters only where two
 * patterns could match the same path: the literal one comes first.
 */
#include <stddef.h>

#include "handlers/handlers.h"
#include "router.h"

const struct route routes_table[] = {
	{ "POST", "/v1/chat/completions", h_chat_completions, RAUTH_OPENAI,
	    RBODY_JSON, "chat" },
	{ "GET", "/v1/models", h_models_list, RAUTH_ANTHROPIC, RBODY_NONE,
	    "models" },
	{ "GET", "/v1/models/*", h_models_get, RAUTH_ANTHROPIC, RBODY_NONE,
	    "model" },
	{ "GET", "/healthz", h_health_live, RAUTH_NONE, RBODY_NONE,
	    "healthz" },
	{ "GET", "/readyz", h_health_ready, RAUTH_NONE, RBODY_NONE,
	    "readyz" },
};

const size_t routes_count = sizeof(routes_table) / sizeof(routes_table[0]);
