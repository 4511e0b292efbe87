// SPDX-License-Identifier: GPL-2.0
/*
 * guest_module - cpc_guest.ko basics: sysfs root, unload and reload.
 * Runs in a test-bed guest VM.
 */
#include <linux/cpc_host.h>

#include "cpc_test.h"
#include "kselftest_harness.h"

TEST(sysfs_root)
{
	char buf[64], want[32];
	struct stat st;

	ASSERT_EQ(0, stat("/sys/kernel/cpc_guest", &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_LT(0, cpc_read_file("/sys/kernel/cpc_guest/version", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "%u.%u\n", CPC_VERSION_MAJOR, CPC_VERSION_MINOR);
	ASSERT_STREQ(want, buf);
}

TEST(unload_and_reload)
{
	ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	EXPECT_FALSE(cpc_path_exists("/sys/kernel/cpc_guest"));
	ASSERT_EQ(0, cpc_module_load("cpc_guest", NULL));
	EXPECT_TRUE(cpc_path_exists("/sys/kernel/cpc_guest/version"));
}

TEST_HARNESS_MAIN
