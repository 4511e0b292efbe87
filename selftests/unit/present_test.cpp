// SPDX-License-Identifier: GPL-2.0
// cpcctl's presentation helpers (userlib/cpcctl/present.hpp).
#include "present.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using cpcctl::format_progress;
using cpcctl::human_size;

TEST(Progress, HumanSizes)
{
	EXPECT_EQ("0 B", human_size(0));
	EXPECT_EQ("1023 B", human_size(1023));
	EXPECT_EQ("1.0 KiB", human_size(1024));
	EXPECT_EQ("1.5 KiB", human_size(1536));
	EXPECT_EQ("256.0 MiB", human_size(256ull << 20));
	EXPECT_EQ("1.0 GiB", human_size(1ull << 30));
}

TEST(Progress, BarFitsTheWidth)
{
	std::string s = format_progress(64ull << 20, 256ull << 20, 2.0, 80);
	EXPECT_LE(s.size(), 80u);
	EXPECT_EQ('[', s[0]);
	EXPECT_NE(std::string::npos, s.find("  25%  64.0 MiB / 256.0 MiB  32.0 MiB/s"));
	auto bar = s.substr(1, s.find(']') - 1);
	EXPECT_EQ(bar.size() / 4, static_cast<std::size_t>(std::count(bar.begin(), bar.end(), '=')));
	EXPECT_EQ(1, std::count(bar.begin(), bar.end(), '>'));

	std::string full = format_progress(10, 10, 1.0, 80);
	EXPECT_NE(std::string::npos, full.find("100%"));
	EXPECT_EQ(std::string::npos, full.find('>'));
	auto fbar = full.substr(1, full.find(']') - 1);
	EXPECT_EQ(fbar.size(), static_cast<std::size_t>(std::count(fbar.begin(), fbar.end(), '=')));

	// Narrow terminals: no bar, the numbers cut to fit.
	std::string narrow = format_progress(1, 2, 0, 15);
	EXPECT_LE(narrow.size(), 15u);
	EXPECT_EQ(std::string::npos, narrow.find('['));
	EXPECT_EQ(0u, narrow.find(" 50%"));
	// No time elapsed yet: no rate.
	EXPECT_NE(std::string::npos, format_progress(0, 4096, 0, 80).find(" -"));
	// done beyond total is clamped.
	EXPECT_NE(std::string::npos, format_progress(9, 4, 1, 80).find("100%"));
}

} // namespace
