/*
 * status.h: the status channel behind `nexhinactl status`.
 *
 * The master of `nexhina serve` maps a small file (cfg status_file,
 * default /run/nexhina/status) MAP_SHARED before it forks.  It writes its
 * own pid, the generation, the configuration of the pool, a heartbeat and
 * a copy of the circuit-breaker states once a second; each worker
 * inherits the mapping and keeps its entry's busy-slot and request
 * counters current with atomic adds.  A reader needs no cooperation from
 * the server: it reads the file and checks that the pids are alive.  The
 * layout is fixed (no pointers); magic and size guard against a file of
 * another build.  Single mode (mod_fcgid) has no master and no file.
 */
#ifndef NX_STATUS_H
#define NX_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STATUS_MAGIC	"NXSTAT01"
#define STATUS_WORKERS	512	/* entries; the master's process table */
#define STATUS_BREAKERS	64	/* breaker states copied, at most */

struct status_worker {
	int32_t	 pid;		/* 0: entry unused */
	int32_t	 gen;		/* generation that started it */
	int64_t	 started;	/* unix s */
	int32_t	 slots;		/* request slots (threads) */
	int32_t	 busy;		/* slots inside a request now */
	int64_t	 requests;	/* requests finished and in flight */
};

struct status_breaker {
	int64_t	 channel_id;
	int32_t	 failures;	/* consecutive */
	int32_t	 half_open;	/* cooled down: one probe may try */
	int64_t	 open_until;	/* unix ms; 0 closed */
};

struct status_file {
	char			 magic[8];	/* STATUS_MAGIC, no NUL */
	uint32_t		 size;		/* sizeof(struct status_file) */
	int32_t			 master_pid;
	int64_t			 started;	/* unix s */
	int64_t			 heartbeat;	/* unix s, every master loop */
	int32_t			 generation;
	int32_t			 workers;	/* configured */
	int32_t			 threads;	/* configured */
	int32_t			 housekeeper_pid;
	int32_t			 breaker_threshold;	/* 0: breaker off */
	int32_t			 nbreakers;	/* valid entries in brk */
	int32_t			 breakers_more;	/* 1 when brk was cut */
	char			 version[32];
	char			 listen[256];
	struct status_breaker	 brk[STATUS_BREAKERS];
	struct status_worker	 w[STATUS_WORKERS];
};

struct cfg;

/*
 * Master, before forking: creates (or takes over) c->status_file, sized
 * and zeroed, mode 0644, and maps it.  Refuses a file whose master is
 * still alive (another instance).  Returns 0, or -1 with the reason in
 * err (the server then runs without a status channel); an empty
 * status_file returns 0 and maps nothing.
 */
int	 status_open(const struct cfg *c, char *err, size_t errsz);
/* Master: unmaps, and removes the file when unlink_it. */
void	 status_close(int unlink_it);
/* Master: the current generation and the pool's configuration. */
void	 status_config(const struct cfg *c, int generation);
/* Master, before fork: resets entry k for a worker of gen with slots. */
void	 status_worker_start(int k, int gen, int slots);
/* Master, after fork: entry k belongs to pid (0: it is gone). */
void	 status_worker_pid(int k, pid_t pid);
/* Master: the housekeeper's pid (0: none). */
void	 status_housekeeper(pid_t pid);
/* Master loop: heartbeat and a copy of the breaker table. */
void	 status_tick(void);
/*
 * Any child of the master, after fork: drops the master's lock and makes
 * entry k (-1: none, e.g. the housekeeper) the one status_busy updates.
 */
void	 status_attach(int k);
/*
 * Worker slot: +1 when a request starts (also counts it), -1 when it
 * ended.  Lock-free; a no-op without a mapped entry.
 */
void	 status_busy(int delta);
/*
 * Reader: copies the file at path into out.  Returns 0 when its master
 * is running (it holds the file's lock), 1 when the file is stale (out is
 * filled, err says so), -1 when it cannot be read or is no status file of
 * this build (err names the path and the reason; errno is kept).
 */
int	 status_read(const char *path, struct status_file *out, char *err,
	    size_t errsz);

#endif
