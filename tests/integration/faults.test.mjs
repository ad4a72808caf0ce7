// Damage done for real: MariaDB stopped under load and started again,
// an upstream that stalls before and after its first byte, slow and
// oversized client bodies.  Nothing may crash, hang or leak a slot.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { servers, tenant, post, readEvents, eventually, logsFor, sql } from './lib.mjs';
import { startInstance } from './instance.mjs';

const [, base] = servers[0];
const root = process.env.NX_ROOT || process.cwd();
const msgs = [{ role: 'user', content: 'fault injection' }];
const db = (cmd) => execFileSync(`${root}/tools/stack/db.sh`, [cmd, process.env.NX_VAR],
  { stdio: 'ignore' });
const masterLog = () => execFileSync('cat', [`${process.env.NX_VAR}/log/nexhina.log`], { encoding: 'utf8' });

test('MariaDB stopped: fast 503s in the documented shape, no crash, recovery without restart', async (t) => {
  const k = tenant();
  assert.equal((await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs })).status, 200);
  const crashesBefore = (masterLog().match(/killed by signal/g) || []).length;
  db('stop');
  t.after(() => db('start'));
  const t0 = Date.now();
  const rs = await Promise.all(Array.from({ length: 20 }, () =>
    post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs })
      .then(async (r) => ({ status: r.status, body: await r.json() }))));
  const took = Date.now() - t0;
  for (const r of rs) {
    assert.equal(r.status, 503);
    assert.deepEqual(r.body.error.type, 'service_unavailable');
    assert.deepEqual(r.body.error.code, 'service_unavailable');
  }
  assert.ok(took < 8000, `20 requests failed within ${took} ms`);
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 503, 'readiness reports the database');
  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'liveness does not');
  db('start');
  const ok = await eventually(async () => (await post(base, '/v1/chat/completions', k.key,
    { model: 'gpt-4o-mini', messages: msgs })).status === 200, 15000);
  assert.ok(ok, 'served again once MariaDB is back');
  assert.equal((masterLog().match(/killed by signal/g) || []).length, crashesBefore, 'no worker crashed');
  const rows = logsFor(k.tokenId);
  assert.equal(rows.length, 2, 'the two served requests are logged, the refused ones charged nothing');
  assert.equal(sql(`SELECT COUNT(*) FROM quota_holds WHERE token_id=${k.tokenId}`)[0][0], '0');
});

test('MariaDB gone while a stream runs: the charge is settled once it is back', async (t) => {
  const k = tenant();
  const q0 = Number(sql(`SELECT quota FROM users WHERE id=${k.userId}`)[0][0]);
  const res = await post(base, '/v1/chat/completions', k.key,
    { model: 'gpt-4o-mini', messages: msgs, stream: true,
      metadata: { mock_chunks: '8', mock_interval_ms: '250' } });
  let stopped = false;
  t.after(() => db('start'));
  const { events } = await readEvents(res, {
    onEvent: (ev, all) => {
      if (all.length === 2 && !stopped) { stopped = true; db('stop'); }
      return true;
    },
  });
  assert.ok(stopped);
  assert.equal(events.at(-1).data, '[DONE]', 'the stream itself needs no database');
  db('start');
  // no further request needed: the worker retries on its own
  const row = await eventually(() => logsFor(k.tokenId)[0], 20000);
  assert.ok(row, 'the log row arrived after MariaDB came back');
  assert.equal(row.stream_status, 'ok');
  assert.equal(Number(row.completion_tokens), 8);
  assert.ok(Number(row.quota) > 0);
  assert.equal(sql(`SELECT COUNT(*) FROM quota_holds WHERE token_id=${k.tokenId}`)[0][0], '0');
  const q1 = Number(sql(`SELECT quota FROM users WHERE id=${k.userId}`)[0][0]);
  assert.equal(q1, q0 - Number(row.quota), 'charged exactly the logged quota, once');
});

test('upstream silent before the first byte: 504 after upstream_idle_timeout, nothing charged', async () => {
  const k = tenant();
  const t0 = Date.now();
  const r = await post(base, '/v1/chat/completions', k.key,
    { model: 'gpt-4o-mini', messages: msgs, metadata: { mock_latency_ms: '12000' } });
  const took = Date.now() - t0;
  assert.equal(r.status, 504);
  assert.equal((await r.json()).error.code, 'upstream_timeout');
  assert.ok(took >= 4500 && took < 11000, `gave up after ${took} ms (idle timeout 5 s)`);
  const l = logsFor(k.tokenId);
  assert.equal(l.length, 1);
  assert.equal(l[0].quota, '0');
  // the slot is free again
  assert.equal((await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs })).status, 200);
});

test('upstream stalls mid-stream: a final error event, the delivered part billed', async () => {
  const k = tenant();
  const r = await post(base, '/v1/chat/completions', k.key,
    { model: 'gpt-4o-mini', messages: msgs, stream: true,
      metadata: { mock_chunks: '6', mock_stall_after: '2', mock_stall_ms: '12000' } });
  assert.equal(r.status, 200);
  const { events } = await readEvents(r);
  const last = JSON.parse(events.at(-1).data);
  assert.equal(last.error.code, 'upstream_timeout');
  const l = await eventually(() => logsFor(k.tokenId)[0]);
  assert.equal(l.stream_status, 'upstream_timeout');
  assert.ok(Number(l.completion_tokens) >= 2 && Number(l.quota) > 0);
});

// Opens a raw connection that sends headers and part of a body, then stalls.
function slowClient(len, key) {
  return new Promise((resolve) => {
    const s = net.connect(Number(new URL(base).port), '127.0.0.1', () => {
      s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`
        + `Content-Length: ${len}\r\nAuthorization: Bearer ${key}\r\n\r\n{"model":`);
      resolve(s);
    });
    s.on('error', () => {});
  });
}

test('slow client bodies hold no worker slot; oversized ones get 413 at once', async () => {
  const k = tenant();
  // more trickling clients than the stack has slots (2 workers x 16)
  // with a valid key, so a slot that got the request would wait for the body
  const slow = await Promise.all(Array.from({ length: 40 }, () => slowClient(5000, k.key)));
  try {
    const t0 = Date.now();
    const r = await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs });
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 < 3000, 'served while 40 clients trickle');
  } finally {
    for (const s of slow) s.destroy();
  }
  const t1 = Date.now();
  const big = await post(base, '/v1/chat/completions', k.key,
    JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(17 * 1024 * 1024) }] }));
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error.code, 'request_too_large');
  assert.ok(Date.now() - t1 < 5000);
});

test('an upstream answer over upstream_max_response is a 502 and refunded, not a client gone', async (t) => {
  const inst = await startInstance('small-answers', Number(process.env.NX_SMALL_PORT || 18086),
    { upstream_max_response: 1024, workers: 1 });
  t.after(() => inst.stop());
  const k = tenant();
  const q0 = Number(sql(`SELECT quota FROM users WHERE id=${k.userId}`)[0][0]);
  const r = await post(inst.base, '/v1/chat/completions', k.key,
    { model: 'gpt-4o-mini', messages: msgs, metadata: { mock_chunks: '600' } });
  assert.equal(r.status, 502);
  assert.equal((await r.json()).error.code, 'bad_upstream_response');
  assert.equal(Number(sql(`SELECT quota FROM users WHERE id=${k.userId}`)[0][0]), q0);
  const l = logsFor(k.tokenId);
  assert.equal(l.length, 1);
  assert.equal(l[0].error_code, 'bad_upstream_response');
  // a small answer through the same instance is fine
  const ok = await post(inst.base, '/v1/chat/completions', k.key,
    { model: 'gpt-4o-mini', messages: msgs, metadata: { mock_chunks: '3' } });
  assert.equal(ok.status, 200);
});
