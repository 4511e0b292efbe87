// SPDX-License-Identifier: LGPL-2.1-or-later
// Checks of option values (see values.hpp).
#include "values.hpp"

#include "commands.hpp"

#include <cpc/error.hpp>
#include <cpc/parse.hpp>

#include <linux/cpc_proto.h>

#include <algorithm>

namespace cpcctl {

std::string range_text(std::uint64_t lo, std::uint64_t hi)
{
	return std::to_string(lo) + ".." + std::to_string(hi);
}

CLI::Option *check_value(CLI::Option *o, std::function<void(std::string &)> check)
{
	// Usage is not a CLI::ValidationError: it leaves CLI11's parse as it
	// is, and main() prints it and exits exit_usage.
	return o->check(CLI::Validator(
		[o, check = std::move(check)](std::string &text) {
			std::string typed = text;
			try {
				check(text);
			} catch (const cpc::Error &e) {
				throw Usage(o->get_name() + " '" + typed + "'", e.reason());
			}
			return std::string();
		},
		"", ""));
}

CLI::Option *count_value(CLI::Option *o, std::uint64_t lo, std::uint64_t hi)
{
	o->type_name("N");
	return check_value(o, [lo, hi](std::string &text) {
		if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
			throw cpc::Error(EINVAL, "", "not a number in " + range_text(lo, hi));
		std::size_t z = text.find_first_not_of('0');
		text = z == std::string::npos ? "0" : text.substr(z);
		if (text.size() > 19 || std::stoull(text) < lo || std::stoull(text) > hi)
			throw cpc::Error(ERANGE, "", "not in " + range_text(lo, hi));
	});
}

CLI::Option *size_value(CLI::Option *o, std::uint64_t lo, std::uint64_t hi, std::uint64_t unit)
{
	o->type_name("SIZE");
	return check_value(o, [lo, hi, unit](std::string &text) {
		std::uint64_t v = cpc::parse_size(text);
		if (v < lo || v > hi)
			throw cpc::Error(ERANGE, "", "not in " + cpc::format_size(lo) + ".." +
							      cpc::format_size(hi));
		if (v % unit)
			throw cpc::Error(EINVAL, "", "not a whole number of " + cpc::format_size(unit));
	});
}

CLI::Option *number_value(CLI::Option *o)
{
	o->type_name("NUM");
	return check_value(o, [](std::string &text) { cpc::parse_number(text); });
}

CLI::Option *proc_name_value(CLI::Option *o)
{
	o->type_name("PROC");
	return check_value(o, [](std::string &text) {
		bool ok = !text.empty() && text.size() < CPC_PROC_NAME_MAX &&
			  std::all_of(text.begin(), text.end(), [](char c) {
				  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
					 c == '-';
			  });
		if (!ok)
			throw cpc::Error(EINVAL, "",
					 "not a procedure name (a-z, 0-9, '-' and '_', at most " +
						 std::to_string(CPC_PROC_NAME_MAX - 1) + ")");
	});
}

CLI::Option *list_value(CLI::Option *o, unsigned max)
{
	o->type_name("LIST");
	return check_value(o, [max](std::string &text) {
		if (cpc::parse_cpulist(text, max).empty())
			throw cpc::Error(EINVAL, "", "empty list");
	});
}

CLI::Option *window_value(CLI::Option *o)
{
	o->type_name("ADDR:SIZE");
	return check_value(o, [](std::string &text) { cpc::parse_window(text); });
}

CLI::Option *bdf_value(CLI::Option *o)
{
	o->type_name("BDF");
	return check_value(o, [](std::string &text) { cpc::parse_bdf(text); });
}

} // namespace cpcctl
