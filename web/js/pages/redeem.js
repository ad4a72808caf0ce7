// Redeem: the balance and a form for a redemption code
// (POST /api/user/redeem {key}); the header's balance follows.

import { post, session, amount, refreshSelf } from '../api.js';
import { h, clear, field, alertBox } from '../ui.js';

export async function render(m) {
	await refreshSelf().catch(() => {});
	const bal = h('p', { class: 'big', id: 'redeem-balance' },
	    amount(session.user?.quota ?? 0));
	const code = field({ name: 'key', label: 'Redemption code',
	    required: true, autocomplete: 'off' });
	const err = alertBox();
	const done = h('p', { class: 'success', role: 'status' });
	const btn = h('button', { type: 'submit', class: 'primary' }, 'Redeem');
	m.append(h('section', { class: 'card', 'aria-labelledby': 'rb' },
	    h('h2', { id: 'rb' }, 'Balance'), bal),
	    h('form', { class: 'narrow', onsubmit: async (ev) => {
		ev.preventDefault();
		err.show('');
		done.textContent = '';
		const key = code.read().trim();
		if (!key) {
			err.show('Enter a redemption code.');
			return;
		}
		btn.disabled = true;
		try {
			const d = await post('user/redeem', { key });
			code.control.value = '';
			done.textContent = `Added ${amount(d.quota_added)}. ` +
			    `New balance: ${amount(d.quota)}.`;
			await refreshSelf().catch(() => {});
			clear(bal, amount(d.quota));
		} catch (e) {
			err.show(e.message);
		} finally {
			btn.disabled = false;
		}
	    } }, code, err, btn), done);
}
