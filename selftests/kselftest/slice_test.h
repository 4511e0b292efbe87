/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slice_test.h - helpers shared by the slice kselftests: build ioctl
 * arguments, read the slice sysfs tree, check the host's CPU and memory view.
 * The test-bed host VM has CPUs 0-3 and a 256 MiB DIMM = memory blocks
 * 32 and 33 (128 MiB each) in ZONE_MOVABLE.
 */
#ifndef CPC_SLICE_TEST_H
#define CPC_SLICE_TEST_H

#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/cpc_host.h>

#include "cpc_test.h"

#define MiB (1ULL << 20)
#define SLICE_SYSFS "/sys/kernel/cpc_host/slices"
#define BLOCK_A 32
#define BLOCK_B 33

static inline void slice_set_cpu(__u64 *cpus, unsigned int cpu)
{
	cpus[cpu / 64] |= 1ULL << (cpu % 64);
}

static inline void slice_req(struct cpc_slice_create *r, const char *name,
			     unsigned int cpu_mask, __u64 mem)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	snprintf(r->name, sizeof(r->name), "%s", name);
	for (unsigned int c = 0; c < 32; c++)
		if (cpu_mask & (1U << c))
			slice_set_cpu(r->cpus, c);
	r->mem_bytes = mem;
}

static inline void slice_req_blocks(struct cpc_slice_create *r, const char *name,
				    unsigned int cpu_mask, unsigned int nr,
				    const __u32 *blocks)
{
	slice_req(r, name, cpu_mask, 0);
	r->flags = CPC_SLICE_CREATE_BLOCKS;
	r->nr_blocks = nr;
	for (unsigned int i = 0; i < nr; i++)
		r->blocks[i] = blocks[i];
}

/* Returns 0 or errno. */
static inline int slice_create(int fd, const char *name, unsigned int cpu_mask, __u64 mem)
{
	struct cpc_slice_create r;

	slice_req(&r, name, cpu_mask, mem);
	return ioctl(fd, CPC_IOCTL_SLICE_CREATE, &r) ? errno : 0;
}

static inline void slice_ref(struct cpc_slice_ref *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	snprintf(r->name, sizeof(r->name), "%s", name);
}

static inline int slice_destroy(int fd, const char *name)
{
	struct cpc_slice_ref r;

	slice_ref(&r, name);
	return ioctl(fd, CPC_IOCTL_SLICE_DESTROY, &r) ? errno : 0;
}

static inline int slice_lock(int fd, const char *name)
{
	struct cpc_slice_ref r;

	slice_ref(&r, name);
	return ioctl(fd, CPC_IOCTL_SLICE_LOCK, &r) ? errno : 0;
}

static inline void slice_filter_init(struct cpc_slice_filter *f, const char *name, __u32 type)
{
	memset(f, 0, sizeof(*f));
	f->size = sizeof(*f);
	f->type = type;
	snprintf(f->name, sizeof(f->name), "%s", name);
}

static inline int slice_filter(int fd, struct cpc_slice_filter *f)
{
	return ioctl(fd, CPC_IOCTL_SLICE_FILTER, f) ? errno : 0;
}

static inline int slice_window(int fd, const char *name, __u32 type, __u64 addr, __u64 len)
{
	struct cpc_slice_filter f;

	slice_filter_init(&f, name, type);
	f.addr = addr;
	f.len = len;
	return slice_filter(fd, &f);
}

/* Reads /sys/kernel/cpc_host/slices/NAME/FILE into buf, strips the newline. */
static inline int slice_attr(const char *name, const char *file, char *buf, size_t size)
{
	char path[256];
	int n;

	snprintf(path, sizeof(path), SLICE_SYSFS "/%s/%s", name, file);
	n = cpc_read_file(path, buf, size);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

static inline int sysfs_str(const char *path, char *buf, size_t size)
{
	int n = cpc_read_file(path, buf, size);

	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

/* 1 online, 0 offline, -1 error. */
static inline int cpu_online(unsigned int cpu)
{
	char path[128], buf[8];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", cpu);
	if (cpc_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return buf[0] == '1';
}

/* The sysfs state file of memory block @block. */
static inline const char *block_state_path(unsigned int block, char *path, size_t size)
{
	snprintf(path, size, "/sys/devices/system/memory/memory%u/state", block);
	return path;
}

/* "online", "offline" or "" when the block does not exist. */
static inline const char *block_state(unsigned int block, char *buf, size_t size)
{
	char path[128];

	if (sysfs_str(block_state_path(block, path, sizeof(path)), buf, size) < 0)
		buf[0] = '\0';
	return buf;
}

/* cpc_host's count of blocks destroy gave back offline, or -1. */
static inline long long returned_offline(void)
{
	char buf[32];

	return sysfs_str("/sys/kernel/cpc_host/blocks_returned_offline", buf, sizeof(buf)) < 0 ?
	       -1 : strtoll(buf, NULL, 10);
}

static inline long long meminfo_kb(const char *key)
{
	char buf[4096], *p;

	if (cpc_read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, key);
	if (!p)
		return -1;
	return strtoll(p + strlen(key) + 1, NULL, 10);
}

/* Waits up to 5 s for a block to come back online (udev-less auto-online). */
static inline int wait_block_online(unsigned int block)
{
	char st[32];
	double end = cpc_now() + 5;

	while (cpc_now() < end) {
		if (!strcmp(block_state(block, st, sizeof(st)), "online"))
			return 1;
		usleep(10000);
	}
	return 0;
}

/* Destroys every slice left over by a failed test, so the next one starts clean. */
static inline void slice_cleanup_all(int fd)
{
	static const char *const names[] = { "s1", "s2", "s3", "t", "scrub", "big" };

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		slice_destroy(fd, names[i]);
}

/*
 * Starts destroying slice @name in a child process and returns once the
 * destroy holds the slice manager's mutex (state "destroying" is set under
 * it, before the scrub, which takes about a second for 128 MiB under TCG):
 * meanwhile every other slice or attach ioctl waits. Returns the child's
 * pid (its exit status is the destroy's errno) or -errno.
 */
static inline pid_t slice_destroy_busy(int fd, const char *name)
{
	char st[32] = "";
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(slice_destroy(fd, name));
	for (int w = 0; w < 5000 && strcmp(st, "destroying"); w++) {
		if (slice_attr(name, "state", st, sizeof(st)) < 0)
			break;
		usleep(500);
	}
	return pid;
}

static inline void slice_on_alarm(int sig)
{
	(void)sig;
}

/*
 * ioctl(@fd, @cmd, @arg) with SIGALRM (no SA_RESTART) after @usec: how a
 * test interrupts a wait. Returns 0 or the ioctl's errno.
 */
static inline int slice_ioctl_alarm(int fd, unsigned long cmd, void *arg, long usec)
{
	struct sigaction sa = { .sa_handler = slice_on_alarm }, old;
	struct itimerval it = { .it_value = { usec / 1000000, usec % 1000000 } };
	int err;

	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	err = ioctl(fd, cmd, arg) ? errno : 0;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	sigaction(SIGALRM, &old, NULL);
	return err;
}

#endif /* CPC_SLICE_TEST_H */
