// SPDX-License-Identifier: GPL-2.0
/*
 * host_module - cpc_host.ko basics: sysfs root, /dev/cpc_host, the version
 * ioctl with every errno it documents, unknown ioctls, unload and reload.
 * Runs in the test-bed host VM.
 */
#include <sys/ioctl.h>

#include <linux/cpc_host.h>

#include "cpc_test.h"
#include "kselftest_harness.h"

TEST(sysfs_root)
{
	char buf[64];
	struct stat st;

	ASSERT_EQ(0, stat("/sys/kernel/cpc_host", &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_LT(0, cpc_read_file("/sys/kernel/cpc_host/version", buf, sizeof(buf)));
	char want[32];

	snprintf(want, sizeof(want), "%u.%u\n", CPC_VERSION_MAJOR, CPC_VERSION_MINOR);
	ASSERT_STREQ(want, buf);
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(CPC_HOST_DEVICE, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0600, st.st_mode & 0777);
}

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, version)
{
	struct cpc_version v = { .size = sizeof(v) };

	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_VERSION, &v));
	EXPECT_EQ(CPC_VERSION_MAJOR, v.major);
	EXPECT_EQ(CPC_VERSION_MINOR, v.minor);
	EXPECT_EQ(sizeof(v), v.size);
}

TEST_F(dev, version_size_too_small)
{
	struct cpc_version v = { .size = sizeof(v) - 1 };

	ASSERT_EQ(-1, ioctl(self->fd, CPC_IOCTL_VERSION, &v));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(dev, version_reserved_not_zero)
{
	struct cpc_version v = { .size = sizeof(v), .reserved = 1 };

	ASSERT_EQ(-1, ioctl(self->fd, CPC_IOCTL_VERSION, &v));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(dev, version_bad_pointer)
{
	ASSERT_EQ(-1, ioctl(self->fd, CPC_IOCTL_VERSION, (void *)8));
	ASSERT_EQ(EFAULT, errno);
}

TEST_F(dev, unknown_ioctl)
{
	char arg[64] = { 0 };

	ASSERT_EQ(-1, ioctl(self->fd, _IO(CPC_IOC_MAGIC, 0x7f)));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(self->fd, _IOWR('x', 0x00, struct cpc_version), arg));
	ASSERT_EQ(ENOTTY, errno);
	/* Right number, wrong size: not the same ioctl. */
	ASSERT_EQ(-1, ioctl(self->fd, _IOWR(CPC_IOC_MAGIC, 0x00, __u64), arg));
	ASSERT_EQ(ENOTTY, errno);
}

TEST(unload_while_open_is_refused)
{
	int fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(-EWOULDBLOCK, cpc_module_unload("cpc_host"));
	close(fd);
}

TEST(unload_and_reload)
{
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));
	EXPECT_FALSE(cpc_path_exists("/sys/kernel/cpc_host"));
	EXPECT_FALSE(cpc_path_exists(CPC_HOST_DEVICE));
	ASSERT_EQ(0, cpc_module_load("cpc_host", cpc_boot_modargs()));
	EXPECT_TRUE(cpc_path_exists("/sys/kernel/cpc_host/version"));
	EXPECT_TRUE(cpc_path_exists(CPC_HOST_DEVICE));
	/* A second load of the same module is refused, the first stays. */
	EXPECT_EQ(-EEXIST, cpc_module_load("cpc_host", NULL));
}

TEST_HARNESS_MAIN
