/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysfs.h - sysfs pieces both modules use: read-only attributes of an
 * object's kobject that pass a small argument to their show function (one
 * function serves a family of counters), and the interface version file.
 */
#ifndef CPC_TRANSPORT_SYSFS_H
#define CPC_TRANSPORT_SYSFS_H

#include <linux/kobject.h>
#include <linux/stringify.h>
#include <linux/sysfs.h>

/**
 * struct cpc_attr - a read-only attribute with an argument.
 * @attr: the sysfs attribute.
 * @show: formats the value of the object owning @kobj; @arg is the
 *        attribute's own.
 * @arg:  passed to @show (e.g. which counter).
 */
struct cpc_attr {
	struct attribute attr;
	ssize_t (*show)(struct kobject *kobj, char *buf, int arg);
	int arg;
};

/* The sysfs_ops of a kobject type whose attributes are struct cpc_attr. */
extern const struct sysfs_ops cpc_attr_sysfs_ops;

/**
 * CPC_ATTR() - define a struct cpc_attr named @_var_@_name (mode 0444).
 * @_var:  prefix of the variable's name.
 * @_name: the file's name.
 * @_show: its show function.
 * @_arg:  its argument.
 */
#define CPC_ATTR(_var, _name, _show, _arg)				\
	static struct cpc_attr _var##_##_name = {			\
		.attr = { .name = __stringify(_name), .mode = 0444 },	\
		.show = _show, .arg = _arg }

/* /sys/kernel/cpc_{host,guest}/version: "MAJOR.MINOR" of uapi/linux/cpc_host.h. */
extern struct kobj_attribute cpc_version_attr;

#endif /* CPC_TRANSPORT_SYSFS_H */
