// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cpc_linux_boot.c - setup-header check, zero page and ACPI tables for a
 * Linux kernel booted on a slice (cpc_linux_boot.h).
 *
 * The ACPI tables say as little as possible, so that the slice kernel
 * touches none of the host's devices:
 *
 * - FADT revision 6 with HW_REDUCED_ACPI: no PM timer, no SCI, no PM1/GPE
 *   blocks; Linux on x86 then installs no legacy PIC and no PIT/HPET
 *   timer (acpi_generic_reduced_hw_init()). FORCE_APIC_PHYSICAL: the
 *   slice kernel addresses IPIs by physical APIC id (logical ids would
 *   collide with the host's). IA-PC boot flags: no VGA, no CMOS RTC, no
 *   8042, no legacy devices.
 * - MADT: the local APIC at 0xfee00000 and one entry per slice CPU (x2APIC
 *   entries for ids above 254); no PCAT_COMPAT (no 8259), no interrupt
 *   overrides, and one I/O APIC that is a decoy: a page whose registers
 *   read all ones, so Linux skips it ("registers return all ones") and has
 *   none. Without any I/O APIC entry Linux 6.1 would (1) parse the MP
 *   table it finds in the BIOS area, register the host's real I/O APIC
 *   and read its registers (index writes racing the host's), and (2) set
 *   the SCI's trigger mode in the host's 8259 ELCR (ports 0x4d0/0x4d1)
 *   in acpi_bus_init_irq(); with one, acpi_ioapic is set and it does
 *   neither.
 * - DSDT: a header without AML (no devices).
 * - XSDT lists the FADT and the MADT; the RSDP (revision 2) points to the
 *   XSDT only (the tables may be above 4 GiB).
 */
#include "cpc_linux_boot.h"

/* Offsets in the bzImage (Documentation/x86/boot.rst). */
#define LB_SETUP_SECTS	0x1f1
#define LB_BOOT_FLAG	0x1fe
#define LB_JUMP		0x200
#define LB_HEADER	0x202
#define LB_VERSION	0x206
#define LB_LOADFLAGS	0x211
#define LB_KVERSION	0x20e
#define LB_KALIGN	0x230
#define LB_RELOC	0x234
#define LB_XLOADFLAGS	0x236
#define LB_CMDLINE_SIZE	0x238
#define LB_INIT_SIZE	0x260
#define LB_HDR_MIN_END	(LB_INIT_SIZE + 4)
#define LB_HDRS_MAGIC	0x53726448u	/* "HdrS" */
#define LB_LOADED_HIGH	0x01

static u16 lb_get16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 lb_get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/**
 * cpc_lb_parse() - check a bzImage's setup header.
 * @head:     the first bytes of the file.
 * @head_len: how many: at least CPC_LB_HEAD_LEN (or the whole file).
 * @file_len: length of the file.
 * @k:        filled on success.
 *
 * Wants boot protocol 2.14 or later, a 64-bit entry point, a relocatable
 * kernel that may live above 4 GiB (XLF_KERNEL_64 and
 * XLF_CAN_BE_LOADED_ABOVE_4G), a power-of-two kernel alignment of at
 * least 4 KiB and an init_size that holds the protected-mode part.
 *
 * Return: 0, -EINVAL when @head_len is too short for the header, or
 * -ENOEXEC when it is not such a kernel. A version string pointer
 * outside the setup code is not an error: @k->version_off is 0 then.
 */
int cpc_lb_parse(const u8 *head, size_t head_len, u64 file_len, struct cpc_lb_kernel *k)
{
	u32 sects, align, hdr_end;
	u16 xlf;

	if (head_len < CPC_LB_HEAD_LEN || file_len < head_len)
		return -EINVAL;
	if (lb_get16(head + LB_BOOT_FLAG) != 0xaa55 || lb_get32(head + LB_HEADER) != LB_HDRS_MAGIC)
		return -ENOEXEC;
	hdr_end = LB_JUMP + 2 + head[LB_JUMP + 1];
	if (head[LB_JUMP] != 0xeb || hdr_end < LB_HDR_MIN_END ||
	    hdr_end > LB_SETUP_SECTS + sizeof(struct setup_header))
		return -ENOEXEC;
	k->hdr_end = hdr_end;
	k->version = lb_get16(head + LB_VERSION);
	if (k->version < CPC_LB_MIN_VERSION)
		return -ENOEXEC;
	sects = head[LB_SETUP_SECTS] ? head[LB_SETUP_SECTS] : 4;
	k->setup_size = (sects + 1) * 512;
	if (k->setup_size < hdr_end || k->setup_size >= file_len)
		return -ENOEXEC;
	xlf = lb_get16(head + LB_XLOADFLAGS);
	if (!(head[LB_LOADFLAGS] & LB_LOADED_HIGH) || !head[LB_RELOC] ||
	    (xlf & (XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G)) !=
	    (XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G))
		return -ENOEXEC;
	align = lb_get32(head + LB_KALIGN);
	if (align < 4096 || (align & (align - 1)) || align > (1u << 30))
		return -ENOEXEC;
	k->kernel_alignment = align;
	k->init_size = lb_get32(head + LB_INIT_SIZE);
	if (k->init_size < file_len - k->setup_size)
		return -ENOEXEC;
	k->cmdline_size = lb_get32(head + LB_CMDLINE_SIZE);
	if (!k->cmdline_size)
		return -ENOEXEC;
	/* The version string lies in the setup code; anything else is ignored. */
	k->version_off = lb_get16(head + LB_KVERSION);
	if (k->version_off)
		k->version_off += LB_JUMP;
	if (k->version_off < hdr_end || k->version_off >= k->setup_size)
		k->version_off = 0;
	return 0;
}

/**
 * cpc_lb_version() - a printable copy of a kernel version string.
 * @src:  the bytes at the bzImage's version_off (cpc_lb_kernel).
 * @len:  how many of them there are.
 * @out:  where the copy goes, NUL-terminated.
 * @cap:  bytes at @out (at least 1).
 *
 * Copies up to the first NUL, the end of @src or @cap - 1 bytes; a byte
 * that is not printable ASCII becomes '?', so the string is safe to show.
 *
 * Return: the length of the copy.
 */
size_t cpc_lb_version(const u8 *src, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	while (n < len && n + 1 < cap && src[n]) {
		out[n] = src[n] >= 0x20 && src[n] < 0x7f ? (char)src[n] : '?';
		n++;
	}
	out[n] = '\0';
	return n;
}

/**
 * cpc_lb_e820_add() - append a range to the memory map.
 * @p:    the parameters whose map grows.
 * @addr: start.
 * @size: length (0: nothing is added).
 * @type: CPC_E820_*.
 *
 * Ranges must come in ascending order without overlap; one that continues
 * the last entry with the same type extends it.
 *
 * Return: 0, -EINVAL (out of order, or wraps), -ENOSPC (map full).
 */
int cpc_lb_e820_add(struct cpc_lb_params *p, u64 addr, u64 size, u32 type)
{
	struct boot_e820_entry *last = p->nr_e820 ? &p->e820[p->nr_e820 - 1] : NULL;

	if (!size)
		return 0;
	if (addr + size < addr)
		return -EINVAL;
	if (last) {
		if (addr < last->addr + last->size)
			return -EINVAL;
		if (addr == last->addr + last->size && last->type == type) {
			last->size += size;
			return 0;
		}
	}
	if (p->nr_e820 == E820_MAX_ENTRIES_ZEROPAGE)
		return -ENOSPC;
	p->e820[p->nr_e820].addr = addr;
	p->e820[p->nr_e820].size = size;
	p->e820[p->nr_e820].type = type;
	p->nr_e820++;
	return 0;
}

/**
 * cpc_lb_zero_page() - build the zero page.
 * @bp:   the page (4 KiB), overwritten.
 * @head: the first CPC_LB_HEAD_LEN bytes of the bzImage, checked by
 *        cpc_lb_parse() into @k.
 * @k:    from cpc_lb_parse().
 * @p:    where things are.
 *
 * The setup header is copied from the file; the loader fields are set:
 * type_of_loader 0xff (undefined), the command line, the initrd (the
 * ext_* high halves too) and acpi_rsdp_addr. No screen (zero lines:
 * Linux does not probe VGA), no EDD, no setup_data.
 */
void cpc_lb_zero_page(struct boot_params *bp, const u8 *head, const struct cpc_lb_kernel *k,
		      const struct cpc_lb_params *p)
{
	u32 i;

	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, head + LB_SETUP_SECTS, k->hdr_end - LB_SETUP_SECTS);
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.code32_start = (u32)p->kernel;
	bp->hdr.cmd_line_ptr = (u32)p->cmdline;
	bp->ext_cmd_line_ptr = (u32)(p->cmdline >> 32);
	bp->hdr.ramdisk_image = (u32)p->initrd;
	bp->ext_ramdisk_image = (u32)(p->initrd >> 32);
	bp->hdr.ramdisk_size = (u32)p->initrd_len;
	bp->ext_ramdisk_size = (u32)(p->initrd_len >> 32);
	bp->hdr.setup_data = 0;
	bp->hdr.hardware_subarch = 0;
	bp->acpi_rsdp_addr = p->rsdp;
	bp->e820_entries = (u8)p->nr_e820;
	for (i = 0; i < p->nr_e820; i++)
		bp->e820_table[i] = p->e820[i];
}

static bool lb_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Does [@v, @end) read as 0 to the kernel's kstrtoint (base 0)? */
static bool lb_is_zero(const char *v, const char *end)
{
	if (v < end && (*v == '+' || *v == '-'))
		v++;
	if (end - v > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		v += 2;
	if (v == end)
		return false;
	for (; v < end; v++)
		if (*v != '0')
			return false;
	return true;
}

/**
 * cpc_lb_cmdline_panic_ok() - does a command line keep a panic from restarting?
 * @cmdline: a NUL-terminated kernel command line.
 *
 * A Linux kernel booted with panic=N, N not 0, restarts N seconds after a
 * panic (at once if N < 0), and on a slice its restart resets the whole
 * machine (keyboard controller, port 0xcf9, triple fault). Every panic=
 * parameter before a "--" (what follows is init's) must be 0; quotes
 * around the parameter or its value are looked through, and any value
 * that is not plainly zero counts as a restart.
 *
 * Return: true when no panic= parameter has another value.
 */
bool cpc_lb_cmdline_panic_ok(const char *cmdline)
{
	const char *c = cmdline, *t, *e, *v;

	while (*c) {
		while (lb_space(*c))
			c++;
		t = c;
		while (*c && !lb_space(*c))
			c++;
		e = c;
		if (e - t == 2 && t[0] == '-' && t[1] == '-')
			break;
		if (t < e && *t == '"')
			t++;
		if (e > t && e[-1] == '"')
			e--;
		if (e - t < 6 || memcmp(t, "panic=", 6))
			continue;
		v = t + 6;
		if (v < e && *v == '"')
			v++;
		if (!lb_is_zero(v, e))
			return false;
	}
	return true;
}

/* ---- ACPI ------------------------------------------------------------------ */

#define LB_HDR_LEN		36
#define LB_RSDP_LEN		36
#define LB_FADT_LEN		276
#define LB_FADT_FLAGS		0x70	/* FADT.Flags */
#define LB_FADT_BOOT_ARCH	0x6d	/* FADT.IAPC_BOOT_ARCH */
#define LB_FADT_MINOR		0x83	/* FADT Minor Version */
#define LB_FADT_X_DSDT		0x8c
#define LB_MADT_LAPIC_ADDR	0xfee00000u

/* FADT flags: WBINVD, no fixed power/sleep buttons, physical APIC, HW-reduced. */
#define LB_FADT_F_WBINVD	0x00000001u
#define LB_FADT_F_PWR_BUTTON	0x00000010u
#define LB_FADT_F_SLP_BUTTON	0x00000020u
#define LB_FADT_F_APIC_PHYS	0x00080000u
#define LB_FADT_F_HW_REDUCED	0x00100000u
/* IA-PC boot architecture flags: no VGA, no CMOS RTC (8042 and legacy clear). */
#define LB_BOOT_NO_VGA		0x0004u
#define LB_BOOT_NO_CMOS_RTC	0x0020u

static void lb_put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void lb_put32(u8 *p, u32 v)
{
	lb_put16(p, (u16)v);
	lb_put16(p + 2, (u16)(v >> 16));
}

static void lb_put64(u8 *p, u64 v)
{
	lb_put32(p, (u32)v);
	lb_put32(p + 4, (u32)(v >> 32));
}

/**
 * cpc_lb_checksum() - the byte that makes @len bytes at @p sum to zero.
 * @p:   the bytes (their checksum byte zero, or the result is the fix-up).
 * @len: how many.
 *
 * Return: 0 - sum of the bytes (mod 256).
 */
u8 cpc_lb_checksum(const u8 *p, size_t len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return (u8)-sum;
}

/* A standard table header; the checksum is set by lb_seal(). */
static void lb_header(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	lb_put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "CPC   ", 6);
	memcpy(t + 16, "CPCSLICE", 8);
	lb_put32(t + 24, 1);
	memcpy(t + 28, "CPC ", 4);
	lb_put32(t + 32, 1);
}

static void lb_seal(u8 *t, u32 len)
{
	t[9] = 0;
	t[9] = cpc_lb_checksum(t, len);
}

#define LB_ALIGN16(x)	(((x) + 15) & ~(size_t)15)

/**
 * cpc_lb_build_acpi() - the slice's ACPI tables.
 * @buf:      where to write them (zeroed first), mapped at @phys.
 * @cap:      bytes at @buf.
 * @phys:     physical address of @buf (16-byte aligned): the RSDP is there.
 * @apic_ids: physical APIC ids of the slice's CPUs; the first is the boot
 *            CPU.
 * @nr:       how many (1..CPC_LB_MAX_CPUS).
 * @ioapic_decoy: physical address (page aligned, below 4 GiB) of a page
 *            that reads all ones, listed as the I/O APIC; 0: none.
 *
 * Return: bytes used, or 0 when @cap is too small, @nr out of range or
 * @ioapic_decoy not page aligned.
 */
size_t cpc_lb_build_acpi(u8 *buf, size_t cap, u64 phys, const u32 *apic_ids, u32 nr,
			 u32 ioapic_decoy)
{
	size_t xsdt = LB_ALIGN16(LB_RSDP_LEN);
	size_t fadt = LB_ALIGN16(xsdt + LB_HDR_LEN + 2 * 8);
	size_t madt = LB_ALIGN16(fadt + LB_FADT_LEN);
	size_t madt_len = 44, dsdt, end;
	u8 *e;
	u32 i;

	if (!nr || nr > CPC_LB_MAX_CPUS || (phys & 15) || (ioapic_decoy & 4095))
		return 0;
	for (i = 0; i < nr; i++)
		madt_len += apic_ids[i] > 254 ? 16 : 8;
	if (ioapic_decoy)
		madt_len += 12;
	dsdt = LB_ALIGN16(madt + madt_len);
	end = dsdt + LB_HDR_LEN;
	if (end > cap)
		return 0;
	memset(buf, 0, end);

	/* RSDP 2.0: the 20-byte checksum, then the 36-byte extended one. */
	memcpy(buf, "RSD PTR ", 8);
	memcpy(buf + 9, "CPC   ", 6);
	buf[15] = 2;
	lb_put32(buf + 20, LB_RSDP_LEN);
	lb_put64(buf + 24, phys + xsdt);
	buf[8] = cpc_lb_checksum(buf, 20);
	buf[32] = cpc_lb_checksum(buf, LB_RSDP_LEN);

	lb_header(buf + xsdt, "XSDT", LB_HDR_LEN + 2 * 8, 1);
	lb_put64(buf + xsdt + LB_HDR_LEN, phys + fadt);
	lb_put64(buf + xsdt + LB_HDR_LEN + 8, phys + madt);
	lb_seal(buf + xsdt, LB_HDR_LEN + 2 * 8);

	lb_header(buf + fadt, "FACP", LB_FADT_LEN, 6);
	lb_put16(buf + fadt + LB_FADT_BOOT_ARCH, LB_BOOT_NO_VGA | LB_BOOT_NO_CMOS_RTC);
	lb_put32(buf + fadt + LB_FADT_FLAGS, LB_FADT_F_WBINVD | LB_FADT_F_PWR_BUTTON |
		 LB_FADT_F_SLP_BUTTON | LB_FADT_F_APIC_PHYS | LB_FADT_F_HW_REDUCED);
	buf[fadt + LB_FADT_MINOR] = 3;
	lb_put64(buf + fadt + LB_FADT_X_DSDT, phys + dsdt);
	lb_seal(buf + fadt, LB_FADT_LEN);

	lb_header(buf + madt, "APIC", (u32)madt_len, 4);
	lb_put32(buf + madt + 36, LB_MADT_LAPIC_ADDR);
	lb_put32(buf + madt + 40, 0);		/* no PCAT_COMPAT: no 8259 */
	e = buf + madt + 44;
	for (i = 0; i < nr; i++) {
		if (apic_ids[i] > 254) {
			e[0] = 9;			/* processor local x2APIC */
			e[1] = 16;
			lb_put32(e + 4, apic_ids[i]);
			lb_put32(e + 8, 1);		/* enabled */
			lb_put32(e + 12, i);		/* ACPI processor UID */
			e += 16;
		} else {
			e[0] = 0;			/* processor local APIC */
			e[1] = 8;
			e[2] = (u8)i;			/* ACPI processor UID */
			e[3] = (u8)apic_ids[i];
			lb_put32(e + 4, 1);		/* enabled */
			e += 8;
		}
	}
	if (ioapic_decoy) {
		e[0] = 1;				/* I/O APIC */
		e[1] = 12;
		e[2] = 0;				/* I/O APIC id */
		lb_put32(e + 4, ioapic_decoy);
		lb_put32(e + 8, 0);			/* global system interrupt base */
	}
	lb_seal(buf + madt, (u32)madt_len);

	lb_header(buf + dsdt, "DSDT", LB_HDR_LEN, 2);
	lb_seal(buf + dsdt, LB_HDR_LEN);
	return end;
}
