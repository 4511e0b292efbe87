// SPDX-License-Identifier: GPL-2.0
/*
 * chan_test.c - a guest channel's hostile-guest hooks (test builds only, see
 * test_hooks.h), in /sys/kernel/debug/cpc_guest/channels/<name>/:
 *
 *   inject_cpl  write a raw struct cpc_cpl: pushed into the completion ring
 *               as it is, and the host rung.
 *   flap        a guest that makes its host work as hard as it can (below).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "channel.h"
#include "test_hooks.h"

static ssize_t inject_cpl_write(struct file *f, const char __user *ubuf,
				size_t n, loff_t *pos)
{
	struct cpc_gchan *ch = file_inode(f)->i_private;
	struct cpc_cpl cpl;
	ssize_t ret = n;

	if (n != sizeof(cpl))
		return -EINVAL;
	if (copy_from_user(&cpl, ubuf, sizeof(cpl)))
		return -EFAULT;
	mutex_lock(&cpc_gchan_lock);
	if (!cpc_ep_running(&ch->ep)) {
		ret = -ENOTCONN;
	} else if (cpc_ring_push(&ch->ep.cpl, &cpl)) {
		ret = -ENOSPC;
	} else {
		cpc_ring_publish(&ch->ep.cpl);
		cpc_gchan_ring_host(ch);
	}
	mutex_unlock(&cpc_gchan_lock);
	return ret;
}

static const struct file_operations inject_cpl_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = inject_cpl_write,
	.llseek = no_llseek,
};

/*
 * debugfs flap (root only, tests): a hostile guest that makes its host
 * work as hard as it can. Writing MS (at most 10000) restarts the guest
 * end with a new generation, joins the host's generation if it can, and
 * rings the host, over and over, for MS milliseconds in the writer's
 * context; then the channel is left to come back by itself.
 */
#define CPC_GCHAN_FLAP_MAX_MS	10000u

static ssize_t flap_write(struct file *f, const char __user *ubuf, size_t n,
			  loff_t *pos)
{
	struct cpc_gchan *ch = file_inode(f)->i_private;
	unsigned long end;
	unsigned int ms;
	int ret;

	ret = kstrtouint_from_user(ubuf, n, 0, &ms);
	if (ret)
		return ret;
	if (ms > CPC_GCHAN_FLAP_MAX_MS)
		return -EINVAL;
	end = jiffies + msecs_to_jiffies(ms);
	while (time_before(jiffies, end) && !fatal_signal_pending(current)) {
		mutex_lock(&cpc_gchan_lock);
		if (!READ_ONCE(ch->leaving)) {
			/* A new generation, joining the host's at once. */
			cpc_ep_guest_reset(&ch->ep);
			cpc_ep_step(&ch->ep);
			cpc_gchan_ring_host(ch);
		}
		mutex_unlock(&cpc_gchan_lock);
		cond_resched();
	}
	/* Let the maintenance thread take the channel back up. */
	cpc_vcpu_kick();
	return n;
}

static const struct file_operations flap_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = flap_write,
	.llseek = no_llseek,
};

/**
 * cpc_test_chan_add() - give a new guest channel its test hooks.
 * @ch: the channel.
 */
void cpc_test_chan_add(struct cpc_gchan *ch)
{
	if (IS_ERR_OR_NULL(cpc_test_channels_dir))
		return;
	ch->debugfs = debugfs_create_dir(ch->name, cpc_test_channels_dir);
	debugfs_create_file("inject_cpl", 0200, ch->debugfs, ch, &inject_cpl_fops);
	debugfs_create_file("flap", 0200, ch->debugfs, ch, &flap_fops);
}

/**
 * cpc_test_chan_remove() - remove them; returns once none runs any more.
 * @ch: the channel.
 */
void cpc_test_chan_remove(struct cpc_gchan *ch)
{
	debugfs_remove_recursive(ch->debugfs);
	ch->debugfs = NULL;
}
