// SPDX-License-Identifier: GPL-2.0
/*
 * loopback.c - the loopback transport and slice-attached channels, in the
 * host VM alone: cpc_host (loopback_mib=4) and cpc_guest (loopback=1,
 * maint_cpu=3) in one kernel.
 *
 * Covers: the channel "loopback" (transport loopback, in cpcctl channel list
 * --json), ping/info/ps/log/reclaim/return through it, the doorbell landing
 * as an IPI on the maintenance CPU, the guest's policy, unloading cpc_guest
 * mid-call (ECONNRESET) and reloading it, cpc_host refusing to unload under
 * an attached guest, both load orders, loopback_mib bounds, and
 * CPC_IOCTL_CHANNEL_ATTACH/DETACH: mediation by the slice's IPI mask, lock,
 * destroy, and every errno.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_common.h"
#include "chan_uring.h"
#include "slice_test.h"
#include "attach_test.h"
#include "cpc_ring.h"
#include "lb_test.h"

/* Function-call interrupts taken by @cpu (/proc/interrupts "CAL:"). */
static long long cal_irqs(int cpu)
{
	char line[1024];
	long long v = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		int i;

		while (*p == ' ')
			p++;
		if (strncmp(p, "CAL:", 4))
			continue;
		p += 4;
		for (i = 0; i <= cpu; i++) {
			v = strtoll(p, &end, 10);
			if (end == p) {
				v = -1;
				break;
			}
			p = end;
		}
		break;
	}
	fclose(f);
	return v;
}

FIXTURE(lb) {
	int dev;
	int ch;
};

FIXTURE_SETUP(lb)
{
	ASSERT_EQ(0, lb_up());
	self->dev = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	self->ch = chan_open(LB);
	ASSERT_LE(0, self->ch);
}

FIXTURE_TEARDOWN(lb)
{
	slice_destroy(self->dev, "lb");
	slice_destroy(self->dev, "lb2");
	close(self->ch);
	close(self->dev);
}

TEST_F(lb, appears)
{
	char buf[4096];

	ASSERT_LT(0, chan_sysfs_str(LB, "transport", buf, sizeof(buf)));
	EXPECT_STREQ("loopback", buf);
	ASSERT_LE(0, chan_sysfs_str(LB, "slice", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	EXPECT_EQ(1, local_guest_num("loopback/attached"));
	EXPECT_EQ(MAINT_CPU, local_guest_num("maint_cpu"));
	EXPECT_TRUE(cpc_path_exists(GUEST_SYSFS "/channels/loopback"));

	EXPECT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl channel list --json"));
	EXPECT_NE(NULL, strstr(buf, "\"name\": \"loopback\""));
	EXPECT_NE(NULL, strstr(buf, "\"transport\": \"loopback\""));
	EXPECT_NE(NULL, strstr(buf, "\"state\": \"ready\""));

	EXPECT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl call loopback ping value=7"));
	EXPECT_NE(NULL, strstr(buf, "pong 7 from maintenance vCPU 3")) TH_LOG("got: %s", buf);
}

TEST_F(lb, procedures)
{
	static char out[65536];
	struct cpc_call r;

	ASSERT_EQ(0, ping(self->ch, 0x1234, &r));
	EXPECT_EQ(0x1234, r.ret[0]);
	EXPECT_EQ(MAINT_CPU, r.ret[1]);

	ASSERT_EQ(0, chan_call(self->ch, CPC_PROC_INFO, 0, out, sizeof(out), 5000, &r));
	ASSERT_LT(0, r.out_len);
	EXPECT_EQ('{', out[0]);
	ASSERT_EQ(0, chan_call(self->ch, CPC_PROC_PS, 0, out, sizeof(out), 5000, &r));
	ASSERT_LT(0, r.out_len);
	out[r.out_len < sizeof(out) ? r.out_len : sizeof(out) - 1] = '\0';
	EXPECT_NE(NULL, strstr(out, "cpc_maint/3"));
	ASSERT_EQ(0, chan_call(self->ch, CPC_PROC_LOG, 4096, out, sizeof(out), 5000, &r));
	EXPECT_LT(0, r.out_len);

	/* In one kernel reclaim takes memory from the same kernel, return gives it back. */
	ASSERT_EQ(0, chan_call(self->ch, CPC_PROC_RECLAIM, 8, out, sizeof(out), 10000, &r));
	EXPECT_EQ(8ULL << 20, r.ret[0]);
	EXPECT_EQ(8ULL << 20, local_guest_num("reclaimed_bytes"));
	ASSERT_EQ(0, chan_call(self->ch, CPC_PROC_RETURN, 0, out, sizeof(out), 10000, &r));
	EXPECT_EQ(8ULL << 20, r.ret[0]);
	EXPECT_EQ(0, local_guest_num("reclaimed_bytes"));
}

TEST_F(lb, ipi_lands_on_maintenance_cpu)
{
	long long ipis, wake, cal, elsewhere;
	cpu_set_t set;
	struct cpc_call r;
	int i;

	/* Ring from CPU 0 so that each doorbell is a real IPI to CPU 3. */
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	ipis = local_guest_num("loopback/ipis");
	elsewhere = local_guest_num("loopback/ipis_elsewhere");
	wake = local_guest_num("wakeups");
	cal = cal_irqs(MAINT_CPU);
	ASSERT_LE(0, cal);
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, ping(self->ch, i, &r));
	TH_LOG("ipis +%lld, wakeups +%lld, CAL on CPU%d +%lld",
	       local_guest_num("loopback/ipis") - ipis, local_guest_num("wakeups") - wake,
	       MAINT_CPU, cal_irqs(MAINT_CPU) - cal);
	/*
	 * About one request doorbell per call (the guest re-arms after each;
	 * one may be suppressed while it is still awake). Every IPI is handled
	 * on CPU 3, arrives there as a function-call interrupt (one interrupt
	 * may serve two queued calls, so CAL can trail slightly), and wakes
	 * the maintenance thread.
	 */
	ipis = local_guest_num("loopback/ipis") - ipis;
	EXPECT_LE(10, ipis);
	EXPECT_LE(10, cal_irqs(MAINT_CPU) - cal);
	EXPECT_LE(10, local_guest_num("wakeups") - wake);
	EXPECT_EQ(elsewhere, local_guest_num("loopback/ipis_elsewhere"));
}

TEST_F(lb, policy_deny)
{
	struct cpc_call r;

	ASSERT_EQ(0, cpc_write_file(GUEST_SYSFS "/procs/ping/allowed", "0"));
	EXPECT_EQ(-EPERM, ping(self->ch, 1, &r));
	ASSERT_EQ(0, cpc_write_file(GUEST_SYSFS "/procs/ping/allowed", "1"));
	EXPECT_EQ(0, ping(self->ch, 1, &r));
}

TEST_F(lb, guest_unload_mid_call_and_reload)
{
	struct cpc_call r;
	int status;
	pid_t pid;

	ASSERT_EQ(0, cpc_write_file("/sys/kernel/debug/cpc_guest/delay_next_ms", "5000"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(-ping(self->ch, 7, NULL));
	usleep(500000);
	ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(ECONNRESET, WEXITSTATUS(status));
	EXPECT_EQ(-ENOTCONN, ping(self->ch, 1, &r));

	ASSERT_EQ(0, cpc_module_load("cpc_guest", GUEST_ARGS));
	ASSERT_EQ(0, chan_wait_state(LB, "ready", 10));
	EXPECT_EQ(0, ping(self->ch, 8, &r));
	EXPECT_EQ(8, r.ret[0]);
}

/* With the guest attached, cpc_host refuses to unload and keeps working. */
TEST_F(lb, host_unload_refused_while_attached)
{
	struct cpc_call r;
	int ret;

	close(self->ch);
	close(self->dev);
	self->ch = self->dev = -1;
	ret = cpc_module_unload("cpc_host");
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EBUSY) TH_LOG("unload: %d", ret);
	self->dev = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	self->ch = chan_open(LB);
	ASSERT_LE(0, self->ch);
	EXPECT_EQ(0, ping(self->ch, 3, &r));
}

TEST(load_orders)
{
	struct cpc_call r;
	int fd;

	ASSERT_EQ(0, lb_up());
	ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));

	/* loopback_mib is bounded. */
	EXPECT_EQ(-EINVAL, cpc_module_load("cpc_host", "loopback_mib=17"));

	/* Guest first: it waits for the host. */
	ASSERT_EQ(0, cpc_module_load("cpc_guest", GUEST_ARGS));
	usleep(500000);
	EXPECT_EQ(0, local_guest_num("loopback/attached"));
	/* A host without a loopback channel: the guest keeps waiting. */
	ASSERT_EQ(0, cpc_module_load("cpc_host", NULL));
	usleep(500000);
	EXPECT_EQ(0, local_guest_num("loopback/attached"));
	EXPECT_EQ(-ENODEV, chan_open(LB));
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));
	ASSERT_EQ(0, cpc_module_load("cpc_host", HOST_ARGS));
	ASSERT_EQ(0, chan_wait_state(LB, "ready", 10));
	EXPECT_EQ(1, local_guest_num("loopback/attached"));
	fd = chan_open(LB);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ping(fd, 1, &r));
	close(fd);

	/* Host first. */
	ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));
	ASSERT_EQ(0, cpc_module_load("cpc_host", HOST_ARGS));
	EXPECT_EQ(0, chan_wait_state(LB, "waiting", 2));
	ASSERT_EQ(0, cpc_module_load("cpc_guest", GUEST_ARGS));
	ASSERT_EQ(0, chan_wait_state(LB, "ready", 10));
	fd = chan_open(LB);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ping(fd, 2, &r));
	EXPECT_EQ(2, r.ret[0]);
	close(fd);
}

TEST_F(lb, slice_mediation)
{
	long long refused, sent;
	char buf[64];
	struct cpc_call r;

	ASSERT_EQ(0, slice_create(self->dev, "lb", 0x6, 128ULL << 20));
	/* The mask allows the slice's CPUs but not the manager. */
	ASSERT_EQ(0, ipi_filter(self->dev, "lb", 0x6, false));
	ASSERT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));
	ASSERT_LT(0, chan_sysfs_str(LB, "slice", buf, sizeof(buf)));
	EXPECT_STREQ("lb", buf);
	/* Attaching again to the same slice is fine. */
	EXPECT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));

	refused = slice_num("lb", "filters/ipi_refused");
	sent = slice_num("lb", "filters/ipi_sent");
	EXPECT_EQ(-EPERM, ping(self->ch, 1, &r));
	EXPECT_EQ(-EPERM, ping(self->ch, 2, &r));
	EXPECT_EQ(refused + 2, slice_num("lb", "filters/ipi_refused"));
	EXPECT_EQ(sent, slice_num("lb", "filters/ipi_sent"));
	/* Nothing was posted: the channel is healthy. */
	EXPECT_EQ(0, chan_sysfs_num(LB, "inflight"));

	ASSERT_EQ(0, ipi_filter(self->dev, "lb", 0x6, true));
	refused = slice_num("lb", "filters/ipi_refused");
	EXPECT_EQ(0, ping(self->ch, 3, &r));
	EXPECT_EQ(3, r.ret[0]);
	EXPECT_LE(sent + 1, slice_num("lb", "filters/ipi_sent"));
	EXPECT_EQ(refused, slice_num("lb", "filters/ipi_refused"));

	/* Detach: unmediated again. */
	ASSERT_EQ(0, ipi_filter(self->dev, "lb", 0x6, false));
	ASSERT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, LB, "lb"));
	ASSERT_LE(0, chan_sysfs_str(LB, "slice", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	EXPECT_EQ(0, ping(self->ch, 4, &r));
	EXPECT_EQ(refused, slice_num("lb", "filters/ipi_refused"));

	/* Locked: attaching and detaching are filter changes. */
	ASSERT_EQ(0, ipi_filter(self->dev, "lb", 0x6, true));
	ASSERT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));
	ASSERT_EQ(0, slice_lock(self->dev, "lb"));
	EXPECT_EQ(EPERM, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, LB, "lb"));
	EXPECT_EQ(EPERM, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));
	EXPECT_EQ(0, ping(self->ch, 5, &r));

	/* Destroying the slice detaches the channel. */
	ASSERT_EQ(0, slice_destroy(self->dev, "lb"));
	ASSERT_LE(0, chan_sysfs_str(LB, "slice", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	EXPECT_EQ(0, ping(self->ch, 6, &r));
}

TEST_F(lb, attach_errnos)
{
	struct cpc_channel_attach a;
	unsigned char big[sizeof(a) + 8];
	int status;
	pid_t pid;

	ASSERT_EQ(0, slice_create(self->dev, "lb", 0x2, 128ULL << 20));
	ASSERT_EQ(0, slice_create(self->dev, "lb2", 0x4, 128ULL << 20));

#define RESET() do { memset(&a, 0, sizeof(a)); a.size = sizeof(a); \
	strcpy(a.channel, LB); strcpy(a.slice, "lb"); } while (0)
#define EXPECT_ATTACH_ERRNO(e) \
	EXPECT_EQ(e, ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, &a) ? errno : 0)

	EXPECT_EQ(EFAULT, ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, NULL) ? errno : 0);
	RESET(); a.size = sizeof(a) - 1;
	EXPECT_ATTACH_ERRNO(EINVAL);
	RESET(); a.flags = 1;
	EXPECT_ATTACH_ERRNO(EINVAL);
	RESET(); a.reserved[1] = 1;
	EXPECT_ATTACH_ERRNO(EINVAL);
	RESET(); a.channel[0] = '\0';
	EXPECT_ATTACH_ERRNO(EINVAL);
	RESET(); memset(a.channel, 'x', sizeof(a.channel));
	EXPECT_ATTACH_ERRNO(EINVAL);
	RESET(); strcpy(a.slice, "bad/name");
	EXPECT_ATTACH_ERRNO(EINVAL);
	RESET(); a.slice[0] = '\0';
	EXPECT_ATTACH_ERRNO(EINVAL);
	RESET(); memset(big, 0, sizeof(big)); a.size = sizeof(big);
	memcpy(big, &a, sizeof(a)); big[sizeof(a) + 3] = 1;
	EXPECT_EQ(E2BIG, ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, big) ? errno : 0);
	big[sizeof(a) + 3] = 0;		/* zero extra bytes are fine */
	EXPECT_EQ(0, ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, big) ? errno : 0);
	EXPECT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, LB, "lb"));
	RESET(); strcpy(a.slice, "nosuch");
	EXPECT_ATTACH_ERRNO(ENOENT);
	RESET(); strcpy(a.channel, "nosuch");
	EXPECT_ATTACH_ERRNO(ENODEV);
	/* Attached to one slice: another is EBUSY, detaching from it ENXIO. */
	EXPECT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));
	EXPECT_EQ(EBUSY, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb2"));
	EXPECT_EQ(ENXIO, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, LB, "lb2"));
	EXPECT_EQ(ENODEV, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, "nosuch", "lb"));
	EXPECT_EQ(ENOENT, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, LB, "nosuch"));
	EXPECT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, LB, "lb"));
	EXPECT_EQ(ENXIO, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, LB, "lb"));
	/* Unknown ioctl on /dev/cpc_host. */
	EXPECT_EQ(ENOTTY, ioctl(self->dev, _IOW(CPC_IOC_MAGIC, 0x4f, struct cpc_channel_attach),
				&a) ? errno : 0);

	/* Without CAP_SYS_ADMIN (fd opened by root, used by nobody). */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EPERM, WEXITSTATUS(status));
	ASSERT_LE(0, chan_sysfs_str(LB, "slice", (char *)big, sizeof(big)));
	EXPECT_STREQ("", (char *)big);
}

/*
 * Out of memory at each allocation of the open and call paths (debugfs
 * fail_alloc): ENOMEM, nothing reaches the guest, nothing stays in flight,
 * and the channel works right after.
 */
TEST_F(lb, enomem_unwinds)
{
	const char *knob = "/sys/kernel/debug/cpc_host/fail_alloc";
	struct cpc_call c = { .size = sizeof(c), .proc = CPC_PROC_PING, .timeout_ms = 5000 };
	long long served = local_guest_num("procs/ping/calls");
	char arg[8] = "argumen", n[4];
	struct io_uring ring;
	struct cpc_call r;

	ASSERT_EQ(0, cpc_write_file(knob, "1"));
	EXPECT_EQ(-ENOMEM, chan_open(LB));
	/* With an argument: the call, its argument copy, its result buffer. */
	c.arg_ptr = (uintptr_t)arg;
	c.arg_len = sizeof(arg);
	for (int site = 1; site <= 3; site++) {
		snprintf(n, sizeof(n), "%d", site);
		ASSERT_EQ(0, cpc_write_file(knob, n));
		EXPECT_EQ(-1, ioctl(self->ch, CPC_IOCTL_CALL, &c));
		EXPECT_EQ(ENOMEM, errno) TH_LOG("allocation %d", site);
		EXPECT_EQ(0, chan_sysfs_num(LB, "inflight"));
	}
	/* Without one the result buffer is the second; io_uring says the same. */
	c.arg_ptr = 0;
	c.arg_len = 0;
	ASSERT_EQ(0, cpc_write_file(knob, "2"));
	EXPECT_EQ(-1, ioctl(self->ch, CPC_IOCTL_CALL, &c));
	EXPECT_EQ(ENOMEM, errno);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, cpc_write_file(knob, "1"));
	uring_call(&ring, self->ch, &c, 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-ENOMEM, uring_wait(&ring, NULL));
	io_uring_queue_exit(&ring);

	/* Every injected failure was reached (each resets the knob). */
	ASSERT_LT(0, cpc_read_file(knob, n, sizeof(n)));
	EXPECT_EQ(0, atoi(n));
	EXPECT_EQ(served, local_guest_num("procs/ping/calls"));
	EXPECT_EQ(0, chan_sysfs_num(LB, "inflight"));
	EXPECT_EQ(0, ping(self->ch, 7, &r));
	EXPECT_EQ(7, r.ret[0]);
}

/* Attach and detach wait for the slice manager: a signal ends the wait. */
TEST_F(lb, attach_wait_interrupted)
{
	const unsigned long cmds[] = { CPC_IOCTL_CHANNEL_ATTACH, CPC_IOCTL_CHANNEL_DETACH };
	struct cpc_channel_attach a = { .size = sizeof(a) };
	char buf[64];
	int status;
	pid_t pid;

	snprintf(a.channel, sizeof(a.channel), "%s", LB);
	snprintf(a.slice, sizeof(a.slice), "lb");
	ASSERT_EQ(0, slice_create(self->dev, "lb", 0x2, 128ULL << 20));
	for (unsigned int i = 0; i < 2; i++) {
		ASSERT_EQ(0, slice_create(self->dev, "t", 0x4, 128ULL << 20));
		pid = slice_destroy_busy(self->dev, "t");
		ASSERT_LT(0, pid);
		EXPECT_EQ(EINTR, slice_ioctl_alarm(self->dev, cmds[i], &a, 100000));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status));
		/* Nothing changed: not attached, then (detach) still attached. */
		ASSERT_LE(0, chan_sysfs_str(LB, "slice", buf, sizeof(buf)));
		EXPECT_STREQ(i ? "lb" : "", buf);
		if (!i)
			ASSERT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));
	}
	EXPECT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, LB, "lb"));
	EXPECT_EQ(0, slice_destroy(self->dev, "lb"));
}

/* A slice whose destroy failed part way: detached, and attach/detach EBUSY. */
TEST_F(lb, attach_to_destroying_slice)
{
	struct cpc_call r;
	char buf[64];

	ASSERT_EQ(0, slice_create(self->dev, "lb", 0x6, 128ULL << 20));
	ASSERT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));
	ASSERT_EQ(0, cpc_write_file("/sys/kernel/debug/cpc_host/fail_step", "1"));
	ASSERT_EQ(EIO, slice_destroy(self->dev, "lb"));
	ASSERT_LT(0, slice_attr("lb", "state", buf, sizeof(buf)));
	EXPECT_STREQ("destroying", buf);
	ASSERT_LE(0, chan_sysfs_str(LB, "slice", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	EXPECT_EQ(EBUSY, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));
	EXPECT_EQ(EBUSY, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, LB, "lb"));
	EXPECT_EQ(0, ping(self->ch, 9, &r));
	EXPECT_EQ(0, slice_destroy(self->dev, "lb"));
}

/* cpcctl channel attach/detach: success, --json, and "cpcctl: <what>: <why>". */
TEST_F(lb, cpcctl_attach)
{
	char buf[4096];

	ASSERT_EQ(0, slice_create(self->dev, "lb", 0x2, 128ULL << 20));
	EXPECT_EQ(0, system("cpcctl channel attach loopback lb >/tmp/lb.out 2>&1"));
	EXPECT_EQ(0, system("cpcctl channel list --json | grep -q '\"slice\": \"lb\"'"));
	EXPECT_NE(0, system("cpcctl channel attach loopback nosuch 2>/tmp/lb.err"));
	ASSERT_LT(0, cpc_read_file("/tmp/lb.err", buf, sizeof(buf)));
	EXPECT_STREQ("cpcctl: attach channel loopback to slice nosuch: No such file or directory\n",
		     buf);
	EXPECT_EQ(0, system("cpcctl channel detach loopback lb --json >/tmp/lb.out"));
	ASSERT_LT(0, cpc_read_file("/tmp/lb.out", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "\"slice\": \"\""));
	EXPECT_NE(0, system("cpcctl channel detach loopback lb 2>/tmp/lb.err"));
	ASSERT_LT(0, cpc_read_file("/tmp/lb.err", buf, sizeof(buf)));
	EXPECT_STREQ("cpcctl: detach channel loopback from slice lb: No such device or address\n",
		     buf);
}

/*
 * The owner's policy out of the box: a guest loaded without allow= answers
 * ping and refuses every other procedure (EPERM, counted as rejected).
 */
TEST_F(lb, default_policy_allows_only_ping)
{
	static const unsigned int denied[] = { CPC_PROC_INFO, CPC_PROC_PS, CPC_PROC_LOG,
					       CPC_PROC_RECLAIM, CPC_PROC_RETURN,
					       CPC_PROC_SNAPSHOT };
	static char out[4096];
	struct cpc_call r;
	unsigned int i;
	char path[128];

	close(self->ch);
	ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	ASSERT_EQ(0, cpc_module_load("cpc_guest", GUEST_ARGS_DEFAULT_POLICY));
	ASSERT_EQ(0, chan_wait_state(LB, "ready", 10));
	self->ch = chan_open(LB);
	ASSERT_LE(0, self->ch);
	EXPECT_EQ(0, ping(self->ch, 9, &r));
	EXPECT_EQ(9, r.ret[0]);
	for (i = 0; i < ARRAY_SIZE(denied); i++) {
		const char *name = cpc_proc_name(denied[i]);

		snprintf(path, sizeof(path), "procs/%s/allowed", name);
		EXPECT_EQ(0, local_guest_num(path)) TH_LOG("%s", name);
		EXPECT_EQ(-EPERM, chan_call(self->ch, denied[i], 1, out, sizeof(out), 5000, &r))
			TH_LOG("%s", name);
		snprintf(path, sizeof(path), "procs/%s/rejected", name);
		EXPECT_EQ(1, local_guest_num(path)) TH_LOG("%s", name);
	}
	/* The table of what the host may call: ping and itself, nothing more. */
	ASSERT_EQ(0, chan_call(self->ch, CPC_PROC_PROCS, 0, out, sizeof(out), 5000, &r));
	out[r.out_len < sizeof(out) ? r.out_len : sizeof(out) - 1] = '\0';
	EXPECT_EQ(2, r.ret[0]);
	EXPECT_STREQ("[{\"name\":\"ping\",\"id\":0,\"version\":1},"
		     "{\"name\":\"procs\",\"id\":7,\"version\":1}]\n", out);
	/* Back to what the other tests need. */
	close(self->ch);
	ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	ASSERT_EQ(0, cpc_module_load("cpc_guest", GUEST_ARGS));
	ASSERT_EQ(0, chan_wait_state(LB, "ready", 10));
	self->ch = chan_open(LB);
	ASSERT_LE(0, self->ch);
}

/*
 * Doorbells are hints: a lost or refused one must never strand the
 * channel. The guest end makes the host break the protocol (a completion
 * for an id not in flight, through its inject_cpl test hook); the host
 * starts over and rings the guest - and that doorbell, or a call's, gets
 * lost. Each case must recover without a reload.
 */
static int lb_break_host(void)
{
	struct cpc_cpl c = { .id = 0xbad0bad0bad0ULL };
	int fd = open("/sys/kernel/debug/cpc_guest/channels/" LB "/inject_cpl",
		      O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, &c, sizeof(c)) != sizeof(c))
		ret = -errno;
	close(fd);
	return ret;
}

static int maint_cpu_set_online(bool on)
{
	return cpc_write_file("/sys/devices/system/cpu/cpu3/online", on ? "1" : "0");
}

static void lb_expect_healthy(struct __test_metadata *_metadata, int ch)
{
	struct cpc_call r;
	int i;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, ping(ch, 100 + i, &r)) TH_LOG("ping %d", i);
		EXPECT_EQ(100 + i, r.ret[0]);
	}
}

TEST_F(lb, refused_reset_doorbell_recovers)
{
	long long refused, resets;

	ASSERT_EQ(0, slice_create(self->dev, "lb", 0x6, 128ULL << 20));
	ASSERT_EQ(0, ipi_filter(self->dev, "lb", 0x6, false));
	ASSERT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));
	refused = slice_num("lb", "filters/ipi_refused");
	resets = chan_sysfs_num(LB, "resets");
	ASSERT_EQ(0, lb_break_host());
	/* Broken, then a new generation; every doorbell to the guest refused. */
	usleep(1500 * 1000);
	EXPECT_LT(resets, chan_sysfs_num(LB, "resets"));
	EXPECT_LT(refused, slice_num("lb", "filters/ipi_refused"));
	EXPECT_NE(0, chan_wait_state(LB, "ready", 0.1));
	/* Allowed again: the host's next nudge gets through. */
	ASSERT_EQ(0, attach_ioctl(self->dev, CPC_IOCTL_CHANNEL_DETACH, LB, "lb"));
	EXPECT_EQ(0, chan_wait_state(LB, "ready", 5));
	lb_expect_healthy(_metadata, self->ch);
}

TEST_F(lb, maintenance_cpu_offline_when_broken)
{
	ASSERT_EQ(0, maint_cpu_set_online(false));
	/* The host breaks and starts over; its doorbells cannot be taken. */
	EXPECT_EQ(0, lb_break_host());
	usleep(500 * 1000);
	EXPECT_NE(0, chan_wait_state(LB, "ready", 0.1));
	ASSERT_EQ(0, maint_cpu_set_online(true));
	EXPECT_EQ(0, chan_wait_state(LB, "ready", 5));
	lb_expect_healthy(_metadata, self->ch);
}

TEST_F(lb, request_doorbell_lost_while_cpu_offline)
{
	struct cpc_call r;
	int ret;

	ASSERT_EQ(0, maint_cpu_set_online(false));
	/* The request's doorbell cannot be taken: the call times out. */
	ret = chan_call(self->ch, CPC_PROC_PING, 1, NULL, 0, 300, &r);
	EXPECT_TRUE(ret == -ETIMEDOUT || ret == 0) TH_LOG("ret %d", ret);
	ASSERT_EQ(0, maint_cpu_set_online(true));
	/*
	 * The guest never saw that doorbell, so it never re-armed its ring:
	 * later requests are not notified either, until the host nudges.
	 */
	EXPECT_EQ(0, chan_call(self->ch, CPC_PROC_PING, 2, NULL, 0, 3000, &r));
	EXPECT_EQ(2, r.ret[0]);
	lb_expect_healthy(_metadata, self->ch);
}

TEST_HARNESS_MAIN
