// Charts as inline SVG, drawn here (no chart library): stacked columns over
// days and horizontal bars per item.  Each chart is role="img" with a
// label, every bar carries a <title> (hover text), and the pages show the
// same numbers in a table for screen readers.

import { h, s } from './ui.js';

const PALETTE = ['#2f6fdf', '#e07b28', '#2e9e5b', '#c0392b', '#8e5cc2',
	'#1b9aaa', '#b8860b', '#d35d9c', '#5f6b7a'];

export const colour = (i) => PALETTE[i % PALETTE.length];

// A step of 1, 2 or 5 x 10^n near max/4, and the axis top (a multiple).
function axis(max) {
	const raw = max / 4;
	const p = 10 ** Math.floor(Math.log10(raw));
	const step = [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw);
	return { step, top: step * Math.ceil(max / step) };
}

function legend(series) {
	return h('ul', { class: 'legend' }, series.map((se, i) =>
	    h('li', null, s('svg', { width: 12, height: 12, 'aria-hidden': 'true' },
	        s('rect', { width: 12, height: 12, fill: colour(i) })), se.name)));
}

// Stacked columns.  labels: x labels (days); series: [{name, values[]}]
// aligned with labels; fmt(v) formats values for the axis and titles.
export function columns({ label, labels, series, fmt = String }) {
	const W = 720, H = 240, L = 64, B = 28, T = 10, R = 8;
	const n = Math.max(labels.length, 1);
	const totals = labels.map((_, i) =>
	    series.reduce((a, se) => a + (se.values[i] || 0), 0));
	// At least 4: ticks stay whole units (quota is an integer).
	const { step, top: max } = axis(Math.max(4, ...totals));
	const y = (v) => T + (H - T - B) * (1 - v / max);
	const slot = (W - L - R) / n;
	const bw = Math.max(2, Math.min(40, slot * 0.7));
	const g = [];
	for (let v = 0; v <= max; v += step) {
		g.push(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v),
		    class: 'grid' }));
		g.push(s('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end',
		    class: 'axis' }, fmt(v)));
	}
	const every = Math.ceil(n / 10);
	labels.forEach((lab, i) => {
		const x = L + slot * i + (slot - bw) / 2;
		let acc = 0;
		series.forEach((se, j) => {
			const v = se.values[i] || 0;
			if (v <= 0) return;
			g.push(s('rect', { x, y: y(acc + v), width: bw,
			    height: Math.max(0.5, y(acc) - y(acc + v)),
			    fill: colour(j) },
			    s('title', null, `${lab} ${se.name}: ${fmt(v)}`)));
			acc += v;
		});
		if (i % every === 0)
			g.push(s('text', { x: x + bw / 2, y: H - 8,
			    'text-anchor': 'middle', class: 'axis' }, lab.slice(5)));
	});
	return h('figure', { class: 'chart' },
	    s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img',
	        'aria-label': label }, s('title', null, label), g),
	    series.length > 1 ? legend(series) : null);
}

// Horizontal bars.  items: [{label, value, note}] (note: extra text).
export function bars({ label, items, fmt = String }) {
	const row = 26, L = 170, R = 150, W = 720;
	const H = Math.max(row, items.length * row) + 4;
	const max = Math.max(0, ...items.map((it) => it.value)) || 1;
	const g = items.map((it, i) => {
		const w = ((W - L - R) * it.value) / max;
		const y0 = 2 + i * row;
		const name = it.label.length > 24 ? `${it.label.slice(0, 23)}…`
		    : it.label;
		return s('g', null,
		    s('text', { x: L - 8, y: y0 + 16, 'text-anchor': 'end',
		        class: 'axis' }, name),
		    s('rect', { x: L, y: y0 + 3, width: Math.max(1, w),
		        height: row - 8, fill: colour(i) },
		        s('title', null, `${it.label}: ${fmt(it.value)}`)),
		    s('text', { x: L + Math.max(1, w) + 6, y: y0 + 16,
		        class: 'axis' }, it.note ?? fmt(it.value)));
	});
	return h('figure', { class: 'chart' },
	    s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img',
	        'aria-label': label }, s('title', null, label), g));
}
