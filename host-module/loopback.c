// SPDX-License-Identifier: GPL-2.0
/*
 * loopback.c - the host side of the loopback transport (see
 * transport/loopback.h): with loopback_mib=N (1..16) cpc_host allocates an
 * N MiB region at load and creates the channel "loopback" on it; cpc_guest
 * loaded with loopback=1 in the same kernel attaches to it.
 *
 * cpc_lb_lock (a spinlock, innermost; see channel.h) protects the attached
 * guest: the host rings it only under the lock, so once
 * cpc_loopback_detach() returns the host never calls into the guest again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "../transport/loopback.h"
#include "channel.h"

static unsigned int loopback_mib;
module_param(loopback_mib, uint, 0444);
MODULE_PARM_DESC(loopback_mib,
		 "size in MiB (1-16) of the loopback channel's region; 0 (default): no loopback channel");

#define CPC_LB_MAX_MIB 16

static DEFINE_SPINLOCK(cpc_lb_lock);
static const struct cpc_loopback_guest *cpc_lb_guest;
static struct cpc_hchan *cpc_lb_chan;
static void *cpc_lb_shm;
static size_t cpc_lb_size;

/* Host -> guest: the guest's doorbell (an IPI to its maintenance CPU). */
static void cpc_lb_ring(struct cpc_hchan *ch, u32 id, u32 vector)
{
	unsigned long flags;

	/* One peer only: the published id and vector select nothing. */
	spin_lock_irqsave(&cpc_lb_lock, flags);
	if (cpc_lb_guest)
		cpc_lb_guest->doorbell(cpc_lb_guest->priv);
	spin_unlock_irqrestore(&cpc_lb_lock, flags);
}

static const struct cpc_hchan_ops cpc_lb_ops = {
	.transport = "loopback",
	.ring = cpc_lb_ring,
};

/* Guest -> host: serve the channel in a work item, as for ivshmem. */
static void cpc_lb_ring_host(void)
{
	unsigned long flags;

	spin_lock_irqsave(&cpc_lb_lock, flags);
	if (cpc_lb_chan)
		cpc_hchan_kick(cpc_lb_chan);
	spin_unlock_irqrestore(&cpc_lb_lock, flags);
}

/**
 * cpc_loopback_attach() - attach the guest end to the loopback channel.
 * @g: the guest end; must stay valid until cpc_loopback_detach().
 * @r: (out) the region and the host's doorbell.
 *
 * Context: process context; the caller holds a reference on this module
 * (symbol_get()) until it has detached.
 * Return: 0, -ENODEV when cpc_host has no loopback channel (loopback_mib=0),
 * -EBUSY when a guest end is attached already, -EINVAL for a NULL doorbell.
 */
int cpc_loopback_attach(const struct cpc_loopback_guest *g,
			struct cpc_loopback_region *r)
{
	int ret = 0;

	if (!g || !g->doorbell || !r)
		return -EINVAL;
	spin_lock_irq(&cpc_lb_lock);
	if (!cpc_lb_chan)
		ret = -ENODEV;
	else if (cpc_lb_guest)
		ret = -EBUSY;
	else
		cpc_lb_guest = g;
	spin_unlock_irq(&cpc_lb_lock);
	if (ret)
		return ret;
	r->shm = cpc_lb_shm;
	r->size = cpc_lb_size;
	r->host_id = CPC_LOOPBACK_HOST_ID;
	r->ring_host = cpc_lb_ring_host;
	r->detach = cpc_loopback_detach;
	pr_info("loopback: guest end attached\n");
	cpc_hchan_kick(cpc_lb_chan);
	return 0;
}
EXPORT_SYMBOL_GPL(cpc_loopback_attach);

/**
 * cpc_loopback_detach() - detach the guest end; after return the host never
 * calls @g's doorbell again.
 * @g: what was attached.
 *
 * Context: any context.
 */
void cpc_loopback_detach(const struct cpc_loopback_guest *g)
{
	unsigned long flags;

	spin_lock_irqsave(&cpc_lb_lock, flags);
	if (cpc_lb_guest == g)
		cpc_lb_guest = NULL;
	spin_unlock_irqrestore(&cpc_lb_lock, flags);
	pr_info("loopback: guest end detached\n");
	if (cpc_lb_chan)
		cpc_hchan_kick(cpc_lb_chan);
}
EXPORT_SYMBOL_GPL(cpc_loopback_detach);

/**
 * cpc_loopback_init() - create the loopback channel when loopback_mib > 0.
 *
 * Return: 0, -EINVAL for loopback_mib > 16, -ENOMEM, or the error of
 * creating the channel; nothing is left behind on failure.
 */
int cpc_loopback_init(void)
{
	struct cpc_hchan *ch;

	if (!loopback_mib)
		return 0;
	if (loopback_mib > CPC_LB_MAX_MIB) {
		pr_err("loopback_mib=%u: at most %u\n", loopback_mib, CPC_LB_MAX_MIB);
		return -EINVAL;
	}
	cpc_lb_size = (size_t)loopback_mib << 20;
	cpc_lb_shm = vzalloc(cpc_lb_size);
	if (!cpc_lb_shm)
		return -ENOMEM;
	ch = cpc_hchan_create("loopback", cpc_lb_shm, cpc_lb_size,
			      CPC_LOOPBACK_HOST_ID, &cpc_lb_ops, NULL);
	if (IS_ERR(ch)) {
		vfree(cpc_lb_shm);
		cpc_lb_shm = NULL;
		return PTR_ERR(ch);
	}
	spin_lock_irq(&cpc_lb_lock);
	cpc_lb_chan = ch;
	spin_unlock_irq(&cpc_lb_lock);
	pr_info("loopback channel: %u MiB region\n", loopback_mib);
	return 0;
}

/**
 * cpc_loopback_exit() - remove the loopback channel. No guest end can be
 * attached: it would hold a reference on this module.
 */
void cpc_loopback_exit(void)
{
	struct cpc_hchan *ch = cpc_lb_chan;

	if (!ch)
		return;
	spin_lock_irq(&cpc_lb_lock);
	cpc_lb_chan = NULL;
	spin_unlock_irq(&cpc_lb_lock);
	cpc_hchan_destroy(ch);
	/* Open channel fds keep the object, never the region. */
	vfree(cpc_lb_shm);
	cpc_lb_shm = NULL;
}
