// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Whole-file helpers shared by libcpc and cpcctl.

#include <cstdint>
#include <string>
#include <vector>

namespace cpc {

/// Reads all of @path; throws cpc::Error("<path>: <why>").
std::vector<std::uint8_t> read_file(const std::string &path);

} // namespace cpc
