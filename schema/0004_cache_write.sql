-- 0004_cache_write.sql: a price for input tokens written to a prompt
-- cache (docs/pricing.md).  Anthropic bills a cache write at 1.25x its
-- input price (5-minute cache) and reports the count as
-- cache_creation_input_tokens; OpenAI reports it as
-- prompt_tokens_details.cache_write_tokens.  Until now those tokens were
-- billed as plain input.
--
-- cache_write_u is a multiplier in millionths like input_u; 0 means "no
-- price of its own: bill cache writes at input_u", so a model added
-- without one is never billed less than before.  The seeded Claude rows
-- get 1.25x their input_u; rows an operator already gave a cache-write
-- price (none can have one before this file) would be left alone.
--
-- Same rules as 0001_init.sql: "--" comments on lines of their own, a
-- statement ends at a line ending in ';'.  model_prices is one row per
-- model, so checking the new constraint over it costs nothing.

ALTER TABLE model_prices
	ADD COLUMN cache_write_u BIGINT NOT NULL DEFAULT 0 AFTER cache_u,
	ADD CONSTRAINT ck_prices_cache_write CHECK (cache_write_u >= 0);

UPDATE model_prices SET cache_write_u = input_u * 5 DIV 4
    WHERE model IN ('claude-sonnet-4-20250514', 'claude-opus-4-20250514')
    AND basis = 'tokens' AND cache_write_u = 0;
