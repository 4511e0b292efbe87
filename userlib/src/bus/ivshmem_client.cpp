// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::bus::IvshmemPeer: the client half of the ivshmem server protocol.
#include "ivshmem_client.hpp"

#include <cpc/error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace cpc::bus {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t kMaxId = 0xffff;

} // namespace

void IvshmemPeer::fail(int err, const std::string &what) const
{
	throw Error(err, label_ + ": " + what);
}

IvshmemPeer::IvshmemPeer(const std::string &path, std::chrono::milliseconds timeout,
			 const std::string &label)
	: label_(label.empty() ? path : label)
{
	sockaddr_un addr{};
	if (path.empty())
		fail(EINVAL, "empty socket path");
	if (path.size() >= sizeof(addr.sun_path))
		fail(ENAMETOOLONG, "socket path too long");
	addr.sun_family = AF_UNIX;
	std::memcpy(addr.sun_path, path.data(), path.size());
	sock_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!sock_)
		fail(errno, "socket");
	// A local stream connect completes or fails at once.
	if (::connect(sock_.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0)
		fail(errno, "connect");
	auto until = Clock::now() + timeout;
	while (stage_ < 3 || own_.empty()) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
		if (left.count() <= 0 || !wait_message(left)) {
			if (closed_)
				fail(ECONNRESET, "the ivshmem server closed the connection");
			fail(ETIMEDOUT, "ivshmem server did not finish the handshake");
		}
	}
}

int IvshmemPeer::own_eventfd(unsigned v) const noexcept
{
	return v < own_.size() ? own_[v].get() : -1;
}

int IvshmemPeer::peer_eventfd(std::uint32_t id, unsigned v) const noexcept
{
	auto it = peers_.find(id);
	if (it == peers_.end() || v >= it->second.size())
		return -1;
	return it->second[v].get();
}

std::vector<std::uint32_t> IvshmemPeer::peer_ids() const
{
	std::vector<std::uint32_t> ids;
	for (const auto &[id, fds] : peers_)
		ids.push_back(id);
	return ids;
}

IvshmemPeer::Got IvshmemPeer::read_message(Msg &m)
{
	while (got_ < sizeof(partial_)) {
		iovec iov{partial_ + got_, sizeof(partial_) - got_};
		alignas(cmsghdr) unsigned char control[CMSG_SPACE(4 * sizeof(int))];
		msghdr msg{};
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		ssize_t n = ::recvmsg(sock_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return Got::Again;
		if (n <= 0)
			return Got::Closed;
		bool first = got_ == 0;
		for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (std::size_t i = 0; i < count; i++) {
				int fd;
				std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
				// One fd per message, with its first byte; others are closed.
				if (first && !partial_fd_)
					partial_fd_.reset(fd);
				else
					::close(fd);
			}
		}
		if (msg.msg_flags & MSG_CTRUNC)
			fail(EPROTO, "fds truncated in an ivshmem server message");
		got_ += static_cast<std::size_t>(n);
	}
	std::uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u |= std::uint64_t{partial_[i]} << (8 * i);
	m.value = static_cast<std::int64_t>(u);
	m.fd = std::move(partial_fd_);
	got_ = 0;
	return Got::Message;
}

void IvshmemPeer::handle(Msg &&m, std::vector<PeerEvent> *events)
{
	switch (stage_) {
	case 0:
		if (m.value != 0)
			fail(EPROTO, "ivshmem protocol version " + std::to_string(m.value));
		stage_ = 1;
		return;
	case 1:
		if (m.value < 0 || m.value > kMaxId || m.fd)
			fail(EPROTO, "bad own id from the ivshmem server");
		own_id_ = static_cast<std::uint32_t>(m.value);
		stage_ = 2;
		return;
	case 2:
		if (m.value != -1 || !m.fd)
			fail(EPROTO, "the ivshmem server sent no shared memory");
		shm_ = std::move(m.fd);
		stage_ = 3;
		return;
	default:
		break;
	}
	if (m.value == -1)
		fail(EPROTO, "the ivshmem server sent shared memory twice");
	if (m.value < 0 || m.value > kMaxId)
		fail(EPROTO, "bad peer id " + std::to_string(m.value) + " from the ivshmem server");
	auto id = static_cast<std::uint32_t>(m.value);
	if (!m.fd) {
		if (id == own_id_)
			return;
		peers_.erase(id);
		if (events)
			events->push_back({PeerEvent::Left, id});
		return;
	}
	std::vector<UniqueFd> &fds = id == own_id_ ? own_ : peers_[id];
	if (fds.size() >= kMaxVectors)
		return; // closed with m.fd
	fds.push_back(std::move(m.fd));
	if (id != own_id_ && fds.size() == 1 && events)
		events->push_back({PeerEvent::Joined, id});
}

bool IvshmemPeer::wait_message(std::chrono::milliseconds timeout)
{
	auto until = Clock::now() + timeout;
	for (;;) {
		if (closed_)
			return false;
		Msg m;
		switch (read_message(m)) {
		case Got::Message:
			handle(std::move(m), nullptr);
			return true;
		case Got::Closed:
			closed_ = true;
			return false;
		case Got::Again:
			break;
		}
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
		if (left.count() <= 0)
			return false;
		pollfd p{sock_.get(), POLLIN, 0};
		int r = ::poll(&p, 1, static_cast<int>(left.count()));
		if (r < 0 && errno != EINTR)
			fail(errno, "poll");
	}
}

std::vector<PeerEvent> IvshmemPeer::drain()
{
	std::vector<PeerEvent> events;
	while (!closed_) {
		Msg m;
		Got g;
		try {
			g = read_message(m);
			if (g == Got::Message)
				handle(std::move(m), &events);
		} catch (const Error &) {
			g = Got::Closed; // a server that breaks the protocol is gone
		}
		if (g == Got::Again)
			break;
		if (g == Got::Closed) {
			closed_ = true;
			events.push_back({PeerEvent::Closed, 0});
		}
	}
	return events;
}

} // namespace cpc::bus
