// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl version: versions of cpcctl and of the loaded modules.
#include "commands.hpp"

#include <cpc/sysfs.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <string>

namespace cpcctl {

void add_version_commands(CLI::App &app, Global &g)
{
	auto *sub = app.add_subcommand("version", "show the versions of cpcctl and the loaded modules");
	add_json_flag(sub, g);
	add_examples(sub, {"cpcctl version",
	                   "cpcctl version --json"});
	on_run(sub, [&g] {
		nlohmann::json out;
		out["cpcctl"] = version;
		for (const char *mod : {"cpc_host", "cpc_guest"}) {
			// Not loaded: null; any other failure is an error.
			auto v = cpc::sysfs_read_opt(std::string("/sys/kernel/") + mod + "/version");
			out[mod] = v ? nlohmann::json(*v) : nlohmann::json();
		}
		if (g.json) {
			std::cout << out.dump(2) << "\n";
			return 0;
		}
		for (const char *name : {"cpcctl", "cpc_host", "cpc_guest"}) {
			const auto &v = out[name];
			std::printf("%-10s %s\n", name, v.is_null() ? "not loaded" : v.get<std::string>().c_str());
		}
		return 0;
	});
}

} // namespace cpcctl
