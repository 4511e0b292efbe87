// SPDX-License-Identifier: GPL-2.0
/*
 * proc_setup.c - sets up and tears down what the reclaim, return and
 * snapshot procedures keep for the module's lifetime.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "proc_setup.h"

/**
 * cpc_procs_setup() - create the procedures' sysfs files and test hooks.
 * @kobj:    /sys/kernel/cpc_guest.
 * @debugfs: /sys/kernel/debug/cpc_guest (may be an error pointer when
 *           debugfs is absent; the test hooks are then left out).
 *
 * Context: module init, process context.
 * Return: 0 or a negative errno; on error nothing is left created.
 */
int cpc_procs_setup(struct kobject *kobj, struct dentry *debugfs)
{
	int ret;

	ret = sysfs_create_group(kobj, &cpc_reclaim_group);
	if (ret)
		return ret;
	ret = sysfs_create_group(kobj, &cpc_snapshot_key_group);
	if (ret)
		goto err_reclaim;
	ret = cpc_invoke_setup(debugfs);
	if (ret)
		goto err_key;
	return 0;

err_key:
	sysfs_remove_group(kobj, &cpc_snapshot_key_group);
err_reclaim:
	sysfs_remove_group(kobj, &cpc_reclaim_group);
	return ret;
}

/**
 * cpc_procs_teardown() - undo cpc_procs_setup() and give everything back:
 * reclaimed memory returns to the guest, the key and page hashes are
 * wiped.
 * @kobj: /sys/kernel/cpc_guest.
 *
 * Context: module exit, after the channel has stopped calling procedures.
 */
void cpc_procs_teardown(struct kobject *kobj)
{
	cpc_invoke_teardown();
	sysfs_remove_group(kobj, &cpc_snapshot_key_group);
	sysfs_remove_group(kobj, &cpc_reclaim_group);
	cpc_snapshot_forget();
	cpc_snapshot_key_clear();
	cpc_reclaim_release_all();
}
