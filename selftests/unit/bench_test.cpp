// SPDX-License-Identifier: GPL-2.0
// Unit tests of the benchmark's pure parts: order statistics, the debugfs
// path of a channel's ping-pong, the parser of its figures, cpc::Uring.
#include <cpc/bench.hpp>
#include <cpc/error.hpp>
#include "uring.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <cstring>
#include <cpc/fd.hpp>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <poll.h>

#include <chrono>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

TEST(Bench, LatencyOfEmptyIsZero)
{
	std::vector<std::uint64_t> ns;
	auto l = cpc::latency_of(ns);
	EXPECT_EQ(0u, l.count);
	EXPECT_EQ(0u, l.median_ns);
}

TEST(Bench, LatencyOrderStatistics)
{
	std::vector<std::uint64_t> ns;
	for (std::uint64_t i = 100; i >= 1; i--)
		ns.push_back(i);
	auto l = cpc::latency_of(ns);
	EXPECT_EQ(100u, l.count);
	EXPECT_EQ(1u, l.min_ns);
	EXPECT_EQ(51u, l.median_ns);
	EXPECT_EQ(99u, l.p99_ns);
	EXPECT_EQ(100u, l.max_ns);

	std::vector<std::uint64_t> one{42};
	l = cpc::latency_of(one);
	EXPECT_EQ(42u, l.min_ns);
	EXPECT_EQ(42u, l.median_ns);
	EXPECT_EQ(42u, l.p99_ns);
}

class BenchFiles : public ::testing::Test {
protected:
	void SetUp() override
	{
		char tmpl[] = "/tmp/cpc-bench-test-XXXXXX";
		ASSERT_NE(nullptr, mkdtemp(tmpl));
		root = tmpl;
		dir = root / "cpc_host" / "ivshmem" / "0000:00:01.0";
		fs::create_directories(dir);
	}
	void TearDown() override { fs::remove_all(root); }
	fs::path root, dir;
};

TEST_F(BenchFiles, PingpongPath)
{
	EXPECT_FALSE(cpc::pingpong_path("ivshmem-0000:00:01.0", root.string()));
	std::ofstream(dir / "pingpong") << "";
	auto p = cpc::pingpong_path("ivshmem-0000:00:01.0", root.string());
	ASSERT_TRUE(p);
	EXPECT_EQ((dir / "pingpong").string(), *p);
	EXPECT_FALSE(cpc::pingpong_path("loop-0", root.string()));
	EXPECT_FALSE(cpc::pingpong_path("ivshmem-", root.string()));
	EXPECT_FALSE(cpc::pingpong_path("ivshmem-../../x", root.string()));
}

TEST_F(BenchFiles, RunPingpongRejectsBadInputAndFigures)
{
	auto f = (dir / "pingpong").string();
	std::ofstream(f) << "";
	try {
		cpc::run_pingpong(f, 0);
		FAIL() << "rounds 0 accepted";
	} catch (const cpc::Error &e) {
		EXPECT_EQ(EINVAL, e.errnum());
	}
	EXPECT_THROW(cpc::run_pingpong(f, 100001), cpc::Error);
	/* A plain file reads back what was written: no figures. */
	try {
		cpc::run_pingpong(f, 5);
		FAIL() << "garbage figures accepted";
	} catch (const cpc::Error &e) {
		EXPECT_EQ(EPROTO, e.errnum());
	}
	try {
		cpc::run_pingpong((dir / "missing").string(), 5);
		FAIL() << "missing file accepted";
	} catch (const cpc::Error &e) {
		EXPECT_EQ(ENOENT, e.errnum());
		EXPECT_NE(std::string::npos, std::string(e.what()).find("raw ping-pong "));
	}
}

TEST(Uring, WritesRoundTrip)
{
	std::unique_ptr<cpc::Uring> ring;
	try {
		ring = std::make_unique<cpc::Uring>(4);
	} catch (const cpc::Error &e) {
		GTEST_SKIP() << "no io_uring here: " << e.what();
	}
	cpc::UniqueFd fd(::memfd_create("uring-test", MFD_CLOEXEC));
	ASSERT_TRUE(fd);
	static const char data[4][8] = {"zero...", "one....", "two....", "three.."};
	for (int i = 0; i < 4; i++)
		ring->prep_write(fd.get(), data[i], 8, 8 * i, 100 + i);
	EXPECT_THROW(ring->prep_write(fd.get(), data[0], 8, 0, 1), cpc::Error)
		<< "a 4-entry ring took a 5th operation";
	std::uint64_t sum = 0;
	cpc::UringCompletion c;
	for (int n = 0; n < 4; n++) {
		/* The first wait submits all four; later ones may be there already. */
		if (!ring->try_reap(c))
			c = ring->submit_and_wait();
		EXPECT_EQ(8, c.res);
		sum += c.tag;
	}
	EXPECT_EQ(100u + 101 + 102 + 103, sum);
	EXPECT_FALSE(ring->try_reap(c));
	char back[32];
	ASSERT_EQ(32, ::pread(fd.get(), back, sizeof(back), 0));
	EXPECT_EQ(0, std::memcmp(back + 24, "three..", 8));
}

/* What the user-space host end relies on: a READ on the server's
 * O_NONBLOCK eventfd waits for a write; a cancel ends it; a wait with a
 * deadline returns nothing when the time comes first (liburing 2.3 returns
 * the number submitted then, not -ETIME). */
TEST(Uring, ReadsANonblockingEventfdAndWaitsUntilADeadline)
{
	std::unique_ptr<cpc::Uring> ring;
	try {
		ring = std::make_unique<cpc::Uring>(8);
	} catch (const cpc::Error &e) {
		GTEST_SKIP() << "no io_uring here: " << e.what();
	}
	cpc::UniqueFd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	ASSERT_TRUE(efd);
	std::uint64_t v = 0;
	ring->prep_read(efd.get(), &v, sizeof(v), 0, 7);
	using Clock = std::chrono::steady_clock;
	auto t0 = Clock::now();
	auto none = ring->submit_and_wait_until(t0 + std::chrono::milliseconds(100));
	EXPECT_FALSE(none);
	EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(90));
	std::uint64_t three = 3;
	ASSERT_EQ(8, ::write(efd.get(), &three, 8));
	auto c = ring->submit_and_wait_until(Clock::now() + std::chrono::seconds(5));
	ASSERT_TRUE(c);
	EXPECT_EQ(7u, c->tag);
	EXPECT_EQ(8, c->res);
	EXPECT_EQ(3u, v);
	// A read that nobody answers is cancelled: two completions.
	ring->prep_read(efd.get(), &v, sizeof(v), 0, 8);
	ring->prep_cancel(8, 9);
	int seen = 0;
	for (int i = 0; i < 2; i++) {
		auto x = ring->submit_and_wait_until(Clock::now() + std::chrono::seconds(5));
		ASSERT_TRUE(x);
		if (x->tag == 8)
			EXPECT_EQ(-ECANCELED, x->res);
		else
			EXPECT_EQ(9u, x->tag);
		seen++;
	}
	EXPECT_EQ(2, seen);
	// A deadline in the past: submits, returns at once.
	EXPECT_FALSE(ring->submit_and_wait_until(Clock::now() - std::chrono::seconds(1)));
	// Poll on a socket-like fd.
	ring->prep_poll_add(efd.get(), POLLIN, 10);
	ASSERT_EQ(8, ::write(efd.get(), &three, 8));
	auto p = ring->submit_and_wait_until(Clock::now() + std::chrono::seconds(5));
	ASSERT_TRUE(p);
	EXPECT_EQ(10u, p->tag);
	EXPECT_TRUE(p->res & POLLIN);
}
