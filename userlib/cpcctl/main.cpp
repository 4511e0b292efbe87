// cpcctl: command-line front end of libcpc. Errors are printed as
// "cpcctl: <what>: <why>" and exit non-zero.
#include <cpc/error.hpp>
#include <cpc/host.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <string>

namespace {

std::string read_first_line(const std::string &path)
{
	std::ifstream in(path);
	std::string line;
	if (!in || !std::getline(in, line))
		return {};
	return line;
}

int cmd_version(bool json)
{
	nlohmann::json out;
	out["cpcctl"] = "0.1";
	for (const char *mod : {"cpc_host", "cpc_guest"}) {
		std::string v = read_first_line(std::string("/sys/kernel/") + mod + "/version");
		out[mod] = v.empty() ? nlohmann::json() : nlohmann::json(v);
	}
	if (json) {
		std::cout << out.dump(2) << "\n";
		return 0;
	}
	std::cout << "cpcctl     0.1\n";
	for (const char *mod : {"cpc_host", "cpc_guest"})
		std::cout << mod << (std::string(11 - std::string(mod).size(), ' '))
			  << (out[mod].is_null() ? "not loaded" : out[mod].get<std::string>()) << "\n";
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	CLI::App app{"cpcctl - drive cpc slices and confidential procedure calls"};
	app.require_subcommand(1);
	bool json = false;
	app.add_flag("--json", json, "print JSON for machines");

	auto *version = app.add_subcommand("version", "show the versions of cpcctl and the loaded modules");
	version->add_flag("--json", json, "print JSON");

	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		if (e.get_exit_code() == 0)
			return app.exit(e);
		std::cerr << "cpcctl: " << e.what() << "\n";
		return 2;
	}

	try {
		if (*version)
			return cmd_version(json);
	} catch (const cpc::Error &e) {
		std::cerr << "cpcctl: " << e.what() << "\n";
		return 1;
	}
	return 0;
}
