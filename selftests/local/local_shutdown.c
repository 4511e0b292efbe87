// SPDX-License-Identifier: GPL-2.0
/*
 * local_shutdown.c - the shutdown procedure for real (scenario "local",
 * after local_bus): the host end on this machine asks the guest to power
 * off, then (booted again) to halt. Each call is answered before the guest
 * goes; then its init goes down (testbed/vm-down as /sbin/poweroff and
 * /sbin/halt), the guest's cpc end says it leaves (its shutdown hook
 * publishes RESET: the bus shows the guest end "reset"), and
 *   poweroff: the guest's QEMU exits 0 (testbed-ctl wait-off: the run
 *             counts it as expected) and leaves the bus;
 *   halt:     the kernel prints "reboot: System halted", QEMU keeps
 *             running with its CPUs stopped (still a peer of the bus, and
 *             no CPC call gets through), until testbed-ctl kill ends it.
 *
 * Environment: CPC_BUSES (the first is guest 1), testbed-ctl on PATH; the
 * guest allows shutdown (--guest-modargs allow=...,shutdown).
 */
#include <signal.h>

#include "kselftest_harness.h"
#include "cpc_test.h"

FIXTURE(down) {
	char name[300];	/* bus:<socket> */
};

FIXTURE_SETUP(down)
{
	const char *buses = getenv("CPC_BUSES");

	ASSERT_NE(NULL, buses) TH_LOG("CPC_BUSES names the guests' buses");
	snprintf(self->name, sizeof(self->name), "bus:%.*s", (int)strcspn(buses, " "), buses);
}

FIXTURE_TEARDOWN(down)
{
}

/* Guest 1's current console log and QEMU pid, from the test bed. */
static int guest_log(char *log, size_t n)
{
	if (cpc_run(log, n, "testbed-ctl log 1"))
		return -1;
	log[strcspn(log, "\n")] = '\0';
	return 0;
}

static pid_t guest_pid(void)
{
	char out[64];

	return cpc_run(out, sizeof(out), "testbed-ctl pid 1") ? -1 : atoi(out);
}

/* 0 when the console log @log has a line matching the ERE @re, 1 when not. */
static int console_has(const char *log, const char *re)
{
	char out[256];

	return cpc_run(out, sizeof(out), "grep -aqE '%s' %s", re, log);
}

/* The guest answers pings: its cpc end is up. */
static int guest_up(const char *name)
{
	char out[256];
	int i;

	for (i = 0; i < 50; i++) {
		if (cpc_run(out, sizeof(out), "cpcctl call %s ping value=4", name) == 0 &&
		    !strcmp(out, "pong 4 from maintenance vCPU 1\n"))
			return 0;
		usleep(200 * 1000);
	}
	return -1;
}

/*
 * The guest's cpc end said it leaves (the bus shows it "reset") and no call
 * gets through; its QEMU left the bus (@gone: powered off) or is still a
 * peer of it (halted).
 */
static void guest_left(struct __test_metadata *_metadata, const char *name, bool gone)
{
	char out[8192];

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl channel show %s --json", name));
	EXPECT_NE(NULL, strstr(out, "\"peer_state\": \"reset\"")) TH_LOG("%s", out);
	EXPECT_EQ(gone, strstr(out, "\"peers\": []") != NULL) TH_LOG("%s", out);
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl call %s ping --timeout 1000", name));
	EXPECT_NE(NULL, strstr(out, "Transport endpoint is not connected")) TH_LOG("%s", out);
}

TEST_F_TIMEOUT(down, poweroff_answers_then_the_guest_powers_off, 300)
{
	char out[8192], log[512];

	ASSERT_EQ(0, guest_up(self->name));
	ASSERT_EQ(0, guest_log(log, sizeof(log)));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s shutdown arg0=0", self->name))
		TH_LOG("%s", out);
	EXPECT_STREQ("ret 0 0\n", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "testbed-ctl wait-off 1 90")) TH_LOG("%s", out);
	EXPECT_EQ(0, console_has(log, "cpc_proc_shutdown: the host asked to power off the guest"));
	EXPECT_EQ(0, console_has(log, "CPC-TESTBED: poweroff requested"));
	EXPECT_EQ(0, console_has(log, "reboot: Power down"));
	/* It left the bus cleanly: its end said so, its QEMU is gone. */
	guest_left(_metadata, self->name, true);

	/* Booted again, for the next test. */
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "testbed-ctl start 1")) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "testbed-ctl wait 1 'local: guest ready' 120"))
		TH_LOG("%s", out);
	EXPECT_EQ(0, guest_up(self->name));
}

TEST_F_TIMEOUT(down, halt_answers_then_the_guest_halts, 300)
{
	char out[8192], log[512];
	pid_t qemu;

	/* The poweroff test boots the guest again; if it failed first, boot it here. */
	if (cpc_run(out, sizeof(out), "testbed-ctl start 1") == 0)
		ASSERT_EQ(0, cpc_run(out, sizeof(out), "testbed-ctl wait 1 'local: guest ready' 120"))
			TH_LOG("%s", out);
	ASSERT_EQ(0, guest_up(self->name));
	ASSERT_EQ(0, guest_log(log, sizeof(log)));
	qemu = guest_pid();
	ASSERT_LT(0, qemu);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s shutdown arg0=1", self->name))
		TH_LOG("%s", out);
	EXPECT_STREQ("ret 1 0\n", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "testbed-ctl wait 1 'reboot: System halted' 90"))
		TH_LOG("%s", out);
	EXPECT_EQ(0, console_has(log, "cpc_proc_shutdown: the host asked to halt the guest"));
	EXPECT_EQ(0, console_has(log, "CPC-TESTBED: halt requested"));
	EXPECT_EQ(1, console_has(log, "reboot: Power down"));
	/* Halted, not off: QEMU runs on and stays on the bus. */
	sleep(2);
	EXPECT_EQ(0, kill(qemu, 0));
	guest_left(_metadata, self->name, false);
	/* A halted VM never ends by itself: the test bed's kill does. */
	EXPECT_EQ(0, cpc_run(out, sizeof(out), "testbed-ctl kill 1")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
