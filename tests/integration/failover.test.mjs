// Failover and the circuit breaker (DESIGN.md 3 step 8): a channel that
// refuses, times out or answers 500 is skipped for the next one before the
// client sees a byte; the client gets one clean answer and the log row
// names every channel tried; N failures open the breaker, a probe after
// the cool-down closes it; an upstream 401 auto-disables the channel.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { env, servers, tenant, post, ctl, logsFor, one, sql, sleep, readEvents } from './lib.mjs';

const [, base] = servers[0];
const msgs = [{ role: 'user', content: 'failover please' }];

// A fake upstream whose behaviour the test switches; counts its hits.
function fakeUpstream() {
  const f = { hits: 0, mode: '500' };
  f.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      f.hits += 1;
      f.lastBody = body;
      if (f.mode === 'ok') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion', created: 1,
          model: JSON.parse(body).model, choices: [{ index: 0, finish_reason: 'stop',
            message: { role: 'assistant', content: 'from fake', refusal: null }, logprobs: null }],
          usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }));
        return;
      }
      const status = Number(f.mode);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `fake ${status} with sk-secret123456 inside`,
        type: status === 401 ? 'invalid_request_error' : 'server_error', param: null,
        code: status === 401 ? 'invalid_api_key' : null } }));
    });
  });
  return new Promise((r) => f.server.listen(0, '127.0.0.1', () => {
    f.url = `http://127.0.0.1:${f.server.address().port}`;
    r(f);
  }));
}

function addChannel(t, url, priority, name) {
  return Number(ctl(['channel', 'add', '--type', 'openai', '--name', name, '--base-url', url,
    '--key-stdin', '--models', 'gpt-4o-mini', '--group', t.group, '--priority', String(priority)],
  'sk-fake-upstream'));
}

const tried = (row) => JSON.parse(row.other).channels_tried.split(',').map(Number);

test('refused, then 500: the third channel answers; one clean response; all three logged', async (t) => {
  const k = tenant();   // its mock channel has priority 0
  const f = await fakeUpstream();
  t.after(() => f.server.close());
  const refused = addChannel(k, 'http://127.0.0.1:1', 20, 'refuses');
  const broken = addChannel(k, f.url, 10, 'answers-500');
  for (const stream of [false, true]) {
    const res = await post(base, '/v1/chat/completions', k.key,
      { model: 'gpt-4o-mini', messages: msgs, stream, metadata: { mock_chunks: '3' } });
    assert.equal(res.status, 200);
    if (stream) {
      const { events } = await readEvents(res);
      assert.equal(events.at(-1).data, '[DONE]');
      assert.ok(!events.some((e) => e.data.includes('error')), 'no trace of the failed channels');
    } else {
      const b = await res.json();
      assert.equal(b.choices[0].message.content.split(' ').length, 3, 'the mock answered');
    }
  }
  const rows = logsFor(k.tokenId);
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.deepEqual(tried(row), [refused, broken, k.channelId]);
    assert.equal(Number(row.channel_id), k.channelId);
  }
  assert.equal(f.hits, 2);
});

test('a channel that accepts and never answers is abandoned after the idle timeout', async (t) => {
  const k = tenant();
  const socks = [];
  const silent = net.createServer((s) => { socks.push(s); });
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => { socks.forEach((s) => s.destroy()); silent.close(); });
  const id = addChannel(k, `http://127.0.0.1:${silent.address().port}`, 10, 'silent');
  const t0 = Date.now();
  const res = await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs });
  assert.equal(res.status, 200);
  assert.ok(Date.now() - t0 >= 4500, 'waited for upstream_idle_timeout');
  assert.deepEqual(tried(logsFor(k.tokenId)[0]), [id, k.channelId]);
});

test('all channels fail: 502 and a full refund', async (t) => {
  const k = tenant();
  const f = await fakeUpstream();
  t.after(() => f.server.close());
  ctl(['channel', 'disable', String(k.channelId)]);
  addChannel(k, f.url, 10, 'only-500');
  const q0 = Number(one(`SELECT quota FROM users WHERE id=${k.userId}`)[0]);
  const res = await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs });
  assert.equal(res.status, 502);
  const b = await res.json();
  assert.equal(b.error.code, 'bad_upstream_response');
  assert.ok(!JSON.stringify(b).includes('sk-secret'), 'upstream text never leaks');
  assert.equal(Number(one(`SELECT quota FROM users WHERE id=${k.userId}`)[0]), q0);
});

test('the breaker opens after N failures, skips the channel, and a good probe closes it', async (t) => {
  const k = tenant();
  const f = await fakeUpstream();
  t.after(() => f.server.close());
  const id = addChannel(k, f.url, 10, 'flaky');
  const threshold = 3;  // NX_CONF_EXTRA of the test stack: breaker_threshold = 3, cooldown 2 s
  for (let i = 0; i < threshold; i++) {
    assert.equal((await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs })).status, 200);
  }
  assert.equal(f.hits, threshold);
  // open: skipped without a call
  for (let i = 0; i < 3; i++) {
    assert.equal((await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs })).status, 200);
  }
  assert.equal(f.hits, threshold, 'no call while the breaker is open');
  assert.deepEqual(tried(logsFor(k.tokenId).at(-1)), [k.channelId]);
  // after the cool-down one probe goes; it fails: open again
  await sleep(2300);
  await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs });
  assert.equal(f.hits, threshold + 1, 'exactly one probe');
  await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs });
  assert.equal(f.hits, threshold + 1, 'a failed probe reopens the breaker');
  // healthy now: the next probe succeeds and the channel is back in front
  f.mode = 'ok';
  await sleep(2300);
  const probe = await (await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs })).json();
  assert.equal(probe.choices[0].message.content, 'from fake');
  const again = await (await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs })).json();
  assert.equal(again.choices[0].message.content, 'from fake', 'closed: traffic flows to it again');
  assert.equal(Number(logsFor(k.tokenId).at(-1).channel_id), id);
});

test('an upstream 401 auto-disables the channel; housekeeping and channel test bring it back', async (t) => {
  const k = tenant();
  const f = await fakeUpstream();
  f.mode = '401';
  t.after(() => f.server.close());
  const id = addChannel(k, f.url, 10, 'bad-credential');
  const res = await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs });
  assert.equal(res.status, 200, 'the next channel answered');
  assert.equal(one(`SELECT status FROM channels WHERE id=${id}`)[0], '3');
  const sys = sql(`SELECT type, status, error_code FROM logs WHERE channel_id=${id} AND type=4`);
  assert.equal(sys.length, 1);
  assert.deepEqual(sys[0], ['4', '401', 'channel_auto_disabled']);
  await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs });
  assert.equal(f.hits, 1, 'a disabled channel gets no traffic');

  // The fake upstream lives in this process: run the probes asynchronously
  // so the event loop can answer them.
  const run = promisify(execFile);
  const housekeep = () => run(`${env.build}/nexhina`, ['housekeep', '-c', env.conf]);
  const chanTest = () => run(`${env.build}/nexhinactl`, ['-c', env.conf, 'channel', 'test', String(id)]);
  // still refused: housekeeping probes it and leaves it disabled
  await housekeep();
  assert.equal(f.hits, 2, 'probed');
  assert.equal(one(`SELECT status FROM channels WHERE id=${id}`)[0], '3');
  await assert.rejects(chanTest(), 'the manual probe fails too');
  assert.equal(f.hits, 3);
  // the credential works again: the next housekeeping run re-enables it
  f.mode = 'ok';
  await housekeep();
  assert.equal(one(`SELECT status FROM channels WHERE id=${id}`)[0], '1');
  assert.deepEqual(sql(`SELECT error_code FROM logs WHERE channel_id=${id} AND type=4 ORDER BY id`)
    .map((r) => r[0]), ['channel_auto_disabled', 'channel_reenabled']);
  const sent = JSON.parse(f.lastBody);
  assert.equal(sent.model, 'gpt-4o-mini', 'probe uses the test model (else the first model)');
  assert.equal(sent.max_tokens, 1);
  const { stdout: out } = await chanTest();
  assert.match(out, /channel \d+: ok \(status 200, \d+ ms\)/);
  const [rt, tt] = one(`SELECT response_time, test_time FROM channels WHERE id=${id}`);
  assert.ok(Number(tt) > 0 && Number(rt) >= 0);
  const back = await (await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini', messages: msgs })).json();
  assert.equal(back.choices[0].message.content, 'from fake', 'back in rotation');
});
