// SPDX-License-Identifier: GPL-2.0
/*
 * local_sweep.c - many guests from one host process (testbed/run --local
 * --guests 3, scenario "local3"): `cpcctl sweep` pings and asks every
 * guest for info at once on one io_uring; jobs run across the guests at
 * once with one progress line; a guest whose QEMU is killed fails only its
 * own entry (exit status 64: some succeeded).
 *
 * Environment: CPC_BUSES (three bus sockets), testbed-ctl on PATH.
 */
#include "kselftest_harness.h"
#include "cpc_test.h"

#define DIR	"local-sweep.d"

FIXTURE(guests) {
	char bus[3][256];
	char names[1024]; /* "bus:A bus:B bus:C" */
	char dir[256];
};

FIXTURE_SETUP(guests)
{
	const char *list = getenv("CPC_BUSES");
	char *p, *slash;
	int i = 0;
	char copy[1024];

	ASSERT_NE(NULL, list) TH_LOG("CPC_BUSES names the guests' buses");
	snprintf(copy, sizeof(copy), "%s", list);
	self->names[0] = '\0';
	for (p = strtok(copy, " "); p && i < 3; p = strtok(NULL, " "), i++) {
		snprintf(self->bus[i], sizeof(self->bus[i]), "bus:%s", p);
		strcat(self->names, i ? " " : "");
		strcat(self->names, self->bus[i]);
	}
	ASSERT_EQ(3, i) TH_LOG("three guests (--guests 3)");
	snprintf(self->dir, sizeof(self->dir), "%s", self->bus[0] + 4);
	slash = strrchr(self->dir, '/');
	if (slash)
		*slash = '\0';
	mkdir(DIR, 0700);
}

FIXTURE_TEARDOWN(guests)
{
}

/* Occurrences of @needle in @hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

TEST_F(guests, sweep_all_at_once)
{
	char out[65536];

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl sweep %s --json", self->names))
		TH_LOG("%s", out);
	EXPECT_EQ(3, count(out, "\"ok\": true")) TH_LOG("%s", out);
	EXPECT_EQ(3, count(out, "\"maint_cpu\": 1")) TH_LOG("%s", out);
	/* No channel given: every bus in the directory. */
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl sweep --bus-dir %s --json", self->dir))
		TH_LOG("%s", out);
	EXPECT_EQ(3, count(out, "\"ok\": true")) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl sweep %s", self->names));
	EXPECT_EQ(0, strncmp(out, "CHANNEL", 7)) TH_LOG("%s", out);
	EXPECT_EQ(3, count(out, " ready ")) TH_LOG("%s", out);
}

TEST_F(guests, jobs_across_guests)
{
	char out[65536], path[512];
	int i;

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job ping %s --calls 200 --json", self->names))
		TH_LOG("%s", out);
	EXPECT_EQ(3, count(out, "\"calls\": 200")) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out-dir " DIR
			     " --force --start 0x100000 --size 1M --json", self->names)) TH_LOG("%s", out);
	EXPECT_EQ(3, count(out, "\"pages\": 256")) TH_LOG("%s", out);
	for (i = 1; i <= 3; i++) {
		snprintf(path, sizeof(path), DIR "/bus%d.snp", i);
		EXPECT_TRUE(cpc_path_exists(path)) TH_LOG("%s", path);
	}
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job reclaim %s --size 4M --json", self->names));
	EXPECT_EQ(3, count(out, "\"bytes\": 4194304")) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job return %s", self->names));
	/* --out takes one channel: a usage error, before any call. */
	EXPECT_EQ(2, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out x.snp", self->names));
	EXPECT_NE(NULL, strstr(out, "cpcctl: --out: one channel only")) TH_LOG("%s", out);
}

TEST_F(guests, a_dead_guest_fails_only_its_entry)
{
	char out[65536];

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "testbed-ctl kill 2")) TH_LOG("%s", out);
	EXPECT_EQ(64, cpc_run(out, sizeof(out), "cpcctl sweep %s --json --timeout 2000", self->names))
		TH_LOG("%s", out);
	EXPECT_EQ(2, count(out, "\"ok\": true")) TH_LOG("%s", out);
	EXPECT_EQ(1, count(out, "\"ok\": false")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "Transport endpoint is not connected")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, self->bus[1])) TH_LOG("%s", out);
	EXPECT_EQ(64, cpc_run(out, sizeof(out), "cpcctl job ping %s --calls 50", self->names))
		TH_LOG("%s", out);
	EXPECT_EQ(2, count(out, "50 pings")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "cpcctl: call ping on bus:")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
