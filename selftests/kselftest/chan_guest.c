// SPDX-License-Identifier: GPL-2.0
/*
 * chan_guest - the guest end of a CPC channel, inside a guest VM (after the
 * host's chan_host run has finished): sysfs, the owner's policy through
 * cpcctl guest, the maintenance vCPU staying idle when no calls come, and
 * CPC interrupts landing on the maintenance vCPU only (/proc/interrupts).
 */
#include <dirent.h>

#include "cpc_test.h"
#include "kselftest_harness.h"

#define G "/sys/kernel/cpc_guest/"

static long long num(const char *path)
{
	char buf[64];

	return cpc_read_file(path, buf, sizeof(buf)) < 0 ? -1 : atoll(buf);
}

TEST(sysfs_tree)
{
	char buf[64];

	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN) - 1, num(G "maint_cpu"));
	EXPECT_LE(0, num(G "wakeups"));
	EXPECT_LE(0, num(G "served"));
	EXPECT_LE(0, num(G "busy_ns"));
	EXPECT_LE(0, num(G "poll_hits"));
	/* Adaptive polling is off by default. */
	EXPECT_EQ(0, num("/sys/module/cpc_guest/parameters/poll_us"));
	EXPECT_TRUE(cpc_path_exists(G "procs/ping/allowed"));
	EXPECT_TRUE(cpc_path_exists(G "procs/snapshot/rejected"));
	struct stat st;

	ASSERT_EQ(0, stat(G "procs/ping/allowed", &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	ASSERT_EQ(0, stat(G "procs/ping/calls", &st));
	EXPECT_EQ(0444, st.st_mode & 0777);
	ASSERT_LT(0, cpc_read_file(G "procs/reclaim/allowed", buf, sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
}

TEST(channel_runs)
{
	struct dirent *de;
	char path[512], buf[64];
	int n = 0;
	DIR *d = opendir(G "channels");

	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), G "channels/%s/state", de->d_name);
		ASSERT_LT(0, cpc_read_file(path, buf, sizeof(buf)));
		/* The host VM may already be gone: run, or waiting for it. */
		EXPECT_TRUE(!strcmp(buf, "run\n") || !strcmp(buf, "init\n")) TH_LOG("%s", buf);
		snprintf(path, sizeof(path), G "channels/%s/bad_index", de->d_name);
		EXPECT_LE(0, num(path));
		n++;
	}
	closedir(d);
	EXPECT_EQ(1, n);
}

TEST(policy_with_cpcctl)
{
	char out[4096];

	EXPECT_EQ(0, cpc_run(out, sizeof(out), "cpcctl guest deny ping")) TH_LOG("%s", out);
	EXPECT_EQ(0, num(G "procs/ping/allowed"));
	EXPECT_EQ(0, cpc_run(out, sizeof(out), "cpcctl guest status --json"));
	EXPECT_NE(NULL, strstr(out, "\"maint_cpu\": 1"));
	EXPECT_EQ(0, cpc_run(out, sizeof(out), "cpcctl guest allow ping"));
	EXPECT_EQ(1, num(G "procs/ping/allowed"));
	EXPECT_NE(0, cpc_run(out, sizeof(out), "cpcctl guest allow nosuch"));
	EXPECT_EQ(0, strncmp(out, "cpcctl: ", 8)) TH_LOG("%s", out);
	EXPECT_EQ(0, cpc_run(out, sizeof(out), "cpcctl guest status"));
	EXPECT_NE(NULL, strstr(out, "maintenance vCPU 1"));
}

TEST(policy_sysfs_rejects_garbage)
{
	EXPECT_EQ(-EINVAL, cpc_write_file(G "procs/ping/allowed", "maybe"));
	EXPECT_EQ(1, num(G "procs/ping/allowed"));
}

TEST(maint_vcpu_idle_without_calls)
{
	long long w0 = num(G "wakeups"), b0 = num(G "busy_ns");
	char path[64], buf[512], *p;
	struct dirent *de;
	DIR *d;

	sleep(3);
	EXPECT_EQ(w0, num(G "wakeups"));
	EXPECT_EQ(b0, num(G "busy_ns"));
	/* The thread sleeps (S), bound to the maintenance vCPU. */
	d = opendir("/proc");
	ASSERT_NE(NULL, d);
	int found = 0;

	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%.16s/stat", de->d_name);
		if (cpc_read_file(path, buf, sizeof(buf)) <= 0 || !strstr(buf, "(cpc_maint/"))
			continue;
		p = strrchr(buf, ')');
		ASSERT_NE(NULL, p);
		EXPECT_EQ('S', p[2]);
		found = 1;
	}
	closedir(d);
	EXPECT_TRUE(found);
}

TEST(interrupts_only_on_maint_vcpu)
{
	char buf[16384], *line, *save;
	long long cpu0, cpu1;
	int lines = 0;

	ASSERT_LT(0, cpc_read_file("/proc/interrupts", buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, "cpc_guest_ivshmem"))
			continue;
		ASSERT_EQ(2, sscanf(strchr(line, ':') + 1, "%lld %lld", &cpu0, &cpu1));
		EXPECT_EQ(0, cpu0) TH_LOG("%s", line);
		if (!lines++)
			EXPECT_LT(0, cpu1) TH_LOG("no doorbell reached the maintenance vCPU");
	}
	EXPECT_LT(0, lines);
}

/* Last: it reloads the module. */
TEST(zz_module_parameters)
{
	ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	/* Every parameter is validated before anything is set up. */
	/* Names a module may install later are fine; non-names are not. */
	EXPECT_EQ(-EINVAL, cpc_module_load("cpc_guest", "allow=ping,No_Such"));
	EXPECT_EQ(-EINVAL, cpc_module_load("cpc_guest", "deny=a/b"));
	EXPECT_EQ(-EINVAL, cpc_module_load("cpc_guest", "allow=abcdefghijklmnopqrstuvwxyz0123456"));
	EXPECT_EQ(-EINVAL, cpc_module_load("cpc_guest", "maint_cpu=64"));
	EXPECT_FALSE(cpc_path_exists(G "version"));
	ASSERT_EQ(0, cpc_module_load("cpc_guest", "deny=ping,info allow=reclaim,info maint_cpu=0"));
	EXPECT_EQ(0, num(G "procs/ping/allowed"));
	EXPECT_EQ(0, num(G "procs/info/allowed")) TH_LOG("deny wins");
	EXPECT_EQ(0, num(G "procs/ps/allowed"));
	EXPECT_EQ(1, num(G "procs/reclaim/allowed"));
	EXPECT_EQ(0, num(G "maint_cpu"));
	ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	/* The owner said nothing: only ping (and procs, the list of it). */
	ASSERT_EQ(0, cpc_module_load("cpc_guest", NULL));
	EXPECT_EQ(1, num(G "procs/ping/allowed"));
	EXPECT_EQ(1, num(G "procs/procs/allowed"));
	EXPECT_EQ(0, num(G "procs/info/allowed"));
	EXPECT_EQ(0, num(G "procs/ps/allowed"));
	EXPECT_EQ(0, num(G "procs/log/allowed"));
	EXPECT_EQ(0, num(G "procs/reclaim/allowed"));
	EXPECT_EQ(0, num(G "procs/return/allowed"));
	EXPECT_EQ(0, num(G "procs/snapshot/allowed"));
	EXPECT_EQ(1, num(G "maint_cpu"));
}

TEST_HARNESS_MAIN
