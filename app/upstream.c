/*
 * upstream.c: libcurl easy interface, one handle per slot.
 *
 * Timeouts: CURLOPT_CONNECTTIMEOUT for connect, CURLOPT_TIMEOUT for the
 * whole call, and "no byte either way for upstream_idle_timeout" timed in
 * the progress callback, libcurl's periodic hook (called about once a
 * second even when idle), which also runs the caller's tick.  Response
 * headers are not forwarded: only the status and Content-Type reach the
 * caller (an allow-list of one).  Redirects are followed only for calls
 * that ask (up_call.follow), one perform per hop, so that no header of
 * the caller's reaches another origin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "cfg.h"
#include "upstream.h"

struct up_conn {
	CURL			*h;
	const struct cfg	*cfg;
};

struct xfer {
	const struct up_call	*c;
	struct up_conn		*u;
	struct timespec		 t0;
	int64_t			 ttfb_ms;
	int64_t			 active_ms;	/* last byte moved, since t0 */
	curl_off_t		 last_dn, last_up;
	int			 status_sent;
	int			 aborted;
	int			 idle;		/* aborted by the idle timeout */
	char			 ctype[128];
};

int
up_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

struct up_conn *
up_conn_new(const struct cfg *c)
{
	struct up_conn	*u;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	if ((u->h = curl_easy_init()) == NULL) {
		free(u);
		return NULL;
	}
	u->cfg = c;
	return u;
}

void
up_conn_free(struct up_conn *u)
{
	if (u == NULL)
		return;
	curl_easy_cleanup(u->h);
	free(u);
}

static int64_t
ms_since(const struct timespec *t0)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Remembers Content-Type of the final response (1xx ones are skipped). */
static size_t
on_header(char *p, size_t sz, size_t nm, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n = sz * nm, len;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		x->ctype[0] = '\0';
	else if (n > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
		p += 13;
		len = n - 13;
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n' ||
		    p[len - 1] == ' '))
			len--;
		if (len >= sizeof(x->ctype))
			len = sizeof(x->ctype) - 1;
		memcpy(x->ctype, p, len);
		x->ctype[len] = '\0';
	}
	return n;
}

static int
report_status(struct xfer *x)
{
	long	 code = 0;

	if (x->status_sent)
		return 0;
	x->status_sent = 1;
	curl_easy_getinfo(x->u->h, CURLINFO_RESPONSE_CODE, &code);
	if (x->c->on_status != NULL &&
	    x->c->on_status(x->c->arg, (int)code, x->ctype) != 0) {
		x->aborted = 1;
		return -1;
	}
	return 0;
}

static int
is_redirect(long code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 ||
	    code == 308;
}

static size_t
on_write(char *p, size_t sz, size_t nm, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n = sz * nm;
	long		 code = 0;

	if (x->c->follow && !x->status_sent) {
		curl_easy_getinfo(x->u->h, CURLINFO_RESPONSE_CODE, &code);
		if (is_redirect(code))
			return n;	/* a hop's body: nobody's */
	}
	if (x->ttfb_ms < 0)
		x->ttfb_ms = ms_since(&x->t0);
	if (report_status(x) == -1)
		return 0;
	if (x->c->on_data != NULL && x->c->on_data(x->c->arg, p, n) != 0) {
		x->aborted = 1;
		return 0;	/* != n: curl stops with CURLE_WRITE_ERROR */
	}
	return n;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct xfer	*x = arg;
	int64_t		 now = ms_since(&x->t0);

	(void)dt; (void)ut;
	/*
	 * Our own idle timer: libcurl's low-speed check does not run while
	 * it waits for the response headers, and an upstream that accepts a
	 * request and says nothing must not hold the slot forever.
	 */
	if (dn != x->last_dn || un != x->last_up) {
		x->last_dn = dn;
		x->last_up = un;
		x->active_ms = now;
	} else if (now - x->active_ms >=
	    (int64_t)x->u->cfg->upstream_idle_timeout * 1000) {
		x->idle = 1;
		return 1;
	}
	if (x->c->on_tick != NULL && x->c->on_tick(x->c->arg) != 0) {
		x->aborted = 1;
		return 1;
	}
	return 0;
}

/* Reads a part's bytes in place (curl_mime_data_cb), no copy. */
struct part_cursor {
	const struct up_part	*p;
	size_t			 off;
};

static size_t
part_read(char *buf, size_t sz, size_t nm, void *arg)
{
	struct part_cursor	*pc = arg;
	size_t			 n = sz * nm, left = pc->p->len - pc->off;

	if (n > left)
		n = left;
	memcpy(buf, pc->p->data + pc->off, n);
	pc->off += n;
	return n;
}

static int
part_seek(void *arg, curl_off_t off, int origin)
{
	struct part_cursor	*pc = arg;

	if (origin != SEEK_SET || off < 0 || (size_t)off > pc->p->len)
		return CURL_SEEKFUNC_CANTSEEK;
	pc->off = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static curl_mime *
build_mime(CURL *h, const struct up_part *parts, size_t n)
{
	curl_mime	*m;
	curl_mimepart	*mp;
	struct part_cursor *pc;
	size_t		 i;

	if ((m = curl_mime_init(h)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((mp = curl_mime_addpart(m)) == NULL ||
		    (pc = calloc(1, sizeof(*pc))) == NULL) {
			curl_mime_free(m);
			return NULL;
		}
		pc->p = &parts[i];
		curl_mime_name(mp, parts[i].name);
		if (parts[i].filename != NULL)
			curl_mime_filename(mp, parts[i].filename);
		if (parts[i].ctype != NULL)
			curl_mime_type(mp, parts[i].ctype);
		/* The cursor is freed by curl with the part (free callback). */
		curl_mime_data_cb(mp, (curl_off_t)parts[i].len, part_read,
		    part_seek, free, pc);
	}
	return m;
}

/* "scheme://host:port" of url, lower case, in out; 0, or -1 when bad. */
static int
origin_of(const char *url, char *out, size_t outsz)
{
	CURLU	*cu;
	char	*s = NULL, *h = NULL, *p = NULL, *q;
	int	 rc = -1;

	if ((cu = curl_url()) == NULL)
		return -1;
	if (curl_url_set(cu, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(cu, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
	    curl_url_get(cu, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(cu, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK && (size_t)snprintf(out, outsz, "%s://%s:%s", s, h, p) <
	    outsz) {
		for (q = out; *q != '\0'; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q - 'A' + 'a');
		rc = 0;
	}
	curl_free(s);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(cu);
	return rc;
}

/*
 * After a hop: points h at the Location and, when it leaves the first
 * URL's origin, drops the caller's headers for good.  0 to go on, -1
 * when there is nowhere to go (the hop is then the answer).
 */
static int
next_hop(CURL *h, const char *first, char *url, size_t urlsz, int *bare)
{
	char	*loc = NULL, o1[300], o2[300];

	if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK ||
	    loc == NULL || strlen(loc) >= urlsz)
		return -1;
	memcpy(url, loc, strlen(loc) + 1);
	if (!*bare && (origin_of(first, o1, sizeof(o1)) == -1 ||
	    origin_of(url, o2, sizeof(o2)) == -1 || strcmp(o1, o2) != 0)) {
		*bare = 1;
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	return 0;
}

enum err
up_perform(struct up_conn *u, const struct up_call *c, struct up_result *res)
{
	struct curl_slist	*hl = NULL, *t;
	curl_mime		*mime = NULL;
	struct xfer		 x;
	CURL			*h = u->h;
	CURLcode		 cc;
	long			 code = 0;
	size_t			 i;
	int			 hops, bare = 0, follow;
	char			 url[2048];
	enum err		 e = ERR_OK;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.u = u;
	x.ttfb_ms = -1;
	clock_gettime(CLOCK_MONOTONIC, &x.t0);

	for (i = 0; i < c->nheaders; i++) {
		if ((t = curl_slist_append(hl, c->headers[i])) == NULL) {
			curl_slist_free_all(hl);
			return ERR_NOMEM;
		}
		hl = t;
	}
	/* No "Expect: 100-continue" round trip for big bodies. */
	if ((t = curl_slist_append(hl, "Expect:")) != NULL)
		hl = t;

	curl_easy_reset(h);	/* keeps live connections and caches */
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    (long)u->cfg->upstream_connect_timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)u->cfg->upstream_timeout);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
	if (c->nparts > 0) {
		if ((mime = build_mime(h, c->parts, c->nparts)) == NULL) {
			curl_slist_free_all(hl);
			return ERR_NOMEM;
		}
		curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
	} else if (c->body != NULL) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)c->body_len);
	}
	if (c->method != NULL)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, res->errmsg);

	follow = c->follow && c->body == NULL && c->parts == NULL &&
	    (c->method == NULL || strcmp(c->method, "GET") == 0);
	for (hops = 0;; hops++) {
		cc = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (!follow || cc != CURLE_OK || !is_redirect(code) ||
		    hops == UP_MAX_REDIRECTS ||
		    next_hop(h, c->url, url, sizeof(url), &bare) == -1)
			break;
		x.ctype[0] = '\0';
	}
	/* A hop that ends the chain is the answer: its status, no body. */
	res->status = (int)code;
	res->ms = ms_since(&x.t0);
	res->ttfb_ms = x.ttfb_ms;
	if (cc == CURLE_OK && report_status(&x) == -1)
		cc = CURLE_ABORTED_BY_CALLBACK;
	switch (cc) {
	case CURLE_OK:
		res->fail = UPF_NONE;
		break;
	case CURLE_WRITE_ERROR:
	case CURLE_ABORTED_BY_CALLBACK:
		if (x.idle) {
			res->fail = UPF_TIMEOUT;
			e = ERR_TIMEOUT;
			snprintf(res->errmsg, sizeof(res->errmsg), "no data for "
			    "%d s", u->cfg->upstream_idle_timeout);
			break;
		}
		res->fail = x.aborted ? UPF_ABORTED : UPF_OTHER;
		e = x.aborted ? ERR_CLIENT_GONE : ERR_UPSTREAM;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		res->fail = UPF_TIMEOUT;
		e = ERR_TIMEOUT;
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_SSL_CONNECT_ERROR:
		res->fail = UPF_CONNECT;
		e = ERR_UPSTREAM;
		break;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		res->fail = UPF_BROKEN;
		e = ERR_UPSTREAM;
		break;
	default:
		res->fail = UPF_OTHER;
		e = ERR_UPSTREAM;
		break;
	}
	if (res->errmsg[0] == '\0' && cc != CURLE_OK)
		snprintf(res->errmsg, sizeof(res->errmsg), "%s",
		    curl_easy_strerror(cc));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_MIMEPOST, NULL);
	curl_mime_free(mime);
	curl_slist_free_all(hl);
	return e;
}
