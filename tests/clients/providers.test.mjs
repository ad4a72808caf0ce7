// The official `openai` SDK reaching non-OpenAI providers through Nexhina
// (issue 4), through lighttpd and Apache: chat.completions.create on an
// anthropic and a gemini channel (plain, streamed with include_usage,
// tool calls whole and streamed, a tool round trip, finish_reason
// mapping), the Responses API on an anthropic channel, and embeddings on
// a gemini and a cohere channel.  Each answer is checked against what
// the mock (tools/mock-upstream/README.md) answers for the converted
// request, each converted request against what the provider's API
// takes, and each log row against the seeded price.
//
// Mock controls: an anthropic channel reads them from metadata.user_id,
// which the gateway fills from chat's `user` ("mock:chunks=7"); a gemini
// channel from a "[mock ...]" prefix of a text part (its words count as
// prompt words).
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  servers, tenant, logsFor, eventually, sentWith, uniq, mockPromptTokens,
} from '../integration/lib.mjs';

const OPUS = 'claude-opus-4-20250514';
const GEMINI = 'gemini-2.5-pro';

// Seeded multipliers in millionths (docs/pricing.md; Claude cache writes
// from schema/0004_cache_write.sql).
const PRICES = {
  [OPUS]: { in: 15000000n, out: 75000000n, cache: 1500000n, write: 18750000n },
  [GEMINI]: { in: 8333333n, out: 66666667n, cache: 2083333n, write: 8333333n },
  'text-embedding-3-small': { in: 133333n, out: 0n, cache: 0n, write: 0n },
};

// docs/pricing.md, group ratio 1x, base_price 75000.
function quotaFor(model, { prompt, completion = 0, cached = 0, written = 0 }) {
  const p = PRICES[model];
  const num = (BigInt(prompt - cached - written) * p.in + BigInt(cached) * p.cache
    + BigInt(written) * p.write + BigInt(completion) * p.out) * 75000n * 1000000n;
  const den = 10n ** 18n;
  return Number((num + den - 1n) / den);
}

const PROVIDERS = [
  {
    kind: 'anthropic', model: OPUS, mapped: 'claude-upstream-x',
    path: () => '/v1/messages',
    // Controls ride in `user` -> metadata.user_id.
    ctl: (c, body) => ({ ...body, user: `mock:${c}` }),
  },
  {
    kind: 'gemini', model: GEMINI, mapped: 'gemini-2.5-flash',
    path: (stream) => `/v1beta/models/gemini-2.5-flash:${stream
      ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    // Controls ride in a prefix of the last user message.
    ctl: (c, body) => {
      const messages = body.messages.map((m) => ({ ...m }));
      const u = messages.findLast((m) => m.role === 'user');
      u.content = `[mock ${c.replaceAll(',', ' ')}] ${u.content}`;
      return { ...body, messages };
    },
  },
];

const words = (s) => s.split(/\s+/).filter(Boolean).length;
// Anthropic's system or content: a string or text blocks, both fine.
const systemText = (sys) => (typeof sys === 'string' ? sys
  : sys.map((b) => (b.type === 'text' ? b.text : '?')).join('\n\n'));

const client = (t, base) => new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });

function setup(P) {
  return tenant({ type: P.kind, models: P.model, mapping: { [P.model]: P.mapped } });
}


function logs(t, n = 1) {
  return eventually(() => {
    const l = logsFor(t.tokenId);
    return l.length >= n ? l : null;
  });
}

function checkLog(l, model, { prompt, completion, stream }) {
  assert.equal(l.type, '2');
  assert.equal(l.model_name, model);
  assert.equal(Number(l.prompt_tokens), prompt, 'logged prompt tokens');
  assert.equal(Number(l.completion_tokens), completion, 'logged completion tokens');
  assert.equal(Number(l.quota), quotaFor(model, { prompt, completion }), 'quota from the price');
  assert.equal(l.is_stream, stream ? '1' : '0');
  if (stream) assert.equal(l.stream_status, 'ok');
  assert.equal(JSON.parse(l.other).usage_source, 'upstream');
}

const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' },
      unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', description: 'Time in a zone',
    parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
];
// What the mock calls with tool_calls=2: each tool in turn, arguments
// from the schema (strings "x", the first enum value).
const CALLS = [
  { name: 'get_weather', args: { city: 'x', unit: 'c' } },
  { name: 'get_time', args: { tz: 'x' } },
];
// Output tokens of a call: its argument pieces, min(K, JSON length), K 5.
const pieces = (args) => Math.min(5, JSON.stringify(args).length);
const CALL_TOKENS = CALLS.reduce((n, c) => n + pieces(c.args), 0);

function checkCalls(P, calls) {
  assert.equal(calls.length, 2, 'two calls');
  calls.forEach((c, i) => {
    assert.equal(c.type, 'function');
    assert.equal(c.function.name, CALLS[i].name);
    assert.deepEqual(JSON.parse(c.function.arguments), CALLS[i].args);
    assert.equal(typeof c.id, 'string');
    if (P.kind === 'anthropic') assert.match(c.id, /^toolu_mock/, 'the provider\'s own call id');
    else assert.ok(c.id.length > 0);
  });
  assert.notEqual(calls[0].id, calls[1].id, 'distinct call ids');
}

for (const [name, base] of servers) {
  for (const P of PROVIDERS) {
    const label = `${name}: openai SDK -> ${P.kind} channel`;

    test(`${label}: chat.completions.create`, async () => {
      const t = setup(P);
      const marker = uniq('mk');
      const messages = [{ role: 'system', content: 'be brief' },
        { role: 'user', content: `hello there world ${marker}` }];
      const r = await client(t, base).chat.completions.create({ model: P.model, messages });
      const prompt = mockPromptTokens(messages);
      assert.equal(r.object, 'chat.completion');
      assert.equal(r.model, P.model, 'the asked model, not the mapped one');
      assert.equal(r.choices.length, 1);
      assert.equal(r.choices[0].message.role, 'assistant');
      assert.equal(r.choices[0].message.content, 'w1 w2 w3 w4 w5');
      assert.equal(r.choices[0].finish_reason, 'stop');
      assert.deepEqual([r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens],
        [prompt, 5, prompt + 5]);

      const [sent] = await sentWith(marker, P.path(false));
      const body = JSON.parse(sent.body);
      if (P.kind === 'anthropic') {
        assert.equal(body.model, P.mapped);
        assert.equal(systemText(body.system), 'be brief');
        assert.deepEqual(body.messages.map((m) => [m.role, systemText(m.content)]),
          [['user', messages[1].content]]);
        assert.ok(Number.isInteger(body.max_tokens) && body.max_tokens >= 1, 'max_tokens is required upstream');
        assert.equal(sent.headers['x-api-key'], 'sk-mock-upstream');
        assert.equal(sent.headers['anthropic-version'], '2023-06-01');
      } else {
        assert.equal(body.model, undefined, 'the model is in the path');
        assert.deepEqual(body.systemInstruction.parts, [{ text: 'be brief' }]);
        assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: messages[1].content }] }]);
        assert.equal(sent.headers['x-goog-api-key'], 'sk-mock-upstream');
      }
      const [l] = await logs(t);
      checkLog(l, P.model, { prompt, completion: 5, stream: false });
    });

    test(`${label}: stream with include_usage`, async () => {
      const t = setup(P);
      const marker = uniq('mk');
      const req = P.ctl('chunks=7', {
        model: P.model,
        messages: [{ role: 'system', content: 'be brief' },
          { role: 'user', content: `stream to the sdk ${marker}` }],
      });
      const stream = await client(t, base).chat.completions.create({
        ...req, stream: true, stream_options: { include_usage: true } });
      let text = '';
      let usage = null;
      let finish = null;
      const ids = new Set();
      let afterUsage = 0;
      for await (const chunk of stream) {
        assert.equal(chunk.object, 'chat.completion.chunk');
        assert.equal(chunk.model, P.model);
        ids.add(chunk.id);
        if (usage) afterUsage++;
        if (chunk.choices.length) {
          text += chunk.choices[0].delta.content ?? '';
          if (chunk.choices[0].finish_reason) finish = chunk.choices[0].finish_reason;
          assert.equal(chunk.usage ?? null, null, 'content chunks carry no usage');
        } else {
          usage = chunk.usage;
        }
      }
      const prompt = mockPromptTokens(req.messages);
      assert.equal(text, 'w1 w2 w3 w4 w5 w6 w7');
      assert.equal(finish, 'stop');
      assert.equal(ids.size, 1, 'one id for the whole stream');
      assert.ok(usage, 'a usage chunk');
      assert.equal(afterUsage, 0, 'the usage chunk is the last');
      assert.deepEqual([usage.prompt_tokens, usage.completion_tokens, usage.total_tokens],
        [prompt, 7, prompt + 7], 'the usage the mock reported');
      const [sent] = await sentWith(marker, P.path(true));
      assert.equal(sent.stream, true);
      const [l] = await logs(t);
      checkLog(l, P.model, { prompt, completion: 7, stream: true });
    });

    test(`${label}: tool calls, non-stream and stream`, async () => {
      const t = setup(P);
      const c = client(t, base);
      const marker = uniq('mk');
      const req = P.ctl('tool_calls=2', {
        model: P.model,
        messages: [{ role: 'user', content: `Weather and time in Paris ${marker}?` }],
        tools: TOOLS,
        tool_choice: 'required',
      });
      const prompt = mockPromptTokens(req.messages);
      // Anthropic's mock writes its 5 words before the calls.
      const textTokens = P.kind === 'anthropic' ? 5 : 0;
      const r = await c.chat.completions.create(req);
      const m = r.choices[0].message;
      assert.equal(r.choices[0].finish_reason, 'tool_calls');
      checkCalls(P, m.tool_calls);
      assert.equal(m.content, textTokens ? 'w1 w2 w3 w4 w5' : null);
      assert.equal(r.usage.completion_tokens, textTokens + CALL_TOKENS);
      assert.equal(r.usage.prompt_tokens, prompt);

      const sent = JSON.parse((await sentWith(marker, P.path(false)))[0].body);
      if (P.kind === 'anthropic') {
        assert.deepEqual(sent.tools, TOOLS.map((x) => ({ name: x.function.name,
          description: x.function.description, input_schema: x.function.parameters })));
        assert.deepEqual(sent.tool_choice, { type: 'any' });
      } else {
        assert.deepEqual(sent.tools, [{ functionDeclarations: TOOLS.map((x) => ({
          name: x.function.name, description: x.function.description,
          parameters: x.function.parameters })) }]);
        assert.equal(sent.toolConfig.functionCallingConfig.mode, 'ANY');
      }

      const stream = await c.chat.completions.create({ ...req, stream: true,
        stream_options: { include_usage: true } });
      const acc = [];
      let finish = null;
      let usage = null;
      let text = '';
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        const ch = chunk.choices[0];
        if (!ch) continue;
        if (ch.finish_reason) finish = ch.finish_reason;
        text += ch.delta.content ?? '';
        for (const d of ch.delta.tool_calls ?? []) {
          assert.ok(Number.isInteger(d.index), 'every tool_calls delta has an index');
          if (!acc[d.index]) {
            assert.ok(d.id, 'the first delta of a call carries its id');
            assert.equal(d.function?.name !== undefined, true, 'and its name');
            acc[d.index] = { id: d.id, type: d.type, function: { name: d.function.name, arguments: '' } };
          } else {
            assert.equal(d.id ?? acc[d.index].id, acc[d.index].id, 'the id does not change');
          }
          acc[d.index].function.arguments += d.function?.arguments ?? '';
        }
      }
      assert.equal(finish, 'tool_calls');
      checkCalls(P, acc);
      assert.equal(text, textTokens ? 'w1 w2 w3 w4 w5' : '');
      assert.deepEqual([usage.prompt_tokens, usage.completion_tokens],
        [prompt, textTokens + CALL_TOKENS]);
      const l = await logs(t, 2);
      checkLog(l[0], P.model, { prompt, completion: textTokens + CALL_TOKENS, stream: false });
      checkLog(l[1], P.model, { prompt, completion: textTokens + CALL_TOKENS, stream: true });
    });

    test(`${label}: tool round trip (assistant tool_calls + tool message)`, async () => {
      const t = setup(P);
      const c = client(t, base);
      const marker = uniq('mk');
      const question = { role: 'user', content: `Weather in Paris ${marker}?` };
      const r1 = await c.chat.completions.create({ model: P.model, messages: [question],
        tools: [TOOLS[0]], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
      const call = r1.choices[0].message.tool_calls[0];
      assert.equal(call.function.name, 'get_weather');
      const messages = [question,
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny and 20C' }];
      const r2 = await c.chat.completions.create({ model: P.model, messages, tools: [TOOLS[0]] });
      const text = r2.choices[0].message.content;
      assert.equal(r2.choices[0].finish_reason, 'stop');
      assert.equal(r2.choices[0].message.tool_calls ?? null, null, 'no new call');
      const sent = JSON.parse((await sentWith(marker, P.path(false), { also: 'sunny and 20C' })).at(-1).body);
      if (P.kind === 'anthropic') {
        // The mock leads with the tool results it got.
        assert.equal(text, 'Result: sunny and 20C w1 w2 w3 w4 w5');
        assert.deepEqual(sent.messages[1], { role: 'assistant', content: [{ type: 'tool_use',
          id: call.id, name: 'get_weather', input: JSON.parse(call.function.arguments) }] });
        assert.equal(sent.messages[2].role, 'user');
        assert.deepEqual(sent.messages[2].content.map((b) => [b.type, b.tool_use_id]),
          [['tool_result', call.id]]);
        // 3 + words per turn; the tool_use turn has no words.
        assert.equal(r2.usage.prompt_tokens, (3 + words(question.content)) + 3 + (3 + 3));
      } else {
        const resp = sent.contents[2].parts[0].functionResponse;
        assert.equal(sent.contents[1].role, 'model');
        assert.deepEqual(sent.contents[1].parts[0].functionCall, { name: 'get_weather',
          args: JSON.parse(call.function.arguments) });
        assert.equal(sent.contents[2].role, 'user');
        assert.equal(resp.name, 'get_weather');
        assert.match(JSON.stringify(resp.response), /sunny and 20C/);
        assert.equal(text, `Result: ${JSON.stringify(resp.response)} w1 w2 w3 w4 w5`);
        const respWords = JSON.stringify(resp.response).split(/\s+/).length;
        assert.equal(r2.usage.prompt_tokens, (3 + words(question.content)) + 3 + (3 + respWords));
      }
      const l = await logs(t, 2);
      checkLog(l[1], P.model, { prompt: r2.usage.prompt_tokens,
        completion: r2.usage.completion_tokens, stream: false });
      assert.equal(r2.usage.completion_tokens, text.split(' ').length);
    });

    test(`${label}: finish_reason mapping`, async () => {
      const t = setup(P);
      const c = client(t, base);
      const base0 = { model: P.model, messages: [{ role: 'user', content: 'hello there' }] };
      const cases = [
        ['length via max_tokens', { ...base0, max_tokens: 2 }, 'length', 'w1 w2'],
        ['length via max_completion_tokens', { ...base0, max_completion_tokens: 3 }, 'length', 'w1 w2 w3'],
        ['stop sequence', { ...base0, stop: ['w3'] }, 'stop', 'w1 w2'],
        ['refused / blocked', P.ctl(P.kind === 'anthropic' ? 'block=1' : 'block=2', base0),
          'content_filter', ''],
        ['tool call', { ...base0, tools: [TOOLS[0]], tool_choice: 'required' }, 'tool_calls', null],
      ];
      for (const [what, req, finish, content] of cases) {
        const r = await c.chat.completions.create(req);
        assert.equal(r.choices[0].finish_reason, finish, what);
        if (content !== null) assert.equal(r.choices[0].message.content.trim(), content, what);
      }
      // Streamed too: the last choice chunk says "length".
      const stream = await c.chat.completions.create({ ...base0, max_tokens: 2, stream: true });
      let finish = null;
      let text = '';
      for await (const chunk of stream) {
        const ch = chunk.choices[0];
        if (ch?.finish_reason) finish = ch.finish_reason;
        text += ch?.delta.content ?? '';
      }
      assert.equal(finish, 'length');
      assert.equal(text, 'w1 w2');
    });
  }

  test(`${name}: openai SDK responses.create -> anthropic channel`, async () => {
    const P = PROVIDERS[0];
    const t = setup(P);
    const marker = uniq('mk');
    const r = await client(t, base).responses.create({
      model: OPUS, instructions: 'be brief', input: `hello there world ${marker}`,
    });
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.equal(r.model, OPUS);
    assert.equal(r.output_text, 'w1 w2 w3 w4 w5');
    const prompt = (3 + 2) + (3 + 4);
    assert.equal(r.usage.input_tokens, prompt);
    assert.equal(r.usage.output_tokens, 5);
    assert.equal(r.usage.total_tokens, prompt + 5);
    const sent = JSON.parse((await sentWith(marker, '/v1/messages'))[0].body);
    assert.equal(sent.model, P.mapped);
    assert.equal(systemText(sent.system), 'be brief');
    assert.deepEqual(sent.messages.map((m) => [m.role, systemText(m.content)]),
      [['user', `hello there world ${marker}`]]);
    const [l] = await logs(t);
    checkLog(l, OPUS, { prompt, completion: 5, stream: false });
  });

  test(`${name}: openai SDK -> anthropic channel: cache reads and writes reach the usage and the bill`, async () => {
    const P = PROVIDERS[0];
    const t = setup(P);
    const c = client(t, base);
    const messages = [{ role: 'user', content: 'hello there world' }];
    const r = await c.chat.completions.create(P.ctl('cache_read=7,cache_write=4',
      { model: OPUS, messages }));
    const prompt = 6 + 7 + 4;
    assert.equal(r.usage.prompt_tokens, prompt, 'prompt = input + reads + writes');
    assert.deepEqual([r.usage.prompt_tokens_details.cached_tokens,
      r.usage.prompt_tokens_details.cache_write_tokens], [7, 4]);
    const s = await c.chat.completions.create(P.ctl('cache_read=2,cache_write=9,chunks=3',
      { model: OPUS, messages, stream: true, stream_options: { include_usage: true } }));
    let su = null;
    for await (const ch of s) if (ch.usage) su = ch.usage;
    assert.deepEqual([su.prompt_tokens, su.prompt_tokens_details.cached_tokens,
      su.prompt_tokens_details.cache_write_tokens], [6 + 2 + 9, 2, 9]);
    const rr = await c.responses.create({ model: OPUS, input: 'hello there world',
      user: 'mock:cache_read=1,cache_write=5' });
    assert.deepEqual([rr.usage.input_tokens, rr.usage.input_tokens_details.cached_tokens,
      rr.usage.input_tokens_details.cache_write_tokens], [3 + 3 + 1 + 5, 1, 5]);
    const l = await logs(t, 3);
    const want = [[prompt, 7, 4, 5], [17, 2, 9, 3], [12, 1, 5, 5]];
    l.forEach((row, i) => {
      const [p, cached, written, completion] = want[i];
      assert.equal(Number(row.prompt_tokens), p);
      const other = JSON.parse(row.other);
      assert.deepEqual([other.cached_tokens, other.cache_write_tokens], [cached, written]);
      assert.equal(Number(row.quota), quotaFor(OPUS, { prompt: p, cached, written, completion }),
        `row ${i}: reads at cache_u, writes at cache_write_u`);
    });
  });

  test(`${name}: openai SDK responses.create stream -> anthropic channel`, async () => {
    const t = setup(PROVIDERS[0]);
    const marker = uniq('mk');
    const stream = await client(t, base).responses.create({
      model: OPUS, input: `stream to the sdk ${marker}`, stream: true, user: 'mock:chunks=6',
    });
    const types = [];
    let text = '';
    let done = null;
    let seq = -1;
    for await (const ev of stream) {
      types.push(ev.type);
      assert.equal(ev.sequence_number, seq + 1, 'sequence numbers count up');
      seq = ev.sequence_number;
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.output_text.done') done = ev.text;
      if (ev.type === 'response.completed') {
        assert.equal(ev.response.model, OPUS);
        assert.equal(ev.response.status, 'completed');
        assert.deepEqual([ev.response.usage.input_tokens, ev.response.usage.output_tokens],
          [3 + 5, 6], 'usage the mock reported');
      }
    }
    assert.deepEqual(types.slice(0, 2), ['response.created', 'response.in_progress']);
    assert.equal(types.at(-1), 'response.completed');
    assert.equal(types.filter((x) => x === 'response.output_text.delta').length, 6);
    assert.equal(text, 'w1 w2 w3 w4 w5 w6');
    assert.equal(done, text);
    await sentWith(marker, '/v1/messages');
    const [l] = await logs(t);
    checkLog(l, OPUS, { prompt: 3 + 5, completion: 6, stream: true });
  });

  test(`${name}: openai SDK embeddings -> gemini channel (dimensions, float and base64)`, async () => {
    const t = tenant({ type: 'gemini', models: 'text-embedding-3-small',
      mapping: { 'text-embedding-3-small': 'gemini-embedding-001' } });
    const c = client(t, base);
    const marker = uniq('mk');
    const input = [`hello there world ${marker}`, 'foo'];
    // The SDK asks for base64 and decodes it unless told otherwise.
    const r = await c.embeddings.create({ model: 'text-embedding-3-small', input, dimensions: 8 });
    assert.equal(r.model, 'text-embedding-3-small');
    assert.equal(r.data.length, 2);
    r.data.forEach((d, i) => {
      assert.equal(d.index, i);
      assert.equal(d.embedding.length, 8, 'dimensions honoured');
      const norm = Math.hypot(...d.embedding);
      assert.ok(Math.abs(norm - 1) < 1e-3, `unit length, got ${norm}`);
    });
    const f = await c.embeddings.create({ model: 'text-embedding-3-small', input,
      dimensions: 8, encoding_format: 'float' });
    f.data.forEach((d, i) => d.embedding.forEach((v, j) => {
      assert.ok(Math.abs(v - r.data[i].embedding[j]) < 1e-6, 'base64 and float agree');
    }));
    assert.notDeepEqual(r.data[0].embedding, r.data[1].embedding);
    const sent = await sentWith(marker, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
    const body = JSON.parse(sent[0].body);
    assert.equal(body.requests.length, 2);
    body.requests.forEach((q, i) => {
      assert.equal(q.model, 'models/gemini-embedding-001');
      assert.equal(q.outputDimensionality, 8);
      assert.deepEqual(q.content.parts, [{ text: input[i] }]);
    });
    // Gemini reports no usage for embeddings: the gateway counts, and
    // the log says so (docs/decisions.md: usage_source "estimated").
    assert.ok(r.usage.prompt_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens);
    const l = await logs(t, 2);
    assert.equal(Number(l[0].prompt_tokens), r.usage.prompt_tokens);
    assert.equal(Number(l[0].quota), quotaFor('text-embedding-3-small', { prompt: r.usage.prompt_tokens }));
    assert.equal(JSON.parse(l[0].other).usage_source, 'estimated', 'no upstream count to claim');
  });

  test(`${name}: openai SDK embeddings -> cohere channel (dimensions, usage from upstream)`, async () => {
    const t = tenant({ type: 'cohere', models: 'text-embedding-3-small',
      mapping: { 'text-embedding-3-small': 'embed-v4.0' } });
    const marker = uniq('mk');
    const input = [`hello there world ${marker}`, 'foo bar'];
    const r = await client(t, base).embeddings.create({ model: 'text-embedding-3-small',
      input, dimensions: 256 });
    assert.equal(r.model, 'text-embedding-3-small');
    assert.equal(r.data.length, 2);
    r.data.forEach((d) => assert.equal(d.embedding.length, 256, 'dimensions honoured'));
    // Cohere's meta.billed_units.input_tokens: the mock counts words.
    assert.equal(r.usage.prompt_tokens, 4 + 2);
    const body = JSON.parse((await sentWith(marker, '/v2/embed'))[0].body);
    assert.equal(body.model, 'embed-v4.0');
    assert.deepEqual(body.texts, input);
    assert.equal(body.output_dimension, 256);
    assert.equal(typeof body.input_type, 'string');
    const [l] = await logs(t);
    assert.equal(Number(l.prompt_tokens), 6);
    assert.equal(Number(l.quota), quotaFor('text-embedding-3-small', { prompt: 6 }));
    assert.equal(JSON.parse(l.other).usage_source, 'upstream');
  });
}
