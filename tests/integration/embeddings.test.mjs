// POST /v1/embeddings, /v1/moderations and /v1/rerank end to end through
// lighttpd and Apache, the workers, MariaDB and the mock upstream (its
// openai and cohere providers): what the client got, what the mock
// received, the log row and the quota charged (from the price row, on
// input tokens), and every validation error with its param.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  servers, tenant, post, mockRequests, logsFor, userQuota, eventually,
  one, ctl, uniq, env,
} from './lib.mjs';
import { assertSchema } from './schema.mjs';
import http from 'node:http';
import { sql } from './lib.mjs';

const CATS = ['hate', 'hate/threatening', 'harassment',
  'harassment/threatening', 'illicit', 'illicit/violent', 'self-harm',
  'self-harm/intent', 'self-harm/instructions', 'sexual', 'sexual/minors',
  'violence', 'violence/graphic'];
const IMAGE_CATS = ['self-harm', 'self-harm/intent', 'self-harm/instructions',
  'sexual', 'violence', 'violence/graphic'];
const DEAD = 'http://127.0.0.1:1';

// quota = ceil(tokens x input_u x base_price x group ratio / 10^18), ratio 1x.
function inputQuota(tokens, inputU) {
  const den = 10n ** 18n;
  const num = BigInt(tokens) * BigInt(inputU) * 75000n * 1000000n;
  return Number((num + den - 1n) / den);
}

function inputU(model) {
  return Number(one(`SELECT input_u FROM model_prices WHERE model='${model}'`)[0]);
}

// app/tokens.c: a quarter token per ASCII byte, one per non-ASCII character.
function tokEstimate(s) {
  let ascii = 0;
  let other = 0;
  for (const b of Buffer.from(s, 'utf8')) {
    if (b < 0x80) ascii += 1;
    else if ((b & 0xc0) !== 0x80) other += 1;
  }
  return Math.floor((ascii + 3) / 4) + other;
}

const words = (s) => s.split(/\s+/).filter(Boolean).length;

async function lastMock(path, pred = () => true) {
  const all = await mockRequests();
  const hits = all.filter((r) => r.path.startsWith(path) && pred(r));
  return hits[hits.length - 1];
}

async function logOf(t, n = 1) {
  return (await eventually(() => {
    const l = logsFor(t.tokenId);
    return l.length >= n ? l : null;
  }))[n - 1];
}

function addChannel(t, { type = 'openai', base = env.mock, models, priority = 0,
  mapping = null }) {
  const args = ['channel', 'add', '--type', type, '--name', uniq('c'),
    '--base-url', base, '--key-stdin', '--models', models, '--group', t.group,
    '--priority', String(priority)];
  if (mapping) args.push('--model-mapping', JSON.stringify(mapping));
  return Number(ctl(args, 'sk-mock-upstream'));
}

function holdsOf(t) {
  return Number(one(`SELECT COUNT(*) FROM quota_holds WHERE token_id=${t.tokenId}`)[0]);
}

const norm = (v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const f32 = (b64) => {
  const buf = Buffer.from(b64, 'base64');
  return Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
};

// Each documented validation error: [body, status, param].
const EMB_BAD = [
  [{ input: 'x' }, 400, 'model'],
  [{ model: 'text-embedding-3-small' }, 400, 'input'],
  [{ model: 'text-embedding-3-small', input: '' }, 400, 'input'],
  [{ model: 'text-embedding-3-small', input: [] }, 400, 'input'],
  [{ model: 'text-embedding-3-small', input: ['a', 1] }, 400, 'input'],
  [{ model: 'text-embedding-3-small', input: [1, -2] }, 400, 'input'],
  [{ model: 'text-embedding-3-small', input: [[1], []] }, 400, 'input'],
  [{ model: 'text-embedding-3-small', input: Array(2049).fill('a') }, 400, 'input'],
  [{ model: 'text-embedding-3-small', input: ['ok', 'x'.repeat(4 * 8193)] }, 400, 'input'],
  [{ model: 'text-embedding-3-small', input: 'x', encoding_format: 'hex' }, 400, 'encoding_format'],
  [{ model: 'text-embedding-3-small', input: 'x', dimensions: 1537 }, 400, 'dimensions'],
  [{ model: 'text-embedding-3-large', input: 'x', dimensions: 0 }, 400, 'dimensions'],
  [{ model: 'text-embedding-ada-002', input: 'x', dimensions: 64 }, 400, 'dimensions'],
  [{ model: 'text-embedding-3-small', input: 'x', user: 42 }, 400, 'user'],
  [{ model: 'no-such-embedder', input: 'x' }, 404, 'model'],
];

const MOD_BAD = [
  [{}, 400, 'input'],
  [{ input: 7 }, 400, 'input'],
  [{ input: [] }, 400, 'input'],
  [{ input: ['a', { type: 'text', text: 'b' }] }, 400, 'input'],
  [{ input: [{ type: 'video', text: 'x' }] }, 400, 'input'],
  [{ input: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }, 400, 'input'],
  [{ model: 'text-moderation-latest',
    input: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }, 400, 'input'],
  [{ model: '', input: 'x' }, 400, 'model'],
  [{ model: 'no-such-moderator', input: 'x' }, 404, 'model'],
];

const RR_BAD = [
  [{ query: 'q', documents: ['a'] }, 400, 'model'],
  [{ model: 'cohere-rerank-v3', documents: ['a'] }, 400, 'query'],
  [{ model: 'cohere-rerank-v3', query: '', documents: ['a'] }, 400, 'query'],
  [{ model: 'cohere-rerank-v3', query: 'q' }, 400, 'documents'],
  [{ model: 'cohere-rerank-v3', query: 'q', documents: [] }, 400, 'documents'],
  [{ model: 'cohere-rerank-v3', query: 'q', documents: [3] }, 400, 'documents'],
  [{ model: 'cohere-rerank-v3', query: 'q', documents: Array(1001).fill('a') }, 400, 'documents'],
  [{ model: 'cohere-rerank-v3', query: 'q', documents: ['a'], top_n: 0 }, 400, 'top_n'],
  [{ model: 'cohere-rerank-v3', query: 'q', documents: ['a'], return_documents: 'yes' },
    400, 'return_documents'],
  [{ model: 'no-such-reranker', query: 'q', documents: ['a'] }, 404, 'model'],
];

const RR_DOCS = ['Berlin is the capital of Germany',
  { text: 'Paris is the capital and largest city of France' },
  'Bananas are yellow',
  { text: 'France borders Spain' }];
const RR_QUERY = 'what is the capital of France';

// A fake upstream (as in failover.test.mjs) that answers every request
// with `status` and a Cohere-shaped error; records each path and body.
function fakeUpstream(status) {
  const f = { hits: [], status };
  f.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      f.hits.push({ path: req.url, body });
      res.writeHead(f.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: 'fake', message: `fake ${f.status}: invalid api token` }));
    });
  });
  return new Promise((r) => f.server.listen(0, '127.0.0.1', () => {
    f.url = `http://127.0.0.1:${f.server.address().port}`;
    r(f);
  }));
}

for (const [name, base] of servers) {
  test(`${name}: embeddings of a string: floats, usage, log row and charge`, async () => {
    const t = tenant({ models: 'text-embedding-3-small,text-embedding-3-large' });
    const q0 = userQuota(t.userId);
    const text = `the quick brown fox ${uniq('w')} jumps`;
    const res = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-small', input: text, user: 'end-user-1' });
    assert.equal(res.status, 200);
    const body = await res.json();
    assertSchema(body, 'CreateEmbeddingResponse');
    assert.equal(body.object, 'list');
    assert.equal(body.model, 'text-embedding-3-small');
    assert.equal(body.data.length, 1);
    assert.equal(body.data[0].object, 'embedding');
    assert.equal(body.data[0].index, 0);
    assert.ok(Array.isArray(body.data[0].embedding));
    assert.equal(body.data[0].embedding.length, 1536);
    assert.ok(Math.abs(norm(body.data[0].embedding) - 1) < 1e-5, 'unit vector');
    assert.deepEqual(body.usage, { prompt_tokens: 6, total_tokens: 6 });

    const up = await lastMock('/v1/embeddings', (r) => r.body.includes(text));
    const sent = JSON.parse(up.body);
    assert.equal(sent.model, 'text-embedding-3-small');
    assert.equal(sent.input, text);
    assert.equal(sent.user, 'end-user-1', 'other fields pass through');
    assert.equal(sent.encoding_format, 'float', 'upstream always asked for floats');
    assert.equal(up.headers.authorization, 'Bearer sk-mock-upstream');

    const l = await logOf(t);
    const want = inputQuota(6, inputU('text-embedding-3-small'));
    assert.equal(l.type, '2');
    assert.equal(l.request_id, res.headers.get('x-request-id'));
    assert.equal(Number(l.prompt_tokens), 6);
    assert.equal(Number(l.completion_tokens), 0);
    assert.equal(Number(l.quota), want);
    const other = JSON.parse(l.other);
    assert.equal(other.basis, 'input_tokens');
    assert.equal(other.input_u, 133333);
    assert.equal(other.usage_source, 'upstream');
    assert.equal(userQuota(t.userId), q0 - want);
    assert.equal(holdsOf(t), 0, 'hold released');
  });

  test(`${name}: base64 is encoded by the gateway from upstream floats`, async () => {
    const t = tenant({ models: 'text-embedding-3-small' });
    const input = [`alpha ${uniq('b')}`, 'beta gamma', 'delta'];
    const r1 = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-small', input, encoding_format: 'base64', dimensions: 64 });
    assert.equal(r1.status, 200);
    const b1 = await r1.json();
    assertSchema(b1, 'CreateEmbeddingResponse');
    assert.equal(b1.data.length, 3);
    const up = await lastMock('/v1/embeddings', (r) => r.body.includes(input[0]));
    assert.equal(JSON.parse(up.body).encoding_format, 'float');
    assert.equal(JSON.parse(up.body).dimensions, 64);
    const upBody = JSON.parse(up.body);
    assert.deepEqual(upBody.input, input);

    const r2 = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-small', input, dimensions: 64 });
    const b2 = await r2.json();
    for (let i = 0; i < 3; i++) {
      assert.equal(typeof b1.data[i].embedding, 'string');
      assert.match(b1.data[i].embedding, /^[A-Za-z0-9+/]+=*$/);
      assert.equal(b1.data[i].index, i);
      const dec = f32(b1.data[i].embedding);
      assert.equal(dec.length, 64);
      // JSON numbers are decimal approximations; base64 carries the float32s.
      assert.deepEqual(dec, b2.data[i].embedding.map(Math.fround),
        `input ${i}: base64 = float32 of the floats`);
    }
    assert.notDeepEqual(b2.data[0].embedding, b2.data[1].embedding);
    assert.equal(b1.usage.prompt_tokens, words(input.join(' ')));
  });

  test(`${name}: token-id inputs (int[] and int[][]) are billed on their exact count`, async () => {
    const t = tenant({ models: 'text-embedding-3-large' });
    const q0 = userQuota(t.userId);
    const ids = Array.from({ length: 300 }, (_, i) => i * 7);
    let res = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-large', input: ids });
    assert.equal(res.status, 200);
    let b = await res.json();
    assertSchema(b, 'CreateEmbeddingResponse');
    assert.equal(b.data.length, 1);
    assert.equal(b.data[0].embedding.length, 3072);
    assert.equal(b.usage.prompt_tokens, 300);

    res = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-large', input: [[1, 2, 3], [4, 5], ids], dimensions: 8 });
    assert.equal(res.status, 200);
    b = await res.json();
    assert.equal(b.data.length, 3);
    assert.deepEqual(b.data.map((d) => d.embedding.length), [8, 8, 8]);
    assert.deepEqual(b.data.map((d) => d.index), [0, 1, 2]);
    assert.equal(b.usage.prompt_tokens, 305);
    const up = await lastMock('/v1/embeddings', (r) => r.body.includes('[[1,2,3],[4,5]'));
    assert.deepEqual(JSON.parse(up.body).input[1], [4, 5]);

    const l2 = await logOf(t, 2);
    const u = inputU('text-embedding-3-large');
    assert.equal(Number(l2.prompt_tokens), 305);
    const l1 = logsFor(t.tokenId)[0];
    assert.equal(Number(l1.quota), inputQuota(300, u));
    assert.equal(Number(l2.quota), inputQuota(305, u));
    assert.equal(userQuota(t.userId), q0 - inputQuota(300, u) - inputQuota(305, u));
  });

  test(`${name}: without upstream usage the estimate is billed and reported`, async () => {
    const t = tenant({ models: 'text-embedding-3-small' });
    const text = `abcdefgh ijkl ${uniq('n')}`;
    const res = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-small', input: [text, 'ünïcödé'], user: 'mock:no_usage=1' });
    assert.equal(res.status, 200);
    const b = await res.json();
    assertSchema(b, 'CreateEmbeddingResponse');
    const est = tokEstimate(text) + tokEstimate('ünïcödé');
    assert.equal(tokEstimate('ünïcödé'), 5, '3 ASCII bytes + 4 other characters');
    assert.deepEqual(b.usage, { prompt_tokens: est, total_tokens: est });
    const l = await logOf(t);
    assert.equal(Number(l.prompt_tokens), est);
    assert.equal(JSON.parse(l.other).usage_source, 'estimated');
    assert.equal(Number(l.quota), inputQuota(est, inputU('text-embedding-3-small')));
  });

  test(`${name}: model_mapping: mapped name upstream, asked name to the client`, async () => {
    const t = tenant({ models: 'text-embedding-3-small',
      mapping: { 'text-embedding-3-small': 'text-embedding-3-large' } });
    const text = `mapped ${uniq('m')}`;
    const res = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-small', input: text });
    const b = await res.json();
    assert.equal(res.status, 200);
    assert.equal(b.model, 'text-embedding-3-small');
    assert.equal(b.data[0].embedding.length, 3072, 'the large model answered');
    const up = await lastMock('/v1/embeddings', (r) => r.body.includes(text));
    assert.equal(JSON.parse(up.body).model, 'text-embedding-3-large');
    const l = await logOf(t);
    assert.equal(l.model_name, 'text-embedding-3-small');
    assert.equal(JSON.parse(l.other).upstream_model, 'text-embedding-3-large');
    assert.equal(Number(l.quota), inputQuota(2, inputU('text-embedding-3-small')),
      'priced as the model the client asked for');
  });

  test(`${name}: embeddings fail over past a dead channel; upstream errors`, async () => {
    const t = tenant({ models: 'text-embedding-3-small' });
    const dead = addChannel(t, { base: DEAD, models: 'text-embedding-3-small', priority: 10 });
    let res = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-small', input: 'fail over' });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).data.length, 1);
    let l = await logOf(t);
    assert.equal(Number(l.channel_id), t.channelId);
    assert.equal(JSON.parse(l.other).channels_tried, `${dead},${t.channelId}`);

    const q0 = userQuota(t.userId);
    res = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-small', input: 'x', user: 'mock:status=400' });
    assert.equal(res.status, 400, 'a client error upstream passes through');
    let b = await res.json();
    assertSchema(b, 'ErrorResponse');
    assert.equal(b.error.message, 'mock injected HTTP status 400');
    l = await logOf(t, 2);
    assert.equal(l.type, '5');
    assert.equal(Number(l.quota), 0);
    assert.equal(l.error_code, 'upstream_client_error');

    res = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-small', input: 'x', user: 'mock:status=503' });
    assert.equal(res.status, 502);
    b = await res.json();
    assert.equal(b.error.code, 'bad_upstream_response');

    res = await post(base, '/v1/embeddings', t.key,
      { model: 'text-embedding-3-small', input: 'x', user: 'mock:body={"data":"nope"}' });
    assert.equal(res.status, 502, 'garbage from upstream is a 502');
    l = await logOf(t, 4);
    assert.equal(l.type, '5');
    assert.equal(l.error_code, 'bad_upstream_response');
    assert.equal(userQuota(t.userId), q0, 'no failed request cost anything');
    assert.equal(holdsOf(t), 0);
  });

  test(`${name}: embeddings validation errors name the field; nothing held or logged`, async () => {
    const t = tenant({ models: 'text-embedding-3-small,text-embedding-3-large,text-embedding-ada-002' });
    for (const [body, status, param] of EMB_BAD) {
      const res = await post(base, '/v1/embeddings', t.key, body);
      assert.equal(res.status, status, JSON.stringify(body).slice(0, 120));
      const b = await res.json();
      assertSchema(b, 'ErrorResponse');
      assert.equal(b.error.param, param, JSON.stringify(body).slice(0, 120));
      assert.ok(b.error.message.length > 0);
    }
    const res = await post(base, '/v1/embeddings', t.key, '[1,2]');
    assert.equal(res.status, 400);
    assert.equal(logsFor(t.tokenId).length, 0);
    assert.equal(holdsOf(t), 0);
    const poor = tenant({ quota: 0, models: 'text-embedding-3-small' });
    const r402 = await post(base, '/v1/embeddings', poor.key,
      { model: 'text-embedding-3-small', input: 'x' });
    assert.equal(r402.status, 402);
    assert.equal((await r402.json()).error.code, 'insufficient_quota');
  });

  test(`${name}: moderation: all categories, flagged on "kill", default model`, async () => {
    const t = tenant({ models: 'omni-moderation-latest' });
    const text = `I will kill the process ${uniq('k')}`;
    const res = await post(base, '/v1/moderations', t.key, { input: text });
    assert.equal(res.status, 200);
    const b = await res.json();
    assertSchema(b, 'CreateModerationResponse');
    assert.equal(b.model, 'omni-moderation-latest');
    assert.equal(b.results.length, 1);
    const r = b.results[0];
    assert.equal(r.flagged, true);
    assert.equal(r.categories.violence, true);
    assert.deepEqual(Object.keys(r.categories).sort(), [...CATS].sort());
    assert.deepEqual(Object.keys(r.category_scores).sort(), [...CATS].sort());
    assert.deepEqual(r.category_applied_input_types.violence, ['text']);
    const up = await lastMock('/v1/moderations', (x) => x.body.includes(text));
    assert.equal(JSON.parse(up.body).model, 'omni-moderation-latest', 'default model sent');

    const l = await logOf(t);
    assert.equal(l.type, '2');
    assert.equal(l.model_name, 'omni-moderation-latest');
    assert.equal(Number(l.prompt_tokens), tokEstimate(text), 'input tokens estimated');
    assert.equal(Number(l.quota), 0, 'omni-moderation-latest is free');
    assert.equal(JSON.parse(l.other).usage_source, 'estimated');
  });

  test(`${name}: moderation of several strings and of text + image parts`, async () => {
    const t = tenant({ models: 'omni-moderation-latest' });
    let res = await post(base, '/v1/moderations', t.key,
      { model: 'omni-moderation-latest', input: ['a kind word', 'kill it'] });
    let b = await res.json();
    assertSchema(b, 'CreateModerationResponse');
    assert.deepEqual(b.results.map((r) => r.flagged), [false, true]);

    res = await post(base, '/v1/moderations', t.key, { input: [
      { type: 'text', text: 'a picture' },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] });
    assert.equal(res.status, 200);
    b = await res.json();
    assertSchema(b, 'CreateModerationResponse');
    assert.equal(b.results.length, 1);
    const types = b.results[0].category_applied_input_types;
    for (const c of CATS) {
      assert.deepEqual(types[c], IMAGE_CATS.includes(c) ? ['text', 'image'] : ['text'], c);
    }
    const l = await logOf(t, 2);
    assert.equal(Number(l.prompt_tokens), tokEstimate('a picture') + 765);
  });

  test(`${name}: moderation answers missing categories are completed`, async () => {
    const t = tenant({ models: 'omni-moderation-latest' });
    const partial = JSON.stringify({ model: 'omni-moderation-latest',
      results: [{ categories: { violence: true }, category_scores: { violence: 0.8 } }] });
    const res = await post(base, '/v1/moderations', t.key,
      { input: 'anything', user: `mock:body=${partial}` });
    assert.equal(res.status, 200);
    const b = await res.json();
    assertSchema(b, 'CreateModerationResponse');
    assert.match(b.id, /^modr-/);
    const r = b.results[0];
    assert.equal(r.flagged, true, 'flagged derived from the categories');
    assert.equal(Object.keys(r.categories).length, 13);
    assert.equal(r.categories.hate, false);
    assert.equal(r.category_scores.violence, 0.8);
    assert.equal(r.category_scores['self-harm'], 0);
    assert.deepEqual(r.category_applied_input_types.sexual, ['text']);
  });

  test(`${name}: a priced moderation model is billed on input tokens`, async () => {
    ctl(['price', 'set', 'text-moderation-latest', '--basis', 'input_tokens', '--input', '1000']);
    const t = tenant({ models: 'text-moderation-latest' });
    const q0 = userQuota(t.userId);
    const input = ['first text to check', 'second one'];
    const res = await post(base, '/v1/moderations', t.key,
      { model: 'text-moderation-latest', input });
    assert.equal(res.status, 200);
    const b = await res.json();
    assertSchema(b, 'CreateModerationResponse');
    assert.equal(b.results.length, 2);
    const est = tokEstimate(input[0]) + tokEstimate(input[1]);
    const l = await logOf(t);
    assert.equal(Number(l.prompt_tokens), est);
    assert.equal(Number(l.quota), inputQuota(est, 1000000000));
    assert.equal(userQuota(t.userId), q0 - inputQuota(est, 1000000000));
  });

  test(`${name}: moderation validation errors and upstream errors`, async () => {
    const t = tenant({ models: 'omni-moderation-latest,text-moderation-latest' });
    for (const [body, status, param] of MOD_BAD) {
      const res = await post(base, '/v1/moderations', t.key, body);
      assert.equal(res.status, status, JSON.stringify(body));
      const b = await res.json();
      assertSchema(b, 'ErrorResponse');
      assert.equal(b.error.param, param, JSON.stringify(body));
    }
    assert.equal(logsFor(t.tokenId).length, 0);
    let res = await post(base, '/v1/moderations', t.key,
      { input: 'x', user: 'mock:status=404' });
    assert.equal(res.status, 404);
    res = await post(base, '/v1/moderations', t.key,
      { input: 'x', user: 'mock:body={"results":[]}' });
    assert.equal(res.status, 502, 'a result count that does not match is garbage');
    const l = await logOf(t, 2);
    assert.equal(l.type, '5');
    assert.equal(holdsOf(t), 0);
  });

  test(`${name}: rerank on a cohere channel: Cohere v2 upstream, sorted answer`, async () => {
    const t = tenant({ type: 'cohere', models: 'cohere-rerank-v3' });
    const q0 = userQuota(t.userId);
    const res = await post(base, '/v1/rerank', t.key,
      { model: 'cohere-rerank-v3', query: RR_QUERY, documents: RR_DOCS, top_n: 3,
        return_documents: true });
    assert.equal(res.status, 200);
    const b = await res.json();
    assert.equal(b.model, 'cohere-rerank-v3');
    assert.equal(typeof b.id, 'string');
    assert.equal(b.results.length, 3, 'top_n');
    // word overlap with the 6 query words: Paris 5/6, Berlin 4/6, France 1/6
    assert.deepEqual(b.results.map((r) => r.index), [1, 0, 3]);
    for (let i = 1; i < b.results.length; i++) {
      assert.ok(b.results[i - 1].relevance_score >= b.results[i].relevance_score);
    }
    assert.ok(Math.abs(b.results[0].relevance_score - 5 / 6) < 1e-9);
    assert.deepEqual(b.results[0].document, { text: RR_DOCS[1].text });
    assert.deepEqual(b.results[1].document, { text: RR_DOCS[0] });
    assert.deepEqual(b.meta, { billed_units: { search_units: 1 } });

    const up = await lastMock('/v2/rerank', (r) => r.body.includes('Bananas'));
    assert.ok(up, 'sent to /v2/rerank');
    const sent = JSON.parse(up.body);
    assert.deepEqual(sent, { model: 'cohere-rerank-v3', query: RR_QUERY,
      documents: [RR_DOCS[0], RR_DOCS[1].text, RR_DOCS[2], RR_DOCS[3].text], top_n: 3 },
      'strings only, no return_documents');
    assert.equal(up.headers.authorization, 'Bearer sk-mock-upstream');

    const est = tokEstimate(RR_QUERY) + RR_DOCS.reduce((a, d) =>
      a + tokEstimate(typeof d === 'string' ? d : d.text), 0);
    assert.deepEqual(b.usage, { prompt_tokens: est, total_tokens: est });
    const l = await logOf(t);
    const want = inputQuota(est, inputU('cohere-rerank-v3'));
    assert.equal(l.type, '2');
    assert.equal(Number(l.prompt_tokens), est);
    assert.equal(Number(l.quota), want);
    const other = JSON.parse(l.other);
    assert.equal(other.usage_source, 'estimated');
    assert.equal(other.detail.search_units, 1);
    assert.equal(userQuota(t.userId), q0 - want);
  });

  test(`${name}: rerank on an openai channel: Jina-style /v1/rerank, upstream tokens`, async () => {
    const t = tenant({ models: 'cohere-rerank-v3' });
    const body = { model: 'cohere-rerank-v3', query: RR_QUERY, documents: RR_DOCS,
      return_documents: false };
    const res = await post(base, '/v1/rerank', t.key, body);
    assert.equal(res.status, 200);
    const b = await res.json();
    assert.equal(b.results.length, 4);
    assert.deepEqual(b.results.map((r) => r.index), [1, 0, 3, 2]);
    assert.ok(b.results.every((r) => !('document' in r)));
    const up = await lastMock('/v1/rerank', (r) => r.body.includes('Bananas'));
    assert.deepEqual(JSON.parse(up.body), body, 'the client JSON as it was');
    const tokens = words(RR_QUERY) + RR_DOCS.reduce((a, d) =>
      a + words(typeof d === 'string' ? d : d.text), 0);
    assert.equal(b.usage.total_tokens, tokens);
    const l = await logOf(t);
    assert.equal(Number(l.prompt_tokens), tokens);
    assert.equal(JSON.parse(l.other).usage_source, 'upstream');
    assert.equal(Number(l.quota), inputQuota(tokens, inputU('cohere-rerank-v3')));
  });

  test(`${name}: rerank fails over from a dead cohere channel to an openai one`, async () => {
    const t = tenant({ models: 'cohere-rerank-v3' });
    const dead = addChannel(t, { type: 'cohere', base: DEAD, models: 'cohere-rerank-v3',
      priority: 10 });
    const res = await post(base, '/v1/rerank', t.key,
      { model: 'cohere-rerank-v3', query: 'capital', documents: ['capital city', 'x'] });
    assert.equal(res.status, 200);
    const b = await res.json();
    assert.equal(b.results[0].index, 0);
    const l = await logOf(t);
    assert.equal(JSON.parse(l.other).channels_tried, `${dead},${t.channelId}`);
    assert.equal(Number(l.channel_id), t.channelId);
  });

  test(`${name}: rerank: a cohere 403 auto-disables the channel, an openai one answers`, async (t) => {
    const k = tenant({ models: 'cohere-rerank-v3' });
    const f = await fakeUpstream(403);
    t.after(() => f.server.close());
    const bad = addChannel(k, { type: 'cohere', base: f.url, models: 'cohere-rerank-v3',
      priority: 10 });
    const q0 = userQuota(k.userId);
    const body = { model: 'cohere-rerank-v3', query: RR_QUERY, documents: RR_DOCS, top_n: 2,
      return_documents: true };
    const res = await post(base, '/v1/rerank', k.key, body);
    assert.equal(res.status, 200, 'the next channel answered');
    const b = await res.json();
    assert.deepEqual(b.results.map((r) => r.index), [1, 0]);
    assert.deepEqual(b.results[0].document, { text: RR_DOCS[1].text });
    assert.equal(f.hits.length, 1);
    assert.equal(f.hits[0].path, '/v2/rerank', 'the cohere channel got Cohere v2');
    assert.deepEqual(JSON.parse(f.hits[0].body), { model: 'cohere-rerank-v3', query: RR_QUERY,
      documents: [RR_DOCS[0], RR_DOCS[1].text, RR_DOCS[2], RR_DOCS[3].text], top_n: 2 });
    const up = await lastMock('/v1/rerank', (r) => r.body.includes('Bananas') &&
      r.body.includes('"top_n":2'));
    assert.deepEqual(JSON.parse(up.body), body, 'the openai channel got the client JSON');

    assert.equal(one(`SELECT status FROM channels WHERE id=${bad}`)[0], '3');
    assert.deepEqual(sql(`SELECT type, status, error_code FROM logs WHERE channel_id=${bad} AND type=4`),
      [['4', '403', 'channel_auto_disabled']]);
    const l = await logOf(k);
    assert.equal(l.type, '2');
    assert.equal(JSON.parse(l.other).channels_tried, `${bad},${k.channelId}`);
    assert.equal(Number(l.channel_id), k.channelId);
    const tokens = words(RR_QUERY) + RR_DOCS.reduce((a, d) =>
      a + words(typeof d === 'string' ? d : d.text), 0);
    const want = inputQuota(tokens, inputU('cohere-rerank-v3'));
    assert.equal(Number(l.quota), want);
    assert.equal(userQuota(k.userId), q0 - want);

    const again = await post(base, '/v1/rerank', k.key, body);
    assert.equal(again.status, 200);
    await again.json();
    assert.equal(f.hits.length, 1, 'a disabled channel gets no traffic');
    assert.equal(JSON.parse((await logOf(k, 2)).other).channels_tried, String(k.channelId));
  });

  test(`${name}: rerank upstream errors: Cohere 404 passes through, 5xx is a 502`, async () => {
    const t = tenant({ type: 'cohere', models: 'cohere-rerank-v3',
      mapping: { 'cohere-rerank-v3': 'no-such-model' } });
    const q0 = userQuota(t.userId);
    let res = await post(base, '/v1/rerank', t.key,
      { model: 'cohere-rerank-v3', query: 'q', documents: ['a'] });
    assert.equal(res.status, 404);
    let b = await res.json();
    assertSchema(b, 'ErrorResponse');
    assert.match(b.error.message, /model 'no-such-model' not found/);
    assert.equal(b.error.type, 'invalid_request_error');

    const t2 = tenant({ type: 'cohere', models: 'cohere-rerank-v3' });
    res = await post(base, '/v1/rerank', t2.key,
      { model: 'cohere-rerank-v3', query: '[mock status=500] q', documents: ['a'] });
    assert.equal(res.status, 502);
    b = await res.json();
    assert.equal(b.error.code, 'bad_upstream_response');
    res = await post(base, '/v1/rerank', t2.key, { model: 'cohere-rerank-v3',
      query: '[mock body={"results":[{"index":5,"relevance_score":1}]}] q', documents: ['a'] });
    assert.equal(res.status, 502, 'an index outside the documents is garbage');
    const l = await logOf(t2, 2);
    assert.equal(l.type, '5');
    assert.equal(userQuota(t.userId), q0);
    assert.equal(holdsOf(t2), 0);
  });

  test(`${name}: rerank validation errors name the field`, async () => {
    const t = tenant({ type: 'cohere', models: 'cohere-rerank-v3' });
    for (const [body, status, param] of RR_BAD) {
      const res = await post(base, '/v1/rerank', t.key, body);
      assert.equal(res.status, status, JSON.stringify(body).slice(0, 100));
      const b = await res.json();
      assertSchema(b, 'ErrorResponse');
      assert.equal(b.error.param, param, JSON.stringify(body).slice(0, 100));
    }
    assert.equal(logsFor(t.tokenId).length, 0);
  });
}
