// SPDX-License-Identifier: GPL-2.0
/*
 * slice_errors - every errno in the slice ioctls' tables
 * (uapi/linux/cpc_host.h), provoked one by one, and a check after each
 * failed create that nothing changed. Runs in the test-bed host VM.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include "slice_test.h"
#include "slice_image.h"
#include "kselftest_harness.h"

FIXTURE(err) {
	int fd;
	struct cpc_slice_create r;
	long long total;
};

FIXTURE_SETUP(err)
{
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	slice_cleanup_all(self->fd);
	self->total = meminfo_kb("MemTotal:");
	/* A valid request each test spoils in one way. */
	slice_req(&self->r, "t", 0x2, 128 * MiB);
}

/* Nothing a failed call did may be visible afterwards. */
FIXTURE_TEARDOWN(err)
{
	char st[32];

	slice_cleanup_all(self->fd);
	EXPECT_FALSE(cpc_path_exists(SLICE_SYSFS "/t"));
	for (unsigned int c = 1; c < 4; c++)
		EXPECT_EQ(1, cpu_online(c));
	EXPECT_TRUE(wait_block_online(BLOCK_A));
	EXPECT_STREQ("online", block_state(BLOCK_B, st, sizeof(st)));
	EXPECT_EQ(self->total, meminfo_kb("MemTotal:"));
	close(self->fd);
}

static int create(int fd, struct cpc_slice_create *r)
{
	return ioctl(fd, CPC_IOCTL_SLICE_CREATE, r) ? errno : 0;
}

/* ---- CPC_IOCTL_SLICE_CREATE ---- */

TEST_F(err, create_bad_pointer)
{
	ASSERT_EQ(-1, ioctl(self->fd, CPC_IOCTL_SLICE_CREATE, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(err, create_size)
{
	self->r.size = sizeof(self->r) - 1;
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));
	self->r.size = 0;
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));
}

TEST_F(err, create_size_larger_with_garbage)
{
	struct {
		struct cpc_slice_create r;
		__u64 extra;
	} big;

	big.r = self->r;
	big.r.size = sizeof(big);
	big.extra = 1;
	EXPECT_EQ(E2BIG, create(self->fd, &big.r));
	/* Zero extra bytes are accepted (a newer caller, no new fields used). */
	big.extra = 0;
	EXPECT_EQ(0, create(self->fd, &big.r));
	EXPECT_EQ(0, slice_destroy(self->fd, "t"));
}

TEST_F(err, create_flags_and_reserved)
{
	self->r.flags = 0x80;
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));
	self->r.flags = 0x4;	/* the first bit not defined */
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));
	self->r.flags = 0;
	self->r.reserved = 1;
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));
	self->r.reserved = 0;
	self->r.reserved2[3] = 1;
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));
}

TEST_F(err, create_bad_names)
{
	static const char *const bad[] = { "", "-x", "a b", "a/b", "é", "x.y", "a\n" };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(self->r.name, 0, sizeof(self->r.name));
		strcpy(self->r.name, bad[i]);
		EXPECT_EQ(EINVAL, create(self->fd, &self->r));
	}
	/* No NUL within the field. */
	memset(self->r.name, 'a', sizeof(self->r.name));
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));
	/* Bytes after the NUL. */
	memset(self->r.name, 0, sizeof(self->r.name));
	strcpy(self->r.name, "t");
	self->r.name[5] = 'x';
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));
	/* The longest name is fine. */
	memset(self->r.name, 'n', sizeof(self->r.name) - 1);
	self->r.name[sizeof(self->r.name) - 1] = '\0';
	EXPECT_EQ(0, create(self->fd, &self->r));
	EXPECT_EQ(0, slice_destroy(self->fd, self->r.name));
}

TEST_F(err, create_duplicate_name)
{
	ASSERT_EQ(0, create(self->fd, &self->r));
	slice_req(&self->r, "t", 0x4, 128 * MiB);
	EXPECT_EQ(EEXIST, create(self->fd, &self->r));
	EXPECT_EQ(1, cpu_online(2));
}

TEST_F(err, create_cpus)
{
	slice_req(&self->r, "t", 0, 128 * MiB);
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* none */
	slice_req(&self->r, "t", 0x1, 128 * MiB);
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* boot CPU */
	slice_req(&self->r, "t", 0x3, 128 * MiB);
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* boot CPU too */
	slice_req(&self->r, "t", 0x20, 128 * MiB);
	EXPECT_EQ(ENODEV, create(self->fd, &self->r));		/* CPU5 absent */
	slice_req(&self->r, "t", 0x2, 128 * MiB);
	slice_set_cpu(self->r.cpus, 1000);
	EXPECT_EQ(ENODEV, create(self->fd, &self->r));		/* CPU1000 absent */
}

TEST_F(err, create_cpu_in_another_slice)
{
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x4, 128 * MiB));
	slice_req(&self->r, "t", 0x6, 128 * MiB);
	EXPECT_EQ(EBUSY, create(self->fd, &self->r));
	EXPECT_EQ(1, cpu_online(1));	/* CPU1 was not touched */
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
}

TEST_F(err, create_cpu_offline)
{
	ASSERT_EQ(0, cpc_write_file("/sys/devices/system/cpu/cpu3/online", "0"));
	slice_req(&self->r, "t", 0x8, 128 * MiB);
	EXPECT_EQ(EBUSY, create(self->fd, &self->r));
	ASSERT_EQ(0, cpc_write_file("/sys/devices/system/cpu/cpu3/online", "1"));
}

TEST_F(err, create_memory_sizes)
{
	slice_req(&self->r, "t", 0x2, 0);
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* none */
	slice_req(&self->r, "t", 0x2, 100 * MiB);
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* not whole blocks */
	slice_req(&self->r, "t", 0x2, 128 * MiB + 4096);
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* unaligned */
	slice_req(&self->r, "t", 0x2, 384 * MiB);
	EXPECT_EQ(ENOSPC, create(self->fd, &self->r));		/* only 2 blocks free */
	slice_req(&self->r, "t", 0x2, 128 * MiB * 65);
	EXPECT_EQ(ENOSPC, create(self->fd, &self->r));		/* over the limit */
	slice_req(&self->r, "t", 0x2, 128 * MiB);
	self->r.blocks[0] = 32;
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* blocks without flag */
	self->r.blocks[0] = 0;
	self->r.nr_blocks = 1;
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* nr_blocks without flag */
}

TEST_F(err, create_memory_blocks)
{
	__u32 b[3] = { BLOCK_A, BLOCK_A, 0 };

	slice_req_blocks(&self->r, "t", 0x2, 2, b);
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* duplicate */
	slice_req_blocks(&self->r, "t", 0x2, 0, b);
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* none */
	slice_req_blocks(&self->r, "t", 0x2, 1, b);
	self->r.nr_blocks = CPC_SLICE_MAX_BLOCKS + 1;
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* too many */
	slice_req_blocks(&self->r, "t", 0x2, 1, b);
	self->r.mem_bytes = 128 * MiB;
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* size with flag */
	slice_req_blocks(&self->r, "t", 0x2, 1, b);
	self->r.blocks[5] = 33;
	EXPECT_EQ(EINVAL, create(self->fd, &self->r));		/* unused entry set */
	b[0] = 0;
	slice_req_blocks(&self->r, "t", 0x2, 1, b);
	EXPECT_EQ(ENODEV, create(self->fd, &self->r));		/* not movable */
	b[0] = 5;
	slice_req_blocks(&self->r, "t", 0x2, 1, b);
	EXPECT_EQ(ENODEV, create(self->fd, &self->r));		/* boot memory */
	b[0] = 100000;
	slice_req_blocks(&self->r, "t", 0x2, 1, b);
	EXPECT_EQ(ENODEV, create(self->fd, &self->r));		/* absent */
	b[0] = BLOCK_A;
	b[1] = 31;
	slice_req_blocks(&self->r, "t", 0x2, 2, b);
	EXPECT_EQ(ENODEV, create(self->fd, &self->r));		/* second one bad */
	EXPECT_EQ(1, cpu_online(1));
}

TEST_F(err, create_block_in_another_slice)
{
	__u32 b = BLOCK_A;

	slice_req_blocks(&self->r, "s1", 0x4, 1, &b);
	ASSERT_EQ(0, create(self->fd, &self->r));
	slice_req_blocks(&self->r, "t", 0x2, 1, &b);
	EXPECT_EQ(EBUSY, create(self->fd, &self->r));
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
}

TEST_F(err, create_host_short_of_memory)
{
	long long avail = meminfo_kb("MemAvailable:");
	size_t hog;
	char *p;

	/* Leave the host ~300 MiB available: giving 256 MiB would drop it below its reserve. */
	ASSERT_LT(400 * 1024, avail);
	hog = (size_t)(avail - 300 * 1024) * 1024;
	p = mmap(NULL, hog, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	slice_req(&self->r, "t", 0x2, 256 * MiB);
	EXPECT_EQ(ENOMEM, create(self->fd, &self->r));
	munmap(p, hog);
}

/*
 * CPC_SLICE_CREATE_MULTI_NODE only allows more: on this one-node host it
 * changes nothing. (EXDEV, EACCES and the whole-core EINVALs need another
 * topology: slice_topology.c.)
 */
TEST_F(err, create_multi_node_flag)
{
	char buf[32];

	self->r.flags = CPC_SLICE_CREATE_MULTI_NODE;
	ASSERT_EQ(0, create(self->fd, &self->r));
	ASSERT_LT(0, slice_attr("t", "cpus", buf, sizeof(buf)));
	EXPECT_STREQ("1", buf);
	EXPECT_EQ(0, slice_destroy(self->fd, "t"));
}

/* Drops CAP_SYS_ADMIN in a child and runs @cmd there; returns the child's errno. */
static int without_cap_sys_admin(int fd, unsigned long cmd, void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];

		if (syscall(SYS_capget, &h, d))
			_exit(100);
		d[0].effective &= ~(1U << CAP_SYS_ADMIN);
		d[0].permitted &= ~(1U << CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &h, d))
			_exit(101);
		_exit(ioctl(fd, cmd, arg) ? errno : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(err, no_privilege)
{
	struct cpc_slice_filter f;
	struct cpc_slice_ref ref;

	EXPECT_EQ(EPERM, without_cap_sys_admin(self->fd, CPC_IOCTL_SLICE_CREATE, &self->r));
	EXPECT_EQ(1, cpu_online(1));
	ASSERT_EQ(0, create(self->fd, &self->r));
	slice_ref(&ref, "t");
	EXPECT_EQ(EPERM, without_cap_sys_admin(self->fd, CPC_IOCTL_SLICE_LOCK, &ref));
	EXPECT_EQ(EPERM, without_cap_sys_admin(self->fd, CPC_IOCTL_SLICE_DESTROY, &ref));
	slice_filter_init(&f, "t", CPC_FILTER_CACHE_WAYS);
	f.addr = 3;
	EXPECT_EQ(EPERM, without_cap_sys_admin(self->fd, CPC_IOCTL_SLICE_FILTER, &f));
	/* Load, start, stop and console read too (slice_run.c: their other errnos). */
	struct cpc_slice_load l;
	struct cpc_slice_console c;
	static char buf[64];

	slice_load_req(&l, "t", buf, sizeof(buf));
	EXPECT_EQ(EPERM, without_cap_sys_admin(self->fd, CPC_IOCTL_SLICE_LOAD, &l));
	EXPECT_EQ(EPERM, without_cap_sys_admin(self->fd, CPC_IOCTL_SLICE_START, &ref));
	EXPECT_EQ(EPERM, without_cap_sys_admin(self->fd, CPC_IOCTL_SLICE_STOP, &ref));
	slice_console_req(&c, "t", buf, sizeof(buf));
	EXPECT_EQ(EPERM, without_cap_sys_admin(self->fd, CPC_IOCTL_SLICE_CONSOLE, &c));
	ASSERT_LT(0, slice_attr("t", "image", buf, sizeof(buf)));
	EXPECT_STREQ("none", buf);
	/* The version ioctl needs no capability. */
	struct cpc_version v = { .size = sizeof(v) };

	EXPECT_EQ(0, without_cap_sys_admin(self->fd, CPC_IOCTL_VERSION, &v));
	EXPECT_TRUE(cpc_path_exists(SLICE_SYSFS "/t"));
}

/* ---- CPC_IOCTL_SLICE_DESTROY and CPC_IOCTL_SLICE_LOCK ---- */

static void ref_errors(struct __test_metadata *_metadata, int fd, unsigned long cmd)
{
	struct {
		struct cpc_slice_ref r;
		__u32 extra;
	} big;
	struct cpc_slice_ref r;

	ASSERT_EQ(-1, ioctl(fd, cmd, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	slice_ref(&r, "nosuch");
	ASSERT_EQ(-1, ioctl(fd, cmd, &r));
	EXPECT_EQ(ENOENT, errno);
	slice_ref(&r, "t");
	r.size = 8;
	ASSERT_EQ(-1, ioctl(fd, cmd, &r));
	EXPECT_EQ(EINVAL, errno);
	slice_ref(&r, "t");
	r.flags = 1;
	ASSERT_EQ(-1, ioctl(fd, cmd, &r));
	EXPECT_EQ(EINVAL, errno);
	slice_ref(&r, "t");
	r.reserved[1] = 1;
	ASSERT_EQ(-1, ioctl(fd, cmd, &r));
	EXPECT_EQ(EINVAL, errno);
	slice_ref(&r, "t/");
	ASSERT_EQ(-1, ioctl(fd, cmd, &r));
	EXPECT_EQ(EINVAL, errno);
	slice_ref(&big.r, "t");
	big.r.size = sizeof(big);
	big.extra = 7;
	ASSERT_EQ(-1, ioctl(fd, cmd, &big.r));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(err, destroy_errors)
{
	ASSERT_EQ(0, create(self->fd, &self->r));
	ref_errors(_metadata, self->fd, CPC_IOCTL_SLICE_DESTROY);
	EXPECT_TRUE(cpc_path_exists(SLICE_SYSFS "/t"));
	EXPECT_EQ(0, slice_destroy(self->fd, "t"));
	EXPECT_EQ(ENOENT, slice_destroy(self->fd, "t"));	/* twice */
}

/* Start and stop check their argument like destroy and lock (slice_run.c: the rest). */
TEST_F(err, start_stop_argument_errors)
{
	char buf[32];

	ASSERT_EQ(0, create(self->fd, &self->r));
	ref_errors(_metadata, self->fd, CPC_IOCTL_SLICE_START);
	ref_errors(_metadata, self->fd, CPC_IOCTL_SLICE_STOP);
	ASSERT_LT(0, slice_attr("t", "state", buf, sizeof(buf)));
	EXPECT_STREQ("created", buf);
}

TEST_F(err, lock_errors)
{
	char buf[32];

	ASSERT_EQ(0, create(self->fd, &self->r));
	ref_errors(_metadata, self->fd, CPC_IOCTL_SLICE_LOCK);
	ASSERT_LT(0, slice_attr("t", "state", buf, sizeof(buf)));
	EXPECT_STREQ("created", buf);
}

/* ---- CPC_IOCTL_SLICE_FILTER ---- */

TEST_F(err, filter_errors)
{
	struct {
		struct cpc_slice_filter f;
		__u64 extra;
	} big;
	struct cpc_slice_filter f;

	ASSERT_EQ(0, create(self->fd, &self->r));
	ASSERT_EQ(-1, ioctl(self->fd, CPC_IOCTL_SLICE_FILTER, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	slice_filter_init(&f, "nosuch", CPC_FILTER_CACHE_WAYS);
	f.addr = 3;
	EXPECT_EQ(ENOENT, slice_filter(self->fd, &f));
	slice_filter_init(&f, "t", 99);
	EXPECT_EQ(EINVAL, slice_filter(self->fd, &f));		/* unknown type */
	slice_filter_init(&f, "t", 0);
	EXPECT_EQ(EINVAL, slice_filter(self->fd, &f));
	slice_filter_init(&f, "t", CPC_FILTER_CACHE_WAYS);
	f.addr = 3;
	f.size = 16;
	EXPECT_EQ(EINVAL, slice_filter(self->fd, &f));		/* size */
	slice_filter_init(&f, "t", CPC_FILTER_CACHE_WAYS);
	f.addr = 3;
	f.flags = CPC_FILTER_IPI_MANAGER;
	EXPECT_EQ(EINVAL, slice_filter(self->fd, &f));		/* flag of another type */
	slice_filter_init(&f, "t", CPC_FILTER_CACHE_WAYS);
	f.addr = 3;
	f.reserved[0] = 1;
	EXPECT_EQ(EINVAL, slice_filter(self->fd, &f));		/* reserved */
	slice_filter_init(&f, "t", CPC_FILTER_CACHE_WAYS);
	f.addr = 3;
	f.len = 1;
	EXPECT_EQ(EINVAL, slice_filter(self->fd, &f));		/* unused field */
	slice_filter_init(&f, "t", CPC_FILTER_MEM_WINDOW);
	f.addr = 0x108000000ULL;
	f.len = 4096;
	f.bdf = 1;
	EXPECT_EQ(EINVAL, slice_filter(self->fd, &f));		/* unused field */
	slice_filter_init(&f, "t", CPC_FILTER_CACHE_WAYS);
	f.addr = 3;
	f.name[0] = '.';
	EXPECT_EQ(EINVAL, slice_filter(self->fd, &f));		/* bad name */
	slice_filter_init(&big.f, "t", CPC_FILTER_CACHE_WAYS);
	big.f.addr = 3;
	big.f.size = sizeof(big);
	big.extra = 1;
	EXPECT_EQ(E2BIG, slice_filter(self->fd, &big.f));
	slice_filter_init(&f, "t", CPC_FILTER_DEVICE);
	f.bdf = 0xff << 8;
	EXPECT_EQ(ENODEV, slice_filter(self->fd, &f));
	/* EEXIST, EBUSY, ENOSPC and EPERM-after-lock: slice_filters.c */
}

/* ---- EINTR while waiting for another slice operation ---- */

/*
 * A child destroys a slice of 256 MiB (scrubbing takes about a second under
 * TCG, with the slice mutex held); meanwhile each of destroy, lock, filter,
 * create, load, start, stop and console on another slice waits for the
 * mutex and is interrupted.
 */
TEST_F(err, wait_interrupted)
{
	const unsigned long cmds[] = {
		CPC_IOCTL_SLICE_DESTROY, CPC_IOCTL_SLICE_LOCK, CPC_IOCTL_SLICE_FILTER,
		CPC_IOCTL_SLICE_CREATE, CPC_IOCTL_SLICE_LOAD, CPC_IOCTL_SLICE_START,
		CPC_IOCTL_SLICE_STOP, CPC_IOCTL_SLICE_CONSOLE,
	};
	const unsigned int n = sizeof(cmds) / sizeof(cmds[0]);
	static char buf[64];
	int status, eintr = 0;
	pid_t pid;

	for (unsigned int i = 0; i < n; i++) {
		struct cpc_slice_console con;
		struct cpc_slice_create c;
		struct cpc_slice_filter f;
		struct cpc_slice_load l;
		struct cpc_slice_ref ref;
		void *arg = &ref;
		int err;

		slice_ref(&ref, "other");
		if (cmds[i] == CPC_IOCTL_SLICE_FILTER) {
			slice_filter_init(&f, "other", CPC_FILTER_CACHE_WAYS);
			f.addr = 3;
			arg = &f;
		} else if (cmds[i] == CPC_IOCTL_SLICE_CREATE) {
			/* Valid: only the wait for the mutex can fail it. */
			slice_req(&c, "other", 0x2, 128 * MiB);
			arg = &c;
		} else if (cmds[i] == CPC_IOCTL_SLICE_LOAD) {
			slice_load_req(&l, "other", buf, sizeof(buf));
			arg = &l;
		} else if (cmds[i] == CPC_IOCTL_SLICE_CONSOLE) {
			slice_console_req(&con, "other", buf, sizeof(buf));
			arg = &con;
		}
		ASSERT_EQ(0, slice_create(self->fd, "t", 0xe, 256 * MiB));
		pid = slice_destroy_busy(self->fd, "t");
		ASSERT_LT(0, pid);
		err = slice_ioctl_alarm(self->fd, cmds[i], arg, 150000);
		TH_LOG("ioctl %u while a destroy runs: %s", i, strerror(err));
		/* ENOENT only if the destroy was already over. */
		EXPECT_EQ(EINTR, err);
		eintr += err == EINTR;
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status));
		EXPECT_TRUE(wait_block_online(BLOCK_A));
		EXPECT_TRUE(wait_block_online(BLOCK_B));
	}
	EXPECT_EQ(n, eintr);
}

/* ---- unknown ioctls ---- */

TEST_F(err, unknown_ioctls)
{
	char arg[1024] = { 0 };

	for (unsigned int nr = 0x17; nr <= 0x2f; nr++) {
		ASSERT_EQ(-1, ioctl(self->fd, _IOWR(CPC_IOC_MAGIC, nr, struct cpc_slice_ref), arg));
		EXPECT_EQ(ENOTTY, errno);
	}
	/* Right number, wrong direction or size. */
	ASSERT_EQ(-1, ioctl(self->fd, _IOR(CPC_IOC_MAGIC, 0x11, struct cpc_slice_ref), arg));
	EXPECT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(self->fd, _IOWR(CPC_IOC_MAGIC, 0x10, struct cpc_slice_ref), arg));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
