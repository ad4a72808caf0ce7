/*
 * genai.c: the deterministic answer of the mock's Anthropic and Gemini
 * providers (struct gen, genai.h), and the text forms of the controls
 * they read from prompts.
 *
 * The text is built token by token so that the rules a test predicts
 * stay simple: the words of an optional lead, then "w1".."wK"; the
 * first token has no leading space, every later one has one.  Stop
 * sequences are matched against the text as it grows, and a token that
 * would complete one is not emitted (the API's stop sequence is never
 * part of the text).  Tool arguments are sampled from the parameter
 * schema like the OpenAI chat mock does (openai_chat.c), with Gemini's
 * upper-case type names accepted too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "genai.h"
#include "openai.h"

long
gen_words(const char *s)
{
	return s != NULL ? oai_words(s) : 0;
}

void
gen_init(struct gen *g)
{
	memset(g, 0, sizeof(*g));
	mbuf_init(&g->text, MOCK_EVENT_MAX);
}

void
gen_free(struct gen *g)
{
	long	 i;

	if (g == NULL)
		return;
	mbuf_free(&g->text);
	free(g->tokend);
	for (i = 0; i < g->ncalls; i++) {
		free(g->calls[i].args);
		free(g->calls[i].frag);
	}
	free(g->calls);
	memset(g, 0, sizeof(*g));
}

/* Appends one token; 0 or -1. */
static int
gen_push(struct gen *g, const char *tok, size_t len)
{
	size_t	*nt;
	long	 ncap;

	if (g->ntext == g->tokcap) {
		ncap = g->tokcap > 0 ? g->tokcap * 2 : 16;
		if ((nt = reallocarray(g->tokend, (size_t)ncap,
		    sizeof(*nt))) == NULL)
			return -1;
		g->tokend = nt;
		g->tokcap = ncap;
	}
	if (mbuf_append(&g->text, tok, len) == -1)
		return -1;
	g->tokend[g->ntext++] = g->text.len;
	return 0;
}

/* The stop sequence the text would contain with tok appended, or NULL. */
static const char *
gen_hits(const struct gen *g, const char *tok, size_t len,
    const char *const *stops, size_t nstops)
{
	struct mbuf	 t;
	const char	*hit = NULL, *at, *best = NULL;
	size_t		 i;

	mbuf_init(&t, MOCK_EVENT_MAX);
	if ((g->text.len > 0 && mbuf_append(&t, g->text.p, g->text.len) ==
	    -1) || mbuf_append(&t, tok, len) == -1 || t.p == NULL) {
		mbuf_free(&t);
		return NULL;
	}
	/* The sequence whose match starts first wins, as the API scans. */
	for (i = 0; i < nstops; i++) {
		if (stops[i] == NULL || stops[i][0] == '\0')
			continue;
		at = strstr(t.p, stops[i]);
		if (at != NULL && (best == NULL || at < best)) {
			best = at;
			hit = stops[i];
		}
	}
	mbuf_free(&t);
	return hit;
}

int
gen_text(struct gen *g, const char *lead, long k, long budget,
    const char *const *stops, size_t nstops, long emit_stop)
{
	const char	*p, *st, *hit;
	char		 tok[64];
	struct mbuf	 w;
	long		 i = 0, nlead = gen_words(lead), total;

	total = nlead + k;
	mbuf_init(&w, MOCK_EVENT_MAX);
	for (p = lead; i < total; i++) {
		mbuf_reset(&w);
		if (i > 0 && mbuf_puts(&w, " ") == -1)
			goto fail;
		if (i < nlead) {
			while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
				p++;
			for (st = p; *p != '\0' && *p != ' ' &&
			    !(*p >= '\t' && *p <= '\r'); p++)
				continue;
			if (mbuf_append(&w, st, (size_t)(p - st)) == -1)
				goto fail;
		} else {
			snprintf(tok, sizeof(tok), "w%ld", i - nlead + 1);
			if (mbuf_puts(&w, tok) == -1)
				goto fail;
		}
		if (emit_stop > 0 && nstops > 0 && i == emit_stop) {
			g->stop = GEN_STOP_SEQ;
			g->stopseq = stops[0];
			break;
		}
		if (i >= budget) {
			g->stop = GEN_MAX_TOKENS;
			break;
		}
		if ((hit = gen_hits(g, w.p, w.len, stops, nstops)) != NULL) {
			g->stop = GEN_STOP_SEQ;
			g->stopseq = hit;
			break;
		}
		if (gen_push(g, w.p, w.len) == -1)
			goto fail;
	}
	mbuf_free(&w);
	return 0;
fail:
	mbuf_free(&w);
	return -1;
}

/* End offsets of min(max(pieces, 1), len) near-equal pieces of s. */
static size_t *
gen_split(const char *s, long pieces, size_t *n)
{
	size_t	 len = strlen(s), want, i, end, prev = 0, *frag;

	want = pieces > 0 ? (size_t)pieces : 1;
	if (want > len)
		want = len > 0 ? len : 1;
	*n = 0;
	if ((frag = calloc(want, sizeof(*frag))) == NULL)
		return NULL;
	for (i = 0; i < want; i++) {
		end = len * (i + 1) / want;
		/* Never inside a UTF-8 sequence. */
		while (end < len && ((unsigned char)s[end] & 0xc0) == 0x80)
			end++;
		if (end <= prev && i + 1 < want)
			continue;
		frag[(*n)++] = end;
		prev = end;
	}
	return frag;
}

int
gen_text_pieces(struct gen *g, const char *s, long pieces)
{
	size_t	*frag, n, i, from = 0;

	if ((frag = gen_split(s, pieces, &n)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (gen_push(g, s + from, frag[i] - from) == -1) {
			free(frag);
			return -1;
		}
		from = frag[i];
	}
	free(frag);
	return 0;
}

const char *
gen_token(const struct gen *g, long i, size_t *len)
{
	size_t	 from = i > 0 ? g->tokend[i - 1] : 0;

	*len = g->tokend[i] - from;
	return g->text.p + from;
}

void
gen_think_token(long i, char *buf, size_t sz)
{
	snprintf(buf, sz, "%st%ld", i == 0 ? "" : " ", i + 1);
}

cJSON *
gen_sample(const cJSON *schema)
{
	const cJSON	*en, *type, *t;
	const char	*ty = NULL;

	en = cJSON_GetObjectItemCaseSensitive(schema, "enum");
	if (cJSON_IsArray(en) && cJSON_GetArraySize(en) > 0)
		return cJSON_Duplicate(cJSON_GetArrayItem(en, 0), 1);
	type = cJSON_GetObjectItemCaseSensitive(schema, "type");
	if (cJSON_IsString(type))
		ty = type->valuestring;
	else if (cJSON_IsArray(type))
		cJSON_ArrayForEach(t, type)
			if (cJSON_IsString(t)) {
				ty = t->valuestring;
				break;
			}
	/* JSON Schema says "string"; Gemini's Schema says "STRING". */
	if (ty == NULL || strcasecmp(ty, "string") == 0)
		return cJSON_CreateString("x");
	if (strcasecmp(ty, "integer") == 0 || strcasecmp(ty, "number") == 0)
		return cJSON_CreateNumber(1);
	if (strcasecmp(ty, "boolean") == 0)
		return cJSON_CreateTrue();
	if (strcasecmp(ty, "array") == 0)
		return cJSON_CreateArray();
	if (strcasecmp(ty, "object") == 0)
		return cJSON_CreateObject();
	if (strcasecmp(ty, "null") == 0)
		return cJSON_CreateNull();
	return cJSON_CreateString("x");
}

int
gen_call_add(struct gen *g, const char *name, const cJSON *schema,
    long pieces, const char *id)
{
	struct gen_call	*nc, *c;
	const cJSON	*props, *p;
	cJSON		*args;

	if ((nc = reallocarray(g->calls, (size_t)g->ncalls + 1,
	    sizeof(*nc))) == NULL)
		return -1;
	g->calls = nc;
	c = &g->calls[g->ncalls];
	memset(c, 0, sizeof(*c));
	c->name = name;
	snprintf(c->id, sizeof(c->id), "%s", id);
	if ((args = cJSON_CreateObject()) == NULL)
		return -1;
	props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
	if (cJSON_IsObject(props))
		cJSON_ArrayForEach(p, props)
			cJSON_AddItemToObject(args, p->string, gen_sample(p));
	c->args = cJSON_PrintUnformatted(args);
	cJSON_Delete(args);
	if (c->args == NULL)
		return -1;
	if ((c->frag = gen_split(c->args, pieces, &c->nfrag)) == NULL) {
		free(c->args);
		return -1;
	}
	g->ncalls++;
	return 0;
}

const char *
gen_piece(const struct gen_call *c, size_t i, size_t *len)
{
	size_t	 from = i > 0 ? c->frag[i - 1] : 0;

	*len = c->frag[i] - from;
	return c->args + from;
}

long
gen_output_tokens(const struct gen *g)
{
	long	 n = g->nthink + g->ntext, i;

	for (i = 0; i < g->ncalls; i++)
		n += (long)g->calls[i].nfrag;
	return n;
}

int
gen_prefix_ctl(struct mock_ctl *ctl, const char *text, char **keep)
{
	char	*k = NULL;

	if (text == NULL || (strncmp(text, "[mock ", 6) != 0 &&
	    strncmp(text, "[mock]", 6) != 0))
		return 0;
	oai_text_ctl(ctl, text, &k);
	free(*keep);
	*keep = k;
	return 1;
}

int
gen_user_ctl(struct mock_ctl *ctl, const char *text, char **keep)
{
	char	*k = NULL;

	if (text == NULL || strncmp(text, "mock:", 5) != 0)
		return 0;
	oai_text_ctl(ctl, text, &k);
	free(*keep);
	*keep = k;
	return 1;
}
