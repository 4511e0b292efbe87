// SPDX-License-Identifier: GPL-2.0
/*
 * lb_mutate - the loopback channel always comes back: a hostile peer writes
 * at random into its shared region (through cpc_host's debugfs
 * channels/loopback/shm, a test hook) - the header's layout fields and both
 * peer states, both rings' indexes and entries, the data area - while a
 * second thread keeps calling. Both ends live in the host VM's one kernel
 * (cpc_host loopback_mib=4, cpc_guest loopback=1), so every write is as
 * hostile to the guest end as to the host end. Calls may fail meanwhile;
 * the kernel must not complain (on the debug kernel: no KASAN, UBSAN or
 * lockdep report, kmemleak clean). Once the writes stop both ends must be
 * back in RUN and answer right within seconds, without a module reload;
 * each answer within CALL_MS: a request whose doorbell is lost waits for
 * the host's nudge, and once the channel is back (restarted, repaired, or a
 * call posted on an idle ring) the nudges' back-off starts over
 * (cpc_ep_poll_nudge()): checks 1, 3 and 7 after the post, 100 ms apart,
 * with 300 ms to spare. Before that reset a call could wait
 * CPC_NUDGE_MAX_CHECKS checks (1.6 s) and more (seen: one timed out at 5.8 s).
 */
#include "lb_test.h"
#include "cpc_peer.h"
#include "region_mutate.h"
#include "kselftest_harness.h"

#define MUTATIONS	12000
#define RECOVER_SECONDS	10
#define CALL_MS		1000
#define LB_SHM		"/sys/kernel/debug/cpc_host/channels/" LB "/shm"

/* One ring's shared indexes, for the log of a failure. */
static void ring_log(struct __test_metadata *_metadata, const char *name, int shm, u32 off)
{
	struct cpc_ring_idx idx;

	if (pread(shm, &idx, sizeof(idx), off) != sizeof(idx))
		return;
	TH_LOG("  %s ring: prod %u (event %u), cons %u (event %u)", name, idx.prod,
	       idx.prod_event, idx.cons, idx.cons_event);
}

/* Both ends' counters and the rings' indexes, for the log of a failure. */
static void ends_log(struct __test_metadata *_metadata, const char *when, int shm,
		     const struct cpc_layout *l)
{
	char st[32] = "", gst[32] = "";

	chan_sysfs_str(LB, "state", st, sizeof(st));
	cpc_read_file(GUEST_SYSFS "/channels/" LB "/state", gst, sizeof(gst));
	st[strcspn(st, "\n")] = gst[strcspn(gst, "\n")] = '\0';
	TH_LOG("%s: host %s, inflight %lld, doorbells %lld (ignored %lld), nudges %lld, resets %lld, throttled %lld; guest %s, wakeups %lld, served %lld",
	       when, st, chan_sysfs_num(LB, "inflight"), chan_sysfs_num(LB, "doorbells"),
	       chan_sysfs_num(LB, "doorbells_ignored"), chan_sysfs_num(LB, "nudges"),
	       chan_sysfs_num(LB, "resets"), chan_sysfs_num(LB, "throttled"), gst,
	       local_guest_num("wakeups"), local_guest_num("served"));
	ring_log(_metadata, "request", shm, l->req_off);
	ring_log(_metadata, "completion", shm, l->cpl_off);
}

FIXTURE(lbmut) {
	int fd;
	int shm;
};

FIXTURE_SETUP(lbmut)
{
	ASSERT_EQ(0, lb_up());
	self->fd = chan_open(LB);
	ASSERT_LE(0, self->fd);
	self->shm = open(LB_SHM, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->shm) TH_LOG("%s: %s", LB_SHM, strerror(errno));
}

FIXTURE_TEARDOWN(lbmut)
{
	close(self->fd);
	close(self->shm);
}

TEST_F_TIMEOUT(lbmut, comes_back_after_random_writes, 600)
{
	struct caller c = { .fd = self->fd };
	unsigned int seed = 0x10091;
	struct cpc_layout l;
	struct cpc_call r;
	char state[64];
	double t0, slowest = 0;
	int i;

	ASSERT_EQ(4 << 20, chan_shm_size(self->shm));
	ASSERT_EQ(0, cpc_layout_compute(&l, chan_shm_size(self->shm)));
	t0 = cpc_now();
	ASSERT_EQ(0, mutate_storm(self->shm, &l, seed, MUTATIONS, &c));
	TH_LOG("%d random writes in %.1f s; meanwhile %ld calls answered, %ld failed; host: %lld resets, %lld broken, %lld nudges; guest: %lld broken",
	       MUTATIONS, cpc_now() - t0, c.ok, c.failed, chan_sysfs_num(LB, "resets"),
	       chan_sysfs_num(LB, "broken"), chan_sysfs_num(LB, "nudges"),
	       local_guest_num("channels/" LB "/broken"));
	EXPECT_LT(0, c.failed);	/* the writes did hit the protocol */

	t0 = cpc_now();
	ASSERT_EQ(0, chan_wait_state(LB, "ready", RECOVER_SECONDS));
	for (i = 0; i < 50; i++) {
		double t1 = cpc_now();
		int ret = -1;

		/* Until the first answer, a call may meet the last reset. */
		while (cpc_now() < t0 + RECOVER_SECONDS) {
			t1 = cpc_now();
			ret = chan_call(self->fd, CPC_PROC_PING, 1000 + i, NULL, 0, CALL_MS, &r);
			if (!ret || i)
				break;
			usleep(50 * 1000);
		}
		if (ret) {
			double t1 = cpc_now();

			ends_log(_metadata, "after the failed call", self->shm, &l);
			ret = chan_call(self->fd, CPC_PROC_PING, 1000 + i, NULL, 0, 10000, &r);
			TH_LOG("the same call again: %s after %.2f s", strerror(-ret), cpc_now() - t1);
			ends_log(_metadata, "then", self->shm, &l);
			ret = -ETIMEDOUT;
		}
		ASSERT_EQ(0, ret) TH_LOG("call %d after the writes: %s", i, strerror(-ret));
		EXPECT_EQ(1000 + i, r.ret[0]);
		if (cpc_now() - t1 > slowest)
			slowest = cpc_now() - t1;
	}
	TH_LOG("back and answering %.1f s after the writes stopped; slowest of 50 answers %.0f ms",
	       cpc_now() - t0, slowest * 1000);
	ASSERT_LT(0, cpc_read_file(GUEST_SYSFS "/channels/" LB "/state", state, sizeof(state)));
	EXPECT_EQ(0, strncmp(state, "run", 3)) TH_LOG("guest end: %s", state);
}

TEST_HARNESS_MAIN
