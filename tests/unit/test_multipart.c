/*
 * test_multipart.c: the streaming multipart/form-data parser
 * (app/multipart.c, RFC 7578 / RFC 2046 5.1.1).
 *
 * Content-Type cases check mp_new alone.  Body cases are a body, the
 * error it must give (from mp_feed or, when every feed passed, from
 * mp_finish) and, for good bodies, the parts recorded as
 * "[name|filename|ctype|data]" ("-" for NULL).  Every body is fed whole,
 * in chunks of every size from 1 to its length and cut once at every
 * offset: all feeds must give the same parts and the same error, which
 * covers a CRLF or a delimiter split across feeds.  Bad cases outnumber
 * good ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "multipart.h"
#include "t.h"

#define S(x)	x, sizeof(x) - 1
#define CT	"multipart/form-data; boundary=XyZ"
#define CD	"Content-Disposition: form-data; "

static const struct mp_limits lim = {
	.max_parts = 3, .max_header = 160, .max_name = 16,
	.max_filename = 24, .max_field = 32, .max_file = 64,
};

/* Content-Type header values. */
static const struct ccase {
	const char	*name;
	const char	*ctype;
	enum err	 want;
} ccases[] = {
	{ "plain boundary", CT, ERR_OK },
	{ "quoted boundary with space", "multipart/form-data; "
	  "boundary=\"a b'()+_,-./:=?\"", ERR_OK },
	{ "case-insensitive type, charset first, no spaces",
	  "Multipart/Form-Data;charset=utf-8;BOUNDARY=x", ERR_OK },
	{ "70-character boundary", "multipart/form-data; boundary="
	  "0123456789012345678901234567890123456789"
	  "012345678901234567890123456789", ERR_OK },
	{ "trailing semicolon tolerated", CT ";", ERR_OK },
	{ "NULL", NULL, ERR_BAD_REQUEST },
	{ "empty", "", ERR_BAD_REQUEST },
	{ "json", "application/json", ERR_BAD_REQUEST },
	{ "multipart/mixed", "multipart/mixed; boundary=x", ERR_BAD_REQUEST },
	{ "type prefix only", "multipart/form-datax; boundary=x",
	  ERR_BAD_REQUEST },
	{ "no boundary", "multipart/form-data", ERR_BAD_REQUEST },
	{ "no boundary, other param", "multipart/form-data; charset=utf-8",
	  ERR_BAD_REQUEST },
	{ "empty boundary", "multipart/form-data; boundary=",
	  ERR_BAD_REQUEST },
	{ "empty quoted boundary", "multipart/form-data; boundary=\"\"",
	  ERR_BAD_REQUEST },
	{ "71-character boundary", "multipart/form-data; boundary="
	  "0123456789012345678901234567890123456789"
	  "0123456789012345678901234567890", ERR_BAD_REQUEST },
	{ "boundary ends in space", "multipart/form-data; boundary=\"ab \"",
	  ERR_BAD_REQUEST },
	{ "boundary with @", "multipart/form-data; boundary=\"a@b\"",
	  ERR_BAD_REQUEST },
	{ "boundary with CR", "multipart/form-data; boundary=\"a\rb\"",
	  ERR_BAD_REQUEST },
	{ "unquoted boundary with @", "multipart/form-data; boundary=a@b",
	  ERR_BAD_REQUEST },
	{ "unterminated quote", "multipart/form-data; boundary=\"abc",
	  ERR_BAD_REQUEST },
	{ "two boundaries", CT "; boundary=other", ERR_BAD_REQUEST },
	{ "parameter without =", "multipart/form-data; boundary",
	  ERR_BAD_REQUEST },
	{ "parameter without name", "multipart/form-data; =x",
	  ERR_BAD_REQUEST },
	{ "junk after type", "multipart/form-data boundary=x",
	  ERR_BAD_REQUEST },
};

/* Bodies, parsed with Content-Type CT and the limits above. */
static const struct bcase {
	const char	*name;
	const char	*ctype;		/* NULL: CT */
	const char	*in;
	size_t		 inlen;
	enum err	 want;
	const char	*parts;
	size_t		 partslen;
} bcases[] = {
	/* Good. */
	{ "field and file", NULL,
	  S("--XyZ\r\n" CD "name=\"model\"\r\n\r\ngpt-image-1\r\n"
	  "--XyZ\r\n" CD "name=\"image\"; filename=\"a.png\"\r\n"
	  "Content-Type: image/png\r\n\r\n\x89PNG\0\x01\r\n--XyZ--\r\n"),
	  ERR_OK, S("[model|-|-|gpt-image-1][image|a.png|image/png|"
	  "\x89PNG\0\x01]") },
	{ "preamble and epilogue ignored", NULL,
	  S("This is a preamble.\r\n--XyQ not\r\nstill preamble\r\n"
	  "--XyZ\r\n" CD "name=a\r\n\r\nv\r\n--XyZ--\r\nepilogue --XyZ\r\n"
	  "junk"), ERR_OK, S("[a|-|-|v]") },
	{ "data with CR, LF and partial delimiters", NULL,
	  S("--XyZ\r\n" CD "name=a; filename=b\r\n\r\n\r\r\n\n--XyZ\r\n-"
	  "\r\n--Xy\r\n--X\r\n--XyQ--XyZ\r\n--XyZ--"), ERR_OK,
	  S("[a|b|-|\r\r\n\n--XyZ\r\n-\r\n--Xy\r\n--X\r\n--XyQ--XyZ]") },
	{ "empty data and empty filename", NULL,
	  S("--XyZ\r\n" CD "name=e\r\n\r\n\r\n--XyZ\r\n" CD
	  "name=f; filename=\"\"\r\n\r\n\r\n--XyZ--"), ERR_OK,
	  S("[e|-|-|][f||-|]") },
	{ "transport padding after delimiters", NULL,
	  S("--XyZ \t \r\n" CD "name=a\r\n\r\nv\r\n--XyZ  \r\n" CD
	  "name=b\r\n\r\nw\r\n--XyZ-- \r\n"), ERR_OK,
	  S("[a|-|-|v][b|-|-|w]") },
	{ "escaped quote, UTF-8, filename* skipped", NULL,
	  S("--XyZ\r\n" CD "name=\"q\\\"\"; filename*=UTF-8''x.png; "
	  "filename=\"C:\\x\\\xc3\xa9.png\"\r\n\r\nd\r\n--XyZ--"), ERR_OK,
	  S("[q\"|C:\\x\\\xc3\xa9.png|-|d]") },
	{ "at every cap", NULL,
	  S("--XyZ\r\n" CD "name=\"0123456789abcdef\"\r\n\r\n"
	  "0123456789abcdef0123456789abcdef\r\n--XyZ\r\n" CD "name=f; "
	  "filename=\"0123456789abcdef01234567\"\r\n\r\n"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	  "\r\n--XyZ\r\n" CD "name=z\r\n\r\n\r\n--XyZ--"), ERR_OK,
	  S("[0123456789abcdef|-|-|0123456789abcdef0123456789abcdef]"
	  "[f|0123456789abcdef01234567|-|0123456789abcdef0123456789abcdef"
	  "0123456789abcdef0123456789abcdef][z|-|-|]") },
	{ "repeated names kept in order", NULL,
	  S("--XyZ\r\n" CD "name=\"image[]\"; filename=a\r\n\r\n1\r\n"
	  "--XyZ\r\n" CD "name=\"image[]\"; filename=b\r\n\r\n2\r\n"
	  "--XyZ--"), ERR_OK, S("[image[]|a|-|1][image[]|b|-|2]") },
	{ "header names and form-data case-insensitive, others ignored",
	  NULL, S("--XyZ\r\nX-Other: 1\r\ncontent-disposition:FORM-DATA;"
	  "NAME=a ; Filename = b\r\nCONTENT-TYPE:  text/plain  \r\n"
	  "Content-Transfer-Encoding: binary\r\n\r\nv\r\n--XyZ--"), ERR_OK,
	  S("[a|b|text/plain|v]") },
	{ "blank lines inside data", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\n\r\n\r\nx\r\n\r\n--XyZ--"), ERR_OK,
	  S("[a|-|-|\r\n\r\nx\r\n]") },
	{ "quoted boundary with space", "multipart/form-data; "
	  "boundary=\"a b\"", S("--a b\r\n" CD "name=a\r\n\r\nv\r\n--a b--"),
	  ERR_OK, S("[a|-|-|v]") },

	/* Bad: framing. */
	{ "empty body", NULL, S(""), ERR_BAD_REQUEST, S("") },
	{ "preamble only", NULL, S("hello\r\n--XyQ\r\n"), ERR_BAD_REQUEST,
	  S("") },
	{ "truncated boundary", NULL, S("--Xy"), ERR_BAD_REQUEST, S("") },
	{ "truncated after delimiter", NULL, S("--XyZ"), ERR_BAD_REQUEST,
	  S("") },
	{ "truncated after delimiter CR", NULL, S("--XyZ\r"),
	  ERR_BAD_REQUEST, S("") },
	{ "missing CRLF after delimiter", NULL,
	  S("--XyZ" CD "name=a\r\n\r\nv\r\n--XyZ--"), ERR_BAD_REQUEST,
	  S("") },
	{ "LF only after delimiter", NULL,
	  S("--XyZ\n" CD "name=a\r\n\r\nv\r\n--XyZ--"), ERR_BAD_REQUEST,
	  S("") },
	{ "CR without LF after delimiter", NULL,
	  S("--XyZ\rx" CD "name=a\r\n\r\nv\r\n--XyZ--"), ERR_BAD_REQUEST,
	  S("") },
	{ "padding then junk", NULL,
	  S("--XyZ  x\r\n" CD "name=a\r\n\r\nv\r\n--XyZ--"), ERR_BAD_REQUEST,
	  S("") },
	{ "padding then dash", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\nv\r\n--XyZ --"), ERR_BAD_REQUEST,
	  S("") },
	{ "padding over cap", NULL,
	  S("--XyZ                                                        "
	  "                                                                "
	  "                                                                "
	  "                                                                "
	  "                                                                "
	  "  \r\n" CD "name=a\r\n\r\nv\r\n--XyZ--"), ERR_BAD_REQUEST, S("") },
	{ "boundary followed by more characters inside body", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\nv\r\n--XyZW\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "close delimiter with one dash", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\nv\r\n--XyZ-\r\n"), ERR_BAD_REQUEST,
	  S("") },
	{ "no parts", NULL, S("--XyZ--\r\n"), ERR_BAD_REQUEST, S("") },
	{ "no close delimiter", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\nvalue"), ERR_BAD_REQUEST, S("") },
	{ "no close delimiter after a part", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\nv\r\n--XyZ\r\n"), ERR_BAD_REQUEST,
	  S("") },
	{ "ends inside headers", NULL, S("--XyZ\r\n" CD "name=a\r\n"),
	  ERR_BAD_REQUEST, S("") },
	{ "wrong boundary throughout", NULL,
	  S("--XyQ\r\n" CD "name=a\r\n\r\nv\r\n--XyQ--"), ERR_BAD_REQUEST,
	  S("") },
	{ "close delimiter without CRLF before it", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\nv--XyZ--"), ERR_BAD_REQUEST,
	  S("") },

	/* Bad: part headers. */
	{ "no headers at all", NULL, S("--XyZ\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "no Content-Disposition", NULL,
	  S("--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "disposition attachment", NULL,
	  S("--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n"
	  "--XyZ--"), ERR_BAD_REQUEST, S("") },
	{ "disposition without name", NULL,
	  S("--XyZ\r\n" CD "filename=a\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "disposition with empty name", NULL,
	  S("--XyZ\r\n" CD "name=\"\"\r\n\r\nv\r\n--XyZ--"), ERR_BAD_REQUEST,
	  S("") },
	{ "name given twice", NULL,
	  S("--XyZ\r\n" CD "name=a; name=b\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "filename given twice", NULL,
	  S("--XyZ\r\n" CD "name=a; filename=x; filename=y\r\n\r\nv\r\n"
	  "--XyZ--"), ERR_BAD_REQUEST, S("") },
	{ "two Content-Disposition headers", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n" CD "name=b\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "two Content-Type headers", NULL,
	  S("--XyZ\r\n" CD "name=a\r\nContent-Type: a/b\r\n"
	  "Content-Type: c/d\r\n\r\nv\r\n--XyZ--"), ERR_BAD_REQUEST, S("") },
	{ "unterminated quoted name", NULL,
	  S("--XyZ\r\n" CD "name=\"abc\r\n\r\nv\r\n--XyZ--"), ERR_BAD_REQUEST,
	  S("") },
	{ "parameter without value", NULL,
	  S("--XyZ\r\n" CD "name=\r\n\r\nv\r\n--XyZ--"), ERR_BAD_REQUEST,
	  S("") },
	{ "junk between parameters", NULL,
	  S("--XyZ\r\n" CD "name=a filename=b\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "control character in quoted name", NULL,
	  S("--XyZ\r\n" CD "name=\"a\x01\"\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "header line without colon", NULL,
	  S("--XyZ\r\n" CD "name=a\r\nbogus\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "space before header colon", NULL,
	  S("--XyZ\r\nContent-Disposition : form-data; name=a\r\n\r\nv\r\n"
	  "--XyZ--"), ERR_BAD_REQUEST, S("") },
	{ "header line with bare LF", NULL,
	  S("--XyZ\r\nX-A: 1\n" CD "name=a\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "header line with bare CR", NULL,
	  S("--XyZ\r\n" CD "name=a\rX: 1\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "folded header line", NULL,
	  S("--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nv"
	  "\r\n--XyZ--"), ERR_BAD_REQUEST, S("") },
	{ "NUL in header", NULL,
	  S("--XyZ\r\n" CD "name=a\r\nX-A: \0\r\n\r\nv\r\n--XyZ--"),
	  ERR_BAD_REQUEST, S("") },
	{ "base64 transfer encoding", NULL,
	  S("--XyZ\r\n" CD "name=a\r\nContent-Transfer-Encoding: base64\r\n"
	  "\r\ndg==\r\n--XyZ--"), ERR_BAD_REQUEST, S("") },
	{ "an error in the second part", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\nv\r\n--XyZ\r\nbogus\r\n\r\nw\r\n"
	  "--XyZ--"), ERR_BAD_REQUEST, S("") },

	/* Bad: caps (413). */
	{ "header block over cap", NULL,
	  S("--XyZ\r\n" CD "name=a\r\nX-Pad: "
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "\r\n\r\nv\r\n--XyZ--"), ERR_TOO_LARGE, S("") },
	{ "endless header line", NULL,
	  S("--XyZ\r\nX-Pad: "
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "0123456789012345678901234567890123456789012345678901234567890123"),
	  ERR_TOO_LARGE, S("") },
	{ "part count over cap", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\n1\r\n--XyZ\r\n" CD "name=b\r\n\r\n"
	  "2\r\n--XyZ\r\n" CD "name=c\r\n\r\n3\r\n--XyZ\r\n" CD "name=d\r\n"
	  "\r\n4\r\n--XyZ--"), ERR_TOO_LARGE, S("") },
	{ "field over cap", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\n"
	  "0123456789abcdef0123456789abcdef!\r\n--XyZ--"), ERR_TOO_LARGE,
	  S("") },
	{ "field over cap by held CR", NULL,
	  S("--XyZ\r\n" CD "name=a\r\n\r\n"
	  "0123456789abcdef0123456789abcdef\r\r\n--XyZ--"), ERR_TOO_LARGE,
	  S("") },
	{ "file over cap", NULL,
	  S("--XyZ\r\n" CD "name=f; filename=x\r\n\r\n"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	  "!\r\n--XyZ--"), ERR_TOO_LARGE, S("") },
	{ "file over cap without close", NULL,
	  S("--XyZ\r\n" CD "name=f; filename=x\r\n\r\n"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	  "0123456789abcdef"), ERR_TOO_LARGE, S("") },
	{ "name over cap", NULL,
	  S("--XyZ\r\n" CD "name=\"0123456789abcdefg\"\r\n\r\nv\r\n--XyZ--"),
	  ERR_TOO_LARGE, S("") },
	{ "unquoted name over cap", NULL,
	  S("--XyZ\r\n" CD "name=0123456789abcdefg\r\n\r\nv\r\n--XyZ--"),
	  ERR_TOO_LARGE, S("") },
	{ "filename over cap", NULL,
	  S("--XyZ\r\n" CD "name=f; filename=\"0123456789abcdef012345678\""
	  "\r\n\r\nv\r\n--XyZ--"), ERR_TOO_LARGE, S("") },
};

/* Records the parts as "[name|filename|ctype|data]". */
static void
dump(struct mp_parser *p, struct buf *out)
{
	struct mp_part	*pt;
	size_t		 i, n;

	pt = mp_parts(p, &n);
	for (i = 0; i < n; i++) {
		buf_printf(out, "[%s|%s|%s|", pt[i].name,
		    pt[i].filename != NULL ? pt[i].filename : "-",
		    pt[i].ctype != NULL ? pt[i].ctype : "-");
		buf_append(out, pt[i].data.p, pt[i].data.len);
		if (pt[i].data.p == NULL || pt[i].data.p[pt[i].data.len] != 0)
			buf_puts(out, "<not NUL-terminated>");
		buf_putc(out, ']');
	}
}

/*
 * Feeds c->in in chunks of step bytes (0: cut once at offset cut).
 * Returns the first error; the parts go to out when it is ERR_OK.
 */
static enum err
run(struct arena *a, const struct bcase *c, size_t step, size_t cut,
    struct buf *out)
{
	struct mp_parser	*p;
	enum err		 e;
	size_t			 off = 0, k;

	buf_reset(out);
	p = mp_new(a, c->ctype != NULL ? c->ctype : CT, &lim, &e);
	if (p == NULL)
		return e == ERR_OK ? ERR_INTERNAL : e;
	if (step == 0) {
		e = mp_feed(p, c->in, cut);
		if (e == ERR_OK)
			e = mp_feed(p, c->in + cut, c->inlen - cut);
	} else {
		for (e = ERR_OK; off < c->inlen && e == ERR_OK; off += k) {
			k = c->inlen - off < step ? c->inlen - off : step;
			e = mp_feed(p, c->in + off, k);
		}
	}
	if (e == ERR_OK)
		e = mp_finish(p);
	else if (mp_feed(p, "x", 1) != e || mp_finish(p) != e)
		return ERR_INTERNAL;	/* errors must stick */
	if (e != ERR_OK && (mp_error(p) == NULL || mp_error(p)[0] == '\0'))
		return ERR_INTERNAL;
	if (e == ERR_OK)
		dump(p, out);
	return e;
}

static void
body_cases(void)
{
	const struct bcase	*c;
	struct arena		 a;
	struct buf		 out;
	size_t			 i, k, bad, nbad = 0, ngood = 0;
	enum err		 e;
	int			 same;

	arena_init(&a, 0);
	buf_init(&out, 1 << 20);
	for (i = 0; i < sizeof(bcases) / sizeof(bcases[0]); i++) {
		c = &bcases[i];
		if (c->want == ERR_OK)
			ngood++;
		else
			nbad++;
		same = 1;
		bad = 0;
		for (k = 0; k <= 2 * c->inlen + 1 && same; k++) {
			if (k <= c->inlen)
				e = run(&a, c, 0, k, &out);
			else
				e = run(&a, c, k - c->inlen - 1 == 0 ?
				    c->inlen + 1 : k - c->inlen - 1, 0, &out);
			arena_reset(&a);
			if (e != c->want || (e == ERR_OK &&
			    (out.len != c->partslen ||
			    memcmp(out.p, c->parts, out.len) != 0))) {
				same = 0;
				bad = k;
			}
		}
		T_OK(same, "body: %s (%s)", c->name, c->want == ERR_OK ? "ok" :
		    c->want == ERR_TOO_LARGE ? "413" : "400");
		if (!same)
			printf("# failed at feed %zu: err %d want %d, parts "
			    "\"%s\"\n", bad, (int)e, (int)c->want,
			    buf_cstr(&out));
	}
	T_OK(nbad > ngood, "bad bodies (%zu) outnumber good ones (%zu)",
	    nbad, ngood);
	buf_free(&out);
	arena_free(&a);
}

static void
ctype_cases(void)
{
	const struct ccase	*c;
	struct arena		 a;
	struct mp_parser	*p;
	enum err		 e;
	size_t			 i;

	arena_init(&a, 0);
	for (i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++) {
		c = &ccases[i];
		p = mp_new(&a, c->ctype, &lim, &e);
		T_OK(e == c->want && (p != NULL) == (c->want == ERR_OK),
		    "content-type: %s", c->name);
		arena_reset(&a);
	}
	arena_free(&a);
}

/* mp_get, the error messages and a big file in one feed. */
static void
api_cases(void)
{
	static const char body[] = "--XyZ\r\n" CD "name=a\r\n\r\n1\r\n"
	    "--XyZ\r\n" CD "name=b; filename=f\r\nContent-Type: image/png"
	    "\r\n\r\n2\r\n--XyZ\r\n" CD "name=a\r\n\r\n3\r\n--XyZ--\r\n";
	struct mp_limits	 big = lim;
	struct arena		 a;
	struct mp_parser	*p;
	struct mp_part		*pt;
	struct buf		 in;
	enum err		 e;
	size_t			 i;

	arena_init(&a, 0);
	p = mp_new(&a, CT, &lim, &e);
	T_OK(p != NULL && mp_feed(p, body, sizeof(body) - 1) == ERR_OK &&
	    mp_finish(p) == ERR_OK, "api body parses");
	pt = p != NULL ? mp_get(p, "a") : NULL;
	T_OK(pt != NULL && strcmp(pt->data.p, "1") == 0,
	    "mp_get returns the first part of a name");
	pt = p != NULL ? mp_get(p, "b") : NULL;
	T_OK(pt != NULL && strcmp(pt->filename, "f") == 0 &&
	    strcmp(pt->ctype, "image/png") == 0, "mp_get finds the file");
	T_OK(p != NULL && mp_get(p, "c") == NULL, "mp_get: absent name");
	arena_reset(&a);

	p = mp_new(&a, CT, &lim, &e);
	e = mp_feed(p, S("--XyZ\r\n" CD "name=image; filename=x\r\n\r\n"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef"));
	T_OK(e == ERR_TOO_LARGE && strstr(mp_error(p), "image") != NULL,
	    "file cap error names the part: %s", mp_error(p));
	T_OK(mp_error_part(p) != NULL && strcmp(mp_error_part(p), "image") ==
	    0, "mp_error_part names the file over its cap");
	arena_reset(&a);
	p = mp_new(&a, CT, &lim, &e);
	e = mp_feed(p, S("--XyZ\r\n" CD "name=prompt\r\n\r\n"
	    "0123456789abcdef0123456789abcdef!"));
	T_OK(e == ERR_TOO_LARGE && mp_error_part(p) != NULL &&
	    strcmp(mp_error_part(p), "prompt") == 0 &&
	    strstr(mp_error(p), "32 bytes") != NULL,
	    "field cap error names the field and its cap: %s", mp_error(p));
	arena_reset(&a);
	p = mp_new(&a, CT, &lim, &e);
	e = mp_feed(p, S("--XyZ\r\n" CD "name=f; filename=\""
	    "0123456789abcdef0123456789\"\r\n\r\n"));
	T_OK(e == ERR_TOO_LARGE && mp_error_part(p) != NULL &&
	    strcmp(mp_error_part(p), "f") == 0, "long filename names its part");
	arena_reset(&a);
	p = mp_new(&a, CT, &lim, &e);
	e = mp_feed(p, S("--XyZ\r\nbogus\r\n\r\n"));
	T_OK(e == ERR_BAD_REQUEST && mp_error_part(p) == NULL &&
	    mp_parts(p, &i) != NULL && i == 0,
	    "malformed headers: no part named, no part kept");
	arena_reset(&a);
	T_OK(mp_new(&a, "text/plain", &lim, &e) == NULL &&
	    e == ERR_BAD_REQUEST, "mp_new refuses a non-multipart type");
	arena_reset(&a);
	p = mp_new(&a, CT, &lim, &e);
	e = mp_feed(p, S("--XyZ\r\n" CD "name=\"a\"\r\n\r\nv\r\n--XyZ"));
	e = e == ERR_OK ? mp_finish(p) : e;
	T_OK(e == ERR_BAD_REQUEST && strstr(mp_error(p), "close") != NULL,
	    "missing close delimiter is said: %s", mp_error(p));
	arena_reset(&a);

	/* 8 MiB of CR-rich binary in one feed, then 1 byte at a time. */
	big.max_file = 8 << 20;
	buf_init(&in, (8 << 20) + 1024);
	buf_puts(&in, "--XyZ\r\n" CD "name=f; filename=x\r\n\r\n");
	for (i = 0; i < (size_t)(8 << 20); i++)
		buf_putc(&in, "\r\n-XyZ\0a"[i % 8]);
	buf_puts(&in, "\r\n--XyZ--\r\n");
	p = mp_new(&a, CT, &big, &e);
	e = mp_feed(p, in.p, in.len);
	e = e == ERR_OK ? mp_finish(p) : e;
	pt = e == ERR_OK ? mp_get(p, "f") : NULL;
	if (pt == NULL)
		printf("# err %d: %s\n", (int)e, mp_error(p));
	T_OK(pt != NULL && pt->data.len == (size_t)(8 << 20) &&
	    pt->data.p[8] == '\r' && pt->data.p[7] == 'a',
	    "8 MiB file in one feed");
	arena_reset(&a);
	p = mp_new(&a, CT, &big, &e);
	for (i = 0, e = ERR_OK; i < in.len && e == ERR_OK; i++)
		e = mp_feed(p, in.p + i, 1);
	e = e == ERR_OK ? mp_finish(p) : e;
	pt = e == ERR_OK ? mp_get(p, "f") : NULL;
	T_OK(pt != NULL && pt->data.len == (size_t)(8 << 20),
	    "8 MiB file one byte at a time");
	buf_free(&in);
	arena_free(&a);
}

int
main(void)
{
	ctype_cases();
	body_cases();
	api_cases();
	return t_done();
}
