// SPDX-License-Identifier: GPL-2.0
/*
 * proc_reclaim.c - the reclaim and return procedures: give memory back to
 * the host balloon-style and take it back.
 *
 * reclaim takes pages out of use with alloc_pages(), zeroed so the host
 * never sees guest data, and takes them out of the managed page count
 * (MemTotal and MemAvailable drop), then reports their guest-physical
 * ranges, sorted and coalesced. Blocks are allocated as large as possible
 * (up to 1 MiB) and smaller on failure. The pages are unmovable, so they
 * are not allocated from movable memory (GFP_HIGHUSER, not
 * GFP_HIGHUSER_MOVABLE): they would block memory offlining and compaction
 * there. They are marked PageOffline while the host has them. return frees
 * the most recently reclaimed blocks first. Both are all or nothing.
 * Everything still held is freed on module unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/list_sort.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/sysfs.h>

#include "proc.h"
#include "proc_setup.h"

/* The largest block reclaim allocates in one go: 1 MiB. */
#define RECLAIM_MAX_ORDER	(20 - PAGE_SHIFT)
#define PAGES_PER_MIB		(SZ_1M >> PAGE_SHIFT)
/* Memory reclaim leaves to the guest: max(1/8 of RAM, 32 MiB). */
#define RECLAIM_RESERVE_MIN	(SZ_32M >> PAGE_SHIFT)

#define RECLAIM_GFP	(GFP_HIGHUSER | __GFP_ZERO | __GFP_NORETRY | \
			 __GFP_NOWARN | __GFP_NOMEMALLOC)

/* Blocks are chained through page->lru, their order in page_private. */
static LIST_HEAD(cpc_reclaimed);
static unsigned long cpc_reclaimed_pages;
static DEFINE_MUTEX(cpc_reclaim_lock);

static unsigned int block_order(struct page *page)
{
	return page_private(page);
}

/*
 * Reclaimed pages are marked PageOffline, like other balloon drivers do:
 * logically offline, not to be read (the snapshot procedure and dump tools
 * skip them); the host may have handed their memory to someone else.
 */
static void block_mark(struct page *page, unsigned int order, bool offline)
{
	unsigned long i;

	for (i = 0; i < (1UL << order); i++) {
		if (offline)
			__SetPageOffline(page + i);
		else
			__ClearPageOffline(page + i);
	}
}

static void block_free(struct page *page)
{
	unsigned int order = block_order(page);

	set_page_private(page, 0);
	block_mark(page, order, false);
	adjust_managed_page_count(page, 1L << order);
	__free_pages(page, order);
}

static void blocks_free(struct list_head *blocks)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, blocks, lru) {
		list_del(&page->lru);
		block_free(page);
		cond_resched();
	}
}

static int block_cmp(void *priv, const struct list_head *a,
		     const struct list_head *b)
{
	unsigned long pa = page_to_pfn(list_entry(a, struct page, lru));
	unsigned long pb = page_to_pfn(list_entry(b, struct page, lru));

	return pa < pb ? -1 : pa > pb;
}

/*
 * Sorts @blocks by address and writes them, coalesced, as struct cpc_range
 * to @call's result buffer. Returns the number of ranges, or -ENOSPC when
 * they do not fit (nothing useful is then in the buffer).
 */
static int blocks_report(struct list_head *blocks, struct cpc_proc_call *call)
{
	u32 max = call->out_cap / sizeof(struct cpc_range);
	struct cpc_range *out = call->out;
	struct { u64 start, size; } r = { 0, 0 };
	struct cpc_range w;
	struct page *page;
	u32 n = 0;

	list_sort(NULL, blocks, block_cmp);
	list_for_each_entry(page, blocks, lru) {
		u64 start = PFN_PHYS(page_to_pfn(page));
		u64 size = (u64)PAGE_SIZE << block_order(page);

		if (r.size && r.start + r.size == start) {
			r.size += size;
			continue;
		}
		if (r.size) {
			if (n == max)
				return -ENOSPC;
			w.start = cpu_to_le64(r.start);
			w.size = cpu_to_le64(r.size);
			memcpy(&out[n++], &w, sizeof(w));
		}
		r.start = start;
		r.size = size;
	}
	if (r.size) {
		if (n == max)
			return -ENOSPC;
		w.start = cpu_to_le64(r.start);
		w.size = cpu_to_le64(r.size);
		memcpy(&out[n++], &w, sizeof(w));
	}
	call->out_len = n * sizeof(struct cpc_range);
	return n;
}

static int reclaim_run(struct cpc_proc_call *call)
{
	u64 mib = call->req->args[0];
	unsigned long want, reserve, got = 0;
	unsigned int order = RECLAIM_MAX_ORDER;
	struct sysinfo si;
	long avail;
	LIST_HEAD(blocks);
	int ret;

	if (!mib || mib > CPC_RECLAIM_MAX_MIB)
		return -EINVAL;
	if (call->out_cap < sizeof(struct cpc_range))
		return -ENOSPC;
	want = mib * PAGES_PER_MIB;
	si_meminfo(&si);
	reserve = max_t(unsigned long, si.totalram / 8, RECLAIM_RESERVE_MIN);
	avail = si_mem_available();
	if (avail <= 0 || want + reserve > (unsigned long)avail)
		return -ENOMEM;

	mutex_lock(&cpc_reclaim_lock);
	while (got < want) {
		struct page *page;

		if (time_after(jiffies, call->deadline)) {
			ret = -ETIMEDOUT;
			goto err_free;
		}
		/* Never larger than what is left: the total stays exact. */
		while ((1UL << order) > want - got)
			order--;
		page = alloc_pages(RECLAIM_GFP, order);
		if (!page) {
			if (order) {
				order--;
				continue;
			}
			ret = -ENOMEM;
			goto err_free;
		}
		set_page_private(page, order);
		block_mark(page, order, true);
		adjust_managed_page_count(page, -(1L << order));
		list_add_tail(&page->lru, &blocks);
		got += 1UL << order;
		cond_resched();
	}
	ret = blocks_report(&blocks, call);
	if (ret < 0)
		goto err_free;
	call->ret[0] = (u64)got << PAGE_SHIFT;
	call->ret[1] = ret;
	/* Newest first, so that return gives back the latest blocks first. */
	list_splice(&blocks, &cpc_reclaimed);
	cpc_reclaimed_pages += got;
	mutex_unlock(&cpc_reclaim_lock);
	return 0;

err_free:
	blocks_free(&blocks);
	mutex_unlock(&cpc_reclaim_lock);
	call->out_len = 0;
	return ret;
}

static int return_run(struct cpc_proc_call *call)
{
	u64 mib = call->req->args[0];
	unsigned long want, got = 0;
	LIST_HEAD(blocks);
	int ret;

	if (mib > CPC_RECLAIM_MAX_MIB)
		return -EINVAL;
	mutex_lock(&cpc_reclaim_lock);
	want = mib ? mib * PAGES_PER_MIB : cpc_reclaimed_pages;
	if (want > cpc_reclaimed_pages) {
		ret = -EINVAL;
		goto out;
	}
	if (want && call->out_cap < sizeof(struct cpc_range)) {
		ret = -ENOSPC;
		goto out;
	}
	while (got < want) {
		struct page *page = list_first_entry(&cpc_reclaimed, struct page, lru);
		unsigned int order = block_order(page);

		if ((1UL << order) > want - got) {
			/* Split the block into single pages and go on. */
			unsigned long i;

			list_del(&page->lru);
			split_page(page, order);
			for (i = 0; i < (1UL << order); i++) {
				set_page_private(page + i, 0);
				list_add(&page[i].lru, &cpc_reclaimed);
			}
			continue;
		}
		list_move_tail(&page->lru, &blocks);
		got += 1UL << order;
	}
	ret = 0;
	call->out_len = 0;
	if (got) {
		ret = blocks_report(&blocks, call);
		if (ret < 0) {
			/* Put them back: nothing is returned. */
			list_splice(&blocks, &cpc_reclaimed);
			call->out_len = 0;
			goto out;
		}
	}
	call->ret[0] = (u64)got << PAGE_SHIFT;
	call->ret[1] = ret;
	cpc_reclaimed_pages -= got;
	blocks_free(&blocks);
	ret = 0;
out:
	mutex_unlock(&cpc_reclaim_lock);
	return ret;
}

/**
 * cpc_reclaim_release_all() - give every reclaimed page back to the guest.
 *
 * Context: module exit; no procedure can run any more.
 */
void cpc_reclaim_release_all(void)
{
	mutex_lock(&cpc_reclaim_lock);
	if (cpc_reclaimed_pages)
		pr_info("returning %lu reclaimed pages on unload\n",
			cpc_reclaimed_pages);
	blocks_free(&cpc_reclaimed);
	cpc_reclaimed_pages = 0;
	mutex_unlock(&cpc_reclaim_lock);
}

static ssize_t reclaimed_bytes_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	unsigned long pages;

	mutex_lock(&cpc_reclaim_lock);
	pages = cpc_reclaimed_pages;
	mutex_unlock(&cpc_reclaim_lock);
	return sysfs_emit(buf, "%llu\n", (u64)pages << PAGE_SHIFT);
}

static struct kobj_attribute reclaimed_bytes_attr = __ATTR_RO(reclaimed_bytes);

static struct attribute *cpc_reclaim_attrs[] = {
	&reclaimed_bytes_attr.attr,
	NULL
};

/* /sys/kernel/cpc_guest/reclaimed_bytes */
const struct attribute_group cpc_reclaim_group = {
	.attrs = cpc_reclaim_attrs,
};

/* CPC_PROC_RECLAIM: see enum cpc_proc_opcode in cpc_proto.h. */
const struct cpc_proc_desc cpc_proc_reclaim = {
	.api = CPC_PROC_API_VERSION,
	.name = "reclaim",
	.opcode = CPC_PROC_RECLAIM,
	.version = 1,
	.arg_max = CPC_ARG_MAX,
	.run = reclaim_run,
};

/* CPC_PROC_RETURN: see enum cpc_proc_opcode in cpc_proto.h. */
const struct cpc_proc_desc cpc_proc_return = {
	.api = CPC_PROC_API_VERSION,
	.name = "return",
	.opcode = CPC_PROC_RETURN,
	.version = 1,
	.arg_max = CPC_ARG_MAX,
	.run = return_run,
};
