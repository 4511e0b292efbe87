// SPDX-License-Identifier: GPL-2.0
/*
 * cpc_proc_memory.ko - the guest's memory blocks (qemu-ga's
 * guest-get-memory-blocks and guest-set-memory-blocks), through the
 * kernel's memory hotplug files as init sees them
 * (/sys/devices/system/memory/memoryN/state), as qemu-ga does.
 *
 * memory-blocks: a JSON array of {"block","phys_addr","online",
 * "can_offline"} by block number; ret[0] = blocks, ret[1] = the block size
 * in bytes. -ENOSPC when it does not fit, -ETIMEDOUT past the deadline.
 *
 * memory-block-set: args[0] = block, args[1] = 1 online, 0 offline. ret[0]
 * = 1 if it changed, 0 if it already was so. -ENOENT for no such block,
 * -EINVAL for args[1] > 1, -EBUSY when the kernel cannot offline it now
 * (memory in use that cannot move), -ETIMEDOUT when the hotplug lock stays
 * taken past the deadline.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "../cpc_proc.h"

#define CPC_MEM_DIR		"/sys/devices/system/memory"
/** CPC_MEM_MAX_BLOCKS - most blocks listed (4 TiB of 128 MiB blocks). */
#define CPC_MEM_MAX_BLOCKS	32768u

/**
 * struct cpc_mem_list - the block numbers found in CPC_MEM_DIR.
 * @ctx:  the directory walk.
 * @ids:  block numbers.
 * @n:    how many.
 * @full: more than CPC_MEM_MAX_BLOCKS.
 */
struct cpc_mem_list {
	struct dir_context ctx;
	u32 *ids;
	unsigned int n;
	bool full;
};

static bool cpc_mem_actor(struct dir_context *ctx, const char *name, int len,
			  loff_t off, u64 ino, unsigned int type)
{
	struct cpc_mem_list *l = container_of(ctx, struct cpc_mem_list, ctx);
	char num[16];
	u32 id;

	if (len <= 6 || len - 6 >= sizeof(num) || strncmp(name, "memory", 6))
		return true;
	memcpy(num, name + 6, len - 6);
	num[len - 6] = '\0';
	if (kstrtou32(num, 10, &id))
		return true;
	if (l->n == CPC_MEM_MAX_BLOCKS) {
		l->full = true;
		return false;
	}
	l->ids[l->n++] = id;
	return true;
}

static int cpc_mem_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* Reads memoryN/@file (a short text) into @buf; 0 or -errno. */
static int cpc_mem_read(u32 id, const char *file, char *buf, size_t cap)
{
	char path[96];
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	snprintf(path, sizeof(path), CPC_MEM_DIR "/memory%u/%s", id, file);
	f = cpc_proc_open(path, O_RDONLY);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, cap - 1, &pos);
	filp_close(f, NULL);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return 0;
}

static bool cpc_mem_online(u32 id, int *err)
{
	char state[32];

	*err = cpc_mem_read(id, "state", state, sizeof(state));
	return !*err && !strncmp(state, "online", 6);
}

static int cpc_mem_blocks_run(struct cpc_proc_call *call)
{
	struct cpc_mem_list l = { .ctx.actor = cpc_mem_actor };
	unsigned long bs = memory_block_size_bytes();
	char removable[8];
	struct cpc_buf b;
	struct file *dir;
	unsigned int i;
	bool on;
	int ret;

	l.ids = kvmalloc_array(CPC_MEM_MAX_BLOCKS, sizeof(*l.ids), GFP_KERNEL);
	if (!l.ids)
		return -ENOMEM;
	dir = cpc_proc_open(CPC_MEM_DIR, O_RDONLY | O_DIRECTORY);
	if (IS_ERR(dir)) {
		ret = PTR_ERR(dir);
		goto out_ids;
	}
	ret = iterate_dir(dir, &l.ctx);
	filp_close(dir, NULL);
	if (!ret && l.full)
		ret = -ENOSPC;
	if (ret)
		goto out_ids;
	sort(l.ids, l.n, sizeof(*l.ids), cpc_mem_cmp, NULL);
	ret = cpc_buf_init(&b, call->out_cap);
	if (ret)
		goto out_ids;
	cpc_buf_printf(&b, "[");
	for (i = 0; i < l.n && !b.overflow; i++) {
		if (time_after(jiffies, call->deadline)) {
			ret = -ETIMEDOUT;
			break;
		}
		on = cpc_mem_online(l.ids[i], &ret);
		if (ret)
			break;
		/* Without the file (newer kernels), the kernel decides at offline. */
		if (cpc_mem_read(l.ids[i], "removable", removable, sizeof(removable)))
			strscpy(removable, "1", sizeof(removable));
		cpc_buf_printf(&b, "%s{\"block\":%u,\"phys_addr\":%llu,", i ? "," : "",
			       l.ids[i], (u64)l.ids[i] * bs);
		cpc_buf_printf(&b, "\"online\":%s,\"can_offline\":%s}", on ? "true" : "false",
			       removable[0] == '1' ? "true" : "false");
	}
	cpc_buf_printf(&b, "]\n");
	ret = cpc_buf_end(&b, call, ret);
	if (!ret) {
		call->ret[0] = l.n;
		call->ret[1] = bs;
	}
out_ids:
	kvfree(l.ids);
	return ret;
}

static int cpc_mem_block_set_run(struct cpc_proc_call *call)
{
	u64 id = call->req->args[0], on = call->req->args[1];
	const char *word = on ? "online" : "offline";
	char path[96];
	struct file *f;
	loff_t pos;
	ssize_t n;
	int err;

	if (on > 1 || id > U32_MAX)
		return on > 1 ? -EINVAL : -ENOENT;
	if (cpc_mem_online(id, &err) == on || err) {
		call->ret[0] = 0;
		return err;
	}
	snprintf(path, sizeof(path), CPC_MEM_DIR "/memory%llu/state", id);
	f = cpc_proc_open(path, O_WRONLY);
	if (IS_ERR(f))
		return PTR_ERR(f);
	for (;;) {
		pos = 0;
		n = kernel_write(f, word, strlen(word), &pos);
		/* The hotplug lock was taken: sysfs asks to restart. */
		if (n != -ERESTARTNOINTR)
			break;
		if (!(current->flags & PF_KTHREAD)) {
			n = -EBUSY;	/* a user's signals are not ours to flush */
			break;
		}
		flush_signals(current);
		if (time_after(jiffies, call->deadline)) {
			n = -ETIMEDOUT;
			break;
		}
		msleep(20);
	}
	filp_close(f, NULL);
	if (n < 0)
		return n;
	pr_info("the host took memory block %llu %s\n", id, word);
	call->ret[0] = 1;
	return 0;
}

static const struct cpc_proc_desc cpc_proc_memory_blocks = {
	.api = CPC_PROC_API_VERSION,
	.name = "memory-blocks",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.run = cpc_mem_blocks_run,
	.owner = THIS_MODULE,
};

static const struct cpc_proc_desc cpc_proc_memory_block_set = {
	.api = CPC_PROC_API_VERSION,
	.name = "memory-block-set",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.run = cpc_mem_block_set_run,
	.owner = THIS_MODULE,
};

static int __init cpc_proc_memory_init(void)
{
	int ret = cpc_proc_register(&cpc_proc_memory_blocks);

	if (ret < 0)
		return ret;
	ret = cpc_proc_register(&cpc_proc_memory_block_set);
	if (ret < 0) {
		cpc_proc_unregister(&cpc_proc_memory_blocks);
		return ret;
	}
	return 0;
}

static void __exit cpc_proc_memory_exit(void)
{
	cpc_proc_unregister(&cpc_proc_memory_block_set);
	cpc_proc_unregister(&cpc_proc_memory_blocks);
}

module_init(cpc_proc_memory_init);
module_exit(cpc_proc_memory_exit);

MODULE_DESCRIPTION("cpc guest procedures: memory-blocks, memory-block-set");
MODULE_LICENSE("GPL");
