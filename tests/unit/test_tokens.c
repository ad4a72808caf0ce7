/*
 * test_tokens.c: token counting (app/tokens.c).
 *
 * The exact counts are compared with tokens_expected.h, which
 * tools/tokens/expect.mjs wrote from OpenAI's own tokenizer (tiktoken):
 * split-pattern corner cases, contractions, numbers, white space, scripts,
 * emoji, invalid UTF-8 and pieces long enough for the heap merge and the
 * 64 KiB chunking.  Then the heuristic, the model -> encoding table (more
 * ids that must not match than ones that must), the fallbacks, the
 * first use from several threads at once, and a speed bound that a
 * quadratic merge would break.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tokens.h"
#include "t.h"
#include "tokens_expected.h"

#define NEXP	(sizeof(tok_expected) / sizeof(tok_expected[0]))
#define S(x)	x, sizeof(x) - 1

/* The case's text: s repeated; malloc'd. */
static char *
expand(const struct tok_expect *e, size_t *len)
{
	char	*p;
	size_t	 i;

	*len = e->n * e->repeat;
	if ((p = malloc(*len + 1)) == NULL)
		abort();
	for (i = 0; i < e->repeat; i++)
		memcpy(p + i * e->n, e->s, e->n);
	p[*len] = '\0';
	return p;
}

/* More than one 64 KiB merge chunk: allow one token per chunk boundary. */
static int
close_enough(int64_t got, int64_t want, size_t len)
{
	int64_t	 slack = (int64_t)(len / 65536);

	return got >= want - slack && got <= want + slack;
}

static void
test_expected(void)
{
	const struct tok_expect	*e;
	size_t			 i, len;
	int64_t			 a, c;
	char			*p;

	for (i = 0; i < NEXP; i++) {
		e = &tok_expected[i];
		p = expand(e, &len);
		a = tok_count(TOK_O200K, p, len);
		c = tok_count(TOK_CL100K, p, len);
		if (len <= 65536) {
			T_OK(a == e->o200k, "o200k_base %s: %lld (want %lld)",
			    e->name, (long long)a, (long long)e->o200k);
			T_OK(c == e->cl100k, "cl100k_base %s: %lld (want %lld)",
			    e->name, (long long)c, (long long)e->cl100k);
		} else {
			T_OK(close_enough(a, e->o200k, len), "o200k_base %s: "
			    "%lld (want %lld)", e->name, (long long)a,
			    (long long)e->o200k);
			T_OK(close_enough(c, e->cl100k, len), "cl100k_base %s: "
			    "%lld (want %lld)", e->name, (long long)c,
			    (long long)e->cl100k);
		}
		free(p);
	}
}

/* Every single byte: ASCII is one token, any other byte one U+FFFD. */
static void
test_single_bytes(void)
{
	int64_t		 fffd[TOK_ENC__MAX];
	char		 b;
	int		 i, bad = 0;

	fffd[TOK_O200K] = tok_count(TOK_O200K, "\357\277\275", 3);
	fffd[TOK_CL100K] = tok_count(TOK_CL100K, "\357\277\275", 3);
	for (i = 0; i < 256; i++) {
		b = (char)i;
		if (tok_count(TOK_O200K, &b, 1) !=
		    (i < 0x80 ? 1 : fffd[TOK_O200K]) ||
		    tok_count(TOK_CL100K, &b, 1) !=
		    (i < 0x80 ? 1 : fffd[TOK_CL100K]))
			bad++;
	}
	T_OK(bad == 0, "each of the 256 single bytes counts like its "
	    "character (%d differ)", bad);
	T_OK(tok_count(TOK_O200K, "\377", 1) ==
	    tok_count(TOK_O200K, "\357\277\275", 3),
	    "an invalid byte counts as U+FFFD");
	T_OK(tok_count(TOK_O200K, "\377\377", 2) ==
	    tok_count(TOK_O200K, "\357\277\275\357\277\275", 6),
	    "two invalid bytes count as two U+FFFD");
}

static const struct est_case {
	const char	*name;
	const char	*s;
	size_t		 n;
	int64_t		 want;
} est_cases[] = {
	{ "empty", S(""), 0 },
	{ "1 ascii byte", S("a"), 1 },
	{ "4 ascii bytes", S("abcd"), 1 },
	{ "5 ascii bytes", S("abcde"), 2 },
	{ "8 ascii bytes", S("abcdefgh"), 2 },
	{ "NUL counts as ascii", "\0\0\0\0\0", 5, 2 },
	{ "2 CJK", S("\344\275\240\345\245\275"), 2 },
	{ "emoji is one lead byte", S("\360\237\230\200"), 1 },
	{ "mixed: 3 ascii + 1 CJK", S("abc\344\275\240"), 2 },
	{ "lone continuation bytes count nothing", S("\200\200\200"), 0 },
	{ "lead bytes without continuation count", S("\303\303"), 2 },
	{ "invalid FF counts as a lead", S("\377"), 1 },
	{ "100 spaces", S("                                                  "
	    "                                                  "), 25 },
};

static void
test_estimate(void)
{
	const struct est_case	*c;
	size_t			 i;

	for (i = 0; i < sizeof(est_cases) / sizeof(est_cases[0]); i++) {
		c = &est_cases[i];
		T_OK(tok_estimate(c->s, c->n) == c->want,
		    "heuristic %s: %lld (want %lld)", c->name,
		    (long long)tok_estimate(c->s, c->n), (long long)c->want);
		T_OK(tok_count(TOK_HEURISTIC, c->s, c->n) == c->want,
		    "tok_count(TOK_HEURISTIC) %s is the heuristic", c->name);
	}
	T_OK(tok_count(TOK_ENC__MAX, S("abcdefgh")) == 2,
	    "an out-of-range encoding falls back to the heuristic");
	T_OK(tok_count(TOK_O200K, "", 0) == 0 &&
	    tok_count(TOK_CL100K, "", 0) == 0, "empty text is 0 tokens");
	T_OK(tok_count(TOK_O200K, NULL, 0) == 0, "NULL with n 0 is 0");
}

static const struct model_case {
	const char	*model;
	enum tok_enc	 want;
} model_cases[] = {
	{ "gpt-4o", TOK_O200K },
	{ "gpt-4o-mini", TOK_O200K },
	{ "gpt-4o-2024-08-06", TOK_O200K },
	{ "chatgpt-4o-latest", TOK_O200K },
	{ "gpt-4.1", TOK_O200K },
	{ "gpt-4.1-nano", TOK_O200K },
	{ "gpt-4.5-preview", TOK_O200K },
	{ "gpt-5", TOK_O200K },
	{ "gpt-5.1", TOK_O200K },
	{ "o1", TOK_O200K },
	{ "o1-mini", TOK_O200K },
	{ "o3", TOK_O200K },
	{ "o3-mini-2025-01-31", TOK_O200K },
	{ "o4-mini", TOK_O200K },
	{ "gpt-image-1", TOK_O200K },
	{ "omni-moderation-latest", TOK_O200K },
	{ "gpt-oss-120b", TOK_O200K },
	{ "ft:gpt-4o-mini-2024-07-18:acme::abc123", TOK_O200K },
	{ "gpt-4", TOK_CL100K },
	{ "gpt-4-turbo", TOK_CL100K },
	{ "gpt-4-0613", TOK_CL100K },
	{ "gpt-3.5-turbo", TOK_CL100K },
	{ "gpt-35-turbo", TOK_CL100K },
	{ "text-embedding-3-small", TOK_CL100K },
	{ "text-embedding-3-large", TOK_CL100K },
	{ "text-embedding-ada-002", TOK_CL100K },
	{ "ft:gpt-3.5-turbo:acme::x", TOK_CL100K },
	/* must not match */
	{ NULL, TOK_HEURISTIC },
	{ "", TOK_HEURISTIC },
	{ "gpt", TOK_HEURISTIC },
	{ "gpt-", TOK_HEURISTIC },
	{ "gpt-4ox", TOK_HEURISTIC },
	{ "gpt-40", TOK_HEURISTIC },
	{ "GPT-4O", TOK_HEURISTIC },
	{ " gpt-4o", TOK_HEURISTIC },
	{ "o10", TOK_HEURISTIC },
	{ "o4", TOK_HEURISTIC },
	{ "o", TOK_HEURISTIC },
	{ "text-embedding-3", TOK_CL100K },
	{ "text-embedding-30", TOK_HEURISTIC },
	{ "text-embedding-ada-0021", TOK_HEURISTIC },
	{ "text-moderation-latest", TOK_HEURISTIC },
	{ "dall-e-3", TOK_HEURISTIC },
	{ "whisper-1", TOK_HEURISTIC },
	{ "tts-1", TOK_HEURISTIC },
	{ "claude-3-5-sonnet-20241022", TOK_HEURISTIC },
	{ "gemini-2.0-flash", TOK_HEURISTIC },
	{ "command-r-plus", TOK_HEURISTIC },
	{ "llama-3.1-70b", TOK_HEURISTIC },
	{ "openai/gpt-4o", TOK_HEURISTIC },
	{ "ft:", TOK_HEURISTIC },
	{ "ft:ft:gpt-4o", TOK_HEURISTIC },
	{ "my-gpt-4o", TOK_HEURISTIC },
};

static void
test_models(void)
{
	const struct model_case	*c;
	const struct tok_expect	*e;
	size_t			 i;

	for (i = 0; i < sizeof(model_cases) / sizeof(model_cases[0]); i++) {
		c = &model_cases[i];
		T_OK(tok_encoding_for_model(c->model) == c->want,
		    "model %s -> %s", c->model != NULL ? c->model : "(null)",
		    tok_enc_names[c->want]);
	}
	e = &tok_expected[0];	/* the quick brown fox: 44 bytes */
	T_OK(tok_count_model("gpt-4o", e->s, e->n) == e->o200k &&
	    tok_count_model("claude-3-haiku", e->s, e->n) == 11,
	    "tok_count_model: exact for gpt-4o (%lld), heuristic for "
	    "claude (11)", (long long)e->o200k);
	for (i = 0; i < NEXP; i++)
		if (tok_expected[i].o200k != tok_expected[i].cl100k &&
		    tok_expected[i].repeat == 1)
			break;
	e = &tok_expected[i];
	T_OK(i < NEXP && tok_count_model("gpt-4", e->s, e->n) == e->cl100k &&
	    tok_count_model("gpt-4o", e->s, e->n) == e->o200k,
	    "tok_count_model: gpt-4 and gpt-4o differ on %s", e->name);
	T_OK(tok_count_model(NULL, S("    x")) == 2,
	    "tok_count_model: no model is the heuristic");
}

struct thr {
	int64_t	 got[2];
};

static void *
thr_main(void *arg)
{
	struct thr	*t = arg;
	const struct tok_expect *e = &tok_expected[2];

	t->got[0] = tok_count(TOK_O200K, e->s, e->n);
	t->got[1] = tok_count(TOK_CL100K, e->s, e->n);
	return NULL;
}

/* First use from 8 threads at once: pthread_once, then shared tables. */
static void
test_threads(void)
{
	pthread_t	 th[8];
	struct thr	 t[8];
	int		 i, ok = 1;

	for (i = 0; i < 8; i++)
		if (pthread_create(&th[i], NULL, thr_main, &t[i]) != 0)
			abort();
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		if (t[i].got[0] != tok_expected[2].o200k ||
		    t[i].got[1] != tok_expected[2].cl100k)
			ok = 0;
	}
	T_OK(ok, "8 threads counting at first use agree with the truth");
	T_OK(tok_ready() == 1, "the generated tables are linked and valid");
}

static double
ms_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 100 KB of text; a quadratic merge would take seconds on the run. */
static void
test_speed(void)
{
	static const char en[] = "The quick brown fox jumps over the lazy "
	    "dog. It's a well-known pangram, isn't it? We've used it 1234 "
	    "times since 1999.\n";
	size_t		 n = 100 * 1024, i;
	char		*p;
	double		 t0, t1, t2;
	int64_t		 a, b;

	if ((p = malloc(n)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		p[i] = en[i % (sizeof(en) - 1)];
	t0 = ms_now();
	a = tok_count(TOK_O200K, p, n);
	t1 = ms_now();
	memset(p, 'a', n);
	b = tok_count(TOK_O200K, p, n);
	t2 = ms_now();
	printf("# 100 KB English: %lld tokens in %.2f ms; 100 KB of 'a' "
	    "(one piece): %lld tokens in %.2f ms\n", (long long)a, t1 - t0,
	    (long long)b, t2 - t1);
	T_OK(a > 20000 && a < 35000, "100 KB English is about 27k tokens");
	T_OK(t1 - t0 < 500, "100 KB English counted in under 500 ms");
	T_OK(t2 - t1 < 2000, "one 100 KB piece counted in under 2 s");
	free(p);
}

int
main(void)
{
	test_threads();
	test_expected();
	test_single_bytes();
	test_estimate();
	test_models();
	test_speed();
	return t_done();
}
