// SPDX-License-Identifier: GPL-2.0
/*
 * channel.c - the host end of a CPC channel over a transport (an ivshmem
 * device, or the loopback region: struct cpc_hchan_ops).
 *
 * At probe the host lays out the region (cpc_ep_host_reset()) and goes
 * READY; a delayed work polls the handshake while the guest is not up and,
 * once in RUN, checks every second that the guest is still there (interrupts
 * are only hints). A guest that leaves, resets or publishes BROKEN fails
 * every call in flight with ECONNRESET and the host starts a new generation.
 *
 * Requests carry ids (sequence << 8 | slot); each slot owns a fixed part of
 * the data area for the argument and the result buffer. A completion is
 * copied out of the ring, its id looked up in the private slot table, its
 * status and length checked (cpc_cpl_check()) against the private slot, and
 * only then is the result copied out of shared memory into private memory.
 * Any violation moves the channel to BROKEN (counted, logged within the
 * channel's log budget).
 *
 * A guest that never answers must not hold a channel for good: slots of
 * calls whose callers gave up stay reserved until the guest answers, so a
 * silent guest drives every new call to EBUSY. The host gets out with
 * cpc_hchan_restart() - the same new generation a guest's reset gets - on
 * CPC_IOCTL_CHANNEL_RESET (root), or by itself when every slot has been
 * held by a given-up call for stuck_reset_ms (module parameter, 10 s).
 *
 * A channel may be attached to a slice (chan_attach.c): then every doorbell
 * the host sends on it is checked by cpc_mediate_send(slice,
 * CPC_MEDIATE_MANAGER) - the peer end is the slice's side of a
 * manager<->slice bus, so the slice's "manager" IPI permission governs it.
 * A call is mediated once, before its request is posted: refused, it fails
 * with EPERM and nothing reaches shared memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "channel.h"
#include "../transport/sysfs.h"
#include "test_hooks.h"
#include "../transport/peer_log.h"
#include "mediation.h"
#include "slice.h"

static DEFINE_MUTEX(cpc_hchan_list_lock);
static LIST_HEAD(cpc_hchans);
static struct kobject *cpc_hchan_dir;

#define CPC_HCHAN_POLL_DOWN	(HZ / 10)
#define CPC_HCHAN_POLL_UP	HZ

/*
 * Throttling a guest that makes the host work far beyond what calls
 * explain: per window of CPC_HCHAN_WINDOW, at most
 * CPC_HCHAN_FREE_DOORBELLS doorbells plus CPC_HCHAN_DOORBELLS_PER_CALL per
 * call made, and at most CPC_HCHAN_MAX_RESTARTS new generations. Past
 * that, the guest's doorbells are ignored (counted) and the channel is
 * served by the periodic check alone (10 times a second) until a window
 * stays within bounds.
 */
#define CPC_HCHAN_WINDOW		HZ
#define CPC_HCHAN_FREE_DOORBELLS	200
#define CPC_HCHAN_DOORBELLS_PER_CALL	4
#define CPC_HCHAN_MAX_RESTARTS		10

/* Every log line a guest can cause: within the channel's budget. */
#define cpc_hchan_log(ch, pr, fmt, ...)					\
	do {								\
		struct cpc_hchan *__ch = (ch);				\
									\
		cpc_peer_log(&__ch->log_rs, __ch->name, pr, fmt, ##__VA_ARGS__); \
	} while (0)
static unsigned int stuck_reset_ms = 10000;
module_param(stuck_reset_ms, uint, 0644);
MODULE_PARM_DESC(stuck_reset_ms,
		 "reset a channel once every request slot has been held this long (ms) by a call whose caller gave up; 0: never (default 10000)");

/*
 * Brings the periodic check to within CPC_HCHAN_POLL_DOWN; never postpones
 * one due sooner - a guest that makes the channel restart again and again
 * must not keep the check (and its throttling window) from ever running.
 * Lock held.
 */
static void cpc_hchan_poll_soon(struct cpc_hchan *ch)
{
	if (!delayed_work_pending(&ch->poll) ||
	    time_after(ch->poll.timer.expires, jiffies + CPC_HCHAN_POLL_DOWN))
		mod_delayed_work(system_wq, &ch->poll, CPC_HCHAN_POLL_DOWN);
}

static void cpc_hchan_count(struct cpc_hchan *ch, int what)
{
	atomic64_inc(&ch->cnt[what]);
}

/* May the host send a doorbell on @ch now? Lock held. 0 or -EPERM. */
static int cpc_chan_mediate(struct cpc_hchan *ch)
{
	if (!ch->slice)
		return 0;
	return cpc_mediate_send(ch->slice, CPC_MEDIATE_MANAGER);
}

/* Rings a doorbell that already passed cpc_chan_mediate(); lock held. */
static void cpc_chan_ring_mediated(struct cpc_hchan *ch)
{
	struct cpc_doorbell db[2];
	unsigned int i, n = cpc_ep_peer_doorbells(&ch->ep, db);

	for (i = 0; i < n; i++)
		ch->ops->ring(ch, db[i].id, db[i].vector);
}

/**
 * cpc_chan_ring_guest() - ring the guest end's doorbell.
 * @ch: the channel (lock held, not dead).
 *
 * Every doorbell the host sends to a guest goes through this one function
 * (or, for a call's request, through cpc_chan_mediate() first), so that a
 * slice's IPI mask governs them (mediation).
 *
 * Return: 0, or -EPERM when the attached slice's IPI mask refused it.
 */
int cpc_chan_ring_guest(struct cpc_hchan *ch)
{
	int ret = cpc_chan_mediate(ch);

	if (!ret)
		cpc_chan_ring_mediated(ch);
	return ret;
}

static u32 cpc_hchan_guest_state(struct cpc_hchan *ch)
{
	return cpc_ep_peer_state(&ch->ep);
}

/* Finishes a call detached from its slot and wakes its caller; lock held. */
static void cpc_hchan_finish(struct cpc_hchan *ch, struct cpc_hcall *call, int err)
{
	call->err = err;
	call->finished = true;
	if (call->ucmd)
		cpc_hcall_finished(call);
	else
		complete(&call->done);
}

static void cpc_hchan_release_slot(struct cpc_hchan *ch, struct cpc_hslot *s)
{
	bool was_full = ch->inflight == ch->ep.layout.ring_entries;

	s->in_use = false;
	s->injected = false;
	s->call = NULL;
	WRITE_ONCE(ch->inflight, ch->inflight - 1);
	/* Only a full ring getting room changes what poll() says. */
	if (was_full)
		wake_up_poll(&ch->wq, EPOLLOUT | EPOLLWRNORM);
}

/* Fails every call in flight and frees every slot; lock held. */
static void cpc_hchan_fail_all(struct cpc_hchan *ch, int err)
{
	struct cpc_hslot *s;
	u32 i;

	for (i = 0; i < ch->ep.layout.ring_entries; i++) {
		s = &ch->slots[i];
		if (!s->in_use)
			continue;
		if (s->call)
			cpc_hchan_finish(ch, s->call, err);
		cpc_hchan_release_slot(ch, s);
	}
}

/**
 * cpc_hchan_restart() - fail everything in flight and start a new
 * generation.
 * @ch:  the channel (lock held, not dead).
 * @err: what the calls in flight get (-ECONNRESET).
 * @why: the counter to bump: CPC_HC_RESETS (the guest reset or left),
 *       CPC_HC_ADMIN_RESETS (CPC_IOCTL_CHANNEL_RESET) or
 *       CPC_HC_STUCK_RESETS (every slot orphaned too long).
 *
 * Every slot is freed, also those of calls whose callers gave up; the host
 * lays the region out again (cpc_ep_host_reset(): header, empty rings,
 * generation + 1, READY), rings the guest and polls the handshake until
 * the guest rejoins. An answer of the old generation can no longer land.
 */
static void cpc_hchan_restart(struct cpc_hchan *ch, int err, int why)
{
	cpc_hchan_fail_all(ch, err);
	cpc_hchan_count(ch, why);
	cpc_ep_host_reset(&ch->ep);
	cpc_chan_ring_guest(ch);
	wake_up_all(&ch->wq);
	cpc_hchan_poll_soon(ch);
}

/*
 * Jiffies until every slot will have been orphaned (held for a caller that
 * gave up, or injected) for @bound: 0 when that is now, -1 when a slot is
 * free or has a caller. Lock held.
 */
static long cpc_hchan_stuck_left(struct cpc_hchan *ch, unsigned long bound)
{
	u32 i, n = ch->ep.layout.ring_entries;
	unsigned long newest = jiffies - bound;
	struct cpc_hslot *s;

	if (ch->dead || ch->inflight < n)
		return -1;
	for (i = 0; i < n; i++) {
		s = &ch->slots[i];
		if (!s->in_use || s->call)
			return -1;
		if (time_after(s->orphaned, newest))
			newest = s->orphaned;
	}
	return time_after(newest + bound, jiffies) ? newest + bound - jiffies : 0;
}

static void cpc_hchan_stuck_work(struct work_struct *work)
{
	struct cpc_hchan *ch = container_of(to_delayed_work(work),
					    struct cpc_hchan, stuck);
	unsigned int ms = READ_ONCE(stuck_reset_ms);
	long left;

	if (!ms)
		return;
	mutex_lock(&ch->lock);
	left = cpc_hchan_stuck_left(ch, msecs_to_jiffies(ms));
	if (!left) {
		cpc_hchan_log(ch, pr_warn,
			      "every request slot held for %u ms by calls given up; resetting the channel\n",
			      ms);
		cpc_hchan_restart(ch, -ECONNRESET, CPC_HC_STUCK_RESETS);
	} else if (left > 0) {
		schedule_delayed_work(&ch->stuck, left);
	}
	mutex_unlock(&ch->lock);
}

/* Slot @s has no caller any more; lock held. Arms the stuck check. */
void cpc_hchan_orphan(struct cpc_hchan *ch, struct cpc_hslot *s)
{
	unsigned int ms = READ_ONCE(stuck_reset_ms);

	s->call = NULL;
	s->orphaned = jiffies;
	if (ms && cpc_hchan_stuck_left(ch, msecs_to_jiffies(ms)) >= 0)
		schedule_delayed_work(&ch->stuck, msecs_to_jiffies(ms));
}

/* The guest broke the protocol: count, fail everything, go BROKEN. */
static void cpc_hchan_break(struct cpc_hchan *ch, enum cpc_bad why, u64 id)
{
	atomic64_inc(&ch->bad[why]);
	cpc_hchan_count(ch, CPC_HC_BROKEN);
	cpc_hchan_log(ch, pr_warn,
		      "guest broke the protocol (bad %s, id %llu); resetting the channel\n",
		       cpc_bad_name(why), id);
	cpc_hchan_fail_all(ch, -ECONNRESET);
	/* BROKEN until the next periodic check starts a new generation. */
	cpc_ep_publish(&ch->ep, CPC_STATE_BROKEN);
	cpc_chan_ring_guest(ch);
	cpc_hchan_poll_soon(ch);
}

/* Handles one completion copied out of the ring; false if it broke. */
static bool cpc_hchan_complete(struct cpc_hchan *ch, const struct cpc_completion *cpl)
{
	u32 idx = (u32)cpl->id & (ch->ep.layout.ring_entries - 1);
	struct cpc_hslot *s = &ch->slots[idx];
	struct cpc_hcall *call;
	enum cpc_bad why;

	if (!s->in_use || s->id != cpl->id) {
		cpc_hchan_break(ch, CPC_BAD_ID, cpl->id);
		return false;
	}
	why = cpc_cpl_check(cpl, s->out_cap);
	if (why != CPC_BAD_NONE) {
		if (s->call) {
			call = s->call;
			s->call = NULL;
			cpc_hchan_finish(ch, call, -EPROTO);
		}
		cpc_hchan_break(ch, why, cpl->id);
		return false;
	}
	cpc_hchan_count(ch, CPC_HC_COMPLETED);
	cpc_ep_peer_answered(&ch->ep);
	if (cpl->status != CPC_ST_OK)
		cpc_hchan_count(ch, CPC_HC_ERRORS);
	call = s->call;
	if (call) {
		/* Validated length, private destination: one copy. */
		if (cpl->out_len)
			memcpy(call->out, cpc_ep_data(&ch->ep, s->out_off), cpl->out_len);
		call->out_len = cpl->out_len;
		call->ret[0] = cpl->ret[0];
		call->ret[1] = cpl->ret[1];
		call->status = cpc_status_to_errno(cpl->status);
		call->answered = true;
		cpc_hchan_finish(ch, call, call->status);
	} else if (s->injected) {
		cpc_test_chan_answered(ch, cpl);
	} else {
		cpc_hchan_count(ch, CPC_HC_LATE);
	}
	cpc_hchan_release_slot(ch, s);
	return true;
}

static void cpc_hchan_reap(struct cpc_hchan *ch)
{
	struct cpc_completion cpl;
	struct cpc_cpl wire;
	int ret;

	for (;;) {
		while ((ret = cpc_ring_pop(&ch->ep.cpl, &wire)) == 0) {
			cpc_cpl_decode(&cpl, &wire);
			if (!cpc_hchan_complete(ch, &cpl))
				return;
		}
		if (ret != -EAGAIN) {
			cpc_hchan_break(ch, CPC_BAD_INDEX, 0);
			return;
		}
		if (!cpc_ring_arm(&ch->ep.cpl))
			return;
	}
}

/*
 * Handshake, liveness and completions; lock held. From the periodic check
 * (@from_poll) also nudge the guest when it has not acknowledged the
 * host's state or leaves requests unconsumed: doorbells are hints, and a
 * lost or refused one must never strand the channel.
 */
static void cpc_hchan_service(struct cpc_hchan *ch, bool from_poll)
{
	switch (cpc_ep_step(&ch->ep)) {
	case CPC_EP_UP:
		cpc_hchan_log(ch, pr_info, "channel up (generation %u)\n",
			      ch->ep.generation);
		cpc_chan_ring_guest(ch);
		wake_up_all(&ch->wq);
		break;
	case CPC_EP_DOWN:
		cpc_hchan_log(ch, pr_info,
			      "guest end left, reset or broke the channel, or the region changed under the host; starting over\n");
		cpc_hchan_restart(ch, -ECONNRESET, CPC_HC_RESETS);
		break;
	case CPC_EP_CHANGED:
		cpc_chan_ring_guest(ch);
		break;
	case CPC_EP_INCOMPATIBLE:
		cpc_hchan_count(ch, CPC_HC_BAD_FEATURES);
		cpc_hchan_log(ch, pr_warn,
			      "guest requires protocol features %#x this host does not know; not running with it\n",
			      cpc_ep_peer_features(&ch->ep) & CPC_FEATURES_REQUIRED &
			      ~CPC_FEATURES_KNOWN);
		break;
	case CPC_EP_NONE:
		break;
	}
	if (cpc_ep_running(&ch->ep))
		cpc_hchan_reap(ch);
	if (from_poll && cpc_ep_poll_nudge(&ch->ep)) {
		cpc_hchan_count(ch, CPC_HC_NUDGES);
		cpc_chan_ring_guest(ch);
	}
}

/* Ends a throttling window: engage or release the throttle. Lock held. */
static void cpc_hchan_throttle_check(struct cpc_hchan *ch)
{
	u64 rings = atomic64_read(&ch->cnt[CPC_HC_DOORBELLS]);
	u64 calls = atomic64_read(&ch->cnt[CPC_HC_CALLS]);
	u64 restarts = atomic64_read(&ch->cnt[CPC_HC_RESETS]);
	u64 d_rings = rings - ch->win_doorbells, d_calls = calls - ch->win_calls;
	u64 d_restarts = restarts - ch->win_restarts;
	bool over;

	if (time_before(jiffies, ch->win_start + CPC_HCHAN_WINDOW))
		return;
	over = d_rings > CPC_HCHAN_FREE_DOORBELLS +
			 CPC_HCHAN_DOORBELLS_PER_CALL * d_calls ||
	       d_restarts > CPC_HCHAN_MAX_RESTARTS;
	if (over && !atomic_read(&ch->throttled)) {
		atomic_set(&ch->throttled, 1);
		cpc_hchan_count(ch, CPC_HC_THROTTLES);
		cpc_hchan_log(ch, pr_warn,
			      "guest rang %llu times and the channel restarted %llu times in a second, for %llu calls: serving it from the periodic check only\n",
			      d_rings, d_restarts, d_calls);
	} else if (!over && atomic_read(&ch->throttled)) {
		atomic_set(&ch->throttled, 0);
		cpc_hchan_log(ch, pr_info, "guest calmed down; doorbells served again\n");
	}
	ch->win_start = jiffies;
	ch->win_doorbells = rings;
	ch->win_calls = calls;
	ch->win_restarts = restarts;
}

static void cpc_hchan_work(struct work_struct *work)
{
	struct cpc_hchan *ch = container_of(work, struct cpc_hchan, work);

	mutex_lock(&ch->lock);
	if (!ch->dead)
		cpc_hchan_service(ch, false);
	mutex_unlock(&ch->lock);
}

/*
 * The periodic check: every CPC_HCHAN_POLL_DOWN while the channel is not
 * up or has requests in flight, every CPC_HCHAN_POLL_UP on an idle channel
 * in RUN (a guest that left without a word is noticed; the guest is never
 * rung).
 */
static void cpc_hchan_poll(struct work_struct *work)
{
	struct cpc_hchan *ch = container_of(to_delayed_work(work),
					    struct cpc_hchan, poll);

	mutex_lock(&ch->lock);
	if (!ch->dead) {
		cpc_hchan_service(ch, true);
		cpc_hchan_throttle_check(ch);
		schedule_delayed_work(&ch->poll,
				      cpc_ep_running(&ch->ep) && !ch->inflight &&
				      !atomic_read(&ch->throttled) ?
				      CPC_HCHAN_POLL_UP : CPC_HCHAN_POLL_DOWN);
	}
	mutex_unlock(&ch->lock);
}

/**
 * cpc_hchan_kick() - a doorbell from the guest: serve the channel soon.
 * @ch: the channel.
 *
 * Context: any context.
 */
void cpc_hchan_kick(struct cpc_hchan *ch)
{
	cpc_hchan_count(ch, CPC_HC_DOORBELLS);
	if (atomic_read(&ch->throttled)) {
		cpc_hchan_count(ch, CPC_HC_IGNORED);
		return;
	}
	queue_work(system_wq, &ch->work);
}

/**
 * cpc_hchan_doorbell() - an ivshmem doorbell from the guest.
 * @ivs:    the device.
 * @vector: the vector that fired.
 *
 * Context: hard interrupt.
 */
void cpc_hchan_doorbell(struct cpc_ivshmem *ivs, unsigned int vector)
{
	struct cpc_hchan *ch = READ_ONCE(ivs->priv);

	if (ch)
		cpc_hchan_kick(ch);
}

/**
 * cpc_hchan_writable() - could a call be submitted now (for poll())?
 * @ch: the channel.
 *
 * Context: any; takes no lock (a snapshot).
 * Return: true when the channel is in RUN with a free slot.
 */
bool cpc_hchan_writable(struct cpc_hchan *ch)
{
	return !READ_ONCE(ch->dead) && READ_ONCE(ch->ep.state) == CPC_STATE_RUN &&
	       READ_ONCE(ch->inflight) < ch->ep.layout.ring_entries;
}

/**
 * cpc_hchan_reset() - CPC_IOCTL_CHANNEL_RESET: fail every call in flight
 * with ECONNRESET, drop the slots of calls given up, start a new generation
 * (cpc_hchan_restart()).
 * @ch:         the channel.
 * @generation: (out) the host end's new generation.
 * @inflight:   (out) requests that were in flight.
 *
 * Context: process context; takes the channel lock.
 * Return: 0, or -ENODEV when the channel's device is gone.
 */
int cpc_hchan_reset(struct cpc_hchan *ch, u32 *generation, u32 *inflight)
{
	mutex_lock(&ch->lock);
	if (ch->dead) {
		mutex_unlock(&ch->lock);
		return -ENODEV;
	}
	*inflight = ch->inflight;
	pr_info_ratelimited("%s: reset by %s[%d], %u requests in flight\n", ch->name,
			    current->comm, task_pid_nr(current), ch->inflight);
	cpc_hchan_restart(ch, -ECONNRESET, CPC_HC_ADMIN_RESETS);
	*generation = ch->ep.generation;
	mutex_unlock(&ch->lock);
	return 0;
}

/* Takes a free slot and fills its request; lock held. */
int cpc_hchan_slot_get(struct cpc_hchan *ch, u32 arg_len, u32 *out_cap,
		       struct cpc_request *req)
{
	u32 i, n = ch->ep.layout.ring_entries, arg_room = ALIGN(arg_len, 64);
	struct cpc_hslot *s;
	u32 base;

	if (arg_room > ch->slot_size)
		return -E2BIG;
	if (ch->inflight >= n)
		return -EBUSY;
	for (i = 0; i < n; i++)
		if (!ch->slots[(u32)(ch->seq + i) & (n - 1)].in_use)
			break;
	if (i == n)
		return -EBUSY;
	i = (u32)(ch->seq + i) & (n - 1);
	s = &ch->slots[i];
	ch->seq++;
	base = i * ch->slot_size;
	memset(req, 0, sizeof(*req));
	req->id = (ch->seq << 8) | i;
	req->arg_off = arg_len ? base : 0;
	req->arg_len = arg_len;
	*out_cap = min(*out_cap, ch->slot_size - arg_room);
	req->out_off = *out_cap ? base + arg_room : 0;
	req->out_len = *out_cap;
	s->id = req->id;
	s->in_use = true;
	s->injected = false;
	s->call = NULL;
	s->out_cap = *out_cap;
	s->out_off = req->out_off;
	WRITE_ONCE(ch->inflight, ch->inflight + 1);
	return 0;
}

/*
 * Publishes a request; lock held. @mediated: the caller already passed
 * cpc_chan_mediate() for this request's doorbell. Returns 0 or -ECONNRESET.
 */
int cpc_hchan_post(struct cpc_hchan *ch, const struct cpc_request *req,
		   bool mediated)
{
	struct cpc_req wire;
	int ret;

	cpc_req_encode(&wire, req);
	ret = cpc_ep_post(&ch->ep, &wire);
	if (ret < 0) {
		/* More requests in the ring than in flight: the guest lied. */
		cpc_hchan_break(ch, CPC_BAD_INDEX, req->id);
		return -ECONNRESET;
	}
	/*
	 * A lost doorbell is found by the periodic check: bring it to within
	 * CPC_HCHAN_POLL_DOWN (an idle channel checks once a second).
	 */
	cpc_hchan_poll_soon(ch);
	if (ret) {
		if (mediated)
			cpc_chan_ring_mediated(ch);
		else
			cpc_chan_ring_guest(ch);
	}
	return 0;
}

/**
 * cpc_hchan_submit() - post a call's request.
 * @ch:      the channel.
 * @call:    the call, with @uc, @arg and @out_cap (the caller's capacity,
 *           lowered here to what the slot grants) filled in.
 * @timeout: jiffies until an asynchronous call times out (ignored for
 *           synchronous calls, whose caller waits itself).
 * @nowait:  do not sleep on the channel lock (io_uring's inline issue).
 *
 * Return: 0, -ENODEV, -ENOTCONN, -EBUSY, -E2BIG, -ECONNRESET, -EPERM when
 * the attached slice's IPI mask refuses the doorbell, or -EAGAIN when
 * @nowait and the lock is busy (nothing was done).
 */
int cpc_hchan_submit(struct cpc_hchan *ch, struct cpc_hcall *call,
		     unsigned long timeout, bool nowait)
{
	struct cpc_request req;
	int ret;

	if (!nowait)
		mutex_lock(&ch->lock);
	else if (!mutex_trylock(&ch->lock))
		return -EAGAIN;
	if (ch->dead) {
		ret = -ENODEV;
		goto out;
	}
	if (!cpc_ep_running(&ch->ep)) {
		ret = -ENOTCONN;
		goto out;
	}
	if (ch->inflight >= ch->ep.layout.ring_entries) {
		ret = -EBUSY;
		goto out;
	}
	/* Mediation before any side effect: refused, nothing is posted. */
	ret = cpc_chan_mediate(ch);
	if (ret)
		goto out;
	ret = cpc_hchan_slot_get(ch, call->uc.arg_len, &call->out_cap, &req);
	if (ret)
		goto out;
	req.opcode = call->uc.proc;
	req.deadline_ms = call->uc.timeout_ms;
	memcpy(req.args, call->uc.args, sizeof(req.args));
	if (req.arg_len)
		memcpy(cpc_ep_data(&ch->ep, req.arg_off), call->arg, req.arg_len);
	call->slot = (u32)req.id & (ch->ep.layout.ring_entries - 1);
	ch->slots[call->slot].call = call;
	if (call->ucmd)
		schedule_delayed_work(&call->tmo, timeout);
	cpc_hchan_count(ch, CPC_HC_CALLS);
	ret = cpc_hchan_post(ch, &req, true);
	/* On -ECONNRESET the break already finished the call. */
	if (ret)
		ret = 0;
out:
	mutex_unlock(&ch->lock);
	return ret;
}

/**
 * cpc_hchan_give_up() - the caller stops waiting (time-out or signal); the
 * slot stays reserved until the guest answers or the channel resets (by
 * itself once every slot is orphaned for stuck_reset_ms).
 * @ch:   the channel.
 * @call: the call.
 * @err:  -ETIMEDOUT or -EINTR.
 */
void cpc_hchan_give_up(struct cpc_hchan *ch, struct cpc_hcall *call, int err)
{
	mutex_lock(&ch->lock);
	if (!call->finished) {
		if (ch->slots[call->slot].call == call)
			cpc_hchan_orphan(ch, &ch->slots[call->slot]);
		if (err == -ETIMEDOUT)
			cpc_hchan_count(ch, CPC_HC_TIMEOUTS);
		cpc_hchan_finish(ch, call, err);
	}
	mutex_unlock(&ch->lock);
}

/* Sets the attached slice and the name sysfs shows; lock held. */
static void cpc_hchan_set_slice(struct cpc_hchan *ch, struct cpc_slice *s)
{
	ch->slice = s;
	write_seqcount_begin(&ch->slice_seq);
	strscpy(ch->slice_name, s ? s->name : "", sizeof(ch->slice_name));
	write_seqcount_end(&ch->slice_seq);
}

/* ---- sysfs: /sys/kernel/cpc_host/channels/<name>/ ---- */

static struct cpc_hchan *to_hchan(struct kobject *kobj)
{
	return container_of(kobj, struct cpc_hchan, kobj);
}

/*
 * The shows below take no lock (any user may read them): single values
 * with READ_ONCE(); the guest's state straight from the region, which
 * cpc_hchan_destroy() keeps mapped until every show has returned
 * (kobject_del() drains them); the slice name under a seqcount.
 */

/* "ready" when the guest end is up (RUN), else what the host waits for. */
static const char *cpc_hchan_state(struct cpc_hchan *ch)
{
	if (READ_ONCE(ch->dead))
		return "removed";
	switch (READ_ONCE(ch->ep.state)) {
	case CPC_STATE_RUN:
		return "ready";
	case CPC_STATE_BROKEN:
		return "broken";
	default:
		return "waiting";
	}
}

static ssize_t state_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_hchan *ch = to_hchan(kobj);

	return sysfs_emit(buf, "%s\n", cpc_hchan_state(ch));
}

static ssize_t peer_state_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_hchan *ch = to_hchan(kobj);

	return sysfs_emit(buf, "%s\n", READ_ONCE(ch->dead) ? "reset" :
			  cpc_state_name(cpc_hchan_guest_state(ch)));
}

static ssize_t transport_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_hchan *ch = to_hchan(kobj);

	return sysfs_emit(buf, "%s\n", ch->ops->transport);
}

/* The attached slice's name, or an empty line. */
static ssize_t slice_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_hchan *ch = to_hchan(kobj);

	char name[CPC_SLICE_NAME_MAX];
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&ch->slice_seq);
		memcpy(name, ch->slice_name, sizeof(name));
	} while (read_seqcount_retry(&ch->slice_seq, seq));
	name[sizeof(name) - 1] = '\0';
	return sysfs_emit(buf, "%s\n", name);
}

static ssize_t generation_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_hchan *ch = to_hchan(kobj);

	return sysfs_emit(buf, "%u\n", READ_ONCE(ch->ep.generation));
}

static ssize_t inflight_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_hchan *ch = to_hchan(kobj);

	return sysfs_emit(buf, "%u\n", READ_ONCE(ch->inflight));
}

static ssize_t max_out_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_hchan *ch = to_hchan(kobj);

	return sysfs_emit(buf, "%u\n", ch->slot_size);
}

static ssize_t cnt_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_hchan *ch = to_hchan(kobj);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&ch->cnt[arg]));
}

static ssize_t throttled_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_hchan *ch = to_hchan(kobj);

	return sysfs_emit(buf, "%d\n", atomic_read(&ch->throttled));
}

static ssize_t bad_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_hchan *ch = to_hchan(kobj);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&ch->bad[arg]));
}

#define CPC_HCHAN_ATTR(_name, _show, _arg) CPC_ATTR(cpc_hchan_attr, _name, _show, _arg)

CPC_HCHAN_ATTR(state, state_show, 0);
CPC_HCHAN_ATTR(peer_state, peer_state_show, 0);
CPC_HCHAN_ATTR(transport, transport_show, 0);
CPC_HCHAN_ATTR(slice, slice_show, 0);
CPC_HCHAN_ATTR(generation, generation_show, 0);
CPC_HCHAN_ATTR(inflight, inflight_show, 0);
CPC_HCHAN_ATTR(max_out, max_out_show, 0);
CPC_HCHAN_ATTR(calls, cnt_show, CPC_HC_CALLS);
CPC_HCHAN_ATTR(completed, cnt_show, CPC_HC_COMPLETED);
CPC_HCHAN_ATTR(errors, cnt_show, CPC_HC_ERRORS);
CPC_HCHAN_ATTR(timeouts, cnt_show, CPC_HC_TIMEOUTS);
CPC_HCHAN_ATTR(broken, cnt_show, CPC_HC_BROKEN);
CPC_HCHAN_ATTR(resets, cnt_show, CPC_HC_RESETS);
CPC_HCHAN_ATTR(late, cnt_show, CPC_HC_LATE);
CPC_HCHAN_ATTR(nudges, cnt_show, CPC_HC_NUDGES);
CPC_HCHAN_ATTR(bad_features, cnt_show, CPC_HC_BAD_FEATURES);
CPC_HCHAN_ATTR(doorbells, cnt_show, CPC_HC_DOORBELLS);
CPC_HCHAN_ATTR(doorbells_ignored, cnt_show, CPC_HC_IGNORED);
CPC_HCHAN_ATTR(throttles, cnt_show, CPC_HC_THROTTLES);
CPC_HCHAN_ATTR(throttled, throttled_show, 0);
CPC_HCHAN_ATTR(admin_resets, cnt_show, CPC_HC_ADMIN_RESETS);
CPC_HCHAN_ATTR(stuck_resets, cnt_show, CPC_HC_STUCK_RESETS);
CPC_HCHAN_ATTR(bad_id, bad_show, CPC_BAD_ID);
CPC_HCHAN_ATTR(bad_status, bad_show, CPC_BAD_STATUS);
CPC_HCHAN_ATTR(bad_out_len, bad_show, CPC_BAD_LEN);
CPC_HCHAN_ATTR(bad_index, bad_show, CPC_BAD_INDEX);

static struct attribute *cpc_hchan_attrs[] = {
	&cpc_hchan_attr_state.attr,
	&cpc_hchan_attr_peer_state.attr,
	&cpc_hchan_attr_transport.attr,
	&cpc_hchan_attr_slice.attr,
	&cpc_hchan_attr_generation.attr,
	&cpc_hchan_attr_inflight.attr,
	&cpc_hchan_attr_max_out.attr,
	&cpc_hchan_attr_calls.attr,
	&cpc_hchan_attr_completed.attr,
	&cpc_hchan_attr_errors.attr,
	&cpc_hchan_attr_timeouts.attr,
	&cpc_hchan_attr_broken.attr,
	&cpc_hchan_attr_resets.attr,
	&cpc_hchan_attr_late.attr,
	&cpc_hchan_attr_nudges.attr,
	&cpc_hchan_attr_bad_features.attr,
	&cpc_hchan_attr_doorbells.attr,
	&cpc_hchan_attr_doorbells_ignored.attr,
	&cpc_hchan_attr_throttles.attr,
	&cpc_hchan_attr_throttled.attr,
	&cpc_hchan_attr_admin_resets.attr,
	&cpc_hchan_attr_stuck_resets.attr,
	&cpc_hchan_attr_bad_id.attr,
	&cpc_hchan_attr_bad_status.attr,
	&cpc_hchan_attr_bad_out_len.attr,
	&cpc_hchan_attr_bad_index.attr,
	NULL
};
ATTRIBUTE_GROUPS(cpc_hchan);

static void cpc_hchan_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct cpc_hchan, kobj));
}

static struct kobj_type cpc_hchan_ktype = {
	.release = cpc_hchan_release,
	.sysfs_ops = &cpc_attr_sysfs_ops,
	.default_groups = cpc_hchan_groups,
};

/**
 * cpc_hchan_get() - find a live channel by name and take a reference.
 * @name: channel name.
 *
 * Return: the channel, or NULL.
 */
struct cpc_hchan *cpc_hchan_get(const char *name)
{
	struct cpc_hchan *ch, *found = NULL;

	mutex_lock(&cpc_hchan_list_lock);
	list_for_each_entry(ch, &cpc_hchans, node) {
		if (!strcmp(ch->name, name)) {
			found = ch;
			kobject_get(&ch->kobj);
			break;
		}
	}
	mutex_unlock(&cpc_hchan_list_lock);
	return found;
}

/**
 * cpc_hchan_put() - drop a reference taken by cpc_hchan_get().
 * @ch: the channel.
 */
void cpc_hchan_put(struct cpc_hchan *ch)
{
	kobject_put(&ch->kobj);
}

/**
 * cpc_hchan_create() - create the host end of a channel over a transport.
 * @name:   channel name (unique).
 * @region: the shared region.
 * @size:   its size in bytes.
 * @own_id: the host's doorbell id on the transport.
 * @ops:    the transport.
 * @tp:     the transport's object, for @ops.
 *
 * The host lays out the region, publishes READY and rings the guest.
 *
 * Return: the channel, or an error pointer; nothing is left behind then.
 */
struct cpc_hchan *cpc_hchan_create(const char *name, void *region, size_t size,
				   u32 own_id, const struct cpc_hchan_ops *ops,
				   void *tp)
{
	struct cpc_hchan *ch;
	int ret;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return ERR_PTR(-ENOMEM);
	ch->ops = ops;
	ch->tp = tp;
	ch->own_id = own_id;
	strscpy(ch->name, name, sizeof(ch->name));
	mutex_init(&ch->lock);
	INIT_WORK(&ch->work, cpc_hchan_work);
	INIT_DELAYED_WORK(&ch->poll, cpc_hchan_poll);
	ch->win_start = jiffies;
	cpc_peer_log_init(&ch->log_rs);
	INIT_DELAYED_WORK(&ch->stuck, cpc_hchan_stuck_work);
	seqcount_mutex_init(&ch->slice_seq, &ch->lock);
	init_waitqueue_head(&ch->wq);
	ret = cpc_ep_init(&ch->ep, region, size, true);
	if (ret) {
		pr_err("%s: shared region of %zu bytes cannot hold a channel\n",
		       name, size);
		kfree(ch);
		return ERR_PTR(ret);
	}
	ch->slot_size = ALIGN_DOWN(ch->ep.layout.data_size / ch->ep.layout.ring_entries, 64);
	kobject_init(&ch->kobj, &cpc_hchan_ktype);
	ret = kobject_add(&ch->kobj, cpc_hchan_dir, "%s", ch->name);
	if (ret) {
		kobject_put(&ch->kobj);
		return ERR_PTR(ret);
	}
	cpc_test_chan_add(ch);
	mutex_lock(&cpc_hchan_list_lock);
	list_add_tail(&ch->node, &cpc_hchans);
	mutex_unlock(&cpc_hchan_list_lock);

	mutex_lock(&ch->lock);
	cpc_ep_set_doorbell(&ch->ep, own_id, 0);
	cpc_ep_host_reset(&ch->ep);
	cpc_chan_ring_guest(ch);
	schedule_delayed_work(&ch->poll, 0);
	mutex_unlock(&ch->lock);
	return ch;
}

/**
 * cpc_hchan_destroy() - the transport goes away: fail every call with
 * ENODEV, tell the guest (RESET), detach the slice, stop the works; open
 * fds keep the object.
 * @ch: the channel.
 */
void cpc_hchan_destroy(struct cpc_hchan *ch)
{
	mutex_lock(&cpc_hchan_list_lock);
	list_del(&ch->node);
	mutex_unlock(&cpc_hchan_list_lock);

	mutex_lock(&ch->lock);
	cpc_hchan_fail_all(ch, -ENODEV);
	cpc_ep_publish(&ch->ep, CPC_STATE_RESET);
	cpc_chan_ring_guest(ch);
	WRITE_ONCE(ch->dead, true);
	cpc_hchan_set_slice(ch, NULL);
	wake_up_all(&ch->wq);
	mutex_unlock(&ch->lock);

	if (ch->ops->quiesce)
		ch->ops->quiesce(ch);
	cancel_work_sync(&ch->work);
	cancel_delayed_work_sync(&ch->poll);
	cpc_test_chan_remove(ch);
	cancel_delayed_work_sync(&ch->stuck);
	kobject_del(&ch->kobj);
	kobject_put(&ch->kobj);
}

/**
 * cpc_hchan_attach_slice() - let @s's IPI mask govern @ch's doorbells.
 * @ch: the channel.
 * @s:  the slice.
 *
 * Context: cpc_slices_mutex held (@s stays alive while attached: destroy
 * calls cpc_hchan_slice_gone() first).
 * Return: 0, -ENODEV (channel removed) or -EBUSY (attached to another
 * slice). Attaching again to the same slice succeeds.
 */
int cpc_hchan_attach_slice(struct cpc_hchan *ch, struct cpc_slice *s)
{
	int ret = 0;

	mutex_lock(&ch->lock);
	if (ch->dead)
		ret = -ENODEV;
	else if (ch->slice && ch->slice != s)
		ret = -EBUSY;
	else
		cpc_hchan_set_slice(ch, s);
	mutex_unlock(&ch->lock);
	return ret;
}

/**
 * cpc_hchan_detach_slice() - undo cpc_hchan_attach_slice().
 * @ch: the channel.
 * @s:  the slice it must be attached to.
 *
 * Context: cpc_slices_mutex held.
 * Return: 0, -ENODEV (channel removed) or -ENXIO (not attached to @s).
 */
int cpc_hchan_detach_slice(struct cpc_hchan *ch, struct cpc_slice *s)
{
	int ret = 0;

	mutex_lock(&ch->lock);
	if (ch->dead)
		ret = -ENODEV;
	else if (ch->slice != s)
		ret = -ENXIO;
	else
		cpc_hchan_set_slice(ch, NULL);
	mutex_unlock(&ch->lock);
	return ret;
}

/**
 * cpc_hchan_slice_gone() - a slice is being destroyed: detach its channels.
 * @s: the slice.
 *
 * Context: cpc_slices_mutex held.
 */
void cpc_hchan_slice_gone(struct cpc_slice *s)
{
	struct cpc_hchan *ch;

	mutex_lock(&cpc_hchan_list_lock);
	list_for_each_entry(ch, &cpc_hchans, node) {
		mutex_lock(&ch->lock);
		if (ch->slice == s) {
			cpc_hchan_set_slice(ch, NULL);
			pr_info("%s: detached from slice %s (destroyed)\n",
				ch->name, s->name);
		}
		mutex_unlock(&ch->lock);
	}
	mutex_unlock(&cpc_hchan_list_lock);
}

static void cpc_hchan_ivshmem_ring(struct cpc_hchan *ch, u32 id, u32 vector)
{
	cpc_ivshmem_ring_peer(ch->tp, id, vector);
}

static void cpc_hchan_ivshmem_quiesce(struct cpc_hchan *ch)
{
	cpc_ivshmem_quiesce(ch->tp);
}

static const struct cpc_hchan_ops cpc_hchan_ivshmem_ops = {
	.transport = "ivshmem",
	.ring = cpc_hchan_ivshmem_ring,
	.quiesce = cpc_hchan_ivshmem_quiesce,
};

/**
 * cpc_hchan_probe() - create the host end on a new ivshmem device.
 * @ivs: the device (mapped, interrupts requested).
 *
 * Return: 0 or a negative errno; nothing is left behind on failure.
 */
int cpc_hchan_probe(struct cpc_ivshmem *ivs)
{
	char name[CPC_CHANNEL_NAME_MAX];
	struct cpc_hchan *ch;

	snprintf(name, sizeof(name), "ivshmem-%s", pci_name(ivs->pdev));
	ch = cpc_hchan_create(name, ivs->shm, ivs->shm_size, ivs->own_id,
			      &cpc_hchan_ivshmem_ops, ivs);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	cpc_ivshmem_set_owner(ivs, ch, &ch->ep);
	return 0;
}

/**
 * cpc_hchan_remove() - the ivshmem device goes away (cpc_hchan_destroy()).
 * @ivs: the device.
 */
void cpc_hchan_remove(struct cpc_ivshmem *ivs)
{
	struct cpc_hchan *ch = ivs->priv;

	if (ch)
		cpc_hchan_destroy(ch);
}

/**
 * cpc_hchan_init() - create channels/ in sysfs.
 * @root: /sys/kernel/cpc_host.
 *
 * Return: 0 or -ENOMEM.
 */
int cpc_hchan_init(struct kobject *root)
{
	cpc_hchan_dir = kobject_create_and_add("channels", root);
	if (!cpc_hchan_dir)
		return -ENOMEM;
	return 0;
}

/**
 * cpc_hchan_exit() - remove channels/ (after every device was removed).
 */
void cpc_hchan_exit(void)
{
	kobject_put(cpc_hchan_dir);
}
