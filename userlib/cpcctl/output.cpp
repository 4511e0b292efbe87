// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl's one rule for output files (see
// Documentation/cpcctl.md, "Output files"): an
// existing file is refused unless --force; "-" is standard output where a
// command allows it; everything is written through cpc::OutputFile.
#include "commands.hpp"

#include <cpc/error.hpp>

namespace cpcctl {

void add_force_flag(CLI::App *sub, bool &force)
{
	sub->add_flag("-f,--force", force, "replace an existing output file");
}

std::unique_ptr<cpc::OutputFile> open_output(const std::string &path, bool force, bool allow_stdout)
{
	cpc::OutputPolicy p;
	p.force = force;
	p.allow_stdout = allow_stdout;
	try {
		return std::make_unique<cpc::OutputFile>(path, p);
	} catch (const cpc::Error &e) {
		if (e.errnum() == EEXIST)
			throw cpc::Error(EEXIST, e.context(), "file exists (--force replaces it)");
		if (e.errnum() == EINVAL && path == "-")
			throw Usage(e.context(), e.reason());
		throw;
	}
}

} // namespace cpcctl
