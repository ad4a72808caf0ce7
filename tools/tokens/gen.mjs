#!/usr/bin/env node
// Writes the token-counting tables that app/tokens.c reads (README.md here
// has the layout): the o200k_base and cl100k_base vocabularies from the
// pinned `tiktoken` package (its encoders/*.json are OpenAI's .tiktoken
// rank files in a compressed text form), and the Unicode classes of the
// two split patterns from `regenerate-unicode-properties` 10.2.0, which is
// Unicode 16.0.0: the version of the Rust regex tables compiled into
// tiktoken (checked code point by code point, see README.md).
//
// Usage: node tools/tokens/gen.mjs OUT.bin
// Deterministic: the same packages give the same bytes.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The packages npm ci installed next to this script (tools/stack/deps.sh).
const require = createRequire(import.meta.url);
const PKG = fileURLToPath(new URL('node_modules/tiktoken/', import.meta.url));
const UNICODE = '16.0.0';
const out = process.argv[2];
if (!out) {
  console.error('usage: gen.mjs OUT.bin');
  process.exit(2);
}
try {
  readFileSync(`${PKG}package.json`);
  require.resolve('regenerate-unicode-properties/unicode-version.js');
} catch {
  console.error('gen.mjs: tools/tokens/node_modules is missing: run make deps');
  process.exit(1);
}

// Must match app/tokens.c.
const MAGIC = 'NXTOK001';
const ENDIAN = 0x01020304;
const C = { Lu: 1, Ll: 2, Lt: 4, Lm: 8, Lo: 16, M: 32, N: 64, WS: 128 };
const ENCODINGS = ['o200k_base', 'cl100k_base'];	// enum tok_enc order

function fnv1a(buf) {
  let h = 0x811c9dc5;
  for (const b of buf) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

// "<ignored> <first rank> <b64> <b64> ..." per line: consecutive ranks.
function loadRanks(name) {
  const j = JSON.parse(readFileSync(`${PKG}encoders/${name}.json`, 'utf8'));
  const tokens = [];
  for (const line of j.bpe_ranks.split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    const first = Number.parseInt(f[1], 10);
    if (!Number.isInteger(first) || first < 0) throw new Error(`${name}: bad line`);
    for (let i = 2; i < f.length; i++)
      tokens[first + i - 2] = Buffer.from(f[i], 'base64');
  }
  return { tokens, pat: j.pat_str };
}

// Known split patterns: app/tokens.c implements exactly these by hand.
const PATTERNS = {
  o200k_base: "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  cl100k_base: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

function encSection(name) {
  const { tokens, pat } = loadRanks(name);
  if (pat !== PATTERNS[name])
    throw new Error(`${name}: split pattern changed; app/tokens.c implements ${PATTERNS[name]}`);
  const nranks = tokens.length;
  let nbytes = 0;
  let maxlen = 0;
  for (const t of tokens) {
    if (!t) continue;
    nbytes += t.length;
    maxlen = Math.max(maxlen, t.length);
  }
  let slots = 1;
  while (slots < nranks * 2) slots *= 2;
  const mask = slots - 1;
  const offs = new Uint32Array(nranks + 1);
  const bytes = Buffer.alloc(nbytes);
  const table = new Uint32Array(slots);
  let o = 0;
  for (let r = 0; r < nranks; r++) {
    offs[r] = o;
    const t = tokens[r];
    if (!t) continue;	// a gap in the ranks: empty, not in the table
    t.copy(bytes, o);
    o += t.length;
    let h = fnv1a(t) & mask;
    while (table[h] !== 0) h = (h + 1) & mask;
    table[h] = r + 1;
  }
  offs[nranks] = o;
  for (let i = 0; i < 256; i++)
    if (!tokens.some((t) => t && t.length === 1 && t[0] === i))
      throw new Error(`${name}: byte ${i} has no token`);
  return { nranks, mask, offs, bytes, table, maxlen };
}

// Unicode: class byte per code point, two-stage table of 256-code-point
// blocks.  \p{L}, \p{N}, \p{M} are general categories; \s is White_Space.
function unicodeClasses() {
  const version = require('regenerate-unicode-properties/unicode-version.js');
  if (version !== UNICODE)
    throw new Error(`regenerate-unicode-properties has Unicode ${version}, want ${UNICODE}`);
  const cls = new Uint8Array(0x110000);
  const sets = [
    ['General_Category/Uppercase_Letter', C.Lu],
    ['General_Category/Lowercase_Letter', C.Ll],
    ['General_Category/Titlecase_Letter', C.Lt],
    ['General_Category/Modifier_Letter', C.Lm],
    ['General_Category/Other_Letter', C.Lo],
    ['General_Category/Mark', C.M],
    ['General_Category/Number', C.N],
    ['Binary_Property/White_Space', C.WS],
  ];
  for (const [name, bit] of sets) {
    const { characters } = require(`regenerate-unicode-properties/${name}.js`);
    for (const c of characters.toArray()) cls[c] |= bit;
  }
  if (cls[0x41] !== C.Lu || cls[0x61] !== C.Ll || cls[0x20] !== C.WS ||
      cls[0x4e00] !== C.Lo || cls[0x300] !== C.M || cls[0x31] !== C.N ||
      cls[0x1c5] !== C.Lt || cls[0x2b0] !== C.Lm || cls[0x10d40] !== C.N)
    throw new Error('Unicode data: unexpected classes');
  const stage1 = new Uint16Array(0x110000 >> 8);
  const blocks = [];
  const seen = new Map();
  for (let b = 0; b < stage1.length; b++) {
    const blk = cls.subarray(b << 8, (b + 1) << 8);
    const key = Buffer.from(blk).toString('latin1');
    let i = seen.get(key);
    if (i === undefined) {
      i = blocks.length;
      blocks.push(Buffer.from(blk));
      seen.set(key, i);
    }
    stage1[b] = i;
  }
  return { stage1, stage2: Buffer.concat(blocks), nblocks: blocks.length };
}

// Layout: header of 16 u32 words, then the sections, each 16-aligned.
const parts = [];
let size = 64;
function place(buf) {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  size = (size + 15) & ~15;
  const at = size;
  parts.push({ at, b });
  size += b.length;
  return at;
}

const uni = unicodeClasses();
const hdr = Buffer.alloc(64);
hdr.write(MAGIC, 0, 'latin1');
hdr.writeUInt32LE(ENDIAN, 8);
hdr.writeUInt32LE(place(uni.stage1), 16);
hdr.writeUInt32LE(place(uni.stage2), 20);
hdr.writeUInt32LE(uni.nblocks, 24);
ENCODINGS.forEach((name, k) => {
  const e = encSection(name);
  const sec = Buffer.alloc(32);
  sec.writeUInt32LE(e.nranks, 0);
  sec.writeUInt32LE(e.mask, 4);
  sec.writeUInt32LE(place(e.offs), 8);
  sec.writeUInt32LE(place(e.bytes), 12);
  sec.writeUInt32LE(place(e.table), 16);
  sec.writeUInt32LE(e.maxlen, 20);
  hdr.writeUInt32LE(place(sec), 28 + 4 * k);
});
const [maj, min] = UNICODE.split('.').map(Number);
hdr.writeUInt32LE((maj << 16) | (min << 8), 36);
hdr.writeUInt32LE(size, 12);

const blob = Buffer.alloc(size);
hdr.copy(blob, 0);
for (const p of parts) p.b.copy(blob, p.at);
writeFileSync(`${out}.tmp`, blob);
renameSync(`${out}.tmp`, out);
