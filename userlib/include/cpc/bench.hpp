#pragma once
// The CPC benchmark: ping-call latency and throughput on a channel, with 1
// (synchronous ioctl) or D (IORING_OP_URING_CMD) calls in flight, and its
// anchor, the raw doorbell ping-pong between the same two VMs (the
// transport's debugfs "pingpong" file, see transport/ivshmem.c).

#include <cpc/channel.hpp>

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

/// One benchmark run of ping calls on a channel.
struct CallBench {
	std::uint64_t calls = 0;
	unsigned depth = 0;
	std::uint64_t elapsed_ns = 0;
	double calls_per_sec = 0;
	Latency latency; ///< submit -> completion of each call
};

/// Makes @calls ping calls on @ch with @depth in flight: depth 1 uses the
/// synchronous CPC_IOCTL_CALL, more uses IORING_OP_URING_CMD. Throws
/// cpc::Error (EINVAL for calls 0 or depth outside 1..bench_depth_max, or
/// the errno of the first failed call).
CallBench bench_calls(const Channel &ch, std::uint64_t calls, unsigned depth);

/// Figures of one raw doorbell ping-pong run (debugfs "pingpong").
struct RawPingPong {
	std::string path;
	Latency latency;  ///< count = rounds
	std::uint64_t timeouts = 0;
};

/// The debugfs "pingpong" file of a host channel's ivshmem device
/// (channel "ivshmem-<PCI address>"), or nullopt when it does not exist.
std::optional<std::string> pingpong_path(const std::string &channel,
					 const std::string &debugfs = "/sys/kernel/debug");

/// Runs @rounds round trips (1..100000) through @path and reads the
/// figures back; throws cpc::Error("raw ping-pong <path>: <why>").
RawPingPong run_pingpong(const std::string &path, std::uint64_t rounds);

} // namespace cpc
