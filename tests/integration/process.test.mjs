// The process model under signals: a SIGKILLed worker is replaced and the
// stream it carried ends (no hang), its hold is refunded by housekeeping;
// SIGHUP replaces the workers without dropping a stream in flight.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import {
  env, servers, tenant, post, readEvents, eventually, logsFor, userQuota, sql,
  sleep,
} from './lib.mjs';

const [, base] = servers[0];
const msgs = [{ role: 'user', content: 'process model test' }];

function masterPid() {
  return Number(readFileSync(`${process.env.NX_VAR}/run/nexhina.pid`, 'utf8').trim());
}

// Worker pids: children of the master running `nexhina serve`, minus the
// housekeeper, which names itself in its access to the DB only; both are
// forked children, so tell workers by their thread count (> 1).
function workers() {
  const out = execFileSync('ps', ['-o', 'pid=,nlwp=', '--ppid', String(masterPid())],
    { encoding: 'utf8' });
  return out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([, n]) => n > 1).map(([p]) => p).sort();
}

async function chatOk(key) {
  const res = await post(base, '/v1/chat/completions', key, { model: 'gpt-4o-mini', messages: msgs });
  return res.status === 200 && (await res.json()).object === 'chat.completion';
}

test('a SIGKILLed worker is respawned and the next request succeeds', async () => {
  const t = tenant();
  const before = workers();
  assert.ok(before.length >= 1, 'workers found');
  process.kill(before[0], 'SIGKILL');
  const after = await eventually(() => {
    const w = workers();
    return w.length === before.length && !w.includes(before[0]) ? w : null;
  }, 10000);
  assert.ok(after, `respawned: before ${before}, now ${workers()}`);
  for (let i = 0; i < 4; i++) assert.ok(await chatOk(t.key));
});

test('killing the workers mid-stream breaks the stream (no hang) and housekeeping refunds the hold', async () => {
  const t = tenant();
  const q0 = userQuota(t.userId);
  const res = await post(base, '/v1/chat/completions', t.key,
    { model: 'gpt-4o-mini', messages: msgs, stream: true,
      metadata: { mock_chunks: '50', mock_interval_ms: '100' } });
  assert.equal(res.status, 200);
  let killed = false;
  const t0 = Date.now();
  const { events } = await readEvents(res, {
    onEvent: (ev, all) => {
      if (all.length === 2 && !killed) {
        killed = true;
        for (const w of workers()) process.kill(w, 'SIGKILL');
      }
      return true;
    },
  }).catch((e) => ({ events: [], err: e }));
  assert.ok(killed, 'workers killed mid-stream');
  assert.ok(Date.now() - t0 < 10000, 'the client was not left hanging');
  assert.ok(!events.some((e) => e.data === '[DONE]'), 'stream did not complete');
  // The hold is still there; age it past hold_ttl and run housekeeping.
  const holds = sql(`SELECT id, amount FROM quota_holds WHERE token_id=${t.tokenId}`);
  assert.equal(holds.length, 1, 'the dead request left its hold');
  assert.equal(userQuota(t.userId), q0 - Number(holds[0][1]));
  sql(`UPDATE quota_holds SET created_at = created_at - 86400 WHERE token_id=${t.tokenId}`);
  execFileSync(`${env.build}/nexhina`, ['housekeep', '-c', env.conf]);
  assert.equal(sql(`SELECT id FROM quota_holds WHERE token_id=${t.tokenId}`).length, 0);
  assert.equal(userQuota(t.userId), q0, 'refunded in full');
  const refund = logsFor(t.tokenId).filter((l) => l.type === '6');
  assert.equal(refund.length, 1, 'one refund log row');
  // and the respawned workers serve again
  assert.ok(await eventually(() => chatOk(t.key), 10000));
});

function configuredWorkers() {
  const m = readFileSync(env.conf, 'utf8').match(/^workers\s*=\s*(\d+)/m);
  return m ? Number(m[1]) : 2;
}

test('SIGHUP replaces the workers without dropping a stream in flight', async () => {
  const t = tenant();
  // workers killed by the test before may still be in respawn backoff
  const before = await eventually(() => {
    const w = workers();
    return w.length === configuredWorkers() ? w : null;
  }, 40000);
  assert.ok(before, `all ${configuredWorkers()} workers up`);
  const res = await post(base, '/v1/chat/completions', t.key,
    { model: 'gpt-4o-mini', messages: msgs, stream: true,
      metadata: { mock_chunks: '15', mock_interval_ms: '100' } });
  let hupped = false;
  const { events } = await readEvents(res, {
    onEvent: (ev, all) => {
      if (all.length === 2 && !hupped) {
        hupped = true;
        process.kill(masterPid(), 'SIGHUP');
      }
      return true;
    },
  });
  assert.ok(hupped);
  assert.equal(events.at(-1).data, '[DONE]', 'the stream finished across the reload');
  const text = events.slice(0, -1).map((e) => JSON.parse(e.data))
    .map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.equal(text.trim().split(' ').length, 15);
  const after = await eventually(() => {
    const w = workers();
    return w.length === before.length && w.every((p) => !before.includes(p)) ? w : null;
  }, 10000);
  assert.ok(after, `new generation: before ${before}, now ${workers()}`);
  assert.ok(await chatOk(t.key));
  await sleep(10);
});
