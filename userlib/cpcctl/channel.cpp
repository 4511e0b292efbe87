// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl channel list | show | reset | attach | detach: the CPC channels a
// host can call - cpc_host's (sysfs) and the buses of user-space host ends
// (sockets in /run/cpc, $CPC_BUS_DIR or --bus-dir DIR).
#include "commands.hpp"
#include "table.hpp"

#include <cpc/channel.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

namespace cpcctl {

namespace {

/// One channel as JSON: kernel channels with their sysfs values and
/// counters (top level, as sysfs names them); buses with what a probe sees.
nlohmann::json to_json(const cpc::ChannelStatus &c, bool full)
{
	nlohmann::json j = {{"name", c.name},
			    {"state", c.state},
			    {"peer_state", c.peer_state},
			    {"transport", c.transport},
			    {"generation", c.generation}};
	if (c.transport == "bus") {
		j["host_generation"] = c.generation;
		j["guest_generation"] = c.peer_generation;
		j["host_end"] = c.host_end.empty() ? nlohmann::json() : nlohmann::json(c.host_end);
		if (full) {
			j["region_size"] = c.region_size;
			j["max_out"] = c.max_out;
			j["peers"] = c.peers;
			j["sealed"] = !c.unsealed;
		}
	} else {
		j["slice"] = c.slice;
		if (full) {
			j["inflight"] = c.inflight;
			j["max_out"] = c.max_out;
			j["throttled"] = c.throttled;
		}
	}
	for (const auto &[k, v] : c.counters)
		j[k] = v;
	return j;
}

std::string counter(const cpc::ChannelStatus &c, const char *k)
{
	auto it = c.counters.find(k);
	return it == c.counters.end() ? "" : std::to_string(it->second);
}

const std::vector<Column> channel_columns = {
	{"NAME", "channel name (bus:<socket> for a bus)"},
	{"STATE", "this host end's state"},
	{"PEER", "the guest end's state"},
	{"TRANSPORT", "ivshmem, loopback, bus"},
	{"GENERATION", "current generation", true},
	{"SLICE", "slice it is attached to"},
	{"CALLS", "calls made", true},
	{"ERRORS", "calls failed", true},
	{"TIMEOUTS", "calls timed out", true},
};
const char *const channel_default_columns = "NAME,STATE,PEER,TRANSPORT,CALLS,ERRORS";

} // namespace

void add_channel_commands(CLI::App &app, Global &g)
{
	auto *chan = app.add_subcommand("channel", "CPC channels (host side): kernel and bus:<socket>");
	chan->require_subcommand(1);

	auto dirs = std::make_shared<std::vector<std::string>>();
	auto *list = chan->add_subcommand("list", "list the channels and their state");
	list->add_option("--bus-dir", *dirs,
			 "directory of bus sockets (default: /run/cpc and $CPC_BUS_DIR)");
	auto to = std::make_shared<TableOptions>();
	add_table_options(list, *to, channel_columns, channel_default_columns);
	add_json_flag(list, g);
	add_examples(list, {"cpcctl channel list",
	                    "cpcctl channel list -o +GENERATION,TIMEOUTS -r",
	                    "cpcctl channel list --bus-dir /srv/vms --json"});
	on_run(list, [&g, dirs, to] {
		cpc::ListOptions lo;
		if (!dirs->empty())
			lo.bus_dirs = *dirs;
		auto chans = cpc::list_channels(lo);
		if (g.json) {
			auto out = nlohmann::json::array();
			for (const auto &c : chans)
				out.push_back(to_json(c, false));
			std::cout << out.dump(2) << "\n";
			return 0;
		}
		Table t(*to, channel_columns, channel_default_columns);
		for (const auto &c : chans)
			t.add({{"NAME", c.name},
			       {"STATE", c.state},
			       {"PEER", c.peer_state},
			       {"TRANSPORT", c.transport},
			       {"GENERATION", std::to_string(c.generation)},
			       {"SLICE", c.slice},
			       {"CALLS", counter(c, "calls")},
			       {"ERRORS", counter(c, "errors")},
			       {"TIMEOUTS", counter(c, "timeouts")}});
		std::fputs(t.render().c_str(), stdout);
		return 0;
	});

	auto show_name = std::make_shared<std::string>();
	auto *show = chan->add_subcommand("show", "everything about one channel (a bus: a read-only probe)");
	show->add_option("CHANNEL", *show_name, "channel name or bus:<socket>")->required();
	add_json_flag(show, g);
	add_examples(show, {"cpcctl channel show ivshmem-0000:00:04.0",
	                    "cpcctl channel show bus:/run/cpc/vm1.sock --json"});
	on_run(show, [show_name, &g] {
		auto c = cpc::show_channel(*show_name);
		auto j = to_json(c, true);
		if (g.json) {
			std::cout << j.dump(2) << "\n";
			return 0;
		}
		for (const auto &[k, v] : j.items())
			std::printf("%-18s %s\n", (k + ":").c_str(),
				    v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
		return 0;
	});

	// reset CHANNEL: fail what is in flight, start a new generation
	auto reset_name = std::make_shared<std::string>();
	auto *reset = chan->add_subcommand(
		"reset", "fail every call in flight (ECONNRESET) and start a new generation");
	reset->add_option("CHANNEL", *reset_name, "channel name or bus:<socket>")->required();
	add_json_flag(reset, g);
	add_examples(reset, {"cpcctl channel reset ivshmem-0000:00:04.0"});
	on_run(reset, [reset_name, &g] {
		auto ch = cpc::open_channel(*reset_name);
		auto r = ch->reset();
		if (g.json)
			std::cout << nlohmann::json{{"channel", *reset_name},
						    {"generation", r.generation},
						    {"inflight", r.inflight}}
					     .dump(2)
				  << "\n";
		else
			std::printf("%s: reset, generation %u, %u requests in flight failed\n",
				    reset_name->c_str(), r.generation, r.inflight);
		return 0;
	});

	// attach / detach CHANNEL SLICE
	for (bool attach : {true, false}) {
		struct Opts {
			std::string channel, slice;
		};
		auto o = std::make_shared<Opts>();
		auto *sub = chan->add_subcommand(attach ? "attach" : "detach",
						 attach ? "let a slice's IPI mask mediate a channel's doorbells"
							: "detach a channel from its slice");
		sub->add_option("CHANNEL", o->channel, "channel name")->required();
		sub->add_option("SLICE", o->slice, "slice name")->required();
		add_json_flag(sub, g);
		if (attach)
			add_examples(sub, {"cpcctl channel attach ivshmem-0000:00:04.0 s1"});
		else
			add_examples(sub, {"cpcctl channel detach ivshmem-0000:00:04.0 s1"});
		on_run(sub, [o, attach, &g] {
			if (attach)
				cpc::attach_channel(o->channel, o->slice);
			else
				cpc::detach_channel(o->channel, o->slice);
			if (g.json)
				std::cout << nlohmann::json{{"channel", o->channel},
							    {"slice", attach ? o->slice : ""}}
						     .dump(2)
					  << "\n";
			return 0;
		});
	}
}

} // namespace cpcctl
