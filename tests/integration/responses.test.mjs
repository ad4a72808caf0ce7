// POST /v1/responses and POST /v1/completions end to end through lighttpd
// and Apache, the workers, MariaDB and the mock upstream.  Responses are
// tested on both kinds of channel: one with the Responses API (relayed,
// the default for type openai) and one with {"responses_api": false}
// (converted to and from Chat Completions, streams included).  Each test
// checks what the client got (against openai-openapi.yaml), what the mock
// received, the log row and the quota charged.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  servers, tenant, post, mockRequests, mockClear, logsFor, userQuota,
  quotaOf, eventually, one, ctl, uniq, env, sleep, sql,
} from './lib.mjs';
import { assertSchema } from './schema.mjs';

const CONVERTED = { responses_api: false };
const tools = [{
  type: 'function',
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}];

// Named SSE events: [{event, data (parsed unless [DONE]), t}].
async function readNamed(res, { stopAfter } = {}) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const events = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (block.startsWith(':')) continue;
      const ev = block.split('\n').find((l) => l.startsWith('event: '));
      const data = block.split('\n').filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6)).join('\n');
      events.push({ event: ev ? ev.slice(7) : null,
        data: data === '[DONE]' ? data : JSON.parse(data), t: Date.now() });
      if (stopAfter && events.length >= stopAfter) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

// Every event is named after its type, numbered from 0, and valid.
function checkEvents(events) {
  events.forEach((e, i) => {
    assert.equal(e.event, e.data.type, `event ${i} named after its type`);
    assert.equal(e.data.sequence_number, i, `sequence_number of event ${i}`);
    assertSchema(e.data, 'ResponseStreamEvent');
  });
  return events.map((e) => e.event.replace(/^response\./, '')).join(',');
}

const TEXT_EVENTS = (n) => ['created', 'in_progress', 'output_item.added',
  'content_part.added', ...Array(n).fill('output_text.delta'),
  'output_text.done', 'content_part.done', 'output_item.done', 'completed'].join(',');

async function lastMock(prefix) {
  const all = await mockRequests();
  return all.filter((r) => r.path.startsWith(prefix)).at(-1);
}

const logOf = async (t) => (await eventually(() => logsFor(t.tokenId).length
  && logsFor(t.tokenId)))[0];

for (const [name, base] of servers) {
  test(`${name}: responses relayed to a Responses API channel: answer, passthrough, log, quota`, async () => {
    const t = tenant({ models: 'gpt-4o-mini' });
    const q0 = userQuota(t.userId);
    await mockClear();
    const body = { model: 'gpt-4o-mini', instructions: 'be brief', input: 'hello there friend',
      temperature: 0.5, store: false, include: ['message.output_text.logprobs'],
      metadata: { mock_chunks: '6' }, user: 'u1' };
    const res = await post(base, '/v1/responses', t.key, body);
    assert.equal(res.status, 200);
    const r = await res.json();
    assertSchema(r, 'Response');
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.equal(r.model, 'gpt-4o-mini');
    assert.equal(r.output[0].content[0].text, 'w1 w2 w3 w4 w5 w6');
    const prompt = (3 + 2) + (3 + 3); // instructions and input, mock README
    assert.deepEqual([r.usage.input_tokens, r.usage.output_tokens], [prompt, 6]);

    const up = await lastMock('/v1/responses');
    assert.ok(up, 'the mock saw /v1/responses');
    assert.equal(up.headers.authorization, 'Bearer sk-mock-upstream');
    assert.deepEqual(JSON.parse(up.body), body, 'body passed through untouched');

    const l = await logOf(t);
    assert.equal(l.type, '2');
    assert.equal(l.request_id, res.headers.get('x-request-id'));
    assert.deepEqual([Number(l.prompt_tokens), Number(l.completion_tokens)], [prompt, 6]);
    assert.equal(Number(l.quota), quotaOf(prompt, 6));
    assert.equal(JSON.parse(l.other).usage_source, 'upstream');
    assert.equal(userQuota(t.userId), q0 - quotaOf(prompt, 6));
    assert.equal(Number(one(`SELECT COUNT(*) FROM quota_holds WHERE token_id=${t.tokenId}`)[0]), 0);
  });

  test(`${name}: responses stream relayed event by event with names and usage`, async () => {
    const t = tenant({ models: 'gpt-4o-mini' });
    const res = await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o-mini', input: 'hello there', stream: true, metadata: { mock_chunks: '4' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const events = await readNamed(res);
    assert.equal(checkEvents(events), TEXT_EVENTS(4));
    const done = events.at(-1).data.response;
    assert.equal(done.output[0].content[0].text, 'w1 w2 w3 w4');
    assert.equal(done.usage.output_tokens, 4);
    const l = await logOf(t);
    assert.equal(l.is_stream, '1');
    assert.equal(l.stream_status, 'ok');
    assert.deepEqual([Number(l.prompt_tokens), Number(l.completion_tokens)], [5, 4]);
    assert.equal(Number(l.quota), quotaOf(5, 4));
  });

  test(`${name}: responses converted to chat for {"responses_api": false}: request, answer, billing`, async () => {
    const t = tenant({ models: 'gpt-4o', other: CONVERTED });
    const q0 = userQuota(t.userId);
    await mockClear();
    const res = await post(base, '/v1/responses', t.key, {
      model: 'gpt-4o', instructions: 'be brief',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'hello there' },
        { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' }] }],
      max_output_tokens: 100, temperature: 0.3, store: true, truncation: 'auto',
      text: { format: { type: 'json_schema', name: 'reply', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'low' }, metadata: { mock_chunks: '3' } });
    assert.equal(res.status, 200);
    const r = await res.json();
    assertSchema(r, 'Response');
    assert.match(r.id, /^resp_/);
    assert.equal(r.model, 'gpt-4o');
    assert.equal(r.store, false, 'nothing is stored on the converted path');
    assert.equal(r.instructions, 'be brief');
    assert.equal(r.output.length, 1);
    assert.equal(r.output[0].type, 'message');
    assert.equal(r.output[0].content[0].type, 'output_text');
    assert.equal(r.output[0].content[0].text, 'w1 w2 w3');
    const prompt = (3 + 2) + (3 + 2); // chat mock: system + user text part
    assert.deepEqual([r.usage.input_tokens, r.usage.output_tokens, r.usage.total_tokens],
      [prompt, 3, prompt + 3]);

    assert.equal(await lastMock('/v1/responses'), undefined, 'no /v1/responses upstream');
    const sent = JSON.parse((await lastMock('/v1/chat/completions')).body);
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hello there' },
        { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] }]);
    assert.equal(sent.max_completion_tokens, 100);
    assert.equal(sent.temperature, 0.3);
    assert.equal(sent.reasoning_effort, 'low');
    assert.deepEqual(sent.response_format, { type: 'json_schema',
      json_schema: { name: 'reply', schema: { type: 'object' }, strict: true } });
    for (const k of ['input', 'instructions', 'store', 'truncation', 'text', 'max_output_tokens']) {
      assert.ok(!(k in sent), `${k} not sent to a chat upstream`);
    }
    const l = await logOf(t);
    // billed at gpt-4o's multipliers (5/15) from the chat usage
    assert.deepEqual([Number(l.prompt_tokens), Number(l.completion_tokens)], [prompt, 3]);
    assert.equal(Number(l.quota), quotaOf(prompt, 3, 5, 15));
    assert.equal(userQuota(t.userId), q0 - Number(l.quota));
  });

  test(`${name}: converted stream becomes the full Responses event sequence`, async () => {
    const t = tenant({ models: 'gpt-4o-mini', other: CONVERTED });
    await mockClear();
    const res = await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o-mini', input: 'hello there', stream: true, metadata: { mock_chunks: '5' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const events = await readNamed(res);
    assert.equal(checkEvents(events), TEXT_EVENTS(5));
    const ids = new Set(events.filter((e) => e.data.item_id).map((e) => e.data.item_id));
    assert.equal(ids.size, 1, 'one item id throughout');
    assert.equal(events[2].data.item.id, [...ids][0]);
    assert.equal(events.filter((e) => e.event === 'response.output_text.delta')
      .map((e) => e.data.delta).join(''), 'w1 w2 w3 w4 w5');
    const done = events.at(-1).data.response;
    assert.equal(done.status, 'completed');
    assert.equal(done.output[0].content[0].text, 'w1 w2 w3 w4 w5');
    assert.deepEqual([done.usage.input_tokens, done.usage.output_tokens], [5, 5]);
    const sent = JSON.parse((await lastMock('/v1/chat/completions')).body);
    assert.equal(sent.stream, true);
    assert.deepEqual(sent.stream_options, { include_usage: true }, 'usage always requested');
    const l = await logOf(t);
    assert.equal(l.stream_status, 'ok');
    assert.deepEqual([Number(l.prompt_tokens), Number(l.completion_tokens)], [5, 5]);
    assert.equal(Number(l.quota), quotaOf(5, 5));
  });

  test(`${name}: function calls on both kinds of channel, whole and streamed, and the follow-up turn`, async () => {
    for (const other of [null, CONVERTED]) {
      const t = tenant({ models: 'gpt-4o-mini', other });
      const kind = other ? 'converted' : 'relayed';
      const r = await (await post(base, '/v1/responses', t.key,
        { model: 'gpt-4o-mini', input: 'Weather in Paris?', tools, tool_choice: 'required' })).json();
      assertSchema(r, 'Response');
      const call = r.output.find((o) => o.type === 'function_call');
      assert.ok(call, `${kind}: a function_call item`);
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.arguments), { city: 'x' });
      assert.ok(call.call_id);

      const events = await readNamed(await post(base, '/v1/responses', t.key,
        { model: 'gpt-4o-mini', input: 'Weather in Paris?', tools,
          tool_choice: { type: 'function', name: 'get_weather' }, stream: true }));
      const names = checkEvents(events);
      assert.match(names, /^created,in_progress,output_item\.added,(function_call_arguments\.delta,)+function_call_arguments\.done,output_item\.done,completed$/, `${kind}: ${names}`);
      const argsDone = events.find((e) => e.event === 'response.function_call_arguments.done').data;
      assert.equal(events.filter((e) => e.event === 'response.function_call_arguments.delta')
        .map((e) => e.data.delta).join(''), argsDone.arguments);
      assert.equal(argsDone.name, 'get_weather');
      assert.equal(events.at(-1).data.response.output[0].arguments, argsDone.arguments);

      await mockClear();
      const r2 = await (await post(base, '/v1/responses', t.key, { model: 'gpt-4o-mini', tools,
        input: [{ role: 'user', content: 'Weather in Paris?' },
          { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
          { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' }] })).json();
      assert.equal(r2.status, 'completed');
      assert.equal(r2.output[0].type, 'message');
      if (other) {
        const sent = JSON.parse((await lastMock('/v1/chat/completions')).body);
        assert.deepEqual(sent.messages, [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: call.call_id, type: 'function',
            function: { name: 'get_weather', arguments: call.arguments } }] },
          { role: 'tool', tool_call_id: call.call_id, content: '{"temp":21}' }]);
        assert.deepEqual(sent.tools, [{ type: 'function', function: { name: 'get_weather',
          description: 'Weather of a city', parameters: tools[0].parameters } }]);
      } else {
        assert.equal(JSON.parse((await lastMock('/v1/responses')).body).input[2].type,
          'function_call_output');
      }
    }
  });

  test(`${name}: max_output_tokens cuts the answer: incomplete on both paths`, async () => {
    for (const other of [null, CONVERTED]) {
      const t = tenant({ models: 'gpt-4o-mini', other });
      const body = { model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 16,
        metadata: { mock_chunks: '20' } };
      const r = await (await post(base, '/v1/responses', t.key, body)).json();
      assertSchema(r, 'Response');
      assert.equal(r.status, 'incomplete');
      assert.deepEqual(r.incomplete_details, { reason: 'max_output_tokens' });
      assert.equal(r.output[0].status, 'incomplete');
      const events = await readNamed(await post(base, '/v1/responses', t.key, { ...body, stream: true }));
      checkEvents(events);
      assert.equal(events.at(-1).event, 'response.incomplete');
      assert.equal(events.at(-1).data.response.output[0].content[0].text.split(' ').length, 16);
    }
  });

  test(`${name}: responses validation errors name the field; nothing is held`, async () => {
    const t = tenant({ models: 'gpt-4o-mini' });
    const expect = async (body, status, param, code = 'invalid_request') => {
      const res = await post(base, '/v1/responses', t.key, body);
      assert.equal(res.status, status, JSON.stringify(body));
      const b = await res.json();
      assert.equal(b.error.code, code);
      assert.equal(b.error.param, param, JSON.stringify(b));
      assert.ok(b.error.message.length > 0);
    };
    await expect({ input: 'x' }, 400, 'model');
    await expect({ model: 'gpt-4o-mini' }, 400, 'input');
    await expect({ model: 'gpt-4o-mini', input: 7 }, 400, 'input');
    await expect({ model: 'gpt-4o-mini', input: [{ role: 'robot', content: 'x' }] }, 400, 'input[0].role');
    await expect({ model: 'gpt-4o-mini', input: [{ role: 'user', content: [{ type: 'input_text' }] }] },
      400, 'input[0].content[0].text');
    await expect({ model: 'gpt-4o-mini', input: [{ type: 'function_call_output', output: 'x' }] },
      400, 'input[0].call_id');
    await expect({ model: 'gpt-4o-mini', input: 'x', max_output_tokens: 5 }, 400, 'max_output_tokens');
    await expect({ model: 'gpt-4o-mini', input: 'x', stream: 'yes' }, 400, 'stream');
    await expect({ model: 'gpt-4o-mini', input: 'x', stream_options: {} }, 400, 'stream_options');
    await expect({ model: 'gpt-4o-mini', input: 'x', temperature: 5 }, 400, 'temperature');
    await expect({ model: 'gpt-4o-mini', input: 'x', tools: [{ type: 'function', name: 'bad name' }] },
      400, 'tools[0].name');
    await expect({ model: 'gpt-4o-mini', input: 'x', tool_choice: 'sometimes' }, 400, 'tool_choice');
    await expect({ model: 'gpt-4o-mini', input: 'x', text: { format: { type: 'json_schema', name: 's' } } },
      400, 'text.format.schema');
    await expect({ model: 'gpt-4o-mini', input: 'x', metadata: { a: 1 } }, 400, 'metadata');
    await expect({ model: 'no-such-model', input: 'x' }, 404, 'model', 'model_not_found');
    const big = JSON.stringify({ model: 'gpt-4o-mini', input: 'x'.repeat(17 * 1024 * 1024) });
    const res = await post(base, '/v1/responses', t.key, big);
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, 'request_too_large');
    assert.equal(logsFor(t.tokenId).length, 0, 'no log rows, nothing charged');
  });

  test(`${name}: previous_response_id: 400 on converted-only models, relayed where the API exists`, async () => {
    const t = tenant({ models: 'gpt-4o-mini', other: CONVERTED });
    const res = await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o-mini', previous_response_id: 'resp_abc', input: 'and then?' });
    assert.equal(res.status, 400);
    const b = await res.json();
    assert.equal(b.error.param, 'previous_response_id');
    assert.match(b.error.message, /Responses API/);
    assert.match(b.error.message, /input/);
    const web = await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o-mini', input: 'x', tools: [{ type: 'web_search_preview' }] });
    assert.equal(web.status, 400);
    assert.equal((await web.json()).error.param, 'tools[0].type');
    assert.equal(userQuota(t.userId), 10000000);

    // A native channel of the same group, lower priority: the request goes there.
    ctl(['channel', 'add', '--type', 'openai', '--name', uniq('c'), '--base-url', env.mock,
      '--key-stdin', '--models', 'gpt-4o-mini', '--group', t.group, '--priority', '-5'],
    'sk-mock-upstream');
    await mockClear();
    const ok = await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o-mini', previous_response_id: 'resp_abc', input: 'and then?' });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).previous_response_id, 'resp_abc');
    assert.equal(JSON.parse((await lastMock('/v1/responses')).body).previous_response_id, 'resp_abc');
    // an ordinary request still prefers the higher-priority converted channel
    await mockClear();
    await (await post(base, '/v1/responses', t.key, { model: 'gpt-4o-mini', input: 'x' })).json();
    assert.equal((await mockRequests()).filter((m) => m.path === '/v1/chat/completions').length, 1);
  });

  test(`${name}: failover across a dead converted channel to a relaying one, each with its own body`, async () => {
    const t = tenant({ models: 'gpt-4o-mini' }); // relaying, priority 0
    const dead = Number(ctl(['channel', 'add', '--type', 'openai', '--name', uniq('dead'),
      '--base-url', 'http://127.0.0.1:1', '--key-stdin', '--models', 'gpt-4o-mini',
      '--group', t.group, '--priority', '10', '--other', JSON.stringify(CONVERTED)],
    'sk-mock-upstream'));
    await mockClear();
    const res = await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o-mini', input: 'hello', metadata: { mock_chunks: '2' } });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).output[0].content[0].text, 'w1 w2');
    assert.equal((await mockRequests()).filter((m) => m.path === '/v1/responses').length, 1);
    const l = await logOf(t);
    assert.equal(JSON.parse(l.other).channels_tried, `${dead},${t.channelId}`);
    assert.equal(Number(l.channel_id), t.channelId);
  });

  test(`${name}: upstream failures: 400 passes through, 500 is a 502 with a full refund`, async () => {
    for (const other of [null, CONVERTED]) {
      const t = tenant({ models: 'gpt-4o-mini', other });
      const q0 = userQuota(t.userId);
      const r400 = await post(base, '/v1/responses', t.key,
        { model: 'gpt-4o-mini', input: 'x', metadata: { mock_status: '400' } });
      assert.equal(r400.status, 400);
      assert.equal((await r400.json()).error.type, 'invalid_request_error');
      const r500 = await post(base, '/v1/responses', t.key,
        { model: 'gpt-4o-mini', input: 'x', metadata: { mock_status: '500' } });
      assert.equal(r500.status, 502);
      assert.equal((await r500.json()).error.code, 'bad_upstream_response');
      assert.equal(userQuota(t.userId), q0);
      const logs = logsFor(t.tokenId);
      assert.equal(logs.length, 2);
      assert.ok(logs.every((l) => l.type === '5' && l.quota === '0'));
    }
  });

  test(`${name}: model_mapping: mapped name upstream, asked name to the client`, async () => {
    const t = tenant({ models: 'gpt-4o', mapping: { 'gpt-4o': 'gpt-4o-2024-08-06' } });
    await mockClear();
    const r = await (await post(base, '/v1/responses', t.key, { model: 'gpt-4o', input: 'x' })).json();
    assert.equal(r.model, 'gpt-4o');
    assert.equal(JSON.parse((await lastMock('/v1/responses')).body).model, 'gpt-4o-2024-08-06');
    const events = await readNamed(await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o', input: 'x', stream: true }));
    assert.ok(events.filter((e) => e.data.response).every((e) => e.data.response.model === 'gpt-4o'));
  });
}

// A fake upstream refusing every credential with 401 (failover.test.mjs).
function refusingUpstream() {
  const f = { hits: 0, paths: [] };
  f.server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      f.hits += 1;
      f.paths.push(req.url);
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Incorrect API key sk-secret123456',
        type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }));
    });
  });
  return new Promise((r) => f.server.listen(0, '127.0.0.1', () => {
    f.url = `http://127.0.0.1:${f.server.address().port}`;
    r(f);
  }));
}

test('responses: a 401 on a Responses API channel auto-disables it; the converted channel answers', async (t) => {
  const [, base] = servers[0];
  const k = tenant({ models: 'gpt-4o-mini', other: CONVERTED }); // priority 0
  const f = await refusingUpstream();
  t.after(() => f.server.close());
  const bad = Number(ctl(['channel', 'add', '--type', 'openai', '--name', uniq('bad'),
    '--base-url', f.url, '--key-stdin', '--models', 'gpt-4o-mini', '--group', k.group,
    '--priority', '10'], 'sk-fake-upstream'));
  const q0 = userQuota(k.userId);
  await mockClear();
  // streamed: the failed native attempt leaves no trace, the chat stream is converted
  const res = await post(base, '/v1/responses', k.key,
    { model: 'gpt-4o-mini', input: 'hello there', stream: true, metadata: { mock_chunks: '3' } });
  assert.equal(res.status, 200);
  const events = await readNamed(res);
  assert.equal(checkEvents(events), TEXT_EVENTS(3));
  assert.equal(events.at(-1).data.response.output[0].content[0].text, 'w1 w2 w3');
  assert.ok(!JSON.stringify(events).includes('sk-secret'), 'the refusal never reaches the client');
  assert.deepEqual(f.paths, ['/v1/responses'], 'the native channel got the native path');
  assert.equal(JSON.parse((await lastMock('/v1/chat/completions')).body).stream, true);
  assert.equal(await lastMock('/v1/responses'), undefined);

  assert.equal(one(`SELECT status FROM channels WHERE id=${bad}`)[0], '3');
  const sys = sql(`SELECT type, status, error_code FROM logs WHERE channel_id=${bad} AND type=4`);
  assert.deepEqual(sys, [['4', '401', 'channel_auto_disabled']]);
  const l = await logOf(k);
  assert.equal(l.type, '2');
  assert.equal(l.stream_status, 'ok');
  assert.equal(Number(l.channel_id), k.channelId);
  assert.equal(JSON.parse(l.other).channels_tried, `${bad},${k.channelId}`);
  const usage = events.at(-1).data.response.usage;
  assert.deepEqual([Number(l.prompt_tokens), Number(l.completion_tokens)],
    [usage.input_tokens, 3]);
  assert.equal(Number(l.quota), quotaOf(usage.input_tokens, 3));
  assert.equal(userQuota(k.userId), q0 - Number(l.quota));

  // disabled: no more traffic; only-Responses requests have no channel left
  const r2 = await post(base, '/v1/responses', k.key, { model: 'gpt-4o-mini', input: 'again' });
  assert.equal(r2.status, 200);
  assertSchema(await r2.json(), 'Response');
  const r3 = await post(base, '/v1/responses', k.key,
    { model: 'gpt-4o-mini', previous_response_id: 'resp_abc', input: 'and then?' });
  assert.equal(r3.status, 400);
  assert.equal((await r3.json()).error.param, 'previous_response_id');
  assert.equal(f.hits, 1, 'a disabled channel gets no traffic');
  assert.equal(logsFor(k.tokenId).filter((r) => r.type === '2').length, 2);
});

test('responses: upstream error mid-stream is relayed (native) or becomes response.failed (converted)', async () => {
  const [, base] = servers[0];
  for (const other of [null, CONVERTED]) {
    const t = tenant({ models: 'gpt-4o-mini', other });
    const events = await readNamed(await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o-mini', input: 'hi', stream: true,
        metadata: { mock_chunks: '6', mock_error_after: '3' } }));
    const last = events.at(-1);
    assert.equal(last.event, 'response.failed', JSON.stringify(last));
    assert.equal(last.data.response.status, 'failed');
    assert.equal(last.data.response.error.code, 'server_error');
    assert.equal(events.filter((e) => e.event === 'response.output_text.delta').length, 3);
    const l = await logOf(t);
    assert.equal(l.stream_status, 'upstream_error');
    assert.equal(l.error_code, 'upstream_error');
    assert.equal(Number(l.completion_tokens) > 0, true, 'delivered part billed');
    assert.ok(Number(l.quota) > 0);
  }
});

test('responses: upstream connection broken mid-stream ends with event: error, delivered part billed', async () => {
  const [, base] = servers[1] ?? servers[0];
  for (const other of [null, CONVERTED]) {
    const t = tenant({ models: 'gpt-4o-mini', other });
    const events = await readNamed(await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o-mini', input: 'hi', stream: true,
        metadata: { mock_chunks: '10', mock_disconnect_after: '3' } }));
    const last = events.at(-1);
    assert.equal(last.event, 'error');
    assert.equal(last.data.code, 'bad_upstream_response');
    assert.equal(last.data.sequence_number, events.at(-2).data.sequence_number + 1);
    assertSchema(last.data, 'ResponseStreamEvent');
    assert.ok(!events.some((e) => e.event === 'response.completed'));
    const l = await logOf(t);
    assert.equal(l.stream_status, 'upstream_broken');
    assert.equal(JSON.parse(l.other).usage_source, 'estimated');
    assert.ok(Number(l.completion_tokens) >= 3, `billed ${l.completion_tokens} delivered tokens`);
    assert.ok(Number(l.quota) > 0);
  }
});

test('responses: client disconnect mid-stream cancels upstream and bills what was delivered', async () => {
  const [, base] = servers[0];
  for (const other of [null, CONVERTED]) {
    const t = tenant({ models: 'gpt-4o-mini', other });
    await mockClear();
    const q0 = userQuota(t.userId);
    const res = await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o-mini', input: 'hi', stream: true,
        metadata: { mock_chunks: '40', mock_interval_ms: '150' } });
    await readNamed(res, { stopAfter: 7 }).catch(() => {});
    const l = await logOf(t);
    assert.equal(l.stream_status, 'client_gone');
    const delivered = Number(l.completion_tokens);
    assert.ok(delivered >= 2 && delivered < 40, `billed ${delivered} of 40 words`);
    assert.equal(userQuota(t.userId), q0 - Number(l.quota));
    const path = other ? '/v1/chat/completions' : '/v1/responses';
    const up = await eventually(async () => {
      const r = await lastMock(path);
      return r && r.completed === false ? r : null;
    }, 8000);
    assert.ok(up, 'mock saw the transfer cancelled');
    assert.ok(up.chunk_times_ms.length < 30, 'upstream stopped early');
  }
});

test('responses: no buffering: each converted event arrives before the mock sends the next chunk', async () => {
  const [, base] = servers[0];
  const t = tenant({ models: 'gpt-4o-mini', other: CONVERTED });
  await mockClear();
  const events = await readNamed(await post(base, '/v1/responses', t.key,
    { model: 'gpt-4o-mini', input: 'hi', stream: true,
      metadata: { mock_chunks: '4', mock_interval_ms: '200' } }));
  const up = await eventually(async () => {
    const r = await lastMock('/v1/chat/completions');
    return r && r.chunk_times_ms && r.chunk_times_ms.length >= 6 ? r : null;
  });
  // chat chunks: role, w1..w4, finish, usage; the delta for word i came
  // from chunk i (1-based) and must be out before chunk i+1 was sent.
  const deltas = events.filter((e) => e.event === 'response.output_text.delta');
  assert.equal(deltas.length, 4);
  for (let i = 0; i < 3; i++) {
    assert.ok(deltas[i].t < up.chunk_times_ms[i + 2],
      `delta ${i} at ${deltas[i].t}, next chunk sent at ${up.chunk_times_ms[i + 2]}`);
  }
});

test('responses: cached and reasoning tokens from upstream usage are priced (cache_u) on both paths', async () => {
  const [, base] = servers[0];
  const [inU, cacheU, outU] = one("SELECT input_u, cache_u, output_u FROM model_prices WHERE model='gpt-4o-mini'").map(Number);
  // ceil((uncached x input_u + cached x cache_u + output x output_u) x 75000 x 1x / 10^18)
  const den = 10n ** 18n;
  const want = Number(((600n * BigInt(inU) + 401n * BigInt(cacheU) + 200n * BigInt(outU))
    * 75000n * 1000000n + den - 1n) / den);
  const respBody = { id: 'resp_canned', object: 'response', created_at: 1, status: 'completed',
    model: 'gpt-4o-mini', output: [{ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant',
      content: [{ type: 'output_text', text: 'hi', annotations: [] }] }],
    usage: { input_tokens: 1001, input_tokens_details: { cached_tokens: 401 }, output_tokens: 200,
      output_tokens_details: { reasoning_tokens: 50 }, total_tokens: 1201 } };
  const chatBody = { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1001, completion_tokens: 200, total_tokens: 1201,
      prompt_tokens_details: { cached_tokens: 401 }, completion_tokens_details: { reasoning_tokens: 50 } } };
  for (const [other, canned] of [[null, respBody], [CONVERTED, chatBody]]) {
    const t = tenant({ models: 'gpt-4o-mini', other });
    const r = await (await post(base, '/v1/responses', t.key,
      { model: 'gpt-4o-mini', input: 'x', metadata: { mock_body: JSON.stringify(canned) } })).json();
    assert.equal(r.usage.input_tokens_details.cached_tokens, 401);
    assert.equal(r.usage.output_tokens_details.reasoning_tokens, 50);
    const l = await logOf(t);
    const o = JSON.parse(l.other);
    assert.deepEqual([Number(l.prompt_tokens), Number(l.completion_tokens), o.cached_tokens,
      o.reasoning_tokens], [1001, 200, 401, 50]);
    assert.equal(Number(l.quota), want, `quota from cache_u ${cacheU}`);
  }
  // the same usage at the end of a relayed stream
  const t = tenant({ models: 'gpt-4o-mini' });
  // (metadata values are at most 512 characters: a terse pair of events)
  const sse = [
    { type: 'response.created', sequence_number: 0, response: { id: 'r', status: 'in_progress', output: [] } },
    { type: 'response.completed', sequence_number: 1, response: { id: 'r', status: 'completed', output: [],
      usage: respBody.usage } },
  ].map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
  assert.ok(sse.length <= 512);
  const events = await readNamed(await post(base, '/v1/responses', t.key,
    { model: 'gpt-4o-mini', input: 'x', stream: true, metadata: { mock_body: sse } }));
  assert.deepEqual(events.map((e) => e.event), ['response.created', 'response.completed']);
  const l = await logOf(t);
  assert.equal(l.stream_status, 'ok');
  assert.equal(Number(l.quota), want);
});

test('responses: 402 when max_output_tokens cannot be held, nothing charged', async () => {
  const [, base] = servers[0];
  const t = tenant({ models: 'gpt-4o', quota: 50 });
  const res = await post(base, '/v1/responses', t.key,
    { model: 'gpt-4o', input: 'x', max_output_tokens: 100000 });
  assert.equal(res.status, 402);
  assert.equal((await res.json()).error.code, 'insufficient_quota');
  assert.equal(userQuota(t.userId), 50);
});

// ---- legacy completions ----

const INSTRUCT = 'gpt-3.5-turbo-instruct';
function instructPrice() {
  ctl(['price', 'set', INSTRUCT, '--basis', 'tokens', '--input', '10', '--output', '13.333333']);
  return [10, 13.333333];
}

for (const [name, base] of servers) {
  test(`${name}: completions non-stream: passthrough, n x prompts choices, billed from usage`, async () => {
    const [pin, pout] = instructPrice();
    const t = tenant({ models: INSTRUCT });
    const q0 = userQuota(t.userId);
    await mockClear();
    const body = { model: INSTRUCT, prompt: ['Say this', 'And that one'], max_tokens: 3, n: 2,
      echo: true, logprobs: 1, suffix: 'end', stop: ['\n'], temperature: 0.2, user: 'mock:chunks=5' };
    const res = await post(base, '/v1/completions', t.key, body);
    assert.equal(res.status, 200);
    const r = await res.json();
    assertSchema(r, 'CreateCompletionResponse');
    assert.equal(r.object, 'text_completion');
    assert.equal(r.choices.length, 4);
    assert.deepEqual(r.choices.map((c) => c.index), [0, 1, 2, 3]);
    assert.equal(r.choices[0].text, 'Say thisw1 w2 w3');
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.deepEqual(r.choices[0].logprobs.tokens, ['w1', ' w2', ' w3']);
    assert.deepEqual(r.usage, { prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 });
    const sent = JSON.parse((await lastMock('/v1/completions')).body);
    assert.deepEqual(sent, body, 'passed through untouched');
    const l = await logOf(t);
    assert.deepEqual([Number(l.prompt_tokens), Number(l.completion_tokens)], [5, 12]);
    const want = quotaOf(5, 12, pin, pout);
    assert.equal(Number(l.quota), want);
    assert.equal(JSON.parse(l.other).output_u, 13333333);
    assert.equal(userQuota(t.userId), q0 - want);
  });

  test(`${name}: completions stream: chunks relayed, usage asked upstream and hidden unless requested`, async () => {
    instructPrice();
    const t = tenant({ models: INSTRUCT });
    await mockClear();
    let res = await post(base, '/v1/completions', t.key,
      { model: INSTRUCT, prompt: 'Say this is a test', stream: true, user: 'mock:chunks=4' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    let events = await readNamed(res);
    assert.equal(events.at(-1).data, '[DONE]');
    let chunks = events.slice(0, -1).map((e) => e.data);
    for (const c of chunks) {
      assert.equal(c.object, 'text_completion');
      assert.ok(c.choices.length > 0, 'no usage-only chunk');
      assert.ok(!('usage' in c), 'no usage key when not asked for');
    }
    // finish_reason is null until the last chunk (the schema has no null)
    assertSchema(chunks.at(-1), 'CreateCompletionResponse');
    assert.equal(chunks.map((c) => c.choices[0].text).join(''), 'w1 w2 w3 w4');
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    assert.deepEqual(JSON.parse((await lastMock('/v1/completions')).body).stream_options,
      { include_usage: true });
    let l = await logOf(t);
    assert.equal(l.stream_status, 'ok');
    assert.deepEqual([Number(l.prompt_tokens), Number(l.completion_tokens)], [5, 4]);
    assert.equal(JSON.parse(l.other).usage_source, 'upstream');

    res = await post(base, '/v1/completions', t.key,
      { model: INSTRUCT, prompt: 'Say this', stream: true, stream_options: { include_usage: true },
        user: 'mock:chunks=2' });
    events = await readNamed(res);
    assert.equal(events.at(-1).data, '[DONE]');
    chunks = events.slice(0, -1).map((e) => e.data);
    assert.deepEqual(chunks.at(-1).choices, []);
    assert.deepEqual(chunks.at(-1).usage, { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 });
    assert.ok(chunks.slice(0, -1).every((c) => 'usage' in c && c.usage === null));
  });

  test(`${name}: completions validation errors name the field`, async () => {
    instructPrice();
    const t = tenant({ models: INSTRUCT });
    const expect = async (body, param) => {
      const res = await post(base, '/v1/completions', t.key, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const b = await res.json();
      assert.equal(b.error.param, param, JSON.stringify(b));
      assert.equal(b.error.code, 'invalid_request');
    };
    await expect({ prompt: 'x' }, 'model');
    await expect({ model: INSTRUCT }, 'prompt');
    await expect({ model: INSTRUCT, prompt: [] }, 'prompt');
    await expect({ model: INSTRUCT, prompt: ['a', 1] }, 'prompt[1]');
    await expect({ model: INSTRUCT, prompt: 'x', max_tokens: -1 }, 'max_tokens');
    await expect({ model: INSTRUCT, prompt: 'x', n: 0 }, 'n');
    await expect({ model: INSTRUCT, prompt: 'x', n: 3, best_of: 2 }, 'best_of');
    await expect({ model: INSTRUCT, prompt: 'x', best_of: 3, stream: true }, 'best_of');
    await expect({ model: INSTRUCT, prompt: 'x', logprobs: 9 }, 'logprobs');
    await expect({ model: INSTRUCT, prompt: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop');
    await expect({ model: INSTRUCT, prompt: 'x', stream_options: { include_usage: true } }, 'stream_options');
    await expect({ model: INSTRUCT, prompt: 'x', echo: 'yes' }, 'echo');
    assert.equal(logsFor(t.tokenId).length, 0);
  });
}

test('completions: best_of candidates are billed, mid-stream errors end the stream, 500 refunds', async () => {
  const [, base] = servers[0];
  const [pin, pout] = instructPrice();
  const t = tenant({ models: INSTRUCT });
  const r = await (await post(base, '/v1/completions', t.key,
    { model: INSTRUCT, prompt: 'x', n: 1, best_of: 3, user: 'mock:chunks=2' })).json();
  assert.equal(r.choices.length, 1);
  assert.equal(r.usage.completion_tokens, 6, 'three candidates of two tokens');
  let l = await logOf(t);
  assert.equal(Number(l.quota), quotaOf(1, 6, pin, pout));

  const events = await readNamed(await post(base, '/v1/completions', t.key,
    { model: INSTRUCT, prompt: 'x', stream: true, user: 'mock:chunks=6,error_after=2' }));
  assert.equal(events.at(-1).data.error.message, 'mock mid-stream failure');
  assert.ok(!events.some((e) => e.data === '[DONE]'));
  l = await eventually(() => logsFor(t.tokenId)[1]);
  assert.equal(l.stream_status, 'upstream_error');

  const q0 = userQuota(t.userId);
  const res = await post(base, '/v1/completions', t.key,
    { model: INSTRUCT, prompt: 'x', user: 'mock:status=503' });
  assert.equal(res.status, 502);
  assert.equal(userQuota(t.userId), q0);
  await sleep(1);
});
