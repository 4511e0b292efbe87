// SPDX-License-Identifier: GPL-2.0
/*
 * chan_flood - a hostile host that keeps the guest's request ring full, run
 * in the host VM (after chan_reboot, before chan_host) while chan_agent runs
 * in a guest started with --guest-reboot.
 *
 * The host's debugfs flood hook refills every free slot with slow requests
 * (ps) every tick. The guest's maintenance thread must never be held: an
 * ordinary task pinned to the maintenance vCPU keeps a fair share of it,
 * unloading cpc_guest returns within seconds, and a clean reboot of the
 * guest VM tells the host (RESET) within seconds - all while the flood goes
 * on. Afterwards the channel answers normally. And the other way round: a
 * guest that restarts its end and rings as fast as it can is throttled by
 * the host, whose log stays bounded.
 */
#include "chan_common.h"
#include "kselftest_harness.h"

#define REBOOT_SECONDS	120
#define PS_ALLOWED	"/sys/kernel/cpc_guest/procs/ps/allowed"

FIXTURE(flood) {
	char name[64];
	int fd;
	int shm;
};

/* Starts (or, with @ms 0, stops) the host's flood of @opcode requests. */
static int flood(const char *chan, unsigned int opcode, unsigned int ms)
{
	char path[256], cmd[32];

	snprintf(path, sizeof(path), "/sys/kernel/debug/cpc_host/channels/%s/flood", chan);
	snprintf(cmd, sizeof(cmd), "%u %u", opcode, ms);
	return cpc_write_file(path, cmd);
}

static long long flood_posted(const char *chan)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "/sys/kernel/debug/cpc_host/channels/%s/flood", chan);
	if (cpc_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return atoll(buf + strlen("posted "));
}

FIXTURE_SETUP(flood)
{
	ASSERT_EQ(0, chan_name(0, self->name, sizeof(self->name)));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", REBOOT_SECONDS));
	self->fd = chan_open(self->name);
	ASSERT_LE(0, self->fd);
	self->shm = chan_shm_open(self->name);
	ASSERT_LE(0, self->shm);
	ASSERT_EQ(0, mbox_agent_wait(self->shm, REBOOT_SECONDS));
	/* Slow, valid requests: the owner allows ps for this test. */
	ASSERT_EQ(0, guest_write(self->shm, PS_ALLOWED, "1"));
}

FIXTURE_TEARDOWN(flood)
{
	flood(self->name, CPC_PROC_PS, 0);
	close(self->fd);
	close(self->shm);
}

/* The channel answers normally once the flood is over. */
static void expect_calls_work(struct __test_metadata *_metadata, const char *name, int fd)
{
	struct cpc_call r;
	int i;

	ASSERT_EQ(0, chan_wait_state(name, "ready", REBOOT_SECONDS));
	/* Let the guest drain what the flood left in the ring. */
	for (i = 0; i < 100 && chan_sysfs_num(name, "inflight") > 0; i++)
		usleep(100 * 1000);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, chan_call(fd, CPC_PROC_PING, 40 + i, NULL, 0, 5000, &r));
		EXPECT_EQ(40 + i, r.ret[0]);
	}
}

TEST_F_TIMEOUT(flood, pinned_task_keeps_its_share, 120)
{
	long long demoted = guest_num(self->shm, "/sys/kernel/cpc_guest/demotions");
	long long posted = flood_posted(self->name);
	int base, during;

	base = mbox_cmd(self->shm, MBOX_SPIN, NULL, NULL, 0, 2000, NULL, 0);
	ASSERT_LT(0, base);
	ASSERT_EQ(0, flood(self->name, CPC_PROC_PS, 30000));
	usleep(500 * 1000);
	during = mbox_cmd(self->shm, MBOX_SPIN, NULL, NULL, 0, 2000, NULL, 0);
	ASSERT_LT(0, during);
	EXPECT_LT(posted + 100, flood_posted(self->name)) TH_LOG("no flood");
	ASSERT_EQ(0, flood(self->name, CPC_PROC_PS, 0));
	TH_LOG("pinned task on the maintenance vCPU: %d loops alone, %d during the flood (%d%%)",
	       base, during, (int)(100LL * during / base));
	/* Alone with the maintenance thread, a task gets half the CPU. */
	EXPECT_LE(base, 4LL * during) TH_LOG("starved: %d vs %d", during, base);
	EXPECT_LT(demoted, guest_num(self->shm, "/sys/kernel/cpc_guest/demotions"));
	expect_calls_work(_metadata, self->name, self->fd);
}

TEST_F_TIMEOUT(flood, unload_during_flood, 120)
{
	double t0;
	int r;

	ASSERT_EQ(0, flood(self->name, CPC_PROC_PS, 40000));
	usleep(500 * 1000);
	t0 = cpc_now();
	r = mbox_cmd(self->shm, MBOX_RELOAD, NULL, NULL, 0, 0, NULL, 0);
	EXPECT_EQ(0, r);
	TH_LOG("rmmod + insmod cpc_guest during the flood: %.1f s", cpc_now() - t0);
	EXPECT_GT(5.0, cpc_now() - t0);
	ASSERT_EQ(0, flood(self->name, CPC_PROC_PS, 0));
	ASSERT_EQ(0, guest_write(self->shm, PS_ALLOWED, "1"));
	expect_calls_work(_metadata, self->name, self->fd);
}

/* Lines of the host's kernel log that name @chan. */
static int host_log_lines(const char *chan)
{
	char cmd[160], out[32];

	snprintf(cmd, sizeof(cmd), "dmesg | grep -c '%s'", chan);
	if (cpc_run(out, sizeof(out), "%s", cmd) < 0)
		return -1;
	return atoi(out);
}

/*
 * A hostile guest restarts its end and rings as fast as it can for 4 s: the
 * host throttles it (counted, in sysfs), its log stays bounded, and it stays
 * responsive; the channel comes back afterwards.
 */
TEST_F_TIMEOUT(flood, flapping_guest_is_throttled, 120)
{
	long long throttles = chan_sysfs_num(self->name, "throttles");
	long long ignored = chan_sysfs_num(self->name, "doorbells_ignored");
	int lines = host_log_lines(self->name), after;
	char gname[64], path[192], buf[4096];
	double t, worst = 0;
	int i, r;

	ASSERT_LE(0, lines);
	ASSERT_LT(0, mbox_cmd(self->shm, MBOX_READ, MBOX_CHANNEL_NAME, NULL, 0, 0,
			      gname, sizeof(gname)));
	snprintf(path, sizeof(path), "/sys/kernel/debug/cpc_guest/channels/%s/flap", gname);
	ASSERT_EQ(0, mbox_post(self->shm, MBOX_WRITE, path, "4000", 4, 0));
	/* Throttled within a window or two of the flapping. */
	for (i = 0; i < 25 && chan_sysfs_num(self->name, "throttled") != 1; i++)
		usleep(100 * 1000);
	EXPECT_EQ(1, chan_sysfs_num(self->name, "throttled"));
	/* The host answers its own users meanwhile. */
	for (i = 0; i < 5; i++) {
		t = cpc_now();
		EXPECT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl channel list"));
		EXPECT_LT(0, chan_sysfs_str(self->name, "state", path, sizeof(path)));
		t = cpc_now() - t;
		worst = t > worst ? t : worst;
		usleep(100 * 1000);
	}
	r = mbox_wait(self->shm, NULL, 0, 60);
	EXPECT_EQ(0, r);
	after = host_log_lines(self->name);
	TH_LOG("flapping guest: %d host log lines, %lld throttles, %lld doorbells ignored, slowest cpcctl %.2f s",
	       after - lines, chan_sysfs_num(self->name, "throttles") - throttles,
	       chan_sysfs_num(self->name, "doorbells_ignored") - ignored, worst);
	EXPECT_LT(throttles, chan_sysfs_num(self->name, "throttles"));
	EXPECT_LT(ignored, chan_sysfs_num(self->name, "doorbells_ignored"));
	/* The channel's log budget: 5 lines per 10 s (transport/peer_log.h). */
	EXPECT_GE(12, after - lines);
	EXPECT_GT(1.0, worst);
	/*
	 * Throttled, the host notices the guest's last restart only at its
	 * next periodic check: let one pass before calling.
	 */
	usleep(300 * 1000);
	expect_calls_work(_metadata, self->name, self->fd);
	/* Calm again: the throttle lets go within a window or two. */
	for (i = 0; i < 50 && chan_sysfs_num(self->name, "throttled") != 0; i++)
		usleep(100 * 1000);
	EXPECT_EQ(0, chan_sysfs_num(self->name, "throttled"));
}

TEST_F_TIMEOUT(flood, reboot_during_flood, REBOOT_SECONDS * 2)
{
	char peer[32] = "";
	double t0, left;

	ASSERT_EQ(0, flood(self->name, CPC_PROC_PS, 50000));
	usleep(500 * 1000);
	t0 = cpc_now();
	ASSERT_EQ(0, mbox_cmd(self->shm, MBOX_REBOOT, NULL, NULL, 0, 0, NULL, 0));
	ASSERT_EQ(0, mbox_agent_forget(self->shm));
	/* The guest's shutdown hook tells the host before the VM goes. */
	for (left = 10; left > 0; left -= 0.05) {
		if (chan_sysfs_str(self->name, "peer_state", peer, sizeof(peer)) > 0 &&
		    !strcmp(peer, "reset"))
			break;
		usleep(50 * 1000);
	}
	TH_LOG("guest shut its channel down %.1f s after the reboot began", cpc_now() - t0);
	EXPECT_STREQ("reset", peer);
	ASSERT_EQ(0, flood(self->name, CPC_PROC_PS, 0));
	ASSERT_EQ(0, mbox_agent_wait(self->shm, REBOOT_SECONDS));
	expect_calls_work(_metadata, self->name, self->fd);
}

TEST_HARNESS_MAIN
