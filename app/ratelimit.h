/*
 * ratelimit.h: RPM and TPM per key (DESIGN.md 6, API.md 3).
 *
 * Fixed one-minute windows.  Every authenticated request counts one
 * against the key's RPM; metered requests also reserve their estimated
 * tokens (prompt + max output) against its TPM before the upstream call,
 * and the reservation is corrected by the real usage afterwards.  Limits
 * come from struct key_info (the key's own, else its group's; 0 = none).
 *
 * Backends: "local" keeps the windows in one shared-memory table created
 * by the master before it forks, so every worker of the host sees the
 * same counts (process-shared robust mutexes: a worker killed while
 * holding one does not wedge the others); "db" keeps them in MariaDB's
 * rate_windows so several hosts share them.
 */
#ifndef NX_RATELIMIT_H
#define NX_RATELIMIT_H

#include <stdint.h>

#include "err.h"

struct cfg;
struct req;

/* Master, before forking: maps the shared table.  0 or -1. */
int	 rl_global_init(const struct cfg *c);
/*
 * Counts the request against RPM and fills r->rl for the X-RateLimit-*
 * headers (both windows).  ERR_RATE_LIMIT when the window is full (the
 * answer then carries Retry-After), ERR_OK otherwise.  A backend failure
 * lets the request through (logged): limits must not take the API down.
 */
enum err rl_request(struct req *r);
/* Reserves est tokens against TPM; ERR_RATE_LIMIT when they do not fit. */
enum err rl_tokens(struct req *r, int64_t est);
/* Corrects the reservation by delta (actual - estimated; may be < 0). */
void	 rl_tokens_adjust(struct req *r, int64_t delta);
/* Sends the 429 of API.md 3 with Retry-After for r's window. */
void	 rl_send_429(struct req *r);

#endif
