/*
 * log.c: stderr logging.  Each line is written with one write(2) so lines
 * from many threads and processes do not interleave (stderr is O_APPEND or
 * a pipe; writes under PIPE_BUF are atomic on pipes).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level	 log_lvl = LOG_INFO_;
static const char	*log_tag = "nexhina";

static const char *const lvl_names[] = { "error", "warn", "info", "debug" };

void
log_setup(enum log_level lvl, const char *tag)
{
	log_lvl = lvl;
	if (tag != NULL)
		log_tag = tag;
}

int
log_level_parse(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(lvl_names) / sizeof(lvl_names[0]); i++)
		if (strcmp(s, lvl_names[i]) == 0)
			return (int)i;
	return -1;
}

static size_t
stamp(char *out, size_t outsz)
{
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, outsz, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n > 0 && n < outsz)
		n += (size_t)snprintf(out + n, outsz - n, ".%03ldZ",
		    ts.tv_nsec / 1000000);
	return n < outsz ? n : outsz - 1;
}

void
log_msg(enum log_level lvl, const char *rid, const char *fmt, ...)
{
	char	 line[2048];
	size_t	 n;
	int	 r;
	va_list	 ap;

	if (lvl > log_lvl)
		return;
	n = stamp(line, sizeof(line));
	r = snprintf(line + n, sizeof(line) - n, " %s %s[%d]%s%s ",
	    lvl_names[lvl], log_tag, (int)getpid(),
	    rid != NULL ? " rid=" : "", rid != NULL ? rid : "");
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r :
		    sizeof(line) - n - 1;
	va_start(ap, fmt);
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r :
		    sizeof(line) - n - 1;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)write(STDERR_FILENO, line, n);
}

void
log_line(const char *line)
{
	char	 out[4096];
	size_t	 n = strlen(line);

	if (n > sizeof(out) - 2)
		n = sizeof(out) - 2;
	memcpy(out, line, n);
	out[n++] = '\n';
	(void)write(STDERR_FILENO, out, n);
}

char *
log_escape(char *out, size_t outsz, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t		 o = 0;
	unsigned char	 c;

	if (outsz == 0)
		return out;
	for (; s != NULL && *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c > 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 1 >= outsz)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= outsz)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}
