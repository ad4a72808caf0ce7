/*
 * responses.h: the validated form of a POST /v1/responses request and
 * its validator, shared by responses.c (the endpoint) and
 * responses_check.c, and exposed for tests/unit/test_responses.c.
 */
#ifndef NX_HANDLERS_RESPONSES_H
#define NX_HANDLERS_RESPONSES_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

struct rs_req {
	const char	*model;		/* points into the tree */
	int		 stream;
	int64_t		 max_output;	/* max_output_tokens, 0: not given */
	int64_t		 est_prompt;	/* estimated input tokens */
	int		 native_only;	/* cannot be converted to chat */
	char		 why_param[64];	/* ... because of this field */
	char		 why[320];
};

/*
 * Validates a CreateResponse body (openai-openapi.yaml) as far as the
 * gateway must understand it: model, input and its items, instructions,
 * max_output_tokens (16..10000000), stream and stream_options,
 * temperature, top_p, tools, tool_choice, text.format, metadata,
 * reasoning and the boolean switches; everything else passes through.
 * Fills q, including whether only a channel with the Responses API can
 * serve it.  Returns 0, or -1 with param (the field, e.g.
 * "input[1].content[0].text") and msg set for the 400.
 */
int	 h_responses_check(const struct cJSON *o, struct rs_req *q,
	    char *param, size_t paramsz, char *msg, size_t msgsz);

#endif
