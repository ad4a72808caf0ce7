// Streams in the Anthropic and Gemini dialects that break: an upstream
// error event mid-stream, a dropped connection, and the same for an
// OpenAI client on an anthropic channel.  The client gets a proper end
// in its own dialect, the log row says what happened, and what was
// delivered is billed (nothing more).
import test from 'node:test';
import assert from 'node:assert/strict';
import { servers, tenant, post, readEvents, logsFor, eventually } from './lib.mjs';

const [, base] = servers[0];
const claude = 'claude-sonnet-4-20250514';
const av = { 'anthropic-version': '2023-06-01' };
const parse = (events) => events.map((e) => ({ event: e.event, data: JSON.parse(e.data) }));

test('Messages, anthropic channel: upstream error event mid-stream is relayed; partial output billed', async () => {
  const k = tenant({ models: claude, type: 'anthropic' });
  const res = await post(base, '/v1/messages', k.key, { model: claude, max_tokens: 100, stream: true,
    metadata: { mock_chunks: '6', mock_error_after: '2' },
    messages: [{ role: 'user', content: 'break please' }] }, av);
  assert.equal(res.status, 200);
  const ev = parse((await readEvents(res)).events);
  const last = ev.at(-1).data;
  assert.equal(last.type, 'error');
  assert.equal(last.error.type, 'overloaded_error');
  assert.ok(!ev.some((e) => e.data.type === 'message_stop'));
  const row = await eventually(() => logsFor(k.tokenId)[0]);
  assert.equal(row.stream_status, 'upstream_error');
  assert.ok(Number(row.completion_tokens) >= 1 && Number(row.completion_tokens) < 6,
    `billed what was delivered (${row.completion_tokens})`);
});

test('Messages, anthropic channel: dropped connection ends with an Anthropic error event', async () => {
  const k = tenant({ models: claude, type: 'anthropic' });
  const res = await post(base, '/v1/messages', k.key, { model: claude, max_tokens: 100, stream: true,
    metadata: { mock_chunks: '6', mock_disconnect_after: '3' },
    messages: [{ role: 'user', content: 'drop please' }] }, av);
  const ev = parse((await readEvents(res)).events);
  assert.equal(ev.at(-1).data.type, 'error');
  assert.equal(ev.at(-1).data.error.type, 'api_error');
  assert.match(ev.at(-1).data.error.message, /broke mid-stream/);
  const row = await eventually(() => logsFor(k.tokenId)[0]);
  assert.equal(row.stream_status, 'upstream_broken');
  assert.equal(Number(row.status), 200);
});

test('Gemini dialect, gemini channel: dropped connection ends with a Google error object', async () => {
  const k = tenant({ models: 'gemini-2.5-pro', type: 'gemini' });
  const res = await post(base, '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', null, {
    contents: [{ role: 'user', parts: [{ text: '[mock chunks=6 disconnect_after=3] drop please' }] }] },
  { 'x-goog-api-key': k.key });
  assert.equal(res.status, 200);
  const ev = (await readEvents(res)).events.map((e) => JSON.parse(e.data));
  assert.ok(ev.length >= 2);
  assert.deepEqual(Object.keys(ev.at(-1)), ['error']);
  assert.equal(ev.at(-1).error.code, 502);
  assert.equal(ev.at(-1).error.status, 'INTERNAL');
  const row = await eventually(() => logsFor(k.tokenId)[0]);
  assert.equal(row.stream_status, 'upstream_broken');
});

test('OpenAI client, anthropic channel: mid-stream error and drop end with an OpenAI error event', async () => {
  const k = tenant({ models: claude, type: 'anthropic' });
  // chat's `user` becomes Messages' metadata.user_id, where the mock reads controls
  for (const [ctl, status] of [['error_after', 'upstream_error'], ['disconnect_after', 'upstream_broken']]) {
    const res = await post(base, '/v1/chat/completions', k.key, { model: claude, stream: true,
      user: `mock:chunks=6,${ctl}=2`, messages: [{ role: 'user', content: 'x' }] });
    const { events } = await readEvents(res);
    const last = JSON.parse(events.at(-1).data);
    assert.ok(last.error, `ends with an error event (${ctl})`);
    assert.ok(!events.some((e) => e.data === '[DONE]'));
    const row = await eventually(() => logsFor(k.tokenId).find((r) => r.stream_status === status));
    assert.ok(row, status);
  }
});
