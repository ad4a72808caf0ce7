/*
 * auth.c: who is calling.  The key is looked up by its SHA-256 only, so
 * the comparison is by hash (no timing leak on the secret).  Every failure
 * that concerns the key itself - missing, malformed, unknown, deleted,
 * disabled, expired - gives the same 401 so a caller learns nothing about
 * which keys exist.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "db.h"
#include "request.h"
#include "sec.h"

static const char *
bearer(const char *h, size_t *n)
{
	const char	*k;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	k = h + 7;
	*n = strlen(k);
	return sec_key_wellformed(k, *n) ? k : NULL;
}

static const char *
plain(const char *h, size_t *n)
{
	if (h == NULL)
		return NULL;
	*n = strlen(h);
	return sec_key_wellformed(h, *n) ? h : NULL;
}

static const char *
query_key(const char *q, size_t *n)
{
	const char	*p, *end;

	for (p = q; p != NULL && *p != '\0'; p = end + (*end == '&')) {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		if (strncmp(p, "key=", 4) == 0) {
			*n = (size_t)(end - p - 4);
			return sec_key_wellformed(p + 4, *n) ? p + 4 : NULL;
		}
		if (*end == '\0')
			break;
	}
	return NULL;
}

const char *
auth_extract(enum route_auth kind, const char *authz, const char *xapikey,
    const char *xgoog, const char *query, size_t *n)
{
	const char	*k;

	if (authz != NULL)
		return bearer(authz, n);
	if (kind == RAUTH_ANTHROPIC && (k = plain(xapikey, n)) != NULL)
		return k;
	if (kind == RAUTH_GEMINI) {
		if (xgoog != NULL)
			return plain(xgoog, n);
		return query_key(query, n);
	}
	return NULL;
}

int
auth_list_has(const char *list, const char *item)
{
	size_t		 n = strlen(item);
	const char	*p, *end;

	if (list == NULL || *list == '\0')
		return 1;
	for (p = list; *p != '\0'; p = end + (*end == ',')) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) == n && memcmp(p, item, n) == 0)
			return 1;
		if (*end == '\0')
			break;
	}
	return 0;
}

/* addr in net/bits?  a and net are 4 or 16 bytes. */
static int
prefix_match(const unsigned char *a, const unsigned char *net, int bits)
{
	int	 full = bits / 8, rest = bits % 8;

	if (memcmp(a, net, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ net[full]) & (0xff << (8 - rest))) == 0;
}

static int
entry_match(const char *e, size_t elen, const char *addr)
{
	char		 buf[64], *slash, *end;
	unsigned char	 a[16], net[16];
	int		 af, bits;
	long		 v;

	if (elen == 0 || elen >= sizeof(buf))
		return 0;
	memcpy(buf, e, elen);
	buf[elen] = '\0';
	af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, addr, a) != 1)
		return 0;
	bits = af == AF_INET ? 32 : 128;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		v = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || v < 0 || v > bits)
			return 0;
		bits = (int)v;
	}
	if (inet_pton(af, buf, net) != 1)
		return 0;
	return prefix_match(a, net, bits);
}

int
auth_ip_allowed(const char *list, const char *addr)
{
	const char	*p, *end;

	if (list == NULL || *list == '\0')
		return 1;
	if (addr == NULL || *addr == '\0')
		return 0;
	for (p = list; *p != '\0'; p = end + (*end == ',')) {
		while (*p == ' ')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if (entry_match(p, (size_t)(end - p), addr))
			return 1;
		if (*end == '\0')
			break;
	}
	return 0;
}

enum err
auth_check(struct req *r)
{
	const char	*k;
	char		 hash[SEC_HEX256];
	size_t		 n = 0;
	enum err	 e;

	k = auth_extract(r->route->auth, req_param(r, "HTTP_AUTHORIZATION"),
	    req_param(r, "HTTP_X_API_KEY"), req_param(r, "HTTP_X_GOOG_API_KEY"),
	    r->query, &n);
	if (k == NULL)
		return ERR_AUTH;
	sec_sha256_hex(k, n, hash);
	if ((e = db_key_lookup(r->db, r->a, hash, &r->key)) != ERR_OK)
		return e;
	if (r->key.token_status != 1)
		return ERR_AUTH;
	if (r->key.expired_time != -1 &&
	    r->key.expired_time <= (int64_t)time(NULL))
		return ERR_AUTH;
	if (r->key.user_status != 1)
		return ERR_USER_DISABLED;
	if (!auth_ip_allowed(r->key.allow_ips, r->remote_addr))
		return ERR_IP_NOT_ALLOWED;
	r->authed = 1;
	return ERR_OK;
}
