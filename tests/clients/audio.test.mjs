// The official `openai` npm SDK against Nexhina's audio endpoints, through
// lighttpd and Apache: client.audio.speech.create (the binary answer),
// client.audio.transcriptions.create with a generated WAV via toFile (json,
// text, verbose_json with timestamp_granularities) and
// client.audio.translations.create (json, srt).
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import {
  servers, tenant, logsFor, mockRequests, mockClear, eventually,
} from '../integration/lib.mjs';
import { assertSchema } from '../integration/schema.mjs';

// A PCM WAV of `seconds` at 8 kHz mono 16-bit.
function wav(seconds) {
  const data = Math.round(seconds * 8000) * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0); b.writeUInt32LE(36 + data, 4); b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24); b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(data, 40);
  return b;
}

const client = (t, base) => new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });

for (const [name, base] of servers) {
  test(`${name}: openai SDK audio.speech.create returns the audio`, async () => {
    const t = tenant({ models: 'tts-1,gpt-4o-mini-tts' });
    const oa = client(t, base);
    const res = await oa.audio.speech.create({
      model: 'tts-1', voice: 'alloy', input: 'Hello SDK', response_format: 'wav',
    });
    assert.equal(res.headers.get('content-type'), 'audio/wav');
    const audio = Buffer.from(await res.arrayBuffer());
    assert.equal(audio.length, 16044);
    assert.equal(audio.toString('latin1', 8, 12), 'WAVE');
    const mp3 = await oa.audio.speech.create({
      model: 'gpt-4o-mini-tts', voice: 'coral', input: 'Hi', instructions: 'Cheerful.',
    });
    assert.equal(mp3.headers.get('content-type'), 'audio/mpeg');
    assert.equal(Buffer.from(await mp3.arrayBuffer())[0], 0xff);
    const l = await eventually(() => logsFor(t.tokenId).length === 2 && logsFor(t.tokenId));
    assert.equal(Number(l[0].quota), Math.ceil(9 * 7.5));
    assert.equal(Number(l[1].quota), Math.ceil(2 * 8.333333));
    await assert.rejects(oa.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x', speed: 9 }),
      (e) => e.status === 400 && e.param === 'speed');
  });

  test(`${name}: openai SDK audio.transcriptions.create with toFile`, async () => {
    const t = tenant({ models: 'whisper-1' });
    const oa = client(t, base);
    await mockClear();
    const file = await toFile(wav(2.25), 'hello.wav', { type: 'audio/wav' });
    const j = await oa.audio.transcriptions.create({ file, model: 'whisper-1', language: 'en' });
    assertSchema(j, 'CreateTranscriptionResponseJson');
    assert.equal(j.text, 'w1 w2 w3 w4 w5');
    assert.deepEqual(j.usage, { type: 'duration', seconds: 3 });

    const v = await oa.audio.transcriptions.create({
      file: await toFile(wav(2.25), 'hello.wav', { type: 'audio/wav' }), model: 'whisper-1',
      response_format: 'verbose_json', timestamp_granularities: ['word', 'segment'],
    });
    assertSchema(v, 'CreateTranscriptionResponseVerboseJson');
    assert.equal(v.duration, 2.25);
    assert.equal(v.words.length, 5);
    assert.equal(v.segments.length, 2);

    const txt = await oa.audio.transcriptions.create({
      file: await toFile(wav(2.25), 'hello.wav'), model: 'whisper-1', response_format: 'text',
    });
    assert.equal(txt, 'w1 w2 w3 w4 w5\n');

    const ups = (await mockRequests()).filter((r) => r.path === '/v1/audio/transcriptions');
    assert.equal(ups.length, 3);
    for (const u of ups) assert.match(u.body, /name="response_format"\r\n\r\nverbose_json\r\n/);
    assert.match(ups[1].body, /name="timestamp_granularities\[\]"\r\n\r\nword\r\n/);
    const logs = logsFor(t.tokenId);
    assert.equal(logs.length, 3);
    for (const l of logs) {
      assert.equal(Number(l.quota), 3 * 50);
      assert.equal(JSON.parse(l.other).detail.duration, 2.25);
    }
    await assert.rejects(oa.audio.transcriptions.create({
      file: await toFile(wav(1), 'a.wav'), model: 'whisper-1', response_format: 'json',
      timestamp_granularities: ['word'],
    }), (e) => e.status === 400 && e.param === 'timestamp_granularities');
  });

  test(`${name}: openai SDK audio.translations.create json and srt`, async () => {
    const t = tenant({ models: 'whisper-1' });
    const oa = client(t, base);
    const j = await oa.audio.translations.create({
      file: await toFile(wav(1), 'fr.wav', { type: 'audio/wav' }), model: 'whisper-1',
      prompt: '[mock chunks=2] bonjour',
    });
    assertSchema(j, 'CreateTranslationResponseJson');
    assert.deepEqual(j, { text: 'w1 w2' });
    const srt = await oa.audio.translations.create({
      file: await toFile(wav(1), 'fr.wav', { type: 'audio/wav' }), model: 'whisper-1',
      response_format: 'srt', prompt: '[mock chunks=2]',
    });
    assert.equal(srt, '1\n00:00:00,000 --> 00:00:01,000\nw1 w2\n\n');
    const logs = logsFor(t.tokenId);
    assert.deepEqual(logs.map((l) => [l.type, Number(l.quota), l.model_name]),
      [['2', 50, 'whisper-1'], ['2', 50, 'whisper-1']]);
  });
}
