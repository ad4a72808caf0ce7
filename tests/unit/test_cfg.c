/*
 * test_cfg.c: the configuration parser (app/cfg.c).
 *
 * Table-driven: good[] lines and the value they must give, bad[] texts and
 * the exact "file:line: message" output they must give on errf (captured
 * with open_memstream).  Long lines and files on disk are built at run
 * time.  Negative cases outnumber positive ones, as CONVENTIONS.md asks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "t.h"

#define NKEYS	32

static int	 npos, nneg;

/* s with newlines shown as "\\n", for one-line TAP descriptions. */
static const char *
vis(const char *s)
{
	static char	 out[4][512];
	static int	 k;
	char		*o = out[k = (k + 1) % 4];
	size_t		 i = 0;

	for (; *s != '\0' && i + 3 < sizeof(out[0]); s++) {
		if (*s == '\n') {
			o[i++] = '\\';
			o[i++] = 'n';
		} else
			o[i++] = *s;
	}
	o[i] = '\0';
	return o;
}

/* Formats field f of c as a string, for tables of expected values. */
static void
show(const struct cfg *c, const char *f, char *out, size_t outsz)
{
#define F(x, fmt)	if (strcmp(f, #x) == 0) { \
		snprintf(out, outsz, fmt, c->x); \
		return; \
	}
#define S(x)	F(x, "%s")
#define I(x)	F(x, "%d")
#define L(x)	F(x, "%ld")
	S(listen) S(db_socket) S(db_host) S(db_user) S(db_password)
	S(db_name) S(secret_key_file) S(log_level) S(ratelimit)
	I(workers) I(threads) I(shutdown_timeout) I(db_port) I(db_timeout)
	I(access_log) I(upstream_connect_timeout) I(upstream_timeout)
	I(upstream_idle_timeout) I(keepalive_interval) I(default_max_tokens)
	I(hold_ttl) I(reload_interval) I(housekeep_interval)
	I(breaker_threshold) I(breaker_cooldown)
	L(body_max_json) L(body_max_multipart) L(upstream_max_response)
	S(status_file) S(mode)
	if (strcmp(f, "log") == 0) {
		snprintf(out, outsz, "%s", c->log_target);
		return;
	}
	if (strcmp(f, "listen_mode") == 0) {
		snprintf(out, outsz, "%#o", (unsigned int)c->listen_mode);
		return;
	}
#undef F
#undef S
#undef I
#undef L
	snprintf(out, outsz, "?no such field %s", f);
}

/* Parses text as "t.conf"; returns rc and the errf text in *errs. */
static int
parse(struct cfg *c, const char *text, char **errs)
{
	FILE	*f;
	size_t	 len;
	int	 rc;

	*errs = NULL;
	if ((f = open_memstream(errs, &len)) == NULL)
		abort();
	rc = cfg_parse(c, "t.conf", text, f);
	fclose(f);
	return rc;
}

static const struct {
	const char	*key;
	const char	*want;
} defaults[] = {
	{ "listen", "" }, { "listen_mode", "0660" }, { "workers", "2" },
	{ "threads", "16" }, { "shutdown_timeout", "30" },
	{ "db_socket", "/run/mysqld/mysqld.sock" }, { "db_host", "localhost" },
	{ "db_port", "3306" }, { "db_user", "nexhina" },
	{ "db_password", "" }, { "db_name", "nexhina" }, { "db_timeout", "5" },
	{ "secret_key_file", "/etc/nexhina/secret.key" },
	{ "log_level", "info" }, { "access_log", "1" },
	{ "body_max_json", "16777216" }, { "body_max_multipart", "27262976" },
	{ "upstream_max_response", "67108864" },
	{ "upstream_connect_timeout", "10" }, { "upstream_timeout", "600" },
	{ "upstream_idle_timeout", "120" }, { "keepalive_interval", "15" },
	{ "default_max_tokens", "4096" }, { "hold_ttl", "900" },
	{ "reload_interval", "10" }, { "housekeep_interval", "60" },
	{ "ratelimit", "local" }, { "breaker_threshold", "5" },
	{ "breaker_cooldown", "30" }, { "log", "stderr" },
	{ "status_file", "/run/nexhina/status" }, { "mode", "auto" },
};

static const struct {
	const char	*text;
	const char	*key;
	const char	*want;
} good[] = {
	{ "workers = 4\n", "workers", "4" },
	{ "workers=4", "workers", "4" },
	{ "  workers\t=\t4  \n", "workers", "4" },
	{ "workers = 4 # four\n", "workers", "4" },
	{ "workers = 4# four\n", "workers", "4" },
	{ "workers = \"4\"\n", "workers", "4" },
	{ "workers = 4\r\n", "workers", "4" },
	{ "# comment\n\n   \n\t# indented comment\nworkers = 5", "workers",
	  "5" },
	{ "workers = 1\n", "workers", "1" },
	{ "workers = 256\n", "workers", "256" },
	{ "hold_ttl = 60\n", "hold_ttl", "60" },
	{ "body_max_json = 1073741824\n", "body_max_json", "1073741824" },
	{ "body_max_multipart = 1024\n", "body_max_multipart", "1024" },
	{ "db_port = 65535\n", "db_port", "65535" },
	{ "db_password = \"p#ss w0rd \"\n", "db_password", "p#ss w0rd " },
	{ "db_password = \"a\\\"b\\\\c\" # note\n", "db_password",
	  "a\"b\\c" },
	{ "db_password = ab\"c\n", "db_password", "ab\"c" },
	{ "db_password = x # y\n", "db_password", "x" },
	{ "db_password = \"\"\n", "db_password", "" },
	{ "db_socket =\n", "db_socket", "" },
	{ "listen = unix:/run/nexhina/fcgi.sock\n", "listen",
	  "unix:/run/nexhina/fcgi.sock" },
	{ "listen = tcp:127.0.0.1:9000\n", "listen", "tcp:127.0.0.1:9000" },
	{ "listen = tcp:[::1]:1\n", "listen", "tcp:[::1]:1" },
	{ "listen = \"\"\n", "listen", "" },
	{ "listen_mode = 0600\n", "listen_mode", "0600" },
	{ "listen_mode = 600\n", "listen_mode", "0600" },
	{ "listen_mode = 0\n", "listen_mode", "0" },
	{ "access_log = off\n", "access_log", "0" },
	{ "access_log = No\n", "access_log", "0" },
	{ "access_log = TRUE\n", "access_log", "1" },
	{ "access_log = 0\n", "access_log", "0" },
	{ "access_log = yes\n", "access_log", "1" },
	{ "log_level = DEBUG\n", "log_level", "debug" },
	{ "log_level = error\n", "log_level", "error" },
	{ "ratelimit = db\n", "ratelimit", "db" },
	{ "log = syslog\n", "log", "syslog" },
	{ "log = STDERR\n", "log", "stderr" },
	{ "mode = single\n", "mode", "single" },
	{ "status_file = /tmp/nx.status\n", "status_file", "/tmp/nx.status" },
	{ "status_file = \"\"\n", "status_file", "" },
};

static const struct {
	const char	*text;
	const char	*want;	/* exact errf output */
} bad[] = {
	{ "bogus = 1\n", "t.conf:1: unknown key 'bogus'\n" },
	{ "Workers = 2\n", "t.conf:1: unknown key 'Workers'\n" },
	{ "wor kers = 2\n", "t.conf:1: unknown key 'wor kers'\n" },
	{ "\x01key = 1\n", "t.conf:1: unknown key '\\x01key'\n" },
	{ "workers\n", "t.conf:1: missing '='\n" },
	{ "workers # = 3\n", "t.conf:1: missing '='\n" },
	{ "workers 4\n", "t.conf:1: missing '='\n" },
	{ "= 3\n", "t.conf:1: empty key\n" },
	{ "  \t= 3\n", "t.conf:1: empty key\n" },
	{ "workers = 2\nworkers = 3\n",
	  "t.conf:2: duplicate key 'workers' (first set on line 1)\n" },
	{ "workers = 12x\n", "t.conf:1: workers: '12x' is not an integer\n" },
	{ "workers =\n", "t.conf:1: workers: '' is not an integer\n" },
	{ "workers = 1 2\n", "t.conf:1: workers: '1 2' is not an integer\n" },
	{ "workers = +3\n", "t.conf:1: workers: '+3' is not an integer\n" },
	{ "workers = 0x10\n", "t.conf:1: workers: '0x10' is not an integer\n" },
	{ "workers = -\n", "t.conf:1: workers: '-' is not an integer\n" },
	{ "workers = 2.5\n", "t.conf:1: workers: '2.5' is not an integer\n" },
	{ "workers = \" 3\"\n",
	  "t.conf:1: workers: ' 3' is not an integer\n" },
	{ "workers = 99999999999999999999\n",
	  "t.conf:1: workers: integer overflow in '99999999999999999999'\n" },
	{ "body_max_json = -99999999999999999999\n",
	  "t.conf:1: body_max_json: integer overflow in "
	  "'-99999999999999999999'\n" },
	{ "workers = 0\n", "t.conf:1: workers must be between 1 and 256\n" },
	{ "workers = 257\n", "t.conf:1: workers must be between 1 and 256\n" },
	{ "workers = -1\n", "t.conf:1: workers must be between 1 and 256\n" },
	{ "workers = 4294967298\n",
	  "t.conf:1: workers must be between 1 and 256\n" },
	{ "threads = 1025\n",
	  "t.conf:1: threads must be between 1 and 1024\n" },
	{ "hold_ttl = 59\n",
	  "t.conf:1: hold_ttl must be between 60 and 86400\n" },
	{ "housekeep_interval = 4\n",
	  "t.conf:1: housekeep_interval must be between 5 and 3600\n" },
	{ "db_port = 70000\n",
	  "t.conf:1: db_port must be between 1 and 65535\n" },
	{ "default_max_tokens = 1000001\n",
	  "t.conf:1: default_max_tokens must be between 1 and 1000000\n" },
	{ "body_max_json = 1023\n",
	  "t.conf:1: body_max_json must be between 1024 and 1073741824\n" },
	{ "upstream_max_response = 1073741825\n",
	  "t.conf:1: upstream_max_response must be between 1024 and "
	  "1073741824\n" },
	{ "listen_mode = 0999\n",
	  "t.conf:1: listen_mode: '0999' is not an octal number\n" },
	{ "listen_mode = 01000\n",
	  "t.conf:1: listen_mode must be between 0 and 0777\n" },
	{ "log_level = verbose\n",
	  "t.conf:1: log_level must be one of error, warn, info, debug\n" },
	{ "log_level = \"\"\n",
	  "t.conf:1: log_level must be one of error, warn, info, debug\n" },
	{ "ratelimit = redis\n",
	  "t.conf:1: ratelimit must be one of local, db\n" },
	{ "log = file\n", "t.conf:1: log must be one of stderr, syslog\n" },
	{ "log = \"\"\n", "t.conf:1: log must be one of stderr, syslog\n" },
	{ "log = /var/log/nexhina.log\n",
	  "t.conf:1: log must be one of stderr, syslog\n" },
	{ "mode = master\n",
	  "t.conf:1: mode must be one of auto, prefork, single\n" },
	{ "mode = fcgid\n",
	  "t.conf:1: mode must be one of auto, prefork, single\n" },
	{ "status_file = run/status\n",
	  "t.conf:1: status_file must be empty or an absolute path\n" },
	{ "status_file = ~/status\n",
	  "t.conf:1: status_file must be empty or an absolute path\n" },
	{ "status_file = \"/run/a\x01b\"\n",
	  "t.conf:1: status_file: control character in path\n" },
	{ "access_log = maybe\n", "t.conf:1: access_log must be one of on, "
	  "off, yes, no, true, false, 1, 0\n" },
	{ "access_log =\n", "t.conf:1: access_log must be one of on, "
	  "off, yes, no, true, false, 1, 0\n" },
	{ "db_password = \"abc\n", "t.conf:1: unterminated quoted value\n" },
	{ "db_password = \"abc\\\"\n",
	  "t.conf:1: unterminated quoted value\n" },
	{ "db_password = \"abc\" x\n", "t.conf:1: junk after closing quote\n" },
	{ "workers = \"3\"x\n", "t.conf:1: junk after closing quote\n" },
	{ "db_password = \"a\\nb\"\n", "t.conf:1: bad escape in quoted value "
	  "(only \\\" and \\\\)\n" },
	{ "listen = unix:relative\n",
	  "t.conf:1: listen: unix socket path must be absolute\n" },
	{ "listen = unix:\n",
	  "t.conf:1: listen: unix socket path must be absolute\n" },
	{ "listen = tcp:host\n", "t.conf:1: listen: expected tcp:HOST:PORT\n" },
	{ "listen = tcp::9000\n",
	  "t.conf:1: listen: expected tcp:HOST:PORT\n" },
	{ "listen = tcp:localhost:0\n",
	  "t.conf:1: listen: port must be between 1 and 65535\n" },
	{ "listen = tcp:localhost:65536\n",
	  "t.conf:1: listen: port must be between 1 and 65535\n" },
	{ "listen = tcp:localhost:http\n",
	  "t.conf:1: listen: port must be between 1 and 65535\n" },
	{ "listen = tcp:localhost:\n",
	  "t.conf:1: listen: port must be between 1 and 65535\n" },
	{ "listen = tcp:localhost:-80\n",
	  "t.conf:1: listen: port must be between 1 and 65535\n" },
	{ "listen = tcp:::1:9000\n",
	  "t.conf:1: listen: an IPv6 host must be in brackets\n" },
	{ "listen = tcp:[::1:9000\n",
	  "t.conf:1: listen: unclosed '[' in host\n" },
	{ "listen = \"tcp:a b:80\"\n",
	  "t.conf:1: listen: bad character in host\n" },
	{ "listen = /tmp/sock\n", "t.conf:1: listen must be \"\", "
	  "\"unix:/absolute/path\" or \"tcp:HOST:PORT\"\n" },
	{ "listen = 0\n", "t.conf:1: listen must be \"\", "
	  "\"unix:/absolute/path\" or \"tcp:HOST:PORT\"\n" },
	{ "workers = 2\r\nthreads = 0\r\n",
	  "t.conf:2: threads must be between 1 and 1024\n" },
	/* Every error of a file is reported, each with its own line. */
	{ "# header\n"
	  "workers = 0\n"
	  "threads = 8\n"
	  "bogus = 1\n"
	  "\n"
	  "log_level = loud\n"
	  "threads = 9\n"
	  "db_host\n",
	  "t.conf:2: workers must be between 1 and 256\n"
	  "t.conf:4: unknown key 'bogus'\n"
	  "t.conf:6: log_level must be one of error, warn, info, debug\n"
	  "t.conf:7: duplicate key 'threads' (first set on line 3)\n"
	  "t.conf:8: missing '='\n" },
	/* A bad first value still counts as set: no silent second try. */
	{ "workers = x\nworkers = 3\n",
	  "t.conf:1: workers: 'x' is not an integer\n"
	  "t.conf:2: duplicate key 'workers' (first set on line 1)\n" },
};

static void
test_defaults(void)
{
	struct cfg	 c, d;
	char		 got[CFG_STR + 32], *errs;
	size_t		 i;

	cfg_defaults(&c);
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		show(&c, defaults[i].key, got, sizeof(got));
		T_OK(strcmp(got, defaults[i].want) == 0,
		    "default %s = '%s' (got '%s')", defaults[i].key,
		    defaults[i].want, got);
	}
	T_OK(i == NKEYS, "defaults table covers %d keys", NKEYS);

	T_OK(parse(&d, "", &errs) == 0 && errs[0] == '\0' &&
	    memcmp(&c, &d, sizeof(c)) == 0, "empty file gives the defaults");
	free(errs);
	T_OK(parse(&d, "# nothing\n\n  \t\n", &errs) == 0 &&
	    errs[0] == '\0' && memcmp(&c, &d, sizeof(c)) == 0,
	    "comments and blank lines give the defaults");
	free(errs);
}

static void
test_good(void)
{
	struct cfg	 c;
	char		 got[CFG_STR + 32], *errs;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		npos++;
		rc = parse(&c, good[i].text, &errs);
		show(&c, good[i].key, got, sizeof(got));
		T_OK(rc == 0 && errs[0] == '\0' &&
		    strcmp(got, good[i].want) == 0,
		    "good %zu: %s = '%s' (rc %d, got '%s', errs '%s')", i,
		    good[i].key, good[i].want, rc, got, vis(errs));
		free(errs);
	}
	/* One key set must leave the others at their defaults. */
	rc = parse(&c, "workers = 7\n", &errs);
	show(&c, "threads", got, sizeof(got));
	T_OK(rc == 0 && strcmp(got, "16") == 0, "unset keys keep defaults");
	free(errs);
}

static void
test_bad(void)
{
	struct cfg	 c;
	char		*errs;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nneg++;
		rc = parse(&c, bad[i].text, &errs);
		T_OK(rc == -1 && strcmp(errs, bad[i].want) == 0,
		    "bad %zu: rc %d, %s", i, rc, vis(errs));
		free(errs);
	}
	/* errf may be NULL: the result is still -1. */
	nneg++;
	T_OK(cfg_parse(&c, "t.conf", "bogus = 1\n", NULL) == -1,
	    "errors without errf still fail");
}

/* Cases whose text is too long to write in a table. */
static void
test_long(void)
{
	struct cfg	 c;
	char		*text, *errs, got[CFG_STR + 32];
	size_t		 n;
	int		 rc;

	text = malloc(8192);

	/* A value of 255 bytes fits in CFG_STR, 256 does not. */
	n = (size_t)snprintf(text, 8192, "db_host = ");
	memset(text + n, 'h', 255);
	text[n + 255] = '\0';
	npos++;
	rc = parse(&c, text, &errs);
	show(&c, "db_host", got, sizeof(got));
	T_OK(rc == 0 && strlen(got) == 255, "255-byte string fits");
	free(errs);

	memset(text + n, 'h', 256);
	text[n + 256] = '\n';
	text[n + 257] = '\0';
	nneg++;
	rc = parse(&c, text, &errs);
	T_OK(rc == -1 && strcmp(errs,
	    "t.conf:1: db_host: value longer than 255 bytes\n") == 0,
	    "256-byte string is an error, not truncated: %s", vis(errs));
	free(errs);

	nneg++;
	rc = parse(&c, "log_level = informational\n", &errs);
	T_OK(rc == -1 && strstr(errs, "must be one of") != NULL,
	    "enum longer than its array: %s", vis(errs));
	free(errs);

	/* A line of exactly 4096 bytes is fine; 4097 is not. */
	n = (size_t)snprintf(text, 8192, "workers = 3 #");
	memset(text + n, 'x', 4096 - n);
	text[4096] = '\n';
	text[4097] = '\0';
	npos++;
	rc = parse(&c, text, &errs);
	show(&c, "workers", got, sizeof(got));
	T_OK(rc == 0 && strcmp(got, "3") == 0, "4096-byte line accepted");
	free(errs);

	memset(text + n, 'x', 4097 - n);
	snprintf(text + 4097, 8192 - 4097, "\nworkers = 0\n");
	nneg++;
	rc = parse(&c, text, &errs);
	T_OK(rc == -1 && strcmp(errs,
	    "t.conf:1: line longer than 4096 bytes\n"
	    "t.conf:2: workers must be between 1 and 256\n") == 0,
	    "4097-byte line rejected, scan goes on: %s", vis(errs));
	free(errs);

	/* A 108-byte unix path does not fit sun_path. */
	n = (size_t)snprintf(text, 8192, "listen = unix:/");
	memset(text + n, 'p', 107);
	text[n + 107] = '\0';
	nneg++;
	rc = parse(&c, text, &errs);
	T_OK(rc == -1 && strcmp(errs, "t.conf:1: listen: unix socket path "
	    "longer than 107 bytes\n") == 0, "unix path too long: %s",
	    vis(errs));
	free(errs);

	/* An unknown key is echoed escaped and cut. */
	memset(text, 'k', 100);
	snprintf(text + 100, 8192 - 100, " = 1\n");
	nneg++;
	rc = parse(&c, text, &errs);
	T_OK(rc == -1 && strlen(errs) < 80 && strstr(errs, "...'") != NULL,
	    "long unknown key cut in message: %s", vis(errs));
	free(errs);
	free(text);
}

static int
write_file(const char *path, const char *p, size_t n)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	if (write(fd, p, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static void
test_load(void)
{
	char		 dir[] = "/tmp/test_cfg.XXXXXX", path[128], want[256];
	char		*errs, *big;
	struct cfg	 c;
	FILE		*f;
	size_t		 len;
	int		 rc;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/nexhina.conf", dir);

	write_file(path, "workers = 9\nlog_level = warn\n", 29);
	npos++;
	f = open_memstream(&errs, &len);
	rc = cfg_load(&c, path, f);
	fclose(f);
	T_OK(rc == 0 && c.workers == 9 && strcmp(c.log_level, "warn") == 0 &&
	    errs[0] == '\0', "load a good file");
	free(errs);

	write_file(path, "workers = 9\nthreads = 1\0\n", 25);
	nneg++;
	f = open_memstream(&errs, &len);
	rc = cfg_load(&c, path, f);
	fclose(f);
	snprintf(want, sizeof(want), "%s:2: NUL byte in line\n", path);
	T_OK(rc == -1 && strcmp(errs, want) == 0, "NUL byte: %s", vis(errs));
	free(errs);

	write_file(path, "workers = 999\n", 14);
	nneg++;
	f = open_memstream(&errs, &len);
	rc = cfg_load(&c, path, f);
	fclose(f);
	snprintf(want, sizeof(want),
	    "%s:1: workers must be between 1 and 256\n", path);
	T_OK(rc == -1 && strcmp(errs, want) == 0, "file error names path");
	free(errs);

	big = calloc(1, 1024 * 1024 + 1);
	memset(big, '\n', 1024 * 1024 + 1);
	write_file(path, big, 1024 * 1024 + 1);
	free(big);
	nneg++;
	f = open_memstream(&errs, &len);
	rc = cfg_load(&c, path, f);
	fclose(f);
	T_OK(rc == -1 && strstr(errs, "file larger than 1048576 bytes") !=
	    NULL, "file over 1 MiB: %s", vis(errs));
	free(errs);
	unlink(path);

	nneg++;
	f = open_memstream(&errs, &len);
	rc = cfg_load(&c, path, f);
	fclose(f);
	snprintf(want, sizeof(want), "%s: cannot open: %s\n", path,
	    strerror(ENOENT));
	T_OK(rc == -1 && strcmp(errs, want) == 0, "missing file: %s",
	    vis(errs));
	free(errs);

	nneg++;
	f = open_memstream(&errs, &len);
	rc = cfg_load(&c, dir, f);
	fclose(f);
	T_OK(rc == -1 && errs[0] != '\0', "directory refused: %s", vis(errs));
	free(errs);
	rmdir(dir);
}

static size_t
count_char(const char *s, char ch)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		n += *s == ch;
	return n;
}

static void
test_describe(void)
{
	char	*md, *line, *nl;
	size_t	 len, rows = 0, badrows = 0;
	FILE	*f;

	f = open_memstream(&md, &len);
	cfg_describe(f);
	fclose(f);
	T_OK(strncmp(md, "| key | type | default | bounds | meaning |\n",
	    44) == 0, "describe: header row");
	for (line = md; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		rows++;
		if (count_char(line, '|') != 6)
			badrows++;
	}
	T_OK(rows == NKEYS + 2 && badrows == 0,
	    "describe: %d rows of 5 cells (rows %zu, bad %zu)", NKEYS + 2,
	    rows, badrows);
	free(md);
	f = open_memstream(&md, &len);
	cfg_describe(f);
	fclose(f);
	T_OK(strstr(md, "| `workers` | int | `2` | 1..256 |") != NULL &&
	    strstr(md, "| `listen_mode` | octal | `0660` | 0..0777 |") !=
	    NULL && strstr(md, "| `db_password` | string | `\"\"` |") !=
	    NULL && strstr(md, "error, warn, info, debug") != NULL,
	    "describe: types, defaults and bounds");
	free(md);
}

/*
 * The sample parses as is (all commented) and, with each "#key = " line
 * uncommented, still gives exactly the defaults.
 */
static void
test_sample(void)
{
	struct cfg	 d, c;
	char		*s, *errs, *p;
	size_t		 len, keys = 0;
	FILE		*f;
	int		 rc;

	cfg_defaults(&d);
	f = open_memstream(&s, &len);
	rc = cfg_write_sample(f);
	fclose(f);
	T_OK(rc == 0 && len > 1000, "sample written");

	rc = parse(&c, s, &errs);
	T_OK(rc == 0 && errs[0] == '\0' && memcmp(&c, &d, sizeof(c)) == 0,
	    "sample parses to defaults");
	free(errs);

	for (p = s; *p != '\0'; p++)
		if ((p == s || p[-1] == '\n') && p[0] == '#' &&
		    p[1] >= 'a' && p[1] <= 'z') {
			p[0] = ' ';
			keys++;
		}
	rc = parse(&c, s, &errs);
	T_OK(keys == NKEYS && rc == 0 && errs[0] == '\0' &&
	    memcmp(&c, &d, sizeof(c)) == 0,
	    "uncommented sample (%zu keys) parses to defaults: %s", keys,
	    vis(errs));
	free(errs);
	free(s);
}

int
main(void)
{
	test_defaults();
	test_good();
	test_bad();
	test_long();
	test_load();
	test_describe();
	test_sample();
	printf("# parser cases: %d positive, %d negative\n", npos, nneg);
	T_OK(nneg > npos, "negative cases outnumber positive ones");
	return t_done();
}
