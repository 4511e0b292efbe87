// SPDX-License-Identifier: LGPL-2.1-or-later
// Output files written safely (see cpc/output.hpp).
#include <cpc/error.hpp>
#include <cpc/output.hpp>

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

namespace cpc {

namespace {

// ---- removal of named temporaries when a signal ends the process ----

constexpr int max_slots = 16;

struct TempSlot {
	volatile sig_atomic_t used;
	char path[PATH_MAX];
};
TempSlot slots[max_slots];
std::mutex slots_lock;
std::once_flag handlers_once;
constexpr int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_temps(int sig)
{
	int saved = errno;
	for (auto &s : slots)
		if (s.used)
			::unlink(s.path);
	errno = saved;
	// SA_RESETHAND restored the default action: die of the same signal
	// once this handler returns (the signal stays blocked until then).
	::raise(sig);
}

/// Installs remove_temps() for the signals whose action is the default
/// (an ignored SIGINT, e.g. in a background job, stays ignored).
void install_handlers()
{
	for (int sig : cleanup_signals) {
		struct sigaction old {};
		if (::sigaction(sig, nullptr, &old) < 0 || old.sa_handler != SIG_DFL ||
		    (old.sa_flags & SA_SIGINFO))
			continue;
		struct sigaction sa {};
		sa.sa_handler = remove_temps;
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		::sigaction(sig, &sa, nullptr);
	}
}

/// Blocks the cleanup signals in this thread for its lifetime, so that a
/// name is created and recorded (or removed and forgotten) as one step.
class SignalsBlocked {
public:
	SignalsBlocked()
	{
		sigset_t set;
		sigemptyset(&set);
		for (int sig : cleanup_signals)
			sigaddset(&set, sig);
		::pthread_sigmask(SIG_BLOCK, &set, &old_);
	}
	~SignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
	SignalsBlocked(const SignalsBlocked &) = delete;
	SignalsBlocked &operator=(const SignalsBlocked &) = delete;

private:
	sigset_t old_;
};

/// Records @path for removal on a signal; returns its slot (-1: no room,
/// then the name is not removed on a signal, only by the destructor).
int remember(const std::string &path)
{
	std::call_once(handlers_once, install_handlers);
	if (path.size() >= PATH_MAX)
		return -1;
	std::lock_guard<std::mutex> g(slots_lock);
	for (int i = 0; i < max_slots; i++) {
		if (slots[i].used)
			continue;
		std::memcpy(slots[i].path, path.c_str(), path.size() + 1);
		slots[i].used = 1;
		return i;
	}
	return -1;
}

void forget(int slot)
{
	if (slot < 0)
		return;
	std::lock_guard<std::mutex> g(slots_lock);
	slots[slot].used = 0;
}

/// A fresh name in @dir for a temporary of @base: ".<base>.<12 random>".
std::string temp_name(const std::string &dir, const std::string &base)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[12];
	if (::getrandom(rnd, sizeof(rnd), 0) != static_cast<ssize_t>(sizeof(rnd)))
		throw Error(errno ? errno : EIO, "getrandom");
	std::string name = dir + "/." + base + ".";
	for (unsigned char c : rnd)
		name += alphabet[c % (sizeof(alphabet) - 1)];
	return name;
}

} // namespace

OutputFile::OutputFile(std::string path, const OutputPolicy &policy)
	: path_(std::move(path)), policy_(policy)
{
	if (path_.empty())
		throw Error(ENOENT, "''", "empty file name");
	if (is_stdout()) {
		if (!policy_.allow_stdout)
			throw Error(EINVAL, "-", "standard output is not possible here, give a file name");
		return;
	}
	auto slash = path_.rfind('/');
	dir_ = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
	base_ = slash == std::string::npos ? path_ : path_.substr(slash + 1);
	if (base_.empty() || base_ == "." || base_ == "..")
		throw Error(EISDIR, path_);

	struct stat st {};
	if (::lstat(path_.c_str(), &st) == 0) {
		if (S_ISDIR(st.st_mode))
			throw Error(EISDIR, path_);
		if (!policy_.force)
			throw Error(EEXIST, path_);
	} else if (errno != ENOENT) {
		throw Error(errno, path_);
	}

	if (policy_.tmpfile) {
		fd_.reset(::open(dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
		if (fd_)
			return;
		// No O_TMPFILE on this file system (EISDIR: kernels before 3.11).
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			throw Error(errno, path_);
	}
	open_named_temp();
}

void OutputFile::open_named_temp()
{
	for (int tries = 0; tries < 100; tries++) {
		std::string name = temp_name(dir_, base_);
		SignalsBlocked blocked;
		UniqueFd fd(::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
		if (!fd) {
			if (errno == EEXIST)
				continue;
			throw Error(errno, path_);
		}
		if (::fchmod(fd.get(), 0600) < 0) {
			int err = errno;
			::unlink(name.c_str());
			throw Error(err, path_);
		}
		named_ = std::move(name);
		slot_ = remember(named_);
		fd_ = std::move(fd);
		return;
	}
	throw Error(EEXIST, path_, "no free temporary name");
}

OutputFile::~OutputFile()
{
	discard();
}

void OutputFile::discard() noexcept
{
	if (done_)
		return;
	done_ = true;
	if (!named_.empty()) {
		SignalsBlocked blocked;
		::unlink(named_.c_str());
		forget(slot_);
		named_.clear();
		slot_ = -1;
	}
	fd_.reset();
}

void OutputFile::fail(int err)
{
	discard();
	throw Error(err, path_);
}

void OutputFile::write(std::span<const std::uint8_t> data)
{
	if (done_)
		throw Error(EBADF, path_, "already committed");
	std::size_t off = 0;
	while (off < data.size()) {
		ssize_t n = ::write(fd(), data.data() + off, data.size() - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail(errno);
		if (n == 0)
			fail(EIO);
		off += static_cast<std::size_t>(n);
	}
}

void OutputFile::write(std::string_view text)
{
	write(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t *>(text.data()),
					    text.size()));
}

void OutputFile::commit()
{
	if (done_)
		throw Error(EBADF, path_, "already committed");
	if (is_stdout()) {
		done_ = true;
		return;
	}
	if (::fsync(fd_.get()) < 0)
		fail(errno);
	if (!named_.empty()) {
		// The fallback: the temporary has a name already.
		SignalsBlocked blocked;
		int r = policy_.force ? ::rename(named_.c_str(), path_.c_str())
				      : ::link(named_.c_str(), path_.c_str());
		if (r < 0)
			fail(errno);
		if (!policy_.force)
			::unlink(named_.c_str());
		forget(slot_);
		named_.clear();
		slot_ = -1;
		done_ = true;
		fd_.reset();
		return;
	}
	// O_TMPFILE: give the unnamed file a name. Without force, linkat() is
	// the whole commit (it refuses a name that exists); with force, link
	// it under a fresh temporary name and rename that over the target.
	std::string proc = "/proc/self/fd/" + std::to_string(fd_.get());
	auto link_to = [&](const std::string &to) {
		if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, to.c_str(), AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != ENOENT || ::access("/proc/self/fd", F_OK) == 0)
			return errno;
		// No /proc: AT_EMPTY_PATH (needs CAP_DAC_READ_SEARCH).
		return ::linkat(fd_.get(), "", AT_FDCWD, to.c_str(), AT_EMPTY_PATH) == 0 ? 0 : errno;
	};
	if (!policy_.force) {
		if (int err = link_to(path_))
			fail(err);
		done_ = true;
		fd_.reset();
		return;
	}
	for (int tries = 0; tries < 100; tries++) {
		std::string name = temp_name(dir_, base_);
		SignalsBlocked blocked;
		int err = link_to(name);
		if (err == EEXIST)
			continue;
		if (err)
			fail(err);
		if (::rename(name.c_str(), path_.c_str()) < 0) {
			err = errno;
			::unlink(name.c_str());
			fail(err);
		}
		done_ = true;
		fd_.reset();
		return;
	}
	fail(EEXIST);
}

void write_output(const std::string &path, std::span<const std::uint8_t> data,
		  const OutputPolicy &policy)
{
	OutputFile f(path, policy);
	f.write(data);
	f.commit();
}

} // namespace cpc
