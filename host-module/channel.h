/* SPDX-License-Identifier: GPL-2.0 */
/*
 * channel.h - the host end of a CPC channel (one per bound ivshmem device,
 * plus the loopback channel); the transport is a small ops struct.
 *
 * Lock order (cpc_host): cpc_slices_mutex, then cpc_hchan_list_lock, then
 * cpc_hchan.lock, then a slice's spinlock (cpc_mediate_send()) or the
 * loopback transport's spinlock.
 * cpc_hchan.lock (a mutex) protects the end point, the rings, the slot
 * table, the attached slice and every call's state; the doorbell interrupt
 * only queues work. sysfs shows and poll() take no lock: they read single
 * values with READ_ONCE() (a show runs before cpc_hchan_destroy() returns,
 * so the region is still mapped) and the slice name under @slice_seq.
 */
#ifndef CPC_HOST_CHANNEL_H
#define CPC_HOST_CHANNEL_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/seqlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/cpc_host.h>

#include "../proto/cpc_peer.h"
#include "../transport/ivshmem.h"

struct io_uring_cmd;
struct cpc_hchan;
struct cpc_slice;
struct cpc_hchan_test;

/**
 * struct cpc_hchan_ops - how a channel reaches its transport.
 * @transport: transport name, in sysfs ("ivshmem", "loopback").
 * @ring:      ring the guest end's doorbell; @id and @vector are what the
 *             guest published (untrusted). Called with the channel lock held.
 * @quiesce:   after the channel is dead: wait until no doorbell handler of
 *             the transport can still use the channel. May be NULL.
 */
struct cpc_hchan_ops {
	const char *transport;
	void (*ring)(struct cpc_hchan *ch, u32 id, u32 vector);
	void (*quiesce)(struct cpc_hchan *ch);
};

/**
 * struct cpc_hfile - one open channel fd.
 * @ch:         the channel (a reference is held).
 * @async_done: asynchronous calls finished whose CQE is not posted yet.
 * @wq:         poll() on this fd: woken when @async_done goes up.
 */
struct cpc_hfile {
	struct cpc_hchan *ch;
	atomic_t async_done;
	wait_queue_head_t wq;
};

/**
 * struct cpc_hcall - one call, private to the host.
 * @ch:       the channel (a reference is held).
 * @hf:       the fd it was made on.
 * @uc:       private copy of the caller's struct cpc_call.
 * @ucall:    user address of that struct (asynchronous calls).
 * @ucmd:     the io_uring command, for asynchronous calls; else NULL.
 * @tmo:      timeout of an asynchronous call.
 * @arg:      private copy of the argument buffer.
 * @out:      private copy of the result, copied out of shared memory.
 * @out_cap:  result capacity granted to the guest.
 * @out_len:  bytes in @out.
 * @ret:      inline results.
 * @status:   the guest's answer as 0 or -errno.
 * @answered: the guest answered (@status, @out, @ret are valid).
 * @err:      final result of the call (0 or -errno).
 * @finished: @err is final; the call is detached from its slot.
 * @done:     completed when @finished is set (synchronous calls: only the
 *            caller is woken).
 * @slot:     index of its slot in the channel.
 */
struct cpc_hcall {
	struct cpc_hchan *ch;
	struct cpc_hfile *hf;
	struct cpc_call uc;
	void __user *ucall;
	struct io_uring_cmd *ucmd;
	struct delayed_work tmo;
	void *arg;
	void *out;
	u32 out_cap;
	u32 out_len;
	u64 ret[2];
	int status;
	bool answered;
	int err;
	bool finished;
	struct completion done;
	u32 slot;
};

/**
 * struct cpc_hslot - one request slot: an id in flight and its part of the
 * data area.
 * @id:       request id (sequence << 8 | slot index).
 * @in_use:   the guest owns the request.
 * @injected: a test hook's raw request (chan_test.c): no caller waits.
 * @call:     the waiting call; NULL when its caller gave up (time-out,
 *            signal): the slot stays reserved until the guest answers or
 *            the channel resets.
 * @out_cap:  result capacity given to the guest.
 * @out_off:  offset of the result buffer in the data area.
 * @orphaned: jiffies when the slot lost its caller (@call became NULL).
 */
struct cpc_hslot {
	u64 id;
	bool in_use;
	bool injected;
	struct cpc_hcall *call;
	u32 out_cap;
	u32 out_off;
	unsigned long orphaned;
};

/* Channel counters, in sysfs by these names. */
enum {
	CPC_HC_CALLS,
	CPC_HC_COMPLETED,
	CPC_HC_ERRORS,
	CPC_HC_TIMEOUTS,
	CPC_HC_BROKEN,
	CPC_HC_RESETS,
	CPC_HC_LATE,
	CPC_HC_NUDGES,
	CPC_HC_BAD_FEATURES,
	CPC_HC_DOORBELLS,
	CPC_HC_IGNORED,
	CPC_HC_THROTTLES,
	CPC_HC_ADMIN_RESETS,
	CPC_HC_STUCK_RESETS,
	CPC_HC_NR,
};

/**
 * struct cpc_hchan - the host end of one channel.
 * @kobj:      /sys/kernel/cpc_host/channels/<name>; also the refcount.
 * @node:      entry in the channel list.
 * @ops:       the transport.
 * @tp:        the transport's object (ivshmem device; valid while !@dead).
 * @own_id:    the host's doorbell id on the transport.
 * @slice:     the slice whose IPI mask governs the doorbells, or NULL.
 * @slice_name: its name ("" when none), for sysfs; written under @lock
 *             inside @slice_seq.
 * @slice_seq: lets sysfs read @slice_name without @lock.
 * @name:      channel name: "ivshmem-" + PCI address, or "loopback".
 * @lock:      see the lock order above.
 * @ep:        protocol end point.
 * @dead:      the device was removed; nothing touches shared memory.
 * @work:      serves the channel after a doorbell.
 * @poll:      periodic handshake and liveness check (doorbells are hints).
 * @stuck:     resets the channel when every slot was orphaned for longer
 *             than the module parameter stuck_reset_ms.
 * @wq:        poll() on any fd of the channel: woken when the state changes
 *             or a full ring gets a free slot.
 * @slots:     the request slots, one per ring entry.
 * @inflight:  slots in use.
 * @seq:       sequence for request ids.
 * @slot_size: bytes of the data area per slot.
 * @test:      the test hooks' state (test builds only; else NULL).
 * @throttled: the guest made the host work far beyond what calls explain:
 *             its doorbells are ignored, the periodic check serves it.
 * @win_start: start of the current throttling window (jiffies).
 * @win_doorbells: CPC_HC_DOORBELLS at @win_start.
 * @win_calls: CPC_HC_CALLS at @win_start.
 * @win_restarts: CPC_HC_RESETS at @win_start.
 * @log_rs:    bounds the log lines the guest can cause on this channel.
 * @cnt:       counters (CPC_HC_*).
 * @bad:       completions rejected, per enum cpc_bad.
 */
struct cpc_hchan {
	struct kobject kobj;
	struct list_head node;
	const struct cpc_hchan_ops *ops;
	void *tp;
	u32 own_id;
	struct cpc_slice *slice;
	char slice_name[CPC_SLICE_NAME_MAX];
	seqcount_mutex_t slice_seq;
	char name[CPC_CHANNEL_NAME_MAX];
	/* End point, rings, slots and call states (see the lock order). */
	struct mutex lock;
	struct cpc_endpoint ep;
	bool dead;
	struct work_struct work;
	struct delayed_work poll;
	struct delayed_work stuck;
	wait_queue_head_t wq;
	struct cpc_hslot slots[CPC_RING_ENTRIES_MAX];
	u32 inflight;
	u64 seq;
	u32 slot_size;
	struct cpc_hchan_test *test;
	atomic_t throttled;
	unsigned long win_start;
	u64 win_doorbells;
	u64 win_calls;
	u64 win_restarts;
	struct ratelimit_state log_rs;
	atomic64_t cnt[CPC_HC_NR];
	atomic64_t bad[CPC_BAD_COUNT];
};

struct cpc_hchan *cpc_hchan_create(const char *name, void *region, size_t size,
				   u32 own_id, const struct cpc_hchan_ops *ops,
				   void *tp);
void cpc_hchan_destroy(struct cpc_hchan *ch);
void cpc_hchan_kick(struct cpc_hchan *ch);
int cpc_hchan_attach_slice(struct cpc_hchan *ch, struct cpc_slice *s);
int cpc_hchan_detach_slice(struct cpc_hchan *ch, struct cpc_slice *s);
void cpc_hchan_slice_gone(struct cpc_slice *s);
int cpc_hchan_probe(struct cpc_ivshmem *ivs);
void cpc_hchan_remove(struct cpc_ivshmem *ivs);
void cpc_hchan_doorbell(struct cpc_ivshmem *ivs, unsigned int vector);
int cpc_hchan_init(struct kobject *root);
void cpc_hchan_exit(void);
struct cpc_hchan *cpc_hchan_get(const char *name);
void cpc_hchan_put(struct cpc_hchan *ch);

int cpc_hchan_slot_get(struct cpc_hchan *ch, u32 arg_len, u32 *out_cap,
		       struct cpc_request *req);
int cpc_hchan_post(struct cpc_hchan *ch, const struct cpc_request *req, bool mediated);
void cpc_hchan_orphan(struct cpc_hchan *ch, struct cpc_hslot *s);
int cpc_chan_ring_guest(struct cpc_hchan *ch);
int cpc_hchan_submit(struct cpc_hchan *ch, struct cpc_hcall *call,
		     unsigned long timeout, bool nowait);
void cpc_hchan_give_up(struct cpc_hchan *ch, struct cpc_hcall *call, int err);
bool cpc_hchan_writable(struct cpc_hchan *ch);
int cpc_hchan_reset(struct cpc_hchan *ch, u32 *generation, u32 *inflight);

/* chan_attach.c */
long cpc_host_channel_attach(unsigned int cmd, void __user *argp);

/* loopback.c */
int cpc_loopback_init(void);
void cpc_loopback_exit(void);

/* call.c */
long cpc_host_channel_open(void __user *argp);
void cpc_hcall_finished(struct cpc_hcall *call);

#endif /* CPC_HOST_CHANNEL_H */
