/*
 * channels.c: channel choice and the per-host circuit breaker.
 *
 * The breaker table is open-addressed by channel id in shared memory
 * under one robust mutex: it is touched twice per upstream call, a
 * handful of instructions each, so one lock is no bottleneck.  An entry
 * whose channel is closed with no failures is free for reuse.  If the
 * table is full or unmapped the breaker simply allows (it protects
 * latency; it must not take traffic down).
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "buf.h"
#include "cfg.h"
#include "channels.h"
#include "db.h"
#include "providers/anthropic.h"
#include "providers/gemini.h"
#include "sec.h"
#include "shm.h"
#include "upstream.h"

#define BRK_SLOTS	4096
#define PROBE_MS	60000	/* a probe that never reports frees up */

struct brk_ent {
	int64_t	 id;		/* 0 free */
	int	 failures;
	int64_t	 open_until;	/* ms */
	int64_t	 probe_until;	/* ms: a probe is out until then */
};

struct brk_tab {
	pthread_mutex_t	 mtx;
	struct brk_ent	 ent[BRK_SLOTS];
};

static struct brk_tab	*brk;

int
chan_global_init(void)
{
	if ((brk = shm_map(sizeof(*brk))) == NULL)
		return -1;
	return shm_mutex_init(&brk->mtx);
}

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The entry of id, created when create; NULL if absent or full. */
static struct brk_ent *
find(int64_t id, int create)
{
	uint64_t	 h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
	struct brk_ent	*e, *spare = NULL;
	size_t		 i;

	for (i = 0; i < BRK_SLOTS; i++) {
		e = &brk->ent[(h + i) % BRK_SLOTS];
		if (e->id == id)
			return e;
		if (spare == NULL && (e->id == 0 || (e->failures == 0 &&
		    e->open_until == 0)))
			spare = e;
		if (e->id == 0)
			break;
	}
	if (!create || spare == NULL)
		return NULL;
	memset(spare, 0, sizeof(*spare));
	spare->id = id;
	return spare;
}

/* 1 when id may be called now (claims the probe when half-open). */
static int
allow(const struct cfg *c, int64_t id)
{
	struct brk_ent	*e;
	int64_t		 now;
	int		 ok = 1;

	if (brk == NULL || c->breaker_threshold == 0 || shm_lock(&brk->mtx))
		return 1;
	if ((e = find(id, 0)) != NULL && e->open_until != 0) {
		now = now_ms();
		if (now < e->open_until || now < e->probe_until)
			ok = 0;
		else
			e->probe_until = now + PROBE_MS;
	}
	shm_unlock(&brk->mtx);
	return ok;
}

void
chan_report(const struct cfg *c, int64_t id, int ok)
{
	struct brk_ent	*e;

	if (brk == NULL || c->breaker_threshold == 0 || shm_lock(&brk->mtx))
		return;
	if ((e = find(id, !ok)) != NULL) {
		if (ok) {
			e->failures = 0;
			e->open_until = 0;
			e->probe_until = 0;
		} else if (++e->failures >= c->breaker_threshold ||
		    e->open_until != 0) {
			/* Opened, or a failed probe: closed again for a while. */
			e->open_until = now_ms() +
			    (int64_t)c->breaker_cooldown * 1000;
			e->probe_until = 0;
		}
	}
	shm_unlock(&brk->mtx);
}

void
chan_unclaim(const struct cfg *c, int64_t id)
{
	struct brk_ent	*e;

	if (brk == NULL || c->breaker_threshold == 0 || shm_lock(&brk->mtx))
		return;
	if ((e = find(id, 0)) != NULL)
		e->probe_until = 0;
	shm_unlock(&brk->mtx);
}

size_t
chan_pick(const struct cfg *c, const struct channel *ch, size_t n,
    unsigned char *tried)
{
	size_t		 i, best;
	int		 prio;
	uint64_t	 sum, x;
	uint32_t	 rnd = 0;

	for (;;) {
		best = SIZE_MAX;
		prio = 0;
		for (i = 0; i < n; i++)
			if (!tried[i] && (best == SIZE_MAX ||
			    ch[i].priority > prio)) {
				best = i;
				prio = ch[i].priority;
			}
		if (best == SIZE_MAX)
			return SIZE_MAX;
		sum = 0;
		for (i = 0; i < n; i++)
			if (!tried[i] && ch[i].priority == prio)
				sum += ch[i].weight > 0 ?
				    (uint64_t)ch[i].weight : 1;
		sec_random(&rnd, sizeof(rnd));
		x = rnd % sum;
		for (i = 0; i < n; i++) {
			if (tried[i] || ch[i].priority != prio)
				continue;
			best = i;
			if (x < (ch[i].weight > 0 ? (uint64_t)ch[i].weight : 1))
				break;
			x -= ch[i].weight > 0 ? (uint64_t)ch[i].weight : 1;
		}
		if (allow(c, ch[best].id)) {
			tried[best] = 1;
			return best;
		}
		tried[best] = 2;	/* breaker open: skip in this request */
	}
}

size_t
chan_breakers(struct chan_breaker *out, size_t max)
{
	size_t	 i, k = 0;
	int64_t	 now = now_ms();

	if (brk == NULL || shm_lock(&brk->mtx))
		return 0;
	for (i = 0; i < BRK_SLOTS && k < max; i++) {
		const struct brk_ent *e = &brk->ent[i];

		if (e->id == 0 || (e->failures == 0 && e->open_until == 0))
			continue;
		out[k].id = e->id;
		out[k].failures = e->failures;
		out[k].open_until = e->open_until;
		out[k].half_open = e->open_until != 0 && now >= e->open_until;
		k++;
	}
	shm_unlock(&brk->mtx);
	return k;
}

char *
chan_url(struct arena *a, const char *base, const char *path)
{
	size_t	 n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return arena_printf(a, "%.*s%s", (int)n, base, path);
}

/* A string member of the channel's other JSON, in a; NULL when none. */
static char *
other_string(struct arena *a, const struct channel *ch, const char *k)
{
	cJSON	*o, *v;
	char	*s = NULL;

	if (ch->other == NULL || ch->other[0] == '\0' ||
	    (o = cJSON_Parse(ch->other)) == NULL)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (cJSON_IsString(v) && v->valuestring[0] != '\0')
		s = arena_strdup(a, v->valuestring);
	cJSON_Delete(o);
	return s;
}

/* 1 when s is safe in a URL path segment as it is. */
static int
segment_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return 0;
	return 1;
}

char *
chan_call_url(struct arena *a, const struct channel *ch, const char *model,
    const char *path)
{
	const char	*ver, *rest = path;
	size_t		 n = strlen(ch->base_url);

	if (strcmp(ch->type, "azure") != 0)
		return chan_url(a, ch->base_url, path);
	/* Azure OpenAI: the deployment (= model) is in the path. */
	if (!segment_ok(model))
		return NULL;
	if ((ver = other_string(a, ch, "api_version")) == NULL)
		ver = CHAN_AZURE_API_VERSION;
	if (strncmp(rest, "/v1/", 4) == 0)
		rest += 3;
	while (n > 0 && ch->base_url[n - 1] == '/')
		n--;
	return arena_printf(a, "%.*s/openai/deployments/%s%s%capi-version=%s",
	    (int)n, ch->base_url, model, rest, strchr(rest, '?') != NULL ?
	    '&' : '?', ver);
}

char *
chan_auth_header(struct arena *a, const char *type, const char *key)
{
	if (strcmp(type, "azure") == 0)
		return arena_printf(a, "api-key: %s", key);
	if (strcmp(type, "anthropic") == 0)
		return arena_printf(a, "x-api-key: %s", key);
	if (strcmp(type, "gemini") == 0)
		return arena_printf(a, "x-goog-api-key: %s", key);
	return arena_printf(a, "Authorization: Bearer %s", key);
}

/*
 * The probe's path and body for the channel's type: a one-token chat
 * ("ping") in the provider's own dialect.
 */
static char *
probe_body(struct arena *a, const struct channel *ch, const char *model,
    const char **path)
{
	cJSON	*o, *m, *msg, *g;
	char	*s, *out = NULL;
	char	 p[512];

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	*path = "/v1/chat/completions";
	if (strcmp(ch->type, "gemini") == 0) {
		m = cJSON_AddArrayToObject(o, "contents");
		if (m != NULL && (msg = cJSON_CreateObject()) != NULL) {
			cJSON_AddItemToArray(m, msg);
			cJSON_AddStringToObject(msg, "role", "user");
			g = cJSON_AddArrayToObject(msg, "parts");
			if (g != NULL && (m = cJSON_CreateObject()) != NULL) {
				cJSON_AddStringToObject(m, "text", "ping");
				cJSON_AddItemToArray(g, m);
			}
		}
		if ((g = cJSON_AddObjectToObject(o, "generationConfig")) !=
		    NULL)
			cJSON_AddNumberToObject(g, "maxOutputTokens", 1);
		*path = gm_up_path(p, sizeof(p), model, 0, 0) == 0 ?
		    arena_strdup(a, p) : NULL;
	} else if (strcmp(ch->type, "cohere") == 0) {
		cJSON_AddStringToObject(o, "model", model);
		cJSON_AddStringToObject(o, "query", "ping");
		if ((m = cJSON_AddArrayToObject(o, "documents")) != NULL)
			cJSON_AddItemToArray(m, cJSON_CreateString("ping"));
		*path = "/v2/rerank";
	} else {
		/* OpenAI chat; also a valid Anthropic Messages request. */
		cJSON_AddStringToObject(o, "model", model);
		cJSON_AddNumberToObject(o, "max_tokens", 1);
		m = cJSON_AddArrayToObject(o, "messages");
		if (m != NULL && (msg = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(msg, "role", "user");
			cJSON_AddStringToObject(msg, "content", "ping");
			cJSON_AddItemToArray(m, msg);
		}
		if (strcmp(ch->type, "anthropic") == 0)
			*path = "/v1/messages";
	}
	if (*path != NULL && (s = cJSON_PrintUnformatted(o)) != NULL) {
		out = arena_strdup(a, s);
		cJSON_free(s);
	}
	cJSON_Delete(o);
	return out;
}

/* model after the channel's model_mapping (as requests see it). */
static const char *
mapped(struct arena *a, const struct channel *ch, const char *model)
{
	cJSON		*m, *v;
	const char	*out = model;

	if (ch->model_mapping == NULL || ch->model_mapping[0] == '\0' ||
	    (m = cJSON_Parse(ch->model_mapping)) == NULL)
		return model;
	v = cJSON_GetObjectItemCaseSensitive(m, model);
	if (cJSON_IsString(v) && v->valuestring[0] != '\0' &&
	    (out = arena_strdup(a, v->valuestring)) == NULL)
		out = model;
	cJSON_Delete(m);
	return out;
}

static int
probe_sink(void *arg, const char *p, size_t n)
{
	(void)arg; (void)p; (void)n;
	return 0;
}

enum err
chan_probe(struct up_conn *u, struct arena *a, const unsigned char *secret,
    const struct channel *ch, const char *test_model, int *status,
    int64_t *ms)
{
	struct up_call	 c;
	struct up_result res;
	struct buf	 key;
	const char	*hdr[3], *model = test_model, *path = NULL;
	char		*body, *comma;
	size_t		 nh = 2;
	enum err	 e;

	*status = 0;
	*ms = 0;
	if (model == NULL || *model == '\0') {
		model = arena_strdup(a, ch->models);
		if (model != NULL && (comma = strchr(model, ',')) != NULL)
			*comma = '\0';
	}
	buf_init(&key, 64 * 1024);
	if (model == NULL || sec_open(secret, ch->key_enc, ch->key_enc_len,
	    &key) == -1) {
		buf_free(&key);
		return ERR_BAD_REQUEST;
	}
	hdr[0] = "Content-Type: application/json";
	hdr[1] = chan_auth_header(a, ch->type, buf_cstr(&key));
	buf_free(&key);
	model = mapped(a, ch, model);
	if (strcmp(ch->type, "anthropic") == 0)
		hdr[nh++] = "anthropic-version: " AN_VERSION;
	body = probe_body(a, ch, model, &path);
	memset(&c, 0, sizeof(c));
	c.url = path != NULL ? chan_call_url(a, ch, model, path) : NULL;
	c.headers = hdr;
	c.nheaders = nh;
	c.body = body;
	c.body_len = body != NULL ? strlen(body) : 0;
	c.on_data = probe_sink;
	if (c.url == NULL || body == NULL || hdr[1] == NULL)
		return ERR_NOMEM;
	e = up_perform(u, &c, &res);
	*status = res.status;
	*ms = res.ms;
	if (e == ERR_OK && res.status != 200)
		e = ERR_UPSTREAM;
	return e;
}
