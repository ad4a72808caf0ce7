-- wrk script for tools/bench/run.sh: one non-streaming chat completion per
-- request, the same small body for every target.
--
--   BENCH_KEY=sk-... wrk -t1 -c16 -d8s --latency -s tools/bench/chat.lua \
--       http://127.0.0.1:28080/v1/chat/completions
--
-- BENCH_KEY goes into "Authorization: Bearer ..." (the mock's own key for
-- the mock and the lighttpd proxy in front of it, a Nexhina key for
-- Nexhina); unset or empty: no Authorization header.  BENCH_BODY is the
-- whole request body (run.sh sets it per target); without it the body
-- below with BENCH_MODEL as its model (default gpt-4o-mini).
--
-- Only request() data is set here: a response() or done() function would
-- make wrk hand every response to Lua, which costs client CPU on a small
-- box and would skew the numbers.  run.sh reads wrk's own --latency report
-- (and its "Non-2xx or 3xx responses" line).
local key = os.getenv("BENCH_KEY") or ""
local model = os.getenv("BENCH_MODEL") or ""
if model == "" then
	model = "gpt-4o-mini"
end
local body = os.getenv("BENCH_BODY") or ""
if body == "" then
	body = '{"model":"' .. model .. '","messages":[{"role":"user","content":"Hello bench"}]}'
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if key ~= "" then
	wrk.headers["Authorization"] = "Bearer " .. key
end
wrk.body = body
