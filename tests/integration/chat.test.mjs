// POST /v1/chat/completions end to end through lighttpd and Apache (each
// started from deploy/), the FastCGI workers, MariaDB and the mock upstream:
// what the client got, what the mock received, the log row, the quota left.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  servers, tenant, post, readEvents, mockRequests, mockClear, logsFor,
  userQuota, quotaOf, mockPromptTokens, eventually, one, ctl, sleep,
} from './lib.mjs';
import { assertSchema } from './schema.mjs';

const AUTH_401 = '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}';
const msgs = [{ role: 'system', content: 'be brief' },
  { role: 'user', content: 'Hello there friend' }];

async function lastMockChat() {
  const all = await mockRequests();
  const chats = all.filter((r) => r.path.startsWith('/v1/chat/completions'));
  return chats[chats.length - 1];
}

for (const [name, base] of servers) {
  test(`${name}: non-stream chat is answered, recorded, logged and billed`, async () => {
    const t = tenant();
    const q0 = userQuota(t.userId);
    await mockClear();
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, temperature: 0.5, user: 'abc',
        metadata: { mock_chunks: '7' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
    const body = await res.json();
    assert.equal(body.object, 'chat.completion');
    assertSchema(body, 'CreateChatCompletionResponse');
    assert.equal(body.model, 'gpt-4o-mini');
    assert.equal(body.choices[0].message.content.split(' ').length, 7);
    const prompt = mockPromptTokens(msgs);
    assert.equal(body.usage.prompt_tokens, prompt);
    assert.equal(body.usage.completion_tokens, 7);

    const up = await lastMockChat();
    const sent = JSON.parse(up.body);
    assert.equal(sent.model, 'gpt-4o-mini');
    assert.deepEqual(sent.messages, msgs);
    assert.equal(sent.temperature, 0.5, 'unknown-to-gateway fields pass through');
    assert.equal(sent.user, 'abc');
    assert.equal(up.headers.authorization ?? up.headers.Authorization,
      'Bearer sk-mock-upstream', 'channel credential sent upstream');

    const logs = logsFor(t.tokenId);
    assert.equal(logs.length, 1);
    const l = logs[0];
    assert.equal(l.type, '2');
    assert.equal(l.request_id, res.headers.get('x-request-id'));
    assert.equal(Number(l.prompt_tokens), prompt);
    assert.equal(Number(l.completion_tokens), 7);
    const want = quotaOf(prompt, 7);
    assert.equal(Number(l.quota), want);
    const other = JSON.parse(l.other);
    assert.equal(other.base_price, 75000);
    assert.equal(other.input_u, 1000000);
    assert.equal(other.usage_source, 'upstream');
    assert.equal(userQuota(t.userId), q0 - want, 'user charged exactly the logged quota');
    const [used, holds] = one(`SELECT used_quota, (SELECT COUNT(*) FROM quota_holds WHERE token_id=${t.tokenId}) FROM tokens WHERE id=${t.tokenId}`);
    assert.equal(Number(used), want);
    assert.equal(Number(holds), 0, 'hold released');
  });

  test(`${name}: stream relays chunks with usage null, hides usage not asked for, ends with [DONE]`, async () => {
    const t = tenant();
    await mockClear();
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, stream: true, metadata: { mock_chunks: '4' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const { events } = await readEvents(res);
    assert.equal(events[events.length - 1].data, '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    for (const c of chunks) {
      assert.equal(c.object, 'chat.completion.chunk');
      assertSchema(c, 'CreateChatCompletionStreamResponse');
      assert.ok('usage' in c && c.usage === null, 'usage: null on ordinary chunks');
      assert.ok(c.choices.length > 0, 'no usage-only chunk');
    }
    const text = chunks.map((c) => c.choices[0].delta.content ?? '').join('');
    assert.equal(text.trim().split(' ').length, 4);
    const sent = JSON.parse((await lastMockChat()).body);
    assert.equal(sent.stream_options.include_usage, true, 'usage always requested upstream');
    const l = (await eventually(() => logsFor(t.tokenId).length && logsFor(t.tokenId)))[0];
    assert.equal(l.is_stream, '1');
    assert.equal(l.stream_status, 'ok');
    assert.equal(Number(l.completion_tokens), 4);
    assert.equal(Number(l.quota), quotaOf(mockPromptTokens(msgs), 4));
  });

  test(`${name}: stream with include_usage gets the usage chunk before [DONE]`, async () => {
    const t = tenant();
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, stream: true,
        stream_options: { include_usage: true }, metadata: { mock_chunks: '3' } });
    const { events } = await readEvents(res);
    assert.equal(events.at(-1).data, '[DONE]');
    const last = JSON.parse(events.at(-2).data);
    assert.deepEqual(last.choices, []);
    for (const e of events.slice(0, -1)) assertSchema(JSON.parse(e.data), 'CreateChatCompletionStreamResponse');
    assert.equal(last.usage.completion_tokens, 3);
    assert.equal(last.usage.prompt_tokens, mockPromptTokens(msgs));
  });

  test(`${name}: no buffering: each chunk arrives before the mock emits the next`, async () => {
    const t = tenant();
    await mockClear();
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, stream: true,
        metadata: { mock_chunks: '5', mock_interval_ms: '200' } });
    const { events } = await readEvents(res);
    const up = await eventually(async () => {
      const r = await lastMockChat();
      return r && r.chunk_times_ms && r.completed !== undefined && r.chunk_times_ms.length >= 7 ? r : null;
    });
    const sentAt = up.chunk_times_ms; // role chunk, 5 words, finish, usage...
    const got = events.filter((e) => e.data !== '[DONE]').map((e) => e.t);
    for (const e of events.filter((x) => x.data !== '[DONE]')) {
      assertSchema(JSON.parse(e.data), 'CreateChatCompletionStreamResponse');
    }
    // chunk i reached the client before the mock wrote chunk i+1 (200 ms later)
    for (let i = 1; i < 5; i++) {
      assert.ok(got[i] < sentAt[i + 1],
        `chunk ${i} arrived at ${got[i]}, mock sent the next at ${sentAt[i + 1]}`);
    }
  });

  test(`${name}: auth failures give the exact 401 body`, async () => {
    const cases = [
      {},
      { Authorization: 'Bearer sk-nope' },
      { Authorization: 'Bearer  sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
      { Authorization: 'Bearer sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
      { Authorization: 'Basic abc' },
    ];
    for (const h of cases) {
      const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST',
        headers: { 'Content-Type': 'application/json', ...h }, body: '{}' });
      assert.equal(res.status, 401, JSON.stringify(h));
      assert.equal(await res.text(), AUTH_401);
      assert.ok(res.headers.get('x-request-id'));
    }
    const t = tenant();
    ctl(['key', 'disable', String(t.tokenId)]);
    const res = await post(base, '/v1/chat/completions', t.key, { model: 'gpt-4o-mini', messages: msgs });
    assert.equal(res.status, 401);
    assert.equal(await res.text(), AUTH_401);
  });

  test(`${name}: errors use the documented statuses and shapes`, async () => {
    const t = tenant();
    const expect = async (res, status, type, code, param) => {
      assert.equal(res.status, status);
      const b = await res.json();
      assert.equal(b.error.type, type);
      assertSchema(b, 'ErrorResponse');
      assert.equal(b.error.code, code);
      assert.ok(typeof b.error.message === 'string' && b.error.message.length > 0);
      if (param !== undefined) assert.equal(b.error.param, param);
      assert.ok(res.headers.get('x-request-id'));
    };
    await expect(await fetch(`${base}/v1/nope`, { headers: { Authorization: `Bearer ${t.key}` } }),
      404, 'invalid_request_error', 'not_found');
    await expect(await fetch(`${base}/v1/chat/completions`, { headers: { Authorization: `Bearer ${t.key}` } }),
      405, 'invalid_request_error', 'method_not_allowed');
    await expect(await post(base, '/v1/chat/completions', t.key, '{"model":'),
      400, 'invalid_request_error', 'invalid_request');
    await expect(await post(base, '/v1/chat/completions', t.key, { model: 'gpt-4o-mini' }),
      400, 'invalid_request_error', 'invalid_request', 'messages');
    await expect(await post(base, '/v1/chat/completions', t.key, { messages: msgs }),
      400, 'invalid_request_error', 'invalid_request', 'model');
    await expect(await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: [{ role: 'wizard', content: 'x' }] }),
    400, 'invalid_request_error', 'invalid_request', 'messages');
    await expect(await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, n: 0 }), 400, 'invalid_request_error', 'invalid_request', 'n');
    await expect(await post(base, '/v1/chat/completions', t.key,
      { model: 'no-such-model', messages: msgs }), 404, 'invalid_request_error', 'model_not_found', 'model');
    // priced by the platform, but no channel of this group serves it
    await expect(await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4.1-nano', messages: msgs }), 503, 'service_unavailable', 'no_available_channel');
    const big = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(17 * 1024 * 1024) }] });
    await expect(await post(base, '/v1/chat/completions', t.key, big),
      413, 'invalid_request_error', 'request_too_large');
    assert.equal(logsFor(t.tokenId).filter((l) => Number(l.quota) !== 0).length, 0, 'nothing charged');
  });

  test(`${name}: 402 when the hold does not fit, and nothing is charged`, async () => {
    const t = tenant({ quota: 5 });
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o', messages: msgs, max_tokens: 1000 });
    assert.equal(res.status, 402);
    assert.deepEqual(await res.json(), { error: { message: 'Insufficient quota',
      type: 'insufficient_quota', param: null, code: 'insufficient_quota' } });
    assert.equal(userQuota(t.userId), 5);
  });

  test(`${name}: model_limits restricts the key (403) and /v1/models`, async () => {
    const t = tenant({ keyArgs: ['--unlimited', '--models', 'gpt-4o'] });
    const res = await post(base, '/v1/chat/completions', t.key, { model: 'gpt-4o-mini', messages: msgs });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, 'model_not_allowed');
    const list = await (await fetch(`${base}/v1/models`, { headers: { Authorization: `Bearer ${t.key}` } })).json();
    assert.equal(list.object, 'list');
    assert.deepEqual(list.data.map((m) => m.id), ['gpt-4o']);
    const one4o = await fetch(`${base}/v1/models/gpt-4o`, { headers: { Authorization: `Bearer ${t.key}` } });
    assert.equal(one4o.status, 200);
    assert.equal((await one4o.json()).id, 'gpt-4o');
    const mini = await fetch(`${base}/v1/models/gpt-4o-mini`, { headers: { Authorization: `Bearer ${t.key}` } });
    assert.equal(mini.status, 404);
    assert.equal((await mini.json()).error.code, 'model_not_found');
  });

  test(`${name}: upstream 500 before any byte: 502 and a full refund`, async () => {
    const t = tenant();
    const q0 = userQuota(t.userId);
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, metadata: { mock_status: '500' } });
    assert.equal(res.status, 502);
    assert.equal((await res.json()).error.code, 'bad_upstream_response');
    assert.equal(userQuota(t.userId), q0);
    const l = logsFor(t.tokenId);
    assert.equal(l.length, 1);
    assert.equal(l[0].type, '5');
    assert.equal(l[0].quota, '0');
  });

  test(`${name}: upstream 400 passes through with its message, nothing charged`, async () => {
    const t = tenant();
    const q0 = userQuota(t.userId);
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, metadata: { mock_status: '400' } });
    assert.equal(res.status, 400);
    const b = await res.json();
    assert.equal(b.error.type, 'invalid_request_error');
    assertSchema(b, 'ErrorResponse');
    assert.equal(userQuota(t.userId), q0);
  });

  test(`${name}: upstream error mid-stream becomes a final error event; delivered part billed`, async () => {
    const t = tenant();
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, stream: true,
        metadata: { mock_chunks: '10', mock_disconnect_after: '3' } });
    assert.equal(res.status, 200);
    const { events } = await readEvents(res);
    const last = JSON.parse(events.at(-1).data);
    assert.equal(last.error.code, 'bad_upstream_response');
    assertSchema(last, 'ErrorResponse');
    for (const e of events.slice(0, -1)) assertSchema(JSON.parse(e.data), 'CreateChatCompletionStreamResponse');
    assert.ok(!events.some((e) => e.data === '[DONE]'));
    const l = (await eventually(() => logsFor(t.tokenId).length && logsFor(t.tokenId)))[0];
    assert.equal(l.stream_status, 'upstream_broken');
    assert.ok(Number(l.completion_tokens) >= 3, 'delivered words counted');
    assert.ok(Number(l.quota) > 0);
    assert.equal(JSON.parse(l.other).usage_source, 'estimated');
  });

  test(`${name}: client disconnect mid-stream cancels upstream and bills what was delivered`, async () => {
    const t = tenant();
    await mockClear();
    const q0 = userQuota(t.userId);
    const ac = new AbortController();
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, stream: true,
        metadata: { mock_chunks: '40', mock_interval_ms: '150' } }, {});
    let n = 0;
    let goneAt = 0;
    await readEvents(res, { onEvent: () => {
      n += 1;
      if (n < 3) return true;
      goneAt = Date.now();
      return false;
    } }).catch(() => {});
    ac.abort();
    const l = (await eventually(() => logsFor(t.tokenId).length && logsFor(t.tokenId), 8000))[0];
    assert.ok(l, 'a log row was written');
    assert.equal(l.stream_status, 'client_gone');
    const delivered = Number(l.completion_tokens);
    assert.ok(delivered >= 2 && delivered < 40, `billed ${delivered} of 40 words`);
    assert.equal(userQuota(t.userId), q0 - Number(l.quota));
    const up = await eventually(async () => {
      const r = await lastMockChat();
      return r && r.completed === false ? r : null;
    }, 8000);
    assert.ok(up, 'mock saw the transfer cancelled');
    assert.ok(up.chunk_times_ms.length < 30, 'upstream stopped early');
    const lastSent = up.chunk_times_ms.at(-1);
    assert.ok(lastSent - goneAt < 1000,
      `upstream cancelled within a second: last chunk ${lastSent - goneAt} ms after the client left`);
  });

  test(`${name}: model_mapping sends the mapped name upstream and shows the asked one`, async () => {
    const t = tenant({ models: 'gpt-4o', mapping: { 'gpt-4o': 'gpt-4o-2024-08-06' } });
    await mockClear();
    const res = await post(base, '/v1/chat/completions', t.key, { model: 'gpt-4o', messages: msgs });
    const b = await res.json();
    assert.equal(b.model, 'gpt-4o');
    assertSchema(b, 'CreateChatCompletionResponse');
    assert.equal(JSON.parse((await lastMockChat()).body).model, 'gpt-4o-2024-08-06');
    const s = await post(base, '/v1/chat/completions', t.key, { model: 'gpt-4o', messages: msgs, stream: true });
    const { events } = await readEvents(s);
    assert.equal(JSON.parse(events[0].data).model, 'gpt-4o');
    for (const e of events.slice(0, -1)) assertSchema(JSON.parse(e.data), 'CreateChatCompletionStreamResponse');
    // billed at gpt-4o's multipliers (5/15)
    const l = logsFor(t.tokenId)[0];
    assert.equal(Number(l.quota), quotaOf(Number(l.prompt_tokens), Number(l.completion_tokens), 5, 15));
  });
}

test('keep-alive comments flow while the upstream is silent', async () => {
  const [, base] = servers[0];
  const t = tenant();
  const res = await post(base, '/v1/chat/completions', t.key,
    { model: 'gpt-4o-mini', messages: msgs, stream: true,
      metadata: { mock_chunks: '2', mock_stall_after: '1', mock_stall_ms: '3500' } });
  const { events, comments } = await readEvents(res);
  assert.equal(events.at(-1).data, '[DONE]');
  for (const e of events.slice(0, -1)) assertSchema(JSON.parse(e.data), 'CreateChatCompletionStreamResponse');
  assert.ok(comments.length >= 1, `got ${comments.length} keep-alive comments`);
  await sleep(10);
});
