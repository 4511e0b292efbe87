// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl snapshot: the guest owner's tools for snapshot exports.
//   cpcctl snapshot decrypt --key FILE --in CHUNKS --out IMAGE|- [--base IMAGE] [--export-id ID] [--force]
//   cpcctl snapshot keygen --out FILE|- [--force]
// Outputs follow cpcctl's file rule (output.cpp): mode 0600, never a
// partial file, an existing one only replaced with --force.
#include "commands.hpp"

#include <cpc/error.hpp>
#include <cpc/file.hpp>
#include <cpc/fd.hpp>
#include <cpc/snapshot.hpp>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace cpcctl {

namespace {

/// An export id as 16 hex digits (what the guest's sysfs file shows).
std::string hex_id(std::uint64_t id)
{
	char buf[17];
	std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(id));
	return buf;
}

/// --export-id: 1 to 16 hex digits.
std::uint64_t parse_export_id(const std::string &text)
{
	std::uint64_t v = 0;
	if (text.empty() || text.size() > 16 ||
	    text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
		throw Usage("--export-id '" + text + "'", "want up to 16 hex digits");
	for (char c : text)
		v = v << 4 | static_cast<std::uint64_t>(std::isdigit(static_cast<unsigned char>(c))
							    ? c - '0'
							    : (c | 0x20) - 'a' + 10);
	return v;
}

} // namespace

void add_snapshot_commands(CLI::App &app, Global &g)
{
	auto *snap = app.add_subcommand("snapshot", "decrypt snapshot exports (guest owner)");
	snap->require_subcommand(1);

	struct DecryptOpts {
		std::string key, in, out, base, export_id;
		bool force = false;
	};
	auto opts = std::make_shared<DecryptOpts>();
	auto &o = *opts;
	auto *dec = snap->add_subcommand("decrypt", "verify and decrypt exported chunks into an image");
	dec->add_option("--key", o.key, "key file (64 hex digits or 32 bytes)")->required();
	dec->add_option("--in", o.in, "the export's chunks, back to back")->required();
	dec->add_option("--out", o.out, "image of the exported range to write ('-': standard output)")
		->required();
	dec->add_option("--base", o.base, "image of the base export (incremental exports)");
	dec->add_option("--export-id", o.export_id,
			"accept only this export id (16 hex digits, from the guest's "
			"/sys/kernel/cpc_guest/snapshot_export_id): refuses a replayed export");
	add_force_flag(dec, o.force);
	add_json_flag(dec, g);
	add_examples(dec, {"cpcctl snapshot decrypt --key key.hex --in vm1.snp --out vm1.img",
	                   "cpcctl snapshot decrypt --key key.hex --in vm1-inc.snp --base vm1.img --out vm1-new.img",
	                   "cpcctl snapshot decrypt --key key.hex --in vm1.snp --out - | sha256sum"});
	on_run(dec, [&g, opts] {
		const auto &o = *opts;
		if (o.out == "-" && g.json)
			throw Usage("--json", "not with --out - (the image goes to standard output)");
		std::optional<std::uint64_t> want_id;
		if (!o.export_id.empty())
			want_id = parse_export_id(o.export_id);
		auto out = open_output(o.out, o.force, true);
		auto key = cpc::SnapshotKey::load(o.key);
		std::optional<std::vector<std::uint8_t>> base;
		if (!o.base.empty())
			base = cpc::read_file(o.base);
		auto data = cpc::read_file(o.in);
		cpc::SnapshotImage image(key, std::move(base));
		if (want_id)
			image.expect_export_id(*want_id);
		try {
			for (const auto &c : cpc::parse_snapshot_chunks(data))
				image.apply(c);
			image.finish();
		} catch (const cpc::Error &e) {
			throw e.within(o.in);
		}
		out->write(image.bytes());
		out->commit();
		nlohmann::json j = {
			{"export_id", hex_id(image.export_id())},
			{"generation", image.generation()},
			{"base_gen", image.base_gen()},
			{"range_start", image.range_start()},
			{"range_size", image.range_size()},
			{"pages_sent", image.pages_sent()},
			{"pages_unchanged", image.pages_unchanged()},
			{"pages_unreadable", image.pages_unreadable()},
			{"out", o.out},
		};
		if (g.json) {
			std::cout << j.dump(2) << "\n";
		} else {
			// With the image on standard output, the summary goes to stderr.
			std::fprintf(o.out == "-" ? stderr : stdout, "export %s generation %llu (base %llu): range 0x%llx+0x%llx, "
				    "%llu pages sent, %llu unchanged, %llu unreadable -> %s\n",
				    hex_id(image.export_id()).c_str(),
				    (unsigned long long)image.generation(), (unsigned long long)image.base_gen(),
				    (unsigned long long)image.range_start(), (unsigned long long)image.range_size(),
				    (unsigned long long)image.pages_sent(),
				    (unsigned long long)image.pages_unchanged(),
				    (unsigned long long)image.pages_unreadable(), o.out.c_str());
		}
		return 0;
	});

	struct KeygenOpts {
		std::string out;
		bool force = false;
	};
	auto ko = std::make_shared<KeygenOpts>();
	auto *gen = snap->add_subcommand("keygen", "write a new random snapshot key (mode 0600)");
	gen->add_option("--out", ko->out, "key file to create ('-': standard output)")->required();
	add_force_flag(gen, ko->force);
	add_examples(gen, {"cpcctl snapshot keygen --out key.hex",
	                   "cpcctl snapshot keygen --out key.hex --force"});
	on_run(gen, [ko] {
		auto out = open_output(ko->out, ko->force, true);
		auto key = cpc::SnapshotKey::generate();
		std::string hex = key.hex() + "\n";
		try {
			out->write(hex);
			out->commit();
		} catch (...) {
			std::fill(hex.begin(), hex.end(), '\0');
			throw;
		}
		std::fill(hex.begin(), hex.end(), '\0');
		return 0;
	});
}

} // namespace cpcctl
