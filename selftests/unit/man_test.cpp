// SPDX-License-Identifier: GPL-2.0
// The man pages say what the programs do: every command of cpcctl --help
// has a section in cpcctl(8) (COMMANDS, ".SS slice create"), every option
// a --help shows is an entry (.TP) of that section, and nothing else is;
// the same for cpc-ivshmem-server(8)'s OPTIONS. Every command's --help
// shows an example. The checker itself must notice a removed option.
#include <gtest/gtest.h>

#include "cli_help.hpp"

#include <fstream>
#include <regex>
#include <sstream>

namespace {

using cpc_test::HelpTree;

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

/// The option names on a roff line: "\-\-mem\-window", "\-o" (font
/// escapes and quotes dropped).
std::set<std::string> roff_options(std::string line)
{
	line = std::regex_replace(line, std::regex(R"(\\f[BIRP])"), " ");
	line = std::regex_replace(line, std::regex(R"(\\-)"), "-");
	std::set<std::string> out;
	static const std::regex opt(R"((^|[\s",|\[(])(--?[A-Za-z][-A-Za-z0-9]*))");
	for (std::sregex_iterator i(line.begin(), line.end(), opt), e; i != e; ++i)
		out.insert((*i)[2]);
	return out;
}

/// What a man page documents: command path ("" for the program's own
/// OPTIONS) -> the options named in the tags of its .TP entries.
using ManCommands = std::map<std::string, std::set<std::string>>;

ManCommands man_commands(const std::string &roff)
{
	ManCommands m;
	std::istringstream in(roff);
	std::string line, section, command;
	bool tag = false;
	while (std::getline(in, line)) {
		if (line.rfind(".SH ", 0) == 0) {
			section = line.substr(4);
			command.clear();
			if (section == "OPTIONS")
				m[""];
			continue;
		}
		if (section == "COMMANDS" && line.rfind(".SS ", 0) == 0) {
			command = std::regex_replace(line.substr(4), std::regex("\""), "");
			m[command];
			continue;
		}
		if (line == ".TP") {
			tag = true;
			continue;
		}
		if (tag && (section == "OPTIONS" || (section == "COMMANDS" && !command.empty())))
			for (const auto &o : roff_options(line))
				m[section == "OPTIONS" ? "" : command].insert(o);
		tag = false;
	}
	return m;
}

std::string join(const std::set<std::string> &s)
{
	std::string out;
	for (const auto &x : s)
		out += (out.empty() ? "" : " ") + x;
	return out;
}

/// Where @man and @help disagree, one line each; "" when they agree.
/// Commands are the leaves of @help (families only group them and have
/// no option of their own); -h/--help go without saying.
std::string differences(const ManCommands &man, const HelpTree &help)
{
	std::string d;
	std::set<std::string> leaves;
	for (const auto &[path, c] : help) {
		std::set<std::string> want;
		for (const auto &o : c.options)
			if (o != "-h" && o != "--help")
				want.insert(o);
		if (!path.empty() && !c.subcommands.empty()) {
			if (!want.empty())
				d += "'" + path + "': a family with options (" + join(want) + ")\n";
			continue;
		}
		if (!path.empty())
			leaves.insert(path);
		auto it = man.find(path);
		if (it == man.end()) {
			d += "'" + path + "': not in the man page\n";
			continue;
		}
		std::set<std::string> missing, extra;
		for (const auto &o : want)
			if (!it->second.count(o))
				missing.insert(o);
		for (const auto &o : it->second)
			if (!want.count(o) && o != "-h" && o != "--help")
				extra.insert(o);
		if (!missing.empty())
			d += "'" + path + "': the man page lacks " + join(missing) + "\n";
		if (!extra.empty())
			d += "'" + path + "': the man page has " + join(extra) + ", --help does not\n";
	}
	for (const auto &[path, opts] : man)
		if (!path.empty() && !leaves.count(path))
			d += "'" + path + "': in the man page, not a command of --help\n";
	return d;
}

const std::string man_dir = CPC_SOURCE_DIR "/Documentation/man/";

TEST(ManPage, CpcctlMatchesHelp)
{
	auto help = cpc_test::help_tree("$CPCCTL");
	ASSERT_LT(25u, help.size());
	auto man = man_commands(slurp(man_dir + "cpcctl.8"));
	ASSERT_LT(25u, man.size());
	EXPECT_EQ("", differences(man, help));
}

TEST(ManPage, IvshmemServerMatchesHelp)
{
	auto help = cpc_test::help_tree(CPC_IVSHMEM_SERVER_PATH);
	ASSERT_EQ(1u, help.size());
	EXPECT_LT(8u, help[""].options.size());
	auto man = man_commands(slurp(man_dir + "cpc-ivshmem-server.8"));
	EXPECT_EQ("", differences(man, help));
}

TEST(ManPage, CheckerNoticesWhatIsMissingOrExtra)
{
	auto help = cpc_test::help_tree("$CPCCTL");
	auto roff = slurp(man_dir + "cpcctl.8");
	// Drop the entry of slice create --multi-node.
	const std::string entry = ".TP\n.B \\-\\-multi\\-node\n";
	auto at = roff.find(entry);
	ASSERT_NE(std::string::npos, at);
	std::string less = roff;
	less.erase(at, entry.size());
	EXPECT_EQ("'slice create': the man page lacks --multi-node\n",
		  differences(man_commands(less), help));
	// An option the program does not have, and a command it does not have.
	std::string more = roff;
	more.insert(at, ".TP\n.B \\-\\-dry\\-run\nPretend.\n");
	EXPECT_EQ("'slice create': the man page has --dry-run, --help does not\n",
		  differences(man_commands(more), help));
	more = roff + ".SH COMMANDS\n.SS slice resize\n";
	EXPECT_EQ("'slice resize': in the man page, not a command of --help\n",
		  differences(man_commands(more), help));
}

TEST(Help, EveryCommandShowsAnExample)
{
	auto help = cpc_test::help_tree("$CPCCTL");
	ASSERT_LT(25u, help.size());
	for (const auto &[path, c] : help) {
		if (path.empty() || !c.subcommands.empty())
			continue;
		static const std::regex ex(R"(\nExamples?:\n(  cpcctl [^\n]+\n)+\n)");
		std::smatch m;
		ASSERT_TRUE(std::regex_search(c.text, m, ex)) << path << ":\n" << c.text;
		const std::string ex_line = "\n  cpcctl " + path;
		EXPECT_TRUE(m.str().find(ex_line + " ") != std::string::npos ||
			    m.str().find(ex_line + "\n") != std::string::npos)
			<< path << ": " << m.str();
		EXPECT_NE(std::string::npos, c.text.find("Exit status: 0 done")) << path;
	}
}

} // namespace
