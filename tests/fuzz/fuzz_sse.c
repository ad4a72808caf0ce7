/*
 * fuzz_sse.c: libFuzzer harness for the Server-Sent Events parser and
 * writer (app/sse.c).
 *
 * Input: byte 0 picks the split point (scaled over the stream), byte 1
 * the event after which the callback stops (0 = never), byte 2 the event
 * cap (64..4159 bytes); the rest is an upstream byte stream.  The stream
 * is parsed three ways: in one feed, in two feeds split at the
 * data-derived point, and one byte per feed.  All three must return the
 * same value and dispatch the same events (name and data, byte for
 * byte): the parser promises that a split never matters.  Every event
 * must respect the cap and be NUL-terminated.
 *
 * The writer: the same bytes, cut into an event name (up to the first
 * NUL, at most 80 bytes) and data, go through sse_write(); parsing its
 * output must give back exactly one event with that name and that data,
 * CRLF and CR turned into LF (the writer splits lines, the parser joins
 * them with LF).  A name with CR or LF must be refused with out left as
 * it was; a cap too small must roll back too.
 *
 * A disagreement aborts, which libFuzzer reports as a crash; so do the
 * sanitizers' findings.
 *
 * fuzz-sources: app/sse.c app/buf.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What a parse saw: every event serialised, and where to stop. */
struct seen {
	struct buf	 log;
	size_t		 nev;
	size_t		 stop_at;	/* stop after this event; 0 never */
	size_t		 max_event;
};

static int
on_event(void *arg, const char *event, const char *data, size_t n)
{
	struct seen	*s = arg;
	size_t		 elen = strlen(event);

	if (elen >= 64 || n > s->max_event || data[n] != '\0')
		abort();
	if (buf_append(&s->log, event, elen + 1) == -1 ||
	    buf_append(&s->log, &n, sizeof(n)) == -1 ||
	    buf_append(&s->log, data, n) == -1)
		abort();
	s->nev++;
	if (s->stop_at != 0 && s->nev == s->stop_at)
		return 7;
	return 0;
}

/* Feeds in[0..n) in pieces of step bytes, the first one cut at split. */
static int
parse(struct seen *s, const char *in, size_t n, size_t split, size_t step)
{
	struct sse_parser	 p;
	size_t			 off, k;
	int			 rc = 0;

	buf_init(&s->log, 1u << 24);
	s->nev = 0;
	sse_init(&p, s->max_event);
	for (off = 0; off < n && rc == 0; off += k) {
		if (off == 0 && split > 0)
			k = split;
		else
			k = n - off < step ? n - off : step;
		rc = sse_feed(&p, in + off, k, on_event, s);
	}
	if (n == 0)
		rc = sse_feed(&p, in, 0, on_event, s);
	sse_free(&p);
	return rc;
}

static void
same(struct seen *a, int ra, struct seen *b, int rb)
{
	if (ra != rb || a->nev != b->nev || a->log.len != b->log.len ||
	    (a->log.len > 0 && memcmp(a->log.p, b->log.p, a->log.len) != 0))
		abort();
}

/* One event in, one event out: the writer and the parser agree. */
static void
round_trip(const char *in, size_t n)
{
	struct buf	 out, small;
	struct seen	 s;
	char		 name[81];
	const char	*nul;
	char		*want;
	size_t		 nlen, dlen, i, w, before;
	int		 rc;

	nul = memchr(in, '\0', n < 80 ? n : 80);
	nlen = nul != NULL ? (size_t)(nul - in) : (n < 80 ? n : 80);
	memcpy(name, in, nlen);
	name[nlen] = '\0';
	in += nlen + (nul != NULL);
	dlen = n - nlen - (nul != NULL);

	buf_init(&out, 1u << 20);
	if (buf_puts(&out, "x") == -1)
		abort();
	before = out.len;
	rc = sse_write(&out, name, in, dlen);
	if (strpbrk(name, "\r\n") != NULL) {
		if (rc != -1 || out.len != before || out.p[before] != '\0')
			abort();
		buf_free(&out);
		return;
	}
	if (rc != 0)
		abort();

	/* A cap that cannot hold the event: all or nothing. */
	buf_init(&small, out.len - before > 1 ? out.len - before - 1 : 0);
	if (sse_write(&small, name, in, dlen) != -1 || small.len != 0)
		abort();
	buf_free(&small);

	/* Expected data: CRLF and CR become LF. */
	if ((want = malloc(dlen + 1)) == NULL)
		abort();
	for (i = 0, w = 0; i < dlen; i++) {
		if (in[i] == '\r') {
			want[w++] = '\n';
			if (i + 1 < dlen && in[i + 1] == '\n')
				i++;
		} else
			want[w++] = in[i];
	}

	s.stop_at = 0;
	s.max_event = 1u << 20;
	rc = parse(&s, out.p + before, out.len - before, 0, out.len);
	if (nlen >= 64) {
		/* The parser's event name array holds 63 bytes. */
		if (rc != -1 || s.nev != 0)
			abort();
	} else {
		if (rc != 0 || s.nev != 1 ||
		    strcmp(s.log.p, name) != 0 ||
		    memcmp(s.log.p + nlen + 1, &w, sizeof(w)) != 0 ||
		    memcmp(s.log.p + nlen + 1 + sizeof(w), want, w) != 0)
			abort();
	}
	buf_free(&s.log);
	free(want);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen	 whole, split, bytes;
	const char	*in;
	size_t		 n, cut;
	int		 r1, r2, r3;

	if (size < 3)
		return 0;
	in = (const char *)data + 3;
	n = size - 3;
	cut = n > 0 ? (size_t)data[0] * n / 256 : 0;
	whole.stop_at = split.stop_at = bytes.stop_at = data[1] % 16;
	whole.max_event = split.max_event = bytes.max_event =
	    64 + (size_t)data[2] * 16;

	r1 = parse(&whole, in, n, 0, n > 0 ? n : 1);
	r2 = parse(&split, in, n, cut, n > 0 ? n : 1);
	same(&whole, r1, &split, r2);
	if (n <= 4096) {
		r3 = parse(&bytes, in, n, 0, 1);
		same(&whole, r1, &bytes, r3);
	} else
		buf_init(&bytes.log, 0);
	if (r1 != 0 && r1 != -1 && r1 != 7)
		abort();
	buf_free(&whole.log);
	buf_free(&split.log);
	buf_free(&bytes.log);

	round_trip(in, n);
	return 0;
}
