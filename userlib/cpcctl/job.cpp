// cpcctl job: io_uring-driven maintenance jobs on a CPC channel (host).
//   cpcctl job snapshot CHANNEL --out FILE [--base FILE] [--start ADDR --size SIZE]
//                       [--depth D] [--json]
//   cpcctl job reclaim CHANNEL --size SIZE [--json]
//   cpcctl job return CHANNEL [--size SIZE] [--json]
//   cpcctl job ping CHANNEL [--calls N] [--depth D] [--json]
#include "commands.hpp"

#include <cpc/channel.hpp>
#include <cpc/error.hpp>
#include <cpc/file.hpp>
#include <cpc/fd.hpp>
#include <cpc/job.hpp>
#include <cpc/parse.hpp>

#include <linux/cpc_proto.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace cpcctl {

namespace {

/// The output file of a job: written as PATH.tmp, renamed to PATH by
/// commit(); removed if the job fails before that.
class OutputFile {
public:
	explicit OutputFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp")
	{
		fd_.reset(::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
		if (!fd_)
			cpc::throw_errno(tmp_);
	}
	OutputFile(const OutputFile &) = delete;
	OutputFile &operator=(const OutputFile &) = delete;
	~OutputFile()
	{
		if (!committed_)
			::unlink(tmp_.c_str());
	}
	int fd() const noexcept { return fd_.get(); }
	void commit()
	{
		if (::fsync(fd_.get()) < 0 || ::rename(tmp_.c_str(), path_.c_str()) < 0)
			cpc::throw_errno(path_);
		committed_ = true;
	}

private:
	std::string path_, tmp_;
	cpc::UniqueFd fd_;
	bool committed_ = false;
};

/// The default snapshot range: the largest System RAM range the guest reports.
std::pair<std::uint64_t, std::uint64_t> guest_ram(const cpc::Channel &ch)
{
	cpc::CallRequest req;
	req.proc = CPC_PROC_INFO;
	try {
		return cpc::largest_ram_range(ch.call(req).text());
	} catch (const cpc::Error &e) {
		std::string w = e.what();
		throw cpc::Error(e.errnum(), ch.name() + ": " + w.substr(0, w.rfind(": ")));
	}
}

unsigned term_width()
{
	winsize ws{};
	if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

std::string hex(std::uint64_t v)
{
	char b[24];
	std::snprintf(b, sizeof(b), "0x%" PRIx64, v);
	return b;
}

struct SnapOpts {
	std::string channel, out, base, start, size, chunk = "1M";
	unsigned depth = 4;
};

int run_snapshot(const Global &g, const SnapOpts &o)
{
	// Everything the command line says is checked before the first call.
	std::uint64_t start = 0, size = 0, base_gen = 0;
	bool have_range = !o.start.empty() || !o.size.empty();
	if (have_range && (o.start.empty() || o.size.empty()))
		cpc::throw_invalid("--start and --size go together");
	if (have_range) {
		start = cpc::parse_number(o.start);
		size = cpc::parse_size(o.size);
	}
	if (!o.base.empty()) {
		cpc::ExportId id;
		auto data = cpc::read_file(o.base);
		try {
			id = cpc::export_id(data);
		} catch (const cpc::Error &e) {
			throw cpc::Error(e.errnum(), o.base + ": " +
				std::string(e.what()).substr(0, std::string(e.what()).rfind(": ")));
		}
		if (have_range && (id.range_start != start || id.range_size != size))
			throw cpc::Error(EINVAL, o.base + ": exported range " + hex(id.range_start) +
							 "+" + hex(id.range_size) +
							 ", not the one asked for");
		start = id.range_start;
		size = id.range_size;
		have_range = true;
		base_gen = id.generation;
	}
	std::uint64_t chunk = cpc::parse_size(o.chunk);
	if (have_range)
		cpc::SnapshotJob(start, size, base_gen, chunk); // checks range and chunk first
	cpc::Channel ch(o.channel);
	cpc::JobEngine engine(ch, o.depth);
	if (!have_range)
		std::tie(start, size) = guest_ram(ch);
	cpc::SnapshotJob job(start, size, base_gen, chunk);
	OutputFile out(o.out);

	bool bar = !g.json && ::isatty(STDERR_FILENO);
	auto t0 = std::chrono::steady_clock::now();
	auto progress = [&](std::uint64_t done, std::uint64_t total) {
		if (!bar)
			return;
		double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
		std::fprintf(stderr, "\r%s", cpc::format_progress(done, total, s, term_width() - 1).c_str());
	};
	cpc::JobStats st;
	try {
		st = engine.run(job, out.fd(), progress);
	} catch (...) {
		if (bar)
			std::fputc('\n', stderr);
		throw;
	}
	if (bar)
		std::fputc('\n', stderr);
	out.commit();

	const auto &p = job.plan();
	double secs = std::chrono::duration<double>(st.elapsed).count();
	nlohmann::json j = {
		{"channel", ch.name()},
		{"out", o.out},
		{"range_start", p.start()},
		{"range_size", p.size()},
		{"generation", p.generation()},
		{"base_gen", p.base_gen()},
		{"pages", p.size() / CPC_SNAPSHOT_PAGE_SIZE},
		{"changed_pages", p.pages_sent()},
		{"unchanged_pages", p.pages_unchanged()},
		{"bytes", st.bytes_written},
		{"chunks", p.chunks()},
		{"calls", st.calls},
		{"depth", o.depth},
		{"max_in_flight", st.max_in_flight},
		{"overlapped", st.overlapped},
		{"duration_s", secs},
	};
	if (g.json) {
		std::cout << j.dump(2) << "\n";
	} else {
		std::printf("generation %" PRIu64 " (base %" PRIu64 "): range %s+%s, %" PRIu64
			    " pages, %" PRIu64 " changed, %" PRIu64 " unchanged; %s in %" PRIu64
			    " chunks -> %s (%.2f s)\n",
			    p.generation(), p.base_gen(), hex(p.start()).c_str(),
			    hex(p.size()).c_str(), p.size() / CPC_SNAPSHOT_PAGE_SIZE, p.pages_sent(),
			    p.pages_unchanged(), cpc::human_size(st.bytes_written).c_str(), p.chunks(),
			    o.out.c_str(), secs);
	}
	return 0;
}

struct RangeOpts {
	std::string channel, size;
};

int run_ranges(const Global &g, const RangeOpts &o, std::uint32_t proc)
{
	const char *what = proc == CPC_PROC_RECLAIM ? "reclaim" : "return";
	std::uint64_t mib = 0;
	if (!o.size.empty()) {
		std::uint64_t bytes = cpc::parse_size(o.size);
		if (bytes % (1u << 20))
			throw cpc::Error(EINVAL, std::string(what) + ": size " + o.size +
							 " is not a whole number of MiB");
		mib = bytes >> 20;
	}
	cpc::RangesJob job(proc, mib);
	cpc::Channel ch(o.channel);
	cpc::JobEngine engine(ch, 1);
	auto st = engine.run(job, -1);
	double secs = std::chrono::duration<double>(st.elapsed).count();
	if (g.json) {
		nlohmann::json ranges = nlohmann::json::array();
		for (const auto &r : job.ranges())
			ranges.push_back({{"start", r.start}, {"size", r.size}});
		nlohmann::json j = {{"channel", ch.name()}, {"bytes", job.bytes()},
				    {"ranges", ranges}, {"duration_s", secs}};
		std::cout << j.dump(2) << "\n";
		return 0;
	}
	for (const auto &r : job.ranges())
		std::printf("%s-%s  %s\n", hex(r.start).c_str(), hex(r.start + r.size - 1).c_str(),
			    cpc::human_size(r.size).c_str());
	std::printf("%s: %s in %zu ranges (%.3f s)\n", what, cpc::human_size(job.bytes()).c_str(),
		    job.ranges().size(), secs);
	return 0;
}

struct PingOpts {
	std::string channel;
	std::uint64_t calls = 1000;
	unsigned depth = 8;
};

int run_ping(const Global &g, const PingOpts &o)
{
	cpc::PingJob job(o.calls);
	cpc::Channel ch(o.channel);
	cpc::JobEngine engine(ch, o.depth);
	auto st = engine.run(job, -1);
	double secs = std::chrono::duration<double>(st.elapsed).count();
	double rate = secs > 0 ? static_cast<double>(st.calls) / secs : 0;
	if (g.json) {
		nlohmann::json j = {{"channel", ch.name()},
				    {"calls", st.calls},
				    {"depth", o.depth},
				    {"max_calls_in_flight", st.max_calls_in_flight},
				    {"duration_s", secs},
				    {"calls_per_s", rate}};
		std::cout << j.dump(2) << "\n";
		return 0;
	}
	std::printf("%" PRIu64 " pings, up to %u in flight: %.3f s, %.0f calls/s\n", st.calls,
		    st.max_calls_in_flight, secs, rate);
	return 0;
}

} // namespace

void add_job_commands(CLI::App &app, Global &g)
{
	auto *job = app.add_subcommand("job", "io_uring-driven maintenance jobs on a channel (host)");
	job->require_subcommand(1);

	auto so = std::make_shared<SnapOpts>();
	auto *snap = job->add_subcommand("snapshot", "export guest memory (encrypted by the guest) to a file");
	snap->add_option("channel", so->channel, "channel name (cpcctl channel list)")->required();
	snap->add_option("--out", so->out, "file to write the export's chunks to")->required();
	snap->add_option("--base", so->base, "an earlier export of the range: export only what changed since");
	snap->add_option("--start", so->start, "guest-physical start (default: the guest's System RAM)");
	snap->add_option("--size", so->size, "length (util-linux size, e.g. 64K)");
	snap->add_option("--chunk", so->chunk, "result buffer per call (default 1M; the channel may clamp it)");
	snap->add_option("--depth", so->depth, "buffers in flight: calls plus chunks being written")
		->check(CLI::Range(1u, cpc::job_max_depth));
	add_json_flag(snap, g);
	on_run(snap, [&g, so] { return run_snapshot(g, *so); });

	auto ro = std::make_shared<RangeOpts>();
	auto *rec = job->add_subcommand("reclaim", "take memory from the guest; print its ranges");
	rec->add_option("channel", ro->channel, "channel name")->required();
	rec->add_option("--size", ro->size, "how much (whole MiB, e.g. 64M)")->required();
	add_json_flag(rec, g);
	on_run(rec, [&g, ro] { return run_ranges(g, *ro, CPC_PROC_RECLAIM); });

	auto po = std::make_shared<PingOpts>();
	auto *ping = job->add_subcommand("ping", "many pings, up to --depth in flight (channel check)");
	ping->add_option("channel", po->channel, "channel name")->required();
	ping->add_option("--calls", po->calls, "how many (default 1000)");
	ping->add_option("--depth", po->depth, "calls in flight (default 8)")
		->check(CLI::Range(1u, cpc::job_max_depth));
	add_json_flag(ping, g);
	on_run(ping, [&g, po] { return run_ping(g, *po); });

	auto to = std::make_shared<RangeOpts>();
	auto *ret = job->add_subcommand("return", "give reclaimed memory back to the guest");
	ret->add_option("channel", to->channel, "channel name")->required();
	ret->add_option("--size", to->size, "how much (whole MiB; default: all)");
	add_json_flag(ret, g);
	on_run(ret, [&g, to] { return run_ranges(g, *to, CPC_PROC_RETURN); });
}

} // namespace cpcctl
