// SPDX-License-Identifier: LGPL-2.1-or-later
// Presentation of sizes and progress for people (see present.hpp).
#include "present.hpp"

#include <algorithm>
#include <cstdio>

namespace cpcctl {

std::string human_size(std::uint64_t bytes)
{
	static constexpr const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	if (bytes < 1024)
		return std::to_string(bytes) + " B";
	double v = static_cast<double>(bytes);
	int u = 0;
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
	return buf;
}

std::string format_progress(std::uint64_t done, std::uint64_t total, double seconds,
			    unsigned width, std::string_view label)
{
	done = std::min(done, total);
	unsigned pct = total ? static_cast<unsigned>(done * 100 / total) : 100;
	char head[16];
	std::string rate = seconds > 0 ? human_size(static_cast<std::uint64_t>(done / seconds)) + "/s"
				       : std::string("-");
	std::snprintf(head, sizeof(head), " %3u%%", pct);
	std::string t = head;
	if (!label.empty())
		t += "  " + std::string(label);
	t += "  " + human_size(done) + " / " + human_size(total) + "  " + rate;
	if (width < 20 || width < t.size() + 12)
		return t.substr(1).size() > width ? t.substr(1, width) : t.substr(1);
	unsigned bar = std::min<unsigned>(width - static_cast<unsigned>(t.size()) - 2, 50);
	unsigned fill = total ? static_cast<unsigned>(done * bar / total) : bar;
	std::string s = "[";
	s.append(fill, '=');
	if (fill < bar) {
		s += '>';
		s.append(bar - fill - 1, ' ');
	}
	s += ']';
	return s + t;
}

} // namespace cpcctl
