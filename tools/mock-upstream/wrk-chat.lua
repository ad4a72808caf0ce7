-- wrk script: short non-stream chat completions against the mock.
-- wrk -t2 -c64 -d5s -s tools/mock-upstream/wrk-chat.lua http://127.0.0.1:PORT/v1/chat/completions
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}]}'
