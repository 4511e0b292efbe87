// SPDX-License-Identifier: GPL-2.0
/*
 * slice_lifecycle - create/destroy round trips of cpc_host slices: CPUs go
 * offline and come back, MemTotal drops and comes back, memory blocks are
 * removed and re-added; explicit blocks; several slices; sysfs re-online
 * refused; unload refused with a live slice; memory comes back as plain,
 * firmware-visible System RAM; create hands out zeroed memory (no host data
 * from freed or migrated pages) and destroy zeroes it again; a create
 * interrupted by a signal rolls back. Runs in the test-bed host VM.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "slice_test.h"
#include "kselftest_harness.h"

#define DEBUGFS_SLICES "/sys/kernel/debug/cpc_host/slices"

FIXTURE(slice) {
	int fd;
};

FIXTURE_SETUP(slice)
{
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	slice_cleanup_all(self->fd);
}

FIXTURE_TEARDOWN(slice)
{
	slice_cleanup_all(self->fd);
	close(self->fd);
}

TEST_F(slice, create_destroy_round_trip)
{
	struct cpc_slice_create r;
	long long total0, total1, total2;
	char buf[256], st[32];

	total0 = meminfo_kb("MemTotal:");
	ASSERT_EQ(1, cpu_online(2));
	ASSERT_EQ(1, cpu_online(3));
	ASSERT_STREQ("online", block_state(BLOCK_A, st, sizeof(st)));
	ASSERT_LT(0, sysfs_str("/sys/kernel/cpc_host/available/cpus", buf, sizeof(buf)));
	EXPECT_STREQ("1-3", buf);
	ASSERT_LT(0, sysfs_str("/sys/kernel/cpc_host/available/memory_blocks", buf, sizeof(buf)));
	EXPECT_STREQ("32-33", buf);

	slice_req(&r, "s1", 0xc, 256 * MiB);
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	EXPECT_EQ(256 * MiB, r.mem_bytes);
	EXPECT_EQ(2, r.nr_blocks);
	EXPECT_EQ(BLOCK_A, r.blocks[0]);
	EXPECT_EQ(BLOCK_B, r.blocks[1]);

	EXPECT_EQ(0, cpu_online(2));
	EXPECT_EQ(0, cpu_online(3));
	total1 = meminfo_kb("MemTotal:");
	EXPECT_EQ(total0 - 256 * 1024, total1);
	EXPECT_STREQ("", block_state(BLOCK_A, st, sizeof(st)));
	EXPECT_STREQ("", block_state(BLOCK_B, st, sizeof(st)));

	ASSERT_LT(0, slice_attr("s1", "cpus", buf, sizeof(buf)));
	EXPECT_STREQ("2-3", buf);
	ASSERT_LT(0, slice_attr("s1", "state", buf, sizeof(buf)));
	EXPECT_STREQ("created", buf);
	ASSERT_LT(0, slice_attr("s1", "locked", buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
	ASSERT_LT(0, slice_attr("s1", "mem_bytes", buf, sizeof(buf)));
	EXPECT_STREQ("268435456", buf);
	ASSERT_LT(0, slice_attr("s1", "memory_blocks", buf, sizeof(buf)));
	EXPECT_STREQ("32-33", buf);
	ASSERT_LT(0, slice_attr("s1", "memory", buf, sizeof(buf)));
	EXPECT_STREQ("0x100000000-0x107ffffff\n0x108000000-0x10fffffff", buf);
	ASSERT_LT(0, sysfs_str("/sys/kernel/cpc_host/available/cpus", buf, sizeof(buf)));
	EXPECT_STREQ("1", buf);
	ASSERT_LE(0, sysfs_str("/sys/kernel/cpc_host/available/memory_blocks", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	EXPECT_TRUE(cpc_path_exists(DEBUGFS_SLICES "/s1/mem"));

	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_EQ(1, cpu_online(2));
	EXPECT_EQ(1, cpu_online(3));
	EXPECT_TRUE(wait_block_online(BLOCK_A));
	EXPECT_TRUE(wait_block_online(BLOCK_B));
	total2 = meminfo_kb("MemTotal:");
	EXPECT_EQ(total0, total2);
	EXPECT_FALSE(cpc_path_exists(SLICE_SYSFS "/s1"));
	EXPECT_FALSE(cpc_path_exists(DEBUGFS_SLICES "/s1"));
	ASSERT_LT(0, sysfs_str("/sys/kernel/cpc_host/available/memory_blocks", buf, sizeof(buf)));
	EXPECT_STREQ("32-33", buf);
	/* A destroyed slice leaves no trace: the same resources slice again. */
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0xc, 256 * MiB));
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_TRUE(wait_block_online(BLOCK_A));
	EXPECT_TRUE(wait_block_online(BLOCK_B));
	EXPECT_EQ(total0, meminfo_kb("MemTotal:"));
}

/* Counts lines of /proc/iomem that mention @what. */
static int iomem_count(const char *what)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, what);
	fclose(f);
	return n;
}

/* A /proc/iomem line that is exactly "START-END : NAME" (top level). */
static int iomem_has(unsigned long long start, unsigned long long end, const char *name)
{
	char line[256], want[256];
	int found = 0;
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%llx-%llx : %s\n", start, end, name);
	while (fgets(line, sizeof(line), f))
		found |= !strcmp(line, want);
	fclose(f);
	return found;
}

/* /sys/firmware/memmap (what kexec hands the next kernel) has [start, end] as System RAM. */
static int fw_memmap_has(unsigned long long start, unsigned long long end)
{
	char path[128], buf[64];
	int found = 0;

	for (int i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/start", i);
		if (sysfs_str(path, buf, sizeof(buf)) < 0 || strtoull(buf, NULL, 0) != start)
			continue;
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/end", i);
		if (sysfs_str(path, buf, sizeof(buf)) < 0 || strtoull(buf, NULL, 0) != end)
			continue;
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/type", i);
		found |= sysfs_str(path, buf, sizeof(buf)) > 0 && !strcmp(buf, "System RAM");
	}
	return found;
}

#define DIMM_START 0x100000000ULL

/* Round trips leak nothing: memory, resources, CPUs, sysfs, debugfs. */
TEST_F(slice, repeated_round_trips)
{
	long long total = meminfo_kb("MemTotal:");
	int ram;

	/* The DIMM is plain, firmware-visible System RAM (ACPI hot-plugged at boot). */
	ASSERT_EQ(0, iomem_count("System RAM (cpc_host"));

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x6, 256 * MiB));
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	ASSERT_TRUE(wait_block_online(BLOCK_A));
	ASSERT_TRUE(wait_block_online(BLOCK_B));
	ram = iomem_count("System RAM");
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(0, slice_create(self->fd, "s1", i % 2 ? 0x6 : 0x8, 256 * MiB));
		/* cpc re-adds memory block by block: one resource per block. */
		EXPECT_EQ(ram - 2, iomem_count("System RAM")) {
			TH_LOG("round %d: the DIMM's resource is still in /proc/iomem", i);
		}
		ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
		ASSERT_TRUE(wait_block_online(BLOCK_A));
		ASSERT_TRUE(wait_block_online(BLOCK_B));
		EXPECT_EQ(ram, iomem_count("System RAM"));
		/* Given back as it was taken: plain System RAM, not driver-managed. */
		EXPECT_EQ(0, iomem_count("System RAM ("));
		EXPECT_EQ(1, iomem_has(DIMM_START, DIMM_START + 128 * MiB - 1, "System RAM"));
		EXPECT_EQ(1, iomem_has(DIMM_START + 128 * MiB, DIMM_START + 256 * MiB - 1,
				       "System RAM"));
		EXPECT_EQ(1, fw_memmap_has(DIMM_START, DIMM_START + 128 * MiB - 1));
		EXPECT_EQ(1, fw_memmap_has(DIMM_START + 128 * MiB, DIMM_START + 256 * MiB - 1));
		EXPECT_EQ(total, meminfo_kb("MemTotal:"));
		for (unsigned int c = 1; c < 4; c++)
			EXPECT_EQ(1, cpu_online(c));
	}
}

TEST_F(slice, explicit_blocks)
{
	struct cpc_slice_create r;
	__u32 b = BLOCK_B;
	char buf[64], st[32];

	slice_req_blocks(&r, "s1", 0x2, 1, &b);
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	EXPECT_EQ(128 * MiB, r.mem_bytes);
	EXPECT_EQ(1, r.nr_blocks);
	EXPECT_EQ(BLOCK_B, r.blocks[0]);
	EXPECT_STREQ("online", block_state(BLOCK_A, st, sizeof(st)));
	EXPECT_STREQ("", block_state(BLOCK_B, st, sizeof(st)));
	ASSERT_LT(0, slice_attr("s1", "memory_blocks", buf, sizeof(buf)));
	EXPECT_STREQ("33", buf);
	ASSERT_LT(0, sysfs_str("/sys/kernel/cpc_host/available/memory_blocks", buf, sizeof(buf)));
	EXPECT_STREQ("32", buf);
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_TRUE(wait_block_online(BLOCK_B));
}

TEST_F(slice, several_slices)
{
	__u32 a = BLOCK_A, b = BLOCK_B;
	struct cpc_slice_create r;
	char buf[64];

	slice_req_blocks(&r, "s1", 0x2, 1, &a);
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	slice_req_blocks(&r, "s2", 0x4, 1, &b);
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	/* A third slice with just a CPU and... no memory left. */
	EXPECT_EQ(ENOSPC, slice_create(self->fd, "s3", 0x8, 128 * MiB));
	EXPECT_EQ(1, cpu_online(3));

	ASSERT_LT(0, slice_attr("s1", "cpus", buf, sizeof(buf)));
	EXPECT_STREQ("1", buf);
	ASSERT_LT(0, slice_attr("s2", "cpus", buf, sizeof(buf)));
	EXPECT_STREQ("2", buf);
	ASSERT_LT(0, slice_attr("s2", "memory_blocks", buf, sizeof(buf)));
	EXPECT_STREQ("33", buf);
	ASSERT_LT(0, sysfs_str("/sys/kernel/cpc_host/available/cpus", buf, sizeof(buf)));
	EXPECT_STREQ("3", buf);

	/* Destroy in creation order; the other stays intact. */
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_EQ(1, cpu_online(1));
	EXPECT_EQ(0, cpu_online(2));
	EXPECT_TRUE(cpc_path_exists(SLICE_SYSFS "/s2/state"));
	ASSERT_EQ(0, slice_destroy(self->fd, "s2"));
	EXPECT_EQ(1, cpu_online(2));
	EXPECT_TRUE(wait_block_online(BLOCK_A));
	EXPECT_TRUE(wait_block_online(BLOCK_B));
}

TEST_F(slice, sysfs_reonline_refused)
{
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	ASSERT_EQ(0, cpu_online(3));
	EXPECT_EQ(-EBUSY, cpc_write_file("/sys/devices/system/cpu/cpu3/online", "1"));
	EXPECT_EQ(0, cpu_online(3));
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_EQ(1, cpu_online(3));
	/* An ordinary CPU still goes off and on through sysfs. */
	EXPECT_EQ(0, cpc_write_file("/sys/devices/system/cpu/cpu3/online", "0"));
	EXPECT_EQ(0, cpc_write_file("/sys/devices/system/cpu/cpu3/online", "1"));
	EXPECT_EQ(1, cpu_online(3));
}

TEST_F(slice, unload_refused_with_live_slice)
{
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x2, 128 * MiB));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(-EWOULDBLOCK, cpc_module_unload("cpc_host"));
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	/* With no slice left (and the fd closed) unload and reload work. */
	close(self->fd);
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));
	EXPECT_EQ(1, cpu_online(1));
	ASSERT_EQ(0, cpc_module_load("cpc_host", cpc_boot_modargs()));
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

/* The marker written into slice memory; it must not survive destroy. */
static const char marker[] = "cpc-scrub-marker-0123456789abcdef";

static int mem_pwrite(const char *name, const void *buf, size_t len, off_t off)
{
	char path[256];
	int fd, n;

	snprintf(path, sizeof(path), DEBUGFS_SLICES "/%s/mem", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pwrite(fd, buf, len, off);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/*
 * Reads the first @len bytes of slice @name's memory through debugfs: the
 * non-zero bytes, and the 1 MiB chunks that hold @tag. Returns 0 or -errno.
 */
static int mem_scan(const char *name, size_t len, const char *tag, long long *nonzero,
		    long long *tagged)
{
	static const char zero[64];
	char path[256], *chunk = malloc(MiB);
	int fd, ret = 0;

	*nonzero = *tagged = 0;
	snprintf(path, sizeof(path), DEBUGFS_SLICES "/%s/mem", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !chunk) {
		ret = -errno;
		goto out;
	}
	for (off_t off = 0; off < (off_t)len; off += MiB) {
		if (pread(fd, chunk, MiB, off) != MiB) {
			ret = -EIO;
			break;
		}
		*tagged += !!memmem(chunk, MiB, tag, strlen(tag));
		for (size_t i = 0; i < MiB; i += sizeof(zero))
			if (memcmp(chunk + i, zero, sizeof(zero)))
				for (size_t j = i; j < i + sizeof(zero); j++)
					*nonzero += !!chunk[j];
	}
out:
	if (fd >= 0)
		close(fd);
	free(chunk);
	return ret;
}

static int create_verbose(int fd, struct cpc_slice_create *r)
{
	return ioctl(fd, CPC_IOCTL_SLICE_CREATE, r);
}

TEST_F(slice, scrub_zeroes_memory)
{
	__u32 b = BLOCK_A;
	struct cpc_slice_create r;
	const off_t offs[] = { 0, 4096, 12345, 64 * MiB + 7, 128 * MiB - sizeof(marker) };
	char path[256], buf[64];
	long long nonzero, found;
	int fd;

	slice_req_blocks(&r, "scrub", 0x2, 1, &b);
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	for (unsigned int i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		ASSERT_EQ(sizeof(marker), mem_pwrite("scrub", marker, sizeof(marker), offs[i]));
		snprintf(path, sizeof(path), DEBUGFS_SLICES "/scrub/mem");
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(sizeof(marker), pread(fd, buf, sizeof(marker), offs[i]));
		close(fd);
		ASSERT_STREQ(marker, buf);
	}
	/* Past the end: EOF on read, EINVAL on write. */
	EXPECT_EQ(-EINVAL, mem_pwrite("scrub", marker, 1, 128 * MiB));
	ASSERT_EQ(0, slice_destroy(self->fd, "scrub"));
	ASSERT_TRUE(wait_block_online(BLOCK_A));

	/* Take the same block again and look at every byte of it. */
	slice_req_blocks(&r, "scrub", 0x2, 1, &b);
	ASSERT_EQ(0, create_verbose(self->fd, &r)) {
		TH_LOG("re-slicing block %u: %s", b, strerror(errno));
	}
	ASSERT_EQ(0, mem_scan("scrub", 128 * MiB, marker, &nonzero, &found));
	fd = open(DEBUGFS_SLICES "/scrub/mem", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (unsigned int i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		memset(buf, 0x55, sizeof(buf));
		ASSERT_EQ(sizeof(marker), pread(fd, buf, sizeof(marker), offs[i]));
		EXPECT_NE(0, memcmp(buf, marker, sizeof(marker)));
	}
	close(fd);
	TH_LOG("%lld non-zero bytes after destroy + re-slice", nonzero);
	EXPECT_EQ(0, found);
	/* Whatever the host did with the block in between, create zeroed it. */
	EXPECT_EQ(0, nonzero);
	/* The last scrub is the re-slicing create's: one block. */
	ASSERT_LT(0, sysfs_str("/sys/kernel/cpc_host/last_scrub", buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "134217728 ", 10));
	ASSERT_EQ(0, slice_destroy(self->fd, "scrub"));
	EXPECT_TRUE(wait_block_online(BLOCK_A));
}

/* Physical address of the page at @addr (pagemap, needs CAP_SYS_ADMIN), 0 if none. */
static unsigned long long phys_of(int pagemap, const void *addr)
{
	unsigned long long e;
	long psz = sysconf(_SC_PAGESIZE);

	if (pread(pagemap, &e, sizeof(e), (uintptr_t)addr / psz * sizeof(e)) != sizeof(e) ||
	    !(e & (1ULL << 63)))
		return 0;
	return (e & ((1ULL << 55) - 1)) * psz;
}

static const char host_tag[] = "cpc-host-data:";

/*
 * Host data on the DIMM never reaches a slice: a host process fills pages
 * that land on the DIMM (movable allocations prefer ZONE_MOVABLE) with a
 * pattern, frees half of them (old free pages) and keeps the other half
 * (create migrates them away, leaving stale copies behind); the new slice's
 * memory is all zero and the live pages kept their contents.
 */
/* 224 MiB written, migrated and scanned: more than 30 s on the debug kernel. */
TEST_F_TIMEOUT(slice, create_scrubs_host_data, 180)
{
	const size_t len = 224 * MiB, psz = sysconf(_SC_PAGESIZE);
	long long on_dimm = 0, nonzero, tagged, kept_bad = 0;
	__u32 blocks[2] = { BLOCK_A, BLOCK_B };
	struct cpc_slice_create r;
	char *p;
	int pm;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t off = 0; off < len; off += psz)
		for (size_t i = 0; i + 32 <= psz; i += 32)
			snprintf(p + off + i, 32, "%s%016zx", host_tag, off);
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, pm);
	for (size_t off = 0; off < len; off += psz) {
		unsigned long long pa = phys_of(pm, p + off);

		on_dimm += pa >= DIMM_START && pa < DIMM_START + 256 * MiB;
	}
	close(pm);
	TH_LOG("%lld of %zu host pages landed on the DIMM", on_dimm, len / psz);
	/* Otherwise the test would prove nothing. */
	ASSERT_LT(4096, on_dimm);
	ASSERT_EQ(0, munmap(p, len / 2));	/* freed: old free pages */

	slice_req_blocks(&r, "scrub", 0x2, 2, blocks);
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	ASSERT_EQ(0, mem_scan("scrub", 256 * MiB, host_tag, &nonzero, &tagged));
	TH_LOG("slice memory: %lld non-zero bytes, %lld MiB with host data", nonzero, tagged);
	EXPECT_EQ(0, tagged);
	EXPECT_EQ(0, nonzero);
	/* The pages the host kept were migrated, not lost. */
	for (size_t off = len / 2; off < len; off += psz) {
		char want[32];

		snprintf(want, sizeof(want), "%s%016zx", host_tag, off);
		kept_bad += !!strcmp(p + off + psz - 32, want);
	}
	EXPECT_EQ(0, kept_bad);
	munmap(p + len / 2, len / 2);
	ASSERT_EQ(0, slice_destroy(self->fd, "scrub"));
	EXPECT_TRUE(wait_block_online(BLOCK_A));
	EXPECT_TRUE(wait_block_online(BLOCK_B));
}

#define AUTO_ONLINE "/sys/devices/system/memory/auto_online_blocks"

/*
 * A block the kernel does not online after destroy's add_memory() (here:
 * the host's auto-online policy off) is the host's again, counted in
 * blocks_returned_offline; onlining it by hand gives MemTotal back.
 */
TEST_F(slice, destroy_counts_blocks_given_back_offline)
{
	long long total = meminfo_kb("MemTotal:"), n0 = returned_offline();
	__u32 b = BLOCK_B;
	struct cpc_slice_create r;
	char policy[32], st[32], state[64];

	block_state_path(BLOCK_B, state, sizeof(state));
	ASSERT_LE(0, n0);
	ASSERT_LT(0, sysfs_str(AUTO_ONLINE, policy, sizeof(policy)));
	ASSERT_STRNE("offline", policy);
	slice_req_blocks(&r, "s1", 0x2, 1, &b);
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	ASSERT_EQ(0, cpc_write_file(AUTO_ONLINE, "offline"));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_EQ(0, cpc_write_file(AUTO_ONLINE, policy));
	EXPECT_STREQ("offline", block_state(BLOCK_B, st, sizeof(st)));
	EXPECT_EQ(n0 + 1, returned_offline());
	EXPECT_EQ(total - (long long)(128 * MiB / 1024), meminfo_kb("MemTotal:"));
	EXPECT_EQ(0, cpc_write_file(state, "online_movable"));
	EXPECT_TRUE(wait_block_online(BLOCK_B));
	EXPECT_EQ(total, meminfo_kb("MemTotal:"));
	/* With the policy back, a destroy counts nothing. */
	slice_req_blocks(&r, "s1", 0x2, 1, &b);
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, &r));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_TRUE(wait_block_online(BLOCK_B));
	EXPECT_EQ(n0 + 1, returned_offline());
	EXPECT_EQ(total, meminfo_kb("MemTotal:"));
}

#define FAIL_STEP "/sys/kernel/debug/cpc_host/fail_step"

static void expect_host_whole(struct __test_metadata *_metadata, long long total)
{
	char st[32];

	for (unsigned int c = 1; c < 4; c++)
		EXPECT_EQ(1, cpu_online(c));
	EXPECT_TRUE(wait_block_online(BLOCK_A));
	EXPECT_TRUE(wait_block_online(BLOCK_B));
	EXPECT_STREQ("online", block_state(BLOCK_B, st, sizeof(st)));
	EXPECT_EQ(total, meminfo_kb("MemTotal:"));
}

/* A create failing at any side-effect step undoes exactly what it did. */
TEST_F(slice, create_fails_midway_rolls_back)
{
	long long total = meminfo_kb("MemTotal:");
	char n[8];

	/* Steps: CPU2, CPU3, remove block 32, 33, scrub block 32, 33. */
	for (int step = 1; step <= 6; step++) {
		snprintf(n, sizeof(n), "%d", step);
		ASSERT_EQ(0, cpc_write_file(FAIL_STEP, n));
		EXPECT_EQ(EIO, slice_create(self->fd, "t", 0xc, 256 * MiB)) {
			TH_LOG("failure injected at step %d", step);
		}
		EXPECT_FALSE(cpc_path_exists(SLICE_SYSFS "/t"));
		expect_host_whole(_metadata, total);
	}
	/* Unload works after failed creates: nothing is held. */
	close(self->fd);
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));
	ASSERT_EQ(0, cpc_module_load("cpc_host", cpc_boot_modargs()));
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	expect_host_whole(_metadata, total);
}

/* A destroy failing part way leaves state "destroying"; a retry resumes. */
TEST_F(slice, destroy_fails_midway_resumes)
{
	long long total = meminfo_kb("MemTotal:");
	struct cpc_slice_filter f;
	char buf[32];

	/* Steps: re-add block 32, re-add block 33, CPU2, CPU3. */
	for (int step = 1; step <= 4; step += 2) {
		snprintf(buf, sizeof(buf), "%d", step);
		ASSERT_EQ(0, slice_create(self->fd, "t", 0xc, 256 * MiB));
		ASSERT_EQ(0, cpc_write_file(FAIL_STEP, buf));
		EXPECT_EQ(EIO, slice_destroy(self->fd, "t"));
		ASSERT_LT(0, slice_attr("t", "state", buf, sizeof(buf)));
		EXPECT_STREQ("destroying", buf);
		/* Illegal transitions out of destroying. */
		EXPECT_EQ(EBUSY, slice_lock(self->fd, "t"));
		slice_filter_init(&f, "t", CPC_FILTER_CACHE_WAYS);
		f.addr = 3;
		EXPECT_EQ(EBUSY, slice_filter(self->fd, &f));
		/* Debugfs hooks are gone: nothing reaches memory being scrubbed. */
		EXPECT_FALSE(cpc_path_exists(DEBUGFS_SLICES "/t/mem"));
		/* Still refused: sliced CPUs stay offline until destroy finishes. */
		if (step == 3)
			EXPECT_EQ(-EBUSY, cpc_write_file("/sys/devices/system/cpu/cpu2/online", "1"));
		EXPECT_EQ(0, slice_destroy(self->fd, "t"));
		EXPECT_FALSE(cpc_path_exists(SLICE_SYSFS "/t"));
		expect_host_whole(_metadata, total);
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal during create rolls everything back and returns EINTR. */
TEST_F(slice, create_interrupted_rolls_back)
{
	const int delays_ms[] = { 1, 30, 100, 250, 600 };
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	long long total0 = meminfo_kb("MemTotal:");
	int interrupted = 0;
	char st[32];

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	for (unsigned int i = 0; i < sizeof(delays_ms) / sizeof(delays_ms[0]); i++) {
		struct itimerval it = { .it_value = { 0, delays_ms[i] * 1000 } };
		int err;

		ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
		err = slice_create(self->fd, "t", 0xe, 256 * MiB);
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
		TH_LOG("signal after %d ms: create -> %s", delays_ms[i], err ? strerror(err) : "ok");
		if (err == 0) {
			ASSERT_EQ(0, slice_destroy(self->fd, "t"));
		} else {
			ASSERT_EQ(EINTR, err);
			interrupted++;
			EXPECT_FALSE(cpc_path_exists(SLICE_SYSFS "/t"));
		}
		for (unsigned int c = 1; c < 4; c++)
			EXPECT_EQ(1, cpu_online(c));
		EXPECT_TRUE(wait_block_online(BLOCK_A));
		EXPECT_TRUE(wait_block_online(BLOCK_B));
		EXPECT_STREQ("online", block_state(BLOCK_B, st, sizeof(st)));
		EXPECT_EQ(total0, meminfo_kb("MemTotal:"));
	}
	signal(SIGALRM, SIG_DFL);
	EXPECT_LT(0, interrupted);
}

TEST_HARNESS_MAIN
