/*
 * tokens.h: token estimation.  Used for quota holds and for billing when
 * an upstream sends no usage (client disconnects, broken streams).  This
 * is the documented heuristic (docs/billing.md): one token per 4 bytes of
 * ASCII, one per non-ASCII code point, rounded up; exact BPE counting for
 * OpenAI models replaces it later.
 */
#ifndef NX_TOKENS_H
#define NX_TOKENS_H

#include <stddef.h>
#include <stdint.h>

/* Estimated tokens of UTF-8 text s[0..n); 0 only for n == 0. */
int64_t	 tok_estimate(const char *s, size_t n);

#endif
