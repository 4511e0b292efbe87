// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::ivshmem::Server: QEMU's ivshmem client-server protocol over an epoll
// loop. See server.hpp for the message sequence.
#include "server.hpp"

#include <cpc/error.hpp>
#include <cpc/fd.hpp>

#include <endian.h>
#include <fcntl.h>
#include <linux/cpc_proto.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

namespace cpc::ivshmem {

namespace {

constexpr std::uint64_t kListenKey = 0;
constexpr std::uint64_t kWakeKey = 1;
constexpr std::uint64_t kFirstPeerKey = 2;
constexpr int kMaxEvents = 64;
constexpr int kMaxAcceptsPerEvent = 16;

using SharedFd = std::shared_ptr<const UniqueFd>;

SharedFd share(int fd)
{
	return std::make_shared<const UniqueFd>(fd);
}

std::string errstr(int err)
{
	return std::generic_category().message(err);
}

void log_to_stderr(std::string_view line)
{
	// One write per line, so lines of concurrent writers do not mix.
	std::string s = "cpc-ivshmem-server: ";
	s += line;
	s += '\n';
	const char *p = s.data();
	std::size_t left = s.size();
	while (left > 0) {
		ssize_t n = ::write(STDERR_FILENO, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		left -= static_cast<std::size_t>(n);
	}
}

/// Size of the region: the next power of two, at least one page.
std::uint64_t region_size(std::uint64_t requested)
{
	if (requested == 0)
		throw Error(EINVAL, "invalid size 0");
	if (requested > (std::uint64_t{1} << 62))
		throw Error(ERANGE, "size " + std::to_string(requested) + " is too large");
	long page = ::sysconf(_SC_PAGESIZE);
	std::uint64_t size = page > 0 ? static_cast<std::uint64_t>(page) : 4096;
	while (size < requested)
		size <<= 1;
	return size;
}

/// Unlinks the socket file on destruction if it is still the one we bound
/// (not a file someone else put there since).
class SocketFile {
public:
	SocketFile() = default;
	SocketFile(const SocketFile &) = delete;
	SocketFile &operator=(const SocketFile &) = delete;
	~SocketFile()
	{
		struct stat st;
		if (armed_ && ::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ &&
		    st.st_ino == ino_)
			::unlink(path_.c_str());
	}
	void arm(const std::string &path, dev_t dev, ino_t ino)
	{
		path_ = path;
		dev_ = dev;
		ino_ = ino;
		armed_ = true;
	}

private:
	std::string path_;
	dev_t dev_ = 0;
	ino_t ino_ = 0;
	bool armed_ = false;
};

} // namespace

struct Server::Impl {
	struct Message {
		std::int64_t value;
		SharedFd fd; // may be empty
		std::size_t sent = 0; // bytes of the 8 already sent
	};

	struct Peer {
		std::uint16_t id = 0;
		std::uint64_t key = 0; // epoll key, never reused
		UniqueFd sock;
		std::vector<SharedFd> vectors;
		std::deque<Message> out;
		bool want_out = false; // EPOLLOUT requested
		bool dead = false; // waiting in doomed
		bool error = false; // left because of an error
		std::string why;
	};

	Options opts;
	std::uint64_t size = 0;
	std::size_t max_queue = 0;
	SharedFd shm;
	UniqueFd epoll;
	UniqueFd wake;
	UniqueFd spare; // given up when accept() runs out of fds
	SocketFile socket_file;
	UniqueFd listen;
	std::map<std::uint16_t, std::unique_ptr<Peer>> peers;
	std::unordered_map<std::uint64_t, Peer *> by_key;
	std::vector<std::uint64_t> doomed;
	std::uint64_t next_key = kFirstPeerKey;
	std::uint32_t next_id = 0; // where the search for a free id starts
	std::atomic<bool> stop_requested{false};

	explicit Impl(Options o);

	void note(const std::string &line) const
	{
		if (opts.verbose)
			opts.log(line);
	}
	void warn(const std::string &line) const { opts.log(line); }

	UniqueFd make_shm() const;
	UniqueFd bind_and_listen();
	void watch(int fd, std::uint64_t key, std::uint32_t events);

	int run_once(int timeout_ms);
	void handle(const epoll_event &ev);
	void accept_clients();
	void add_peer(UniqueFd sock);
	std::optional<std::uint16_t> free_id();
	void read_client(Peer &p);
	void enqueue(Peer &p, std::int64_t value, SharedFd fd = {});
	void flush(Peer &p);
	void set_want_out(Peer &p, bool on);
	void kill(Peer &p, std::string why, bool error);
	void reap();
};

Server::Impl::Impl(Options o) : opts(std::move(o))
{
	if (!opts.log)
		opts.log = log_to_stderr;
	if (opts.socket_path.empty())
		throw Error(EINVAL, "no socket path given");
	if (opts.vectors < 1 || opts.vectors > kMaxVectors)
		throw Error(EINVAL, "invalid number of vectors " + std::to_string(opts.vectors) +
					    " (1.." + std::to_string(kMaxVectors) + ")");
	if (opts.max_peers < 1 || opts.max_peers > 65536)
		throw Error(EINVAL, "invalid peer limit " + std::to_string(opts.max_peers) +
					    " (1..65536)");
	size = region_size(opts.size);
	if (size != opts.size)
		note("size " + std::to_string(opts.size) + " rounded up to " + std::to_string(size) +
		     " (a power of two)");
	// A new peer's handshake is 3 + max_peers * vectors messages; a peer
	// that stops reading is dropped once far more than that is queued.
	max_queue = 4 * std::size_t{opts.max_peers} * opts.vectors + 1024;

	shm = share(make_shm().release());

	epoll = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
	if (!epoll)
		throw_errno("epoll_create1");
	wake = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (!wake)
		throw_errno("eventfd");
	spare = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));

	listen = bind_and_listen();
	watch(listen.get(), kListenKey, EPOLLIN);
	watch(wake.get(), kWakeKey, EPOLLIN);
	note("listening on " + opts.socket_path + " (" + std::to_string(size) + " bytes of " +
	     (opts.shm_name.empty() ? std::string("memfd") : "shm " + opts.shm_name) + ", " +
	     std::to_string(opts.vectors) + " vectors)");
}

// Marks the region as a cpc bus (struct cpc_bus_tag): the modules bind only
// ivshmem devices whose memory carries it.
static void tag_region(int fd, std::uint64_t size)
{
	constexpr std::size_t page = 4096;
	void *p = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		throw_errno("shared memory: map to tag it");
	cpc_bus_tag tag{};
	tag.magic = htole64(CPC_BUS_TAG_MAGIC);
	tag.version = htole32(CPC_BUS_TAG_VERSION);
	tag.region_size = htole64(size);
	std::memcpy(static_cast<char *>(p) + CPC_BUS_TAG_OFFSET, &tag, sizeof(tag));
	::munmap(p, page);
}

UniqueFd Server::Impl::make_shm() const
{
	const std::string bytes = std::to_string(size) + " bytes";
	if (opts.shm_name.empty()) {
		UniqueFd fd(::memfd_create("cpc-ivshmem", MFD_CLOEXEC | MFD_ALLOW_SEALING));
		if (!fd)
			throw_errno("memfd_create");
		if (::ftruncate(fd.get(), static_cast<off_t>(size)) < 0)
			throw_errno("shared memory: resize to " + bytes);
		// No client may resize the region under the others' mappings.
		if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
			throw_errno("shared memory: seal");
		if (!opts.plain)
			tag_region(fd.get(), size);
		return fd;
	}
	std::string name = opts.shm_name[0] == '/' ? opts.shm_name : "/" + opts.shm_name;
	UniqueFd fd(::shm_open(name.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
	if (!fd)
		throw_errno("shm_open " + name);
	struct stat st;
	if (::fstat(fd.get(), &st) < 0)
		throw_errno("shm " + name);
	if (static_cast<std::uint64_t>(st.st_size) != size &&
	    ::ftruncate(fd.get(), static_cast<off_t>(size)) < 0)
		throw_errno("shm " + name + ": resize to " + bytes);
	if (!opts.plain)
		tag_region(fd.get(), size);
	return fd;
}

UniqueFd Server::Impl::bind_and_listen()
{
	const std::string &path = opts.socket_path;
	const std::string what = "socket " + path;
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (path.size() >= sizeof(addr.sun_path))
		throw Error(ENAMETOOLONG, what + ": path has " + std::to_string(path.size()) +
						  " bytes, at most " +
						  std::to_string(sizeof(addr.sun_path) - 1) + " fit");
	std::memcpy(addr.sun_path, path.data(), path.size());
	const auto *sa = reinterpret_cast<const sockaddr *>(&addr);

	UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!sock)
		throw_errno("socket");
	for (int attempt = 0;; attempt++) {
		if (::bind(sock.get(), sa, sizeof(addr)) == 0)
			break;
		int err = errno;
		if (err != EADDRINUSE || attempt == 3)
			throw Error(err, what);
		// Something is in the way: replace it only if it is a socket
		// nobody listens on (left behind by a server that died).
		struct stat st;
		if (::lstat(path.c_str(), &st) < 0) {
			if (errno == ENOENT)
				continue;
			throw_errno(what);
		}
		if (!S_ISSOCK(st.st_mode))
			throw Error(EEXIST, what + ": exists and is not a socket");
		UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
		if (!probe)
			throw_errno("socket");
		if (::connect(probe.get(), sa, sizeof(addr)) == 0 || errno == EAGAIN ||
		    errno == EINPROGRESS)
			throw Error(EADDRINUSE, what + ": another server is listening");
		if (errno == ENOENT)
			continue;
		if (errno != ECONNREFUSED)
			throw_errno(what + ": probing the existing socket");
		if (::unlink(path.c_str()) < 0 && errno != ENOENT)
			throw_errno(what + ": removing the stale socket");
		note("removed stale socket " + path);
	}
	struct stat st;
	if (::lstat(path.c_str(), &st) < 0)
		throw_errno(what);
	socket_file.arm(path, st.st_dev, st.st_ino);
	if (::listen(sock.get(), SOMAXCONN) < 0)
		throw_errno(what + ": listen");
	return sock;
}

void Server::Impl::watch(int fd, std::uint64_t key, std::uint32_t events)
{
	epoll_event ev{};
	ev.events = events;
	ev.data.u64 = key;
	if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
		throw_errno("epoll_ctl");
}

int Server::Impl::run_once(int timeout_ms)
{
	epoll_event evs[kMaxEvents];
	int n = ::epoll_wait(epoll.get(), evs, kMaxEvents, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		throw_errno("epoll_wait");
	}
	for (int i = 0; i < n; i++) {
		handle(evs[i]);
		reap();
	}
	return n;
}

void Server::Impl::handle(const epoll_event &ev)
{
	const std::uint64_t key = ev.data.u64;
	if (key == kListenKey) {
		accept_clients();
		return;
	}
	if (key == kWakeKey) {
		std::uint64_t count;
		while (::read(wake.get(), &count, sizeof(count)) > 0) {
		}
		return;
	}
	auto it = by_key.find(key);
	if (it == by_key.end())
		return; // a peer removed earlier in this batch
	Peer &p = *it->second;
	if (p.dead)
		return;
	if (ev.events & EPOLLERR) {
		int err = 0;
		socklen_t len = sizeof(err);
		::getsockopt(p.sock.get(), SOL_SOCKET, SO_ERROR, &err, &len);
		if (err == ECONNRESET || err == EPIPE || err == 0)
			kill(p, "closed the connection", false);
		else
			kill(p, "connection error: " + errstr(err), true);
		return;
	}
	if (ev.events & EPOLLOUT)
		flush(p);
	if (!p.dead && (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)))
		read_client(p);
}

void Server::Impl::accept_clients()
{
	for (int i = 0; i < kMaxAcceptsPerEvent; i++) {
		int fd = ::accept4(listen.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			add_peer(UniqueFd(fd));
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EMFILE:
		case ENFILE:
			// Take the connection off the queue and close it, or the
			// listening socket stays readable and the loop spins.
			warn("accept: " + errstr(errno) + "; refusing a client");
			if (spare) {
				spare.reset();
				UniqueFd drop(::accept4(listen.get(), nullptr, nullptr, SOCK_CLOEXEC));
				drop.reset();
				spare = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
			}
			return;
		default:
			warn("accept: " + errstr(errno));
			return;
		}
	}
}

std::optional<std::uint16_t> Server::Impl::free_id()
{
	// The next id after the last one given that no live peer has, as
	// QEMU's own ivshmem-server does: a departed peer's id comes back only
	// after all others were used. QEMU's ivshmem device frees a departed
	// peer's eventfd array without forgetting it (close_peer_eventfds() in
	// hw/misc/ivshmem.c) and writes into it when that id joins again.
	for (std::uint32_t n = 0; n < opts.max_peers; n++) {
		std::uint32_t id = (next_id + n) % opts.max_peers;
		if (!peers.count(static_cast<std::uint16_t>(id))) {
			next_id = (id + 1) % opts.max_peers;
			return static_cast<std::uint16_t>(id);
		}
	}
	return std::nullopt;
}

void Server::Impl::add_peer(UniqueFd sock)
{
	std::optional<std::uint16_t> id = free_id();
	if (!id) {
		warn("refusing a client: all " + std::to_string(opts.max_peers) +
		     " peer ids are in use");
		return;
	}
	auto owned = std::make_unique<Peer>();
	Peer &p = *owned;
	p.id = *id;
	p.key = next_key++;
	p.sock = std::move(sock);
	for (unsigned v = 0; v < opts.vectors; v++) {
		int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0) {
			warn("refusing a client: eventfd: " + errstr(errno));
			return;
		}
		p.vectors.push_back(share(fd));
	}
	epoll_event ev{};
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.u64 = p.key;
	if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, p.sock.get(), &ev) < 0) {
		warn("refusing a client: epoll_ctl: " + errstr(errno));
		return;
	}
	by_key.emplace(p.key, &p);
	peers.emplace(p.id, std::move(owned));
	note("peer " + std::to_string(p.id) + " joined (" + std::to_string(peers.size()) +
	     " connected)");

	// In the order of the spec (and of QEMU's server): the new client's id
	// and the shared memory; the new client to the others; the others to
	// the new client; the new client's own vectors to itself.
	enqueue(p, kProtocolVersion);
	enqueue(p, p.id);
	enqueue(p, -1, shm);
	flush(p);
	for (auto &[other_id, other] : peers) {
		if (other_id == p.id)
			continue;
		for (const SharedFd &fd : p.vectors)
			enqueue(*other, p.id, fd);
		flush(*other);
	}
	for (auto &[other_id, other] : peers) {
		if (other_id == p.id)
			continue;
		for (const SharedFd &fd : other->vectors)
			enqueue(p, other_id, fd);
	}
	for (const SharedFd &fd : p.vectors)
		enqueue(p, p.id, fd);
	flush(p);
}

void Server::Impl::read_client(Peer &p)
{
	// Clients never send anything: end of file is a disconnect, data is a
	// protocol error (QEMU's server drops the client on any input too).
	char c;
	ssize_t n = ::recv(p.sock.get(), &c, 1, MSG_DONTWAIT);
	if (n == 0)
		kill(p, "closed the connection", false);
	else if (n > 0)
		kill(p, "sent data (clients must not send anything)", true);
	else if (errno == ECONNRESET)
		kill(p, "closed the connection", false);
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		kill(p, "receive failed: " + errstr(errno), true);
}

void Server::Impl::enqueue(Peer &p, std::int64_t value, SharedFd fd)
{
	if (p.dead)
		return;
	if (p.out.size() >= max_queue) {
		kill(p, "does not read its messages (" + std::to_string(p.out.size()) +
				" queued)",
		     true);
		return;
	}
	p.out.push_back(Message{value, std::move(fd)});
}

void Server::Impl::flush(Peer &p)
{
	while (!p.dead && !p.out.empty()) {
		Message &m = p.out.front();
		unsigned char buf[8];
		const auto u = static_cast<std::uint64_t>(m.value);
		for (int i = 0; i < 8; i++)
			buf[i] = static_cast<unsigned char>(u >> (8 * i)); // little-endian
		iovec iov{buf + m.sent, sizeof(buf) - m.sent};
		msghdr msg{};
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int))] = {};
		if (m.fd && m.sent == 0) {
			msg.msg_control = control;
			msg.msg_controllen = sizeof(control);
			cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			int fd = m.fd->get();
			std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
		}
		ssize_t n = ::sendmsg(p.sock.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (!p.want_out)
					note("peer " + std::to_string(p.id) + " is not reading yet, " +
					     std::to_string(p.out.size()) + " messages queued");
				set_want_out(p, true);
				return;
			}
			if (errno == EPIPE || errno == ECONNRESET)
				kill(p, "closed the connection (send: " + errstr(errno) + ")", false);
			else
				kill(p, "send failed: " + errstr(errno), true);
			return;
		}
		m.sent += static_cast<std::size_t>(n);
		if (m.sent == sizeof(buf))
			p.out.pop_front();
	}
	if (!p.dead)
		set_want_out(p, false);
}

void Server::Impl::set_want_out(Peer &p, bool on)
{
	if (p.want_out == on)
		return;
	epoll_event ev{};
	ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
	ev.data.u64 = p.key;
	if (::epoll_ctl(epoll.get(), EPOLL_CTL_MOD, p.sock.get(), &ev) < 0) {
		kill(p, "epoll_ctl: " + errstr(errno), true);
		return;
	}
	p.want_out = on;
}

void Server::Impl::kill(Peer &p, std::string why, bool error)
{
	if (p.dead)
		return;
	p.dead = true;
	p.error = error;
	p.why = std::move(why);
	p.out.clear();
	doomed.push_back(p.key);
}

void Server::Impl::reap()
{
	// Removing a peer tells the others, which may fail and doom them too.
	while (!doomed.empty()) {
		const std::uint64_t key = doomed.back();
		doomed.pop_back();
		auto it = by_key.find(key);
		if (it == by_key.end())
			continue;
		Peer *p = it->second;
		by_key.erase(it);
		const std::uint16_t id = p->id;
		const std::string why = std::move(p->why);
		const bool error = p->error;
		::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, p->sock.get(), nullptr);
		peers.erase(id); // closes its socket and our copies of its eventfds
		const std::string line = "peer " + std::to_string(id) + " left: " + why + " (" +
					 std::to_string(peers.size()) + " connected)";
		if (error)
			warn(line);
		else
			note(line);
		for (auto &entry : peers) {
			enqueue(*entry.second, id);
			flush(*entry.second);
		}
	}
}

Server::Server(Options opts) : impl_(std::make_unique<Impl>(std::move(opts))) {}

Server::~Server() = default;

int Server::listen_fd() const noexcept
{
	return impl_->listen.get();
}

int Server::poll_fd() const noexcept
{
	return impl_->epoll.get();
}

int Server::shm_fd() const noexcept
{
	return impl_->shm->get();
}

std::uint64_t Server::size() const noexcept
{
	return impl_->size;
}

unsigned Server::vectors() const noexcept
{
	return impl_->opts.vectors;
}

const std::string &Server::socket_path() const noexcept
{
	return impl_->opts.socket_path;
}

int Server::run_once(int timeout_ms)
{
	return impl_->run_once(timeout_ms);
}

void Server::run_until_stopped()
{
	while (!impl_->stop_requested.load())
		impl_->run_once(-1);
	impl_->stop_requested.store(false);
}

void Server::stop() noexcept
{
	impl_->stop_requested.store(true);
	const std::uint64_t one = 1;
	ssize_t n = ::write(impl_->wake.get(), &one, sizeof(one));
	(void)n;
}

std::size_t Server::peer_count() const
{
	return impl_->peers.size();
}

std::vector<std::uint16_t> Server::peer_ids() const
{
	std::vector<std::uint16_t> ids;
	ids.reserve(impl_->peers.size());
	for (const auto &entry : impl_->peers)
		ids.push_back(entry.first);
	return ids;
}

} // namespace cpc::ivshmem
