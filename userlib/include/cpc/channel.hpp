#pragma once
// cpc::Channel: RAII handle on one CPC channel of cpc_host (a channel fd
// from CPC_IOCTL_CHANNEL_OPEN), and the channel list from sysfs.

#include <cpc/fd.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cpc {

/// One procedure of the wire protocol (enum cpc_proc_opcode).
struct Procedure {
	std::string name;
	std::uint32_t opcode;
};

/// Every procedure the protocol defines, by opcode.
const std::vector<Procedure> &procedures();
/// Looks a procedure up by name; throws cpc::Error(EINVAL) if unknown.
std::uint32_t procedure_opcode(const std::string &name);

/// What a channel looks like in /sys/kernel/cpc_host/channels/<name>/.
struct ChannelInfo {
	std::string name;
	std::string state;      ///< "ready" when the guest end is up
	std::string peer_state; ///< the guest end's published state
	std::string transport;
	std::string slice;      ///< slice whose IPI mask mediates it ("": none)
	std::uint64_t generation = 0; ///< the host end's handshake generation
	std::uint64_t calls = 0, completed = 0, errors = 0, timeouts = 0, broken = 0;
	std::uint64_t resets = 0;       ///< the guest reset or left
	std::uint64_t admin_resets = 0; ///< CPC_IOCTL_CHANNEL_RESET (Channel::reset())
	std::uint64_t stuck_resets = 0; ///< every slot held by given-up calls too long
};

/// Lists the channels of the loaded cpc_host (empty if none or not loaded).
std::vector<ChannelInfo> list_channels(const std::string &sysfs = "/sys/kernel/cpc_host/channels");

/// Attaches channel @channel to slice @slice (CPC_IOCTL_CHANNEL_ATTACH):
/// the slice's IPI mask then mediates its doorbells. Throws cpc::Error
/// ("attach channel <c> to slice <s>: <why>").
void attach_channel(const std::string &channel, const std::string &slice,
		    const std::string &dev = "/dev/cpc_host");
/// Undoes attach_channel() (CPC_IOCTL_CHANNEL_DETACH); throws cpc::Error.
void detach_channel(const std::string &channel, const std::string &slice,
		    const std::string &dev = "/dev/cpc_host");

/// One call's input.
struct CallRequest {
	std::uint32_t proc = 0;
	std::uint64_t args[3] = {0, 0, 0};
	std::span<const std::uint8_t> arg;          ///< argument buffer (may be empty)
	std::size_t out_capacity = 64 * 1024;       ///< result buffer to provide
	std::chrono::milliseconds timeout{0};       ///< 0: the module's default
};

/// What Channel::reset() did.
struct ResetResult {
	std::uint32_t generation = 0; ///< the host end's new generation
	std::uint32_t inflight = 0;   ///< requests that were in flight (failed or dropped)
};

/// One call's result (only returned when the guest answered success).
struct CallResult {
	std::vector<std::uint8_t> out; ///< the result buffer, out_len bytes
	std::uint64_t ret[2] = {0, 0};
	std::string text() const { return std::string(out.begin(), out.end()); }
};

class Channel {
public:
	/// Opens channel @name through /dev/cpc_host; throws cpc::Error
	/// ("channel <name>: <why>").
	explicit Channel(const std::string &name, const std::string &dev = "/dev/cpc_host");

	/// Synchronous call; throws cpc::Error ("call <proc>: <why>") with the
	/// errno of CPC_IOCTL_CALL (EPERM when the guest denies it, ETIMEDOUT, ...).
	CallResult call(const CallRequest &req) const;

	/// Fails every call in flight with ECONNRESET and starts a new generation
	/// (CPC_IOCTL_CHANNEL_RESET, needs CAP_SYS_ADMIN); the channel is ready
	/// again once the guest rejoins. Throws cpc::Error ("reset channel <name>:
	/// <why>").
	ResetResult reset() const;

	const std::string &name() const noexcept { return name_; }
	int fd() const noexcept { return fd_.get(); }

private:
	std::string name_;
	UniqueFd fd_;
};

} // namespace cpc
