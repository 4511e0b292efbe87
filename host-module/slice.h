/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slice.h - cpc_host's slice manager: the slice object shared by the
 * lifecycle (slice.c), filters (slice_filter.c), sysfs (slice_sysfs.c),
 * mediation (mediation.c) and ioctl (slice_ioctl.c) code.
 *
 * Locking (outermost first):
 *
 *   1. cpc_slices_mutex - one interruptible mutex serialising every change:
 *      the slice list, create, destroy, lock, every filter change, load,
 *      start and stop (which share the one trampoline page). It is
 *      held across remove_cpu()/add_cpu() and memory hot-(un)plug, so it must
 *      never be taken from a CPU hot-plug callback, a sysfs show or a
 *      debugfs operation (their removal waits for them under this mutex).
 *   2. cpc_slice::lock - spinlock guarding the fields readers look at without
 *      the mutex: state and the filter set. Sysfs shows and
 *      cpc_mediate_send() take only this lock.
 *
 * cpc_sliced_cpus is a cpumask updated with atomic bit operations; the CPU
 * hot-plug PREPARE callback reads it without any lock. It holds the CPUs of
 * every slice, and during a create the CPUs it has reserved.
 */
#ifndef CPC_HOST_SLICE_H
#define CPC_HOST_SLICE_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <linux/cpc_host.h>

struct dentry;
struct pci_dev;

/**
 * struct cpc_slice_block - one memory block of a slice.
 * @start:   physical start address.
 * @nid:     NUMA node it came from (for re-adding it).
 * @removed: this module offlined and removed it and has not re-added it.
 */
struct cpc_slice_block {
	u64 start;
	int nid;
	bool removed;
};

/**
 * struct cpc_slice_window - a memory-window filter.
 * @start: physical start address.
 * @len:   length in bytes.
 */
struct cpc_slice_window {
	u64 start;
	u64 len;
};

/**
 * struct cpc_slice_device - a PCI device held by a slice.
 * @pdev:       the device (a reference is held).
 * @had_driver: it was bound to a host driver when the slice took it.
 */
struct cpc_slice_device {
	struct pci_dev *pdev;
	bool had_driver;
};

/**
 * struct cpc_slice_filters - the filter set of a slice.
 * @windows:     memory windows.
 * @nr_windows:  entries used in @windows.
 * @bus:         the slice-bus window (len 0: none).
 * @cache_ways:  cache-way mask (~0: all ways, the default).
 * @ipi_cpus:    CPUs the slice may interrupt and be interrupted by.
 * @ipi_manager: the manager may be targeted (and may target the slice).
 * @devices:     PCI devices held.
 * @nr_devices:  entries used in @devices.
 * @locked:      the set is frozen until destroy.
 */
struct cpc_slice_filters {
	struct cpc_slice_window windows[CPC_SLICE_MAX_WINDOWS];
	unsigned int nr_windows;
	struct cpc_slice_window bus;
	u64 cache_ways;
	cpumask_var_t ipi_cpus;
	bool ipi_manager;
	struct cpc_slice_device devices[CPC_SLICE_MAX_DEVICES];
	unsigned int nr_devices;
	bool locked;
};

/**
 * struct cpc_slice_bus - the slice bus of a running slice (slice_bus.c).
 * @pages:        its memory (1 MiB), or NULL.
 * @phys:         physical address.
 * @len:          bytes.
 * @ch:           the channel "slice:<name>" (READ_ONCE from the doorbell
 *                handler; cleared by the channel's quiesce).
 * @virq:         the doorbell interrupt (0: none).
 * @host_apic_id: physical APIC id the slice rings.
 * @host_vector:  vector it rings.
 */
struct cpc_slice_bus {
	struct page *pages;
	phys_addr_t phys;
	size_t len;
	struct cpc_hchan *ch;
	int virq;
	u32 host_apic_id;
	u32 host_vector;
};

/**
 * struct cpc_slice - one slice.
 * @node:        entry in the slice list (cpc_slices_mutex).
 * @name:        NUL-terminated name.
 * @state:       &enum cpc_slice_state (@lock).
 * @cpus:        CPUs of the slice (constant after create).
 * @offlined:    CPUs this module took offline and has not brought back.
 * @blocks:      memory blocks (constant after create but @removed).
 * @nr_blocks:   entries used in @blocks.
 * @filters:     the filter set (@lock for readers, cpc_slices_mutex and
 *               @lock for writers).
 * @lock:        see the locking comment above.
 * @ipi_sent:    sends cpc_mediate_send() allowed.
 * @ipi_refused: sends cpc_mediate_send() refused.
 * @kobj:        /sys/kernel/cpc_host/slices/<name>; its release frees the
 *               slice.
 * @debugfs:     its test hooks' directory (test builds only; else NULL).
 * @holds_module: the slice holds a reference on this module.
 * @image_loaded: an image is in the slice's memory (LOAD; STOP clears it).
 * @image_entry:  its entry point (offset in the image).
 * @image_mem_size: its size in memory.
 * @image_linux: the image is a Linux kernel (@image_entry is then the
 *               physical address of its 64-bit entry point).
 * @image_kernel: its version string from the bzImage header ("" when it
 *               names none); written under @lock too (sysfs copies it).
 * @low_slot:    the low-memory slot a Linux slice holds until destroy,
 *               plus one (0: none).
 * @entry_cr3:   the page tables the last START entered the image with
 *               (debugfs entry_cr3 in test builds).
 * @starts:      successful STARTs so far.
 * @start_ns:    how long the last START took (INIT to the stamp).
 * @bus:         the slice bus while it runs.
 * @bus_saved:   the bus-window filter before START set it to @bus.
 * @ipi_in:      doorbells from the slice the host took.
 * @ipi_in_refused: doorbells from the slice dropped (IPI mask: no manager).
 * @bad_doorbell: host doorbells not sent: the slice published a doorbell
 *               that is not one of its CPUs or not a vector.
 * @pp_rounds:   raw IPI ping-pong (test hook): rounds of the last run...
 * @pp_avg_ns:   ...their average round trip...
 * @pp_max_ns:   ...and the longest.
 *
 * The image and start fields are read and written under cpc_slices_mutex
 * (sysfs reads them with READ_ONCE()).
 */
struct cpc_slice {
	struct list_head node;
	char name[CPC_SLICE_NAME_MAX];
	enum cpc_slice_state state;
	cpumask_var_t cpus;
	cpumask_var_t offlined;
	struct cpc_slice_block blocks[CPC_SLICE_MAX_BLOCKS];
	unsigned int nr_blocks;
	struct cpc_slice_filters filters;
	spinlock_t lock;	/* state and filters, for readers */
	atomic64_t ipi_sent;
	atomic64_t ipi_refused;
	struct kobject kobj;
	struct dentry *debugfs;
	bool holds_module;
	bool image_loaded;
	u64 image_entry;
	u64 image_mem_size;
	bool image_linux;
	char image_kernel[128];	/* CPC_LB_VERSION_MAX */
	unsigned int low_slot;
	u64 entry_cr3;
	u64 starts;
	u64 start_ns;
	struct cpc_slice_bus bus;
	struct cpc_slice_window bus_saved;
	atomic64_t ipi_in;
	atomic64_t ipi_in_refused;
	atomic64_t bad_doorbell;
	atomic64_t console_lost;
	atomic64_t console_bad;
	u64 pp_rounds;
	u64 pp_avg_ns;
	u64 pp_max_ns;
};

/*
 * Linux slices: the page tables their kernel enters with take the bottom of
 * the low-memory slot (slice_boot.c); the rest of the slot is its RAM.
 */
#define CPC_LINUX_ENTRY_PT_SIZE	0x8000
/* Linux slices: the 64-bit entry point's offset in the kernel (boot protocol). */
#define CPC_SLICE_LINUX_ENTRY	0x200

extern struct mutex cpc_slices_mutex;
extern struct list_head cpc_slices;
extern struct cpumask cpc_sliced_cpus;
extern atomic64_t cpc_last_scrub_bytes;
extern atomic64_t cpc_last_scrub_ns;
extern atomic64_t cpc_blocks_returned_offline;

/* slice.c */
int cpc_slices_init(struct kobject *root);
void cpc_slices_exit(void);
struct cpc_slice *cpc_slice_find(const char *name);
int cpc_slice_check_name(const char *name, size_t size);
int cpc_slice_create(const struct cpc_slice_create *req,
		     struct cpc_slice_create *out);
int cpc_slice_destroy(struct cpc_slice *s);
u64 cpc_slice_block_size(void);
u64 cpc_slice_mem_bytes(const struct cpc_slice *s);
bool cpc_slice_block_usable(unsigned long index);
bool cpc_slice_block_plain_ram(unsigned long index);
unsigned long cpc_slice_max_block(void);
bool cpc_block_in_any_slice(unsigned long index);

/* slice_topology.c */
int cpc_topology_init(void);
void cpc_topology_exit(void);
bool cpc_cpu_on_boot_core(unsigned int cpu);
bool cpc_cpu_held_by_slice(unsigned int cpu);
int cpc_slice_check_topology(const char *name, const struct cpumask *cpus,
			     bool multi_node);

/* slice_filter.c */
int cpc_slice_filters_init(struct cpc_slice *s);
void cpc_slice_filters_free(struct cpc_slice *s);
int cpc_slice_filter(struct cpc_slice *s, const struct cpc_slice_filter *f);
int cpc_slice_lock(struct cpc_slice *s);
void cpc_slice_release_devices(struct cpc_slice *s);
bool cpc_slice_cache_ways_enforced(void);

/* slice_sysfs.c */
int cpc_slice_sysfs_init(struct kobject *root);
void cpc_slice_sysfs_exit(void);
int cpc_slice_sysfs_add(struct cpc_slice *s);
void cpc_slice_sysfs_del(struct cpc_slice *s);
void cpc_slice_put(struct cpc_slice *s);
const char *cpc_slice_state_name(enum cpc_slice_state state);

/* slice_boot.c */
int cpc_slice_boot_init(void);
void cpc_slice_boot_exit(void);
bool cpc_lowmem_available(void);
int cpc_lowmem_slot_get(struct cpc_slice *s);
u32 cpc_lowmem_decoy(void);
u64 cpc_lowmem_slot_phys(const struct cpc_slice *s);
void cpc_lowmem_slot_put(struct cpc_slice *s);
unsigned int cpc_lowmem_slots_free(void);
int cpc_slice_park_cpu(unsigned int cpu);
int cpc_slice_stop_cpus(struct cpc_slice *s);
int cpc_slice_start(struct cpc_slice *s);
int cpc_slice_stop(struct cpc_slice *s);
u64 cpc_slice_phys(const struct cpc_slice *s, u64 off);
u64 cpc_slice_linear_len(const struct cpc_slice *s);
u32 cpc_slice_send_ipi(u32 apicid, u32 low);

/* slice_bus.c */
int cpc_slice_bus_init(void);
void cpc_slice_bus_exit(void);
int cpc_slice_bus_up(struct cpc_slice *s);
void cpc_slice_bus_down(struct cpc_slice *s);
void cpc_slice_bus_free(struct cpc_slice *s);
int cpc_slice_console_read(struct cpc_slice *s, struct cpc_slice_console *c, u8 *buf);

/* slice_image.c */
int cpc_slice_load(struct cpc_slice *s, const struct cpc_slice_load *req);
int cpc_slice_fill(struct cpc_slice *s, u64 off, const void __user *src, u64 len);

/* slice_linux.c */
int cpc_slice_load_linux(struct cpc_slice *s, const struct cpc_slice_load *req);

/* slice_ioctl.c */
long cpc_slice_ioctl(unsigned int cmd, void __user *argp);

#endif /* CPC_HOST_SLICE_H */
