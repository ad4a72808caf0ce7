// The audio endpoints end to end through lighttpd and Apache, the FastCGI
// workers, MariaDB and the mock upstream: POST /v1/audio/speech (streamed
// audio, billed per character) and /v1/audio/transcriptions and
// /v1/audio/translations (multipart in, every response_format out, billed
// per second of audio).  Each test checks what the client got, what the
// mock received, the log row and the quota charged from the price row.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  servers, tenant, post, mockRequests, mockClear, logsFor, userQuota, one,
  ctl, uniq, eventually,
} from './lib.mjs';
import { assertSchema } from './schema.mjs';
import http from 'node:http';
import { sql } from './lib.mjs';

// Price rows (schema/0001_init.sql): quota per character / second.
const TTS1 = 7.5;
const TTS1HD = 15;
const WHISPER = 50;

// A PCM WAV of `seconds` (8 kHz mono 16-bit): its header is the truth.
function wav(seconds, rate = 8000) {
  const data = Math.round(seconds * rate) * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0); b.writeUInt32LE(36 + data, 4); b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(data, 40);
  for (let i = 0; i < data / 2; i++) b.writeInt16LE(((i % 20) - 10) * 1000, 44 + 2 * i);
  return b;
}

// fields: [name, value] pairs; a value {data, filename, type} is a file.
function form(fields) {
  const f = new FormData();
  for (const [k, v] of fields) {
    if (v && typeof v === 'object' && 'data' in v) {
      f.append(k, new Blob([v.data], { type: v.type ?? 'audio/wav' }), v.filename);
    } else f.append(k, v);
  }
  return f;
}

function upload(base, path, key, fields) {
  return fetch(base + path, {
    method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form(fields),
  });
}

const codepoints = (s) => [...s].length;

async function lastMock(path) {
  const all = await mockRequests();
  return all.filter((r) => r.path.startsWith(path)).at(-1);
}

// The values of the multipart fields named `name` in a recorded upstream
// request (text fields; file bytes arrive scrubbed to U+FFFD).
function mockField(up, name) {
  const bnd = up.headers['content-type'].match(/boundary=(.*)$/)[1];
  return up.body.split(`--${bnd}`).slice(1, -1).map((p) => {
    const i = p.indexOf('\r\n\r\n');
    return [p.slice(2, i), p.slice(i + 4, -2)];
  }).filter(([h]) => h.split('\r\n')[0].includes(`name="${name}"`)).map(([, v]) => v);
}

function holdsOf(tokenId) {
  return Number(one(`SELECT COUNT(*) FROM quota_holds WHERE token_id=${tokenId}`)[0]);
}

// The one log row of a tenant, once the settle has written it.
async function onlyLog(t) {
  const l = await eventually(() => logsFor(t.tokenId).length > 0 && logsFor(t.tokenId));
  assert.equal(l.length, 1, 'exactly one log row');
  return { ...l[0], other: JSON.parse(l[0].other) };
}

const speechModels = 'tts-1,tts-1-hd,gpt-4o-mini-tts,gpt-4o-mini,whisper-1';

// A fake upstream (as in failover.test.mjs) that answers every request
// with `status` and an OpenAI error; records each body (latin1) and path.
function fakeUpstream(status) {
  const f = { hits: [], status };
  f.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      f.hits.push({ path: req.url, body: Buffer.concat(chunks).toString('latin1') });
      res.writeHead(f.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `fake ${f.status}`, type: 'invalid_request_error',
        param: null, code: f.status === 401 ? 'invalid_api_key' : null } }));
    });
  });
  return new Promise((r) => f.server.listen(0, '127.0.0.1', () => {
    f.url = `http://127.0.0.1:${f.server.address().port}`;
    r(f);
  }));
}

// A multipart text field's value in a recorded body, or undefined.
const formField = (body, field) =>
  new RegExp(`name="${field}"\r\n\r\n([^\r]*)\r\n`).exec(body)?.[1];

for (const [name, base] of servers) {
  test(`${name}: speech wav is streamed with audio/wav, billed per character`, async () => {
    const t = tenant({ models: speechModels });
    const q0 = userQuota(t.userId);
    await mockClear();
    const input = 'Hello from the gateway.';
    const res = await post(base, '/v1/audio/speech', t.key,
      { model: 'tts-1', input, voice: 'alloy', response_format: 'wav', speed: 1.25 });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'audio/wav');
    assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
    const audio = Buffer.from(await res.arrayBuffer());
    assert.equal(audio.length, 44 + 16000, 'the mock\'s one-second WAV, whole');
    assert.equal(audio.toString('latin1', 0, 4), 'RIFF');
    assert.equal(audio.readUInt32LE(24), 8000);

    const up = await lastMock('/v1/audio/speech');
    const sent = JSON.parse(up.body);
    assert.deepEqual(sent, { model: 'tts-1', input, voice: 'alloy', response_format: 'wav', speed: 1.25 });
    assert.equal(up.headers.authorization, 'Bearer sk-mock-upstream');

    const l = await onlyLog(t);
    const want = Math.ceil(codepoints(input) * TTS1);
    assert.equal(l.type, '2');
    assert.equal(l.model_name, 'tts-1');
    assert.equal(Number(l.quota), want);
    assert.equal(l.request_id, res.headers.get('x-request-id'));
    assert.equal(l.other.basis, 'character');
    assert.equal(l.other.unit, 'character');
    assert.equal(l.other.units, codepoints(input));
    assert.equal(l.other.unit_u, 7500000);
    assert.equal(l.other.held, want);
    assert.equal(l.other.detail.bytes, 16044);
    assert.equal(l.other.detail.response_format, 'wav');
    assert.equal(l.stream_status, 'ok');
    assert.equal(userQuota(t.userId), q0 - want);
    assert.equal(holdsOf(t.tokenId), 0);
  });

  test(`${name}: speech reaches the client while the upstream is still sending`, async () => {
    const t = tenant({ models: speechModels });
    await mockClear();
    const t0 = Date.now();
    const res = await post(base, '/v1/audio/speech', t.key,
      { model: 'tts-1', input: '[mock chunks=4 interval_ms=400] stream me', voice: 'echo',
        response_format: 'wav' });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    const arrivals = [];
    let n = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      n += value.length;
      arrivals.push(Date.now());
    }
    assert.equal(n, 16044);
    const total = Date.now() - t0;
    assert.ok(total >= 1200, `the mock paced 4 chunks 400 ms apart (${total} ms)`);
    const up = await eventually(async () => {
      const r = await lastMock('/v1/audio/speech');
      return r && r.chunks === 4 ? r : null;
    });
    assert.equal(up.chunks, 4);
    // The first audio reached the client before the mock wrote its last piece.
    assert.ok(arrivals[0] < up.chunk_times_ms[3],
      `first bytes at ${arrivals[0] - t0} ms, mock's last piece at ${up.chunk_times_ms[3] - t0} ms`);
  });

  test(`${name}: speech Content-Type follows response_format`, async () => {
    const t = tenant({ models: speechModels });
    const types = { mp3: 'audio/mpeg', opus: 'audio/opus', aac: 'audio/aac',
      flac: 'audio/flac', pcm: 'audio/pcm' };
    for (const [fmt, ctype] of Object.entries(types)) {
      const res = await post(base, '/v1/audio/speech', t.key,
        { model: 'tts-1-hd', input: 'abc', voice: 'nova', response_format: fmt });
      assert.equal(res.status, 200, fmt);
      assert.equal(res.headers.get('content-type'), ctype, fmt);
      const body = Buffer.from(await res.arrayBuffer());
      assert.ok(body.length > 0, fmt);
      if (fmt === 'flac') assert.equal(body.toString('latin1', 0, 4), 'fLaC');
      if (fmt === 'mp3') assert.equal(body[0], 0xff);
    }
    // default mp3
    const res = await post(base, '/v1/audio/speech', t.key, { model: 'tts-1-hd', input: 'abc', voice: 'nova' });
    assert.equal(res.headers.get('content-type'), 'audio/mpeg');
    await res.arrayBuffer();
    const logs = logsFor(t.tokenId);
    assert.equal(logs.length, 6);
    for (const l of logs) assert.equal(Number(l.quota), Math.ceil(3 * TTS1HD));
  });

  test(`${name}: speech counts Unicode code points, not bytes`, async () => {
    const t = tenant({ models: speechModels });
    const input = 'héllo wörld ✓ 日本語 🎵';
    const res = await post(base, '/v1/audio/speech', t.key,
      { model: 'tts-1', input, voice: { id: 'voice_123' }, response_format: 'pcm' });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const l = await onlyLog(t);
    assert.equal(l.other.units, 19);
    assert.equal(Number(l.quota), Math.ceil(19 * TTS1));
  });

  test(`${name}: speech instructions only for gpt-4o-mini-tts`, async () => {
    const t = tenant({ models: speechModels });
    await mockClear();
    const bad = await post(base, '/v1/audio/speech', t.key,
      { model: 'tts-1', input: 'hi', voice: 'alloy', instructions: 'whisper it' });
    assert.equal(bad.status, 400);
    const e = (await bad.json()).error;
    assert.equal(e.param, 'instructions');
    assert.equal(e.type, 'invalid_request_error');
    const ok = await post(base, '/v1/audio/speech', t.key,
      { model: 'gpt-4o-mini-tts', input: 'hi', voice: 'coral', instructions: 'whisper it' });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    const up = await lastMock('/v1/audio/speech');
    assert.equal(JSON.parse(up.body).instructions, 'whisper it');
    const l = await onlyLog(t);
    assert.equal(l.model_name, 'gpt-4o-mini-tts');
    assert.equal(Number(l.quota), Math.ceil(2 * 8.333333));
  });

  test(`${name}: speech stream_format sse is relayed as events`, async () => {
    const t = tenant({ models: speechModels });
    const res = await post(base, '/v1/audio/speech', t.key,
      { model: 'gpt-4o-mini-tts', input: '[mock chunks=3] hi', voice: 'alloy',
        response_format: 'pcm', stream_format: 'sse' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean).map((b) => JSON.parse(b.slice(6)));
    assert.deepEqual(events.map((e) => e.type),
      ['speech.audio.delta', 'speech.audio.delta', 'speech.audio.delta', 'speech.audio.done']);
    const pcm = Buffer.concat(events.slice(0, 3).map((e) => Buffer.from(e.audio, 'base64')));
    assert.equal(pcm.length, 48000);
    const l = await onlyLog(t);
    assert.equal(l.is_stream, '1');
    assert.equal(l.other.detail.response_format, 'sse');

    const cut = await post(base, '/v1/audio/speech', t.key,
      { model: 'gpt-4o-mini-tts', input: '[mock chunks=3 disconnect_after=1] hi', voice: 'alloy',
        response_format: 'pcm', stream_format: 'sse' });
    assert.equal(cut.status, 200);
    const evs = (await cut.text()).split('\n\n').filter(Boolean).map((b) => JSON.parse(b.slice(6)));
    assert.equal(evs[0].type, 'speech.audio.delta');
    assert.equal(evs.at(-1).error.code, 'bad_upstream_response', 'a final error event');
    const l2 = logsFor(t.tokenId)[1];
    assert.equal(l2.stream_status, 'upstream_broken');
    assert.equal(Number(l2.quota), Math.ceil(codepoints('[mock chunks=3 disconnect_after=1] hi') * 8.333333));
  });

  test(`${name}: speech validation errors name the field and cost nothing`, async () => {
    const t = tenant({ models: speechModels });
    const q0 = userQuota(t.userId);
    await mockClear();
    const ok = { model: 'tts-1', input: 'hi', voice: 'alloy' };
    const cases = [
      [{ input: 'hi', voice: 'alloy' }, 'model'],
      [{ ...ok, model: '' }, 'model'],
      [{ ...ok, model: 7 }, 'model'],
      [{ model: 'tts-1', voice: 'alloy' }, 'input'],
      [{ ...ok, input: '' }, 'input'],
      [{ ...ok, input: 42 }, 'input'],
      [{ ...ok, input: 'é'.repeat(4097) }, 'input'],
      [{ model: 'tts-1', input: 'hi' }, 'voice'],
      [{ ...ok, voice: 'robot' }, 'voice'],
      [{ ...ok, voice: { name: 'x' } }, 'voice'],
      [{ ...ok, voice: { id: '' } }, 'voice'],
      [{ ...ok, voice: 3 }, 'voice'],
      [{ ...ok, response_format: 'ogg' }, 'response_format'],
      [{ ...ok, response_format: 1 }, 'response_format'],
      [{ ...ok, speed: 0.2 }, 'speed'],
      [{ ...ok, speed: 4.5 }, 'speed'],
      [{ ...ok, speed: '1' }, 'speed'],
      [{ ...ok, stream_format: 'sse' }, 'stream_format'],
      [{ ...ok, stream_format: 'chunks' }, 'stream_format'],
      [{ ...ok, model: 'gpt-4o-mini-tts', instructions: 5 }, 'instructions'],
      [{ ...ok, user: 'abc' }, 'user'],
      [{ ...ok, model: 'gpt-4o-mini' }, 'model'],
    ];
    for (const [body, param] of cases) {
      const res = await post(base, '/v1/audio/speech', t.key, body);
      const j = await res.json();
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)} -> ${JSON.stringify(j)}`);
      assert.equal(j.error.param, param, JSON.stringify(j));
      assert.equal(j.error.code, 'invalid_request');
    }
    const s4096 = await post(base, '/v1/audio/speech', t.key, { ...ok, input: 'é'.repeat(4096) });
    assert.equal(s4096.status, 200, '4096 characters are allowed');
    await s4096.arrayBuffer();
    const nf = await post(base, '/v1/audio/speech', t.key, { ...ok, model: 'tts-9' });
    assert.equal(nf.status, 404);
    assert.equal((await nf.json()).error.code, 'model_not_found');
    const bad = await post(base, '/v1/audio/speech', t.key, '{"model":');
    assert.equal(bad.status, 400);
    assert.equal((await mockRequests()).filter((r) => r.path === '/v1/audio/speech').length, 1,
      'only the valid request went upstream');
    assert.equal(logsFor(t.tokenId).length, 1);
    assert.equal(userQuota(t.userId), q0 - Math.ceil(4096 * TTS1));
  });

  test(`${name}: speech upstream failures are refunded, client errors passed through`, async () => {
    const t = tenant({ models: speechModels });
    const q0 = userQuota(t.userId);
    const r500 = await post(base, '/v1/audio/speech', t.key,
      { model: 'tts-1', input: '[mock status=500] hi', voice: 'alloy' });
    assert.equal(r500.status, 502);
    assert.equal((await r500.json()).error.code, 'bad_upstream_response');
    const r400 = await post(base, '/v1/audio/speech', t.key,
      { model: 'tts-1', input: '[mock status=400] hi', voice: 'alloy' });
    assert.equal(r400.status, 400);
    assert.match((await r400.json()).error.message, /mock injected/);
    const logs = logsFor(t.tokenId);
    assert.equal(logs.length, 2);
    assert.deepEqual(logs.map((l) => [l.type, l.quota, l.status]),
      [['5', '0', '502'], ['5', '0', '400']]);
    assert.equal(userQuota(t.userId), q0, 'everything held was refunded');
    assert.equal(holdsOf(t.tokenId), 0);
  });

  test(`${name}: speech cut mid-stream by the upstream bills what was sent`, async () => {
    const t = tenant({ models: speechModels });
    const input = '[mock chunks=4 disconnect_after=2] cut me';
    const res = await post(base, '/v1/audio/speech', t.key,
      { model: 'tts-1', input, voice: 'alloy', response_format: 'wav' });
    assert.equal(res.status, 200);
    let got = 0;
    try {
      got = (await res.arrayBuffer()).byteLength;
    } catch { /* a web server may also reset the body */ }
    assert.ok(got < 16044, `only part of the audio arrived (${got})`);
    const l = await onlyLog(t);
    assert.equal(l.stream_status, 'upstream_broken');
    assert.equal(l.type, '2');
    assert.equal(Number(l.quota), Math.ceil(codepoints(input) * TTS1));
    assert.equal(l.other.detail.bytes, 2 * 4011);
  });

  test(`${name}: speech beyond the balance is refused with 402 before the upstream`, async () => {
    const t = tenant({ models: speechModels, quota: 10 });
    await mockClear();
    const res = await post(base, '/v1/audio/speech', t.key,
      { model: 'tts-1', input: 'two words', voice: 'alloy' });
    assert.equal(res.status, 402);
    assert.equal((await res.json()).error.code, 'insufficient_quota');
    assert.equal((await mockRequests()).length, 0);
    assert.equal(userQuota(t.userId), 10);
  });

  // ---- speech to text ----

  test(`${name}: transcription json, billed on the upstream's duration`, async () => {
    const t = tenant({ models: 'whisper-1,tts-1' });
    const q0 = userQuota(t.userId);
    await mockClear();
    const res = await upload(base, '/v1/audio/transcriptions', t.key, [
      ['file', { data: wav(2.5), filename: 'speech.wav' }], ['model', 'whisper-1'],
      ['language', 'en'], ['prompt', '[mock chunks=4] a prompt'], ['temperature', '0.2']]);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const body = await res.json();
    assertSchema(body, 'CreateTranscriptionResponseJson');
    assert.deepEqual(body, { text: 'w1 w2 w3 w4', usage: { type: 'duration', seconds: 3 } });

    const up = await lastMock('/v1/audio/transcriptions');
    assert.match(up.headers['content-type'], /^multipart\/form-data; boundary=/);
    assert.deepEqual(mockField(up, 'response_format'), ['verbose_json'],
      'verbose_json is always asked for');
    assert.deepEqual(mockField(up, 'model'), ['whisper-1']);
    assert.deepEqual(mockField(up, 'language'), ['en']);
    assert.deepEqual(mockField(up, 'temperature'), ['0.2']);
    assert.deepEqual(mockField(up, 'prompt'), ['[mock chunks=4] a prompt']);
    assert.match(up.body, /name="file"; filename="speech.wav"\r\nContent-Type: audio\/wav/);
    assert.ok(up.body.length > 40000, 'the whole file went upstream');

    const l = await onlyLog(t);
    assert.equal(l.type, '2');
    assert.equal(l.model_name, 'whisper-1');
    assert.equal(Number(l.quota), 3 * WHISPER);
    assert.equal(l.other.basis, 'second');
    assert.equal(l.other.unit, 'second');
    assert.equal(l.other.units, 3);
    assert.equal(l.other.usage_source, 'upstream');
    assert.equal(l.other.held, 3 * WHISPER, 'hold from the WAV header');
    assert.equal(l.other.detail.duration, 2.5);
    assert.equal(l.other.detail.duration_source, 'upstream');
    assert.equal(l.other.detail.header_duration, 2.5);
    assert.equal(l.other.detail.file_format, 'wav');
    assert.equal(l.other.detail.file_bytes, 44 + 40000);
    assert.equal(userQuota(t.userId), q0 - 3 * WHISPER);
    assert.equal(holdsOf(t.tokenId), 0);
  });

  test(`${name}: transcription text, srt, vtt rendered from verbose_json`, async () => {
    const t = tenant({ models: 'whisper-1' });
    const file = ['file', { data: wav(1.2), filename: 'a.WAV' }];
    const get = async (fmt) => {
      const r = await upload(base, '/v1/audio/transcriptions', t.key,
        [file, ['model', 'whisper-1'], ['response_format', fmt], ['prompt', '[mock chunks=5]']]);
      assert.equal(r.status, 200, fmt);
      return [r.headers.get('content-type'), await r.text()];
    };
    const [tc, text] = await get('text');
    assert.match(tc, /^text\/plain/);
    assert.equal(text, 'w1 w2 w3 w4 w5\n');
    const [sc, srt] = await get('srt');
    assert.match(sc, /^text\/plain/);
    assert.equal(srt, '1\n00:00:00,000 --> 00:00:00,720\nw1 w2 w3\n\n' +
      '2\n00:00:00,720 --> 00:00:01,200\nw4 w5\n\n');
    const [vc, vtt] = await get('vtt');
    assert.match(vc, /^text\/vtt/);
    assert.equal(vtt, 'WEBVTT\n\n00:00:00.000 --> 00:00:00.720\nw1 w2 w3\n\n' +
      '00:00:00.720 --> 00:00:01.200\nw4 w5\n\n');
    const ups = (await mockRequests()).filter((r) => r.path === '/v1/audio/transcriptions').slice(-3);
    for (const u of ups) assert.deepEqual(mockField(u, 'response_format'), ['verbose_json']);
    const logs = logsFor(t.tokenId);
    assert.equal(logs.length, 3);
    for (const l of logs) assert.equal(Number(l.quota), 2 * WHISPER);
  });

  test(`${name}: verbose_json keeps segments and words as timestamp_granularities say`, async () => {
    const t = tenant({ models: 'whisper-1' });
    await mockClear();
    const run = async (grans) => {
      const r = await upload(base, '/v1/audio/transcriptions', t.key, [
        ['file', { data: wav(3), filename: 'a.wav' }], ['model', 'whisper-1'],
        ['response_format', 'verbose_json'], ...grans.map((g) => ['timestamp_granularities[]', g])]);
      assert.equal(r.status, 200);
      const b = await r.json();
      assertSchema(b, 'CreateTranscriptionResponseVerboseJson');
      return b;
    };
    const d = await run([]);
    assert.equal(d.duration, 3);
    assert.equal(d.task, 'transcribe');
    assert.equal(d.segments.length, 2);
    assertSchema(d.segments[0], 'TranscriptionSegment');
    assert.equal(d.words, undefined);
    const w = await run(['word']);
    assert.equal(w.words.length, 5);
    assertSchema(w.words[0], 'TranscriptionWord');
    assert.equal(w.segments, undefined);
    const both = await run(['word', 'segment']);
    assert.equal(both.words.length, 5);
    assert.equal(both.segments.length, 2);
    const ups = (await mockRequests()).filter((r) => r.path === '/v1/audio/transcriptions');
    assert.deepEqual(ups.map((u) => mockField(u, 'timestamp_granularities[]')),
      [[], ['word'], ['segment', 'word']]);
  });

  test(`${name}: without an upstream duration the WAV header is billed`, async () => {
    const t = tenant({ models: 'whisper-1' });
    const res = await upload(base, '/v1/audio/transcriptions', t.key, [
      ['file', { data: wav(4.2), filename: 'long.wav' }], ['model', 'whisper-1'],
      ['prompt', '[mock no_usage=1]'], ['response_format', 'verbose_json']]);
    assert.equal(res.status, 200);
    const b = await res.json();
    assert.equal(b.duration, undefined, 'the upstream said nothing');
    const l = await onlyLog(t);
    assert.equal(l.other.detail.duration_source, 'header');
    assert.equal(l.other.detail.duration, 4.2);
    assert.equal(l.other.usage_source, 'request');
    assert.equal(Number(l.quota), 5 * WHISPER);
  });

  test(`${name}: an unreadable file without upstream duration is billed by size`, async () => {
    const t = tenant({ models: 'whisper-1' });
    const junk = Buffer.alloc(40000, 0x41);
    const res = await upload(base, '/v1/audio/transcriptions', t.key, [
      ['file', { data: junk, filename: 'x.webm', type: 'audio/webm' }], ['model', 'whisper-1'],
      ['prompt', '[mock no_usage=1]']]);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { text: 'w1 w2 w3 w4 w5', usage: { type: 'duration', seconds: 21 } });
    const l = await onlyLog(t);
    assert.equal(l.other.detail.file_format, 'unknown');
    assert.equal(l.other.detail.duration_source, 'size_estimate');
    assert.equal(l.other.held, 21 * WHISPER, '40000 bytes at 16 kbit/s, + 1 s');
    assert.equal(Number(l.quota), 21 * WHISPER);
  });

  test(`${name}: translation json, text and verbose_json; no language`, async () => {
    const t = tenant({ models: 'whisper-1' });
    await mockClear();
    const file = ['file', { data: wav(1), filename: 'fr.wav' }];
    const j = await upload(base, '/v1/audio/translations', t.key, [file, ['model', 'whisper-1']]);
    assert.equal(j.status, 200);
    const jb = await j.json();
    assertSchema(jb, 'CreateTranslationResponseJson');
    assert.deepEqual(jb, { text: 'w1 w2 w3 w4 w5' });
    const v = await upload(base, '/v1/audio/translations', t.key,
      [file, ['model', 'whisper-1'], ['response_format', 'verbose_json']]);
    const vb = await v.json();
    assertSchema(vb, 'CreateTranslationResponseVerboseJson');
    assert.equal(vb.task, 'translate');
    assert.equal(vb.language, 'english');
    assert.equal(vb.segments.length, 2);
    const lang = await upload(base, '/v1/audio/translations', t.key,
      [file, ['model', 'whisper-1'], ['language', 'fr']]);
    assert.equal(lang.status, 400);
    assert.equal((await lang.json()).error.param, 'language');
    const ups = (await mockRequests()).filter((r) => r.path === '/v1/audio/translations');
    assert.equal(ups.length, 2);
    for (const u of ups) assert.deepEqual(mockField(u, 'response_format'), ['verbose_json']);
    const logs = logsFor(t.tokenId);
    assert.equal(logs.length, 2);
    for (const l of logs) assert.equal(Number(l.quota), WHISPER);
  });

  test(`${name}: transcription validation errors name the field`, async () => {
    const t = tenant({ models: 'whisper-1,tts-1' });
    const q0 = userQuota(t.userId);
    await mockClear();
    const file = ['file', { data: wav(0.5), filename: 'a.wav' }];
    const model = ['model', 'whisper-1'];
    const cases = [
      [[model], 'file'],
      [[['file', 'not a file'], model], 'file'],
      [[['file', { data: Buffer.alloc(0), filename: 'a.wav' }], model], 'file'],
      [[['file', { data: wav(0.5), filename: 'a.txt' }], model], 'file'],
      [[['file', { data: wav(0.5), filename: 'noext' }], model], 'file'],
      [[file, file, model], 'file'],
      [[file], 'model'],
      [[file, ['model', '']], 'model'],
      [[file, model, model], 'model'],
      [[file, ['model', 'tts-1']], 'model'],
      [[file, model, ['response_format', 'xml']], 'response_format'],
      [[file, model, ['response_format', 'diarized_json']], 'response_format'],
      [[file, model, ['temperature', '2']], 'temperature'],
      [[file, model, ['temperature', 'hot']], 'temperature'],
      [[file, model, ['temperature', '-0.1']], 'temperature'],
      [[file, model, ['timestamp_granularities[]', 'word']], 'timestamp_granularities'],
      [[file, model, ['response_format', 'verbose_json'], ['timestamp_granularities[]', 'char']],
        'timestamp_granularities'],
      [[file, model, ['language', 'e']], 'language'],
      [[file, model, ['language', 'en_US!']], 'language'],
      [[file, model, ['stream', 'true']], 'stream'],
      [[file, model, ['user', 'abc']], 'user'],
      [[file, model, ['prompt', { data: Buffer.from('x'), filename: 'p.wav' }]], 'prompt'],
    ];
    for (const [fields, param] of cases) {
      const res = await upload(base, '/v1/audio/transcriptions', t.key, fields);
      const j = await res.json();
      assert.equal(res.status, 400, `${param}: ${JSON.stringify(j)}`);
      assert.equal(j.error.param, param, JSON.stringify(j));
    }
    const notForm = await post(base, '/v1/audio/transcriptions', t.key, { model: 'whisper-1' });
    assert.equal(notForm.status, 400);
    assert.match((await notForm.json()).error.message, /multipart\/form-data/);
    const broken = await fetch(`${base}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.key}`, 'Content-Type': 'multipart/form-data; boundary=XyZ' },
      body: '--XyZ\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n',
    });
    assert.equal(broken.status, 400);
    assert.match((await broken.json()).error.message, /multipart/);
    const nf = await upload(base, '/v1/audio/transcriptions', t.key, [file, ['model', 'whisper-9']]);
    assert.equal(nf.status, 404);
    assert.equal((await nf.json()).error.param, 'model');
    assert.equal((await mockRequests()).length, 0, 'nothing went upstream');
    assert.equal(logsFor(t.tokenId).length, 0);
    assert.equal(userQuota(t.userId), q0);
  });

  test(`${name}: a file over 25 MB gets 413 naming file`, async () => {
    const t = tenant({ models: 'whisper-1' });
    await mockClear();
    const big = Buffer.alloc(25 * 1024 * 1024 + 1);
    const res = await upload(base, '/v1/audio/transcriptions', t.key,
      [['model', 'whisper-1'], ['file', { data: big, filename: 'big.wav' }]]);
    assert.equal(res.status, 413);
    const e = (await res.json()).error;
    assert.equal(e.code, 'request_too_large');
    assert.equal(e.param, 'file');
    assert.equal((await mockRequests()).length, 0);
  });

  test(`${name}: transcription upstream errors: passed through or refunded`, async () => {
    const t = tenant({ models: 'whisper-1' });
    const q0 = userQuota(t.userId);
    const file = ['file', { data: wav(1), filename: 'a.wav' }];
    const r400 = await upload(base, '/v1/audio/transcriptions', t.key,
      [file, ['model', 'whisper-1'], ['prompt', '[mock status=400]']]);
    assert.equal(r400.status, 400);
    assert.match((await r400.json()).error.message, /mock injected/);
    const r503 = await upload(base, '/v1/audio/transcriptions', t.key,
      [file, ['model', 'whisper-1'], ['prompt', '[mock status=503]']]);
    assert.equal(r503.status, 502);
    assert.equal((await r503.json()).error.code, 'bad_upstream_response');
    const bad = await upload(base, '/v1/audio/transcriptions', t.key,
      [file, ['model', 'whisper-1'], ['prompt', '[mock]'], ['response_format', 'text']]);
    assert.equal(bad.status, 200, 'control: a good one still works');
    await bad.text();
    const logs = logsFor(t.tokenId);
    assert.deepEqual(logs.map((l) => [l.type, Number(l.quota), l.status]),
      [['5', 0, '400'], ['5', 0, '502'], ['2', WHISPER, '200']]);
    assert.equal(logs[0].error_code, 'upstream_client_error');
    assert.equal(userQuota(t.userId), q0 - WHISPER);
    assert.equal(holdsOf(t.tokenId), 0);
  });

  test(`${name}: transcription fails over to the next channel and maps the model`, async () => {
    const t = tenant({ models: 'whisper-1', mapping: { 'whisper-1': 'whisper-mapped' } });
    const dead = ctl(['channel', 'add', '--type', 'openai', '--name', uniq('dead'),
      '--base-url', 'http://127.0.0.1:9', '--key-stdin', '--models', 'whisper-1',
      '--group', t.group, '--priority', '10'], 'sk-dead');
    await mockClear();
    const res = await upload(base, '/v1/audio/transcriptions', t.key,
      [['file', { data: wav(2), filename: 'a.wav' }], ['model', 'whisper-1']]);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).text, 'w1 w2 w3 w4 w5');
    const up = await lastMock('/v1/audio/transcriptions');
    assert.deepEqual(mockField(up, 'model'), ['whisper-mapped']);
    const l = await onlyLog(t);
    assert.equal(l.model_name, 'whisper-1');
    assert.equal(l.other.channels_tried, `${dead},${t.channelId}`);
    assert.equal(l.other.upstream_model, 'whisper-mapped');
    assert.equal(Number(l.channel_id), t.channelId);
    assert.equal(Number(l.quota), 2 * WHISPER);
  });

  test(`${name}: gpt-4o transcribe models get json upstream and json or text only`, async () => {
    ctl(['price', 'set', 'gpt-4o-mini-transcribe', '--basis', 'second', '--unit', '25']);
    const t = tenant({ models: 'gpt-4o-mini-transcribe' });
    await mockClear();
    const file = ['file', { data: wav(1.5), filename: 'a.wav' }];
    const srt = await upload(base, '/v1/audio/transcriptions', t.key,
      [file, ['model', 'gpt-4o-mini-transcribe'], ['response_format', 'srt']]);
    assert.equal(srt.status, 400);
    assert.equal((await srt.json()).error.param, 'response_format');
    const res = await upload(base, '/v1/audio/transcriptions', t.key,
      [file, ['model', 'gpt-4o-mini-transcribe']]);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { text: 'w1 w2 w3 w4 w5', usage: { type: 'duration', seconds: 2 } });
    const up = await lastMock('/v1/audio/transcriptions');
    assert.deepEqual(mockField(up, 'response_format'), ['json']);
    const l = await onlyLog(t);
    assert.equal(l.other.detail.duration_source, 'upstream');
    assert.equal(Number(l.quota), 2 * 25);
  });

  test(`${name}: transcription: an upstream 401 auto-disables the channel, the next answers`, async (t) => {
    const k = tenant({ models: 'whisper-1', mapping: { 'whisper-1': 'whisper-mapped' } });
    const f = await fakeUpstream(401);
    t.after(() => f.server.close());
    const bad = Number(ctl(['channel', 'add', '--type', 'openai', '--name', uniq('bad'),
      '--base-url', f.url, '--key-stdin', '--models', 'whisper-1', '--group', k.group,
      '--priority', '10', '--model-mapping', '{"whisper-1":"whisper-fake"}'], 'sk-revoked'));
    await mockClear();
    const file = ['file', { data: wav(1), filename: 'a.wav' }];
    const res = await upload(base, '/v1/audio/transcriptions', k.key, [file, ['model', 'whisper-1']]);
    assert.equal(res.status, 200, 'the next channel answered');
    assert.equal((await res.json()).text, 'w1 w2 w3 w4 w5');
    assert.equal(f.hits.length, 1);
    assert.equal(f.hits[0].path, '/v1/audio/transcriptions');
    assert.equal(formField(f.hits[0].body, 'model'), 'whisper-fake', 'its own mapping');
    assert.deepEqual(mockField(await lastMock('/v1/audio/transcriptions'), 'model'), ['whisper-mapped']);

    assert.equal(one(`SELECT status FROM channels WHERE id=${bad}`)[0], '3');
    assert.deepEqual(sql(`SELECT type, status, error_code FROM logs WHERE channel_id=${bad} AND type=4`),
      [['4', '401', 'channel_auto_disabled']]);
    const l = await onlyLog(k);
    assert.equal(l.type, '2');
    assert.equal(l.other.channels_tried, `${bad},${k.channelId}`);
    assert.equal(Number(l.channel_id), k.channelId);
    assert.equal(Number(l.quota), WHISPER);

    // Disabled: a translation goes straight to the healthy channel.
    const tr = await upload(base, '/v1/audio/translations', k.key, [file, ['model', 'whisper-1']]);
    assert.equal(tr.status, 200);
    await tr.json();
    assert.equal(f.hits.length, 1, 'a disabled channel gets no traffic');
    assert.equal(JSON.parse(logsFor(k.tokenId).at(-1).other).channels_tried, String(k.channelId));
  });

  test(`${name}: transcription failures feed the circuit breaker`, async (t) => {
    const k = tenant({ models: 'whisper-1' });
    const f = await fakeUpstream(500);
    t.after(() => f.server.close());
    const flaky = Number(ctl(['channel', 'add', '--type', 'openai', '--name', uniq('flaky'),
      '--base-url', f.url, '--key-stdin', '--models', 'whisper-1', '--group', k.group,
      '--priority', '10'], 'sk-flaky'));
    const file = ['file', { data: wav(1), filename: 'a.wav' }];
    const threshold = 3;  // the test stack's breaker_threshold (cooldown 2 s)
    for (let i = 0; i < threshold + 1; i++) {
      const res = await upload(base, i % 2 ? '/v1/audio/translations' : '/v1/audio/transcriptions',
        k.key, [file, ['model', 'whisper-1']]);
      assert.equal(res.status, 200);
      await res.json();
    }
    assert.equal(f.hits.length, threshold, 'open after 3 failures: no more calls');
    const tried = logsFor(k.tokenId).map((l) => JSON.parse(l.other).channels_tried);
    assert.deepEqual(tried, [...Array(threshold).fill(`${flaky},${k.channelId}`),
      String(k.channelId)]);
    assert.equal(one(`SELECT status FROM channels WHERE id=${flaky}`)[0], '1', 'a 500 does not disable');
  });
}
