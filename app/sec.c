/*
 * sec.c: secrets: randomness, API keys, hashing, sealing and passwords.
 *
 * All randomness comes from getrandom(2) (the kernel CSPRNG, blocking only
 * until it is first seeded).  API keys are "sk-" + 48 base62 characters;
 * each character comes from one random byte taken only when it is below
 * 248 = 4 * 62, so every character is equally likely (no modulo bias).
 * SHA-256 and AES-256-GCM come from OpenSSL's EVP interface; sealed blobs
 * are nonce(12) | ciphertext | tag(16) with a fresh random nonce each time
 * (NIST SP 800-38D, 8.2.2: random 96-bit IVs).  Passwords are hashed with
 * yescrypt by libxcrypt (the system <crypt.h>; hence the module's name).
 *
 * The module owns no long-lived state.  Invariants: key material that
 * passes through a temporary (file contents, crypt scratch, a failed
 * open's partial plaintext) is wiped with OPENSSL_cleanse before release;
 * on failure, sec_seal and sec_open leave the output buffer as they found
 * it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "buf.h"
#include "sec.h"

#define GCM_NONCE	12
#define GCM_TAG		16
#define SECRET_FILE_MAX	256	/* bytes read from the secret key file */

static const char b62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static const char hexd[] = "0123456789abcdef";

int
sec_random(void *p, size_t n)
{
	unsigned char	*q = p;
	ssize_t		 r;

	while (n > 0) {
		r = getrandom(q, n, 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* Reads over 256 bytes may return short; go on. */
		q += r;
		n -= (size_t)r;
	}
	return 0;
}

static void
to_hex(const unsigned char *p, size_t n, char *out)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexd[p[i] >> 4];
		out[2 * i + 1] = hexd[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

int
sec_key_new(char out[SEC_KEY_LEN + 1])
{
	unsigned char	 rnd[64];
	size_t		 o = 0, i;

	memcpy(out, "sk-", 3);
	while (o < SEC_KEY_BODY) {
		/* About 3% of bytes are rejected; 64 nearly always do. */
		if (sec_random(rnd, sizeof(rnd)) == -1) {
			OPENSSL_cleanse(out, SEC_KEY_LEN + 1);
			out[0] = '\0';
			return -1;
		}
		for (i = 0; i < sizeof(rnd) && o < SEC_KEY_BODY; i++)
			if (rnd[i] < 248)
				out[3 + o++] = b62[rnd[i] % 62];
	}
	out[SEC_KEY_LEN] = '\0';
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}

static int
is_b62(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= 'a' && ch <= 'z');
}

int
sec_key_wellformed(const char *s, size_t n)
{
	size_t	 i;

	if (s == NULL || n != SEC_KEY_LEN || memcmp(s, "sk-", 3) != 0)
		return 0;
	for (i = 3; i < n; i++)
		if (!is_b62((unsigned char)s[i]))
			return 0;
	return 1;
}

void
sec_key_prefix(const char *key, char out[SEC_PREFIX_LEN])
{
	/* A malformed key gets a fixed marker rather than its bytes. */
	if (key == NULL || !sec_key_wellformed(key, strnlen(key,
	    SEC_KEY_LEN + 1))) {
		snprintf(out, SEC_PREFIX_LEN, "sk-invalid");
		return;
	}
	snprintf(out, SEC_PREFIX_LEN, "sk-%.4s...%.4s", key + 3,
	    key + SEC_KEY_LEN - 4);
}

void
sec_sha256_hex(const void *p, size_t n, char out[SEC_HEX256])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32) {
		/* Matches no stored hash, so a failure fails closed. */
		out[0] = '\0';
		return;
	}
	to_hex(md, 32, out);
}

int
sec_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
sec_request_id(char out[SEC_RID_LEN])
{
	static unsigned long	 ctr;
	unsigned char		 r[16];
	struct timespec		 ts;
	unsigned long		 c;
	uint64_t		 t;

	if (sec_random(r, sizeof(r)) == -1) {
		/* Ids need only be unique, not secret: time | counter. */
		c = __atomic_add_fetch(&ctr, 1, __ATOMIC_RELAXED);
		clock_gettime(CLOCK_REALTIME, &ts);
		t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		memcpy(r, &t, 8);
		memcpy(r + 8, &c, sizeof(c) < 8 ? sizeof(c) : 8);
	}
	to_hex(r, sizeof(r), out);
}

int
sec_hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
is_ws(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Decodes exactly 64 hex digits of s[0..n) into key; -1 with err. */
static int
parse_secret(const char *s, size_t n, unsigned char key[32], char *err,
    size_t errsz)
{
	size_t	 i;
	int	 hi, lo;

	while (n > 0 && is_ws((unsigned char)s[0])) {
		s++;
		n--;
	}
	while (n > 0 && is_ws((unsigned char)s[n - 1]))
		n--;
	for (i = 0; i < n; i++)
		if (sec_hexval((unsigned char)s[i]) == -1) {
			snprintf(err, errsz, "non-hex character at offset "
			    "%zu", i);
			return -1;
		}
	if (n != 64) {
		snprintf(err, errsz, "expected 64 hex digits, found %zu", n);
		return -1;
	}
	for (i = 0; i < 32; i++) {
		hi = sec_hexval((unsigned char)s[2 * i]);
		lo = sec_hexval((unsigned char)s[2 * i + 1]);
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
sec_secret_load(const char *path, unsigned char key[32], char *err,
    size_t errsz)
{
	char		 text[SECRET_FILE_MAX + 1];
	struct stat	 st;
	ssize_t		 r;
	size_t		 n = 0;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errsz, "%s: mode %04o gives group or others "
		    "access; chmod 600 it", path,
		    (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	while (n < sizeof(text)) {
		r = read(fd, text + n, sizeof(text) - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > SECRET_FILE_MAX) {
		snprintf(err, errsz, "%s: longer than %d bytes", path,
		    SECRET_FILE_MAX);
		goto out;
	}
	if (parse_secret(text, n, key, err, errsz) == -1) {
		/* Prefix the path to the reason parse_secret gave. */
		char	 why[128];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errsz, "%s: %s", path, why);
		OPENSSL_cleanse(key, 32);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(text, sizeof(text));
	close(fd);
	return rc;
}

/* Drops what a failed seal or open appended: wiped, then cut. */
static void
rollback(struct buf *out, size_t start)
{
	if (out->p != NULL && out->len > start) {
		OPENSSL_cleanse(out->p + start, out->len - start);
		out->len = start;
		out->p[start] = '\0';
	}
}

int
sec_seal(const unsigned char key[32], const void *pt, size_t n,
    struct buf *out)
{
	static const unsigned char	 zero[GCM_TAG];
	EVP_CIPHER_CTX			*ctx = NULL;
	unsigned char			 nonce[GCM_NONCE], *body;
	size_t				 start = out->len;
	int				 l, rc = -1;

	if (n > INT_MAX - GCM_NONCE - GCM_TAG)
		return -1;
	if (sec_random(nonce, sizeof(nonce)) == -1)
		return -1;
	/* Append nonce | plaintext | room for the tag; encrypt in place. */
	if (buf_append(out, nonce, sizeof(nonce)) == -1 ||
	    buf_append(out, pt, n) == -1 ||
	    buf_append(out, zero, sizeof(zero)) == -1)
		goto out;
	body = (unsigned char *)out->p + start + GCM_NONCE;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1)
		goto out;
	if (n > 0 && EVP_EncryptUpdate(ctx, body, &l, body, (int)n) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, body + n, &l) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG,
	    body + n) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		rollback(out, start);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
sec_open(const unsigned char key[32], const void *ct, size_t n,
    struct buf *out)
{
	const unsigned char	*in = ct;
	EVP_CIPHER_CTX		*ctx = NULL;
	unsigned char		 tag[GCM_TAG], *body;
	size_t			 start = out->len, m;
	int			 l, rc = -1;

	if (n < GCM_NONCE + GCM_TAG || n > INT_MAX)
		return -1;
	m = n - GCM_NONCE - GCM_TAG;
	memcpy(tag, in + n - GCM_TAG, GCM_TAG);
	/* Copy the ciphertext into out and decrypt it in place. */
	if (buf_append(out, in + GCM_NONCE, m) == -1)
		goto out;
	body = (unsigned char *)out->p + start;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, in) != 1)
		goto out;
	if (m > 0 && EVP_DecryptUpdate(ctx, body, &l, body, (int)m) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG,
	    tag) != 1)
		goto out;
	/* The tag is checked here; until then the plaintext is suspect. */
	if (EVP_DecryptFinal_ex(ctx, body + m, &l) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		rollback(out, start);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
sec_password_hash(const char *pw, char *out, size_t outsz)
{
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	unsigned char		 salt[16];
	struct crypt_data	*cd;
	const char		*h;
	size_t			 len;
	int			 rc = -1;

	if (outsz < 128 || sec_random(salt, sizeof(salt)) == -1)
		return -1;
	/* count 0: libxcrypt's default yescrypt cost. */
	if (crypt_gensalt_rn("$y$", 0, (const char *)salt, sizeof(salt),
	    setting, sizeof(setting)) == NULL)
		return -1;
	/* struct crypt_data is ~32 KiB: too big for a thread's stack. */
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	h = crypt_rn(pw, setting, cd, sizeof(*cd));
	if (h == NULL || h[0] != '$' || (len = strlen(h)) >= outsz)
		goto out;
	memcpy(out, h, len + 1);
	rc = 0;
out:
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
sec_password_verify(const char *pw, const char *hash)
{
	struct crypt_data	*cd;
	const char		*h;
	size_t			 len;
	int			 ok = 0;

	/*
	 * Only modern "$id$" hashes: a hash starting with '*' or '!' is a
	 * disabled account, and DES crypt (no '$') is too weak to accept.
	 */
	if (pw == NULL || hash == NULL || hash[0] != '$')
		return 0;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	h = crypt_rn(pw, hash, cd, sizeof(*cd));
	len = strlen(hash);
	if (h != NULL && h[0] == '$' && strlen(h) == len &&
	    CRYPTO_memcmp(h, hash, len) == 0)
		ok = 1;
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return ok;
}
