/*
 * tokens.h: token counting.  Used for quota holds, TPM estimates and for
 * billing when an upstream sends no usage (client disconnects, broken
 * streams).  OpenAI models are counted exactly with their BPE vocabulary
 * (o200k_base or cl100k_base, tables generated at build time by
 * tools/tokens/); every other model gets the documented heuristic.
 * docs/billing.md describes both, and how invalid UTF-8 is counted.
 */
#ifndef NX_TOKENS_H
#define NX_TOKENS_H

#include <stddef.h>
#include <stdint.h>

/* How a model's text is counted; tok_enc_names[] sits next to it. */
enum tok_enc {
	TOK_HEURISTIC,		/* tok_estimate() */
	TOK_O200K,		/* o200k_base: gpt-4o, gpt-4.1, o-series, ... */
	TOK_CL100K,		/* cl100k_base: gpt-4, gpt-3.5, embeddings */
	TOK_ENC__MAX
};
extern const char *const tok_enc_names[TOK_ENC__MAX];

/*
 * Heuristic tokens of UTF-8 text s[0..n): one per 4 ASCII bytes (rounded
 * up) plus one per non-ASCII UTF-8 lead byte; 0 only for n == 0.
 */
int64_t		 tok_estimate(const char *s, size_t n);
/* Unicode code points of UTF-8 s: the bytes that do not continue one. */
size_t		 tok_chars(const char *s);
/* tok_estimate of a NUL-terminated s; 0 for NULL. */
int64_t		 tok_estimate_str(const char *s);
struct cJSON;
/* tok_estimate of string member k of o; 0 when o has no such string. */
int64_t		 tok_estimate_member(const struct cJSON *o, const char *k);
/* tok_estimate of v printed as compact JSON; 0 for NULL or on failure. */
int64_t		 tok_estimate_json(const struct cJSON *v);

/*
 * Tokens of s[0..n) in encoding enc: exactly what OpenAI's tokenizer gives
 * for the text (special-token names like <|endoftext|> count as plain
 * text; a single split piece over 64 KiB may be off by one token per
 * 64 KiB).  Invalid UTF-8 is first replaced the WHATWG way (each maximal
 * ill-formed subsequence becomes U+FFFD), as a JSON client would.  Falls
 * back to tok_estimate() for TOK_HEURISTIC, an unknown enc or when the
 * tables are unusable.  Needs no lock: the tables are read-only data
 * linked into the binary.  Allocates (and frees before returning) 3n
 * bytes for a repaired copy of invalid UTF-8, and about 36 bytes per
 * byte of a split piece longer than 128 bytes, merged at most 64 KiB at
 * a time; out of memory, that part is counted by the heuristic.  0 only
 * for n == 0.
 */
int64_t		 tok_count(enum tok_enc enc, const char *s, size_t n);

/*
 * The encoding of an OpenAI model id (a fine-tune "ft:<base>:..." counts
 * as its base); TOK_HEURISTIC for NULL, other vendors and unknown ids.
 */
enum tok_enc	 tok_encoding_for_model(const char *model);

/* tok_count(tok_encoding_for_model(model), s, n). */
int64_t		 tok_count_model(const char *model, const char *s, size_t n);

/* 1 when the generated tables are linked and pass their checks, else 0. */
int		 tok_ready(void);

#endif
