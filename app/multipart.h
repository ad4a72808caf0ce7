/*
 * multipart.h: streaming multipart/form-data parser (RFC 7578 over the
 * MIME multipart syntax of RFC 2046 5.1) with caps.
 *
 * Fed the body in chunks of any size as it is read from the web server
 * (req_read_stream), it splits parts without ever holding the body twice:
 * each part's bytes are appended once to that part's own buffer, which is
 * what the handler then reads (and what goes upstream, in place).  Every
 * size is capped (mp_limits) before it is allocated: too many parts, an
 * over-long header block, name or filename, a field or file over its cap
 * are errors, as is any malformation (bad boundary parameter, missing
 * CRLF after a delimiter, part without Content-Disposition form-data and
 * name, missing close delimiter at the end).
 */
#ifndef NX_MULTIPART_H
#define NX_MULTIPART_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct arena;

struct mp_limits {
	size_t	 max_parts;	/* e.g. 64 */
	size_t	 max_header;	/* bytes of one part's header block, 8 KiB */
	size_t	 max_name;	/* field name, 256 */
	size_t	 max_filename;	/* 1024 */
	size_t	 max_field;	/* a part without filename, 1 MiB */
	size_t	 max_file;	/* a part with filename, 25 MiB */
};

struct mp_part {
	char		*name;
	char		*filename;	/* NULL: a plain field */
	char		*ctype;		/* NULL when the part gave none */
	struct buf	 data;		/* the part's bytes (NUL-terminated) */
};

struct mp_parser;

/*
 * Starts a parser for the Content-Type header value ctype (must be
 * multipart/form-data with a boundary of 1..70 characters, quoted or
 * not).  Returns NULL with *e = ERR_BAD_REQUEST (bad header) or
 * ERR_NOMEM.  All memory is released at the arena's reset.
 */
struct mp_parser *mp_new(struct arena *a, const char *ctype,
	    const struct mp_limits *lim, enum err *e);
/*
 * Consumes n bytes.  ERR_OK, ERR_BAD_REQUEST (malformed: mp_error() says
 * why) or ERR_TOO_LARGE (a cap was exceeded).  After an error every later
 * call returns the same error.
 */
enum err mp_feed(struct mp_parser *p, const char *bytes, size_t n);
/* Ends the body: ERR_BAD_REQUEST unless the close delimiter was seen. */
enum err mp_finish(struct mp_parser *p);
/* The parts seen so far, in order, and their count. */
struct mp_part *mp_parts(struct mp_parser *p, size_t *n);
/* First part named name, or NULL. */
struct mp_part *mp_get(struct mp_parser *p, const char *name);
/* Why the last error happened, for the 400 message (never NULL). */
const char *mp_error(struct mp_parser *p);
/*
 * The name of the part the last error concerns (a field or file over its
 * cap, a filename too long), for the error's "param"; NULL otherwise.
 */
const char *mp_error_part(struct mp_parser *p);

#endif
