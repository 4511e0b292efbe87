// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - the maintenance vCPU: one SCHED_FIFO kernel thread bound to the
 * CPU chosen by the `maint_cpu` module parameter (default: the last CPU).
 * It sleeps (TASK_INTERRUPTIBLE, no timeout, no polling) until a doorbell
 * interrupt - whose affinity cpc_gchan_probe() points at the same CPU -
 * kicks it, serves every channel, and sleeps again (the vhost_worker loop).
 *
 * Optional adaptive polling (module parameter `poll_us`, default 0 = off):
 * after serving a burst the thread keeps polling the request rings, unarmed
 * (so the host sends no doorbells), for at most poll_us microseconds after
 * the last request, then arms the rings and sleeps. When idle it never
 * polls.
 *
 * A host that keeps the request rings busy never holds the thread: each
 * round serves a bounded budget (cpc_gchan_service_all()), the rest is
 * requeued, and while work is left the thread runs as SCHED_NORMAL
 * (counted in `demotions`), so other tasks on the maintenance vCPU keep a
 * fair share, and kthread_stop() and VM shutdown get through after one
 * round.
 *
 * sysfs: /sys/kernel/cpc_guest/{maint_cpu,wakeups,served,busy_ns,poll_hits,
 * demotions}.
 * debugfs (tests only): /sys/kernel/debug/cpc_guest/delay_next_ms delays
 * the service after the next doorbell (one shot, at most 30 s).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#include "channel.h"
#include "test_hooks.h"

static int maint_cpu = -1;
module_param(maint_cpu, int, 0444);
MODULE_PARM_DESC(maint_cpu, "maintenance vCPU (default: the last CPU)");

static unsigned int poll_us;
module_param(poll_us, uint, 0644);
MODULE_PARM_DESC(poll_us, "adaptive polling window after a burst, in us (0 = off, max 100000)");

#define CPC_VCPU_POLL_MAX_US 100000u

static struct task_struct *cpc_vcpu_task;
static atomic_t cpc_vcpu_kicked = ATOMIC_INIT(0);
static atomic64_t cpc_vcpu_wakeups;
static atomic64_t cpc_vcpu_served;
static atomic64_t cpc_vcpu_busy_ns;
static atomic64_t cpc_vcpu_poll_hits;
static atomic64_t cpc_vcpu_demotions;
static int cpc_vcpu_cpu_id;

/**
 * cpc_vcpu_cpu() - the maintenance vCPU.
 *
 * Return: its CPU number.
 */
int cpc_vcpu_cpu(void)
{
	return cpc_vcpu_cpu_id;
}

/**
 * cpc_vcpu_kick() - wake the maintenance thread (any context).
 */
void cpc_vcpu_kick(void)
{
	atomic_set(&cpc_vcpu_kicked, 1);
	/* The task struct is pinned until cpc_vcpu_release(). */
	wake_up_process(cpc_vcpu_task);
}

/**
 * cpc_vcpu_count_served() - count one request served.
 */
void cpc_vcpu_count_served(void)
{
	atomic64_inc(&cpc_vcpu_served);
}

/*
 * Polls unarmed for the window after a burst; returns with rings armed, or
 * true when requests are left for another round.
 */
static bool cpc_vcpu_poll(void)
{
	u64 window = (u64)min(READ_ONCE(poll_us), CPC_VCPU_POLL_MAX_US) * NSEC_PER_USEC;
	u64 end = ktime_get_ns() + window;

	while (window && ktime_get_ns() < end && !kthread_should_stop()) {
		if (cpc_gchan_pending_any()) {
			atomic64_inc(&cpc_vcpu_poll_hits);
			if (cpc_gchan_service_all(false))
				return true;
			end = ktime_get_ns() + window;
		}
		cond_resched();
		cpu_relax();
	}
	/* Arm and serve what came meanwhile: then sleeping is safe. */
	return cpc_gchan_service_all(true);
}

/*
 * Requests are left after a full round: the host keeps the rings busy.
 * Requeue the work and share the CPU fairly: the thread leaves SCHED_FIFO
 * for SCHED_NORMAL until a round drains every ring, so whatever else runs
 * on the maintenance vCPU keeps its share however hard the host pushes
 * (SCHED_FIFO would leave it only the RT throttling's 5%).
 */
static void cpc_vcpu_overloaded(bool *demoted)
{
	atomic_set(&cpc_vcpu_kicked, 1);
	if (!*demoted) {
		sched_set_normal(current, 0);
		*demoted = true;
		atomic64_inc(&cpc_vcpu_demotions);
	}
	cond_resched();
}

static int cpc_vcpu_fn(void *unused)
{
	bool more, demoted = false;
	u64 t0;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (!atomic_xchg(&cpc_vcpu_kicked, 0)) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		atomic64_inc(&cpc_vcpu_wakeups);
		if (!cpc_test_delay())
			break;
		t0 = ktime_get_ns();
		if (READ_ONCE(poll_us))
			more = cpc_gchan_service_all(false) || cpc_vcpu_poll();
		else
			more = cpc_gchan_service_all(true);
		atomic64_add(ktime_get_ns() - t0, &cpc_vcpu_busy_ns);
		if (more) {
			cpc_vcpu_overloaded(&demoted);
		} else {
			if (demoted) {
				sched_set_fifo(current);
				demoted = false;
			}
			cond_resched();
		}
	}
	return 0;
}

static ssize_t maint_cpu_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%d\n", cpc_vcpu_cpu_id);
}

static ssize_t wakeups_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&cpc_vcpu_wakeups));
}

static ssize_t served_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&cpc_vcpu_served));
}

static ssize_t busy_ns_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&cpc_vcpu_busy_ns));
}

static ssize_t poll_hits_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&cpc_vcpu_poll_hits));
}

static ssize_t demotions_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&cpc_vcpu_demotions));
}

static struct kobj_attribute maint_cpu_attr = __ATTR_RO(maint_cpu);
static struct kobj_attribute demotions_attr = __ATTR_RO(demotions);
static struct kobj_attribute poll_hits_attr = __ATTR_RO(poll_hits);
static struct kobj_attribute wakeups_attr = __ATTR_RO(wakeups);
static struct kobj_attribute served_attr = __ATTR_RO(served);
static struct kobj_attribute busy_ns_attr = __ATTR_RO(busy_ns);

static struct attribute *cpc_vcpu_attrs[] = {
	&maint_cpu_attr.attr,
	&wakeups_attr.attr,
	&served_attr.attr,
	&busy_ns_attr.attr,
	&poll_hits_attr.attr,
	&demotions_attr.attr,
	NULL
};

static const struct attribute_group cpc_vcpu_group = {
	.attrs = cpc_vcpu_attrs,
};

static struct kobject *cpc_vcpu_root;

/**
 * cpc_vcpu_start() - validate maint_cpu, start the bound thread, publish
 * its sysfs files.
 * @root:         /sys/kernel/cpc_guest.
 *
 * Return: 0, -EINVAL for a maint_cpu that is not an online CPU, or the
 * error of creating the thread or the sysfs files.
 */
int cpc_vcpu_start(struct kobject *root)
{
	struct task_struct *t;
	int cpu = maint_cpu < 0 ? (int)nr_cpu_ids - 1 : maint_cpu;
	int ret;

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		pr_err("maint_cpu=%d is not an online CPU\n", maint_cpu);
		return -EINVAL;
	}
	cpc_vcpu_cpu_id = cpu;
	t = kthread_create(cpc_vcpu_fn, NULL, "cpc_maint/%d", cpu);
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, cpu);
	sched_set_fifo(t);
	get_task_struct(t);
	cpc_vcpu_task = t;
	ret = sysfs_create_group(root, &cpc_vcpu_group);
	if (ret) {
		kthread_stop(t);
		put_task_struct(t);
		cpc_vcpu_task = NULL;
		return ret;
	}
	cpc_vcpu_root = root;
	wake_up_process(t);
	pr_info("maintenance vCPU %d\n", cpu);
	return 0;
}

/**
 * cpc_vcpu_stop() - stop the thread; doorbells after this only set a flag.
 */
void cpc_vcpu_stop(void)
{
	kthread_stop(cpc_vcpu_task);
	sysfs_remove_group(cpc_vcpu_root, &cpc_vcpu_group);
}

/**
 * cpc_vcpu_release() - drop the thread's task struct, once no interrupt can
 * kick it any more.
 */
void cpc_vcpu_release(void)
{
	put_task_struct(cpc_vcpu_task);
	cpc_vcpu_task = NULL;
}
