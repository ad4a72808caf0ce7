// Routing across provider types (issue 4): failover between channels of
// different types (an anthropic channel that answers 500 or refuses, then
// an openai or gemini one), an anthropic 401 auto-disabling its channel,
// Azure's deployment URL and api-key header, and the per-type probes of
// `nexhinactl channel test` against the mock's Anthropic and Gemini.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  env, servers, tenant, post, ctl, logsFor, one, sql, readEvents, mockRequests, mockClear,
} from './lib.mjs';

const [, base] = servers[0];
const run = promisify(execFile);
const tried = (row) => JSON.parse(row.other).channels_tried.split(',').map(Number);
const claude = 'claude-sonnet-4-20250514';

// A fake upstream answering every request with status and body of the
// current mode; records each request's method, URL, headers and body.
function fake(answer) {
  const f = { reqs: [], answer };
  f.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      f.reqs.push({ method: req.method, url: req.url, headers: req.headers, body });
      const [status, obj] = f.answer(body);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    });
  });
  return new Promise((r) => f.server.listen(0, '127.0.0.1', () => {
    f.url = `http://127.0.0.1:${f.server.address().port}`;
    r(f);
  }));
}

function addChannel(t, { type, url, models, priority, mapping, other, key = 'sk-fake-upstream' }) {
  const args = ['channel', 'add', '--type', type, '--name', `${type}-${priority}`,
    '--base-url', url, '--key-stdin', '--models', models, '--group', t.group,
    '--priority', String(priority)];
  if (mapping) args.push('--model-mapping', JSON.stringify(mapping));
  if (other) args.push('--other', JSON.stringify(other));
  return Number(ctl(args, key));
}

const anthropic500 = () => [500, { type: 'error', error: { type: 'api_error', message: 'fake overload' } }];

test('Messages client: anthropic channel answers 500, the openai channel answers (converted); both logged', async (t) => {
  const k = tenant({ models: claude });   // an openai channel (mock) at priority 0
  const f = await fake(anthropic500);
  t.after(() => f.server.close());
  const bad = addChannel(k, { type: 'anthropic', url: f.url, models: claude, priority: 10 });
  for (const stream of [false, true]) {
    const res = await post(base, '/v1/messages', k.key, { model: claude, max_tokens: 50, stream,
      messages: [{ role: 'user', content: 'fail over please' }] },
    { 'anthropic-version': '2023-06-01' });
    assert.equal(res.status, 200);
    if (stream) {
      const { events } = await readEvents(res);
      const types = events.map((e) => JSON.parse(e.data).type);
      assert.equal(types[0], 'message_start');
      assert.equal(types.at(-1), 'message_stop');
      assert.ok(!events.some((e) => e.data.includes('fake overload')), 'no trace of the failed channel');
    } else {
      const b = await res.json();
      assert.equal(b.type, 'message');
      assert.equal(b.model, claude, 'the client sees the name it asked for');
      assert.equal(b.content[0].text, 'w1 w2 w3 w4 w5', 'the mock answered via chat');
    }
  }
  assert.equal(f.reqs.length, 2);
  assert.equal(f.reqs[0].url, '/v1/messages');
  assert.equal(f.reqs[0].headers['x-api-key'], 'sk-fake-upstream');
  assert.equal(f.reqs[0].headers['anthropic-version'], '2023-06-01');
  const rows = logsFor(k.tokenId);
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.deepEqual(tried(row), [bad, k.channelId]);
    assert.equal(Number(row.channel_id), k.channelId);
    assert.ok(Number(row.completion_tokens) === 5 && Number(row.quota) > 0);
  }
});

test('OpenAI client: a refusing gemini channel, then an anthropic one (mock) answers', async () => {
  const k = tenant({ models: 'gemini-2.5-pro', type: 'anthropic', mapping: { 'gemini-2.5-pro': claude } });
  const refused = addChannel(k, { type: 'gemini', url: 'http://127.0.0.1:1', models: 'gemini-2.5-pro',
    priority: 10 });
  await mockClear();
  const res = await post(base, '/v1/chat/completions', k.key, { model: 'gemini-2.5-pro',
    messages: [{ role: 'user', content: '[mock chunks=3] hello' }] });
  assert.equal(res.status, 200);
  const b = await res.json();
  assert.equal(b.model, 'gemini-2.5-pro');
  assert.equal(b.choices[0].message.content, 'w1 w2 w3');
  const rec = (await mockRequests()).filter((r) => r.path.startsWith('/v1/messages'));
  assert.equal(rec.length, 1, 'converted to Messages for the anthropic channel');
  assert.equal(JSON.parse(rec[0].body).model, claude, 'mapped');
  const [row] = logsFor(k.tokenId);
  assert.deepEqual(tried(row), [refused, k.channelId]);
});

test('an anthropic 401 auto-disables its channel with a system log row; probe re-enables it', async (t) => {
  let ok = false;
  const f = await fake((body) => (ok
    ? [200, { id: 'msg_fake', type: 'message', role: 'assistant', model: JSON.parse(body).model,
      content: [{ type: 'text', text: 'pong' }], stop_reason: 'end_turn', stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 1 } }]
    : [401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }]));
  t.after(() => f.server.close());
  const k = tenant({ models: claude });
  const id = addChannel(k, { type: 'anthropic', url: f.url, models: claude, priority: 10 });
  const res = await post(base, '/v1/chat/completions', k.key, { model: claude,
    messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.status, 200, 'the next channel answered');
  assert.equal(one(`SELECT status FROM channels WHERE id=${id}`)[0], '3');
  assert.deepEqual(sql(`SELECT status, error_code FROM logs WHERE channel_id=${id} AND type=4`),
    [['401', 'channel_auto_disabled']]);
  await assert.rejects(run(`${env.build}/nexhinactl`, ['-c', env.conf, 'channel', 'test', String(id)]));
  const probe = f.reqs.at(-1);
  assert.equal(probe.url, '/v1/messages', 'the probe speaks Messages');
  assert.equal(probe.headers['anthropic-version'], '2023-06-01');
  assert.equal(JSON.parse(probe.body).max_tokens, 1);
  ok = true;
  await run(`${env.build}/nexhina`, ['housekeep', '-c', env.conf]);
  assert.equal(one(`SELECT status FROM channels WHERE id=${id}`)[0], '1', 're-enabled by the probe');
});

test('azure: deployment URL with api-version, api-key header, model mapped to the deployment', async (t) => {
  const f = await fake((body) => [200, { id: 'chatcmpl-az', object: 'chat.completion', created: 1,
    model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, finish_reason: 'stop', logprobs: null,
      message: { role: 'assistant', content: 'from azure', refusal: null } }],
    usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 }, echo: body }]);
  t.after(() => f.server.close());
  const k = tenant({ models: 'gpt-4o' });
  const az = addChannel(k, { type: 'azure', url: `${f.url}/`, models: 'gpt-4o-mini', priority: 10,
    mapping: { 'gpt-4o-mini': 'my-deploy' }, key: 'azure-secret' });
  const az2 = addChannel(k, { type: 'azure', url: f.url, models: 'gpt-4o', priority: 10,
    other: { api_version: '2025-01-01-preview' }, key: 'azure-secret-2' });
  let res = await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).choices[0].message.content, 'from azure');
  let r = f.reqs.at(-1);
  assert.equal(r.url, '/openai/deployments/gpt-4o/chat/completions?api-version=2025-01-01-preview');
  assert.equal(r.headers['api-key'], 'azure-secret-2');
  assert.equal(r.headers.authorization, undefined, 'no Bearer to Azure');
  res = await post(base, '/v1/chat/completions', k.key, { model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.status, 200);
  r = f.reqs.at(-1);
  assert.equal(r.url, '/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21');
  assert.equal(r.headers['api-key'], 'azure-secret');
  assert.equal(Number(logsFor(k.tokenId).at(-1).channel_id), az);
  assert.equal(Number(logsFor(k.tokenId).at(-2).channel_id), az2);
  // the mapped deployment and the default api-version, through the probe
  await run(`${env.build}/nexhinactl`, ['-c', env.conf, 'channel', 'test', String(az)]);
  assert.equal(f.reqs.at(-1).url, '/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21');
  assert.equal(f.reqs.at(-1).headers['api-key'], 'azure-secret');
});

test('channel test probes anthropic and gemini channels in their own dialect (mock)', async () => {
  for (const [type, model, path] of [['anthropic', claude, '/v1/messages'],
    ['gemini', 'gemini-2.5-pro', '/v1beta/models/gemini-2.5-pro:generateContent']]) {
    const k = tenant({ models: model, type });
    await mockClear();
    const { stdout } = await run(`${env.build}/nexhinactl`, ['-c', env.conf, 'channel', 'test', String(k.channelId)]);
    assert.match(stdout, /ok \(status 200/);
    const rec = await mockRequests();
    assert.equal(rec.length, 1);
    assert.equal(rec[0].path, path);
  }
});
