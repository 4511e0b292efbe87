// SPDX-License-Identifier: GPL-2.0
// cpcctl's bash completion (packaging/bash-completion/cpcctl), sourced in
// a plain bash (no bash-completion package, no module): what it offers for
// a few command lines over a fake sysfs and bus directory, and that its
// commands and options are exactly those cpcctl --help shows.
#include <gtest/gtest.h>

#include "cli_help.hpp"
#include "temp_dir.hpp"

#include "cpc_ring.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

namespace {

const std::string script = CPC_SOURCE_DIR "/packaging/bash-completion/cpcctl";

/// A test directory: fake /sys/kernel/cpc_host and cpc_guest, a bus
/// directory with one socket.
class Completion : public ::testing::Test {
protected:
	void SetUp() override
	{
		for (const char *d : {"host", "host/slices", "host/slices/s1", "host/slices/web-2",
				      "host/channels", "host/channels/ivshmem-0000:00:04.0",
				      "host/channels/slice:s1", "guest", "guest/procs",
				      "guest/procs/ping", "guest/procs/fsfreeze", "bus", "files"})
			t.mkdir(d);
		t.write("files/vm1.snp", "", 0600);
		t.write("bus/not-a-socket", "", 0600);
		sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
		sockaddr_un a{};
		a.sun_family = AF_UNIX;
		std::strncpy(a.sun_path, t.path("bus/vm1.sock").c_str(), sizeof(a.sun_path) - 1);
		ASSERT_EQ(0, ::bind(sock, reinterpret_cast<sockaddr *>(&a), sizeof(a)));
	}
	void TearDown() override { ::close(sock); }

	/// What completion offers for @line (the cursor at its end), one word
	/// per line, in the order offered.
	std::string complete(const std::string &line, const std::string &env = "")
	{
		auto r = cpc_test::cli(
			"cd " + t.path("files") + " && " + env +
			" bash --norc --noprofile -c '_cpcctl_host_sysfs=" + t.path("host") +
			" _cpcctl_guest_sysfs=" + t.path("guest") + " _cpcctl_bus_dir=" + t.path("bus") +
			"; . " + script + " && COMP_LINE=$1 && COMP_POINT=${#COMP_LINE} && _cpcctl &&" +
			" printf \"%s\\n\" \"${COMPREPLY[@]}\"' _ '" + line + "'");
		EXPECT_EQ(0, r.rc) << line << ": " << r.err;
		EXPECT_EQ("", r.err) << line;
		return r.out == "\n" ? "" : r.out;
	}

	cpc_test::TempDir t;
	int sock = -1;
};

TEST_F(Completion, CommandsNamesAndFiles)
{
	EXPECT_EQ("slice\nsnapshot\nsweep\n", complete("cpcctl s"));
	EXPECT_EQ("slice\n", complete("cpcctl --json sl"));
	EXPECT_EQ("show\nstart\nstop\n", complete("cpcctl slice s"));
	// Slice names from sysfs; the image is a file.
	EXPECT_EQ("s1\nweb-2\n", complete("cpcctl slice destroy "));
	EXPECT_EQ("web-2\n", complete("cpcctl slice show w"));
	EXPECT_EQ("vm1.snp\n", complete("cpcctl slice load s1 v"));
	// Channels: sysfs, and every socket of the bus directory as bus:PATH.
	EXPECT_EQ("ivshmem-0000:00:04.0\nslice:s1\nbus:" + t.path("bus/vm1.sock") + "\n",
		  complete("cpcctl call "));
	// bash replaces only what follows the last ':' of the word.
	EXPECT_EQ(t.path("bus/vm1.sock") + "\n", complete("cpcctl bench bus:"));
	EXPECT_EQ("04.0\n", complete("cpcctl channel show ivshmem-0000:00:0"));
	EXPECT_EQ("s1\nweb-2\n", complete("cpcctl channel attach slice:s1 "));
	// $CPC_BUS_DIR is searched too.
	EXPECT_NE(std::string::npos,
		  complete("cpcctl job ping ", "CPC_BUS_DIR=" + t.path("files")).find("bus:" + t.path("bus")));
	// Procedures: built in for call, the guest's own for allow/deny.
	EXPECT_EQ("ping\nps\nprocs\n", complete("cpcctl call slice:s1 p"));
	EXPECT_EQ("value=\n", complete("cpcctl call slice:s1 ping v"));
	EXPECT_EQ("fsfreeze\nping\n", complete("cpcctl guest allow "));
	// Option values: files and directories.
	EXPECT_EQ("vm1.snp\n", complete("cpcctl job snapshot slice:s1 --out v"));
	EXPECT_EQ("", complete("cpcctl slice create x --cpus "));
}

TEST_F(Completion, WithoutModuleOrBusOffersNoNames)
{
	std::filesystem::remove_all(t.path("host"));
	std::filesystem::remove_all(t.path("guest"));
	EXPECT_EQ("bus:" + t.path("bus/vm1.sock") + "\n", complete("cpcctl channel reset "));
	EXPECT_EQ("", complete("cpcctl slice destroy "));
	EXPECT_EQ("", complete("cpcctl guest deny "));
}

TEST_F(Completion, CommandsAndOptionsAreThoseOfHelp)
{
	auto help = cpc_test::help_tree("$CPCCTL");
	ASSERT_LT(25u, help.size());
	for (const auto &[path, c] : help) {
		std::string prefix = "cpcctl " + (path.empty() ? "" : path + " ");
		std::string want;
		for (const auto &o : c.options)
			want += o + "\n";
		auto got = complete(prefix + "-");
		std::set<std::string> got_set;
		std::istringstream in(got);
		for (std::string w; std::getline(in, w);)
			got_set.insert(w);
		std::string got_sorted;
		for (const auto &o : got_set)
			got_sorted += o + "\n";
		EXPECT_EQ(want, got_sorted) << "options of '" << path << "'";
		if (c.subcommands.empty())
			continue;
		std::string subs;
		for (const auto &s : c.subcommands)
			subs += s + "\n";
		EXPECT_EQ(subs, complete(prefix)) << "commands of '" << path << "'";
	}
}

TEST_F(Completion, BuiltInProceduresAreProtosTable)
{
	std::string want;
	for (unsigned op = 0; op < CPC_PROC_COUNT; op++)
		want += std::string(cpc_proc_name(op)) + "\n";
	EXPECT_EQ(want, complete("cpcctl call slice:s1 "));
}

} // namespace
