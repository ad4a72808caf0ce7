// The console's shell: hash routes (#/dashboard, #/keys, ...), the
// navigation (admin pages only for admins, settings only for root), the
// header with the balance and Log out, and the login page.  Each page is a
// module exporting render(main, params) that fills <main>.

import { session, loadStatus, loadSelf, login, logout, isAdmin, roleName,
	amount } from './api.js';
import { h, clear, field, alertBox } from './ui.js';
import * as dashboard from './pages/dashboard.js';
import * as keys from './pages/keys.js';
import * as logs from './pages/logs.js';
import * as redeem from './pages/redeem.js';
import * as users from './pages/users.js';
import * as channels from './pages/channels.js';
import * as pricing from './pages/pricing.js';
import * as redemptions from './pages/redemptions.js';
import * as settings from './pages/settings.js';

// path -> [title, module, minimum role]
const ROUTES = {
	'/dashboard': ['Dashboard', dashboard, 1],
	'/keys': ['API keys', keys, 1],
	'/logs': ['Logs', logs, 1],
	'/redeem': ['Redeem', redeem, 1],
	'/users': ['Users', users, 10],
	'/channels': ['Channels', channels, 10],
	'/pricing': ['Pricing and groups', pricing, 10],
	'/redemptions': ['Redemption codes', redemptions, 10],
	'/settings': ['Settings', settings, 100],
};

const main = () => document.getElementById('main');

function parseHash() {
	const raw = location.hash.replace(/^#/, '') || '/dashboard';
	const i = raw.indexOf('?');
	const path = i < 0 ? raw : raw.slice(0, i);
	const params = new URLSearchParams(i < 0 ? '' : raw.slice(i + 1));
	return { path, params };
}

export function go(path) {
	if (location.hash === `#${path}`) route();
	else location.hash = path;
}

function renderHeader() {
	const u = session.user;
	const hdr = document.getElementById('top');
	const nav = document.getElementById('nav');
	document.title = session.status.system_name || 'Nexhina';
	if (!u) {
		hdr.hidden = true;
		nav.hidden = true;
		return;
	}
	const { path } = parseHash();
	const link = (p) => {
		const [title, , role] = ROUTES[p];
		if ((u.role ?? 1) < role) return null;
		return h('li', null, h('a', { href: `#${p}`,
		    'aria-current': p === path ? 'page' : null }, title));
	};
	const userLinks = ['/dashboard', '/keys', '/logs', '/redeem'].map(link);
	const adminLinks = isAdmin()
	    ? ['/users', '/channels', '/pricing', '/redemptions', '/settings']
	        .map(link) : [];
	clear(nav, h('ul', null, userLinks),
	    adminLinks.length ? [h('p', { class: 'navhead', id: 'navadm' },
	        'Administration'), h('ul', { 'aria-labelledby': 'navadm' },
	        adminLinks)] : null);
	clear(hdr,
	    h('a', { class: 'brand', href: '#/dashboard' },
	        session.status.system_name || 'Nexhina'),
	    h('span', { class: 'who' },
	        h('span', null, `${u.display_name || u.username} (${roleName(u.role)})`),
	        h('span', { class: 'bal', 'aria-label': 'Account balance' },
	            `Balance: ${amount(u.quota)}`)),
	    h('button', { type: 'button', onclick: doLogout }, 'Log out'));
	hdr.hidden = false;
	nav.hidden = false;
}

async function doLogout() {
	try {
		await logout();
	} catch {
		/* the session is gone either way */
	}
	go('/login');
}

function renderLogin(m) {
	const err = alertBox();
	const user = field({ name: 'username', label: 'Username',
	    autocomplete: 'username', required: true });
	const pass = field({ name: 'password', label: 'Password',
	    type: 'password', autocomplete: 'current-password', required: true });
	const btn = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
	const form = h('form', { class: 'login', 'aria-labelledby': 'lt',
		onsubmit: async (ev) => {
			ev.preventDefault();
			err.show('');
			if (!user.read() || !pass.read()) {
				err.show('Enter your username and password.');
				return;
			}
			btn.disabled = true;
			try {
				await login(user.read().trim(), pass.read());
				const next = sessionStorage.getItem('nx-next');
				sessionStorage.removeItem('nx-next');
				go(next && ROUTES[next] ? next : '/dashboard');
			} catch (e) {
				err.show(e.message);
				btn.disabled = false;
			}
		} },
	    h('h1', { id: 'lt' }, `Sign in to ${session.status.system_name ||
	        'Nexhina'}`), user, pass, err, btn);
	clear(m, form);
	user.control.focus();
}

let renderSeq = 0;

async function route() {
	const seq = ++renderSeq;
	const { path, params } = parseHash();
	const m = main();
	if (path === '/login') {
		session.user = null;
		renderHeader();
		renderLogin(m);
		return;
	}
	if (session.user) {
		// The balance moves with every request: refresh the header's
		// figure in the background.
		loadSelf().then((u) => {
			const b = document.querySelector('#top .bal');
			if (u && b) b.textContent = `Balance: ${amount(u.quota)}`;
		}).catch(() => {});
	} else {
		let u = null;
		try {
			u = await loadSelf();
		} catch (e) {
			clear(m, h('p', { class: 'error', role: 'alert' }, e.message));
			return;
		}
		if (seq !== renderSeq) return;
		if (!u) {
			if (ROUTES[path]) sessionStorage.setItem('nx-next', path);
			go('/login');
			return;
		}
	}
	const r = ROUTES[path];
	renderHeader();
	if (!r) {
		clear(m, h('h1', null, 'Not found'),
		    h('p', null, h('a', { href: '#/dashboard' }, 'Go to the dashboard')));
		return;
	}
	const [title, mod, role] = r;
	document.title = `${title} - ${session.status.system_name || 'Nexhina'}`;
	if ((session.user.role ?? 1) < role) {
		clear(m, h('h1', null, title), h('p', { class: 'error', role: 'alert' },
		    'This page is for administrators.'));
		return;
	}
	clear(m, h('h1', null, title));
	try {
		await mod.render(m, params);
	} catch (e) {
		m.append(h('p', { class: 'error', role: 'alert' }, e.message));
	}
	if (seq === renderSeq) m.focus({ preventScroll: true });
}

session.onSelf = renderHeader;
// The session ended (expired, logged out elsewhere): log in again and
// come back.
session.onAuthLost = () => {
	const { path } = parseHash();
	if (path !== '/login') {
		if (ROUTES[path]) sessionStorage.setItem('nx-next', path);
		session.user = null;
		go('/login');
	}
};

window.addEventListener('hashchange', route);
await loadStatus();
route();
