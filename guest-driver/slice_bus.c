// SPDX-License-Identifier: GPL-2.0
/*
 * slice_bus.c - the guest side of the slice-bus transport: cpc_guest in a
 * Linux kernel that cpc_host booted on a slice serves the slice's channel
 * ("slice:<name>", host-module/slice_bus.c) instead of ivshmem devices.
 *
 * What cpc_host passes: the module parameter slice_info=<phys>, which
 * cpc_host puts on the slice kernel's command line as
 * cpc_guest.slice_info=0x... (the physical address of the slice's info
 * page, struct cpc_slice_info: offset 0 of the slice's memory, reserved in
 * the slice kernel's e820 map). The info page is rewritten at every start
 * and names the bus window (bus_phys, bus_len: 4 MiB of host memory, not
 * in the slice's e820 map), which is allocated only at start, after the
 * command line was written at load. The host's doorbell (APIC id, vector)
 * is in the channel's CPC header, like every transport's.
 *
 * Slice -> host: a fixed IPI, physical destination, to the (APIC id,
 * vector) the host published (vector checked to be 0x20-0xfe).
 * Host -> slice: an interrupt this module allocates from a child domain of
 * the x86 vector domain (transport/doorbell.c, the code cpc_host uses for
 * its end) on the maintenance CPU; (its physical APIC id, vector) is the
 * doorbell this end publishes. The handler wakes the maintenance thread.
 *
 * Console: the last CPC_SLICE_CONSOLE_SIZE bytes of the window are the
 * console ring (uapi/linux/cpc_slice.h), the channel is the rest. A printk
 * console ("cpcslice", CON_PRINTBUFFER: the log from before this module
 * loaded is replayed) copies every byte into it and publishes head with
 * release ordering: no lock, no doorbell, no sleep (the console lock makes
 * it the only writer; it may run in any context, panic included). The host
 * reads it (CPC_IOCTL_SLICE_CONSOLE, cpcctl slice console). Unregistered
 * before the window is unmapped.
 *
 * sysfs /sys/kernel/cpc_guest/slice_bus/: window ("<phys> <len>"),
 * local_doorbell ("<APIC id> <vector>" of this end), doorbells_in (handled on
 * the maintenance CPU), doorbells_elsewhere (on another CPU: stays 0),
 * doorbells_out, bad_doorbells (the host published no usable vector),
 * apic_errors (the local APIC refused an IPI).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/console.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <asm/apic.h>

#include <linux/cpc_slice.h>

#include "../transport/doorbell.h"
#include "cpc_console.h"
#include "../transport/sysfs.h"
#include "channel.h"

static unsigned long slice_info;
module_param(slice_info, ulong, 0444);
MODULE_PARM_DESC(slice_info,
		 "physical address of the slice info page: serve the slice bus (set by cpc_host)");

/* Smallest and largest bus window this end takes. */
#define CPC_GSB_MIN	(SZ_64K + CPC_SLICE_CONSOLE_SIZE)
#define CPC_GSB_MAX	SZ_1G
#define CPC_GSB_PREFIX	"slice:"

static struct cpc_db_domain cpc_gsb_domain;
static struct cpc_db_irq cpc_gsb_db;
static void *cpc_gsb_shm;
static u64 cpc_gsb_phys, cpc_gsb_len;
static struct cpc_gchan *cpc_gsb_chan;
static struct kobject *cpc_gsb_kobj;

static struct cpc_slice_console_ring *cpc_gsb_con_ring;
static u8 *cpc_gsb_con_data;
static u64 cpc_gsb_con_head;	/* this end's own copy: never read back */

enum { CPC_GSB_IN, CPC_GSB_ELSEWHERE, CPC_GSB_OUT, CPC_GSB_BAD, CPC_GSB_APIC_ERR, CPC_GSB_NR };
static atomic64_t cpc_gsb_count[CPC_GSB_NR];

/**
 * cpc_gsb_enabled() - was cpc_guest given a slice info page?
 *
 * Return: true with slice_info set.
 */
bool cpc_gsb_enabled(void)
{
	return slice_info != 0;
}

/* Host -> slice doorbell: hard interrupt, on the maintenance CPU. */
static irqreturn_t cpc_gsb_irq(int irq, void *unused)
{
	if (smp_processor_id() == cpc_vcpu_cpu())
		atomic64_inc(&cpc_gsb_count[CPC_GSB_IN]);
	else
		atomic64_inc(&cpc_gsb_count[CPC_GSB_ELSEWHERE]);
	cpc_vcpu_kick();
	return IRQ_HANDLED;
}

/* Slice -> host: a fixed IPI to the doorbell the host published. */
static void cpc_gsb_ring(struct cpc_gchan *ch, u32 id, u32 vector)
{
	if (!id && !vector)
		return;		/* the host published nothing yet */
	if (vector < CPC_DB_VECTOR_MIN || vector > CPC_DB_VECTOR_MAX ||
	    (!x2apic_mode && id > 0xff)) {
		atomic64_inc(&cpc_gsb_count[CPC_GSB_BAD]);
		pr_notice_ratelimited("%s: host doorbell (APIC id %u, vector %u) is not one; not sent\n",
				      ch->name, id, vector);
		return;
	}
	atomic64_inc(&cpc_gsb_count[CPC_GSB_OUT]);
	if (cpc_db_send_ipi(id, APIC_DM_FIXED | vector)) {
		atomic64_inc(&cpc_gsb_count[CPC_GSB_APIC_ERR]);
		pr_notice_ratelimited("%s: doorbell IPI to APIC id %u: APIC error\n", ch->name, id);
	}
}

/* printk console: under the console lock (one writer), any context. */
static void cpc_gsb_con_write(struct console *con, const char *s, unsigned int n)
{
	cpc_gsb_con_head = cpc_console_write(cpc_gsb_con_ring, cpc_gsb_con_data,
					     cpc_gsb_con_head, s, n);
}

static struct console cpc_gsb_console = {
	.name = "cpcslice",
	.write = cpc_gsb_con_write,
	.flags = CON_ENABLED | CON_PRINTBUFFER,
	.index = -1,
};

/* Sets the ring up at the end of the mapped window and registers the console. */
static void cpc_gsb_con_start(void)
{
	u8 *base = (u8 *)cpc_gsb_shm + cpc_gsb_len - CPC_SLICE_CONSOLE_SIZE;

	cpc_gsb_con_ring = (struct cpc_slice_console_ring *)base;
	cpc_gsb_con_data = base + CPC_SLICE_CONSOLE_HEADER;
	cpc_gsb_con_head = 0;
	cpc_console_ring_init(cpc_gsb_con_ring);
	register_console(&cpc_gsb_console);
}

/*
 * Reads the info page at slice_info: the bus window into cpc_gsb_phys/len
 * and the channel's name into @name. The window must be whole pages and
 * not this kernel's RAM.
 */
static int cpc_gsb_read_info(char *name, size_t size)
{
	struct cpc_slice_info *info;
	void *map;
	int ret = -EINVAL;

	if (!PAGE_ALIGNED(slice_info))
		goto bad;
	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	map = memremap(slice_info, sizeof(*info), MEMREMAP_WB);
	if (!map) {
		kfree(info);
		return -ENOMEM;
	}
	memcpy(info, map, sizeof(*info));
	memunmap(map);
	if (info->magic != CPC_SLICE_INFO_MAGIC || info->version < CPC_SLICE_INFO_VERSION ||
	    info->size < sizeof(*info) || !(info->flags & CPC_SLICE_INFO_BUS) ||
	    strnlen(info->name, sizeof(info->name)) == sizeof(info->name) ||
	    snprintf(name, size, CPC_GSB_PREFIX "%s", info->name) >= size)
		goto bad_info;
	cpc_gsb_phys = info->bus_phys;
	cpc_gsb_len = info->bus_len;
	if (!cpc_gsb_phys || !PAGE_ALIGNED(cpc_gsb_phys) || !PAGE_ALIGNED(cpc_gsb_len) ||
	    cpc_gsb_len < CPC_GSB_MIN || cpc_gsb_len > CPC_GSB_MAX ||
	    cpc_gsb_phys + cpc_gsb_len < cpc_gsb_phys ||
	    region_intersects(cpc_gsb_phys, cpc_gsb_len, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		goto bad_info;
	kfree(info);
	return 0;

bad_info:
	kfree(info);
bad:
	pr_err("slice_info=0x%lx: not a slice info page with a bus window outside this kernel's RAM\n",
	       slice_info);
	return ret;
}

static ssize_t cpc_gsb_count_show(struct kobject *k, char *buf, int arg)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&cpc_gsb_count[arg]));
}

static ssize_t cpc_gsb_window_show(struct kobject *k, char *buf, int arg)
{
	return sysfs_emit(buf, "0x%llx %llu\n", cpc_gsb_phys, cpc_gsb_len);
}

static ssize_t cpc_gsb_local_doorbell_show(struct kobject *k, char *buf, int arg)
{
	return sysfs_emit(buf, "%u %u\n", cpc_gsb_db.apic_id, cpc_gsb_db.vector);
}

#define CPC_GSB_ATTR(_name, _show, _arg) CPC_ATTR(cpc_gsb_attr, _name, _show, _arg)

CPC_GSB_ATTR(window, cpc_gsb_window_show, 0);
CPC_GSB_ATTR(local_doorbell, cpc_gsb_local_doorbell_show, 0);
CPC_GSB_ATTR(doorbells_in, cpc_gsb_count_show, CPC_GSB_IN);
CPC_GSB_ATTR(doorbells_elsewhere, cpc_gsb_count_show, CPC_GSB_ELSEWHERE);
CPC_GSB_ATTR(doorbells_out, cpc_gsb_count_show, CPC_GSB_OUT);
CPC_GSB_ATTR(bad_doorbells, cpc_gsb_count_show, CPC_GSB_BAD);
CPC_GSB_ATTR(apic_errors, cpc_gsb_count_show, CPC_GSB_APIC_ERR);

static struct attribute *cpc_gsb_attrs[] = {
	&cpc_gsb_attr_window.attr,
	&cpc_gsb_attr_local_doorbell.attr,
	&cpc_gsb_attr_doorbells_in.attr,
	&cpc_gsb_attr_doorbells_elsewhere.attr,
	&cpc_gsb_attr_doorbells_out.attr,
	&cpc_gsb_attr_bad_doorbells.attr,
	&cpc_gsb_attr_apic_errors.attr,
	NULL
};
ATTRIBUTE_GROUPS(cpc_gsb);

static void cpc_gsb_kobj_release(struct kobject *kobj)
{
	kfree(kobj);
}

static const struct kobj_type cpc_gsb_ktype = {
	.release = cpc_gsb_kobj_release,
	.sysfs_ops = &cpc_attr_sysfs_ops,
	.default_groups = cpc_gsb_groups,
};

/* Everything cpc_gsb_start() set up, in reverse; each part may be absent. */
static void cpc_gsb_teardown(void)
{
	if (cpc_gsb_con_ring) {
		unregister_console(&cpc_gsb_console);	/* no write() after this */
		cpc_gsb_con_ring = NULL;
	}
	if (cpc_gsb_chan) {
		cpc_gchan_destroy(cpc_gsb_chan);	/* RESET to the host */
		cpc_gsb_chan = NULL;
	}
	cpc_db_irq_free(&cpc_gsb_db, NULL);	/* waits for the handler */
	cpc_db_domain_remove(&cpc_gsb_domain);
	if (cpc_gsb_shm)
		memunmap(cpc_gsb_shm);
	cpc_gsb_shm = NULL;
	kobject_put(cpc_gsb_kobj);
	cpc_gsb_kobj = NULL;
}

/**
 * cpc_gsb_start() - serve the slice bus the info page at slice_info names
 * (after the maintenance thread started).
 * @root: /sys/kernel/cpc_guest.
 *
 * Return: 0; -EINVAL (no valid info page or bus window), -ENOMEM, or the
 * error of allocating the doorbell interrupt, creating the channel or the
 * sysfs files; nothing is left behind on failure.
 */
int cpc_gsb_start(struct kobject *root)
{
	char name[sizeof(cpc_gsb_chan->name)];
	struct cpc_gchan *ch;
	struct kobject *kobj;
	int ret;

	ret = cpc_gsb_read_info(name, sizeof(name));
	if (ret)
		return ret;
	kobj = kzalloc(sizeof(*kobj), GFP_KERNEL);
	if (!kobj)
		return -ENOMEM;
	ret = kobject_init_and_add(kobj, &cpc_gsb_ktype, root, "slice_bus");
	cpc_gsb_kobj = kobj;
	if (ret)
		goto err;
	ret = -ENOMEM;
	cpc_gsb_shm = memremap(cpc_gsb_phys, cpc_gsb_len, MEMREMAP_WB);
	if (!cpc_gsb_shm)
		goto err;
	cpc_gsb_con_start();
	ret = cpc_db_domain_create(&cpc_gsb_domain, "cpc-guest-doorbell");
	if (ret)
		goto err;
	/* Only the maintenance CPU takes CPC interrupts. */
	ret = cpc_db_irq_request(&cpc_gsb_domain, cpc_vcpu_cpu(), cpc_gsb_irq, "cpc-slice-bus",
				 NULL, &cpc_gsb_db);
	if (ret)
		goto err;
	ch = cpc_gchan_create(name, cpc_gsb_shm, cpc_gsb_len - CPC_SLICE_CONSOLE_SIZE,
			      cpc_gsb_db.apic_id,
			      cpc_gsb_db.vector, cpc_gsb_ring, NULL);
	if (IS_ERR(ch)) {
		ret = PTR_ERR(ch);
		goto err;
	}
	cpc_gsb_chan = ch;
	pr_info("%s: bus window 0x%llx (%llu KiB), doorbell APIC id %u vector 0x%x, maintenance CPU %d\n",
		name, cpc_gsb_phys, cpc_gsb_len >> 10, cpc_gsb_db.apic_id, cpc_gsb_db.vector,
		cpc_vcpu_cpu());
	return 0;

err:
	cpc_gsb_teardown();
	return ret;
}

/**
 * cpc_gsb_stop() - leave the channel (RESET to the host), free the
 * doorbell interrupt, unmap the window.
 *
 * Context: after cpc_vcpu_stop(), before cpc_vcpu_release().
 */
void cpc_gsb_stop(void)
{
	cpc_gsb_teardown();
}
