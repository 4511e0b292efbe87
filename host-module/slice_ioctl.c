// SPDX-License-Identifier: GPL-2.0
/*
 * slice_ioctl.c - the slice ioctls of /dev/cpc_host (CPC_IOCTL_SLICE_*):
 * copy in, check size/flags/reserved and privilege, dispatch to slice.c and
 * slice_filter.c, copy out. The errno of every path is documented in
 * uapi/linux/cpc_host.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "slice.h"

/*
 * Copies a struct whose first field is its size: a smaller size than the
 * kernel knows is -EINVAL, a larger one must have zero extra bytes (-E2BIG).
 */
static int cpc_copy_in(void *dst, size_t ksize, void __user *argp)
{
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)argp))
		return -EFAULT;
	if (usize < ksize || usize > PAGE_SIZE)
		return usize < ksize ? -EINVAL : -E2BIG;
	ret = copy_struct_from_user(dst, ksize, argp, usize);
	if (ret)
		return ret;
	*(u32 *)dst = ksize;
	return 0;
}

static long cpc_ioctl_create(void __user *argp)
{
	struct cpc_slice_create *req;
	long ret;

	req = kmalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	ret = cpc_copy_in(req, sizeof(*req), argp);
	if (ret)
		goto out;
	ret = cpc_slice_create(req, req);
	if (ret)
		goto out;
	if (copy_to_user(argp, req, sizeof(*req)))
		ret = -EFAULT;	/* the slice exists; its name is known to the caller */
out:
	kfree(req);
	return ret;
}

static int cpc_check_ref(const struct cpc_slice_ref *r)
{
	if (r->flags || memchr_inv(r->reserved, 0, sizeof(r->reserved)))
		return -EINVAL;
	return cpc_slice_check_name(r->name, sizeof(r->name));
}

/* Runs @op on the slice named @name with cpc_slices_mutex held. */
static long cpc_with_slice(const char *name, int (*op)(struct cpc_slice *s, const void *arg),
			   const void *arg)
{
	struct cpc_slice *s;
	long ret;

	if (mutex_lock_interruptible(&cpc_slices_mutex))
		return -EINTR;
	s = cpc_slice_find(name);
	if (!s) {
		pr_info_ratelimited("no slice named %s\n", name);
		ret = -ENOENT;
	} else {
		ret = op(s, arg);
	}
	mutex_unlock(&cpc_slices_mutex);
	return ret;
}

static int cpc_op_destroy(struct cpc_slice *s, const void *arg)
{
	return cpc_slice_destroy(s);
}

static int cpc_op_lock(struct cpc_slice *s, const void *arg)
{
	return cpc_slice_lock(s);
}

static int cpc_op_filter(struct cpc_slice *s, const void *arg)
{
	return cpc_slice_filter(s, arg);
}

static int cpc_op_start(struct cpc_slice *s, const void *arg)
{
	return cpc_slice_start(s);
}

static int cpc_op_stop(struct cpc_slice *s, const void *arg)
{
	return cpc_slice_stop(s);
}

static int cpc_op_load(struct cpc_slice *s, const void *arg)
{
	return cpc_slice_load(s, arg);
}

static long cpc_ioctl_ref(void __user *argp, int (*op)(struct cpc_slice *s, const void *arg))
{
	struct cpc_slice_ref r;
	long ret;

	ret = cpc_copy_in(&r, sizeof(r), argp);
	if (ret)
		return ret;
	ret = cpc_check_ref(&r);
	if (ret)
		return ret;
	return cpc_with_slice(r.name, op, NULL);
}

static long cpc_ioctl_filter(void __user *argp)
{
	struct cpc_slice_filter *f;
	long ret;

	f = kmalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	ret = cpc_copy_in(f, sizeof(*f), argp);
	if (ret)
		goto out;
	if (memchr_inv(f->reserved, 0, sizeof(f->reserved)) ||
	    cpc_slice_check_name(f->name, sizeof(f->name))) {
		ret = -EINVAL;
		goto out;
	}
	ret = cpc_with_slice(f->name, cpc_op_filter, f);
out:
	kfree(f);
	return ret;
}

static long cpc_ioctl_load(void __user *argp)
{
	struct cpc_slice_load req;
	long ret;

	ret = cpc_copy_in(&req, sizeof(req), argp);
	if (ret)
		return ret;
	if ((req.flags & ~CPC_SLICE_LOAD_LINUX) || req.reserved ||
	    cpc_slice_check_name(req.name, sizeof(req.name)))
		return -EINVAL;
	if (!(req.flags & CPC_SLICE_LOAD_LINUX) &&
	    (req.initrd_ptr || req.initrd_len || req.cmdline_ptr || req.cmdline_len))
		return -EINVAL;
	return cpc_with_slice(req.name, cpc_op_load, &req);
}

struct cpc_console_arg {
	struct cpc_slice_console *c;
	u8 *buf;
};

static int cpc_op_console(struct cpc_slice *s, const void *arg)
{
	const struct cpc_console_arg *a = arg;

	return cpc_slice_console_read(s, a->c, a->buf);
}

static long cpc_ioctl_console(void __user *argp)
{
	struct cpc_slice_console c;
	struct cpc_console_arg a = { .c = &c };
	long ret;

	ret = cpc_copy_in(&c, sizeof(c), argp);
	if (ret)
		return ret;
	if (c.flags || c.len || c.lost || c.head || memchr_inv(c.reserved, 0, sizeof(c.reserved)) ||
	    !c.buf_len || c.buf_len > CPC_SLICE_CONSOLE_MAX ||
	    cpc_slice_check_name(c.name, sizeof(c.name)))
		return -EINVAL;
	a.buf = kvmalloc(c.buf_len, GFP_KERNEL);
	if (!a.buf)
		return -ENOMEM;
	/* Copied under the mutex (keeps the bus), to user space after it. */
	ret = cpc_with_slice(c.name, cpc_op_console, &a);
	if (!ret && (copy_to_user(u64_to_user_ptr(c.buf_ptr), a.buf, c.len) ||
		     copy_to_user(argp, &c, sizeof(c))))
		ret = -EFAULT;
	kvfree(a.buf);
	return ret;
}

/**
 * cpc_slice_ioctl() - dispatch one CPC_IOCTL_SLICE_* command.
 * @cmd:  the command.
 * @argp: its user-space argument.
 *
 * Return: the command's result, or -ENOTTY for a command that is not a
 * slice ioctl.
 */
long cpc_slice_ioctl(unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case CPC_IOCTL_SLICE_CREATE:
	case CPC_IOCTL_SLICE_DESTROY:
	case CPC_IOCTL_SLICE_LOCK:
	case CPC_IOCTL_SLICE_FILTER:
	case CPC_IOCTL_SLICE_LOAD:
	case CPC_IOCTL_SLICE_START:
	case CPC_IOCTL_SLICE_STOP:
	case CPC_IOCTL_SLICE_CONSOLE:
		break;
	default:
		return -ENOTTY;
	}
	/* Every slice ioctl changes state or reads the slice's console. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	switch (cmd) {
	case CPC_IOCTL_SLICE_CREATE:
		return cpc_ioctl_create(argp);
	case CPC_IOCTL_SLICE_DESTROY:
		return cpc_ioctl_ref(argp, cpc_op_destroy);
	case CPC_IOCTL_SLICE_LOCK:
		return cpc_ioctl_ref(argp, cpc_op_lock);
	case CPC_IOCTL_SLICE_LOAD:
		return cpc_ioctl_load(argp);
	case CPC_IOCTL_SLICE_START:
		return cpc_ioctl_ref(argp, cpc_op_start);
	case CPC_IOCTL_SLICE_STOP:
		return cpc_ioctl_ref(argp, cpc_op_stop);
	case CPC_IOCTL_SLICE_CONSOLE:
		return cpc_ioctl_console(argp);
	default:
		return cpc_ioctl_filter(argp);
	}
}
