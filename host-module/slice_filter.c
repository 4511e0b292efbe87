// SPDX-License-Identifier: GPL-2.0
/*
 * slice_filter.c - the filter set of a slice (memory windows, slice-bus
 * window, cache-way mask, IPI destination mask, PCI devices) and lock.
 *
 * Every change runs under cpc_slices_mutex (see slice.h) and is validated
 * completely before the set changes; readers take only cpc_slice::lock.
 * Once locked, every change fails with -EPERM until the slice is destroyed.
 *
 * Cache ways: the kernel's resctrl has no interface for modules, so the
 * mask is recorded and reported as not enforced (sysfs
 * filters/cache_ways_enforced reads 0). User space with resctrl mounted can
 * apply it to the slice's CPUs from that file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "slice.h"

#define CPC_DRIVER_OVERRIDE "cpc_host"

int cpc_slice_filters_init(struct cpc_slice *s)
{
	if (!zalloc_cpumask_var(&s->filters.ipi_cpus, GFP_KERNEL))
		return -ENOMEM;
	s->filters.cache_ways = ~0ULL;
	return 0;
}

void cpc_slice_filters_free(struct cpc_slice *s)
{
	free_cpumask_var(s->filters.ipi_cpus);
}

bool cpc_slice_cache_ways_enforced(void)
{
	return false;
}

/* Does [start, start + len) lie inside the slice's own memory? */
static bool cpc_slice_owns(const struct cpc_slice *s, u64 start, u64 len)
{
	u64 bs = cpc_slice_block_size(), end = start + len;
	unsigned int i;

	/* Blocks are sorted; walk contiguous ones. */
	for (i = 0; i < s->nr_blocks; i++) {
		u64 b = s->blocks[i].start;

		if (start >= b && start < b + bs) {
			if (end <= b + bs)
				return true;
			start = b + bs;
		}
	}
	return false;
}

static bool cpc_slice_overlaps(const struct cpc_slice *s, u64 start, u64 len)
{
	u64 bs = cpc_slice_block_size();
	unsigned int i;

	for (i = 0; i < s->nr_blocks; i++)
		if (start < s->blocks[i].start + bs && s->blocks[i].start < start + len)
			return true;
	return false;
}

static int cpc_check_window(const struct cpc_slice_filter *f)
{
	if (!f->len || !PAGE_ALIGNED(f->addr) || !PAGE_ALIGNED(f->len) ||
	    f->addr + f->len < f->addr)
		return -EINVAL;
	return 0;
}

static bool cpc_device_in_slice(const struct cpc_slice *s, const struct pci_dev *pdev)
{
	unsigned int i;

	for (i = 0; i < s->filters.nr_devices; i++)
		if (s->filters.devices[i].pdev == pdev)
			return true;
	return false;
}

static int cpc_filter_device(struct cpc_slice *s, u32 bdf)
{
	struct cpc_slice_device *d;
	struct cpc_slice *other;
	struct pci_dev *pdev;
	int ret;

	pdev = pci_get_domain_bus_and_slot(bdf >> 16, (bdf >> 8) & 0xff, bdf & 0xff);
	if (!pdev)
		return -ENODEV;
	if (pci_is_bridge(pdev)) {
		ret = -EINVAL;
		goto err_put;
	}
	if (cpc_device_in_slice(s, pdev)) {
		ret = -EEXIST;
		goto err_put;
	}
	list_for_each_entry(other, &cpc_slices, node) {
		if (cpc_device_in_slice(other, pdev)) {
			ret = -EBUSY;
			goto err_put;
		}
	}
	if (s->filters.nr_devices == CPC_SLICE_MAX_DEVICES) {
		ret = -ENOSPC;
		goto err_put;
	}
	/* Keep host drivers away while the slice holds it, then unbind. */
	ret = driver_set_override(&pdev->dev, &pdev->driver_override,
				  CPC_DRIVER_OVERRIDE, strlen(CPC_DRIVER_OVERRIDE));
	if (ret)
		goto err_put;

	d = &s->filters.devices[s->filters.nr_devices];
	d->pdev = pdev;
	d->had_driver = !!pdev->dev.driver;
	if (d->had_driver) {
		pr_info("slice %s: unbinding %s from its host driver\n", s->name,
			pci_name(pdev));
		device_release_driver(&pdev->dev);
	}
	spin_lock_irq(&s->lock);
	s->filters.nr_devices++;
	spin_unlock_irq(&s->lock);
	return 0;

err_put:
	pci_dev_put(pdev);
	return ret;
}

/**
 * cpc_slice_release_devices() - give a slice's PCI devices back to the host.
 * @s: the slice.
 *
 * Clears the driver override and lets host drivers probe each device again.
 * Context: cpc_slices_mutex held.
 */
void cpc_slice_release_devices(struct cpc_slice *s)
{
	unsigned int i;

	for (i = 0; i < s->filters.nr_devices; i++) {
		struct pci_dev *pdev = s->filters.devices[i].pdev;

		driver_set_override(&pdev->dev, &pdev->driver_override, "", 0);
		if (device_attach(&pdev->dev) < 0)
			pr_warn("slice %s: re-probing %s failed\n", s->name, pci_name(pdev));
		pci_dev_put(pdev);
	}
	spin_lock_irq(&s->lock);
	s->filters.nr_devices = 0;
	spin_unlock_irq(&s->lock);
}

/**
 * cpc_slice_filter() - CPC_IOCTL_SLICE_FILTER on one slice.
 * @s: the slice.
 * @f: the request; fields the type does not use must be zero.
 *
 * Context: cpc_slices_mutex held.
 * Return: 0 or a negative errno as documented in uapi/linux/cpc_host.h.
 */
int cpc_slice_filter(struct cpc_slice *s, const struct cpc_slice_filter *f)
{
	struct cpc_slice_filters *fs = &s->filters;
	bool cpus_zero = !memchr_inv(f->cpus, 0, sizeof(f->cpus));
	cpumask_var_t mask;
	unsigned int cpu, i;
	int ret;

	lockdep_assert_held(&cpc_slices_mutex);
	if (s->state == CPC_SLICE_DESTROYING)
		return -EBUSY;
	if (fs->locked) {
		pr_info_ratelimited("slice %s: filters are locked\n", s->name);
		return -EPERM;
	}
	if (f->flags && f->type != CPC_FILTER_IPI)
		return -EINVAL;
	/* A running slice's bus window is the bus it runs on. */
	if ((f->type == CPC_FILTER_BUS_WINDOW || f->type == CPC_FILTER_CLEAR) &&
	    s->state == CPC_SLICE_RUNNING)
		return -EBUSY;

	switch (f->type) {
	case CPC_FILTER_MEM_WINDOW:
	case CPC_FILTER_BUS_WINDOW:
		if (f->bdf || !cpus_zero)
			return -EINVAL;
		ret = cpc_check_window(f);
		if (ret)
			return ret;
		if (f->type == CPC_FILTER_BUS_WINDOW) {
			if (cpc_slice_overlaps(s, f->addr, f->len))
				return -EINVAL;
			spin_lock_irq(&s->lock);
			fs->bus.start = f->addr;
			fs->bus.len = f->len;
			spin_unlock_irq(&s->lock);
			return 0;
		}
		if (!cpc_slice_owns(s, f->addr, f->len)) {
			pr_info_ratelimited("slice %s: window 0x%llx+0x%llx is outside its memory\n",
					    s->name, f->addr, f->len);
			return -EINVAL;
		}
		for (i = 0; i < fs->nr_windows; i++)
			if (fs->windows[i].start == f->addr && fs->windows[i].len == f->len)
				return -EEXIST;
		if (fs->nr_windows == CPC_SLICE_MAX_WINDOWS)
			return -ENOSPC;
		spin_lock_irq(&s->lock);
		fs->windows[fs->nr_windows].start = f->addr;
		fs->windows[fs->nr_windows].len = f->len;
		fs->nr_windows++;
		spin_unlock_irq(&s->lock);
		return 0;

	case CPC_FILTER_CACHE_WAYS: {
		u64 m = f->addr;

		if (f->bdf || f->len || !cpus_zero)
			return -EINVAL;
		/* Non-zero and one contiguous run of bits, as CAT requires. */
		if (!m || ((m >> __ffs64(m)) & ((m >> __ffs64(m)) + 1)))
			return -EINVAL;
		spin_lock_irq(&s->lock);
		fs->cache_ways = m;
		spin_unlock_irq(&s->lock);
		return 0;
	}

	case CPC_FILTER_IPI:
		if (f->bdf || f->addr || f->len || f->flags & ~CPC_FILTER_IPI_MANAGER)
			return -EINVAL;
		if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
			return -ENOMEM;
		for (cpu = 0; cpu < CPC_SLICE_MAX_CPUS; cpu++) {
			if (!(f->cpus[cpu / 64] & BIT_ULL(cpu % 64)))
				continue;
			if (cpu >= nr_cpu_ids || !cpumask_test_cpu(cpu, s->cpus)) {
				pr_info_ratelimited("slice %s: IPI target CPU%u is not in the slice\n",
						    s->name, cpu);
				free_cpumask_var(mask);
				return -EINVAL;
			}
			cpumask_set_cpu(cpu, mask);
		}
		/*
		 * A running Linux kernel on several CPUs interrupts its own
		 * CPUs (the check cpc_slice_start() makes before it starts).
		 */
		if (s->state == CPC_SLICE_RUNNING && s->image_linux &&
		    cpumask_weight(s->cpus) > 1 && !cpumask_subset(s->cpus, mask)) {
			pr_info_ratelimited("slice %s: its running kernel interrupts all its CPUs; the IPI mask must keep them\n",
					    s->name);
			free_cpumask_var(mask);
			return -EBUSY;
		}
		spin_lock_irq(&s->lock);
		cpumask_copy(fs->ipi_cpus, mask);
		fs->ipi_manager = f->flags & CPC_FILTER_IPI_MANAGER;
		spin_unlock_irq(&s->lock);
		free_cpumask_var(mask);
		return 0;

	case CPC_FILTER_DEVICE:
		if (f->addr || f->len || !cpus_zero)
			return -EINVAL;
		return cpc_filter_device(s, f->bdf);

	case CPC_FILTER_CLEAR:
		if (f->bdf || f->addr || f->len || !cpus_zero)
			return -EINVAL;
		cpc_slice_release_devices(s);
		spin_lock_irq(&s->lock);
		fs->nr_windows = 0;
		fs->bus.start = 0;
		fs->bus.len = 0;
		fs->cache_ways = ~0ULL;
		cpumask_copy(fs->ipi_cpus, s->cpus);
		fs->ipi_manager = true;
		spin_unlock_irq(&s->lock);
		return 0;

	default:
		return -EINVAL;
	}
}

/**
 * cpc_slice_lock() - freeze a slice's filter set (idempotent).
 * @s: the slice.
 *
 * Context: cpc_slices_mutex held.
 * Return: 0, or -EBUSY when the slice is being destroyed.
 */
int cpc_slice_lock(struct cpc_slice *s)
{
	lockdep_assert_held(&cpc_slices_mutex);
	if (s->state == CPC_SLICE_DESTROYING)
		return -EBUSY;
	spin_lock_irq(&s->lock);
	s->filters.locked = true;
	/* Running and stopped stay what they are; "locked" tells the rest. */
	if (s->state == CPC_SLICE_CREATED)
		s->state = CPC_SLICE_LOCKED;
	spin_unlock_irq(&s->lock);
	return 0;
}
