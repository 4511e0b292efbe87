// SPDX-License-Identifier: GPL-2.0
// cpcctl as a user runs it (the binary just built, or $CPCCTL): its output
// files, exit statuses and messages - everything that needs no kernel.
#include <gtest/gtest.h>

#include "cli_run.hpp"
#include "snapshot_encoder.hpp"
#include "temp_dir.hpp"

#include <string>
#include <vector>

#include <unistd.h>

namespace {

using cpc_test::Cli;
using cpc_test::TempDir;
using cpc_test::cli;

// ---- output files ----

class CliFiles : public ::testing::Test {
protected:
	void SetUp() override
	{
		using cpc_test::Encoder;
		Encoder e;
		auto data = e.full(3);
		d.write("export", std::string(data.begin(), data.end()), 0600);
		d.write("key", std::string(cpc_test::kKeyHex) + "\n", 0600);
		image_size = e.size;
	}
	std::string decrypt(const std::string &out, const std::string &extra = "")
	{
		return "$CPCCTL snapshot decrypt --key " + d.path("key") + " --in " + d.path("export") +
		       " --out " + out + extra;
	}
	TempDir d;
	std::size_t image_size = 0;
};

TEST_F(CliFiles, KeygenWritesAKeyOnlyTheOwnerReads)
{
	auto r = cli("$CPCCTL snapshot keygen --out " + d.path("k"));
	ASSERT_EQ(0, r.rc) << r.err;
	EXPECT_EQ(65u, d.read("k").size());
	EXPECT_EQ(0600u, d.mode("k"));
	EXPECT_EQ(3u, d.list().size());
}

TEST_F(CliFiles, ExistingFileRefusedUnlessForce)
{
	d.write("k", "old", 0644);
	auto r = cli("$CPCCTL snapshot keygen --out " + d.path("k"));
	EXPECT_EQ(1, r.rc);
	EXPECT_EQ("cpcctl: " + d.path("k") + ": file exists (--force replaces it)\n", r.err);
	EXPECT_EQ("old", d.read("k"));
	r = cli("$CPCCTL snapshot keygen --force --out " + d.path("k"));
	ASSERT_EQ(0, r.rc) << r.err;
	EXPECT_EQ(65u, d.read("k").size());
	EXPECT_EQ(0600u, d.mode("k"));

	d.write("img", "old", 0644);
	r = cli(decrypt(d.path("img")));
	EXPECT_EQ(1, r.rc);
	EXPECT_EQ("old", d.read("img"));
	r = cli(decrypt(d.path("img"), " -f"));
	ASSERT_EQ(0, r.rc) << r.err;
	EXPECT_EQ(image_size, d.read("img").size());
	EXPECT_EQ(0600u, d.mode("img"));
}

TEST_F(CliFiles, PlantedSymlinkIsNotFollowed)
{
	d.write("victim", "victim", 0644);
	d.symlink("victim", "k");
	EXPECT_EQ(1, cli("$CPCCTL snapshot keygen --out " + d.path("k")).rc);
	EXPECT_TRUE(d.read("victim") == "victim");
	ASSERT_EQ(0, cli("$CPCCTL snapshot keygen --force --out " + d.path("k")).rc);
	EXPECT_TRUE(d.read("victim") == "victim");
	EXPECT_FALSE(d.is_symlink("k"));
}

TEST_F(CliFiles, StaleTemporaryIsNeitherReusedNorFollowed)
{
	// What an earlier version wrote through: IMAGE.tmp.
	d.write("img.tmp", "stale", 0644);
	ASSERT_EQ(0, cli(decrypt(d.path("img"))).rc);
	EXPECT_EQ(0600u, d.mode("img"));
	EXPECT_EQ("stale", d.read("img.tmp"));

	d.write("victim", "victim", 0644);
	d.symlink("victim", "img2.tmp");
	ASSERT_EQ(0, cli(decrypt(d.path("img2"))).rc);
	EXPECT_TRUE(d.read("victim") == "victim");
	EXPECT_FALSE(d.is_symlink("img2"));
	EXPECT_EQ(image_size, d.read("img2").size());
}

TEST_F(CliFiles, FullDiskLeavesNoFile)
{
	// RLIMIT_FSIZE 0 stands in for a full disk (EFBIG).
	std::string lim = "trap '' XFSZ; ulimit -f 0; ";
	auto r = cli(lim + "$CPCCTL snapshot keygen --out " + d.path("k"));
	EXPECT_EQ(1, r.rc);
	EXPECT_EQ("cpcctl: " + d.path("k") + ": File too large\n", r.err);
	r = cli(lim + decrypt(d.path("img")));
	EXPECT_EQ(1, r.rc);
	EXPECT_EQ("cpcctl: " + d.path("img") + ": File too large\n", r.err);
	EXPECT_EQ((std::vector<std::string>{"export", "key"}), d.list());
}

TEST_F(CliFiles, ErrorsNameTheUsersPath)
{
	auto r = cli(decrypt(d.path("none/img")));
	EXPECT_EQ(1, r.rc);
	EXPECT_EQ("cpcctl: " + d.path("none/img") + ": No such file or directory\n", r.err);
}

TEST_F(CliFiles, DashIsStandardOutputWhereItMakesSense)
{
	auto r = cli("$CPCCTL snapshot keygen --out -");
	ASSERT_EQ(0, r.rc) << r.err;
	EXPECT_EQ(65u, r.out.size());
	r = cli(decrypt("-"));
	ASSERT_EQ(0, r.rc) << r.err;
	EXPECT_EQ(image_size, r.out.size());
	EXPECT_NE(std::string::npos, r.err.find("-> -")) << r.err;
	// A job writes at offsets: no pipe. Refused before any channel.
	r = cli("$CPCCTL job snapshot no-such-channel --out -");
	EXPECT_EQ(2, r.rc);
	EXPECT_EQ("cpcctl: -: standard output is not possible here, give a file name\n", r.err);
	EXPECT_EQ((std::vector<std::string>{"export", "key"}), d.list());
}

TEST_F(CliFiles, JobOutputCheckedBeforeAnyCall)
{
	d.write("x.snp", "old", 0644);
	auto r = cli("$CPCCTL job snapshot no-such-channel --out " + d.path("x.snp"));
	EXPECT_EQ(1, r.rc);
	EXPECT_EQ("cpcctl: " + d.path("x.snp") + ": file exists (--force replaces it)\n", r.err);
	EXPECT_EQ("old", d.read("x.snp"));
}

TEST_F(CliFiles, WriteErrorOnStandardOutputFails)
{
	auto r = cli("$CPCCTL version > /dev/full");
	EXPECT_EQ(1, r.rc);
	EXPECT_EQ("cpcctl: standard output: No space left on device\n", r.err);
	r = cli("$CPCCTL snapshot keygen --out - > /dev/full");
	EXPECT_EQ(1, r.rc);
	EXPECT_EQ("cpcctl: -: No space left on device\n", r.err);
	r = cli(decrypt("-") + " > /dev/full");
	EXPECT_EQ(1, r.rc);
	EXPECT_EQ((std::vector<std::string>{"export", "key"}), d.list());
}

} // namespace

// ---- command line: exit statuses and messages ----

namespace {

struct Case {
	const char *args;
	int rc;
	const char *err; ///< all of standard error
};

void expect_cases(const std::vector<Case> &cases)
{
	for (const auto &c : cases) {
		auto r = cli(std::string("$CPCCTL ") + c.args);
		EXPECT_EQ(c.rc, r.rc) << "cpcctl " << c.args << "\n" << r.err;
		EXPECT_EQ(c.err, r.err) << "cpcctl " << c.args;
	}
}

/// True when cpc_host (or cpc_guest) is loaded on this machine.
bool loaded(const char *module)
{
	return ::access((std::string("/sys/module/") + module).c_str(), F_OK) == 0;
}

} // namespace

TEST(CliUsage, BadValuesNameTheOptionAndWhatWasTyped)
{
	expect_cases({
		{"slice create x --cpus 3-1 --mem 1G", 2,
		 "cpcctl: --cpus '3-1': range goes backwards\n"},
		{"slice create x --cpus 1 --mem 12Q", 2,
		 "cpcctl: --mem '12Q': invalid size (a number, optionally with K, M, G, T, P, E or "
		 "KB, MB, ...)\n"},
		{"slice create x --cpus '' --mem 1G", 2, "cpcctl: --cpus '': empty list\n"},
		{"slice filter x --device 00:1f", 2,
		 "cpcctl: --device '00:1f': invalid PCI address (want DDDD:BB:SS.F)\n"},
		{"slice filter x --ipi 1,bogus", 2, "cpcctl: --ipi '1,bogus': invalid list (e.g. 2-3,5)\n"},
		{"job snapshot ch --out x --depth 0", 2, "cpcctl: --depth '0': not in 1..64\n"},
		{"job ping ch --calls -1", 2, "cpcctl: --calls '-1': not a number in 1..1000000\n"},
		{"job ping ch --calls 0x10", 2, "cpcctl: --calls '0x10': not a number in 1..1000000\n"},
		// Decimal, never octal: 01000001 is 1000001 (octal would be 262145).
		{"job ping ch --calls 01000001", 2, "cpcctl: --calls '01000001': not in 1..1000000\n"},
		{"job reclaim ch --size 1536K", 2, "cpcctl: --size '1536K': not a whole number of 1M\n"},
		{"job snapshot ch --out x --start 0x1000 --size 6000", 2,
		 "cpcctl: snapshot range 0x1000+0x1770: not page aligned\n"},
		{"call ch ping out=8G", 2, "cpcctl: 'out=8G': larger than 4G-1, the most a call takes\n"},
		{"call ch ping value=12Q", 2, "cpcctl: 'value=12Q': invalid number (decimal or 0x hex)\n"},
		{"call ch ping bytes=1", 2, "cpcctl: 'bytes=1': not a key of procedure ping\n"},
		{"call ch no/such", 2,
		 "cpcctl: proc 'no/such': not a procedure name (a-z, 0-9, '-' and '_', at most 31)\n"},
		{"call ch ping --timeout 60001", 2, "cpcctl: --timeout '60001': not in 1..60000\n"},
		{"sweep --timeout 0", 2, "cpcctl: --timeout '0': not in 1..60000\n"},
		{"bench ch --calls 0", 2, "cpcctl: --calls '0': not in 1..10000000\n"},
		// Decimal: 010000001 is 10000001 (octal would be 2097153, in range).
		{"bench ch --calls 010000001", 2, "cpcctl: --calls '010000001': not in 1..10000000\n"},
		{"bench ch --depth 257", 2, "cpcctl: --depth '257': not in 1..256\n"},
		{"bench ch --depth -1", 2, "cpcctl: --depth '-1': not a number in 1..256\n"},
		{"bench ch --anchor --no-anchor", 2,
		 "cpcctl: --anchor excludes --no-anchor (see 'cpcctl bench --help')\n"},
		{"job ping a a", 2, "cpcctl: channel a: given twice\n"},
		{"snapshot decrypt --key k --in i --out o --export-id xyz", 2,
		 "cpcctl: --export-id 'xyz': want up to 16 hex digits\n"},
	});
}

TEST(CliUsage, UnknownCommandsSaySoAndPointToHelp)
{
	expect_cases({
		{"slice lsit", 2, "cpcctl: slice lsit: unknown command (see 'cpcctl slice --help')\n"},
		{"chanel list", 2, "cpcctl: chanel: unknown command (see 'cpcctl --help')\n"},
		{"guest key sett f", 2,
		 "cpcctl: guest key sett: unknown command (see 'cpcctl guest key --help')\n"},
		{"slice", 2, "cpcctl: A subcommand is required (see 'cpcctl slice --help')\n"},
		{"slice boot x", 2, "cpcctl: --kernel is required (see 'cpcctl slice boot --help')\n"},
		{"slice boot x --kernel /nonexistent", 1, "cpcctl: /nonexistent: No such file or directory\n"},
		{"slice boot x --kernel /dev/null --initrd /nonexistent", 1,
		 "cpcctl: /nonexistent: No such file or directory\n"},
		{"job snapshot ch --out x --start 0x1000", 2,
		 "cpcctl: --start requires --size (see 'cpcctl job snapshot --help')\n"},
	});
}

TEST(CliUsage, VersionHelpAndDefaults)
{
	auto r = cli("$CPCCTL --version");
	EXPECT_EQ(0, r.rc);
	EXPECT_EQ(std::string("cpcctl ") + CPC_VERSION + "\n", r.out);
	r = cli("$CPCCTL job ping --help");
	EXPECT_EQ(0, r.rc);
	EXPECT_NE(std::string::npos, r.out.find("Usage: cpcctl job ping ")) << r.out;
	EXPECT_NE(std::string::npos, r.out.find("--calls N=1000 ")) << r.out;
	EXPECT_NE(std::string::npos, r.out.find("--depth N=8 ")) << r.out;
	EXPECT_NE(std::string::npos, r.out.find("Exit status: 0 done, 1 failed, 2 bad")) << r.out;
	r = cli("$CPCCTL slice filter --help");
	EXPECT_EQ(std::string::npos, r.out.find("=[]")) << r.out; // no empty list as a default
	r = cli("$CPCCTL --help > /dev/full");
	EXPECT_EQ(1, r.rc);
}

TEST(CliUsage, MissingModuleSaidTheSameWayEverywhere)
{
	if (loaded("cpc_host") || loaded("cpc_guest"))
		GTEST_SKIP() << "a cpc module is loaded on this machine";
	const char *host = "cpc_host is not loaded (try 'modprobe cpc_host')\n";
	const char *guest = "cpc_guest is not loaded (try 'modprobe cpc_guest')\n";
	auto s = [](const char *path, const char *why) { return std::string("cpcctl: ") + path + ": " + why; };
	std::string sys = s("/sys/kernel/cpc_host", host), dev = s("/dev/cpc_host", host);
	std::string gsys = s("/sys/kernel/cpc_guest", guest);
	std::string key = s("/sys/kernel/cpc_guest/snapshot_key", guest);
	// The read-only views read sysfs and never open the device.
	expect_cases({
		{"slice list", 1, sys.c_str()},
		{"slice show x", 1, sys.c_str()},
		{"slice create x --cpus 2 --mem 1G", 1, dev.c_str()},
		{"slice destroy x", 1, dev.c_str()},
		{"slice boot x --kernel /dev/null", 1, dev.c_str()},
		{"slice console x", 1, dev.c_str()},
		{"slice console x --follow", 1, dev.c_str()},
		{"call ch ping", 1, dev.c_str()},
		{"channel reset ch", 1, dev.c_str()},
		{"channel attach ch sl", 1, dev.c_str()},
		{"guest status", 1, gsys.c_str()},
		{"guest allow ping", 1, gsys.c_str()},
		{"guest key clear", 1, key.c_str()},
	});
	auto r = cli("$CPCCTL job ping ch");
	EXPECT_EQ(1, r.rc);
	EXPECT_EQ(dev, r.err);
}
