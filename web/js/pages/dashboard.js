// Dashboard: the balance, and usage over a chosen range from GET
// /api/usage/ as charts (cost per day by model, cost per model) and a
// table of the same numbers.  Admins see everyone's usage.

import { get, session, money, num, units, amount, isAdmin } from '../api.js';
import { h, clear, field, table } from '../ui.js';
import { columns, bars } from '../chart.js';

const DAY = 86400;

// Every local day from start to end as "YYYY-MM-DD" (the API groups by
// local day given tz_offset).
function dayList(start, end) {
	const out = [];
	const p = (n) => String(n).padStart(2, '0');
	const d = new Date(start * 1000);
	d.setHours(0, 0, 0, 0);
	while (d.getTime() <= end * 1000) {
		out.push(`${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`);
		d.setDate(d.getDate() + 1);
	}
	return out;
}

function card(label, value, sub) {
	return h('section', { class: 'card', 'aria-label': label },
	    h('h2', null, label), h('p', { class: 'big' }, value),
	    sub ? h('p', { class: 'sub' }, sub) : null);
}

export async function render(m) {
	const range = field({ name: 'range', label: 'Period', type: 'select',
	    value: '30', options: [['7', 'Last 7 days'], ['30', 'Last 30 days'],
	        ['90', 'Last 90 days']] });
	// Admins see everyone's usage unless they pick their own.
	const scope = isAdmin() ? field({ name: 'scope', label: 'Usage of',
	    type: 'select', value: 'all', options: [['all', 'All users'],
	        ['me', 'Only me']] }) : null;
	const body = h('div', { class: 'dash' });
	m.append(h('div', { class: 'toolbar' }, range, scope), body);
	let seq = 0;	// only the latest load may draw
	const load = async () => {
		const my = ++seq;
		// end is exclusive: +1 counts a request of this very second.
		const end = Math.floor(Date.now() / 1000) + 1;
		const start = end - Number(range.read()) * DAY;
		const all = scope !== null && scope.read() === 'all';
		clear(body, h('p', { class: 'muted' }, 'Loading…'));
		const d = await get('usage/', { start, end,
		    tz_offset: -new Date().getTimezoneOffset() * 60,
		    user_id: scope !== null && !all ? session.user.id : undefined });
		if (my === seq) show(body, d, start, end, all);
	};
	const reload = () => load().catch((e) => clear(body,
	    h('p', { class: 'error', role: 'alert' }, e.message)));
	range.control.addEventListener('change', reload);
	scope?.control.addEventListener('change', reload);
	await load();
}

function show(body, d, start, end, all) {
	const rows = d.days || [];
	const bal = d.balance || { quota: session.user?.quota ?? 0,
	    used_quota: session.user?.used_quota ?? 0 };
	const t = d.totals || {};
	const sum = (k) => rows.reduce((a, r) => a + (Number(r[k]) || 0), 0);
	const tq = t.quota ?? sum('quota');
	const treq = t.requests ?? sum('requests');
	const ttok = (t.prompt_tokens ?? sum('prompt_tokens')) +
	    (t.completion_tokens ?? sum('completion_tokens'));

	const days = dayList(start, end);
	const models = [...new Set(rows.map((r) => r.model))];
	const byModel = models.map((mo) => {
		const rs = rows.filter((r) => r.model === mo);
		return { model: mo,
		    requests: rs.reduce((a, r) => a + Number(r.requests || 0), 0),
		    prompt: rs.reduce((a, r) => a + Number(r.prompt_tokens || 0), 0),
		    completion: rs.reduce((a, r) =>
		        a + Number(r.completion_tokens || 0), 0),
		    quota: rs.reduce((a, r) => a + Number(r.quota || 0), 0) };
	}).sort((a, b) => b.quota - a.quota || b.requests - a.requests);
	const series = byModel.map((x) => ({ name: x.model || '(none)',
	    values: days.map((dd) => rows.filter((r) => r.day === dd &&
	        r.model === x.model).reduce((a, r) => a + Number(r.quota || 0),
	        0)) }));

	clear(body,
	    h('div', { class: 'cards' },
	        card(all ? 'Balance of all users' : 'Balance', money(bal.quota),
	            units(bal.quota)),
	        card('Used in total', money(bal.used_quota),
	            units(bal.used_quota)),
	        card('Cost in period', money(tq), units(tq)),
	        card('Requests in period', num(treq), `${num(ttok)} tokens`)),
	    h('section', { 'aria-labelledby': 'c1' },
	        h('h2', { id: 'c1' }, 'Cost per day'),
	        rows.length === 0 ? h('p', { class: 'muted' },
	            'No usage in this period.')
	            : columns({ label: 'Cost per day by model', labels: days,
	                series, fmt: money })),
	    h('section', { 'aria-labelledby': 'c2' },
	        h('h2', { id: 'c2' }, 'Usage per model'),
	        byModel.length === 0 ? null : bars({ label: 'Cost per model',
	            items: byModel.map((x) => ({ label: x.model || '(none)',
	                value: x.quota,
	                note: `${money(x.quota)} · ${num(x.requests)} req` })),
	            fmt: money }),
	        table('Usage per model', [
	            { label: 'Model', get: (r) => r.model || '(none)' },
	            { label: 'Requests', get: (r) => num(r.requests), class: 'n' },
	            { label: 'Prompt tokens', get: (r) => num(r.prompt),
	                class: 'n' },
	            { label: 'Completion tokens', get: (r) => num(r.completion),
	                class: 'n' },
	            { label: 'Cost', get: (r) => amount(r.quota), class: 'n' },
	        ], byModel, 'No usage in this period.')));
}
