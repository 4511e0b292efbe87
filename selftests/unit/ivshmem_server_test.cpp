// SPDX-License-Identifier: GPL-2.0
// Unit tests of cpc::ivshmem::Server (QEMU's ivshmem client-server protocol)
// and cpc::parse_size. The server runs on real UNIX sockets in a temporary
// directory; the clients are fake QEMUs that read with recvmsg/SCM_RIGHTS.
// Every receive waits with a timeout, so a broken server fails, never hangs.
#include "server.hpp"
#include "server_util.hpp"

#include <cpc/error.hpp>
#include <cpc/fd.hpp>
#include <cpc/parse.hpp>

#include <gtest/gtest.h>

#include <linux/cpc_proto.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using cpc::UniqueFd;
using cpc::ivshmem::Options;
using cpc::ivshmem::Server;
using cpc_test::Runner;
using cpc_test::TempDir;

constexpr int kTimeoutMs = 2000;
constexpr int kQuietMs = 100; // "nothing more arrives" is checked this long

struct Msg {
	std::int64_t value = 0;
	UniqueFd fd;
};

sockaddr_un unix_addr(const std::string &path)
{
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	std::memcpy(addr.sun_path, path.data(), std::min(path.size(), sizeof(addr.sun_path) - 1));
	return addr;
}

/// A fake ivshmem client (what QEMU's ivshmem-doorbell does on the socket).
class Client {
public:
	explicit Client(const std::string &path)
		: sock_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0))
	{
		sockaddr_un addr = unix_addr(path);
		if (!sock_ || ::connect(sock_.get(), reinterpret_cast<sockaddr *>(&addr),
					sizeof(addr)) < 0)
			throw cpc::Error(errno, "connect " + path);
	}

	/// The next message, or nothing if none arrives in time or the
	/// connection ends. Extra or truncated fds are test failures. Once a
	/// message was missing the stream is out of step: later calls return
	/// nothing at once, so a broken server fails a test quickly.
	std::optional<Msg> recv(int timeout_ms = kTimeoutMs)
	{
		unsigned char buf[8];
		std::size_t got = 0;
		Msg m;
		if (broken_)
			return std::nullopt;
		while (got < sizeof(buf)) {
			pollfd p{sock_.get(), POLLIN, 0};
			if (::poll(&p, 1, timeout_ms) <= 0) {
				broken_ = true;
				return std::nullopt;
			}
			iovec iov{buf + got, sizeof(buf) - got};
			alignas(cmsghdr) unsigned char control[CMSG_SPACE(4 * sizeof(int))];
			msghdr msg{};
			msg.msg_iov = &iov;
			msg.msg_iovlen = 1;
			msg.msg_control = control;
			msg.msg_controllen = sizeof(control);
			ssize_t n = ::recvmsg(sock_.get(), &msg, MSG_CMSG_CLOEXEC);
			if (n <= 0) {
				broken_ = true;
				return std::nullopt;
			}
			EXPECT_FALSE(msg.msg_flags & MSG_CTRUNC);
			for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
				if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
					continue;
				std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (std::size_t i = 0; i < count; i++) {
					int fd;
					std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
					if (m.fd)
						ADD_FAILURE() << "more than one fd with one message";
					if (got > 0 || m.fd)
						::close(fd);
					else
						m.fd.reset(fd);
				}
			}
			got += static_cast<std::size_t>(n);
		}
		std::uint64_t u = 0;
		for (int i = 0; i < 8; i++)
			u |= std::uint64_t{buf[i]} << (8 * i);
		m.value = static_cast<std::int64_t>(u);
		return m;
	}

	/// True if the server closed the connection (within the timeout)
	/// without sending anything first.
	bool closed_by_server(int timeout_ms = kTimeoutMs)
	{
		pollfd p{sock_.get(), POLLIN, 0};
		if (::poll(&p, 1, timeout_ms) <= 0)
			return false;
		char c;
		return ::recv(sock_.get(), &c, 1, MSG_DONTWAIT) == 0;
	}

	/// True if nothing (message or end of connection) arrives for a while.
	bool quiet(int timeout_ms = kQuietMs)
	{
		pollfd p{sock_.get(), POLLIN, 0};
		return ::poll(&p, 1, timeout_ms) == 0;
	}

	int fd() const { return sock_.get(); }
	void close() { sock_.reset(); }

private:
	UniqueFd sock_;
	bool broken_ = false;
};

/// Expects the next message to be `value` with an fd; returns the fd.
UniqueFd expect_fd(Client &c, std::int64_t value)
{
	std::optional<Msg> m = c.recv();
	if (!m) {
		ADD_FAILURE() << "expected message " << value << " with fd, got nothing";
		return {};
	}
	EXPECT_EQ(m->value, value);
	EXPECT_TRUE(m->fd) << "message " << m->value << " came without fd";
	return std::move(m->fd);
}

/// Expects the next message to be `value` without fd.
void expect_plain(Client &c, std::int64_t value)
{
	std::optional<Msg> m = c.recv();
	if (!m) {
		ADD_FAILURE() << "expected message " << value << " without fd, got nothing";
		return;
	}
	EXPECT_EQ(m->value, value);
	EXPECT_FALSE(m->fd) << "message " << m->value << " came with an fd";
}

/// What a client learns when it connects.
struct Handshake {
	std::int64_t id = -1;
	UniqueFd shm;
	std::map<std::int64_t, std::vector<UniqueFd>> peers; // peer id -> fds per vector
	std::vector<UniqueFd> own;
};

/// Reads a full handshake: version, id, shm, then `peers` (in order, each
/// `vectors` times), then its own id `vectors` times.
Handshake read_handshake(Client &c, std::int64_t id, const std::vector<std::int64_t> &peers,
			 unsigned vectors)
{
	Handshake h;
	expect_plain(c, 0);
	expect_plain(c, id);
	h.id = id;
	h.shm = expect_fd(c, -1);
	for (std::int64_t peer : peers)
		for (unsigned v = 0; v < vectors; v++)
			h.peers[peer].push_back(expect_fd(c, peer));
	for (unsigned v = 0; v < vectors; v++)
		h.own.push_back(expect_fd(c, id));
	return h;
}

std::vector<UniqueFd> expect_join(Client &c, std::int64_t id, unsigned vectors)
{
	std::vector<UniqueFd> fds;
	for (unsigned v = 0; v < vectors; v++)
		fds.push_back(expect_fd(c, id));
	return fds;
}

bool is_eventfd(int fd)
{
	char target[64] = {};
	std::string link = "/proc/self/fd/" + std::to_string(fd);
	ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
	return n > 0 && std::string(target, static_cast<std::size_t>(n)) == "anon_inode:[eventfd]";
}

bool readable(int fd, int timeout_ms)
{
	pollfd p{fd, POLLIN, 0};
	return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

std::uint64_t file_size(int fd)
{
	struct stat st{};
	EXPECT_EQ(::fstat(fd, &st), 0);
	return static_cast<std::uint64_t>(st.st_size);
}

/// Handles server events until none arrive for 20 ms.
void pump(Server &s)
{
	for (int i = 0; i < 10000 && s.run_once(20) > 0; i++) {
	}
}

/// A shared mapping that unmaps itself.
class Mapping {
public:
	Mapping(int fd, std::size_t size) : size_(size)
	{
		void *p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			throw cpc::Error(errno, "mmap");
		p_ = static_cast<char *>(p);
	}
	Mapping(const Mapping &) = delete;
	Mapping &operator=(const Mapping &) = delete;
	~Mapping() { ::munmap(p_, size_); }
	char *data() const { return p_; }

private:
	char *p_ = nullptr;
	std::size_t size_;
};

class IvshmemServerTest : public ::testing::Test {
protected:
	Options options(unsigned vectors = 2, std::uint64_t size = 1 << 20)
	{
		Options o;
		o.socket_path = sock;
		o.size = size;
		o.vectors = vectors;
		o.verbose = true;
		o.log = [this](std::string_view line) { log.emplace_back(line); };
		return o;
	}

	bool logged(const std::string &needle) const
	{
		for (const std::string &line : log)
			if (line.find(needle) != std::string::npos)
				return true;
		return false;
	}

	TempDir dir;
	std::string sock = dir.path + "/ivshmem.sock";
	std::vector<std::string> log;
};

// ---------------------------------------------------------------- parse_size

TEST(ParseSize, AcceptsUtilLinuxForms)
{
	EXPECT_EQ(cpc::parse_size("0"), 0u);
	EXPECT_EQ(cpc::parse_size("4096"), 4096u);
	EXPECT_EQ(cpc::parse_size("4K"), 4096u);
	EXPECT_EQ(cpc::parse_size("4k"), 4096u);
	EXPECT_EQ(cpc::parse_size("4KiB"), 4096u);
	EXPECT_EQ(cpc::parse_size("4KB"), 4000u);
	EXPECT_EQ(cpc::parse_size("16M"), 16u << 20);
	EXPECT_EQ(cpc::parse_size("16MiB"), 16u << 20);
	EXPECT_EQ(cpc::parse_size("2MB"), 2000000u);
	EXPECT_EQ(cpc::parse_size("1G"), 1u << 30);
	EXPECT_EQ(cpc::parse_size("1g"), 1u << 30);
	EXPECT_EQ(cpc::parse_size("3T"), 3ull << 40);
	EXPECT_EQ(cpc::parse_size("1P"), 1ull << 50);
	EXPECT_EQ(cpc::parse_size("15E"), 15ull << 60);
	EXPECT_EQ(cpc::parse_size("1.5K"), 1536u);
	EXPECT_EQ(cpc::parse_size("0.5M"), 512u << 10);
	EXPECT_EQ(cpc::parse_size("18446744073709551615"), UINT64_MAX);
}

TEST(ParseSize, RejectsGarbage)
{
	for (const char *bad : {"", " 4K", "4K ", "-1", "+1", "K", "4X", "4MiBx", "4MM", "1.5",
				"1.K", ".5K", "0x10", "4 M", "abc"}) {
		try {
			cpc::parse_size(bad);
			ADD_FAILURE() << "'" << bad << "' was accepted";
		} catch (const cpc::Error &e) {
			EXPECT_EQ(e.errnum(), EINVAL) << bad;
			EXPECT_NE(std::string(e.what()).find("invalid size"), std::string::npos)
				<< e.what();
		}
	}
}

TEST(ParseSize, RejectsOverflow)
{
	for (const char *big : {"18446744073709551616", "16E", "1Z", "1Y", "99999999999999999999K"}) {
		try {
			cpc::parse_size(big);
			ADD_FAILURE() << "'" << big << "' was accepted";
		} catch (const cpc::Error &e) {
			EXPECT_EQ(e.errnum(), ERANGE) << big;
		}
	}
}

// ---------------------------------------------------------------- protocol

TEST_F(IvshmemServerTest, FirstClientHandshake)
{
	Server server(options(2, 1 << 20));
	Client c(sock);
	pump(server);

	expect_plain(c, 0); // protocol version
	expect_plain(c, 0); // first client gets id 0
	UniqueFd shm = expect_fd(c, -1);
	UniqueFd v0 = expect_fd(c, 0);
	UniqueFd v1 = expect_fd(c, 0);
	EXPECT_TRUE(c.quiet()) << "more messages than the handshake";

	ASSERT_TRUE(shm);
	EXPECT_EQ(file_size(shm.get()), 1u << 20);
	ASSERT_TRUE(v0 && v1);
	EXPECT_TRUE(is_eventfd(v0.get()));
	EXPECT_TRUE(is_eventfd(v1.get()));
	// Like QEMU's server: non-blocking eventfds.
	EXPECT_TRUE(::fcntl(v0.get(), F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(server.peer_count(), 1u);
	EXPECT_TRUE(logged("peer 0 joined"));
}

TEST_F(IvshmemServerTest, SharedMemoryIsSharedBetweenClients)
{
	Server server(options(1, 64 << 10));
	Client a(sock);
	pump(server);
	Handshake ha = read_handshake(a, 0, {}, 1);
	Client b(sock);
	pump(server);
	Handshake hb = read_handshake(b, 1, {0}, 1);
	ASSERT_TRUE(ha.shm && hb.shm);

	Mapping ma(ha.shm.get(), 64 << 10), mb(hb.shm.get(), 64 << 10);
	std::strcpy(ma.data() + 4096, "written by client a");
	EXPECT_STREQ(mb.data() + 4096, "written by client a");
	mb.data()[(64 << 10) - 1] = 'z';
	EXPECT_EQ(ma.data()[(64 << 10) - 1], 'z');
	Mapping ms(server.shm_fd(), 64 << 10);
	EXPECT_STREQ(ms.data() + 4096, "written by client a");

	// The memfd is sealed: no client can pull the memory from under others.
	EXPECT_NE(::ftruncate(hb.shm.get(), 4096), 0);
	EXPECT_NE(::ftruncate(hb.shm.get(), 1 << 20), 0);
	EXPECT_EQ(file_size(ha.shm.get()), 64u << 10);
}

TEST_F(IvshmemServerTest, RegionIsTaggedAsACpcBus)
{
	Server server(options(1, 64 << 10));
	Client a(sock);
	pump(server);
	Handshake ha = read_handshake(a, 0, {}, 1);
	ASSERT_TRUE(ha.shm);
	Mapping m(ha.shm.get(), 64 << 10);
	cpc_bus_tag tag{};
	std::memcpy(&tag, m.data() + CPC_BUS_TAG_OFFSET, sizeof(tag));
	EXPECT_EQ(CPC_BUS_TAG_MAGIC, tag.magic);
	EXPECT_EQ(static_cast<std::uint32_t>(CPC_BUS_TAG_VERSION), tag.version);
	EXPECT_EQ(0u, tag.flags);
	EXPECT_EQ(64u << 10, tag.region_size);
	/* The protocol's header never reaches it. */
	EXPECT_LE(sizeof(cpc_shm_header), CPC_BUS_TAG_OFFSET);
}

TEST_F(IvshmemServerTest, PlainRegionIsNotTagged)
{
	auto o = options(1, 64 << 10);
	o.plain = true;
	Server server(o);
	Client a(sock);
	pump(server);
	Handshake ha = read_handshake(a, 0, {}, 1);
	ASSERT_TRUE(ha.shm);
	Mapping m(ha.shm.get(), 64 << 10);
	for (std::size_t i = 0; i < (64u << 10); i++)
		ASSERT_EQ(0, m.data()[i]) << "byte " << i;
}

TEST_F(IvshmemServerTest, SecondClientSeesFirstAndFirstIsToldOfJoinAndLeave)
{
	Server server(options(2));
	Client a(sock);
	pump(server);
	Handshake ha = read_handshake(a, 0, {}, 2);

	Client b(sock);
	pump(server);
	// b: version, id 1, shm, peer 0 x 2 vectors, own id 1 x 2 vectors.
	expect_plain(b, 0);
	expect_plain(b, 1);
	UniqueFd shm = expect_fd(b, -1);
	UniqueFd p0v0 = expect_fd(b, 0), p0v1 = expect_fd(b, 0);
	UniqueFd own0 = expect_fd(b, 1), own1 = expect_fd(b, 1);
	EXPECT_TRUE(b.quiet());
	EXPECT_TRUE(is_eventfd(p0v0.get()) && is_eventfd(p0v1.get()));

	// a: peer 1 joined, once per vector, each with an fd; nothing else.
	std::vector<UniqueFd> p1 = expect_join(a, 1, 2);
	EXPECT_TRUE(a.quiet());
	EXPECT_EQ(server.peer_count(), 2u);

	// b leaves: a gets id 1 without fd, once.
	b.close();
	pump(server);
	expect_plain(a, 1);
	EXPECT_TRUE(a.quiet());
	EXPECT_EQ(server.peer_count(), 1u);
	EXPECT_TRUE(logged("peer 1 left"));
}

TEST_F(IvshmemServerTest, EventfdsReallyConnectThePeers)
{
	constexpr unsigned kVectors = 3;
	Server server(options(kVectors));
	Client a(sock);
	pump(server);
	Handshake ha = read_handshake(a, 0, {}, kVectors);
	Client b(sock);
	pump(server);
	Handshake hb = read_handshake(b, 1, {0}, kVectors);
	std::vector<UniqueFd> a_to_b = expect_join(a, 1, kVectors);

	for (unsigned v = 0; v < kVectors; v++) {
		SCOPED_TRACE("vector " + std::to_string(v));
		// b rings a's vector v: only a's own vector v fires.
		const std::uint64_t one = 1;
		ASSERT_EQ(::write(hb.peers[0][v].get(), &one, sizeof(one)), 8);
		for (unsigned w = 0; w < kVectors; w++)
			EXPECT_EQ(readable(ha.own[w].get(), w == v ? kTimeoutMs : 0), w == v) << w;
		std::uint64_t got = 0;
		ASSERT_EQ(::read(ha.own[v].get(), &got, sizeof(got)), 8);
		EXPECT_EQ(got, 1u);

		// a rings b's vector v.
		const std::uint64_t two = 2;
		ASSERT_EQ(::write(a_to_b[v].get(), &two, sizeof(two)), 8);
		for (unsigned w = 0; w < kVectors; w++)
			EXPECT_EQ(readable(hb.own[w].get(), w == v ? kTimeoutMs : 0), w == v) << w;
		ASSERT_EQ(::read(hb.own[v].get(), &got, sizeof(got)), 8);
		EXPECT_EQ(got, 2u);
	}
}

// A departed peer's id is not given again until every other id was: QEMU's
// ivshmem device writes into the freed eventfd array of a peer id that
// joins again (close_peer_eventfds() in hw/misc/ivshmem.c), which crashed
// a guest's QEMU when a host end came and went (testbed --local).
TEST_F(IvshmemServerTest, IdsComeBackOnlyAfterEveryOther)
{
	Options o = options(1);
	o.max_peers = 4;
	Server server(o);
	Client a(sock), b(sock), c(sock);
	pump(server);
	// Accepted in connection order: ids 0, 1, 2.
	Handshake ha = read_handshake(a, 0, {}, 1);
	Handshake hb = read_handshake(b, 1, {0}, 1);
	Handshake hc = read_handshake(c, 2, {0, 1}, 1);
	expect_join(a, 1, 1);
	expect_join(a, 2, 1);
	expect_join(b, 2, 1);

	b.close();
	pump(server);
	expect_plain(a, 1);
	expect_plain(c, 1);

	// Not 1 again: the next one, then around to the free one.
	Client d(sock);
	pump(server);
	Handshake hd = read_handshake(d, 3, {0, 2}, 1);
	expect_join(a, 3, 1);
	expect_join(c, 3, 1);
	Client e(sock);
	pump(server);
	Handshake he = read_handshake(e, 1, {0, 2, 3}, 1);
	expect_join(a, 1, 1);
	expect_join(c, 1, 1);
	expect_join(d, 1, 1);
	EXPECT_TRUE(a.quiet() && c.quiet() && d.quiet() && e.quiet());
	EXPECT_EQ(server.peer_ids(), (std::vector<std::uint16_t>{0, 1, 2, 3}));
}

TEST_F(IvshmemServerTest, ClientThatSendsDataIsDropped)
{
	Server server(options(1));
	Client a(sock);
	pump(server);
	Handshake ha = read_handshake(a, 0, {}, 1);
	Client b(sock);
	pump(server);
	Handshake hb = read_handshake(b, 1, {0}, 1);
	expect_join(a, 1, 1);

	ASSERT_EQ(::send(b.fd(), "x", 1, MSG_NOSIGNAL), 1);
	pump(server);
	expect_plain(a, 1);
	EXPECT_TRUE(b.closed_by_server());
	EXPECT_EQ(server.peer_count(), 1u);
}

TEST_F(IvshmemServerTest, FailedSendDropsOnlyThatPeer)
{
	Server server(options(2));
	Client a(sock);
	pump(server);
	Handshake ha = read_handshake(a, 0, {}, 2);
	Client b(sock);
	pump(server);
	Handshake hb = read_handshake(b, 1, {0}, 2);
	expect_join(a, 1, 2);

	// b stops receiving without closing: the next send to it fails (EPIPE).
	ASSERT_EQ(::shutdown(b.fd(), SHUT_RD), 0);
	Client c(sock);
	pump(server);

	// c learned of b and then of its leaving; a likewise; the server lives.
	Handshake hc = read_handshake(c, 2, {0, 1}, 2);
	expect_plain(c, 1);
	expect_join(a, 2, 2);
	expect_plain(a, 1);
	EXPECT_TRUE(a.quiet() && c.quiet());
	EXPECT_EQ(server.peer_ids(), (std::vector<std::uint16_t>{0, 2}));
	EXPECT_TRUE(logged("peer 1 left: closed the connection (send: Broken pipe)"));
}

TEST_F(IvshmemServerTest, ClientsBeyondThePeerLimitAreRefused)
{
	Options o = options(1);
	o.max_peers = 2;
	Server server(o);
	Client a(sock), b(sock);
	pump(server);
	Handshake ha = read_handshake(a, 0, {}, 1);
	Handshake hb = read_handshake(b, 1, {0}, 1);
	expect_join(a, 1, 1);

	Client c(sock);
	pump(server);
	EXPECT_TRUE(c.closed_by_server());
	EXPECT_TRUE(a.quiet() && b.quiet());
	EXPECT_EQ(server.peer_count(), 2u);

	b.close();
	pump(server);
	expect_plain(a, 1);
	Client d(sock);
	pump(server);
	Handshake hd = read_handshake(d, 1, {0}, 1);
}

TEST_F(IvshmemServerTest, SlowReaderIsQueuedNotDroppedAndServerDoesNotBlock)
{
	// a reads nothing while 40 clients come and go, far more messages (and
	// fds) than a socket buffer holds; the others must still be served,
	// and a must then get everything, in order.
	constexpr unsigned kVectors = 64;
	constexpr int kRounds = 40;
	Server server(options(kVectors));
	Client a(sock);
	pump(server);
	for (int round = 0; round < kRounds; round++) {
		SCOPED_TRACE("round " + std::to_string(round));
		Client x(sock);
		pump(server);
		Handshake hx = read_handshake(x, 1 + round, {0}, kVectors);
		ASSERT_FALSE(::testing::Test::HasFailure());
		x.close();
		pump(server);
	}
	EXPECT_EQ(server.peer_count(), 1u);
	EXPECT_TRUE(logged("peer 0 is not reading yet")); // the queue was used

	Runner runner(server); // the loop now sends the rest as a reads
	Handshake ha = read_handshake(a, 0, {}, kVectors);
	for (int round = 0; round < kRounds && !::testing::Test::HasFailure(); round++) {
		SCOPED_TRACE("round " + std::to_string(round));
		expect_join(a, 1 + round, kVectors);
		expect_plain(a, 1 + round);
	}
	EXPECT_TRUE(a.quiet());
}

TEST_F(IvshmemServerTest, RunUntilStoppedServesClientsAndStops)
{
	Server server(options(2));
	Client a(sock);
	{
		Runner runner(server);
		Handshake ha = read_handshake(a, 0, {}, 2);
		Client b(sock);
		Handshake hb = read_handshake(b, 1, {0}, 2);
		expect_join(a, 1, 2);
		b.close();
		expect_plain(a, 1);
		runner.stop();
	}
	// The loop can be run again after a stop.
	Runner runner(server);
	Client c(sock);
	Handshake hc = read_handshake(c, 2, {0}, 2);
	expect_join(a, 2, 2);
}

// ---------------------------------------------------------------- setup

TEST_F(IvshmemServerTest, StaleSocketFileIsReplaced)
{
	{
		UniqueFd s(::socket(AF_UNIX, SOCK_STREAM, 0));
		sockaddr_un addr = unix_addr(sock);
		ASSERT_EQ(::bind(s.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
	} // closed without unlink: a dead server's leftover
	ASSERT_TRUE(std::filesystem::exists(sock));

	Server server(options(1));
	EXPECT_TRUE(logged("removed stale socket"));
	Client a(sock);
	pump(server);
	Handshake ha = read_handshake(a, 0, {}, 1);
}

TEST_F(IvshmemServerTest, BusySocketIsRefused)
{
	Server first(options(1));
	try {
		Server second(options(1));
		ADD_FAILURE() << "a second server started on a busy socket";
	} catch (const cpc::Error &e) {
		EXPECT_EQ(e.errnum(), EADDRINUSE);
		EXPECT_NE(std::string(e.what()).find(sock), std::string::npos) << e.what();
		EXPECT_NE(std::string(e.what()).find("another server is listening"),
			  std::string::npos)
			<< e.what();
	}
	// The first server's socket survived the attempt. The probe that found
	// it alive was a real connection: the first server sees a client (id
	// 0) come and go at once.
	ASSERT_TRUE(std::filesystem::exists(sock));
	pump(first);
	EXPECT_EQ(first.peer_count(), 0u);
	Client a(sock);
	pump(first);
	Handshake ha = read_handshake(a, 1, {}, 1);
}

TEST_F(IvshmemServerTest, OtherFileIsNotReplaced)
{
	std::ofstream(sock) << "precious";
	try {
		Server server(options(1));
		ADD_FAILURE() << "a regular file was replaced";
	} catch (const cpc::Error &e) {
		EXPECT_EQ(e.errnum(), EEXIST);
		EXPECT_NE(std::string(e.what()).find("not a socket"), std::string::npos) << e.what();
	}
	std::ifstream in(sock);
	std::string text;
	in >> text;
	EXPECT_EQ(text, "precious");
}

TEST_F(IvshmemServerTest, BadSocketPathsAreRefused)
{
	Options o = options(1);
	o.socket_path = dir.path + "/missing/dir/ivshmem.sock";
	try {
		Server server(o);
		ADD_FAILURE() << "socket in a missing directory";
	} catch (const cpc::Error &e) {
		EXPECT_EQ(e.errnum(), ENOENT);
		EXPECT_EQ(std::string(e.what()).rfind("socket " + o.socket_path + ": ", 0), 0u)
			<< e.what();
	}

	o.socket_path = dir.path + "/" + std::string(200, 's');
	try {
		Server server(o);
		ADD_FAILURE() << "socket path longer than sun_path";
	} catch (const cpc::Error &e) {
		EXPECT_EQ(e.errnum(), ENAMETOOLONG);
	}

	o.socket_path.clear();
	EXPECT_THROW(Server{o}, cpc::Error);
}

TEST_F(IvshmemServerTest, InvalidOptionsAreRefused)
{
	auto errnum_of = [](const Options &o) {
		try {
			Server server(o);
		} catch (const cpc::Error &e) {
			return e.errnum();
		}
		return 0;
	};
	Options o = options(1);
	o.size = 0;
	EXPECT_EQ(errnum_of(o), EINVAL);
	o = options(0);
	EXPECT_EQ(errnum_of(o), EINVAL);
	o = options(cpc::ivshmem::kMaxVectors + 1);
	EXPECT_EQ(errnum_of(o), EINVAL);
	o = options(1);
	o.max_peers = 0;
	EXPECT_EQ(errnum_of(o), EINVAL);
	o = options(1);
	o.size = UINT64_MAX;
	EXPECT_EQ(errnum_of(o), ERANGE);
	EXPECT_FALSE(std::filesystem::exists(sock)); // nothing left behind
}

TEST_F(IvshmemServerTest, SizeIsRoundedUpToAPowerOfTwo)
{
	{
		Server server(options(1, 5000));
		EXPECT_EQ(server.size(), 8192u);
		EXPECT_EQ(file_size(server.shm_fd()), 8192u);
	}
	{
		Server server(options(1, 1));
		EXPECT_EQ(server.size(), static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)));
	}
	Server server(options(1, 16 << 20));
	EXPECT_EQ(server.size(), 16u << 20);
}

TEST_F(IvshmemServerTest, SocketIsRemovedOnDestructionOnlyIfStillOurs)
{
	{
		Server server(options(1));
		EXPECT_TRUE(std::filesystem::exists(sock));
	}
	EXPECT_FALSE(std::filesystem::exists(sock));

	{
		Server server(options(1));
		// Someone replaces the socket file while the server runs.
		ASSERT_EQ(::unlink(sock.c_str()), 0);
		std::ofstream(sock) << "not yours";
	}
	EXPECT_TRUE(std::filesystem::exists(sock));
}

TEST_F(IvshmemServerTest, NamedSharedMemory)
{
	const std::string name = "/cpc-ivsh-test-" + std::to_string(::getpid());
	Options o = options(1, 1 << 20);
	o.shm_name = name.substr(1); // the leading slash is optional
	{
		Server server(o);
		Client a(sock);
		pump(server);
		Handshake ha = read_handshake(a, 0, {}, 1);
		ASSERT_TRUE(ha.shm);
		Mapping m(ha.shm.get(), 1 << 20);
		std::strcpy(m.data(), "named");

		UniqueFd byname(::shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0));
		ASSERT_TRUE(byname);
		EXPECT_EQ(file_size(byname.get()), 1u << 20);
		Mapping n(byname.get(), 1 << 20);
		EXPECT_STREQ(n.data(), "named");
	}
	EXPECT_EQ(::shm_unlink(name.c_str()), 0);
}

} // namespace
