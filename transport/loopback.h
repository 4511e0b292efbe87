/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loopback.h - the loopback transport: both modules in one kernel. cpc_host
 * owns the shared region (module parameter loopback_mib) and the channel
 * named "loopback"; cpc_guest (module parameter loopback=1) attaches to it
 * through cpc_loopback_attach(), which it looks up with symbol_get() so that
 * neither module depends on the other at load time.
 *
 * Host -> guest doorbell: the guest's @doorbell, which sends a real IPI
 * (smp_call_function_single_async()) to its maintenance CPU. Guest -> host
 * doorbell: @ring_host, which queues the host channel's work, as the
 * ivshmem interrupt does.
 *
 * Lifetime: symbol_get() holds a reference on cpc_host while the guest is
 * attached, so cpc_host cannot be unloaded under an attached guest (rmmod
 * fails with EBUSY); the guest detaches (and puts the symbol) on unload.
 */
#ifndef CPC_TRANSPORT_LOOPBACK_H
#define CPC_TRANSPORT_LOOPBACK_H

#include <linux/types.h>

/**
 * struct cpc_loopback_guest - the guest end, as the host sees it.
 * @doorbell: ring the guest end; called with a spinlock held and interrupts
 *            off, from any context, until cpc_loopback_detach() returns.
 * @priv:     argument of @doorbell.
 */
struct cpc_loopback_guest {
	void (*doorbell)(void *priv);
	void *priv;
};

/**
 * struct cpc_loopback_region - what cpc_loopback_attach() hands the guest.
 * @shm:       the shared region (host-module memory).
 * @size:      its size in bytes.
 * @host_id:   the host's doorbell id (the guest publishes another one).
 * @ring_host: ring the host end; any context.
 * @detach:    cpc_loopback_detach(), called through this pointer so that
 *             cpc_guest has no link-time dependency on cpc_host.
 */
struct cpc_loopback_region {
	void *shm;
	size_t size;
	u32 host_id;
	void (*ring_host)(void);
	void (*detach)(const struct cpc_loopback_guest *g);
};

int cpc_loopback_attach(const struct cpc_loopback_guest *g,
			struct cpc_loopback_region *r);
void cpc_loopback_detach(const struct cpc_loopback_guest *g);

/** CPC_LOOPBACK_HOST_ID - the host's doorbell id on the loopback transport. */
#define CPC_LOOPBACK_HOST_ID	0
/** CPC_LOOPBACK_GUEST_ID - the guest's doorbell id on the loopback transport. */
#define CPC_LOOPBACK_GUEST_ID	1

#endif /* CPC_TRANSPORT_LOOPBACK_H */
