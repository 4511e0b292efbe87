/* SPDX-License-Identifier: GPL-2.0 */
/*
 * region_mutate.h - random writes into a channel's shared region, where
 * the protocol keeps its state, as a hostile peer would make them, and a
 * thread that keeps calling meanwhile (chan_mutate: an ivshmem channel
 * across VMs; lb_mutate: the loopback channel, both ends in one kernel).
 */
#ifndef CPC_REGION_MUTATE_H
#define CPC_REGION_MUTATE_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "chan_common.h"
#include "cpc_ring.h"

struct caller {
	int fd;
	volatile int stop;
	long ok, failed;
};

/* Pings until ->stop; counts right answers and failures. */
static inline void *call_loop(void *arg)
{
	struct caller *c = arg;
	struct cpc_call r;
	uint64_t v = 1;

	while (!c->stop) {
		if (chan_call(c->fd, CPC_PROC_PING, v, NULL, 0, 200, &r) == 0 && r.ret[0] == v)
			c->ok++;
		else
			c->failed++;
		v++;
	}
	return NULL;
}

/* A random offset where the protocol keeps its state (or, rarely, data). */
static inline off_t pick_offset(const struct cpc_layout *l, unsigned int *seed)
{
	unsigned int r = rand_r(seed) % 100;

	if (r < 45)	/* header: layout fields and both peer states */
		return rand_r(seed) % sizeof(struct cpc_shm_header);
	if (r < 75) {	/* the index lines of both rings */
		off_t ring = rand_r(seed) % 2 ? l->req_off : l->cpl_off;

		return ring + rand_r(seed) % sizeof(struct cpc_ring_idx);
	}
	if (r < 90)	/* ring entries */
		return l->req_off + sizeof(struct cpc_ring_idx) +
		       rand_r(seed) % (l->data_off - l->req_off - sizeof(struct cpc_ring_idx));
	return l->data_off + rand_r(seed) % l->data_size;
}

/* One random write into the region of raw shm file @shm; 0 or -1. */
static inline int mutate_once(int shm, const struct cpc_layout *l, unsigned int *seed)
{
	off_t off = pick_offset(l, seed);
	uint32_t v;
	uint8_t b;

	switch (rand_r(seed) % 3) {
	case 0:		/* a small value: states, plausible indexes */
		v = rand_r(seed) % 8;
		return pwrite(shm, &v, 4, off & ~3) == 4 ? 0 : -1;
	case 1:		/* any 32-bit value */
		v = rand_r(seed) ^ ((uint32_t)rand_r(seed) << 16);
		return pwrite(shm, &v, 4, off & ~3) == 4 ? 0 : -1;
	default:	/* one byte */
		b = rand_r(seed);
		return pwrite(shm, &b, 1, off) == 1 ? 0 : -1;
	}
}

/*
 * The storm: @n random writes into the region of raw shm file @shm (a 1 ms
 * pause every 64) while a thread pings through @c->fd; then the thread
 * stops, its counts in *@c. Returns 0, or -1 when the thread did not start
 * or a write failed.
 */
static inline int mutate_storm(int shm, const struct cpc_layout *l, unsigned int seed, int n,
			       struct caller *c)
{
	pthread_t t;
	int i, ret = 0;

	if (pthread_create(&t, NULL, call_loop, c))
		return -1;
	for (i = 0; i < n && !ret; i++) {
		ret = mutate_once(shm, l, &seed);
		if (i % 64 == 0)
			usleep(1000);
	}
	c->stop = 1;
	pthread_join(t, NULL);
	return ret;
}

#endif /* CPC_REGION_MUTATE_H */
