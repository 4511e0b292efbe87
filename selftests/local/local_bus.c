// SPDX-License-Identifier: GPL-2.0
/*
 * local_bus.c - cpc on a KVM-like host without a host VM (testbed/run
 * --local, scenario "local"): this program runs on the build machine as the
 * host end, a user-space peer of the guest's ivshmem server (cpcctl ...
 * bus:<socket>), and reaches into the guest only through qemu-guest-agent
 * (cpc-qga). Covers: every procedure and job through the user-space end,
 * the bench and a short run of make bench's driver (cpc-bench-compare, its
 * procedure modules' phase on the guest's disk too),
 * channel show/list/reset, sweep, policy deny, the errors of a
 * bus name (no server, not a cpc bus, a second host end), a host end
 * killed mid-call (the next one takes over, the guest joins its new
 * generation), the guest's QEMU killed mid-call (ECONNRESET at once,
 * nothing left behind) and the guest booted again (a new generation).
 *
 * Environment (testbed/run --local): CPC_BUSES, CPC_QGA (the first of each
 * is guest 1), CPC_LOCAL_KEY (the owner's snapshot key, as the guest
 * script provisions it), testbed-ctl on PATH.
 */
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cpc_test.h"

#define DIR	"local-bus.d"

FIXTURE(bus) {
	char name[300];	/* bus:<socket> */
	char sock[256];
	char qga[256];
	char key[256];
	char dir[256];	/* directory of the socket */
};

static void first_word(const char *list, char *out, size_t n)
{
	size_t len = strcspn(list ? list : "", " ");

	if (len >= n)
		len = n - 1;
	memcpy(out, list ? list : "", len);
	out[len] = '\0';
}

FIXTURE_SETUP(bus)
{
	const char *key = getenv("CPC_LOCAL_KEY");
	char *slash;

	first_word(getenv("CPC_BUSES"), self->sock, sizeof(self->sock));
	first_word(getenv("CPC_QGA"), self->qga, sizeof(self->qga));
	ASSERT_NE(0, self->sock[0]) TH_LOG("CPC_BUSES names the guests' buses");
	ASSERT_NE(0, self->qga[0]) TH_LOG("CPC_QGA names the guests' qemu-ga sockets (--qga)");
	ASSERT_NE(NULL, key) TH_LOG("CPC_LOCAL_KEY names the owner's key file");
	snprintf(self->key, sizeof(self->key), "%s", key);
	snprintf(self->name, sizeof(self->name), "bus:%s", self->sock);
	snprintf(self->dir, sizeof(self->dir), "%s", self->sock);
	slash = strrchr(self->dir, '/');
	if (slash)
		*slash = '\0';
	mkdir(DIR, 0700);
}

FIXTURE_TEARDOWN(bus)
{
}

/* Starts "sh -c @cmd" in the background, output to @log; returns its pid. */
static pid_t spawn(const char *cmd, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Waits for @pid at most @secs; its exit status, or -1 on time-out. */
static int reap(pid_t pid, double secs)
{
	double end = cpc_now() + secs;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (cpc_now() >= end)
			return -1;
		usleep(20 * 1000);
	}
}

/* The host end's lock shows in a probe: wait until a host end holds it. */
static int wait_attached(const char *name, double secs)
{
	double end = cpc_now() + secs;
	char out[4096];

	while (cpc_now() < end) {
		if (cpc_run(out, sizeof(out), "cpcctl channel show %s --json", name) == 0 &&
		    strstr(out, "\"host_end\": \"attached\""))
			return 0;
		usleep(50 * 1000);
	}
	return -1;
}

/* Runs a shell command in the guest through qemu-ga; its exit status. */
static int in_guest(char *out, size_t n, const char *qga, const char *cmd)
{
	return cpc_run(out, n, "cpc-qga %s exec /bin/sh -c '%s'", qga, cmd);
}

TEST_F(bus, qemu_guest_agent_answers)
{
	char out[8192];

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpc-qga %s ping", self->qga)) TH_LOG("%s", out);
	EXPECT_STREQ("pong\n", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpc-qga %s osinfo", self->qga));
	EXPECT_NE(NULL, strstr(out, "\"id\": \"debian\"")) TH_LOG("%s", out);
	ASSERT_EQ(0, in_guest(out, sizeof(out), self->qga, "cat /sys/kernel/cpc_guest/maint_cpu"));
	EXPECT_STREQ("1\n", out);
}

TEST_F(bus, every_procedure_through_the_user_space_end)
{
	char out[65536];

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s ping value=77", self->name))
		TH_LOG("%s", out);
	EXPECT_STREQ("pong 77 from maintenance vCPU 1\n", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s ping value=5 --json", self->name));
	EXPECT_EQ(5, cpc_json_num(out, NULL, "value"));
	EXPECT_EQ(1, cpc_json_num(out, NULL, "cpu"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s info", self->name));
	EXPECT_NE(NULL, strstr(out, "\"uptime_s\"")) TH_LOG("%s", out);
	EXPECT_EQ(1, cpc_json_num(out, NULL, "maint_cpu"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s ps", self->name));
	EXPECT_EQ(0, strncmp(out, "    PID COMM", 12)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "cpc_maint/1")) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s ps --json", self->name));
	EXPECT_EQ('[', out[0]);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s log bytes=8K", self->name));
	EXPECT_NE(NULL, strstr(out, "cpc_guest")) TH_LOG("%s", out);
}

TEST_F(bus, jobs_through_the_user_space_end)
{
	char out[65536];

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job reclaim %s --size 8M --json", self->name))
		TH_LOG("%s", out);
	EXPECT_EQ(8 << 20, cpc_json_num(out, NULL, "bytes"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job return %s --json", self->name))
		TH_LOG("%s", out);
	EXPECT_EQ(8 << 20, cpc_json_num(out, NULL, "bytes"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out),
			     "cpcctl job snapshot %s --out " DIR "/s.snp --start 0x100000 --size 64K --json",
			     self->name)) TH_LOG("%s", out);
	EXPECT_EQ(16, cpc_json_num(out, NULL, "pages"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl snapshot decrypt --key %s --in " DIR
			     "/s.snp --out " DIR "/s.img", self->key)) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "stat -c %%s " DIR "/s.img"));
	EXPECT_EQ(64 * 1024, atoi(out));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job ping %s --calls 300 --depth 8 --json",
			     self->name)) TH_LOG("%s", out);
	EXPECT_EQ(300, cpc_json_num(out, NULL, "calls"));
	EXPECT_LT(1, cpc_json_num(out, NULL, "max_calls_in_flight"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl bench %s --calls 200 --depth 1 --no-anchor --json",
			     self->name)) TH_LOG("%s", out);
	EXPECT_EQ(200, cpc_json_num(out, NULL, "calls"));
	EXPECT_NE(NULL, strstr(out, "\"mode\": \"sync\""));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl bench %s --calls 200 --depth 16 --no-anchor --json",
			     self->name)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"mode\": \"io_uring\""));
}

TEST_F(bus, channel_show_list_reset_and_sweep)
{
	char out[65536], want[512];

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel show %s --json", self->name));
	EXPECT_NE(NULL, strstr(out, "\"transport\": \"bus\"")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"host_end\": \"none\"")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"sealed\": true")) TH_LOG("%s", out);
	EXPECT_LT(0, cpc_json_num(out, NULL, "guest_generation"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel list --bus-dir %s --json", self->dir));
	EXPECT_NE(NULL, strstr(out, self->name)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"state\": \"ready\"")) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "CPC_BUS_DIR=%s cpcctl channel list", self->dir));
	EXPECT_NE(NULL, strstr(out, self->name)) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl sweep %s --json", self->name));
	EXPECT_NE(NULL, strstr(out, "\"ok\": true")) TH_LOG("%s", out);
	EXPECT_LT(0, cpc_json_num(out, NULL, "ping_ns"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel reset %s --json", self->name))
		TH_LOG("%s", out);
	EXPECT_EQ(0, cpc_json_num(out, NULL, "inflight"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel reset %s", self->name));
	snprintf(want, sizeof(want), "%s: reset, generation ", self->name);
	EXPECT_EQ(0, strncmp(out, want, strlen(want))) TH_LOG("%s", out);
	/* A bus has no kernel host end a slice could mediate. */
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl channel attach %s s1", self->name));
	EXPECT_NE(NULL, strstr(out, "Operation not supported")) TH_LOG("%s", out);
}

/*
 * The driver of make bench's comparison with qemu-ga (cpc-bench-compare),
 * a few calls of each kind: every phase runs, its figures are sane, the
 * report names every goal.
 */
TEST_F(bus, bench_compare_smoke)
{
	char out[65536], pid[64];

	ASSERT_EQ(0, cpc_run(pid, sizeof(pid), "testbed-ctl pid 1")) TH_LOG("%s", pid);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "rm -rf " DIR "/bench && mkdir " DIR "/bench"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpc-bench-compare latency --bus %s --qga %s --out "
			     DIR "/bench --pings 6 --calls 2 --raw 20 --blocks 2",
			     self->sock, self->qga)) TH_LOG("%s", out);
	ASSERT_LT(0, cpc_read_file(DIR "/bench/latency.json", out, sizeof(out)));
	EXPECT_EQ(6, cpc_json_num(out, "\"ping-cpc\"", "count")) TH_LOG("%s", out);
	EXPECT_EQ(6, cpc_json_num(out, "\"ping-qga\"", "count"));
	EXPECT_EQ(20, cpc_json_num(out, "\"ping-raw\"", "count"));
	EXPECT_EQ(2, cpc_json_num(out, "\"ps-cpc\"", "count"));
	EXPECT_EQ(2, cpc_json_num(out, "\"ps-qga\"", "count"));
	EXPECT_LE(1, cpc_json_num(out, "\"ps-qga\"", "status_polls_per_call"));
	EXPECT_LT(0, cpc_json_num(out, "\"info-cpc\"", "median_ns"));
	EXPECT_TRUE(cpc_path_exists(DIR "/bench/cdf-ps-qga.dat"));
	/* The procedure modules against qemu-ga (the guest's disk, --disk). */
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpc-bench-compare procs --bus %s --qga %s --out "
			     DIR "/bench --calls 2 --cycles 2 --blocks 2", self->sock, self->qga))
		TH_LOG("%s", out);
	ASSERT_LT(0, cpc_read_file(DIR "/bench/procs.json", out, sizeof(out)));
	EXPECT_EQ(2, cpc_json_num(out, "\"fsfreeze-cycle-cpc\"", "count")) TH_LOG("%s", out);
	EXPECT_EQ(2, cpc_json_num(out, "\"fsfreeze-cycle-qga\"", "count"));
	EXPECT_EQ(2, cpc_json_num(out, "\"time-set-qga\"", "count"));
	EXPECT_LT(0, cpc_json_num(out, "\"fsinfo-cpc\"", "median_ns"));
	EXPECT_EQ(1, cpc_json_num(out, "\"agree\"", "frozen"));
	EXPECT_EQ(2, cpc_json_num(out, "\"agree\"", "vcpus"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpc-bench-compare dormant --bus %s --qemu-pid %.*s --out "
			     DIR "/bench --idle 1 --load 1", self->sock,
			     (int)strcspn(pid, "\n"), pid)) TH_LOG("%s", out);
	ASSERT_LT(0, cpc_read_file(DIR "/bench/dormant.json", out, sizeof(out)));
	EXPECT_LT(0, cpc_json_num(out, "\"load\"", "calls")) TH_LOG("%s", out);
	EXPECT_LT(0, cpc_json_num(out, "\"load\"", "maint_cpu_pct"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpc-bench-compare spin --qga %s --seconds 1 --label idle --out "
			     DIR "/bench", self->qga)) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpc-bench-compare report --out " DIR "/bench"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "guest-ping")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "idle maintenance vCPU")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "raw doorbell round trip")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "`guest-fsfreeze-freeze` + `guest-fsfreeze-thaw`")) TH_LOG("%s", out);
	/* Bad usage is exit 2, a bus that is not there exit 1. */
	EXPECT_EQ(2, cpc_run(out, sizeof(out), "cpc-bench-compare latency --out " DIR "/bench"));
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpc-bench-compare dormant --bus " DIR
			     "/nothing.sock --qemu-pid 1 --out " DIR "/bench --idle 1 --load 1"));
}

TEST_F(bus, policy_deny)
{
	char out[4096], want[512];

	ASSERT_EQ(0, in_guest(out, sizeof(out), self->qga, "cpcctl guest deny ps")) TH_LOG("%s", out);
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl call %s ps", self->name));
	snprintf(want, sizeof(want), "cpcctl: call ps on %s: Operation not permitted\n", self->name);
	EXPECT_STREQ(want, out);
	ASSERT_EQ(0, in_guest(out, sizeof(out), self->qga,
			      "cat /sys/kernel/cpc_guest/procs/ps/rejected"));
	EXPECT_LE(1, atoi(out));
	ASSERT_EQ(0, in_guest(out, sizeof(out), self->qga, "cpcctl guest allow ps"));
	EXPECT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s ps", self->name)) TH_LOG("%s", out);
}

TEST_F(bus, bus_name_errors)
{
	char out[4096], want[512];
	pid_t srv;

	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl call bus:%s/nosuch.sock ping", self->dir));
	snprintf(want, sizeof(want),
		 "cpcctl: bus:%s/nosuch.sock: connect: No such file or directory\n", self->dir);
	EXPECT_STREQ(want, out);
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl call %s nosuchproc", self->name));
	EXPECT_NE(NULL, strstr(out, "unknown procedure")) TH_LOG("%s", out);
	EXPECT_EQ(2, cpc_run(out, sizeof(out), "cpcctl call %s ping --timeout 70000", self->name));
	/* A region that is not a cpc bus (no bus tag) is left alone. */
	unlink(DIR "/plain.pid");
	srv = spawn("exec cpc-ivshmem-server --plain --socket " DIR "/plain.sock --size 1M --pidfile "
		    DIR "/plain.pid", DIR "/plain.log");
	for (int i = 0; i < 100 && !cpc_path_exists(DIR "/plain.pid"); i++)
		usleep(50 * 1000);
	ASSERT_TRUE(cpc_path_exists(DIR "/plain.pid"));
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl call bus:" DIR "/plain.sock ping"));
	EXPECT_STREQ("cpcctl: bus:" DIR "/plain.sock: not a cpc bus (no bus tag): No such device\n", out);
	EXPECT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel list --bus-dir " DIR " --json"));
	EXPECT_EQ(NULL, strstr(out, "plain.sock")) TH_LOG("%s", out);
	kill(srv, SIGTERM);
	EXPECT_EQ(0, reap(srv, 10));
}

TEST_F(bus, second_host_end_is_refused)
{
	char out[4096], want[512], cmd[512];
	pid_t holder;

	snprintf(cmd, sizeof(cmd), "exec cpcctl job ping %s --calls 1000000 --depth 1", self->name);
	holder = spawn(cmd, DIR "/holder.log");
	ASSERT_EQ(0, wait_attached(self->name, 10));
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl call %s ping", self->name));
	snprintf(want, sizeof(want),
		 "cpcctl: %s: another host end is attached: Device or resource busy\n", self->name);
	EXPECT_STREQ(want, out);
	kill(holder, SIGTERM);
	EXPECT_EQ(128 + SIGTERM, reap(holder, 10));
}

TEST_F(bus, host_end_killed_mid_call_a_new_one_takes_over)
{
	char out[4096], cmd[512];
	long long guest_gen, host_gen;
	pid_t holder;

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel show %s --json", self->name));
	guest_gen = cpc_json_num(out, NULL, "guest_generation");
	snprintf(cmd, sizeof(cmd), "exec cpcctl job ping %s --calls 1000000 --depth 8", self->name);
	holder = spawn(cmd, DIR "/killed.log");
	ASSERT_EQ(0, wait_attached(self->name, 10));
	usleep(500 * 1000); /* calls in flight */
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel show %s --json", self->name));
	host_gen = cpc_json_num(out, NULL, "host_generation");
	EXPECT_EQ(0, kill(holder, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, reap(holder, 10));
	/* The lock went with the process: a new host end, a new generation. */
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s ping value=3", self->name))
		TH_LOG("%s", out);
	EXPECT_STREQ("pong 3 from maintenance vCPU 1\n", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel show %s --json", self->name));
	EXPECT_LT(host_gen, cpc_json_num(out, NULL, "host_generation")) TH_LOG("%s", out);
	/* The guest noticed and reset: its own generation moved on. */
	EXPECT_LT(guest_gen, cpc_json_num(out, NULL, "guest_generation")) TH_LOG("%s", out);
}

TEST_F(bus, guest_killed_mid_call_then_booted_again)
{
	char out[8192], cmd[512];
	long long host_gen;
	double t;
	pid_t job;
	int rc, i;

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel show %s --json", self->name));
	host_gen = cpc_json_num(out, NULL, "host_generation");
	unlink(DIR "/k.snp");
	snprintf(cmd, sizeof(cmd), "exec cpcctl job snapshot %s --out " DIR
		 "/k.snp --start 0x100000 --size 256M --chunk 64K", self->name);
	job = spawn(cmd, DIR "/k.log");
	ASSERT_EQ(0, wait_attached(self->name, 10));
	usleep(1000 * 1000);
	ASSERT_EQ(-1, reap(job, 0)) TH_LOG("the 256 MiB export ended before the guest was killed");
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "testbed-ctl kill 1")) TH_LOG("%s", out);
	t = cpc_now();
	rc = reap(job, 10);
	t = cpc_now() - t;
	TH_LOG("the job ended %.2f s after the guest's QEMU was killed", t);
	EXPECT_EQ(1, rc);
	EXPECT_GT(2.0, t);
	ASSERT_EQ(0, cpc_read_file(DIR "/k.log", out, sizeof(out)) > 0 ? 0 : -1);
	EXPECT_NE(NULL, strstr(out, "Connection reset by peer")) TH_LOG("%s", out);
	EXPECT_FALSE(cpc_path_exists(DIR "/k.snp"));
	EXPECT_FALSE(cpc_path_exists(DIR "/k.snp.tmp"));
	/* Nothing waits for the dead guest: a call says it is not there. */
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl call %s ping --timeout 1000", self->name));
	EXPECT_NE(NULL, strstr(out, "Transport endpoint is not connected")) TH_LOG("%s", out);

	/* The VM boots again on the same bus: the channel comes back. */
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "testbed-ctl start 1")) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "testbed-ctl wait 1 'local: guest ready' 120"))
		TH_LOG("%s", out);
	for (i = 0; i < 50; i++) {
		rc = cpc_run(out, sizeof(out), "cpcctl call %s ping value=9", self->name);
		if (rc == 0)
			break;
		usleep(200 * 1000);
	}
	ASSERT_EQ(0, rc) TH_LOG("%s", out);
	EXPECT_STREQ("pong 9 from maintenance vCPU 1\n", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel show %s --json", self->name));
	EXPECT_LT(host_gen, cpc_json_num(out, NULL, "host_generation")) TH_LOG("%s", out);
	EXPECT_EQ(0, cpc_run(out, sizeof(out), "cpc-qga %s ping", self->qga)) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
