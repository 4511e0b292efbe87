// SPDX-License-Identifier: GPL-2.0
// cpc::bus::BusEnd, the user-space host end's state machine, against a
// guest end in memory driven by the proto/ guest code: the handshake, calls,
// every hostile completion the kernel host end rejects (same code, same
// errno, same counters), time-outs and late answers, a guest that leaves,
// the server going away, nudges through lost doorbells, the throttle, the
// stuck-slot reset, and random writes into a live region.
#include <gtest/gtest.h>

#include "bus/bus_end.hpp"
#include "guest_end.hpp"
#include "test_util.hpp"

#include <linux/cpc_host.h>

#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using cpc::bus::BusEnd;
using cpc::detail::Clock;
using cpc::detail::PendingCall;
using namespace std::chrono_literals;
namespace b = cpc::bus;

constexpr std::uint32_t kHostId = 0, kGuestId = 1;

struct World {
	static constexpr std::uint64_t kRegion = 1u << 20;
	std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(kRegion);
	cpc_test::GuestEnd guest{mem.data(), kRegion, kGuestId};
	std::unique_ptr<BusEnd> host;
	Clock::time_point now = Clock::time_point{} + 1000h;
	bool guest_rung = false, host_rung = false;
	bool lose = false; // doorbells to the guest are lost
	long rings = 0;
	std::vector<std::string> logs;

	explicit World(BusEnd::Options o = {})
	{
		guest.ring_host = [this] { host_rung = true; };
		host = std::make_unique<BusEnd>(
			mem.data(), kRegion, kHostId,
			[this](std::uint32_t id, std::uint32_t v) {
				if (id != kGuestId || v != 0)
					return false;
				rings++;
				if (!lose)
					guest_rung = true;
				return true;
			},
			[this](bool, std::string_view l) { logs.emplace_back(l); }, o, now);
	}

	cpc_shm_header *hdr() { return reinterpret_cast<cpc_shm_header *>(mem.data()); }

	/// Delivers doorbells until none is pending (bounded).
	void deliver()
	{
		for (int i = 0; i < 16 && (guest_rung || host_rung); i++) {
			if (guest_rung) {
				guest_rung = false;
				guest.service();
			}
			if (host_rung) {
				host_rung = false;
				if (host->on_doorbell(1))
					host->service(false, now);
			}
		}
	}

	/// Time passes: the host's timer runs whenever it is due.
	void advance(std::chrono::milliseconds d)
	{
		auto end = now + d;
		while (host->next_wake() <= end && !host->dead()) {
			now = std::max(now, host->next_wake());
			host->on_timer(now);
			deliver();
		}
		now = end;
		host->on_timer(now);
		deliver();
	}

	void up()
	{
		deliver();
		for (int i = 0; i < 20 && !host->running(); i++)
			advance(100ms);
		ASSERT_TRUE(host->running());
		ASSERT_TRUE(cpc_ep_running(&guest.ep));
	}

	PendingCall req(std::uint32_t proc, std::uint64_t v = 0, std::chrono::milliseconds t = 0ms,
			std::size_t cap = 64)
	{
		cpc::CallRequest r;
		r.proc = proc;
		r.args[0] = v;
		r.out_capacity = cap;
		r.timeout = t;
		return cpc::detail::make_pending(r);
	}

	void submit(PendingCall &c)
	{
		host->submit(c, now);
		deliver();
	}

	std::vector<PendingCall *> done()
	{
		std::vector<PendingCall *> d;
		host->collect(d);
		return d;
	}
};

TEST(BusEnd, HandshakeAndCalls)
{
	World w;
	w.up();
	EXPECT_EQ("ready", w.host->state());
	EXPECT_EQ("run", w.host->peer_state());
	auto c = w.req(CPC_PROC_PING, 0x1234);
	w.submit(c);
	ASSERT_TRUE(c.finished);
	EXPECT_EQ(0, c.err);
	EXPECT_EQ(0x1234u, c.result.ret[0]);
	EXPECT_EQ(1u, c.result.ret[1]);
	auto i = w.req(CPC_PROC_INFO, 0, 0ms, 4096);
	w.submit(i);
	ASSERT_TRUE(i.finished);
	EXPECT_EQ(0, i.err);
	EXPECT_NE(std::string::npos, i.result.text().find("6.1.0-fake"));
	auto d = w.done();
	EXPECT_EQ(2u, d.size());
	EXPECT_EQ(2u, w.host->counter(b::kCalls));
	EXPECT_EQ(2u, w.host->counter(b::kCompleted));
	EXPECT_EQ(0u, w.host->inflight());
	// The guest's own errors are errnos, not protocol violations.
	auto x = w.req(CPC_PROC_LOG);
	w.submit(x);
	EXPECT_EQ(ENOSYS, x.err);
	EXPECT_EQ(1u, w.host->counter(b::kErrors));
	EXPECT_EQ(0u, w.host->counter(b::kBroken));
}

TEST(BusEnd, ValidatesTheRequestAsTheKernelDoes)
{
	cpc::CallRequest r;
	r.proc = CPC_PROC_ID_MAX + 1;
	EXPECT_EQ(EINVAL, cpc_test::errno_of([&] { cpc::detail::make_pending(r); }));
	r.proc = CPC_PROC_PING;
	r.timeout = std::chrono::milliseconds(CPC_CALL_TIMEOUT_MAX_MS + 1);
	EXPECT_EQ(EINVAL, cpc_test::errno_of([&] { cpc::detail::make_pending(r); }));
	r.timeout = 0ms;
	std::vector<std::uint8_t> big(CPC_CALL_ARG_MAX + 1);
	r.arg = big;
	EXPECT_EQ(E2BIG, cpc_test::errno_of([&] { cpc::detail::make_pending(r); }));
	r.arg = {};
	auto c = cpc::detail::make_pending(r);
	EXPECT_EQ(std::chrono::milliseconds(CPC_CALL_TIMEOUT_DEFAULT_MS), c.timeout);
}

TEST(BusEnd, ArgumentEchoAndCapacityClampedToASlot)
{
	World w;
	w.up();
	std::vector<std::uint8_t> arg(100, 0xab);
	cpc::CallRequest r;
	r.proc = CPC_PROC_PING;
	r.arg = arg;
	r.out_capacity = 1u << 30;
	auto c = cpc::detail::make_pending(r);
	w.submit(c);
	ASSERT_TRUE(c.finished);
	EXPECT_EQ(0, c.err);
	EXPECT_EQ(arg, c.result.out);
	cpc_layout l;
	ASSERT_EQ(0, cpc_layout_compute(&l, World::kRegion));
	EXPECT_EQ((l.data_size / 256) & ~63u, w.host->max_out());
}

/* Each kind of bad completion: the errno the caller gets, the counter, a
 * new generation, and the channel back at once. */
struct Hostile {
	const char *name;
	enum cpc_bad why;
	int err;
	std::function<void(cpc_cpl &)> tamper;
};

TEST(BusEnd, EveryBadCompletionBreaksOnlyThisChannelAndItComesBack)
{
	const Hostile cases[] = {
		{"unknown id", CPC_BAD_ID, ECONNRESET, [](cpc_cpl &c) { c.id ^= 0x100; }},
		{"bad status", CPC_BAD_STATUS, EPROTO, [](cpc_cpl &c) { c.status = 77; }},
		{"out_len past the buffer", CPC_BAD_LEN, EPROTO, [](cpc_cpl &c) { c.out_len = 65; }},
	};
	for (const auto &h : cases) {
		World w;
		w.up();
		auto gen = w.host->generation();
		w.guest.tamper = h.tamper;
		auto c = w.req(CPC_PROC_PING, 5);
		w.submit(c);
		ASSERT_TRUE(c.finished) << h.name;
		EXPECT_EQ(h.err, c.err) << h.name;
		EXPECT_EQ(1u, w.host->bad(h.why)) << h.name;
		EXPECT_EQ(1u, w.host->counter(b::kBroken)) << h.name;
		EXPECT_EQ(0u, w.host->inflight()) << h.name;
		// BROKEN was published; the guest saw it and the host started over.
		EXPECT_GT(w.host->generation(), gen) << h.name;
		w.guest.tamper = nullptr;
		w.advance(200ms);
		EXPECT_EQ("ready", w.host->state()) << h.name;
		EXPECT_GT(w.host->generation(), gen) << h.name;
		auto ok = w.req(CPC_PROC_PING, 6);
		w.submit(ok);
		EXPECT_EQ(0, ok.err) << h.name;
		EXPECT_FALSE(w.logs.empty()) << h.name;
	}
}

TEST(BusEnd, DuplicateAnswerAndBrokenRingIndex)
{
	{
		World w;
		w.up();
		auto c = w.req(CPC_PROC_PING, 1);
		cpc_cpl dup{};
		w.guest.tamper = [&](cpc_cpl &x) { dup = x; };
		w.submit(c);
		EXPECT_EQ(0, c.err);
		// The guest answers the same id again.
		ASSERT_EQ(0, cpc_ring_push(&w.guest.ep.cpl, &dup));
		cpc_ring_publish(&w.guest.ep.cpl);
		w.host_rung = true;
		w.deliver();
		EXPECT_EQ(1u, w.host->bad(CPC_BAD_ID));
		EXPECT_EQ(0u, w.host->counter(b::kLate));
	}
	{
		World w;
		w.up();
		auto c = w.req(CPC_PROC_PING, 1, 5000ms);
		w.guest.silent = true;
		w.guest.consume_when_silent = false;
		w.submit(c);
		EXPECT_FALSE(c.finished);
		// The completion ring's producer index jumps past its size.
		w.guest.ep.cpl.idx->prod = w.guest.ep.cpl.idx->cons + 1000;
		w.host_rung = true;
		w.deliver();
		ASSERT_TRUE(c.finished);
		EXPECT_EQ(ECONNRESET, c.err);
		EXPECT_EQ(1u, w.host->bad(CPC_BAD_INDEX));
		w.guest.silent = false;
		w.advance(300ms);
		auto ok = w.req(CPC_PROC_PING, 2);
		w.submit(ok);
		EXPECT_EQ(0, ok.err);
	}
}

TEST(BusEnd, TimeoutKeepsTheSlotUntilTheLateAnswer)
{
	World w;
	w.up();
	w.guest.silent = true;
	w.guest.consume_when_silent = false;
	auto c = w.req(CPC_PROC_PING, 9, 300ms);
	w.submit(c);
	EXPECT_FALSE(c.finished);
	EXPECT_LE(w.host->next_wake(), w.now + 300ms);
	w.advance(299ms);
	EXPECT_FALSE(c.finished);
	w.advance(1ms);
	ASSERT_TRUE(c.finished);
	EXPECT_EQ(ETIMEDOUT, c.err);
	EXPECT_EQ(1u, w.host->counter(b::kTimeouts));
	EXPECT_EQ(1u, w.host->inflight()); // reserved until answered
	w.guest.silent = false;
	w.guest_rung = true;
	w.deliver();
	EXPECT_EQ(1u, w.host->counter(b::kLate));
	EXPECT_EQ(0u, w.host->inflight());
	EXPECT_EQ(0u, w.host->counter(b::kBroken));
}

TEST(BusEnd, GiveUpByTheCaller)
{
	World w;
	w.up();
	w.guest.silent = true;
	w.guest.consume_when_silent = false;
	auto c = w.req(CPC_PROC_PING, 9);
	w.submit(c);
	w.host->give_up(c, EINTR, w.now);
	EXPECT_TRUE(c.finished);
	EXPECT_EQ(EINTR, c.err);
	EXPECT_TRUE(w.done().empty()); // the caller knows already
	EXPECT_EQ(0u, w.host->counter(b::kTimeouts));
	EXPECT_EQ(1u, w.host->inflight());
}

TEST(BusEnd, GuestLeavingTheBusFailsCallsInFlight)
{
	World w;
	w.up();
	w.guest.silent = true;
	auto c = w.req(CPC_PROC_PING, 9);
	w.submit(c);
	auto gen = w.host->generation();
	w.host->peer_left(7, w.now); // a probe, not the guest
	EXPECT_FALSE(c.finished);
	w.host->peer_left(kGuestId, w.now);
	ASSERT_TRUE(c.finished);
	EXPECT_EQ(ECONNRESET, c.err);
	EXPECT_EQ(1u, w.host->counter(b::kResets));
	EXPECT_EQ(gen + 1, w.host->generation());
	EXPECT_EQ("waiting", w.host->state());
}

TEST(BusEnd, GuestPublishingResetFailsCallsInFlight)
{
	World w;
	w.up();
	w.guest.silent = true;
	auto c = w.req(CPC_PROC_PING, 9);
	w.submit(c);
	w.guest.leave();
	w.lose = true; // and stays away
	w.deliver();
	ASSERT_TRUE(c.finished);
	EXPECT_EQ(ECONNRESET, c.err);
	EXPECT_EQ("waiting", w.host->state());
	// Past the first window a call on a channel that is not up fails at once.
	w.advance(6000ms);
	auto d = w.req(CPC_PROC_PING);
	w.submit(d);
	ASSERT_TRUE(d.finished);
	EXPECT_EQ(ENOTCONN, d.err);
}

TEST(BusEnd, ServerGoneFailsEverythingWithEnodev)
{
	World w;
	w.up();
	w.guest.silent = true;
	auto c = w.req(CPC_PROC_PING, 9);
	w.submit(c);
	w.host->server_closed();
	ASSERT_TRUE(c.finished);
	EXPECT_EQ(ENODEV, c.err);
	EXPECT_EQ("removed", w.host->state());
	EXPECT_EQ(static_cast<std::uint32_t>(CPC_STATE_RESET), w.hdr()->host.state);
	auto d = w.req(CPC_PROC_PING);
	w.submit(d);
	EXPECT_EQ(ENODEV, d.err);
	EXPECT_EQ(ENODEV, cpc_test::errno_of([&] { w.host->reset(w.now); }));
}

TEST(BusEnd, DestroyedEndTellsTheGuest)
{
	World w;
	w.up();
	w.host.reset();
	EXPECT_EQ(static_cast<std::uint32_t>(CPC_STATE_RESET), w.hdr()->host.state);
	EXPECT_TRUE(w.guest_rung);
	w.guest.service();
	EXPECT_FALSE(cpc_ep_running(&w.guest.ep));
}

TEST(BusEnd, CallsWaitForTheGuestToJoinAFreshEnd)
{
	BusEnd::Options o;
	o.ready_timeout = 2000ms;
	{
		World w(o);
		auto c = w.req(CPC_PROC_PING, 3);
		w.host->submit(c, w.now); // nobody delivered anything yet
		EXPECT_FALSE(c.finished);
		w.deliver();
		ASSERT_TRUE(c.finished);
		EXPECT_EQ(0, c.err);
		EXPECT_EQ(3u, c.result.ret[0]);
	}
	{
		World w(o);
		w.lose = true; // the guest never hears of us
		w.guest_rung = false;
		auto c = w.req(CPC_PROC_PING, 3, 10000ms);
		w.submit(c);
		w.advance(1999ms);
		EXPECT_FALSE(c.finished);
		w.advance(1ms);
		ASSERT_TRUE(c.finished);
		EXPECT_EQ(ENOTCONN, c.err);
	}
}

TEST(BusEnd, FullRingIsEbusy)
{
	World w;
	w.up();
	w.guest.silent = true;
	w.guest.consume_when_silent = false;
	std::vector<PendingCall> cs;
	cs.reserve(300);
	for (int i = 0; i < 256; i++) {
		cs.push_back(w.req(CPC_PROC_PING, i, 60000ms));
		w.host->submit(cs.back(), w.now);
		ASSERT_FALSE(cs.back().finished) << i;
	}
	cs.push_back(w.req(CPC_PROC_PING));
	w.host->submit(cs.back(), w.now);
	EXPECT_TRUE(cs.back().finished);
	EXPECT_EQ(EBUSY, cs.back().err);
	// An admin reset frees them all.
	auto gen = w.host->generation();
	auto r = w.host->reset(w.now);
	EXPECT_EQ(256u, r.inflight);
	EXPECT_EQ(gen + 1, r.generation);
	EXPECT_EQ(1u, w.host->counter(b::kAdminResets));
	for (int i = 0; i < 256; i++)
		EXPECT_EQ(ECONNRESET, cs[i].err);
	EXPECT_EQ(0u, w.host->inflight());
}

TEST(BusEnd, EverySlotGivenUpResetsTheChannelAfterStuckReset)
{
	BusEnd::Options o;
	o.stuck_reset = 1000ms;
	World w(o);
	w.up();
	w.guest.silent = true;
	w.guest.consume_when_silent = false;
	std::vector<PendingCall> cs;
	cs.reserve(256);
	for (int i = 0; i < 256; i++) {
		cs.push_back(w.req(CPC_PROC_PING, i, 100ms));
		w.host->submit(cs.back(), w.now);
	}
	w.advance(100ms);
	for (auto &c : cs)
		EXPECT_EQ(ETIMEDOUT, c.err);
	auto gen = w.host->generation();
	w.advance(999ms);
	EXPECT_EQ(0u, w.host->counter(b::kStuckResets));
	w.advance(1ms);
	EXPECT_EQ(1u, w.host->counter(b::kStuckResets));
	EXPECT_EQ(gen + 1, w.host->generation());
	w.guest.silent = false;
	w.advance(300ms);
	auto ok = w.req(CPC_PROC_PING, 1);
	w.submit(ok);
	EXPECT_EQ(0, ok.err);
}

TEST(BusEnd, NudgesGetThroughLostDoorbells)
{
	World w;
	w.up();
	w.lose = true;
	auto c = w.req(CPC_PROC_PING, 4, 5000ms);
	w.submit(c);
	EXPECT_FALSE(c.finished);
	// The next periodic check (idle in RUN: within 1 s) nudges, and then
	// checks 3, 7, ... while nothing is consumed: all lost too.
	w.advance(1500ms);
	EXPECT_GE(w.host->counter(b::kNudges), 2u);
	EXPECT_FALSE(c.finished);
	w.lose = false;
	w.advance(2000ms);
	ASSERT_TRUE(c.finished);
	EXPECT_EQ(0, c.err);
	// An idle channel in RUN is never rung.
	auto rings = w.rings;
	w.advance(10000ms);
	EXPECT_EQ(rings, w.rings);
}

TEST(BusEnd, ACallOnAnIdleChannelBringsTheCheckWithin100ms)
{
	// Right after an idle check the next one is 1 s away; a call makes
	// it due within CPC_HOST_CHECK_DOWN_MS, so a lost doorbell costs
	// 100-odd ms, not up to a second (make bench saw 1.0 s calls).
	World w;
	w.up();
	w.advance(std::chrono::duration_cast<std::chrono::milliseconds>(w.host->next_wake() - w.now) +
		  1ms);
	ASSERT_GE(w.host->next_wake() - w.now, 900ms);
	w.lose = true;
	auto c = w.req(CPC_PROC_PING, 9, 5000ms);
	w.submit(c);
	w.lose = false;
	EXPECT_FALSE(c.finished);
	EXPECT_LE(w.host->next_wake() - w.now, 100ms);
	w.advance(350ms);
	ASSERT_TRUE(c.finished);
	EXPECT_EQ(0, c.err);
	EXPECT_EQ(9u, c.result.ret[0]);
}

TEST(BusEnd, ALostDoorbellRightAfterOtherCallsIsNudgedWithin100ms)
{
	// Calls completed since the last check, then a call's doorbell is
	// lost: the next check must nudge (~100 ms). Judged against the mark
	// of the check before (older than the calls the guest consumed), the
	// nudge waited for the second check (200 ms).
	World w;
	w.up();
	w.advance(std::chrono::duration_cast<std::chrono::milliseconds>(w.host->next_wake() - w.now) +
		  1ms);
	auto c1 = w.req(CPC_PROC_PING, 1, 5000ms);
	w.submit(c1);
	ASSERT_TRUE(c1.finished);
	w.advance(1ms);
	w.lose = true;
	auto c = w.req(CPC_PROC_PING, 9, 5000ms);
	w.submit(c);
	w.lose = false;
	EXPECT_FALSE(c.finished);
	auto t0 = w.now;
	for (int i = 0; i < 40 && !c.finished; i++)
		w.advance(10ms);
	ASSERT_TRUE(c.finished);
	EXPECT_EQ(0, c.err);
	EXPECT_EQ(9u, c.result.ret[0]);
	EXPECT_LE(w.now - t0, 110ms);
	EXPECT_EQ(1u, w.host->counter(b::kNudges));
}

TEST(BusEnd, AFloodingGuestIsThrottledThenReleased)
{
	World w;
	w.up();
	EXPECT_TRUE(w.host->on_doorbell(1000)); // one window, no calls
	w.advance(1100ms);
	EXPECT_TRUE(w.host->throttled());
	EXPECT_EQ(1u, w.host->counter(b::kThrottles));
	EXPECT_FALSE(w.host->on_doorbell(5));
	EXPECT_EQ(5u, w.host->counter(b::kIgnored));
	// Served by the periodic check alone meanwhile.
	auto c = w.req(CPC_PROC_PING, 8);
	w.host->submit(c, w.now);
	w.guest.service(); // the guest answers; its doorbell is ignored
	w.host_rung = false;
	EXPECT_FALSE(c.finished);
	w.advance(100ms);
	ASSERT_TRUE(c.finished);
	EXPECT_EQ(0, c.err);
	w.advance(2100ms);
	EXPECT_FALSE(w.host->throttled());
	EXPECT_TRUE(w.host->on_doorbell(1));
}

TEST(BusEnd, ALogBudgetPerChannel)
{
	World w;
	w.up();
	for (int i = 0; i < 50; i++) {
		w.guest.leave();
		w.deliver();
		cpc_ep_guest_reset(&w.guest.ep);
		w.guest_rung = true;
		w.deliver();
	}
	EXPECT_LE(w.logs.size(), 5u);
	w.advance(10s);
	w.guest.leave();
	w.deliver();
	EXPECT_GT(w.logs.size(), 5u);
	EXPECT_LE(w.logs.size(), 10u);
}

/* chan_mutate's user-space twin: random writes into a live region while
 * calls run; no crash, and afterwards the channel comes back by itself. */
TEST(BusEnd, RandomWritesIntoALiveRegion)
{
	std::mt19937_64 rng(42);
	World w;
	w.up();
	std::vector<PendingCall> cs;
	cs.reserve(20000);
	cpc_layout l;
	ASSERT_EQ(0, cpc_layout_compute(&l, World::kRegion));
	std::uint64_t limit = l.data_off + 4096; // header, both rings, some data
	for (int i = 0; i < 12000; i++) {
		auto off = std::uniform_int_distribution<std::uint64_t>(0, limit)(rng);
		w.mem[off] = static_cast<std::uint8_t>(rng());
		if (i % 10 == 0) {
			cs.push_back(w.req(CPC_PROC_PING, i, 200ms));
			w.submit(cs.back());
		}
		if (i % 100 == 0)
			w.advance(100ms);
	}
	w.advance(1000ms);
	for (auto &c : cs)
		EXPECT_TRUE(c.finished);
	int rounds = 0;
	for (; rounds < 64; rounds++) {
		auto c = w.req(CPC_PROC_PING, 77, 1000ms);
		w.submit(c);
		w.advance(100ms);
		if (c.finished && c.err == 0 && c.result.ret[0] == 77)
			break;
	}
	EXPECT_LT(rounds, 64);
}

} // namespace
