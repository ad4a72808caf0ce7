/*
 * test_sse.c: the SSE parser and writer (app/sse.c).
 *
 * Each parser case is a stream, a cap and the events it must give,
 * recorded as "[event|data]".  Every case is fed whole, byte by byte, cut
 * once at every offset and cut twice at every pair of offsets: all feeds
 * must give the same events and the same return value, which covers a
 * CRLF or a BOM split across feeds.  Negative cases (ignored lines,
 * undispatched events, caps) outnumber the positive ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sse.h"
#include "t.h"

#define S(x)	x, sizeof(x) - 1

struct rec {
	struct buf	 out;
	int		 n;
	int		 stop_at;	/* stop at this event, 0 = never */
	int		 stop_rc;
};

static int
collect(void *arg, const char *event, const char *data, size_t len)
{
	struct rec	*r = arg;

	r->n++;
	buf_printf(&r->out, "[%s|", event);
	buf_append(&r->out, data, len);
	if (data[len] != '\0')
		buf_puts(&r->out, "<not NUL-terminated>");
	buf_putc(&r->out, ']');
	if (r->stop_at != 0 && r->n == r->stop_at)
		return r->stop_rc;
	return 0;
}

enum { POS, NEG };

static const struct pcase {
	int		 kind;
	const char	*name;
	const char	*in;
	size_t		 inlen;
	size_t		 max;
	int		 stop_at, stop_rc;
	const char	*want;
	size_t		 wantlen;
	int		 rc;
} pcases[] = {
	{ POS, "multi-event LF",
	  S("data: a\n\nevent: e1\ndata: b\ndata: c\n\n: note\ndata:d\n\n"),
	  1024, 0, 0, S("[|a][e1|b\nc][|d]"), 0 },
	{ POS, "multi-event CRLF",
	  S("data: a\r\n\r\nevent: e1\r\ndata: b\r\ndata: c\r\n\r\n"
	  ": note\r\ndata:d\r\n\r\n"),
	  1024, 0, 0, S("[|a][e1|b\nc][|d]"), 0 },
	{ POS, "multi-event CR",
	  S("data: a\r\revent: e1\rdata: b\rdata: c\r\r: note\rdata:d\r\r"),
	  1024, 0, 0, S("[|a][e1|b\nc][|d]"), 0 },
	{ POS, "mixed CR, LF, CRLF",
	  S("data: a\r\n\nevent: e1\rdata: b\ndata: c\r\r\n: note\n"
	  "data:d\r\n\r"),
	  1024, 0, 0, S("[|a][e1|b\nc][|d]"), 0 },
	{ POS, "CR CR is a blank line, not a CRLF",
	  S("data: a\r\rdata: b\r\n\r\n"), 1024, 0, 0, S("[|a][|b]"), 0 },
	{ POS, "leading BOM skipped",
	  S("\xef\xbb\xbf" "data: x\n\n"), 1024, 0, 0, S("[|x]"), 0 },
	{ POS, "OpenAI chat stream",
	  S("data: {\"id\":\"c1\",\"choices\":[]}\n\n"
	  "data: {\"id\":\"c1\",\"usage\":{}}\n\ndata: [DONE]\n\n"),
	  1024, 0, 0, S("[|{\"id\":\"c1\",\"choices\":[]}]"
	  "[|{\"id\":\"c1\",\"usage\":{}}][|[DONE]]"), 0 },
	{ POS, "Anthropic event names",
	  S("event: message_start\ndata: {}\n\nevent: ping\ndata: {}\n\n"),
	  1024, 0, 0, S("[message_start|{}][ping|{}]"), 0 },
	{ POS, "event name of 63 bytes fits",
	  S("event: 123456789012345678901234567890123456789012345678901234"
	  "567890123\ndata: x\n\n"), 1024, 0, 0,
	  S("[123456789012345678901234567890123456789012345678901234"
	  "567890123|x]"), 0 },
	{ POS, "\"data\" without colon gives empty data",
	  S("data\n\n"), 1024, 0, 0, S("[|]"), 0 },
	{ POS, "\"data:\" gives empty data",
	  S("data:\n\n"), 1024, 0, 0, S("[|]"), 0 },
	{ POS, "only one leading space removed",
	  S("data:  x \n\n"), 1024, 0, 0, S("[| x ]"), 0 },
	{ POS, "empty middle data line kept",
	  S("data: a\ndata:\ndata: b\n\n"), 1024, 0, 0, S("[|a\n\nb]"), 0 },
	{ POS, "NUL in data kept",
	  S("data: a\0b\n\n"), 1024, 0, 0, S("[|a\0b]"), 0 },
	{ POS, "colon in value kept",
	  S("data: a: b:c\n\n"), 1024, 0, 0, S("[|a: b:c]"), 0 },
	{ POS, "id and retry ignored around data",
	  S("id: 7\nretry: 10\ndata: x\nid\n\n"), 1024, 0, 0, S("[|x]"), 0 },
	{ POS, "line of exactly the cap",
	  S("data: 01234567890123456789012345\n\n"), 32, 0, 0,
	  S("[|01234567890123456789012345]"), 0 },
	{ POS, "data of exactly the cap",
	  S("data:012345678901234\ndata:0123456789012345\n\n"), 32, 0, 0,
	  S("[|012345678901234\n0123456789012345]"), 0 },
	{ POS, "callback stop value returned",
	  S("data: 1\n\ndata: 2\n\ndata: 3\n\n"), 1024, 2, 7,
	  S("[|1][|2]"), 7 },

	{ NEG, "event without data not dispatched, name reset",
	  S("event: x\n\ndata: y\n\n"), 1024, 0, 0, S("[|y]"), 0 },
	{ NEG, "id only", S("id: 5\n\n"), 1024, 0, 0, S(""), 0 },
	{ NEG, "retry only", S("retry: 100\n\n"), 1024, 0, 0, S(""), 0 },
	{ NEG, "unknown field", S("foo: bar\n\n"), 1024, 0, 0, S(""), 0 },
	{ NEG, "field names are case-sensitive",
	  S("Data: x\nEVENT: e\n\n"), 1024, 0, 0, S(""), 0 },
	{ NEG, "leading space makes another field",
	  S(" data: x\n\n"), 1024, 0, 0, S(""), 0 },
	{ NEG, "comments only",
	  S(": hi\n\n:\n\n:data: x\n\n"), 1024, 0, 0, S(""), 0 },
	{ NEG, "blank lines only", S("\n\n\r\n\r\r"), 1024, 0, 0, S(""), 0 },
	{ NEG, "event at EOF without blank line dropped",
	  S("data: a\n\ndata: x\n"), 1024, 0, 0, S("[|a]"), 0 },
	{ NEG, "partial line at EOF dropped",
	  S("data: x"), 1024, 0, 0, S(""), 0 },
	{ NEG, "BOM after the start is not skipped",
	  S("data: a\n\n\xef\xbb\xbf" "data: b\n\n"), 1024, 0, 0,
	  S("[|a]"), 0 },
	{ NEG, "second BOM is not skipped",
	  S("\xef\xbb\xbf\xef\xbb\xbf" "data: b\n\n"), 1024, 0, 0, S(""), 0 },
	{ NEG, "partial BOM is part of the field name",
	  S("\xef\xbb" "data: x\n\n"), 1024, 0, 0, S(""), 0 },
	{ NEG, "partial BOM then a line end",
	  S("\xef\ndata: x\n\n"), 1024, 0, 0, S("[|x]"), 0 },
	{ NEG, "event name of 64 bytes is an error",
	  S("data: a\n\nevent: 12345678901234567890123456789012345678901234"
	  "56789012345678901234\ndata: x\n\n"), 1024, 0, 0, S("[|a]"), -1 },
	{ NEG, "line over the cap",
	  S("data: a\n\ndata: 0123456789012345678901234567890\n\n"), 32, 0, 0,
	  S("[|a]"), -1 },
	{ NEG, "comment over the cap",
	  S(": 0123456789012345678901234567890123456789\n\ndata: x\n\n"), 32,
	  0, 0, S(""), -1 },
	{ NEG, "data over the cap across lines",
	  S("data: 0123456789\ndata: 0123456789\ndata: 0123456789\n"
	  "data: 0\n\n"), 32, 0, 0, S(""), -1 },
	{ NEG, "joining LF passes the cap",
	  S("data: 0123456789012345\ndata: 0123456789012345\n\n"), 32, 0, 0,
	  S(""), -1 },
	{ NEG, "name then comment, no data",
	  S("event: a\n: c\n\n"), 1024, 0, 0, S(""), 0 },
	{ NEG, "NUL in field name", S("da\0ta: x\n\n"), 1024, 0, 0, S(""), 0 },
	{ NEG, "callback stops at the first event",
	  S("data: 1\n\ndata: 2\n\n"), 1024, 1, -5, S("[|1]"), -5 },
	{ NEG, "extra blank line dispatches nothing",
	  S("data: a\r\n\ndata: b\n\n\n"), 1024, 0, 0, S("[|a][|b]"), 0 },
};

/* Feeds in[0..n) cut at offsets a <= b; returns rc, events in r. */
static int
run(const struct pcase *c, size_t a, size_t b, struct rec *r, int bytewise)
{
	struct sse_parser	 p;
	size_t			 cut[4], i, k;
	int			 rc = 0;

	buf_init(&r->out, 1 << 16);
	r->n = 0;
	r->stop_at = c->stop_at;
	r->stop_rc = c->stop_rc;
	sse_init(&p, c->max);
	if (bytewise) {
		for (i = 0; i < c->inlen && rc == 0; i++)
			rc = sse_feed(&p, c->in + i, 1, collect, r);
	} else {
		cut[0] = 0;
		cut[1] = a;
		cut[2] = b;
		cut[3] = c->inlen;
		for (k = 0; k < 3 && rc == 0; k++)
			rc = sse_feed(&p, c->in + cut[k], cut[k + 1] - cut[k],
			    collect, r);
	}
	sse_free(&p);
	return rc;
}

static int
same(const struct pcase *c, const struct rec *r, int rc)
{
	return rc == c->rc && r->out.len == c->wantlen &&
	    memcmp(buf_cstr(&r->out), c->want, c->wantlen) == 0;
}

static void
test_parser(int *npos, int *nneg)
{
	const struct pcase	*c;
	struct rec		 r;
	size_t			 i, a, b, bad, runs;
	int			 rc;

	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		c = &pcases[i];
		if (c->kind == POS)
			(*npos)++;
		else
			(*nneg)++;
		rc = run(c, 0, 0, &r, 0);
		T_OK(same(c, &r, rc), "%s: whole (rc %d, %d events)",
		    c->name, rc, r.n);
		buf_free(&r.out);

		rc = run(c, 0, 0, &r, 1);
		T_OK(same(c, &r, rc), "%s: byte by byte", c->name);
		buf_free(&r.out);

		bad = runs = 0;
		for (a = 0; a <= c->inlen; a++)
			for (b = a; b <= c->inlen; b++) {
				runs++;
				rc = run(c, a, b, &r, 0);
				if (!same(c, &r, rc))
					bad++;
				buf_free(&r.out);
			}
		T_OK(bad == 0, "%s: %zu splits, %zu differ", c->name, runs,
		    bad);
	}
}

/* A CRLF cut between two feeds is one line end, not two. */
static void
test_crlf_split(int *npos)
{
	struct sse_parser	 p;
	struct rec		 r;
	int			 rc;

	(*npos)++;
	memset(&r, 0, sizeof(r));
	buf_init(&r.out, 1024);
	sse_init(&p, 1024);
	rc = sse_feed(&p, "data: a\r", 8, collect, &r);
	rc |= sse_feed(&p, "\n", 1, collect, &r);
	T_OK(rc == 0 && r.n == 0, "CR | LF: no blank line seen");
	rc = sse_feed(&p, "data: b\r", 8, collect, &r);
	rc |= sse_feed(&p, "\r", 1, collect, &r);
	T_OK(rc == 0 && r.n == 1 &&
	    strcmp(buf_cstr(&r.out), "[|a\nb]") == 0,
	    "CR | CR: blank line dispatches");
	sse_free(&p);

	/* The parser can be reused after sse_free() + sse_init(). */
	sse_init(&p, 1024);
	rc = sse_feed(&p, "\xef\xbb\xbf" "data: c\n\n", 12, collect, &r);
	T_OK(rc == 0 && r.n == 2, "reused parser skips a new BOM");
	sse_free(&p);
	buf_free(&r.out);
}

static const struct wcase {
	int		 kind;
	const char	*event;
	const char	*data;
	size_t		 n;
	size_t		 max;
	const char	*want;	/* after the "x" already in out */
	int		 rc;
} wcases[] = {
	{ POS, "delta", S("hello"), 1024,
	  "event: delta\ndata: hello\n\n", 0 },
	{ POS, NULL, S("a\nb"), 1024, "data: a\ndata: b\n\n", 0 },
	{ POS, "", S("a\r\nb\rc"), 1024,
	  "data: a\ndata: b\ndata: c\n\n", 0 },
	{ POS, NULL, S(""), 1024, "data: \n\n", 0 },
	{ POS, NULL, S("a\n"), 1024, "data: a\ndata: \n\n", 0 },
	{ POS, NULL, S("a\r\n"), 1024, "data: a\ndata: \n\n", 0 },
	{ POS, NULL, S("\r\r\n"), 1024, "data: \ndata: \ndata: \n\n", 0 },
	{ POS, NULL, S(" lead"), 1024, "data:  lead\n\n", 0 },
	{ NEG, "a\nb", S("x"), 1024, "", -1 },
	{ NEG, "a\rdata: forged", S("x"), 1024, "", -1 },
	{ NEG, "ok", S("0123456789"), 16, "", -1 },
	{ NEG, "a\r\n", S("x"), 1024, "", -1 },
	{ NEG, NULL, S("a\nb\nc\nd"), 30, "", -1 },
	/* "x" + "data: 0123456789\n" = 18, the final "\n" makes 19. */
	{ NEG, NULL, S("0123456789"), 18, "", -1 },
	{ NEG, "e", S("0123456789"), 27, "", -1 },
};

static void
test_writer(int *npos, int *nneg)
{
	const struct wcase	*w;
	struct buf		 out;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(wcases) / sizeof(wcases[0]); i++) {
		w = &wcases[i];
		if (w->kind == POS)
			(*npos)++;
		else
			(*nneg)++;
		buf_init(&out, w->max);
		buf_putc(&out, 'x');
		rc = sse_write(&out, w->event, w->data, w->n);
		T_OK(rc == w->rc && strncmp(buf_cstr(&out), "x", 1) == 0 &&
		    out.len == 1 + strlen(w->want) &&
		    strcmp(buf_cstr(&out) + 1, w->want) == 0,
		    "write %zu: rc %d, out intact", i, rc);
		buf_free(&out);
	}

	buf_init(&out, 64);
	(*npos)++;
	T_OK(sse_comment(&out, "keep-alive") == 0 &&
	    strcmp(buf_cstr(&out), ": keep-alive\n\n") == 0,
	    "comment: keep-alive");
	(*nneg)++;
	T_OK(sse_comment(&out, "a\nb") == -1 && out.len == 14,
	    "comment with LF refused");
	(*nneg)++;
	T_OK(sse_comment(&out, "a\rb") == -1 && out.len == 14,
	    "comment with CR refused");
	(*nneg)++;
	T_OK(sse_comment(&out, "0123456789012345678901234567890123456789"
	    "0123456789") == -1 && out.len == 14, "comment past the cap");
	buf_free(&out);
}

/* What the parser must give back for data: CR and CRLF become LF. */
static size_t
normalize(const char *in, size_t n, char *out)
{
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		if (in[i] == '\r') {
			out[o++] = '\n';
			if (i + 1 < n && in[i + 1] == '\n')
				i++;
		} else
			out[o++] = in[i];
	}
	return o;
}

/* sse_write then sse_feed gives the data back, for random data. */
static void
test_round_trip(void)
{
	static const char	 alpha[] = { 'a', ' ', ':', '\r', '\n', '\0',
				    'b' };
	struct sse_parser	 p;
	struct buf		 out;
	struct rec		 r;
	char			 data[24], want[64];
	size_t			 n, i, k, wl, bad = 0;
	unsigned int		 seed = 12345;

	for (k = 0; k < 5000; k++) {
		n = (seed = seed * 1103515245u + 12345u) >> 16 & 15;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			data[i] = alpha[(seed >> 16) % sizeof(alpha)];
		}
		buf_init(&out, 1024);
		memset(&r, 0, sizeof(r));
		buf_init(&r.out, 1024);
		sse_init(&p, 1024);
		wl = normalize(data, n, want + 6);
		memcpy(want, "[kind|", 6);
		want[6 + wl] = ']';
		if (sse_write(&out, "kind", data, n) != 0 ||
		    sse_feed(&p, out.p, out.len, collect, &r) != 0 ||
		    r.n != 1 || r.out.len != wl + 7 ||
		    memcmp(r.out.p, want, wl + 7) != 0)
			bad++;
		sse_free(&p);
		buf_free(&out);
		buf_free(&r.out);
	}
	T_OK(bad == 0, "write/parse round trip of 5000 random events: %zu "
	    "differ", bad);
}

int
main(void)
{
	int	 npos = 0, nneg = 0;

	test_parser(&npos, &nneg);
	test_crlf_split(&npos);
	test_writer(&npos, &nneg);
	test_round_trip();
	printf("# cases: %d positive, %d negative\n", npos, nneg);
	T_OK(nneg > npos, "negative cases outnumber positive ones");
	return t_done();
}
