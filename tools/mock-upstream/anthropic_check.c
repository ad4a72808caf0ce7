/*
 * anthropic_check.c: validation of Anthropic Messages requests for the
 * mock upstream (anthropic.c), as strict as the API where it matters to
 * a gateway: unknown members are "Extra inputs are not permitted",
 * content blocks are checked per type, tool_use and tool_result must
 * pair across turns, thinking has its budget and temperature rules.
 * Messages name the field the way the API does ("messages.0.content.1:
 * ...").  While checking it counts the input tokens: 3 per message plus
 * the words of its text (string content, text blocks, tool_result
 * content), and 3 plus the words of the system prompt when there is one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anthropic.h"

#define ANT_NAME_MAX	128

static int
verr(struct ant_chk *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
verr(struct ant_chk *k, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(k->msg, sizeof(k->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static const cJSON *
get(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* v when it is an array, else NULL (for cJSON_ArrayForEach). */
static const cJSON *
arr(const cJSON *v)
{
	return cJSON_IsArray(v) ? v : NULL;
}

static int
is_int(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= -1e15 &&
	    v->valuedouble <= 1e15 &&
	    v->valuedouble == (double)(long)v->valuedouble;
}

/* The pydantic word for what a field should be. */
static int
want(struct ant_chk *k, const char *path, const char *what)
{
	return verr(k, "%s: Input should be a valid %s", path, what);
}

/* Refuses members of o not in names (NULL-terminated). */
static int
only(struct ant_chk *k, const cJSON *o, const char *path,
    const char *const *names)
{
	const cJSON	*it;
	size_t		 i;

	cJSON_ArrayForEach(it, o) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(it->string, names[i]) == 0)
				break;
		if (names[i] == NULL)
			return verr(k, "%s%s%s: Extra inputs are not permitted",
			    path, path[0] != '\0' ? "." : "", it->string);
	}
	return 0;
}

/* Requires the string members in names. */
static int
need_str(struct ant_chk *k, const cJSON *o, const char *path,
    const char *const *names)
{
	const cJSON	*v;
	char		 p[160];
	size_t		 i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s.%s", path, names[i]);
		if ((v = get(o, names[i])) == NULL)
			return verr(k, "%s: Field required", p);
		if (!cJSON_IsString(v))
			return want(k, p, "string");
	}
	return 0;
}

/* A block source: base64, url, file (image), text/content (document). */
static int
ant_source(struct ant_chk *k, const cJSON *b, const char *path, int doc)
{
	static const char *const media[] = { "image/jpeg", "image/png",
	    "image/gif", "image/webp", NULL };
	const cJSON	*src = get(b, "source"), *t, *mt;
	char		 p[160];
	size_t		 i;

	snprintf(p, sizeof(p), "%s.source", path);
	if (src == NULL)
		return verr(k, "%s: Field required", p);
	if (!cJSON_IsObject(src))
		return want(k, p, "dictionary or object");
	t = get(src, "type");
	if (!cJSON_IsString(t))
		return verr(k, "%s.type: Field required", p);
	if (strcmp(t->valuestring, "base64") == 0) {
		if (need_str(k, src, p, (const char *const[]){ "media_type",
		    "data", NULL }) == -1)
			return -1;
		mt = get(src, "media_type");
		for (i = 0; !doc && media[i] != NULL; i++)
			if (strcmp(mt->valuestring, media[i]) == 0)
				break;
		if (!doc && media[i] == NULL)
			return verr(k, "%s.media_type: Input should be "
			    "'image/jpeg', 'image/png', 'image/gif' or "
			    "'image/webp'", p);
		return 0;
	}
	if (strcmp(t->valuestring, "url") == 0)
		return need_str(k, src, p, (const char *const[]){ "url",
		    NULL });
	if (strcmp(t->valuestring, "file") == 0)
		return need_str(k, src, p, (const char *const[]){ "file_id",
		    NULL });
	if (doc && (strcmp(t->valuestring, "text") == 0 ||
	    strcmp(t->valuestring, "content") == 0))
		return 0;
	return verr(k, "%s: Input tag '%.40s' found using 'type' does not "
	    "match any of the expected tags: 'base64', 'url', 'file'%s", p,
	    t->valuestring, doc ? ", 'text', 'content'" : "");
}

/* One block type: its members beyond "type" and the required ones. */
struct ant_btype {
	const char	*type;
	const char	*keys[7];
	const char	*strs[3];	/* required strings */
};

static const struct ant_btype ant_btypes[] = {
	{ "text", { "text", "cache_control", "citations" }, { "text" } },
	{ "image", { "source", "cache_control" }, { NULL } },
	{ "document", { "source", "cache_control", "citations", "context",
	    "title" }, { NULL } },
	{ "search_result", { "source", "title", "content", "cache_control",
	    "citations" }, { "source", "title" } },
	{ "thinking", { "thinking", "signature" }, { "thinking",
	    "signature" } },
	{ "redacted_thinking", { "data" }, { "data" } },
	{ "tool_use", { "id", "name", "input", "cache_control", "caller" },
	    { "id", "name" } },
	{ "tool_result", { "tool_use_id", "content", "is_error",
	    "cache_control" }, { "tool_use_id" } },
	{ "server_tool_use", { "id", "name", "input", "cache_control" },
	    { "id", "name" } },
	{ "web_search_tool_result", { "tool_use_id", "content",
	    "cache_control" }, { "tool_use_id" } },
	{ NULL, { NULL }, { NULL } }
};

static int ant_block(struct ant_chk *, const cJSON *, const char *, int,
    long *);

/* tool_result content: a string or blocks (text, image, document...). */
static int
ant_result_content(struct ant_chk *k, const cJSON *c, const char *path,
    long *words)
{
	const cJSON	*b;
	char		 p[160];
	int		 i = 0;

	if (c == NULL || cJSON_IsString(c)) {
		*words += c != NULL ? gen_words(c->valuestring) : 0;
		return 0;
	}
	if (!cJSON_IsArray(c))
		return want(k, path, "list");
	cJSON_ArrayForEach(b, c) {
		snprintf(p, sizeof(p), "%.140s.%d", path, i++);
		if (ant_block(k, b, p, 1, words) == -1)
			return -1;
	}
	return 0;
}

/*
 * Checks one content block at path and adds its words (text, and the
 * content of a tool_result) to *words.  nested: inside a tool_result,
 * where only text, image, document and search_result may appear.
 */
static int
ant_block(struct ant_chk *k, const cJSON *b, const char *path, int nested,
    long *words)
{
	const struct ant_btype	*bt;
	const cJSON		*t, *v;
	const char		*keys[9];
	char			 p[160];
	size_t			 i;

	if (!cJSON_IsObject(b))
		return want(k, path, "dictionary or object");
	if ((t = get(b, "type")) == NULL)
		return verr(k, "%s.type: Field required", path);
	for (bt = ant_btypes; cJSON_IsString(t) && bt->type != NULL; bt++)
		if (strcmp(t->valuestring, bt->type) == 0)
			break;
	if (!cJSON_IsString(t) || bt->type == NULL || (nested &&
	    strcmp(bt->type, "text") != 0 && strcmp(bt->type, "image") != 0 &&
	    strcmp(bt->type, "document") != 0 &&
	    strcmp(bt->type, "search_result") != 0))
		return verr(k, "%s: Input tag '%.40s' found using 'type' does "
		    "not match any of the expected tags: %s", path,
		    cJSON_IsString(t) ? t->valuestring : "", nested ?
		    "'text', 'image', 'document', 'search_result'" :
		    "'text', 'image', 'document', 'search_result', "
		    "'thinking', 'redacted_thinking', 'tool_use', "
		    "'tool_result', 'server_tool_use', "
		    "'web_search_tool_result'");
	keys[0] = "type";
	for (i = 0; i < 7 && bt->keys[i] != NULL; i++)
		keys[i + 1] = bt->keys[i];
	keys[i + 1] = NULL;
	if (only(k, b, path, keys) == -1 || need_str(k, b, path,
	    bt->strs) == -1)
		return -1;
	if (strcmp(bt->type, "text") == 0) {
		v = get(b, "text");
		if (v->valuestring[0] == '\0')
			return verr(k, "%s.text: text content blocks must be "
			    "non-empty", path);
		*words += gen_words(v->valuestring);
	} else if (strcmp(bt->type, "image") == 0)
		return ant_source(k, b, path, 0);
	else if (strcmp(bt->type, "document") == 0)
		return ant_source(k, b, path, 1);
	else if (strcmp(bt->type, "tool_use") == 0 ||
	    strcmp(bt->type, "server_tool_use") == 0) {
		snprintf(p, sizeof(p), "%s.input", path);
		if ((v = get(b, "input")) == NULL)
			return verr(k, "%s: Field required", p);
		if (!cJSON_IsObject(v))
			return want(k, p, "dictionary");
	} else if (strcmp(bt->type, "tool_result") == 0) {
		snprintf(p, sizeof(p), "%s.is_error", path);
		if ((v = get(b, "is_error")) != NULL && !cJSON_IsBool(v))
			return want(k, p, "boolean");
		snprintf(p, sizeof(p), "%s.content", path);
		return ant_result_content(k, get(b, "content"), p, words);
	}
	return 0;
}

/* The role of message i ("" when not a string). */
static const char *
role_of(const cJSON *msgs, int i)
{
	const cJSON	*r = get(cJSON_GetArrayItem(msgs, i), "role");

	return cJSON_IsString(r) ? r->valuestring : "";
}

/* First message of the turn (run of one role) holding message i. */
static int
turn_start(const cJSON *msgs, int i)
{
	while (i > 0 && strcmp(role_of(msgs, i - 1), role_of(msgs, i)) == 0)
		i--;
	return i;
}

/* One past the last message of the turn holding message i. */
static int
turn_end(const cJSON *msgs, int i)
{
	int	 n = cJSON_GetArraySize(msgs);

	while (i + 1 < n && strcmp(role_of(msgs, i + 1), role_of(msgs, i)) ==
	    0)
		i++;
	return i + 1;
}

/* Whether a block of type in messages [from, to) has id in idkey. */
static int
turn_has(const cJSON *msgs, int from, int to, const char *type,
    const char *idkey, const char *id)
{
	const cJSON	*b, *t, *v;
	int		 i;

	for (i = from; i < to; i++)
		cJSON_ArrayForEach(b, get(cJSON_GetArrayItem(msgs, i),
		    "content")) {
			t = get(b, "type");
			v = get(b, idkey);
			if (cJSON_IsString(t) && cJSON_IsString(v) &&
			    strcmp(t->valuestring, type) == 0 &&
			    strcmp(v->valuestring, id) == 0)
				return 1;
		}
	return 0;
}

/*
 * The API's pairing rules for block j (b) of message i: a tool_result
 * answers a tool_use of the previous turn, and a tool_use followed by
 * a turn is answered there.
 */
static int
ant_pair(struct ant_chk *k, const cJSON *msgs, int i, int j, const cJSON *b)
{
	const char	*t = get(b, "type")->valuestring, *id;
	int		 s = turn_start(msgs, i), ne = turn_end(msgs, i);

	if (strcmp(t, "tool_result") == 0) {
		id = get(b, "tool_use_id")->valuestring;
		if (s > 0 && turn_has(msgs, turn_start(msgs, s - 1), s,
		    "tool_use", "id", id))
			return 0;
		return verr(k, "messages.%d.content.%d: unexpected "
		    "`tool_use_id` found in `tool_result` blocks: %.80s. Each "
		    "`tool_result` block must have a corresponding `tool_use` "
		    "block in the previous message.", i, j, id);
	}
	if (strcmp(t, "tool_use") != 0 || ne >= cJSON_GetArraySize(msgs))
		return 0;
	id = get(b, "id")->valuestring;
	if (turn_has(msgs, ne, turn_end(msgs, ne), "tool_result",
	    "tool_use_id", id))
		return 0;
	return verr(k, "messages.%d: `tool_use` ids were found without "
	    "`tool_result` blocks immediately after: %.80s. Each `tool_use` "
	    "block must have a corresponding `tool_result` block in the next "
	    "message.", i, id);
}

static int
ant_pairing(struct ant_chk *k, const cJSON *msgs)
{
	const cJSON	*b;
	int		 n = cJSON_GetArraySize(msgs), i, j;

	for (i = 0; i < n; i++) {
		j = 0;
		cJSON_ArrayForEach(b, get(cJSON_GetArrayItem(msgs, i),
		    "content"))
			if (ant_pair(k, msgs, i, j++, b) == -1)
				return -1;
	}
	return 0;
}

/* Collects "Result: <words of every tool_result>" of the last turn. */
static int
ant_lead(struct ant_chk *k, const cJSON *msgs)
{
	const cJSON	*b, *t, *c, *p, *tx;
	int		 n = cJSON_GetArraySize(msgs), i;

	if (n == 0 || strcmp(role_of(msgs, n - 1), "user") != 0)
		return 0;
	for (i = turn_start(msgs, n - 1); i < n; i++)
		cJSON_ArrayForEach(b, get(cJSON_GetArrayItem(msgs, i),
		    "content")) {
			t = get(b, "type");
			if (strcmp(t->valuestring, "tool_result") != 0)
				continue;
			if (!k->last_result && mbuf_puts(&k->lead, "Result:") ==
			    -1)
				return -1;
			k->last_result = 1;
			c = get(b, "content");
			if (cJSON_IsString(c) && (mbuf_puts(&k->lead, " ") ==
			    -1 || mbuf_puts(&k->lead, c->valuestring) == -1))
				return -1;
			cJSON_ArrayForEach(p, arr(c)) {
				tx = get(p, "text");
				if (cJSON_IsString(tx) && (mbuf_puts(&k->lead,
				    " ") == -1 || mbuf_puts(&k->lead,
				    tx->valuestring) == -1))
					return -1;
			}
		}
	return 0;
}

static int
ant_messages(struct ant_chk *k)
{
	const cJSON	*msgs = get(k->doc, "messages"), *m, *r, *c, *b;
	char		 p[96];
	long		 words;
	int		 i = 0, j, n;

	if (msgs == NULL)
		return verr(k, "messages: Field required");
	if (!cJSON_IsArray(msgs))
		return want(k, "messages", "list");
	if ((n = cJSON_GetArraySize(msgs)) == 0)
		return verr(k, "messages: at least one message is required");
	cJSON_ArrayForEach(m, msgs) {
		snprintf(p, sizeof(p), "messages.%d", i);
		if (!cJSON_IsObject(m))
			return want(k, p, "dictionary or object");
		if (only(k, m, p, (const char *const[]){ "role", "content",
		    NULL }) == -1)
			return -1;
		if ((r = get(m, "role")) == NULL)
			return verr(k, "%s.role: Field required", p);
		if (!cJSON_IsString(r) || (strcmp(r->valuestring, "user") !=
		    0 && strcmp(r->valuestring, "assistant") != 0))
			return verr(k, "%s.role: Input should be 'user' or "
			    "'assistant'", p);
		if ((c = get(m, "content")) == NULL)
			return verr(k, "%s.content: Field required", p);
		if (!cJSON_IsString(c) && !cJSON_IsArray(c))
			return verr(k, "%s.content: Input should be a valid "
			    "string or a valid list", p);
		if (((cJSON_IsString(c) && c->valuestring[0] == '\0') ||
		    (cJSON_IsArray(c) && cJSON_GetArraySize(c) == 0)) &&
		    !(i == n - 1 && strcmp(r->valuestring, "assistant") == 0))
			return verr(k, "%s: all messages must have non-empty "
			    "content except for the optional final assistant "
			    "message", p);
		words = 0;
		if (cJSON_IsString(c))
			words = gen_words(c->valuestring);
		j = 0;
		cJSON_ArrayForEach(b, arr(c)) {
			char	 bp[128];

			snprintf(bp, sizeof(bp), "%s.content.%d", p, j++);
			if (ant_block(k, b, bp, 0, &words) == -1)
				return -1;
		}
		k->input_tokens += 3 + words;
		i++;
	}
	if (ant_pairing(k, msgs) == -1)
		return -1;
	return ant_lead(k, msgs) == -1 ? verr(k, "mock out of memory") : 0;
}

static int
ant_system(struct ant_chk *k)
{
	const cJSON	*s = get(k->doc, "system"), *b, *t, *tx;
	char		 p[64];
	long		 words = 0;
	int		 i = 0;

	if (s == NULL)
		return 0;
	if (cJSON_IsString(s))
		words = gen_words(s->valuestring);
	else if (!cJSON_IsArray(s))
		return verr(k, "system: Input should be a valid string or a "
		    "valid list");
	cJSON_ArrayForEach(b, arr(s)) {
		snprintf(p, sizeof(p), "system.%d", i++);
		if (!cJSON_IsObject(b))
			return want(k, p, "dictionary or object");
		t = get(b, "type");
		if (!cJSON_IsString(t) || strcmp(t->valuestring, "text") != 0)
			return verr(k, "%s.type: Input should be 'text'", p);
		if (only(k, b, p, (const char *const[]){ "type", "text",
		    "cache_control", "citations", NULL }) == -1 ||
		    need_str(k, b, p, (const char *const[]){ "text", NULL }) ==
		    -1)
			return -1;
		tx = get(b, "text");
		words += gen_words(tx->valuestring);
	}
	k->input_tokens += 3 + words;
	return 0;
}

/* Tool names: ^[a-zA-Z0-9_-]{1,128}$. */
static int
ant_name_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return i > 0 && i <= ANT_NAME_MAX;
}

static int
ant_tools(struct ant_chk *k)
{
	const cJSON	*tools = get(k->doc, "tools"), *t, *ty, *nm, *is, *o;
	char		 p[96];
	int		 i = 0, j;

	if (tools == NULL)
		return 0;
	if (!cJSON_IsArray(tools))
		return want(k, "tools", "list");
	cJSON_ArrayForEach(t, tools) {
		if (!cJSON_IsObject(t))
			return verr(k, "tools.%d: Input should be a valid "
			    "dictionary or object", i);
		ty = get(t, "type");
		nm = get(t, "name");
		if (ty != NULL && !cJSON_IsNull(ty) && (!cJSON_IsString(ty) ||
		    strcmp(ty->valuestring, "custom") != 0)) {
			/* A server tool (web_search_..., bash_...). */
			snprintf(p, sizeof(p), "tools.%d.%.40s", i,
			    cJSON_IsString(ty) ? ty->valuestring : "?");
			if (need_str(k, t, p, (const char *const[]){ "name",
			    NULL }) == -1)
				return -1;
		} else {
			snprintf(p, sizeof(p), "tools.%d.custom", i);
			if (nm == NULL)
				return verr(k, "%s.name: Field required", p);
			if (!cJSON_IsString(nm) ||
			    !ant_name_ok(nm->valuestring))
				return verr(k, "%s.name: String should match "
				    "pattern '^[a-zA-Z0-9_-]{1,128}$'", p);
			if ((is = get(t, "input_schema")) == NULL)
				return verr(k, "%s.input_schema: Field "
				    "required", p);
			ty = get(is, "type");
			if (!cJSON_IsObject(is) || !cJSON_IsString(ty) ||
			    strcmp(ty->valuestring, "object") != 0)
				return verr(k, "%s.input_schema.type: Input "
				    "should be 'object'", p);
		}
		for (j = 0, o = tools->child; j < i; j++, o = o->next)
			if (cJSON_IsString(get(o, "name")) &&
			    strcmp(get(o, "name")->valuestring,
			    nm->valuestring) == 0)
				return verr(k, "tools: Tool names must be "
				    "unique.");
		i++;
	}
	k->tools = tools;
	return 0;
}

static int
ant_choice(struct ant_chk *k)
{
	static const char *const names[] = { "auto", "any", "tool", "none",
	    NULL };
	const cJSON	*tc = get(k->doc, "tool_choice"), *ty, *nm, *t, *dp;
	size_t		 i;

	if (tc == NULL)
		return 0;
	if (!cJSON_IsObject(tc))
		return want(k, "tool_choice", "dictionary or object");
	ty = get(tc, "type");
	for (i = 0; cJSON_IsString(ty) && names[i] != NULL; i++)
		if (strcmp(ty->valuestring, names[i]) == 0)
			break;
	if (!cJSON_IsString(ty) || names[i] == NULL)
		return verr(k, "tool_choice: Input tag '%.40s' found using "
		    "'type' does not match any of the expected tags: 'auto', "
		    "'any', 'tool', 'none'", cJSON_IsString(ty) ?
		    ty->valuestring : "");
	k->choice = (enum ant_choice)i;
	if ((dp = get(tc, "disable_parallel_tool_use")) != NULL &&
	    !cJSON_IsBool(dp))
		return want(k, "tool_choice.disable_parallel_tool_use",
		    "boolean");
	k->no_parallel = cJSON_IsTrue(dp);
	if (k->choice != AC_TOOL)
		return 0;
	if (!cJSON_IsString(nm = get(tc, "name")))
		return verr(k, "tool_choice.tool.name: Field required");
	cJSON_ArrayForEach(t, k->tools)
		if (cJSON_IsString(get(t, "name")) &&
		    strcmp(get(t, "name")->valuestring, nm->valuestring) == 0)
			k->forced = t;
	if (k->forced == NULL)
		return verr(k, "tool_choice.name: Tool '%.64s' not found in "
		    "tools", nm->valuestring);
	return 0;
}

/*
 * With thinking on and the last turn answering tool calls, the
 * assistant turn that made them must start with a thinking block (the
 * API needs it back to continue the reasoning).
 */
static int
ant_thinking_turn(struct ant_chk *k)
{
	const cJSON	*msgs = get(k->doc, "messages"), *first, *t;
	int		 n = cJSON_GetArraySize(msgs), s;

	if (!k->last_result || (s = turn_start(msgs, n - 1)) == 0)
		return 0;
	s = turn_start(msgs, s - 1);
	if (strcmp(role_of(msgs, s), "assistant") != 0)
		return 0;
	first = get(cJSON_GetArrayItem(msgs, s), "content");
	first = cJSON_IsArray(first) ? first->child : NULL;
	t = get(first, "type");
	if (cJSON_IsString(t) && (strcmp(t->valuestring, "thinking") == 0 ||
	    strcmp(t->valuestring, "redacted_thinking") == 0))
		return 0;
	return verr(k, "messages.%d.content.0.type: Expected `thinking` or "
	    "`redacted_thinking`, but found `%.40s`. When `thinking` is "
	    "enabled, a final `assistant` message must start with a thinking "
	    "block (preceeding the lastmost set of `tool_use` and "
	    "`tool_result` blocks). We recommend you include thinking blocks "
	    "from previous turns. To avoid this requirement, disable "
	    "`thinking`. Please consult our documentation at "
	    "https://docs.claude.com/en/docs/build-with-claude/"
	    "extended-thinking", s, cJSON_IsString(t) ? t->valuestring :
	    "text");
}

static int
ant_thinking(struct ant_chk *k)
{
	const cJSON	*th = get(k->doc, "thinking"), *ty, *bt, *temp;

	if (th == NULL)
		return 0;
	if (!cJSON_IsObject(th))
		return want(k, "thinking", "dictionary or object");
	ty = get(th, "type");
	if (!cJSON_IsString(ty) || (strcmp(ty->valuestring, "enabled") != 0 &&
	    strcmp(ty->valuestring, "disabled") != 0 &&
	    strcmp(ty->valuestring, "adaptive") != 0))
		return verr(k, "thinking: Input tag '%.40s' found using 'type' "
		    "does not match any of the expected tags: 'enabled', "
		    "'disabled', 'adaptive'", cJSON_IsString(ty) ?
		    ty->valuestring : "");
	if (strcmp(ty->valuestring, "disabled") == 0)
		return 0;
	k->thinking = 1;
	k->budget = 1L << 30;
	if (strcmp(ty->valuestring, "enabled") == 0) {
		if ((bt = get(th, "budget_tokens")) == NULL)
			return verr(k, "thinking.enabled.budget_tokens: Field "
			    "required");
		if (!is_int(bt))
			return want(k, "thinking.enabled.budget_tokens",
			    "integer");
		if (bt->valuedouble < 1024)
			return verr(k, "thinking.enabled.budget_tokens: Input "
			    "should be greater than or equal to 1024");
		k->budget = (long)bt->valuedouble;
		if (!k->count && k->budget >= k->max_tokens)
			return verr(k, "`max_tokens` must be greater than "
			    "`thinking.budget_tokens`. Please consult our "
			    "documentation at https://docs.claude.com/en/docs/"
			    "build-with-claude/extended-thinking#max-tokens-"
			    "and-context-window-size");
	}
	temp = get(k->doc, "temperature");
	if (temp != NULL && !(cJSON_IsNumber(temp) && temp->valuedouble == 1))
		return verr(k, "`temperature` may only be set to 1 when "
		    "thinking is enabled. Please consult our documentation at "
		    "https://docs.claude.com/en/docs/build-with-claude/"
		    "extended-thinking#feature-compatibility");
	return ant_thinking_turn(k);
}

/* metadata: user_id, plus the mock's mock_* controls. */
static int
ant_metadata(struct ant_chk *k)
{
	const cJSON	*md = get(k->doc, "metadata"), *it;

	if (md == NULL)
		return 0;
	if (!cJSON_IsObject(md))
		return want(k, "metadata", "dictionary or object");
	cJSON_ArrayForEach(it, md) {
		if (strcmp(it->string, "user_id") == 0) {
			if (!cJSON_IsString(it) && !cJSON_IsNull(it))
				return want(k, "metadata.user_id", "string");
			if (cJSON_IsString(it) && strlen(it->valuestring) > 256)
				return verr(k, "metadata.user_id: String "
				    "should have at most 256 characters");
		} else if (strncmp(it->string, "mock_", 5) != 0)
			return verr(k, "metadata.%.64s: Extra inputs are not "
			    "permitted", it->string);
	}
	return 0;
}

/* Number members: a number in [lo, hi]. */
static int
ant_num(struct ant_chk *k, const char *name, double lo, double hi)
{
	const cJSON	*v = get(k->doc, name);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v))
		return want(k, name, "number");
	if (v->valuedouble < lo)
		return verr(k, "%s: Input should be greater than or equal to "
		    "%g", name, lo);
	if (v->valuedouble > hi)
		return verr(k, "%s: Input should be less than or equal to %g",
		    name, hi);
	return 0;
}

static int
ant_misc(struct ant_chk *k)
{
	const cJSON	*v, *s;
	int		 i = 0;

	if ((v = get(k->doc, "stream")) != NULL && !cJSON_IsBool(v))
		return want(k, "stream", "boolean");
	k->stream = cJSON_IsTrue(v);
	if ((v = get(k->doc, "stop_sequences")) != NULL) {
		if (!cJSON_IsArray(v))
			return want(k, "stop_sequences", "list");
		cJSON_ArrayForEach(s, v) {
			if (!cJSON_IsString(s))
				return verr(k, "stop_sequences.%d: Input "
				    "should be a valid string", i);
			if (k->nstops < sizeof(k->stops) / sizeof(k->stops[0]))
				k->stops[k->nstops++] = s->valuestring;
			i++;
		}
	}
	if (ant_num(k, "temperature", 0, 1) == -1 ||
	    ant_num(k, "top_p", 0, 1) == -1 ||
	    ant_num(k, "top_k", 0, 1e9) == -1)
		return -1;
	if ((v = get(k->doc, "top_k")) != NULL && !is_int(v))
		return want(k, "top_k", "integer");
	v = get(k->doc, "service_tier");
	if (v != NULL && (!cJSON_IsString(v) || (strcmp(v->valuestring,
	    "auto") != 0 && strcmp(v->valuestring, "standard_only") != 0)))
		return verr(k, "service_tier: Input should be 'auto' or "
		    "'standard_only'");
	return 0;
}

int
ant_check(struct ant_chk *k)
{
	static const char *const create[] = { "model", "messages",
	    "max_tokens", "metadata", "stop_sequences", "stream", "system",
	    "temperature", "top_k", "top_p", "tools", "tool_choice",
	    "thinking", "service_tier", "container", "mcp_servers",
	    "context_management", "output_config", "output_format",
	    "inference_geo", NULL };
	static const char *const count[] = { "model", "messages", "system",
	    "tools", "tool_choice", "thinking", "mcp_servers",
	    "context_management", "output_config", "output_format", NULL };
	const cJSON	*v;

	if (k->doc == NULL)
		return verr(k, "There was an error parsing the body of your "
		    "request. Please ensure it is valid JSON.");
	if (!cJSON_IsObject(k->doc))
		return verr(k, "body: Input should be a valid dictionary or "
		    "object");
	if (only(k, k->doc, "", k->count ? count : create) == -1)
		return -1;
	if ((v = get(k->doc, "model")) == NULL)
		return verr(k, "model: Field required");
	if (!cJSON_IsString(v))
		return want(k, "model", "string");
	if (v->valuestring[0] == '\0')
		return verr(k, "model: String should have at least 1 "
		    "character");
	k->model = v->valuestring;
	if (!k->count) {
		if ((v = get(k->doc, "max_tokens")) == NULL)
			return verr(k, "max_tokens: Field required");
		if (!is_int(v))
			return want(k, "max_tokens", "integer");
		if (v->valuedouble < 1)
			return verr(k, "max_tokens: Input should be greater "
			    "than or equal to 1");
		k->max_tokens = (long)v->valuedouble;
	}
	if (ant_messages(k) == -1 || ant_system(k) == -1 ||
	    ant_tools(k) == -1 || ant_choice(k) == -1 ||
	    ant_thinking(k) == -1 || ant_metadata(k) == -1 ||
	    ant_misc(k) == -1)
		return -1;
	return 0;
}

const char *
ant_prefix_text(const cJSON *doc)
{
	const cJSON	*s, *m, *c, *b, *t;
	const char	*last = NULL;

	s = get(doc, "system");
	if (cJSON_IsString(s) && strncmp(s->valuestring, "[mock", 5) == 0)
		last = s->valuestring;
	cJSON_ArrayForEach(b, arr(s))
		if (cJSON_IsString(t = get(b, "text")) &&
		    strncmp(t->valuestring, "[mock", 5) == 0)
			last = t->valuestring;
	cJSON_ArrayForEach(m, arr(get(doc, "messages"))) {
		c = get(m, "content");
		if (cJSON_IsString(c) && strncmp(c->valuestring, "[mock", 5) ==
		    0)
			last = c->valuestring;
		cJSON_ArrayForEach(b, arr(c))
			if (cJSON_IsString(t = get(b, "text")) &&
			    strncmp(t->valuestring, "[mock", 5) == 0)
				last = t->valuestring;
	}
	return last;
}
