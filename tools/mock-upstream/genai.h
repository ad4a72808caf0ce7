/*
 * genai.h: the deterministic answer shared by the mock's Anthropic
 * (anthropic.c, anthropic_msg.c) and Gemini (gemini.c, gemini_gen.c)
 * providers.
 *
 * A struct gen is what the "model" says, independent of wire format:
 * nthink thinking words "t1".."tT", a text made of tokens (the words of
 * a lead such as "Result: <tool output>", then "w1".."wK", each token
 * after the first with a leading space), cut by max tokens or a stop
 * sequence, and zero or more tool calls whose JSON arguments are built
 * from the tool's parameter schema and split into pieces for streaming.
 * Output tokens are nthink + ntext + the pieces of every call
 * (README.md).  The struct owns its buffers; names point into the
 * request document, which must outlive it.
 */
#ifndef MOCK_GENAI_H
#define MOCK_GENAI_H

#include "mock.h"

enum gen_stop {
	GEN_END = 0,		/* natural end */
	GEN_MAX_TOKENS,		/* cut by the output budget */
	GEN_STOP_SEQ,		/* cut before a stop sequence */
	GEN_TOOL,		/* ends with tool calls */
	GEN_REFUSAL		/* the block control */
};

struct gen_call {
	const char	*name;		/* borrowed */
	char		*args;		/* compact JSON, owned */
	size_t		*frag;		/* end of each piece */
	size_t		 nfrag;
	char		 id[48];
};

struct gen {
	long		 nthink;	/* thinking words */
	struct mbuf	 text;		/* the whole text */
	size_t		*tokend;	/* end of each token in text */
	long		 ntext;
	long		 tokcap;
	struct gen_call	*calls;
	long		 ncalls;
	enum gen_stop	 stop;
	const char	*stopseq;	/* the stop sequence hit, borrowed */
};

/* Words: runs of bytes other than ASCII whitespace (README.md rule). */
long	 gen_words(const char *s);

/*
 * Builds the text: the words of lead (may be NULL), then "w1".."wK".
 * Before each token: after emit_stop tokens (when > 0 and nstops > 0)
 * the first stop sequence is "generated" and the text stops there;
 * after budget tokens it stops with GEN_MAX_TOKENS when tokens remain;
 * a token whose addition would make the text contain a stop sequence
 * is not added (GEN_STOP_SEQ, stopseq set).  Returns 0, or -1 on
 * allocation failure.
 */
int	 gen_text(struct gen *, const char *lead, long k, long budget,
	    const char *const *stops, size_t nstops, long emit_stop);
/*
 * Sets the text to s split into min(max(pieces, 1), length) tokens of
 * near-equal size (a JSON answer streamed in pieces).  Returns 0 or -1.
 */
int	 gen_text_pieces(struct gen *, const char *s, long pieces);
/* Token i of the text: *len bytes at the returned pointer. */
const char *gen_token(const struct gen *, long i, size_t *len);
/* Thinking word i (0-based): "t1", " t2", ... into buf. */
void	 gen_think_token(long i, char *buf, size_t sz);
/*
 * Appends a call of name with arguments sampled from schema (a JSON
 * schema or Gemini Schema object; its properties, in order) split into
 * min(max(pieces, 1), length) pieces.  id is copied.  Returns 0 or -1.
 */
int	 gen_call_add(struct gen *, const char *name, const cJSON *schema,
	    long pieces, const char *id);
/* Sampled JSON for a schema: first enum value, else by type. */
cJSON	*gen_sample(const cJSON *schema);
/* Piece i of call c (pointer, *len). */
const char *gen_piece(const struct gen_call *, size_t i, size_t *len);
/* nthink + ntext + the pieces of every call. */
long	 gen_output_tokens(const struct gen *);
void	 gen_init(struct gen *);
/* Frees what g owns (not g itself). */
void	 gen_free(struct gen *);

/*
 * Applies a "[mock name=value ...]" prefix of text to ctl (values
 * checked as for headers; they override headers).  *keep receives the
 * buffer the body control points into (free it after replying; a
 * previous *keep is freed first).  Returns 1 when text had a prefix.
 */
int	 gen_prefix_ctl(struct mock_ctl *, const char *text, char **keep);
/* "mock:name=value,..." (a user id string), same contract. */
int	 gen_user_ctl(struct mock_ctl *, const char *text, char **keep);

#endif
