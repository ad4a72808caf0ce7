// The official `openai` npm SDK against Nexhina's image endpoints, through
// lighttpd and Apache: client.images.generate (b64_json and url) and
// client.images.edit with generated PNGs uploaded via toFile (one image
// with a mask, and an array of images, which the SDK sends as image[]).
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import {
  servers, tenant, logsFor, mockRequests, one, uniq, makePng,
} from '../integration/lib.mjs';
import { assertSchema } from '../integration/schema.mjs';

const MODELS = 'gpt-image-1,dall-e-3,dall-e-2';

function price(model, key) {
  const [unitU, extra] = one(`SELECT unit_u, extra FROM model_prices WHERE model='${model}'`);
  return JSON.parse(extra || '{}')[key] ?? Number(unitU) / 1e6;
}

function isPng(buf) {
  return buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

async function upstreamWith(nonce) {
  return (await mockRequests()).filter((r) => r.path.startsWith('/v1/images/') &&
    typeof r.body === 'string' && r.body.includes(nonce));
}

const png = await makePng(128, 128, { noise: true });
const mask = await makePng(128, 128);

for (const [name, base] of servers) {
  const client = (t) => new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });

  test(`${name}: openai SDK images.generate gpt-image-1 (b64_json, usage)`, async () => {
    const t = tenant({ models: MODELS });
    const r = await client(t).images.generate({ model: 'gpt-image-1', prompt: 'an otter',
      n: 2, size: '1536x1024', quality: 'medium' });
    assertSchema(r, 'ImagesResponse');
    assert.equal(r.data.length, 2);
    assert.ok(isPng(Buffer.from(r.data[0].b64_json, 'base64')));
    assert.equal(r.usage.output_tokens, 2 * 1584);
    const l = logsFor(t.tokenId).at(-1);
    assert.equal(Number(l.quota), 2 * price('gpt-image-1', '1536x1024/medium'));
  });

  test(`${name}: openai SDK images.generate dall-e-3 url`, async () => {
    const t = tenant({ models: MODELS });
    const r = await client(t).images.generate({ model: 'dall-e-3', prompt: 'a lighthouse',
      response_format: 'url', quality: 'standard', size: '1024x1792' });
    assertSchema(r, 'ImagesResponse');
    const img = Buffer.from(await (await fetch(r.data[0].url)).arrayBuffer());
    assert.ok(isPng(img));
    assert.equal(r.data[0].revised_prompt, 'a lighthouse');
    assert.equal(Number(logsFor(t.tokenId).at(-1).quota), price('dall-e-3', '1024x1792/standard'));
  });

  test(`${name}: openai SDK images.edit with toFile image and mask`, async () => {
    const t = tenant({ models: MODELS });
    const nonce = uniq('n');
    const r = await client(t).images.edit({
      model: 'gpt-image-1', prompt: `put a hat on it ${nonce}`, quality: 'low', size: '1024x1024',
      image: await toFile(png, 'otter.png', { type: 'image/png' }),
      mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
    });
    assertSchema(r, 'ImagesResponse');
    assert.equal(r.data.length, 1);
    assert.ok(isPng(Buffer.from(r.data[0].b64_json, 'base64')));
    const [up] = await upstreamWith(nonce);
    assert.match(up.headers['content-type'], /^multipart\/form-data; boundary=/);
    assert.match(up.body, /name="image"; filename="otter.png"/);
    assert.match(up.body, /name="mask"; filename="mask.png"/);
    assert.equal(Number(logsFor(t.tokenId).at(-1).quota), price('gpt-image-1', '1024x1024/low'));
  });

  test(`${name}: openai SDK images.edit with an array of images (image[])`, async () => {
    const t = tenant({ models: MODELS });
    const nonce = uniq('n');
    const r = await client(t).images.edit({
      model: 'gpt-image-1', prompt: `merge them ${nonce}`,
      image: [await toFile(png, 'a.png', { type: 'image/png' }),
        await toFile(mask, 'b.png', { type: 'image/png' })],
    });
    assertSchema(r, 'ImagesResponse');
    assert.equal(r.usage.input_tokens_details.image_tokens, 2 * 194, 'both images arrived');
    const [up] = await upstreamWith(nonce);
    assert.equal((up.body.match(/name="image\[\]"/g) || []).length, 2);
    // "auto" size and quality: charged at what the upstream reported.
    assert.equal(Number(logsFor(t.tokenId).at(-1).quota), price('gpt-image-1', `${r.size}/${r.quality}`));
  });

  test(`${name}: openai SDK images.edit validation error names the param`, async () => {
    const t = tenant({ models: MODELS });
    await assert.rejects(client(t).images.edit({
      model: 'dall-e-2', prompt: 'two is too many',
      image: [await toFile(png, 'a.png', { type: 'image/png' }),
        await toFile(png, 'b.png', { type: 'image/png' })],
    }), (e) => e instanceof OpenAI.BadRequestError && e.param === 'image');
  });
}
