// SPDX-License-Identifier: GPL-2.0
#pragma once
// Helpers of the unit tests that run a cpc::ivshmem::Server in-process.

#include "server.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <string>

#include <stdlib.h>

namespace cpc_test {

class TempDir {
public:
	TempDir()
	{
		std::string tmpl = "/tmp/cpc-ivsh-XXXXXX";
		if (!::mkdtemp(tmpl.data()))
			throw std::runtime_error("mkdtemp failed");
		path = tmpl;
	}
	~TempDir()
	{
		std::error_code ec;
		std::filesystem::remove_all(path, ec);
	}
	std::string path;
};

/// Runs the server loop on another thread; stops it on destruction.
class Runner {
public:
	explicit Runner(cpc::ivshmem::Server &s)
		: s_(s), done_(std::async(std::launch::async, [&s] { s.run_until_stopped(); }))
	{
	}
	Runner(const Runner &) = delete;
	Runner &operator=(const Runner &) = delete;
	~Runner() { stop(); }
	void stop()
	{
		if (!done_.valid())
			return;
		s_.stop();
		if (done_.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
			std::fprintf(stderr, "FATAL: the server loop did not stop\n");
			std::abort(); // do not hang the test run
		}
		done_.get(); // rethrows what the loop threw
	}

private:
	cpc::ivshmem::Server &s_;
	std::future<void> done_;
};

} // namespace cpc_test
