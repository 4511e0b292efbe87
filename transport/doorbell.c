// SPDX-License-Identifier: GPL-2.0
/*
 * doorbell.c - IPI doorbells (see doorbell.h): the interrupt a side
 * allocates to be rung, and the fixed IPI that rings it. Linked into both
 * modules; each has its own domain.
 *
 * An IPI is only "vector V to APIC D": the side that wants to be rung
 * allocates an ordinary interrupt from a child domain of x86_vector_domain
 * (as VMD and Hyper-V do), reads its vector and destination, and publishes
 * the pair; the other side writes its local APIC's ICR (physical
 * destination, fixed delivery). No kernel patch.
 */
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/string.h>
#include <asm/apic.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>
#include <asm/smp.h>

#include "doorbell.h"

static struct irq_chip cpc_db_chip = {
	.name = "cpc-doorbell",
	.irq_ack = irq_chip_ack_parent,
	.irq_set_affinity = irq_chip_set_affinity_parent,
	.irq_retrigger = irq_chip_retrigger_hierarchy,
};

static int cpc_db_alloc(struct irq_domain *d, unsigned int virq, unsigned int nr, void *arg)
{
	unsigned int i;
	int ret;

	ret = irq_domain_alloc_irqs_parent(d, virq, nr, arg);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++)
		irq_domain_set_info(d, virq + i, virq + i, &cpc_db_chip, NULL,
				    handle_edge_irq, NULL, "edge");
	return 0;
}

static const struct irq_domain_ops cpc_db_ops = {
	.alloc = cpc_db_alloc,
	.free = irq_domain_free_irqs_common,
};

/**
 * cpc_db_domain_create() - create a doorbell domain under x86_vector_domain.
 * @dd:   filled in.
 * @name: the domain's name (unique in this kernel: both modules may be
 *        loaded).
 *
 * Return: 0 or -ENOMEM; nothing is left behind on failure.
 */
int cpc_db_domain_create(struct cpc_db_domain *dd, const char *name)
{
	dd->fwnode = irq_domain_alloc_named_fwnode(name);
	if (!dd->fwnode)
		return -ENOMEM;
	dd->domain = irq_domain_create_hierarchy(x86_vector_domain, 0, 0, dd->fwnode,
						 &cpc_db_ops, NULL);
	if (!dd->domain) {
		irq_domain_free_fwnode(dd->fwnode);
		dd->fwnode = NULL;
		return -ENOMEM;
	}
	return 0;
}

/**
 * cpc_db_domain_remove() - remove what cpc_db_domain_create() made (every
 * interrupt of it freed); a domain never created is ignored.
 * @dd: the domain.
 */
void cpc_db_domain_remove(struct cpc_db_domain *dd)
{
	if (!dd->domain)
		return;
	irq_domain_remove(dd->domain);
	irq_domain_free_fwnode(dd->fwnode);
	dd->domain = NULL;
	dd->fwnode = NULL;
}

/**
 * cpc_db_irq_free() - free a doorbell interrupt (waits for its handler).
 * @db:   the doorbell; 0 in @db->virq: nothing to do.
 * @data: the handler's cookie, as requested.
 */
void cpc_db_irq_free(struct cpc_db_irq *db, void *data)
{
	if (!db->virq)
		return;
	free_irq(db->virq, data);
	irq_dispose_mapping(db->virq);
	memset(db, 0, sizeof(*db));
}

/**
 * cpc_db_irq_request() - allocate a doorbell interrupt on one CPU and
 * request it.
 * @dd:   the domain.
 * @cpu:  the CPU that takes it (online).
 * @fn:   the handler (hard interrupt on @cpu).
 * @name: the name /proc/interrupts shows.
 * @data: the handler's cookie.
 * @db:   filled in: the interrupt and the (physical APIC id, vector) to
 *        publish.
 *
 * Return: 0 or the error of the allocation, request_irq() or the
 * affinity; nothing is left behind on failure.
 */
int cpc_db_irq_request(struct cpc_db_domain *dd, unsigned int cpu, irq_handler_t fn,
		       const char *name, void *data, struct cpc_db_irq *db)
{
	struct irq_alloc_info info;
	struct irq_data *d;
	int virq, ret;

	memset(db, 0, sizeof(*db));
	memset(&info, 0, sizeof(info));
	info.mask = cpumask_of(cpu);
	virq = __irq_domain_alloc_irqs(dd->domain, -1, 1, NUMA_NO_NODE, &info, false, NULL);
	if (virq < 0)
		return virq;
	ret = request_irq(virq, fn, IRQF_NOBALANCING, name, data);
	if (ret) {
		irq_dispose_mapping(virq);
		return ret;
	}
	db->virq = virq;
	ret = irq_set_affinity(virq, cpumask_of(cpu));
	if (ret) {
		cpc_db_irq_free(db, data);
		return ret;
	}
	d = irq_get_irq_data(virq);
	db->vector = irqd_cfg(d)->vector;
	/*
	 * Not irqd_cfg()->dest_apicid: under the flat APIC driver that is a
	 * logical id (1 << cpu); the other side sends in physical mode.
	 */
	db->apic_id = cpu_physical_id(cpumask_first(irq_data_get_effective_affinity_mask(d)));
	return 0;
}

/**
 * cpc_db_send_ipi() - one IPI to a physical APIC id, in physical
 * destination mode whatever this kernel's APIC driver uses (xAPIC or
 * x2APIC: apic->icr_write()).
 * @apicid: the destination.
 * @low:    the ICR's low word (delivery mode, vector).
 *
 * Context: any context.
 * Return: the local APIC's error status for it (0: accepted).
 */
u32 cpc_db_send_ipi(u32 apicid, u32 low)
{
	unsigned long flags;
	u32 esr;

	/* ICR2 and ICR must not be split by an interrupt that sends an IPI. */
	local_irq_save(flags);
	apic_write(APIC_ESR, 0);
	apic->wait_icr_idle();
	apic->icr_write(low, apicid);
	apic->wait_icr_idle();
	apic_write(APIC_ESR, 0);
	esr = apic_read(APIC_ESR) & 0xef;
	local_irq_restore(flags);
	return esr;
}
