// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl slice console: print a running slice's console ring, and with
// --follow keep printing what the slice writes (polled every
// follow_poll_ms) until the slice stops or is destroyed, or SIGINT.
#include "commands.hpp"

#include <cpc/slice.hpp>

#include <linux/cpc_slice.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace cpcctl {

namespace {

/// How often --follow looks at the ring when nothing was new.
constexpr auto follow_poll = std::chrono::milliseconds(200);

/// Prints what the ring holds from @pos on until caught up; returns the
/// new position. Losses after the first read are reported on stderr.
std::uint64_t drain(cpc::SliceManager &m, const std::string &name, std::uint64_t pos,
		    cpc::OutputFile &out, bool first)
{
	for (;;) {
		cpc::ConsoleRead r = m.console(name, pos);
		if (r.lost && !first)
			std::fprintf(stderr, "cpcctl: console of slice %s: %llu bytes lost\n",
				     name.c_str(), static_cast<unsigned long long>(r.lost));
		first = false;
		out.write(r.bytes);
		pos = r.pos;
		if (r.bytes.empty() || r.pos >= r.head)
			return pos;
	}
}

} // namespace

void add_slice_console_command(CLI::App *slice)
{
	struct Opts {
		std::string name;
		bool follow = false;
	};
	auto o = std::make_shared<Opts>();
	auto *sub = slice->add_subcommand("console", "print the console ring of a running Linux slice");
	sub->add_option("NAME", o->name, "slice name")->required();
	sub->add_flag("-f,--follow", o->follow,
		      "keep printing new output until the slice stops or is destroyed, or SIGINT");
	add_examples(sub, {"cpcctl slice console lx", "cpcctl slice console lx --follow"});
	on_run(sub, [o] {
		cpc::SliceManager m;
		auto out = open_output("-", false, true);
		std::uint64_t pos = drain(m, o->name, 0, *out, true);
		while (o->follow) {
			std::this_thread::sleep_for(follow_poll);
			try {
				pos = drain(m, o->name, pos, *out, false);
			} catch (const cpc::Error &e) {
				// Stopped (ENXIO) or destroyed (ENOENT): the end.
				if (e.errnum() == ENXIO || e.errnum() == ENOENT)
					break;
				throw;
			}
		}
		out->commit();
		return static_cast<int>(exit_ok);
	});
}

} // namespace cpcctl
