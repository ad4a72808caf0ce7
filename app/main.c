/*
 * main.c: argv and subcommands.
 *
 *   nexhina serve     -c FILE   run the FastCGI master and workers
 *   nexhina check     -c FILE   validate the config (file:line errors)
 *   nexhina migrate   -c FILE   apply schema/ migrations (idempotent)
 *   nexhina housekeep -c FILE   one housekeeping pass (cron, shared hosting)
 *   nexhina config-keys         print the config key table (Markdown)
 *   nexhina version
 *
 * The schema directory for migrate is $NEXHINA_SCHEMA, else ./schema when
 * present, else the installed share directory.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "db.h"
#include "housekeep.h"
#include "log.h"
#include "master.h"

#ifndef NX_VERSION
#define NX_VERSION	"0.1.0"
#endif
#ifndef NX_SCHEMA_DIR
#define NX_SCHEMA_DIR	"/usr/share/nexhina/schema"
#endif

static void
usage(FILE *f)
{
	fprintf(f, "usage: nexhina serve|check|migrate|housekeep -c FILE\n"
	    "       nexhina config-keys | sample-config | version\n");
}

static const char *
schema_dir(void)
{
	struct stat	 st;
	const char	*e;

	if ((e = getenv("NEXHINA_SCHEMA")) != NULL && *e != '\0')
		return e;
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
	struct cfg	 c;
	struct db	*d = NULL;
	const char	*cmd, *path = NULL;
	int		 ch, rc;

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
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch == 'c')
			path = optarg;
		else {
			usage(stderr);
			return 2;
		}
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
	log_setup((enum log_level)log_level_parse(c.log_level), "nexhina");
	if (strcmp(cmd, "serve") == 0)
		return master_main(&c, path);
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
