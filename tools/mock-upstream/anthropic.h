/*
 * anthropic.h: the Anthropic provider of the mock upstream, shared by
 * anthropic.c (routes, auth, errors, controls, the plan of the answer),
 * anthropic_check.c (request validation and the input-token count) and
 * anthropic_msg.c (the Message and its event stream).
 *
 * struct ant_chk is the request being validated; it borrows from the
 * parsed body.  struct ant_msg is the answer to render: it owns the body
 * (doc) and the generated answer, and for a stream belongs to the stream
 * engine, which frees it with ant_msg_free.
 */
#ifndef MOCK_ANTHROPIC_H
#define MOCK_ANTHROPIC_H

#include "genai.h"

enum ant_choice { AC_AUTO = 0, AC_ANY, AC_TOOL, AC_NONE };

/* The validated request, beyond what struct ant_msg keeps. */
struct ant_chk {
	const cJSON	*doc;
	int		 count;		/* a count_tokens body */
	const char	*model;
	long		 max_tokens;
	int		 stream;
	int		 thinking;
	long		 budget;	/* thinking budget_tokens */
	const cJSON	*tools;
	const cJSON	*forced;	/* tool_choice {type: tool} */
	enum ant_choice	 choice;
	int		 no_parallel;
	const char	*stops[64];
	size_t		 nstops;
	long		 input_tokens;
	int		 last_result;	/* last turn has tool_result */
	struct mbuf	 lead;		/* "Result: ..." of it */
	char		 msg[512];
};

/*
 * Validates k->doc (a Messages body, or a count_tokens body when
 * k->count) and fills k: model, limits, tools, the tool choice, the
 * stop sequences, the input-token count and the "Result: ..." lead of
 * a last turn holding tool results.  Returns 0, or -1 with the 400
 * message in k->msg.  k->lead must be initialised by the caller, who
 * frees it.
 */
int	 ant_check(struct ant_chk *);
/* The last system or message text starting "[mock", or NULL. */
const char *ant_prefix_text(const cJSON *doc);

/* The answer to render (anthropic_msg.c). */
struct ant_msg {
	cJSON		*doc;		/* request body, owned */
	const char	*model;
	struct gen	 g;
	int		 thinking;	/* thinking block present */
	int		 usage;		/* report usage */
	long		 input_tokens;
	long		 cache_read;
	long		 cache_write;
	char		 id[48];	/* msg_mock... */
	char		 reqid[48];
	/* stream position */
	int		 phase;
	long		 block;
	long		 step;
	int		 pinged;
};

/* The Message object; NULL on allocation failure. */
cJSON	*ant_msg_body(struct ant_msg *);
/* Frees m and what it owns; m may be NULL. */
void	 ant_msg_free(struct ant_msg *);
/* Stream generator; arg is the struct ant_msg. */
extern const struct sse_ops ant_msg_sse;

#endif
