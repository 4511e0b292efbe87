// SPDX-License-Identifier: GPL-2.0
/*
 * chan_slice.c - a guest VM's ivshmem channel attached to a slice of the
 * host VM (scenario chan-slice): the slice's IPI mask mediates the channel's
 * doorbells (manager excluded: EPERM + ipi_refused; allowed: calls work +
 * ipi_sent), lock freezes the attachment, destroy detaches.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "chan_common.h"
#include "attach_test.h"

FIXTURE(cs) {
	int dev;
	int ch;
	char name[CPC_CHANNEL_NAME_MAX];
};

FIXTURE_SETUP(cs)
{
	ASSERT_EQ(0, chan_name(0, self->name, sizeof(self->name)));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 30));
	self->dev = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	self->ch = chan_open(self->name);
	ASSERT_LE(0, self->ch);
}

FIXTURE_TEARDOWN(cs)
{
	slice_destroy(self->dev, "cs");
	close(self->ch);
	close(self->dev);
}

TEST_F(cs, ivshmem_channel_mediated_by_slice)
{
	long long refused, sent;
	struct cpc_call r;
	char buf[64];

	ASSERT_EQ(0, chan_sysfs_str(self->name, "transport", buf, sizeof(buf)) > 0 ? 0 : -1);
	EXPECT_STREQ("ivshmem", buf);
	/* A slice of the host VM: 2 CPUs + 128 MiB of its DIMM. */
	ASSERT_EQ(0, slice_create(self->dev, "cs", 0x6, 128ULL << 20));
	ASSERT_EQ(0, ipi_filter(self->dev, "cs", 0x6, false));
	ASSERT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, self->name, "cs"));
	ASSERT_LT(0, chan_sysfs_str(self->name, "slice", buf, sizeof(buf)));
	EXPECT_STREQ("cs", buf);

	refused = slice_num("cs", "filters/ipi_refused");
	sent = slice_num("cs", "filters/ipi_sent");
	EXPECT_EQ(-EPERM, chan_call(self->ch, CPC_PROC_PING, 1, NULL, 0, 5000, &r));
	EXPECT_EQ(refused + 1, slice_num("cs", "filters/ipi_refused"));
	EXPECT_EQ(sent, slice_num("cs", "filters/ipi_sent"));
	EXPECT_EQ(0, chan_sysfs_num(self->name, "inflight"));

	ASSERT_EQ(0, ipi_filter(self->dev, "cs", 0x6, true));
	EXPECT_EQ(0, chan_call(self->ch, CPC_PROC_PING, 2, NULL, 0, 5000, &r));
	EXPECT_EQ(2, r.ret[0]);
	EXPECT_LE(sent + 1, slice_num("cs", "filters/ipi_sent"));

	ASSERT_EQ(0, slice_lock(self->dev, "cs"));
	EXPECT_EQ(EPERM, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, self->name, "cs"));
	EXPECT_EQ(0, chan_call(self->ch, CPC_PROC_PING, 3, NULL, 0, 5000, &r));

	ASSERT_EQ(0, slice_destroy(self->dev, "cs"));
	ASSERT_LE(0, chan_sysfs_str(self->name, "slice", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	EXPECT_EQ(0, chan_call(self->ch, CPC_PROC_PING, 4, NULL, 0, 5000, &r));
	EXPECT_EQ(4, r.ret[0]);
}

TEST_HARNESS_MAIN
