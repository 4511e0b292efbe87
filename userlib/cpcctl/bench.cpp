// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl bench CHANNEL [--calls N] [--depth D] [--anchor|--no-anchor]
// [--json]: ping-call latency (median, p99, min) and throughput on a
// channel, and beside it the raw doorbell ping-pong on the same path
// measured in the same run, with the ratios call/raw: between the same two
// VMs for a kernel channel, between this process and the guest for a bus.
//
// The anchor runs by default when it can: a kernel channel's debugfs
// "pingpong" file exists, or a bus guest's reflector answers this host end
// (the guest must have armed its reflector, see Documentation/cpcctl.md); --anchor makes it
// mandatory, --no-anchor skips it.
#include "commands.hpp"

#include <cpc/bench.hpp>
#include <cpc/channel.hpp>
#include <cpc/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

namespace cpcctl {

namespace {

struct BenchOpts {
	std::string channel;
	std::uint64_t calls = 1000;
	unsigned depth = 1;
	bool anchor = false;
	bool no_anchor = false;
};

constexpr std::uint64_t raw_rounds_max = 100000;

double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

nlohmann::json latency_json(const cpc::Latency &l)
{
	return {{"count", l.count},   {"min_ns", l.min_ns}, {"median_ns", l.median_ns},
		{"p99_ns", l.p99_ns}, {"max_ns", l.max_ns}};
}

double us(std::uint64_t ns)
{
	return static_cast<double>(ns) / 1000.0;
}

int run_bench(const BenchOpts &o, const Global &g)
{
	if (o.anchor && o.no_anchor)
		cpc::throw_invalid("bench: --anchor and --no-anchor exclude each other");
	if (o.calls == 0)
		cpc::throw_invalid("bench: --calls must be at least 1");
	if (o.depth == 0 || o.depth > cpc::bench_depth_max)
		cpc::throw_invalid("bench: --depth must be 1.." + std::to_string(cpc::bench_depth_max));
	auto ch = cpc::open_channel(o.channel);

	/* The anchor first, then the calls: both in the same run. */
	std::optional<cpc::RawPingPong> raw;
	std::string no_anchor = o.no_anchor ? "--no-anchor" : "";
	std::uint64_t rounds = std::min(o.calls, raw_rounds_max);
	if (!o.no_anchor && cpc::is_bus_name(o.channel)) {
		try {
			cpc::bus_pingpong(*ch, 1, std::chrono::milliseconds(o.anchor ? 2000 : 500));
			raw = cpc::bus_pingpong(*ch, rounds);
		} catch (const cpc::Error &e) {
			if (o.anchor || e.errnum() != ETIMEDOUT)
				throw e.within("bench");
			no_anchor = "the guest's reflector did not answer";
		}
	} else if (!o.no_anchor) {
		auto pp = cpc::pingpong_path(o.channel);
		if (!pp && o.anchor)
			throw cpc::Error(ENOENT, "bench: raw ping-pong of " + o.channel +
							 ": no debugfs pingpong file (debugfs mounted?)");
		if (pp)
			raw = cpc::run_pingpong(*pp, rounds);
		else
			no_anchor = "no debugfs pingpong file";
	}
	cpc::CallBench b = cpc::bench_calls(*ch, o.calls, o.depth);

	const char *mode = b.depth > 1 ? "io_uring" : cpc::is_bus_name(o.channel) ? "sync" : "ioctl";
	const double raw_rate = raw ? ratio(1e9, static_cast<double>(raw->latency.median_ns)) : 0;
	if (g.json) {
		nlohmann::json j = {
			{"channel", o.channel},
			{"proc", "ping"},
			{"calls", b.calls},
			{"depth", b.depth},
			{"mode", mode},
			{"elapsed_ns", b.elapsed_ns},
			{"calls_per_sec", b.calls_per_sec},
			{"latency", latency_json(b.latency)},
		};
		if (raw) {
			j["raw"] = latency_json(raw->latency);
			j["raw"]["timeouts"] = raw->timeouts;
			j["raw"]["roundtrips_per_sec"] = raw_rate;
			j["ratio"] = {
				{"median", ratio(b.latency.median_ns, raw->latency.median_ns)},
				{"p99", ratio(b.latency.p99_ns, raw->latency.p99_ns)},
				{"min", ratio(b.latency.min_ns, raw->latency.min_ns)},
				{"throughput", ratio(b.calls_per_sec, raw_rate)},
			};
		}
		std::cout << j.dump(2) << "\n";
		return 0;
	}
	std::printf("%s: %llu ping calls, %u in flight (%s)\n", o.channel.c_str(),
		    (unsigned long long)b.calls, b.depth, mode);
	std::printf("  call latency   median %10.1f us   p99 %10.1f us   min %10.1f us\n",
		    us(b.latency.median_ns), us(b.latency.p99_ns), us(b.latency.min_ns));
	std::printf("  call throughput %.0f calls/s\n", b.calls_per_sec);
	if (!raw) {
		std::printf("  raw doorbell ping-pong: not measured (%s)\n", no_anchor.c_str());
		return 0;
	}
	std::printf("  raw ping-pong  median %10.1f us   p99 %10.1f us   min %10.1f us   (%llu rounds)\n",
		    us(raw->latency.median_ns), us(raw->latency.p99_ns), us(raw->latency.min_ns),
		    (unsigned long long)raw->latency.count);
	std::printf("  ratio call/raw median %.2fx   p99 %.2fx   min %.2fx   throughput %.2fx of 1/raw-median\n",
		    ratio(b.latency.median_ns, raw->latency.median_ns),
		    ratio(b.latency.p99_ns, raw->latency.p99_ns),
		    ratio(b.latency.min_ns, raw->latency.min_ns), ratio(b.calls_per_sec, raw_rate));
	return 0;
}

} // namespace

void add_bench_commands(CLI::App &app, Global &g)
{
	auto o = std::make_shared<BenchOpts>();
	auto *sub = app.add_subcommand("bench", "benchmark ping calls on a channel against the raw doorbell ping-pong");
	sub->add_option("channel", o->channel, "channel name (cpcctl channel list)")->required();
	sub->add_option("--calls", o->calls, "ping calls to make (default 1000)");
	sub->add_option("--depth", o->depth, "calls in flight: 1 = synchronous (ioctl), more = io_uring (default 1)");
	sub->add_flag("--anchor", o->anchor, "require the raw doorbell ping-pong");
	sub->add_flag("--no-anchor", o->no_anchor, "skip the raw doorbell ping-pong");
	add_json_flag(sub, g);
	on_run(sub, [o, &g] { return run_bench(*o, g); });
}

} // namespace cpcctl
