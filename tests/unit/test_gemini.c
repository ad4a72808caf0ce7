/*
 * test_gemini.c: the Gemini provider (app/providers/gemini*.c) both
 * ways: chat -> GenerateContentRequest, GenerateContentResponse and its
 * SSE stream -> chat, errors, embeddings, and a Gemini client's request,
 * answer and stream.  Tables of cases, malformed and hostile ones
 * outnumbering the good ones for every converter; good ones are
 * compared as whole JSON.  JSON in the tables is written with ' for "
 * to stay readable; q() turns it back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "buf.h"
#include "providers/gemini.h"
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

/* got equals the JSON want (member order aside); prints both if not. */
static int
same(const cJSON *got, const char *want)
{
	cJSON	*w = pj(want);
	char	*g;
	int	 ok;

	ok = w != NULL && got != NULL && cJSON_Compare(got, w, 1);
	if (!ok) {
		g = got != NULL ? cJSON_PrintUnformatted(got) : NULL;
		printf("#   got:  %s\n#   want: %s\n", g != NULL ? g : "NULL",
		    q(want));
		cJSON_free(g);
	}
	cJSON_Delete(w);
	return ok;
}

/* What a stream emitted, each object copied. */
struct seen {
	cJSON	*all;
	int	 stop_at;	/* return 9 at this emission (1-based) */
};

static int
collect(void *arg, const cJSON *o)
{
	struct seen	*s = arg;

	cJSON_AddItemToArray(s->all, cJSON_Duplicate(o, 1));
	if (s->stop_at != 0 && cJSON_GetArraySize(s->all) == s->stop_at)
		return 9;
	return 0;
}

static void
seen_init(struct seen *s)
{
	s->all = cJSON_CreateArray();
	s->stop_at = 0;
}

/* ---- gm_up_path ---- */

static void
test_path(void)
{
	char	 b[128], small[20];

	T_OK(gm_up_path(b, sizeof(b), "gemini-2.5-pro", 0, 0) == 0 &&
	    strcmp(b, "/v1beta/models/gemini-2.5-pro:generateContent") == 0,
	    "path: generateContent");
	T_OK(gm_up_path(b, sizeof(b), "gemini-2.5-flash", 1, 0) == 0 &&
	    strcmp(b, "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
	    "?alt=sse") == 0, "path: stream");
	T_OK(gm_up_path(b, sizeof(b), "text-embedding-004", 1, 1) == 0 &&
	    strcmp(b, "/v1beta/models/text-embedding-004:batchEmbedContents")
	    == 0, "path: embed wins over stream");
	T_OK(gm_up_path(b, sizeof(b), "models/gemini-pro", 0, 0) == 0 &&
	    strcmp(b, "/v1beta/models/gemini-pro:generateContent") == 0,
	    "path: models/ prefix dropped");
	T_OK(gm_up_path(b, sizeof(b), "a/b?c d:e%", 0, 0) == 0 &&
	    strcmp(b, "/v1beta/models/a%2Fb%3Fc%20d%3Ae%25:generateContent")
	    == 0, "path: reserved bytes percent-encoded");
	T_OK(gm_up_path(b, sizeof(b), "\xc3\xa9", 0, 0) == 0 &&
	    strcmp(b, "/v1beta/models/%C3%A9:generateContent") == 0,
	    "path: UTF-8 percent-encoded");
	T_OK(gm_up_path(b, sizeof(b), NULL, 0, 0) == -1, "path: NULL model");
	T_OK(gm_up_path(b, sizeof(b), "", 0, 0) == -1, "path: empty model");
	T_OK(gm_up_path(b, sizeof(b), "models/", 0, 0) == -1,
	    "path: only the prefix");
	T_OK(gm_up_path(small, sizeof(small), "gemini-2.5-pro", 0, 0) == -1 &&
	    small[0] == '\0', "path: too small a buffer, left empty");
	T_OK(gm_up_path(b, 0, "m", 0, 0) == -1, "path: zero-size buffer");
}

/* ---- gm_up_request: good ---- */

struct up_good {
	const char	*name;
	const char	*chat;
	const char	*want;
};

static const struct up_good up_good[] = {
	{ "roles, system, merging",
	  "{'model':'x','messages':[{'role':'system','content':'S'},"
	  "{'role':'developer','content':[{'type':'text','text':'D'}]},"
	  "{'role':'user','content':'hi'},{'role':'user','content':'there'},"
	  "{'role':'assistant','content':'yo'},{'role':'assistant',"
	  "'content':[{'type':'text','text':'a'},{'type':'refusal',"
	  "'refusal':'r'}]},{'role':'user','content':''},"
	  "{'role':'user','content':'end'}]}",
	  "{'contents':[{'role':'user','parts':[{'text':'hi'},"
	  "{'text':'there'}]},{'role':'model','parts':[{'text':'yo'},"
	  "{'text':'a'},{'text':'r'}]},{'role':'user','parts':"
	  "[{'text':'end'}]}],'systemInstruction':{'parts':[{'text':'S'},"
	  "{'text':'D'}]}}" },
	{ "images: data URL, http URL, file",
	  "{'messages':[{'role':'user','content':[{'type':'text','text':"
	  "'see'},{'type':'image_url','image_url':{'url':"
	  "'data:image/png;base64,iVBOR'}},{'type':'image_url','image_url':"
	  "{'url':'https://x.test/a/b.WEBP?x=1.png'}},{'type':'image_url',"
	  "'image_url':{'url':'http://x.test/pic'}},{'type':'file','file':"
	  "{'file_data':'data:application/pdf;base64,JVBER'}},{'type':"
	  "'file','file':{'file_data':'JVBER'}}]}]}",
	  "{'contents':[{'role':'user','parts':[{'text':'see'},"
	  "{'inlineData':{'mimeType':'image/png','data':'iVBOR'}},"
	  "{'fileData':{'mimeType':'image/webp','fileUri':"
	  "'https://x.test/a/b.WEBP?x=1.png'}},{'fileData':{'mimeType':"
	  "'image/jpeg','fileUri':'http://x.test/pic'}},{'inlineData':"
	  "{'mimeType':'application/pdf','data':'JVBER'}},{'inlineData':"
	  "{'mimeType':'application/pdf','data':'JVBER'}}]}]}" },
	{ "tool round trip, names from earlier call ids",
	  "{'messages':[{'role':'user','content':'weather?'},"
	  "{'role':'assistant','content':null,'tool_calls':[{'id':'c1',"
	  "'type':'function','function':{'name':'get_weather','arguments':"
	  "'{\\'city\\':\\'Paris\\'}'}},{'id':'c2','type':'function',"
	  "'function':{'name':'get_time','arguments':''}}]},"
	  "{'role':'tool','tool_call_id':'c1','content':'{\\'t\\':20}'},"
	  "{'role':'tool','tool_call_id':'c2','content':[{'type':'text',"
	  "'text':'noon'}]},{'role':'tool','tool_call_id':'zz','content':"
	  "'[1]'}],'tools':[{'type':'function','function':{'name':"
	  "'get_weather','description':'W','parameters':{'type':'object',"
	  "'properties':{'city':{'type':'string'}},'required':['city'],"
	  "'additionalProperties':false}}},{'type':'function','function':"
	  "{'name':'get_time'}}],'tool_choice':'required'}",
	  "{'contents':[{'role':'user','parts':[{'text':'weather?'}]},"
	  "{'role':'model','parts':[{'functionCall':{'name':'get_weather',"
	  "'args':{'city':'Paris'}},'thoughtSignature':"
	  "'skip_thought_signature_validator'},{'functionCall':{'name':"
	  "'get_time','args':{}}}]},{'role':'user','parts':["
	  "{'functionResponse':{'name':'get_weather','response':{'content':"
	  "{'t':20}}}},{'functionResponse':{'name':'get_time','response':"
	  "{'content':'noon'}}},{'functionResponse':{'name':'zz',"
	  "'response':{'content':'[1]'}}}]}],'tools':[{"
	  "'functionDeclarations':[{'name':'get_weather','description':'W',"
	  "'parameters':{'type':'object','properties':{'city':{'type':"
	  "'string'}},'required':['city']}},{'name':'get_time'}]}],"
	  "'toolConfig':{'functionCallingConfig':{'mode':'ANY'}}}" },
	{ "thought signature kept from extra_content, legacy function role",
	  "{'messages':[{'role':'user','content':'q'},{'role':'assistant',"
	  "'tool_calls':[{'id':'a','type':'function','function':{'name':'f',"
	  "'arguments':'{}'}},{'id':'b','function':{'name':'g','arguments':"
	  "' {} '},'extra_content':{'google':{'thought_signature':'SIG'}}}]},"
	  "{'role':'assistant','function_call':{'name':'h','arguments':"
	  "'{\\'x\\':1}'}},{'role':'function','name':'h','content':'ok'}]}",
	  "{'contents':[{'role':'user','parts':[{'text':'q'}]},{'role':"
	  "'model','parts':[{'functionCall':{'name':'f','args':{}}},"
	  "{'functionCall':{'name':'g','args':{}},'thoughtSignature':'SIG'},"
	  "{'functionCall':{'name':'h','args':{'x':1}},'thoughtSignature':"
	  "'skip_thought_signature_validator'}]},{'role':'user','parts':["
	  "{'functionResponse':{'name':'h','response':{'content':'ok'}}}]}]}" },
	{ "generationConfig mapping",
	  "{'messages':[{'role':'user','content':'x'}],'temperature':0.5,"
	  "'top_p':0.9,'max_tokens':10,'max_completion_tokens':20,'stop':"
	  "'END','n':2,'seed':7,'presence_penalty':0.1,'frequency_penalty':"
	  "-0.2,'logprobs':false,'stream':true,'user':'u','metadata':{}}",
	  "{'contents':[{'role':'user','parts':[{'text':'x'}]}],"
	  "'generationConfig':{'temperature':0.5,'topP':0.9,"
	  "'maxOutputTokens':20,'stopSequences':['END'],'candidateCount':2,"
	  "'seed':7,'presencePenalty':0.1,'frequencyPenalty':-0.2}}" },
	{ "max_tokens alone, stop array, nulls ignored",
	  "{'messages':[{'role':'user','content':'x'}],'max_tokens':5,"
	  "'stop':['a','b'],'temperature':null,'tools':null,'tool_choice':"
	  "null,'response_format':{'type':'text'}}",
	  "{'contents':[{'role':'user','parts':[{'text':'x'}]}],"
	  "'generationConfig':{'maxOutputTokens':5,'stopSequences':['a',"
	  "'b']}}" },
	{ "response_format json_object, reasoning_effort low",
	  "{'messages':[{'role':'user','content':'x'}],'response_format':"
	  "{'type':'json_object'},'reasoning_effort':'low'}",
	  "{'contents':[{'role':'user','parts':[{'text':'x'}]}],"
	  "'generationConfig':{'responseMimeType':'application/json',"
	  "'thinkingConfig':{'thinkingBudget':1024}}}" },
	{ "json_schema cut to Gemini's subset, reasoning none",
	  "{'messages':[{'role':'user','content':'x'}],'reasoning_effort':"
	  "'none','response_format':{'type':'json_schema','json_schema':"
	  "{'name':'s','strict':true,'schema':{'$schema':'x','type':'object',"
	  "'properties':{'a':{'type':['string','null'],'format':'email'},"
	  "'b':{'type':'string','format':'date-time','const':'c'},'c':"
	  "{'oneOf':[{'type':'integer','format':'int64'},{'type':'array',"
	  "'items':{'type':'number','additionalProperties':false}}]}},"
	  "'required':['a'],'additionalProperties':false}}}}",
	  "{'contents':[{'role':'user','parts':[{'text':'x'}]}],"
	  "'generationConfig':{'responseMimeType':'application/json',"
	  "'responseSchema':{'type':'object','properties':{'a':{'type':"
	  "'string','nullable':true},'b':{'type':'string','format':"
	  "'date-time','enum':['c']},'c':{'anyOf':[{'type':'integer',"
	  "'format':'int64'},{'type':'array','items':{'type':'number'}}]}},"
	  "'required':['a']},'thinkingConfig':{'thinkingBudget':0}}}" },
	{ "medium and high effort",
	  "{'messages':[{'role':'user','content':'x'}],'reasoning_effort':"
	  "'high'}",
	  "{'contents':[{'role':'user','parts':[{'text':'x'}]}],"
	  "'generationConfig':{'thinkingConfig':{'thinkingBudget':24576}}}" },
	{ "a lone system prompt is the user turn",
	  "{'messages':[{'role':'system','content':'only'}]}",
	  "{'contents':[{'role':'user','parts':[{'text':'only'}]}]}" },
	{ "tools without tool_choice: no toolConfig; empty tools dropped",
	  "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'name':'f','parameters':{}}}]}",
	  "{'contents':[{'role':'user','parts':[{'text':'x'}]}],'tools':"
	  "[{'functionDeclarations':[{'name':'f','parameters':{}}]}]}" },
};

static void
test_up_request_good(void)
{
	char	 param[64], msg[256];
	cJSON	*chat, *out;
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(up_good) / sizeof(up_good[0]); i++) {
		chat = pj(up_good[i].chat);
		out = NULL;
		r = gm_up_request(chat, &out, param, sizeof(param), msg,
		    sizeof(msg));
		if (r != GM_OK)
			printf("#   %s: %s\n", param, msg);
		T_OK(chat != NULL && r == GM_OK && same(out, up_good[i].want),
		    "up_request: %s", up_good[i].name);
		cJSON_Delete(out);
		cJSON_Delete(chat);
	}
}

/* tool_choice -> toolConfig. */
static const struct {
	const char	*choice;
	const char	*want;		/* functionCallingConfig */
} tc_cases[] = {
	{ "'none'", "{'mode':'NONE'}" },
	{ "'auto'", "{'mode':'AUTO'}" },
	{ "'required'", "{'mode':'ANY'}" },
	{ "{'type':'function','function':{'name':'f'}}",
	  "{'mode':'ANY','allowedFunctionNames':['f']}" },
	{ "{'type':'allowed_tools','allowed_tools':{'mode':'required',"
	  "'tools':[{'type':'function','function':{'name':'f'}},{'type':"
	  "'function','name':'g'}]}}",
	  "{'mode':'ANY','allowedFunctionNames':['f','g']}" },
	{ "{'type':'allowed_tools','allowed_tools':{'mode':'auto','tools':"
	  "[{'type':'function','function':{'name':'g'}}]}}",
	  "{'mode':'VALIDATED','allowedFunctionNames':['g']}" },
};

static void
test_up_tool_choice(void)
{
	char	 body[1024], want[512], param[64], msg[256];
	cJSON	*chat, *out;
	size_t	 i;

	for (i = 0; i < sizeof(tc_cases) / sizeof(tc_cases[0]); i++) {
		snprintf(body, sizeof(body), "{'messages':[{'role':'user',"
		    "'content':'x'}],'tools':[{'type':'function','function':"
		    "{'name':'f'}}],'tool_choice':%s}", tc_cases[i].choice);
		snprintf(want, sizeof(want), "{'functionCallingConfig':%s}",
		    tc_cases[i].want);
		chat = pj(body);
		out = NULL;
		T_OK(gm_up_request(chat, &out, param, sizeof(param), msg,
		    sizeof(msg)) == GM_OK && same(cJSON_GetObjectItem(out,
		    "toolConfig"), want), "up_request: tool_choice %s",
		    tc_cases[i].choice);
		cJSON_Delete(out);
		cJSON_Delete(chat);
	}
}

/* ---- gm_up_request: bad ---- */

struct bad_case {
	const char	*body;
	const char	*param;
};

static const struct bad_case up_bad[] = {
	{ "[]", "" },
	{ "'x'", "" },
	{ "{}", "messages" },
	{ "{'messages':{}}", "messages" },
	{ "{'messages':[]}", "messages" },
	{ "{'messages':[5]}", "messages[0]" },
	{ "{'messages':[{'content':'x'}]}", "messages[0].role" },
	{ "{'messages':[{'role':'robot','content':'x'}]}", "messages[0].role" },
	{ "{'messages':[{'role':7,'content':'x'}]}", "messages[0].role" },
	{ "{'messages':[{'role':'user'}]}", "messages[0].content" },
	{ "{'messages':[{'role':'user','content':null}]}",
	  "messages[0].content" },
	{ "{'messages':[{'role':'user','content':5}]}", "messages[0].content" },
	{ "{'messages':[{'role':'system'}]}", "messages[0].content" },
	{ "{'messages':[{'role':'system','content':[{'type':'image_url',"
	  "'image_url':{'url':'data:image/png;base64,AA'}}]}]}",
	  "messages[0].content[0].type" },
	{ "{'messages':[{'role':'user','content':['x']}]}",
	  "messages[0].content[0]" },
	{ "{'messages':[{'role':'user','content':[{}]}]}",
	  "messages[0].content[0].type" },
	{ "{'messages':[{'role':'user','content':[{'type':'video'}]}]}",
	  "messages[0].content[0].type" },
	{ "{'messages':[{'role':'user','content':[{'type':'text'}]}]}",
	  "messages[0].content[0].text" },
	{ "{'messages':[{'role':'user','content':[{'type':'text','text':3}]}]}",
	  "messages[0].content[0].text" },
	{ "{'messages':[{'role':'user','content':[{'type':'image_url'}]}]}",
	  "messages[0].content[0].image_url" },
	{ "{'messages':[{'role':'user','content':[{'type':'image_url',"
	  "'image_url':{'url':5}}]}]}", "messages[0].content[0].image_url" },
	{ "{'messages':[{'role':'user','content':[{'type':'image_url',"
	  "'image_url':{'url':'data:image/png,AAAA'}}]}]}",
	  "messages[0].content[0].image_url.url" },
	{ "{'messages':[{'role':'user','content':[{'type':'image_url',"
	  "'image_url':{'url':'data:;base64,AAAA'}}]}]}",
	  "messages[0].content[0].image_url.url" },
	{ "{'messages':[{'role':'user','content':[{'type':'image_url',"
	  "'image_url':{'url':'data:image/png;base64,'}}]}]}",
	  "messages[0].content[0].image_url.url" },
	{ "{'messages':[{'role':'user','content':[{'type':'image_url',"
	  "'image_url':{'url':'data:im\\'age;base64,AA'}}]}]}",
	  "messages[0].content[0].image_url.url" },
	{ "{'messages':[{'role':'user','content':[{'type':'image_url',"
	  "'image_url':{'url':'ftp://x/y.png'}}]}]}",
	  "messages[0].content[0].image_url.url" },
	{ "{'messages':[{'role':'user','content':[{'type':'input_audio',"
	  "'input_audio':{'data':'AA','format':'wav'}}]}]}",
	  "messages[0].content[0]" },
	{ "{'messages':[{'role':'user','content':[{'type':'file','file':"
	  "{'file_id':'f1'}}]}]}", "messages[0].content[0].file.file_id" },
	{ "{'messages':[{'role':'user','content':[{'type':'file','file':5}]}]}",
	  "messages[0].content[0].file" },
	{ "{'messages':[{'role':'user','content':[{'type':'file','file':"
	  "{}}]}]}",
	  "messages[0].content[0].file" },
	{ "{'messages':[{'role':'assistant','content':[{'type':'image_url',"
	  "'image_url':{'url':'http://x/y'}}]}]}",
	  "messages[0].content[0].type" },
	{ "{'messages':[{'role':'user','content':[{'type':'refusal',"
	  "'refusal':'r'}]}]}", "messages[0].content[0].type" },
	{ "{'messages':[{'role':'assistant','tool_calls':{}}]}",
	  "messages[0].tool_calls" },
	{ "{'messages':[{'role':'assistant','tool_calls':[5]}]}",
	  "messages[0].tool_calls[0]" },
	{ "{'messages':[{'role':'assistant','tool_calls':[{'type':'custom',"
	  "'custom':{}}]}]}", "messages[0].tool_calls[0].type" },
	{ "{'messages':[{'role':'assistant','tool_calls':[{'id':'a'}]}]}",
	  "messages[0].tool_calls[0].function" },
	{ "{'messages':[{'role':'assistant','tool_calls':[{'function':"
	  "{'arguments':'{}'}}]}]}",
	  "messages[0].tool_calls[0].function.name" },
	{ "{'messages':[{'role':'assistant','tool_calls':[{'function':"
	  "{'name':'','arguments':'{}'}}]}]}",
	  "messages[0].tool_calls[0].function.name" },
	{ "{'messages':[{'role':'assistant','tool_calls':[{'function':"
	  "{'name':'f','arguments':{}}}]}]}",
	  "messages[0].tool_calls[0].function.arguments" },
	{ "{'messages':[{'role':'assistant','tool_calls':[{'function':"
	  "{'name':'f','arguments':'[1]'}}]}]}",
	  "messages[0].tool_calls[0].function.arguments" },
	{ "{'messages':[{'role':'assistant','tool_calls':[{'function':"
	  "{'name':'f','arguments':'{bad'}}]}]}",
	  "messages[0].tool_calls[0].function.arguments" },
	{ "{'messages':[{'role':'assistant','tool_calls':[{'function':"
	  "{'name':'f','arguments':'{} {}'}}]}]}",
	  "messages[0].tool_calls[0].function.arguments" },
	{ "{'messages':[{'role':'assistant','function_call':{'name':'f',"
	  "'arguments':'5'}}]}", "messages[0].function_call.arguments" },
	{ "{'messages':[{'role':'tool','content':'x'}]}",
	  "messages[0].tool_call_id" },
	{ "{'messages':[{'role':'tool','tool_call_id':'','content':'x'}]}",
	  "messages[0].tool_call_id" },
	{ "{'messages':[{'role':'tool','tool_call_id':'a','content':5}]}",
	  "messages[0].content" },
	{ "{'messages':[{'role':'tool','tool_call_id':'a','content':[{'type':"
	  "'image_url'}]}]}", "messages[0].content[0]" },
	{ "{'messages':[{'role':'function','content':'x'}]}",
	  "messages[0].name" },
	{ "{'messages':[{'role':'user','content':''},{'role':'assistant',"
	  "'content':''}]}", "messages" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':{}}", "tools" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[5]}",
	  "tools[0]" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'custom','custom':{'name':'c'}}]}", "tools[0].type" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function'}]}", "tools[0].function" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'description':'d'}}]}",
	  "tools[0].function.name" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'name':'f','description':5}}]}",
	  "tools[0].function.description" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'name':'f','parameters':'x'}}]}",
	  "tools[0].function.parameters" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'name':'f'}}],'tool_choice':'sometimes'}",
	  "tool_choice" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'name':'f'}}],'tool_choice':5}",
	  "tool_choice" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'name':'f'}}],'tool_choice':{'type':'x'}}",
	  "tool_choice.type" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'name':'f'}}],'tool_choice':{'type':"
	  "'function','function':{}}}", "tool_choice.function.name" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'name':'f'}}],'tool_choice':{'type':"
	  "'allowed_tools','allowed_tools':{'mode':'x','tools':[]}}}",
	  "tool_choice.allowed_tools.mode" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'name':'f'}}],'tool_choice':{'type':"
	  "'allowed_tools','allowed_tools':{'mode':'auto','tools':[]}}}",
	  "tool_choice.allowed_tools.tools" },
	{ "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':"
	  "'function','function':{'name':'f'}}],'tool_choice':{'type':"
	  "'allowed_tools','allowed_tools':{'mode':'auto','tools':[5]}}}",
	  "tool_choice.allowed_tools.tools[0]" },
	{ "{'messages':[{'role':'user','content':'x'}],'temperature':'hot'}",
	  "temperature" },
	{ "{'messages':[{'role':'user','content':'x'}],'temperature':3}",
	  "temperature" },
	{ "{'messages':[{'role':'user','content':'x'}],'top_p':2}", "top_p" },
	{ "{'messages':[{'role':'user','content':'x'}],'max_tokens':0}",
	  "max_tokens" },
	{ "{'messages':[{'role':'user','content':'x'}],'max_tokens':1.5}",
	  "max_tokens" },
	{ "{'messages':[{'role':'user','content':'x'}],"
	  "'max_completion_tokens':'10'}", "max_completion_tokens" },
	{ "{'messages':[{'role':'user','content':'x'}],'max_tokens':1e300}",
	  "max_tokens" },
	{ "{'messages':[{'role':'user','content':'x'}],'n':9}", "n" },
	{ "{'messages':[{'role':'user','content':'x'}],'seed':1e12}", "seed" },
	{ "{'messages':[{'role':'user','content':'x'}],'seed':1.5}", "seed" },
	{ "{'messages':[{'role':'user','content':'x'}],'stop':5}", "stop" },
	{ "{'messages':[{'role':'user','content':'x'}],'stop':['a',1]}",
	  "stop" },
	{ "{'messages':[{'role':'user','content':'x'}],'response_format':"
	  "{'type':'xml'}}", "response_format.type" },
	{ "{'messages':[{'role':'user','content':'x'}],'response_format':5}",
	  "response_format.type" },
	{ "{'messages':[{'role':'user','content':'x'}],'response_format':"
	  "{'type':'json_schema','json_schema':{'schema':'s'}}}",
	  "response_format.json_schema.schema" },
	{ "{'messages':[{'role':'user','content':'x'}],'reasoning_effort':"
	  "'ultra'}", "reasoning_effort" },
	{ "{'messages':[{'role':'user','content':'x'}],'reasoning_effort':3}",
	  "reasoning_effort" },
	{ "{'messages':[{'role':'user','content':'x'}],'logprobs':true}",
	  "logprobs" },
	{ "{'messages':[{'role':'user','content':'x'}],'top_logprobs':3}",
	  "top_logprobs" },
	{ "{'messages':[{'role':'user','content':'x'}],'audio':{'voice':'a'}}",
	  "audio" },
	{ "{'messages':[{'role':'user','content':'x'}],'modalities':['text',"
	  "'audio']}", "modalities" },
};

/* A refusal names the param and says so in msg; nothing is built. */
static void
test_up_request_bad(void)
{
	char	 param[64], msg[256];
	cJSON	*chat, *out;
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(up_bad) / sizeof(up_bad[0]); i++) {
		chat = pj(up_bad[i].body);
		out = (cJSON *)1;
		r = gm_up_request(chat, &out, param, sizeof(param), msg,
		    sizeof(msg));
		T_OK(chat != NULL && r == GM_INVALID && out == NULL &&
		    strcmp(param, up_bad[i].param) == 0 && msg[0] != '\0' &&
		    (param[0] == '\0' || strstr(msg, param) != NULL),
		    "up_request refuses %s (param '%s', got '%s': %s)",
		    q(up_bad[i].body), up_bad[i].param, param, msg);
		cJSON_Delete(chat);
	}
	/* A schema nested past the limit. */
	{
		struct buf	 b;
		int		 k;

		buf_init(&b, 1 << 20);
		buf_puts(&b, "{\"messages\":[{\"role\":\"user\",\"content\":"
		    "\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":"
		    "{\"name\":\"f\",\"parameters\":");
		for (k = 0; k < 80; k++)
			buf_puts(&b, "{\"type\":\"array\",\"items\":");
		buf_puts(&b, "{}");
		for (k = 0; k < 80; k++)
			buf_puts(&b, "}");
		buf_puts(&b, "}}]}");
		chat = cJSON_Parse(b.p);
		out = NULL;
		T_OK(chat != NULL && gm_up_request(chat, &out, param,
		    sizeof(param), msg, sizeof(msg)) == GM_INVALID &&
		    out == NULL && strcmp(param, "tools[0].function.parameters")
		    == 0, "up_request refuses a schema nested too deeply");
		cJSON_Delete(chat);
		buf_free(&b);
	}
	/* Tiny param and msg buffers are truncated, NUL-terminated. */
	chat = pj("{'messages':[{'role':'user','content':[{'type':'text'}]}]}");
	memset(param, 'x', sizeof(param));
	memset(msg, 'x', sizeof(msg));
	r = gm_up_request(chat, &out, param, 5, msg, 7);
	T_OK(r == GM_INVALID && strlen(param) == 4 && strlen(msg) == 6,
	    "up_request truncates param and msg to their sizes");
	r = gm_up_request(chat, &out, NULL, 0, NULL, 0);
	T_OK(r == GM_INVALID && out == NULL, "up_request takes no buffers");
	cJSON_Delete(chat);
	T_OK(gm_up_request(NULL, &out, param, sizeof(param), msg,
	    sizeof(msg)) == GM_INVALID && out == NULL,
	    "up_request refuses NULL");
}

/* Long histories resolve tool names by hash, not quadratic search. */
static void
test_up_request_many_tools(void)
{
	char	 param[64], msg[256];
	struct buf b;
	cJSON	*chat, *out = NULL, *parts, *last;
	int	 k, n = 20000;

	buf_init(&b, 1 << 26);
	buf_puts(&b, "{\"messages\":[{\"role\":\"user\",\"content\":\"go\"},"
	    "{\"role\":\"assistant\",\"tool_calls\":[");
	for (k = 0; k < n; k++)
		buf_printf(&b, "%s{\"id\":\"id%d\",\"function\":{\"name\":"
		    "\"fn%d\",\"arguments\":\"{}\"}}", k ? "," : "", k, k);
	buf_puts(&b, "]}");
	for (k = n - 1; k >= 0; k--)
		buf_printf(&b, ",{\"role\":\"tool\",\"tool_call_id\":\"id%d\","
		    "\"content\":\"r\"}", k);
	buf_puts(&b, "]}");
	chat = cJSON_Parse(b.p);
	buf_free(&b);
	T_OK(chat != NULL && gm_up_request(chat, &out, param, sizeof(param),
	    msg, sizeof(msg)) == GM_OK, "up_request: 20000 tool calls");
	parts = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(out,
	    "contents"), 2), "parts");
	last = cJSON_GetArrayItem(parts, n - 1);
	T_OK(cJSON_GetArraySize(parts) == n && strcmp(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(last, "functionResponse"), "name")->valuestring,
	    "fn0") == 0, "up_request: every response found its name");
	cJSON_Delete(out);
	cJSON_Delete(chat);
}

/* ---- gm_up_response ---- */

static const struct up_good resp_good[] = {
	{ "text, thoughts, usage with thoughts and cache",
	  "{'candidates':[{'content':{'role':'model','parts':[{'text':'plan',"
	  "'thought':true},{'text':'Hel'},{'text':'lo'},{'executableCode':"
	  "{'code':'x'}}]},'finishReason':'STOP','index':0}],"
	  "'usageMetadata':{'promptTokenCount':100,'candidatesTokenCount':"
	  "20,'thoughtsTokenCount':30,'cachedContentTokenCount':40,"
	  "'totalTokenCount':150},'modelVersion':'gemini-2.5-pro',"
	  "'responseId':'R1'}",
	  "{'id':'chatcmpl-R1','object':'chat.completion','created':1700,"
	  "'model':'my-model','choices':[{'index':0,'message':{'role':"
	  "'assistant','content':'Hello','reasoning_content':'plan',"
	  "'refusal':null},'logprobs':null,'finish_reason':'stop'}],"
	  "'usage':{'prompt_tokens':100,'completion_tokens':50,"
	  "'total_tokens':150,'prompt_tokens_details':{'cached_tokens':40},"
	  "'completion_tokens_details':{'reasoning_tokens':30}}}" },
	{ "function calls, signature, no usage, idbase",
	  "{'candidates':[{'content':{'parts':[{'functionCall':{'name':'f',"
	  "'args':{'a':1}},'thoughtSignature':'S1'},{'functionCall':{'name':"
	  "'g'}}]},'finishReason':'STOP'}]}",
	  "{'id':'chatcmpl-base','object':'chat.completion','created':1700,"
	  "'model':'my-model','choices':[{'index':0,'message':{'role':"
	  "'assistant','content':null,'refusal':null,'tool_calls':[{'id':"
	  "'call_base_0','type':'function','function':{'name':'f',"
	  "'arguments':'{\\'a\\':1}'},'extra_content':{'google':"
	  "{'thought_signature':'S1'}}},{'id':'call_base_1','type':"
	  "'function','function':{'name':'g','arguments':'{}'}}]},"
	  "'logprobs':null,'finish_reason':'tool_calls'}]}" },
	{ "two candidates, finish reasons, empty content",
	  "{'candidates':[{'index':1,'content':{'parts':[{'text':'b'}]},"
	  "'finishReason':'MAX_TOKENS'},{'finishReason':'SAFETY'}],"
	  "'responseId':''}",
	  "{'id':'chatcmpl-base','object':'chat.completion','created':1700,"
	  "'model':'my-model','choices':[{'index':1,'message':{'role':"
	  "'assistant','content':'b','refusal':null},'logprobs':null,"
	  "'finish_reason':'length'},{'index':1,'message':{'role':"
	  "'assistant','content':'','refusal':null},'logprobs':null,"
	  "'finish_reason':'content_filter'}]}" },
	{ "blocked prompt: one content_filter choice, usage kept",
	  "{'promptFeedback':{'blockReason':'SAFETY'},'usageMetadata':"
	  "{'promptTokenCount':8,'totalTokenCount':8}}",
	  "{'id':'chatcmpl-base','object':'chat.completion','created':1700,"
	  "'model':'my-model','choices':[{'index':0,'message':{'role':"
	  "'assistant','content':'','refusal':null},'logprobs':null,"
	  "'finish_reason':'content_filter'}],'usage':{'prompt_tokens':8,"
	  "'completion_tokens':0,'total_tokens':8,'prompt_tokens_details':"
	  "{'cached_tokens':0},'completion_tokens_details':"
	  "{'reasoning_tokens':0}}}" },
	{ "hostile usage: strings, negatives, huge, cache over prompt",
	  "{'candidates':[{'content':{'parts':[{'text':'x'}]}}],"
	  "'usageMetadata':{'promptTokenCount':10,'candidatesTokenCount':"
	  "'5','thoughtsTokenCount':-3,'cachedContentTokenCount':1e300}}",
	  "{'id':'chatcmpl-base','object':'chat.completion','created':1700,"
	  "'model':'my-model','choices':[{'index':0,'message':{'role':"
	  "'assistant','content':'x','refusal':null},'logprobs':null,"
	  "'finish_reason':'stop'}],'usage':{'prompt_tokens':10,"
	  "'completion_tokens':0,'total_tokens':10,'prompt_tokens_details':"
	  "{'cached_tokens':0},'completion_tokens_details':"
	  "{'reasoning_tokens':0}}}" },
	{ "usage of strings only: none",
	  "{'candidates':[{'content':{'parts':[]},'finishReason':'OTHER'}],"
	  "'usageMetadata':{'promptTokenCount':'10'}}",
	  "{'id':'chatcmpl-base','object':'chat.completion','created':1700,"
	  "'model':'my-model','choices':[{'index':0,'message':{'role':"
	  "'assistant','content':'','refusal':null},'logprobs':null,"
	  "'finish_reason':'stop'}]}" },
};

static const char *const resp_bad[] = {
	"null", "[]", "'x'", "5", "{}",
	"{'candidates':{}}",
	"{'candidates':[]}",
	"{'candidates':null}",
	"{'candidates':[5]}",
	"{'candidates':[null]}",
	"{'candidates':[{'content':'x'}]}",
	"{'candidates':[{'content':{'parts':{}}}]}",
	"{'candidates':[{'content':{'parts':[5]}}]}",
	"{'candidates':[{'content':{'parts':['hi']}}]}",
	"{'candidates':[{'content':{'parts':[{'text':5}]}}]}",
	"{'candidates':[{'content':{'parts':[{'functionCall':'f'}]}}]}",
	"{'candidates':[{'content':{'parts':[{'functionCall':{}}]}}]}",
	"{'candidates':[{'content':{'parts':[{'functionCall':{'name':''}}]}}]}",
	"{'candidates':[{'content':{'parts':[{'functionCall':{'name':5}}]}}]}",
	"{'candidates':[{'content':{'parts':[{'functionCall':{'name':'f',"
	    "'args':'{}'}}]}}]}",
	"{'candidates':[{'content':{'parts':[{'functionCall':{'name':'f',"
	    "'args':[1]}}]}}]}",
	"{'candidates':[{'content':{'parts':[{'text':'ok'}]}},{'content':"
	    "{'parts':[{'text':1}]}}]}",
	"{'candidates':[{'finishReason':5}]}",
	"{'promptFeedback':{'blockReason':5}}",
	"{'promptFeedback':'SAFETY'}",
};

static void
test_up_response(void)
{
	cJSON	*in, *out;
	size_t	 i;

	for (i = 0; i < sizeof(resp_good) / sizeof(resp_good[0]); i++) {
		in = pj(resp_good[i].chat);
		out = gm_up_response(in, "my-model", "base", 1700);
		T_OK(in != NULL && same(out, resp_good[i].want),
		    "up_response: %s", resp_good[i].name);
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	for (i = 0; i < sizeof(resp_bad) / sizeof(resp_bad[0]); i++) {
		in = pj(resp_bad[i]);
		out = gm_up_response(in, "m", "b", 1);
		T_OK(in != NULL && out == NULL, "up_response refuses %s",
		    q(resp_bad[i]));
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	T_OK(gm_up_response(NULL, "m", "b", 1) == NULL,
	    "up_response refuses NULL");
}

/* Finish reasons, one candidate each. */
static void
test_finish(void)
{
	static const char *const m[][2] = { { "STOP", "stop" },
	    { "MAX_TOKENS", "length" }, { "SAFETY", "content_filter" },
	    { "RECITATION", "content_filter" },
	    { "BLOCKLIST", "content_filter" },
	    { "PROHIBITED_CONTENT", "content_filter" },
	    { "SPII", "content_filter" }, { "OTHER", "stop" },
	    { "MALFORMED_FUNCTION_CALL", "stop" }, { "LANGUAGE", "stop" },
	    { "SOMETHING_NEW", "stop" } };
	char	 b[256];
	cJSON	*in, *out, *fr;
	size_t	 i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(b, sizeof(b), "{\"candidates\":[{\"content\":{"
		    "\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"%s\"}]}",
		    m[i][0]);
		in = cJSON_Parse(b);
		out = gm_up_response(in, "m", "b", 1);
		fr = cJSON_GetObjectItem(cJSON_GetArrayItem(
		    cJSON_GetObjectItem(out, "choices"), 0), "finish_reason");
		T_OK(cJSON_IsString(fr) && strcmp(fr->valuestring, m[i][1]) ==
		    0, "finish %s -> %s", m[i][0], m[i][1]);
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
}

/* ---- gm_usage_read ---- */

static void
test_usage(void)
{
	static const struct {
		const char	*meta;
		int		 rc;
		int64_t		 p, c, comp, r;
	} cases[] = {
		{ "{'promptTokenCount':10,'candidatesTokenCount':5,"
		  "'thoughtsTokenCount':7,'cachedContentTokenCount':4,"
		  "'totalTokenCount':22}", 1, 10, 4, 12, 7 },
		{ "{'promptTokenCount':3}", 1, 3, 0, 0, 0 },
		{ "{'totalTokenCount':3}", 1, 0, 0, 0, 0 },
		{ "{'promptTokenCount':5,'cachedContentTokenCount':9}", 1, 5, 5,
		  0, 0 },
		{ "{'promptTokenCount':-5,'candidatesTokenCount':2}", 1, 0, 0,
		  2, 0 },
		{ "{'promptTokenCount':1e16,'candidatesTokenCount':2}", 1, 0, 0,
		  2, 0 },
		{ "{'promptTokenCount':2.9}", 1, 2, 0, 0, 0 },
		{ "{}", 0, 0, 0, 0, 0 },
		{ "{'promptTokenCount':'10'}", 0, 0, 0, 0, 0 },
		{ "{'promptTokenCount':null,'candidatesTokenCount':true}", 0,
		  0, 0, 0, 0 },
		{ "{'promptTokenCount':-1}", 0, 0, 0, 0, 0 },
		{ "{'promptTokenCount':1e999}", 0, 0, 0, 0, 0 },
		{ "[10]", 0, 0, 0, 0, 0 },
		{ "'x'", 0, 0, 0, 0, 0 },
	};
	struct usage	 u;
	cJSON		*m;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = pj(cases[i].meta);
		u.prompt = u.cached = u.completion = u.reasoning = 99;
		rc = gm_usage_read(m, &u);
		T_OK(rc == cases[i].rc && (rc == 0 ? u.prompt == 99 &&
		    u.completion == 99 : u.prompt == cases[i].p &&
		    u.cached == cases[i].c && u.completion == cases[i].comp &&
		    u.reasoning == cases[i].r), "usage_read %s",
		    q(cases[i].meta));
		cJSON_Delete(m);
	}
	T_OK(gm_usage_read(NULL, &u) == 0, "usage_read NULL");
}

/* ---- gm_up_error ---- */

static void
test_up_error(void)
{
	static const struct {
		const char	*body;
		const char	*want;	/* NULL: not an error */
	} cases[] = {
		{ "{'error':{'code':400,'message':'bad arg','status':"
		  "'INVALID_ARGUMENT'}}", "{'error':{'message':'bad arg',"
		  "'type':'invalid_request_error','param':null,'code':null}}" },
		{ "{'error':{'code':400,'message':'m','status':"
		  "'FAILED_PRECONDITION'}}", "{'error':{'message':'m','type':"
		  "'invalid_request_error','param':null,'code':null}}" },
		{ "{'error':{'code':401,'message':'m','status':"
		  "'UNAUTHENTICATED'}}", "{'error':{'message':'m','type':"
		  "'invalid_request_error','param':null,'code':"
		  "'invalid_api_key'}}" },
		{ "{'error':{'code':403,'message':'m','status':"
		  "'PERMISSION_DENIED'}}", "{'error':{'message':'m','type':"
		  "'permission_error','param':null,'code':null}}" },
		{ "{'error':{'code':404,'message':'m','status':'NOT_FOUND'}}",
		  "{'error':{'message':'m','type':'invalid_request_error',"
		  "'param':null,'code':'not_found'}}" },
		{ "{'error':{'code':429,'message':'slow','status':"
		  "'RESOURCE_EXHAUSTED'}}", "{'error':{'message':'slow','type':"
		  "'rate_limit_error','param':null,'code':"
		  "'rate_limit_exceeded'}}" },
		{ "{'error':{'code':503,'message':'m','status':'UNAVAILABLE'}}",
		  "{'error':{'message':'m','type':'upstream_error','param':"
		  "null,'code':null}}" },
		{ "{'error':{'code':429,'message':'m'}}", "{'error':{'message':"
		  "'m','type':'rate_limit_error','param':null,'code':"
		  "'rate_limit_exceeded'}}" },
		{ "[{'error':{'code':404,'status':'NOT_FOUND'}}]", "{'error':"
		  "{'message':'NOT_FOUND','type':'invalid_request_error',"
		  "'param':null,'code':'not_found'}}" },
		{ "{'error':{'code':500}}", "{'error':{'message':'The upstream "
		  "reported an error.','type':'upstream_error','param':null,"
		  "'code':null}}" },
		{ "", NULL },
		{ "not json", NULL },
		{ "{}", NULL },
		{ "[]", NULL },
		{ "null", NULL },
		{ "{'error':'boom'}", NULL },
		{ "{'error':{}}", NULL },
		{ "{'error':{'code':'x','message':5}}", NULL },
		{ "{'error':{'code':7}}", NULL },
		{ "[{'error':{'message':'a'}},{'error':{'message':'b'}}]",
		  NULL },
		{ "{'error':{'message':'m'}} trailing", NULL },
	};
	const char	*b;
	cJSON		*o;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = q(cases[i].body);
		o = gm_up_error(b, strlen(b));
		T_OK(cases[i].want == NULL ? o == NULL : same(o,
		    cases[i].want), "up_error %s", b);
		cJSON_Delete(o);
	}
	b = q("{'error':{'message':'m'}}");
	T_OK(gm_up_error(b, 10) == NULL, "up_error: cut body");
	T_OK(gm_up_error(NULL, 3) == NULL, "up_error: NULL body");
}

/* ---- stream ---- */

/* Feeds data events (NULL-terminated), then the end; returns end's. */
static int
feed(struct gm_up_stream *s, struct seen *sn, const char *const *ev,
    int *rcs)
{
	size_t	 i;
	const char *d;

	for (i = 0; ev[i] != NULL; i++) {
		d = q(ev[i]);
		rcs[i] = gm_up_stream_data(s, d, strlen(d), collect, sn);
	}
	return gm_up_stream_end(s, collect, sn);
}

#define CHUNK(delta, fin) "{'id':'chatcmpl-ID','object':" \
	"'chat.completion.chunk','created':5,'model':'cm','choices':" \
	"[{'index':0,'delta':" delta ",'logprobs':null,'finish_reason':" \
	fin "}]}"

static void
test_stream_text(void)
{
	static const char *const ev[] = {
		"{'candidates':[{'content':{'role':'model','parts':[{'text':"
		"'Hel'}]}}],'usageMetadata':{'promptTokenCount':5}}",
		"{'candidates':[{'content':{'parts':[{'text':'think',"
		"'thought':true},{'text':'lo'}]}}]}",
		"{'candidates':[{'content':{'parts':[{'text':'!'}]},"
		"'finishReason':'STOP'}],'usageMetadata':{'promptTokenCount':"
		"5,'candidatesTokenCount':3,'thoughtsTokenCount':2,"
		"'cachedContentTokenCount':1,'totalTokenCount':10}}",
		"{'candidates':[{'content':{'parts':[{'text':'late'}]}}]}",
		NULL };
	struct gm_up_stream s;
	struct seen	 sn;
	int		 rcs[8], end;
	char		 want[8192];

	seen_init(&sn);
	gm_up_stream_init(&s, "cm", "ID", 5);
	end = feed(&s, &sn, ev, rcs);
	snprintf(want, sizeof(want), "[%s,%s,%s,%s,%s,%s,%s]",
	    CHUNK("{'role':'assistant','content':''}", "null"),
	    CHUNK("{'content':'Hel'}", "null"),
	    CHUNK("{'reasoning_content':'think'}", "null"),
	    CHUNK("{'content':'lo'}", "null"),
	    CHUNK("{'content':'!'}", "null"),
	    CHUNK("{}", "'stop'"),
	    "{'id':'chatcmpl-ID','object':'chat.completion.chunk','created':5,"
	    "'model':'cm','choices':[],'usage':{'prompt_tokens':5,"
	    "'completion_tokens':5,'total_tokens':10,'prompt_tokens_details':"
	    "{'cached_tokens':1},'completion_tokens_details':"
	    "{'reasoning_tokens':2}}}");
	T_OK(rcs[0] == 0 && rcs[1] == 0 && rcs[2] == 0 && rcs[3] == 0 &&
	    end == 0 && s.done && s.finished, "stream: text returns 0s");
	T_OK(same(sn.all, want), "stream: text over events, reasoning, "
	    "finish, usage chunk; late text dropped");
	T_OK(gm_up_stream_end(&s, collect, &sn) == 0 &&
	    cJSON_GetArraySize(sn.all) == 7, "stream: end twice is a no-op");
	T_OK(gm_up_stream_data(&s, "{}", 2, collect, &sn) == 0 &&
	    cJSON_GetArraySize(sn.all) == 7, "stream: data after end ignored");
	cJSON_Delete(sn.all);
}

static void
test_stream_calls(void)
{
	static const char *const ev[] = {
		"{'candidates':[{'content':{'parts':[{'functionCall':{'name':"
		"'f','args':{'a':[1,2]}},'thoughtSignature':'SG'},"
		"{'functionCall':{'name':'g'}}]},'finishReason':'STOP'}],"
		"'usageMetadata':{'promptTokenCount':2,'candidatesTokenCount':"
		"4}}",
		NULL };
	struct gm_up_stream s;
	struct seen	 sn;
	int		 rcs[4];
	char		 want[8192];

	seen_init(&sn);
	gm_up_stream_init(&s, "cm", "ID", 5);
	T_OK(feed(&s, &sn, ev, rcs) == 0 && rcs[0] == 0 && s.ntools == 2,
	    "stream: calls return 0");
	snprintf(want, sizeof(want), "[%s,%s,%s,%s,%s]",
	    CHUNK("{'role':'assistant','content':''}", "null"),
	    CHUNK("{'tool_calls':[{'index':0,'id':'call_ID_0','type':"
	    "'function','function':{'name':'f','arguments':"
	    "'{\\'a\\':[1,2]}'},'extra_content':{'google':"
	    "{'thought_signature':'SG'}}}]}", "null"),
	    CHUNK("{'tool_calls':[{'index':1,'id':'call_ID_1','type':"
	    "'function','function':{'name':'g','arguments':'{}'}}]}",
	    "null"),
	    CHUNK("{}", "'tool_calls'"),
	    "{'id':'chatcmpl-ID','object':'chat.completion.chunk','created':5,"
	    "'model':'cm','choices':[],'usage':{'prompt_tokens':2,"
	    "'completion_tokens':4,'total_tokens':6,'prompt_tokens_details':"
	    "{'cached_tokens':0},'completion_tokens_details':"
	    "{'reasoning_tokens':0}}}");
	T_OK(same(sn.all, want), "stream: function calls, one delta each, "
	    "finish tool_calls");
	cJSON_Delete(sn.all);
}

/* Streams that end badly or carry junk. */
static void
test_stream_bad(void)
{
	struct gm_up_stream s;
	struct seen	 sn;
	const char	*d;
	int		 rc, i;
	static const char *const junk[] = { "", "{", "[]", "5", "'x'",
	    "null", "{'candidates':{}}", "{'candidates':[5]}",
	    "{'candidates':[{'content':{'parts':[{'text':1}]}}]}",
	    "{'candidates':[{'content':{'parts':{}}}]}",
	    "{'candidates':[{'content':{'parts':[{'functionCall':{'name':"
	    "'f','args':'x'}}]}}]}",
	    "{'candidates':[{'content':{'parts':[{'text':'ok'}]}}]} junk",
	    "{'candidates':[{'finishReason':1}]}",
	    "{'error':'x'}" };

	/* Junk: -1, nothing emitted, the stream goes on. */
	for (i = 0; i < (int)(sizeof(junk) / sizeof(junk[0])); i++) {
		seen_init(&sn);
		gm_up_stream_init(&s, "cm", "ID", 5);
		d = q(junk[i]);
		rc = gm_up_stream_data(&s, d, strlen(d), collect, &sn);
		T_OK(rc == -1 && cJSON_GetArraySize(sn.all) == 0 &&
		    !s.started && !s.failed, "stream refuses %s", d);
		cJSON_Delete(sn.all);
	}

	/* Truncated: no finishReason, the end returns 1 and emits none. */
	seen_init(&sn);
	gm_up_stream_init(&s, "cm", "ID", 5);
	d = q("{'candidates':[{'content':{'parts':[{'text':'Hi'}]}}],"
	    "'usageMetadata':{'promptTokenCount':3}}");
	rc = gm_up_stream_data(&s, d, strlen(d), collect, &sn);
	T_OK(rc == 0 && gm_up_stream_end(&s, collect, &sn) == 1 &&
	    cJSON_GetArraySize(sn.all) == 2 && !s.done,
	    "stream: truncated stream, end returns 1");
	cJSON_Delete(sn.all);

	/* An empty stream is truncated too. */
	seen_init(&sn);
	gm_up_stream_init(&s, "cm", "ID", 5);
	T_OK(gm_up_stream_end(&s, collect, &sn) == 1 &&
	    cJSON_GetArraySize(sn.all) == 0, "stream: empty stream returns 1");
	cJSON_Delete(sn.all);

	/* Error mid-stream: error object, failed, the rest ignored. */
	seen_init(&sn);
	gm_up_stream_init(&s, "cm", "ID", 5);
	d = q("{'candidates':[{'content':{'parts':[{'text':'a'}]}}]}");
	gm_up_stream_data(&s, d, strlen(d), collect, &sn);
	d = q("{'error':{'code':503,'message':'overloaded','status':"
	    "'UNAVAILABLE'}}");
	rc = gm_up_stream_data(&s, d, strlen(d), collect, &sn);
	T_OK(rc == 0 && s.failed && same(cJSON_GetArrayItem(sn.all, 2),
	    "{'error':{'message':'overloaded','type':'upstream_error',"
	    "'param':null,'code':null}}"), "stream: error event");
	d = q("{'candidates':[{'content':{'parts':[{'text':'b'}]},"
	    "'finishReason':'STOP'}]}");
	T_OK(gm_up_stream_data(&s, d, strlen(d), collect, &sn) == 0 &&
	    gm_up_stream_end(&s, collect, &sn) == 0 &&
	    cJSON_GetArraySize(sn.all) == 3, "stream: nothing after an error");
	cJSON_Delete(sn.all);

	/* No usage: the end emits nothing but is done. */
	seen_init(&sn);
	gm_up_stream_init(&s, "cm", "ID", 5);
	d = q("{'candidates':[{'content':{'parts':[{'text':'a'}]},"
	    "'finishReason':'MAX_TOKENS'}]}");
	rc = gm_up_stream_data(&s, d, strlen(d), collect, &sn);
	T_OK(rc == 0 && gm_up_stream_end(&s, collect, &sn) == 0 && s.done &&
	    cJSON_GetArraySize(sn.all) == 3 && same(cJSON_GetArrayItem(sn.all,
	    2), CHUNK("{}", "'length'")), "stream: no usage, no usage chunk");
	cJSON_Delete(sn.all);

	/* Blocked prompt. */
	seen_init(&sn);
	gm_up_stream_init(&s, "cm", "ID", 5);
	d = q("{'promptFeedback':{'blockReason':'OTHER'},'usageMetadata':"
	    "{'promptTokenCount':4,'totalTokenCount':4}}");
	rc = gm_up_stream_data(&s, d, strlen(d), collect, &sn);
	T_OK(rc == 0 && gm_up_stream_end(&s, collect, &sn) == 0 &&
	    cJSON_GetArraySize(sn.all) == 3 && same(cJSON_GetArrayItem(sn.all,
	    1), CHUNK("{}", "'content_filter'")), "stream: blocked prompt");
	cJSON_Delete(sn.all);

	/* emit's non-zero stops the conversion and is returned. */
	seen_init(&sn);
	sn.stop_at = 2;
	gm_up_stream_init(&s, "cm", "ID", 5);
	d = q("{'candidates':[{'content':{'parts':[{'text':'a'},{'text':"
	    "'b'}]},'finishReason':'STOP'}]}");
	rc = gm_up_stream_data(&s, d, strlen(d), collect, &sn);
	T_OK(rc == 9 && cJSON_GetArraySize(sn.all) == 2,
	    "stream: emit's value stops and is returned");
	cJSON_Delete(sn.all);
}

/* ---- embeddings ---- */

static void
test_embed(void)
{
	static const struct {
		const char	*req;
		const char	*want;	/* NULL: invalid, then param */
		const char	*param;
	} cases[] = {
		{ "{'input':'hello','model':'e'}", "{'requests':[{'model':"
		  "'models/text-embedding-004','content':{'parts':[{'text':"
		  "'hello'}]}}]}", NULL },
		{ "{'input':['a','b'],'dimensions':256}", "{'requests':[{"
		  "'model':'models/text-embedding-004','content':{'parts':"
		  "[{'text':'a'}]},'outputDimensionality':256},{'model':"
		  "'models/text-embedding-004','content':{'parts':[{'text':"
		  "'b'}]},'outputDimensionality':256}]}", NULL },
		{ "{}", NULL, "input" },
		{ "{'input':5}", NULL, "input" },
		{ "{'input':[]}", NULL, "input" },
		{ "{'input':{}}", NULL, "input" },
		{ "{'input':[1,2,3]}", NULL, "input" },
		{ "{'input':[[1,2],[3]]}", NULL, "input" },
		{ "{'input':['a',5]}", NULL, "input[1]" },
		{ "{'input':['a',null]}", NULL, "input[1]" },
		{ "{'input':'a','dimensions':0}", NULL, "dimensions" },
		{ "{'input':'a','dimensions':'3'}", NULL, "dimensions" },
		{ "{'input':'a','dimensions':2.5}", NULL, "dimensions" },
		{ "[]", NULL, "input" },
	};
	char	 param[64], msg[256];
	cJSON	*req, *out;
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		req = pj(cases[i].req);
		out = (cJSON *)1;
		r = gm_up_embed_request(req, i == 0 ? "models/"
		    "text-embedding-004" : "text-embedding-004", &out, param,
		    sizeof(param), msg, sizeof(msg));
		if (cases[i].want != NULL)
			T_OK(r == GM_OK && same(out, cases[i].want),
			    "embed_request %s", q(cases[i].req));
		else
			T_OK(r == GM_INVALID && out == NULL && strcmp(param,
			    cases[i].param) == 0 && strstr(msg, param) != NULL,
			    "embed_request refuses %s (%s)", q(cases[i].req),
			    param);
		if (r == GM_OK)
			cJSON_Delete(out);
		cJSON_Delete(req);
	}
}

static void
test_embed_response(void)
{
	static const char *const bad[] = { "null", "{}", "[]",
	    "{'embeddings':{}}", "{'embeddings':[]}", "{'embeddings':[5]}",
	    "{'embeddings':[{}]}", "{'embeddings':[{'values':[]}]}",
	    "{'embeddings':[{'values':{}}]}",
	    "{'embeddings':[{'values':['1']}]}",
	    "{'embeddings':[{'values':[1e39]}]}",
	    "{'embeddings':[{'values':[1]},{'values':null}]}",
	    "{'embedding':{'values':[1]}}" };
	cJSON	*in, *out;
	size_t	 i;

	in = pj("{'embeddings':[{'values':[0.5,-1]},{'values':[2]}]}");
	out = gm_up_embed_response(in, "emb", 7, 0);
	T_OK(same(out, "{'object':'list','data':[{'object':'embedding',"
	    "'index':0,'embedding':[0.5,-1]},{'object':'embedding','index':1,"
	    "'embedding':[2]}],'model':'emb','usage':{'prompt_tokens':7,"
	    "'total_tokens':7}}"), "embed_response: floats");
	cJSON_Delete(out);
	out = gm_up_embed_response(in, "emb", -4, 1);
	T_OK(same(out, "{'object':'list','data':[{'object':'embedding',"
	    "'index':0,'embedding':'AAAAPwAAgL8='},{'object':'embedding',"
	    "'index':1,'embedding':'AAAAQA=='}],'model':'emb','usage':"
	    "{'prompt_tokens':0,'total_tokens':0}}"),
	    "embed_response: base64 float32, negative estimate is 0");
	cJSON_Delete(out);
	cJSON_Delete(in);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in = pj(bad[i]);
		out = gm_up_embed_response(in, "emb", 1, i & 1);
		T_OK(out == NULL, "embed_response refuses %s", q(bad[i]));
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
}

/* ---- client: gm_cl_request ---- */

static const struct up_good cl_good[] = {
	{ "full conversation",
	  "{'systemInstruction':{'parts':[{'text':'Be brief.'},{'text':"
	  "'Really.'}]},'contents':[{'role':'user','parts':[{'text':'hi'}]},"
	  "{'role':'model','parts':[{'text':'thinking','thought':true},"
	  "{'text':'Let me check.'},{'functionCall':{'name':'f','args':"
	  "{'a':1}},'thoughtSignature':'x'}]},{'role':'user','parts':["
	  "{'functionResponse':{'name':'f','response':{'content':'sunny'}}},"
	  "{'text':'and?'},{'inlineData':{'mimeType':'image/png','data':"
	  "'AAA'}}]}],'tools':[{'functionDeclarations':[{'name':'f',"
	  "'description':'F','parameters':{'type':'OBJECT','properties':"
	  "{'a':{'type':'INTEGER','nullable':true},'b':{'type':'ARRAY',"
	  "'items':{'type':'STRING'}}},'required':['a'],'propertyOrdering':"
	  "['a','b']}}]}],'toolConfig':{'functionCallingConfig':{'mode':"
	  "'ANY','allowedFunctionNames':['f']}},'generationConfig':"
	  "{'temperature':0.2,'topP':0.8,'topK':40,'candidateCount':1,"
	  "'maxOutputTokens':100,'stopSequences':['X'],'presencePenalty':0.5,"
	  "'frequencyPenalty':0.1,'seed':3,'responseMimeType':'text/plain'},"
	  "'safetySettings':[{'category':'x','threshold':'y'}]}",
	  "{'model':'gpt-4o','messages':[{'role':'system','content':"
	  "'Be brief.\\nReally.'},{'role':'user','content':'hi'},{'role':"
	  "'assistant','content':'Let me check.','tool_calls':[{'id':"
	  "'call_0','type':'function','function':{'name':'f','arguments':"
	  "'{\\'a\\':1}'}}]},{'role':'tool','tool_call_id':'call_0',"
	  "'content':'sunny'},{'role':'user','content':[{'type':'text',"
	  "'text':'and?'},{'type':'image_url','image_url':{'url':"
	  "'data:image/png;base64,AAA'}}]}],'tools':[{'type':'function',"
	  "'function':{'name':'f','description':'F','parameters':{'type':"
	  "'object','properties':{'a':{'type':['integer','null']},'b':"
	  "{'type':'array','items':{'type':'string'}}},'required':['a']}}}],"
	  "'tool_choice':{'type':'function','function':{'name':'f'}},"
	  "'temperature':0.2,'top_p':0.8,'n':1,'max_completion_tokens':100,"
	  "'stop':['X'],'presence_penalty':0.5,'frequency_penalty':0.1,"
	  "'seed':3,'stream':true,'stream_options':{'include_usage':true}}" },
	{ "snake_case, same-name calls answered in order, JSON responses",
	  "{'system_instruction':'sys','contents':[{'parts':[{'text':'go'}]},"
	  "{'role':'model','parts':[{'function_call':{'name':'f'}},"
	  "{'functionCall':{'name':'f','args':{'n':2}}},{'functionCall':"
	  "{'name':'g','id':'own'}}]},{'role':'function','parts':["
	  "{'function_response':{'name':'f','response':{'r':1}}},"
	  "{'functionResponse':{'name':'g','response':{'content':{'x':1}}}},"
	  "{'functionResponse':{'name':'f','response':{'content':'two'}}}]}],"
	  "'generation_config':{'max_output_tokens':9,'response_mime_type':"
	  "'application/json','thinking_config':{'thinking_budget':5000}}}",
	  "{'model':'gpt-4o','messages':[{'role':'system','content':'sys'},"
	  "{'role':'user','content':'go'},{'role':'assistant','content':null,"
	  "'tool_calls':[{'id':'call_0','type':'function','function':{'name':"
	  "'f','arguments':'{}'}},{'id':'call_1','type':'function','function':"
	  "{'name':'f','arguments':'{\\'n\\':2}'}},{'id':'own','type':"
	  "'function','function':{'name':'g','arguments':'{}'}}]},{'role':"
	  "'tool','tool_call_id':'call_0','content':'{\\'r\\':1}'},{'role':"
	  "'tool','tool_call_id':'own','content':'{\\'x\\':1}'},{'role':"
	  "'tool','tool_call_id':'call_1','content':'two'}],"
	  "'max_completion_tokens':9,'response_format':{'type':"
	  "'json_object'},'reasoning_effort':'medium'}" },
	{ "media kinds, responseSchema, thinkingLevel",
	  "{'contents':[{'parts':[{'inlineData':{'mimeType':'audio/wav',"
	  "'data':'UklG'}},{'inlineData':{'mime_type':'audio/mpeg','data':"
	  "'SUQz'}},{'inlineData':{'mimeType':'application/pdf','data':"
	  "'JVBE'}},{'fileData':{'fileUri':'https://x.test/a.png'}},"
	  "{'fileData':{'mimeType':'image/jpeg','fileUri':'http://x/b'}}]}],"
	  "'generationConfig':{'responseMimeType':'application/json',"
	  "'responseSchema':{'type':'STRING','enum':['a','b']},"
	  "'thinkingConfig':{'thinkingLevel':'HIGH','includeThoughts':true}}}",
	  "{'model':'gpt-4o','messages':[{'role':'user','content':[{'type':"
	  "'input_audio','input_audio':{'data':'UklG','format':'wav'}},"
	  "{'type':'input_audio','input_audio':{'data':'SUQz','format':"
	  "'mp3'}},{'type':'file','file':{'filename':'document.pdf',"
	  "'file_data':'data:application/pdf;base64,JVBE'}},{'type':"
	  "'image_url','image_url':{'url':'https://x.test/a.png'}},{'type':"
	  "'image_url','image_url':{'url':'http://x/b'}}]}],"
	  "'response_format':{'type':'json_schema','json_schema':{'name':"
	  "'response','schema':{'type':'string','enum':['a','b']}}},"
	  "'reasoning_effort':'high'}" },
	{ "responseJsonSchema as is, budget 0 and toolConfig without tools",
	  "{'contents':[{'role':'user','parts':[{'text':'a'},{'text':'b'}]}],"
	  "'toolConfig':{'functionCallingConfig':{'mode':'NONE'}},"
	  "'generationConfig':{'responseMimeType':'application/json',"
	  "'responseJsonSchema':{'type':'object','additionalProperties':"
	  "false},'thinkingConfig':{'thinkingBudget':0}}}",
	  "{'model':'gpt-4o','messages':[{'role':'user','content':[{'type':"
	  "'text','text':'a'},{'type':'text','text':'b'}]}],"
	  "'response_format':{'type':'json_schema','json_schema':{'name':"
	  "'response','schema':{'type':'object','additionalProperties':"
	  "false}}}}" },
	{ "only thoughts in a model turn: empty content",
	  "{'contents':[{'parts':[{'text':'q'}]},{'role':'model','parts':"
	  "[{'text':'hm','thought':true}]},{'parts':[{'text':'r'}]}],"
	  "'tools':[{'functionDeclarations':[{'name':'f',"
	  "'parametersJsonSchema':"
	  "{'type':'object'}}]},{}]}",
	  "{'model':'gpt-4o','messages':[{'role':'user','content':'q'},"
	  "{'role':'assistant','content':''},{'role':'user','content':'r'}],"
	  "'tools':[{'type':'function','function':{'name':'f','parameters':"
	  "{'type':'object'}}}]}" },
};

static void
test_cl_request_good(void)
{
	char	 param[96], msg[256];
	cJSON	*req, *out;
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(cl_good) / sizeof(cl_good[0]); i++) {
		req = pj(cl_good[i].chat);
		out = NULL;
		r = gm_cl_request(req, "gpt-4o", i == 0, &out, param,
		    sizeof(param), msg, sizeof(msg));
		if (r != GM_OK)
			printf("#   %s: %s\n", param, msg);
		T_OK(req != NULL && r == GM_OK && same(out, cl_good[i].want),
		    "cl_request: %s", cl_good[i].name);
		cJSON_Delete(out);
		cJSON_Delete(req);
	}
}

/* functionCallingConfig -> tool_choice (with one tool declared). */
static void
test_cl_tool_config(void)
{
	static const char *const m[][2] = {
		{ "{'mode':'AUTO'}", "'auto'" },
		{ "{}", "'auto'" },
		{ "{'mode':'MODE_UNSPECIFIED'}", "'auto'" },
		{ "{'mode':'NONE'}", "'none'" },
		{ "{'mode':'ANY'}", "'required'" },
		{ "{'mode':'ANY','allowedFunctionNames':['f','g']}",
		  "{'type':'allowed_tools','allowed_tools':{'mode':'required',"
		  "'tools':[{'type':'function','function':{'name':'f'}},"
		  "{'type':'function','function':{'name':'g'}}]}}" },
		{ "{'mode':'VALIDATED','allowed_function_names':['g']}",
		  "{'type':'allowed_tools','allowed_tools':{'mode':'auto',"
		  "'tools':[{'type':'function','function':{'name':'g'}}]}}" },
		{ "{'mode':'VALIDATED'}", "'auto'" },
	};
	char	 body[512], param[96], msg[256];
	cJSON	*req, *out, *want;
	size_t	 i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(body, sizeof(body), "{'contents':[{'parts':[{'text':"
		    "'x'}]}],'tools':[{'functionDeclarations':[{'name':'f'}]}],"
		    "'toolConfig':{'functionCallingConfig':%s}}", m[i][0]);
		req = pj(body);
		out = NULL;
		want = pj(m[i][1]);
		T_OK(gm_cl_request(req, "m", 0, &out, param, sizeof(param),
		    msg, sizeof(msg)) == GM_OK && cJSON_Compare(
		    cJSON_GetObjectItem(out, "tool_choice"), want, 1),
		    "cl_request: functionCallingConfig %s", q(m[i][0]));
		cJSON_Delete(want);
		cJSON_Delete(out);
		cJSON_Delete(req);
	}
}

#define CU(parts) "{'contents':[{'role':'user','parts':[" parts "]}]}"
#define CG(gc) "{'contents':[{'parts':[{'text':'x'}]}],'generationConfig':" \
	gc "}"

static const struct bad_case cl_bad[] = {
	{ "[]", "" },
	{ "'x'", "" },
	{ "{}", "contents" },
	{ "{'contents':[]}", "contents" },
	{ "{'contents':{}}", "contents" },
	{ "{'contents':'hi'}", "contents" },
	{ "{'contents':[5]}", "contents[0]" },
	{ "{'contents':[{'role':'assistant','parts':[{'text':'x'}]}]}",
	  "contents[0].role" },
	{ "{'contents':[{'role':5,'parts':[{'text':'x'}]}]}",
	  "contents[0].role" },
	{ "{'contents':[{'role':'user'}]}", "contents[0].parts" },
	{ "{'contents':[{'role':'user','parts':[]}]}", "contents[0].parts" },
	{ "{'contents':[{'role':'user','parts':{'text':'x'}}]}",
	  "contents[0].parts" },
	{ CU("5"), "contents[0].parts[0]" },
	{ CU("'text'"), "contents[0].parts[0]" },
	{ CU("{}"), "contents[0].parts[0]" },
	{ CU("{'thought':true}"), "contents[0].parts[0]" },
	{ CU("{'executableCode':{'code':'1'}}"), "contents[0].parts[0]" },
	{ CU("{'text':'a','inlineData':{'mimeType':'image/png','data':'A'}}"),
	  "contents[0].parts[0]" },
	{ CU("{'text':'a'},{'text':5}"), "contents[0].parts[1].text" },
	{ CU("{'inlineData':{'mimeType':'image/png'}}"),
	  "contents[0].parts[0].inlineData" },
	{ CU("{'inlineData':'x'}"), "contents[0].parts[0].inlineData" },
	{ CU("{'inlineData':{'mimeType':'video/mp4','data':'A'}}"),
	  "contents[0].parts[0].inlineData.mimeType" },
	{ CU("{'fileData':{'mimeType':'image/png'}}"),
	  "contents[0].parts[0].fileData" },
	{ CU("{'fileData':{'fileUri':'gs://b/x.png'}}"),
	  "contents[0].parts[0].fileData" },
	{ CU("{'fileData':{'fileUri':'https://x/v.mp4','mimeType':"
	  "'video/mp4'}}"), "contents[0].parts[0].fileData" },
	{ CU("{'functionCall':{'name':'f'}}"), "contents[0].parts[0]" },
	{ "{'contents':[{'role':'model','parts':[{'functionResponse':{'name':"
	  "'f','response':{}}}]}]}", "contents[0].parts[0]" },
	{ "{'contents':[{'role':'model','parts':[{'inlineData':{'mimeType':"
	  "'image/png','data':'A'}}]}]}", "contents[0].parts[0]" },
	{ "{'contents':[{'role':'model','parts':[{'functionCall':{}}]}]}",
	  "contents[0].parts[0].functionCall" },
	{ "{'contents':[{'role':'model','parts':[{'functionCall':'f'}]}]}",
	  "contents[0].parts[0].functionCall" },
	{ "{'contents':[{'role':'model','parts':[{'functionCall':{'name':"
	  "'f','args':[1]}}]}]}", "contents[0].parts[0].functionCall.args" },
	{ CU("{'functionResponse':{'name':'f'}}"),
	  "contents[0].parts[0].functionResponse.response" },
	{ CU("{'functionResponse':{'response':{}}}"),
	  "contents[0].parts[0].functionResponse" },
	{ CU("{'functionResponse':{'name':'f','response':'ok'}}"),
	  "contents[0].parts[0].functionResponse.response" },
	{ CU("{'functionResponse':{'name':'f','response':{}}}"),
	  "contents[0].parts[0].functionResponse.name" },
	{ "{'contents':[{'role':'model','parts':[{'functionCall':{'name':"
	  "'f'}}]},{'parts':[{'functionResponse':{'name':'f','response':{}}},"
	  "{'functionResponse':{'name':'f','response':{}}}]}]}",
	  "contents[1].parts[1].functionResponse.name" },
	{ "{'contents':[{'role':'model','parts':[{'functionCall':{'name':"
	  "'f'}}]},{'parts':[{'text':'x'}]},{'role':'model','parts':[{'text':"
	  "'y'}]},{'parts':[{'functionResponse':{'name':'f','response':"
	  "{}}}]}]}", "contents[3].parts[0].functionResponse.name" },
	{ "{'systemInstruction':5,'contents':[{'parts':[{'text':'x'}]}]}",
	  "systemInstruction" },
	{ "{'systemInstruction':{'parts':[{'inlineData':{}}]},'contents':"
	  "[{'parts':[{'text':'x'}]}]}", "systemInstruction.parts[0]" },
	{ "{'systemInstruction':{'parts':'x'},'contents':[{'parts':[{'text':"
	  "'x'}]}]}", "systemInstruction" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'tools':5}", "tools" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'tools':[5]}", "tools[0]" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'tools':[{'googleSearch':"
	  "{}}]}", "tools[0].googleSearch" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'tools':[{"
	  "'functionDeclarations':{}}]}", "tools[0].functionDeclarations" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'tools':[{"
	  "'functionDeclarations':[{'description':'d'}]}]}",
	  "tools[0].functionDeclarations[0].name" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'tools':[{"
	  "'functionDeclarations':[5]}]}",
	  "tools[0].functionDeclarations[0].name" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'tools':[{"
	  "'functionDeclarations':[{'name':'f','parameters':'x'}]}]}",
	  "tools[0].functionDeclarations[0]" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'tools':[{"
	  "'functionDeclarations':[{'name':'f','description':5}]}]}",
	  "tools[0].functionDeclarations[0]" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'toolConfig':5}",
	  "toolConfig" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'toolConfig':"
	  "{'functionCallingConfig':5}}", "toolConfig.functionCallingConfig" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'toolConfig':"
	  "{'functionCallingConfig':{'mode':'SOMETIMES'}}}",
	  "toolConfig.functionCallingConfig.mode" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'toolConfig':"
	  "{'functionCallingConfig':{'mode':3}}}",
	  "toolConfig.functionCallingConfig.mode" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'toolConfig':"
	  "{'functionCallingConfig':{'allowedFunctionNames':'f'}}}",
	  "toolConfig.functionCallingConfig.allowedFunctionNames" },
	{ "{'contents':[{'parts':[{'text':'x'}]}],'toolConfig':"
	  "{'functionCallingConfig':{'allowedFunctionNames':[1]}}}",
	  "toolConfig.functionCallingConfig.allowedFunctionNames[0]" },
	{ CG("5"), "generationConfig" },
	{ CG("{'temperature':'x'}"), "generationConfig.temperature" },
	{ CG("{'temperature':5}"), "generationConfig.temperature" },
	{ CG("{'topP':-1}"), "generationConfig.topP" },
	{ CG("{'topK':'x'}"), "generationConfig.topK" },
	{ CG("{'maxOutputTokens':0}"), "generationConfig.maxOutputTokens" },
	{ CG("{'max_output_tokens':1.5}"), "generationConfig.maxOutputTokens" },
	{ CG("{'candidateCount':9}"), "generationConfig.candidateCount" },
	{ CG("{'seed':1.5}"), "generationConfig.seed" },
	{ CG("{'presencePenalty':3}"), "generationConfig.presencePenalty" },
	{ CG("{'stopSequences':'x'}"), "generationConfig.stopSequences" },
	{ CG("{'stopSequences':['a',1]}"),
	  "generationConfig.stopSequences[1]" },
	{ CG("{'responseMimeType':'text/x.enum'}"),
	  "generationConfig.responseMimeType" },
	{ CG("{'responseMimeType':5}"), "generationConfig.responseMimeType" },
	{ CG("{'responseSchema':{'type':'STRING'}}"),
	  "generationConfig.responseSchema" },
	{ CG("{'responseMimeType':'application/json','responseSchema':5}"),
	  "generationConfig.responseSchema" },
	{ CG("{'responseMimeType':'application/json','responseJsonSchema':"
	  "[]}"), "generationConfig.responseJsonSchema" },
	{ CG("{'thinkingConfig':5}"), "generationConfig.thinkingConfig" },
	{ CG("{'thinkingConfig':{'thinkingBudget':-2}}"),
	  "generationConfig.thinkingConfig.thinkingBudget" },
	{ CG("{'thinkingConfig':{'thinkingBudget':'lots'}}"),
	  "generationConfig.thinkingConfig.thinkingBudget" },
	{ CG("{'thinkingConfig':{'thinkingLevel':'max'}}"),
	  "generationConfig.thinkingConfig.thinkingLevel" },
	{ CG("{'thinkingConfig':{'includeThoughts':'yes'}}"),
	  "generationConfig.thinkingConfig.includeThoughts" },
	{ CG("{'responseLogprobs':true}"),
	  "generationConfig.responseLogprobs" },
	{ CG("{'responseModalities':['TEXT','AUDIO']}"),
	  "generationConfig.responseModalities[1]" },
	{ CG("{'responseModalities':'TEXT'}"),
	  "generationConfig.responseModalities" },
	{ CG("{'speechConfig':{}}"), "generationConfig.speechConfig" },
	{ "{'cachedContent':'cachedContents/x','contents':[{'parts':[{'text':"
	  "'x'}]}]}", "cachedContent" },
};

static void
test_cl_request_bad(void)
{
	char	 param[96], msg[256];
	cJSON	*req, *out;
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(cl_bad) / sizeof(cl_bad[0]); i++) {
		req = pj(cl_bad[i].body);
		out = (cJSON *)1;
		r = gm_cl_request(req, "m", i & 1, &out, param, sizeof(param),
		    msg, sizeof(msg));
		T_OK(req != NULL && r == GM_INVALID && out == NULL &&
		    strcmp(param, cl_bad[i].param) == 0 && msg[0] != '\0' &&
		    (param[0] == '\0' || strstr(msg, param) != NULL),
		    "cl_request refuses %s (param '%s', got '%s': %s)",
		    q(cl_bad[i].body), cl_bad[i].param, param, msg);
		cJSON_Delete(req);
	}
	T_OK(gm_cl_request(NULL, "m", 0, &out, param, sizeof(param), msg,
	    sizeof(msg)) == GM_INVALID && out == NULL,
	    "cl_request refuses NULL");
}

/* ---- client: gm_cl_response, gm_cl_error ---- */

static void
test_cl_response(void)
{
	static const char *const bad[] = { "null", "{}", "[]",
	    "{'choices':[]}", "{'choices':{}}", "{'choices':[5]}",
	    "{'choices':[{}]}", "{'choices':[{'message':'x'}]}",
	    "{'choices':[{'message':{'tool_calls':{}}}]}",
	    "{'choices':[{'message':{'tool_calls':[5]}}]}",
	    "{'choices':[{'message':{'tool_calls':[{'function':{}}]}}]}",
	    "{'choices':[{'message':{'content':'a'}},{'message':5}]}" };
	cJSON	*in, *out;
	size_t	 i;

	in = pj("{'id':'x','object':'chat.completion','choices':[{'index':0,"
	    "'message':{'role':'assistant','content':'Hi','reasoning_content':"
	    "'why','tool_calls':[{'id':'c','type':'function','function':"
	    "{'name':'f','arguments':'{\\'a\\':1}'},'extra_content':{'google':"
	    "{'thought_signature':'S'}}},{'id':'d','type':'function',"
	    "'function':{'name':'g','arguments':'not json'}}]},"
	    "'finish_reason':'tool_calls'}],'usage':{'prompt_tokens':10,"
	    "'completion_tokens':7,'total_tokens':17,'prompt_tokens_details':"
	    "{'cached_tokens':4},'completion_tokens_details':"
	    "{'reasoning_tokens':3}}}");
	out = gm_cl_response(in, "gemini-pro", "rid");
	T_OK(same(out, "{'candidates':[{'content':{'role':'model','parts':["
	    "{'text':'why','thought':true},{'text':'Hi'},{'functionCall':"
	    "{'name':'f','args':{'a':1}},'thoughtSignature':'S'},"
	    "{'functionCall':{'name':'g','args':{}}}]},'finishReason':'STOP',"
	    "'index':0}],'usageMetadata':{'promptTokenCount':10,"
	    "'candidatesTokenCount':4,'thoughtsTokenCount':3,"
	    "'totalTokenCount':17,'cachedContentTokenCount':4},"
	    "'modelVersion':'gemini-pro','responseId':'rid'}"),
	    "cl_response: reasoning, text, calls, usage");
	cJSON_Delete(out);
	cJSON_Delete(in);

	in = pj("{'choices':[{'message':{'content':null},'finish_reason':"
	    "'length'},{'index':3,'message':{'content':[{'type':'text','text':"
	    "'a'},{'type':'text','text':'b'}]},'finish_reason':"
	    "'content_filter'},{'message':{'content':'','refusal':'no'}}],"
	    "'usage':{'prompt_tokens':'x'}}");
	out = gm_cl_response(in, "m", "r");
	T_OK(same(out, "{'candidates':[{'content':{'role':'model','parts':"
	    "[{'text':''}]},'finishReason':'MAX_TOKENS','index':0},{'content':"
	    "{'role':'model','parts':[{'text':'ab'}]},'finishReason':'SAFETY',"
	    "'index':3},{'content':{'role':'model','parts':[{'text':'no'}]},"
	    "'finishReason':'STOP','index':2}],'modelVersion':'m',"
	    "'responseId':'r'}"), "cl_response: finishes, parts, refusal, "
	    "junk usage dropped");
	cJSON_Delete(out);
	cJSON_Delete(in);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in = pj(bad[i]);
		out = gm_cl_response(in, "m", "r");
		T_OK(out == NULL, "cl_response refuses %s", q(bad[i]));
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	out = gm_cl_error(429, "RESOURCE_EXHAUSTED", "slow down");
	T_OK(same(out, "{'error':{'code':429,'message':'slow down','status':"
	    "'RESOURCE_EXHAUSTED'}}"), "cl_error");
	cJSON_Delete(out);
	out = gm_cl_error(500, NULL, NULL);
	T_OK(same(out, "{'error':{'code':500,'message':'','status':''}}"),
	    "cl_error with NULLs");
	cJSON_Delete(out);
}

/* ---- client stream ---- */

static int
cl_collect(void *arg, const cJSON *o)
{
	return collect(arg, o);
}

/* Feeds chunks (q'd JSON, NULL-terminated); rc of each in rcs. */
static void
cl_feed(struct gm_cl_stream *s, struct seen *sn, const char *const *ch,
    int *rcs)
{
	cJSON	*c;
	size_t	 i;

	for (i = 0; ch[i] != NULL; i++) {
		c = pj(ch[i]);
		rcs[i] = gm_cl_stream_chunk(s, c, cl_collect, sn);
		cJSON_Delete(c);
	}
}

#define GR(parts, fin) "{'candidates':[{'content':{'role':'model','parts':" \
	parts "}," fin "'index':0}],'modelVersion':'gm','responseId':'RID'}"

static void
test_cl_stream(void)
{
	static const char *const ch[] = {
		"{'choices':[{'index':0,'delta':{'role':'assistant','content':"
		"''},'finish_reason':null}]}",
		"{'choices':[{'index':0,'delta':{'content':'Hel'}}]}",
		"{'choices':[{'index':0,'delta':{'reasoning_content':'r',"
		"'content':'lo'}}]}",
		"{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'id':"
		"'c0','type':'function','function':{'name':'f','arguments':"
		"'{\\'a\\':'}}]}}]}",
		"{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,"
		"'function':{'arguments':'1}'}}]}}]}",
		"{'choices':[{'index':0,'delta':{'tool_calls':[{'index':1,'id':"
		"'c1','function':{'name':'g','arguments':''}}]}}]}",
		"{'choices':[{'index':1,'delta':{'content':'other choice'}}]}",
		"{'choices':[{'index':0,'delta':{},'finish_reason':"
		"'tool_calls'}]}",
		"{'choices':[],'usage':{'prompt_tokens':9,'completion_tokens':"
		"6,'total_tokens':15,'completion_tokens_details':"
		"{'reasoning_tokens':2}}}",
		NULL };
	struct gm_cl_stream s;
	struct seen	 sn;
	int		 rcs[16], i, ok = 1;
	char		 want[8192];

	seen_init(&sn);
	gm_cl_stream_init(&s, "RID", "gm");
	cl_feed(&s, &sn, ch, rcs);
	for (i = 0; ch[i] != NULL; i++)
		ok &= rcs[i] == 0;
	T_OK(ok && gm_cl_stream_done(&s, cl_collect, &sn) == 0,
	    "cl_stream: chunks return 0");
	snprintf(want, sizeof(want), "[%s,%s,%s,%s,%s]",
	    GR("[{'text':'Hel'}]", ""),
	    GR("[{'text':'r','thought':true},{'text':'lo'}]", ""),
	    GR("[{'functionCall':{'name':'f','args':{'a':1}}}]", ""),
	    GR("[{'functionCall':{'name':'g','args':{}}}]", ""),
	    "{'candidates':[{'content':{'role':'model','parts':[{'text':''}]},"
	    "'finishReason':'STOP','index':0}],'usageMetadata':{'promptTokenCount':9,"
	    "'candidatesTokenCount':4,'thoughtsTokenCount':2,"
	    "'totalTokenCount':15},'modelVersion':'gm','responseId':'RID'}");
	T_OK(same(sn.all, want), "cl_stream: text, reasoning, calls "
	    "collected, finish, usage last");
	T_OK(gm_cl_stream_done(&s, cl_collect, &sn) == 0 &&
	    cJSON_GetArraySize(sn.all) == 5, "cl_stream: done twice");
	gm_cl_stream_free(&s);
	cJSON_Delete(sn.all);

	/* No finish_reason: done flushes the call and sends STOP. */
	seen_init(&sn);
	gm_cl_stream_init(&s, "RID", "gm");
	{
		static const char *const c2[] = {
			"{'choices':[{'delta':{'tool_calls':[{'index':0,"
			"'function':{'name':'f','arguments':'[1]'}}]}}]}",
			"{'choices':[{'delta':{'tool_calls':[{'function':"
			"{'arguments':''}}]}}]}",
			"5", "[]", "{'choices':5}", "{'choices':[5]}",
			"{'choices':[{'delta':5}]}",
			"{'choices':[{'delta':{'content':7,'tool_calls':5}}]}",
			"{'usage':{'prompt_tokens':1}}",
			NULL };

		cl_feed(&s, &sn, c2, rcs);
		ok = 1;
		for (i = 0; c2[i] != NULL; i++)
			ok &= rcs[i] == 0;
		T_OK(ok && cJSON_GetArraySize(sn.all) == 0,
		    "cl_stream: junk chunks ignored, call still open");
	}
	T_OK(gm_cl_stream_done(&s, cl_collect, &sn) == 0 && same(sn.all,
	    "[{'candidates':[{'content':{'role':'model','parts':["
	    "{'functionCall':{'name':'f','args':{}}}]},'finishReason':'STOP',"
	    "'index':0}],'usageMetadata':{'promptTokenCount':1,"
	    "'candidatesTokenCount':0,'totalTokenCount':1},'modelVersion':"
	    "'gm','responseId':'RID'}]"), "cl_stream: done flushes the call "
	    "(non-object args -> {})");
	gm_cl_stream_free(&s);
	cJSON_Delete(sn.all);

	/* The finishReason waits for done (Gemini's last response has it). */
	seen_init(&sn);
	gm_cl_stream_init(&s, "RID", "gm");
	{
		static const char *const c3[] = {
			"{'choices':[{'delta':{'content':'x'},'finish_reason':"
			"'length'}]}", NULL };

		cl_feed(&s, &sn, c3, rcs);
	}
	T_OK(gm_cl_stream_done(&s, cl_collect, &sn) == 0 && same(sn.all,
	    "[" GR("[{'text':'x'}]", "") "," GR("[{'text':''}]",
	    "'finishReason':'MAX_TOKENS',") "]"),
	    "cl_stream: finish with text: the finishReason comes at done");
	gm_cl_stream_free(&s);
	cJSON_Delete(sn.all);

	/* An empty stream: done sends STOP with an empty part. */
	seen_init(&sn);
	gm_cl_stream_init(&s, "RID", "gm");
	T_OK(gm_cl_stream_done(&s, cl_collect, &sn) == 0 && same(sn.all,
	    "[" GR("[{'text':''}]", "'finishReason':'STOP',") "]"),
	    "cl_stream: empty stream");
	gm_cl_stream_free(&s);
	cJSON_Delete(sn.all);
}

/* Caps: 64 calls, 1 MiB of arguments, emit's value. */
static void
test_cl_stream_caps(void)
{
	struct gm_cl_stream s;
	struct seen	 sn;
	char		 b[256], *big;
	cJSON		*c;
	int		 i, rc = 0;

	seen_init(&sn);
	gm_cl_stream_init(&s, "R", "m");
	for (i = 0; i < 65 && rc == 0; i++) {
		snprintf(b, sizeof(b), "{\"choices\":[{\"delta\":{"
		    "\"tool_calls\":"
		    "[{\"index\":%d,\"function\":{\"name\":\"f\",\"arguments\":"
		    "\"{}\"}}]}}]}", i);
		c = cJSON_Parse(b);
		rc = gm_cl_stream_chunk(&s, c, cl_collect, &sn);
		cJSON_Delete(c);
	}
	T_OK(rc == -1 && i == 65 && cJSON_GetArraySize(sn.all) == 63,
	    "cl_stream: the 65th call fails");
	gm_cl_stream_free(&s);
	cJSON_Delete(sn.all);

	seen_init(&sn);
	gm_cl_stream_init(&s, "R", "m");
	big = malloc((1 << 20) + 2);
	memset(big, 'a', (1 << 20) + 1);
	big[(1 << 20) + 1] = '\0';
	c = cJSON_CreateObject();
	{
		cJSON *chs = cJSON_AddArrayToObject(c, "choices");
		cJSON *ch = cJSON_CreateObject(), *d, *tcs, *tc, *f;

		cJSON_AddItemToArray(chs, ch);
		d = cJSON_AddObjectToObject(ch, "delta");
		tcs = cJSON_AddArrayToObject(d, "tool_calls");
		tc = cJSON_CreateObject();
		cJSON_AddItemToArray(tcs, tc);
		cJSON_AddNumberToObject(tc, "index", 0);
		f = cJSON_AddObjectToObject(tc, "function");
		cJSON_AddStringToObject(f, "arguments", big);
	}
	T_OK(gm_cl_stream_chunk(&s, c, cl_collect, &sn) == -1,
	    "cl_stream: arguments over 1 MiB fail");
	cJSON_Delete(c);
	free(big);
	gm_cl_stream_free(&s);
	cJSON_Delete(sn.all);

	seen_init(&sn);
	sn.stop_at = 1;
	gm_cl_stream_init(&s, "R", "m");
	c = pj("{'choices':[{'delta':{'content':'x'}}]}");
	T_OK(gm_cl_stream_chunk(&s, c, cl_collect, &sn) == 9,
	    "cl_stream: emit's value returned");
	cJSON_Delete(c);
	gm_cl_stream_free(&s);
	cJSON_Delete(sn.all);
}

/* Hostile single chunks: ignored (0, nothing emitted). */
static void
test_cl_stream_junk(void)
{
	static const char *const junk[] = { "5", "'x'", "[]", "null", "{}",
	    "{'choices':5}", "{'choices':{}}", "{'choices':[5]}",
	    "{'choices':[null]}", "{'choices':[{'delta':5}]}",
	    "{'choices':[{'index':1,'delta':{'content':'x'}}]}",
	    "{'choices':[{'index':'0','delta':{'content':'x'}}]}",
	    "{'choices':[{'delta':{'content':7}}]}",
	    "{'choices':[{'delta':{'content':''}}]}",
	    "{'choices':[{'delta':{'tool_calls':{}}}]}",
	    "{'choices':[{'delta':{'tool_calls':[5]}}]}",
	    "{'choices':[{'delta':{'tool_calls':[{'index':-1,'function':5}]}}]}",
	    "{'choices':[{'delta':{},'finish_reason':5}]}",
	    "{'choices':[{'delta':{},'finish_reason':''}]}",
	    "{'choices':[],'usage':{'prompt_tokens':'x'}}",
	    "{'choices':[],'usage':5}" };
	struct gm_cl_stream s;
	struct seen	 sn;
	cJSON		*c;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		seen_init(&sn);
		gm_cl_stream_init(&s, "RID", "gm");
		c = pj(junk[i]);
		rc = gm_cl_stream_chunk(&s, c, cl_collect, &sn);
		T_OK(rc == 0 && cJSON_GetArraySize(sn.all) == 0 &&
		    !s.have_usage && gm_cl_stream_done(&s, cl_collect, &sn) ==
		    0 && same(sn.all, "[" GR("[{'text':''}]",
		    "'finishReason':'STOP',") "]"), "cl_stream ignores %s",
		    q(junk[i]));
		cJSON_Delete(c);
		gm_cl_stream_free(&s);
		cJSON_Delete(sn.all);
	}
	gm_cl_stream_init(&s, "RID", "gm");
	seen_init(&sn);
	T_OK(gm_cl_stream_chunk(&s, NULL, cl_collect, &sn) == 0 &&
	    cJSON_GetArraySize(sn.all) == 0, "cl_stream ignores NULL");
	gm_cl_stream_free(&s);
	cJSON_Delete(sn.all);
}

/* A part's own id too long for a tool_call_id: ours is used. */
static void
test_cl_long_id(void)
{
	char	 body[1024], id[200], param[96], msg[256];
	cJSON	*req, *out = NULL, *m;

	memset(id, 'i', 150);
	id[150] = '\0';
	snprintf(body, sizeof(body), "{'contents':[{'parts':[{'text':'q'}]},"
	    "{'role':'model','parts':[{'functionCall':{'name':'f','id':'%s'}}]},"
	    "{'parts':[{'functionResponse':{'name':'f','id':'%s','response':"
	    "{}}}]}]}", id, id);
	req = pj(body);
	T_OK(gm_cl_request(req, "m", 0, &out, param, sizeof(param), msg,
	    sizeof(msg)) == GM_OK, "cl_request: long own ids");
	m = cJSON_GetObjectItem(out, "messages");
	T_OK(same(m, "[{'role':'user','content':'q'},{'role':'assistant',"
	    "'content':null,'tool_calls':[{'id':'call_0','type':'function',"
	    "'function':{'name':'f','arguments':'{}'}}]},{'role':'tool',"
	    "'tool_call_id':'call_0','content':'{}'}]"),
	    "cl_request: long own ids replaced by ours, matched by name");
	cJSON_Delete(out);
	cJSON_Delete(req);
}

/* ---- estimates ---- */

static void
test_estimates(void)
{
	cJSON	*r;

	r = pj("{'candidates':[{'content':{'parts':[{'text':'abcdefgh'},"
	    "{'functionCall':{'name':'f','args':{}}},5]}},7]}");
	T_OK(gm_response_output_tokens(r) == 2 + 1 + 1,
	    "response_output_tokens: text and call");
	cJSON_Delete(r);
	T_OK(gm_response_output_tokens(NULL) == 0, "output tokens of NULL");
	r = pj("{'candidates':{'content':{'parts':[{'text':'abcd'}]}}}");
	T_OK(gm_response_output_tokens(r) == 0, "output tokens of junk");
	cJSON_Delete(r);
	r = pj("{'contents':[{'parts':[{'text':'abcd'},{'inlineData':{}}]},"
	    "5],'systemInstruction':{'parts':[{'text':'abcd'}]}}");
	T_OK(gm_request_input_tokens(r) == 3 + 1 + 258 + 3 + 1,
	    "request_input_tokens: text, media, system");
	cJSON_Delete(r);
	r = pj("{'contents':'x','system_instruction':'abcdefgh'}");
	T_OK(gm_request_input_tokens(r) == 2, "input tokens of junk");
	cJSON_Delete(r);
}

int
main(void)
{
	test_path();
	test_up_request_good();
	test_up_tool_choice();
	test_up_request_bad();
	test_up_request_many_tools();
	test_up_response();
	test_finish();
	test_usage();
	test_up_error();
	test_stream_text();
	test_stream_calls();
	test_stream_bad();
	test_embed();
	test_embed_response();
	test_cl_request_good();
	test_cl_tool_config();
	test_cl_request_bad();
	test_cl_response();
	test_cl_stream();
	test_cl_stream_caps();
	test_cl_stream_junk();
	test_cl_long_id();
	test_estimates();
	return t_done();
}
