/*
 * cfg.h: the configuration file and its one table of keys.
 *
 * The file is "key = value" lines; '#' starts a comment; blank lines are
 * ignored.  Every key has a type, default, bounds and help text in one
 * table (cfg.c); an unknown key, a duplicate key or a value out of bounds
 * is an error reported as "file:line: message".  Strings are copied into
 * fixed arrays: a value longer than the array is an error, not truncated.
 */
#ifndef NX_CFG_H
#define NX_CFG_H

#include <stddef.h>
#include <stdio.h>

#define CFG_STR	256

struct cfg {
	/* FastCGI listener: "unix:/path", "tcp:host:port", or "" = fd 0. */
	char	listen[CFG_STR];
	int	listen_mode;		/* unix socket file mode, octal */
	int	workers;		/* worker processes */
	int	threads;		/* request slots per worker */
	int	shutdown_timeout;	/* s: drain limit on TERM/HUP */

	/* MariaDB */
	char	db_socket[CFG_STR];	/* "" = use db_host/db_port */
	char	db_host[CFG_STR];
	int	db_port;
	char	db_user[CFG_STR];
	char	db_password[CFG_STR];
	char	db_name[CFG_STR];
	int	db_timeout;		/* s: connect/read/write timeout */

	char	secret_key_file[CFG_STR];
	char	log_level[16];		/* error|warn|info|debug */
	int	access_log;		/* 0/1 */

	/* Request handling */
	long	body_max_json;		/* bytes: JSON routes (413 beyond) */
	long	body_max_multipart;	/* bytes: multipart routes */
	long	upstream_max_response;	/* bytes: non-stream upstream body */
	int	upstream_connect_timeout;	/* s */
	int	upstream_timeout;	/* s: whole transfer */
	int	upstream_idle_timeout;	/* s: no byte from upstream */
	int	keepalive_interval;	/* s: SSE comment while upstream silent */
	int	default_max_tokens;	/* hold estimate when unset */

	/* Money and housekeeping */
	int	hold_ttl;		/* s: stale holds refunded after */
	int	reload_interval;	/* s: DB-backed settings cache */
	int	housekeep_interval;	/* s */
	char	ratelimit[16];		/* local|db */

	/* Operation */
	char	log_target[16];		/* key `log`: stderr|syslog */
	char	status_file[CFG_STR];	/* "" = no status channel */
	char	mode[16];		/* auto|prefork|single */
	int	breaker_threshold;	/* failures that open; 0 = off */
	int	breaker_cooldown;	/* s an open breaker stays open */
};

/* Fills c with every key's default. */
void	 cfg_defaults(struct cfg *c);
/*
 * Reads path into c (defaults first).  On error returns -1 and writes one
 * or more "path:line: message" lines to errf (may be NULL); c is then
 * undefined.  Checks every line, so all errors of a file are reported.
 */
int	 cfg_load(struct cfg *c, const char *path, FILE *errf);
/* Same over an in-memory text; name is used in messages (for tests). */
int	 cfg_parse(struct cfg *c, const char *name, const char *text,
	    FILE *errf);
/* Writes every key with its type, default, bounds and help (for README). */
void	 cfg_describe(FILE *out);
/*
 * Writes a sample configuration file to out: a header, then every key
 * commented out with its help, type, bounds and default, so that removing
 * the '#' before "key = value" gives the default.  0, or -1 on a write
 * error.
 */
int	 cfg_write_sample(FILE *out);

#endif
