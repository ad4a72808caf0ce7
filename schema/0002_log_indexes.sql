-- 0002_log_indexes.sql: indexes for the log filters of the admin console
-- (API.md section 6, Log: by type, model, channel, each over a time range,
-- newest first).  0001 indexes logs by time, request id, user and key;
-- without these, "errors of the last hour" or "all gpt-4o calls today"
-- scan every row since the time bound.  Each index ends in created_at so
-- the range and the ORDER BY created_at DESC come from the index.
--
-- Same rules as 0001_init.sql: "--" comments on lines of their own, a
-- statement ends at a line ending in ';'.  One ALTER builds the three
-- indexes in one pass over the table; InnoDB does it in place
-- (ALGORITHM=INPLACE, LOCK=NONE), so the gateway keeps writing log rows
-- during an upgrade.

ALTER TABLE logs
	ADD INDEX ix_logs_type_created (type, created_at),
	ADD INDEX ix_logs_model_created (model_name, created_at),
	ADD INDEX ix_logs_channel_created (channel_id, created_at),
	ALGORITHM=INPLACE, LOCK=NONE;
