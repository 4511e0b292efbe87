// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl guest status|allow PROC|deny PROC: the guest owner's view of
// cpc_guest (inside a guest VM), through /sys/kernel/cpc_guest.
#include "commands.hpp"
#include "values.hpp"

#include <cpc/channel.hpp>
#include <cpc/error.hpp>
#include <cpc/paths.hpp>
#include <cpc/sysfs.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <utility>
#include <vector>

#include <unistd.h>

namespace cpcctl {

namespace {

const std::filesystem::path root = cpc::guest_sysfs_path;

std::string read_line(const std::filesystem::path &p)
{
	return cpc::sysfs_read(p);
}

unsigned long long read_num(const std::filesystem::path &p)
{
	return cpc::sysfs_number(p);
}

void require_guest()
{
	if (::access(root.c_str(), F_OK) < 0)
		throw cpc::module_error(errno, root, "cpc_guest");
}

int status(const Global &g)
{
	require_guest();
	nlohmann::json out;
	out["maint_cpu"] = read_num(root / "maint_cpu");
	out["wakeups"] = read_num(root / "wakeups");
	out["served"] = read_num(root / "served");
	out["busy_ns"] = read_num(root / "busy_ns");
	out["channels"] = nlohmann::json::array();
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator(root / "channels", ec))
		out["channels"].push_back({{"name", e.path().filename().string()},
					   {"state", read_line(e.path() / "state")},
					   {"generation", read_num(e.path() / "generation")}});
	/* Every installed procedure, built-in or from a procedure module. */
	out["procs"] = nlohmann::json::object();
	std::vector<std::pair<long long, std::string>> names;
	for (const auto &e : std::filesystem::directory_iterator(root / "procs", ec))
		names.emplace_back(read_num(e.path() / "id"), e.path().filename().string());
	std::sort(names.begin(), names.end());
	for (const auto &[id, name] : names) {
		auto d = root / "procs" / name;
		out["procs"][name] = {{"id", id},
				      {"version", read_num(d / "version")},
				      {"allowed", read_num(d / "allowed") != 0},
				      {"calls", read_num(d / "calls")},
				      {"rejected", read_num(d / "rejected")},
				      {"errors", read_num(d / "errors")}};
	}
	if (g.json) {
		std::cout << out.dump(2) << "\n";
		return 0;
	}
	std::printf("maintenance vCPU %llu: %llu wake-ups, %llu requests served, %.3f ms busy\n",
		    out["maint_cpu"].get<unsigned long long>(),
		    out["wakeups"].get<unsigned long long>(),
		    out["served"].get<unsigned long long>(),
		    out["busy_ns"].get<unsigned long long>() / 1e6);
	for (const auto &c : out["channels"])
		std::printf("channel %s: %s (generation %llu)\n",
			    c["name"].get<std::string>().c_str(),
			    c["state"].get<std::string>().c_str(),
			    c["generation"].get<unsigned long long>());
	std::printf("%-16s %-7s %8s %8s %8s\n", "PROC", "POLICY", "CALLS", "REJECTED", "ERRORS");
	for (const auto &[id, name] : names) {
		const auto &e = out["procs"][name];
		std::printf("%-16s %-7s %8llu %8llu %8llu\n", name.c_str(),
			    e["allowed"].get<bool>() ? "allow" : "deny",
			    e["calls"].get<unsigned long long>(),
			    e["rejected"].get<unsigned long long>(),
			    e["errors"].get<unsigned long long>());
	}
	return 0;
}

int set_policy(const std::string &proc, bool allow)
{
	require_guest();
	/* Installed procedures only (built-in or from a procedure module). */
	if (!std::filesystem::exists(root / "procs" / proc))
		throw cpc::Error(ENOENT, "unknown procedure '" + proc + "'",
				 "not installed in this guest (cpcctl guest status lists them)");
	cpc::sysfs_write(root / "procs" / proc / "allowed", allow ? "1\n" : "0\n",
			 "guest " + std::string(allow ? "allow " : "deny ") + proc);
	return 0;
}

} // namespace

void add_guest_commands(CLI::App &app, Global &g)
{
	auto *guest = app.add_subcommand("guest", "the guest owner's controls (inside a guest)");
	guest->require_subcommand(1);
	auto *st = guest->add_subcommand("status", "maintenance vCPU, channels and policy");
	add_json_flag(st, g);
	add_examples(st, {"cpcctl guest status",
	                  "cpcctl guest status --json"});
	on_run(st, [&g] { return status(g); });
	auto proc = std::make_shared<std::string>();
	auto *allow = guest->add_subcommand("allow", "allow a procedure");
	proc_name_value(allow->add_option("proc", *proc, "procedure name (cpcctl guest status)")->required());
	add_examples(allow, {"cpcctl guest allow ps"});
	on_run(allow, [proc] { return set_policy(*proc, true); });
	auto *deny = guest->add_subcommand("deny", "deny a procedure");
	proc_name_value(deny->add_option("proc", *proc, "procedure name (cpcctl guest status)")->required());
	add_examples(deny, {"cpcctl guest deny ps"});
	on_run(deny, [proc] { return set_policy(*proc, false); });
}

} // namespace cpcctl
