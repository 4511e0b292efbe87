// SPDX-License-Identifier: GPL-2.0
/*
 * call.c - calls into a guest: CPC_IOCTL_CHANNEL_OPEN on /dev/cpc_host
 * returns a channel fd (anon inode); on it, CPC_IOCTL_CALL (synchronous,
 * with a timeout), IORING_OP_URING_CMD with the same command (asynchronous),
 * CPC_IOCTL_CHANNEL_RESET (root: fail what is in flight, new generation)
 * and poll() (writable when a call can be submitted, readable while
 * asynchronous completions are being posted, HUP when the device is gone).
 *
 * Every asynchronous call has a timeout, and every break, reset or removal
 * of the channel finishes all calls in flight, so no uring_cmd stays parked
 * (Linux 6.1 cannot cancel them). An io_uring request holds a reference to
 * the channel file, so the file (and the module) cannot go away under one
 * until its completion is posted - which is therefore the last thing done.
 *
 * What a caller makes the kernel allocate (the call, its argument and result
 * copies, the channel fd's state) is charged to its memory cgroup
 * (GFP_KERNEL_ACCOUNT). A finished call wakes only its own caller (a
 * completion) or, asynchronously, the poll()ers of its own fd.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/io_uring.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "channel.h"
#include "test_hooks.h"

static void cpc_hcall_free(struct cpc_hcall *call)
{
	kfree(call->arg);
	kvfree(call->out);
	cpc_hchan_put(call->ch);
	kfree(call);
}

/* Validates the caller's struct and builds a private call; no side effect. */
static struct cpc_hcall *cpc_hcall_new(struct cpc_hfile *hf,
				       void __user *ucall, long *err)
{
	struct cpc_hcall *call;
	struct cpc_call uc;
	int ret;

	if (copy_from_user(&uc, ucall, sizeof(uc))) {
		*err = -EFAULT;
		return NULL;
	}
	if (uc.size < sizeof(uc) || uc.flags || uc.reserved[0] || uc.reserved[1] ||
	    uc.proc > CPC_PROC_ID_MAX || uc.timeout_ms > CPC_CALL_TIMEOUT_MAX_MS ||
	    (uc.arg_len && !uc.arg_ptr) || (uc.out_cap && !uc.out_ptr)) {
		*err = -EINVAL;
		return NULL;
	}
	if (uc.arg_len > CPC_CALL_ARG_MAX) {
		*err = -E2BIG;
		return NULL;
	}
	if (!uc.timeout_ms)
		uc.timeout_ms = CPC_CALL_TIMEOUT_DEFAULT_MS;

	call = cpc_test_alloc_fault() ? NULL : kzalloc(sizeof(*call), GFP_KERNEL_ACCOUNT);
	if (!call) {
		*err = -ENOMEM;
		return NULL;
	}
	call->uc = uc;
	call->ucall = ucall;
	call->hf = hf;
	call->out_cap = min_t(u32, uc.out_cap, hf->ch->slot_size);
	init_completion(&call->done);
	ret = -ENOMEM;
	if (uc.arg_len) {
		call->arg = cpc_test_alloc_fault() ? NULL :
			    kmalloc(uc.arg_len, GFP_KERNEL_ACCOUNT);
		if (!call->arg)
			goto err;
		if (copy_from_user(call->arg, u64_to_user_ptr(uc.arg_ptr), uc.arg_len)) {
			ret = -EFAULT;
			goto err;
		}
	}
	call->out = cpc_test_alloc_fault() ? NULL :
		    kvmalloc(max_t(u32, call->out_cap, 1), GFP_KERNEL_ACCOUNT);
	if (!call->out)
		goto err;
	kobject_get(&hf->ch->kobj);
	call->ch = hf->ch;
	return call;
err:
	kfree(call->arg);
	kfree(call);
	*err = ret;
	return NULL;
}

/* Copies a finished call's results to its caller; returns its result. */
static int cpc_hcall_copy_out(struct cpc_hcall *call)
{
	struct cpc_call __user *u = call->ucall;

	if (!call->answered)
		return call->err;
	if (call->out_len &&
	    copy_to_user(u64_to_user_ptr(call->uc.out_ptr), call->out, call->out_len))
		return -EFAULT;
	if (put_user(call->status, &u->status) ||
	    put_user(call->out_len, &u->out_len) ||
	    copy_to_user(u->ret, call->ret, sizeof(call->ret)))
		return -EFAULT;
	return call->err;
}

/*
 * Waits for a synchronous call: until it finishes, its timeout passes or a
 * signal arrives. Task work io_uring queued for this task (its own
 * asynchronous calls completing) raises TIF_NOTIFY_SIGNAL, which wakes an
 * interruptible wait although no signal is pending and which only the
 * return to user space clears: then the call waits on in killable steps of
 * CPC_CALL_SIGNAL_CHECK, so a real signal still ends it that soon.
 * Returns > 0 when finished, 0 when timed out, -EINTR on a signal.
 */
#define CPC_CALL_SIGNAL_CHECK	(HZ / 100)

static long cpc_hcall_wait(struct cpc_hcall *call)
{
	unsigned long end = jiffies + msecs_to_jiffies(call->uc.timeout_ms);
	long left, now;

	for (;;) {
		now = (long)(end - jiffies);
		if (now <= 0)
			return completion_done(&call->done) ? 1 : 0;
		if (task_sigpending(current) || !test_thread_flag(TIF_NOTIFY_SIGNAL))
			left = wait_for_completion_interruptible_timeout(&call->done, now);
		else
			left = wait_for_completion_killable_timeout(&call->done,
								    min_t(long, now,
									  CPC_CALL_SIGNAL_CHECK));
		if (left > 0)
			return left;
		if (left < 0 && (task_sigpending(current) || fatal_signal_pending(current)))
			return -EINTR;
	}
}

static long cpc_hchan_ioctl_call(struct cpc_hfile *hf, void __user *argp)
{
	struct cpc_hchan *ch = hf->ch;
	struct cpc_hcall *call;
	long ret, left;

	call = cpc_hcall_new(hf, argp, &ret);
	if (!call)
		return ret;
	ret = cpc_hchan_submit(ch, call, 0, false);
	if (ret)
		goto out;
	/*
	 * Completed, the results are visible (complete() under the channel
	 * lock, after they were written); given up, cpc_hchan_give_up() took
	 * the lock.
	 */
	left = cpc_hcall_wait(call);
	if (left <= 0)
		cpc_hchan_give_up(ch, call, left < 0 ? -EINTR : -ETIMEDOUT);
	ret = cpc_hcall_copy_out(call);
out:
	cpc_hcall_free(call);
	return ret;
}

/*
 * io_uring: posts the CQE in the submitter's task - or, when that task is
 * exiting, in io_uring's fallback worker (a kernel thread without the
 * caller's memory).
 */
static void cpc_hcall_uring_done(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct cpc_hcall *call = *(struct cpc_hcall **)cmd->pdu;
	int ret;

	cancel_delayed_work_sync(&call->tmo);
	if (current->flags & PF_KTHREAD)
		ret = call->answered ? -ECANCELED : call->err;
	else
		ret = cpc_hcall_copy_out(call);
	/*
	 * Everything else first, the completion last (ublk's order): posting
	 * it may drop the request's reference to the channel file, the last
	 * one once the fd is closed, and the file's release frees call->hf.
	 */
	atomic_dec(&call->hf->async_done);
	cpc_hcall_free(call);
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
}

/**
 * cpc_hcall_finished() - an asynchronous call finished: post its CQE from
 * the submitter's task.
 * @call: the call (channel lock held).
 */
void cpc_hcall_finished(struct cpc_hcall *call)
{
	atomic_inc(&call->hf->async_done);
	wake_up_poll(&call->hf->wq, EPOLLIN | EPOLLRDNORM);
	io_uring_cmd_complete_in_task(call->ucmd, cpc_hcall_uring_done);
}

static void cpc_hcall_timeout(struct work_struct *work)
{
	struct cpc_hcall *call = container_of(to_delayed_work(work),
					      struct cpc_hcall, tmo);

	cpc_hchan_give_up(call->ch, call, -ETIMEDOUT);
}

static int cpc_hchan_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct cpc_hfile *hf = cmd->file->private_data;
	const struct cpc_call_uring *u = cmd->cmd;
	struct cpc_hcall *call;
	long ret;

	if (cmd->cmd_op != CPC_IOCTL_CALL)
		return -ENOTTY;
	if (READ_ONCE(u->reserved))
		return -EINVAL;
	call = cpc_hcall_new(hf, u64_to_user_ptr(READ_ONCE(u->call_ptr)), &ret);
	if (!call)
		return ret;
	call->ucmd = cmd;
	INIT_DELAYED_WORK(&call->tmo, cpc_hcall_timeout);
	*(struct cpc_hcall **)cmd->pdu = call;
	/*
	 * Issued inline (IO_URING_F_NONBLOCK), a busy channel lock means
	 * -EAGAIN: io_uring issues the command again from a worker, which
	 * may sleep on it.
	 */
	ret = cpc_hchan_submit(hf->ch, call, msecs_to_jiffies(call->uc.timeout_ms),
			       issue_flags & IO_URING_F_NONBLOCK);
	if (ret) {
		cpc_hcall_free(call);
		return ret;
	}
	return -EIOCBQUEUED;
}

/* CPC_IOCTL_CHANNEL_RESET; see uapi/linux/cpc_host.h. */
static long cpc_hchan_ioctl_reset(struct cpc_hfile *hf, void __user *argp)
{
	struct cpc_channel_reset __user *u = argp;
	struct cpc_channel_reset r;
	u32 usize;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(usize, &u->size))
		return -EFAULT;
	if (usize < sizeof(r))
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&r, sizeof(r), argp, usize);
	if (ret)
		return ret;
	if (r.flags || r.reserved[0] || r.reserved[1])
		return -EINVAL;
	/* The (out) fields must be writable before anything is reset. */
	if (put_user(0, &u->generation) || put_user(0, &u->inflight))
		return -EFAULT;
	ret = cpc_hchan_reset(hf->ch, &r.generation, &r.inflight);
	if (ret)
		return ret;
	if (put_user(r.generation, &u->generation) || put_user(r.inflight, &u->inflight))
		return -EFAULT;
	return 0;
}

static long cpc_hchan_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cpc_hfile *hf = file->private_data;

	switch (cmd) {
	case CPC_IOCTL_CALL:
		return cpc_hchan_ioctl_call(hf, (void __user *)arg);
	case CPC_IOCTL_CHANNEL_RESET:
		return cpc_hchan_ioctl_reset(hf, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static __poll_t cpc_hchan_fpoll(struct file *file, poll_table *pt)
{
	struct cpc_hfile *hf = file->private_data;
	struct cpc_hchan *ch = hf->ch;
	__poll_t mask = 0;

	poll_wait(file, &ch->wq, pt);
	poll_wait(file, &hf->wq, pt);
	if (READ_ONCE(ch->dead))
		return EPOLLHUP | EPOLLERR;
	if (cpc_hchan_writable(ch))
		mask |= EPOLLOUT | EPOLLWRNORM;
	if (atomic_read(&hf->async_done))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static int cpc_hchan_release(struct inode *inode, struct file *file)
{
	struct cpc_hfile *hf = file->private_data;

	/* No call can be in flight here: each holds a reference to the file. */
	cpc_hchan_put(hf->ch);
	kfree(hf);
	return 0;
}

static const struct file_operations cpc_hchan_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = cpc_hchan_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = cpc_hchan_uring_cmd,
	.poll = cpc_hchan_fpoll,
	.release = cpc_hchan_release,
	.llseek = noop_llseek,
};

/**
 * cpc_host_channel_open() - CPC_IOCTL_CHANNEL_OPEN.
 * @argp: user address of a struct cpc_channel_open.
 *
 * Return: a new fd or a negative errno (see uapi/linux/cpc_host.h).
 */
long cpc_host_channel_open(void __user *argp)
{
	struct cpc_channel_open o;
	struct cpc_hfile *hf;
	struct cpc_hchan *ch;
	int fd;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&o, argp, sizeof(o)))
		return -EFAULT;
	if (o.size < sizeof(o) || o.flags || o.reserved[0] || o.reserved[1] ||
	    !o.name[0] || !memchr(o.name, '\0', sizeof(o.name)))
		return -EINVAL;
	ch = cpc_hchan_get(o.name);
	if (!ch)
		return -ENODEV;
	hf = cpc_test_alloc_fault() ? NULL : kzalloc(sizeof(*hf), GFP_KERNEL_ACCOUNT);
	if (!hf) {
		cpc_hchan_put(ch);
		return -ENOMEM;
	}
	hf->ch = ch;
	init_waitqueue_head(&hf->wq);
	fd = anon_inode_getfd("[cpc-channel]", &cpc_hchan_fops, hf,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		kfree(hf);
		cpc_hchan_put(ch);
	}
	return fd;
}
