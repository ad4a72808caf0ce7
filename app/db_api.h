/*
 * db_api.h: the database calls of the management API (handlers/admin,
 * docs/admin-api.md) that db.h's administration section does not have:
 * console sessions and personal access tokens (db_api.c), paginated and
 * searchable lists, updates and deletes of users, keys, channels,
 * prices, groups, redemption codes and options (db_api_obj.c), and the
 * log browser and usage statistics (db_api_log.c).
 *
 * Conventions as db.h: every call returns ERR_OK, ERR_NOT_FOUND where a
 * row is named, ERR_DB; strings of results live in the arena passed in.
 * Lists take a keyword ("" = none; matched as a substring, LIKE
 * wildcards in it are literal), a limit (1..DB_API_PAGE_MAX) and an
 * offset, and give the rows of the page plus the total matching count.
 */
#ifndef NX_DB_API_H
#define NX_DB_API_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define DB_API_PAGE_MAX	1000		/* rows of one list call */

/* ---- sessions and personal access tokens (db_api.c) ---- */

/*
 * The login record of a live user by name: id, password hash (arena) and
 * status.  ERR_NOT_FOUND when there is no such live user.
 */
enum err db_api_user_auth(struct db *d, struct arena *a, const char *name,
	    int64_t *id, char **hash, int *status);
/* Stamps last_login_at = now. */
enum err db_api_user_logged_in(struct db *d, int64_t id);
/*
 * Stores a session: id is sha256 hex of the cookie value, csrf its CSRF
 * token, ttl its life in seconds; ip and ua are fitted to their columns.
 */
enum err db_api_session_add(struct db *d, const char *id, int64_t user_id,
	    const char *csrf, int64_t ttl, const char *ip, const char *ua);
/*
 * The live user of the unexpired session id (sha256 hex) and the
 * session's CSRF token.  ERR_NOT_FOUND when there is none.
 */
enum err db_api_session_get(struct db *d, struct arena *a, const char *id,
	    struct user_row *u, char **csrf);
/* Deletes session id (absent is fine). */
enum err db_api_session_del(struct db *d, const char *id);
/* Deletes every session of user_id but keep ("" = all of them). */
enum err db_api_sessions_drop(struct db *d, int64_t user_id,
	    const char *keep);
/* Deletes sessions that expired before `before` (unix s). */
enum err db_api_sessions_purge(struct db *d, int64_t before);

struct pat_row {
	int64_t	 id;
	char	*name;
	char	*prefix;
	int64_t	 created_at;
	int64_t	 last_used_at;
};

/* Stores a personal access token by hash; *id gets its id. */
enum err db_api_pat_add(struct db *d, int64_t user_id, const char *name,
	    const char *hash, const char *prefix, int64_t *id);
/* Number of tokens user_id holds. */
enum err db_api_pat_count(struct db *d, int64_t user_id, int64_t *n);
/*
 * The live user of the token whose sha256 hex is hash, and the token's
 * id; stamps last_used_at (at most once a minute).  ERR_NOT_FOUND.
 */
enum err db_api_pat_auth(struct db *d, struct arena *a, const char *hash,
	    struct user_row *u, int64_t *pat_id);
/* The tokens of user_id by id, as an arena array. */
enum err db_api_pat_list(struct db *d, struct arena *a, int64_t user_id,
	    struct pat_row **out, size_t *n);
/* Deletes token id of user_id: ERR_NOT_FOUND when it is not theirs. */
enum err db_api_pat_del(struct db *d, int64_t user_id, int64_t id);

/* ---- users ---- */

/*
 * A page of live users by id whose username, display name or e-mail
 * contains kw; *total is the number matching.
 */
enum err db_api_users(struct db *d, struct arena *a, const char *kw,
	    int64_t limit, int64_t offset, struct user_row **out, size_t *n,
	    int64_t *total);

/* Fields of db_api_user_update: NULL / -1 = unchanged. */
struct user_upd {
	const char	*display_name;
	const char	*email;
	const char	*password_hash;
	const char	*group;
	int		 role;
	int		 status;
};

/* Updates live user id.  ERR_NOT_FOUND. */
enum err db_api_user_update(struct db *d, int64_t id,
	    const struct user_upd *u);
/* Soft-deletes user id (deleted_at = now).  ERR_NOT_FOUND. */
enum err db_api_user_delete(struct db *d, int64_t id);
/*
 * Adds delta (non-zero; negative deducts) to live user id's quota and
 * writes a log row (LOGT_TOPUP for a credit, LOGT_MANAGE for a
 * deduction; other names the old and new quota and the actor), in one
 * transaction.  ERR_BAD_REQUEST (nothing changed) when the balance would
 * go below zero or overflow; *quota gets the new balance.  ERR_NOT_FOUND.
 */
enum err db_api_user_adjust(struct db *d, int64_t id, int64_t delta,
	    const char *actor, int64_t *quota);

/* ---- API keys (struct token_row of db.h) ---- */

/* A page of live keys of user_id (0 = all) whose name contains kw. */
enum err db_api_tokens(struct db *d, struct arena *a, int64_t user_id,
	    const char *kw, int64_t limit, int64_t offset,
	    struct token_row **out, size_t *n, int64_t *total);
/* One live key by id.  ERR_NOT_FOUND. */
enum err db_api_token_get(struct db *d, struct arena *a, int64_t id,
	    struct token_row *out);
/*
 * Writes the editable fields of t (name, status, expired_time,
 * remain_quota, unlimited, model_limits, allow_ips, group, rpm_limit,
 * tpm_limit; -1 limits = NULL) to live key t->id.  ERR_NOT_FOUND.
 */
enum err db_api_token_update(struct db *d, const struct token_row *t);
/* Soft-deletes key id.  ERR_NOT_FOUND. */
enum err db_api_token_delete(struct db *d, int64_t id);

/* ---- channels (struct channel_row of db.h; no credential) ---- */

/*
 * A page of channels by id whose name, base URL or models contain kw,
 * of status (0 = any) and type ("" = any).
 */
enum err db_api_channels(struct db *d, struct arena *a, const char *kw,
	    int status, const char *type, int64_t limit, int64_t offset,
	    struct channel_row **out, size_t *n, int64_t *total);
/* One channel by id.  ERR_NOT_FOUND. */
enum err db_api_channel_row(struct db *d, struct arena *a, int64_t id,
	    struct channel_row *out);
/*
 * Writes every field of c to channel c->id (status included; fail_count
 * is reset when the status changes to enabled), and the sealed
 * credential when c->key_enc is not NULL, in one transaction.
 * ERR_NOT_FOUND.
 */
enum err db_api_channel_update(struct db *d, const struct channel *c,
	    const char *test_model);
/* Deletes channel id.  ERR_NOT_FOUND. */
enum err db_api_channel_delete(struct db *d, int64_t id);

/* ---- prices, groups, options ---- */

/* Deletes the price of model.  ERR_NOT_FOUND. */
enum err db_api_price_delete(struct db *d, const char *model);
/*
 * How many live users and keys have group name, plus channels listing
 * it, into *uses.
 */
enum err db_api_group_uses(struct db *d, const char *name, int64_t *uses);
/* Deletes group name.  ERR_NOT_FOUND. */
enum err db_api_group_delete(struct db *d, const char *name);

struct option_row {
	char	*name;
	char	*value;
};

/* Every option by name. */
enum err db_api_options(struct db *d, struct arena *a,
	    struct option_row **out, size_t *n);
/* Inserts or replaces option name. */
enum err db_api_option_set(struct db *d, const char *name,
	    const char *value);

/* ---- redemption codes (struct redemption of db.h) ---- */

/*
 * A page of codes, newest first, whose name contains kw or whose code is
 * kw, of status (0 = any), with id < before (0 = no bound).
 */
enum err db_api_redemptions(struct db *d, struct arena *a, const char *kw,
	    int status, int64_t before, int64_t limit, int64_t offset,
	    struct redemption **out, size_t *n, int64_t *total);
/* One code by id.  ERR_NOT_FOUND. */
enum err db_api_redemption_get(struct db *d, struct arena *a, int64_t id,
	    struct redemption *out);
/*
 * Writes name, status (1 or 2), quota and expired_time of r to code
 * r->id unless it was used meanwhile.  ERR_NOT_FOUND when there is no
 * unused code r->id.
 */
enum err db_api_redemption_update(struct db *d, const struct redemption *r);
/* Deletes code id.  ERR_NOT_FOUND. */
enum err db_api_redemption_delete(struct db *d, int64_t id);
/*
 * Stores the n codes of codes[] (each worth quota, expiring at expires,
 * -1 never, named name, made by creator) in one transaction: all or
 * none.  ERR_BAD_REQUEST when a code exists already (vanishingly rare
 * for random codes; the caller may retry).
 */
enum err db_api_redemptions_add(struct db *d, int64_t creator,
	    const char *name, char *const *codes, size_t n, int64_t quota,
	    int64_t expires);

/* ---- logs and usage (db_api_log.c) ---- */

/* A log query: every member is a condition unless 0 / NULL / "". */
struct log_filter {
	int64_t		 start;		/* created_at >= start */
	int64_t		 end;		/* created_at < end; 0 = no bound */
	int64_t		 user_id;
	const char	*username;
	int64_t		 token_id;
	const char	*token_name;
	const char	*model;
	int64_t		 channel_id;
	int		 type;
	const char	*request_id;
};

/* One row of `logs` (API.md section 6, Log). */
struct log_row {
	int64_t	 id;
	int64_t	 created_at;
	int	 type;
	int64_t	 user_id;
	char	*username;
	int64_t	 token_id;
	char	*token_name;
	int64_t	 channel_id;
	char	*model_name;
	int64_t	 prompt_tokens;
	int64_t	 completion_tokens;
	int64_t	 quota;
	int64_t	 use_time_ms;
	int	 is_stream;
	char	*request_id;
	char	*ip;
	int	 status;
	char	*other;
	char	*stream_status;
	char	*error_code;
};

struct log_totals {
	int64_t	 rows;
	int64_t	 quota;
	int64_t	 prompt_tokens;
	int64_t	 completion_tokens;
};

/*
 * Rows matching f, newest (highest id) first, with id < before (0 = no
 * bound), limit rows from offset.
 */
enum err db_api_logs(struct db *d, struct arena *a,
	    const struct log_filter *f, int64_t before, int64_t limit,
	    int64_t offset, struct log_row **out, size_t *n);
/* Count and sums over every row matching f. */
enum err db_api_log_totals(struct db *d, const struct log_filter *f,
	    struct log_totals *t);

/* One day (number since the epoch, shifted by the offset) and model. */
struct usage_row {
	int64_t	 day;
	char	*model;
	int64_t	 requests;
	int64_t	 prompt_tokens;
	int64_t	 completion_tokens;
	int64_t	 quota;
};

/*
 * Consumption (LOGT_CONSUME rows) of user_id (0 = everyone) in
 * [start, end), grouped by day - days start at midnight of UTC+tz
 * seconds - and model, ordered by both.
 */
enum err db_api_usage(struct db *d, struct arena *a, int64_t user_id,
	    int64_t start, int64_t end, int64_t tz, struct usage_row **out,
	    size_t *n);
/* Sum of quota and used_quota of live user_id (0 = every live user). */
enum err db_api_balance(struct db *d, int64_t user_id, int64_t *quota,
	    int64_t *used);

#endif
