/*
 * fuzz_multipart.c: libFuzzer harness for the multipart/form-data parser
 * (app/multipart.c).
 *
 * Input: one byte that picks the chunk size (1..64), then the Content-Type
 * value up to the first '\n' (at most 256 bytes), then the body.  The body
 * is parsed twice, in one feed and in chunks; both runs must agree on the
 * verdict and on every part (the parser's promise that a split never
 * matters), and every part must respect the caps and be NUL-terminated.
 * A disagreement aborts, which libFuzzer reports as a crash; so do the
 * sanitizers' findings.
 *
 * fuzz-sources: app/multipart.c app/arena.c app/buf.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "multipart.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct mp_limits lim = {
	.max_parts = 8, .max_header = 512, .max_name = 32,
	.max_filename = 64, .max_field = 256, .max_file = 4096,
};

static enum err
parse(struct arena *a, const char *ctype, const char *body, size_t n,
    size_t step, struct mp_parser **pp)
{
	struct mp_parser	*p;
	enum err		 e;
	size_t			 off, k;

	*pp = NULL;
	if ((p = mp_new(a, ctype, &lim, &e)) == NULL)
		return e;
	*pp = p;
	for (off = 0, e = ERR_OK; off < n && e == ERR_OK; off += k) {
		k = n - off < step ? n - off : step;
		e = mp_feed(p, body + off, k);
	}
	if (e == ERR_OK)
		e = mp_finish(p);
	if (e != ERR_OK && (mp_error(p) == NULL || mp_feed(p, "x", 1) != e))
		abort();	/* errors must stick and be explained */
	return e;
}

static void
check_parts(struct mp_parser *p)
{
	struct mp_part	*pt;
	size_t		 i, n;

	pt = mp_parts(p, &n);
	if (n > lim.max_parts)
		abort();
	for (i = 0; i < n; i++) {
		if (pt[i].name == NULL || pt[i].name[0] == '\0' ||
		    strlen(pt[i].name) > lim.max_name)
			abort();
		if (pt[i].filename != NULL &&
		    strlen(pt[i].filename) > lim.max_filename)
			abort();
		if (pt[i].data.len > (pt[i].filename != NULL ? lim.max_file :
		    lim.max_field) || pt[i].data.p == NULL ||
		    pt[i].data.p[pt[i].data.len] != '\0')
			abort();
		if (mp_get(p, pt[i].name) == NULL)
			abort();
	}
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena	 a1, a2;
	static int		 init;
	struct mp_parser	*p1, *p2;
	struct mp_part		*x, *y;
	const char		*in = (const char *)data, *nl;
	char			 ctype[257];
	size_t			 step, clen, nx, ny, i;
	enum err		 e1, e2;

	if (!init) {
		arena_init(&a1, 64u << 20);
		arena_init(&a2, 64u << 20);
		init = 1;
	}
	if (size < 1)
		return 0;
	step = (size_t)(data[0] % 64) + 1;
	in++;
	size--;
	nl = memchr(in, '\n', size < 256 ? size : 256);
	clen = nl != NULL ? (size_t)(nl - in) : (size < 256 ? size : 256);
	memcpy(ctype, in, clen);
	ctype[clen] = '\0';
	in += clen + (nl != NULL);
	size -= clen + (nl != NULL);

	e1 = parse(&a1, ctype, in, size, size > 0 ? size : 1, &p1);
	e2 = parse(&a2, ctype, in, size, step, &p2);
	if (e1 != e2)
		abort();
	if (e1 == ERR_OK) {
		check_parts(p1);
		x = mp_parts(p1, &nx);
		y = mp_parts(p2, &ny);
		if (nx != ny)
			abort();
		for (i = 0; i < nx; i++)
			if (!same_str(x[i].name, y[i].name) ||
			    !same_str(x[i].filename, y[i].filename) ||
			    !same_str(x[i].ctype, y[i].ctype) ||
			    x[i].data.len != y[i].data.len ||
			    memcmp(x[i].data.p, y[i].data.p,
			    x[i].data.len) != 0)
				abort();
	}
	arena_reset(&a1);
	arena_reset(&a2);
	return 0;
}
