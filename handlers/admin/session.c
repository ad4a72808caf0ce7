/*
 * session.c: who the caller is: login and logout (console sessions), the
 * caller's own record (/api/user/self), personal access tokens, redeeming
 * a code, and the public /api/status.
 *
 * A session is a random 256-bit cookie value (64 hex); the database only
 * keeps its SHA-256 (sessions.id) and a random CSRF token, so a leaked
 * table opens no session.  The cookie is HttpOnly, SameSite=Strict,
 * Path=/, Max-Age of the session's life (option session_ttl, default 7
 * days), and Secure when the request came over HTTPS.
 *
 * Failed logins are counted in rate_windows (db_rate_add: atomic across
 * workers and hosts) per user name (case-folded, hashed) and per client
 * address, in fixed 15-minute windows; LOGIN_USER_MAX failures for a
 * name or LOGIN_IP_MAX from an address answer 429 with Retry-After until
 * the window ends, before the password is even looked at.  A window row
 * is keyed by the time its window ENDS, so the housekeeper's purge of
 * windows that started over two minutes ago (ratelimit = db) leaves it
 * alone while it counts.  A success clears its name's count.  An unknown
 * name still costs one yescrypt verification, so timing does not tell
 * which names exist.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "handlers/admin/api.h"
#include "db_api.h"
#include "request.h"
#include "sec.h"
#include "version.h"

#define LOGIN_WINDOW	900		/* s */
#define LOGIN_USER_MAX	5		/* failures per name and window */
#define LOGIN_IP_MAX	20		/* failures per address and window */
#define SESSION_TTL	604800		/* s, when option session_ttl unset */
#define PAT_MAX		50		/* tokens per user */
#define REDEEM_CODE_LEN	32

static pthread_once_t	 dummy_once = PTHREAD_ONCE_INIT;
static char		 dummy_hash[256];

static void
dummy_make(void)
{
	if (sec_password_hash("nexhina-no-such-user", dummy_hash,
	    sizeof(dummy_hash)) != 0)
		dummy_hash[0] = '\0';
}

static void
hex_of(const unsigned char *p, size_t n, char *out)
{
	static const char	 hexd[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexd[p[i] >> 4];
		out[2 * i + 1] = hexd[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* 1 when the request reached the web server over HTTPS. */
static int
over_https(struct req *r)
{
	const char	*v;

	return ((v = req_param(r, "HTTPS")) != NULL &&
	    strcasecmp(v, "on") == 0) ||
	    ((v = req_param(r, "REQUEST_SCHEME")) != NULL &&
	    strcasecmp(v, "https") == 0) ||
	    ((v = req_param(r, "HTTP_X_FORWARDED_PROTO")) != NULL &&
	    strcasecmp(v, "https") == 0);
}

static void
set_cookie(struct api *c, const char *value, int64_t max_age)
{
	char	 h[256];

	snprintf(h, sizeof(h), "nx_session=%s; Path=/; Max-Age=%lld; "
	    "HttpOnly; SameSite=Strict%s", value, (long long)max_age,
	    over_https(c->r) ? "; Secure" : "");
	req_add_header(c->r, "Set-Cookie", h);
}

/* The rate_windows scopes of a login attempt. */
static void
login_scopes(const char *user, const char *ip, char su[64], char si[96])
{
	char	 low[256], h[SEC_HEX256];
	size_t	 i;

	for (i = 0; user[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)user[i]);
	low[i] = '\0';
	sec_sha256_hex(low, i, h);
	snprintf(su, 64, "login:u:%.40s", h);
	snprintf(si, 96, "login:ip:%.80s", ip);
}

static enum err
login_ok(struct api *c, int64_t uid)
{
	struct req	*r = c->r;
	struct user_row	 u;
	unsigned char	 rnd[64];
	char		 cookie[65], sid[SEC_HEX256], csrf[65], *ttl_s;
	int64_t		 ttl;
	cJSON		*data;
	enum err	 e;

	if ((e = db_option_get(r->db, r->a, "session_ttl", "", &ttl_s)) !=
	    ERR_OK)
		return e;
	ttl = strtoll(ttl_s, NULL, 10);
	if (ttl < 300 || ttl > 31536000)
		ttl = SESSION_TTL;
	if (sec_random(rnd, sizeof(rnd)) != 0)
		return ERR_INTERNAL;
	hex_of(rnd, 32, cookie);
	hex_of(rnd + 32, 32, csrf);
	explicit_bzero(rnd, sizeof(rnd));
	sec_sha256_hex(cookie, 64, sid);
	if ((e = db_api_session_add(r->db, sid, uid, csrf, ttl,
	    r->remote_addr, req_param(r, "HTTP_USER_AGENT"))) != ERR_OK ||
	    (e = db_api_user_logged_in(r->db, uid)) != ERR_OK ||
	    (e = db_user_get(r->db, r->a, uid, &u)) != ERR_OK) {
		explicit_bzero(cookie, sizeof(cookie));
		return e;
	}
	/* Housekeeping on the way: neither failure matters to the login. */
	db_api_sessions_purge(r->db, (int64_t)time(NULL));
	db_rate_purge(r->db, (int64_t)time(NULL) - 120);
	set_cookie(c, cookie, ttl);
	explicit_bzero(cookie, sizeof(cookie));
	if ((data = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	cJSON_AddItemToObject(data, "user", api_user_json(&u));
	cJSON_AddStringToObject(data, "csrf_token", csrf);
	c->me = u;
	api_audit(c, "login");
	return api_ok(c, data);
}

/*
 * 1 unless the browser says the login form came from another site: an
 * Origin header (sent by browsers on every cross-site POST) must name
 * this host (Host, or X-Forwarded-Host behind a proxy).  Without it
 * (curl, scripts) the login goes on.  This stops login CSRF, which the
 * SameSite cookie does not: a text/plain form can post valid JSON.
 */
static int
same_origin(struct req *r)
{
	const char	*o = req_param(r, "HTTP_ORIGIN"), *h, *host;

	if (o == NULL || *o == '\0')
		return 1;
	if ((h = strstr(o, "://")) == NULL)
		return 0;
	h += 3;
	return ((host = req_param(r, "HTTP_HOST")) != NULL &&
	    strcasecmp(h, host) == 0) ||
	    ((host = req_param(r, "HTTP_X_FORWARDED_HOST")) != NULL &&
	    strcasecmp(h, host) == 0);
}

enum err
api_login(struct api *c)
{
	struct req	*r = c->r;
	const char	*user = NULL, *pw = NULL;
	char		 su[64], si[96], ra[32], *hash = NULL;
	int64_t		 now = (int64_t)time(NULL), win, nu = 0, ni = 0, uid;
	int64_t		 x;
	int		 status = 0, ok, rc;
	enum err	 e;

	if (!same_origin(r))
		return api_fail(c, 403, "Cross-site login refused (Origin)");
	if ((rc = api_str(c, "username", 255, 1, &user)) == -1)
		return ERR_OK;
	if (rc == 0 || *user == '\0')
		return api_fail(c, 400, "username: required");
	if ((rc = api_str(c, "password", API_PW_MAX, 0, &pw)) == -1)
		return ERR_OK;
	if (rc == 0 || *pw == '\0')
		return api_fail(c, 400, "password: required");
	win = (now / LOGIN_WINDOW + 1) * LOGIN_WINDOW;
	login_scopes(user, r->remote_addr, su, si);
	if ((e = db_rate_add(r->db, su, win, 0, &nu)) != ERR_OK ||
	    (e = db_rate_add(r->db, si, win, 0, &ni)) != ERR_OK)
		return e;
	if (nu >= LOGIN_USER_MAX || ni >= LOGIN_IP_MAX) {
		snprintf(ra, sizeof(ra), "%lld", (long long)(win - now));
		req_add_header(r, "Retry-After", ra);
		return api_fail(c, 429, "Too many failed logins; try again "
		    "in %lld seconds", (long long)(win - now));
	}
	e = db_api_user_auth(r->db, r->a, user, &uid, &hash, &status);
	if (e != ERR_OK && e != ERR_NOT_FOUND)
		return e;
	if (e == ERR_NOT_FOUND) {
		pthread_once(&dummy_once, dummy_make);
		sec_password_verify(pw, dummy_hash);
		ok = 0;
	} else
		ok = sec_password_verify(pw, hash);
	if (!ok) {
		/* Counted even if the DB write fails: then it just isn't. */
		db_rate_add(r->db, su, win, 1, &x);
		db_rate_add(r->db, si, win, 1, &x);
		return api_fail(c, 401, "Invalid username or password");
	}
	if (status != 1)
		return api_fail(c, 403, "Your account is disabled");
	if (nu > 0)
		db_rate_add(r->db, su, win, -nu, &x);
	return login_ok(c, uid);
}

enum err
api_logout(struct api *c)
{
	enum err	 e;

	if (c->via == API_VIA_SESSION &&
	    (e = db_api_session_del(c->r->db, c->sid)) != ERR_OK)
		return e;
	set_cookie(c, "", 0);
	api_audit(c, "logout");
	return api_ok(c, NULL);
}

enum err
api_self_get(struct api *c)
{
	cJSON	*o;

	if ((o = api_user_json(&c->me)) == NULL)
		return ERR_NOMEM;
	if (c->via == API_VIA_SESSION)
		cJSON_AddStringToObject(o, "csrf_token", c->csrf);
	return api_ok(c, o);
}

int
api_email(struct api *c, const char *k, const char **out)
{
	const char	*v;
	int		 rc;

	if ((rc = api_str(c, k, 255, 1, &v)) != 1)
		return rc;
	if (*v != '\0' && (strchr(v, '@') == NULL || strchr(v, ' ') !=
	    NULL))
		return api_bad(c, k, "not an e-mail address");
	*out = v;
	return 1;
}

enum err
api_self_put(struct api *c)
{
	struct req	*r = c->r;
	struct user_upd	 u = { NULL, NULL, NULL, NULL, -1, -1 };
	const char	*pw = NULL, *old = NULL;
	char		 hash[256], *cur = NULL;
	int64_t		 id;
	int		 st, rc;
	enum err	 e;

	if (api_str(c, "display_name", 128, 1, &u.display_name) == -1 ||
	    api_email(c, "email", &u.email) == -1 ||
	    (rc = api_str(c, "password", API_PW_MAX, 0, &pw)) == -1 ||
	    api_str(c, "old_password", API_PW_MAX, 0, &old) == -1)
		return ERR_OK;
	if (pw != NULL) {
		if (strlen(pw) < API_PW_MIN)
			return api_fail(c, 400, "password: at least %d bytes",
			    API_PW_MIN);
		if (old == NULL)
			return api_fail(c, 400, "old_password: required to "
			    "change the password");
		if ((e = db_api_user_auth(r->db, r->a, c->me.username, &id,
		    &cur, &st)) != ERR_OK)
			return e;
		if (id != c->me.id || !sec_password_verify(old, cur))
			return api_fail(c, 400, "old_password: incorrect");
		if (sec_password_hash(pw, hash, sizeof(hash)) != 0)
			return ERR_INTERNAL;
		u.password_hash = hash;
	}
	e = db_api_user_update(r->db, c->me.id, &u);
	explicit_bzero(hash, sizeof(hash));
	if (e != ERR_OK)
		return e;
	/* A new password ends every other session of the user. */
	if (pw != NULL && (e = db_api_sessions_drop(r->db, c->me.id,
	    c->via == API_VIA_SESSION ? c->sid : "")) != ERR_OK)
		return e;
	if ((e = db_user_get(r->db, r->a, c->me.id, &c->me)) != ERR_OK)
		return e;
	api_audit(c, pw != NULL ? "updated self, new password" :
	    "updated self");
	return api_self_get(c);
}

enum err
api_pat_list(struct api *c)
{
	struct pat_row	*v;
	size_t		 n, i;
	cJSON		*data, *items, *o;
	enum err	 e;

	if ((e = db_api_pat_list(c->r->db, c->r->a, c->me.id, &v, &n)) !=
	    ERR_OK)
		return e;
	if ((data = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	items = cJSON_AddArrayToObject(data, "items");
	for (i = 0; i < n && items != NULL; i++) {
		if ((o = cJSON_CreateObject()) == NULL)
			break;
		api_num(o, "id", v[i].id);
		cJSON_AddStringToObject(o, "name", v[i].name);
		cJSON_AddStringToObject(o, "prefix", v[i].prefix);
		api_num(o, "created_at", v[i].created_at);
		api_num(o, "last_used_at", v[i].last_used_at);
		cJSON_AddItemToArray(items, o);
	}
	api_num(data, "total", (int64_t)n);
	return api_ok(c, data);
}

enum err
api_pat_create(struct api *c)
{
	struct req	*r = c->r;
	const char	*name = NULL;
	char		 key[SEC_KEY_LEN + 1], tok[64], hash[SEC_HEX256];
	char		 prefix[32];
	int64_t		 n, id;
	cJSON		*data;
	int		 rc;
	enum err	 e;

	if ((rc = api_str(c, "name", 128, 1, &name)) == -1)
		return ERR_OK;
	if (rc == 0 || *name == '\0')
		return api_fail(c, 400, "name: required");
	if ((e = db_api_pat_count(r->db, c->me.id, &n)) != ERR_OK)
		return e;
	if (n >= PAT_MAX)
		return api_fail(c, 409, "You have %d access tokens already; "
		    "delete one first", PAT_MAX);
	/* sec_key_new's 48 unbiased base62 characters, another prefix. */
	if (sec_key_new(key) != 0)
		return ERR_INTERNAL;
	snprintf(tok, sizeof(tok), "nxp_%s", key + 3);
	explicit_bzero(key, sizeof(key));
	snprintf(prefix, sizeof(prefix), "nxp_%.4s...%s", tok + 4,
	    tok + strlen(tok) - 4);
	sec_sha256_hex(tok, strlen(tok), hash);
	if ((e = db_api_pat_add(r->db, c->me.id, name, hash, prefix,
	    &id)) != ERR_OK) {
		explicit_bzero(tok, sizeof(tok));
		return e;
	}
	if ((data = cJSON_CreateObject()) == NULL) {
		explicit_bzero(tok, sizeof(tok));
		return ERR_NOMEM;
	}
	api_num(data, "id", id);
	cJSON_AddStringToObject(data, "name", name);
	cJSON_AddStringToObject(data, "prefix", prefix);
	cJSON_AddStringToObject(data, "token", tok);
	explicit_bzero(tok, sizeof(tok));
	api_audit(c, "created access token");
	return api_ok(c, data);
}

enum err
api_pat_delete(struct api *c)
{
	enum err	 e;

	if ((e = db_api_pat_del(c->r->db, c->me.id, c->id)) == ERR_NOT_FOUND)
		return api_404(c, "access token");
	if (e != ERR_OK)
		return e;
	api_audit(c, "deleted access token");
	return api_ok(c, NULL);
}

enum err
api_redeem(struct api *c)
{
	struct req	*r = c->r;
	struct user_row	 u;
	const char	*code = NULL;
	int64_t		 credited = 0;
	cJSON		*data;
	int		 rc;
	enum err	 e;

	if ((rc = api_str(c, "key", 64, 1, &code)) == -1)
		return ERR_OK;
	if (rc == 0 || *code == '\0')
		return api_fail(c, 400, "key: required");
	if (strlen(code) != REDEEM_CODE_LEN || strspn(code, "0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") !=
	    REDEEM_CODE_LEN)
		return api_fail(c, 400, "key: not a redemption code");
	e = db_redeem_use(r->db, c->me.id, c->me.username, code, &credited);
	if (e == ERR_NOT_FOUND)
		return api_fail(c, 400, "key: unknown, used, disabled or "
		    "expired code");
	if (e != ERR_OK || (e = db_user_get(r->db, r->a, c->me.id, &u)) !=
	    ERR_OK)
		return e;
	if ((data = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	api_num(data, "quota_added", credited);
	api_num(data, "quota", u.quota);
	api_audit(c, "redeemed a code");
	return api_ok(c, data);
}

/* The usual symbol of an ISO 4217 code, else the code itself. */
static const char *
symbol_of(const char *cur)
{
	static const char *const tab[][2] = {
		{ "USD", "$" }, { "EUR", "\xe2\x82\xac" },
		{ "GBP", "\xc2\xa3" }, { "JPY", "\xc2\xa5" },
		{ "CNY", "\xc2\xa5" }, { "INR", "\xe2\x82\xb9" },
		{ "KRW", "\xe2\x82\xa9" }, { "RUB", "\xe2\x82\xbd" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(cur, tab[i][0]) == 0)
			return tab[i][1];
	return cur;
}

enum err
api_status(struct api *c)
{
	struct req	*r = c->r;
	char		*name, *qpu, *cur, *sym, *bp;
	cJSON		*data;
	enum err	 e;

	if ((e = db_option_get(r->db, r->a, "system_name", "Nexhina",
	    &name)) != ERR_OK || (e = db_option_get(r->db, r->a,
	    "quota_per_usd", "500000", &qpu)) != ERR_OK ||
	    (e = db_option_get(r->db, r->a, "currency", "USD", &cur)) !=
	    ERR_OK || (e = db_option_get(r->db, r->a, "currency_symbol", "",
	    &sym)) != ERR_OK || (e = db_option_get(r->db, r->a,
	    "base_price", NULL, &bp)) != ERR_OK)
		return e;
	if ((data = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	cJSON_AddStringToObject(data, "system_name", name);
	cJSON_AddStringToObject(data, "version", NX_VERSION);
	api_num(data, "quota_per_usd", strtoll(qpu, NULL, 10));
	/* Prices are multipliers of this, as billing reads it. */
	api_num(data, "base_price", db_base_price(bp));
	cJSON_AddStringToObject(data, "currency", cur);
	cJSON_AddStringToObject(data, "currency_symbol", *sym != '\0' ? sym :
	    symbol_of(cur));
	return api_ok(c, data);
}
