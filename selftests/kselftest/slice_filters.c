// SPDX-License-Identifier: GPL-2.0
/*
 * slice_filters - the filter set of a slice before and after lock: memory
 * windows, the slice-bus window, cache ways, the IPI mask and its mediation
 * (debugfs send hook and counters), PCI devices; lock freezes all of it.
 * Runs in the test-bed host VM.
 */
#include "slice_test.h"
#include "kselftest_harness.h"

#define SLICE_BASE 0x100000000ULL	/* block 32 */
#define SEND "/sys/kernel/debug/cpc_host/slices/s1/send"
#define PCI_DEV "0000:00:1f.3"
#define PCI_BDF ((0x00 << 8) | (0x1f << 3) | 3)

FIXTURE(filt) {
	int fd;
};

FIXTURE_SETUP(filt)
{
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	slice_cleanup_all(self->fd);
	struct cpc_slice_create r;
	__u32 b = BLOCK_A;

	/* s1: CPUs 2-3 + block 32. */
	slice_req_blocks(&r, "s1", 0xc, 1, &b);
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
}

FIXTURE_TEARDOWN(filt)
{
	slice_cleanup_all(self->fd);
	close(self->fd);
}

static int ipi(int fd, const char *name, unsigned int cpu_mask, __u32 flags)
{
	struct cpc_slice_filter f;

	slice_filter_init(&f, name, CPC_FILTER_IPI);
	f.flags = flags;
	for (unsigned int c = 0; c < 32; c++)
		if (cpu_mask & (1U << c))
			slice_set_cpu(f.cpus, c);
	return slice_filter(fd, &f);
}

static int device(int fd, const char *name, __u32 bdf)
{
	struct cpc_slice_filter f;

	slice_filter_init(&f, name, CPC_FILTER_DEVICE);
	f.bdf = bdf;
	return slice_filter(fd, &f);
}

static int cache(int fd, const char *name, __u64 mask)
{
	struct cpc_slice_filter f;

	slice_filter_init(&f, name, CPC_FILTER_CACHE_WAYS);
	f.addr = mask;
	return slice_filter(fd, &f);
}

TEST_F(filt, defaults)
{
	char buf[64];

	ASSERT_LT(0, slice_attr("s1", "filters/ipi_cpus", buf, sizeof(buf)));
	EXPECT_STREQ("2-3", buf);
	ASSERT_LT(0, slice_attr("s1", "filters/ipi_manager", buf, sizeof(buf)));
	EXPECT_STREQ("1", buf);
	ASSERT_LT(0, slice_attr("s1", "filters/cache_ways", buf, sizeof(buf)));
	EXPECT_STREQ("0xffffffffffffffff", buf);
	ASSERT_LT(0, slice_attr("s1", "filters/cache_ways_enforced", buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
	ASSERT_LE(0, slice_attr("s1", "filters/mem_windows", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	ASSERT_LE(0, slice_attr("s1", "filters/devices", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	ASSERT_LT(0, slice_attr("s1", "filters/ipi_sent", buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
}

TEST_F(filt, mem_windows)
{
	char buf[256];

	EXPECT_EQ(0, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW, SLICE_BASE, 1 * MiB));
	EXPECT_EQ(0, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW,
				  SLICE_BASE + 127 * MiB, 1 * MiB));
	EXPECT_EQ(EEXIST, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW, SLICE_BASE, 1 * MiB));
	/* Outside the slice: below, past the end, straddling the end. */
	EXPECT_EQ(EINVAL, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW, 0x1000000, MiB));
	EXPECT_EQ(EINVAL, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW,
				       SLICE_BASE + 128 * MiB, MiB));
	EXPECT_EQ(EINVAL, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW,
				       SLICE_BASE + 127 * MiB, 2 * MiB));
	/* Empty, unaligned, wrapping. */
	EXPECT_EQ(EINVAL, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW, SLICE_BASE, 0));
	EXPECT_EQ(EINVAL, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW, SLICE_BASE + 1, 4096));
	EXPECT_EQ(EINVAL, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW, SLICE_BASE, 100));
	EXPECT_EQ(EINVAL, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW,
				       0xfffffffffffff000ULL, 0x2000));
	ASSERT_LT(0, slice_attr("s1", "filters/mem_windows", buf, sizeof(buf)));
	EXPECT_STREQ("0x100000000:0x100000\n0x107f00000:0x100000", buf);
	/* The set is bounded. */
	for (int i = 2; i < CPC_SLICE_MAX_WINDOWS; i++)
		ASSERT_EQ(0, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW,
					  SLICE_BASE + (i + 1) * MiB, 4096));
	EXPECT_EQ(ENOSPC, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW,
				       SLICE_BASE + 100 * MiB, 4096));
}

TEST_F(filt, bus_window)
{
	char buf[64];

	EXPECT_EQ(EINVAL, slice_window(self->fd, "s1", CPC_FILTER_BUS_WINDOW, SLICE_BASE, MiB));
	EXPECT_EQ(0, slice_window(self->fd, "s1", CPC_FILTER_BUS_WINDOW, 0xfe000000, 16 * MiB));
	ASSERT_LT(0, slice_attr("s1", "filters/bus_window", buf, sizeof(buf)));
	EXPECT_STREQ("0xfe000000:0x1000000", buf);
}

TEST_F(filt, cache_ways)
{
	char buf[64];

	EXPECT_EQ(0, cache(self->fd, "s1", 0xf0));
	EXPECT_EQ(EINVAL, cache(self->fd, "s1", 0));
	EXPECT_EQ(EINVAL, cache(self->fd, "s1", 0x5));
	ASSERT_LT(0, slice_attr("s1", "filters/cache_ways", buf, sizeof(buf)));
	EXPECT_STREQ("0xf0", buf);
}

static int send_to(const char *target)
{
	return cpc_write_file(SEND, target);
}

TEST_F(filt, ipi_mask_mediates_sends)
{
	char buf[64];

	/* Default: own CPUs and the manager. */
	EXPECT_EQ(0, send_to("2"));
	EXPECT_EQ(0, send_to("3"));
	EXPECT_EQ(0, send_to("manager"));
	EXPECT_EQ(-EPERM, send_to("1"));
	EXPECT_EQ(-EPERM, send_to("0"));

	EXPECT_EQ(EINVAL, ipi(self->fd, "s1", 0x2, 0));	/* CPU1 is not the slice's */
	EXPECT_EQ(0, ipi(self->fd, "s1", 0x4, 0));
	ASSERT_LT(0, slice_attr("s1", "filters/ipi_cpus", buf, sizeof(buf)));
	EXPECT_STREQ("2", buf);
	ASSERT_LT(0, slice_attr("s1", "filters/ipi_manager", buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
	EXPECT_EQ(0, send_to("2"));
	EXPECT_EQ(-EPERM, send_to("3"));
	EXPECT_EQ(-EPERM, send_to("manager"));
	EXPECT_EQ(-EPERM, send_to("9999"));
	EXPECT_EQ(-EINVAL, send_to("bogus"));
	ASSERT_LT(0, slice_attr("s1", "filters/ipi_sent", buf, sizeof(buf)));
	EXPECT_STREQ("4", buf);
	ASSERT_LT(0, slice_attr("s1", "filters/ipi_refused", buf, sizeof(buf)));
	EXPECT_STREQ("5", buf);

	EXPECT_EQ(0, ipi(self->fd, "s1", 0, CPC_FILTER_IPI_MANAGER));
	EXPECT_EQ(0, send_to("manager"));
	EXPECT_EQ(-EPERM, send_to("2"));
	EXPECT_EQ(EINVAL, ipi(self->fd, "s1", 0, 0x2));	/* unknown flag */
}

TEST_F(filt, devices)
{
	char buf[64];

	EXPECT_EQ(0, device(self->fd, "s1", PCI_BDF));
	EXPECT_EQ(EEXIST, device(self->fd, "s1", PCI_BDF));
	EXPECT_EQ(ENODEV, device(self->fd, "s1", (0x00 << 8) | (0x1e << 3)));
	ASSERT_LT(0, slice_attr("s1", "filters/devices", buf, sizeof(buf)));
	EXPECT_STREQ(PCI_DEV, buf);
	ASSERT_LT(0, sysfs_str("/sys/bus/pci/devices/" PCI_DEV "/driver_override", buf, sizeof(buf)));
	EXPECT_STREQ("cpc_host", buf);
	EXPECT_FALSE(cpc_path_exists("/sys/bus/pci/devices/" PCI_DEV "/driver"));

	/* Another slice cannot take it. */
	ASSERT_EQ(0, slice_create(self->fd, "s2", 0x2, 128 * MiB));
	EXPECT_EQ(EBUSY, device(self->fd, "s2", PCI_BDF));
	ASSERT_EQ(0, slice_destroy(self->fd, "s2"));

	/* Destroy gives it back. */
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	ASSERT_LT(0, sysfs_str("/sys/bus/pci/devices/" PCI_DEV "/driver_override", buf, sizeof(buf)));
	EXPECT_STREQ("(null)", buf);
}

TEST_F(filt, clear)
{
	char buf[64];

	ASSERT_EQ(0, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW, SLICE_BASE, MiB));
	ASSERT_EQ(0, ipi(self->fd, "s1", 0x4, 0));
	ASSERT_EQ(0, device(self->fd, "s1", PCI_BDF));
	ASSERT_EQ(0, slice_window(self->fd, "s1", CPC_FILTER_CLEAR, 0, 0));
	ASSERT_LE(0, slice_attr("s1", "filters/mem_windows", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	ASSERT_LE(0, slice_attr("s1", "filters/devices", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	ASSERT_LT(0, slice_attr("s1", "filters/ipi_cpus", buf, sizeof(buf)));
	EXPECT_STREQ("2-3", buf);
}

TEST_F(filt, lock_freezes_the_set)
{
	char buf[64];

	ASSERT_EQ(0, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW, SLICE_BASE, MiB));
	ASSERT_EQ(0, ipi(self->fd, "s1", 0x4, CPC_FILTER_IPI_MANAGER));
	ASSERT_EQ(0, slice_lock(self->fd, "s1"));
	ASSERT_LT(0, slice_attr("s1", "state", buf, sizeof(buf)));
	EXPECT_STREQ("locked", buf);
	ASSERT_LT(0, slice_attr("s1", "locked", buf, sizeof(buf)));
	EXPECT_STREQ("1", buf);

	EXPECT_EQ(EPERM, slice_window(self->fd, "s1", CPC_FILTER_MEM_WINDOW, SLICE_BASE + MiB, MiB));
	EXPECT_EQ(EPERM, slice_window(self->fd, "s1", CPC_FILTER_BUS_WINDOW, 0xfe000000, MiB));
	EXPECT_EQ(EPERM, cache(self->fd, "s1", 0x3));
	EXPECT_EQ(EPERM, ipi(self->fd, "s1", 0xc, CPC_FILTER_IPI_MANAGER));
	EXPECT_EQ(EPERM, device(self->fd, "s1", PCI_BDF));
	EXPECT_EQ(EPERM, slice_window(self->fd, "s1", CPC_FILTER_CLEAR, 0, 0));
	/* Locking again is fine and changes nothing. */
	EXPECT_EQ(0, slice_lock(self->fd, "s1"));
	ASSERT_LT(0, slice_attr("s1", "filters/mem_windows", buf, sizeof(buf)));
	EXPECT_STREQ("0x100000000:0x100000", buf);
	/* Mediation still works on a locked slice. */
	EXPECT_EQ(0, send_to("2"));
	EXPECT_EQ(-EPERM, send_to("3"));
	/* A locked slice is destroyed normally. */
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_FALSE(cpc_path_exists(SLICE_SYSFS "/s1"));
}

TEST_HARNESS_MAIN
