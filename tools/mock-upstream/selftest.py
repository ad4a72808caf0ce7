#!/usr/bin/env python3
"""Hand-run self test of the mock upstream (not part of `make test`).

Usage: tools/mock-upstream/selftest.py [path/to/mock-upstream]

Starts the mock on a free port with --key, then checks: auth, the
non-stream shape and usage formula, incremental streaming with
ttft_ms/interval_ms (timed on the client), include_usage, the tool-call
stream, status and latency injection, disconnect_after, error_after,
stall_after, the raw body control, recording (including completed=false
when the client goes away), one Anthropic message and one Gemini
generateContent, and a clean exit on SIGTERM.  Standard library
only.  Ends with one line "N passed, M failed".
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    HERE, "..", "..", "build", "mock-upstream")
KEY = "sk-selftest-0123456789"
AUTH = {"Authorization": "Bearer " + KEY}
PASSED = FAILED = 0


def check(name, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print("ok   " + name)
    else:
        FAILED += 1
        print("FAIL " + name + (": " + str(detail) if detail else ""))


def start():
    p = subprocess.Popen([BIN, "--port", "0", "--key", KEY],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    if not line.startswith("mock-upstream listening on "):
        sys.exit("mock did not start: %r" % line)
    return p, int(line.rsplit(":", 1)[1])


def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = dict(AUTH)
    h.update(headers or {})
    data = json.dumps(body) if isinstance(body, (dict, list)) else body
    if data is not None:
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    raw = r.read()
    c.close()
    return r.status, dict(r.getheaders()), raw


def stream(port, body, headers=None, stop_after=None):
    """Returns (t_headers, [(t, data)], ended_cleanly); times in s.

    Reads the chunked body by hand on a raw socket so that a connection
    cut before the last (zero) chunk is told apart from a clean end.
    """
    data = json.dumps(body).encode()
    h = dict(AUTH, **{"Content-Type": "application/json",
                      "Content-Length": str(len(data)),
                      "Host": "127.0.0.1", "Connection": "close"})
    h.update(headers or {})
    req = "POST /v1/chat/completions HTTP/1.1\r\n" + "".join(
        "%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = s.makefile("rb")
    t0 = time.monotonic()
    s.sendall(req.encode() + data)
    while f.readline() not in (b"\r\n", b""):
        pass
    th = time.monotonic() - t0
    events, clean, buf = [], False, b""
    while True:
        size = f.readline()
        if not size.endswith(b"\r\n"):
            break
        n = int(size.split(b";")[0], 16)
        if n == 0:
            clean = f.readline() == b"\r\n"
            break
        chunk = f.read(n + 2)
        if len(chunk) != n + 2:
            break
        buf += chunk[:-2]
        while b"\n\n" in buf:
            ev, buf = buf.split(b"\n\n", 1)
            for line in ev.decode().split("\n"):
                if line.startswith("data: "):
                    events.append((time.monotonic() - t0, line[6:]))
        if stop_after is not None and len(events) >= stop_after:
            break
    f.close()
    s.close()
    return th, events, clean


def chat(content="hello there world", **kw):
    b = {"model": "gpt-4o-mini",
         "messages": [{"role": "system", "content": "be brief"},
                      {"role": "user", "content": content}]}
    b.update(kw)
    return b


def records(port):
    return json.loads(request(port, "GET", "/_mock/requests")[2])


def main():
    p, port = start()
    try:
        run(port)
        t = time.monotonic()
        th = __import__("threading").Thread(target=stream, args=(
            port, chat(stream=True), {"X-Mock-Stall-After": "1"}))
        th.daemon = True
        th.start()
        time.sleep(0.3)
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=5)
        check("SIGTERM exits cleanly during a stall",
              rc == 0 and time.monotonic() - t < 3, rc)
    finally:
        if p.poll() is None:
            p.kill()
    print("%d passed, %d failed" % (PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


def run(port):
    st, _, body = request(port, "GET", "/_mock/health", headers={
        "Authorization": ""})
    check("health", st == 200 and body == b"ok", (st, body))

    st, _, body = request(port, "POST", "/v1/chat/completions", chat(),
                          headers={"Authorization": "Bearer nope"})
    err = json.loads(body)["error"]
    check("wrong key -> 401 invalid_api_key",
          st == 401 and err["code"] == "invalid_api_key", body)

    # Non-stream: shape and usage (2+3 + 3+3 = 11 prompt tokens).
    st, hdr, body = request(port, "POST", "/v1/chat/completions", chat())
    d = json.loads(body)
    ch = d["choices"][0]
    check("non-stream shape", st == 200 and d["object"] == "chat.completion"
          and d["id"].startswith("chatcmpl-mock") and
          d["model"] == "gpt-4o-mini" and ch["message"]["content"] ==
          "w1 w2 w3 w4 w5" and ch["finish_reason"] == "stop" and
          ch["logprobs"] is None and ch["message"]["refusal"] is None, body)
    u = d["usage"]
    check("usage formula", u["prompt_tokens"] == 11 and
          u["completion_tokens"] == 5 and u["total_tokens"] == 16 and
          u["prompt_tokens_details"]["cached_tokens"] == 0, u)

    st, _, body = request(port, "POST", "/v1/chat/completions",
                          chat(n=2), {"X-Mock-No-Usage": "1"})
    d = json.loads(body)
    check("n=2 and no_usage", len(d["choices"]) == 2 and "usage" not in d,
          body)

    # Streaming, timed on the client.
    th, ev, clean = stream(port, chat(stream=True, stream_options={
        "include_usage": True}), {"X-Mock-Ttft-Ms": "300",
                                  "X-Mock-Interval-Ms": "150",
                                  "X-Mock-Chunks": "3"})
    check("headers before ttft", th < 0.2, th)
    check("first chunk after ttft", ev and ev[0][0] - th >= 0.28,
          ev and ev[0][0])
    gaps = [ev[i + 1][0] - ev[i][0] for i in range(len(ev) - 2)]
    check("chunks arrive every ~150 ms",
          gaps and all(0.12 <= g <= 0.3 for g in gaps), gaps)
    js = [json.loads(e) for _, e in ev[:-1]]
    check("stream order", ev[-1][1] == "[DONE]" and
          js[0]["choices"][0]["delta"] == {"role": "assistant",
                                           "content": "", "refusal": None}
          and "".join(j["choices"][0]["delta"].get("content", "")
                      for j in js[1:4]) == "w1 w2 w3" and
          js[4]["choices"][0]["finish_reason"] == "stop" and
          js[5]["choices"] == [] and js[5]["usage"]["completion_tokens"]
          == 3 and all(j["usage"] is None for j in js[:5]), ev)

    _, ev, _ = stream(port, chat(stream=True))
    check("no usage key without include_usage",
          all("usage" not in json.loads(e) for _, e in ev[:-1]), ev)

    # Tool-call stream.
    tools = [{"type": "function", "function": {
        "name": "get_weather", "parameters": {"type": "object", "properties": {
            "city": {"type": "string"}, "unit": {"type": "string"}}}}}]
    _, ev, _ = stream(port, chat(stream=True, tools=tools,
                                 metadata={"mock_tool_call": "1"}))
    js = [json.loads(e) for _, e in ev[:-1]]
    first = js[0]["choices"][0]["delta"]["tool_calls"][0]
    frags = [j["choices"][0]["delta"]["tool_calls"][0] for j in js[1:-1]]
    args = "".join(f["function"]["arguments"] for f in frags)
    check("tool-call stream", first["id"].startswith("call_") and
          first["function"] == {"name": "get_weather", "arguments": ""} and
          len(frags) > 2 and all(set(f) == {"index", "function"}
                                 for f in frags) and
          json.loads(args) == {"city": "x", "unit": "x"} and
          js[-1]["choices"][0]["finish_reason"] == "tool_calls", ev)

    st, _, body = request(port, "POST", "/v1/chat/completions",
                          chat(tools=tools, tool_choice="required"))
    tc = json.loads(body)["choices"][0]["message"]["tool_calls"][0]
    check("tool_choice required", st == 200 and
          json.loads(tc["function"]["arguments"]) == {"city": "x",
                                                      "unit": "x"}, body)

    # Status and latency injection.
    t = time.monotonic()
    st, hdr, body = request(port, "POST", "/v1/chat/completions", chat(),
                            {"X-Mock-Status": "429",
                             "X-Mock-Latency-Ms": "300"})
    err = json.loads(body)["error"]
    check("status 429 after latency", st == 429 and
          err["type"] == "requests" and err["code"] == "rate_limit_exceeded"
          and time.monotonic() - t >= 0.29, (st, body))
    st, _, body = request(port, "POST", "/v1/chat/completions",
                          chat(metadata={"mock_status": "503"}))
    check("status 503 from metadata", st == 503 and
          json.loads(body)["error"]["type"] == "server_error", body)

    st, _, body = request(port, "POST", "/v1/chat/completions",
                          {"model": "m"})
    check("validation names the param", st == 400 and
          json.loads(body)["error"]["param"] == "messages", body)
    st, _, _ = request(port, "GET", "/v1/chat/completions")
    check("wrong method -> 405", st == 405, st)
    st, _, _ = request(port, "GET", "/v1/nope")
    check("unknown path -> 404", st == 404, st)

    st, _, body = request(port, "POST", "/v1/chat/completions", chat(),
                          {"X-Mock-Body": "not json {"})
    check("raw body control", st == 200 and body == b"not json {", body)

    # Failures mid-stream, and recording.
    request(port, "DELETE", "/_mock/requests")
    _, ev, clean = stream(port, chat(stream=True),
                          {"X-Mock-Disconnect-After": "2"})
    check("disconnect_after=2", not clean and len(ev) == 3 and
          all(e != "[DONE]" for _, e in ev), (clean, ev))
    _, ev, clean = stream(port, chat(stream=True),
                          {"X-Mock-Error-After": "1"})
    check("error_after=1", clean and len(ev) == 3 and
          json.loads(ev[-1][1])["error"]["message"] ==
          "mock mid-stream failure", ev)
    _, ev, _ = stream(port, chat(stream=True), {
        "X-Mock-Stall-After": "1", "X-Mock-Stall-Ms": "400"})
    check("stall_after=1 stall_ms=400", ev[2][0] - ev[1][0] >= 0.38, ev)
    _, ev, _ = stream(port, chat(stream=True),
                      {"X-Mock-Interval-Ms": "200"}, stop_after=2)
    time.sleep(0.5)
    rs = records(port)
    check("recorded 4 requests", len(rs) == 4, len(rs))
    if len(rs) == 4:
        r = rs[0]
        check("record shape", r["method"] == "POST" and r["path"] ==
              "/v1/chat/completions" and
              r["headers"]["x-mock-disconnect-after"] == "2" and
              json.loads(r["body"])["model"] == "gpt-4o-mini" and
              r["completed"] is False and r["stream"] is True and
              len(r["chunk_times_ms"]) == 3, r)
        check("completed true after error_after", rs[1]["completed"] is True,
              rs[1])
        check("completed false when the client left",
              rs[3]["completed"] is False, rs[3])

    request(port, "DELETE", "/_mock/requests")
    request(port, "GET", "/v1/models?a=1&b=%20", headers={"X-Foo": "bar"})
    rs = records(port)
    check("query and headers recorded", len(rs) == 1 and
          rs[0]["path"] == "/v1/models?a=1&b=%20" and
          rs[0]["headers"]["x-foo"] == "bar" and rs[0]["status"] == 200, rs)

    # Anthropic and Gemini providers, in brief (the details are in
    # tests/integration/mock_providers.test.mjs).
    st, _, body = request(port, "POST", "/v1/messages", {
        "model": "m", "max_tokens": 10,
        "messages": [{"role": "user", "content": "hello there"}]},
        headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"})
    d = json.loads(body)
    check("anthropic message", st == 200 and d["content"] == [
          {"type": "text", "text": "w1 w2 w3 w4 w5"}] and
          d["usage"]["input_tokens"] == 5, body)
    st, _, body = request(port, "POST", "/v1beta/models/gemini-2.5-flash:"
                          "generateContent?key=" + KEY,
                          {"contents": [{"parts": [{"text": "hello there"}]}]})
    d = json.loads(body)
    check("gemini generateContent", st == 200 and
          d["candidates"][0]["content"]["parts"] == [
              {"text": "w1 w2 w3 w4 w5"}] and
          d["usageMetadata"]["promptTokenCount"] == 5, body)


if __name__ == "__main__":
    main()
