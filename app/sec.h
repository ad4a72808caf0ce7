/*
 * sec.h: secrets: randomness, API keys, hashing, sealing, passwords.
 *
 * All randomness comes from getrandom(2).  API keys are "sk-" followed by
 * 48 base62 characters drawn without modulo bias; only their SHA-256 (hex)
 * and a display prefix are ever stored.  Channel credentials are sealed with
 * AES-256-GCM under the 32-byte key from secret_key_file (64 hex chars).
 */
#ifndef NX_SEC_H
#define NX_SEC_H

#include <stddef.h>

#define SEC_KEY_LEN	51	/* "sk-" + 48 */
#define SEC_KEY_BODY	48
#define SEC_HEX256	65	/* 64 hex + NUL */
#define SEC_PREFIX_LEN	16	/* "sk-abcd...wxyz" + NUL fits */
#define SEC_RID_LEN	33	/* request id: 32 hex + NUL */

struct buf;

/* Fills p with n random bytes; 0 or -1. */
int	 sec_random(void *p, size_t n);
/* Writes a new key (SEC_KEY_LEN chars + NUL) to out; 0 or -1. */
int	 sec_key_new(char out[SEC_KEY_LEN + 1]);
/* 1 when s is exactly "sk-" + 48 base62 characters, else 0. */
int	 sec_key_wellformed(const char *s, size_t n);
/*
 * Display form "sk-XXXX...YYYY" of a well-formed key into out; a key that
 * is not well-formed (or NULL) gives "sk-invalid".
 */
void	 sec_key_prefix(const char *key, char out[SEC_PREFIX_LEN]);
/* Lower-case hex SHA-256 of p[0..n) into out (65 bytes). */
void	 sec_sha256_hex(const void *p, size_t n, char out[SEC_HEX256]);
/* Constant-time equality of two n-byte areas: 1 equal, 0 not. */
int	 sec_ct_equal(const void *a, const void *b, size_t n);
/* A new random request id, 32 lower-case hex chars. */
void	 sec_request_id(char out[SEC_RID_LEN]);
/* The value of hex digit ch (either case), or -1. */
int	 sec_hexval(unsigned char ch);
/*
 * Reads the secret key file: 64 hex chars (surrounding whitespace allowed).
 * Refuses a file group or others have any access to (mode & 077), or that
 * is not a regular file.  0, or -1 with a reason (starting with the path)
 * written to err (errsz bytes).
 */
int	 sec_secret_load(const char *path, unsigned char key[32], char *err,
	    size_t errsz);
/* Appends nonce(12) | ciphertext | tag(16) of pt to out; 0 or -1. */
int	 sec_seal(const unsigned char key[32], const void *pt, size_t n,
	    struct buf *out);
/*
 * Opens what sec_seal made; appends plaintext to out; -1 if forged or
 * truncated, and out is then unchanged.  ct must not point into out.
 */
int	 sec_open(const unsigned char key[32], const void *ct, size_t n,
	    struct buf *out);
/* yescrypt hash of pw into out (outsz >= 128); 0 or -1. */
int	 sec_password_hash(const char *pw, char *out, size_t outsz);
/* 1 when pw matches hash, 0 otherwise (also on malformed hash). */
int	 sec_password_verify(const char *pw, const char *hash);

#endif
