/* SPDX-License-Identifier: GPL-2.0 */
/*
 * channel.h - the guest end of a CPC channel: one per bound ivshmem device,
 * or the loopback channel (loopback.c), or a slice's bus (slice_bus.c).
 *
 * Lock order (cpc_guest): cpc_gchan_lock (the channel list; held by the
 * maintenance thread while it serves channels, and by probe/remove) is the
 * only lock of the channel core. Counters are atomics.
 */
#ifndef CPC_GUEST_CHANNEL_H
#define CPC_GUEST_CHANNEL_H

#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/time64.h>

#include "../proto/cpc_peer.h"
#include "../transport/ivshmem.h"

/** CPC_GUEST_BATCH - most requests one channel serves per round. */
#define CPC_GUEST_BATCH		32
/** CPC_GUEST_BUDGET_NS - most work (ns) a round starts a request after. */
#define CPC_GUEST_BUDGET_NS	(2 * NSEC_PER_MSEC)

struct cpc_gchan;

/**
 * typedef cpc_gchan_ring_fn - ring the host end of a channel.
 * @ch:     the channel (cpc_gchan_lock held).
 * @id:     the doorbell id the host published (untrusted).
 * @vector: the vector the host published (untrusted).
 */
typedef void (*cpc_gchan_ring_fn)(struct cpc_gchan *ch, u32 id, u32 vector);

/**
 * struct cpc_gchan - the guest end of one channel.
 * @node:    entry in the channel list (cpc_gchan_lock).
 * @ring:    the transport's doorbell to the host.
 * @tp:      the transport's object (the ivshmem device), for @ring.
 * @ep:      the protocol end point (private layout, ring views).
 * @kobj:    /sys/kernel/cpc_guest/channels/<name>.
 * @debugfs: its test hooks' directory (test builds only; else NULL).
 * @name:    channel name (the PCI address of the device, or "loopback").
 * @bad:     descriptors rejected, per enum cpc_bad.
 * @broken:  times this end published BROKEN.
 * @bad_features: times the host required a feature this end lacks.
 * @log_rs:  bounds the log lines the host can cause on this channel.
 * @leaving: the channel is being taken away (unload, VM shutdown): a round
 *           serving it stops at the next request.
 * @argbuf:  private copy of the current request's argument buffer.
 */
struct cpc_gchan {
	struct list_head node;
	cpc_gchan_ring_fn ring;
	void *tp;
	struct cpc_endpoint ep;
	struct kobject kobj;
	struct dentry *debugfs;
	char name[32];
	atomic64_t bad[CPC_BAD_COUNT];
	atomic64_t broken;
	atomic64_t bad_features;
	struct ratelimit_state log_rs;
	bool leaving;
	u64 seen_ids[CPC_RING_ENTRIES_MAX];
	u32 seen_n;
	u32 seen_pos;
	u8 argbuf[CPC_ARG_MAX];
};

extern struct mutex cpc_gchan_lock;

struct cpc_gchan *cpc_gchan_create(const char *name, void *region, size_t size,
				   u32 own_id, u32 own_vector, cpc_gchan_ring_fn ring, void *tp);
void cpc_gchan_destroy(struct cpc_gchan *ch);
int cpc_gchan_probe(struct cpc_ivshmem *ivs);
void cpc_gchan_remove(struct cpc_ivshmem *ivs);
void cpc_gchan_shutdown(struct cpc_ivshmem *ivs);
void cpc_gchan_doorbell(struct cpc_ivshmem *ivs, unsigned int vector);
bool cpc_gchan_service_all(bool arm);
bool cpc_gchan_pending_any(void);
int cpc_gchan_sysfs_init(struct kobject *root);
void cpc_gchan_ring_host(struct cpc_gchan *ch);
void cpc_gchan_sysfs_exit(void);

/* loopback.c: the loopback transport's guest side. */
bool cpc_glb_enabled(void);
int cpc_glb_start(struct kobject *root);
void cpc_glb_stop(void);

/* slice_bus.c: the slice-bus transport's guest side. */
bool cpc_gsb_enabled(void);
int cpc_gsb_start(struct kobject *root);
void cpc_gsb_stop(void);

/* vcpu.c: the maintenance vCPU. */
int cpc_vcpu_start(struct kobject *root);
void cpc_vcpu_stop(void);
void cpc_vcpu_release(void);
void cpc_vcpu_kick(void);
int cpc_vcpu_cpu(void);
void cpc_vcpu_count_served(void);

/* registry.c: the procedures and the owner's policy (see proc.h). */
int cpc_policy_init(struct kobject *root);
void cpc_policy_exit(void);

#endif /* CPC_GUEST_CHANNEL_H */
