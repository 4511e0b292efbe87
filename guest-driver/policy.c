// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - the guest owner's policy: which procedures the host may call.
 *
 * Module parameters `allow=` and `deny=` take comma-separated procedure
 * names (unknown names fail the load); a procedure named in neither gets its
 * default (struct cpc_proc.default_allowed): only ping is allowed out of the
 * box - an owner who does nothing hands the host nothing but a liveness
 * check (no process list, kernel log, memory or snapshots). At run time
 * root changes it in
 * /sys/kernel/cpc_guest/procs/<name>/allowed (mode 0600, "0" or "1"); the
 * same directory counts calls, rejected (denied by policy) and errors.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "channel.h"
#include "proc.h"

static char *allow;
module_param(allow, charp, 0444);
MODULE_PARM_DESC(allow, "procedures to allow, comma-separated (e.g. info,log); only ping is allowed by default");
static char *deny;
module_param(deny, charp, 0444);
MODULE_PARM_DESC(deny, "procedures to deny, comma-separated");

struct cpc_policy_entry {
	struct kobject kobj;
	unsigned int opcode;
	bool allowed;
	atomic64_t counters[CPC_POLICY_NR_COUNTERS];
};

static struct cpc_policy_entry *cpc_policy[CPC_PROC_COUNT];
static struct kobject *cpc_policy_dir;

/**
 * cpc_policy_allowed() - may the host call this procedure now?
 * @opcode: a validated opcode (< CPC_PROC_COUNT).
 *
 * Return: true if the guest owner allows it.
 */
bool cpc_policy_allowed(unsigned int opcode)
{
	return READ_ONCE(cpc_policy[opcode]->allowed);
}

/**
 * cpc_policy_count() - count a call, a rejection or an error.
 * @opcode: a validated opcode.
 * @what:   CPC_POLICY_CALLS, CPC_POLICY_REJECTED or CPC_POLICY_ERRORS.
 */
void cpc_policy_count(unsigned int opcode, int what)
{
	atomic64_inc(&cpc_policy[opcode]->counters[what]);
}

/**
 * cpc_policy_counter() - read a counter (for the info procedure).
 * @opcode: a validated opcode.
 * @what:   which counter.
 *
 * Return: its value.
 */
u64 cpc_policy_counter(unsigned int opcode, int what)
{
	return atomic64_read(&cpc_policy[opcode]->counters[what]);
}

static struct cpc_policy_entry *to_entry(struct kobject *kobj)
{
	return container_of(kobj, struct cpc_policy_entry, kobj);
}

static ssize_t allowed_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_entry(kobj)->allowed));
}

static ssize_t allowed_store(struct kobject *kobj, struct kobj_attribute *a,
			     const char *buf, size_t n)
{
	bool v;
	int ret = kstrtobool(buf, &v);

	if (ret)
		return ret;
	WRITE_ONCE(to_entry(kobj)->allowed, v);
	pr_info_ratelimited("policy: %s %s\n", kobj->name, v ? "allowed" : "denied");
	return n;
}

static ssize_t counter_show(struct kobject *kobj, int what, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_entry(kobj)->counters[what]));
}

static ssize_t calls_show(struct kobject *kobj, struct kobj_attribute *a, char *buf)
{
	return counter_show(kobj, CPC_POLICY_CALLS, buf);
}

static ssize_t rejected_show(struct kobject *kobj, struct kobj_attribute *a, char *buf)
{
	return counter_show(kobj, CPC_POLICY_REJECTED, buf);
}

static ssize_t errors_show(struct kobject *kobj, struct kobj_attribute *a, char *buf)
{
	return counter_show(kobj, CPC_POLICY_ERRORS, buf);
}

static struct kobj_attribute allowed_attr = __ATTR(allowed, 0600, allowed_show,
						   allowed_store);
static struct kobj_attribute calls_attr = __ATTR_RO(calls);
static struct kobj_attribute rejected_attr = __ATTR_RO(rejected);
static struct kobj_attribute errors_attr = __ATTR_RO(errors);

static struct attribute *cpc_policy_attrs[] = {
	&allowed_attr.attr,
	&calls_attr.attr,
	&rejected_attr.attr,
	&errors_attr.attr,
	NULL
};
ATTRIBUTE_GROUPS(cpc_policy);

static void cpc_policy_release(struct kobject *kobj)
{
	kfree(to_entry(kobj));
}

static struct kobj_type cpc_policy_ktype = {
	.release = cpc_policy_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = cpc_policy_groups,
};

/* Applies a comma-separated list to @set (or just validates it). */
static int cpc_policy_parse(const char *list, const char *param, bool *set,
			    bool value)
{
	char *copy, *cur, *name;
	int op, ret = 0;

	if (!list || !*list)
		return 0;
	copy = kstrdup(list, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = copy;
	while ((name = strsep(&cur, ",")) != NULL) {
		if (!*name)
			continue;
		op = cpc_proc_by_name(name);
		if (op < 0) {
			pr_err("%s=: unknown procedure '%s'\n", param, name);
			ret = -EINVAL;
			break;
		}
		set[op] = value;
	}
	kfree(copy);
	return ret;
}

/**
 * cpc_policy_init() - parse allow=/deny= and create procs/ in sysfs.
 * @root: /sys/kernel/cpc_guest.
 *
 * Return: 0, -EINVAL for an unknown procedure name, or -ENOMEM.
 */
int cpc_policy_init(struct kobject *root)
{
	bool allowed[CPC_PROC_COUNT];
	struct cpc_policy_entry *e;
	unsigned int op;
	int ret;

	for (op = 0; op < CPC_PROC_COUNT; op++)
		allowed[op] = cpc_procs[op] && cpc_procs[op]->default_allowed;
	/* Validate both lists before anything is created; deny wins. */
	ret = cpc_policy_parse(allow, "allow", allowed, true);
	if (!ret)
		ret = cpc_policy_parse(deny, "deny", allowed, false);
	if (ret)
		return ret;

	cpc_policy_dir = kobject_create_and_add("procs", root);
	if (!cpc_policy_dir)
		return -ENOMEM;
	for (op = 0; op < CPC_PROC_COUNT; op++) {
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (!e) {
			ret = -ENOMEM;
			goto err;
		}
		e->opcode = op;
		e->allowed = allowed[op];
		kobject_init(&e->kobj, &cpc_policy_ktype);
		ret = kobject_add(&e->kobj, cpc_policy_dir, "%s", cpc_proc_name(op));
		if (ret) {
			kobject_put(&e->kobj);
			goto err;
		}
		cpc_policy[op] = e;
	}
	return 0;

err:
	cpc_policy_exit();
	return ret;
}

/**
 * cpc_policy_exit() - remove procs/ (after the maintenance thread stopped).
 */
void cpc_policy_exit(void)
{
	unsigned int op;

	for (op = 0; op < CPC_PROC_COUNT; op++) {
		if (cpc_policy[op])
			kobject_put(&cpc_policy[op]->kobj);
		cpc_policy[op] = NULL;
	}
	kobject_put(cpc_policy_dir);
	cpc_policy_dir = NULL;
}
