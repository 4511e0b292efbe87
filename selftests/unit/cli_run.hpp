// SPDX-License-Identifier: GPL-2.0
#pragma once
// Runs cpcctl the way a user does, through /bin/sh: $CPCCTL in the command
// line is the binary under test (the one just built, or the environment's
// CPCCTL, e.g. an older build to see a test fail on it). Standard output
// and error are pipes (so a file-size limit set in the command does not
// hit them).

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace cpc_test {

struct Cli {
	int rc = -1;     ///< exit status (128 + N for a signal)
	std::string out; ///< standard output (unless the command redirects it)
	std::string err; ///< standard error
};

inline Cli cli(const std::string &cmd)
{
#ifdef CPCCTL_PATH
	::setenv("CPCCTL", CPCCTL_PATH, 0);
#endif
	int o[2], e[2];
	if (::pipe(o) < 0 || ::pipe(e) < 0)
		return {};
	pid_t pid = ::fork();
	if (pid == 0) {
		::dup2(o[1], 1);
		::dup2(e[1], 2);
		::close(o[0]), ::close(o[1]), ::close(e[0]), ::close(e[1]);
		::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char *>(nullptr));
		::_exit(127);
	}
	::close(o[1]), ::close(e[1]);
	Cli r;
	struct pollfd p[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
	std::string *dst[2] = {&r.out, &r.err};
	int open = 2;
	while (open > 0 && ::poll(p, 2, -1) > 0) {
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			char buf[65536];
			ssize_t n = ::read(p[i].fd, buf, sizeof(buf));
			if (n > 0) {
				dst[i]->append(buf, static_cast<std::size_t>(n));
				continue;
			}
			::close(p[i].fd);
			p[i].fd = -1;
			open--;
		}
	}
	int st = 0;
	::waitpid(pid, &st, 0);
	r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

} // namespace cpc_test
