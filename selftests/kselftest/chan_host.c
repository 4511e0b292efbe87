// SPDX-License-Identifier: GPL-2.0
/*
 * chan_host - the host end of CPC channels, across VMs: run it in the host
 * VM while chan_agent runs in the guest VM. Every procedure, the guest's
 * policy, time-outs, signals, many calls in flight (io_uring), poll, every
 * errno of CPC_IOCTL_CHANNEL_OPEN, CPC_IOCTL_CALL and CPC_IOCTL_CHANNEL_RESET,
 * a guest that unloads its module mid-call, reconnect, device removal, a
 * silent guest (reset by hand, by cpcctl and by the host itself), and a
 * hostile peer on each side (garbage descriptors and ring indexes): the
 * other side rejects it, counts it, stays up and recovers.
 */
#define _GNU_SOURCE
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "chan_common.h"
#include "chan_uring.h"
#include "cpc_ring.h"
#include "kselftest_harness.h"

#define GUEST_PROCS "/sys/kernel/cpc_guest/procs/"
#define GUEST_INJECT "/sys/kernel/debug/cpc_guest/channels/%s/inject_cpl"

/* ---- fixture: the first channel, up, with the guest agent listening ---- */

FIXTURE(chan) {
	char name[64];
	char pci[32];
	int fd;
	int shm;
	struct cpc_layout l;
};

FIXTURE_SETUP(chan)
{
	char buf[768];

	ASSERT_EQ(0, chan_name(0, self->name, sizeof(self->name)));
	snprintf(self->pci, sizeof(self->pci), "%s", self->name + strlen("ivshmem-"));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 120)) TH_LOG("no guest came up");
	self->fd = chan_open(self->name);
	ASSERT_LE(0, self->fd);
	self->shm = chan_shm_open(self->name);
	ASSERT_LE(0, self->shm);
	ASSERT_EQ(0, cpc_layout_compute(&self->l, chan_shm_size(self->shm)));
	ASSERT_EQ(0, mbox_agent_wait(self->shm, 120)) TH_LOG("the guest agent never came up");
	ASSERT_LT(0, mbox_cmd(self->shm, MBOX_READ, "/sys/kernel/cpc_guest/maint_cpu",
			      NULL, 0, 0, buf, sizeof(buf)));
}

FIXTURE_TEARDOWN(chan)
{
	close(self->fd);
	close(self->shm);
}

/* Finds the guest's name of the channel (agent reads directories too). */
static int guest_chan_path(int shm, const char *fmt, char *out, size_t n)
{
	char buf[768];
	int r = mbox_cmd(shm, MBOX_READ, MBOX_CHANNEL_NAME, NULL, 0, 0, buf, sizeof(buf));

	if (r <= 0)
		return r ? r : -ENOENT;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, n, fmt, buf);
	return 0;
}

static long long guest_chan_num(int shm, const char *file)
{
	char fmt[256], path[256];

	snprintf(fmt, sizeof(fmt), "/sys/kernel/cpc_guest/channels/%%s/%s", file);
	if (guest_chan_path(shm, fmt, path, sizeof(path)))
		return -1;
	return guest_num(shm, path);
}

/* ---- the procedures ---- */

TEST_F(chan, listed_ready)
{
	char buf[4096];

	ASSERT_LT(0, chan_sysfs_str(self->name, "transport", buf, sizeof(buf)));
	EXPECT_STREQ("ivshmem", buf);
	ASSERT_LT(0, chan_sysfs_str(self->name, "peer_state", buf, sizeof(buf)));
	EXPECT_STREQ("run", buf);
	ASSERT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl channel list --json"));
	EXPECT_NE(NULL, strstr(buf, "\"state\": \"ready\""));
	EXPECT_NE(NULL, strstr(buf, "\"transport\": \"ivshmem\""));
	EXPECT_NE(NULL, strstr(buf, self->name));
}

TEST_F(chan, ping)
{
	struct cpc_call c;
	char out[64] = { 0 };
	static const char arg[] = "echo me";

	ASSERT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 0x1234567890ull, NULL, 0, 0, &c));
	EXPECT_EQ(0x1234567890ull, c.ret[0]);
	EXPECT_EQ(1, c.ret[1]) TH_LOG("ping ran on vCPU %llu, not the maintenance vCPU",
				      (unsigned long long)c.ret[1]);
	EXPECT_EQ(0, c.status);
	/* The argument buffer goes there and back through the data area. */
	c = (struct cpc_call){ .size = sizeof(c), .proc = CPC_PROC_PING,
		.arg_ptr = (uintptr_t)arg, .arg_len = sizeof(arg),
		.out_ptr = (uintptr_t)out, .out_cap = sizeof(out) };
	ASSERT_EQ(0, ioctl(self->fd, CPC_IOCTL_CALL, &c));
	EXPECT_EQ(sizeof(arg), c.out_len);
	EXPECT_STREQ(arg, out);
}

TEST_F(chan, info)
{
	static char out[65536];
	struct cpc_call c;

	ASSERT_EQ(0, chan_call(self->fd, CPC_PROC_INFO, 0, out, sizeof(out) - 1, 0, &c));
	out[c.out_len] = '\0';
	EXPECT_LT(0, c.out_len);
	EXPECT_NE(NULL, strstr(out, "\"uptime_s\":"));
	EXPECT_NE(NULL, strstr(out, "\"mem_total_kb\":"));
	EXPECT_NE(NULL, strstr(out, "\"load\":["));
	EXPECT_NE(NULL, strstr(out, "\"kernel\":\"6."));
	EXPECT_NE(NULL, strstr(out, "\"maint_cpu\":1"));
	EXPECT_NE(NULL, strstr(out, "\"ping\":{\"id\":0,\"version\":1,\"allowed\":true"));
	TH_LOG("%.200s", out);
}

TEST_F(chan, ps)
{
	static char out[65536];
	struct cpc_call c;

	ASSERT_EQ(0, chan_call(self->fd, CPC_PROC_PS, 0, out, sizeof(out) - 1, 0, &c));
	out[c.out_len] = '\0';
	EXPECT_EQ('[', out[0]);
	EXPECT_NE(NULL, strstr(out, "{\"pid\":1,\"comm\":"));
	EXPECT_NE(NULL, strstr(out, "\"comm\":\"cpc_maint/1\""));
	EXPECT_LT(5, c.ret[0]);
}

TEST_F(chan, ps_result_too_small)
{
	char out[32];
	struct cpc_call c;

	ASSERT_EQ(-ENOSPC, chan_call(self->fd, CPC_PROC_PS, 0, out, sizeof(out), 0, &c));
	EXPECT_EQ(-ENOSPC, c.status);
	EXPECT_EQ(0, c.out_len);
}

TEST_F(chan, log_tail)
{
	static char out[65536];
	struct cpc_call c;

	ASSERT_EQ(0, chan_call(self->fd, CPC_PROC_LOG, 0, out, sizeof(out) - 1, 0, &c));
	out[c.out_len] = '\0';
	EXPECT_NE(NULL, strstr(out, "cpc_guest")) TH_LOG("no cpc_guest line in the log");
	ASSERT_EQ(0, chan_call(self->fd, CPC_PROC_LOG, 200, out, sizeof(out) - 1, 0, &c));
	EXPECT_LT(0, c.out_len);
	EXPECT_GE(200, c.out_len);
	EXPECT_EQ(c.out_len, c.ret[0]);
}

TEST_F(chan, cpcctl_call)
{
	char buf[4096];

	ASSERT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl call %s ping value=77 --json", self->name));
	EXPECT_NE(NULL, strstr(buf, "\"value\": 77"));
	EXPECT_NE(0, cpc_run(buf, sizeof(buf), "cpcctl call %s reclaim", self->name));
	EXPECT_EQ(0, strncmp(buf, "cpcctl: call reclaim on ", 24)) TH_LOG("%s", buf);
	EXPECT_NE(0, cpc_run(buf, sizeof(buf), "cpcctl call nosuch ping"));
	EXPECT_NE(NULL, strstr(buf, "No such device")) TH_LOG("%s", buf);
}

/* A procedure's own failure comes back as the call's errno. */
TEST_F(chan, guest_status_travels)
{
	/* reclaim needs room for at least one range in its result buffer. */
	ASSERT_EQ(-ENOSPC, chan_call(self->fd, CPC_PROC_RECLAIM, 1, NULL, 0, 0, NULL));
	/* and at least one MiB. */
	ASSERT_EQ(-EINVAL, chan_call(self->fd, CPC_PROC_RECLAIM, 0, NULL, 0, 0, NULL));
}

TEST_F(chan, policy_deny)
{
	long long rej = guest_num(self->shm, GUEST_PROCS "ping/rejected");
	struct cpc_call c;

	ASSERT_LE(0, rej);
	ASSERT_EQ(0, guest_write(self->shm, GUEST_PROCS "ping/allowed", "0"));
	EXPECT_EQ(-EPERM, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, &c));
	EXPECT_EQ(-EPERM, c.status);
	EXPECT_EQ(rej + 1, guest_num(self->shm, GUEST_PROCS "ping/rejected"));
	ASSERT_EQ(0, guest_write(self->shm, GUEST_PROCS "ping/allowed", "1"));
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
}

TEST_F(chan, timeout_then_late_answer)
{
	long long tmo = chan_sysfs_num(self->name, "timeouts");
	long long late = chan_sysfs_num(self->name, "late");
	double t0;

	ASSERT_EQ(0, guest_write(self->shm, GUEST_DELAY, "1500"));
	t0 = cpc_now();
	EXPECT_EQ(-ETIMEDOUT, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 300, NULL));
	EXPECT_GT(1.2, cpc_now() - t0);
	EXPECT_EQ(tmo + 1, chan_sysfs_num(self->name, "timeouts"));
	usleep(2500000);
	/* The guest answered after all: counted as late, nothing broke. */
	EXPECT_EQ(late + 1, chan_sysfs_num(self->name, "late"));
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 2, NULL, 0, 0, NULL));
}

TEST_F(chan, adaptive_poll_window)
{
	const char *knob = "/sys/module/cpc_guest/parameters/poll_us";
	long long w0, w1, w2, w3, h0;
	int i;

	h0 = guest_num(self->shm, "/sys/kernel/cpc_guest/poll_hits");
	w0 = guest_num(self->shm, "/sys/kernel/cpc_guest/wakeups");
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, chan_call(self->fd, CPC_PROC_PING, i, NULL, 0, 0, NULL));
	w1 = guest_num(self->shm, "/sys/kernel/cpc_guest/wakeups");
	/* Off (the default): no polling, calls come by doorbell. */
	EXPECT_EQ(h0, guest_num(self->shm, "/sys/kernel/cpc_guest/poll_hits"));
	EXPECT_LT(0, w1 - w0);
	ASSERT_EQ(0, guest_write(self->shm, knob, "100000"));
	h0 = guest_num(self->shm, "/sys/kernel/cpc_guest/poll_hits");
	w2 = guest_num(self->shm, "/sys/kernel/cpc_guest/wakeups");
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, chan_call(self->fd, CPC_PROC_PING, i, NULL, 0, 0, NULL));
	w3 = guest_num(self->shm, "/sys/kernel/cpc_guest/wakeups");
	/* Calls inside the window are picked up by polling, not doorbells. */
	EXPECT_GT(15, w3 - w2) TH_LOG("%lld wake-ups for 20 calls while polling", w3 - w2);
	EXPECT_LT(0, guest_num(self->shm, "/sys/kernel/cpc_guest/poll_hits") - h0);
	ASSERT_EQ(0, guest_write(self->shm, knob, "0"));
	usleep(300000);
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
}

/*
 * A request whose doorbell is lost on an idle channel (the guest's event
 * index overwritten, so the host sees no need to ring) is found by the
 * host's periodic check within CPC_HCHAN_POLL_DOWN (100 ms), not at the
 * idle channel's next check up to a second later. Ten trials, each after
 * more than a second of idleness: with the idle check alone, all ten
 * answered within 600 ms has a chance of 0.6^10 (under 1%).
 */
TEST_F(chan, lost_doorbell_on_idle_channel_is_nudged_soon)
{
	off_t ev = self->l.req_off + offsetof(struct cpc_ring_idx, cons_event);
	struct cpc_ring_idx idx;
	double t, worst = 0;
	struct cpc_call c;
	uint32_t bogus;
	long long nudges;
	int i;

	for (i = 0; i < 10; i++) {
		usleep(1300 * 1000);
		ASSERT_EQ(sizeof(idx), pread(self->shm, &idx, sizeof(idx), self->l.req_off));
		ASSERT_EQ(idx.prod, idx.cons) TH_LOG("requests wait on an idle channel");
		/* Notify me only after 2^31 more requests: no doorbell. */
		bogus = idx.cons + 0x80000000u;
		ASSERT_EQ(sizeof(bogus), pwrite(self->shm, &bogus, sizeof(bogus), ev));
		nudges = chan_sysfs_num(self->name, "nudges");
		t = cpc_now();
		ASSERT_EQ(0, chan_call(self->fd, CPC_PROC_PING, i, NULL, 0, 5000, &c));
		t = cpc_now() - t;
		EXPECT_EQ(i, c.ret[0]);
		EXPECT_LT(nudges, chan_sysfs_num(self->name, "nudges"))
			TH_LOG("trial %d answered without a nudge", i);
		if (t > worst)
			worst = t;
	}
	TH_LOG("slowest answer after a lost doorbell: %.0f ms", worst * 1000);
	EXPECT_GT(0.6, worst);
}

static void on_alarm(int sig)
{
}

TEST_F(chan, signal_interrupts_wait)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { .tv_usec = 300000 } };

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, guest_write(self->shm, GUEST_DELAY, "1000"));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 5000, NULL));
	usleep(1500000);
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
}

TEST_F(chan, async_batch)
{
	enum { N = 64 };
	static struct cpc_call c[N];
	struct io_uring ring;
	uint64_t tag;
	int i, seen = 0;

	ASSERT_EQ(0, io_uring_queue_init(N, &ring, 0));
	for (i = 0; i < N; i++) {
		c[i] = (struct cpc_call){ .size = sizeof(c[i]), .proc = CPC_PROC_PING,
					  .args = { 1000 + i } };
		uring_call(&ring, self->fd, &c[i], i);
	}
	ASSERT_EQ(N, io_uring_submit(&ring));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, uring_wait(&ring, &tag));
		ASSERT_GT(N, tag);
		EXPECT_EQ(1000 + tag, c[tag].ret[0]);
		seen++;
	}
	EXPECT_EQ(N, seen);
	io_uring_queue_exit(&ring);
}

TEST_F(chan, poll_writable_when_ready)
{
	struct pollfd p = { .fd = self->fd, .events = POLLOUT | POLLIN };

	ASSERT_EQ(1, poll(&p, 1, 1000));
	EXPECT_TRUE(p.revents & POLLOUT);
	EXPECT_FALSE(p.revents & (POLLHUP | POLLERR | POLLIN));
}

TEST_F(chan, ring_full_is_ebusy)
{
	enum { N = CPC_RING_ENTRIES_MAX };
	static struct cpc_call c[N];
	struct pollfd p = { .fd = self->fd, .events = POLLOUT };
	struct io_uring ring;
	uint64_t tag;
	int i;

	ASSERT_EQ(0, io_uring_queue_init(N, &ring, 0));
	ASSERT_EQ(0, guest_write(self->shm, GUEST_DELAY, "2000"));
	for (i = 0; i < N; i++) {
		c[i] = (struct cpc_call){ .size = sizeof(c[i]), .proc = CPC_PROC_PING,
					  .args = { i }, .timeout_ms = 30000 };
		uring_call(&ring, self->fd, &c[i], i);
	}
	ASSERT_EQ(N, io_uring_submit(&ring));
	/* A call issued inline found the channel busy: an io_uring worker posts it. */
	EXPECT_EQ(0, chan_wait_num(self->name, "inflight", N, 5));
	EXPECT_EQ(-EBUSY, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
	EXPECT_EQ(0, poll(&p, 1, 0));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, uring_wait(&ring, &tag));
		EXPECT_EQ(tag, c[tag].ret[0]);
	}
	EXPECT_EQ(0, chan_sysfs_num(self->name, "inflight"));
	io_uring_queue_exit(&ring);
}

/* ---- every errno of CPC_IOCTL_CHANNEL_OPEN ---- */

static int open_errno(struct cpc_channel_open *o)
{
	int dev = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC), r;

	if (dev < 0)
		return -errno;
	r = ioctl(dev, CPC_IOCTL_CHANNEL_OPEN, o);
	r = r < 0 ? -errno : (close(r), 0);
	close(dev);
	return r;
}

TEST_F(chan, open_errnos)
{
	struct cpc_channel_open o = { .size = sizeof(o) };
	int dev = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, dev);
	snprintf(o.name, sizeof(o.name), "%s", self->name);
	EXPECT_EQ(0, open_errno(&o));
	ASSERT_EQ(-1, ioctl(dev, CPC_IOCTL_CHANNEL_OPEN, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	o.size = sizeof(o) - 1;
	EXPECT_EQ(-EINVAL, open_errno(&o));
	o.size = sizeof(o);
	o.flags = 1;
	EXPECT_EQ(-EINVAL, open_errno(&o));
	o.flags = 0;
	o.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, open_errno(&o));
	o.reserved[1] = 0;
	memset(o.name, 'x', sizeof(o.name));	/* not NUL-terminated */
	EXPECT_EQ(-EINVAL, open_errno(&o));
	memset(o.name, 0, sizeof(o.name));	/* empty */
	EXPECT_EQ(-EINVAL, open_errno(&o));
	snprintf(o.name, sizeof(o.name), "ivshmem-no-such");
	EXPECT_EQ(-ENODEV, open_errno(&o));
	close(dev);
}

/*
 * CPC_IOCTL_CHANNEL_OPEN of channel @name in a child that first gives
 * something up (@limit, given the open /dev/cpc_host fd; 0 = done).
 * Returns the open's errno, 0 if it succeeded, 100+ if the child failed.
 */
static int open_errno_in_child(const char *name, int (*limit)(int dev))
{
	struct cpc_channel_open o = { .size = sizeof(o) };
	int dev = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC), st;
	pid_t pid;

	if (dev < 0)
		return 100;
	snprintf(o.name, sizeof(o.name), "%s", name);
	pid = fork();
	if (pid == 0) {
		if (limit(dev))
			_exit(101);
		_exit(ioctl(dev, CPC_IOCTL_CHANNEL_OPEN, &o) == -1 ? errno : 0);
	}
	close(dev);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 102;
	return WEXITSTATUS(st);
}

static int drop_cap_sys_admin(int dev)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &h, d);
}

/* Fills every fd slot below @dev and makes @dev + 1 the limit. */
static int fill_fd_table(int dev)
{
	struct rlimit rl = { .rlim_cur = dev + 1, .rlim_max = dev + 1 };

	for (int fd = 0; fd < dev; fd++)
		if (fcntl(fd, F_GETFD) < 0 && dup2(dev, fd) < 0)
			return -1;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

TEST_F(chan, open_needs_cap_sys_admin)
{
	EXPECT_EQ(EPERM, open_errno_in_child(self->name, drop_cap_sys_admin));
}

TEST_F(chan, open_with_full_fd_table)
{
	EXPECT_EQ(EMFILE, open_errno_in_child(self->name, fill_fd_table));
}


/* ---- a guest that never answers: CPC_IOCTL_CHANNEL_RESET, cpcctl, by itself ---- */

/*
 * Fills every slot of the ring with calls of @timeout_ms to a guest made
 * silent for @silent_ms (the guest's next wake-up is delayed), each tagged
 * with its index; returns once all are in flight.
 */
static void fill_ring(struct __test_metadata *_metadata, FIXTURE_DATA(chan) *self,
		      struct io_uring *ring, struct cpc_call *c, unsigned int n,
		      uint32_t timeout_ms, const char *silent_ms)
{
	char ms[16];

	ASSERT_EQ(0, io_uring_queue_init(n, ring, 0));
	snprintf(ms, sizeof(ms), "%s", silent_ms);
	ASSERT_EQ(0, guest_write(self->shm, GUEST_DELAY, ms));
	for (unsigned int i = 0; i < n; i++) {
		c[i] = (struct cpc_call){ .size = sizeof(c[i]), .proc = CPC_PROC_PING,
					  .args = { i }, .timeout_ms = timeout_ms };
		uring_call(ring, self->fd, &c[i], i);
	}
	ASSERT_EQ(n, io_uring_submit(ring));
	ASSERT_EQ(0, chan_wait_num(self->name, "inflight", n, 5));
}

/*
 * A silent guest holds every slot: new calls fail with EBUSY. A reset fails
 * every call in flight with ECONNRESET at once, starts a new generation,
 * and the channel is ready again as soon as the guest rejoins it.
 */
TEST_F(chan, reset_fails_calls_in_flight)
{
	static struct cpc_call c[CPC_RING_ENTRIES_MAX];
	const unsigned int n = self->l.ring_entries;
	long long gen = chan_sysfs_num(self->name, "generation");
	long long resets = chan_sysfs_num(self->name, "admin_resets");
	struct cpc_channel_reset r = { .size = sizeof(r) };
	struct io_uring ring;
	char buf[64];
	double t0;
	int seen = 0;

	ASSERT_LE(0, resets);
	fill_ring(_metadata, self, &ring, c, n, 30000, "8000");
	EXPECT_EQ(-EBUSY, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
	t0 = cpc_now();
	ASSERT_EQ(0, chan_reset(self->fd, &r));
	EXPECT_EQ(gen + 1, r.generation);
	EXPECT_EQ(n, r.inflight);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t tag = n;

		EXPECT_EQ(-ECONNRESET, uring_wait(&ring, &tag));
		ASSERT_GT(n, tag);
		seen++;
	}
	EXPECT_EQ(n, seen);
	EXPECT_GT(3, cpc_now() - t0) TH_LOG("the calls waited for the silent guest");
	io_uring_queue_exit(&ring);
	EXPECT_EQ(resets + 1, chan_sysfs_num(self->name, "admin_resets"));
	EXPECT_EQ(gen + 1, chan_sysfs_num(self->name, "generation"));
	EXPECT_EQ(0, chan_sysfs_num(self->name, "inflight"));
	/* The guest still sleeps: the new generation waits for it. */
	ASSERT_LT(0, chan_sysfs_str(self->name, "state", buf, sizeof(buf)));
	EXPECT_STREQ("waiting", buf);
	EXPECT_EQ(-ENOTCONN, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 30));
	EXPECT_EQ(gen + 1, chan_sysfs_num(self->name, "generation"));
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 2, NULL, 0, 0, NULL));
}

/* CPC_IOCTL_CHANNEL_RESET in a child that gave CAP_SYS_ADMIN up; its errno. */
static int reset_errno_without_cap(int fd)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		if (drop_cap_sys_admin(-1))
			_exit(101);
		_exit(chan_reset(fd, NULL) ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 102;
	return WEXITSTATUS(st);
}

/* Every errno of CPC_IOCTL_CHANNEL_RESET but ENODEV (device_removed_then_back). */
TEST_F(chan, reset_errnos)
{
	static const struct cpc_channel_reset ro = { .size = sizeof(ro) };
	long long gen = chan_sysfs_num(self->name, "generation");
	struct {
		struct cpc_channel_reset r;
		uint64_t more;
	} big = { .r = { .size = sizeof(big) } };
	struct cpc_channel_reset r;

#define FRESH() (r = (struct cpc_channel_reset){ .size = sizeof(r) })
	EXPECT_EQ(EPERM, reset_errno_without_cap(self->fd));
	EXPECT_EQ(-1, ioctl(self->fd, CPC_IOCTL_CHANNEL_RESET, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	/* Readable but not writable (.rodata): refused before anything changed. */
	EXPECT_EQ(-EFAULT, chan_reset(self->fd, (struct cpc_channel_reset *)&ro));
	FRESH();
	r.size = sizeof(r) - 4;
	EXPECT_EQ(-EINVAL, chan_reset(self->fd, &r));
	FRESH();
	r.flags = 1;
	EXPECT_EQ(-EINVAL, chan_reset(self->fd, &r));
	FRESH();
	r.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, chan_reset(self->fd, &r));
	big.more = 1;
	EXPECT_EQ(-E2BIG, chan_reset(self->fd, &big.r));
	EXPECT_EQ(gen, chan_sysfs_num(self->name, "generation")) TH_LOG("a refused reset reset");
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
	/* A larger struct whose extra bytes are zero is fine. */
	big.more = 0;
	EXPECT_EQ(0, chan_reset(self->fd, &big.r));
	EXPECT_EQ(gen + 1, big.r.generation);
	EXPECT_EQ(0, big.r.inflight);
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 30));
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
#undef FRESH
}

TEST_F(chan, cpcctl_channel_reset)
{
	long long gen = chan_sysfs_num(self->name, "generation");
	char buf[4096], want[256];

	ASSERT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl channel reset %s --json", self->name));
	EXPECT_EQ(gen + 1, cpc_json_num(buf, NULL, "generation")) TH_LOG("%s", buf);
	EXPECT_EQ(0, cpc_json_num(buf, NULL, "inflight"));
	EXPECT_NE(NULL, strstr(buf, self->name));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 30));
	ASSERT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl channel reset %s", self->name));
	snprintf(want, sizeof(want), "%s: reset, generation %lld, 0 requests in flight failed\n",
		 self->name, gen + 2);
	EXPECT_STREQ(want, buf);
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 30));
	/* The host VM has this one channel. */
	ASSERT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl channel list --json"));
	EXPECT_NE(NULL, strstr(buf, self->name));
	EXPECT_EQ(gen + 2, cpc_json_num(buf, NULL, "generation")) TH_LOG("%s", buf);
	EXPECT_LE(2, cpc_json_num(buf, NULL, "admin_resets"));
	EXPECT_LE(0, cpc_json_num(buf, NULL, "stuck_resets"));
	/* Errors: "cpcctl: <what>: <why>", exit 1; a bad command line, exit 2. */
	EXPECT_EQ(1, cpc_run(buf, sizeof(buf), "cpcctl channel reset nosuch"));
	EXPECT_STREQ("cpcctl: channel nosuch: No such device\n", buf);
	EXPECT_EQ(2, cpc_run(buf, sizeof(buf), "cpcctl channel reset"));
	EXPECT_EQ(0, strncmp(buf, "cpcctl: ", 8)) TH_LOG("%s", buf);
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 3, NULL, 0, 0, NULL));
}

/*
 * Every caller gave up on a silent guest (time-outs): the slots stay held
 * (EBUSY) until, stuck_reset_ms later, the host resets the channel by
 * itself - long before the guest would have answered.
 */
TEST_F(chan, stuck_channel_resets_itself)
{
	static struct cpc_call c[CPC_RING_ENTRIES_MAX];
	const unsigned int n = self->l.ring_entries;
	long long gen = chan_sysfs_num(self->name, "generation");
	long long stuck = chan_sysfs_num(self->name, "stuck_resets");
	long long tmo = chan_sysfs_num(self->name, "timeouts");
	struct io_uring ring;
	char old[32] = "10000";
	double t0;

	EXPECT_LE(0, stuck) TH_LOG("no stuck_resets counter");
	EXPECT_LT(0, cpc_read_file(HOST_STUCK_RESET_MS, old, sizeof(old)));
	EXPECT_EQ(0, cpc_write_file(HOST_STUCK_RESET_MS, "2000"));
	fill_ring(_metadata, self, &ring, c, n, 300, "10000");
	for (unsigned int i = 0; i < n; i++)
		EXPECT_EQ(-ETIMEDOUT, uring_wait(&ring, NULL));
	t0 = cpc_now();
	io_uring_queue_exit(&ring);
	EXPECT_EQ(tmo + n, chan_sysfs_num(self->name, "timeouts"));
	/* Given up, yet every slot is still the guest's. */
	EXPECT_EQ(n, chan_sysfs_num(self->name, "inflight"));
	EXPECT_EQ(-EBUSY, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
	/* Reset about 2 s after the last caller gave up; the guest sleeps 10 s. */
	EXPECT_EQ(0, chan_wait_num(self->name, "generation", gen + 1, 5))
		TH_LOG("no new generation while every slot was held");
	EXPECT_GT(4.5, cpc_now() - t0);
	EXPECT_EQ(stuck + 1, chan_sysfs_num(self->name, "stuck_resets"));
	EXPECT_EQ(0, chan_sysfs_num(self->name, "inflight"));
	if (stuck >= 0)
		ASSERT_EQ(0, cpc_write_file(HOST_STUCK_RESET_MS, old));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 30));
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 4, NULL, 0, 0, NULL));
	EXPECT_EQ(stuck + 1, chan_sysfs_num(self->name, "stuck_resets"));
}

/* ---- every errno of CPC_IOCTL_CALL that needs no guest trouble ---- */

static int call_errno(int fd, struct cpc_call *c)
{
	return ioctl(fd, CPC_IOCTL_CALL, c) < 0 ? -errno : 0;
}

TEST_F(chan, call_errnos)
{
	struct cpc_call c;
	char out[16];
#define FRESH() (c = (struct cpc_call){ .size = sizeof(c), .proc = CPC_PROC_PING })

	FRESH();
	EXPECT_EQ(0, call_errno(self->fd, &c));
	EXPECT_EQ(-EFAULT, call_errno(self->fd, (void *)8));
	FRESH();
	c.size = sizeof(c) - 8;
	EXPECT_EQ(-EINVAL, call_errno(self->fd, &c));
	FRESH();
	c.flags = 1;
	EXPECT_EQ(-EINVAL, call_errno(self->fd, &c));
	FRESH();
	c.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, call_errno(self->fd, &c));
	FRESH();
	c.proc = CPC_PROC_ID_MAX + 1;
	EXPECT_EQ(-EINVAL, call_errno(self->fd, &c));
	FRESH();
	c.timeout_ms = CPC_CALL_TIMEOUT_MAX_MS + 1;
	EXPECT_EQ(-EINVAL, call_errno(self->fd, &c));
	FRESH();
	c.arg_len = 4;
	EXPECT_EQ(-EINVAL, call_errno(self->fd, &c));
	FRESH();
	c.out_cap = 4;
	EXPECT_EQ(-EINVAL, call_errno(self->fd, &c));
	FRESH();
	c.arg_ptr = (uintptr_t)out;
	c.arg_len = CPC_CALL_ARG_MAX + 1;
	EXPECT_EQ(-E2BIG, call_errno(self->fd, &c));
	FRESH();
	c.arg_ptr = 8;
	c.arg_len = 8;
	EXPECT_EQ(-EFAULT, call_errno(self->fd, &c));
	/* The guest writes 8 bytes; they cannot be delivered. */
	FRESH();
	c.arg_ptr = (uintptr_t)"12345678";
	c.arg_len = 8;
	c.out_ptr = 8;
	c.out_cap = 8;
	EXPECT_EQ(-EFAULT, call_errno(self->fd, &c));
	EXPECT_EQ(-1, ioctl(self->fd, _IO(CPC_IOC_MAGIC, 0x5f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, CPC_IOCTL_VERSION, out));
	EXPECT_EQ(ENOTTY, errno);
#undef FRESH
}

TEST_F(chan, uring_errnos)
{
	struct cpc_call c = { .size = sizeof(c), .proc = CPC_PROC_PING };
	struct io_uring_sqe *sqe;
	struct io_uring ring;

	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	sqe = uring_call(&ring, self->fd, &c, 1);
	sqe->cmd_op = CPC_IOCTL_VERSION;
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-ENOTTY, uring_wait(&ring, NULL));
	sqe = uring_call(&ring, self->fd, &c, 2);
	((struct cpc_call_uring *)sqe->cmd)->reserved = 1;
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-EINVAL, uring_wait(&ring, NULL));
	c.proc = CPC_PROC_RECLAIM;	/* 0 MiB: the guest says EINVAL */
	uring_call(&ring, self->fd, &c, 3);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-EINVAL, uring_wait(&ring, NULL));
	EXPECT_EQ(-EINVAL, c.status);
	io_uring_queue_exit(&ring);
}

/* ---- the guest goes away ---- */

TEST_F(chan, guest_unloads_mid_call)
{
	struct cpc_call c = { .size = sizeof(c), .proc = CPC_PROC_PING, .timeout_ms = 20000 };
	long long resets = chan_sysfs_num(self->name, "resets");
	struct io_uring ring;

	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, guest_write(self->shm, GUEST_DELAY, "5000"));
	uring_call(&ring, self->fd, &c, 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	usleep(300000);
	ASSERT_EQ(0, mbox_post(self->shm, MBOX_RELOAD, NULL, NULL, 0, 1000));
	EXPECT_EQ(-ECONNRESET, uring_wait(&ring, NULL));
	EXPECT_EQ(0, mbox_wait(self->shm, NULL, 0, 60));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 60));
	EXPECT_LT(resets, chan_sysfs_num(self->name, "resets"));
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 5, NULL, 0, 0, NULL));
	io_uring_queue_exit(&ring);
}

TEST_F(chan, reconnect_and_enotconn)
{
	long long gen = chan_sysfs_num(self->name, "generation");
	struct pollfd p = { .fd = self->fd, .events = POLLOUT };

	ASSERT_EQ(0, mbox_post(self->shm, MBOX_RELOAD, NULL, NULL, 0, 2000));
	ASSERT_EQ(0, chan_wait_state(self->name, "waiting", 30));
	EXPECT_EQ(-ENOTCONN, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(0, mbox_wait(self->shm, NULL, 0, 60));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 60));
	EXPECT_LT(gen, chan_sysfs_num(self->name, "generation"));
	EXPECT_EQ(1, poll(&p, 1, 1000));
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
}

/* ---- a hostile guest: garbage completions and ring indexes ---- */

/* The request @back places before the newest in the request ring. */
static struct cpc_req req_before_newest(struct __test_metadata *_metadata, int shm,
					const struct cpc_layout *l, unsigned int back)
{
	struct cpc_ring_idx idx;
	struct cpc_req req = { 0 };

	EXPECT_EQ(sizeof(idx), pread(shm, &idx, sizeof(idx), l->req_off));
	EXPECT_EQ(sizeof(req), pread(shm, &req, sizeof(req), l->req_off + sizeof(idx) +
				     ((idx.prod - 1 - back) & (l->ring_entries - 1)) * sizeof(req)));
	return req;
}

static int inject_cpl(int shm, const struct cpc_cpl *cpl)
{
	char path[256];
	int r = guest_chan_path(shm, GUEST_INJECT, path, sizeof(path));

	return r ? r : mbox_cmd(shm, MBOX_WRITE, path, cpl, sizeof(*cpl), 0, NULL, 0);
}

static void expect_recovers(struct __test_metadata *_metadata, const char *name, int fd)
{
	ASSERT_EQ(0, chan_wait_state(name, "ready", 30));
	EXPECT_EQ(0, chan_call(fd, CPC_PROC_PING, 9, NULL, 0, 0, NULL));
}

TEST_F(chan, hostile_guest_unknown_id)
{
	long long bad = chan_sysfs_num(self->name, "bad_id");
	long long broken = chan_sysfs_num(self->name, "broken");
	struct cpc_cpl cpl = { .id = 0xdead00ull, .status = CPC_ST_OK };

	ASSERT_EQ(0, inject_cpl(self->shm, &cpl));
	usleep(300000);
	EXPECT_EQ(bad + 1, chan_sysfs_num(self->name, "bad_id"));
	EXPECT_EQ(broken + 1, chan_sysfs_num(self->name, "broken"));
	expect_recovers(_metadata, self->name, self->fd);
}

/* A call in flight (guest delayed), then @cpl for its id from the guest. */
static int hostile_inflight(struct __test_metadata *_metadata, FIXTURE_DATA(chan) *self,
			    struct cpc_cpl *cpl, int times, int *second)
{
	struct cpc_call c = { .size = sizeof(c), .proc = CPC_PROC_PING, .timeout_ms = 10000 };
	struct io_uring ring;
	int r, i;

	EXPECT_EQ(0, io_uring_queue_init(4, &ring, 0));
	EXPECT_EQ(0, guest_write(self->shm, GUEST_DELAY, "2000"));
	uring_call(&ring, self->fd, &c, 1);
	EXPECT_EQ(1, io_uring_submit(&ring));
	usleep(200000);
	cpl->id = req_before_newest(_metadata, self->shm, &self->l, 0).id;
	for (i = 0; i < times; i++)
		EXPECT_EQ(0, inject_cpl(self->shm, cpl));
	r = uring_wait(&ring, NULL);
	if (second)
		*second = c.status;
	io_uring_queue_exit(&ring);
	usleep(2500000);	/* let the delayed guest finish */
	return r;
}

/*
 * Every status a guest can answer reaches the caller as that errno (and in
 * @status): one call in flight per status, each answered through the
 * guest's inject_cpl; the guest's own late answers then break the channel,
 * which recovers.
 */
TEST_F(chan, every_guest_status_reaches_the_caller)
{
	static const uint32_t st[] = {
		CPC_ST_EPERM, CPC_ST_ENOENT, CPC_ST_EIO, CPC_ST_ENOMEM, CPC_ST_EBUSY,
		CPC_ST_EINVAL, CPC_ST_ENOSPC, CPC_ST_ERANGE, CPC_ST_ENOSYS,
		CPC_ST_ENOKEY, CPC_ST_EPROTO, CPC_ST_ETIMEDOUT,
	};
	enum { N = sizeof(st) / sizeof(st[0]) };
	struct cpc_call c[N];
	struct io_uring ring;
	int seen = 0;

	ASSERT_EQ(0, io_uring_queue_init(N, &ring, 0));
	ASSERT_EQ(0, guest_write(self->shm, GUEST_DELAY, "2000"));
	for (unsigned int i = 0; i < N; i++) {
		c[i] = (struct cpc_call){ .size = sizeof(c[i]), .proc = CPC_PROC_PING,
					  .timeout_ms = 10000, .args = { i } };
		uring_call(&ring, self->fd, &c[i], i);
	}
	ASSERT_EQ(N, io_uring_submit(&ring));
	usleep(200000);
	for (unsigned int k = 0; k < N; k++) {
		struct cpc_req req = req_before_newest(_metadata, self->shm, &self->l, k);
		struct cpc_cpl cpl = { .id = req.id };

		ASSERT_GT(N, req.args[0]);
		cpl.status = st[req.args[0]];
		ASSERT_EQ(0, inject_cpl(self->shm, &cpl));
	}
	for (unsigned int k = 0; k < N; k++) {
		uint64_t i = N;
		int r = uring_wait(&ring, &i);

		ASSERT_GT(N, i);
		EXPECT_EQ(-(int)st[i], r) TH_LOG("status %u", st[i]);
		EXPECT_EQ(-(int)st[i], c[i].status);
		seen |= 1 << i;
	}
	EXPECT_EQ((1 << N) - 1, seen);
	io_uring_queue_exit(&ring);
	usleep(2500000);	/* let the delayed guest finish */
	expect_recovers(_metadata, self->name, self->fd);
}

TEST_F(chan, hostile_guest_bad_status)
{
	long long bad = chan_sysfs_num(self->name, "bad_status");
	struct cpc_cpl cpl = { .status = 999 };

	EXPECT_EQ(-EPROTO, hostile_inflight(_metadata, self, &cpl, 1, NULL));
	EXPECT_EQ(bad + 1, chan_sysfs_num(self->name, "bad_status"));
	expect_recovers(_metadata, self->name, self->fd);
}

TEST_F(chan, hostile_guest_out_len_past_buffer)
{
	long long bad = chan_sysfs_num(self->name, "bad_out_len");
	struct cpc_cpl cpl = { .status = CPC_ST_OK, .out_len = 1u << 30 };

	EXPECT_EQ(-EPROTO, hostile_inflight(_metadata, self, &cpl, 1, NULL));
	EXPECT_EQ(bad + 1, chan_sysfs_num(self->name, "bad_out_len"));
	expect_recovers(_metadata, self->name, self->fd);
}

TEST_F(chan, hostile_guest_duplicate_id)
{
	long long bad = chan_sysfs_num(self->name, "bad_id");
	struct cpc_cpl cpl = { .status = CPC_ST_OK, .ret = { 4242 } };

	/* The first answer completes the call, the second is a duplicate. */
	EXPECT_EQ(0, hostile_inflight(_metadata, self, &cpl, 2, NULL));
	EXPECT_EQ(bad + 1, chan_sysfs_num(self->name, "bad_id"));
	expect_recovers(_metadata, self->name, self->fd);
}

static void hostile_guest_index(struct __test_metadata *_metadata,
				FIXTURE_DATA(chan) *self, int32_t delta)
{
	long long bad = chan_sysfs_num(self->name, "bad_index");
	char path[256], cmd[32];
	struct cpc_ring_idx idx;
	struct cpc_shm_header h;
	uint32_t prod;

	/* The guest rewrites the completion ring's producer index. */
	ASSERT_EQ(sizeof(idx), pread(self->shm, &idx, sizeof(idx), self->l.cpl_off));
	prod = idx.cons + delta;
	ASSERT_EQ(0, guest_chan_path(self->shm, "/sys/kernel/debug/cpc_guest/ivshmem/%s/shm",
				     path, sizeof(path)));
	ASSERT_EQ(0, mbox_cmd(self->shm, MBOX_WRITE, path, &prod, sizeof(prod),
			      self->l.cpl_off, NULL, 0));
	/* Then it rings the host, which looks at the ring. */
	ASSERT_EQ(sizeof(h), pread(self->shm, &h, sizeof(h), 0));
	ASSERT_EQ(0, guest_chan_path(self->shm, "/sys/kernel/debug/cpc_guest/ivshmem/%s/doorbell",
				     path, sizeof(path)));
	snprintf(cmd, sizeof(cmd), "%u %u", h.host.doorbell_id, h.host.vector);
	ASSERT_EQ(0, guest_write(self->shm, path, cmd));
	usleep(300000);
	EXPECT_EQ(bad + 1, chan_sysfs_num(self->name, "bad_index"));
	expect_recovers(_metadata, self->name, self->fd);
}

TEST_F(chan, hostile_guest_index_out_of_range)
{
	hostile_guest_index(_metadata, self, CPC_RING_ENTRIES_MAX + 7);
}

TEST_F(chan, hostile_guest_index_wrapped_back)
{
	hostile_guest_index(_metadata, self, -1);
}

/* ---- a hostile host: garbage requests and ring indexes ---- */

/*
 * Posts @req verbatim through the host's debugfs inject_req and waits (10 s
 * at most) for the guest's answer, "<status> <out_len>", into @buf.
 */
static int inject_req_wait(const char *name, const struct cpc_req *req,
			   char *buf, size_t size)
{
	char path[256];
	double end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/cpc_host/channels/%s/inject_req",
		 name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, req, sizeof(*req)) != sizeof(*req)) {
		close(fd);
		return -EIO;
	}
	end = cpc_now() + 10;
	do {
		usleep(20000);
		n = pread(fd, buf, size - 1, 0);
		if (n <= 0) {
			close(fd);
			return -EIO;
		}
		buf[n] = '\0';
	} while (!strncmp(buf, "pending", 7) && cpc_now() < end);
	close(fd);
	return 0;
}

static void hostile_host_req(struct __test_metadata *_metadata, FIXTURE_DATA(chan) *self,
			     const struct cpc_req *req, const char *counter)
{
	char buf[64];
	long long before = guest_chan_num(self->shm, counter);

	ASSERT_LE(0, before);
	ASSERT_EQ(0, inject_req_wait(self->name, req, buf, sizeof(buf)));
	/* Rejected with EPROTO (71), counted, channel still up. */
	EXPECT_EQ(0, strncmp(buf, "71 0", 4)) TH_LOG("inject result: %s", buf);
	EXPECT_EQ(before + 1, guest_chan_num(self->shm, counter));
	expect_recovers(_metadata, self->name, self->fd);
}

TEST_F(chan, hostile_host_unknown_opcode)
{
	struct cpc_req r = { .opcode = 999 };

	hostile_host_req(_metadata, self, &r, "bad_opcode");
}

/* A host that reuses a request id: the guest rejects the repeat. */
TEST_F(chan, hostile_host_duplicate_id)
{
	struct cpc_req r = { .opcode = CPC_PROC_PING, .args = { 5 } };
	long long before = guest_chan_num(self->shm, "bad_id");
	char path[256], buf[64];
	double end;

	ASSERT_LE(0, before);
	ASSERT_EQ(0, inject_req_wait(self->name, &r, buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "0 ", 2)) TH_LOG("first answer: %s", buf);	/* served */
	snprintf(path, sizeof(path), "/sys/kernel/debug/cpc_host/channels/%s/inject_dup",
		 self->name);
	ASSERT_EQ(0, cpc_write_file(path, "1"));
	end = cpc_now() + 10;
	while (guest_chan_num(self->shm, "bad_id") == before && cpc_now() < end)
		usleep(20000);
	EXPECT_EQ(before + 1, guest_chan_num(self->shm, "bad_id"));
	expect_recovers(_metadata, self->name, self->fd);
}

TEST_F(chan, hostile_host_flags)
{
	struct cpc_req r = { .opcode = CPC_PROC_PING, .flags = 1 };

	hostile_host_req(_metadata, self, &r, "bad_flags");
}

TEST_F(chan, hostile_host_arg_past_data_area)
{
	struct cpc_req r = { .opcode = CPC_PROC_PING, .arg_off = self->l.data_size - 8,
			     .arg_len = 64 };

	hostile_host_req(_metadata, self, &r, "bad_arg_range");
}

TEST_F(chan, hostile_host_out_len_wraps)
{
	struct cpc_req r = { .opcode = CPC_PROC_PS, .out_off = 4096, .out_len = 0xfffff000u };

	hostile_host_req(_metadata, self, &r, "bad_out_range");
}

TEST_F(chan, hostile_host_overlap)
{
	struct cpc_req r = { .opcode = CPC_PROC_PING, .arg_off = 0, .arg_len = 128,
			     .out_off = 64, .out_len = 128 };

	hostile_host_req(_metadata, self, &r, "bad_overlap");
}

static void hostile_host_index(struct __test_metadata *_metadata,
			       FIXTURE_DATA(chan) *self, int32_t delta)
{
	long long bad = guest_chan_num(self->shm, "bad_index");
	long long resets = chan_sysfs_num(self->name, "resets");
	struct cpc_ring_idx idx;
	struct cpc_shm_header h;
	char path[256], cmd[32];
	uint32_t prod;
	double end;

	ASSERT_LE(0, bad);
	ASSERT_EQ(sizeof(idx), pread(self->shm, &idx, sizeof(idx), self->l.req_off));
	ASSERT_EQ(sizeof(h), pread(self->shm, &h, sizeof(h), 0));
	prod = idx.cons + delta;
	ASSERT_EQ(sizeof(prod), pwrite(self->shm, &prod, sizeof(prod), self->l.req_off));
	snprintf(path, sizeof(path), "/sys/kernel/debug/cpc_host/ivshmem/%s/doorbell", self->pci);
	snprintf(cmd, sizeof(cmd), "%u %u", h.guest.doorbell_id, h.guest.vector);
	ASSERT_EQ(0, cpc_write_file(path, cmd));
	/* The guest breaks the channel; the host resets it. */
	end = cpc_now() + 20;
	while (guest_chan_num(self->shm, "bad_index") == bad && cpc_now() < end)
		usleep(100000);
	EXPECT_EQ(bad + 1, guest_chan_num(self->shm, "bad_index"));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 30));
	EXPECT_LT(resets, chan_sysfs_num(self->name, "resets"));
	expect_recovers(_metadata, self->name, self->fd);
}

TEST_F(chan, hostile_host_index_out_of_range)
{
	hostile_host_index(_metadata, self, 100000);
}

TEST_F(chan, hostile_host_index_wrapped_back)
{
	hostile_host_index(_metadata, self, -1);
}

/* ---- fds and rings closed with calls in flight; the host module reloads ---- */

TEST_F(chan, close_with_calls_in_flight)
{
	enum { N = 8 };
	static struct cpc_call c[N];
	struct io_uring ring;
	double end;
	int i;

	ASSERT_EQ(0, io_uring_queue_init(N, &ring, 0));
	ASSERT_EQ(0, guest_write(self->shm, GUEST_DELAY, "1500"));
	for (i = 0; i < N; i++) {
		c[i] = (struct cpc_call){ .size = sizeof(c[i]), .proc = CPC_PROC_PING,
					  .timeout_ms = 10000 };
		uring_call(&ring, self->fd, &c[i], i);
	}
	ASSERT_EQ(N, io_uring_submit(&ring));
	/* Drop the fd and the ring at once: nothing may stay parked. */
	close(self->fd);
	io_uring_queue_exit(&ring);
	end = cpc_now() + 15;
	while (chan_sysfs_num(self->name, "inflight") && cpc_now() < end)
		usleep(50000);
	EXPECT_EQ(0, chan_sysfs_num(self->name, "inflight"));
	self->fd = chan_open(self->name);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 3, NULL, 0, 0, NULL));
}

TEST_F(chan, host_module_reload_reconnects)
{
	long long gen = chan_sysfs_num(self->name, "generation");
	double end;
	int r;

	/* Open fds (the channel, the debugfs shm file) pin the module. */
	EXPECT_EQ(-EWOULDBLOCK, cpc_module_unload("cpc_host"));
	close(self->fd);
	close(self->shm);
	end = cpc_now() + 10;
	while ((r = cpc_module_unload("cpc_host")) == -EWOULDBLOCK && cpc_now() < end)
		usleep(50000);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, cpc_module_load("cpc_host", cpc_boot_modargs()));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 60));
	EXPECT_LT(gen, chan_sysfs_num(self->name, "generation"))
		TH_LOG("the generation continues across host reloads");
	self->fd = chan_open(self->name);
	ASSERT_LE(0, self->fd);
	self->shm = chan_shm_open(self->name);
	ASSERT_LE(0, self->shm);
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 4, NULL, 0, 0, NULL));
}

/* ---- the device goes away under an open channel fd ---- */

TEST_F(chan, device_removed_then_back)
{
	struct pollfd p = { .fd = self->fd, .events = POLLOUT };
	const char *drv = "/sys/bus/pci/drivers/cpc_host_ivshmem";
	char path[256];

	struct cpc_call c = { .size = sizeof(c), .proc = CPC_PROC_PING, .timeout_ms = 20000 };
	struct io_uring ring;

	/* A call in flight when the device goes away fails with ENODEV. */
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, guest_write(self->shm, GUEST_DELAY, "1500"));
	uring_call(&ring, self->fd, &c, 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	snprintf(path, sizeof(path), "%s/unbind", drv);
	ASSERT_EQ(0, cpc_write_file(path, self->pci));
	EXPECT_EQ(-ENODEV, uring_wait(&ring, NULL));
	io_uring_queue_exit(&ring);
	EXPECT_EQ(-ENODEV, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
	EXPECT_EQ(-ENODEV, chan_reset(self->fd, NULL));
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLHUP);
	EXPECT_EQ(-ENODEV, chan_open(self->name));
	usleep(2000000);	/* let the delayed guest finish */
	snprintf(path, sizeof(path), "%s/bind", drv);
	ASSERT_EQ(0, cpc_write_file(path, self->pci));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 60));
	close(self->fd);
	self->fd = chan_open(self->name);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, chan_call(self->fd, CPC_PROC_PING, 1, NULL, 0, 0, NULL));
}

/* Last: let the agent go. */
TEST_F(chan, zz_agent_done)
{
	EXPECT_EQ(0, mbox_cmd(self->shm, MBOX_DONE, NULL, NULL, 0, 0, NULL, 0));
}

TEST_HARNESS_MAIN
