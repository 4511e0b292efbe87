// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpcctl's command families. Each add_*_commands() registers its
// subcommands on the app; a handler throws cpc::Error on failure (main
// prints "cpcctl: <what>: <why>" and exits exit_failed), Usage for a
// command line that cannot work (exit_usage), and returns the exit status.

#include <cpc/error.hpp>
#include <cpc/output.hpp>

#include <CLI/CLI.hpp>

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

namespace cpcctl {

/// cpcctl's version (--version, cpcctl version).
inline constexpr const char *version = CPC_VERSION;	// VERSION, through CMake

/// The exit statuses of every command (Documentation/cpcctl.md, "Exit status").
enum Exit : int {
	exit_ok = 0,       ///< everything asked for was done
	exit_failed = 1,   ///< the operation failed (nothing or not all was done)
	exit_usage = 2,    ///< the command line does not parse or a value is invalid
	exit_partial = 64, ///< some of the work was done, some failed (as chcpu)
};

/// A command line that cannot work, found by a handler before it does
/// anything: "cpcctl: <context>: <reason>", exit_usage.
class Usage : public cpc::Error {
public:
	Usage(std::string context, std::string reason)
		: cpc::Error(EINVAL, std::move(context), std::move(reason))
	{
	}
};

/// Options every command understands.
struct Global {
	bool json = false;
};

/// Registers a handler to run when @sub was given on the command line.
using Handler = std::function<int()>;
void on_run(CLI::App *sub, Handler h);

/// Adds --json to a subcommand (it sets Global::json).
void add_json_flag(CLI::App *sub, Global &g);

/// Adds an "Examples:" block of command lines to @sub's --help, above the
/// exit-status footer every command inherits.
void add_examples(CLI::App *sub, std::initializer_list<const char *> lines);

/// Adds -f/--force (replace existing output files) to @sub.
void add_force_flag(CLI::App *sub, bool &force);

/// Opens an output file of a command under the one rule: an existing
/// file is refused (EEXIST, saying --force replaces it) unless @force;
/// "-" is standard output if @allow_stdout, else a Usage error.
std::unique_ptr<cpc::OutputFile> open_output(const std::string &path, bool force,
					     bool allow_stdout);

void add_version_commands(CLI::App &app, Global &g);
void add_slice_commands(CLI::App &app, Global &g);
/// `slice console` (slice_console.cpp), on the `slice` command.
void add_slice_console_command(CLI::App *slice);
void add_channel_commands(CLI::App &app, Global &g);
void add_call_commands(CLI::App &app, Global &g);
void add_guest_commands(CLI::App &app, Global &g);
void add_snapshot_commands(CLI::App &app, Global &g);
void add_guest_key_commands(CLI::App &app, Global &g);
void add_bench_commands(CLI::App &app, Global &g);
void add_job_commands(CLI::App &app, Global &g);
void add_sweep_commands(CLI::App &app, Global &g);

} // namespace cpcctl
