/*
 * health.c: GET /healthz (the process answers) and GET /readyz (and its
 * database answers too).  Neither needs a key; neither reveals anything
 * but up or down.
 */
#include <string.h>

#include "db.h"
#include "handlers/handlers.h"
#include "request.h"

enum err
h_health_live(struct req *r)
{
	static const char ok[] = "{\"status\":\"ok\"}";

	req_send_json(r, 200, ok, sizeof(ok) - 1);
	return ERR_OK;
}

enum err
h_health_ready(struct req *r)
{
	static const char ok[] = "{\"status\":\"ready\"}";

	if (db_ping(r->db) != ERR_OK)
		return ERR_DB;
	req_send_json(r, 200, ok, sizeof(ok) - 1);
	return ERR_OK;
}
