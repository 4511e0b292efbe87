// The io_uring job engine and the snapshot / reclaim / return jobs.
#include <cpc/error.hpp>
#include <cpc/job.hpp>
#include <cpc/snapshot.hpp>

#include <linux/cpc_host.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <endian.h>
#include <deque>
#include <exception>
#include <memory>

namespace cpc {

namespace {

constexpr std::uint64_t page_size = CPC_SNAPSHOT_PAGE_SIZE;
constexpr std::uint64_t tag_write = 1ull << 32;

std::string proc_label(std::uint32_t op)
{
	for (const auto &p : procedures())
		if (p.opcode == op)
			return p.name;
	return std::to_string(op);
}

/// A call in flight: its request, the kernel's struct and the buffers.
struct CallSlot {
	bool busy = false;
	JobCall req;
	cpc_call call{};
	std::vector<std::uint8_t> out;
};

/// A chunk being written.
struct WriteSlot {
	bool busy = false;
	std::vector<std::uint8_t> data;
	std::size_t done = 0;
	std::uint64_t off = 0;
};

} // namespace

JobEngine::JobEngine(const Channel &ch, unsigned depth)
	: ch_(ch), depth_(depth), ring_((depth >= 1 && depth <= job_max_depth) ? 2 * depth : 1)
{
	if (depth < 1 || depth > job_max_depth)
		throw Error(EINVAL, "job: depth " + std::to_string(depth) + " not in 1.." +
					    std::to_string(job_max_depth));
}

JobStats JobEngine::run(JobSource &src, int out_fd,
			const std::function<void(std::uint64_t, std::uint64_t)> &on_progress)
{
	auto t0 = std::chrono::steady_clock::now();
	JobStats st;
	std::vector<std::unique_ptr<CallSlot>> calls;
	std::vector<std::unique_ptr<WriteSlot>> writes;
	for (unsigned i = 0; i < depth_; i++) {
		calls.push_back(std::make_unique<CallSlot>());
		writes.push_back(std::make_unique<WriteSlot>());
	}
	std::deque<std::vector<std::uint8_t>> pending; // results not yet queued
	unsigned calls_out = 0, writes_out = 0;
	std::uint64_t off = 0;
	std::exception_ptr failure;

	auto fail = [&](std::exception_ptr e) {
		if (!failure)
			failure = std::move(e);
	};
	auto queue_write = [&](WriteSlot &w, std::size_t i) {
		std::size_t left = w.data.size() - w.done;
		unsigned len = static_cast<unsigned>(std::min<std::size_t>(left, 1u << 30));
		ring_.prep_write(out_fd, w.data.data() + w.done, len, w.off + w.done, tag_write | i);
	};

	for (;;) {
		if (!failure) {
			try {
				// Chunks done first: they free buffers for calls.
				for (std::size_t i = 0; i < depth_ && !pending.empty(); i++) {
					WriteSlot &w = *writes[i];
					if (w.busy)
						continue;
					w.busy = true;
					w.data = std::move(pending.front());
					pending.pop_front();
					w.done = 0;
					w.off = off;
					off += w.data.size();
					queue_write(w, i);
					writes_out++;
				}
				for (std::size_t i = 0; i < depth_; i++) {
					if (calls_out + writes_out + pending.size() >= depth_)
						break;
					CallSlot &c = *calls[i];
					if (c.busy)
						continue;
					auto req = src.next();
					if (!req)
						break;
					c.req = std::move(*req);
					c.out.assign(c.req.out_capacity, 0);
					c.call = cpc_call{};
					c.call.size = sizeof(c.call);
					c.call.proc = c.req.proc;
					c.call.timeout_ms = static_cast<std::uint32_t>(c.req.timeout.count());
					std::copy(std::begin(c.req.args), std::end(c.req.args), c.call.args);
					c.call.arg_ptr = reinterpret_cast<std::uintptr_t>(c.req.arg.data());
					c.call.arg_len = static_cast<std::uint32_t>(c.req.arg.size());
					c.call.out_ptr = reinterpret_cast<std::uintptr_t>(c.out.data());
					c.call.out_cap = static_cast<std::uint32_t>(c.out.size());
					ring_.prep_call(ch_.fd(), &c.call, i);
					c.busy = true;
					calls_out++;
				}
			} catch (...) {
				fail(std::current_exception());
			}
		}
		if (calls_out + writes_out == 0)
			break;
		st.max_in_flight = std::max(st.max_in_flight, calls_out + writes_out);
		st.max_calls_in_flight = std::max(st.max_calls_in_flight, calls_out);
		if (calls_out && writes_out)
			st.overlapped = true;

		// Reap; every operation started is reaped before leaving.
		UringCompletion cq = ring_.submit_and_wait();
		do {
			std::size_t i = cq.tag & 0xffffffffu;
			if (cq.tag & tag_write) {
				WriteSlot &w = *writes.at(i);
				if (cq.res < 0 || (cq.res == 0 && w.done < w.data.size())) {
					fail(std::make_exception_ptr(
						Error(cq.res < 0 ? -cq.res : EIO, "write")));
				} else {
					w.done += static_cast<std::size_t>(cq.res);
					st.bytes_written += static_cast<std::uint64_t>(cq.res);
					if (w.done < w.data.size() && !failure) {
						queue_write(w, i); // short write: the rest
						continue;
					}
					st.writes++;
				}
				w.busy = false;
				w.data.clear();
				writes_out--;
				continue;
			}
			CallSlot &c = *calls.at(i);
			c.busy = false;
			calls_out--;
			if (cq.res < 0) {
				fail(std::make_exception_ptr(Error(
					-cq.res, "call " + proc_label(c.req.proc) + " on " + ch_.name())));
				continue;
			}
			st.calls++;
			if (failure)
				continue;
			try {
				CallResult r;
				c.out.resize(std::min<std::size_t>(c.call.out_len, c.out.size()));
				r.out = std::move(c.out);
				r.ret[0] = c.call.ret[0];
				r.ret[1] = c.call.ret[1];
				auto data = src.complete(c.req, std::move(r));
				if (!data.empty()) {
					if (out_fd < 0)
						throw Error(EINVAL, "job: output produced but no output file");
					pending.push_back(std::move(data));
				}
				if (on_progress) {
					auto [d, t] = src.progress();
					on_progress(d, t);
				}
			} catch (...) {
				fail(std::current_exception());
			}
		} while (ring_.try_reap(cq));
	}
	st.elapsed = std::chrono::steady_clock::now() - t0;
	if (failure)
		std::rethrow_exception(failure);
	if (!pending.empty() || !src.done())
		throw Error(EPROTO, "job: stalled before it was done");
	return st;
}

// ---- snapshot ----

SnapshotPlan::SnapshotPlan(std::uint64_t start, std::uint64_t size, std::uint64_t base_gen)
	: start_(start), end_(start + size), base_gen_(base_gen), next_(start)
{
	char buf[96];
	std::snprintf(buf, sizeof(buf), "snapshot range 0x%" PRIx64 "+0x%" PRIx64, start, size);
	if (start % page_size || size % page_size)
		throw Error(EINVAL, std::string(buf) + " not page aligned");
	if (size == 0 || size > CPC_SNAPSHOT_MAX_RANGE)
		throw Error(EINVAL, std::string(buf) + ": size must be 4K..1G");
	if (end_ < start)
		throw Error(EINVAL, std::string(buf) + " wraps");
}

cpc_snapshot_args SnapshotPlan::next_args()
{
	if (waiting_)
		throw Error(EBUSY, "snapshot: a call is still out");
	if (done())
		throw Error(EALREADY, "snapshot: the export is complete");
	cpc_snapshot_args a{};	/* little-endian on the wire */
	a.start = htole64(next_);
	a.size = htole64(end_ - next_);
	a.base_gen = htole64(base_gen_);
	a.flags = htole32(next_ == start_ ? 0 : CPC_SNAPSHOT_F_CONTINUE);
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
		throw Error(EINVAL, "snapshot: result buffer of " + std::to_string(out_capacity) +
					    " bytes cannot hold one record");
}

std::optional<JobCall> SnapshotJob::next()
{
	if (plan_.waiting() || plan_.done())
		return std::nullopt;
	cpc_snapshot_args a = plan_.next_args();
	JobCall c;
	c.proc = CPC_PROC_SNAPSHOT;
	const auto *p = reinterpret_cast<const std::uint8_t *>(&a);
	c.arg.assign(p, p + sizeof(a));
	c.out_capacity = out_capacity_;
	return c;
}

std::vector<std::uint8_t> SnapshotJob::complete(const JobCall &, CallResult &&res)
{
	plan_.advance(res.ret[0], res.ret[1], res.out);
	return std::move(res.out);
}

// ---- reclaim / return ----

std::vector<cpc_range> parse_ranges(const std::string &proc, std::span<const std::uint8_t> out,
				    std::uint64_t ret0, std::uint64_t ret1)
{
	auto bad = [&](const std::string &why) { throw Error(EPROTO, proc + ": " + why); };
	if (ret1 > out.size() / sizeof(cpc_range))
		bad("more ranges reported than the result holds");
	std::vector<cpc_range> r(ret1);
	if (ret1)
		std::memcpy(r.data(), out.data(), ret1 * sizeof(cpc_range));
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
		throw Error(EINVAL, proc_label(proc) + ": size must be 1M.." +
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
	ranges_ = parse_ranges(proc_label(proc_), res.out, res.ret[0], res.ret[1]);
	bytes_ = res.ret[0];
	done_ = true;
	return {};
}

PingJob::PingJob(std::uint64_t count) : count_(count)
{
	if (count == 0 || count > 1000000)
		throw Error(EINVAL, "ping: calls must be 1..1000000");
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
		throw Error(E2BIG, "guest RAM range of " + human_size(size) +
					   " exceeds one export (1 GiB): give --start and --size");
	return {start, size};
}

// ---- presentation ----

std::string human_size(std::uint64_t bytes)
{
	static constexpr const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	if (bytes < 1024)
		return std::to_string(bytes) + " B";
	double v = static_cast<double>(bytes);
	int u = 0;
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
	return buf;
}

std::string format_progress(std::uint64_t done, std::uint64_t total, double seconds,
			    unsigned width)
{
	done = std::min(done, total);
	unsigned pct = total ? static_cast<unsigned>(done * 100 / total) : 100;
	char tail[96];
	std::string rate = seconds > 0 ? human_size(static_cast<std::uint64_t>(done / seconds)) + "/s"
				       : std::string("-");
	std::snprintf(tail, sizeof(tail), " %3u%%  %s / %s  %s", pct, human_size(done).c_str(),
		      human_size(total).c_str(), rate.c_str());
	std::string t = tail;
	if (width < 20 || width < t.size() + 12)
		return t.substr(1).size() > width ? t.substr(1, width) : t.substr(1);
	unsigned bar = std::min<unsigned>(width - static_cast<unsigned>(t.size()) - 2, 50);
	unsigned fill = total ? static_cast<unsigned>(done * bar / total) : bar;
	std::string s = "[";
	s.append(fill, '=');
	if (fill < bar) {
		s += '>';
		s.append(bar - fill - 1, ' ');
	}
	s += ']';
	return s + t;
}

} // namespace cpc
