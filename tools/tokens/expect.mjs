#!/usr/bin/env node
// Writes tests/unit/tokens_expected.h: the token counts OpenAI's tokenizer
// gives for a fixed list of texts, in o200k_base and cl100k_base.  The
// truth comes from the pinned `tiktoken` package (tiktoken's Rust core
// compiled to WebAssembly), encode_ordinary(): special-token names count
// as text, as in app/tokens.c.  Byte strings that are not UTF-8 are first
// decoded the WHATWG way (each maximal ill-formed subpart -> U+FFFD, a
// BOM kept), which is what app/tokens.c does with them.
//
// The header is committed, so the unit test needs no node; run this again
// (node tools/tokens/expect.mjs) after changing the list or the package.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { get_encoding } = require('tiktoken');
const tkver = JSON.parse(readFileSync(new URL('node_modules/tiktoken/package.json',
  import.meta.url), 'utf8')).version;
const o200k = get_encoding('o200k_base');
const cl100k = get_encoding('cl100k_base');
const OUT = fileURLToPath(new URL('../../tests/unit/tokens_expected.h', import.meta.url));

const U = (s) => Buffer.from(s, 'utf8');	// text
const L = (s) => Buffer.from(s, 'latin1');	// raw bytes, one per char

// Deterministic pseudo-random letters (xorshift32).
let seed = 0x9e3779b9;
function letters(alpha, n) {
  const a = [...alpha];
  let s = '';
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    s += a[seed % a.length];
  }
  return s;
}

// [name, bytes, repeat]: the text is bytes repeated `repeat` times.
const CASES = [
  // plain text
  ['english sentence', U('The quick brown fox jumps over the lazy dog.')],
  ['greeting', U('Hello, world!')],
  ['paragraph', U('Tokens are counted before the call for holds and TPM, and after it when the upstream sends no usage. This sentence has some length to it; that one did too.')],
  ['single letter', U('a')],
  ['single space', U(' ')],
  ['single newline', U('\n')],
  ['NUL byte', L('\0')],
  ['NUL inside text', L('a\0b\0\0c')],
  ['control bytes', L('\x01\x02\x1b[0m\x7f')],
  // contractions, case, apostrophes
  ['contraction lower', U("don't you're they've we'll he'd it's I'm")],
  ['contraction upper', U("DON'T YOU'RE THEY'VE WE'LL HE'D IT'S I'M")],
  ['contraction mixed case', U("It'S we'Ll you'rE")],
  ['contraction alone', U("'s")],
  ['contraction alone upper', U("'LL")],
  ['double apostrophe', U("''s")],
  ['long s folds to s', U("it'\u017f")],
  ['long s alone', U("'\u017f")],
  ['apostrophe then re fragment', U("'r 'v 'l 're'")],
  ['rock n roll', U("rock'n'roll")],
  ['O Neil', U("O'Neil McDonald's")],
  ['curly apostrophe', U('it\u2019s don\u2019t')],
  ['HTTPServer', U('HTTPServer XMLHttpRequest iPhone')],
  ['camelCase', U('camelCaseWordsAreSplit getHTTPResponseCode')],
  ['all caps run', U('ABCDEFGHIJKLMNOPQRSTUVWXYZ')],
  ['titlecase digraph', U('\u01c5emal \u01c8ubljana \u01f2ungla')],
  ['modifier letters', U('\u02b0ello \u02c6x \u3005\u3005')],
  ['accented latin', U('caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c0\u00c9\u00ce\u00d5\u00dc stra\u00dfe')],
  ['combining marks', U('e\u0301 a\u0300\u0301\u0302 n\u0303o')],
  ['combining mark alone', U('\u0301')],
  ['combining mark after digit', U('1\u0301 2\u20dd')],
  ['combining mark after space', U(' \u0308a')],
  // numbers
  ['digits 1', U('1')],
  ['digits 3', U('123')],
  ['digits 4', U('1234')],
  ['digits 7', U('1234567')],
  ['digits 10 spaced', U(' 1234567890')],
  ['decimal', U('3.14159 2.71828')],
  ['thousands', U('1,000,000 and -42 and +7')],
  ['date and time', U('2024-05-13T12:34:56Z')],
  ['arabic-indic digits', U('\u0660\u0661\u0662\u0663\u0664')],
  ['devanagari digits', U('\u0966\u0967\u0968\u0969')],
  ['roman numeral Nl', U('\u2167 \u2160\u2161')],
  ['fractions and superscripts', U('\u00bd \u00b2 x\u00b2 \u2460\u2461')],
  ['Unicode 16 digits (Garay)', U('\u{10d40}\u{10d41}\u{10d42}\u{10d43}45')],
  ['Unicode 16 letters (Tulu-Tigalari)', U('\u{11380}\u{11381} \u{11382}')],
  ['Unicode 17 letter is unassigned here', U('x\u{10940}\u{10941}y')],
  // whitespace
  ['three spaces', U('   ')],
  ['spaces between words', U('a   b    c')],
  ['space newline space', U('a \n b')],
  ['newlines', U('\n\n\n')],
  ['CRLF pairs', U('line\r\n\r\nnext\r\n')],
  ['mixed whitespace before newline', U(' \t \n  x')],
  ['tab indent', U('\t\tindented\n\t\t\tmore')],
  ['trailing spaces', U('trailing   ')],
  ['leading spaces', U('   leading')],
  ['space before digit', U('x 1 22 333')],
  ['no-break space', U('a\u00a0b \u00a0c')],
  ['ideographic space', U('\u3000\u3000\u4e2d')],
  ['line separator', U('a\u2028b\u2029c')],
  ['NEL', U('a\u0085b')],
  ['vertical tab form feed', U('\u000b\u000c x')],
  ['whitespace only long', U(' \t'.repeat(20))],
  // punctuation and code
  ['ellipsis', U('...')],
  ['bangs and questions', U('!!!???!?')],
  ['slashes', U('a/b/c //\n/')],
  ['url', U('https://example.com/path/to?q=1&r=two#frag')],
  ['special token names as text', U('<|endoftext|><|im_start|>user\n<|endofprompt|>')],
  ['symbols', U('@#$%^&*()_+-=[]{}|;:",.<>?~`')],
  ['markdown', U('# Title\n\n- item **bold** _it_\n\n```c\nx = 1;\n```\n')],
  ['C code', U('static int\nfoo(struct bar *b)\n{\n\tif (b->n >= 42)\n\t\treturn -1;\n\treturn 0;\n}\n')],
  ['JSON', U('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"n":1}')],
  ['python', U('def f(x):\n    return [i ** 2 for i in range(x) if i % 2 == 0]\n')],
  ['quotes', U('"quoted" \'single\' \u201ccurly\u201d \u00abguillemets\u00bb')],
  ['punctuation then newline', U('end.\n\nNext!\r\n')],
  ['comment slash newline', U('//\n///\n')],
  // CJK and other scripts
  ['chinese', U('\u4f60\u597d\uff0c\u4e16\u754c\uff01\u81ea\u7136\u8bed\u8a00\u5904\u7406')],
  ['japanese', U('\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002')],
  ['korean', U('\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8')],
  ['mixed CJK latin', U('AI\u6a21\u578bGPT-4o\u5f88\u5f3a')],
  ['CJK extension B', U('\u{20000}\u{20001}\u{2a6d6}')],
  ['greek', U('\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac')],
  ['cyrillic', U('\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!')],
  ['hebrew', U('\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd')],
  ['arabic', U('\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645')],
  ['hindi', U('\u0939\u093f\u0928\u094d\u0926\u0940 \u092d\u093e\u0937\u093e')],
  ['thai', U('\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22')],
  ['math alphanumerics', U('\u{1d400}\u{1d401} \u{1d7ce}\u{1d7cf}')],
  // emoji
  ['emoji', U('\u{1f600}')],
  ['emoji skin tone', U('\u{1f44d}\u{1f3fd}')],
  ['flag', U('\u{1f1e9}\u{1f1ea}')],
  ['ZWJ family', U('\u{1f468}\u200d\u{1f469}\u200d\u{1f467}')],
  ['heart with VS16', U('I \u2764\ufe0f NY')],
  ['emoji run', U('\u{1f600}\u{1f603}\u{1f604}\u{1f601} ok')],
  ['zero-width chars', U('a\u200bb\u200cc\u200dd\ufeffe')],
  ['private use', U('\ue000\u{f0000}')],
  ['BOM kept', U('\ufeffBOM')],
  // invalid UTF-8: each maximal ill-formed subpart is one U+FFFD
  ['invalid FF', L('\xff')],
  ['invalid FE FF', L('\xfe\xff')],
  ['invalid lone continuation', L('a\x80b')],
  ['invalid continuation run', L('\x80\x80\x80')],
  ['invalid overlong NUL', L('\xc0\x80')],
  ['invalid overlong slash', L('\xe0\x80\xaf')],
  ['invalid truncated 2-byte at end', L('abc\xc3')],
  ['invalid truncated 2-byte then ASCII', L('\xc3(')],
  ['invalid truncated 3-byte', L('\xe2\x82')],
  ['invalid truncated 3-byte then ASCII', L('\xe2\x82(x')],
  ['invalid surrogate', L('\xed\xa0\x80')],
  ['invalid above U+10FFFF', L('\xf4\x90\x80\x80')],
  ['invalid truncated emoji', L('\xf0\x9f\x98 ok')],
  ['invalid 5-byte form', L('\xf8\x88\x80\x80\x80')],
  ['invalid F5', L('\xf5\x80')],
  ['invalid inside word', L('hello\xffworld')],
  ['invalid after space', L(' \xff\xfe x')],
  ['invalid between digits', L('12\xff34')],
  ['invalid then contraction', L("\xff's")],
  ['valid then invalid mix', Buffer.concat([U('caf\u00e9 '), L('\xc3\xc3\xa9 \xe4\xbd'), U('\u4f60')])],
  // long pieces: the heap-ordered merge (longer than 128 bytes)
  ['letters 3000 random', U(letters('abcdefghijklmnopqrstuvwxyz', 3000))],
  ['letters 500 mixed case', U(letters('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', 500))],
  ['base64 blob', U(letters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 4000))],
  ['CJK run 400', U(letters('\u7684\u662f\u4e0d\u4e86\u4eba\u6211\u5728\u6709\u4ed6\u8fd9', 400))],
  ['punctuation run 300', U(letters('!@#$%^&*()-=[]{};:,.<>?|~', 300))],
  ['spaces 129', U(' '.repeat(129) + 'x')],
  ['ab repeated', U('ab'), 1000],
  ['word repeated', U('hello world. '), 500],
  // longer than the 64 KiB merge chunk: within 1 token per chunk
  ['a times 70000', U('a'), 70000],
  ['equals times 140000', U('='), 140000],
  ['CJK char times 30000', U('\u4e2d'), 30000],
];

function cstr(b) {
  const lines = [];
  let cur = '';
  for (const x of b) {
    let e;
    if (x === 0x22) e = '\\"';
    else if (x === 0x5c) e = '\\\\';
    else if (x === 0x3f) e = '\\?';
    else if (x >= 0x20 && x < 0x7f) e = String.fromCharCode(x);
    else e = '\\' + x.toString(8).padStart(3, '0');
    if (cur.length + e.length > 60) {
      lines.push(`"${cur}"`);
      cur = '';
    }
    cur += e;
  }
  lines.push(`"${cur}"`);
  return lines.join('\n\t    ');
}

const dec = new TextDecoder('utf-8', { ignoreBOM: true });
let body = '';
for (const [name, bytes, repeat = 1] of CASES) {
  const text = dec.decode(Buffer.concat(Array(repeat).fill(bytes)));
  const a = o200k.encode_ordinary(text).length;
  const c = cl100k.encode_ordinary(text).length;
  body += `\t{ ${JSON.stringify(name)},\n\t    ${cstr(bytes)},\n\t    ${bytes.length}, ${repeat}, ${a}, ${c} },\n`;
}

writeFileSync(OUT, `/*
 * tokens_expected.h: generated by tools/tokens/expect.mjs from tiktoken
 * ${tkver} (encode_ordinary): do not edit.  Each case is a byte string, how
 * often it repeats, and its token counts in o200k_base and cl100k_base.
 */
static const struct tok_expect {
\tconst char\t*name;
\tconst char\t*s;
\tsize_t\t\t n;
\tunsigned\t repeat;
\tint64_t\t\t o200k, cl100k;
} tok_expected[] = {
${body}};
`);
console.log(`${OUT}: ${CASES.length} cases`);
