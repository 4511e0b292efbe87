// cpcctl call CHANNEL PROC [KEY=VALUE]... [--timeout MS] [--json]: one
// confidential procedure call from the host.
//
// Keys per procedure: ping value=N (echoed back); log bytes=N (tail size);
// every procedure: out=SIZE (result buffer, default 64K).
#include "commands.hpp"

#include <cpc/channel.hpp>
#include <cpc/error.hpp>
#include <cpc/parse.hpp>

#include <linux/cpc_proto.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace cpcctl {

namespace {

struct CallOpts {
	std::string channel;
	std::string proc;
	std::vector<std::string> kv;
	unsigned timeout_ms = 0;
};

std::uint64_t parse_u64(const std::string &key, const std::string &v)
{
	try {
		std::size_t end = 0;
		std::uint64_t n = std::stoull(v, &end, 0);
		if (end == v.size())
			return n;
	} catch (const std::exception &) {
	}
	cpc::throw_invalid(key + "=" + v + ": not a number");
}

/// Prints @text (JSON from the guest) pretty, or as-is if it does not parse.
void print_json_text(const std::string &text)
{
	auto j = nlohmann::json::parse(text, nullptr, false);
	if (j.is_discarded())
		std::cout << text;
	else
		std::cout << j.dump(2) << "\n";
}

void print_ps_table(const std::string &text)
{
	auto j = nlohmann::json::parse(text, nullptr, false);
	if (!j.is_array()) {
		std::cout << text;
		return;
	}
	std::printf("%7s %-16s %5s %10s\n", "PID", "COMM", "STATE", "RSS_KB");
	for (const auto &p : j)
		std::printf("%7lld %-16s %5s %10llu\n", p.value("pid", 0LL),
			    p.value("comm", std::string()).c_str(),
			    p.value("state", std::string()).c_str(),
			    p.value("rss_kb", 0ULL));
}

int run_call(const CallOpts &o, const Global &g)
{
	cpc::CallRequest req;
	req.proc = cpc::procedure_opcode(o.proc);
	req.timeout = std::chrono::milliseconds(o.timeout_ms);
	for (const auto &kv : o.kv) {
		auto eq = kv.find('=');
		if (eq == std::string::npos || eq == 0)
			cpc::throw_invalid("'" + kv + "': want KEY=VALUE");
		std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
		if (k == "out")
			req.out_capacity = cpc::parse_size(v);
		else if (k == "value" && req.proc == CPC_PROC_PING)
			req.args[0] = parse_u64(k, v);
		else if (k == "bytes" && req.proc == CPC_PROC_LOG)
			req.args[0] = cpc::parse_size(v);
		else
			cpc::throw_invalid("'" + k + "': not a key of procedure " + o.proc);
	}
	auto ch = cpc::open_channel(o.channel);
	auto res = ch->call(req);
	std::string text = res.text();
	switch (req.proc) {
	case CPC_PROC_PING:
		if (g.json)
			std::cout << nlohmann::json{{"value", res.ret[0]}, {"cpu", res.ret[1]}}.dump(2)
				  << "\n";
		else
			std::printf("pong %llu from maintenance vCPU %llu\n",
				    (unsigned long long)res.ret[0], (unsigned long long)res.ret[1]);
		break;
	case CPC_PROC_INFO:
		print_json_text(text);
		break;
	case CPC_PROC_PS:
		if (g.json)
			print_json_text(text);
		else
			print_ps_table(text);
		break;
	case CPC_PROC_LOG:
		if (g.json)
			std::cout << nlohmann::json{{"bytes", text.size()}, {"log", text}}.dump(2) << "\n";
		else
			std::cout << text;
		break;
	default:
		if (g.json)
			std::cout << nlohmann::json{{"ret", {res.ret[0], res.ret[1]}},
						    {"out_len", res.out.size()}}.dump(2)
				  << "\n";
		else
			std::printf("ret %llu %llu, %zu bytes of result\n",
				    (unsigned long long)res.ret[0], (unsigned long long)res.ret[1],
				    res.out.size());
	}
	return 0;
}

} // namespace

void add_call_commands(CLI::App &app, Global &g)
{
	auto o = std::make_shared<CallOpts>();
	auto *sub = app.add_subcommand("call", "call a procedure in a guest (host side)");
	sub->add_option("channel", o->channel, "channel name (cpcctl channel list) or bus:<socket>")->required();
	sub->add_option("proc", o->proc, "procedure: ping, info, ps, log, ...")->required();
	sub->add_option("args", o->kv, "KEY=VALUE arguments (ping value=N, log bytes=N, out=SIZE)");
	sub->add_option("--timeout", o->timeout_ms, "milliseconds to wait (default 5000)")
		->check(CLI::Range(1u, 60000u));
	add_json_flag(sub, g);
	on_run(sub, [o, &g] { return run_call(*o, g); });
}

} // namespace cpcctl
