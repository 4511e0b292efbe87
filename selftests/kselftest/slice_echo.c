// SPDX-License-Identifier: GPL-2.0
/*
 * slice_echo - CPC calls into code running on a slice's own CPU: the
 * slice-echo payload (/usr/lib/cpc/slice-echo) on the channel slice:NAME
 * over the slice bus with real IPIs both ways. ping answered by the slice
 * CPU (its APIC id), info describes the slice; the IPI mask refuses host
 * doorbells (EPERM, counted) and lets them through again; stop takes the
 * channel away; 20 create-load-start-call-stop-destroy cycles with the
 * CPUs back and used; the raw IPI ping-pong and start-to-first-answer
 * figures (logged for Documentation/results.md). Runs in the test-bed host VM.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "slice_test.h"
#include "slice_image.h"
#include "kselftest_harness.h"

#define ECHO "/usr/lib/cpc/slice-echo"
#define CHANNELS "/sys/kernel/cpc_host/channels"

static unsigned char *read_image(size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(ECHO, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	buf = malloc(st.st_size);
	if (!buf || read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	*len = st.st_size;
	return buf;
}

/* Waits up to @sec for channel slice:@name to be ready. */
static int chan_ready(const char *name, double sec)
{
	char path[128], buf[32];
	double end = cpc_now() + sec;

	snprintf(path, sizeof(path), CHANNELS "/slice:%s/state", name);
	do {
		if (sysfs_str(path, buf, sizeof(buf)) > 0 && !strcmp(buf, "ready"))
			return 1;
		usleep(1000);
	} while (cpc_now() < end);
	return 0;
}

static long long slice_num(const char *name, const char *file)
{
	char buf[64];

	if (slice_attr(name, file, buf, sizeof(buf)) <= 0)
		return -1;
	return atoll(buf);
}

FIXTURE(echo) {
	int fd;
	unsigned char *img;
	size_t len;
};

FIXTURE_SETUP(echo)
{
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	slice_cleanup_all(self->fd);
	self->img = read_image(&self->len);
	ASSERT_NE(NULL, self->img);
}

FIXTURE_TEARDOWN(echo)
{
	slice_cleanup_all(self->fd);
	free(self->img);
	close(self->fd);
}

static int start_echo(struct __test_metadata *_metadata, FIXTURE_DATA(echo) *self,
		      const char *name)
{
	int err = slice_load(self->fd, name, self->img, self->len);

	return err ? err : slice_start(self->fd, name);
}

TEST_F(echo, ping_and_info_are_answered_by_the_slice_cpu)
{
	char out[4096];
	double t0;

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	t0 = cpc_now();
	ASSERT_EQ(0, start_echo(_metadata, self, "s1"));
	/* Start to first answer: the first ping that comes back. */
	while (cpc_run(out, sizeof(out), "cpcctl call slice:s1 ping --timeout 200") &&
	       cpc_now() - t0 < 5)
		;
	TH_LOG("start to first answer: %.1f ms", (cpc_now() - t0) * 1e3);
	ASSERT_TRUE(chan_ready("s1", 1));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call slice:s1 ping value=42 --json"));
	EXPECT_EQ(42, cpc_json_num(out, NULL, "value")) TH_LOG("%s", out);
	EXPECT_EQ(3, cpc_json_num(out, NULL, "cpu")) TH_LOG("%s", out);	/* APIC id 3 */
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call slice:s1 info --json"));
	EXPECT_NE(NULL, strstr(out, "\"kind\": \"bare-metal\"")) TH_LOG("%s", out);
	EXPECT_EQ(3, cpc_json_num(out, NULL, "apic_id"));
	EXPECT_LT(0, cpc_json_num(out, NULL, "tsc_khz"));
	EXPECT_LT(0, cpc_json_num(out, NULL, "doorbells"));
	EXPECT_EQ(0, cpc_json_num(out, NULL, "stray_irqs"));
	EXPECT_EQ(268435456 / 2, cpc_json_num(out, "\"memory\"", "len"));
	/* Unknown to the payload: the protocol's ENOSYS. */
	EXPECT_NE(0, cpc_run(out, sizeof(out), "cpcctl call slice:s1 ps"));
	EXPECT_NE(NULL, strstr(out, "Function not implemented")) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel list --json"));
	EXPECT_NE(NULL, strstr(out, "\"slice:s1\"")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"slice\"")) TH_LOG("%s", out);
	EXPECT_LT(0, slice_num("s1", "doorbells_in"));
	EXPECT_EQ(0, slice_num("s1", "bad_doorbell"));

	ASSERT_EQ(0, slice_stop(self->fd, "s1"));
	EXPECT_FALSE(cpc_path_exists(CHANNELS "/slice:s1"));
	EXPECT_NE(0, cpc_run(out, sizeof(out), "cpcctl call slice:s1 ping"));
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_EQ(1, cpu_online(3));
}

TEST_F(echo, ipi_mask_refuses_and_allows_doorbells)
{
	struct cpc_slice_filter f;
	long long refused, sent;
	char out[1024];

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	ASSERT_EQ(0, start_echo(_metadata, self, "s1"));
	ASSERT_TRUE(chan_ready("s1", 5));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call slice:s1 ping"));

	/* The slice's CPU but not the manager: the host may not ring it. */
	slice_filter_init(&f, "s1", CPC_FILTER_IPI);
	slice_set_cpu(f.cpus, 3);
	ASSERT_EQ(0, slice_filter(self->fd, &f));
	refused = slice_num("s1", "filters/ipi_refused");
	EXPECT_NE(0, cpc_run(out, sizeof(out), "cpcctl call slice:s1 ping --timeout 500"));
	EXPECT_NE(NULL, strstr(out, "Operation not permitted")) TH_LOG("%s", out);
	EXPECT_LT(refused, slice_num("s1", "filters/ipi_refused"));
	/* The manager but not the slice's CPU: the doorbell is not sent either. */
	f.flags = CPC_FILTER_IPI_MANAGER;
	memset(f.cpus, 0, sizeof(f.cpus));
	ASSERT_EQ(0, slice_filter(self->fd, &f));
	refused = slice_num("s1", "filters/ipi_refused");
	EXPECT_NE(0, cpc_run(out, sizeof(out), "cpcctl call slice:s1 ping --timeout 300"));
	EXPECT_LT(refused, slice_num("s1", "filters/ipi_refused"));
	/* Both again: it rings. */
	slice_set_cpu(f.cpus, 3);
	ASSERT_EQ(0, slice_filter(self->fd, &f));
	sent = slice_num("s1", "filters/ipi_sent");
	ASSERT_TRUE(chan_ready("s1", 5));
	EXPECT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call slice:s1 ping --timeout 2000"))
		TH_LOG("%s", out);
	EXPECT_LT(sent, slice_num("s1", "filters/ipi_sent"));
	/* A running slice's bus window is not the user's to change. */
	EXPECT_EQ(EBUSY, slice_window(self->fd, "s1", CPC_FILTER_BUS_WINDOW, 0x200000000ULL, 4096));
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
}

TEST_F(echo, raw_ipi_ping_pong_against_cpc_ping)
{
	char out[4096], pp[128];
	double cpc_us, raw_us;

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	ASSERT_EQ(0, start_echo(_metadata, self, "s1"));
	ASSERT_TRUE(chan_ready("s1", 5));
	ASSERT_EQ(0, cpc_write_file("/sys/kernel/debug/cpc_host/slices/s1/ipi_pingpong", "500"));
	ASSERT_LT(0, sysfs_str("/sys/kernel/debug/cpc_host/slices/s1/ipi_pingpong", pp, sizeof(pp)));
	raw_us = atof(strchr(pp, ' ') + 1) / 1e3;
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl bench slice:s1 --calls 500 --json"));
	cpc_us = cpc_json_num(out, "\"latency", "median_ns") / 1e3;
	TH_LOG("raw IPI ping-pong avg %.1f us (%s); CPC ping median %.1f us; ratio %.2f",
	       raw_us, pp, cpc_us, cpc_us / raw_us);
	EXPECT_LT(0, raw_us);
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
}

TEST_F(echo, twenty_cycles_with_calls)
{
	long long total0 = meminfo_kb("MemTotal:");
	char out[1024];

	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(0, slice_create(self->fd, "s1", 0xc, 128 * MiB));
		ASSERT_EQ(0, start_echo(_metadata, self, "s1"));
		ASSERT_TRUE(chan_ready("s1", 5));
		ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call slice:s1 ping --json"));
		ASSERT_EQ(2, cpc_json_num(out, NULL, "cpu"));
		ASSERT_EQ(0, slice_stop(self->fd, "s1"));
		ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
		ASSERT_EQ(1, cpu_online(2));
		ASSERT_EQ(1, cpu_online(3));
		ASSERT_TRUE(wait_block_online(BLOCK_A));
	}
	EXPECT_EQ(total0, meminfo_kb("MemTotal:"));
	/* The CPUs run host tasks again. */
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "taskset -c 2 true && taskset -c 3 true"));
}

TEST_HARNESS_MAIN
