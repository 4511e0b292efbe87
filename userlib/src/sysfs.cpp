// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading sysfs attributes (see cpc/sysfs.hpp).
#include <cpc/error.hpp>
#include <cpc/fd.hpp>
#include <cpc/parse.hpp>
#include <cpc/sysfs.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace cpc {

namespace {

/// Reads @path; returns its errno instead of throwing (0: read).
int read_all(const std::string &path, std::string &out)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		return errno;
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(fd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		out.append(buf, static_cast<std::size_t>(n));
		if (out.size() > (1u << 20))
			return EFBIG;
	}
	while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
		out.pop_back();
	return 0;
}

std::uint64_t number_of(const std::string &path, const std::string &text)
{
	try {
		return parse_number(text);
	} catch (const Error &) {
		throw Error(EPROTO, path, "not a number ('" + text + "')");
	}
}

} // namespace

std::string sysfs_read(const std::string &path)
{
	std::string s;
	if (int err = read_all(path, s))
		throw Error(err, path);
	return s;
}

std::optional<std::string> sysfs_read_opt(const std::string &path)
{
	std::string s;
	int err = read_all(path, s);
	if (err == ENOENT)
		return std::nullopt;
	if (err)
		throw Error(err, path);
	return s;
}

std::uint64_t sysfs_number(const std::string &path)
{
	return number_of(path, sysfs_read(path));
}

std::optional<std::uint64_t> sysfs_number_opt(const std::string &path)
{
	auto s = sysfs_read_opt(path);
	if (!s)
		return std::nullopt;
	return number_of(path, *s);
}

void sysfs_write(const std::string &path, std::string_view text, const std::string &what)
{
	const std::string &ctx = what.empty() ? path : what;
	UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
	if (!fd)
		throw Error(errno, ctx);
	ssize_t n;
	do
		n = ::write(fd.get(), text.data(), text.size());
	while (n < 0 && errno == EINTR);
	if (n < 0)
		throw Error(errno, ctx);
	if (static_cast<std::size_t>(n) != text.size())
		throw Error(EIO, ctx, "short write");
}

} // namespace cpc
