// SPDX-License-Identifier: GPL-2.0
/*
 * cpc_guest.ko - the guest end of a confidential-procedure-call channel: a
 * dormant maintenance vCPU that runs owner-allowed procedures for the host.
 *
 * This file ties the module together: the sysfs root /sys/kernel/cpc_guest/,
 * the debugfs root and the ivshmem transport.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include <linux/cpc_host.h>

#include "../transport/ivshmem.h"
#include "proc_setup.h"

static struct kobject *cpc_guest_kobj;
static struct dentry *cpc_guest_debugfs;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u.%u\n", CPC_VERSION_MAJOR, CPC_VERSION_MINOR);
}
static struct kobj_attribute version_attr = __ATTR_RO(version);

static struct attribute *cpc_guest_attrs[] = {
	&version_attr.attr,
	NULL
};

static const struct attribute_group cpc_guest_group = {
	.attrs = cpc_guest_attrs,
};

static const struct cpc_ivshmem_ops cpc_guest_ivshmem_ops = {
};

static struct cpc_ivshmem_driver cpc_guest_ivshmem = {
	.ops = &cpc_guest_ivshmem_ops,
};

static int __init cpc_guest_init(void)
{
	int ret;

	cpc_guest_kobj = kobject_create_and_add("cpc_guest", kernel_kobj);
	if (!cpc_guest_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(cpc_guest_kobj, &cpc_guest_group);
	if (ret)
		goto err_kobj;

	cpc_guest_debugfs = debugfs_create_dir("cpc_guest", NULL);
	ret = cpc_procs_setup(cpc_guest_kobj, cpc_guest_debugfs);
	if (ret)
		goto err_debugfs;
	cpc_guest_ivshmem.debugfs_root = cpc_guest_debugfs;
	ret = cpc_ivshmem_register(&cpc_guest_ivshmem, "cpc_guest_ivshmem");
	if (ret)
		goto err_procs;
	pr_info("loaded, interface %u.%u\n", CPC_VERSION_MAJOR, CPC_VERSION_MINOR);
	return 0;

err_procs:
	cpc_procs_teardown(cpc_guest_kobj);
err_debugfs:
	debugfs_remove_recursive(cpc_guest_debugfs);
err_kobj:
	kobject_put(cpc_guest_kobj);
	return ret;
}

static void __exit cpc_guest_exit(void)
{
	cpc_ivshmem_unregister(&cpc_guest_ivshmem);
	cpc_procs_teardown(cpc_guest_kobj);
	debugfs_remove_recursive(cpc_guest_debugfs);
	kobject_put(cpc_guest_kobj);
	pr_info("unloaded\n");
}

module_init(cpc_guest_init);
module_exit(cpc_guest_exit);

MODULE_DESCRIPTION("cpc guest: maintenance vCPU and CPC procedures");
MODULE_LICENSE("GPL");
