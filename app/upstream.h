/*
 * upstream.h: the HTTP client towards providers (libcurl; the only file
 * that includes curl is upstream.c).
 *
 * One struct up_conn per request slot keeps its easy handle, so
 * connections to an upstream are reused across requests.  A call streams:
 * the response status is reported once, then body bytes as they arrive,
 * and a tick about once a second lets the caller send keep-alives or
 * notice that its own client went away.  Any callback returning non-zero
 * aborts the transfer at once (UPF_ABORTED).
 */
#ifndef NX_UPSTREAM_H
#define NX_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cfg;
struct up_conn;

enum up_fail {
	UPF_NONE,	/* transfer completed (any HTTP status) */
	UPF_CONNECT,	/* could not connect / resolve / TLS */
	UPF_TIMEOUT,	/* total or idle timeout */
	UPF_ABORTED,	/* a callback asked to stop */
	UPF_BROKEN,	/* connection dropped mid-response */
	UPF_OTHER,
};

/*
 * One part of a multipart/form-data upload (RFC 7578).  data is read in
 * place while the request is sent: a file is never copied for upstream.
 */
struct up_part {
	const char	*name;
	const char	*filename;	/* NULL for a plain field */
	const char	*ctype;		/* NULL: none sent */
	const char	*data;
	size_t		 len;
};

struct up_call {
	const char	*method;		/* NULL: POST with body, else GET */
	const char	*url;
	const char	*const *headers;	/* "Name: value" */
	size_t		 nheaders;
	const char	*body;			/* POST body; NULL = GET */
	size_t		 body_len;
	const struct up_part *parts;		/* multipart body instead */
	size_t		 nparts;
	/* status of the final response and its Content-Type ("" if none) */
	int		(*on_status)(void *arg, int status, const char *ctype);
	int		(*on_data)(void *arg, const char *p, size_t n);
	int		(*on_tick)(void *arg);
	void		*arg;
	/*
	 * A GET that follows up to UP_MAX_REDIRECTS redirects (301, 302,
	 * 303, 307, 308; http and https only); their bodies reach nobody.
	 * headers go to the first URL's origin (scheme, host, port) only:
	 * past a hop to another origin the calls carry none of them, so a
	 * credential never leaves its host.
	 */
	int		 follow;
};

#define UP_MAX_REDIRECTS	3

struct up_result {
	int		 status;	/* HTTP status, 0 when none */
	enum up_fail	 fail;
	int64_t		 ms;		/* whole call */
	int64_t		 ttfb_ms;	/* first body byte, -1 when none */
	char		 errmsg[256];	/* curl's reason, for logs */
};

int		 up_global_init(void);
/* A handle with cfg's timeouts; NULL on allocation failure. */
struct up_conn	*up_conn_new(const struct cfg *c);
void		 up_conn_free(struct up_conn *u);
/*
 * Runs one call to completion (or failure); fills res.  Returns ERR_OK
 * when a response was received completely (any status), ERR_TIMEOUT,
 * ERR_UPSTREAM for connect/broken/other failures, ERR_CLIENT_GONE when a
 * callback aborted.
 */
enum err	 up_perform(struct up_conn *u, const struct up_call *c,
		    struct up_result *res);

#endif
