// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::bus::BusEnd: the user-space host end of a CPC channel, line for line
// the state machine of host-module/channel.c over the same proto/ code.
#include "bus_end.hpp"

#include <cpc/error.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace cpc::bus {

namespace {

constexpr auto kCheckDown = std::chrono::milliseconds(CPC_HOST_CHECK_DOWN_MS);
constexpr auto kCheckUp = std::chrono::milliseconds(CPC_HOST_CHECK_UP_MS);
/* transport/peer_log.h: CPC_PEER_LOG_BURST lines per CPC_PEER_LOG_INTERVAL. */
constexpr auto kLogInterval = std::chrono::seconds(10);
constexpr unsigned kLogBurst = 5;

std::string fmt(const char *f, auto... a)
{
	char buf[256];
	std::snprintf(buf, sizeof(buf), f, a...);
	return buf;
}

} // namespace

const char *counter_name(unsigned c)
{
	static const char *const names[kCounterCount] = {
		"calls",	"completed",	 "errors",	"timeouts",	"broken",
		"resets",	"late",		 "nudges",	"doorbells",	"doorbells_ignored",
		"throttles",	"admin_resets",	 "stuck_resets", "doorbell_unknown", "bad_features",
	};
	return c < kCounterCount ? names[c] : "unknown";
}

bool LogBudget::allow(Clock::time_point now)
{
	if (!started_ || now - start_ >= kLogInterval) {
		start_ = now;
		used_ = 0;
		started_ = true;
	}
	if (used_ >= kLogBurst)
		return false;
	used_++;
	return true;
}

BusEnd::BusEnd(void *region, std::uint64_t size, std::uint32_t own_id, RingFn ring, LogFn log,
	       Options opts, Clock::time_point now)
	: ring_(std::move(ring)), log_(std::move(log)), opts_(opts), now_(now)
{
	if (cpc_ep_init(&ep_, region, size, true))
		throw Error(EINVAL, "shared region of " + std::to_string(size) +
					    " bytes cannot hold a channel");
	cpc_hostq_init(&q_, &ep_.layout);
	cpc_throttle_init(&throttle_, ms());
	ready_until_ = now + opts_.ready_timeout;
	cpc_ep_set_doorbell(&ep_, own_id, 0);
	cpc_ep_host_reset(&ep_);
	ring_guest();
	next_check_ = now;
}

BusEnd::~BusEnd()
{
	close();
}

std::uint64_t BusEnd::ms() const
{
	return static_cast<std::uint64_t>(
		std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count());
}

void BusEnd::log(bool warn, const std::string &line)
{
	if (log_ && budget_.allow(now_))
		log_(warn, line);
}

/* cpc_chan_ring_guest(): every doorbell to the guest goes through here. */
void BusEnd::ring_guest()
{
	cpc_doorbell db[2];
	unsigned n = cpc_ep_peer_doorbells(&ep_, db);

	for (unsigned i = 0; i < n; i++)
		if (!ring_(db[i].id, db[i].vector))
			cnt_[kDoorbellUnknown]++;
}

std::vector<cpc_doorbell> BusEnd::guest_doorbells() const
{
	cpc_doorbell db[2];
	unsigned n = cpc_ep_peer_doorbells(&ep_, db);
	return std::vector<cpc_doorbell>(db, db + n);
}

void BusEnd::finish(PendingCall &c, int err)
{
	c.err = err;
	c.finished = true;
	c.parked = false;
	done_.push_back(&c);
}

/* cpc_hchan_fail_all() */
void BusEnd::fail_all(int err)
{
	for (std::uint32_t i = 0; i < q_.entries; i++) {
		cpc_hslot_core &s = q_.slot[i];
		if (!s.in_use)
			continue;
		if (s.owner)
			finish(*static_cast<PendingCall *>(s.owner), err);
		cpc_hostq_release(&q_, i);
	}
}

/* cpc_hchan_restart() */
void BusEnd::restart(int err, unsigned why)
{
	fail_all(err);
	cnt_[why]++;
	cpc_ep_host_reset(&ep_);
	ring_guest();
	next_check_ = now_ + kCheckDown;
}

/* cpc_hchan_break() */
void BusEnd::brk(enum cpc_bad why, std::uint64_t id)
{
	bad_[why]++;
	cnt_[kBroken]++;
	log(true, fmt("guest broke the protocol (bad %s, id %llu); resetting the channel",
		cpc_bad_name(why), static_cast<unsigned long long>(id)));
	fail_all(ECONNRESET);
	/* BROKEN until the next periodic check starts a new generation. */
	cpc_ep_publish(&ep_, CPC_STATE_BROKEN);
	ring_guest();
	next_check_ = now_ + kCheckDown;
}

/* cpc_hchan_complete(): one completion copied out of the ring. */
bool BusEnd::complete(const cpc_completion &cpl)
{
	std::uint32_t idx;
	enum cpc_bad why = cpc_hostq_match(&q_, &cpl, &idx);
	cpc_hslot_core &s = q_.slot[idx];

	if (why == CPC_BAD_ID) {
		brk(why, cpl.id);
		return false;
	}
	if (why != CPC_BAD_NONE) {
		if (s.owner) {
			auto *c = static_cast<PendingCall *>(s.owner);
			s.owner = nullptr;
			finish(*c, EPROTO);
		}
		brk(why, cpl.id);
		return false;
	}
	cnt_[kCompleted]++;
	cpc_ep_peer_answered(&ep_);
	if (cpl.status != CPC_ST_OK)
		cnt_[kErrors]++;
	if (s.owner) {
		auto *c = static_cast<PendingCall *>(s.owner);
		/* Validated length, private destination: one copy. */
		const auto *src = static_cast<const std::uint8_t *>(cpc_ep_data(&ep_, s.out_off));
		c->result.out.assign(src, src + cpl.out_len);
		c->result.ret[0] = cpl.ret[0];
		c->result.ret[1] = cpl.ret[1];
		finish(*c, -cpc_status_to_errno(cpl.status));
	} else {
		cnt_[kLate]++;
	}
	cpc_hostq_release(&q_, idx);
	return true;
}

/* cpc_hchan_reap() */
void BusEnd::reap()
{
	cpc_cpl wire;
	cpc_completion cpl;
	int ret;

	for (;;) {
		while ((ret = cpc_ring_pop(&ep_.cpl, &wire)) == 0) {
			cpc_cpl_decode(&cpl, &wire);	/* CPU order, then validated */
			if (!complete(cpl))
				return;
		}
		if (ret != -EAGAIN) {
			brk(CPC_BAD_INDEX, 0);
			return;
		}
		if (!cpc_ring_arm(&ep_.cpl))
			return;
	}
}

/* cpc_hchan_service() */
void BusEnd::service(bool from_check, Clock::time_point now)
{
	now_ = now;
	if (dead_)
		return;
	switch (cpc_ep_step(&ep_)) {
	case CPC_EP_UP:
		log(false, fmt("channel up (generation %u)", ep_.generation));
		ring_guest();
		break;
	case CPC_EP_DOWN:
		log(false, "guest end left, reset or broke the channel, or the region changed under the host; starting over");
		restart(ECONNRESET, kResets);
		break;
	case CPC_EP_CHANGED:
		ring_guest();
		break;
	case CPC_EP_INCOMPATIBLE:
		cnt_[kBadFeatures]++;
		log(true, fmt("guest requires protocol features %#x this host does not know; not running with it",
			      cpc_ep_peer_features(&ep_) & CPC_FEATURES_REQUIRED & ~CPC_FEATURES_KNOWN));
		break;
	case CPC_EP_NONE:
		break;
	}
	if (cpc_ep_running(&ep_)) {
		reap();
		/* Calls that waited for the guest to join go now. */
		while (cpc_ep_running(&ep_) && !parked_.empty()) {
			PendingCall *c = parked_.front();
			parked_.pop_front();
			c->parked = false;
			int err = start(*c);
			if (err)
				finish(*c, err);
		}
	}
	if (from_check && cpc_ep_poll_nudge(&ep_)) {
		cnt_[kNudges]++;
		ring_guest();
	}
}

/* cpc_hchan_kick() */
bool BusEnd::on_doorbell(std::uint64_t count)
{
	cnt_[kDoorbells] += count;
	if (throttle_.on) {
		cnt_[kIgnored] += count;
		return false;
	}
	return !dead_;
}

/* The periodic check: cpc_hchan_poll(), throttle, stuck slots. */
void BusEnd::check()
{
	service(true, now_);
	cpc_throttle_window w{};
	switch (cpc_throttle_check(&throttle_, ms(), CPC_THROTTLE_WINDOW_MS, cnt_[kDoorbells],
				   cnt_[kCalls], cnt_[kResets], &w)) {
	case 1:
		cnt_[kThrottles]++;
		log(true, fmt("guest rang %llu times and the channel restarted %llu times in a second, for %llu calls: serving it from the periodic check only",
			static_cast<unsigned long long>(w.rings),
			static_cast<unsigned long long>(w.restarts),
			static_cast<unsigned long long>(w.calls)));
		break;
	case -1:
		log(false, "guest calmed down; doorbells served again");
		break;
	default:
		break;
	}
	auto bound = static_cast<std::uint64_t>(opts_.stuck_reset.count());
	if (bound && cpc_hostq_stuck_left(&q_, ms(), bound) == 0) {
		log(true, fmt("every request slot held for %llu ms by calls given up; resetting the channel",
			static_cast<unsigned long long>(bound)));
		restart(ECONNRESET, kStuckResets);
	}
	next_check_ = now_ + (cpc_ep_running(&ep_) && !q_.inflight && !throttle_.on ? kCheckUp
										     : kCheckDown);
}

/* Time-outs: of calls in flight (ETIMEDOUT) and of calls waiting for the
 * guest to join (ENOTCONN, as a kernel channel that is not up). */
void BusEnd::expire()
{
	for (std::uint32_t i = 0; i < q_.entries; i++) {
		cpc_hslot_core &s = q_.slot[i];
		if (!s.in_use || !s.owner)
			continue;
		auto *c = static_cast<PendingCall *>(s.owner);
		if (c->deadline <= now_) {
			cpc_hostq_orphan(&q_, i, ms());
			cnt_[kTimeouts]++;
			finish(*c, ETIMEDOUT);
		}
	}
	for (auto it = parked_.begin(); it != parked_.end();) {
		if ((*it)->deadline <= now_) {
			PendingCall *c = *it;
			it = parked_.erase(it);
			finish(*c, ENOTCONN);
		} else {
			++it;
		}
	}
}

void BusEnd::on_timer(Clock::time_point now)
{
	now_ = now;
	if (dead_)
		return;
	if (now >= next_check_)
		check();
	expire();
}

Clock::time_point BusEnd::next_wake() const
{
	Clock::time_point t = next_check_;
	for (std::uint32_t i = 0; i < q_.entries; i++) {
		const cpc_hslot_core &s = q_.slot[i];
		if (s.in_use && s.owner)
			t = std::min(t, static_cast<const PendingCall *>(s.owner)->deadline);
	}
	for (const PendingCall *c : parked_)
		t = std::min(t, c->deadline);
	auto bound = static_cast<std::uint64_t>(opts_.stuck_reset.count());
	long long left = bound ? cpc_hostq_stuck_left(&q_, ms(), bound) : -1;
	if (left >= 0)
		t = std::min(t, now_ + std::chrono::milliseconds(left));
	return t;
}

/* cpc_hchan_post() */
int BusEnd::post(const cpc_req &req)
{
	int post = cpc_ep_post(&ep_, &req);

	if (post < 0) {
		/* More requests in the ring than in flight: the guest lied. */
		brk(CPC_BAD_INDEX, req.id);
		return ECONNRESET;
	}
	if (post)
		ring_guest();
	return 0;
}

/* cpc_hchan_submit() once the channel runs; 0 or the errno to fail with. */
int BusEnd::start(PendingCall &c)
{
	if (q_.inflight >= q_.entries)
		return EBUSY;
	/* call.c: the capacity asked for, at most a slot. */
	std::uint32_t cap = static_cast<std::uint32_t>(
		std::min<std::size_t>(c.out_capacity, q_.slot_size));
	cpc_request req;
	int ret = cpc_hostq_get(&q_, static_cast<std::uint32_t>(c.arg.size()), &cap, &c, &req);
	if (ret)
		return -ret;
	req.opcode = static_cast<std::uint16_t>(c.proc);
	req.deadline_ms = static_cast<std::uint32_t>(c.timeout.count());
	std::memcpy(req.args, c.args, sizeof(req.args));
	if (req.arg_len)
		std::memcpy(cpc_ep_data(&ep_, req.arg_off), c.arg.data(), req.arg_len);
	c.slot = cpc_hostq_index(&q_, req.id);
	c.deadline = now_ + c.timeout;
	cnt_[kCalls]++;
	/* With a request in flight the check runs every kCheckDown: bring an
	 * idle channel's (up to kCheckUp away) that close, so a lost doorbell
	 * costs ~100 ms, not up to a second. Never postpones one. */
	next_check_ = std::min(next_check_, now_ + kCheckDown);
	/* On ECONNRESET the break already finished the call. */
	cpc_req wire;
	cpc_req_encode(&wire, &req);	/* little-endian on the ring */
	post(wire);
	return 0;
}

void BusEnd::submit(PendingCall &c, Clock::time_point now)
{
	now_ = now;
	c.finished = false;
	c.err = 0;
	c.parked = false;
	if (dead_) {
		finish(c, ENODEV);
		return;
	}
	if (!cpc_ep_running(&ep_)) {
		/* A fresh end: the guest gets ready_timeout to join it. */
		if (now < ready_until_) {
			c.parked = true;
			c.deadline = std::min(now + c.timeout, ready_until_);
			parked_.push_back(&c);
			return;
		}
		finish(c, ENOTCONN);
		return;
	}
	int err = start(c);
	if (err)
		finish(c, err);
}

/* cpc_hchan_give_up() */
void BusEnd::give_up(PendingCall &c, int err, Clock::time_point now)
{
	now_ = now;
	if (c.finished)
		return;
	if (c.parked) {
		parked_.erase(std::remove(parked_.begin(), parked_.end(), &c), parked_.end());
	} else if (c.slot < q_.entries && q_.slot[c.slot].in_use && q_.slot[c.slot].owner == &c) {
		cpc_hostq_orphan(&q_, c.slot, ms());
	}
	if (err == ETIMEDOUT)
		cnt_[kTimeouts]++;
	c.err = err;
	c.finished = true;
	c.parked = false;
	/* The caller knows; drop it from the done list too. */
	done_.erase(std::remove(done_.begin(), done_.end(), &c), done_.end());
}

void BusEnd::peer_left(std::uint32_t id, Clock::time_point now)
{
	now_ = now;
	if (dead_)
		return;
	for (const cpc_doorbell &db : guest_doorbells()) {
		if (db.id == id) {
			log(false, fmt("guest (ivshmem peer %u) left the bus; starting over", id));
			restart(ECONNRESET, kResets);
			return;
		}
	}
}

ResetResult BusEnd::reset(Clock::time_point now)
{
	now_ = now;
	if (dead_)
		throw Error(ENODEV, "the bus is gone");
	ResetResult r;
	r.inflight = q_.inflight;
	restart(ECONNRESET, kAdminResets);
	r.generation = ep_.generation;
	return r;
}

void BusEnd::close()
{
	if (dead_)
		return;
	fail_all(ENODEV);
	while (!parked_.empty()) {
		PendingCall *c = parked_.front();
		parked_.pop_front();
		finish(*c, ENODEV);
	}
	cpc_ep_publish(&ep_, CPC_STATE_RESET);
	ring_guest();
	dead_ = true;
}

void BusEnd::server_closed()
{
	if (dead_)
		return;
	log(true, "the ivshmem server closed the bus");
	close();
}

void BusEnd::collect(std::vector<PendingCall *> &done)
{
	done.insert(done.end(), done_.begin(), done_.end());
	done_.clear();
}

std::string BusEnd::state() const
{
	if (dead_)
		return "removed";
	switch (ep_.state) {
	case CPC_STATE_RUN:
		return "ready";
	case CPC_STATE_BROKEN:
		return "broken";
	default:
		return "waiting";
	}
}

std::string BusEnd::peer_state() const
{
	if (dead_)
		return "reset";
	return cpc_state_name(cpc_read_once(ep_.hdr->guest.state));
}

} // namespace cpc::bus
