/*
 * fuzz_params.c: libFuzzer harness for what the gateway does with the
 * FastCGI params of a request (libfcgi itself parses the records).
 *
 * Input: an FCGI_PARAMS body, name-value pairs with 1- or 4-byte
 * lengths (FastCGI 1.0, section 3.4), decoded here into at most 64 C
 * strings the way libfcgi hands them over (cut at a NUL).  From them,
 * as app/worker.c's req_setup does: REQUEST_METHOD (default GET),
 * REQUEST_URI (else SCRIPT_NAME + PATH_INFO) split at '?' into path and
 * query, REMOTE_ADDR.  Then, checked besides the sanitizers:
 *  - router_find (app/router.c) against its specification over a route
 *    table of the real table's shapes (literal, "*" segment, "*" then a
 *    literal, "/" "**"): it returns the first row whose path matches
 *    under the method (HEAD served by GET), else NULL with ERR_METHOD
 *    exactly when some row's path matched, ERR_NOT_FOUND otherwise; a
 *    pattern without '*' matches exactly the equal path.
 *  - auth_extract (app/auth.c) for every route kind: a key found is a
 *    well-formed sk- key lying inside the input it came from and ending
 *    where that input (or the query parameter) ends; with an
 *    Authorization header it comes from there only, after "Bearer ".
 *  - auth_ip_allowed: "" allows all; a valid address allows itself, as
 *    /32 or /128, and 0.0.0.0/0 or ::/0 allows every valid address of
 *    its family; an invalid address is never allowed by a non-empty list.
 *  - auth_list_has on HTTP_X_MODELS: "" has all; a list has each of its
 *    non-empty items.
 *  - log_escape of the path (the access line): NUL-terminated within
 *    its size, printable ASCII without space, '"' or raw control bytes.
 * The real route table (handlers/routes.c) points at every handler and
 * so drags in the whole gateway; the table below mirrors its patterns.
 * worker.c's X-Request-Id check is static and not reached here.
 *
 * fuzz-sources: app/auth.c app/router.c app/sec.c app/buf.c app/log.c
 * fuzz-libs: -lcrypto -lcrypt
 */
#include <arpa/inet.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "db.h"
#include "log.h"
#include "request.h"
#include "router.h"
#include "sec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* ---- auth_check's database side, never reached here ---- */

enum err
db_key_lookup(struct db *d, struct arena *a, const char *hash,
    struct key_info *k)
{
	abort();
}

const char *
req_param(struct req *r, const char *name)
{
	abort();
}

static enum err
h_stub(struct req *r)
{
	return ERR_OK;
}

const struct route routes_table[] = {
	{ "POST", "/v1/chat/completions", h_stub, RAUTH_OPENAI, RBODY_JSON,
	    "chat" },
	{ "POST", "/v1/images/edits", h_stub, RAUTH_OPENAI, RBODY_MULTIPART,
	    "images_edits" },
	{ "GET", "/v1/models", h_stub, RAUTH_ANTHROPIC, RBODY_NONE,
	    "models" },
	{ "GET", "/v1/models/*", h_stub, RAUTH_ANTHROPIC, RBODY_NONE,
	    "model" },
	{ "POST", "/v1/videos", h_stub, RAUTH_OPENAI, RBODY_MULTIPART,
	    "videos" },
	{ "GET", "/v1/videos/*", h_stub, RAUTH_OPENAI, RBODY_NONE, "video" },
	{ "GET", "/v1/videos/*/content", h_stub, RAUTH_OPENAI, RBODY_NONE,
	    "video_content" },
	{ "DELETE", "/v1/videos/*", h_stub, RAUTH_OPENAI, RBODY_NONE,
	    "video_delete" },
	{ "POST", "/v1beta/models/*", h_stub, RAUTH_GEMINI, RBODY_JSON,
	    "gemini" },
	{ "GET", "/api/**", h_stub, RAUTH_NONE, RBODY_NONE, "api" },
	{ "GET", "/healthz", h_stub, RAUTH_NONE, RBODY_NONE, "healthz" },
};

const size_t routes_count = sizeof(routes_table) / sizeof(routes_table[0]);

#define MAXP		64
#define NAME_MAX_	256
#define VALUE_MAX	8192

struct params {
	char	*name[MAXP];
	char	*value[MAXP];
	size_t	 n;
};

static size_t
fcgi_len(const uint8_t **p, const uint8_t *end, int *ok)
{
	size_t	 n;

	if (*p >= end) {
		*ok = 0;
		return 0;
	}
	if ((**p & 0x80) == 0)
		return *(*p)++;
	if (end - *p < 4) {
		*ok = 0;
		return 0;
	}
	n = ((size_t)((*p)[0] & 0x7f) << 24) | ((size_t)(*p)[1] << 16) |
	    ((size_t)(*p)[2] << 8) | (*p)[3];
	*p += 4;
	return n;
}

static char *
cstr(const uint8_t *p, size_t n)
{
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Decodes pairs until the input ends or one is malformed or too big. */
static void
decode(struct params *ps, const uint8_t *p, size_t size)
{
	const uint8_t	*end = p + size;
	size_t		 nl, vl;
	int		 ok = 1;

	ps->n = 0;
	while (ps->n < MAXP && p < end) {
		nl = fcgi_len(&p, end, &ok);
		vl = fcgi_len(&p, end, &ok);
		if (!ok || nl > NAME_MAX_ || vl > VALUE_MAX ||
		    (size_t)(end - p) < nl + vl)
			break;
		ps->name[ps->n] = cstr(p, nl);
		ps->value[ps->n] = cstr(p + nl, vl);
		ps->n++;
		p += nl + vl;
	}
}

/* First value of name, as libfcgi's FCGX_GetParam. */
static const char *
param(const struct params *ps, const char *name)
{
	size_t	 i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->name[i], name) == 0)
			return ps->value[i];
	return NULL;
}

static void
check_router(const char *method, const char *path)
{
	const struct route	*r, *want = NULL;
	enum err		 e = ERR_OK, want_e = ERR_NOT_FOUND;
	size_t			 i;
	int			 m;

	for (i = 0; i < routes_count; i++) {
		m = router_match(routes_table[i].path, path);
		if (strchr(routes_table[i].path, '*') == NULL &&
		    m != (strcmp(routes_table[i].path, path) == 0))
			abort();
		if (!m)
			continue;
		if (strcmp(routes_table[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		    strcmp(routes_table[i].method, "GET") == 0)) {
			want = &routes_table[i];
			break;
		}
		want_e = ERR_METHOD;
	}
	r = router_find(method, path, &e);
	if (r != want || (r == NULL && e != want_e))
		abort();
	/* A "*" segment never matches an empty segment or a slash. */
	if (r != NULL && strcmp(r->path, "/v1/models/*") == 0 &&
	    (path[11] == '\0' || strchr(path + 11, '/') != NULL))
		abort();
}

static int
inside(const char *k, const char *s)
{
	return s != NULL && k >= s && k <= s + strlen(s);
}

static void
check_extract(const struct params *ps, const char *query)
{
	const char	*authz, *xapi, *xgoog, *k;
	size_t		 n;
	int		 kind;

	authz = param(ps, "HTTP_AUTHORIZATION");
	xapi = param(ps, "HTTP_X_API_KEY");
	xgoog = param(ps, "HTTP_X_GOOG_API_KEY");
	for (kind = RAUTH_NONE; kind <= RAUTH_GEMINI; kind++) {
		n = 0;
		k = auth_extract((enum route_auth)kind, authz, xapi, xgoog,
		    query, &n);
		if (k == NULL)
			continue;
		if (!sec_key_wellformed(k, n))
			abort();
		if (authz != NULL) {
			if (k != authz + 7 || k[n] != '\0')
				abort();
		} else if (inside(k, xapi)) {
			if (kind != RAUTH_ANTHROPIC || k != xapi ||
			    k[n] != '\0')
				abort();
		} else if (inside(k, xgoog)) {
			if (kind != RAUTH_GEMINI || k != xgoog || k[n] != '\0')
				abort();
		} else if (inside(k, query)) {
			if (kind != RAUTH_GEMINI || xgoog != NULL ||
			    (k[n] != '\0' && k[n] != '&') ||
			    strncmp(k - 4, "key=", 4) != 0)
				abort();
		} else
			abort();
	}
}

static void
check_ip(const char *list, const char *addr)
{
	unsigned char	 a[16];
	char		 l[128];
	int		 af, valid;

	if (auth_ip_allowed("", addr) != 1 || auth_ip_allowed(NULL, addr) != 1)
		abort();
	af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	valid = inet_pton(af, addr, a) == 1;
	if (list != NULL && list[0] != '\0' &&
	    auth_ip_allowed(list, addr) && !valid)
		abort();
	if (!valid || strlen(addr) > 60)
		return;
	if (auth_ip_allowed(addr, addr) != 1)
		abort();
	snprintf(l, sizeof(l), "10.9.9.9, %s/%d", addr,
	    af == AF_INET ? 32 : 128);
	if (auth_ip_allowed(l, addr) != 1)
		abort();
	if (auth_ip_allowed(af == AF_INET ? "0.0.0.0/0" : "::/0", addr) != 1)
		abort();
	if (auth_ip_allowed(af == AF_INET ? "::/0" : "0.0.0.0/0", addr) != 0)
		abort();
}

static void
check_list(const char *list, const char *item)
{
	const char	*p, *e;
	char		 it[256];
	size_t		 n;

	if (auth_list_has("", item) != 1)
		abort();
	if (list == NULL)
		return;
	for (p = list; ; p = e + 1) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		/* Empty items ("a,,b", "a,") name no model: skipped. */
		if ((n = (size_t)(e - p)) > 0 && n < sizeof(it)) {
			memcpy(it, p, n);
			it[n] = '\0';
			if (auth_list_has(list, it) != 1)
				abort();
		}
		if (*e == '\0')
			break;
	}
}

static void
check_escape(const char *s)
{
	char		 out[512];
	const char	*p;
	size_t		 n;

	memset(out, 'Z', sizeof(out));
	log_escape(out, sizeof(out), s);
	if ((n = strnlen(out, sizeof(out))) >= sizeof(out))
		abort();
	for (p = out; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p > 0x7e ||
		    *p == '"')
			abort();
	/* Tiny buffers: still terminated, never overrun. */
	log_escape(out, 1, s);
	if (out[0] != '\0')
		abort();
	log_escape(out, 5, s);
	if (strnlen(out, 5) >= 5)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct params	 ps;
	const char	*method, *uri, *q, *addr, *sn, *pi;
	char		*path, *joined = NULL;
	const char	*query;
	size_t		 i;

	decode(&ps, data, size);

	if ((method = param(&ps, "REQUEST_METHOD")) == NULL)
		method = "GET";
	uri = param(&ps, "REQUEST_URI");
	if (uri == NULL || *uri == '\0') {
		sn = param(&ps, "SCRIPT_NAME");
		pi = param(&ps, "PATH_INFO");
		if ((joined = malloc(2 * VALUE_MAX + 2)) == NULL)
			abort();
		snprintf(joined, 2 * VALUE_MAX + 2, "%s%s",
		    sn != NULL ? sn : "", pi != NULL ? pi : "");
		uri = joined;
	}
	if ((q = strchr(uri, '?')) != NULL) {
		path = cstr((const uint8_t *)uri, (size_t)(q - uri));
		query = q + 1;
	} else {
		path = cstr((const uint8_t *)uri, strlen(uri));
		query = "";
	}
	if ((addr = param(&ps, "REMOTE_ADDR")) == NULL)
		addr = "";

	check_router(method, path);
	check_extract(&ps, query);
	check_ip(param(&ps, "HTTP_X_ALLOW_IPS"), addr);
	check_list(param(&ps, "HTTP_X_MODELS"), path);
	check_escape(path);
	check_escape(uri);

	free(path);
	free(joined);
	for (i = 0; i < ps.n; i++) {
		free(ps.name[i]);
		free(ps.value[i]);
	}
	return 0;
}
