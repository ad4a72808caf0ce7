// The console (web/) in a real browser: playwright-core drives Debian's
// Chromium against the suite's lighttpd (NX_LIGHTTPD_URL), which serves
// web/ at / and hands /api/ and /v1/ to Nexhina.  Users, groups and
// channels for the scenarios come from nexhinactl (tests/integration/
// lib.mjs); what a scenario does in the console is then checked in the
// database and through the API with curl.  Each page is saved as a
// screenshot under tests/browser/out/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { env, ctl, sql, one, uniq, tenant, userQuota, eventually } from
	'../integration/lib.mjs';

const BASE = process.env.NX_LIGHTTPD_URL;
const OUT = new URL('./out/', import.meta.url).pathname;
const num = (n) => new Intl.NumberFormat('en-US').format(n);
const units = (q) => `${num(q)} unit${q === 1 ? '' : 's'}`;

let browser;
let rootUser;
const rootPw = `pw-root-${process.pid}`;
const errors = [];

before(async () => {
	assert.ok(BASE, 'NX_LIGHTTPD_URL is set (source the stack env.sh)');
	mkdirSync(OUT, { recursive: true });
	browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
	    headless: true, args: ['--no-sandbox'] });
	rootUser = uniq('root');
	ctl(['user', 'add', rootUser, '--role', '100', '--quota', '1000000',
	    '--password-stdin'], `${rootPw}\n`);
});

after(async () => {
	await browser?.close();
});

// Pages of the running test: screenshots of them when it fails.
let live = [];

// test() that saves out/FAIL-<n>-<i>.png of its pages when it fails.
let nfail = 0;
function uiTest(name, fn) {
	test(name, async () => {
		live = [];
		try {
			await fn();
		} catch (e) {
			nfail += 1;
			for (const [i, p] of live.entries())
				await p.screenshot({ path: `${OUT}FAIL-${nfail}-${i}.png`,
				    fullPage: true }).catch(() => {});
			throw e;
		} finally {
			for (const p of live) await p.context().close().catch(() => {});
		}
	});
}

async function newPage() {
	const ctx = await browser.newContext({ viewport: { width: 1280,
	    height: 900 } });
	const page = await ctx.newPage();
	live.push(page);
	return page;
}

// A fresh browser context (own cookies) logged in as username.
async function session(username, password) {
	const page = await newPage();
	page.on('pageerror', (e) => errors.push(`${username}: ${e.message}`));
	await page.goto(`${BASE}/`);
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByRole('heading', { name: 'Dashboard', level: 1 })
	    .waitFor();
	return page;
}

const shot = (page, name) => page.screenshot({ path: `${OUT}${name}.png`,
    fullPage: true });

async function open(page, route, heading) {
	await page.goto(`${BASE}/#/${route}`);
	await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}

// A chat completion with curl, as a client would send it; returns the
// status, the X-Request-Id and the parsed body.
function curlChat(key, model, text) {
	const out = execFileSync('curl', ['-sS', '-D', '-', '--max-time', '30',
	    '-H', `Authorization: Bearer ${key}`,
	    '-H', 'Content-Type: application/json',
	    '-d', JSON.stringify({ model, messages: [{ role: 'user',
	        content: text }] }),
	    `${BASE}/v1/chat/completions`], { encoding: 'utf8' });
	const i = out.indexOf('\r\n\r\n');
	const head = out.slice(0, i);
	return { status: Number(head.split(' ')[1]),
	    requestId: (head.match(/^x-request-id:\s*(\S+)/im) || [])[1],
	    body: JSON.parse(out.slice(i + 4)) };
}

uiTest('login: the API\'s message on a wrong password, dashboard after', async () => {
	const t = tenant();
	const page = await newPage();
	await page.goto(`${BASE}/`);
	await page.getByRole('heading', { name: /Sign in/ }).waitFor();
	await shot(page, 'login');
	await page.getByLabel('Username').fill(t.user);
	await page.getByLabel('Password').fill('not-the-password');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await assert.doesNotReject(page.getByRole('alert')
	    .filter({ hasText: 'Invalid username or password' }).waitFor());
	await page.getByLabel('Password').fill(`pw-${t.user}`);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
	// The header shows the balance in money and in units.
	const bal = await page.getByLabel('Account balance').innerText();
	assert.match(bal, /\$20\.00 \(10,000,000 units\)/);
	// A plain user has no administration pages.
	const nav = await page.getByRole('navigation', { name: 'Main' }).innerText();
	assert.doesNotMatch(nav, /Users|Channels|Settings/);
	await page.goto(`${BASE}/#/users`);
	await page.getByText('This page is for administrators.').waitFor();
	// Logging out ends the session: the API refuses the cookie after.
	await page.goto(`${BASE}/#/dashboard`);
	await page.getByRole('button', { name: 'Log out' }).click();
	await page.getByRole('button', { name: 'Sign in' }).waitFor();
	const r = await page.evaluate(async () =>
	    (await fetch('/api/user/self')).status);
	assert.equal(r, 401);
});

uiTest('a key made in the console works with curl; its request shows in the logs with its cost', async () => {
	const t = tenant();
	const page = await session(t.user, `pw-${t.user}`);
	await open(page, 'keys', 'API keys');
	const name = uniq('bk');
	await page.getByRole('button', { name: 'Create API key' }).click();
	const dlg = page.getByRole('dialog', { name: 'Create API key' });
	await dlg.getByLabel('Name').fill(name);
	await dlg.getByLabel('Allowed models').fill('gpt-4o-mini');
	await dlg.getByRole('button', { name: 'Create' }).click();
	const shown = page.getByRole('dialog', { name: 'Your new API key' });
	const key = await shown.getByLabel('API key').inputValue();
	assert.match(key, /^sk-[A-Za-z0-9_-]{20,}$/);
	await shot(page, 'key-created');
	await shown.getByRole('button', { name: 'Done' }).click();
	// Shown once: the list has the key's row but never the full key.
	const tbl = page.getByRole('table', { name: 'API keys' });
	await tbl.getByRole('cell', { name, exact: true }).waitFor();
	assert.ok(!(await tbl.innerText()).includes(key));
	await shot(page, 'keys');

	const words = 'hello from the browser test';
	const r = curlChat(key, 'gpt-4o-mini', words);
	assert.equal(r.status, 200, JSON.stringify(r.body));
	assert.ok(r.requestId);
	// The model allow-list set in the dialog holds.
	assert.equal(curlChat(key, 'gpt-4o', words).status, 403);

	const row = await eventually(() => one('SELECT quota, prompt_tokens, ' +
	    `completion_tokens FROM logs WHERE request_id='${r.requestId}' ` +
	    'AND type=2'));
	assert.ok(row, 'consume log row written');
	const [quota, prompt, completion] = row.map(Number);
	assert.ok(quota > 0);

	await open(page, 'logs', 'Logs');
	await page.getByLabel('Request ID').fill(r.requestId);
	await page.getByRole('button', { name: 'Apply filters' }).click();
	const logs = page.getByRole('table', { name: 'Logs' });
	await logs.getByRole('cell', { name: r.requestId }).waitFor();
	const cells = await logs.locator('tbody tr').first().locator('td')
	    .allInnerTexts();
	assert.equal((await logs.locator('tbody tr').count()), 1);
	assert.ok(cells.includes(name), `key name in ${cells}`);
	assert.ok(cells.includes('gpt-4o-mini'));
	assert.ok(cells.includes(num(prompt)) && cells.includes(num(completion)));
	const cost = cells.find((c) => c.includes(' u'));
	assert.ok(cost && cost.includes(`${num(quota)} u`), `cost ${cost}`);
	assert.match(cost, /^\$0\.\d+/);
	const totals = await page.getByRole('region', { name: 'Totals' })
	    .innerText();
	assert.match(totals, new RegExp(units(quota)));
	// The CSV link carries the filter.
	const href = await page.getByRole('link', { name: 'Export CSV' })
	    .getAttribute('href');
	assert.ok(href.includes(`request_id=${r.requestId}`), href);
	const csv = await page.evaluate(async (u) => (await fetch(u)).text(),
	    href);
	assert.ok(csv.includes(r.requestId));
	// The header's balance follows the charge (refreshed on navigation).
	await page.getByLabel('Account balance')
	    .filter({ hasText: units(userQuota(t.userId)) }).waitFor();
	await shot(page, 'logs');

	// The dashboard counts it.
	await open(page, 'dashboard', 'Dashboard');
	const usage = page.getByRole('table', { name: 'Usage per model' });
	await usage.getByRole('cell', { name: 'gpt-4o-mini' }).waitFor();
	assert.match(await usage.innerText(), new RegExp(units(quota)));
	await page.getByRole('img', { name: 'Cost per day by model' }).waitFor();
	await shot(page, 'dashboard');

	// Disable in the console: the key stops working; delete removes it.
	await open(page, 'keys', 'API keys');
	await page.getByRole('button', { name: `Disable key ${name}` }).click();
	await page.getByRole('button', { name: `Enable key ${name}` }).waitFor();
	assert.ok(await eventually(() =>
	    curlChat(key, 'gpt-4o-mini', words).status === 401, 15000),
	    'a disabled key is refused');
	await page.getByRole('button', { name: `Delete key ${name}` }).click();
	await page.getByRole('dialog', { name: 'Delete API key' })
	    .getByRole('button', { name: 'Delete' }).click();
	await tbl.getByRole('cell', { name, exact: true }).waitFor({ state: 'detached' });
});

uiTest('admin adds a channel and a price in the console; a request uses both', async () => {
	const t = tenant();
	const page = await session(rootUser, rootPw);
	const model = uniq('browser-model-');
	const cname = uniq('bc');

	await open(page, 'channels', 'Channels');
	await page.getByRole('button', { name: 'Add channel' }).click();
	const dlg = page.getByRole('dialog', { name: 'Add channel' });
	await dlg.getByLabel('Type').selectOption('openai');
	await dlg.getByLabel('Name').fill(cname);
	await dlg.getByLabel('Base URL').fill(env.mock);
	await dlg.getByLabel('Models').fill(model);
	await dlg.getByLabel('Groups').fill(t.group);
	await dlg.getByLabel('Priority').fill('5');
	// A bad mapping is refused with a message, the dialog stays.
	await dlg.getByLabel('Model mapping').fill('{not json');
	await dlg.getByLabel('API key').fill('sk-mock-upstream');
	await dlg.getByRole('button', { name: 'Add' }).click();
	await dlg.getByRole('alert').filter({ hasText: 'Model mapping' }).waitFor();
	await dlg.getByLabel('Model mapping').fill(`{"${model}": "gpt-4o-mini"}`);
	await dlg.getByRole('button', { name: 'Add' }).click();
	await dlg.waitFor({ state: 'detached' });
	// The suite's other tests add channels too: look for this one.
	const find = async () => {
		await page.getByLabel('Search channels').fill(cname);
		await page.getByRole('button', { name: 'Search', exact: true }).click();
	};
	await find();
	const tbl = page.getByRole('table', { name: 'Channels' });
	await tbl.getByRole('cell', { name: cname, exact: true }).waitFor();
	const ch = one(`SELECT id, status, priority, \`group\`, models FROM channels WHERE name='${cname}'`);
	assert.ok(ch, 'channel row');
	assert.deepEqual(ch.slice(1), ['1', '5', t.group, model]);

	// Test shows the latency and stores it.
	await page.getByRole('button', { name: `Test ${cname}` }).click();
	const st = await page.getByRole('status').filter({ hasText: cname })
	    .innerText();
	assert.match(st, /OK, [\d,]+ ms/);
	const tt = one(`SELECT test_time, response_time FROM channels WHERE id=${ch[0]}`);
	assert.ok(Number(tt[0]) > 0);
	const rowOf = () => tbl.getByRole('row').filter({ hasText: cname });
	await rowOf().getByText(`${num(Number(tt[1]))} ms`).waitFor();

	// Price: 2x input, 3x output of the base.
	await open(page, 'pricing', 'Pricing and groups');
	await page.getByRole('button', { name: 'Add model price' }).click();
	const pd = page.getByRole('dialog', { name: 'Add model price' });
	await pd.getByLabel('Model').fill(model);
	await pd.getByLabel('Basis').selectOption('tokens');
	await pd.getByLabel('Input multiplier', { exact: true }).fill('2');
	await pd.getByLabel('Output multiplier').fill('3');
	await pd.getByLabel('Cached input multiplier').fill('1');
	await pd.getByRole('button', { name: 'Save' }).click();
	await page.getByRole('table', { name: 'Model prices' })
	    .getByRole('cell', { name: model, exact: true }).waitFor();
	assert.deepEqual(one('SELECT basis, input_u, output_u, cache_u FROM ' +
	    `model_prices WHERE model='${model}'`),
	['tokens', '2000000', '3000000', '1000000']);
	await shot(page, 'pricing');

	// The new channel and price serve a request (workers reload config
	// within reload_interval).
	const r = await eventually(() => {
		const x = curlChat(t.key, model, 'one two three');
		return x.status === 200 ? x : null;
	}, 15000);
	assert.ok(r, 'request for the new model succeeded');
	const log = await eventually(() => one('SELECT quota, prompt_tokens, ' +
	    'completion_tokens, channel_id FROM logs WHERE ' +
	    `request_id='${r.requestId}' AND type=2`));
	const [q, p, c, cid] = log.map(Number);
	assert.equal(cid, Number(ch[0]));
	assert.equal(q, Math.ceil(((p * 2 + c * 3) * 75000) / 1e6));

	// Disable, auto-disabled badge, and Test re-enabling.
	await open(page, 'channels', 'Channels');
	await find();
	await page.getByRole('button', { name: `Disable ${cname}` }).click();
	await rowOf().getByText('Disabled', { exact: true }).waitFor();
	assert.equal(one(`SELECT status FROM channels WHERE id=${ch[0]}`)[0], '2');
	sql(`UPDATE channels SET status=3 WHERE id=${ch[0]}`);
	await page.reload();
	await find();
	await rowOf().getByText('Auto-disabled', { exact: true }).waitFor();
	await shot(page, 'channels');
	await page.getByRole('button', { name: `Test ${cname}` }).click();
	await rowOf().getByText('Enabled', { exact: true }).waitFor();
	assert.equal(one(`SELECT status FROM channels WHERE id=${ch[0]}`)[0], '1');
});

uiTest('admin creates a redemption code; the user redeems it and sees the balance change', async () => {
	const t = tenant({ quota: 300000 });
	const admin = await session(rootUser, rootPw);
	await open(admin, 'redemptions', 'Redemption codes');
	const name = uniq('promo');
	await admin.getByRole('button', { name: 'Create codes' }).click();
	const dlg = admin.getByRole('dialog', { name: 'Create redemption codes' });
	await dlg.getByLabel('Name').fill(name);
	await dlg.getByLabel('Number of codes').fill('2');
	await dlg.getByLabel('Quota per code').fill('123456');
	await dlg.getByRole('button', { name: 'Create' }).click();
	const shown = admin.getByRole('dialog', { name: '2 new codes' });
	const codes = (await shown.getByLabel('Codes').inputValue()).split('\n');
	assert.equal(codes.length, 2);
	assert.equal(new Set(codes).size, 2);
	await shown.getByRole('button', { name: 'Done' }).click();
	assert.equal(one(`SELECT COUNT(*) FROM redemptions WHERE name='${name}' ` +
	    'AND quota=123456 AND status=1')[0], '2');
	await admin.getByLabel('Search codes').fill(name);
	await admin.getByRole('button', { name: 'Search' }).click();
	const rtbl = admin.getByRole('table', { name: 'Redemption codes' });
	await rtbl.getByRole('cell', { name: codes[0] }).waitFor();
	await shot(admin, 'redemptions');
	const href = await admin.getByRole('link', { name: 'Export CSV' })
	    .getAttribute('href');
	const csv = await admin.evaluate(async (u) => (await fetch(u)).text(), href);
	assert.ok(codes.every((c) => csv.includes(c)), 'export has the codes');

	const user = await session(t.user, `pw-${t.user}`);
	await open(user, 'redeem', 'Redeem');
	assert.match(await user.getByLabel('Account balance').innerText(),
	    /\$0\.60 \(300,000 units\)/);
	await user.getByLabel('Redemption code').fill(codes[0]);
	await user.getByRole('button', { name: 'Redeem' }).click();
	await user.getByText('New balance').waitFor();
	const msg = await user.getByRole('status').filter({ hasText: 'Added' })
	    .innerText();
	assert.match(msg, /Added \$0\.2469 \(123,456 units\)\. New balance: \$0\.8469 \(423,456 units\)/);
	assert.equal(userQuota(t.userId), 423456);
	await user.getByLabel('Account balance').filter({ hasText: '423,456 units' })
	    .waitFor();
	await shot(user, 'redeem');
	// A used code is refused with the API's message.
	await user.getByLabel('Redemption code').fill(codes[0]);
	await user.getByRole('button', { name: 'Redeem' }).click();
	const err = await user.getByRole('alert').innerText();
	assert.ok(err.length > 0);
	assert.equal(userQuota(t.userId), 423456);

	// The admin list shows it used.
	await admin.reload();
	await admin.getByLabel('Search codes').fill(name);
	await admin.getByRole('button', { name: 'Search' }).click();
	await rtbl.getByRole('row').filter({ hasText: codes[0] })
	    .getByText('Used', { exact: true }).waitFor();
});

uiTest('admin tops up a user and changes the group in the console', async () => {
	const t = tenant({ quota: 1000 });
	const g2 = uniq('g');
	ctl(['group', 'set', g2, '--ratio', '1']);
	const page = await session(rootUser, rootPw);
	await open(page, 'users', 'Users');
	await page.getByLabel('Search users').fill(t.user);
	await page.getByRole('button', { name: 'Search' }).click();
	await page.getByRole('row').filter({ hasText: t.user }).waitFor();
	await page.getByRole('button', { name: `Top up ${t.user}` }).click();
	const dlg = page.getByRole('dialog', { name: `Top up ${t.user}` });
	await dlg.getByLabel('Amount').fill('500000');
	assert.match(await dlg.getByText('500,000 units = $1.00').innerText(), /\$1\.00/);
	await dlg.getByRole('button', { name: 'Apply' }).click();
	await page.getByRole('row').filter({ hasText: t.user })
	    .getByText('501,000 units').waitFor();
	assert.equal(userQuota(t.userId), 501000);
	await page.getByRole('button', { name: `Edit ${t.user}` }).click();
	const ed = page.getByRole('dialog', { name: `Edit ${t.user}` });
	await ed.getByLabel('Group').fill(g2);
	await ed.getByRole('button', { name: 'Save' }).click();
	await page.getByRole('row').filter({ hasText: t.user })
	    .getByRole('cell', { name: g2, exact: true }).waitFor();
	assert.equal(one(`SELECT \`group\` FROM users WHERE id=${t.userId}`)[0], g2);
	await page.getByRole('button', { name: `Disable ${t.user}` }).click();
	await page.getByRole('button', { name: `Enable ${t.user}` }).waitFor();
	assert.equal(one(`SELECT status FROM users WHERE id=${t.userId}`)[0], '2');
	await shot(page, 'users');
	// Admins list their own keys, or everyone's on request.
	await open(page, 'keys', 'API keys');
	const keys = page.getByRole('table', { name: 'API keys' });
	await keys.getByText('No API keys yet.').waitFor();
	await page.getByLabel('Keys of all users').check();
	await keys.getByRole('cell', { name: t.user, exact: true }).waitFor();
	assert.match(await keys.getByRole('row').filter({ hasText: t.user })
	    .innerText(), /Unlimited/);
});

uiTest('every page renders without script errors; settings show the options', async () => {
	const page = await session(rootUser, rootPw);
	const pages = [['dashboard', 'Dashboard'], ['keys', 'API keys'],
	    ['logs', 'Logs'], ['redeem', 'Redeem'], ['users', 'Users'],
	    ['channels', 'Channels'], ['pricing', 'Pricing and groups'],
	    ['redemptions', 'Redemption codes'], ['settings', 'Settings']];
	for (const [route, heading] of pages) {
		await open(page, route, heading);
		await page.waitForLoadState('networkidle');
		assert.equal(await page.getByRole('alert').filter({ hasText: /./ })
		    .count(), 0, `no error on ${route}`);
		await shot(page, `page-${route}`);
	}
	const qpu = one("SELECT value FROM options WHERE name='quota_per_usd'")[0];
	assert.equal(await page.getByLabel('quota_per_usd', { exact: true })
	    .inputValue(), qpu);
	// A bad value is refused with the API's message; nothing changes.
	await page.getByLabel('quota_per_usd', { exact: true }).fill('lots');
	await page.getByRole('button', { name: 'Save quota_per_usd' }).click();
	await page.getByRole('status').filter({ hasText: 'quota_per_usd:' })
	    .waitFor();
	assert.equal(one("SELECT value FROM options WHERE name='quota_per_usd'")[0],
	    qpu);
	// A good one is stored, and amounts follow it (the root user has
	// 1,000,000 units: $1.00 at 1,000,000 per dollar).
	try {
		await page.getByLabel('quota_per_usd', { exact: true }).fill('1000000');
		await page.getByRole('button', { name: 'Save quota_per_usd' }).click();
		await page.getByRole('status')
		    .filter({ hasText: 'quota_per_usd saved.' }).waitFor();
		assert.equal(one("SELECT value FROM options WHERE " +
		    "name='quota_per_usd'")[0], '1000000');
		await page.getByLabel('Account balance')
		    .filter({ hasText: '$1.00 (1,000,000 units)' }).waitFor();
	} finally {
		sql(`UPDATE options SET value='${qpu}' WHERE name='quota_per_usd'`);
	}
	assert.deepEqual(errors, []);
});
