// SPDX-License-Identifier: GPL-2.0
// cpc::OutputFile (cpc/output.hpp): outputs never follow a planted symlink,
// never reuse a stale temporary, are 0600, replace a file only when told,
// and leave nothing behind on an error, a full disk or SIGINT/SIGTERM -
// through O_TMPFILE and through the named-temporary fallback alike.
#include <cpc/error.hpp>
#include <cpc/output.hpp>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "test_util.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace {

using cpc_test::TempDir;
using cpc_test::errno_of;

class Output : public ::testing::TestWithParam<bool> {
protected:
	cpc::OutputPolicy policy(bool force = false) const
	{
		cpc::OutputPolicy p;
		p.force = force;
		p.tmpfile = GetParam();
		return p;
	}
	TempDir d;
};

TEST_P(Output, WritesWholeFileWithMode0600AndNothingElse)
{
	cpc::OutputFile f(d.path("out"), policy());
	f.write(std::string_view("secret\n"));
	EXPECT_FALSE(d.exists("out")); // not visible before commit
	f.commit();
	EXPECT_EQ("secret\n", d.read("out"));
	EXPECT_EQ(0600u, d.mode("out"));
	EXPECT_EQ((std::vector<std::string>{"out"}), d.list());
}

TEST_P(Output, ExistingFileRefusedUnlessForced)
{
	d.write("out", "old", 0644);
	try {
		cpc::OutputFile f(d.path("out"), policy());
		FAIL() << "an existing file was accepted";
	} catch (const cpc::Error &e) {
		EXPECT_EQ(EEXIST, e.errnum());
		EXPECT_EQ(d.path("out"), e.context());
	}
	EXPECT_EQ("old", d.read("out"));

	cpc::write_output(d.path("out"), {}, policy(true));
	EXPECT_EQ("", d.read("out"));
	EXPECT_EQ(0600u, d.mode("out"));
	EXPECT_EQ((std::vector<std::string>{"out"}), d.list());
}

TEST_P(Output, PlantedSymlinkIsNeverFollowed)
{
	d.write("victim", "victim", 0644);
	d.symlink("victim", "out");
	EXPECT_EQ(EEXIST, errno_of([&] { cpc::OutputFile f(d.path("out"), policy()); }));
	EXPECT_TRUE(d.read("victim") == "victim");

	// --force replaces the link itself, never what it points to.
	std::string data = "plaintext";
	cpc::write_output(d.path("out"), {reinterpret_cast<const std::uint8_t *>(data.data()), data.size()},
			  policy(true));
	EXPECT_TRUE(d.read("victim") == "victim");
	EXPECT_FALSE(d.is_symlink("out"));
	EXPECT_EQ("plaintext", d.read("out"));
	EXPECT_EQ(0600u, d.mode("out"));
}

TEST_P(Output, StaleTemporariesAreNeitherReusedNorFollowed)
{
	d.write("out.tmp", "stale", 0644);
	d.write("victim", "victim", 0644);
	d.symlink("victim", ".out.tmp");
	cpc::OutputFile f(d.path("out"), policy());
	f.write(std::string_view("new"));
	f.commit();
	EXPECT_EQ("new", d.read("out"));
	EXPECT_EQ(0600u, d.mode("out"));
	EXPECT_EQ("stale", d.read("out.tmp"));
	EXPECT_EQ(0644u, d.mode("out.tmp"));
	EXPECT_TRUE(d.read("victim") == "victim");
	EXPECT_EQ(4u, d.list().size());
}

TEST_P(Output, DroppedWithoutCommitLeavesNothing)
{
	{
		cpc::OutputFile f(d.path("out"), policy());
		f.write(std::string_view("half"));
	}
	{
		cpc::OutputFile f(d.path("out"), policy(true));
		f.write(std::string_view("half"));
		f.discard();
		EXPECT_THROW(f.commit(), cpc::Error);
	}
	EXPECT_TRUE(d.list().empty());
}

TEST_P(Output, NameTakenBeforeCommitIsNotReplaced)
{
	cpc::OutputFile f(d.path("out"), policy());
	f.write(std::string_view("mine"));
	d.write("out", "theirs", 0644);
	EXPECT_EQ(EEXIST, errno_of([&] { f.commit(); }));
	EXPECT_EQ("theirs", d.read("out"));
	EXPECT_EQ(1u, d.list().size());
}

TEST_P(Output, ErrorsNameTheUsersPath)
{
	std::string p = d.path("missing/out");
	try {
		cpc::OutputFile f(p, policy());
		FAIL();
	} catch (const cpc::Error &e) {
		EXPECT_EQ(ENOENT, e.errnum());
		EXPECT_EQ(p + ": No such file or directory", std::string(e.what()));
	}
	EXPECT_EQ(EISDIR, errno_of([&] { cpc::OutputFile f(d.path(""), policy()); }));
	d.mkdir("sub");
	EXPECT_EQ(EISDIR, errno_of([&] { cpc::OutputFile f(d.path("sub"), policy(true)); }));
}

TEST_P(Output, StandardOutputOnlyWhereAllowed)
{
	try {
		cpc::OutputFile f("-", policy());
		FAIL();
	} catch (const cpc::Error &e) {
		EXPECT_EQ(EINVAL, e.errnum());
		EXPECT_EQ("-", e.context());
	}
	auto p = policy();
	p.allow_stdout = true;
	cpc::OutputFile f("-", p);
	EXPECT_TRUE(f.is_stdout());
	EXPECT_EQ(1, f.fd());
}

/// Runs @child in a forked process; returns its wait status.
/*
 * A shell that ignores SIGINT (a background job, nohup) passes that on to
 * the suite, and OutputFile rightly leaves an ignored signal alone: these
 * tests need the default action, set before any OutputFile exists (its
 * handlers are installed once per process and inherited by the children).
 */
const bool signals_at_default = [] {
	for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
		struct sigaction a {};
		if (::sigaction(sig, nullptr, &a) == 0 && a.sa_handler == SIG_IGN)
			::signal(sig, SIG_DFL);
	}
	return true;
}();

int in_child(const std::function<void()> &child)
{
	pid_t pid = ::fork();
	if (pid == 0) {
		/* Never hang the suite: a child still alive after 20 s dies. */
		::alarm(20);
		try {
			child();
		} catch (...) {
			::_exit(100);
		}
		::_exit(0);
	}
	int st = 0;
	::waitpid(pid, &st, 0);
	return st;
}

TEST_P(Output, FullDiskLeavesNothingAndNamesThePath)
{
	// RLIMIT_FSIZE stands in for a full disk: the write fails with EFBIG.
	auto p = policy();
	std::string path = d.path("key");
	int st = in_child([&] {
		::signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = {4096, 4096};
		::setrlimit(RLIMIT_FSIZE, &rl);
		std::string big(8192, 'k');
		try {
			cpc::OutputFile f(path, p);
			f.write(big);
			f.commit();
		} catch (const cpc::Error &e) {
			::_exit(e.errnum() == EFBIG && e.context() == path ? 42 : 43);
		}
	});
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(42, WEXITSTATUS(st));
	EXPECT_TRUE(d.list().empty());
}

TEST_P(Output, SignalMidWriteLeavesNothing)
{
	for (int sig : {SIGINT, SIGTERM}) {
		auto p = policy(sig == SIGTERM);
		std::string path = d.path("out");
		int st = in_child([&] {
			cpc::OutputFile f(path, p);
			f.write(std::string(100000, 'x'));
			::kill(::getpid(), sig);
			::pause();
		});
		ASSERT_TRUE(WIFSIGNALED(st)) << "signal " << sig;
		EXPECT_EQ(sig, WTERMSIG(st));
		EXPECT_TRUE(d.list().empty()) << "signal " << sig;
	}
}

INSTANTIATE_TEST_SUITE_P(Tmpfile, Output, ::testing::Values(true, false),
			 [](const auto &info) { return info.param ? "O_TMPFILE" : "named_temp"; });

} // namespace
