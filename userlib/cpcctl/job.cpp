// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl job: io_uring-driven maintenance jobs on CPC channels (host), one
// or many guests at once (kernel channels and bus:<socket> alike, all on
// one ring, one progress line).
//   cpcctl job snapshot CHANNEL... (--out FILE | --out-dir DIR) [--base FILE]
//                       [--start ADDR --size SIZE] [--depth D] [--json]
//   cpcctl job reclaim CHANNEL... --size SIZE [--json]
//   cpcctl job return CHANNEL... [--size SIZE] [--json]
//   cpcctl job ping CHANNEL... [--calls N] [--depth D] [--json]
// Exit status: 0 every job succeeded, 1 none did (or bad input), 64 some did
// (each failure is printed as "cpcctl: <what>: <why>").
#include "commands.hpp"
#include "present.hpp"
#include "values.hpp"

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
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cpcctl {

namespace {

/// The default snapshot range: the largest System RAM range the guest reports.
std::pair<std::uint64_t, std::uint64_t> guest_ram(cpc::Channel &ch)
{
	cpc::CallRequest req;
	req.proc = CPC_PROC_INFO;
	try {
		return cpc::largest_ram_range(ch.call(req).text());
	} catch (const cpc::Error &e) {
		throw e.within(ch.name());
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

/// A file name for a channel's output: the kernel channel name, or the bus
/// socket's name without ".sock".
std::string label_of(const std::string &channel)
{
	if (!cpc::is_bus_name(channel))
		return channel;
	std::string b = std::filesystem::path(channel.substr(4)).filename().string();
	if (b.size() > 5 && b.ends_with(".sock"))
		b.resize(b.size() - 5);
	return b.empty() ? "bus" : b;
}

/// The jobs of one command: one per channel, all on one engine, one
/// progress line, failures reported per channel.
class Batch {
public:
	Batch(const Global &g, const std::vector<std::string> &channels, unsigned depth)
		: g_(g), names_(channels), engine_(depth), errors_(channels.size()),
		  chans_(channels.size())
	{
		if (channels.empty())
			cpc::throw_invalid("no channel given");
		for (std::size_t i = 0; i < channels.size(); i++)
			for (std::size_t k = 0; k < i; k++)
				if (channels[i] == channels[k])
					throw Usage("channel " + channels[i], "given twice");
	}

	bool multi() const { return names_.size() > 1; }
	std::size_t size() const { return names_.size(); }
	const std::string &name(std::size_t i) const { return names_[i]; }

	/// Opens channel @i (once); nullptr after recording its failure (or,
	/// with one channel, throws).
	cpc::Channel *open(std::size_t i)
	{
		if (chans_[i] || errors_[i])
			return chans_[i].get();
		try {
			chans_[i] = cpc::open_channel(names_[i]);
		} catch (const cpc::Error &e) {
			fail(i, e);
		}
		return chans_[i].get();
	}

	/// Channel @i failed before its job could run.
	void fail(std::size_t i, const cpc::Error &e)
	{
		if (!multi())
			throw e;
		errors_[i] = e;
	}
	bool failed(std::size_t i) const { return errors_[i].has_value(); }
	const std::optional<cpc::Error> &error(std::size_t i) const { return errors_[i]; }

	void add(std::size_t i, cpc::JobSource &src, int fd = -1, const std::string &out = {})
	{
		index_.push_back(i);
		engine_.add(chans_[i], src, fd, out);
	}

	/// Runs the jobs; afterwards stats(i) and error(i) tell how each went.
	void run()
	{
		bool bar = !g_.json && ::isatty(STDERR_FILENO);
		auto t0 = std::chrono::steady_clock::now();
		std::size_t early = 0;
		for (const auto &e : errors_)
			early += e.has_value();
		auto progress = [&](const cpc::JobProgress &p) {
			if (!bar)
				return;
			double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
			char label[96] = "";
			if (multi())
				std::snprintf(label, sizeof(label), "%zu guests (%zu done, %zu failed)",
					      names_.size(), p.finished, p.failed + early);
			std::fprintf(stderr, "\r%s",
				     format_progress(p.done, p.total, s, term_width() - 1, label).c_str());
		};
		std::vector<cpc::JobOutcome> out;
		if (!index_.empty())
			out = engine_.run(progress);
		if (bar)
			std::fputc('\n', stderr);
		stats_.assign(names_.size(), cpc::JobStats{});
		for (std::size_t k = 0; k < out.size(); k++) {
			stats_[index_[k]] = out[k].stats;
			if (out[k].error)
				fail(index_[k], *out[k].error);
		}
	}
	const cpc::JobStats &stats(std::size_t i) const { return stats_[i]; }

	/// Prints every failure (several channels) and returns the exit status.
	int finish() const
	{
		std::size_t bad = 0;
		for (const auto &e : errors_) {
			if (!e)
				continue;
			bad++;
			std::cerr << "cpcctl: " << e->what() << "\n";
		}
		return bad == 0 ? 0 : bad == names_.size() ? 1 : 64;
	}

private:
	const Global &g_;
	std::vector<std::string> names_;
	cpc::JobEngine engine_;
	std::vector<std::optional<cpc::Error>> errors_;
	std::vector<std::shared_ptr<cpc::Channel>> chans_;
	std::vector<std::size_t> index_;
	std::vector<cpc::JobStats> stats_;
};

/// Prints one JSON document: the object itself for one channel, an array
/// of them (failures as {"channel", "error"}) for several.
void print_json(const Batch &b, const std::vector<nlohmann::json> &per)
{
	if (!b.multi()) {
		std::cout << per[0].dump(2) << "\n";
		return;
	}
	auto arr = nlohmann::json::array();
	for (std::size_t i = 0; i < b.size(); i++) {
		if (b.failed(i))
			arr.push_back({{"channel", b.name(i)}, {"ok", false}, {"error", b.error(i)->what()}});
		else
			arr.push_back(per[i]);
	}
	std::cout << arr.dump(2) << "\n";
}

struct SnapOpts {
	std::vector<std::string> channels;
	std::string out, out_dir, base, start, size, chunk = "1M";
	unsigned depth = 4;
	bool force = false;
};

int run_snapshot(const Global &g, const SnapOpts &o)
{
	// Everything the command line says is checked before the first call.
	std::uint64_t start = 0, size = 0, base_gen = 0;
	if (o.out.empty() && o.out_dir.empty())
		throw Usage("job snapshot", "give --out FILE (one channel) or --out-dir DIR");
	if (!o.out.empty() && o.channels.size() > 1)
		throw Usage("--out", "one channel only; use --out-dir DIR for several");
	if (!o.base.empty() && o.channels.size() > 1)
		throw Usage("--base", "takes one channel");
	bool have_range = !o.start.empty(); // --start needs --size (CLI11)
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
			throw e.within(o.base);
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
	try {
		// Checks the range and the chunk before any call.
		cpc::SnapshotJob(have_range ? start : 0, have_range ? size : CPC_SNAPSHOT_PAGE_SIZE,
				 base_gen, chunk);
	} catch (const cpc::Error &e) {
		if (o.base.empty())
			throw Usage(e.context(), e.reason());
		throw;
	}
	if (!o.out_dir.empty() && !std::filesystem::is_directory(o.out_dir))
		throw cpc::Error(ENOTDIR, o.out_dir);

	// Every output is checked (and its temporary made) before any call.
	Batch b(g, o.channels, o.depth);
	std::vector<std::unique_ptr<cpc::SnapshotJob>> jobs(b.size());
	std::vector<std::unique_ptr<cpc::OutputFile>> files(b.size());
	std::vector<std::string> paths(b.size());
	for (std::size_t i = 0; i < b.size(); i++) {
		paths[i] = o.out.empty() ? (std::filesystem::path(o.out_dir) /
					    (label_of(b.name(i)) + ".snp")).string()
					 : o.out;
		for (std::size_t k = 0; k < i; k++)
			if (paths[k] == paths[i])
				throw Usage(b.name(i), "writes " + paths[i] + " as " + b.name(k) + " does");
		// The engine writes at offsets: not to a pipe.
		files[i] = open_output(paths[i], o.force, false);
	}
	for (std::size_t i = 0; i < b.size(); i++) {
		cpc::Channel *ch = b.open(i);
		if (!ch)
			continue;
		try {
			auto [s0, n0] = have_range ? std::make_pair(start, size) : guest_ram(*ch);
			jobs[i] = std::make_unique<cpc::SnapshotJob>(s0, n0, base_gen, chunk);
			b.add(i, *jobs[i], files[i]->fd(), paths[i]);
		} catch (const cpc::Error &e) {
			b.fail(i, e);
		}
	}
	b.run();

	std::vector<nlohmann::json> per(b.size());
	for (std::size_t i = 0; i < b.size(); i++) {
		if (b.failed(i))
			continue;
		try {
			files[i]->commit();
		} catch (const cpc::Error &e) {
			b.fail(i, e);
			continue;
		}
		const auto &st = b.stats(i);
		const auto &p = jobs[i]->plan();
		double secs = std::chrono::duration<double>(st.elapsed).count();
		per[i] = {
			{"channel", b.name(i)},
			{"out", paths[i]},
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
		if (b.multi())
			per[i]["ok"] = true;
		if (!g.json)
			std::printf("%sgeneration %" PRIu64 " (base %" PRIu64 "): range %s+%s, %" PRIu64
				    " pages, %" PRIu64 " changed, %" PRIu64 " unchanged; %s in %" PRIu64
				    " chunks -> %s (%.2f s)\n",
				    b.multi() ? (b.name(i) + ": ").c_str() : "", p.generation(),
				    p.base_gen(), hex(p.start()).c_str(), hex(p.size()).c_str(),
				    p.size() / CPC_SNAPSHOT_PAGE_SIZE, p.pages_sent(),
				    p.pages_unchanged(), human_size(st.bytes_written).c_str(),
				    p.chunks(), paths[i].c_str(), secs);
	}
	if (g.json)
		print_json(b, per);
	return b.finish();
}

struct RangeOpts {
	std::vector<std::string> channels;
	std::string size;
};

int run_ranges(const Global &g, const RangeOpts &o, std::uint32_t proc)
{
	const char *what = proc == CPC_PROC_RECLAIM ? "reclaim" : "return";
	// --size was checked by its validator (whole MiB, within the limit).
	std::uint64_t mib = o.size.empty() ? 0 : cpc::parse_size(o.size) >> 20;
	Batch b(g, o.channels, 1);
	std::vector<std::unique_ptr<cpc::RangesJob>> jobs(b.size());
	for (std::size_t i = 0; i < b.size(); i++) {
		if (!b.open(i))
			continue;
		jobs[i] = std::make_unique<cpc::RangesJob>(proc, mib);
		b.add(i, *jobs[i]);
	}
	b.run();
	std::vector<nlohmann::json> per(b.size());
	for (std::size_t i = 0; i < b.size(); i++) {
		if (b.failed(i))
			continue;
		const auto &job = *jobs[i];
		double secs = std::chrono::duration<double>(b.stats(i).elapsed).count();
		if (g.json) {
			nlohmann::json ranges = nlohmann::json::array();
			for (const auto &r : job.ranges())
				ranges.push_back({{"start", r.start}, {"size", r.size}});
			per[i] = {{"channel", b.name(i)}, {"bytes", job.bytes()},
				  {"ranges", ranges}, {"duration_s", secs}};
			if (b.multi())
				per[i]["ok"] = true;
			continue;
		}
		std::string pre = b.multi() ? b.name(i) + ": " : "";
		for (const auto &r : job.ranges())
			std::printf("%s%s-%s  %s\n", pre.c_str(), hex(r.start).c_str(),
				    hex(r.start + r.size - 1).c_str(), human_size(r.size).c_str());
		std::printf("%s%s: %s in %zu ranges (%.3f s)\n", pre.c_str(), what,
			    human_size(job.bytes()).c_str(), job.ranges().size(), secs);
	}
	if (g.json)
		print_json(b, per);
	return b.finish();
}

struct PingOpts {
	std::vector<std::string> channels;
	std::uint64_t calls = 1000;
	unsigned depth = 8;
};

int run_ping(const Global &g, const PingOpts &o)
{
	Batch b(g, o.channels, o.depth);
	std::vector<std::unique_ptr<cpc::PingJob>> jobs(b.size());
	for (std::size_t i = 0; i < b.size(); i++) {
		if (!b.open(i))
			continue;
		jobs[i] = std::make_unique<cpc::PingJob>(o.calls);
		b.add(i, *jobs[i]);
	}
	b.run();
	std::vector<nlohmann::json> per(b.size());
	for (std::size_t i = 0; i < b.size(); i++) {
		if (b.failed(i))
			continue;
		const auto &st = b.stats(i);
		double secs = std::chrono::duration<double>(st.elapsed).count();
		double rate = secs > 0 ? static_cast<double>(st.calls) / secs : 0;
		per[i] = {{"channel", b.name(i)},
			  {"calls", st.calls},
			  {"depth", o.depth},
			  {"max_calls_in_flight", st.max_calls_in_flight},
			  {"duration_s", secs},
			  {"calls_per_s", rate}};
		if (b.multi())
			per[i]["ok"] = true;
		if (!g.json)
			std::printf("%s%" PRIu64 " pings, up to %u in flight: %.3f s, %.0f calls/s\n",
				    b.multi() ? (b.name(i) + ": ").c_str() : "", st.calls,
				    st.max_calls_in_flight, secs, rate);
	}
	if (g.json)
		print_json(b, per);
	return b.finish();
}

} // namespace

void add_job_commands(CLI::App &app, Global &g)
{
	auto *job = app.add_subcommand("job", "io_uring-driven maintenance jobs on one or more channels (host)");
	job->require_subcommand(1);

	auto so = std::make_shared<SnapOpts>();
	auto *snap = job->add_subcommand("snapshot", "export guest memory (encrypted by the guest) to files");
	snap->add_option("channel", so->channels, "channel names (cpcctl channel list) or bus:<socket>")->required();
	auto *out = snap->add_option("--out", so->out,
				     "file to write the export's chunks to (one channel)");
	add_force_flag(snap, so->force);
	out->excludes(snap->add_option("--out-dir", so->out_dir,
				       "directory: DIR/<channel>.snp per channel"));
	snap->add_option("--base", so->base, "an earlier export of the range: export only what changed since");
	auto *start = number_value(snap->add_option(
		"--start", so->start, "guest-physical start (default: the guest's System RAM)"));
	auto *size = size_value(snap->add_option("--size", so->size, "length, e.g. 64K"), 1);
	start->needs(size);
	size->needs(start);
	size_value(snap->add_option("--chunk", so->chunk, "result buffer per call (the channel may clamp it)"),
		   1, 1u << 30);
	count_value(snap->add_option("--depth", so->depth,
				     "buffers in flight per guest: calls plus chunks being written"),
		    1, cpc::job_max_depth);
	add_json_flag(snap, g);
	add_examples(snap, {"cpcctl job snapshot bus:/run/cpc/vm1.sock --out vm1.snp",
	                    "cpcctl job snapshot bus:/run/cpc/vm1.sock --base vm1.snp --out vm1-inc.snp",
	                    "cpcctl job snapshot bus:/run/cpc/vm1.sock bus:/run/cpc/vm2.sock --out-dir /srv/snap"});
	on_run(snap, [&g, so] { return run_snapshot(g, *so); });

	auto ro = std::make_shared<RangeOpts>();
	auto *rec = job->add_subcommand("reclaim", "take memory from the guests; print their ranges");
	rec->add_option("channel", ro->channels, "channel names")->required();
	size_value(rec->add_option("--size", ro->size, "how much per guest (whole MiB, e.g. 64M)")->required(),
		   1u << 20, std::uint64_t(CPC_RECLAIM_MAX_MIB) << 20, 1u << 20);
	add_json_flag(rec, g);
	add_examples(rec, {"cpcctl job reclaim bus:/run/cpc/vm1.sock --size 256M"});
	on_run(rec, [&g, ro] { return run_ranges(g, *ro, CPC_PROC_RECLAIM); });

	auto po = std::make_shared<PingOpts>();
	auto *ping = job->add_subcommand("ping", "many pings, up to --depth in flight per guest (channel check)");
	ping->add_option("channel", po->channels, "channel names")->required();
	count_value(ping->add_option("--calls", po->calls, "how many per guest"), 1, cpc::ping_job_max);
	count_value(ping->add_option("--depth", po->depth, "calls in flight per guest"), 1,
		    cpc::job_max_depth);
	add_json_flag(ping, g);
	add_examples(ping, {"cpcctl job ping bus:/run/cpc/vm1.sock --calls 10000 --depth 32"});
	on_run(ping, [&g, po] { return run_ping(g, *po); });

	auto to = std::make_shared<RangeOpts>();
	auto *ret = job->add_subcommand("return", "give reclaimed memory back to the guests");
	ret->add_option("channel", to->channels, "channel names")->required();
	size_value(ret->add_option("--size", to->size, "how much per guest (whole MiB; default: all)"),
		   1u << 20, std::uint64_t(CPC_RECLAIM_MAX_MIB) << 20, 1u << 20);
	add_json_flag(ret, g);
	add_examples(ret, {"cpcctl job return bus:/run/cpc/vm1.sock",
	                   "cpcctl job return bus:/run/cpc/vm1.sock --size 64M"});
	on_run(ret, [&g, to] { return run_ranges(g, *to, CPC_PROC_RETURN); });
}

} // namespace cpcctl
