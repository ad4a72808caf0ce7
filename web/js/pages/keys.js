// API keys: the user's keys (admins: their own too), create one (the full
// key is shown once, in a dialog with a Copy button), disable or enable,
// delete.  /api/token/.

import { list, post, put, del, money, num, when, amount, isAdmin } from '../api.js';
import { h, field, table, badge, toast, formDialog, modal, confirmDialog,
	copyField, alertBox, pagedList } from '../ui.js';

const STATUS = { 1: ['Enabled', 'ok'], 2: ['Disabled', 'off'],
	3: ['Expired', 'warn'], 4: ['Exhausted', 'bad'] };

export function statusBadge(map, st) {
	const [t, k] = map[st] || [`Status ${st}`, 'off'];
	return badge(t, k);
}

// "a, b\nc" -> ["a", "b", "c"]
export function splitList(v) {
	if (Array.isArray(v)) return v;
	return String(v || '').split(/[\s,]+/).map((x) => x.trim())
	    .filter(Boolean);
}

const joinList = (v) => (Array.isArray(v) ? v.join(', ') : String(v || ''));

// The body of POST/PUT /api/token/ from the dialog's values.
function tokenBody(v) {
	const b = {
		name: v.name.trim(),
		expired_time: v.expired_time,
		unlimited_quota: v.unlimited_quota,
		remain_quota: v.unlimited_quota ? 0 : (v.remain_quota ?? 0),
		model_limits: splitList(v.model_limits),
		allow_ips: splitList(v.allow_ips).join(','),
		group: v.group.trim(),
	};
	if (v.rpm_limit !== null) b.rpm_limit = v.rpm_limit;
	if (v.tpm_limit !== null) b.tpm_limit = v.tpm_limit;
	if (!b.name) throw new Error('Name is required.');
	if (!v.unlimited_quota && !(b.remain_quota > 0))
		throw new Error('Quota must be a positive number of units, or ' +
		    'tick Unlimited quota.');
	return b;
}

// Shows a quota input's value in money under it, as it is typed; note
// comes first.
export function moneyHint(w, note = '') {
	const upd = () => {
		const v = w.read();
		w.hint.textContent = `${note}${v === null || Number.isNaN(v)
		    ? 'In quota units.' : `${num(v)} units = ${money(v)}`}`;
	};
	w.control.addEventListener('input', upd);
	upd();
}

function showKey(key) {
	return modal('Your new API key', (close) => [
		h('p', null, 'Copy the key now. It is shown only this once; ' +
		    'later you see only its beginning.'),
		copyField('API key', key),
		h('div', { class: 'actions' }, h('button', { type: 'button',
		    class: 'primary', onclick: () => close() }, 'Done')),
	]);
}

export async function createKey() {
	const t = await formDialog({
		title: 'Create API key',
		ok: 'Create',
		fields: [
			{ name: 'name', label: 'Name', required: true },
			{ name: 'expired_time', label: 'Expires', type: 'datetime',
			    hint: 'Empty: never expires.' },
			{ name: 'unlimited_quota', label: 'Unlimited quota',
			    type: 'checkbox', value: true },
			{ name: 'remain_quota', label: 'Quota limit', type: 'number',
			    min: 0, step: 1, hint: 'units' },
			{ name: 'model_limits', label: 'Allowed models',
			    placeholder: 'gpt-4o-mini, gpt-4o',
			    hint: 'Comma-separated. Empty: every model.' },
			{ name: 'allow_ips', label: 'Allowed IP addresses',
			    type: 'textarea', rows: 2,
			    placeholder: '203.0.113.7, 10.0.0.0/8',
			    hint: 'Addresses or CIDR ranges, comma or line ' +
			        'separated. Empty: any address.' },
			{ name: 'group', label: 'Group',
			    hint: 'Empty: your own group.' },
			{ name: 'rpm_limit', label: 'Requests per minute',
			    type: 'number', min: 0, step: 1,
			    hint: 'Empty: the group\'s limit. 0: no limit.' },
			{ name: 'tpm_limit', label: 'Tokens per minute',
			    type: 'number', min: 0, step: 1,
			    hint: 'Empty: the group\'s limit. 0: no limit.' },
		],
		extra: (f) => {
			moneyHint(f.remain_quota);
			const sync = () => {
				f.remain_quota.control.disabled =
				    f.unlimited_quota.control.checked;
			};
			f.unlimited_quota.control.addEventListener('change', sync);
			sync();
		},
		submit: (v) => post('token/', tokenBody(v)),
	});
	if (t && t.key) await showKey(t.key);
	return t;
}

export async function render(m) {
	const err = alertBox();
	const kw = field({ name: 'keyword', label: 'Search keys',
	    type: 'search' });
	// Admins: their own keys, or everyone's (user_id=0).
	const all = isAdmin() ? field({ name: 'all', type: 'checkbox',
	    label: 'Keys of all users' }) : null;
	const out = h('div');
	let every = false;
	const load = pagedList(out, err, (p) => {
		every = all !== null && all.read();
		return list('token/', { p, size: 20, keyword: kw.read().trim(),
		    user_id: every ? 0 : undefined });
	}, (d, reload) => table('API keys', cols(reload, every), d.items,
	    'No API keys yet.'));
	all?.control.addEventListener('change', () => load(1));
	m.append(h('div', { class: 'toolbar' },
	    h('form', { class: 'inline', role: 'search', onsubmit: (ev) => {
		ev.preventDefault();
		load(1);
	    } }, kw, h('button', { type: 'submit' }, 'Search')), all,
	    h('button', { type: 'button', class: 'primary', onclick: async () => {
		if (await createKey()) load(1);
	    } }, 'Create API key')), err, out);
	await load(1);
}

function cols(reload, every) {
	const act = async (fn, okMsg) => {
		try {
			await fn();
			toast(okMsg);
			reload();
		} catch (e) {
			toast(e.message, 'bad');
		}
	};
	return [
		every ? { label: 'User', get: (t) => t.username || String(t.user_id) }
		    : null,
		{ label: 'Name', get: (t) => t.name },
		{ label: 'Key', get: (t) => h('code', null, t.key || t.key_prefix || '') },
		{ label: 'Status', get: (t) => statusBadge(STATUS, t.status) },
		{ label: 'Remaining', class: 'n', get: (t) => (t.unlimited_quota
		    ? 'Unlimited' : amount(t.remain_quota)) },
		{ label: 'Used', class: 'n', get: (t) => h('span',
		    { title: `${num(t.used_quota)} units` }, money(t.used_quota)) },
		{ label: 'Models', get: (t) => joinList(t.model_limits) || 'all' },
		{ label: 'Group', get: (t) => t.group || '' },
		{ label: 'Expires', get: (t) => when(t.expired_time) || 'never' },
		{ label: 'Last used', get: (t) => when(t.accessed_time) || 'never' },
		{ label: 'Actions', get: (t) => h('div', { class: 'rowact' },
		    h('button', { type: 'button',
		        'aria-label': `${t.status === 2 ? 'Enable' : 'Disable'} key ${t.name}`,
		        onclick: () => act(() => put(`token/${t.id}`,
		            { status: t.status === 2 ? 1 : 2 }),
		            `Key ${t.name} ${t.status === 2 ? 'enabled' : 'disabled'}.`) },
		        t.status === 2 ? 'Enable' : 'Disable'),
		    h('button', { type: 'button', class: 'danger',
		        'aria-label': `Delete key ${t.name}`,
		        onclick: async () => {
			if (await confirmDialog('Delete API key',
			    `Delete the key "${t.name}"? Clients using it stop ` +
			    'working at once.', 'Delete'))
				act(() => del(`token/${t.id}`), `Key ${t.name} deleted.`);
		    } }, 'Delete')) },
	].filter(Boolean);
}
