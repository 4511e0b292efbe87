/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fail_nth.h - the kernel's per-thread fault injection
 * (/proc/thread-self/fail-nth: the Nth fault-injection point this thread
 * reaches fails), armed through a file kept open so that opening it is not
 * counted. Shared by fault_sweep (module loads), fault_ioctl (the ioctl
 * paths) and the tests that check one call's ENOMEM (slice_run,
 * bench_host, procs).
 */
#ifndef CPC_FAIL_NTH_H
#define CPC_FAIL_NTH_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAIL_NTH "/proc/thread-self/fail-nth"
/* The two fault types' knobs (ignore-gfp-wait, verbose, ...). */
#define FAILSLAB "/sys/kernel/debug/failslab"
#define FAILPAGE "/sys/kernel/debug/fail_page_alloc"

/* Does this kernel have failslab, fail_page_alloc and fail-nth? */
static inline int fail_nth_available(void)
{
	return !access(FAILSLAB, F_OK) && !access(FAILPAGE, F_OK) && !access(FAIL_NTH, F_OK);
}

/* Writes @s to the fault-injection knob @path; 0 or -errno. */
static inline int fail_knob(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Lets fail-nth fail only @which's ("failslab" or "fail_page_alloc")
 * allocations, GFP_KERNEL ones included, with no stack dump per failure.
 * Returns 0 or -errno.
 */
static inline int fail_nth_only(const char *which)
{
	int slab = !strcmp(which, "failslab");

	if (fail_knob(FAILSLAB "/ignore-gfp-wait", slab ? "N" : "Y") ||
	    fail_knob(FAILPAGE "/ignore-gfp-wait", slab ? "Y" : "N") ||
	    fail_knob(FAILPAGE "/ignore-gfp-highmem", "N") ||
	    fail_knob(FAILPAGE "/min-order", "0") ||
	    fail_knob(FAILSLAB "/verbose", "0") || fail_knob(FAILPAGE "/verbose", "0"))
		return -EIO;
	return 0;
}

/* Back to the kernel's default: GFP_KERNEL allocations never fail. */
static inline void fail_nth_default(void)
{
	fail_knob(FAILSLAB "/ignore-gfp-wait", "Y");
	fail_knob(FAILPAGE "/ignore-gfp-wait", "Y");
}

/* Arms this thread's fail-nth with @n; returns the fd or -errno. */
static inline int fail_nth_arm(unsigned int n)
{
	char buf[16];
	int fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%u", n);
	if (write(fd, buf, strlen(buf)) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Disarms it and closes @fd; returns what was left of N (0: the failure was
 * injected), or -1 when it could not be read or disarmed.
 */
static inline long fail_nth_disarm(int fd)
{
	char buf[16];
	ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);

	buf[len > 0 ? len : 0] = '\0';
	if (write(fd, "0", 1) < 0 || len <= 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return strtol(buf, NULL, 10);
}

#endif /* CPC_FAIL_NTH_H */
