/*
 * worker.c: the worker process and its request slots.
 *
 * Each slot is a thread looping FCGX_Accept_r -> handle -> FCGX_Finish_r
 * on the shared listening socket (libfcgi's multi-threaded pattern,
 * FCGX_InitRequest per thread).  The socket carries SO_RCVTIMEO, so an
 * idle accept returns every second and the slot can see that the process
 * is draining; in-flight requests are never interrupted.  A slot owns its
 * arena, its DB connection and its upstream handle for the life of the
 * process: long-lived state is created here, after fork.
 *
 * The main thread waits for SIGTERM/SIGINT (drain) and then joins the
 * slots, giving up after shutdown_timeout.
 */
#define _GNU_SOURCE
#include <sys/prctl.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "auth.h"
#include "cfg.h"
#include "db.h"
#include "log.h"
#include "ratelimit.h"
#include "relay.h"
#include "request.h"
#include "router.h"
#include "status.h"
#include "upstream.h"
#include "worker.h"

struct slot {
	pthread_t		 th;
	int			 idx;
	FCGX_Request		 fcgx;
	struct arena		 arena;
	struct db		*db;
	struct up_conn		*up;
	atomic_int		 busy;
	int			 done;
};

static atomic_int	 draining;
static const struct cfg	*wcfg;
static const unsigned char *wsecret;

static int
rid_ok(const char *s)
{
	size_t	 n = 0;

	for (; s[n] != '\0'; n++) {
		if (n >= 64)
			return 0;
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '-' ||
		    s[n] == '_' || s[n] == '.'))
			return 0;
	}
	return n > 0;
}

static void
req_setup(struct slot *s, struct req *r)
{
	const char	*v, *uri, *q;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->fcgx = &s->fcgx;
	r->a = &s->arena;
	r->cfg = wcfg;
	r->db = s->db;
	r->up = s->up;
	r->secret = wsecret;
	r->upstream_ms = -1;
	r->ttfb_ms = -1;
	buf_init(&r->hdrs, 16 * 1024);
	arena_defer(r->a, buf_free, &r->hdrs);

	/* Honour a sane client-supplied id so traces join up; else mint. */
	if ((v = req_param(r, "HTTP_X_REQUEST_ID")) != NULL && rid_ok(v))
		snprintf(r->rid, sizeof(r->rid), "%s", v);
	else
		sec_request_id(r->rid);

	r->method = req_param(r, "REQUEST_METHOD");
	if (r->method == NULL)
		r->method = "GET";
	/* REQUEST_URI: servers split SCRIPT_NAME/PATH_INFO differently. */
	uri = req_param(r, "REQUEST_URI");
	if (uri == NULL || *uri == '\0') {
		const char *sn = req_param(r, "SCRIPT_NAME");
		const char *pi = req_param(r, "PATH_INFO");

		uri = arena_printf(r->a, "%s%s", sn != NULL ? sn : "",
		    pi != NULL ? pi : "");
		if (uri == NULL)
			uri = "/";
	}
	if ((q = strchr(uri, '?')) != NULL) {
		r->path = arena_strndup(r->a, uri, (size_t)(q - uri));
		r->query = q + 1;
	} else {
		r->path = uri;
		r->query = "";
	}
	if (r->path == NULL)
		r->path = "/";
	r->remote_addr = req_param(r, "REMOTE_ADDR");
	if (r->remote_addr == NULL)
		r->remote_addr = "";
}

static void
access_line(struct req *r)
{
	char	 line[2048], path[512], model[160];

	if (!wcfg->access_log)
		return;
	log_escape(path, sizeof(path), r->path);
	log_escape(model, sizeof(model), r->model != NULL ? r->model : "-");
	snprintf(line, sizeof(line), "access rid=%s method=%s route=%s "
	    "path=%s status=%d bytes=%llu ms=%lld up_ms=%lld ttfb_ms=%lld "
	    "model=%s prompt_tokens=%lld completion_tokens=%lld quota=%lld "
	    "key=%lld err=%s", r->rid, r->method,
	    r->route != NULL ? r->route->name : "-", path, r->status,
	    (unsigned long long)r->bytes_out, (long long)req_elapsed_ms(r),
	    (long long)r->upstream_ms, (long long)r->ttfb_ms, model,
	    (long long)r->prompt_tokens, (long long)r->completion_tokens,
	    (long long)r->quota, (long long)(r->authed ? r->key.token_id : 0),
	    r->err_code != NULL ? r->err_code : "-");
	log_line(line);
}

static void
handle(struct slot *s)
{
	struct req	 r;
	enum err	 e = ERR_OK;

	req_setup(s, &r);
	relay_retry_pending(s->db);
	if ((r.route = router_find(r.method, r.path, &e)) == NULL)
		goto out;
	if (r.route->auth != RAUTH_NONE && ((e = auth_check(&r)) != ERR_OK ||
	    (e = rl_request(&r)) != ERR_OK))
		goto out;
	/* Multipart routes read their body themselves, parsing as it comes. */
	if (r.route->body == RBODY_JSON &&
	    (e = req_read_body(&r, (size_t)wcfg->body_max_json)) != ERR_OK)
		goto out;
	e = r.route->fn(&r);
out:
	if (e == ERR_RATE_LIMIT && !r.headers_sent)
		rl_send_429(&r);
	else if (e != ERR_OK)
		req_send_error(&r, e, NULL, NULL);
	else if (!r.headers_sent)
		req_send_error(&r, ERR_INTERNAL, NULL, NULL);
	if (!r.client_gone)
		req_flush(&r);
	access_line(&r);
	arena_reset(&s->arena);
}

static void *
slot_main(void *arg)
{
	struct slot	*s = arg;
	int		 rc;

	while (!atomic_load(&draining)) {
		rc = FCGX_Accept_r(&s->fcgx);
		if (rc < 0) {
			/* -EAGAIN: SO_RCVTIMEO tick, look at draining. */
			if (rc == -EAGAIN || rc == -EWOULDBLOCK ||
			    rc == -EINTR)
				continue;
			log_err(NULL, "slot %d: accept failed: %s", s->idx,
			    strerror(-rc));
			sleep(1);
			continue;
		}
		atomic_store(&s->busy, 1);
		status_busy(1);
		handle(s);
		FCGX_Finish_r(&s->fcgx);
		atomic_store(&s->busy, 0);
		status_busy(-1);
	}
	FCGX_Free(&s->fcgx, 1);
	return NULL;
}

/*
 * The main thread's life until TERM/INT: every few seconds it retries
 * settlements that failed while the database was away, so a charge is not
 * left waiting for this worker's next request.  It owns its own DB handle
 * (a handle is never shared between threads).
 */
static int
wait_signal(const struct cfg *c)
{
	struct timespec	 ts = { 5, 0 };
	struct db	*d = NULL;
	sigset_t	 set;
	int		 sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	for (;;) {
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == -1 && errno == EAGAIN) {
			if (d == NULL)
				d = db_open(c, NULL, 0);
			if (d != NULL)
				relay_retry_pending(d);
		}
		/* SIGHUP: the master reloads, not us. */
	}
	if (d != NULL) {
		relay_retry_pending(d);
		db_close(d);
	}
	return sig;
}

int
worker_main(const struct cfg *c, int listen_fd, const unsigned char *secret)
{
	struct slot	*slots;
	sigset_t	 set;
	char		 err[256];
	struct timespec	 t0, now;
	int		 i, n = c->threads, left;

	wcfg = c;
	wsecret = secret;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0 || db_global_init() != 0 ||
	    up_global_init() != 0) {
		log_err(NULL, "worker: library init failed");
		return 1;
	}
	if ((slots = calloc((size_t)n, sizeof(*slots))) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		slots[i].idx = i;
		arena_init(&slots[i].arena, (size_t)c->body_max_multipart +
		    (size_t)c->upstream_max_response + 64 * 1024 * 1024);
		err[0] = '\0';
		if ((slots[i].db = db_open(c, err, sizeof(err))) == NULL ||
		    (slots[i].up = up_conn_new(c)) == NULL) {
			log_err(NULL, "worker: slot %d setup failed", i);
			return 1;
		}
		if (err[0] != '\0' && i == 0)
			log_warn(NULL, "worker: database not reachable yet: "
			    "%s", err);
		FCGX_InitRequest(&slots[i].fcgx, listen_fd, 0);
		if (pthread_create(&slots[i].th, NULL, slot_main,
		    &slots[i]) != 0) {
			log_err(NULL, "worker: cannot start slot %d", i);
			return 1;
		}
	}
	log_info(NULL, "worker ready: %d slots", n);

	wait_signal(c);
	atomic_store(&draining, 1);
	log_info(NULL, "worker draining");

	/* Slots notice within a second (SO_RCVTIMEO) or after their request. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		left = 0;
		for (i = 0; i < n; i++) {
			if (slots[i].done)
				continue;
			if (pthread_tryjoin_np(slots[i].th, NULL) == 0)
				slots[i].done = 1;
			else
				left++;
		}
		if (left == 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= c->shutdown_timeout) {
			log_warn(NULL, "worker: %d requests still running "
			    "after shutdown_timeout; exiting", left);
			return 0;
		}
		usleep(50 * 1000);
	}
	for (i = 0; i < n; i++) {
		db_close(slots[i].db);
		up_conn_free(slots[i].up);
		arena_free(&slots[i].arena);
	}
	free(slots);
	return 0;
}
