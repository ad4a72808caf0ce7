// Channels (admin): upstream accounts with status badges (auto-disabled
// ones stand out), add and edit (the key is write-only: empty keeps it),
// test (shows the latency), enable/disable, delete.  /api/channel/.

import { list, get, post, put, del, money, num, when } from '../api.js';
import { h, clear, field, table, badge, toast, formDialog, confirmDialog,
	alertBox, pagedList } from '../ui.js';
import { splitList } from './keys.js';

const TYPES = ['openai', 'azure', 'anthropic', 'gemini', 'cohere',
	'openai-compatible'];
const STATUS = { 1: ['Enabled', 'ok'], 2: ['Disabled', 'off'],
	3: ['Auto-disabled', 'bad'] };

function json(label, v) {
	const t = String(v || '').trim();
	if (t === '') return {};
	try {
		const o = JSON.parse(t);
		if (o && typeof o === 'object' && !Array.isArray(o)) return o;
	} catch {
		/* below */
	}
	throw new Error(`${label} must be a JSON object.`);
}

const pretty = (v) => {
	if (v === undefined || v === null || v === '') return '';
	if (typeof v === 'string') {
		try {
			v = JSON.parse(v);
		} catch {
			return v;
		}
	}
	return Object.keys(v).length ? JSON.stringify(v, null, 1) : '';
};

function dialog(c) {
	const isNew = !c;
	c = c || { type: 'openai', group: 'default', priority: 0, weight: 1 };
	return formDialog({
		title: isNew ? 'Add channel' : `Edit channel ${c.name}`,
		ok: isNew ? 'Add' : 'Save',
		fields: [
			{ name: 'type', label: 'Type', type: 'select', value: c.type,
			    options: TYPES.map((t) => [t, t]) },
			{ name: 'name', label: 'Name', value: c.name, required: true },
			{ name: 'base_url', label: 'Base URL', value: c.base_url,
			    placeholder: 'https://api.openai.com' },
			{ name: 'key', label: 'API key', type: 'password',
			    autocomplete: 'new-password',
			    hint: isNew ? 'The upstream\'s key.'
			        : 'Write-only. Empty: keep the stored key.' },
			{ name: 'models', label: 'Models', type: 'textarea', rows: 2,
			    value: Array.isArray(c.models) ? c.models.join(', ')
			        : c.models, hint: 'Comma-separated model names.' },
			{ name: 'model_mapping', label: 'Model mapping',
			    type: 'textarea', rows: 2, value: pretty(c.model_mapping),
			    placeholder: '{"gpt-4o": "gpt-4o-2024-08-06"}',
			    hint: 'JSON object: requested model to upstream model.' },
			{ name: 'group', label: 'Groups', value: c.group,
			    hint: 'Comma-separated groups that may use it.' },
			{ name: 'priority', label: 'Priority', type: 'number', step: 1,
			    value: c.priority, hint: 'Higher is tried first.' },
			{ name: 'weight', label: 'Weight', type: 'number', min: 0,
			    step: 1, value: c.weight,
			    hint: 'Share among channels of equal priority.' },
			{ name: 'test_model', label: 'Test model',
			    value: c.test_model },
			{ name: 'other', label: 'Provider settings', type: 'textarea',
			    rows: 2, value: pretty(c.other),
			    placeholder: '{"api_version": "2024-10-21"}',
			    hint: 'JSON object (e.g. Azure api_version).' },
		],
		submit: (v) => {
			const b = { ...v, name: v.name.trim(),
			    base_url: v.base_url.trim(),
			    models: splitList(v.models).join(','),
			    group: splitList(v.group).join(','),
			    priority: v.priority ?? 0, weight: v.weight ?? 1,
			    model_mapping: json('Model mapping', v.model_mapping),
			    other: json('Provider settings', v.other) };
			if (!b.name) throw new Error('Name is required.');
			if (b.key === '') {
				if (isNew) throw new Error('API key is required.');
				delete b.key;
			}
			return isNew ? post('channel/', b) : put(`channel/${c.id}`, b);
		},
	});
}

export async function render(m) {
	const err = alertBox();
	const kw = field({ name: 'keyword', label: 'Search channels',
	    type: 'search' });
	const st = field({ name: 'status', label: 'Status', type: 'select',
	    options: [['', 'Any'], ['1', 'Enabled'], ['2', 'Disabled'],
	        ['3', 'Auto-disabled']] });
	const out = h('div');
	const load = pagedList(out, err, (p) => list('channel/', { p, size: 50,
	    keyword: kw.read().trim(), status: st.read() }),
	(d, reload) => table('Channels', cols(reload), d.items, 'No channels.'));
	st.control.addEventListener('change', () => load(1));
	m.append(h('div', { class: 'toolbar' },
	    h('form', { class: 'inline', role: 'search', onsubmit: (ev) => {
		ev.preventDefault();
		load(1);
	    } }, kw, st, h('button', { type: 'submit' }, 'Search')),
	    h('button', { type: 'button', class: 'primary', onclick: async () => {
		if (await dialog(null)) {
			toast('Channel added.');
			load(1);
		}
	    } }, 'Add channel')), err, out);
	await load(1);
}

async function test(c, cell, reload) {
	clear(cell, 'Testing…');
	try {
		const r = await post(`channel/${c.id}/test`);
		const msg = r.ok ? `OK, ${num(r.response_time_ms)} ms`
		    : `Failed${r.status ? ` (${r.status})` : ''}: ${r.message || ''}`;
		toast(`Channel ${c.name}: ${msg}`, r.ok ? 'ok' : 'bad');
		await reload();
	} catch (e) {
		clear(cell, '');
		toast(`Channel ${c.name}: ${e.message}`, 'bad');
	}
}

function cols(reload) {
	const act = async (fn, msg) => {
		try {
			if ((await fn()) === undefined) return;
			toast(msg);
			reload();
		} catch (e) {
			toast(e.message, 'bad');
		}
	};
	return [
		{ label: 'ID', class: 'n', get: (c) => String(c.id) },
		{ label: 'Name', get: (c) => c.name },
		{ label: 'Type', get: (c) => c.type },
		{ label: 'Models', class: 'models', get: (c) => (Array.isArray(c.models)
		    ? c.models.join(', ') : c.models) },
		{ label: 'Groups', get: (c) => c.group },
		{ label: 'Priority', class: 'n', get: (c) => String(c.priority) },
		{ label: 'Weight', class: 'n', get: (c) => String(c.weight) },
		{ label: 'Status', get: (c) => {
			const [t, k] = STATUS[c.status] || [`Status ${c.status}`, 'off'];
			return badge(t, k);
		} },
		{ label: 'Latency', class: 'n', get: (c) => h('span',
		    { class: 'lat', title: c.test_time ? `tested ${when(c.test_time)}`
		        : 'never tested' },
		    c.test_time ? `${num(c.response_time)} ms` : '—') },
		{ label: 'Used', class: 'n', get: (c) => h('span',
		    { title: `${num(c.used_quota)} units` }, money(c.used_quota)) },
		{ label: 'Actions', get: (c) => {
			const lat = h('span', { class: 'testout', 'aria-live': 'polite' });
			return h('div', { class: 'rowact' },
			    h('button', { type: 'button', 'aria-label': `Test ${c.name}`,
			        onclick: () => test(c, lat, reload) }, 'Test'), lat,
			    h('button', { type: 'button', 'aria-label': `Edit ${c.name}`,
			        onclick: async () => act(async () =>
			            dialog(await get(`channel/${c.id}`)),
			            `Channel ${c.name} saved.`) }, 'Edit'),
			    h('button', { type: 'button',
			        'aria-label': `${c.status === 1 ? 'Disable' : 'Enable'} ${c.name}`,
			        onclick: () => act(() => put(`channel/${c.id}`,
			            { status: c.status === 1 ? 2 : 1 }).then(() => true),
			            `Channel ${c.name} ${c.status === 1 ? 'disabled'
			                : 'enabled'}.`) },
			        c.status === 1 ? 'Disable' : 'Enable'),
			    h('button', { type: 'button', class: 'danger',
			        'aria-label': `Delete ${c.name}`,
			        onclick: async () => {
				if (await confirmDialog('Delete channel',
				    `Delete the channel "${c.name}"?`, 'Delete'))
					act(() => del(`channel/${c.id}`).then(() => true),
					    `Channel ${c.name} deleted.`);
			    } }, 'Delete'));
		} },
	];
}
