// cpcctl: command-line front end of libcpc. Errors are printed as
// "cpcctl: <what>: <why>" and exit non-zero (1 for a failed operation,
// 2 for a command line that does not parse).
#include "commands.hpp"

#include <cpc/error.hpp>

#include <iostream>
#include <optional>

namespace cpcctl {

namespace {
std::optional<Handler> chosen;
}

void on_run(CLI::App *sub, Handler h)
{
	sub->callback([h = std::move(h)] { chosen = h; });
}

void add_json_flag(CLI::App *sub, Global &g)
{
	sub->add_flag("--json", g.json, "print JSON for machines");
}

} // namespace cpcctl

int main(int argc, char **argv)
{
	CLI::App app{"cpcctl - drive cpc slices and confidential procedure calls"};
	app.require_subcommand(1);
	cpcctl::Global g;
	cpcctl::add_json_flag(&app, g);

	cpcctl::add_version_commands(app, g);
	cpcctl::add_slice_commands(app, g);
	cpcctl::add_channel_commands(app, g);
	cpcctl::add_call_commands(app, g);
	cpcctl::add_guest_commands(app, g);
	cpcctl::add_snapshot_commands(app, g);
	cpcctl::add_guest_key_commands(app, g);
	cpcctl::add_bench_commands(app, g);
	cpcctl::add_job_commands(app, g);
	cpcctl::add_sweep_commands(app, g);

	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		if (e.get_exit_code() == 0)
			return app.exit(e);
		std::cerr << "cpcctl: " << e.what() << "\n";
		return 2;
	}

	try {
		return cpcctl::chosen ? (*cpcctl::chosen)() : 0;
	} catch (const cpc::Error &e) {
		std::cerr << "cpcctl: " << e.what() << "\n";
		return 1;
	} catch (const std::exception &e) {
		std::cerr << "cpcctl: " << e.what() << "\n";
		return 1;
	}
}
