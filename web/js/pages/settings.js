// Settings (root): every option (GET /api/option/; the known ones also
// when unset) as a labelled input with its own Save button (PUT
// /api/option/ {name, value}); the server validates known names.  Display
// settings (currency, quota_per_usd) take effect in the console at once.

import { get, put, loadStatus, refreshSelf } from '../api.js';
import { h, clear, field, toast } from '../ui.js';

const HELP = {
	quota_per_usd: 'Quota units per 1 USD (display and top-ups).',
	currency: 'Currency code shown next to amounts, e.g. USD.',
	currency_symbol: 'Symbol shown before amounts, e.g. $.',
	base_price: 'Quota of 1M base tokens (gpt-4o-mini input).',
	system_name: 'Name shown in the console.',
	session_ttl: 'Console session lifetime in seconds (new logins).',
};

export async function render(m) {
	const out = h('div', { class: 'options' });
	const load = async () => {
		const d = await get('option/');
		const rows = (Array.isArray(d) ? d : d.items || []).slice();
		// The known options show even when unset (empty).
		for (const n of Object.keys(HELP))
			if (!rows.some((o) => o.name === n))
				rows.push({ name: n, value: '' });
		rows.sort((a, b) => a.name.localeCompare(b.name));
		clear(out, rows.map(row));
	};
	const row = (o) => {
		const f = field({ name: o.name, label: o.name,
		    value: o.value ?? '', hint: HELP[o.name] });
		const btn = h('button', { type: 'submit',
		    'aria-label': `Save ${o.name}` }, 'Save');
		return h('form', { class: 'option', onsubmit: async (ev) => {
			ev.preventDefault();
			btn.disabled = true;
			try {
				await put('option/', { name: o.name, value: f.read() });
				toast(`${o.name} saved.`);
				await loadStatus();
				await refreshSelf().catch(() => {});
			} catch (e) {
				toast(`${o.name}: ${e.message}`, 'bad');
			} finally {
				btn.disabled = false;
			}
		} }, f, btn);
	};
	m.append(out);
	await load();
}
