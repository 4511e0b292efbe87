// SPDX-License-Identifier: GPL-2.0
/*
 * channel.c - the guest end of a CPC channel over a transport (an ivshmem
 * device, or the loopback region of cpc_host in the same kernel).
 *
 * The maintenance thread (vcpu.c) calls cpc_gchan_service_all() after every
 * doorbell: each channel advances its handshake and, in RUN, drains the
 * request ring. Each request is copied out of shared memory by
 * cpc_ring_pop(), validated against the guest's own layout, checked against
 * the owner's policy, its argument buffer copied into private memory, and
 * only then handed to the procedure. A peer that breaks the ring indexes
 * moves the channel to BROKEN until the host starts a new generation; a bad
 * descriptor is answered with CPC_ST_EPROTO and counted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched/signal.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "channel.h"
#include "../transport/sysfs.h"
#include "../transport/peer_log.h"
#include "proc.h"
#include "test_hooks.h"

/* The channel list and every channel's end point (see channel.h). */
DEFINE_MUTEX(cpc_gchan_lock);
static LIST_HEAD(cpc_gchans);
static struct kobject *cpc_gchan_dir;

/* Every log line the host can cause: within the channel's budget. */
#define cpc_gchan_log(ch, pr, fmt, ...)					\
	do {								\
		struct cpc_gchan *__ch = (ch);				\
									\
		cpc_peer_log(&__ch->log_rs, __ch->name, pr, fmt, ##__VA_ARGS__); \
	} while (0)

/* Every doorbell to the host goes through here. */
void cpc_gchan_ring_host(struct cpc_gchan *ch)
{
	struct cpc_doorbell db[2];
	unsigned int i, n = cpc_ep_peer_doorbells(&ch->ep, db);

	for (i = 0; i < n; i++)
		ch->ring(ch, db[i].id, db[i].vector);
}

static void cpc_gchan_bad(struct cpc_gchan *ch, enum cpc_bad why, u64 id)
{
	atomic64_inc(&ch->bad[why]);
	cpc_gchan_log(ch, pr_warn, "rejected request %llu from the host: bad %s\n",
		      id, cpc_bad_name(why));
}

/* The host broke a ring index: stop until it starts a new generation. */
static void cpc_gchan_break(struct cpc_gchan *ch)
{
	atomic64_inc(&ch->bad[CPC_BAD_INDEX]);
	atomic64_inc(&ch->broken);
	cpc_gchan_log(ch, pr_warn,
		      "host broke the ring protocol; channel broken until it resets\n");
	cpc_ep_publish(&ch->ep, CPC_STATE_BROKEN);
	cpc_gchan_ring_host(ch);
}

/*
 * A host never reuses a request id within a generation (ids carry a
 * sequence number), so a repeat among the last CPC_RING_ENTRIES_MAX ids is
 * a hostile or broken host: it is rejected, not served twice. Forgotten
 * when the channel comes up with a new generation.
 */
static bool cpc_gchan_id_repeated(struct cpc_gchan *ch, u64 id)
{
	u32 i;

	for (i = 0; i < ch->seen_n; i++)
		if (ch->seen_ids[i] == id)
			return true;
	ch->seen_ids[ch->seen_pos] = id;
	ch->seen_pos = (ch->seen_pos + 1) % ARRAY_SIZE(ch->seen_ids);
	if (ch->seen_n < ARRAY_SIZE(ch->seen_ids))
		ch->seen_n++;
	return false;
}

/*
 * Serves one request into @cpl. Returns the procedure, still referenced,
 * when it succeeded and has an after hook to run once the answer is sent
 * (the caller runs it and releases it); else NULL.
 */
static struct cpc_proc_entry *cpc_gchan_serve(struct cpc_gchan *ch,
					      const struct cpc_request *req,
					      struct cpc_completion *cpl)
{
	struct cpc_proc_call call = { .req = req };
	struct cpc_proc_entry *proc;
	enum cpc_bad why;
	u32 ms;
	int ret;

	memset(cpl, 0, sizeof(*cpl));
	cpl->id = req->id;
	why = cpc_req_check(req, &ch->ep.layout);
	if (why == CPC_BAD_NONE && cpc_gchan_id_repeated(ch, req->id))
		why = CPC_BAD_ID;
	if (why != CPC_BAD_NONE) {
		cpc_gchan_bad(ch, why, req->id);
		cpl->status = CPC_ST_EPROTO;
		return NULL;
	}
	proc = cpc_proc_get(req->opcode);
	if (!proc) {
		cpl->status = CPC_ST_ENOSYS;
		return NULL;
	}
	if (!cpc_proc_allowed(proc)) {
		cpc_proc_count(proc, CPC_POLICY_REJECTED);
		cpl->status = CPC_ST_EPERM;
		goto out_put;
	}
	cpc_proc_count(proc, CPC_POLICY_CALLS);
	if (req->arg_len > CPC_ARG_MAX) {
		ret = -EINVAL;
		goto out_err;
	}
	/* Private copies only: the host may rewrite shared memory any time. */
	if (req->arg_len)
		memcpy(ch->argbuf, cpc_ep_data(&ch->ep, req->arg_off), req->arg_len);
	call.arg = ch->argbuf;
	call.arg_len = req->arg_len;
	call.out = req->out_len ? cpc_ep_data(&ch->ep, req->out_off) : NULL;
	call.out_cap = req->out_len;
	ms = req->deadline_ms ? req->deadline_ms : CPC_DEADLINE_DEFAULT_MS;
	ms = min(ms, CPC_DEADLINE_MAX_MS);
	call.deadline = jiffies + msecs_to_jiffies(ms);

	ret = cpc_proc_run(proc, &call);
	if (ret)
		goto out_err;
	cpl->status = CPC_ST_OK;
	cpl->out_len = call.out_len;
	cpl->ret[0] = call.ret[0];
	cpl->ret[1] = call.ret[1];
	return proc;	/* the caller runs its after hook and releases it */

out_err:
	cpc_proc_count(proc, CPC_POLICY_ERRORS);
	cpl->status = cpc_errno_to_status(ret);
out_put:
	cpc_proc_put(proc);
	return NULL;
}

/*
 * Serves at most one budget of requests (CPC_GUEST_BATCH, or
 * CPC_GUEST_BUDGET_NS of work) from @ch's request ring. Without @arm
 * (adaptive polling) the ring is left unarmed: the host sends no doorbell
 * while the maintenance thread polls. Returns true when requests are left
 * (the budget ran out, or the thread is asked to stop or the channel to
 * leave): the caller serves them in a later round, after others had the
 * CPU and the lock.
 */
static bool cpc_gchan_drain(struct cpc_gchan *ch, bool arm, u64 t0)
{
	struct cpc_req wreq;
	struct cpc_cpl wcpl;
	struct cpc_request req;
	struct cpc_completion cpl;
	struct cpc_proc_entry *proc;
	int n, ret;

	for (n = 0;; n++) {
		if (n == CPC_GUEST_BATCH ||
		    ktime_get_ns() - t0 > CPC_GUEST_BUDGET_NS ||
		    READ_ONCE(ch->leaving) || kthread_should_stop())
			return cpc_ring_pending(&ch->ep.req) != 0;
		ret = cpc_ring_pop(&ch->ep.req, &wreq);
		if (ret == -EAGAIN) {
			if (!arm || !cpc_ring_arm(&ch->ep.req))
				return false;
			continue;
		}
		if (ret) {
			cpc_gchan_break(ch);
			return false;
		}
		cpc_req_decode(&req, &wreq);
		proc = cpc_gchan_serve(ch, &req, &cpl);
		cpc_vcpu_count_served();
		cpc_cpl_encode(&wcpl, &cpl);
		/*
		 * The host keeps at most ring_entries requests in flight, so
		 * a full completion ring is its fault.
		 */
		if (cpc_ring_push(&ch->ep.cpl, &wcpl)) {
			if (proc)
				cpc_proc_put(proc);
			cpc_gchan_break(ch);
			return false;
		}
		if (cpc_ring_publish(&ch->ep.cpl))
			cpc_gchan_ring_host(ch);
		if (proc) {
			/* Answered: now what the procedure does after it. */
			cpc_proc_after(proc, &req);
			cpc_proc_put(proc);
		}
	}
}

/* Returns true when requests are left for a later round. */
static bool cpc_gchan_service(struct cpc_gchan *ch, bool arm, u64 t0)
{
	enum cpc_ep_event ev;
	int i;

	for (i = 0; i < 4; i++) {
		ev = cpc_ep_step(&ch->ep);
		if (ev == CPC_EP_NONE)
			break;
		if (ev == CPC_EP_INCOMPATIBLE) {
			atomic64_inc(&ch->bad_features);
			cpc_gchan_log(ch, pr_warn,
				      "host requires protocol features %#x this guest does not know; not joining\n",
				      cpc_ep_peer_features(&ch->ep) & CPC_FEATURES_REQUIRED &
				      ~CPC_FEATURES_KNOWN);
			break;
		}
		if (ev == CPC_EP_DOWN) {
			cpc_gchan_log(ch, pr_info, "host went away; waiting for it\n");
			cpc_ep_guest_reset(&ch->ep);
		} else if (ev == CPC_EP_UP) {
			cpc_gchan_log(ch, pr_info, "channel up (generation %u)\n",
				      ch->ep.generation);
			ch->seen_n = 0;
			ch->seen_pos = 0;
		}
		cpc_gchan_ring_host(ch);
	}
	if (!cpc_ep_running(&ch->ep))
		return false;
	return cpc_gchan_drain(ch, arm, t0);
}

/**
 * cpc_gchan_service_all() - serve every channel for one round (maintenance
 * thread): each advances its handshake and serves at most one budget of
 * requests (CPC_GUEST_BATCH requests, CPC_GUEST_BUDGET_NS of work).
 * @arm: ask for a doorbell on the next request (false while polling).
 *
 * A host that keeps the request ring full can so never hold the thread,
 * the channel lock or the maintenance vCPU: the caller yields between
 * rounds, and module unload and VM shutdown get the lock after at most one
 * round.
 *
 * Context: process context on the maintenance vCPU; takes cpc_gchan_lock.
 *
 * Return: true when requests are left: call again after yielding.
 */
bool cpc_gchan_service_all(bool arm)
{
	struct cpc_gchan *ch;
	bool more = false;
	u64 t0 = ktime_get_ns();

	mutex_lock(&cpc_gchan_lock);
	list_for_each_entry(ch, &cpc_gchans, node)
		more |= cpc_gchan_service(ch, arm, t0);
	mutex_unlock(&cpc_gchan_lock);
	return more;
}

/**
 * cpc_gchan_pending_any() - does any running channel have a request
 * waiting (or a broken ring index, which service handles)?
 *
 * Context: the maintenance thread while it polls; takes cpc_gchan_lock.
 *
 * Return: true if cpc_gchan_service_all() has work.
 */
bool cpc_gchan_pending_any(void)
{
	struct cpc_gchan *ch;
	bool any = false;

	mutex_lock(&cpc_gchan_lock);
	list_for_each_entry(ch, &cpc_gchans, node) {
		if (cpc_ep_running(&ch->ep) && cpc_ring_pending(&ch->ep.req)) {
			any = true;
			break;
		}
	}
	mutex_unlock(&cpc_gchan_lock);
	return any;
}

/**
 * cpc_gchan_doorbell() - a doorbell from the host: wake the maintenance
 * thread, which does all the work.
 * @ivs:    the device.
 * @vector: the vector that fired.
 *
 * Context: hard interrupt on the maintenance vCPU.
 */
void cpc_gchan_doorbell(struct cpc_ivshmem *ivs, unsigned int vector)
{
	cpc_vcpu_kick();
}

/* ---- sysfs: /sys/kernel/cpc_guest/channels/<name>/ ---- */

static struct cpc_gchan *to_gchan(struct kobject *kobj)
{
	return container_of(kobj, struct cpc_gchan, kobj);
}

static ssize_t state_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_gchan *ch = to_gchan(kobj);

	return sysfs_emit(buf, "%s\n", cpc_state_name(READ_ONCE(ch->ep.state)));
}

static ssize_t generation_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_gchan *ch = to_gchan(kobj);

	return sysfs_emit(buf, "%u\n", READ_ONCE(ch->ep.generation));
}

static ssize_t broken_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_gchan *ch = to_gchan(kobj);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&ch->broken));
}

static ssize_t bad_features_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_gchan *ch = to_gchan(kobj);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&ch->bad_features));
}

static ssize_t bad_show(struct kobject *kobj, char *buf, int arg)
{
	struct cpc_gchan *ch = to_gchan(kobj);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&ch->bad[arg]));
}

#define CPC_GCHAN_ATTR(_name, _show, _arg) CPC_ATTR(cpc_gchan_attr, _name, _show, _arg)

CPC_GCHAN_ATTR(state, state_show, 0);
CPC_GCHAN_ATTR(generation, generation_show, 0);
CPC_GCHAN_ATTR(broken, broken_show, 0);
CPC_GCHAN_ATTR(bad_features, bad_features_show, 0);
CPC_GCHAN_ATTR(bad_opcode, bad_show, CPC_BAD_OPCODE);
CPC_GCHAN_ATTR(bad_flags, bad_show, CPC_BAD_FLAGS);
CPC_GCHAN_ATTR(bad_arg_range, bad_show, CPC_BAD_ARG);
CPC_GCHAN_ATTR(bad_out_range, bad_show, CPC_BAD_OUT);
CPC_GCHAN_ATTR(bad_overlap, bad_show, CPC_BAD_OVERLAP);
CPC_GCHAN_ATTR(bad_index, bad_show, CPC_BAD_INDEX);
CPC_GCHAN_ATTR(bad_id, bad_show, CPC_BAD_ID);

static struct attribute *cpc_gchan_attrs[] = {
	&cpc_gchan_attr_state.attr,
	&cpc_gchan_attr_generation.attr,
	&cpc_gchan_attr_broken.attr,
	&cpc_gchan_attr_bad_features.attr,
	&cpc_gchan_attr_bad_opcode.attr,
	&cpc_gchan_attr_bad_flags.attr,
	&cpc_gchan_attr_bad_arg_range.attr,
	&cpc_gchan_attr_bad_out_range.attr,
	&cpc_gchan_attr_bad_overlap.attr,
	&cpc_gchan_attr_bad_index.attr,
	&cpc_gchan_attr_bad_id.attr,
	NULL
};
ATTRIBUTE_GROUPS(cpc_gchan);

static void cpc_gchan_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct cpc_gchan, kobj));
}

static struct kobj_type cpc_gchan_ktype = {
	.release = cpc_gchan_release,
	.sysfs_ops = &cpc_attr_sysfs_ops,
	.default_groups = cpc_gchan_groups,
};

/**
 * cpc_gchan_create() - set up the guest end of a channel.
 * @name:   channel name (unique).
 * @region: the shared region.
 * @size:   its size in bytes.
 * @own_id: this end's doorbell id on the transport.
 * @own_vector: this end's doorbell vector (0 where the id says it all).
 * @ring:   the transport's doorbell to the host.
 * @tp:     the transport's object, for @ring.
 *
 * Return: the channel or an error pointer; nothing is left behind on
 * failure.
 */
struct cpc_gchan *cpc_gchan_create(const char *name, void *region, size_t size,
				   u32 own_id, u32 own_vector, cpc_gchan_ring_fn ring, void *tp)
{
	struct cpc_gchan *ch;
	int ret;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return ERR_PTR(-ENOMEM);
	ch->ring = ring;
	ch->tp = tp;
	strscpy(ch->name, name, sizeof(ch->name));
	cpc_peer_log_init(&ch->log_rs);
	ret = cpc_ep_init(&ch->ep, region, size, false);
	if (ret) {
		pr_err("%s: shared region of %zu bytes cannot hold a channel\n",
		       name, size);
		kfree(ch);
		return ERR_PTR(ret);
	}
	kobject_init(&ch->kobj, &cpc_gchan_ktype);
	ret = kobject_add(&ch->kobj, cpc_gchan_dir, "%s", ch->name);
	if (ret)
		goto err_kobj;
	cpc_test_chan_add(ch);

	mutex_lock(&cpc_gchan_lock);
	cpc_ep_set_doorbell(&ch->ep, own_id, own_vector);
	cpc_ep_guest_reset(&ch->ep);
	list_add_tail(&ch->node, &cpc_gchans);
	mutex_unlock(&cpc_gchan_lock);
	/* Look at the host now; its doorbells may have come before ours. */
	cpc_vcpu_kick();
	return ch;

err_kobj:
	kobject_put(&ch->kobj);
	return ERR_PTR(ret);
}

/*
 * Stop serving @ch and tell the host it is gone (RESET): the host fails
 * the calls in flight with ECONNRESET and waits for a new generation.
 * Idempotent: the VM may shut down a channel that is later destroyed.
 */
static void cpc_gchan_leave(struct cpc_gchan *ch)
{
	/* A round serving @ch ends at its next request. */
	WRITE_ONCE(ch->leaving, true);
	mutex_lock(&cpc_gchan_lock);
	list_del_init(&ch->node);
	if (ch->ep.state != CPC_STATE_RESET) {
		cpc_ep_publish(&ch->ep, CPC_STATE_RESET);
		cpc_gchan_ring_host(ch);
	}
	mutex_unlock(&cpc_gchan_lock);
}

/**
 * cpc_gchan_destroy() - the transport goes away: tell the host (RESET) and
 * free the channel. The caller makes sure its doorbell handlers are done.
 * @ch: the channel.
 */
void cpc_gchan_destroy(struct cpc_gchan *ch)
{
	cpc_test_chan_remove(ch);
	cpc_gchan_leave(ch);
	kobject_put(&ch->kobj);
}

static void cpc_gchan_ivshmem_ring(struct cpc_gchan *ch, u32 id, u32 vector)
{
	cpc_ivshmem_ring_peer(ch->tp, id, vector);
}

/**
 * cpc_gchan_probe() - set up the guest end on a new ivshmem device.
 * @ivs: the device (mapped, interrupts requested).
 *
 * Return: 0 or a negative errno; nothing is left behind on failure.
 */
int cpc_gchan_probe(struct cpc_ivshmem *ivs)
{
	struct cpc_gchan *ch;

	ch = cpc_gchan_create(pci_name(ivs->pdev), ivs->shm, ivs->shm_size,
			      ivs->own_id, 0, cpc_gchan_ivshmem_ring, ivs);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	cpc_ivshmem_set_owner(ivs, ch, &ch->ep);
	return 0;
}

/**
 * cpc_gchan_remove() - the ivshmem device goes away: tell the host (RESET)
 * and free the channel.
 * @ivs: the device.
 */
void cpc_gchan_remove(struct cpc_ivshmem *ivs)
{
	struct cpc_gchan *ch = ivs->priv;

	if (!ch)
		return;
	cpc_ivshmem_quiesce(ivs);
	cpc_gchan_destroy(ch);
}

/**
 * cpc_gchan_shutdown() - the guest VM reboots or powers off: tell the host
 * at once instead of leaving it a silent peer until the next boot's driver
 * starts a new generation. The channel stays allocated.
 * @ivs: the device.
 *
 * Context: device shutdown; the maintenance thread may still run, but no
 * longer finds the channel.
 */
void cpc_gchan_shutdown(struct cpc_ivshmem *ivs)
{
	struct cpc_gchan *ch = ivs->priv;

	if (!ch)
		return;
	cpc_gchan_leave(ch);
	pr_info("%s: VM going down; told the host\n", ch->name);
}

/**
 * cpc_gchan_sysfs_init() - create channels/ in sysfs.
 * @root: /sys/kernel/cpc_guest.
 *
 * Return: 0 or -ENOMEM.
 */
int cpc_gchan_sysfs_init(struct kobject *root)
{
	cpc_gchan_dir = kobject_create_and_add("channels", root);
	if (!cpc_gchan_dir)
		return -ENOMEM;
	return 0;
}

/**
 * cpc_gchan_sysfs_exit() - remove what cpc_gchan_sysfs_init() created.
 */
void cpc_gchan_sysfs_exit(void)
{
	kobject_put(cpc_gchan_dir);
}
