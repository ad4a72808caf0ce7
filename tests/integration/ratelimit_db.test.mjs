// ratelimit = db: the windows live in MariaDB, so two hosts (two masters
// with their own web servers) share one count per key: a burst of 200 split
// across both against RPM 50 lets exactly 50 through in total.
import test from 'node:test';
import assert from 'node:assert/strict';
import { tenant, post, readEvents, sql, sleep } from './lib.mjs';
import { startInstance } from './instance.mjs';

const msgs = [{ role: 'user', content: 'rate limit me in the database' }];
const portA = Number(process.env.NX_RLDB_PORT || 18083);

async function midWindow() {
  const s = new Date().getSeconds();
  if (s > 50) await sleep((61 - s) * 1000);
}

test('two hosts with ratelimit = db share the window: 200 requests, RPM 50, exactly 50 pass', async (t) => {
  const a = await startInstance('rl-host-a', portA, { ratelimit: 'db', workers: 2 });
  t.after(() => a.stop());
  const b = await startInstance('rl-host-b', portA + 1, { ratelimit: 'db', workers: 1 });
  t.after(() => b.stop());
  const k = tenant({ keyArgs: ['--unlimited', '--rpm', '50'] });
  await midWindow();
  const rs = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    post(i % 2 ? a.base : b.base, '/v1/chat/completions', k.key,
      { model: 'gpt-4o-mini', messages: msgs, metadata: { mock_latency_ms: '20' } })
      .then(async (r) => ({ status: r.status, body: await r.text(), headers: r.headers }))));
  const ok = rs.filter((r) => r.status === 200).length;
  const limited = rs.filter((r) => r.status === 429);
  assert.equal(ok, 50, `passed: ${ok}`);
  assert.equal(limited.length, 150);
  assert.equal(limited[0].body, `{"error":{"message":"Rate limit reached for ${k.group}","type":"rate_limit_error","code":"rate_limit_exceeded"}}`);
  assert.ok(Number(limited[0].headers.get('retry-after')) >= 1);
  const [count] = sql(`SELECT count FROM rate_windows WHERE scope='k:${k.tokenId}:r'`).map((r) => Number(r[0]));
  assert.equal(count, 50, 'refused requests are not counted');
});

test('ratelimit = db: TPM reserved before the call and corrected after', async (t) => {
  const a = await startInstance('rl-host-c', portA + 2, { ratelimit: 'db', workers: 1 });
  t.after(() => a.stop());
  const k = tenant({ keyArgs: ['--unlimited', '--tpm', '1000'] });
  await midWindow();
  const big = await post(a.base, '/v1/chat/completions', k.key,
    { model: 'gpt-4o-mini', messages: msgs, max_tokens: 5000 });
  assert.equal(big.status, 429);
  const s = await post(a.base, '/v1/chat/completions', k.key,
    { model: 'gpt-4o-mini', messages: msgs, max_tokens: 600, stream: true, metadata: { mock_chunks: '3' } });
  assert.equal(s.status, 200);
  assert.equal(s.headers.get('x-ratelimit-limit-tokens'), '1000');
  assert.ok(Number(s.headers.get('x-ratelimit-remaining-tokens')) <= 400);
  await readEvents(s);
  const after = await post(a.base, '/v1/chat/completions', k.key,
    { model: 'gpt-4o-mini', messages: msgs, max_tokens: 600 });
  assert.equal(after.status, 200, 'the unused reservation was given back');
  const [used] = sql(`SELECT count FROM rate_windows WHERE scope='k:${k.tokenId}:t'`).map((r) => Number(r[0]));
  const [real] = sql(`SELECT SUM(prompt_tokens + completion_tokens) FROM logs WHERE token_id=${k.tokenId}`)
    .map((r) => Number(r[0]));
  assert.equal(used, real, 'after the corrections the window holds exactly the tokens used');
});
