/*
 * router.c: linear match over the route table.  The table is short (tens
 * of rows) and each comparison stops at the first differing byte, so a
 * linear scan costs less than building anything cleverer.
 */
#include <string.h>

#include "router.h"

int
router_match(const char *pat, const char *path)
{
	while (*pat != '\0') {
		if (pat[0] == '*' && pat[1] == '*' && pat[2] == '\0')
			return 1;
		if (*pat == '*' && (pat[1] == '/' || pat[1] == '\0')) {
			if (*path == '\0' || *path == '/')
				return 0;
			while (*path != '\0' && *path != '/')
				path++;
			pat++;
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++;
		path++;
	}
	return *path == '\0';
}

const struct route *
router_find(const char *method, const char *path, enum err *e)
{
	size_t	 i;
	int	 path_seen = 0;

	for (i = 0; i < routes_count; i++) {
		if (!router_match(routes_table[i].path, path))
			continue;
		if (strcmp(routes_table[i].method, method) == 0)
			return &routes_table[i];
		/* HEAD is served by GET routes; the body is simply dropped. */
		if (strcmp(method, "HEAD") == 0 &&
		    strcmp(routes_table[i].method, "GET") == 0)
			return &routes_table[i];
		path_seen = 1;
	}
	*e = path_seen ? ERR_METHOD : ERR_NOT_FOUND;
	return NULL;
}

enum route_dialect
router_dialect(const struct route *rt)
{
	return rt != NULL ? rt->dialect : RD_OPENAI;
}
