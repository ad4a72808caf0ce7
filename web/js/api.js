// The console's only way to the server: same-origin calls to /api/
// (docs/admin-api.md).  Every answer is {success, message, data}; a failed
// one becomes an ApiError carrying the server's message.  The session is a
// cookie; the CSRF token from login (or GET /api/user/self) goes out as
// X-CSRF-Token on every state-changing call.  Also the display of amounts:
// quota units and money (quota_per_usd and the currency from /api/status).

export class ApiError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

export const session = {
	user: null,		// the User from /api/user/self or login
	csrf: '',
	status: { system_name: 'Nexhina', quota_per_usd: 500000,
	    base_price: 75000, currency: 'USD', currency_symbol: '$' },
	onAuthLost: null,	// called on a 401 from a call that needs login
	onSelf: null,		// called when refreshSelf() read the user anew
};

// Query string of the non-empty entries of obj.
export function qs(obj) {
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(obj || {})) {
		if (v === undefined || v === null || v === '') continue;
		p.set(k, String(v));
	}
	const s = p.toString();
	return s ? `?${s}` : '';
}

// api('GET', 'token/', {query: {p: 1}}) -> data.  path is relative to
// /api/.  Throws ApiError with the server's message.
export async function api(method, path, { body, query, auth = true } = {}) {
	const headers = { Accept: 'application/json' };
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (method !== 'GET' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
	let res;
	try {
		res = await fetch(`/api/${path}${qs(query)}`, {
			method, headers, credentials: 'same-origin', cache: 'no-store',
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch (e) {
		throw new ApiError(0, `Cannot reach the server (${e.message})`);
	}
	let j = null;
	try {
		j = await res.json();
	} catch {
		j = null;
	}
	if (!res.ok || j === null || j.success !== true) {
		let msg = j && typeof j.message === 'string' && j.message
		    ? j.message : `${res.status} ${res.statusText || 'error'}`;
		if (res.status === 429) {
			const ra = res.headers.get('Retry-After');
			if (ra && !/retry/i.test(msg))
				msg += ` (try again in ${ra} s)`;
		}
		if (res.status === 401 && auth && session.onAuthLost)
			session.onAuthLost();
		throw new ApiError(res.status, msg);
	}
	return j.data;
}

export const get = (path, query) => api('GET', path, { query });
export const post = (path, body) => api('POST', path, { body: body ?? {} });
export const put = (path, body) => api('PUT', path, { body: body ?? {} });
export const del = (path) => api('DELETE', path);

// A list endpoint's page: {items, total, page, size}.
export async function list(path, query) {
	const d = await get(path, query);
	if (Array.isArray(d)) return { items: d, total: d.length, page: 1,
	    size: d.length || 1 };
	return { items: d.items || [], total: d.total ?? 0, page: d.page ?? 1,
	    size: d.size ?? 20 };
}

export async function loadStatus() {
	try {
		Object.assign(session.status, await api('GET', 'status',
		    { auth: false }));
	} catch {
		/* keep the defaults; the pages report their own errors */
	}
}

// Who is logged in (null when nobody).
export async function loadSelf() {
	try {
		const u = await api('GET', 'user/self', { auth: false });
		session.user = u;
		if (u && u.csrf_token) session.csrf = u.csrf_token;
		return u;
	} catch (e) {
		if (e.status === 401) {
			session.user = null;
			return null;
		}
		throw e;
	}
}

// Re-reads the user (the balance changes after redeeming, top-ups...) and
// lets the header show it.
export async function refreshSelf() {
	await loadSelf();
	if (session.onSelf) session.onSelf();
}

export async function login(username, password) {
	const d = await api('POST', 'user/login', { body: { username, password },
	    auth: false });
	session.user = d.user;
	session.csrf = d.csrf_token || '';
	return d.user;
}

export async function logout() {
	try {
		await post('user/logout');
	} finally {
		session.user = null;
		session.csrf = '';
	}
}

export const ROLE = { user: 1, admin: 10, root: 100 };
export const roleName = (r) => (r >= 100 ? 'root' : r >= 10 ? 'admin' : 'user');
export const isAdmin = () => (session.user?.role ?? 0) >= ROLE.admin;
export const isRoot = () => (session.user?.role ?? 0) >= ROLE.root;

const intFmt = new Intl.NumberFormat('en-US');

export const num = (n) => intFmt.format(Number(n) || 0);

// quota units -> "$1.23" in the site's currency (more digits for cents).
export function money(q) {
	const st = session.status;
	const per = Number(st.quota_per_usd) || 500000;
	const v = (Number(q) || 0) / per;
	const a = Math.abs(v);
	const digits = a === 0 || a >= 1 ? 2 : a >= 0.01 ? 4 : 6;
	const s = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2,
	    maximumFractionDigits: digits }).format(a);
	const sym = st.currency_symbol || '';
	const cur = sym ? `${sym}${s}` : `${s} ${st.currency || ''}`.trim();
	return v < 0 ? `-${cur}` : cur;
}

// "615,000 units", "1 unit"
export const units = (q) => `${num(q)} unit${Number(q) === 1 ? '' : 's'}`;

// "$1.23 (615,000 units)"
export const amount = (q) => `${money(q)} (${units(q)})`;

// Unix seconds -> "2025-01-31 13:45:07" local time; 0 or -1 -> "".
export function when(sec) {
	if (!sec || sec < 0) return '';
	const d = new Date(sec * 1000);
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
	    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
