/*
 * shm.c: shared anonymous mappings and robust mutexes (see shm.h).  The
 * data guarded by these mutexes is plain counters and timestamps, always
 * left consistent between statements, so recovering a mutex whose owner
 * died needs no repair beyond marking it consistent.
 */
#include <sys/mman.h>

#include <errno.h>

#include "shm.h"

void *
shm_map(size_t n)
{
	void	*p;

	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int
shm_mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t	 ma;
	int			 rc;

	if (pthread_mutexattr_init(&ma) != 0)
		return -1;
	rc = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) ||
	    pthread_mutex_init(m, &ma);
	pthread_mutexattr_destroy(&ma);
	return rc == 0 ? 0 : -1;
}

int
shm_lock(pthread_mutex_t *m)
{
	int	 rc = pthread_mutex_lock(m);

	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(m);
	return rc == 0 ? 0 : -1;
}

void
shm_unlock(pthread_mutex_t *m)
{
	pthread_mutex_unlock(m);
}
