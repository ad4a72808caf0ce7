/*
 * err.h: the one error enum of the runtime and its mapping to HTTP.
 *
 * Every function that can fail for a reason a client may see returns an
 * enum err (ERR_OK == 0).  err_http() gives the HTTP status, the OpenAI
 * error "type" and "code" and a default message (API.md section 2).
 */
#ifndef NX_ERR_H
#define NX_ERR_H

enum err {
	ERR_OK = 0,
	ERR_NOMEM,		/* 500 allocation or arena cap */
	ERR_INTERNAL,		/* 500 programmer or system error */
	ERR_BAD_REQUEST,	/* 400 bad JSON / missing or invalid field */
	ERR_AUTH,		/* 401 invalid_api_key */
	ERR_QUOTA,		/* 402 insufficient_quota */
	ERR_MODEL_NOT_ALLOWED,	/* 403 */
	ERR_IP_NOT_ALLOWED,	/* 403 */
	ERR_USER_DISABLED,	/* 403 */
	ERR_NOT_FOUND,		/* 404 unknown path */
	ERR_MODEL_NOT_FOUND,	/* 404 unknown model */
	ERR_METHOD,		/* 405 */
	ERR_TOO_LARGE,		/* 413 */
	ERR_RATE_LIMIT,		/* 429 */
	ERR_UPSTREAM,		/* 502 bad_upstream_response */
	ERR_NO_CHANNEL,		/* 503 no_available_channel */
	ERR_DB,			/* 503 service_unavailable */
	ERR_TIMEOUT,		/* 504 upstream_timeout */
	ERR_CLIENT_GONE,	/* 499-like: the client went away, nothing sent */
	ERR__MAX
};

struct err_info {
	int		 status;
	const char	*type;
	const char	*code;
	const char	*message;
};

/* Returns the static row for e (never NULL; out-of-range maps to 500). */
const struct err_info	*err_http(enum err e);

#endif
