/*
 * arena.c: a bump allocator over a list of malloc'd blocks.
 *
 * Invariants: blocks are at least ARENA_BLK bytes; a request larger than a
 * quarter block gets a block of its own so big bodies do not waste the
 * tail of a shared block.  a->used counts the bytes handed out, which is
 * what the cap limits.  Reset keeps one standard block so that a steady
 * request stream allocates nothing from malloc.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_BLK	(64 * 1024)
#define ARENA_ALIGN	16

struct arena_blk {
	struct arena_blk	*next;
	size_t			 size;	/* usable bytes in data */
	size_t			 off;	/* next free offset */
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup	*next;
	void			(*fn)(void *);
	void			*p;
};

void
arena_init(struct arena *a, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->cap = cap;
}

static struct arena_blk *
blk_new(size_t size)
{
	struct arena_blk	*b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	if ((b = malloc(sizeof(*b) + size)) == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->off = 0;
	return b;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_blk	*b;
	size_t			 need;
	void			*p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (a->cap != 0 && (need > a->cap || a->used > a->cap - need))
		return NULL;
	b = a->head;
	if (b == NULL || b->size - b->off < need) {
		if (need > ARENA_BLK / 4) {
			/* Own block, linked behind the current head. */
			if ((b = blk_new(need)) == NULL)
				return NULL;
			if (a->head != NULL) {
				b->next = a->head->next;
				a->head->next = b;
			} else
				a->head = b;
		} else {
			if ((b = blk_new(ARENA_BLK)) == NULL)
				return NULL;
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->off;
	b->off += need;
	a->used += need;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	if (s == NULL || n == SIZE_MAX)
		return NULL;
	if ((p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	if (s == NULL)
		return NULL;
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	if ((p = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

int
arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
	struct arena_cleanup	*c;

	/* Cleanup records do not count against the cap: they must exist. */
	if ((c = malloc(sizeof(*c))) == NULL) {
		fn(p);
		return -1;
	}
	c->fn = fn;
	c->p = p;
	c->next = a->cleanups;
	a->cleanups = c;
	return 0;
}

static void
run_cleanups(struct arena *a)
{
	struct arena_cleanup	*c;

	while ((c = a->cleanups) != NULL) {
		a->cleanups = c->next;
		c->fn(c->p);
		free(c);
	}
}

void
arena_reset(struct arena *a)
{
	struct arena_blk	*b, *next, *keep = NULL;

	run_cleanups(a);
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		if (keep == NULL && b->size == ARENA_BLK) {
			keep = b;
			continue;
		}
		free(b);
	}
	if (keep != NULL) {
		keep->next = NULL;
		keep->off = 0;
	}
	a->head = keep;
	a->used = 0;
}

void
arena_free(struct arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
}
