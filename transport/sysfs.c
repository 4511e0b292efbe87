// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs.c - the sysfs pieces both modules share (see sysfs.h).
 */
#include <linux/cpc_host.h>

#include "sysfs.h"

static ssize_t cpc_attr_show(struct kobject *kobj, struct attribute *attr, char *buf)
{
	struct cpc_attr *a = container_of(attr, struct cpc_attr, attr);

	return a->show(kobj, buf, a->arg);
}

const struct sysfs_ops cpc_attr_sysfs_ops = {
	.show = cpc_attr_show,
};

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u.%u\n", CPC_VERSION_MAJOR, CPC_VERSION_MINOR);
}

struct kobj_attribute cpc_version_attr = __ATTR_RO(version);
