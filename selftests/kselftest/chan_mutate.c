// SPDX-License-Identifier: GPL-2.0
/*
 * chan_mutate - the channel always comes back: run in the host VM (scenario
 * chan) while chan_agent runs in the guest.
 *
 * Random writes hit the channel's shared region (through the host's raw
 * debugfs shm file: the peer states and generations in the header, the
 * layout fields, both rings' indexes and entries, the data area - never
 * the scratch page, which holds the test mailbox) while a second thread
 * keeps calling. Calls may fail meanwhile; the kernels must not complain.
 * Once the writes stop, both ends must be in RUN and answer correctly
 * within seconds, without any module being reloaded.
 */
#include "chan_common.h"
#include "kselftest_harness.h"
#include "region_mutate.h"

#define MUTATIONS	12000
#define RECOVER_SECONDS	10

FIXTURE(mutate) {
	char name[64];
	int fd;
	int shm;
};

FIXTURE_SETUP(mutate)
{
	ASSERT_EQ(0, chan_name(0, self->name, sizeof(self->name)));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 120));
	self->fd = chan_open(self->name);
	ASSERT_LE(0, self->fd);
	self->shm = chan_shm_open(self->name);
	ASSERT_LE(0, self->shm);
	ASSERT_EQ(0, mbox_agent_wait(self->shm, 120));
}

FIXTURE_TEARDOWN(mutate)
{
	close(self->fd);
	close(self->shm);
}

TEST_F_TIMEOUT(mutate, comes_back_after_random_writes, 300)
{
	struct caller c = { .fd = self->fd };
	struct cpc_layout l;
	unsigned int seed = 0xc0ffee;
	struct cpc_call r;
	char chan[64], path[192], state[64];
	double t0;
	int i;

	ASSERT_EQ(0, cpc_layout_compute(&l, chan_shm_size(self->shm)));
	ASSERT_EQ(0, mutate_storm(self->shm, &l, seed, MUTATIONS, &c));
	TH_LOG("%d random writes; meanwhile %ld calls answered, %ld failed; host: %lld resets, %lld broken, %lld nudges",
	       MUTATIONS, c.ok, c.failed, chan_sysfs_num(self->name, "resets"),
	       chan_sysfs_num(self->name, "broken"), chan_sysfs_num(self->name, "nudges"));

	t0 = cpc_now();
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", RECOVER_SECONDS));
	for (i = 0; i < 50; i++) {
		int ret = -1;

		/* Until the first answer, a call may meet the last reset. */
		while (cpc_now() < t0 + RECOVER_SECONDS) {
			ret = chan_call(self->fd, CPC_PROC_PING, 1000 + i, NULL, 0, 1000, &r);
			if (!ret || i)
				break;
			usleep(50 * 1000);
		}
		ASSERT_EQ(0, ret) TH_LOG("call %d after the writes: %s", i, strerror(-ret));
		EXPECT_EQ(1000 + i, r.ret[0]);
	}
	TH_LOG("back and answering %.1f s after the writes stopped", cpc_now() - t0);
	/* The guest end runs too, in the host's generation. */
	ASSERT_LT(0, mbox_cmd(self->shm, MBOX_READ, MBOX_CHANNEL_NAME, NULL, 0, 0,
			      chan, sizeof(chan)));
	snprintf(path, sizeof(path), "/sys/kernel/cpc_guest/channels/%s/state", chan);
	ASSERT_LT(0, mbox_cmd(self->shm, MBOX_READ, path, NULL, 0, 0, state, sizeof(state)));
	EXPECT_EQ(0, strncmp(state, "run", 3)) TH_LOG("guest end: %s", state);
}

TEST_HARNESS_MAIN
