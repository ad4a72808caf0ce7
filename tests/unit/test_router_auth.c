/*
 * test_router_auth.c: route matching, key extraction from the three
 * header forms (API.md 1), model lists and IP allow-lists.
 */
#include <string.h>

#include "auth.h"
#include "router.h"
#include "t.h"

#define GOOD	"sk-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"

struct match_case { const char *pat, *path; int want; };
static const struct match_case match_cases[] = {
	{ "/v1/models", "/v1/models", 1 },
	{ "/v1/models/*", "/v1/models/gpt-4o", 1 },
	{ "/v1/models/*", "/v1/models/", 0 },
	{ "/v1/models/*", "/v1/models", 0 },
	{ "/v1/models/*", "/v1/models/a/b", 0 },
	{ "/v1/models", "/v1/models/", 0 },
	{ "/v1/models", "/v1/model", 0 },
	{ "/v1/models", "/v1/modelsX", 0 },
	{ "/v1/models", "", 0 },
	{ "/api/**", "/api/user/self", 1 },
	{ "/api/**", "/apix", 0 },
	{ "/v1/chat/completions", "/v1/chat/completions/", 0 },
	{ "/v1/chat/completions", "/V1/chat/completions", 0 },
};

struct key_case {
	const char	*name;
	enum route_auth	 kind;
	const char	*authz, *xapi, *xgoog, *query;
	int		 ok;
};
static const struct key_case key_cases[] = {
	{ "bearer", RAUTH_OPENAI, "Bearer " GOOD, NULL, NULL, "", 1 },
	{ "bearer lower scheme", RAUTH_OPENAI, "bearer " GOOD, NULL, NULL, "",
	    1 },
	{ "x-api-key on anthropic", RAUTH_ANTHROPIC, NULL, GOOD, NULL, "", 1 },
	{ "x-goog on gemini", RAUTH_GEMINI, NULL, NULL, GOOD, "", 1 },
	{ "query key on gemini", RAUTH_GEMINI, NULL, NULL, NULL,
	    "alt=sse&key=" GOOD, 1 },
	{ "missing", RAUTH_OPENAI, NULL, NULL, NULL, "", 0 },
	{ "two spaces", RAUTH_OPENAI, "Bearer  " GOOD, NULL, NULL, "", 0 },
	{ "tab", RAUTH_OPENAI, "Bearer\t" GOOD, NULL, NULL, "", 0 },
	{ "no scheme", RAUTH_OPENAI, GOOD, NULL, NULL, "", 0 },
	{ "basic", RAUTH_OPENAI, "Basic " GOOD, NULL, NULL, "", 0 },
	{ "trailing space", RAUTH_OPENAI, "Bearer " GOOD " ", NULL, NULL, "",
	    0 },
	{ "short key", RAUTH_OPENAI, "Bearer sk-abc", NULL, NULL, "", 0 },
	{ "long key", RAUTH_OPENAI, "Bearer " GOOD "x", NULL, NULL, "", 0 },
	{ "bad char", RAUTH_OPENAI,
	    "Bearer sk-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU!", NULL,
	    NULL, "", 0 },
	{ "wrong prefix", RAUTH_OPENAI,
	    "Bearer pk-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV", NULL,
	    NULL, "", 0 },
	{ "x-api-key on openai path", RAUTH_OPENAI, NULL, GOOD, NULL, "", 0 },
	{ "x-goog on openai path", RAUTH_OPENAI, NULL, NULL, GOOD, "", 0 },
	{ "query key on openai path", RAUTH_OPENAI, NULL, NULL, NULL,
	    "key=" GOOD, 0 },
	{ "query key malformed", RAUTH_GEMINI, NULL, NULL, NULL, "key=sk-1",
	    0 },
	{ "query akey is not key", RAUTH_GEMINI, NULL, NULL, NULL,
	    "akey=" GOOD, 0 },
	{ "empty bearer", RAUTH_OPENAI, "Bearer ", NULL, NULL, "", 0 },
	{ "bad bearer hides x-api-key", RAUTH_ANTHROPIC, "Bearer x", GOOD,
	    NULL, "", 0 },
};

struct list_case { const char *list, *item; int want; };
static const struct list_case list_cases[] = {
	{ "", "gpt-4o", 1 }, { "gpt-4o", "gpt-4o", 1 },
	{ "a,gpt-4o,b", "gpt-4o", 1 }, { "gpt-4o-mini", "gpt-4o", 0 },
	{ "gpt-4o", "gpt-4o-mini", 0 }, { "a,b", "", 0 },
	{ "gpt-4", "gpt-4o", 0 }, { "x,gpt-4o", "gpt-4", 0 },
};

struct ip_case { const char *list, *addr; int want; };
static const struct ip_case ip_cases[] = {
	{ "", "1.2.3.4", 1 }, { "1.2.3.4", "1.2.3.4", 1 },
	{ "10.0.0.0/8", "10.200.1.1", 1 }, { "::1", "::1", 1 },
	{ "2001:db8::/32", "2001:db8:1::5", 1 },
	{ "1.2.3.4, 5.6.7.8", "5.6.7.8", 1 },
	{ "1.2.3.4", "1.2.3.5", 0 }, { "10.0.0.0/8", "11.0.0.1", 0 },
	{ "10.0.0.0/33", "10.0.0.1", 0 }, { "10.0.0.0/", "10.0.0.1", 0 },
	{ "10.0.0.0/x", "10.0.0.1", 0 }, { "garbage", "10.0.0.1", 0 },
	{ "1.2.3.4", "", 0 }, { "1.2.3.4", "not-an-ip", 0 },
	{ "::1", "127.0.0.1", 0 }, { "10.0.0.0/8", "::ffff:10.0.0.1", 0 },
	{ "2001:db8::/32", "2001:db9::1", 0 },
};

int
main(void)
{
	const struct route	*rt;
	const char		*k;
	enum err		 e;
	size_t			 i, n;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++)
		T_OK(router_match(match_cases[i].pat, match_cases[i].path) ==
		    match_cases[i].want, "match '%s' '%s'",
		    match_cases[i].pat, match_cases[i].path);

	rt = router_find("POST", "/v1/chat/completions", &e);
	T_OK(rt != NULL && strcmp(rt->name, "chat") == 0, "find chat");
	rt = router_find("GET", "/v1/chat/completions", &e);
	T_OK(rt == NULL && e == ERR_METHOD, "GET chat is 405");
	rt = router_find("POST", "/v1/nope", &e);
	T_OK(rt == NULL && e == ERR_NOT_FOUND, "unknown path is 404");
	rt = router_find("DELETE", "/v1/models", &e);
	T_OK(rt == NULL && e == ERR_METHOD, "DELETE models is 405");
	rt = router_find("GET", "/v1/models/gpt-4o", &e);
	T_OK(rt != NULL && strcmp(rt->name, "model") == 0, "find model");

	for (i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *c = &key_cases[i];

		n = 0;
		k = auth_extract(c->kind, c->authz, c->xapi, c->xgoog,
		    c->query, &n);
		T_OK(c->ok ? (k != NULL && n == strlen(GOOD) &&
		    memcmp(k, GOOD, n) == 0) : k == NULL, "extract: %s",
		    c->name);
	}
	for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++)
		T_OK(auth_list_has(list_cases[i].list, list_cases[i].item) ==
		    list_cases[i].want, "list '%s' has '%s'",
		    list_cases[i].list, list_cases[i].item);
	for (i = 0; i < sizeof(ip_cases) / sizeof(ip_cases[0]); i++)
		T_OK(auth_ip_allowed(ip_cases[i].list, ip_cases[i].addr) ==
		    ip_cases[i].want, "ip '%s' allows '%s'", ip_cases[i].list,
		    ip_cases[i].addr);
	return t_done();
}
