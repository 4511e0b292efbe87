/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cpc_host.h - user-space interface of cpc_host.ko (/dev/cpc_host).
 *
 * Every ioctl below is issued on a file descriptor of /dev/cpc_host. Every
 * struct is fixed-width and explicitly padded, starts with a @size field
 * (the caller's sizeof) so it can grow, and every reserved field and flag bit
 * not defined here must be zero.
 */
#ifndef _UAPI_LINUX_CPC_HOST_H
#define _UAPI_LINUX_CPC_HOST_H

#include <linux/cpc_proto.h>
#include <linux/cpc_slice.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/** CPC_HOST_DEVICE - path of the host module's misc device. */
#define CPC_HOST_DEVICE "/dev/cpc_host"

/** CPC_IOC_MAGIC - ioctl type shared by /dev/cpc_host and /dev/cpc_guest. */
#define CPC_IOC_MAGIC 0xC5

/** CPC_VERSION_MAJOR - interface major version; bumped on incompatible change. */
#define CPC_VERSION_MAJOR 0
/** CPC_VERSION_MINOR - interface minor version; bumped when features are added. */
#define CPC_VERSION_MINOR 2

/**
 * struct cpc_version - interface version of a cpc module.
 * @size:     (in) sizeof(struct cpc_version) as the caller knows it.
 * @major:    (out) CPC_VERSION_MAJOR of the running module.
 * @minor:    (out) CPC_VERSION_MINOR of the running module.
 * @reserved: (in) must be zero.
 */
struct cpc_version {
	__u32 size;
	__u32 major;
	__u32 minor;
	__u32 reserved;
};

/**
 * CPC_IOCTL_VERSION - read the interface version of the module.
 *
 * Context: any process that can open the device; no capability needed.
 *
 * Return: 0 on success, -1 with errno set on failure:
 *
 * ======  ===================================================
 * EFAULT  the argument pointer is not readable or writable
 * EINVAL  @size is smaller than the version struct, or
 *         @reserved is not zero
 * ENOTTY  the ioctl number is unknown (any other command)
 * ======  ===================================================
 */
#define CPC_IOCTL_VERSION _IOWR(CPC_IOC_MAGIC, 0x00, struct cpc_version)

/* ------------------------------------------------------------------------
 * Slices (ioctl numbers 0x10-0x2f)
 *
 * A slice is a set of dedicated CPUs plus whole hot-removable memory blocks
 * taken away from the running host, guarded by a set of filters. A slice is
 * named by a string of 1..CPC_SLICE_NAME_MAX-1 characters from [A-Za-z0-9_-]
 * that starts with a letter or digit, NUL-terminated and NUL-padded.
 *
 * State machine (sysfs "state"; "locked" is also the sysfs/JSON boolean
 * "locked", which stays set once LOCK ran):
 *
 *   (none) --CREATE--> created --LOCK--> locked
 *   created|locked|stopped --START--> running --STOP--> stopped
 *   any --DESTROY--> destroying --> (none)     (a running slice is stopped)
 *
 * LOAD puts an image into a created, locked or stopped slice (sysfs
 * "image": none|loaded); START needs one and STOP forgets it (what ran
 * changed its memory), so a stopped slice is loaded again before START.
 * LOCK in state running or stopped freezes the filters and keeps the state.
 * "destroying" is only visible while a DESTROY runs, or after a DESTROY that
 * failed part way (then only DESTROY, which resumes, is accepted).
 * ------------------------------------------------------------------------
 */

/** CPC_SLICE_NAME_MAX - size of a slice name field, including the NUL. */
#define CPC_SLICE_NAME_MAX 32
/** CPC_SLICE_MAX_CPUS - CPUs a cpus bitmap can describe. */
#define CPC_SLICE_MAX_CPUS 1024
/** CPC_SLICE_MAX_BLOCKS - memory blocks one slice can hold. */
#define CPC_SLICE_MAX_BLOCKS 64
/** CPC_SLICE_MAX_WINDOWS - memory-window filters one slice can hold. */
#define CPC_SLICE_MAX_WINDOWS 16
/** CPC_SLICE_MAX_DEVICES - PCI devices one slice can hold. */
#define CPC_SLICE_MAX_DEVICES 16

/**
 * enum cpc_slice_state - life-cycle state of a slice (sysfs "state").
 * @CPC_SLICE_CREATED:    CPUs and memory are taken; filters may change.
 * @CPC_SLICE_LOCKED:     the filter set is frozen until destroy.
 * @CPC_SLICE_DESTROYING: destroy is running or failed part way.
 * @CPC_SLICE_RUNNING:    code runs on the slice's CPUs (START).
 * @CPC_SLICE_STOPPED:    the slice's CPUs were stopped (STOP) and wait
 *                        for the next START.
 */
enum cpc_slice_state {
	CPC_SLICE_CREATED = 1,
	CPC_SLICE_LOCKED = 2,
	CPC_SLICE_DESTROYING = 3,
	CPC_SLICE_RUNNING = 4,
	CPC_SLICE_STOPPED = 5,
};

/**
 * CPC_SLICE_CREATE_BLOCKS - flag of &struct cpc_slice_create: take the memory
 * blocks listed in @blocks instead of any @mem_bytes worth of blocks.
 */
#define CPC_SLICE_CREATE_BLOCKS 0x1U

/**
 * CPC_SLICE_CREATE_MULTI_NODE - flag of &struct cpc_slice_create: the CPUs
 * may come from more than one NUMA node (without it, EXDEV).
 */
#define CPC_SLICE_CREATE_MULTI_NODE 0x2U

/**
 * struct cpc_slice_create - argument of CPC_IOCTL_SLICE_CREATE.
 * @size:      (in) sizeof(struct cpc_slice_create) as the caller knows it.
 * @flags:     (in) 0, or CPC_SLICE_CREATE_BLOCKS and/or
 *             CPC_SLICE_CREATE_MULTI_NODE.
 * @name:      (in) name of the new slice (see above).
 * @cpus:      (in) bitmap of the CPUs to take: bit (n % 64) of cpus[n / 64]
 *             is CPU n. Whole cores: every online thread of each core
 *             named (never the boot CPU's core), from one NUMA node unless
 *             CPC_SLICE_CREATE_MULTI_NODE is set.
 * @mem_bytes: (in) without CPC_SLICE_CREATE_BLOCKS: bytes of memory to take,
 *             a non-zero multiple of the memory block size; must be zero
 *             with CPC_SLICE_CREATE_BLOCKS. (out) bytes taken.
 * @nr_blocks: (in) with CPC_SLICE_CREATE_BLOCKS: number of entries used in
 *             @blocks (1..CPC_SLICE_MAX_BLOCKS); must be zero without it.
 *             (out) number of blocks taken.
 * @reserved:  (in) must be zero.
 * @blocks:    (in) with CPC_SLICE_CREATE_BLOCKS: memory block indexes
 *             (physical address / block size, as in
 *             /sys/devices/system/memory/memoryN); unused entries must be
 *             zero. (out) the blocks taken, ascending.
 * @reserved2: (in) must be zero.
 */
struct cpc_slice_create {
	__u32 size;
	__u32 flags;
	char name[CPC_SLICE_NAME_MAX];
	__u64 cpus[CPC_SLICE_MAX_CPUS / 64];
	__u64 mem_bytes;
	__u32 nr_blocks;
	__u32 reserved;
	__u32 blocks[CPC_SLICE_MAX_BLOCKS];
	__u64 reserved2[4];
};

/**
 * CPC_IOCTL_SLICE_CREATE - take CPUs and memory away from the host and make
 * them a slice.
 *
 * Everything is validated before the first change. Then every CPU is taken
 * offline (remove_cpu), every memory block offlined and removed
 * (offline_and_remove_memory) and zeroed, so nothing the host left there
 * (stale copies of migrated pages, old free pages) reaches the slice. On
 * any failure, and when a signal arrives, exactly what this call changed
 * is undone and the first error returned.
 *
 * Each CPU taken offline is sent INIT at once and waits in wait-for-SIPI
 * (parked) until START or DESTROY.
 *
 * CPUs: a slice takes whole cores, so no thread of one of its cores runs
 * anything else: a CPU list must hold every online SMT sibling of each of
 * its CPUs (topology_sibling_cpumask), never a thread of the boot CPU's
 * core; siblings that are offline stay offline until destroy (bringing
 * one up is refused with EBUSY, as for the slice's own CPUs, and so is
 * bringing up, while any slice lives, a CPU that has not been online since
 * cpc_host was loaded, whose core is unknown). The CPUs must lie on one
 * NUMA node unless CPC_SLICE_CREATE_MULTI_NODE is set.
 *
 * Memory: only plain System RAM - an iomem resource "System RAM" with
 * IORESOURCE_SYSTEM_RAM and without IORESOURCE_SYSRAM_DRIVER_MANAGED, as
 * boot RAM and ACPI hot-plugged DIMMs are. Memory another driver added and
 * manages (virtio-mem, dax/kmem: "System RAM (<driver>)") is never taken.
 * A live slice holds a reference on cpc_host: the module cannot be unloaded
 * until every slice is destroyed.
 *
 * Context: process context, CAP_SYS_ADMIN; may take seconds.
 *
 * Return: 0 on success, -1 with errno set on failure:
 *
 * ======  ============================================================
 * EPERM   the caller lacks CAP_SYS_ADMIN
 * EFAULT  the argument pointer is not readable or writable
 * EINVAL  @size too small, unknown @flags bit, @reserved/@reserved2
 *         not zero; bad @name (empty, not NUL-terminated, bad
 *         character); no CPU, or the boot CPU, or a CPU at or above
 *         CPC_SLICE_MAX_CPUS in @cpus; a CPU that shares a core with
 *         the boot CPU, or whose core has an online thread (or one in
 *         another slice) missing from @cpus; @mem_bytes zero or not a
 *         multiple of the memory block size; @mem_bytes given with
 *         CPC_SLICE_CREATE_BLOCKS, or @nr_blocks without; @nr_blocks
 *         out of range, a duplicated block, unused @blocks not zero
 * E2BIG   @size larger than known and the extra bytes are not zero
 * EEXIST  a slice with this @name exists
 * EXDEV   the CPUs lie on more than one NUMA node and
 *         CPC_SLICE_CREATE_MULTI_NODE is not set
 * ENODEV  a CPU in @cpus is not present, or a block in @blocks is not
 *         online memory in ZONE_MOVABLE (absent, offline, or not
 *         hot-removable)
 * EACCES  a block in @blocks is not plain System RAM: another driver
 *         manages it (virtio-mem, dax/kmem, ...)
 * EBUSY   a CPU is offline or in another slice, or a block is in
 *         another slice
 * ENOSPC  fewer free movable System RAM blocks than @mem_bytes asks
 *         for, or the host would keep no online CPU
 * ENOMEM  the host would lack free memory to migrate the blocks' pages
 *         out, or the kernel is out of memory
 * EINTR   a signal arrived; everything was rolled back
 * EIO     a failure injected for tests (debugfs cpc_host/fail_step),
 *         after a complete roll-back
 * other   the error of remove_cpu() or offline_and_remove_memory()
 *         (e.g. EBUSY, EAGAIN), or ENOMEM when a block cannot be mapped
 *         to zero it, after a complete roll-back
 * ======  ============================================================
 */
#define CPC_IOCTL_SLICE_CREATE _IOWR(CPC_IOC_MAGIC, 0x10, struct cpc_slice_create)

/**
 * struct cpc_slice_ref - names a slice (CPC_IOCTL_SLICE_DESTROY, _LOCK).
 * @size:     (in) sizeof(struct cpc_slice_ref) as the caller knows it.
 * @flags:    (in) must be zero.
 * @name:     (in) name of the slice.
 * @reserved: (in) must be zero.
 */
struct cpc_slice_ref {
	__u32 size;
	__u32 flags;
	char name[CPC_SLICE_NAME_MAX];
	__u64 reserved[2];
};

/**
 * CPC_IOCTL_SLICE_DESTROY - scrub a slice's memory and give its CPUs,
 * memory and devices back to the host.
 *
 * A running slice is stopped first: every CPU of the slice is sent INIT.
 * Every byte of the slice's memory is zeroed, then each block is re-added
 * as it was taken, plain System RAM (add_memory: a firmware-visible
 * "System RAM" resource, onlined by the host's memory hot-plug policy),
 * the CPUs this module took offline are brought back (add_cpu, whose own
 * INIT/STARTUP sends them to the host's trampoline), devices are
 * re-probed by their host drivers and the slice is forgotten. Allowed in
 * every state; after a destroy failed part way (state destroying) it
 * resumes where it stopped.
 *
 * Context: process context, CAP_SYS_ADMIN; may take seconds and is not
 * interruptible once it started.
 *
 * Return: 0 on success, -1 with errno set on failure:
 *
 * ======  ============================================================
 * EPERM   the caller lacks CAP_SYS_ADMIN
 * EFAULT  the argument pointer is not readable
 * EINVAL  @size too small, @flags or @reserved not zero, bad @name
 * E2BIG   @size larger than known and the extra bytes are not zero
 * ENOENT  no slice has this @name
 * EINTR   a signal arrived while waiting for another slice operation
 * EIO     a failure injected for tests (debugfs cpc_host/fail_step);
 *         as below
 * other   the error of add_memory() or add_cpu(); the
 *         slice stays in state destroying and DESTROY can be retried
 * ======  ============================================================
 */
#define CPC_IOCTL_SLICE_DESTROY _IOW(CPC_IOC_MAGIC, 0x11, struct cpc_slice_ref)

/**
 * CPC_IOCTL_SLICE_LOCK - freeze a slice's filter set until destroy.
 *
 * After LOCK every CPC_IOCTL_SLICE_FILTER on the slice fails with EPERM.
 * Locking a locked slice succeeds and changes nothing.
 *
 * Context: process context, CAP_SYS_ADMIN.
 *
 * Return: 0 on success, -1 with errno set on failure:
 *
 * ======  ============================================================
 * EPERM   the caller lacks CAP_SYS_ADMIN
 * EFAULT  the argument pointer is not readable
 * EINVAL  @size too small, @flags or @reserved not zero, bad @name
 * E2BIG   @size larger than known and the extra bytes are not zero
 * ENOENT  no slice has this @name
 * EBUSY   the slice is being destroyed (state destroying)
 * EINTR   a signal arrived while waiting for another slice operation
 * ======  ============================================================
 */
#define CPC_IOCTL_SLICE_LOCK _IOW(CPC_IOC_MAGIC, 0x12, struct cpc_slice_ref)

/**
 * enum cpc_filter_type - what a &struct cpc_slice_filter changes.
 * @CPC_FILTER_MEM_WINDOW:  add memory window [@addr, @addr + @len); it must
 *                          lie inside the slice's own memory.
 * @CPC_FILTER_BUS_WINDOW:  set the slice-bus window [@addr, @addr + @len)
 *                          (shared with the manager; page aligned, must not
 *                          overlap the slice's own memory). Replaces any
 *                          earlier one.
 * @CPC_FILTER_CACHE_WAYS:  set the cache-way mask to @addr (non-zero,
 *                          contiguous bits, as CAT requires). Applied when
 *                          enforced (sysfs filters/cache_ways_enforced),
 *                          recorded otherwise.
 * @CPC_FILTER_IPI:         set the IPI destination mask: @cpus (a subset of
 *                          the slice's CPUs) plus the manager when
 *                          CPC_FILTER_IPI_MANAGER is in @flags.
 * @CPC_FILTER_DEVICE:      add PCI device @bdf ((domain << 16) | (bus << 8)
 *                          | devfn); it is unbound from its host driver
 *                          while the slice holds it.
 * @CPC_FILTER_CLEAR:       remove every memory window, the bus window and
 *                          every device, reset cache ways to "all" and the
 *                          IPI mask to its default (all the slice's CPUs
 *                          plus the manager).
 */
enum cpc_filter_type {
	CPC_FILTER_MEM_WINDOW = 1,
	CPC_FILTER_BUS_WINDOW = 2,
	CPC_FILTER_CACHE_WAYS = 3,
	CPC_FILTER_IPI = 4,
	CPC_FILTER_DEVICE = 5,
	CPC_FILTER_CLEAR = 6,
};

/** CPC_FILTER_IPI_MANAGER - CPC_FILTER_IPI flag: the manager may be targeted. */
#define CPC_FILTER_IPI_MANAGER 0x1U

/**
 * struct cpc_slice_filter - argument of CPC_IOCTL_SLICE_FILTER.
 * @size:      (in) sizeof(struct cpc_slice_filter) as the caller knows it.
 * @flags:     (in) CPC_FILTER_IPI_MANAGER with CPC_FILTER_IPI, else zero.
 * @type:      (in) one of &enum cpc_filter_type.
 * @bdf:       (in) CPC_FILTER_DEVICE: the device; else zero.
 * @name:      (in) name of the slice.
 * @addr:      (in) window start (MEM/BUS_WINDOW) or way mask (CACHE_WAYS);
 *             else zero.
 * @len:       (in) window length (MEM/BUS_WINDOW); else zero.
 * @cpus:      (in) CPC_FILTER_IPI: CPU bitmap as in &struct
 *             cpc_slice_create; else zero.
 * @reserved:  (in) must be zero.
 */
struct cpc_slice_filter {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 bdf;
	char name[CPC_SLICE_NAME_MAX];
	__u64 addr;
	__u64 len;
	__u64 cpus[CPC_SLICE_MAX_CPUS / 64];
	__u64 reserved[4];
};

/**
 * CPC_IOCTL_SLICE_FILTER - change one filter of an unlocked slice.
 *
 * Context: process context, CAP_SYS_ADMIN.
 *
 * Return: 0 on success, -1 with errno set on failure:
 *
 * ======  ============================================================
 * EPERM   the caller lacks CAP_SYS_ADMIN, or the slice is locked
 * EFAULT  the argument pointer is not readable
 * EINVAL  @size too small, unknown @type or @flags bit, a field the
 *         @type does not use or @reserved not zero, bad @name; a
 *         window empty, not page aligned, wrapping around, outside
 *         the slice's memory (MEM_WINDOW) or overlapping it
 *         (BUS_WINDOW); a way mask zero or not contiguous; an IPI
 *         CPU not in the slice; a device that is a PCI bridge
 * E2BIG   @size larger than known and the extra bytes are not zero
 * ENOENT  no slice has this @name
 * ENODEV  no PCI device has this @bdf
 * EEXIST  the window or device is already in this slice's set
 * EBUSY   the device is held by another slice, or the slice is being
 *         destroyed; BUS_WINDOW or CLEAR while the slice runs; an IPI
 *         mask that leaves out a CPU of a running Linux kernel on
 *         several CPUs (it interrupts its own CPUs)
 * ENOSPC  CPC_SLICE_MAX_WINDOWS windows or CPC_SLICE_MAX_DEVICES
 *         devices already
 * EINTR   a signal arrived while waiting for another slice operation
 * ======  ============================================================
 */
#define CPC_IOCTL_SLICE_FILTER _IOW(CPC_IOC_MAGIC, 0x13, struct cpc_slice_filter)

/** CPC_SLICE_LOAD_LINUX - &struct cpc_slice_load flag: the image is a Linux bzImage. */
#define CPC_SLICE_LOAD_LINUX 0x1U
/** CPC_SLICE_CMDLINE_MAX - longest command line CPC_SLICE_LOAD_LINUX takes. */
#define CPC_SLICE_CMDLINE_MAX 2048
/** CPC_SLICE_INITRD_MAX - largest initrd CPC_SLICE_LOAD_LINUX takes. */
#define CPC_SLICE_INITRD_MAX (512ULL << 20)

/**
 * struct cpc_slice_load - argument of CPC_IOCTL_SLICE_LOAD.
 * @size:        (in) sizeof(struct cpc_slice_load) as the caller knows it.
 * @flags:       (in) 0 or CPC_SLICE_LOAD_LINUX.
 * @name:        (in) name of the slice.
 * @image_ptr:   (in) user address of the image: a slice image (&struct
 *               cpc_slice_image_header first, see linux/cpc_slice.h), or
 *               with CPC_SLICE_LOAD_LINUX a Linux bzImage.
 * @image_len:   (in) its length in bytes (a slice image: the header's
 *               file_size).
 * @initrd_ptr:  (in) CPC_SLICE_LOAD_LINUX: user address of an initrd, or
 *               0; else must be zero.
 * @initrd_len:  (in) its length (0: no initrd; at most
 *               CPC_SLICE_INITRD_MAX).
 * @cmdline_ptr: (in) CPC_SLICE_LOAD_LINUX: user address of the command
 *               line (without NUL), or 0; else must be zero.
 * @cmdline_len: (in) its length (at most CPC_SLICE_CMDLINE_MAX).
 * @reserved:    (in) must be zero.
 */
struct cpc_slice_load {
	__u32 size;
	__u32 flags;
	char name[CPC_SLICE_NAME_MAX];
	__u64 image_ptr;
	__u64 image_len;
	__u64 initrd_ptr;
	__u64 initrd_len;
	__u64 cmdline_ptr;
	__u32 cmdline_len;
	__u32 reserved;
};

/**
 * CPC_IOCTL_SLICE_LOAD - copy an image into a slice's memory.
 *
 * The image is copied to offset CPC_SLICE_IMAGE_OFFSET of the slice's
 * memory, its header is checked on the copy (what user space changes
 * meanwhile does not matter) and the bytes from file_size to mem_size
 * are zeroed. Allowed in states created, locked and stopped. A load that
 * fails leaves the slice without an image.
 *
 * With CPC_SLICE_LOAD_LINUX the image is a Linux kernel (bzImage, boot
 * protocol 2.14 or later, 64-bit, relocatable, loadable above 4 GiB):
 * cpc_host copies its protected-mode part to the first offset from 16 MiB
 * that is aligned as the kernel asks, the initrd to the end of the slice's
 * lowest contiguous memory, and builds the zero page, the e820 map and
 * ACPI tables describing only the slice (linux/cpc_slice.h, "Linux
 * slices"). The command line is cpc_host's defaults followed by
 * @cmdline_ptr (a later option overrides an earlier one). The slice gets
 * one of the low-memory slots below 1 MiB (the kernel's own real-mode
 * trampoline must be there) until it is destroyed.
 *
 * Context: process context, CAP_SYS_ADMIN.
 *
 * Return: 0 on success, -1 with errno set on failure:
 *
 * =======  ===========================================================
 * EPERM    the caller lacks CAP_SYS_ADMIN
 * EFAULT   the argument, the image, the initrd or the command line is
 *          not readable
 * EINVAL   @size too small, unknown @flags, @reserved not zero, bad
 *          @name; @image_len below the header size or not the header's
 *          file_size; mem_size below file_size; without
 *          CPC_SLICE_LOAD_LINUX: initrd or command-line fields not zero;
 *          with it: @initrd_len without @initrd_ptr (or the reverse),
 *          @cmdline_len above CPC_SLICE_CMDLINE_MAX or without
 *          @cmdline_ptr, a NUL in the command line, a panic= parameter
 *          other than 0 (the slice kernel's restart would reset the
 *          whole machine)
 * E2BIG    @size larger than known and the extra bytes are not zero; the
 *          command line with cpc_host's defaults longer than the kernel
 *          takes
 * ENOEXEC  not a slice image: wrong magic, version, header_size or
 *          load_offset, reserved not zero, or the entry point is not
 *          inside the image; with CPC_SLICE_LOAD_LINUX: not a bzImage
 *          cpc_host can boot (see above)
 * EFBIG    @image_len above CPC_SLICE_IMAGE_MAX, or the image (its
 *          mem_size at CPC_SLICE_IMAGE_OFFSET) does not fit in the
 *          slice's memory mapped at CPC_SLICE_LINEAR_VA; a kernel's
 *          init_size plus the initrd (@initrd_len at most
 *          CPC_SLICE_INITRD_MAX) do not fit in the slice's lowest
 *          contiguous memory
 * ENXIO    CPC_SLICE_LOAD_LINUX: the host reserved no low memory
 *          (cpc_host's lowmem parameter)
 * ENOSPC   CPC_SLICE_LOAD_LINUX: every low-memory slot is held by
 *          another Linux slice
 * ENOENT   no slice has this @name
 * EBUSY    the slice is running or being destroyed
 * ENOMEM   the slice's memory cannot be mapped
 * EINTR    a signal arrived while waiting for another slice operation
 * =======  ===========================================================
 */
#define CPC_IOCTL_SLICE_LOAD _IOW(CPC_IOC_MAGIC, 0x14, struct cpc_slice_load)

/**
 * CPC_IOCTL_SLICE_START - run the loaded image on the slice's lowest CPU.
 *
 * Builds the slice's page tables and info page (linux/cpc_slice.h), puts
 * the trampoline into the host's reserved low memory (module parameter
 * lowmem), sends INIT, STARTUP, STARTUP to the CPU and waits up to one
 * second until the trampoline reports that it jumps to the image's entry
 * point. The other CPUs of the slice stay parked in wait-for-SIPI: a
 * Linux kernel started on a slice of several CPUs brings them up itself
 * (INIT and STARTUP to its own real-mode trampoline in the slice's
 * low-memory slot), so its IPI mask must hold every CPU of the slice. On
 * failure the CPU is sent INIT again and the state is unchanged.
 *
 * Context: process context, CAP_SYS_ADMIN; takes about 10 ms (the INIT
 * wait the SDM asks for).
 *
 * Return: 0 on success, -1 with errno set on failure:
 *
 * =========  =========================================================
 * EPERM      the caller lacks CAP_SYS_ADMIN; a Linux kernel on a slice of
 *            several CPUs whose IPI mask leaves one of them out (it could
 *            not start or interrupt its own CPUs)
 * EFAULT     the argument pointer is not readable
 * EINVAL     @size too small, @flags or @reserved not zero, bad @name
 * E2BIG      @size larger than known and the extra bytes are not zero
 * ENOENT     no slice has this @name
 * EBUSY      the slice is running or being destroyed
 * ENOEXEC    no image is loaded (never loaded, or stopped since)
 * ENXIO      the host reserved no low memory for the trampoline
 *            (cpc_host's lowmem parameter unset or invalid), or the
 *            CPU that takes slice doorbells (doorbell_cpu) is offline
 * ENAMETOOLONG  the slice's name is longer than 25 characters: its
 *            channel "slice:<name>" would not fit
 * ENOSPC     the slice's memory needs more page tables than fit
 *            between CPC_SLICE_PT_OFFSET and CPC_SLICE_PT_END
 * ENOMEM     the slice's memory cannot be mapped, or no free 4 MiB block
 *            for the slice bus
 * EIO        the local APIC reported an error sending INIT or STARTUP
 * ETIMEDOUT  the CPU did not reach the entry point within one second
 * EINTR      a signal arrived while waiting for another slice operation
 * =========  =========================================================
 */
#define CPC_IOCTL_SLICE_START _IOW(CPC_IOC_MAGIC, 0x15, struct cpc_slice_ref)

/**
 * CPC_IOCTL_SLICE_STOP - stop whatever runs on a slice's CPUs.
 *
 * Sends INIT to every CPU of the slice (x86's counterpart of core
 * slicing's core-local reset): it stops at once, even with interrupts off
 * or halted, and waits for a STARTUP. The image is forgotten.
 *
 * Context: process context, CAP_SYS_ADMIN.
 *
 * Return: 0 on success, -1 with errno set on failure:
 *
 * ======  ============================================================
 * EPERM   the caller lacks CAP_SYS_ADMIN
 * EFAULT  the argument pointer is not readable
 * EINVAL  @size too small, @flags or @reserved not zero, bad @name;
 *         the slice is not running
 * E2BIG   @size larger than known and the extra bytes are not zero
 * ENOENT  no slice has this @name
 * EBUSY   the slice is being destroyed
 * EIO     the local APIC reported an error sending INIT (the slice is
 *         stopped as far as it could be; STOP again or DESTROY)
 * EINTR   a signal arrived while waiting for another slice operation
 * ======  ============================================================
 */
#define CPC_IOCTL_SLICE_STOP _IOW(CPC_IOC_MAGIC, 0x16, struct cpc_slice_ref)

/**
 * CPC_IOCTL_SLICE_CONSOLE - read a running slice's console ring (the end
 * of its bus window, see uapi/linux/cpc_slice.h) from @pos on.
 *
 * The ring is the slice's (untrusted): its head is read once, the bytes
 * from max(@pos, head - CPC_SLICE_CONSOLE_DATA) up to head (at most
 * @buf_len) are copied, then head and the ring's claim (a write still
 * copying) are read again and the bytes the slice overwrote meanwhile are
 * dropped and counted in @lost (and in the slice's sysfs console_lost). A
 * @pos beyond head (the slice kernel restarted) reads from the oldest byte
 * held. Reading does not change the slice. The out fields @len, @lost and
 * @head must be zero on input: zero them before passing the struct again.
 *
 * Context: process context, CAP_SYS_ADMIN.
 *
 * Return: 0 on success (@len may be 0: nothing new), -1 with errno set:
 *
 * ======  ============================================================
 * EPERM   the caller lacks CAP_SYS_ADMIN
 * EFAULT  the argument or @buf_ptr is not readable/writable
 * EINVAL  @size too small, @flags, @reserved, @len, @lost or @head not
 *         zero, bad @name, @buf_len 0 or above CPC_SLICE_CONSOLE_MAX
 * E2BIG   @size larger than known and the extra bytes are not zero
 * ENOENT  no slice has this @name
 * ENXIO   the slice has no bus (not running), or the slice has not set
 *         up its console ring (no cpc_guest with the console on it yet,
 *         or a bad magic/version)
 * EINTR   a signal arrived while waiting for another slice operation
 * ENOMEM  no memory for the bounce buffer
 * ======  ============================================================
 */
#define CPC_IOCTL_SLICE_CONSOLE _IOWR(CPC_IOC_MAGIC, 0x17, struct cpc_slice_console)

/* ------------------------------------------------------------------------
 * CPC channels (ioctl numbers 0x40-0x5f)
 * ------------------------------------------------------------------------
 */

/** CPC_CHANNEL_NAME_MAX - size of a channel name, NUL included. */
#define CPC_CHANNEL_NAME_MAX 32

/**
 * struct cpc_channel_open - open a CPC channel by name.
 * @size:     (in) sizeof(struct cpc_channel_open) as the caller knows it.
 * @flags:    (in) zero (no flags defined yet).
 * @name:     (in) channel name as listed in /sys/kernel/cpc_host/channels/,
 *            NUL-terminated.
 * @reserved: (in) must be zero.
 */
struct cpc_channel_open {
	__u32 size;
	__u32 flags;
	char name[CPC_CHANNEL_NAME_MAX];
	__u64 reserved[2];
};

/**
 * CPC_IOCTL_CHANNEL_OPEN - open a channel; on /dev/cpc_host.
 *
 * Returns a new file descriptor (close-on-exec) for the channel: calls are
 * made on it with CPC_IOCTL_CALL or IORING_OP_URING_CMD, and poll() reports
 * whether a call can be submitted. The descriptor keeps the channel object
 * alive; if the device goes away, calls on it fail with ENODEV.
 *
 * Context: needs CAP_SYS_ADMIN.
 *
 * Return: the new channel fd (>= 0), or -1 with errno set:
 *
 * ======  ===================================================
 * EFAULT  the argument pointer is not readable
 * EINVAL  @size is too small, @flags or @reserved is not zero, or
 *         @name is empty or not NUL-terminated
 * ENODEV  no channel has that name
 * EPERM   the caller lacks CAP_SYS_ADMIN
 * EMFILE  the caller's file table is full
 * ENOMEM  out of memory
 * ======  ===================================================
 */
#define CPC_IOCTL_CHANNEL_OPEN _IOW(CPC_IOC_MAGIC, 0x40, struct cpc_channel_open)

/**
 * struct cpc_channel_attach - attach a channel to a slice, or detach it
 * (CPC_IOCTL_CHANNEL_ATTACH, CPC_IOCTL_CHANNEL_DETACH).
 * @size:     (in) sizeof(struct cpc_channel_attach) as the caller knows it.
 * @flags:    (in) zero (no flags defined yet).
 * @channel:  (in) channel name, NUL-terminated.
 * @slice:    (in) slice name, NUL-terminated.
 * @reserved: (in) must be zero.
 */
struct cpc_channel_attach {
	__u32 size;
	__u32 flags;
	char channel[CPC_CHANNEL_NAME_MAX];
	char slice[CPC_SLICE_NAME_MAX];
	__u64 reserved[2];
};

/**
 * CPC_IOCTL_CHANNEL_ATTACH - let a slice's IPI destination mask govern a
 * channel's doorbells; on /dev/cpc_host.
 *
 * From then on every doorbell the host sends on the channel is checked by
 * the slice's mask with the manager as the target (the channel's peer is the
 * slice's end of a manager<->slice bus): a call whose doorbell the mask
 * refuses fails with EPERM before anything is posted, and the slice counts
 * it in filters/ipi_refused (allowed ones in filters/ipi_sent). Attaching is
 * a filter change: it fails with EPERM once the slice is locked. Attaching a
 * channel again to the slice it is attached to succeeds. Destroying the
 * slice detaches its channels.
 *
 * Context: needs CAP_SYS_ADMIN.
 *
 * Return: 0, or -1 with errno set:
 *
 * ======  ===================================================
 * EFAULT  the argument pointer is not readable
 * EINVAL  @size is too small, @flags or @reserved is not zero, or a name
 *         is empty, not NUL-terminated or (slice) not a valid slice name
 * E2BIG   @size is larger than the kernel's struct and the extra bytes
 *         are not zero
 * EPERM   the caller lacks CAP_SYS_ADMIN, or the slice is locked
 * ENOENT  no slice has that name
 * ENODEV  no channel has that name
 * EBUSY   the channel is attached to another slice, or the slice is
 *         being destroyed
 * EINTR   interrupted while waiting for the slice manager
 * ======  ===================================================
 */
#define CPC_IOCTL_CHANNEL_ATTACH _IOW(CPC_IOC_MAGIC, 0x42, struct cpc_channel_attach)

/**
 * CPC_IOCTL_CHANNEL_DETACH - undo CPC_IOCTL_CHANNEL_ATTACH; on /dev/cpc_host.
 *
 * Detaching is a filter change: it fails with EPERM once the slice is
 * locked (destroying the slice detaches).
 *
 * Context: needs CAP_SYS_ADMIN.
 *
 * Return: 0, or -1 with errno set: the errors of CPC_IOCTL_CHANNEL_ATTACH
 * (EBUSY only for a slice being destroyed), and
 *
 * ======  ===================================================
 * ENXIO   the channel is not attached to that slice
 * ======  ===================================================
 */
#define CPC_IOCTL_CHANNEL_DETACH _IOW(CPC_IOC_MAGIC, 0x43, struct cpc_channel_attach)

/** CPC_CALL_ARG_MAX - largest argument buffer of one call (the wire's). */
#define CPC_CALL_ARG_MAX CPC_ARG_MAX
/** CPC_CALL_TIMEOUT_DEFAULT_MS - timeout of a call that names none. */
#define CPC_CALL_TIMEOUT_DEFAULT_MS 5000
/** CPC_CALL_TIMEOUT_MAX_MS - longest timeout of one call (the guest's longest deadline). */
#define CPC_CALL_TIMEOUT_MAX_MS CPC_DEADLINE_MAX_MS

/**
 * struct cpc_call - one confidential procedure call.
 * @size:       (in) sizeof(struct cpc_call) as the caller knows it.
 * @flags:      (in) zero (no flags defined yet).
 * @proc:       (in) procedure opcode (enum cpc_proc_opcode, linux/cpc_proto.h,
 *              or an id a procedure module got: up to CPC_PROC_ID_MAX).
 * @timeout_ms: (in) how long to wait for the guest; 0 means
 *              CPC_CALL_TIMEOUT_DEFAULT_MS, at most CPC_CALL_TIMEOUT_MAX_MS.
 *              The guest gets the same value as its deadline.
 * @args:       (in) inline arguments, meaning per procedure.
 * @arg_ptr:    (in) user address of the argument buffer (0 if none).
 * @arg_len:    (in) its length, at most CPC_CALL_ARG_MAX.
 * @out_cap:    (in) capacity of the result buffer at @out_ptr. The channel
 *              may grant less (its per-call data slot, see sysfs
 *              max_out); the guest answers ENOSPC if its result does not fit.
 * @out_ptr:    (in) user address of the result buffer (0 if @out_cap is 0).
 * @status:     (out) 0 or the negative errno the guest answered with.
 * @out_len:    (out) bytes written to the result buffer.
 * @ret:        (out) inline results, meaning per procedure.
 * @reserved:   (in) must be zero.
 */
struct cpc_call {
	__u32 size;
	__u32 flags;
	__u32 proc;
	__u32 timeout_ms;
	__u64 args[3];
	__u64 arg_ptr;
	__u32 arg_len;
	__u32 out_cap;
	__u64 out_ptr;
	__s32 status;
	__u32 out_len;
	__u64 ret[2];
	__u64 reserved[2];
};

/**
 * struct cpc_call_uring - the inline payload (struct io_uring_sqe.cmd, 16
 * bytes) of an IORING_OP_URING_CMD call on a channel fd, whose cmd_op is
 * CPC_IOCTL_CALL.
 * @call_ptr: user address of a struct cpc_call; its (out) fields are
 *            written before the completion is posted.
 * @reserved: must be zero.
 */
struct cpc_call_uring {
	__u64 call_ptr;
	__u64 reserved;
};

/**
 * CPC_IOCTL_CALL - call a procedure in the guest and wait; on a channel fd
 * (from CPC_IOCTL_CHANNEL_OPEN).
 *
 * Copies the argument buffer into the channel, posts the request, waits for
 * the guest's completion (at most @timeout_ms), copies the result into the
 * caller's buffer with bounds checks and fills the (out) fields. The same
 * command is accepted asynchronously as IORING_OP_URING_CMD with cmd_op
 * CPC_IOCTL_CALL and a struct cpc_call_uring payload: its CQE res is what
 * this ioctl would return (0 or -errno). Many calls may be in flight on a
 * channel at once, up to the ring size.
 *
 * Context: a channel fd (CAP_SYS_ADMIN was checked when it was opened); may
 * sleep; a signal ends the wait with EINTR.
 *
 * Return: 0 when the guest ran the procedure successfully, or -1 with errno
 * set. When the guest answered, @status holds the same negative errno:
 *
 * ==========  ===================================================
 * EFAULT      the argument, its arg_ptr or out_ptr is not accessible
 * EINVAL      @size is too small, @flags or @reserved is not zero,
 *             @proc is above CPC_PROC_ID_MAX, @timeout_ms is too large,
 *             or a buffer length is given without a pointer
 * E2BIG       @arg_len exceeds CPC_CALL_ARG_MAX or the channel's data slot
 * ENOTCONN    the guest end is not up (the channel is not ready)
 * EBUSY       as many calls are in flight as the ring holds, or
 *             (procedure-specific) the procedure cannot run now
 * ETIMEDOUT   the guest did not answer within @timeout_ms, or the
 *             procedure ran out of time in the guest
 * EINTR       a signal arrived while waiting
 * ECONNRESET  the guest reset or left while the call was in flight
 * EPROTO      the guest's answer broke the protocol (the channel is reset)
 * ENODEV      the channel's device went away
 * ENOMEM      out of memory (here or in the guest)
 * EPERM       the guest owner's policy denies the procedure
 * ENOSYS      no procedure is installed in the guest under @proc
 * ENOSPC      the result does not fit the result buffer
 * ENOENT      procedure-specific: no such object
 * EIO         the procedure failed in the guest
 * ERANGE      procedure-specific: an offset or length is out of range
 * ENOKEY      procedure-specific: no key provisioned
 * ENOTTY      the ioctl number is unknown (any other command)
 * ==========  ===================================================
 */
#define CPC_IOCTL_CALL _IOWR(CPC_IOC_MAGIC, 0x41, struct cpc_call)

/**
 * struct cpc_channel_reset - argument of CPC_IOCTL_CHANNEL_RESET.
 * @size:       (in) sizeof(struct cpc_channel_reset) as the caller knows it.
 * @flags:      (in) zero (no flags defined yet).
 * @generation: (out) the host end's new handshake generation (sysfs
 *              "generation").
 * @inflight:   (out) requests that were in flight: each waiting call got
 *              ECONNRESET, each slot of a call whose caller had given up
 *              was freed.
 * @reserved:   (in) must be zero.
 */
struct cpc_channel_reset {
	__u32 size;
	__u32 flags;
	__u32 generation;
	__u32 inflight;
	__u64 reserved[2];
};

/**
 * CPC_IOCTL_CHANNEL_RESET - fail everything in flight on a channel and start
 * a new generation; on a channel fd (from CPC_IOCTL_CHANNEL_OPEN).
 *
 * The way out of a guest that never answers: calls whose callers gave up
 * (time-out, signal) keep their slots until the guest answers, so a silent
 * guest drives every new call to EBUSY. A reset fails every call in flight
 * with ECONNRESET, frees every slot, lays the shared region out again with
 * a new generation and rings the guest; the channel is "waiting" until the
 * guest end rejoins the new generation, then "ready" again. Counted in
 * sysfs "admin_resets". The host does the same by itself, counted in
 * "stuck_resets", once every slot has been held by a given-up call for
 * the module parameter stuck_reset_ms (default 10000; 0: never). Resetting
 * a channel that is not up starts a new generation all the same.
 *
 * Context: a channel fd, CAP_SYS_ADMIN; may sleep on the channel's lock.
 *
 * Return: 0, or -1 with errno set; nothing was reset then:
 *
 * ======  ===================================================
 * EPERM   the caller lacks CAP_SYS_ADMIN
 * EFAULT  the argument pointer is not readable, or its (out) fields are
 *         not writable
 * EINVAL  @size is too small, @flags or @reserved is not zero
 * E2BIG   @size is larger than the kernel's struct and the extra bytes
 *         are not zero
 * ENODEV  the channel's device went away
 * ENOTTY  the ioctl number is unknown (any other command)
 * ======  ===================================================
 */
#define CPC_IOCTL_CHANNEL_RESET _IOWR(CPC_IOC_MAGIC, 0x44, struct cpc_channel_reset)

#endif /* _UAPI_LINUX_CPC_HOST_H */
