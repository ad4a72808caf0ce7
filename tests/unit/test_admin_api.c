/*
 * test_admin_api.c: the pure parsers of the management API
 * (handlers/admin/util.c): route patterns with '#' and '*', percent
 * decoding, the Cookie header, comma lists, exact decimals, CSV fields,
 * day numbers and the name checks.  Tables of cases; negative cases
 * outnumber positive ones for every parser.
 */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "handlers/admin/api.h"
#include "t.h"

struct match_case {
	const char	*pat, *path;
	int		 want;
	const char	*arg0, *arg1;
};

static const struct match_case match_cases[] = {
	{ "/api/user", "/api/user", 1, NULL, NULL },
	{ "/api/user/#", "/api/user/42", 1, "42", NULL },
	{ "/api/user/#/quota", "/api/user/7/quota", 1, "7", NULL },
	{ "/api/price/*", "/api/price/gpt-4o", 1, "gpt-4o", NULL },
	{ "/api/price/*", "/api/price/org%2Fmodel", 1, "org/model", NULL },
	{ "/api/x/*/y/#", "/api/x/a%20b/y/9", 1, "a b", "9" },
	{ "/api/user/#", "/api/user/self", 0, NULL, NULL },
	{ "/api/user/#", "/api/user/4x", 0, NULL, NULL },
	{ "/api/user/#", "/api/user/", 0, NULL, NULL },
	{ "/api/user/#", "/api/user", 0, NULL, NULL },
	{ "/api/user/#", "/api/user/1/2", 0, NULL, NULL },
	{ "/api/user/#/quota", "/api/user/1/quotas", 0, NULL, NULL },
	{ "/api/user", "/api/users", 0, NULL, NULL },
	{ "/api/user", "/api/use", 0, NULL, NULL },
	{ "/api/user", "/API/user", 0, NULL, NULL },
	{ "/api/price/*", "/api/price/bad%zz", 0, NULL, NULL },
	{ "/api/price/*", "/api/price/nul%00x", 0, NULL, NULL },
	{ "/api/price/*", "/api/price/trail%2", 0, NULL, NULL },
	{ "/api/price/*", "/api/price/%", 0, NULL, NULL },
	{ "/api/price/*", "", 0, NULL, NULL },
};

struct cookie_case {
	const char	*hdr, *name, *want;
};

static const struct cookie_case cookie_cases[] = {
	{ "nx_session=abc", "nx_session", "abc" },
	{ "a=1; nx_session=abc; b=2", "nx_session", "abc" },
	{ "a=1;nx_session = abc ;b=2", "nx_session", "abc" },
	{ "nx_session=", "nx_session", "" },
	{ NULL, "nx_session", NULL },
	{ "", "nx_session", NULL },
	{ "nx_sessionx=abc", "nx_session", NULL },
	{ "xnx_session=abc", "nx_session", NULL },
	{ "nx_session", "nx_session", NULL },
	{ "a=nx_session=abc", "nx_session", NULL },
	{ ";;;", "nx_session", NULL },
	{ "nx_session=0123456789012345678901234567890123456789", "nx_session",
	    NULL },		/* longer than the 32-byte buffer */
};

struct list_case {
	const char	*in;
	int		 rc;
	const char	*want;		/* normalized, or the bad item */
};

static const struct list_case list_cases[] = {
	{ "a,b", 0, "a,b" },
	{ " a , b ,, a ,", 0, "a,b" },
	{ "", 0, "" },
	{ ",,,", 0, "" },
	{ "gpt-4o,gpt 4o", -1, "gpt 4o" },
	{ "a,b\x01", -1, "b\x01" },
	{ "ok,\x7f", -1, "\x7f" },
	{ "x,a\tb", -1, "a\tb" },
};

struct micro_case {
	const char	*in;
	int		 rc;
	int64_t		 want;
};

static const struct micro_case micro_cases[] = {
	{ "1", 0, 1000000 },
	{ "2.5", 0, 2500000 },
	{ "2.666667", 0, 2666667 },
	{ "0.000001", 0, 1 },
	{ "", -1, 0 },
	{ "-1", -1, 0 },
	{ "+1", -1, 0 },
	{ ".5", -1, 0 },
	{ "1.", -1, 0 },
	{ "1.2345678", -1, 0 },
	{ "1e3", -1, 0 },
	{ " 1", -1, 0 },
	{ "1 ", -1, 0 },
	{ "0x10", -1, 0 },
	{ "99999999999999999999", -1, 0 },
	{ "9223372036854.775808", -1, 0 },
};

struct csv_case {
	const char	*in;
	int		 text;
	const char	*want;
};

static const struct csv_case csv_cases[] = {
	{ "plain", 1, "plain" },
	{ "", 1, "" },
	{ "a,b", 1, "\"a,b\"" },
	{ "say \"hi\"", 1, "\"say \"\"hi\"\"\"" },
	{ "two\nlines", 1, "\"two\nlines\"" },
	{ "=1+1", 1, "\"'=1+1\"" },
	{ "+cmd", 1, "\"'+cmd\"" },
	{ "-2", 1, "\"'-2\"" },
	{ "@SUM(A1)", 1, "\"'@SUM(A1)\"" },
	{ "-2", 0, "-2" },
	{ "{\"a\":1,\"b\":2}", 0, "\"{\"\"a\"\":1,\"\"b\"\":2}\"" },
};

struct day_case {
	int64_t		 day;
	const char	*want;
};

static const struct day_case day_cases[] = {
	{ 0, "1970-01-01" },
	{ 20000, "2024-10-04" },
	{ 19782, "2024-02-29" },
	{ -1, "1969-12-31" },
	{ 11016, "2000-02-29" },
};

static void
test_match(void)
{
	struct arena	 a;
	const char	*args[2];
	size_t		 i;
	int		 got;

	arena_init(&a, 0);
	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];

		args[0] = args[1] = NULL;
		got = api_match(&a, c->pat, c->path, args);
		T_OK(got == c->want, "match %s ~ %s -> %d", c->pat, c->path,
		    c->want);
		if (got && c->want)
			T_OK((c->arg0 == NULL ? args[0] == NULL :
			    args[0] != NULL && strcmp(args[0], c->arg0) == 0) &&
			    (c->arg1 == NULL ? args[1] == NULL :
			    args[1] != NULL && strcmp(args[1], c->arg1) == 0),
			    "match %s: arguments", c->path);
	}
	arena_free(&a);
}

static void
test_cookie(void)
{
	char		 out[32];
	const char	*got;
	size_t		 i;

	for (i = 0; i < sizeof(cookie_cases) / sizeof(cookie_cases[0]); i++) {
		const struct cookie_case *c = &cookie_cases[i];

		got = api_cookie(c->hdr, c->name, out, sizeof(out));
		T_OK(c->want == NULL ? got == NULL : got != NULL &&
		    strcmp(got, c->want) == 0, "cookie '%s'",
		    c->hdr != NULL ? c->hdr : "(none)");
	}
}

static void
test_list(void)
{
	char	 out[64], bad[64];
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		const struct list_case *c = &list_cases[i];

		bad[0] = '\0';
		rc = api_list_norm(c->in, api_is_model, out, sizeof(out), bad,
		    sizeof(bad));
		T_OK(rc == c->rc && strcmp(rc == 0 ? out : bad, c->want) == 0,
		    "list case %zu", i);
	}
	rc = api_list_norm("abc", api_is_model, out, 3, bad, sizeof(bad));
	T_OK(rc == -1, "list: output too small is refused");
}

static void
test_micro(void)
{
	int64_t	 v;
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(micro_cases) / sizeof(micro_cases[0]); i++) {
		const struct micro_case *c = &micro_cases[i];

		v = -7;
		rc = api_parse_micro(c->in, &v);
		T_OK(rc == c->rc && (rc == -1 || v == c->want), "micro '%s'",
		    c->in);
	}
}

static void
test_csv(void)
{
	struct buf	 b;
	size_t		 i;

	for (i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
		const struct csv_case *c = &csv_cases[i];

		buf_init(&b, 1024);
		T_OK(api_csv_field(&b, c->in, c->text) == 0 &&
		    strcmp(buf_cstr(&b), c->want) == 0, "csv case %zu", i);
		buf_free(&b);
	}
	buf_init(&b, 4);
	T_OK(api_csv_field(&b, "a,b,c,d", 1) == -1, "csv: cap is an error");
	buf_free(&b);
}

static void
test_day(void)
{
	char	 out[11];
	size_t	 i;

	for (i = 0; i < sizeof(day_cases) / sizeof(day_cases[0]); i++) {
		api_day(day_cases[i].day, out);
		T_OK(strcmp(out, day_cases[i].want) == 0, "day %lld -> %s",
		    (long long)day_cases[i].day, day_cases[i].want);
	}
}

static void
test_names(void)
{
	static const struct {
		const char	*s;
		int		 user, group, ip;
	} c[] = {
		{ "alice", 1, 1, 0 },
		{ "a.b_c-d@x", 1, 0, 0 },
		{ "12345", 0, 1, 0 },
		{ "", 0, 0, 0 },
		{ "has space", 0, 0, 0 },
		{ "x/y", 0, 0, 0 },
		{ "10.0.0.0/8", 0, 0, 1 },
		{ "::1", 0, 0, 1 },
		{ "10.0.0.0/33", 0, 0, 0 },
		{ "300.1.1.1", 1, 1, 0 },
		{ "10.0.0.1/", 0, 0, 0 },
		{ "tab\there", 0, 0, 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		T_OK(api_is_username(c[i].s) == c[i].user, "username '%s'",
		    c[i].s);
		T_OK(api_is_group(c[i].s, strlen(c[i].s)) == c[i].group,
		    "group '%s'", c[i].s);
		T_OK(api_is_ip(c[i].s, strlen(c[i].s)) == c[i].ip, "ip '%s'",
		    c[i].s);
	}
	T_OK(api_is_username("x234567890123456789012345678901234567890123456"
	    "7890123456789012345") == 0, "username of 65 bytes");
}

int
main(void)
{
	test_match();
	test_cookie();
	test_list();
	test_micro();
	test_csv();
	test_day();
	test_names();
	return t_done();
}
