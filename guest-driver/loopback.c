// SPDX-License-Identifier: GPL-2.0
/*
 * loopback.c - the guest side of the loopback transport (see
 * transport/loopback.h). With loopback=1, cpc_guest serves the channel
 * "loopback" of a cpc_host loaded in the same kernel (loopback_mib > 0)
 * instead of binding ivshmem devices.
 *
 * Load order does not matter: while not attached, a delayed work looks for
 * cpc_host every CPC_GLB_RETRY (symbol_get(cpc_loopback_attach)); the
 * reference it takes is held while attached, so cpc_host cannot be unloaded
 * under the guest (rmmod cpc_host fails with EBUSY); unloading cpc_guest
 * publishes RESET (the host fails the calls in flight with ECONNRESET) and
 * detaches.
 *
 * Host -> guest doorbell: an IPI to the maintenance CPU
 * (smp_call_function_single_async() with this module's call_single_data),
 * whose handler wakes the maintenance thread exactly like the ivshmem
 * interrupt. sysfs /sys/kernel/cpc_guest/loopback/: attached, ipis (handled
 * on the maintenance CPU), ipis_elsewhere (handled on another CPU: must
 * stay 0), ipi_busy (doorbells merged into an IPI still pending).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "../transport/loopback.h"
#include "channel.h"

static bool loopback;
module_param(loopback, bool, 0444);
MODULE_PARM_DESC(loopback,
		 "serve cpc_host's loopback channel in this kernel instead of ivshmem devices");

#define CPC_GLB_RETRY	(HZ / 5)

/* Attach state: cpc_glb_mutex (taken before cpc_gchan_lock). */
static DEFINE_MUTEX(cpc_glb_mutex);
static struct cpc_gchan *cpc_glb_chan;
static struct cpc_loopback_region cpc_glb_region;
static bool cpc_glb_stopping;
static struct delayed_work cpc_glb_work;
static struct kobject *cpc_glb_kobj;

static call_single_data_t cpc_glb_csd;
static atomic_t cpc_glb_ipi_inflight = ATOMIC_INIT(0);
static atomic64_t cpc_glb_ipis;
static atomic64_t cpc_glb_ipis_elsewhere;
static atomic64_t cpc_glb_ipi_busy;

/**
 * cpc_glb_enabled() - was cpc_guest loaded with loopback=1?
 *
 * Return: the module parameter.
 */
bool cpc_glb_enabled(void)
{
	return loopback;
}

/* The IPI handler: hard interrupt on the maintenance CPU. */
static void cpc_glb_ipi(void *unused)
{
	if (smp_processor_id() == cpc_vcpu_cpu())
		atomic64_inc(&cpc_glb_ipis);
	else
		atomic64_inc(&cpc_glb_ipis_elsewhere);
	cpc_vcpu_kick();
	atomic_dec(&cpc_glb_ipi_inflight);
}

/* Host -> guest doorbell; the host holds its loopback lock, irqs off. */
static void cpc_glb_doorbell(void *unused)
{
	int ret;

	atomic_inc(&cpc_glb_ipi_inflight);
	/*
	 * -EBUSY: the previous IPI is queued and its handler has not started
	 * (the csd is unlocked before the handler runs), so it will see what
	 * the host published before this doorbell.
	 */
	ret = smp_call_function_single_async(cpc_vcpu_cpu(), &cpc_glb_csd);
	if (ret) {
		atomic_dec(&cpc_glb_ipi_inflight);
		if (ret == -EBUSY)
			atomic64_inc(&cpc_glb_ipi_busy);
		else
			pr_warn_ratelimited("loopback: maintenance CPU %d cannot take an IPI: %d\n",
					    cpc_vcpu_cpu(), ret);
	}
}

static const struct cpc_loopback_guest cpc_glb_guest = {
	.doorbell = cpc_glb_doorbell,
};

/* Guest -> host doorbell: one peer, the published id selects nothing. */
static void cpc_glb_ring(struct cpc_gchan *ch, u32 id, u32 vector)
{
	cpc_glb_region.ring_host();
}

/* Tries to attach; cpc_glb_mutex held. */
static void cpc_glb_try_attach(void)
{
	int (*attach)(const struct cpc_loopback_guest *g,
		      struct cpc_loopback_region *r);
	struct cpc_gchan *ch;
	int ret;

	attach = symbol_get(cpc_loopback_attach);
	if (!attach)
		return;		/* cpc_host not loaded (yet) */
	ret = attach(&cpc_glb_guest, &cpc_glb_region);
	if (ret) {
		symbol_put(cpc_loopback_attach);
		return;		/* no loopback channel, or another guest */
	}
	ch = cpc_gchan_create("loopback", cpc_glb_region.shm, cpc_glb_region.size,
			      CPC_LOOPBACK_GUEST_ID, 0, cpc_glb_ring, NULL);
	if (IS_ERR(ch)) {
		cpc_glb_region.detach(&cpc_glb_guest);
		symbol_put(cpc_loopback_attach);
		pr_err_ratelimited("loopback: cannot serve the region: %ld\n",
				   PTR_ERR(ch));
		return;
	}
	cpc_glb_chan = ch;
	pr_info("loopback: attached to cpc_host, maintenance CPU %d\n",
		cpc_vcpu_cpu());
}

static void cpc_glb_work_fn(struct work_struct *work)
{
	mutex_lock(&cpc_glb_mutex);
	if (!cpc_glb_chan && !cpc_glb_stopping)
		cpc_glb_try_attach();
	if (!cpc_glb_chan && !cpc_glb_stopping)
		schedule_delayed_work(&cpc_glb_work, CPC_GLB_RETRY);
	mutex_unlock(&cpc_glb_mutex);
}

static ssize_t attached_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(cpc_glb_chan) ? 1 : 0);
}

static ssize_t ipis_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&cpc_glb_ipis));
}

static ssize_t ipis_elsewhere_show(struct kobject *k, struct kobj_attribute *a,
				   char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&cpc_glb_ipis_elsewhere));
}

static ssize_t ipi_busy_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&cpc_glb_ipi_busy));
}

static struct kobj_attribute attached_attr = __ATTR_RO(attached);
static struct kobj_attribute ipis_attr = __ATTR_RO(ipis);
static struct kobj_attribute ipis_elsewhere_attr = __ATTR_RO(ipis_elsewhere);
static struct kobj_attribute ipi_busy_attr = __ATTR_RO(ipi_busy);

static struct attribute *cpc_glb_attrs[] = {
	&attached_attr.attr,
	&ipis_attr.attr,
	&ipis_elsewhere_attr.attr,
	&ipi_busy_attr.attr,
	NULL
};

static const struct attribute_group cpc_glb_group = {
	.attrs = cpc_glb_attrs,
};

/**
 * cpc_glb_start() - publish loopback/ in sysfs and start looking for
 * cpc_host's loopback channel (after the maintenance thread started).
 * @root: /sys/kernel/cpc_guest.
 *
 * Return: 0 or -ENOMEM / the error of creating the sysfs files.
 */
int cpc_glb_start(struct kobject *root)
{
	int ret;

	cpc_glb_kobj = kobject_create_and_add("loopback", root);
	if (!cpc_glb_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(cpc_glb_kobj, &cpc_glb_group);
	if (ret) {
		kobject_put(cpc_glb_kobj);
		cpc_glb_kobj = NULL;
		return ret;
	}
	INIT_CSD(&cpc_glb_csd, cpc_glb_ipi, NULL);
	cpc_glb_stopping = false;
	INIT_DELAYED_WORK(&cpc_glb_work, cpc_glb_work_fn);
	schedule_delayed_work(&cpc_glb_work, 0);
	return 0;
}

/**
 * cpc_glb_stop() - stop looking, leave the channel (RESET to the host),
 * detach, and wait until no IPI handler of this module can still run.
 *
 * Context: after cpc_vcpu_stop(), before cpc_vcpu_release().
 */
void cpc_glb_stop(void)
{
	mutex_lock(&cpc_glb_mutex);
	cpc_glb_stopping = true;
	mutex_unlock(&cpc_glb_mutex);
	cancel_delayed_work_sync(&cpc_glb_work);

	if (cpc_glb_chan) {
		cpc_gchan_destroy(cpc_glb_chan);
		cpc_glb_region.detach(&cpc_glb_guest);
		/* No new doorbell now; let the ones in flight finish. */
		while (atomic_read(&cpc_glb_ipi_inflight))
			cpu_relax();
		/* The handler's last instructions run with irqs off. */
		synchronize_rcu();
		WRITE_ONCE(cpc_glb_chan, NULL);
		symbol_put(cpc_loopback_attach);
	}
	kobject_put(cpc_glb_kobj);
	cpc_glb_kobj = NULL;
}
