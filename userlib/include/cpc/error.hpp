#pragma once
// The one error model of libcpc: every failure is thrown as cpc::Error, a
// std::system_error whose what() reads "<what>: <why>", so that cpcctl can
// print "cpcctl: " + e.what() and exit non-zero.

#include <cerrno>
#include <string>
#include <system_error>

namespace cpc {

class Error : public std::system_error {
public:
	Error(int err, const std::string &what)
		: std::system_error(err, std::generic_category(), what)
	{
	}
	/// Just the context ("<what>") without the errno text.
	int errnum() const noexcept { return code().value(); }
};

/// Throws cpc::Error with the current errno.
[[noreturn]] inline void throw_errno(const std::string &what)
{
	throw Error(errno, what);
}

/// Throws cpc::Error for an invalid argument given by the user.
[[noreturn]] inline void throw_invalid(const std::string &what)
{
	throw Error(EINVAL, what);
}

} // namespace cpc
