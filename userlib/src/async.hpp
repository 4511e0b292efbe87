// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Internal to libcpc: how a channel plugs into a Uring (AsyncPort), the one
// call record both host ends fill in (PendingCall), and the tags of the
// operations on a shared ring.
//
// Tags: kind << 62 | channel << 48 | index. Kinds: Call (a kernel channel's
// IORING_OP_URING_CMD; index = the call's index in the driver), Write (a
// job's output; index = the writer's cookie), Port (a port's own operation,
// e.g. a bus channel's doorbell read or socket poll) and Cancel (the
// cancellation of a port operation).

#include <cpc/channel.hpp>

#include <linux/cpc_host.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace cpc {

class Uring;
struct UringCompletion;

namespace detail {

using Clock = std::chrono::steady_clock;

enum class TagKind : std::uint64_t { Call = 0, Write = 1, Port = 2, Cancel = 3 };

inline constexpr std::uint64_t kTagIndexMask = (std::uint64_t{1} << 48) - 1;

constexpr std::uint64_t make_tag(TagKind kind, std::uint16_t chan, std::uint64_t index)
{
	return (static_cast<std::uint64_t>(kind) << 62) | (std::uint64_t{chan} << 48) |
	       (index & kTagIndexMask);
}
constexpr TagKind tag_kind(std::uint64_t tag)
{
	return static_cast<TagKind>(tag >> 62);
}
constexpr std::uint16_t tag_chan(std::uint64_t tag)
{
	return static_cast<std::uint16_t>((tag >> 48) & 0x3fff);
}
constexpr std::uint64_t tag_index(std::uint64_t tag)
{
	return tag & kTagIndexMask;
}

/// One call on its way through a port: the request, the result, and each
/// port's private part. The submitter owns it and keeps it in place until
/// it is finished (or the port gave it up at detach()).
struct PendingCall {
	// The request (CallRequest with its buffer copied).
	std::uint32_t proc = 0;
	std::uint64_t args[3] = {0, 0, 0};
	std::vector<std::uint8_t> arg;
	std::size_t out_capacity = 0;
	std::chrono::milliseconds timeout{0}; ///< 0: CPC_CALL_TIMEOUT_DEFAULT_MS

	// The result: err 0 means the guest answered success.
	bool finished = false;
	int err = 0; ///< positive errno
	CallResult result;

	// The submitter's own reference (job, slot).
	std::uint64_t cookie = 0;

	// Kernel channel: the ioctl's struct and result buffer.
	cpc_call kcall{};
	std::uint64_t index = 0;

	// User-space host end: when the call times out (or, before the guest
	// joined, gives up waiting for it), and its slot.
	Clock::time_point deadline{};
	std::uint32_t slot = 0;
	bool parked = false;
};

/// Fills a PendingCall from a request (buffers copied).
PendingCall make_pending(const CallRequest &req);

/// The name of a procedure for messages ("ping", or the opcode).
std::string proc_label(std::uint32_t op);

/// How a channel plugs into a Uring. A port is attached to at most one
/// ring at a time; while attached, the channel's synchronous call() must
/// not be used.
class AsyncPort {
public:
	virtual ~AsyncPort() = default;
	/// Starts using @ring (a bus channel queues its doorbell read and
	/// socket poll). Throws cpc::Error(EBUSY) when attached already.
	virtual void attach(Uring &ring, std::uint16_t chan) = 0;
	/// Starts @c; a call that fails at once is finished here (and shows up
	/// in collect()).
	virtual void submit(PendingCall &c) = 0;
	/// A completion tagged with this port's channel (Call, Port or Cancel).
	virtual void on_cqe(const UringCompletion &cqe) = 0;
	/// When on_timer() wants to run next, if ever.
	virtual std::optional<Clock::time_point> deadline() const = 0;
	virtual void on_timer(Clock::time_point now) = 0;
	/// Moves the calls finished since the last collect() to @done.
	virtual void collect(std::vector<PendingCall *> &done) = 0;
	/// Stops using the ring: cancels the port's own operations and gives
	/// up the calls it holds (their owners may free them now, except
	/// kernel calls, which complete on their own within their timeout).
	virtual void detach() = 0;
	/// Operations on the ring whose completion is still to come.
	virtual unsigned outstanding() const = 0;
};

/// Reaches a channel's port (Channel::async_port() is private).
struct PortAccess {
	static AsyncPort &port(Channel &ch) { return ch.async_port(); }
};

} // namespace detail
} // namespace cpc
