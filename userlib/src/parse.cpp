// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::parse_size: util-linux style sizes ("4096", "16M", "1GiB", "1.5K", "2MB").
#include <cpc/error.hpp>
#include <cpc/parse.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

namespace cpc {

namespace {

bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

char to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

[[noreturn]] void invalid(std::string_view text)
{
	throw Error(EINVAL, "'" + std::string(text) + "'",
		    "invalid size (a number, optionally with K, M, G, T, P, E or KB, MB, ...)");
}

[[noreturn]] void too_large(std::string_view text)
{
	throw Error(ERANGE, "'" + std::string(text) + "'", "size is too large");
}

} // namespace

std::uint64_t parse_size(std::string_view text)
{
	std::size_t i = 0;
	const std::size_t n = text.size();

	// Integer part: at least one digit.
	if (i == n || !is_digit(text[i]))
		invalid(text);
	std::uint64_t whole = 0;
	for (; i < n && is_digit(text[i]); i++) {
		unsigned d = static_cast<unsigned>(text[i] - '0');
		if (whole > (UINT64_MAX - d) / 10)
			too_large(text);
		whole = whole * 10 + d;
	}

	// Optional fraction: kept as frac / frac_div, at most 18 digits used.
	std::uint64_t frac = 0, frac_div = 1;
	bool has_frac = false;
	if (i < n && text[i] == '.') {
		has_frac = true;
		i++;
		if (i == n || !is_digit(text[i]))
			invalid(text);
		for (; i < n && is_digit(text[i]); i++) {
			if (frac_div < 1000000000000000000ULL) {
				frac = frac * 10 + static_cast<unsigned>(text[i] - '0');
				frac_div *= 10;
			}
		}
	}

	// Optional suffix: letter, then nothing, "iB" (1024) or "B" (1000).
	unsigned exponent = 0, base = 1024;
	if (i < n) {
		static constexpr std::string_view letters = "KMGTPEZY";
		std::size_t pos = letters.find(to_upper(text[i]));
		if (pos == std::string_view::npos)
			invalid(text);
		exponent = static_cast<unsigned>(pos) + 1;
		std::string_view rest = text.substr(i + 1);
		if (rest.empty() || rest == "iB" || rest == "ib" || rest == "IB" ||
		    rest == "Ib")
			base = 1024;
		else if (rest == "B" || rest == "b")
			base = 1000;
		else
			invalid(text);
	} else if (has_frac) {
		invalid(text); // "1.5" bytes makes no sense
	}

	std::uint64_t mult = 1;
	for (unsigned e = 0; e < exponent; e++) {
		if (mult > UINT64_MAX / base)
			too_large(text);
		mult *= base;
	}
	if (whole != 0 && mult > UINT64_MAX / whole)
		too_large(text);
	std::uint64_t value = whole * mult;

	// frac / frac_div * mult without overflow: frac < frac_div <= 1e18.
	if (frac != 0) {
		unsigned __int128 part = static_cast<unsigned __int128>(frac) * mult / frac_div;
		if (part > UINT64_MAX - value)
			too_large(text);
		value += static_cast<std::uint64_t>(part);
	}
	return value;
}

} // namespace cpc

// ---- lists, numbers, windows, PCI addresses --------------------------------

namespace cpc {

std::string format_size(std::uint64_t bytes)
{
	static constexpr const char *units = "KMGTPE";
	if (bytes == 0)
		return "0";
	int u = -1;
	while (u < 5 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	std::string out = std::to_string(bytes);
	if (u >= 0)
		out += units[u];
	return out;
}

namespace {

[[noreturn]] void bad_list(std::string_view text)
{
	throw Error(EINVAL, "'" + std::string(text) + "'", "invalid list (e.g. 2-3,5)");
}

// Parses digits at text[i...]; advances i.
std::uint64_t digits(std::string_view text, std::size_t &i, std::string_view whole)
{
	if (i >= text.size() || !is_digit(text[i]))
		bad_list(whole);
	std::uint64_t v = 0;
	for (; i < text.size() && is_digit(text[i]); i++) {
		v = v * 10 + static_cast<unsigned>(text[i] - '0');
		if (v > UINT32_MAX)
			throw Error(ERANGE, "'" + std::string(whole) + "'", "number is too large");
	}
	return v;
}

} // namespace

std::vector<unsigned> parse_cpulist(std::string_view text, unsigned max)
{
	std::vector<unsigned> out;
	std::size_t i = 0;
	if (text.empty())
		return out;
	for (;;) {
		std::uint64_t a = digits(text, i, text), b = a;
		if (i < text.size() && text[i] == '-') {
			i++;
			b = digits(text, i, text);
			if (b < a)
				throw Error(EINVAL, "'" + std::string(text) + "'", "range goes backwards");
		}
		if (b > max)
			throw Error(ERANGE, "'" + std::string(text) + "'",
				    std::to_string(b) + " is too large (at most " + std::to_string(max) + ")");
		for (std::uint64_t v = a; v <= b; v++)
			out.push_back(static_cast<unsigned>(v));
		if (i == text.size())
			break;
		if (text[i] != ',')
			bad_list(text);
		i++;
	}
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	return out;
}

std::string format_cpulist(std::vector<unsigned> list)
{
	std::sort(list.begin(), list.end());
	list.erase(std::unique(list.begin(), list.end()), list.end());
	std::string out;
	for (std::size_t i = 0; i < list.size();) {
		std::size_t j = i;
		while (j + 1 < list.size() && list[j + 1] == list[j] + 1)
			j++;
		if (!out.empty())
			out += ',';
		out += std::to_string(list[i]);
		if (j > i)
			out += '-' + std::to_string(list[j]);
		i = j + 1;
	}
	return out;
}

std::uint64_t parse_number(std::string_view text)
{
	auto invalid_num = [&] {
		throw Error(EINVAL, "'" + std::string(text) + "'", "invalid number (decimal or 0x hex)");
	};
	if (text.empty())
		invalid_num();
	std::uint64_t v = 0;
	if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		for (std::size_t i = 2; i < text.size(); i++) {
			char c = to_upper(text[i]);
			unsigned d;
			if (is_digit(c))
				d = static_cast<unsigned>(c - '0');
			else if (c >= 'A' && c <= 'F')
				d = static_cast<unsigned>(c - 'A' + 10);
			else
				invalid_num();
			if (v >> 60)
				throw Error(ERANGE, "'" + std::string(text) + "'", "number is too large");
			v = v << 4 | d;
		}
		return v;
	}
	for (char c : text) {
		if (!is_digit(c))
			invalid_num();
		unsigned d = static_cast<unsigned>(c - '0');
		if (v > (UINT64_MAX - d) / 10)
			throw Error(ERANGE, "'" + std::string(text) + "'", "number is too large");
		v = v * 10 + d;
	}
	return v;
}

std::pair<std::uint64_t, std::uint64_t> parse_window(std::string_view text)
{
	auto colon = text.find(':');
	if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
		throw Error(EINVAL, "'" + std::string(text) + "'", "invalid window (want ADDR:SIZE)");
	std::string_view a = text.substr(0, colon), s = text.substr(colon + 1);
	try {
		std::uint64_t addr = parse_number(a);
		std::uint64_t size = (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
					     ? parse_number(s)
					     : parse_size(s);
		return {addr, size};
	} catch (const Error &e) {
		throw Error(e.errnum(), "'" + std::string(text) + "'",
			    "invalid window (want ADDR:SIZE): " + e.context() + ": " + e.reason());
	}
}

std::uint32_t parse_bdf(std::string_view text)
{
	unsigned dom = 0, bus, slot, fn;
	int n = 0;
	std::string t(text);
	auto bad = [&] { throw Error(EINVAL, "'" + t + "'", "invalid PCI address (want DDDD:BB:SS.F)"); };
	if (t.empty() || t.size() > 12)
		bad();
	if (std::sscanf(t.c_str(), "%4x:%2x:%2x.%1x%n", &dom, &bus, &slot, &fn, &n) == 4 &&
	    static_cast<std::size_t>(n) == t.size()) {
	} else if (dom = 0, n = 0,
		   std::sscanf(t.c_str(), "%2x:%2x.%1x%n", &bus, &slot, &fn, &n) == 3 &&
			   static_cast<std::size_t>(n) == t.size()) {
	} else {
		bad();
	}
	for (char c : t)
		if (!(is_digit(c) || (to_upper(c) >= 'A' && to_upper(c) <= 'F') || c == ':' || c == '.'))
			bad();
	if (slot > 31 || fn > 7)
		bad();
	return dom << 16 | bus << 8 | slot << 3 | fn;
}

std::string format_bdf(std::uint32_t bdf)
{
	char buf[16];
	std::snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", bdf >> 16, (bdf >> 8) & 0xff,
		      (bdf >> 3) & 0x1f, bdf & 7);
	return buf;
}

} // namespace cpc
