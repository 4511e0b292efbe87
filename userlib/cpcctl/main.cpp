// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl: command-line front end of libcpc. Errors are printed as
// "cpcctl: <what>: <why>"; the exit status is one of enum Exit (Documentation/cpcctl.md,
// "Exit status"), decided here for every command.
#include "commands.hpp"

#include <cpc/error.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
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

/// What was printed must have reached standard output: a write error
/// (a full disk, /dev/full) makes a successful command fail.
int check_stdout(int rc)
{
	errno = 0;
	bool bad = std::fflush(stdout) != 0;
	int err = errno ? errno : EIO; // EIO: an earlier flush failed
	std::cout.flush();
	if (!bad && !std::ferror(stdout) && std::cout.good())
		return rc;
	std::cerr << "cpcctl: standard output: " << std::strerror(err) << "\n";
	return rc == exit_ok ? exit_failed : rc;
}

/// The command path a user typed so far ("cpcctl slice").
std::string command_path(const CLI::App *a)
{
	std::string p;
	for (; a; a = a->get_parent())
		p = a->get_name() + (p.empty() ? "" : " " + p);
	return p;
}

/// The deepest command CLI11 got to ("cpcctl job snapshot").
std::string parsed_path(const CLI::App &app)
{
	const CLI::App *cur = &app;
	for (bool deeper = true; deeper;) {
		deeper = false;
		for (const auto *s : cur->get_subcommands([](const CLI::App *) { return true; }))
			if (s->parsed()) {
				cur = s;
				deeper = true;
				break;
			}
	}
	return command_path(cur);
}

/// An empty list is no default worth showing ("--device BDF=[]").
void hide_empty_defaults(CLI::App &a)
{
	for (auto *o : a.get_options([](CLI::Option *) { return true; }))
		if (o->get_default_str() == "[]")
			o->default_str("");
	for (auto *s : a.get_subcommands([](CLI::App *) { return true; }))
		hide_empty_defaults(*s);
}

/// A word where a command family expects one of its commands, and is not
/// one ("cpcctl slice lsit"): CLI11 would say "A subcommand is required".
/// Families take only flags, so every other word names a command.
void check_commands(const CLI::App &app, int argc, char **argv)
{
	const CLI::App *cur = &app;
	for (int i = 1; i < argc; i++) {
		std::string w = argv[i];
		if (w == "--")
			return;
		if (!w.empty() && w[0] == '-')
			continue;
		auto subs = cur->get_subcommands([](const CLI::App *) { return true; });
		if (subs.empty())
			return; // a command: its arguments follow
		const CLI::App *next = nullptr;
		for (const auto *s : subs)
			if (s->check_name(w))
				next = s;
		if (!next)
			throw Usage(cur == &app ? w : command_path(cur).substr(7) + " " + w,
				    "unknown command (see '" + command_path(cur) + " --help')");
		cur = next;
	}
}

} // namespace cpcctl

int main(int argc, char **argv)
{
	CLI::App app{"cpcctl - drive cpc slices and confidential procedure calls", "cpcctl"};
	app.require_subcommand(1);
	app.option_defaults()->always_capture_default();
	app.set_version_flag("--version", std::string("cpcctl ") + cpcctl::version);
	app.footer("Exit status: 0 done, 1 failed, 2 bad command line or value, 64 partly done\n"
		   "(commands on several channels). 'cpcctl COMMAND --help' tells more.");
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

	cpcctl::hide_empty_defaults(app);
	try {
		cpcctl::check_commands(app, argc, argv);
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		if (e.get_exit_code() == 0)
			return cpcctl::check_stdout(app.exit(e));
		std::cerr << "cpcctl: " << e.what() << " (see '" << cpcctl::parsed_path(app)
			  << " --help')\n";
		return cpcctl::exit_usage;
	} catch (const cpcctl::Usage &e) {
		std::cerr << "cpcctl: " << e.what() << "\n";
		return cpcctl::exit_usage;
	}

	int rc;
	try {
		rc = cpcctl::chosen ? (*cpcctl::chosen)() : cpcctl::exit_ok;
	} catch (const cpcctl::Usage &e) {
		std::cerr << "cpcctl: " << e.what() << "\n";
		rc = cpcctl::exit_usage;
	} catch (const cpc::Error &e) {
		std::cerr << "cpcctl: " << e.what() << "\n";
		rc = cpcctl::exit_failed;
	} catch (const std::exception &e) {
		std::cerr << "cpcctl: " << e.what() << "\n";
		rc = cpcctl::exit_failed;
	}
	return cpcctl::check_stdout(rc);
}
