// SPDX-License-Identifier: GPL-2.0
// Unit tests of proto/cpc_ring.c, the freestanding ring and descriptor code
// compiled into both modules: layout, wrap-around of the free-running
// indexes, full/empty, batching with event-index notification suppression,
// and every validation failure (enum cpc_bad).
#include <gtest/gtest.h>

extern "C" {
#include "cpc_ring.h"
}

#include <cstdint>
#include <cstring>
#include <vector>

namespace {

constexpr std::uint64_t kRegion = 1u << 20;

struct Rings : ::testing::Test {
	std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(kRegion);
	cpc_layout l{};
	cpc_ring prod{}, cons{};

	void SetUp() override
	{
		ASSERT_EQ(0, cpc_layout_compute(&l, kRegion));
		cpc_ring_attach(&prod, mem.data(), l.req_off, l.ring_entries, sizeof(cpc_req));
		cpc_ring_attach(&cons, mem.data(), l.req_off, l.ring_entries, sizeof(cpc_req));
	}
	void reset(std::uint32_t start)
	{
		cpc_ring_reset_shared(&prod, start);
		ASSERT_EQ(0, cpc_ring_adopt(&cons, false));
	}
	static cpc_req req(std::uint64_t id)
	{
		cpc_req r{};
		r.id = id;
		return r;
	}
	cpc_ring_idx *idx() { return prod.idx; }
};

TEST(Layout, FitsAndRejects)
{
	cpc_layout l{};
	EXPECT_EQ(-EINVAL, cpc_layout_compute(&l, CPC_REGION_MIN - 1));
	EXPECT_EQ(-EINVAL, cpc_layout_compute(&l, 1ull << 33));
	ASSERT_EQ(0, cpc_layout_compute(&l, 16u << 20));
	EXPECT_EQ(CPC_HEADER_SIZE, l.req_off);
	EXPECT_EQ(CPC_RING_ENTRIES_MAX, l.ring_entries);
	EXPECT_LE(l.req_off + sizeof(cpc_ring_idx) + l.ring_entries * sizeof(cpc_req), l.cpl_off);
	EXPECT_LE(l.cpl_off + sizeof(cpc_ring_idx) + l.ring_entries * sizeof(cpc_cpl), l.data_off);
	EXPECT_EQ((16u << 20) - CPC_SCRATCH_SIZE, (std::uint64_t)l.data_off + l.data_size);
	EXPECT_EQ(0u, l.data_off % 4096);
}

TEST(Layout, HeaderCheck)
{
	std::vector<std::uint8_t> mem(CPC_HEADER_SIZE);
	auto *h = reinterpret_cast<cpc_shm_header *>(mem.data());
	cpc_layout l{};
	ASSERT_EQ(0, cpc_layout_compute(&l, kRegion));
	EXPECT_EQ(-EAGAIN, cpc_header_check(h, &l));
	cpc_header_write(h, &l);
	EXPECT_EQ(0, cpc_header_check(h, &l));
	h->data_size++;
	EXPECT_EQ(-EPROTO, cpc_header_check(h, &l));
	cpc_header_write(h, &l);
	h->version = 2;
	EXPECT_EQ(-EPROTO, cpc_header_check(h, &l));
}

TEST_F(Rings, EmptyAndFull)
{
	reset(0);
	cpc_req r{};
	EXPECT_EQ(-EAGAIN, cpc_ring_pop(&cons, &r));
	EXPECT_EQ((int)l.ring_entries, cpc_ring_space(&prod));
	for (std::uint32_t i = 0; i < l.ring_entries; i++) {
		auto d = req(i);
		ASSERT_EQ(0, cpc_ring_push(&prod, &d));
	}
	auto d = req(999);
	EXPECT_EQ(-ENOSPC, cpc_ring_push(&prod, &d));
	EXPECT_EQ(0, cpc_ring_space(&prod));
	/* Nothing is visible before publish. */
	EXPECT_EQ(0, cpc_ring_pending(&cons));
	cpc_ring_publish(&prod);
	EXPECT_EQ((int)l.ring_entries, cpc_ring_pending(&cons));
	for (std::uint32_t i = 0; i < l.ring_entries; i++) {
		ASSERT_EQ(0, cpc_ring_pop(&cons, &r));
		EXPECT_EQ(i, r.id);
	}
	EXPECT_EQ(-EAGAIN, cpc_ring_pop(&cons, &r));
	EXPECT_EQ((int)l.ring_entries, cpc_ring_space(&prod));
}

TEST_F(Rings, WrapAroundOfFreeRunningIndexes)
{
	reset(0xffffffffu - 5);
	cpc_req r{};
	std::uint64_t next = 0, want = 0;
	/* Many laps, crossing 2^32, in uneven batches. */
	for (int round = 0; round < 100; round++) {
		int n = 1 + round % 37;
		for (int i = 0; i < n; i++) {
			auto d = req(next++);
			ASSERT_EQ(0, cpc_ring_push(&prod, &d));
		}
		cpc_ring_publish(&prod);
		for (int i = 0; i < n; i++) {
			ASSERT_EQ(0, cpc_ring_pop(&cons, &r));
			ASSERT_EQ(want++, r.id);
		}
	}
	EXPECT_LT(idx()->prod, 0x1000u) << "the index never wrapped";
	EXPECT_EQ(-EAGAIN, cpc_ring_pop(&cons, &r));
}

TEST_F(Rings, BatchCostsOneNotification)
{
	reset(100);
	int notes = 0;
	/* The consumer sleeps (armed); a batch of 10 notifies once. */
	EXPECT_FALSE(cpc_ring_arm(&cons));
	for (int i = 0; i < 10; i++) {
		auto d = req(i);
		ASSERT_EQ(0, cpc_ring_push(&prod, &d));
	}
	notes += cpc_ring_publish(&prod);
	EXPECT_EQ(1, notes);
	/* While the consumer has not re-armed, further batches are silent. */
	for (int b = 0; b < 5; b++) {
		auto d = req(100 + b);
		ASSERT_EQ(0, cpc_ring_push(&prod, &d));
		notes += cpc_ring_publish(&prod);
	}
	EXPECT_EQ(1, notes);
	cpc_req r{};
	while (cpc_ring_pop(&cons, &r) == 0) {
	}
	/* Re-armed after draining: the next batch notifies again. */
	EXPECT_FALSE(cpc_ring_arm(&cons));
	auto d = req(7);
	ASSERT_EQ(0, cpc_ring_push(&prod, &d));
	EXPECT_TRUE(cpc_ring_publish(&prod));
	/* Publishing nothing never notifies. */
	EXPECT_FALSE(cpc_ring_publish(&prod));
}

TEST_F(Rings, ArmSeesRacingEntries)
{
	reset(0);
	auto d = req(1);
	ASSERT_EQ(0, cpc_ring_push(&prod, &d));
	cpc_ring_publish(&prod);
	EXPECT_TRUE(cpc_ring_arm(&cons)) << "must not sleep with an entry pending";
}

TEST_F(Rings, ProducerIndexOutOfRangeIsEproto)
{
	reset(0);
	cpc_req r{};
	idx()->prod = l.ring_entries + 1;
	EXPECT_EQ(-EPROTO, cpc_ring_pending(&cons));
	EXPECT_EQ(-EPROTO, cpc_ring_pop(&cons, &r));
	EXPECT_TRUE(cpc_ring_arm(&cons));
}

TEST_F(Rings, ProducerIndexWrappedBackIsEproto)
{
	reset(5);
	cpc_req r{};
	idx()->prod = 4;	/* went backwards */
	EXPECT_EQ(-EPROTO, cpc_ring_pop(&cons, &r));
}

TEST_F(Rings, ConsumerIndexOutOfRangeIsEproto)
{
	reset(0);
	idx()->cons = 1000;	/* consumed what was never produced */
	auto d = req(1);
	EXPECT_EQ(-EPROTO, cpc_ring_space(&prod));
	EXPECT_EQ(-EPROTO, cpc_ring_push(&prod, &d));
}

TEST_F(Rings, AdoptRefusesNonEmptyRing)
{
	reset(0);
	auto d = req(1);
	ASSERT_EQ(0, cpc_ring_push(&prod, &d));
	cpc_ring_publish(&prod);
	EXPECT_EQ(-EPROTO, cpc_ring_adopt(&cons, false));
}

TEST_F(Rings, PopCopiesOutBeforeUse)
{
	reset(0);
	auto d = req(42);
	d.opcode = CPC_PROC_PING;
	ASSERT_EQ(0, cpc_ring_push(&prod, &d));
	cpc_ring_publish(&prod);
	cpc_req r{};
	ASSERT_EQ(0, cpc_ring_pop(&cons, &r));
	/* A later write to the shared slot does not change the private copy. */
	std::memset(prod.slots, 0xff, sizeof(cpc_req));
	EXPECT_EQ(42u, r.id);
	EXPECT_EQ(CPC_PROC_PING, r.opcode);
}

/* ---- descriptor validation: every enum cpc_bad ---- */

struct Check : ::testing::Test {
	cpc_layout l{};
	void SetUp() override { ASSERT_EQ(0, cpc_layout_compute(&l, kRegion)); }
	cpc_request good() const
	{
		cpc_request r{};
		r.opcode = CPC_PROC_INFO;
		r.arg_off = 0;
		r.arg_len = 64;
		r.out_off = 4096;
		r.out_len = 4096;
		return r;
	}
};

TEST_F(Check, GoodRequest)
{
	auto r = good();
	EXPECT_EQ(CPC_BAD_NONE, cpc_req_check(&r, &l));
	r.arg_len = 0;
	r.arg_off = 0;
	r.out_off = l.data_size - 1;
	r.out_len = 1;
	EXPECT_EQ(CPC_BAD_NONE, cpc_req_check(&r, &l));
}

TEST_F(Check, EveryRequestReason)
{
	auto r = good();
	r.opcode = CPC_PROC_ID_MAX + 1;
	EXPECT_EQ(CPC_BAD_OPCODE, cpc_req_check(&r, &l));
	r = good();
	r.flags = 1;
	EXPECT_EQ(CPC_BAD_FLAGS, cpc_req_check(&r, &l));
	r = good();
	r.reserved = 1;
	EXPECT_EQ(CPC_BAD_FLAGS, cpc_req_check(&r, &l));
	r = good();
	r.arg_off = l.data_size - 8;
	EXPECT_EQ(CPC_BAD_ARG, cpc_req_check(&r, &l));
	r = good();
	r.arg_off = 0xffffffc0u;	/* off + len wraps around 2^32 */
	r.arg_len = 0x80;
	EXPECT_EQ(CPC_BAD_ARG, cpc_req_check(&r, &l));
	r = good();
	r.arg_len = 0;
	r.arg_off = 8;	/* an empty buffer must say offset 0 */
	EXPECT_EQ(CPC_BAD_ARG, cpc_req_check(&r, &l));
	r = good();
	r.out_len = l.data_size;
	EXPECT_EQ(CPC_BAD_OUT, cpc_req_check(&r, &l));
	r = good();
	r.out_off = l.data_size;
	EXPECT_EQ(CPC_BAD_OUT, cpc_req_check(&r, &l));
	r = good();
	r.out_off = 32;
	EXPECT_EQ(CPC_BAD_OVERLAP, cpc_req_check(&r, &l));
}

TEST(CplCheck, EveryCompletionReason)
{
	cpc_completion c{};
	c.status = CPC_ST_OK;
	c.out_len = 100;
	EXPECT_EQ(CPC_BAD_NONE, cpc_cpl_check(&c, 100));
	EXPECT_EQ(CPC_BAD_LEN, cpc_cpl_check(&c, 99));
	c.status = 3;	/* not a status */
	EXPECT_EQ(CPC_BAD_STATUS, cpc_cpl_check(&c, 100));
	c.status = CPC_ST_ETIMEDOUT;
	EXPECT_EQ(CPC_BAD_NONE, cpc_cpl_check(&c, 100));
}

TEST(Wire, DescriptorsAreLittleEndianAndRoundTrip)
{
	cpc_request r{};
	r.id = 0x0102030405060708ull;
	r.opcode = 0x0a0b;
	r.arg_off = 0x11223344;
	r.deadline_ms = 7;
	r.args[2] = 0x8877665544332211ull;
	cpc_req w{};
	cpc_req_encode(&w, &r);
	const auto *b = reinterpret_cast<const std::uint8_t *>(&w);
	EXPECT_EQ(0x08, b[offsetof(cpc_req, id)]) << "least significant byte first";
	EXPECT_EQ(0x01, b[offsetof(cpc_req, id) + 7]);
	EXPECT_EQ(0x0b, b[offsetof(cpc_req, opcode)]);
	EXPECT_EQ(0x44, b[offsetof(cpc_req, arg_off)]);
	cpc_request back{};
	cpc_req_decode(&back, &w);
	EXPECT_EQ(0, std::memcmp(&r, &back, sizeof(r)));

	cpc_completion c{};
	c.id = 0xabcdefull;
	c.status = CPC_ST_ENOSPC;
	c.out_len = 0x01020304;
	c.ret[1] = 99;
	cpc_cpl wc{};
	cpc_cpl_encode(&wc, &c);
	b = reinterpret_cast<const std::uint8_t *>(&wc);
	EXPECT_EQ(0x04, b[offsetof(cpc_cpl, out_len)]);
	cpc_completion cb{};
	cpc_cpl_decode(&cb, &wc);
	EXPECT_EQ(0, std::memcmp(&c, &cb, sizeof(c)));
}

TEST(Names, EveryProcedureHasOneName)
{
	for (std::uint32_t op = 0; op < CPC_PROC_COUNT; op++) {
		ASSERT_NE(nullptr, cpc_proc_name(op)) << op;
		EXPECT_EQ(static_cast<int>(op), cpc_proc_by_name(cpc_proc_name(op)));
	}
	EXPECT_EQ(nullptr, cpc_proc_name(CPC_PROC_COUNT));
	EXPECT_EQ(-EINVAL, cpc_proc_by_name("nosuch"));
	EXPECT_STREQ("snapshot", cpc_proc_name(CPC_PROC_SNAPSHOT));
}

TEST(Names, EveryReasonHasAName)
{
	for (int i = 0; i < CPC_BAD_COUNT; i++)
		EXPECT_STRNE("unknown", cpc_bad_name(static_cast<cpc_bad>(i))) << i;
	EXPECT_STREQ("unknown", cpc_bad_name(CPC_BAD_COUNT));
	EXPECT_STREQ("index", cpc_bad_name(CPC_BAD_INDEX));
}

TEST(Status, ErrnoMapping)
{
	EXPECT_EQ(0, cpc_status_to_errno(CPC_ST_OK));
	EXPECT_EQ(-EPERM, cpc_status_to_errno(CPC_ST_EPERM));
	EXPECT_EQ(-ENOSPC, cpc_status_to_errno(CPC_ST_ENOSPC));
	EXPECT_EQ(-EPROTO, cpc_status_to_errno(9999));
	EXPECT_EQ((std::uint32_t)CPC_ST_ETIMEDOUT, cpc_errno_to_status(-ETIMEDOUT));
	EXPECT_EQ((std::uint32_t)CPC_ST_EIO, cpc_errno_to_status(-EXDEV));
	EXPECT_EQ((std::uint32_t)CPC_ST_OK, cpc_errno_to_status(0));
}

} // namespace
