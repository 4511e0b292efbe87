// SPDX-License-Identifier: MIT
// cpc-ping: the smallest program on the installed libcpc. It opens one
// channel (a bus of a VM on this KVM host, "bus:/run/cpc/vm1.sock", or a
// kernel channel of cpc_host) and calls the guest's ping procedure COUNT
// times; ping echoes the argument buffer and args[0] and names the guest
// CPU that answered (the maintenance vCPU).
//
//   cpc-ping CHANNEL [COUNT]
//
// Exit status: 0 when every ping came back intact, 1 on an error
// ("cpc-ping: <what>: <why>"), 2 on bad usage.
#include <cpc/channel.hpp>
#include <cpc/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

int usage()
{
	std::fprintf(stderr, "usage: cpc-ping CHANNEL [COUNT]   (e.g. cpc-ping bus:/run/cpc/vm1.sock 10)\n");
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3)
		return usage();
	const std::string channel = argv[1];
	long count = 1;
	if (argc == 3) {
		char *end = nullptr;
		count = std::strtol(argv[2], &end, 10);
		if (*argv[2] == '\0' || *end != '\0' || count < 1 || count > 1000000)
			return usage();
	}

	try {
		auto ch = cpc::open_channel(channel);
		const std::string payload = "hello from cpc-ping";
		const std::vector<std::uint8_t> arg(payload.begin(), payload.end());
		std::vector<double> us;
		std::uint64_t cpu = 0;
		for (long i = 0; i < count; i++) {
			cpc::CallRequest req;
			req.proc = cpc::procedure_opcode("ping");
			req.args[0] = 0x6370630000000000ULL + static_cast<std::uint64_t>(i);
			req.arg = arg;
			const auto t0 = std::chrono::steady_clock::now();
			const cpc::CallResult res = ch->call(req);
			const auto t1 = std::chrono::steady_clock::now();
			if (res.out != arg || res.ret[0] != req.args[0]) {
				std::fprintf(stderr, "cpc-ping: ping %ld on %s: the echo differs\n", i, channel.c_str());
				return 1;
			}
			cpu = res.ret[1];
			us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
		}
		std::sort(us.begin(), us.end());
		std::printf("%s: %ld pings echoed by guest CPU %llu, median %.1f us, max %.1f us\n",
			    ch->name().c_str(), count, static_cast<unsigned long long>(cpu),
			    us[us.size() / 2], us.back());
		return 0;
	} catch (const cpc::Error &e) {
		std::fprintf(stderr, "cpc-ping: %s\n", e.what());
		return 1;
	}
}
