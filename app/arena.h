/*
 * arena.h: per-request region allocator with cleanup handlers.
 *
 * One arena per request slot; everything a request allocates comes from it
 * and is released at once by arena_reset().  Foreign objects (cJSON trees,
 * curl lists, MariaDB results) are registered with arena_defer() so that the
 * reset frees them too.  The arena has a byte cap set at init: an allocation
 * past it fails (returns NULL) rather than growing without bound.
 */
#ifndef NX_ARENA_H
#define NX_ARENA_H

#include <stddef.h>
#include <stdarg.h>

struct arena_blk;
struct arena_cleanup;

struct arena {
	struct arena_blk	*head;		/* newest block first */
	struct arena_cleanup	*cleanups;	/* run LIFO on reset */
	size_t			 used;		/* bytes in big + small blocks */
	size_t			 cap;		/* 0 = unlimited */
};

/* Prepares a with a byte cap (0 = none).  Never fails. */
void	 arena_init(struct arena *a, size_t cap);
/* Returns zeroed memory aligned for any type, or NULL past the cap. */
void	*arena_alloc(struct arena *a, size_t n);
/* Copies; returns NULL on cap.  s may be NULL (returns NULL). */
char	*arena_strdup(struct arena *a, const char *s);
char	*arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into arena memory; NULL on cap or format error. */
char	*arena_printf(struct arena *a, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * Registers fn(p) to run at the next reset (LIFO).  Returns 0, or -1 when
 * the record cannot be allocated, in which case fn(p) is run at once so the
 * object never leaks.
 */
int	 arena_defer(struct arena *a, void (*fn)(void *), void *p);
/* Runs cleanups, keeps the first block for reuse, frees the rest. */
void	 arena_reset(struct arena *a);
/* Like reset, then frees everything. */
void	 arena_free(struct arena *a);

#endif
