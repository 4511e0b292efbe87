// SPDX-License-Identifier: GPL-2.0
/*
 * slice_sysfs.c - the slice part of /sys/kernel/cpc_host/ (tree documented
 * in Documentation/kernel-interfaces.md, "sysfs"):
 *
 *   available/{cpus,memory_blocks,mem_bytes,block_size,low_slots}
 *   last_scrub, blocks_returned_offline
 *   slices/<name>/{cpus,memory,memory_blocks,mem_bytes,state,locked,
 *                  image,starts,start_ns,doorbells_in,
 *                  doorbells_in_refused,bad_doorbell,console_lost,
 *                  console_bad}
 *   slices/<name>/filters/{mem_windows,bus_window,cache_ways,
 *                          cache_ways_enforced,ipi_cpus,ipi_manager,
 *                          devices,ipi_sent,ipi_refused}
 *
 * Any local user may read these files, so the world-readable shows are
 * cheap and never wait: they never take cpc_slices_mutex (destroy removes
 * the directory with the mutex held and waits for running shows); a
 * slice's constant fields are read freely, single values with READ_ONCE(),
 * and lists are copied under cpc_slice::lock (a few hundred bytes at most)
 * and formatted after it is dropped. available/memory_blocks and mem_bytes
 * scan every memory block under the mutex: they are root's (0400), read
 * interruptibly, and removed only at module exit, never under the mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/kobject.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "slice.h"

static struct kobject *cpc_slices_kobj;
static struct kobject *cpc_root_kobj;

const char *cpc_slice_state_name(enum cpc_slice_state state)
{
	switch (state) {
	case CPC_SLICE_CREATED:
		return "created";
	case CPC_SLICE_LOCKED:
		return "locked";
	case CPC_SLICE_DESTROYING:
		return "destroying";
	case CPC_SLICE_RUNNING:
		return "running";
	case CPC_SLICE_STOPPED:
		return "stopped";
	}
	return "unknown";
}

#define to_slice(k) container_of(k, struct cpc_slice, kobj)

/* Prints a list of block indexes as "32-33,40". */
static int cpc_emit_ranges(char *buf, int at, const unsigned long *idx, unsigned int n)
{
	unsigned int i = 0, j;

	while (i < n) {
		for (j = i; j + 1 < n && idx[j + 1] == idx[j] + 1; j++)
			;
		if (j == i)
			at += sysfs_emit_at(buf, at, "%s%lu", at ? "," : "", idx[i]);
		else
			at += sysfs_emit_at(buf, at, "%s%lu-%lu", at ? "," : "", idx[i], idx[j]);
		i = j + 1;
	}
	return at;
}

/* ---- per slice --------------------------------------------------------- */

static ssize_t cpus_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(to_slice(kobj)->cpus));
}

static ssize_t memory_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct cpc_slice *s = to_slice(kobj);
	u64 bs = cpc_slice_block_size();
	unsigned int i;
	int at = 0;

	for (i = 0; i < s->nr_blocks; i++)
		at += sysfs_emit_at(buf, at, "0x%llx-0x%llx\n", s->blocks[i].start,
				    s->blocks[i].start + bs - 1);
	return at;
}

static ssize_t memory_blocks_show(struct kobject *kobj, struct kobj_attribute *attr,
				  char *buf)
{
	struct cpc_slice *s = to_slice(kobj);
	unsigned long idx[CPC_SLICE_MAX_BLOCKS];
	unsigned int i;
	int at;

	for (i = 0; i < s->nr_blocks; i++)
		idx[i] = div64_u64(s->blocks[i].start, cpc_slice_block_size());
	at = cpc_emit_ranges(buf, 0, idx, s->nr_blocks);
	return at + sysfs_emit_at(buf, at, "\n");
}

static ssize_t mem_bytes_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", cpc_slice_mem_bytes(to_slice(kobj)));
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  cpc_slice_state_name(READ_ONCE(to_slice(kobj)->state)));
}

static ssize_t locked_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_slice(kobj)->filters.locked));
}

/* "none", "loaded" (a slice image) or "linux VERSION" (a Linux kernel). */
static ssize_t image_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct cpc_slice *s = to_slice(kobj);
	char ver[sizeof(s->image_kernel)];
	bool is_linux;

	if (!READ_ONCE(s->image_loaded))
		return sysfs_emit(buf, "none\n");
	spin_lock_irq(&s->lock);
	is_linux = READ_ONCE(s->image_linux);
	strscpy(ver, s->image_kernel, sizeof(ver));
	spin_unlock_irq(&s->lock);
	if (!is_linux)
		return sysfs_emit(buf, "loaded\n");
	return sysfs_emit(buf, "linux%s%s\n", *ver ? " " : "", ver);
}

static ssize_t starts_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_slice(kobj)->starts));
}

static ssize_t start_ns_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_slice(kobj)->start_ns));
}

static ssize_t doorbells_in_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&to_slice(kobj)->ipi_in));
}

static ssize_t doorbells_in_refused_show(struct kobject *kobj, struct kobj_attribute *attr,
					 char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&to_slice(kobj)->ipi_in_refused));
}

static ssize_t bad_doorbell_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&to_slice(kobj)->bad_doorbell));
}

static ssize_t console_lost_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	/* A hostile head makes it huge: unsigned. */
	return sysfs_emit(buf, "%llu\n", (u64)atomic64_read(&to_slice(kobj)->console_lost));
}

static ssize_t console_bad_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&to_slice(kobj)->console_bad));
}

static struct kobj_attribute slice_cpus_attr = __ATTR_RO(cpus);
static struct kobj_attribute slice_console_lost_attr = __ATTR_RO(console_lost);
static struct kobj_attribute slice_console_bad_attr = __ATTR_RO(console_bad);
static struct kobj_attribute slice_doorbells_in_attr = __ATTR_RO(doorbells_in);
static struct kobj_attribute slice_doorbells_in_refused_attr = __ATTR_RO(doorbells_in_refused);
static struct kobj_attribute slice_bad_doorbell_attr = __ATTR_RO(bad_doorbell);
static struct kobj_attribute slice_image_attr = __ATTR_RO(image);
static struct kobj_attribute slice_starts_attr = __ATTR_RO(starts);
static struct kobj_attribute slice_start_ns_attr = __ATTR_RO(start_ns);
static struct kobj_attribute slice_memory_attr = __ATTR_RO(memory);
static struct kobj_attribute slice_memory_blocks_attr = __ATTR_RO(memory_blocks);
static struct kobj_attribute slice_mem_bytes_attr = __ATTR_RO(mem_bytes);
static struct kobj_attribute slice_state_attr = __ATTR_RO(state);
static struct kobj_attribute slice_locked_attr = __ATTR_RO(locked);

static struct attribute *cpc_slice_attrs[] = {
	&slice_cpus_attr.attr,
	&slice_memory_attr.attr,
	&slice_memory_blocks_attr.attr,
	&slice_mem_bytes_attr.attr,
	&slice_state_attr.attr,
	&slice_locked_attr.attr,
	&slice_image_attr.attr,
	&slice_starts_attr.attr,
	&slice_start_ns_attr.attr,
	&slice_doorbells_in_attr.attr,
	&slice_doorbells_in_refused_attr.attr,
	&slice_bad_doorbell_attr.attr,
	&slice_console_lost_attr.attr,
	&slice_console_bad_attr.attr,
	NULL
};

static const struct attribute_group cpc_slice_group = {
	.attrs = cpc_slice_attrs,
};

/* ---- per slice: filters/ ------------------------------------------------ */

static ssize_t mem_windows_show(struct kobject *kobj, struct kobj_attribute *attr,
				char *buf)
{
	struct cpc_slice_window w[CPC_SLICE_MAX_WINDOWS];
	struct cpc_slice *s = to_slice(kobj);
	unsigned int i, n;
	int at = 0;

	spin_lock_irq(&s->lock);
	n = min_t(unsigned int, s->filters.nr_windows, CPC_SLICE_MAX_WINDOWS);
	memcpy(w, s->filters.windows, n * sizeof(w[0]));
	spin_unlock_irq(&s->lock);
	for (i = 0; i < n; i++)
		at += sysfs_emit_at(buf, at, "0x%llx:0x%llx\n", w[i].start, w[i].len);
	return at;
}

static ssize_t bus_window_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	struct cpc_slice *s = to_slice(kobj);
	u64 start, len;

	spin_lock_irq(&s->lock);
	start = s->filters.bus.start;
	len = s->filters.bus.len;
	spin_unlock_irq(&s->lock);
	if (!len)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "0x%llx:0x%llx\n", start, len);
}

static ssize_t cache_ways_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "0x%llx\n", READ_ONCE(to_slice(kobj)->filters.cache_ways));
}

static ssize_t cache_ways_enforced_show(struct kobject *kobj, struct kobj_attribute *attr,
					char *buf)
{
	return sysfs_emit(buf, "%d\n", cpc_slice_cache_ways_enforced());
}

static ssize_t ipi_cpus_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct cpc_slice *s = to_slice(kobj);
	cpumask_var_t m;
	ssize_t n;

	if (!alloc_cpumask_var(&m, GFP_KERNEL))
		return -ENOMEM;
	spin_lock_irq(&s->lock);
	cpumask_copy(m, s->filters.ipi_cpus);
	spin_unlock_irq(&s->lock);
	n = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(m));
	free_cpumask_var(m);
	return n;
}

static ssize_t ipi_manager_show(struct kobject *kobj, struct kobj_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_slice(kobj)->filters.ipi_manager));
}

/* A PCI address as pci_name() prints it: "DDDD:BB:SS.F". */
#define CPC_BDF_LEN 16

static ssize_t devices_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	char names[CPC_SLICE_MAX_DEVICES][CPC_BDF_LEN];
	struct cpc_slice *s = to_slice(kobj);
	unsigned int i, n;
	int at = 0;

	spin_lock_irq(&s->lock);
	n = min_t(unsigned int, s->filters.nr_devices, CPC_SLICE_MAX_DEVICES);
	for (i = 0; i < n; i++)
		strscpy(names[i], pci_name(s->filters.devices[i].pdev), CPC_BDF_LEN);
	spin_unlock_irq(&s->lock);
	for (i = 0; i < n; i++)
		at += sysfs_emit_at(buf, at, "%s\n", names[i]);
	return at;
}

static ssize_t ipi_sent_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&to_slice(kobj)->ipi_sent));
}

static ssize_t ipi_refused_show(struct kobject *kobj, struct kobj_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&to_slice(kobj)->ipi_refused));
}

static struct kobj_attribute f_mem_windows_attr = __ATTR_RO(mem_windows);
static struct kobj_attribute f_bus_window_attr = __ATTR_RO(bus_window);
static struct kobj_attribute f_cache_ways_attr = __ATTR_RO(cache_ways);
static struct kobj_attribute f_cache_ways_enforced_attr = __ATTR_RO(cache_ways_enforced);
static struct kobj_attribute f_ipi_cpus_attr = __ATTR_RO(ipi_cpus);
static struct kobj_attribute f_ipi_manager_attr = __ATTR_RO(ipi_manager);
static struct kobj_attribute f_devices_attr = __ATTR_RO(devices);
static struct kobj_attribute f_ipi_sent_attr = __ATTR_RO(ipi_sent);
static struct kobj_attribute f_ipi_refused_attr = __ATTR_RO(ipi_refused);

static struct attribute *cpc_filter_attrs[] = {
	&f_mem_windows_attr.attr,
	&f_bus_window_attr.attr,
	&f_cache_ways_attr.attr,
	&f_cache_ways_enforced_attr.attr,
	&f_ipi_cpus_attr.attr,
	&f_ipi_manager_attr.attr,
	&f_devices_attr.attr,
	&f_ipi_sent_attr.attr,
	&f_ipi_refused_attr.attr,
	NULL
};

static const struct attribute_group cpc_filter_group = {
	.name = "filters",
	.attrs = cpc_filter_attrs,
};

static const struct attribute_group *cpc_slice_groups[] = {
	&cpc_slice_group,
	&cpc_filter_group,
	NULL
};

static void cpc_slice_release(struct kobject *kobj)
{
	struct cpc_slice *s = to_slice(kobj);

	cpc_slice_filters_free(s);
	free_cpumask_var(s->offlined);
	free_cpumask_var(s->cpus);
	kfree(s);
}

static const struct kobj_type cpc_slice_ktype = {
	.release = cpc_slice_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = cpc_slice_groups,
};

/**
 * cpc_slice_sysfs_add() - publish slices/<name>/.
 * @s: the slice.
 *
 * From here on the slice is freed by cpc_slice_put(), also when this fails.
 * Return: 0 or a negative errno.
 */
int cpc_slice_sysfs_add(struct cpc_slice *s)
{
	return kobject_init_and_add(&s->kobj, &cpc_slice_ktype, cpc_slices_kobj, "%s",
				    s->name);
}

void cpc_slice_sysfs_del(struct cpc_slice *s)
{
	kobject_del(&s->kobj);
}

void cpc_slice_put(struct cpc_slice *s)
{
	kobject_put(&s->kobj);
}

/* ---- available/, last_scrub, blocks_returned_offline ------------------ */

static ssize_t avail_cpus_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	unsigned int cpu;
	cpumask_var_t m;
	ssize_t n;

	if (!alloc_cpumask_var(&m, GFP_KERNEL))
		return -ENOMEM;
	cpumask_andnot(m, cpu_online_mask, &cpc_sliced_cpus);
	for_each_cpu(cpu, m)	/* the boot CPU and its threads */
		if (cpc_cpu_on_boot_core(cpu))
			cpumask_clear_cpu(cpu, m);
	n = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(m));
	free_cpumask_var(m);
	return n;
}

/* Free movable blocks into @idx (at most @max); returns how many. */
static int cpc_free_blocks(unsigned long *idx, unsigned int max)
{
	unsigned long b, end;
	unsigned int n = 0;

	if (mutex_lock_interruptible(&cpc_slices_mutex))
		return -EINTR;
	end = cpc_slice_max_block();
	for (b = 0; b < end && n < max; b++)
		if (!cpc_block_in_any_slice(b) && cpc_slice_block_usable(b) &&
		    cpc_slice_block_plain_ram(b))
			idx[n++] = b;
	mutex_unlock(&cpc_slices_mutex);
	return n;
}

#define CPC_AVAIL_MAX 512

static ssize_t avail_memory_blocks_show(struct kobject *kobj, struct kobj_attribute *attr,
					char *buf)
{
	unsigned long *idx = kmalloc_array(CPC_AVAIL_MAX, sizeof(*idx), GFP_KERNEL);
	int n, at;

	if (!idx)
		return -ENOMEM;
	n = cpc_free_blocks(idx, CPC_AVAIL_MAX);
	if (n < 0) {
		kfree(idx);
		return n;
	}
	at = cpc_emit_ranges(buf, 0, idx, n);
	kfree(idx);
	return at + sysfs_emit_at(buf, at, "\n");
}

static ssize_t avail_mem_bytes_show(struct kobject *kobj, struct kobj_attribute *attr,
				    char *buf)
{
	unsigned long *idx = kmalloc_array(CPC_AVAIL_MAX, sizeof(*idx), GFP_KERNEL);
	int n;

	if (!idx)
		return -ENOMEM;
	n = cpc_free_blocks(idx, CPC_AVAIL_MAX);
	kfree(idx);
	if (n < 0)
		return n;
	return sysfs_emit(buf, "%llu\n", (u64)n * cpc_slice_block_size());
}

static ssize_t block_size_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%llu\n", cpc_slice_block_size());
}

static ssize_t low_slots_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", cpc_lowmem_slots_free());
}

static ssize_t last_scrub_show(struct kobject *kobj, struct kobj_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%lld %lld\n", atomic64_read(&cpc_last_scrub_bytes),
			  atomic64_read(&cpc_last_scrub_ns));
}

static ssize_t blocks_returned_offline_show(struct kobject *kobj,
					    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&cpc_blocks_returned_offline));
}

static struct kobj_attribute avail_cpus_attr = __ATTR(cpus, 0444, avail_cpus_show, NULL);
/* These two scan every memory block under cpc_slices_mutex: root only. */
static struct kobj_attribute avail_memory_blocks_attr =
	__ATTR(memory_blocks, 0400, avail_memory_blocks_show, NULL);
static struct kobj_attribute avail_mem_bytes_attr =
	__ATTR(mem_bytes, 0400, avail_mem_bytes_show, NULL);
static struct kobj_attribute avail_block_size_attr = __ATTR_RO(block_size);
static struct kobj_attribute avail_low_slots_attr = __ATTR_RO(low_slots);
static struct kobj_attribute last_scrub_attr = __ATTR_RO(last_scrub);
static struct kobj_attribute blocks_returned_offline_attr =
	__ATTR_RO(blocks_returned_offline);

static struct attribute *cpc_avail_attrs[] = {
	&avail_cpus_attr.attr,
	&avail_memory_blocks_attr.attr,
	&avail_mem_bytes_attr.attr,
	&avail_block_size_attr.attr,
	&avail_low_slots_attr.attr,
	NULL
};

static const struct attribute_group cpc_avail_group = {
	.name = "available",
	.attrs = cpc_avail_attrs,
};

static struct attribute *cpc_root_attrs[] = {
	&last_scrub_attr.attr,
	&blocks_returned_offline_attr.attr,
	NULL
};

static const struct attribute_group cpc_root_group = {
	.attrs = cpc_root_attrs,
};

int cpc_slice_sysfs_init(struct kobject *root)
{
	int ret;

	ret = sysfs_create_group(root, &cpc_avail_group);
	if (ret)
		return ret;
	ret = sysfs_create_group(root, &cpc_root_group);
	if (ret)
		goto err_group;
	cpc_slices_kobj = kobject_create_and_add("slices", root);
	if (!cpc_slices_kobj) {
		ret = -ENOMEM;
		goto err_file;
	}
	cpc_root_kobj = root;
	return 0;

err_file:
	sysfs_remove_group(root, &cpc_root_group);
err_group:
	sysfs_remove_group(root, &cpc_avail_group);
	return ret;
}

void cpc_slice_sysfs_exit(void)
{
	kobject_put(cpc_slices_kobj);
	sysfs_remove_group(cpc_root_kobj, &cpc_root_group);
	sysfs_remove_group(cpc_root_kobj, &cpc_avail_group);
}
