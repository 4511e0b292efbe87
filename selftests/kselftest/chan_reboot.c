// SPDX-License-Identifier: GPL-2.0
/*
 * chan_reboot - a guest VM that reboots under a channel, across VMs: run it
 * in the host VM (before chan_host) while chan_agent runs in a guest that
 * testbed/run started with --guest-reboot.
 *
 * A clean reboot: the guest's PCI shutdown hook publishes RESET, so the
 * host fails the call in flight with ECONNRESET while the guest is still
 * down. A hard reset (sysrq b: nothing is shut down, as when a VM crashes
 * or is killed): the host learns it when the next boot's driver starts a
 * new generation, and fails the call then. Either way the channel comes
 * back READY with a larger generation and the same channel fd works again.
 * The guest's boot_id proves each was a real reboot.
 */
#include <poll.h>

#include "chan_common.h"
#include "chan_uring.h"
#include "kselftest_harness.h"

#define BOOT_ID "/proc/sys/kernel/random/boot_id"
/* A TCG guest boots, loads cpc_guest and starts its agent well within this. */
#define REBOOT_SECONDS 120

FIXTURE(reboot) {
	char name[64];
	int fd;
	int shm;
};

FIXTURE_SETUP(reboot)
{
	ASSERT_EQ(0, chan_name(0, self->name, sizeof(self->name)));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", REBOOT_SECONDS))
		TH_LOG("no guest came up");
	self->fd = chan_open(self->name);
	ASSERT_LE(0, self->fd);
	self->shm = chan_shm_open(self->name);
	ASSERT_LE(0, self->shm);
	ASSERT_EQ(0, mbox_agent_wait(self->shm, REBOOT_SECONDS))
		TH_LOG("the guest agent never came up");
}

FIXTURE_TEARDOWN(reboot)
{
	close(self->fd);
	close(self->shm);
}

/*
 * Reboots the guest (@hard: without shutting anything down) with a call in
 * flight on @self->fd; checks the call fails with ECONNRESET, the channel
 * and the agent come back, and the guest really booted again.
 * @down_first: the host must see the guest's RESET before the next boot.
 */
static void reboot_mid_call(struct __test_metadata *_metadata,
			    FIXTURE_DATA(reboot) *self, int hard, int down_first)
{
	struct cpc_call c = { .size = sizeof(c), .proc = CPC_PROC_PING, .timeout_ms = 60000 };
	long long gen = chan_sysfs_num(self->name, "generation");
	long long resets = chan_sysfs_num(self->name, "resets");
	struct pollfd p = { .fd = self->fd, .events = POLLOUT };
	char boot[768], again[768], peer[32];
	struct io_uring ring;

	ASSERT_LT(0, mbox_cmd(self->shm, MBOX_READ, BOOT_ID, NULL, 0, 0, boot, sizeof(boot)));
	/* The guest sits on the call long enough for the reboot to start. */
	ASSERT_EQ(0, guest_write(self->shm, GUEST_DELAY, "8000"));
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	uring_call(&ring, self->fd, &c, 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	usleep(300000);
	ASSERT_EQ(0, mbox_cmd(self->shm, MBOX_REBOOT, NULL, NULL, 0, hard, NULL, 0));
	ASSERT_EQ(0, mbox_agent_forget(self->shm));

	EXPECT_EQ(-ECONNRESET, uring_wait(&ring, NULL));
	io_uring_queue_exit(&ring);
	ASSERT_LT(0, chan_sysfs_str(self->name, "peer_state", peer, sizeof(peer)));
	/*
	 * Told at shutdown, the host ends the call before the next boot has
	 * even started; told nothing, only the next boot's driver ends it.
	 */
	if (down_first) {
		EXPECT_STREQ("reset", peer);
	} else {
		EXPECT_STRNE("reset", peer);
	}

	ASSERT_EQ(0, chan_wait_state(self->name, "ready", REBOOT_SECONDS))
		TH_LOG("the channel did not come back after the reboot");
	EXPECT_LT(gen, chan_sysfs_num(self->name, "generation"));
	EXPECT_LT(resets, chan_sysfs_num(self->name, "resets"));
	EXPECT_EQ(1, poll(&p, 1, 1000));
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 11, NULL, 0, 0, NULL));

	ASSERT_EQ(0, mbox_agent_wait(self->shm, REBOOT_SECONDS))
		TH_LOG("no agent after the reboot");
	ASSERT_LT(0, mbox_cmd(self->shm, MBOX_READ, BOOT_ID, NULL, 0, 0, again, sizeof(again)));
	EXPECT_STRNE(boot, again) TH_LOG("the guest did not boot again");
}

TEST_F_TIMEOUT(reboot, clean_reboot_mid_call, REBOOT_SECONDS * 3)
{
	reboot_mid_call(_metadata, self, 0, 1);
}

TEST_F_TIMEOUT(reboot, hard_reset_mid_call, REBOOT_SECONDS * 3)
{
	reboot_mid_call(_metadata, self, 1, 0);
}

TEST_HARNESS_MAIN
