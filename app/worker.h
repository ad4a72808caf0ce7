/*
 * worker.h: one worker process: `threads` request slots sharing the
 * listening socket, each with its own arena, DB connection and upstream
 * handle.
 */
#ifndef NX_WORKER_H
#define NX_WORKER_H

struct cfg;

/*
 * Runs the worker until it is told to drain (SIGTERM/SIGINT) and its
 * in-flight requests finished or cfg->shutdown_timeout passed.  The
 * listening socket must have SO_RCVTIMEO set (the master does) so idle
 * slots notice the drain.  secret is the 32-byte channel sealing key.
 * Returns the process exit status.
 */
int	 worker_main(const struct cfg *c, int listen_fd,
	    const unsigned char *secret);

#endif
