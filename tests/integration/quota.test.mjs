// Money under concurrency: 200 simultaneous requests against a key whose
// quota covers 50 of them.  No more are served than the quota covers, the
// rest get 402, no hold is left behind, and key and user balances equal
// exactly the sum of the logged charges.
import test from 'node:test';
import assert from 'node:assert/strict';
import { servers, tenant, post, one, sql, logsFor } from './lib.mjs';

const [, base] = servers[0];
// Output of 200 tokens asked and produced, so a request costs about its hold.
const body = { model: 'gpt-4o-mini', max_tokens: 200,
  messages: [{ role: 'user', content: 'count the money' }],
  metadata: { mock_chunks: '200', mock_latency_ms: '30' } };

test('200 concurrent requests, quota for 50: never overspent, balances equal the logs', async () => {
  // One request on a throwaway key tells the hold and the charge.
  const probe = tenant();
  assert.equal((await post(base, '/v1/chat/completions', probe.key, body)).status, 200);
  const pl = logsFor(probe.tokenId)[0];
  const held = JSON.parse(pl.other).held;
  const cost = Number(pl.quota);
  assert.ok(held >= cost && cost > 0, `hold ${held} covers the cost ${cost}`);

  const quota = 50 * held;
  const t = tenant({ quota: 100 * held, keyArgs: ['--quota', String(quota)] });
  const user0 = Number(one(`SELECT quota FROM users WHERE id=${t.userId}`)[0]);
  const rs = await Promise.all(Array.from({ length: 200 }, () =>
    post(base, '/v1/chat/completions', t.key, body).then(async (r) => ({ status: r.status, b: await r.json() }))));
  const served = rs.filter((r) => r.status === 200).length;
  const refused = rs.filter((r) => r.status === 402);
  assert.equal(served + refused.length, 200, 'every request was served or refused with 402');
  for (const r of refused) assert.equal(r.b.error.code, 'insufficient_quota');
  assert.ok(served >= 50, `the quota covers at least 50: ${served}`);
  assert.ok(served <= Math.floor(quota / cost), `never more than the quota covers: ${served}`);

  assert.equal(one(`SELECT COUNT(*) FROM quota_holds WHERE token_id=${t.tokenId}`)[0], '0', 'no hold left');
  const charged = Number(one(`SELECT COALESCE(SUM(quota),0) FROM logs WHERE token_id=${t.tokenId}`)[0]);
  const [remain, used] = one(`SELECT remain_quota, used_quota FROM tokens WHERE id=${t.tokenId}`).map(Number);
  assert.ok(remain >= 0, 'the key never went negative');
  assert.equal(remain, quota - charged, 'key balance = quota - logged charges');
  assert.equal(used, charged);
  const [uq, uused, ureq] = one(`SELECT quota, used_quota, request_count FROM users WHERE id=${t.userId}`).map(Number);
  assert.equal(uq, user0 - charged, 'user balance = start - logged charges');
  assert.equal(uused, charged);
  assert.equal(ureq, served, 'one request counted per served request');
  assert.equal(sql(`SELECT COUNT(*) FROM logs WHERE token_id=${t.tokenId} AND type=2`)[0][0], String(served));
});

// base_price scales every token price (docs/pricing.md); it is read with
// the price in one statement.  A changed option bills at once; a missing
// one bills at the seeded 75000.
test('base_price: a changed option bills at once, a missing one at 75000; /api/status agrees', async () => {
  const saved = one("SELECT value FROM options WHERE name='base_price'");
  const t = tenant();
  const ask = { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'price me' }],
    metadata: { mock_chunks: '5' } };
  // gpt-4o-mini 1x/1x: ceil((prompt + completion) x base / 10^6).
  const quota = (l, b) => Math.ceil((Number(l.prompt_tokens) + Number(l.completion_tokens)) * b / 1e6);
  try {
    for (const [set, want] of [[`'150000'`, 150000], [null, 75000], [`'junk'`, 75000]]) {
      sql("DELETE FROM options WHERE name='base_price'");
      if (set !== null) sql(`INSERT INTO options (name, value) VALUES ('base_price', ${set})`);
      assert.equal((await post(base, '/v1/chat/completions', t.key, ask)).status, 200);
      const l = logsFor(t.tokenId).at(-1);
      assert.equal(JSON.parse(l.other).base_price, want, `base_price ${set}`);
      assert.equal(Number(l.quota), quota(l, want), `quota at base ${want}`);
      const st = await (await fetch(`${base}/api/status`)).json();
      assert.equal(st.data.base_price, want, '/api/status shows the base price billing used');
    }
  } finally {
    sql("DELETE FROM options WHERE name='base_price'");
    if (saved) sql(`INSERT INTO options (name, value) VALUES ('base_price', '${saved[0]}')`);
  }
});
