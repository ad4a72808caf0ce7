/*
 * multipart.c: streaming multipart/form-data parser (RFC 7578 over the
 * multipart syntax of RFC 2046 5.1.1).
 *
 * The parser is a byte-level state machine fed in chunks of any size, so a
 * delimiter, a CRLF or a header may be split anywhere across feeds.  It
 * owns one capped header buffer (reused for every part) and, per part, the
 * part's data buffer; both are malloc'd buffers registered with the
 * arena's cleanups, so everything goes at the arena's reset.
 *
 * Delimiter search: inside a part's body the parser looks for
 * CRLF "--" boundary.  Boundary characters (RFC 2046 bchars) never include
 * CR, so a partial match can only restart at the CR that began it; the
 * matched prefix is therefore always delim[0..m) and needs no buffering of
 * the input: on a mismatch those bytes are copied from delim itself.  The
 * first delimiter may open the body without a CRLF before it, so the
 * preamble starts as if a CRLF had just been seen.
 *
 * Invariants: after the first error every call returns that error; a
 * part's data never exceeds max_field (no filename) or max_file (with a
 * filename); the part count never exceeds max_parts.
 */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "multipart.h"

#define MP_BOUNDARY_MAX	70	/* RFC 2046 5.1.1 */
#define MP_PAD_MAX	256	/* transport padding after a delimiter */

enum mp_state {
	MP_PREAMBLE,		/* discarding until the first delimiter */
	MP_AFTER_DELIM,		/* delimiter matched: "--", padding or CRLF */
	MP_CLOSE_DASH,		/* one '-' of the close delimiter seen */
	MP_PADDING,		/* LWSP after the delimiter */
	MP_DELIM_CR,		/* CR after the delimiter, LF must follow */
	MP_HEADERS,		/* a part's header block up to CRLF CRLF */
	MP_BODY,		/* a part's data up to the next delimiter */
	MP_EPILOGUE,		/* after the close delimiter: discarded */
	MP_ERROR
};

struct mp_parser {
	struct arena		*a;
	struct mp_limits	 lim;
	enum mp_state		 st;
	enum err		 err;
	const char		*why;
	const char		*why_part;	/* part the error concerns */

	char			 delim[4 + MP_BOUNDARY_MAX + 1];
	size_t			 dlen;		/* CRLF "--" boundary */
	size_t			 m;		/* delim bytes matched */
	size_t			 pad;		/* padding bytes seen */

	struct buf		 hdr;		/* current header block */

	struct mp_part		*parts;
	size_t			 nparts, aparts;
	struct mp_part		*cur;		/* part being filled */
};

static int
is_bchar(int c)
{
	/* RFC 2046 5.1.1 bcharsnospace, plus space (not last). */
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("'()+_,-./:=? ", c) != NULL;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive compare of the n bytes at s with the C string lit. */
static int
ieq(const char *s, size_t n, const char *lit)
{
	size_t	 i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != (unsigned char)lit[i])
			return 0;
	return 1;
}

static int
is_tchar(int c)
{
	/* RFC 9110 5.6.2 token characters. */
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static const char *
skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/*
 * One parameter value at *sp (token or quoted-string, RFC 9110 5.6.4;
 * a backslash escapes only '"' and '\', as browsers send Windows paths
 * unescaped).  Writes at most max bytes to out (NUL-terminated, out has
 * max + 1 bytes).  Returns 0, -1 when malformed, -2 when longer than max.
 */
static int
param_value(const char **sp, const char *end, char *out, size_t max,
    size_t *olen)
{
	const char	*s = *sp;
	size_t		 n = 0;
	int		 over = 0;
	char		 c;

	if (s < end && *s == '"') {
		for (s++; s < end && *s != '"'; s++) {
			c = *s;
			if (c == '\\' && s + 1 < end &&
			    (s[1] == '"' || s[1] == '\\'))
				c = *++s;
			if ((unsigned char)c < 0x20 && c != '\t')
				return -1;
			if (n < max)
				out[n++] = c;
			else
				over = 1;
		}
		if (s >= end)
			return -1;
		s++;
	} else {
		for (; s < end && is_tchar((unsigned char)*s); s++) {
			if (n < max)
				out[n++] = *s;
			else
				over = 1;
		}
		if (n == 0 && !over)
			return -1;
	}
	out[n] = '\0';
	*olen = n;
	*sp = s;
	return over ? -2 : 0;
}

/*
 * Parses the Content-Type of the request into the delimiter.  Returns 0
 * or -1 (with p->why set).
 */
static int
parse_ctype(struct mp_parser *p, const char *ctype)
{
	const char	*s = ctype, *end = ctype + strlen(ctype), *nm;
	char		 val[MP_BOUNDARY_MAX + 1];
	size_t		 nlen, vlen;
	int		 rc, have = 0;

	s = skip_ws(s, end);
	nm = s;
	while (s < end && *s != ';' && *s != ' ' && *s != '\t')
		s++;
	if (!ieq(nm, (size_t)(s - nm), "multipart/form-data")) {
		p->why = "Content-Type must be multipart/form-data";
		return -1;
	}
	for (;;) {
		s = skip_ws(s, end);
		if (s == end)
			break;
		if (*s != ';')
			goto bad;
		s = skip_ws(s + 1, end);
		if (s == end)
			break;	/* a trailing ';' is tolerated */
		nm = s;
		while (s < end && is_tchar((unsigned char)*s))
			s++;
		nlen = (size_t)(s - nm);
		s = skip_ws(s, end);
		if (nlen == 0 || s == end || *s != '=')
			goto bad;
		s = skip_ws(s + 1, end);
		rc = param_value(&s, end, val, MP_BOUNDARY_MAX, &vlen);
		if (!ieq(nm, nlen, "boundary")) {
			if (rc == -1)
				goto bad;
			continue;	/* charset and others: ignored */
		}
		if (have) {
			p->why = "Content-Type has two boundary parameters";
			return -1;
		}
		have = 1;
		if (rc != 0 || vlen == 0 || val[vlen - 1] == ' ') {
			p->why = "multipart boundary must be 1 to 70 "
			    "characters, not ending in a space";
			return -1;
		}
		for (nlen = 0; nlen < vlen; nlen++)
			if (!is_bchar((unsigned char)val[nlen])) {
				p->why = "multipart boundary has a character "
				    "RFC 2046 does not allow";
				return -1;
			}
		memcpy(p->delim, "\r\n--", 4);
		memcpy(p->delim + 4, val, vlen);
		p->dlen = 4 + vlen;
		p->delim[p->dlen] = '\0';
	}
	if (!have) {
		p->why = "Content-Type has no multipart boundary";
		return -1;
	}
	return 0;
bad:
	p->why = "malformed Content-Type parameters";
	return -1;
}

/*
 * Frees the malloc'd buffers at the arena's reset: the header block and
 * the data of every part begun, including one whose headers failed (the
 * parts array is zeroed arena memory, so unused slots hold no buffer).
 */
static void
mp_cleanup(void *v)
{
	struct mp_parser	*p = v;
	size_t			 i;

	buf_free(&p->hdr);
	for (i = 0; i < p->aparts; i++)
		buf_free(&p->parts[i].data);
}

struct mp_parser *
mp_new(struct arena *a, const char *ctype, const struct mp_limits *lim,
    enum err *e)
{
	struct mp_parser	*p;

	*e = ERR_OK;
	if ((p = arena_alloc(a, sizeof(*p))) == NULL) {
		*e = ERR_NOMEM;
		return NULL;
	}
	p->a = a;
	p->lim = *lim;
	p->why = "";
	if (ctype == NULL || parse_ctype(p, ctype) == -1) {
		*e = ERR_BAD_REQUEST;
		return NULL;
	}
	buf_init(&p->hdr, lim->max_header);
	if (arena_defer(a, mp_cleanup, p) == -1) {
		*e = ERR_NOMEM;
		return NULL;
	}
	p->st = MP_PREAMBLE;
	p->m = 2;	/* the first delimiter needs no CRLF before it */
	return p;
}

static enum err
fail(struct mp_parser *p, enum err e, const char *why)
{
	p->st = MP_ERROR;
	p->err = e;
	p->why = why;
	return e;
}

/* The cap error of the current part, naming it. */
static enum err
part_too_large(struct mp_parser *p)
{
	const char	*msg;

	if (p->cur->filename != NULL)
		msg = arena_printf(p->a, "multipart file '%s' is larger than "
		    "%zu bytes", p->cur->name, p->lim.max_file);
	else
		msg = arena_printf(p->a, "multipart field '%s' is larger than "
		    "%zu bytes", p->cur->name, p->lim.max_field);
	p->why_part = p->cur->name;
	return fail(p, ERR_TOO_LARGE, msg != NULL ? msg :
	    "multipart part is too large");
}

/* Appends n bytes to the current part's data, checking its cap. */
static enum err
part_append(struct mp_parser *p, const char *s, size_t n)
{
	struct buf	*b = &p->cur->data;

	if (n == 0)
		return ERR_OK;
	if (n > b->max || b->len > b->max - n)
		return part_too_large(p);
	if (buf_append(b, s, n) == -1)
		return fail(p, ERR_NOMEM, "out of memory");
	return ERR_OK;
}

/*
 * Content-Disposition value (RFC 7578 4.2): "form-data" then parameters,
 * of which name is required and filename optional.
 */
static enum err
parse_disposition(struct mp_parser *p, struct mp_part *pt, const char *s,
    const char *end)
{
	const char	*nm;
	char		*out;
	size_t		 nlen, max, vlen;
	int		 rc, isname;

	nm = s;
	while (s < end && is_tchar((unsigned char)*s))
		s++;
	if (!ieq(nm, (size_t)(s - nm), "form-data"))
		return fail(p, ERR_BAD_REQUEST,
		    "multipart part Content-Disposition is not form-data");
	for (;;) {
		s = skip_ws(s, end);
		if (s == end)
			break;
		if (*s != ';')
			goto bad;
		s = skip_ws(s + 1, end);
		nm = s;
		while (s < end && is_tchar((unsigned char)*s))
			s++;
		nlen = (size_t)(s - nm);
		s = skip_ws(s, end);
		if (nlen == 0 || s == end || *s != '=')
			goto bad;
		s = skip_ws(s + 1, end);
		isname = ieq(nm, nlen, "name");
		if (!isname && !ieq(nm, nlen, "filename")) {
			/* filename* and others: skipped (RFC 7578 4.2). */
			max = (size_t)(end - s);
		} else
			max = isname ? p->lim.max_name : p->lim.max_filename;
		if (max > (size_t)(end - s))
			max = (size_t)(end - s);
		if ((out = arena_alloc(p->a, max + 1)) == NULL)
			return fail(p, ERR_NOMEM, "out of memory");
		rc = param_value(&s, end, out, max, &vlen);
		if (rc == -1)
			goto bad;
		if (!isname && !ieq(nm, nlen, "filename"))
			continue;
		if (rc == -2 && !isname)
			p->why_part = pt->name;
		if (rc == -2)
			return fail(p, ERR_TOO_LARGE, isname ?
			    "multipart part name is too long" :
			    "multipart filename is too long");
		if ((isname ? pt->name : pt->filename) != NULL)
			return fail(p, ERR_BAD_REQUEST,
			    "multipart part repeats a Content-Disposition "
			    "parameter");
		if (isname)
			pt->name = out;
		else
			pt->filename = out;
	}
	if (pt->name == NULL || pt->name[0] == '\0')
		return fail(p, ERR_BAD_REQUEST,
		    "multipart part has no name in Content-Disposition");
	return ERR_OK;
bad:
	return fail(p, ERR_BAD_REQUEST,
	    "malformed multipart Content-Disposition");
}

/*
 * The header block in p->hdr (lines ending CRLF, the last line empty)
 * into a new part.
 */
static enum err
parse_headers(struct mp_parser *p)
{
	struct mp_part	*pt = p->cur;
	const char	*s = p->hdr.p, *end = p->hdr.p + p->hdr.len - 2;
	const char	*eol, *colon, *v, *ve, *q;
	int		 have_cd = 0;
	enum err	 e;

	while (s < end) {
		eol = s;
		while (eol < end && *eol != '\r' && *eol != '\n')
			eol++;
		if (eol >= end || eol[0] != '\r' || eol[1] != '\n')
			return fail(p, ERR_BAD_REQUEST,
			    "multipart part header line without CRLF");
		if (eol == s || *s == ' ' || *s == '\t')
			return fail(p, ERR_BAD_REQUEST,
			    "malformed multipart part header");
		for (colon = s; colon < eol && is_tchar((unsigned char)*colon);
		    colon++)
			;
		if (colon == s || colon == eol || *colon != ':')
			return fail(p, ERR_BAD_REQUEST,
			    "malformed multipart part header");
		v = skip_ws(colon + 1, eol);
		ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (q = v; q < ve; q++)
			if (*q == '\0')
				return fail(p, ERR_BAD_REQUEST,
				    "NUL in multipart part header");
		if (ieq(s, (size_t)(colon - s), "content-disposition")) {
			if (have_cd)
				return fail(p, ERR_BAD_REQUEST, "multipart "
				    "part has two Content-Disposition headers");
			have_cd = 1;
			if ((e = parse_disposition(p, pt, v, ve)) != ERR_OK)
				return e;
		} else if (ieq(s, (size_t)(colon - s), "content-type")) {
			if (pt->ctype != NULL)
				return fail(p, ERR_BAD_REQUEST, "multipart "
				    "part has two Content-Type headers");
			pt->ctype = arena_strndup(p->a, v, (size_t)(ve - v));
			if (pt->ctype == NULL)
				return fail(p, ERR_NOMEM, "out of memory");
		} else if (ieq(s, (size_t)(colon - s),
		    "content-transfer-encoding")) {
			/* RFC 7578 4.7: only the identity encodings. */
			if (!ieq(v, (size_t)(ve - v), "binary") &&
			    !ieq(v, (size_t)(ve - v), "8bit") &&
			    !ieq(v, (size_t)(ve - v), "7bit"))
				return fail(p, ERR_BAD_REQUEST, "multipart "
				    "Content-Transfer-Encoding not supported");
		}
		s = eol + 2;
	}
	if (!have_cd)
		return fail(p, ERR_BAD_REQUEST,
		    "multipart part has no Content-Disposition");
	buf_init(&pt->data, pt->filename != NULL ? p->lim.max_file :
	    p->lim.max_field);
	if (buf_append(&pt->data, "", 0) == -1)
		return fail(p, ERR_NOMEM, "out of memory");
	return ERR_OK;
}

/* Begins a part after a delimiter's CRLF. */
static enum err
part_begin(struct mp_parser *p)
{
	struct mp_part	*np;
	size_t		 na;

	if (p->nparts >= p->lim.max_parts)
		return fail(p, ERR_TOO_LARGE, "too many multipart parts");
	if (p->nparts == p->aparts) {
		na = p->aparts == 0 ? 8 : p->aparts * 2;
		if (na > p->lim.max_parts)
			na = p->lim.max_parts;
		if (na > SIZE_MAX / sizeof(*np) ||
		    (np = arena_alloc(p->a, na * sizeof(*np))) == NULL)
			return fail(p, ERR_NOMEM, "out of memory");
		if (p->nparts > 0)
			memcpy(np, p->parts, p->nparts * sizeof(*np));
		p->parts = np;
		p->aparts = na;
	}
	p->cur = &p->parts[p->nparts];
	memset(p->cur, 0, sizeof(*p->cur));
	buf_reset(&p->hdr);
	p->st = MP_HEADERS;
	return ERR_OK;
}

/*
 * Header bytes: one at a time up to the blank line (the block is small
 * and capped).  Returns bytes consumed or sets an error.
 */
static size_t
feed_headers(struct mp_parser *p, const char *s, size_t n, enum err *e)
{
	size_t	 i;
	char	*h;

	for (i = 0; i < n; i++) {
		if (buf_append(&p->hdr, &s[i], 1) == -1) {
			*e = p->hdr.len >= p->hdr.max ?
			    fail(p, ERR_TOO_LARGE,
			    "multipart part headers are too long") :
			    fail(p, ERR_NOMEM, "out of memory");
			return i;
		}
		h = p->hdr.p;
		if ((p->hdr.len == 2 && h[0] == '\r' && h[1] == '\n') ||
		    (p->hdr.len >= 4 &&
		    memcmp(h + p->hdr.len - 4, "\r\n\r\n", 4) == 0)) {
			if ((*e = parse_headers(p)) != ERR_OK)
				return i + 1;
			p->nparts++;
			p->st = MP_BODY;
			p->m = 0;
			return i + 1;
		}
	}
	return n;
}

/*
 * Preamble or body bytes: looks for the delimiter.  In the body,
 * non-delimiter bytes go to the part in runs; in the preamble they are
 * dropped.  Returns bytes consumed.
 */
static size_t
feed_data(struct mp_parser *p, const char *s, size_t n, enum err *e)
{
	size_t		 i = 0, run;
	const char	*cr;
	int		 body = p->st == MP_BODY;

	while (i < n) {
		if (p->m == 0) {
			cr = memchr(s + i, '\r', n - i);
			run = cr == NULL ? n - i : (size_t)(cr - (s + i));
			if (body && (*e = part_append(p, s + i, run)) != ERR_OK)
				return i;
			i += run;
			if (cr == NULL)
				return n;
			p->m = 1;
			i++;
			continue;
		}
		if (s[i] == p->delim[p->m]) {
			i++;
			if (++p->m == p->dlen) {
				p->st = MP_AFTER_DELIM;
				p->m = 0;
				p->cur = NULL;
				return i;
			}
			continue;
		}
		/* Mismatch: the bytes held were data after all. */
		if (body && (*e = part_append(p, p->delim, p->m)) != ERR_OK)
			return i;
		p->m = 0;
	}
	return n;
}

enum err
mp_feed(struct mp_parser *p, const char *bytes, size_t n)
{
	size_t		 i = 0;
	enum err	 e = ERR_OK;
	char		 c;

	if (p->st == MP_ERROR)
		return p->err;
	while (i < n && e == ERR_OK) {
		switch (p->st) {
		case MP_PREAMBLE:
		case MP_BODY:
			i += feed_data(p, bytes + i, n - i, &e);
			break;
		case MP_HEADERS:
			i += feed_headers(p, bytes + i, n - i, &e);
			break;
		case MP_EPILOGUE:
			return ERR_OK;
		case MP_AFTER_DELIM:
		case MP_CLOSE_DASH:
		case MP_PADDING:
		case MP_DELIM_CR:
			c = bytes[i++];
			if (p->st == MP_CLOSE_DASH) {
				if (c != '-')
					goto nocrlf;
				if (p->nparts == 0)
					return fail(p, ERR_BAD_REQUEST,
					    "multipart body has no parts");
				p->st = MP_EPILOGUE;
			} else if (p->st == MP_DELIM_CR) {
				if (c != '\n')
					goto nocrlf;
				e = part_begin(p);
			} else if (c == '-' && p->st == MP_AFTER_DELIM) {
				p->st = MP_CLOSE_DASH;
			} else if (c == ' ' || c == '\t') {
				p->st = MP_PADDING;
				if (++p->pad > MP_PAD_MAX)
					goto nocrlf;
			} else if (c == '\r') {
				p->st = MP_DELIM_CR;
				p->pad = 0;
			} else
				goto nocrlf;
			break;
		case MP_ERROR:
			return p->err;
		}
	}
	return e;
nocrlf:
	return fail(p, ERR_BAD_REQUEST,
	    "multipart delimiter not followed by CRLF");
}

enum err
mp_finish(struct mp_parser *p)
{
	if (p->st == MP_ERROR)
		return p->err;
	if (p->st == MP_EPILOGUE)
		return ERR_OK;
	return fail(p, ERR_BAD_REQUEST, p->st == MP_PREAMBLE ?
	    "multipart body has no delimiter" :
	    "multipart body ends without the close delimiter");
}

struct mp_part *
mp_parts(struct mp_parser *p, size_t *n)
{
	*n = p->nparts;
	return p->parts;
}

struct mp_part *
mp_get(struct mp_parser *p, const char *name)
{
	size_t	 i;

	for (i = 0; i < p->nparts; i++)
		if (strcmp(p->parts[i].name, name) == 0)
			return &p->parts[i];
	return NULL;
}

const char *
mp_error(struct mp_parser *p)
{
	return p->why != NULL && p->why[0] != '\0' ? p->why :
	    "malformed multipart body";
}

const char *
mp_error_part(struct mp_parser *p)
{
	return p->why_part;
}
