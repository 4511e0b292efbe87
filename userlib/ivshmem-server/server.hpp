// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::ivshmem::Server: an ivshmem server speaking QEMU's client-server
// protocol (QEMU docs/specs/ivshmem-spec.rst), for ivshmem-doorbell devices.
//
// One server owns one shared-memory region (one "bus") and one listening UNIX
// socket. Every client that connects gets an id and one eventfd per vector;
// all messages are int64 little-endian, fds travel with SCM_RIGHTS:
//   to the new client: 0 (protocol version); its id; -1 with the shm fd;
//     for every existing peer, that peer's id once per vector with the
//     peer's eventfd for that vector; its own id once per vector with its
//     own eventfds (these are what it is interrupted through);
//   to every existing peer: the new id once per vector with its eventfds;
//   when a client goes: its id without fd to every remaining peer.
//
// The server is a single-threaded epoll loop; run_once() and every query are
// meant for the thread that runs the loop, stop() may be called from any
// thread or from a signal handler. Sends never block: what a client does not
// read yet is queued and sent when its socket is writable again.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cpc::ivshmem {

/// Version number sent as the first message of every connection.
inline constexpr std::int64_t kProtocolVersion = 0;
/// Most vectors per peer (QEMU's own server has the same limit).
inline constexpr unsigned kMaxVectors = 64;
/// Most live peers: ids are 16 bits (the doorbell register's peer field).
inline constexpr unsigned kMaxPeers = 65535;

struct Options {
	/// Path of the listening socket; created by the server and unlinked
	/// when it is destroyed. A stale socket file (nobody listening) is
	/// replaced; a live one is refused with EADDRINUSE.
	std::string socket_path;
	/// Size of the shared memory in bytes. Rounded up to a power of two of
	/// at least one page, as QEMU's server does (QEMU maps the region as a
	/// PCI BAR, which must be a power of two); see Server::size().
	std::uint64_t size = 4u << 20;
	/// Eventfds (interrupt vectors) per peer, 1..kMaxVectors.
	unsigned vectors = 2;
	/// Empty: anonymous memory (memfd_create, sealed against resizing).
	/// Otherwise a POSIX shared-memory object name for shm_open ("/" is
	/// prepended if missing); it is created if needed and left in place.
	std::string shm_name;
	/// Serve a plain region: no cpc bus tag (struct cpc_bus_tag), so
	/// cpc's modules leave the devices on it alone - for other users of
	/// ivshmem. By default the region is tagged as a cpc bus.
	bool plain = false;
	/// Log peers joining and leaving and other details.
	bool verbose = false;
	/// Live peers at most, 1..65536; ids are 0..max_peers-1. A client that
	/// connects when all are taken is disconnected at once.
	unsigned max_peers = kMaxPeers;
	/// Where log lines go (without trailing newline). Default: stderr,
	/// each line prefixed with "cpc-ivshmem-server: ". Warnings are always
	/// logged, details only when verbose.
	std::function<void(std::string_view)> log;
};

class Server {
public:
	/// Creates the shared memory and the listening socket.
	/// Throws cpc::Error ("<what>: <why>") on any failure.
	explicit Server(Options opts);
	~Server();
	Server(const Server &) = delete;
	Server &operator=(const Server &) = delete;

	/// The listening socket.
	int listen_fd() const noexcept;
	/// The epoll fd of the loop: readable when run_once() has work, so the
	/// loop can be embedded in another poll loop (e.g. with a signalfd).
	int poll_fd() const noexcept;
	/// The shared-memory fd (what clients get with the -1 message).
	int shm_fd() const noexcept;
	/// Actual size of the shared memory (after rounding).
	std::uint64_t size() const noexcept;
	unsigned vectors() const noexcept;
	const std::string &socket_path() const noexcept;

	/// Waits up to timeout_ms (-1: forever) for events and handles them.
	/// Returns how many events were handled (0 on timeout).
	/// Throws cpc::Error only if the loop itself breaks (epoll fails).
	int run_once(int timeout_ms);
	/// Runs the loop until stop() is called.
	void run_until_stopped();
	/// Makes run_until_stopped() return (and a blocked run_once() wake up).
	/// Safe from any thread and from signal handlers.
	void stop() noexcept;

	/// Connected peers, and their ids in increasing order.
	std::size_t peer_count() const;
	std::vector<std::uint16_t> peer_ids() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace cpc::ivshmem
