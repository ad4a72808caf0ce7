/*
 * err.c: the table behind err_http().  The rows follow API.md section 2;
 * the order must match enum err (checked by a static assertion).
 */
#include "err.h"

static const struct err_info err_tab[] = {
	[ERR_OK] = { 200, "", "", "" },
	[ERR_NOMEM] = { 500, "server_error", "internal_error",
	    "The server ran out of memory for this request" },
	[ERR_INTERNAL] = { 500, "server_error", "internal_error",
	    "Internal server error" },
	[ERR_BAD_REQUEST] = { 400, "invalid_request_error",
	    "invalid_request", "Invalid request" },
	[ERR_AUTH] = { 401, "invalid_request_error", "invalid_api_key",
	    "Incorrect API key provided" },
	[ERR_QUOTA] = { 402, "insufficient_quota", "insufficient_quota",
	    "Insufficient quota" },
	[ERR_MODEL_NOT_ALLOWED] = { 403, "permission_error",
	    "model_not_allowed", "This key may not use this model" },
	[ERR_IP_NOT_ALLOWED] = { 403, "permission_error", "ip_not_allowed",
	    "This key may not be used from this address" },
	[ERR_USER_DISABLED] = { 403, "permission_error", "user_disabled",
	    "The user owning this key is disabled" },
	[ERR_NOT_FOUND] = { 404, "invalid_request_error", "not_found",
	    "Unknown request URL" },
	[ERR_MODEL_NOT_FOUND] = { 404, "invalid_request_error",
	    "model_not_found", "The model does not exist" },
	[ERR_METHOD] = { 405, "invalid_request_error", "method_not_allowed",
	    "Method not allowed" },
	[ERR_TOO_LARGE] = { 413, "invalid_request_error",
	    "request_too_large", "Request body too large" },
	[ERR_RATE_LIMIT] = { 429, "rate_limit_error", "rate_limit_exceeded",
	    "Rate limit reached" },
	[ERR_UPSTREAM] = { 502, "upstream_error", "bad_upstream_response",
	    "The upstream provider failed" },
	[ERR_NO_CHANNEL] = { 503, "service_unavailable",
	    "no_available_channel", "No available channel for this model" },
	[ERR_DB] = { 503, "service_unavailable", "service_unavailable",
	    "The service is temporarily unavailable" },
	[ERR_TIMEOUT] = { 504, "upstream_error", "upstream_timeout",
	    "The upstream provider timed out" },
	[ERR_CLIENT_GONE] = { 499, "client_error", "client_gone",
	    "The client closed the connection" },
};

_Static_assert(sizeof(err_tab) / sizeof(err_tab[0]) == ERR__MAX,
    "err_tab must have one row per enum err");

const struct err_info *
err_http(enum err e)
{
	if ((int)e < 0 || e >= ERR__MAX)
		return &err_tab[ERR_INTERNAL];
	return &err_tab[e];
}
