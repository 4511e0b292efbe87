// SPDX-License-Identifier: GPL-2.0
/*
 * proc_setup.c - sets up and tears down what the reclaim, return and
 * snapshot procedures keep for the module's lifetime.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "proc_setup.h"

/**
 * cpc_procs_setup() - create the procedures' sysfs files.
 * @kobj: /sys/kernel/cpc_guest.
 *
 * Context: module init, process context.
 * Return: 0 or a negative errno; on error nothing is left created.
 */
int cpc_procs_setup(struct kobject *kobj)
{
	int ret;

	ret = sysfs_create_group(kobj, &cpc_reclaim_group);
	if (ret)
		return ret;
	ret = sysfs_create_group(kobj, &cpc_snapshot_key_group);
	if (ret)
		goto err_reclaim;
	return 0;

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
	sysfs_remove_group(kobj, &cpc_snapshot_key_group);
	sysfs_remove_group(kobj, &cpc_reclaim_group);
	cpc_snapshot_forget();
	cpc_snapshot_key_clear();
	cpc_reclaim_release_all();
}
