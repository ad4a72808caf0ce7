/*
 * test_billing.c: the price formula (DESIGN.md 5) and exact decimal
 * parsing of multipliers.  Each row is worked by hand in its comment.
 */
#include <stdint.h>
#include <string.h>

#include "billing.h"
#include "db.h"
#include "t.h"

struct tok_case {
	const char	*name;
	int		 basis;
	int64_t		 in_u, out_u, cache_u, base, ratio_u;
	int64_t		 prompt, cached, completion;
	int64_t		 want;
	int64_t		 cw_u, written;	/* cache writes; 0 in most rows */
};

static const struct tok_case tok_cases[] = {
	/* (1000*5 + 500*15) * 75000 / 1e6 = 937.5 -> 938 */
	{ "gpt-4o 1000/500", BASIS_TOKENS, 5000000, 15000000, 2500000,
	    75000, 1000000, 1000, 0, 500, 938, 0, 0 },
	/* 1 token at 1x: 0.075 -> rounds up to 1 */
	{ "one token rounds up", BASIS_TOKENS, 1000000, 1000000, 500000,
	    75000, 1000000, 1, 0, 0, 1, 0, 0 },
	/* nothing used costs nothing */
	{ "zero usage", BASIS_TOKENS, 1000000, 1000000, 500000, 75000,
	    1000000, 0, 0, 0, 0, 0, 0 },
	/* negative counts are treated as zero */
	{ "negative usage", BASIS_TOKENS, 1000000, 1000000, 0, 75000, 1000000,
	    -5, 0, -7, 0, 0, 0 },
	/* group ratio 0.5: 938 * 0.5 = 468.75 -> 469 */
	{ "ratio half", BASIS_TOKENS, 5000000, 15000000, 2500000, 75000,
	    500000, 1000, 0, 500, 469, 0, 0 },
	/* cached 400 of 1000: (600*5 + 400*2.5 + 500*15)*0.075 = 862.5 */
	{ "cached tokens", BASIS_TOKENS, 5000000, 15000000, 2500000, 75000,
	    1000000, 1000, 400, 500, 863, 0, 0 },
	/* cached > prompt is clamped to prompt: (1000*2.5)*0.075 = 187.5 */
	{ "cached clamp", BASIS_TOKENS, 5000000, 15000000, 2500000, 75000,
	    1000000, 1000, 5000, 0, 188, 0, 0 },
	/* input-token basis ignores completion: 1000*0.13/0.15... 1000*0.866667*0.075 */
	{ "input basis", BASIS_INPUT_TOKENS, 866667, 0, 0, 75000, 1000000,
	    1000, 0, 999999, 66, 0, 0 },
	/* exact 1M base tokens = base_price */
	{ "one million base", BASIS_TOKENS, 1000000, 1000000, 0, 75000,
	    1000000, 1000000, 0, 0, 75000, 0, 0 },
	/* base price 0 means free */
	{ "base zero", BASIS_TOKENS, 1000000, 1000000, 0, 0, 1000000, 10, 0,
	    10, 0, 0, 0 },
	/* absurd numbers saturate rather than wrap */
	{ "saturates", BASIS_TOKENS, INT64_MAX, INT64_MAX, 0, INT64_MAX,
	    INT64_MAX, INT64_MAX, 0, INT64_MAX, INT64_MAX, 0, 0 },
	/* claude-opus-4 15/75: (2000*15 + 1000*75)*0.075 = 7875 */
	{ "opus", BASIS_TOKENS, 15000000, 75000000, 1500000, 75000, 1000000,
	    2000, 0, 1000, 7875, 0, 0 },
	/* sonnet 6/30, cache read 0.6, write 7.5; 1000 = 500 + 200 read +
	 * 300 written: (500*6 + 200*0.6 + 300*7.5 + 100*30)*0.075 = 627.75 */
	{ "cache write priced", BASIS_TOKENS, 6000000, 30000000, 600000,
	    75000, 1000000, 1000, 200, 100, 628, 7500000, 300 },
	/* no cache-write price: the 300 at input 6 -> 7920*0.075 = 594 */
	{ "cache write at input", BASIS_TOKENS, 6000000, 30000000, 600000,
	    75000, 1000000, 1000, 200, 100, 594, 0, 300 },
	/* written > what reads left is cut to 200: (800*0.6 + 200*7.5)*0.075
	 * = 148.5 */
	{ "cache write clamp", BASIS_TOKENS, 6000000, 30000000, 600000,
	    75000, 1000000, 1000, 800, 0, 149, 7500000, 500 },
	/* a write price on an input-token basis: 10 written of 10 at 2x:
	 * 20*0.075 = 1.5 */
	{ "cache write input basis", BASIS_INPUT_TOKENS, 1000000, 0, 0,
	    75000, 1000000, 10, 0, 7, 2, 2000000, 10 },
};

struct micro_case {
	const char	*in;
	int		 ok;
	int64_t		 want;
};

static const struct micro_case micro_cases[] = {
	{ "1", 1, 1000000 }, { "2.5", 1, 2500000 }, { "0.075", 1, 75000 },
	{ "15", 1, 15000000 }, { "0.000001", 1, 1 }, { "0", 1, 0 },
	{ "", 0, 0 }, { ".", 0, 0 }, { "1.", 0, 0 }, { "-1", 0, 0 },
	{ "+1", 0, 0 }, { "1.0000001", 0, 0 }, { "1e3", 0, 0 },
	{ " 1", 0, 0 }, { "1 ", 0, 0 }, { "0x10", 0, 0 }, { "1,5", 0, 0 },
	{ "99999999999999999999", 0, 0 }, { "abc", 0, 0 }, { "1..2", 0, 0 },
	{ NULL, 0, 0 },
};

int
main(void)
{
	struct price	 p;
	struct usage	 u;
	int64_t		 got, v;
	size_t		 i;
	char		 out[32];

	for (i = 0; i < sizeof(tok_cases) / sizeof(tok_cases[0]); i++) {
		const struct tok_case *c = &tok_cases[i];

		memset(&p, 0, sizeof(p));
		p.basis = c->basis;
		p.input_u = c->in_u;
		p.output_u = c->out_u;
		p.cache_u = c->cache_u;
		p.cache_write_u = c->cw_u;
		memset(&u, 0, sizeof(u));
		u.prompt = c->prompt;
		u.cached = c->cached;
		u.cache_write = c->written;
		u.completion = c->completion;
		got = bill_tokens(&p, c->base, c->ratio_u, &u);
		T_OK(got == c->want, "bill_tokens %s: %lld (want %lld)",
		    c->name, (long long)got, (long long)c->want);
	}

	memset(&p, 0, sizeof(p));
	p.basis = BASIS_SECOND;
	p.unit_u = 50000000;	/* whisper: 50 quota per second */
	T_OK(bill_units(&p, 1000000, 61) == 3050, "bill_units 61 s");
	T_OK(bill_units(&p, 1000000, 0) == 0, "bill_units zero units");
	T_OK(bill_units(&p, 1000000, -3) == 0, "bill_units negative units");
	p.unit_u = 7500;	/* tts: 0.0075 quota per char */
	T_OK(bill_units(&p, 1000000, 1001) == 8, "bill_units rounds up");
	T_OK(bill_units(&p, 0, 1001) == 0, "bill_units ratio 0");

	for (i = 0; micro_cases[i].in != NULL; i++) {
		const struct micro_case *c = &micro_cases[i];
		int rc = bill_parse_micro(c->in, &v);

		T_OK(c->ok ? (rc == 0 && v == c->want) : rc == -1,
		    "bill_parse_micro '%s' %s", c->in, c->ok ? "ok" : "rejected");
	}
	T_OK(bill_parse_micro(NULL, &v) == -1, "bill_parse_micro NULL");
	bill_format_micro(2500000, out, sizeof(out));
	T_OK(strcmp(out, "2.5") == 0, "format 2.5: %s", out);
	bill_format_micro(75000, out, sizeof(out));
	T_OK(strcmp(out, "0.075") == 0, "format 0.075: %s", out);
	bill_format_micro(15000000, out, sizeof(out));
	T_OK(strcmp(out, "15") == 0, "format 15: %s", out);
	return t_done();
}
