/*
 * router.h: method + path -> route.  The table itself lives in
 * handlers/routes.c (routes_table); router.c only reads it.
 *
 * A route path is literal except for segments written "*", which match
 * one non-empty path segment without '/'.  A path ending in "/" followed by "**" matches
 * any remainder.  Path matching ignores the query string.
 */
#ifndef NX_ROUTER_H
#define NX_ROUTER_H

#include <stddef.h>

#include "err.h"

struct req;

enum route_auth {
	RAUTH_NONE,		/* public (health) */
	RAUTH_OPENAI,		/* Authorization: Bearer */
	RAUTH_ANTHROPIC,	/* Bearer or x-api-key */
	RAUTH_GEMINI,		/* Bearer, x-goog-api-key or ?key= */
};

enum route_body { RBODY_NONE, RBODY_JSON, RBODY_MULTIPART };
/* Whose error shape the route answers in (API.md 2). */
enum route_dialect { RD_OPENAI, RD_ANTHROPIC, RD_GEMINI };

struct route {
	const char	*method;
	const char	*path;
	enum err	(*fn)(struct req *);
	enum route_auth	 auth;
	enum route_body	 body;
	const char	*name;		/* for the access line */
	enum route_dialect dialect;	/* whose error shape it answers in */
};

extern const struct route	routes_table[];
extern const size_t		routes_count;

/*
 * Finds the route for method and path (no query).  Returns it, or NULL
 * with *e = ERR_NOT_FOUND (no path matches) or ERR_METHOD (a path
 * matches under another method).
 */
const struct route *router_find(const char *method, const char *path,
	    enum err *e);
/* The error dialect of a route; RD_OPENAI for NULL (no route found). */
enum route_dialect router_dialect(const struct route *rt);
/* 1 when pattern matches path per the rules above. */
int	 router_match(const char *pattern, const char *path);

#endif
