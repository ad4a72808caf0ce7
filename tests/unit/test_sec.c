/*
 * test_sec.c: keys, hashing, sealing, the secret file and passwords
 * (app/sec.c).
 *
 * The key parser (sec_key_wellformed), the secret file reader and the
 * sealed-blob opener are tested mostly with bad input: the negative tables
 * outnumber the positive ones.  Randomness is checked for shape and rough
 * uniformity only (a chi-square bound loose enough never to flake).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "buf.h"
#include "sec.h"
#include "t.h"

static int	 npos, nneg;

#define BODY48	"abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefghwxyz"

static const struct {
	const char	*s;
	size_t		 n;	/* 0: strlen(s) */
	int		 want;
	const char	*why;
} keys[] = {
	{ "sk-" BODY48, 0, 1, "mixed base62 body" },
	{ "sk-000000000000000000000000000000000000000000000000", 0, 1,
	  "all zeros" },
	{ "sk-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 0, 1,
	  "all z" },
	{ "", 0, 0, "empty" },
	{ "sk-", 0, 0, "prefix only" },
	{ "sK-" BODY48, 0, 0, "prefix case" },
	{ "SK-" BODY48, 0, 0, "upper-case prefix" },
	{ "pk-" BODY48, 0, 0, "wrong prefix" },
	{ "sk_" BODY48, 0, 0, "underscore prefix" },
	{ "xsk-" BODY48, 0, 0, "junk before prefix" },
	{ " sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefghwxy", 0, 0,
	  "leading space, 51 bytes" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefghwxy", 0, 0,
	  "body 47" },
	{ "sk-" BODY48 "z", 0, 0, "body 49" },
	{ "sk-" BODY48 "\n", 0, 0, "trailing newline" },
	{ "sk-" BODY48, 50, 0, "n one short of the string" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefgh-xyz", 0, 0,
	  "dash in body" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefgh_xyz", 0, 0,
	  "underscore in body" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefgh+xyz", 0, 0,
	  "plus in body" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefgh/xyz", 0, 0,
	  "slash in body" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefgh=xyz", 0, 0,
	  "equals in body" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefgh xyz", 0, 0,
	  "space in body" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefgh.xyz", 0, 0,
	  "dot in body" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefg\xc3\xa9xyz", 0, 0,
	  "UTF-8 letter in body" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefgh\x80xyz", 0, 0,
	  "high byte in body" },
	{ "sk-abcd0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZefgh\0xyz", 51, 0,
	  "embedded NUL" },
};

static void
test_wellformed(void)
{
	size_t	 i, n;
	int	 got;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		n = keys[i].n != 0 ? keys[i].n : strlen(keys[i].s);
		got = sec_key_wellformed(keys[i].s, n);
		if (keys[i].want)
			npos++;
		else
			nneg++;
		T_OK(got == keys[i].want, "wellformed: %s -> %d",
		    keys[i].why, keys[i].want);
	}
	nneg++;
	T_OK(sec_key_wellformed(NULL, 51) == 0, "wellformed: NULL -> 0");
}

static int
b62_index(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 36;
	return -1;
}

static int
cmpkey(const void *a, const void *b)
{
	return memcmp(a, b, SEC_KEY_LEN);
}

/*
 * 2100 keys = 100800 characters, 1625.8 per symbol expected.  The
 * chi-square statistic has 61 degrees of freedom (mean 61, sd 11); 130 is
 * about p = 1e-6.  Modulo bias (256 % 62 = 8 symbols drawn 5/4 as often)
 * would give about 900.
 */
static void
test_key_new(void)
{
	enum { NK = 2100 };
	char		(*k)[SEC_KEY_LEN + 1];
	long		 count[62] = { 0 };
	double		 exp, chi = 0, d;
	size_t		 i, j, badlen = 0, badform = 0, dups = 0;
	int		 rc = 0, badch = 0, idx;

	k = calloc(NK, sizeof(*k));
	for (i = 0; i < NK; i++) {
		rc |= sec_key_new(k[i]);
		if (strlen(k[i]) != SEC_KEY_LEN)
			badlen++;
		if (!sec_key_wellformed(k[i], strlen(k[i])))
			badform++;
		for (j = 3; j < SEC_KEY_LEN; j++) {
			if ((idx = b62_index(k[i][j])) == -1)
				badch = 1;
			else
				count[idx]++;
		}
	}
	T_OK(rc == 0 && badlen == 0 && badform == 0 && badch == 0,
	    "%d new keys: all %d bytes, base62, well-formed", NK,
	    SEC_KEY_LEN);
	qsort(k, NK, sizeof(*k), cmpkey);
	for (i = 1; i < NK; i++)
		if (memcmp(k[i - 1], k[i], SEC_KEY_LEN) == 0)
			dups++;
	T_OK(dups == 0, "%d new keys are distinct", NK);
	free(k);

	exp = (double)NK * SEC_KEY_BODY / 62.0;
	for (i = 0; i < 62; i++) {
		d = (double)count[i] - exp;
		chi += d * d / exp;
	}
	T_OK(chi < 130.0, "base62 uniform over %d draws: chi2 %.1f < 130",
	    NK * SEC_KEY_BODY, chi);
	for (i = 0, j = 0; i < 62; i++)
		if (count[i] < exp * 0.8 || count[i] > exp * 1.2)
			j++;
	T_OK(j == 0, "every symbol within 20%% of %.0f", exp);
}

static void
test_prefix(void)
{
	char	 p[SEC_PREFIX_LEN];

	sec_key_prefix("sk-" BODY48, p);
	T_OK(strcmp(p, "sk-abcd...wxyz") == 0, "prefix: %s", p);
	sec_key_prefix("sk-abc", p);
	T_OK(strcmp(p, "sk-invalid") == 0, "prefix of a short key: %s", p);
	sec_key_prefix(NULL, p);
	T_OK(strcmp(p, "sk-invalid") == 0, "prefix of NULL: %s", p);
	sec_key_prefix("sk-" BODY48 "EXTRA", p);
	T_OK(strcmp(p, "sk-invalid") == 0, "prefix of a long key: %s", p);
}

static void
test_hash(void)
{
	static const struct {
		const char	*in;
		const char	*want;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb924"
		  "27ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223"
		  "b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039"
		  "a33ce45964ff2167f6ecedd419db06c1" },
	};
	char	 h[SEC_HEX256], id1[SEC_RID_LEN], id2[SEC_RID_LEN];
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sec_sha256_hex(v[i].in, strlen(v[i].in), h);
		T_OK(strcmp(h, v[i].want) == 0, "sha256(\"%.8s\") = %.16s...",
		    v[i].in, v[i].want);
	}
	T_OK(sec_ct_equal("abcdef", "abcdef", 6) == 1, "ct_equal: equal");
	T_OK(sec_ct_equal("abcdef", "abcdeg", 6) == 0, "ct_equal: last byte");
	T_OK(sec_ct_equal("xbcdef", "abcdef", 6) == 0, "ct_equal: first");
	T_OK(sec_ct_equal("a", "b", 0) == 1, "ct_equal: n = 0");

	sec_request_id(id1);
	sec_request_id(id2);
	T_OK(strlen(id1) == 32 && strspn(id1, "0123456789abcdef") == 32 &&
	    strcmp(id1, id2) != 0, "request ids: 32 hex, distinct");
}

static void
test_seal(void)
{
	static const size_t	 sizes[] = { 0, 1, 15, 16, 17, 1000, 100000 };
	unsigned char		 key[32], key2[32], *pt;
	struct buf		 ct, op, ct2;
	size_t			 i, n, pos;
	int			 ok;

	sec_random(key, sizeof(key));
	memcpy(key2, key, sizeof(key2));
	key2[31] ^= 1;
	pt = malloc(100000);
	sec_random(pt, 100000);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		buf_init(&ct, 1 << 20);
		buf_init(&op, 1 << 20);
		buf_puts(&op, "keep");
		ok = sec_seal(key, pt, n, &ct) == 0 && ct.len == n + 28 &&
		    sec_open(key, ct.p, ct.len, &op) == 0 &&
		    op.len == n + 4 && memcmp(op.p, "keep", 4) == 0 &&
		    memcmp(op.p + 4, pt, n) == 0;
		T_OK(ok, "seal/open round trip of %zu bytes (appends)", n);
		buf_free(&ct);
		buf_free(&op);
	}

	/* Same plaintext twice: different nonces, different blobs. */
	buf_init(&ct, 1 << 20);
	buf_init(&ct2, 1 << 20);
	sec_seal(key, "secret", 6, &ct);
	sec_seal(key, "secret", 6, &ct2);
	T_OK(ct.len == ct2.len && memcmp(ct.p, ct2.p, ct.len) != 0 &&
	    memcmp(ct.p, ct2.p, 12) != 0, "two seals differ (fresh nonce)");
	buf_free(&ct2);

	/* Every single flipped bit in nonce, ciphertext and tag is caught. */
	buf_init(&op, 1 << 20);
	ok = 1;
	for (pos = 0; pos < ct.len; pos++) {
		ct.p[pos] ^= 0x01;
		if (sec_open(key, ct.p, ct.len, &op) != -1 || op.len != 0)
			ok = 0;
		ct.p[pos] ^= 0x01;
	}
	nneg++;
	T_OK(ok, "all %zu one-bit tamperings rejected, out unchanged",
	    ct.len);
	nneg++;
	T_OK(sec_open(key, ct.p, 12 + 6 + 16 - 1, &op) == -1,
	    "open: truncated tag");
	nneg++;
	T_OK(sec_open(key, ct.p + 1, ct.len - 1, &op) == -1,
	    "open: first byte dropped");
	nneg++;
	T_OK(sec_open(key, ct.p, 27, &op) == -1, "open: 27 bytes");
	nneg++;
	T_OK(sec_open(key, ct.p, 0, &op) == -1, "open: 0 bytes");
	nneg++;
	T_OK(sec_open(key2, ct.p, ct.len, &op) == -1 && op.len == 0,
	    "open: wrong key");
	ct.p[12] ^= 0x80;
	ct.p[ct.len - 1] ^= 0x80;
	nneg++;
	T_OK(sec_open(key, ct.p, ct.len, &op) == -1, "open: ct and tag");
	npos++;
	ct.p[12] ^= 0x80;
	ct.p[ct.len - 1] ^= 0x80;
	T_OK(sec_open(key, ct.p, ct.len, &op) == 0 && op.len == 6 &&
	    memcmp(op.p, "secret", 6) == 0, "open: restored blob opens");
	buf_free(&op);

	/* A cap on out: seal fails and leaves out as it was. */
	buf_init(&op, 40);
	buf_puts(&op, "prefix");
	nneg++;
	T_OK(sec_seal(key, pt, 10, &op) == -1 && op.len == 6 &&
	    strcmp(op.p, "prefix") == 0, "seal past the cap: out unchanged");
	/* "prefix" + 5 openings of 6 bytes = 36; a sixth passes 40. */
	for (i = 0; i < 5; i++)
		sec_open(key, ct.p, ct.len, &op);
	nneg++;
	T_OK(op.len == 36 && sec_open(key, ct.p, ct.len, &op) == -1 &&
	    op.len == 36 && memcmp(op.p + 30, "secret", 6) == 0,
	    "open past the cap: out unchanged");
	buf_free(&op);
	buf_free(&ct);
	free(pt);
}

static const struct {
	const char	*text;
	int		 mode;
	int		 ok;
	const char	*why;	/* substring of the error */
} secrets[] = {
	{ "000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\n", 0600, 1, NULL },
	{ "000102030405060708090A0B0C0D0E0F"
	  "101112131415161718191A1B1C1D1E1F", 0400, 1, NULL },
	{ "  \n000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\r\n\t ", 0600, 1, NULL },
	{ "000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\n", 0640, 0, "mode 0640" },
	{ "000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\n", 0644, 0, "mode 0644" },
	{ "000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\n", 0604, 0, "mode 0604" },
	{ "000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\n", 0610, 0, "mode 0610" },
	{ "000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\n", 0601, 0, "mode 0601" },
	{ "00010g030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\n", 0600, 0,
	  "non-hex character at offset 5" },
	{ "000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1\n", 0600, 0,
	  "expected 64 hex digits, found 63" },
	{ "000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f0\n", 0600, 0,
	  "expected 64 hex digits, found 65" },
	{ "0001020304050607", 0600, 0, "found 16" },
	{ "", 0600, 0, "found 0" },
	{ "\n\n", 0600, 0, "found 0" },
	{ "00010203040506070809 0a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\n", 0600, 0,
	  "non-hex character at offset 20" },
	{ "0x000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e", 0600, 0,
	  "non-hex character at offset 1" },
	{ "000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\n"
	  "000102030405060708090a0b0c0d0e0f"
	  "101112131415161718191a1b1c1d1e1f\n", 0600, 0,
	  "non-hex character at offset 64" },
};

static void
test_secret(void)
{
	char		 dir[] = "/tmp/test_sec.XXXXXX", path[128], err[256];
	char		 big[300];
	unsigned char	 key[32], want[32];
	size_t		 i;
	int		 fd, rc;

	for (i = 0; i < 32; i++)
		want[i] = (unsigned char)i;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/secret.key", dir);
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		unlink(path);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (write(fd, secrets[i].text, strlen(secrets[i].text)) < 0)
			abort();
		close(fd);
		chmod(path, (mode_t)secrets[i].mode);
		err[0] = '\0';
		memset(key, 0xee, sizeof(key));
		rc = sec_secret_load(path, key, err, sizeof(err));
		if (secrets[i].ok) {
			npos++;
			T_OK(rc == 0 && memcmp(key, want, 32) == 0,
			    "secret %zu loads (mode %04o)", i,
			    secrets[i].mode);
		} else {
			nneg++;
			T_OK(rc == -1 && strstr(err, secrets[i].why) != NULL &&
			    strncmp(err, path, strlen(path)) == 0,
			    "secret %zu refused: %s", i, err);
		}
	}
	unlink(path);

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	memset(big, '0', sizeof(big));
	if (write(fd, big, sizeof(big)) < 0)
		abort();
	close(fd);
	nneg++;
	rc = sec_secret_load(path, key, err, sizeof(err));
	T_OK(rc == -1 && strstr(err, "longer than 256 bytes") != NULL,
	    "secret: long file refused: %s", err);
	unlink(path);

	nneg++;
	rc = sec_secret_load(path, key, err, sizeof(err));
	T_OK(rc == -1 && strstr(err, "No such file") != NULL,
	    "secret: missing file: %s", err);
	nneg++;
	chmod(dir, 0700);
	rc = sec_secret_load(dir, key, err, sizeof(err));
	T_OK(rc == -1 && strstr(err, "not a regular file") != NULL,
	    "secret: directory refused: %s", err);
	rmdir(dir);
}

static void
test_password(void)
{
	static const char *const badhash[] = {
		"", "*", "!", "*0", "!$y$j9T$abc",
		"abJnggxhB/yWI",	/* DES crypt of "hunter2"-ish */
		"$y$", "$y$j9T$", "$y$j9T$salt", "$x$j9T$salt$hash",
		"$1$", "$6$rounds=1000$",
	};
	char	 h[128], h2[128], bad[128], small[64];
	size_t	 i, len;

	T_OK(sec_password_hash("hunter2", h, sizeof(h)) == 0 &&
	    strncmp(h, "$y$", 3) == 0, "password hash is yescrypt: %.12s...",
	    h);
	npos++;
	T_OK(sec_password_verify("hunter2", h) == 1, "verify: right password");
	nneg++;
	T_OK(sec_password_verify("hunter3", h) == 0, "verify: wrong password");
	nneg++;
	T_OK(sec_password_verify("", h) == 0, "verify: empty password");
	nneg++;
	T_OK(sec_password_verify("hunter2 ", h) == 0,
	    "verify: trailing space");
	sec_password_hash("hunter2", h2, sizeof(h2));
	T_OK(strcmp(h, h2) != 0, "two hashes of a password differ (salt)");

	len = strlen(h);
	memcpy(bad, h, len + 1);
	bad[len - 1] = bad[len - 1] == 'A' ? 'B' : 'A';
	nneg++;
	T_OK(sec_password_verify("hunter2", bad) == 0, "verify: hash altered");
	bad[len - 1] = '\0';
	nneg++;
	T_OK(sec_password_verify("hunter2", bad) == 0,
	    "verify: hash truncated");
	for (i = 0; i < sizeof(badhash) / sizeof(badhash[0]); i++) {
		nneg++;
		T_OK(sec_password_verify("hunter2", badhash[i]) == 0,
		    "verify: malformed hash '%s'", badhash[i]);
	}
	nneg++;
	T_OK(sec_password_verify("hunter2", NULL) == 0, "verify: NULL hash");
	T_OK(sec_password_hash("hunter2", small, sizeof(small)) == -1,
	    "hash: out smaller than 128 bytes refused");
}

int
main(void)
{
	test_wellformed();
	test_key_new();
	test_prefix();
	test_hash();
	test_seal();
	test_secret();
	test_password();
	printf("# parser cases: %d positive, %d negative\n", npos, nneg);
	T_OK(nneg > npos, "negative cases outnumber positive ones");
	return t_done();
}
