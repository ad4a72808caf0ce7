// Token counting in the running gateway (app/tokens.c, docs/billing.md):
// when the upstream reports no usage, the prompt estimate and the output
// are billed by exact counts for OpenAI models (o200k_base, cl100k_base),
// compared here with OpenAI's tokenizer itself (the tiktoken package that
// tools/tokens/ installs), and by the documented heuristic for others.
// Each case also checks that the heuristic would have given another
// number, so an exact count cannot pass by accident.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  servers, tenant, post, readEvents, logsFor, userQuota, quotaOf,
  eventually, ctl, uniq,
} from './lib.mjs';

const require = createRequire(new URL('../../tools/tokens/', import.meta.url));
const { get_encoding } = require('tiktoken');
const enc = { o200k: get_encoding('o200k_base'), cl100k: get_encoding('cl100k_base') };
const count = (e, s) => (e === 'heuristic' ? heuristic(s) : enc[e].encode_ordinary(s).length);

// tok_estimate(): a token per 4 ASCII bytes (rounded up), one per
// non-ASCII code point.
function heuristic(s) {
  let ascii = 0;
  let other = 0;
  for (const b of Buffer.from(s, 'utf8')) {
    if (b < 0x80) ascii += 1;
    else if ((b & 0xc0) !== 0x80) other += 1;
  }
  return Math.ceil(ascii / 4) + other;
}

// handlers/chat.c: 3, plus per message 3 and its text, plus the tools JSON.
function promptOf(e, messages, tools) {
  let n = 3;
  for (const m of messages) {
    n += 3;
    if (typeof m.content === 'string') n += count(e, m.content);
    else for (const p of m.content) n += count(e, p.text);
  }
  if (tools) n += count(e, JSON.stringify(tools));
  return n;
}

const TEXT = 'Tokenization: "unbelievably" → 3 pieces? 自然语言处理 is NLP; ' +
  "we're testing it's edge-cases 1234567 😀 \n\n\tdef f(x): return x ** 2\n";
const msgs = [
  { role: 'system', content: 'You are terse. Répondez en français.' },
  { role: 'user', content: [{ type: 'text', text: TEXT }] },
  { role: 'user', content: '東京タワーの高さは？ 333m!!' },
];
const tools = [{ type: 'function', function: { name: 'get_weather',
  description: 'Weather for a city', parameters: { type: 'object',
    properties: { city: { type: 'string' } }, required: ['city'] } } }];

// A non-stream upstream answer without usage, as the mock's body control.
function answer(model, content) {
  return JSON.stringify({ id: 'chatcmpl-tk', object: 'chat.completion',
    created: 1, model, choices: [{ index: 0, finish_reason: 'stop', logprobs: null,
      message: { role: 'assistant', content, refusal: null } }] });
}

// Delivered text of every chunk the client got (the gateway counts each).
function deltas(events) {
  const out = [];
  for (const ev of events) {
    if (ev.data === '[DONE]') continue;
    const o = JSON.parse(ev.data);
    for (const c of o.choices ?? []) {
      if (typeof c.delta?.content === 'string') out.push(c.delta.content);
    }
  }
  return out;
}

async function logRow(t) {
  const rows = await eventually(() => logsFor(t.tokenId).length && logsFor(t.tokenId));
  assert.ok(rows, 'a log row was written');
  assert.equal(rows.length, 1);
  return rows[0];
}

for (const [name, base] of servers) {
  test(`${name}: gpt-4o-mini without usage: prompt, tools and answer billed by exact o200k_base counts`, async () => {
    const t = tenant();
    const q0 = userQuota(t.userId);
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, tools,
        metadata: { mock_body: answer('gpt-4o-mini-2024-07-18', TEXT) } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.choices[0].message.content, TEXT);
    const l = await logRow(t);
    const prompt = promptOf('o200k', msgs, tools);
    const completion = count('o200k', TEXT);
    assert.notEqual(prompt, promptOf('heuristic', msgs, tools), 'the case tells exact from heuristic');
    assert.notEqual(completion, heuristic(TEXT));
    assert.equal(Number(l.prompt_tokens), prompt);
    assert.equal(Number(l.completion_tokens), completion);
    assert.equal(JSON.parse(l.other).usage_source, 'estimated');
    assert.equal(Number(l.quota), quotaOf(prompt, completion));
    assert.equal(userQuota(t.userId), q0 - Number(l.quota));
  });

  test(`${name}: gpt-4o-mini stream cut by the upstream: delivered deltas billed by exact count`, async () => {
    const t = tenant();
    const res = await post(base, '/v1/chat/completions', t.key,
      { model: 'gpt-4o-mini', messages: msgs, stream: true,
        metadata: { mock_chunks: '12', mock_disconnect_after: '7' } });
    assert.equal(res.status, 200);
    const { events } = await readEvents(res);
    const got = deltas(events);
    assert.ok(got.length >= 7, `deltas delivered: ${got.length}`);
    const completion = got.reduce((n, d) => n + count('o200k', d), 0);
    assert.notEqual(completion, got.reduce((n, d) => n + heuristic(d), 0));
    const l = await logRow(t);
    assert.equal(l.stream_status, 'upstream_broken');
    assert.equal(Number(l.completion_tokens), completion);
    assert.equal(Number(l.prompt_tokens), promptOf('o200k', msgs));
    assert.equal(Number(l.quota), quotaOf(promptOf('o200k', msgs), completion));
  });

  test(`${name}: a cl100k_base model (gpt-3.5-turbo family) is counted in cl100k_base, not o200k_base`, async () => {
    const model = `gpt-3.5-turbo-${uniq('tk')}`;
    ctl(['price', 'set', model, '--basis', 'tokens', '--input', '2', '--output', '4']);
    const t = tenant({ models: model });
    const res = await post(base, '/v1/chat/completions', t.key,
      { model, messages: msgs, stream: true,
        metadata: { mock_chunks: '9', mock_no_usage: '1' } });
    assert.equal(res.status, 200);
    const { events } = await readEvents(res);
    assert.equal(events.at(-1).data, '[DONE]');
    const got = deltas(events);
    const completion = got.reduce((n, d) => n + count('cl100k', d), 0);
    const prompt = promptOf('cl100k', msgs);
    assert.notEqual(prompt, promptOf('o200k', msgs), 'the encodings differ on this prompt');
    assert.notEqual(prompt, promptOf('heuristic', msgs));
    const l = await logRow(t);
    assert.equal(l.stream_status, 'ok');
    assert.equal(Number(l.prompt_tokens), prompt);
    assert.equal(Number(l.completion_tokens), completion);
    assert.equal(Number(l.quota), quotaOf(prompt, completion, 2, 4));
  });

  test(`${name}: a non-OpenAI model keeps the heuristic for prompt and answer`, async () => {
    const model = 'claude-sonnet-4-20250514';	// 6x / 30x in schema/0001
    const t = tenant({ models: model });
    const res = await post(base, '/v1/chat/completions', t.key,
      { model, messages: msgs,
        metadata: { mock_body: answer(model, TEXT) } });
    assert.equal(res.status, 200);
    await res.json();
    const l = await logRow(t);
    const prompt = promptOf('heuristic', msgs);
    assert.notEqual(prompt, promptOf('o200k', msgs));
    assert.equal(Number(l.prompt_tokens), prompt);
    assert.equal(Number(l.completion_tokens), heuristic(TEXT));
    assert.equal(Number(l.quota), quotaOf(prompt, heuristic(TEXT), 6, 30));
  });
}
