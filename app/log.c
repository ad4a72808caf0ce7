/*
 * log.c: logging to stderr (default) or syslog.  On stderr each line is
 * written with one write(2) so lines from many threads and processes do
 * not interleave (stderr is O_APPEND or a pipe; writes under PIPE_BUF are
 * atomic on pipes); it starts with a UTC timestamp.  Under syslog the
 * daemon stamps the time and the pid, so the line starts at the level;
 * syslog(3) is thread-safe and one call is one datagram.  Access lines
 * go to the same place at priority info.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level	 log_lvl = LOG_INFO_;
static const char	*log_tag = "nexhina";
static int		 log_sys;	/* 1: syslog(3) */

static const char *const lvl_names[] = { "error", "warn", "info", "debug" };
static const int lvl_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void
log_setup(enum log_level lvl, const char *tag)
{
	log_lvl = lvl;
	if (tag != NULL)
		log_tag = tag;
}

void
log_target(const char *target)
{
	int	 sys = target != NULL && strcmp(target, "syslog") == 0;

	if (sys && !log_sys)
		openlog("nexhina", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!sys && log_sys)
		closelog();
	log_sys = sys;
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
	n = log_sys ? 0 : stamp(line, sizeof(line));
	if (log_sys)
		r = snprintf(line, sizeof(line), "%s %s%s%s ",
		    lvl_names[lvl], log_tag, rid != NULL ? " rid=" : "",
		    rid != NULL ? rid : "");
	else
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
	if (log_sys) {
		line[n] = '\0';
		syslog(lvl_prio[lvl], "%s", line);
		return;
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) == -1)
		return;		/* nowhere left to report it */
}

void
log_line(const char *line)
{
	char	 out[4096];
	size_t	 n = strlen(line);

	if (log_sys) {
		syslog(LOG_INFO, "%.*s", (int)(n < 4000 ? n : 4000), line);
		return;
	}
	if (n > sizeof(out) - 2)
		n = sizeof(out) - 2;
	memcpy(out, line, n);
	out[n++] = '\n';
	if (write(STDERR_FILENO, out, n) == -1)
		return;		/* nowhere left to report it */
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
