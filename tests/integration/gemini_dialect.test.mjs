// The Gemini dialect (issue 4, docs/providers.md "Client dialects"), raw
// HTTP through lighttpd and Apache: POST /v1beta/models/{m}:generateContent,
// :streamGenerateContent (?alt=sse and the streamed JSON array),
// :countTokens and GET /v1beta/models[/{m}], reaching a gemini channel
// (native: the body goes as it came, to the mapped model's path), an
// openai channel and an anthropic channel (converted through chat);
// function calls and their round trip; the three ways to pass the key;
// errors in Google's shape {"error":{"code","message","status"}}; and
// billing from usageMetadata (cached and thinking tokens included).
//
// Numbers follow tools/mock-upstream/README.md: promptTokenCount = per
// content 3 + words of its text (+ the words of each functionResponse's
// compact JSON), + 3 + words of systemInstruction, + cache_read; the
// answer "w1 ... wK", K = 5, cut by maxOutputTokens.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  servers, tenant, logsFor, eventually, sentWith, uniq, post, mockRequests,
} from './lib.mjs';

const MODEL = 'gemini-2.5-pro';
// Seeded multipliers in millionths (docs/pricing.md).
const PRICE = { in: 8333333n, out: 66666667n, cache: 2083333n };

function quotaFor({ prompt, completion, cached = 0 }) {
  const num = (BigInt(prompt - cached) * PRICE.in + BigInt(cached) * PRICE.cache
    + BigInt(completion) * PRICE.out) * 75000n * 1000000n;
  const den = 10n ** 18n;
  return Number((num + den - 1n) / den);
}

const words = (s) => s.split(/\s+/).filter(Boolean).length;

// The three channel kinds serving MODEL, each mapping it to another
// upstream name; `path` is what the mock must see.
const KINDS = [
  { kind: 'gemini', mapped: 'gemini-2.5-flash',
    path: (stream) => `/v1beta/models/gemini-2.5-flash:${stream
      ? 'streamGenerateContent' : 'generateContent'}` },
  { kind: 'openai', mapped: 'gpt-4o', path: () => '/v1/chat/completions' },
  { kind: 'anthropic', mapped: 'claude-upstream-y', path: () => '/v1/messages' },
];

function setup(K, extra = {}) {
  return tenant({ type: K.kind, models: MODEL, mapping: { [MODEL]: K.mapped }, ...extra });
}

const K0PATH = KINDS[0].path(false);

const gurl = (base, model, method, query = '') => `${base}/v1beta/models/${model}:${method}${query}`;

function gpost(base, model, method, key, body, { query = '', headers = {} } = {}) {
  return post(base, `/v1beta/models/${model}:${method}${query}`, null, body,
    { 'x-goog-api-key': key, ...headers });
}

// Server-sent events: the data of each event (LF or CRLF line ends).
async function sseData(res) {
  const text = (await res.text()).replaceAll('\r\n', '\n');
  return text.split('\n\n').filter((b) => b.trim() !== '').map((b) => {
    const lines = b.split('\n');
    assert.ok(lines.every((l) => l.startsWith('data: ') || l.startsWith(':')),
      `only data lines: ${JSON.stringify(b)}`);
    return lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
  }).filter((d) => d !== '').map((d) => JSON.parse(d));
}


function logs(t, n = 1) {
  return eventually(() => {
    const l = logsFor(t.tokenId);
    return l.length >= n ? l : null;
  });
}

function checkLog(l, { prompt, completion, cached = 0, stream }) {
  assert.equal(l.type, '2');
  assert.equal(l.model_name, MODEL);
  assert.equal(Number(l.prompt_tokens), prompt, 'prompt tokens from usageMetadata');
  assert.equal(Number(l.completion_tokens), completion, 'completion tokens from usageMetadata');
  assert.equal(Number(l.quota), quotaFor({ prompt, completion, cached }), 'quota from the price');
  assert.equal(l.is_stream, stream ? '1' : '0');
  if (stream) assert.equal(l.stream_status, 'ok');
  const other = JSON.parse(l.other);
  assert.equal(other.cached_tokens, cached);
  assert.equal(other.usage_source, 'upstream');
}

// A Google error: status code, body {"error":{"code","message","status"}}.
async function googleError(res, code, status, msgRe) {
  assert.equal(res.status, code);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const b = await res.json();
  assert.deepEqual(Object.keys(b), ['error'], JSON.stringify(b));
  assert.equal(b.error.code, code);
  assert.equal(b.error.status, status);
  assert.equal(typeof b.error.message, 'string');
  assert.ok(b.error.message.length > 0);
  if (msgRe) assert.match(b.error.message, msgRe);
  return b.error;
}

function request(marker) {
  return {
    systemInstruction: { parts: [{ text: 'be brief' }] },
    contents: [{ role: 'user', parts: [{ text: `hello there world ${marker}` }] }],
    generationConfig: { temperature: 0.5, maxOutputTokens: 100 },
  };
}
const PROMPT = (3 + 2) + (3 + 4);	// request(): system + user with the marker

const TOOLS = [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' },
    unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] } }] }];
const ARGS = { city: 'x', unit: 'c' };

// The text of a GenerateContentResponse list, and its last usageMetadata.
function joined(chunks) {
  let text = '';
  let usage = null;
  const finish = [];
  for (const c of chunks) {
    for (const cand of c.candidates ?? []) {
      for (const p of cand.content?.parts ?? []) {
        if (typeof p.text === 'string' && !p.thought) text += p.text;
      }
      if (cand.finishReason) finish.push(cand.finishReason);
    }
    if (c.usageMetadata) usage = c.usageMetadata;
  }
  return { text, usage, finish };
}

// Google's last chunk says why the answer ended (and holds the final
// usageMetadata); clients read the finishReason of the last chunk.
const lastFinish = (chunks) => chunks.at(-1)?.candidates?.[0]?.finishReason;
const LAST_MSG = 'the last chunk carries the finishReason, as Google sends it';

function checkSent(K, sent, body, stream) {
  const got = JSON.parse(sent.body);
  if (K.kind === 'gemini') {
    assert.deepEqual(got, body, 'native: the body as it came');
    assert.equal(sent.headers['x-goog-api-key'], 'sk-mock-upstream');
  } else if (K.kind === 'openai') {
    assert.equal(got.model, K.mapped);
    assert.deepEqual(got.messages, [{ role: 'system', content: 'be brief' },
      { role: 'user', content: body.contents[0].parts[0].text }]);
    assert.equal(got.max_completion_tokens ?? got.max_tokens, 100);
    assert.equal(got.temperature, 0.5);
    assert.equal(got.stream ?? false, stream);
  } else {
    assert.equal(got.model, K.mapped);
    assert.equal(got.max_tokens, 100);
    assert.equal(got.temperature, 0.5);
    assert.equal(got.stream ?? false, stream);
    const sys = typeof got.system === 'string' ? got.system : got.system.map((b) => b.text).join('');
    assert.equal(sys, 'be brief');
  }
}

for (const [name, base] of servers) {
  for (const K of KINDS) {
    const label = `${name}: gemini dialect -> ${K.kind} channel`;

    test(`${label}: generateContent`, async () => {
      const t = setup(K);
      const marker = uniq('mk');
      const body = request(marker);
      if (K.kind === 'gemini') {
        // Members chat cannot carry: a native channel still gets them.
        body.safetySettings = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
        body.generationConfig.topK = 7;
      }
      const res = await gpost(base, MODEL, 'generateContent', t.key, body);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^application\/json/);
      const b = await res.json();
      assert.equal(b.candidates.length, 1);
      const cand = b.candidates[0];
      assert.equal(cand.content.role, 'model');
      assert.deepEqual(cand.content.parts, [{ text: 'w1 w2 w3 w4 w5' }]);
      assert.equal(cand.finishReason, 'STOP');
      assert.equal(b.modelVersion, MODEL, 'the asked model, not the mapped one');
      assert.equal(b.usageMetadata.promptTokenCount, PROMPT);
      assert.equal(b.usageMetadata.candidatesTokenCount, 5);
      assert.equal(b.usageMetadata.totalTokenCount, PROMPT + 5);
      const [sent] = await sentWith(marker, K.path(false));
      if (K.kind === 'gemini') assert.equal(sent.path, K.path(false));
      checkSent(K, sent, body, false);
      const [l] = await logs(t);
      checkLog(l, { prompt: PROMPT, completion: 5, stream: false });
    });

    test(`${label}: streamGenerateContent?alt=sse`, async () => {
      const t = setup(K);
      const marker = uniq('mk');
      const body = request(marker);
      const res = await gpost(base, MODEL, 'streamGenerateContent', t.key, body, { query: '?alt=sse' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^text\/event-stream/);
      const chunks = await sseData(res);
      assert.ok(chunks.length >= 5, `one event per word at least, got ${chunks.length}`);
      for (const c of chunks) {
        assert.equal(c.modelVersion, MODEL);
        assert.equal(c.error, undefined);
      }
      const { text, usage, finish } = joined(chunks);
      assert.equal(text, 'w1 w2 w3 w4 w5');
      assert.deepEqual(finish, ['STOP'], 'one finishReason');
      assert.equal(usage.promptTokenCount, PROMPT);
      assert.equal(usage.candidatesTokenCount, 5);
      const [sent] = await sentWith(marker, K.path(true));
      checkSent(K, sent, body, true);
      const [l] = await logs(t);
      checkLog(l, { prompt: PROMPT, completion: 5, stream: true });
      assert.equal(lastFinish(chunks), 'STOP', LAST_MSG);
    });

    test(`${label}: streamGenerateContent without alt: one JSON array`, async () => {
      const t = setup(K);
      const marker = uniq('mk');
      const body = request(marker);
      const res = await gpost(base, MODEL, 'streamGenerateContent', t.key, body);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^application\/json/);
      const raw = await res.text();
      assert.equal(raw.trimStart()[0], '[');
      assert.equal(raw.trimEnd().at(-1), ']');
      const chunks = JSON.parse(raw);
      assert.ok(Array.isArray(chunks) && chunks.length >= 5);
      chunks.forEach((c) => assert.equal(c.modelVersion, MODEL));
      const { text, usage, finish } = joined(chunks);
      assert.equal(text, 'w1 w2 w3 w4 w5');
      assert.deepEqual(finish, ['STOP']);
      assert.equal(usage.promptTokenCount, PROMPT);
      assert.equal(usage.candidatesTokenCount, 5);
      const [sent] = await sentWith(marker, K.path(true));
      checkSent(K, sent, body, true);
      const [l] = await logs(t);
      checkLog(l, { prompt: PROMPT, completion: 5, stream: true });
      assert.equal(lastFinish(chunks), 'STOP', LAST_MSG);
    });

    test(`${label}: functionCall round trip (and a streamed call)`, async () => {
      const t = setup(K);
      const marker = uniq('mk');
      const ask = { role: 'user', parts: [{ text: `weather in paris ${marker}` }] };
      const body1 = { contents: [ask], tools: TOOLS,
        toolConfig: { functionCallingConfig: { mode: 'ANY' } } };
      const r1 = await gpost(base, MODEL, 'generateContent', t.key, body1);
      assert.equal(r1.status, 200);
      const b1 = await r1.json();
      const parts = b1.candidates[0].content.parts;
      const calls = parts.filter((p) => p.functionCall);
      assert.equal(calls.length, 1, JSON.stringify(parts));
      assert.equal(calls[0].functionCall.name, 'get_weather');
      assert.deepEqual(calls[0].functionCall.args, ARGS);
      assert.equal(b1.candidates[0].finishReason, 'STOP');

      // Streamed: the same call arrives whole in one event.
      const rs = await gpost(base, MODEL, 'streamGenerateContent', t.key, body1, { query: '?alt=sse' });
      assert.equal(rs.status, 200);
      const sc = (await sseData(rs)).flatMap((c) => c.candidates?.[0]?.content?.parts ?? [])
        .filter((p) => p.functionCall);
      assert.equal(sc.length, 1);
      assert.equal(sc[0].functionCall.name, 'get_weather');
      assert.deepEqual(sc[0].functionCall.args, ARGS);

      // The answer to the call goes back; mode AUTO: text comes.
      const response = { temp: 'sunny 20C' };
      const body2 = { contents: [ask, { role: 'model', parts }, { role: 'user', parts: [
        { functionResponse: { name: 'get_weather', response } }] }], tools: TOOLS };
      const r2 = await gpost(base, MODEL, 'generateContent', t.key, body2);
      assert.equal(r2.status, 200);
      const b2 = await r2.json();
      const text = b2.candidates[0].content.parts.map((p) => p.text ?? '').join('');
      assert.equal(b2.candidates[0].content.parts.filter((p) => p.functionCall).length, 0, 'no new call');
      const sent = JSON.parse((await sentWith(marker, K.path(false), { also: 'sunny 20C' })).at(-1).body);
      if (K.kind === 'openai') {
        assert.equal(text, 'w1 w2 w3 w4 w5');
        const asst = sent.messages.find((m) => m.role === 'assistant');
        const tool = sent.messages.find((m) => m.role === 'tool');
        assert.equal(asst.tool_calls[0].function.name, 'get_weather');
        assert.deepEqual(JSON.parse(asst.tool_calls[0].function.arguments), ARGS);
        assert.equal(tool.tool_call_id, asst.tool_calls[0].id, 'the response answers that call');
        assert.match(tool.content, /sunny 20C/);
      } else {
        // The mock leads with the function responses it got.
        assert.ok(text.startsWith('Result: '), text);
        assert.match(text, /sunny 20C/);
        assert.ok(text.endsWith('w1 w2 w3 w4 w5'), text);
        if (K.kind === 'gemini') {
          assert.deepEqual(sent, body2, 'native: as it came');
          assert.equal(text, `Result: ${JSON.stringify(response)} w1 w2 w3 w4 w5`);
          assert.equal(b2.usageMetadata.promptTokenCount,
            (3 + words(ask.parts[0].text)) + 3 + (3 + words(JSON.stringify(response))));
        } else {
          const res = sent.messages.at(-1).content.find((c) => c.type === 'tool_result');
          assert.ok(res, 'a tool_result block');
          const use = sent.messages.at(-2).content.find((c) => c.type === 'tool_use');
          assert.equal(res.tool_use_id, use.id);
          assert.equal(use.name, 'get_weather');
          assert.deepEqual(use.input, ARGS);
        }
      }
      const l = await logs(t, 3);
      checkLog(l[2], { prompt: b2.usageMetadata.promptTokenCount,
        completion: b2.usageMetadata.candidatesTokenCount, stream: false });
    });
  }

  test(`${name}: gemini dialect: cached and thinking tokens billed from usageMetadata`, async () => {
    const t = setup(KINDS[0]);
    const body = {
      contents: [{ role: 'user', parts: [{ text: '[mock cache_read=4 chunks=3] hello there' }] }],
      generationConfig: { thinkingConfig: { thinkingBudget: 2, includeThoughts: true } },
    };
    const res = await gpost(base, MODEL, 'generateContent', t.key, body);
    assert.equal(res.status, 200);
    const b = await res.json();
    const parts = b.candidates[0].content.parts;
    assert.deepEqual(parts, [{ text: 't1 t2', thought: true }, { text: 'w1 w2 w3' }],
      'thought parts survive the native path');
    const u = b.usageMetadata;
    const prompt = 3 + 5 + 4;
    assert.deepEqual([u.promptTokenCount, u.cachedContentTokenCount, u.candidatesTokenCount,
      u.thoughtsTokenCount], [prompt, 4, 3, 2]);
    const [l] = await logs(t);
    // Thinking is billed as output; cached input at the cache price.
    checkLog(l, { prompt, cached: 4, completion: 3 + 2, stream: false });
  });

  test(`${name}: gemini dialect: countTokens is free; a gemini channel counts, else the estimate`, async () => {
    const t = setup(KINDS[0]);
    const marker = uniq('mk');
    const contents = [{ role: 'user', parts: [{ text: `hello there world ${marker}` }] }];
    const r1 = await gpost(base, MODEL, 'countTokens', t.key, { contents });
    assert.equal(r1.status, 200);
    const b1 = await r1.json();
    // Google's count as it came: the mock's 3 per content + its words.
    assert.deepEqual(b1, { totalTokens: 3 + 4,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 3 + 4 }] });
    const [sent] = await sentWith(marker, `/v1beta/models/${KINDS[0].mapped}:countTokens`);
    assert.deepEqual(JSON.parse(sent.body), { contents });
    const r2 = await gpost(base, MODEL, 'countTokens', t.key,
      { generateContentRequest: { model: `models/${MODEL}`, contents: [{ role: 'user',
        parts: [{ text: `hello there world ${marker} wrapped` }] }] } });
    assert.equal(r2.status, 200);
    assert.equal((await r2.json()).totalTokens, 3 + 5, 'the wrapped form counted upstream too');
    const [w] = await sentWith(`${marker} wrapped`, `/v1beta/models/${KINDS[0].mapped}:countTokens`);
    assert.equal(JSON.parse(w.body).generateContentRequest.model, `models/${KINDS[0].mapped}`,
      'the wrapped request names the channel\'s model');
    // What Google refuses (countTokens takes no generationConfig) is the
    // client's 400, in Google's shape, from upstream.
    const refused = uniq('mk');
    await googleError(await gpost(base, MODEL, 'countTokens', t.key, { contents: [{ role: 'user',
      parts: [{ text: refused }] }], generationConfig: { temperature: 0.5 } }),
    400, 'INVALID_ARGUMENT', /generationConfig/);
    assert.equal((await sentWith(refused, `/v1beta/models/${KINDS[0].mapped}:countTokens`))[0].status, 400);
    // No gemini channel for the model: the gateway's estimate, nothing sent.
    const o = setup(KINDS[1]);
    const r4 = await gpost(base, MODEL, 'countTokens', o.key, { contents: [{ role: 'user',
      parts: [{ text: `estimate me ${marker}x` }] }] });
    assert.equal(r4.status, 200);
    const b4 = await r4.json();
    assert.ok(Number.isInteger(b4.totalTokens) && b4.totalTokens > 0, JSON.stringify(b4));
    assert.equal((await mockRequests()).filter((m) => m.body.includes(`${marker}x`)).length, 0);
    assert.deepEqual(logsFor(o.tokenId), [], 'not logged');
    const longer = [{ role: 'user', parts: [{ text: 'hello there world '.repeat(20) }] }];
    const r3 = await gpost(base, MODEL, 'countTokens', t.key, { contents: longer });
    assert.ok((await r3.json()).totalTokens > b1.totalTokens, 'more text, more tokens');
    await googleError(await gpost(base, MODEL, 'countTokens', t.key, { contents: [] }),
      400, 'INVALID_ARGUMENT', /contents/);
    await googleError(await gpost(base, 'gemini-no-such-model', 'countTokens', t.key, { contents }),
      404, 'NOT_FOUND');
    assert.deepEqual(logsFor(t.tokenId), [], 'not logged');
  });

  test(`${name}: gemini dialect: GET /v1beta/models lists only the key's models`, async () => {
    const t = tenant({ type: 'gemini', models: `${MODEL},gpt-4o-mini,gpt-4o`,
      keyArgs: ['--unlimited', '--models', `${MODEL},gpt-4o`] });
    const res = await fetch(`${base}/v1beta/models?key=${t.key}`);
    assert.equal(res.status, 200);
    const b = await res.json();
    assert.deepEqual(b.models.map((m) => m.name).sort(), [`models/${MODEL}`, 'models/gpt-4o'].sort());
    for (const m of b.models) {
      assert.ok(m.supportedGenerationMethods.includes('generateContent'));
      assert.equal(m.displayName, m.name.slice('models/'.length));
    }
    const one = await fetch(`${base}/v1beta/models/${MODEL}`, { headers: { 'x-goog-api-key': t.key } });
    assert.equal(one.status, 200);
    assert.equal((await one.json()).name, `models/${MODEL}`);
    await googleError(await fetch(`${base}/v1beta/models/gpt-4o-mini?key=${t.key}`), 404, 'NOT_FOUND',
      /gpt-4o-mini/);
    // The whole group's models for a key without limits.
    const all = tenant({ type: 'gemini', models: `${MODEL},gpt-4o-mini` });
    const b2 = await (await fetch(`${base}/v1beta/models`, { headers: { Authorization: `Bearer ${all.key}` } })).json();
    assert.deepEqual(b2.models.map((m) => m.name).sort(), [`models/${MODEL}`, 'models/gpt-4o-mini']);
    await googleError(await fetch(`${base}/v1beta/models?key=sk-nope`), 401, 'UNAUTHENTICATED');
  });

  test(`${name}: gemini dialect: the key via ?key=, x-goog-api-key or Bearer`, async () => {
    const t = setup(KINDS[0]);
    const marker = uniq('mk');
    const body = { contents: [{ role: 'user', parts: [{ text: `hi ${marker}` }] }] };
    const ways = [
      (k) => fetch(gurl(base, MODEL, 'generateContent', `?key=${k}`), { method: 'POST',
        headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      (k) => post(base, `/v1beta/models/${MODEL}:generateContent`, null, body, { 'x-goog-api-key': k }),
      (k) => post(base, `/v1beta/models/${MODEL}:generateContent`, k, body),
    ];
    for (const way of ways) {
      const ok = await way(t.key);
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).candidates[0].content.parts[0].text, 'w1 w2 w3 w4 w5');
      await googleError(await way(`sk-${'y'.repeat(48)}`), 401, 'UNAUTHENTICATED');
    }
    await googleError(await post(base, `/v1beta/models/${MODEL}:generateContent`, null, body),
      401, 'UNAUTHENTICATED');
    const l = await logs(t, 3);
    assert.equal(l.length, 3, 'the three good calls, nothing for the bad ones');
    // Upstream sees the channel's key only, never the client's.
    const sent = await sentWith(marker, '/v1beta/models/', { n: 3 });
    assert.equal(sent.length, 3);
    for (const m of sent) {
      assert.equal(m.path, K0PATH);
      assert.equal(m.headers['x-goog-api-key'], 'sk-mock-upstream');
      assert.equal(m.headers.authorization, undefined);
      assert.ok(!JSON.stringify(m).includes(t.key), 'the client key is not forwarded');
    }
  });

  test(`${name}: gemini dialect: errors in Google's shape`, async () => {
    const t = setup(KINDS[0]);
    const good = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
    const cases = [
      [{}, /contents/],
      [{ contents: [] }, /contents/],
      [{ contents: [{ role: 'bot', parts: [{ text: 'x' }] }] }, /role/],
      [{ contents: [{ role: 'user', parts: [] }] }, /parts/],
      [{ ...good, generationConfig: { maxOutputTokens: 0 } }, /maxOutputTokens/],
      [{ ...good, bogusField: 1 }, /bogusField/],
    ];
    for (const [body, re] of cases) {
      await googleError(await gpost(base, MODEL, 'generateContent', t.key, body), 400,
        'INVALID_ARGUMENT', re);
    }
    await googleError(await gpost(base, MODEL, 'generateContent', t.key, '{"contents": ['), 400,
      'INVALID_ARGUMENT');
    await googleError(await gpost(base, MODEL, 'streamGenerateContent', t.key, { contents: 3 },
      { query: '?alt=sse' }), 400, 'INVALID_ARGUMENT', /contents/);
    await googleError(await gpost(base, 'gemini-no-such-model', 'generateContent', t.key, good),
      404, 'NOT_FOUND', /gemini-no-such-model/);
    await googleError(await gpost(base, MODEL, 'embedEverything', t.key, good), 404, 'NOT_FOUND');
    // A key limited to another model: permission denied.
    const limited = tenant({ type: 'gemini', models: `${MODEL},gpt-4o-mini`,
      keyArgs: ['--unlimited', '--models', 'gpt-4o-mini'] });
    await googleError(await gpost(base, MODEL, 'generateContent', limited.key, good), 403,
      'PERMISSION_DENIED');
    // Quota that cannot cover the hold: 402.
    const poor = setup(KINDS[0], { quota: 1 });
    await googleError(await gpost(base, MODEL, 'generateContent', poor.key, good), 402,
      'RESOURCE_EXHAUSTED');
    assert.deepEqual(logsFor(limited.tokenId), []);
    assert.equal(logsFor(t.tokenId).filter((x) => x.type === '2').length, 0, 'nothing charged');
  });

  for (const K of [KINDS[0], KINDS[2]]) {
    test(`${name}: gemini dialect: upstream 500 on the ${K.kind} channel -> 502 in Google's shape`, async () => {
      const t = setup(K);
      const body = { contents: [{ role: 'user', parts: [{ text: '[mock status=500] hi' }] }] };
      const e = await googleError(await gpost(base, MODEL, 'generateContent', t.key, body), 502, 'INTERNAL');
      assert.doesNotMatch(e.message, /sk-mock-upstream|127\.0\.0\.1/, 'no upstream secrets');
      const rs = await gpost(base, MODEL, 'streamGenerateContent', t.key, body, { query: '?alt=sse' });
      await googleError(rs, 502, 'INTERNAL');
      const l = await logs(t, 2);
      assert.ok(l.every((x) => x.type === '5' && Number(x.quota) === 0), 'error rows, no charge');
      assert.ok(l.every((x) => x.status === '502'));
    });
  }

  // A failure after the stream began: Google's streams end with an error
  // object, as an SSE event or as the array's last element, after the
  // chunks already sent (the mock does the same for its own failures).
  const MIDSTREAM = [
    [KINDS[0], '?alt=sse', 'error_after=2', 'upstream_error'],
    [KINDS[0], '', 'error_after=2', 'upstream_error'],
    [KINDS[0], '?alt=sse', 'disconnect_after=2', 'upstream_broken'],
    [KINDS[0], '', 'disconnect_after=2', 'upstream_broken'],
    [KINDS[2], '?alt=sse', 'error_after=2', 'upstream_error'],
    [KINDS[2], '', 'error_after=2', 'upstream_error'],
    [KINDS[2], '', 'disconnect_after=2', 'upstream_broken'],
  ];
  for (const [K, query, ctl, status] of MIDSTREAM) {
    const form = query ? 'SSE' : 'JSON array';
    test(`${name}: gemini dialect: ${ctl} on the ${K.kind} channel (${form}) ends with a Google error`, async () => {
      const t = setup(K);
      const body = { contents: [{ role: 'user', parts: [{ text: `[mock ${ctl}] hi` }] }] };
      const res = await gpost(base, MODEL, 'streamGenerateContent', t.key, body, { query });
      assert.equal(res.status, 200);
      const chunks = query ? await sseData(res) : JSON.parse(await res.text());
      assert.equal(joined(chunks).text, 'w1 w2', 'the words before the failure');
      const last = chunks.at(-1);
      assert.ok(last.error, `the stream ends with an error object, got ${JSON.stringify(last)}`);
      assert.equal(typeof last.error.code, 'number');
      assert.ok(last.error.code >= 500, 'a server-side failure');
      assert.equal(typeof last.error.message, 'string');
      assert.match(last.error.status, /^[A-Z_]+$/);
      assert.deepEqual(joined(chunks).finish, [], 'no finishReason: the answer is cut');
      const [l] = await logs(t);
      assert.equal(l.stream_status, status);
    });
  }

  test(`${name}: gemini dialect: keep-alives while the upstream stalls keep both forms valid`, async () => {
    const t = setup(KINDS[0]);
    const body = { contents: [{ role: 'user', parts: [{ text: '[mock stall_after=1 stall_ms=2300 chunks=2] hi' }] }] };
    // SSE: comment lines, which clients skip.
    const r1 = await gpost(base, MODEL, 'streamGenerateContent', t.key, body, { query: '?alt=sse' });
    const raw1 = await r1.text();
    assert.match(raw1, /^:[^\n]*\n\n/m, 'an SSE comment during the stall');
    assert.equal(joined(await sseData(new Response(raw1))).text, 'w1 w2');
    // JSON array: only whitespace between elements, still one JSON value.
    const r2 = await gpost(base, MODEL, 'streamGenerateContent', t.key, body);
    const raw2 = await r2.text();
    const arr = JSON.parse(raw2);
    assert.equal(joined(arr).text, 'w1 w2');
    assert.deepEqual(joined(arr).finish, ['STOP']);
    const l = await logs(t, 2);
    assert.ok(l.every((x) => x.stream_status === 'ok'));
  });
}
