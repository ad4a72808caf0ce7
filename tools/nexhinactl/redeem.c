/*
 * redeem.c: redemption codes from the CLI (the console's API comes
 * later): `redeem create` prints new codes, `redeem use` credits one to a
 * user (exactly once, however many try at the same time), `redeem list`.
 * Codes are 32 base62 characters from the OS random source.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "sec.h"

#define CODE_LEN	32

static int
new_code(char out[CODE_LEN + 1])
{
	static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz";
	unsigned char	 r;
	size_t		 n = 0;

	/* Rejection sampling: bytes >= 248 would bias the first 8 digits. */
	while (n < CODE_LEN) {
		if (sec_random(&r, 1) == -1)
			return -1;
		if (r < 248)
			out[n++] = b62[r % 62];
	}
	out[CODE_LEN] = '\0';
	return 0;
}

int
ctl_redeem_create(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 o[] = { { "quota", 0, NULL }, { "count", 0, NULL },
	    { "name", 0, NULL }, { "expires", 0, NULL }, { NULL, 0, NULL } };
	char		*pos[1], code[CODE_LEN + 1];
	const char	*name;
	int64_t		 quota, count = 1, expires = -1, id, i;
	int		 np, rc;
	enum err	 e;

	if ((rc = ctl_opts(c, argc, argv, o, pos, 0, &np)) != CTL_OK)
		return rc;
	if (ctl_val(o, "quota") == NULL)
		return ctl_bad(c, "--quota is required");
	if ((rc = ctl_int(c, "--quota", ctl_val(o, "quota"), 1, INT64_MAX,
	    &quota)) != CTL_OK)
		return rc;
	if (ctl_val(o, "count") != NULL && (rc = ctl_int(c, "--count",
	    ctl_val(o, "count"), 1, 10000, &count)) != CTL_OK)
		return rc;
	if (ctl_val(o, "expires") != NULL && (rc = ctl_int(c, "--expires",
	    ctl_val(o, "expires"), 1, INT64_MAX, &expires)) != CTL_OK)
		return rc;
	name = ctl_val(o, "name") != NULL ? ctl_val(o, "name") : "";
	if (strlen(name) > 128)
		return ctl_bad(c, "--name: at most 128 characters");
	if ((rc = ctl_db(c)) != CTL_OK)
		return rc;
	for (i = 0; i < count; i++) {
		if (new_code(code) == -1)
			return ctl_fail(c, "no randomness");
		if ((e = db_redeem_add(c->db, 0, name, code, quota, expires,
		    &id)) != ERR_OK)
			return ctl_dberr(c, e);
		printf("%s\n", code);
	}
	return CTL_OK;
}

int
ctl_redeem_use(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 o[] = { { "user", 0, NULL }, { NULL, 0, NULL } };
	struct user_row	 u;
	char		*pos[1];
	int64_t		 credited = 0;
	int		 np, rc;
	enum err	 e;

	if ((rc = ctl_opts(c, argc, argv, o, pos, 1, &np)) != CTL_OK)
		return rc;
	if (np != 1 || ctl_val(o, "user") == NULL)
		return ctl_bad(c, "CODE and --user are required");
	if (strlen(pos[0]) != CODE_LEN)
		return ctl_fail(c, "invalid or already used code");
	if ((rc = ctl_db(c)) != CTL_OK ||
	    (rc = ctl_user(c, ctl_val(o, "user"), &u)) != CTL_OK)
		return rc;
	e = db_redeem_use(c->db, u.id, u.username, pos[0], &credited);
	if (e == ERR_NOT_FOUND)
		return ctl_fail(c, "invalid or already used code");
	if (e != ERR_OK)
		return ctl_dberr(c, e);
	printf("credited %lld to %s\n", (long long)credited, u.username);
	return CTL_OK;
}

int
ctl_redeem_list(struct ctl *c, int argc, char **argv)
{
	static const char *const st[] = { "?", "enabled", "disabled", "used" };
	struct ctl_opt	 o[] = { { NULL, 0, NULL } };
	struct redemption *r;
	char		*pos[1];
	size_t		 n, i;
	int		 np, rc;
	enum err	 e;

	if ((rc = ctl_opts(c, argc, argv, o, pos, 0, &np)) != CTL_OK ||
	    (rc = ctl_db(c)) != CTL_OK)
		return rc;
	if ((e = db_redeem_list(c->db, &c->a, &r, &n)) != ERR_OK)
		return ctl_dberr(c, e);
	printf("%-6s %-32s %-9s %12s %-16s %s\n", "ID", "CODE", "STATUS",
	    "QUOTA", "NAME", "USED_BY");
	for (i = 0; i < n; i++)
		printf("%-6lld %-32s %-9s %12lld %-16s %lld\n",
		    (long long)r[i].id, r[i].code,
		    st[r[i].status >= 1 && r[i].status <= 3 ? r[i].status : 0],
		    (long long)r[i].quota, r[i].name,
		    (long long)r[i].used_user_id);
	return CTL_OK;
}
