// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc-ivshmem-server: the ivshmem server of the test bed and of real KVM
// deployments (Debian ships no QEMU ivshmem-server). Runs in the foreground
// until SIGTERM or SIGINT, then removes its socket (and pid file) and exits 0.
#include "server.hpp"

#include <cpc/error.hpp>
#include <cpc/fd.hpp>
#include <cpc/parse.hpp>

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

namespace {

constexpr const char *kProg = "cpc-ivshmem-server";

/// Writes "<pid>\n" to path and removes the file again on destruction.
class PidFile {
public:
	explicit PidFile(std::string path) : path_(std::move(path))
	{
		if (path_.empty())
			return;
		cpc::UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
		if (!fd)
			cpc::throw_errno("pid file " + path_);
		const std::string text = std::to_string(::getpid()) + "\n";
		if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
			int err = errno ? errno : EIO;
			::unlink(path_.c_str());
			throw cpc::Error(err, "pid file " + path_);
		}
	}
	PidFile(const PidFile &) = delete;
	PidFile &operator=(const PidFile &) = delete;
	~PidFile()
	{
		if (!path_.empty())
			::unlink(path_.c_str());
	}

private:
	std::string path_;
};

int serve(const cpc::ivshmem::Options &opts, const std::string &pidfile)
{
	// Signals arrive through a signalfd polled next to the server's loop.
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (::sigprocmask(SIG_BLOCK, &mask, nullptr) < 0)
		cpc::throw_errno("sigprocmask");
	cpc::UniqueFd sigfd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
	if (!sigfd)
		cpc::throw_errno("signalfd");
	::signal(SIGPIPE, SIG_IGN);

	cpc::ivshmem::Server server(opts);
	PidFile pid(pidfile);

	for (;;) {
		pollfd fds[2] = {{server.poll_fd(), POLLIN, 0}, {sigfd.get(), POLLIN, 0}};
		if (::poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			cpc::throw_errno("poll");
		}
		if (fds[1].revents) {
			signalfd_siginfo si{};
			ssize_t n = ::read(sigfd.get(), &si, sizeof(si));
			if (n == sizeof(si) && si.ssi_signo == SIGHUP)
				continue; // no configuration to reload; stay up
			if (opts.verbose)
				std::cerr << kProg << ": " << (n == sizeof(si) ? strsignal(static_cast<int>(si.ssi_signo)) : "signal")
					  << ", shutting down\n";
			return 0;
		}
		if (fds[0].revents)
			server.run_once(0);
	}
}

} // namespace

int main(int argc, char **argv)
{
	CLI::App app{"ivshmem server (QEMU ivshmem-doorbell protocol) for cpc", kProg};
	std::string socket_path, size_text, pidfile;
	cpc::ivshmem::Options opts;
	bool foreground = true;
	app.add_option("-S,--socket", socket_path, "path of the UNIX socket to listen on")
		->required();
	app.add_option("-l,--size", size_text,
		       "size of the shared memory, e.g. 4M, 16M, 1G (rounded up to a power of two)")
		->required();
	app.add_option("-n,--vectors", opts.vectors, "interrupt vectors per peer (1..64)")
		->capture_default_str();
	app.add_option("-M,--shm", opts.shm_name,
		       "POSIX shared-memory object name (default: anonymous memfd)");
	app.add_option("-p,--pidfile", pidfile, "write the pid here once listening");
	app.add_flag("--plain", opts.plain,
		     "do not tag the region as a cpc bus (cpc's modules then leave it alone)");
	app.add_flag("-v,--verbose", opts.verbose, "log peers joining and leaving");
	app.add_flag("-F,--foreground", foreground,
		     "accepted for QEMU ivshmem-server compatibility (always foreground)");
	app.footer("Example:\n  cpc-ivshmem-server -S /run/cpc/vm1.sock -l 16M -n 2 -p /run/cpc/vm1.pid\n\n"
		   "Exit status: 0 stopped by SIGTERM/SIGINT, 1 failed, 2 bad command line.\n"
		   "See cpc-ivshmem-server(8).");
	try {
		app.parse(argc, argv);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForAllHelp &e) {
		return app.exit(e);
	} catch (const CLI::ParseError &e) {
		std::cerr << kProg << ": " << e.what() << " (try --help)\n";
		return 2;
	}

	try {
		opts.socket_path = socket_path;
		opts.size = cpc::parse_size(size_text);
		return serve(opts, pidfile);
	} catch (const std::exception &e) {
		std::cerr << kProg << ": " << e.what() << "\n";
		return 1;
	}
}
