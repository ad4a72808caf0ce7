/*
 * common.c: helpers shared by the endpoint handlers: JSON body parsing
 * with the OpenAI-style error for each failure, field errors, answers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "handlers/handlers.h"
#include "relay.h"
#include "request.h"

static void
cjson_delete(void *p)
{
	cJSON_Delete(p);
}

cJSON *
h_parse_json_object(struct req *r)
{
	cJSON	*o;

	if (r->body_len == 0) {
		req_send_error(r, ERR_BAD_REQUEST, "The request body is empty; "
		    "a JSON object is required.", NULL);
		return NULL;
	}
	if ((o = cJSON_ParseWithLength(r->body, r->body_len)) == NULL) {
		req_send_error(r, ERR_BAD_REQUEST, "We could not parse the "
		    "JSON body of your request.", NULL);
		return NULL;
	}
	arena_defer(r->a, cjson_delete, o);
	if (!cJSON_IsObject(o)) {
		req_send_error(r, ERR_BAD_REQUEST, "The request body must be "
		    "a JSON object.", NULL);
		return NULL;
	}
	return o;
}

enum err
h_bad_field(struct req *r, const char *param, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	req_send_error(r, ERR_BAD_REQUEST, msg, param);
	return ERR_OK;
}

enum err
h_send_cjson(struct req *r, int status, cJSON *o)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		return ERR_NOMEM;
	req_send_json(r, status, s, strlen(s));
	cJSON_free(s);
	return ERR_OK;
}

int
h_chk_bad(struct h_chk *c, const char *param, const char *fmt, ...)
{
	va_list	 ap;

	snprintf(c->param, c->psz, "%s", param);
	va_start(ap, fmt);
	vsnprintf(c->msg, c->msz, fmt, ap);
	va_end(ap);
	return -1;
}

const cJSON *
h_given(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return v == NULL || cJSON_IsNull(v) ? NULL : v;
}

int
h_opt_int(struct h_chk *c, const cJSON *o, const char *k, int64_t lo,
    int64_t hi, int64_t *out)
{
	const cJSON	*v = h_given(o, k);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)lo ||
	    v->valuedouble > (double)hi ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return h_chk_bad(c, k, "Invalid '%s': expected an integer "
		    "between %lld and %lld.", k, (long long)lo, (long long)hi);
	if (out != NULL)
		*out = (int64_t)v->valuedouble;
	return 0;
}

int
h_opt_num(struct h_chk *c, const cJSON *o, const char *k, double lo,
    double hi)
{
	const cJSON	*v = h_given(o, k);

	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < lo ||
	    v->valuedouble > hi))
		return h_chk_bad(c, k, "Invalid '%s': expected a number "
		    "between %g and %g.", k, lo, hi);
	return 0;
}

int
h_opt_bool(struct h_chk *c, const cJSON *o, const char *k, int *out)
{
	const cJSON	*v = h_given(o, k);

	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v))
		return h_chk_bad(c, k, "Invalid type for '%s': expected a "
		    "boolean.", k);
	if (out != NULL)
		*out = cJSON_IsTrue(v);
	return 0;
}

enum err
h_settle(struct relay *rl, enum err e, int status, const char *ecode)
{
	if (e == ERR_CLIENT_GONE)
		rl->stream_status = "client_gone";
	relay_settle(rl, e != ERR_OK ? err_http(e)->status : status,
	    e != ERR_OK ? err_http(e)->code : ecode);
	return e;
}
