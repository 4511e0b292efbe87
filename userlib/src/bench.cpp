// SPDX-License-Identifier: LGPL-2.1-or-later
// The CPC benchmark: ping calls (sync ioctl or io_uring) and the raw
// doorbell ping-pong anchor.
#include <cpc/bench.hpp>
#include <cpc/error.hpp>
#include <cpc/fd.hpp>

#include "async.hpp"
#include "bus/bus_channel.hpp"
#include "driver.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/cpc_host.h>
#include <linux/cpc_proto.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace cpc {

namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t ns_since(Clock::time_point t0, Clock::time_point t1)
{
	return static_cast<std::uint64_t>(
		std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
}

/// Result room a ping call provides (ping returns values, no buffer).
constexpr std::uint32_t ping_out = 64;

void check_pong(std::uint64_t got, std::uint64_t value, const std::string &chan)
{
	if (got != value)
		throw Error(EPROTO, "bench on " + chan + ": ping " + std::to_string(value) +
					    " answered " + std::to_string(got));
}

CallBench bench_sync(Channel &ch, std::uint64_t calls, std::vector<std::uint64_t> &ns)
{
	CallBench b;
	CallRequest req;
	req.proc = CPC_PROC_PING;
	req.out_capacity = ping_out;
	auto t0 = Clock::now();
	for (std::uint64_t i = 0; i < calls; i++) {
		req.args[0] = i;
		auto start = Clock::now();
		CallResult r;
		try {
			r = ch.call(req);
		} catch (const Error &e) {
			throw Error(e.errnum(), "bench: call ping on " + ch.name());
		}
		ns.push_back(ns_since(start, Clock::now()));
		check_pong(r.ret[0], i, ch.name());
	}
	b.elapsed_ns = ns_since(t0, Clock::now());
	return b;
}

/// One call's record; stays put while its channel may write to it.
struct Slot {
	detail::PendingCall pc;
	std::uint64_t value = 0;
	Clock::time_point start;
};

CallBench bench_async(Channel &ch, std::uint64_t calls, unsigned depth,
		      std::vector<std::uint64_t> &ns)
{
	CallBench b;
	std::vector<Slot> slots(depth);
	std::shared_ptr<Channel> alias(std::shared_ptr<Channel>(), &ch);
	detail::Driver drv(2 * depth + 8);
	std::uint16_t chan = drv.add(alias);
	std::uint64_t sent = 0;
	std::size_t inflight = 0;
	std::optional<Error> failed;

	auto submit = [&](std::size_t idx) {
		CallRequest req;
		req.proc = CPC_PROC_PING;
		req.args[0] = sent;
		req.out_capacity = ping_out;
		Slot &s = slots[idx];
		s.pc = detail::make_pending(req);
		s.pc.cookie = idx;
		s.value = sent++;
		s.start = Clock::now();
		inflight++;
		drv.submit(chan, s.pc);
	};
	auto t0 = Clock::now();
	for (std::size_t i = 0; i < depth && sent < calls; i++)
		submit(i);
	while (inflight) {
		for (const auto &ev : drv.wait()) {
			if (!ev.call)
				continue;
			auto now = Clock::now();
			std::size_t idx = ev.call->cookie;
			inflight--;
			if (idx >= slots.size()) {
				failed.emplace(EPROTO, "bench on " + ch.name() + ": unknown completion");
				continue;
			}
			Slot &s = slots[idx];
			/* After a failure: drain what is in flight, submit nothing. */
			if (failed)
				continue;
			if (s.pc.err) {
				failed.emplace(s.pc.err, "bench: call ping on " + ch.name());
				continue;
			}
			try {
				check_pong(s.pc.result.ret[0], s.value, ch.name());
			} catch (const Error &e) {
				failed.emplace(e);
				continue;
			}
			ns.push_back(ns_since(s.start, now));
			if (sent < calls)
				submit(idx);
		}
	}
	if (failed)
		throw *failed;
	b.elapsed_ns = ns_since(t0, Clock::now());
	return b;
}

std::string read_all(int fd)
{
	std::string out;
	char buf[256];
	ssize_t n;
	while ((n = ::read(fd, buf, sizeof(buf))) > 0)
		out.append(buf, static_cast<std::size_t>(n));
	if (n < 0)
		throw_errno("read");
	return out;
}

} // namespace

Latency latency_of(std::vector<std::uint64_t> &ns)
{
	Latency l;
	if (ns.empty())
		return l;
	std::sort(ns.begin(), ns.end());
	std::size_t n = ns.size();
	l.count = n;
	l.min_ns = ns.front();
	l.median_ns = ns[n / 2];
	l.p99_ns = ns[(n * 99 + 99) / 100 - 1];
	l.max_ns = ns.back();
	return l;
}

CallBench bench_calls(Channel &ch, std::uint64_t calls, unsigned depth)
{
	if (calls == 0 || calls > bench_calls_max)
		throw_invalid("bench: calls must be 1.." + std::to_string(bench_calls_max));
	if (depth == 0 || depth > bench_depth_max)
		throw_invalid("bench: depth must be 1.." + std::to_string(bench_depth_max));
	std::vector<std::uint64_t> ns;
	ns.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(calls, 1u << 24)));
	CallBench b = depth == 1 ? bench_sync(ch, calls, ns) : bench_async(ch, calls, depth, ns);
	b.calls = calls;
	b.depth = depth;
	b.calls_per_s = b.elapsed_ns ? calls * 1e9 / static_cast<double>(b.elapsed_ns) : 0;
	b.latency = latency_of(ns);
	return b;
}

std::optional<std::string> pingpong_path(const std::string &channel, const std::string &debugfs)
{
	const std::string prefix = "ivshmem-";
	if (channel.rfind(prefix, 0) != 0 || channel.size() == prefix.size() ||
	    channel.find('/') != std::string::npos)
		return std::nullopt;
	std::filesystem::path p = std::filesystem::path(debugfs) / "cpc_host" / "ivshmem" /
				  channel.substr(prefix.size()) / "pingpong";
	std::error_code ec;
	if (!std::filesystem::exists(p, ec))
		return std::nullopt;
	return p.string();
}

RawPingPong run_pingpong(const std::string &path, std::uint64_t rounds)
{
	const std::string what = "raw ping-pong " + path;
	if (rounds == 0 || rounds > 100000)
		throw Error(EINVAL, what + ": rounds must be 1..100000");
	UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
	if (!fd)
		throw_errno(what);
	std::string cmd = std::to_string(rounds) + "\n";
	if (::write(fd.get(), cmd.data(), cmd.size()) != static_cast<ssize_t>(cmd.size())) {
		if (errno == ETIMEDOUT)
			throw Error(errno, what + " (is the guest's reflector armed?)");
		throw_errno(what);
	}
	if (::lseek(fd.get(), 0, SEEK_SET) < 0)
		throw_errno(what);
	std::string text;
	try {
		text = read_all(fd.get());
	} catch (const Error &e) {
		throw Error(e.errnum(), what);
	}
	RawPingPong r;
	r.path = path;
	std::istringstream in(text);
	std::string kv;
	while (in >> kv) {
		auto eq = kv.find('=');
		if (eq == std::string::npos)
			continue;
		std::string k = kv.substr(0, eq);
		std::uint64_t v = std::strtoull(kv.c_str() + eq + 1, nullptr, 10);
		if (k == "rounds")
			r.latency.count = v;
		else if (k == "timeouts")
			r.timeouts = v;
		else if (k == "min_ns")
			r.latency.min_ns = v;
		else if (k == "median_ns")
			r.latency.median_ns = v;
		else if (k == "p99_ns")
			r.latency.p99_ns = v;
		else if (k == "max_ns")
			r.latency.max_ns = v;
	}
	if (r.latency.count != rounds || !r.latency.median_ns)
		throw Error(EPROTO, what + ": unexpected figures '" + text + "'");
	return r;
}

RawPingPong bus_pingpong(Channel &ch, std::uint64_t rounds, std::chrono::milliseconds timeout)
{
	auto *bus = dynamic_cast<bus::BusChannel *>(&ch);
	if (!bus)
		throw Error(EINVAL, "raw ping-pong on " + ch.name() + ": not a bus channel");
	auto ns = bus->pingpong(rounds, timeout);
	RawPingPong r;
	r.path = ch.name();
	r.latency = latency_of(ns);
	r.samples_ns = std::move(ns);
	return r;
}

} // namespace cpc
