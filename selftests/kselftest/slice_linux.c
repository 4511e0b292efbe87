// SPDX-License-Identifier: GPL-2.0
/*
 * slice_linux - CPC_IOCTL_SLICE_LOAD with CPC_SLICE_LOAD_LINUX: every errno
 * of the Linux load path (a bzImage, an initrd, a command line; panic=
 * other than 0 is EINVAL), the low-memory slots (one per Linux slice until
 * destroy; ENOSPC when all are held, ENXIO without low memory), the slice
 * info in sysfs after a load (image: "linux VERSION"), and the IPI mask a
 * two-CPU Linux slice needs. Booting the kernel itself is the slice-linux scenario
 * (selftests/vm/slice-linux.sh). Runs in the test-bed host VM (CPUs 0-3,
 * memory blocks 32-33, lowmem=0x60000,192K: two slots).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "slice_test.h"
#include "slice_image.h"
#include "kselftest_harness.h"

static int slice_attr_is(const char *name, const char *file, const char *want)
{
	char buf[256];

	return slice_attr(name, file, buf, sizeof(buf)) > 0 && !strcmp(buf, want);
}

/* Returns 0 or errno. */
static int load(int fd, struct cpc_slice_load *r)
{
	return ioctl(fd, CPC_IOCTL_SLICE_LOAD, r) ? errno : 0;
}

static int reload_module(int *fd, const char *args)
{
	close(*fd);
	*fd = -1;
	if (cpc_module_unload("cpc_host") || cpc_module_load("cpc_host", args))
		return -1;
	*fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	return *fd < 0 ? -1 : 0;
}

FIXTURE(lx) {
	int fd;
	unsigned char *kernel;
	size_t kernel_len;
};

FIXTURE_SETUP(lx)
{
	self->kernel = read_all(SLICE_VMLINUZ, &self->kernel_len);
	ASSERT_NE(NULL, self->kernel);
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	slice_cleanup_all(self->fd);
}

FIXTURE_TEARDOWN(lx)
{
	if (self->fd >= 0) {
		slice_cleanup_all(self->fd);
		close(self->fd);
	}
	free(self->kernel);
}

TEST_F(lx, request_errnos)
{
	struct cpc_slice_load r;
	static char cmdline[CPC_SLICE_CMDLINE_MAX + 1];
	unsigned char *zeros = calloc(1, 4096);

	ASSERT_NE(NULL, zeros);
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	EXPECT_EQ(ENOENT, load_linux(self->fd, "nosuch", self->kernel, self->kernel_len));
	/* Initrd: a pointer needs a length and the reverse. */
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.initrd_ptr = (uintptr_t)self->kernel;
	EXPECT_EQ(EINVAL, load(self->fd, &r));
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.initrd_len = 4096;
	EXPECT_EQ(EINVAL, load(self->fd, &r));
	/* Command line: too long, length without pointer, a NUL inside. */
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.cmdline_ptr = (uintptr_t)cmdline;
	r.cmdline_len = CPC_SLICE_CMDLINE_MAX + 1;
	EXPECT_EQ(EINVAL, load(self->fd, &r));
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.cmdline_len = 4;
	EXPECT_EQ(EINVAL, load(self->fd, &r));
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.cmdline_ptr = (uintptr_t)"ab\0cd";
	r.cmdline_len = 5;
	EXPECT_EQ(EINVAL, load(self->fd, &r));
	/* Shorter than a setup header. */
	EXPECT_EQ(EINVAL, load_linux(self->fd, "s1", self->kernel, 1023));
	/* Sizes refused before anything is read. */
	EXPECT_EQ(EFBIG, load_linux(self->fd, "s1", self->kernel, CPC_SLICE_IMAGE_MAX + 1));
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.initrd_ptr = (uintptr_t)self->kernel;
	r.initrd_len = CPC_SLICE_INITRD_MAX + 1;
	EXPECT_EQ(EFBIG, load(self->fd, &r));
	/* Unreadable memory. */
	EXPECT_EQ(EFAULT, load_linux(self->fd, "s1", (void *)8, self->kernel_len));
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.cmdline_ptr = 8;
	r.cmdline_len = 4;
	EXPECT_EQ(EFAULT, load(self->fd, &r));
	/* Not a bzImage. */
	EXPECT_EQ(ENOEXEC, load_linux(self->fd, "s1", zeros, 4096));
	/* The caller's command line after cpc_host's is longer than the kernel takes. */
	memset(cmdline, 'a', CPC_SLICE_CMDLINE_MAX);
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.cmdline_ptr = (uintptr_t)cmdline;
	r.cmdline_len = CPC_SLICE_CMDLINE_MAX;
	EXPECT_EQ(E2BIG, load(self->fd, &r));
	/* panic= other than 0: the slice kernel's restart would reset the machine. */
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.cmdline_ptr = (uintptr_t)"quiet panic=10";
	r.cmdline_len = strlen("quiet panic=10");
	EXPECT_EQ(EINVAL, load(self->fd, &r));
	/* 64 MiB of init_size from 16 MiB and a 100 MiB initrd: not in 128 MiB. */
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.initrd_ptr = (uintptr_t)self->kernel;
	r.initrd_len = 100 * MiB;
	EXPECT_EQ(EFBIG, load(self->fd, &r));
	/* Nothing of the above loaded an image. */
	EXPECT_TRUE(slice_attr_is("s1", "image", "none"));
	free(zeros);
}

/* "linux " and the version string the bzImage header points to (0x20e). */
static void expected_image(const unsigned char *k, size_t len, char *buf, size_t size)
{
	size_t off = 0x200 + (k[0x20e] | k[0x20f] << 8);

	snprintf(buf, size, "linux %.*s", (int)strnlen((const char *)k + off, len - off),
		 (const char *)k + off);
}

TEST_F(lx, image_names_the_kernel)
{
	char want[256];
	struct utsname u;

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	ASSERT_EQ(0, load_linux(self->fd, "s1", self->kernel, self->kernel_len));
	expected_image(self->kernel, self->kernel_len, want, sizeof(want));
	TH_LOG("image: %s", want);
	EXPECT_TRUE(slice_attr_is("s1", "image", want));
	/*
	 * The test bed's slice kernel is Debian's, the one its host VM runs;
	 * the debug test bed's host VM runs its own build (-cpc-debug).
	 */
	ASSERT_EQ(0, uname(&u));
	if (!strstr(u.release, "-cpc-debug"))
		EXPECT_EQ(0, strncmp(want + 6, u.release, strlen(u.release)));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
}

/*
 * A Linux kernel on two CPUs starts the second itself and interrupts it:
 * a mask without it is refused before anything runs.
 */
TEST_F(lx, two_cpus_need_both_in_the_ipi_mask)
{
	struct cpc_slice_filter f;
	char buf[64];

	ASSERT_EQ(0, slice_create(self->fd, "s2", 0x6, 128 * MiB));
	ASSERT_EQ(0, load_linux(self->fd, "s2", self->kernel, self->kernel_len));
	slice_filter_init(&f, "s2", CPC_FILTER_IPI);
	slice_set_cpu(f.cpus, 1);
	f.flags = CPC_FILTER_IPI_MANAGER;
	ASSERT_EQ(0, slice_filter(self->fd, &f));
	EXPECT_EQ(EPERM, slice_start(self->fd, "s2"));
	ASSERT_LT(0, slice_attr("s2", "state", buf, sizeof(buf)));
	EXPECT_STREQ("created", buf);
	EXPECT_EQ(0, slice_destroy(self->fd, "s2"));
	EXPECT_EQ(1, cpu_online(1));
	EXPECT_EQ(1, cpu_online(2));
}

TEST_F(lx, load_then_busy_while_running)
{
	struct cpc_slice_load r;
	/* panic=0, and a panic= after "--" (init's), are fine. */
	const char *cmd = "quiet panic=0 -- panic=5";
	char want[256];

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	linux_req(&r, "s1", self->kernel, self->kernel_len);
	r.cmdline_ptr = (uintptr_t)cmd;
	r.cmdline_len = strlen(cmd);
	ASSERT_EQ(0, load(self->fd, &r));
	expected_image(self->kernel, self->kernel_len, want, sizeof(want));
	EXPECT_TRUE(slice_attr_is("s1", "image", want));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	EXPECT_EQ(EBUSY, load_linux(self->fd, "s1", self->kernel, self->kernel_len));
	EXPECT_EQ(0, slice_stop(self->fd, "s1"));
	/* A stopped slice takes a new kernel. */
	EXPECT_EQ(0, load_linux(self->fd, "s1", self->kernel, self->kernel_len));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_EQ(1, cpu_online(3));
}

TEST_F(lx, one_slot_per_linux_slice_until_destroy)
{
	char args[600];

	/* 128 KiB of low memory: the trampoline's 64 KiB and one slot. */
	snprintf(args, sizeof(args), "%s lowmem=0x60000,128K", cpc_boot_modargs());
	ASSERT_EQ(0, reload_module(&self->fd, args));
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x4, 128 * MiB));
	ASSERT_EQ(0, slice_create(self->fd, "s2", 0x8, 128 * MiB));
	EXPECT_EQ(0, load_linux(self->fd, "s1", self->kernel, self->kernel_len));
	/* Loading again keeps s1's slot. */
	EXPECT_EQ(0, load_linux(self->fd, "s1", self->kernel, self->kernel_len));
	EXPECT_EQ(ENOSPC, load_linux(self->fd, "s2", self->kernel, self->kernel_len));
	EXPECT_TRUE(slice_attr_is("s2", "image", "none"));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_EQ(0, load_linux(self->fd, "s2", self->kernel, self->kernel_len));
	EXPECT_EQ(0, slice_destroy(self->fd, "s2"));
	ASSERT_EQ(0, reload_module(&self->fd, cpc_boot_modargs()));
}

TEST_F(lx, no_low_memory_is_enxio)
{
	ASSERT_EQ(0, reload_module(&self->fd, ""));
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	EXPECT_EQ(ENXIO, load_linux(self->fd, "s1", self->kernel, self->kernel_len));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	ASSERT_EQ(0, reload_module(&self->fd, cpc_boot_modargs()));
}

TEST_HARNESS_MAIN
