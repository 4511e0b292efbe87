// SPDX-License-Identifier: GPL-2.0
// proto/cpc_hostq.c: the host end's slot table and throttle, shared by
// cpc_host.ko and libcpc's user-space host end.
#include <gtest/gtest.h>

extern "C" {
#include "cpc_hostq.h"
}

#include <algorithm>
#include <vector>

namespace {

struct Table {
	cpc_layout l{};
	cpc_hostq q{};
	explicit Table(std::uint64_t region = 16u << 20)
	{
		EXPECT_EQ(0, cpc_layout_compute(&l, region));
		cpc_hostq_init(&q, &l);
	}
};

TEST(HostQ, SlotSizeIsTheDataAreaShareRoundedTo64)
{
	Table t;
	EXPECT_EQ(256u, t.q.entries);
	EXPECT_EQ((t.l.data_size / 256) & ~63u, t.q.slot_size);
	EXPECT_EQ(65344u, t.q.slot_size); // Documentation/cpc.md: max_out on a 16 MiB bus
	EXPECT_EQ(0u, t.q.inflight);
}

TEST(HostQ, IdsCarryASequenceAndTheSlot)
{
	Table t;
	int owner;
	cpc_request r;
	std::uint32_t cap = 100;
	ASSERT_EQ(0, cpc_hostq_get(&t.q, 10, &cap, &owner, &r));
	EXPECT_EQ((1ull << 8) | 0, r.id);
	EXPECT_EQ(0u, r.arg_off);
	EXPECT_EQ(10u, r.arg_len);
	EXPECT_EQ(64u, r.out_off); // after the argument, 64-byte aligned
	EXPECT_EQ(100u, r.out_len);
	EXPECT_EQ(100u, cap);
	EXPECT_EQ(&owner, t.q.slot[0].owner);
	cap = 1u << 30; // more than a slot: clamped
	ASSERT_EQ(0, cpc_hostq_get(&t.q, 0, &cap, nullptr, &r));
	EXPECT_EQ((2ull << 8) | 1, r.id);
	EXPECT_EQ(0u, r.arg_off);
	EXPECT_EQ(t.q.slot_size, cap);
	EXPECT_EQ(t.q.slot_size, r.out_off);
	EXPECT_EQ(2u, t.q.inflight);
	EXPECT_EQ(1u, cpc_hostq_index(&t.q, r.id));
	// No result buffer asked for: none given.
	cap = 0;
	ASSERT_EQ(0, cpc_hostq_get(&t.q, 0, &cap, nullptr, &r));
	EXPECT_EQ(0u, r.out_off);
	EXPECT_EQ(0u, r.out_len);
}

TEST(HostQ, TooBigAndFull)
{
	Table t;
	cpc_request r;
	std::uint32_t cap = 0;
	EXPECT_EQ(-E2BIG, cpc_hostq_get(&t.q, t.q.slot_size + 1, &cap, nullptr, &r));
	EXPECT_EQ(-E2BIG, cpc_hostq_get(&t.q, 0xffffffffu, &cap, nullptr, &r));
	EXPECT_EQ(0u, t.q.inflight);
	for (unsigned i = 0; i < t.q.entries; i++)
		ASSERT_EQ(0, cpc_hostq_get(&t.q, 0, &cap, nullptr, &r));
	EXPECT_EQ(-EBUSY, cpc_hostq_get(&t.q, 0, &cap, nullptr, &r));
	EXPECT_TRUE(cpc_hostq_release(&t.q, 7)); // was full
	EXPECT_FALSE(cpc_hostq_release(&t.q, 8));
	ASSERT_EQ(0, cpc_hostq_get(&t.q, 0, &cap, nullptr, &r));
	EXPECT_EQ(7u, cpc_hostq_index(&t.q, r.id)); // the next free one from the sequence
}

TEST(HostQ, MatchRejectsWhatIsNotInFlight)
{
	Table t;
	cpc_request r;
	std::uint32_t cap = 128, slot = 99;
	ASSERT_EQ(0, cpc_hostq_get(&t.q, 0, &cap, nullptr, &r));
	cpc_completion c{};
	c.id = r.id;
	c.out_len = 128;
	EXPECT_EQ(CPC_BAD_NONE, cpc_hostq_match(&t.q, &c, &slot));
	EXPECT_EQ(0u, slot);
	c.out_len = 129; // more than granted
	EXPECT_EQ(CPC_BAD_LEN, cpc_hostq_match(&t.q, &c, &slot));
	c.out_len = 0;
	c.status = 9999;
	EXPECT_EQ(CPC_BAD_STATUS, cpc_hostq_match(&t.q, &c, &slot));
	c.status = 0;
	c.id = r.id + (1 << 8); // right slot, another sequence
	EXPECT_EQ(CPC_BAD_ID, cpc_hostq_match(&t.q, &c, &slot));
	c.id = (1ull << 8) | 5; // a slot not in use
	EXPECT_EQ(CPC_BAD_ID, cpc_hostq_match(&t.q, &c, &slot));
	EXPECT_EQ(5u, slot);
	// Answered once: a duplicate names an id no longer in flight.
	c.id = r.id;
	cpc_hostq_release(&t.q, 0);
	EXPECT_EQ(CPC_BAD_ID, cpc_hostq_match(&t.q, &c, &slot));
}

TEST(HostQ, OrphanedSlotsStayReservedAndCountTowardsStuck)
{
	Table t;
	cpc_request r;
	std::uint32_t cap = 0;
	int owner;
	EXPECT_EQ(-1, cpc_hostq_stuck_left(&t.q, 1000, 100)); // free slots
	for (unsigned i = 0; i < t.q.entries; i++)
		ASSERT_EQ(0, cpc_hostq_get(&t.q, 0, &cap, &owner, &r));
	EXPECT_EQ(-1, cpc_hostq_stuck_left(&t.q, 1000, 100)); // callers wait
	for (unsigned i = 0; i < t.q.entries; i++)
		cpc_hostq_orphan(&t.q, i, 1000 + i);
	EXPECT_EQ(nullptr, t.q.slot[3].owner);
	EXPECT_TRUE(t.q.slot[3].in_use);
	// The newest orphan (1255) decides: stuck at 1355.
	EXPECT_EQ(355, cpc_hostq_stuck_left(&t.q, 1000, 100));
	EXPECT_EQ(1, cpc_hostq_stuck_left(&t.q, 1354, 100));
	EXPECT_EQ(0, cpc_hostq_stuck_left(&t.q, 1355, 100));
	EXPECT_EQ(0, cpc_hostq_stuck_left(&t.q, 99999, 100));
	// A late answer frees one: not stuck any more.
	cpc_hostq_release(&t.q, 9);
	EXPECT_EQ(-1, cpc_hostq_stuck_left(&t.q, 99999, 100));
	// A clock that wraps (jiffies): the same arithmetic.
	Table w;
	for (unsigned i = 0; i < w.q.entries; i++) {
		ASSERT_EQ(0, cpc_hostq_get(&w.q, 0, &cap, nullptr, &r));
		cpc_hostq_orphan(&w.q, i, ~0ull - 10);
	}
	// Orphaned 10 before the wrap; stuck 100 later, at 89 after it.
	EXPECT_EQ(100, cpc_hostq_stuck_left(&w.q, ~0ull - 10, 100));
	EXPECT_EQ(80, cpc_hostq_stuck_left(&w.q, 9, 100));
	EXPECT_EQ(0, cpc_hostq_stuck_left(&w.q, 89, 100));
}

TEST(HostQ, SequenceNeverRepeatsAnId)
{
	Table t;
	cpc_request r;
	std::uint32_t cap = 0;
	std::vector<std::uint64_t> ids;
	for (int i = 0; i < 2000; i++) {
		ASSERT_EQ(0, cpc_hostq_get(&t.q, 0, &cap, nullptr, &r));
		ids.push_back(r.id);
		cpc_hostq_release(&t.q, cpc_hostq_index(&t.q, r.id));
	}
	std::sort(ids.begin(), ids.end());
	EXPECT_EQ(ids.end(), std::adjacent_find(ids.begin(), ids.end()));
}

TEST(Throttle, EngagesPastTheBoundAndReleasesAfterACalmWindow)
{
	cpc_throttle t;
	cpc_throttle_window w{};
	cpc_throttle_init(&t, 0);
	// Within the window: nothing decided.
	EXPECT_EQ(0, cpc_throttle_check(&t, 999, 1000, 100000, 0, 0, &w));
	EXPECT_FALSE(t.on);
	// 200 free doorbells + 4 per call: 240 with 10 calls is fine ...
	EXPECT_EQ(0, cpc_throttle_check(&t, 1000, 1000, 240, 10, 0, &w));
	EXPECT_FALSE(t.on);
	EXPECT_EQ(240u, w.rings);
	// ... 241 more with 10 more calls is not.
	EXPECT_EQ(1, cpc_throttle_check(&t, 2000, 1000, 481, 20, 0, &w));
	EXPECT_TRUE(t.on);
	EXPECT_EQ(241u, w.rings);
	EXPECT_EQ(10u, w.calls);
	// Still over: stays on, no new episode.
	EXPECT_EQ(0, cpc_throttle_check(&t, 3000, 1000, 5000, 20, 0, &w));
	EXPECT_TRUE(t.on);
	// A calm window releases it.
	EXPECT_EQ(-1, cpc_throttle_check(&t, 4000, 1000, 5001, 20, 0, &w));
	EXPECT_FALSE(t.on);
	// Restarts: more than 10 in a window.
	EXPECT_EQ(0, cpc_throttle_check(&t, 5000, 1000, 5001, 20, 10, &w));
	EXPECT_EQ(1, cpc_throttle_check(&t, 6000, 1000, 5001, 20, 21, &w));
	EXPECT_EQ(11u, w.restarts);
}

} // namespace
