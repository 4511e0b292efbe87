// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The CPC benchmark: ping-call latency and throughput on a channel, with 1
// (synchronous call) or D (io_uring) calls in flight, and its anchor, the
// raw doorbell ping-pong on the same path: for a kernel channel between the
// same two VMs (the transport's debugfs "pingpong" file, see
// transport/ivshmem.c), for a bus channel between the user-space host end
// and the guest (eventfds of vector 1, bus_pingpong()).

#include <cpc/channel.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cpc {

/// Order statistics of a set of durations, in nanoseconds.
struct Latency {
	std::uint64_t count = 0;
	std::uint64_t min_ns = 0, median_ns = 0, p99_ns = 0, max_ns = 0;
};

/// min/median/p99/max of @ns (sorted in place); all zero when empty.
Latency latency_of(std::vector<std::uint64_t> &ns);

/// Largest depth cpcctl bench accepts (the largest ring a channel has).
inline constexpr unsigned bench_depth_max = 256;
/// Most calls one run makes (each call's latency is kept: 8 bytes a call).
inline constexpr std::uint64_t bench_calls_max = 10000000;

/// One benchmark run of ping calls on a channel (a value). The functions
/// below drive the channel they are given: one thread at a time per channel.
struct CallBench {
	std::uint64_t calls = 0;
	unsigned depth = 0;
	std::uint64_t elapsed_ns = 0;
	double calls_per_s = 0; ///< calls / elapsed time
	Latency latency; ///< submit -> completion of each call
};

/// Makes @calls ping calls on @ch with @depth in flight: depth 1 uses the
/// synchronous Channel::call() (CPC_IOCTL_CALL on a kernel channel), more
/// uses io_uring (IORING_OP_URING_CMD, or a bus end's doorbell reads).
/// Throws cpc::Error (EINVAL for calls outside 1..bench_calls_max or depth
/// outside 1..bench_depth_max, or the errno of the first failed call).
CallBench bench_calls(Channel &ch, std::uint64_t calls, unsigned depth);

/// Figures of one raw doorbell ping-pong run (debugfs "pingpong").
struct RawPingPong {
	std::string path;
	Latency latency;  ///< count = rounds
	std::uint64_t timeouts = 0;
	/// bus_pingpong() only: every round trip, sorted (ns).
	std::vector<std::uint64_t> samples_ns;
};

/// The debugfs "pingpong" file of a host channel's ivshmem device
/// (channel "ivshmem-<PCI address>"), or nullopt when it does not exist.
std::optional<std::string> pingpong_path(const std::string &channel,
					 const std::string &debugfs = "/sys/kernel/debug");

/// Runs @rounds round trips (1..100000) through @path and reads the
/// figures back; throws cpc::Error("raw ping-pong <path>: <why>").
RawPingPong run_pingpong(const std::string &path, std::uint64_t rounds);

/// The raw doorbell ping-pong of bus channel @ch: @rounds (1..100000)
/// round trips, each a write to the guest's vector-1 eventfd answered by
/// the guest's reflector (debugfs "reflect", armed while this host end is
/// the published one) on ours, each waited for at most @timeout. Throws
/// cpc::Error: EINVAL (not a bus channel, rounds), ETIMEDOUT (the
/// reflector did not answer), ENOTCONN.
RawPingPong bus_pingpong(Channel &ch, std::uint64_t rounds,
			 std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

} // namespace cpc
