/* SPDX-License-Identifier: GPL-2.0 */
/*
 * doorbell.h - doorbells that are real IPIs (the slice bus), for both
 * modules: an ordinary interrupt allocated from a child domain of the x86
 * vector domain, whose (physical APIC id, vector) the side that wants to
 * be rung publishes in shared memory, and the fixed IPI the other side
 * sends to such a pair. cpc_host uses it for the host end of every slice
 * bus, cpc_guest in a Linux kernel running on a slice.
 */
#ifndef CPC_TRANSPORT_DOORBELL_H
#define CPC_TRANSPORT_DOORBELL_H

#include <linux/interrupt.h>
#include <linux/types.h>

struct fwnode_handle;
struct irq_domain;

/**
 * struct cpc_db_domain - a child domain of x86_vector_domain.
 * @fwnode: its named fwnode.
 * @domain: the domain (NULL: not created).
 */
struct cpc_db_domain {
	struct fwnode_handle *fwnode;
	struct irq_domain *domain;
};

/**
 * struct cpc_db_irq - one doorbell interrupt.
 * @virq:    the Linux interrupt (0: none).
 * @apic_id: physical APIC id of the CPU it is routed to.
 * @vector:  its vector on that CPU.
 */
struct cpc_db_irq {
	unsigned int virq;
	u32 apic_id;
	u32 vector;
};

/** CPC_DB_VECTOR_MIN - lowest vector a published doorbell may name. */
#define CPC_DB_VECTOR_MIN	0x20
/** CPC_DB_VECTOR_MAX - highest vector a published doorbell may name. */
#define CPC_DB_VECTOR_MAX	0xfe

int cpc_db_domain_create(struct cpc_db_domain *dd, const char *name);
void cpc_db_domain_remove(struct cpc_db_domain *dd);
int cpc_db_irq_request(struct cpc_db_domain *dd, unsigned int cpu, irq_handler_t fn,
		       const char *name, void *data, struct cpc_db_irq *db);
void cpc_db_irq_free(struct cpc_db_irq *db, void *data);
u32 cpc_db_send_ipi(u32 apicid, u32 low);

#endif /* CPC_TRANSPORT_DOORBELL_H */
