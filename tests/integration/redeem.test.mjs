// Redemption codes: created by the CLI, credited exactly once even when
// redeemed concurrently, with one top-up log row; used, unknown and
// expired codes are refused and change nothing.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { env, tenant, ctl, one, sql } from './lib.mjs';

const run = promisify(execFile);
const use = (code, user) => run(`${env.build}/nexhinactl`,
  ['-c', env.conf, 'redeem', 'use', code, '--user', user])
  .then(() => 'ok', (e) => (e.code === 1 ? 'refused' : `exit ${e.code}`));

test('a code redeemed by 20 concurrent callers is credited exactly once', async () => {
  const a = tenant();
  const b = tenant();
  const [code] = ctl(['redeem', 'create', '--quota', '12345', '--name', 'promo']).split('\n');
  assert.match(code, /^[0-9A-Za-z]{32}$/);
  const qa = Number(one(`SELECT quota FROM users WHERE id=${a.userId}`)[0]);
  const qb = Number(one(`SELECT quota FROM users WHERE id=${b.userId}`)[0]);
  const outs = await Promise.all(Array.from({ length: 20 }, (_, i) => use(code, i % 2 ? a.user : b.user)));
  assert.equal(outs.filter((o) => o === 'ok').length, 1, outs.join(','));
  assert.equal(outs.filter((o) => o === 'refused').length, 19);
  const da = Number(one(`SELECT quota FROM users WHERE id=${a.userId}`)[0]) - qa;
  const db = Number(one(`SELECT quota FROM users WHERE id=${b.userId}`)[0]) - qb;
  assert.equal(da + db, 12345, 'credited once, to one user');
  const winner = da ? a : b;
  const [status, usedBy, redeemed] = one(`SELECT status, used_user_id, redeemed_time FROM redemptions WHERE \`key\`='${code}'`);
  assert.equal(status, '3');
  assert.equal(Number(usedBy), winner.userId);
  assert.ok(Number(redeemed) > 0);
  const rows = sql(`SELECT type, quota, user_id FROM logs WHERE type=1 AND user_id IN (${a.userId},${b.userId}) AND other LIKE '%redemption_id%'`);
  assert.deepEqual(rows, [['1', '12345', String(winner.userId)]], 'one top-up log row');
  assert.equal(await use(code, winner.user), 'refused', 'a used code is refused');
});

test('unknown, malformed and expired codes are refused; create validates its arguments', async () => {
  const a = tenant();
  const q0 = one(`SELECT quota FROM users WHERE id=${a.userId}`)[0];
  assert.equal(await use('A'.repeat(32), a.user), 'refused');
  assert.equal(await use('short', a.user), 'refused');
  const past = String(Math.floor(Date.now() / 1000) - 10);
  const [old] = ctl(['redeem', 'create', '--quota', '500', '--expires', past]).split('\n');
  assert.equal(await use(old, a.user), 'refused', 'expired');
  assert.equal(one(`SELECT quota FROM users WHERE id=${a.userId}`)[0], q0, 'nothing credited');
  const codes = ctl(['redeem', 'create', '--quota', '7', '--count', '3']).split('\n');
  assert.equal(new Set(codes).size, 3);
  assert.throws(() => ctl(['redeem', 'create', '--quota', '0']));
  assert.throws(() => ctl(['redeem', 'create', '--quota', '5', '--count', '0']));
  assert.throws(() => ctl(['redeem', 'create']));
  assert.match(ctl(['redeem', 'list']), new RegExp(`${codes[0]}\\s+enabled\\s+7`));
});
