/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ivshmem.h - the ivshmem-doorbell transport (QEMU PCI device 1af4:1110),
 * written once and compiled into both cpc_host.ko and cpc_guest.ko.
 *
 * BAR0 holds the registers (IVPosition = own peer id, Doorbell), BAR2 the
 * shared memory, and every vector is an MSI-X interrupt. Interrupts are only
 * hints: a doorbell rung before the peer has set up MSI-X is lost, so users
 * keep all state in shared memory.
 */
#ifndef CPC_TRANSPORT_IVSHMEM_H
#define CPC_TRANSPORT_IVSHMEM_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/types.h>

/** CPC_IVSHMEM_MAX_VECTORS - MSI-X vectors a device may use. */
#define CPC_IVSHMEM_MAX_VECTORS 4
/**
 * CPC_IVSHMEM_BENCH_VECTOR - the vector of the raw doorbell ping-pong
 * (debugfs "reflect" and "pingpong"). CPC channels publish vector 0 as
 * their doorbell, so this one never carries channel traffic.
 */
#define CPC_IVSHMEM_BENCH_VECTOR 1
/** CPC_IVSHMEM_PINGPONG_MAX - most round trips one "pingpong" write runs. */
#define CPC_IVSHMEM_PINGPONG_MAX 100000u
/** CPC_IVSHMEM_PINGPONG_TIMEOUT_MS - wait for one reflection at most. */
#define CPC_IVSHMEM_PINGPONG_TIMEOUT_MS 200u
/** CPC_IVSHMEM_PINGPONG_RUN_MS - longest a whole "pingpong" run may take. */
#define CPC_IVSHMEM_PINGPONG_RUN_MS 10000u
/** CPC_IVSHMEM_REFLECT_MAX - most reflections one "reflect" write arms. */
#define CPC_IVSHMEM_REFLECT_MAX 1000000u

struct cpc_ivshmem;
struct cpc_endpoint;

/**
 * struct cpc_ivshmem_ops - what the owning module does with a device.
 * @probe:    called once the device is mapped and its interrupts requested;
 *            a non-zero return fails the probe. May be NULL.
 * @remove:   called before the device is unmapped. May be NULL.
 * @shutdown: the machine goes down (reboot, poweroff, kexec): tell the peer
 *            and stop using the device; nothing is freed. May be NULL.
 * @doorbell: called from hard-irq context when @vector fires (except for
 *            doorbells the ping-pong consumes). May be NULL.
 */
struct cpc_ivshmem_ops {
	int (*probe)(struct cpc_ivshmem *ivs);
	void (*remove)(struct cpc_ivshmem *ivs);
	void (*shutdown)(struct cpc_ivshmem *ivs);
	void (*doorbell)(struct cpc_ivshmem *ivs, unsigned int vector);
};

/**
 * struct cpc_ivshmem_driver - one module's PCI driver for ivshmem devices.
 * @pci:           the PCI driver; its name is set by cpc_ivshmem_register().
 * @ops:           callbacks of the owning module.
 * @debugfs_root:  the module's debugfs directory (or an error pointer / NULL
 *                 for none); each device gets "ivshmem/<pci name>/" below.
 * @debugfs_dir:   "ivshmem" directory below @debugfs_root.
 * @irq_cpu:       CPU every vector's interrupt is routed to, set before the
 *                 interrupts are requested; -1 leaves the default affinity.
 */
struct cpc_ivshmem_driver {
	struct pci_driver pci;
	const struct cpc_ivshmem_ops *ops;
	int irq_cpu;
	struct dentry *debugfs_root;
	struct dentry *debugfs_dir;
};

/**
 * struct cpc_ivshmem_pingpong - the raw doorbell ping-pong of one device.
 * @lock:         serialises "pingpong" runs, "reflect" arming and results.
 * @reflect_peer: where the reflector rings back.
 * @reflect_left: reflections still allowed (0: the reflector is off).
 * @reflected:    reflections done since load.
 * @active:       a "pingpong" run waits for reflections.
 * @stopping:     the device goes away: a run ends with -ENODEV.
 * @done:         completed by the reflection of the current round.
 * @irq_ns:       when the reflection of the current round arrived.
 * @rounds:       round trips of the last run (0: none yet).
 * @timeouts:     rounds that got no reflection in time, since load.
 * @min_ns:       fastest round trip of the last run.
 * @median_ns:    median round trip of the last run.
 * @p99_ns:       99th percentile round trip of the last run.
 * @max_ns:       slowest round trip of the last run.
 */
struct cpc_ivshmem_pingpong {
	struct mutex lock; /* runs, arming, results; no other lock nests */
	u32 reflect_peer;
	atomic_t reflect_left;
	atomic64_t reflected;
	bool active;
	bool stopping;
	struct completion done;
	u64 irq_ns;
	u32 rounds;
	u64 timeouts;
	u64 min_ns, median_ns, p99_ns, max_ns;
};

/**
 * struct cpc_ivshmem - one bound ivshmem-doorbell device.
 * @pdev:     the PCI device.
 * @drv:      the driver that bound it.
 * @regs:     BAR0 registers.
 * @shm:      BAR2 shared memory, mapped write-back.
 * @shm_size: size of @shm in bytes.
 * @own_id:   this VM's peer id on the ivshmem bus (IVPosition).
 * @nvec:     number of MSI-X vectors in use.
 * @irqs:     interrupts taken per vector.
 * @rings:    doorbells rung by this side.
 * @debugfs:  this device's debugfs directory.
 * @pp:       raw doorbell ping-pong (benchmark anchor).
 * @priv:     owner's data, set in &cpc_ivshmem_ops.probe
 *            (cpc_ivshmem_set_owner()).
 * @ep:       the protocol end the owner runs on this device, for the
 *            ping-pong's default peer; NULL when none.
 */
struct cpc_ivshmem {
	struct pci_dev *pdev;
	struct cpc_ivshmem_driver *drv;
	void __iomem *regs;
	void *shm;
	size_t shm_size;
	u32 own_id;
	unsigned int nvec;
	atomic64_t irqs[CPC_IVSHMEM_MAX_VECTORS];
	atomic64_t rings;
	struct dentry *debugfs;
	struct cpc_ivshmem_pingpong pp;
	void *priv;
	const struct cpc_endpoint *ep;
};

int cpc_ivshmem_register(struct cpc_ivshmem_driver *drv, const char *name);
void cpc_ivshmem_unregister(struct cpc_ivshmem_driver *drv);
void cpc_ivshmem_set_owner(struct cpc_ivshmem *ivs, void *priv,
			   const struct cpc_endpoint *ep);
int cpc_ivshmem_ring_peer(struct cpc_ivshmem *ivs, u32 id, u32 vector);
void cpc_ivshmem_quiesce(struct cpc_ivshmem *ivs);
int cpc_ivshmem_ring(struct cpc_ivshmem *ivs, u32 peer, unsigned int vector);

#ifdef CPC_TESTING
void cpc_ivshmem_test_add(struct cpc_ivshmem *ivs);
#else
static inline void cpc_ivshmem_test_add(struct cpc_ivshmem *ivs) { }
#endif

#endif /* CPC_TRANSPORT_IVSHMEM_H */
