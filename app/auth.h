/*
 * auth.h: API key extraction and lookup (API.md 1), model and IP policy.
 */
#ifndef NX_AUTH_H
#define NX_AUTH_H

#include <stddef.h>

#include "err.h"
#include "router.h"

struct req;

/*
 * Picks the key out of the request's credentials per the route's kind:
 * "Authorization: Bearer <key>" (scheme case-insensitive, exactly one
 * space, nothing after the key) always; x-api-key on RAUTH_ANTHROPIC;
 * x-goog-api-key or the query's key= on RAUTH_GEMINI.  Any argument may be
 * NULL.  Returns a pointer into one of the inputs and its length in *n, or
 * NULL when there is no well-formed key.
 */
const char	*auth_extract(enum route_auth kind, const char *authz,
		    const char *xapikey, const char *xgoog, const char *query,
		    size_t *n);
/*
 * Authenticates r: ERR_OK with r->key filled, ERR_AUTH (401 body of
 * API.md 1), ERR_USER_DISABLED, ERR_IP_NOT_ALLOWED or ERR_DB.
 */
enum err	 auth_check(struct req *r);
/* 1 when list (comma separated, "" = everything) contains item. */
int		 auth_list_has(const char *list, const char *item);
/*
 * 1 when addr (IPv4 or IPv6 text) matches an entry of list: a plain
 * address or a CIDR "a.b.c.d/n" / "x::/n".  "" allows every address.
 */
int		 auth_ip_allowed(const char *list, const char *addr);

#endif
