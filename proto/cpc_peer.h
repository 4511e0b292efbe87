/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpc_peer.h - one end of a CPC channel: its private layout, ring views and
 * the RESET -> INIT -> READY -> RUN handshake (uapi/linux/cpc_proto.h).
 * Freestanding: the same code runs in cpc_host.ko, cpc_guest.ko and the
 * user-space unit tests. The caller provides locking and doorbells.
 */
#ifndef CPC_PROTO_PEER_H
#define CPC_PROTO_PEER_H

#include "cpc_ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct cpc_endpoint - private state of one end.
 * @hdr:        the shared header (start of the region).
 * @layout:     this end's own layout of the region.
 * @is_host:    true for the host end (lays out the region, produces
 *              requests), false for the guest end.
 * @state:      this end's state (authoritative copy of what it publishes).
 * @generation: this end's current generation.
 * @peer_generation: the other end's generation this end accepted.
 * @req:        view of the request ring.
 * @cpl:        view of the completion ring.
 */
struct cpc_endpoint {
	struct cpc_shm_header *hdr;
	struct cpc_layout layout;
	bool is_host;
	u32 state;
	u32 generation;
	u32 peer_generation;
	struct cpc_ring req;
	struct cpc_ring cpl;
};

/**
 * enum cpc_ep_event - what cpc_ep_step() changed.
 * @CPC_EP_NONE:    nothing.
 * @CPC_EP_CHANGED: this end published a new state: notify the other end.
 * @CPC_EP_UP:      this end entered RUN: notify the other end.
 * @CPC_EP_DOWN:    this end left RUN because the other end reset, left or
 *                  broke: fail everything in flight (the host then calls
 *                  cpc_ep_host_reset()).
 */
enum cpc_ep_event {
	CPC_EP_NONE = 0,
	CPC_EP_CHANGED,
	CPC_EP_UP,
	CPC_EP_DOWN,
};

int cpc_ep_init(struct cpc_endpoint *ep, void *region, u64 size, bool is_host);
void cpc_ep_set_doorbell(struct cpc_endpoint *ep, u32 id, u32 vector);
void cpc_ep_host_reset(struct cpc_endpoint *ep);
void cpc_ep_guest_reset(struct cpc_endpoint *ep);
enum cpc_ep_event cpc_ep_step(struct cpc_endpoint *ep);
void cpc_ep_publish(struct cpc_endpoint *ep, u32 state);
bool cpc_ep_running(const struct cpc_endpoint *ep);
u32 cpc_ep_peer_doorbell(const struct cpc_endpoint *ep, u32 *vector);
void *cpc_ep_data(const struct cpc_endpoint *ep, u32 off);
const char *cpc_state_name(u32 state);

#ifdef __cplusplus
}
#endif

#endif /* CPC_PROTO_PEER_H */
