/*
 * tokens.c: token counting.  Exact for OpenAI's o200k_base and
 * cl100k_base: the text is split by the encoding's pre-tokenization
 * pattern (implemented here by hand, no regex library), and each piece is
 * byte-pair merged by rank, exactly as tiktoken does.  Every other model
 * gets the byte heuristic tok_estimate().
 *
 * Owns nothing mutable: the vocabularies and the Unicode class table are
 * one read-only blob generated at build time (tools/tokens/gen.mjs,
 * README.md there for its layout) and linked in by tools/tokens/tokdata.S.
 * The blob is checked once per process (pthread_once); after that every
 * thread reads it without locks.  A piece longer than BPE_SMALL bytes
 * uses a heap-ordered merge (O(m log m)) instead of tiktoken's quadratic
 * scan; both give the same merges (lowest rank first, leftmost on ties).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tokens.h"

/*
 * tools/tokens/tokdata.S: the bytes of $(BUILD)/gen/tokdata.bin.  Weak, so
 * that a program built from app/tokens.c alone (a fuzz harness) links and
 * counts by the heuristic.
 */
extern const unsigned char tok_data[] __attribute__((weak));
extern const unsigned char tok_data_end[] __attribute__((weak));

const char *const tok_enc_names[TOK_ENC__MAX] = {
	[TOK_HEURISTIC] = "heuristic",
	[TOK_O200K] = "o200k_base",
	[TOK_CL100K] = "cl100k_base",
};

/* Class bits of a code point; must match tools/tokens/gen.mjs. */
#define C_LU	0x01u
#define C_LL	0x02u
#define C_LT	0x04u
#define C_LM	0x08u
#define C_LO	0x10u
#define C_M	0x20u
#define C_N	0x40u
#define C_WS	0x80u		/* White_Space, i.e. \s */
#define C_L	(C_LU | C_LL | C_LT | C_LM | C_LO)
/* o200k's [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and [\p{Ll}\p{Lm}\p{Lo}\p{M}] */
#define C_UP	(C_LU | C_LT | C_LM | C_LO | C_M)
#define C_LOW	(C_LL | C_LM | C_LO | C_M)

#define NONE		UINT32_MAX
#define BPE_SMALL	128		/* tiktoken's scan up to this size */
#define BPE_CHUNK	65536		/* longer pieces are merged in chunks */
#define TOK_MAGIC	"NXTOK001"

struct tok_vocab {
	uint32_t		 nranks, mask, maxlen;
	const uint32_t		*offs;	/* rank r: bytes[offs[r]..offs[r+1]) */
	const uint32_t		*table;	/* rank + 1, by FNV-1a of the bytes */
	const unsigned char	*bytes;
};

static struct {
	int			 ok;
	const uint16_t		*stage1;	/* code point >> 8 -> block */
	const unsigned char	*stage2;	/* block * 256 + low: C_* */
	struct tok_vocab	 v[TOK_ENC__MAX];
} tt;
static pthread_once_t	 tt_once = PTHREAD_ONCE_INIT;

/* The text being split: valid UTF-8. */
struct scan {
	const unsigned char	*s;
	size_t			 n;
};

int64_t
tok_estimate(const char *s, size_t n)
{
	int64_t	 ascii = 0, other = 0;
	size_t	 i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < 0x80)
			ascii++;
		else if ((c & 0xc0) != 0x80)
			other++;
	}
	return (ascii + 3) / 4 + other;
}

static uint32_t
u32_at(size_t off)
{
	uint32_t v;

	memcpy(&v, tok_data + off, sizeof(v));
	return v;
}

/* Is [off, off + len) inside the blob and 4-aligned? */
static int
in_blob(size_t off, size_t len, size_t size)
{
	return off % 4 == 0 && off <= size && len <= size - off;
}

static int
load_vocab(struct tok_vocab *v, size_t sec, size_t size)
{
	size_t	 offs, bytes, table, nbytes, i;

	if (!in_blob(sec, 24, size))
		return -1;
	v->nranks = u32_at(sec);
	v->mask = u32_at(sec + 4);
	offs = u32_at(sec + 8);
	bytes = u32_at(sec + 12);
	table = u32_at(sec + 16);
	v->maxlen = u32_at(sec + 20);
	if (v->nranks < 256 || v->nranks > (1u << 24) ||
	    (v->mask & (v->mask + 1)) != 0 || v->mask < v->nranks ||
	    !in_blob(offs, ((size_t)v->nranks + 1) * 4, size) ||
	    !in_blob(table, ((size_t)v->mask + 1) * 4, size) ||
	    bytes > size)
		return -1;
	v->offs = (const uint32_t *)(tok_data + offs);
	v->table = (const uint32_t *)(tok_data + table);
	v->bytes = tok_data + bytes;
	nbytes = size - bytes;
	for (i = 0; i < v->nranks; i++)
		if (v->offs[i] > v->offs[i + 1])
			return -1;
	if (v->offs[0] != 0 || v->offs[v->nranks] > nbytes)
		return -1;
	for (i = 0; i <= v->mask; i++)
		if (v->table[i] > v->nranks)
			return -1;
	return 0;
}

/* Checks the blob's header and bounds once; tt.ok = 1 when usable. */
static void
tt_init(void)
{
	size_t	 size, s1, s2, nb, i;

	if (tok_data == NULL || tok_data_end == NULL)
		return;
	size = (size_t)(tok_data_end - tok_data);
	if (size < 64 || memcmp(tok_data, TOK_MAGIC, 8) != 0 ||
	    u32_at(8) != 0x01020304 || u32_at(12) != size)
		return;
	s1 = u32_at(16);
	s2 = u32_at(20);
	nb = u32_at(24);
	if (!in_blob(s1, 0x1100 * 2, size) || nb == 0 || nb > 0x1100 ||
	    !in_blob(s2, nb * 256, size))
		return;
	tt.stage1 = (const uint16_t *)(tok_data + s1);
	tt.stage2 = tok_data + s2;
	for (i = 0; i < 0x1100; i++)
		if (tt.stage1[i] >= nb)
			return;
	if (load_vocab(&tt.v[TOK_O200K], u32_at(28), size) == -1 ||
	    load_vocab(&tt.v[TOK_CL100K], u32_at(32), size) == -1)
		return;
	tt.ok = 1;
}

int
tok_ready(void)
{
	(void)pthread_once(&tt_once, tt_init);
	return tt.ok;
}

/*
 * Length of the well-formed UTF-8 sequence at s[i], or 0 with *bad set to
 * the length of the maximal ill-formed subpart there (WHATWG Encoding,
 * "UTF-8 decoder": it becomes one U+FFFD and the failing byte is read
 * again).  Surrogates and overlong forms are ill-formed.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, size_t i, size_t *bad)
{
	unsigned char	 b = s[i], lo = 0x80, hi = 0xbf;
	size_t		 need, k;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		need = 1;
	else if (b >= 0xe0 && b <= 0xef) {
		need = 2;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		need = 3;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 1;
		return 0;
	}
	for (k = 1; k <= need; k++) {
		if (i + k >= n || s[i + k] < lo || s[i + k] > hi) {
			*bad = k;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/* Copies s[0..n) to out with each ill-formed subpart as U+FFFD. */
static size_t
utf8_clean(const unsigned char *s, size_t n, unsigned char *out)
{
	size_t	 i = 0, o = 0, k, bad;

	while (i < n) {
		if ((k = utf8_seq(s, n, i, &bad)) != 0) {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += bad;
		}
	}
	return o;
}

/* Class bits of the code point at i < n; *next gets the offset after it. */
static unsigned
cls_at(const struct scan *sc, size_t i, size_t *next)
{
	const unsigned char	*s = sc->s;
	uint32_t		 cp;
	size_t			 k;

	if (s[i] < 0x80) {
		*next = i + 1;
		return tt.stage2[(size_t)tt.stage1[0] * 256 + s[i]];
	}
	if (s[i] < 0xe0) {
		cp = s[i] & 0x1f;
		k = 2;
	} else if (s[i] < 0xf0) {
		cp = s[i] & 0x0f;
		k = 3;
	} else {
		cp = s[i] & 0x07;
		k = 4;
	}
	if (k > sc->n - i)	/* cannot happen after utf8_clean */
		k = sc->n - i;
	*next = i + k;
	while (--k > 0)
		cp = (cp << 6) | (s[++i] & 0x3f);
	if (cp >= 0x110000)
		return 0;
	return tt.stage2[(size_t)tt.stage1[cp >> 8] * 256 + (cp & 0xff)];
}

/* End of the run of code points with any of bits from i. */
static size_t
run(const struct scan *sc, size_t i, unsigned bits)
{
	size_t	 nx;

	while (i < sc->n && (cls_at(sc, i, &nx) & bits) != 0)
		i = nx;
	return i;
}

/* [^\r\n\p{L}\p{N}]: c is the class, b the first byte. */
static int
is_p(unsigned c, unsigned char b)
{
	return (c & (C_L | C_N)) == 0 && b != '\r' && b != '\n';
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d) at i: its end, or i when none. */
static size_t
contraction(const struct scan *sc, size_t i)
{
	const unsigned char	*s = sc->s;
	size_t			 n = sc->n;

	if (n - i < 2 || s[i] != '\'')
		return i;
	switch (s[i + 1] | 0x20) {
	case 's':
	case 't':
	case 'm':
	case 'd':
		return i + 2;
	case 'r':
	case 'v':
		return n - i >= 3 && (s[i + 2] | 0x20) == 'e' ? i + 3 : i;
	case 'l':
		return n - i >= 3 && (s[i + 2] | 0x20) == 'l' ? i + 3 : i;
	}
	/* U+017F LATIN SMALL LETTER LONG S case-folds to 's'. */
	if (n - i >= 3 && s[i + 1] == 0xc5 && s[i + 2] == 0xbf)
		return i + 3;
	return i;
}

/*
 * o200k's letter runs from q, as a backtracking matcher finds them:
 * alt 0 is [UP]*[LOW]+, alt 1 is [UP]+[LOW]*.  Returns the end, or 0.
 * For alt 0 the greedy [UP]* gives back code points until a [LOW] one
 * follows: that is the run's end when it is Ll, else the last UP code
 * point that is LOW too (Lm, Lo, M), which then ends the match.
 */
static size_t
o200k_word(const struct scan *sc, size_t q, int alt)
{
	size_t		 e = q, lastw = SIZE_MAX, nx;
	unsigned	 c;

	while (e < sc->n && ((c = cls_at(sc, e, &nx)) & C_UP) != 0) {
		if (c & C_LOW)
			lastw = e;
		e = nx;
	}
	if (alt == 1)
		return e == q ? 0 : run(sc, e, C_LOW);
	if (e < sc->n && (cls_at(sc, e, &nx) & C_LOW) != 0)
		return run(sc, e, C_LOW);
	if (lastw == SIZE_MAX)
		return 0;
	(void)cls_at(sc, lastw, &nx);
	return nx;
}

/* " ?[^\s\p{L}\p{N}]+" then any of [\r\n] (and '/' when slash). */
static size_t
punct(const struct scan *sc, size_t p, int slash)
{
	const unsigned char	*s = sc->s;
	size_t			 q = p, e, nx;

	if (s[p] == ' ')
		q = p + 1;	/* without it, ' ' itself is no match */
	if (q >= sc->n || (cls_at(sc, q, &nx) & (C_WS | C_L | C_N)) != 0)
		return 0;
	for (e = q; e < sc->n &&
	    (cls_at(sc, e, &nx) & (C_WS | C_L | C_N)) == 0; e = nx)
		;
	while (e < sc->n && (s[e] == '\r' || s[e] == '\n' ||
	    (slash && s[e] == '/')))
		e++;
	return e;
}

/* \s*[\r\n]+ | \s+(?!\S) | \s+ at a white-space code point p. */
static size_t
space(const struct scan *sc, size_t p)
{
	size_t	 e = p, nl = SIZE_MAX, last = p, k = 0, nx;

	while (e < sc->n && (cls_at(sc, e, &nx) & C_WS) != 0) {
		if (sc->s[e] == '\r' || sc->s[e] == '\n')
			nl = e;
		last = e;
		e = nx;
		k++;
	}
	if (nl != SIZE_MAX)
		return nl + 1;	/* up to and with the last line break */
	if (e == sc->n || k < 2)
		return e;
	return last;		/* leave one space to lead the next word */
}

/* \p{N}{1,3} at p (a number). */
static size_t
digits(const struct scan *sc, size_t p)
{
	size_t	 e = p, nx;
	int	 k;

	for (k = 0; k < 3 && e < sc->n && (cls_at(sc, e, &nx) & C_N); k++)
		e = nx;
	return e;
}

/* End of the o200k_base piece that starts at p < n. */
static size_t
o200k_piece(const struct scan *sc, size_t p)
{
	size_t		 nx, e;
	unsigned	 c = cls_at(sc, p, &nx);
	int		 alt;

	for (alt = 0; alt < 2; alt++) {
		if (is_p(c, sc->s[p]) && (e = o200k_word(sc, nx, alt)) != 0)
			return contraction(sc, e);
		if ((e = o200k_word(sc, p, alt)) != 0)
			return contraction(sc, e);
	}
	if (c & C_N)
		return digits(sc, p);
	if ((e = punct(sc, p, 1)) != 0)
		return e;
	if (c & C_WS)
		return space(sc, p);
	return nx;		/* unreachable: every class matches above */
}

/* End of the cl100k_base piece that starts at p < n. */
static size_t
cl100k_piece(const struct scan *sc, size_t p)
{
	size_t		 nx, nx2, e;
	unsigned	 c = cls_at(sc, p, &nx);

	if ((e = contraction(sc, p)) != p)
		return e;
	if (is_p(c, sc->s[p]) && nx < sc->n &&
	    (cls_at(sc, nx, &nx2) & C_L) != 0)
		return run(sc, nx, C_L);
	if (c & C_L)
		return run(sc, p, C_L);
	if (c & C_N)
		return digits(sc, p);
	if ((e = punct(sc, p, 0)) != 0)
		return e;
	if (c & C_WS)
		return space(sc, p);
	return nx;
}

/* Rank of the byte string p[0..m), or NONE. */
static uint32_t
rank_of(const struct tok_vocab *v, const unsigned char *p, size_t m)
{
	uint32_t	 h = 0x811c9dc5u, r, o;
	size_t		 i;

	if (m > v->maxlen)
		return NONE;
	for (i = 0; i < m; i++) {
		h ^= p[i];
		h *= 0x01000193u;
	}
	for (i = h & v->mask; (r = v->table[i]) != 0; i = (i + 1) & v->mask) {
		o = v->offs[r - 1];
		if (v->offs[r] - o == m && memcmp(v->bytes + o, p, m) == 0)
			return r - 1;
	}
	return NONE;
}

/* tiktoken's byte_pair_merge for 2 <= m <= BPE_SMALL: part count. */
static int64_t
bpe_small(const struct tok_vocab *v, const unsigned char *p, size_t m)
{
	uint32_t	 st[BPE_SMALL + 1], rk[BPE_SMALL + 1], min;
	size_t		 np = m + 1, i, best;

	for (i = 0; i < m; i++) {
		st[i] = (uint32_t)i;
		rk[i] = i + 1 < m ? rank_of(v, p + i, 2) : NONE;
	}
	st[m] = (uint32_t)m;
	rk[m] = NONE;
	for (;;) {
		min = NONE;
		best = 0;
		for (i = 0; i + 1 < np; i++)
			if (rk[i] < min) {
				min = rk[i];
				best = i;
			}
		if (min == NONE)
			break;
		/* Part best absorbs part best + 1. */
		memmove(st + best + 1, st + best + 2,
		    (np - best - 2) * sizeof(st[0]));
		memmove(rk + best + 1, rk + best + 2,
		    (np - best - 2) * sizeof(rk[0]));
		np--;
		rk[best] = best + 2 < np ? rank_of(v, p + st[best],
		    st[best + 2] - st[best]) : NONE;
		if (best > 0)
			rk[best - 1] = rank_of(v, p + st[best - 1],
			    st[best + 1] - st[best - 1]);
	}
	return (int64_t)np - 1;
}

static void
heap_push(uint64_t *h, size_t *hn, uint64_t x)
{
	size_t	 i = (*hn)++, up;

	for (; i > 0 && h[up = (i - 1) / 2] > x; i = up)
		h[i] = h[up];
	h[i] = x;
}

static uint64_t
heap_pop(uint64_t *h, size_t *hn)
{
	uint64_t top = h[0], x = h[--(*hn)];
	size_t	 i = 0, c;

	while ((c = 2 * i + 1) < *hn) {
		if (c + 1 < *hn && h[c + 1] < h[c])
			c++;
		if (h[c] >= x)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
	return top;
}

/*
 * The same merges for a long piece, lowest (rank, offset) first from a
 * heap; a heap entry is stale when its pair's rank has changed since
 * (a pair only grows, so a changed pair never gets its old rank back).
 * Parts are a linked list by byte offset.  -1 when out of memory.
 */
static int64_t
bpe_large(const struct tok_vocab *v, const unsigned char *p, size_t m)
{
	uint32_t	*nx, *pv, *rk, r, i, j, k;
	uint64_t	*h, e;
	size_t		 hn = 0, parts = m;
	void		*mem;

	if ((mem = malloc((m + 1) * 3 * sizeof(uint32_t) +
	    m * 3 * sizeof(uint64_t))) == NULL)
		return -1;
	h = mem;
	nx = (uint32_t *)(h + m * 3);
	pv = nx + m + 1;
	rk = pv + m + 1;
	for (i = 0; i < m; i++) {
		nx[i] = i + 1;
		pv[i] = i - 1;
		rk[i] = i + 1 < m ? rank_of(v, p + i, 2) : NONE;
		if (rk[i] != NONE)
			heap_push(h, &hn, (uint64_t)rk[i] << 32 | i);
	}
	while (hn > 0) {
		e = heap_pop(h, &hn);
		r = (uint32_t)(e >> 32);
		i = (uint32_t)e;
		if (rk[i] != r)
			continue;
		j = nx[i];
		nx[i] = nx[j];
		if (nx[j] < m)
			pv[nx[j]] = i;
		rk[j] = NONE;
		parts--;
		rk[i] = nx[i] < m ? rank_of(v, p + i, nx[nx[i]] - i) : NONE;
		if (rk[i] != NONE)
			heap_push(h, &hn, (uint64_t)rk[i] << 32 | i);
		if (i > 0) {
			k = pv[i];
			rk[k] = rank_of(v, p + k, nx[i] - k);
			if (rk[k] != NONE)
				heap_push(h, &hn, (uint64_t)rk[k] << 32 | k);
		}
	}
	free(mem);
	return (int64_t)parts;
}

/* Tokens of one split piece p[0..m), m >= 1. */
static int64_t
piece_tokens(const struct tok_vocab *v, const unsigned char *p, size_t m)
{
	int64_t	 t, sum = 0;
	size_t	 k;

	if (m == 1 || rank_of(v, p, m) != NONE)
		return 1;
	if (m <= BPE_SMALL)
		return bpe_small(v, p, m);
	/* Merged in chunks of whole code points: see docs/billing.md. */
	while (m > 0) {
		k = m;
		if (k > BPE_CHUNK) {
			k = BPE_CHUNK;
			while (k > 1 && (p[k] & 0xc0) == 0x80)
				k--;
		}
		if ((t = bpe_large(v, p, k)) == -1)
			t = tok_estimate((const char *)p, k);
		sum += t;
		p += k;
		m -= k;
	}
	return sum;
}

/* Tokens of valid UTF-8 s[0..n) in enc. */
static int64_t
count_valid(enum tok_enc enc, const unsigned char *s, size_t n)
{
	struct scan	 sc = { s, n };
	size_t		 p = 0, e;
	int64_t		 sum = 0;

	while (p < n) {
		e = enc == TOK_O200K ? o200k_piece(&sc, p) :
		    cl100k_piece(&sc, p);
		sum += piece_tokens(&tt.v[enc], s + p, e - p);
		p = e;
	}
	return sum;
}

int64_t
tok_count(enum tok_enc enc, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned char		*clean;
	size_t			 i = 0, k, bad;
	int64_t			 t;

	if ((enc != TOK_O200K && enc != TOK_CL100K) || !tok_ready())
		return tok_estimate(s, n);
	while (i < n && (k = utf8_seq(u, n, i, &bad)) != 0)
		i += k;
	if (i == n)
		return count_valid(enc, u, n);
	/* Ill-formed: each subpart grows to at most 3 bytes. */
	if (n > SIZE_MAX / 3 || (clean = malloc(n * 3)) == NULL)
		return tok_estimate(s, n);
	memcpy(clean, u, i);
	t = count_valid(enc, clean, i + utf8_clean(u + i, n - i, clean + i));
	free(clean);
	return t;
}

/* Model families by id prefix; o200k ones first ("gpt-4o" vs "gpt-4"). */
static const struct tok_model {
	const char	*prefix;
	enum tok_enc	 enc;
} tok_models[] = {
	{ "gpt-4o", TOK_O200K },
	{ "chatgpt-4o", TOK_O200K },
	{ "gpt-4.1", TOK_O200K },
	{ "gpt-4.5", TOK_O200K },
	{ "gpt-5", TOK_O200K },
	{ "gpt-oss", TOK_O200K },
	{ "gpt-image-1", TOK_O200K },
	{ "omni-moderation", TOK_O200K },
	{ "codex-mini", TOK_O200K },
	{ "o1", TOK_O200K },
	{ "o3", TOK_O200K },
	{ "o4-mini", TOK_O200K },
	{ "gpt-4", TOK_CL100K },
	{ "gpt-3.5", TOK_CL100K },
	{ "gpt-35", TOK_CL100K },
	{ "text-embedding-3", TOK_CL100K },
	{ "text-embedding-ada-002", TOK_CL100K },
	{ "davinci-002", TOK_CL100K },
	{ "babbage-002", TOK_CL100K },
};

enum tok_enc
tok_encoding_for_model(const char *model)
{
	size_t	 i, k;
	char	 b;

	if (model == NULL)
		return TOK_HEURISTIC;
	if (strncmp(model, "ft:", 3) == 0)
		model += 3;
	for (i = 0; i < sizeof(tok_models) / sizeof(tok_models[0]); i++) {
		k = strlen(tok_models[i].prefix);
		if (strncmp(model, tok_models[i].prefix, k) != 0)
			continue;
		/* A whole family name: "o1-mini", not "o1x". */
		b = model[k];
		if (b == '\0' || b == '-' || b == '.' || b == ':')
			return tok_models[i].enc;
	}
	return TOK_HEURISTIC;
}

int64_t
tok_count_model(const char *model, const char *s, size_t n)
{
	return tok_count(tok_encoding_for_model(model), s, n);
}

size_t
tok_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int64_t
tok_estimate_str(const char *s)
{
	return s != NULL ? tok_estimate(s, strlen(s)) : 0;
}

int64_t
tok_estimate_member(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? tok_estimate_str(v->valuestring) : 0;
}

int64_t
tok_estimate_json(const cJSON *v)
{
	char	*s;
	int64_t	 n;

	if (v == NULL || (s = cJSON_PrintUnformatted(v)) == NULL)
		return 0;
	n = tok_estimate_str(s);
	cJSON_free(s);
	return n;
}
