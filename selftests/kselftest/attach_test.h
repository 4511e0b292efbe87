/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attach_test.h - helpers of the slice-attached channel tests (loopback.c,
 * chan_slice.c): attach/detach ioctls, the IPI filter, slice counters.
 */
#ifndef CPC_ATTACH_TEST_H
#define CPC_ATTACH_TEST_H

#include <stdbool.h>

#include "slice_test.h"

/* CPC_IOCTL_CHANNEL_ATTACH or _DETACH; returns 0 or errno. */
static inline int attach_ioctl(int dev, unsigned long cmd, const char *chan, const char *slice)
{
	struct cpc_channel_attach a = { .size = sizeof(a) };

	snprintf(a.channel, sizeof(a.channel), "%s", chan);
	snprintf(a.slice, sizeof(a.slice), "%s", slice);
	return ioctl(dev, cmd, &a) ? errno : 0;
}

/* Sets the slice's IPI mask to @cpu_mask (+ the manager); 0 or errno. */
static inline int ipi_filter(int dev, const char *slice, unsigned int cpu_mask, bool manager)
{
	struct cpc_slice_filter f;

	slice_filter_init(&f, slice, CPC_FILTER_IPI);
	for (unsigned int c = 0; c < 32; c++)
		if (cpu_mask & (1U << c))
			slice_set_cpu(f.cpus, c);
	f.flags = manager ? CPC_FILTER_IPI_MANAGER : 0;
	return slice_filter(dev, &f);
}

static inline long long slice_num(const char *slice, const char *file)
{
	char buf[64];

	if (slice_attr(slice, file, buf, sizeof(buf)) < 0)
		return -1;
	return atoll(buf);
}

#endif /* CPC_ATTACH_TEST_H */
