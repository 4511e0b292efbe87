// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Parsing of user-given values (command-line arguments, config files).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cpc {

/// Parses a size the way util-linux tools do: a decimal number with an
/// optional suffix K, M, G, T, P, E (powers of 1024, also written KiB, MiB,
/// ...) or KB, MB, GB, TB, PB, EB (powers of 1000); suffixes are
/// case-insensitive. A fraction is allowed with a suffix ("1.5G"); a result
/// that is not a whole number of bytes is rounded down.
/// Throws cpc::Error: EINVAL ("'<text>'": "invalid size (...)"), ERANGE
/// ("'<text>'": "size is too large") when it does not fit in 64 bits.
std::uint64_t parse_size(std::string_view text);

/// Formats a byte count the way util-linux tools print sizes: the largest
/// binary unit that divides it exactly ("256M", "1G", "4K", "1000").
std::string format_size(std::uint64_t bytes);

/// Parses a CPU (or any index) list in util-linux syntax: comma-separated
/// numbers and ranges "a-b", e.g. "2-3,5". Whitespace is not allowed, an
/// empty text is an empty list. Returns the indexes ascending, each once.
/// Throws cpc::Error with context "'<text>'": EINVAL "invalid list (...)",
/// EINVAL "range goes backwards" (end below start), ERANGE "N is too large
/// (at most MAX)" for an index above @max.
std::vector<unsigned> parse_cpulist(std::string_view text, unsigned max = 1u << 20);

/// Formats indexes (any order, duplicates allowed) as a list: "2-3,5".
std::string format_cpulist(std::vector<unsigned> list);

/// Parses a number: decimal (leading zeros are decimal too, never octal),
/// or hex with 0x. Throws cpc::Error ("'<text>'": "invalid number (...)")
/// EINVAL, or ERANGE when it does not fit 64 bits.
std::uint64_t parse_number(std::string_view text);

/// Parses a memory window "ADDR:SIZE": ADDR a number (0x... or decimal),
/// SIZE a number or a size with suffix ("1M"). Throws cpc::Error
/// ("'<text>'": "invalid window ...").
std::pair<std::uint64_t, std::uint64_t> parse_window(std::string_view text);

/// Parses a PCI address "DDDD:BB:SS.F" or "BB:SS.F" (hex) into
/// (domain << 16) | (bus << 8) | (slot << 3) | function. Throws cpc::Error
/// EINVAL ("'<text>'": "invalid PCI address (...)").
std::uint32_t parse_bdf(std::string_view text);

/// Formats what parse_bdf() returns as "DDDD:BB:SS.F".
std::string format_bdf(std::uint32_t bdf);

} // namespace cpc
