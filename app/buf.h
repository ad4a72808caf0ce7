/*
 * buf.h: growable byte buffer with a hard cap set at init.
 *
 * Memory comes from malloc (not the arena) so a buffer can outlive or
 * exceed the arena's block size; register buf_free with arena_defer when a
 * buffer lives for one request.  Appends past the cap fail with -1 and
 * leave the buffer unchanged.  p is always NUL-terminated when non-NULL.
 */
#ifndef NX_BUF_H
#define NX_BUF_H

#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;	/* allocated */
	size_t	 max;	/* hard cap on len */
};

void	 buf_init(struct buf *b, size_t max);
/* Each returns 0, or -1 on cap or allocation failure. */
int	 buf_append(struct buf *b, const void *p, size_t n);
int	 buf_puts(struct buf *b, const char *s);
int	 buf_putc(struct buf *b, char c);
int	 buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes (n <= len). */
void	 buf_consume(struct buf *b, size_t n);
void	 buf_reset(struct buf *b);
/* Frees memory; b may be NULL.  Suitable for arena_defer. */
void	 buf_free(void *b);
/* Returns p, or "" for an empty never-grown buffer. */
const char *buf_cstr(const struct buf *b);

#endif
