// SPDX-License-Identifier: GPL-2.0
// Unit tests of proto/cpc_console.c, the slice console ring's writer (the
// slice's cpc_guest console) and reader (cpc_host, CPC_IOCTL_SLICE_CONSOLE):
// reading from a position, wrap-around, positions the ring no longer holds
// (lost), a writer that restarted, and hostile heads (huge, backwards).
#include <gtest/gtest.h>

extern "C" {
#include "cpc_console.h"
}

#include <atomic>
#include <chrono>
#include <cstring>
#include <cstdint>
#include <thread>
#include <string>
#include <vector>

namespace {

constexpr std::uint32_t kData = CPC_SLICE_CONSOLE_DATA;

struct Console : ::testing::Test {
	std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(CPC_SLICE_CONSOLE_SIZE, 0xee);
	cpc_slice_console_ring *ring = reinterpret_cast<cpc_slice_console_ring *>(mem.data());
	std::uint8_t *data = mem.data() + CPC_SLICE_CONSOLE_HEADER;
	std::uint64_t head = 0;
	struct cpc_console_read r{};

	void SetUp() override { cpc_console_ring_init(ring); }
	void write(const std::string &s)
	{
		head = cpc_console_write(ring, data, head, s.data(), static_cast<std::uint32_t>(s.size()));
	}
	std::string read(std::uint64_t pos, std::uint32_t len = kData)
	{
		std::vector<std::uint8_t> buf(len);
		cpc_console_read(ring, data, pos, buf.data(), len, &r);
		return std::string(buf.begin(), buf.begin() + r.len);
	}
};

TEST_F(Console, InitValidOnlyWithMagicVersionAndSize)
{
	EXPECT_TRUE(cpc_console_ring_valid(ring));
	EXPECT_EQ(0u, ring->head);
	ring->data_size = kData / 2;
	EXPECT_FALSE(cpc_console_ring_valid(ring));
	cpc_console_ring_init(ring);
	ring->version = CPC_SLICE_CONSOLE_VERSION + 1;
	EXPECT_FALSE(cpc_console_ring_valid(ring));
	cpc_console_ring_init(ring);
	ring->magic = 0;
	EXPECT_FALSE(cpc_console_ring_valid(ring));
}

TEST_F(Console, ReadsFromAPositionAndFollows)
{
	EXPECT_EQ("", read(0));
	EXPECT_EQ(0u, r.pos);
	write("Linux version 6.1\n");
	write("second line\n");
	EXPECT_EQ("Linux version 6.1\nsecond line\n", read(0));
	EXPECT_EQ(head, r.pos);
	EXPECT_EQ(head, r.head);
	EXPECT_EQ(0u, r.lost);
	std::uint64_t pos = r.pos;
	write("third\n");
	EXPECT_EQ("third\n", read(pos));
	EXPECT_EQ("sec", read(18, 3)); // a short buffer: the rest comes next time
	EXPECT_EQ(21u, r.pos);
}

TEST_F(Console, WrapsAndCountsWhatTheRingNoLongerHolds)
{
	std::string all;
	for (int i = 0; all.size() < 3 * kData + 123; i++) {
		std::string line = "line " + std::to_string(i) + "\n";
		all += line;
		write(line);
	}
	ASSERT_EQ(all.size(), head);
	std::string got = read(0);
	EXPECT_EQ(all.substr(all.size() - kData), got);
	EXPECT_EQ(all.size() - kData, r.lost);
	EXPECT_EQ(head, r.pos);
	// From a position still held: nothing lost, across the wrap.
	got = read(head - 100);
	EXPECT_EQ(all.substr(all.size() - 100), got);
	EXPECT_EQ(0u, r.lost);
}

TEST_F(Console, OneWriteLargerThanTheRingKeepsItsEnd)
{
	std::string big(kData + 5000, 'a');
	for (std::size_t i = 0; i < big.size(); i++)
		big[i] = static_cast<char>('a' + i % 26);
	write(big);
	EXPECT_EQ(big.size(), head);
	EXPECT_EQ(big.substr(5000), read(0));
	EXPECT_EQ(5000u, r.lost);
}

TEST_F(Console, PositionBeyondHeadReadsFromTheOldest)
{
	write("after a restart\n");
	EXPECT_EQ("after a restart\n", read(1000000));
	EXPECT_EQ(0u, r.lost);
	EXPECT_EQ(head, r.pos);
}

TEST_F(Console, HostileHugeHeadCostsOnlyLostBytes)
{
	write("x");
	ring->head = ~0ull; // the slice says it wrote 2^64-1 bytes
	std::string got = read(1);
	EXPECT_EQ(kData, got.size());
	EXPECT_EQ(~0ull - kData - 1, r.lost);
	EXPECT_EQ(~0ull, r.pos);
	EXPECT_FALSE(r.bad);
	EXPECT_EQ("", read(~0ull)); // caught up
	EXPECT_EQ(0u, r.lost);
}

TEST_F(Console, HostileSmallBufferNearHugeHead)
{
	ring->head = ~0ull - 3;
	EXPECT_EQ(10u, read(0, 10).size());
	EXPECT_EQ(~0ull - 3 - kData + 10, r.pos);
}

// Reads from the oldest byte, @len bytes at a time, for 300 ms while a
// writer overwrites the ring (byte p is p % 251, writes of 1..4000 bytes);
// returns the bytes returned that were not the ones written at their
// position, and in *@lost what the reads counted lost.
std::uint64_t wrong_under_writer(Console &t, std::uint32_t len, std::uint64_t *lost)
{
	std::atomic<bool> stop{false};
	std::thread writer([&] {
		std::string chunk;
		std::uint64_t h = 0;
		for (std::uint32_t n = 1; !stop.load(std::memory_order_relaxed); n = n % 4000 + 1) {
			chunk.resize(n);
			for (std::uint32_t i = 0; i < n; i++)
				chunk[i] = static_cast<char>((h + i) % 251);
			h = cpc_console_write(t.ring, t.data, h, chunk.data(), n);
		}
	});
	std::uint64_t wrong = 0;
	auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
	*lost = 0;
	while (std::chrono::steady_clock::now() < end) {
		std::string got = t.read(0, len); // from the oldest: the writer's next victim
		std::uint64_t start = t.r.pos - t.r.len;
		for (std::uint32_t i = 0; i < t.r.len; i++)
			wrong += static_cast<std::uint8_t>(got[i]) != (start + i) % 251;
		*lost += t.r.lost;
	}
	stop = true;
	writer.join();
	return wrong;
}

// A writer overwriting the ring while whole rings are read: every byte
// returned is the one written at its position; what was overwritten during
// the copy is counted lost, never returned.
TEST_F(Console, ConcurrentWriterNeverYieldsOverwrittenBytes)
{
	std::uint64_t lost;

	EXPECT_EQ(0u, wrong_under_writer(*this, kData, &lost));
	EXPECT_LT(0u, lost);
}

// A write still copying its bytes (claim published, head not yet): the
// bytes it has already put over the oldest ones are not returned as theirs.
TEST_F(Console, WriteInProgressIsNotReadAsOldBytes)
{
	std::string full(kData, 'o');
	write(full); // head = DATA, oldest = 0
	cpc_write_once(ring->claim, head + 100);
	std::memset(data, 'n', 100); // bytes 0..99 overwritten, head unchanged
	std::string got = read(0, 16);
	EXPECT_EQ(0u, r.len) << got;
	EXPECT_EQ(16u, r.lost);
	EXPECT_EQ(16u, r.overrun);
	EXPECT_EQ(16u, r.pos);
	got = read(100, 16);
	EXPECT_EQ(std::string(16, 'o'), got);
	EXPECT_EQ(0u, r.overrun);
}

// A hostile claim far beyond head costs only lost bytes.
TEST_F(Console, HostileClaimCostsOnlyLostBytes)
{
	write("hello");
	cpc_write_once(ring->claim, ~0ULL);
	read(0);
	EXPECT_EQ(0u, r.len);
	EXPECT_EQ(5u, r.lost);
	EXPECT_EQ(5u, r.pos);
	EXPECT_FALSE(r.bad);
}

// Small reads from the oldest byte while a writer runs: a read of 16 bytes
// is quick, so the writer's copy in progress is what overwrites them (the
// reader needs the claim to see it).
TEST_F(Console, ConcurrentWriterSmallReadsFromTheOldest)
{
	std::uint64_t lost;

	EXPECT_EQ(0u, wrong_under_writer(*this, 16, &lost));
}

// A head that goes backwards while a read copies (a hostile or restarted
// writer): the read returns nothing and says so (cpc_host counts it in
// console_bad). A thread flips head between two values; reads go on until
// one saw it move back (bounded by 5 s).
TEST_F(Console, HeadGoingBackwardsDuringAReadReturnsNothing)
{
	write(std::string(kData, 'x'));
	std::atomic<bool> stop{false};
	std::thread flipper([&] {
		while (!stop.load(std::memory_order_relaxed)) {
			cpc_write_once(ring->head, kData);
			cpc_write_once(ring->head, kData / 2);
		}
	});
	const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
	unsigned int bad = 0;

	while (!bad && std::chrono::steady_clock::now() < end) {
		read(0, 4096);
		if (r.bad) {
			bad++;
			EXPECT_EQ(0u, r.len);
		}
	}
	stop = true;
	flipper.join();
	EXPECT_EQ(1u, bad);
}

} // namespace
