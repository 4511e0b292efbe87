// SPDX-License-Identifier: GPL-2.0
// The pure logic of libcpc's maintenance jobs (cpc/job.hpp): a snapshot
// export's bookkeeping (which arguments each call takes, which answers
// continue the export), reading an earlier export's identity for --base,
// reclaim/return range checks, and the progress line.
#include <cpc/error.hpp>
#include <cpc/job.hpp>

#include <linux/cpc_proto.h>

#include <gtest/gtest.h>

#include "test_util.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

namespace {

constexpr std::uint64_t PG = CPC_SNAPSHOT_PAGE_SIZE;
constexpr std::uint64_t START = 0x100000;

/// A structurally valid chunk without records (all pages unchanged), as
/// an incremental export's step that found nothing new would send.
std::vector<std::uint8_t> chunk(std::uint64_t gen, std::uint64_t base, std::uint64_t rs,
				std::uint64_t rsize, std::uint64_t cs, std::uint64_t ce)
{
	cpc_snapshot_chunk h = cpc_test::chunk_header(gen, base, rs, rsize, cs, ce);

	h.unchanged = htole32(static_cast<std::uint32_t>((ce - cs) / PG));
	std::vector<std::uint8_t> out(sizeof(h) + sizeof(cpc_snapshot_seal));
	std::memcpy(out.data(), &h, sizeof(h));
	return out;
}

using cpc_test::errno_of;

TEST(SnapshotPlan, RejectsBadRanges)
{
	EXPECT_EQ(EINVAL, errno_of([] { cpc::SnapshotPlan(START + 1, PG, 0); }));
	EXPECT_EQ(EINVAL, errno_of([] { cpc::SnapshotPlan(START, PG + 1, 0); }));
	EXPECT_EQ(EINVAL, errno_of([] { cpc::SnapshotPlan(START, 0, 0); }));
	EXPECT_EQ(EINVAL, errno_of([] { cpc::SnapshotPlan(START, CPC_SNAPSHOT_MAX_RANGE + PG, 0); }));
	EXPECT_EQ(EINVAL, errno_of([] { cpc::SnapshotPlan(~0ull & ~(PG - 1), 2 * PG, 0); }));
	EXPECT_EQ(0, errno_of([] { cpc::SnapshotPlan(START, CPC_SNAPSHOT_MAX_RANGE, 0); }));
}

TEST(SnapshotPlan, WalksTheExportChunkByChunk)
{
	cpc::SnapshotPlan p(START, 8 * PG, 5);
	EXPECT_FALSE(p.done());
	auto a = p.next_args();
	EXPECT_EQ(START, a.start);
	EXPECT_EQ(8 * PG, a.size);
	EXPECT_EQ(5u, a.base_gen);
	EXPECT_EQ(0u, a.flags); // the first call starts a new export
	EXPECT_EQ(0u, a.reserved);
	EXPECT_TRUE(p.waiting());
	EXPECT_EQ(EBUSY, errno_of([&] { p.next_args(); }));

	p.advance(START + 3 * PG, 9, chunk(9, 5, START, 8 * PG, START, START + 3 * PG));
	EXPECT_FALSE(p.waiting());
	EXPECT_EQ(3 * PG, p.bytes_done());
	a = p.next_args();
	EXPECT_EQ(START + 3 * PG, a.start);
	EXPECT_EQ(5 * PG, a.size);
	EXPECT_EQ(5u, a.base_gen);
	EXPECT_EQ(CPC_SNAPSHOT_F_CONTINUE, a.flags);

	p.advance(START + 8 * PG, 9, chunk(9, 5, START, 8 * PG, START + 3 * PG, START + 8 * PG));
	EXPECT_TRUE(p.done());
	EXPECT_EQ(9u, p.generation());
	EXPECT_EQ(2u, p.chunks());
	EXPECT_EQ(0u, p.pages_sent());
	EXPECT_EQ(8u, p.pages_unchanged());
	EXPECT_EQ(EALREADY, errno_of([&] { p.next_args(); }));
}

TEST(SnapshotPlan, RejectsAnswersThatDoNotContinueTheExport)
{
	auto check = [](std::uint64_t ret0, std::uint64_t ret1, std::vector<std::uint8_t> c) {
		cpc::SnapshotPlan p(START, 8 * PG, 0);
		p.next_args();
		return errno_of([&] { p.advance(ret0, ret1, c); });
	};
	auto good = chunk(4, 0, START, 8 * PG, START, START + 2 * PG);
	EXPECT_EQ(0, check(START + 2 * PG, 4, good));
	EXPECT_EQ(EPROTO, check(START, 4, chunk(4, 0, START, 8 * PG, START, START))); // no progress
	EXPECT_EQ(EPROTO, check(START + 9 * PG, 4, good));	// beyond the range
	EXPECT_EQ(EPROTO, check(START + 2 * PG + 1, 4, good));	// unaligned
	EXPECT_EQ(EPROTO, check(START + 2 * PG, 0, good));	// no generation
	EXPECT_EQ(EPROTO, check(START + 2 * PG, 5, good));	// header says 4
	EXPECT_EQ(EPROTO, check(START + 3 * PG, 4, good));	// header ends elsewhere
	EXPECT_EQ(EPROTO, check(START + 2 * PG, 4, chunk(4, 3, START, 8 * PG, START, START + 2 * PG)));
	EXPECT_EQ(EPROTO, check(START + 2 * PG, 4, chunk(4, 0, START, 16 * PG, START, START + 2 * PG)));
	auto two = good;
	auto more = chunk(4, 0, START, 8 * PG, START + 2 * PG, START + 4 * PG);
	two.insert(two.end(), more.begin(), more.end());
	EXPECT_EQ(EPROTO, check(START + 2 * PG, 4, two));	// two chunks in one answer
	EXPECT_EQ(EPROTO, check(START + 2 * PG, 4, {}));	// no chunk
	auto garbage = good;
	garbage[0] ^= 1;
	EXPECT_EQ(EPROTO, check(START + 2 * PG, 4, garbage));

	// The generation may not change between calls of one export.
	cpc::SnapshotPlan p(START, 8 * PG, 0);
	p.next_args();
	p.advance(START + 2 * PG, 4, good);
	p.next_args();
	EXPECT_EQ(EPROTO, errno_of([&] {
		p.advance(START + 8 * PG, 6, chunk(6, 0, START, 8 * PG, START + 2 * PG, START + 8 * PG));
	}));
	// An answer nobody asked for.
	cpc::SnapshotPlan q(START, 8 * PG, 0);
	EXPECT_EQ(EPROTO, errno_of([&] { q.advance(START + 2 * PG, 4, good); }));
}

TEST(SnapshotJob, IssuesOneCallAtATime)
{
	cpc::SnapshotJob job(START, 4 * PG, 0, 64 * 1024);
	auto c = job.next();
	ASSERT_TRUE(c.has_value());
	EXPECT_EQ(static_cast<std::uint32_t>(CPC_PROC_SNAPSHOT), c->proc);
	EXPECT_EQ(sizeof(cpc_snapshot_args), c->arg.size());
	EXPECT_EQ(64u * 1024, c->out_capacity);
	EXPECT_FALSE(job.next().has_value()); // the protocol continues from ret[0]
	cpc::CallResult r;
	r.out = chunk(2, 0, START, 4 * PG, START, START + 4 * PG);
	r.ret[0] = START + 4 * PG;
	r.ret[1] = 2;
	auto bytes = job.complete(*c, std::move(r));
	EXPECT_EQ(sizeof(cpc_snapshot_chunk) + sizeof(cpc_snapshot_seal), bytes.size());
	EXPECT_TRUE(job.done());
	EXPECT_FALSE(job.next().has_value());
	EXPECT_EQ(EINVAL, errno_of([] { cpc::SnapshotJob(START, PG, 0, 4096); })); // no room
}

TEST(ExportId, ReadsTheFirstChunkOfACompleteExport)
{
	auto a = chunk(11, 0, START, 4 * PG, START, START + 2 * PG);
	auto b = chunk(11, 0, START, 4 * PG, START + 2 * PG, START + 4 * PG);
	std::vector<std::uint8_t> file = a;
	file.insert(file.end(), b.begin(), b.end());
	auto id = cpc::export_id(file);
	EXPECT_EQ(11u, id.generation);
	EXPECT_EQ(START, id.range_start);
	EXPECT_EQ(4 * PG, id.range_size);
	EXPECT_EQ(EBADMSG, errno_of([&] { cpc::export_id(a); })); // never finished
	EXPECT_EQ(EBADMSG, errno_of([] { cpc::export_id({}); }));
	auto other = chunk(12, 0, START, 4 * PG, START + 2 * PG, START + 4 * PG);
	std::vector<std::uint8_t> mixed = a;
	mixed.insert(mixed.end(), other.begin(), other.end());
	EXPECT_EQ(EBADMSG, errno_of([&] { cpc::export_id(mixed); }));
	std::vector<std::uint8_t> text(200, 'x');
	EXPECT_EQ(EBADMSG, errno_of([&] { cpc::export_id(text); }));
}

std::vector<std::uint8_t> ranges(std::initializer_list<cpc_range> rs)
{
	std::vector<std::uint8_t> out(rs.size() * sizeof(cpc_range));
	std::memcpy(out.data(), rs.begin(), out.size());
	return out;
}

TEST(ParseRanges, ChecksWhatTheGuestReported)
{
	auto two = ranges({{0x200000, 0x100000}, {0x400000, 0x300000}});
	auto r = cpc::parse_ranges("reclaim", two, 0x400000, 2);
	ASSERT_EQ(2u, r.size());
	EXPECT_EQ(0x400000u, r[1].start);
	EXPECT_TRUE(cpc::parse_ranges("return", {}, 0, 0).empty());
	auto e = [](std::vector<std::uint8_t> out, std::uint64_t r0, std::uint64_t r1) {
		return errno_of([&] { cpc::parse_ranges("reclaim", out, r0, r1); });
	};
	EXPECT_EQ(EPROTO, e(two, 0x400000, 3));			 // more than the buffer holds
	EXPECT_EQ(EPROTO, e(two, 0x500000, 2));			 // total disagrees
	EXPECT_EQ(EPROTO, e(ranges({{0x200000, 0}}), 0, 1));	 // empty
	EXPECT_EQ(EPROTO, e(ranges({{0x200001, 0x1000}}), 0x1000, 1)); // unaligned
	EXPECT_EQ(EPROTO, e(ranges({{0x400000, 0x1000}, {0x200000, 0x1000}}), 0x2000, 2));
	EXPECT_EQ(EPROTO, e(ranges({{0x200000, 0x2000}, {0x201000, 0x1000}}), 0x3000, 2));
	EXPECT_EQ(EPROTO, e(ranges({{~0ull & ~0xfffull, 0x2000}}), 0x2000, 1)); // wraps
}

TEST(RangesJob, ValidatesSizes)
{
	EXPECT_EQ(EINVAL, errno_of([] { cpc::RangesJob(CPC_PROC_RECLAIM, 0); }));
	EXPECT_EQ(EINVAL, errno_of([] { cpc::RangesJob(CPC_PROC_RECLAIM, CPC_RECLAIM_MAX_MIB + 1); }));
	EXPECT_EQ(EINVAL, errno_of([] { cpc::RangesJob(CPC_PROC_SNAPSHOT, 1); }));
	EXPECT_EQ(0, errno_of([] { cpc::RangesJob(CPC_PROC_RETURN, 0); }));
	cpc::RangesJob j(CPC_PROC_RECLAIM, 3);
	auto c = j.next();
	ASSERT_TRUE(c.has_value());
	EXPECT_EQ(3u, c->args[0]);
	EXPECT_FALSE(j.next().has_value());
	EXPECT_FALSE(j.done());
	cpc::CallResult r;
	r.out = ranges({{0x200000, 0x300000}});
	r.ret[0] = 0x300000;
	r.ret[1] = 1;
	EXPECT_TRUE(j.complete(*c, std::move(r)).empty());
	EXPECT_TRUE(j.done());
	EXPECT_EQ(0x300000u, j.bytes());
}

TEST(LargestRamRange, PicksTheLargestWholePageRange)
{
	auto r = cpc::largest_ram_range(
		R"({"uptime_s":1,"ram":[{"start":4096,"size":651264},)"
		R"({"start":1048576,"size":535691264}],"load":[0.00]})");
	EXPECT_EQ(0x100000u, r.first);
	EXPECT_EQ(535691264u, r.second);
	// Partial pages at either end are left out.
	r = cpc::largest_ram_range(R"({"ram":[{"start":1048577,"size":12288}]})");
	EXPECT_EQ(0x101000u, r.first);
	EXPECT_EQ(8192u, r.second);
	EXPECT_EQ(EPROTO, errno_of([] { cpc::largest_ram_range("not json"); }));
	EXPECT_EQ(EPROTO, errno_of([] { cpc::largest_ram_range(R"({"uptime_s":1})"); }));
	EXPECT_EQ(EPROTO, errno_of([] { cpc::largest_ram_range(R"({"ram":[]})"); }));
	EXPECT_EQ(EPROTO, errno_of([] { cpc::largest_ram_range(R"({"ram":[{"start":1}]})"); }));
	EXPECT_EQ(EPROTO, errno_of([] { cpc::largest_ram_range(R"({"ram":[{"start":-1,"size":8192}]})"); }));
	EXPECT_EQ(EPROTO, errno_of([] { cpc::largest_ram_range(R"({"ram":[{"start":4097,"size":4095}]})"); }));
	EXPECT_EQ(EPROTO, errno_of([] {
		cpc::largest_ram_range(R"({"ram":[{"start":18446744073709547520,"size":8192}]})");
	}));
	EXPECT_EQ(E2BIG, errno_of([] {
		cpc::largest_ram_range(R"({"ram":[{"start":4294967296,"size":2147483648}]})");
	}));
}

TEST(PingJob, EveryCallItsOwnValueAndEchoChecked)
{
	EXPECT_EQ(EINVAL, errno_of([] { cpc::PingJob(0); }));
	cpc::PingJob j(3);
	auto a = j.next(), b = j.next(), c = j.next();
	ASSERT_TRUE(a && b && c);
	EXPECT_FALSE(j.next().has_value());
	EXPECT_EQ(0u, a->args[0]);
	EXPECT_EQ(2u, c->args[0]);
	cpc::CallResult r;
	r.ret[0] = 2; // completions may come in any order
	j.complete(*c, std::move(r));
	cpc::CallResult bad;
	bad.ret[0] = 7;
	EXPECT_EQ(EPROTO, errno_of([&] { j.complete(*a, std::move(bad)); }));
	EXPECT_FALSE(j.done());
	EXPECT_EQ(std::make_pair(std::uint64_t(1), std::uint64_t(3)), j.progress());
}

} // namespace
