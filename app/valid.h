/*
 * valid.h: the checks of administrative input that the management API
 * (handlers/admin) and nexhinactl share, so that a name, list or amount
 * accepted by one is accepted by the other: model, group and user names,
 * IP addresses, comma lists and exact decimal amounts.  Pure functions
 * of their arguments; callers word their own errors.
 */
#ifndef NX_VALID_H
#define NX_VALID_H

#include <stddef.h>
#include <stdint.h>

/*
 * 1 when s[0..n) is a model name (1-128 bytes, no blank, control or ','),
 * a group name (1-64 of [A-Za-z0-9_.-]) or an IPv4/IPv6 address with an
 * optional /prefix length; else 0.
 */
int	 valid_model(const char *s, size_t n);
int	 valid_group(const char *s, size_t n);
int	 valid_ip(const char *s, size_t n);
/* 1 for a user name: 1-64 of [A-Za-z0-9._@-], not all digits. */
int	 valid_username(const char *s);
/*
 * Normalizes the comma list s into out (outsz bytes, at least
 * strlen(s) + 1): items trimmed of blanks, empty items and repeats
 * dropped, each accepted by ok.  0, or -1 with *bad and *badn the first item
 * ok refused (*bad NULL when out is too small).
 */
int	 valid_list(const char *s, int (*ok)(const char *, size_t),
	    char *out, size_t outsz, const char **bad, size_t *badn);

/* Why valid_micro refused: what the callers' messages name. */
enum valid_micro {
	VM_OK,
	VM_NOT_NUMBER,		/* does not start with a digit */
	VM_TOO_LARGE,		/* beyond INT64_MAX millionths */
	VM_NO_FRACTION,		/* no digit after '.' */
	VM_DECIMALS,		/* more than 6 decimals */
	VM_TRAILING		/* bytes after the number */
};

/*
 * Parses a non-negative decimal "D[.F]" with at most six fraction digits
 * exactly into millionths ("2.5" -> 2500000), without floating point.
 */
enum valid_micro valid_micro(const char *s, int64_t *out);

#endif
