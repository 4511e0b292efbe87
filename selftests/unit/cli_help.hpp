// SPDX-License-Identifier: GPL-2.0
#pragma once
// The command tree a CLI11 program shows in its --help output: every
// command path ("" for the program itself, "slice create") with the
// options and subcommands its --help lists. The man page and the bash
// completion tests compare themselves with it, so neither can drift from
// the code.

#include "cli_run.hpp"

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace cpc_test {

struct HelpCommand {
	std::set<std::string> options;       ///< "-o", "--output", "-h", "--help", ...
	std::vector<std::string> subcommands; ///< in the order --help lists them
	std::string text;                     ///< the whole --help output
};

using HelpTree = std::map<std::string, HelpCommand>;

/// The options and subcommands of one --help output. CLI11 lists each
/// under "Options:" / "Subcommands:", one per line, indented by two
/// spaces ("  -o,--output LIST   columns to show ...").
inline HelpCommand parse_help(const std::string &text)
{
	HelpCommand c;
	c.text = text;
	std::istringstream in(text);
	std::string line, section;
	while (std::getline(in, line)) {
		if (!line.empty() && line.back() == ':' && line[0] != ' ') {
			section = line;
			continue;
		}
		if (line.size() < 3 || line.compare(0, 2, "  ") != 0 || line[2] == ' ')
			continue;
		std::string first = line.substr(2, line.find(' ', 2) - 2);
		if (section == "Subcommands:") {
			c.subcommands.push_back(first);
		} else if (section == "Options:") {
			std::istringstream names(first);
			for (std::string n; std::getline(names, n, ',');)
				if (!n.empty() && n[0] == '-')
					c.options.insert(n);
		}
	}
	return c;
}

/// Every command of @program (a shell word, e.g. "$CPCCTL"), from its
/// --help and each subcommand's, recursively. Empty if --help fails.
inline HelpTree help_tree(const std::string &program)
{
	HelpTree tree;
	std::vector<std::string> todo{""};
	while (!todo.empty()) {
		std::string path = todo.back();
		todo.pop_back();
		auto r = cli(program + (path.empty() ? "" : " " + path) + " --help");
		if (r.rc != 0)
			return {};
		auto c = parse_help(r.out);
		for (const auto &s : c.subcommands)
			todo.push_back(path.empty() ? s : path + " " + s);
		tree[path] = std::move(c);
	}
	return tree;
}

} // namespace cpc_test
