/*
 * util.c: the management API's helpers: query parameters, typed body
 * fields that answer their own 400 naming the field, the pure parsers
 * behind them (path patterns, cookies, comma lists, exact decimals; all
 * unit-tested in tests/unit/test_admin_api.c), CSV fields, and the JSON
 * of a User.
 *
 * Everything a client sends is bounded here before it is used: strings
 * by the field's column size, numbers by explicit ranges (integers only
 * within +-2^53, where a JSON number is still exact), lists by bytes.
 * Strings must be valid UTF-8, so what the database stores is what the
 * client sent.
 */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "handlers/admin/api.h"
#include "arena.h"
#include "buf.h"
#include "log.h"
#include "request.h"
#include "sec.h"
#include "valid.h"

#define JSON_INT_MAX	9007199254740992LL	/* 2^53 */
#define MICRO_MAX	9000000000000.0		/* largest decimal accepted */
#define FLUSH_AT	(256 * 1024)		/* bytes of CSV per write */

char *
api_pct_decode(struct arena *a, const char *s, size_t n, int plus)
{
	char	*out, *q;
	size_t	 i;
	int	 h, l;

	if ((out = q = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				return NULL;
			if ((h = sec_hexval((unsigned char)s[i + 1])) < 0 ||
			    (l = sec_hexval((unsigned char)s[i + 2])) < 0 ||
			    (h == 0 && l == 0))
				return NULL;
			*q++ = (char)(h * 16 + l);
			i += 2;
		} else if (s[i] == '+' && plus)
			*q++ = ' ';
		else if (s[i] == '\0')
			return NULL;
		else
			*q++ = s[i];
	}
	*q = '\0';
	return out;
}

int
api_match(struct arena *a, const char *pat, const char *path,
    const char **args)
{
	const char	*start;
	size_t		 len, i, nargs = 0;

	while (*pat != '\0') {
		if ((*pat == '*' || *pat == '#') && (pat[1] == '/' ||
		    pat[1] == '\0')) {
			for (start = path; *path != '\0' && *path != '/';
			    path++)
				;
			if ((len = (size_t)(path - start)) == 0)
				return 0;
			if (*pat == '#')
				for (i = 0; i < len; i++)
					if (!isdigit((unsigned char)start[i]))
						return 0;
			if (nargs < 2 && (args[nargs++] = api_pct_decode(a,
			    start, len, 0)) == NULL)
				return 0;
			pat++;
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++;
		path++;
	}
	return *path == '\0';
}

const char *
api_cookie(const char *h, const char *name, char *out, size_t outsz)
{
	const char	*k, *ke, *v, *ve;
	size_t		 nlen = strlen(name);

	if (h == NULL)
		return NULL;
	while (*h != '\0') {
		while (*h == ' ' || *h == '\t' || *h == ';')
			h++;
		k = h;
		h += strcspn(h, ";");
		if ((ke = memchr(k, '=', (size_t)(h - k))) == NULL)
			continue;
		v = ke + 1;
		while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		while (v < h && (*v == ' ' || *v == '\t'))
			v++;
		for (ve = h; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		if ((size_t)(ke - k) != nlen || memcmp(k, name, nlen) != 0)
			continue;
		if ((size_t)(ve - v) >= outsz)
			return NULL;
		memcpy(out, v, (size_t)(ve - v));
		out[ve - v] = '\0';
		return out;
	}
	return NULL;
}

const char *
api_query(struct api *c, const char *name)
{
	const char	*p = c->r->query, *end, *eq;
	size_t		 nlen = strlen(name);

	while (p != NULL && *p != '\0') {
		end = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    memcmp(p, name, nlen) == 0)
			return api_pct_decode(c->r->a, eq + 1,
			    (size_t)(end - eq - 1), 1);
		p = *end == '&' ? end + 1 : end;
	}
	return NULL;
}

/* Whole decimal integer (optional '-') in [lo, hi]; 0 or -1. */
static int
parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char		*end;
	long long	 v;

	if (*s == '\0' || isspace((unsigned char)*s) || *s == '+')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

const char *
api_qword(struct api *c, const char *name)
{
	const char	*v = api_query(c, name);

	return v != NULL ? v : "";
}

int
api_qint(struct api *c, const char *name, int64_t lo, int64_t hi,
    int64_t def, int64_t *out)
{
	const char	*v = api_query(c, name);

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	if (parse_int(v, lo, hi, out) == -1)
		return api_bad(c, name, "must be an integer between %lld and "
		    "%lld", (long long)lo, (long long)hi);
	return 0;
}

int
api_page(struct api *c, int64_t *page, int64_t *size)
{
	if (api_qint(c, "p", 1, 1000000, 1, page) == -1 ||
	    api_qint(c, "size", 1, 100, 20, size) == -1)
		return -1;
	return 0;
}

cJSON *
api_page_data(cJSON *items, int64_t total, int64_t page, int64_t size)
{
	cJSON	*data;

	if ((data = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(items);
		return NULL;
	}
	cJSON_AddItemToObject(data, "items", items);
	api_num(data, "total", total);
	api_num(data, "page", page);
	api_num(data, "size", size);
	return data;
}

enum err
api_page_ok(struct api *c, cJSON *items, int64_t total, int64_t page,
    int64_t size)
{
	cJSON	*data;

	if ((data = api_page_data(items, total, page, size)) == NULL)
		return ERR_NOMEM;
	return api_ok(c, data);
}

/* 1 when s is well-formed UTF-8 (RFC 3629: no overlongs, surrogates). */
static int
utf8_ok(const unsigned char *s)
{
	unsigned	 cp;
	int		 n, i;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf) {
			n = 1;
			cp = *s & 0x1f;
		} else if (*s >= 0xe0 && *s <= 0xef) {
			n = 2;
			cp = *s & 0x0f;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			n = 3;
			cp = *s & 0x07;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (n == 3 && (cp < 0x10000 ||
		    cp > 0x10ffff)))
			return 0;
		s += n + 1;
	}
	return 1;
}

/* Member k of the body, NULL when absent or null. */
static const cJSON *
given(struct api *c, const char *k)
{
	const cJSON	*v;

	if (c->body == NULL)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(c->body, k);
	return v == NULL || cJSON_IsNull(v) ? NULL : v;
}

int
api_str(struct api *c, const char *k, size_t max, int printable,
    const char **out)
{
	const cJSON		*v = given(c, k);
	const unsigned char	*p;

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return api_bad(c, k, "must be a string");
	if (strlen(v->valuestring) > max)
		return api_bad(c, k, "longer than %zu bytes", max);
	if (!utf8_ok((const unsigned char *)v->valuestring))
		return api_bad(c, k, "not valid UTF-8");
	if (printable)
		for (p = (const unsigned char *)v->valuestring; *p != '\0';
		    p++)
			if (*p < 0x20 || *p == 0x7f)
				return api_bad(c, k, "control characters "
				    "are not allowed");
	*out = v->valuestring;
	return 1;
}

int
api_int(struct api *c, const char *k, int64_t lo, int64_t hi, int64_t *out)
{
	const cJSON	*v = given(c, k);
	double		 d;

	if (v == NULL)
		return 0;
	if (lo < -JSON_INT_MAX)
		lo = -JSON_INT_MAX;
	if (hi > JSON_INT_MAX)
		hi = JSON_INT_MAX;
	d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	if (!isfinite(d) || d != floor(d) || d < (double)lo || d > (double)hi)
		return api_bad(c, k, "must be an integer between %lld and "
		    "%lld", (long long)lo, (long long)hi);
	*out = (int64_t)d;
	return 1;
}

int
api_bool(struct api *c, const char *k, int *out)
{
	const cJSON	*v = given(c, k);

	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v))
		return api_bad(c, k, "must be true or false");
	*out = cJSON_IsTrue(v);
	return 1;
}

int
api_list_norm(const char *s, int (*ok)(const char *, size_t), char *r,
    size_t rsz, char *bad, size_t badsz)
{
	const char	*b;
	size_t		 n;

	if (valid_list(s, ok, r, rsz, &b, &n) == 0)
		return 0;
	if (b != NULL)
		snprintf(bad, badsz, "%.*s", (int)(n > 64 ? 64 : n), b);
	return -1;
}

int
api_list(struct api *c, const char *k, int (*ok)(const char *, size_t),
    size_t max, char **out)
{
	const cJSON	*v = given(c, k), *it;
	struct buf	 b;
	char		*r, bad[80];
	size_t		 i = 0;

	if (v == NULL)
		return 0;
	buf_init(&b, 1024 * 1024);
	if (cJSON_IsString(v))
		buf_puts(&b, v->valuestring);
	else if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(it, v) {
			if (!cJSON_IsString(it) || strchr(it->valuestring,
			    ',') != NULL) {
				buf_free(&b);
				return api_bad(c, k, "item %zu is not a "
				    "string without commas", i);
			}
			if ((i++ > 0 && buf_putc(&b, ',') == -1) ||
			    buf_puts(&b, it->valuestring) == -1)
				break;
		}
	} else {
		buf_free(&b);
		return api_bad(c, k, "must be an array of strings or a "
		    "comma-separated string");
	}
	if (b.len > 1024 * 1024 - 2 || (r = arena_alloc(c->r->a, b.len + 1)) ==
	    NULL) {
		buf_free(&b);
		return api_bad(c, k, "too long");
	}
	if (api_list_norm(buf_cstr(&b), ok, r, b.len + 1, bad,
	    sizeof(bad)) == -1) {
		buf_free(&b);
		return api_bad(c, k, "'%s' is not valid", bad);
	}
	buf_free(&b);
	if (strlen(r) > max)
		return api_bad(c, k, "list longer than %zu bytes", max);
	*out = r;
	return 1;
}

int
api_parse_micro(const char *s, int64_t *out)
{
	return valid_micro(s, out) == VM_OK ? 0 : -1;
}

double
api_micro_num(int64_t v)
{
	return (double)v / 1e6;
}

int
api_micro(struct api *c, const char *k, int64_t *out)
{
	const cJSON	*v = given(c, k);
	double		 d;

	if (v == NULL)
		return 0;
	if (cJSON_IsString(v)) {
		if (api_parse_micro(v->valuestring, out) == -1)
			return api_bad(c, k, "'%.40s' is not a non-negative "
			    "decimal with at most 6 decimals", v->valuestring);
		return 1;
	}
	d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	if (!isfinite(d) || d < 0 || d > MICRO_MAX)
		return api_bad(c, k, "must be a number between 0 and %.0f",
		    MICRO_MAX);
	*out = (int64_t)llround(d * 1e6);
	return 1;
}

int
api_jobj(struct api *c, const char *k, int strvals, int numvals, char **out)
{
	const cJSON	*v = given(c, k), *it;
	char		*txt;

	if (v == NULL)
		return 0;
	if (cJSON_IsString(v) && *v->valuestring == '\0') {
		*out = "";
		return 1;
	}
	if (!cJSON_IsObject(v))
		return api_bad(c, k, "must be a JSON object");
	cJSON_ArrayForEach(it, v) {
		if (strvals && !cJSON_IsString(it))
			return api_bad(c, k, "the value of \"%.60s\" is not a "
			    "string", it->string);
		if (numvals && (!cJSON_IsNumber(it) || it->valuedouble < 0))
			return api_bad(c, k, "the value of \"%.60s\" is not a "
			    "non-negative number", it->string);
	}
	if (v->child == NULL) {
		*out = "";
		return 1;
	}
	if ((txt = cJSON_PrintUnformatted(v)) == NULL)
		return api_bad(c, k, "cannot be stored");
	if (strlen(txt) > 65535 || (*out = arena_strdup(c->r->a, txt)) ==
	    NULL) {
		cJSON_free(txt);
		return api_bad(c, k, "JSON longer than 65535 bytes");
	}
	cJSON_free(txt);
	return 1;
}

int
api_csv_field(struct buf *b, const char *s, int text)
{
	int	 rc = 0;

	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL && !(text && *s != '\0' &&
	    strchr("=+-@\t\r", *s) != NULL))
		return buf_puts(b, s);
	rc |= buf_putc(b, '"');
	if (text && *s != '\0' && strchr("=+-@\t\r", *s) != NULL)
		rc |= buf_putc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			rc |= buf_putc(b, '"');
		rc |= buf_putc(b, *s);
	}
	rc |= buf_putc(b, '"');
	return rc == 0 ? 0 : -1;
}

void
api_day(int64_t d, char out[11])
{
	int64_t		 z = d + 719468, era, doe, yoe, y, doy, mp, dd, m;
	char		 tmp[64];

	/* H. Hinnant's civil_from_days (proleptic Gregorian). */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	dd = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	snprintf(tmp, sizeof(tmp), "%04lld-%02lld-%02lld", (long long)y,
	    (long long)m, (long long)dd);
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

void
api_num(cJSON *o, const char *name, int64_t v)
{
	cJSON_AddNumberToObject(o, name, (double)v);
}

void
api_obj_text(cJSON *o, const char *name, const char *s)
{
	cJSON	*v = NULL;

	if (s != NULL && *s != '\0' && (v = cJSON_Parse(s)) != NULL &&
	    !cJSON_IsObject(v)) {
		cJSON_Delete(v);
		v = NULL;
	}
	if (v == NULL)
		v = cJSON_CreateObject();
	cJSON_AddItemToObject(o, name, v);
}

cJSON *
api_user_json(const struct user_row *u)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	api_num(o, "id", u->id);
	cJSON_AddStringToObject(o, "username", u->username);
	cJSON_AddStringToObject(o, "display_name", u->display_name);
	cJSON_AddStringToObject(o, "email", u->email);
	api_num(o, "role", u->role);
	api_num(o, "status", u->status);
	api_num(o, "quota", u->quota);
	api_num(o, "used_quota", u->used_quota);
	api_num(o, "request_count", u->request_count);
	cJSON_AddStringToObject(o, "group", u->group);
	api_num(o, "created_at", u->created_at);
	api_num(o, "last_login_at", u->last_login_at);
	return o;
}

int
api_csv_start(struct api *c, const char *filename)
{
	char	 h[128];

	snprintf(h, sizeof(h), "attachment; filename=\"%s\"", filename);
	req_add_header(c->r, "Content-Disposition", h);
	req_add_header(c->r, "Cache-Control", "no-store");
	return req_start(c->r, 200, "text/csv; charset=utf-8");
}

enum err
api_export(struct api *c, const struct api_export *x)
{
	struct req	*r = c->r;
	struct arena	 a;
	struct buf	 b;
	int64_t		 rows = 0, last = 0;
	size_t		 n, i;
	int		 stop = 0;
	enum err	 e;

	arena_init(&a, 64 * 1024 * 1024);
	buf_init(&b, 4 * 1024 * 1024);
	/* First chunk before the headers: a failure can still be a 503. */
	if ((e = x->more(c, x->arg, &a, 0, &n, &last)) != ERR_OK)
		goto out;
	if (x->total != NULL)
		req_add_header(r, "X-Total-Count", x->total);
	if (api_csv_start(c, x->filename) == -1)
		goto out;
	buf_puts(&b, x->header);
	for (;;) {
		for (i = 0; i < n && rows < API_EXPORT_MAX && !stop;
		    i++, rows++) {
			/* Flushed often, the buffer never nears its cap. */
			if (x->csv(x->arg, &b, i) == -1 ||
			    (b.len > FLUSH_AT && req_write(r, b.p, b.len) ==
			    -1))
				stop = 1;
			else if (b.len > FLUSH_AT)
				buf_reset(&b);
		}
		if (stop || req_write(r, b.p, b.len) == -1)
			break;
		buf_reset(&b);
		if (n < API_EXPORT_CHUNK || rows >= API_EXPORT_MAX)
			break;
		arena_reset(&a);
		if ((e = x->more(c, x->arg, &a, last, &n, &last)) != ERR_OK) {
			/* The headers are out: all we can do is stop. */
			log_err(r->rid, "api: export cut short: %s",
			    db_errmsg(r->db));
			e = ERR_OK;
			break;
		}
	}
	api_audit(c, x->audit);
out:
	buf_free(&b);
	arena_free(&a);
	return e;
}
