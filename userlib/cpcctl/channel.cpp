// cpcctl channel list | attach | detach | reset: the CPC channels of
// cpc_host (host side).
#include "commands.hpp"

#include <cpc/channel.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace cpcctl {

void add_channel_commands(CLI::App &app, Global &g)
{
	auto *chan = app.add_subcommand("channel", "CPC channels (host side)");
	chan->require_subcommand(1);
	auto *list = chan->add_subcommand("list", "list the channels and their state");
	add_json_flag(list, g);
	on_run(list, [&g] {
		auto chans = cpc::list_channels();
		if (g.json) {
			auto out = nlohmann::json::array();
			for (const auto &c : chans)
				out.push_back({{"name", c.name},
					       {"state", c.state},
					       {"peer_state", c.peer_state},
					       {"transport", c.transport},
					       {"slice", c.slice},
					       {"generation", c.generation},
					       {"calls", c.calls},
					       {"completed", c.completed},
					       {"errors", c.errors},
					       {"timeouts", c.timeouts},
					       {"broken", c.broken},
					       {"resets", c.resets},
					       {"admin_resets", c.admin_resets},
					       {"stuck_resets", c.stuck_resets}});
			std::cout << out.dump(2) << "\n";
			return 0;
		}
		std::printf("%-24s %-8s %-8s %-9s %8s %8s\n", "NAME", "STATE", "PEER",
			    "TRANSPORT", "CALLS", "ERRORS");
		for (const auto &c : chans)
			std::printf("%-24s %-8s %-8s %-9s %8llu %8llu\n", c.name.c_str(),
				    c.state.c_str(), c.peer_state.c_str(), c.transport.c_str(),
				    (unsigned long long)c.calls, (unsigned long long)c.errors);
		return 0;
	});

	// reset CHANNEL: fail what is in flight, start a new generation
	auto reset_name = std::make_shared<std::string>();
	auto *reset = chan->add_subcommand(
		"reset", "fail every call in flight (ECONNRESET) and start a new generation");
	reset->add_option("CHANNEL", *reset_name, "channel name")->required();
	add_json_flag(reset, g);
	on_run(reset, [reset_name, &g] {
		cpc::Channel ch(*reset_name);
		auto r = ch.reset();
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
