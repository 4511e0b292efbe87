// SPDX-License-Identifier: LGPL-2.1-or-later
// Whole-file helpers shared by libcpc and cpcctl.
#include <cpc/error.hpp>
#include <cpc/fd.hpp>
#include <cpc/file.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace cpc {

std::vector<std::uint8_t> read_file(const std::string &path)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		throw_errno(path);
	std::vector<std::uint8_t> data;
	std::uint8_t buf[1 << 16];
	for (;;) {
		ssize_t n = ::read(fd.get(), buf, sizeof(buf));
		if (n < 0)
			throw_errno(path);
		if (n == 0)
			return data;
		data.insert(data.end(), buf, buf + n);
	}
}

} // namespace cpc
