/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cpc_hostq.h - the host end's private bookkeeping of requests in flight
 * (the slot table: ids, data-area shares, callers that gave up) and of a
 * guest that makes the host work far beyond what its calls explain (the
 * throttle). Freestanding: the same code runs in cpc_host.ko and in the
 * user-space host end of libcpc, so a hostile guest meets exactly the same
 * checks from either. The caller provides locking, clocks and doorbells.
 */
#ifndef CPC_PROTO_HOSTQ_H
#define CPC_PROTO_HOSTQ_H

#include "cpc_ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/** CPC_HOST_CHECK_DOWN_MS - periodic check while not up, busy or throttled. */
#define CPC_HOST_CHECK_DOWN_MS		100u
/** CPC_HOST_CHECK_UP_MS - periodic check of an idle channel in RUN. */
#define CPC_HOST_CHECK_UP_MS		1000u

/**
 * struct cpc_hslot_core - one request slot: an id in flight and its share
 * of the data area.
 * @id:       request id (sequence << 8 | slot index).
 * @owner:    the waiting caller (opaque to this code), or NULL when its
 *            caller gave up or it never had one: the slot stays reserved
 *            until the guest answers or the channel resets.
 * @orphaned: caller's clock when @owner became NULL (cpc_hostq_orphan()).
 * @out_cap:  result capacity given to the guest.
 * @out_off:  offset of the result buffer in the data area.
 * @in_use:   the guest owns the request.
 */
struct cpc_hslot_core {
	u64 id;
	void *owner;
	u64 orphaned;
	u32 out_cap;
	u32 out_off;
	bool in_use;
};

/**
 * struct cpc_hostq - the host end's table of requests in flight.
 * @slot:      one per ring entry; each owns @slot_size bytes of the data
 *             area (argument, then result buffer).
 * @entries:   ring entries (the layout's).
 * @inflight:  slots in use (written with cpc_write_once(): lock-free
 *             readers may look at it).
 * @slot_size: bytes of the data area per slot (a multiple of 64).
 * @seq:       sequence of request ids; never reused within a table.
 */
struct cpc_hostq {
	struct cpc_hslot_core slot[CPC_RING_ENTRIES_MAX];
	u32 entries;
	u32 inflight;
	u32 slot_size;
	u64 seq;
};

void cpc_hostq_init(struct cpc_hostq *q, const struct cpc_layout *l);
int cpc_hostq_get(struct cpc_hostq *q, u32 arg_len, u32 *out_cap, void *owner,
		  struct cpc_request *req);
u32 cpc_hostq_index(const struct cpc_hostq *q, u64 id);
enum cpc_bad cpc_hostq_match(const struct cpc_hostq *q,
			     const struct cpc_completion *cpl, u32 *slot);
bool cpc_hostq_release(struct cpc_hostq *q, u32 slot);
void cpc_hostq_orphan(struct cpc_hostq *q, u32 slot, u64 now);
long long cpc_hostq_stuck_left(const struct cpc_hostq *q, u64 now, u64 bound);

/*
 * Throttling a guest that makes the host work far beyond what calls
 * explain: per window, at most CPC_THROTTLE_FREE_DOORBELLS doorbells plus
 * CPC_THROTTLE_DOORBELLS_PER_CALL per call made, and at most
 * CPC_THROTTLE_MAX_RESTARTS new generations. Past that, the guest's
 * doorbells are ignored and the periodic check alone serves the channel
 * until a window stays within bounds.
 */
/** CPC_THROTTLE_WINDOW_MS - length of one throttling window. */
#define CPC_THROTTLE_WINDOW_MS		1000u
/** CPC_THROTTLE_FREE_DOORBELLS - doorbells a window allows without calls. */
#define CPC_THROTTLE_FREE_DOORBELLS	200u
/** CPC_THROTTLE_DOORBELLS_PER_CALL - more doorbells allowed per call made. */
#define CPC_THROTTLE_DOORBELLS_PER_CALL	4u
/** CPC_THROTTLE_MAX_RESTARTS - new generations a window allows. */
#define CPC_THROTTLE_MAX_RESTARTS	10u

/**
 * struct cpc_throttle - the throttle of one channel.
 * @start:    start of the current window (caller's clock).
 * @rings:    the doorbell counter at @start.
 * @calls:    the call counter at @start.
 * @restarts: the restart counter at @start.
 * @on:       the throttle is engaged.
 */
struct cpc_throttle {
	u64 start;
	u64 rings;
	u64 calls;
	u64 restarts;
	bool on;
};

/**
 * struct cpc_throttle_window - what the window that just ended saw (for
 * the log line).
 * @rings:    doorbells.
 * @calls:    calls made.
 * @restarts: new generations.
 */
struct cpc_throttle_window {
	u64 rings;
	u64 calls;
	u64 restarts;
};

void cpc_throttle_init(struct cpc_throttle *t, u64 now);
int cpc_throttle_check(struct cpc_throttle *t, u64 now, u64 window, u64 rings,
		       u64 calls, u64 restarts, struct cpc_throttle_window *w);

#ifdef __cplusplus
}
#endif

#endif /* CPC_PROTO_HOSTQ_H */
