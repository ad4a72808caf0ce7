// Shared helpers of the integration tests.  The suite's stack (see
// tests/lib/stack.sh) exports NX_* variables: the config, the build dir,
// the MariaDB socket and the URLs of lighttpd, Apache and the mock.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

export const env = {
  conf: process.env.NX_CONF,
  build: process.env.NX_BUILD || 'build',
  sock: process.env.NX_DB_SOCKET,
  lighttpd: process.env.NX_LIGHTTPD_URL,
  apache: process.env.NX_APACHE_URL,
  mock: process.env.NX_MOCK_URL,
};

// Both web servers, each started from deploy/: every HTTP test runs twice.
export const servers = [
  ['lighttpd', env.lighttpd],
  ['apache', env.apache],
].filter(([, url]) => url);

export function ctl(args, input) {
  return execFileSync(`${env.build}/nexhinactl`, ['-c', env.conf, ...args], {
    input: input ?? '',
    encoding: 'utf8',
  }).trim();
}

// Runs SQL as the app's DB user; returns rows as arrays of strings.
export function sql(query) {
  const out = execFileSync('mariadb', ['-S', env.sock, '-u', 'nexhina',
    '-pnexhina', 'nexhina', '-N', '-B', '-e', query], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

export function one(query) {
  const rows = sql(query);
  return rows.length ? rows[0] : null;
}

let seq = 0;
export function uniq(prefix) {
  seq += 1;
  return `${prefix}${process.pid}x${seq}`;
}

// A user with quota in its own group, a key, and a channel of that group
// pointing at the mock for the given models.  Isolated per test file.
// `type` is the channel's type (openai unless given, e.g. 'cohere').
export function tenant({ quota = 10000000, models = 'gpt-4o-mini,gpt-4o',
  keyArgs = [], mapping = null, type = 'openai', other = null } = {}) {
  const group = uniq('g');
  const user = uniq('u');
  ctl(['group', 'set', group, '--ratio', '1']);
  const userId = ctl(['user', 'add', user, '--quota', String(quota),
    '--group', group, '--password-stdin'], 'pw-' + user + '\n');
  const key = ctl(['key', 'create', '--user', user, '--name', 'k',
    ...(keyArgs.length ? keyArgs : ['--unlimited'])]);
  const args = ['channel', 'add', '--type', type, '--name', uniq('c'),
    '--base-url', env.mock, '--key-stdin', '--models', models,
    '--group', group];
  if (mapping) args.push('--model-mapping', JSON.stringify(mapping));
  if (other) args.push('--other', JSON.stringify(other));
  const channelId = ctl(args, 'sk-mock-upstream');
  const tokenId = one(`SELECT id FROM tokens WHERE user_id=${Number(userId)}`)[0];
  return { group, user, userId: Number(userId), key, channelId: Number(channelId),
    tokenId: Number(tokenId) };
}

export function userQuota(userId) {
  return Number(one(`SELECT quota FROM users WHERE id=${userId}`)[0]);
}

export function logsFor(tokenId) {
  const cols = ['id', 'type', 'model_name', 'prompt_tokens',
    'completion_tokens', 'quota', 'is_stream', 'request_id', 'status',
    'stream_status', 'error_code', 'channel_id', 'other'];
  return sql(`SELECT ${cols.join(',')} FROM logs WHERE token_id=${tokenId} ORDER BY id`)
    .map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]])));
}

export async function mockRequests() {
  const r = await fetch(`${env.mock}/_mock/requests`);
  return r.json();
}

export async function mockClear() {
  await fetch(`${env.mock}/_mock/requests`, { method: 'DELETE' });
}

// The mock's prompt_tokens formula (tools/mock-upstream/README.md):
// whitespace-separated words of every message's text plus 3 per message.
export function mockPromptTokens(messages) {
  let n = 0;
  for (const m of messages) {
    const parts = typeof m.content === 'string' ? [m.content]
      : (m.content || []).filter((p) => typeof p.text === 'string').map((p) => p.text);
    for (const p of parts) n += p.split(/\s+/).filter(Boolean).length;
    n += 3;
  }
  return n;
}

// gpt-4o-mini is 1x/1x at base_price 75000 and group ratio 1.
export function quotaOf(prompt, completion, inMult = 1, outMult = 1) {
  return Math.ceil(((prompt * inMult + completion * outMult) * 75000) / 1e6);
}

export function post(base, path, key, body, headers = {}) {
  return fetch(base + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json',
      ...(key ? { Authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// Reads an SSE response; returns [{data, t}] with each event's arrival time.
export async function readEvents(res, { onEvent } = {}) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const events = [];
  const comments = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const t = Date.now();
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6)).join('\n');
      if (block.startsWith(':')) { comments.push({ text: block, t }); continue; }
      const ev = { data, t };
      events.push(ev);
      if (onEvent && (await onEvent(ev, events, reader)) === false) {
        await reader.cancel();
        return { events, comments, rest: buf };
      }
    }
  }
  return { events, comments, rest: buf };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn until it returns truthy or ms pass; returns the last value.
export async function eventually(fn, ms = 5000) {
  const t0 = Date.now();
  let v;
  while (Date.now() - t0 < ms) {
    v = await fn();
    if (v) return v;
    await sleep(100);
  }
  return v;
}

// The mock's finished records of requests to pathPrefix whose body holds
// marker (and `also`, when given), once there are at least n; null when
// they do not come. A record gets its status after the mock's answer went
// out, which can be after the gateway's answer reached the test: wait for
// the very requests a check is about, never take "the latest" of others.
export async function sentWith(marker, pathPrefix, { also = null, n = 1 } = {}) {
  const all = await eventually(async () => {
    const rs = (await mockRequests()).filter((m) => m.body.includes(marker)
      && (also === null || m.body.includes(also))
      && m.path.startsWith(pathPrefix) && m.status !== null);
    return rs.length >= n ? rs : null;
  });
  assert.ok(all, `the mock saw ${n} request(s) to ${pathPrefix} holding ${marker}`);
  return all;
}

// A valid RGBA PNG of w x h pixels (zlib.crc32 checksums, as the mock
// verifies), for image uploads.  noise: random pixels stored uncompressed,
// so the file is about 4*w*h bytes and holds CR, LF and '-' bytes.
export async function makePng(w, h, { noise = false } = {}) {
  const zlib = await import('node:zlib');
  const { randomFillSync } = await import('node:crypto');
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc(h * (1 + 4 * w), 0x7f);
  if (noise) randomFillSync(raw);
  for (let y = 0; y < h; y++) raw[y * (1 + 4 * w)] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: noise ? 0 : 9 })),
    chunk('IEND', Buffer.alloc(0))]);
}

// ---- management API (/api/, docs/admin-api.md) ----

// One request to the management API through node:http, so that a test
// can choose the client's source address (`local`: any 127.x.y.z reaches
// the loopback listeners, and the login limiter counts per address) and
// read Set-Cookie.  Returns { status, headers, text, json } (json null
// when the body is not JSON, e.g. CSV).
export async function apiRequest(method, path, { base = env.lighttpd, cookie,
  csrf, pat, body, headers = {}, local } = {}) {
  const http = await import('node:http');
  const u = new URL(base + path);
  const h = { ...headers };
  let data;
  if (body !== undefined) {
    data = typeof body === 'string' ? body : JSON.stringify(body);
    h['Content-Type'] = 'application/json';
    h['Content-Length'] = Buffer.byteLength(data);
  }
  if (cookie) h.Cookie = cookie;
  if (csrf) h['X-CSRF-Token'] = csrf;
  if (pat) h.Authorization = `Bearer ${pat}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port,
      path: u.pathname + u.search, method, headers: h, localAddress: local,
      agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

// Logs in with POST /api/user/login.  The session's call(method, path,
// body, opts) sends its cookie, and its CSRF token on every method but
// GET.  Throws unless the login answered 200.
export async function apiLogin(username, password, opts = {}) {
  const res = await apiRequest('POST', '/api/user/login',
    { ...opts, body: { username, password } });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  const setCookie = [].concat(res.headers['set-cookie'] || [])
    .find((c) => c.startsWith('nx_session='));
  const cookie = setCookie.split(';')[0];
  const csrf = res.json.data.csrf_token;
  return { cookie, csrf, setCookie, user: res.json.data.user,
    call: (method, path, body, o = {}) => apiRequest(method, path,
      { ...opts, cookie, csrf: method === 'GET' ? undefined : csrf, body, ...o }) };
}

// A user made by nexhinactl with a known password: role 1, 10 or 100.
export function apiUser(role = 1, { quota = 0, group } = {}) {
  const username = uniq(role === 100 ? 'root' : role === 10 ? 'adm' : 'usr');
  const password = `pw-${username}-secret`;
  const args = ['user', 'add', username, '--role', String(role), '--quota',
    String(quota), '--password-stdin'];
  if (group) args.push('--group', group);
  const id = Number(ctl(args, `${password}\n`));
  return { username, password, id };
}

// Parses RFC 4180 CSV (quoted fields, "" escapes, CRLF or LF) into rows.
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { f += '"'; i++; }
      else if (ch === '"') q = false;
      else f += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(f); f = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { /* end at the \n */ }
    else if (ch === '\n') { row.push(f); rows.push(row); row = []; f = ''; }
    else f += ch;
  }
  if (f !== '' || row.length) { row.push(f); rows.push(row); }
  return rows;
}
