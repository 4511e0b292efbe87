// SPDX-License-Identifier: GPL-2.0
/*
 * test_hooks.c - cpc_host's fault injection for the tests, built only with
 * CPC_TESTING=1 (see test_hooks.h), and the debugfs directories the other
 * test hooks (slice_test.c, chan_test.c) hang their files in:
 *
 *   /sys/kernel/debug/cpc_host/fail_alloc   the N-th allocation of the
 *       channel open and call paths and of a slice start's bus block from
 *       now on fails as if memory had run out (then 0 again); each
 *       allocation site counts as one, in the order a call makes them: how
 *       the tests reach every ENOMEM unwind.
 *   /sys/kernel/debug/cpc_host/fail_step    side-effect step N of the next
 *       slice create (each CPU taken offline, each block removed, each
 *       block scrubbed) or destroy (each block re-added, each CPU brought
 *       back) fails with -EIO instead of running; then 0 again. Read and
 *       written under cpc_slices_mutex by the slice code.
 *   /sys/kernel/debug/cpc_host/skip_startup  when non-zero, the next
 *       slice start sends INIT but no STARTUP (then 0 again): the CPU
 *       never reaches the trampoline, the start times out (ETIMEDOUT).
 *   /sys/kernel/debug/cpc_host/{slices,channels}/<name>/
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/sched.h>

#include "test_hooks.h"
#include "test_hooks_int.h"

static atomic_t cpc_fail_alloc = ATOMIC_INIT(0);
static u32 cpc_fail_step;
static u32 cpc_skip_startup;

struct dentry *cpc_test_slices_dir;
struct dentry *cpc_test_channels_dir;

/**
 * cpc_test_alloc_fault() - should this allocation fail (fail_alloc)?
 *
 * Return: true once, at the N-th call after N was written.
 */
bool cpc_test_alloc_fault(void)
{
	return atomic_read(&cpc_fail_alloc) > 0 &&
	       atomic_dec_if_positive(&cpc_fail_alloc) == 0;
}

/**
 * cpc_test_fail_step() - should this create/destroy step fail (fail_step)?
 * @step: the caller's step counter, advanced here.
 *
 * Context: cpc_slices_mutex held.
 * Return: true once, at step N after N was written.
 */
bool cpc_test_fail_step(unsigned int *step)
{
	if (!cpc_fail_step || ++*step != cpc_fail_step)
		return false;
	cpc_fail_step = 0;
	pr_info("injected failure at step %u\n", *step);
	return true;
}

/**
 * cpc_test_skip_startup() - should this slice start skip its STARTUP IPIs?
 *
 * Context: cpc_slices_mutex held.
 * Return: true once after skip_startup was set.
 */
bool cpc_test_skip_startup(void)
{
	if (!cpc_skip_startup)
		return false;
	cpc_skip_startup = 0;
	pr_info("injected: no STARTUP for this slice start\n");
	return true;
}

/**
 * cpc_test_fault_pause() - hold back the kernel's fail-nth for this task.
 *
 * The fault sweep (cpc-test-fault_ioctl) fails the N-th allocation of a
 * task through /proc/thread-self/fail-nth; nothing limits that to cpc's
 * own call sites on x86_64 (no stack-trace filter there). Inside the
 * kernel's add_memory() such a failure is swallowed, and in one place
 * turned into a use-after-free: firmware_map_add_hotplug() puts its entry
 * on the firmware memmap list, then add_sysfs_fw_map_entry() frees it
 * when kobject_add() fails, list entry and all (Linux 6.1); the next
 * firmware_map_remove() walks freed memory. The slice code calls
 * add_memory() between this and cpc_test_fault_resume(): its own
 * handling of an add_memory() failure is driven by fail_step instead.
 *
 * Return: what was left of this task's fail-nth (0: not armed).
 */
unsigned int cpc_test_fault_pause(void)
{
#ifdef CONFIG_FAULT_INJECTION
	unsigned int nth = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return nth;
#else
	return 0;
#endif
}

/**
 * cpc_test_fault_resume() - re-arm what cpc_test_fault_pause() held back.
 * @nth: its return value.
 */
void cpc_test_fault_resume(unsigned int nth)
{
#ifdef CONFIG_FAULT_INJECTION
	WRITE_ONCE(current->fail_nth, nth);
#endif
}

/**
 * cpc_test_init() - create the test hooks' knobs and directories.
 * @debugfs_root: the module's debugfs directory (may be an error pointer).
 *
 * Return: 0 (debugfs failures only cost the hooks).
 */
int cpc_test_init(struct dentry *debugfs_root)
{
	if (IS_ERR_OR_NULL(debugfs_root))
		return 0;
	debugfs_create_atomic_t("fail_alloc", 0600, debugfs_root, &cpc_fail_alloc);
	debugfs_create_u32("fail_step", 0600, debugfs_root, &cpc_fail_step);
	debugfs_create_u32("skip_startup", 0600, debugfs_root, &cpc_skip_startup);
	cpc_test_slices_dir = debugfs_create_dir("slices", debugfs_root);
	cpc_test_channels_dir = debugfs_create_dir("channels", debugfs_root);
	pr_info("test build: fault injection and hostile-host hooks in debugfs\n");
	return 0;
}
