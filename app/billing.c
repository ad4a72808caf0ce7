/*
 * billing.c: integer price arithmetic.  Rounding is always up to a whole
 * quota unit so that a request that used anything costs at least 1 and the
 * platform never gives tokens away by truncation.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "billing.h"
#include "db.h"

typedef unsigned __int128 u128;

static int64_t
ceil_div_sat(u128 num, u128 den)
{
	u128	 q;

	q = num / den + (num % den != 0);
	return q > (u128)INT64_MAX ? INT64_MAX : (int64_t)q;
}

static u128
nonneg(int64_t v)
{
	return v > 0 ? (u128)v : 0;
}

int64_t
bill_tokens(const struct price *p, int64_t base_price, int64_t ratio_u,
    const struct usage *u)
{
	u128	 prompt, cached, written, sum;
	const u128 den = (u128)1000000000000000000ULL;	/* 10^18 */

	/* cached + written <= prompt: each is cut to what is left. */
	prompt = nonneg(u->prompt);
	cached = nonneg(u->cached);
	if (cached > prompt)
		cached = prompt;
	written = nonneg(u->cache_write);
	if (written > prompt - cached)
		written = prompt - cached;
	sum = (prompt - cached - written) * nonneg(p->input_u) +
	    cached * nonneg(p->cache_u) + written * nonneg(p->cache_write_u > 0
	    ? p->cache_write_u : p->input_u);
	if (p->basis == BASIS_TOKENS)
		sum += nonneg(u->completion) * nonneg(p->output_u);
	/* sum < 2^63 * 2^63 * 3; times two more int64 could overflow 2^128. */
	if (sum == 0 || base_price <= 0 || ratio_u <= 0)
		return 0;
	if (sum > ((u128)1 << 127) / nonneg(base_price) / nonneg(ratio_u))
		return INT64_MAX;
	return ceil_div_sat(sum * nonneg(base_price) * nonneg(ratio_u), den);
}

int64_t
bill_units(const struct price *p, int64_t ratio_u, int64_t units)
{
	u128	 sum;

	if (units <= 0 || p->unit_u <= 0 || ratio_u <= 0)
		return 0;
	sum = nonneg(units) * nonneg(p->unit_u);
	if (sum > ((u128)1 << 127) / nonneg(ratio_u))
		return INT64_MAX;
	return ceil_div_sat(sum * nonneg(ratio_u), (u128)1000000000000ULL);
}

int
bill_parse_micro(const char *s, int64_t *out)
{
	int64_t	 whole = 0, frac = 0;
	int	 digits = 0, fd = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (whole > (INT64_MAX / 1000000 - 9) / 10)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.') {
		s++;
		for (; *s >= '0' && *s <= '9'; s++, fd++) {
			if (fd >= 6)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (fd == 0)
			return -1;
	}
	if (*s != '\0' || digits + fd == 0)
		return -1;
	for (; fd < 6; fd++)
		frac *= 10;
	*out = whole * 1000000 + frac;
	return 0;
}

void
bill_format_micro(int64_t v, char *out, size_t outsz)
{
	int64_t	 whole, frac;
	int	 n;

	if (v < 0) {
		snprintf(out, outsz, "-");
		return;
	}
	whole = v / 1000000;
	frac = v % 1000000;
	if (frac == 0) {
		snprintf(out, outsz, "%lld", (long long)whole);
		return;
	}
	n = snprintf(out, outsz, "%lld.%06lld", (long long)whole,
	    (long long)frac);
	/* Trim trailing zeros of the fraction. */
	while (n > 0 && (size_t)n < outsz && out[n - 1] == '0')
		out[--n] = '\0';
}
