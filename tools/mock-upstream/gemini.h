/*
 * gemini.h: the Gemini provider of the mock upstream, shared by gemini.c
 * (routes, auth, errors, controls, models, embeddings, the plan of the
 * answer), gemini_check.c (request validation and the prompt-token
 * count) and gemini_gen.c (GenerateContentResponse, whole or streamed).
 *
 * struct gm_chk is the request being validated; it borrows from the
 * parsed body.  struct gm_gen is the answer to render: it owns the body
 * (doc) and the generated answer, and for a stream belongs to the
 * stream engine, which frees it with gm_gen_free.  Member names of the
 * protocol-buffer JSON may be camelCase or snake_case: gget() finds
 * either.
 */
#ifndef MOCK_GEMINI_H
#define MOCK_GEMINI_H

#include "genai.h"

enum gm_mode { GM_AUTO = 0, GM_ANY, GM_NONE };

struct gm_chk {
	const cJSON	*doc;		/* the GenerateContentRequest */
	const char	*where;		/* "GenerateContentRequest" */
	const char	*stops[16];
	size_t		 nstops;
	long		 max_out;
	long		 ncand;
	int		 thinking;
	long		 think_budget;	/* -1: dynamic */
	int		 thoughts;	/* includeThoughts */
	int		 json;
	const cJSON	*schema;	/* response(Json)Schema */
	enum gm_mode	 mode;
	const cJSON	*allowed;	/* allowedFunctionNames */
	const cJSON	*decls[64];	/* function declarations */
	size_t		 ndecls;
	long		 prompt_tokens;
	int		 last_response;	/* last turn answers calls */
	struct mbuf	 lead;
	char		 msg[512];
};

/* Resets k to check doc; where names the request in messages. */
void	 gm_chk_init(struct gm_chk *, const cJSON *doc, const char *where);
/*
 * Validates k->doc as a GenerateContentRequest and fills k (limits,
 * stop sequences, thinking, JSON mode, function declarations and mode,
 * the prompt-token count, the "Result: ..." lead of a last turn holding
 * function responses).  Returns 0, or -1 with the 400 message in k->msg.
 */
int	 gm_check(struct gm_chk *);
/* Only the contents of k->doc (countTokens without a full request). */
int	 gm_contents(struct gm_chk *);
/*
 * Checks one EmbedContentRequest r (at: its path, "" for the body) for
 * model, whose vectors have at most max values; *dims gets the size to
 * answer.  0, or -1 with k->msg.
 */
int	 gm_embed_check(struct gm_chk *, const cJSON *r, const char *at,
	    const char *model, long max, long *dims);
/* Refuses members of o not in names ("Unknown name ..."); 0 or -1. */
int	 gm_only(struct gm_chk *, const cJSON *o, const char *at,
	    const char *const *names);
/* Sets k->msg; returns -1. */
int	 gm_verr(struct gm_chk *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Member camel (or its snake_case spelling) of o, or NULL. */
const cJSON *gget(const cJSON *o, const char *camel);
/* The last text part starting "[mock" of a request, or NULL. */
const char *gm_prefix_text(const cJSON *doc);
const char *gm_embed_prefix(const cJSON *doc);

/* The answer to render (gemini_gen.c). */
struct gm_gen {
	cJSON		*doc;		/* request body, owned */
	char		 model[128];	/* from the URL */
	struct gen	 g;
	long		 ncand;		/* candidateCount */
	int		 thoughts;	/* includeThoughts */
	long		 thought_tokens;/* thoughtsTokenCount, 0: absent */
	int		 json;		/* application/json answer */
	int		 usage;
	int		 block;		/* 1: prompt, 2: answer */
	int		 array;		/* stream a JSON array */
	long		 prompt_tokens;	/* counted, cache excluded */
	long		 cache_read;
	char		 id[48];	/* responseId */
	/* stream position */
	int		 phase;
	long		 step;
	int		 started;	/* first chunk sent */
};

/* The GenerateContentResponse; NULL on allocation failure. */
cJSON	*gm_gen_body(struct gm_gen *);
/* Frees g and what it owns; g may be NULL. */
void	 gm_gen_free(struct gm_gen *);
/* Stream generator (SSE or JSON array); arg is the struct gm_gen. */
extern const struct sse_ops gm_gen_sse;
/* Google's error object {"error":{code,message,status}}. */
cJSON	*gm_error_doc(unsigned int status, const char *msg);

/* Veo long-running operations (gemini_veo.c). */
/* POST /v1beta/models/{model}:predictLongRunning */
enum MHD_Result gm_veo_create(struct mock_req *, const char *model);
/* GET /v1beta/models/{rest}, rest = "{m}/operations/{id}" */
enum MHD_Result gm_veo_op(struct mock_req *, const char *rest);
/* GET /v1beta/files/{id}:download */
enum MHD_Result gm_veo_file(struct mock_req *);

#endif
