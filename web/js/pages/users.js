// Users (admin): search, add, edit (name, email, role, group, password),
// top up or deduct quota, disable or enable.  /api/user/.

import { list, post, put, isRoot, roleName, num, when, amount,
	refreshSelf, session } from '../api.js';
import { h, field, table, badge, toast, formDialog, alertBox,
	pagedList } from '../ui.js';
import { moneyHint } from './keys.js';

// The roles the caller may give: those below their own (the API's rule).
function ROLES(current) {
	const v = isRoot() ? [['1', 'user'], ['10', 'admin']] : [['1', 'user']];
	if (current && !v.some(([r]) => r === String(current)))
		v.push([String(current), roleName(current)]);
	return v;
}

export async function render(m) {
	const err = alertBox();
	const kw = field({ name: 'keyword', label: 'Search users',
	    type: 'search' });
	const out = h('div');
	const load = pagedList(out, err, (p) => list('user/', { p, size: 20,
	    keyword: kw.read().trim() }),
	(d, reload) => table('Users', cols(reload), d.items, 'No users match.'));
	m.append(h('div', { class: 'toolbar' },
	    h('form', { class: 'inline', role: 'search', onsubmit: (ev) => {
		ev.preventDefault();
		load(1);
	    } }, kw, h('button', { type: 'submit' }, 'Search')),
	    h('button', { type: 'button', class: 'primary', onclick: async () => {
		if (await addUser()) load(1);
	    } }, 'Add user')), err, out);
	await load(1);
}

function addUser() {
	return formDialog({
		title: 'Add user', ok: 'Add',
		fields: [
			{ name: 'username', label: 'Username', required: true },
			{ name: 'password', label: 'Password', type: 'password',
			    autocomplete: 'new-password', required: true },
			{ name: 'display_name', label: 'Display name' },
			{ name: 'email', label: 'Email', type: 'email' },
			{ name: 'role', label: 'Role', type: 'select', value: '1',
			    options: ROLES() },
			{ name: 'group', label: 'Group', value: 'default' },
			{ name: 'quota', label: 'Initial quota', type: 'number',
			    min: 0, step: 1, value: 0, hint: 'units' },
		],
		extra: (f) => moneyHint(f.quota),
		submit: (v) => post('user/', { ...v, username: v.username.trim(),
		    role: Number(v.role), quota: v.quota ?? 0 }),
	});
}

function topUp(u) {
	return formDialog({
		title: `Top up ${u.username}`, ok: 'Apply',
		fields: [{ name: 'delta', label: 'Amount', type: 'number', step: 1,
		    required: true, hint: 'units' }],
		extra: (f) => moneyHint(f.delta, `Balance now ${amount(u.quota)}. ` +
		    'A negative amount deducts. '),
		submit: (v) => {
			if (!v.delta) throw new Error('Enter a non-zero amount.');
			return post(`user/${u.id}/quota`, { delta: v.delta });
		},
	});
}

function edit(u) {
	return formDialog({
		title: `Edit ${u.username}`,
		fields: [
			{ name: 'display_name', label: 'Display name',
			    value: u.display_name },
			{ name: 'email', label: 'Email', type: 'email', value: u.email },
			{ name: 'role', label: 'Role', type: 'select',
			    value: String(u.role), options: ROLES(u.role) },
			{ name: 'group', label: 'Group', value: u.group },
			{ name: 'password', label: 'New password', type: 'password',
			    autocomplete: 'new-password',
			    hint: 'Empty: unchanged.' },
		],
		submit: (v) => put(`user/${u.id}`, body(u, v)).then(() => true),
	});
}

// The PUT body: only what the dialog changed (the API keeps the rest).
function body(u, v) {
	const b = {};
	for (const k of ['display_name', 'email', 'group'])
		if (v[k] !== u[k]) b[k] = v[k].trim();
	if (Number(v.role) !== u.role) b.role = Number(v.role);
	if (v.password) b.password = v.password;
	return b;
}

function cols(reload) {
	const after = async (p, msg) => {
		try {
			if ((await p) === undefined) return;
			toast(msg);
			reload();
			refreshSelf().catch(() => {});
		} catch (e) {
			toast(e.message, 'bad');
		}
	};
	return [
		{ label: 'ID', class: 'n', get: (u) => String(u.id) },
		{ label: 'Username', get: (u) => u.username },
		{ label: 'Name', get: (u) => u.display_name || '' },
		{ label: 'Role', get: (u) => roleName(u.role) },
		{ label: 'Group', get: (u) => u.group },
		{ label: 'Status', get: (u) => (u.status === 1
		    ? badge('Enabled', 'ok') : badge('Disabled', 'off')) },
		{ label: 'Balance', class: 'n', get: (u) => amount(u.quota) },
		{ label: 'Used', class: 'n', get: (u) => amount(u.used_quota) },
		{ label: 'Requests', class: 'n', get: (u) => num(u.request_count) },
		{ label: 'Last login', get: (u) => when(u.last_login_at) || 'never' },
		{ label: 'Actions', get: (u) => h('div', { class: 'rowact' },
		    h('button', { type: 'button',
		        'aria-label': `Top up ${u.username}`,
		        onclick: () => after(topUp(u), `Quota of ${u.username} changed.`) },
		        'Top up'),
		    h('button', { type: 'button', 'aria-label': `Edit ${u.username}`,
		        onclick: () => after(edit(u), `${u.username} saved.`) },
		        'Edit'),
		    u.id === session.user?.id ? null : h('button', { type: 'button',
		        'aria-label': `${u.status === 1 ? 'Disable' : 'Enable'} ${u.username}`,
		        onclick: () => after(put(`user/${u.id}`,
		            { status: u.status === 1 ? 2 : 1 }).then(() => true),
		            `${u.username} ${u.status === 1 ? 'disabled' : 'enabled'}.`) },
		        u.status === 1 ? 'Disable' : 'Enable')) },
	];
}
