// The management API's front door (docs/admin-api.md), through lighttpd
// and the real MariaDB: every route's 401 without credentials, 403 for a
// lower role, 403 without the CSRF token on a cookie-authenticated change
// (while a personal access token needs none), the envelope of 404 and 405;
// sessions (cookie attributes, stored hashed, logout), login failures and
// their rate limits per user name and per address, the caller's own
// record, personal access tokens, redeeming a code and /api/status.
// admin_users, admin_config and admin_logs cover the resources.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  env, apiRequest, apiLogin, apiUser, one, sql, ctl, eventually,
} from './lib.mjs';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const NOID = 999999999;
// A fresh loopback source address: the login limiter counts per address
// for 15 minutes, so a rerun must not meet the counts of the last run.
const addr = () => `127.${[0, 0, 0].map(() => 1 + randomInt(250)).join('.')}`;

// Every authenticated route: method, path, least role, a body.
const ROUTES = [
  ['POST', '/api/user/logout', 1],
  ['GET', '/api/user/self', 1],
  ['PUT', '/api/user/self', 1, {}],
  ['GET', '/api/user/pat', 1],
  ['POST', '/api/user/pat', 1, {}],
  ['DELETE', `/api/user/pat/${NOID}`, 1],
  ['POST', '/api/user/redeem', 1, {}],
  ['GET', '/api/user/', 10],
  ['POST', '/api/user/', 10, {}],
  ['GET', `/api/user/${NOID}`, 10],
  ['PUT', `/api/user/${NOID}`, 10, {}],
  ['DELETE', `/api/user/${NOID}`, 10],
  ['POST', `/api/user/${NOID}/quota`, 10, {}],
  ['GET', '/api/token/', 1],
  ['POST', '/api/token/', 1, {}],
  ['GET', `/api/token/${NOID}`, 1],
  ['PUT', `/api/token/${NOID}`, 1, {}],
  ['DELETE', `/api/token/${NOID}`, 1],
  ['GET', '/api/channel/', 10],
  ['POST', '/api/channel/', 10, {}],
  ['GET', `/api/channel/${NOID}`, 10],
  ['PUT', `/api/channel/${NOID}`, 10, {}],
  ['DELETE', `/api/channel/${NOID}`, 10],
  ['POST', `/api/channel/${NOID}/test`, 10],
  ['GET', '/api/price/', 10],
  ['GET', '/api/price/no-such-model-x', 10],
  ['PUT', '/api/price/no-such-model-x', 10, {}],
  ['DELETE', '/api/price/no-such-model-x', 10],
  ['GET', '/api/group/', 10],
  ['POST', '/api/group/', 10, {}],
  ['GET', '/api/group/no-such-group-x', 10],
  ['PUT', '/api/group/no-such-group-x', 10, {}],
  ['DELETE', '/api/group/no-such-group-x', 10],
  ['GET', '/api/redemption/', 10],
  ['POST', '/api/redemption/', 10, {}],
  ['GET', '/api/redemption/export', 10],
  ['GET', `/api/redemption/${NOID}`, 10],
  ['PUT', `/api/redemption/${NOID}`, 10, {}],
  ['DELETE', `/api/redemption/${NOID}`, 10],
  ['GET', '/api/option/', 100],
  ['PUT', '/api/option/', 100, {}],
  ['GET', '/api/log/', 1],
  ['GET', '/api/log/export', 1],
  ['GET', '/api/usage/', 1],
];
const changes = ROUTES.filter(([m]) => m !== 'GET');

const users = { u: apiUser(1), a: apiUser(10), r: apiUser(100) };
const sess = {};
test.before(async () => {
  for (const k of Object.keys(users)) sess[k] = await apiLogin(users[k].username, users[k].password);
});

function envelopeFail(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.json?.success, false, `${what}: envelope`);
  assert.equal(typeof res.json.message, 'string');
  assert.ok(res.json.message.length > 0, `${what}: message`);
  assert.equal(res.json.data, null);
}

test('the route table of this file covers every route of handlers/admin/api.c', () => {
  const src = readFileSync(new URL('../../handlers/admin/api.c', import.meta.url), 'utf8');
  const impl = [...src.matchAll(/R\("([A-Z]+)", "([^"]+)", "[a-z_]+", (0|API_USER|API_ADMIN|API_ROOT),/g)]
    .map(([, m, p, r]) => [m, p, { 0: 0, API_USER: 1, API_ADMIN: 10, API_ROOT: 100 }[r]]);
  assert.ok(impl.length >= 45, `${impl.length} routes found`);
  const norm = (p) => p.replace(/\/$/, '').replace(String(NOID), '#')
    .replace(/no-such-(model|group)-x/, '*');
  const mine = new Set(ROUTES.map(([m, p, r]) => `${m} ${norm(p)} ${r}`));
  for (const [m, p, r] of impl) {
    if (r === 0) continue;	// public: login and status, tested below
    assert.ok(mine.has(`${m} ${p} ${r}`), `${m} ${p} (role ${r}) is in ROUTES`);
  }
  assert.equal(mine.size, impl.filter(([, , r]) => r > 0).length);
});

test('GET /api/status needs no login and names the currency and the base price', async () => {
  const res = await apiRequest('GET', '/api/status');
  assert.equal(res.status, 200);
  assert.equal(res.json.success, true);
  assert.equal(res.json.data.version, '0.1.0');
  assert.equal(res.json.data.quota_per_usd,
    Number(one("SELECT value FROM options WHERE name='quota_per_usd'")[0]));
  assert.equal(res.json.data.base_price,
    Number(one("SELECT value FROM options WHERE name='base_price'")[0]));
  assert.equal(res.json.data.currency, 'USD');
  assert.equal(res.json.data.currency_symbol, '$');
  assert.equal(typeof res.json.data.system_name, 'string');
});

test('every authenticated route answers 401 without credentials', async () => {
  for (const [m, p, , body] of ROUTES) {
    envelopeFail(await apiRequest(m, p, { body }), 401, `${m} ${p}`);
    // An API key is not a console credential, nor is a bad token.
    const k = await apiRequest(m, p, { body,
      headers: { Authorization: 'Bearer sk-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV' } });
    envelopeFail(k, 401, `${m} ${p} with an sk- key`);
    envelopeFail(await apiRequest(m, p, { body, cookie: `nx_session=${'0'.repeat(64)}` }),
      401, `${m} ${p} with an unknown session`);
  }
});

test('every route above the caller\'s role answers 403', async () => {
  let n = 0;
  for (const [m, p, role, body] of ROUTES) {
    for (const k of ['u', 'a']) {
      if (users[k].id && role > (k === 'u' ? 1 : 10)) {
        const res = await sess[k].call(m, p, body);
        envelopeFail(res, 403, `${m} ${p} as ${k}`);
        assert.match(res.json.message, /role/);
        n += 1;
      }
    }
  }
  const want = ROUTES.filter(([, , r]) => r > 1).length + ROUTES.filter(([, , r]) => r > 10).length;
  assert.equal(n, want, 'every admin route as a user, every root route as an admin');
  assert.ok(want >= 30);
});

test('a cookie-authenticated change without the CSRF token is 403; a token needs none', async () => {
  const pat = (await sess.r.call('POST', '/api/user/pat', { name: 'csrf' })).json.data.token;
  for (const [m, p, , body] of changes) {
    const none = await apiRequest(m, p, { body, cookie: sess.r.cookie });
    envelopeFail(none, 403, `${m} ${p} without X-CSRF-Token`);
    assert.equal(none.json.message, 'CSRF token missing or invalid');
    const wrong = await apiRequest(m, p, { body, cookie: sess.r.cookie, csrf: 'f'.repeat(64) });
    envelopeFail(wrong, 403, `${m} ${p} with a wrong token`);
    if (p === '/api/user/logout') continue;
    const viaPat = await apiRequest(m, p, { body, pat });
    assert.ok(![401, 403].includes(viaPat.status), `${m} ${p} by token: ${viaPat.status} ${viaPat.text}`);
  }
  // The session survived all of that (logout without the token did nothing).
  assert.equal((await sess.r.call('GET', '/api/user/self')).status, 200);
});

test('unknown paths are 404 and wrong methods 405 with Allow, in the envelope', async () => {
  envelopeFail(await apiRequest('GET', '/api/nope'), 404, 'unknown path');
  envelopeFail(await apiRequest('GET', '/api/user/abc'), 404, 'non-numeric id');
  const res = await apiRequest('PATCH', '/api/user/self', { body: {} });
  envelopeFail(res, 405, 'PATCH self');
  assert.equal(res.headers.allow, 'GET, PUT');
  // Trailing slash or not: the same route.
  assert.equal((await sess.u.call('GET', '/api/user/self/')).status, 200);
  assert.equal((await sess.a.call('GET', '/api/user')).status, 200);
});

test('login sets an HttpOnly SameSite=Strict session cookie stored only as its hash', async () => {
  const { username, password, id } = apiUser(1);
  const s = await apiLogin(username, password);
  assert.match(s.setCookie, /^nx_session=[0-9a-f]{64}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Strict$/);
  const value = s.cookie.slice('nx_session='.length);
  assert.equal(one(`SELECT COUNT(*) FROM sessions WHERE id='${value}'`)[0], '0', 'raw value not stored');
  const [uid, csrf, exp] = one(`SELECT user_id, csrf, expires_at - created_at FROM sessions WHERE id='${sha256(value)}'`);
  assert.equal(Number(uid), id);
  assert.equal(csrf, s.csrf);
  assert.equal(Number(exp), 604800);
  assert.equal(s.user.username, username);
  assert.ok(s.user.last_login_at > 0);
  assert.equal(s.user.password_hash, undefined);
  const self = await s.call('GET', '/api/user/self');
  assert.equal(self.json.data.id, id);
  assert.equal(self.json.data.csrf_token, s.csrf);
});

test('login: validation 400, wrong password or unknown user 401 (same message), disabled 403', async () => {
  const local = addr();
  const { username, password, id } = apiUser(1);
  const login = (body) => apiRequest('POST', '/api/user/login', { body, local });
  envelopeFail(await login({ username }), 400, 'no password');
  assert.match((await login({ password: 'x' })).json.message, /^username: /);
  envelopeFail(await login('not json'), 400, 'not JSON');
  envelopeFail(await login({ username, password: 123 }), 400, 'password not a string');
  const bad = await login({ username, password: 'wrong-password' });
  envelopeFail(bad, 401, 'wrong password');
  const unknown = await login({ username: 'nobody-here-x', password });
  envelopeFail(unknown, 401, 'unknown user');
  assert.equal(bad.json.message, 'Invalid username or password');
  assert.equal(unknown.json.message, bad.json.message);
  assert.equal(bad.headers['set-cookie'], undefined);
  sql(`UPDATE users SET status=2 WHERE id=${id}`);
  envelopeFail(await login({ username, password }), 403, 'disabled user');
});

test('a login posted from another site (Origin) is refused', async () => {
  const { username, password } = apiUser(1);
  const body = { username, password };
  const host = new URL(env.lighttpd).host;
  envelopeFail(await apiRequest('POST', '/api/user/login', { body, headers: { Origin: 'http://evil.example' } }),
    403, 'cross-site Origin');
  envelopeFail(await apiRequest('POST', '/api/user/login', { body, headers: { Origin: 'null' } }), 403, 'Origin null');
  const ok = await apiRequest('POST', '/api/user/login', { body, headers: { Origin: `http://${host}` } });
  assert.equal(ok.status, 200, ok.text);
});

test('5 failed logins for a name answer 429 with Retry-After, from any address', async () => {
  const { username, password } = apiUser(1);
  const other = apiUser(1);
  const [ip1, ip2, ip3] = [addr(), addr(), addr()];
  const at = (local, body) => apiRequest('POST', '/api/user/login', { body, local });
  for (let i = 0; i < 5; i++) {
    assert.equal((await at(ip1, { username, password: `bad${i}` })).status, 401, `failure ${i + 1}`);
  }
  const res = await at(ip1, { username, password });
  envelopeFail(res, 429, 'right password after 5 failures');
  const ra = Number(res.headers['retry-after']);
  assert.ok(ra > 0 && ra <= 900, `Retry-After ${res.headers['retry-after']}`);
  // Per name: another address is refused too; another name is not.
  envelopeFail(await at(ip2, { username, password }), 429, 'other address');
  assert.equal((await at(ip1, { username: other.username, password: other.password })).status, 200);
  // Case does not dodge the count (names compare case-insensitively).
  envelopeFail(await at(ip3, { username: username.toUpperCase(), password }), 429, 'upper case');
});

test('20 failed logins from an address answer 429 for every name from it', async () => {
  const { username, password } = apiUser(1);
  const [ip1, ip2] = [addr(), addr()];
  const at = (local, body) => apiRequest('POST', '/api/user/login', { body, local });
  for (let i = 0; i < 20; i++) {
    assert.equal((await at(ip1, { username: `ghost${i}x${process.pid}`, password: 'x' })).status, 401);
  }
  const res = await at(ip1, { username, password });
  envelopeFail(res, 429, '21st attempt from the address');
  assert.ok(Number(res.headers['retry-after']) > 0);
  assert.equal((await at(ip2, { username, password })).status, 200, 'another address');
});

test('a successful login clears its name\'s failures', async () => {
  const { username, password } = apiUser(1);
  const local = addr();
  const at = (body) => apiRequest('POST', '/api/user/login', { body, local });
  for (let i = 0; i < 4; i++) assert.equal((await at({ username, password: 'no' })).status, 401);
  assert.equal((await at({ username, password })).status, 200);
  for (let i = 0; i < 4; i++) assert.equal((await at({ username, password: 'no' })).status, 401);
  assert.equal((await at({ username, password })).status, 200, 'not locked: the count restarted');
});

test('logout deletes the session and clears the cookie', async () => {
  const { username, password } = apiUser(1);
  const s = await apiLogin(username, password);
  const hash = sha256(s.cookie.slice('nx_session='.length));
  const res = await s.call('POST', '/api/user/logout');
  assert.equal(res.status, 200);
  assert.equal(res.json.success, true);
  assert.match([].concat(res.headers['set-cookie'])[0], /^nx_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
  assert.equal(one(`SELECT COUNT(*) FROM sessions WHERE id='${hash}'`)[0], '0');
  envelopeFail(await s.call('GET', '/api/user/self'), 401, 'after logout');
});

test('an expired session is refused', async () => {
  const { username, password } = apiUser(1);
  const s = await apiLogin(username, password);
  const hash = sha256(s.cookie.slice('nx_session='.length));
  sql(`UPDATE sessions SET expires_at = UNIX_TIMESTAMP() - 1 WHERE id='${hash}'`);
  envelopeFail(await s.call('GET', '/api/user/self'), 401, 'expired');
});

test('PUT /api/user/self: profile, validation, password change ends the other sessions', async () => {
  const { username, password } = apiUser(1);
  const s1 = await apiLogin(username, password);
  const s2 = await apiLogin(username, password);
  const ok = await s1.call('PUT', '/api/user/self', { display_name: 'Ann Example', email: 'ann@example.org' });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.data.display_name, 'Ann Example');
  assert.equal(ok.json.data.email, 'ann@example.org');
  assert.deepEqual(one(`SELECT display_name, email FROM users WHERE username='${username}'`),
    ['Ann Example', 'ann@example.org']);
  assert.match((await s1.call('PUT', '/api/user/self', { email: 'not-an-address' })).json.message, /^email: /);
  assert.equal((await s1.call('PUT', '/api/user/self', { display_name: 'a\u0001b' })).status, 400);
  assert.match((await s1.call('PUT', '/api/user/self', { password: 'new-password-1' })).json.message, /^old_password: /);
  const wrong = await s1.call('PUT', '/api/user/self', { password: 'new-password-1', old_password: 'nope' });
  assert.equal(wrong.status, 400);
  assert.match(wrong.json.message, /^old_password: incorrect/);
  assert.match((await s1.call('PUT', '/api/user/self', { password: 'short', old_password: password })).json.message, /^password: /);
  const ch = await s1.call('PUT', '/api/user/self', { password: 'new-password-1', old_password: password });
  assert.equal(ch.status, 200, ch.text);
  assert.equal((await s1.call('GET', '/api/user/self')).status, 200, 'this session stays');
  assert.equal((await s2.call('GET', '/api/user/self')).status, 401, 'the other one ends');
  await assert.rejects(apiLogin(username, password), /401/);
  assert.equal((await apiLogin(username, 'new-password-1')).user.username, username);
});

test('personal access tokens: shown once, stored hashed, act as their user, revocable', async () => {
  const { username, password, id } = apiUser(1);
  const s = await apiLogin(username, password);
  envelopeFail(await s.call('POST', '/api/user/pat', {}), 400, 'no name');
  envelopeFail(await s.call('POST', '/api/user/pat', { name: 7 }), 400, 'name not a string');
  const made = await s.call('POST', '/api/user/pat', { name: 'ci script' });
  assert.equal(made.status, 200, made.text);
  const { token, id: patId, prefix } = made.json.data;
  assert.match(token, /^nxp_[0-9A-Za-z]{48}$/);
  assert.equal(prefix, `nxp_${token.slice(4, 8)}...${token.slice(-4)}`);
  const [hash, user] = one(`SELECT token_hash, user_id FROM personal_tokens WHERE id=${patId}`);
  assert.equal(hash, sha256(token));
  assert.equal(Number(user), id);
  assert.equal(one(`SELECT COUNT(*) FROM personal_tokens WHERE token_hash='${token}' OR prefix='${token}'`)[0], '0');
  const list = await s.call('GET', '/api/user/pat');
  assert.equal(list.json.data.total, 1);
  assert.deepEqual(Object.keys(list.json.data.items[0]).sort(), ['created_at', 'id', 'last_used_at', 'name', 'prefix']);
  assert.ok(!list.text.includes(token), 'the token is never shown again');
  const self = await apiRequest('GET', '/api/user/self', { pat: token });
  assert.equal(self.json.data.id, id);
  assert.equal(self.json.data.csrf_token, undefined, 'no CSRF token for token callers');
  assert.ok(Number(one(`SELECT last_used_at FROM personal_tokens WHERE id=${patId}`)[0]) > 0);
  // Works without X-CSRF-Token on a change, and acts with the user's role.
  const key = await apiRequest('POST', '/api/token/', { pat: token, body: { name: 'via pat' } });
  assert.equal(key.status, 200, key.text);
  envelopeFail(await apiRequest('GET', '/api/user/', { pat: token }), 403, 'a user token on an admin route');
  envelopeFail(await apiRequest('GET', '/api/user/self', { pat: token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a') }),
    401, 'a wrong token');
  // Another user cannot see or delete it.
  envelopeFail(await sess.u.call('DELETE', `/api/user/pat/${patId}`), 404, "another user's token");
  assert.equal((await apiRequest('GET', '/api/user/self', { pat: token })).status, 200);
  // Disabled user: 403; revoked: 401.
  sql(`UPDATE users SET status=2 WHERE id=${id}`);
  envelopeFail(await apiRequest('GET', '/api/user/self', { pat: token }), 403, 'disabled user');
  sql(`UPDATE users SET status=1 WHERE id=${id}`);
  assert.equal((await s.call('DELETE', `/api/user/pat/${patId}`)).status, 200);
  envelopeFail(await apiRequest('GET', '/api/user/self', { pat: token }), 401, 'revoked');
  envelopeFail(await s.call('DELETE', `/api/user/pat/${patId}`), 404, 'deleted twice');
});

test('POST /api/user/redeem credits a code once', async () => {
  const { username, password, id } = apiUser(1, { quota: 100 });
  const s = await apiLogin(username, password);
  const made = await sess.a.call('POST', '/api/redemption/', { name: 'gift', quota: 2500 });
  const [code] = made.json.data.codes;
  envelopeFail(await s.call('POST', '/api/user/redeem', {}), 400, 'no key');
  assert.match((await s.call('POST', '/api/user/redeem', { key: 'short' })).json.message, /^key: /);
  const res = await s.call('POST', '/api/user/redeem', { key: code });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.data, { quota_added: 2500, quota: 2600 });
  assert.equal(Number(one(`SELECT quota FROM users WHERE id=${id}`)[0]), 2600);
  const [type, q] = one(`SELECT type, quota FROM logs WHERE user_id=${id} ORDER BY id DESC LIMIT 1`);
  assert.deepEqual([type, q], ['1', '2500']);
  const again = await s.call('POST', '/api/user/redeem', { key: code });
  envelopeFail(again, 400, 'used code');
  assert.match(again.json.message, /^key: /);
});

test('X-Request-Id and the access line name the API route', async () => {
  const res = await sess.u.call('GET', '/api/user/self', undefined, { headers: { 'X-Request-Id': `apitest-${process.pid}` } });
  assert.equal(res.headers['x-request-id'], `apitest-${process.pid}`);
  const line = await eventually(() => readFileSync(`${process.env.NX_VAR}/log/nexhina.log`, 'utf8')
    .split('\n').find((l) => l.includes(`rid=apitest-${process.pid} `) && l.startsWith('access')));
  assert.match(line, /method=GET route=api_self path=\/api\/user\/self status=200 /);
  const fail = await apiRequest('GET', '/api/user/self');
  assert.match(fail.headers['x-request-id'], /^[0-9a-f]{32}$/);
});

test('sessions and tokens work through Apache too', async () => {
  const s = await apiLogin(users.a.username, users.a.password, { base: env.apache });
  assert.equal((await s.call('GET', '/api/user/')).status, 200);
  const pat = (await s.call('POST', '/api/user/pat', { name: 'apache' })).json.data.token;
  const res = await apiRequest('GET', '/api/user/self', { base: env.apache, pat });
  assert.equal(res.json.data.id, users.a.id);
  envelopeFail(await apiRequest('POST', '/api/token/', { base: env.apache, cookie: s.cookie, body: { name: 'x' } }),
    403, 'CSRF through Apache');
});

test('nexhinactl still bootstraps an admin who can log in', async () => {
  const name = `boot${process.pid}`;
  ctl(['user', 'add', name, '--role', '100', '--password-stdin'], 'boot-password-1\n');
  const s = await apiLogin(name, 'boot-password-1');
  assert.equal(s.user.role, 100);
  assert.equal((await s.call('GET', '/api/option/')).status, 200);
});
