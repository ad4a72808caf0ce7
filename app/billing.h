/*
 * billing.h: the price formula (DESIGN.md 5) and the log record of its
 * inputs.  Pure arithmetic: no I/O here, so every case is unit-tested.
 *
 * Token basis:
 *   quota = ceil( (uncached_prompt * input_u + cached * cache_u
 *                  + cache_write * cache_write_u + completion * output_u)
 *                 * base_price * group_ratio_u / 10^18 )
 * where uncached_prompt = prompt - cached - cache_write, and a
 * cache_write_u of 0 means input_u (no price of its own).
 * where multipliers and the group ratio are millionths and base_price is
 * the quota of one million base tokens (10^6 tokens x 10^6 x 10^6 = 10^18).
 * Intermediates are 128-bit; the result saturates at INT64_MAX.
 */
#ifndef NX_BILLING_H
#define NX_BILLING_H

#include <stdint.h>

struct arena;
struct price;

struct usage {
	int64_t	 prompt;	/* all prompt tokens, cached included */
	int64_t	 cached;	/* of which read from cache */
	int64_t	 cache_write;	/* of which written to a cache */
	int64_t	 completion;	/* all output tokens, reasoning included */
	int64_t	 reasoning;	/* of which reasoning (informational) */
};

/* Quota for u at price p; 0 for negative/empty usage.  Never negative. */
int64_t	 bill_tokens(const struct price *p, int64_t base_price,
	    int64_t group_ratio_u, const struct usage *u);
/* Quota for `units` of a non-token basis: ceil(units * unit_u * ratio / 10^12). */
int64_t	 bill_units(const struct price *p, int64_t group_ratio_u,
	    int64_t units);
/*
 * Parses a decimal ("2.5", "0.075", "15") into millionths exactly, no
 * float: returns 0 and *out, or -1 for junk, more than 6 decimals, a sign
 * or overflow.
 */
int	 bill_parse_micro(const char *s, int64_t *out);
/* Formats millionths as a short decimal ("2.5", "0.075") into out. */
void	 bill_format_micro(int64_t v, char *out, size_t outsz);

#endif
