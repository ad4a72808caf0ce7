/*
 * db_lookup.c: the read-only lookups of the request path, split out of
 * db.c: a key by its hash (with its user and group), a model's price
 * row, an option, the channels that serve a model for a group and the
 * models a group can reach.  Its SQL is db_lookup_q (enum q values below
 * Q__LOOKUP_END, db_int.h); every statement is read-only, so db.c may
 * retry it once on a new connection.
 *
 * It also owns the price row reader (price_row) that db_admin.c's price
 * listing shares, and db_basis_names, the basis column's spellings.
 * Strings of results live in the caller's arena.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "db_int.h"

const char *const db_basis_names[BASIS__MAX] = {
	[BASIS_TOKENS] = "tokens",
	[BASIS_INPUT_TOKENS] = "input_tokens",
	[BASIS_IMAGE] = "image",
	[BASIS_CHARACTER] = "character",
	[BASIS_SECOND] = "second",
	[BASIS_REQUEST] = "request",
};

/* The row of statement q in db_lookup_q. */
#define ROW(q)	[(q)]

/* Indexed by enum q (db_int.h). */
const struct qdef db_lookup_q[] = {
	ROW(Q_KEY_LOOKUP) = { "SELECT t.id, t.user_id, t.name, u.username, "
	    "t.status, t.expired_time, t.remain_quota, t.unlimited_quota, "
	    "t.model_limits, t.allow_ips, "
	    "IF(t.`group` <> '', t.`group`, u.`group`), "
	    "COALESCE(g.ratio_u, 1000000), COALESCE(t.rpm_limit, g.rpm, 0), "
	    "COALESCE(t.tpm_limit, g.tpm, 0), u.status, u.role, u.quota "
	    "FROM tokens t JOIN users u ON u.id = t.user_id "
	    "LEFT JOIN `groups` g "
	    "ON g.name = IF(t.`group` <> '', t.`group`, u.`group`) "
	    "WHERE t.key_hash = ? AND t.deleted_at IS NULL "
	    "AND u.deleted_at IS NULL", 1 },
	ROW(Q_PRICE_GET) = { "SELECT " PRICE_COLS " FROM model_prices "
	    "WHERE model = ?", 1 },
	ROW(Q_OPTION_GET) = { "SELECT value FROM options WHERE name = ?", 1 },
	ROW(Q_CHANNELS_FOR) = { "SELECT " CHAN_COLS ", key_enc FROM channels "
	    "WHERE status = 1 AND FIND_IN_SET(?, models) > 0 "
	    "AND FIND_IN_SET(?, `group`) > 0 ORDER BY priority DESC, id", 1 },
	ROW(Q_MODELS_FOR_GROUP) = { "SELECT models FROM channels "
	    "WHERE status = 1 AND FIND_IN_SET(?, `group`) > 0", 1 },
	/* A request's price and the base_price option in one round trip. */
	ROW(Q_PRICE_BASE) = { "SELECT " PRICE_COLS ", (SELECT value FROM "
	    "options WHERE name = 'base_price') FROM model_prices "
	    "WHERE model = ?", 1 },
};

_Static_assert(sizeof(db_lookup_q) / sizeof(db_lookup_q[0]) ==
    Q__LOOKUP_END, "db_lookup_q must have one row per statement");

enum err
db_key_lookup(struct db *d, struct arena *a, const char *hash,
    struct key_info *k)
{
	MYSQL_STMT	*st;
	enum err	 e;

	memset(k, 0, sizeof(*k));
	if (strlen(hash) != 64 || strspn(hash, "0123456789abcdef") != 64)
		return ERR_AUTH;
	if ((e = q_run(d, Q_KEY_LOOKUP, &st, "s", hash)) != ERR_OK)
		return e;
	e = q_row(d, st, a, "iissdiidsssiddddi", &k->token_id, &k->user_id,
	    &k->token_name, &k->username, &k->token_status,
	    &k->expired_time, &k->remain_quota, &k->unlimited,
	    &k->model_limits, &k->allow_ips, &k->group, &k->group_ratio_u,
	    &k->rpm_limit, &k->tpm_limit, &k->user_status, &k->user_role,
	    &k->user_quota);
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_AUTH : e;
}

/*
 * Reads the next PRICE_COLS row of st into *p (strings in a), mapping
 * the basis name to enum price_basis.  ERR_OK, ERR_NOT_FOUND after the
 * last row, ERR_INTERNAL for an unknown basis, or q_row's errors.
 */
enum err
price_row(struct db *d, MYSQL_STMT *st, struct arena *a, struct price *p)
{
	return price_row_base(d, st, a, p, NULL);
}

/* As price_row, for a row with one more column (into *base) if base. */
enum err
price_row_base(struct db *d, MYSQL_STMT *st, struct arena *a,
    struct price *p, char **base)
{
	char		*basis;
	enum err	 e;

	memset(p, 0, sizeof(*p));
	if ((e = q_row(d, st, a, base != NULL ? "ssiiiiiss" : "ssiiiiis",
	    &p->model, &basis, &p->input_u, &p->output_u, &p->cache_u,
	    &p->cache_write_u, &p->unit_u, &p->extra, base)) != ERR_OK)
		return e;
	for (p->basis = 0; p->basis < BASIS__MAX; p->basis++)
		if (strcmp(basis, db_basis_names[p->basis]) == 0)
			return ERR_OK;
	set_err(d, 0, "model_prices: %s: unknown basis", p->model);
	return ERR_INTERNAL;
}

enum err
db_price_get(struct db *d, struct arena *a, const char *model,
    struct price *out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_PRICE_GET, &st, "s", model)) != ERR_OK)
		return e;
	e = price_row(d, st, a, out);
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_MODEL_NOT_FOUND : e;
}

enum err
db_price_base_get(struct db *d, struct arena *a, const char *model,
    struct price *out, int64_t *base_price)
{
	MYSQL_STMT	*st;
	char		*bp = NULL;
	enum err	 e;

	if ((e = q_run(d, Q_PRICE_BASE, &st, "s", model)) != ERR_OK)
		return e;
	e = price_row_base(d, st, a, out, &bp);
	q_done(st);
	if (e != ERR_OK)
		return e == ERR_NOT_FOUND ? ERR_MODEL_NOT_FOUND : e;
	/* No option row: the subquery's NULL, read as "". */
	*base_price = db_base_price(bp);
	return ERR_OK;
}

int64_t
db_base_price(const char *option)
{
	long long	 v = option != NULL ? strtoll(option, NULL, 10) : 0;

	return v > 0 ? v : 75000;
}

enum err
db_option_get(struct db *d, struct arena *a, const char *name,
    const char *def, char **out)
{
	MYSQL_STMT	*st;
	enum err	 e;

	if ((e = q_run(d, Q_OPTION_GET, &st, "s", name)) != ERR_OK)
		return e;
	e = q_row(d, st, a, "s", out);
	q_done(st);
	if (e == ERR_NOT_FOUND) {
		*out = def != NULL ? arena_strdup(a, def) : NULL;
		e = def != NULL && *out == NULL ? ERR_NOMEM : ERR_OK;
	}
	return e;
}


enum err
db_channels_for(struct db *d, struct arena *a, const char *group,
    const char *model, struct channel **out, size_t *n)
{
	struct channel	*c;
	MYSQL_STMT	*st;
	size_t		 rows, i;
	enum err	 e;

	*out = NULL;
	*n = 0;
	if ((e = q_run(d, Q_CHANNELS_FOR, &st, "ss", model, group)) !=
	    ERR_OK)
		return e;
	if ((*out = q_array(d, st, a, sizeof(**out), &rows)) == NULL)
		e = ERR_NOMEM;
	for (i = 0; e == ERR_OK && i < rows; i++) {
		c = &(*out)[i];
		if ((e = q_row(d, st, a, "issssssdddsb", &c->id, &c->type,
		    &c->name, &c->base_url, &c->models, &c->model_mapping,
		    &c->groups, &c->priority, &c->weight, &c->status,
		    &c->other, &c->key_enc, &c->key_enc_len)) == ERR_OK)
			(*n)++;
	}
	q_done(st);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum err
db_models_for_group(struct db *d, struct arena *a, const char *group,
    char ***out, size_t *n)
{
	MYSQL_STMT	*st;
	char		**v = NULL, **nv, *models, *p, *comma;
	size_t		 cap = 0, cnt = 0, i, k;
	enum err	 e;

	*out = NULL;
	*n = 0;
	if ((e = q_run(d, Q_MODELS_FOR_GROUP, &st, "s", group)) != ERR_OK)
		return e;
	while ((e = q_row(d, st, a, "s", &models)) == ERR_OK)
		for (p = models; *p != '\0'; p = comma + (*comma != '\0')) {
			if ((comma = strchr(p, ',')) == NULL)
				comma = p + strlen(p);
			if (comma == p)
				continue;
			if (cnt == cap) {
				cap = cap == 0 ? 32 : cap * 2;
				if ((nv = arena_alloc(a, cap * sizeof(*v))) ==
				    NULL) {
					q_done(st);
					return ERR_NOMEM;
				}
				if (cnt > 0)
					memcpy(nv, v, cnt * sizeof(*v));
				v = nv;
			}
			if ((v[cnt++] = arena_strndup(a, p,
			    (size_t)(comma - p))) == NULL) {
				q_done(st);
				return ERR_NOMEM;
			}
		}
	q_done(st);
	if (e != ERR_NOT_FOUND)
		return e;
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), str_cmp);
	for (i = k = 0; i < cnt; i++)
		if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
			v[k++] = v[i];
	*out = v;
	*n = k;
	return ERR_OK;
}
