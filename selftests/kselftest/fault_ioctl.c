// SPDX-License-Identifier: GPL-2.0
/*
 * fault_ioctl - the allocation-failure paths of cpc_host's ioctls and
 * io_uring command, driven by the kernel's own fault injection through
 * /proc/thread-self/fail-nth: the Nth fault-injection point this thread
 * reaches fails, for N = 1, 2, ... up to the points one clean run of the
 * sequence below reaches (see sweep() for the long ones). Two sweeps: failslab (slab allocations, with
 * fail_page_alloc skipping GFP_KERNEL ones) and fail_page_alloc (page
 * allocations of any order, with failslab skipping GFP_KERNEL ones).
 *
 * The sequence, in the test's own thread: open /dev/cpc_host; (slice
 * variant) SLICE_CREATE on CPU 2 and memory block 33, SLICE_FILTER (a
 * memory window), SLICE_LOAD (a hlt image), CHANNEL_ATTACH and _DETACH of
 * the loopback channel; CHANNEL_OPEN of the loopback channel, CALL (ping,
 * with argument and result buffers), the same call as IORING_OP_URING_CMD
 * (ring set up beforehand), CHANNEL_RESET; (slice variant) SLICE_DESTROY.
 * And (linux_load_*) CPC_SLICE_LOAD_LINUX alone, on a slice made beforehand.
 * The first step that fails must fail with an errno; afterwards, with no
 * failure pending, everything is cleaned up and the host must be as before:
 * no slice, every CPU online, the same MemTotal, the channel ready and
 * answering, and (slice variant) the firmware memory map listing the
 * block again (/sys/firmware/memmap). The test bed then checks the kernel log and (debug kernel)
 * kmemleak after unloading both modules.
 *
 * Runs in the host VM with cpc_host (loopback_mib=4); loads cpc_guest on
 * the loopback channel. Needs CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and
 * CONFIG_FAULT_INJECTION_DEBUG_FS; skips without them (Debian's kernel).
 */
#include <liburing.h>

#include "fail_nth.h"
#include "lb_test.h"
#include "slice_image.h"
#include "slice_test.h"
#include <dirent.h>
#include "kselftest_harness.h"

#define SLICE		"fnth"

/* A line in the kernel log (the test bed reads the markers, see sweep()). */
static void kmsg(const char *what)
{
	cpc_write_file("/dev/kmsg", what);
}

/*
 * Does /sys/firmware/memmap list @block as hot-added System RAM (an entry
 * of exactly its range)? SLICE_CREATE removes that entry with the block and
 * SLICE_DESTROY's add_memory() adds it back; the kernel frees it without
 * listing it when its sysfs directory cannot be made (6.1's
 * add_sysfs_fw_map_entry()), which cpc_host's test build keeps fail-nth
 * out of (cpc_test_fault_pause()).
 */
static bool memmap_lists(unsigned int block)
{
	unsigned long long lo = (unsigned long long)block * 128 * MiB, hi = lo + 128 * MiB - 1;
	char path[300], start[32], end[32], type[32];
	DIR *d = opendir("/sys/firmware/memmap");
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%s/start", e->d_name);
		if (sysfs_str(path, start, sizeof(start)) < 0)
			continue;
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%s/end", e->d_name);
		if (sysfs_str(path, end, sizeof(end)) < 0)
			continue;
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%s/type", e->d_name);
		if (sysfs_str(path, type, sizeof(type)) < 0)
			continue;
		found = strtoull(start, NULL, 16) == lo && strtoull(end, NULL, 16) == hi &&
			!strcmp(type, "System RAM");
	}
	if (d)
		closedir(d);
	return found;
}

enum step {
	S_OPEN, S_CREATE, S_FILTER, S_LOAD, S_ATTACH, S_DETACH, S_CHAN_OPEN,
	S_CALL, S_URING, S_RESET, S_DESTROY, S_DONE
};

static const char *const step_name[] = {
	"open", "SLICE_CREATE", "SLICE_FILTER", "SLICE_LOAD", "CHANNEL_ATTACH",
	"CHANNEL_DETACH", "CHANNEL_OPEN", "CALL", "uring CALL", "CHANNEL_RESET",
	"SLICE_DESTROY", "done"
};

struct seq {
	bool slices;
	struct io_uring ring;
	unsigned char *img;
	size_t img_len;
	int dev, ch;
};

static int attach(int dev, unsigned long cmd)
{
	struct cpc_channel_attach a = { .size = sizeof(a) };

	snprintf(a.channel, sizeof(a.channel), LB);
	snprintf(a.slice, sizeof(a.slice), SLICE);
	return ioctl(dev, cmd, &a) ? errno : 0;
}

/*
 * Runs the sequence; returns the step that failed (S_DONE: none) and its
 * errno in *@err. Leaves fds open in @s for the cleanup.
 */
static enum step run_seq(struct seq *s, int *err)
{
	static unsigned char arg[64], out[256];
	struct cpc_call c = {
		.size = sizeof(c), .proc = CPC_PROC_PING, .timeout_ms = 2000,
		.args = { 42 }, .arg_ptr = (uintptr_t)arg, .arg_len = sizeof(arg),
		.out_ptr = (uintptr_t)out, .out_cap = sizeof(out),
	};
	struct cpc_channel_open o = { .size = sizeof(o) };
	struct cpc_channel_reset r = { .size = sizeof(r) };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	__u32 block = BLOCK_B;
	int e;

	*err = 0;
	s->dev = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	if (s->dev < 0)
		return *err = errno, S_OPEN;
	if (s->slices) {
		struct cpc_slice_create cr;

		slice_req_blocks(&cr, SLICE, 1u << 2, 1, &block);
		if (ioctl(s->dev, CPC_IOCTL_SLICE_CREATE, &cr))
			return *err = errno, S_CREATE;
		e = slice_window(s->dev, SLICE, CPC_FILTER_MEM_WINDOW,
				 (__u64)BLOCK_B * (128 * MiB), 1 * MiB);
		if (e)
			return *err = e, S_FILTER;
		e = slice_load(s->dev, SLICE, s->img, s->img_len);
		if (e)
			return *err = e, S_LOAD;
		e = attach(s->dev, CPC_IOCTL_CHANNEL_ATTACH);
		if (e)
			return *err = e, S_ATTACH;
		e = attach(s->dev, CPC_IOCTL_CHANNEL_DETACH);
		if (e)
			return *err = e, S_DETACH;
	}
	snprintf(o.name, sizeof(o.name), LB);
	s->ch = ioctl(s->dev, CPC_IOCTL_CHANNEL_OPEN, &o);
	if (s->ch < 0)
		return *err = errno, S_CHAN_OPEN;
	if (ioctl(s->ch, CPC_IOCTL_CALL, &c))
		return *err = errno, S_CALL;
	sqe = io_uring_get_sqe(&s->ring);
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, s->ch, NULL, 0, 0);
	sqe->cmd_op = CPC_IOCTL_CALL;
	((struct cpc_call_uring *)sqe->cmd)->call_ptr = (uintptr_t)&c;
	e = io_uring_submit(&s->ring);
	if (e != 1)
		return *err = e < 0 ? -e : EIO, S_URING;
	e = io_uring_wait_cqe(&s->ring, &cqe);
	if (e)
		return *err = -e, S_URING;
	e = cqe->res;
	io_uring_cqe_seen(&s->ring, cqe);
	if (e)
		return *err = -e, S_URING;
	if (ioctl(s->ch, CPC_IOCTL_CHANNEL_RESET, &r))
		return *err = errno, S_RESET;
	if (s->slices) {
		e = slice_destroy(s->dev, SLICE);
		if (e)
			return *err = e, S_DESTROY;
	}
	return S_DONE;
}

/*
 * Undoes whatever a sequence left; 0 when the host is as before. A failure
 * injected into the kernel's own onlining of a block SLICE_DESTROY re-added
 * leaves it offline: cpc_host counts it in blocks_returned_offline, and
 * the documented remedy (online it through sysfs) must give MemTotal back;
 * *onlined counts those.
 */
static int cleanup(struct seq *s, const char *cpus, const char *mem, long long offline0,
		   unsigned int *onlined)
{
	char now_cpus[64], now_mem[4096], *p, st[32], path[64];
	int fd;

	if (s->ch >= 0)
		close(s->ch);
	if (s->dev >= 0)
		close(s->dev);
	s->ch = s->dev = -1;
	fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (int t = 0; t < 20 && cpc_path_exists(SLICE_SYSFS "/" SLICE); t++)
		if (slice_destroy(fd, SLICE) && errno != ENOENT)
			usleep(100000);
	close(fd);
	if (cpc_path_exists(SLICE_SYSFS "/" SLICE))
		return -2;
	if (returned_offline() != offline0 && !strcmp(block_state(BLOCK_B, st, sizeof(st)), "offline")) {
		if (cpc_write_file(block_state_path(BLOCK_B, path, sizeof(path)), "online_movable") ||
		    !wait_block_online(BLOCK_B))
			return -9;
		++*onlined;
	}
	if (s->slices && !memmap_lists(BLOCK_B))
		return -10;
	if (sysfs_str("/sys/devices/system/cpu/online", now_cpus, sizeof(now_cpus)) < 0 ||
	    strcmp(now_cpus, cpus))
		return -3;
	if (cpc_read_file("/proc/meminfo", now_mem, sizeof(now_mem)) < 0)
		return -4;
	p = strchr(now_mem, '\n');
	if (p)
		*p = '\0';
	if (strcmp(now_mem, mem))
		return -5;
	if (chan_wait_state(LB, "ready", 20))
		return -6;
	fd = chan_open(LB);
	if (fd < 0)
		return -7;
	struct cpc_call r;
	int e = ping(fd, 7, &r);

	close(fd);
	return e || r.ret[0] != 7 ? -8 : 0;
}

FIXTURE(fault) {
	struct seq s;
	char cpus[64];
	char mem[4096];
};

FIXTURE_SETUP(fault)
{
	char *p;

	if (!fail_nth_available())
		SKIP(return, "no failslab / fail_page_alloc / fail-nth");
	ASSERT_EQ(0, lb_up());
	ASSERT_EQ(0, io_uring_queue_init(4, &self->s.ring, 0));
	self->s.img = probe_image(PROBE_HLT, 0, &self->s.img_len);
	ASSERT_NE(NULL, self->s.img);
	self->s.dev = self->s.ch = -1;
	ASSERT_LT(0, sysfs_str("/sys/devices/system/cpu/online", self->cpus, sizeof(self->cpus)));
	ASSERT_LT(0, cpc_read_file("/proc/meminfo", self->mem, sizeof(self->mem)));
	p = strchr(self->mem, '\n');
	if (p)
		*p = '\0';
}

FIXTURE_TEARDOWN(fault)
{
	kmsg("cpc-testbed: fault injection ends");	/* also after a failed ASSERT */
	if (self->s.img) {
		fail_nth_default();
		io_uring_queue_exit(&self->s.ring);
		free(self->s.img);
	}
}

/*
 * Sweeps N over the sequence with @which failing: every point when the
 * sequence reaches at most SWEEP_FULL of them, else the first SWEEP_HEAD
 * (cpc's own validation and set-up come first) and an even stride over
 * the rest (the memory and CPU hot-plug the slice calls make), SWEEP_FULL
 * runs in all. A failure inside the kernel's own hot-plug code may warn
 * with a call trace (warn_alloc(): "vmemmap alloc failure" of a re-added
 * block's struct pages, "vmalloc error" of KASAN's memory notifier
 * allocating its shadow): the sweep brackets itself with "cpc-testbed: fault injection
 * begins/ends" in the kernel log, and the test bed accepts such
 * allocation-failure reports between the two and nothing else.
 * Returns the number of failures injected.
 */
#define SWEEP_FULL	300
#define SWEEP_HEAD	150

static unsigned int sweep(struct __test_metadata *_metadata, struct seq *s,
			  const char *which, const char *cpus, const char *mem)
{
	unsigned int full = SWEEP_FULL, head = SWEEP_HEAD, onlined = 0;
	unsigned int n, k, step, runs = 0, failed = 0, absorbed = 0, missed = 0;
	long long offline0 = returned_offline();
	unsigned int at[S_DONE + 1] = {}, errs[134] = {};
	const unsigned int big = 1000000;
	char line[1024];
	size_t len = 0;
	enum step st;
	int err, c, fd;
	long left;

	/* This harness runs the test after a SKIP in its setup. */
	if (_metadata->skip)
		return 1;
	ASSERT_EQ(0, fail_nth_only(which));
	ASSERT_LE(0, offline0);
	/* How many injection points one clean sequence reaches. */
	fd = fail_nth_arm(big);
	ASSERT_LE(0, fd);
	st = run_seq(s, &err);
	left = fail_nth_disarm(fd);
	ASSERT_LE(0, left);
	ASSERT_EQ(S_DONE, st) TH_LOG("%s: clean run: %s failed: %s", which, step_name[st],
				     strerror(err));
	c = cleanup(s, cpus, mem, offline0, &onlined);
	ASSERT_EQ(0, c) TH_LOG("%s: cleanup after the clean run: %d", which, c);
	ASSERT_EQ(0, onlined);
	k = big - left;
	/*
	 * The channel sequence allocates no page itself (kmalloc only): with
	 * warm slab caches (after cpc-fuzz-ioctl) fail_page_alloc may have no
	 * point to fail.
	 */
	if (!k)
		SKIP(return 1, "%s: the clean run reached no injection point", which);
	step = k <= full ? 1 : (k - head + full - head - 1) / (full - head);
	kmsg("cpc-testbed: fault injection begins");
	for (n = 1; n <= k; n += n < head ? 1 : step) {
		runs++;
		if (s->slices)	/* seconds each: show where a run stays */
			TH_LOG("%s: N=%u of %u", which, n, k);
		offline0 = returned_offline();
		fd = fail_nth_arm(n);
		ASSERT_LE(0, fd);
		st = run_seq(s, &err);
		left = fail_nth_disarm(fd);
		ASSERT_LE(0, left);
		if (left != 0) {
			/* N not reached (fewer points this time): a clean run */
			ASSERT_EQ(S_DONE, st) TH_LOG("%s: N=%u not reached but %s failed: %s",
						     which, n, step_name[st], strerror(err));
			missed++;
		} else if (st == S_DONE) {
			absorbed++;
		} else {
			failed++;
			at[st]++;
			ASSERT_LT(0, err) TH_LOG("%s: N=%u: %s failed without errno", which, n,
						 step_name[st]);
			errs[err < 134 ? err : 133]++;
		}
		c = cleanup(s, cpus, mem, offline0, &onlined);
		ASSERT_EQ(0, c) TH_LOG("%s: N=%u (%s, %s): cleanup %d", which, n, step_name[st],
				       strerror(err), c);
	}
	kmsg("cpc-testbed: fault injection ends");
	for (st = S_OPEN; st < S_DONE; st++)
		if (at[st])
			len += snprintf(line + len, sizeof(line) - len, " %s:%u", step_name[st], at[st]);
	TH_LOG("%s: %u points, %u swept (stride %u after %u): %u calls failed (at%s), %u absorbed, %u not reached; %u blocks given back offline and onlined by hand",
	       which, k, runs, step, k <= full ? k : head, failed,
	       len ? line : " none", absorbed, missed, onlined);
	len = 0;
	for (c = 1; c < 134; c++)
		if (errs[c])
			len += snprintf(line + len, sizeof(line) - len, " %s:%u", strerrorname_np(c),
					errs[c]);
	TH_LOG("%s: errnos%s", which, len ? line : " none");
	return failed + absorbed;
}

TEST_F_TIMEOUT(fault, channel_failslab, 1800)
{
	self->s.slices = false;
	EXPECT_LT(0, sweep(_metadata, &self->s, "failslab", self->cpus, self->mem));
}

TEST_F_TIMEOUT(fault, channel_fail_page_alloc, 1800)
{
	self->s.slices = false;
	EXPECT_LT(0, sweep(_metadata, &self->s, "fail_page_alloc", self->cpus, self->mem));
}

TEST_F_TIMEOUT(fault, slice_failslab, 3600)
{
	self->s.slices = true;
	EXPECT_LT(0, sweep(_metadata, &self->s, "failslab", self->cpus, self->mem));
}

TEST_F_TIMEOUT(fault, slice_fail_page_alloc, 3600)
{
	self->s.slices = true;
	EXPECT_LT(0, sweep(_metadata, &self->s, "fail_page_alloc", self->cpus, self->mem));
}

/*
 * The Linux load path, which the sequence above does not take:
 * CPC_SLICE_LOAD_LINUX of the test bed's bzImage on a slice created
 * beforehand, with each of the load's injection points failing in turn
 * (all of them: a few dozen). A load that met its failure must fail with
 * ENOMEM or absorb it, and the next clean load must succeed; afterwards
 * the slice goes and the host must be as before. Returns the number of
 * failures injected.
 */
static unsigned int linux_sweep(struct __test_metadata *_metadata, struct seq *s,
				const char *which, const char *cpus, const char *mem)
{
	unsigned int n, k, failed = 0, absorbed = 0, onlined = 0;
	long long offline0 = returned_offline();
	const unsigned int big = 1000000;
	struct cpc_slice_create cr;
	__u32 block = BLOCK_B;
	unsigned char *kernel;
	size_t len = 0;
	int fd, e, c;
	long left;

	/* This harness runs the test after a SKIP in its setup. */
	if (_metadata->skip)
		return 1;
	s->slices = true;	/* cleanup(): the block listed again */
	kernel = read_all(SLICE_VMLINUZ, &len);
	ASSERT_NE(NULL, kernel) TH_LOG("%s: %s", SLICE_VMLINUZ, strerror(errno));
	ASSERT_EQ(0, fail_nth_only(which));
	s->dev = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, s->dev);
	slice_req_blocks(&cr, SLICE, 1u << 2, 1, &block);
	ASSERT_EQ(0, ioctl(s->dev, CPC_IOCTL_SLICE_CREATE, &cr) ? errno : 0);
	/* How many injection points one clean load reaches. */
	fd = fail_nth_arm(big);
	ASSERT_LE(0, fd);
	e = load_linux(s->dev, SLICE, kernel, len);
	left = fail_nth_disarm(fd);
	ASSERT_EQ(0, e) TH_LOG("%s: clean load: %s", which, strerror(e));
	ASSERT_LE(0, left);
	k = big - left;
	ASSERT_LT(0, k);
	kmsg("cpc-testbed: fault injection begins");
	for (n = 1; n <= k; n++) {
		fd = fail_nth_arm(n);
		ASSERT_LE(0, fd);
		e = load_linux(s->dev, SLICE, kernel, len);
		left = fail_nth_disarm(fd);
		ASSERT_LE(0, left);
		if (left != 0) {	/* N not reached: a clean load */
			ASSERT_EQ(0, e) TH_LOG("%s: N=%u not reached but the load failed: %s",
					       which, n, strerror(e));
		} else if (!e) {
			absorbed++;
		} else {
			ASSERT_EQ(ENOMEM, e) TH_LOG("%s: N=%u: %s", which, n, strerror(e));
			failed++;
		}
		e = load_linux(s->dev, SLICE, kernel, len);
		ASSERT_EQ(0, e) TH_LOG("%s: N=%u: the clean load after it: %s", which, n,
				       strerror(e));
	}
	kmsg("cpc-testbed: fault injection ends");
	free(kernel);
	c = cleanup(s, cpus, mem, offline0, &onlined);
	ASSERT_EQ(0, c) TH_LOG("%s: cleanup after the Linux loads: %d", which, c);
	TH_LOG("%s: CPC_SLICE_LOAD_LINUX: %u points, all swept: %u loads failed with ENOMEM, %u absorbed",
	       which, k, failed, absorbed);
	return failed + absorbed;
}

TEST_F_TIMEOUT(fault, linux_load_failslab, 1800)
{
	EXPECT_LT(0, linux_sweep(_metadata, &self->s, "failslab", self->cpus, self->mem));
}

TEST_F_TIMEOUT(fault, linux_load_fail_page_alloc, 1800)
{
	EXPECT_LT(0, linux_sweep(_metadata, &self->s, "fail_page_alloc", self->cpus, self->mem));
}

TEST_HARNESS_MAIN
