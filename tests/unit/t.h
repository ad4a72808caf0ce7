/*
 * t.h: the tiny TAP harness of the unit tests.  Each test binary prints
 * "ok N - name" / "not ok N - name" lines; tests/run.sh counts them.
 * T_OK(cond, fmt, ...) records one result; t_done() returns the exit code.
 */
#ifndef NX_T_H
#define NX_T_H

#include <stdarg.h>
#include <stdio.h>

static int t_n, t_fail;

static void __attribute__((format(printf, 4, 5), unused))
t_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list	 ap;

	t_n++;
	printf("%sok %d - ", cond ? "" : "not ", t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		t_fail++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
}

#define T_OK(cond, ...)	t_ok((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

static int __attribute__((unused))
t_done(void)
{
	printf("1..%d\n", t_n);
	return t_fail == 0 ? 0 : 1;
}

#endif
