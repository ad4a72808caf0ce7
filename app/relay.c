/*
 * relay.c: policy, hold, channel choice, settlement.
 *
 * Money invariant: relay_prepare takes one hold or none; relay_settle
 * releases it exactly once through db_hold_settle, which is idempotent
 * and writes the log row in the same transaction.  If settlement cannot
 * reach the database, the hold stays and the housekeeper refunds it:
 * the platform may lose a charge in that failure, it never double-charges
 * or charges without a log row.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "adapt.h"
#include "auth.h"
#include "channels.h"
#include "cfg.h"
#include "log.h"
#include "ratelimit.h"
#include "relay.h"
#include "request.h"
#include "sec.h"
#include "upstream.h"

static void
cjson_free_defer(void *p)
{
	cJSON_Delete(p);
}

enum err
relay_begin(struct relay *rl, struct req *r, const char *model, int stream)
{
	enum err	 e;

	memset(rl, 0, sizeof(*rl));
	rl->r = r;
	rl->model = rl->up_model = model;
	rl->stream = stream;
	rl->stream_status = "";
	buf_init(&rl->tried_ids, 4096);
	arena_defer(r->a, buf_free, &rl->tried_ids);
	r->model = model;

	if (!auth_list_has(r->key.model_limits, model))
		return ERR_MODEL_NOT_ALLOWED;
	if ((e = db_price_base_get(r->db, r->a, model, &rl->price,
	    &rl->base_price)) != ERR_OK)
		return e;
	if ((e = db_channels_for(r->db, r->a, r->key.group, model,
	    &rl->chans, &rl->nchans)) != ERR_OK)
		return e;
	if (rl->nchans == 0)
		return ERR_NO_CHANNEL;
	if ((rl->tried = arena_alloc(r->a, rl->nchans)) == NULL)
		return ERR_NOMEM;
	return ERR_OK;
}

enum err
relay_hold(struct relay *rl, int64_t amount)
{
	struct req	*r = rl->r;

	rl->held = amount;
	return db_hold_take(r->db, r->rid, r->key.user_id, r->key.token_id,
	    r->key.unlimited, rl->model, amount, &rl->hold_id);
}

enum err
relay_prepare(struct relay *rl, struct req *r, const char *model,
    int stream, int64_t est_prompt, int64_t est_completion)
{
	struct usage	 est;
	enum err	 e;

	if ((e = relay_begin(rl, r, model, stream)) != ERR_OK)
		return e;
	rl->est_prompt = est_prompt;
	if ((e = rl_tokens(r, est_prompt + est_completion)) != ERR_OK)
		return e;
	rl->tpm_reserved = est_prompt + est_completion;
	memset(&est, 0, sizeof(est));
	est.prompt = est_prompt;
	est.completion = est_completion;
	e = relay_hold(rl, bill_tokens(&rl->price, rl->base_price,
	    r->key.group_ratio_u, &est));
	if (e != ERR_OK) {
		/* Not served: give the tokens back to the window. */
		rl_tokens_adjust(r, -rl->tpm_reserved);
		rl->tpm_reserved = 0;
	}
	return e;
}

static void
apply_mapping(struct relay *rl)
{
	cJSON	*m, *v;

	rl->up_model = rl->model;
	rl->mapped = 0;
	if (rl->ch->model_mapping == NULL || rl->ch->model_mapping[0] == '\0')
		return;
	if ((m = cJSON_Parse(rl->ch->model_mapping)) == NULL)
		return;
	arena_defer(rl->r->a, cjson_free_defer, m);
	v = cJSON_GetObjectItemCaseSensitive(m, rl->model);
	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		rl->up_model = v->valuestring;
		rl->mapped = strcmp(rl->up_model, rl->model) != 0;
	}
}

enum err
relay_next_channel(struct relay *rl)
{
	struct buf	 pt;
	size_t		 i;

	for (;;) {
		if ((i = chan_pick(rl->r->cfg, rl->chans, rl->nchans,
		    rl->tried)) == SIZE_MAX)
			return ERR_NO_CHANNEL;
		rl->ch = &rl->chans[i];
		buf_printf(&rl->tried_ids, "%s%lld",
		    rl->tried_ids.len > 0 ? "," : "", (long long)rl->ch->id);
		buf_init(&pt, 64 * 1024);
		if (sec_open(rl->r->secret, rl->ch->key_enc,
		    rl->ch->key_enc_len, &pt) == -1) {
			log_err(rl->r->rid, "channel %lld: credential does "
			    "not open with this secret_key_file; skipped",
			    (long long)rl->ch->id);
			buf_free(&pt);
			continue;
		}
		rl->ch_key = arena_strndup(rl->r->a, buf_cstr(&pt), pt.len);
		buf_free(&pt);
		if (rl->ch_key == NULL)
			return ERR_NOMEM;
		apply_mapping(rl);
		return ERR_OK;
	}
}

char *
relay_url(struct relay *rl, const char *path)
{
	return chan_call_url(rl->r->a, rl->ch, rl->up_model, path);
}

const char *
relay_auth_header(struct relay *rl)
{
	return chan_auth_header(rl->r->a, rl->ch->type, rl->ch_key);
}

/* Status worth trying another channel for (nothing reached the client). */
static int
retryable(int status)
{
	return status == 401 || status == 403 || status == 408 ||
	    status == 429 || status >= 500;
}

/*
 * The upstream refused the channel's credential (bad key, no balance):
 * take it out of service (status 3, auto-disabled) with a system log row,
 * until the housekeeper's probe or an admin brings it back.
 */
static void
auto_disable(struct relay *rl, int status)
{
	struct req	*r = rl->r;
	struct log_rec	 lr;
	char		 other[160];

	if (db_channel_set_status(r->db, rl->ch->id, 3) != ERR_OK) {
		log_err(r->rid, "channel %lld: could not auto-disable: %s",
		    (long long)rl->ch->id, db_errmsg(r->db));
		return;
	}
	snprintf(other, sizeof(other), "{\"reason\":\"upstream answered %d\","
	    "\"action\":\"channel auto-disabled\"}", status);
	memset(&lr, 0, sizeof(lr));
	lr.type = LOGT_SYSTEM;
	lr.channel_id = rl->ch->id;
	lr.model_name = rl->model;
	lr.request_id = r->rid;
	lr.status = status;
	lr.other = other;
	lr.error_code = "channel_auto_disabled";
	db_log_insert(r->db, &lr);
	log_warn(r->rid, "channel %lld auto-disabled: upstream answered %d",
	    (long long)rl->ch->id, status);
}

/* Feeds the breaker (and auto-disable) with one call's outcome. */
static void
judge(struct relay *rl, enum err e, int status)
{
	const struct cfg *c = rl->r->cfg;

	if (e == ERR_CLIENT_GONE || e == ERR_NOMEM)
		return;		/* says nothing about the channel */
	if (e == ERR_OK && (status == 401 || status == 403)) {
		auto_disable(rl, status);
		return;
	}
	chan_report(c, rl->ch->id, e == ERR_OK && !retryable(status));
}

struct collect {
	struct relay_call	*c;
	struct buf		*resp;
	struct req		*r;
	int			 too_large;	/* resp hit its cap */
};

static int
collect_status(void *arg, int status, const char *ctype)
{
	struct collect	*k = arg;

	if (k->c->on_status != NULL)
		return k->c->on_status(k->c->arg, status, ctype);
	return 0;
}

static int
collect_data(void *arg, const char *p, size_t n)
{
	struct collect	*k = arg;

	if (k->c->on_data != NULL && (k->c->started == NULL ||
	    *k->c->started))
		return k->c->on_data(k->c->arg, p, n);
	if (buf_append(k->resp, p, n) == -1) {
		k->too_large = 1;
		return 1;
	}
	return 0;
}

static int
collect_tick(void *arg)
{
	struct collect	*k = arg;

	if (k->c->on_tick != NULL)
		return k->c->on_tick(k->c->arg);
	return req_peer_closed(k->r);
}

/* Sets the request's "model" to the channel's up_model. */
static int
set_model(struct relay *rl, cJSON *json)
{
	cJSON	*m;

	if ((m = cJSON_CreateString(rl->up_model)) == NULL)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(json, "model") != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(json, "model", m);
	else
		cJSON_AddItemToObject(json, "model", m);
	return 0;
}

static enum err
call_one(struct relay *rl, struct relay_call *c, struct buf *resp,
    struct up_result *res)
{
	struct req	*r = rl->r;
	struct up_call	 u;
	struct collect	 k;
	struct adapt	 ad;
	enum adapt_kind	 kind;
	const char	*hdr[10], *path = c->path;
	char		*json = NULL;
	size_t		 nh = 0, i;
	enum err	 e;

	memset(&u, 0, sizeof(u));
	buf_reset(resp);
	kind = c->json != NULL ? adapt_needed(rl, c) : AD_NONE;
	if (kind != AD_NONE) {
		e = adapt_prepare(&ad, kind, rl, c, resp, &path, &json, hdr,
		    &nh);
		if (e != ERR_OK) {
			adapt_free(&ad);
			if (e == ERR_BAD_REQUEST) {
				/* Answered as the upstream's own 400. */
				res->status = 400;
				return ERR_OK;
			}
			return e;
		}
		u.body = json;
		u.body_len = strlen(json);
	} else if (c->json != NULL) {
		if (set_model(rl, c->json) == -1 ||
		    (json = cJSON_PrintUnformatted(c->json)) == NULL)
			return ERR_NOMEM;
		u.body = json;
		u.body_len = strlen(json);
		hdr[nh++] = "Content-Type: application/json";
	} else if (c->raw != NULL) {
		u.body = c->raw;
		u.body_len = c->raw_len;
		hdr[nh++] = arena_printf(r->a, "Content-Type: %s",
		    c->ctype != NULL ? c->ctype : "application/octet-stream");
	} else {
		u.parts = c->parts;
		u.nparts = c->nparts;
	}
	hdr[nh++] = relay_auth_header(rl);
	if (c->accept != NULL)
		hdr[nh++] = arena_printf(r->a, "Accept: %s", c->accept);
	for (i = 0; i < c->nheaders && i < 4; i++)
		hdr[nh++] = c->headers[i];
	u.method = c->method;
	u.follow = c->follow;
	u.url = relay_url(rl, path);
	u.headers = hdr;
	u.nheaders = nh;
	memset(&k, 0, sizeof(k));
	k.c = c;
	k.resp = resp;
	k.r = r;
	u.on_status = collect_status;
	u.on_data = collect_data;
	u.on_tick = collect_tick;
	u.arg = &k;
	if (kind != AD_NONE) {
		ad.fwd_status = collect_status;
		ad.fwd_data = collect_data;
		ad.fwd_tick = collect_tick;
		ad.fwd_arg = &k;
		u.on_status = adapt_on_status;
		u.on_data = adapt_on_data;
		u.on_tick = adapt_on_tick;
		u.arg = &ad;
	}
	e = ERR_NOMEM;
	for (i = 0; i < nh; i++)
		if (hdr[i] == NULL)
			goto out;
	if (u.url != NULL)
		e = up_perform(r->up, &u, res);
	if (kind != AD_NONE && ad.too_large)
		k.too_large = 1;
	if (kind != AD_NONE && ad.bad_event) {
		/* Not the client leaving: an event we could not convert. */
		e = ERR_UPSTREAM;
		snprintf(res->errmsg, sizeof(res->errmsg), "%s stream event "
		    "not convertible", rl->ch->type);
	}
	if (k.too_large) {
		/* Our cap, not the client leaving: the upstream's fault. */
		e = ERR_UPSTREAM;
		snprintf(res->errmsg, sizeof(res->errmsg), "answer larger than "
		    "upstream_max_response");
	}
	if (kind != AD_NONE && e == ERR_OK &&
	    (e = adapt_finish(&ad, e, resp)) == ERR_UPSTREAM)
		snprintf(res->errmsg, sizeof(res->errmsg), "%s answer not "
		    "convertible", rl->ch->type);
out:
	if (kind != AD_NONE)
		adapt_free(&ad);
	cJSON_free(json);
	if (r->upstream_ms < 0)
		r->upstream_ms = 0;
	r->upstream_ms += res->ms;
	return e;
}

enum err
relay_call(struct relay *rl, struct relay_call *c, struct buf *resp,
    int *status)
{
	struct up_result res;
	enum err	 e, last = ERR_NO_CHANNEL;
	size_t		 mark;
	int		 rc;

	*status = 0;
	for (;;) {
		mark = rl->tried_ids.len;
		if ((e = relay_next_channel(rl)) != ERR_OK)
			break;
		if (c->before != NULL) {
			rc = c->before(c->arg, rl, c);
			if (rc == -1)
				return ERR_NOMEM;
			if (rc == 1) {
				/* Not called: not "tried", and no probe kept. */
				chan_unclaim(rl->r->cfg, rl->ch->id);
				rl->tried_ids.len = mark;
				if (rl->tried_ids.p != NULL)
					rl->tried_ids.p[mark] = '\0';
				continue;
			}
		}
		memset(&res, 0, sizeof(res));
		e = call_one(rl, c, resp, &res);
		*status = res.status;
		judge(rl, e, res.status);
		if ((c->started != NULL && *c->started) ||
		    e == ERR_CLIENT_GONE || e == ERR_NOMEM)
			return e;
		if (e == ERR_OK && !retryable(res.status))
			return ERR_OK;
		log_warn(rl->r->rid, "channel %lld failed (%s%sstatus %d); "
		    "trying the next", (long long)rl->ch->id, res.errmsg,
		    res.errmsg[0] != '\0' ? ", " : "", res.status);
		last = e != ERR_OK ? e : ERR_UPSTREAM;
	}
	return last;
}

/*
 * Settlements the database refused (it went away mid-request) wait here,
 * per process, and are retried before later requests: a charge survives a
 * MariaDB restart.  Settling is idempotent, so a retry racing the
 * housekeeper's refund (after hold_ttl) is harmless.  Bounded: past
 * PENDING_MAX the housekeeper's refund is the last resort.
 */
#define PENDING_MAX	1024

struct pending {
	int64_t		 hold_id;
	int64_t		 quota;
	struct log_rec	 lr;	/* strings malloc'd */
};

static pthread_mutex_t	 pend_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct pending	*pend[PENDING_MAX];
static atomic_int	 npend;

static void
pending_free(struct pending *p)
{
	if (p == NULL)
		return;
	free((char *)p->lr.username);
	free((char *)p->lr.token_name);
	free((char *)p->lr.model_name);
	free((char *)p->lr.request_id);
	free((char *)p->lr.ip);
	free((char *)p->lr.other);
	free((char *)p->lr.stream_status);
	free((char *)p->lr.error_code);
	free(p);
}

static char *
dup0(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static int
pending_add(int64_t hold_id, int64_t quota, const struct log_rec *lr)
{
	struct pending	*p;
	int		 rc = -1;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->hold_id = hold_id;
	p->quota = quota;
	p->lr = *lr;
	p->lr.username = dup0(lr->username);
	p->lr.token_name = dup0(lr->token_name);
	p->lr.model_name = dup0(lr->model_name);
	p->lr.request_id = dup0(lr->request_id);
	p->lr.ip = dup0(lr->ip);
	p->lr.other = dup0(lr->other);
	p->lr.stream_status = dup0(lr->stream_status);
	p->lr.error_code = lr->error_code != NULL ? strdup(lr->error_code) :
	    NULL;
	pthread_mutex_lock(&pend_mtx);
	if (atomic_load(&npend) < PENDING_MAX && p->lr.other != NULL) {
		pend[atomic_load(&npend)] = p;
		atomic_fetch_add(&npend, 1);
		p = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&pend_mtx);
	pending_free(p);
	return rc;
}

void
relay_retry_pending(struct db *d)
{
	struct pending	*p;
	int		 applied;

	while (atomic_load(&npend) > 0) {
		pthread_mutex_lock(&pend_mtx);
		p = NULL;
		if (atomic_load(&npend) > 0) {
			atomic_fetch_sub(&npend, 1);
			p = pend[atomic_load(&npend)];
		}
		pthread_mutex_unlock(&pend_mtx);
		if (p == NULL)
			return;
		if (db_hold_settle(d, p->hold_id, p->quota, &p->lr,
		    &applied) != ERR_OK) {
			/* Still down: put it back and try again later. */
			pthread_mutex_lock(&pend_mtx);
			pend[atomic_load(&npend)] = p;
			atomic_fetch_add(&npend, 1);
			pthread_mutex_unlock(&pend_mtx);
			return;
		}
		log_info(p->lr.request_id, "late settle of hold %lld: %s",
		    (long long)p->hold_id, applied ? "charged" :
		    "already refunded");
		pending_free(p);
	}
}

char *
relay_other_json(struct relay *rl, const char *source, const cJSON *top)
{
	const cJSON	*v;
	struct req	*r = rl->r;
	cJSON		*o;
	char		*s, *out;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "base_price", (double)rl->base_price);
	cJSON_AddNumberToObject(o, "group_ratio_u",
	    (double)r->key.group_ratio_u);
	cJSON_AddStringToObject(o, "group", r->key.group);
	cJSON_AddStringToObject(o, "basis", db_basis_names[rl->price.basis]);
	cJSON_AddNumberToObject(o, "input_u", (double)rl->price.input_u);
	cJSON_AddNumberToObject(o, "output_u", (double)rl->price.output_u);
	cJSON_AddNumberToObject(o, "cache_u", (double)rl->price.cache_u);
	cJSON_AddNumberToObject(o, "cache_write_u",
	    (double)rl->price.cache_write_u);
	cJSON_AddNumberToObject(o, "cached_tokens", (double)rl->usage.cached);
	cJSON_AddNumberToObject(o, "cache_write_tokens",
	    (double)rl->usage.cache_write);
	cJSON_AddNumberToObject(o, "reasoning_tokens",
	    (double)rl->usage.reasoning);
	cJSON_AddStringToObject(o, "usage_source", source);
	cJSON_AddNumberToObject(o, "held", (double)rl->held);
	cJSON_AddStringToObject(o, "channels_tried", buf_cstr(&rl->tried_ids));
	if (rl->mapped)
		cJSON_AddStringToObject(o, "upstream_model", rl->up_model);
	if (rl->charge_set) {
		cJSON_AddNumberToObject(o, "units", (double)rl->units);
		cJSON_AddStringToObject(o, "unit", rl->unit_name != NULL ?
		    rl->unit_name : "");
		cJSON_AddNumberToObject(o, "unit_u", (double)rl->price.unit_u);
	}
	if (rl->log_extra != NULL)
		cJSON_AddItemReferenceToObject(o, "detail", rl->log_extra);
	cJSON_ArrayForEach(v, top) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, v->string);
		cJSON_AddItemToObject(o, v->string, cJSON_Duplicate(v, 1));
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return NULL;
	out = arena_strdup(r->a, s);
	cJSON_free(s);
	return out;
}

void
relay_settle(struct relay *rl, int status, const char *error_code)
{
	struct req	*r = rl->r;
	struct log_rec	 lr;
	const char	*source = "upstream";
	int64_t		 quota = 0;
	int		 applied = 0, tries;
	enum err	 e;

	if (rl->charge_set) {
		/* Priced by the endpoint on its own basis. */
		quota = rl->charge > 0 ? rl->charge : 0;
		source = rl->usage_upstream ? "upstream" : "request";
	} else {
		if (!rl->usage_upstream) {
			/* No usage from upstream: bill what was produced. */
			source = "estimated";
			rl->usage.prompt = rl->delivered ? rl->est_prompt : 0;
			rl->usage.completion = rl->delivered_tokens;
		}
		if (rl->usage_upstream || rl->delivered)
			quota = bill_tokens(&rl->price, rl->base_price,
			    r->key.group_ratio_u, &rl->usage);
		else
			source = "none";
	}

	memset(&lr, 0, sizeof(lr));
	lr.type = quota > 0 || (error_code == NULL && status < 400) ?
	    LOGT_CONSUME : LOGT_ERROR;
	lr.user_id = r->key.user_id;
	lr.username = r->key.username;
	lr.token_id = r->key.token_id;
	lr.token_name = r->key.token_name;
	lr.channel_id = rl->ch != NULL ? rl->ch->id : 0;
	lr.model_name = rl->model;
	lr.prompt_tokens = rl->usage.prompt;
	lr.completion_tokens = rl->usage.completion;
	lr.quota = quota;
	lr.use_time_ms = req_elapsed_ms(r);
	lr.is_stream = rl->stream;
	lr.request_id = r->rid;
	lr.ip = r->remote_addr;
	lr.status = status;
	lr.other = relay_other_json(rl, source, NULL);
	lr.stream_status = rl->stream_status;
	lr.error_code = error_code;

	/*
	 * A dropped connection is re-opened by the next call; two more tries
	 * ride out a MariaDB restart or failover without losing the charge.
	 */
	for (tries = 0; tries < 3; tries++) {
		e = db_hold_settle(r->db, rl->hold_id, quota, &lr, &applied);
		if (e != ERR_DB)
			break;
		usleep(tries == 0 ? 100000 : 500000);
	}
	if (e != ERR_OK) {
		if (pending_add(rl->hold_id, quota, &lr) == 0)
			log_warn(r->rid, "settle of hold %lld (%lld quota) "
			    "failed: %s; kept to retry", (long long)rl->hold_id,
			    (long long)quota, db_errmsg(r->db));
		else
			log_err(r->rid, "settle of hold %lld (%lld quota) "
			    "failed: %s; the housekeeper will refund it",
			    (long long)rl->hold_id, (long long)quota,
			    db_errmsg(r->db));
	}
	if (rl->tpm_reserved > 0)
		rl_tokens_adjust(r, rl->usage.prompt + rl->usage.completion -
		    rl->tpm_reserved);
	r->quota = quota;
	r->prompt_tokens = rl->usage.prompt;
	r->completion_tokens = rl->usage.completion;
	rl->hold_id = 0;
}
