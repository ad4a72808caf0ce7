/*
 * api.h: what the handlers of the management API (/api/, docs/admin-api.md)
 * share.  api.c owns the route table, the dispatch (authentication,
 * CSRF, role, body) and the answers; util.c the request and JSON
 * helpers; each other file of handlers/admin/ one family of routes.
 *
 * A handler gets a struct api with the caller already authenticated (for
 * routes that need it), its role checked and its JSON body parsed.  It
 * answers exactly once through api_ok / api_fail (or api_csv_*), and
 * returns ERR_OK; any other return (ERR_DB, ERR_NOMEM) makes the
 * dispatcher answer 503/500 in the envelope, if nothing was sent yet.
 * Validation helpers answer the 400 themselves and return -1, so a
 * handler just returns ERR_OK after them.
 */
#ifndef NX_ADMIN_API_H
#define NX_ADMIN_API_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "router.h"
#include "sec.h"
#include "valid.h"

struct cJSON;
struct req;

#define API_USER	1
#define API_ADMIN	10
#define API_ROOT	100

#define API_PW_MIN	8		/* bytes of a password */
#define API_PW_MAX	1024
#define API_EXPORT_MAX	100000		/* rows of a CSV export */
#define API_EXPORT_CHUNK 1000		/* rows read at a time */

enum api_via { API_VIA_NONE, API_VIA_SESSION, API_VIA_PAT };

struct api;

struct api_route {
	struct route	 rt;		/* method, path, name (access line) */
	int		 role;		/* 0: no login needed */
	int		 body;		/* 1: a JSON object body is required */
	enum err	(*fn)(struct api *);
};

struct api {
	struct req		*r;
	const struct api_route	*route;
	struct user_row		 me;		/* the caller (role > 0) */
	enum api_via		 via;
	char			 sid[SEC_HEX256];	/* session id (hash) */
	const char		*csrf;		/* the session's token */
	const char		*arg[2];	/* decoded '*' / '#' segments */
	int64_t			 id;		/* the first '#' segment */
	struct cJSON		*body;		/* JSON object, or NULL */
};

/* ---- answers (api.c) ---- */

/*
 * 200 {"success": true, "message": "", "data": data}; data (may be NULL:
 * JSON null) becomes part of the answer and is freed with it.
 */
enum err	 api_ok(struct api *c, struct cJSON *data);
/* status {"success": false, "message": <fmt>, "data": null}. */
enum err	 api_fail(struct api *c, int status, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* 400 naming field: "<field>: <fmt>".  Returns -1. */
int		 api_bad(struct api *c, const char *field, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
/* The answer for a failed db call e (db_errmsg logged, not sent). */
enum err	 api_dberr(struct api *c, enum err e);
/* 404 "<what> not found". */
enum err	 api_404(struct api *c, const char *what);
/* Writes an audit line (who, which route, which object) to the log. */
void		 api_audit(struct api *c, const char *what);
/*
 * The answer to deleting a thing (obj, for the 404) whose db call gave e:
 * 404 for ERR_NOT_FOUND, e for another failure, else an audit line of
 * fmt (at most 199 bytes) and 200 with no data.
 */
enum err	 api_deleted(struct api *c, enum err e, const char *obj,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- request helpers (util.c) ---- */

/*
 * Query parameter name of the request, percent-decoded ('+' is a space)
 * into the arena; NULL when absent.  A value that does not decode (bad
 * escape, NUL byte) reads as absent.
 */
const char	*api_query(struct api *c, const char *name);
/* api_query, but "" when absent (a keyword filter). */
const char	*api_qword(struct api *c, const char *name);
/*
 * Integer query parameter in [lo, hi], def when absent: 0, or -1 after
 * answering 400.
 */
int		 api_qint(struct api *c, const char *name, int64_t lo,
		    int64_t hi, int64_t def, int64_t *out);
/* Query p (from 1) and size (1..100, default 20): 0 or -1 (400 sent). */
int		 api_page(struct api *c, int64_t *page, int64_t *size);
/*
 * A page answer's data: items (taken over, freed on failure), total,
 * page and size.  NULL when out of memory.
 */
struct cJSON	*api_page_data(struct cJSON *items, int64_t total,
		    int64_t page, int64_t size);
/* Answers 200 with api_page_data's object; ERR_NOMEM without one. */
enum err	 api_page_ok(struct api *c, struct cJSON *items,
		    int64_t total, int64_t page, int64_t size);

/*
 * Body fields.  Each returns 1 when the field was given and is valid
 * (*out set), 0 when absent or JSON null (*out untouched), -1 after
 * answering the 400 that names it.
 */
/* A string of at most max bytes; printable: no control characters. */
int		 api_str(struct api *c, const char *k, size_t max,
		    int printable, const char **out);
/* An integer number in [lo, hi]. */
int		 api_int(struct api *c, const char *k, int64_t lo, int64_t hi,
		    int64_t *out);
/* true or false. */
int		 api_bool(struct api *c, const char *k, int *out);
/*
 * A list: JSON array of strings or one comma-separated string, items
 * trimmed, empty ones and duplicates dropped, each accepted by ok; the
 * comma list (arena, "" when empty) at most max bytes.
 */
int		 api_list(struct api *c, const char *k,
		    int (*ok)(const char *, size_t), size_t max, char **out);
/*
 * A non-negative decimal with at most six fraction digits as millionths:
 * a JSON number, or a string "D[.F]" parsed exactly.
 */
int		 api_micro(struct api *c, const char *k, int64_t *out);
/*
 * A JSON object (strvals: every value a string; numvals: every value a
 * non-negative number) as compact text; {} or "" give "".
 */
int		 api_jobj(struct api *c, const char *k, int strvals,
		    int numvals, char **out);

/* An e-mail address ("" allowed), as api_str (session.c). */
int		 api_email(struct api *c, const char *k, const char **out);
/*
 * Group name (field k) is valid and exists: 0, or -1 after answering
 * (users.c).
 */
int		 api_group_exists(struct api *c, const char *k,
		    const char *name);

/*
 * Starts a 200 text/csv answer offered as download filename; the body
 * follows with req_write.  0, or -1 when the client is gone.
 */
int		 api_csv_start(struct api *c, const char *filename);

/*
 * A CSV export, newest first, in chunks of API_EXPORT_CHUNK rows paged by
 * id, each read into a fresh arena so memory stays flat up to
 * API_EXPORT_MAX rows.  more reads the chunk of rows with id below before
 * (0: the first chunk) into a, giving their count and the last one's id;
 * csv appends the CSV line of row i of the last chunk.
 */
struct api_export {
	const char	*filename;
	const char	*header;	/* CSV header line, with CRLF */
	const char	*total;		/* X-Total-Count, or NULL */
	const char	*audit;		/* api_audit's what */
	void		*arg;		/* of more and csv */
	enum err	(*more)(struct api *c, void *arg, struct arena *a,
			    int64_t before, size_t *n, int64_t *last);
	int		(*csv)(void *arg, struct buf *b, size_t i);
};

/*
 * Runs export x: a failure of the first chunk is answered as usual; once
 * the headers are out one only ends the body early (logged).
 */
enum err	 api_export(struct api *c, const struct api_export *x);

/* ---- pure helpers (util.c; unit-tested) ---- */

/*
 * 1 when s[0..n) is a valid model / group name / IP or CIDR, or s a user
 * name: the checks nexhinactl makes too (app/valid.h).
 */
#define api_is_model	valid_model
#define api_is_group	valid_group
#define api_is_ip	valid_ip
#define api_is_username	valid_username
/*
 * Normalizes a comma list as api_list does into out (outsz bytes, at
 * least strlen(s) + 1).  0, or -1 with the bad item copied to bad.
 */
int		 api_list_norm(const char *s, int (*ok)(const char *, size_t),
		    char *out, size_t outsz, char *bad, size_t badsz);
/* Exact "D[.F]" (<= 6 decimals) to millionths; 0 or -1. */
int		 api_parse_micro(const char *s, int64_t *out);
/* millionths as a JSON number (2500000 -> 2.5). */
double		 api_micro_num(int64_t v);
/*
 * The value of cookie name in a Cookie header (RFC 6265 5.4: pairs split
 * by ';', blanks trimmed) copied to out (outsz bytes); NULL when absent
 * or too long.
 */
const char	*api_cookie(const char *header, const char *name, char *out,
		    size_t outsz);
/*
 * Matches path against pattern: literal, "*" = one segment, "#" = one
 * all-digit segment.  Up to two wildcard segments are copied
 * (percent-decoded) into arena strings args[].  1 match, 0 not.
 */
struct arena;
int		 api_match(struct arena *a, const char *pattern,
		    const char *path, const char **args);
/* Percent-decodes s[0..n) into arena memory; NULL on a bad escape/NUL. */
char		*api_pct_decode(struct arena *a, const char *s, size_t n,
		    int plus);
/*
 * One CSV field (RFC 4180): quoted when it holds , " CR or LF; text
 * that a spreadsheet would run as a formula (= + - @ TAB CR first) gets a
 * leading '.  Appended to b; 0 or -1.
 */
struct buf;
int		 api_csv_field(struct buf *b, const char *s, int text);
/* "YYYY-MM-DD" of day number d (days since 1970-01-01) into out[11]. */
void		 api_day(int64_t d, char out[11]);

/* ---- JSON of the objects (util.c) ---- */

struct cJSON	*api_user_json(const struct user_row *u);
/* Adds name: v as a number. */
void		 api_num(struct cJSON *o, const char *name, int64_t v);
/* Adds name: the JSON object text s, or {} when s is "" or not one. */
void		 api_obj_text(struct cJSON *o, const char *name,
		    const char *s);

/* ---- the route families ---- */

enum err	 api_login(struct api *);
enum err	 api_logout(struct api *);
enum err	 api_self_get(struct api *);
enum err	 api_self_put(struct api *);
enum err	 api_pat_list(struct api *);
enum err	 api_pat_create(struct api *);
enum err	 api_pat_delete(struct api *);
enum err	 api_redeem(struct api *);
enum err	 api_status(struct api *);

enum err	 api_user_list(struct api *);
enum err	 api_user_get(struct api *);
enum err	 api_user_create(struct api *);
enum err	 api_user_update(struct api *);
enum err	 api_user_delete(struct api *);
enum err	 api_user_quota(struct api *);

enum err	 api_token_list(struct api *);
enum err	 api_token_get(struct api *);
enum err	 api_token_create(struct api *);
enum err	 api_token_update(struct api *);
enum err	 api_token_delete(struct api *);

enum err	 api_channel_list(struct api *);
enum err	 api_channel_get(struct api *);
enum err	 api_channel_create(struct api *);
enum err	 api_channel_update(struct api *);
enum err	 api_channel_delete(struct api *);
enum err	 api_channel_test(struct api *);

enum err	 api_price_list(struct api *);
enum err	 api_price_get(struct api *);
enum err	 api_price_put(struct api *);
enum err	 api_price_delete(struct api *);
enum err	 api_group_list(struct api *);
enum err	 api_group_get(struct api *);
enum err	 api_group_create(struct api *);
enum err	 api_group_update(struct api *);
enum err	 api_group_delete(struct api *);
enum err	 api_option_list(struct api *);
enum err	 api_option_put(struct api *);

enum err	 api_redemption_list(struct api *);
enum err	 api_redemption_get(struct api *);
enum err	 api_redemption_create(struct api *);
enum err	 api_redemption_update(struct api *);
enum err	 api_redemption_delete(struct api *);
enum err	 api_redemption_export(struct api *);

enum err	 api_log_list(struct api *);
enum err	 api_log_export(struct api *);
enum err	 api_usage(struct api *);

#endif
