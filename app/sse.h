/*
 * sse.h: Server-Sent Events, both directions (WHATWG HTML, "Server-sent
 * events", section 9.2.6 "Interpreting an event stream").
 *
 * The parser is incremental: feed it any split of the upstream bytes and it
 * calls back once per dispatched event.  Lines end in CRLF, LF or CR; a
 * leading BOM is skipped; ':' lines are comments; "data" lines are joined
 * with '\n'; a blank line dispatches; an event with no data is not
 * dispatched.  Line and event sizes are capped (max_event): past the cap
 * sse_feed() fails and the stream must be abandoned.
 */
#ifndef NX_SSE_H
#define NX_SSE_H

#include <stddef.h>

#include "buf.h"

/*
 * Called per event.  event is "" when no "event:" field was given; data is
 * NUL-terminated, datalen excludes the NUL.  Return 0 to go on, non-zero
 * to stop: sse_feed() then returns that value.
 */
typedef int (*sse_cb)(void *arg, const char *event, const char *data,
    size_t datalen);

struct sse_parser {
	struct buf	line;	/* partial line */
	struct buf	data;	/* data of the event being built */
	char		event[64];
	int		have_data;
	int		started;	/* BOM bytes matched; 3 = check done */
	int		last_cr;	/* previous chunk ended in CR */
	size_t		max_event;
};

void	 sse_init(struct sse_parser *p, size_t max_event);
/* 0 when all bytes were consumed, -1 on cap, or the callback's value. */
int	 sse_feed(struct sse_parser *p, const char *bytes, size_t n,
	    sse_cb cb, void *arg);
/* Frees buffers; p may be reused after sse_init(). */
void	 sse_free(struct sse_parser *p);
/*
 * Appends one event to out: optional "event: NAME" line, then one
 * "data: " line per line of data (data containing CR or LF is split),
 * then a blank line.  0 or -1 on cap.
 */
int	 sse_write(struct buf *out, const char *event, const char *data,
	    size_t n);
/* Appends a comment line ": text\n\n" (keep-alive); 0 or -1. */
int	 sse_comment(struct buf *out, const char *text);

#endif
