-- 0003_admin.sql: the tables of the management API (docs/admin-api.md).
--
-- Personal access tokens let scripts call /api/ as the user who made
-- them, without a console session (and so without a CSRF token).  As
-- with API keys, only sha256(token) in hex and a display prefix are
-- stored; the token itself is shown once when it is created.  A token
-- acts with its user's current role and stops working when the user is
-- deleted or disabled.  Rows are deleted outright (no deleted_at): a
-- revoked token has nothing left worth keeping.
--
-- Same rules as 0001_init.sql: "--" comments on lines of their own, a
-- statement ends at a line ending in ';'.  Nothing existing changes, so
-- the upgrade is a plain CREATE TABLE.

CREATE TABLE personal_tokens (
	id		BIGINT NOT NULL AUTO_INCREMENT,
	user_id		BIGINT NOT NULL,
	name		VARCHAR(128) NOT NULL DEFAULT '',
	token_hash	CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	prefix		VARCHAR(32) NOT NULL DEFAULT '',
	created_at	BIGINT NOT NULL,
	last_used_at	BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (id),
	UNIQUE KEY uk_pat_hash (token_hash),
	KEY ix_pat_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
