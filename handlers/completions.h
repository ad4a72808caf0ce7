/*
 * completions.h: the validated form of a POST /v1/completions request
 * (legacy text completions) and its validator, exposed for
 * tests/unit/test_responses.c.
 */
#ifndef NX_HANDLERS_COMPLETIONS_H
#define NX_HANDLERS_COMPLETIONS_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

struct cmp_req {
	const char	*model;		/* points into the tree */
	int		 stream;
	int		 include_usage;	/* stream_options.include_usage */
	int64_t		 n;		/* completions per prompt */
	int64_t		 best_of;	/* candidates per prompt, >= n */
	int64_t		 max_tokens;	/* 16 when not given (the default) */
	int64_t		 nprompts;	/* prompts in `prompt` */
	int64_t		 est_prompt;	/* estimated prompt tokens */
};

/*
 * Validates a CreateCompletionRequest (openai-openapi.yaml): model;
 * prompt as a string, strings, tokens or token arrays; max_tokens,
 * n (1..128), best_of (0..20, >= n, not with stream), logprobs (0..5),
 * echo, suffix, stop (a string or 1..4 strings), stream and
 * stream_options, temperature, top_p and the penalties.  Every other
 * field passes through.  Returns 0, or -1 with param and msg set.
 */
int	 h_completions_check(const struct cJSON *o, struct cmp_req *q,
	    char *param, size_t paramsz, char *msg, size_t msgsz);

#endif
