/*
 * sse.c: Server-Sent Events parser and writer (WHATWG HTML, section 9.2.6
 * "Interpreting an event stream").
 *
 * The parser is a byte-level state machine, so any split of the input
 * gives the same events: a CR that ends one feed is remembered (last_cr)
 * so that an LF opening the next is taken as the second half of a CRLF,
 * and the three bytes of a UTF-8 BOM are matched one by one (started) so
 * that a BOM split over feeds is still skipped.  A BOM is skipped only as
 * the stream's very first bytes; anywhere else U+FEFF is ordinary data.
 *
 * The parser owns two capped buffers (the partial line and the event's
 * data), both limited to max_event bytes; the event name is a fixed array
 * and a longer name is an error, not truncated.  After sse_feed() returns
 * non-zero the state is unspecified and the stream must be abandoned.
 *
 * The writer appends whole events to a caller's buffer, all or nothing.
 */
#include <string.h>

#include "buf.h"
#include "sse.h"

#define BOM	"\xef\xbb\xbf"
#define BOM_DONE	3	/* started: the BOM check is over */

void
sse_init(struct sse_parser *p, size_t max_event)
{
	buf_init(&p->line, max_event);
	buf_init(&p->data, max_event);
	p->event[0] = '\0';
	p->have_data = 0;
	p->started = 0;
	p->last_cr = 0;
	p->max_event = max_event;
}

void
sse_free(struct sse_parser *p)
{
	buf_free(&p->line);
	buf_free(&p->data);
}

/*
 * A blank line: dispatch the event when a data field was seen ("If the data
 * buffer is an empty string, set the data buffer and the event type buffer
 * to the empty string and return"), then start a new one either way.
 */
static int
dispatch(struct sse_parser *p, sse_cb cb, void *arg)
{
	int	 rc = 0;

	if (p->have_data)
		rc = cb(arg, p->event, buf_cstr(&p->data), p->data.len);
	buf_reset(&p->data);
	p->event[0] = '\0';
	p->have_data = 0;
	return rc;
}

/* One complete line (without its end of line) in p->line. */
static int
process_line(struct sse_parser *p, sse_cb cb, void *arg)
{
	const char	*s = buf_cstr(&p->line), *colon, *val;
	size_t		 n = p->line.len, flen, vlen;

	if (n == 0)
		return dispatch(p, cb, arg);
	if (s[0] == ':')
		return 0;		/* comment */
	if ((colon = memchr(s, ':', n)) != NULL) {
		flen = (size_t)(colon - s);
		val = colon + 1;
		vlen = n - flen - 1;
		if (vlen > 0 && val[0] == ' ') {
			val++;
			vlen--;
		}
	} else {
		/* The whole line is the field name; the value is empty. */
		flen = n;
		val = s + n;
		vlen = 0;
	}

	if (flen == 5 && memcmp(s, "event", 5) == 0) {
		if (vlen >= sizeof(p->event))
			return -1;
		memcpy(p->event, val, vlen);
		p->event[vlen] = '\0';
	} else if (flen == 4 && memcmp(s, "data", 4) == 0) {
		if (p->have_data && buf_putc(&p->data, '\n') == -1)
			return -1;
		if (buf_append(&p->data, val, vlen) == -1)
			return -1;
		p->have_data = 1;
	}
	/* "id", "retry" and unknown fields are ignored: we only relay. */
	return 0;
}

/*
 * Consumes a leading BOM from bytes; returns how many bytes it used.  When
 * the bytes so far turn out not to be a BOM, the matched prefix is put back
 * into the line (it contains no end of line).
 */
static size_t
skip_bom(struct sse_parser *p, const char *bytes, size_t n, int *err)
{
	size_t	 i = 0;

	while (p->started < BOM_DONE && i < n) {
		if (bytes[i] != BOM[p->started]) {
			if (buf_append(&p->line, BOM, (size_t)p->started) == -1)
				*err = 1;
			p->started = BOM_DONE;
			return i;
		}
		p->started++;
		i++;
	}
	return i;
}

int
sse_feed(struct sse_parser *p, const char *bytes, size_t n, sse_cb cb,
    void *arg)
{
	size_t	 i = 0, j;
	int	 rc, err = 0;

	if (p->started < BOM_DONE) {
		i = skip_bom(p, bytes, n, &err);
		if (err)
			return -1;
	}
	while (i < n) {
		if (p->last_cr) {
			p->last_cr = 0;
			if (bytes[i] == '\n') {
				i++;
				continue;
			}
		}
		for (j = i; j < n && bytes[j] != '\r' && bytes[j] != '\n'; j++)
			continue;
		if (buf_append(&p->line, bytes + i, j - i) == -1)
			return -1;
		if (j == n)
			break;
		p->last_cr = bytes[j] == '\r';
		rc = process_line(p, cb, arg);
		buf_reset(&p->line);
		if (rc != 0)
			return rc;
		i = j + 1;
	}
	return 0;
}

/* Appends "name: " + s[0..n) + "\n". */
static int
put_field(struct buf *out, const char *name, const char *s, size_t n)
{
	if (buf_puts(out, name) == -1 || buf_puts(out, ": ") == -1 ||
	    buf_append(out, s, n) == -1 || buf_putc(out, '\n') == -1)
		return -1;
	return 0;
}

static void
rollback(struct buf *out, size_t start)
{
	out->len = start;
	if (out->p != NULL)
		out->p[start] = '\0';
}

int
sse_write(struct buf *out, const char *event, const char *data, size_t n)
{
	size_t	 start = out->len, i = 0, j;

	if (event != NULL && event[0] != '\0') {
		/* A CR or LF in the name would forge fields. */
		if (strpbrk(event, "\r\n") != NULL ||
		    put_field(out, "event", event, strlen(event)) == -1)
			goto fail;
	}
	for (;;) {
		for (j = i; j < n && data[j] != '\r' && data[j] != '\n'; j++)
			continue;
		if (put_field(out, "data", data + i, j - i) == -1)
			goto fail;
		if (j == n)
			break;
		if (data[j] == '\r' && j + 1 < n && data[j + 1] == '\n')
			j++;
		i = j + 1;
	}
	if (buf_putc(out, '\n') == -1)
		goto fail;
	return 0;
fail:
	rollback(out, start);
	return -1;
}

int
sse_comment(struct buf *out, const char *text)
{
	size_t	 start = out->len;

	if (text == NULL)
		text = "";
	if (strpbrk(text, "\r\n") != NULL)
		return -1;
	if (put_field(out, "", text, strlen(text)) == -1 ||
	    buf_putc(out, '\n') == -1) {
		rollback(out, start);
		return -1;
	}
	return 0;
}
