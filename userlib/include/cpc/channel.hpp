// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::Channel: one CPC channel seen from its host end, whichever host end
// that is - cpc_host.ko's (a channel fd from CPC_IOCTL_CHANNEL_OPEN on
// /dev/cpc_host: "ivshmem-<PCI>", "loopback", "slice:<name>") or libcpc's
// own user-space host end joined to an ivshmem server socket as a peer
// ("bus:<socket path>", what a real QEMU/KVM host uses). Both run the same
// proto/ code and offer the same calls; open_channel() picks by name.
// Also: the procedures, and the list of channels (kernel and buses).

#include <cpc/paths.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cpc {

namespace detail {
class AsyncPort;
struct PortAccess;
} // namespace detail

/// One procedure of the wire protocol (enum cpc_proc_opcode).
struct Procedure {
	std::string name;
	std::uint32_t opcode;
};

/// Every procedure the protocol defines, by opcode.
const std::vector<Procedure> &procedures();
/// Looks a procedure up by name; throws cpc::Error(EINVAL) if unknown.
std::uint32_t procedure_opcode(const std::string &name);

/// One call's input.
struct CallRequest {
	std::uint32_t proc = 0;
	std::uint64_t args[3] = {0, 0, 0};
	std::span<const std::uint8_t> arg;          ///< argument buffer (may be empty)
	std::size_t out_capacity = 64 * 1024;       ///< result buffer to provide
	std::chrono::milliseconds timeout{0};       ///< 0: the default, 5000 ms
};

/// One call's result (only returned when the guest answered success).
struct CallResult {
	std::vector<std::uint8_t> out; ///< the result buffer, out_len bytes
	std::uint64_t ret[2] = {0, 0};
	std::string text() const { return std::string(out.begin(), out.end()); }
};

/// What Channel::reset() did.
struct ResetResult {
	std::uint32_t generation = 0; ///< the host end's new generation
	std::uint32_t inflight = 0;   ///< requests that were in flight (failed or dropped)
};

/// The state of a channel, the same keys for both kinds of host end.
struct ChannelStatus {
	std::string name;
	std::string transport;   ///< "ivshmem", "loopback", "bus"
	std::string state;       ///< "ready" (guest end up), "waiting", "broken", "removed"
	std::string peer_state;  ///< the guest end's published state ("run", "init", ...)
	std::string slice;       ///< slice whose IPI mask mediates it ("": none)
	std::uint64_t generation = 0;      ///< the host end's handshake generation
	std::uint64_t peer_generation = 0; ///< the guest end's generation
	std::uint64_t inflight = 0;        ///< requests the guest holds
	std::uint64_t max_out = 0;         ///< largest result buffer a call gets
	bool throttled = false;
	/// calls completed errors timeouts broken resets late nudges doorbells
	/// doorbells_ignored throttles admin_resets stuck_resets bad_id
	/// bad_status bad_out_len bad_index (the sysfs names); a bus end also
	/// doorbell_unknown. Empty when not known to this process (a bus
	/// somebody else's host end serves).
	std::map<std::string, std::uint64_t> counters;
	/// Buses only (from a probe): "attached" when a user-space host end
	/// holds the bus, "none" otherwise; "" for kernel channels.
	std::string host_end;
	/// Buses only: the other peers on the bus (the guest's QEMU among them).
	std::vector<std::uint32_t> peers;
	std::uint64_t region_size = 0; ///< buses only
	/// Buses only: the shared memory can be shrunk under the host end (a
	/// POSIX shm object rather than a sealed memfd).
	bool unsealed = false;
};

/// How open_channel() opens a channel.
struct OpenOptions {
	/// Kernel channels: the device.
	std::string device = host_device_path;
	/// bus: how long the guest end gets to join the new generation a
	/// freshly opened host end starts; calls made meanwhile wait for it
	/// (within their own timeout), later ones on a channel that is not
	/// up fail with ENOTCONN at once, as on a kernel channel. 0: no wait.
	std::chrono::milliseconds ready_timeout{5000};
	/// bus: how long the ivshmem server may take for its handshake.
	std::chrono::milliseconds server_timeout{2000};
	/// bus: reset the channel once every request slot has been held this
	/// long by calls whose callers gave up (cpc_host's stuck_reset_ms); 0:
	/// never.
	std::chrono::milliseconds stuck_reset{10000};
	/// bus: where lines the guest can cause go (at most 5 per 10 s, as in
	/// the kernel's log); default: warnings (protocol violations, the
	/// throttle, resets of stuck slots, the server gone) to stderr,
	/// prefixed "cpc: <channel>: ", news (up, down) nowhere.
	std::function<void(std::string_view)> log;
};

class Channel {
public:
	virtual ~Channel();
	Channel(const Channel &) = delete;
	Channel &operator=(const Channel &) = delete;

	/// The name it was opened by ("ivshmem-0000:00:01.0", "bus:/run/cpc/vm1.sock").
	const std::string &name() const noexcept { return name_; }
	/// "ivshmem", "loopback" or "bus".
	virtual std::string transport() const = 0;

	/// Synchronous call; throws cpc::Error ("call <proc> on <channel>:
	/// <why>") with the errno of CPC_IOCTL_CALL (EPERM when the guest
	/// denies it, ETIMEDOUT, ECONNRESET, ENOTCONN, EBUSY, E2BIG, EINVAL,
	/// ...). Not thread-safe: one thread at a time per channel object.
	virtual CallResult call(const CallRequest &req) = 0;

	/// Fails every call in flight with ECONNRESET, frees every slot and
	/// starts a new generation; the channel is ready again once the guest
	/// rejoins. Kernel: CPC_IOCTL_CHANNEL_RESET (needs CAP_SYS_ADMIN).
	/// Throws cpc::Error ("reset channel <name>: <why>").
	virtual ResetResult reset() = 0;

	/// The channel's state and counters as this host end sees them.
	virtual ChannelStatus status() const = 0;

protected:
	explicit Channel(std::string name);

private:
	friend struct detail::PortAccess;
	virtual detail::AsyncPort &async_port() = 0;
	std::string name_;
};

/// True for a user-space bus name ("bus:<socket path>").
bool is_bus_name(std::string_view name);

/// Opens channel @name: "bus:<path>" joins the ivshmem server at <path> as
/// the user-space host end (one per bus: a second one gets EBUSY); any
/// other name is a kernel channel. Throws cpc::Error: "channel <name>:
/// <why>" (kernel: ENODEV, EPERM, ...), "bus:<path>: <what>: <why>"
/// (connect errors, ENODEV "not a cpc bus", EBUSY "another host end is
/// attached", ETIMEDOUT, EPROTO).
std::shared_ptr<Channel> open_channel(const std::string &name, const OpenOptions &opts = {});

/// The id of procedure @name on @ch: a name of the protocol's own table
/// (procedure_opcode()) without asking; any other name (a procedure
/// module's) through the guest's procedure table, the procs procedure,
/// which lists what the host may call now. Throws cpc::Error: ENOENT
/// "unknown procedure '<name>'" (none by that name that the guest allows),
/// EPROTO (the table does not parse, an id out of range), or the call's
/// own error.
std::uint32_t procedure_id(Channel &ch, const std::string &name);

/// Where list_channels() looks.
struct ListOptions {
	std::string sysfs = std::string(host_sysfs_path) + "/channels";
	/// Directories whose sockets are buses (default: /run/cpc and
	/// $CPC_BUS_DIR when set). Missing directories are skipped.
	std::optional<std::vector<std::string>> bus_dirs;
	std::chrono::milliseconds server_timeout{2000};
};

/// The kernel channels (read-only, from sysfs) and every bus in the bus
/// directories (a probe: joins the server, reads the region, leaves; never
/// writes), sorted by name. A bus that does not answer is listed with
/// state "unreachable"; a socket that is not a cpc bus is left out.
std::vector<ChannelStatus> list_channels(const ListOptions &opts = {});

/// One channel by name, as list_channels() shows it, with every counter;
/// for a bus a probe (it does not become its host end). Throws cpc::Error
/// ("channel <name>: No such device"; bus probe errors as open_channel()).
ChannelStatus show_channel(const std::string &name, const ListOptions &opts = {});

/// Attaches channel @channel to slice @slice (CPC_IOCTL_CHANNEL_ATTACH):
/// the slice's IPI mask then mediates its doorbells. Throws cpc::Error
/// ("attach channel <c> to slice <s>: <why>").
void attach_channel(const std::string &channel, const std::string &slice,
		    const std::string &dev = host_device_path);
/// Undoes attach_channel() (CPC_IOCTL_CHANNEL_DETACH); throws cpc::Error.
void detach_channel(const std::string &channel, const std::string &slice,
		    const std::string &dev = host_device_path);

} // namespace cpc
