// SPDX-License-Identifier: GPL-2.0
/*
 * chan_attach.c - CPC_IOCTL_CHANNEL_ATTACH / _DETACH on /dev/cpc_host:
 * attach a channel to a slice so that the slice's IPI destination mask
 * governs the channel's doorbells (channel.c, mediation.c). Attaching and
 * detaching are filter changes: refused (EPERM) once the slice is locked.
 * Lock order: cpc_slices_mutex, then the channel's lock (channel.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "channel.h"
#include "slice.h"

static int cpc_attach_copy_in(struct cpc_channel_attach *a, void __user *argp)
{
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)argp))
		return -EFAULT;
	if (usize < sizeof(*a))
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(a, sizeof(*a), argp, usize);
	if (ret)
		return ret;
	if (a->flags || a->reserved[0] || a->reserved[1])
		return -EINVAL;
	if (!a->channel[0] || !memchr(a->channel, '\0', sizeof(a->channel)))
		return -EINVAL;
	return cpc_slice_check_name(a->slice, sizeof(a->slice));
}

/**
 * cpc_host_channel_attach() - CPC_IOCTL_CHANNEL_ATTACH or _DETACH.
 * @cmd:  the command.
 * @argp: user address of a struct cpc_channel_attach.
 *
 * Return: 0 or a negative errno (see uapi/linux/cpc_host.h).
 */
long cpc_host_channel_attach(unsigned int cmd, void __user *argp)
{
	struct cpc_channel_attach a;
	struct cpc_hchan *ch;
	struct cpc_slice *s;
	bool locked, destroying;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = cpc_attach_copy_in(&a, argp);
	if (ret)
		return ret;
	if (mutex_lock_interruptible(&cpc_slices_mutex))
		return -EINTR;
	s = cpc_slice_find(a.slice);
	if (!s) {
		ret = -ENOENT;
		goto out_unlock;
	}
	spin_lock_irq(&s->lock);
	locked = s->filters.locked;
	destroying = s->state == CPC_SLICE_DESTROYING;
	spin_unlock_irq(&s->lock);
	if (destroying) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (locked) {
		pr_info_ratelimited("slice %s: filters are locked; channel %s not %s\n",
				    s->name, a.channel,
				    cmd == CPC_IOCTL_CHANNEL_ATTACH ? "attached" : "detached");
		ret = -EPERM;
		goto out_unlock;
	}
	ch = cpc_hchan_get(a.channel);
	if (!ch) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (cmd == CPC_IOCTL_CHANNEL_ATTACH)
		ret = cpc_hchan_attach_slice(ch, s);
	else
		ret = cpc_hchan_detach_slice(ch, s);
	if (!ret)
		pr_info("%s: %s slice %s\n", ch->name,
			cmd == CPC_IOCTL_CHANNEL_ATTACH ? "attached to" : "detached from",
			s->name);
	cpc_hchan_put(ch);
out_unlock:
	mutex_unlock(&cpc_slices_mutex);
	return ret;
}
