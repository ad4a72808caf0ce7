/*
 * main.c: nexhinactl, the administration CLI of Nexhina.
 *
 *   nexhinactl [-c CONF] COMMAND ...
 *
 * This half parses the global options, loads the config, picks the
 * command from cmd_tab and holds the argument parsers every command uses
 * (plus the small migrate, price and group commands).  Nothing here
 * trusts argv: numbers go through strtoll with full checks, multipliers
 * are parsed exactly into millionths without floating point, comma lists
 * are normalized the way the schema stores them (no blanks, no empty
 * items, no duplicates), JSON arguments are parsed with cJSON.
 * All state of a run lives in struct ctl; its arena is freed at exit.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ctl.h"
#include "log.h"

#define CTL_ARENA_CAP	(256 * 1024 * 1024)

struct cmd {
	const char	*noun;
	const char	*verb;
	int		(*fn)(struct ctl *, int, char **);
	const char	*usage;
};

static int	 ctl_migrate(struct ctl *, int, char **);

static const struct cmd cmd_tab[] = {
	{ "migrate", NULL, ctl_migrate, "migrate [DIR]" },
	{ "user", "add", ctl_user_add, "user add NAME [--role 1|10|100] "
	    "[--quota N] [--group G] [--display-name S] [--email S] "
	    "[--password-stdin]" },
	{ "user", "list", ctl_user_list, "user list" },
	{ "user", "set-quota", ctl_user_set_quota,
	    "user set-quota NAME|ID N" },
	{ "key", "create", ctl_key_create, "key create --user NAME|ID "
	    "[--name S] [--quota N | --unlimited] [--models a,b] "
	    "[--ips a,b] [--group G] [--expires UNIXTIME] [--rpm N] "
	    "[--tpm N]" },
	{ "key", "list", ctl_key_list, "key list [--user NAME|ID]" },
	{ "key", "disable", ctl_key_disable, "key disable ID" },
	{ "channel", "add", ctl_channel_add, "channel add --type T "
	    "--name S --base-url URL (--key-file F | --key-stdin) "
	    "--models a,b [--model-mapping JSON] [--group g1,g2] "
	    "[--priority N] [--weight N] [--test-model M] [--other JSON]" },
	{ "channel", "list", ctl_channel_list, "channel list" },
	{ "channel", "disable", ctl_channel_disable,
	    "channel disable ID" },
	{ "channel", "test", ctl_channel_test, "channel test ID" },
	{ "redeem", "create", ctl_redeem_create, "redeem create --quota N "
	    "[--count N] [--name S] [--expires UNIXTIME]" },
	{ "redeem", "use", ctl_redeem_use, "redeem use CODE --user NAME|ID" },
	{ "redeem", "list", ctl_redeem_list, "redeem list" },
	{ "price", "set", ctl_price_set, "price set MODEL --basis "
	    "tokens|input_tokens|image|character|second|request [--input X] "
	    "[--output X] [--cache X] [--cache-write X] [--unit X] "
	    "[--extra JSON]" },
	{ "price", "list", ctl_price_list, "price list" },
	{ "group", "set", ctl_group_set, "group set NAME [--ratio X] "
	    "[--rpm N] [--tpm N] [--description S]" },
	{ "group", "list", ctl_group_list, "group list" },
	{ "status", NULL, ctl_status, "status [--file PATH]" },
};

static void
usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: nexhinactl [-c CONF] COMMAND ...\n");
	for (i = 0; i < sizeof(cmd_tab) / sizeof(cmd_tab[0]); i++)
		fprintf(f, "  %s\n", cmd_tab[i].usage);
	fprintf(f, "CONF defaults to $NEXHINA_CONF, else "
	    "/etc/nexhina/nexhina.conf.\n"
	    "X is a decimal multiplier (at most 6 decimals; 1 = the base "
	    "model's input price).\n");
}

static void
vmsg(struct ctl *c, const char *fmt, va_list ap)
{
	fprintf(stderr, "nexhinactl: ");
	if (c->name[0] != '\0')
		fprintf(stderr, "%s: ", c->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
ctl_fail(struct ctl *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	return CTL_ERR;
}

int
ctl_bad(struct ctl *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	if (c->usage != NULL)
		fprintf(stderr, "usage: nexhinactl %s\n", c->usage);
	return CTL_USAGE;
}

int
ctl_dberr(struct ctl *c, enum err e)
{
	if (e == ERR_DB)
		return ctl_fail(c, "database: %s", db_errmsg(c->db));
	if (e == ERR_NOMEM)
		return ctl_fail(c, "out of memory");
	return ctl_fail(c, "%s", db_errmsg(c->db));
}

int
ctl_db(struct ctl *c)
{
	char	 err[512] = "";

	if (c->db != NULL)
		return CTL_OK;
	if (cfg_load(&c->cfg, c->conf, stderr) == -1)
		return ctl_fail(c, "cannot use config %s", c->conf);
	if (db_global_init() != 0)
		return ctl_fail(c, "cannot initialize the MariaDB client");
	if ((c->db = db_open(&c->cfg, err, sizeof(err))) == NULL)
		return ctl_fail(c, "out of memory");
	if (err[0] != '\0')
		return ctl_fail(c, "database: %s", err);
	return CTL_OK;
}

const char *
ctl_val(const struct ctl_opt *o, const char *name)
{
	for (; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o->val;
	return NULL;
}

int
ctl_opts(struct ctl *c, int argc, char **argv, struct ctl_opt *o,
    char **pos, int maxpos, int *npos)
{
	struct ctl_opt	*p;
	const char	*arg, *eq;
	size_t		 len;
	int		 i, dashdash = 0;

	*npos = 0;
	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (dashdash || arg[0] != '-' || arg[1] == '\0' ||
		    (arg[1] != '-' && isdigit((unsigned char)arg[1]))) {
			if (*npos == maxpos)
				return ctl_bad(c, "unexpected argument '%s'",
				    arg);
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (arg[1] != '-')
			return ctl_bad(c, "unknown option '%s'", arg);
		arg += 2;
		len = (eq = strchr(arg, '=')) != NULL ? (size_t)(eq - arg) :
		    strlen(arg);
		for (p = o; p->name != NULL; p++)
			if (strlen(p->name) == len &&
			    strncmp(p->name, arg, len) == 0)
				break;
		if (p->name == NULL)
			return ctl_bad(c, "unknown option '--%.*s'", (int)len,
			    arg);
		if (p->val != NULL)
			return ctl_bad(c, "--%s given twice", p->name);
		if (p->flag) {
			if (eq != NULL)
				return ctl_bad(c, "--%s takes no value",
				    p->name);
			p->val = "1";
		} else if (eq != NULL)
			p->val = eq + 1;
		else if (i + 1 < argc)
			p->val = argv[++i];
		else
			return ctl_bad(c, "--%s needs a value", p->name);
	}
	return CTL_OK;
}

int
ctl_int(struct ctl *c, const char *opt, const char *s, int64_t min,
    int64_t max, int64_t *out)
{
	long long	 v;
	char		*end;

	if (!isdigit((unsigned char)s[0]) && !(s[0] == '-' && min < 0 &&
	    isdigit((unsigned char)s[1])))
		return ctl_bad(c, "%s: '%s' is not %s integer", opt, s,
		    min < 0 ? "an" : "a non-negative");
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return ctl_bad(c, "%s: '%s' is not an integer", opt, s);
	if (errno == ERANGE || v < min || v > max)
		return ctl_bad(c, "%s: %s is out of range [%lld, %lld]", opt,
		    s, (long long)min, (long long)max);
	*out = (int64_t)v;
	return CTL_OK;
}

int
ctl_micro(struct ctl *c, const char *opt, const char *s, int64_t *out)
{
	switch (valid_micro(s, out)) {
	case VM_OK:
		return CTL_OK;
	case VM_NOT_NUMBER:
		return ctl_bad(c, "%s: '%s' is not a non-negative decimal "
		    "number", opt, s);
	case VM_TOO_LARGE:
		return ctl_bad(c, "%s: %s is too large", opt, s);
	case VM_NO_FRACTION:
		return ctl_bad(c, "%s: '%s': digits must follow '.'", opt, s);
	case VM_DECIMALS:
		return ctl_bad(c, "%s: '%s' has more than 6 decimals", opt, s);
	default:
		return ctl_bad(c, "%s: '%s' is not a decimal number", opt, s);
	}
}

char *
ctl_micro_fmt(char *out, size_t outsz, int64_t v)
{
	size_t	 n;
	int	 neg = v < 0;
	uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	snprintf(out, outsz, "%s%llu.%06llu", neg ? "-" : "",
	    (unsigned long long)(u / 1000000),
	    (unsigned long long)(u % 1000000));
	n = strlen(out);
	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
	return out;
}

int
ctl_list(struct ctl *c, const char *opt, const char *s,
    int (*ok)(const char *, size_t), size_t max, char **out)
{
	const char	*bad;
	char		*r;
	size_t		 n;

	if ((r = arena_alloc(&c->a, strlen(s) + 1)) == NULL)
		return ctl_fail(c, "out of memory");
	if (valid_list(s, ok, r, strlen(s) + 1, &bad, &n) == -1)
		return ctl_bad(c, "%s: '%.*s' is not valid", opt, (int)n,
		    bad);
	if (strlen(r) > max)
		return ctl_bad(c, "%s: list longer than %zu bytes", opt, max);
	*out = r;
	return CTL_OK;
}

int
ctl_json(struct ctl *c, const char *opt, const char *s, int strvals,
    int numvals, char **out)
{
	cJSON		*j, *it;
	char		*txt;
	int		 rc = CTL_OK;

	if (*s == '\0') {
		*out = arena_strdup(&c->a, "");
		return CTL_OK;
	}
	if ((j = cJSON_ParseWithOpts(s, NULL, 1)) == NULL ||
	    !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return ctl_bad(c, "%s: not a JSON object", opt);
	}
	cJSON_ArrayForEach(it, j) {
		if (strvals && !cJSON_IsString(it))
			rc = ctl_bad(c, "%s: value of \"%s\" is not a string",
			    opt, it->string);
		else if (numvals && (!cJSON_IsNumber(it) ||
		    it->valuedouble < 0))
			rc = ctl_bad(c, "%s: value of \"%s\" is not a "
			    "non-negative number", opt, it->string);
		if (rc != CTL_OK)
			break;
	}
	if (rc == CTL_OK) {
		if ((txt = cJSON_PrintUnformatted(j)) == NULL ||
		    strlen(txt) > 65535)
			rc = ctl_bad(c, "%s: JSON too large", opt);
		else if ((*out = arena_strdup(&c->a, txt)) == NULL)
			rc = ctl_fail(c, "out of memory");
		cJSON_free(txt);
	}
	cJSON_Delete(j);
	return rc;
}

const char *
ctl_clean(struct ctl *c, const char *s)
{
	char	*r, *p;

	if (s == NULL || (r = arena_strdup(&c->a, s)) == NULL)
		return "";
	for (p = r; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return r;
}

int
ctl_user(struct ctl *c, const char *ref, struct user_row *u)
{
	int64_t		 id;
	enum err	 e;

	if (*ref != '\0' && strspn(ref, "0123456789") == strlen(ref)) {
		if (ctl_int(c, "user id", ref, 1, INT64_MAX, &id) != CTL_OK)
			return CTL_ERR;
		e = db_user_get(c->db, &c->a, id, u);
	} else
		e = db_user_by_name(c->db, &c->a, ref, u);
	if (e == ERR_NOT_FOUND)
		return ctl_fail(c, "no such user '%s'", ref);
	return e == ERR_OK ? CTL_OK : ctl_dberr(c, e);
}

int
ctl_group_exists(struct ctl *c, const char *name)
{
	struct group_row	 g;
	enum err		 e;

	if ((e = db_group_get(c->db, &c->a, name, &g)) == ERR_OK)
		return CTL_OK;
	if (e == ERR_NOT_FOUND)
		return ctl_fail(c, "group '%s' does not exist (create it "
		    "with: nexhinactl group set %s)", name, name);
	return ctl_dberr(c, e);
}

/* ---- small commands ---- */

static int
ctl_migrate(struct ctl *c, int argc, char **argv)
{
	struct stat	 st;
	const char	*dir;
	char		*pos[1];
	struct ctl_opt	 o[] = { { NULL, 0, NULL } };
	int		 np, rc;

	if ((rc = ctl_opts(c, argc, argv, o, pos, 1, &np)) != CTL_OK)
		return rc;
	if (np == 1)
		dir = pos[0];
	else if ((dir = getenv("NEXHINA_SCHEMA")) == NULL || *dir == '\0')
		dir = stat("schema/0001_init.sql", &st) == 0 ? "schema" :
		    "/usr/share/nexhina/schema";
	if ((rc = ctl_db(c)) != CTL_OK)
		return rc;
	if (db_migrate(c->db, dir, stdout) != ERR_OK)
		return ctl_fail(c, "%s", db_errmsg(c->db));
	return CTL_OK;
}

int
ctl_price_set(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 o[] = { { "basis", 0, NULL }, { "input", 0, NULL },
			    { "output", 0, NULL }, { "cache", 0, NULL },
			    { "unit", 0, NULL }, { "cache-write", 0, NULL },
			    { "extra", 0, NULL }, { NULL, 0, NULL } };
	static const unsigned	 bit[] = { DB_PRICE_INPUT, DB_PRICE_OUTPUT,
				    DB_PRICE_CACHE, DB_PRICE_UNIT,
				    DB_PRICE_CACHE_WRITE };
	struct price	 p;
	int64_t		*dst[5];
	char		*pos[1], opt[16];
	const char	*v, *basis;
	unsigned	 set = 0;
	int		 np, rc, i;
	enum err	 e;

	if ((rc = ctl_opts(c, argc, argv, o, pos, 1, &np)) != CTL_OK)
		return rc;
	if (np != 1)
		return ctl_bad(c, "MODEL is required");
	if (!ctl_is_model(pos[0], strlen(pos[0])))
		return ctl_bad(c, "'%s' is not a valid model name", pos[0]);
	memset(&p, 0, sizeof(p));
	p.model = pos[0];
	if ((basis = ctl_val(o, "basis")) == NULL)
		return ctl_bad(c, "--basis is required");
	for (p.basis = 0; p.basis < BASIS__MAX; p.basis++)
		if (strcmp(basis, db_basis_names[p.basis]) == 0)
			break;
	if (p.basis == BASIS__MAX)
		return ctl_bad(c, "--basis: '%s' is not a billing basis",
		    basis);
	dst[0] = &p.input_u;
	dst[1] = &p.output_u;
	dst[2] = &p.cache_u;
	dst[3] = &p.unit_u;
	dst[4] = &p.cache_write_u;
	for (i = 0; i < 5; i++) {
		if ((v = o[i + 1].val) == NULL)
			continue;
		snprintf(opt, sizeof(opt), "--%s", o[i + 1].name);
		if ((rc = ctl_micro(c, opt, v, dst[i])) != CTL_OK)
			return rc;
		set |= bit[i];
	}
	if ((v = ctl_val(o, "extra")) != NULL) {
		if ((rc = ctl_json(c, "--extra", v, 0,
		    p.basis == BASIS_IMAGE, &p.extra)) != CTL_OK)
			return rc;
		set |= DB_PRICE_EXTRA;
	}
	if ((rc = ctl_db(c)) != CTL_OK)
		return rc;
	if ((e = db_price_set(c->db, &p, set)) != ERR_OK)
		return ctl_dberr(c, e);
	printf("price of %s set\n", p.model);
	return CTL_OK;
}

int
ctl_price_list(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 o[] = { { NULL, 0, NULL } };
	struct price	*v;
	char		 b[5][32];
	size_t		 n, i;
	int		 np, rc;
	enum err	 e;

	if ((rc = ctl_opts(c, argc, argv, o, NULL, 0, &np)) != CTL_OK)
		return rc;
	if ((rc = ctl_db(c)) != CTL_OK)
		return rc;
	if ((e = db_price_list(c->db, &c->a, &v, &n)) != ERR_OK)
		return ctl_dberr(c, e);
	printf("%-28s %-12s %10s %10s %10s %11s %14s %s\n", "MODEL",
	    "BASIS", "INPUT", "OUTPUT", "CACHE", "CACHE-WRITE", "UNIT",
	    "EXTRA");
	for (i = 0; i < n; i++)
		printf("%-28s %-12s %10s %10s %10s %11s %14s %s\n",
		    ctl_clean(c, v[i].model), db_basis_names[v[i].basis],
		    ctl_micro_fmt(b[0], sizeof(b[0]), v[i].input_u),
		    ctl_micro_fmt(b[1], sizeof(b[1]), v[i].output_u),
		    ctl_micro_fmt(b[2], sizeof(b[2]), v[i].cache_u),
		    ctl_micro_fmt(b[3], sizeof(b[3]), v[i].cache_write_u),
		    ctl_micro_fmt(b[4], sizeof(b[4]), v[i].unit_u),
		    ctl_clean(c, v[i].extra));
	return CTL_OK;
}

int
ctl_group_set(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt		 o[] = { { "ratio", 0, NULL },
				    { "rpm", 0, NULL }, { "tpm", 0, NULL },
				    { "description", 0, NULL },
				    { NULL, 0, NULL } };
	struct group_row	 g;
	char			*pos[1];
	const char		*v;
	int64_t			 n;
	unsigned		 set = 0;
	int			 np, rc;
	enum err		 e;

	if ((rc = ctl_opts(c, argc, argv, o, pos, 1, &np)) != CTL_OK)
		return rc;
	if (np != 1)
		return ctl_bad(c, "NAME is required");
	if (!ctl_is_group(pos[0], strlen(pos[0])))
		return ctl_bad(c, "'%s' is not a valid group name (letters, "
		    "digits, '.', '_', '-'; at most 64)", pos[0]);
	memset(&g, 0, sizeof(g));
	g.name = pos[0];
	if ((v = ctl_val(o, "ratio")) != NULL) {
		if ((rc = ctl_micro(c, "--ratio", v, &g.ratio_u)) != CTL_OK)
			return rc;
		set |= DB_GROUP_RATIO;
	}
	if ((v = ctl_val(o, "rpm")) != NULL) {
		if ((rc = ctl_int(c, "--rpm", v, 0, INT_MAX, &n)) != CTL_OK)
			return rc;
		g.rpm = (int)n;
		set |= DB_GROUP_RPM;
	}
	if ((v = ctl_val(o, "tpm")) != NULL) {
		if ((rc = ctl_int(c, "--tpm", v, 0, INT_MAX, &n)) != CTL_OK)
			return rc;
		g.tpm = (int)n;
		set |= DB_GROUP_TPM;
	}
	if ((v = ctl_val(o, "description")) != NULL) {
		if (strlen(v) > 255)
			return ctl_bad(c, "--description: longer than 255 "
			    "bytes");
		g.description = (char *)(uintptr_t)v;
		set |= DB_GROUP_DESC;
	}
	if ((rc = ctl_db(c)) != CTL_OK)
		return rc;
	if ((e = db_group_set(c->db, &g, set)) != ERR_OK)
		return ctl_dberr(c, e);
	printf("group %s set\n", g.name);
	return CTL_OK;
}

int
ctl_group_list(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt		 o[] = { { NULL, 0, NULL } };
	struct group_row	*v;
	char			 b[32];
	size_t			 n, i;
	int			 np, rc;
	enum err		 e;

	if ((rc = ctl_opts(c, argc, argv, o, NULL, 0, &np)) != CTL_OK)
		return rc;
	if ((rc = ctl_db(c)) != CTL_OK)
		return rc;
	if ((e = db_group_list(c->db, &c->a, &v, &n)) != ERR_OK)
		return ctl_dberr(c, e);
	printf("%-20s %10s %10s %12s %s\n", "NAME", "RATIO", "RPM", "TPM",
	    "DESCRIPTION");
	for (i = 0; i < n; i++)
		printf("%-20s %10s %10d %12d %s\n", ctl_clean(c, v[i].name),
		    ctl_micro_fmt(b, sizeof(b), v[i].ratio_u), v[i].rpm,
		    v[i].tpm, ctl_clean(c, v[i].description));
	return CTL_OK;
}

int
main(int argc, char *argv[])
{
	struct ctl		 c;
	const struct cmd	*k = NULL;
	size_t			 i;
	int			 ch, rc, skip;

	memset(&c, 0, sizeof(c));
	arena_init(&c.a, CTL_ARENA_CAP);
	/* A dead server must give an error, never kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	log_setup(LOG_WARN_, "nexhinactl");
	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		if (ch == 'c')
			c.conf = optarg;
		else {
			usage(ch == 'h' ? stdout : stderr);
			return ch == 'h' ? CTL_OK : CTL_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || strcmp(argv[0], "help") == 0) {
		usage(argc == 0 ? stderr : stdout);
		return argc == 0 ? CTL_USAGE : CTL_OK;
	}
	for (i = 0; i < sizeof(cmd_tab) / sizeof(cmd_tab[0]); i++)
		if (strcmp(cmd_tab[i].noun, argv[0]) == 0 &&
		    (cmd_tab[i].verb == NULL || (argc > 1 &&
		    strcmp(cmd_tab[i].verb, argv[1]) == 0))) {
			k = &cmd_tab[i];
			break;
		}
	if (k == NULL) {
		fprintf(stderr, "nexhinactl: unknown command '%s%s%s'\n",
		    argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
		usage(stderr);
		return CTL_USAGE;
	}
	snprintf(c.name, sizeof(c.name), "%s%s%s", k->noun,
	    k->verb != NULL ? " " : "", k->verb != NULL ? k->verb : "");
	c.usage = k->usage;
	if (c.conf == NULL && (c.conf = getenv("NEXHINA_CONF")) == NULL)
		c.conf = "/etc/nexhina/nexhina.conf";
	skip = k->verb == NULL ? 1 : 2;
	rc = k->fn(&c, argc - skip, argv + skip);
	db_close(c.db);
	arena_free(&c.a);
	return rc;
}
