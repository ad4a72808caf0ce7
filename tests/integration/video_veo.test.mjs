// Veo video jobs on a `gemini` channel (handlers/video.c, video_poll.c,
// app/providers/veo.c): the same client endpoints as OpenAI's video API,
// served through Google's long-running operations on the mock
// (tools/mock-upstream/gemini_veo.c, steered by a "[mock polls=.. fail=..]"
// prompt prefix).  Checked: what the client got (OpenAPI schemas), the
// predictLongRunning body the mock received (aspect ratio and duration
// mapped from size and seconds), the operation polls, the video bytes
// (equal to the mock's own file), the charge at creation and the refund
// of a failed operation, and that another key sees nothing.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  env, servers, tenant, post, mockRequests, logsFor, userQuota, one, sleep,
} from './lib.mjs';
import { assertSchema } from './schema.mjs';

const lighttpd = servers[0][1];
const RUN = `${process.pid}-${Date.now()}`;
const STATES = ['queued', 'in_progress', 'completed', 'failed'];

function get(base, path, key) {
  return fetch(base + path, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
}

function priceOf(model) {
  const [basis, unitU] = one(`SELECT basis, unit_u FROM model_prices WHERE model='${model}'`);
  assert.equal(basis, 'request');
  const n = BigInt(unitU) * 1000000n;
  const d = 1000000000000n;
  return Number((n + d - 1n) / d);
}

const keyRemain = (tid) => Number(one(`SELECT remain_quota FROM tokens WHERE id=${tid}`)[0]);
const task = (id) => {
  const r = one(`SELECT status, quota, channel_id, upstream_id, model FROM video_tasks WHERE id='${id}'`);
  return r && { status: r[0], quota: Number(r[1]), channel_id: Number(r[2]), upstream_id: r[3], model: r[4] };
};

// The mock's predictLongRunning requests whose prompt is prompt.
async function created(prompt) {
  return (await mockRequests()).filter((r) => r.method === 'POST' &&
    r.path === '/v1beta/models/veo-2:predictLongRunning' &&
    JSON.parse(r.body).instances?.[0]?.prompt === prompt);
}

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
    await sleep(50);
  }
}

// The mock's own bytes for an operation, fetched with the channel's key.
async function mockVideo(upstreamId) {
  const id = upstreamId.split('/').pop();
  const r = await fetch(`${env.mock}/v1beta/files/${id}:download?alt=media`,
    { headers: { 'x-goog-api-key': 'sk-mock-upstream' } });
  assert.equal(r.status, 200);
  return Buffer.from(await r.arrayBuffer());
}

for (const [name, base] of servers) {
  test(`${name}: POST /v1/videos on a gemini channel -> predictLongRunning -> operation polls -> content`, async () => {
    const t = tenant({ models: 'veo-2', type: 'gemini', keyArgs: ['--quota', '9000000'] });
    const q0 = userQuota(t.userId);
    const price = priceOf('veo-2');
    const prompt = `[mock polls=2 bytes=100] A lighthouse in a storm (${name} ${RUN})`;
    const res = await post(base, '/v1/videos', t.key,
      { model: 'veo-2', prompt, size: '1280x720', seconds: '8' });
    assert.equal(res.status, 200);
    const v = await res.json();
    assertSchema(v, 'VideoResource');
    assert.match(v.id, /^video_[0-9a-f]{32}$/);
    assert.equal(v.model, 'veo-2');
    assert.equal(v.status, 'queued');
    assert.equal(v.size, '1280x720');
    assert.equal(v.seconds, '8');

    // What Google's API got: the Veo body, with the channel's key.
    const c = await created(prompt);
    assert.equal(c.length, 1);
    assert.deepEqual(JSON.parse(c[0].body), {
      instances: [{ prompt }],
      parameters: { aspectRatio: '16:9', durationSeconds: 8, sampleCount: 1 },
    });
    assert.equal(c[0].headers['x-goog-api-key'], 'sk-mock-upstream');
    assert.equal(c[0].headers.authorization, undefined);
    const row = task(v.id);
    assert.match(row.upstream_id, /^models\/veo-2\/operations\/mockop[0-9a-f]+$/);
    assert.equal(row.channel_id, t.channelId);

    // Charged once at creation.
    assert.equal(row.quota, price);
    assert.equal(userQuota(t.userId), q0 - price);
    let logs = logsFor(t.tokenId);
    assert.deepEqual(logs.map((l) => l.type), ['2']);
    assert.equal(Number(logs[0].quota), price);
    assert.equal(JSON.parse(logs[0].other).upstream_id, row.upstream_id);

    // Another key (even of the same channel group) sees nothing.
    const other = tenant({ models: 'veo-2', type: 'gemini' });
    for (const p of [`/v1/videos/${v.id}`, `/v1/videos/${v.id}/content`,
      `/v1/video/generations/${v.id}`]) {
      const r = await get(base, p, other.key);
      assert.equal(r.status, 404, p);
      assert.equal((await r.json()).error.code, 'not_found');
    }

    // Content before completion: not ready (this read is a poll too).
    const early = await get(base, `/v1/videos/${v.id}/content`, t.key);
    assert.equal(early.status, 404);
    assert.equal((await early.json()).error.code, 'video_not_ready');

    const { body: done, seen } = await pollFinal(base, `/v1/videos/${v.id}`, t.key, (b) => {
      assertSchema(b, 'VideoResource');
      assert.ok(STATES.includes(b.status));
    });
    assert.equal(done.status, 'completed');
    assert.equal(done.progress, 100);
    assert.equal(done.error, null);
    assert.ok(seen.length >= 1);
    const opPolls = (await mockRequests()).filter((r) => r.method === 'GET' &&
      r.path === `/v1beta/${row.upstream_id}`);
    assert.equal(opPolls.length, 3, 'two done:false answers, then done');
    assert.ok(opPolls.every((r) => r.headers['x-goog-api-key'] === 'sk-mock-upstream'));

    // The bytes are the mock's file, with its type; fetched with the key.
    const got = await get(base, `/v1/videos/${v.id}/content`, t.key);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await got.arrayBuffer());
    assert.equal(bytes.length, 100);
    assert.equal(bytes.subarray(4, 8).toString(), 'ftyp');
    assert.ok(bytes.equals(await mockVideo(row.upstream_id)));
    const dl = (await mockRequests()).filter((r) => r.method === 'GET' &&
      r.path.startsWith('/v1beta/files/') && r.path.includes(row.upstream_id.split('/').pop()));
    assert.ok(dl.length >= 1);
    assert.equal(dl[0].headers['x-goog-api-key'], 'sk-mock-upstream');

    // Veo has no thumbnail.
    const th = await get(base, `/v1/videos/${v.id}/content?variant=thumbnail`, t.key);
    assert.equal(th.status, 400);
    assert.equal((await th.json()).error.param, 'variant');

    // Completion moved no money; a final job is not polled again.
    logs = logsFor(t.tokenId);
    assert.deepEqual(logs.map((l) => l.type), ['2']);
    assert.equal(userQuota(t.userId), q0 - price);
    assert.equal(task(v.id).status, 'completed');
    await get(base, `/v1/videos/${v.id}`, t.key);
    assert.equal((await mockRequests()).filter((r) => r.method === 'GET' &&
      r.path === `/v1beta/${row.upstream_id}`).length, 3);
  });
}

test('POST /v1/video/generations on a gemini channel: 9:16, duration, data[0].url serves the video', async () => {
  const t = tenant({ models: 'veo-2', type: 'gemini', keyArgs: ['--quota', '9000000'] });
  const prompt = `[mock polls=1 bytes=300] A paper boat on a river (${RUN})`;
  const res = await post(lighttpd, '/v1/video/generations', t.key,
    { model: 'veo-2', prompt, size: '720x1280', duration: 6 });
  assert.equal(res.status, 200);
  const v = await res.json();
  assert.equal(v.object, 'video.generation');
  assert.equal(v.status, 'queued');
  assert.deepEqual(v.data, []);
  const c = await created(prompt);
  assert.equal(c.length, 1);
  assert.deepEqual(JSON.parse(c[0].body).parameters,
    { aspectRatio: '9:16', durationSeconds: 6, sampleCount: 1 });

  const { body: done } = await pollFinal(lighttpd, `/v1/video/generations/${v.id}`, t.key, (b) => {
    assert.equal(b.object, 'video.generation');
    assert.ok(STATES.includes(b.status));
  });
  assert.equal(done.status, 'completed');
  assert.equal(done.data.length, 1);
  assert.ok(done.data[0].url.endsWith(`/v1/videos/${v.id}/content`));
  const got = await fetch(done.data[0].url, { headers: { Authorization: `Bearer ${t.key}` } });
  assert.equal(got.status, 200);
  const bytes = Buffer.from(await got.arrayBuffer());
  assert.equal(bytes.length, 300);
  assert.ok(bytes.equals(await mockVideo(task(v.id).upstream_id)));
  // The same job through the other family.
  const r = await (await get(lighttpd, `/v1/videos/${v.id}`, t.key)).json();
  assert.equal(r.status, 'completed');
  assert.equal(r.size, '720x1280');
  assert.equal(r.seconds, '6');
});

test('a failed Veo operation is refunded once: quota back, refund row, no content', async () => {
  const t = tenant({ models: 'veo-2', type: 'gemini', keyArgs: ['--quota', '9000000'] });
  const q0 = userQuota(t.userId);
  const k0 = keyRemain(t.tokenId);
  const price = priceOf('veo-2');
  const res = await post(lighttpd, '/v1/videos', t.key,
    { model: 'veo-2', prompt: `[mock polls=1 fail=1] a storm (${RUN})` });
  assert.equal(res.status, 200);
  const v = await res.json();
  assert.equal(userQuota(t.userId), q0 - price);
  const { body } = await pollFinal(lighttpd, `/v1/videos/${v.id}`, t.key,
    (b) => assertSchema(b, 'VideoResource'));
  assert.equal(body.status, 'failed');
  assert.deepEqual(body.error, { code: 'video_generation_failed',
    message: 'mock: the video failed to render' });

  // Read again (and concurrently): still one refund.
  await Promise.all([1, 2, 3].map(() => get(lighttpd, `/v1/videos/${v.id}`, t.key)));
  const logs = logsFor(t.tokenId);
  assert.deepEqual(logs.map((l) => l.type), ['2', '6']);
  assert.equal(Number(logs[1].quota), price);
  assert.equal(logs[1].error_code, 'video_failed');
  const other = JSON.parse(logs[1].other);
  assert.equal(other.video_id, v.id);
  assert.equal(other.upstream_id, task(v.id).upstream_id);
  assert.equal(userQuota(t.userId), q0, 'user quota back');
  assert.equal(keyRemain(t.tokenId), k0, 'key quota back');
  assert.equal(task(v.id).status, 'failed');
  const c = await get(lighttpd, `/v1/videos/${v.id}/content`, t.key);
  assert.equal(c.status, 404);
  assert.equal((await c.json()).error.code, 'video_not_ready');
});

test('Google refusing the request is the client\'s 400, not charged', async () => {
  const t = tenant({ models: 'veo-2', type: 'gemini', keyArgs: ['--quota', '9000000'] });
  const q0 = userQuota(t.userId);
  // Veo 2 takes 5..8 seconds: the mock refuses 4, as Google does.
  const res = await post(lighttpd, '/v1/videos', t.key,
    { model: 'veo-2', prompt: `a cat (${RUN})`, seconds: '4' });
  assert.equal(res.status, 400);
  const b = await res.json();
  assertSchema(b, 'ErrorResponse');
  assert.match(b.error.message, /durationSeconds/);
  assert.equal(userQuota(t.userId), q0);
  const logs = logsFor(t.tokenId);
  assert.equal(logs.length, 1);
  assert.equal(Number(logs[0].quota), 0);
  assert.equal(one(`SELECT COUNT(*) FROM video_tasks WHERE token_id=${t.tokenId}`)[0], '0');
});

// Google's file downloads may redirect to storage on another host; the
// gateway follows (at most UP_MAX_REDIRECTS = 3 hops), keeps the key on
// the channel's own origin and never sends it elsewhere.
async function veoDone(t, prompt) {
  const res = await post(lighttpd, '/v1/videos', t.key, { model: 'veo-2', prompt });
  assert.equal(res.status, 200);
  const v = await res.json();
  const { body } = await pollFinal(lighttpd, `/v1/videos/${v.id}`, t.key, () => {});
  assert.equal(body.status, 'completed');
  return { v, id: task(v.id).upstream_id.split('/').pop() };
}

test('Veo content: redirects are followed; the key stays on the channel\'s host', async () => {
  const t = tenant({ models: 'veo-2', type: 'gemini', keyArgs: ['--quota', '9000000'] });
  for (const hops of [1, 3]) {
    const { v, id } = await veoDone(t, `[mock polls=0 bytes=200 redirect=${hops}] a kite (${RUN})`);
    const got = await get(lighttpd, `/v1/videos/${v.id}/content`, t.key);
    assert.equal(got.status, 200, `${hops} hop(s)`);
    assert.equal(got.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await got.arrayBuffer());
    assert.equal(bytes.length, 200);
    assert.equal(bytes.subarray(4, 8).toString(), 'ftyp');
    const seen = (await mockRequests()).filter((r) => r.method === 'GET' && r.path.includes(id)
      && !r.path.includes('/operations/'));
    const home = seen.filter((r) => r.path.startsWith('/v1beta/files/'));
    const away = seen.filter((r) => r.path === `/_storage/veo/${id}`);
    assert.equal(home.length, hops, 'every same-host hop was asked');
    assert.ok(home.every((r) => r.headers['x-goog-api-key'] === 'sk-mock-upstream'),
      'the key goes along on the channel\'s own host');
    assert.equal(away.length, 1, 'the storage host was asked once');
    assert.equal(away[0].headers['x-goog-api-key'], undefined, 'no key on another host');
    assert.ok(!JSON.stringify(away[0].headers).includes('sk-mock-upstream'));
  }
  // Past three redirects the gateway gives up: a 502, nothing streamed.
  const { v, id } = await veoDone(t, `[mock polls=0 redirect=5] a loop (${RUN})`);
  const bad = await get(lighttpd, `/v1/videos/${v.id}/content`, t.key);
  assert.equal(bad.status, 502);
  assert.equal((await bad.json()).error.type, 'upstream_error');
  const hopsSeen = (await mockRequests()).filter((r) => r.path.startsWith('/v1beta/files/')
    && r.path.includes(id));
  assert.equal(hopsSeen.length, 4, 'the first call and three redirects, no more');
});
