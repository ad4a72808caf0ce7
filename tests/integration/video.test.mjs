// Video jobs end to end (handlers/video.c, video_poll.c): POST /v1/videos
// (JSON and multipart), GET /v1/videos/{id}, GET /v1/videos/{id}/content,
// POST /v1/video/generations and GET /v1/video/generations/{id}, through
// lighttpd and Apache to the mock's asynchronous jobs (controlled by a
// "[mock video_ms=.. fail=..]" prompt prefix, tools/mock-upstream/README.md).
// Checked: what the client got (against the OpenAPI schemas), what the mock
// received, the task row, the log rows, and the quota moved (computed from
// the price row): charged at creation, refunded exactly once on failure.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  servers, tenant, post, mockRequests, logsFor, userQuota, one, sql, ctl,
  sleep,
} from './lib.mjs';
import { assertSchema } from './schema.mjs';

const MODELS = 'sora,veo-2,gpt-4o-mini';
const STATES = ['queued', 'in_progress', 'completed', 'failed'];
const lighttpd = servers[0][1];
// Prompts carry a per-run tag: the mock's recording outlives a run.
const RUN = `${process.pid}-${Date.now()}`;

function get(base, path, key) {
  return fetch(base + path, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
}

// Quota of one request of model for a group ratio (docs/pricing.md:
// ceil(unit_u x ratio_u / 10^12)), from the price row itself.
function priceOf(model, ratioU = 1000000n) {
  const [basis, unitU] = one(`SELECT basis, unit_u FROM model_prices WHERE model='${model}'`);
  assert.equal(basis, 'request');
  const n = BigInt(unitU) * ratioU;
  const d = 1000000000000n;
  return Number((n + d - 1n) / d);
}

const keyRemain = (tid) => Number(one(`SELECT remain_quota FROM tokens WHERE id=${tid}`)[0]);
const keyUsed = (tid) => Number(one(`SELECT used_quota FROM tokens WHERE id=${tid}`)[0]);
const chanUsed = (cid) => Number(one(`SELECT used_quota FROM channels WHERE id=${cid}`)[0]);
const holdsOf = (tid) => Number(one(`SELECT COUNT(*) FROM quota_holds WHERE token_id=${tid}`)[0]);
const task = (id) => {
  const r = one(`SELECT status, quota, channel_id, upstream_id, model FROM video_tasks WHERE id='${id}'`);
  return r && { status: r[0], quota: Number(r[1]), channel_id: Number(r[2]), upstream_id: r[3], model: r[4] };
};

// The mock's requests whose path starts with p.
async function mockAt(p) {
  return (await mockRequests()).filter((r) => r.path.startsWith(p));
}

// GETs path until the job is final; every answer is checked by check().
async function pollFinal(base, path, key, check, ms = 8000) {
  const t0 = Date.now();
  const seen = [];
  for (;;) {
    const r = await get(base, path, key);
    assert.equal(r.status, 200);
    const b = await r.json();
    check(b);
    seen.push(b.status);
    if (b.status === 'completed' || b.status === 'failed') return { body: b, seen };
    assert.ok(Date.now() - t0 < ms, `job still ${b.status} after ${ms} ms`);
    await sleep(100);
  }
}

function assertError(b, code, param) {
  assertSchema(b, 'ErrorResponse');
  assert.equal(b.error.code, code);
  if (param !== undefined) assert.equal(b.error.param, param);
}

for (const [name, base] of servers) {
  test(`${name}: POST /v1/videos -> poll -> completed -> content; charged once at creation`, async () => {
    const t = tenant({ models: MODELS, keyArgs: ['--quota', '5000000'] });
    const q0 = userQuota(t.userId);
    const k0 = keyRemain(t.tokenId);
    const price = priceOf('sora');
    const prompt = `[mock video_ms=700 bytes=100] A calico cat playing a piano on stage (${name} ${RUN})`;
    const res = await post(base, '/v1/videos', t.key,
      { model: 'sora', prompt, size: '1280x720', seconds: '8', extra_field: 'kept' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
    const v = await res.json();
    assertSchema(v, 'VideoResource');
    assert.match(v.id, /^video_[0-9a-f]{32}$/);
    assert.equal(v.object, 'video');
    assert.equal(v.model, 'sora');
    assert.ok(['queued', 'in_progress'].includes(v.status));
    assert.equal(v.prompt, prompt);
    assert.equal(v.size, '1280x720');
    assert.equal(v.seconds, '8');
    assert.equal(v.error, null);

    // What went upstream, with the channel's credential.
    const row = task(v.id);
    assert.equal(row.model, 'sora');
    assert.equal(row.channel_id, t.channelId);
    const created = (await mockAt('/v1/videos')).filter((r) => r.method === 'POST' &&
      JSON.parse(r.body).prompt === prompt);
    assert.equal(created.length, 1);
    const sent = JSON.parse(created[0].body);
    assert.deepEqual(sent, { model: 'sora', prompt, size: '1280x720', seconds: '8', extra_field: 'kept' });
    assert.equal(created[0].headers.authorization, 'Bearer sk-mock-upstream');
    assert.notEqual(row.upstream_id, v.id, 'the client sees the gateway id, not the upstream one');

    // Charged at creation: one consume row with the formula's inputs.
    assert.equal(price, 200000);
    let logs = logsFor(t.tokenId);
    assert.equal(logs.length, 1);
    assert.equal(logs[0].type, '2');
    assert.equal(Number(logs[0].quota), price);
    assert.equal(logs[0].request_id, res.headers.get('x-request-id'));
    assert.equal(Number(logs[0].channel_id), t.channelId);
    const other = JSON.parse(logs[0].other);
    assert.equal(other.basis, 'request');
    assert.equal(other.units, 1);
    assert.equal(other.unit, 'request');
    assert.equal(other.unit_u, 200000000000);
    assert.equal(other.group_ratio_u, 1000000);
    assert.equal(other.video_id, v.id);
    assert.equal(other.upstream_id, row.upstream_id);
    assert.equal(userQuota(t.userId), q0 - price);
    assert.equal(keyRemain(t.tokenId), k0 - price);
    assert.equal(holdsOf(t.tokenId), 0, 'no hold outlives the creation (hold_ttl cannot refund it)');
    assert.equal(row.quota, price);

    // Poll: every answer a VideoResource, states only move forward.
    const { body: done, seen } = await pollFinal(base, `/v1/videos/${v.id}`, t.key, (b) => {
      assertSchema(b, 'VideoResource');
      assert.equal(b.id, v.id);
      assert.ok(STATES.includes(b.status));
    });
    assert.equal(done.status, 'completed');
    assert.equal(done.progress, 100);
    assert.equal(typeof done.completed_at, 'number');
    assert.ok(done.expires_at > done.completed_at);
    for (let i = 1; i < seen.length; i++)
      assert.ok(STATES.indexOf(seen[i]) >= STATES.indexOf(seen[i - 1]), `states ${seen}`);
    const polls = (await mockAt(`/v1/videos/${row.upstream_id}`)).length;
    assert.ok(polls >= 1, 'each read of a running job asks the upstream');

    // A final job is not polled again.
    const again = await (await get(base, `/v1/videos/${v.id}`, t.key)).json();
    assert.equal(again.status, 'completed');
    assert.equal((await mockAt(`/v1/videos/${row.upstream_id}`)).length, polls);

    // Content: the upstream's bytes and type.
    const c = await get(base, `/v1/videos/${v.id}/content`, t.key);
    assert.equal(c.status, 200);
    assert.equal(c.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await c.arrayBuffer());
    assert.equal(bytes.length, 100);
    assert.equal(bytes.subarray(4, 8).toString(), 'ftyp');
    const th = await get(base, `/v1/videos/${v.id}/content?variant=thumbnail`, t.key);
    assert.equal(th.status, 200);
    assert.equal(th.headers.get('content-type'), 'image/webp');
    assert.equal(Buffer.from(await th.arrayBuffer()).subarray(0, 4).toString(), 'RIFF');

    // Completion moved no money: still the one charge.
    logs = logsFor(t.tokenId);
    assert.equal(logs.length, 1);
    assert.equal(userQuota(t.userId), q0 - price);
    assert.equal(keyUsed(t.tokenId), price);
    assert.equal(chanUsed(t.channelId), price);
    assert.equal(Number(one(`SELECT request_count FROM users WHERE id=${t.userId}`)[0]), 1);
    assert.equal(task(v.id).status, 'completed');
  });
}

test('a failed job is refunded exactly once: quota back, refund log row, no content', async () => {
  const t = tenant({ models: MODELS, keyArgs: ['--quota', '5000000'] });
  const q0 = userQuota(t.userId);
  const k0 = keyRemain(t.tokenId);
  const price = priceOf('veo-2');
  const res = await post(lighttpd, '/v1/videos', t.key,
    { model: 'veo-2', prompt: '[mock video_ms=300 fail=1] a storm' });
  assert.equal(res.status, 200);
  const v = await res.json();
  assertSchema(v, 'VideoResource');
  assert.equal(userQuota(t.userId), q0 - price);
  const { body } = await pollFinal(lighttpd, `/v1/videos/${v.id}`, t.key,
    (b) => assertSchema(b, 'VideoResource'));
  assert.equal(body.status, 'failed');
  assert.deepEqual(body.error, { code: 'video_generation_failed',
    message: 'mock: the video failed to render' });
  assert.equal(body.completed_at, null);

  const logs = logsFor(t.tokenId);
  assert.deepEqual(logs.map((l) => l.type), ['2', '6']);
  assert.equal(Number(logs[0].quota), price);
  assert.equal(Number(logs[1].quota), price, 'the refund row says what came back');
  assert.equal(logs[1].error_code, 'video_failed');
  const other = JSON.parse(logs[1].other);
  assert.equal(other.reason, 'video_failed');
  assert.equal(other.video_id, v.id);
  assert.equal(other.charge_request_id, logs[0].request_id);
  assert.equal(userQuota(t.userId), q0, 'user quota back');
  assert.equal(keyRemain(t.tokenId), k0, 'key quota back');
  assert.equal(keyUsed(t.tokenId), 0);
  assert.equal(chanUsed(t.channelId), 0);
  assert.equal(task(v.id).status, 'failed');

  // Reads after the end neither poll nor refund again.
  for (let i = 0; i < 3; i++) {
    const b = await (await get(lighttpd, `/v1/video/generations/${v.id}`, t.key)).json();
    assert.equal(b.status, 'failed');
    assert.deepEqual(b.data, []);
    assert.equal(b.error.code, 'video_generation_failed');
  }
  assert.equal(logsFor(t.tokenId).length, 2);
  assert.equal(userQuota(t.userId), q0);

  const c = await get(lighttpd, `/v1/videos/${v.id}/content`, t.key);
  assert.equal(c.status, 404);
  assertError(await c.json(), 'video_not_ready', null);
});

test('racing GETs: a failure is refunded once, a completion charged once', async () => {
  const t = tenant({ models: MODELS }); // unlimited key: only the user pays
  const q0 = userQuota(t.userId);
  const price = priceOf('sora');
  const ids = [];
  for (const p of ['[mock video_ms=300 fail=1] race to fail', '[mock video_ms=300] race to finish']) {
    const r = await post(lighttpd, '/v1/videos', t.key, { model: 'sora', prompt: p });
    assert.equal(r.status, 200);
    ids.push((await r.json()).id);
  }
  assert.equal(userQuota(t.userId), q0 - 2 * price);
  await sleep(500); // both jobs are final upstream; the gateway has not looked yet
  const answers = await Promise.all(ids.flatMap((id) => Array.from({ length: 8 },
    (_, i) => get(i % 2 ? servers[servers.length - 1][1] : lighttpd,
      i % 3 ? `/v1/videos/${id}` : `/v1/video/generations/${id}`, t.key)
      .then(async (r) => ({ id, status: r.status, body: await r.json() })))));
  for (const a of answers) {
    assert.equal(a.status, 200);
    assert.equal(a.body.status, a.id === ids[0] ? 'failed' : 'completed');
  }
  const logs = logsFor(t.tokenId);
  assert.deepEqual(logs.map((l) => l.type).sort(), ['2', '2', '6'], 'two charges, one refund');
  assert.equal(userQuota(t.userId), q0 - price, 'the failed one refunded once, the other charged once');
  assert.equal(keyRemain(t.tokenId), 0, 'an unlimited key\'s balance is left alone');
  assert.equal(keyUsed(t.tokenId), price);
  assert.equal(task(ids[0]).status, 'failed');
  assert.equal(task(ids[1]).status, 'completed');
});

test('a job belongs to its key: another key (even of the same user) gets 404', async () => {
  const a = tenant({ models: MODELS });
  const b = tenant({ models: MODELS });
  const a2 = ctl(['key', 'create', '--user', a.user, '--name', 'second', '--unlimited']);
  const r = await post(lighttpd, '/v1/videos', a.key, { model: 'sora', prompt: '[mock video_ms=100] mine' });
  const v = await r.json();
  assert.equal(r.status, 200);
  for (const key of [b.key, a2]) {
    for (const p of [`/v1/videos/${v.id}`, `/v1/videos/${v.id}/content`,
      `/v1/video/generations/${v.id}`]) {
      const x = await get(lighttpd, p, key);
      assert.equal(x.status, 404, p);
      const body = await x.json();
      assertError(body, 'not_found', null);
      assert.equal(body.error.message, `No video found with id '${v.id}'.`);
    }
  }
  // Unknown and malformed ids look the same.
  for (const p of ['/v1/videos/video_00000000000000000000000000000000', `/v1/videos/${'x'.repeat(65)}`,
    '/v1/videos/a%2Fb', '/v1/video/generations/nope']) {
    const x = await get(lighttpd, p, a.key);
    assert.equal(x.status, 404, p);
    assertError(await x.json(), 'not_found');
  }
  const x = await get(lighttpd, `/v1/videos/${v.id}`, null);
  assert.equal(x.status, 401);
  assert.equal((await get(lighttpd, `/v1/videos/${v.id}`, a.key)).status, 200, 'the owner still can');
  assert.equal(logsFor(b.tokenId).length, 0);
});

test('validation errors name the field; nothing is held, billed or sent upstream', async () => {
  const t = tenant({ models: MODELS });
  const q0 = userQuota(t.userId);
  const before = (await mockAt('/v1/videos')).length;
  const cases = [
    ['/v1/videos', {}, 'prompt'],
    ['/v1/videos', { prompt: 5 }, 'prompt'],
    ['/v1/videos', { prompt: '' }, 'prompt'],
    ['/v1/videos', { prompt: 'é'.repeat(32001) }, 'prompt'],
    ['/v1/videos', { prompt: 'x', model: 7 }, 'model'],
    ['/v1/videos', { prompt: 'x', model: '' }, 'model'],
    ['/v1/videos', { prompt: 'x', size: '640x480' }, 'size'],
    ['/v1/videos', { prompt: 'x', seconds: 8 }, 'seconds'],
    ['/v1/videos', { prompt: 'x', seconds: '0' }, 'seconds'],
    ['/v1/videos', { prompt: 'x', seconds: '61' }, 'seconds'],
    ['/v1/videos', { prompt: 'x', seconds: '08' }, 'seconds'],
    ['/v1/videos', { prompt: 'x', input_reference: 'https://x/y.png' }, 'input_reference'],
    ['/v1/videos', { prompt: 'x', input_reference: {} }, 'input_reference'],
    ['/v1/videos', { prompt: 'x', input_reference: { image_url: 'ftp://x/y.png' } }, 'input_reference'],
    ['/v1/videos', { prompt: 'x', input_reference: { image_url: 'https://x', file_id: 'f' } }, 'input_reference'],
    ['/v1/videos', { prompt: 'x', input_reference: { file_id: '' } }, 'input_reference'],
    ['/v1/videos', { prompt: 'x', model: 'gpt-4o-mini' }, 'model'],
    ['/v1/video/generations', { model: 'sora' }, 'prompt'],
    ['/v1/video/generations', { prompt: 'x', duration: 0 }, 'duration'],
    ['/v1/video/generations', { prompt: 'x', duration: 2.5 }, 'duration'],
    ['/v1/video/generations', { prompt: 'x', seconds: 'abc' }, 'seconds'],
    ['/v1/video/generations', { prompt: 'x', n: 2 }, 'n'],
    ['/v1/video/generations', { prompt: 'x', image: 'nope' }, 'image'],
    ['/v1/video/generations', { prompt: 'x', size: 'big' }, 'size'],
  ];
  for (const [path, body, param] of cases) {
    const r = await post(lighttpd, path, t.key, body);
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body).slice(0, 80)}`);
    const b = await r.json();
    assertError(b, 'invalid_request', param);
    assert.ok(b.error.message.includes(param), b.error.message);
  }
  for (const [body, why] of [['{"prompt":', 'bad JSON'], ['[1]', 'not an object'], ['', 'empty']]) {
    const r = await post(lighttpd, '/v1/videos', t.key, body);
    assert.equal(r.status, 400, why);
    assertError(await r.json(), 'invalid_request', null);
  }
  const unknown = await post(lighttpd, '/v1/videos', t.key, { prompt: 'x', model: 'sora-9' });
  assert.equal(unknown.status, 404);
  assertError(await unknown.json(), 'model_not_found', 'model');
  const big = await post(lighttpd, '/v1/videos', t.key,
    JSON.stringify({ prompt: 'x', pad: 'y'.repeat(17 << 20) }));
  assert.equal(big.status, 413);
  assertError(await big.json(), 'request_too_large');
  const badVariant = await get(lighttpd, '/v1/videos/video_x/content?variant=gif', t.key);
  assert.equal(badVariant.status, 400);
  assertError(await badVariant.json(), 'invalid_request', 'variant');

  assert.equal((await mockAt('/v1/videos')).length, before, 'nothing went upstream');
  assert.equal(logsFor(t.tokenId).length, 0);
  assert.equal(userQuota(t.userId), q0);
  assert.equal(holdsOf(t.tokenId), 0);
  assert.equal(Number(one(`SELECT COUNT(*) FROM video_tasks WHERE token_id=${t.tokenId}`)[0]), 0);
});

test('insufficient quota: 402 before any upstream call', async () => {
  const t = tenant({ models: MODELS, keyArgs: ['--quota', '1000'] });
  const prompt = `[mock video_ms=100] too expensive ${RUN}`;
  const r = await post(lighttpd, '/v1/videos', t.key, { model: 'sora', prompt });
  assert.equal(r.status, 402);
  assertError(await r.json(), 'insufficient_quota');
  assert.equal((await mockAt('/v1/videos')).filter((x) => x.body.includes(prompt)).length, 0);
  assert.equal(Number(one(`SELECT COUNT(*) FROM video_tasks WHERE token_id=${t.tokenId}`)[0]), 0);
  assert.equal(keyRemain(t.tokenId), 1000);
});

test('upstream refuses the job: its 4xx passes through (masked), 5xx is a 502; both refunded', async () => {
  const t = tenant({ models: MODELS });
  const q0 = userQuota(t.userId);
  const r1 = await post(lighttpd, '/v1/videos', t.key, { model: 'sora', prompt: '[mock status=400] no' });
  assert.equal(r1.status, 400);
  const b1 = await r1.json();
  assertSchema(b1, 'ErrorResponse');
  assert.equal(b1.error.message, 'mock injected HTTP status 400');
  const r2 = await post(lighttpd, '/v1/videos', t.key, { model: 'sora', prompt: '[mock status=503] down' });
  assert.equal(r2.status, 502);
  assertError(await r2.json(), 'bad_upstream_response');
  const logs = logsFor(t.tokenId);
  assert.deepEqual(logs.map((l) => [l.type, l.quota, l.status]),
    [['5', '0', '400'], ['5', '0', '502']]);
  assert.equal(logs[0].error_code, 'upstream_client_error');
  assert.equal(userQuota(t.userId), q0);
  assert.equal(holdsOf(t.tokenId), 0);
  assert.equal(Number(one(`SELECT COUNT(*) FROM video_tasks WHERE token_id=${t.tokenId}`)[0]), 0);
});

test('an unreachable poll keeps the stored state; no refund, no charge change', async () => {
  const t = tenant({ models: MODELS });
  const q0 = userQuota(t.userId);
  const r = await post(lighttpd, '/v1/videos', t.key,
    { model: 'sora', prompt: '[mock video_ms=50 poll_status=500] flaky' });
  const v = await r.json();
  assert.equal(r.status, 200);
  await sleep(100);
  const g = await get(lighttpd, `/v1/videos/${v.id}`, t.key);
  assert.equal(g.status, 200);
  const b = await g.json();
  assertSchema(b, 'VideoResource');
  assert.equal(b.status, v.status);
  const up = task(v.id).upstream_id;
  assert.ok((await mockAt(`/v1/videos/${up}`)).some((x) => x.status === 500), 'the upstream was asked');
  assert.deepEqual(logsFor(t.tokenId).map((l) => l.type), ['2']);
  assert.equal(userQuota(t.userId), q0 - priceOf('sora'));
});

test('POST /v1/video/generations: VideoGenerationResponse, seconds from duration, group ratio, url to content', async () => {
  const t = tenant({ models: MODELS });
  ctl(['group', 'set', t.group, '--ratio', '1.5']);
  const q0 = userQuota(t.userId);
  const price = priceOf('veo-2', 1500000n);
  assert.equal(price, 3000000);
  const prompt = `[mock video_ms=300] waves at dusk ${RUN}`;
  const r = await post(lighttpd, '/v1/video/generations', t.key,
    { model: 'veo-2', prompt, duration: 8, size: '1280x720', image: 'https://example.com/a.png' });
  assert.equal(r.status, 200);
  const g = await r.json();
  assert.deepEqual(Object.keys(g).sort(), ['created', 'data', 'id', 'model', 'object', 'status']);
  assert.equal(g.object, 'video.generation');
  assert.equal(g.model, 'veo-2');
  assert.match(g.id, /^video_[0-9a-f]{32}$/);
  assert.equal(typeof g.created, 'number');
  assert.deepEqual(g.data, []);
  const sent = (await mockAt('/v1/videos')).filter((x) => x.method === 'POST' && x.body.includes(prompt));
  assert.equal(sent.length, 1);
  assert.deepEqual(JSON.parse(sent[0].body), { model: 'veo-2', prompt, size: '1280x720', seconds: '8',
    input_reference: { image_url: 'https://example.com/a.png' } });
  assert.equal(userQuota(t.userId), q0 - price);
  assert.equal(JSON.parse(logsFor(t.tokenId)[0].other).group_ratio_u, 1500000);

  const { body: done } = await pollFinal(lighttpd, `/v1/video/generations/${g.id}`, t.key, (b) => {
    assert.equal(b.object, 'video.generation');
    assert.ok(Array.isArray(b.data));
  });
  assert.equal(done.status, 'completed');
  assert.equal(done.data.length, 1);
  assert.equal(done.data[0].url, `${lighttpd}/v1/videos/${g.id}/content`);
  const c = await get('', done.data[0].url, t.key);
  assert.equal(c.status, 200);
  assert.equal(c.headers.get('content-type'), 'video/mp4');
  assert.equal(Buffer.from(await c.arrayBuffer()).length, 64);
  const vr = await (await get(lighttpd, `/v1/videos/${g.id}`, t.key)).json();
  assertSchema(vr, 'VideoResource');
  assert.equal(vr.seconds, '8');
  assert.equal(vr.status, 'completed');
});

test('multipart POST /v1/videos (what the SDK sends): fields and an input_reference image', async () => {
  const t = tenant({ models: MODELS });
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.alloc(300, 7)]);
  const fd = new FormData();
  fd.append('model', 'sora');
  fd.append('prompt', `[mock video_ms=100] from a form ${RUN}`);
  fd.append('seconds', '12');
  fd.append('input_reference', new Blob([png], { type: 'image/png' }), 'ref.png');
  const r = await fetch(`${lighttpd}/v1/videos`, { method: 'POST',
    headers: { Authorization: `Bearer ${t.key}` }, body: fd });
  assert.equal(r.status, 200);
  const v = await r.json();
  assertSchema(v, 'VideoResource');
  assert.equal(v.seconds, '12');
  const sent = (await mockAt('/v1/videos')).filter((x) => x.method === 'POST' && x.body.includes(`from a form ${RUN}`));
  assert.equal(sent.length, 1);
  const up = JSON.parse(sent[0].body);
  assert.equal(up.model, 'sora');
  assert.equal(up.seconds, '12');
  assert.equal(up.input_reference.image_url, `data:image/png;base64,${png.toString('base64')}`);
  assert.equal(logsFor(t.tokenId).length, 1);

  const bad = new FormData();
  bad.append('model', 'sora');
  bad.append('input_reference', new Blob(['hello'], { type: 'text/plain' }), 'a.txt');
  bad.append('prompt', 'x');
  const r2 = await fetch(`${lighttpd}/v1/videos`, { method: 'POST',
    headers: { Authorization: `Bearer ${t.key}` }, body: bad });
  assert.equal(r2.status, 400);
  assertError(await r2.json(), 'invalid_request', 'input_reference');
  const none = new FormData();
  none.append('model', 'sora');
  const r3 = await fetch(`${lighttpd}/v1/videos`, { method: 'POST',
    headers: { Authorization: `Bearer ${t.key}` }, body: none });
  assert.equal(r3.status, 400);
  assertError(await r3.json(), 'invalid_request', 'prompt');
  const trunc = await fetch(`${lighttpd}/v1/videos`, { method: 'POST',
    headers: { Authorization: `Bearer ${t.key}`, 'Content-Type': 'multipart/form-data; boundary=XyZ' },
    body: '--XyZ\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nx' });
  assert.equal(trunc.status, 400);
  assertError(await trunc.json(), 'invalid_request');
  assert.equal(logsFor(t.tokenId).length, 1);
  assert.equal(sql(`SELECT id FROM video_tasks WHERE token_id=${t.tokenId}`).length, 1);
});
