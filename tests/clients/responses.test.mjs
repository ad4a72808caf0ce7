// The official `openai` npm SDK against Nexhina's POST /v1/responses and
// POST /v1/completions, through lighttpd and Apache: responses.create
// with and without streaming, the responses.stream() helper (which
// rebuilds the Response from the events and fails on any inconsistency),
// function calls and their follow-up turn, on a channel with the
// Responses API and on one converted to Chat Completions
// ({"responses_api": false}); completions.create with and without
// streaming.
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  servers, tenant, logsFor, mockRequests, mockClear, eventually, ctl,
} from '../integration/lib.mjs';

const tools = [{
  type: 'function',
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
}];
const KINDS = [['relayed', null], ['converted', { responses_api: false }]];

const client = (t, base) => new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });

for (const [name, base] of servers) {
  for (const [kind, other] of KINDS) {
    test(`${name}: openai SDK responses.create (${kind}, non-stream)`, async () => {
      const t = tenant({ models: 'gpt-4o-mini', other });
      await mockClear();
      const r = await client(t, base).responses.create({
        model: 'gpt-4o-mini',
        instructions: 'Answer briefly',
        input: 'Say hi to the SDK',
        metadata: { mock_chunks: '3' },
      });
      assert.equal(r.object, 'response');
      assert.equal(r.status, 'completed');
      assert.equal(r.output_text, 'w1 w2 w3', 'SDK output_text helper');
      assert.equal(r.usage.output_tokens, 3);
      const paths = (await mockRequests()).map((m) => m.path);
      assert.deepEqual(paths, [other ? '/v1/chat/completions' : '/v1/responses']);
      const l = await eventually(() => logsFor(t.tokenId)[0]);
      assert.equal(Number(l.completion_tokens), 3);
      assert.equal(Number(l.prompt_tokens), r.usage.input_tokens);
    });

    test(`${name}: openai SDK responses.create stream: true (${kind})`, async () => {
      const t = tenant({ models: 'gpt-4o-mini', other });
      const stream = await client(t, base).responses.create({
        model: 'gpt-4o-mini',
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'Stream to the SDK' }] }],
        stream: true,
        metadata: { mock_chunks: '6' },
      });
      let text = '';
      let final = null;
      const types = [];
      for await (const ev of stream) {
        types.push(ev.type);
        if (ev.type === 'response.output_text.delta') text += ev.delta;
        if (ev.type === 'response.completed') final = ev.response;
      }
      assert.equal(types[0], 'response.created');
      assert.equal(types.at(-1), 'response.completed');
      assert.equal(text, 'w1 w2 w3 w4 w5 w6');
      assert.equal(final.output[0].content[0].text, text);
      assert.equal(final.usage.output_tokens, 6);
      const l = await eventually(() => logsFor(t.tokenId)[0]);
      assert.equal(Number(l.completion_tokens), 6);
      assert.equal(l.stream_status, 'ok');
    });

    test(`${name}: openai SDK responses.stream() helper rebuilds the answer (${kind})`, async () => {
      const t = tenant({ models: 'gpt-4o-mini', other });
      const s = client(t, base).responses.stream({
        model: 'gpt-4o-mini',
        input: 'Stream through the helper',
        metadata: { mock_chunks: '4' },
      });
      const snapshots = [];
      s.on('response.output_text.delta', (e) => snapshots.push(e.snapshot));
      const r = await s.finalResponse();
      assert.deepEqual(snapshots, ['w1', 'w1 w2', 'w1 w2 w3', 'w1 w2 w3 w4']);
      assert.equal(r.output_text, 'w1 w2 w3 w4');
      assert.equal(r.status, 'completed');
    });

    test(`${name}: openai SDK responses function calls and follow-up (${kind})`, async () => {
      const t = tenant({ models: 'gpt-4o-mini', other });
      const c = client(t, base);
      const r = await c.responses.create({
        model: 'gpt-4o-mini',
        input: 'Weather in Paris?',
        tools,
        tool_choice: { type: 'function', name: 'get_weather' },
      });
      const call = r.output.find((o) => o.type === 'function_call');
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(Object.keys(JSON.parse(call.arguments)), ['city']);

      const s = c.responses.stream({ model: 'gpt-4o-mini', input: 'Weather in Paris?',
        tools, tool_choice: 'required' });
      const pieces = [];
      s.on('response.function_call_arguments.delta', (e) => pieces.push(e.delta));
      const sr = await s.finalResponse();
      const scall = sr.output.find((o) => o.type === 'function_call');
      assert.equal(pieces.join(''), scall.arguments);
      assert.equal(scall.name, 'get_weather');
      assert.ok(pieces.length > 1, 'arguments arrived in pieces');

      await mockClear();
      const r2 = await c.responses.create({
        model: 'gpt-4o-mini',
        tools,
        input: [
          { role: 'user', content: 'Weather in Paris?' },
          { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
          { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' },
        ],
      });
      assert.equal(r2.status, 'completed');
      assert.ok(r2.output_text.length > 0);
      const up = (await mockRequests()).at(-1);
      if (other) {
        const msgs = JSON.parse(up.body).messages;
        assert.equal(msgs[1].tool_calls[0].id, call.call_id);
        assert.deepEqual(msgs[2], { role: 'tool', tool_call_id: call.call_id, content: '{"temp":21}' });
      } else {
        assert.equal(up.path, '/v1/responses');
      }
    });
  }

  test(`${name}: openai SDK surfaces Responses validation errors as APIError with param`, async () => {
    const t = tenant({ models: 'gpt-4o-mini', other: { responses_api: false } });
    const c = client(t, base);
    await assert.rejects(c.responses.create({ model: 'gpt-4o-mini', input: 'x', max_output_tokens: 3 }),
      (e) => e.status === 400 && e.param === 'max_output_tokens');
    await assert.rejects(c.responses.create({ model: 'gpt-4o-mini', input: 'x',
      previous_response_id: 'resp_1' }),
    (e) => e.status === 400 && e.param === 'previous_response_id');
  });

  test(`${name}: openai SDK completions.create, non-stream and stream`, async () => {
    ctl(['price', 'set', 'gpt-3.5-turbo-instruct', '--basis', 'tokens', '--input', '10',
      '--output', '13.333333']);
    const t = tenant({ models: 'gpt-3.5-turbo-instruct' });
    const c = client(t, base);
    const r = await c.completions.create({
      model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test', max_tokens: 7,
      user: 'mock:chunks=5',
    });
    assert.equal(r.object, 'text_completion');
    assert.equal(r.choices[0].text, 'w1 w2 w3 w4 w5');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.deepEqual(r.usage, { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });

    const stream = await c.completions.create({
      model: 'gpt-3.5-turbo-instruct', prompt: ['one', 'two'], stream: true,
      stream_options: { include_usage: true }, user: 'mock:chunks=3',
    });
    const text = ['', ''];
    let usage = null;
    for await (const chunk of stream) {
      for (const ch of chunk.choices) text[ch.index] += ch.text;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.deepEqual(text, ['w1 w2 w3', 'w1 w2 w3']);
    assert.deepEqual(usage, { prompt_tokens: 2, completion_tokens: 6, total_tokens: 8 });
    const logs = await eventually(() => logsFor(t.tokenId).length === 2 && logsFor(t.tokenId));
    assert.equal(Number(logs[1].completion_tokens), 6);
    assert.equal(logs[1].stream_status, 'ok');
  });
}
