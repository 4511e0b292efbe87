// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Presentation for people (cpcctl's, not libcpc's API): human sizes and
// the progress line of jobs.

#include <cstdint>
#include <string>
#include <string_view>

namespace cpcctl {

/// Sizes as a person reads them: "0 B", "512 B", "1.5 KiB", "12.3 MiB".
std::string human_size(std::uint64_t bytes);

/// One line of a progress bar for @done of @total bytes after @seconds,
/// @width columns wide at most: "[=====>    ]  45%  115.2 MiB / 256.0 MiB
/// 12.3 MiB/s"; @label, when given, follows the percentage ("3 guests (1
/// done, 0 failed)"). The bar shrinks to fit; below 20 columns it is left
/// out.
std::string format_progress(std::uint64_t done, std::uint64_t total, double seconds,
			    unsigned width, std::string_view label = {});

} // namespace cpcctl
