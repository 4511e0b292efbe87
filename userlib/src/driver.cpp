// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::detail::Driver: kernel and bus channels and file writes on one ring.
#include "driver.hpp"

#include <cpc/error.hpp>

#include <algorithm>

namespace cpc::detail {

Driver::Driver(unsigned entries) : ring_(entries) {}

Driver::~Driver()
{
	for (AsyncPort *p : ports_)
		p->detach();
	try {
		std::vector<Event> ignore;
		while (outstanding()) {
			auto cqe = ring_.submit_and_wait_until(std::nullopt);
			if (cqe)
				dispatch(*cqe, ignore);
			ignore.clear();
		}
	} catch (const Error &) {
		// The ring itself broke: nothing more can be reaped.
	}
}

std::uint16_t Driver::add(const std::shared_ptr<Channel> &ch)
{
	if (chans_.size() >= 0x3fff)
		throw Error(E2BIG, "too many channels on one ring");
	auto idx = static_cast<std::uint16_t>(chans_.size());
	AsyncPort &p = PortAccess::port(*ch);
	p.attach(ring_, idx);
	chans_.push_back(ch);
	ports_.push_back(&p);
	return idx;
}

void Driver::submit(std::uint16_t chan, PendingCall &c)
{
	ports_.at(chan)->submit(c);
}

void Driver::write(int fd, const void *buf, unsigned len, std::uint64_t off, std::uint64_t cookie)
{
	ring_.prep_write(fd, buf, len, off, make_tag(TagKind::Write, 0, cookie));
	writes_++;
}

unsigned Driver::outstanding() const
{
	unsigned n = writes_;
	for (const AsyncPort *p : ports_)
		n += p->outstanding();
	return n;
}

void Driver::dispatch(const UringCompletion &cqe, std::vector<Event> &out)
{
	if (tag_kind(cqe.tag) == TagKind::Write) {
		writes_--;
		out.push_back(Event{nullptr, tag_index(cqe.tag), cqe.res});
		return;
	}
	std::uint16_t chan = tag_chan(cqe.tag);
	if (chan < ports_.size())
		ports_[chan]->on_cqe(cqe);
}

void Driver::collect(std::vector<Event> &out)
{
	std::vector<PendingCall *> done;
	for (AsyncPort *p : ports_)
		p->collect(done);
	for (PendingCall *c : done)
		out.push_back(Event{c, 0, 0});
}

std::vector<Driver::Event> Driver::wait()
{
	std::vector<Event> out;
	// Calls may have finished at submission (a bus call that could not go).
	collect(out);
	while (out.empty()) {
		std::optional<Clock::time_point> until;
		for (const AsyncPort *p : ports_)
			if (auto d = p->deadline())
				until = until ? std::min(*until, *d) : *d;
		if (!until && !outstanding())
			throw Error(EDEADLK, "job engine: waiting with nothing in flight");
		auto cqe = ring_.submit_and_wait_until(until);
		if (cqe) {
			dispatch(*cqe, out);
			UringCompletion more;
			while (ring_.try_reap(more))
				dispatch(more, out);
		}
		auto now = Clock::now();
		for (AsyncPort *p : ports_)
			if (auto d = p->deadline(); d && *d <= now)
				p->on_timer(now);
		collect(out);
	}
	return out;
}

} // namespace cpc::detail
