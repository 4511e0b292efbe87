// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem.c - PCI driver core for QEMU's ivshmem-doorbell device, shared by
 * cpc_host.ko and cpc_guest.ko (each registers it under its own name).
 *
 * Per device, a root-only debugfs directory exposes the raw transport for
 * tests: "id" (own peer id), "irqs" (interrupts per vector), "doorbell"
 * (write "PEER VECTOR" to ring) and "shm" (read/write the shared memory).
 *
 * It also holds the anchor of the CPC benchmark, a raw doorbell ping-pong
 * on CPC_IVSHMEM_BENCH_VECTOR (which channels do not use): "reflect" arms a
 * bounded reflector (each interrupt on that vector rings the peer back on
 * the same vector, from the interrupt handler, at most COUNT times; off by
 * default), and writing N to "pingpong" runs N ring -> reflected interrupt
 * round trips in the kernel, each waiting at most
 * CPC_IVSHMEM_PINGPONG_TIMEOUT_MS; reading it returns the figures.
 */
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include <linux/cpc_proto.h>

#include "../proto/cpc_peer.h"

#include "ivshmem.h"

#define IVSHMEM_VENDOR		0x1af4
#define IVSHMEM_DEVICE		0x1110
#define IVSHMEM_REG_BAR		0
#define IVSHMEM_SHM_BAR		2
#define IVSHMEM_REG_IVPOSITION	0x08
#define IVSHMEM_REG_DOORBELL	0x0c

static const struct pci_device_id cpc_ivshmem_ids[] = {
	{ PCI_DEVICE(IVSHMEM_VENDOR, IVSHMEM_DEVICE) },
	{ }
};

static struct cpc_ivshmem_driver *to_cpc_drv(struct pci_dev *pdev)
{
	return container_of(to_pci_driver(pdev->dev.driver),
			    struct cpc_ivshmem_driver, pci);
}

/**
 * cpc_ivshmem_ring() - ring a peer's doorbell.
 * @ivs:    the device.
 * @peer:   peer id on the ivshmem bus.
 * @vector: the peer's interrupt vector.
 *
 * Return: 0, or -EINVAL when @peer or @vector is out of range.
 */
int cpc_ivshmem_ring(struct cpc_ivshmem *ivs, u32 peer, unsigned int vector)
{
	if (peer > 0xffff || vector > 0xffff)
		return -EINVAL;
	/* Make every store to shared memory visible before the interrupt. */
	wmb();
	writel((peer << 16) | vector, ivs->regs + IVSHMEM_REG_DOORBELL);
	atomic64_inc(&ivs->rings);
	return 0;
}

/**
 * cpc_ivshmem_ring_peer() - ring the doorbell a channel's other end
 * published: untrusted values, so never this VM itself and never a vector
 * the device does not have.
 * @ivs:    the device.
 * @id:     the peer id the other end published.
 * @vector: the vector it published.
 *
 * Return: 0, or -EINVAL for a refused doorbell.
 */
int cpc_ivshmem_ring_peer(struct cpc_ivshmem *ivs, u32 id, u32 vector)
{
	if (id == ivs->own_id || vector >= CPC_IVSHMEM_MAX_VECTORS)
		return -EINVAL;
	return cpc_ivshmem_ring(ivs, id, vector);
}

/**
 * cpc_ivshmem_set_owner() - the owning module's channel on this device.
 * @ivs:  the device.
 * @priv: the owner's object (what its doorbell handler finds in @ivs->priv).
 * @ep:   the protocol end it runs on the device (the ping-pong's default
 *        peer is the doorbell the other end published there), or NULL.
 */
void cpc_ivshmem_set_owner(struct cpc_ivshmem *ivs, void *priv,
			   const struct cpc_endpoint *ep)
{
	WRITE_ONCE(ivs->ep, ep);
	WRITE_ONCE(ivs->priv, priv);
}

/**
 * cpc_ivshmem_quiesce() - forget the owner and wait until no interrupt
 * handler of the device can still use it.
 * @ivs: the device.
 *
 * Context: process context.
 */
void cpc_ivshmem_quiesce(struct cpc_ivshmem *ivs)
{
	unsigned int v;

	cpc_ivshmem_set_owner(ivs, NULL, NULL);
	for (v = 0; v < ivs->nvec; v++)
		synchronize_irq(pci_irq_vector(ivs->pdev, v));
}

struct cpc_ivshmem_vec {
	struct cpc_ivshmem *ivs;
	unsigned int vector;
};

static irqreturn_t cpc_ivshmem_interrupt(int irq, void *data)
{
	struct cpc_ivshmem_vec *v = data;
	struct cpc_ivshmem *ivs = v->ivs;

	atomic64_inc(&ivs->irqs[v->vector]);
	if (v->vector == CPC_IVSHMEM_BENCH_VECTOR) {
		struct cpc_ivshmem_pingpong *pp = &ivs->pp;

		/* Reflector: ring straight back, a bounded number of times. */
		if (atomic_add_unless(&pp->reflect_left, -1, 0)) {
			cpc_ivshmem_ring(ivs, READ_ONCE(pp->reflect_peer),
					 CPC_IVSHMEM_BENCH_VECTOR);
			atomic64_inc(&pp->reflected);
			return IRQ_HANDLED;
		}
		if (READ_ONCE(pp->active)) {
			WRITE_ONCE(pp->irq_ns, ktime_get_ns());
			complete(&pp->done);
			return IRQ_HANDLED;
		}
	}
	if (ivs->drv->ops->doorbell)
		ivs->drv->ops->doorbell(ivs, v->vector);
	return IRQ_HANDLED;
}

/* ---- debugfs: counters and the benchmark anchor ---- */

static int irqs_show(struct seq_file *s, void *unused)
{
	struct cpc_ivshmem *ivs = s->private;
	unsigned int i;

	for (i = 0; i < ivs->nvec; i++)
		seq_printf(s, "%s%lld", i ? " " : "",
			   (long long)atomic64_read(&ivs->irqs[i]));
	seq_putc(s, '\n');
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(irqs);

/* ---- raw doorbell ping-pong (benchmark anchor) ---- */

/* Parses "A" or "A B" from user space; returns how many numbers it read. */
static int cpc_ivshmem_parse2(const char __user *ubuf, size_t n, u32 *a,
			      u32 *b)
{
	char buf[32];
	int cnt;

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = '\0';
	cnt = sscanf(buf, "%u %u", a, b);
	return cnt < 1 ? -EINVAL : cnt;
}

/* The peer to ring: given, or what the owner knows; never ourselves. */
static int cpc_ivshmem_bench_peer(struct cpc_ivshmem *ivs, int given, u32 peer)
{
	const struct cpc_endpoint *ep;
	u32 id, vector;

	if (given) {
		if (peer > 0xffff || peer == ivs->own_id)
			return -EINVAL;
		return peer;
	}
	ep = READ_ONCE(ivs->ep);
	if (!ep)
		return -ENOTCONN;
	id = cpc_ep_peer_doorbell(ep, &vector);
	/* Published by the peer: untrusted. */
	if (id > 0xffff || id == ivs->own_id)
		return -ENOTCONN;
	return id;
}

static ssize_t reflect_write(struct file *f, const char __user *ubuf,
			     size_t n, loff_t *pos)
{
	struct cpc_ivshmem *ivs = file_inode(f)->i_private;
	struct cpc_ivshmem_pingpong *pp = &ivs->pp;
	u32 count, peer = 0;
	int cnt, id;

	cnt = cpc_ivshmem_parse2(ubuf, n, &count, &peer);
	if (cnt < 0)
		return cnt;
	if (count > CPC_IVSHMEM_REFLECT_MAX)
		return -EINVAL;
	if (ivs->nvec <= CPC_IVSHMEM_BENCH_VECTOR)
		return -ENODEV;
	if (mutex_lock_interruptible(&pp->lock))
		return -EINTR;
	if (!count) {
		atomic_set(&pp->reflect_left, 0);
		mutex_unlock(&pp->lock);
		return n;
	}
	id = cpc_ivshmem_bench_peer(ivs, cnt == 2, peer);
	if (id < 0) {
		mutex_unlock(&pp->lock);
		return id;
	}
	/* Off while the peer changes, then armed with the new peer. */
	atomic_set(&pp->reflect_left, 0);
	WRITE_ONCE(pp->reflect_peer, id);
	atomic_set_release(&pp->reflect_left, count);
	mutex_unlock(&pp->lock);
	return n;
}

static int reflect_show(struct seq_file *s, void *unused)
{
	struct cpc_ivshmem *ivs = s->private;
	struct cpc_ivshmem_pingpong *pp = &ivs->pp;

	seq_printf(s, "left=%d peer=%u reflected=%lld\n",
		   atomic_read(&pp->reflect_left), READ_ONCE(pp->reflect_peer),
		   (long long)atomic64_read(&pp->reflected));
	return 0;
}

static int reflect_open(struct inode *inode, struct file *f)
{
	return single_open(f, reflect_show, inode->i_private);
}

static const struct file_operations reflect_fops = {
	.owner = THIS_MODULE,
	.open = reflect_open,
	.read = seq_read,
	.write = reflect_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int cpc_ivshmem_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Runs @rounds round trips to @peer; lock held. */
static int cpc_ivshmem_pingpong_run(struct cpc_ivshmem *ivs, u32 peer,
				    u32 rounds)
{
	struct cpc_ivshmem_pingpong *pp = &ivs->pp;
	unsigned long tmo = msecs_to_jiffies(CPC_IVSHMEM_PINGPONG_TIMEOUT_MS);
	unsigned long end;
	u64 *ns, t0;
	long left;
	u32 i;
	int ret = 0;

	ns = kvmalloc_array(rounds, sizeof(*ns), GFP_KERNEL);
	if (!ns)
		return -ENOMEM;
	end = jiffies + msecs_to_jiffies(CPC_IVSHMEM_PINGPONG_RUN_MS);
	WRITE_ONCE(pp->active, true);
	for (i = 0; i < rounds; i++) {
		if (READ_ONCE(pp->stopping)) {
			ret = -ENODEV;
			break;
		}
		/* Bounded as a whole too: a slow peer cannot pin the device. */
		if (time_after(jiffies, end)) {
			ret = -ETIMEDOUT;
			break;
		}
		reinit_completion(&pp->done);
		t0 = ktime_get_ns();
		cpc_ivshmem_ring(ivs, peer, CPC_IVSHMEM_BENCH_VECTOR);
		left = wait_for_completion_interruptible_timeout(&pp->done, tmo);
		if (left == 0) {
			pp->timeouts++;
			dev_warn_ratelimited(&ivs->pdev->dev,
					     "pingpong: peer %u did not reflect round %u within %u ms\n",
					     peer, i, CPC_IVSHMEM_PINGPONG_TIMEOUT_MS);
			ret = -ETIMEDOUT;
			break;
		}
		if (left < 0) {
			ret = -EINTR;
			break;
		}
		if (READ_ONCE(pp->stopping)) {
			ret = -ENODEV;
			break;
		}
		ns[i] = READ_ONCE(pp->irq_ns) - t0;
		cond_resched();
	}
	WRITE_ONCE(pp->active, false);
	if (!ret) {
		sort(ns, rounds, sizeof(*ns), cpc_ivshmem_cmp_u64, NULL);
		pp->rounds = rounds;
		pp->min_ns = ns[0];
		pp->median_ns = ns[rounds / 2];
		pp->p99_ns = ns[DIV_ROUND_UP(rounds * 99ull, 100) - 1];
		pp->max_ns = ns[rounds - 1];
	}
	kvfree(ns);
	return ret;
}

static ssize_t pingpong_write(struct file *f, const char __user *ubuf,
			      size_t n, loff_t *pos)
{
	struct cpc_ivshmem *ivs = file_inode(f)->i_private;
	struct cpc_ivshmem_pingpong *pp = &ivs->pp;
	u32 rounds, peer = 0;
	int cnt, id, ret;

	cnt = cpc_ivshmem_parse2(ubuf, n, &rounds, &peer);
	if (cnt < 0)
		return cnt;
	if (!rounds || rounds > CPC_IVSHMEM_PINGPONG_MAX)
		return -EINVAL;
	if (ivs->nvec <= CPC_IVSHMEM_BENCH_VECTOR)
		return -ENODEV;
	id = cpc_ivshmem_bench_peer(ivs, cnt == 2, peer);
	if (id < 0)
		return id;
	if (!mutex_trylock(&pp->lock))
		return -EBUSY;
	ret = cpc_ivshmem_pingpong_run(ivs, id, rounds);
	mutex_unlock(&pp->lock);
	return ret ? ret : n;
}

static ssize_t pingpong_read(struct file *f, char __user *ubuf, size_t n,
			     loff_t *pos)
{
	struct cpc_ivshmem *ivs = file_inode(f)->i_private;
	struct cpc_ivshmem_pingpong *pp = &ivs->pp;
	char buf[160];
	int len;

	/* A run may hold the lock for long: never sleep uninterruptibly. */
	if (mutex_lock_interruptible(&pp->lock))
		return -EINTR;
	len = scnprintf(buf, sizeof(buf),
			"rounds=%u timeouts=%llu min_ns=%llu median_ns=%llu p99_ns=%llu max_ns=%llu\n",
			pp->rounds, pp->timeouts, pp->min_ns, pp->median_ns,
			pp->p99_ns, pp->max_ns);
	mutex_unlock(&pp->lock);
	return simple_read_from_buffer(ubuf, n, pos, buf, len);
}

static const struct file_operations pingpong_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = pingpong_read,
	.write = pingpong_write,
	.llseek = default_llseek,
};

static void cpc_ivshmem_debugfs(struct cpc_ivshmem *ivs)
{
	struct cpc_ivshmem_driver *drv = ivs->drv;

	if (IS_ERR_OR_NULL(drv->debugfs_dir))
		return;
	ivs->debugfs = debugfs_create_dir(pci_name(ivs->pdev), drv->debugfs_dir);
	debugfs_create_u32("id", 0400, ivs->debugfs, &ivs->own_id);
	debugfs_create_file("irqs", 0400, ivs->debugfs, ivs, &irqs_fops);
	cpc_ivshmem_test_add(ivs);
	debugfs_create_file("reflect", 0600, ivs->debugfs, ivs, &reflect_fops);
	debugfs_create_file("pingpong", 0600, ivs->debugfs, ivs, &pingpong_fops);
}

/* ---- PCI driver ---- */

/* Does the region carry the tag cpc-ivshmem-server writes (struct cpc_bus_tag)? */
static bool cpc_ivshmem_tagged(struct cpc_ivshmem *ivs)
{
	struct cpc_bus_tag tag;

	if (ivs->shm_size < CPC_BUS_TAG_OFFSET + sizeof(tag))
		return false;
	memcpy(&tag, (u8 *)ivs->shm + CPC_BUS_TAG_OFFSET, sizeof(tag));
	return le64_to_cpu(tag.magic) == CPC_BUS_TAG_MAGIC &&
	       le32_to_cpu(tag.version) == CPC_BUS_TAG_VERSION &&
	       le64_to_cpu(tag.region_size) == ivs->shm_size;
}

static int cpc_ivshmem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct cpc_ivshmem_driver *drv = to_cpc_drv(pdev);
	struct device *dev = &pdev->dev;
	struct cpc_ivshmem_vec *vecs;
	struct cpc_ivshmem *ivs;
	resource_size_t start;
	unsigned int i;
	int nvec, ret;

	ivs = devm_kzalloc(dev, sizeof(*ivs), GFP_KERNEL);
	if (!ivs)
		return -ENOMEM;
	ivs->pdev = pdev;
	ivs->drv = drv;
	mutex_init(&ivs->pp.lock);
	init_completion(&ivs->pp.done);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(IVSHMEM_REG_BAR), dev_name(dev));
	if (ret)
		return ret;
	ivs->regs = pcim_iomap_table(pdev)[IVSHMEM_REG_BAR];

	start = pci_resource_start(pdev, IVSHMEM_SHM_BAR);
	ivs->shm_size = pci_resource_len(pdev, IVSHMEM_SHM_BAR);
	if (!start || !ivs->shm_size) {
		dev_err(dev, "no shared memory BAR\n");
		return -ENODEV;
	}
	if (!devm_request_mem_region(dev, start, ivs->shm_size, dev_name(dev)))
		return -EBUSY;
	ivs->shm = devm_memremap(dev, start, ivs->shm_size, MEMREMAP_WB);
	if (IS_ERR(ivs->shm))
		return PTR_ERR(ivs->shm);
	ivs->own_id = readl(ivs->regs + IVSHMEM_REG_IVPOSITION);
	/* Only a cpc bus is ours: anything else is left as it was found. */
	if (!cpc_ivshmem_tagged(ivs)) {
		dev_info(dev, "no cpc bus tag in the shared memory: not a cpc bus, left alone\n");
		return -ENODEV;
	}

	nvec = pci_alloc_irq_vectors(pdev, 1, CPC_IVSHMEM_MAX_VECTORS,
				     PCI_IRQ_MSIX);
	if (nvec < 0) {
		dev_err(dev, "no MSI-X vectors (doorbell device needs vectors=N): %d\n",
			nvec);
		return nvec;
	}
	ivs->nvec = nvec;
	vecs = devm_kcalloc(dev, nvec, sizeof(*vecs), GFP_KERNEL);
	if (!vecs) {
		ret = -ENOMEM;
		goto err_vectors;
	}
	for (i = 0; i < nvec; i++) {
		vecs[i].ivs = ivs;
		vecs[i].vector = i;
		/* Route it before it can fire, so no other CPU ever takes it. */
		if (drv->irq_cpu >= 0) {
			ret = irq_set_affinity(pci_irq_vector(pdev, i),
					       cpumask_of(drv->irq_cpu));
			if (ret) {
				dev_err(dev, "cannot route vector %u to CPU %d: %d\n",
					i, drv->irq_cpu, ret);
				goto err_irqs;
			}
		}
		ret = request_irq(pci_irq_vector(pdev, i), cpc_ivshmem_interrupt,
				  0, drv->pci.name, &vecs[i]);
		if (ret)
			goto err_irqs;
	}
	pci_set_master(pdev);
	pci_set_drvdata(pdev, vecs);

	if (drv->ops->probe) {
		ret = drv->ops->probe(ivs);
		if (ret)
			goto err_irqs;
	}
	cpc_ivshmem_debugfs(ivs);
	dev_info(dev, "ivshmem peer %u, %zu KiB shared, %d vectors\n",
		 ivs->own_id, ivs->shm_size >> 10, nvec);
	return 0;

err_irqs:
	while (i--)
		free_irq(pci_irq_vector(pdev, i), &vecs[i]);
err_vectors:
	pci_free_irq_vectors(pdev);
	return ret;
}

/* End a running ping-pong now and refuse new ones. */
static void cpc_ivshmem_stop_pingpong(struct cpc_ivshmem *ivs)
{
	WRITE_ONCE(ivs->pp.stopping, true);
	atomic_set(&ivs->pp.reflect_left, 0);
	complete(&ivs->pp.done);
}

static void cpc_ivshmem_remove(struct pci_dev *pdev)
{
	struct cpc_ivshmem_vec *vecs = pci_get_drvdata(pdev);
	struct cpc_ivshmem *ivs = vecs[0].ivs;
	unsigned int i;

	/* So that removing the ping-pong's file need not wait for a run. */
	cpc_ivshmem_stop_pingpong(ivs);
	debugfs_remove_recursive(ivs->debugfs);
	if (ivs->drv->ops->remove)
		ivs->drv->ops->remove(ivs);
	for (i = 0; i < ivs->nvec; i++)
		free_irq(pci_irq_vector(pdev, i), &vecs[i]);
	pci_free_irq_vectors(pdev);
}

/*
 * Reboot, poweroff or kexec: the owner tells the peer it is going (a guest
 * that reboots shows the host a RESET at once instead of a silent peer) and
 * stops using the device. Everything stays allocated; the machine is going.
 */
static void cpc_ivshmem_shutdown(struct pci_dev *pdev)
{
	struct cpc_ivshmem_vec *vecs = pci_get_drvdata(pdev);
	struct cpc_ivshmem *ivs;

	if (!vecs)
		return;
	ivs = vecs[0].ivs;
	cpc_ivshmem_stop_pingpong(ivs);
	if (ivs->drv->ops->shutdown)
		ivs->drv->ops->shutdown(ivs);
}

/**
 * cpc_ivshmem_register() - register a module's ivshmem PCI driver.
 * @drv:  driver with @ops and @debugfs_root filled in.
 * @name: driver name (unique per module).
 *
 * Return: 0 or a negative errno from pci_register_driver().
 */
int cpc_ivshmem_register(struct cpc_ivshmem_driver *drv, const char *name)
{
	drv->pci.name = name;
	drv->pci.id_table = cpc_ivshmem_ids;
	drv->pci.probe = cpc_ivshmem_probe;
	drv->pci.remove = cpc_ivshmem_remove;
	drv->pci.shutdown = cpc_ivshmem_shutdown;
	drv->debugfs_dir = NULL;
	if (!IS_ERR_OR_NULL(drv->debugfs_root))
		drv->debugfs_dir = debugfs_create_dir("ivshmem", drv->debugfs_root);
	return pci_register_driver(&drv->pci);
}

/**
 * cpc_ivshmem_unregister() - unbind every device and unregister.
 * @drv: driver passed to cpc_ivshmem_register().
 */
void cpc_ivshmem_unregister(struct cpc_ivshmem_driver *drv)
{
	pci_unregister_driver(&drv->pci);
}
