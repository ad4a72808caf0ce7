/*
 * test_anthropic.c: app/providers/anthropic.h, both directions.  For
 * every converter the tables hold more hostile inputs than good ones;
 * good cases are compared as whole JSON (parsed, cJSON_Compare), bad
 * ones must report failure without output (or be ignored where the
 * contract says so).  Streams are checked event by event, and every
 * emitted chunk or event also goes through an invariant checker.  The
 * allocation-failure loops make the k-th cJSON allocation fail for
 * every k: the result must then be a failure or exactly the good
 * output, never something in between.  JSON in the tables is written
 * with ' for " to stay readable; q() turns it back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "buf.h"
#include "providers/anthropic.h"
#include "t.h"

/* s with every ' turned into "; a static buffer per call slot. */
static const char *
q(const char *s)
{
	static char	 bufs[4][16384];
	static int	 slot;
	char		*b = bufs[slot++ % 4];
	size_t		 i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof(bufs[0]); i++)
		b[i] = s[i] == '\'' ? '"' : s[i];
	b[i] = '\0';
	return b;
}

static cJSON *
pj(const char *s)
{
	return cJSON_Parse(q(s));
}

/* got equals want (' JSON); prints both when not. */
static int
same(const cJSON *got, const char *want)
{
	cJSON	*w = pj(want);
	char	*g;
	int	 ok;

	if (w == NULL) {
		printf("# bad expected JSON: %s\n", q(want));
		return 0;
	}
	ok = got != NULL && cJSON_Compare(got, w, 1);
	if (!ok) {
		g = got != NULL ? cJSON_PrintUnformatted(got) : NULL;
		printf("# got:  %s\n# want: %s\n", g != NULL ? g : "(null)",
		    q(want));
		cJSON_free(g);
	}
	cJSON_Delete(w);
	return ok;
}

/* ---- allocation failure injection ---- */

static long	 fail_at = -1;	/* number of the allocation to fail */
static long	 nalloc;

static void *
t_malloc(size_t n)
{
	if (fail_at >= 0 && nalloc++ == fail_at)
		return NULL;
	return malloc(n);
}

static void
oom_arm(long k)
{
	cJSON_Hooks	 h = { t_malloc, free };

	nalloc = 0;
	fail_at = k;
	cJSON_InitHooks(&h);
}

static void
oom_off(void)
{
	fail_at = -1;
	cJSON_InitHooks(NULL);
}

/* ---- an_up_request ---- */

#define UP_MODEL	"claude-x"

struct up_case {
	const char	*name;
	const char	*chat;
	int		 stream;
	const char	*want;		/* NULL: AN_INVALID */
	const char	*param;		/* with want NULL */
};

/* One tool f without parameters, as the chat and the Messages side. */
#define CHAT_TOOL	"'tools':[{'type':'function','function':{'name':'f'}}]"
#define AN_TOOL \
	"'tools':[{'name':'f','input_schema':{'type':'object'}}]"
#define HI		"'messages':[{'role':'user','content':'Hi'}]"
#define AN_HI		"'messages':[{'role':'user','content':[{'type':" \
			    "'text','text':'Hi'}]}]"

static const struct up_case up_cases[] = {
	/* good */
	{ "system split, max_tokens default, stream",
	    "{'model':'gpt','messages':[{'role':'system','content':"
	    "'Be brief.'},{'role':'user','content':'Hi'}],'stream':true}", 1,
	    "{'model':'claude-x','system':[{'type':'text','text':"
	    "'Be brief.'}]," AN_HI ",'max_tokens':4096,'stream':true}", NULL },
	{ "developer + system anywhere, image parts, temperature cap, user",
	    "{'model':'gpt','messages':[{'role':'developer','content':[{"
	    "'type':'text','text':'A'},{'type':'text','text':''}]},{'role':"
	    "'user','content':[{'type':'text','text':'look'},{'type':"
	    "'image_url','image_url':{'url':'data:image/png;base64,"
	    "iVBORw0KGgo='}},{'type':'image_url','image_url':{'url':"
	    "'https://example.com/cat.jpg','detail':'high'}}]},{'role':"
	    "'system','content':'B'}],'max_tokens':100,'temperature':1.5,"
	    "'top_p':0.5,'user':'u-1'}", 0,
	    "{'model':'claude-x','system':[{'type':'text','text':'A'},{"
	    "'type':'text','text':'B'}],'messages':[{'role':'user','content':"
	    "[{'type':'text','text':'look'},{'type':'image','source':{'type':"
	    "'base64','media_type':'image/png','data':'iVBORw0KGgo='}},{"
	    "'type':'image','source':{'type':'url','url':"
	    "'https://example.com/cat.jpg'}}]}],'max_tokens':100,"
	    "'temperature':1,'metadata':{'user_id':'u-1'}}", NULL },
	{ "tool round trip",
	    "{'model':'g','messages':[{'role':'user','content':"
	    "'Weather in Paris and Rome?'},{'role':'assistant','content':null,"
	    "'tool_calls':[{'id':'call_1','type':'function','function':{"
	    "'name':'weather','arguments':'{\\'city\\':\\'Paris\\'}'}},{'id':"
	    "'call_2','type':'function','function':{'name':'weather',"
	    "'arguments':''}}]},{'role':'tool','tool_call_id':'call_1',"
	    "'content':'18C'},{'role':'tool','tool_call_id':'call_2',"
	    "'content':[{'type':'text','text':'2'},{'type':'text','text':"
	    "'1C'}]},{'role':'user','content':'Thanks'}],'tools':[{'type':"
	    "'function','function':{'name':'weather','description':"
	    "'Get weather','parameters':{'type':'object','properties':{"
	    "'city':{'type':'string'}}}}}],'tool_choice':'auto'}", 0,
	    "{'model':'claude-x','messages':[{'role':'user','content':[{"
	    "'type':'text','text':'Weather in Paris and Rome?'}]},{'role':"
	    "'assistant','content':[{'type':'tool_use','id':'call_1','name':"
	    "'weather','input':{'city':'Paris'}},{'type':'tool_use','id':"
	    "'call_2','name':'weather','input':{}}]},{'role':'user',"
	    "'content':[{'type':'tool_result','tool_use_id':'call_1',"
	    "'content':'18C'},{'type':'tool_result','tool_use_id':'call_2',"
	    "'content':'21C'},{'type':'text','text':'Thanks'}]}],'tools':[{"
	    "'name':'weather','description':'Get weather','input_schema':{"
	    "'type':'object','properties':{'city':{'type':'string'}}}}],"
	    "'tool_choice':{'type':'auto'},'max_tokens':4096}", NULL },
	{ "assistant text, refusal part and calls in one turn",
	    "{'model':'g','messages':[{'role':'user','content':'x'},{'role':"
	    "'assistant','content':[{'type':'text','text':'a'},{'type':"
	    "'refusal','refusal':'r'}],'reasoning_content':'dropped','name':"
	    "'n','tool_calls':[{'id':'c','function':{'name':'f','arguments':"
	    "' '}}]},{'role':'tool','tool_call_id':'c','content':''}]}", 0,
	    "{'model':'claude-x','messages':[{'role':'user','content':[{"
	    "'type':'text','text':'x'}]},{'role':'assistant','content':[{"
	    "'type':'text','text':'a'},{'type':'text','text':'r'},{'type':"
	    "'tool_use','id':'c','name':'f','input':{}}]},{'role':'user',"
	    "'content':[{'type':'tool_result','tool_use_id':'c'}]}],"
	    "'max_tokens':4096}", NULL },
	{ "tool_choice required -> any",
	    "{'model':'g'," HI "," CHAT_TOOL ",'tool_choice':'required'}", 0,
	    "{'model':'claude-x'," AN_HI "," AN_TOOL ",'tool_choice':{'type':"
	    "'any'},'max_tokens':4096}", NULL },
	{ "tool_choice named function -> tool",
	    "{'model':'g'," HI "," CHAT_TOOL ",'tool_choice':{'type':"
	    "'function','function':{'name':'f'}}}", 0,
	    "{'model':'claude-x'," AN_HI "," AN_TOOL ",'tool_choice':{'type':"
	    "'tool','name':'f'},'max_tokens':4096}", NULL },
	{ "tool_choice none, parallel false: no disable flag",
	    "{'model':'g'," HI "," CHAT_TOOL ",'tool_choice':'none',"
	    "'parallel_tool_calls':false}", 0,
	    "{'model':'claude-x'," AN_HI "," AN_TOOL ",'tool_choice':{'type':"
	    "'none'},'max_tokens':4096}", NULL },
	{ "parallel_tool_calls false alone -> auto + disable",
	    "{'model':'g'," HI "," CHAT_TOOL ",'parallel_tool_calls':false}", 0,
	    "{'model':'claude-x'," AN_HI "," AN_TOOL ",'tool_choice':{'type':"
	    "'auto','disable_parallel_tool_use':true},'max_tokens':4096}",
	    NULL },
	{ "required + parallel false",
	    "{'model':'g'," HI "," CHAT_TOOL ",'tool_choice':'required',"
	    "'parallel_tool_calls':false}", 0,
	    "{'model':'claude-x'," AN_HI "," AN_TOOL ",'tool_choice':{'type':"
	    "'any','disable_parallel_tool_use':true},'max_tokens':4096}",
	    NULL },
	{ "tool_choice without tools is not sent",
	    "{'model':'g'," HI ",'tools':[],'tool_choice':'required',"
	    "'parallel_tool_calls':true}", 0,
	    "{'model':'claude-x'," AN_HI ",'max_tokens':4096}", NULL },
	{ "stop string, max_completion_tokens wins, top_p alone",
	    "{'model':'g'," HI ",'stop':'END','max_completion_tokens':50,"
	    "'max_tokens':10,'top_p':0.9}", 0,
	    "{'model':'claude-x'," AN_HI ",'stop_sequences':['END'],"
	    "'max_tokens':50,'top_p':0.9}", NULL },
	{ "stop array (empty dropped), temperature beats top_p",
	    "{'model':'g'," HI ",'stop':['a','','b'],'temperature':0.3,"
	    "'top_p':0.9,'max_tokens':10}", 0,
	    "{'model':'claude-x'," AN_HI ",'stop_sequences':['a','b'],"
	    "'max_tokens':10,'temperature':0.3}", NULL },
	{ "reasoning_effort medium: thinking, max raised, sampling dropped",
	    "{'model':'g'," HI ",'reasoning_effort':'medium','max_tokens':"
	    "1000,'temperature':0.5,'top_p':0.5}", 0,
	    "{'model':'claude-x'," AN_HI ",'max_tokens':5096,'thinking':{"
	    "'type':'enabled','budget_tokens':4096}}", NULL },
	{ "reasoning_effort high with the default max_tokens",
	    "{'model':'g'," HI ",'reasoning_effort':'high'}", 0,
	    "{'model':'claude-x'," AN_HI ",'max_tokens':20480,'thinking':{"
	    "'type':'enabled','budget_tokens':16384}}", NULL },
	{ "reasoning_effort low under a large max_tokens",
	    "{'model':'g'," HI ",'reasoning_effort':'low','max_tokens':8000}",
	    0, "{'model':'claude-x'," AN_HI ",'max_tokens':8000,'thinking':{"
	    "'type':'enabled','budget_tokens':1024}}", NULL },
	{ "reasoning_effort none: no thinking",
	    "{'model':'g'," HI ",'reasoning_effort':'none','temperature':0}",
	    0, "{'model':'claude-x'," AN_HI ",'max_tokens':4096,"
	    "'temperature':0}", NULL },
	{ "forced tool drops thinking",
	    "{'model':'g'," HI "," CHAT_TOOL ",'tool_choice':'required',"
	    "'reasoning_effort':'high'}", 0,
	    "{'model':'claude-x'," AN_HI "," AN_TOOL ",'tool_choice':{'type':"
	    "'any'},'max_tokens':4096}", NULL },
	{ "empty assistant turn vanishes, user neighbours merge",
	    "{'model':'g','messages':[{'role':'user','content':'a'},{'role':"
	    "'assistant','content':''},{'role':'user','content':'b'}]}", 0,
	    "{'model':'claude-x','messages':[{'role':'user','content':[{"
	    "'type':'text','text':'a'},{'type':'text','text':'b'}]}],"
	    "'max_tokens':4096}", NULL },
	{ "harmless fields tolerated, safety_identifier as user id",
	    "{'model':'g'," HI ",'n':1,'logprobs':false,'top_logprobs':0,"
	    "'response_format':{'type':'text'},'modalities':['text'],"
	    "'frequency_penalty':0.5,'seed':3,'store':false,'metadata':{'a':"
	    "'b'},'safety_identifier':'sid','audio':null,'n':null}", 0,
	    "{'model':'claude-x'," AN_HI ",'max_tokens':4096,'metadata':{"
	    "'user_id':'sid'}}", NULL },
	/* bad */
	{ "body not an object", "[]", 0, NULL, "" },
	{ "messages missing", "{'model':'g'}", 0, NULL, "messages" },
	{ "messages an object", "{'model':'g','messages':{}}", 0, NULL,
	    "messages" },
	{ "messages empty", "{'model':'g','messages':[]}", 0, NULL,
	    "messages" },
	{ "message not an object", "{'model':'g','messages':[5]}", 0, NULL,
	    "messages[0]" },
	{ "role missing", "{'model':'g','messages':[{'content':'x'}]}", 0,
	    NULL, "messages[0].role" },
	{ "role unknown", "{'model':'g','messages':[{'role':'bot','content':"
	    "'x'}]}", 0, NULL, "messages[0].role" },
	{ "role function", "{'model':'g','messages':[{'role':'function',"
	    "'name':'f','content':'x'}]}", 0, NULL, "messages[0].role" },
	{ "user content missing", "{'model':'g','messages':[{'role':'user'}]}",
	    0, NULL, "messages[0].content" },
	{ "user content a number", "{'model':'g','messages':[{'role':'user',"
	    "'content':5}]}", 0, NULL, "messages[0].content" },
	{ "content part not an object", "{'model':'g','messages':[{'role':"
	    "'user','content':[5]}]}", 0, NULL, "messages[0].content[0].type" },
	{ "audio part", "{'model':'g','messages':[{'role':'user','content':[{"
	    "'type':'input_audio','input_audio':{}}]}]}", 0, NULL,
	    "messages[0].content[0].type" },
	{ "file part", "{'model':'g','messages':[{'role':'user','content':[{"
	    "'type':'file','file':{'file_id':'x'}}]}]}", 0, NULL,
	    "messages[0].content[0].type" },
	{ "text part text a number", "{'model':'g','messages':[{'role':'user',"
	    "'content':[{'type':'text','text':5}]}]}", 0, NULL,
	    "messages[0].content[0].text" },
	{ "image_url without url", "{'model':'g','messages':[{'role':'user',"
	    "'content':[{'type':'image_url','image_url':'http://x'}]}]}", 0,
	    NULL, "messages[0].content[0].image_url" },
	{ "image_url ftp", "{'model':'g','messages':[{'role':'user','content':"
	    "[{'type':'image_url','image_url':{'url':'ftp://x/a.png'}}]}]}", 0,
	    NULL, "messages[0].content[0].image_url" },
	{ "data URL not base64", "{'model':'g','messages':[{'role':'user',"
	    "'content':[{'type':'image_url','image_url':{'url':"
	    "'data:image/png,abc'}}]}]}", 0, NULL,
	    "messages[0].content[0].image_url" },
	{ "data URL without data", "{'model':'g','messages':[{'role':'user',"
	    "'content':[{'type':'image_url','image_url':{'url':"
	    "'data:image/png;base64,'}}]}]}", 0, NULL,
	    "messages[0].content[0].image_url" },
	{ "data URL svg", "{'model':'g','messages':[{'role':'user','content':"
	    "[{'type':'image_url','image_url':{'url':"
	    "'data:image/svg+xml;base64,PHN2Zz4='}}]}]}", 0, NULL,
	    "messages[0].content[0].image_url" },
	{ "data URL media type overlong", "{'model':'g','messages':[{'role':"
	    "'user','content':[{'type':'image_url','image_url':{'url':"
	    "'data:image/pngxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx;base64,AA'}}]}]}",
	    0, NULL, "messages[0].content[0].image_url" },
	{ "image in an assistant message", "{'model':'g','messages':[{'role':"
	    "'assistant','content':[{'type':'image_url','image_url':{'url':"
	    "'https://x'}}]}]}", 0, NULL, "messages[0].content[0].type" },
	{ "image in a system message", "{'model':'g','messages':[{'role':"
	    "'system','content':[{'type':'image_url','image_url':{'url':"
	    "'https://x'}}]}," "{'role':'user','content':'x'}]}", 0, NULL,
	    "messages[0].content[0].type" },
	{ "refusal part in a user message", "{'model':'g','messages':[{"
	    "'role':'user','content':[{'type':'refusal','refusal':'x'}]}]}", 0,
	    NULL, "messages[0].content[0].type" },
	{ "tool_calls an object", "{'model':'g','messages':[{'role':"
	    "'assistant','tool_calls':{}}]}", 0, NULL,
	    "messages[0].tool_calls" },
	{ "tool call without id", "{'model':'g','messages':[{'role':"
	    "'assistant','tool_calls':[{'type':'function','function':{'name':"
	    "'f','arguments':'{}'}}]}]}", 0, NULL,
	    "messages[0].tool_calls[0]" },
	{ "tool call arguments an array", "{'model':'g','messages':[{'role':"
	    "'assistant','tool_calls':[{'id':'c','type':'function','function':"
	    "{'name':'f','arguments':'[1]'}}]}]}", 0, NULL,
	    "messages[0].tool_calls[0]" },
	{ "tool call arguments not JSON", "{'model':'g','messages':[{'role':"
	    "'assistant','tool_calls':[{'id':'c','type':'function','function':"
	    "{'name':'f','arguments':'{oops'}}]}]}", 0, NULL,
	    "messages[0].tool_calls[0]" },
	{ "tool call arguments an object, not a string", "{'model':'g',"
	    "'messages':[{'role':'assistant','tool_calls':[{'id':'c','type':"
	    "'function','function':{'name':'f','arguments':{}}}]}]}", 0, NULL,
	    "messages[0].tool_calls[0]" },
	{ "custom tool call", "{'model':'g','messages':[{'role':'assistant',"
	    "'tool_calls':[{'id':'c','type':'custom','custom':{'name':'f',"
	    "'input':'x'}}]}]}", 0, NULL, "messages[0].tool_calls[0]" },
	{ "assistant function_call", "{'model':'g','messages':[{'role':"
	    "'assistant','function_call':{'name':'f','arguments':'{}'}}]}", 0,
	    NULL, "messages[0].function_call" },
	{ "tool message without tool_call_id", "{'model':'g','messages':[{"
	    "'role':'tool','content':'x'}]}", 0, NULL,
	    "messages[0].tool_call_id" },
	{ "tool message tool_call_id a number", "{'model':'g','messages':[{"
	    "'role':'tool','tool_call_id':5,'content':'x'}]}", 0, NULL,
	    "messages[0].tool_call_id" },
	{ "tool message with an image", "{'model':'g','messages':[{'role':"
	    "'tool','tool_call_id':'c','content':[{'type':'image_url',"
	    "'image_url':{'url':'https://x'}}]}]}", 0, NULL,
	    "messages[0].content[0].type" },
	{ "only a system message", "{'model':'g','messages':[{'role':"
	    "'system','content':'x'}]}", 0, NULL, "messages" },
	{ "only empty text", "{'model':'g','messages':[{'role':'user',"
	    "'content':''}]}", 0, NULL, "messages" },
	{ "n 2", "{'model':'g'," HI ",'n':2}", 0, NULL, "n" },
	{ "n a string", "{'model':'g'," HI ",'n':'1'}", 0, NULL, "n" },
	{ "logprobs", "{'model':'g'," HI ",'logprobs':true}", 0, NULL,
	    "logprobs" },
	{ "top_logprobs", "{'model':'g'," HI ",'top_logprobs':3}", 0, NULL,
	    "top_logprobs" },
	{ "audio", "{'model':'g'," HI ",'audio':{'voice':'x'}}", 0, NULL,
	    "audio" },
	{ "audio modality", "{'model':'g'," HI ",'modalities':['text',"
	    "'audio']}", 0, NULL, "modalities" },
	{ "modalities a string", "{'model':'g'," HI ",'modalities':'text'}",
	    0, NULL, "modalities" },
	{ "prediction", "{'model':'g'," HI ",'prediction':{'type':'content'}}",
	    0, NULL, "prediction" },
	{ "web_search_options", "{'model':'g'," HI ",'web_search_options':{}}",
	    0, NULL, "web_search_options" },
	{ "functions", "{'model':'g'," HI ",'functions':[]}", 0, NULL,
	    "functions" },
	{ "function_call", "{'model':'g'," HI ",'function_call':'auto'}", 0,
	    NULL, "function_call" },
	{ "response_format json_object", "{'model':'g'," HI
	    ",'response_format':{'type':'json_object'}}", 0, NULL,
	    "response_format" },
	{ "response_format json_schema", "{'model':'g'," HI
	    ",'response_format':{'type':'json_schema','json_schema':{}}}", 0,
	    NULL, "response_format" },
	{ "response_format a string", "{'model':'g'," HI
	    ",'response_format':'text'}", 0, NULL, "response_format" },
	{ "tools an object", "{'model':'g'," HI ",'tools':{}}", 0, NULL,
	    "tools" },
	{ "custom tool", "{'model':'g'," HI ",'tools':[{'type':'custom',"
	    "'custom':{'name':'f'}}]}", 0, NULL, "tools[0]" },
	{ "tool without name", "{'model':'g'," HI ",'tools':[{'type':"
	    "'function','function':{}}]}", 0, NULL, "tools[0]" },
	{ "tool not an object", "{'model':'g'," HI ",'tools':['f']}", 0,
	    NULL, "tools[0]" },
	{ "tool parameters an array", "{'model':'g'," HI ",'tools':[{'type':"
	    "'function','function':{'name':'f','parameters':[]}}]}", 0, NULL,
	    "tools[0]" },
	{ "tool description a number", "{'model':'g'," HI ",'tools':[{'type':"
	    "'function','function':{'name':'f','description':5}}]}", 0, NULL,
	    "tools[0]" },
	{ "tool_choice unknown string", "{'model':'g'," HI "," CHAT_TOOL
	    ",'tool_choice':'always'}", 0, NULL, "tool_choice" },
	{ "tool_choice allowed_tools", "{'model':'g'," HI "," CHAT_TOOL
	    ",'tool_choice':{'type':'allowed_tools','allowed_tools':{'mode':"
	    "'auto','tools':[]}}}", 0, NULL, "tool_choice" },
	{ "tool_choice function without name", "{'model':'g'," HI ","
	    CHAT_TOOL ",'tool_choice':{'type':'function'}}", 0, NULL,
	    "tool_choice" },
	{ "tool_choice a number", "{'model':'g'," HI ",'tool_choice':1}", 0,
	    NULL, "tool_choice" },
	{ "parallel_tool_calls a string", "{'model':'g'," HI
	    ",'parallel_tool_calls':'no'}", 0, NULL, "parallel_tool_calls" },
	{ "stop a number", "{'model':'g'," HI ",'stop':5}", 0, NULL, "stop" },
	{ "stop with a number", "{'model':'g'," HI ",'stop':['a',1]}", 0,
	    NULL, "stop" },
	{ "max_tokens 0", "{'model':'g'," HI ",'max_tokens':0}", 0, NULL,
	    "max_tokens" },
	{ "max_tokens fractional", "{'model':'g'," HI ",'max_tokens':1.5}", 0,
	    NULL, "max_tokens" },
	{ "max_tokens huge", "{'model':'g'," HI ",'max_tokens':1e300}", 0,
	    NULL, "max_tokens" },
	{ "max_completion_tokens a string", "{'model':'g'," HI
	    ",'max_completion_tokens':'5'}", 0, NULL,
	    "max_completion_tokens" },
	{ "temperature a string", "{'model':'g'," HI ",'temperature':'hot'}",
	    0, NULL, "temperature" },
	{ "top_p a boolean", "{'model':'g'," HI ",'top_p':true}", 0, NULL,
	    "top_p" },
	{ "user a number", "{'model':'g'," HI ",'user':5}", 0, NULL, "user" },
	{ "reasoning_effort unknown", "{'model':'g'," HI
	    ",'reasoning_effort':'ultra'}", 0, NULL, "reasoning_effort" },
	{ "reasoning_effort a number", "{'model':'g'," HI
	    ",'reasoning_effort':3}", 0, NULL, "reasoning_effort" },
};

static void
test_up_request(void)
{
	const struct up_case	*c;
	char			 param[64], msg[256];
	cJSON			*in, *out;
	char			*before, *after;
	enum an_conv		 rc;
	size_t			 i;

	for (i = 0; i < sizeof(up_cases) / sizeof(up_cases[0]); i++) {
		c = &up_cases[i];
		in = pj(c->chat);
		if (in == NULL) {
			T_OK(0, "up_request %s: test JSON parses", c->name);
			continue;
		}
		before = cJSON_PrintUnformatted(in);
		memset(param, 'x', sizeof(param));
		memset(msg, 'x', sizeof(msg));
		out = (cJSON *)1;
		rc = an_up_request(in, UP_MODEL, c->stream, &out, param,
		    sizeof(param), msg, sizeof(msg));
		after = cJSON_PrintUnformatted(in);
		if (c->want != NULL)
			T_OK(rc == AN_OK && same(out, c->want),
			    "up_request %s", c->name);
		else
			T_OK(rc == AN_INVALID && out == NULL &&
			    strcmp(param, c->param) == 0 && msg[0] != '\0' &&
			    memchr(msg, '\0', sizeof(msg)) != NULL,
			    "up_request refuses %s (param '%s', got '%.*s': "
			    "%.120s)", c->name, c->param, (int)sizeof(param),
			    rc == AN_INVALID ? param : "?",
			    rc == AN_INVALID ? msg : "?");
		T_OK(before != NULL && after != NULL && strcmp(before,
		    after) == 0, "up_request %s leaves the input alone",
		    c->name);
		cJSON_free(before);
		cJSON_free(after);
		if (rc == AN_OK)
			cJSON_Delete(out);
		cJSON_Delete(in);
	}
}

static void
test_up_request_misc(void)
{
	cJSON		*in, *out = (cJSON *)1;
	char		 param[4], msg[8];
	enum an_conv	 rc;

	/* Truncated param and msg stay NUL-terminated. */
	in = pj("{'model':'g','messages':[{'role':'user','content':5}]}");
	rc = an_up_request(in, UP_MODEL, 0, &out, param, sizeof(param), msg,
	    sizeof(msg));
	T_OK(rc == AN_INVALID && out == NULL && strcmp(param, "mes") == 0 &&
	    strlen(msg) == sizeof(msg) - 1, "up_request truncates param and "
	    "msg to their sizes");
	/* NULL buffers are fine. */
	rc = an_up_request(in, UP_MODEL, 0, &out, NULL, 0, NULL, 0);
	T_OK(rc == AN_INVALID && out == NULL, "up_request takes NULL "
	    "param and msg");
	cJSON_Delete(in);
	rc = an_up_request(NULL, UP_MODEL, 0, &out, NULL, 0, NULL, 0);
	T_OK(rc == AN_INVALID && out == NULL, "up_request refuses NULL");
}

/* ---- an_up_response ---- */

#define MSG_HEAD	"'id':'msg_01','type':'message','role':'assistant'," \
			    "'model':'claude'"
#define CHAT_HEAD	"'id':'chatcmpl-msg_01','object':'chat.completion'," \
			    "'created':1700000000,'model':'gpt-client'"

struct resp_case {
	const char	*name;
	const char	*msg;
	const char	*want;		/* NULL: must fail */
};

static const struct resp_case resp_cases[] = {
	{ "text, thinking, two tools, cache usage",
	    "{" MSG_HEAD ",'content':[{'type':'thinking','thinking':"
	    "'Let me think','signature':'sig'},{'type':'text','text':'Hello '},"
	    "{'type':'redacted_thinking','data':'xx'},{'type':'text','text':"
	    "'world'},{'type':'tool_use','id':'toolu_1','name':'f','input':{"
	    "'a':1}},{'type':'tool_use','id':'toolu_2','name':'g','input':{}}],"
	    "'stop_reason':'tool_use','stop_sequence':null,'usage':{"
	    "'input_tokens':10,'output_tokens':20,'cache_read_input_tokens':"
	    "100,'cache_creation_input_tokens':5}}",
	    "{" CHAT_HEAD ",'choices':[{'index':0,'message':{'role':"
	    "'assistant','content':'Hello world','refusal':null,"
	    "'reasoning_content':'Let me think','tool_calls':[{'id':'toolu_1',"
	    "'type':'function','function':{'name':'f','arguments':"
	    "'{\\'a\\':1}'}},{'id':'toolu_2','type':'function','function':{"
	    "'name':'g','arguments':'{}'}}]},'logprobs':null,'finish_reason':"
	    "'tool_calls'}],'usage':{'prompt_tokens':115,'completion_tokens':"
	    "20,'total_tokens':135,'prompt_tokens_details':{'cached_tokens':"
	    "100,'cache_write_tokens':5}}}" },
	{ "tool call only: content null",
	    "{" MSG_HEAD ",'content':[{'type':'tool_use','id':'t','name':'f',"
	    "'input':{}}],'stop_reason':'tool_use','usage':{'input_tokens':1,"
	    "'output_tokens':2}}",
	    "{" CHAT_HEAD ",'choices':[{'index':0,'message':{'role':"
	    "'assistant','content':null,'refusal':null,'tool_calls':[{'id':"
	    "'t','type':'function','function':{'name':'f','arguments':'{}'}}]},"
	    "'logprobs':null,'finish_reason':'tool_calls'}],'usage':{"
	    "'prompt_tokens':1,'completion_tokens':2,'total_tokens':3,"
	    "'prompt_tokens_details':{'cached_tokens':0,"
	    "'cache_write_tokens':0}}}" },
	{ "empty content, no usage, unknown blocks skipped",
	    "{" MSG_HEAD ",'content':[{'type':'server_tool_use','id':'s'},{"
	    "'type':'web_search_tool_result'}],'stop_reason':'max_tokens'}",
	    "{" CHAT_HEAD ",'choices':[{'index':0,'message':{'role':"
	    "'assistant','content':'','refusal':null},'logprobs':null,"
	    "'finish_reason':'length'}]}" },
	{ "hostile usage numbers read as 0",
	    "{" MSG_HEAD ",'content':[{'type':'text','text':'x'}],"
	    "'stop_reason':'end_turn','usage':{'input_tokens':-5,"
	    "'output_tokens':1e300,'cache_read_input_tokens':'7',"
	    "'cache_creation_input_tokens':1e16}}",
	    "{" CHAT_HEAD ",'choices':[{'index':0,'message':{'role':"
	    "'assistant','content':'x','refusal':null},'logprobs':null,"
	    "'finish_reason':'stop'}],'usage':{'prompt_tokens':0,"
	    "'completion_tokens':0,'total_tokens':0,'prompt_tokens_details':{"
	    "'cached_tokens':0,"
	    "'cache_write_tokens':0}}}" },
	/* bad */
	{ "not an object", "[1]", NULL },
	{ "no type", "{'id':'m','content':[]}", NULL },
	{ "an error, not a message", "{'type':'error','id':'m','content':[],"
	    "'error':{'type':'api_error'}}", NULL },
	{ "content missing", "{'id':'m','type':'message'}", NULL },
	{ "content an object", "{'id':'m','type':'message','content':{}}",
	    NULL },
	{ "content a string", "{'id':'m','type':'message','content':'hi'}",
	    NULL },
	{ "id missing", "{'type':'message','content':[]}", NULL },
	{ "id a number", "{'id':5,'type':'message','content':[]}", NULL },
	{ "text block text a number", "{'id':'m','type':'message','content':"
	    "[{'type':'text','text':5}]}", NULL },
	{ "thinking block without thinking", "{'id':'m','type':'message',"
	    "'content':[{'type':'thinking','signature':'s'}]}", NULL },
	{ "tool_use input a string", "{'id':'m','type':'message','content':"
	    "[{'type':'tool_use','id':'t','name':'f','input':'{}'}]}", NULL },
	{ "tool_use input an array", "{'id':'m','type':'message','content':"
	    "[{'type':'tool_use','id':'t','name':'f','input':[]}]}", NULL },
	{ "tool_use without id", "{'id':'m','type':'message','content':[{"
	    "'type':'tool_use','name':'f','input':{}}]}", NULL },
	{ "tool_use name a number", "{'id':'m','type':'message','content':[{"
	    "'type':'tool_use','id':'t','name':1,'input':{}}]}", NULL },
	{ "block without type", "{'id':'m','type':'message','content':[{"
	    "'text':'x'}]}", NULL },
	{ "block a string", "{'id':'m','type':'message','content':['x']}",
	    NULL },
};

static void
test_up_response(void)
{
	static const struct {
		const char	*stop;
		const char	*finish;
	} stops[] = {
		{ "'end_turn'", "stop" }, { "'stop_sequence'", "stop" },
		{ "'max_tokens'", "length" }, { "'tool_use'", "tool_calls" },
		{ "'refusal'", "content_filter" }, { "'pause_turn'", "stop" },
		{ "'model_context_window_exceeded'", "length" },
		{ "'something_new'", "stop" }, { "null", "stop" },
		{ "5", "stop" },
	};
	const struct resp_case	*c;
	cJSON			*in, *out;
	char			 b[256];
	size_t			 i;

	for (i = 0; i < sizeof(resp_cases) / sizeof(resp_cases[0]); i++) {
		c = &resp_cases[i];
		in = pj(c->msg);
		out = an_up_response(in, "gpt-client", 1700000000);
		if (c->want != NULL)
			T_OK(same(out, c->want), "up_response %s", c->name);
		else
			T_OK(in != NULL && out == NULL, "up_response refuses "
			    "%s", c->name);
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		snprintf(b, sizeof(b), "{'id':'m','type':'message','content':"
		    "[],'stop_reason':%s}", stops[i].stop);
		in = pj(b);
		out = an_up_response(in, "m", 1);
		T_OK(out != NULL && strcmp(cJSON_GetStringValue(
		    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
		    out, "choices"), 0), "finish_reason")), stops[i].finish) ==
		    0, "up_response stop_reason %s -> %s", stops[i].stop,
		    stops[i].finish);
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	T_OK(an_up_response(NULL, "m", 1) == NULL, "up_response of NULL");
}

/* ---- an_up_error ---- */

static void
test_up_error(void)
{
	static const struct {
		const char	*body;
		const char	*want;		/* NULL: not an error */
	} cases[] = {
		{ "{'type':'error','error':{'type':'invalid_request_error',"
		    "'message':'bad'}}", "{'error':{'message':'bad','type':"
		    "'invalid_request_error','code':'invalid_request','param':"
		    "null}}" },
		{ "{'type':'error','error':{'type':'authentication_error',"
		    "'message':'key'}}", "{'error':{'message':'key','type':"
		    "'invalid_request_error','code':'invalid_api_key','param':"
		    "null}}" },
		{ "{'type':'error','error':{'type':'permission_error',"
		    "'message':'no'}}", "{'error':{'message':'no','type':"
		    "'permission_error','code':'permission_denied','param':"
		    "null}}" },
		{ "{'type':'error','error':{'type':'not_found_error',"
		    "'message':'nf'}}", "{'error':{'message':'nf','type':"
		    "'invalid_request_error','code':'not_found',"
		    "'param':null}}" },
		{ "{'type':'error','error':{'type':'request_too_large',"
		    "'message':'big'}}", "{'error':{'message':'big','type':"
		    "'invalid_request_error','code':'request_too_large',"
		    "'param':"
		    "null}}" },
		{ "{'type':'error','error':{'type':'rate_limit_error',"
		    "'message':'slow'}}", "{'error':{'message':'slow','type':"
		    "'rate_limit_error','code':'rate_limit_exceeded','param':"
		    "null}}" },
		{ "{'type':'error','error':{'type':'overloaded_error',"
		    "'message':'Overloaded'},"
		    "'request_id':'req_1'}", "{'error':{"
		    "'message':'Overloaded','type':'upstream_error','code':"
		    "'upstream_overloaded','param':null}}" },
		{ "{'type':'error','error':{'type':'api_error','message':'x'}}",
		    "{'error':{'message':'x','type':'upstream_error','code':"
		    "'bad_upstream_response','param':null}}" },
		{ "{'type':'error','error':{'type':'timeout_error','message':"
		    "'t'}}", "{'error':{'message':'t','type':'upstream_error',"
		    "'code':'upstream_timeout','param':null}}" },
		{ "{'type':'error','error':{'type':'billing_error','message':"
		    "'b'}}", "{'error':{'message':'b','type':'upstream_error',"
		    "'code':'bad_upstream_response','param':null}}" },
		{ "{'error':{'type':'rate_limit_error'}}", "{'error':{"
		    "'message':'rate_limit_error','type':'rate_limit_error',"
		    "'code':'rate_limit_exceeded','param':null}}" },
		/* not Anthropic errors */
		{ "", NULL },
		{ "{", NULL },
		{ "null", NULL },
		{ "[]", NULL },
		{ "{'type':'error'}", NULL },
		{ "{'type':'error','error':'overloaded'}", NULL },
		{ "{'type':'error','error':{'message':'x'}}", NULL },
		{ "{'type':'error','error':{'type':5,'message':'x'}}", NULL },
		{ "{'type':'message','error':{'type':'api_error'}}", NULL },
		{ "{'type':5,'error':{'type':'api_error'}}", NULL },
		{ "{'error':{'message':'x','type':null,'code':'c'}}", NULL },
		{ "{'type':'error','error':null}", NULL },
		{ "[{'type':'error','error':{'type':'api_error'}}]", NULL },
		{ "{'type':'error','error':{'type':'api_error'", NULL },
		{ "<html><body>502 Bad Gateway</body></html>", NULL },
	};
	const char	*b;
	cJSON		*out;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = q(cases[i].body);
		out = an_up_error(b, strlen(b));
		if (cases[i].want != NULL)
			T_OK(same(out, cases[i].want), "up_error %s",
			    cases[i].body);
		else
			T_OK(out == NULL, "up_error refuses '%s'", b);
		cJSON_Delete(out);
	}
	/* The length is honoured: a valid body cut short is no error. */
	b = q("{'type':'error','error':{'type':'api_error','message':'x'}}");
	T_OK(an_up_error(b, strlen(b) - 1) == NULL, "up_error honours n");
	T_OK(an_up_error(NULL, 5) == NULL, "up_error of NULL");
}

/* ---- an_up_stream ---- */

/* Records chunks; checks each is complete; stops after stop_after. */
struct rec {
	cJSON	*all;
	int	 n;
	int	 stop_after;
	int	 broken;	/* an emitted object missed required keys */
};

static void
rec_init(struct rec *r, int stop_after)
{
	memset(r, 0, sizeof(*r));
	r->all = cJSON_CreateArray();
	r->stop_after = stop_after;
}

static int
chunk_complete(const cJSON *c)
{
	const cJSON	*ch, *e;

	if (cJSON_IsObject(cJSON_GetObjectItem(c, "error"))) {
		e = cJSON_GetObjectItem(c, "error");
		return cJSON_IsString(cJSON_GetObjectItem(e, "message")) &&
		    cJSON_IsString(cJSON_GetObjectItem(e, "type"));
	}
	if (!cJSON_IsString(cJSON_GetObjectItem(c, "id")) ||
	    strncmp(cJSON_GetObjectItem(c, "id")->valuestring, "chatcmpl-",
	    9) != 0 ||
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "object")) ?
	    cJSON_GetStringValue(cJSON_GetObjectItem(c, "object")) : "",
	    "chat.completion.chunk") != 0 ||
	    !cJSON_IsNumber(cJSON_GetObjectItem(c, "created")) ||
	    !cJSON_IsString(cJSON_GetObjectItem(c, "model")) ||
	    !cJSON_IsArray(cJSON_GetObjectItem(c, "choices")) ||
	    cJSON_GetObjectItem(c, "usage") == NULL)
		return 0;
	cJSON_ArrayForEach(ch, cJSON_GetObjectItem(c, "choices"))
		if (!cJSON_IsNumber(cJSON_GetObjectItem(ch, "index")) ||
		    !cJSON_IsObject(cJSON_GetObjectItem(ch, "delta")) ||
		    cJSON_GetObjectItem(ch, "finish_reason") == NULL)
			return 0;
	return 1;
}

static int
rec_chunk(void *arg, const cJSON *chunk)
{
	struct rec	*r = arg;

	if (!chunk_complete(chunk))
		r->broken = 1;
	cJSON_AddItemToArray(r->all, cJSON_Duplicate(chunk, 1));
	r->n++;
	return r->stop_after != 0 && r->n == r->stop_after ? 9 : 0;
}

struct step {
	const char	*event;		/* NULL: none given */
	const char	*data;		/* ' JSON, or raw bytes */
	int		 rc;
};

static int
up_feed(struct an_up_stream *s, struct rec *r, const char *event,
    const char *data)
{
	const char	*d = q(data);

	return an_up_stream_event(s, event, d, strlen(d), rec_chunk, r);
}

#define START_EV \
	"{'type':'message_start','message':{'id':'msg_1','type':" \
			    "'message','role':'assistant','model':'claude'," \
			    "'content':[],'stop_reason':null,'stop_sequence':" \
			    "null,'usage':{'input_tokens':25," \
			    "'cache_read_input_tokens':10," \
			    "'cache_creation_input_tokens':0," \
			    "'output_tokens':1}}}"
#define BSTART(i, blk)	"{'type':'content_block_start','index':" #i "," \
			    "'content_block':" blk "}"
#define BDELTA(i, d) \
	"{'type':'content_block_delta','index':" #i ",'delta':" \
			    d "}"
#define BSTOP(i)	"{'type':'content_block_stop','index':" #i "}"
#define TEXTD(t)	"{'type':'text_delta','text':'" t "'}"
#define JSOND(t)	"{'type':'input_json_delta','partial_json':'" t "'}"
#define MDELTA(sr, out)	"{'type':'message_delta','delta':{'stop_reason':" sr \
			    ",'stop_sequence':null},'usage':{'output_tokens':" \
			    #out "}}"
#define MSTOP		"{'type':'message_stop'}"
#define TOOLBLK(id, n)	"{'type':'tool_use','id':'" id "','name':'" n "'," \
			    "'input':{}}"

/* The good stream: thinking, text, two tool calls, usage. */
static const struct step good_stream[] = {
	{ "message_start", START_EV, 0 },
	{ "ping", "{'type':'ping'}", 0 },
	{ "content_block_start", BSTART(0, "{'type':'thinking','thinking':'',"
	    "'signature':''}"), 0 },
	{ "content_block_delta", BDELTA(0, "{'type':'thinking_delta',"
	    "'thinking':'Hmm'}"), 0 },
	{ "content_block_delta", BDELTA(0, "{'type':'signature_delta',"
	    "'signature':'abc'}"), 0 },
	{ "content_block_stop", BSTOP(0), 0 },
	{ "content_block_start", BSTART(1, "{'type':'text','text':''}"), 0 },
	{ "content_block_delta", BDELTA(1, TEXTD("Hi")), 0 },
	{ "content_block_delta", BDELTA(1, TEXTD(" there")), 0 },
	{ "content_block_stop", BSTOP(1), 0 },
	{ "content_block_start", BSTART(2, TOOLBLK("toolu_a", "f")), 0 },
	{ "content_block_delta", BDELTA(2, JSOND("")), 0 },
	{ "content_block_delta", BDELTA(2, JSOND("{\\'x\\':")), 0 },
	{ "content_block_delta", BDELTA(2, JSOND("1}")), 0 },
	{ "content_block_stop", BSTOP(2), 0 },
	{ "content_block_start", BSTART(3, TOOLBLK("toolu_b", "g")), 0 },
	{ "content_block_delta", BDELTA(3, JSOND("{}")), 0 },
	{ "content_block_stop", BSTOP(3), 0 },
	{ "message_delta", MDELTA("'tool_use'", 42), 0 },
	{ "message_stop", MSTOP, 0 },
};

#define CHUNK(delta, finish) "{'id':'chatcmpl-msg_1','object':" \
	"'chat.completion.chunk','created':1700000000,'model':'gpt-4o'," \
	"'choices':[{'index':0,'delta':" delta ",'logprobs':null," \
	"'finish_reason':" finish "}],'usage':null}"

static const char *const good_chunks[] = {
	CHUNK("{'role':'assistant','content':''}", "null"),
	CHUNK("{'reasoning_content':'Hmm'}", "null"),
	CHUNK("{'content':'Hi'}", "null"),
	CHUNK("{'content':' there'}", "null"),
	CHUNK("{'tool_calls':[{'index':0,'id':'toolu_a','type':'function',"
	    "'function':{'name':'f','arguments':''}}]}", "null"),
	CHUNK("{'tool_calls':[{'index':0,'function':{'arguments':"
	    "'{\\'x\\':'}}]}", "null"),
	CHUNK("{'tool_calls':[{'index':0,'function':{'arguments':'1}'}}]}",
	    "null"),
	CHUNK("{'tool_calls':[{'index':1,'id':'toolu_b','type':'function',"
	    "'function':{'name':'g','arguments':''}}]}", "null"),
	CHUNK("{'tool_calls':[{'index':1,'function':{'arguments':'{}'}}]}",
	    "null"),
	CHUNK("{}", "'tool_calls'"),
	"{'id':'chatcmpl-msg_1','object':'chat.completion.chunk','created':"
	    "1700000000,'model':'gpt-4o','choices':[],'usage':{"
	    "'prompt_tokens':35,'completion_tokens':42,'total_tokens':77,"
	    "'prompt_tokens_details':{'cached_tokens':10,"
	    "'cache_write_tokens':0}}}",
};

static void
test_up_stream_good(int named)
{
	struct an_up_stream	 s;
	struct rec		 r;
	size_t			 i, n = sizeof(good_stream) /
	    sizeof(good_stream[0]);
	int			 ok = 1, rc;

	an_up_stream_init(&s, "gpt-4o", 1700000000);
	rec_init(&r, 0);
	for (i = 0; i < n; i++) {
		rc = up_feed(&s, &r, named ? good_stream[i].event : NULL,
		    good_stream[i].data);
		if (rc != 0) {
			printf("# step %zu: rc %d\n", i, rc);
			ok = 0;
		}
	}
	T_OK(ok && s.done && !s.failed, "up_stream (%s): every event "
	    "accepted, done", named ? "named" : "unnamed");
	T_OK(cJSON_GetArraySize(r.all) == (int)(sizeof(good_chunks) /
	    sizeof(good_chunks[0])) && !r.broken, "up_stream (%s): %d "
	    "complete chunks (got %d)", named ? "named" : "unnamed",
	    (int)(sizeof(good_chunks) / sizeof(good_chunks[0])),
	    cJSON_GetArraySize(r.all));
	for (i = 0; i < sizeof(good_chunks) / sizeof(good_chunks[0]); i++)
		T_OK(same(cJSON_GetArrayItem(r.all, (int)i), good_chunks[i]),
		    "up_stream (%s) chunk %zu", named ? "named" : "unnamed",
		    i);
	cJSON_Delete(r.all);
}

struct up_scen {
	const char	*name;
	struct step	 steps[5];
	int		 nchunks;
	const char	*last;		/* the last chunk, or NULL */
};

#define S_START	{ "message_start", START_EV, 0 }

static const struct up_scen up_scens[] = {
	{ "content_block_delta before message_start",
	    { { "content_block_delta", BDELTA(0, TEXTD("x")), -1 } }, 0,
	    NULL },
	{ "content_block_start before message_start",
	    { { "content_block_start", BSTART(0, "{'type':'text','text':''}"),
	    -1 } }, 0, NULL },
	{ "message_delta before message_start",
	    { { "message_delta", MDELTA("'end_turn'", 1), -1 } }, 0, NULL },
	{ "message_stop before message_start",
	    { { "message_stop", MSTOP, -1 } }, 0, NULL },
	{ "unnamed delta before message_start",
	    { { NULL, BDELTA(0, TEXTD("x")), -1 } }, 0, NULL },
	{ "ping before message_start",
	    { { "ping", "{'type':'ping'}", 0 }, { NULL, "{'type':'ping'}", 0 },
	    S_START }, 1, NULL },
	{ "message_start twice",
	    { S_START, { "message_start", START_EV, -1 } }, 1, NULL },
	{ "message_start id a number",
	    { { "message_start", "{'type':'message_start','message':{'id':5}}",
	    -1 } }, 0, NULL },
	{ "message_start without message",
	    { { "message_start", "{'type':'message_start'}", -1 } }, 0, NULL },
	{ "message_start data not JSON",
	    { { "message_start", "{'type':", -1 } }, 0, NULL },
	{ "delta data not JSON",
	    { S_START, { "content_block_delta", "not json", -1 } }, 1, NULL },
	{ "delta data an array",
	    { S_START, { "content_block_delta", "[1,2]", -1 } }, 1, NULL },
	{ "unnamed data without type",
	    { S_START, { NULL, "{'index':0}", -1 } }, 1, NULL },
	{ "unnamed data not JSON",
	    { S_START, { "", "garbage", -1 } }, 1, NULL },
	{ "unnamed unknown type ignored",
	    { S_START, { NULL, "{'type':'brand_new_event'}", 0 } }, 1, NULL },
	{ "unknown event with garbage ignored",
	    { S_START, { "brand_new_event", "not json", 0 } }, 1, NULL },
	{ "input_json_delta for a block never started",
	    { S_START, { "content_block_delta", BDELTA(5, JSOND("{}")), 0 } },
	    1, NULL },
	{ "input_json_delta for a text block",
	    { S_START, { "content_block_start", BSTART(0, "{'type':'text',"
	    "'text':''}"), 0 }, { "content_block_delta", BDELTA(0,
	    JSOND("{}")), 0 } }, 1, NULL },
	{ "text_delta of a tool_use block ignored",
	    { S_START, { "content_block_start", BSTART(0, TOOLBLK("t", "f")),
	    0 }, { "content_block_delta", BDELTA(0, TEXTD("x")), 0 } }, 2,
	    NULL },
	{ "index huge",
	    { S_START, { "content_block_delta", BDELTA(1e12, TEXTD("x")),
	        -1 } },
	    1, NULL },
	{ "index negative",
	    { S_START, { "content_block_delta", BDELTA(-1, TEXTD("x")), -1 } },
	    1, NULL },
	{ "index a string",
	    { S_START, { "content_block_delta", BDELTA('0', TEXTD("x")), -1 } },
	    1, NULL },
	{ "index fractional",
	    { S_START, { "content_block_delta", BDELTA(1.5, TEXTD("x")), -1 } },
	    1, NULL },
	{ "index missing",
	    { S_START, { "content_block_delta", "{'type':"
	    "'content_block_delta','delta':" TEXTD("x") "}", -1 } }, 1, NULL },
	{ "tool_use at index 64 (cap)",
	    { S_START, { "content_block_start", BSTART(64, TOOLBLK("t", "f")),
	    -1 } }, 1, NULL },
	{ "text at index 64 is fine",
	    { S_START, { "content_block_start", BSTART(64, "{'type':'text',"
	    "'text':'a'}"), 0 }, { "content_block_delta", BDELTA(64,
	    TEXTD("b")), 0 } }, 3, CHUNK("{'content':'b'}", "null") },
	{ "tool_use started twice at one index",
	    { S_START, { "content_block_start", BSTART(0, TOOLBLK("t", "f")),
	    0 }, { "content_block_start", BSTART(0, TOOLBLK("u", "g")), -1 } },
	    2, NULL },
	{ "tool_use input a string",
	    { S_START, { "content_block_start", BSTART(0, "{'type':'tool_use',"
	    "'id':'t','name':'f','input':'{}'}"), -1 } }, 1, NULL },
	{ "tool_use id a number",
	    { S_START, { "content_block_start", BSTART(0, "{'type':'tool_use',"
	    "'id':1,'name':'f','input':{}}"), -1 } }, 1, NULL },
	{ "tool_use with a full input",
	    { S_START, { "content_block_start", BSTART(0, "{'type':'tool_use',"
	    "'id':'t','name':'f','input':{'a':[1]}}"), 0 } }, 2,
	    CHUNK("{'tool_calls':[{'index':0,'id':'t','type':'function',"
	    "'function':{'name':'f','arguments':'{\\'a\\':[1]}'}}]}", "null") },
	{ "content_block_start without content_block",
	    { S_START, { "content_block_start", "{'type':'content_block_start',"
	    "'index':0}", -1 } }, 1, NULL },
	{ "content_block without type",
	    { S_START, { "content_block_start", BSTART(0, "{'text':''}"),
	        -1 } },
	    1, NULL },
	{ "unknown block type ignored",
	    { S_START, { "content_block_start", BSTART(0, "{'type':"
	    "'server_tool_use','id':'s','name':'web_search','input':{}}"), 0 },
	    { "content_block_start", BSTART(1, "{'type':'redacted_thinking',"
	    "'data':'x'}"), 0 } }, 1, NULL },
	{ "delta without delta",
	    { S_START, { "content_block_delta", "{'type':'content_block_delta',"
	    "'index':0}", -1 } }, 1, NULL },
	{ "delta without type",
	    { S_START, { "content_block_delta", BDELTA(0, "{'text':'x'}"),
	    -1 } }, 1, NULL },
	{ "text_delta text a number",
	    { S_START, { "content_block_delta", BDELTA(0, "{'type':"
	    "'text_delta','text':5}"), -1 } }, 1, NULL },
	{ "thinking_delta without thinking",
	    { S_START, { "content_block_delta", BDELTA(0, "{'type':"
	    "'thinking_delta'}"), -1 } }, 1, NULL },
	{ "input_json_delta partial_json an object",
	    { S_START, { "content_block_delta", BDELTA(0, "{'type':"
	    "'input_json_delta','partial_json':{}}"), -1 } }, 1, NULL },
	{ "unknown delta type ignored",
	    { S_START, { "content_block_delta", BDELTA(0, "{'type':"
	    "'citations_delta','citation':{}}"), 0 } }, 1, NULL },
	{ "empty text_delta sends nothing",
	    { S_START, { "content_block_delta", BDELTA(0, TEXTD("")), 0 } }, 1,
	    NULL },
	{ "message_delta stop_reason a number",
	    { S_START, { "message_delta", MDELTA("5", 1), -1 } }, 1, NULL },
	{ "message_delta without delta",
	    { S_START, { "message_delta", "{'type':'message_delta','usage':{"
	    "'output_tokens':1}}", -1 } }, 1, NULL },
	{ "message_delta twice: one finish chunk",
	    { S_START, { "message_delta", MDELTA("'max_tokens'", 3), 0 },
	    { "message_delta", MDELTA("'end_turn'", 5), 0 } }, 2,
	    CHUNK("{}", "'length'") },
	{ "message_stop without message_delta: finish stop",
	    { S_START, { "message_stop", MSTOP, 0 } }, 3,
	    "{'id':'chatcmpl-msg_1','object':'chat.completion.chunk','created':"
	    "1700000000,'model':'gpt-4o','choices':[],'usage':{"
	    "'prompt_tokens':35,'completion_tokens':1,'total_tokens':36,"
	    "'prompt_tokens_details':{'cached_tokens':10,"
	    "'cache_write_tokens':0}}}" },
	{ "message_stop twice",
	    { S_START, { "message_stop", MSTOP, 0 }, { "message_stop", MSTOP,
	    0 } }, 3, NULL },
	{ "events after done ignored",
	    { S_START, { "message_stop", MSTOP, 0 }, { "content_block_delta",
	    BDELTA(0, TEXTD("late")), 0 }, { "error", "{'type':'error',"
	    "'error':{'type':'api_error','message':'x'}}", 0 } }, 3, NULL },
	{ "error event",
	    { S_START, { "error", "{'type':'error','error':{'type':"
	    "'overloaded_error','message':'Overloaded'}}", 0 },
	    { "content_block_delta", BDELTA(0, TEXTD("late")), 0 } }, 2,
	    "{'error':{'message':'Overloaded','type':'upstream_error','code':"
	    "'upstream_overloaded','param':null}}" },
	{ "error event with garbage data",
	    { { "error", "<html>", 0 } }, 1,
	    "{'error':{'message':'The upstream provider failed','type':"
	    "'upstream_error','code':'bad_upstream_response','param':null}}" },
	{ "unnamed error before message_start",
	    { { NULL, "{'type':'error','error':{'type':'rate_limit_error',"
	    "'message':'slow'}}", 0 }, S_START }, 1,
	    "{'error':{'message':'slow','type':'rate_limit_error','code':"
	    "'rate_limit_exceeded','param':null}}" },
	{ "hostile usage numbers",
	    { { "message_start", "{'type':'message_start','message':{'id':"
	    "'msg_1','usage':{'input_tokens':-5,'output_tokens':1e300,"
	    "'cache_read_input_tokens':'9'}}}", 0 }, { "message_delta",
	    "{'type':'message_delta','delta':{'stop_reason':null},'usage':{"
	    "'output_tokens':-1}}", 0 }, { "message_stop", MSTOP, 0 } }, 3,
	    "{'id':'chatcmpl-msg_1','object':'chat.completion.chunk','created':"
	    "1700000000,'model':'gpt-4o','choices':[],'usage':{"
	    "'prompt_tokens':0,'completion_tokens':0,'total_tokens':0,"
	    "'prompt_tokens_details':{'cached_tokens':0,"
	    "'cache_write_tokens':0}}}" },
	{ "message_delta carries cumulative input usage",
	    { S_START, { "message_delta", "{'type':'message_delta','delta':{"
	    "'stop_reason':'end_turn'},'usage':{'input_tokens':30,"
	    "'cache_read_input_tokens':4,'output_tokens':9}}", 0 },
	    { "message_stop", MSTOP, 0 } }, 3,
	    "{'id':'chatcmpl-msg_1','object':'chat.completion.chunk','created':"
	    "1700000000,'model':'gpt-4o','choices':[],'usage':{"
	    "'prompt_tokens':34,'completion_tokens':9,'total_tokens':43,"
	    "'prompt_tokens_details':{'cached_tokens':4,"
	    "'cache_write_tokens':0}}}" },
	{ "overlong message id is cut, still a chunk",
	    { { "message_start", "{'type':'message_start','message':{'id':"
	    "'msg_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'}}", 0 } },
	    1, NULL },
};

static void
test_up_stream_bad(void)
{
	const struct up_scen	*sc;
	struct an_up_stream	 s;
	struct rec		 r;
	size_t			 i, k;
	int			 ok, rc;

	for (i = 0; i < sizeof(up_scens) / sizeof(up_scens[0]); i++) {
		sc = &up_scens[i];
		an_up_stream_init(&s, "gpt-4o", 1700000000);
		rec_init(&r, 0);
		ok = 1;
		for (k = 0; k < 5 && sc->steps[k].data != NULL; k++)
			if ((rc = up_feed(&s, &r, sc->steps[k].event,
			    sc->steps[k].data)) != sc->steps[k].rc) {
				printf("# step %zu: rc %d, want %d\n", k, rc,
				    sc->steps[k].rc);
				ok = 0;
			}
		T_OK(ok && cJSON_GetArraySize(r.all) == sc->nchunks &&
		    !r.broken, "up_stream %s (%d chunks, got %d)", sc->name,
		    sc->nchunks, cJSON_GetArraySize(r.all));
		if (sc->last != NULL)
			T_OK(same(cJSON_GetArrayItem(r.all, sc->nchunks - 1),
			    sc->last), "up_stream %s: last chunk", sc->name);
		cJSON_Delete(r.all);
	}
	/* emit's value stops the conversion and comes back. */
	an_up_stream_init(&s, "m", 1);
	rec_init(&r, 1);
	rc = up_feed(&s, &r, "message_start", START_EV);
	T_OK(rc == 9 && r.n == 1, "up_stream returns emit's value");
	cJSON_Delete(r.all);
	/* NULL data of a known event is malformed; model NULL is "". */
	an_up_stream_init(&s, NULL, 1);
	rec_init(&r, 0);
	T_OK(an_up_stream_event(&s, "message_start", NULL, 0, rec_chunk,
	    &r) == -1 && r.n == 0 && s.model[0] == '\0',
	    "up_stream NULL data");
	cJSON_Delete(r.all);
}

/* ---- an_cl_request ---- */

struct cl_case {
	const char	*name;
	const char	*req;
	int		 stream;
	const char	*want;		/* NULL: AN_INVALID */
	const char	*param;
};

#define CL_HEAD		"'model':'claude-sonnet','max_tokens':1024"
#define CL_HI		"'messages':[{'role':'user','content':'Hi'}]"
#define CHAT_HEAD2	"'model':'gpt-4o','messages':[{'role':'user'," \
			    "'content':'Hi'}],'max_completion_tokens':1024"
#define CL_TOOL \
	"'tools':[{'name':'f','input_schema':{'type':'object'}}]"
#define CHAT_TOOL2	"'tools':[{'type':'function','function':{'name':'f'," \
			    "'parameters':{'type':'object'}}}]"

static const struct cl_case cl_cases[] = {
	{ "system string, stream with include_usage",
	    "{" CL_HEAD ",'system':'Be brief.'," CL_HI ",'stream':true}", 1,
	    "{'model':'gpt-4o','messages':[{'role':'system','content':"
	    "'Be brief.'},{'role':'user','content':'Hi'}],"
	    "'max_completion_tokens':1024,'stream':true,'stream_options':{"
	    "'include_usage':true}}", NULL },
	{ "system blocks, images, sampling, stop, user id",
	    "{" CL_HEAD ",'system':[{'type':'text','text':'A','cache_control':"
	    "{'type':'ephemeral'}},{'type':'text','text':''},{'type':'text',"
	    "'text':'B'}],'messages':[{'role':'user','content':[{'type':"
	    "'text','text':'look'},{'type':'image','source':{'type':'base64',"
	    "'media_type':'image/png','data':'AAAA'}},{'type':'image',"
	    "'source':{'type':'url','url':'https://e.com/a.png'}}]}],"
	    "'temperature':0.2,'top_p':0.9,'top_k':5,'stop_sequences':['X'],"
	    "'metadata':{'user_id':'u1'},'stream':false}", 0,
	    "{'model':'gpt-4o','messages':[{'role':'system','content':"
	    "'A\\n\\nB'},{'role':'user','content':[{'type':'text','text':"
	    "'look'},{'type':'image_url','image_url':{'url':"
	    "'data:image/png;base64,AAAA'}},{'type':'image_url','image_url':{"
	    "'url':'https://e.com/a.png'}}]}],'max_completion_tokens':1024,"
	    "'temperature':0.2,'top_p':0.9,'stop':['X'],'user':'u1'}", NULL },
	{ "tool round trip",
	    "{" CL_HEAD ",'messages':[{'role':'user','content':'Weather?'},{"
	    "'role':'assistant','content':[{'type':'thinking','thinking':'t',"
	    "'signature':'s'},{'type':'text','text':'Checking.'},{'type':"
	    "'tool_use','id':'toolu_1','name':'weather','input':{'city':"
	    "'Paris'}},{'type':'tool_use','id':'toolu_2','name':'time',"
	    "'input':{}}]},{'role':'user','content':[{'type':'tool_result',"
	    "'tool_use_id':'toolu_1','content':'18C'},{'type':'tool_result',"
	    "'tool_use_id':'toolu_2','is_error':true,'content':[{'type':'text',"
	    "'text':'a'},{'type':'text','text':'b'},{'type':'image','source':{"
	    "'type':'base64','media_type':'image/jpeg','data':'QQ=='}}]},{"
	    "'type':'text','text':'thanks'}]}],'tools':[{'name':'weather',"
	    "'description':'W','input_schema':{'type':'object'}},{'name':"
	    "'time','type':'custom','input_schema':{'type':'object'}}],"
	    "'tool_choice':{'type':'auto'}}", 0,
	    "{'model':'gpt-4o','messages':[{'role':'user','content':"
	    "'Weather?'},{'role':'assistant','content':'Checking.',"
	    "'tool_calls':[{'id':'toolu_1','type':'function','function':{"
	    "'name':'weather','arguments':'{\\'city\\':\\'Paris\\'}'}},{'id':"
	    "'toolu_2','type':'function','function':{'name':'time',"
	    "'arguments':'{}'}}]},{'role':'tool','tool_call_id':'toolu_1',"
	    "'content':'18C'},{'role':'tool','tool_call_id':'toolu_2',"
	    "'content':'a\\nb'},{'role':'user','content':[{'type':"
	    "'image_url','image_url':{'url':'data:image/jpeg;base64,QQ=='}},{"
	    "'type':'text','text':'thanks'}]}],'max_completion_tokens':1024,"
	    "'tools':[{'type':'function','function':{'name':'weather',"
	    "'description':'W','parameters':{'type':'object'}}},{'type':"
	    "'function','function':{'name':'time','parameters':{'type':"
	    "'object'}}}],'tool_choice':'auto'}", NULL },
	{ "only tool results; thinking-only and tool-only assistants",
	    "{" CL_HEAD ",'messages':[{'role':'assistant','content':[{'type':"
	    "'redacted_thinking','data':'x'}]},{'role':'assistant','content':"
	    "[{'type':'tool_use','id':'t','name':'f','input':{}}]},{'role':"
	    "'user','content':[{'type':'tool_result','tool_use_id':'t'}]}]}",
	    0, "{'model':'gpt-4o','messages':[{'role':'assistant','content':"
	    "''},{'role':'assistant','content':null,'tool_calls':[{'id':'t',"
	    "'type':'function','function':{'name':'f','arguments':'{}'}}]},{"
	    "'role':'tool','tool_call_id':'t','content':''}],"
	    "'max_completion_tokens':1024}", NULL },
	{ "tool_choice any -> required",
	    "{" CL_HEAD "," CL_HI "," CL_TOOL ",'tool_choice':{'type':'any'}}",
	    0, "{" CHAT_HEAD2 "," CHAT_TOOL2 ",'tool_choice':'required'}",
	    NULL },
	{ "tool_choice tool -> named function",
	    "{" CL_HEAD "," CL_HI "," CL_TOOL ",'tool_choice':{'type':'tool',"
	    "'name':'f'}}", 0, "{" CHAT_HEAD2 "," CHAT_TOOL2 ",'tool_choice':{"
	    "'type':'function','function':{'name':'f'}}}", NULL },
	{ "tool_choice none ignores disable_parallel_tool_use",
	    "{" CL_HEAD "," CL_HI "," CL_TOOL ",'tool_choice':{'type':'none',"
	    "'disable_parallel_tool_use':true}}", 0,
	    "{" CHAT_HEAD2 "," CHAT_TOOL2 ",'tool_choice':'none'}", NULL },
	{ "disable_parallel_tool_use -> parallel_tool_calls false",
	    "{" CL_HEAD "," CL_HI "," CL_TOOL ",'tool_choice':{'type':'auto',"
	    "'disable_parallel_tool_use':true}}", 0,
	    "{" CHAT_HEAD2 "," CHAT_TOOL2 ",'tool_choice':'auto',"
	    "'parallel_tool_calls':false}", NULL },
	{ "tool_choice without tools is not sent",
	    "{" CL_HEAD "," CL_HI ",'tools':[],'tool_choice':{'type':'any'}}",
	    0, "{" CHAT_HEAD2 "}", NULL },
	{ "thinking 1024 -> low",
	    "{" CL_HEAD "," CL_HI ",'thinking':{'type':'enabled',"
	    "'budget_tokens':1024}}", 0,
	    "{" CHAT_HEAD2 ",'reasoning_effort':'low'}", NULL },
	{ "thinking 4096 -> medium",
	    "{" CL_HEAD "," CL_HI ",'thinking':{'type':'enabled',"
	    "'budget_tokens':4096}}", 0,
	    "{" CHAT_HEAD2 ",'reasoning_effort':'medium'}", NULL },
	{ "thinking 10000 -> high",
	    "{" CL_HEAD "," CL_HI ",'thinking':{'type':'enabled',"
	    "'budget_tokens':10000}}", 0,
	    "{" CHAT_HEAD2 ",'reasoning_effort':'high'}", NULL },
	{ "thinking disabled",
	    "{" CL_HEAD "," CL_HI ",'thinking':{'type':'disabled'},"
	    "'metadata':{'user_id':null},'stop_sequences':[]}", 0,
	    "{" CHAT_HEAD2 "}", NULL },
	{ "adaptive thinking with effort max -> high",
	    "{" CL_HEAD "," CL_HI ",'thinking':{'type':'adaptive'},"
	    "'output_config':{'effort':'max'}}", 0,
	    "{" CHAT_HEAD2 ",'reasoning_effort':'high'}", NULL },
	{ "adaptive thinking alone -> medium",
	    "{" CL_HEAD "," CL_HI ",'thinking':{'type':'adaptive'}}", 0,
	    "{" CHAT_HEAD2 ",'reasoning_effort':'medium'}", NULL },
	/* bad */
	{ "body an array", "[]", 0, NULL, "" },
	{ "model missing", "{'max_tokens':1," CL_HI "}", 0, NULL, "model" },
	{ "model a number", "{'model':5,'max_tokens':1," CL_HI "}", 0, NULL,
	    "model" },
	{ "model empty", "{'model':'','max_tokens':1," CL_HI "}", 0, NULL,
	    "model" },
	{ "model overlong", "{'model':'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx','max_tokens':"
	    "1," CL_HI "}", 0, NULL, "model" },
	{ "max_tokens missing", "{'model':'m'," CL_HI "}", 0, NULL,
	    "max_tokens" },
	{ "max_tokens 0", "{'model':'m','max_tokens':0," CL_HI "}", 0, NULL,
	    "max_tokens" },
	{ "max_tokens fractional", "{'model':'m','max_tokens':1.5," CL_HI "}",
	    0, NULL, "max_tokens" },
	{ "max_tokens a string", "{'model':'m','max_tokens':'10'," CL_HI "}",
	    0, NULL, "max_tokens" },
	{ "max_tokens huge", "{'model':'m','max_tokens':1e300," CL_HI "}", 0,
	    NULL, "max_tokens" },
	{ "stream a string", "{" CL_HEAD "," CL_HI ",'stream':'yes'}", 0,
	    NULL, "stream" },
	{ "messages missing", "{" CL_HEAD "}", 0, NULL, "messages" },
	{ "messages an object", "{" CL_HEAD ",'messages':{}}", 0, NULL,
	    "messages" },
	{ "messages empty", "{" CL_HEAD ",'messages':[]}", 0, NULL,
	    "messages" },
	{ "message a number", "{" CL_HEAD ",'messages':[5]}", 0, NULL,
	    "messages.0" },
	{ "role system", "{" CL_HEAD ",'messages':[{'role':'system','content':"
	    "'x'}]}", 0, NULL, "messages.0.role" },
	{ "role missing", "{" CL_HEAD ",'messages':[{'content':'x'}]}", 0,
	    NULL, "messages.0.role" },
	{ "content missing", "{" CL_HEAD ",'messages':[{'role':'user'}]}", 0,
	    NULL, "messages.0.content" },
	{ "content a number", "{" CL_HEAD ",'messages':[{'role':'user',"
	    "'content':5}]}", 0, NULL, "messages.0.content" },
	{ "block a number", "{" CL_HEAD ",'messages':[{'role':'user',"
	    "'content':[5]}]}", 0, NULL, "messages.0.content.0.type" },
	{ "document block", "{" CL_HEAD ",'messages':[{'role':'user',"
	    "'content':[{'type':'document','source':{'type':'text','data':"
	    "'x'}}]}]}", 0, NULL, "messages.0.content.0.type" },
	{ "unknown block", "{" CL_HEAD ",'messages':[{'role':'user',"
	    "'content':[{'type':'text','text':'a'},"
	    "{'type':'search_result'}]}]}",
	    0, NULL, "messages.0.content.1.type" },
	{ "text block text a number", "{" CL_HEAD ",'messages':[{'role':"
	    "'user','content':[{'type':'text','text':5}]}]}", 0, NULL,
	    "messages.0.content.0.text" },
	{ "image without source", "{" CL_HEAD ",'messages':[{'role':'user',"
	    "'content':[{'type':'image'}]}]}", 0, NULL,
	    "messages.0.content.0.source" },
	{ "image file source", "{" CL_HEAD ",'messages':[{'role':'user',"
	    "'content':[{'type':'image','source':{'type':'file','file_id':"
	    "'f'}}]}]}", 0, NULL, "messages.0.content.0.source" },
	{ "image base64 without data", "{" CL_HEAD ",'messages':[{'role':"
	    "'user','content':[{'type':'image','source':{'type':'base64',"
	    "'media_type':'image/png'}}]}]}", 0, NULL,
	    "messages.0.content.0.source" },
	{ "image url source without url", "{" CL_HEAD ",'messages':[{'role':"
	    "'user','content':[{'type':'image','source':{'type':'url'}}]}]}",
	    0, NULL, "messages.0.content.0.source" },
	{ "tool_use in a user message", "{" CL_HEAD ",'messages':[{'role':"
	    "'user','content':[{'type':'tool_use','id':'t','name':'f',"
	    "'input':{}}]}]}", 0, NULL, "messages.0.content.0.type" },
	{ "tool_result in an assistant message", "{" CL_HEAD ",'messages':[{"
	    "'role':'assistant','content':[{'type':'tool_result',"
	    "'tool_use_id':'t'}]}]}", 0, NULL, "messages.0.content.0.type" },
	{ "image in an assistant message", "{" CL_HEAD ",'messages':[{'role':"
	    "'assistant','content':[{'type':'image','source':{'type':'url',"
	    "'url':'https://x'}}]}]}", 0, NULL, "messages.0.content.0.type" },
	{ "tool_result without tool_use_id", "{" CL_HEAD ",'messages':[{"
	    "'role':'user','content':[{'type':'tool_result','content':'x'}]}]}",
	    0, NULL, "messages.0.content.0.tool_use_id" },
	{ "tool_result is_error a string", "{" CL_HEAD ",'messages':[{'role':"
	    "'user','content':[{'type':'tool_result','tool_use_id':'t',"
	    "'is_error':'yes'}]}]}", 0, NULL, "messages.0.content.0.is_error" },
	{ "tool_result content a number", "{" CL_HEAD ",'messages':[{'role':"
	    "'user','content':[{'type':'tool_result','tool_use_id':'t',"
	    "'content':5}]}]}", 0, NULL, "messages.0.content.0.content" },
	{ "tool_result content with a document", "{" CL_HEAD ",'messages':[{"
	    "'role':'user','content':[{'type':'tool_result','tool_use_id':'t',"
	    "'content':[{'type':'document'}]}]}]}", 0, NULL,
	    "messages.0.content.0.content.0" },
	{ "tool_result with a bad image", "{" CL_HEAD ",'messages':[{'role':"
	    "'user','content':[{'type':'tool_result','tool_use_id':'t',"
	    "'content':[{'type':'image','source':{}}]}]}]}", 0, NULL,
	    "messages.0.content.0.content.0.source" },
	{ "tool_use input a string", "{" CL_HEAD ",'messages':[{'role':"
	    "'assistant','content':[{'type':'tool_use','id':'t','name':'f',"
	    "'input':'{}'}]}]}", 0, NULL, "messages.0.content.0" },
	{ "tool_use without id", "{" CL_HEAD ",'messages':[{'role':"
	    "'assistant','content':[{'type':'tool_use','name':'f','input':{}}]"
	    "}]}", 0, NULL, "messages.0.content.0" },
	{ "assistant text a number", "{" CL_HEAD ",'messages':[{'role':"
	    "'assistant','content':[{'type':'text','text':null}]}]}", 0, NULL,
	    "messages.0.content.0.text" },
	{ "system a number", "{" CL_HEAD ",'system':5," CL_HI "}", 0, NULL,
	    "system" },
	{ "system image block", "{" CL_HEAD ",'system':[{'type':'image'}],"
	    CL_HI "}", 0, NULL, "system.0" },
	{ "system text block without text", "{" CL_HEAD ",'system':[{'type':"
	    "'text','text':'a'},{'type':'text'}]," CL_HI "}", 0, NULL,
	    "system.1" },
	{ "tools an object", "{" CL_HEAD "," CL_HI ",'tools':{}}", 0, NULL,
	    "tools" },
	{ "server tool", "{" CL_HEAD "," CL_HI ",'tools':[{'type':"
	    "'web_search_20250305','name':'web_search'}]}", 0, NULL,
	    "tools.0.type" },
	{ "tool type a number", "{" CL_HEAD "," CL_HI ",'tools':[{'type':1,"
	    "'name':'f','input_schema':{}}]}", 0, NULL, "tools.0.type" },
	{ "tool without input_schema", "{" CL_HEAD "," CL_HI ",'tools':[{"
	    "'name':'f'}]}", 0, NULL, "tools.0" },
	{ "tool without name", "{" CL_HEAD "," CL_HI ",'tools':[{"
	    "'input_schema':{}}]}", 0, NULL, "tools.0" },
	{ "tool description a number", "{" CL_HEAD "," CL_HI ",'tools':[{"
	    "'name':'f','description':1,'input_schema':{}}]}", 0, NULL,
	    "tools.0" },
	{ "tool not an object", "{" CL_HEAD "," CL_HI ",'tools':['f']}", 0,
	    NULL, "tools.0" },
	{ "tool_choice a string", "{" CL_HEAD "," CL_HI "," CL_TOOL
	    ",'tool_choice':'auto'}", 0, NULL, "tool_choice" },
	{ "tool_choice tool without name", "{" CL_HEAD "," CL_HI "," CL_TOOL
	    ",'tool_choice':{'type':'tool'}}", 0, NULL, "tool_choice" },
	{ "tool_choice unknown type", "{" CL_HEAD "," CL_HI "," CL_TOOL
	    ",'tool_choice':{'type':'required'}}", 0, NULL, "tool_choice" },
	{ "disable_parallel_tool_use a string", "{" CL_HEAD "," CL_HI ","
	    CL_TOOL ",'tool_choice':{'type':'auto','disable_parallel_tool_use':"
	    "'yes'}}", 0, NULL, "tool_choice.disable_parallel_tool_use" },
	{ "stop_sequences a string", "{" CL_HEAD "," CL_HI
	    ",'stop_sequences':'X'}", 0, NULL, "stop_sequences" },
	{ "stop_sequences with a number", "{" CL_HEAD "," CL_HI
	    ",'stop_sequences':['X',1]}", 0, NULL, "stop_sequences" },
	{ "temperature above 1", "{" CL_HEAD "," CL_HI ",'temperature':1.5}",
	    0, NULL, "temperature" },
	{ "temperature a string", "{" CL_HEAD "," CL_HI ",'temperature':'x'}",
	    0, NULL, "temperature" },
	{ "top_p negative", "{" CL_HEAD "," CL_HI ",'top_p':-1}", 0, NULL,
	    "top_p" },
	{ "top_k a string", "{" CL_HEAD "," CL_HI ",'top_k':'5'}", 0, NULL,
	    "top_k" },
	{ "metadata a string", "{" CL_HEAD "," CL_HI ",'metadata':'x'}", 0,
	    NULL, "metadata" },
	{ "metadata.user_id a number", "{" CL_HEAD "," CL_HI ",'metadata':{"
	    "'user_id':5}}", 0, NULL, "metadata.user_id" },
	{ "thinking enabled without budget", "{" CL_HEAD "," CL_HI
	    ",'thinking':{'type':'enabled'}}", 0, NULL,
	    "thinking.budget_tokens" },
	{ "thinking budget below 1024", "{" CL_HEAD "," CL_HI ",'thinking':{"
	    "'type':'enabled','budget_tokens':100}}", 0, NULL,
	    "thinking.budget_tokens" },
	{ "thinking a string", "{" CL_HEAD "," CL_HI ",'thinking':'on'}", 0,
	    NULL, "thinking" },
	{ "thinking unknown type", "{" CL_HEAD "," CL_HI ",'thinking':{"
	    "'type':'deep'}}", 0, NULL, "thinking" },
};

static void
test_cl_request(void)
{
	const struct cl_case	*c;
	char			 param[64], msg[256];
	cJSON			*in, *out;
	char			*before, *after;
	enum an_conv		 rc;
	size_t			 i;

	for (i = 0; i < sizeof(cl_cases) / sizeof(cl_cases[0]); i++) {
		c = &cl_cases[i];
		if ((in = pj(c->req)) == NULL) {
			T_OK(0, "cl_request %s: test JSON parses", c->name);
			continue;
		}
		before = cJSON_PrintUnformatted(in);
		memset(param, 'x', sizeof(param));
		memset(msg, 'x', sizeof(msg));
		out = (cJSON *)1;
		rc = an_cl_request(in, "gpt-4o", c->stream, &out, param,
		    sizeof(param), msg, sizeof(msg));
		after = cJSON_PrintUnformatted(in);
		if (c->want != NULL)
			T_OK(rc == AN_OK && same(out, c->want),
			    "cl_request %s", c->name);
		else
			T_OK(rc == AN_INVALID && out == NULL &&
			    strcmp(param, c->param) == 0 &&
			    strncmp(msg, param, strlen(param)) == 0 &&
			    strncmp(msg + strlen(param), ": ", 2) == 0 &&
			    strlen(msg) > strlen(param) + 2,
			    "cl_request refuses %s (param '%s', got '%.*s': "
			    "%.120s)", c->name, c->param, (int)sizeof(param),
			    rc == AN_INVALID ? param : "?",
			    rc == AN_INVALID ? msg : "?");
		T_OK(before != NULL && after != NULL && strcmp(before,
		    after) == 0, "cl_request %s leaves the input alone",
		    c->name);
		cJSON_free(before);
		cJSON_free(after);
		if (rc == AN_OK)
			cJSON_Delete(out);
		cJSON_Delete(in);
	}
	out = (cJSON *)1;
	T_OK(an_cl_request(NULL, "m", 0, &out, NULL, 0, NULL, 0) ==
	    AN_INVALID && out == NULL, "cl_request refuses NULL");
}

/* ---- an_cl_response, an_cl_error ---- */

#define CC_HEAD	"'id':'chatcmpl-1','object':'chat.completion','created':1," \
		    "'model':'gpt'"
#define M_HEAD	"'id':'msg_abc','type':'message','role':'assistant','model':" \
		    "'claude-sonnet'"
#define ZERO_U	"'usage':{'input_tokens':0,'output_tokens':0," \
		    "'cache_read_input_tokens':0," \
		    "'cache_creation_input_tokens':0}"

static void
test_cl_response(void)
{
	static const struct {
		const char	*name;
		const char	*chat;
		const char	*want;	/* NULL: must fail */
	} cases[] = {
		{ "reasoning, text, tool calls, cached usage",
		    "{" CC_HEAD ",'choices':[{'index':0,'message':{'role':"
		    "'assistant','content':'Hello','reasoning_content':'hmm',"
		    "'tool_calls':[{'id':'call_1','type':'function','function':"
		    "{'name':'f','arguments':'{\\'a\\':1}'}},"
		    "{'type':'function',"
		    "'function':{'name':'g','arguments':'not json'}},"
		    "{'id':'c3',"
		    "'function':{'name':'h','arguments':'[1]'}}]},"
		    "'finish_reason':'tool_calls'}],"
		    "'usage':{'prompt_tokens':100,"
		    "'completion_tokens':7,'total_tokens':107,"
		    "'prompt_tokens_details':{'cached_tokens':60}}}",
		    "{" M_HEAD ",'content':[{'type':'thinking',"
		    "'thinking':'hmm',"
		    "'signature':''},{'type':'text','text':'Hello'},{'type':"
		    "'tool_use','id':'call_1','name':'f','input':{'a':1}},{"
		    "'type':'tool_use','id':'toolu_abc_1','name':'g','input':{}"
		    "},{'type':'tool_use','id':'c3','name':'h','input':{}}],"
		    "'stop_reason':'tool_use','stop_sequence':null,'usage':{"
		    "'input_tokens':40,'output_tokens':7,"
		    "'cache_read_input_tokens':60,"
		    "'cache_creation_input_tokens':"
		    "0}}" },
		{ "tool call with finish stop -> tool_use",
		    "{'choices':[{'message':{'content':null,'tool_calls':[{"
		    "'id':'c','function':{'name':'f','arguments':'{}'}}]},"
		    "'finish_reason':'stop'}]}",
		    "{" M_HEAD ",'content':[{'type':'tool_use','id':'c','name':"
		    "'f','input':{}}],'stop_reason':'tool_use','stop_sequence':"
		    "null," ZERO_U "}" },
		{ "tool call cut by length stays max_tokens",
		    "{'choices':[{'message':{'tool_calls':[{'id':'c',"
		    "'function':"
		    "{'name':'f','arguments':'{'}}]},"
		    "'finish_reason':'length'}]}",
		    "{" M_HEAD ",'content':[{'type':'tool_use','id':'c','name':"
		    "'f','input':{}}],'stop_reason':'max_tokens',"
		    "'stop_sequence':null," ZERO_U "}" },
		{ "refusal, content_filter",
		    "{'choices':[{'message':{'content':null,'refusal':'No.'},"
		    "'finish_reason':'content_filter'}]}",
		    "{" M_HEAD ",'content':[{'type':'text','text':'No.'}],"
		    "'stop_reason':'refusal',"
		    "'stop_sequence':null," ZERO_U "}" },
		{ "content parts joined, reasoning alias, length",
		    "{'choices':[{'message':{'content':[{'type':'text','text':"
		    "'a'},{'type':'text','text':'b'},5],'reasoning':'r'},"
		    "'finish_reason':'length'}],'usage':{'prompt_tokens':3,"
		    "'completion_tokens':4}}",
		    "{" M_HEAD ",'content':[{'type':'thinking','thinking':'r',"
		    "'signature':''},{'type':'text','text':'ab'}],"
		    "'stop_reason':"
		    "'max_tokens','stop_sequence':null,'usage':{'input_tokens':"
		    "3,'output_tokens':4,'cache_read_input_tokens':0,"
		    "'cache_creation_input_tokens':0}}" },
		{ "empty message, unknown finish",
		    "{'choices':[{'message':{},'finish_reason':'weird'}]}",
		    "{" M_HEAD ",'content':[],'stop_reason':'end_turn',"
		    "'stop_sequence':null," ZERO_U "}" },
		{ "hostile usage and tool_calls an object",
		    "{'choices':[{'message':{'content':'x','tool_calls':{'a':{"
		    "'id':'c'}}},'finish_reason':5}],'usage':{'prompt_tokens':"
		    "-5,'completion_tokens':1e300,'prompt_tokens_details':{"
		    "'cached_tokens':9}}}",
		    "{" M_HEAD ",'content':[{'type':'text','text':'x'}],"
		    "'stop_reason':'end_turn',"
		    "'stop_sequence':null," ZERO_U "}" },
		{ "cached above prompt is capped",
		    "{'choices':[{'message':{'content':'x'}}],'usage':{"
		    "'prompt_tokens':5,'completion_tokens':1,"
		    "'prompt_tokens_details':{'cached_tokens':9}}}",
		    "{" M_HEAD ",'content':[{'type':'text','text':'x'}],"
		    "'stop_reason':'end_turn','stop_sequence':null,'usage':{"
		    "'input_tokens':0,'output_tokens':1,"
		    "'cache_read_input_tokens':5,'cache_creation_input_tokens':"
		    "0}}" },
		{ "cache writes: input is what was neither read nor written",
		    "{'choices':[{'message':{'content':'x'}}],'usage':{"
		    "'prompt_tokens':100,'completion_tokens':2,"
		    "'prompt_tokens_details':{'cached_tokens':20,"
		    "'cache_write_tokens':30}}}",
		    "{" M_HEAD ",'content':[{'type':'text','text':'x'}],"
		    "'stop_reason':'end_turn','stop_sequence':null,'usage':{"
		    "'input_tokens':50,'output_tokens':2,"
		    "'cache_read_input_tokens':20,'cache_creation_input_tokens':"
		    "30}}" },
		{ "cache writes above what reads leave are capped",
		    "{'choices':[{'message':{'content':'x'}}],'usage':{"
		    "'prompt_tokens':10,'completion_tokens':1,"
		    "'prompt_tokens_details':{'cached_tokens':8,"
		    "'cache_write_tokens':5}}}",
		    "{" M_HEAD ",'content':[{'type':'text','text':'x'}],"
		    "'stop_reason':'end_turn','stop_sequence':null,'usage':{"
		    "'input_tokens':0,'output_tokens':1,"
		    "'cache_read_input_tokens':8,'cache_creation_input_tokens':"
		    "2}}" },
		/* bad */
		{ "not an object", "[]", NULL },
		{ "no choices", "{}", NULL },
		{ "choices empty", "{'choices':[]}", NULL },
		{ "choices an object", "{'choices':{'a':{'message':{}}}}",
		    NULL },
		{ "choice a number", "{'choices':[5]}", NULL },
		{ "message a string", "{'choices':[{'message':'hi'}]}", NULL },
		{ "message null", "{'choices':[{'message':null}]}", NULL },
		{ "delta, not message", "{'choices':[{'delta':{'content':"
		    "'x'}}]}", NULL },
		{ "choices null", "{'choices':null}", NULL },
		{ "choices a string", "{'choices':'x'}", NULL },
		{ "choice null", "{'choices':[null]}", NULL },
		{ "message an array", "{'choices':[{'message':[{'content':"
		    "'x'}]}]}", NULL },
		{ "an error body", "{'error':{'message':'x','type':'t'}}",
		    NULL },
	};
	cJSON	*in, *out;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in = pj(cases[i].chat);
		out = an_cl_response(in, "claude-sonnet", "abc");
		if (cases[i].want != NULL)
			T_OK(same(out, cases[i].want), "cl_response %s",
			    cases[i].name);
		else
			T_OK(in != NULL && out == NULL, "cl_response refuses "
			    "%s", cases[i].name);
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	T_OK(an_cl_response(NULL, "m", "x") == NULL, "cl_response of NULL");

	out = an_cl_error("overloaded_error", "Overloaded");
	T_OK(same(out, "{'type':'error','error':{'type':'overloaded_error',"
	    "'message':'Overloaded'}}"), "cl_error");
	cJSON_Delete(out);
	out = an_cl_error(NULL, NULL);
	T_OK(same(out, "{'type':'error','error':{'type':'api_error',"
	    "'message':''}}"), "cl_error with NULLs");
	cJSON_Delete(out);
}

/* ---- an_cl_stream ---- */

/*
 * Records events and checks the Messages sequence: message_start first
 * and once; blocks start at the next index, one at a time; deltas and
 * stops name the open block; message_delta with no block open, then
 * message_stop, then nothing.
 */
struct evrec {
	cJSON	*all;
	int	 n;
	int	 stop_after;
	int	 broken;
	int	 started, open, next, delta_seen, stopped;
};

static void
evrec_init(struct evrec *r, int stop_after)
{
	memset(r, 0, sizeof(*r));
	r->all = cJSON_CreateArray();
	r->stop_after = stop_after;
	r->open = -1;
}

static int
ev_index(const cJSON *d)
{
	const cJSON	*i = cJSON_GetObjectItem(d, "index");

	return cJSON_IsNumber(i) ? (int)i->valuedouble : -2;
}

static void
ev_check(struct evrec *r, const char *ev, const cJSON *d)
{
	const char	*t = cJSON_GetStringValue(cJSON_GetObjectItem(d,
	    "type"));

	if (t == NULL || strcmp(t, ev) != 0 || r->stopped)
		r->broken = 1;
	else if (strcmp(ev, "message_start") == 0) {
		if (r->started ||
		    !cJSON_IsObject(cJSON_GetObjectItem(d, "message")))
			r->broken = 1;
		r->started = 1;
	} else if (!r->started)
		r->broken = 1;
	else if (strcmp(ev, "content_block_start") == 0) {
		if (r->open != -1 || ev_index(d) != r->next ||
		    r->delta_seen ||
		    !cJSON_IsObject(cJSON_GetObjectItem(d, "content_block")))
			r->broken = 1;
		r->open = ev_index(d);
	} else if (strcmp(ev, "content_block_delta") == 0) {
		if (r->open == -1 || ev_index(d) != r->open ||
		    !cJSON_IsObject(cJSON_GetObjectItem(d, "delta")))
			r->broken = 1;
	} else if (strcmp(ev, "content_block_stop") == 0) {
		if (r->open == -1 || ev_index(d) != r->open)
			r->broken = 1;
		r->open = -1;
		r->next++;
	} else if (strcmp(ev, "message_delta") == 0) {
		if (r->open != -1 || r->delta_seen ||
		    !cJSON_IsObject(cJSON_GetObjectItem(d, "usage")))
			r->broken = 1;
		r->delta_seen = 1;
	} else if (strcmp(ev, "message_stop") == 0) {
		if (!r->delta_seen)
			r->broken = 1;
		r->stopped = 1;
	} else if (strcmp(ev, "ping") != 0)
		r->broken = 1;
}

static int
rec_event(void *arg, const char *event, const cJSON *data)
{
	struct evrec	*r = arg;

	ev_check(r, event, data);
	cJSON_AddItemToArray(r->all, cJSON_Duplicate(data, 1));
	r->n++;
	return r->stop_after != 0 && r->n == r->stop_after ? 7 : 0;
}

#define CK(delta, fin)	"{'id':'c','object':'chat.completion.chunk','created'" \
			    ":1,'model':'gpt','choices':[{'index':0,'delta':" \
			    delta ",'finish_reason':" fin "}]}"
#define MS_EV		"{'type':'message_start','message':{'id':'msg_abc'," \
			    "'type':'message','role':'assistant','model':" \
			    "'claude-sonnet','content':[],'stop_reason':null," \
			    "'stop_sequence':null,'usage':{'input_tokens':40," \
			    "'output_tokens':0}}}"
#define CBS(i, blk)	"{'type':'content_block_start','index':" #i \
			    ",'content_block':" blk "}"
#define CBD(i, d) \
	"{'type':'content_block_delta','index':" #i ",'delta':" \
			    d "}"
#define CBX(i)		"{'type':'content_block_stop','index':" #i "}"
#define TEXT_BLK	"{'type':'text','text':''}"
#define TD(t)		"{'type':'text_delta','text':'" t "'}"
#define JD(t)		"{'type':'input_json_delta','partial_json':'" t "'}"
#define TOOL_BLK(id, n)	"{'type':'tool_use','id':'" id "','name':'" n \
			    "','input':{}}"
#define MD(sr, u)	"{'type':'message_delta','delta':{'stop_reason':'" sr \
			    "','stop_sequence':null},'usage':" u "}"
#define MX		"{'type':'message_stop'}"

static const char *const cl_good_chunks[] = {
	CK("{'role':'assistant','content':''}", "null"),
	CK("{'reasoning_content':'think'}", "null"),
	CK("{'reasoning_content':' more'}", "null"),
	CK("{'content':'Hi'}", "null"),
	CK("{'content':' there'}", "null"),
	CK("{'tool_calls':[{'index':0,'id':'call_a','type':'function',"
	    "'function':{'name':'f','arguments':''}}]}", "null"),
	CK("{'tool_calls':[{'index':0,'function':{'arguments':'{\\'x\\':'}}]}",
	    "null"),
	CK("{'tool_calls':[{'index':0,'function':{'arguments':'1}'}}]}",
	    "null"),
	CK("{'tool_calls':[{'index':1,'id':'call_b','type':'function',"
	    "'function':{'name':'g','arguments':'{}'}}]}", "null"),
	CK("{}", "'tool_calls'"),
	"{'id':'c','object':'chat.completion.chunk','created':1,'model':'gpt',"
	    "'choices':[],'usage':{'prompt_tokens':50,'completion_tokens':12,"
	    "'total_tokens':62,'prompt_tokens_details':{'cached_tokens':20}}}",
};

static const char *const cl_good_events[] = {
	MS_EV,
	CBS(0, "{'type':'thinking','thinking':'','signature':''}"),
	CBD(0, "{'type':'thinking_delta','thinking':'think'}"),
	CBD(0, "{'type':'thinking_delta','thinking':' more'}"),
	CBX(0),
	CBS(1, TEXT_BLK),
	CBD(1, TD("Hi")),
	CBD(1, TD(" there")),
	CBX(1),
	CBS(2, TOOL_BLK("call_a", "f")),
	CBD(2, JD("{\\'x\\':")),
	CBD(2, JD("1}")),
	CBX(2),
	CBS(3, TOOL_BLK("call_b", "g")),
	CBD(3, JD("{}")),
	CBX(3),
	MD("tool_use", "{'input_tokens':30,'output_tokens':12,"
	    "'cache_read_input_tokens':20,"
	    "'cache_creation_input_tokens':0}"),
	MX,
};

/* Feeds ' JSON chunks (NULL ends), then done when done; checks events. */
static void
cl_run(const char *name, const char *const *chunks, size_t nchunks,
    int done, const char *const *want, size_t nwant)
{
	struct an_cl_stream	 s;
	struct evrec		 r;
	cJSON			*c;
	size_t			 i;
	int			 ok = 1, rc;

	an_cl_stream_init(&s, "abc", "claude-sonnet", 40);
	evrec_init(&r, 0);
	for (i = 0; i < nchunks; i++) {
		c = pj(chunks[i]);
		if ((rc = an_cl_stream_chunk(&s, c, rec_event, &r)) != 0) {
			printf("# chunk %zu: rc %d\n", i, rc);
			ok = 0;
		}
		cJSON_Delete(c);
	}
	if (done && (rc = an_cl_stream_done(&s, rec_event, &r)) != 0) {
		printf("# done: rc %d\n", rc);
		ok = 0;
	}
	T_OK(ok && !r.broken && (!done || r.stopped) &&
	    cJSON_GetArraySize(r.all) == (int)nwant, "cl_stream %s: %zu "
	    "events in order (got %d)", name, nwant,
	    cJSON_GetArraySize(r.all));
	for (i = 0; i < nwant; i++)
		T_OK(same(cJSON_GetArrayItem(r.all, (int)i), want[i]),
		    "cl_stream %s: event %zu", name, i);
	cJSON_Delete(r.all);
}

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_cl_stream(void)
{
	static const char *const none_ev[] = { MS_EV, MD("end_turn",
	    "{'input_tokens':40,'output_tokens':0,"
	    "'cache_read_input_tokens':0,"
	    "'cache_creation_input_tokens':0}"),
	    MX };
	static const char *const len_ch[] = {
		CK("{'content':'Hello'}", "'length'"),
		"5", "null", "{'choices':{'a':1}}", "{'choices':[{'delta':"
		    "'x'}]}", "{'choices':[{'delta':{'content':5,'tool_calls':"
		    "{'index':0}}}]}",
	};
	static const char *const len_ev[] = { MS_EV, CBS(0, TEXT_BLK),
	    CBD(0, TD("Hello")), CBX(0), MD("max_tokens", "{'input_tokens':40,"
	    "'output_tokens':2,'cache_read_input_tokens':0,"
	    "'cache_creation_input_tokens':0}"), MX };
	/* Calls 0, 1, then 0 again: the late part of 0 is dropped. */
	static const char *const inter_ch[] = {
		CK("{'tool_calls':[{'index':0,'id':'a','function':{'name':'f',"
		    "'arguments':'{'}}]}", "null"),
		CK("{'tool_calls':[{'index':1,'id':'b','function':{'name':'g',"
		    "'arguments':'{}'}},{'index':0,'function':{'arguments':"
		    "'}'}}]}", "null"),
		CK("{'content':'x'}", "'stop'"),
		CK("{'tool_calls':[{'index':1,'function':{'arguments':'z'}}]}",
		    "null"),
	};
	static const char *const inter_ev[] = { MS_EV,
	    CBS(0, TOOL_BLK("a", "f")), CBD(0, JD("{")), CBX(0),
	    CBS(1, TOOL_BLK("b", "g")), CBD(1, JD("{}")), CBX(1),
	    CBS(2, TEXT_BLK), CBD(2, TD("x")), CBX(2), MD("tool_use",
	    "{'input_tokens':40,'output_tokens':3,"
	    "'cache_read_input_tokens':0,"
	    "'cache_creation_input_tokens':0}"),
	    MX };
	/* No index: the open call, or a new one when an id comes. */
	static const char *const noidx_ch[] = {
		CK("{'tool_calls':[{'id':'a','function':{'name':'f'}}]}",
		    "null"),
		CK("{'tool_calls':[{'function':{'arguments':'{}'}}]}", "null"),
		CK("{'tool_calls':[{'index':-3,'id':'b','function':{"
		    "'arguments':''}}]}", "null"),
		CK("{'tool_calls':[{'index':1e300,'function':{'arguments':"
		    "'[]'}}]}", "null"),
	};
	static const char *const noidx_ev[] = { MS_EV,
	    CBS(0, TOOL_BLK("a", "f")), CBD(0, JD("{}")), CBX(0),
	    CBS(1, TOOL_BLK("b", "")), CBD(1, JD("[]")), CBX(1),
	    MD("tool_use", "{'input_tokens':40,'output_tokens':2,"
	    "'cache_read_input_tokens':0,"
	    "'cache_creation_input_tokens':0}"), MX };
	/* A call without id gets one; refusal is text; content_filter. */
	static const char *const gen_ch[] = {
		CK("{'refusal':'no'}", "null"),
		CK("{'tool_calls':[{'index':4,'function':{'name':'f'}}]}",
		    "'content_filter'"),
	};
	static const char *const gen_ev[] = { MS_EV, CBS(0, TEXT_BLK),
	    CBD(0, TD("no")), CBX(0), CBS(1, TOOL_BLK("toolu_abc_1", "f")),
	    CBX(1), MD("refusal", "{'input_tokens':40,'output_tokens':1,"
	    "'cache_read_input_tokens':0,"
	    "'cache_creation_input_tokens':0}"), MX };
	struct an_cl_stream	 s;
	struct evrec		 r;
	cJSON			*c;
	int			 rc;

	cl_run("thinking, text, two tools, usage", cl_good_chunks,
	    N(cl_good_chunks), 1, cl_good_events, N(cl_good_events));
	cl_run("done without chunks", NULL, 0, 1, none_ev, N(none_ev));
	cl_run("length without usage, junk chunks ignored", len_ch,
	    N(len_ch), 1, len_ev, N(len_ev));
	cl_run("interleaved tool calls", inter_ch, N(inter_ch), 1, inter_ev,
	    N(inter_ev));
	cl_run("tool calls without index", noidx_ch, N(noidx_ch), 1,
	    noidx_ev, N(noidx_ev));
	cl_run("generated tool id, refusal", gen_ch, N(gen_ch), 1, gen_ev,
	    N(gen_ev));

	/* done twice, chunks and pings after done. */
	an_cl_stream_init(&s, "abc", "claude-sonnet", 40);
	evrec_init(&r, 0);
	rc = an_cl_stream_ping(&s, rec_event, &r);
	T_OK(rc == 0 && r.n == 2 && same(cJSON_GetArrayItem(r.all, 1),
	    "{'type':'ping'}"), "cl_stream ping starts the message");
	rc = an_cl_stream_done(&s, rec_event, &r);
	T_OK(rc == 0 && r.n == 4 && r.stopped, "cl_stream done");
	T_OK(an_cl_stream_done(&s, rec_event, &r) == 0 && r.n == 4,
	    "cl_stream done twice sends nothing more");
	c = pj(CK("{'content':'late'}", "null"));
	T_OK(an_cl_stream_chunk(&s, c, rec_event, &r) == 0 &&
	    an_cl_stream_ping(&s, rec_event, &r) == 0 && r.n == 4 &&
	    !r.broken, "cl_stream ignores chunks and pings after done");
	cJSON_Delete(c);
	cJSON_Delete(r.all);

	/* A non-object chunk does not even start the message. */
	an_cl_stream_init(&s, NULL, NULL, -5);
	evrec_init(&r, 0);
	c = pj("[1]");
	T_OK(an_cl_stream_chunk(&s, c, rec_event, &r) == 0 &&
	    an_cl_stream_chunk(&s, NULL, rec_event, &r) == 0 && r.n == 0,
	    "cl_stream ignores non-object chunks");
	cJSON_Delete(c);
	T_OK(an_cl_stream_done(&s, rec_event, &r) == 0 && same(
	    cJSON_GetArrayItem(r.all, 0), "{'type':'message_start','message':"
	    "{'id':'msg_','type':'message','role':'assistant','model':'',"
	    "'content':[],'stop_reason':null,'stop_sequence':null,'usage':{"
	    "'input_tokens':0,'output_tokens':0}}}"), "cl_stream NULL "
	    "idbase/model, negative estimate");
	cJSON_Delete(r.all);

	/* emit's value stops and comes back, at each position. */
	an_cl_stream_init(&s, "abc", "m", 1);
	evrec_init(&r, 3);
	c = pj(CK("{'content':'a'}", "null"));
	rc = an_cl_stream_chunk(&s, c, rec_event, &r);
	T_OK(rc == 7 && r.n == 3, "cl_stream returns emit's value");
	cJSON_Delete(c);
	cJSON_Delete(r.all);
}

/* ---- usage and estimates ---- */

static void
test_usage(void)
{
	struct usage	 u;
	cJSON		*o;
	int		 rc;

	memset(&u, 0, sizeof(u));
	o = pj("{'input_tokens':10,'cache_read_input_tokens':5,"
	    "'cache_creation_input_tokens':2,'output_tokens':3}");
	rc = an_usage_read(o, &u);
	T_OK(rc == 1 && u.prompt == 17 && u.cached == 5 && u.completion ==
	    3 && u.reasoning == 0, "usage_read maps cache tokens");
	cJSON_Delete(o);

	u.prompt = 9;
	u.cached = 1;
	u.reasoning = 4;
	o = pj("{'output_tokens':7}");
	rc = an_usage_read(o, &u);
	T_OK(rc == 1 && u.prompt == 9 && u.cached == 1 && u.completion ==
	    7 && u.reasoning == 4, "usage_read sets only the counts given");
	cJSON_Delete(o);

	o = pj("{'input_tokens':-4,'output_tokens':1e300,"
	    "'cache_read_input_tokens':1e16}");
	rc = an_usage_read(o, &u);
	T_OK(rc == 1 && u.prompt == 0 && u.cached == 0 && u.completion == 0,
	    "usage_read: negative and absurd counts read as 0");
	cJSON_Delete(o);

	u.prompt = 11;
	u.completion = 12;
	o = pj("{'input_tokens':'5','output_tokens':null,'x':1}");
	T_OK(an_usage_read(o, &u) == 0 && u.prompt == 11 && u.completion ==
	    12, "usage_read: no numeric counts, u untouched");
	cJSON_Delete(o);
	o = pj("[{'input_tokens':1}]");
	T_OK(an_usage_read(o, &u) == 0 && an_usage_read(NULL, &u) == 0 &&
	    u.prompt == 11, "usage_read: not an object");
	cJSON_Delete(o);
}

static void
test_estimates(void)
{
	static const struct {
		const char	*ev;
		int64_t		 want;
	} evs[] = {
		{ BDELTA(0, TEXTD("abcdefgh")), 2 },
		{ BDELTA(0, "{'type':'thinking_delta',"
		    "'thinking':'abcde'}"), 2 },
		{ BDELTA(0, JSOND("{}")), 1 },
		{ BSTART(0, TOOLBLK("t", "weather")), 2 },
		{ BSTART(0, "{'type':'text','text':''}"), 0 },
		{ MDELTA("'end_turn'", 5), 0 },
		{ BDELTA(0, "'text'"), 0 },
		{ BDELTA(0, "{'type':'text_delta','text':5}"), 0 },
		{ "{'type':5}", 0 },
		{ "[]", 0 },
	};
	cJSON	*o;
	int64_t	 a, b;
	size_t	 i;

	for (i = 0; i < N(evs); i++) {
		o = pj(evs[i].ev);
		T_OK(o != NULL && an_event_output_tokens(o) == evs[i].want,
		    "event_output_tokens %s = %lld", evs[i].ev,
		    (long long)evs[i].want);
		cJSON_Delete(o);
	}
	T_OK(an_event_output_tokens(NULL) == 0, "event_output_tokens NULL");

	o = pj("{'model':'m','max_tokens':1,'system':'abcd','messages':[{"
	    "'role':'user','content':'abcdefgh'}]}");
	a = an_request_input_tokens(o);
	T_OK(a == 3 + 1 + 3 + 2, "request_input_tokens counts system and "
	    "messages (got %lld)", (long long)a);
	cJSON_Delete(o);
	o = pj("{'system':[{'type':'text','text':'abcd'}],'messages':[{'role':"
	    "'user','content':[{'type':'text','text':'abcdefgh'},{'type':"
	    "'image','source':{}},{'type':'tool_result','content':[{'type':"
	    "'text','text':'abcd'}]}]},{'role':'assistant','content':[{'type':"
	    "'tool_use','name':'abcd','input':{}}]}],'tools':[{'name':'x'}]}");
	b = an_request_input_tokens(o);
	T_OK(b == 3 + 1 + 3 + 2 + 1600 + 1 + 3 + 1 + 1 + 4, "request_input_"
	    "tokens counts blocks, images, tool use and tools (got %lld)",
	    (long long)b);
	cJSON_Delete(o);
	o = pj("{'messages':{'a':{'content':'x'}},'system':5,'tools':{}}");
	T_OK(an_request_input_tokens(o) == 3 && an_request_input_tokens(
	    NULL) == 3, "request_input_tokens of junk is the base");
	cJSON_Delete(o);
}

/* ---- allocation failures ---- */

/* The recorders with injection paused (their copies must not fail). */
static int
rec_chunk_oom(void *arg, const cJSON *chunk)
{
	long	 f = fail_at, n = nalloc;
	int	 rc;

	oom_off();
	rc = rec_chunk(arg, chunk);
	oom_arm(f);
	nalloc = n;
	return rc;
}

static int
rec_event_oom(void *arg, const char *event, const cJSON *data)
{
	long	 f = fail_at, n = nalloc;
	int	 rc;

	oom_off();
	rc = rec_event(arg, event, data);
	oom_arm(f);
	nalloc = n;
	return rc;
}

/* Runs f for k = 0, 1, ... until it needs no failing allocation. */
#define OOM_LOOP(k, body)						\
	for (k = 0; k < 100000; k++) {					\
		oom_arm(k);						\
		body							\
		oom_off();						\
		if (nalloc <= k)					\
			break;						\
	}

static void
test_oom(void)
{
	const char	*up = up_cases[2].chat, *upw = up_cases[2].want;
	const char	*cl = cl_cases[2].req, *clw = cl_cases[2].want;
	cJSON		*in, *out, *want, *c_chunk;
	struct an_up_stream us;
	struct an_cl_stream cs;
	struct rec	 r;
	struct evrec	 er;
	enum an_conv	 rc;
	long		 k, bad = 0, fails = 0;
	size_t		 i;
	int		 src;

	/* an_up_request: AN_NOMEM / AN_INVALID without output, or exact. */
	in = pj(up);
	want = pj(upw);
	OOM_LOOP(k, {
		out = NULL;
		rc = an_up_request(in, UP_MODEL, 0, &out, NULL, 0, NULL, 0);
		if (rc == AN_OK ? !cJSON_Compare(out, want, 1) : out != NULL)
			bad++;
		if (rc != AN_OK)
			fails++;
		cJSON_Delete(out);
	})
	T_OK(bad == 0 && fails > 10, "up_request under allocation failures "
	    "(%ld points, %ld failed, %ld half-built)", k, fails, bad);
	cJSON_Delete(in);
	cJSON_Delete(want);

	in = pj(cl);
	want = pj(clw);
	bad = fails = 0;
	OOM_LOOP(k, {
		out = NULL;
		rc = an_cl_request(in, "gpt-4o", 0, &out, NULL, 0, NULL, 0);
		if (rc == AN_OK ? !cJSON_Compare(out, want, 1) : (out != NULL ||
		    rc != AN_NOMEM))
			bad++;
		if (rc != AN_OK)
			fails++;
		cJSON_Delete(out);
	})
	T_OK(bad == 0 && fails > 10, "cl_request under allocation failures "
	    "(%ld points, %ld failed, %ld half-built)", k, fails, bad);
	cJSON_Delete(in);
	cJSON_Delete(want);

	in = pj(resp_cases[0].msg);
	want = pj(resp_cases[0].want);
	bad = fails = 0;
	OOM_LOOP(k, {
		out = an_up_response(in, "gpt-client", 1700000000);
		if (out != NULL && !cJSON_Compare(out, want, 1))
			bad++;
		if (out == NULL)
			fails++;
		cJSON_Delete(out);
	})
	T_OK(bad == 0 && fails > 10, "up_response under allocation failures "
	    "(%ld points, %ld failed, %ld half-built)", k, fails, bad);
	cJSON_Delete(in);
	cJSON_Delete(want);

	in = pj("{'choices':[{'message':{'content':'Hello',"
	    "'reasoning_content':'hmm','tool_calls':[{'id':'c','function':{"
	    "'name':'f','arguments':'{}'}}]},'finish_reason':'tool_calls'}],"
	    "'usage':{'prompt_tokens':3,'completion_tokens':4}}");
	want = an_cl_response(in, "m", "abc");
	bad = fails = 0;
	OOM_LOOP(k, {
		out = an_cl_response(in, "m", "abc");
		if (out != NULL && !cJSON_Compare(out, want, 1))
			bad++;
		if (out == NULL)
			fails++;
		cJSON_Delete(out);
	})
	T_OK(want != NULL && bad == 0 && fails > 10, "cl_response under "
	    "allocation failures (%ld points, %ld failed, %ld half-built)",
	    k, fails, bad);
	cJSON_Delete(in);
	cJSON_Delete(want);

	/*
	 * Streams: every chunk or event that is emitted is complete; a
	 * failed step returns -1.  The recorder's own copies are made with
	 * the hooks off.
	 */
	bad = fails = 0;
	for (k = 0; k < 4000; k++) {
		an_up_stream_init(&us, "gpt-4o", 1700000000);
		rec_init(&r, 0);
		src = 0;
		for (i = 0; i < N(good_stream) && src == 0; i++) {
			const char *d = q(good_stream[i].data);

			oom_arm(k);
			src = an_up_stream_event(&us, good_stream[i].event, d,
			    strlen(d), rec_chunk_oom, &r);
			oom_off();
		}
		if (src != 0)
			fails++;
		if ((src != 0 && src != -1) || r.broken)
			bad++;
		cJSON_Delete(r.all);
		if (src == 0)
			break;
	}
	T_OK(bad == 0 && fails > 10, "up_stream under allocation failures "
	    "(%ld failed runs, %ld broken)", fails, bad);

	bad = fails = 0;
	for (k = 0; k < 4000; k++) {
		an_cl_stream_init(&cs, "abc", "claude-sonnet", 40);
		evrec_init(&er, 0);
		src = 0;
		for (i = 0; i <= N(cl_good_chunks) && src == 0; i++) {
			c_chunk = i < N(cl_good_chunks) ?
			    pj(cl_good_chunks[i]) : NULL;
			oom_arm(k);
			src = i < N(cl_good_chunks) ? an_cl_stream_chunk(&cs,
			    c_chunk, rec_event_oom, &er) :
			    an_cl_stream_done(&cs, rec_event_oom, &er);
			oom_off();
			cJSON_Delete(c_chunk);
		}
		if (src != 0)
			fails++;
		if ((src != 0 && src != -1) || er.broken)
			bad++;
		cJSON_Delete(er.all);
		if (src == 0)
			break;
	}
	T_OK(bad == 0 && fails > 10, "cl_stream under allocation failures "
	    "(%ld failed runs, %ld broken)", fails, bad);
}

int
main(void)
{
	test_up_request();
	test_up_request_misc();
	test_up_response();
	test_up_error();
	test_up_stream_good(1);
	test_up_stream_good(0);
	test_up_stream_bad();
	test_cl_request();
	test_cl_response();
	test_cl_stream();
	test_usage();
	test_estimates();
	test_oom();
	return t_done();
}
