// The mock upstream's Anthropic (Messages API) and Gemini (Generative
// Language API v1beta) providers, checked over raw HTTP against the wire
// formats the gateway will meet: shapes, the token-count rules of
// tools/mock-upstream/README.md, tool calls, thinking, stop sequences,
// streams (named events / SSE with CRLF / JSON array) with their timing
// and failure controls, Anthropic's and Google's error shapes, embeddings,
// models and the recording at /_mock/requests.  The mock is the suite's
// (NX_MOCK_URL, NX_MOCK_KEY); nothing here clears its recording.
import test from 'node:test';
import assert from 'node:assert/strict';

const MOCK = process.env.NX_MOCK_URL;
const KEY = process.env.NX_MOCK_KEY || 'sk-mock-upstream';
assert.ok(MOCK, 'NX_MOCK_URL must point at the mock upstream');

let seq = 0;
const marker = () => `t${process.pid}x${++seq}x${Date.now()}`;
const words = (s) => s.split(/\s+/).filter(Boolean).length;

// ---- helpers --------------------------------------------------------------

function antHeaders(extra = {}) {
  return { 'content-type': 'application/json', 'x-api-key': KEY,
    'anthropic-version': '2023-06-01', ...extra };
}

function ant(body, extra = {}, path = '/v1/messages') {
  return fetch(MOCK + path, { method: 'POST', headers: antHeaders(extra),
    body: typeof body === 'string' ? body : JSON.stringify(body) });
}

function gem(model, method, body, { query = '', headers = {} } = {}) {
  return fetch(`${MOCK}/v1beta/models/${model}:${method}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': KEY,
      ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// Reads a whole stream; returns the raw text, the events ({event, data,
// t}), split on blank lines (LF or CRLF), and whether it ended cleanly.
async function readSSE(res) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let raw = '';
  let buf = '';
  let clean = true;
  const events = [];
  for (;;) {
    let r;
    try {
      r = await reader.read();
    } catch {
      clean = false;
      break;
    }
    if (r.done) break;
    const t = Date.now();
    const s = dec.decode(r.value, { stream: true });
    raw += s;
    buf += s;
    let m;
    while ((m = /\r?\n\r?\n/.exec(buf)) !== null) {
      const block = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      const ev = { event: null, data: '', t };
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event: ')) ev.event = line.slice(7);
        else if (line.startsWith('data: ')) ev.data += line.slice(6);
      }
      events.push(ev);
    }
  }
  return { raw, events, clean, rest: buf };
}

async function recorded(mark) {
  const r = await fetch(`${MOCK}/_mock/requests`);
  const all = await r.json();
  return all.filter((x) => x.headers['x-test-marker'] === mark);
}

async function eventually(fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// README.md: 3 per message + words of its text; 3 + words of the system.
function antTokens(body) {
  let n = 0;
  const text = (c) => {
    if (typeof c === 'string') return words(c);
    let w = 0;
    for (const b of c) {
      if (b.type === 'text') w += words(b.text);
      if (b.type === 'tool_result' && b.content !== undefined) {
        w += typeof b.content === 'string' ? words(b.content)
          : b.content.filter((x) => x.type === 'text')
            .reduce((a, x) => a + words(x.text), 0);
      }
    }
    return w;
  };
  for (const m of body.messages) n += 3 + text(m.content);
  if (body.system !== undefined) n += 3 + text(body.system);
  return n;
}

// README.md: 3 per content + words of its text parts and of the compact
// JSON of its function responses; 3 + words of the system instruction.
function gemTokens(body) {
  const text = (c) => c.parts.reduce((a, p) => a +
    (typeof p.text === 'string' ? words(p.text) : 0) +
    (p.functionResponse ? words(JSON.stringify(p.functionResponse.response))
      : 0), 0);
  let n = body.contents.reduce((a, c) => a + 3 + text(c), 0);
  if (body.systemInstruction) n += 3 + text(body.systemInstruction);
  return n;
}

const WEATHER = {
  name: 'get_weather', description: 'weather of a city',
  input_schema: { type: 'object', properties: {
    city: { type: 'string' }, unit: { enum: ['c', 'f'] },
    days: { type: 'integer' } } },
};
const WEATHER_ARGS = { city: 'x', unit: 'c', days: 1 };

// ---- Anthropic ------------------------------------------------------------

test('anthropic: auth and version headers', async () => {
  let r = await fetch(`${MOCK}/v1/messages`, { method: 'POST',
    headers: { 'anthropic-version': '2023-06-01' }, body: '{}' });
  assert.equal(r.status, 401);
  let j = await r.json();
  assert.equal(j.type, 'error');
  assert.deepEqual(j.error, { type: 'authentication_error',
    message: 'x-api-key header is required' });
  assert.match(j.request_id, /^req_/);
  assert.equal(r.headers.get('request-id'), j.request_id);

  r = await ant({}, { 'x-api-key': 'sk-wrong' });
  assert.equal(r.status, 401);
  assert.deepEqual((await r.json()).error, { type: 'authentication_error',
    message: 'invalid x-api-key' });

  r = await fetch(`${MOCK}/v1/messages`, { method: 'POST',
    headers: { 'x-api-key': KEY }, body: '{}' });
  assert.equal(r.status, 400);
  assert.deepEqual((await r.json()).error, { type: 'invalid_request_error',
    message: 'anthropic-version: header is required' });

  r = await ant({}, {}, '/v1/messages/batches');
  assert.equal(r.status, 404);
  assert.equal((await r.json()).error.type, 'not_found_error');
});

test('anthropic: plain message, exact shape and token counts', async () => {
  const mark = marker();
  const body = { model: 'claude-sonnet-4-5', max_tokens: 100,
    system: 'be brief', messages: [
      { role: 'user', content: 'hello there world' },
      { role: 'user', content: [{ type: 'text', text: 'and more' }] }] };
  const r = await ant(body, { 'x-test-marker': mark });
  assert.equal(r.status, 200);
  const j = await r.json();
  assert.match(j.id, /^msg_mock/);
  assert.match(r.headers.get('request-id'), /^req_mock/);
  assert.equal(antTokens(body), 5 + 6 + 5);
  assert.deepEqual({ ...j, id: 'X' }, {
    id: 'X', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5',
    content: [{ type: 'text', text: 'w1 w2 w3 w4 w5' }],
    stop_reason: 'end_turn', stop_sequence: null,
    usage: { input_tokens: 16, cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0,
        ephemeral_1h_input_tokens: 0 },
      output_tokens: 5, service_tier: 'standard' },
  });

  const c = await ant({ model: body.model, system: body.system,
    messages: body.messages }, { 'x-test-marker': mark },
  '/v1/messages/count_tokens');
  assert.equal(c.status, 200);
  assert.deepEqual(await c.json(), { input_tokens: 16 });

  const rec = await recorded(mark);
  assert.equal(rec.length, 2);
  assert.equal(rec[0].method, 'POST');
  assert.equal(rec[0].path, '/v1/messages');
  assert.equal(rec[0].headers['x-api-key'], KEY);
  assert.equal(rec[0].headers['anthropic-version'], '2023-06-01');
  assert.deepEqual(JSON.parse(rec[0].body), body);
  assert.equal(rec[0].status, 200);
  assert.equal(rec[0].stream, false);
  assert.equal(rec[1].path, '/v1/messages/count_tokens');
});

test('anthropic: validation names the field', async () => {
  const ok = { model: 'm', max_tokens: 10,
    messages: [{ role: 'user', content: 'hi' }] };
  const cases = [
    [{ ...ok, max_tokens: undefined }, 'max_tokens: Field required'],
    [{ ...ok, max_tokens: 0 },
      'max_tokens: Input should be greater than or equal to 1'],
    [{ ...ok, model: 7 }, 'model: Input should be a valid string'],
    [{ ...ok, messages: [] }, 'messages: at least one message is required'],
    [{ ...ok, messages: [{ role: 'system', content: 'x' }] },
      "messages.0.role: Input should be 'user' or 'assistant'"],
    [{ ...ok, frequency_penalty: 1 },
      'frequency_penalty: Extra inputs are not permitted'],
    [{ ...ok, metadata: { foo: 'x' } },
      'metadata.foo: Extra inputs are not permitted'],
    [{ ...ok, messages: [{ role: 'user', content: [{ type: 'image_url' }] }] },
      /^messages\.0\.content\.0: Input tag 'image_url' found using 'type'/],
    [{ ...ok, messages: [{ role: 'user',
      content: [{ type: 'text', text: 'x', extra: 1 }] }] },
    'messages.0.content.0.extra: Extra inputs are not permitted'],
    [{ ...ok, messages: [{ role: 'user', content: '' }] },
      /^messages\.0: all messages must have non-empty content/],
    [{ ...ok, messages: [{ role: 'user', content: [{ type: 'image',
      source: { type: 'base64', media_type: 'image/bmp', data: 'AA==' } }] }] },
    /^messages\.0\.content\.0\.source\.media_type: Input should be/],
    [{ ...ok, messages: [{ role: 'user', content: 'x' }, { role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
    { role: 'user', content: 'no result' }] },
    /^messages\.1: `tool_use` ids were found without `tool_result` blocks/],
    [{ ...ok, messages: [{ role: 'user', content: [{ type: 'tool_result',
      tool_use_id: 'toolu_9', content: 'x' }] }] },
    /^messages\.0\.content\.0: unexpected `tool_use_id` found/],
    [{ ...ok, tools: [{ name: 'bad name', input_schema: { type: 'object' } }] },
      /^tools\.0\.custom\.name: String should match pattern/],
    [{ ...ok, tools: [{ name: 'f' }] },
      'tools.0.custom.input_schema: Field required'],
    [{ ...ok, tools: [WEATHER], tool_choice: { type: 'tool', name: 'nope' } },
      "tool_choice.name: Tool 'nope' not found in tools"],
    [{ ...ok, thinking: { type: 'enabled', budget_tokens: 100 } },
      'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024'],
    [{ ...ok, max_tokens: 1500, thinking: { type: 'enabled', budget_tokens: 2000 } },
      /^`max_tokens` must be greater than `thinking.budget_tokens`/],
    [{ ...ok, max_tokens: 3000, temperature: 0.5,
      thinking: { type: 'enabled', budget_tokens: 2000 } },
    /^`temperature` may only be set to 1 when thinking is enabled/],
    [{ ...ok, stop_sequences: 'x' }, 'stop_sequences: Input should be a valid list'],
    [{ ...ok, temperature: 1.5 }, 'temperature: Input should be less than or equal to 1'],
    ['{nope', /^There was an error parsing the body/],
  ];
  for (const [body, msg] of cases) {
    const r = await ant(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    const j = await r.json();
    assert.equal(j.type, 'error');
    assert.equal(j.error.type, 'invalid_request_error');
    if (msg instanceof RegExp) assert.match(j.error.message, msg);
    else assert.equal(j.error.message, msg);
  }
  // count_tokens takes no max_tokens, and needs no max_tokens either.
  let r = await ant(ok, {}, '/v1/messages/count_tokens');
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.message,
    'max_tokens: Extra inputs are not permitted');
  r = await ant({ model: 'm', messages: ok.messages }, {},
    '/v1/messages/count_tokens');
  assert.deepEqual(await r.json(), { input_tokens: 4 });
});

test('anthropic: max_tokens, stop sequences, emit_stop, cache and refusal', async () => {
  const base = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
  let j = await (await ant({ ...base, max_tokens: 3 })).json();
  assert.equal(j.content[0].text, 'w1 w2 w3');
  assert.equal(j.stop_reason, 'max_tokens');
  assert.equal(j.usage.output_tokens, 3);

  j = await (await ant({ ...base, max_tokens: 50, stop_sequences: ['zz', 'w4'] })).json();
  assert.deepEqual(j.content, [{ type: 'text', text: 'w1 w2 w3' }]);
  assert.equal(j.stop_reason, 'stop_sequence');
  assert.equal(j.stop_sequence, 'w4');
  assert.equal(j.usage.output_tokens, 3);

  j = await (await ant({ ...base, max_tokens: 50, stop_sequences: ['END'],
    metadata: { user_id: 'mock:emit_stop=2,cache_read=7,cache_write=9' } })).json();
  assert.equal(j.content[0].text, 'w1 w2');
  assert.equal(j.stop_reason, 'stop_sequence');
  assert.equal(j.stop_sequence, 'END');
  assert.equal(j.usage.cache_read_input_tokens, 7);
  assert.equal(j.usage.cache_creation_input_tokens, 9);
  assert.equal(j.usage.cache_creation.ephemeral_5m_input_tokens, 9);
  assert.equal(j.usage.input_tokens, 4);

  j = await (await ant({ ...base, max_tokens: 50,
    metadata: { mock_chunks: '2', mock_no_usage: '1' } })).json();
  assert.equal(j.content[0].text, 'w1 w2');
  assert.equal(j.usage, undefined);

  j = await (await ant({ ...base, max_tokens: 50 }, { 'x-mock-block': '1' })).json();
  assert.deepEqual(j.content, []);
  assert.equal(j.stop_reason, 'refusal');
  assert.equal(j.usage.output_tokens, 0);

  // Unknown controls fail loudly.
  const r = await ant({ ...base, max_tokens: 5 }, { 'x-mock-nope': '1' });
  assert.equal(r.status, 400);
  assert.match((await r.json()).error.message, /Invalid mock control/);
});

test('anthropic: tool calls and tool results', async () => {
  const base = { model: 'm', max_tokens: 100, tools: [WEATHER],
    messages: [{ role: 'user', content: 'weather?' }] };
  // No control, auto: text only.
  let j = await (await ant(base)).json();
  assert.equal(j.stop_reason, 'end_turn');
  assert.equal(j.content.length, 1);

  j = await (await ant(base, { 'x-mock-tool-call': '1' })).json();
  assert.equal(j.stop_reason, 'tool_use');
  assert.equal(j.content.length, 2);
  assert.deepEqual(j.content[0], { type: 'text', text: 'w1 w2 w3 w4 w5' });
  assert.equal(j.content[1].type, 'tool_use');
  assert.match(j.content[1].id, /^toolu_/);
  assert.equal(j.content[1].name, 'get_weather');
  assert.deepEqual(j.content[1].input, WEATHER_ARGS);
  // 5 words + the arguments in 5 pieces.
  assert.equal(j.usage.output_tokens, 10);

  j = await (await ant({ ...base, tool_choice: { type: 'none' } },
    { 'x-mock-tool-call': '1' })).json();
  assert.equal(j.stop_reason, 'end_turn');

  j = await (await ant({ ...base, tool_choice: { type: 'any' },
    messages: [{ role: 'user', content: '[mock chunks=0 tool_calls=2] go' }] })).json();
  assert.equal(j.stop_reason, 'tool_use');
  assert.deepEqual(j.content.map((b) => b.type), ['tool_use', 'tool_use']);
  assert.notEqual(j.content[0].id, j.content[1].id);

  j = await (await ant({ ...base, tool_choice: { type: 'any',
    disable_parallel_tool_use: true } }, { 'x-mock-tool-calls': '3' })).json();
  assert.equal(j.content.filter((b) => b.type === 'tool_use').length, 1);

  // The answer to a tool result mentions it; tool_call=1 does not loop.
  const turn = { ...base, messages: [
    { role: 'user', content: '[mock tool_call=1] weather?' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a',
      name: 'get_weather', input: { city: 'x' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a',
      content: [{ type: 'text', text: 'sunny and 20C' }] }] }] };
  j = await (await ant(turn)).json();
  assert.equal(j.stop_reason, 'end_turn');
  assert.deepEqual(j.content, [{ type: 'text',
    text: 'Result: sunny and 20C w1 w2 w3 w4 w5' }]);
  assert.equal(j.usage.input_tokens, antTokens(turn));
  assert.equal(j.usage.output_tokens, 9);

  // With thinking on, that assistant turn must start with thinking.
  const r = await ant({ ...turn, max_tokens: 3000,
    thinking: { type: 'enabled', budget_tokens: 1024 } });
  assert.equal(r.status, 400);
  assert.match((await r.json()).error.message,
    /^messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`/);
});

test('anthropic: stream events, deltas and usage', async () => {
  const mark = marker();
  const body = { model: 'm', max_tokens: 100, stream: true,
    messages: [{ role: 'user', content: '[mock chunks=3] hi there' }] };
  const r = await ant(body, { 'x-test-marker': mark });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  const { events, clean, rest } = await readSSE(r);
  assert.ok(clean);
  assert.equal(rest, '');
  assert.deepEqual(events.map((e) => e.event), ['message_start',
    'content_block_start', 'ping', 'content_block_delta',
    'content_block_delta', 'content_block_delta', 'content_block_stop',
    'message_delta', 'message_stop']);
  const d = events.map((e) => JSON.parse(e.data));
  d.forEach((x, i) => assert.equal(x.type, events[i].event));
  assert.equal(d[0].message.usage.input_tokens, antTokens(body));
  assert.equal(d[0].message.usage.output_tokens, 1);
  assert.deepEqual(d[0].message.content, []);
  assert.equal(d[0].message.stop_reason, null);
  assert.deepEqual(d[1], { type: 'content_block_start', index: 0,
    content_block: { type: 'text', text: '' } });
  assert.deepEqual(d.slice(3, 6).map((x) => x.delta),
    [{ type: 'text_delta', text: 'w1' }, { type: 'text_delta', text: ' w2' },
      { type: 'text_delta', text: ' w3' }]);
  assert.deepEqual(d[6], { type: 'content_block_stop', index: 0 });
  assert.deepEqual(d[7].delta, { stop_reason: 'end_turn', stop_sequence: null });
  assert.equal(d[7].usage.output_tokens, 3);
  assert.equal(d[7].usage.input_tokens, antTokens(body));

  const rec = (await eventually(async () => {
    const x = await recorded(mark);
    return x.length && x[0].completed !== null ? x : null;
  }))[0];
  assert.equal(rec.stream, true);
  assert.equal(rec.completed, true);
  assert.equal(rec.chunks, 9);
  assert.equal(rec.chunk_times_ms.length, 9);
});

test('anthropic: streamed tool_use and thinking', async () => {
  let r = await ant({ model: 'm', max_tokens: 100, stream: true,
    tools: [WEATHER], tool_choice: { type: 'tool', name: 'get_weather' },
    messages: [{ role: 'user', content: '[mock chunks=3] weather?' }] });
  let { events } = await readSSE(r);
  let d = events.map((e) => JSON.parse(e.data));
  const start = d.find((x) => x.type === 'content_block_start' && x.index === 1);
  assert.equal(start.content_block.type, 'tool_use');
  assert.match(start.content_block.id, /^toolu_/);
  assert.equal(start.content_block.name, 'get_weather');
  assert.deepEqual(start.content_block.input, {});
  const pieces = d.filter((x) => x.type === 'content_block_delta' &&
    x.index === 1).map((x) => x.delta);
  assert.equal(pieces.length, 3);
  pieces.forEach((p) => assert.equal(p.type, 'input_json_delta'));
  assert.deepEqual(JSON.parse(pieces.map((p) => p.partial_json).join('')),
    WEATHER_ARGS);
  assert.equal(d.at(-2).delta.stop_reason, 'tool_use');
  assert.equal(d.at(-2).usage.output_tokens, 6);

  r = await ant({ model: 'm', max_tokens: 2000, stream: true,
    thinking: { type: 'enabled', budget_tokens: 1024 },
    messages: [{ role: 'user', content: '[mock chunks=2] think' }] });
  ({ events } = await readSSE(r));
  d = events.map((e) => JSON.parse(e.data));
  assert.deepEqual(events.map((e) => e.event), ['message_start',
    'content_block_start', 'ping', 'content_block_delta',
    'content_block_delta', 'content_block_delta', 'content_block_stop',
    'content_block_start', 'content_block_delta', 'content_block_delta',
    'content_block_stop', 'message_delta', 'message_stop']);
  assert.equal(d[1].content_block.type, 'thinking');
  assert.deepEqual(d[3].delta, { type: 'thinking_delta', thinking: 't1' });
  assert.deepEqual(d[4].delta, { type: 'thinking_delta', thinking: ' t2' });
  assert.equal(d[5].delta.type, 'signature_delta');
  assert.ok(d[5].delta.signature.length > 0);
  assert.equal(d[7].content_block.type, 'text');
  assert.equal(d[7].index, 1);
  assert.equal(d[11].usage.output_tokens, 4);
  // Whole: the thinking block first, with its signature.
  const j = await (await ant({ model: 'm', max_tokens: 2000,
    thinking: { type: 'enabled', budget_tokens: 1024 },
    messages: [{ role: 'user', content: '[mock chunks=2] think' }] })).json();
  assert.equal(j.content[0].type, 'thinking');
  assert.equal(j.content[0].thinking, 't1 t2');
  assert.equal(typeof j.content[0].signature, 'string');
  assert.deepEqual(j.content[1], { type: 'text', text: 'w1 w2' });
});

test('anthropic: stream timing, mid-stream error and break', async () => {
  const body = { model: 'm', max_tokens: 100, stream: true,
    messages: [{ role: 'user', content: 'hi' }] };
  const mark = marker();
  const t0 = Date.now();
  let r = await ant(body, { 'x-test-marker': mark, 'x-mock-ttft-ms': '300',
    'x-mock-interval-ms': '60', 'x-mock-chunks': '3' });
  let { events } = await readSSE(r);
  assert.ok(events[0].t - t0 >= 280, `ttft ${events[0].t - t0}`);
  const rec = (await eventually(async () => {
    const x = await recorded(mark);
    return x.length && x[0].chunk_times_ms ? x : null;
  }))[0];
  const ts = rec.chunk_times_ms;
  for (let i = 1; i < ts.length - 1; i++) assert.ok(ts[i] - ts[i - 1] >= 55);

  // error_after: an overloaded_error event, then the body ends.
  r = await ant(body, { 'x-mock-error-after': '2' });
  const s = await readSSE(r);
  assert.ok(s.clean);
  assert.equal(s.events.at(-1).event, 'error');
  assert.deepEqual(JSON.parse(s.events.at(-1).data), { type: 'error',
    error: { type: 'overloaded_error', message: 'Overloaded' } });
  assert.equal(s.events.filter((e) => e.event === 'content_block_delta').length, 2);
  assert.ok(!s.events.some((e) => e.event === 'message_stop'));

  // disconnect_after: the connection is cut, no message_stop.
  const m2 = marker();
  r = await ant(body, { 'x-mock-disconnect-after': '1', 'x-test-marker': m2 });
  const b = await readSSE(r);
  assert.equal(b.clean, false);
  assert.ok(!b.events.some((e) => e.event === 'message_stop'));
  const rec2 = await eventually(async () => {
    const x = await recorded(m2);
    return x.length && x[0].completed !== null ? x[0] : null;
  });
  assert.equal(rec2.completed, false);

  // stall_after: one long gap.
  r = await ant(body, { 'x-mock-stall-after': '1', 'x-mock-stall-ms': '400' });
  ({ events } = await readSSE(r));
  const gaps = events.slice(1).map((e, i) => e.t - events[i].t);
  assert.ok(Math.max(...gaps) >= 350, `gaps ${gaps}`);
});

test('anthropic: injected statuses have Anthropic error types', async () => {
  const body = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };
  const want = { 400: 'invalid_request_error', 401: 'authentication_error',
    403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error',
    500: 'api_error', 529: 'overloaded_error' };
  for (const [st, type] of Object.entries(want)) {
    const r = await ant(body, { 'x-mock-status': st, 'x-mock-retry-after': '2' });
    assert.equal(r.status, Number(st));
    assert.equal(r.headers.get('retry-after'), '2');
    const j = await r.json();
    assert.equal(j.type, 'error');
    assert.equal(j.error.type, type);
    assert.equal(typeof j.error.message, 'string');
  }
  // The prompt prefix and the stream path inject too.
  const r = await ant({ ...body, stream: true, messages: [{ role: 'user',
    content: '[mock status=529] x' }] });
  assert.equal(r.status, 529);
  assert.equal((await r.json()).error.type, 'overloaded_error');
});

// ---- Gemini ---------------------------------------------------------------

test('gemini: keys, models and unknown methods', async () => {
  let r = await fetch(`${MOCK}/v1beta/models`);
  assert.equal(r.status, 403);
  assert.deepEqual(await r.json(), { error: { code: 403,
    message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    status: 'PERMISSION_DENIED' } });
  r = await fetch(`${MOCK}/v1beta/models?key=nope`);
  assert.equal(r.status, 400);
  let j = await r.json();
  assert.equal(j.error.code, 400);
  assert.equal(j.error.status, 'INVALID_ARGUMENT');
  assert.equal(j.error.message, 'API key not valid. Please pass a valid API key.');
  assert.equal(j.error.details[0]['@type'], 'type.googleapis.com/google.rpc.ErrorInfo');
  assert.equal(j.error.details[0].reason, 'API_KEY_INVALID');

  r = await fetch(`${MOCK}/v1beta/models?key=${KEY}`);
  assert.equal(r.status, 200);
  j = await r.json();
  const flash = j.models.find((m) => m.name === 'models/gemini-2.5-flash');
  assert.ok(flash);
  assert.ok(flash.supportedGenerationMethods.includes('generateContent'));
  assert.equal(typeof flash.inputTokenLimit, 'number');
  const emb = j.models.find((m) => m.name === 'models/text-embedding-004');
  assert.deepEqual(emb.supportedGenerationMethods.includes('embedContent'), true);
  j.models.forEach((m) => assert.match(m.name, /^models\//));

  r = await fetch(`${MOCK}/v1beta/models?pageSize=2`, { headers: { 'x-goog-api-key': KEY } });
  j = await r.json();
  assert.equal(j.models.length, 2);
  assert.equal(typeof j.nextPageToken, 'string');
  r = await fetch(`${MOCK}/v1beta/models?pageSize=2&pageToken=${j.nextPageToken}`,
    { headers: { 'x-goog-api-key': KEY } });
  assert.notEqual((await r.json()).models[0].name, j.models[0].name);

  r = await fetch(`${MOCK}/v1beta/models/gemini-2.5-pro`, { headers: { 'x-goog-api-key': KEY } });
  assert.equal((await r.json()).name, 'models/gemini-2.5-pro');
  r = await fetch(`${MOCK}/v1beta/models/nope`, { headers: { 'x-goog-api-key': KEY } });
  assert.equal(r.status, 404);
  assert.equal((await r.json()).error.status, 'NOT_FOUND');

  r = await gem('text-embedding-004', 'generateContent',
    { contents: [{ parts: [{ text: 'x' }] }] });
  assert.equal(r.status, 404);
  assert.match((await r.json()).error.message, /not supported for generateContent/);
});

test('gemini: generateContent, exact shape and token counts', async () => {
  const mark = marker();
  const body = { systemInstruction: { parts: [{ text: 'be brief' }] },
    contents: [{ role: 'user', parts: [{ text: 'hello there world' }] }] };
  const r = await gem('gemini-2.5-flash', 'generateContent', body,
    { headers: { 'x-test-marker': mark } });
  assert.equal(r.status, 200);
  const j = await r.json();
  assert.equal(gemTokens(body), 11);
  assert.match(j.responseId, /^mock/);
  assert.deepEqual({ ...j, responseId: 'X' }, {
    candidates: [{ content: { parts: [{ text: 'w1 w2 w3 w4 w5' }], role: 'model' },
      finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 5,
      totalTokenCount: 16,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 11 }] },
    modelVersion: 'gemini-2.5-flash', responseId: 'X' });

  // snake_case spellings are the same request; countTokens agrees.
  const c = await gem('gemini-2.5-flash', 'countTokens',
    { contents: body.contents }, { headers: { 'x-test-marker': mark } });
  assert.deepEqual(await c.json(), { totalTokens: 6,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 6 }] });
  const c2 = await gem('gemini-2.5-flash', 'countTokens',
    { generateContentRequest: { model: 'models/gemini-2.5-flash', ...body } });
  assert.equal((await c2.json()).totalTokens, 11);
  const s = await gem('gemini-2.5-flash', 'generateContent', {
    system_instruction: body.systemInstruction, contents: body.contents,
    generation_config: { max_output_tokens: 2, candidate_count: 2 } });
  const sj = await s.json();
  assert.equal(sj.candidates.length, 2);
  assert.equal(sj.candidates[1].index, 1);
  assert.equal(sj.candidates[0].content.parts[0].text, 'w1 w2');
  assert.equal(sj.candidates[0].finishReason, 'MAX_TOKENS');
  assert.equal(sj.usageMetadata.candidatesTokenCount, 4);

  const rec = await recorded(mark);
  assert.equal(rec.length, 2);
  assert.equal(rec[0].path, '/v1beta/models/gemini-2.5-flash:generateContent');
  assert.equal(rec[0].headers['x-goog-api-key'], KEY);
  assert.deepEqual(JSON.parse(rec[0].body), body);
  assert.equal(rec[1].path, '/v1beta/models/gemini-2.5-flash:countTokens');
});

test('gemini: validation in Google\'s words', async () => {
  const ok = { contents: [{ role: 'user', parts: [{ text: 'x' }] }] };
  const cases = [
    [{ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] },
      'Please use a valid role: user, model.'],
    [{ ...ok, foo: 1 },
      'Invalid JSON payload received. Unknown name "foo": Cannot find field.'],
    [{ ...ok, generationConfig: { maxTokens: 5 } },
      'Invalid JSON payload received. Unknown name "maxTokens" at \'generation_config\': Cannot find field.'],
    [{ contents: [{ role: 'user', parts: [] }] },
      '* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.'],
    [{ contents: [] }, '* GenerateContentRequest.contents: contents is not specified'],
    [{ contents: [{ role: 'user', parts: [{ text: 'a', inlineData: {
      mimeType: 'image/png', data: 'AA==' } }] }] },
    /oneof field 'data' is already set/],
    [{ contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png',
      data: 'not base64!' } }] }] }, /Base64 decoding failed/],
    [{ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f',
      response: { a: 1 } } }] }] },
    'Please ensure that function response turn comes immediately after a function call turn.'],
    [{ contents: [{ role: 'user', parts: [{ text: 'x' }] }, { role: 'model',
      parts: [{ functionCall: { name: 'f', args: {} } },
        { functionCall: { name: 'g', args: {} } }] },
    { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] },
    'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.'],
    [{ ...ok, tools: [{ functionDeclarations: [{ name: '1bad' }] }] },
      /^\* GenerateContentRequest\.tools\[0\]\.function_declarations\[0\]\.name: Invalid function name/],
    [{ ...ok, toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } },
      /^Invalid value at 'tool_config\.function_calling_config\.mode'/],
    [{ ...ok, generationConfig: { temperature: 3 } }, /temperature must be in the range/],
    [{ ...ok, generationConfig: { responseMimeType: 'text/html' } }, /allowed mimetypes/],
  ];
  for (const [body, msg] of cases) {
    const r = await gem('gemini-2.5-flash', 'generateContent', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    const j = await r.json();
    assert.equal(j.error.code, 400);
    assert.equal(j.error.status, 'INVALID_ARGUMENT');
    if (msg instanceof RegExp) assert.match(j.error.message, msg);
    else assert.equal(j.error.message, msg);
  }
});

test('gemini: function calls and function responses', async () => {
  const tools = [{ functionDeclarations: [{ name: 'get_weather',
    parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' },
      days: { type: 'INTEGER' } } } }, { name: 'get_time',
    parametersJsonSchema: { type: 'object', properties: { tz: { enum: ['UTC'] } } } }] }];
  const base = { tools, contents: [{ role: 'user', parts: [{ text: 'weather?' }] }] };
  let j = await (await gem('gemini-2.5-flash', 'generateContent', base)).json();
  assert.ok(j.candidates[0].content.parts[0].text);

  j = await (await gem('gemini-2.5-flash', 'generateContent', base,
    { headers: { 'x-mock-tool-call': '1', 'x-mock-tool-calls': '2' } })).json();
  assert.deepEqual(j.candidates[0].content, { parts: [
    { functionCall: { name: 'get_weather', args: { city: 'x', days: 1 } } },
    { functionCall: { name: 'get_time', args: { tz: 'UTC' } } }], role: 'model' });
  assert.equal(j.candidates[0].finishReason, 'STOP');

  j = await (await gem('gemini-2.5-flash', 'generateContent', { ...base,
    toolConfig: { functionCallingConfig: { mode: 'ANY',
      allowedFunctionNames: ['get_time'] } } })).json();
  assert.deepEqual(j.candidates[0].content.parts,
    [{ functionCall: { name: 'get_time', args: { tz: 'UTC' } } }]);

  j = await (await gem('gemini-2.5-flash', 'generateContent', { ...base,
    toolConfig: { functionCallingConfig: { mode: 'NONE' } } },
  { headers: { 'x-mock-tool-call': '1' } })).json();
  assert.equal(j.candidates[0].content.parts[0].text, 'w1 w2 w3 w4 w5');

  const turn = { tools, contents: [
    { role: 'user', parts: [{ text: '[mock tool_call=1] weather?' }] },
    { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'x' } } }] },
    { role: 'user', parts: [{ functionResponse: { name: 'get_weather',
      response: { temp: '20C sunny' } } }] }] };
  j = await (await gem('gemini-2.5-flash', 'generateContent', turn)).json();
  assert.equal(j.candidates[0].content.parts[0].text,
    'Result: {"temp":"20C sunny"} w1 w2 w3 w4 w5');
  assert.equal(j.usageMetadata.promptTokenCount, gemTokens(turn));
  assert.equal(j.usageMetadata.candidatesTokenCount, 8);
});

test('gemini: streams (SSE with CRLF, JSON array), usage growing', async () => {
  const mark = marker();
  const body = { contents: [{ role: 'user', parts: [{ text: '[mock chunks=3] hi' }] }] };
  let r = await gem('gemini-2.5-flash', 'streamGenerateContent', body,
    { query: '?alt=sse', headers: { 'x-test-marker': mark } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  const s = await readSSE(r);
  assert.ok(s.clean);
  assert.ok(s.raw.includes('}\r\n\r\ndata: '), 'events end with CRLF CRLF');
  const d = s.events.map((e) => JSON.parse(e.data));
  assert.equal(d.length, 3);
  assert.deepEqual(d.map((x) => x.candidates[0].content.parts[0].text),
    ['w1', ' w2', ' w3']);
  assert.deepEqual(d.map((x) => x.candidates[0].finishReason),
    [undefined, undefined, 'STOP']);
  assert.deepEqual(d.map((x) => x.usageMetadata.candidatesTokenCount), [1, 2, 3]);
  const prompt = gemTokens(body);
  d.forEach((x, i) => {
    assert.equal(x.usageMetadata.promptTokenCount, prompt);
    assert.equal(x.usageMetadata.totalTokenCount, prompt + i + 1);
    assert.equal(x.modelVersion, 'gemini-2.5-flash');
    assert.equal(x.responseId, d[0].responseId);
  });
  const rec = (await eventually(async () => {
    const x = await recorded(mark);
    return x.length && x[0].completed !== null ? x : null;
  }))[0];
  assert.equal(rec.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  assert.equal(rec.stream, true);
  assert.equal(rec.chunks, 3);

  r = await gem('gemini-2.5-flash', 'streamGenerateContent', body);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const arr = JSON.parse(await r.text());
  assert.equal(arr.length, 3);
  assert.equal(arr[2].candidates[0].finishReason, 'STOP');
  assert.equal(arr.map((x) => x.candidates[0].content.parts[0].text).join(''),
    'w1 w2 w3');

  // Function calls come whole in one chunk.
  r = await gem('gemini-2.5-flash', 'streamGenerateContent', {
    ...body, tools: [{ functionDeclarations: [{ name: 'f',
      parameters: { type: 'OBJECT', properties: { a: { type: 'STRING' } } } }] }],
    toolConfig: { functionCallingConfig: { mode: 'ANY' } } }, { query: '?alt=sse' });
  const fc = (await readSSE(r)).events.map((e) => JSON.parse(e.data));
  assert.equal(fc.length, 1);
  assert.deepEqual(fc[0].candidates[0].content.parts,
    [{ functionCall: { name: 'f', args: { a: 'x' } } }]);
  assert.equal(fc[0].candidates[0].finishReason, 'STOP');

  // Thoughts: parts marked thought, thoughtsTokenCount on every chunk.
  r = await gem('gemini-2.5-flash', 'streamGenerateContent', { ...body,
    generationConfig: { thinkingConfig: { includeThoughts: true, thinkingBudget: 2 } } },
  { query: '?alt=sse' });
  const th = (await readSSE(r)).events.map((e) => JSON.parse(e.data));
  assert.equal(th.length, 5);
  assert.deepEqual(th[0].candidates[0].content.parts[0], { text: 't1', thought: true });
  assert.equal(th[0].usageMetadata.candidatesTokenCount, undefined);
  th.forEach((x) => assert.equal(x.usageMetadata.thoughtsTokenCount, 2));
  assert.equal(th[4].usageMetadata.totalTokenCount, prompt + 3 + 2);
});

test('gemini: stream timing, mid-stream error, break', async () => {
  const body = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
  const t0 = Date.now();
  let r = await gem('gemini-2.5-flash', 'streamGenerateContent', body, {
    query: '?alt=sse', headers: { 'x-mock-ttft-ms': '300', 'x-mock-interval-ms': '60' } });
  let s = await readSSE(r);
  assert.ok(s.events[0].t - t0 >= 280);
  assert.equal(s.events.length, 5);

  r = await gem('gemini-2.5-flash', 'streamGenerateContent', body, {
    query: '?alt=sse', headers: { 'x-mock-error-after': '2' } });
  s = await readSSE(r);
  assert.equal(s.events.length, 3);
  assert.deepEqual(JSON.parse(s.events[2].data), { error: { code: 503,
    message: 'The model is overloaded. Please try again later.',
    status: 'UNAVAILABLE' } });

  r = await gem('gemini-2.5-flash', 'streamGenerateContent', body, {
    headers: { 'x-mock-error-after': '1' } });
  const arr = JSON.parse(await r.text());
  assert.equal(arr.length, 2);
  assert.equal(arr[1].error.status, 'UNAVAILABLE');

  r = await gem('gemini-2.5-flash', 'streamGenerateContent', body, {
    query: '?alt=sse', headers: { 'x-mock-disconnect-after': '2' } });
  s = await readSSE(r);
  assert.equal(s.clean, false);
  assert.equal(s.events.length, 2);
});

test('gemini: stop sequences, safety blocks, cache, injected errors', async () => {
  const body = { contents: [{ role: 'user', parts: [{ text: 'x' }] }] };
  let j = await (await gem('gemini-2.5-flash', 'generateContent', { ...body,
    generationConfig: { stopSequences: ['w3'] } })).json();
  assert.equal(j.candidates[0].content.parts[0].text, 'w1 w2');
  assert.equal(j.candidates[0].finishReason, 'STOP');

  j = await (await gem('gemini-2.5-flash', 'generateContent', body,
    { headers: { 'x-mock-block': '1' } })).json();
  assert.equal(j.candidates, undefined);
  assert.equal(j.promptFeedback.blockReason, 'SAFETY');
  assert.deepEqual(j.usageMetadata, { promptTokenCount: 4, totalTokenCount: 4,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 4 }] });

  j = await (await gem('gemini-2.5-flash', 'generateContent', {
    contents: [{ role: 'user', parts: [{ text: '[mock block=2] x' }] }] })).json();
  assert.equal(j.candidates[0].finishReason, 'SAFETY');
  assert.equal(j.candidates[0].content, undefined);
  assert.ok(j.candidates[0].safetyRatings.some((x) => x.blocked === true));

  j = await (await gem('gemini-2.5-flash', 'generateContent', body,
    { headers: { 'x-mock-cache-read': '40' } })).json();
  assert.equal(j.usageMetadata.promptTokenCount, 44);
  assert.equal(j.usageMetadata.cachedContentTokenCount, 40);
  assert.equal(j.usageMetadata.totalTokenCount, 49);

  const want = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED',
    500: 'INTERNAL', 503: 'UNAVAILABLE' };
  for (const [st, status] of Object.entries(want)) {
    const r = await gem('gemini-2.5-flash', 'generateContent', body,
      { headers: { 'x-mock-status': st, 'x-mock-retry-after': '3' } });
    assert.equal(r.status, Number(st));
    const e = (await r.json()).error;
    assert.equal(e.code, Number(st));
    assert.equal(e.status, status);
    assert.equal(typeof e.message, 'string');
    if (st === '429') assert.deepEqual(e.details, [{
      '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' }]);
  }
});

test('gemini: embedContent and batchEmbedContents', async () => {
  const one = async (text, extra = {}) => {
    const r = await gem('text-embedding-004', 'embedContent',
      { content: { parts: [{ text }] }, ...extra });
    assert.equal(r.status, 200);
    const j = await r.json();
    assert.deepEqual(Object.keys(j), ['embedding']);
    return j.embedding.values;
  };
  const a = await one('hello');
  assert.equal(a.length, 768);
  assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-5);
  assert.deepEqual(await one('hello'), a);
  assert.notDeepEqual(await one('bye'), a);
  assert.equal((await one('hello', { outputDimensionality: 16 })).length, 16);

  const r = await gem('gemini-embedding-001', 'batchEmbedContents', { requests: [
    { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] } },
    { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'b' }] },
      outputDimensionality: 8 }] });
  assert.equal(r.status, 200);
  const j = await r.json();
  assert.deepEqual(j.embeddings.map((e) => e.values.length), [3072, 8]);

  let bad = await gem('gemini-embedding-001', 'batchEmbedContents', { requests: [
    { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } }] });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /does not match the model in the URL/);
  bad = await gem('text-embedding-004', 'embedContent',
    { content: { parts: [{ text: 'a' }] }, outputDimensionality: 5000 });
  assert.equal(bad.status, 400);
  bad = await gem('text-embedding-004', 'embedContent',
    { content: { parts: [{ text: '[mock status=429] a' }] } });
  assert.equal(bad.status, 429);
});
