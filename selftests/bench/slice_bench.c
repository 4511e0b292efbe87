// SPDX-License-Identifier: GPL-2.0
/*
 * cpc-bench-slice - a benchmark, not a test: in the test-bed host VM,
 *
 *  1. create + destroy of a slice of 2 CPUs + 256 MiB through cpc_host,
 *     versus doing the same hot-(un)plug by hand through sysfs
 *     (cpuN/online, memoryN/state; no removal, no scrub);
 *  2. cpc_host's scrub rate (sysfs last_scrub after a destroy) versus a
 *     plain memset() of the same size in user space.
 *
 * Prints one "bench:" line per figure (best of the rounds: the build
 * machine is shared and noise only ever adds time) and the ratios. Emulated
 * speeds are not hardware speeds: only the ratios of one run mean something.
 */
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/cpc_host.h>

#include "cpc_test.h"

#define MiB (1ULL << 20)
#define SIZE (256 * MiB)

static int wr(const char *path, const char *s)
{
	int ret = cpc_write_file(path, s);

	if (ret)
		fprintf(stderr, "cpc-bench-slice: %s <- %s: %s\n", path, s, strerror(-ret));
	return ret;
}

static int block_online(unsigned int b)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%u/state", b);
	return cpc_read_file(path, buf, sizeof(buf)) > 0 && !strncmp(buf, "online", 6);
}

static void wait_blocks_online(void)
{
	double end = cpc_now() + 10;

	while (cpc_now() < end && !(block_online(32) && block_online(33)))
		usleep(1000);
}

static int cpc_round(int fd, double *t_create, double *t_destroy, double *scrub_rate)
{
	struct cpc_slice_create r = { .size = sizeof(r), .mem_bytes = SIZE };
	struct cpc_slice_ref ref = { .size = sizeof(ref) };
	long long bytes, ns;
	char buf[64];
	double t0;

	strcpy(r.name, "bench");
	strcpy(ref.name, "bench");
	r.cpus[0] = 0xc;
	t0 = cpc_now();
	if (ioctl(fd, CPC_IOCTL_SLICE_CREATE, &r)) {
		perror("cpc-bench-slice: create");
		return -1;
	}
	*t_create = cpc_now() - t0;
	t0 = cpc_now();
	if (ioctl(fd, CPC_IOCTL_SLICE_DESTROY, &ref)) {
		perror("cpc-bench-slice: destroy");
		return -1;
	}
	wait_blocks_online();
	*t_destroy = cpc_now() - t0;
	if (cpc_read_file("/sys/kernel/cpc_host/last_scrub", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%lld %lld", &bytes, &ns) != 2 || ns <= 0)
		return -1;
	*scrub_rate = bytes / (ns / 1e9);
	return 0;
}

static int sysfs_round(double *t_off, double *t_on)
{
	double t0 = cpc_now();

	if (wr("/sys/devices/system/cpu/cpu2/online", "0") ||
	    wr("/sys/devices/system/cpu/cpu3/online", "0") ||
	    wr("/sys/devices/system/memory/memory32/state", "offline") ||
	    wr("/sys/devices/system/memory/memory33/state", "offline"))
		return -1;
	*t_off = cpc_now() - t0;
	t0 = cpc_now();
	if (wr("/sys/devices/system/memory/memory32/state", "online_movable") ||
	    wr("/sys/devices/system/memory/memory33/state", "online_movable") ||
	    wr("/sys/devices/system/cpu/cpu2/online", "1") ||
	    wr("/sys/devices/system/cpu/cpu3/online", "1"))
		return -1;
	*t_on = cpc_now() - t0;
	return 0;
}

static double memset_rate(void)
{
	char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_POPULATE, -1, 0);
	double t0, best = 0;

	if (p == MAP_FAILED)
		return 0;
	for (int i = 0; i < 3; i++) {
		t0 = cpc_now();
		memset(p, i + 1, SIZE);
		__asm__ volatile("" : : "r"(p) : "memory");
		double rate = SIZE / (cpc_now() - t0);

		if (rate > best)
			best = rate;
	}
	munmap(p, SIZE);
	return best;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	double c_create = 1e9, c_destroy = 1e9, c_scrub = 0, s_off = 1e9, s_on = 1e9, m;
	int fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0 || rounds < 1) {
		perror("cpc-bench-slice: " CPC_HOST_DEVICE);
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		double a, b, c, d, e;

		if (cpc_round(fd, &a, &b, &c) || sysfs_round(&d, &e))
			return 1;
		wait_blocks_online();
		/* Best of the rounds: the build machine is shared, noise only adds time. */
		if (a + b < c_create + c_destroy) {
			c_create = a;
			c_destroy = b;
		}
		if (c > c_scrub)
			c_scrub = c;
		if (d + e < s_off + s_on) {
			s_off = d;
			s_on = e;
		}
	}
	m = memset_rate();
	printf("bench: best of %d rounds, 2 CPUs + 256 MiB\n", rounds);
	printf("bench: cpc create %.0f ms, destroy (scrub + re-add + CPUs back) %.0f ms, total %.0f ms\n",
	       c_create * 1e3, c_destroy * 1e3, (c_create + c_destroy) * 1e3);
	printf("bench: sysfs by hand: offline %.0f ms, online %.0f ms, total %.0f ms\n",
	       s_off * 1e3, s_on * 1e3, (s_off + s_on) * 1e3);
	printf("bench: ratio cpc / sysfs (create+destroy vs offline+online): %.2f\n",
	       (c_create + c_destroy) / (s_off + s_on));
	printf("bench: scrub %.0f MiB/s, user-space memset %.0f MiB/s\n", c_scrub / MiB, m / MiB);
	printf("bench: ratio scrub / memset: %.2f\n", c_scrub / m);
	close(fd);
	return 0;
}
