/*
 * ctl.h: what the two halves of nexhinactl share.  main.c holds the
 * dispatch table and the argument parsers (options, integers, exact
 * decimals, comma lists, JSON); cmd.c holds the commands.
 *
 * Exit codes: CTL_OK 0 success, CTL_ERR 1 error (one line on stderr),
 * CTL_USAGE 2 bad arguments (message plus the command's usage line).
 */
#ifndef NX_CTL_H
#define NX_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "cfg.h"
#include "db.h"
#include "valid.h"

enum { CTL_OK = 0, CTL_ERR = 1, CTL_USAGE = 2 };

struct ctl {
	struct cfg	 cfg;
	const char	*conf;		/* config path */
	char		 name[32];	/* "user add": for messages */
	const char	*usage;		/* the running command's usage */
	struct db	*db;		/* opened by ctl_db() */
	struct arena	 a;		/* everything of this run */
};

/* One --option of a command.  flag: takes no value.  val: NULL absent. */
struct ctl_opt {
	const char	*name;		/* without the leading "--" */
	int		 flag;
	const char	*val;		/* the value, or "1" for a flag */
};

/*
 * Splits argv[0..argc) into the options of o (an array ending with a
 * NULL name) and at most maxpos positional arguments.  Returns CTL_OK, or
 * CTL_USAGE after printing why (unknown, repeated or valueless option,
 * too many arguments).
 */
int	 ctl_opts(struct ctl *c, int argc, char **argv, struct ctl_opt *o,
	    char **pos, int maxpos, int *npos);
/* Value of option name in o (NULL when absent). */
const char *ctl_val(const struct ctl_opt *o, const char *name);

/* Prints "nexhinactl: NAME: message" and returns CTL_ERR. */
int	 ctl_fail(struct ctl *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Prints the message and the usage line; returns CTL_USAGE. */
int	 ctl_bad(struct ctl *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Reports a failed db call (ERR_DB: "database: ..."); returns CTL_ERR. */
int	 ctl_dberr(struct ctl *c, enum err e);
/* Loads the config and connects, once; CTL_OK or CTL_ERR (reported). */
int	 ctl_db(struct ctl *c);

/*
 * Parses a whole decimal integer of [min, max] for option opt (no sign
 * for min >= 0, no blanks, no trailing bytes).  CTL_OK or CTL_USAGE.
 */
int	 ctl_int(struct ctl *c, const char *opt, const char *s, int64_t min,
	    int64_t max, int64_t *out);
/*
 * Parses a non-negative decimal "D[.F]" with at most six fraction digits
 * exactly into millionths ("2.5" -> 2500000), without floating point.
 * CTL_OK or CTL_USAGE.
 */
int	 ctl_micro(struct ctl *c, const char *opt, const char *s,
	    int64_t *out);
/* Formats millionths back ("2.5", "0.075", "1") into out; returns out. */
char	*ctl_micro_fmt(char *out, size_t outsz, int64_t v);

/*
 * Item checkers for ctl_list: 1 when item[0..n) is acceptable; the
 * management API makes the same checks (app/valid.h).
 */
#define ctl_is_model	valid_model
#define ctl_is_group	valid_group
#define ctl_is_ip	valid_ip
/*
 * Normalizes a comma list: items trimmed of blanks, empty items and
 * duplicates dropped (first kept), each checked by ok; the result (arena,
 * "" when no item) is at most max bytes.  CTL_OK or CTL_USAGE.
 */
int	 ctl_list(struct ctl *c, const char *opt, const char *s,
	    int (*ok)(const char *, size_t), size_t max, char **out);
/*
 * Checks that s is a JSON object (strvals: whose values are strings;
 * numvals: non-negative numbers) and gives its compact form in the arena;
 * "" stays "".  CTL_OK or CTL_USAGE.
 */
int	 ctl_json(struct ctl *c, const char *opt, const char *s, int strvals,
	    int numvals, char **out);
/* Arena copy of s with control bytes shown as '?' (for tables). */
const char *ctl_clean(struct ctl *c, const char *s);
/* Resolves NAME|ID (all digits: an id) to a live user.  CTL_OK/CTL_ERR. */
int	 ctl_user(struct ctl *c, const char *ref, struct user_row *u);
/* CTL_OK when group name exists, else CTL_ERR with a hint. */
int	 ctl_group_exists(struct ctl *c, const char *name);

/*
 * The commands (cmd_tab in main.c has their usage lines).  Each gets the
 * arguments after its verb, validates all of them before it connects
 * (ctl_db), prints its result on stdout (an id, a key, a table, or one
 * line of confirmation) and returns CTL_OK, CTL_ERR or CTL_USAGE.
 */
int	 ctl_user_add(struct ctl *, int, char **);
int	 ctl_user_list(struct ctl *, int, char **);
int	 ctl_user_set_quota(struct ctl *, int, char **);
int	 ctl_key_create(struct ctl *, int, char **);
int	 ctl_key_list(struct ctl *, int, char **);
int	 ctl_key_disable(struct ctl *, int, char **);
int	 ctl_channel_add(struct ctl *, int, char **);
int	 ctl_channel_list(struct ctl *, int, char **);
int	 ctl_channel_disable(struct ctl *, int, char **);
int	 ctl_channel_test(struct ctl *, int, char **);
int	 ctl_redeem_create(struct ctl *, int, char **);
int	 ctl_redeem_use(struct ctl *, int, char **);
int	 ctl_redeem_list(struct ctl *, int, char **);
int	 ctl_price_set(struct ctl *, int, char **);
int	 ctl_price_list(struct ctl *, int, char **);
int	 ctl_group_set(struct ctl *, int, char **);
int	 ctl_group_list(struct ctl *, int, char **);
/*
 * status.c: master, workers, busy slots, breakers, database, versions.
 * Exit status as LSB `status`: 0 running, 1 running but the database
 * does not answer, 3 not running, 4 unknown.
 */
int	 ctl_status(struct ctl *, int, char **);

#endif
