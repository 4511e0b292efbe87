// SPDX-License-Identifier: GPL-2.0
/*
 * slice_bus.c - the slice bus of a running slice: 4 MiB of host memory
 * shared with the code on the slice's CPUs, laid out as a CPC channel
 * (proto/, the same layout as every channel) named "slice:<name>", with
 * real IPIs as doorbells in both directions.
 *
 * Slice -> host: cpc_host allocates one ordinary interrupt per running
 * slice from a child domain of the x86 vector domain
 * (transport/doorbell.c, shared with cpc_guest), on CPU doorbell_cpu
 * (module parameter, default 0), and publishes the pair (physical APIC id
 * of that CPU, vector) in the CPC header and the info page; the slice
 * sends a fixed IPI to it. The handler queues the channel's work. When
 * the slice's IPI mask does not allow the manager, doorbells from the
 * slice are dropped and counted (x86 cannot stop a CPU from sending an
 * IPI: the host can only ignore it).
 *
 * Host -> slice: the channel is attached to the slice, so every doorbell
 * first passes cpc_mediate_send(slice, manager) (EPERM, counted); the ring
 * op then checks the doorbell the slice published (untrusted): the APIC id
 * must be one of the slice's CPUs, and in the IPI mask, the vector 0x20 to
 * 0xfe; then it sends a fixed IPI (physical destination).
 *
 * Everything here runs under cpc_slices_mutex except the interrupt
 * handler and the ring op (channel lock, then the slice's spinlock).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <asm/apic.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>
#include <asm/smp.h>

#include "../transport/doorbell.h"
#include "channel.h"
#include "slice.h"
#include "test_hooks.h"

static unsigned int doorbell_cpu;
module_param(doorbell_cpu, uint, 0444);
MODULE_PARM_DESC(doorbell_cpu, "CPU that takes doorbells from slices (default 0)");

/*
 * 4 MiB, the largest block the page allocator gives: every channel has 256
 * request slots, so a 1 MiB bus left each call 3.7 KiB of data, less than
 * one snapshot record (a page and its header): snapshot failed with ENOSPC.
 */
#define CPC_SLICE_BUS_ORDER	10
#define CPC_SLICE_CHAN_PREFIX	"slice:"

static struct cpc_db_domain cpc_slice_db_domain;

/* A doorbell from the slice: serve its channel (or drop it, by the mask). */
static irqreturn_t cpc_slice_db_irq(int irq, void *data)
{
	struct cpc_slice *s = data;
	struct cpc_hchan *ch;
	bool ok;

	spin_lock(&s->lock);
	ok = s->filters.ipi_manager;
	spin_unlock(&s->lock);
	if (!ok) {
		atomic64_inc(&s->ipi_in_refused);
		return IRQ_HANDLED;
	}
	atomic64_inc(&s->ipi_in);
	ch = READ_ONCE(s->bus.ch);
	if (ch)
		cpc_hchan_kick(ch);
	return IRQ_HANDLED;
}

/* The slice CPU with physical APIC id @id, or nr_cpu_ids. */
static unsigned int cpc_slice_cpu_of(struct cpc_slice *s, u32 id)
{
	unsigned int cpu;

	for_each_cpu(cpu, s->offlined)
		if (cpu_physical_id(cpu) == id)
			return cpu;
	return nr_cpu_ids;
}

/* Host -> slice: the channel passed cpc_mediate_send(); channel lock held. */
static void cpc_slice_bus_ring(struct cpc_hchan *ch, u32 id, u32 vector)
{
	struct cpc_slice *s = ch->tp;
	unsigned int cpu = cpc_slice_cpu_of(s, id);
	unsigned long flags;
	bool ok;

	if (!id && !vector)
		return;		/* nothing published yet */
	if (cpu >= nr_cpu_ids || vector < CPC_DB_VECTOR_MIN || vector > CPC_DB_VECTOR_MAX) {
		atomic64_inc(&s->bad_doorbell);
		pr_notice_ratelimited("slice %s published doorbell (APIC id %u, vector %u): not its CPU or not a vector; not sent\n",
				      s->name, id, vector);
		return;
	}
	spin_lock_irqsave(&s->lock, flags);
	ok = cpumask_test_cpu(cpu, s->filters.ipi_cpus);
	spin_unlock_irqrestore(&s->lock, flags);
	if (!ok) {
		atomic64_inc(&s->ipi_refused);
		return;
	}
	if (cpc_db_send_ipi(id, APIC_DM_FIXED | vector))
		pr_notice_ratelimited("slice %s: doorbell IPI to APIC id %u: APIC error\n",
				      s->name, id);
}

/* After the channel is dead: no doorbell handler uses it any more. */
static void cpc_slice_bus_quiesce(struct cpc_hchan *ch)
{
	struct cpc_slice *s = ch->tp;

	WRITE_ONCE(s->bus.ch, NULL);
	synchronize_irq(s->bus.virq);
}

static const struct cpc_hchan_ops cpc_slice_bus_ops = {
	.transport = "slice",
	.ring = cpc_slice_bus_ring,
	.quiesce = cpc_slice_bus_quiesce,
};

static void cpc_slice_bus_free_irq(struct cpc_slice *s)
{
	struct cpc_db_irq db = { .virq = s->bus.virq };

	cpc_db_irq_free(&db, s);
	s->bus.virq = 0;
}

/* The doorbell interrupt of @s on doorbell_cpu: fills s->bus.host_*. */
static int cpc_slice_bus_alloc_irq(struct cpc_slice *s)
{
	struct cpc_db_irq db;
	int ret;

	ret = cpc_db_irq_request(&cpc_slice_db_domain, doorbell_cpu, cpc_slice_db_irq,
				 "cpc-slice", s, &db);
	if (ret)
		return ret;
	s->bus.virq = db.virq;
	s->bus.host_apic_id = db.apic_id;
	s->bus.host_vector = db.vector;
	return 0;
}

/**
 * cpc_slice_bus_up() - give a slice that is about to start its bus.
 * @s: the slice.
 *
 * Allocates the bus memory and the doorbell interrupt and creates the
 * channel "slice:<name>" attached to @s; the caller maps the bus into the
 * slice and publishes the host doorbell in the info page.
 *
 * Context: cpc_slices_mutex held.
 * Return: 0, -ENAMETOOLONG (the channel name would not fit), -ENXIO (no
 * doorbell domain), -ENOMEM or the error of an interrupt allocation;
 * nothing is left behind on failure.
 */
int cpc_slice_bus_up(struct cpc_slice *s)
{
	char name[CPC_CHANNEL_NAME_MAX];
	struct cpc_hchan *ch;
	struct page *pages;
	int ret;

	lockdep_assert_held(&cpc_slices_mutex);
	if (snprintf(name, sizeof(name), CPC_SLICE_CHAN_PREFIX "%s", s->name) >= sizeof(name))
		return -ENAMETOOLONG;
	if (!cpc_slice_db_domain.domain || doorbell_cpu >= nr_cpu_ids || !cpu_online(doorbell_cpu))
		return -ENXIO;
	pages = cpc_test_alloc_fault() ? NULL :
		alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, CPC_SLICE_BUS_ORDER);
	if (!pages)
		return -ENOMEM;
	s->bus.pages = pages;
	s->bus.phys = page_to_phys(pages);
	s->bus.len = PAGE_SIZE << CPC_SLICE_BUS_ORDER;
	ret = cpc_slice_bus_alloc_irq(s);
	if (ret)
		goto err_pages;
	/* The console ring (uapi/linux/cpc_slice.h) is the end of the window. */
	ch = cpc_hchan_create(name, page_address(pages), s->bus.len - CPC_SLICE_CONSOLE_SIZE,
			      s->bus.host_apic_id,
			      &cpc_slice_bus_ops, s);
	if (IS_ERR(ch)) {
		ret = PTR_ERR(ch);
		goto err_irq;
	}
	WRITE_ONCE(s->bus.ch, ch);
	mutex_lock(&ch->lock);
	cpc_ep_set_doorbell(&ch->ep, s->bus.host_apic_id, s->bus.host_vector);
	mutex_unlock(&ch->lock);
	ret = cpc_hchan_attach_slice(ch, s);
	if (ret)
		goto err_chan;
	return 0;

err_chan:
	cpc_hchan_destroy(ch);	/* quiesce clears s->bus.ch */
err_irq:
	cpc_slice_bus_free_irq(s);
err_pages:
	__free_pages(pages, CPC_SLICE_BUS_ORDER);
	s->bus.pages = NULL;
	s->bus.phys = 0;
	s->bus.len = 0;
	return ret;
}

/**
 * cpc_slice_bus_down() - remove a slice's channel (before its CPUs are
 * stopped): calls in flight fail with ENODEV.
 * @s: the slice.
 *
 * Context: cpc_slices_mutex held.
 */
void cpc_slice_bus_down(struct cpc_slice *s)
{
	struct cpc_hchan *ch = READ_ONCE(s->bus.ch);

	lockdep_assert_held(&cpc_slices_mutex);
	if (ch)
		cpc_hchan_destroy(ch);	/* quiesce clears s->bus.ch */
}

/**
 * cpc_slice_bus_free() - free a slice's doorbell interrupt, scrub and free
 * its bus memory; only once its CPUs are stopped (INIT): until then the
 * slice may write the bus and send doorbells.
 * @s: the slice.
 *
 * Context: cpc_slices_mutex held.
 */
void cpc_slice_bus_free(struct cpc_slice *s)
{
	lockdep_assert_held(&cpc_slices_mutex);
	if (s->bus.virq)
		cpc_slice_bus_free_irq(s);
	if (!s->bus.pages)
		return;
	memset(page_address(s->bus.pages), 0, s->bus.len);
	__free_pages(s->bus.pages, CPC_SLICE_BUS_ORDER);
	s->bus.pages = NULL;
	s->bus.phys = 0;
	s->bus.len = 0;
}

int cpc_slice_bus_init(void)
{
	return cpc_db_domain_create(&cpc_slice_db_domain, "cpc-slice-doorbell");
}

void cpc_slice_bus_exit(void)
{
	cpc_db_domain_remove(&cpc_slice_db_domain);
}
