// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::bus::BusChannel (internal): channel "bus:<socket path>" - libcpc as
// the user-space host end of a CPC channel, a peer of the ivshmem server
// that serves the guest's ivshmem-doorbell device. It joins the server
// (IvshmemPeer), checks the region is a cpc bus (struct cpc_bus_tag) before
// writing anything, takes the bus's host-end lock, maps the region and runs
// BusEnd over it. Doorbells: writes to the guest's eventfd (the one the
// server gave for the guest's published (id, vector)); the guest rings us
// on own vector 0, whose eventfd we read.
//
// No thread of its own: whoever waits drives it - call() with poll(), or a
// Uring through its AsyncPort (job engine, sweep, bench). An idle channel
// runs no checks; the next call first looks at the guest.
//
// One user-space host end per bus: an OFD lock on a new open file
// description of the shared memory (the server hands every peer the same
// description, whose locks do not exclude each other); the kernel drops it
// when the process dies, SIGKILL included.

#include <cpc/channel.hpp>
#include <cpc/fd.hpp>

#include "../async.hpp"
#include "../mapping.hpp"
#include "bus_end.hpp"
#include "ivshmem_client.hpp"

#include <memory>
#include <optional>
#include <set>

namespace cpc::bus {

/// The socket path of a bus name ("bus:<path>" -> "<path>").
std::string bus_path(const std::string &name);

/// Does the region behind @shm_fd (of @size bytes, mapped at @map or read
/// with pread when @map is null) carry the cpc bus tag?
bool bus_tagged(const void *map, std::uint64_t size);

/// Reads the region size and seals of @shm_fd; throws cpc::Error.
struct ShmFacts {
	std::uint64_t size = 0;
	bool unsealed = false;
};
ShmFacts shm_facts(int shm_fd, const std::string &what);

/// Is a user-space host end attached to the bus of @shm_fd? (F_OFD_GETLK
/// on a new open file description; takes no lock.)
bool host_end_attached(int shm_fd);

class BusChannel final : public Channel {
public:
	BusChannel(const std::string &name, const OpenOptions &opts);
	~BusChannel() override;

	std::string transport() const override { return "bus"; }
	CallResult call(const CallRequest &req) override;
	ResetResult reset() override;
	ChannelStatus status() const override;

	/// The raw doorbell ping-pong on the same path (the transport's
	/// limit): @rounds times, write the guest's vector-1 eventfd and wait
	/// for our own vector-1 eventfd, which the guest's reflector (debugfs
	/// "reflect", armed for this host end's id) rings back. Returns the
	/// round-trip times in ns. Throws cpc::Error (ETIMEDOUT "the guest's
	/// reflector did not answer" after @timeout for one round).
	std::vector<std::uint64_t> pingpong(std::uint64_t rounds, std::chrono::milliseconds timeout);

	std::uint32_t own_id() const noexcept { return peer_.own_id(); }
	/// The guest's ivshmem peer id (its published doorbell), if known.
	std::optional<std::uint32_t> guest_id() const;

private:
	class Port;
	detail::AsyncPort &async_port() override;

	/// Reads what came on the socket and the doorbell eventfd (never
	/// blocks) and runs what is due.
	void pump(Clock::time_point now);
	void handle(const std::vector<PeerEvent> &events, Clock::time_point now);
	/// Reads the doorbell eventfd without blocking; serves what came.
	void read_doorbell(Clock::time_point now);
	/// Waits until something may have changed, at most until @until.
	void wait(Clock::time_point until);
	bool ring(std::uint32_t id, std::uint32_t vector);
	void emit_log(bool warn, std::string_view line);

	OpenOptions opts_;
	UniqueFd lock_;
	IvshmemPeer peer_;
	ShmFacts facts_;
	Mapping map_;
	std::unique_ptr<BusEnd> end_;
	std::unique_ptr<Port> port_;
};

} // namespace cpc::bus
