// RPM and TPM per key and per group (API.md 3, DESIGN.md 6), local backend:
// exact under a concurrent burst across all workers, the 429 body and
// Retry-After, the six X-RateLimit-* headers, TPM corrected by real usage.
import test from 'node:test';
import assert from 'node:assert/strict';
import { servers, tenant, post, readEvents, ctl, sleep } from './lib.mjs';

const [, base] = servers[0];
const msgs = [{ role: 'user', content: 'rate limit me' }];

// Stay clear of a minute boundary so one burst sees one window.
async function midWindow() {
  const s = new Date().getSeconds();
  if (s > 50) await sleep((61 - s) * 1000);
}

test('a burst of 200 concurrent requests against RPM 50 lets exactly 50 through', async () => {
  const t = tenant({ keyArgs: ['--unlimited', '--rpm', '50'] });
  await midWindow();
  const results = await Promise.all(Array.from({ length: 200 }, () =>
    post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, metadata: { mock_latency_ms: '20' } })
      .then(async (r) => ({ status: r.status, body: await r.text(), headers: r.headers }))));
  const ok = results.filter((r) => r.status === 200);
  const limited = results.filter((r) => r.status === 429);
  assert.equal(ok.length, 50, `passed: ${ok.length}`);
  assert.equal(limited.length, 150);
  const r429 = limited[0];
  assert.equal(r429.body, `{"error":{"message":"Rate limit reached for ${t.group}","type":"rate_limit_error","code":"rate_limit_exceeded"}}`);
  const ra = Number(r429.headers.get('retry-after'));
  assert.ok(ra >= 1 && ra <= 60, `Retry-After ${ra}`);
  assert.equal(r429.headers.get('x-ratelimit-limit'), '50');
  assert.equal(r429.headers.get('x-ratelimit-remaining'), '0');
  const reset = Number(r429.headers.get('x-ratelimit-reset'));
  assert.equal(reset % 60, 0, 'reset is the start of the next minute');
  assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 61);
  const remaining = ok.map((r) => Number(r.headers.get('x-ratelimit-remaining'))).sort((a, b) => a - b);
  assert.deepEqual(remaining, Array.from({ length: 50 }, (_, i) => i), 'each admitted request saw its own count');
});

test('group RPM applies to keys without their own, with the group named in the 429', async () => {
  const t = tenant();
  ctl(['group', 'set', t.group, '--rpm', '3']);
  await midWindow();
  for (let i = 0; i < 3; i++) {
    const r = await post(base, '/v1/chat/completions', t.key, { model: 'gpt-4o-mini', messages: msgs });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-ratelimit-limit'), '3');
    assert.equal(r.headers.get('x-ratelimit-remaining'), String(2 - i));
    assert.equal(r.headers.get('x-ratelimit-limit-tokens'), null, 'no token window without TPM');
  }
  const r = await post(base, '/v1/chat/completions', t.key, { model: 'gpt-4o-mini', messages: msgs });
  assert.equal(r.status, 429);
  assert.equal((await r.json()).error.message, `Rate limit reached for ${t.group}`);
  // any authenticated endpoint counts and carries the headers
  const m = await fetch(`${base}/v1/models`, { headers: { Authorization: `Bearer ${t.key}` } });
  assert.equal(m.status, 429);
});

test('TPM: estimate checked before the call, corrected by real usage, headers on streams', async () => {
  const t = tenant({ keyArgs: ['--unlimited', '--tpm', '1000'] });
  await midWindow();
  // prompt estimate + max_tokens 5000 cannot fit in 1000
  const big = await post(base, '/v1/chat/completions', t.key,
    { model: 'gpt-4o-mini', messages: msgs, max_tokens: 5000 });
  assert.equal(big.status, 429);
  assert.equal((await big.json()).error.code, 'rate_limit_exceeded');
  // 600 reserved, about 12 really used: the window is corrected afterwards
  const s = await post(base, '/v1/chat/completions', t.key,
    { model: 'gpt-4o-mini', messages: msgs, max_tokens: 600, stream: true, metadata: { mock_chunks: '3' } });
  assert.equal(s.status, 200);
  assert.equal(s.headers.get('x-ratelimit-limit-tokens'), '1000');
  const during = Number(s.headers.get('x-ratelimit-remaining-tokens'));
  assert.ok(during <= 400, `reservation visible while streaming: ${during}`);
  assert.ok(s.headers.get('x-ratelimit-reset-tokens'));
  assert.equal(s.headers.get('x-ratelimit-limit'), null, 'no request window without RPM');
  await readEvents(s);
  const after = await post(base, '/v1/chat/completions', t.key,
    { model: 'gpt-4o-mini', messages: msgs, max_tokens: 600 });
  assert.equal(after.status, 200, 'the unused reservation was given back');
  const rem = Number(after.headers.get('x-ratelimit-remaining-tokens'));
  assert.ok(rem < 1000 - 600 && rem > 1000 - 600 - 40, `remaining ${rem}`);
});
