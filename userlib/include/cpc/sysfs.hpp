// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Reading sysfs attributes: the one way libcpc and cpcctl read the
// modules' sysfs files, with one error model. A failure is a cpc::Error
// whose context is the file's path and whose errno is the failing
// syscall's (never a stale one); a value that does not parse is EPROTO
// ("<path>": "not a number ('<text>')"). Nothing is silently read as
// empty or 0. Thread safety: free functions, no shared state.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cpc {

/// The text of @path without its trailing newline/blanks.
std::string sysfs_read(const std::string &path);
/// Same; nothing if @path does not exist (an attribute this module
/// version lacks, or an object that went away meanwhile).
std::optional<std::string> sysfs_read_opt(const std::string &path);
/// A number attribute (decimal, or 0x hex).
std::uint64_t sysfs_number(const std::string &path);
/// Same; nothing if @path does not exist.
std::optional<std::uint64_t> sysfs_number_opt(const std::string &path);

/// Writes @text to the attribute @path in one write(), as sysfs wants;
/// throws cpc::Error("<context>", errno of the failing open/write), the
/// context being @what (default: @path). A short write is EIO.
void sysfs_write(const std::string &path, std::string_view text, const std::string &what = {});

} // namespace cpc
