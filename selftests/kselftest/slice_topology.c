// SPDX-License-Identifier: GPL-2.0
/*
 * slice_topology - the rules a slice's CPUs and memory follow on a host
 * with SMT cores, two NUMA nodes and memory a driver manages: whole cores
 * (EINVAL when a list splits a core or touches the boot CPU's core), one
 * node (EXDEV unless CPC_SLICE_CREATE_MULTI_NODE), offline threads of a
 * sliced core kept offline, a CPU of unknown topology kept offline while a
 * slice lives, virtio-mem memory never taken (EACCES), and the cpcctl
 * messages for each. Runs in scenario slices-smp:
 *
 *   testbed/run --host-smp 6,sockets=3,cores=1,threads=2 --host-numa 0-3:4-5
 *               --host-qemu "<a virtio-mem-pci device plugging 128 MiB>"
 *
 * CPUs 0-5 are cores {0,1} {2,3} {4,5}; node 0 has CPUs 0-3, node 1 CPUs
 * 4-5 and the DIMM (blocks 32-33); virtio-mem memory follows the DIMM.
 */
#include "slice_test.h"
#include "kselftest_harness.h"

#define CPU_ONLINE "/sys/devices/system/cpu/cpu%u/online"

static int set_online(unsigned int cpu, int on)
{
	char path[128];

	snprintf(path, sizeof(path), CPU_ONLINE, cpu);
	return cpc_write_file(path, on ? "1" : "0");
}

/* The first memory block of "System RAM (virtio_mem)" in /proc/iomem, or -1. */
static long virtio_mem_block(void)
{
	unsigned long long start, bs;
	char line[256], buf[32];
	long block = -1;
	FILE *f;

	if (sysfs_str("/sys/kernel/cpc_host/available/block_size", buf, sizeof(buf)) < 0)
		return -1;
	bs = strtoull(buf, NULL, 0);
	f = fopen("/proc/iomem", "r");
	if (!f || !bs)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, ": System RAM (virtio_mem)") &&
		    sscanf(line, " %llx-", &start) == 1) {
			block = (long)(start / bs);
			break;
		}
	fclose(f);
	return block;
}

FIXTURE(topo) {
	int fd;
};

FIXTURE_SETUP(topo)
{
	char buf[64];

	if (sysfs_str("/sys/devices/system/cpu/cpu2/topology/thread_siblings_list",
		      buf, sizeof(buf)) < 0 || strcmp(buf, "2-3") ||
	    !cpc_path_exists("/sys/devices/system/cpu/cpu4/node1"))
		SKIP(return, "needs the slices-smp topology (SMT pairs, two nodes)");
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	slice_cleanup_all(self->fd);
}

FIXTURE_TEARDOWN(topo)
{
	if (self->fd == 0)	/* skipped */
		return;
	if (self->fd < 0) {	/* a module reload failed half way */
		cpc_module_load("cpc_host", cpc_boot_modargs());
		self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	}
	slice_cleanup_all(self->fd);
	for (unsigned int c = 1; c < 6; c++) {
		if (cpu_online(c) == 0)
			set_online(c, 1);
		EXPECT_EQ(1, cpu_online(c));
	}
	EXPECT_FALSE(cpc_path_exists(SLICE_SYSFS "/t"));
	close(self->fd);
}

TEST_F(topo, available)
{
	char buf[64];

	ASSERT_LT(0, sysfs_str("/sys/kernel/cpc_host/available/cpus", buf, sizeof(buf)));
	EXPECT_STREQ("2-5", buf);	/* not CPU 1: the boot CPU's thread */
	ASSERT_LT(0, sysfs_str("/sys/kernel/cpc_host/available/memory_blocks", buf, sizeof(buf)));
	EXPECT_STREQ("32-33", buf);	/* not virtio-mem's */
}

TEST_F(topo, split_core_refused)
{
	const unsigned int masks[] = { 0x4, 0x8, 0x34, 0x1c };

	for (unsigned int i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		EXPECT_EQ(EINVAL, slice_create(self->fd, "t", masks[i], 128 * MiB)) {
			TH_LOG("CPU mask 0x%x", masks[i]);
		}
		for (unsigned int c = 1; c < 6; c++)
			EXPECT_EQ(1, cpu_online(c));
	}
}

TEST_F(topo, boot_core_refused)
{
	EXPECT_EQ(EINVAL, slice_create(self->fd, "t", 0x2, 128 * MiB));	/* CPU 1 */
	EXPECT_EQ(EINVAL, slice_create(self->fd, "t", 0xe, 128 * MiB));	/* 1-3 */
	EXPECT_EQ(1, cpu_online(1));
	EXPECT_EQ(1, cpu_online(2));
}

TEST_F(topo, whole_cores_one_node)
{
	char buf[64];

	ASSERT_EQ(0, slice_create(self->fd, "t", 0xc, 128 * MiB));
	EXPECT_EQ(0, cpu_online(2));
	EXPECT_EQ(0, cpu_online(3));
	ASSERT_LT(0, sysfs_str("/sys/kernel/cpc_host/available/cpus", buf, sizeof(buf)));
	EXPECT_STREQ("4-5", buf);
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x30, 128 * MiB));
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	ASSERT_EQ(0, slice_destroy(self->fd, "t"));
	EXPECT_EQ(1, cpu_online(2));
	EXPECT_EQ(1, cpu_online(3));
}

TEST_F(topo, multi_node)
{
	struct cpc_slice_create r;

	slice_req(&r, "t", 0x3c, 128 * MiB);	/* 2-3 on node 0, 4-5 on node 1 */
	EXPECT_EQ(-1, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	EXPECT_EQ(EXDEV, errno);
	for (unsigned int c = 2; c < 6; c++)
		EXPECT_EQ(1, cpu_online(c));
	r.flags = CPC_SLICE_CREATE_MULTI_NODE;
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	for (unsigned int c = 2; c < 6; c++)
		EXPECT_EQ(0, cpu_online(c));
	ASSERT_EQ(0, slice_destroy(self->fd, "t"));
}

/* An offline thread of a sliced core stays offline until destroy. */
TEST_F(topo, offline_sibling_held)
{
	ASSERT_EQ(0, set_online(3, 0));
	EXPECT_EQ(EBUSY, slice_create(self->fd, "t", 0xc, 128 * MiB));	/* 3 is offline */
	ASSERT_EQ(0, slice_create(self->fd, "t", 0x4, 128 * MiB));
	EXPECT_EQ(-EBUSY, set_online(3, 1));
	EXPECT_EQ(0, cpu_online(3));
	/* Other CPUs come and go as before. */
	EXPECT_EQ(0, set_online(5, 0));
	EXPECT_EQ(0, set_online(5, 1));
	ASSERT_EQ(0, slice_destroy(self->fd, "t"));
	EXPECT_EQ(1, cpu_online(2));
	EXPECT_EQ(0, cpu_online(3));	/* given back as it was: offline */
	EXPECT_EQ(0, set_online(3, 1));
}

/*
 * A create failing after it took CPU 2 gives it back although its sibling
 * CPU 3 is still reserved by the same create (steps: CPU2, CPU3, ...).
 */
TEST_F(topo, create_fails_midway_gives_core_back)
{
	for (int step = 1; step <= 4; step++) {
		char n[8];

		snprintf(n, sizeof(n), "%d", step);
		ASSERT_EQ(0, cpc_write_file("/sys/kernel/debug/cpc_host/fail_step", n));
		EXPECT_EQ(EIO, slice_create(self->fd, "t", 0xc, 128 * MiB)) {
			TH_LOG("failure injected at step %d", step);
		}
		EXPECT_EQ(1, cpu_online(2));
		EXPECT_EQ(1, cpu_online(3));
		EXPECT_TRUE(wait_block_online(BLOCK_B));
	}
	/* Nothing stays reserved: the core slices again. */
	EXPECT_EQ(0, slice_create(self->fd, "t", 0xc, 128 * MiB));
	EXPECT_EQ(0, slice_destroy(self->fd, "t"));
}

/*
 * A CPU that has not been online since cpc_host was loaded has an unknown
 * core: it may not come up while a slice lives.
 */
TEST_F(topo, unknown_cpu_held)
{
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));
	ASSERT_EQ(0, set_online(5, 0));
	ASSERT_EQ(0, cpc_module_load("cpc_host", cpc_boot_modargs()));
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, slice_create(self->fd, "t", 0x10, 128 * MiB));
	EXPECT_EQ(-EBUSY, set_online(5, 1));
	ASSERT_EQ(0, slice_destroy(self->fd, "t"));
	EXPECT_EQ(0, set_online(5, 1));
	/* Now known: the same list is a split core. */
	EXPECT_EQ(EINVAL, slice_create(self->fd, "t", 0x10, 128 * MiB));
}

/* Memory a driver manages is never taken. */
TEST_F(topo, driver_managed_memory_refused)
{
	long vb = virtio_mem_block();
	struct cpc_slice_create r;
	__u32 b;

	ASSERT_LT(0, vb) {
		TH_LOG("no System RAM (virtio_mem) in /proc/iomem");
	}
	b = vb;
	slice_req_blocks(&r, "t", 0xc, 1, &b);
	EXPECT_EQ(-1, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(1, cpu_online(2));
	/* 384 MiB would need it: only the DIMM's two blocks count. */
	EXPECT_EQ(ENOSPC, slice_create(self->fd, "t", 0xc, 384 * MiB));
	EXPECT_EQ(0, slice_create(self->fd, "t", 0xc, 256 * MiB));
	EXPECT_EQ(0, slice_destroy(self->fd, "t"));
}

/* cpcctl says why, then the errno. */
TEST_F(topo, cpcctl_messages)
{
	char out[1024], want[256];
	long vb = virtio_mem_block();
	struct {
		const char *args, *msg;
	} cases[] = {
		{ "--cpus 2 --mem 128M",
		  "CPU 2 shares a core with CPU 3 (a slice takes whole cores): Invalid argument" },
		{ "--cpus 1 --mem 128M", "CPU 1 shares a core with the boot CPU: Invalid argument" },
		{ "--cpus 2-5 --mem 128M",
		  "CPUs 2-5 span NUMA nodes 0-1 (multi-node allows it): Invalid cross-device link" },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl slice create t %s", cases[i].args));
		snprintf(want, sizeof(want), "cpcctl: create slice t: %s\n", cases[i].msg);
		EXPECT_STREQ(want, out);
	}
	ASSERT_LT(0, vb);
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl slice create t --cpus 2-3 --blocks %ld", vb));
	snprintf(want, sizeof(want), "cpcctl: create slice t: blocks %ld must be plain System RAM, "
		 "not memory a driver manages: Permission denied\n", vb);
	EXPECT_STREQ(want, out);
	EXPECT_EQ(0, cpc_run(out, sizeof(out),
			     "cpcctl slice create t --cpus 2-5 --mem 128M --multi-node --json"));
	EXPECT_NE(NULL, strstr(out, "\"cpus\": \"2-5\""));
	EXPECT_EQ(0, slice_destroy(self->fd, "t"));
}

TEST_HARNESS_MAIN
