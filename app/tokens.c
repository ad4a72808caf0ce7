/*
 * tokens.c: the byte heuristic.  ASCII runs are counted in quarters;
 * each UTF-8 lead byte of a multi-byte sequence counts one token (CJK
 * and most non-Latin scripts are about one token per character in the
 * OpenAI vocabularies); continuation bytes count nothing.
 */
#include "tokens.h"

int64_t
tok_estimate(const char *s, size_t n)
{
	int64_t	 ascii = 0, other = 0;
	size_t	 i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < 0x80)
			ascii++;
		else if ((c & 0xc0) != 0x80)
			other++;
	}
	return (ascii + 3) / 4 + other;
}
