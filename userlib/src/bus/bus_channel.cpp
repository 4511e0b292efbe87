// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::bus::BusChannel: the user-space host end on an ivshmem server's bus.
#include "bus_channel.hpp"

#include "../uring.hpp"

#include <cpc/error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/cpc_proto.h>

#include <algorithm>
#include <cstring>
#include <iostream>

namespace cpc::bus {

namespace {

constexpr std::uint64_t kPortRead = 0;
constexpr std::uint64_t kPortPoll = 1;

} // namespace

std::string bus_path(const std::string &name)
{
	return name.substr(4);
}

bool bus_tagged(const void *map, std::uint64_t size)
{
	cpc_bus_tag tag;
	if (size < CPC_BUS_TAG_OFFSET + sizeof(tag))
		return false;
	std::memcpy(&tag, static_cast<const std::uint8_t *>(map) + CPC_BUS_TAG_OFFSET, sizeof(tag));
	return tag.magic == CPC_BUS_TAG_MAGIC && tag.version == CPC_BUS_TAG_VERSION &&
	       tag.region_size == size;
}

ShmFacts shm_facts(int shm_fd, const std::string &what)
{
	struct stat st;
	if (::fstat(shm_fd, &st) < 0)
		throw_errno(what + ": shared memory");
	ShmFacts f;
	f.size = static_cast<std::uint64_t>(st.st_size);
	int seals = ::fcntl(shm_fd, F_GET_SEALS);
	f.unsealed = seals < 0 || !(seals & F_SEAL_SHRINK);
	return f;
}

namespace {

/// A new open file description of the shared memory (OFD locks on the one
/// every peer shares would not exclude each other).
UniqueFd reopen(int shm_fd, const std::string &what)
{
	std::string p = "/proc/self/fd/" + std::to_string(shm_fd);
	UniqueFd fd(::open(p.c_str(), O_RDWR | O_CLOEXEC));
	if (!fd)
		throw_errno(what + ": reopen the shared memory");
	return fd;
}

struct flock lock_range(short type)
{
	struct flock fl{};
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	return fl;
}

} // namespace

bool host_end_attached(int shm_fd)
{
	try {
		UniqueFd fd = reopen(shm_fd, "probe");
		struct flock fl = lock_range(F_WRLCK);
		if (::fcntl(fd.get(), F_OFD_GETLK, &fl) < 0)
			return false;
		return fl.l_type != F_UNLCK;
	} catch (const Error &) {
		return false;
	}
}

// ---- the port: how the job engine's Uring drives this channel ----

class BusChannel::Port final : public detail::AsyncPort {
public:
	explicit Port(BusChannel &ch) : ch_(ch) {}

	bool attached() const { return ring_ != nullptr; }

	void attach(Uring &ring, std::uint16_t chan) override
	{
		if (ring_)
			throw Error(EBUSY, ch_.name() + ": already driven by a ring");
		ring_ = &ring;
		chan_ = chan;
		detaching_ = false;
		arm();
	}

	void submit(detail::PendingCall &c) override
	{
		auto now = Clock::now();
		ch_.pump(now);
		calls_.insert(&c);
		ch_.end_->submit(c, now);
		arm();
	}

	void on_cqe(const UringCompletion &cqe) override
	{
		auto now = Clock::now();
		outstanding_--;
		if (detail::tag_kind(cqe.tag) == detail::TagKind::Port) {
			if (detail::tag_index(cqe.tag) == kPortRead) {
				reading_ = false;
				if (cqe.res == sizeof(value_) && ch_.end_->on_doorbell(value_))
					ch_.end_->service(false, now);
			} else {
				polling_ = false;
				ch_.handle(ch_.peer_.drain(), now);
			}
		}
		if (detaching_) {
			if (!outstanding_)
				ring_ = nullptr;
			return;
		}
		arm();
	}

	std::optional<Clock::time_point> deadline() const override
	{
		if (detaching_ || ch_.end_->dead())
			return std::nullopt;
		return ch_.end_->next_wake();
	}

	void on_timer(Clock::time_point now) override
	{
		if (detaching_)
			return;
		// Throttled, the doorbell read is not armed: the check reads it.
		if (!reading_)
			ch_.read_doorbell(now);
		ch_.end_->on_timer(now);
		arm();
	}

	void collect(std::vector<detail::PendingCall *> &done) override
	{
		std::size_t from = done.size();
		ch_.end_->collect(done);
		for (std::size_t i = from; i < done.size(); i++)
			calls_.erase(done[i]);
	}

	void detach() override
	{
		if (!ring_)
			return;
		detaching_ = true;
		auto now = Clock::now();
		for (detail::PendingCall *c : calls_)
			ch_.end_->give_up(*c, ECANCELED, now);
		calls_.clear();
		std::vector<detail::PendingCall *> drop;
		ch_.end_->collect(drop);
		if (reading_) {
			ring_->prep_cancel(detail::make_tag(detail::TagKind::Port, chan_, kPortRead),
					   detail::make_tag(detail::TagKind::Cancel, chan_, kPortRead));
			outstanding_++;
		}
		if (polling_) {
			ring_->prep_cancel(detail::make_tag(detail::TagKind::Port, chan_, kPortPoll),
					   detail::make_tag(detail::TagKind::Cancel, chan_, kPortPoll));
			outstanding_++;
		}
		if (!outstanding_)
			ring_ = nullptr;
	}

	unsigned outstanding() const override { return outstanding_; }

private:
	/// Keeps the doorbell read (unless throttled) and the socket poll queued.
	void arm()
	{
		if (!ring_ || detaching_)
			return;
		int efd = ch_.peer_.own_eventfd(0);
		if (!reading_ && efd >= 0 && !ch_.end_->throttled() && !ch_.end_->dead()) {
			ring_->prep_read(efd, &value_, sizeof(value_), 0,
					 detail::make_tag(detail::TagKind::Port, chan_, kPortRead));
			reading_ = true;
			outstanding_++;
		}
		if (!polling_ && !ch_.peer_.closed()) {
			ring_->prep_poll_add(ch_.peer_.socket_fd(), POLLIN,
					     detail::make_tag(detail::TagKind::Port, chan_, kPortPoll));
			polling_ = true;
			outstanding_++;
		}
	}

	BusChannel &ch_;
	Uring *ring_ = nullptr;
	std::uint16_t chan_ = 0;
	bool reading_ = false, polling_ = false, detaching_ = false;
	unsigned outstanding_ = 0;
	std::uint64_t value_ = 0;
	std::set<detail::PendingCall *> calls_;
};

// ---- the channel ----

BusChannel::BusChannel(const std::string &name, const OpenOptions &opts)
	: Channel(name), opts_(opts), peer_(bus_path(name), opts.server_timeout, name)
{
	facts_ = shm_facts(peer_.shm_fd(), name);
	if (facts_.size < CPC_REGION_MIN || facts_.size > 0xffffffffull)
		throw Error(ENODEV, name + ": not a cpc bus (region of " +
					    std::to_string(facts_.size) + " bytes)");
	map_ = Mapping(static_cast<std::size_t>(facts_.size), PROT_READ | PROT_WRITE, MAP_SHARED,
		       peer_.shm_fd(), 0, name + ": map the shared memory");
	// Only a cpc bus is ours: nothing is written before this check.
	if (!bus_tagged(map_.get(), facts_.size))
		throw Error(ENODEV, name + ": not a cpc bus (no bus tag)");
	lock_ = reopen(peer_.shm_fd(), name);
	struct flock fl = lock_range(F_WRLCK);
	if (::fcntl(lock_.get(), F_OFD_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			throw Error(EBUSY, name + ": another host end is attached");
		throw_errno(name + ": lock the bus");
	}
	BusEnd::Options eo;
	eo.ready_timeout = opts.ready_timeout;
	eo.stuck_reset = opts.stuck_reset;
	end_ = std::make_unique<BusEnd>(
		map_.get(), facts_.size, peer_.own_id(),
		[this](std::uint32_t id, std::uint32_t v) { return ring(id, v); },
		[this](bool warn, std::string_view line) { emit_log(warn, line); }, eo, Clock::now());
	port_ = std::make_unique<Port>(*this);
}

BusChannel::~BusChannel() = default;

detail::AsyncPort &BusChannel::async_port()
{
	return *port_;
}

void BusChannel::emit_log(bool warn, std::string_view line)
{
	if (opts_.log)
		opts_.log(line);
	else if (warn)
		std::cerr << "cpc: " << name() << ": " << line << "\n";
}

bool BusChannel::ring(std::uint32_t id, std::uint32_t vector)
{
	/* Untrusted values: never ring ourselves, only peers the server named. */
	if (id == peer_.own_id())
		return false;
	int fd = peer_.peer_eventfd(id, vector);
	if (fd < 0)
		return false;
	std::uint64_t one = 1;
	// EAGAIN: the counter is full, the guest has a doorbell pending anyway.
	(void)!::write(fd, &one, sizeof(one));
	return true;
}

std::optional<std::uint32_t> BusChannel::guest_id() const
{
	auto dbs = end_->guest_doorbells();
	if (dbs.empty() || dbs[0].id == peer_.own_id() || peer_.peer_eventfd(dbs[0].id, 0) < 0)
		return std::nullopt;
	return dbs[0].id;
}

void BusChannel::handle(const std::vector<PeerEvent> &events, Clock::time_point now)
{
	for (const PeerEvent &e : events) {
		switch (e.kind) {
		case PeerEvent::Left:
			end_->peer_left(e.id, now);
			break;
		case PeerEvent::Closed:
			end_->server_closed();
			break;
		case PeerEvent::Joined:
			break;
		}
	}
}

void BusChannel::read_doorbell(Clock::time_point now)
{
	int efd = peer_.own_eventfd(0);
	std::uint64_t n = 0;
	if (efd >= 0 && ::read(efd, &n, sizeof(n)) == sizeof(n) && end_->on_doorbell(n))
		end_->service(false, now);
}

void BusChannel::pump(Clock::time_point now)
{
	handle(peer_.drain(), now);
	if (end_->dead())
		return;
	read_doorbell(now);
	end_->on_timer(now);
}

void BusChannel::wait(Clock::time_point until)
{
	auto now = Clock::now();
	long ms = 0;
	if (until > now)
		ms = static_cast<long>(
			std::chrono::ceil<std::chrono::milliseconds>(until - now).count());
	pollfd p[2];
	nfds_t n = 0;
	if (!peer_.closed())
		p[n++] = {peer_.socket_fd(), POLLIN, 0};
	int efd = peer_.own_eventfd(0);
	if (efd >= 0 && !end_->throttled())
		p[n++] = {efd, POLLIN, 0};
	if (::poll(p, n, static_cast<int>(std::min<long>(ms, 60000))) < 0)
		throw_errno("poll");
}

CallResult BusChannel::call(const CallRequest &req)
{
	const std::string what = "call " + detail::proc_label(req.proc) + " on " + name();
	if (port_->attached())
		throw Error(EBUSY, what + " (driven by a ring)");
	detail::PendingCall c;
	try {
		c = detail::make_pending(req);
	} catch (const Error &e) {
		throw Error(e.errnum(), what);
	}
	auto now = Clock::now();
	pump(now);
	end_->submit(c, now);
	// Whatever ends the wait, the end must not keep a pointer to @c.
	struct Guard {
		BusEnd &end;
		detail::PendingCall &c;
		~Guard()
		{
			end.give_up(c, EINTR, Clock::now());
			std::vector<detail::PendingCall *> drop;
			end.collect(drop);
		}
	} guard{*end_, c};
	while (!c.finished) {
		try {
			wait(end_->next_wake());
		} catch (const Error &e) {
			if (e.errnum() == EINTR) {
				end_->give_up(c, EINTR, Clock::now());
				break;
			}
			throw;
		}
		pump(Clock::now());
	}
	if (c.err)
		throw Error(c.err, what);
	return std::move(c.result);
}

ResetResult BusChannel::reset()
{
	const std::string what = "reset channel " + name();
	if (port_->attached())
		throw Error(EBUSY, what + " (driven by a ring)");
	pump(Clock::now());
	if (end_->dead())
		throw Error(ENODEV, what);
	return end_->reset(Clock::now());
}

ChannelStatus BusChannel::status() const
{
	ChannelStatus s;
	s.name = name();
	s.transport = "bus";
	s.state = end_->state();
	s.peer_state = end_->peer_state();
	s.generation = end_->generation();
	s.peer_generation = end_->peer_generation();
	s.inflight = end_->inflight();
	s.max_out = end_->max_out();
	s.throttled = end_->throttled();
	for (unsigned i = 0; i < kCounterCount; i++)
		s.counters[counter_name(i)] = end_->counter(i);
	s.counters["bad_id"] = end_->bad(CPC_BAD_ID);
	s.counters["bad_status"] = end_->bad(CPC_BAD_STATUS);
	s.counters["bad_out_len"] = end_->bad(CPC_BAD_LEN);
	s.counters["bad_index"] = end_->bad(CPC_BAD_INDEX);
	s.host_end = "attached";
	s.peers = peer_.peer_ids();
	s.region_size = facts_.size;
	s.unsealed = facts_.unsealed;
	return s;
}

std::vector<std::uint64_t> BusChannel::pingpong(std::uint64_t rounds, std::chrono::milliseconds timeout)
{
	const std::string what = "raw ping-pong on " + name();
	if (port_->attached())
		throw Error(EBUSY, what + " (driven by a ring)");
	if (rounds == 0 || rounds > 100000)
		throw Error(EINVAL, what + ": rounds must be 1..100000");
	pump(Clock::now());
	auto gid = guest_id();
	if (!gid)
		throw Error(ENOTCONN, what + ": the guest's doorbell is not known");
	// Own vector 1 may come after the handshake (it ended at vector 0).
	auto until = Clock::now() + timeout;
	while (peer_.own_eventfd(1) < 0 && Clock::now() < until && !peer_.closed())
		peer_.wait_message(std::chrono::milliseconds(50));
	int mine = peer_.own_eventfd(1), theirs = peer_.peer_eventfd(*gid, 1);
	if (mine < 0 || theirs < 0)
		throw Error(ENODEV, what + ": the bus has no vector 1");
	std::uint64_t v;
	while (::read(mine, &v, sizeof(v)) == sizeof(v)) {
	} // stale reflections
	std::vector<std::uint64_t> ns;
	ns.reserve(rounds);
	for (std::uint64_t i = 0; i < rounds; i++) {
		std::uint64_t one = 1;
		auto t0 = Clock::now();
		if (::write(theirs, &one, sizeof(one)) != sizeof(one))
			throw_errno(what);
		for (;;) {
			pollfd p{mine, POLLIN, 0};
			int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				throw_errno(what);
			if (r == 0)
				throw Error(ETIMEDOUT, what + ": the guest's reflector did not answer round " +
							       std::to_string(i + 1));
			if (::read(mine, &v, sizeof(v)) == sizeof(v))
				break;
		}
		ns.push_back(static_cast<std::uint64_t>(
			std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
	}
	return ns;
}

} // namespace cpc::bus
