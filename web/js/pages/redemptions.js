// Redemption codes (admin): list with search and status filter, create a
// batch (the codes are shown in a dialog to copy), disable/enable, delete,
// export the filtered list as CSV.  /api/redemption/.

import { list, post, put, del, qs, num, when, amount } from '../api.js';
import { h, field, table, badge, toast, formDialog, modal, confirmDialog,
	copyField, alertBox, pagedList } from '../ui.js';
import { moneyHint } from './keys.js';

const STATUS = { 1: ['Unused', 'ok'], 2: ['Disabled', 'off'],
	3: ['Used', 'warn'] };

async function create() {
	const d = await formDialog({
		title: 'Create redemption codes', ok: 'Create',
		fields: [
			{ name: 'name', label: 'Name', required: true,
			    hint: 'A label for the batch.' },
			{ name: 'count', label: 'Number of codes', type: 'number',
			    min: 1, max: 1000, step: 1, value: 1 },
			{ name: 'quota', label: 'Quota per code', type: 'number',
			    min: 1, step: 1, required: true, hint: 'units' },
			{ name: 'expired_time', label: 'Expires', type: 'datetime',
			    hint: 'Empty: never expires.' },
		],
		extra: (f) => moneyHint(f.quota),
		submit: (v) => {
			if (!v.name.trim()) throw new Error('Name is required.');
			if (!(v.quota > 0))
				throw new Error('Quota per code must be positive.');
			return post('redemption/', { name: v.name.trim(),
			    count: v.count ?? 1, quota: v.quota,
			    expired_time: v.expired_time });
		},
	});
	if (!d) return false;
	const codes = d.codes || [];
	await modal(`${codes.length} new code${codes.length === 1 ? '' : 's'}`,
	    (close) => [
		h('p', null, 'Hand these out; each adds its quota once.'),
		copyField('Codes', codes.join('\n'),
		    { rows: Math.min(10, Math.max(2, codes.length)) }),
		h('div', { class: 'actions' }, h('button', { type: 'button',
		    class: 'primary', onclick: () => close() }, 'Done')),
	    ]);
	return true;
}

export async function render(m) {
	const err = alertBox();
	const kw = field({ name: 'keyword', label: 'Search codes',
	    type: 'search' });
	const st = field({ name: 'status', label: 'Status', type: 'select',
	    options: [['', 'Any'], ['1', 'Unused'], ['2', 'Disabled'],
	        ['3', 'Used']] });
	const csv = h('a', { class: 'button', download: 'redemptions.csv',
	    href: '/api/redemption/export' }, 'Export CSV');
	const out = h('div');
	const load = pagedList(out, err, (p) => {
		const f = { keyword: kw.read().trim(), status: st.read() };
		csv.href = `/api/redemption/export${qs(f)}`;
		return list('redemption/', { ...f, p, size: 20 });
	}, (d, reload) => table('Redemption codes', cols(reload), d.items,
	    'No codes.'));
	st.control.addEventListener('change', () => load(1));
	m.append(h('div', { class: 'toolbar' },
	    h('form', { class: 'inline', role: 'search', onsubmit: (ev) => {
		ev.preventDefault();
		load(1);
	    } }, kw, st, h('button', { type: 'submit' }, 'Search')),
	    csv,
	    h('button', { type: 'button', class: 'primary', onclick: async () => {
		if (await create()) load(1);
	    } }, 'Create codes')), err, out);
	await load(1);
}

function cols(reload) {
	const act = async (p, msg) => {
		try {
			await p;
			toast(msg);
			reload();
		} catch (e) {
			toast(e.message, 'bad');
		}
	};
	return [
		{ label: 'ID', class: 'n', get: (r) => String(r.id) },
		{ label: 'Name', get: (r) => r.name },
		{ label: 'Code', get: (r) => h('code', null, r.key) },
		{ label: 'Status', get: (r) => {
			const [t, k] = STATUS[r.status] || [`Status ${r.status}`, 'off'];
			return badge(t, k);
		} },
		{ label: 'Quota', class: 'n', get: (r) => amount(r.quota) },
		{ label: 'Created', get: (r) => when(r.created_time) },
		{ label: 'Expires', get: (r) => when(r.expired_time) || 'never' },
		{ label: 'Redeemed', get: (r) => (r.redeemed_time
		    ? `${when(r.redeemed_time)} by user ${num(r.used_user_id)}` : '') },
		{ label: 'Actions', get: (r) => h('div', { class: 'rowact' },
		    r.status === 3 ? null : h('button', { type: 'button',
		        'aria-label': `${r.status === 1 ? 'Disable' : 'Enable'} code ${r.id}`,
		        onclick: () => act(put(`redemption/${r.id}`,
		            { status: r.status === 1 ? 2 : 1 }),
		            `Code ${r.id} ${r.status === 1 ? 'disabled' : 'enabled'}.`) },
		        r.status === 1 ? 'Disable' : 'Enable'),
		    h('button', { type: 'button', class: 'danger',
		        'aria-label': `Delete code ${r.id}`, onclick: async () => {
			if (await confirmDialog('Delete code',
			    `Delete redemption code ${r.id} (${r.name})?`, 'Delete'))
				act(del(`redemption/${r.id}`), `Code ${r.id} deleted.`);
		    } }, 'Delete')) },
	];
}
