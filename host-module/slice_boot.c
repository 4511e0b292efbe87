// SPDX-License-Identifier: GPL-2.0
/*
 * slice_boot.c - run code on a slice's own CPUs: the host's reserved low
 * memory (module parameter lowmem), INIT and STARTUP IPIs, the trampoline
 * (slice_tramp.S), the slice's page tables and info page, start, stop, the
 * parking of CPUs at create and the reboot notifier.
 *
 * Low memory. A STARTUP IPI starts a CPU in real mode at a page below
 * 1 MiB. Linux keeps the whole first MiB out of the page allocator and
 * hands none of it out, so the administrator reserves a range on the
 * kernel command line (memmap=192K$0x60000: busy "Reserved" in
 * /proc/iomem, never System RAM) and names it to the module
 * (lowmem=0x60000,192K). The module checks that the range is page aligned,
 * between 4 KiB and 640 KiB, at least 64 KiB, fully reserved and disjoint
 * from System RAM, claims it as "cpc_host low memory" and maps it. Without
 * it, slices can be created and loaded but START fails with ENXIO. Layout:
 * R+0 the trampoline page, R+0x1000 four pages of low page tables,
 * R+0xf000 the decoy I/O APIC page of Linux slices, from R+64K one 64 KiB
 * slot per Linux slice: the page tables its kernel enters with
 * (CPC_LINUX_ENTRY_PT_SIZE), then its RAM below 1 MiB.
 *
 * Parking. A CPU offlined with remove_cpu() sits in the kernel's play_dead
 * loop (hlt or mwait); create sends it INIT at once, so it waits for a
 * STARTUP and nothing else (a stray write to a monitored line, an NMI) can
 * wake it. add_cpu() later sends its own INIT and STARTUP to the host's
 * trampoline, so giving the CPU back needs nothing more.
 *
 * Everything here runs under cpc_slices_mutex (start and stop serialise on
 * the one trampoline page), except the reboot notifier, which only sends
 * INIT to offline slice CPUs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/reboot.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <asm/apic.h>
#include <asm/pgtable_types.h>
#include <asm/smp.h>
#include <asm/tsc.h>

#include <linux/cpc_slice.h>

#include "../transport/doorbell.h"
#include "slice.h"
#include "slice_tramp.h"
#include "test_hooks.h"

static char *lowmem;
module_param(lowmem, charp, 0444);
MODULE_PARM_DESC(lowmem,
		 "START,SIZE of low memory reserved with memmap=SIZE$START for slice starts (e.g. 0x60000,192K)");

/**
 * struct cpc_tramp_header - the trampoline's parameters, at offset 8.
 * @cr3_low:    page tables of the 32-bit stage (below 4 GiB).
 * @token:      a new value at every start.
 * @cr3_slice:  the slice's page tables.
 * @entry:      entry point (linear address).
 * @rdi:        RDI at entry.
 * @rsi:        RSI at entry.
 * @rsp:        RSP at entry.
 * @jmp32_off:  far pointer to the 32-bit stage: offset...
 * @jmp32_sel:  ...and selector.
 * @pad0:       zero.
 * @jmp64_off:  far pointer to the 64-bit stage: offset...
 * @jmp64_sel:  ...and selector.
 * @pad1:       zero.
 * @gdt_limit:  GDTR: limit...
 * @gdt_base:   ...and base.
 * @pad2:       zero.
 * @stamp:      the trampoline copies @token here before it leaves.
 * @armed:      non-zero while a start waits for @stamp; a CPU entering the
 *              trampoline with it zero halts there.
 */
struct cpc_tramp_header {
	u32 cr3_low;
	u32 token;
	u64 cr3_slice;
	u64 entry;
	u64 rdi;
	u64 rsi;
	u64 rsp;
	u32 jmp32_off;
	u16 jmp32_sel;
	u16 pad0;
	u32 jmp64_off;
	u16 jmp64_sel;
	u16 pad1;
	u16 gdt_limit;
	u32 gdt_base;
	u16 pad2;
	u32 stamp;
	u32 armed;
} __packed;

#define CPC_TRAMP_HEADER_OFFSET	8
#define CPC_TRAMP_GDT_OFFSET	0x58
#define CPC_LOW_PT_OFFSET	0x1000
#define CPC_LOW_PT_PAGES	4
#define CPC_LOWMEM_MIN		SZ_64K
/* Low-memory slots for Linux slices: 64 KiB each from R + 64 KiB. */
#define CPC_LOW_SLOT_OFFSET	SZ_64K
#define CPC_LOW_SLOT_SIZE	SZ_64K
/* A page of all ones: the decoy I/O APIC of Linux slices (proto/cpc_linux_boot.c). */
#define CPC_LOW_DECOY_OFFSET	0xf000
#define CPC_LOWMEM_END		0xa0000
/* How long start waits for the stamp; the SDM's INIT wait is 10 ms. */
#define CPC_START_TIMEOUT_MS	1000
#define CPC_SIPI_RETRY_MS	200

static struct {
	phys_addr_t start;
	u64 size;
	void *map;
	bool claimed;
	struct resource res;
} cpc_low;

static u32 cpc_start_token;
/* Slots held by Linux slices (bit i: slot i); cpc_slices_mutex. */
static unsigned long cpc_low_slots;

/* ---- the local APIC's interrupt command register ------------------------ */

/* One IPI to physical APIC id @apicid (transport/doorbell.c): ESR, 0 = ok. */
static u32 cpc_icr(u32 apicid, u32 low)
{
	return cpc_db_send_ipi(apicid, low);
}

/**
 * cpc_slice_send_ipi() - one IPI to a physical APIC id (slice doorbells).
 * @apicid: the destination.
 * @low:    the ICR's low word (delivery mode, vector).
 *
 * Context: any context.
 * Return: the local APIC's error status for it (0: accepted).
 */
u32 cpc_slice_send_ipi(u32 apicid, u32 low)
{
	return cpc_icr(apicid, low);
}

/* INIT (assert, then the deassert older CPUs want) to one CPU. */
static int cpc_send_init(unsigned int cpu)
{
	u32 id = cpu_physical_id(cpu);
	u32 e1, e2;

	e1 = cpc_icr(id, APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT);
	e2 = cpc_icr(id, APIC_INT_LEVELTRIG | APIC_DM_INIT);
	if (e1 || e2) {
		pr_err_ratelimited("INIT to CPU%u (APIC id %u): APIC error 0x%x/0x%x\n",
				   cpu, id, e1, e2);
		return -EIO;
	}
	return 0;
}

/**
 * cpc_slice_park_cpu() - send INIT to a CPU this module took offline.
 * @cpu: the CPU; offline (remove_cpu() returned).
 *
 * After remove_cpu() the CPU has reported its death and the kernel expects
 * nothing from it until it boots it again with INIT/STARTUP.
 *
 * Context: process context.
 * Return: 0, or -EIO when the local APIC reported an error.
 */
int cpc_slice_park_cpu(unsigned int cpu)
{
	return cpc_send_init(cpu);
}

/**
 * cpc_slice_stop_cpus() - send INIT to every CPU of a slice.
 * @s: the slice.
 *
 * Context: cpc_slices_mutex held.
 * Return: 0, or -EIO when the local APIC reported an error for a CPU (the
 * others are still sent INIT).
 */
int cpc_slice_stop_cpus(struct cpc_slice *s)
{
	unsigned int cpu;
	int ret = 0;

	lockdep_assert_held(&cpc_slices_mutex);
	for_each_cpu(cpu, s->offlined)
		ret = cpc_send_init(cpu) ?: ret;
	return ret;
}

/* ---- low memory ----------------------------------------------------------- */

static int cpc_low_reserved(struct resource *res, void *arg)
{
	u64 *covered = arg;
	u64 start = max_t(u64, res->start, cpc_low.start);
	u64 end = min_t(u64, res->end, cpc_low.start + cpc_low.size - 1);

	if (end >= start)
		*covered += end - start + 1;
	return 0;
}

/* Parses and checks the lowmem parameter; logs why it is not usable. */
static int cpc_lowmem_check(void)
{
	char buf[64], *size_str, *end;
	u64 covered = 0;

	if (strscpy(buf, lowmem, sizeof(buf)) < 0)
		return -EINVAL;
	size_str = strchr(buf, ',');
	if (!size_str)
		return -EINVAL;
	*size_str++ = '\0';
	cpc_low.start = memparse(buf, &end);
	if (*end)
		return -EINVAL;
	cpc_low.size = memparse(size_str, &end);
	if (*end)
		return -EINVAL;
	if (!PAGE_ALIGNED(cpc_low.start) || !PAGE_ALIGNED(cpc_low.size) ||
	    cpc_low.start < SZ_4K || cpc_low.size < CPC_LOWMEM_MIN ||
	    cpc_low.size > CPC_LOWMEM_END ||
	    cpc_low.start > CPC_LOWMEM_END - cpc_low.size)
		return -ERANGE;
	/* memmap=SIZE$START makes it a busy "Reserved" range, never RAM. */
	walk_iomem_res_desc(IORES_DESC_RESERVED, IORESOURCE_MEM, cpc_low.start,
			    cpc_low.start + cpc_low.size - 1, &covered, cpc_low_reserved);
	if (covered != cpc_low.size ||
	    region_intersects(cpc_low.start, cpc_low.size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		return -EADDRNOTAVAIL;
	return 0;
}

/**
 * cpc_lowmem_init() - claim the low memory named by the lowmem parameter.
 *
 * A missing or unusable range is logged once and leaves slices without
 * START (ENXIO); it never fails the module load.
 */
static void cpc_lowmem_init(void)
{
	int ret;

	if (!lowmem || !*lowmem) {
		pr_info("no lowmem= parameter: slices cannot be started\n");
		return;
	}
	ret = cpc_lowmem_check();
	if (ret) {
		pr_warn("lowmem=%s: %s; slices cannot be started\n", lowmem,
			ret == -EINVAL ? "want START,SIZE" :
			ret == -ERANGE ? "want page-aligned, at least 64K, within 4K-640K" :
			"not fully reserved (memmap=SIZE$START) or overlaps System RAM");
		return;
	}
	cpc_low.res.name = "cpc_host low memory";
	cpc_low.res.start = cpc_low.start;
	cpc_low.res.end = cpc_low.start + cpc_low.size - 1;
	cpc_low.res.flags = IORESOURCE_MEM;
	ret = insert_resource(&iomem_resource, &cpc_low.res);
	if (ret) {
		pr_warn("lowmem=%s: cannot claim it (%d); slices cannot be started\n",
			lowmem, ret);
		return;
	}
	cpc_low.map = memremap(cpc_low.start, cpc_low.size, MEMREMAP_WB);
	if (!cpc_low.map) {
		pr_warn("lowmem=%s: cannot map it; slices cannot be started\n", lowmem);
		remove_resource(&cpc_low.res);
		return;
	}
	cpc_low.claimed = true;
	pr_info("low memory 0x%llx-0x%llx for slice starts\n", (u64)cpc_low.start,
		(u64)cpc_low.start + cpc_low.size - 1);
}

static void cpc_lowmem_exit(void)
{
	if (!cpc_low.claimed)
		return;
	memset(cpc_low.map, 0, cpc_low.size);
	memunmap(cpc_low.map);
	remove_resource(&cpc_low.res);
	cpc_low.claimed = false;
}

bool cpc_lowmem_available(void)
{
	return cpc_low.claimed;
}

/* Low-memory slots there are (at most one per bit of cpc_low_slots). */
static unsigned int cpc_lowmem_slots(void)
{
	return min_t(u64, (cpc_low.size - CPC_LOW_SLOT_OFFSET) / CPC_LOW_SLOT_SIZE, BITS_PER_LONG);
}

/**
 * cpc_lowmem_slots_free() - low-memory slots no Linux slice holds.
 *
 * Context: any; a snapshot (sysfs available/low_slots).
 * Return: how many, 0 without low memory.
 */
unsigned int cpc_lowmem_slots_free(void)
{
	if (!cpc_low.claimed)
		return 0;
	return cpc_lowmem_slots() - hweight_long(READ_ONCE(cpc_low_slots));
}

/**
 * cpc_lowmem_slot_get() - give a slice one of the low-memory slots.
 * @s: the slice (keeps a slot it has).
 *
 * A Linux kernel needs RAM below 1 MiB for its own real-mode trampoline
 * (it panics without it); the slot is that RAM in the slice's e820 map.
 *
 * Context: cpc_slices_mutex held.
 * Return: 0, -ENXIO (no low memory) or -ENOSPC (every slot held).
 */
int cpc_lowmem_slot_get(struct cpc_slice *s)
{
	unsigned int i, n;

	lockdep_assert_held(&cpc_slices_mutex);
	if (!cpc_low.claimed)
		return -ENXIO;
	if (s->low_slot)
		return 0;
	n = cpc_lowmem_slots();
	for (i = 0; i < n; i++) {
		if (!(cpc_low_slots & BIT(i))) {
			WRITE_ONCE(cpc_low_slots, cpc_low_slots | BIT(i));
			s->low_slot = i + 1;
			return 0;
		}
	}
	return -ENOSPC;
}

/**
 * cpc_lowmem_decoy() - the page Linux slices see as their I/O APIC.
 *
 * Its registers read all ones, so a slice kernel skips it; it writes at
 * most the index register (offset 0), which is rewritten here each time.
 *
 * Context: cpc_slices_mutex held; low memory claimed.
 * Return: its physical address (below 1 MiB).
 */
u32 cpc_lowmem_decoy(void)
{
	lockdep_assert_held(&cpc_slices_mutex);
	memset(cpc_low.map + CPC_LOW_DECOY_OFFSET, 0xff, PAGE_SIZE);
	return cpc_low.start + CPC_LOW_DECOY_OFFSET;
}

/**
 * cpc_lowmem_slot_phys() - physical address of a slice's low-memory slot.
 * @s: the slice; holds a slot.
 *
 * Return: the address; the slot is CPC_LOW_SLOT_SIZE bytes.
 */
u64 cpc_lowmem_slot_phys(const struct cpc_slice *s)
{
	return cpc_low.start + CPC_LOW_SLOT_OFFSET + (u64)(s->low_slot - 1) * CPC_LOW_SLOT_SIZE;
}

/**
 * cpc_lowmem_slot_put() - scrub and release a slice's slot (if it holds one).
 * @s: the slice; its CPUs are stopped.
 *
 * Context: cpc_slices_mutex held.
 */
void cpc_lowmem_slot_put(struct cpc_slice *s)
{
	lockdep_assert_held(&cpc_slices_mutex);
	if (!s->low_slot)
		return;
	memset(cpc_low.map + (cpc_lowmem_slot_phys(s) - cpc_low.start), 0, CPC_LOW_SLOT_SIZE);
	WRITE_ONCE(cpc_low_slots, cpc_low_slots & ~BIT(s->low_slot - 1));
	s->low_slot = 0;
}

/* ---- page tables ------------------------------------------------------------ */

/* A pool of zeroed page-table pages at @phys, mapped at @base. */
struct cpc_pt {
	u64 *base;
	u64 phys;
	unsigned int used;
	unsigned int max;
};

#define CPC_PT_TABLE	(_PAGE_PRESENT | _PAGE_RW)
#define CPC_PT_ENTRIES	512

/* The table @table[@idx] points to; allocates it from the pool if absent. */
static int cpc_pt_next(struct cpc_pt *pt, u64 *table, unsigned int idx, u64 **next)
{
	u64 e = table[idx];

	if (!(e & _PAGE_PRESENT)) {
		if (pt->used == pt->max)
			return -ENOSPC;
		e = (pt->phys + (u64)pt->used * PAGE_SIZE) | CPC_PT_TABLE;
		table[idx] = e;
		pt->used++;
	} else if (e & _PAGE_PSE) {
		return -ENOSPC;	/* a 2 MiB page is in the way: a layout bug */
	}
	*next = pt->base + ((e & PTE_PFN_MASK & ~_PAGE_NX) - pt->phys) / sizeof(u64);
	return 0;
}

/* Maps @va to @pa with @flags: a 2 MiB page if @huge, else a 4 KiB page. */
static int cpc_pt_map(struct cpc_pt *pt, u64 va, u64 pa, u64 flags, bool huge)
{
	u64 *t = pt->base;	/* the PML4 is the pool's first page */
	int lvl, ret;

	for (lvl = 3; lvl > (huge ? 1 : 0); lvl--) {
		ret = cpc_pt_next(pt, t, (va >> (PAGE_SHIFT + 9 * lvl)) % CPC_PT_ENTRIES, &t);
		if (ret)
			return ret;
	}
	t[(va >> (PAGE_SHIFT + 9 * lvl)) % CPC_PT_ENTRIES] = pa | flags | (huge ? _PAGE_PSE : 0);
	return 0;
}

/* Maps [@pa, @pa + @len) at @va: 2 MiB pages where aligned, else 4 KiB. */
static int cpc_pt_map_range(struct cpc_pt *pt, u64 va, u64 pa, u64 len, u64 flags)
{
	u64 done = 0;
	int ret;

	while (done < len) {
		bool huge = IS_ALIGNED(va + done, SZ_2M) && IS_ALIGNED(pa + done, SZ_2M) &&
			    len - done >= SZ_2M;

		ret = cpc_pt_map(pt, va + done, pa + done, flags, huge);
		if (ret)
			return ret;
		done += huge ? SZ_2M : PAGE_SIZE;
	}
	return 0;
}

/* Physical address of slice offset @off (blocks ascending, back to back). */
u64 cpc_slice_phys(const struct cpc_slice *s, u64 off)
{
	u64 bs = cpc_slice_block_size();
	u64 idx = div64_u64(off, bs);

	return s->blocks[idx].start + (off - idx * bs);
}

u64 cpc_slice_linear_len(const struct cpc_slice *s)
{
	return min_t(u64, cpc_slice_mem_bytes(s), CPC_SLICE_LINEAR_MAX);
}

/*
 * The slice's page tables (linux/cpc_slice.h) in the page-table area
 * mapped at @area (slice offsets 0 to CPC_SLICE_PT_END).
 */
static int cpc_slice_build_tables(struct cpc_slice *s, void *area, u64 bus_phys, u64 bus_len)
{
	u64 base = s->blocks[0].start, total = cpc_slice_mem_bytes(s);
	u64 linear = cpc_slice_linear_len(s), off, flags;
	struct cpc_pt pt = {
		.base = area + CPC_SLICE_PT_OFFSET,
		.phys = base + CPC_SLICE_PT_OFFSET,
		.used = 1,
		.max = (CPC_SLICE_PT_END - CPC_SLICE_PT_OFFSET) / PAGE_SIZE,
	};
	int ret;

	memset(pt.base, 0, CPC_SLICE_PT_END - CPC_SLICE_PT_OFFSET);
	/* First 2 MiB in 4 KiB pages: info page and tables read-only. */
	for (off = 0; off < SZ_2M; off += PAGE_SIZE) {
		flags = _PAGE_PRESENT | _PAGE_NX;
		if (off >= CPC_SLICE_STACK_OFFSET)
			flags |= _PAGE_RW;
		ret = cpc_pt_map(&pt, base + off, base + off, flags, false);
		if (!ret)
			ret = cpc_pt_map(&pt, CPC_SLICE_LINEAR_VA + off, base + off, flags, false);
		if (ret)
			return ret;
	}
	/* The rest: read-write-execute, identity and (up to 1 GiB) linear. */
	for (off = SZ_2M; off < total; off += SZ_2M) {
		u64 pa = cpc_slice_phys(s, off);

		flags = _PAGE_PRESENT | _PAGE_RW;
		ret = cpc_pt_map(&pt, pa, pa, flags, true);
		if (!ret && off < linear)
			ret = cpc_pt_map(&pt, CPC_SLICE_LINEAR_VA + off, pa, flags, true);
		if (ret)
			return ret;
	}
	ret = cpc_pt_map(&pt, cpc_low.start, cpc_low.start, _PAGE_PRESENT, false);
	if (ret)
		return ret;
	ret = cpc_pt_map(&pt, APIC_DEFAULT_PHYS_BASE, APIC_DEFAULT_PHYS_BASE,
			 _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT | _PAGE_NX, false);
	if (ret)
		return ret;
	if (bus_len)
		ret = cpc_pt_map_range(&pt, bus_phys, bus_phys, bus_len,
				       _PAGE_PRESENT | _PAGE_RW | _PAGE_NX);
	return ret;
}

/*
 * The page tables a Linux kernel enters with, at the bottom of the slice's
 * low-memory slot (reserved in its e820 map): below 4 GiB, where a CR3
 * that 32-bit code keeps or loads must be. Linux's decompressor turns
 * paging off and on again in a 32-bit trampoline; before 6.1.7x (upstream
 * before 6.6) it kept the loader's CR3 across that, which on hardware
 * holds only 32 bits outside long mode. They map, identity, only what runs
 * before the decompressor loads tables of its own: page 0 read-only (the
 * BIOS data area it reads), the trampoline page read-only, the slot's RAM
 * (its 32-bit trampoline goes to the top), the slice's first 2 MiB
 * (stack, zero page, command line, ACPI tables; no execute) and the slice
 * up to the end of the kernel's init_size.
 */
static int cpc_linux_build_tables(struct cpc_slice *s, u64 *cr3)
{
	u64 slot = cpc_lowmem_slot_phys(s), base = s->blocks[0].start;
	u64 end = ALIGN(s->image_entry - CPC_SLICE_LINUX_ENTRY + s->image_mem_size, SZ_2M);
	struct cpc_pt pt = {
		.base = cpc_low.map + (slot - cpc_low.start),
		.phys = slot,
		.used = 1,
		.max = CPC_LINUX_ENTRY_PT_SIZE / PAGE_SIZE,
	};
	int ret;

	memset(pt.base, 0, CPC_LINUX_ENTRY_PT_SIZE);
	ret = cpc_pt_map(&pt, 0, 0, _PAGE_PRESENT | _PAGE_NX, false);
	if (!ret)
		ret = cpc_pt_map(&pt, cpc_low.start, cpc_low.start, _PAGE_PRESENT, false);
	if (!ret)
		ret = cpc_pt_map_range(&pt, slot + CPC_LINUX_ENTRY_PT_SIZE,
				       slot + CPC_LINUX_ENTRY_PT_SIZE,
				       CPC_LOW_SLOT_SIZE - CPC_LINUX_ENTRY_PT_SIZE,
				       _PAGE_PRESENT | _PAGE_RW);
	if (!ret)
		ret = cpc_pt_map(&pt, base, base, _PAGE_PRESENT | _PAGE_RW | _PAGE_NX, true);
	if (!ret)
		ret = cpc_pt_map_range(&pt, base + SZ_2M, base + SZ_2M, end - base - SZ_2M,
				       _PAGE_PRESENT | _PAGE_RW);
	*cr3 = slot;
	return ret;
}

static void cpc_slice_fill_info(struct cpc_slice *s, struct cpc_slice_info *info,
				u32 boot_apic_id, u64 bus_phys, u64 bus_len)
{
	u64 bs = cpc_slice_block_size();
	unsigned int cpu, i, n = 0;

	memset(info, 0, PAGE_SIZE);
	info->magic = CPC_SLICE_INFO_MAGIC;
	info->version = CPC_SLICE_INFO_VERSION;
	info->size = sizeof(*info);
	strscpy(info->name, s->name, sizeof(info->name));
	for_each_cpu(cpu, s->cpus) {
		if (n == CPC_SLICE_INFO_MAX_CPUS)
			break;
		info->apic_ids[n++] = cpu_physical_id(cpu);
	}
	info->nr_cpus = n;
	info->boot_apic_id = boot_apic_id;
	/* Adjacent blocks are one range. */
	n = 0;
	for (i = 0; i < s->nr_blocks && n < CPC_SLICE_INFO_MAX_RANGES; i++) {
		if (n && info->ranges[n - 1].phys + info->ranges[n - 1].len == s->blocks[i].start) {
			info->ranges[n - 1].len += bs;
			continue;
		}
		info->ranges[n].phys = s->blocks[i].start;
		info->ranges[n].len = bs;
		n++;
	}
	info->nr_ranges = n;
	info->flags = (x2apic_mode ? CPC_SLICE_INFO_X2APIC : 0) |
		      (bus_len ? CPC_SLICE_INFO_BUS : 0);
	info->linear_va = CPC_SLICE_LINEAR_VA;
	info->linear_len = cpc_slice_linear_len(s);
	info->image_offset = CPC_SLICE_IMAGE_OFFSET;
	info->image_mem_size = s->image_mem_size;
	info->free_offset = PAGE_ALIGN(CPC_SLICE_IMAGE_OFFSET + s->image_mem_size);
	info->bus_phys = bus_phys;
	info->bus_len = bus_len;
	info->lapic_phys = APIC_DEFAULT_PHYS_BASE;
	info->tsc_khz = tsc_khz;
	info->cpu_khz = cpu_khz;
	info->host_apic_id = s->bus.host_apic_id;
	info->host_vector = s->bus.host_vector;
	info->start_count = s->starts + 1;
}

/* The trampoline page and the low tables that map only it. */
static int cpc_low_prepare(u64 cr3_slice, u64 entry, u64 rdi, u64 rsi, u64 rsp, u32 token)
{
	size_t len = cpc_tramp_end - cpc_tramp_start;
	struct cpc_tramp_header *h = cpc_low.map + CPC_TRAMP_HEADER_OFFSET;
	u32 r = cpc_low.start;
	struct cpc_pt pt = {
		.base = cpc_low.map + CPC_LOW_PT_OFFSET,
		.phys = cpc_low.start + CPC_LOW_PT_OFFSET,
		.used = 1,
		.max = CPC_LOW_PT_PAGES,
	};

	BUILD_BUG_ON(CPC_TRAMP_HEADER_OFFSET + sizeof(*h) != CPC_TRAMP_GDT_OFFSET);
	if (WARN_ON_ONCE(len > PAGE_SIZE ||
			 cpc_tramp_gdt - cpc_tramp_start != CPC_TRAMP_GDT_OFFSET))
		return -EINVAL;
	memset(cpc_low.map, 0, CPC_LOW_PT_OFFSET + CPC_LOW_PT_PAGES * PAGE_SIZE);
	memcpy(cpc_low.map, cpc_tramp_start, len);
	h->cr3_low = r + CPC_LOW_PT_OFFSET;
	h->token = token;
	h->cr3_slice = cr3_slice;
	h->entry = entry;
	h->rdi = rdi;
	h->rsi = rsi;
	h->rsp = rsp;
	h->jmp32_off = r + (cpc_tramp_start32 - cpc_tramp_start);
	h->jmp32_sel = 0x08;
	h->jmp64_off = r + (cpc_tramp_start64 - cpc_tramp_start);
	h->jmp64_sel = 0x10;
	h->gdt_limit = 4 * 8 - 1;
	h->gdt_base = r + CPC_TRAMP_GDT_OFFSET;
	h->stamp = 0;
	h->armed = 1;
	return cpc_pt_map(&pt, r, r, _PAGE_PRESENT | _PAGE_RW, false);
}

/* One STARTUP IPI to @cpu, at the trampoline page. */
static int cpc_send_sipi(unsigned int cpu)
{
	u32 id = cpu_physical_id(cpu);
	u32 esr = cpc_icr(id, APIC_DM_STARTUP | (cpc_low.start >> PAGE_SHIFT));

	if (esr) {
		pr_err_ratelimited("STARTUP to CPU%u (APIC id %u): APIC error 0x%x\n",
				   cpu, id, esr);
		return -EIO;
	}
	return 0;
}

/* Waits until @h->stamp is @token or @deadline (ktime) passed. */
static bool cpc_wait_stamp(struct cpc_tramp_header *h, u32 token, ktime_t deadline)
{
	while (READ_ONCE(h->stamp) != token) {
		if (ktime_after(ktime_get(), deadline))
			return false;
		usleep_range(500, 1000);
	}
	return true;
}

/*
 * INIT, 10 ms, STARTUP; a second STARTUP only if the trampoline has not
 * reported after CPC_SIPI_RETRY_MS (the SDM's second STARTUP is for a
 * lost first one; sent unconditionally it is not always ignored: QEMU
 * wakes a CPU halted by the started code with it).
 */
static int cpc_boot_cpu(unsigned int cpu, struct cpc_tramp_header *h, u32 token)
{
	bool skip = cpc_test_skip_startup();
	ktime_t t0;
	int ret;

	ret = cpc_send_init(cpu);
	if (ret)
		return ret;
	usleep_range(10000, 11000);
	t0 = ktime_get();
	ret = skip ? 0 : cpc_send_sipi(cpu);
	if (ret)
		return ret;
	if (cpc_wait_stamp(h, token, ktime_add_ms(t0, CPC_SIPI_RETRY_MS)))
		return 0;
	ret = skip ? 0 : cpc_send_sipi(cpu);
	if (ret)
		return ret;
	if (cpc_wait_stamp(h, token, ktime_add_ms(t0, CPC_START_TIMEOUT_MS)))
		return 0;
	return -ETIMEDOUT;
}

/**
 * cpc_slice_start() - CPC_IOCTL_SLICE_START on a slice.
 * @s: the slice.
 *
 * Context: cpc_slices_mutex held.
 * Return: 0 or a negative errno as documented in uapi/linux/cpc_host.h.
 */
int cpc_slice_start(struct cpc_slice *s)
{
	struct cpc_tramp_header *h;
	unsigned int cpu;
	u64 bus_phys, bus_len, cr3;
	ktime_t t0;
	void *area;
	u32 token;
	int ret;

	lockdep_assert_held(&cpc_slices_mutex);
	if (s->state == CPC_SLICE_DESTROYING || s->state == CPC_SLICE_RUNNING)
		return -EBUSY;
	if (!s->image_loaded)
		return -ENOEXEC;
	if (!cpc_low.claimed)
		return -ENXIO;
	/*
	 * A Linux kernel brings up its other CPUs itself (INIT and STARTUP to
	 * its trampoline in the slot) and interrupts them from then on: its
	 * IPI mask must let it (the filters are stable under the mutex).
	 */
	if (s->image_linux && cpumask_weight(s->cpus) > 1 &&
	    !cpumask_subset(s->cpus, s->filters.ipi_cpus)) {
		pr_info_ratelimited("start %s: its IPI mask leaves out some of its CPUs, which its kernel must start and interrupt\n",
				    s->name);
		return -EPERM;
	}
	cpu = cpumask_first(s->offlined);
	if (WARN_ON_ONCE(cpu >= nr_cpu_ids))
		return -EINVAL;

	area = memremap(s->blocks[0].start, CPC_SLICE_STACK_TOP, MEMREMAP_WB);
	if (!area)
		return -ENOMEM;
	ret = cpc_slice_bus_up(s);
	if (ret) {
		pr_info_ratelimited("start %s: no slice bus: %d\n", s->name, ret);
		goto out_unmap;
	}
	bus_phys = s->bus.phys;
	bus_len = s->bus.len;
	if (s->image_linux) {
		ret = cpc_linux_build_tables(s, &cr3);
	} else {
		ret = cpc_slice_build_tables(s, area, bus_phys, bus_len);
		cr3 = s->blocks[0].start + CPC_SLICE_PT_OFFSET;
	}
	if (ret) {
		pr_info_ratelimited("start %s: page tables do not fit\n", s->name);
		goto out_bus;
	}
	cpc_slice_fill_info(s, area + CPC_SLICE_INFO_OFFSET, cpu_physical_id(cpu),
			    bus_phys, bus_len);
	token = ++cpc_start_token ?: ++cpc_start_token;
	if (s->image_linux)	/* the 64-bit boot protocol: identity addresses */
		ret = cpc_low_prepare(cr3, s->image_entry, 0,
				      s->blocks[0].start + CPC_SLICE_LINUX_BOOT_PARAMS,
				      s->blocks[0].start + CPC_SLICE_STACK_TOP, token);
	else
		ret = cpc_low_prepare(cr3,
				      CPC_SLICE_LINEAR_VA + CPC_SLICE_IMAGE_OFFSET + s->image_entry,
				      CPC_SLICE_LINEAR_VA + CPC_SLICE_INFO_OFFSET, 0,
				      CPC_SLICE_LINEAR_VA + CPC_SLICE_STACK_TOP, token);
	if (ret)
		goto out_bus;
	/* Everything the CPU reads is in memory before the STARTUP. */
	wmb();

	h = cpc_low.map + CPC_TRAMP_HEADER_OFFSET;
	t0 = ktime_get();
	ret = cpc_boot_cpu(cpu, h, token);
	/* From now on a CPU entering the trampoline halts there. */
	WRITE_ONCE(h->armed, 0);
	if (ret) {
		pr_info_ratelimited("start %s: CPU%u %s\n", s->name, cpu,
				    ret == -ETIMEDOUT ? "did not reach the entry point within 1 s" :
				    "could not be sent INIT/STARTUP");
		cpc_slice_bus_down(s);
		cpc_send_init(cpu);	/* whatever it got to, it stops */
		cpc_slice_bus_free(s);
		goto out_unmap;
	}
	s->start_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	s->starts++;
	s->entry_cr3 = cr3;
	spin_lock_irq(&s->lock);
	s->state = CPC_SLICE_RUNNING;
	s->bus_saved = s->filters.bus;
	s->filters.bus.start = bus_phys;
	s->filters.bus.len = bus_len;
	spin_unlock_irq(&s->lock);
	pr_info("slice %s started on CPU%u (APIC id %u) in %llu us\n", s->name, cpu,
		cpu_physical_id(cpu), div_u64(s->start_ns, NSEC_PER_USEC));
	memunmap(area);
	return 0;

out_bus:
	cpc_slice_bus_down(s);
	cpc_slice_bus_free(s);
out_unmap:
	memunmap(area);
	return ret;
}

/**
 * cpc_slice_stop() - CPC_IOCTL_SLICE_STOP on a slice.
 * @s: the slice.
 *
 * Context: cpc_slices_mutex held.
 * Return: 0 or a negative errno as documented in uapi/linux/cpc_host.h.
 */
int cpc_slice_stop(struct cpc_slice *s)
{
	int ret;

	lockdep_assert_held(&cpc_slices_mutex);
	if (s->state == CPC_SLICE_DESTROYING)
		return -EBUSY;
	if (s->state != CPC_SLICE_RUNNING)
		return -EINVAL;
	cpc_slice_bus_down(s);
	ret = cpc_slice_stop_cpus(s);
	s->image_loaded = false;
	spin_lock_irq(&s->lock);
	s->state = CPC_SLICE_STOPPED;
	s->filters.bus = s->bus_saved;
	spin_unlock_irq(&s->lock);
	if (!ret)	/* a CPU that may still run keeps its bus */
		cpc_slice_bus_free(s);
	pr_info("slice %s stopped\n", s->name);
	return ret;
}

/*
 * Reboot or kexec with a running slice: INIT every offline slice CPU, so
 * nothing runs on them when the next kernel reuses the slice's memory.
 * Takes no lock (the mutex may be held by a stuck ioctl); CPUs that are
 * online are the host's.
 */
static int cpc_slice_reboot(struct notifier_block *nb, unsigned long action, void *data)
{
	unsigned int cpu;

	for_each_cpu(cpu, &cpc_sliced_cpus)
		if (!cpu_online(cpu))
			cpc_send_init(cpu);
	return NOTIFY_DONE;
}

static struct notifier_block cpc_slice_reboot_nb = {
	.notifier_call = cpc_slice_reboot,
};

int cpc_slice_boot_init(void)
{
	int ret;

	ret = cpc_slice_bus_init();
	if (ret)
		return ret;
	cpc_lowmem_init();
	ret = register_reboot_notifier(&cpc_slice_reboot_nb);
	if (ret) {
		cpc_lowmem_exit();
		cpc_slice_bus_exit();
	}
	return ret;
}

void cpc_slice_boot_exit(void)
{
	unregister_reboot_notifier(&cpc_slice_reboot_nb);
	cpc_lowmem_exit();
	cpc_slice_bus_exit();
}
