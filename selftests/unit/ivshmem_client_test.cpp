// SPDX-License-Identifier: GPL-2.0
// cpc::bus::IvshmemPeer, the client half of the ivshmem server protocol,
// against the real cpc::ivshmem::Server in-process and against fake
// servers that break the protocol.
#include <gtest/gtest.h>

#include "bus/ivshmem_client.hpp"
#include "server_util.hpp"
#include "test_util.hpp"

#include <cpc/fd.hpp>

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <thread>

namespace {

using cpc::bus::IvshmemPeer;
using cpc::bus::PeerEvent;
using namespace std::chrono_literals;

cpc::ivshmem::Options opts(const std::string &sock, unsigned vectors = 2)
{
	cpc::ivshmem::Options o;
	o.socket_path = sock;
	o.size = 1 << 20;
	o.vectors = vectors;
	o.log = [](std::string_view) {};
	return o;
}

/// Drains @p until @pred holds or 2 s pass.
template <class P> std::vector<PeerEvent> drain_until(IvshmemPeer &p, P pred)
{
	std::vector<PeerEvent> all;
	for (int i = 0; i < 200 && !pred(all); i++) {
		pollfd f{p.socket_fd(), POLLIN, 0};
		::poll(&f, 1, 10);
		auto ev = p.drain();
		all.insert(all.end(), ev.begin(), ev.end());
	}
	return all;
}

TEST(IvshmemClient, JoinsAndLearnsThePeers)
{
	cpc_test::TempDir d;
	auto s = std::make_unique<cpc::ivshmem::Server>(opts(d.path + "/s.sock", 3));
	auto run = std::make_unique<cpc_test::Runner>(*s);
	IvshmemPeer a(d.path + "/s.sock", 2000ms);
	EXPECT_EQ(0u, a.own_id());
	EXPECT_GE(a.shm_fd(), 0);
	struct stat st;
	ASSERT_EQ(0, ::fstat(a.shm_fd(), &st));
	EXPECT_EQ(1 << 20, st.st_size);
	EXPECT_TRUE(a.peer_ids().empty());
	EXPECT_GE(a.own_eventfd(0), 0);

	IvshmemPeer b(d.path + "/s.sock", 2000ms);
	EXPECT_EQ(1u, b.own_id());
	// b knew a before its own vectors: every vector of a is there.
	EXPECT_EQ(std::vector<std::uint32_t>{0}, b.peer_ids());
	for (unsigned v = 0; v < 3; v++)
		EXPECT_GE(b.peer_eventfd(0, v), 0) << v;
	EXPECT_EQ(-1, b.peer_eventfd(0, 3));
	EXPECT_EQ(-1, b.peer_eventfd(7, 0));
	// a hears of b.
	auto ev = drain_until(a, [&](auto &) { return a.peer_eventfd(1, 2) >= 0; });
	ASSERT_FALSE(ev.empty());
	EXPECT_EQ(PeerEvent::Joined, ev[0].kind);
	EXPECT_EQ(1u, ev[0].id);
	// A doorbell: a writes b's vector 1, b's own vector 1 fires.
	drain_until(b, [&](auto &) { return b.own_vectors() == 3; });
	std::uint64_t one = 1, got = 0;
	ASSERT_EQ(8, ::write(a.peer_eventfd(1, 1), &one, 8));
	ASSERT_EQ(8, ::read(b.own_eventfd(1), &got, 8));
	EXPECT_EQ(1u, got);

	// b leaves: a hears it and forgets b's fds.
	{
		IvshmemPeer c(d.path + "/s.sock", 2000ms);
		EXPECT_EQ(2u, c.own_id());
	}
	ev = drain_until(a, [](auto &e) {
		for (auto &x : e)
			if (x.kind == PeerEvent::Left)
				return true;
		return false;
	});
	bool left = false;
	for (auto &x : ev)
		left |= x.kind == PeerEvent::Left && x.id == 2;
	EXPECT_TRUE(left);
	EXPECT_EQ(-1, a.peer_eventfd(2, 0));

	// The server goes: Closed, once.
	run.reset();
	s.reset();
	ev = drain_until(a, [](auto &e) { return !e.empty() && e.back().kind == PeerEvent::Closed; });
	ASSERT_FALSE(ev.empty());
	EXPECT_EQ(PeerEvent::Closed, ev.back().kind);
	EXPECT_TRUE(a.closed());
	EXPECT_TRUE(a.drain().empty());
}

TEST(IvshmemClient, ConnectErrors)
{
	cpc_test::TempDir d;
	EXPECT_EQ(ENOENT, cpc_test::errno_of([&] { IvshmemPeer(d.path + "/none.sock", 100ms); }));
	EXPECT_EQ(ENAMETOOLONG, cpc_test::errno_of([&] { IvshmemPeer(std::string(200, 'x'), 100ms); }));
	try {
		IvshmemPeer(d.path + "/none.sock", 100ms, "bus:x");
		FAIL();
	} catch (const cpc::Error &e) {
		EXPECT_EQ(std::string("bus:x: connect: No such file or directory"), e.what());
	}
}

/// A fake server: accepts one client and sends @msgs (value, with an fd?).
class FakeServer {
public:
	FakeServer(const std::string &path, std::vector<std::pair<std::int64_t, bool>> msgs)
		: path_(path), msgs_(std::move(msgs))
	{
		fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
		sockaddr_un a{};
		a.sun_family = AF_UNIX;
		std::strcpy(a.sun_path, path.c_str());
		if (::bind(fd_.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)) < 0 ||
		    ::listen(fd_.get(), 1) < 0)
			throw cpc::Error(errno, "fake server");
		t_ = std::thread([this] { serve(); });
	}
	~FakeServer()
	{
		t_.join();
		::unlink(path_.c_str());
	}

private:
	void serve()
	{
		cpc::UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
		cpc::UniqueFd memfd(::memfd_create("fake", MFD_CLOEXEC));
		for (auto [v, with_fd] : msgs_) {
			unsigned char buf[8];
			for (int i = 0; i < 8; i++)
				buf[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(v) >> (8 * i));
			iovec iov{buf, 8};
			alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int))] = {};
			msghdr m{};
			m.msg_iov = &iov;
			m.msg_iovlen = 1;
			if (with_fd) {
				m.msg_control = control;
				m.msg_controllen = sizeof(control);
				cmsghdr *h = CMSG_FIRSTHDR(&m);
				h->cmsg_level = SOL_SOCKET;
				h->cmsg_type = SCM_RIGHTS;
				h->cmsg_len = CMSG_LEN(sizeof(int));
				int f = memfd.get();
				std::memcpy(CMSG_DATA(h), &f, sizeof(f));
			}
			(void)!::sendmsg(c.get(), &m, MSG_NOSIGNAL);
		}
		// Hold the connection until the client gives up.
		pollfd p{c.get(), POLLIN, 0};
		::poll(&p, 1, 1500);
	}

	std::string path_;
	cpc::UniqueFd fd_;
	std::vector<std::pair<std::int64_t, bool>> msgs_;
	std::thread t_;
};

TEST(IvshmemClient, RejectsABrokenServer)
{
	cpc_test::TempDir d;
	const std::string p = d.path + "/f.sock";
	struct Case {
		const char *what;
		std::vector<std::pair<std::int64_t, bool>> msgs;
		int err;
	} cases[] = {
		{"bad version", {{1, false}}, EPROTO},
		{"no shared memory", {{0, false}, {3, false}, {-1, false}}, EPROTO},
		{"shared memory twice", {{0, false}, {3, false}, {-1, true}, {-1, true}}, EPROTO},
		{"bad id", {{0, false}, {70000, false}}, EPROTO},
		{"silent after shm", {{0, false}, {3, false}, {-1, true}}, ETIMEDOUT},
		{"silent", {}, ETIMEDOUT},
	};
	for (const auto &c : cases) {
		// Only the silent servers wait out the time-out; the others get a
		// long one, so a busy machine's slow fake server is no failure.
		auto t = c.err == ETIMEDOUT ? 300ms : 5000ms;
		FakeServer f(p, c.msgs);
		EXPECT_EQ(c.err, cpc_test::errno_of([&] { IvshmemPeer(p, t); })) << c.what;
	}
	// A complete handshake by hand works.
	FakeServer f(p, {{0, false}, {3, false}, {-1, true}, {3, true}});
	IvshmemPeer ok(p, 1000ms);
	EXPECT_EQ(3u, ok.own_id());
}

} // namespace
