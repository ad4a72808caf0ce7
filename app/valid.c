/*
 * valid.c: input checks shared by the management API and nexhinactl
 * (valid.h).  Everything is bounded by the caller's lengths; nothing
 * allocates.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "valid.h"

int
valid_model(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 128)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == ',' ||
		    s[i] == 0x7f)
			return 0;
	return 1;
}

int
valid_group(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

int
valid_ip(const char *s, size_t n)
{
	unsigned char	 bin[16];
	char		 a[64];
	char		*slash;
	size_t		 i;
	int		 v6, bits = 0;

	if (n == 0 || n >= sizeof(a))
		return 0;
	memcpy(a, s, n);
	a[n] = '\0';
	if ((slash = strchr(a, '/')) != NULL) {
		if (slash[1] == '\0' || strlen(slash + 1) > 3)
			return 0;
		for (i = 1; slash[i] != '\0'; i++) {
			if (!isdigit((unsigned char)slash[i]))
				return 0;
			bits = bits * 10 + (slash[i] - '0');
		}
		*slash = '\0';
	}
	v6 = strchr(a, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, a, bin) != 1)
		return 0;
	return bits <= (v6 ? 128 : 32);
}

int
valid_username(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > 64 || strspn(s, "0123456789") == n)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._@-", s[i]) ==
		    NULL)
			return 0;
	return 1;
}

int
valid_list(const char *s, int (*ok)(const char *, size_t), char *r,
    size_t rsz, const char **bad, size_t *badn)
{
	const char	*p = s, *b, *e, *q, *qe;
	size_t		 len = 0, n;

	*bad = NULL;
	*badn = 0;
	if (rsz < strlen(s) + 1)
		return -1;
	r[0] = '\0';
	while (*p != '\0') {
		e = p + strcspn(p, ",");
		for (b = p; b < e && isspace((unsigned char)*b); b++)
			;
		for (qe = e; qe > b && isspace((unsigned char)qe[-1]); qe--)
			;
		n = (size_t)(qe - b);
		p = *e == ',' ? e + 1 : e;
		if (n == 0)
			continue;
		if (!ok(b, n)) {
			*bad = b;
			*badn = n;
			return -1;
		}
		/* Skip a duplicate of an item already kept. */
		for (q = r; q < r + len; q = qe + 1) {
			qe = q + strcspn(q, ",");
			if ((size_t)(qe - q) == n && memcmp(q, b, n) == 0)
				break;
		}
		if (q < r + len)
			continue;
		if (len > 0)
			r[len++] = ',';
		memcpy(r + len, b, n);
		len += n;
		r[len] = '\0';
	}
	return 0;
}

enum valid_micro
valid_micro(const char *s, int64_t *out)
{
	int64_t	 ip = 0, fp = 0;
	int	 fd = 0, dg;

	if (!isdigit((unsigned char)*s))
		return VM_NOT_NUMBER;
	for (; isdigit((unsigned char)*s); s++) {
		dg = *s - '0';
		if (ip > (INT64_MAX - dg) / 10)
			return VM_TOO_LARGE;
		ip = ip * 10 + dg;
	}
	if (*s == '.') {
		if (!isdigit((unsigned char)*++s))
			return VM_NO_FRACTION;
		for (; isdigit((unsigned char)*s); s++, fd++) {
			if (fd == 6)
				return VM_DECIMALS;
			fp = fp * 10 + (*s - '0');
		}
	}
	if (*s != '\0')
		return VM_TRAILING;
	for (; fd < 6; fd++)
		fp *= 10;
	if (ip > (INT64_MAX - fp) / 1000000)
		return VM_TOO_LARGE;
	*out = ip * 1000000 + fp;
	return VM_OK;
}
