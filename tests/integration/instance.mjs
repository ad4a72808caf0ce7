// Extra Nexhina instances for tests that need another configuration or
// another "host": a master with its own socket and config (a copy of the
// suite's, with changes) behind its own lighttpd, both from the same
// deploy/ files, sharing the suite's MariaDB and mock.  stop() ends both.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { env, eventually } from './lib.mjs';

const root = process.env.NX_ROOT || process.cwd();

export async function startInstance(name, port, changes = {}) {
  const dir = `${process.env.NX_VAR}/${name}`;
  for (const d of ['etc', 'run', 'log', 'tmp', 'web']) mkdirSync(`${dir}/${d}`, { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(`${dir}/run`, 0o755);
  const sock = `${dir}/run/fcgi.sock`;
  let conf = readFileSync(env.conf, 'utf8').replace(/^listen\s*=.*$/m, `listen = unix:${sock}`);
  for (const [k, v] of Object.entries(changes)) {
    const re = new RegExp(`^${k}\\s*=.*$`, 'm');
    conf = re.test(conf) ? conf.replace(re, `${k} = ${v}`) : `${conf}\n${k} = ${v}\n`;
  }
  writeFileSync(`${dir}/nexhina.conf`, conf);
  const master = spawn(`${env.build}/nexhina`, ['serve', '-c', `${dir}/nexhina.conf`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  const inst = { dir, sock, master, base: `http://127.0.0.1:${port}`, stderr: '' };
  master.stderr.on('data', (b) => { inst.stderr += b; });
  inst.exited = new Promise((r) => master.on('exit', (code, sig) => r({ code, sig })));
  inst.stop = () => {
    try { master.kill('SIGKILL'); } catch { /* gone */ }
    execFileSync(`${root}/tools/stack/web.sh`, ['lighttpd', 'stop', dir], { stdio: 'ignore' });
  };
  if (!(await eventually(() => existsSync(sock), 5000))) {
    inst.stop();
    throw new Error(`instance ${name} did not start: ${inst.stderr}`);
  }
  execFileSync(`${root}/tools/stack/web.sh`, ['lighttpd', 'start', dir, String(port), sock,
    `${dir}/web`], { stdio: 'ignore' });
  return inst;
}
