// Small DOM helpers of the console: an element builder (never innerHTML,
// so no text from the API is ever parsed as markup), labelled form fields,
// tables, a pager, modal dialogs built on <dialog>, and a toast line.
// Every form control gets a <label for>, so pages (and the browser tests)
// can find controls by their label.

let seq = 0;

// A fresh id for label/control pairs.
export function uid(prefix = 'f') {
	seq += 1;
	return `${prefix}${seq}`;
}

function put(el, attrs) {
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k === 'text') el.textContent = String(v);
		else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
		else if (k === 'value' || k === 'checked' || k === 'selected')
			el[k] = v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	return el;
}

function append(el, kids) {
	for (const c of kids.flat(Infinity)) {
		if (c === undefined || c === null || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

// h('button', {class: 'x', onclick: f}, 'text', child...)
export function h(tag, attrs, ...kids) {
	return append(put(document.createElement(tag), attrs), kids);
}

// The same for SVG elements.
export function s(tag, attrs, ...kids) {
	const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
	return append(put(el, attrs), kids);
}

export function clear(el, ...kids) {
	el.replaceChildren();
	return append(el, kids);
}

// A status badge: kind is ok, off, warn or bad (colour), text says it.
export function badge(text, kind) {
	return h('span', { class: `badge ${kind}` }, text);
}

// An error line that screen readers announce; empty and hidden until set.
export function alertBox() {
	const el = h('p', { class: 'error', role: 'alert', hidden: true });
	el.show = (msg) => {
		el.textContent = msg || '';
		el.hidden = !msg;
	};
	return el;
}

let toastTimer = null;

// A short message in the page's live region (success of an action).
export function toast(msg, kind = 'ok') {
	const el = document.getElementById('toast');
	if (el === null) return;
	el.className = `toast ${kind}`;
	el.textContent = msg;
	clearTimeout(toastTimer);
	toastTimer = setTimeout(() => { el.textContent = ''; }, 8000);
}

// One form control with its label.  spec: {name, label, type (text,
// number, password, email, checkbox, select, textarea, datetime), value,
// options [[value, text]...], hint, required, placeholder, min, max, step,
// autocomplete, readonly}.  Returns the wrapper; wrapper.control is the
// input and wrapper.read() its value (numbers as Number or null when empty,
// checkboxes as booleans, datetime as Unix seconds or -1 when empty).
export function field(spec) {
	const id = uid();
	const t = spec.type || 'text';
	let c;
	if (t === 'select') {
		c = h('select', { id, name: spec.name },
		    (spec.options || []).map(([v, txt]) => h('option',
		        { value: String(v), selected: String(v) === String(spec.value ?? '') },
		        txt)));
	} else if (t === 'textarea') {
		c = h('textarea', { id, name: spec.name, rows: spec.rows || 3,
		    placeholder: spec.placeholder, readonly: spec.readonly,
		    spellcheck: 'false' });
		c.value = spec.value ?? '';
	} else if (t === 'checkbox') {
		c = h('input', { id, name: spec.name, type: 'checkbox',
		    checked: !!spec.value });
	} else {
		const type = t === 'datetime' ? 'datetime-local' : t;
		c = h('input', { id, name: spec.name, type, required: spec.required,
		    placeholder: spec.placeholder, min: spec.min, max: spec.max,
		    step: spec.step, autocomplete: spec.autocomplete || 'off',
		    readonly: spec.readonly, spellcheck: 'false' });
		if (t === 'datetime')
			c.value = spec.value > 0 ? toLocalInput(spec.value) : '';
		else c.value = spec.value ?? '';
	}
	const hint = spec.hint ? h('small', { id: `${id}h`, class: 'hint' },
	    spec.hint) : null;
	if (hint) c.setAttribute('aria-describedby', hint.id);
	const w = t === 'checkbox'
	    ? h('div', { class: 'field check' }, c,
	        h('label', { for: id }, spec.label), hint)
	    : h('div', { class: 'field' }, h('label', { for: id }, spec.label), c,
	        hint);
	w.control = c;
	w.hint = hint;
	w.read = () => {
		if (t === 'checkbox') return c.checked;
		if (t === 'number')
			return c.value.trim() === '' ? null : Number(c.value);
		if (t === 'datetime')
			return c.value === '' ? -1 : Math.floor(new Date(c.value) / 1000);
		return c.value;
	};
	return w;
}

// Unix seconds -> the value of an <input type=datetime-local> (local time).
export function toLocalInput(sec) {
	const d = new Date(sec * 1000);
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}` +
	    `T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// A table.  cols: [{label, get(row) -> node or text, class}].  An empty
// list shows one row saying so.
export function table(label, cols, rows, empty = 'Nothing here yet.') {
	const body = rows.length === 0
	    ? [h('tr', null, h('td', { colspan: cols.length, class: 'empty' },
	        empty))]
	    : rows.map((r) => h('tr', null, cols.map((c) =>
	        h('td', { class: c.class }, c.get(r)))));
	return h('div', { class: 'tablewrap' }, h('table', { 'aria-label': label },
	    h('thead', null, h('tr', null, cols.map((c) =>
	        h('th', { scope: 'col', class: c.class }, c.label)))),
	    h('tbody', null, body)));
}

// Previous/next and "page p of n"; go(p) loads page p.
export function pager(page, size, total, go) {
	const pages = Math.max(1, Math.ceil(total / size));
	return h('nav', { class: 'pager', 'aria-label': 'Pages' },
	    h('button', { type: 'button', disabled: page <= 1,
	        onclick: () => go(page - 1) }, 'Previous'),
	    h('span', null, `Page ${page} of ${pages} (${total} total)`),
	    h('button', { type: 'button', disabled: page >= pages,
	        onclick: () => go(page + 1) }, 'Next'));
}

// A paged list drawn into out: fetch(p) resolves to the API's page
// {items, page, size, total}, draw(d, reload) gives its table; only the
// latest load draws, and its error goes to err.  Returns load(p), which
// reloads the current page when p is left out.
export function pagedList(out, err, fetch, draw) {
	let page = 1;
	let seq = 0;
	const load = async (p = page) => {
		page = p;
		const my = ++seq;
		err.show('');
		try {
			const d = await fetch(p);
			if (my !== seq) return;
			clear(out, draw(d, () => load(page)),
			    pager(d.page, d.size, d.total, load));
		} catch (e) {
			if (my === seq) err.show(e.message);
		}
	};
	return load;
}

// A modal dialog.  build(close) returns its content; close(v) resolves the
// returned promise with v (Escape resolves undefined).
export function modal(title, build, { wide = false } = {}) {
	return new Promise((resolve) => {
		const tid = uid('dt');
		const dlg = h('dialog', { 'aria-labelledby': tid,
		    class: wide ? 'wide' : null });
		let result;
		const close = (v) => {
			result = v;
			dlg.close();
		};
		dlg.addEventListener('close', () => {
			dlg.remove();
			resolve(result);
		});
		append(dlg, [h('h2', { id: tid }, title), build(close)]);
		document.body.append(dlg);
		dlg.showModal();
	});
}

// Asks a yes/no question; resolves true on the confirming button.
export function confirmDialog(title, text, ok = 'OK') {
	return modal(title, (close) => [
		h('p', null, text),
		h('div', { class: 'actions' },
		    h('button', { type: 'button', onclick: () => close(false) },
		        'Cancel'),
		    h('button', { type: 'button', class: 'danger',
		        onclick: () => close(true) }, ok)),
	]).then((v) => v === true);
}

// A dialog with a form of fields (see field()).  submit(values) may throw
// (its message is shown, the dialog stays open) or return a value that
// the promise resolves with.  Resolves undefined on Cancel.
export function formDialog({ title, fields, submit, ok = 'Save',
    extra = null }) {
	return modal(title, (close) => {
		const err = alertBox();
		const ws = fields.map((f) => field(f));
		const byName = Object.fromEntries(ws.map((w, i) =>
		    [fields[i].name, w]));
		const okBtn = h('button', { type: 'submit', class: 'primary' }, ok);
		const form = h('form', {
			novalidate: true,
			onsubmit: async (ev) => {
				ev.preventDefault();
				const vals = {};
				for (const [n, w] of Object.entries(byName))
					vals[n] = w.read();
				okBtn.disabled = true;
				try {
					close((await submit(vals)) ?? true);
				} catch (e) {
					err.show(e.message);
				} finally {
					okBtn.disabled = false;
				}
			},
		}, ws, err, h('div', { class: 'actions' },
		    h('button', { type: 'button', onclick: () => close() },
		        'Cancel'), okBtn));
		if (extra) extra(byName);
		return form;
	});
}

// A text input and a button that copies its value.
export function copyField(label, value, { rows = 0 } = {}) {
	const f = field({ name: 'copy', label, type: rows ? 'textarea' : 'text',
	    value, readonly: true, rows });
	const btn = h('button', { type: 'button' }, 'Copy');
	btn.addEventListener('click', async () => {
		const c = f.control;
		c.select();
		let ok = false;
		try {
			await navigator.clipboard.writeText(c.value);
			ok = true;
		} catch {
			ok = document.execCommand && document.execCommand('copy');
		}
		btn.textContent = ok ? 'Copied' : 'Select and copy';
	});
	f.append(btn);
	f.classList.add('copy');
	return f;
}
