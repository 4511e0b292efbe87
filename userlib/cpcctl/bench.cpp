// cpcctl bench CHANNEL [--calls N] [--depth D] [--anchor|--no-anchor]
// [--json]: ping-call latency (median, p99, min) and throughput on a
// channel, and beside it the raw doorbell ping-pong between the same two
// VMs measured in the same run, with the ratios call/raw.
//
// The anchor runs by default when the channel's debugfs "pingpong" file
// exists (the guest must have armed its reflector, see README); --anchor
// makes it mandatory, --no-anchor skips it.
#include "commands.hpp"

#include <cpc/bench.hpp>
#include <cpc/channel.hpp>
#include <cpc/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
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
	cpc::Channel ch(o.channel);

	std::optional<std::string> pp;
	if (!o.no_anchor) {
		pp = cpc::pingpong_path(o.channel);
		if (!pp && o.anchor)
			throw cpc::Error(ENOENT, "bench: raw ping-pong of " + o.channel +
							 ": no debugfs pingpong file (debugfs mounted?)");
	}
	/* The anchor first, then the calls: both in the same run. */
	std::optional<cpc::RawPingPong> raw;
	if (pp)
		raw = cpc::run_pingpong(*pp, std::min(o.calls, raw_rounds_max));
	cpc::CallBench b = cpc::bench_calls(ch, o.calls, o.depth);

	const double raw_rate = raw ? ratio(1e9, static_cast<double>(raw->latency.median_ns)) : 0;
	if (g.json) {
		nlohmann::json j = {
			{"channel", o.channel},
			{"proc", "ping"},
			{"calls", b.calls},
			{"depth", b.depth},
			{"mode", b.depth == 1 ? "ioctl" : "io_uring"},
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
		    (unsigned long long)b.calls, b.depth, b.depth == 1 ? "ioctl" : "io_uring");
	std::printf("  call latency   median %10.1f us   p99 %10.1f us   min %10.1f us\n",
		    us(b.latency.median_ns), us(b.latency.p99_ns), us(b.latency.min_ns));
	std::printf("  call throughput %.0f calls/s\n", b.calls_per_sec);
	if (!raw) {
		std::printf("  raw doorbell ping-pong: not measured (%s)\n",
			    o.no_anchor ? "--no-anchor" : "no debugfs pingpong file");
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
	sub->add_option("--depth", o->depth, "calls in flight: 1 = ioctl, more = io_uring (default 1)");
	sub->add_flag("--anchor", o->anchor, "require the raw doorbell ping-pong");
	sub->add_flag("--no-anchor", o->no_anchor, "skip the raw doorbell ping-pong");
	add_json_flag(sub, g);
	on_run(sub, [o, &g] { return run_bench(*o, g); });
}

} // namespace cpcctl
