// SPDX-License-Identifier: GPL-2.0
#pragma once
// What the phases of cpc-bench-compare share (bench_compare.cpp: main,
// latency, dormant, spin, report; bench_procs.cpp: the procedure modules'
// pairs): the options, a timed series, files, formatting.

#include <cpc/channel.hpp>
#include <cpc/error.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

struct Usage : std::runtime_error {
	using std::runtime_error::runtime_error;
};

struct Args {
	std::string cmd, bus, qga, out, label;
	long pid = 0;
	unsigned pings = 1000, calls = 100, blocks = 10, raw = 2000;
	unsigned cycles = 20; ///< procs: fsfreeze + thaw cycles
	unsigned idle = 60, load = 60, seconds = 10;
};

std::uint64_t ns_since(Clock::time_point t0);
void write_file(const std::string &path, const std::string &text);
json read_json(const std::string &path);

/// One timed series: every sample in ns; summary with calls/s = N / sum.
struct Series {
	std::vector<std::uint64_t> ns;
	std::uint64_t extra = 0; ///< qga ps: guest-exec-status polls

	json summary() const;
	/// The CDF: microseconds, cumulative fraction.
	void cdf(const std::string &path) const;
	/// Times @f, one sample.
	template <typename F> auto time(F &&f)
	{
		auto t0 = Clock::now();
		auto r = f();
		ns.push_back(ns_since(t0));
		return r;
	}
};

/// @n calls of @qga then @n of @cpc, or the other way round: one thread,
/// one request outstanding, the two never overlap.
void alternate(bool qga_first, unsigned n, const std::function<void()> &qga,
	       const std::function<void()> &cpc);

/// The user-space host end's counters (calls, nudges: calls the periodic
/// check found without a doorbell, doorbells, late, timeouts, ...).
json host_end_counters(cpc::Channel &ch);

/// A phase's JSON: every series' summary under its name (its CDF written to
/// @a.out/cdf-NAME.dat), the channel, the blocks, and how the host end
/// served the calls (host_end_counters(): a nudge is a call found by the
/// periodic check rather than by a doorbell).
json phase_summary(const std::map<std::string, Series> &series, const Args &a, cpc::Channel &ch);

/// "43 µs", "2.4 ms", "23 ms".
std::string us(double ns);
std::string num(double v, const char *fmt = "%.1f");

/// procs: the procedure modules' calls against the qemu-ga commands that
/// do the same (bench_procs.cpp); the JSON of procs.json.
json procs(const Args &a);
/// Their rows of results.md, from procs.json's JSON.
void procs_report(std::ostream &o, const json &p);

} // namespace bench
