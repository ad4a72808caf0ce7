// Self-checks of schema.mjs (needs no stack): a conforming body of each
// response schema the suite uses passes; deliberately broken ones (a
// missing required field, a wrong type, a value outside an enum or format)
// fail and the error names the field; the OpenAPI rewrites (nullable, tagged
// unions) and the documented exceptions do what they say; and the cost of
// loading and compiling, cold and cached, is measured.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertSchema, schemaErrors, validatorFor, rewrite, EXCEPTIONS, stats }
  from './schema.mjs';

const clone = (o) => structuredClone(o);

const usage = {
  prompt_tokens: 6, completion_tokens: 5, total_tokens: 11,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0,
    accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};
const chat = {
  id: 'chatcmpl-1', object: 'chat.completion', created: 1741570283,
  model: 'gpt-4o-mini', service_tier: 'default', system_fingerprint: 'fp_1',
  choices: [{ index: 0, logprobs: null, finish_reason: 'stop',
    message: { role: 'assistant', content: 'w1 w2', refusal: null, annotations: [] } }],
  usage,
};
const chunk = {
  id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1741570283,
  model: 'gpt-4o-mini', system_fingerprint: 'fp_1',
  choices: [{ index: 0, delta: { role: 'assistant', content: '' },
    logprobs: null, finish_reason: null }],
  usage: null,
};
const embeddings = {
  object: 'list', model: 'text-embedding-3-small',
  data: [{ object: 'embedding', index: 0, embedding: [0.0023, -0.0093, 1] }],
  usage: { prompt_tokens: 8, total_tokens: 8 },
};
const images = {
  created: 1713833628, background: 'opaque', output_format: 'png',
  quality: 'high', size: '1024x1024',
  data: [{ b64_json: 'iVBORw0KGgo=' }, { url: 'https://example.com/a.png', revised_prompt: 'x' }],
  usage: { input_tokens: 50, output_tokens: 50, total_tokens: 100,
    input_tokens_details: { text_tokens: 10, image_tokens: 40 } },
};
const transcription = {
  text: 'Imagine the wildest idea.',
  usage: { type: 'tokens', input_tokens: 14, output_tokens: 45, total_tokens: 59,
    input_token_details: { text_tokens: 0, audio_tokens: 14 } },
};
const verbose = {
  language: 'english', duration: 8.47, text: 'The beach was quiet.',
  words: [{ word: 'The', start: 0, end: 0.24 }],
  segments: [{ id: 0, seek: 0, start: 0, end: 3.32, text: 'The beach was quiet.',
    tokens: [50364, 440], temperature: 0, avg_logprob: -0.28,
    compression_ratio: 1.2, no_speech_prob: 0.01 }],
  usage: { type: 'duration', seconds: 9 },
};
const CATS = ['hate', 'hate/threatening', 'harassment', 'harassment/threatening',
  'illicit', 'illicit/violent', 'self-harm', 'self-harm/intent',
  'self-harm/instructions', 'sexual', 'sexual/minors', 'violence', 'violence/graphic'];
const moderation = {
  id: 'modr-1', model: 'omni-moderation-latest',
  results: [{
    flagged: false,
    categories: Object.fromEntries(CATS.map((c) => [c, false])),
    category_scores: Object.fromEntries(CATS.map((c) => [c, 0.0001])),
    category_applied_input_types: Object.fromEntries(CATS.map((c) => [c, ['text']])),
  }],
};
const response = {
  id: 'resp_1', object: 'response', created_at: 1741476542, status: 'completed',
  completed_at: 1741476543, error: null, incomplete_details: null,
  instructions: null, max_output_tokens: null, model: 'gpt-4o-mini',
  output: [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant',
    content: [{ type: 'output_text', text: 'Hi.', annotations: [], logprobs: [] }] }],
  parallel_tool_calls: true, previous_response_id: null,
  reasoning: { effort: null, summary: null }, store: true, temperature: 1,
  text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: 1,
  truncation: 'disabled',
  usage: { input_tokens: 36, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: 87, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 123 },
  user: null, metadata: {},
};
const error = { message: 'Missing required parameter: \'messages\'.',
  type: 'invalid_request_error', param: 'messages', code: 'invalid_request' };

const good = [
  ['CreateChatCompletionResponse', chat],
  ['CreateChatCompletionStreamResponse', chunk],
  ['CreateChatCompletionStreamResponse', { ...chunk, choices: [], usage }],
  ['CreateChatCompletionStreamResponse', { ...chunk,
    choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }] }],
  ['CreateEmbeddingResponse', embeddings],
  ['ImagesResponse', images],
  ['ImagesResponse', { created: 1 }],
  ['CreateTranscriptionResponseJson', transcription],
  ['CreateTranscriptionResponseJson', { text: 'x', usage: { type: 'duration', seconds: 2.5 } }],
  ['CreateTranscriptionResponseVerboseJson', verbose],
  ['CreateModerationResponse', moderation],
  ['Response', response],
  ['Error', error],
  ['Error', { ...error, param: null, code: null }],
  ['ErrorResponse', { error }],
];

// [schema, what is broken, base, mutate, [instancePath, text in the error]]
const bad = [
  ['CreateChatCompletionResponse', 'id missing', chat, (o) => { delete o.id; }, ['/', "'id'"]],
  ['CreateChatCompletionResponse', 'created a string', chat, (o) => { o.created = '1'; }, ['/created', 'integer']],
  ['CreateChatCompletionResponse', 'created negative', chat, (o) => { o.created = -5; }, ['/created', 'unixtime']],
  ['CreateChatCompletionResponse', 'object wrong', chat, (o) => { o.object = 'chat.completion.chunk'; }, ['/object', 'allowed values']],
  ['CreateChatCompletionResponse', 'choices not an array', chat, (o) => { o.choices = {}; }, ['/choices', 'array']],
  ['CreateChatCompletionResponse', 'finish_reason outside enum', chat, (o) => { o.choices[0].finish_reason = 'done'; }, ['/choices/0/finish_reason', 'allowed values']],
  ['CreateChatCompletionResponse', 'finish_reason null', chat, (o) => { o.choices[0].finish_reason = null; }, ['/choices/0/finish_reason', 'string']],
  ['CreateChatCompletionResponse', 'logprobs missing', chat, (o) => { delete o.choices[0].logprobs; }, ['/choices/0', "'logprobs'"]],
  ['CreateChatCompletionResponse', 'message.refusal missing', chat, (o) => { delete o.choices[0].message.refusal; }, ['/choices/0/message', "'refusal'"]],
  ['CreateChatCompletionResponse', 'message.role wrong', chat, (o) => { o.choices[0].message.role = 'user'; }, ['/choices/0/message/role', 'allowed values']],
  ['CreateChatCompletionResponse', 'message.content a number', chat, (o) => { o.choices[0].message.content = 7; }, ['/choices/0/message/content', 'string']],
  ['CreateChatCompletionResponse', 'usage.total_tokens missing', chat, (o) => { delete o.usage.total_tokens; }, ['/usage', "'total_tokens'"]],
  ['CreateChatCompletionResponse', 'usage.prompt_tokens a float', chat, (o) => { o.usage.prompt_tokens = 1.5; }, ['/usage/prompt_tokens', 'integer']],
  ['CreateChatCompletionStreamResponse', 'delta missing', chunk, (o) => { delete o.choices[0].delta; }, ['/choices/0', "'delta'"]],
  ['CreateChatCompletionStreamResponse', 'finish_reason missing', chunk, (o) => { delete o.choices[0].finish_reason; }, ['/choices/0', "'finish_reason'"]],
  ['CreateChatCompletionStreamResponse', 'finish_reason outside enum', chunk, (o) => { o.choices[0].finish_reason = 'bogus'; }, ['/choices/0/finish_reason', 'allowed values']],
  ['CreateChatCompletionStreamResponse', 'usage a string', chunk, (o) => { o.usage = 'x'; }, ['/usage', 'object']],
  ['CreateChatCompletionStreamResponse', 'usage incomplete', chunk, (o) => { o.usage = { prompt_tokens: 1 }; }, ['/usage', "'completion_tokens'"]],
  ['CreateChatCompletionStreamResponse', 'object wrong', chunk, (o) => { o.object = 'chat.completion'; }, ['/object', 'allowed values']],
  ['CreateChatCompletionStreamResponse', 'index a string', chunk, (o) => { o.choices[0].index = '0'; }, ['/choices/0/index', 'integer']],
  ['CreateChatCompletionStreamResponse', 'delta.role outside enum', chunk, (o) => { o.choices[0].delta.role = 'wizard'; }, ['/choices/0/delta/role', 'allowed values']],
  ['CreateEmbeddingResponse', 'usage.total_tokens missing', embeddings, (o) => { delete o.usage.total_tokens; }, ['/usage', "'total_tokens'"]],
  ['CreateEmbeddingResponse', 'model missing', embeddings, (o) => { delete o.model; }, ['/', "'model'"]],
  ['CreateEmbeddingResponse', 'data[0].object wrong', embeddings, (o) => { o.data[0].object = 'list'; }, ['/data/0/object', 'allowed values']],
  ['CreateEmbeddingResponse', 'embedding of strings', embeddings, (o) => { o.data[0].embedding = ['a']; }, ['/data/0/embedding/0', 'number']],
  ['CreateEmbeddingResponse', 'embedding not base64', embeddings, (o) => { o.data[0].embedding = 'not base64!'; }, ['/data/0/embedding', 'pattern']],
  ['CreateEmbeddingResponse', 'index missing', embeddings, (o) => { delete o.data[0].index; }, ['/data/0', "'index'"]],
  ['ImagesResponse', 'created missing', images, (o) => { delete o.created; }, ['/', "'created'"]],
  ['ImagesResponse', 'created a string', images, (o) => { o.created = '1713833628'; }, ['/created', 'integer']],
  ['ImagesResponse', 'url not a URI', images, (o) => { o.data[1].url = 'not a uri'; }, ['/data/1/url', 'format']],
  ['ImagesResponse', 'quality outside enum', images, (o) => { o.quality = 'ultra'; }, ['/quality', 'allowed values']],
  ['ImagesResponse', 'usage without input_tokens_details', images, (o) => { delete o.usage.input_tokens_details; }, ['/usage', "'input_tokens_details'"]],
  ['ImagesResponse', 'b64_json a number', images, (o) => { o.data[0].b64_json = 1; }, ['/data/0/b64_json', 'string']],
  ['CreateTranscriptionResponseJson', 'text missing', transcription, (o) => { delete o.text; }, ['/', "'text'"]],
  ['CreateTranscriptionResponseJson', 'text a number', transcription, (o) => { o.text = 5; }, ['/text', 'string']],
  ['CreateTranscriptionResponseJson', 'token usage incomplete', transcription, (o) => { delete o.usage.input_tokens; }, ['/usage', "'input_tokens'"]],
  ['CreateTranscriptionResponseJson', 'usage type unknown', transcription, (o) => { o.usage.type = 'minutes'; }, ['/usage/type', 'allowed values']],
  ['CreateTranscriptionResponseJson', 'duration usage without seconds', transcription, (o) => { o.usage = { type: 'duration' }; }, ['/usage', "'seconds'"]],
  ['CreateTranscriptionResponseVerboseJson', 'language missing', verbose, (o) => { delete o.language; }, ['/', "'language'"]],
  ['CreateTranscriptionResponseVerboseJson', 'duration a string', verbose, (o) => { o.duration = '8.47'; }, ['/duration', 'number']],
  ['CreateTranscriptionResponseVerboseJson', 'segment without tokens', verbose, (o) => { delete o.segments[0].tokens; }, ['/segments/0', "'tokens'"]],
  ['CreateTranscriptionResponseVerboseJson', 'segment id a string', verbose, (o) => { o.segments[0].id = '0'; }, ['/segments/0/id', 'integer']],
  ['CreateTranscriptionResponseVerboseJson', 'word without start', verbose, (o) => { delete o.words[0].start; }, ['/words/0', "'start'"]],
  ['CreateModerationResponse', 'results missing', moderation, (o) => { delete o.results; }, ['/', "'results'"]],
  ['CreateModerationResponse', 'flagged a string', moderation, (o) => { o.results[0].flagged = 'no'; }, ['/results/0/flagged', 'boolean']],
  ['CreateModerationResponse', 'category missing', moderation, (o) => { delete o.results[0].categories.illicit; }, ['/results/0/categories', "'illicit'"]],
  ['CreateModerationResponse', 'score a string', moderation, (o) => { o.results[0].category_scores.hate = '0.1'; }, ['/results/0/category_scores/hate', 'number']],
  ['CreateModerationResponse', 'applied type outside enum', moderation, (o) => { o.results[0].category_applied_input_types.violence = ['audio']; }, ['/results/0/category_applied_input_types/violence/0', 'allowed values']],
  ['CreateModerationResponse', 'applied types missing', moderation, (o) => { delete o.results[0].category_applied_input_types; }, ['/results/0', "'category_applied_input_types'"]],
  ['Response', 'output missing', response, (o) => { delete o.output; }, ['/', "'output'"]],
  ['Response', 'status outside enum', response, (o) => { o.status = 'done'; }, ['/status', 'allowed values']],
  ['Response', 'object wrong', response, (o) => { o.object = 'chat.completion'; }, ['/object', 'allowed values']],
  ['Response', 'error missing', response, (o) => { delete o.error; }, ['/', "'error'"]],
  ['Response', 'output item of unknown type', response, (o) => { o.output[0].type = 'telepathy'; }, ['/output/0/type', 'allowed values']],
  ['Response', 'message without content', response, (o) => { delete o.output[0].content; }, ['/output/0', "'content'"]],
  ['Response', 'output_text without logprobs', response, (o) => { delete o.output[0].content[0].logprobs; }, ['/output/0/content/0', "'logprobs'"]],
  ['Response', 'output_text.text a number', response, (o) => { o.output[0].content[0].text = 1; }, ['/output/0/content/0/text', 'string']],
  ['Response', 'usage without output_tokens_details', response, (o) => { delete o.usage.output_tokens_details; }, ['/usage', "'output_tokens_details'"]],
  ['Response', 'user a number', response, (o) => { o.user = 5; }, ['/user', 'string']],
  ['Error', 'param missing', error, (o) => { delete o.param; }, ['/', "'param'"]],
  ['Error', 'code missing', error, (o) => { delete o.code; }, ['/', "'code'"]],
  ['Error', 'code a number', error, (o) => { o.code = 401; }, ['/code', 'string']],
  ['Error', 'message null', error, (o) => { o.message = null; }, ['/message', 'string']],
  ['Error', 'type missing', error, (o) => { delete o.type; }, ['/', "'type'"]],
  ['ErrorResponse', 'error missing', { error }, (o) => { delete o.error; }, ['/', "'error'"]],
  ['ErrorResponse', 'error.message missing', { error }, (o) => { delete o.error.message; }, ['/error', "'message'"]],
  ['ErrorResponse', 'error a string', { error }, (o) => { o.error = 'boom'; }, ['/error', 'object']],
];

test('conforming bodies of every checked schema pass', () => {
  for (const [name, body] of good) {
    assert.deepEqual(schemaErrors(body, name), [], `${name}: ${JSON.stringify(body).slice(0, 200)}`);
    assertSchema(body, name);
  }
});

test('broken bodies fail, and the error names the broken field', () => {
  assert.ok(bad.length > 2 * good.length, 'more bad cases than good ones');
  for (const [name, what, base, mutate, [where, text]] of bad) {
    const o = clone(base);
    mutate(o);
    const errs = schemaErrors(o, name);
    assert.ok(errs.length > 0, `${name}: ${what} passed`);
    assert.ok(errs.some((e) => e.startsWith(`${where}: `) && e.includes(text)),
      `${name}: ${what}: want "${where}: ...${text}...", got:\n  ${errs.join('\n  ')}`);
    assert.throws(() => assertSchema(o, name), (e) => e instanceof assert.AssertionError &&
      e.message.includes(`not a valid ${name}`) && e.message.includes(`${where}: `));
  }
});

test('a tagged union reports only the branch its tag picks', () => {
  const o = clone(response);
  delete o.output[0].content;
  const errs = schemaErrors(o, 'Response');
  assert.deepEqual(errs.map((e) => e.split(' (')[0]), ["/output/0: must have required property 'content'"]);
});

test('nullable and x-* rewrites', () => {
  assert.deepEqual(rewrite({ type: 'string', enum: ['a'], nullable: true, 'x-stainless-const': true }),
    { type: ['string', 'null'], enum: ['a', null] });
  assert.deepEqual(rewrite({ $ref: '#/components/schemas/X', nullable: true, description: 'd' }),
    { description: 'd', anyOf: [{ $ref: '#/$defs/X' }, { type: 'null' }] });
  assert.deepEqual(rewrite({ type: 'object', nullable: false }), { type: 'object' });
  // property names are data, not keywords
  assert.deepEqual(rewrite({ type: 'object', properties: { nullable: { type: 'boolean' },
    example: { type: 'string', example: 'e' }, 'x-y': { type: 'integer', nullable: true } } }),
  { type: 'object', properties: { nullable: { type: 'boolean' }, example: { type: 'string' },
    'x-y': { type: ['integer', 'null'] } } });
  assert.deepEqual(rewrite({ enum: [{ nullable: true }], default: { example: 1 } }),
    { enum: [{ nullable: true }], default: { example: 1 } });
  assert.deepEqual(rewrite({ items: { $ref: '#/components/schemas/Y' }, example: [1] }),
    { items: { $ref: '#/$defs/Y' } });
  // and in the real document: a nullable $ref, a nullable enum
  assert.deepEqual(schemaErrors({ ...chunk, usage: null }, 'CreateChatCompletionStreamResponse'), []);
  assert.deepEqual(schemaErrors({ ...chunk, choices: [{ ...chunk.choices[0], logprobs: { content: null, refusal: null } }] },
    'CreateChatCompletionStreamResponse'), []);
  assert.ok(schemaErrors({ ...chunk, choices: [{ ...chunk.choices[0], logprobs: { content: null } }] },
    'CreateChatCompletionStreamResponse').some((e) => e.startsWith("/choices/0/logprobs: must have required property 'refusal'")));
});

test('documented exceptions are narrow and still in force', () => {
  assert.equal(EXCEPTIONS.length, 2);
  for (const [, , , why] of EXCEPTIONS) assert.ok(why.length > 40, 'each exception says why');
  assert.deepEqual(schemaErrors({ ...response, user: null }, 'Response'), []);
  assert.deepEqual(schemaErrors({ ...response, user: 'u-1' }, 'Response'), []);
  const b64 = Buffer.from(new Float32Array([0.5, -1]).buffer).toString('base64');
  assert.deepEqual(schemaErrors({ ...embeddings, data: [{ ...embeddings.data[0], embedding: b64 }] },
    'CreateEmbeddingResponse'), []);
  // and nothing beyond their field: a wrong type beside them still fails
  assert.ok(schemaErrors({ ...response, user: null, top_p: 'x' }, 'Response')
    .some((e) => e.startsWith('/top_p: ')));
  assert.ok(schemaErrors({ ...embeddings, data: [{ ...embeddings.data[0], embedding: b64, index: 'a' }] },
    'CreateEmbeddingResponse').some((e) => e.startsWith('/data/0/index: ')));
});

test('unknown names and a missing description fail loudly', () => {
  assert.throws(() => validatorFor('NoSuchSchema'), /no schema #\/components\/schemas\/NoSuchSchema/);
  assert.throws(() => assertSchema({}, 'NoSuchSchema'), /NoSuchSchema/);
  const out = execFileSync(process.execPath, ['--input-type=module', '-e',
    `import('${new URL('./schema.mjs', import.meta.url)}').then((m) => {
       try { m.validatorFor('Error'); console.log('loaded'); } catch (e) { console.log(e.message); } })`],
  { env: { ...process.env, NX_OPENAPI_YAML: '/nonexistent/openapi.yaml' }, encoding: 'utf8' });
  assert.match(out, /cannot read the OpenAPI file \/nonexistent\/openapi\.yaml/);
});

test('cost: validators are compiled once; loading is cached on disk', (t) => {
  const v = validatorFor('CreateChatCompletionResponse');
  const t0 = performance.now();
  assert.equal(validatorFor('CreateChatCompletionResponse'), v, 'same compiled function');
  const again = performance.now() - t0;
  const n = 2000;
  const t1 = performance.now();
  for (let i = 0; i < n; i++) assertSchema(chat, 'CreateChatCompletionResponse');
  const perCall = (performance.now() - t1) / n;
  t.diagnostic(`in this process: load ${stats.loadMs.toFixed(1)} ms from ${stats.source}; ` +
    `compile ms ${JSON.stringify(Object.fromEntries(Object.entries(stats.compileMs)
      .map(([k, x]) => [k, Math.round(x)])))}`);
  t.diagnostic(`cached lookup ${(again * 1000).toFixed(1)} us; assertSchema on a chat body ${(perCall * 1000).toFixed(1)} us`);
  assert.ok(perCall < 5, `assertSchema takes ${perCall} ms`);

  // A fresh process with an empty cache parses the YAML; the next one
  // reads the cache.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-schema-'));
  const probe = `const t0 = performance.now();
    const m = await import('${new URL('./schema.mjs', import.meta.url)}');
    m.validatorFor('CreateChatCompletionStreamResponse');
    console.log(JSON.stringify({ ...m.stats, totalMs: performance.now() - t0 }));`;
  const run = () => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe],
    { env: { ...process.env, NX_SCHEMA_CACHE_DIR: dir }, encoding: 'utf8' }));
  try {
    const cold = run();
    const warm = run();
    t.diagnostic(`first use in a new process: cold ${cold.totalMs.toFixed(0)} ms (YAML parse), ` +
      `cached ${warm.totalMs.toFixed(0)} ms (load ${warm.loadMs.toFixed(0)} ms + compile ` +
      `${warm.compileMs.CreateChatCompletionStreamResponse.toFixed(0)} ms)`);
    assert.equal(cold.source, 'yaml');
    assert.equal(warm.source, 'cache');
    assert.ok(warm.loadMs < cold.loadMs, 'the cache is faster than the YAML');
    assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 0, 'no temp file left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
