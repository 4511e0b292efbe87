// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The one error model of libcpc: every failure is thrown as cpc::Error, a
// std::system_error carrying, apart, the errno, the context ("<what>": the
// object or option concerned) and the reason ("<why>": errno's text unless
// a more precise one is given). what() reads "<context>: <reason>", so that
// cpcctl prints "cpcctl: " + e.what(); callers that add context of their
// own use context()/reason() instead of cutting what() apart.
//
// Thread safety: an Error is a value; distinct objects may be used from
// distinct threads.

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

namespace cpc {

class Error : public std::system_error {
public:
	/// @err (an errno) about @context; reason(): errno's text.
	Error(int err, std::string context)
		: std::system_error(err, std::generic_category()), context_(std::move(context)),
		  reason_(code().message()), what_(context_ + ": " + reason_)
	{
	}
	/// @err about @context, with a reason of its own ("range goes
	/// backwards") instead of errno's text.
	Error(int err, std::string context, std::string reason)
		: std::system_error(err, std::generic_category()), context_(std::move(context)),
		  reason_(std::move(reason)), what_(context_ + ": " + reason_)
	{
	}
	const char *what() const noexcept override { return what_.c_str(); }
	int errnum() const noexcept { return code().value(); }
	/// The "<what>" part: the object or option the error is about.
	const std::string &context() const noexcept { return context_; }
	/// The "<why>" part.
	const std::string &reason() const noexcept { return reason_; }
	/// The same error about "<outer>: <context>".
	Error within(const std::string &outer) const
	{
		return Error(errnum(), outer + ": " + context_, reason_);
	}

private:
	std::string context_, reason_, what_;
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
