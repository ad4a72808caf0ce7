/*
 * audio.c: audio duration from file headers (audio.h).
 *
 * Formats and the specifications followed:
 *   WAV   RIFF WAVE (Microsoft/IBM Multimedia Programming Interface 1.0):
 *         chunks of id + little-endian size, padded to even; "fmt "
 *         (which must precede "data") gives the byte rate, "data" the
 *         length of the samples.  A data size past the end of the buffer
 *         (a truncated file, or 0xFFFFFFFF from a streaming writer) is cut
 *         to what is there.
 *   MP3   ISO/IEC 11172-3 and 13818-3 frame headers (MPEG-1, 2 and the
 *         unofficial 2.5, layers I-III), after any ID3v2 tags (id3.org
 *         ID3v2.4 structure: 10-byte header, syncsafe size, optional
 *         footer).  The first frame must be confirmed by the header of the
 *         next one.  Duration from the Xing/Info frame count, else the
 *         VBRI frame count, else by walking every frame.
 *   FLAC  RFC 9639: "fLaC", then STREAMINFO as the first metadata block
 *         (34 bytes: 20-bit sample rate, 36-bit total samples).
 *   Ogg   RFC 3533 pages (27-byte header, segment table, CRC-32 with
 *         polynomial 0x04c11db7); the first page opens a Vorbis (Vorbis I
 *         spec 4.2.2 identification header) or Opus (RFC 7845 5.1
 *         OpusHead) stream; the duration is the granule position of the
 *         last page of that stream whose CRC checks, over the sample rate
 *         (Opus: 48 kHz, minus the pre-skip).
 *
 * Nothing here allocates; every offset is compared with the buffer
 * length before a read, and every loop has a fixed bound.
 */
#include <stdint.h>
#include <string.h>

#include "audio.h"

const char *const audio_fmt_names[AUDIO__MAX] = {
	[AUDIO_UNKNOWN] = "unknown",
	[AUDIO_WAV] = "wav",
	[AUDIO_MP3] = "mp3",
	[AUDIO_FLAC] = "flac",
	[AUDIO_OGG_VORBIS] = "ogg_vorbis",
	[AUDIO_OGG_OPUS] = "ogg_opus",
};

#define US_PER_S	1000000LL
#define WAV_MAX_CHUNKS	256		/* chunks walked before "data" */
#define ID3_MAX_TAGS	4		/* ID3v2 tags skipped in a row */
#define MP3_SYNC_SCAN	(64 * 1024)	/* junk bytes before the 1st frame */
#define OGG_TAIL_SCAN	(1024 * 1024)	/* bytes searched for the last page */
#define OGG_HDR		27

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* samples / rate in microseconds without overflow; -1 past the cap. */
static int64_t
samples_us(uint64_t samples, uint32_t rate)
{
	uint64_t	 s, rem;

	if (rate == 0)
		return -1;
	s = samples / rate;
	rem = samples % rate;
	if (s > (uint64_t)(AUDIO_MAX_US / US_PER_S))
		return -1;
	return (int64_t)(s * US_PER_S + rem * US_PER_S / rate);
}

/* Offset past any ID3v2 tags at the start, or -1 when one is truncated. */
static long long
id3_skip(const unsigned char *p, size_t n)
{
	size_t	 off = 0, size;
	int	 i;

	for (i = 0; i < ID3_MAX_TAGS; i++) {
		if (n - off < 10 || memcmp(p + off, "ID3", 3) != 0)
			break;
		if (p[off + 3] == 0xff || p[off + 4] == 0xff ||
		    ((p[off + 6] | p[off + 7] | p[off + 8] | p[off + 9]) &
		    0x80) != 0)
			return -1;
		size = (size_t)p[off + 6] << 21 | (size_t)p[off + 7] << 14 |
		    (size_t)p[off + 8] << 7 | (size_t)p[off + 9];
		size += 10 + ((p[off + 5] & 0x10) != 0 ? 10 : 0);
		if (size > n - off)
			return -1;
		off += size;
	}
	return (long long)off;
}

/* ---- WAV ---- */

static int
wav_probe(const unsigned char *p, size_t n, struct audio_info *out)
{
	size_t		 pos = 12, body;
	uint32_t	 id_size, byte_rate = 0, tag, bits;
	uint64_t	 data;
	int		 have_fmt = 0, i;

	if (n < 12 || memcmp(p, "RIFF", 4) != 0 ||
	    memcmp(p + 8, "WAVE", 4) != 0)
		return -1;
	out->fmt = AUDIO_WAV;
	for (i = 0; i < WAV_MAX_CHUNKS && n - pos >= 8; i++) {
		id_size = le32(p + pos + 4);
		body = pos + 8;
		if (memcmp(p + pos, "fmt ", 4) == 0) {
			if (id_size < 16 || n - body < 16)
				return -1;
			tag = le16(p + body);
			out->channels = le16(p + body + 2);
			out->rate = le32(p + body + 4);
			byte_rate = le32(p + body + 8);
			bits = le16(p + body + 14);
			if (tag == 0 || out->channels == 0 ||
			    out->channels > 64 || out->rate == 0 ||
			    out->rate > 1000000 || byte_rate == 0)
				return -1;
			/* PCM, IEEE float, extensible: the rate must add up. */
			if ((tag == 1 || tag == 3 || tag == 0xfffe) &&
			    (bits == 0 || bits > 64 || byte_rate !=
			    (uint64_t)out->rate * out->channels *
			    ((bits + 7) / 8)))
				return -1;
			have_fmt = 1;
		} else if (memcmp(p + pos, "data", 4) == 0) {
			if (!have_fmt)
				return -1;
			data = id_size;
			if (data > n - body)
				data = n - body;
			out->duration_us = (int64_t)(data * US_PER_S /
			    byte_rate);
			return 0;
		}
		if ((uint64_t)id_size + (id_size & 1) > n - body)
			return -1;	/* a chunk runs past the end */
		pos = body + id_size + (id_size & 1);
	}
	return -1;
}

/* ---- MP3 ---- */

struct mp3_frame {
	int		 version;	/* 1, 2, or 25 (MPEG-2.5) */
	int		 layer;		/* 1..3 */
	uint32_t	 rate;
	uint32_t	 channels;
	uint32_t	 len;		/* bytes, header included */
	uint32_t	 samples;	/* per frame */
};

static const uint16_t mp3_kbps[5][16] = {
	/* MPEG-1 layer I, II, III; MPEG-2/2.5 layer I; layer II and III */
	{ 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416,
	    448, 0 },
	{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
	    0 },
	{ 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
	    0 },
	{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
	    0 },
	{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 },
};

static const uint32_t mp3_rates[3][3] = {
	{ 44100, 48000, 32000 },	/* MPEG-1 */
	{ 22050, 24000, 16000 },	/* MPEG-2 */
	{ 11025, 12000, 8000 },		/* MPEG-2.5 */
};

/* Decodes the 4-byte frame header at h; 0, or -1 when it is not one. */
static int
mp3_header(const unsigned char *h, struct mp3_frame *f)
{
	uint32_t	 ver, lay, bri, sri, pad, kbps, bps;
	int		 row, vi;

	if (h[0] != 0xff || (h[1] & 0xe0) != 0xe0)
		return -1;
	ver = (h[1] >> 3) & 3;
	lay = (h[1] >> 1) & 3;
	bri = h[2] >> 4;
	sri = (h[2] >> 2) & 3;
	pad = (h[2] >> 1) & 1;
	if (ver == 1 || lay == 0 || bri == 0 || bri == 15 || sri == 3 ||
	    (h[3] & 3) == 2)
		return -1;	/* reserved, free format, bad, reserved */
	f->version = ver == 3 ? 1 : ver == 2 ? 2 : 25;
	f->layer = 4 - (int)lay;
	vi = f->version == 1 ? 0 : f->version == 2 ? 1 : 2;
	if (f->version == 1)
		row = f->layer - 1;
	else
		row = f->layer == 1 ? 3 : 4;
	kbps = mp3_kbps[row][bri];
	f->rate = mp3_rates[vi][sri];
	f->channels = (h[3] >> 6) == 3 ? 1 : 2;
	bps = kbps * 1000;
	if (f->layer == 1) {
		f->len = (12 * bps / f->rate + pad) * 4;
		f->samples = 384;
	} else if (f->layer == 2 || f->version == 1) {
		f->len = 144 * bps / f->rate + pad;
		f->samples = 1152;
	} else {
		f->len = 72 * bps / f->rate + pad;
		f->samples = 576;
	}
	return f->len >= 4 ? 0 : -1;
}

static int
mp3_same(const struct mp3_frame *a, const struct mp3_frame *b)
{
	return a->version == b->version && a->layer == b->layer &&
	    a->rate == b->rate;
}

/*
 * Frame count of a Xing/Info or VBRI header in the frame at p (f), or 0
 * when there is none.
 */
static uint32_t
mp3_vbr_frames(const unsigned char *p, size_t avail,
    const struct mp3_frame *f)
{
	size_t	 off;

	if (f->layer != 3)
		return 0;
	if (f->version == 1)
		off = 4 + (f->channels == 1 ? 17 : 32);
	else
		off = 4 + (f->channels == 1 ? 9 : 17);
	if (avail > f->len)
		avail = f->len;
	if (avail >= off + 12 && (memcmp(p + off, "Xing", 4) == 0 ||
	    memcmp(p + off, "Info", 4) == 0) && (be32(p + off + 4) & 1) != 0)
		return be32(p + off + 8);
	/* VBRI always sits 32 bytes after the header. */
	if (avail >= 36 + 18 && memcmp(p + 36, "VBRI", 4) == 0)
		return be32(p + 36 + 14);
	return 0;
}

static int
mp3_probe(const unsigned char *p, size_t n, size_t start,
    struct audio_info *out)
{
	struct mp3_frame f, g;
	size_t		 pos, end;
	uint64_t	 samples = 0;
	uint32_t	 frames;

	end = n - start > MP3_SYNC_SCAN ? start + MP3_SYNC_SCAN : n;
	for (pos = start; pos + 4 <= end; pos++) {
		if (p[pos] != 0xff || mp3_header(p + pos, &f) == -1 ||
		    f.len > n - pos)
			continue;
		if (pos + f.len == n)
			break;	/* a single frame that ends the file */
		if (n - pos - f.len >= 4 &&
		    mp3_header(p + pos + f.len, &g) == 0 && mp3_same(&f, &g))
			break;
	}
	if (pos + 4 > end)
		return -1;
	out->fmt = AUDIO_MP3;
	out->rate = f.rate;
	out->channels = f.channels;
	if ((frames = mp3_vbr_frames(p + pos, n - pos, &f)) > 0) {
		out->duration_us = samples_us((uint64_t)frames * f.samples,
		    f.rate);
		return out->duration_us < 0 ? -1 : 0;
	}
	/* Walk the frames; stop at the first thing that is not one. */
	while (n - pos >= 4 && mp3_header(p + pos, &g) == 0 &&
	    mp3_same(&f, &g) && g.len <= n - pos) {
		samples += g.samples;
		pos += g.len;
	}
	out->duration_us = samples_us(samples, f.rate);
	return out->duration_us < 0 ? -1 : 0;
}

/* ---- FLAC ---- */

static int
flac_probe(const unsigned char *p, size_t n, size_t start,
    struct audio_info *out)
{
	const unsigned char	*s;
	uint32_t		 minblk, maxblk;
	uint64_t		 total;

	if (n - start < 4 || memcmp(p + start, "fLaC", 4) != 0)
		return -1;
	out->fmt = AUDIO_FLAC;
	p += start + 4;
	n -= start + 4;
	/* STREAMINFO must be the first block, type 0, 34 bytes. */
	if (n < 4 + 34 || (p[0] & 0x7f) != 0 || p[1] != 0 || p[2] != 0 ||
	    p[3] != 34)
		return -1;
	s = p + 4;
	minblk = (uint32_t)s[0] << 8 | s[1];
	maxblk = (uint32_t)s[2] << 8 | s[3];
	out->rate = (uint32_t)s[10] << 12 | (uint32_t)s[11] << 4 | s[12] >> 4;
	out->channels = ((s[12] >> 1) & 7) + 1;
	total = (uint64_t)(s[13] & 0x0f) << 32 | be32(s + 14);
	if (minblk < 16 || maxblk < minblk || out->rate == 0 || total == 0)
		return -1;	/* total 0 means "unknown" */
	out->duration_us = samples_us(total, out->rate);
	return out->duration_us < 0 ? -1 : 0;
}

/* ---- Ogg ---- */

struct ogg_page {
	uint64_t	 granule;
	uint32_t	 serial;
	int		 type;		/* header_type flags */
	size_t		 body;		/* offset of the first body byte */
	size_t		 len;		/* whole page */
};

/* CRC-32 of RFC 3533 (poly 0x04c11db7, init 0, no reflection). */
static uint32_t
ogg_crc(const unsigned char *p, size_t n)
{
	uint32_t	 c = 0;
	size_t		 i;
	int		 k;

	for (i = 0; i < n; i++) {
		/* The checksum field itself counts as zero bytes. */
		c ^= (uint32_t)(i >= 22 && i < 26 ? 0 : p[i]) << 24;
		for (k = 0; k < 8; k++)
			c = (c & 0x80000000u) != 0 ? c << 1 ^ 0x04c11db7u :
			    c << 1;
	}
	return c;
}

/* The page at p[off..n): 0 when it is complete and its CRC checks. */
static int
ogg_page(const unsigned char *p, size_t n, size_t off, struct ogg_page *pg)
{
	const unsigned char	*h = p + off;
	size_t			 nseg, len, i;

	if (n - off < OGG_HDR || memcmp(h, "OggS", 4) != 0 || h[4] != 0)
		return -1;
	nseg = h[26];
	if (n - off - OGG_HDR < nseg)
		return -1;
	len = OGG_HDR + nseg;
	for (i = 0; i < nseg; i++)
		len += h[OGG_HDR + i];
	if (len > n - off || ogg_crc(h, len) != le32(h + 22))
		return -1;
	pg->type = h[5];
	pg->granule = le64(h + 6);
	pg->serial = le32(h + 14);
	pg->body = off + OGG_HDR + nseg;
	pg->len = len;
	return 0;
}

static int
ogg_probe(const unsigned char *p, size_t n, struct audio_info *out)
{
	struct ogg_page		 first, pg;
	const unsigned char	*b;
	size_t			 blen, off, stop;
	uint32_t		 preskip = 0;
	int			 found;

	if (n < 4 || memcmp(p, "OggS", 4) != 0)
		return -1;
	if (ogg_page(p, n, 0, &first) == -1 || (first.type & 2) == 0)
		return -1;	/* must open with a beginning-of-stream page */
	b = p + first.body;
	blen = first.len - first.body;
	if (blen >= 30 && b[0] == 1 && memcmp(b + 1, "vorbis", 6) == 0) {
		out->fmt = AUDIO_OGG_VORBIS;
		if (le32(b + 7) != 0)
			return -1;	/* vorbis_version must be 0 */
		out->channels = b[11];
		out->rate = le32(b + 12);
	} else if (blen >= 19 && memcmp(b, "OpusHead", 8) == 0) {
		out->fmt = AUDIO_OGG_OPUS;
		if ((b[8] & 0xf0) != 0)
			return -1;	/* incompatible major version */
		out->channels = b[9];
		preskip = le16(b + 10);
		out->rate = 48000;	/* granules always count 48 kHz */
	} else
		return -1;
	if (out->channels == 0 || out->rate == 0)
		return -1;
	/*
	 * Backwards from the end to the last page of this stream.  The
	 * first page is at 0 < stop, so off never wraps; when no later
	 * page checks out, the stream has its header pages only.
	 */
	stop = n - first.len > OGG_TAIL_SCAN ? n - OGG_TAIL_SCAN : first.len;
	found = 0;
	for (off = n - OGG_HDR; !found && n >= stop + OGG_HDR && off >= stop;
	    off--)
		found = p[off] == 'O' && ogg_page(p, n, off, &pg) == 0 &&
		    pg.serial == first.serial && pg.granule != UINT64_MAX;
	if (!found)
		pg = first;
	if (pg.granule > (uint64_t)INT64_MAX || pg.granule < preskip)
		return -1;
	out->duration_us = samples_us(pg.granule - preskip, out->rate);
	return out->duration_us < 0 ? -1 : 0;
}

/* ---- entry points ---- */

int
audio_probe(const void *vp, size_t n, struct audio_info *out)
{
	const unsigned char	*p = vp;
	long long		 start;
	uint64_t		 limit;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if (p == NULL || n < 4)
		return -1;
	if (memcmp(p, "RIFF", 4) == 0)
		rc = wav_probe(p, n, out);
	else if (memcmp(p, "OggS", 4) == 0)
		rc = ogg_probe(p, n, out);
	else {
		if ((start = id3_skip(p, n)) < 0)
			return -1;
		if ((size_t)start <= n - 4 &&
		    memcmp(p + start, "fLaC", 4) == 0)
			rc = flac_probe(p, n, (size_t)start, out);
		else
			rc = mp3_probe(p, n, (size_t)start, out);
	}
	if (rc == -1)
		return -1;
	/* No real file of n bytes plays longer than n at 100 bit/s. */
	limit = ((uint64_t)n / 25 * 2 + 1) * US_PER_S;
	if (out->duration_us < 0 || out->duration_us > AUDIO_MAX_US ||
	    (uint64_t)out->duration_us > limit)
		return -1;
	return 0;
}

int64_t
audio_seconds_ceil(int64_t us)
{
	if (us <= 0)
		return 0;
	return us / US_PER_S + (us % US_PER_S != 0 ? 1 : 0);
}
