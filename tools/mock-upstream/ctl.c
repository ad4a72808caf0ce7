/*
 * ctl.c: per-request failure-injection controls of the mock upstream.
 *
 * A control arrives as a header X-Mock-<name> or as a string member
 * mock_<name> of the request's metadata map (OpenAI chat metadata is a
 * map of strings that a gateway forwards untouched).  Headers are read
 * first and win.  Names compare case-insensitively with '-' and '_'
 * equivalent, so X-Mock-Latency-Ms and X-Mock-latency_ms are the same.
 * An unknown name or a malformed value is not ignored: the first one is
 * described in ctl->bad and the provider answers 400, so that a typo in
 * a test fails loudly instead of silently testing nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock.h"

#define HDR_PREFIX	"x-mock-"
#define META_PREFIX	"mock_"

/* Indexed by enum ctl; str controls take any string. */
static const struct ctl_def {
	const char	*name;
	long		 min;
	long		 max;
	long		 def;
	int		 str;
} ctl_defs[CTL__MAX] = {
	[CTL_LATENCY_MS] =	{ "latency_ms", 0, 3600000, 0, 0 },
	[CTL_TTFT_MS] =		{ "ttft_ms", 0, 3600000, 0, 0 },
	[CTL_INTERVAL_MS] =	{ "interval_ms", 0, 3600000, 0, 0 },
	[CTL_CHUNKS] =		{ "chunks", 0, 100000, 5, 0 },
	[CTL_STATUS] =		{ "status", 400, 599, 0, 0 },
	[CTL_DISCONNECT_AFTER] = { "disconnect_after", 0, 1000000, 0, 0 },
	[CTL_ERROR_AFTER] =	{ "error_after", 0, 1000000, 0, 0 },
	[CTL_STALL_AFTER] =	{ "stall_after", 0, 1000000, 0, 0 },
	[CTL_STALL_MS] =	{ "stall_ms", 0, 3600000, 60000, 0 },
	[CTL_TOOL_CALL] =	{ "tool_call", 0, 1, 0, 0 },
	[CTL_NO_USAGE] =	{ "no_usage", 0, 1, 0, 0 },
	[CTL_RETRY_AFTER] =	{ "retry_after", 0, 86400, 0, 0 },
	[CTL_BODY] =		{ "body", 0, 0, 0, 1 },
	[CTL_TOOL_CALLS] =	{ "tool_calls", 1, 64, 1, 0 },
	[CTL_CACHE_READ] =	{ "cache_read", 0, 1000000000, 0, 0 },
	[CTL_CACHE_WRITE] =	{ "cache_write", 0, 1000000000, 0, 0 },
	[CTL_EMIT_STOP] =	{ "emit_stop", 0, 100000, 0, 0 },
	[CTL_BLOCK] =		{ "block", 0, 2, 0, 0 },
};

void
ctl_init(struct mock_ctl *c)
{
	int	 i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CTL__MAX; i++)
		c->v[i] = ctl_defs[i].def;
}

int
ctl_isset(const struct mock_ctl *c, enum ctl k)
{
	return (c->set & (1u << k)) != 0;
}

/*
 * Maps a name (after its prefix) to a control: case-insensitive, '-'
 * equal to '_'.  Returns CTL__MAX when unknown.
 */
static enum ctl
ctl_lookup(const char *name)
{
	char	 norm[32];
	size_t	 i;
	int	 k;

	for (i = 0; name[i] != '\0'; i++) {
		if (i + 1 >= sizeof(norm))
			return CTL__MAX;
		norm[i] = name[i] == '-' ? '_' :
		    (char)tolower((unsigned char)name[i]);
	}
	norm[i] = '\0';
	for (k = 0; k < CTL__MAX; k++)
		if (strcmp(norm, ctl_defs[k].name) == 0)
			return (enum ctl)k;
	return CTL__MAX;
}

static void
ctl_bad(struct mock_ctl *c, const char *origin, const char *why)
{
	if (c->bad[0] == '\0')
		snprintf(c->bad, sizeof(c->bad), "Invalid mock control '%.60s'"
		    ": %s", origin, why);
}

/* Parses and stores one value; origin names it in error messages. */
static void
ctl_set(struct mock_ctl *c, enum ctl k, const char *origin,
    const char *val, size_t len)
{
	const struct ctl_def	*d = &ctl_defs[k];
	char			 why[96];
	char			*end;
	long			 v;
	size_t			 i;

	if (d->str) {
		c->body = val;
		c->bodylen = len;
		c->set |= 1u << k;
		return;
	}
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)val[i]))
			break;
	errno = 0;
	v = len > 0 && i == len ? strtol(val, &end, 10) : -1;
	if (len == 0 || i != len || errno != 0 || v < d->min || v > d->max) {
		snprintf(why, sizeof(why), "expected an integer in %ld..%ld",
		    d->min, d->max);
		ctl_bad(c, origin, why);
		return;
	}
	c->v[k] = v;
	c->set |= 1u << k;
}

int
ctl_header(struct mock_ctl *c, const char *name, const char *value)
{
	enum ctl	 k;

	if (strncasecmp(name, HDR_PREFIX, strlen(HDR_PREFIX)) != 0)
		return 0;
	if ((k = ctl_lookup(name + strlen(HDR_PREFIX))) == CTL__MAX) {
		ctl_bad(c, name, "unknown control");
		return 1;
	}
	if (value == NULL)
		value = "";
	ctl_set(c, k, name, value, strlen(value));
	return 1;
}

void
ctl_meta(struct mock_ctl *c, const cJSON *meta)
{
	const cJSON	*it;
	char		 origin[96];
	enum ctl	 k;

	if (!cJSON_IsObject(meta))
		return;
	cJSON_ArrayForEach(it, meta) {
		if (it->string == NULL || strncmp(it->string, META_PREFIX,
		    strlen(META_PREFIX)) != 0)
			continue;
		snprintf(origin, sizeof(origin), "metadata.%s", it->string);
		if ((k = ctl_lookup(it->string + strlen(META_PREFIX))) ==
		    CTL__MAX) {
			ctl_bad(c, origin, "unknown control");
			continue;
		}
		if (!cJSON_IsString(it)) {
			ctl_bad(c, origin, "expected a string");
			continue;
		}
		if (ctl_isset(c, k))
			continue;	/* the header wins */
		ctl_set(c, k, origin, it->valuestring,
		    strlen(it->valuestring));
	}
}
