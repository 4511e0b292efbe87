// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl guest key: provision the snapshot key inside a guest (root only).
//   cpcctl guest key set FILE     FILE holds 64 hex digits or 32 raw bytes
//   cpcctl guest key clear
#include "commands.hpp"

#include <cpc/error.hpp>
#include <cpc/fd.hpp>
#include <cpc/paths.hpp>
#include <cpc/sysfs.hpp>
#include <cpc/snapshot.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>

namespace cpcctl {

namespace {

void write_key_file(const std::string &text)
{
	const std::string key_path = std::string(cpc::guest_sysfs_path) + "/snapshot_key";
	try {
		cpc::sysfs_write(key_path, text);
	} catch (const cpc::Error &e) {
		throw cpc::module_error(e.errnum(), key_path, "cpc_guest");
	}
}

/// The "guest" family, created by whichever command family registers first.
CLI::App *guest_family(CLI::App &app)
{
	auto found = app.get_subcommands([](CLI::App *s) { return s->get_name() == "guest"; });
	if (!found.empty())
		return found.front();
	auto *guest = app.add_subcommand("guest", "inside a guest: the guest owner's controls");
	guest->require_subcommand(1);
	return guest;
}

} // namespace

void add_guest_key_commands(CLI::App &app, Global &)
{
	auto *key = guest_family(app)->add_subcommand("key", "provision or remove the snapshot key");
	key->require_subcommand(1);

	auto file = std::make_shared<std::string>();
	auto *set = key->add_subcommand("set", "load the snapshot key from FILE");
	set->add_option("FILE", *file, "64 hex digits or 32 raw bytes")->required();
	add_examples(set, {"cpcctl guest key set /root/snapshot.key"});
	on_run(set, [file] {
		auto k = cpc::SnapshotKey::load(*file);
		std::string hex = k.hex();
		try {
			write_key_file(hex);
		} catch (...) {
			std::fill(hex.begin(), hex.end(), '\0');
			throw;
		}
		std::fill(hex.begin(), hex.end(), '\0');
		return 0;
	});
	auto *clear = key->add_subcommand("clear", "remove the snapshot key");
	add_examples(clear, {"cpcctl guest key clear"});
	on_run(clear, [] {
		write_key_file("clear");
		return 0;
	});
}

} // namespace cpcctl
