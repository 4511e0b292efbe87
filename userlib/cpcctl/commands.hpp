#pragma once
// cpcctl's command families. Each add_*_commands() registers its
// subcommands on the app; a handler throws cpc::Error on failure (main
// prints "cpcctl: <what>: <why>" and exits 1) and returns the exit status.

#include <CLI/CLI.hpp>

#include <functional>

namespace cpcctl {

/// Options every command understands.
struct Global {
	bool json = false;
};

/// Registers a handler to run when @sub was given on the command line.
using Handler = std::function<int()>;
void on_run(CLI::App *sub, Handler h);

/// Adds --json to a subcommand (it sets Global::json).
void add_json_flag(CLI::App *sub, Global &g);

void add_version_commands(CLI::App &app, Global &g);
void add_slice_commands(CLI::App &app, Global &g);
void add_channel_commands(CLI::App &app, Global &g);
void add_call_commands(CLI::App &app, Global &g);
void add_guest_commands(CLI::App &app, Global &g);
void add_snapshot_commands(CLI::App &app, Global &g);
void add_guest_key_commands(CLI::App &app, Global &g);
void add_bench_commands(CLI::App &app, Global &g);
void add_job_commands(CLI::App &app, Global &g);
void add_sweep_commands(CLI::App &app, Global &g);

} // namespace cpcctl
