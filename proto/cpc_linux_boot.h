/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cpc_linux_boot.h - what cpc_host needs to boot an unmodified Linux
 * kernel (a bzImage, x86 64-bit boot protocol) on a slice: checking the
 * setup header, the zero page (struct boot_params) with its e820 map, and
 * the ACPI tables that describe the slice's CPUs and nothing of the host's
 * hardware (RSDP -> XSDT -> hardware-reduced FADT -> MADT, + an empty
 * DSDT). Freestanding: compiled into cpc_host.ko and into the user-space
 * unit tests, which check the very bytes the module writes.
 *
 * See Documentation/x86/boot.rst of the kernel for the boot protocol and
 * the ACPI specification (6.x) for the tables.
 */
#ifndef CPC_PROTO_LINUX_BOOT_H
#define CPC_PROTO_LINUX_BOOT_H

#include "cpc_compat.h"
#include <asm/bootparam.h>

#ifdef __cplusplus
extern "C" {
#endif

/** CPC_LB_HEAD_LEN - bytes of the bzImage cpc_lb_parse() looks at. */
#define CPC_LB_HEAD_LEN 1024
/** CPC_LB_MIN_VERSION - boot protocol 2.14: acpi_rsdp_addr in the zero page. */
#define CPC_LB_MIN_VERSION 0x020e
/** CPC_LB_ENTRY64 - the 64-bit entry point's offset in the protected-mode kernel. */
#define CPC_LB_ENTRY64 0x200
/** CPC_LB_ACPI_MAX - bytes cpc_lb_build_acpi() needs at most. */
#define CPC_LB_ACPI_MAX 4096
/** CPC_LB_VERSION_MAX - bytes of a kernel version string kept, NUL included. */
#define CPC_LB_VERSION_MAX 128
/** CPC_LB_MAX_CPUS - CPUs the MADT lists at most. */
#define CPC_LB_MAX_CPUS 64

/* e820 types (the kernel's enum e820_type). */
#define CPC_E820_RAM		1
#define CPC_E820_RESERVED	2
#define CPC_E820_ACPI		3

/**
 * struct cpc_lb_kernel - what cpc_lb_parse() learnt from a bzImage.
 * @setup_size:       bytes of the real-mode part; the protected-mode
 *                    kernel starts here in the file.
 * @hdr_end:          end of the setup header in the file (copied from
 *                    offset 0x1f1 up to here into the zero page).
 * @version:          boot protocol version (0x020f: 2.15).
 * @kernel_alignment: physical alignment the kernel wants.
 * @init_size:        bytes the kernel needs from its load address while
 *                    it decompresses and starts.
 * @cmdline_size:     longest command line it takes (without the NUL).
 * @version_off:      file offset of its kernel version string (the
 *                    header's kernel_version + 0x200, inside the setup
 *                    code), or 0 when the header names none.
 */
struct cpc_lb_kernel {
	u32 setup_size;
	u32 hdr_end;
	u16 version;
	u32 kernel_alignment;
	u32 init_size;
	u32 cmdline_size;
	u32 version_off;
};

/**
 * struct cpc_lb_params - where the loader put things (physical addresses).
 * @kernel:     load address of the protected-mode kernel.
 * @initrd:     the initrd, or 0.
 * @initrd_len: its length, or 0.
 * @cmdline:    the NUL-terminated command line.
 * @rsdp:       the ACPI RSDP.
 * @e820:       the memory map, ascending, not overlapping.
 * @nr_e820:    entries used in @e820.
 */
struct cpc_lb_params {
	u64 kernel;
	u64 initrd;
	u64 initrd_len;
	u64 cmdline;
	u64 rsdp;
	struct boot_e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];
	u32 nr_e820;
};

int cpc_lb_parse(const u8 *head, size_t head_len, u64 file_len, struct cpc_lb_kernel *k);
int cpc_lb_e820_add(struct cpc_lb_params *p, u64 addr, u64 size, u32 type);
void cpc_lb_zero_page(struct boot_params *bp, const u8 *head, const struct cpc_lb_kernel *k,
		      const struct cpc_lb_params *p);
size_t cpc_lb_build_acpi(u8 *buf, size_t cap, u64 phys, const u32 *apic_ids, u32 nr,
			 u32 ioapic_decoy);
u8 cpc_lb_checksum(const u8 *p, size_t len);
size_t cpc_lb_version(const u8 *src, size_t len, char *out, size_t cap);
bool cpc_lb_cmdline_panic_ok(const char *cmdline);

#ifdef __cplusplus
}
#endif

#endif /* CPC_PROTO_LINUX_BOOT_H */
