/*
 * log.h: diagnostics and the access line, both to stderr (or syslog,
 * config key `log`).
 *
 * Lines are single: untrusted bytes are escaped by log_escape() before
 * they reach a log.  Never log keys, passwords or bodies.
 */
#ifndef NX_LOG_H
#define NX_LOG_H

#include <stddef.h>

enum log_level { LOG_ERR_, LOG_WARN_, LOG_INFO_, LOG_DEBUG_ };

/* Sets the threshold and the process tag ("master", "worker", ...). */
void	 log_setup(enum log_level lvl, const char *tag);
/*
 * Chooses the destination: target "syslog" sends every line to syslog(3)
 * (facility daemon, ident "nexhina", with the pid), anything else to
 * stderr (the default).  Call before forking; children inherit it.
 */
void	 log_target(const char *target);
/* Parses "error", "warn", "info", "debug"; returns -1 when unknown. */
int	 log_level_parse(const char *s);
/* One line "ts level tag[pid] rid=... message".  rid may be NULL. */
void	 log_msg(enum log_level lvl, const char *rid, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
#define log_err(rid, ...)	log_msg(LOG_ERR_, (rid), __VA_ARGS__)
#define log_warn(rid, ...)	log_msg(LOG_WARN_, (rid), __VA_ARGS__)
#define log_info(rid, ...)	log_msg(LOG_INFO_, (rid), __VA_ARGS__)
#define log_debug(rid, ...)	log_msg(LOG_DEBUG_, (rid), __VA_ARGS__)
/*
 * Copies s into out (size outsz, always NUL-terminated) with bytes outside
 * printable ASCII, '"', '\\' and space written as \xHH; truncates.  Returns out.
 */
char	*log_escape(char *out, size_t outsz, const char *s);
/* Writes a ready line (no newline) as is; used for access lines. */
void	 log_line(const char *line);

#endif
