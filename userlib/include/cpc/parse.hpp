#pragma once
// Parsing of user-given values (command-line arguments, config files).

#include <cstdint>
#include <string_view>

namespace cpc {

/// Parses a size the way util-linux tools do: a decimal number with an
/// optional suffix K, M, G, T, P, E (powers of 1024, also written KiB, MiB,
/// ...) or KB, MB, GB, TB, PB, EB (powers of 1000); suffixes are
/// case-insensitive. A fraction is allowed with a suffix ("1.5G"); a result
/// that is not a whole number of bytes is rounded down.
/// Throws cpc::Error: EINVAL "invalid size '<text>'", ERANGE "size '<text>'
/// is too large" when the value does not fit in 64 bits.
std::uint64_t parse_size(std::string_view text);

} // namespace cpc
