// SPDX-License-Identifier: GPL-2.0
/*
 * invoke_test.c - test hooks of the guest procedures (test builds only, see
 * test_hooks.h; their ABI: invoke_test.h): cpc_guest/invoke runs one
 * installed procedure locally, without a channel (and without the owner's
 * policy, but with its bounds: cpc_proc_run());
 * cpc_guest/testbuf{,_phys} is a physically contiguous buffer with known
 * contents to snapshot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "invoke_test.h"

#include "cpc_ring.h"
#include "proc.h"
#include "proc_setup.h"
#include "test_hooks.h"

static struct dentry *invoke_dentry, *testbuf_dentry, *testbuf_phys_dentry;
static struct page *testbuf;

/**
 * struct invoke_file - the last outcome on one open invoke file.
 * @lock:    serialises invokes and reads on this file.
 * @res:     struct cpc_invoke_rsp followed by the result buffer, or NULL.
 * @res_len: valid bytes at @res.
 */
struct invoke_file {
	struct mutex lock;	/* serialises this file's invokes and reads */
	void *res;
	size_t res_len;
};

static int invoke_open(struct inode *inode, struct file *file)
{
	struct invoke_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	file->private_data = f;
	return 0;
}

static int invoke_release(struct inode *inode, struct file *file)
{
	struct invoke_file *f = file->private_data;

	kvfree(f->res);
	kfree(f);
	return 0;
}

static ssize_t invoke_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct invoke_file *f = file->private_data;
	struct cpc_proc_entry *proc;
	struct cpc_invoke_rsp rsp = { .size = sizeof(rsp) };
	struct cpc_proc_call call = { };
	struct cpc_invoke_req ireq;
	struct cpc_request req = { };
	void *arg = NULL, *res;
	int ret;

	if (*ppos || count < sizeof(ireq) ||
	    count > sizeof(ireq) + CPC_INVOKE_MAX_ARG)
		return -EINVAL;
	if (copy_from_user(&ireq, ubuf, sizeof(ireq)))
		return -EFAULT;
	if (ireq.size != sizeof(ireq) || (ireq.flags & ~CPC_INVOKE_F_EXPIRED) ||
	    ireq.reserved ||
	    ireq.arg_len != count - sizeof(ireq) ||
	    ireq.out_cap > CPC_INVOKE_MAX_OUT ||
	    ireq.deadline_ms > CPC_INVOKE_MAX_DEADLINE_MS)
		return -EINVAL;
	proc = cpc_proc_get(ireq.opcode);
	if (!proc)
		return -EOPNOTSUPP;
	if (ireq.arg_len) {
		arg = memdup_user(ubuf + sizeof(ireq), ireq.arg_len);
		if (IS_ERR(arg)) {
			ret = PTR_ERR(arg);
			arg = NULL;
			goto out_put;
		}
	}
	res = kvzalloc(sizeof(rsp) + ireq.out_cap, GFP_KERNEL);
	if (!res) {
		ret = -ENOMEM;
		goto out_put;
	}

	req.opcode = ireq.opcode;
	req.out_len = ireq.out_cap;
	req.arg_len = ireq.arg_len;
	req.deadline_ms = ireq.deadline_ms;
	memcpy(req.args, ireq.args, sizeof(req.args));
	call.req = &req;
	call.arg = arg;
	call.arg_len = ireq.arg_len;
	call.out = (u8 *)res + sizeof(rsp);
	call.out_cap = ireq.out_cap;
	call.deadline = jiffies + msecs_to_jiffies(ireq.deadline_ms ?:
						   CPC_INVOKE_DEFAULT_DEADLINE_MS);
	if (ireq.flags & CPC_INVOKE_F_EXPIRED)
		call.deadline = jiffies - 1;

	mutex_lock(&f->lock);
	ret = cpc_proc_run(proc, &call);
	rsp.status = cpc_errno_to_status(ret);
	if (!ret) {
		rsp.out_len = min(call.out_len, call.out_cap);
		memcpy(rsp.ret, call.ret, sizeof(rsp.ret));
	}
	memcpy(res, &rsp, sizeof(rsp));
	kvfree(f->res);
	f->res = res;
	f->res_len = sizeof(rsp) + rsp.out_len;
	mutex_unlock(&f->lock);
	ret = count;
out_put:
	cpc_proc_put(proc);
	kfree(arg);
	return ret;
}

static ssize_t invoke_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	struct invoke_file *f = file->private_data;
	ssize_t ret;

	mutex_lock(&f->lock);
	if (f->res)
		ret = simple_read_from_buffer(ubuf, count, ppos, f->res,
					      f->res_len);
	else
		ret = -ENODATA;
	mutex_unlock(&f->lock);
	return ret;
}

static const struct file_operations invoke_fops = {
	.owner = THIS_MODULE,
	.open = invoke_open,
	.release = invoke_release,
	.read = invoke_read,
	.write = invoke_write,
	.llseek = default_llseek,
};

static ssize_t testbuf_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(ubuf, count, ppos, page_address(testbuf),
				       CPC_TESTBUF_SIZE);
}

static ssize_t testbuf_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	return simple_write_to_buffer(page_address(testbuf), CPC_TESTBUF_SIZE,
				      ppos, ubuf, count);
}

static const struct file_operations testbuf_fops = {
	.owner = THIS_MODULE,
	.read = testbuf_read,
	.write = testbuf_write,
	.llseek = default_llseek,
};

static ssize_t testbuf_phys_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char text[48];
	int len;

	len = scnprintf(text, sizeof(text), "0x%llx %u\n",
			(u64)PFN_PHYS(page_to_pfn(testbuf)), CPC_TESTBUF_SIZE);
	return simple_read_from_buffer(ubuf, count, ppos, text, len);
}

static const struct file_operations testbuf_phys_fops = {
	.owner = THIS_MODULE,
	.read = testbuf_phys_read,
	.llseek = default_llseek,
};

/**
 * cpc_invoke_setup() - create the debugfs test hooks.
 * @debugfs: cpc_guest's debugfs directory (an error pointer without debugfs).
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int cpc_invoke_setup(struct dentry *debugfs)
{
	if (IS_ERR_OR_NULL(debugfs))
		return 0;
	testbuf = alloc_pages(GFP_KERNEL | __GFP_ZERO,
			      get_order(CPC_TESTBUF_SIZE));
	if (!testbuf)
		return -ENOMEM;
	invoke_dentry = debugfs_create_file("invoke", 0600, debugfs, NULL,
					    &invoke_fops);
	testbuf_dentry = debugfs_create_file("testbuf", 0600, debugfs, NULL,
					     &testbuf_fops);
	testbuf_phys_dentry = debugfs_create_file("testbuf_phys", 0400, debugfs,
						  NULL, &testbuf_phys_fops);
	return 0;
}

/**
 * cpc_invoke_teardown() - remove the debugfs test hooks; waits for file
 * operations in progress.
 *
 * Context: module exit.
 */
void cpc_invoke_teardown(void)
{
	debugfs_remove(testbuf_phys_dentry);
	debugfs_remove(testbuf_dentry);
	debugfs_remove(invoke_dentry);
	testbuf_phys_dentry = NULL;
	testbuf_dentry = NULL;
	invoke_dentry = NULL;
	if (testbuf)
		__free_pages(testbuf, get_order(CPC_TESTBUF_SIZE));
	testbuf = NULL;
}
