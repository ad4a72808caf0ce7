// The official `@anthropic-ai/sdk` against Nexhina's POST /v1/messages
// (issue 4), through lighttpd and Apache, reaching an anthropic channel
// (native: the request goes as it came) and an openai channel (converted
// to chat and back): messages.create, messages.stream and create with
// stream: true (event order, text, finalMessage usage), a tool use round
// trip, count_tokens, cache tokens, the model name a client asked for
// under model_mapping, the log rows and their quota, and errors in
// Anthropic's shape so that the SDK raises the right error classes.
//
// Expected numbers come from tools/mock-upstream/README.md: Anthropic
// input_tokens = per message 3 + words of its text (and tool_result
// text), + 3 + words of system; chat prompt_tokens the same per message
// with the system prompt as one; the answer "w1 ... wK", K = 5.
import test from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import {
  servers, tenant, logsFor, mockRequests, eventually, sentWith, uniq,
} from '../integration/lib.mjs';

const SONNET = 'claude-sonnet-4-20250514';
const OPUS = 'claude-opus-4-20250514';

// Seeded multipliers in millionths (docs/pricing.md, schema/0001_init.sql;
// cache writes at 1.25x input from schema/0004_cache_write.sql).
const PRICES = {
  [SONNET]: { in: 6000000n, out: 30000000n, cache: 600000n, write: 7500000n },
  [OPUS]: { in: 15000000n, out: 75000000n, cache: 1500000n, write: 18750000n },
};

// docs/pricing.md: ceil((uncached x input_u + cached x cache_u + written
// x cache_write_u + completion x output_u) x base_price x ratio / 10^18),
// ratio 1x.
function quotaFor(model, { prompt, completion, cached = 0, written = 0 }) {
  const p = PRICES[model];
  const num = (BigInt(prompt - cached - written) * p.in + BigInt(cached) * p.cache
    + BigInt(written) * p.write + BigInt(completion) * p.out) * 75000n * 1000000n;
  const den = 10n ** 18n;
  return Number((num + den - 1n) / den);
}

const words = (s) => s.split(/\s+/).filter(Boolean).length;

// The SDK (1.x) sends its own `anthropic-version` (2026-10-21), which the
// gateway passes on to anthropic channels (docs/providers.md); the tests
// use the SDK's own headers throughout.
const client = (key, base, headers) => new Anthropic({ apiKey: key, baseURL: base,
  maxRetries: 0, defaultHeaders: headers });

// The two channel kinds: the upstream path the mock must see, and the
// upstream name OPUS is mapped to (the client must never see it).
const KINDS = [
  { kind: 'anthropic', path: '/v1/messages', mapped: 'claude-opus-upstream', headers: undefined },
  { kind: 'openai', path: '/v1/chat/completions', mapped: 'gpt-4o', headers: undefined },
];

function setup(kind, extra = {}) {
  return tenant({ type: kind.kind, models: `${SONNET},${OPUS}`,
    mapping: { [OPUS]: kind.mapped }, ...extra });
}


function lastLog(t, n = 1) {
  return eventually(() => {
    const l = logsFor(t.tokenId);
    return l.length >= n ? l : null;
  });
}

function checkLog(l, model, { prompt, completion, cached = 0, written = 0, stream, mapped }) {
  assert.equal(l.type, '2', 'a consume row');
  assert.equal(l.model_name, model, 'logged under the model the client asked for');
  assert.equal(Number(l.prompt_tokens), prompt, 'prompt tokens');
  assert.equal(Number(l.completion_tokens), completion, 'completion tokens');
  assert.equal(Number(l.quota), quotaFor(model, { prompt, completion, cached, written }),
    'quota from the price');
  assert.equal(l.is_stream, stream ? '1' : '0');
  assert.equal(l.status, '200');
  if (stream) assert.equal(l.stream_status, 'ok');
  const other = JSON.parse(l.other);
  assert.equal(other.cached_tokens, cached, 'cached tokens billed as cached');
  assert.equal(other.cache_write_tokens, written, 'cache writes billed as writes');
  assert.equal(BigInt(other.cache_write_u), PRICES[model].write);
  assert.equal(other.usage_source, 'upstream');
  assert.equal(BigInt(other.input_u), PRICES[model].in);
  assert.equal(BigInt(other.output_u), PRICES[model].out);
  if (mapped) assert.equal(other.upstream_model, mapped);
}

const TOOLS = [{
  name: 'get_weather',
  description: 'Weather of a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
    required: ['city'],
  },
}];
// The mock's arguments for TOOLS[0]: strings "x", first enum value.
const TOOL_INPUT = { city: 'x', unit: 'c' };

// What an error must look like: the SDK class, the HTTP status, and
// Anthropic's {"type":"error","error":{"type","message"}} body.
async function expectError(promise, Cls, status, type, msgRe) {
  let err = null;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'the call failed');
  assert.ok(err instanceof Cls, `${Cls.name} expected, got ${err?.constructor?.name}: ${err?.message}`);
  assert.equal(err.status, status);
  assert.equal(err.error?.type, 'error', 'Anthropic error envelope');
  assert.equal(err.error?.error?.type, type, 'Anthropic error type');
  assert.equal(typeof err.error?.error?.message, 'string');
  if (msgRe) assert.match(err.error.error.message, msgRe);
  return err;
}

for (const [name, base] of servers) {
  for (const K of KINDS) {
    const label = `${name}: anthropic SDK -> ${K.kind} channel`;

    test(`${label}: messages.create`, async () => {
      const t = setup(K);
      const marker = uniq('mk');
      const user = `hello there world ${marker}`;
      const r = await client(t.key, base, K.headers).messages.create({
        model: OPUS,
        max_tokens: 100,
        system: 'be brief',
        messages: [{ role: 'user', content: user }],
      });
      assert.equal(r.type, 'message');
      assert.equal(r.role, 'assistant');
      assert.equal(r.model, OPUS, 'the client sees the model it asked for, not the mapped one');
      assert.deepEqual(r.content.map((b) => b.type), ['text']);
      assert.equal(r.content[0].text, 'w1 w2 w3 w4 w5');
      assert.equal(r.stop_reason, 'end_turn');
      const prompt = (3 + 2) + (3 + words(user));
      assert.equal(r.usage.input_tokens, prompt);
      assert.equal(r.usage.output_tokens, 5);

      const [sent] = await sentWith(marker, K.path);
      const body = JSON.parse(sent.body);
      assert.equal(body.model, K.mapped, 'the channel got the mapped model');
      if (K.kind === 'anthropic') {
        assert.equal(sent.headers['x-api-key'], 'sk-mock-upstream');
        assert.equal(sent.headers['anthropic-version'], '2026-10-21', 'the client version passed on');
        assert.deepEqual(body, { model: K.mapped, max_tokens: 100, system: 'be brief',
          messages: [{ role: 'user', content: user }] }, 'native: the request as it came');
      } else {
        assert.equal(sent.headers.authorization, 'Bearer sk-mock-upstream');
        assert.deepEqual(body.messages, [{ role: 'system', content: 'be brief' },
          { role: 'user', content: user }]);
      }
      const [l] = await lastLog(t);
      checkLog(l, OPUS, { prompt, completion: 5, stream: false, mapped: K.mapped });
    });

    test(`${label}: messages.stream: event order, text, finalMessage usage`, async () => {
      const t = setup(K);
      const marker = uniq('mk');
      const user = `stream to the sdk ${marker}`;
      const stream = client(t.key, base, K.headers).messages.stream({
        model: OPUS,
        max_tokens: 100,
        system: 'be brief',
        messages: [{ role: 'user', content: user }],
      });
      const types = [];
      let text = '';
      let snapshotText = '';
      stream.on('text', (delta, snap) => { snapshotText = snap; });
      for await (const ev of stream) {
        types.push(ev.type);
        if (ev.type === 'message_start') {
          assert.equal(ev.message.model, OPUS, 'message_start names the asked model');
          assert.deepEqual(ev.message.content, []);
        }
        if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
      }
      assert.deepEqual(types, ['message_start', 'content_block_start',
        'content_block_delta', 'content_block_delta', 'content_block_delta',
        'content_block_delta', 'content_block_delta', 'content_block_stop',
        'message_delta', 'message_stop']);
      assert.equal(text, 'w1 w2 w3 w4 w5');
      assert.equal(snapshotText, text, 'the SDK snapshot agrees');
      const fin = await stream.finalMessage();
      const prompt = (3 + 2) + (3 + words(user));
      assert.equal(fin.model, OPUS);
      assert.equal(fin.stop_reason, 'end_turn');
      assert.equal(fin.content[0].text, 'w1 w2 w3 w4 w5');
      assert.equal(fin.usage.input_tokens, prompt, 'final input_tokens are the upstream count');
      assert.equal(fin.usage.output_tokens, 5);

      const [sent] = await sentWith(marker, K.path);
      assert.equal(JSON.parse(sent.body).stream, true);
      assert.equal(sent.stream, true);
      const [l] = await lastLog(t);
      checkLog(l, OPUS, { prompt, completion: 5, stream: true, mapped: K.mapped });
    });

    test(`${label}: tool use round trip (streamed call, then tool_result)`, async () => {
      const t = setup(K);
      const c = client(t.key, base, K.headers);
      const marker = uniq('mk');
      const question = `Weather in Paris ${marker}?`;
      // 1. create({stream: true}): the tool_use block assembled from
      // input_json_delta events.
      const stream = await c.messages.create({
        model: SONNET,
        max_tokens: 200,
        tools: TOOLS,
        tool_choice: { type: 'tool', name: 'get_weather' },
        messages: [{ role: 'user', content: question }],
        stream: true,
      });
      const blocks = [];
      const types = [];
      let stop = null;
      let outTokens = null;
      for await (const ev of stream) {
        types.push(ev.type);
        if (ev.type === 'content_block_start') blocks[ev.index] = { ...ev.content_block, json: '' };
        if (ev.type === 'content_block_delta' && ev.delta.type === 'input_json_delta') {
          blocks[ev.index].json += ev.delta.partial_json;
        }
        if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') {
          blocks[ev.index].text += ev.delta.text;
        }
        if (ev.type === 'message_delta') {
          stop = ev.delta.stop_reason;
          outTokens = ev.usage.output_tokens;
        }
      }
      assert.equal(types[0], 'message_start');
      assert.equal(types.at(-1), 'message_stop');
      assert.equal(types.at(-2), 'message_delta');
      assert.equal(stop, 'tool_use');
      const uses = blocks.filter((b) => b.type === 'tool_use');
      assert.equal(uses.length, 1, 'one tool_use block');
      const tu = uses[0];
      assert.equal(tu.name, 'get_weather');
      assert.equal(typeof tu.id, 'string');
      assert.ok(tu.id.length > 0);
      assert.deepEqual(JSON.parse(tu.json), TOOL_INPUT, 'input assembled from the deltas');
      // Output tokens: the mock counts the argument pieces (min(5, JSON
      // length)) and, on an anthropic channel, its 5 text words too.
      const textBlock = blocks.find((b) => b.type === 'text');
      if (textBlock) assert.equal(textBlock.text, 'w1 w2 w3 w4 w5');
      assert.equal(outTokens, 5 + (textBlock ? 5 : 0));

      // 2. the tool_result goes back; the answer is text.
      const assistant = blocks.map((b) => (b.type === 'tool_use'
        ? { type: 'tool_use', id: b.id, name: b.name, input: JSON.parse(b.json) }
        : { type: 'text', text: b.text }));
      const r2 = await c.messages.create({
        model: SONNET,
        max_tokens: 200,
        tools: TOOLS,
        messages: [
          { role: 'user', content: question },
          { role: 'assistant', content: assistant },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: tu.id, content: 'sunny and 20C' }] },
        ],
      });
      assert.equal(r2.model, SONNET);
      assert.equal(r2.stop_reason, 'end_turn');
      assert.deepEqual(r2.content.map((b) => b.type), ['text']);
      const sent = (await sentWith(marker, K.path, { also: 'sunny and 20C' })).at(-1);
      const body = JSON.parse(sent.body);
      if (K.kind === 'anthropic') {
        // The mock leads its answer with the tool results it was sent.
        assert.equal(r2.content[0].text, 'Result: sunny and 20C w1 w2 w3 w4 w5');
        assert.deepEqual(body.messages[2].content,
          [{ type: 'tool_result', tool_use_id: tu.id, content: 'sunny and 20C' }]);
        assert.equal(r2.usage.input_tokens, (3 + words(question)) + (3 + 5) + (3 + 3));
      } else {
        assert.equal(r2.content[0].text, 'w1 w2 w3 w4 w5');
        const asst = body.messages.find((m) => m.role === 'assistant');
        assert.equal(asst.tool_calls.length, 1);
        assert.equal(asst.tool_calls[0].id, tu.id, 'tool_use id -> tool_calls id');
        assert.equal(asst.tool_calls[0].function.name, 'get_weather');
        assert.deepEqual(JSON.parse(asst.tool_calls[0].function.arguments), TOOL_INPUT);
        const tool = body.messages.find((m) => m.role === 'tool');
        assert.equal(tool.tool_call_id, tu.id, 'tool_result -> tool message for that call');
        assert.equal(tool.content, 'sunny and 20C');
        assert.deepEqual(body.tools.map((x) => x.function.name), ['get_weather']);
      }
      const logs = await lastLog(t, 2);
      assert.equal(logs.length, 2);
      checkLog(logs[0], SONNET, { prompt: 3 + words(question), completion: outTokens,
        stream: true });
      checkLog(logs[1], SONNET, { prompt: r2.usage.input_tokens, completion: r2.usage.output_tokens,
        stream: false });
    });

    test(`${label}: count_tokens is free and not logged`, async () => {
      const t = setup(K);
      const marker = uniq('mk');
      const params = {
        model: OPUS,
        system: 'be brief',
        messages: [
          { role: 'user', content: `count these words ${marker}` },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'x' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny and 20C' }] },
        ],
        tools: TOOLS,
      };
      const r = await client(t.key, base, K.headers).messages.countTokens(params);
      assert.ok(Number.isInteger(r.input_tokens) && r.input_tokens > 0, JSON.stringify(r));
      if (K.kind === 'anthropic') {
        // Asked of the anthropic channel: the mock's exact count.
        assert.equal(r.input_tokens, (3 + 2) + (3 + 4) + 3 + (3 + 3));
        const [sent] = await sentWith(marker, '/v1/messages/count_tokens');
        const body = JSON.parse(sent.body);
        assert.equal(body.model, K.mapped);
        assert.equal(body.max_tokens, undefined, 'no max_tokens reaches count_tokens');
      } else {
        // No anthropic channel: the gateway's estimate, nothing upstream.
        const seen = (await mockRequests()).filter((m) => m.body.includes(marker));
        assert.deepEqual(seen, []);
      }
      assert.deepEqual(logsFor(t.tokenId), [], 'count_tokens writes no log row');
    });
  }

  test(`${name}: raw Messages request: x-api-key auth, the client's anthropic-version and -beta passed on`, async () => {
    const t = setup(KINDS[0]);
    const marker = uniq('mk');
    const res = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': t.key,
        'anthropic-version': '2023-01-01', 'anthropic-beta': 'tools-2024-04-04' },
      body: JSON.stringify({ model: SONNET, max_tokens: 50,
        messages: [{ role: 'user', content: `hi ${marker}` }] }),
    });
    assert.equal(res.status, 200);
    const b = await res.json();
    assert.equal(b.content[0].text, 'w1 w2 w3 w4 w5');
    const [sent] = await sentWith(marker, '/v1/messages');
    assert.equal(sent.headers['anthropic-version'], '2023-01-01');
    assert.equal(sent.headers['anthropic-beta'], 'tools-2024-04-04');
    assert.equal(sent.headers['x-api-key'], 'sk-mock-upstream', 'the channel key, not the client key');
    // Without a version header the gateway sends 2023-06-01.
    const res2 = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': t.key },
      body: JSON.stringify({ model: SONNET, max_tokens: 50,
        messages: [{ role: 'user', content: `again ${marker}` }] }),
    });
    assert.equal(res2.status, 200);
    const again = (await sentWith(`again ${marker}`, '/v1/messages'))[0];
    assert.equal(again.headers['anthropic-version'], '2023-06-01');
  });

  test(`${name}: anthropic SDK: cache reads and writes are billed at their prices (create and stream)`, async () => {
    const t = setup(KINDS[0]);
    const c = client(t.key, base);
    const user = 'hello there world';
    const r = await c.messages.create({
      model: OPUS,
      max_tokens: 100,
      metadata: { user_id: 'mock:cache_read=7,cache_write=4' },
      messages: [{ role: 'user', content: user }],
    });
    assert.equal(r.usage.input_tokens, 6);
    assert.equal(r.usage.cache_read_input_tokens, 7);
    assert.equal(r.usage.cache_creation_input_tokens, 4);
    const stream = c.messages.stream({
      model: OPUS,
      max_tokens: 100,
      metadata: { user_id: 'mock:cache_read=9,cache_write=12,chunks=3' },
      messages: [{ role: 'user', content: user }],
    });
    const fin = await stream.finalMessage();
    assert.equal(fin.usage.cache_read_input_tokens, 9);
    assert.equal(fin.usage.cache_creation_input_tokens, 12);
    assert.equal(fin.usage.output_tokens, 3);
    const logs = await lastLog(t, 2);
    // prompt = input + cache reads + cache writes.
    checkLog(logs[0], OPUS, { prompt: 6 + 7 + 4, cached: 7, written: 4, completion: 5, stream: false });
    checkLog(logs[1], OPUS, { prompt: 6 + 9 + 12, cached: 9, written: 12, completion: 3, stream: true });
    const asInput = quotaFor(OPUS, { prompt: 6 + 9 + 12, cached: 9, completion: 3 });
    assert.ok(Number(logs[1].quota) > asInput, `writes cost more than input (${logs[1].quota} > ${asInput})`);
    assert.ok(Number(logs[1].quota) < quotaFor(OPUS, { prompt: 6 + 9 + 12, written: 21, completion: 3 }),
      'reads cost less than writes');
  });

  test(`${name}: anthropic SDK errors: classes and Anthropic's shape`, async () => {
    const t = setup(KINDS[1]);
    const c = client(t.key, base);
    const msg = { role: 'user', content: 'hi' };

    await expectError(client('sk-' + 'x'.repeat(48), base).messages.create({
      model: SONNET, max_tokens: 10, messages: [msg] }),
    Anthropic.AuthenticationError, 401, 'authentication_error');

    await expectError(c.messages.create({ model: 'claude-no-such-model-1', max_tokens: 10,
      messages: [msg] }), Anthropic.NotFoundError, 404, 'not_found_error', /claude-no-such-model-1/);

    // A priced model no channel of the group serves: 503 overloaded_error.
    await expectError(c.messages.create({ model: 'gpt-4.1', max_tokens: 10, messages: [msg] }),
      Anthropic.ServiceUnavailableError, 503, 'overloaded_error');

    // A key limited to SONNET may not use OPUS, though its group may.
    const limited = tenant({ type: 'anthropic', models: `${SONNET},${OPUS}`,
      keyArgs: ['--unlimited', '--models', SONNET] });
    await expectError(client(limited.key, base).messages.create({ model: OPUS, max_tokens: 10,
      messages: [msg] }), Anthropic.PermissionDeniedError, 403, 'permission_error');

    // Quota that cannot cover the hold: 402 billing_error.
    const poor = tenant({ type: 'anthropic', models: SONNET, quota: 1 });
    await expectError(client(poor.key, base).messages.create({ model: SONNET, max_tokens: 100,
      messages: [msg] }), Anthropic.PaymentRequiredError, 402, 'billing_error');

    assert.deepEqual(logsFor(limited.tokenId), []);
  });

  test(`${name}: anthropic SDK: a missing max_tokens is a BadRequestError naming it once`, async () => {
    const t = setup(KINDS[1]);
    const bad = await expectError(client(t.key, base).messages.create({ model: SONNET,
      messages: [{ role: 'user', content: 'hi' }] }),
    Anthropic.BadRequestError, 400, 'invalid_request_error', /max_tokens/);
    // Anthropic writes "max_tokens: Field required": the path once.
    assert.doesNotMatch(bad.error.error.message, /max_tokens:.*max_tokens:/,
      'the field path is not repeated');
    assert.deepEqual(logsFor(t.tokenId), [], 'refused before any hold');
  });

  test(`${name}: anthropic SDK: RPM 1 -> RateLimitError on the second call`, async () => {
    const t = tenant({ type: 'anthropic', models: SONNET, keyArgs: ['--unlimited', '--rpm', '1'] });
    const c = client(t.key, base);
    const params = { model: SONNET, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const r = await c.messages.create(params);
    assert.equal(r.type, 'message');
    const e = await expectError(c.messages.create(params), Anthropic.RateLimitError, 429,
      'rate_limit_error');
    assert.match(e.headers.get('retry-after') ?? '', /^[0-9]+$/, 'Retry-After on the 429');
    const l = logsFor(t.tokenId).filter((x) => x.type === '2');
    assert.equal(l.length, 1, 'only the first call was served');
  });

  test(`${name}: anthropic SDK: upstream errors keep Anthropic's shape`, async () => {
    const t = setup(KINDS[0]);
    const c = client(t.key, base);
    // An upstream 400 (the client's fault) passes through as such.
    await expectError(c.messages.create({ model: SONNET, max_tokens: 10,
      metadata: { user_id: 'mock:status=400' }, messages: [{ role: 'user', content: 'hi' }] }),
    Anthropic.BadRequestError, 400, 'invalid_request_error');
    // A failure after the stream began arrives as an `event: error`,
    // which the SDK raises as an APIError of that type.
    const stream = c.messages.stream({ model: SONNET, max_tokens: 100,
      metadata: { user_id: 'mock:error_after=2' }, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let err = null;
    try {
      for await (const ev of stream) {
        if (ev.type === 'content_block_delta') text += ev.delta.text;
      }
    } catch (e) {
      err = e;
    }
    assert.equal(text, 'w1 w2', 'the words before the failure arrived');
    assert.ok(err instanceof Anthropic.APIError, `APIError expected, got ${err}`);
    assert.match(String(err.message), /overloaded_error|Overloaded/);
    const l = await eventually(() => logsFor(t.tokenId).find((x) => x.is_stream === '1'));
    assert.equal(l.stream_status, 'upstream_error');
  });
}
