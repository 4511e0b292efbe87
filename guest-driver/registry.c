// SPDX-License-Identifier: GPL-2.0
/*
 * registry.c - the installed procedures and the guest owner's policy.
 *
 * Procedures are installed with cpc_proc_register() (cpc_proc.h): the
 * built-in ones by cpc_guest's init (proc_table.c), the others by procedure
 * modules. Each gets an opcode and /sys/kernel/cpc_guest/procs/<name>/:
 * allowed (mode 0600, "0" or "1"), calls, rejected (denied by policy),
 * errors, id and version.
 *
 * Policy: module parameters `allow=` and `deny=` take comma-separated
 * procedure names; a procedure named in neither gets its default: only
 * ping and procs are allowed out of the box - an owner who does nothing
 * hands the host nothing but a liveness check and the (then empty) list of
 * what it may call. Names may be of procedures a module installs later
 * (the policy applies when it registers); a name that cannot be a
 * procedure's fails the load. Deny wins.
 *
 * Calls: cpc_proc_get() finds a procedure by opcode under RCU and takes a
 * reference to its module and an active-call count; cpc_proc_unregister()
 * unpublishes it, waits for an RCU grace period and for its active calls
 * to end. So a module unload never races a call: its refcount makes
 * rmmod fail (-EBUSY) while one runs, and cpc_proc_unregister() from a
 * module's exit returns only once none can.
 *
 * Lock order: cpc_gchan_lock -> cpc_proc_lock (the info and procs
 * procedures list the table while the maintenance thread holds the channel
 * lock). cpc_proc_lock guards the table's writers and walkers; readers
 * on the call path use RCU. Nobody waits for calls while holding a lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/wait.h>

#include "channel.h"
#include "proc.h"

static char *allow;
module_param(allow, charp, 0444);
MODULE_PARM_DESC(allow, "procedures to allow, comma-separated (e.g. info,log); only ping and procs are allowed by default");
static char *deny;
module_param(deny, charp, 0444);
MODULE_PARM_DESC(deny, "procedures to deny, comma-separated");

/**
 * struct cpc_proc_entry - one installed procedure.
 * @kobj:     /sys/kernel/cpc_guest/procs/<name>/; holds the entry's memory.
 * @desc:     its description (the registering module's).
 * @opcode:   its opcode.
 * @allowed:  the owner's policy now.
 * @active:   calls running (cpc_proc_get() .. cpc_proc_put()).
 * @counters: calls, rejected, errors.
 */
struct cpc_proc_entry {
	struct kobject kobj;
	const struct cpc_proc_desc *desc;
	u16 opcode;
	bool allowed;
	atomic_t active;
	atomic64_t counters[CPC_POLICY_NR_COUNTERS];
};

static DEFINE_MUTEX(cpc_proc_lock);
static struct cpc_proc_entry __rcu *cpc_proc_tab[CPC_PROC_ID_MAX + 1];
static DECLARE_WAIT_QUEUE_HEAD(cpc_proc_idle);
/* Next dynamic opcode to try: handed out cyclically (cpc_proc_lock). */
static u16 cpc_proc_next_dyn = CPC_PROC_DYN_FIRST;
static struct kobject *cpc_policy_dir;
static bool cpc_proc_frozen;

static struct cpc_proc_entry *to_entry(struct kobject *kobj)
{
	return container_of(kobj, struct cpc_proc_entry, kobj);
}

/* ---- sysfs: procs/<name>/ ---- */

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

static ssize_t id_show(struct kobject *kobj, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_entry(kobj)->opcode);
}

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_entry(kobj)->desc->version);
}

static struct kobj_attribute allowed_attr = __ATTR(allowed, 0600, allowed_show,
						   allowed_store);
static struct kobj_attribute calls_attr = __ATTR_RO(calls);
static struct kobj_attribute rejected_attr = __ATTR_RO(rejected);
static struct kobj_attribute errors_attr = __ATTR_RO(errors);
static struct kobj_attribute id_attr = __ATTR_RO(id);
static struct kobj_attribute version_attr = __ATTR_RO(version);

static struct attribute *cpc_policy_attrs[] = {
	&allowed_attr.attr,
	&calls_attr.attr,
	&rejected_attr.attr,
	&errors_attr.attr,
	&id_attr.attr,
	&version_attr.attr,
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

/* ---- names and the policy lists ---- */

static bool cpc_proc_name_ok(const char *name, size_t len)
{
	size_t i;

	if (!len || len >= CPC_PROC_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!name[i] ||
		    !strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", name[i]))
			return false;
	return true;
}

/*
 * Is @name in the comma-separated @list? With @name NULL: checks that
 * every name in @list could be a procedure's (-EINVAL if not).
 */
static int cpc_policy_listed(const char *list, const char *param,
			     const char *name)
{
	const char *p = list, *end;
	size_t len;

	if (!list)
		return 0;
	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ',');
		len = end - p;
		if (!len)
			continue;
		if (!name) {
			if (!cpc_proc_name_ok(p, len)) {
				pr_err("%s=: '%.*s' cannot be a procedure name\n",
				       param, (int)min_t(size_t, len, 64), p);
				return -EINVAL;
			}
			continue;
		}
		if (strlen(name) == len && !memcmp(p, name, len))
			return 1;
	}
	return 0;
}

/* The owner's policy for a procedure that registers now. */
static bool cpc_policy_initial(const char *name, bool default_allowed)
{
	if (cpc_policy_listed(deny, "deny", name) > 0)
		return false;
	if (cpc_policy_listed(allow, "allow", name) > 0)
		return true;
	return default_allowed;
}

/* ---- registration ---- */

static int cpc_proc_check_desc(const struct cpc_proc_desc *d)
{
	int fixed;

	if (d->api != CPC_PROC_API_VERSION)
		return -EPROTONOSUPPORT;
	if (!d->name || !cpc_proc_name_ok(d->name, strnlen(d->name, CPC_PROC_NAME_MAX)) ||
	    !d->run || (d->flags & ~CPC_PROC_F_ALL) || d->arg_min > d->arg_max ||
	    d->arg_max > CPC_ARG_MAX || d->deadline_max_ms > CPC_DEADLINE_MAX_MS)
		return -EINVAL;
	/* A name of the protocol's table keeps its opcode; others keep off them. */
	fixed = cpc_proc_by_name(d->name);
	if (fixed >= 0)
		return d->opcode == fixed || d->opcode == CPC_PROC_DYNAMIC ? 0 : -EINVAL;
	if (d->opcode == CPC_PROC_DYNAMIC)
		return 0;
	if (d->opcode < CPC_PROC_COUNT || d->opcode >= CPC_PROC_DYN_FIRST)
		return -EINVAL;
	return 0;
}

/* A free opcode for @d, or -errno (cpc_proc_lock held). */
static int cpc_proc_pick_opcode(const struct cpc_proc_desc *d)
{
	unsigned int i, n = CPC_PROC_ID_MAX + 1 - CPC_PROC_DYN_FIRST;
	int fixed = cpc_proc_by_name(d->name);
	u16 op;

	if (fixed >= 0 || d->opcode != CPC_PROC_DYNAMIC) {
		op = fixed >= 0 ? fixed : d->opcode;
		return rcu_access_pointer(cpc_proc_tab[op]) ? -EEXIST : op;
	}
	/* Cyclic: a host holding a stale id rarely meets a new procedure. */
	for (i = 0; i < n; i++) {
		op = cpc_proc_next_dyn;
		cpc_proc_next_dyn = op == CPC_PROC_ID_MAX ? CPC_PROC_DYN_FIRST : op + 1;
		if (!rcu_access_pointer(cpc_proc_tab[op]))
			return op;
	}
	return -ENOSPC;
}

static struct cpc_proc_entry *cpc_proc_find_name(const char *name)
{
	struct cpc_proc_entry *e;
	unsigned int op;

	for (op = 0; op <= CPC_PROC_ID_MAX; op++) {
		e = rcu_dereference_protected(cpc_proc_tab[op],
					      lockdep_is_held(&cpc_proc_lock));
		if (e && !strcmp(e->desc->name, name))
			return e;
	}
	return NULL;
}

/**
 * cpc_proc_install() - register a procedure (cpc_proc_register(), and the
 * built-in ones with their default policy).
 * @d:               the description.
 * @default_allowed: allowed when the owner's lists do not name it.
 *
 * Return: the opcode, or a negative errno as cpc_proc_register().
 */
int cpc_proc_install(const struct cpc_proc_desc *d, bool default_allowed)
{
	struct cpc_proc_entry *e;
	int ret, op;

	ret = cpc_proc_check_desc(d);
	if (ret)
		return ret;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->desc = d;
	e->allowed = cpc_policy_initial(d->name, default_allowed);
	kobject_init(&e->kobj, &cpc_policy_ktype);

	mutex_lock(&cpc_proc_lock);
	if (!cpc_policy_dir) {
		ret = -ENODEV;
		goto err;
	}
	if (cpc_proc_find_name(d->name)) {
		ret = -EEXIST;
		goto err;
	}
	op = cpc_proc_pick_opcode(d);
	if (op < 0) {
		ret = op;
		goto err;
	}
	e->opcode = op;
	ret = kobject_add(&e->kobj, cpc_policy_dir, "%s", d->name);
	if (ret)
		goto err;
	rcu_assign_pointer(cpc_proc_tab[op], e);
	mutex_unlock(&cpc_proc_lock);
	pr_info("procedure %s installed: id %d, version %u, %s\n", d->name, op,
		d->version, e->allowed ? "allowed" : "denied");
	return op;

err:
	mutex_unlock(&cpc_proc_lock);
	kobject_put(&e->kobj);
	return ret;
}

/**
 * cpc_proc_register() - install a procedure the host can call.
 * @desc: its description; must stay valid until cpc_proc_unregister().
 *
 * The procedure is denied until the guest owner allows it (its name in
 * cpc_guest's allow=, or procs/<name>/allowed). cpc_guest checks the
 * argument and result bounds, the deadline, the policy and counts calls
 * before @desc->run is called, exactly as for a built-in procedure.
 *
 * Context: process context (module init); may sleep.
 * Return: the opcode the host calls it by (also published by the procs
 * and info procedures), or -EPROTONOSUPPORT (@desc->api is not
 * CPC_PROC_API_VERSION), -EINVAL (a bad name, opcode, flag or bound, or
 * no @run), -EEXIST (the name or the fixed opcode is taken), -ENOSPC (no
 * dynamic opcode left), -ENOMEM.
 */
int cpc_proc_register(const struct cpc_proc_desc *desc)
{
	return cpc_proc_install(desc, false);
}
EXPORT_SYMBOL_GPL(cpc_proc_register);

/**
 * cpc_proc_unregister() - remove a procedure: the host gets CPC_ST_ENOSYS
 * for it from now on. Waits until no call of it runs any more.
 * @desc: what was given to cpc_proc_register() (nothing happens if it is
 *        not installed).
 *
 * Context: process context (module exit); may sleep; never from the
 * procedure itself.
 */
void cpc_proc_unregister(const struct cpc_proc_desc *desc)
{
	struct cpc_proc_entry *e = NULL, *cur;
	unsigned int op;

	mutex_lock(&cpc_proc_lock);
	for (op = 0; op <= CPC_PROC_ID_MAX; op++) {
		cur = rcu_dereference_protected(cpc_proc_tab[op],
						lockdep_is_held(&cpc_proc_lock));
		if (cur && cur->desc == desc) {
			e = cur;
			RCU_INIT_POINTER(cpc_proc_tab[op], NULL);
			break;
		}
	}
	mutex_unlock(&cpc_proc_lock);
	if (!e)
		return;
	/* Every cpc_proc_get() that saw @e has counted itself in @active. */
	synchronize_rcu();
	wait_event(cpc_proc_idle, !atomic_read(&e->active));
	pr_info("procedure %s removed\n", desc->name);
	kobject_put(&e->kobj);
}
EXPORT_SYMBOL_GPL(cpc_proc_unregister);

/**
 * cpc_proc_set_frozen() - filesystems are frozen (or thawed again):
 * procedures flagged CPC_PROC_F_THAWED are refused with -EBUSY meanwhile.
 * @frozen: true while the fsfreeze procedure holds filesystems frozen.
 */
void cpc_proc_set_frozen(bool frozen)
{
	WRITE_ONCE(cpc_proc_frozen, frozen);
}
EXPORT_SYMBOL_GPL(cpc_proc_set_frozen);

/**
 * cpc_proc_maint_cpu() - the maintenance vCPU, which procedures must leave
 * alone (e.g. never take it offline).
 *
 * Return: its CPU number.
 */
int cpc_proc_maint_cpu(void)
{
	return cpc_vcpu_cpu();
}
EXPORT_SYMBOL_GPL(cpc_proc_maint_cpu);

/* ---- the call path ---- */

/**
 * cpc_proc_get() - the procedure installed under @opcode, for one call.
 * @opcode: any opcode.
 *
 * Context: any process context.
 * Return: the entry with its module pinned, or NULL (none installed, or
 * its module is going away): answer CPC_ST_ENOSYS. Release with
 * cpc_proc_put().
 */
struct cpc_proc_entry *cpc_proc_get(u32 opcode)
{
	struct cpc_proc_entry *e;

	if (opcode > CPC_PROC_ID_MAX)
		return NULL;
	rcu_read_lock();
	e = rcu_dereference(cpc_proc_tab[opcode]);
	if (e && try_module_get(e->desc->owner))
		atomic_inc(&e->active);
	else
		e = NULL;
	rcu_read_unlock();
	return e;
}

/**
 * cpc_proc_put() - the call of @e has ended (its answer is sent).
 * @e: from cpc_proc_get().
 */
void cpc_proc_put(struct cpc_proc_entry *e)
{
	struct module *owner = e->desc->owner;

	if (atomic_dec_and_test(&e->active))
		wake_up_all(&cpc_proc_idle);
	/* @e may be gone now; @owner is still pinned by us. */
	module_put(owner);
}

/**
 * cpc_proc_allowed() - may the host call this procedure now?
 * @e: from cpc_proc_get().
 *
 * Return: the owner's policy.
 */
bool cpc_proc_allowed(struct cpc_proc_entry *e)
{
	return READ_ONCE(e->allowed);
}

/**
 * cpc_proc_count() - count a call, a rejection or an error.
 * @e:    from cpc_proc_get().
 * @what: CPC_POLICY_CALLS, CPC_POLICY_REJECTED or CPC_POLICY_ERRORS.
 */
void cpc_proc_count(struct cpc_proc_entry *e, int what)
{
	atomic64_inc(&e->counters[what]);
}

/**
 * cpc_proc_run() - check a call against the procedure's bounds and run it.
 * @e:    from cpc_proc_get().
 * @call: the call, its deadline set from the request; shortened here to
 *        the procedure's deadline_max_ms.
 *
 * Return: the procedure's result, or -EINVAL (argument buffer out of the
 * procedure's bounds), -ENOSPC (result buffer below its out_min), -EBUSY
 * (it needs thawed filesystems and they are frozen), -EIO (it claimed more
 * result bytes than the buffer holds: a bug, never reported as success).
 */
int cpc_proc_run(struct cpc_proc_entry *e, struct cpc_proc_call *call)
{
	const struct cpc_proc_desc *d = e->desc;
	unsigned long last;
	int ret;

	if (call->arg_len < d->arg_min || call->arg_len > d->arg_max)
		return -EINVAL;
	if (call->out_cap < d->out_min)
		return -ENOSPC;
	if ((d->flags & CPC_PROC_F_THAWED) && READ_ONCE(cpc_proc_frozen))
		return -EBUSY;
	if (d->deadline_max_ms) {
		last = jiffies + msecs_to_jiffies(d->deadline_max_ms);
		if (time_before(last, call->deadline))
			call->deadline = last;
	}
	ret = d->run(call);
	if (!ret && call->out_len > call->out_cap)
		ret = -EIO;
	return ret;
}

/**
 * cpc_proc_after() - run the procedure's after hook, if it has one, once
 * its successful answer is sent.
 * @e:   from cpc_proc_get().
 * @req: the call's private request descriptor.
 */
void cpc_proc_after(struct cpc_proc_entry *e, const struct cpc_request *req)
{
	if (e->desc->after)
		e->desc->after(req);
}

/**
 * cpc_proc_walk() - call @fn for every installed procedure, by opcode.
 * @fn:  gets a snapshot of one procedure's state.
 * @arg: for @fn.
 *
 * Context: process context; takes cpc_proc_lock (after cpc_gchan_lock).
 */
void cpc_proc_walk(void (*fn)(const struct cpc_proc_view *v, void *arg), void *arg)
{
	struct cpc_proc_entry *e;
	struct cpc_proc_view v;
	unsigned int op;

	mutex_lock(&cpc_proc_lock);
	for (op = 0; op <= CPC_PROC_ID_MAX; op++) {
		e = rcu_dereference_protected(cpc_proc_tab[op],
					      lockdep_is_held(&cpc_proc_lock));
		if (!e)
			continue;
		v.name = e->desc->name;
		v.opcode = op;
		v.version = e->desc->version;
		v.allowed = READ_ONCE(e->allowed);
		v.calls = atomic64_read(&e->counters[CPC_POLICY_CALLS]);
		v.rejected = atomic64_read(&e->counters[CPC_POLICY_REJECTED]);
		v.errors = atomic64_read(&e->counters[CPC_POLICY_ERRORS]);
		fn(&v, arg);
	}
	mutex_unlock(&cpc_proc_lock);
}

/**
 * cpc_policy_init() - check allow=/deny= and create procs/ in sysfs.
 * @root: /sys/kernel/cpc_guest.
 *
 * Return: 0, -EINVAL for a name that cannot be a procedure's, or -ENOMEM.
 */
int cpc_policy_init(struct kobject *root)
{
	int ret;

	/* Validate both lists before anything is created. */
	ret = cpc_policy_listed(allow, "allow", NULL);
	if (!ret)
		ret = cpc_policy_listed(deny, "deny", NULL);
	if (ret)
		return ret;
	mutex_lock(&cpc_proc_lock);
	cpc_policy_dir = kobject_create_and_add("procs", root);
	mutex_unlock(&cpc_proc_lock);
	return cpc_policy_dir ? 0 : -ENOMEM;
}

/**
 * cpc_policy_exit() - remove procs/ once every procedure is unregistered.
 */
void cpc_policy_exit(void)
{
	mutex_lock(&cpc_proc_lock);
	kobject_put(cpc_policy_dir);
	cpc_policy_dir = NULL;
	mutex_unlock(&cpc_proc_lock);
}
