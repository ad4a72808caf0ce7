// Pricing and groups (admin): model prices (docs/pricing.md: multipliers
// of the base token price, or quota per unit for the other bases) and the
// groups' price ratios and rate limits.  /api/price/ and /api/group/.

import { list, put, post, del, money, session } from '../api.js';
import { h, clear, table, toast, formDialog, confirmDialog,
	alertBox } from '../ui.js';

const BASES = ['tokens', 'input_tokens', 'image', 'character', 'second',
	'request'];
const UNIT_OF = { image: 'image', character: 'character', second: 'second',
	request: 'request' };

// A multiplier as the API gives it: decimal, or in millionths (`_u`).
const dec = (o, k) => (o[k] !== undefined ? Number(o[k])
    : o[`${k}_u`] !== undefined ? Number(o[`${k}_u`]) / 1e6 : 0);
const fmtDec = (v) => String(Math.round(v * 1e6) / 1e6);

// Money per 1M tokens of a token multiplier: base_price (from
// /api/status) is the quota of 1M base tokens.
function perM(mult) {
	return `${money(mult * Number(session.status.base_price))}/1M`;
}

function priceDialog(p) {
	const isNew = !p;
	p = p || { basis: 'tokens' };
	const extra = p.extra && typeof p.extra === 'object'
	    ? JSON.stringify(p.extra) : (p.extra || '');
	return formDialog({
		title: isNew ? 'Add model price' : `Price of ${p.model}`,
		ok: 'Save',
		fields: [
			{ name: 'model', label: 'Model', value: p.model,
			    required: true, readonly: !isNew },
			{ name: 'basis', label: 'Basis', type: 'select',
			    value: p.basis, options: BASES.map((b) => [b, b]) },
			{ name: 'input', label: 'Input multiplier', type: 'number',
			    min: 0, step: 'any', value: fmtDec(dec(p, 'input')),
			    hint: '1 = the base price (gpt-4o-mini input).' },
			{ name: 'output', label: 'Output multiplier', type: 'number',
			    min: 0, step: 'any', value: fmtDec(dec(p, 'output')) },
			{ name: 'cache', label: 'Cached input multiplier',
			    type: 'number', min: 0, step: 'any',
			    value: fmtDec(dec(p, 'cache_read')) },
			{ name: 'cache_write', label: 'Cache-write multiplier',
			    type: 'number', min: 0, step: 'any',
			    value: fmtDec(dec(p, 'cache_write')),
			    hint: 'Input written to a prompt cache; 0 = as input.' },
			{ name: 'unit', label: 'Quota per unit', type: 'number', min: 0,
			    step: 'any', value: fmtDec(dec(p, 'unit')),
			    hint: 'For image, character, second and request bases.' },
			{ name: 'extra', label: 'Extra (JSON)', type: 'textarea',
			    rows: 2, value: extra,
			    placeholder: '{"1024x1024/medium": 21000}',
			    hint: 'Image prices per "size/quality", in quota.' },
		],
		submit: (v) => {
			const model = v.model.trim();
			if (!model) throw new Error('Model is required.');
			const b = { basis: v.basis, input: v.input ?? 0,
			    output: v.output ?? 0, cache_read: v.cache ?? 0,
			    cache_write: v.cache_write ?? 0, unit: v.unit ?? 0 };
			const ex = v.extra.trim();
			if (ex) {
				try {
					b.extra = JSON.parse(ex);
				} catch {
					throw new Error('Extra must be JSON.');
				}
			} else b.extra = '';
			return put(`price/${encodeURIComponent(model)}`, b);
		},
	});
}

function groupDialog(g) {
	const isNew = !g;
	g = g || { ratio: 1, rpm_limit: 0, tpm_limit: 0 };
	return formDialog({
		title: isNew ? 'Add group' : `Group ${g.name}`,
		ok: 'Save',
		fields: [
			{ name: 'name', label: 'Group name', value: g.name,
			    required: true, readonly: !isNew },
			{ name: 'ratio', label: 'Price ratio', type: 'number', min: 0,
			    step: 'any', value: fmtDec(dec(g, 'ratio')),
			    hint: '1 = list price, 0.8 = 20% off.' },
			{ name: 'rpm_limit', label: 'Requests per minute',
			    type: 'number', min: 0, step: 1,
			    value: g.rpm_limit ?? g.rpm ?? 0, hint: '0: no limit.' },
			{ name: 'tpm_limit', label: 'Tokens per minute',
			    type: 'number', min: 0, step: 1,
			    value: g.tpm_limit ?? g.tpm ?? 0, hint: '0: no limit.' },
			{ name: 'description', label: 'Description',
			    value: g.description },
		],
		submit: (v) => {
			const b = { ...v, name: v.name.trim(), ratio: v.ratio ?? 1,
			    rpm_limit: v.rpm_limit ?? 0, tpm_limit: v.tpm_limit ?? 0 };
			if (!b.name) throw new Error('Group name is required.');
			return isNew ? post('group/', b)
			    : put(`group/${encodeURIComponent(g.name)}`, b);
		},
	});
}

export async function render(m) {
	const err = alertBox();
	const prices = h('div');
	const groups = h('div');
	const act = async (p, msg, reload) => {
		try {
			if ((await p) === undefined) return;
			toast(msg);
			reload();
		} catch (e) {
			toast(e.message, 'bad');
		}
	};
	const loadPrices = async () => {
		const d = await list('price/', { size: 100 });
		const rows = [...d.items].sort((a, b) => a.model.localeCompare(b.model));
		clear(prices, table('Model prices', [
			{ label: 'Model', get: (p) => p.model },
			{ label: 'Basis', get: (p) => p.basis },
			{ label: 'Input', class: 'n', get: (p) => (p.basis in UNIT_OF ? ''
			    : [fmtDec(dec(p, 'input')), h('small', null,
			        ` ${perM(dec(p, 'input'))}`)]) },
			{ label: 'Output', class: 'n', get: (p) => (p.basis === 'tokens'
			    ? [fmtDec(dec(p, 'output')), h('small', null,
			        ` ${perM(dec(p, 'output'))}`)] : '') },
			{ label: 'Cached', class: 'n', get: (p) => (p.basis === 'tokens'
			    ? fmtDec(dec(p, 'cache_read')) : '') },
			{ label: 'Cache write', class: 'n', get: (p) => (p.basis === 'tokens'
			    ? fmtDec(dec(p, 'cache_write') || dec(p, 'input')) : '') },
			{ label: 'Per unit', class: 'n', get: (p) => (p.basis in UNIT_OF
			    ? `${money(dec(p, 'unit'))} per ${UNIT_OF[p.basis]}` : '') },
			{ label: 'Actions', get: (p) => h('div', { class: 'rowact' },
			    h('button', { type: 'button', 'aria-label': `Edit price of ${p.model}`,
			        onclick: () => act(priceDialog(p), `Price of ${p.model} saved.`,
			            loadPrices) }, 'Edit'),
			    h('button', { type: 'button', class: 'danger',
			        'aria-label': `Delete price of ${p.model}`,
			        onclick: async () => {
				if (await confirmDialog('Delete price', `Delete the price ` +
				    `of ${p.model}? Requests for it are refused until it ` +
				    'has a price again.', 'Delete'))
					act(del(`price/${encodeURIComponent(p.model)}`)
					    .then(() => true), `Price of ${p.model} deleted.`,
					    loadPrices);
			    } }, 'Delete')) },
		], rows, 'No prices.'));
	};
	const loadGroups = async () => {
		const d = await list('group/', { size: 100 });
		clear(groups, table('Groups', [
			{ label: 'Name', get: (g) => g.name },
			{ label: 'Ratio', class: 'n', get: (g) => fmtDec(dec(g, 'ratio')) },
			{ label: 'RPM', class: 'n', get: (g) => String(g.rpm_limit ?? g.rpm ?? 0) },
			{ label: 'TPM', class: 'n', get: (g) => String(g.tpm_limit ?? g.tpm ?? 0) },
			{ label: 'Description', get: (g) => g.description || '' },
			{ label: 'Actions', get: (g) => h('div', { class: 'rowact' },
			    h('button', { type: 'button', 'aria-label': `Edit group ${g.name}`,
			        onclick: () => act(groupDialog(g), `Group ${g.name} saved.`,
			            loadGroups) }, 'Edit'),
			    h('button', { type: 'button', class: 'danger',
			        'aria-label': `Delete group ${g.name}`,
			        onclick: async () => {
				if (await confirmDialog('Delete group',
				    `Delete the group ${g.name}?`, 'Delete'))
					act(del(`group/${encodeURIComponent(g.name)}`)
					    .then(() => true), `Group ${g.name} deleted.`,
					    loadGroups);
			    } }, 'Delete')) },
		], d.items, 'No groups.'));
	};
	const wrap = (fn) => () => fn().catch((e) => err.show(e.message));
	m.append(err,
	    h('section', { 'aria-labelledby': 'ph' },
	        h('div', { class: 'toolbar' }, h('h2', { id: 'ph' }, 'Model prices'),
	            h('button', { type: 'button', class: 'primary',
	                onclick: () => act(priceDialog(null), 'Price saved.',
	                    wrap(loadPrices)) }, 'Add model price')),
	        prices),
	    h('section', { 'aria-labelledby': 'gh' },
	        h('div', { class: 'toolbar' }, h('h2', { id: 'gh' }, 'Groups'),
	            h('button', { type: 'button', class: 'primary',
	                onclick: () => act(groupDialog(null), 'Group added.',
	                    wrap(loadGroups)) }, 'Add group')),
	        groups));
	await Promise.all([wrap(loadPrices)(), wrap(loadGroups)()]);
}
