/*
 * util.c: small helpers of the mock upstream: a capped growable buffer,
 * the two clocks and a UTF-8 scrubber for bytes that end up in JSON.
 * Nothing here keeps state.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mock.h"

void
mbuf_init(struct mbuf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int
mbuf_grow(struct mbuf *b, size_t n)
{
	size_t	 want, ncap;
	char	*np;

	if (n > b->max || b->len > b->max - n)
		return -1;
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	ncap = b->cap > 0 ? b->cap : 256;
	while (ncap < want)
		ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
	if ((np = realloc(b->p, ncap)) == NULL)
		return -1;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
mbuf_append(struct mbuf *b, const void *p, size_t n)
{
	if (mbuf_grow(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
mbuf_puts(struct mbuf *b, const char *s)
{
	return mbuf_append(b, s, strlen(s));
}

int
mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || mbuf_grow(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
mbuf_reset(struct mbuf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

void
mbuf_free(struct mbuf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int64_t
mock_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mock_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 when it is not valid.
 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t	 len, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return p[0] == 0 ? 0 : 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

char *
mock_utf8_dup(const char *p, size_t len)
{
	const unsigned char	*s = (const unsigned char *)p;
	char			*out;
	size_t			 i, o, n;

	/* Worst case every byte becomes the 3-byte U+FFFD. */
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	if ((out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	for (i = o = 0; i < len; i += n) {
		if ((n = utf8_len(s + i, len - i)) > 0) {
			memcpy(out + o, s + i, n);
			o += n;
			continue;
		}
		memcpy(out + o, "\xef\xbf\xbd", 3);
		o += 3;
		n = 1;
	}
	out[o] = '\0';
	return out;
}

int
mock_prefix_parse(const char *s, const struct mock_ldef *defs, size_t n,
    void *base, char *msg, size_t msgsz)
{
	const char	*p, *end, *eq, *sp;
	char		*num_end;
	size_t		 i, len;
	long		 v;

	if (strncmp(s, "[mock", 5) != 0)
		return 0;
	if ((end = strchr(s, ']')) == NULL) {
		snprintf(msg, msgsz, "Invalid mock control: no ']'");
		return -1;
	}
	for (p = s + 5; p < end; p = sp) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		for (sp = p; sp < end && *sp != ' '; sp++)
			continue;
		if ((eq = memchr(p, '=', (size_t)(sp - p))) == NULL) {
			snprintf(msg, msgsz, "Invalid mock control '%.*s'",
			    (int)(sp - p), p);
			return -1;
		}
		len = (size_t)(eq - p);
		for (i = 0; i < n; i++)
			if (strlen(defs[i].name) == len &&
			    memcmp(defs[i].name, p, len) == 0)
				break;
		v = strtol(eq + 1, &num_end, 10);
		if (i == n || num_end != sp || eq + 1 == sp ||
		    v < defs[i].min || v > defs[i].max) {
			snprintf(msg, msgsz, "Invalid mock control '%.*s'",
			    (int)(sp - p), p);
			return -1;
		}
		*(long *)(void *)((char *)base + defs[i].off) = v;
	}
	return 0;
}
