/*
 * cmd.c: the user, key and channel commands of nexhinactl.
 *
 * Each command parses and validates all of its arguments before it
 * touches the database, so a usage error never needs a server.  Three
 * secrets pass through here and are wiped after use: a user's password
 * (only its sec_password_hash is stored; a generated one is shown once on
 * stderr so stdout stays the new id), a new API key (printed once, alone,
 * on stdout; only its SHA-256 and display prefix are stored) and a channel
 * credential (sealed with AES-256-GCM under the secret_key_file key; no
 * command ever prints it back).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "ctl.h"
#include "sec.h"

#define PW_MAX		1024		/* bytes of a password */
#define PW_GEN_LEN	20		/* characters of a generated one */
#define CRED_MAX	(64 * 1024)	/* bytes of a channel credential */

static const char *const chan_types[] = {
	"openai", "azure", "anthropic", "gemini", "cohere",
	"openai-compatible", NULL
};

static const char *const key_status[] = {
	"?", "enabled", "disabled", "expired", "exhausted"
};

static const char *const chan_status[] = {
	"?", "enabled", "disabled", "auto-disabled"
};

/*
 * Reads f into out (outsz bytes).  line set: the first line, without its
 * "\n" or "\r\n" (a password keeps its blanks); else everything, without
 * trailing blanks and newlines (a credential file).  Returns the length,
 * or -1 when it does not fit, -2 on a read error.
 */
static long
read_secret(FILE *f, int line, char *out, size_t outsz)
{
	size_t	 n = 0;
	int	 ch;

	while ((ch = getc(f)) != EOF && !(line && ch == '\n')) {
		if (n + 1 >= outsz)
			return -1;
		out[n++] = (char)ch;
	}
	if (ferror(f))
		return -2;
	while (n > 0 && (line ? out[n - 1] == '\r' :
	    isspace((unsigned char)out[n - 1]) != 0))
		n--;
	out[n] = '\0';
	return (long)n;
}

/* A random base62 password of PW_GEN_LEN characters, without bias. */
static int
gen_password(char *out)
{
	static const char	 b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz";
	unsigned char		 r[64];
	size_t			 n = 0, i;

	while (n < PW_GEN_LEN) {
		if (sec_random(r, sizeof(r)) != 0)
			return -1;
		for (i = 0; i < sizeof(r) && n < PW_GEN_LEN; i++)
			if (r[i] < 248)		/* 248 = 4 x 62 */
				out[n++] = b62[r[i] % 62];
	}
	out[n] = '\0';
	explicit_bzero(r, sizeof(r));
	return 0;
}

/* Printable text of at most max bytes (names, descriptions). */
static int
text_ok(struct ctl *c, const char *opt, const char *s, size_t max)
{
	const unsigned char	*p;

	if (strlen(s) > max)
		return ctl_bad(c, "%s: longer than %zu bytes", opt, max);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return ctl_bad(c, "%s: control characters are not "
			    "allowed", opt);
	return CTL_OK;
}

int
ctl_user_add(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 o[] = { { "role", 0, NULL }, { "quota", 0, NULL },
			    { "group", 0, NULL }, { "display-name", 0, NULL },
			    { "email", 0, NULL },
			    { "password-stdin", 1, NULL },
			    { NULL, 0, NULL } };
	struct user_new	 u;
	char		*pos[1], pw[PW_MAX + 2], hash[256];
	const char	*v;
	int64_t		 role = 1, id;
	long		 n;
	int		 np, rc, gen;
	enum err	 e;

	memset(&u, 0, sizeof(u));
	if ((rc = ctl_opts(c, argc, argv, o, pos, 1, &np)) != CTL_OK)
		return rc;
	if (np != 1)
		return ctl_bad(c, "NAME is required");
	if (!valid_username(pos[0]))
		return ctl_bad(c, "'%s' is not a valid user name (1-64 of "
		    "letters, digits, '.', '_', '@', '-'; not all digits)",
		    pos[0]);
	u.username = pos[0];
	if ((v = ctl_val(o, "role")) != NULL &&
	    ((rc = ctl_int(c, "--role", v, 1, 100, &role)) != CTL_OK ||
	    (role != 1 && role != 10 && role != 100)))
		return rc != CTL_OK ? rc : ctl_bad(c, "--role: must be 1 "
		    "(user), 10 (admin) or 100 (root)");
	u.role = (int)role;
	if ((v = ctl_val(o, "quota")) != NULL &&
	    (rc = ctl_int(c, "--quota", v, 0, INT64_MAX, &u.quota)) != CTL_OK)
		return rc;
	u.group = (v = ctl_val(o, "group")) != NULL ? v : "default";
	if (!ctl_is_group(u.group, strlen(u.group)))
		return ctl_bad(c, "--group: '%s' is not a valid group name",
		    u.group);
	u.display_name = (v = ctl_val(o, "display-name")) != NULL ? v :
	    u.username;
	u.email = (v = ctl_val(o, "email")) != NULL ? v : "";
	if ((rc = text_ok(c, "--display-name", u.display_name, 128)) !=
	    CTL_OK || (rc = text_ok(c, "--email", u.email, 255)) != CTL_OK)
		return rc;
	if (*u.email != '\0' && (strchr(u.email, '@') == NULL ||
	    strchr(u.email, ' ') != NULL))
		return ctl_bad(c, "--email: '%s' is not an e-mail address",
		    u.email);
	if ((gen = ctl_val(o, "password-stdin") == NULL)) {
		if (gen_password(pw) != 0)
			return ctl_fail(c, "no randomness");
	} else if ((n = read_secret(stdin, 1, pw, sizeof(pw))) < 0 ||
	    n > PW_MAX)
		return ctl_fail(c, "password: %s", n == -2 ?
		    "cannot read stdin" : "longer than 1024 bytes");
	else if (n == 0)
		return ctl_fail(c, "password: empty first line on stdin");
	if ((rc = ctl_db(c)) != CTL_OK ||
	    (rc = ctl_group_exists(c, u.group)) != CTL_OK)
		goto out;
	if (sec_password_hash(pw, hash, sizeof(hash)) != 0) {
		rc = ctl_fail(c, "cannot hash the password");
		goto out;
	}
	u.password_hash = hash;
	if ((e = db_user_add(c->db, &u, &id)) != ERR_OK) {
		rc = ctl_dberr(c, e);
		goto out;
	}
	printf("%lld\n", (long long)id);
	if (gen)
		fprintf(stderr, "password of %s (shown once): %s\n",
		    u.username, pw);
out:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

int
ctl_user_list(struct ctl *c, int argc, char **argv)
{
	static const size_t	 page = 1000;
	struct ctl_opt		 o[] = { { NULL, 0, NULL } };
	struct user_row		*v;
	int64_t			 after = 0;
	size_t			 n, i;
	int			 np, rc;
	enum err		 e;

	if ((rc = ctl_opts(c, argc, argv, o, NULL, 0, &np)) != CTL_OK ||
	    (rc = ctl_db(c)) != CTL_OK)
		return rc;
	printf("%-6s %-24s %-5s %-8s %16s %16s %10s %s\n", "ID", "USERNAME",
	    "ROLE", "STATUS", "QUOTA", "USED_QUOTA", "REQUESTS", "GROUP");
	do {
		arena_reset(&c->a);
		if ((e = db_user_list(c->db, &c->a, after, page, &v, &n)) !=
		    ERR_OK)
			return ctl_dberr(c, e);
		for (i = 0; i < n; i++)
			printf("%-6lld %-24s %-5d %-8s %16lld %16lld %10lld "
			    "%s\n", (long long)v[i].id,
			    ctl_clean(c, v[i].username), v[i].role,
			    v[i].status == 1 ? "enabled" : "disabled",
			    (long long)v[i].quota, (long long)v[i].used_quota,
			    (long long)v[i].request_count,
			    ctl_clean(c, v[i].group));
		if (n > 0)
			after = v[n - 1].id;
	} while (n == page);
	return CTL_OK;
}

int
ctl_user_set_quota(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 o[] = { { NULL, 0, NULL } };
	struct user_row	 u;
	char		*pos[2];
	int64_t		 quota, delta;
	int		 np, rc;
	enum err	 e;

	if ((rc = ctl_opts(c, argc, argv, o, pos, 2, &np)) != CTL_OK)
		return rc;
	if (np != 2)
		return ctl_bad(c, "NAME|ID and N are required");
	if ((rc = ctl_int(c, "N", pos[1], 0, INT64_MAX, &quota)) != CTL_OK ||
	    (rc = ctl_db(c)) != CTL_OK ||
	    (rc = ctl_user(c, pos[0], &u)) != CTL_OK)
		return rc;
	if ((e = db_user_set_quota(c->db, u.id, quota, "nexhinactl",
	    &delta)) != ERR_OK)
		return e == ERR_NOT_FOUND ? ctl_fail(c, "no such user '%s'",
		    pos[0]) : ctl_dberr(c, e);
	printf("quota of %s set to %lld (%+lld)\n", ctl_clean(c, u.username),
	    (long long)quota, (long long)delta);
	return CTL_OK;
}

/* Parses --rpm/--tpm style limits: absent -1 (the group's), else >= 0. */
static int
limit_opt(struct ctl *c, const struct ctl_opt *o, const char *name,
    int *out)
{
	char		 opt[16];
	const char	*v;
	int64_t		 n;
	int		 rc;

	*out = -1;
	if ((v = ctl_val(o, name)) == NULL)
		return CTL_OK;
	snprintf(opt, sizeof(opt), "--%s", name);
	if ((rc = ctl_int(c, opt, v, 0, INT_MAX, &n)) != CTL_OK)
		return rc;
	*out = (int)n;
	return CTL_OK;
}

int
ctl_key_create(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 o[] = { { "user", 0, NULL }, { "name", 0, NULL },
			    { "quota", 0, NULL }, { "unlimited", 1, NULL },
			    { "models", 0, NULL }, { "ips", 0, NULL },
			    { "group", 0, NULL }, { "expires", 0, NULL },
			    { "rpm", 0, NULL }, { "tpm", 0, NULL },
			    { NULL, 0, NULL } };
	struct token_new k;
	struct user_row	 u;
	char		 key[SEC_KEY_LEN + 1], hash[SEC_HEX256];
	char		 prefix[SEC_PREFIX_LEN];
	char		*models = "", *ips = "";
	const char	*v, *user;
	int64_t		 id;
	int		 np, rc;
	enum err	 e;

	memset(&k, 0, sizeof(k));
	if ((rc = ctl_opts(c, argc, argv, o, NULL, 0, &np)) != CTL_OK)
		return rc;
	if ((user = ctl_val(o, "user")) == NULL)
		return ctl_bad(c, "--user is required");
	k.name = (v = ctl_val(o, "name")) != NULL ? v : "";
	if ((rc = text_ok(c, "--name", k.name, 128)) != CTL_OK)
		return rc;
	if ((v = ctl_val(o, "quota")) != NULL) {
		if (ctl_val(o, "unlimited") != NULL)
			return ctl_bad(c, "--quota and --unlimited exclude "
			    "each other");
		if ((rc = ctl_int(c, "--quota", v, 0, INT64_MAX,
		    &k.remain_quota)) != CTL_OK)
			return rc;
	} else
		k.unlimited = 1;	/* still bounded by the user's quota */
	if (((v = ctl_val(o, "models")) != NULL && (rc = ctl_list(c,
	    "--models", v, ctl_is_model, 65535, &models)) != CTL_OK) ||
	    ((v = ctl_val(o, "ips")) != NULL && (rc = ctl_list(c, "--ips", v,
	    ctl_is_ip, 65535, &ips)) != CTL_OK))
		return rc;
	k.model_limits = models;
	k.allow_ips = ips;
	k.group = (v = ctl_val(o, "group")) != NULL ? v : "";
	if (*k.group != '\0' && !ctl_is_group(k.group, strlen(k.group)))
		return ctl_bad(c, "--group: '%s' is not a valid group name",
		    k.group);
	k.expired_time = -1;
	if ((v = ctl_val(o, "expires")) != NULL) {
		if ((rc = ctl_int(c, "--expires", v, -1, INT64_MAX,
		    &k.expired_time)) != CTL_OK)
			return rc;
		if (k.expired_time != -1 && k.expired_time <= time(NULL))
			return ctl_bad(c, "--expires: %s is not in the "
			    "future (-1 = never)", v);
	}
	if ((rc = limit_opt(c, o, "rpm", &k.rpm_limit)) != CTL_OK ||
	    (rc = limit_opt(c, o, "tpm", &k.tpm_limit)) != CTL_OK)
		return rc;
	if ((rc = ctl_db(c)) != CTL_OK || (rc = ctl_user(c, user, &u)) !=
	    CTL_OK || (*k.group != '\0' &&
	    (rc = ctl_group_exists(c, k.group)) != CTL_OK))
		return rc;
	k.user_id = u.id;
	if (sec_key_new(key) != 0)
		return ctl_fail(c, "no randomness");
	sec_sha256_hex(key, strlen(key), hash);
	sec_key_prefix(key, prefix);
	k.key_hash = hash;
	k.key_prefix = prefix;
	if ((e = db_key_add(c->db, &k, &id)) != ERR_OK)
		rc = ctl_dberr(c, e);
	else
		printf("%s\n", key);
	explicit_bzero(key, sizeof(key));
	return rc;
}

int
ctl_key_list(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt		 o[] = { { "user", 0, NULL },
				    { NULL, 0, NULL } };
	struct token_row	*v;
	struct user_row		 u;
	const char		*user;
	size_t			 n, i;
	int			 np, rc;
	enum err		 e;

	if ((rc = ctl_opts(c, argc, argv, o, NULL, 0, &np)) != CTL_OK ||
	    (rc = ctl_db(c)) != CTL_OK)
		return rc;
	u.id = 0;
	if ((user = ctl_val(o, "user")) != NULL &&
	    (rc = ctl_user(c, user, &u)) != CTL_OK)
		return rc;
	if ((e = db_key_list(c->db, &c->a, u.id, &v, &n)) != ERR_OK)
		return ctl_dberr(c, e);
	printf("%-6s %-16s %-16s %-16s %-9s %14s %14s %-9s %-10s %s\n",
	    "ID", "USER", "NAME", "PREFIX", "STATUS", "REMAIN", "USED",
	    "UNLIMITED", "GROUP", "MODELS");
	for (i = 0; i < n; i++)
		printf("%-6lld %-16s %-16s %-16s %-9s %14lld %14lld %-9s "
		    "%-10s %s\n", (long long)v[i].id,
		    ctl_clean(c, v[i].username), ctl_clean(c, v[i].name),
		    ctl_clean(c, v[i].key_prefix),
		    key_status[v[i].status >= 1 && v[i].status <= 4 ?
		    v[i].status : 0], (long long)v[i].remain_quota,
		    (long long)v[i].used_quota, v[i].unlimited ? "yes" : "no",
		    *v[i].group != '\0' ? ctl_clean(c, v[i].group) : "(user)",
		    *v[i].model_limits != '\0' ?
		    ctl_clean(c, v[i].model_limits) : "(any)");
	return CTL_OK;
}

/* "key disable ID", "channel disable ID": status 2 by id. */
static int
disable(struct ctl *c, int argc, char **argv,
    enum err (*fn)(struct db *, int64_t, int), const char *what)
{
	struct ctl_opt	 o[] = { { NULL, 0, NULL } };
	char		*pos[1];
	int64_t		 id;
	int		 np, rc;
	enum err	 e;

	if ((rc = ctl_opts(c, argc, argv, o, pos, 1, &np)) != CTL_OK)
		return rc;
	if (np != 1)
		return ctl_bad(c, "ID is required");
	if ((rc = ctl_int(c, "ID", pos[0], 1, INT64_MAX, &id)) != CTL_OK ||
	    (rc = ctl_db(c)) != CTL_OK)
		return rc;
	if ((e = fn(c->db, id, 2)) == ERR_NOT_FOUND)
		return ctl_fail(c, "no such %s %lld", what, (long long)id);
	if (e != ERR_OK)
		return ctl_dberr(c, e);
	printf("%s %lld disabled\n", what, (long long)id);
	return CTL_OK;
}

int
ctl_key_disable(struct ctl *c, int argc, char **argv)
{
	return disable(c, argc, argv, db_key_set_status, "key");
}

int
ctl_channel_disable(struct ctl *c, int argc, char **argv)
{
	return disable(c, argc, argv, db_channel_set_status, "channel");
}

/* Reads the credential from --key-file or stdin into cred. */
static int
read_cred(struct ctl *c, const char *file, char *cred, size_t credsz)
{
	FILE	*f = stdin;
	long	 n;

	if (file != NULL && (f = fopen(file, "r")) == NULL)
		return ctl_fail(c, "--key-file: %s: %s", file,
		    strerror(errno));
	n = read_secret(f, 0, cred, credsz);
	if (f != stdin)
		fclose(f);
	if (n < 0)
		return ctl_fail(c, "credential: %s", n == -1 ?
		    "larger than 64 KiB" : "read error");
	if (n == 0)
		return ctl_fail(c, "credential: empty");
	return CTL_OK;
}

/* Validates the non-secret arguments of channel add into ch. */
static int
chan_args(struct ctl *c, const struct ctl_opt *o, struct channel *ch,
    const char **test_model)
{
	const char	*v;
	int64_t		 n;
	size_t		 i;
	int		 rc;

	if ((v = ctl_val(o, "type")) == NULL)
		return ctl_bad(c, "--type is required");
	for (i = 0; chan_types[i] != NULL; i++)
		if (strcmp(v, chan_types[i]) == 0)
			break;
	if (chan_types[i] == NULL)
		return ctl_bad(c, "--type: '%s' is not one of openai azure "
		    "anthropic gemini cohere openai-compatible", v);
	ch->type = (char *)(uintptr_t)chan_types[i];
	if ((v = ctl_val(o, "name")) == NULL || *v == '\0')
		return ctl_bad(c, "--name is required");
	if ((rc = text_ok(c, "--name", v, 128)) != CTL_OK)
		return rc;
	ch->name = (char *)(uintptr_t)v;
	if ((v = ctl_val(o, "base-url")) == NULL)
		return ctl_bad(c, "--base-url is required");
	if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) !=
	    0) || strlen(v) > 512 || strcspn(v, " \t\r\n") != strlen(v))
		return ctl_bad(c, "--base-url: '%s' is not an http(s) URL", v);
	ch->base_url = (char *)(uintptr_t)v;
	if ((v = ctl_val(o, "models")) == NULL)
		return ctl_bad(c, "--models is required");
	if ((rc = ctl_list(c, "--models", v, ctl_is_model, 65535,
	    &ch->models)) != CTL_OK)
		return rc;
	if (*ch->models == '\0')
		return ctl_bad(c, "--models: no model given");
	v = (v = ctl_val(o, "group")) != NULL ? v : "default";
	if ((rc = ctl_list(c, "--group", v, ctl_is_group, 512,
	    &ch->groups)) != CTL_OK)
		return rc;
	if (*ch->groups == '\0')
		return ctl_bad(c, "--group: no group given");
	ch->model_mapping = ch->other = "";
	if (((v = ctl_val(o, "model-mapping")) != NULL && (rc = ctl_json(c,
	    "--model-mapping", v, 1, 0, &ch->model_mapping)) != CTL_OK) ||
	    ((v = ctl_val(o, "other")) != NULL && (rc = ctl_json(c,
	    "--other", v, 0, 0, &ch->other)) != CTL_OK))
		return rc;
	ch->weight = 1;
	if ((v = ctl_val(o, "priority")) != NULL) {
		if ((rc = ctl_int(c, "--priority", v, INT_MIN, INT_MAX, &n)) !=
		    CTL_OK)
			return rc;
		ch->priority = (int)n;
	}
	if ((v = ctl_val(o, "weight")) != NULL) {
		if ((rc = ctl_int(c, "--weight", v, 0, INT_MAX, &n)) != CTL_OK)
			return rc;
		ch->weight = (int)n;
	}
	*test_model = (v = ctl_val(o, "test-model")) != NULL ? v : "";
	if (**test_model != '\0' && !ctl_is_model(v, strlen(v)))
		return ctl_bad(c, "--test-model: '%s' is not a valid model "
		    "name", v);
	if ((ctl_val(o, "key-file") != NULL) ==
	    (ctl_val(o, "key-stdin") != NULL))
		return ctl_bad(c, "give exactly one of --key-file and "
		    "--key-stdin");
	return CTL_OK;
}

int
ctl_channel_add(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 o[] = { { "type", 0, NULL }, { "name", 0, NULL },
			    { "base-url", 0, NULL }, { "key-file", 0, NULL },
			    { "key-stdin", 1, NULL }, { "models", 0, NULL },
			    { "model-mapping", 0, NULL }, { "group", 0, NULL },
			    { "priority", 0, NULL }, { "weight", 0, NULL },
			    { "test-model", 0, NULL }, { "other", 0, NULL },
			    { NULL, 0, NULL } };
	struct channel	 ch;
	struct buf	 sealed;
	unsigned char	 sk[32];
	char		*cred = NULL, err[256], *g, *comma;
	const char	*test_model = "";
	int64_t		 id;
	int		 np, rc;
	enum err	 e;

	memset(&ch, 0, sizeof(ch));
	buf_init(&sealed, CRED_MAX + 64);
	if ((rc = ctl_opts(c, argc, argv, o, NULL, 0, &np)) != CTL_OK ||
	    (rc = chan_args(c, o, &ch, &test_model)) != CTL_OK)
		return rc;
	if ((rc = ctl_db(c)) != CTL_OK)
		return rc;
	for (g = ch.groups; *g != '\0'; g = comma + (*comma != '\0')) {
		comma = g + strcspn(g, ",");
		if ((g = arena_strndup(&c->a, g, (size_t)(comma - g))) ==
		    NULL)
			return ctl_fail(c, "out of memory");
		if ((rc = ctl_group_exists(c, g)) != CTL_OK)
			return rc;
	}
	if (sec_secret_load(c->cfg.secret_key_file, sk, err,
	    sizeof(err)) != 0)
		return ctl_fail(c, "secret key: %s", err);
	if ((cred = malloc(CRED_MAX + 2)) == NULL) {
		rc = ctl_fail(c, "out of memory");
		goto out;
	}
	if ((rc = read_cred(c, ctl_val(o, "key-file"), cred,
	    CRED_MAX + 2)) != CTL_OK)
		goto out;
	if (sec_seal(sk, cred, strlen(cred), &sealed) != 0) {
		rc = ctl_fail(c, "cannot seal the credential");
		goto out;
	}
	ch.key_enc = (unsigned char *)sealed.p;
	ch.key_enc_len = sealed.len;
	if ((e = db_channel_add(c->db, &ch, test_model, &id)) != ERR_OK)
		rc = ctl_dberr(c, e);
	else
		printf("%lld\n", (long long)id);
out:
	explicit_bzero(sk, sizeof(sk));
	if (cred != NULL) {
		explicit_bzero(cred, CRED_MAX + 2);
		free(cred);
	}
	buf_free(&sealed);
	return rc;
}

int
ctl_channel_list(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt		 o[] = { { NULL, 0, NULL } };
	struct channel_row	*v;
	size_t			 n, i;
	int			 np, rc, st;
	enum err		 e;

	if ((rc = ctl_opts(c, argc, argv, o, NULL, 0, &np)) != CTL_OK ||
	    (rc = ctl_db(c)) != CTL_OK)
		return rc;
	if ((e = db_channel_list(c->db, &c->a, &v, &n)) != ERR_OK)
		return ctl_dberr(c, e);
	printf("%-5s %-17s %-20s %-13s %8s %6s %14s %-16s %-30s %s\n", "ID",
	    "TYPE", "NAME", "STATUS", "PRIORITY", "WEIGHT", "USED_QUOTA",
	    "GROUP", "BASE_URL", "MODELS");
	for (i = 0; i < n; i++) {
		st = v[i].c.status >= 1 && v[i].c.status <= 3 ?
		    v[i].c.status : 0;
		printf("%-5lld %-17s %-20s %-13s %8d %6d %14lld %-16s %-30s "
		    "%s\n", (long long)v[i].c.id, ctl_clean(c, v[i].c.type),
		    ctl_clean(c, v[i].c.name), chan_status[st],
		    v[i].c.priority, v[i].c.weight,
		    (long long)v[i].used_quota, ctl_clean(c, v[i].c.groups),
		    ctl_clean(c, v[i].c.base_url),
		    ctl_clean(c, v[i].c.models));
	}
	return CTL_OK;
}
