/*
 * shm.h: memory shared by the master and all the workers it forks, and
 * the robust process-shared mutexes that guard it.  Mapped before fork;
 * a worker killed while holding a mutex does not wedge the others (the
 * next locker recovers it: EOWNERDEAD -> pthread_mutex_consistent).
 */
#ifndef NX_SHM_H
#define NX_SHM_H

#include <pthread.h>
#include <stddef.h>

/* Zeroed MAP_SHARED anonymous memory of n bytes, or NULL. */
void	*shm_map(size_t n);
/* Initializes m as process-shared and robust; 0 or -1. */
int	 shm_mutex_init(pthread_mutex_t *m);
/* Locks m, recovering it from a dead owner; 0 or -1. */
int	 shm_lock(pthread_mutex_t *m);
void	 shm_unlock(pthread_mutex_t *m);

#endif
