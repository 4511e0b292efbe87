// SPDX-License-Identifier: GPL-2.0
/*
 * chan_local.c - what a local user and a silent guest can do to the host
 * end of a channel, over the loopback channel (cpc_host loopback_mib=4 and
 * cpc_guest loopback=1 maint_cpu=3 in the host VM's one kernel):
 *
 * - a reset (CPC_IOCTL_CHANNEL_RESET) with a call in flight;
 * - io_uring calls completing after their submitter exited (io_uring's
 *   fallback worker posts them): nothing leaks, the channel stays fine;
 * - io_uring's inline issue never sleeps on a busy channel: it returns
 *   EAGAIN and an io_uring worker issues the call, which completes;
 * - what calls make the kernel allocate is charged to the caller's memory
 *   cgroup;
 * - an unprivileged user reading every world-readable file of
 *   /sys/kernel/cpc_host never waits, not even while a slice destroy holds
 *   the slice manager's mutex;
 * - a synchronous call is not interrupted by the task's own io_uring
 *   completions (task work, not a signal);
 * - a call whose struct is read-only is made and answered, but its results
 *   cannot be delivered: EFAULT, and the channel holds nothing of it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_uring.h"
#include "lb_test.h"
#include "slice_test.h"
#include "attach_test.h"

FIXTURE(local) {
	int ch;
};

FIXTURE_SETUP(local)
{
	ASSERT_EQ(0, lb_up());
	self->ch = chan_open(LB);
	ASSERT_LE(0, self->ch);
}

FIXTURE_TEARDOWN(local)
{
	close(self->ch);
}

/* A reset fails the call in flight; the channel is back once the guest rejoins. */
TEST_F(local, reset_mid_call)
{
	struct cpc_call c = { .size = sizeof(c), .proc = CPC_PROC_PING, .timeout_ms = 20000 };
	long long gen = chan_sysfs_num(LB, "generation");
	long long resets = chan_sysfs_num(LB, "admin_resets");
	struct cpc_channel_reset r = { .size = sizeof(r) };
	struct io_uring ring;
	struct cpc_call res;
	char buf[64];

	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, cpc_write_file(GUEST_DELAY, "2000"));
	uring_call(&ring, self->ch, &c, 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, chan_wait_num(LB, "inflight", 1, 5));
	ASSERT_EQ(0, chan_reset(self->ch, &r));
	EXPECT_EQ(gen + 1, r.generation);
	EXPECT_EQ(1, r.inflight);
	EXPECT_EQ(-ECONNRESET, uring_wait(&ring, NULL));
	io_uring_queue_exit(&ring);
	ASSERT_LT(0, chan_sysfs_str(LB, "state", buf, sizeof(buf)));
	EXPECT_STREQ("waiting", buf);
	EXPECT_EQ(resets + 1, chan_sysfs_num(LB, "admin_resets"));
	ASSERT_EQ(0, chan_wait_state(LB, "ready", 10));
	EXPECT_EQ(0, ping(self->ch, 5, &res));
	EXPECT_EQ(5, res.ret[0]);
	EXPECT_EQ(gen + 1, chan_sysfs_num(LB, "generation"));
}

static long long module_refcnt(const char *mod)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	return cpc_read_file(path, buf, sizeof(buf)) < 0 ? -1 : atoll(buf);
}

/*
 * A child opens the channel, puts @n calls in flight over io_uring and
 * exits without waiting: its fds and ring close with the calls parked, and
 * each completion is posted by io_uring's fallback worker, after the task
 * is gone - answered by the guest or timed out (@timeout_ms). Returns the
 * child's exit status (0: it got that far).
 */
static int exit_with_calls(unsigned int n, uint32_t timeout_ms)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		static struct cpc_call c[CPC_RING_ENTRIES_MAX];
		struct io_uring ring;
		int fd = chan_open(LB);

		if (fd < 0 || io_uring_queue_init(n, &ring, 0))
			_exit(1);
		for (unsigned int i = 0; i < n; i++) {
			c[i] = (struct cpc_call){ .size = sizeof(c[i]), .proc = CPC_PROC_PING,
						  .args = { i }, .timeout_ms = timeout_ms };
			uring_call(&ring, fd, &c[i], i);
		}
		_exit(io_uring_submit(&ring) == (int)n ? 0 : 2);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * Completions posted after the submitter exited (the fallback path of
 * cpc_hcall_uring_done()), over and over, answered and timed out: every
 * call finishes, every channel file is released (the module's reference
 * count comes back), and the channel works.
 */
TEST_F(local, uring_completions_after_submitter_exit)
{
	struct cpc_call res;
	long long ref;
	double end;

	/* Whatever an earlier test left in flight is gone, its files released. */
	ASSERT_EQ(0, chan_wait_num(LB, "inflight", 0, 30));
	usleep(200000);
	ref = module_refcnt("cpc_host");
	ASSERT_LT(0, ref);
	for (int round = 0; round < 12; round++) {
		bool answered = round % 2 == 0;

		ASSERT_EQ(0, cpc_write_file(GUEST_DELAY, answered ? "200" : "800"));
		ASSERT_EQ(0, exit_with_calls(64, answered ? 5000 : 100)) TH_LOG("round %d", round);
		ASSERT_EQ(0, chan_wait_num(LB, "inflight", 0, 10)) TH_LOG("round %d", round);
	}
	/* The last file reference of a kernel thread's fput() goes a tick later. */
	end = cpc_now() + 5;
	while (module_refcnt("cpc_host") != ref && cpc_now() < end)
		usleep(20000);
	EXPECT_EQ(ref, module_refcnt("cpc_host")) TH_LOG("a channel file was not released");
	EXPECT_EQ(0, ping(self->ch, 11, &res));
	EXPECT_EQ(11, res.ret[0]);
}

struct pinger {
	volatile bool stop;
	int fd;
	long calls, bad;
};

static void *pinger_fn(void *arg)
{
	struct pinger *p = arg;

	while (!p->stop) {
		if (chan_call(p->fd, CPC_PROC_PING, 1, NULL, 0, 5000, NULL))
			p->bad++;
		p->calls++;
	}
	return NULL;
}

/* Worker threads io_uring started for this process ("iou-wrk-<pid>"). */
static int iou_workers(void)
{
	char path[300], comm[64];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/proc/self/task");

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		if (cpc_read_file(path, comm, sizeof(comm)) > 0 && !strncmp(comm, "iou-wrk-", 8))
			n++;
	}
	closedir(d);
	return n;
}

/*
 * io_uring issues a call inline with IO_URING_F_NONBLOCK: a channel whose
 * lock is busy (other callers, completions) answers EAGAIN instead of
 * sleeping, and io_uring issues the call again from one of its workers.
 * With two threads keeping the lock busy, calls submitted one by one sooner
 * or later take that road (an io_uring worker appears) and every call
 * completes with the right answer.
 */
TEST_F(local, uring_nonblock_issue_never_sleeps)
{
	enum { BATCH = 16 };
	static struct cpc_call c[BATCH];
	struct pinger p[2] = { { .fd = -1 }, { .fd = -1 } };
	pthread_t th[2];
	struct io_uring ring;
	int calls = 0, workers = 0;
	double t0 = cpc_now(), end = t0 + 20;

	ASSERT_EQ(0, iou_workers());
	ASSERT_EQ(0, io_uring_queue_init(BATCH, &ring, 0));
	for (int i = 0; i < 2; i++) {
		p[i].fd = chan_open(LB);
		ASSERT_LE(0, p[i].fd);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, pinger_fn, &p[i]));
	}
	while ((workers <= 0 || calls < 256) && cpc_now() < end) {
		for (int i = 0; i < BATCH; i++) {
			c[i] = (struct cpc_call){ .size = sizeof(c[i]), .proc = CPC_PROC_PING,
						  .args = { 1000 + calls + i }, .timeout_ms = 5000 };
			uring_call(&ring, self->ch, &c[i], i);
			ASSERT_EQ(1, io_uring_submit(&ring));
		}
		for (int i = 0; i < BATCH; i++) {
			uint64_t tag = BATCH;

			ASSERT_EQ(0, uring_wait(&ring, &tag));
			ASSERT_GT(BATCH, tag);
			EXPECT_EQ(1000 + calls + tag, c[tag].ret[0]);
		}
		calls += BATCH;
		if (workers <= 0)
			workers = iou_workers();
	}
	for (int i = 0; i < 2; i++) {
		p[i].stop = true;
		pthread_join(th[i], NULL);
		close(p[i].fd);
		EXPECT_EQ(0, p[i].bad);
		EXPECT_LT(0, p[i].calls);
	}
	io_uring_queue_exit(&ring);
	EXPECT_LT(0, workers) TH_LOG("%d calls, none issued by an io_uring worker", calls);
	TH_LOG("%d calls in %.1f s; pingers made %ld and %ld", calls, cpc_now() - t0,
	       p[0].calls, p[1].calls);
}

#define CG_ROOT "/sys/fs/cgroup"
#define CG_TEST CG_ROOT "/cpc-test"

static long long cg_num(const char *file)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), CG_TEST "/%s", file);
	return cpc_read_file(path, buf, sizeof(buf)) < 0 ? -1 : atoll(buf);
}

/*
 * In memory cgroup @CG_TEST: @n calls, each with a result buffer of
 * @out_cap bytes, in flight to a guest asleep for a while. Writes the growth
 * of memory.current meanwhile to @pipe_fd; exits 0 if all calls succeeded.
 */
static void memcg_child(int pipe_fd, unsigned int n, uint32_t out_cap)
{
	static struct cpc_call c[CPC_RING_ENTRIES_MAX];
	char *out = malloc(out_cap);
	struct io_uring ring;
	long long m0, m1;
	int fd, bad = 0;

	if (!out || cpc_write_file(CG_TEST "/cgroup.procs", "0"))
		_exit(10);
	fd = chan_open(LB);
	if (fd < 0 || io_uring_queue_init(n, &ring, 0))
		_exit(11);
	memset(c, 0, sizeof(c));
	memset(out, 0, out_cap);
	if (cpc_write_file(GUEST_DELAY, "3000"))
		_exit(12);
	m0 = cg_num("memory.current");
	for (unsigned int i = 0; i < n; i++) {
		c[i] = (struct cpc_call){ .size = sizeof(c[i]), .proc = CPC_PROC_PING,
					  .timeout_ms = 20000, .out_ptr = (uintptr_t)out,
					  .out_cap = out_cap };
		uring_call(&ring, fd, &c[i], i);
	}
	if (io_uring_submit(&ring) != (int)n || chan_wait_num(LB, "inflight", n, 5))
		_exit(13);
	m1 = cg_num("memory.current");
	m1 -= m0;
	if (write(pipe_fd, &m1, sizeof(m1)) != sizeof(m1))
		_exit(14);
	for (unsigned int i = 0; i < n; i++)
		bad += uring_wait(&ring, NULL) != 0;
	_exit(bad ? 15 : 0);
}

/*
 * Calls in flight are charged to their caller's memory cgroup: the call,
 * its argument and result copies (GFP_KERNEL_ACCOUNT) - here 256 result
 * buffers of a whole data slot each.
 */
TEST_F(local, calls_charged_to_memcg)
{
	const unsigned int n = CPC_RING_ENTRIES_MAX;
	long long max_out = chan_sysfs_num(LB, "max_out"), grew = 0;
	char ctl[256];
	int pfd[2], st;
	pid_t pid;

	ASSERT_LT(0, max_out);
	if (!cpc_path_exists(CG_ROOT "/cgroup.controllers"))
		ASSERT_EQ(0, mount("none", CG_ROOT, "cgroup2", 0, NULL));
	ASSERT_LT(0, cpc_read_file(CG_ROOT "/cgroup.controllers", ctl, sizeof(ctl)));
	if (!strstr(ctl, "memory"))
		SKIP(return, "no memory controller");
	ASSERT_EQ(0, cpc_write_file(CG_ROOT "/cgroup.subtree_control", "+memory"));
	ASSERT_TRUE(mkdir(CG_TEST, 0755) == 0 || errno == EEXIST);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		memcg_child(pfd[1], n, max_out);
	close(pfd[1]);
	EXPECT_EQ(sizeof(grew), read(pfd[0], &grew, sizeof(grew)));
	close(pfd[0]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	TH_LOG("memory.current grew by %lld KiB for %u calls of %lld bytes", grew >> 10, n,
	       max_out);
	EXPECT_LE(n * max_out / 2, grew) TH_LOG("the calls' buffers are not charged");
	EXPECT_EQ(0, rmdir(CG_TEST));
}

/* Reads @path; its duration in seconds, or -errno. */
static double timed_read(const char *path)
{
	char buf[4096];
	double t0 = cpc_now();
	int r = cpc_read_file(path, buf, sizeof(buf));

	return r < 0 ? r : cpc_now() - t0;
}

/*
 * As user nobody: reads every world-readable file under @dir (recursively),
 * checks that the others refuse it (EACCES). Exit status 0; 2 when a read
 * took longer than 0.2 s; 3 when one failed; 4 when a file meant for root
 * opened.
 */
static int read_all_as_nobody(const char *dir, int depth)
{
	struct dirent *e;
	struct stat st;
	char path[512];
	int ret = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : 3;
	while (!ret && (e = readdir(d))) {
		double t;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st))
			continue;	/* a slice going away */
		if (S_ISDIR(st.st_mode)) {
			if (depth < 4)
				ret = read_all_as_nobody(path, depth + 1);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		t = timed_read(path);
		if (!(st.st_mode & S_IROTH)) {
			if (t != -EACCES) {
				printf("# %s (mode %o) opened for nobody\n", path, st.st_mode & 0777);
				ret = 4;
			}
		} else if (t == -ENOENT || t == -ENODEV) {
			continue;
		} else if (t < 0) {
			printf("# %s: %s\n", path, strerror((int)-t));
			ret = 3;
		} else if (t > 0.2) {
			printf("# %s: read took %.3f s\n", path, t);
			ret = 2;
		}
	}
	closedir(d);
	return ret;
}

/*
 * Any local user may read /sys/kernel/cpc_host's world-readable files; none
 * of them waits for the slice manager's mutex, which a destroy holds for
 * its whole scrub (about a second here): every read as nobody, of every
 * file, returns within 0.2 s while the destroy still runs. The files that
 * scan memory under the mutex (available/memory_blocks, mem_bytes) are
 * root's.
 */
TEST_F(local, sysfs_reads_never_wait)
{
	int dev = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC), st, dst = 0;
	struct stat sb;
	bool running;
	char buf[64];
	pid_t destroyer, reader;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, stat("/sys/kernel/cpc_host/available/memory_blocks", &sb));
	EXPECT_EQ(0400, sb.st_mode & 0777);
	ASSERT_EQ(0, stat("/sys/kernel/cpc_host/available/mem_bytes", &sb));
	EXPECT_EQ(0400, sb.st_mode & 0777);
	ASSERT_EQ(0, slice_create(dev, "lb", 0x2, 128ULL << 20));
	ASSERT_EQ(0, attach_ioctl(dev, CPC_IOCTL_CHANNEL_ATTACH, LB, "lb"));
	ASSERT_LT(0, chan_sysfs_str(LB, "slice", buf, sizeof(buf)));
	EXPECT_STREQ("lb", buf);
	ASSERT_EQ(0, slice_create(dev, "t", 0x4, 128ULL << 20));
	destroyer = slice_destroy_busy(dev, "t");
	ASSERT_LT(0, destroyer);
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(5);
		_exit(read_all_as_nobody("/sys/kernel/cpc_host", 0));
	}
	ASSERT_EQ(reader, waitpid(reader, &st, 0));
	/* The destroy still holds the mutex: the reads above had to pass it. */
	running = waitpid(destroyer, &dst, WNOHANG) == 0;
	EXPECT_TRUE(running) TH_LOG("the destroy ended before the reads did");
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	if (running)
		EXPECT_EQ(destroyer, waitpid(destroyer, &dst, 0));
	EXPECT_EQ(0, WEXITSTATUS(dst));
	EXPECT_EQ(0, attach_ioctl(dev, CPC_IOCTL_CHANNEL_DETACH, LB, "lb"));
	ASSERT_LE(0, chan_sysfs_str(LB, "slice", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	EXPECT_EQ(0, slice_destroy(dev, "lb"));
	close(dev);
}

/*
 * A synchronous call made while the same task's io_uring calls complete:
 * their completions queue task work for the task (TIF_NOTIFY_SIGNAL), which
 * is no signal - the synchronous call must not end in EINTR.
 */
TEST_F(local, sync_call_survives_own_uring_completions)
{
	struct cpc_call a[8], r;
	struct io_uring ring;
	int round, i, ret, eintr = 0;

	ASSERT_EQ(0, io_uring_queue_init(16, &ring, 0));
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 8; i++) {
			a[i] = (struct cpc_call){ .size = sizeof(a[i]), .proc = CPC_PROC_PING,
						  .timeout_ms = 5000, .args = { i } };
			uring_call(&ring, self->ch, &a[i], i);
		}
		ASSERT_EQ(8, io_uring_submit(&ring));
		/* Queued behind the eight: answered after their completions. */
		ret = chan_call(self->ch, CPC_PROC_PING, 1000 + round, NULL, 0, 5000, &r);
		eintr += ret == -EINTR;
		EXPECT_EQ(0, ret) TH_LOG("round %d: %s", round, strerror(-ret));
		for (i = 0; i < 8; i++)
			EXPECT_EQ(0, uring_wait(&ring, NULL));
	}
	io_uring_queue_exit(&ring);
	TH_LOG("20 rounds, %d synchronous calls interrupted", eintr);
}

/*
 * CPC_IOCTL_CALL reads its struct (readable), the guest answers, then the
 * status, out_len and ret words cannot be written back: EFAULT. The call
 * was served all the same, and its slot is free again.
 */
TEST_F(local, results_to_read_only_struct_are_efault)
{
	long long served = local_guest_num("served");
	struct cpc_call *c, r;

	c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c);
	*c = (struct cpc_call){ .size = sizeof(*c), .proc = CPC_PROC_PING, .args = { 7 },
				.timeout_ms = 5000 };
	ASSERT_EQ(0, mprotect(c, 4096, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->ch, CPC_IOCTL_CALL, c));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, c->status);
	EXPECT_EQ(0, c->ret[0]);
	EXPECT_EQ(served + 1, local_guest_num("served"));
	EXPECT_EQ(0, chan_sysfs_num(LB, "inflight"));
	ASSERT_EQ(0, ping(self->ch, 8, &r));
	EXPECT_EQ(8, r.ret[0]);
	munmap(c, 4096);
}

TEST_HARNESS_MAIN
