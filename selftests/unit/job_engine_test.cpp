// SPDX-License-Identifier: GPL-2.0
// JobEngine's state machine without a kernel or a ring: a fake completion
// source (detail::Completions) answers calls and writes as each test
// scripts it and checks that the engine never waits for nothing, keeps at
// most `depth` buffers in flight, writes every result at its offset, and
// reaps every operation it started before run() returns or throws.
#include <cpc/error.hpp>
#include <cpc/job.hpp>

#include <linux/cpc_proto.h>

#include <gtest/gtest.h>

#include "async.hpp"
#include "driver.hpp"
#include "job_backend.hpp"

#include <deque>
#include <functional>
#include <map>
#include <type_traits>

namespace {

using cpc::detail::Completions;
using cpc::detail::PendingCall;

// A JobEngine cannot be built around a temporary channel it would keep a
// reference to: it takes channels as shared_ptr, in add().
static_assert(!std::is_constructible_v<cpc::JobEngine, cpc::Channel &&, unsigned>);
static_assert(!std::is_constructible_v<cpc::JobEngine, cpc::Channel &, unsigned>);

/// A channel the fake drives (never called directly).
class NullChannel : public cpc::Channel {
public:
	NullChannel() : cpc::Channel("fake") {}
	std::string transport() const override { return "fake"; }
	cpc::CallResult call(const cpc::CallRequest &) override { throw cpc::Error(ENOSYS, "fake"); }
	cpc::ResetResult reset() override { throw cpc::Error(ENOSYS, "fake"); }
	cpc::ChannelStatus status() const override { return {}; }

private:
	cpc::detail::AsyncPort &async_port() override { throw cpc::Error(ENOSYS, "fake port"); }
};

/// What the fake saw, kept after the engine destroyed it.
struct Record {
	unsigned max_calls = 0, max_ops = 0, submitted = 0;
	std::map<std::uint64_t, std::vector<std::uint8_t>> file; // offset -> bytes written
	bool destroyed = false;
	unsigned left_at_destruction = 0;
	unsigned waits_with_nothing = 0;
};

class FakeCompletions : public Completions {
public:
	struct Write {
		const std::uint8_t *buf;
		unsigned len;
		std::uint64_t off, cookie;
	};
	FakeCompletions(Record &rec) : rec_(rec) {}
	~FakeCompletions() override
	{
		rec_.destroyed = true;
		rec_.left_at_destruction = outstanding();
	}

	std::uint16_t add(const std::shared_ptr<cpc::Channel> &) override { return chans_++; }
	void submit(std::uint16_t, PendingCall &c) override
	{
		unsigned nth = rec_.submitted++; // attempts, the failing ones too
		if (submit_hook)
			submit_hook(c, nth);
		calls_.push_back(&c);
		note();
	}
	void write(int, const void *buf, unsigned len, std::uint64_t off, std::uint64_t cookie) override
	{
		writes_.push_back({static_cast<const std::uint8_t *>(buf), len, off, cookie});
		note();
	}
	/// Finishes the oldest call (answer()) and every queued write
	/// (write_result(): bytes taken or -errno).
	std::vector<Event> wait() override
	{
		std::vector<Event> out;
		if (!outstanding()) {
			rec_.waits_with_nothing++;
			throw cpc::Error(EDEADLK, "fake: waiting with nothing in flight");
		}
		if (!calls_.empty()) {
			PendingCall *c = calls_.front();
			calls_.pop_front();
			c->finished = true;
			answer(*c);
			out.push_back(Event{c, 0, 0});
		}
		for (const auto &w : writes_) {
			int res = write_result ? write_result(w) : static_cast<int>(w.len);
			if (res > 0)
				rec_.file[w.off].assign(w.buf, w.buf + res);
			out.push_back(Event{nullptr, w.cookie, res});
		}
		writes_.clear();
		return out;
	}
	unsigned outstanding() const override
	{
		return static_cast<unsigned>(calls_.size() + writes_.size());
	}

	std::function<void(PendingCall &, unsigned nth)> submit_hook;
	std::function<void(PendingCall &)> answer = [](PendingCall &c) {
		c.result.ret[0] = c.args[0]; // ping: the echo
		c.result.ret[1] = 0;
	};
	std::function<int(const Write &)> write_result;

private:
	void note()
	{
		rec_.max_calls = std::max<unsigned>(rec_.max_calls, static_cast<unsigned>(calls_.size()));
		rec_.max_ops = std::max(rec_.max_ops, outstanding());
	}
	Record &rec_;
	std::uint16_t chans_ = 0;
	std::deque<PendingCall *> calls_;
	std::vector<Write> writes_;
};

/// A job of @n calls; each call's result is @chunk bytes of the call's
/// number, appended to the output.
class CountingJob : public cpc::JobSource {
public:
	CountingJob(unsigned n, std::size_t chunk) : n_(n), chunk_(chunk) {}
	std::optional<cpc::JobCall> next() override
	{
		if (issued_ == n_)
			return std::nullopt;
		cpc::JobCall c;
		c.proc = CPC_PROC_PING;
		c.args[0] = issued_++;
		c.out_capacity = chunk_;
		return c;
	}
	std::vector<std::uint8_t> complete(const cpc::JobCall &call, cpc::CallResult &&) override
	{
		done_++;
		if (!chunk_)
			return {};
		return std::vector<std::uint8_t>(chunk_, static_cast<std::uint8_t>(call.args[0]));
	}
	bool done() const override { return done_ == n_; }
	std::pair<std::uint64_t, std::uint64_t> progress() const override { return {done_, n_}; }

private:
	unsigned n_, issued_ = 0, done_ = 0;
	std::size_t chunk_;
};

/// Makes @e's runs use a FakeCompletions set up by @setup.
void use_fake(cpc::JobEngine &e, Record &rec, std::function<void(FakeCompletions &)> setup = {})
{
	cpc::detail::JobEngineAccess::set_backend(e, [&rec, setup](unsigned) {
		auto f = std::make_unique<FakeCompletions>(rec);
		if (setup)
			setup(*f);
		return f;
	});
}

TEST(JobEngineFake, KeepsDepthCallsInFlightAndWritesInOrder)
{
	Record rec;
	cpc::JobEngine e(4);
	use_fake(e, rec);
	CountingJob job(10, 3);
	e.add(std::make_shared<NullChannel>(), job, 99, "out.snp");
	auto r = e.run();
	ASSERT_FALSE(r[0].error) << r[0].error->what();
	EXPECT_EQ(10u, r[0].stats.calls);
	EXPECT_EQ(30u, r[0].stats.bytes_written);
	EXPECT_EQ(4u, r[0].stats.max_calls_in_flight);
	EXPECT_LE(rec.max_ops, 4u); // calls plus writes never above depth
	ASSERT_EQ(10u, rec.file.size());
	for (unsigned k = 0; k < 10; k++)
		EXPECT_EQ(std::vector<std::uint8_t>(3, static_cast<std::uint8_t>(k)), rec.file.at(3 * k));
	EXPECT_TRUE(rec.destroyed);
	EXPECT_EQ(0u, rec.left_at_destruction);
	EXPECT_EQ(0u, rec.waits_with_nothing);
}

TEST(JobEngineFake, ShortWritesContinueAtTheRightOffset)
{
	Record rec;
	cpc::JobEngine e(2);
	use_fake(e, rec, [](FakeCompletions &f) {
		f.write_result = [](const FakeCompletions::Write &w) {
			return static_cast<int>(std::min(w.len, 2u)); // 2 bytes at a time
		};
	});
	CountingJob job(3, 5);
	e.add(std::make_shared<NullChannel>(), job, 99);
	auto r = e.run();
	ASSERT_FALSE(r[0].error) << r[0].error->what();
	EXPECT_EQ(15u, r[0].stats.bytes_written);
	std::vector<std::uint8_t> all(15);
	for (const auto &[off, bytes] : rec.file)
		std::copy(bytes.begin(), bytes.end(), all.begin() + static_cast<long>(off));
	for (unsigned k = 0; k < 15; k++)
		EXPECT_EQ(k / 5, all[k]) << k;
}

TEST(JobEngineFake, WriteErrorFailsTheJobNamingItsOutput)
{
	Record rec;
	cpc::JobEngine e(4);
	use_fake(e, rec, [](FakeCompletions &f) {
		f.write_result = [](const FakeCompletions::Write &w) { return w.off >= 6 ? -ENOSPC : int(w.len); };
	});
	CountingJob job(10, 3);
	e.add(std::make_shared<NullChannel>(), job, 99, "/tmp/out.snp");
	auto r = e.run();
	ASSERT_TRUE(r[0].error);
	EXPECT_EQ(ENOSPC, r[0].error->errnum());
	EXPECT_EQ("/tmp/out.snp", r[0].error->context());
	EXPECT_EQ(0u, rec.left_at_destruction);
	EXPECT_EQ(0u, rec.waits_with_nothing);
}

TEST(JobEngineFake, ThrowingSubmissionFailsOnlyItsJobAfterReapingTheRest)
{
	Record rec;
	cpc::JobEngine e(4);
	use_fake(e, rec, [](FakeCompletions &f) {
		// The third submission overall fails (a ring that is full, a bus
		// that cannot take the call): nothing was started for it.
		f.submit_hook = [](PendingCall &, unsigned nth) {
			if (nth == 2)
				throw cpc::Error(EBUSY, "fake submit");
		};
	});
	CountingJob a(6, 0), b(6, 0);
	e.add(std::make_shared<NullChannel>(), a);
	e.add(std::make_shared<NullChannel>(), b);
	std::vector<cpc::JobOutcome> r;
	ASSERT_NO_THROW(r = e.run());
	ASSERT_EQ(2u, r.size());
	ASSERT_TRUE(r[0].error);
	EXPECT_EQ(EBUSY, r[0].error->errnum());
	EXPECT_EQ(2u, r[0].stats.calls); // the two started before were reaped
	EXPECT_FALSE(r[1].error) << r[1].error->what();
	EXPECT_EQ(6u, r[1].stats.calls);
	EXPECT_EQ(0u, rec.waits_with_nothing);
	EXPECT_EQ(0u, rec.left_at_destruction);
}

TEST(JobEngineFake, FailedCallStopsTheJobAndDrainsWhatIsInFlight)
{
	Record rec;
	cpc::JobEngine e(4);
	use_fake(e, rec, [](FakeCompletions &f) {
		f.answer = [](PendingCall &c) {
			if (c.args[0] == 1)
				c.err = EPERM; // the guest denies it
			c.result.ret[0] = c.args[0];
		};
	});
	CountingJob job(20, 0);
	e.add(std::make_shared<NullChannel>(), job);
	auto r = e.run();
	ASSERT_TRUE(r[0].error);
	EXPECT_EQ(EPERM, r[0].error->errnum());
	EXPECT_EQ("call ping on fake", r[0].error->context());
	EXPECT_LE(rec.submitted, 5u); // nothing new after the failure
	EXPECT_EQ(0u, rec.left_at_destruction);
}

TEST(JobEngineFake, BrokenBackendThrowsAndIsGoneBeforeRunReturns)
{
	Record rec;
	cpc::JobEngine e(4);
	use_fake(e, rec, [](FakeCompletions &f) {
		f.answer = [](PendingCall &) { throw cpc::Error(EIO, "fake ring"); };
	});
	CountingJob job(8, 0);
	e.add(std::make_shared<NullChannel>(), job);
	EXPECT_THROW(e.run(), cpc::Error);
	EXPECT_TRUE(rec.destroyed); // before run() left: the buffers were still there
}

} // namespace
