// SPDX-License-Identifier: GPL-2.0
/*
 * cpc_guest.ko - the guest end of a confidential-procedure-call channel: a
 * dormant maintenance vCPU that runs owner-allowed procedures for the host.
 *
 * This file ties the module together: the sysfs root /sys/kernel/cpc_guest/,
 * the debugfs root and the transport: ivshmem devices, or with loopback=1
 * cpc_host's loopback channel in the same kernel (loopback.c), or with
 * slice_info=<phys> (a Linux kernel on a slice) the slice's bus
 * (slice_bus.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include <linux/cpc_host.h>

#include "../transport/ivshmem.h"
#include "../transport/sysfs.h"
#include "channel.h"
#include "test_hooks.h"
#include "proc.h"
#include "proc_setup.h"

static struct kobject *cpc_guest_kobj;
static struct dentry *cpc_guest_debugfs;

static struct attribute *cpc_guest_attrs[] = {
	&cpc_version_attr.attr,
	NULL
};

static const struct attribute_group cpc_guest_group = {
	.attrs = cpc_guest_attrs,
};

static const struct cpc_ivshmem_ops cpc_guest_ivshmem_ops = {
	.probe = cpc_gchan_probe,
	.remove = cpc_gchan_remove,
	.shutdown = cpc_gchan_shutdown,
	.doorbell = cpc_gchan_doorbell,
};

static struct cpc_ivshmem_driver cpc_guest_ivshmem = {
	.ops = &cpc_guest_ivshmem_ops,
};

static int __init cpc_guest_init(void)
{
	int ret;

	if (cpc_glb_enabled() && cpc_gsb_enabled()) {
		pr_err("loopback=1 and slice_info= exclude each other\n");
		return -EINVAL;
	}
	cpc_guest_kobj = kobject_create_and_add("cpc_guest", kernel_kobj);
	if (!cpc_guest_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(cpc_guest_kobj, &cpc_guest_group);
	if (ret)
		goto err_kobj;

	cpc_guest_debugfs = debugfs_create_dir("cpc_guest", NULL);
	ret = cpc_policy_init(cpc_guest_kobj);
	if (ret)
		goto err_debugfs;
	ret = cpc_procs_builtin_install();
	if (ret)
		goto err_policy;
	ret = cpc_gchan_sysfs_init(cpc_guest_kobj);
	if (ret)
		goto err_builtin;
	ret = cpc_procs_setup(cpc_guest_kobj);
	if (ret)
		goto err_chan;
	ret = cpc_test_init(cpc_guest_debugfs);
	if (ret)
		goto err_procs;
	ret = cpc_vcpu_start(cpc_guest_kobj);
	if (ret)
		goto err_test;
	cpc_guest_ivshmem.debugfs_root = cpc_guest_debugfs;
	/* Only the maintenance vCPU takes CPC interrupts. */
	cpc_guest_ivshmem.irq_cpu = cpc_vcpu_cpu();
	/* loopback=1 or slice_info=: that channel only; no ivshmem device. */
	if (cpc_glb_enabled())
		ret = cpc_glb_start(cpc_guest_kobj);
	else if (cpc_gsb_enabled())
		ret = cpc_gsb_start(cpc_guest_kobj);
	else
		ret = cpc_ivshmem_register(&cpc_guest_ivshmem, "cpc_guest_ivshmem");
	if (ret)
		goto err_vcpu;
	pr_info("loaded, interface %u.%u\n", CPC_VERSION_MAJOR, CPC_VERSION_MINOR);
	return 0;

err_vcpu:
	cpc_vcpu_stop();
	cpc_vcpu_release();
err_test:
	cpc_test_exit();
err_procs:
	cpc_procs_teardown(cpc_guest_kobj);
err_chan:
	cpc_gchan_sysfs_exit();
err_builtin:
	cpc_procs_builtin_remove();
err_policy:
	cpc_policy_exit();
err_debugfs:
	debugfs_remove_recursive(cpc_guest_debugfs);
err_kobj:
	kobject_put(cpc_guest_kobj);
	return ret;
}

static void __exit cpc_guest_exit(void)
{
	/* Stop serving first: a request in progress is abandoned. */
	cpc_vcpu_stop();
	if (cpc_glb_enabled())
		cpc_glb_stop();
	else if (cpc_gsb_enabled())
		cpc_gsb_stop();
	else
		cpc_ivshmem_unregister(&cpc_guest_ivshmem);
	cpc_vcpu_release();
	cpc_test_exit();
	cpc_procs_teardown(cpc_guest_kobj);
	cpc_gchan_sysfs_exit();
	cpc_procs_builtin_remove();
	cpc_policy_exit();
	debugfs_remove_recursive(cpc_guest_debugfs);
	kobject_put(cpc_guest_kobj);
	pr_info("unloaded\n");
}

module_init(cpc_guest_init);
module_exit(cpc_guest_exit);

MODULE_DESCRIPTION("cpc guest: maintenance vCPU and CPC procedures");
MODULE_LICENSE("GPL");
