/*
 * rec.c: the recording ring of the mock upstream.
 *
 * Owns the last REC_MAX request records.  A record is created when the
 * request body is complete (method, raw target with query, headers with
 * lower-cased names, raw body, receive time) and appended under rec_mtx;
 * the request keeps its own reference and fills in the outcome (status,
 * completed, chunk send times) when libmicrohttpd reports the request
 * finished.  Invariants: the fields below "outcome" are written once,
 * under rec_mtx, together with finished = 1, and never change after; a
 * reader that saw finished = 1 under the lock may read them unlocked.
 * The lock is held only for pointer swaps and those few stores, never for
 * allocation or serialisation, so the hot path stays short.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"

struct rec {
	atomic_int	 refs;
	uint64_t	 id;
	int64_t		 recv_ms;
	char		*method;
	char		*uri;
	cJSON		*headers;
	char		*body;
	size_t		 bodylen;
	/* outcome */
	int		 finished;
	int		 completed;
	int		 streamed;
	unsigned int	 status;
	int64_t		 done_ms;
	int64_t		*times;
	size_t		 ntimes;
	uint64_t	 nchunks;
};

static pthread_mutex_t	 rec_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct rec	*rec_ring[REC_MAX];
static size_t		 rec_head;	/* next slot to write */
static size_t		 rec_count;
static uint64_t		 rec_seq;

static void
rec_unref(struct rec *r)
{
	if (r == NULL || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	free(r->method);
	free(r->uri);
	cJSON_Delete(r->headers);
	free(r->body);
	free(r->times);
	free(r);
}

/*
 * Adds one header to the object: name lower-cased (HTTP names are
 * case-insensitive, RFC 9110 5.1), repeated names joined with ", "
 * (RFC 9110 5.3), value scrubbed to valid UTF-8.
 */
static enum MHD_Result
rec_header_cb(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	cJSON		*obj = cls, *old;
	struct mbuf	 name, joined;
	char		*v;
	size_t		 i;

	mbuf_init(&name, 8192);
	mbuf_init(&joined, 1u << 20);
	if (value == NULL)
		value = "";
	for (i = 0; key[i] != '\0'; i++) {
		char c = (char)tolower((unsigned char)key[i]);

		if (mbuf_append(&name, &c, 1) == -1)
			goto out;
	}
	if (name.p == NULL)
		goto out;
	old = cJSON_GetObjectItemCaseSensitive(obj, name.p);
	if (cJSON_IsString(old)) {
		if (mbuf_printf(&joined, "%s, %s", old->valuestring, value)
		    == -1)
			goto out;
		value = joined.p;
		cJSON_DeleteItemFromObjectCaseSensitive(obj, name.p);
	}
	if ((v = mock_utf8_dup(value, strlen(value))) != NULL) {
		cJSON_AddStringToObject(obj, name.p, v);
		free(v);
	}
out:
	mbuf_free(&name);
	mbuf_free(&joined);
	return MHD_YES;
}

struct rec *
rec_add(struct mock_req *req)
{
	struct rec	*r, *old;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	atomic_init(&r->refs, 2);	/* the ring's and the caller's */
	r->recv_ms = req->recv_ms;
	r->method = strdup(req->method);
	r->uri = strdup(req->uri != NULL ? req->uri : req->path);
	r->headers = cJSON_CreateObject();
	r->bodylen = req->body.len;
	r->body = malloc(r->bodylen + 1);
	if (r->method == NULL || r->uri == NULL || r->headers == NULL ||
	    r->body == NULL) {
		atomic_init(&r->refs, 1);
		rec_unref(r);
		return NULL;
	}
	if (r->bodylen > 0)
		memcpy(r->body, req->body.p, r->bodylen);
	r->body[r->bodylen] = '\0';
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, rec_header_cb,
	    r->headers);

	pthread_mutex_lock(&rec_mtx);
	r->id = ++rec_seq;
	old = rec_ring[rec_head];
	rec_ring[rec_head] = r;
	rec_head = (rec_head + 1) % REC_MAX;
	if (rec_count < REC_MAX)
		rec_count++;
	pthread_mutex_unlock(&rec_mtx);
	rec_unref(old);
	return r;
}

void
rec_finish(struct rec *r, struct mock_req *req, int completed)
{
	int64_t	*times = NULL;
	size_t	 n = 0;

	if (r == NULL)
		return;
	if (req->streamed && req->ntimes > 0 &&
	    (times = malloc(req->ntimes * sizeof(*times))) != NULL) {
		memcpy(times, req->times, req->ntimes * sizeof(*times));
		n = req->ntimes;
	}
	pthread_mutex_lock(&rec_mtx);
	r->status = req->status;
	r->streamed = req->streamed;
	r->completed = completed;
	r->done_ms = mock_now_ms();
	r->times = times;
	r->ntimes = n;
	r->nchunks = req->nchunks;
	r->finished = 1;
	pthread_mutex_unlock(&rec_mtx);
	rec_unref(r);
}

/* Serialises one record; r's outcome is read only when finished. */
static cJSON *
rec_json(const struct rec *r, int finished)
{
	cJSON	*o, *a;
	char	*body;
	size_t	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddNumberToObject(o, "received_ms", (double)r->recv_ms);
	cJSON_AddStringToObject(o, "method", r->method);
	cJSON_AddStringToObject(o, "path", r->uri);
	cJSON_AddItemToObject(o, "headers", cJSON_Duplicate(r->headers, 1));
	if ((body = mock_utf8_dup(r->body, r->bodylen)) != NULL) {
		cJSON_AddStringToObject(o, "body", body);
		free(body);
	}
	if (!finished) {
		cJSON_AddNullToObject(o, "status");
		cJSON_AddNullToObject(o, "stream");
		cJSON_AddNullToObject(o, "completed");
		cJSON_AddNullToObject(o, "finished_ms");
		cJSON_AddNullToObject(o, "chunk_times_ms");
		cJSON_AddNullToObject(o, "chunks");
		return o;
	}
	cJSON_AddNumberToObject(o, "status", r->status);
	cJSON_AddBoolToObject(o, "stream", r->streamed);
	cJSON_AddBoolToObject(o, "completed", r->completed);
	cJSON_AddNumberToObject(o, "finished_ms", (double)r->done_ms);
	if (!r->streamed) {
		cJSON_AddNullToObject(o, "chunk_times_ms");
		cJSON_AddNullToObject(o, "chunks");
		return o;
	}
	if ((a = cJSON_AddArrayToObject(o, "chunk_times_ms")) != NULL)
		for (i = 0; i < r->ntimes; i++)
			cJSON_AddItemToArray(a,
			    cJSON_CreateNumber((double)r->times[i]));
	cJSON_AddNumberToObject(o, "chunks", (double)r->nchunks);
	return o;
}

cJSON *
rec_list(void)
{
	struct rec	*snap[REC_MAX];
	int		 fin[REC_MAX];
	cJSON		*arr;
	size_t		 i, n, start;

	pthread_mutex_lock(&rec_mtx);
	n = rec_count;
	start = (rec_head + REC_MAX - n) % REC_MAX;
	for (i = 0; i < n; i++) {
		snap[i] = rec_ring[(start + i) % REC_MAX];
		atomic_fetch_add(&snap[i]->refs, 1);
		fin[i] = snap[i]->finished;
	}
	pthread_mutex_unlock(&rec_mtx);

	arr = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		if (arr != NULL)
			cJSON_AddItemToArray(arr, rec_json(snap[i], fin[i]));
		rec_unref(snap[i]);
	}
	return arr;
}

void
rec_clear(void)
{
	struct rec	*snap[REC_MAX];
	size_t		 i;

	pthread_mutex_lock(&rec_mtx);
	memcpy(snap, rec_ring, sizeof(snap));
	memset(rec_ring, 0, sizeof(rec_ring));
	rec_head = rec_count = 0;
	pthread_mutex_unlock(&rec_mtx);
	for (i = 0; i < REC_MAX; i++)
		rec_unref(snap[i]);
}
