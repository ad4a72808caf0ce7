// Logs: filter (time range, key, model, type, request id; admins also
// user and channel), totals of the filter, one page of rows, and a link to
// the same filter as CSV (/api/log/export).  The filter can come in the
// hash too: #/logs?request_id=...

import { get, qs, isAdmin, money, num, when, amount } from '../api.js';
import { h, clear, field, table, pager, alertBox } from '../ui.js';

export const LOG_TYPES = [['', 'Any'], ['1', 'Top-up'], ['2', 'Consume'],
	['3', 'Manage'], ['4', 'System'], ['5', 'Error'], ['6', 'Refund']];
const typeName = (t) => (LOG_TYPES.find(([v]) => v === String(t)) ||
    [0, String(t)])[1];

export async function render(m, params) {
	const admin = isAdmin();
	const p0 = (k) => params.get(k) || '';
	const specs = [
		{ name: 'start', label: 'From', type: 'datetime',
		    value: Number(p0('start')) || 0 },
		{ name: 'end', label: 'To', type: 'datetime',
		    value: Number(p0('end')) || 0 },
		{ name: 'token_name', label: 'Key name', value: p0('token_name') },
		{ name: 'model', label: 'Model', value: p0('model') },
		{ name: 'type', label: 'Type', type: 'select', value: p0('type'),
		    options: LOG_TYPES },
		{ name: 'request_id', label: 'Request ID', value: p0('request_id') },
	];
	if (admin) {
		specs.push({ name: 'username', label: 'User',
		    value: p0('username') });
		specs.push({ name: 'channel_id', label: 'Channel ID',
		    type: 'number', min: 1, value: p0('channel_id') });
	}
	const fs = specs.map(field);
	const err = alertBox();
	const totals = h('div', { class: 'totals', 'aria-live': 'polite' });
	const out = h('div');
	const csv = h('a', { href: '/api/log/export', download: 'logs.csv',
	    class: 'button' }, 'Export CSV');
	const filter = () => {
		const f = {};
		fs.forEach((w, i) => {
			const v = w.read();
			if (v === null || v === '' || v === -1) return;
			f[specs[i].name] = typeof v === 'string' ? v.trim() : v;
		});
		return f;
	};
	let seq = 0;	// only the latest load may draw
	const run = async (p) => {
		const my = ++seq;
		const f = filter();
		csv.href = `/api/log/export${qs(f)}`;
		err.show('');
		try {
			const d = await get('log/', { ...f, p, size: 50 });
			if (my !== seq) return;
			const t = d.totals || {};
			clear(totals,
			    stat('Rows', num(t.requests ?? d.total)),
			    stat('Prompt tokens', num(t.prompt_tokens)),
			    stat('Completion tokens', num(t.completion_tokens)),
			    stat('Cost', amount(t.quota)));
			clear(out, table('Logs', cols(admin), d.items || [],
			    'No log rows match.'),
			    pager(d.page ?? p, d.size ?? 50, d.total ?? 0, run));
		} catch (e) {
			if (my === seq) err.show(e.message);
		}
	};
	m.append(h('form', { class: 'filters', role: 'search',
	    'aria-label': 'Log filters', onsubmit: (ev) => {
		ev.preventDefault();
		run(1);
	    } }, fs, h('div', { class: 'actions' },
	        h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
	        h('button', { type: 'button', onclick: () => {
			for (const w of fs) w.control.value = '';
			run(1);
	        } }, 'Reset'), csv)), err,
	    h('section', { 'aria-label': 'Totals' }, totals), out);
	await run(1);
}

function stat(label, value) {
	return h('div', { class: 'stat' }, h('span', { class: 'label' }, label),
	    h('span', { class: 'value' }, value));
}

function cols(admin) {
	const c = [{ label: 'Time', get: (r) => when(r.created_at) }];
	if (admin) c.push({ label: 'User', get: (r) => r.username || '' });
	c.push(
	    { label: 'Key', get: (r) => r.token_name || '' },
	    { label: 'Model', get: (r) => r.model_name || '' },
	    { label: 'Type', get: (r) => typeName(r.type) },
	    { label: 'Prompt', class: 'n', get: (r) => num(r.prompt_tokens) },
	    { label: 'Completion', class: 'n',
	        get: (r) => num(r.completion_tokens) },
	    { label: 'Cost', class: 'n', get: (r) => h('span',
	        { title: `${num(r.quota)} units` }, money(r.quota),
	        h('small', null, ` ${num(r.quota)} u`)) },
	    { label: 'Time taken', class: 'n', get: (r) => (!r.use_time_ms ? ''
	        : r.use_time_ms < 1000 ? `${r.use_time_ms} ms`
	        : `${(r.use_time_ms / 1000).toFixed(2)} s`) },
	    { label: 'Status', get: (r) => [String(r.status || ''),
	        r.is_stream ? ' stream' : ''] },
	    { label: 'Request ID', get: (r) => h('code', null, r.request_id || '') });
	if (admin) c.push({ label: 'Channel', class: 'n',
	    get: (r) => (r.channel_id ? String(r.channel_id) : '') });
	return c;
}
