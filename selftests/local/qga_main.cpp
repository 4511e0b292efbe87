// SPDX-License-Identifier: GPL-2.0
// cpc-qga SOCKET ping | osinfo | exec PROG [ARG...]: talk to a test-bed
// guest's qemu-guest-agent from the build machine (the --local tests' way
// into a guest). exec prints the program's output and exits with its exit
// code; errors: "cpc-qga: <what>: <why>", exit 1.
#include "qga_client.hpp"

#include <cpc/error.hpp>

#include <chrono>
#include <iostream>

int main(int argc, char **argv)
{
	using namespace std::chrono_literals;
	if (argc < 3) {
		std::cerr << "usage: cpc-qga SOCKET ping | osinfo | exec PROG [ARG...]\n";
		return 2;
	}
	try {
		cpc_test::QgaClient q(argv[1], 10s);
		std::string cmd = argv[2];
		if (cmd == "ping") {
			q.ping();
			std::cout << "pong\n";
			return 0;
		}
		if (cmd == "osinfo") {
			std::cout << q.osinfo().dump(2) << "\n";
			return 0;
		}
		if (cmd == "exec" && argc >= 4) {
			std::vector<std::string> args(argv + 4, argv + argc);
			auto e = q.run(argv[3], args, 10ms);
			std::cout << e.out;
			std::cerr << e.err;
			return e.exitcode;
		}
		std::cerr << "cpc-qga: unknown command '" << cmd << "'\n";
		return 2;
	} catch (const std::exception &e) {
		std::cerr << "cpc-qga: " << e.what() << "\n";
		return 1;
	}
}
