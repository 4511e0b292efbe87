/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cpc_console.h - the slice console ring (layout in linux/cpc_slice.h):
 * the slice's writer (cpc_guest's printk console) and the host's reader
 * (cpc_host, CPC_IOCTL_SLICE_CONSOLE), freestanding so that the unit tests
 * run both against hostile heads.
 */
#ifndef CPC_PROTO_CONSOLE_H
#define CPC_PROTO_CONSOLE_H

#include "cpc_compat.h"
#include <linux/cpc_slice.h>

/**
 * struct cpc_console_read - the result of one cpc_console_read().
 * @pos:  position after the last byte returned (the next call's @pos).
 * @len:  bytes written to the buffer.
 * @lost: bytes from the asked position on that the ring no longer held.
 * @overrun: of those, the ones the writer overwrote while they were copied.
 * @head: the writer's head as first read.
 * @bad:  the ring's head went backwards during the read (nothing returned).
 */
struct cpc_console_read {
	u64 pos;
	u32 len;
	u64 lost;
	u64 overrun;
	u64 head;
	bool bad;
};

bool cpc_console_ring_valid(const struct cpc_slice_console_ring *ring);
void cpc_console_ring_init(struct cpc_slice_console_ring *ring);
u64 cpc_console_write(struct cpc_slice_console_ring *ring, u8 *data, u64 head,
		      const char *s, u32 n);
void cpc_console_read(const struct cpc_slice_console_ring *ring, const u8 *data, u64 pos,
		      u8 *buf, u32 buf_len, struct cpc_console_read *r);

#endif /* CPC_PROTO_CONSOLE_H */
