// Chat request fields the gateway does not interpret reach the upstream
// byte-for-byte equal (images in content parts, n, logprobs, response
// format), the answer comes back intact, and every request leaves one
// parseable access line with its request id.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { servers, tenant, post, mockRequests, mockClear, eventually } from './lib.mjs';

const [, base] = servers[0];

test('images in content parts, n, logprobs and response_format pass through', async () => {
  const t = tenant();
  await mockClear();
  const messages = [{ role: 'user', content: [
    { type: 'text', text: 'What is in this image?' },
    { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
  ] }];
  const body = { model: 'gpt-4o-mini', messages, n: 2, logprobs: true, top_logprobs: 2,
    response_format: { type: 'json_object' }, seed: 7, stop: ['\n\n'], parallel_tool_calls: false,
    reasoning_effort: 'low' };
  const res = await post(base, '/v1/chat/completions', t.key, body);
  assert.equal(res.status, 200);
  const b = await res.json();
  assert.equal(b.choices.length, 2, 'n=2 answered with two choices');
  assert.ok(Array.isArray(b.choices[0].logprobs.content), 'logprobs relayed');
  const sent = JSON.parse((await mockRequests()).filter((r) => r.path === '/v1/chat/completions').at(-1).body);
  for (const k of Object.keys(body)) assert.deepEqual(sent[k], body[k], `field ${k} passed through`);
});

test('one access line per request, with route, status, model, tokens and request id', async () => {
  const t = tenant();
  const res = await post(base, '/v1/chat/completions', t.key,
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'log me' }], metadata: { mock_chunks: '2' } });
  assert.equal(res.status, 200);
  const rid = res.headers.get('x-request-id');
  const line = await eventually(() => readFileSync(`${process.env.NX_VAR}/log/nexhina.log`, 'utf8')
    .split('\n').find((l) => l.includes(`rid=${rid} `)));
  assert.ok(line, 'access line found');
  const kv = Object.fromEntries(line.replace(/^access /, '').split(' ').map((p) => p.split('=')));
  assert.equal(kv.route, 'chat');
  assert.equal(kv.status, '200');
  assert.equal(kv.model, 'gpt-4o-mini');
  assert.equal(kv.completion_tokens, '2');
  assert.ok(Number(kv.ms) >= 0 && Number(kv.up_ms) >= 0 && Number(kv.ttfb_ms) >= 0);
  assert.equal(kv.key, String(t.tokenId));
  assert.equal(kv.err, '-');
  const bad = await post(base, '/v1/chat/completions', 'sk-' + 'y'.repeat(48), {});
  const rid2 = bad.headers.get('x-request-id');
  const line2 = await eventually(() => readFileSync(`${process.env.NX_VAR}/log/nexhina.log`, 'utf8')
    .split('\n').find((l) => l.includes(`rid=${rid2} `)));
  assert.match(line2, /status=401 .*err=invalid_api_key/);
  assert.ok(!line2.includes('yyyy'), 'the key is never logged');
});

test('a client-supplied X-Request-Id is kept when sane and replaced when not', async () => {
  const ok = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'trace-abc_123.4' } });
  assert.equal(ok.headers.get('x-request-id'), 'trace-abc_123.4');
  const bad = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'x'.repeat(65) } });
  assert.match(bad.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
  const evil = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'a b"c' } });
  assert.match(evil.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
});
