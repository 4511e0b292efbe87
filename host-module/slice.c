// SPDX-License-Identifier: GPL-2.0
/*
 * slice.c - slice lifecycle: create (take CPUs and memory blocks away from
 * the host, scrub the memory), destroy (scrub, give everything back), the
 * slice list, the CPU hot-plug guard and the debugfs test hooks. Running
 * code on a slice (park, load, start, stop) is in slice_boot.c and
 * slice_image.c.
 *
 * See slice.h for the lock order. Everything that changes a slice runs
 * under cpc_slices_mutex; create validates the whole request before its
 * first side effect, records what it changed (cpc_slice::offlined,
 * cpc_slice_block::removed) and undoes exactly that on failure.
 *
 * CPUs of a slice cannot be brought back behind the module's back: a
 * dynamic CPU hot-plug PREPARE state refuses to bring up any CPU in
 * cpc_sliced_cpus, or any other thread of a sliced core (slice_topology.c),
 * before it is started, so "echo 1 > /sys/devices/system/cpu/cpuN/online"
 * fails with EBUSY. Create sets the bits of its CPUs once they are
 * validated (under cpus_read_lock(), so no CPU comes up between the check
 * and the reservation); the module clears them just before it calls
 * add_cpu() itself.
 *
 * Memory: a slice takes only plain System RAM (the iomem resource the
 * firmware or ACPI hot-plug gave the host, not memory a driver such as
 * virtio-mem or dax/kmem manages) and gives it back the same way
 * (add_memory(), a firmware-visible "System RAM" resource). Its memory is
 * zeroed when it is taken (offline_and_remove_memory() leaves stale copies
 * of migrated pages and old free pages behind) and again when it is given
 * back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/ctype.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "channel.h"
#include "mediation.h"
#include "slice.h"
#include "test_hooks.h"

/* Serialises every slice change; see slice.h for the lock order. */
DEFINE_MUTEX(cpc_slices_mutex);
LIST_HEAD(cpc_slices);
struct cpumask cpc_sliced_cpus;

static enum cpuhp_state cpc_cpuhp_state;

/* Last scrub (create or destroy), for the benchmark (sysfs last_scrub). */
atomic64_t cpc_last_scrub_bytes;
atomic64_t cpc_last_scrub_ns;
/* Blocks destroy gave back that were not online right after (sysfs). */
atomic64_t cpc_blocks_returned_offline;

u64 cpc_slice_block_size(void)
{
	return memory_block_size_bytes();
}

u64 cpc_slice_mem_bytes(const struct cpc_slice *s)
{
	return (u64)s->nr_blocks * cpc_slice_block_size();
}

/* One past the highest memory block index any online node spans. */
unsigned long cpc_slice_max_block(void)
{
	unsigned long end = 0;
	int nid;

	for_each_online_node(nid)
		end = max(end, node_end_pfn(nid));
	return div64_u64(PFN_PHYS(end) + cpc_slice_block_size() - 1,
			 cpc_slice_block_size());
}

/*
 * A block can be sliced when every section of it is online and in
 * ZONE_MOVABLE (hot-removable by construction).
 */
bool cpc_slice_block_usable(unsigned long index)
{
	u64 bs = cpc_slice_block_size();
	unsigned long pfn, end;

	if (index >= cpc_slice_max_block())
		return false;
	pfn = PHYS_PFN((u64)index * bs);
	end = PHYS_PFN((u64)(index + 1) * bs);
	for (; pfn < end; pfn += PAGES_PER_SECTION) {
		struct page *page = pfn_to_online_page(pfn);

		if (!page || zone_idx(page_zone(page)) != ZONE_MOVABLE)
			return false;
	}
	return true;
}

/* Walks the System RAM resources of one block; see cpc_slice_block_plain_ram(). */
struct cpc_ram_walk {
	u64 next;	/* first byte not yet covered */
	bool plain;
};

static int cpc_ram_walk_one(struct resource *res, void *arg)
{
	struct cpc_ram_walk *w = arg;

	if (res->start != w->next || res->desc != IORES_DESC_NONE ||
	    (res->flags & IORESOURCE_SYSRAM_DRIVER_MANAGED)) {
		w->plain = false;
		return 1;
	}
	w->next = res->end + 1;
	return 0;
}

/**
 * cpc_slice_block_plain_ram() - the host may give this block to a slice.
 * @index: memory block index.
 *
 * Return: true if the whole block is plain System RAM: covered without a
 * gap by busy iomem resources with IORESOURCE_SYSTEM_RAM, no descriptor
 * and no IORESOURCE_SYSRAM_DRIVER_MANAGED (boot RAM and ACPI hot-plugged
 * DIMMs, shown as "System RAM" in /proc/iomem); false for memory a driver
 * added and manages ("System RAM (virtio_mem)", "System RAM (kmem)", ...).
 */
bool cpc_slice_block_plain_ram(unsigned long index)
{
	u64 bs = cpc_slice_block_size(), start = (u64)index * bs;
	struct cpc_ram_walk w = { .next = start, .plain = true };

	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    start, start + bs - 1, &w, cpc_ram_walk_one);
	return w.plain && w.next == start + bs;
}

bool cpc_block_in_any_slice(unsigned long index)
{
	u64 start = (u64)index * cpc_slice_block_size();
	struct cpc_slice *s;
	unsigned int i;

	lockdep_assert_held(&cpc_slices_mutex);
	list_for_each_entry(s, &cpc_slices, node)
		for (i = 0; i < s->nr_blocks; i++)
			if (s->blocks[i].start == start)
				return true;
	return false;
}

struct cpc_slice *cpc_slice_find(const char *name)
{
	struct cpc_slice *s;

	lockdep_assert_held(&cpc_slices_mutex);
	list_for_each_entry(s, &cpc_slices, node)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/**
 * cpc_slice_check_name() - validate a name field from user space.
 * @name: the field.
 * @size: its size.
 *
 * Return: 0 if it holds 1..@size-1 characters of [A-Za-z0-9_-], starting
 * with a letter or digit, NUL-terminated; -EINVAL otherwise.
 */
int cpc_slice_check_name(const char *name, size_t size)
{
	size_t len = strnlen(name, size), i;

	if (len == 0 || len == size || !isascii(name[0]) || !isalnum(name[0]))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isascii(name[i]) ||
		    (!isalnum(name[i]) && name[i] != '_' && name[i] != '-'))
			return -EINVAL;
	/* NUL padding only: no hidden bytes after the name. */
	for (; i < size; i++)
		if (name[i])
			return -EINVAL;
	return 0;
}

/* ---- CPU hot-plug guard --------------------------------------------- */

static int cpc_cpu_prepare(unsigned int cpu)
{
	if (cpumask_test_cpu(cpu, &cpc_sliced_cpus)) {
		pr_notice_ratelimited("CPU%u belongs to a slice: refusing to bring it online\n",
				      cpu);
		return -EBUSY;
	}
	if (cpc_cpu_held_by_slice(cpu)) {
		pr_notice_ratelimited("CPU%u may be a thread of a sliced core: refusing to bring it online\n",
				      cpu);
		return -EBUSY;
	}
	return 0;
}

/* ---- create / destroy ------------------------------------------------- */

/*
 * Gives a block back as what it was when the slice took it: plain System
 * RAM (the only kind create accepts), firmware-visible, onlined by the
 * host's memory hot-plug policy. add_memory() ignores a failure to online
 * (a memory notifier refusing, an allocation of the hot-plug failing) and
 * a host may have auto-online off: a block that is not online afterwards
 * is the host's again but not in use, so it is counted
 * (blocks_returned_offline) and the log says how to online it.
 */
static int cpc_slice_readd_block(struct cpc_slice_block *b)
{
	u64 bs = cpc_slice_block_size();
	int ret;

	ret = add_memory(b->nid, b->start, bs, MHP_NONE);
	if (ret) {
		pr_err("re-adding memory 0x%llx failed: %d\n", b->start, ret);
		return ret;
	}
	b->removed = false;
	if (!pfn_to_online_page(PHYS_PFN(b->start))) {
		u64 id = div64_u64(b->start, bs);	/* the memory block device */

		atomic64_inc(&cpc_blocks_returned_offline);
		pr_warn_ratelimited("memory block %llu (0x%llx) given back offline (auto-online off, or onlining failed): echo online_movable > /sys/devices/system/memory/memory%llu/state\n",
				    id, b->start, id);
	}
	return 0;
}

/* Zeroes a removed block (memremap + memset in 2 MiB steps); counts it in last_scrub. */
static int cpc_slice_scrub_block(const struct cpc_slice_block *b)
{
	u64 bs = cpc_slice_block_size(), done;
	ktime_t t0 = ktime_get();
	void *map = memremap(b->start, bs, MEMREMAP_WB);

	if (!map) {
		pr_err("cannot map memory 0x%llx to scrub it\n", b->start);
		return -ENOMEM;
	}
	for (done = 0; done < bs; done += SZ_2M) {
		memset(map + done, 0, min_t(u64, SZ_2M, bs - done));
		cond_resched();
	}
	memunmap(map);
	atomic64_add(bs, &cpc_last_scrub_bytes);
	atomic64_add(ktime_to_ns(ktime_sub(ktime_get(), t0)), &cpc_last_scrub_ns);
	return 0;
}

static int cpc_slice_online_cpu(struct cpc_slice *s, unsigned int cpu)
{
	int ret;

	ret = add_cpu(cpu);	/* 1: already online, which is what we want */
	if (ret < 0) {
		pr_err("bringing CPU%u back failed: %d\n", cpu, ret);
		return ret;
	}
	cpumask_clear_cpu(cpu, s->offlined);
	return 0;
}

/*
 * Undo what create changed, in reverse: memory first (it was taken last),
 * then CPUs. Best effort: a step that fails is logged and the rest still
 * runs; returns the first error.
 */
static int cpc_slice_give_back(struct cpc_slice *s, bool scrub)
{
	unsigned int cpu, step = 0;
	int i, ret = 0, err;

	for (i = s->nr_blocks - 1; i >= 0; i--) {
		struct cpc_slice_block *b = &s->blocks[i];

		if (!b->removed)
			continue;
		if (scrub) {
			err = cpc_slice_scrub_block(b);
			if (err) {
				ret = ret ?: err;
				continue;
			}
		}
		/* Faults only in destroy (scrub): a roll-back must be complete. */
		err = scrub && cpc_test_fail_step(&step) ? -EIO : cpc_slice_readd_block(b);
		ret = ret ?: err;
	}
	/*
	 * Release all the slice's CPUs (those a failed create reserved but
	 * never took too) before bringing any back: the hot-plug guard refuses
	 * a thread of a core that still has a thread in a slice. Whatever
	 * stays offline stays the slice's.
	 */
	for_each_cpu(cpu, s->cpus)
		cpumask_clear_cpu(cpu, &cpc_sliced_cpus);
	for_each_cpu(cpu, s->offlined) {
		err = scrub && cpc_test_fail_step(&step) ? -EIO : cpc_slice_online_cpu(s, cpu);
		ret = ret ?: err;
	}
	for_each_cpu(cpu, s->offlined)
		cpumask_set_cpu(cpu, &cpc_sliced_cpus);
	return ret;
}

/*
 * Roll-back of a failed create: give everything back and drop the
 * reservation of the slice's CPUs; whatever could not be given back is
 * logged and released from the slice (the slice is about to be freed), so
 * the admin can bring it back by hand.
 */
static void cpc_slice_forget(struct cpc_slice *s)
{
	unsigned int cpu, i;
	int ret = cpc_slice_give_back(s, false);

	for_each_cpu(cpu, s->cpus) {
		if (cpumask_test_cpu(cpu, s->offlined))
			pr_err("CPU%u stays offline after a failed create; online it by hand\n",
			       cpu);
		cpumask_clear_cpu(cpu, &cpc_sliced_cpus);
	}
	if (!ret)
		return;
	for (i = 0; i < s->nr_blocks; i++)
		if (s->blocks[i].removed)
			pr_err("memory 0x%llx stays removed after a failed create\n",
			       s->blocks[i].start);
}

static struct cpc_slice *cpc_slice_alloc(const char *name)
{
	struct cpc_slice *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	if (!zalloc_cpumask_var(&s->cpus, GFP_KERNEL))
		goto err_free;
	if (!zalloc_cpumask_var(&s->offlined, GFP_KERNEL))
		goto err_cpus;
	if (cpc_slice_filters_init(s))
		goto err_offlined;
	strscpy(s->name, name, sizeof(s->name));
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->node);
	return s;

err_offlined:
	free_cpumask_var(s->offlined);
err_cpus:
	free_cpumask_var(s->cpus);
err_free:
	kfree(s);
	return NULL;
}

/* Frees a slice that never got its kobject added. */
static void cpc_slice_free_unpublished(struct cpc_slice *s)
{
	cpc_slice_filters_free(s);
	free_cpumask_var(s->offlined);
	free_cpumask_var(s->cpus);
	kfree(s);
}

/* Free-memory reserve the host keeps: 1/16 of its RAM. */
static bool cpc_host_can_spare(u64 bytes)
{
	unsigned long want = PHYS_PFN(bytes);
	unsigned long avail = si_mem_available();

	return avail > want && avail - want >= totalram_pages() / 16;
}

/*
 * Validates the CPUs of @req into @cpus: each one, then whole cores and one
 * node (slice_topology.c). Caller holds cpc_slices_mutex and
 * cpus_read_lock(), and reserves @cpus in cpc_sliced_cpus before dropping
 * it, so no thread of a core being sliced comes up unnoticed.
 */
static int cpc_slice_check_cpus(const struct cpc_slice_create *req,
				struct cpumask *cpus)
{
	unsigned int cpu;

	cpumask_clear(cpus);
	for (cpu = 0; cpu < CPC_SLICE_MAX_CPUS; cpu++) {
		if (!(req->cpus[cpu / 64] & BIT_ULL(cpu % 64)))
			continue;
		if (cpu == 0) {	/* the boot CPU on every architecture we run on */
			pr_info_ratelimited("create %s: CPU0 is the boot CPU\n", req->name);
			return -EINVAL;
		}
		if (cpu >= nr_cpu_ids || !cpu_present(cpu)) {
			pr_info_ratelimited("create %s: CPU%u is not present\n", req->name, cpu);
			return -ENODEV;
		}
		if (cpumask_test_cpu(cpu, &cpc_sliced_cpus)) {
			pr_info_ratelimited("create %s: CPU%u is in another slice\n",
					    req->name, cpu);
			return -EBUSY;
		}
		if (!cpu_online(cpu)) {
			pr_info_ratelimited("create %s: CPU%u is offline\n", req->name, cpu);
			return -EBUSY;
		}
		cpumask_set_cpu(cpu, cpus);
	}
	if (cpumask_empty(cpus)) {
		pr_info_ratelimited("create %s: no CPU given\n", req->name);
		return -EINVAL;
	}
	if (cpumask_weight(cpus) >= num_online_cpus()) {
		pr_info_ratelimited("create %s: the host would keep no CPU\n", req->name);
		return -ENOSPC;
	}
	return cpc_slice_check_topology(req->name, cpus,
					req->flags & CPC_SLICE_CREATE_MULTI_NODE);
}

/* Validates or picks the memory blocks of @req into @s->blocks. */
static int cpc_slice_check_memory(const struct cpc_slice_create *req,
				  struct cpc_slice *s)
{
	u64 bs = cpc_slice_block_size();
	unsigned long idx, n;
	unsigned int i, j;

	if (req->flags & CPC_SLICE_CREATE_BLOCKS) {
		for (i = 0; i < req->nr_blocks; i++) {
			idx = req->blocks[i];
			for (j = 0; j < i; j++)
				if (req->blocks[j] == idx) {
					pr_info_ratelimited("create %s: block %lu given twice\n",
							    req->name, idx);
					return -EINVAL;
				}
			if (cpc_block_in_any_slice(idx)) {
				pr_info_ratelimited("create %s: block %lu is in another slice\n",
						    req->name, idx);
				return -EBUSY;
			}
			if (!cpc_slice_block_usable(idx)) {
				pr_info_ratelimited("create %s: block %lu is not online movable memory\n",
						    req->name, idx);
				return -ENODEV;
			}
			if (!cpc_slice_block_plain_ram(idx)) {
				pr_info_ratelimited("create %s: block %lu is not plain System RAM (a driver manages it)\n",
						    req->name, idx);
				return -EACCES;
			}
			s->blocks[i].start = (u64)idx * bs;
		}
		s->nr_blocks = req->nr_blocks;
	} else {
		n = div64_u64(req->mem_bytes, bs);
		if (n > CPC_SLICE_MAX_BLOCKS) {
			pr_info_ratelimited("create %s: more than %u blocks asked for\n",
					    req->name, CPC_SLICE_MAX_BLOCKS);
			return -ENOSPC;
		}
		/* Highest blocks first: hot-plugged memory sits at the top. */
		i = 0;
		for (idx = cpc_slice_max_block(); idx-- > 0 && i < n;) {
			if (cpc_block_in_any_slice(idx) || !cpc_slice_block_usable(idx) ||
			    !cpc_slice_block_plain_ram(idx))
				continue;
			s->blocks[i++].start = (u64)idx * bs;
		}
		if (i < n) {
			pr_info_ratelimited("create %s: only %u free movable System RAM blocks\n",
					    req->name, i);
			return -ENOSPC;
		}
		s->nr_blocks = n;
	}
	for (i = 0; i < s->nr_blocks; i++) {
		struct page *page = pfn_to_online_page(PHYS_PFN(s->blocks[i].start));

		s->blocks[i].nid = page ? page_to_nid(page) : NUMA_NO_NODE;
	}
	if (!cpc_host_can_spare(cpc_slice_mem_bytes(s))) {
		pr_info_ratelimited("create %s: the host lacks free memory to give %llu bytes\n",
				    req->name, cpc_slice_mem_bytes(s));
		return -ENOMEM;
	}
	return 0;
}

static int cpc_slice_cmp_blocks(const void *a, const void *b)
{
	const struct cpc_slice_block *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/**
 * cpc_slice_create() - CPC_IOCTL_SLICE_CREATE after the copy from user.
 * @req: the request; its size, flags and reserved fields are checked here.
 * @out: filled with what was taken on success (may alias @req).
 *
 * Context: process context; takes cpc_slices_mutex (interruptibly).
 * Return: 0 or a negative errno as documented in uapi/linux/cpc_host.h.
 */
int cpc_slice_create(const struct cpc_slice_create *req,
		     struct cpc_slice_create *out)
{
	u64 bs = cpc_slice_block_size();
	unsigned int cpu, i, step = 0;
	struct cpc_slice *s;
	int ret;

	/* Everything that needs no lock first. */
	if (req->flags & ~(CPC_SLICE_CREATE_BLOCKS | CPC_SLICE_CREATE_MULTI_NODE) ||
	    req->reserved ||
	    memchr_inv(req->reserved2, 0, sizeof(req->reserved2)))
		return -EINVAL;
	if (cpc_slice_check_name(req->name, sizeof(req->name)))
		return -EINVAL;
	if (req->flags & CPC_SLICE_CREATE_BLOCKS) {
		if (req->mem_bytes || !req->nr_blocks ||
		    req->nr_blocks > CPC_SLICE_MAX_BLOCKS ||
		    memchr_inv(&req->blocks[req->nr_blocks], 0,
			       (CPC_SLICE_MAX_BLOCKS - req->nr_blocks) *
			       sizeof(req->blocks[0])))
			return -EINVAL;
	} else {
		if (req->nr_blocks || memchr_inv(req->blocks, 0, sizeof(req->blocks)) ||
		    !req->mem_bytes || req->mem_bytes % bs)
			return -EINVAL;
	}

	s = cpc_slice_alloc(req->name);
	if (!s)
		return -ENOMEM;

	if (mutex_lock_interruptible(&cpc_slices_mutex)) {
		ret = -EINTR;
		goto err_free;
	}
	if (cpc_slice_find(req->name)) {
		pr_info_ratelimited("create %s: the name is taken\n", req->name);
		ret = -EEXIST;
		goto err_unlock;
	}
	cpus_read_lock();
	ret = cpc_slice_check_cpus(req, s->cpus);
	if (!ret)	/* reserved: undone by cpc_slice_forget() */
		for_each_cpu(cpu, s->cpus)
			cpumask_set_cpu(cpu, &cpc_sliced_cpus);
	cpus_read_unlock();
	if (ret)
		goto err_unlock;
	ret = cpc_slice_check_memory(req, s);
	if (ret)
		goto err_give_back;
	sort(s->blocks, s->nr_blocks, sizeof(s->blocks[0]), cpc_slice_cmp_blocks, NULL);
	cpumask_copy(s->filters.ipi_cpus, s->cpus);
	s->filters.ipi_manager = true;
	s->filters.cache_ways = ~0ULL;

	/* Validated: from here on every change is recorded and undone on failure. */
	for_each_cpu(cpu, s->cpus) {
		if (signal_pending(current)) {
			ret = -EINTR;
			goto err_give_back;
		}
		ret = cpc_test_fail_step(&step) ? -EIO : remove_cpu(cpu);
		if (ret > 0)	/* went offline since validation: not ours to take */
			ret = -EBUSY;
		if (ret) {
			pr_info_ratelimited("create %s: taking CPU%u offline failed: %d\n",
					    req->name, cpu, ret);
			goto err_give_back;
		}
		cpumask_set_cpu(cpu, s->offlined);
		/* Parked in wait-for-SIPI; an error is logged, play_dead holds it. */
		cpc_slice_park_cpu(cpu);
	}
	for (i = 0; i < s->nr_blocks; i++) {
		if (signal_pending(current)) {
			ret = -EINTR;
			goto err_give_back;
		}
		ret = cpc_test_fail_step(&step) ? -EIO :
		      offline_and_remove_memory(s->blocks[i].start, bs);
		if (ret) {
			pr_info_ratelimited("create %s: removing memory 0x%llx failed: %d\n",
					    req->name, s->blocks[i].start, ret);
			goto err_give_back;
		}
		s->blocks[i].removed = true;
	}
	/* Nothing of the host's may be left in what the slice gets. */
	atomic64_set(&cpc_last_scrub_bytes, 0);
	atomic64_set(&cpc_last_scrub_ns, 0);
	for (i = 0; i < s->nr_blocks; i++) {
		if (signal_pending(current)) {
			ret = -EINTR;
			goto err_give_back;
		}
		ret = cpc_test_fail_step(&step) ? -EIO : cpc_slice_scrub_block(&s->blocks[i]);
		if (ret) {
			pr_info_ratelimited("create %s: scrubbing memory 0x%llx failed: %d\n",
					    req->name, s->blocks[i].start, ret);
			goto err_give_back;
		}
	}

	s->state = CPC_SLICE_CREATED;
	ret = cpc_slice_sysfs_add(s);
	if (ret)
		goto err_give_back_published;
	cpc_test_slice_add(s);
	list_add_tail(&s->node, &cpc_slices);
	__module_get(THIS_MODULE);
	s->holds_module = true;

	memset(out->blocks, 0, sizeof(out->blocks));
	for (i = 0; i < s->nr_blocks; i++)
		out->blocks[i] = div64_u64(s->blocks[i].start, bs);
	out->nr_blocks = s->nr_blocks;
	out->mem_bytes = cpc_slice_mem_bytes(s);
	mutex_unlock(&cpc_slices_mutex);
	pr_info("slice %s created: CPUs %*pbl, %llu MiB\n", s->name,
		cpumask_pr_args(s->cpus), cpc_slice_mem_bytes(s) >> 20);
	return 0;

err_give_back_published:
	/* The kobject was initialised: sysfs code frees the slice. */
	cpc_slice_forget(s);
	mutex_unlock(&cpc_slices_mutex);
	cpc_slice_put(s);
	return ret;
err_give_back:
	cpc_slice_forget(s);
err_unlock:
	mutex_unlock(&cpc_slices_mutex);
err_free:
	cpc_slice_free_unpublished(s);
	return ret;
}

/**
 * cpc_slice_destroy() - scrub a slice and give everything back.
 * @s: the slice, in the slice list.
 *
 * Stops the slice first (INIT to each of its CPUs).
 *
 * Context: cpc_slices_mutex held.
 * Return: 0, or the first error; then the slice stays in state destroying
 * and a later call resumes.
 */
int cpc_slice_destroy(struct cpc_slice *s)
{
	int ret;

	lockdep_assert_held(&cpc_slices_mutex);
	spin_lock_irq(&s->lock);
	s->state = CPC_SLICE_DESTROYING;
	spin_unlock_irq(&s->lock);
	/*
	 * Whatever runs on the slice's CPUs stops before its memory is
	 * scrubbed: INIT every one of them, running or not (a slice kernel
	 * may have started the others itself).
	 */
	s->image_loaded = false;
	cpc_slice_bus_down(s);
	ret = cpc_slice_stop_cpus(s);
	if (ret)
		return ret;
	cpc_slice_bus_free(s);
	cpc_lowmem_slot_put(s);
	/* Channels attached to the slice go back to unmediated doorbells. */
	cpc_hchan_slice_gone(s);

	/* No test hook may touch the memory once scrubbing starts. */
	cpc_test_slice_remove(s);
	cpc_slice_release_devices(s);

	atomic64_set(&cpc_last_scrub_bytes, 0);
	atomic64_set(&cpc_last_scrub_ns, 0);
	ret = cpc_slice_give_back(s, true);
	if (ret)
		return ret;

	list_del(&s->node);
	pr_info("slice %s destroyed\n", s->name);
	cpc_slice_sysfs_del(s);
	if (s->holds_module)
		module_put(THIS_MODULE);
	cpc_slice_put(s);
	return 0;
}

int cpc_slices_init(struct kobject *root)
{
	int ret;

	/* The guard below asks it, so it comes first. */
	ret = cpc_topology_init();
	if (ret)
		return ret;
	/*
	 * A PREPARE state runs on the control CPU before the CPU is kicked:
	 * refusing there means a sliced CPU never executes a single host
	 * instruction (an AP_ONLINE state would boot it first, which on real
	 * hardware would reset whatever the slice runs there).
	 */
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "cpc_host/slice:prepare",
					cpc_cpu_prepare, NULL);
	if (ret < 0) {
		cpc_topology_exit();
		return ret;
	}
	cpc_cpuhp_state = ret;

	ret = cpc_slice_sysfs_init(root);
	if (ret)
		goto err_cpuhp;
	ret = cpc_slice_boot_init();
	if (ret)
		goto err_sysfs;
	return 0;

err_sysfs:
	cpc_slice_sysfs_exit();
err_cpuhp:
	cpuhp_remove_state_nocalls(cpc_cpuhp_state);
	cpc_topology_exit();
	return ret;
}

/*
 * Every live slice holds a module reference, so the module cannot be
 * unloaded with slices: by the time this runs the list is empty. The loop
 * is a last line of defence that still gives everything back.
 */
void cpc_slices_exit(void)
{
	struct cpc_slice *s, *tmp;

	mutex_lock(&cpc_slices_mutex);
	list_for_each_entry_safe(s, tmp, &cpc_slices, node) {
		s->holds_module = false;
		if (cpc_slice_destroy(s))
			pr_err("slice %s could not be given back on unload\n", s->name);
	}
	mutex_unlock(&cpc_slices_mutex);
	cpc_slice_boot_exit();
	cpc_slice_sysfs_exit();
	cpuhp_remove_state_nocalls(cpc_cpuhp_state);
	cpc_topology_exit();
}
