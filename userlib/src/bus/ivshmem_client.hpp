// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::bus::IvshmemPeer (internal): the client half of QEMU's ivshmem
// server protocol (docs/specs/ivshmem-spec.rst; the server side is
// userlib/ivshmem-server/), what QEMU's ivshmem-doorbell device does on the
// socket - no cpc logic. Messages are int64 little-endian, at most one fd
// per message (SCM_RIGHTS); an fd belongs to the message whose first byte
// came with it:
//   0 (protocol version); own id; -1 with the shared-memory fd;
//   (id, fd) -> vector k of peer id (k = fds of that id so far; own id:
//   own vector k); (id, no fd) -> peer id left.
// The server sends every existing peer before the client's own vectors, so
// the peer table is complete once own vector 0 has arrived: that ends the
// handshake. Afterwards the socket is non-blocking and drain() reads what
// has come.

#include <cpc/fd.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cpc::bus {

/// Most vectors per peer (the server's kMaxVectors); more fds are closed.
inline constexpr unsigned kMaxVectors = 64;

/// Something drain() saw on the socket.
struct PeerEvent {
	enum Kind { Joined, Left, Closed } kind;
	std::uint32_t id = 0; ///< the peer (Joined: its first vector came)
};

class IvshmemPeer {
public:
	/// Connects to the server at @path and reads the handshake, each read
	/// waiting at most @timeout. Throws cpc::Error("<label>: <what>";
	/// @label defaults to @path):
	/// ENAMETOOLONG, connect errors (ENOENT, ECONNREFUSED, ...), EPROTO
	/// (wrong version, no shared memory, a second -1, truncated fds),
	/// ETIMEDOUT ("ivshmem server did not finish the handshake"),
	/// ECONNRESET (the server closed the connection).
	IvshmemPeer(const std::string &path, std::chrono::milliseconds timeout,
		    const std::string &label = {});
	IvshmemPeer(const IvshmemPeer &) = delete;
	IvshmemPeer &operator=(const IvshmemPeer &) = delete;

	std::uint32_t own_id() const noexcept { return own_id_; }
	int shm_fd() const noexcept { return shm_.get(); }
	int socket_fd() const noexcept { return sock_.get(); }
	/// Own vector @v's eventfd (what QEMU writes when a peer rings us on
	/// it), or -1 when it has not arrived.
	int own_eventfd(unsigned v) const noexcept;
	/// Peer @id's vector @v eventfd (write to it to ring that peer), or -1.
	int peer_eventfd(std::uint32_t id, unsigned v) const noexcept;
	/// Ids of the other peers, ascending.
	std::vector<std::uint32_t> peer_ids() const;
	/// Own vectors received so far.
	unsigned own_vectors() const noexcept { return static_cast<unsigned>(own_.size()); }
	bool closed() const noexcept { return closed_; }

	/// Reads every complete message that has arrived (never blocks) and
	/// returns what changed. EOF or an error on the socket: Closed (once).
	std::vector<PeerEvent> drain();
	/// Waits up to @timeout for the next message and handles it; false
	/// when none came in time. Throws cpc::Error on a protocol violation.
	bool wait_message(std::chrono::milliseconds timeout);

private:
	struct Msg {
		std::int64_t value = 0;
		UniqueFd fd;
	};
	enum class Got { Message, Again, Closed };
	Got read_message(Msg &m);
	void handle(Msg &&m, std::vector<PeerEvent> *events);
	[[noreturn]] void fail(int err, const std::string &what) const;

	std::string label_;
	UniqueFd sock_;
	UniqueFd shm_;
	std::uint32_t own_id_ = 0;
	int stage_ = 0; ///< 0: version, 1: own id, 2: shm, 3: peers and vectors
	std::vector<UniqueFd> own_;
	std::map<std::uint32_t, std::vector<UniqueFd>> peers_;
	unsigned char partial_[8] = {};
	std::size_t got_ = 0;
	UniqueFd partial_fd_;
	bool closed_ = false;
};

} // namespace cpc::bus
