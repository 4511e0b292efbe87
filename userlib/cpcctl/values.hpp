// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Checks of option values, run by CLI11 while it parses (before any
// handler): a bad value ends the command with
// "cpcctl: <option> '<text>': <why>" and exit_usage, naming what the user
// typed and never errno's text. Each returns @o for chaining.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace cpcctl {

/// @check(text) throws cpc::Error for a bad value (its reason is printed)
/// and may rewrite @text to what the option's type should convert.
CLI::Option *check_value(CLI::Option *o, std::function<void(std::string &)> check);

/// A decimal count in @lo..@hi: digits only ("010" is ten, never octal;
/// no sign, no hex).
CLI::Option *count_value(CLI::Option *o, std::uint64_t lo, std::uint64_t hi);
/// A util-linux size (cpc::parse_size) in @lo..@hi bytes, a multiple of
/// @unit.
CLI::Option *size_value(CLI::Option *o, std::uint64_t lo = 0, std::uint64_t hi = UINT64_MAX,
			std::uint64_t unit = 1);
/// A number, decimal or 0x hex (cpc::parse_number).
CLI::Option *number_value(CLI::Option *o);
/// A non-empty list (cpc::parse_cpulist) of indexes up to @max.
CLI::Option *list_value(CLI::Option *o, unsigned max);
/// A window ADDR:SIZE (cpc::parse_window).
CLI::Option *window_value(CLI::Option *o);
/// A PCI address (cpc::parse_bdf).
CLI::Option *bdf_value(CLI::Option *o);

/// A procedure name as the guest's table has them: [a-z0-9_-], shorter
/// than CPC_PROC_NAME_MAX (whether the guest has it is asked later).
CLI::Option *proc_name_value(CLI::Option *o);

/// "1..64" for messages.
std::string range_text(std::uint64_t lo, std::uint64_t hi);

} // namespace cpcctl
