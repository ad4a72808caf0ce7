// The management API's log browser, CSV export and usage statistics,
// through lighttpd and the real MariaDB, over log rows made by real /v1
// requests through the mock upstream: every filter's rows and totals
// match the table, users see only their own rows, the export parses back
// to the rows, usage per day and model sums the consumption rows; and a
// price changed through the API bills the very next request.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  env, apiLogin, apiUser, tenant, post, sql, one, uniq, parseCsv, quotaOf,
  readEvents, eventually,
} from './lib.mjs';

const A = tenant();
const B = tenant();
const adm = apiUser(10);
const S = {};
const rids = [];

const COLS = ['id', 'created_at', 'type', 'user_id', 'username', 'token_id', 'token_name',
  'channel_id', 'model_name', 'prompt_tokens', 'completion_tokens', 'quota', 'use_time_ms',
  'is_stream', 'request_id', 'ip', 'status', 'stream_status', 'error_code'];
const NUM = new Set(['id', 'created_at', 'type', 'user_id', 'token_id', 'channel_id', 'prompt_tokens',
  'completion_tokens', 'quota', 'use_time_ms', 'status']);

// Rows of `logs` matching where, newest first, as the API shows them.
function dbRows(where) {
  return sql(`SELECT ${COLS.join(',')} FROM logs WHERE ${where} ORDER BY id DESC`).map((r) => {
    const o = {};
    COLS.forEach((c, i) => { o[c] = NUM.has(c) ? Number(r[i]) : c === 'is_stream' ? r[i] === '1' : r[i]; });
    return o;
  });
}
function dbTotals(where) {
  const [n, q, p, c] = one(`SELECT COUNT(*), COALESCE(SUM(quota),0), COALESCE(SUM(prompt_tokens),0),
    COALESCE(SUM(completion_tokens),0) FROM logs WHERE ${where}`).map(Number);
  return { rows: n, totals: { quota: q, prompt_tokens: p, completion_tokens: c, requests: n } };
}
const pick = (x) => Object.fromEntries(COLS.map((c) => [c, x[c]]));

async function chat(t, model, extra = {}) {
  const res = await post(env.lighttpd, '/v1/chat/completions', t.key,
    { model, messages: [{ role: 'user', content: `hello ${model} from ${t.user}` }], ...extra });
  rids.push(res.headers.get('x-request-id'));
  if (extra.stream) await readEvents(res); else await res.text();
  return res;
}

test.before(async () => {
  for (const m of ['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o']) assert.equal((await chat(A, m)).status, 200);
  assert.equal((await chat(A, 'gpt-4o-mini', { stream: true, stream_options: { include_usage: true } })).status, 200);
  assert.equal((await chat(A, 'gpt-4o-mini', { metadata: { mock_status: '400' } })).status, 400);
  for (let i = 0; i < 2; i++) assert.equal((await chat(B, 'gpt-4o-mini')).status, 200);
  // Settlement is written before the answer ends, but wait for all rows.
  await eventually(() => Number(one(`SELECT COUNT(*) FROM logs WHERE token_id IN (${A.tokenId},${B.tokenId})`)[0]) >= 7);
  S.a = await apiLogin(A.user, `pw-${A.user}`);
  S.b = await apiLogin(B.user, `pw-${B.user}`);
  S.adm = await apiLogin(adm.username, adm.password);
});

async function check(sess, query, where, what) {
  const res = await sess.call('GET', `/api/log/?size=100&${query}`);
  assert.equal(res.status, 200, `${what}: ${res.text}`);
  const want = dbRows(where);
  assert.ok(want.length > 0 || what.includes('none'), `${what}: the filter should match rows`);
  assert.deepEqual(res.json.data.items.map(pick), want, what);
  const t = dbTotals(where);
  assert.equal(res.json.data.total, t.rows, `${what}: total`);
  assert.deepEqual(res.json.data.totals, t.totals, `${what}: totals`);
  return res;
}

test('the test requests made consume, stream and error rows', () => {
  const types = sql(`SELECT type, is_stream, status FROM logs WHERE token_id=${A.tokenId} ORDER BY id`);
  assert.equal(types.length, 5);
  assert.ok(types.some((r) => r[1] === '1'), 'a streamed row');
  assert.ok(types.some((r) => r[0] !== '2'), 'a row that is not consumption');
});

test('admin log filters: every filter\'s rows and totals match the table', async () => {
  const [first, last] = one(`SELECT MIN(created_at), MAX(created_at) FROM logs WHERE token_id=${A.tokenId}`).map(Number);
  const rid = one(`SELECT request_id FROM logs WHERE token_id=${A.tokenId} AND model_name='gpt-4o'`)[0];
  assert.ok(rids.includes(rid), 'the row carries the X-Request-Id the client saw');
  await check(S.adm, `token_id=${A.tokenId}`, `token_id=${A.tokenId}`, 'token_id');
  await check(S.adm, `user_id=${A.userId}&model=gpt-4o`, `user_id=${A.userId} AND model_name='gpt-4o'`, 'user+model');
  await check(S.adm, `token_id=${A.tokenId}&type=2`, `token_id=${A.tokenId} AND type=2`, 'type');
  await check(S.adm, `channel_id=${A.channelId}`, `channel_id=${A.channelId}`, 'channel');
  const one1 = await check(S.adm, `request_id=${rid}`, `request_id='${rid}'`, 'request_id');
  assert.equal(one1.json.data.items.length, 1);
  await check(S.adm, `username=${A.user}`, `username='${A.user}'`, 'username');
  await check(S.adm, `token_name=k&user_id=${B.userId}`, `token_name='k' AND user_id=${B.userId}`, 'token_name');
  await check(S.adm, `token_id=${A.tokenId}&start=${first}&end=${last + 1}`,
    `token_id=${A.tokenId} AND created_at >= ${first} AND created_at < ${last + 1}`, 'time range');
  await check(S.adm, `token_id=${A.tokenId}&start=${last + 1}`,
    `token_id=${A.tokenId} AND created_at >= ${last + 1}`, 'time range, none');
  // Pages slice the same order; totals are over every matching row.
  const p2 = await S.adm.call('GET', `/api/log/?token_id=${A.tokenId}&size=2&p=2`);
  assert.deepEqual(p2.json.data.items.map(pick), dbRows(`token_id=${A.tokenId}`).slice(2, 4));
  assert.deepEqual(p2.json.data.totals, dbTotals(`token_id=${A.tokenId}`).totals);
  const item = p2.json.data.items[0];
  assert.equal(typeof item.other, 'object');
  assert.equal(typeof item.is_stream, 'boolean');
});

test('log filters: validation names the field', async () => {
  for (const [q, f] of [['type=9', 'type'], ['start=abc', 'start'], ['user_id=-1', 'user_id'],
    ['start=100&end=50', 'end'], ['size=101', 'size'], [`model=${'m'.repeat(129)}`, 'model']]) {
    const res = await S.adm.call('GET', `/api/log/?${q}`);
    assert.equal(res.status, 400, q);
    assert.match(res.json.message, new RegExp(`^${f}: `), q);
  }
});

test('a user sees only their own rows, whatever the user filters say', async () => {
  await check(S.a, '', `user_id=${A.userId}`, 'own rows');
  await check(S.a, `user_id=${B.userId}`, `user_id=${A.userId}`, 'user_id ignored');
  await check(S.a, `username=${B.user}`, `user_id=${A.userId}`, 'username ignored');
  await check(S.a, `token_id=${B.tokenId}`, `user_id=${A.userId} AND token_id=${B.tokenId}`, 'none of B\'s keys');
  await check(S.b, 'model=gpt-4o-mini', `user_id=${B.userId} AND model_name='gpt-4o-mini'`, 'B by model');
});

test('GET /api/log/export: CSV of the filter that parses back to the rows', async () => {
  const res = await S.adm.call('GET', `/api/log/export?user_id=${A.userId}`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/csv/);
  assert.match(res.headers['content-disposition'], /filename="logs.csv"/);
  const rows = parseCsv(res.text);
  assert.deepEqual(rows[0], [...COLS, 'other']);
  const want = dbRows(`user_id=${A.userId}`);
  assert.equal(Number(res.headers['x-total-count']), want.length);
  assert.equal(rows.length - 1, want.length);
  const got = rows.slice(1).map((r) => {
    const o = {};
    COLS.forEach((c, i) => { o[c] = NUM.has(c) ? Number(r[i]) : c === 'is_stream' ? r[i] === '1' : r[i]; });
    return o;
  });
  assert.deepEqual(got, want);
  const others = sql(`SELECT other FROM logs WHERE user_id=${A.userId} ORDER BY id DESC`).map((r) => r[0]);
  assert.deepEqual(rows.slice(1).map((r) => r.at(-1)), others, 'JSON column survives quoting');
  const invalid = await S.adm.call('GET', '/api/log/export?type=9');
  assert.equal(invalid.status, 400);
  assert.match(invalid.json.message, /^type: /);
  // A user's export is their own rows only.
  const mine = parseCsv((await S.b.call('GET', `/api/log/export?user_id=${A.userId}`)).text);
  assert.equal(mine.length - 1, dbRows(`user_id=${B.userId}`).length);
  assert.ok(mine.slice(1).every((r) => Number(r[3]) === B.userId));
});

test('GET /api/log/export pages past its 1000-row chunks without losing a row', async () => {
  const u = apiUser(1);
  const other = JSON.stringify({ note: 'x'.repeat(200), q: '"quoted", too' });
  sql(`INSERT INTO logs (created_at, type, user_id, username, model_name, quota, request_id, other)
    SELECT UNIX_TIMESTAMP() - seq, 2, ${u.id}, '${u.username}', 'bulk', seq, CONCAT('bulk-', seq),
    '${other.replace(/'/g, "''")}' FROM seq_1_to_2500`);
  const res = await S.adm.call('GET', `/api/log/export?user_id=${u.id}`);
  assert.equal(res.status, 200);
  assert.ok(res.text.length > 600000, `${res.text.length} bytes: several flushes`);
  const rows = parseCsv(res.text).slice(1);
  assert.equal(rows.length, 2500);
  const ids = sql(`SELECT id FROM logs WHERE user_id=${u.id} ORDER BY id DESC`).map((r) => r[0]);
  assert.deepEqual(rows.map((r) => r[0]), ids, 'every row once, newest first');
  const [stored] = one(`SELECT DISTINCT other FROM logs WHERE user_id=${u.id}`);
  assert.ok(stored.includes('"quoted", too') || stored.includes('\\"quoted\\", too'), stored.slice(-40));
  assert.ok(rows.every((r) => r.at(-1) === stored), 'the JSON column, commas and quotes included');
  const page = await S.adm.call('GET', `/api/log/?user_id=${u.id}&size=100&p=13`);
  assert.deepEqual(page.json.data.items.map((x) => String(x.id)), ids.slice(1200, 1300));
  assert.equal(page.json.data.totals.quota, 2500 * 2501 / 2);
});

// Consumption rows of where, summed per UTC day (shifted by tz) and model.
function dbUsage(where, tz = 0) {
  return sql(`SELECT FLOOR((created_at + ${tz}) / 86400), model_name, COUNT(*), SUM(prompt_tokens),
    SUM(completion_tokens), SUM(quota) FROM logs WHERE type = 2 AND ${where}
    GROUP BY 1, 2 ORDER BY 1, 2`).map((r) => ({
    day: new Date(Number(r[0]) * 86400000).toISOString().slice(0, 10), model: r[1],
    requests: Number(r[2]), prompt_tokens: Number(r[3]), completion_tokens: Number(r[4]), quota: Number(r[5]) }));
}
const sum = (rows) => rows.reduce((t, r) => ({ requests: t.requests + r.requests,
  prompt_tokens: t.prompt_tokens + r.prompt_tokens, completion_tokens: t.completion_tokens + r.completion_tokens,
  quota: t.quota + r.quota }), { requests: 0, prompt_tokens: 0, completion_tokens: 0, quota: 0 });

test('GET /api/usage/: per day and model, totals and balance match the logs', async () => {
  const now = Math.floor(Date.now() / 1000);
  const range = `start=${now - 86400}&end=${now + 60}`;
  const where = `user_id=${A.userId} AND created_at >= ${now - 86400} AND created_at < ${now + 60}`;
  const res = await S.a.call('GET', `/api/usage/?${range}`);
  assert.equal(res.status, 200, res.text);
  const want = dbUsage(where);
  assert.ok(want.length >= 2, 'two models');
  assert.deepEqual(res.json.data.days, want);
  assert.deepEqual(res.json.data.totals, sum(want));
  const byModel = res.json.data.models;
  assert.deepEqual(byModel.map((m) => m.model).sort(), [...new Set(want.map((w) => w.model))].sort());
  for (const m of byModel) assert.deepEqual(m, { model: m.model, ...sum(want.filter((w) => w.model === m.model)) });
  const [q, used] = one(`SELECT quota, used_quota FROM users WHERE id=${A.userId}`).map(Number);
  assert.deepEqual(res.json.data.balance, { quota: q, used_quota: used });
  // A user's user_id is ignored; an admin picks anyone, or everyone.
  assert.deepEqual((await S.a.call('GET', `/api/usage/?${range}&user_id=${B.userId}`)).json.data.days, want);
  assert.deepEqual((await S.adm.call('GET', `/api/usage/?${range}&user_id=${A.userId}`)).json.data.days, want);
  const all = await S.adm.call('GET', `/api/usage/?${range}`);
  assert.deepEqual(all.json.data.totals, sum(dbUsage(`created_at >= ${now - 86400} AND created_at < ${now + 60}`)));
  assert.equal(all.json.data.balance.quota,
    Number(one('SELECT SUM(quota) FROM users WHERE deleted_at IS NULL')[0]));
});

test('GET /api/usage/: day boundaries follow tz_offset; validation', async () => {
  const u = apiUser(1);
  const s = await apiLogin(u.username, u.password);
  const day = 20000 * 86400;	// 2024-10-04 00:00 UTC
  sql(`INSERT INTO logs (created_at, type, user_id, username, model_name, prompt_tokens, completion_tokens, quota)
    VALUES (${day - 100}, 2, ${u.id}, '${u.username}', 'm1', 1, 2, 10),
           (${day + 50}, 2, ${u.id}, '${u.username}', 'm1', 3, 4, 20),
           (${day + 60}, 1, ${u.id}, '${u.username}', '', 0, 0, 999)`);
  const q = `start=${day - 86400}&end=${day + 86400}`;
  const utc = (await s.call('GET', `/api/usage/?${q}`)).json.data;
  assert.deepEqual(utc.days.map((d) => [d.day, d.quota]), [['2024-10-03', 10], ['2024-10-04', 20]]);
  assert.equal(utc.totals.quota, 30, 'top-ups are not usage');
  const east = (await s.call('GET', `/api/usage/?${q}&tz_offset=3600`)).json.data;
  assert.deepEqual(east.days.map((d) => [d.day, d.requests, d.prompt_tokens, d.completion_tokens, d.quota]),
    [['2024-10-04', 2, 4, 6, 30]]);
  assert.deepEqual(east.days, dbUsage(`user_id=${u.id}`, 3600));
  for (const [qs, f] of [['start=100&end=50', 'end'], ['start=0&end=99999999', 'start'],
    ['tz_offset=99999', 'tz_offset'], ['end=x', 'end']]) {
    const res = await s.call('GET', `/api/usage/?${qs}`);
    assert.equal(res.status, 400, qs);
    assert.match(res.json.message, new RegExp(`^${f}: `), qs);
  }
});

test('a price changed through the API bills the very next /v1 request', async () => {
  const model = uniq('priced-');
  const t = tenant({ models: model });
  const call = async () => {
    const res = await post(env.lighttpd, '/v1/chat/completions', t.key,
      { model, messages: [{ role: 'user', content: 'price check please' }] });
    assert.equal(res.status, 200);
    const body = await res.json();
    const rid = res.headers.get('x-request-id');
    const [quota] = one(`SELECT quota FROM logs WHERE request_id='${rid}'`).map(Number);
    return { usage: body.usage, quota };
  };
  const put = (p) => S.adm.call('PUT', `/api/price/${model}`, { basis: 'tokens', ...p });
  assert.equal((await put({ input: 1, output: 1 })).status, 200);
  const r1 = await call();
  assert.equal(r1.quota, quotaOf(r1.usage.prompt_tokens, r1.usage.completion_tokens, 1, 1));
  assert.equal((await put({ input: 30, output: '70.5' })).status, 200);
  const r2 = await call();
  assert.equal(r2.quota, quotaOf(r2.usage.prompt_tokens, r2.usage.completion_tokens, 30, 70.5));
  assert.ok(r2.quota > r1.quota * 20, `${r2.quota} vs ${r1.quota}`);
  assert.equal((await S.adm.call('DELETE', `/api/price/${model}`)).status, 200);
  const gone = await post(env.lighttpd, '/v1/chat/completions', t.key,
    { model, messages: [{ role: 'user', content: 'x' }] });
  assert.notEqual(gone.status, 200, 'no price, no service');
});
