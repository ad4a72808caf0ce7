/*
 * api.c: the management API's front door (docs/admin-api.md).  routes.c
 * sends every /api/ request here (h_api); this file finds the route in
 * its own table, authenticates the caller, enforces CSRF and the route's
 * role, parses the JSON body, runs the handler and writes every answer
 * in the envelope {"success", "message", "data"}.
 *
 * Authentication, in this order:
 *   1. "Authorization: Bearer nxp_<48 base62>": a personal access token,
 *      looked up by its SHA-256; any other Authorization value is a 401.
 *   2. Cookie nx_session=<64 hex>: a console session, looked up by the
 *      SHA-256 of the cookie value (sessions.id), unexpired.
 * Either way the user must be live; a disabled one gets 403.  A request
 * authenticated by the cookie that changes state (any method but GET and
 * HEAD) must carry X-CSRF-Token equal to its session's token, compared in
 * constant time; a token carried by a header cannot be sent by another
 * site's form, and the cookie is SameSite=Strict besides.  Tokens need no
 * CSRF token: a browser never attaches them by itself.
 *
 * The route's struct route becomes r->route, so the access line names
 * the API route (api_user_list, ...) rather than the catch-all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "handlers/admin/api.h"
#include "handlers/handlers.h"
#include "db_api.h"
#include "log.h"
#include "request.h"
#include "sec.h"

#define R(m, p, nm, role, body, fn) \
	{ { (m), (p), NULL, RAUTH_NONE, RBODY_NONE, (nm), RD_OPENAI }, \
	    (role), (body), (fn) }

/*
 * Paths without their trailing '/' ("/api/user/" is "/api/user").  "#"
 * is a numeric id, "*" any one segment (percent-decoded).  Literal
 * segments come before wildcards where both could match.
 */
static const struct api_route api_routes[] = {
	R("POST", "/api/user/login", "api_login", 0, 1, api_login),
	R("POST", "/api/user/logout", "api_logout", API_USER, 0, api_logout),
	R("GET", "/api/user/self", "api_self", API_USER, 0, api_self_get),
	R("PUT", "/api/user/self", "api_self_update", API_USER, 1,
	    api_self_put),
	R("GET", "/api/user/pat", "api_pat_list", API_USER, 0, api_pat_list),
	R("POST", "/api/user/pat", "api_pat_create", API_USER, 1,
	    api_pat_create),
	R("DELETE", "/api/user/pat/#", "api_pat_delete", API_USER, 0,
	    api_pat_delete),
	R("POST", "/api/user/redeem", "api_redeem", API_USER, 1, api_redeem),
	R("GET", "/api/status", "api_status", 0, 0, api_status),

	R("GET", "/api/user", "api_user_list", API_ADMIN, 0, api_user_list),
	R("POST", "/api/user", "api_user_create", API_ADMIN, 1,
	    api_user_create),
	R("GET", "/api/user/#", "api_user_get", API_ADMIN, 0, api_user_get),
	R("PUT", "/api/user/#", "api_user_update", API_ADMIN, 1,
	    api_user_update),
	R("DELETE", "/api/user/#", "api_user_delete", API_ADMIN, 0,
	    api_user_delete),
	R("POST", "/api/user/#/quota", "api_user_quota", API_ADMIN, 1,
	    api_user_quota),

	R("GET", "/api/token", "api_token_list", API_USER, 0, api_token_list),
	R("POST", "/api/token", "api_token_create", API_USER, 1,
	    api_token_create),
	R("GET", "/api/token/#", "api_token_get", API_USER, 0, api_token_get),
	R("PUT", "/api/token/#", "api_token_update", API_USER, 1,
	    api_token_update),
	R("DELETE", "/api/token/#", "api_token_delete", API_USER, 0,
	    api_token_delete),

	R("GET", "/api/channel", "api_channel_list", API_ADMIN, 0,
	    api_channel_list),
	R("POST", "/api/channel", "api_channel_create", API_ADMIN, 1,
	    api_channel_create),
	R("GET", "/api/channel/#", "api_channel_get", API_ADMIN, 0,
	    api_channel_get),
	R("PUT", "/api/channel/#", "api_channel_update", API_ADMIN, 1,
	    api_channel_update),
	R("DELETE", "/api/channel/#", "api_channel_delete", API_ADMIN, 0,
	    api_channel_delete),
	R("POST", "/api/channel/#/test", "api_channel_test", API_ADMIN, 0,
	    api_channel_test),

	R("GET", "/api/price", "api_price_list", API_ADMIN, 0, api_price_list),
	R("GET", "/api/price/*", "api_price_get", API_ADMIN, 0, api_price_get),
	R("PUT", "/api/price/*", "api_price_put", API_ADMIN, 1, api_price_put),
	R("DELETE", "/api/price/*", "api_price_delete", API_ADMIN, 0,
	    api_price_delete),

	R("GET", "/api/group", "api_group_list", API_ADMIN, 0, api_group_list),
	R("POST", "/api/group", "api_group_create", API_ADMIN, 1,
	    api_group_create),
	R("GET", "/api/group/*", "api_group_get", API_ADMIN, 0, api_group_get),
	R("PUT", "/api/group/*", "api_group_update", API_ADMIN, 1,
	    api_group_update),
	R("DELETE", "/api/group/*", "api_group_delete", API_ADMIN, 0,
	    api_group_delete),

	R("GET", "/api/redemption", "api_redemption_list", API_ADMIN, 0,
	    api_redemption_list),
	R("POST", "/api/redemption", "api_redemption_create", API_ADMIN, 1,
	    api_redemption_create),
	R("GET", "/api/redemption/export", "api_redemption_export", API_ADMIN,
	    0, api_redemption_export),
	R("GET", "/api/redemption/#", "api_redemption_get", API_ADMIN, 0,
	    api_redemption_get),
	R("PUT", "/api/redemption/#", "api_redemption_update", API_ADMIN, 1,
	    api_redemption_update),
	R("DELETE", "/api/redemption/#", "api_redemption_delete", API_ADMIN,
	    0, api_redemption_delete),

	R("GET", "/api/option", "api_option_list", API_ROOT, 0,
	    api_option_list),
	R("PUT", "/api/option", "api_option_put", API_ROOT, 1, api_option_put),

	R("GET", "/api/log", "api_log_list", API_USER, 0, api_log_list),
	R("GET", "/api/log/export", "api_log_export", API_USER, 0,
	    api_log_export),
	R("GET", "/api/usage", "api_usage", API_USER, 0, api_usage),
};

#define API_NROUTES	(sizeof(api_routes) / sizeof(api_routes[0]))

/* A short code per status for the access line's err= field. */
static const char *
code_of(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 429: return "rate_limited";
	case 503: return "service_unavailable";
	default: return "internal_error";
	}
}

static enum err
send(struct api *c, int status, int success, const char *msg, cJSON *data)
{
	cJSON	*o;
	char	*s;

	if ((o = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(data);
		return ERR_NOMEM;
	}
	cJSON_AddBoolToObject(o, "success", success);
	cJSON_AddStringToObject(o, "message", msg);
	if (data != NULL)
		cJSON_AddItemToObject(o, "data", data);
	else
		cJSON_AddNullToObject(o, "data");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return ERR_NOMEM;
	if (!success && c->r->err_code == NULL)
		c->r->err_code = code_of(status);
	req_send_json(c->r, status, s, strlen(s));
	cJSON_free(s);
	return ERR_OK;
}

enum err
api_ok(struct api *c, cJSON *data)
{
	return send(c, 200, 1, "", data);
}

enum err
api_fail(struct api *c, int status, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return send(c, status, 0, msg, NULL);
}

int
api_bad(struct api *c, const char *field, const char *fmt, ...)
{
	char	 msg[400];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_fail(c, 400, "%s: %s", field, msg);
	return -1;
}

enum err
api_404(struct api *c, const char *what)
{
	return api_fail(c, 404, "%s not found", what);
}

enum err
api_dberr(struct api *c, enum err e)
{
	switch (e) {
	case ERR_OK:
		return ERR_OK;
	case ERR_NOT_FOUND:
		return api_404(c, "object");
	case ERR_DB:
		log_err(c->r->rid, "api: database: %s", db_errmsg(c->r->db));
		return api_fail(c, 503, "The database is unavailable; try "
		    "again");
	case ERR_NOMEM:
		log_err(c->r->rid, "api: out of memory");
		return api_fail(c, 500, "Out of memory");
	default:
		log_err(c->r->rid, "api: internal error %d: %s", (int)e,
		    db_errmsg(c->r->db));
		return api_fail(c, 500, "Internal error");
	}
}

void
api_audit(struct api *c, const char *what)
{
	char	 name[160], w[200];

	log_escape(name, sizeof(name), c->me.username != NULL ?
	    c->me.username : "-");
	log_escape(w, sizeof(w), what != NULL ? what : "");
	log_info(c->r->rid, "api: %s by user %lld (%s, role %d, %s): %s",
	    c->route->rt.name, (long long)c->me.id, name, c->me.role,
	    c->via == API_VIA_PAT ? "token" : "session", w);
}

enum err
api_deleted(struct api *c, enum err e, const char *obj, const char *fmt,
    ...)
{
	char	 what[200];
	va_list	 ap;

	if (e == ERR_NOT_FOUND)
		return api_404(c, obj);
	if (e != ERR_OK)
		return e;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	api_audit(c, what);
	return api_ok(c, NULL);
}

/* "nxp_" + 48 base62. */
static int
pat_wellformed(const char *s)
{
	return strncmp(s, "nxp_", 4) == 0 && strlen(s) == 52 &&
	    strspn(s + 4, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz") == 48;
}

/* 0 with c->me set, or -1 after answering (401, 403, 503). */
static int
authenticate(struct api *c)
{
	struct req	*r = c->r;
	const char	*authz, *tok, *ck;
	char		 hash[SEC_HEX256], val[80], *csrf = NULL;
	int64_t		 pat_id;
	enum err	 e;

	authz = req_param(r, "HTTP_AUTHORIZATION");
	if (authz != NULL && *authz != '\0') {
		tok = authz + (strncasecmp(authz, "Bearer ", 7) == 0 ? 7 : 0);
		if (tok == authz || !pat_wellformed(tok)) {
			api_fail(c, 401, "Invalid access token");
			return -1;
		}
		sec_sha256_hex(tok, strlen(tok), hash);
		e = db_api_pat_auth(r->db, r->a, hash, &c->me, &pat_id);
		if (e == ERR_NOT_FOUND) {
			api_fail(c, 401, "Invalid access token");
			return -1;
		}
		c->via = API_VIA_PAT;
	} else {
		ck = api_cookie(req_param(r, "HTTP_COOKIE"), "nx_session",
		    val, sizeof(val));
		if (ck == NULL || strlen(ck) != 64 ||
		    strspn(ck, "0123456789abcdef") != 64) {
			api_fail(c, 401, "Not logged in");
			return -1;
		}
		sec_sha256_hex(ck, 64, c->sid);
		e = db_api_session_get(r->db, r->a, c->sid, &c->me, &csrf);
		if (e == ERR_NOT_FOUND) {
			api_fail(c, 401, "Not logged in");
			return -1;
		}
		c->via = API_VIA_SESSION;
		c->csrf = csrf;
	}
	if (e != ERR_OK) {
		api_dberr(c, e);
		return -1;
	}
	if (c->me.status != 1) {
		api_fail(c, 403, "Your account is disabled");
		return -1;
	}
	return 0;
}

/* 0 when a cookie-authenticated change carries its session's token. */
static int
csrf_ok(struct api *c, const char *method)
{
	const char	*h;
	size_t		 n;

	if (c->via != API_VIA_SESSION || strcmp(method, "GET") == 0)
		return 0;
	h = req_param(c->r, "HTTP_X_CSRF_TOKEN");
	n = c->csrf != NULL ? strlen(c->csrf) : 0;
	if (h == NULL || n == 0 || strlen(h) != n ||
	    !sec_ct_equal(h, c->csrf, n))
		return -1;
	return 0;
}

static void
cjson_free(void *p)
{
	cJSON_Delete(p);
}

/* Parses the body as a JSON object into c->body: 0, or -1 (400 sent). */
static int
parse_body(struct api *c)
{
	struct req	*r = c->r;

	if (r->body == NULL || r->body_len == 0) {
		api_fail(c, 400, "body: a JSON object is required");
		return -1;
	}
	if ((c->body = cJSON_ParseWithLength(r->body, r->body_len)) == NULL) {
		api_fail(c, 400, "body: not valid JSON");
		return -1;
	}
	arena_defer(r->a, cjson_free, c->body);
	if (!cJSON_IsObject(c->body)) {
		api_fail(c, 400, "body: must be a JSON object");
		return -1;
	}
	return 0;
}

/*
 * The route for method and path, with its wildcard segments in c; NULL
 * after answering 404 (no such path) or 405 (with Allow).
 */
static const struct api_route *
find(struct api *c, const char *method, const char *path)
{
	const struct api_route	*rt;
	const char		*args[2];
	char			 allow[64];
	size_t			 i, n = 0;
	int			 w;

	allow[0] = '\0';
	for (i = 0; i < API_NROUTES; i++) {
		rt = &api_routes[i];
		args[0] = args[1] = NULL;
		if (!api_match(c->r->a, rt->rt.path, path, args))
			continue;
		if (strcmp(rt->rt.method, method) == 0) {
			c->arg[0] = args[0];
			c->arg[1] = args[1];
			return rt;
		}
		w = snprintf(allow + n, sizeof(allow) - n, "%s%s",
		    n > 0 ? ", " : "", rt->rt.method);
		if (w > 0 && (size_t)w < sizeof(allow) - n)
			n += (size_t)w;
	}
	if (n == 0) {
		api_fail(c, 404, "Unknown API path");
		return NULL;
	}
	req_add_header(c->r, "Allow", allow);
	api_fail(c, 405, "Method not allowed");
	return NULL;
}

/* The first wildcard segment as an id, when it is all digits. */
static int64_t
id_of(const char *s)
{
	int64_t	 v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18 ||
	    strspn(s, "0123456789") != strlen(s))
		return 0;
	for (; *s != '\0'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

enum err
h_api(struct req *r)
{
	struct api		 c;
	const struct api_route	*rt;
	const char		*method = r->method;
	char			*path;
	size_t			 n;
	enum err		 e;

	memset(&c, 0, sizeof(c));
	c.r = r;
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	if ((path = arena_strdup(r->a, r->path)) == NULL)
		return ERR_NOMEM;
	n = strlen(path);
	if (n > 5 && path[n - 1] == '/')
		path[n - 1] = '\0';
	if ((rt = find(&c, method, path)) == NULL)
		return ERR_OK;
	c.route = rt;
	r->route = &rt->rt;
	c.id = id_of(c.arg[0]);
	if (rt->role > 0) {
		if (authenticate(&c) == -1)
			return ERR_OK;
		if (csrf_ok(&c, method) == -1)
			return api_fail(&c, 403, "CSRF token missing or "
			    "invalid");
		if (c.me.role < rt->role)
			return api_fail(&c, 403, "This needs the %s role",
			    rt->role >= API_ROOT ? "root" : "admin");
	}
	if (rt->body && parse_body(&c) == -1)
		return ERR_OK;
	e = rt->fn(&c);
	if (e != ERR_OK && !r->headers_sent)
		api_dberr(&c, e);
	return ERR_OK;
}
