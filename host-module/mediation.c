// SPDX-License-Identifier: GPL-2.0
/*
 * mediation.c - IPI/doorbell mediation: the IPI destination mask of a slice
 * is enforced here, in the one function every send toward a slice goes
 * through. Channel code calls cpc_mediate_send() before it rings a doorbell
 * or raises an IPI and must not send when it fails.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/printk.h>

#include "mediation.h"
#include "slice.h"

/**
 * cpc_mediate_send() - check one interrupt/doorbell toward a slice.
 * @s:      the slice the send belongs to.
 * @target: a CPU number, or CPC_MEDIATE_MANAGER for the manager.
 *
 * A send is allowed when the slice is not being destroyed and @target is in
 * the slice's IPI destination mask (a CPU of the slice in the mask, or the
 * manager when the mask allows it). Allowed sends are counted in
 * filters/ipi_sent, refused ones in filters/ipi_refused.
 *
 * Context: any context; takes the slice's spinlock.
 * Return: 0 when the caller may send, -EPERM when it must not.
 */
int cpc_mediate_send(struct cpc_slice *s, unsigned int target)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&s->lock, flags);
	if (s->state == CPC_SLICE_DESTROYING)
		ok = false;
	else if (target == CPC_MEDIATE_MANAGER)
		ok = s->filters.ipi_manager;
	else
		ok = target < nr_cpu_ids &&
		     cpumask_test_cpu(target, s->filters.ipi_cpus);
	spin_unlock_irqrestore(&s->lock, flags);

	if (!ok) {
		atomic64_inc(&s->ipi_refused);
		pr_notice_ratelimited("slice %s: send to %s%u refused by its IPI mask\n",
				      s->name,
				      target == CPC_MEDIATE_MANAGER ? "manager " : "CPU",
				      target == CPC_MEDIATE_MANAGER ? 0 : target);
		return -EPERM;
	}
	atomic64_inc(&s->ipi_sent);
	return 0;
}
