/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cpc_slice.h - what code running on a slice's own CPUs sees: the image
 * format CPC_IOCTL_SLICE_LOAD accepts, the layout of the slice's memory,
 * the 64-bit entry ABI CPC_IOCTL_SLICE_START provides and the read-only
 * slice info page. Shared by cpc_host.ko, the bare-metal payload
 * (slice-payload/) and user space. Everything is little-endian (x86).
 *
 * Memory layout (offsets in the slice's memory: the slice's blocks in
 * ascending physical order, one after the other):
 *
 * =================  ================================  ==================
 * offset             what                              mapping
 * =================  ================================  ==================
 * 0x000000           slice info page                   read-only, NX
 * 0x001000-0x01ffff  page tables built by cpc_host     read-only, NX
 * 0x020000-0x03ffff  boot stack (RSP = its top)        read-write, NX
 * 0x040000-0x1fffff  reserved (Linux boot data)        read-write, NX
 * 0x200000           the image (header first)          read-write-execute
 * =================  ================================  ==================
 *
 * Entry ABI (the slice's lowest CPU; the others stay in wait-for-SIPI):
 *
 * - 64-bit long mode, CPL 0, RFLAGS = 0x2 (interrupts off), no IDT: an
 *   exception before the image loads its own IDT is a triple fault, which
 *   resets the whole machine on x86 without core-slicing hardware.
 * - CS = 0x10 (64-bit code), DS = ES = SS = FS = GS = 0x18 (flat data),
 *   from a GDT in the host's low memory mapped read-only: load your own.
 * - CR0 = PG|AM|WP|NE|ET|MP|PE (0x80050033), CR4 = PAE|MCE,
 *   EFER = LME|LMA|NXE; CR3 = page tables at offset 0x1000 that map
 *   (4-level, 4 KiB and 2 MiB pages):
 *   every block of the slice at its own physical address (identity);
 *   the first min(1 GiB, slice size) bytes of the slice again at
 *   CPC_SLICE_LINEAR_VA (the image is linked there: -mcmodel=kernel);
 *   the local APIC page (uncached) and the trampoline page (read-only)
 *   at their physical addresses; the slice-bus window, when the slice has
 *   one, read-write, NX, at its physical address.
 * - RDI = linear address of the info page (CPC_SLICE_LINEAR_VA), RSI = 0,
 *   RSP = linear address of the top of the boot stack, RBP = 0; other
 *   general registers undefined.
 * - Local APIC as INIT leaves it: software-disabled, LVTs masked, TPR 0,
 *   logical destination 0 (never set it: logical ids would collide with the
 *   host's). x2APIC mode when the host uses it (IA32_APIC_BASE bit 10),
 *   else xAPIC MMIO at @lapic_phys. The TSC keeps counting: never write it.
 *
 * Linux slices (CPC_IOCTL_SLICE_LOAD with CPC_SLICE_LOAD_LINUX): the entry
 * follows Linux's 64-bit boot protocol instead: RIP = the protected-mode
 * kernel's load address + 0x200, RSI = physical address of the zero page
 * (CPC_SLICE_LINUX_BOOT_PARAMS), RSP = the boot stack's top at its
 * physical address, RDI = 0; CR3 = page tables at the bottom of the
 * slice's 64 KiB low-memory slot below 1 MiB (32 KiB, below 4 GiB as a
 * CR3 32-bit code keeps must be) that map, identity: page 0 read-only
 * (Linux's decompressor reads the BIOS data area), the trampoline page
 * read-only, the rest of the slot read-write-execute (the decompressor
 * runs a 32-bit trampoline at its top), the slice's first 2 MiB
 * read-write, NX, and the slice up to the end of the kernel's init_size
 * read-write-execute; nothing else (the kernel loads its own tables at
 * once). The e820 map lists the slot's upper 32 KiB and the slice's memory
 * from offset 2 MiB as RAM, and the slot's tables and the slice's first
 * 2 MiB (info page, stack, zero page, command line, ACPI tables) as
 * reserved. The slice's other CPUs wait for the STARTUP its kernel sends
 * them (to its own trampoline in the slot's RAM).
 *
 * Nothing above is isolation: the code runs at CPL 0 and may load any page
 * tables. On x86 without core-slicing hardware the memory filters are not
 * enforced on the slice's CPUs (see
 * Documentation/core-slicing.md, "What enforces a filter").
 */
#ifndef _UAPI_LINUX_CPC_SLICE_H
#define _UAPI_LINUX_CPC_SLICE_H

#include <linux/types.h>

/** CPC_SLICE_LINEAR_VA - where the slice's memory is mapped from offset 0. */
#define CPC_SLICE_LINEAR_VA 0xffffffff80000000ULL
/** CPC_SLICE_LINEAR_MAX - bytes of the slice the linear window maps at most. */
#define CPC_SLICE_LINEAR_MAX 0x40000000ULL
/** CPC_SLICE_INFO_OFFSET - offset of the slice info page. */
#define CPC_SLICE_INFO_OFFSET 0x0
/** CPC_SLICE_PT_OFFSET - offset of the page tables cpc_host builds. */
#define CPC_SLICE_PT_OFFSET 0x1000
/** CPC_SLICE_PT_END - end of the page-table area. */
#define CPC_SLICE_PT_END 0x20000
/** CPC_SLICE_STACK_OFFSET - offset of the boot stack's lowest byte. */
#define CPC_SLICE_STACK_OFFSET 0x20000
/** CPC_SLICE_STACK_TOP - offset of the boot stack's top (initial RSP). */
#define CPC_SLICE_STACK_TOP 0x40000
/** CPC_SLICE_IMAGE_OFFSET - where an image is loaded (version 1). */
#define CPC_SLICE_IMAGE_OFFSET 0x200000
/** CPC_SLICE_LINUX_BOOT_PARAMS - Linux slices: offset of the zero page. */
#define CPC_SLICE_LINUX_BOOT_PARAMS 0x40000
/** CPC_SLICE_LINUX_CMDLINE - Linux slices: offset of the command line (4 KiB). */
#define CPC_SLICE_LINUX_CMDLINE 0x41000
/** CPC_SLICE_LINUX_ACPI - Linux slices: offset of the ACPI tables (RSDP first, 4 KiB). */
#define CPC_SLICE_LINUX_ACPI 0x42000
/** CPC_SLICE_LINUX_RAM - Linux slices: the slice's RAM starts at this offset. */
#define CPC_SLICE_LINUX_RAM 0x200000
/** CPC_SLICE_LINUX_KERNEL - Linux slices: lowest load offset of the kernel. */
#define CPC_SLICE_LINUX_KERNEL 0x1000000
/** CPC_SLICE_IMAGE_MAX - largest image file CPC_IOCTL_SLICE_LOAD takes. */
#define CPC_SLICE_IMAGE_MAX (64ULL << 20)

/** CPC_SLICE_IMAGE_MAGIC - "CPCSLICE" read as a little-endian u64. */
#define CPC_SLICE_IMAGE_MAGIC 0x4543494c53435043ULL
/** CPC_SLICE_IMAGE_VERSION - image header version this interface knows. */
#define CPC_SLICE_IMAGE_VERSION 1

/**
 * struct cpc_slice_image_header - the first 64 bytes of a slice image.
 * @magic:       CPC_SLICE_IMAGE_MAGIC.
 * @version:     CPC_SLICE_IMAGE_VERSION.
 * @header_size: sizeof(struct cpc_slice_image_header) (64).
 * @entry:       offset of the 64-bit entry point in the image; below
 *               @file_size.
 * @file_size:   bytes of the image file (what is copied).
 * @mem_size:    bytes the image occupies in memory (>= @file_size; the
 *               rest, its bss, is zeroed by the load).
 * @load_offset: CPC_SLICE_IMAGE_OFFSET.
 * @reserved:    must be zero.
 */
struct cpc_slice_image_header {
	__u64 magic;
	__u32 version;
	__u32 header_size;
	__u64 entry;
	__u64 file_size;
	__u64 mem_size;
	__u64 load_offset;
	__u64 reserved[2];
};

/** CPC_SLICE_INFO_MAGIC - "CPCSINFO" read as a little-endian u64. */
#define CPC_SLICE_INFO_MAGIC 0x4f464e4953435043ULL
/** CPC_SLICE_INFO_VERSION - version of &struct cpc_slice_info. */
#define CPC_SLICE_INFO_VERSION 1
/** CPC_SLICE_INFO_MAX_CPUS - APIC ids the info page lists at most. */
#define CPC_SLICE_INFO_MAX_CPUS 64
/** CPC_SLICE_INFO_MAX_RANGES - memory ranges the info page lists at most. */
#define CPC_SLICE_INFO_MAX_RANGES 64
/** CPC_SLICE_INFO_X2APIC - &struct cpc_slice_info flag: host in x2APIC mode. */
#define CPC_SLICE_INFO_X2APIC 0x1U
/** CPC_SLICE_INFO_BUS - &struct cpc_slice_info flag: a slice bus is mapped. */
#define CPC_SLICE_INFO_BUS 0x2U

/**
 * struct cpc_slice_range - one physical range of the slice's memory.
 * @phys: physical start address.
 * @len:  length in bytes.
 */
struct cpc_slice_range {
	__u64 phys;
	__u64 len;
};

/**
 * struct cpc_slice_info - the slice info page (offset 0, read-only to the
 * slice), written by cpc_host at every start. Untrusted input for code
 * that cannot trust the host is moot here: the host owns the machine.
 * @magic:           CPC_SLICE_INFO_MAGIC.
 * @version:         CPC_SLICE_INFO_VERSION.
 * @size:            sizeof(struct cpc_slice_info).
 * @name:            the slice's name, NUL-terminated.
 * @nr_cpus:         entries used in @apic_ids.
 * @boot_apic_id:    APIC id of the CPU that was started.
 * @apic_ids:        physical APIC ids of the slice's CPUs, ascending CPU
 *                   number.
 * @nr_ranges:       entries used in @ranges.
 * @flags:           CPC_SLICE_INFO_X2APIC, CPC_SLICE_INFO_BUS.
 * @ranges:          the slice's memory, ascending; offset 0 of the slice is
 *                   @ranges[0].phys.
 * @linear_va:       CPC_SLICE_LINEAR_VA.
 * @linear_len:      bytes mapped at @linear_va.
 * @image_offset:    CPC_SLICE_IMAGE_OFFSET.
 * @image_mem_size:  the loaded image's mem_size.
 * @free_offset:     first offset after the image (page aligned): free
 *                   for the payload up to @linear_len.
 * @bus_phys:        physical address of the slice-bus window (identity
 *                   mapped), or 0.
 * @bus_len:         its length, or 0.
 * @lapic_phys:      physical address of the local APIC (xAPIC MMIO).
 * @tsc_khz:         the host's TSC frequency in kHz (calibrate nothing).
 * @cpu_khz:         the host's CPU frequency in kHz.
 * @host_apic_id:    physical APIC id the host's doorbell lands on (0 and
 *                   @host_vector 0: none yet).
 * @host_vector:     its vector (send a fixed IPI to ring the host).
 * @start_count:     how many times this slice was started (1 = first).
 * @reserved:        zero.
 */
struct cpc_slice_info {
	__u64 magic;
	__u32 version;
	__u32 size;
	char name[32];
	__u32 nr_cpus;
	__u32 boot_apic_id;
	__u32 apic_ids[CPC_SLICE_INFO_MAX_CPUS];
	__u32 nr_ranges;
	__u32 flags;
	struct cpc_slice_range ranges[CPC_SLICE_INFO_MAX_RANGES];
	__u64 linear_va;
	__u64 linear_len;
	__u64 image_offset;
	__u64 image_mem_size;
	__u64 free_offset;
	__u64 bus_phys;
	__u64 bus_len;
	__u64 lapic_phys;
	__u32 tsc_khz;
	__u32 cpu_khz;
	__u32 host_apic_id;
	__u32 host_vector;
	__u64 start_count;
	__u64 reserved[16];
};

/*
 * The slice console ring: the last CPC_SLICE_CONSOLE_SIZE bytes of the
 * slice-bus window (bus_len in the info page); the CPC channel is the rest
 * of the window, [0, bus_len - CPC_SLICE_CONSOLE_SIZE). cpc_guest in a
 * Linux slice registers a printk console that writes into it (the boot log
 * from before it loaded is replayed); the host reads it with
 * CPC_IOCTL_SLICE_CONSOLE (cpcctl slice console). A page of header, then a
 * data area of CPC_SLICE_CONSOLE_DATA bytes (a power of two): byte number
 * p of the console's output is at data offset p % CPC_SLICE_CONSOLE_DATA,
 * valid while p >= @head - CPC_SLICE_CONSOLE_DATA.
 */
/** CPC_SLICE_CONSOLE_MAGIC - "CPCSCONS" read as a little-endian u64. */
#define CPC_SLICE_CONSOLE_MAGIC 0x534e4f4353435043ULL
/** CPC_SLICE_CONSOLE_VERSION - version of &struct cpc_slice_console_ring. */
#define CPC_SLICE_CONSOLE_VERSION 2
/** CPC_SLICE_CONSOLE_HEADER - bytes of the ring's header (one page). */
#define CPC_SLICE_CONSOLE_HEADER 0x1000
/** CPC_SLICE_CONSOLE_DATA - bytes of the ring's data area (power of two). */
#define CPC_SLICE_CONSOLE_DATA 0x10000
/** CPC_SLICE_CONSOLE_SIZE - bytes of the ring at the end of the bus window. */
#define CPC_SLICE_CONSOLE_SIZE (CPC_SLICE_CONSOLE_HEADER + CPC_SLICE_CONSOLE_DATA)

/**
 * struct cpc_slice_console_ring - header of the slice console ring,
 * written by the slice only (untrusted by the host).
 * @magic:     CPC_SLICE_CONSOLE_MAGIC once the slice set the ring up.
 * @version:   CPC_SLICE_CONSOLE_VERSION.
 * @data_size: CPC_SLICE_CONSOLE_DATA (the host uses its own constant).
 * @head:      bytes written since the ring was set up (monotonic),
 *             published with release ordering after the bytes.
 * @flags:     zero (none defined).
 * @reserved0: zero.
 * @claim:     the head the write in progress will publish (@head plus
 *             its length), stored before its bytes (full barrier): a
 *             reader's copy may hold overwritten bytes below
 *             @claim - CPC_SLICE_CONSOLE_DATA, not only below @head - it.
 * @reserved:  zero.
 */
struct cpc_slice_console_ring {
	__u64 magic;
	__u32 version;
	__u32 data_size;
	__u64 head;
	__u32 flags;
	__u32 reserved0;
	__u64 claim;
	__u64 reserved[3];
};

/** CPC_SLICE_CONSOLE_MAX - bytes one CPC_IOCTL_SLICE_CONSOLE returns at most. */
#define CPC_SLICE_CONSOLE_MAX CPC_SLICE_CONSOLE_DATA

/**
 * struct cpc_slice_console - argument of CPC_IOCTL_SLICE_CONSOLE.
 * @size:     (in) sizeof(struct cpc_slice_console) as the caller knows it.
 * @flags:    (in) must be zero.
 * @name:     (in) name of the slice.
 * @pos:      (in) console byte position to read from (0: everything the
 *            ring holds); (out) position after the last byte returned:
 *            pass it to the next call (with @len, @lost, @head zero).
 * @buf_ptr:  (in) user address of the buffer for the bytes.
 * @buf_len:  (in) its size, 1..CPC_SLICE_CONSOLE_MAX.
 * @len:      (out) bytes written to the buffer.
 * @lost:     (out) bytes from @pos on that the ring no longer held
 *            (overwritten before or while they were read): skipped.
 *            Only those overwritten while this call copied them count in
 *            the slice's sysfs console_lost.
 * @head:     (out) the slice's head as read (bytes written in all).
 * @reserved: (in) must be zero; (out) zero.
 */
struct cpc_slice_console {
	__u32 size;
	__u32 flags;
	char name[32];
	__u64 pos;
	__u64 buf_ptr;
	__u32 buf_len;
	__u32 len;
	__u64 lost;
	__u64 head;
	__u64 reserved[4];
};

/*
 * The slice-echo payload's vectors (/usr/lib/cpc/slice-echo): it publishes
 * CPC_SLICE_ECHO_DOORBELL_VECTOR as its doorbell in the CPC header, and
 * answers CPC_SLICE_ECHO_RAW_PING_VECTOR at once with a fixed IPI to the
 * host doorbell (no protocol: the raw ping-pong benchmark).
 */
/** CPC_SLICE_ECHO_DOORBELL_VECTOR - slice-echo's CPC doorbell vector. */
#define CPC_SLICE_ECHO_DOORBELL_VECTOR 0x40
/** CPC_SLICE_ECHO_RAW_PING_VECTOR - slice-echo's raw ping-pong vector. */
#define CPC_SLICE_ECHO_RAW_PING_VECTOR 0x41

#endif /* _UAPI_LINUX_CPC_SLICE_H */
