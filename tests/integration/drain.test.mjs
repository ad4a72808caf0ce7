// SIGTERM drains: a second Nexhina master behind its own lighttpd (both
// from the same deploy/ files) is told to stop while a stream is running;
// the stream finishes, the master exits, and its socket is gone.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { env, tenant, post, readEvents, eventually, sleep } from './lib.mjs';

const root = process.env.NX_ROOT || process.cwd();
const dir = `${process.env.NX_VAR}/drain`;
const sock = `${dir}/run/fcgi.sock`;
const port = Number(process.env.NX_DRAIN_PORT || 18082);
const base = `http://127.0.0.1:${port}`;

test('SIGTERM lets a stream in flight finish, then the master exits', async (t) => {
  for (const d of ['etc', 'run', 'log', 'tmp', 'web']) mkdirSync(`${dir}/${d}`, { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(`${dir}/run`, 0o755);
  const conf = readFileSync(env.conf, 'utf8')
    .replace(/^listen\s*=.*$/m, `listen = unix:${sock}`)
    .replace(/^workers\s*=.*$/m, 'workers = 1');
  writeFileSync(`${dir}/nexhina.conf`, conf);
  const master = spawn(`${env.build}/nexhina`, ['serve', '-c', `${dir}/nexhina.conf`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  master.stderr.on('data', (b) => { stderr += b; });
  const exited = new Promise((r) => master.on('exit', (code, sig) => r({ code, sig })));
  t.after(() => {
    try { master.kill('SIGKILL'); } catch { /* gone */ }
    execFileSync(`${root}/tools/stack/web.sh`, ['lighttpd', 'stop', dir], { stdio: 'ignore' });
  });
  assert.ok(await eventually(() => existsSync(sock), 5000), 'socket created');
  execFileSync(`${root}/tools/stack/web.sh`, ['lighttpd', 'start', dir, String(port), sock,
    `${dir}/web`], { stdio: 'ignore' });

  const k = tenant();
  const res = await post(base, '/v1/chat/completions', k.key,
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'drain me' }], stream: true,
      metadata: { mock_chunks: '12', mock_interval_ms: '150' } });
  assert.equal(res.status, 200);
  let termAt = 0;
  const { events } = await readEvents(res, {
    onEvent: (ev, all) => {
      if (all.length === 2 && !termAt) { termAt = Date.now(); master.kill('SIGTERM'); }
      return true;
    },
  });
  assert.ok(termAt > 0);
  assert.equal(events.at(-1).data, '[DONE]', 'the stream in flight completed');
  const { code } = await exited;
  assert.equal(code, 0, `master exit status (stderr: ${stderr.slice(-500)})`);
  assert.ok(!existsSync(sock), 'socket removed');
  assert.match(stderr, /draining/);
  await sleep(10);
});
