// POST /v1/images/generations (JSON) and POST /v1/images/edits (multipart)
// end to end through lighttpd and Apache, the workers, MariaDB and the mock:
// what the client got (ImagesResponse), what the mock received, the log row
// and the quota charged, computed from the seeded price rows; every
// documented validation error (400/413 naming its param) with no upstream
// call and no charge; upstream failures refunded; failover and model
// mapping for multipart bodies.  Mock controls ride in the prompt:
// "[mock status=500] ..." (tools/mock-upstream/README.md).
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  servers, tenant, post, mockRequests, logsFor, userQuota, one, ctl, uniq,
  env, makePng,
} from './lib.mjs';
import { assertSchema } from './schema.mjs';
import http from 'node:http';
import { sql } from './lib.mjs';

const MODELS = 'gpt-image-1,dall-e-3,dall-e-2,gpt-4o-mini';

// Quota of n images at size/quality from the price row (docs/pricing.md):
// ceil(n x extra["size/quality"] x ratio), else unit_u / 10^6 per image.
function priceOf(model, size, quality, n = 1, ratio = 1) {
  const [unitU, extra] = one(`SELECT unit_u, extra FROM model_prices WHERE model='${model}'`);
  const tab = extra ? JSON.parse(extra) : {};
  const per = tab[`${size}/${quality}`] ?? Number(unitU) / 1e6;
  return Math.ceil(n * per * ratio);
}

async function upstreamWith(nonce) {
  return (await mockRequests()).filter((r) => r.path.startsWith('/v1/images/') &&
    typeof r.body === 'string' && r.body.includes(nonce));
}

// Parts of a recorded multipart body: [{name, filename, ctype, value}].
function parts(rec) {
  const b = /boundary=("?)([^";]+)\1/.exec(rec.headers['content-type'])[2];
  return rec.body.split(`--${b}`).slice(1, -1).map((p) => {
    const [head, ...rest] = p.slice(2).split('\r\n\r\n');
    const value = rest.join('\r\n\r\n').slice(0, -2);
    return {
      name: /name="([^"]*)"/.exec(head)?.[1],
      filename: /filename="([^"]*)"/.exec(head)?.[1],
      ctype: /content-type: *([^\r]*)/i.exec(head)?.[1],
      value,
    };
  });
}

function noCharge(t, q0) {
  assert.equal(userQuota(t.userId), q0, 'nothing charged');
  const holds = one(`SELECT COUNT(*) FROM quota_holds WHERE token_id=${t.tokenId}`)[0];
  assert.equal(Number(holds), 0, 'no hold left');
}

function lastLog(t) {
  const logs = logsFor(t.tokenId);
  return { ...logs.at(-1), n: logs.length, other: JSON.parse(logs.at(-1).other) };
}

function form(fields, files = []) {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, String(v));
  for (const [k, buf, name, type] of files) f.append(k, new Blob([buf], { type }), name);
  return f;
}

function edit(base, key, fd) {
  return fetch(`${base}/v1/images/edits`, { method: 'POST',
    headers: { Authorization: `Bearer ${key}` }, body: fd });
}

function isPng(b64) {
  return Buffer.from(b64, 'base64').subarray(0, 8)
    .equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

// A fake upstream (as in failover.test.mjs) that answers every request
// with `status` and an OpenAI error; records each body (latin1) and path.
function fakeUpstream(status) {
  const f = { hits: [], status };
  f.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      f.hits.push({ path: req.url, headers: req.headers,
        body: Buffer.concat(chunks).toString('latin1') });
      res.writeHead(f.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `fake ${f.status}`, type: 'invalid_request_error',
        param: null, code: f.status === 401 ? 'invalid_api_key' : null } }));
    });
  });
  return new Promise((r) => f.server.listen(0, '127.0.0.1', () => {
    f.url = `http://127.0.0.1:${f.server.address().port}`;
    r(f);
  }));
}

const png = await makePng(64, 64);
const pngWide = await makePng(64, 32);
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]);

for (const [name, base] of servers) {
  test(`${name}: gpt-image-1 generation: b64 PNGs, usage passed through, 2 x 1024x1024/low charged`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const nonce = uniq('n');
    const res = await post(base, '/v1/images/generations', t.key, { model: 'gpt-image-1',
      prompt: `a red fox ${nonce}`, n: 2, size: '1024x1024', quality: 'low',
      background: 'opaque', output_format: 'png', moderation: 'low', user: 'u-1' });
    assert.equal(res.status, 200);
    const body = await res.json();
    assertSchema(body, 'ImagesResponse');
    assert.equal(body.data.length, 2);
    assert.ok(body.data.every((d) => isPng(d.b64_json) && d.url === undefined));
    assert.equal(body.size, '1024x1024');
    assert.equal(body.quality, 'low');
    assertSchema(body.usage, 'ImagesUsage');
    assert.equal(body.usage.output_tokens, 2 * 272);

    const [up] = await upstreamWith(nonce);
    const sent = JSON.parse(up.body);
    assert.equal(sent.model, 'gpt-image-1');
    assert.equal(sent.n, 2);
    assert.equal(sent.moderation, 'low', 'fields pass through');
    assert.equal(sent.user, 'u-1');
    assert.equal(up.headers.authorization, 'Bearer sk-mock-upstream');

    const want = priceOf('gpt-image-1', '1024x1024', 'low', 2);
    assert.equal(want, 11000);
    const l = lastLog(t);
    assert.equal(l.type, '2');
    assert.equal(l.request_id, res.headers.get('x-request-id'));
    assert.equal(Number(l.quota), want);
    assert.equal(Number(l.prompt_tokens), body.usage.input_tokens);
    assert.equal(Number(l.completion_tokens), body.usage.output_tokens);
    assert.equal(l.other.basis, 'image');
    assert.equal(l.other.unit, 'image');
    assert.equal(l.other.units, 2);
    assert.equal(l.other.usage_source, 'upstream');
    assert.equal(l.other.held, want, 'hold was exactly the known price');
    assert.equal(l.other.detail.price_key, '1024x1024/low');
    assert.deepEqual(l.other.detail.usage, body.usage);
    assert.equal(userQuota(t.userId), q0 - want);
    noCharge({ ...t }, q0 - want);
  });

  test(`${name}: gpt-image-1 auto size/quality: dearest held, charged at what the upstream reports`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const res = await post(base, '/v1/images/generations', t.key,
      { model: 'gpt-image-1', prompt: 'auto everything', size: 'auto', quality: 'auto' });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.size, '1024x1536');
    assert.equal(body.quality, 'high');
    const want = priceOf('gpt-image-1', '1024x1536', 'high');
    const l = lastLog(t);
    assert.equal(Number(l.quota), want);
    assert.equal(l.other.held, 125000, 'the dearest entry of the table');
    assert.equal(l.other.detail.priced_by, 'response');
    assert.equal(userQuota(t.userId), q0 - want);
  });

  test(`${name}: dall-e-3 hd 1792x1024 b64_json with style, group ratio 1.5 applied`, async () => {
    const t = tenant({ models: MODELS });
    ctl(['group', 'set', t.group, '--ratio', '1.5']);
    const q0 = userQuota(t.userId);
    const nonce = uniq('n');
    const res = await post(base, '/v1/images/generations', t.key, { model: 'dall-e-3',
      prompt: `lighthouse ${nonce}`, size: '1792x1024', quality: 'hd', style: 'natural',
      response_format: 'b64_json' });
    assert.equal(res.status, 200);
    const body = await res.json();
    assertSchema(body, 'ImagesResponse');
    assert.equal(body.data.length, 1);
    assert.ok(isPng(body.data[0].b64_json));
    assert.equal(body.data[0].revised_prompt, `lighthouse ${nonce}`);
    assert.equal(body.usage, undefined);
    const sent = JSON.parse((await upstreamWith(nonce))[0].body);
    assert.equal(sent.style, 'natural');
    assert.equal(sent.quality, 'hd');
    const want = priceOf('dall-e-3', '1792x1024', 'hd', 1, 1.5);
    assert.equal(want, 90000);
    const l = lastLog(t);
    assert.equal(Number(l.quota), want);
    assert.equal(l.other.group_ratio_u, 1500000);
    assert.equal(l.other.usage_source, 'request');
    assert.equal(userQuota(t.userId), q0 - want);
  });

  test(`${name}: dall-e-2 is the default model; url answers point at a fetchable PNG; 3 x 512x512`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const nonce = uniq('n');
    const res = await post(base, '/v1/images/generations', t.key,
      { prompt: `tiny ${nonce}`, n: 3, size: '512x512' });
    assert.equal(res.status, 200);
    const body = await res.json();
    assertSchema(body, 'ImagesResponse');
    assert.equal(body.data.length, 3);
    const img = Buffer.from(await (await fetch(body.data[0].url)).arrayBuffer());
    assert.ok(isPng(img.toString('base64')));
    assert.equal(JSON.parse((await upstreamWith(nonce))[0].body).model, 'dall-e-2',
      'the default model is named upstream');
    const want = priceOf('dall-e-2', '512x512', 'standard', 3);
    assert.equal(want, 27000);
    const l = lastLog(t);
    assert.equal(l.model_name, 'dall-e-2');
    assert.equal(Number(l.quota), want);
    assert.equal(userQuota(t.userId), q0 - want);
  });

  test(`${name}: upstream 500 on every channel: 502, refunded, error logged`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const res = await post(base, '/v1/images/generations', t.key,
      { model: 'gpt-image-1', prompt: '[mock status=500] boom', quality: 'low' });
    assert.equal(res.status, 502);
    assert.equal((await res.json()).error.code, 'bad_upstream_response');
    const l = lastLog(t);
    assert.equal(l.type, '5');
    assert.equal(Number(l.quota), 0);
    noCharge(t, q0);
  });

  test(`${name}: upstream 400 passes through with its param, refunded`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const res = await post(base, '/v1/images/generations', t.key,
      { model: 'dall-e-2', prompt: '[mock status=400] nope' });
    assert.equal(res.status, 400);
    const e = (await res.json()).error;
    assert.equal(e.message, 'mock injected error: bad request');
    assert.equal(lastLog(t).error_code, 'upstream_client_error');
    noCharge(t, q0);
  });

  test(`${name}: hold larger than the balance: 402, nothing sent upstream`, async () => {
    const t = tenant({ models: MODELS, quota: 100000 });
    const nonce = uniq('n');
    const res = await post(base, '/v1/images/generations', t.key,
      { model: 'gpt-image-1', prompt: `pricey ${nonce}`, quality: 'high', size: '1536x1024' });
    assert.equal(res.status, 402);
    assert.equal((await res.json()).error.code, 'insufficient_quota');
    assert.equal((await upstreamWith(nonce)).length, 0);
    noCharge(t, 100000);
  });

  test(`${name}: generation failover and model mapping: dead channel first, mapped name upstream`, async () => {
    const t = tenant({ models: MODELS, mapping: { 'dall-e-2': 'dall-e-2-mapped' } });
    ctl(['channel', 'add', '--type', 'openai', '--name', uniq('dead'), '--base-url',
      'http://127.0.0.1:1', '--key-stdin', '--models', MODELS, '--group', t.group,
      '--priority', '10'], 'sk-dead');
    const nonce = uniq('n');
    const res = await post(base, '/v1/images/generations', t.key,
      { model: 'dall-e-2', prompt: `map ${nonce}`, response_format: 'b64_json' });
    // The mock does not know dall-e-2-mapped's rules: it answers per dall-e-2 defaults.
    assert.equal(res.status, 200);
    assert.equal(JSON.parse((await upstreamWith(nonce))[0].body).model, 'dall-e-2-mapped');
    const l = lastLog(t);
    assert.equal(l.other.channels_tried.split(',').length, 2);
    assert.equal(Number(l.channel_id), t.channelId);
    assert.equal(Number(l.quota), priceOf('dall-e-2', '1024x1024', 'standard'));
  });

  const bad = [
    ['missing prompt', { model: 'dall-e-2' }, 'prompt'],
    ['prompt not a string', { model: 'dall-e-2', prompt: 7 }, 'prompt'],
    ['empty prompt', { model: 'dall-e-2', prompt: '' }, 'prompt'],
    ['dall-e-2 prompt over 1000', { model: 'dall-e-2', prompt: 'x'.repeat(1001) }, 'prompt'],
    ['dall-e-3 prompt over 4000', { model: 'dall-e-3', prompt: 'é'.repeat(4001) }, 'prompt'],
    ['gpt-image-1 prompt over 32000', { model: 'gpt-image-1', prompt: 'x'.repeat(32001) }, 'prompt'],
    ['model not a string', { model: 5, prompt: 'p' }, 'model'],
    ['model not an image model', { model: 'gpt-4o-mini', prompt: 'p' }, 'model'],
    ['n 0', { model: 'dall-e-2', prompt: 'p', n: 0 }, 'n'],
    ['n 11', { model: 'gpt-image-1', prompt: 'p', n: 11 }, 'n'],
    ['n 2 for dall-e-3', { model: 'dall-e-3', prompt: 'p', n: 2 }, 'n'],
    ['n 1.5', { model: 'dall-e-2', prompt: 'p', n: 1.5 }, 'n'],
    ['n as a string', { model: 'dall-e-2', prompt: 'p', n: '2' }, 'n'],
    ['dall-e-2 size 1792x1024', { model: 'dall-e-2', prompt: 'p', size: '1792x1024' }, 'size'],
    ['dall-e-3 size 1536x1024', { model: 'dall-e-3', prompt: 'p', size: '1536x1024' }, 'size'],
    ['gpt-image-1 size 256x256', { model: 'gpt-image-1', prompt: 'p', size: '256x256' }, 'size'],
    ['gpt-image-1 quality hd', { model: 'gpt-image-1', prompt: 'p', quality: 'hd' }, 'quality'],
    ['dall-e-3 quality high', { model: 'dall-e-3', prompt: 'p', quality: 'high' }, 'quality'],
    ['dall-e-2 quality hd', { model: 'dall-e-2', prompt: 'p', quality: 'hd' }, 'quality'],
    ['gpt-image-1 style', { model: 'gpt-image-1', prompt: 'p', style: 'vivid' }, 'style'],
    ['dall-e-3 style bright', { model: 'dall-e-3', prompt: 'p', style: 'bright' }, 'style'],
    ['gpt-image-1 response_format url', { model: 'gpt-image-1', prompt: 'p', response_format: 'url' }, 'response_format'],
    ['dall-e-2 response_format png', { model: 'dall-e-2', prompt: 'p', response_format: 'png' }, 'response_format'],
    ['dall-e-3 background', { model: 'dall-e-3', prompt: 'p', background: 'transparent' }, 'background'],
    ['gpt-image-1 background blue', { model: 'gpt-image-1', prompt: 'p', background: 'blue' }, 'background'],
    ['transparent jpeg', { model: 'gpt-image-1', prompt: 'p', background: 'transparent', output_format: 'jpeg' }, 'background'],
    ['dall-e-2 moderation', { model: 'dall-e-2', prompt: 'p', moderation: 'low' }, 'moderation'],
    ['gpt-image-1 moderation high', { model: 'gpt-image-1', prompt: 'p', moderation: 'high' }, 'moderation'],
    ['dall-e-2 output_format', { model: 'dall-e-2', prompt: 'p', output_format: 'webp' }, 'output_format'],
    ['gpt-image-1 output_format gif', { model: 'gpt-image-1', prompt: 'p', output_format: 'gif' }, 'output_format'],
    ['output_compression 101', { model: 'gpt-image-1', prompt: 'p', output_compression: 101 }, 'output_compression'],
    ['dall-e-3 output_compression', { model: 'dall-e-3', prompt: 'p', output_compression: 50 }, 'output_compression'],
    ['stream true', { model: 'gpt-image-1', prompt: 'p', stream: true }, 'stream'],
    ['stream not a boolean', { model: 'gpt-image-1', prompt: 'p', stream: 'yes' }, 'stream'],
    ['input_fidelity on generations', { model: 'gpt-image-1', prompt: 'p', input_fidelity: 'high' }, 'input_fidelity'],
  ];

  test(`${name}: generations: every invalid parameter is a 400 naming it, nothing sent or charged`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const nonce = uniq('n');
    for (const [what, body, param] of bad) {
      if (typeof body.prompt === 'string' && body.prompt.length > 0 && body.prompt.length < 100) body.prompt += ` ${nonce}`;
      const res = await post(base, '/v1/images/generations', t.key, body);
      assert.equal(res.status, 400, what);
      const e = (await res.json()).error;
      assert.equal(e.param, param, `${what}: ${e.message}`);
      assert.equal(e.type, 'invalid_request_error', what);
      assert.ok(e.message.includes(param), `${what}: message names ${param}: ${e.message}`);
    }
    const nf = await post(base, '/v1/images/generations', t.key, { model: 'no-such-model', prompt: 'p' });
    assert.equal(nf.status, 404);
    assert.equal((await nf.json()).error.param, 'model');
    const bj = await post(base, '/v1/images/generations', t.key, '{"prompt":');
    assert.equal(bj.status, 400);
    assert.equal((await upstreamWith(nonce)).length, 0, 'nothing reached the upstream');
    assert.equal(logsFor(t.tokenId).filter((l) => l.type !== '3').length, 0, 'no usage rows');
    noCharge(t, q0);
  });

  test(`${name}: edit with two images and a mask: parts upstream intact, typed, charged at the reported size`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const nonce = uniq('n');
    const big = await makePng(600, 600, { noise: true });
    const res = await edit(base, t.key, form(
      { model: 'gpt-image-1', prompt: `add a hat ${nonce}`, n: 2, quality: 'medium',
        size: '1024x1024', input_fidelity: 'high', background: 'auto' },
      [['image[]', big, 'big.png', 'application/octet-stream'],
        ['image[]', png, 'small.png', 'image/png'],
        ['mask', await makePng(600, 600), 'mask.png', 'image/png']]));
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assertSchema(body, 'ImagesResponse');
    assert.equal(body.data.length, 2);
    assert.ok(isPng(body.data[1].b64_json));
    assert.equal(body.usage.input_tokens_details.image_tokens, 2 * 194);

    const [up] = await upstreamWith(nonce);
    const ps = parts(up);
    const by = (n) => ps.filter((p) => p.name === n);
    assert.equal(by('model')[0].value, 'gpt-image-1');
    assert.equal(by('prompt')[0].value, `add a hat ${nonce}`);
    assert.equal(by('n')[0].value, '2');
    assert.equal(by('input_fidelity')[0].value, 'high');
    assert.deepEqual(by('image[]').map((p) => p.filename), ['big.png', 'small.png']);
    assert.deepEqual(by('image[]').map((p) => p.ctype), ['image/png', 'image/png'],
      'image type from the file, not the client\'s octet-stream');
    assert.equal(by('mask')[0].filename, 'mask.png');
    assert.ok(Number(up.headers['content-length'] ?? 0) > big.length || up.body.length > 100000,
      'the big file went up (the mock also checked every PNG chunk CRC)');

    const want = priceOf('gpt-image-1', '1024x1024', 'medium', 2);
    assert.equal(want, 42000);
    const l = lastLog(t);
    assert.equal(l.type, '2');
    assert.equal(Number(l.quota), want);
    assert.equal(l.other.units, 2);
    assert.equal(Number(l.prompt_tokens), body.usage.input_tokens);
    assert.equal(userQuota(t.userId), q0 - want);
  });

  test(`${name}: dall-e-2 edit with one square PNG answers a url; 256x256 charged`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const res = await edit(base, t.key, form({ model: 'dall-e-2', prompt: 'square', size: '256x256' },
      [['image', png, 'sq.png', 'image/png']]));
    assert.equal(res.status, 200);
    const body = await res.json();
    assertSchema(body, 'ImagesResponse');
    assert.match(body.data[0].url, /^http:\/\/.*\/_mock\/files\/.*\.png$/);
    const want = priceOf('dall-e-2', '256x256', 'standard');
    assert.equal(Number(lastLog(t).quota), want);
    assert.equal(userQuota(t.userId), q0 - want);
  });

  test(`${name}: edit failover and mapping: the model part names each channel's mapped model`, async () => {
    const t = tenant({ models: MODELS, mapping: { 'gpt-image-1': 'gpt-image-1-mini' } });
    const dead = ctl(['channel', 'add', '--type', 'openai', '--name', uniq('dead'), '--base-url',
      'http://127.0.0.1:1', '--key-stdin', '--models', MODELS, '--group', t.group,
      '--priority', '10', '--model-mapping', '{"gpt-image-1":"gpt-image-1-dead"}'], 'sk-dead');
    const nonce = uniq('n');
    const res = await edit(base, t.key, form({ model: 'gpt-image-1', prompt: `pinned ${nonce}`,
      quality: 'low', size: '1024x1024' }, [['image', png, 'a.png', 'image/png']]));
    assert.equal(res.status, 200);
    const ups = await upstreamWith(nonce);
    assert.equal(ups.length, 1);
    assert.equal(parts(ups[0]).find((p) => p.name === 'model').value, 'gpt-image-1-mini');
    const l = lastLog(t);
    assert.equal(l.other.channels_tried, `${Number(dead)},${t.channelId}`, 'each channel listed once');
    assert.equal(l.other.upstream_model, 'gpt-image-1-mini');
    assert.equal(Number(l.quota), priceOf('gpt-image-1', '1024x1024', 'low'));
  });

  test(`${name}: edit failover between channels of one mapping stays inside relay_call`, async () => {
    const t = tenant({ models: MODELS });
    const dead = ctl(['channel', 'add', '--type', 'openai', '--name', uniq('dead'), '--base-url',
      'http://127.0.0.1:1', '--key-stdin', '--models', MODELS, '--group', t.group,
      '--priority', '10'], 'sk-dead');
    const nonce = uniq('n');
    const res = await edit(base, t.key, form({ model: 'dall-e-2', prompt: `same ${nonce}` },
      [['image', png, 'a.png', 'image/png']]));
    assert.equal(res.status, 200);
    const ups = await upstreamWith(nonce);
    assert.equal(ups.length, 1);
    assert.equal(parts(ups[0]).find((p) => p.name === 'model').value, 'dall-e-2');
    const l = lastLog(t);
    assert.equal(l.other.channels_tried, `${Number(dead)},${t.channelId}`);
    assert.equal(l.other.upstream_model, undefined, 'not mapped');
    assert.equal(Number(l.quota), priceOf('dall-e-2', '1024x1024', 'standard'));
  });

  test(`${name}: edit: an upstream 401 auto-disables the channel, the next answers`, async (t) => {
    const k = tenant({ models: MODELS, mapping: { 'gpt-image-1': 'gpt-image-1-mini' } });
    const f = await fakeUpstream(401);
    t.after(() => f.server.close());
    const bad = Number(ctl(['channel', 'add', '--type', 'openai', '--name', uniq('bad'), '--base-url',
      f.url, '--key-stdin', '--models', MODELS, '--group', k.group, '--priority', '10',
      '--model-mapping', '{"gpt-image-1":"gpt-image-1-fake"}'], 'sk-revoked'));
    const q0 = userQuota(k.userId);
    const nonce = uniq('n');
    const fd = () => form({ model: 'gpt-image-1', prompt: `revoked ${nonce}`, quality: 'low',
      size: '1024x1024' }, [['image', png, 'a.png', 'image/png']]);
    const res = await edit(base, k.key, fd());
    assert.equal(res.status, 200, 'the next channel answered');
    assertSchema(await res.json(), 'ImagesResponse');
    assert.equal(f.hits.length, 1);
    assert.equal(f.hits[0].path, '/v1/images/edits');
    const sentBad = parts({ headers: f.hits[0].headers, body: f.hits[0].body });
    assert.equal(sentBad.find((p) => p.name === 'model').value, 'gpt-image-1-fake', 'its own mapping');
    assert.equal(sentBad.find((p) => p.name === 'image').ctype, 'image/png');
    const ups = await upstreamWith(nonce);
    assert.equal(ups.length, 1);
    assert.equal(parts(ups[0]).find((p) => p.name === 'model').value, 'gpt-image-1-mini');

    assert.equal(one(`SELECT status FROM channels WHERE id=${bad}`)[0], '3');
    assert.deepEqual(sql(`SELECT type, status, error_code FROM logs WHERE channel_id=${bad} AND type=4`),
      [['4', '401', 'channel_auto_disabled']]);
    const l = lastLog(k);
    assert.equal(l.type, '2');
    assert.equal(l.other.channels_tried, `${bad},${k.channelId}`);
    assert.equal(l.other.upstream_model, 'gpt-image-1-mini');
    assert.equal(Number(l.channel_id), k.channelId);
    const want = priceOf('gpt-image-1', '1024x1024', 'low');
    assert.equal(Number(l.quota), want);
    assert.equal(userQuota(k.userId), q0 - want);

    const again = await edit(base, k.key, fd());
    assert.equal(again.status, 200);
    await again.json();
    assert.equal(f.hits.length, 1, 'a disabled channel gets no traffic');
    assert.equal(lastLog(k).other.channels_tried, String(k.channelId));
  });

  test(`${name}: edit upstream 503: 502 and refunded`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const res = await edit(base, t.key, form({ model: 'gpt-image-1', prompt: '[mock status=503] x' },
      [['image', png, 'a.png', 'image/png']]));
    assert.equal(res.status, 502);
    assert.equal(lastLog(t).type, '5');
    noCharge(t, q0);
  });

  const badEdits = [
    ['no image', { model: 'gpt-image-1', prompt: 'p' }, [], 'image'],
    ['image as a text field', { model: 'gpt-image-1', prompt: 'p', image: 'abc' }, [], 'image'],
    ['image not an image', { model: 'gpt-image-1', prompt: 'p' }, [['image', Buffer.from('hello'), 'a.txt', 'text/plain']], 'image'],
    ['empty image', { model: 'gpt-image-1', prompt: 'p' }, [['image', Buffer.alloc(0), 'a.png', 'image/png']], 'image'],
    ['17 images', { model: 'gpt-image-1', prompt: 'p' }, Array.from({ length: 17 }, () => ['image[]', png, 'a.png', 'image/png']), 'image'],
    ['dall-e-2 two images', { model: 'dall-e-2', prompt: 'p' }, [['image[]', png, 'a.png', 'image/png'], ['image[]', png, 'b.png', 'image/png']], 'image'],
    ['dall-e-2 jpeg', { model: 'dall-e-2', prompt: 'p' }, [['image', jpeg, 'a.jpg', 'image/jpeg']], 'image'],
    ['dall-e-2 not square', { model: 'dall-e-2', prompt: 'p' }, [['image', pngWide, 'a.png', 'image/png']], 'image'],
    ['mask jpeg', { model: 'gpt-image-1', prompt: 'p' }, [['image', png, 'a.png', 'image/png'], ['mask', jpeg, 'm.jpg', 'image/jpeg']], 'mask'],
    ['mask other size', { model: 'gpt-image-1', prompt: 'p' }, [['image', png, 'a.png', 'image/png'], ['mask', pngWide, 'm.png', 'image/png']], 'mask'],
    ['two masks', { model: 'gpt-image-1', prompt: 'p' }, [['image', png, 'a.png', 'image/png'], ['mask', png, 'm.png', 'image/png'], ['mask', png, 'n.png', 'image/png']], 'mask'],
    ['dall-e-3 edits', { model: 'dall-e-3', prompt: 'p' }, [['image', png, 'a.png', 'image/png']], 'model'],
    ['missing prompt', { model: 'gpt-image-1' }, [['image', png, 'a.png', 'image/png']], 'prompt'],
    ['dall-e-2 prompt over 1000', { model: 'dall-e-2', prompt: 'y'.repeat(1001) }, [['image', png, 'a.png', 'image/png']], 'prompt'],
    ['prompt as a file', { model: 'gpt-image-1' }, [['image', png, 'a.png', 'image/png'], ['prompt', png, 'p.png', 'image/png']], 'prompt'],
    ['n not a number', { model: 'gpt-image-1', prompt: 'p', n: 'two' }, [['image', png, 'a.png', 'image/png']], 'n'],
    ['n 11', { model: 'gpt-image-1', prompt: 'p', n: 11 }, [['image', png, 'a.png', 'image/png']], 'n'],
    ['size 1792x1024', { model: 'gpt-image-1', prompt: 'p', size: '1792x1024' }, [['image', png, 'a.png', 'image/png']], 'size'],
    ['style on edits', { model: 'gpt-image-1', prompt: 'p', style: 'vivid' }, [['image', png, 'a.png', 'image/png']], 'style'],
    ['gpt response_format', { model: 'gpt-image-1', prompt: 'p', response_format: 'url' }, [['image', png, 'a.png', 'image/png']], 'response_format'],
    ['dall-e-2 input_fidelity', { model: 'dall-e-2', prompt: 'p', input_fidelity: 'high' }, [['image', png, 'a.png', 'image/png']], 'input_fidelity'],
    ['stream true', { model: 'gpt-image-1', prompt: 'p', stream: 'true' }, [['image', png, 'a.png', 'image/png']], 'stream'],
  ];

  test(`${name}: edits: every invalid field is a 400 naming it, nothing sent or charged`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const nonce = uniq('n');
    for (const [what, fields, files, param] of badEdits) {
      const f = { ...fields };
      if (typeof f.prompt === 'string' && f.prompt.length > 0 && f.prompt.length < 100) f.prompt += ` ${nonce}`;
      const fd = form(f, files);
      if (what === 'missing prompt' || what === 'prompt as a file') fd.append('user', nonce);
      const res = await edit(base, t.key, fd);
      const e = (await res.json()).error;
      assert.equal(res.status, 400, `${what}: ${e.message}`);
      assert.equal(e.param, param, `${what}: ${e.message}`);
    }
    // Duplicate text field, by hand.
    const dup = form({ model: 'gpt-image-1', prompt: `a ${nonce}` }, [['image', png, 'a.png', 'image/png']]);
    dup.append('prompt', 'again');
    let res = await edit(base, t.key, dup);
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.param, 'prompt');
    // Not multipart at all.
    res = await post(base, '/v1/images/edits', t.key, { model: 'gpt-image-1', prompt: nonce });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error.message, /multipart/);
    // Malformed multipart: no close delimiter.
    res = await fetch(`${base}/v1/images/edits`, { method: 'POST', headers: {
      Authorization: `Bearer ${t.key}`, 'Content-Type': 'multipart/form-data; boundary=XyZ' },
    body: `--XyZ\r\nContent-Disposition: form-data; name="prompt"\r\n\r\n${nonce}\r\n` });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error.message, /close delimiter/);
    assert.equal((await upstreamWith(nonce)).length, 0, 'nothing reached the upstream');
    assert.equal(logsFor(t.tokenId).filter((l) => l.type !== '3').length, 0, 'no usage rows');
    noCharge(t, q0);
  });

  test(`${name}: edits: a file over 25 MB is a 413 naming it; a body over the cap is a 413`, async () => {
    const t = tenant({ models: MODELS });
    const q0 = userQuota(t.userId);
    const nonce = uniq('n');
    const huge = Buffer.alloc(25 * 1024 * 1024 + 1, 0x41);
    png.copy(huge);
    let res = await edit(base, t.key, form({ model: 'gpt-image-1', prompt: nonce },
      [['image', huge, 'huge.png', 'image/png']]));
    let e = (await res.json()).error;
    assert.equal(res.status, 413);
    assert.equal(e.param, 'image');
    assert.equal(e.code, 'request_too_large');
    const cap = 27262976; // body_max_multipart's default
    res = await edit(base, t.key, form({ model: 'gpt-image-1', prompt: nonce },
      [['image', Buffer.alloc(cap, 0x42), 'a.png', 'image/png']]));
    e = (await res.json()).error;
    assert.equal(res.status, 413);
    assert.equal(e.param, null);
    assert.equal((await upstreamWith(nonce)).length, 0);
    noCharge(t, q0);
  });
}

test('env: the mock serves image urls without a key', async () => {
  const r = await fetch(`${env.mock}/_mock/files/x.png`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/png');
});
