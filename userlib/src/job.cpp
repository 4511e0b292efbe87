// SPDX-License-Identifier: LGPL-2.1-or-later
// The io_uring job engine and the snapshot / reclaim / return / ping /
// sweep jobs.
#include <cpc/error.hpp>
#include <cpc/job.hpp>
#include <cpc/parse.hpp>
#include <cpc/snapshot.hpp>

#include "async.hpp"
#include "driver.hpp"
#include "job_backend.hpp"

#include <linux/cpc_host.h>
#include <linux/cpc_proto.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cinttypes>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <endian.h>
#include <deque>
#include <exception>
#include <map>

namespace cpc {

// The public mirrors of uapi structs must have their layout.
static_assert(sizeof(Range) == sizeof(cpc_range) && offsetof(Range, size) == offsetof(cpc_range, size));
static_assert(sizeof(SnapshotArgs) == sizeof(cpc_snapshot_args) &&
	      offsetof(SnapshotArgs, base_gen) == offsetof(cpc_snapshot_args, base_gen) &&
	      offsetof(SnapshotArgs, flags) == offsetof(cpc_snapshot_args, flags));

namespace {

using detail::Clock;
using detail::PendingCall;

constexpr std::uint64_t page_size = CPC_SNAPSHOT_PAGE_SIZE;

/// A call in flight: its request and the record its channel fills in.
struct CallSlot {
	bool busy = false;
	JobCall req;
	PendingCall pc;
};

/// A chunk being written.
struct WriteSlot {
	bool busy = false;
	std::vector<std::uint8_t> data;
	std::size_t done = 0;
	std::uint64_t off = 0;
};

/// One job of a run.
struct Job {
	std::shared_ptr<Channel> ch;
	std::uint16_t chan = 0;
	JobSource *src = nullptr;
	int fd = -1;
	std::string out_name;
	std::vector<std::unique_ptr<CallSlot>> calls;
	std::vector<std::unique_ptr<WriteSlot>> writes;
	std::deque<std::vector<std::uint8_t>> pending; // results not yet queued
	unsigned calls_out = 0, writes_out = 0;
	std::uint64_t off = 0;
	JobStats st;
	std::exception_ptr failure;
	bool ended = false;
};

std::uint64_t cookie(std::size_t job, std::size_t slot)
{
	return (static_cast<std::uint64_t>(job) << 16) | slot;
}

} // namespace

struct JobEngine::Impl {
	unsigned depth;
	std::vector<std::unique_ptr<Job>> jobs;
	/// Where run() drives its operations (a Driver on a new ring).
	detail::CompletionsFactory backend = [](unsigned entries) {
		return std::make_unique<detail::Driver>(entries);
	};
};

void detail::JobEngineAccess::set_backend(JobEngine &e, CompletionsFactory f)
{
	e.impl_->backend = std::move(f);
}

JobEngine::JobEngine(unsigned depth) : impl_(std::make_unique<Impl>())
{
	if (depth < 1 || depth > job_max_depth)
		throw Error(EINVAL, "job: depth " + std::to_string(depth) + " not in 1.." +
					    std::to_string(job_max_depth));
	impl_->depth = depth;
}

JobEngine::~JobEngine() = default;

std::size_t JobEngine::add(std::shared_ptr<Channel> ch, JobSource &src, int out_fd,
			   std::string out_name)
{
	if (!ch)
		throw Error(EINVAL, "job: no channel");
	auto j = std::make_unique<Job>();
	j->ch = std::move(ch);
	j->src = &src;
	j->fd = out_fd;
	j->out_name = out_name.empty() ? "write" : std::move(out_name);
	for (unsigned i = 0; i < impl_->depth; i++) {
		j->calls.push_back(std::make_unique<CallSlot>());
		j->writes.push_back(std::make_unique<WriteSlot>());
	}
	impl_->jobs.push_back(std::move(j));
	return impl_->jobs.size() - 1;
}

std::vector<JobOutcome> JobEngine::run(const std::function<void(const JobProgress &)> &on_progress)
{
	auto &jobs = impl_->jobs;
	const unsigned depth = impl_->depth;
	auto t0 = Clock::now();
	std::vector<JobOutcome> result(jobs.size());
	{
		// Enough entries for every operation that can be in flight.
		std::map<Channel *, std::uint16_t> chans;
		unsigned entries = 8 + 2 * depth * static_cast<unsigned>(jobs.size());
		for (auto &j : jobs)
			if (!chans.count(j->ch.get()))
				chans[j->ch.get()] = 0, entries += 4;
		// Declared after the jobs (impl_->jobs) and before anything that
		// can throw: leaving this block by any way, the backend's
		// destructor reaps every operation before a buffer can go.
		std::unique_ptr<detail::Completions> backend = impl_->backend(entries);
		detail::Completions &drv = *backend;
		chans.clear();
		for (auto &j : jobs) {
			auto it = chans.find(j->ch.get());
			if (it == chans.end())
				it = chans.emplace(j->ch.get(), drv.add(j->ch)).first;
			j->chan = it->second;
		}

		auto fail = [](Job &j, std::exception_ptr e) {
			if (!j.failure)
				j.failure = std::move(e);
		};
		auto queue_write = [&](Job &j, WriteSlot &w, std::size_t ji, std::size_t i) {
			std::size_t left = w.data.size() - w.done;
			unsigned len = static_cast<unsigned>(std::min<std::size_t>(left, 1u << 30));
			drv.write(j.fd, w.data.data() + w.done, len, w.off + w.done, cookie(ji, i));
		};
		auto progress = [&] {
			if (!on_progress)
				return;
			JobProgress p;
			p.jobs = jobs.size();
			for (auto &j : jobs) {
				auto [d, t] = j->src->progress();
				p.done += d;
				p.total += t;
				if (j->ended)
					(j->failure ? p.failed : p.finished)++;
			}
			on_progress(p);
		};

		for (;;) {
			unsigned out = 0;
			for (std::size_t ji = 0; ji < jobs.size(); ji++) {
				Job &j = *jobs[ji];
				if (!j.failure) {
					try {
						// Chunks done first: they free buffers for calls.
						for (std::size_t i = 0; i < depth && !j.pending.empty(); i++) {
							WriteSlot &w = *j.writes[i];
							if (w.busy)
								continue;
							w.data = std::move(j.pending.front());
							j.pending.pop_front();
							w.done = 0;
							w.off = j.off;
							j.off += w.data.size();
							queue_write(j, w, ji, i);
							w.busy = true;
							j.writes_out++;
						}
						for (std::size_t i = 0; i < depth; i++) {
							if (j.calls_out + j.writes_out + j.pending.size() >= depth)
								break;
							CallSlot &c = *j.calls[i];
							if (c.busy)
								continue;
							auto req = j.src->next();
							if (!req)
								break;
							c.req = std::move(*req);
							CallRequest r;
							r.proc = c.req.proc;
							std::copy(std::begin(c.req.args), std::end(c.req.args), r.args);
							r.arg = c.req.arg;
							r.out_capacity = c.req.out_capacity;
							r.timeout = c.req.timeout;
							c.pc = detail::make_pending(r);
							c.pc.cookie = cookie(ji, i);
							// In flight only once started: a
							// submission that throws leaves
							// nothing to wait for.
							drv.submit(j.chan, c.pc);
							c.busy = true;
							j.calls_out++;
						}
					} catch (...) {
						fail(j, std::current_exception());
					}
				}
				j.st.max_in_flight = std::max(j.st.max_in_flight, j.calls_out + j.writes_out);
				j.st.max_calls_in_flight = std::max(j.st.max_calls_in_flight, j.calls_out);
				if (j.calls_out && j.writes_out)
					j.st.overlapped = true;
				if (!j.ended && j.calls_out + j.writes_out == 0 &&
				    (j.failure || j.pending.empty())) {
					j.ended = true;
					j.st.elapsed = Clock::now() - t0;
				}
				out += j.calls_out + j.writes_out;
			}
			if (!out)
				break;

			// Reap; every operation started is reaped before leaving.
			for (const auto &ev : drv.wait()) {
				std::uint64_t ck = ev.call ? ev.call->cookie : ev.cookie;
				std::size_t ji = ck >> 16, i = ck & 0xffff;
				if (ji >= jobs.size() || i >= depth)
					continue;
				Job &j = *jobs[ji];
				if (!ev.call) {
					WriteSlot &w = *j.writes[i];
					if (ev.res < 0 || (ev.res == 0 && w.done < w.data.size())) {
						fail(j, std::make_exception_ptr(
							Error(ev.res < 0 ? -ev.res : EIO, j.out_name)));
					} else {
						w.done += static_cast<std::size_t>(ev.res);
						j.st.bytes_written += static_cast<std::uint64_t>(ev.res);
						if (w.done < w.data.size() && !j.failure) {
							try {
								queue_write(j, w, ji, i); // short write: the rest
								continue;
							} catch (...) {
								fail(j, std::current_exception());
							}
						} else {
							j.st.writes++;
						}
					}
					w.busy = false;
					w.data.clear();
					j.writes_out--;
					continue;
				}
				CallSlot &c = *j.calls[i];
				c.busy = false;
				j.calls_out--;
				if (c.pc.err) {
					fail(j, std::make_exception_ptr(Error(
						c.pc.err, "call " + detail::proc_label(c.req.proc) + " on " +
								  j.ch->name())));
					continue;
				}
				j.st.calls++;
				if (j.failure)
					continue;
				try {
					auto data = j.src->complete(c.req, std::move(c.pc.result));
					if (!data.empty()) {
						if (j.fd < 0)
							throw Error(EINVAL, "job: output produced but no output file");
						j.pending.push_back(std::move(data));
					}
				} catch (...) {
					fail(j, std::current_exception());
				}
			}
			progress();
		}
	}
	for (std::size_t ji = 0; ji < jobs.size(); ji++) {
		Job &j = *jobs[ji];
		result[ji].stats = j.st;
		try {
			if (j.failure)
				std::rethrow_exception(j.failure);
			if (!j.pending.empty() || !j.src->done())
				throw Error(EPROTO, "job: stalled before it was done");
		} catch (const Error &e) {
			result[ji].error = e;
		} catch (const std::exception &e) {
			result[ji].error = Error(EIO, e.what());
		}
	}
	jobs.clear();
	return result;
}

JobStats run_job(std::shared_ptr<Channel> ch, JobSource &src, int out_fd, unsigned depth,
		 const std::function<void(std::uint64_t, std::uint64_t)> &on_progress)
{
	JobEngine e(depth);
	e.add(std::move(ch), src, out_fd);
	auto r = e.run([&](const JobProgress &p) {
		if (on_progress)
			on_progress(p.done, p.total);
	});
	if (r[0].error)
		throw *r[0].error;
	return r[0].stats;
}

// ---- snapshot ----

SnapshotPlan::SnapshotPlan(std::uint64_t start, std::uint64_t size, std::uint64_t base_gen)
	: start_(start), end_(start + size), base_gen_(base_gen), next_(start)
{
	char buf[96];
	std::snprintf(buf, sizeof(buf), "snapshot range 0x%" PRIx64 "+0x%" PRIx64, start, size);
	if (start % page_size || size % page_size)
		throw Error(EINVAL, buf, "not page aligned");
	if (size == 0 || size > CPC_SNAPSHOT_MAX_RANGE)
		throw Error(EINVAL, buf, "size must be 4K..1G");
	if (end_ < start)
		throw Error(EINVAL, buf, "wraps");
}

SnapshotArgs SnapshotPlan::next_args()
{
	if (waiting_)
		throw Error(EBUSY, "snapshot: a call is still out");
	if (done())
		throw Error(EALREADY, "snapshot: the export is complete");
	SnapshotArgs a{};
	a.start = next_;
	a.size = end_ - next_;
	a.base_gen = base_gen_;
	a.flags = next_ == start_ ? 0 : CPC_SNAPSHOT_F_CONTINUE;
	waiting_ = true;
	return a;
}

void SnapshotPlan::advance(std::uint64_t ret0, std::uint64_t ret1,
			   std::span<const std::uint8_t> chunk)
{
	auto bad = [](const std::string &why) { throw Error(EPROTO, "snapshot: " + why); };
	if (!waiting_)
		bad("an answer to no call");
	if (ret0 <= next_ || ret0 > end_ || ret0 % page_size)
		bad("the guest reported no progress or went beyond the range");
	if (ret1 == 0 || (gen_ && ret1 != gen_))
		bad("the export generation changed");
	std::vector<SnapshotChunk> cs;
	try {
		cs = parse_snapshot_chunks(chunk);
	} catch (const Error &e) {
		bad(e.what());
	}
	if (cs.size() != 1)
		bad("a call returned " + std::to_string(cs.size()) + " chunks");
	const SnapshotChunk &c = cs[0];
	if (c.generation != ret1 || c.base_gen != base_gen_ || c.range_start != start_ ||
	    c.range_size != end_ - start_ || c.chunk_start != next_ || c.chunk_end != ret0 ||
	    c.last != (ret0 == end_))
		bad("the chunk header does not match the call");
	if (chunks_ && c.export_id != export_id_)
		bad("the export id changed");
	export_id_ = c.export_id;
	gen_ = ret1;
	next_ = ret0;
	sent_ += c.pages;
	unchanged_ += c.unchanged;
	chunks_++;
	waiting_ = false;
}

ExportId export_id(std::span<const std::uint8_t> data)
{
	if (data.size() < sizeof(cpc_snapshot_chunk))
		throw Error(EBADMSG, "not a snapshot export (too short)");
	auto cs = parse_snapshot_chunks(data);
	if (cs.empty())
		throw Error(EBADMSG, "not a snapshot export (no chunk)");
	if (!cs.back().last)
		throw Error(EBADMSG, "incomplete snapshot export (no last chunk)");
	for (const auto &c : cs)
		if (c.export_id != cs[0].export_id || c.generation != cs[0].generation ||
		    c.range_start != cs[0].range_start || c.range_size != cs[0].range_size)
			throw Error(EBADMSG, "chunks of more than one export");
	return {cs[0].export_id, cs[0].generation, cs[0].range_start, cs[0].range_size};
}

SnapshotJob::SnapshotJob(std::uint64_t start, std::uint64_t size, std::uint64_t base_gen,
			 std::size_t out_capacity)
	: plan_(start, size, base_gen), out_capacity_(out_capacity)
{
	std::size_t min = sizeof(cpc_snapshot_chunk) + sizeof(cpc_snapshot_page) + page_size +
			  sizeof(cpc_snapshot_seal);
	if (out_capacity < min || out_capacity > (1u << 30))
		throw Error(EINVAL, "snapshot: result buffer of " + std::to_string(out_capacity) + " bytes",
			    "cannot hold one record");
}

std::optional<JobCall> SnapshotJob::next()
{
	if (plan_.waiting() || plan_.done())
		return std::nullopt;
	const SnapshotArgs a = plan_.next_args();
	cpc_snapshot_args w{};	/* little-endian on the wire */
	w.start = htole64(a.start);
	w.size = htole64(a.size);
	w.base_gen = htole64(a.base_gen);
	w.flags = htole32(a.flags);
	JobCall c;
	c.proc = CPC_PROC_SNAPSHOT;
	const auto *p = reinterpret_cast<const std::uint8_t *>(&w);
	c.arg.assign(p, p + sizeof(w));
	c.out_capacity = out_capacity_;
	return c;
}

std::vector<std::uint8_t> SnapshotJob::complete(const JobCall &, CallResult &&res)
{
	plan_.advance(res.ret[0], res.ret[1], res.out);
	return std::move(res.out);
}

// ---- reclaim / return ----

std::vector<Range> parse_ranges(const std::string &proc, std::span<const std::uint8_t> out,
				    std::uint64_t ret0, std::uint64_t ret1)
{
	auto bad = [&](const std::string &why) { throw Error(EPROTO, proc + ": " + why); };
	if (ret1 > out.size() / sizeof(Range))
		bad("more ranges reported than the result holds");
	std::vector<Range> r(ret1);
	if (ret1)
		std::memcpy(r.data(), out.data(), ret1 * sizeof(Range));
	for (auto &x : r) {	/* the wire is little-endian; the result is in CPU order */
		x.start = le64toh(x.start);
		x.size = le64toh(x.size);
	}
	std::uint64_t total = 0, prev_end = 0;
	for (const auto &x : r) {
		if (x.size == 0 || x.start % page_size || x.size % page_size ||
		    x.start + x.size < x.start)
			bad("a range is empty, unaligned or wraps");
		if (total && x.start < prev_end)
			bad("ranges not sorted and disjoint");
		prev_end = x.start + x.size;
		total += x.size;
	}
	if (total != ret0)
		bad("ranges add up to " + std::to_string(total) + " bytes, not " +
		    std::to_string(ret0));
	return r;
}

RangesJob::RangesJob(std::uint32_t proc, std::uint64_t mib) : proc_(proc), mib_(mib)
{
	if (proc != CPC_PROC_RECLAIM && proc != CPC_PROC_RETURN)
		throw Error(EINVAL, "job: not reclaim or return");
	if ((proc == CPC_PROC_RECLAIM && mib == 0) || mib > CPC_RECLAIM_MAX_MIB)
		throw Error(EINVAL, detail::proc_label(proc) + ": size must be 1M.." +
					    std::to_string(CPC_RECLAIM_MAX_MIB) + "M");
}

std::optional<JobCall> RangesJob::next()
{
	if (issued_)
		return std::nullopt;
	issued_ = true;
	JobCall c;
	c.proc = proc_;
	c.args[0] = mib_;
	c.out_capacity = 64 * 1024;
	return c;
}

std::vector<std::uint8_t> RangesJob::complete(const JobCall &, CallResult &&res)
{
	ranges_ = parse_ranges(detail::proc_label(proc_), res.out, res.ret[0], res.ret[1]);
	bytes_ = res.ret[0];
	done_ = true;
	return {};
}

PingJob::PingJob(std::uint64_t count) : count_(count)
{
	if (count == 0 || count > ping_job_max)
		throw Error(EINVAL, "ping", "calls must be 1.." + std::to_string(ping_job_max));
}

std::optional<JobCall> PingJob::next()
{
	if (issued_ == count_)
		return std::nullopt;
	JobCall c;
	c.proc = CPC_PROC_PING;
	c.args[0] = issued_++;
	return c;
}

std::vector<std::uint8_t> PingJob::complete(const JobCall &call, CallResult &&res)
{
	if (res.ret[0] != call.args[0])
		throw Error(EPROTO, "ping: sent " + std::to_string(call.args[0]) + ", got " +
					    std::to_string(res.ret[0]) + " back");
	completed_++;
	return {};
}

SweepJob::SweepJob(std::chrono::milliseconds timeout) : timeout_(timeout) {}

std::optional<JobCall> SweepJob::next()
{
	if (out_ || step_ >= 2)
		return std::nullopt;
	JobCall c;
	c.timeout = timeout_;
	if (step_ == 0) {
		c.proc = CPC_PROC_PING;
		c.args[0] = 0x5eeb;
		c.out_capacity = 64;
		sent_ = std::chrono::steady_clock::now();
	} else {
		c.proc = CPC_PROC_INFO;
		c.out_capacity = 64 * 1024;
	}
	out_ = true;
	step_++;
	return c;
}

std::vector<std::uint8_t> SweepJob::complete(const JobCall &call, CallResult &&res)
{
	out_ = false;
	if (call.proc == CPC_PROC_PING) {
		ping_ = std::chrono::steady_clock::now() - sent_;
		if (res.ret[0] != call.args[0])
			throw Error(EPROTO, "ping: echo " + std::to_string(res.ret[0]) + " is not " +
						    std::to_string(call.args[0]));
	} else {
		info_ = res.text();
	}
	return {};
}

std::pair<std::uint64_t, std::uint64_t> largest_ram_range(const std::string &info_json)
{
	auto j = nlohmann::json::parse(info_json, nullptr, false);
	if (j.is_discarded() || !j.is_object() || !j.contains("ram") || !j["ram"].is_array())
		throw Error(EPROTO, "info: no System RAM ranges");
	std::uint64_t start = 0, size = 0;
	for (const auto &r : j["ram"]) {
		if (!r.is_object() || !r.contains("start") || !r.contains("size") ||
		    !r["start"].is_number_unsigned() || !r["size"].is_number_unsigned())
			throw Error(EPROTO, "info: bad System RAM range");
		std::uint64_t s = r["start"], n = r["size"];
		if (s + n < s)
			throw Error(EPROTO, "info: System RAM range wraps");
		// Whole pages only: an export works on pages.
		std::uint64_t a = (s + page_size - 1) & ~(page_size - 1);
		std::uint64_t e = (s + n) & ~(page_size - 1);
		if (a >= s && e > a && e - a > size) {
			start = a;
			size = e - a;
		}
	}
	if (!size)
		throw Error(EPROTO, "info: no System RAM ranges");
	if (size > CPC_SNAPSHOT_MAX_RANGE)
		throw Error(E2BIG, "guest RAM range of " + format_size(size),
			    "exceeds one export (1 GiB): give --start and --size");
	return {start, size};
}

} // namespace cpc
