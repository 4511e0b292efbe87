// SPDX-License-Identifier: GPL-2.0
// The one sysfs reader (cpc/sysfs.hpp) and what sits on it: errors name
// the file and carry the failing call's errno; a value that does not parse
// is EPROTO, never read as 0 or "".
#include <cpc/channel.hpp>
#include <cpc/error.hpp>
#include <cpc/slice.hpp>
#include <cpc/sysfs.hpp>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "test_util.hpp"

namespace {

using cpc_test::TempDir;
using cpc_test::errno_of;

TEST(Sysfs, ReadsTrimmedTextAndNumbers)
{
	TempDir d;
	d.write("a", "ready\n", 0644);
	d.write("n", "4096\n", 0644);
	d.write("h", "0xf0\n", 0644);
	EXPECT_EQ("ready", cpc::sysfs_read(d.path("a")));
	EXPECT_EQ(4096u, cpc::sysfs_number(d.path("n")));
	EXPECT_EQ(0xf0u, cpc::sysfs_number(d.path("h")));
	EXPECT_FALSE(cpc::sysfs_read_opt(d.path("none")));
	EXPECT_FALSE(cpc::sysfs_number_opt(d.path("none")));
}

TEST(Sysfs, ErrorsNameTheFileWithTheRightErrno)
{
	TempDir d;
	d.mkdir("dir");
	d.write("bad", "12abc\n", 0644);
	errno = EACCES; // a stale errno must not show through
	try {
		cpc::sysfs_read(d.path("none"));
		FAIL();
	} catch (const cpc::Error &e) {
		EXPECT_EQ(ENOENT, e.errnum());
		EXPECT_EQ(d.path("none"), e.context());
	}
	EXPECT_EQ(EISDIR, errno_of([&] { cpc::sysfs_read(d.path("dir")); }));
	EXPECT_EQ(EISDIR, errno_of([&] { cpc::sysfs_read_opt(d.path("dir")); }));
	try {
		cpc::sysfs_number(d.path("bad"));
		FAIL();
	} catch (const cpc::Error &e) {
		EXPECT_EQ(EPROTO, e.errnum());
		EXPECT_EQ(d.path("bad") + ": not a number ('12abc')", std::string(e.what()));
	}
}

TEST(Sysfs, WritesInOneCallOrSaysWhy)
{
	TempDir d;
	d.write("allowed", "0\n", 0644);
	cpc::sysfs_write(d.path("allowed"), "1\n");
	EXPECT_EQ("1\n", d.read("allowed"));
	errno = 0;
	try {
		cpc::sysfs_write(d.path("none/allowed"), "1\n", "guest allow ping");
		FAIL();
	} catch (const cpc::Error &e) {
		EXPECT_EQ(ENOENT, e.errnum());
		EXPECT_EQ("guest allow ping", e.context());
	}
	EXPECT_EQ(ENOSPC, errno_of([] { cpc::sysfs_write("/dev/full", "1\n"); }));
}

/// A kernel channel's sysfs directory as cpc_host makes it.
void fake_channel(const TempDir &d, const std::string &calls)
{
	d.mkdir("ch0");
	d.write("ch0/state", "ready\n", 0644);
	d.write("ch0/generation", "3\n", 0644);
	d.write("ch0/calls", calls + "\n", 0644);
}

TEST(Sysfs, ChannelListReadsCountersOrSaysWhy)
{
	TempDir d;
	fake_channel(d, "17");
	cpc::ListOptions lo;
	lo.sysfs = d.dir();
	lo.bus_dirs = std::vector<std::string>{};
	auto l = cpc::list_channels(lo);
	ASSERT_EQ(1u, l.size());
	EXPECT_EQ("ready", l[0].state);
	EXPECT_EQ(3u, l[0].generation);
	EXPECT_EQ(17u, l[0].counters.at("calls"));
	EXPECT_FALSE(l[0].counters.count("errors")); // absent: not invented

	// A counter that does not parse was silently 0.
	d.write("ch0/calls", "garbage\n", 0644);
	EXPECT_EQ(EPROTO, errno_of([&] { cpc::list_channels(lo); }));
}

TEST(Sysfs, SliceViewsNeedOnlySysfs)
{
	TempDir d;
	d.mkdir("slices");
	d.mkdir("slices/s");
	d.mkdir("slices/s/filters");
	for (auto [f, v] : std::vector<std::pair<std::string, std::string>>{
		     {"state", "created"}, {"cpus", "2-3"}, {"memory_blocks", "32"},
		     {"mem_bytes", "134217728"}, {"locked", "0"}, {"image", "none"}, {"starts", "0"},
		     {"start_ns", "0"}, {"filters/mem_windows", ""},
		     {"filters/bus_window", ""}, {"filters/cache_ways", "0xff"},
		     {"filters/cache_ways_enforced", "0"}, {"filters/ipi_cpus", ""},
		     {"filters/ipi_manager", "0"}, {"filters/devices", ""},
		     {"filters/ipi_sent", "0"}, {"filters/ipi_refused", "0"}})
		d.write("slices/s/" + f, v + "\n", 0644);
	// No device at all: list and show still work.
	cpc::SliceManager m(d.path("no-such-device"), d.dir());
	auto l = m.list();
	ASSERT_EQ(1u, l.size());
	EXPECT_EQ((std::vector<unsigned>{2, 3}), l[0].cpus);
	EXPECT_EQ(0xffu, l[0].filters.cache_ways);
	d.write("slices/s/mem_bytes", "lots\n", 0644);
	EXPECT_EQ(EPROTO, errno_of([&] { m.show("s"); }));
	EXPECT_EQ(ENOENT, errno_of([&] { m.destroy("s"); })); // the device is missing
}

} // namespace
