/*
 * test_audio.c: audio durations from file headers (app/audio.c).  Every
 * file is built here byte by byte: a table of well-formed WAV, MP3,
 * FLAC and Ogg files with their exact durations, a longer table of
 * malformed, truncated and lying headers that must be refused, and a
 * sweep that cuts and flips every good file at every offset (nothing
 * may crash or claim an implausible duration; run it under make asan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "t.h"

#define FILE_MAX	(256 * 1024)

struct file {
	unsigned char	 p[FILE_MAX];
	size_t		 n;
};

static void
put(struct file *f, const void *p, size_t n)
{
	if (f->n + n > sizeof(f->p))
		abort();
	memcpy(f->p + f->n, p, n);
	f->n += n;
}

static void
put8(struct file *f, unsigned v)
{
	unsigned char	 b = (unsigned char)v;

	put(f, &b, 1);
}

static void
le(struct file *f, uint64_t v, int bytes)
{
	int	 i;

	for (i = 0; i < bytes; i++)
		put8(f, (unsigned)(v >> (8 * i)) & 0xff);
}

static void
be(struct file *f, uint64_t v, int bytes)
{
	int	 i;

	for (i = bytes - 1; i >= 0; i--)
		put8(f, (unsigned)(v >> (8 * i)) & 0xff);
}

static void
zeros(struct file *f, size_t n)
{
	while (n-- > 0)
		put8(f, 0);
}

/* ---- WAV ---- */

struct wav_opt {
	unsigned	 tag, channels, rate, bits;
	long long	 byte_rate;	/* -1: computed */
	long long	 data_size;	/* -1: actual */
	size_t		 data_len;
	int		 fmt_size;	/* 0: 16 */
	int		 list_first;	/* odd-sized LIST chunk before fmt */
	int		 data_first;
	int		 no_data;
};

static void
wav(struct file *f, const struct wav_opt *o)
{
	unsigned	 ba = o->channels * ((o->bits + 7) / 8);
	int		 fs = o->fmt_size != 0 ? o->fmt_size : 16;

	f->n = 0;
	put(f, "RIFF", 4);
	le(f, 0, 4);
	put(f, "WAVE", 4);
	if (o->list_first) {
		put(f, "LIST", 4);
		le(f, 5, 4);
		put(f, "INFOx", 5);
		put8(f, 0);	/* pad byte */
	}
	if (o->data_first) {
		put(f, "data", 4);
		le(f, 4, 4);
		zeros(f, 4);
	}
	put(f, "fmt ", 4);
	le(f, (uint64_t)fs, 4);
	le(f, o->tag, 2);
	le(f, o->channels, 2);
	le(f, o->rate, 4);
	le(f, o->byte_rate >= 0 ? (uint64_t)o->byte_rate :
	    (uint64_t)o->rate * ba, 4);
	le(f, ba, 2);
	le(f, o->bits, 2);
	if (fs > 16)
		zeros(f, (size_t)fs - 16);
	if (o->no_data)
		return;
	put(f, "data", 4);
	le(f, o->data_size >= 0 ? (uint64_t)o->data_size : o->data_len, 4);
	zeros(f, o->data_len);
}

/* ---- MP3 ---- */

/* One frame: MPEG-1 layer III 128 kbit/s 44.1 kHz stereo is 417 bytes. */
static void
mp3_frame(struct file *f, unsigned b1, unsigned b2, unsigned b3, size_t len)
{
	put8(f, 0xff);
	put8(f, b1);
	put8(f, b2);
	put8(f, b3);
	zeros(f, len - 4);
}

#define V1L3	0xfb		/* MPEG-1, layer III, no CRC */
#define V2L3	0xf3		/* MPEG-2, layer III */
#define BR128	0x90		/* 128 kbit/s, 44.1 kHz (V1), no padding */

static void
mp3_cbr(struct file *f, int frames)
{
	int	 i;

	for (i = 0; i < frames; i++)
		mp3_frame(f, V1L3, BR128, 0x00, 417);
}

static void
id3(struct file *f, size_t body)
{
	put(f, "ID3", 3);
	put8(f, 4);
	put8(f, 0);
	put8(f, 0);
	put8(f, (unsigned)(body >> 21) & 0x7f);
	put8(f, (unsigned)(body >> 14) & 0x7f);
	put8(f, (unsigned)(body >> 7) & 0x7f);
	put8(f, (unsigned)body & 0x7f);
	zeros(f, body);
}

/* A Xing frame (stereo MPEG-1: tag at 4 + 32) followed by real frames. */
static void
mp3_xing(struct file *f, const char *tag, uint32_t frames, int more)
{
	size_t	 start = f->n;

	mp3_frame(f, V1L3, BR128, 0x00, 417);
	memcpy(f->p + start + 36, tag, 4);
	f->p[start + 43] = 1;	/* flags: frames present */
	f->p[start + 44] = (unsigned char)(frames >> 24);
	f->p[start + 45] = (unsigned char)(frames >> 16);
	f->p[start + 46] = (unsigned char)(frames >> 8);
	f->p[start + 47] = (unsigned char)frames;
	mp3_cbr(f, more);
}

static void
mp3_vbri(struct file *f, uint32_t frames, int more)
{
	size_t	 start = f->n;

	mp3_frame(f, V1L3, BR128, 0x00, 417);
	memcpy(f->p + start + 36, "VBRI", 4);
	f->p[start + 50] = (unsigned char)(frames >> 24);
	f->p[start + 51] = (unsigned char)(frames >> 16);
	f->p[start + 52] = (unsigned char)(frames >> 8);
	f->p[start + 53] = (unsigned char)frames;
	mp3_cbr(f, more);
}

/* ---- FLAC ---- */

static void
flac(struct file *f, unsigned type, unsigned len, unsigned minblk,
    uint32_t rate, uint64_t total)
{
	put(f, "fLaC", 4);
	put8(f, 0x80 | type);	/* last metadata block */
	be(f, len, 3);
	be(f, minblk, 2);
	be(f, 4096, 2);
	zeros(f, 6);
	/* 20 bits rate, 3 bits channels-1 (1), 5 bits bps-1 (15), 36 total */
	put8(f, (rate >> 12) & 0xff);
	put8(f, (rate >> 4) & 0xff);
	put8(f, ((rate & 0x0f) << 4) | (1 << 1) | 0);
	put8(f, (15 << 4) | (unsigned)((total >> 32) & 0x0f));
	be(f, total & 0xffffffffu, 4);
	zeros(f, 16);		/* MD5 */
	if (len > 34)
		zeros(f, len - 34);
	zeros(f, 200);		/* "frames" */
}

/* ---- Ogg ---- */

static uint32_t
crc(const unsigned char *p, size_t n)
{
	uint32_t	 c = 0;
	size_t		 i;
	int		 k;

	for (i = 0; i < n; i++) {
		c ^= (uint32_t)p[i] << 24;
		for (k = 0; k < 8; k++)
			c = (c & 0x80000000u) ? (c << 1) ^ 0x04c11db7u :
			    c << 1;
	}
	return c;
}

/* One page holding body (at most 255 * 255 bytes) in one packet. */
static void
ogg_page(struct file *f, unsigned type, uint64_t granule, uint32_t serial,
    uint32_t seq, const void *body, size_t blen, int badcrc)
{
	size_t		 start = f->n, left = blen;
	unsigned	 nseg = 0;
	uint32_t	 c;

	put(f, "OggS", 4);
	put8(f, 0);
	put8(f, type);
	le(f, granule, 8);
	le(f, serial, 4);
	le(f, seq, 4);
	le(f, 0, 4);
	nseg = (unsigned)(blen / 255 + 1);
	put8(f, nseg);
	while (left >= 255) {
		put8(f, 255);
		left -= 255;
	}
	put8(f, (unsigned)left);
	put(f, body, blen);
	c = crc(f->p + start, f->n - start) ^ (badcrc ? 1u : 0u);
	f->p[start + 22] = (unsigned char)c;
	f->p[start + 23] = (unsigned char)(c >> 8);
	f->p[start + 24] = (unsigned char)(c >> 16);
	f->p[start + 25] = (unsigned char)(c >> 24);
}

static void
vorbis_id(unsigned char *b, uint32_t version, unsigned ch, uint32_t rate)
{
	memset(b, 0, 30);
	b[0] = 1;
	memcpy(b + 1, "vorbis", 6);
	b[7] = (unsigned char)version;
	b[11] = (unsigned char)ch;
	b[12] = (unsigned char)rate;
	b[13] = (unsigned char)(rate >> 8);
	b[14] = (unsigned char)(rate >> 16);
	b[29] = 1;	/* framing */
}

static void
opus_head(unsigned char *b, unsigned version, unsigned preskip)
{
	memset(b, 0, 19);
	memcpy(b, "OpusHead", 8);
	b[8] = (unsigned char)version;
	b[9] = 2;
	b[10] = (unsigned char)preskip;
	b[11] = (unsigned char)(preskip >> 8);
	b[12] = 0x80;	/* 48000 input rate, informational */
	b[13] = 0xbb;
}

static void
ogg_vorbis(struct file *f, uint32_t version, uint32_t rate,
    uint64_t last_granule, int tail_junk)
{
	unsigned char	 id[30], audio[3000];

	vorbis_id(id, version, 2, rate);
	memset(audio, 0x55, sizeof(audio));
	ogg_page(f, 2, 0, 77, 0, id, sizeof(id), 0);
	ogg_page(f, 0, 0, 77, 1, "\x03vorbis", 7, 0);
	ogg_page(f, 0, last_granule / 2, 77, 2, audio, sizeof(audio), 0);
	/* another stream's page must not count */
	ogg_page(f, 0, last_granule * 100, 99, 0, audio, 100, 0);
	ogg_page(f, 4, last_granule, 77, 3, audio, 500, 0);
	if (tail_junk)	/* "OggS" with a bad CRC, as in audio data */
		ogg_page(f, 4, last_granule * 50, 77, 4, audio, 40, 1);
}

/* ---- the tables ---- */

struct good {
	const char	*name;
	int		 fmt;
	int64_t		 us;
	void		(*build)(struct file *);
};

struct bad {
	const char	*name;
	void		(*build)(struct file *);
};

static const struct wav_opt wav_1s = { 1, 1, 8000, 16, -1, -1, 16000, 0,
    0, 0, 0 };

static void g_wav(struct file *f) { wav(f, &wav_1s); }

static void
g_wav_list(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.list_first = 1;
	o.channels = 2;
	o.rate = 44100;
	o.data_len = 44100;	/* 44100 / 176400 s */
	o.fmt_size = 18;
	wav(f, &o);
}

static void
g_wav_stream(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.data_size = 0xffffffffLL;	/* streaming writer: "unknown" */
	o.data_len = 8000;		/* half a second present */
	wav(f, &o);
}

static void
g_wav_adpcm(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.tag = 0x11;		/* IMA ADPCM: the byte rate is the truth */
	o.bits = 4;
	o.byte_rate = 4055;
	o.data_len = 8110;
	wav(f, &o);
}

static void g_mp3(struct file *f) { mp3_cbr(f, 10); }

static void
g_mp3_id3(struct file *f)
{
	id3(f, 1000);
	put(f, "junk", 4);
	mp3_cbr(f, 4);
	put(f, "TAG", 3);	/* an ID3v1 tag ends the walk */
	zeros(f, 125);
}

static void g_mp3_xing(struct file *f) { mp3_xing(f, "Xing", 100, 3); }
static void g_mp3_info(struct file *f) { mp3_xing(f, "Info", 7, 7); }
static void g_mp3_vbri(struct file *f) { mp3_vbri(f, 50, 2); }

static void
g_mp3_v2(struct file *f)
{
	int	 i;

	/* MPEG-2 layer III, 64 kbit/s (0x80), 22.05 kHz: 72*64000/22050 */
	for (i = 0; i < 6; i++)
		mp3_frame(f, V2L3, 0x80, 0xc0, 208);
}

static void
g_mp3_one(struct file *f)
{
	mp3_frame(f, V1L3, BR128, 0x00, 417);
}

static void g_flac(struct file *f) { flac(f, 0, 34, 4096, 44100, 441000); }

static void
g_flac_id3(struct file *f)
{
	id3(f, 20);
	flac(f, 0, 34, 16, 48000, 24000);
}

static void g_vorbis(struct file *f) { ogg_vorbis(f, 0, 44100, 88200, 0); }
static void g_vorbis_junk(struct file *f) { ogg_vorbis(f, 0, 8000, 4000, 1); }

static void
g_opus(struct file *f)
{
	unsigned char	 h[19], audio[400];

	opus_head(h, 1, 312);
	memset(audio, 0x11, sizeof(audio));
	ogg_page(f, 2, 0, 5, 0, h, sizeof(h), 0);
	ogg_page(f, 0, 0, 5, 1, "OpusTags\0\0\0\0\0\0\0\0", 16, 0);
	ogg_page(f, 4, 48000 + 312, 5, 2, audio, sizeof(audio), 0);
}

static void
g_opus_headers_only(struct file *f)
{
	unsigned char	 h[19];

	opus_head(h, 1, 0);
	ogg_page(f, 2, 0, 5, 0, h, sizeof(h), 0);
}

static const struct good goods[] = {
	{ "wav pcm 8 kHz mono 16-bit, 1 s", AUDIO_WAV, 1000000, g_wav },
	{ "wav LIST chunk (odd, padded) and 18-byte fmt", AUDIO_WAV, 250000,
	    g_wav_list },
	{ "wav streaming data size 0xffffffff cut to the bytes there",
	    AUDIO_WAV, 500000, g_wav_stream },
	{ "wav IMA ADPCM by byte rate", AUDIO_WAV, 2000000, g_wav_adpcm },
	/* 10 * 1152 / 44100 s */
	{ "mp3 cbr 10 frames", AUDIO_MP3, 261224, g_mp3 },
	{ "mp3 after ID3v2 and junk, ID3v1 at the end", AUDIO_MP3, 104489,
	    g_mp3_id3 },
	/* 100 * 1152 / 44100 */
	{ "mp3 Xing frame count", AUDIO_MP3, 2612244, g_mp3_xing },
	{ "mp3 Info frame count", AUDIO_MP3, 182857, g_mp3_info },
	{ "mp3 VBRI frame count", AUDIO_MP3, 1306122, g_mp3_vbri },
	/* 6 * 576 / 22050 */
	{ "mp3 MPEG-2 layer III 22.05 kHz", AUDIO_MP3, 156734, g_mp3_v2 },
	{ "mp3 a single frame ending the file", AUDIO_MP3, 26122, g_mp3_one },
	{ "flac STREAMINFO 10 s", AUDIO_FLAC, 10000000, g_flac },
	{ "flac after ID3v2", AUDIO_FLAC, 500000, g_flac_id3 },
	{ "ogg vorbis last page of the first stream", AUDIO_OGG_VORBIS,
	    2000000, g_vorbis },
	{ "ogg vorbis ignores a bad-CRC page at the end", AUDIO_OGG_VORBIS,
	    500000, g_vorbis_junk },
	{ "ogg opus minus pre-skip", AUDIO_OGG_OPUS, 1000000, g_opus },
	{ "ogg opus headers only", AUDIO_OGG_OPUS, 0, g_opus_headers_only },
};

/* ---- malformed ---- */

static void b_empty(struct file *f) { (void)f; }
static void b_short(struct file *f) { put(f, "RIF", 3); }
static void b_text(struct file *f) { put(f, "hello, this is not audio", 24); }

static void
b_riff_avi(struct file *f)
{
	g_wav(f);
	memcpy(f->p + 8, "AVI ", 4);
}

static void
b_wav_data_first(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.data_first = 1;
	wav(f, &o);
}

static void
b_wav_fmt_short(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.fmt_size = 14;
	wav(f, &o);
}

static void
b_wav_byterate0(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.tag = 0x11;
	o.byte_rate = 0;
	wav(f, &o);
}

static void
b_wav_channels0(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.channels = 0;
	o.byte_rate = 16000;
	wav(f, &o);
}

static void
b_wav_rate0(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.rate = 0;
	o.byte_rate = 16000;
	wav(f, &o);
}

static void
b_wav_pcm_lies(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.byte_rate = 1000;	/* PCM 8 kHz 16-bit is 16000 bytes/s */
	wav(f, &o);
}

static void
b_wav_tag0(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.tag = 0;
	wav(f, &o);
}

static void
b_wav_bits0(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.bits = 0;
	o.byte_rate = 16000;
	wav(f, &o);
}

static void
b_wav_no_data(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.no_data = 1;
	wav(f, &o);
}

static void
b_wav_fmt_cut(struct file *f)
{
	g_wav(f);
	f->n = 12 + 8 + 10;	/* inside the fmt body */
}

static void
b_wav_chunk_past_end(struct file *f)
{
	put(f, "RIFF", 4);
	le(f, 0, 4);
	put(f, "WAVE", 4);
	put(f, "LIST", 4);
	le(f, 0xfffffff0u, 4);
	zeros(f, 64);
}

static struct file	 ftmp;

static void
b_wav_many_chunks(struct file *f)
{
	int	 i;

	put(f, "RIFF", 4);
	le(f, 0, 4);
	put(f, "WAVE", 4);
	for (i = 0; i < 300; i++) {
		put(f, "junk", 4);
		le(f, 0, 4);
	}
	g_wav(&ftmp);	/* fmt and data after them: never reached */
	put(f, ftmp.p + 12, ftmp.n - 12);
}

static void
b_wav_absurd(struct file *f)
{
	struct wav_opt o = wav_1s;

	o.tag = 0x11;
	o.byte_rate = 1;	/* 16000 bytes at 1 byte/s = 4.4 hours */
	wav(f, &o);
}

static void
b_id3_cut(struct file *f)
{
	id3(f, 100);
	f->n = 50;
}

static void
b_id3_not_syncsafe(struct file *f)
{
	id3(f, 10);
	f->p[7] = 0x80;
	mp3_cbr(f, 3);
}

static void
b_mp3_reserved_version(struct file *f)
{
	int	 i;

	for (i = 0; i < 4; i++)
		mp3_frame(f, 0xeb, BR128, 0x00, 417);	/* version 01 */
}

static void
b_mp3_free_format(struct file *f)
{
	int	 i;

	for (i = 0; i < 4; i++)
		mp3_frame(f, V1L3, 0x00, 0x00, 417);
}

static void
b_mp3_bad_bitrate(struct file *f)
{
	int	 i;

	for (i = 0; i < 4; i++)
		mp3_frame(f, V1L3, 0xf0, 0x00, 417);
}

static void
b_mp3_bad_rate(struct file *f)
{
	int	 i;

	for (i = 0; i < 4; i++)
		mp3_frame(f, V1L3, 0x9c, 0x00, 417);
}

static void
b_mp3_layer0(struct file *f)
{
	int	 i;

	for (i = 0; i < 4; i++)
		mp3_frame(f, 0xf9, BR128, 0x00, 417);
}

static void
b_mp3_unconfirmed(struct file *f)
{
	mp3_frame(f, V1L3, BR128, 0x00, 417);
	put(f, "not a frame at all", 18);
}

static void
b_mp3_far_sync(struct file *f)
{
	zeros(f, 70000);
	mp3_cbr(f, 3);
}

static void
b_mp3_xing_lies(struct file *f)
{
	mp3_xing(f, "Xing", 4000000000u, 1);
}

static void
b_mp3_cut_frame(struct file *f)
{
	mp3_frame(f, V1L3, BR128, 0x00, 417);
	f->n = 300;
}

static void
b_flac_type(struct file *f)
{
	flac(f, 1, 34, 4096, 44100, 441000);
}

static void
b_flac_len(struct file *f)
{
	flac(f, 0, 33, 4096, 44100, 441000);
}

static void
b_flac_rate0(struct file *f)
{
	flac(f, 0, 34, 4096, 0, 441000);
}

static void
b_flac_total0(struct file *f)
{
	flac(f, 0, 34, 4096, 44100, 0);
}

static void
b_flac_minblk(struct file *f)
{
	flac(f, 0, 34, 15, 44100, 441000);
}

static void
b_flac_cut(struct file *f)
{
	flac(f, 0, 34, 4096, 44100, 441000);
	f->n = 20;
}

static void
b_flac_lies(struct file *f)
{
	flac(f, 0, 34, 4096, 1, 0xfffffffffULL);	/* 2179 years */
}

static void
b_ogg_crc(struct file *f)
{
	unsigned char	 id[30];

	vorbis_id(id, 0, 2, 44100);
	ogg_page(f, 2, 0, 1, 0, id, sizeof(id), 1);
	ogg_page(f, 4, 44100, 1, 1, "x", 1, 0);
}

static void
b_ogg_no_bos(struct file *f)
{
	unsigned char	 id[30];

	vorbis_id(id, 0, 2, 44100);
	ogg_page(f, 0, 0, 1, 0, id, sizeof(id), 0);
	ogg_page(f, 4, 44100, 1, 1, "x", 1, 0);
}

static void
b_ogg_flac(struct file *f)
{
	ogg_page(f, 2, 0, 1, 0, "\x7f" "FLAC\x01\x00\x00\x01", 9, 0);
	ogg_page(f, 4, 44100, 1, 1, "x", 1, 0);
}

static void b_vorbis_version(struct file *f) { ogg_vorbis(f, 1, 44100, 88200, 0); }
static void b_vorbis_rate0(struct file *f) { ogg_vorbis(f, 0, 0, 88200, 0); }

static void
b_opus_preskip(struct file *f)
{
	unsigned char	 h[19];

	opus_head(h, 1, 3840);
	ogg_page(f, 2, 0, 5, 0, h, sizeof(h), 0);
	ogg_page(f, 4, 1000, 5, 1, "x", 1, 0);
}

static void
b_opus_major(struct file *f)
{
	unsigned char	 h[19];

	opus_head(h, 0x10, 0);
	ogg_page(f, 2, 0, 5, 0, h, sizeof(h), 0);
	ogg_page(f, 4, 48000, 5, 1, "x", 1, 0);
}

static void
b_ogg_cut(struct file *f)
{
	unsigned char	 id[30];

	vorbis_id(id, 0, 2, 44100);
	ogg_page(f, 2, 0, 1, 0, id, sizeof(id), 0);
	f->n -= 5;
}

static void
b_ogg_version(struct file *f)
{
	g_vorbis(f);
	f->p[4] = 1;
}

static void
b_ogg_granule_lies(struct file *f)
{
	ogg_vorbis(f, 0, 8000, 0x7fffffffffffffffULL, 0);
}

static const struct bad bads[] = {
	{ "empty", b_empty },
	{ "3 bytes", b_short },
	{ "text", b_text },
	{ "RIFF but AVI", b_riff_avi },
	{ "wav data before fmt", b_wav_data_first },
	{ "wav fmt of 14 bytes", b_wav_fmt_short },
	{ "wav byte rate 0", b_wav_byterate0 },
	{ "wav 0 channels", b_wav_channels0 },
	{ "wav sample rate 0", b_wav_rate0 },
	{ "wav PCM byte rate that does not add up", b_wav_pcm_lies },
	{ "wav format tag 0", b_wav_tag0 },
	{ "wav PCM 0 bits", b_wav_bits0 },
	{ "wav without data chunk", b_wav_no_data },
	{ "wav cut inside fmt", b_wav_fmt_cut },
	{ "wav chunk size past the end", b_wav_chunk_past_end },
	{ "wav 300 chunks before fmt", b_wav_many_chunks },
	{ "wav 1 byte/s: implausible", b_wav_absurd },
	{ "id3 tag cut short", b_id3_cut },
	{ "id3 size not syncsafe", b_id3_not_syncsafe },
	{ "mp3 reserved version", b_mp3_reserved_version },
	{ "mp3 free-format bitrate", b_mp3_free_format },
	{ "mp3 bitrate index 15", b_mp3_bad_bitrate },
	{ "mp3 sample rate index 3", b_mp3_bad_rate },
	{ "mp3 reserved layer", b_mp3_layer0 },
	{ "mp3 frame not followed by another", b_mp3_unconfirmed },
	{ "mp3 sync only after 64 KiB of junk", b_mp3_far_sync },
	{ "mp3 Xing claims 4e9 frames", b_mp3_xing_lies },
	{ "mp3 first frame cut", b_mp3_cut_frame },
	{ "flac first block not STREAMINFO", b_flac_type },
	{ "flac STREAMINFO of 33 bytes", b_flac_len },
	{ "flac sample rate 0", b_flac_rate0 },
	{ "flac total samples unknown", b_flac_total0 },
	{ "flac min block size 15", b_flac_minblk },
	{ "flac cut in STREAMINFO", b_flac_cut },
	{ "flac 2^36 samples at 1 Hz", b_flac_lies },
	{ "ogg first page bad CRC", b_ogg_crc },
	{ "ogg first page not BOS", b_ogg_no_bos },
	{ "ogg FLAC mapping not supported", b_ogg_flac },
	{ "ogg vorbis version 1", b_vorbis_version },
	{ "ogg vorbis rate 0", b_vorbis_rate0 },
	{ "ogg opus granule below pre-skip", b_opus_preskip },
	{ "ogg opus major version 1", b_opus_major },
	{ "ogg first page cut", b_ogg_cut },
	{ "ogg stream structure version 1", b_ogg_version },
	{ "ogg granule 2^63-1", b_ogg_granule_lies },
};

struct ceil_case {
	int64_t	 us, want;
};

static const struct ceil_case ceils[] = {
	{ 0, 0 }, { -5, 0 }, { 1, 1 }, { 999999, 1 }, { 1000000, 1 },
	{ 1000001, 2 }, { 8470000, 9 }, { INT64_MAX, INT64_MAX / 1000000 + 1 },
};

static struct file	 fbuf, fcut;

/* Every cut and every single-byte flip of a good file is harmless. */
static int
sweep(const struct file *f)
{
	struct audio_info	 ai;
	size_t			 i;
	uint64_t		 limit;

	for (i = 0; i <= f->n; i++) {
		memcpy(fcut.p, f->p, i);
		fcut.n = i;
		if (audio_probe(fcut.p, fcut.n, &ai) == 0 &&
		    (ai.duration_us < 0 || ai.duration_us > AUDIO_MAX_US))
			return 0;
	}
	for (i = 0; i < f->n; i++) {
		memcpy(fcut.p, f->p, f->n);
		fcut.p[i] ^= (unsigned char)(0x5a + i);
		limit = ((uint64_t)f->n / 25 * 2 + 1) * 1000000;
		if (audio_probe(fcut.p, f->n, &ai) == 0 &&
		    (ai.duration_us < 0 || (uint64_t)ai.duration_us > limit))
			return 0;
	}
	return 1;
}

int
main(void)
{
	struct audio_info	 ai;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		memset(&fbuf, 0, sizeof(fbuf));
		goods[i].build(&fbuf);
		rc = audio_probe(fbuf.p, fbuf.n, &ai);
		T_OK(rc == 0 && ai.fmt == goods[i].fmt &&
		    ai.duration_us == goods[i].us, "good: %s (rc %d, %s, "
		    "%lld us, want %lld)", goods[i].name, rc,
		    audio_fmt_names[ai.fmt], (long long)ai.duration_us,
		    (long long)goods[i].us);
		T_OK(sweep(&fbuf), "cut and flipped at every byte: %s",
		    goods[i].name);
	}
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		memset(&fbuf, 0, sizeof(fbuf));
		bads[i].build(&fbuf);
		rc = audio_probe(fbuf.p, fbuf.n, &ai);
		T_OK(rc == -1, "bad: %s (rc %d, %lld us)", bads[i].name, rc,
		    (long long)ai.duration_us);
	}
	T_OK(audio_probe(NULL, 100, &ai) == -1, "NULL buffer");
	for (i = 0; i < sizeof(ceils) / sizeof(ceils[0]); i++)
		T_OK(audio_seconds_ceil(ceils[i].us) == ceils[i].want,
		    "seconds_ceil(%lld) = %lld", (long long)ceils[i].us,
		    (long long)ceils[i].want);
	return t_done();
}
