// SPDX-License-Identifier: GPL-2.0
// fuzz_parse: libcpc's value parsers (userlib/src/parse.cpp) and the
// snapshot key's hex form - every text cpcctl takes from a user. The first
// byte picks the parser, the rest is the text. Oracles: a parser returns a
// value or throws cpc::Error EINVAL/ERANGE (nothing else, never crashes);
// what it returns formats back to a text it parses to the same value.
#include <cpc/parse.hpp>
#include <cpc/snapshot.hpp>

#include "fuzz_check.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

using cpc_fuzz::accepts;

namespace {

void sizes(std::string_view t)
{
	std::uint64_t v = 0;
	if (!accepts([&] { v = cpc::parse_size(t); }, {EINVAL, ERANGE}))
		return;
	FUZZ_CHECK(cpc::parse_size(cpc::format_size(v)) == v);
	FUZZ_CHECK(cpc::parse_size(std::to_string(v)) == v);
}

void cpulist(std::string_view t)
{
	/* cpcctl's limit is the kernel's CPU count; a small one keeps runs fast */
	constexpr unsigned max = 4096;
	std::vector<unsigned> l;
	if (!accepts([&] { l = cpc::parse_cpulist(t, max); }, {EINVAL, ERANGE}))
		return;
	FUZZ_CHECK(std::is_sorted(l.begin(), l.end()));
	FUZZ_CHECK(std::adjacent_find(l.begin(), l.end()) == l.end());
	FUZZ_CHECK(l.empty() || l.back() <= max);
	FUZZ_CHECK(cpc::parse_cpulist(cpc::format_cpulist(l), max) == l);
}

void number(std::string_view t)
{
	std::uint64_t v = 0;
	if (!accepts([&] { v = cpc::parse_number(t); }, {EINVAL, ERANGE}))
		return;
	FUZZ_CHECK(cpc::parse_number(std::to_string(v)) == v);
	char hex[24];
	std::snprintf(hex, sizeof(hex), "0x%llx", static_cast<unsigned long long>(v));
	FUZZ_CHECK(cpc::parse_number(hex) == v);
}

void window(std::string_view t)
{
	std::pair<std::uint64_t, std::uint64_t> w;
	if (!accepts([&] { w = cpc::parse_window(t); }, {EINVAL, ERANGE}))
		return;
	auto colon = t.find(':');
	FUZZ_CHECK(colon != std::string_view::npos);
	FUZZ_CHECK(cpc::parse_number(t.substr(0, colon)) == w.first);
	FUZZ_CHECK(cpc::parse_window(std::to_string(w.first) + ":" + std::to_string(w.second)) == w);
}

void bdf(std::string_view t)
{
	std::uint32_t v = 0;
	if (!accepts([&] { v = cpc::parse_bdf(t); }, {EINVAL}))
		return;
	FUZZ_CHECK((v & 0xff) >> 3 <= 31);
	FUZZ_CHECK(cpc::parse_bdf(cpc::format_bdf(v)) == v);
}

void key(std::string_view t)
{
	std::string hex;
	if (!accepts([&] { hex = cpc::SnapshotKey::from_hex(t).hex(); }, {EINVAL}))
		return;
	std::string want;
	for (char c : t)
		if (!std::isspace(static_cast<unsigned char>(c)))
			want += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	FUZZ_CHECK(hex == want);
	FUZZ_CHECK(cpc::SnapshotKey::from_hex(hex).hex() == hex);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	if (size < 1)
		return 0;
	std::string_view t(reinterpret_cast<const char *>(data + 1), size - 1);
	switch (data[0] % 6) {
	case 0:
		sizes(t);
		break;
	case 1:
		cpulist(t);
		break;
	case 2:
		number(t);
		break;
	case 3:
		window(t);
		break;
	case 4:
		bdf(t);
		break;
	case 5:
		key(t);
		break;
	}
	return 0;
}
