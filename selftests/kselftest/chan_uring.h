/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan_uring.h - CPC_IOCTL_CALL as IORING_OP_URING_CMD, for the channel
 * tests that keep calls in flight.
 */
#ifndef CPC_CHAN_URING_H
#define CPC_CHAN_URING_H

#include <liburing.h>
#include <stdint.h>

#include <linux/cpc_host.h>

/* Queues (does not submit) call @c on channel fd @fd, tagged @tag. */
static inline struct io_uring_sqe *uring_call(struct io_uring *ring, int fd,
					      struct cpc_call *c, uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct cpc_call_uring *u;

	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = CPC_IOCTL_CALL;
	u = (struct cpc_call_uring *)sqe->cmd;
	u->call_ptr = (uintptr_t)c;
	u->reserved = 0;
	sqe->user_data = tag;
	return sqe;
}

/* Waits for one completion: its result (0 or -errno) and its tag. */
static inline int uring_wait(struct io_uring *ring, uint64_t *tag)
{
	struct io_uring_cqe *cqe;
	int r = io_uring_wait_cqe(ring, &cqe);

	if (r)
		return r;
	r = cqe->res;
	if (tag)
		*tag = cqe->user_data;
	io_uring_cqe_seen(ring, cqe);
	return r;
}

#endif /* CPC_CHAN_URING_H */
