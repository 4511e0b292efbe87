// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The io_uring maintenance-job engine of libcpc and the jobs built on it.
//
// A job is a sequence of channel calls whose results go to an output file.
// JobEngine keeps the calls of one or more jobs - on one or more channels,
// kernel or bus, at once - in flight through one io_uring: a kernel
// channel's call is an IORING_OP_URING_CMD (CPC_IOCTL_CALL), a bus
// channel's doorbell read and socket poll are ring operations too, and each
// result a job wants kept is written with IORING_OP_WRITE on the same
// ring, so that call k+1 is already with the guest while chunk k goes to
// disk. Each job keeps at most `depth` buffers in flight (calls plus chunks
// not yet written). What the calls are is up to a JobSource: SnapshotJob
// (one export of CPC_PROC_SNAPSHOT, chunk by chunk), RangesJob (reclaim /
// return), PingJob, SweepJob. A job that fails ends alone; the engine
// reaps every operation it started before run() returns.

#include <cpc/channel.hpp>
#include <cpc/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cpc {

/// A guest-physical address range (the layout of struct cpc_range).
struct Range {
	std::uint64_t start = 0;
	std::uint64_t size = 0;
};

/// The argument buffer of CPC_PROC_SNAPSHOT (the layout of struct
/// cpc_snapshot_args, see uapi/linux/cpc_proto.h).
struct SnapshotArgs {
	std::uint64_t start = 0;
	std::uint64_t size = 0;
	std::uint64_t base_gen = 0;
	std::uint32_t flags = 0;
	std::uint32_t reserved = 0;
};

/// One call a job wants made (the engine owns the buffers while in flight).
struct JobCall {
	std::uint32_t proc = 0;
	std::uint64_t args[3] = {0, 0, 0};
	std::vector<std::uint8_t> arg;        ///< argument buffer (may be empty)
	std::size_t out_capacity = 0;         ///< result buffer to provide
	std::chrono::milliseconds timeout{0}; ///< 0: the module's default
};

/// What a job does; JobEngine::run() drives it. Thread safety: a source is
/// used by the one thread that runs its engine.
class JobSource {
public:
	virtual ~JobSource() = default;
	/// The next call to make now, or nothing when no call can be issued
	/// before one in flight completes (or nothing is left to do).
	virtual std::optional<JobCall> next() = 0;
	/// @call completed (the guest answered success) with @res. Returns the
	/// bytes to append to the output (may be empty). Throws cpc::Error to
	/// fail the job.
	virtual std::vector<std::uint8_t> complete(const JobCall &call, CallResult &&res) = 0;
	/// True once every call the job needs has completed.
	virtual bool done() const = 0;
	/// Progress for a progress bar: {done, total} in bytes of the job.
	virtual std::pair<std::uint64_t, std::uint64_t> progress() const = 0;
};

/// What one JobEngine::run() did.
struct JobStats {
	std::uint64_t calls = 0;          ///< calls completed
	std::uint64_t writes = 0;         ///< write operations completed
	std::uint64_t bytes_written = 0;  ///< bytes written to the output
	unsigned max_in_flight = 0;       ///< most operations in flight at once
	unsigned max_calls_in_flight = 0; ///< most calls in flight at once
	bool overlapped = false;          ///< a call was in flight during a write
	std::chrono::nanoseconds elapsed{0};
};

/// Most buffers a job keeps in flight.
inline constexpr unsigned job_max_depth = 64;

/// How one job of a JobEngine::run() ended.
struct JobOutcome {
	JobStats stats;
	/// Set when the job failed: "call <proc> on <channel>: <errno>",
	/// "<out_name>: <errno>" (a write), what the source threw, or EPROTO "job: stalled
	/// before it was done".
	std::optional<Error> error;
};

/// Progress of a run over all its jobs (for one progress display).
struct JobProgress {
	std::uint64_t done = 0, total = 0; ///< summed JobSource::progress()
	std::size_t jobs = 0, finished = 0, failed = 0;
};

namespace detail {
struct JobEngineAccess;
}

/// Thread safety: one JobEngine per thread; a channel is driven by one
/// engine (or ring) at a time (add() or run() throws EBUSY otherwise). The
/// engine shares ownership of its channels: they live as long as it does.
class JobEngine {
public:
	/// @depth: 1..job_max_depth buffers in flight per job (calls plus
	/// chunks being written). Throws cpc::Error(EINVAL) "job: depth ...".
	explicit JobEngine(unsigned depth);
	~JobEngine();
	JobEngine(const JobEngine &) = delete;
	JobEngine &operator=(const JobEngine &) = delete;

	/// Adds a job: @src's calls go to @ch, results to @out_fd from offset
	/// 0 on, in the order complete() returned them (-1: no output);
	/// @out_name names the output in errors ("<out_name>: <errno>", by
	/// default "write"). @src must outlive run(). Returns the job's index
	/// in run()'s result.
	std::size_t add(std::shared_ptr<Channel> ch, JobSource &src, int out_fd = -1,
			std::string out_name = {});

	/// Runs every job to its end. @on_progress, if set, is called after
	/// every completion. Throws cpc::Error only when the ring itself fails
	/// or a channel cannot be driven (EBUSY); a job's own failure is in
	/// its outcome.
	std::vector<JobOutcome> run(const std::function<void(const JobProgress &)> &on_progress = {});

private:
	friend struct detail::JobEngineAccess;
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

/// One job on its own: runs @src on @ch with @depth buffers in flight and
/// throws its error (cpc::Error) if it fails.
JobStats run_job(std::shared_ptr<Channel> ch, JobSource &src, int out_fd, unsigned depth,
		 const std::function<void(std::uint64_t, std::uint64_t)> &on_progress = {});

/// The bookkeeping of one snapshot export (pure logic, no I/O): which
/// arguments the next call takes, and whether what the guest answered
/// continues the export (as described at struct cpc_snapshot_args).
/// Thread safety: one thread at a time per object.
class SnapshotPlan {
public:
	/// Throws cpc::Error(EINVAL) "snapshot range ..." unless @start and
	/// @size are page aligned, @size is 1 page..CPC_SNAPSHOT_MAX_RANGE and
	/// the range does not wrap.
	SnapshotPlan(std::uint64_t start, std::uint64_t size, std::uint64_t base_gen);

	bool done() const noexcept { return next_ == end_; }
	/// A call is out and its answer not yet accounted for.
	bool waiting() const noexcept { return waiting_; }
	/// Arguments of the next call; then waiting() until advance().
	/// Throws cpc::Error(EBUSY) while waiting, (EALREADY) when done.
	SnapshotArgs next_args();
	/// Accounts for the answer to the last call: @ret0/@ret1 its inline
	/// results, @chunk its result buffer. Throws cpc::Error(EPROTO)
	/// "snapshot: ..." if it does not continue the export: no progress,
	/// beyond the range, another generation, or a chunk header that does
	/// not describe exactly this step.
	void advance(std::uint64_t ret0, std::uint64_t ret1, std::span<const std::uint8_t> chunk);

	std::uint64_t start() const noexcept { return start_; }
	std::uint64_t size() const noexcept { return end_ - start_; }
	std::uint64_t base_gen() const noexcept { return base_gen_; }
	std::uint64_t generation() const noexcept { return gen_; }
	std::uint64_t bytes_done() const noexcept { return next_ - start_; }
	std::uint64_t pages_sent() const noexcept { return sent_; }
	std::uint64_t pages_unchanged() const noexcept { return unchanged_; }
	std::uint64_t chunks() const noexcept { return chunks_; }

private:
	std::uint64_t start_, end_, base_gen_, next_;
	std::uint64_t gen_ = 0, export_id_ = 0, sent_ = 0, unchanged_ = 0, chunks_ = 0;
	bool waiting_ = false;
};

/// The first chunk's header of an earlier export in @data (a job's output
/// file): what an incremental export against it needs. Throws
/// cpc::Error(EBADMSG) if @data does not start with a complete chunk.
struct ExportId {
	/// The key provisioning's random export id, then the export's own.
	std::uint64_t export_id = 0, generation = 0, range_start = 0, range_size = 0;
};
ExportId export_id(std::span<const std::uint8_t> data);

/// One export of CPC_PROC_SNAPSHOT as a JobSource: one call at a time (the
/// protocol continues where the last call stopped), each chunk written out
/// while the next call runs.
class SnapshotJob : public JobSource {
public:
	/// @out_capacity: result buffer per call (the channel clamps it to its
	/// data slot); at least room for one record.
	SnapshotJob(std::uint64_t start, std::uint64_t size, std::uint64_t base_gen,
		    std::size_t out_capacity = 1u << 20);
	std::optional<JobCall> next() override;
	std::vector<std::uint8_t> complete(const JobCall &call, CallResult &&res) override;
	bool done() const override { return plan_.done(); }
	std::pair<std::uint64_t, std::uint64_t> progress() const override
	{
		return {plan_.bytes_done(), plan_.size()};
	}
	const SnapshotPlan &plan() const noexcept { return plan_; }

private:
	SnapshotPlan plan_;
	std::size_t out_capacity_;
};

/// The guest-physical ranges a reclaim or return call reported: checks
/// ret[1] (ranges written) against the result buffer, that every range is
/// page aligned, non-empty, sorted and disjoint, and that they add up to
/// ret[0] bytes. Throws cpc::Error(EPROTO) "<proc>: ..." otherwise.
std::vector<Range> parse_ranges(const std::string &proc, std::span<const std::uint8_t> out,
				    std::uint64_t ret0, std::uint64_t ret1);

/// One CPC_PROC_RECLAIM or CPC_PROC_RETURN call of @mib MiB as a job.
class RangesJob : public JobSource {
public:
	/// @proc: CPC_PROC_RECLAIM (@mib 1..CPC_RECLAIM_MAX_MIB) or
	/// CPC_PROC_RETURN (@mib 0 = all). Throws cpc::Error(EINVAL).
	RangesJob(std::uint32_t proc, std::uint64_t mib);
	std::optional<JobCall> next() override;
	std::vector<std::uint8_t> complete(const JobCall &call, CallResult &&res) override;
	bool done() const override { return done_; }
	std::pair<std::uint64_t, std::uint64_t> progress() const override
	{
		return {done_ ? 1 : 0, 1};
	}
	const std::vector<Range> &ranges() const noexcept { return ranges_; }
	std::uint64_t bytes() const noexcept { return bytes_; }

private:
	std::uint32_t proc_;
	std::uint64_t mib_;
	bool issued_ = false, done_ = false;
	std::vector<Range> ranges_;
	std::uint64_t bytes_ = 0;
};

/// The default range of a snapshot job: the largest whole-page part of a
/// System RAM range in @info_json (the `info` procedure's answer, its
/// "ram" array of {"start", "size"}). Throws cpc::Error(EPROTO) if there is
/// no usable range, (E2BIG) if the largest exceeds one export (1 GiB).
std::pair<std::uint64_t, std::uint64_t> largest_ram_range(const std::string &info_json);

/// Most calls one PingJob makes.
inline constexpr std::uint64_t ping_job_max = 1000000;

/// @count CPC_PROC_PING calls as a job, as many in flight as the engine
/// allows: each carries its index as the value and must get it echoed.
/// Measures the channel and shows the depth at work; writes nothing.
class PingJob : public JobSource {
public:
	/// @count: 1..ping_job_max calls. Throws cpc::Error(EINVAL).
	explicit PingJob(std::uint64_t count);
	std::optional<JobCall> next() override;
	/// Throws cpc::Error(EPROTO) if the echo is not the value sent.
	std::vector<std::uint8_t> complete(const JobCall &call, CallResult &&res) override;
	bool done() const override { return completed_ == count_; }
	std::pair<std::uint64_t, std::uint64_t> progress() const override
	{
		return {completed_, count_};
	}

private:
	std::uint64_t count_, issued_ = 0, completed_ = 0;
};

/// Ping, then info, on one channel: what `cpcctl sweep` asks every guest.
class SweepJob : public JobSource {
public:
	/// @timeout: per call (0: the default).
	explicit SweepJob(std::chrono::milliseconds timeout = {});
	std::optional<JobCall> next() override;
	std::vector<std::uint8_t> complete(const JobCall &call, CallResult &&res) override;
	bool done() const override { return step_ == 2 && !out_; }
	std::pair<std::uint64_t, std::uint64_t> progress() const override
	{
		return {step_ - (out_ ? 1 : 0), 2};
	}
	/// Round trip of the ping (submission to completion).
	std::chrono::nanoseconds ping_time() const noexcept { return ping_; }
	/// The guest's answer to info (JSON text).
	const std::string &info() const noexcept { return info_; }

private:
	std::chrono::milliseconds timeout_;
	unsigned step_ = 0;
	bool out_ = false;
	std::chrono::steady_clock::time_point sent_;
	std::chrono::nanoseconds ping_{0};
	std::string info_;
};

} // namespace cpc
