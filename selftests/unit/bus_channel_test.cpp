// SPDX-License-Identifier: GPL-2.0
// The user-space host end end to end, without a VM: cpc::ivshmem::Server
// in-process, a guest end on a second peer connection (as QEMU's
// ivshmem-doorbell device plus cpc_guest would be; GuestPeer), and
// cpc::open_channel("bus:<socket>") - synchronous calls, the job engine on
// io_uring, sweep-like jobs on two buses, the one-host-end lock, a guest
// that leaves mid-call, the server going away, the raw ping-pong, the
// list/show probe.
#include <gtest/gtest.h>

#include <cpc/bench.hpp>
#include <cpc/channel.hpp>
#include <cpc/job.hpp>

#include "guest_end.hpp"
#include "server_util.hpp"
#include "test_util.hpp"

#include <future>
#include <memory>
#include <thread>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Bus {
	explicit Bus(const std::string &dir, const std::string &name = "b", bool plain = false)
	{
		cpc::ivshmem::Options o;
		o.socket_path = dir + "/" + name + ".sock";
		o.size = 4u << 20;
		o.vectors = 2;
		o.plain = plain;
		o.log = [](std::string_view) {};
		server = std::make_unique<cpc::ivshmem::Server>(o);
		run = std::make_unique<cpc_test::Runner>(*server);
		sock = o.socket_path;
		name_ = "bus:" + sock;
	}
	~Bus()
	{
		run.reset();
	}
	std::unique_ptr<cpc::ivshmem::Server> server;
	std::unique_ptr<cpc_test::Runner> run;
	std::string sock, name_;
};

cpc::OpenOptions quiet()
{
	cpc::OpenOptions o;
	o.log = [](std::string_view) {};
	return o;
}

std::string what(const std::function<void()> &f)
{
	try {
		f();
	} catch (const cpc::Error &e) {
		return e.what();
	}
	return "";
}

class BusChannelTest : public ::testing::Test {
protected:
	cpc_test::TempDir dir;
	Bus bus{dir.path};
};

TEST_F(BusChannelTest, SynchronousCalls)
{
	cpc_test::GuestPeer guest(bus.sock);
	auto ch = cpc::open_channel(bus.name_, quiet());
	EXPECT_EQ("bus", ch->transport());
	EXPECT_EQ(bus.name_, ch->name());
	cpc::CallRequest r;
	r.proc = CPC_PROC_PING;
	r.args[0] = 4242;
	auto res = ch->call(r);
	EXPECT_EQ(4242u, res.ret[0]);
	EXPECT_EQ(1u, res.ret[1]);
	r.proc = CPC_PROC_INFO;
	EXPECT_NE(std::string::npos, ch->call(r).text().find("6.1.0-fake"));
	auto st = ch->status();
	EXPECT_EQ("ready", st.state);
	EXPECT_EQ("run", st.peer_state);
	EXPECT_EQ(2u, st.counters["calls"]);
	EXPECT_EQ(2u, st.counters["completed"]);
	EXPECT_EQ("attached", st.host_end);
	EXPECT_EQ(std::vector<std::uint32_t>{guest.id()}, st.peers);
	// The guest's own answers come back as errnos.
	r.proc = CPC_PROC_LOG;
	EXPECT_EQ("call log on " + bus.name_ + ": Function not implemented", what([&] { ch->call(r); }));
	// An opcode no procedure holds is the guest's ENOSYS; one past
	// CPC_PROC_ID_MAX is refused before it reaches the ring.
	r.proc = 99;
	EXPECT_EQ(ENOSYS, cpc_test::errno_of([&] { ch->call(r); }));
	r.proc = CPC_PROC_ID_MAX + 1;
	EXPECT_EQ(EINVAL, cpc_test::errno_of([&] { ch->call(r); }));
}

TEST_F(BusChannelTest, OneHostEndPerBus)
{
	cpc_test::GuestPeer guest(bus.sock);
	auto ch = cpc::open_channel(bus.name_, quiet());
	EXPECT_EQ(bus.name_ + ": another host end is attached: Device or resource busy",
		  what([&] { cpc::open_channel(bus.name_, quiet()); }));
	// The probe sees it, without taking anything.
	cpc::CallRequest ping;
	ch->call(ping);
	auto s = cpc::show_channel(bus.name_);
	EXPECT_EQ("attached", s.host_end);
	EXPECT_EQ("ready", s.state);
	ch.reset();
	s = cpc::show_channel(bus.name_);
	EXPECT_EQ("none", s.host_end);
	// The next host end starts a new generation; the guest joins it.
	auto gen = s.generation;
	auto ch2 = cpc::open_channel(bus.name_, quiet());
	cpc::CallRequest r;
	r.proc = CPC_PROC_PING;
	ch2->call(r);
	EXPECT_GT(ch2->status().generation, gen);
}

TEST_F(BusChannelTest, AClosedHostEndTellsTheGuest)
{
	cpc_test::GuestPeer guest(bus.sock);
	{
		auto ch = cpc::open_channel(bus.name_, quiet());
		cpc::CallRequest r;
		ch->call(r);
		EXPECT_TRUE(guest.with([](cpc_test::GuestEnd &g) { return cpc_ep_running(&g.ep); }));
	}
	// RESET was published and rung: the guest left RUN.
	for (int i = 0; i < 100 && guest.with([](cpc_test::GuestEnd &g) { return cpc_ep_running(&g.ep); }); i++)
		std::this_thread::sleep_for(10ms);
	EXPECT_FALSE(guest.with([](cpc_test::GuestEnd &g) { return cpc_ep_running(&g.ep); }));
}

TEST_F(BusChannelTest, NotACpcBus)
{
	Bus plain(dir.path, "plain", true);
	EXPECT_EQ(plain.name_ + ": not a cpc bus (no bus tag): No such device",
		  what([&] { cpc::open_channel(plain.name_, quiet()); }));
	EXPECT_EQ(ENODEV, cpc_test::errno_of([&] { cpc::show_channel(plain.name_); }));
	// list_channels leaves it out, and lists the real one.
	cpc::ListOptions lo;
	lo.sysfs = dir.path + "/no-sysfs";
	lo.bus_dirs = std::vector<std::string>{dir.path};
	auto l = cpc::list_channels(lo);
	ASSERT_EQ(1u, l.size());
	EXPECT_EQ(bus.name_, l[0].name);
	EXPECT_EQ("bus", l[0].transport);
	EXPECT_EQ("none", l[0].host_end);
}

TEST_F(BusChannelTest, NoGuestWithinTheReadyTimeoutIsEnotconn)
{
	auto o = quiet();
	o.ready_timeout = 300ms;
	auto ch = cpc::open_channel(bus.name_, o);
	auto t0 = Clock::now();
	cpc::CallRequest r;
	EXPECT_EQ("call ping on " + bus.name_ + ": Transport endpoint is not connected",
		  what([&] { ch->call(r); }));
	auto t = Clock::now() - t0;
	EXPECT_GE(t, 250ms);
	EXPECT_LT(t, 2s);
	// Later calls on a channel that is not up fail at once.
	t0 = Clock::now();
	EXPECT_EQ(ENOTCONN, cpc_test::errno_of([&] { ch->call(r); }));
	EXPECT_LT(Clock::now() - t0, 100ms);
	EXPECT_EQ("waiting", ch->status().state);
}

TEST_F(BusChannelTest, SilentGuestTimesOut)
{
	cpc_test::GuestPeer guest(bus.sock);
	auto ch = cpc::open_channel(bus.name_, quiet());
	cpc::CallRequest r;
	ch->call(r);
	guest.with([](cpc_test::GuestEnd &g) {
		g.silent = true;
		g.consume_when_silent = false;
		return 0;
	});
	r.timeout = 200ms;
	auto t0 = Clock::now();
	EXPECT_EQ(ETIMEDOUT, cpc_test::errno_of([&] { ch->call(r); }));
	EXPECT_LT(Clock::now() - t0, 1s);
	EXPECT_EQ(1u, ch->status().counters["timeouts"]);
	EXPECT_EQ(1u, ch->status().inflight);
	// A reset frees the slot; the guest rejoins.
	guest.with([](cpc_test::GuestEnd &g) { return g.silent = false; });
	auto rr = ch->reset();
	EXPECT_EQ(1u, rr.inflight);
	r.timeout = 0ms;
	ch->call(r);
	EXPECT_EQ(1u, ch->status().counters["admin_resets"]);
}

TEST_F(BusChannelTest, GuestVanishingMidCallIsEconnresetAtOnce)
{
	auto guest = std::make_unique<cpc_test::GuestPeer>(bus.sock);
	auto ch = cpc::open_channel(bus.name_, quiet());
	cpc::CallRequest r;
	ch->call(r);
	guest->with([](cpc_test::GuestEnd &g) { return g.silent = true; });
	r.timeout = 10000ms;
	auto f = std::async(std::launch::async, [&] {
		auto t0 = Clock::now();
		int e = cpc_test::errno_of([&] { ch->call(r); });
		return std::make_pair(e, Clock::now() - t0);
	});
	std::this_thread::sleep_for(200ms);
	guest->disconnect(); // QEMU killed: the server says the peer left
	auto [err, t] = f.get();
	EXPECT_EQ(ECONNRESET, err);
	EXPECT_LT(t, 2s);
	EXPECT_EQ(1u, ch->status().counters["resets"]);
	// A new guest (a restarted VM) joins the new generation.
	guest = std::make_unique<cpc_test::GuestPeer>(bus.sock);
	r.timeout = 0ms;
	bool ok = false;
	for (int i = 0; i < 50 && !ok; i++) {
		try {
			ch->call(r);
			ok = true;
		} catch (const cpc::Error &e) {
			EXPECT_EQ(ENOTCONN, e.errnum());
			std::this_thread::sleep_for(100ms);
		}
	}
	EXPECT_TRUE(ok);
}

TEST_F(BusChannelTest, ServerGoneIsEnodev)
{
	cpc_test::GuestPeer guest(bus.sock);
	auto ch = cpc::open_channel(bus.name_, quiet());
	cpc::CallRequest r;
	ch->call(r);
	bus.run.reset();
	bus.server.reset();
	EXPECT_EQ(ENODEV, cpc_test::errno_of([&] { ch->call(r); }));
	EXPECT_EQ("removed", ch->status().state);
	EXPECT_EQ(ENODEV, cpc_test::errno_of([&] { ch->reset(); }));
}

TEST_F(BusChannelTest, JobEngineKeepsDepthInFlightOnTheRing)
{
	cpc_test::GuestPeer guest(bus.sock);
	auto ch = cpc::open_channel(bus.name_, quiet());
	cpc::PingJob job(500);
	auto st = cpc::run_job(ch, job, -1, 8);
	EXPECT_EQ(500u, st.calls);
	EXPECT_LE(st.max_calls_in_flight, 8u);
	EXPECT_GE(st.max_calls_in_flight, 2u);
	// The channel is usable synchronously again afterwards.
	cpc::CallRequest r;
	EXPECT_EQ(0u, ch->call(r).ret[0]);
	// The bench at depth 1 and 16.
	auto b1 = cpc::bench_calls(*ch, 100, 1);
	EXPECT_EQ(100u, b1.latency.count);
	auto b16 = cpc::bench_calls(*ch, 300, 16);
	EXPECT_EQ(300u, b16.latency.count);
}

TEST_F(BusChannelTest, ManyGuestsOnOneRingAFailureEndsOnlyItsJob)
{
	Bus bus2(dir.path, "b2"), bus3(dir.path, "b3");
	cpc_test::GuestPeer g1(bus.sock), g2(bus2.sock), g3(bus3.sock);
	g3.with([](cpc_test::GuestEnd &g) {
		g.tamper = [](cpc_cpl &c) { c.status = 77; };
		return 0;
	});
	cpc::JobEngine e(2);
	std::vector<std::unique_ptr<cpc::SweepJob>> jobs;
	for (const auto *b : {&bus, &bus2, &bus3}) {
		jobs.push_back(std::make_unique<cpc::SweepJob>());
		e.add(cpc::open_channel(b->name_, quiet()), *jobs.back());
	}
	std::size_t reports = 0;
	auto out = e.run([&](const cpc::JobProgress &p) {
		reports++;
		EXPECT_EQ(3u, p.jobs);
		EXPECT_LE(p.done, p.total);
	});
	ASSERT_EQ(3u, out.size());
	EXPECT_FALSE(out[0].error);
	EXPECT_FALSE(out[1].error);
	ASSERT_TRUE(out[2].error);
	EXPECT_EQ(EPROTO, out[2].error->errnum());
	EXPECT_NE(std::string::npos, jobs[0]->info().find("6.1.0-fake"));
	EXPECT_GT(jobs[1]->ping_time().count(), 0);
	EXPECT_GT(reports, 0u);
}

TEST_F(BusChannelTest, RawPingPongOnTheSamePath)
{
	cpc_test::GuestPeer guest(bus.sock);
	auto ch = cpc::open_channel(bus.name_, quiet());
	cpc::CallRequest r;
	ch->call(r);
	EXPECT_EQ(ETIMEDOUT, cpc_test::errno_of([&] { cpc::bus_pingpong(*ch, 3, 200ms); }));
	guest.reflect = true;
	auto p = cpc::bus_pingpong(*ch, 200);
	EXPECT_EQ(200u, p.latency.count);
	EXPECT_GT(p.latency.median_ns, 0u);
}

} // namespace
