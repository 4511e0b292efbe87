// SPDX-License-Identifier: GPL-2.0
// Unit tests of proto/cpc_peer.c: the RESET -> INIT -> READY -> RUN
// handshake between a host end and a guest end on one region, reset and
// reconnect of either end, BROKEN, and a full request/completion exchange.
#include <gtest/gtest.h>

extern "C" {
#include "cpc_peer.h"
}

#include <vector>

namespace {

constexpr std::uint64_t kRegion = 256u * 1024u;

struct Peers : ::testing::Test {
	std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(kRegion);
	cpc_endpoint host{}, guest{};

	void SetUp() override
	{
		ASSERT_EQ(0, cpc_ep_init(&host, mem.data(), kRegion, true));
		ASSERT_EQ(0, cpc_ep_init(&guest, mem.data(), kRegion, false));
		cpc_ep_set_doorbell(&host, 0, 0);
		cpc_ep_set_doorbell(&guest, 7, 1);
	}
	/* Steps both ends until nothing changes; returns the steps taken. */
	int settle()
	{
		int n = 0;
		for (int i = 0; i < 20; i++) {
			auto a = cpc_ep_step(&host);
			if (a == CPC_EP_DOWN)
				cpc_ep_host_reset(&host);
			auto b = cpc_ep_step(&guest);
			if (b == CPC_EP_DOWN)
				cpc_ep_guest_reset(&guest);
			if (a == CPC_EP_NONE && b == CPC_EP_NONE)
				break;
			n++;
		}
		return n;
	}
	void up()
	{
		cpc_ep_host_reset(&host);
		cpc_ep_guest_reset(&guest);
		settle();
		ASSERT_TRUE(cpc_ep_running(&host));
		ASSERT_TRUE(cpc_ep_running(&guest));
	}
};

TEST_F(Peers, HandshakeReachesRun)
{
	EXPECT_EQ(-EINVAL, cpc_ep_init(&host, mem.data(), 1024, true));
	ASSERT_EQ(0, cpc_ep_init(&host, mem.data(), kRegion, true));
	cpc_ep_host_reset(&host);
	EXPECT_EQ(CPC_STATE_READY, host.state);
	/* The guest is not there yet: the host waits. */
	EXPECT_EQ(CPC_EP_NONE, cpc_ep_step(&host));
	cpc_ep_guest_reset(&guest);
	EXPECT_EQ(CPC_STATE_INIT, guest.state);
	EXPECT_EQ(CPC_EP_CHANGED, cpc_ep_step(&guest));
	EXPECT_EQ(CPC_STATE_READY, guest.state);
	EXPECT_EQ(CPC_EP_UP, cpc_ep_step(&host));
	EXPECT_EQ(CPC_EP_UP, cpc_ep_step(&guest));
	EXPECT_TRUE(cpc_ep_running(&host));
	EXPECT_TRUE(cpc_ep_running(&guest));
	std::uint32_t vec = 0;
	EXPECT_EQ(7u, cpc_ep_peer_doorbell(&host, &vec));
	EXPECT_EQ(1u, vec);
	EXPECT_STREQ("run", cpc_state_name(host.state));
	EXPECT_STREQ("unknown", cpc_state_name(99));
}

TEST_F(Peers, GuestFirstThenHost)
{
	cpc_ep_guest_reset(&guest);
	EXPECT_EQ(CPC_EP_NONE, cpc_ep_step(&guest)) << "no header yet";
	cpc_ep_host_reset(&host);
	settle();
	EXPECT_TRUE(cpc_ep_running(&host));
	EXPECT_TRUE(cpc_ep_running(&guest));
}

TEST_F(Peers, GuestRejectsForeignLayout)
{
	cpc_ep_host_reset(&host);
	cpc_endpoint other{};
	/* A guest that sees a different region size never joins. */
	ASSERT_EQ(0, cpc_ep_init(&other, mem.data(), kRegion / 2, false));
	cpc_ep_guest_reset(&other);
	EXPECT_EQ(CPC_EP_NONE, cpc_ep_step(&other));
	EXPECT_EQ(CPC_STATE_INIT, other.state);
}

TEST_F(Peers, RequestsAndCompletionsFlow)
{
	up();
	cpc_request r{};
	r.id = 77;
	r.opcode = CPC_PROC_PING;
	cpc_req w{};
	cpc_req_encode(&w, &r);
	ASSERT_EQ(0, cpc_ring_push(&host.req, &w));
	EXPECT_TRUE(cpc_ring_publish(&host.req)) << "guest armed at adopt";
	cpc_req got_w{};
	ASSERT_EQ(0, cpc_ring_pop(&guest.req, &got_w));
	cpc_request got{};
	cpc_req_decode(&got, &got_w);
	EXPECT_EQ(CPC_BAD_NONE, cpc_req_check(&got, &guest.layout));
	cpc_completion c{};
	c.id = got.id;
	cpc_cpl cw{};
	cpc_cpl_encode(&cw, &c);
	ASSERT_EQ(0, cpc_ring_push(&guest.cpl, &cw));
	cpc_ring_publish(&guest.cpl);
	cpc_cpl back_w{};
	ASSERT_EQ(0, cpc_ring_pop(&host.cpl, &back_w));
	cpc_completion back{};
	cpc_cpl_decode(&back, &back_w);
	EXPECT_EQ(77u, back.id);
	/* Data area offsets resolve inside the region. */
	EXPECT_EQ(mem.data() + host.layout.data_off + 16,
		  static_cast<std::uint8_t *>(cpc_ep_data(&host, 16)));
}

TEST_F(Peers, GuestReloadReconnects)
{
	up();
	std::uint32_t gen = guest.generation;
	/* The guest module reloads: a fresh end point on the same region. */
	cpc_ep_publish(&guest, CPC_STATE_RESET);
	EXPECT_EQ(CPC_EP_DOWN, cpc_ep_step(&host));
	cpc_ep_host_reset(&host);
	ASSERT_EQ(0, cpc_ep_init(&guest, mem.data(), kRegion, false));
	cpc_ep_guest_reset(&guest);
	EXPECT_GT(guest.generation, gen) << "generations continue across reloads";
	settle();
	EXPECT_TRUE(cpc_ep_running(&host));
	EXPECT_TRUE(cpc_ep_running(&guest));
}

TEST_F(Peers, HostReloadReconnects)
{
	up();
	std::uint32_t hgen = host.generation;
	ASSERT_EQ(0, cpc_ep_init(&host, mem.data(), kRegion, true));
	cpc_ep_host_reset(&host);
	EXPECT_GT(host.generation, hgen);
	EXPECT_EQ(CPC_EP_DOWN, cpc_ep_step(&guest));
	cpc_ep_guest_reset(&guest);
	settle();
	EXPECT_TRUE(cpc_ep_running(&host));
	EXPECT_TRUE(cpc_ep_running(&guest));
}

TEST_F(Peers, GuestBrokenUntilHostResets)
{
	up();
	cpc_ep_publish(&guest, CPC_STATE_BROKEN);
	EXPECT_EQ(CPC_EP_NONE, cpc_ep_step(&guest)) << "stays broken by itself";
	EXPECT_EQ(CPC_STATE_BROKEN, guest.state);
	/* The host sees it and starts a new generation; the guest revives. */
	EXPECT_EQ(CPC_EP_DOWN, cpc_ep_step(&host));
	cpc_ep_host_reset(&host);
	settle();
	EXPECT_TRUE(cpc_ep_running(&host));
	EXPECT_TRUE(cpc_ep_running(&guest));
}

TEST_F(Peers, HostBrokenStartsOver)
{
	up();
	std::uint32_t gen = host.generation;
	cpc_ep_publish(&host, CPC_STATE_BROKEN);
	/* The guest sees the host leave RUN ... */
	EXPECT_EQ(CPC_EP_DOWN, cpc_ep_step(&guest));
	cpc_ep_guest_reset(&guest);
	/* ... and the host starts a new generation at its next step. */
	EXPECT_EQ(CPC_EP_DOWN, cpc_ep_step(&host));
	cpc_ep_host_reset(&host);
	EXPECT_GT(host.generation, gen);
	settle();
	EXPECT_TRUE(cpc_ep_running(&host));
	EXPECT_TRUE(cpc_ep_running(&guest));
}

TEST_F(Peers, UnknownOptionalFeaturesAreIgnored)
{
	cpc_ep_set_features(&guest, 0x5);	/* bits this host does not know */
	up();
	EXPECT_EQ(CPC_FEATURES_KNOWN, host.features);
	EXPECT_EQ(CPC_FEATURES_KNOWN & 0x5u, guest.features);
}

TEST_F(Peers, UnknownRequiredFeatureKeepsTheHostFromRunning)
{
	cpc_ep_set_features(&guest, 1u << 20);
	cpc_ep_host_reset(&host);
	cpc_ep_guest_reset(&guest);
	EXPECT_EQ(CPC_EP_CHANGED, cpc_ep_step(&guest)) << "the guest joins";
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(CPC_EP_INCOMPATIBLE, cpc_ep_step(&host));
	EXPECT_EQ(CPC_STATE_READY, host.state);
	EXPECT_FALSE(cpc_ep_running(&guest));
	EXPECT_EQ(1u << 20, cpc_ep_peer_features(&host));
	/* A guest without it (reloaded) gets through. */
	cpc_ep_set_features(&guest, 0);
	cpc_ep_guest_reset(&guest);
	settle();
	EXPECT_TRUE(cpc_ep_running(&host));
	EXPECT_TRUE(cpc_ep_running(&guest));
}

TEST_F(Peers, UnknownRequiredFeatureKeepsTheGuestOut)
{
	cpc_ep_set_features(&host, 1u << 31);
	cpc_ep_host_reset(&host);
	cpc_ep_guest_reset(&guest);
	EXPECT_EQ(CPC_EP_INCOMPATIBLE, cpc_ep_step(&guest));
	EXPECT_EQ(CPC_STATE_INIT, guest.state);
	EXPECT_EQ(CPC_EP_NONE, cpc_ep_step(&host));
	EXPECT_FALSE(cpc_ep_running(&host));
}

TEST_F(Peers, BothRunWithWhatBothSupport)
{
	/* Two ends of a later version that both know bits 3 and 17. */
	cpc_ep_set_features(&host, (1u << 3) | (1u << 17) | (1u << 4));
	cpc_ep_set_features(&guest, (1u << 3) | (1u << 17));
	up();
	EXPECT_EQ((1u << 3) | (1u << 17), host.features);
	EXPECT_EQ((1u << 3) | (1u << 17), guest.features);
}

TEST_F(Peers, StaleRequestsDoNotSurviveReset)
{
	up();
	cpc_req r{};
	ASSERT_EQ(0, cpc_ring_push(&host.req, &r));
	cpc_ring_publish(&host.req);
	/* The guest leaves without consuming; the host resets the rings. */
	cpc_ep_publish(&guest, CPC_STATE_RESET);
	ASSERT_EQ(CPC_EP_DOWN, cpc_ep_step(&host));
	cpc_ep_host_reset(&host);
	ASSERT_EQ(0, cpc_ep_init(&guest, mem.data(), kRegion, false));
	cpc_ep_guest_reset(&guest);
	settle();
	ASSERT_TRUE(cpc_ep_running(&guest));
	cpc_req got{};
	EXPECT_EQ(-EAGAIN, cpc_ring_pop(&guest.req, &got));
}

} // namespace
