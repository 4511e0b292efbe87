// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Output files written safely: every file libcpc or cpcctl creates (keys,
// decrypted images, snapshot exports) goes through OutputFile.
//
// - The data goes to an unnamed temporary file in the target's directory
//   (O_TMPFILE), or, where the file system has none, to a new file of a
//   fresh random name created with O_EXCL (mkstemp): never a fixed name, so
//   neither a stale temporary nor a planted symlink is ever opened. Both
//   are created with mode 0600: what they hold may be plaintext or a key.
// - commit() fsyncs, then gives the file its name at once: linkat() (which
//   refuses an existing name) or, with force, rename() over it (which
//   replaces a symlink itself, never what it points to).
// - Until commit(), the target does not change. The destructor (and any
//   error) removes what was written; SIGINT, SIGTERM and SIGHUP remove a
//   named temporary too before the process dies (an O_TMPFILE one vanishes
//   with the process anyway).
// - Errors name the user's path: cpc::Error("<path>", "<why>").
//
// Thread safety: one OutputFile per thread; distinct objects are
// independent.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <cpc/fd.hpp>

namespace cpc {

/// How an output may be created.
struct OutputPolicy {
	/// Replace an existing file (otherwise EEXIST, before anything is done).
	bool force = false;
	/// "-" means standard output (otherwise "-" is refused with EINVAL).
	bool allow_stdout = false;
	/// Try O_TMPFILE first; false uses only the named-temporary fallback
	/// (what a file system without O_TMPFILE gets; for tests).
	bool tmpfile = true;
};

class OutputFile {
public:
	/// Checks @path against @policy (EEXIST if it exists and !force, EISDIR
	/// for a directory, EINVAL for "-" unless allowed) and opens the
	/// temporary. Throws cpc::Error("<path>", ...).
	explicit OutputFile(std::string path, const OutputPolicy &policy = {});
	~OutputFile();
	OutputFile(const OutputFile &) = delete;
	OutputFile &operator=(const OutputFile &) = delete;

	/// Where to write (standard output for "-").
	int fd() const noexcept { return is_stdout() ? 1 : fd_.get(); }
	const std::string &path() const noexcept { return path_; }
	bool is_stdout() const noexcept { return path_ == "-"; }

	/// Appends all of @data (retries short writes, EINTR). Throws
	/// cpc::Error("<path>", ...) after discarding the temporary.
	void write(std::span<const std::uint8_t> data);
	void write(std::string_view text);

	/// Makes the output visible under its name (see above). Throws
	/// cpc::Error("<path>", ...) after discarding the temporary; EEXIST
	/// when the name was taken meanwhile (and !force).
	void commit();

	/// Drops what was written (idempotent; also what the destructor does).
	void discard() noexcept;

private:
	[[noreturn]] void fail(int err);
	void open_named_temp();

	std::string path_, dir_, base_;
	OutputPolicy policy_;
	UniqueFd fd_;
	int slot_ = -1;      ///< signal-cleanup slot of a named temporary
	std::string named_;  ///< the named temporary, if any
	bool done_ = false;  ///< committed or discarded
};

/// Writes all of @data to @path through an OutputFile.
void write_output(const std::string &path, std::span<const std::uint8_t> data,
		  const OutputPolicy &policy = {});

} // namespace cpc
