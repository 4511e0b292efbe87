/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lb_test.h - helpers of the tests over the loopback channel (loopback.c,
 * chan_local.c): cpc_host (loopback_mib=4) and cpc_guest (loopback=1,
 * maint_cpu=3) in the host VM's one kernel.
 */
#ifndef CPC_LB_TEST_H
#define CPC_LB_TEST_H

#include "chan_common.h"

#define LB		"loopback"
#define MAINT_CPU	3
/* The owner allows what the tests call (only ping is allowed by default). */
#define GUEST_ARGS	"loopback=1 maint_cpu=3 allow=info,ps,log,reclaim,return"
#define GUEST_ARGS_DEFAULT_POLICY "loopback=1 maint_cpu=3"
#define HOST_ARGS	"loopback_mib=4"
#define GUEST_SYSFS	"/sys/kernel/cpc_guest"

static inline long long local_guest_num(const char *file)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), GUEST_SYSFS "/%s", file);
	if (cpc_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return atoll(buf);
}

/* Loads what is missing and waits for the channel; 0 or -errno. */
static inline int lb_up(void)
{
	int r = cpc_module_load("cpc_host", HOST_ARGS);

	if (r && r != -EEXIST)
		return r;
	r = cpc_module_load("cpc_guest", GUEST_ARGS);
	if (r && r != -EEXIST)
		return r;
	return chan_wait_state(LB, "ready", 10);
}

static inline int ping(int fd, uint64_t v, struct cpc_call *res)
{
	return chan_call(fd, CPC_PROC_PING, v, NULL, 0, 5000, res);
}

#endif /* CPC_LB_TEST_H */
