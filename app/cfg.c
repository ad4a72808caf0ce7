/*
 * cfg.c: the configuration file, parsed against one static table of keys.
 *
 * Every key's name, type, place in struct cfg, default, bounds and help
 * live in keys[] below and nowhere else: the defaults, the parser, the
 * README table (cfg_describe) and the sample file (cfg_write_sample) are
 * all generated from it.  Defaults are written as they would appear in a
 * file and go through the same setter as parsed values, so a default can
 * never escape its own bounds (cfg_defaults asserts this).
 *
 * The parser owns nothing past a call: it works on one line at a time in
 * a stack copy capped at CFG_LINE_MAX bytes.  Invariants: a string field is
 * always NUL-terminated and zero-filled past its value (so two configs can
 * be compared with memcmp); an error never stops the scan, so one run
 * reports every bad line of a file as "name:line: message".  Values are
 * echoed in messages only for non-string keys (a string may be a password)
 * and then escaped and truncated.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cfg.h"

#define CFG_LINE_MAX	4096		/* bytes per line, without the EOL */
#define CFG_FILE_MAX	(1024 * 1024)	/* bytes per file */
#define CFG_MSG		256		/* one error message */
#define CFG_UNIX_PATH	107		/* sizeof(sun_path) - 1 on Linux */

enum cfg_type {
	CFG_T_STRING,
	CFG_T_INT,
	CFG_T_LONG,
	CFG_T_OCTAL,
	CFG_T_BOOL,
	CFG_T_ENUM,
	CFG_T__MAX
};

static const char *const cfg_type_names[CFG_T__MAX] = {
	"string", "int", "long", "octal", "bool", "enum"
};

struct cfg_key {
	const char		*name;
	enum cfg_type		 type;
	size_t			 off;	/* offsetof(struct cfg, field) */
	size_t			 size;	/* sizeof the field */
	const char		*def;	/* default, as written in a file */
	long long		 min;	/* numeric types */
	long long		 max;
	const char *const	*vals;	/* CFG_T_ENUM: NULL-terminated */
	int			(*check)(const char *, char *, size_t);
	const char		*bounds; /* overrides the generated text */
	const char		*help;	/* one sentence, no '|' */
};

#define FIELD(f)	.off = offsetof(struct cfg, f), \
			.size = sizeof(((struct cfg *)NULL)->f)

static const char *const log_levels[] = {
	"error", "warn", "info", "debug", NULL
};
static const char *const ratelimits[] = { "local", "db", NULL };
static const char *const log_targets[] = { "stderr", "syslog", NULL };
static const char *const modes[] = { "auto", "prefork", "single", NULL };
static const char *const bool_true[] = { "on", "yes", "true", "1", NULL };
static const char *const bool_false[] = { "off", "no", "false", "0", NULL };

static int	 check_listen(const char *, char *, size_t);
static int	 check_status_file(const char *, char *, size_t);

static const struct cfg_key keys[] = {
	{ .name = "listen", .type = CFG_T_STRING, FIELD(listen), .def = "",
	  .check = check_listen,
	  .bounds = "\"\", unix:/absolute/path, tcp:HOST:PORT",
	  .help = "FastCGI listener: empty to accept on fd 0 (spawned by "
	  "the web server), \"unix:/absolute/path\" or \"tcp:HOST:PORT\"." },
	{ .name = "listen_mode", .type = CFG_T_OCTAL, FIELD(listen_mode),
	  .def = "0660", .min = 0, .max = 0777,
	  .help = "File mode of the unix socket, so that the web server's "
	  "group can connect." },
	{ .name = "workers", .type = CFG_T_INT, FIELD(workers), .def = "2",
	  .min = 1, .max = 256,
	  .help = "Worker processes forked by the master." },
	{ .name = "threads", .type = CFG_T_INT, FIELD(threads), .def = "16",
	  .min = 1, .max = 1024,
	  .help = "Request slots (threads) per worker." },
	{ .name = "shutdown_timeout", .type = CFG_T_INT,
	  FIELD(shutdown_timeout), .def = "30", .min = 1, .max = 3600,
	  .help = "Seconds a worker drains requests in flight on TERM or "
	  "HUP before it exits." },
	{ .name = "db_socket", .type = CFG_T_STRING, FIELD(db_socket),
	  .def = "/run/mysqld/mysqld.sock",
	  .help = "MariaDB unix socket; empty to connect to db_host:db_port "
	  "over TCP." },
	{ .name = "db_host", .type = CFG_T_STRING, FIELD(db_host),
	  .def = "localhost",
	  .help = "MariaDB host, used when db_socket is empty." },
	{ .name = "db_port", .type = CFG_T_INT, FIELD(db_port),
	  .def = "3306", .min = 1, .max = 65535,
	  .help = "MariaDB TCP port, used when db_socket is empty." },
	{ .name = "db_user", .type = CFG_T_STRING, FIELD(db_user),
	  .def = "nexhina",
	  .help = "MariaDB user." },
	{ .name = "db_password", .type = CFG_T_STRING, FIELD(db_password),
	  .def = "",
	  .help = "MariaDB password; quote it when it contains '#' or starts "
	  "or ends with a space, and keep this file mode 0600." },
	{ .name = "db_name", .type = CFG_T_STRING, FIELD(db_name),
	  .def = "nexhina",
	  .help = "MariaDB database." },
	{ .name = "db_timeout", .type = CFG_T_INT, FIELD(db_timeout),
	  .def = "5", .min = 1, .max = 300,
	  .help = "Seconds allowed for each MariaDB connect, read and "
	  "write." },
	{ .name = "secret_key_file", .type = CFG_T_STRING,
	  FIELD(secret_key_file), .def = "/etc/nexhina/secret.key",
	  .help = "File holding the 64 hex digit key that seals channel "
	  "credentials (AES-256-GCM); refused when group or others have "
	  "any access." },
	{ .name = "log_level", .type = CFG_T_ENUM, FIELD(log_level),
	  .def = "info", .vals = log_levels,
	  .help = "Least severe message that is logged." },
	{ .name = "access_log", .type = CFG_T_BOOL, FIELD(access_log),
	  .def = "on",
	  .help = "One access line per request on stderr." },
	{ .name = "body_max_json", .type = CFG_T_LONG, FIELD(body_max_json),
	  .def = "16777216", .min = 1024, .max = 1073741824,
	  .help = "Largest request body in bytes on JSON routes; a larger "
	  "one gets 413." },
	{ .name = "body_max_multipart", .type = CFG_T_LONG,
	  FIELD(body_max_multipart), .def = "27262976",
	  .min = 1024, .max = 1073741824,
	  .help = "Largest request body in bytes on multipart routes (audio "
	  "and image uploads); a larger one gets 413." },
	{ .name = "upstream_max_response", .type = CFG_T_LONG,
	  FIELD(upstream_max_response), .def = "67108864",
	  .min = 1024, .max = 1073741824,
	  .help = "Largest non-streamed upstream response in bytes; a larger "
	  "one fails the request with 502." },
	{ .name = "upstream_connect_timeout", .type = CFG_T_INT,
	  FIELD(upstream_connect_timeout), .def = "10", .min = 1, .max = 300,
	  .help = "Seconds allowed to connect to an upstream." },
	{ .name = "upstream_timeout", .type = CFG_T_INT,
	  FIELD(upstream_timeout), .def = "600", .min = 1, .max = 86400,
	  .help = "Seconds allowed for a whole upstream transfer, streams "
	  "included." },
	{ .name = "upstream_idle_timeout", .type = CFG_T_INT,
	  FIELD(upstream_idle_timeout), .def = "120", .min = 1, .max = 3600,
	  .help = "Seconds without a byte from the upstream before the "
	  "transfer is abandoned." },
	{ .name = "keepalive_interval", .type = CFG_T_INT,
	  FIELD(keepalive_interval), .def = "15", .min = 1, .max = 300,
	  .help = "Seconds between SSE keep-alive comments while the "
	  "upstream is silent." },
	{ .name = "default_max_tokens", .type = CFG_T_INT,
	  FIELD(default_max_tokens), .def = "4096", .min = 1, .max = 1000000,
	  .help = "Output tokens assumed, to size the balance hold, when a "
	  "request sets no limit." },
	{ .name = "hold_ttl", .type = CFG_T_INT, FIELD(hold_ttl),
	  .def = "900", .min = 60, .max = 86400,
	  .help = "Seconds after which a balance hold left by a lost "
	  "request is refunded." },
	{ .name = "reload_interval", .type = CFG_T_INT,
	  FIELD(reload_interval), .def = "10", .min = 1, .max = 3600,
	  .help = "Upper bound on how long a change made in the database "
	  "(keys, channels, prices, groups) may take to reach every worker. "
	  "Today every request reads them afresh, so changes apply at "
	  "once." },
	{ .name = "housekeep_interval", .type = CFG_T_INT,
	  FIELD(housekeep_interval), .def = "60", .min = 5, .max = 3600,
	  .help = "Seconds between housekeeping runs (stale holds, expired "
	  "counters)." },
	{ .name = "ratelimit", .type = CFG_T_ENUM, FIELD(ratelimit),
	  .def = "local", .vals = ratelimits,
	  .help = "Where rate-limit counters live: local (shared memory "
	  "across the workers of this host) or db (in MariaDB, shared by all "
	  "hosts)." },
	{ .name = "log", .type = CFG_T_ENUM, FIELD(log_target),
	  .def = "stderr", .vals = log_targets,
	  .help = "Where diagnostics and access lines go: stderr (the journal "
	  "under systemd, the error log under a web server) or syslog "
	  "(facility daemon, ident nexhina)." },
	{ .name = "status_file", .type = CFG_T_STRING, FIELD(status_file),
	  .def = "/run/nexhina/status", .check = check_status_file,
	  .bounds = "\"\" or an absolute path",
	  .help = "Shared-memory file where the master and its workers "
	  "publish pids, generation and busy slots for `nexhinactl status`; "
	  "empty for none." },
	{ .name = "mode", .type = CFG_T_ENUM, FIELD(mode), .def = "auto",
	  .vals = modes,
	  .help = "prefork: a master with workers and a housekeeper; single: "
	  "this process serves requests itself, with no master (mod_fcgid "
	  "spawns one per request slot; `nexhina serve --single` is the same); "
	  "auto: single when spawned by Apache's mod_fcgid, else prefork." },
	{ .name = "breaker_threshold", .type = CFG_T_INT,
	  FIELD(breaker_threshold), .def = "5", .min = 0, .max = 1000,
	  .help = "Consecutive failures (connect, timeout, 429, 5xx) that open "
	  "a channel's circuit breaker; 0 disables the breaker." },
	{ .name = "breaker_cooldown", .type = CFG_T_INT,
	  FIELD(breaker_cooldown), .def = "30", .min = 1, .max = 86400,
	  .help = "Seconds an open breaker keeps its channel out of rotation "
	  "before one probe request may try it again." },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* State of one parse: where we are and what was seen. */
struct cfg_ctx {
	struct cfg	*c;
	const char	*name;
	FILE		*errf;
	size_t		 lineno;
	int		 nerr;
	size_t		 seen[NKEYS];	/* line that set the key, 0 = none */
};

static void	 ctx_err(struct cfg_ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
ctx_err(struct cfg_ctx *x, const char *fmt, ...)
{
	va_list	 ap;

	x->nerr++;
	if (x->errf == NULL)
		return;
	fprintf(x->errf, "%s:%zu: ", x->name, x->lineno);
	va_start(ap, fmt);
	vfprintf(x->errf, fmt, ap);
	va_end(ap);
	fputc('\n', x->errf);
}

/*
 * Copies at most 40 bytes of s into out for an error message, bytes
 * outside printable ASCII and the quote as \xHH, "..." when cut.
 */
static const char *
esc(char *out, size_t outsz, const char *s)
{
	size_t	 o = 0, i;

	assert(outsz >= 48);
	for (i = 0; s[i] != '\0' && o + 8 < outsz; i++) {
		unsigned char	 ch = (unsigned char)s[i];

		if (i == 40)
			break;
		if (ch < 0x20 || ch > 0x7e || ch == '\'' || ch == '\\')
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x",
			    ch);
		else
			out[o++] = (char)ch;
	}
	if (s[i] != '\0')
		o += (size_t)snprintf(out + o, outsz - o, "...");
	out[o] = '\0';
	return out;
}

static int
is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Strict integer: optional '-', then digits of the base only.  0, -1 when
 * not a number (empty, sign alone, junk), -2 on overflow.
 */
static int
parse_ll(const char *v, int base, long long *out)
{
	const char	*p = v;
	char		*end;
	long long	 n;

	if (*p == '-')
		p++;
	if (!is_digit(*p))
		return -1;
	errno = 0;
	n = strtoll(v, &end, base);
	if (*end != '\0')
		return -1;
	if (errno == ERANGE)
		return -2;
	if (errno != 0)
		return -1;
	*out = n;
	return 0;
}

static int
in_list(const char *const *list, const char *v)
{
	size_t	 i;

	for (i = 0; list[i] != NULL; i++)
		if (strcasecmp(list[i], v) == 0)
			return 1;
	return 0;
}

static void
join_list(const char *const *list, char *out, size_t outsz)
{
	size_t	 i, o = 0;
	int	 n;

	out[0] = '\0';
	for (i = 0; list[i] != NULL; i++) {
		n = snprintf(out + o, outsz - o, "%s%s", i > 0 ? ", " : "",
		    list[i]);
		if (n < 0 || (size_t)n >= outsz - o)
			return;
		o += (size_t)n;
	}
}

/*
 * listen: "" (fd 0), "unix:/absolute/path" short enough for sun_path, or
 * "tcp:HOST:PORT" with a port in 1..65535; an IPv6 HOST is in brackets.
 */
static int
check_listen(const char *v, char *msg, size_t msgsz)
{
	const char	*host, *colon, *q;
	long long	 port;

	if (v[0] == '\0')
		return 0;
	if (strncmp(v, "unix:", 5) == 0) {
		if (v[5] != '/') {
			snprintf(msg, msgsz, "listen: unix socket path must "
			    "be absolute");
			return -1;
		}
		if (strlen(v + 5) > CFG_UNIX_PATH) {
			snprintf(msg, msgsz, "listen: unix socket path longer "
			    "than %d bytes", CFG_UNIX_PATH);
			return -1;
		}
		return 0;
	}
	if (strncmp(v, "tcp:", 4) != 0) {
		snprintf(msg, msgsz, "listen must be \"\", "
		    "\"unix:/absolute/path\" or \"tcp:HOST:PORT\"");
		return -1;
	}
	host = v + 4;
	if ((colon = strrchr(host, ':')) == NULL || colon == host) {
		snprintf(msg, msgsz, "listen: expected tcp:HOST:PORT");
		return -1;
	}
	for (q = host; q < colon; q++) {
		if ((unsigned char)*q <= ' ' || *q == 0x7f) {
			snprintf(msg, msgsz, "listen: bad character in host");
			return -1;
		}
		if (*q == ':' && host[0] != '[') {
			snprintf(msg, msgsz, "listen: an IPv6 host must be "
			    "in brackets");
			return -1;
		}
	}
	if (host[0] == '[' && colon[-1] != ']') {
		snprintf(msg, msgsz, "listen: unclosed '[' in host");
		return -1;
	}
	if (colon[1] == '-' || parse_ll(colon + 1, 10, &port) != 0 ||
	    port < 1 || port > 65535) {
		snprintf(msg, msgsz, "listen: port must be between 1 and "
		    "65535");
		return -1;
	}
	return 0;
}

/* A path a process opens: "" (none) or absolute, no control bytes. */
static int
check_status_file(const char *v, char *msg, size_t msgsz)
{
	const char	*p;

	if (v[0] == '\0')
		return 0;
	if (v[0] != '/') {
		snprintf(msg, msgsz, "status_file must be empty or an "
		    "absolute path");
		return -1;
	}
	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(msg, msgsz, "status_file: control character "
			    "in path");
			return -1;
		}
	return 0;
}

static int
set_number(struct cfg *c, const struct cfg_key *k, const char *v,
    char *msg, size_t msgsz)
{
	char		 e[64];
	long long	 n;
	int		 rc;

	rc = parse_ll(v, k->type == CFG_T_OCTAL ? 8 : 10, &n);
	if (rc == -2) {
		snprintf(msg, msgsz, "%s: integer overflow in '%s'", k->name,
		    esc(e, sizeof(e), v));
		return -1;
	}
	if (rc != 0) {
		snprintf(msg, msgsz, "%s: '%s' is not %s", k->name,
		    esc(e, sizeof(e), v), k->type == CFG_T_OCTAL ?
		    "an octal number" : "an integer");
		return -1;
	}
	if (n < k->min || n > k->max) {
		if (k->type == CFG_T_OCTAL)
			snprintf(msg, msgsz, "%s must be between %#llo and "
			    "%#llo", k->name, k->min, k->max);
		else
			snprintf(msg, msgsz, "%s must be between %lld and "
			    "%lld", k->name, k->min, k->max);
		return -1;
	}
	if (k->type == CFG_T_LONG) {
		assert(k->size == sizeof(long));
		*(long *)(void *)((char *)c + k->off) = (long)n;
	} else {
		assert(k->size == sizeof(int));
		*(int *)(void *)((char *)c + k->off) = (int)n;
	}
	return 0;
}

/*
 * Converts v (a NUL-terminated value, quotes already removed) for key k and
 * stores it in c.  0, or -1 with a message naming the key in msg.
 */
static int
cfg_set(struct cfg *c, const struct cfg_key *k, const char *v, char *msg,
    size_t msgsz)
{
	char	 list[128];
	char	*dst;
	size_t	 len;

	switch (k->type) {
	case CFG_T_INT:
	case CFG_T_LONG:
	case CFG_T_OCTAL:
		return set_number(c, k, v, msg, msgsz);
	case CFG_T_BOOL:
		assert(k->size == sizeof(int));
		if (in_list(bool_true, v))
			*(int *)(void *)((char *)c + k->off) = 1;
		else if (in_list(bool_false, v))
			*(int *)(void *)((char *)c + k->off) = 0;
		else {
			snprintf(msg, msgsz, "%s must be one of on, off, yes, "
			    "no, true, false, 1, 0", k->name);
			return -1;
		}
		return 0;
	case CFG_T_ENUM:
		if (!in_list(k->vals, v)) {
			join_list(k->vals, list, sizeof(list));
			snprintf(msg, msgsz, "%s must be one of %s", k->name,
			    list);
			return -1;
		}
		break;
	case CFG_T_STRING:
		break;
	default:
		assert(!"bad cfg type");
		return -1;
	}

	/* Strings and enums: checked, then copied zero-filled. */
	len = strlen(v);
	if (len >= k->size) {
		snprintf(msg, msgsz, "%s: value longer than %zu bytes",
		    k->name, k->size - 1);
		return -1;
	}
	if (k->check != NULL && k->check(v, msg, msgsz) != 0)
		return -1;
	dst = (char *)c + k->off;
	memset(dst, 0, k->size);
	memcpy(dst, v, len);
	if (k->type == CFG_T_ENUM) {
		/* Store the canonical (lower-case) spelling. */
		for (; *dst != '\0'; dst++)
			if (*dst >= 'A' && *dst <= 'Z')
				*dst = (char)(*dst - 'A' + 'a');
	}
	return 0;
}

void
cfg_defaults(struct cfg *c)
{
	char	 msg[CFG_MSG];
	size_t	 i;
	int	 rc;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++) {
		rc = cfg_set(c, &keys[i], keys[i].def, msg, sizeof(msg));
		assert(rc == 0);
		(void)rc;
	}
}

static const struct cfg_key *
find_key(const char *name, size_t len, size_t *idx)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len &&
		    memcmp(keys[i].name, name, len) == 0) {
			*idx = i;
			return &keys[i];
		}
	return NULL;
}

/*
 * Unquotes the value starting at p (just past the opening '"') into out
 * (at least CFG_LINE_MAX + 1 bytes).  Inside quotes \" is a quote and \\ a
 * backslash; after the closing quote only blanks and a comment may follow.
 */
static int
unquote(struct cfg_ctx *x, const char *p, char *out)
{
	size_t	 o = 0;

	for (; *p != '"'; p++) {
		if (*p == '\0') {
			ctx_err(x, "unterminated quoted value");
			return -1;
		}
		if (*p == '\\') {
			p++;
			if (*p != '"' && *p != '\\') {
				ctx_err(x, "bad escape in quoted value "
				    "(only \\\" and \\\\)");
				return -1;
			}
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	for (p++; is_space(*p); p++)
		continue;
	if (*p != '\0' && *p != '#') {
		ctx_err(x, "junk after closing quote");
		return -1;
	}
	return 0;
}

/* One line, without its end of line; s is NUL-terminated. */
static void
parse_line(struct cfg_ctx *x, char *s)
{
	char			 val[CFG_LINE_MAX + 1], msg[CFG_MSG], e[64];
	const struct cfg_key	*k;
	char			*key, *p, *end;
	size_t			 keylen, idx;

	for (p = s; is_space(*p); p++)
		continue;
	if (*p == '\0' || *p == '#')
		return;
	key = p;
	while (*p != '\0' && *p != '=' && *p != '#')
		p++;
	if (*p != '=') {
		ctx_err(x, "missing '='");
		return;
	}
	for (end = p; end > key && is_space(end[-1]); end--)
		continue;
	if ((keylen = (size_t)(end - key)) == 0) {
		ctx_err(x, "empty key");
		return;
	}

	for (p++; is_space(*p); p++)
		continue;
	if (*p == '"') {
		if (unquote(x, p + 1, val) == -1)
			return;
	} else {
		for (end = p; *end != '\0' && *end != '#'; end++)
			continue;
		while (end > p && is_space(end[-1]))
			end--;
		memcpy(val, p, (size_t)(end - p));
		val[end - p] = '\0';
	}

	key[keylen] = '\0';
	if ((k = find_key(key, keylen, &idx)) == NULL) {
		ctx_err(x, "unknown key '%s'", esc(e, sizeof(e), key));
		return;
	}
	if (x->seen[idx] != 0) {
		ctx_err(x, "duplicate key '%s' (first set on line %zu)",
		    k->name, x->seen[idx]);
		return;
	}
	x->seen[idx] = x->lineno;
	if (cfg_set(x->c, k, val, msg, sizeof(msg)) == -1)
		ctx_err(x, "%s", msg);
}

/* Splits text[0..n) into lines (LF or CRLF) and parses each. */
static int
parse_text(struct cfg *c, const char *name, const char *text, size_t n,
    FILE *errf)
{
	struct cfg_ctx	 x;
	char		 line[CFG_LINE_MAX + 1];
	const char	*p = text, *nl, *end = text + n;
	size_t		 len;

	cfg_defaults(c);
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.name = name;
	x.errf = errf;
	while (p < end) {
		x.lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > CFG_LINE_MAX)
			ctx_err(&x, "line longer than %d bytes", CFG_LINE_MAX);
		else if (memchr(p, '\0', len) != NULL)
			ctx_err(&x, "NUL byte in line");
		else {
			memcpy(line, p, len);
			line[len] = '\0';
			parse_line(&x, line);
		}
		p = nl + 1;
	}
	return x.nerr == 0 ? 0 : -1;
}

int
cfg_parse(struct cfg *c, const char *name, const char *text, FILE *errf)
{
	return parse_text(c, name, text, strlen(text), errf);
}

int
cfg_load(struct cfg *c, const char *path, FILE *errf)
{
	FILE		*f;
	struct stat	 st;
	char		*text = NULL;
	size_t		 n;
	int		 rc = -1;

	cfg_defaults(c);
	if ((f = fopen(path, "re")) == NULL) {
		if (errf != NULL)
			fprintf(errf, "%s: cannot open: %s\n", path,
			    strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		if (errf != NULL)
			fprintf(errf, "%s: not a regular file\n", path);
		goto out;
	}
	if ((text = malloc(CFG_FILE_MAX + 1)) == NULL) {
		if (errf != NULL)
			fprintf(errf, "%s: out of memory\n", path);
		goto out;
	}
	n = fread(text, 1, CFG_FILE_MAX + 1, f);
	if (ferror(f)) {
		if (errf != NULL)
			fprintf(errf, "%s: cannot read: %s\n", path,
			    strerror(errno));
		goto out;
	}
	if (n > CFG_FILE_MAX) {
		if (errf != NULL)
			fprintf(errf, "%s: file larger than %d bytes\n", path,
			    CFG_FILE_MAX);
		goto out;
	}
	rc = parse_text(c, path, text, n, errf);
out:
	free(text);
	fclose(f);
	return rc;
}

/* The default as a reader would type it: strings quoted, octal with 0. */
static void
fmt_default(const struct cfg_key *k, char *out, size_t outsz, int md)
{
	if (k->type == CFG_T_STRING)
		snprintf(out, outsz, "%s\"%s\"%s", md ? "`" : "", k->def,
		    md ? "`" : "");
	else
		snprintf(out, outsz, "%s%s%s", md ? "`" : "", k->def,
		    md ? "`" : "");
}

static void
fmt_bounds(const struct cfg_key *k, char *out, size_t outsz)
{
	char	 list[128];

	if (k->bounds != NULL) {
		snprintf(out, outsz, "%s", k->bounds);
		return;
	}
	switch (k->type) {
	case CFG_T_STRING:
		snprintf(out, outsz, "at most %zu bytes", k->size - 1);
		break;
	case CFG_T_OCTAL:
		snprintf(out, outsz, "%#llo..%#llo", k->min, k->max);
		break;
	case CFG_T_BOOL:
		snprintf(out, outsz, "on, off (yes/no, true/false, 1/0)");
		break;
	case CFG_T_ENUM:
		join_list(k->vals, list, sizeof(list));
		snprintf(out, outsz, "%s", list);
		break;
	default:
		snprintf(out, outsz, "%lld..%lld", k->min, k->max);
		break;
	}
}

void
cfg_describe(FILE *out)
{
	char	 def[CFG_STR + 8], bounds[160];
	size_t	 i;

	fprintf(out, "| key | type | default | bounds | meaning |\n");
	fprintf(out, "|-----|------|---------|--------|---------|\n");
	for (i = 0; i < NKEYS; i++) {
		fmt_default(&keys[i], def, sizeof(def), 1);
		fmt_bounds(&keys[i], bounds, sizeof(bounds));
		fprintf(out, "| `%s` | %s | %s | %s | %s |\n", keys[i].name,
		    cfg_type_names[keys[i].type], def, bounds, keys[i].help);
	}
}

/* Writes s as "# " comment lines of at most about 72 columns. */
static void
write_wrapped(FILE *out, const char *s)
{
	const char	*cut, *sp;
	size_t		 len;

	while (*s != '\0') {
		len = strlen(s);
		cut = s + len;
		if (len > 70) {
			cut = s + 70;
			for (sp = cut; sp > s && *sp != ' '; sp--)
				continue;
			if (sp > s)
				cut = sp;
		}
		fprintf(out, "# %.*s\n", (int)(cut - s), s);
		s = *cut == ' ' ? cut + 1 : cut;
	}
}

int
cfg_write_sample(FILE *out)
{
	char	 def[CFG_STR + 8], bounds[160];
	size_t	 i;

	fprintf(out, "# Nexhina configuration (nexhina.conf).\n"
	    "#\n"
	    "# \"key = value\" lines; '#' starts a comment.  Quote a value "
	    "with double\n"
	    "# quotes to keep a '#' or blanks at its ends; inside quotes "
	    "write \\\" and \\\\.\n"
	    "# Every key is shown commented out with its default.\n");
	for (i = 0; i < NKEYS; i++) {
		fmt_default(&keys[i], def, sizeof(def), 0);
		fmt_bounds(&keys[i], bounds, sizeof(bounds));
		fputc('\n', out);
		write_wrapped(out, keys[i].help);
		fprintf(out, "# %s; %s.\n", cfg_type_names[keys[i].type],
		    bounds);
		fprintf(out, "#%s = %s\n", keys[i].name, def);
	}
	fflush(out);
	return ferror(out) ? -1 : 0;
}
