/*
 * audio.h: the duration of an audio file from its own headers, for
 * billing speech-to-text when the upstream reports no duration and for
 * sizing the hold before the call.
 *
 * Pure functions over a byte buffer (no I/O, no allocation): WAV (RIFF
 * "fmt " and "data" chunks), MP3 (MPEG-1/2/2.5 audio frames after an
 * optional ID3v2 tag; the Xing/Info or VBRI frame count when present,
 * else a scan of the frames), FLAC (STREAMINFO total samples) and Ogg
 * Vorbis or Opus (granule position of the last page of the first
 * logical stream).  Every length read from the file is checked against
 * the buffer before it is used; loops are bounded; a duration that no
 * real file of that size could have is refused.
 */
#ifndef NX_AUDIO_H
#define NX_AUDIO_H

#include <stddef.h>
#include <stdint.h>

enum audio_fmt {
	AUDIO_UNKNOWN,
	AUDIO_WAV,
	AUDIO_MP3,
	AUDIO_FLAC,
	AUDIO_OGG_VORBIS,
	AUDIO_OGG_OPUS,
	AUDIO__MAX
};

/* "unknown", "wav", "mp3", "flac", "ogg_vorbis", "ogg_opus". */
extern const char *const audio_fmt_names[AUDIO__MAX];

/* Longest duration audio_probe accepts: one day. */
#define AUDIO_MAX_US	(86400LL * 1000000LL)

struct audio_info {
	int		 fmt;		/* enum audio_fmt */
	uint32_t	 rate;		/* samples per second */
	uint32_t	 channels;
	int64_t		 duration_us;	/* microseconds, rounded down */
};

/*
 * Reads the format and duration of the n bytes at p (the whole file).
 * Returns 0 and fills *out, or -1 when the format is not recognised,
 * a header is malformed or truncated, or the duration is implausible
 * (over AUDIO_MAX_US, or longer than n bytes could hold at 100 bit/s);
 * out->fmt then says which format was recognised, if any.
 */
int	 audio_probe(const void *p, size_t n, struct audio_info *out);

/* Whole seconds of us microseconds, rounded up (0 for us <= 0). */
int64_t	 audio_seconds_ceil(int64_t us);

#endif
