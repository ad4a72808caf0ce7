-- 0001_init.sql: the first schema of Nexhina (DESIGN.md section 4).
--
-- How db_migrate reads these files (keep to it in every migration):
--   * A line whose first non-blank characters are "--" is a comment and is
--     dropped whole.  Use only "--" comments, on lines of their own.
--   * A statement ends at the first line whose last non-blank character is
--     ';'.  So never end a line inside a statement (or inside a string)
--     with ';', and never put a comment after the closing ';'.
--   * Each file runs once and is then recorded in schema_migrations; the
--     statements need not be re-runnable (DDL commits implicitly, so a
--     file that fails half-way must be repaired by hand before re-running).
--
-- Conventions of the schema:
--   * InnoDB, utf8mb4.  Names that are matched as list members or compared
--     exactly (model names, group names, key hashes) use binary collations
--     so that "GPT-4o" and "gpt-4o" are different models.
--   * Money is BIGINT quota units; multipliers and ratios are BIGINT
--     millionths ("_u": 1000000 = 1x); times are BIGINT unix seconds.
--   * Comma lists (models, groups, model_limits, allow_ips) are stored
--     normalized: no spaces, no empty items, no duplicates, so that
--     FIND_IN_SET() works on them.
--   * No foreign keys: a child insert under a foreign key takes a shared
--     lock on the parent row, which would interleave with the exclusive
--     locks the money transactions take on users and tokens and create
--     deadlocks.  db.c keeps the references consistent instead.

CREATE TABLE IF NOT EXISTS schema_migrations (
	version		INT NOT NULL,
	name		VARCHAR(255) NOT NULL,
	applied_at	BIGINT NOT NULL,
	PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Users (API.md section 6, User).  role: 1 user, 10 admin, 100 root.
-- status: 1 enabled, 2 disabled.  quota is the prepaid balance; it may go
-- below zero only when a settled request cost more than its hold.
CREATE TABLE users (
	id		BIGINT NOT NULL AUTO_INCREMENT,
	username	VARCHAR(64) NOT NULL,
	display_name	VARCHAR(128) NOT NULL DEFAULT '',
	email		VARCHAR(255) NOT NULL DEFAULT '',
	password_hash	VARCHAR(255) NOT NULL DEFAULT '',
	role		SMALLINT NOT NULL DEFAULT 1,
	status		TINYINT NOT NULL DEFAULT 1,
	quota		BIGINT NOT NULL DEFAULT 0,
	used_quota	BIGINT NOT NULL DEFAULT 0,
	request_count	BIGINT NOT NULL DEFAULT 0,
	`group`		VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT 'default',
	created_at	BIGINT NOT NULL DEFAULT 0,
	last_login_at	BIGINT NOT NULL DEFAULT 0,
	deleted_at	BIGINT NULL DEFAULT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY uk_users_username (username),
	CONSTRAINT ck_users_role CHECK (role IN (1, 10, 100)),
	CONSTRAINT ck_users_status CHECK (status IN (1, 2))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- API keys (API.md section 6, Token).  Only sha256(key) in hex and a
-- display prefix are stored.  status: 1 enabled, 2 disabled, 3 expired,
-- 4 exhausted.  expired_time -1 = never.  `group` '' = the user's group;
-- rpm_limit/tpm_limit NULL = the group's value, 0 = no limit.
CREATE TABLE tokens (
	id		BIGINT NOT NULL AUTO_INCREMENT,
	user_id		BIGINT NOT NULL,
	name		VARCHAR(128) NOT NULL DEFAULT '',
	key_hash	CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	key_prefix	VARCHAR(32) NOT NULL DEFAULT '',
	status		TINYINT NOT NULL DEFAULT 1,
	created_time	BIGINT NOT NULL DEFAULT 0,
	accessed_time	BIGINT NOT NULL DEFAULT 0,
	expired_time	BIGINT NOT NULL DEFAULT -1,
	remain_quota	BIGINT NOT NULL DEFAULT 0,
	unlimited_quota	TINYINT NOT NULL DEFAULT 0,
	used_quota	BIGINT NOT NULL DEFAULT 0,
	model_limits	TEXT COLLATE utf8mb4_bin NOT NULL DEFAULT '',
	allow_ips	TEXT NOT NULL DEFAULT '',
	`group`		VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
	rpm_limit	INT NULL DEFAULT NULL,
	tpm_limit	INT NULL DEFAULT NULL,
	deleted_at	BIGINT NULL DEFAULT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY uk_tokens_key_hash (key_hash),
	KEY ix_tokens_user (user_id),
	CONSTRAINT ck_tokens_status CHECK (status BETWEEN 1 AND 4)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Upstream provider accounts (API.md section 6, Channel).  key_enc is the
-- credential sealed with AES-256-GCM (nonce | ciphertext | tag).  status:
-- 1 enabled, 2 manually disabled, 3 auto-disabled.  models and `group` are
-- normalized comma lists; model_mapping and other are JSON object text or
-- ''.  response_time is milliseconds of the last test.
CREATE TABLE channels (
	id		BIGINT NOT NULL AUTO_INCREMENT,
	type		VARCHAR(32) NOT NULL,
	name		VARCHAR(128) NOT NULL DEFAULT '',
	base_url	VARCHAR(512) NOT NULL DEFAULT '',
	key_enc		BLOB NOT NULL,
	models		TEXT COLLATE utf8mb4_bin NOT NULL DEFAULT '',
	model_mapping	TEXT NOT NULL DEFAULT '',
	`group`		VARCHAR(512) COLLATE utf8mb4_bin NOT NULL DEFAULT 'default',
	priority	INT NOT NULL DEFAULT 0,
	weight		INT NOT NULL DEFAULT 1,
	status		TINYINT NOT NULL DEFAULT 1,
	test_model	VARCHAR(128) NOT NULL DEFAULT '',
	test_time	BIGINT NOT NULL DEFAULT 0,
	response_time	INT NOT NULL DEFAULT 0,
	used_quota	BIGINT NOT NULL DEFAULT 0,
	created_time	BIGINT NOT NULL DEFAULT 0,
	other		TEXT NOT NULL DEFAULT '',
	fail_count	INT NOT NULL DEFAULT 0,
	PRIMARY KEY (id),
	KEY ix_channels_status (status, priority),
	CONSTRAINT ck_channels_status CHECK (status IN (1, 2, 3))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Groups: price ratio (millionths, 1000000 = 1x) and the default RPM/TPM
-- of keys in the group (0 = unlimited).
CREATE TABLE `groups` (
	name		VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
	ratio_u		BIGINT NOT NULL DEFAULT 1000000,
	rpm		INT NOT NULL DEFAULT 0,
	tpm		INT NOT NULL DEFAULT 0,
	description	VARCHAR(255) NOT NULL DEFAULT '',
	PRIMARY KEY (name),
	CONSTRAINT ck_groups_nonneg CHECK (ratio_u >= 0 AND rpm >= 0 AND tpm >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Prices (docs/pricing.md).  input_u/output_u/cache_u are multipliers in
-- millionths relative to the base model (gpt-4o-mini input = 1000000);
-- unit_u is micro-quota per unit for the non-token bases; extra is JSON
-- (for images: quota per image keyed by "size/quality").
CREATE TABLE model_prices (
	model		VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	basis		VARCHAR(16) NOT NULL DEFAULT 'tokens',
	input_u		BIGINT NOT NULL DEFAULT 0,
	output_u	BIGINT NOT NULL DEFAULT 0,
	cache_u		BIGINT NOT NULL DEFAULT 0,
	unit_u		BIGINT NOT NULL DEFAULT 0,
	extra		TEXT NOT NULL DEFAULT '',
	updated_at	BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (model),
	CONSTRAINT ck_prices_basis CHECK (basis IN ('tokens', 'input_tokens',
	    'image', 'character', 'second', 'request')),
	CONSTRAINT ck_prices_nonneg CHECK (input_u >= 0 AND output_u >= 0 AND
	    cache_u >= 0 AND unit_u >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Usage and audit log (API.md section 6, Log).  type: 1 top-up, 2 consume,
-- 3 manage, 4 system, 5 error, 6 refund.  status is the HTTP status given
-- to the client; other is JSON with the pricing inputs of the row.
CREATE TABLE logs (
	id		BIGINT NOT NULL AUTO_INCREMENT,
	created_at	BIGINT NOT NULL,
	type		TINYINT NOT NULL,
	user_id		BIGINT NOT NULL DEFAULT 0,
	username	VARCHAR(64) NOT NULL DEFAULT '',
	token_id	BIGINT NOT NULL DEFAULT 0,
	token_name	VARCHAR(128) NOT NULL DEFAULT '',
	channel_id	BIGINT NOT NULL DEFAULT 0,
	model_name	VARCHAR(128) NOT NULL DEFAULT '',
	prompt_tokens	BIGINT NOT NULL DEFAULT 0,
	completion_tokens BIGINT NOT NULL DEFAULT 0,
	quota		BIGINT NOT NULL DEFAULT 0,
	use_time_ms	BIGINT NOT NULL DEFAULT 0,
	is_stream	TINYINT NOT NULL DEFAULT 0,
	request_id	VARCHAR(64) NOT NULL DEFAULT '',
	ip		VARCHAR(64) NOT NULL DEFAULT '',
	status		INT NOT NULL DEFAULT 0,
	other		TEXT NOT NULL DEFAULT '',
	stream_status	VARCHAR(32) NOT NULL DEFAULT '',
	error_code	VARCHAR(64) NOT NULL DEFAULT '',
	PRIMARY KEY (id),
	KEY ix_logs_created (created_at),
	KEY ix_logs_request (request_id),
	KEY ix_logs_user_created (user_id, created_at),
	KEY ix_logs_token_created (token_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Redemption codes (API.md section 6, Redemption).  status: 1 enabled,
-- 2 disabled, 3 used.  `key` is the code handed to users; expired_time -1
-- = never; user_id is the admin who created it.
CREATE TABLE redemptions (
	id		BIGINT NOT NULL AUTO_INCREMENT,
	user_id		BIGINT NOT NULL DEFAULT 0,
	name		VARCHAR(128) NOT NULL DEFAULT '',
	`key`		CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	status		TINYINT NOT NULL DEFAULT 1,
	quota		BIGINT NOT NULL DEFAULT 0,
	created_time	BIGINT NOT NULL DEFAULT 0,
	redeemed_time	BIGINT NOT NULL DEFAULT 0,
	used_user_id	BIGINT NOT NULL DEFAULT 0,
	expired_time	BIGINT NOT NULL DEFAULT -1,
	PRIMARY KEY (id),
	UNIQUE KEY uk_redemptions_key (`key`),
	CONSTRAINT ck_redemptions_status CHECK (status IN (1, 2, 3)),
	CONSTRAINT ck_redemptions_quota CHECK (quota >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Quota reserved by requests in flight (DESIGN.md section 3, steps 7 and
-- 10).  A row exists exactly while its amount is missing from the key
-- (unless unlimited) and the user; the housekeeper refunds stale ones.
CREATE TABLE quota_holds (
	id		BIGINT NOT NULL AUTO_INCREMENT,
	request_id	VARCHAR(64) NOT NULL DEFAULT '',
	user_id		BIGINT NOT NULL,
	token_id	BIGINT NOT NULL,
	unlimited	TINYINT NOT NULL DEFAULT 0,
	amount		BIGINT NOT NULL,
	model		VARCHAR(128) NOT NULL DEFAULT '',
	created_at	BIGINT NOT NULL,
	PRIMARY KEY (id),
	KEY ix_holds_created (created_at),
	CONSTRAINT ck_holds_amount CHECK (amount >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Console sessions.  id is sha256 (hex) of the cookie value, so a leaked
-- table does not leak live cookies.
CREATE TABLE sessions (
	id		CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	user_id		BIGINT NOT NULL,
	csrf		VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
	created_at	BIGINT NOT NULL,
	expires_at	BIGINT NOT NULL,
	ip		VARCHAR(64) NOT NULL DEFAULT '',
	user_agent	VARCHAR(255) NOT NULL DEFAULT '',
	PRIMARY KEY (id),
	KEY ix_sessions_user (user_id),
	KEY ix_sessions_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Settings edited in the console (quota_per_usd, base_price, ...).
CREATE TABLE options (
	name		VARCHAR(64) NOT NULL,
	value		TEXT NOT NULL,
	PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Fixed one-minute rate-limit windows shared by many hosts
-- (ratelimit = db).  scope names the key and the kind ("rpm:42").
CREATE TABLE rate_windows (
	scope		VARCHAR(96) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	window_start	BIGINT NOT NULL,
	count		BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (scope, window_start),
	KEY ix_rate_windows_start (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Asynchronous video jobs.  id is the public id the gateway hands out;
-- upstream_id the provider's.  status follows the OpenAI video object
-- (queued, in_progress, completed, failed).  hold_id is the quota hold
-- kept until the job ends (charged on success, refunded otherwise).
CREATE TABLE video_tasks (
	id		VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	user_id		BIGINT NOT NULL,
	token_id	BIGINT NOT NULL,
	channel_id	BIGINT NOT NULL DEFAULT 0,
	model		VARCHAR(128) NOT NULL DEFAULT '',
	upstream_id	VARCHAR(255) NOT NULL DEFAULT '',
	status		VARCHAR(16) NOT NULL DEFAULT 'queued',
	quota		BIGINT NOT NULL DEFAULT 0,
	hold_id		BIGINT NOT NULL DEFAULT 0,
	created_at	BIGINT NOT NULL,
	updated_at	BIGINT NOT NULL,
	data		TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (id),
	KEY ix_video_user (user_id, created_at),
	KEY ix_video_status (status, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- ---- seeds ----

INSERT INTO `groups` (name, ratio_u, rpm, tpm, description)
VALUES ('default', 1000000, 0, 0, 'Default group');

-- quota_per_usd: quota units per US dollar (display only).
-- base_price: quota of 1M base tokens = gpt-4o-mini input at $0.15/1M:
-- 0.15 x 500000 = 75000.
INSERT INTO options (name, value) VALUES
	('quota_per_usd', '500000'),
	('base_price', '75000'),
	('currency', 'USD');

-- Token models.  The first five rows carry the reference multipliers of
-- API.md section 7 as given there (they are house prices, not list prices:
-- e.g. gpt-4o lists at $2.50/$10 per 1M, which would be 16.67/66.67).
-- Every other multiplier is list price per 1M tokens / $0.15, rounded to
-- six decimals.  cache_u: half of input_u for OpenAI chat models, a tenth
-- for Claude, the list cached-input price for Gemini.
--   gpt-4.1-mini    $0.40 / $1.60    -> 2.666667 / 10.666667
--   gpt-4.1-nano    $0.10 / $0.40    -> 0.666667 / 2.666667
--   o3              $2.00 / $8.00    -> 13.333333 / 53.333333
--   o4-mini         $1.10 / $4.40    -> 7.333333 / 29.333333
--   gemini-2.5-pro  $1.25 / $10.00 (prompts <= 200k tokens)
--                                    -> 8.333333 / 66.666667,
--                   cached $0.3125   -> 2.083333
INSERT INTO model_prices (model, basis, input_u, output_u, cache_u, unit_u,
    extra, updated_at) VALUES
	('gpt-4o-mini', 'tokens', 1000000, 1000000, 500000, 0, '',
	    UNIX_TIMESTAMP()),
	('gpt-4o', 'tokens', 5000000, 15000000, 2500000, 0, '',
	    UNIX_TIMESTAMP()),
	('gpt-4.1', 'tokens', 10000000, 30000000, 5000000, 0, '',
	    UNIX_TIMESTAMP()),
	('claude-sonnet-4-20250514', 'tokens', 6000000, 30000000, 600000, 0,
	    '', UNIX_TIMESTAMP()),
	('claude-opus-4-20250514', 'tokens', 15000000, 75000000, 1500000, 0,
	    '', UNIX_TIMESTAMP()),
	('gpt-4.1-mini', 'tokens', 2666667, 10666667, 1333333, 0, '',
	    UNIX_TIMESTAMP()),
	('gpt-4.1-nano', 'tokens', 666667, 2666667, 333333, 0, '',
	    UNIX_TIMESTAMP()),
	('o3', 'tokens', 13333333, 53333333, 6666667, 0, '',
	    UNIX_TIMESTAMP()),
	('o4-mini', 'tokens', 7333333, 29333333, 3666667, 0, '',
	    UNIX_TIMESTAMP()),
	('gemini-2.5-pro', 'tokens', 8333333, 66666667, 2083333, 0, '',
	    UNIX_TIMESTAMP());

-- Input-token models (embeddings, moderation, rerank): list price / $0.15.
--   text-embedding-3-large  $0.13 / 1M  -> 0.866667
--   text-embedding-3-small  $0.02 / 1M  -> 0.133333
--   text-embedding-ada-002  $0.10 / 1M  -> 0.666667
--   omni-moderation-latest  free        -> 0
--   cohere-rerank-v3        $2.00 per 1000 searches; a search of about 100
--                           short documents is about 10,000 tokens, so
--                           about $0.20 / 1M tokens -> 1.333333
INSERT INTO model_prices (model, basis, input_u, output_u, cache_u, unit_u,
    extra, updated_at) VALUES
	('text-embedding-3-large', 'input_tokens', 866667, 0, 0, 0, '',
	    UNIX_TIMESTAMP()),
	('text-embedding-3-small', 'input_tokens', 133333, 0, 0, 0, '',
	    UNIX_TIMESTAMP()),
	('text-embedding-ada-002', 'input_tokens', 666667, 0, 0, 0, '',
	    UNIX_TIMESTAMP()),
	('omni-moderation-latest', 'input_tokens', 0, 0, 0, 0, '',
	    UNIX_TIMESTAMP()),
	('cohere-rerank-v3', 'input_tokens', 1333333, 0, 0, 0, '',
	    UNIX_TIMESTAMP());

-- Images: extra maps "size/quality" to quota per image (list price x
-- 500000 quota/USD); unit_u is the default size/quality in micro-quota
-- (quota x 1000000), used when a size/quality is not in the table.
--   gpt-image-1  low     $0.011 (1024x1024)  $0.016 (1024x1536, 1536x1024)
--                medium  $0.042              $0.063
--                high    $0.167              $0.25
--                default 1024x1024/medium = 21000 quota
--   dall-e-3     standard $0.04 (1024x1024)  $0.08 (1024x1792, 1792x1024)
--                hd       $0.08              $0.12
--                default 1024x1024/standard = 20000 quota
--   dall-e-2     $0.016 (256x256)  $0.018 (512x512)  $0.02 (1024x1024)
--                default 1024x1024/standard = 10000 quota
INSERT INTO model_prices (model, basis, input_u, output_u, cache_u, unit_u,
    extra, updated_at) VALUES
	('gpt-image-1', 'image', 0, 0, 0, 21000000000,
	    '{"1024x1024/low":5500,"1024x1536/low":8000,"1536x1024/low":8000,"1024x1024/medium":21000,"1024x1536/medium":31500,"1536x1024/medium":31500,"1024x1024/high":83500,"1024x1536/high":125000,"1536x1024/high":125000}',
	    UNIX_TIMESTAMP()),
	('dall-e-3', 'image', 0, 0, 0, 20000000000,
	    '{"1024x1024/standard":20000,"1024x1792/standard":40000,"1792x1024/standard":40000,"1024x1024/hd":40000,"1024x1792/hd":60000,"1792x1024/hd":60000}',
	    UNIX_TIMESTAMP()),
	('dall-e-2', 'image', 0, 0, 0, 10000000000,
	    '{"256x256/standard":8000,"512x512/standard":9000,"1024x1024/standard":10000}',
	    UNIX_TIMESTAMP());

-- Audio, in micro-quota per unit (list price per unit x 500000 x 1000000).
--   tts-1            $15 / 1M characters  -> 7.5 quota per character
--   tts-1-hd         $30 / 1M characters  -> 15 quota per character
--   gpt-4o-mini-tts  about $0.015 per minute of speech; a minute is about
--                    900 characters, so $0.0000166667 per character
--                    -> 8.333333 quota per character
--   whisper-1        $0.006 per minute = $0.0001 per second
--                    -> 50 quota per second
INSERT INTO model_prices (model, basis, input_u, output_u, cache_u, unit_u,
    extra, updated_at) VALUES
	('tts-1', 'character', 0, 0, 0, 7500000, '', UNIX_TIMESTAMP()),
	('tts-1-hd', 'character', 0, 0, 0, 15000000, '', UNIX_TIMESTAMP()),
	('gpt-4o-mini-tts', 'character', 0, 0, 0, 8333333, '',
	    UNIX_TIMESTAMP()),
	('whisper-1', 'second', 0, 0, 0, 50000000, '', UNIX_TIMESTAMP());

-- Video, per request (charged on success), in micro-quota.
--   veo-2  $0.50 per second of video, default 8 s clip = $4.00
--          -> 2000000 quota
--   sora   $0.10 per second (720p), default 4 s clip = $0.40
--          -> 200000 quota
INSERT INTO model_prices (model, basis, input_u, output_u, cache_u, unit_u,
    extra, updated_at) VALUES
	('veo-2', 'request', 0, 0, 0, 2000000000000, '', UNIX_TIMESTAMP()),
	('sora', 'request', 0, 0, 0, 200000000000, '', UNIX_TIMESTAMP());
