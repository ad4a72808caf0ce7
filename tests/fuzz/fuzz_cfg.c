/*
 * fuzz_cfg.c: libFuzzer harness for the configuration parser
 * (app/cfg.c, cfg_parse).
 *
 * Input: configuration text (cut at the first NUL, as cfg_parse sees a
 * C string).  Errors go to a memory stream, which must hold one or more
 * "fuzz:LINE: message" lines of printable ASCII when the parse fails
 * (values are escaped) and nothing when it succeeds.  On success every
 * value must lie within the bounds the key table itself publishes
 * (cfg_describe's "min..max", enum lists, string sizes, read once at
 * start-up so the harness never repeats a bound), every string must be
 * NUL-terminated and zero-filled past its value, and the whole struct
 * must survive a round trip: written back as "key = value" text (strings
 * quoted) and parsed again, it must compare equal with memcmp.  Parsing
 * the same text twice must also give identical structs.
 *
 * The harness names each key's field (below); a key the table gains
 * later is still parsed and fuzzed, only its bounds go unchecked until
 * it is added here.
 *
 * fuzz-sources: app/cfg.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

enum kind { K_STR, K_INT, K_LONG, K_OCT, K_BOOL, K_ENUM };

struct field {
	const char	*name;
	enum kind	 kind;
	size_t		 off, size;
	/* From cfg_describe at start-up: */
	int		 found;
	long long	 min, max;
	char		 vals[128];	/* enum: "a, b, c" */
};

#define F(n, k, f)	{ n, k, offsetof(struct cfg, f), \
			  sizeof(((struct cfg *)NULL)->f), 0, 0, 0, "" }

static struct field fields[] = {
	F("listen", K_STR, listen),
	F("listen_mode", K_OCT, listen_mode),
	F("workers", K_INT, workers),
	F("threads", K_INT, threads),
	F("shutdown_timeout", K_INT, shutdown_timeout),
	F("db_socket", K_STR, db_socket),
	F("db_host", K_STR, db_host),
	F("db_port", K_INT, db_port),
	F("db_user", K_STR, db_user),
	F("db_password", K_STR, db_password),
	F("db_name", K_STR, db_name),
	F("db_timeout", K_INT, db_timeout),
	F("secret_key_file", K_STR, secret_key_file),
	F("log_level", K_ENUM, log_level),
	F("access_log", K_BOOL, access_log),
	F("body_max_json", K_LONG, body_max_json),
	F("body_max_multipart", K_LONG, body_max_multipart),
	F("upstream_max_response", K_LONG, upstream_max_response),
	F("upstream_connect_timeout", K_INT, upstream_connect_timeout),
	F("upstream_timeout", K_INT, upstream_timeout),
	F("upstream_idle_timeout", K_INT, upstream_idle_timeout),
	F("keepalive_interval", K_INT, keepalive_interval),
	F("default_max_tokens", K_INT, default_max_tokens),
	F("hold_ttl", K_INT, hold_ttl),
	F("reload_interval", K_INT, reload_interval),
	F("housekeep_interval", K_INT, housekeep_interval),
	F("ratelimit", K_ENUM, ratelimit),
	F("log", K_ENUM, log_target),
	F("status_file", K_STR, status_file),
	F("mode", K_ENUM, mode),
	F("breaker_threshold", K_INT, breaker_threshold),
	F("breaker_cooldown", K_INT, breaker_cooldown),
};

#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

/* Reads the bounds column of cfg_describe's table into fields[]. */
static void
load_bounds(void)
{
	char		*text = NULL, *line, *next, *c[5], *p, *end;
	size_t		 len = 0, i, k;
	FILE		*f;

	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	cfg_describe(f);
	fclose(f);
	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		/* | `key` | type | default | bounds | help | */
		for (k = 0, p = line; k < 5 && p != NULL; k++) {
			c[k] = p;
			if ((p = strstr(p, " | ")) != NULL) {
				*p = '\0';
				p += 3;
			}
		}
		if (k < 5 || strncmp(c[0], "| `", 3) != 0)
			continue;
		c[0] += 3;
		if ((p = strchr(c[0], '`')) != NULL)
			*p = '\0';
		for (i = 0; i < NFIELDS; i++)
			if (strcmp(fields[i].name, c[0]) == 0)
				break;
		if (i == NFIELDS) {
			fprintf(stderr, "fuzz_cfg: key %s not in the harness; "
			    "its bounds go unchecked\n", c[0]);
			continue;
		}
		fields[i].found = 1;
		switch (fields[i].kind) {
		case K_INT:
		case K_LONG:
		case K_OCT:
			fields[i].min = strtoll(c[3], &end, 0);
			if (strncmp(end, "..", 2) != 0)
				abort();
			fields[i].max = strtoll(end + 2, &end, 0);
			break;
		case K_ENUM:
			snprintf(fields[i].vals, sizeof(fields[i].vals), "%s",
			    c[3]);
			break;
		default:
			break;
		}
	}
	free(text);
	for (i = 0; i < NFIELDS; i++)
		if (!fields[i].found) {
			fprintf(stderr, "fuzz_cfg: key %s is gone from "
			    "cfg.c; update the harness\n", fields[i].name);
			abort();
		}
}

static int
in_vals(const char *vals, const char *v)
{
	const char	*p = vals, *e;
	size_t		 n = strlen(v);

	while (*p != '\0') {
		if ((e = strstr(p, ", ")) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && memcmp(p, v, n) == 0)
			return 1;
		p = *e != '\0' ? e + 2 : e;
	}
	return 0;
}

static void
check_bounds(const struct cfg *c)
{
	const char	*base = (const char *)c, *s;
	long long	 v;
	size_t		 i, k, n;

	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];

		switch (f->kind) {
		case K_STR:
		case K_ENUM:
			s = base + f->off;
			if ((n = strnlen(s, f->size)) >= f->size)
				abort();
			for (k = n; k < f->size; k++)
				if (s[k] != '\0')
					abort();
			if (f->kind == K_ENUM && !in_vals(f->vals, s))
				abort();
			break;
		case K_LONG:
			v = *(const long *)(const void *)(base + f->off);
			if (v < f->min || v > f->max)
				abort();
			break;
		case K_BOOL:
			v = *(const int *)(const void *)(base + f->off);
			if (v != 0 && v != 1)
				abort();
			break;
		default:
			v = *(const int *)(const void *)(base + f->off);
			if (v < f->min || v > f->max)
				abort();
			break;
		}
	}
	/* The checks of the two validated strings. */
	if (c->listen[0] != '\0' && strncmp(c->listen, "unix:/", 6) != 0 &&
	    strncmp(c->listen, "tcp:", 4) != 0)
		abort();
	if (c->status_file[0] != '\0' && c->status_file[0] != '/')
		abort();
}

/* Writes c back as a configuration text every key set. */
static char *
render(const struct cfg *c)
{
	const char	*base = (const char *)c, *s;
	char		*text = NULL;
	size_t		 len = 0, i;
	FILE		*f;

	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	for (i = 0; i < NFIELDS; i++) {
		const struct field *fl = &fields[i];

		fprintf(f, "%s = ", fl->name);
		switch (fl->kind) {
		case K_STR:
		case K_ENUM:
			fputc('"', f);
			for (s = base + fl->off; *s != '\0'; s++) {
				if (*s == '"' || *s == '\\')
					fputc('\\', f);
				fputc(*s, f);
			}
			fputc('"', f);
			break;
		case K_LONG:
			fprintf(f, "%ld",
			    *(const long *)(const void *)(base + fl->off));
			break;
		case K_OCT:
			fprintf(f, "0%o",
			    *(const unsigned *)(const void *)(base + fl->off));
			break;
		case K_BOOL:
			fputs(*(const int *)(const void *)(base + fl->off) ?
			    "on" : "off", f);
			break;
		default:
			fprintf(f, "%d",
			    *(const int *)(const void *)(base + fl->off));
			break;
		}
		fputs(" # set by fuzz_cfg\n", f);
	}
	fclose(f);
	return text;
}

static void
check_errors(const char *err, size_t len, int rc)
{
	const char	*p, *nl;

	if (rc == 0) {
		if (len != 0)
			abort();
		return;
	}
	if (len == 0 || err[len - 1] != '\n')
		abort();
	for (p = err; p < err + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(err + len - p));
		if (strncmp(p, "fuzz:", 5) != 0 || p[5] < '1' || p[5] > '9')
			abort();
		for (; p < nl; p++)
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p > 0x7e)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 init;
	struct cfg	 c1, c2;
	char		*text, *err = NULL, *back;
	size_t		 elen = 0;
	FILE		*errf;
	int		 r1, r2;

	if (!init) {
		load_bounds();
		init = 1;
	}
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	if ((errf = open_memstream(&err, &elen)) == NULL)
		abort();
	r1 = cfg_parse(&c1, "fuzz", text, errf);
	fclose(errf);
	check_errors(err, elen, r1);
	free(err);

	r2 = cfg_parse(&c2, "fuzz", text, NULL);
	if (r1 != r2 || (r1 != -1 && r1 != 0))
		abort();
	if (r1 == 0) {
		if (memcmp(&c1, &c2, sizeof(c1)) != 0)
			abort();
		check_bounds(&c1);
		back = render(&c1);
		memset(&c2, 0xa5, sizeof(c2));
		if (cfg_parse(&c2, "back", back, NULL) != 0 ||
		    memcmp(&c1, &c2, sizeof(c1)) != 0)
			abort();
		free(back);
	}
	free(text);
	return 0;
}
