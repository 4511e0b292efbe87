// SPDX-License-Identifier: GPL-2.0
/*
 * cpc_proc_fs.ko - the filesystem procedures as one procedure module:
 * fsfreeze, fsthaw, fsfreeze-status (fsfreeze.c) and fsinfo (fsinfo.c).
 * Each is denied until the guest owner allows it.
 */
#include <linux/kernel.h>
#include <linux/module.h>

#include "fs.h"

static const struct cpc_proc_desc *const cpc_fs_procs[] = {
	&cpc_proc_fsfreeze,
	&cpc_proc_fsthaw,
	&cpc_proc_fsfreeze_status,
	&cpc_proc_fsinfo,
};

static void cpc_fs_unregister(unsigned int n)
{
	while (n--)
		cpc_proc_unregister(cpc_fs_procs[n]);
}

static int __init cpc_proc_fs_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cpc_fs_procs); i++) {
		ret = cpc_proc_register(cpc_fs_procs[i]);
		if (ret < 0) {
			cpc_fs_unregister(i);
			return ret;
		}
	}
	return 0;
}

static void __exit cpc_proc_fs_exit(void)
{
	cpc_fs_unregister(ARRAY_SIZE(cpc_fs_procs));
	cpc_fsfreeze_exit();
}

module_init(cpc_proc_fs_init);
module_exit(cpc_proc_fs_exit);

MODULE_DESCRIPTION("cpc guest procedures: fsfreeze, fsthaw, fsfreeze-status, fsinfo");
MODULE_LICENSE("GPL");
