/* SPDX-License-Identifier: GPL-2.0 OR MIT */
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
 * struct cpc_doorbell - where to notify an end (untrusted: published by it).
 * @id:     transport address (ivshmem peer id).
 * @vector: interrupt vector.
 */
struct cpc_doorbell {
	u32 id;
	u32 vector;
};

/** CPC_NUDGE_MAX_CHECKS - most periodic checks between two nudges. */
#define CPC_NUDGE_MAX_CHECKS	16u

/**
 * struct cpc_endpoint - private state of one end.
 * @hdr:        the shared header (start of the region).
 * @layout:     this end's own layout of the region.
 * @is_host:    true for the host end (lays out the region, produces
 *              requests), false for the guest end.
 * @state:      this end's state (authoritative copy of what it publishes).
 * @generation: this end's current generation.
 * @peer_generation: the other end's generation this end accepted.
 * @doorbell_id: this end's doorbell id (authoritative copy of what it
 *              publishes).
 * @vector:     this end's vector (likewise).
 * @features_own: the features this end supports and publishes
 *              (CPC_FEATURES_KNOWN; tests may set more, cpc_ep_set_features()).
 * @features:   the features both ends support, fixed when this end accepts
 *              the other's generation.
 * @peer_db:    the other end's doorbell as it published it when this end
 *              accepted its current generation (valid while @peer_pinned).
 * @peer_pinned: @peer_db is pinned for the current generation.
 * @peer_proven: the last doorbell after which the other end answered
 *              (cpc_ep_peer_answered()); valid once @peer_known.
 * @peer_known: @peer_proven is valid.
 * @nudge_cons: the other end's request-ring consumer index at the last
 *              periodic check (cpc_ep_poll_nudge()), post (cpc_ep_post())
 *              or restart of the back-off.
 * @nudge_wait: periodic checks since the last nudge.
 * @nudge_every: checks between nudges (doubles up to CPC_NUDGE_MAX_CHECKS;
 *              back to 1 whenever this end publishes its block or repairs
 *              its indexes, and on a post to an idle ring).
 * @req:        view of the request ring.
 * @cpl:        view of the completion ring.
 *
 * Everything here is private: shared memory is only ever compared with it
 * or overwritten from it, so whatever the region holds, the end's own
 * published block is repaired at its next cpc_ep_step().
 */
struct cpc_endpoint {
	struct cpc_shm_header *hdr;
	struct cpc_layout layout;
	bool is_host;
	u32 state;
	u32 generation;
	u32 peer_generation;
	u32 doorbell_id;
	u32 vector;
	u32 features_own;
	u32 features;
	struct cpc_doorbell peer_db;
	bool peer_pinned;
	struct cpc_doorbell peer_proven;
	bool peer_known;
	u32 nudge_cons;
	u32 nudge_wait;
	u32 nudge_every;
	struct cpc_ring req;
	struct cpc_ring cpl;
};

/**
 * enum cpc_ep_event - what cpc_ep_step() changed.
 * @CPC_EP_NONE:    nothing.
 * @CPC_EP_CHANGED: this end published a new state: notify the other end.
 * @CPC_EP_UP:      this end entered RUN: notify the other end.
 * @CPC_EP_INCOMPATIBLE: the other end requires a feature this end does not
 *                  know (CPC_FEATURES_REQUIRED): this end does not run with
 *                  it; count it. Returned at each step while that lasts.
 * @CPC_EP_DOWN:    start over: this end left RUN because the other end
 *                  reset, left or broke, or (host) the region is not as the
 *                  host laid it out, or (host) this end is BROKEN. Fail
 *                  everything in flight; the host then calls
 *                  cpc_ep_host_reset(), the guest cpc_ep_guest_reset().
 */
enum cpc_ep_event {
	CPC_EP_NONE = 0,
	CPC_EP_CHANGED,
	CPC_EP_UP,
	CPC_EP_DOWN,
	CPC_EP_INCOMPATIBLE,
};

int cpc_ep_init(struct cpc_endpoint *ep, void *region, u64 size, bool is_host);
void cpc_ep_set_doorbell(struct cpc_endpoint *ep, u32 id, u32 vector);
void cpc_ep_set_features(struct cpc_endpoint *ep, u32 features);
void cpc_ep_host_reset(struct cpc_endpoint *ep);
void cpc_ep_guest_reset(struct cpc_endpoint *ep);
enum cpc_ep_event cpc_ep_step(struct cpc_endpoint *ep);
void cpc_ep_publish(struct cpc_endpoint *ep, u32 state);
bool cpc_ep_running(const struct cpc_endpoint *ep);
u32 cpc_ep_peer_state(const struct cpc_endpoint *ep);
u32 cpc_ep_peer_features(const struct cpc_endpoint *ep);
bool cpc_ep_poll_nudge(struct cpc_endpoint *ep);
int cpc_ep_post(struct cpc_endpoint *ep, const struct cpc_req *req);
u32 cpc_ep_peer_doorbell(const struct cpc_endpoint *ep, u32 *vector);
unsigned int cpc_ep_peer_doorbells(const struct cpc_endpoint *ep,
				   struct cpc_doorbell out[2]);
void cpc_ep_peer_answered(struct cpc_endpoint *ep);
void *cpc_ep_data(const struct cpc_endpoint *ep, u32 off);
const char *cpc_state_name(u32 state);

#ifdef __cplusplus
}
#endif

#endif /* CPC_PROTO_PEER_H */
