/*
 * test_responses.c: POST /v1/responses and /v1/completions, the parts
 * that need no server: the request validators (tables, more bad than
 * good), the Responses <-> Chat Completions conversion both ways, the
 * converted event sequences of streams, usage reading and the output
 * token estimates.  JSON in the tables is written with ' for " to stay
 * readable; q() turns it back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "billing.h"
#include "buf.h"
#include "handlers/completions.h"
#include "handlers/responses.h"
#include "providers/responses_chat.h"
#include "t.h"

/* s with every ' turned into "; a static buffer per call slot. */
static const char *
q(const char *s)
{
	static char	 bufs[4][8192];
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

/* ---- h_responses_check ---- */

struct rs_case {
	const char	*body;
	const char	*param;		/* NULL: valid */
	int		 native;	/* valid: needs the Responses API */
};

static const struct rs_case rs_cases[] = {
	/* good */
	{ "{'model':'m','input':'hi'}", NULL, 0 },
	{ "{'model':'m','input':[{'role':'user','content':'hi'}],"
	    "'stream':true,'stream_options':{},'max_output_tokens':16}",
	    NULL, 0 },
	{ "{'model':'m','input':[{'type':'message','role':'developer',"
	    "'content':[{'type':'input_text','text':'a'},{'type':'input_image',"
	    "'image_url':'data:x'}]},{'type':'function_call','call_id':'c',"
	    "'name':'f','arguments':'{}'},{'type':'function_call_output',"
	    "'call_id':'c','output':'ok'}],'tools':[{'type':'function',"
	    "'name':'f','parameters':{}}],'tool_choice':{'type':'function',"
	    "'name':'f'},'text':{'format':{'type':'json_schema','name':'s',"
	    "'schema':{}}},'metadata':{'a':'b'},'temperature':0.5,"
	    "'top_p':1,'store':false,'reasoning':{'effort':'low'}}", NULL, 0 },
	{ "{'model':'m','previous_response_id':'resp_1'}", NULL, 1 },
	{ "{'model':'m','input':'x','tools':[{'type':'web_search'}]}", NULL,
	    1 },
	{ "{'model':'m','input':[{'type':'item_reference','id':'x'}]}", NULL,
	    1 },
	{ "{'model':'m','input':'x','background':true}", NULL, 1 },
	{ "{'model':'m','input':[{'role':'user','content':[{'type':"
	    "'input_image','file_id':'f1'}]}]}", NULL, 1 },
	{ "{'model':'m','input':'x','instructions':null,'tools':null,"
	    "'max_output_tokens':null}", NULL, 0 },
	/* bad */
	{ "[]", "", 0 },
	{ "{'input':'x'}", "model", 0 },
	{ "{'model':null,'input':'x'}", "model", 0 },
	{ "{'model':'','input':'x'}", "model", 0 },
	{ "{'model':5,'input':'x'}", "model", 0 },
	{ "{'model':'m'}", "input", 0 },
	{ "{'model':'m','input':null}", "input", 0 },
	{ "{'model':'m','input':5}", "input", 0 },
	{ "{'model':'m','input':{'role':'user'}}", "input", 0 },
	{ "{'model':'m','input':['x']}", "input[0]", 0 },
	{ "{'model':'m','input':[{'content':'x'}]}", "input[0].role", 0 },
	{ "{'model':'m','input':[{'role':'bot','content':'x'}]}",
	    "input[0].role", 0 },
	{ "{'model':'m','input':[{'role':'user'}]}", "input[0].content", 0 },
	{ "{'model':'m','input':[{'role':'user','content':5}]}",
	    "input[0].content", 0 },
	{ "{'model':'m','input':[{'role':'user','content':[5]}]}",
	    "input[0].content[0]", 0 },
	{ "{'model':'m','input':[{'role':'user','content':[{}]}]}",
	    "input[0].content[0].type", 0 },
	{ "{'model':'m','input':[{'role':'user','content':[{'type':"
	    "'input_text'}]}]}", "input[0].content[0].text", 0 },
	{ "{'model':'m','input':[{'role':'user','content':[{'type':"
	    "'input_image'}]}]}", "input[0].content[0]", 0 },
	{ "{'model':'m','input':[{'role':'user','content':'a'},{'type':7}]}",
	    "input[1].type", 0 },
	{ "{'model':'m','input':[{'type':'function_call','name':'f',"
	    "'arguments':'{}'}]}", "input[0].call_id", 0 },
	{ "{'model':'m','input':[{'type':'function_call','call_id':'c',"
	    "'name':'f','arguments':{}}]}", "input[0].arguments", 0 },
	{ "{'model':'m','input':[{'type':'function_call_output',"
	    "'call_id':'c'}]}", "input[0].output", 0 },
	{ "{'model':'m','input':[{'type':'function_call_output',"
	    "'output':'x'}]}", "input[0].call_id", 0 },
	{ "{'model':'m','input':'x','max_output_tokens':15}",
	    "max_output_tokens", 0 },
	{ "{'model':'m','input':'x','max_output_tokens':16.5}",
	    "max_output_tokens", 0 },
	{ "{'model':'m','input':'x','max_output_tokens':'20'}",
	    "max_output_tokens", 0 },
	{ "{'model':'m','input':'x','max_output_tokens':100000000}",
	    "max_output_tokens", 0 },
	{ "{'model':'m','input':'x','stream':'yes'}", "stream", 0 },
	{ "{'model':'m','input':'x','stream_options':{}}", "stream_options",
	    0 },
	{ "{'model':'m','input':'x','stream':true,'stream_options':1}",
	    "stream_options", 0 },
	{ "{'model':'m','input':'x','temperature':3}", "temperature", 0 },
	{ "{'model':'m','input':'x','top_p':-0.1}", "top_p", 0 },
	{ "{'model':'m','input':'x','store':'no'}", "store", 0 },
	{ "{'model':'m','input':'x','instructions':5}", "instructions", 0 },
	{ "{'model':'m','input':'x','reasoning':'high'}", "reasoning", 0 },
	{ "{'model':'m','input':'x','previous_response_id':1}",
	    "previous_response_id", 0 },
	{ "{'model':'m','input':'x','tools':{}}", "tools", 0 },
	{ "{'model':'m','input':'x','tools':[{'name':'f'}]}", "tools[0]", 0 },
	{ "{'model':'m','input':'x','tools':[{'type':'function'}]}",
	    "tools[0].name", 0 },
	{ "{'model':'m','input':'x','tools':[{'type':'function','name':"
	    "'a b'}]}", "tools[0].name", 0 },
	{ "{'model':'m','input':'x','tools':[{'type':'function','name':'f',"
	    "'parameters':[]}]}", "tools[0].parameters", 0 },
	{ "{'model':'m','input':'x','tool_choice':'always'}", "tool_choice",
	    0 },
	{ "{'model':'m','input':'x','tool_choice':{}}", "tool_choice", 0 },
	{ "{'model':'m','input':'x','tool_choice':{'type':'function'}}",
	    "tool_choice.name", 0 },
	{ "{'model':'m','input':'x','text':'json'}", "text", 0 },
	{ "{'model':'m','input':'x','text':{'format':{'type':'xml'}}}",
	    "text.format.type", 0 },
	{ "{'model':'m','input':'x','text':{'format':{'type':'json_schema',"
	    "'schema':{}}}}", "text.format.name", 0 },
	{ "{'model':'m','input':'x','text':{'format':{'type':'json_schema',"
	    "'name':'s'}}}", "text.format.schema", 0 },
	{ "{'model':'m','input':'x','metadata':[]}", "metadata", 0 },
	{ "{'model':'m','input':'x','metadata':{'a':1}}", "metadata", 0 },
	{ "{'model':'m','input':'x','metadata':{'a':'1','b':'2','c':'3',"
	    "'d':'4','e':'5','f':'6','g':'7','h':'8','i':'9','j':'10',"
	    "'k':'11','l':'12','m':'13','n':'14','o':'15','p':'16','q':'17'}}",
	    "metadata", 0 },
};

static void
test_rs_check(void)
{
	struct rs_req	 rq;
	cJSON		*o;
	char		 param[96], msg[512];
	size_t		 i;
	int		 rc, good = 0, badn = 0;

	for (i = 0; i < sizeof(rs_cases) / sizeof(rs_cases[0]); i++) {
		const struct rs_case *c = &rs_cases[i];

		o = pj(c->body);
		rc = h_responses_check(o, &rq, param, sizeof(param), msg,
		    sizeof(msg));
		if (c->param == NULL) {
			good++;
			T_OK(rc == 0 && rq.native_only == c->native,
			    "responses ok #%zu (native %d): %s", i,
			    rq.native_only, rc == 0 ? rq.why : msg);
		} else {
			badn++;
			T_OK(rc == -1 && strcmp(param, c->param) == 0 &&
			    msg[0] != '\0', "responses 400 #%zu param '%s' "
			    "(got '%s': %s)", i, c->param, param, msg);
		}
		cJSON_Delete(o);
	}
	T_OK(badn > good, "responses validator: %d bad vs %d good cases",
	    badn, good);

	o = pj("{'model':'m','input':'hello world','instructions':'be brief',"
	    "'max_output_tokens':100,'stream':true}");
	T_OK(h_responses_check(o, &rq, param, sizeof(param), msg,
	    sizeof(msg)) == 0 && strcmp(rq.model, "m") == 0 && rq.stream &&
	    rq.max_output == 100 && rq.est_prompt == 3 + 3 + 3 + 3 + 2,
	    "fields read, prompt estimated (%lld)", (long long)rq.est_prompt);
	cJSON_Delete(o);
	o = pj("{'model':'m','input':[{'role':'user','content':[{'type':"
	    "'input_image','image_url':'u'}]}]}");
	T_OK(h_responses_check(o, &rq, param, sizeof(param), msg,
	    sizeof(msg)) == 0 && rq.est_prompt == 3 + 3 + 765,
	    "an image counts 765 (%lld)", (long long)rq.est_prompt);
	cJSON_Delete(o);
	o = pj("{'model':'m','previous_response_id':'r'}");
	h_responses_check(o, &rq, param, sizeof(param), msg, sizeof(msg));
	T_OK(rq.native_only && strcmp(rq.why_param,
	    "previous_response_id") == 0 && strstr(rq.why, "state") != NULL,
	    "previous_response_id needs the Responses API: %s", rq.why);
	cJSON_Delete(o);
}

/* ---- h_completions_check ---- */

struct cmp_case {
	const char	*body;
	const char	*param;		/* NULL: valid */
	long		 nprompts, est, hold_per; /* valid only */
};

static const struct cmp_case cmp_cases[] = {
	{ "{'model':'m','prompt':'abcdefgh'}", NULL, 1, 2, 16 },
	{ "{'model':'m','prompt':['abcd','abcd','x'],'max_tokens':5}", NULL,
	    3, 3, 5 },
	{ "{'model':'m','prompt':[1,2,3]}", NULL, 1, 3, 16 },
	{ "{'model':'m','prompt':[[1,2],[3]],'n':2,'best_of':3}", NULL, 2, 3,
	    16 },
	{ "{'model':'m','prompt':null,'stream':true,'stream_options':"
	    "{'include_usage':true},'stop':['a','b'],'suffix':'abcd',"
	    "'logprobs':5,'echo':true,'max_tokens':0}", NULL, 1, 1, 0 },
	{ "{'model':'m','prompt':'x','stop':'\\n','temperature':2,'top_p':0,"
	    "'presence_penalty':-2,'frequency_penalty':2,'logit_bias':{},"
	    "'seed':42,'user':'u'}", NULL, 1, 1, 16 },
	/* bad */
	{ "5", "", 0, 0, 0 },
	{ "{'prompt':'x'}", "model", 0, 0, 0 },
	{ "{'model':'','prompt':'x'}", "model", 0, 0, 0 },
	{ "{'model':['m'],'prompt':'x'}", "model", 0, 0, 0 },
	{ "{'model':'m'}", "prompt", 0, 0, 0 },
	{ "{'model':'m','prompt':5}", "prompt", 0, 0, 0 },
	{ "{'model':'m','prompt':[]}", "prompt", 0, 0, 0 },
	{ "{'model':'m','prompt':{}}", "prompt", 0, 0, 0 },
	{ "{'model':'m','prompt':['a',1]}", "prompt[1]", 0, 0, 0 },
	{ "{'model':'m','prompt':[1,'a']}", "prompt[1]", 0, 0, 0 },
	{ "{'model':'m','prompt':[[1],[]]}", "prompt[1]", 0, 0, 0 },
	{ "{'model':'m','prompt':[[1,'a']]}", "prompt[0]", 0, 0, 0 },
	{ "{'model':'m','prompt':[-1]}", "prompt[0]", 0, 0, 0 },
	{ "{'model':'m','prompt':[1.5]}", "prompt[0]", 0, 0, 0 },
	{ "{'model':'m','prompt':[null]}", "prompt[0]", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','max_tokens':-1}", "max_tokens", 0, 0,
	    0 },
	{ "{'model':'m','prompt':'x','max_tokens':'16'}", "max_tokens", 0, 0,
	    0 },
	{ "{'model':'m','prompt':'x','n':0}", "n", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','n':129}", "n", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','best_of':21}", "best_of", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','n':3,'best_of':2}", "best_of", 0, 0,
	    0 },
	{ "{'model':'m','prompt':'x','best_of':2,'stream':true}", "best_of",
	    0, 0, 0 },
	{ "{'model':'m','prompt':'x','logprobs':6}", "logprobs", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','echo':1}", "echo", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','suffix':1}", "suffix", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','stop':[]}", "stop", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','stop':['a','b','c','d','e']}", "stop",
	    0, 0, 0 },
	{ "{'model':'m','prompt':'x','stop':[1]}", "stop", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','stream':'true'}", "stream", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','stream_options':{}}", "stream_options",
	    0, 0, 0 },
	{ "{'model':'m','prompt':'x','stream':true,'stream_options':"
	    "{'include_usage':'yes'}}", "stream_options.include_usage", 0, 0,
	    0 },
	{ "{'model':'m','prompt':'x','temperature':-1}", "temperature", 0, 0,
	    0 },
	{ "{'model':'m','prompt':'x','frequency_penalty':3}",
	    "frequency_penalty", 0, 0, 0 },
	{ "{'model':'m','prompt':'x','logit_bias':[]}", "logit_bias", 0, 0,
	    0 },
	{ "{'model':'m','prompt':'x','seed':0.5}", "seed", 0, 0, 0 },
};

static void
test_cmp_check(void)
{
	struct cmp_req	 cq;
	cJSON		*o;
	char		 param[96], msg[512];
	size_t		 i;
	int		 rc, good = 0, badn = 0;

	for (i = 0; i < sizeof(cmp_cases) / sizeof(cmp_cases[0]); i++) {
		const struct cmp_case *c = &cmp_cases[i];

		o = pj(c->body);
		rc = h_completions_check(o, &cq, param, sizeof(param), msg,
		    sizeof(msg));
		if (c->param == NULL) {
			good++;
			T_OK(rc == 0 && cq.nprompts == c->nprompts &&
			    cq.est_prompt == c->est && cq.max_tokens ==
			    c->hold_per, "completions ok #%zu: prompts %lld "
			    "est %lld max %lld %s", i, (long long)cq.nprompts,
			    (long long)cq.est_prompt,
			    (long long)cq.max_tokens, rc == 0 ? "" : msg);
		} else {
			badn++;
			T_OK(rc == -1 && strcmp(param, c->param) == 0 &&
			    msg[0] != '\0', "completions 400 #%zu param '%s' "
			    "(got '%s': %s)", i, c->param, param, msg);
		}
		cJSON_Delete(o);
	}
	T_OK(badn > good, "completions validator: %d bad vs %d good cases",
	    badn, good);
	o = pj("{'model':'m','prompt':'x','n':2,'best_of':4,"
	    "'stream_options':null}");
	T_OK(h_completions_check(o, &cq, param, sizeof(param), msg,
	    sizeof(msg)) == 0 && cq.n == 2 && cq.best_of == 4 && !cq.stream,
	    "n and best_of read");
	cJSON_Delete(o);
	o = pj("{'model':'m','prompt':'x','stream':true,'stream_options':"
	    "{'include_usage':true}}");
	T_OK(h_completions_check(o, &cq, param, sizeof(param), msg,
	    sizeof(msg)) == 0 && cq.stream && cq.include_usage,
	    "include_usage read");
	cJSON_Delete(o);
}

/* ---- rc_request_to_chat ---- */

struct conv_case {
	const char	*req;
	int		 stream;
	const char	*chat;		/* expected, compared as JSON */
};

static const struct conv_case conv_cases[] = {
	{ "{'model':'m','input':'hi'}", 0,
	    "{'model':'m','messages':[{'role':'user','content':'hi'}]}" },
	{ "{'model':'m','instructions':'be brief','input':'hi','stream':true,"
	    "'max_output_tokens':50,'temperature':0.2,'top_p':0.9,"
	    "'metadata':{'k':'v'},'user':'u','store':true,'truncation':'auto',"
	    "'include':['x']}", 1,
	    "{'model':'m','messages':[{'role':'system','content':'be brief'},"
	    "{'role':'user','content':'hi'}],'max_completion_tokens':50,"
	    "'temperature':0.2,'top_p':0.9,'metadata':{'k':'v'},'user':'u',"
	    "'stream':true,'stream_options':{'include_usage':true}}" },
	{ "{'model':'m','input':[{'role':'user','content':[{'type':"
	    "'input_text','text':'look'},{'type':'input_image','image_url':"
	    "'http://i','detail':'low'},{'type':'input_file','file_id':'f',"
	    "'filename':'a.pdf'}]}]}", 0,
	    "{'model':'m','messages':[{'role':'user','content':[{'type':"
	    "'text','text':'look'},{'type':'image_url','image_url':{'url':"
	    "'http://i','detail':'low'}},{'type':'file','file':{'file_id':"
	    "'f','filename':'a.pdf'}}]}]}" },
	{ "{'model':'m','input':[{'role':'user','content':'weather?'},"
	    "{'type':'message','role':'assistant','content':[{'type':"
	    "'output_text','text':'checking'}]},{'type':'function_call',"
	    "'call_id':'c1','name':'w','arguments':'{}'},{'type':"
	    "'function_call','call_id':'c2','name':'w','arguments':"
	    "'{\\'a\\':1}'},"
	    "{'type':'function_call_output','call_id':'c1','output':'sun'},"
	    "{'type':'reasoning','id':'rs','summary':[]},{'type':"
	    "'function_call_output','call_id':'c2','output':[{'type':"
	    "'input_text','text':'rain'}]}],'tools':[{'type':'function',"
	    "'name':'w','description':'d','parameters':{'type':'object'},"
	    "'strict':true}],'tool_choice':{'type':'function','name':'w'},"
	    "'parallel_tool_calls':false}", 0,
	    "{'model':'m','messages':[{'role':'user','content':'weather?'},"
	    "{'role':'assistant','content':'checking','tool_calls':[{'id':"
	    "'c1','type':'function','function':{'name':'w','arguments':'{}'}},"
	    "{'id':'c2','type':'function','function':{'name':'w','arguments':"
	    "'{\\'a\\':1}'}}]},{'role':'tool','tool_call_id':'c1','content':"
	    "'sun'},{'role':'tool','tool_call_id':'c2','content':'rain'}],"
	    "'tools':[{'type':'function','function':{'name':'w',"
	    "'description':'d','parameters':{'type':'object'},'strict':true}}],"
	    "'tool_choice':{'type':'function','function':{'name':'w'}},"
	    "'parallel_tool_calls':false}" },
	{ "{'model':'m','input':[{'type':'function_call','call_id':'c',"
	    "'name':'f','arguments':'{}'}],'tool_choice':'required',"
	    "'text':{'format':{'type':'json_schema','name':'s','schema':"
	    "{'type':'object'},'strict':true},'verbosity':'low'},"
	    "'reasoning':{'effort':'high','summary':'auto'}}", 0,
	    "{'model':'m','messages':[{'role':'assistant','content':null,"
	    "'tool_calls':[{'id':'c','type':'function','function':{'name':"
	    "'f','arguments':'{}'}}]}],'tool_choice':'required','verbosity':"
	    "'low','response_format':{'type':'json_schema','json_schema':"
	    "{'name':'s','schema':{'type':'object'},'strict':true}},"
	    "'reasoning_effort':'high'}" },
	{ "{'model':'m','input':[{'role':'assistant','content':[{'type':"
	    "'refusal','refusal':'no'}]}],'text':{'format':{'type':"
	    "'json_object'}},'tool_choice':{'type':'allowed_tools','mode':"
	    "'auto','tools':[{'type':'function','name':'f'}]}}", 0,
	    "{'model':'m','messages':[{'role':'assistant','content':null,"
	    "'refusal':'no'}],'tool_choice':{'type':'allowed_tools',"
	    "'allowed_tools':{'mode':'auto','tools':[{'type':'function',"
	    "'function':{'name':'f'}}]}},'response_format':{'type':"
	    "'json_object'}}" },
};

static void
test_conv(void)
{
	cJSON	*req, *got, *want;
	char	*s;
	size_t	 i;

	for (i = 0; i < sizeof(conv_cases) / sizeof(conv_cases[0]); i++) {
		req = pj(conv_cases[i].req);
		want = pj(conv_cases[i].chat);
		got = rc_request_to_chat(req, conv_cases[i].stream);
		s = got != NULL ? cJSON_PrintUnformatted(got) : NULL;
		T_OK(want != NULL && got != NULL && cJSON_Compare(got, want, 1),
		    "to chat #%zu: %s", i, s != NULL ? s : "(null)");
		cJSON_free(s);
		cJSON_Delete(req);
		cJSON_Delete(want);
		cJSON_Delete(got);
	}
}

/* ---- rc_convertible ---- */

struct cv_case {
	const char	*req;
	const char	*param;		/* NULL: convertible */
};

static const struct cv_case cv_cases[] = {
	{ "{'model':'m','input':'x'}", NULL },
	{ "{'model':'m','input':[{'type':'reasoning'}],'tool_choice':'auto',"
	    "'previous_response_id':null,'background':false}", NULL },
	{ "{'tool_choice':{'type':'allowed_tools','tools':[{'type':"
	    "'function','name':'f'}]}}", NULL },
	{ "{'input':[{'role':'user','content':[{'type':'input_file',"
	    "'file_data':'x'}]}]}", NULL },
	{ "{'previous_response_id':'r'}", "previous_response_id" },
	{ "{'conversation':'c'}", "conversation" },
	{ "{'prompt':{'id':'p'}}", "prompt" },
	{ "{'context_management':[{}]}", "context_management" },
	{ "{'background':true}", "background" },
	{ "{'tools':[{'type':'function'},{'type':'file_search'}]}",
	    "tools[1].type" },
	{ "{'tools':[{'type':'function'}],'tool_choice':{'type':"
	    "'web_search_preview'}}", "tool_choice" },
	{ "{'tool_choice':{'type':'allowed_tools','tools':[{'type':"
	    "'mcp'}]}}", "tool_choice" },
	{ "{'input':['x',{'type':'web_search_call'}]}", "input[1].type" },
	{ "{'input':[{'type':'item_reference','id':'i'}]}", "input[0].type" },
	{ "{'input':[{'role':'user','content':[{'type':'input_audio'}]}]}",
	    "input[0].content[0]" },
	{ "{'input':[{'role':'user','content':[{'type':'input_file',"
	    "'file_url':'u'}]}]}", "input[0].content[0]" },
	{ "{'input':[{'type':'function_call_output','output':[{'type':"
	    "'input_image','image_url':'u'}]}]}", "input[0].output" },
};

static void
test_convertible(void)
{
	cJSON	*o;
	char	 param[64], msg[256];
	size_t	 i;
	int	 ok;

	for (i = 0; i < sizeof(cv_cases) / sizeof(cv_cases[0]); i++) {
		o = pj(cv_cases[i].req);
		param[0] = msg[0] = '\0';
		ok = rc_convertible(o, param, sizeof(param), msg, sizeof(msg));
		if (cv_cases[i].param == NULL)
			T_OK(ok == 1, "convertible #%zu (%s)", i, msg);
		else
			T_OK(ok == 0 && strcmp(param, cv_cases[i].param) == 0 &&
			    msg[0] != '\0', "not convertible #%zu: %s: %s", i,
			    param, msg);
		cJSON_Delete(o);
	}
}

/* ---- rc_chat_to_response, usage ---- */

static void
test_to_response(void)
{
	cJSON		*req, *chat, *r, *out, *it, *u;
	struct usage	 us;
	char		*s;

	req = pj("{'model':'m','input':'x','instructions':'i','tools':[{'type':"
	    "'function','name':'f'}],'metadata':{'a':'b'},'temperature':0.3}");
	chat = pj("{'id':'c','object':'chat.completion','created':17,'model':"
	    "'up','choices':[{'index':0,'message':{'role':'assistant',"
	    "'content':'hello','tool_calls':[{'id':'call_1','type':'function',"
	    "'function':{'name':'f','arguments':'{}'}}]},'finish_reason':"
	    "'tool_calls'}],'usage':{'prompt_tokens':10,'completion_tokens':4,"
	    "'prompt_tokens_details':{'cached_tokens':6},"
	    "'completion_tokens_details':{'reasoning_tokens':2}}}");
	r = rc_chat_to_response(chat, req, "rid", "mine");
	s = r != NULL ? cJSON_PrintUnformatted(r) : NULL;
	out = cJSON_GetObjectItem(r, "output");
	it = cJSON_GetArrayItem(out, 1);
	u = cJSON_GetObjectItem(r, "usage");
	T_OK(r != NULL && strcmp(cJSON_GetObjectItem(r, "id")->valuestring,
	    "resp_rid") == 0 && strcmp(cJSON_GetObjectItem(r,
	    "model")->valuestring, "mine") == 0 &&
	    strcmp(cJSON_GetObjectItem(r, "status")->valuestring,
	    "completed") == 0 && cJSON_GetArraySize(out) == 2 &&
	    strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(out, 0),
	    "type")->valuestring, "message") == 0 &&
	    strcmp(cJSON_GetObjectItem(it, "type")->valuestring,
	    "function_call") == 0 && strcmp(cJSON_GetObjectItem(it,
	    "call_id")->valuestring, "call_1") == 0 &&
	    strcmp(cJSON_GetObjectItem(it, "id")->valuestring, "fc_rid_1") ==
	    0 && cJSON_GetObjectItem(r, "created_at")->valuedouble == 17 &&
	    cJSON_IsFalse(cJSON_GetObjectItem(r, "store")),
	    "chat answer -> Response: %s", s != NULL ? s : "(null)");
	T_OK(rc_usage_read(u, &us) == 1 && us.prompt == 10 &&
	    us.completion == 4 && us.cached == 6 && us.reasoning == 2,
	    "usage converted and read back");
	T_OK(strcmp(cJSON_GetObjectItem(r, "instructions")->valuestring,
	    "i") == 0 && cJSON_IsNull(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(r, "tools"), 0),
	    "strict")) &&
	    cJSON_GetObjectItem(r, "temperature")->valuedouble == 0.3,
	    "request settings echoed");
	T_OK(rc_response_output_tokens(r) > 0, "output tokens estimated");
	cJSON_free(s);
	cJSON_Delete(r);
	cJSON_Delete(chat);

	chat = pj("{'choices':[{'message':{'content':'cut'},'finish_reason':"
	    "'length'}]}");
	r = rc_chat_to_response(chat, req, "x", "m");
	T_OK(r != NULL && strcmp(cJSON_GetObjectItem(r, "status")->valuestring,
	    "incomplete") == 0 && strcmp(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(r, "incomplete_details"),
	    "reason")->valuestring,
	    "max_output_tokens") == 0 && cJSON_GetObjectItem(r, "usage") ==
	    NULL, "length -> incomplete, no usage -> no usage member");
	cJSON_Delete(r);
	cJSON_Delete(chat);
	chat = pj("{'choices':[{'message':{'content':null,'refusal':'no'},"
	    "'finish_reason':'content_filter'}]}");
	r = rc_chat_to_response(chat, req, "x", "m");
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(r, "output"), 0), "content"), 0);
	T_OK(r != NULL && strcmp(cJSON_GetObjectItem(it, "type")->valuestring,
	    "refusal") == 0 && strcmp(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    r, "incomplete_details"), "reason")->valuestring,
	    "content_filter") == 0, "refusal part, content_filter");
	cJSON_Delete(r);
	cJSON_Delete(chat);
	chat = pj("{'choices':[]}");
	T_OK(rc_chat_to_response(chat, req, "x", "m") == NULL,
	    "no choices -> NULL");
	cJSON_Delete(chat);
	chat = pj("{'choices':[{'message':'x'}]}");
	T_OK(rc_chat_to_response(chat, req, "x", "m") == NULL,
	    "non-object message -> NULL");
	cJSON_Delete(chat);
	cJSON_Delete(req);
}

struct usage_case {
	const char	*json;
	int		 ok;
	int64_t		 prompt, completion, cached, reasoning;
};

static const struct usage_case usage_cases[] = {
	{ "{'input_tokens':5,'output_tokens':7,'input_tokens_details':"
	    "{'cached_tokens':2},'output_tokens_details':{'reasoning_tokens':"
	    "3}}", 1, 5, 7, 2, 3 },
	{ "{'output_tokens':7}", 1, 0, 7, 0, 0 },
	{ "{'input_tokens':4,'input_tokens_details':{'cached_tokens':9}}", 1,
	    4, 0, 4, 0 },
	{ "{'input_tokens':-5,'output_tokens':1e300}", 1, 0, 0, 0, 0 },
	{ "{'prompt_tokens':5,'completion_tokens':5}", 0, 0, 0, 0, 0 },
	{ "{'input_tokens':'5'}", 0, 0, 0, 0, 0 },
	{ "[]", 0, 0, 0, 0, 0 },
	{ "null", 0, 0, 0, 0, 0 },
	{ "7", 0, 0, 0, 0, 0 },
};

static void
test_usage(void)
{
	struct usage	 u;
	cJSON		*o;
	char		*s;
	size_t		 i;
	int		 ok;

	for (i = 0; i < sizeof(usage_cases) / sizeof(usage_cases[0]); i++) {
		const struct usage_case *c = &usage_cases[i];

		memset(&u, 0, sizeof(u));
		o = pj(c->json);
		ok = rc_usage_read(o, &u);
		T_OK(ok == c->ok && (!ok || (u.prompt == c->prompt &&
		    u.completion == c->completion && u.cached == c->cached &&
		    u.reasoning == c->reasoning)), "usage #%zu %s", i,
		    q(c->json));
		cJSON_Delete(o);
	}
	o = pj("{'type':'response.output_text.delta','delta':'abcdefgh'}");
	T_OK(rc_event_output_tokens(o) == 2, "text delta tokens");
	cJSON_Delete(o);
	o = pj("{'type':'response.function_call_arguments.delta','delta':"
	    "'abcd'}");
	T_OK(rc_event_output_tokens(o) == 1, "arguments delta tokens");
	cJSON_Delete(o);
	o = pj("{'type':'response.output_text.done','text':'abcdefgh'}");
	T_OK(rc_event_output_tokens(o) == 0, "done events deliver nothing new");
	cJSON_Delete(o);
	o = pj("{'delta':'abcd'}");
	T_OK(rc_event_output_tokens(o) == 0, "untyped event");
	cJSON_Delete(o);
	o = rc_error_event(7, "bad_upstream_response", "broke");
	s = cJSON_PrintUnformatted(o);
	T_OK(s != NULL && strcmp(s, q("{'type':'error','sequence_number':7,"
	    "'code':'bad_upstream_response','message':'broke',"
	    "'param':null}")) == 0, "error event %s", s);
	cJSON_free(s);
	cJSON_Delete(o);
}

/* ---- the stream converter ---- */

struct rec {
	struct buf	 names;		/* "a,b,c" */
	int64_t		 next_seq;
	int		 seq_ok;
	int		 type_ok;
	cJSON		*last;		/* last event's data (copy) */
	int		 stop_at;	/* emit stops at this one; 0: never */
	int		 n;
};

static int
rec_emit(void *arg, const char *event, const cJSON *data)
{
	struct rec	*r = arg;
	const cJSON	*sq = cJSON_GetObjectItem(data, "sequence_number");
	const cJSON	*ty = cJSON_GetObjectItem(data, "type");

	if (!cJSON_IsNumber(sq) || (int64_t)sq->valuedouble != r->next_seq)
		r->seq_ok = 0;
	r->next_seq++;
	if (!cJSON_IsString(ty) || strcmp(ty->valuestring, event) != 0)
		r->type_ok = 0;
	buf_printf(&r->names, "%s%s", r->names.len > 0 ? "," : "",
	    event + (strncmp(event, "response.", 9) == 0 ? 9 : 0));
	cJSON_Delete(r->last);
	r->last = cJSON_Duplicate(data, 1);
	return ++r->n == r->stop_at;
}

struct st_case {
	const char	*name;
	const char	*chunks[8];	/* "[DONE]", "!fail" or a chunk */
	const char	*events;	/* expected names, "response." cut */
	const char	*status;	/* of the terminal Response */
	const char	*out;		/* output item types joined */
};

#define C(delta)	"{'choices':[{'index':0,'delta':" delta "}]}"
#define F(reason)	"{'choices':[{'index':0,'delta':{},'finish_reason':'" \
			    reason "'}]}"

static const struct st_case st_cases[] = {
	{ "text", { C("{'role':'assistant','content':''}"),
	    C("{'content':'Hel'}"), C("{'content':'lo'}"), F("stop"),
	    "{'choices':[],'usage':{'prompt_tokens':3,'completion_tokens':2}}",
	    "[DONE]" },
	    "created,in_progress,output_item.added,content_part.added,"
	    "output_text.delta,output_text.delta,output_text.done,"
	    "content_part.done,output_item.done,completed", "completed",
	    "message" },
	{ "cut by length", { C("{'content':'a'}"), F("length"), "[DONE]" },
	    "created,in_progress,output_item.added,content_part.added,"
	    "output_text.delta,output_text.done,content_part.done,"
	    "output_item.done,incomplete", "incomplete", "message" },
	{ "tool call", { C("{'role':'assistant','content':null,'tool_calls':"
	    "[{'index':0,'id':'call_1','type':'function','function':{'name':"
	    "'f','arguments':''}}]}"), C("{'tool_calls':[{'index':0,"
	    "'function':{'arguments':'{\\'a'}}]}"), C("{'tool_calls':[{'index':"
	    "0,'function':{'arguments':'\\':1}'}}]}"), F("tool_calls"),
	    "[DONE]" },
	    "created,in_progress,output_item.added,"
	    "function_call_arguments.delta,function_call_arguments.delta,"
	    "function_call_arguments.done,output_item.done,completed",
	    "completed", "function_call" },
	{ "two parallel calls", { C("{'tool_calls':[{'index':0,'id':'a',"
	    "'function':{'name':'f','arguments':'{}'}}]}"),
	    C("{'tool_calls':[{'index':1,'id':'b','function':{'name':'g',"
	    "'arguments':'{}'}}]}"), F("tool_calls"), "[DONE]" },
	    "created,in_progress,output_item.added,"
	    "function_call_arguments.delta,function_call_arguments.done,"
	    "output_item.done,output_item.added,function_call_arguments.delta,"
	    "function_call_arguments.done,output_item.done,completed",
	    "completed", "function_call,function_call" },
	{ "text then call", { C("{'content':'ok'}"), C("{'tool_calls':[{"
	    "'index':0,'id':'a','function':{'name':'f','arguments':'{}'}}]}"),
	    F("tool_calls"), "[DONE]" },
	    "created,in_progress,output_item.added,content_part.added,"
	    "output_text.delta,output_text.done,content_part.done,"
	    "output_item.done,output_item.added,function_call_arguments.delta,"
	    "function_call_arguments.done,output_item.done,completed",
	    "completed", "message,function_call" },
	{ "refusal", { C("{'refusal':'no'}"), F("stop"), "[DONE]" },
	    "created,in_progress,output_item.added,content_part.added,"
	    "refusal.delta,refusal.done,content_part.done,output_item.done,"
	    "completed", "completed", "message" },
	{ "empty answer", { C("{'role':'assistant','content':''}"), F("stop"),
	    "[DONE]" }, "created,in_progress,completed", "completed", "" },
	{ "upstream failure mid-text", { C("{'content':'a'}"), "!fail" },
	    "created,in_progress,output_item.added,content_part.added,"
	    "output_text.delta,output_text.done,content_part.done,"
	    "output_item.done,failed", "failed", "message" },
	{ "junk chunks ignored", { "{'choices':'x'}", "{}", "{'choices':[5]}",
	    C("5"), "[DONE]" }, "created,in_progress,completed", "completed",
	    "" },
};

static void
test_stream(void)
{
	struct rc_stream s;
	struct rec	 r;
	cJSON		*req, *c, *resp, *it;
	struct buf	 types;
	size_t		 i, k;

	req = pj("{'model':'m','input':'x'}");
	for (i = 0; i < sizeof(st_cases) / sizeof(st_cases[0]); i++) {
		const struct st_case *sc = &st_cases[i];

		memset(&r, 0, sizeof(r));
		r.seq_ok = r.type_ok = 1;
		buf_init(&r.names, 1 << 16);
		T_OK(rc_stream_init(&s, req, "id", "m", 1, 1 << 20) == 0 &&
		    rc_stream_begin(&s, rec_emit, &r) == 0, "stream init");
		for (k = 0; k < 8 && sc->chunks[k] != NULL; k++) {
			if (strcmp(sc->chunks[k], "[DONE]") == 0)
				rc_stream_done(&s, rec_emit, &r);
			else if (strcmp(sc->chunks[k], "!fail") == 0)
				rc_stream_failed(&s, "server_error", "boom",
				    rec_emit, &r);
			else {
				c = pj(sc->chunks[k]);
				rc_stream_chunk(&s, c, rec_emit, &r);
				cJSON_Delete(c);
			}
		}
		T_OK(strcmp(buf_cstr(&r.names), sc->events) == 0,
		    "stream '%s' events: %s", sc->name, buf_cstr(&r.names));
		T_OK(r.seq_ok && r.type_ok, "stream '%s': sequence_number "
		    "0.. and type = event name", sc->name);
		resp = cJSON_GetObjectItem(r.last, "response");
		buf_init(&types, 4096);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(resp, "output"))
			buf_printf(&types, "%s%s", types.len > 0 ? "," : "",
			    cJSON_GetObjectItem(it, "type")->valuestring);
		T_OK(resp != NULL && strcmp(cJSON_GetObjectItem(resp,
		    "status")->valuestring, sc->status) == 0 &&
		    strcmp(buf_cstr(&types), sc->out) == 0, "stream '%s' "
		    "final Response %s with output [%s]", sc->name, sc->status,
		    buf_cstr(&types));
		buf_free(&types);
		buf_free(&r.names);
		cJSON_Delete(r.last);
		rc_stream_free(&s);
	}

	/* Details of the text case: ids, indexes, accumulated text, usage. */
	memset(&r, 0, sizeof(r));
	r.seq_ok = r.type_ok = 1;
	buf_init(&r.names, 1 << 16);
	rc_stream_init(&s, req, "abc", "m", 1, 1 << 20);
	rc_stream_begin(&s, rec_emit, &r);
	c = pj(C("{'content':'Hel'}"));
	rc_stream_chunk(&s, c, rec_emit, &r);
	T_OK(strcmp(cJSON_GetObjectItem(r.last, "item_id")->valuestring,
	    "msg_abc_0") == 0 && cJSON_GetObjectItem(r.last,
	    "content_index")->valuedouble == 0 &&
	    strcmp(cJSON_GetObjectItem(r.last, "delta")->valuestring, "Hel") ==
	    0, "delta carries item_id, output_index, content_index");
	cJSON_Delete(c);
	c = pj("{'choices':[{'delta':{'content':'lo'},'finish_reason':'stop'}],"
	    "'usage':{'prompt_tokens':4,'completion_tokens':2,"
	    "'prompt_tokens_details':{'cached_tokens':1}}}");
	rc_stream_chunk(&s, c, rec_emit, &r);
	cJSON_Delete(c);
	rc_stream_done(&s, rec_emit, &r);
	T_OK(rc_stream_done(&s, rec_emit, &r) == 0 && r.n == 10,
	    "done twice emits once (%d events)", r.n);
	resp = cJSON_GetObjectItem(r.last, "response");
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(resp, "output"), 0), "content"), 0);
	T_OK(strcmp(cJSON_GetObjectItem(it, "text")->valuestring, "Hello") ==
	    0 && cJSON_GetObjectItem(cJSON_GetObjectItem(resp, "usage"),
	    "input_tokens")->valuedouble == 4 && cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(resp, "usage"),
	    "input_tokens_details"), "cached_tokens")->valuedouble == 1 &&
	    cJSON_IsNumber(cJSON_GetObjectItem(resp, "completed_at")),
	    "completed Response holds the text and the usage");
	cJSON_Delete(r.last);
	buf_free(&r.names);
	rc_stream_free(&s);

	/* The emit callback's stop is propagated. */
	memset(&r, 0, sizeof(r));
	r.seq_ok = r.type_ok = 1;
	r.stop_at = 2;
	buf_init(&r.names, 1 << 16);
	rc_stream_init(&s, req, "abc", "m", 1, 1 << 20);
	T_OK(rc_stream_begin(&s, rec_emit, &r) == 1 && r.n == 2,
	    "emit's non-zero stops the conversion");
	cJSON_Delete(r.last);
	buf_free(&r.names);
	rc_stream_free(&s);

	/* The text cap fails the conversion instead of growing. */
	memset(&r, 0, sizeof(r));
	buf_init(&r.names, 1 << 16);
	rc_stream_init(&s, req, "abc", "m", 1, 4);
	c = pj(C("{'content':'abcdefgh'}"));
	T_OK(rc_stream_chunk(&s, c, rec_emit, &r) == -1,
	    "text over the cap fails the stream");
	cJSON_Delete(c);
	cJSON_Delete(r.last);
	buf_free(&r.names);
	rc_stream_free(&s);
	cJSON_Delete(req);
}

int
main(void)
{
	test_rs_check();
	test_cmp_check();
	test_convertible();
	test_conv();
	test_to_response();
	test_usage();
	test_stream();
	return t_done();
}
