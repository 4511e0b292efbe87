// SPDX-License-Identifier: GPL-2.0
/*
 * bench_host - functional tests of the CPC benchmark (no timed
 * assertions): the transport's raw doorbell ping-pong (host "pingpong",
 * guest "reflect": off by default, bounded, every errno, ENOMEM on the
 * debug kernel) and cpcctl bench
 * (runs at depth 1 and 64, sane JSON, `cpcctl: ...` + non-zero exit on bad
 * input). Runs in the host VM while chan_agent runs in the guest VM.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>

#include "chan_common.h"
#include "fail_nth.h"
#include "kselftest_harness.h"

#define GUEST_REFLECT "/sys/kernel/debug/cpc_guest/ivshmem/%s/reflect"

FIXTURE(bench) {
	char name[64];
	char pp[256];		/* host debugfs pingpong */
	char reflect[1024];	/* guest debugfs reflect */
	int shm;
	unsigned int own_id;
	bool agent_gone;
};

FIXTURE_SETUP(bench)
{
	char path[256], buf[768];
	int r;

	ASSERT_EQ(0, chan_name(0, self->name, sizeof(self->name)));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 120)) TH_LOG("no guest came up");
	self->shm = chan_shm_open(self->name);
	ASSERT_LE(0, self->shm);
	snprintf(self->pp, sizeof(self->pp), "/sys/kernel/debug/cpc_host/ivshmem/%s/pingpong",
		 self->name + strlen("ivshmem-"));
	snprintf(path, sizeof(path), "/sys/kernel/debug/cpc_host/ivshmem/%s/id",
		 self->name + strlen("ivshmem-"));
	ASSERT_LT(0, cpc_read_file(path, buf, sizeof(buf)));
	self->own_id = atoi(buf);
	ASSERT_EQ(0, mbox_agent_wait(self->shm, 120)) TH_LOG("the guest agent never came up");
	r = mbox_cmd(self->shm, MBOX_READ, MBOX_CHANNEL_NAME, NULL, 0, 0, buf, sizeof(buf));
	ASSERT_LT(0, r);
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(self->reflect, sizeof(self->reflect), GUEST_REFLECT, buf);
}

FIXTURE_TEARDOWN(bench)
{
	/* Leave the reflector off. */
	if (!self->agent_gone)
		guest_write(self->shm, self->reflect, "0");
	close(self->shm);
}

struct pp_figures {
	unsigned long long rounds, timeouts, min, median, p99, max;
};

static int pp_read(const char *path, struct pp_figures *f)
{
	char buf[256];
	int r = cpc_read_file(path, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (sscanf(buf, "rounds=%llu timeouts=%llu min_ns=%llu median_ns=%llu p99_ns=%llu max_ns=%llu",
		   &f->rounds, &f->timeouts, &f->min, &f->median, &f->p99, &f->max) != 6)
		return -EPROTO;
	return 0;
}

/* "left=N peer=P reflected=R" of the guest's reflector. */
static int reflect_read(int shm, const char *path, long long *left, long long *reflected)
{
	char buf[768];
	int r = mbox_cmd(shm, MBOX_READ, path, NULL, 0, 0, buf, sizeof(buf));

	if (r < 0)
		return r;
	return sscanf(buf, "left=%lld peer=%*u reflected=%lld", left, reflected) == 2 ? 0 : -EPROTO;
}

TEST_F(bench, pingpong_needs_the_reflector)
{
	struct pp_figures f;
	long long left, refl;

	ASSERT_EQ(0, reflect_read(self->shm, self->reflect, &left, &refl));
	EXPECT_EQ(0, left) TH_LOG("the reflector must be off by default");
	ASSERT_EQ(0, pp_read(self->pp, &f));
	EXPECT_EQ(-ETIMEDOUT, cpc_write_file(self->pp, "3"));
	ASSERT_EQ(0, pp_read(self->pp, &f));
	EXPECT_LE(1, f.timeouts);
	/* The channel (vector 0) is unaffected. */
	int fd = chan_open(self->name);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, chan_call(fd, CPC_PROC_PING, 7, NULL, 0, 0, NULL));
	close(fd);
}

/*
 * A run whose sample array cannot be allocated (its first allocation,
 * failed through failslab + fail-nth): the write's errno, or -1 where the
 * kernel has no fault injection (Debian's), -2 when nothing failed.
 */
static int pingpong_nomem(const char *path)
{
	int fd, armed, err;
	long left;

	if (!fail_nth_available())
		return -1;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fail_nth_only("failslab"))
		return fd < 0 ? errno : EIO;
	armed = fail_nth_arm(1);
	if (armed < 0) {
		close(fd);
		return -armed;
	}
	err = write(fd, "5", 1) < 0 ? errno : 0;
	left = fail_nth_disarm(armed);
	fail_nth_default();
	close(fd);
	return left == 0 ? err : -2;
}

TEST_F(bench, pingpong_errnos)
{
	char s[64];
	int nomem;

	EXPECT_EQ(-EINVAL, cpc_write_file(self->pp, "0"));
	EXPECT_EQ(-EINVAL, cpc_write_file(self->pp, "100001"));
	EXPECT_EQ(-EINVAL, cpc_write_file(self->pp, "many"));
	snprintf(s, sizeof(s), "5 %u", self->own_id);
	EXPECT_EQ(-EINVAL, cpc_write_file(self->pp, s)) TH_LOG("ringing ourselves");
	EXPECT_EQ(-EINVAL, cpc_write_file(self->pp, "5 65536"));
	/* The guest's reflector validates the same way. */
	EXPECT_EQ(-EINVAL, guest_write(self->shm, self->reflect, "1000001"));
	EXPECT_EQ(-EINVAL, guest_write(self->shm, self->reflect, "off"));
	EXPECT_EQ(-EINVAL, guest_write(self->shm, self->reflect, "5 65536"));
	nomem = pingpong_nomem(self->pp);
	if (nomem == -1)
		TH_LOG("no failslab/fail-nth in this kernel: ENOMEM is checked on the debug kernel");
	else
		EXPECT_EQ(ENOMEM, nomem);
}

static void *pp_thread(void *arg)
{
	return (void *)(long)cpc_write_file(arg, "1");
}

TEST_F(bench, pingpong_busy)
{
	pthread_t t;
	void *ret;

	/* Reflector off: the first run waits for its round's time-out. */
	ASSERT_EQ(0, pthread_create(&t, NULL, pp_thread, self->pp));
	usleep(50000);
	EXPECT_EQ(-EBUSY, cpc_write_file(self->pp, "1"));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(-ETIMEDOUT, (int)(long)ret);
}

TEST_F(bench, pingpong_bounded_reflector)
{
	struct pp_figures f;
	long long left, refl0, refl;

	ASSERT_EQ(0, reflect_read(self->shm, self->reflect, &left, &refl0));
	ASSERT_EQ(0, guest_write(self->shm, self->reflect, "20"));
	ASSERT_EQ(0, reflect_read(self->shm, self->reflect, &left, &refl));
	EXPECT_EQ(20, left);
	ASSERT_EQ(0, cpc_write_file(self->pp, "20"));
	ASSERT_EQ(0, pp_read(self->pp, &f));
	EXPECT_EQ(20, f.rounds);
	EXPECT_LT(0, f.min);
	EXPECT_LE(f.min, f.median);
	EXPECT_LE(f.median, f.p99);
	EXPECT_LE(f.p99, f.max);
	ASSERT_EQ(0, reflect_read(self->shm, self->reflect, &left, &refl));
	EXPECT_EQ(0, left);
	EXPECT_EQ(20, refl - refl0);
	/* Spent: the next round gets no answer. */
	EXPECT_EQ(-ETIMEDOUT, cpc_write_file(self->pp, "1"));
	/* Re-armed, then disarmed: off again. */
	ASSERT_EQ(0, guest_write(self->shm, self->reflect, "5"));
	ASSERT_EQ(0, guest_write(self->shm, self->reflect, "0"));
	EXPECT_EQ(-ETIMEDOUT, cpc_write_file(self->pp, "1"));
}

static void *pp_long_thread(void *arg)
{
	return (void *)(long)cpc_write_file(arg, "100000");
}

TEST_F(bench, pingpong_ends_when_the_device_goes)
{
	const char *drv = "/sys/bus/pci/drivers/cpc_host_ivshmem";
	const char *pci = self->name + strlen("ivshmem-");
	char path[256];
	double t0;
	pthread_t t;
	void *ret;

	/* A long run (the reflector answers), then the device is unbound. */
	ASSERT_EQ(0, guest_write(self->shm, self->reflect, "100000"));
	ASSERT_EQ(0, pthread_create(&t, NULL, pp_long_thread, self->pp));
	usleep(300000);
	t0 = cpc_now();
	snprintf(path, sizeof(path), "%s/unbind", drv);
	ASSERT_EQ(0, cpc_write_file(path, pci));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(-ENODEV, (int)(long)ret);
	EXPECT_GT(5.0, cpc_now() - t0) TH_LOG("unbind waited for the run");
	snprintf(path, sizeof(path), "%s/bind", drv);
	ASSERT_EQ(0, cpc_write_file(path, pci));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 60));
	/* The new device's files: reopen the mailbox. */
	close(self->shm);
	self->shm = chan_shm_open(self->name);
	ASSERT_LE(0, self->shm);
}

static void check_bench_json(struct __test_metadata *_metadata, const char *out,
			     int calls, int depth)
{
	EXPECT_EQ(calls, cpc_json_num(out, NULL, "calls")) TH_LOG("%s", out);
	EXPECT_EQ(depth, cpc_json_num(out, NULL, "depth"));
	EXPECT_NE(NULL, strstr(out, depth == 1 ? "\"ioctl\"" : "\"io_uring\""));
	EXPECT_LT(0, cpc_json_num(out, NULL, "calls_per_s"));
	EXPECT_LT(0, cpc_json_num(out, NULL, "elapsed_ns"));
	/* Call latency: every call measured, ordered statistics. */
	EXPECT_EQ(calls, cpc_json_num(out, "\"latency\"", "count"));
	EXPECT_LT(0, cpc_json_num(out, "\"latency\"", "min_ns"));
	EXPECT_LE(cpc_json_num(out, "\"latency\"", "min_ns"), cpc_json_num(out, "\"latency\"", "median_ns"));
	EXPECT_LE(cpc_json_num(out, "\"latency\"", "median_ns"), cpc_json_num(out, "\"latency\"", "p99_ns"));
	EXPECT_LE(cpc_json_num(out, "\"latency\"", "p99_ns"), cpc_json_num(out, "\"latency\"", "max_ns"));
	/* The anchor ran in the same invocation, ratios against it. */
	EXPECT_EQ(calls, cpc_json_num(out, "\"raw\"", "count"));
	EXPECT_LT(0, cpc_json_num(out, "\"raw\"", "median_ns"));
	EXPECT_LE(cpc_json_num(out, "\"raw\"", "median_ns"), cpc_json_num(out, "\"raw\"", "p99_ns"));
	EXPECT_LT(0, cpc_json_num(out, "\"ratio\"", "median"));
	EXPECT_LT(0, cpc_json_num(out, "\"ratio\"", "p99"));
	EXPECT_LT(0, cpc_json_num(out, "\"ratio\"", "throughput"));
	EXPECT_EQ(0, cpc_json_check("bench", out)) TH_LOG("%s", out);
}

TEST_F(bench, cpcctl_bench_depth_1_and_64)
{
	long long done0 = chan_sysfs_num(self->name, "completed");
	static char out[8192];

	ASSERT_LE(0, done0);
	ASSERT_EQ(0, guest_write(self->shm, self->reflect, "200"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl bench %s --calls 200 --depth 1 --json",
			     self->name)) TH_LOG("%s", out);
	check_bench_json(_metadata, out, 200, 1);

	ASSERT_EQ(0, guest_write(self->shm, self->reflect, "300"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl bench %s --calls 300 --depth 64 --anchor --json",
			     self->name)) TH_LOG("%s", out);
	check_bench_json(_metadata, out, 300, 64);
	/* The calls really went through the channel. */
	EXPECT_LE(done0 + 500, chan_sysfs_num(self->name, "completed"));

	/* Human output: the table with the ratios. */
	ASSERT_EQ(0, guest_write(self->shm, self->reflect, "50"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl bench %s --calls 50 --depth 8",
			     self->name)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "ratio call/raw median")) TH_LOG("%s", out);
}

TEST_F(bench, cpcctl_bench_without_anchor)
{
	static char out[8192];

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl bench %s --calls 20 --no-anchor --json",
			     self->name)) TH_LOG("%s", out);
	EXPECT_EQ(20, cpc_json_num(out, NULL, "calls"));
	EXPECT_EQ(NULL, strstr(out, "\"raw\""));
	/* Reflector off: the anchor fails, and says why. */
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl bench %s --calls 20 --anchor", self->name));
	EXPECT_EQ(0, strncmp(out, "cpcctl: raw ping-pong ", 22)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "reflector")) TH_LOG("%s", out);
}

TEST_F(bench, cpcctl_bench_errors)
{
	/* An unknown channel fails (1); a bad value does not parse (2). */
	static const struct {
		const char *cmd;
		int status;
	} bad[] = {
		{ "cpcctl bench nosuch --calls 10", 1 },
		{ "cpcctl bench %s --calls 0", 2 },
		{ "cpcctl bench %s --calls many", 2 },
		{ "cpcctl bench %s --depth 0", 2 },
		{ "cpcctl bench %s --depth 257", 2 },
		{ "cpcctl bench %s --anchor --no-anchor", 2 },
	};
	char cmd[256], out[1024], *nl;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(cmd, sizeof(cmd), bad[i].cmd, self->name);
		EXPECT_EQ(bad[i].status, cpc_run(out, sizeof(out), "%s", cmd)) TH_LOG("%s: %s", cmd, out);
		EXPECT_EQ(0, strncmp(out, "cpcctl: ", 8)) TH_LOG("%s: %s", cmd, out);
		nl = strchr(out, '\n');
		EXPECT_TRUE(nl && !nl[1]) TH_LOG("one line: %s", out);
	}
}

/* Last: let the agent go. */
TEST_F(bench, zz_agent_done)
{
	EXPECT_EQ(0, mbox_cmd(self->shm, MBOX_DONE, NULL, NULL, 0, 0, NULL, 0));
	self->agent_gone = true;
}

TEST_HARNESS_MAIN
