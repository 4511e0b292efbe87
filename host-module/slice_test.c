// SPDX-License-Identifier: GPL-2.0
/*
 * slice_test.c - a slice's test hooks (test builds only, see test_hooks.h):
 *
 *   /sys/kernel/debug/cpc_host/slices/<name>/mem   reads and writes the
 *       slice's memory (physical, through memremap): the scrub tests.
 *   /sys/kernel/debug/cpc_host/slices/<name>/send  writing "manager" or a
 *       CPU number asks cpc_mediate_send() about one send.
 *   /sys/kernel/debug/cpc_host/slices/<name>/ipi_pingpong  writing N
 *       (1-10000) sends N raw IPIs (CPC_SLICE_ECHO_RAW_PING_VECTOR, each
 *       through cpc_mediate_send()) to the slice's first CPU, one at a
 *       time, each answered by slice-echo with an IPI to the host doorbell;
 *       reading gives "ROUNDS AVG_NS MAX_NS" of the last run.
 *   /sys/kernel/debug/cpc_host/slices/<name>/entry_cr3  the page tables
 *       the last start entered the image with (a Linux slice's are in its
 *       low-memory slot, below 4 GiB).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/minmax.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/ktime.h>
#include <linux/sched.h>
#include <asm/apic.h>
#include <asm/smp.h>

#include <linux/cpc_slice.h>

#include "mediation.h"
#include "slice.h"
#include "test_hooks.h"
#include "test_hooks_int.h"

/* Physical address of byte @off of the slice's memory, and bytes left in its block. */
static int cpc_slice_mem_phys(struct cpc_slice *s, loff_t off, phys_addr_t *phys,
			      size_t *left)
{
	u64 bs = cpc_slice_block_size();
	u64 idx;

	if (off < 0 || off >= cpc_slice_mem_bytes(s))
		return -EINVAL;
	idx = div64_u64(off, bs);
	*phys = s->blocks[idx].start + (off - idx * bs);
	*left = bs - (off - idx * bs);
	return 0;
}

static ssize_t cpc_slice_mem_rw(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos, bool write)
{
	struct cpc_slice *s = file->private_data;
	phys_addr_t phys, base;
	size_t left, off_in_page, maplen;
	void *map;
	ssize_t ret;

	if (*ppos >= cpc_slice_mem_bytes(s))
		return write ? -EINVAL : 0;
	ret = cpc_slice_mem_phys(s, *ppos, &phys, &left);
	if (ret)
		return ret;
	count = min3(count, left, (size_t)SZ_1M);
	base = phys & PAGE_MASK;
	off_in_page = phys - base;
	maplen = PAGE_ALIGN(off_in_page + count);
	map = memremap(base, maplen, MEMREMAP_WB);
	if (!map)
		return -ENOMEM;
	if (write)
		ret = copy_from_user(map + off_in_page, (const char __user *)ubuf, count);
	else
		ret = copy_to_user(ubuf, map + off_in_page, count);
	memunmap(map);
	if (ret)
		return -EFAULT;
	*ppos += count;
	return count;
}

static ssize_t cpc_slice_mem_read(struct file *file, char __user *buf,
				  size_t count, loff_t *ppos)
{
	return cpc_slice_mem_rw(file, buf, count, ppos, false);
}

static ssize_t cpc_slice_mem_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	return cpc_slice_mem_rw(file, (char __user *)buf, count, ppos, true);
}

static const struct file_operations cpc_slice_mem_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = cpc_slice_mem_read,
	.write = cpc_slice_mem_write,
	.llseek = default_llseek,
};

/* Writing "manager" or a CPU number asks cpc_mediate_send() about one send. */
static ssize_t cpc_slice_send_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct cpc_slice *s = file->private_data;
	unsigned int target;
	char buf[16];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	strim(buf);
	if (!strcmp(buf, "manager"))
		target = CPC_MEDIATE_MANAGER;
	else if (kstrtouint(buf, 0, &target) || target == CPC_MEDIATE_MANAGER)
		return -EINVAL;
	ret = cpc_mediate_send(s, target);
	return ret ? ret : count;
}

static const struct file_operations cpc_slice_send_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = cpc_slice_send_write,
	.llseek = noop_llseek,
};

#define CPC_PP_TIMEOUT_NS	(100 * NSEC_PER_MSEC)

/* One raw round trip: 0 and its time, or -EPERM / -ETIMEDOUT. */
static int cpc_slice_pp_round(struct cpc_slice *s, u32 apicid, u64 *ns)
{
	s64 before = atomic64_read(&s->ipi_in);
	ktime_t t0 = ktime_get();
	int ret;

	ret = cpc_mediate_send(s, CPC_MEDIATE_MANAGER);
	if (ret)
		return ret;
	if (cpc_slice_send_ipi(apicid, APIC_DM_FIXED | CPC_SLICE_ECHO_RAW_PING_VECTOR))
		return -EIO;
	while (atomic64_read(&s->ipi_in) == before) {
		if (ktime_to_ns(ktime_sub(ktime_get(), t0)) > CPC_PP_TIMEOUT_NS)
			return -ETIMEDOUT;
		cpu_relax();
	}
	*ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	return 0;
}

static ssize_t cpc_slice_pp_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct cpc_slice *s = file->private_data;
	u64 ns, total = 0, max = 0;
	unsigned int n, i;
	u32 apicid;
	int ret;

	ret = kstrtouint_from_user(ubuf, count, 0, &n);
	if (ret)
		return ret;
	if (!n || n > 10000)
		return -EINVAL;
	if (READ_ONCE(s->state) != CPC_SLICE_RUNNING)
		return -ENOTCONN;
	apicid = cpu_physical_id(cpumask_first(s->cpus));
	for (i = 0; i < n; i++) {
		ret = cpc_slice_pp_round(s, apicid, &ns);
		if (ret)
			return ret;
		total += ns;
		max = max(max, ns);
		cond_resched();
	}
	WRITE_ONCE(s->pp_rounds, n);
	WRITE_ONCE(s->pp_avg_ns, div_u64(total, n));
	WRITE_ONCE(s->pp_max_ns, max);
	return count;
}

static ssize_t cpc_slice_pp_read(struct file *file, char __user *ubuf, size_t count,
				 loff_t *ppos)
{
	struct cpc_slice *s = file->private_data;
	char buf[64];
	int len;

	len = scnprintf(buf, sizeof(buf), "%llu %llu %llu\n", READ_ONCE(s->pp_rounds),
			READ_ONCE(s->pp_avg_ns), READ_ONCE(s->pp_max_ns));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations cpc_slice_pp_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = cpc_slice_pp_read,
	.write = cpc_slice_pp_write,
	.llseek = default_llseek,
};

/**
 * cpc_test_slice_add() - give a new slice its test hooks.
 * @s: the slice (cpc_slices_mutex held).
 */
void cpc_test_slice_add(struct cpc_slice *s)
{
	if (IS_ERR_OR_NULL(cpc_test_slices_dir))
		return;
	s->debugfs = debugfs_create_dir(s->name, cpc_test_slices_dir);
	debugfs_create_file_size("mem", 0600, s->debugfs, s, &cpc_slice_mem_fops,
				 cpc_slice_mem_bytes(s));
	debugfs_create_file("send", 0200, s->debugfs, s, &cpc_slice_send_fops);
	debugfs_create_file("ipi_pingpong", 0600, s->debugfs, s, &cpc_slice_pp_fops);
	debugfs_create_x64("entry_cr3", 0400, s->debugfs, &s->entry_cr3);
}

/**
 * cpc_test_slice_remove() - remove a slice's test hooks; returns once none
 * of them runs any more.
 * @s: the slice (cpc_slices_mutex held).
 */
void cpc_test_slice_remove(struct cpc_slice *s)
{
	debugfs_remove_recursive(s->debugfs);
	s->debugfs = NULL;
}
