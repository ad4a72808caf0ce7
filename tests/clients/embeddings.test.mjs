// The official `openai` npm SDK against Nexhina, through lighttpd and
// Apache: client.embeddings.create with every input form, both encodings
// (the SDK asks for base64 by default and decodes it itself) and
// dimensions; client.moderations.create with text and image inputs.
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  servers, tenant, logsFor, mockRequests, eventually, uniq,
} from '../integration/lib.mjs';
import { assertSchema } from '../integration/schema.mjs';

const f32 = (b64) => {
  const buf = Buffer.from(b64, 'base64');
  return Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
};
const norm = (v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));

async function lastMock(path, pred) {
  const all = await mockRequests();
  return all.filter((r) => r.path.startsWith(path) && pred(r)).at(-1);
}

function client(t, base) {
  return new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });
}

for (const [name, base] of servers) {
  test(`${name}: SDK embeddings.create(string): default base64, decoded by the SDK`, async () => {
    const t = tenant({ models: 'text-embedding-3-small' });
    const c = client(t, base);
    const input = `sdk default ${uniq('s')}`;
    const r = await c.embeddings.create({ model: 'text-embedding-3-small', input });
    assert.equal(r.object, 'list');
    assert.equal(r.data.length, 1);
    const v = r.data[0].embedding;
    assert.ok(Array.isArray(v), 'the SDK decoded the base64 into numbers');
    assert.equal(v.length, 1536);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
    assert.equal(r.usage.prompt_tokens, 3);
    const up = await lastMock('/v1/embeddings', (x) => x.body.includes(input));
    assert.equal(JSON.parse(up.body).encoding_format, 'float',
      'the SDK asked the gateway for base64, the gateway asked upstream for floats');

    const f = await c.embeddings.create({ model: 'text-embedding-3-small', input,
      encoding_format: 'float' });
    assertSchema(f, 'CreateEmbeddingResponse');
    assert.deepEqual(v, f.data[0].embedding.map(Math.fround),
      'decoded base64 = float32 of the float answer');
    const l = await eventually(() => logsFor(t.tokenId).length === 2 && logsFor(t.tokenId));
    assert.deepEqual(l.map((x) => Number(x.prompt_tokens)), [3, 3]);
  });

  test(`${name}: SDK embeddings.create(string[]) with encoding_format base64`, async () => {
    const t = tenant({ models: 'text-embedding-3-small' });
    const c = client(t, base);
    const input = ['one', `two ${uniq('t')}`];
    const r = await c.embeddings.create({ model: 'text-embedding-3-small', input,
      encoding_format: 'base64', dimensions: 32 });
    assertSchema(r, 'CreateEmbeddingResponse');
    assert.equal(r.data.length, 2);
    for (const d of r.data) {
      assert.equal(typeof d.embedding, 'string', 'asked for base64: returned as is');
      assert.equal(f32(d.embedding).length, 32);
    }
    const f = await c.embeddings.create({ model: 'text-embedding-3-small', input,
      encoding_format: 'float', dimensions: 32 });
    assert.deepEqual(f32(r.data[1].embedding), f.data[1].embedding.map(Math.fround));
    assert.equal(r.usage.prompt_tokens, 3);
  });

  test(`${name}: SDK embeddings.create with token ids (number[] and number[][])`, async () => {
    const t = tenant({ models: 'text-embedding-3-large' });
    const c = client(t, base);
    let r = await c.embeddings.create({ model: 'text-embedding-3-large',
      input: [1212, 318, 257, 1332, 13], dimensions: 256 });
    assert.equal(r.data.length, 1);
    assert.equal(r.data[0].embedding.length, 256);
    assert.equal(r.usage.prompt_tokens, 5);
    r = await c.embeddings.create({ model: 'text-embedding-3-large',
      input: [[1212, 318], [257, 1332, 13]], encoding_format: 'float' });
    assertSchema(r, 'CreateEmbeddingResponse');
    assert.equal(r.data.length, 2);
    assert.equal(r.data[1].index, 1);
    assert.equal(r.data[0].embedding.length, 3072);
    assert.equal(r.usage.prompt_tokens, 5);
    assert.notDeepEqual(r.data[0].embedding, r.data[1].embedding);
  });

  test(`${name}: SDK embeddings errors: bad dimensions is a BadRequestError naming the param`, async () => {
    const t = tenant({ models: 'text-embedding-ada-002' });
    const c = client(t, base);
    await assert.rejects(
      c.embeddings.create({ model: 'text-embedding-ada-002', input: 'x', dimensions: 8 }),
      (e) => e instanceof OpenAI.BadRequestError && e.status === 400 &&
        e.param === 'dimensions');
    await assert.rejects(
      c.embeddings.create({ model: 'text-embedding-3-huge', input: 'x' }),
      (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found');
  });

  test(`${name}: SDK moderations.create with text and with an image`, async () => {
    const t = tenant({ models: 'omni-moderation-latest' });
    const c = client(t, base);
    let r = await c.moderations.create({ input: 'I will kill this bug' });
    assertSchema(r, 'CreateModerationResponse');
    assert.equal(r.model, 'omni-moderation-latest');
    assert.equal(r.results[0].flagged, true);
    assert.equal(r.results[0].categories.violence, true);
    assert.equal(r.results[0].categories['self-harm'], false);

    r = await c.moderations.create({ model: 'omni-moderation-latest', input: [
      { type: 'text', text: 'a calm landscape' },
      { type: 'image_url', image_url: { url: 'https://example.com/landscape.png' } }] });
    assertSchema(r, 'CreateModerationResponse');
    assert.equal(r.results.length, 1);
    assert.equal(r.results[0].flagged, false);
    assert.deepEqual(r.results[0].category_applied_input_types.violence, ['text', 'image']);
    assert.deepEqual(r.results[0].category_applied_input_types.hate, ['text']);
    const l = await eventually(() => logsFor(t.tokenId).length === 2 && logsFor(t.tokenId));
    assert.deepEqual(l.map((x) => x.type), ['2', '2']);
  });
}
