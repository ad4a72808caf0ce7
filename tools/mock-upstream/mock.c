/*
 * mock.c: server core of the mock upstream: command line, the
 * libmicrohttpd daemon, request contexts, routing and the reply helpers.
 *
 * Usage: mock-upstream --port N [--host 127.0.0.1] [--key KEY]
 *
 * libmicrohttpd runs one thread per connection, so handlers and stream
 * callbacks may sleep (latency, ttft, interval, stall) without holding
 * up other clients.  A request context is created by the URI callback
 * (which sees the raw target with its query string), parked in the
 * connection context until libmicrohttpd first presents it to the access
 * handler, and released by the completion callback and, for streams, by
 * the stream's free callback (a reference count covers both).  Requests
 * to provider routes are recorded (rec.c); /_mock/ routes are not, need
 * no key and ignore controls.  Provider routes live in one table per
 * provider (openai.c); unknown paths below a provider's prefix get that
 * provider's 404 shape, a known path with another method its 405.
 */
#define _GNU_SOURCE	/* POLLRDHUP */

#include <sys/socket.h>

#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mock.h"

/* Per TCP connection; holds a request not yet seen by the handler. */
struct mock_conn {
	struct mock_req	*pending;
	MHD_socket	 fd;
};

static const struct mock_provider *const providers[] = {
	&oai_provider,
	&cohere_provider,
	&oai_images_provider,
	&ant_provider,
	&gm_provider,
	&gm_storage_provider,
	NULL
};

static atomic_int	 mock_stopping;
static const char	*mock_key;	/* --key, NULL when open */

static enum MHD_Result	h_mock_health(struct mock_req *);
static enum MHD_Result	h_mock_requests(struct mock_req *);
static enum MHD_Result	h_mock_clear(struct mock_req *);

static const struct mock_route ctl_routes[] = {
	{ "GET", "/_mock/health", 0, h_mock_health },
	{ "GET", "/_mock/requests", 0, h_mock_requests },
	{ "DELETE", "/_mock/requests", 0, h_mock_clear },
	{ "GET", "/_mock/files/", 1, oai_images_file },
	{ NULL, NULL, 0, NULL }
};

void
mock_req_unref(struct mock_req *req)
{
	if (req == NULL || atomic_fetch_sub(&req->refs, 1) != 1)
		return;
	if (req->rec != NULL)
		rec_finish(req->rec, req, 0);
	free(req->uri);
	mbuf_free(&req->body);
	free(req->times);
	free(req);
}

const char *
mock_header(struct mock_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
mock_query(struct mock_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

int
mock_sleep(struct mock_req *req, long ms)
{
	struct pollfd	 pfd;
	struct timespec	 ts;
	int64_t		 deadline, left;

	deadline = mock_mono_ms() + ms;
	for (;;) {
		if (atomic_load(&mock_stopping))
			return -1;
		if ((left = deadline - mock_mono_ms()) <= 0)
			return 0;
		if (left > 50)
			left = 50;
		if (req->mc == NULL || req->mc->fd == MHD_INVALID_SOCKET) {
			ts.tv_sec = 0;
			ts.tv_nsec = (long)left * 1000000L;
			nanosleep(&ts, NULL);
			continue;
		}
		/* A peer that closed its side will never read the reply. */
		pfd.fd = req->mc->fd;
		pfd.events = POLLRDHUP;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)left) > 0 && (pfd.revents &
		    (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0)
			return -1;
	}
}

int
mock_delay(struct mock_req *req)
{
	if (req->delayed)
		return 0;
	req->delayed = 1;
	return mock_sleep(req, req->ctl.v[CTL_LATENCY_MS]);
}

void
mock_chunk_sent(struct mock_req *req)
{
	int64_t	*nt;
	size_t	 ncap;

	req->nchunks++;
	if (req->ntimes >= MOCK_TIMES_MAX)
		return;
	if (req->ntimes == req->timescap) {
		ncap = req->timescap > 0 ? req->timescap * 2 : 16;
		if ((nt = realloc(req->times, ncap * sizeof(*nt))) == NULL)
			return;
		req->times = nt;
		req->timescap = ncap;
	}
	req->times[req->ntimes++] = mock_now_ms();
}

static enum MHD_Result
reply_buf(struct mock_req *req, unsigned int status, const char *ctype,
    void *body, size_t len, enum MHD_ResponseMemoryMode mode,
    const char *const *hdrs)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;
	size_t			 i;

	if (mock_delay(req) == -1) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(len, body, mode);
	if (resp == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	for (i = 0; hdrs != NULL && hdrs[i] != NULL && hdrs[i + 1] != NULL;
	    i += 2)
		MHD_add_response_header(resp, hdrs[i], hdrs[i + 1]);
	req->status = status;
	ret = MHD_queue_response(req->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result
mock_reply(struct mock_req *req, unsigned int status, const char *ctype,
    const char *body, size_t len, const char *const *hdrs)
{
	return reply_buf(req, status, ctype, (void *)body, len,
	    MHD_RESPMEM_MUST_COPY, hdrs);
}

enum MHD_Result
mock_reply_json(struct mock_req *req, unsigned int status, cJSON *doc,
    const char *const *hdrs)
{
	char	*s;

	s = doc != NULL ? cJSON_PrintUnformatted(doc) : NULL;
	cJSON_Delete(doc);
	if (s == NULL) {
		static const char oom[] = "{\"error\":{\"message\":\"mock "
		    "out of memory\",\"type\":\"server_error\",\"param\":null,"
		    "\"code\":null}}";

		return mock_reply(req, 500, "application/json", oom,
		    sizeof(oom) - 1, NULL);
	}
	/* cJSON allocates with malloc, which MUST_FREE releases. */
	return reply_buf(req, status, "application/json", s, strlen(s),
	    MHD_RESPMEM_MUST_FREE, hdrs);
}

static enum MHD_Result
h_mock_health(struct mock_req *req)
{
	return mock_reply(req, 200, "text/plain", "ok", 2, NULL);
}

static enum MHD_Result
h_mock_requests(struct mock_req *req)
{
	return mock_reply_json(req, 200, rec_list(), NULL);
}

static enum MHD_Result
h_mock_clear(struct mock_req *req)
{
	static const char ok[] = "{\"cleared\":true}";

	rec_clear();
	return mock_reply(req, 200, "application/json", ok, sizeof(ok) - 1,
	    NULL);
}

/*
 * Finds the route for method and path in table.  Returns it, or NULL
 * with *pathhit set when some route has the path under another method.
 */
static const struct mock_route *
route_find(const struct mock_route *table, const char *method,
    const char *path, int *pathhit)
{
	const struct mock_route	*r;
	int			 hit;

	for (r = table; r->path != NULL; r++) {
		hit = r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0 :
		    strcmp(path, r->path) == 0;
		if (!hit)
			continue;
		if (strcmp(method, r->method) == 0)
			return r;
		*pathhit = 1;
	}
	return NULL;
}

static enum MHD_Result
ctl_header_cb(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	ctl_header(cls, key, value);
	return MHD_YES;
}

static enum MHD_Result
dispatch_mock(struct mock_req *req)
{
	const struct mock_route	*r;
	char			 msg[160];
	int			 hit = 0;
	int			 n;

	if ((r = route_find(ctl_routes, req->method, req->path, &hit)) !=
	    NULL)
		return r->fn(req);
	n = snprintf(msg, sizeof(msg), "{\"error\":{\"message\":\"%s\","
	    "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}",
	    hit ? "method not allowed" : "no such mock control route");
	return mock_reply(req, hit ? 405 : 404, "application/json", msg,
	    (size_t)n, NULL);
}

static enum MHD_Result
dispatch(struct mock_req *req)
{
	const struct mock_provider	*p = NULL;
	const struct mock_route		*r = NULL;
	char				 msg[512];
	int				 hit = 0;
	size_t				 i;

	if (strncmp(req->path, "/_mock/", 7) == 0)
		return dispatch_mock(req);
	for (i = 0; providers[i] != NULL; i++) {
		int h = 0;

		r = route_find(providers[i]->routes, req->method, req->path,
		    &h);
		if (r != NULL) {
			p = providers[i];
			break;
		}
		if (h && p == NULL) {
			p = providers[i];
			hit = 1;
		}
	}
	/* The longest prefix owns the path: /v1/messages/x is Anthropic's. */
	for (i = 0; r == NULL && !hit && providers[i] != NULL; i++)
		if (strncmp(req->path, providers[i]->prefix,
		    strlen(providers[i]->prefix)) == 0 && (p == NULL ||
		    strlen(providers[i]->prefix) > strlen(p->prefix)))
			p = providers[i];
	req->rec = rec_add(req);
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, ctl_header_cb,
	    &req->ctl);
	if (p == NULL)
		p = providers[0];
	else if (mock_key != NULL && p->auth != NULL &&
	    p->auth(req, mock_key, msg, sizeof(msg)) == -1)
		return p->error(req, 401, msg);
	if (req->too_big) {
		snprintf(msg, sizeof(msg), "Request body too large: the mock "
		    "accepts at most %u bytes.", MOCK_BODY_MAX);
		return p->error(req, 413, msg);
	}
	if (r == NULL) {
		snprintf(msg, sizeof(msg), "Invalid %s (%s %.300s)",
		    hit ? "method for URL" : "URL", req->method, req->path);
		return p->error(req, hit ? 405 : 404, msg);
	}
	return r->fn(req);
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo	*ci;
	struct mock_req			*req;

	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;
	atomic_init(&req->refs, 1);
	req->recv_ms = mock_now_ms();
	req->conn = conn;
	req->uri = strdup(uri);
	mbuf_init(&req->body, MOCK_BODY_MAX);
	ctl_init(&req->ctl);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci != NULL && (req->mc = ci->socket_context) != NULL) {
		mock_req_unref(req->mc->pending);
		req->mc->pending = req;
	}
	return req;
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct mock_req	*req = *con_cls;

	if (req == NULL)
		return MHD_NO;	/* on_uri could not allocate */
	if (!req->presented) {
		req->presented = 1;
		req->conn = conn;
		req->method = method;
		req->path = url;
		if (req->mc != NULL && req->mc->pending == req)
			req->mc->pending = NULL;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!req->too_big &&
		    mbuf_append(&req->body, upload, *upload_size) == -1) {
			req->too_big = 1;
			mbuf_free(&req->body);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return dispatch(req);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct mock_req	*req = *con_cls;

	if (req == NULL)
		return;
	*con_cls = NULL;
	/*
	 * libmicrohttpd 0.9.7x reports requests cut off before the access
	 * handler too, once the URI callback ran; older ones do not, and
	 * on_connection frees those.  Either way exactly one owner frees.
	 */
	if (req->mc != NULL && req->mc->pending == req)
		req->mc->pending = NULL;
	if (req->rec != NULL) {
		rec_finish(req->rec, req,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
		req->rec = NULL;
	}
	mock_req_unref(req);
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **sock_ctx,
    enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo	*ci;
	struct mock_conn		*mc;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		if ((mc = calloc(1, sizeof(*mc))) == NULL)
			return;
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		mc->fd = ci != NULL ? ci->connect_fd : MHD_INVALID_SOCKET;
		*sock_ctx = mc;
		return;
	}
	if ((mc = *sock_ctx) == NULL)
		return;
	/* A request cut off before its headers never reached on_access. */
	mock_req_unref(mc->pending);
	free(mc);
	*sock_ctx = NULL;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mock-upstream --port N [--host ADDR] "
	    "[--key KEY]\n");
	exit(2);
}

/* Accepts "--name value" and "--name=value"; returns value or NULL. */
static const char *
opt_value(int argc, char *argv[], int *i, const char *name)
{
	size_t	 n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		usage();
	return argv[++*i];
}

static struct MHD_Daemon *
start(const char *host, long port, unsigned int *bound, int *v6)
{
	struct addrinfo		 hints, *ai = NULL;
	struct MHD_Daemon	*d;
	const union MHD_DaemonInfo *di;
	char			 serv[8];
	unsigned int		 flags;
	int			 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	snprintf(serv, sizeof(serv), "%ld", port);
	if ((rc = getaddrinfo(host, serv, &hints, &ai)) != 0) {
		fprintf(stderr, "mock-upstream: %s: %s\n", host,
		    gai_strerror(rc));
		return NULL;
	}
	*v6 = ai->ai_family == AF_INET6;
	flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	if (*v6)
		flags |= MHD_USE_IPv6;
	d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL,
	    on_access, NULL,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, 4096u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 0u,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	    MHD_OPTION_END);
	freeaddrinfo(ai);
	if (d == NULL) {
		fprintf(stderr, "mock-upstream: cannot listen on %s:%ld\n",
		    host, port);
		return NULL;
	}
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = di != NULL && di->port != 0 ? di->port : (unsigned int)port;
	return d;
}

int
main(int argc, char *argv[])
{
	struct MHD_Daemon	*d;
	const char		*host = "127.0.0.1", *portstr = NULL, *v;
	char			*end;
	sigset_t		 set;
	unsigned int		 bound;
	long			 port;
	int			 i, sig, v6;

	for (i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--port")) != NULL)
			portstr = v;
		else if ((v = opt_value(argc, argv, &i, "--host")) != NULL)
			host = v;
		else if ((v = opt_value(argc, argv, &i, "--key")) != NULL)
			mock_key = v;
		else
			usage();
	}
	if (portstr == NULL)
		usage();
	port = strtol(portstr, &end, 10);
	if (*portstr == '\0' || *end != '\0' || port < 0 || port > 65535)
		usage();
	if (mock_key != NULL && *mock_key == '\0')
		mock_key = NULL;

	/* Threads inherit the mask; only sigwait below sees the signals. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if ((d = start(host, port, &bound, &v6)) == NULL)
		return 1;
	printf("mock-upstream listening on %s%s%s:%u\n", v6 ? "[" : "", host,
	    v6 ? "]" : "", bound);
	fflush(stdout);

	while (sigwait(&set, &sig) != 0)
		continue;
	atomic_store(&mock_stopping, 1);
	MHD_stop_daemon(d);
	rec_clear();
	return 0;
}
