/*
 * db.h: MariaDB access.  All SQL text of the program lives in app/db*.c
 * (one statement table per module, see db_int.h) and runs as prepared
 * statements; nothing else includes <mysql.h>.
 *
 * One struct db is one connection, owned by one request slot (or by a CLI
 * run); it is not shared between threads.  Every call that talks to the
 * server returns ERR_DB when the server is unreachable or the connection
 * broke; the next call reconnects by itself (so a restarted MariaDB is
 * picked up without restarting Nexhina).  Strings in result structs are
 * allocated from the arena passed in and live until its reset.
 *
 * Money: every amount is int64 quota units.  Multipliers and ratios are
 * int64 millionths ("_u": 1000000 = 1x) so no float is ever stored.
 */
#ifndef NX_DB_H
#define NX_DB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

struct arena;
struct cfg;
struct db;

/* Once per process before any thread uses the client library. */
int	 db_global_init(void);
/*
 * Makes a handle and tries to connect.  Returns NULL only on allocation
 * failure; a failed connect leaves a handle that retries on next use
 * (err, if non-NULL, gets the reason).  cfg must outlive the handle.
 */
struct db *db_open(const struct cfg *c, char *err, size_t errsz);
void	 db_close(struct db *d);
/* ERR_OK when the server answers now (reconnecting if needed). */
enum err db_ping(struct db *d);
/* Last server/client error text of this handle, for logs (never NULL). */
const char *db_errmsg(struct db *d);

/*
 * Applies every schema/NNNN_*.sql not yet in schema_migrations, in order,
 * each in its own transaction where the server allows, recording it.
 * Idempotent.  Progress lines to out (may be NULL): "applied NAME" per
 * file, or "up to date".  Runs on a connection of its own (read timeout of
 * a day, so a long ALTER is not cut off) under GET_LOCK, so hosts
 * migrating at once apply each file once.  The statement rule is
 * documented at the top of schema/0001_init.sql.
 */
enum err db_migrate(struct db *d, const char *schema_dir, FILE *out);

/* ---- runtime lookups ---- */

struct key_info {
	int64_t	 token_id;
	int64_t	 user_id;
	char	*token_name;
	char	*username;
	int	 token_status;		/* 1 enabled 2 disabled 3 expired 4 exhausted */
	int64_t	 expired_time;		/* unix s, -1 never */
	int64_t	 remain_quota;
	int	 unlimited;		/* unlimited_quota */
	char	*model_limits;		/* comma list, "" = any */
	char	*allow_ips;		/* comma list of IPs/CIDRs, "" = any */
	char	*group;			/* effective: key's group, else user's */
	int64_t	 group_ratio_u;		/* that group's ratio (1000000 = 1x) */
	int	 rpm_limit;		/* effective: key's, else group's; 0 none */
	int	 tpm_limit;
	int	 user_status;		/* 1 enabled 2 disabled */
	int	 user_role;
	int64_t	 user_quota;
};

/*
 * Finds the live (not deleted) key whose sha256 hex is hash, joined with
 * its user and effective group.  ERR_OK, ERR_AUTH when there is none,
 * ERR_DB.  Status/expiry checks are the caller's (auth.c).
 */
enum err db_key_lookup(struct db *d, struct arena *a, const char *hash,
	    struct key_info *out);

enum price_basis {
	BASIS_TOKENS,		/* prompt x in + completion x out */
	BASIS_INPUT_TOKENS,	/* input x in */
	BASIS_IMAGE,		/* unit per image (extra: size/quality table) */
	BASIS_CHARACTER,	/* unit per input character */
	BASIS_SECOND,		/* unit per second of audio */
	BASIS_REQUEST,		/* unit per request */
	BASIS__MAX
};

/* "tokens", "input_tokens", ... ; index matches enum price_basis. */
extern const char *const db_basis_names[BASIS__MAX];

struct price {
	char	*model;
	int	 basis;		/* enum price_basis */
	int64_t	 input_u;	/* multiplier, millionths */
	int64_t	 output_u;
	int64_t	 cache_u;	/* cached input tokens */
	int64_t	 cache_write_u;	/* input written to a cache; 0: input_u */
	int64_t	 unit_u;	/* micro-quota per unit for non-token bases */
	char	*extra;		/* JSON text or "" */
};

/* ERR_OK, ERR_MODEL_NOT_FOUND when no price row, ERR_DB. */
enum err db_price_get(struct db *d, struct arena *a, const char *model,
	    struct price *out);
/* db_price_get and the base_price option (db_base_price) in one statement. */
enum err db_price_base_get(struct db *d, struct arena *a, const char *model,
	    struct price *out, int64_t *base_price);
/*
 * The base_price option's text as billing uses it: a positive number, else
 * (absent, NULL, junk, 0) the seeded 75000.
 */
int64_t	 db_base_price(const char *option);
/* options table value, or def when absent (copied into a).  ERR_DB. */
enum err db_option_get(struct db *d, struct arena *a, const char *name,
	    const char *def, char **out);

struct channel {
	int64_t	 id;
	char	*type;		/* openai, azure, anthropic, gemini, ... */
	char	*name;
	char	*base_url;
	unsigned char *key_enc;	/* sealed credential (sec_seal) */
	size_t	 key_enc_len;
	char	*models;	/* comma list */
	char	*model_mapping;	/* JSON object text or "" */
	char	*groups;	/* comma list */
	int	 priority;
	int	 weight;
	int	 status;
	char	*other;		/* JSON text or "" */
};

/*
 * Enabled channels (status 1) that list model and group, highest priority
 * first, then by id.  *out is an arena array of *n entries (0 allowed).
 */
enum err db_channels_for(struct db *d, struct arena *a, const char *group,
	    const char *model, struct channel **out, size_t *n);
/* Distinct models served by enabled channels of group, sorted. */
enum err db_models_for_group(struct db *d, struct arena *a,
	    const char *group, char ***out, size_t *n);

/* ---- money: every function here is one transaction ---- */

enum log_type {
	LOGT_TOPUP = 1, LOGT_CONSUME, LOGT_MANAGE, LOGT_SYSTEM, LOGT_ERROR,
	LOGT_REFUND
};

/* One row of `logs`.  Strings may be NULL (stored as ""). */
struct log_rec {
	int		 type;		/* enum log_type */
	int64_t		 user_id;
	const char	*username;
	int64_t		 token_id;
	const char	*token_name;
	int64_t		 channel_id;
	const char	*model_name;
	int64_t		 prompt_tokens;
	int64_t		 completion_tokens;
	int64_t		 quota;
	int64_t		 use_time_ms;
	int		 is_stream;
	const char	*request_id;
	const char	*ip;
	int		 status;	/* HTTP status given to the client */
	const char	*other;		/* JSON: pricing inputs etc. */
	const char	*stream_status;	/* "", "ok", "client_gone", ... */
	const char	*error_code;
};

/*
 * Reserves amount from the key (unless unlimited) and from the user, and
 * records a quota_holds row, atomically.  ERR_QUOTA when either balance
 * would go below zero (nothing changed), ERR_DB.  *hold_id set on ERR_OK.
 */
enum err db_hold_take(struct db *d, const char *request_id,
	    int64_t user_id, int64_t token_id, int unlimited,
	    const char *model, int64_t amount, int64_t *hold_id);
/*
 * Settles a hold: deletes it, returns (held - actual) to key and user
 * (negative: charges the excess), adds actual to used_quota of key, user
 * and log->channel_id, request_count + 1, and inserts *log (log->quota is
 * written as given), all in one transaction.  Idempotent: when the hold no
 * longer exists nothing changes and *applied = 0.  A refund is a settle
 * with actual = 0.  A settle that costs more than the hold may take the
 * balances below zero (the usage happened); the next hold then fails.
 * ERR_DB when the connection broke: if it broke during COMMIT the outcome
 * is unknown, and settling again is the safe way to find out.
 */
enum err db_hold_settle(struct db *d, int64_t hold_id, int64_t actual,
	    const struct log_rec *log, int *applied);
/*
 * Refunds every hold created before `before` (unix s), each in its own
 * transaction with a LOGT_REFUND row ("other" names the reason; its quota
 * is the amount returned; request_count is not incremented).  *count
 * gets the number refunded.
 */
enum err db_holds_expire(struct db *d, int64_t before, int *count);
/* Inserts one log row on its own (errors that held nothing). */
enum err db_log_insert(struct db *d, const struct log_rec *log);

/* ---- administration (nexhinactl, admin API) ---- */

/*
 * Rows of the admin tables.  Strings are arena copies ("" for empty);
 * nothing here carries a secret (no password hash, no key, no credential).
 */
struct user_row {
	int64_t	 id;
	char	*username;
	char	*display_name;
	char	*email;
	int	 role;			/* 1 user 10 admin 100 root */
	int	 status;		/* 1 enabled 2 disabled */
	int64_t	 quota;
	int64_t	 used_quota;
	int64_t	 request_count;
	char	*group;
	int64_t	 created_at;
	int64_t	 last_login_at;
};

/* Input of db_user_add; no member may be NULL. */
struct user_new {
	const char	*username;
	const char	*display_name;
	const char	*email;
	const char	*password_hash;	/* sec_password_hash() output */
	const char	*group;
	int		 role;
	int64_t		 quota;		/* >= 0 */
};

/*
 * Creates a user (status enabled) and, when quota is not 0, a LOGT_MANAGE
 * row for the initial quota, in one transaction.  *id gets the new id.
 * ERR_BAD_REQUEST when the username is taken (db_errmsg says so), ERR_DB.
 */
enum err db_user_add(struct db *d, const struct user_new *u, int64_t *id);
/* A live (not deleted) user by id or by username: ERR_OK, ERR_NOT_FOUND. */
enum err db_user_get(struct db *d, struct arena *a, int64_t id,
	    struct user_row *out);
enum err db_user_by_name(struct db *d, struct arena *a, const char *name,
	    struct user_row *out);
/*
 * Live users with id > after_id in id order, at most limit (1..10000) of
 * them; *out is an arena array of *n entries.  Page by passing the last id.
 */
enum err db_user_list(struct db *d, struct arena *a, int64_t after_id,
	    size_t limit, struct user_row **out, size_t *n);
/*
 * Sets a live user's quota to quota (>= 0) and writes a LOGT_MANAGE row
 * whose quota is the change (new - old) and whose other names the old and
 * new values and actor (e.g. "nexhinactl"), in one transaction.  *delta
 * (may be NULL) gets the change.  ERR_NOT_FOUND, ERR_DB.
 */
enum err db_user_set_quota(struct db *d, int64_t user_id, int64_t quota,
	    const char *actor, int64_t *delta);

/* One API key as listed; rpm_limit/tpm_limit -1 = the group's (NULL). */
struct token_row {
	int64_t	 id;
	int64_t	 user_id;
	char	*username;
	char	*name;
	char	*key_prefix;
	int	 status;
	int64_t	 created_time;
	int64_t	 accessed_time;
	int64_t	 expired_time;
	int64_t	 remain_quota;
	int	 unlimited;
	int64_t	 used_quota;
	char	*model_limits;
	char	*allow_ips;
	char	*group;			/* as stored: "" = the user's */
	int	 rpm_limit;
	int	 tpm_limit;
};

/*
 * Input of db_key_add.  Lists are normalized comma lists ("" = any);
 * group "" = the user's; rpm_limit/tpm_limit -1 = the group's, 0 = none.
 * No string may be NULL.
 */
struct token_new {
	int64_t		 user_id;
	const char	*name;
	const char	*key_hash;	/* sha256 hex of the key */
	const char	*key_prefix;	/* sec_key_prefix() */
	int64_t		 expired_time;	/* unix s, -1 never */
	int64_t		 remain_quota;
	int		 unlimited;
	const char	*model_limits;
	const char	*allow_ips;
	const char	*group;
	int		 rpm_limit;
	int		 tpm_limit;
};

/* Stores a new key (status enabled); *id gets its id.  ERR_DB. */
enum err db_key_add(struct db *d, const struct token_new *k, int64_t *id);
/* Live keys of user_id (0 = every user) in id order, as an arena array. */
enum err db_key_list(struct db *d, struct arena *a, int64_t user_id,
	    struct token_row **out, size_t *n);
/* Sets a live key's status (1..4).  ERR_OK, ERR_NOT_FOUND, ERR_DB. */
enum err db_key_set_status(struct db *d, int64_t id, int status);

/* One channel as listed; c.key_enc is NULL (the credential is not read). */
struct channel_row {
	struct channel	 c;
	char		*test_model;
	int64_t		 test_time;
	int		 response_time;	/* ms */
	int64_t		 used_quota;
	int64_t		 created_time;
	int		 fail_count;
};

/*
 * Stores a channel (status enabled) from c (id and status ignored; lists
 * normalized, JSON validated by the caller; key_enc sealed).  test_model
 * may be "".  *id gets the new id.  ERR_DB.
 */
enum err db_channel_add(struct db *d, const struct channel *c,
	    const char *test_model, int64_t *id);
/* Every channel in id order, as an arena array (no credentials). */
enum err db_channel_list(struct db *d, struct arena *a,
	    struct channel_row **out, size_t *n);
/* Sets a channel's status (1..3).  ERR_OK, ERR_NOT_FOUND, ERR_DB. */
enum err db_channel_set_status(struct db *d, int64_t id, int status);
/*
 * One channel by id with its sealed credential (any status); *test_model
 * gets its test_model ("" when unset).  ERR_NOT_FOUND when absent.
 */
enum err db_channel_get(struct db *d, struct arena *a, int64_t id,
	    struct channel *c, char **test_model);
/* Ids of auto-disabled channels (status 3), ascending. */
enum err db_channels_disabled(struct db *d, struct arena *a, int64_t **ids,
	    size_t *n);
/* Records a probe: response_time = response_ms, test_time = now. */
enum err db_channel_tested(struct db *d, int64_t id, int64_t response_ms);

/* Fields of struct price that db_price_set writes besides model, basis. */
#define DB_PRICE_INPUT	0x01
#define DB_PRICE_OUTPUT	0x02
#define DB_PRICE_CACHE	0x04
#define DB_PRICE_UNIT	0x08
#define DB_PRICE_EXTRA	0x10
#define DB_PRICE_CACHE_WRITE	0x20

/*
 * Inserts or updates the price of p->model: basis always; the fields
 * named in `set` from p; the others keep their values (0 / "" on a new
 * row).  ERR_DB.
 */
enum err db_price_set(struct db *d, const struct price *p, unsigned set);
/* Every price row by model name, as an arena array. */
enum err db_price_list(struct db *d, struct arena *a, struct price **out,
	    size_t *n);

struct group_row {
	char	*name;
	int64_t	 ratio_u;		/* 1000000 = 1x */
	int	 rpm;			/* 0 = unlimited */
	int	 tpm;
	char	*description;
};

/* Fields of struct group_row that db_group_set writes besides name. */
#define DB_GROUP_RATIO	0x01
#define DB_GROUP_RPM	0x02
#define DB_GROUP_TPM	0x04
#define DB_GROUP_DESC	0x08

/*
 * Inserts or updates group g->name: the fields named in `set` from g, the
 * others keep their values (1x, 0, 0, "" on a new row).  ERR_DB.
 */
enum err db_group_set(struct db *d, const struct group_row *g,
	    unsigned set);
/* ERR_OK, ERR_NOT_FOUND, ERR_DB. */
enum err db_group_get(struct db *d, struct arena *a, const char *name,
	    struct group_row *out);
/* Every group by name, as an arena array. */
enum err db_group_list(struct db *d, struct arena *a,
	    struct group_row **out, size_t *n);

/* ---- video tasks (db_video.c) ---- */

#define DB_VIDEO_DATA_MAX	65535		/* bytes of data (TEXT) */

/*
 * One asynchronous video job (video_tasks), owned by the key that made it.
 * status is queued, in_progress, completed or failed (the last two are
 * final); quota is what its creation charged, returned if it fails; data
 * is the handler's JSON text (request fields, progress, error).
 */
struct video_task {
	char	*id;		/* public id the gateway handed out */
	int64_t	 user_id;
	int64_t	 token_id;
	int64_t	 channel_id;	/* the channel that runs it */
	char	*model;		/* as the client named it */
	char	*upstream_id;	/* the provider's id */
	char	*status;
	int64_t	 quota;
	int64_t	 hold_id;	/* the hold its charge came from */
	int64_t	 created_at;	/* unix s */
	int64_t	 updated_at;
	char	*data;
};

/*
 * Stores task t and settles its hold t->hold_id into a charge of t->quota
 * with log row *log (as db_hold_settle: used_quota of key, user and
 * channel, request_count + 1), in one transaction, so that a task exists
 * exactly when its charge does.  When the hold is gone already (refunded
 * by the housekeeper) the task is stored with quota 0 and *charged = 0.
 * Strings are fitted to their columns; data over DB_VIDEO_DATA_MAX or a
 * status other than the four is ERR_INTERNAL.  ERR_DB.
 */
enum err db_video_create(struct db *d, const struct video_task *t,
	    const struct log_rec *log, int *charged);
/*
 * The task id made by key token_id, strings in a.  ERR_OK, ERR_NOT_FOUND
 * when there is none or another key made it, ERR_DB.
 */
enum err db_video_get(struct db *d, struct arena *a, const char *id,
	    int64_t token_id, struct video_task *out);
/*
 * Moves a task that is not final to status (queued, in_progress or
 * completed; failed goes through db_video_fail) with data.  *changed = 0
 * when the task was final already (a racing request finished it) and
 * nothing changed.  ERR_INTERNAL for a bad status, ERR_DB.
 */
enum err db_video_set(struct db *d, const char *id, const char *status,
	    const char *data, int *changed);
/*
 * Marks a task that is not final failed with data and refunds its quota,
 * exactly once, in one transaction: the quota goes back to the key
 * (unless unlimited, as its hold was) and the user and comes off the
 * used_quota of key, user and channel, with log row *log written as a
 * LOGT_REFUND whose quota is the amount returned.  *refunded gets that
 * amount; *applied = 0 (and nothing changes) when the task was final
 * already.  ERR_DB.
 */
enum err db_video_fail(struct db *d, const char *id, const char *data,
	    int unlimited, const struct log_rec *log, int64_t *refunded,
	    int *applied);

/* ---- rate windows (ratelimit = db; db_rate.c) ---- */

/*
 * Adds delta (may be negative or 0) to the count of scope in the window
 * starting at window (unix s) and sets *total to the new count, atomically
 * across connections and hosts.  ERR_OK or ERR_DB.
 */
enum err db_rate_add(struct db *d, const char *scope, int64_t window,
	    int64_t delta, int64_t *total);
/* Deletes windows that started before `before` (unix s). */
enum err db_rate_purge(struct db *d, int64_t before);

/* ---- redemption codes (db_redeem.c) ---- */

struct redemption {
	int64_t	 id;
	char	*name;
	char	*code;
	int	 status;		/* 1 enabled 2 disabled 3 used */
	int64_t	 quota;
	int64_t	 created_time;
	int64_t	 redeemed_time;
	int64_t	 used_user_id;
	int64_t	 expired_time;		/* -1 never */
};

/* Stores a new enabled code worth quota; *id gets its row id. */
enum err db_redeem_add(struct db *d, int64_t creator, const char *name,
	    const char *code, int64_t quota, int64_t expires, int64_t *id);
/*
 * Redeems code for the user in one transaction: marks it used, credits
 * its quota and writes a top-up log row.  ERR_NOT_FOUND when the code is
 * unknown, used, disabled or expired (nothing changes), ERR_DB.  Exactly
 * one of any number of concurrent callers succeeds.
 */
enum err db_redeem_use(struct db *d, int64_t user_id, const char *username,
	    const char *code, int64_t *credited);
/* Every code, by id. */
enum err db_redeem_list(struct db *d, struct arena *a,
	    struct redemption **out, size_t *n);

#endif
