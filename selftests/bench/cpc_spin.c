// SPDX-License-Identifier: GPL-2.0
/*
 * cpc-spin CPU SECONDS - a CPU-bound workload for the benchmark, run inside
 * a test-bed guest (started through qemu-guest-agent): pins itself to CPU,
 * spins for SECONDS and prints the iterations of every 250 ms window
 * ("window N ITERATIONS") and at the end "rate ITERATIONS_PER_SECOND".
 * How much a snapshot job through the maintenance vCPU slows the ordinary
 * vCPU shows as the ratio of two runs' rates.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	volatile uint64_t sink = 0;
	uint64_t total = 0, win = 0;
	double t0, end, next;
	cpu_set_t set;
	int cpu, n = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: cpc-spin CPU SECONDS\n");
		return 2;
	}
	cpu = atoi(argv[1]);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("cpc-spin: sched_setaffinity");
		return 1;
	}
	t0 = now();
	end = t0 + atof(argv[2]);
	next = t0 + 0.25;
	for (;;) {
		for (int i = 0; i < 1000; i++)
			sink += i;
		win++;
		if (win % 64)
			continue;
		double t = now();

		if (t >= next || t >= end) {
			printf("window %d %llu\n", n++, (unsigned long long)win);
			total += win;
			win = 0;
			next += 0.25;
		}
		if (t >= end)
			break;
	}
	printf("rate %.0f\n", total / (now() - t0));
	return 0;
}
