/*
 * config.c: the settings the gateway reads on every request: model
 * prices (/api/price/) and groups (/api/group/) for administrators, and
 * the options table (/api/option/) for root.
 *
 * Nothing here is cached by the workers: the request path reads prices,
 * groups and options from MariaDB each time (db_lookup.c), so a change
 * applies to the very next request on every worker and host - well
 * within reload_interval.
 *
 * Multipliers and ratios travel as decimal numbers (2.5 = 2.5x) and are
 * stored exactly as millionths (api_micro); a string "2.666667" is taken
 * digit for digit.  Options are validated by name: only names the
 * gateway knows can be set, each with its own rule.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "handlers/admin/api.h"
#include "db_api.h"
#include "request.h"

static cJSON *
price_json(const struct price *p)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "model", p->model);
	cJSON_AddStringToObject(o, "basis", db_basis_names[p->basis]);
	cJSON_AddNumberToObject(o, "input", api_micro_num(p->input_u));
	cJSON_AddNumberToObject(o, "output", api_micro_num(p->output_u));
	cJSON_AddNumberToObject(o, "cache_read", api_micro_num(p->cache_u));
	cJSON_AddNumberToObject(o, "cache_write",
	    api_micro_num(p->cache_write_u));
	cJSON_AddNumberToObject(o, "unit", api_micro_num(p->unit_u));
	api_num(o, "input_u", p->input_u);
	api_num(o, "output_u", p->output_u);
	api_num(o, "cache_u", p->cache_u);
	api_num(o, "cache_write_u", p->cache_write_u);
	api_num(o, "unit_u", p->unit_u);
	api_obj_text(o, "extra", p->extra);
	return o;
}

enum err
api_price_list(struct api *c)
{
	struct price	*v;
	size_t		 n, i;
	cJSON		*data, *items;
	enum err	 e;

	if ((e = db_price_list(c->r->db, c->r->a, &v, &n)) != ERR_OK)
		return e;
	if ((data = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	if ((items = cJSON_AddArrayToObject(data, "items")) != NULL)
		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(items, price_json(&v[i]));
	api_num(data, "total", (int64_t)n);
	return api_ok(c, data);
}

/* The path's model name: 1 valid, else 0 after answering 400. */
static int
path_model(struct api *c)
{
	if (c->arg[0] == NULL || !api_is_model(c->arg[0], strlen(c->arg[0]))) {
		api_fail(c, 400, "model: not a valid model name");
		return 0;
	}
	return 1;
}

enum err
api_price_get(struct api *c)
{
	struct price	 p;
	enum err	 e;

	if (!path_model(c))
		return ERR_OK;
	e = db_price_get(c->r->db, c->r->a, c->arg[0], &p);
	if (e == ERR_MODEL_NOT_FOUND || e == ERR_NOT_FOUND)
		return api_404(c, "price");
	if (e != ERR_OK)
		return e;
	return api_ok(c, price_json(&p));
}

enum err
api_price_put(struct api *c)
{
	static const struct {
		const char	*k;
		unsigned	 bit;
	} num[] = {
		{ "input", DB_PRICE_INPUT }, { "output", DB_PRICE_OUTPUT },
		{ "cache_read", DB_PRICE_CACHE }, { "unit", DB_PRICE_UNIT },
		{ "cache_write", DB_PRICE_CACHE_WRITE },
	};
	struct req	*r = c->r;
	struct price	 p, cur;
	const char	*basis = NULL;
	char		 what[200];
	int64_t		*dst[5];
	unsigned	 set = 0;
	size_t		 i;
	int		 rc, exists;
	enum err	 e;

	if (!path_model(c))
		return ERR_OK;
	e = db_price_get(r->db, r->a, c->arg[0], &cur);
	if (e != ERR_OK && e != ERR_MODEL_NOT_FOUND && e != ERR_NOT_FOUND)
		return e;
	exists = e == ERR_OK;
	memset(&p, 0, sizeof(p));
	p.model = (char *)(uintptr_t)c->arg[0];
	p.basis = exists ? cur.basis : BASIS__MAX;
	if ((rc = api_str(c, "basis", 16, 1, &basis)) == -1)
		return ERR_OK;
	if (rc == 1) {
		for (p.basis = 0; p.basis < BASIS__MAX; p.basis++)
			if (strcmp(basis, db_basis_names[p.basis]) == 0)
				break;
		if (p.basis == BASIS__MAX)
			return api_fail(c, 400, "basis: must be one of tokens, "
			    "input_tokens, image, character, second, request");
	} else if (!exists)
		return api_fail(c, 400, "basis: required for a new model");
	dst[0] = &p.input_u;
	dst[1] = &p.output_u;
	dst[2] = &p.cache_u;
	dst[3] = &p.unit_u;
	dst[4] = &p.cache_write_u;
	for (i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
		if ((rc = api_micro(c, num[i].k, dst[i])) == -1)
			return ERR_OK;
		if (rc == 1)
			set |= num[i].bit;
	}
	if ((rc = api_jobj(c, "extra", 0, p.basis == BASIS_IMAGE,
	    &p.extra)) == -1)
		return ERR_OK;
	if (rc == 1)
		set |= DB_PRICE_EXTRA;
	if ((e = db_price_set(r->db, &p, set)) != ERR_OK ||
	    (e = db_price_get(r->db, r->a, p.model, &cur)) != ERR_OK)
		return e;
	snprintf(what, sizeof(what), "set price of %.128s", p.model);
	api_audit(c, what);
	return api_ok(c, price_json(&cur));
}

enum err
api_price_delete(struct api *c)
{
	if (!path_model(c))
		return ERR_OK;
	return api_deleted(c, db_api_price_delete(c->r->db, c->arg[0]),
	    "price", "deleted price of %.128s", c->arg[0]);
}

static cJSON *
group_json(const struct group_row *g)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "name", g->name);
	cJSON_AddNumberToObject(o, "ratio", api_micro_num(g->ratio_u));
	api_num(o, "rpm_limit", g->rpm);
	api_num(o, "tpm_limit", g->tpm);
	cJSON_AddStringToObject(o, "description", g->description);
	return o;
}

enum err
api_group_list(struct api *c)
{
	struct group_row	*v;
	size_t			 n, i;
	cJSON			*data, *items;
	enum err		 e;

	if ((e = db_group_list(c->r->db, c->r->a, &v, &n)) != ERR_OK)
		return e;
	if ((data = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	if ((items = cJSON_AddArrayToObject(data, "items")) != NULL)
		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(items, group_json(&v[i]));
	api_num(data, "total", (int64_t)n);
	return api_ok(c, data);
}

/* The group of the path into *g: 0, or -1 with 404/400 answered. */
static int
path_group(struct api *c, struct group_row *g, enum err *e)
{
	*e = ERR_OK;
	if (c->arg[0] == NULL || !api_is_group(c->arg[0], strlen(c->arg[0]))) {
		*e = api_fail(c, 400, "name: not a valid group name");
		return -1;
	}
	if ((*e = db_group_get(c->r->db, c->r->a, c->arg[0], g)) ==
	    ERR_NOT_FOUND) {
		*e = api_404(c, "group");
		return -1;
	}
	return *e == ERR_OK ? 0 : -1;
}

enum err
api_group_get(struct api *c)
{
	struct group_row	 g;
	enum err		 e;

	if (path_group(c, &g, &e) == -1)
		return e;
	return api_ok(c, group_json(&g));
}

/* The body's ratio, limits and description into g and *set. */
static int
group_fields(struct api *c, struct group_row *g, unsigned *set)
{
	const char	*desc;
	int64_t		 n;
	int		 rc;

	if ((rc = api_micro(c, "ratio", &g->ratio_u)) == -1)
		return -1;
	if (rc == 1)
		*set |= DB_GROUP_RATIO;
	if ((rc = api_int(c, "rpm_limit", 0, INT_MAX, &n)) == -1)
		return -1;
	if (rc == 1) {
		g->rpm = (int)n;
		*set |= DB_GROUP_RPM;
	}
	if ((rc = api_int(c, "tpm_limit", 0, INT_MAX, &n)) == -1)
		return -1;
	if (rc == 1) {
		g->tpm = (int)n;
		*set |= DB_GROUP_TPM;
	}
	if ((rc = api_str(c, "description", 255, 1, &desc)) == -1)
		return -1;
	if (rc == 1) {
		g->description = (char *)(uintptr_t)desc;
		*set |= DB_GROUP_DESC;
	}
	return 0;
}

/* Writes g and answers with the stored row. */
static enum err
group_save(struct api *c, const struct group_row *g, unsigned set,
    const char *verb)
{
	struct group_row	 out;
	char			 what[128];
	enum err		 e;

	if ((e = db_group_set(c->r->db, g, set)) != ERR_OK ||
	    (e = db_group_get(c->r->db, c->r->a, g->name, &out)) != ERR_OK)
		return e;
	snprintf(what, sizeof(what), "%s group %s", verb, g->name);
	api_audit(c, what);
	return api_ok(c, group_json(&out));
}

enum err
api_group_create(struct api *c)
{
	struct group_row	 g, old;
	const char		*name = NULL;
	unsigned		 set = 0;
	int			 rc;
	enum err		 e;

	memset(&g, 0, sizeof(g));
	if ((rc = api_str(c, "name", 64, 1, &name)) == -1)
		return ERR_OK;
	if (rc == 0 || !api_is_group(name, strlen(name)))
		return api_fail(c, 400, "name: required, 1-64 of letters, "
		    "digits, '.', '_', '-'");
	g.name = (char *)(uintptr_t)name;
	if (group_fields(c, &g, &set) == -1)
		return ERR_OK;
	if ((e = db_group_get(c->r->db, c->r->a, name, &old)) == ERR_OK)
		return api_fail(c, 409, "name: group '%s' exists", name);
	if (e != ERR_NOT_FOUND)
		return e;
	return group_save(c, &g, set, "created");
}

enum err
api_group_update(struct api *c)
{
	struct group_row	 g;
	unsigned		 set = 0;
	enum err		 e;

	if (path_group(c, &g, &e) == -1)
		return e;
	if (group_fields(c, &g, &set) == -1)
		return ERR_OK;
	return group_save(c, &g, set, "updated");
}

enum err
api_group_delete(struct api *c)
{
	struct group_row	 g;
	int64_t			 uses;
	enum err		 e;

	if (path_group(c, &g, &e) == -1)
		return e;
	if (strcmp(g.name, "default") == 0)
		return api_fail(c, 409, "The default group cannot be deleted");
	if ((e = db_api_group_uses(c->r->db, g.name, &uses)) != ERR_OK)
		return e;
	if (uses > 0)
		return api_fail(c, 409, "Group '%s' is still used by %lld "
		    "users, keys or channels", g.name, (long long)uses);
	return api_deleted(c, db_api_group_delete(c->r->db, g.name), "group",
	    "deleted group %s", g.name);
}

enum err
api_option_list(struct api *c)
{
	struct option_row	*v;
	size_t			 n, i;
	cJSON			*data, *o;
	enum err		 e;

	if ((e = db_api_options(c->r->db, c->r->a, &v, &n)) != ERR_OK)
		return e;
	if ((data = cJSON_CreateArray()) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((o = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddStringToObject(o, "name", v[i].name);
		cJSON_AddStringToObject(o, "value", v[i].value);
		cJSON_AddItemToArray(data, o);
	}
	return api_ok(c, data);
}

/* 1 when s is a whole decimal number in [lo, hi]. */
static int
int_in(const char *s, long long lo, long long hi)
{
	char		*end;
	long long	 v;

	if (!isdigit((unsigned char)*s) || strlen(s) > 15)
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v >= lo && v <= hi;
}

/* 1 when v has no control characters and is at most max bytes. */
static int
text_in(const char *v, size_t min, size_t max)
{
	const unsigned char	*p;

	if (strlen(v) < min || strlen(v) > max)
		return 0;
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* The rule of each option the gateway reads; NULL rule text: unknown. */
static const char *
option_check(const char *name, const char *v)
{
	if (strcmp(name, "quota_per_usd") == 0 ||
	    strcmp(name, "base_price") == 0)
		return int_in(v, 1, 1000000000000LL) ? "" :
		    "a whole number from 1 to 10^12";
	if (strcmp(name, "session_ttl") == 0)
		return int_in(v, 300, 31536000) ? "" :
		    "seconds, from 300 to 31536000";
	if (strcmp(name, "currency") == 0)
		return strlen(v) == 3 && isupper((unsigned char)v[0]) &&
		    isupper((unsigned char)v[1]) &&
		    isupper((unsigned char)v[2]) ? "" :
		    "an ISO 4217 code such as USD";
	if (strcmp(name, "currency_symbol") == 0)
		return text_in(v, 0, 8) ? "" : "at most 8 bytes";
	if (strcmp(name, "system_name") == 0)
		return text_in(v, 1, 64) ? "" : "1 to 64 bytes of text";
	return NULL;
}

enum err
api_option_put(struct api *c)
{
	const cJSON	*jv;
	const char	*name = NULL, *rule;
	char		 num[32], what[128];
	char		*value;
	cJSON		*o;
	int		 rc;
	enum err	 e;

	if ((rc = api_str(c, "name", 64, 1, &name)) == -1)
		return ERR_OK;
	if (rc == 0)
		return api_fail(c, 400, "name: required");
	jv = cJSON_GetObjectItemCaseSensitive(c->body, "value");
	if (cJSON_IsString(jv))
		value = jv->valuestring;
	else if (cJSON_IsNumber(jv) && jv->valuedouble >= 0 &&
	    jv->valuedouble <= 1e15 &&
	    jv->valuedouble == (double)(int64_t)jv->valuedouble) {
		snprintf(num, sizeof(num), "%lld", (long long)jv->valuedouble);
		value = num;
	} else
		return api_fail(c, 400, "value: required, a string or a "
		    "whole number");
	if ((rule = option_check(name, value)) == NULL)
		return api_fail(c, 400, "name: unknown option '%.64s' (known: "
		    "quota_per_usd, base_price, currency, currency_symbol, "
		    "system_name, session_ttl)", name);
	if (*rule != '\0')
		return api_fail(c, 400, "value: %s must be %s", name, rule);
	if ((e = db_api_option_set(c->r->db, name, value)) != ERR_OK)
		return e;
	if ((o = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "value", value);
	snprintf(what, sizeof(what), "set option %s", name);
	api_audit(c, what);
	return api_ok(c, o);
}
