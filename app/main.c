/*
 * main.c: argv and subcommands.
 *
 *   nexhina serve     -c FILE [--single]  run the FastCGI master and
 *                                         workers (or one process: below)
 *   nexhina check     -c FILE   validate the config (file:line errors)
 *   nexhina migrate   -c FILE   apply schema/ migrations (idempotent)
 *   nexhina housekeep -c FILE   one housekeeping pass (cron, shared hosting)
 *   nexhina config-keys         print the config key table (Markdown)
 *   nexhina sample-config       print a config with every key commented
 *   nexhina version
 *
 * serve runs the prefork master unless single mode is chosen: by
 * --single, by `mode = single`, or under `mode = auto` (the default) when
 * the process looks spawned by Apache's mod_fcgid (master.h).
 *
 * The schema directory for migrate is $NEXHINA_SCHEMA, else
 * ../share/nexhina/schema next to the executable (an installed tree, any
 * PREFIX), else ./schema when present (the source tree), else the
 * compiled-in share directory.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "db.h"
#include "housekeep.h"
#include "log.h"
#include "master.h"
#include "version.h"

#ifndef NX_SCHEMA_DIR
#define NX_SCHEMA_DIR	"/usr/share/nexhina/schema"
#endif

static void
usage(FILE *f)
{
	fprintf(f, "usage: nexhina serve [-c FILE] [--single]\n"
	    "       nexhina check|migrate|housekeep [-c FILE]\n"
	    "       nexhina config-keys | sample-config | version\n");
}

static const char *
schema_dir(void)
{
	static char	 dir[PATH_MAX];
	struct stat	 st;
	const char	*e;
	char		*slash;
	size_t		 room;
	ssize_t		 n;

	if ((e = getenv("NEXHINA_SCHEMA")) != NULL && *e != '\0')
		return e;
	/* PREFIX/bin/nexhina -> PREFIX/share/nexhina/schema */
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n > 0) {
		dir[n] = '\0';
		if ((slash = strrchr(dir, '/')) != NULL) {
			room = sizeof(dir) - (size_t)(slash - dir);
			if ((size_t)snprintf(slash, room,
			    "/../share/nexhina/schema") < room &&
			    stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
				return dir;
		}
	}
	if (stat("schema/0001_init.sql", &st) == 0)
		return "schema";
	return NX_SCHEMA_DIR;
}

static int
open_db(const struct cfg *c, struct db **d)
{
	char	 err[256] = "";

	if (db_global_init() != 0 || (*d = db_open(c, err, sizeof(err))) ==
	    NULL || db_ping(*d) != ERR_OK) {
		fprintf(stderr, "nexhina: database: %s\n", err[0] != '\0' ?
		    err : (*d != NULL ? db_errmsg(*d) : "no memory"));
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "single", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct cfg	 c;
	struct db	*d = NULL;
	const char	*cmd, *path = NULL;
	int		 ch, rc, single = 0;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "version") == 0) {
		printf("nexhina %s\n", NX_VERSION);
		return 0;
	}
	if (strcmp(cmd, "config-keys") == 0) {
		cfg_describe(stdout);
		return 0;
	}
	if (strcmp(cmd, "sample-config") == 0)
		return cfg_write_sample(stdout) == 0 ? 0 : 1;
	optind = 2;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (ch == 'c')
			path = optarg;
		else if (ch == 's' && strcmp(cmd, "serve") == 0)
			single = 1;
		else {
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nexhina: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	if (path == NULL)
		path = getenv("NEXHINA_CONF");
	if (path == NULL)
		path = "/etc/nexhina/nexhina.conf";
	if (cfg_load(&c, path, stderr) == -1)
		return 1;
	if (strcmp(cmd, "check") == 0) {
		printf("%s: ok\n", path);
		return 0;
	}
	log_target(c.log_target);
	log_setup((enum log_level)log_level_parse(c.log_level), "nexhina");
	if (strcmp(cmd, "serve") == 0) {
		if (single || strcmp(c.mode, "single") == 0 ||
		    (strcmp(c.mode, "auto") == 0 && master_fcgid_spawned(&c)))
			return master_single(&c);
		return master_main(&c, path);
	}
	if (strcmp(cmd, "migrate") == 0) {
		if (open_db(&c, &d) == -1)
			return 1;
		rc = db_migrate(d, schema_dir(), stdout) == ERR_OK ? 0 : 1;
		if (rc != 0)
			fprintf(stderr, "nexhina: migrate: %s\n",
			    db_errmsg(d));
		db_close(d);
		return rc;
	}
	if (strcmp(cmd, "housekeep") == 0) {
		if (open_db(&c, &d) == -1)
			return 1;
		rc = housekeep_once(&c, d);
		db_close(d);
		return rc;
	}
	usage(stderr);
	return 2;
}
