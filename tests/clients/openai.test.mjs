// The official `openai` npm SDK against Nexhina, through lighttpd and
// Apache: chat.completions.create with and without streaming, tool calls.
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  servers, tenant, logsFor, mockRequests, mockClear, eventually,
} from '../integration/lib.mjs';

const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}];

for (const [name, base] of servers) {
  test(`${name}: openai SDK chat.completions.create (non-stream)`, async () => {
    const t = tenant();
    const client = new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });
    const r = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hi to the SDK' }],
      metadata: { mock_chunks: '3' },
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content.split(' ').length, 3);
    assert.equal(r.usage.completion_tokens, 3);
    const l = logsFor(t.tokenId);
    assert.equal(l.length, 1);
    assert.equal(Number(l[0].completion_tokens), 3);
  });

  test(`${name}: openai SDK chat.completions.create stream: true`, async () => {
    const t = tenant();
    const client = new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream to the SDK' }],
      stream: true,
      stream_options: { include_usage: true },
      metadata: { mock_chunks: '6' },
    });
    let text = '';
    let usage = null;
    for await (const chunk of stream) {
      if (chunk.choices.length) text += chunk.choices[0].delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text.trim().split(' ').length, 6);
    assert.equal(usage.completion_tokens, 6);
    const l = await eventually(() => logsFor(t.tokenId)[0]);
    assert.equal(Number(l.completion_tokens), 6);
    assert.equal(l.stream_status, 'ok');
  });

  test(`${name}: openai SDK tool calls, non-stream and stream`, async () => {
    const t = tenant();
    const client = new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });
    await mockClear();
    const r = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const call = r.choices[0].message.tool_calls[0];
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(Object.keys(JSON.parse(call.function.arguments)), ['city']);
    const sent = JSON.parse((await mockRequests()).at(-1).body);
    assert.deepEqual(sent.tools, tools, 'tools passed through untouched');
    assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: 'get_weather' } });

    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      tool_choice: 'required',
      stream: true,
    });
    let args = '';
    let fname = '';
    let finish = null;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta;
      for (const tc of d?.tool_calls ?? []) {
        assert.equal(tc.index, 0);
        if (tc.function?.name) fname = tc.function.name;
        args += tc.function?.arguments ?? '';
      }
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    }
    assert.equal(fname, 'get_weather');
    assert.deepEqual(Object.keys(JSON.parse(args)), ['city']);
    assert.equal(finish, 'tool_calls');
    // the follow-up turn with the tool result goes through as well
    const r2 = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' },
      ],
      tools,
    });
    assert.equal(r2.choices[0].finish_reason, 'stop');
  });

  test(`${name}: openai SDK surfaces gateway errors as APIError`, async () => {
    const client = new OpenAI({ apiKey: 'sk-' + 'x'.repeat(48), baseURL: `${base}/v1`, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }],
    }), (e) => e.status === 401 && e.code === 'invalid_api_key');
  });
}
