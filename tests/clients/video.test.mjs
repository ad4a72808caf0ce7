// The official `openai` npm SDK's videos resource against Nexhina, through
// lighttpd and Apache: videos.create (which the SDK always sends as
// multipart/form-data), videos.retrieve until the job is final,
// videos.downloadContent, and the 404 another key gets.
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import { servers, tenant, logsFor, userQuota, one, mockRequests, sleep } from '../integration/lib.mjs';
import { assertSchema } from '../integration/schema.mjs';

const RUN = `${process.pid}-${Date.now()}`;

async function untilFinal(client, id) {
  const t0 = Date.now();
  for (;;) {
    const v = await client.videos.retrieve(id);
    assertSchema(v, 'VideoResource');
    if (v.status === 'completed' || v.status === 'failed') return v;
    assert.ok(Date.now() - t0 < 8000, `still ${v.status}`);
    await sleep(100);
  }
}

for (const [name, base] of servers) {
  test(`${name}: openai SDK videos.create -> retrieve -> downloadContent`, async () => {
    const t = tenant({ models: 'sora,veo-2' });
    const q0 = userQuota(t.userId);
    const client = new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });
    const prompt = `[mock video_ms=300 bytes=80] A calico cat playing a piano (${name} ${RUN})`;
    const v = await client.videos.create({ model: 'sora', prompt, seconds: '8', size: '720x1280' });
    assertSchema(v, 'VideoResource');
    assert.equal(v.object, 'video');
    assert.equal(v.model, 'sora');
    assert.equal(v.prompt, prompt);
    assert.equal(v.seconds, '8');

    const up = (await mockRequests()).filter((r) => r.method === 'POST' &&
      r.path === '/v1/videos' && r.body.includes(RUN) && r.body.includes(name));
    assert.equal(up.length, 1);
    assert.deepEqual(JSON.parse(up[0].body),
      { model: 'sora', prompt, seconds: '8', size: '720x1280' },
      'the SDK\'s multipart fields reach the upstream as CreateVideoJsonBody');

    const done = await untilFinal(client, v.id);
    assert.equal(done.status, 'completed');
    assert.equal(done.progress, 100);
    const content = await client.videos.downloadContent(v.id);
    assert.equal(content.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await content.arrayBuffer());
    assert.equal(bytes.length, 80);
    assert.equal(bytes.subarray(4, 8).toString(), 'ftyp');

    const price = Number(one("SELECT unit_u DIV 1000000 FROM model_prices WHERE model='sora'")[0]);
    assert.equal(userQuota(t.userId), q0 - price);
    const logs = logsFor(t.tokenId);
    assert.equal(logs.length, 1);
    assert.equal(logs[0].type, '2');
    assert.equal(Number(logs[0].quota), price);
  });
}

test('openai SDK: a failed job is refunded; another key gets NotFoundError; a reference image uploads', async () => {
  const [, base] = servers[0];
  const t = tenant({ models: 'sora' });
  const other = tenant({ models: 'sora' });
  const q0 = userQuota(t.userId);
  const client = new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(100, 1)]);
  const v = await client.videos.create({
    model: 'sora', prompt: `[mock video_ms=200 fail=1] doomed ${RUN}`,
    input_reference: await toFile(png, 'ref.png', { type: 'image/png' }),
  });
  const up = (await mockRequests()).filter((r) => r.method === 'POST' &&
    r.path === '/v1/videos' && r.body.includes(`doomed ${RUN}`));
  assert.equal(up.length, 1);
  assert.equal(JSON.parse(up[0].body).input_reference.image_url,
    `data:image/png;base64,${png.toString('base64')}`);

  const done = await untilFinal(client, v.id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error.code, 'video_generation_failed');
  assert.equal(userQuota(t.userId), q0, 'refunded');
  assert.deepEqual(logsFor(t.tokenId).map((l) => l.type), ['2', '6']);

  await assert.rejects(client.videos.downloadContent(v.id), (e) => {
    assert.equal(e.status, 404);
    assert.equal(e.code, 'video_not_ready');
    return true;
  });
  const stranger = new OpenAI({ apiKey: other.key, baseURL: `${base}/v1`, maxRetries: 0 });
  await assert.rejects(stranger.videos.retrieve(v.id), (e) => {
    assert.ok(e instanceof OpenAI.NotFoundError);
    assert.equal(e.code, 'not_found');
    return true;
  });
  await assert.rejects(client.videos.create({ model: 'sora', prompt: '' }), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError);
    assert.equal(e.param, 'prompt');
    return true;
  });
});
