// The management API's configuration objects, through lighttpd and the
// real MariaDB: channels (credential write-only, the test action),
// prices, groups, options (root) and redemption codes (batch create,
// export CSV).  401 / 403 / CSRF of every route are in admin_api.test.mjs.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  env, apiRequest, apiLogin, apiUser, one, sql, ctl, uniq, parseCsv,
} from './lib.mjs';

const U = { u: apiUser(1), a: apiUser(10), r: apiUser(100) };
const S = {};
test.before(async () => {
  for (const k of Object.keys(U)) S[k] = await apiLogin(U[k].username, U[k].password);
});

function bad(res, field, status = 400) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.success, false);
  if (field) assert.match(res.json.message, new RegExp(`^${field}: `), res.text);
}

const hex = (s) => Buffer.from(s).toString('hex').toUpperCase();

function newChannel(over = {}) {
  const group = over.group ?? uniq('cg');
  if (!over.group) ctl(['group', 'set', group]);
  return S.a.call('POST', '/api/channel/', { type: 'openai', name: uniq('ch'), base_url: env.mock,
    key: 'sk-mock-upstream', models: ['gpt-4o-mini'], group, test_model: 'gpt-4o-mini', ...over });
}

test('POST /api/channel/: the credential goes in sealed and never comes out', async () => {
  const res = await newChannel({ model_mapping: { 'gpt-4o-mini': 'gpt-4o-mini' }, other: { region: 'x' },
    priority: 3, weight: 2 });
  assert.equal(res.status, 200, res.text);
  const ch = res.json.data;
  assert.equal(ch.has_key, true);
  assert.equal(ch.key, undefined);
  assert.ok(!res.text.includes('sk-mock-upstream'));
  assert.deepEqual([ch.type, ch.models, ch.priority, ch.weight, ch.status], ['openai', 'gpt-4o-mini', 3, 2, 1]);
  assert.deepEqual(ch.model_mapping, { 'gpt-4o-mini': 'gpt-4o-mini' });
  assert.deepEqual(ch.other, { region: 'x' });
  const [enc] = one(`SELECT HEX(key_enc) FROM channels WHERE id=${ch.id}`);
  assert.ok(enc.length > 0 && !enc.includes(hex('sk-mock-upstream')), 'sealed at rest');
  for (const path of [`/api/channel/${ch.id}`, `/api/channel/?keyword=${ch.name}`, '/api/channel/?size=100']) {
    const r = await S.a.call('GET', path);
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes('sk-mock-upstream'), path);
    assert.ok(!r.text.includes('key_enc'), path);
  }
});

test('POST /api/channel/: validation names the field', async () => {
  bad(await newChannel({ type: 'bogus' }), 'type');
  bad(await newChannel({ key: undefined }), 'key');
  bad(await newChannel({ key: '' }), 'key');
  bad(await newChannel({ base_url: 'ftp://x' }), 'base_url');
  bad(await newChannel({ models: [] }), 'models');
  bad(await newChannel({ group: 'no-such-group' }), 'group');
  bad(await newChannel({ model_mapping: { a: 1 } }), 'model_mapping');
  bad(await newChannel({ other: [1] }), 'other');
  bad(await newChannel({ weight: -1 }), 'weight');
  bad(await S.a.call('POST', '/api/channel/', { name: 'x' }), null);
});

test('GET /api/channel/: paginated, searchable, filtered by status and type', async () => {
  const tag = uniq('lst');
  for (let i = 0; i < 3; i++) await newChannel({ name: `${tag}-${i}`, type: i === 2 ? 'openai-compatible' : 'openai' });
  const all = await S.a.call('GET', `/api/channel/?keyword=${tag}`);
  assert.equal(all.json.data.total, 3);
  const p2 = await S.a.call('GET', `/api/channel/?keyword=${tag}&size=2&p=2`);
  assert.equal(p2.json.data.items.length, 1);
  assert.equal(p2.json.data.items[0].name, `${tag}-2`);
  const typed = await S.a.call('GET', `/api/channel/?keyword=${tag}&type=openai-compatible`);
  assert.deepEqual(typed.json.data.items.map((c) => c.name), [`${tag}-2`]);
  sql(`UPDATE channels SET status=2 WHERE name='${tag}-0'`);
  const off = await S.a.call('GET', `/api/channel/?keyword=${tag}&status=2`);
  assert.deepEqual(off.json.data.items.map((c) => c.name), [`${tag}-0`]);
  const every = await S.a.call('GET', '/api/channel/?size=100');
  assert.equal(every.json.data.total, Number(one('SELECT COUNT(*) FROM channels')[0]));
  bad(await S.a.call('GET', '/api/channel/?status=9'), 'status');
  bad(await S.a.call('GET', '/api/channel/999999999'), null, 404);
});

test('PUT /api/channel/{id}: key optional (absent = unchanged), validation, 404', async () => {
  const ch = (await newChannel()).json.data;
  const [enc0] = one(`SELECT HEX(key_enc) FROM channels WHERE id=${ch.id}`);
  const res = await S.a.call('PUT', `/api/channel/${ch.id}`, { name: 'renamed', priority: 9, status: 2 });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual([res.json.data.name, res.json.data.priority, res.json.data.status], ['renamed', 9, 2]);
  assert.equal(one(`SELECT HEX(key_enc) FROM channels WHERE id=${ch.id}`)[0], enc0, 'key unchanged');
  bad(await S.a.call('PUT', `/api/channel/${ch.id}`, { status: 3 }), 'status');
  bad(await S.a.call('PUT', `/api/channel/${ch.id}`, { models: '' }), 'models');
  bad(await S.a.call('PUT', '/api/channel/999999999', { name: 'x' }), null, 404);
  // A new key is sealed in; the test shows the upstream now refuses it.
  const wrong = await S.a.call('PUT', `/api/channel/${ch.id}`, { key: 'sk-wrong-key', status: 1 });
  assert.ok(!wrong.text.includes('sk-wrong-key'));
  assert.notEqual(one(`SELECT HEX(key_enc) FROM channels WHERE id=${ch.id}`)[0], enc0);
  const t1 = await S.a.call('POST', `/api/channel/${ch.id}/test`);
  assert.deepEqual([t1.json.data.ok, t1.json.data.status], [false, 401]);
  await S.a.call('PUT', `/api/channel/${ch.id}`, { key: 'sk-mock-upstream' });
  assert.equal((await S.a.call('POST', `/api/channel/${ch.id}/test`)).json.data.ok, true);
});

test('POST /api/channel/{id}/test: probes, stores the response time, revives auto-disabled', async () => {
  const ch = (await newChannel()).json.data;
  sql(`UPDATE channels SET status=3, test_time=0, response_time=0 WHERE id=${ch.id}`);
  const res = await S.a.call('POST', `/api/channel/${ch.id}/test`);
  assert.equal(res.status, 200, res.text);
  const d = res.json.data;
  assert.deepEqual([d.ok, d.status], [true, 200]);
  assert.ok(d.response_time_ms >= 0);
  const [st, tt, rt] = one(`SELECT status, test_time, response_time FROM channels WHERE id=${ch.id}`).map(Number);
  assert.equal(st, 1, 're-enabled');
  assert.ok(tt > 0);
  assert.equal(rt, d.response_time_ms);
  const req = (await (await fetch(`${env.mock}/_mock/requests`)).json()).at(-1);
  assert.equal(JSON.parse(req.body).model, 'gpt-4o-mini');
  // A dead upstream: a successful call that reports the failure.
  const dead = (await newChannel({ base_url: 'http://127.0.0.1:9' })).json.data;
  sql(`UPDATE channels SET status=3 WHERE id=${dead.id}`);
  const f = await S.a.call('POST', `/api/channel/${dead.id}/test`);
  assert.equal(f.status, 200);
  assert.equal(f.json.data.ok, false);
  assert.equal(Number(one(`SELECT status FROM channels WHERE id=${dead.id}`)[0]), 3, 'stays disabled');
  bad(await S.a.call('POST', '/api/channel/999999999/test'), null, 404);
});

test('DELETE /api/channel/{id}', async () => {
  const ch = (await newChannel()).json.data;
  assert.equal((await S.a.call('DELETE', `/api/channel/${ch.id}`)).status, 200);
  assert.equal(one(`SELECT COUNT(*) FROM channels WHERE id=${ch.id}`)[0], '0');
  bad(await S.a.call('DELETE', `/api/channel/${ch.id}`), null, 404);
  bad(await S.a.call('GET', `/api/channel/${ch.id}`), null, 404);
});

test('prices: list, get, put (exact decimals, partial update), delete', async () => {
  const list = await S.a.call('GET', '/api/price/');
  assert.equal(list.json.data.total, Number(one('SELECT COUNT(*) FROM model_prices')[0]));
  const mini = list.json.data.items.find((p) => p.model === 'gpt-4o-mini');
  assert.deepEqual([mini.basis, mini.input, mini.output, mini.input_u], ['tokens', 1, 1, 1000000]);
  const g = await S.a.call('GET', '/api/price/gpt-4o');
  assert.deepEqual([g.json.data.input, g.json.data.output, g.json.data.cache_read], [5, 15, 2.5]);
  bad(await S.a.call('GET', '/api/price/no-such-model'), null, 404);
  const m = uniq('model-');
  bad(await S.a.call('PUT', `/api/price/${m}`, { input: 1 }), 'basis');
  bad(await S.a.call('PUT', `/api/price/${m}`, { basis: 'bogus' }), 'basis');
  bad(await S.a.call('PUT', `/api/price/${m}`, { basis: 'tokens', input: -1 }), 'input');
  bad(await S.a.call('PUT', `/api/price/${m}`, { basis: 'tokens', input: '2.1234567' }), 'input');
  bad(await S.a.call('PUT', `/api/price/${m}`, { basis: 'image', extra: { '1024x1024/hd': 'x' } }), 'extra');
  assert.equal(one(`SELECT COUNT(*) FROM model_prices WHERE model='${m}'`)[0], '0', 'refusals stored nothing');
  const put = await S.a.call('PUT', `/api/price/${m}`, { basis: 'tokens', input: '2.666667', output: 10.5 });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(one(`SELECT basis, input_u, output_u, cache_u FROM model_prices WHERE model='${m}'`),
    ['tokens', '2666667', '10500000', '0']);
  const upd = await S.a.call('PUT', `/api/price/${m}`, { cache_read: 0.5 });
  assert.deepEqual([upd.json.data.input, upd.json.data.output, upd.json.data.cache_read,
    upd.json.data.cache_write], [2.666667, 10.5, 0.5, 0]);
  bad(await S.a.call('PUT', `/api/price/${m}`, { cache_write: -0.5 }), 'cache_write');
  const cw = await S.a.call('PUT', `/api/price/${m}`, { cache_write: '3.333334' });
  assert.deepEqual([cw.json.data.cache_write, cw.json.data.cache_write_u, cw.json.data.cache_read],
    [3.333334, 3333334, 0.5], 'cache_write set alone; the rest kept');
  assert.equal(one(`SELECT cache_write_u FROM model_prices WHERE model='${m}'`)[0], '3333334');
  const opus = await S.a.call('GET', '/api/price/claude-opus-4-20250514');
  assert.deepEqual([opus.json.data.input, opus.json.data.cache_write], [15, 18.75],
    'migration 0004 priced Claude cache writes at 1.25x input');
  const slash = await S.a.call('PUT', `/api/price/${encodeURIComponent(`org/${m}`)}`, { basis: 'request', unit: 3 });
  assert.equal(slash.json.data.model, `org/${m}`);
  assert.equal(one(`SELECT unit_u FROM model_prices WHERE model='org/${m}'`)[0], '3000000');
  bad(await S.a.call('PUT', '/api/price/bad%20name', { basis: 'tokens' }), 'model');
  bad(await S.a.call('GET', '/api/price/bad%20name'), 'model');
  bad(await S.a.call('DELETE', '/api/price/bad%20name'), 'model');
  assert.equal((await S.a.call('DELETE', `/api/price/${m}`)).status, 200);
  bad(await S.a.call('DELETE', `/api/price/${m}`), null, 404);
  bad(await S.a.call('GET', `/api/price/${m}`), null, 404);
});

test('groups: create, list, get, update, delete (409 while used)', async () => {
  const name = uniq('grp');
  const res = await S.a.call('POST', '/api/group/', { name, ratio: 1.5, rpm_limit: 60, tpm_limit: 1000, description: 'VIP' });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.data, { name, ratio: 1.5, rpm_limit: 60, tpm_limit: 1000, description: 'VIP' });
  assert.deepEqual(one(`SELECT ratio_u, rpm, tpm FROM \`groups\` WHERE name='${name}'`), ['1500000', '60', '1000']);
  bad(await S.a.call('POST', '/api/group/', { name }), 'name', 409);
  bad(await S.a.call('POST', '/api/group/', { name: 'bad name' }), 'name');
  bad(await S.a.call('POST', '/api/group/', { name: uniq('g'), ratio: -1 }), 'ratio');
  bad(await S.a.call('POST', '/api/group/', { name: uniq('g'), rpm_limit: -1 }), 'rpm_limit');
  const list = await S.a.call('GET', '/api/group/');
  assert.equal(list.json.data.total, Number(one('SELECT COUNT(*) FROM `groups`')[0]));
  assert.ok(list.json.data.items.some((g) => g.name === name));
  assert.equal((await S.a.call('GET', `/api/group/${name}`)).json.data.rpm_limit, 60);
  bad(await S.a.call('GET', '/api/group/no-such-g'), null, 404);
  for (const m of ['GET', 'PUT', 'DELETE']) bad(await S.a.call(m, '/api/group/bad%20name', m === 'PUT' ? {} : undefined), 'name');
  const upd = await S.a.call('PUT', `/api/group/${name}`, { ratio: '0.25', tpm_limit: 0 });
  assert.deepEqual([upd.json.data.ratio, upd.json.data.rpm_limit, upd.json.data.tpm_limit], [0.25, 60, 0]);
  bad(await S.a.call('PUT', `/api/group/${name}`, { description: 'x'.repeat(256) }), 'description');
  bad(await S.a.call('PUT', '/api/group/no-such-g', { ratio: 1 }), null, 404);
  // In use by a user, then by a channel: 409; free: deleted.
  const t = apiUser(1, { group: name });
  bad(await S.a.call('DELETE', `/api/group/${name}`), null, 409);
  sql(`UPDATE users SET \`group\`='default' WHERE id=${t.id}`);
  const ch = (await newChannel({ group: ['default', name] })).json.data;
  bad(await S.a.call('DELETE', `/api/group/${name}`), null, 409);
  await S.a.call('DELETE', `/api/channel/${ch.id}`);
  bad(await S.a.call('DELETE', '/api/group/default'), null, 409);
  assert.equal((await S.a.call('DELETE', `/api/group/${name}`)).status, 200);
  assert.equal(one(`SELECT COUNT(*) FROM \`groups\` WHERE name='${name}'`)[0], '0');
  bad(await S.a.call('DELETE', `/api/group/${name}`), null, 404);
});

test('options (root): list, validated set, visible in /api/status and new sessions', async () => {
  const list = await S.r.call('GET', '/api/option/');
  assert.ok(Array.isArray(list.json.data));
  assert.deepEqual(list.json.data.find((o) => o.name === 'quota_per_usd'),
    { name: 'quota_per_usd', value: one("SELECT value FROM options WHERE name='quota_per_usd'")[0] });
  bad(await S.r.call('PUT', '/api/option/', { name: 'no_such_option', value: '1' }), 'name');
  bad(await S.r.call('PUT', '/api/option/', { name: 'quota_per_usd', value: 'abc' }), 'value');
  bad(await S.r.call('PUT', '/api/option/', { name: 'currency', value: 'usd' }), 'value');
  bad(await S.r.call('PUT', '/api/option/', { name: 'session_ttl', value: 10 }), 'value');
  bad(await S.r.call('PUT', '/api/option/', { name: 'system_name' }), 'value');
  try {
    const set = await S.r.call('PUT', '/api/option/', { name: 'currency', value: 'EUR' });
    assert.deepEqual(set.json.data, { name: 'currency', value: 'EUR' });
    assert.equal((await S.r.call('PUT', '/api/option/', { name: 'system_name', value: 'Acme AI' })).status, 200);
    const st = (await apiRequest('GET', '/api/status')).json.data;
    assert.deepEqual([st.currency, st.currency_symbol, st.system_name], ['EUR', '\u20ac', 'Acme AI']);
    assert.equal((await S.r.call('PUT', '/api/option/', { name: 'session_ttl', value: 3600 })).json.data.value, '3600');
    const s = await apiLogin(U.u.username, U.u.password);
    assert.match(s.setCookie, /Max-Age=3600;/);
  } finally {
    sql("DELETE FROM options WHERE name IN ('system_name', 'session_ttl'); UPDATE options SET value='USD' WHERE name='currency'");
  }
});

test('redemptions: batch create, list and filters, get, update, delete', async () => {
  const name = uniq('batch');
  bad(await S.a.call('POST', '/api/redemption/', { name, count: 5 }), 'quota');
  bad(await S.a.call('POST', '/api/redemption/', { name, count: 0, quota: 1 }), 'count');
  bad(await S.a.call('POST', '/api/redemption/', { name, count: 1001, quota: 1 }), 'count');
  bad(await S.a.call('POST', '/api/redemption/', { name, quota: 1, expired_time: 1000 }), 'expired_time');
  const res = await S.a.call('POST', '/api/redemption/', { name, count: 5, quota: 300 });
  assert.equal(res.status, 200, res.text);
  const { codes } = res.json.data;
  assert.equal(codes.length, 5);
  assert.equal(new Set(codes).size, 5);
  for (const c of codes) assert.match(c, /^[0-9A-Za-z]{32}$/);
  assert.deepEqual(one(`SELECT COUNT(*), SUM(quota), MIN(status), MAX(user_id) FROM redemptions WHERE name='${name}'`),
    ['5', '1500', '1', String(U.a.id)]);
  const list = await S.a.call('GET', `/api/redemption/?keyword=${name}&size=2`);
  assert.deepEqual([list.json.data.total, list.json.data.items.length], [5, 2]);
  const byCode = await S.a.call('GET', `/api/redemption/?keyword=${codes[2]}`);
  assert.deepEqual(byCode.json.data.items.map((x) => x.key), [codes[2]]);
  const id = byCode.json.data.items[0].id;
  assert.equal((await S.a.call('GET', `/api/redemption/${id}`)).json.data.key, codes[2]);
  bad(await S.a.call('GET', '/api/redemption/999999999'), null, 404);
  bad(await S.a.call('GET', '/api/redemption/?status=7'), 'status');
  // Disabled: not redeemable; enabled again: redeemable; used: frozen.
  const off = await S.a.call('PUT', `/api/redemption/${id}`, { status: 2, name: 'renamed', quota: 400 });
  assert.deepEqual([off.json.data.status, off.json.data.name, off.json.data.quota], [2, 'renamed', 400]);
  assert.equal((await S.u.call('POST', '/api/user/redeem', { key: codes[2] })).status, 400);
  assert.equal((await S.a.call('GET', `/api/redemption/?keyword=${name}&status=2`)).json.data.total, 0, 'renamed');
  await S.a.call('PUT', `/api/redemption/${id}`, { status: 1 });
  const used = await S.u.call('POST', '/api/user/redeem', { key: codes[2] });
  assert.equal(used.json.data.quota_added, 400);
  bad(await S.a.call('PUT', `/api/redemption/${id}`, { status: 1 }), null, 409);
  const other = (await S.a.call('GET', `/api/redemption/?keyword=${name}&status=1`)).json.data.items[0].id;
  bad(await S.a.call('PUT', `/api/redemption/${other}`, { quota: 0 }), 'quota');
  bad(await S.a.call('PUT', `/api/redemption/${other}`, { status: 3 }), 'status');
  bad(await S.a.call('PUT', '/api/redemption/999999999', { quota: 1 }), null, 404);
  assert.equal((await S.a.call('GET', `/api/redemption/?keyword=${codes[2]}&status=3`)).json.data.total, 1);
  assert.equal((await S.a.call('DELETE', `/api/redemption/${id}`)).status, 200);
  bad(await S.a.call('DELETE', `/api/redemption/${id}`), null, 404);
});

test('GET /api/redemption/export: CSV of the filter that parses back to the rows', async () => {
  const name = uniq('=csv,"q"');
  const made = await S.a.call('POST', '/api/redemption/', { name, count: 3, quota: 7 });
  assert.equal(made.status, 200, made.text);
  const res = await S.a.call('GET', `/api/redemption/export?keyword=${encodeURIComponent(name)}`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/csv/);
  assert.match(res.headers['content-disposition'], /attachment; filename="redemptions.csv"/);
  const rows = parseCsv(res.text);
  assert.deepEqual(rows[0], ['id', 'name', 'key', 'status', 'quota', 'created_time', 'redeemed_time',
    'used_user_id', 'expired_time']);
  assert.equal(rows.length, 4);
  const db = sql(`SELECT id, \`key\`, status, quota, created_time, expired_time FROM redemptions WHERE name='${name.replace(/'/g, "''")}' ORDER BY id DESC`);
  assert.deepEqual(rows.slice(1).map((r) => [r[0], r[2], r[3], r[4], r[5], r[8]]), db);
  assert.ok(rows.slice(1).every((r) => r[1] === `'${name}`), 'formula-looking text is defused');
  assert.deepEqual(made.json.data.codes.slice().sort(), rows.slice(1).map((r) => r[2]).sort());
  bad(await S.a.call('GET', '/api/redemption/export?status=9'), 'status');
  // More than one chunk of 1000: every code once, newest first.
  const big = uniq('big');
  for (const count of [1000, 500]) {
    assert.equal((await S.a.call('POST', '/api/redemption/', { name: big, count, quota: 1 })).status, 200);
  }
  const all = parseCsv((await S.a.call('GET', `/api/redemption/export?keyword=${big}&status=1`)).text).slice(1);
  assert.deepEqual(all.map((r) => r[0]),
    sql(`SELECT id FROM redemptions WHERE name='${big}' ORDER BY id DESC`).map((r) => r[0]));
  assert.equal(all.length, 1500);
  bad(await S.u.call('GET', '/api/redemption/export'), null, 403);
});
