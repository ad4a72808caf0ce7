// The management API's users (/api/user/) and API keys (/api/token/),
// through lighttpd and the real MariaDB: list (paginated, searchable),
// get, create, update, delete and quota adjustment of users, with the
// role rules (nobody acts above themselves); keys shown once and then
// masked, their policy for plain users, and another user's key as a 404.
// 401 / 403 / CSRF of every route are in admin_api.test.mjs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  env, apiRequest, apiLogin, apiUser, one, sql, ctl, uniq,
} from './lib.mjs';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const U = { u: apiUser(1), u2: apiUser(1), a: apiUser(10), a2: apiUser(10), r: apiUser(100) };
const S = {};
test.before(async () => {
  for (const k of Object.keys(U)) S[k] = await apiLogin(U[k].username, U[k].password);
});

function bad(res, field, status = 400) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.success, false);
  if (field) assert.match(res.json.message, new RegExp(`^${field}: `), res.text);
}

const models = (key) => fetch(`${env.lighttpd}/v1/models`, { headers: { Authorization: `Bearer ${key}` } });

test('GET /api/user/: paginated and searchable, totals match the table', async () => {
  const tag = uniq('find');
  for (let i = 0; i < 3; i++) {
    ctl(['user', 'add', `${tag}-${i}`, '--display-name', `Person ${i}`, '--password-stdin'], 'pw-12345678\n');
  }
  const all = await S.a.call('GET', `/api/user/?keyword=${tag}`);
  assert.equal(all.status, 200);
  assert.equal(all.json.data.total, 3);
  assert.deepEqual(all.json.data.items.map((x) => x.username), [0, 1, 2].map((i) => `${tag}-${i}`));
  const p1 = await S.a.call('GET', `/api/user/?keyword=${tag}&size=2&p=1`);
  const p2 = await S.a.call('GET', `/api/user/?keyword=${tag}&size=2&p=2`);
  assert.deepEqual([p1.json.data.items.length, p2.json.data.items.length], [2, 1]);
  assert.deepEqual([p2.json.data.page, p2.json.data.size, p2.json.data.total], [2, 2, 3]);
  assert.equal(p2.json.data.items[0].username, `${tag}-2`);
  // LIKE wildcards in the keyword are literal.
  assert.equal((await S.a.call('GET', `/api/user/?keyword=${tag.slice(0, 3)}%25${tag.slice(4)}`)).json.data.total, 0);
  const everyone = await S.a.call('GET', '/api/user/?size=100');
  assert.equal(everyone.json.data.total,
    Number(one('SELECT COUNT(*) FROM users WHERE deleted_at IS NULL')[0]));
  assert.ok(!everyone.text.includes('password'), 'no hash in the answer');
  bad(await S.a.call('GET', '/api/user/?size=0'), 'size');
  bad(await S.a.call('GET', '/api/user/?p=x'), 'p');
});

test('GET /api/user/{id}', async () => {
  const res = await S.a.call('GET', `/api/user/${U.r.id}`);
  assert.equal(res.status, 200);
  assert.equal(res.json.data.username, U.r.username);
  assert.equal(res.json.data.role, 100);
  for (const k of ['id', 'username', 'display_name', 'email', 'role', 'status', 'quota',
    'used_quota', 'request_count', 'group', 'created_at', 'last_login_at']) {
    assert.ok(k in res.json.data, k);
  }
  bad(await S.a.call('GET', '/api/user/999999999'), null, 404);
});

test('POST /api/user/: creates a user who can log in; validation, 409, role rules', async () => {
  const name = uniq('new');
  const res = await S.a.call('POST', '/api/user/', { username: name, password: 'secret-pass-1',
    email: 'n@example.org', quota: 777, display_name: 'New One' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.data.username, name);
  assert.equal(res.json.data.role, 1);
  assert.equal(res.json.data.quota, 777);
  assert.equal(res.json.data.group, 'default');
  assert.match(one(`SELECT password_hash FROM users WHERE username='${name}'`)[0], /^\$y\$/);
  assert.equal((await apiLogin(name, 'secret-pass-1')).user.id, res.json.data.id);
  bad(await S.a.call('POST', '/api/user/', { username: name, password: 'secret-pass-1' }), 'username', 409);
  bad(await S.a.call('POST', '/api/user/', { username: '12345', password: 'secret-pass-1' }), 'username');
  bad(await S.a.call('POST', '/api/user/', { username: 'has space', password: 'secret-pass-1' }), 'username');
  bad(await S.a.call('POST', '/api/user/', { username: uniq('x'), password: 'short' }), 'password');
  bad(await S.a.call('POST', '/api/user/', { username: uniq('x'), password: 'secret-pass-1', group: 'nope-group' }), 'group');
  bad(await S.a.call('POST', '/api/user/', { username: uniq('x'), password: 'secret-pass-1', quota: -1 }), 'quota');
  bad(await S.a.call('POST', '/api/user/', { username: uniq('x'), password: 'secret-pass-1', role: 5 }), 'role');
  bad(await S.a.call('POST', '/api/user/', { username: uniq('x'), password: 'secret-pass-1', role: 10 }), 'role', 403);
  const adm = await S.r.call('POST', '/api/user/', { username: uniq('x'), password: 'secret-pass-1', role: 10 });
  assert.equal(adm.json.data.role, 10, 'root makes admins');
  bad(await S.r.call('POST', '/api/user/', { username: uniq('x'), password: 'secret-pass-1', role: 100 }), 'role', 403);
});

test('PUT /api/user/{id}: fields, disabling ends sessions, role rules', async () => {
  const t = apiUser(1);
  const ts = await apiLogin(t.username, t.password);
  const g = uniq('grp');
  ctl(['group', 'set', g]);
  const res = await S.a.call('PUT', `/api/user/${t.id}`, { display_name: 'Renamed', group: g, email: '' });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual([res.json.data.display_name, res.json.data.group], ['Renamed', g]);
  assert.deepEqual(one(`SELECT display_name, \`group\` FROM users WHERE id=${t.id}`), ['Renamed', g]);
  bad(await S.a.call('PUT', `/api/user/${t.id}`, { status: 5 }), 'status');
  bad(await S.a.call('PUT', `/api/user/${t.id}`, { group: 'no-such' }), 'group');
  bad(await S.a.call('PUT', `/api/user/${t.id}`, { role: 10 }), 'role', 403);
  bad(await S.a.call('PUT', `/api/user/${t.id}`, { password: 'short' }), 'password');
  bad(await S.a.call('PUT', '/api/user/999999999', { display_name: 'x' }), null, 404);
  bad(await S.a.call('PUT', `/api/user/${U.a2.id}`, { display_name: 'x' }), null, 403);
  bad(await S.a.call('PUT', `/api/user/${U.a.id}`, { status: 2 }), null, 403);
  const mine = await S.a.call('PUT', `/api/user/${U.a.id}`, { display_name: 'Me Myself' });
  assert.equal(mine.json.data.display_name, 'Me Myself', 'own name through the admin route');
  // New password works; disabling ends the session at once.
  assert.equal((await S.a.call('PUT', `/api/user/${t.id}`, { password: 'reset-pass-9' })).status, 200);
  assert.equal((await ts.call('GET', '/api/user/self')).status, 401, 'password reset ends sessions');
  const ts2 = await apiLogin(t.username, 'reset-pass-9');
  assert.equal((await S.a.call('PUT', `/api/user/${t.id}`, { status: 2 })).status, 200);
  assert.equal((await ts2.call('GET', '/api/user/self')).status, 401);
  await assert.rejects(apiLogin(t.username, 'reset-pass-9'), /403/);
  // Root may promote to admin.
  assert.equal((await S.r.call('PUT', `/api/user/${t.id}`, { role: 10, status: 1 })).json.data.role, 10);
});

test('DELETE /api/user/{id}: soft delete stops the user, keys and tokens', async () => {
  const t = apiUser(1);
  const ts = await apiLogin(t.username, t.password);
  const key = (await ts.call('POST', '/api/token/', { name: 'k' })).json.data.key;
  const pat = (await ts.call('POST', '/api/user/pat', { name: 'p' })).json.data.token;
  assert.equal((await models(key)).status, 200);
  bad(await S.a.call('DELETE', `/api/user/${U.a.id}`), null, 403);
  bad(await S.a.call('DELETE', `/api/user/${U.a2.id}`), null, 403);
  const res = await S.a.call('DELETE', `/api/user/${t.id}`);
  assert.equal(res.status, 200, res.text);
  assert.notEqual(one(`SELECT deleted_at FROM users WHERE id=${t.id}`)[0], 'NULL');
  assert.equal((await models(key)).status, 401, 'key of a deleted user');
  assert.equal((await ts.call('GET', '/api/user/self')).status, 401);
  assert.equal((await apiRequest('GET', '/api/user/self', { pat })).status, 401);
  await assert.rejects(apiLogin(t.username, t.password), /401/);
  bad(await S.a.call('DELETE', `/api/user/${t.id}`), null, 404);
  bad(await S.a.call('GET', `/api/user/${t.id}`), null, 404);
});

test('POST /api/user/{id}/quota: top-up and deduction with log rows', async () => {
  const t = apiUser(1, { quota: 1000 });
  const up = await S.a.call('POST', `/api/user/${t.id}/quota`, { delta: 2500 });
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.data.quota, 3500);
  const down = await S.a.call('POST', `/api/user/${t.id}/quota`, { delta: -500 });
  assert.equal(down.json.data.quota, 3000);
  assert.equal(Number(one(`SELECT quota FROM users WHERE id=${t.id}`)[0]), 3000);
  const rows = sql(`SELECT type, quota, other FROM logs WHERE user_id=${t.id} ORDER BY id`);
  assert.deepEqual(rows.slice(-2).map((r) => [r[0], r[1]]), [['1', '2500'], ['3', '-500']]);
  assert.equal(JSON.parse(rows.at(-1)[2]).by, U.a.username);
  bad(await S.a.call('POST', `/api/user/${t.id}/quota`, { delta: -3001 }), 'delta');
  bad(await S.a.call('POST', `/api/user/${t.id}/quota`, { delta: 0 }), 'delta');
  bad(await S.a.call('POST', `/api/user/${t.id}/quota`, { delta: 1.5 }), 'delta');
  bad(await S.a.call('POST', `/api/user/${t.id}/quota`, {}), 'delta');
  assert.equal(Number(one(`SELECT quota FROM users WHERE id=${t.id}`)[0]), 3000, 'refusals changed nothing');
  bad(await S.a.call('POST', '/api/user/999999999/quota', { delta: 1 }), null, 404);
  bad(await S.a.call('POST', `/api/user/${U.a2.id}/quota`, { delta: 1 }), null, 403);
  assert.equal((await S.r.call('POST', `/api/user/${U.a2.id}/quota`, { delta: 1 })).status, 200);
});

test('POST /api/token/: the key is shown once, then masked; it works on /v1', async () => {
  const res = await S.u.call('POST', '/api/token/', { name: 'laptop', remain_quota: 5000,
    model_limits: ['gpt-4o-mini', ' gpt-4o ', 'gpt-4o-mini'], allow_ips: '127.0.0.1, 10.0.0.0/8',
    expired_time: -1, rpm_limit: null });
  assert.equal(res.status, 200, res.text);
  const t = res.json.data;
  assert.match(t.key, /^sk-[0-9A-Za-z]{48}$/);
  assert.equal(t.model_limits, 'gpt-4o-mini,gpt-4o', 'normalized list');
  assert.equal(t.allow_ips, '127.0.0.1,10.0.0.0/8');
  assert.equal(t.unlimited_quota, false);
  assert.equal(t.remain_quota, 5000);
  assert.equal(t.user_id, U.u.id);
  assert.equal(one(`SELECT key_hash FROM tokens WHERE id=${t.id}`)[0], sha256(t.key));
  const masked = `sk-${t.key.slice(3, 7)}...${t.key.slice(-4)}`;
  const get = await S.u.call('GET', `/api/token/${t.id}`);
  assert.equal(get.json.data.key, masked);
  const list = await S.u.call('GET', '/api/token/?size=100');
  assert.ok(list.json.data.items.some((x) => x.id === t.id && x.key === masked));
  assert.ok(!get.text.includes(t.key) && !list.text.includes(t.key), 'never shown again');
  assert.equal((await models(t.key)).status, 200);
  const unl = await S.u.call('POST', '/api/token/', { name: 'no quota given' });
  assert.equal(unl.json.data.unlimited_quota, true);
});

test('POST /api/token/: validation names the field; users keep to their group', async () => {
  const g = uniq('lim');
  ctl(['group', 'set', g, '--rpm', '10', '--tpm', '1000']);
  const t = apiUser(1, { group: g });
  const s = await apiLogin(t.username, t.password);
  bad(await s.call('POST', '/api/token/', {}), 'name');
  bad(await s.call('POST', '/api/token/', { name: 'x', expired_time: 1000 }), 'expired_time');
  bad(await s.call('POST', '/api/token/', { name: 'x', remain_quota: -1 }), 'remain_quota');
  bad(await s.call('POST', '/api/token/', { name: 'x', model_limits: ['a b'] }), 'model_limits');
  bad(await s.call('POST', '/api/token/', { name: 'x', allow_ips: '300.1.1.1' }), 'allow_ips');
  bad(await s.call('POST', '/api/token/', { name: 'x', unlimited_quota: 'yes' }), 'unlimited_quota');
  bad(await s.call('POST', '/api/token/', { name: 'x', group: 'default' }), 'group');
  bad(await s.call('POST', '/api/token/', { name: 'x', rpm_limit: 0 }), 'rpm_limit');
  bad(await s.call('POST', '/api/token/', { name: 'x', rpm_limit: 11 }), 'rpm_limit');
  bad(await s.call('POST', '/api/token/', { name: 'x', tpm_limit: 5000 }), 'tpm_limit');
  bad(await s.call('POST', '/api/token/', { name: 'x', user_id: U.u.id }), 'user_id', 403);
  const ok = await s.call('POST', '/api/token/', { name: 'x', group: g, rpm_limit: 5 });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.data.rpm_limit, 5);
  assert.equal(ok.json.data.tpm_limit, null);
  // Administrators may set any group and limit, and make keys for users.
  const adm = await S.a.call('POST', '/api/token/', { name: 'for t', user_id: t.id, group: 'default', rpm_limit: 0 });
  assert.equal(adm.status, 200, adm.text);
  assert.equal(adm.json.data.user_id, t.id);
  assert.equal(Number(one(`SELECT user_id FROM tokens WHERE id=${adm.json.data.id}`)[0]), t.id);
  bad(await S.a.call('POST', '/api/token/', { name: 'x', user_id: U.a2.id }), 'user_id', 403);
});

test("another user's key is a 404; administrators see it", async () => {
  const mine = (await S.u.call('POST', '/api/token/', { name: 'private' })).json.data;
  for (const [m, body] of [['GET'], ['PUT', { name: 'stolen' }], ['DELETE']]) {
    bad(await S.u2.call(m, `/api/token/${mine.id}`, body), null, 404);
  }
  assert.equal(one(`SELECT name, deleted_at IS NULL FROM tokens WHERE id=${mine.id}`).join(), 'private,1');
  const list = await S.u2.call('GET', '/api/token/?size=100');
  assert.ok(list.json.data.items.every((x) => x.user_id === U.u2.id));
  const ignored = await S.u2.call('GET', `/api/token/?user_id=${U.u.id}`);
  assert.ok(ignored.json.data.items.every((x) => x.user_id === U.u2.id), 'user_id is for admins');
  assert.equal((await S.a.call('GET', `/api/token/${mine.id}`)).json.data.name, 'private');
  const byUser = await S.a.call('GET', `/api/token/?user_id=${U.u.id}&size=100`);
  assert.equal(byUser.json.data.total, Number(one(`SELECT COUNT(*) FROM tokens WHERE user_id=${U.u.id} AND deleted_at IS NULL`)[0]));
  assert.ok(byUser.json.data.items.some((x) => x.id === mine.id));
  bad(await S.u.call('GET', '/api/token/?size=0'), 'size');
  bad(await S.a.call('GET', '/api/token/?user_id=x'), 'user_id');
  const kw = await S.u.call('GET', '/api/token/?keyword=priv');
  assert.ok(kw.json.data.items.length >= 1 && kw.json.data.items.every((x) => x.name.includes('priv')));
});

test('PUT /api/token/{id}: edit, disable (key refused), validation; DELETE', async () => {
  const made = (await S.u.call('POST', '/api/token/', { name: 'edit me' })).json.data;
  const res = await S.u.call('PUT', `/api/token/${made.id}`, { name: 'edited', remain_quota: 42,
    unlimited_quota: false, model_limits: 'gpt-4o-mini' });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual([res.json.data.name, res.json.data.remain_quota, res.json.data.unlimited_quota,
    res.json.data.model_limits], ['edited', 42, false, 'gpt-4o-mini']);
  assert.equal(res.json.data.key, made.key.slice(0, 7) + '...' + made.key.slice(-4));
  bad(await S.u.call('PUT', `/api/token/${made.id}`, { status: 3 }), 'status');
  bad(await S.u.call('PUT', `/api/token/${made.id}`, { name: '' }), 'name');
  bad(await S.u.call('PUT', `/api/token/${made.id}`, { expired_time: 5 }), 'expired_time');
  bad(await S.u.call('PUT', '/api/token/999999999', { name: 'x' }), null, 404);
  assert.equal((await models(made.key)).status, 200);
  assert.equal((await S.u.call('PUT', `/api/token/${made.id}`, { status: 2 })).json.data.status, 2);
  assert.equal((await models(made.key)).status, 401, 'disabled key');
  assert.equal((await S.u.call('PUT', `/api/token/${made.id}`, { status: 1 })).json.data.status, 1);
  assert.equal((await models(made.key)).status, 200);
  // An admin may not edit the keys of a peer admin.
  const peer = (await S.a2.call('POST', '/api/token/', { name: 'peer' })).json.data;
  bad(await S.a.call('PUT', `/api/token/${peer.id}`, { name: 'x' }), null, 403);
  bad(await S.a.call('DELETE', `/api/token/${peer.id}`), null, 403);
  assert.equal((await S.a.call('PUT', `/api/token/${made.id}`, { name: 'by admin' })).json.data.name, 'by admin');
  assert.equal((await S.u.call('DELETE', `/api/token/${made.id}`)).status, 200);
  assert.equal((await models(made.key)).status, 401, 'deleted key');
  bad(await S.u.call('GET', `/api/token/${made.id}`), null, 404);
  bad(await S.u.call('DELETE', `/api/token/${made.id}`), null, 404);
});
