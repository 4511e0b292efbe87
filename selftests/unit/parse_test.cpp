// SPDX-License-Identifier: GPL-2.0
// Unit tests of cpc/parse.hpp beyond parse_size (tested with the ivshmem server):
// size formatting, CPU lists, numbers, windows, PCI addresses.
#include <cpc/error.hpp>
#include <cpc/parse.hpp>

#include <gtest/gtest.h>

#include <vector>

using V = std::vector<unsigned>;

static int err_of(auto f)
{
	try {
		f();
	} catch (const cpc::Error &e) {
		return e.errnum();
	}
	return 0;
}

TEST(FormatSize, LargestExactUnit)
{
	EXPECT_EQ("256M", cpc::format_size(256ull << 20));
	EXPECT_EQ("1G", cpc::format_size(1ull << 30));
	EXPECT_EQ("1536K", cpc::format_size(1536ull << 10));
	EXPECT_EQ("1000", cpc::format_size(1000));
	EXPECT_EQ("0", cpc::format_size(0));
}

TEST(ParseCpulist, Syntax)
{
	EXPECT_EQ(V({2, 3}), cpc::parse_cpulist("2-3"));
	EXPECT_EQ(V({1, 2, 3, 5}), cpc::parse_cpulist("2-3,5,1"));
	EXPECT_EQ(V({0}), cpc::parse_cpulist("0"));
	EXPECT_EQ(V({4}), cpc::parse_cpulist("4,4-4"));
	EXPECT_EQ(V(), cpc::parse_cpulist(""));
}

TEST(ParseCpulist, Errors)
{
	for (const char *bad : {"a", "1-", "-1", "1,,2", "1,", "3-2", " 1", "1 ", "1-2-3", "0x1"})
		EXPECT_EQ(EINVAL, err_of([&] { cpc::parse_cpulist(bad); })) << bad;
	EXPECT_EQ(ERANGE, err_of([] { cpc::parse_cpulist("1024", 1023); }));
	EXPECT_EQ(ERANGE, err_of([] { cpc::parse_cpulist("99999999999"); }));
	try {
		cpc::parse_cpulist("x");
	} catch (const cpc::Error &e) {
		EXPECT_EQ("'x'", e.context());
		EXPECT_EQ("'x': invalid list (e.g. 2-3,5)", std::string(e.what()));
	}
	try {
		cpc::parse_cpulist("3-1");
		ADD_FAILURE() << "a backwards range was accepted";
	} catch (const cpc::Error &e) {
		EXPECT_EQ("range goes backwards", e.reason());
	}
}

TEST(FormatCpulist, Ranges)
{
	EXPECT_EQ("2-3", cpc::format_cpulist({3, 2}));
	EXPECT_EQ("0,2-4,7", cpc::format_cpulist({7, 0, 2, 3, 4, 3}));
	EXPECT_EQ("", cpc::format_cpulist({}));
	EXPECT_EQ("5", cpc::format_cpulist({5}));
	for (const char *s : {"1", "1-3", "0,2,4-9,11"})
		EXPECT_EQ(s, cpc::format_cpulist(cpc::parse_cpulist(s)));
}

TEST(ParseNumber, DecimalAndHex)
{
	EXPECT_EQ(42u, cpc::parse_number("42"));
	EXPECT_EQ(0xf0u, cpc::parse_number("0xf0"));
	EXPECT_EQ(0x100000000ull, cpc::parse_number("0X100000000"));
	EXPECT_EQ(UINT64_MAX, cpc::parse_number("0xffffffffffffffff"));
	EXPECT_EQ(EINVAL, err_of([] { cpc::parse_number(""); }));
	EXPECT_EQ(EINVAL, err_of([] { cpc::parse_number("0xg"); }));
	EXPECT_EQ(EINVAL, err_of([] { cpc::parse_number("12a"); }));
	EXPECT_EQ(ERANGE, err_of([] { cpc::parse_number("0x10000000000000000"); }));
	EXPECT_EQ(ERANGE, err_of([] { cpc::parse_number("18446744073709551616"); }));
}

TEST(ParseWindow, AddrColonSize)
{
	auto w = cpc::parse_window("0x100000000:1M");
	EXPECT_EQ(0x100000000ull, w.first);
	EXPECT_EQ(1ull << 20, w.second);
	w = cpc::parse_window("4096:0x2000");
	EXPECT_EQ(4096u, w.first);
	EXPECT_EQ(0x2000u, w.second);
	for (const char *bad : {"", ":", "0x1000", "0x1000:", ":1M", "zz:1M", "0x1000:1Q"})
		EXPECT_EQ(EINVAL, err_of([&] { cpc::parse_window(bad); })) << bad;
}

TEST(ParseBdf, Forms)
{
	EXPECT_EQ((0x1fu << 3) | 3, cpc::parse_bdf("0000:00:1f.3"));
	EXPECT_EQ((0x1fu << 3) | 3, cpc::parse_bdf("00:1f.3"));
	EXPECT_EQ((1u << 16) | (0x3au << 8) | (2u << 3) | 1, cpc::parse_bdf("0001:3a:02.1"));
	EXPECT_EQ("0000:00:1f.3", cpc::format_bdf(cpc::parse_bdf("00:1f.3")));
	for (const char *bad : {"", "00:1f", "00:20.0", "00:1f.8", "0000:00:1f.3x", "g0:00.0", "00:1f.3 "})
		EXPECT_EQ(EINVAL, err_of([&] { cpc::parse_bdf(bad); })) << bad;
}
