// SPDX-License-Identifier: GPL-2.0
/*
 * slice_linux.c - CPC_IOCTL_SLICE_LOAD with CPC_SLICE_LOAD_LINUX: put an
 * unmodified Linux kernel (bzImage), its initrd and its command line into
 * a slice's memory with a zero page, an e820 map and ACPI tables that
 * describe only the slice (proto/cpc_linux_boot.c builds them). START
 * then enters it by the 64-bit boot protocol (slice_boot.c).
 *
 * Slice memory (offsets; linux/cpc_slice.h):
 *
 *   0x000000-0x03ffff  info page, page tables, boot stack (built by START)
 *   0x040000           zero page            \
 *   0x041000           command line          } reserved in the e820 map
 *   0x042000           ACPI tables          /
 *   0x200000-          RAM for the kernel
 *   >= 16 MiB          the protected-mode kernel (kernel_alignment)
 *   end of the lowest contiguous run: the initrd
 *
 * plus the slice's 64 KiB low-memory slot below 1 MiB: the page tables
 * the kernel enters with (CPC_LINUX_ENTRY_PT_SIZE, reserved), then RAM.
 *
 * The command line starts with what the slice kernel must be told to
 * leave the host's devices alone (CPC_LINUX_CMDLINE below, and
 * tsc_early_khz); the caller's command line follows, so a later option
 * overrides an earlier one, except panic=: a value other than 0 is
 * refused (cpc_lb_cmdline_panic_ok()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/bootparam.h>
#include <asm/smp.h>
#include <asm/tsc.h>

#include <linux/cpc_slice.h>

#include "cpc_linux_boot.h"
#include "slice.h"

/*
 * What every slice kernel is told (Documentation/core-slicing.md, "Linux on
 * a slice", explains each):
 * its console is the host's second UART, polled (earlyprintk ... keep;
 * the 8250 driver gets no ports, so it never probes the host's UARTs); no
 * PCI config space (pci=off); no all-but-self IPIs (they would reach the
 * host's CPUs); no bounce buffers (no devices, and no memory below 4 GiB
 * for them); the TSC is trusted (the host checked it) and its frequency
 * is the host's (tsc_early_khz, added below: the local APIC timer is
 * calibrated against it, there being no PIT or HPET for the slice); a
 * panic never restarts the machine (panic=0: the kernel's restart paths
 * pulse the host's keyboard controller or port 0xcf9, which resets the
 * whole machine, not the slice).
 * cpc_guest.slice_info= (added below) is the physical address of the
 * slice's info page, where a cpc_guest in the slice kernel finds the
 * slice bus (guest-driver/slice_bus.c); kmod's modprobe reads it from
 * /proc/cmdline, insmod must be given it.
 */
#define CPC_LINUX_CMDLINE \
	"earlyprintk=serial,0x2f8,115200,keep 8250.nr_uarts=0 pci=off " \
	"no_ipi_broadcast=1 swiotlb=noforce tsc=reliable panic=0"

/* Bytes of the slice's memory from offset 0 that are physically contiguous. */
static u64 cpc_linux_run(const struct cpc_slice *s)
{
	u64 bs = cpc_slice_block_size();
	unsigned int i;

	for (i = 1; i < s->nr_blocks; i++)
		if (s->blocks[i].start != s->blocks[i - 1].start + bs)
			break;
	return (u64)i * bs;
}

/* The e820 map: the low slot, the boot data reserved, the rest RAM. */
static int cpc_linux_e820(struct cpc_slice *s, struct cpc_lb_params *p)
{
	u64 bs = cpc_slice_block_size(), base = s->blocks[0].start;
	unsigned int i;
	int ret;

	/* The slot: the entry's page tables (reserved), then RAM. */
	ret = cpc_lb_e820_add(p, cpc_lowmem_slot_phys(s), CPC_LINUX_ENTRY_PT_SIZE,
			      CPC_E820_RESERVED);
	if (!ret)
		ret = cpc_lb_e820_add(p, cpc_lowmem_slot_phys(s) + CPC_LINUX_ENTRY_PT_SIZE,
				      SZ_64K - CPC_LINUX_ENTRY_PT_SIZE, CPC_E820_RAM);
	if (!ret)
		ret = cpc_lb_e820_add(p, base, CPC_SLICE_LINUX_RAM, CPC_E820_RESERVED);
	if (!ret)
		ret = cpc_lb_e820_add(p, base + CPC_SLICE_LINUX_RAM, bs - CPC_SLICE_LINUX_RAM,
				      CPC_E820_RAM);
	for (i = 1; i < s->nr_blocks && !ret; i++)
		ret = cpc_lb_e820_add(p, s->blocks[i].start, bs, CPC_E820_RAM);
	return ret;
}

/* The command line: the defaults, then the caller's (@user, NUL-free). */
static char *cpc_linux_cmdline(const struct cpc_slice *s, const char *user, u32 max, int *err)
{
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	int n;

	if (!buf) {
		*err = -ENOMEM;
		return NULL;
	}
	n = snprintf(buf, PAGE_SIZE, "%s tsc_early_khz=%u cpc_guest.slice_info=0x%llx%s%s",
		     CPC_LINUX_CMDLINE, tsc_khz, s->blocks[0].start + CPC_SLICE_INFO_OFFSET,
		     *user ? " " : "", user);
	if (n < 0 || n >= (int)PAGE_SIZE || (u32)n > max) {
		kfree(buf);
		*err = -E2BIG;
		return NULL;
	}
	return buf;
}

/* The slice's physical APIC ids, boot CPU (the lowest) first. */
static u32 cpc_linux_apic_ids(const struct cpc_slice *s, u32 *ids)
{
	unsigned int cpu;
	u32 n = 0;

	for_each_cpu(cpu, s->cpus) {
		if (n == CPC_LB_MAX_CPUS)
			break;
		ids[n++] = cpu_physical_id(cpu);
	}
	return n;
}

/* Boot data written at slice offset CPC_SLICE_LINUX_BOOT_PARAMS. */
struct cpc_linux_boot {
	struct boot_params bp;
	char cmdline[PAGE_SIZE];
	u8 acpi[CPC_LB_ACPI_MAX];
};

static int cpc_linux_write_boot(struct cpc_slice *s, const struct cpc_linux_boot *b)
{
	void *map = memremap(s->blocks[0].start + CPC_SLICE_LINUX_BOOT_PARAMS, sizeof(*b),
			     MEMREMAP_WB);

	BUILD_BUG_ON(sizeof(struct boot_params) != PAGE_SIZE);
	BUILD_BUG_ON(CPC_SLICE_LINUX_BOOT_PARAMS + offsetof(struct cpc_linux_boot, cmdline) !=
		     CPC_SLICE_LINUX_CMDLINE);
	BUILD_BUG_ON(CPC_SLICE_LINUX_BOOT_PARAMS + offsetof(struct cpc_linux_boot, acpi) !=
		     CPC_SLICE_LINUX_ACPI);
	BUILD_BUG_ON(CPC_SLICE_LINUX_ACPI + CPC_LB_ACPI_MAX > CPC_SLICE_LINUX_RAM);
	if (!map)
		return -ENOMEM;
	memcpy(map, b, sizeof(*b));
	memunmap(map);
	return 0;
}

/*
 * The kernel's version string from its setup code into @s->image_kernel
 * ("" when the header names none or it cannot be read).
 */
static void cpc_linux_version(struct cpc_slice *s, const struct cpc_lb_kernel *k,
			      const u8 __user *img, u64 img_len)
{
	char raw[CPC_LB_VERSION_MAX], ver[CPC_LB_VERSION_MAX];
	size_t len = 0;

	BUILD_BUG_ON(sizeof(s->image_kernel) != CPC_LB_VERSION_MAX);
	if (k->version_off) {
		len = min_t(u64, sizeof(raw), img_len - k->version_off);
		if (copy_from_user(raw, img + k->version_off, len))
			len = 0;
	}
	cpc_lb_version(raw, len, ver, sizeof(ver));
	spin_lock_irq(&s->lock);
	strscpy(s->image_kernel, ver, sizeof(s->image_kernel));
	spin_unlock_irq(&s->lock);
}

/* Checks the request's initrd and command-line fields. */
static int cpc_linux_check_req(const struct cpc_slice_load *req)
{
	if (!req->initrd_ptr != !req->initrd_len)
		return -EINVAL;
	if (req->cmdline_len > CPC_SLICE_CMDLINE_MAX || (req->cmdline_len && !req->cmdline_ptr))
		return -EINVAL;
	if (req->image_len < CPC_LB_HEAD_LEN)
		return -EINVAL;
	if (req->image_len > CPC_SLICE_IMAGE_MAX || req->initrd_len > CPC_SLICE_INITRD_MAX)
		return -EFBIG;
	return 0;
}

/* Copies the caller's command line in; NULs are refused. */
static char *cpc_linux_user_cmdline(const struct cpc_slice_load *req, int *err)
{
	char *user = kzalloc(req->cmdline_len + 1, GFP_KERNEL);

	if (!user) {
		*err = -ENOMEM;
		return NULL;
	}
	if (req->cmdline_len &&
	    copy_from_user(user, u64_to_user_ptr(req->cmdline_ptr), req->cmdline_len)) {
		*err = -EFAULT;
		goto err;
	}
	if (strlen(user) != req->cmdline_len) {
		*err = -EINVAL;
		goto err;
	}
	return user;
err:
	kfree(user);
	return NULL;
}

/**
 * cpc_slice_load_linux() - CPC_IOCTL_SLICE_LOAD with CPC_SLICE_LOAD_LINUX.
 * @s:   the slice.
 * @req: the request, copied in; size, flags, reserved and name checked.
 *
 * Context: cpc_slices_mutex held.
 * Return: 0 or a negative errno as documented in uapi/linux/cpc_host.h.
 */
int cpc_slice_load_linux(struct cpc_slice *s, const struct cpc_slice_load *req)
{
	const u8 __user *img = u64_to_user_ptr(req->image_ptr);
	u64 base = s->blocks[0].start, run, kernel_off, initrd_off = 0;
	struct cpc_lb_kernel k;
	struct cpc_lb_params *p = NULL;
	struct cpc_linux_boot *b = NULL;
	u32 ids[CPC_LB_MAX_CPUS], nr;
	char *user = NULL, *cmdline = NULL;
	u8 *head = NULL;
	int ret;

	lockdep_assert_held(&cpc_slices_mutex);
	if (s->state == CPC_SLICE_DESTROYING || s->state == CPC_SLICE_RUNNING)
		return -EBUSY;
	ret = cpc_linux_check_req(req);
	if (ret)
		return ret;
	if (!cpc_lowmem_available())
		return -ENXIO;

	head = kmalloc(CPC_LB_HEAD_LEN, GFP_KERNEL);
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!head || !p || !b) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_user(head, img, CPC_LB_HEAD_LEN)) {
		ret = -EFAULT;
		goto out;
	}
	ret = cpc_lb_parse(head, CPC_LB_HEAD_LEN, req->image_len, &k);
	if (ret) {
		pr_info_ratelimited("load %s: not a bzImage cpc_host can boot (2.14+, 64-bit, relocatable, above 4G)\n",
				    s->name);
		goto out;
	}
	user = cpc_linux_user_cmdline(req, &ret);
	if (!user)
		goto out;
	cmdline = cpc_linux_cmdline(s, user, k.cmdline_size, &ret);
	if (!cmdline)
		goto out;
	if (!cpc_lb_cmdline_panic_ok(cmdline)) {
		pr_info_ratelimited("load %s: panic= other than 0: the slice kernel's restart would reset the machine\n",
				    s->name);
		ret = -EINVAL;
		goto out;
	}

	/* Kernel from 16 MiB (aligned), initrd at the end of the run. */
	run = cpc_linux_run(s);
	kernel_off = ALIGN(base + CPC_SLICE_LINUX_KERNEL, k.kernel_alignment) - base;
	if (req->initrd_len)
		initrd_off = ALIGN_DOWN(run - min(run, req->initrd_len), PAGE_SIZE);
	if (kernel_off + k.init_size > run ||
	    (req->initrd_len && initrd_off < kernel_off + k.init_size)) {
		pr_info_ratelimited("load %s: kernel (%u bytes from offset 0x%llx) and initrd (%llu bytes) need more than the %llu contiguous bytes of the slice\n",
				    s->name, k.init_size, kernel_off, req->initrd_len, run);
		ret = -EFBIG;
		goto out;
	}
	ret = cpc_lowmem_slot_get(s);
	if (ret)
		goto out;

	s->image_loaded = false;
	ret = cpc_slice_fill(s, kernel_off, img + k.setup_size, req->image_len - k.setup_size);
	if (!ret && req->initrd_len)
		ret = cpc_slice_fill(s, initrd_off, u64_to_user_ptr(req->initrd_ptr),
				     req->initrd_len);
	if (ret)
		goto out;

	nr = cpc_linux_apic_ids(s, ids);
	p->kernel = base + kernel_off;
	p->initrd = req->initrd_len ? base + initrd_off : 0;
	p->initrd_len = req->initrd_len;
	p->cmdline = base + CPC_SLICE_LINUX_CMDLINE;
	p->rsdp = base + CPC_SLICE_LINUX_ACPI;
	ret = cpc_linux_e820(s, p);
	if (ret)
		goto out;
	if (!cpc_lb_build_acpi(b->acpi, sizeof(b->acpi), p->rsdp, ids, nr, cpc_lowmem_decoy())) {
		ret = -EINVAL;
		goto out;
	}
	strscpy(b->cmdline, cmdline, sizeof(b->cmdline));
	cpc_lb_zero_page(&b->bp, head, &k, p);
	ret = cpc_linux_write_boot(s, b);
	if (ret)
		goto out;

	cpc_linux_version(s, &k, img, req->image_len);
	BUILD_BUG_ON(CPC_SLICE_LINUX_ENTRY != CPC_LB_ENTRY64);
	s->image_entry = p->kernel + CPC_LB_ENTRY64;
	s->image_mem_size = k.init_size;
	s->image_linux = true;
	s->image_loaded = true;
	pr_info("slice %s: Linux kernel loaded at 0x%llx (boot protocol %u.%02u), initrd %llu bytes, %u CPUs\n",
		s->name, p->kernel, k.version >> 8, k.version & 0xff, req->initrd_len, nr);
	pr_info("slice %s: command line: %s\n", s->name, cmdline);
out:
	kfree(cmdline);
	kfree(user);
	kfree(b);
	kfree(p);
	kfree(head);
	return ret;
}
