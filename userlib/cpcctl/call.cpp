// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl call CHANNEL PROC [KEY=VALUE]... [--timeout MS] [--json]: one
// confidential procedure call from the host.
//
// PROC is a name of the protocol (ping, info, ...) or any other name the
// guest publishes in its procedure table (the procs procedure): a
// procedure a module installed there, called by the id the guest gave it.
// Keys per procedure: ping value=N (echoed back); log bytes=N (tail size);
// procedures from modules: arg0=N arg1=N arg2=N (args[]), data=TEXT (the
// argument buffer); every procedure: out=SIZE (result buffer, default 64K).
#include "commands.hpp"
#include "values.hpp"

#include <cpc/channel.hpp>
#include <cpc/error.hpp>
#include <cpc/parse.hpp>

#include <linux/cpc_host.h>
#include <linux/cpc_proto.h>


#include <nlohmann/json.hpp>

#include <algorithm>
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
	unsigned timeout_ms = CPC_CALL_TIMEOUT_DEFAULT_MS;
};

/// A KEY=VALUE argument's value: @parse(v), or Usage "KEY=VALUE: <why>".
template <typename F> auto arg_value(const std::string &kv, F parse)
{
	try {
		return parse(kv.substr(kv.find('=') + 1));
	} catch (const cpc::Error &e) {
		throw Usage("'" + kv + "'", e.reason());
	}
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

/// A module's procedure's result: its JSON or text, else ret[].
void print_module_result(const cpc::CallResult &res, const Global &g)
{
	std::string text = res.text();
	auto j = nlohmann::json::parse(text, nullptr, false);
	if (g.json) {
		nlohmann::json out{{"ret", {res.ret[0], res.ret[1]}}};
		if (!text.empty())
			out["out"] = j.is_discarded() ? nlohmann::json(text) : j;
		std::cout << out.dump(2) << "\n";
	} else if (!j.is_discarded()) {
		std::cout << j.dump(2) << "\n";
	} else if (!text.empty()) {
		std::cout << text;
	} else {
		std::printf("ret %llu %llu\n", (unsigned long long)res.ret[0],
			    (unsigned long long)res.ret[1]);
	}
}

int run_call(const CallOpts &o, const Global &g)
{
	cpc::CallRequest req;
	int known = -1;	/* a name of the protocol's own table? */
	for (const auto &p : cpc::procedures())
		if (p.name == o.proc)
			known = static_cast<int>(p.opcode);
	std::string data;
	req.timeout = std::chrono::milliseconds(o.timeout_ms);
	bool out_given = false;
	for (const auto &kv : o.kv) {
		auto eq = kv.find('=');
		if (eq == std::string::npos || eq == 0)
			throw Usage("'" + kv + "'", "want KEY=VALUE");
		std::string k = kv.substr(0, eq);
		if (k == "out") {
			out_given = true;
			req.out_capacity = arg_value(kv, [](const std::string &v) {
				std::uint64_t n = cpc::parse_size(v);
				if (n > UINT32_MAX) // the ABI's limit (struct cpc_call)
					throw cpc::Error(ERANGE, "", "larger than 4G-1, the most a call takes");
				return n;
			});
		} else if (k == "value" && known == CPC_PROC_PING) {
			req.args[0] = arg_value(kv, cpc::parse_number);
		} else if (k == "bytes" && known == CPC_PROC_LOG) {
			req.args[0] = arg_value(kv, cpc::parse_size);
		} else if (known < 0 && (k == "arg0" || k == "arg1" || k == "arg2")) {
			req.args[k[3] - '0'] = arg_value(kv, cpc::parse_number);
		} else if (known < 0 && k == "data") {
			data = kv.substr(eq + 1);
		} else {
			throw Usage("'" + kv + "'", "not a key of procedure " + o.proc);
		}
	}
	req.arg = std::span(reinterpret_cast<const std::uint8_t *>(data.data()), data.size());
	auto ch = cpc::open_channel(o.channel);
	req.proc = known >= 0 ? static_cast<std::uint32_t>(known) : cpc::procedure_id(*ch, o.proc);
	// The channel's data slot bounds a result: refuse an out= larger than
	// it holds instead of letting the call be cut short; the default
	// buffer is just no larger than the slot.
	std::uint64_t max = ch->status().max_out;
	if (max && !out_given)
		req.out_capacity = std::min<std::uint64_t>(req.out_capacity, max);
	if (max && req.out_capacity > max)
		throw Usage("'out=" + cpc::format_size(req.out_capacity) + "'",
			    "larger than the " + cpc::format_size(max) + " a result of " + o.channel +
				    " can hold");
	auto res = ch->call(req);
	if (known < 0) {
		print_module_result(res, g);
		return 0;
	}
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
	proc_name_value(sub->add_option("proc", o->proc,
					"procedure: ping, info, ps, log, ... or a name the guest publishes (procs)")
				->required());
	sub->add_option("args", o->kv, "KEY=VALUE arguments (ping value=N, log bytes=N, out=SIZE; others: arg0..arg2=N, data=TEXT)");
	count_value(sub->add_option("--timeout", o->timeout_ms, "milliseconds to wait"), 1,
		    CPC_CALL_TIMEOUT_MAX_MS);
	add_json_flag(sub, g);
	add_examples(sub, {"cpcctl call bus:/run/cpc/vm1.sock ping value=7",
	                   "cpcctl call ivshmem-0000:00:04.0 log bytes=4096",
	                   "cpcctl call slice:e1 info --json",
	                   "cpcctl call bus:/run/cpc/vm1.sock procs   # what the guest publishes"});
	on_run(sub, [o, &g] { return run_call(*o, g); });
}

} // namespace cpcctl
