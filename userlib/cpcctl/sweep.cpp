// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl sweep [CHANNEL...] [--timeout MS] [--bus-dir DIR]... [--json]:
// ping, then info, on every given channel - or every channel `channel list`
// shows - all at once on one io_uring (kernel channels and buses alike).
// A channel that fails is reported and never stops the others.
// Exit status: 0 every channel answered, 1 none did (or bad input), 64 some
// did.
#include "commands.hpp"
#include "table.hpp"
#include "values.hpp"

#include <cpc/channel.hpp>
#include <cpc/error.hpp>
#include <cpc/job.hpp>

#include <linux/cpc_host.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cpcctl {

namespace {

struct SweepOpts {
	std::vector<std::string> channels;
	std::vector<std::string> bus_dirs;
	unsigned timeout_ms = CPC_CALL_TIMEOUT_DEFAULT_MS;
	TableOptions table;
};

const std::vector<Column> sweep_columns = {
	{"CHANNEL", "channel name"},
	{"STATE", "its state"},
	{"PING_US", "ping round trip, microseconds", true},
	{"KERNEL", "the guest's kernel"},
	{"UPTIME", "the guest's uptime", true},
	{"MEM_AVAIL", "the guest's MemAvailable", true, true},
	{"ERROR", "why it did not answer"},
};
const char *const sweep_default_columns = "CHANNEL,STATE,PING_US,KERNEL,UPTIME,MEM_AVAIL,ERROR";

struct Row {
	std::string name, state;
	std::shared_ptr<cpc::Channel> ch;
	std::unique_ptr<cpc::SweepJob> job;
	std::optional<cpc::Error> error;
	nlohmann::json info;
};

std::string human_uptime(std::uint64_t s)
{
	char b[32];
	if (s >= 86400)
		std::snprintf(b, sizeof(b), "%llud%02lluh", (unsigned long long)(s / 86400),
			      (unsigned long long)(s % 86400 / 3600));
	else if (s >= 3600)
		std::snprintf(b, sizeof(b), "%lluh%02llum", (unsigned long long)(s / 3600),
			      (unsigned long long)(s % 3600 / 60));
	else
		std::snprintf(b, sizeof(b), "%llum%02llus", (unsigned long long)(s / 60),
			      (unsigned long long)(s % 60));
	return b;
}

/// The error without the "call X on Y: " context: its errno text.
std::string why(const cpc::Error &e)
{
	return e.code().message();
}

int run_sweep(const SweepOpts &o, const Global &g)
{
	std::vector<Row> rows;
	if (o.channels.empty()) {
		cpc::ListOptions lo;
		if (!o.bus_dirs.empty())
			lo.bus_dirs = o.bus_dirs;
		for (const auto &c : cpc::list_channels(lo))
			rows.push_back(Row{c.name, c.state, {}, {}, {}, {}});
		if (rows.empty())
			throw cpc::Error(ENODEV, "sweep", "no channel to sweep (none in sysfs or the bus directories)");
	} else {
		for (const auto &n : o.channels) {
			for (const auto &r : rows)
				if (r.name == n)
					throw Usage("channel " + n, "given twice");
			rows.push_back(Row{n, "", {}, {}, {}, {}});
		}
	}

	cpc::JobEngine engine(2);
	std::vector<std::size_t> index;
	for (std::size_t i = 0; i < rows.size(); i++) {
		Row &r = rows[i];
		try {
			r.ch = cpc::open_channel(r.name);
			r.job = std::make_unique<cpc::SweepJob>(std::chrono::milliseconds(o.timeout_ms));
			engine.add(r.ch, *r.job);
			index.push_back(i);
		} catch (const cpc::Error &e) {
			r.error = e;
		}
	}
	std::vector<cpc::JobOutcome> out;
	if (!index.empty())
		out = engine.run();
	for (std::size_t k = 0; k < out.size(); k++) {
		Row &r = rows[index[k]];
		if (out[k].error) {
			r.error = out[k].error;
			continue;
		}
		r.info = nlohmann::json::parse(r.job->info(), nullptr, false);
		if (r.info.is_discarded() || !r.info.is_object())
			r.error = cpc::Error(EPROTO, "info on " + r.name + ": not a JSON object");
	}
	for (Row &r : rows)
		if (r.ch)
			r.state = r.ch->status().state;

	std::size_t bad = 0;
	for (const Row &r : rows)
		bad += r.error.has_value();
	if (g.json) {
		auto arr = nlohmann::json::array();
		for (const Row &r : rows) {
			nlohmann::json j = {{"channel", r.name}, {"ok", !r.error}};
			if (r.error) {
				j["error"] = r.error->what();
			} else {
				j["ping_ns"] = r.job->ping_time().count();
				j["info"] = r.info;
			}
			arr.push_back(j);
		}
		std::cout << arr.dump(2) << "\n";
	} else {
		Table t(o.table, sweep_columns, sweep_default_columns);
		for (const Row &r : rows) {
			std::map<std::string, std::string> row = {{"CHANNEL", r.name}, {"STATE", r.state}};
			if (r.error) {
				row["ERROR"] = why(*r.error);
			} else {
				char us[32];
				std::snprintf(us, sizeof(us), "%.1f",
					      static_cast<double>(r.job->ping_time().count()) / 1000.0);
				row["PING_US"] = us;
				row["KERNEL"] = r.info.value("kernel", std::string());
				row["UPTIME"] = human_uptime(r.info.value("uptime_s", 0ull));
				row["MEM_AVAIL"] = std::to_string(r.info.value("mem_available_kb", 0ull) * 1024);
			}
			t.add(row);
		}
		std::fputs(t.render().c_str(), stdout);
	}
	for (const Row &r : rows)
		if (r.error)
			std::cerr << "cpcctl: " << r.error->what() << "\n";
	return bad == 0 ? 0 : bad == rows.size() ? 1 : 64;
}

} // namespace

void add_sweep_commands(CLI::App &app, Global &g)
{
	auto o = std::make_shared<SweepOpts>();
	auto *sub = app.add_subcommand("sweep", "ping and info on every channel (or those given) at once");
	sub->add_option("channels", o->channels, "channels (default: every one channel list shows)");
	count_value(sub->add_option("--timeout", o->timeout_ms, "milliseconds per call"), 1,
		    CPC_CALL_TIMEOUT_MAX_MS);
	sub->add_option("--bus-dir", o->bus_dirs, "directory of bus sockets (without channels)");
	add_table_options(sub, o->table, sweep_columns, sweep_default_columns);
	add_json_flag(sub, g);
	add_examples(sub, {"cpcctl sweep",
	                   "cpcctl sweep bus:/run/cpc/vm1.sock bus:/run/cpc/vm2.sock --timeout 500 --json"});
	on_run(sub, [o, &g] { return run_sweep(*o, g); });
}

} // namespace cpcctl
