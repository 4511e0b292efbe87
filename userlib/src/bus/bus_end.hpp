// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::bus::BusEnd (internal): the host end of one CPC channel in user
// space, over a mapped region - the mirror of host-module/channel.c, running
// the same proto/ code (handshake, generations, rings, the slot table and
// the throttle of proto/cpc_hostq.c). It makes no system call: doorbells go
// out through a callback, time comes in as arguments, so the unit tests
// drive it with a guest end in memory.
//
// Single-threaded: the caller serialises every method (a BusChannel is
// used by one thread at a time). Calls are PendingCall records the caller
// owns; a finished call is listed by collect().
//
// | BusEnd           | host-module/channel.c                          |
// | submit()         | cpc_hchan_submit() (+ call.c's clamp)          |
// | give_up()        | cpc_hchan_give_up()                            |
// | complete()/reap()| cpc_hchan_complete() / cpc_hchan_reap()        |
// | service()        | cpc_hchan_service()                            |
// | check()          | cpc_hchan_poll() + throttle check + stuck work |
// | on_doorbell()    | cpc_hchan_kick()                               |
// | restart()/brk()  | cpc_hchan_restart() / cpc_hchan_break()        |
// | peer_left()      | - (the kernel cannot see a peer leave)         |
// | close()          | cpc_hchan_destroy()                            |

#include "../async.hpp"

extern "C" {
#include "cpc_hostq.h"
#include "cpc_peer.h"
}

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cpc::bus {

using detail::Clock;
using detail::PendingCall;

/// Counters, by their sysfs names (host-module/channel.c) plus
/// doorbell_unknown (a doorbell to a peer the server never announced).
enum Counter : unsigned {
	kCalls,
	kCompleted,
	kErrors,
	kTimeouts,
	kBroken,
	kResets,
	kLate,
	kNudges,
	kDoorbells,
	kIgnored,
	kThrottles,
	kAdminResets,
	kStuckResets,
	kDoorbellUnknown,
	kBadFeatures,
	kCounterCount,
};
const char *counter_name(unsigned c);

/// A channel's log budget: at most 5 lines per 10 s (transport/peer_log.h).
class LogBudget {
public:
	bool allow(Clock::time_point now);

private:
	Clock::time_point start_{};
	unsigned used_ = 0;
	bool started_ = false;
};

class BusEnd {
public:
	/// Rings the guest at (@id, @vector) as it published them (untrusted);
	/// false when no such doorbell is known (counted).
	using RingFn = std::function<bool(std::uint32_t id, std::uint32_t vector)>;
	/// A line the guest caused; @warn: a warning (a protocol violation,
	/// the throttle, a reset), else news (up, down, calm again).
	using LogFn = std::function<void(bool warn, std::string_view line)>;

	struct Options {
		std::chrono::milliseconds ready_timeout{5000};
		std::chrono::milliseconds stuck_reset{10000};
	};

	/// Takes the region over as its host end: continues the generation
	/// count found there, lays it out, publishes READY with its doorbell
	/// (@own_id, vector 0) and rings the guest (cpc_hchan_create()).
	/// Throws cpc::Error(EINVAL) when the region cannot hold a channel.
	BusEnd(void *region, std::uint64_t size, std::uint32_t own_id, RingFn ring, LogFn log,
	       Options opts, Clock::time_point now);
	/// close().
	~BusEnd();
	BusEnd(const BusEnd &) = delete;
	BusEnd &operator=(const BusEnd &) = delete;

	/// Posts @c (validated: make_pending()) - or, before the guest joined
	/// the generation a fresh end starts, parks it until then. A call that
	/// cannot go is finished at once: ENODEV (closed), ENOTCONN, EBUSY,
	/// E2BIG, ECONNRESET.
	void submit(PendingCall &c, Clock::time_point now);
	/// The caller stops waiting for @c (ETIMEDOUT, EINTR, ECANCELED): @c
	/// is finished with @err; its slot stays reserved until the guest
	/// answers or the channel resets.
	void give_up(PendingCall &c, int err, Clock::time_point now);
	/// @count doorbells from the guest (an eventfd's coalesced value);
	/// true when they should be served (service()), false while throttled.
	bool on_doorbell(std::uint64_t count);
	/// Handshake, liveness and completions (@from_check: also nudges).
	void service(bool from_check, Clock::time_point now);
	/// Runs what is due at @now: the periodic check (service, throttle,
	/// stuck slots), and the time-outs of calls.
	void on_timer(Clock::time_point now);
	/// When on_timer() wants to run next.
	Clock::time_point next_wake() const;
	/// Peer @id left the bus: if it is the guest (a doorbell the guest
	/// published, pinned or proven), calls in flight fail with ECONNRESET
	/// and a new generation starts. Other peers (probes) are ignored.
	void peer_left(std::uint32_t id, Clock::time_point now);
	/// The ivshmem server is gone: as close(), and every later call
	/// fails with ENODEV.
	void server_closed();
	/// Fails every call in flight with ECONNRESET, frees every slot, new
	/// generation (CPC_IOCTL_CHANNEL_RESET). Throws cpc::Error(ENODEV) when
	/// closed.
	ResetResult reset(Clock::time_point now);
	/// Fails every call with ENODEV, publishes RESET and rings the guest;
	/// afterwards nothing touches the region. Idempotent.
	void close();

	void collect(std::vector<PendingCall *> &done);

	bool running() const { return cpc_ep_running(&ep_); }
	bool dead() const { return dead_; }
	bool throttled() const { return throttle_.on; }
	std::uint32_t generation() const { return ep_.generation; }
	std::uint32_t peer_generation() const { return ep_.peer_generation; }
	std::uint32_t inflight() const { return q_.inflight; }
	std::uint32_t max_out() const { return q_.slot_size; }
	std::uint64_t counter(unsigned c) const { return cnt_[c]; }
	std::uint64_t bad(enum cpc_bad why) const { return bad_[why]; }
	/// "ready", "waiting", "broken" or "removed" (as the kernel's sysfs).
	std::string state() const;
	/// The guest end's published state name.
	std::string peer_state() const;
	/// Doorbells the guest may be rung at now (for peer_left()).
	std::vector<cpc_doorbell> guest_doorbells() const;

private:
	void ring_guest();
	void finish(PendingCall &c, int err);
	void fail_all(int err);
	void restart(int err, unsigned why);
	void brk(enum cpc_bad why, std::uint64_t id);
	bool complete(const cpc_completion &cpl);
	void reap();
	int post(const cpc_req &req);
	int start(PendingCall &c);
	void check();
	void expire();
	void log(bool warn, const std::string &line);
	std::uint64_t ms() const;

	cpc_endpoint ep_{};
	cpc_hostq q_{};
	cpc_throttle throttle_{};
	RingFn ring_;
	LogFn log_;
	Options opts_;
	LogBudget budget_;
	Clock::time_point now_;
	Clock::time_point next_check_;
	Clock::time_point ready_until_;
	std::deque<PendingCall *> parked_;
	std::vector<PendingCall *> done_;
	std::array<std::uint64_t, kCounterCount> cnt_{};
	std::array<std::uint64_t, CPC_BAD_COUNT> bad_{};
	bool dead_ = false;
};

} // namespace cpc::bus
