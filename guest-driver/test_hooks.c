// SPDX-License-Identifier: GPL-2.0
/*
 * test_hooks.c - cpc_guest's test hooks, built only with CPC_TESTING=1 (see
 * test_hooks.h): the maintenance thread's delay knob, the channels/
 * directory of chan_test.c, and the invoke hook (invoke_test.c).
 *
 *   /sys/kernel/debug/cpc_guest/delay_next_ms  delays the service after the
 *       next doorbell (one shot, at most 30 s): a slow guest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/sched.h>

#include "test_hooks.h"

#define CPC_TEST_DELAY_MAX_MS 30000u

static u32 cpc_test_delay_ms;
struct dentry *cpc_test_channels_dir;

/**
 * cpc_test_delay() - sleep for the knob delay_next_ms, once.
 *
 * Context: the maintenance thread, no locks held.
 *
 * Return: false when the thread is asked to stop.
 */
bool cpc_test_delay(void)
{
	u32 ms = xchg(&cpc_test_delay_ms, 0);
	unsigned long end;

	if (!ms)
		return true;
	end = jiffies + msecs_to_jiffies(min(ms, CPC_TEST_DELAY_MAX_MS));
	while (time_before(jiffies, end)) {
		if (kthread_should_stop())
			return false;
		schedule_timeout_interruptible(min_t(unsigned long, end - jiffies,
						     HZ / 20));
	}
	return !kthread_should_stop();
}

/**
 * cpc_test_init() - create the test hooks (after the procedures are set
 * up, before any channel).
 * @debugfs_root: the module's debugfs directory (may be an error pointer).
 *
 * Return: 0 or -ENOMEM; nothing is left created on failure.
 */
int cpc_test_init(struct dentry *debugfs_root)
{
	int ret;

	if (IS_ERR_OR_NULL(debugfs_root))
		return 0;
	ret = cpc_invoke_setup(debugfs_root);
	if (ret)
		return ret;
	debugfs_create_u32("delay_next_ms", 0600, debugfs_root, &cpc_test_delay_ms);
	cpc_test_channels_dir = debugfs_create_dir("channels", debugfs_root);
	pr_info("test build: hostile-guest and invoke hooks in debugfs\n");
	return 0;
}

/**
 * cpc_test_exit() - remove what cpc_test_init() created that outlives the
 * debugfs directory's removal (the invoke hook's memory); waits for file
 * operations in progress. Before the procedures are torn down.
 */
void cpc_test_exit(void)
{
	cpc_invoke_teardown();
}
