// SPDX-License-Identifier: GPL-2.0
/*
 * cpc_host.ko - cpc's management slice: the slice manager and the host end
 * of every confidential-procedure-call channel.
 *
 * This file ties the module together: /dev/cpc_host, the sysfs root
 * /sys/kernel/cpc_host/, the debugfs root, the slice manager (slice*.c,
 * mediation.c), the ivshmem transport and the loopback channel
 * (loopback.c, module parameter loopback_mib).
 *
 * Unload policy: every live slice holds a reference on this module, so
 * rmmod fails (EBUSY/EWOULDBLOCK) until all slices are destroyed; the same
 * holds while a cpc_guest is attached to the loopback channel (its
 * symbol_get() holds a reference).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include <linux/cpc_host.h>

#include "../transport/ivshmem.h"
#include "../transport/sysfs.h"
#include "channel.h"
#include "test_hooks.h"
#include "slice.h"

static struct kobject *cpc_host_kobj;
static struct dentry *cpc_host_debugfs;

static struct attribute *cpc_host_attrs[] = {
	&cpc_version_attr.attr,
	NULL
};

static const struct attribute_group cpc_host_group = {
	.attrs = cpc_host_attrs,
};

static long cpc_host_ioctl_version(void __user *argp)
{
	struct cpc_version v;

	if (copy_from_user(&v, argp, sizeof(v)))
		return -EFAULT;
	if (v.size < sizeof(v) || v.reserved)
		return -EINVAL;
	v.size = sizeof(v);
	v.major = CPC_VERSION_MAJOR;
	v.minor = CPC_VERSION_MINOR;
	if (copy_to_user(argp, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

static long cpc_host_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case CPC_IOCTL_VERSION:
		return cpc_host_ioctl_version(argp);
	case CPC_IOCTL_SLICE_CREATE:
	case CPC_IOCTL_SLICE_DESTROY:
	case CPC_IOCTL_SLICE_LOCK:
	case CPC_IOCTL_SLICE_FILTER:
	case CPC_IOCTL_SLICE_LOAD:
	case CPC_IOCTL_SLICE_START:
	case CPC_IOCTL_SLICE_STOP:
	case CPC_IOCTL_SLICE_CONSOLE:
		return cpc_slice_ioctl(cmd, argp);
	case CPC_IOCTL_CHANNEL_OPEN:
		return cpc_host_channel_open(argp);
	case CPC_IOCTL_CHANNEL_ATTACH:
	case CPC_IOCTL_CHANNEL_DETACH:
		return cpc_host_channel_attach(cmd, argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations cpc_host_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = cpc_host_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice cpc_host_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "cpc_host",
	.fops = &cpc_host_fops,
	.mode = 0600,
};

static const struct cpc_ivshmem_ops cpc_host_ivshmem_ops = {
	.probe = cpc_hchan_probe,
	.remove = cpc_hchan_remove,
	.doorbell = cpc_hchan_doorbell,
};

static struct cpc_ivshmem_driver cpc_host_ivshmem = {
	.ops = &cpc_host_ivshmem_ops,
	.irq_cpu = -1,
};

static int __init cpc_host_init(void)
{
	int ret;

	cpc_host_kobj = kobject_create_and_add("cpc_host", kernel_kobj);
	if (!cpc_host_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(cpc_host_kobj, &cpc_host_group);
	if (ret)
		goto err_kobj;

	cpc_host_debugfs = debugfs_create_dir("cpc_host", NULL);
	ret = cpc_test_init(cpc_host_debugfs);
	if (ret)
		goto err_debugfs;
	ret = cpc_slices_init(cpc_host_kobj);
	if (ret)
		goto err_debugfs;
	ret = cpc_hchan_init(cpc_host_kobj);
	if (ret)
		goto err_slices;
	cpc_host_ivshmem.debugfs_root = cpc_host_debugfs;
	ret = cpc_ivshmem_register(&cpc_host_ivshmem, "cpc_host_ivshmem");
	if (ret)
		goto err_chan;
	ret = cpc_loopback_init();
	if (ret)
		goto err_ivshmem;

	ret = misc_register(&cpc_host_misc);
	if (ret)
		goto err_loopback;
	pr_info("loaded, interface %u.%u\n", CPC_VERSION_MAJOR, CPC_VERSION_MINOR);
	return 0;

err_loopback:
	cpc_loopback_exit();
err_ivshmem:
	cpc_ivshmem_unregister(&cpc_host_ivshmem);
err_chan:
	cpc_hchan_exit();
err_slices:
	cpc_slices_exit();
err_debugfs:
	debugfs_remove_recursive(cpc_host_debugfs);
err_kobj:
	kobject_put(cpc_host_kobj);
	return ret;
}

static void __exit cpc_host_exit(void)
{
	misc_deregister(&cpc_host_misc);
	cpc_loopback_exit();
	cpc_ivshmem_unregister(&cpc_host_ivshmem);
	cpc_hchan_exit();
	cpc_slices_exit();
	debugfs_remove_recursive(cpc_host_debugfs);
	kobject_put(cpc_host_kobj);
	pr_info("unloaded\n");
}

module_init(cpc_host_init);
module_exit(cpc_host_exit);

MODULE_DESCRIPTION("cpc host: slice manager and CPC channel host end");
MODULE_LICENSE("GPL");
