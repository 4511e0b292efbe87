// SPDX-License-Identifier: GPL-2.0
/*
 * jobs_host - cpcctl's io_uring maintenance jobs across VMs, run in the host
 * VM while chan_agent runs in the guest VM (which the host test drives
 * through the mailbox, chan_common.h): reclaim makes the guest's
 * MemAvailable drop and return brings it back; the guest's policy denies
 * reclaim (EPERM); a snapshot job of the guest's testbuf decrypts, with the
 * owner's key, to exactly the guest's memory; after one page changes an
 * incremental job against that export carries only that page; no key
 * (ENOKEY), a stale or broken --base and bad arguments fail with
 * "cpcctl: <what>: <why>" and a non-zero exit, leaving no output file.
 *
 * The guest script provisions the owner's key; the host scenario script
 * hands the same key to this test in the file named by $CPC_JOBS_KEY.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/wait.h>

#include "chan_common.h"
#include "kselftest_harness.h"

#define GUEST_PROCS	"/sys/kernel/cpc_guest/procs/"
#define GUEST_KEY	"/sys/kernel/cpc_guest/snapshot_key"
#define TESTBUF		"/sys/kernel/debug/cpc_guest/testbuf"
#define TESTBUF_PHYS	"/sys/kernel/debug/cpc_guest/testbuf_phys"
#define TB_SIZE		(16 * 4096)
#define PIECE		512
#define DIR		"/tmp/cpc-jobs"
#define MIB		(1024ll * 1024)

static long long guest_mem_available_kb(int shm)
{
	char buf[768], *p;
	int r = mbox_cmd(shm, MBOX_READ, "/proc/meminfo", NULL, 0, 0, buf, sizeof(buf));

	if (r <= 0)
		return -1;
	p = strstr(buf, "MemAvailable:");
	return p ? atoll(p + strlen("MemAvailable:")) : -1;
}

/* Writes @len bytes of @data to the guest's testbuf at @off, in pieces. */
static int testbuf_put(int shm, const uint8_t *data, size_t off, size_t len)
{
	size_t done;
	int r;

	for (done = 0; done < len; done += PIECE) {
		r = mbox_cmd(shm, MBOX_WRITE, TESTBUF, data + done, PIECE, off + done, NULL, 0);
		if (r)
			return r;
	}
	return 0;
}

static void pattern(uint8_t *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)((i / 4096) * 17 + i * 13 + seed * 101 + (i >> 9));
}

/* 0 if file @path holds exactly @len bytes equal to @want. */
static int file_equals(const char *path, const uint8_t *want, size_t len)
{
	static uint8_t got[TB_SIZE + 1];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -errno;
	n = fread(got, 1, sizeof(got), f);
	fclose(f);
	if (n != len)
		return -EMSGSIZE;
	return memcmp(got, want, len) ? -EBADMSG : 0;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

FIXTURE(jobs) {
	char name[64];
	char key[256];
	int shm;
	unsigned long long tb;
};

FIXTURE_SETUP(jobs)
{
	char buf[768];
	const char *key = getenv("CPC_JOBS_KEY");

	ASSERT_NE(NULL, key) TH_LOG("CPC_JOBS_KEY names the owner's key file");
	snprintf(self->key, sizeof(self->key), "%s", key);
	ASSERT_EQ(0, chan_name(0, self->name, sizeof(self->name)));
	ASSERT_EQ(0, chan_wait_state(self->name, "ready", 120)) TH_LOG("no guest came up");
	self->shm = chan_shm_open(self->name);
	ASSERT_LE(0, self->shm);
	ASSERT_EQ(0, mbox_agent_wait(self->shm, 120)) TH_LOG("the guest agent never came up");
	ASSERT_LT(0, mbox_cmd(self->shm, MBOX_READ, TESTBUF_PHYS, NULL, 0, 0, buf, sizeof(buf)));
	self->tb = strtoull(buf, NULL, 0);
	ASSERT_NE(0, self->tb);
	ASSERT_EQ(TB_SIZE, atoi(strchr(buf, ' ') + 1));
	mkdir(DIR, 0700);
}

FIXTURE_TEARDOWN(jobs)
{
	close(self->shm);
}

TEST_F(jobs, reclaim_then_return)
{
	long long before, low, after;
	char out[8192];

	before = guest_mem_available_kb(self->shm);
	ASSERT_LT(0, before);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job reclaim %s --size 64M --json", self->name))
		TH_LOG("%s", out);
	EXPECT_EQ(64 * MIB, cpc_json_num(out, NULL, "bytes")) TH_LOG("%s", out);
	EXPECT_EQ(0, cpc_json_check("job_ranges_result", out)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"ranges\": [")) TH_LOG("%s", out);
	low = guest_mem_available_kb(self->shm);
	/* 64 MiB gone, give or take what the guest did meanwhile. */
	EXPECT_GE(before - low, 56 * 1024) TH_LOG("MemAvailable %lld -> %lld kB", before, low);

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job return %s", self->name)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "return: 64.0 MiB in ")) TH_LOG("%s", out);
	after = guest_mem_available_kb(self->shm);
	EXPECT_GE(after - low, 56 * 1024) TH_LOG("MemAvailable %lld -> %lld kB", low, after);
	EXPECT_LE(before - after, 8 * 1024) TH_LOG("MemAvailable %lld -> %lld kB", before, after);
}

TEST_F(jobs, reclaim_denied_by_policy)
{
	char out[4096], want[256];

	ASSERT_EQ(0, guest_write(self->shm, GUEST_PROCS "reclaim/allowed", "0"));
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl job reclaim %s --size 4M", self->name));
	snprintf(want, sizeof(want), "cpcctl: call reclaim on %s: Operation not permitted\n",
		 self->name);
	EXPECT_STREQ(want, out);
	ASSERT_EQ(0, guest_write(self->shm, GUEST_PROCS "reclaim/allowed", "1"));
}

TEST_F(jobs, reclaim_and_return_bad_sizes)
{
	char out[4096];

	EXPECT_EQ(2, cpc_run(out, sizeof(out), "cpcctl job reclaim %s --size 1536K", self->name));
	EXPECT_STREQ("cpcctl: --size '1536K': not a whole number of 1M\n", out);
	EXPECT_EQ(2, cpc_run(out, sizeof(out), "cpcctl job reclaim %s --size 0", self->name));
	EXPECT_STREQ("cpcctl: --size '0': not in 1M..64G\n", out);
	/* Nothing is reclaimed: returning 1 MiB is more than is reclaimed. */
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl job return %s --size 1M", self->name));
	EXPECT_NE(NULL, strstr(out, "cpcctl: call return on ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, ": Invalid argument")) TH_LOG("%s", out);
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl job reclaim no-such-channel --size 1M"));
	EXPECT_STREQ("cpcctl: channel no-such-channel: No such device\n", out);
}

TEST_F(jobs, snapshot_full_then_incremental)
{
	static uint8_t want[TB_SIZE];
	char out[8192];

	pattern(want, TB_SIZE, 1);
	ASSERT_EQ(0, testbuf_put(self->shm, want, 0, TB_SIZE));

	/* 16K result buffers: several chunks, each written while the next call runs. */
	unlink(DIR "/full.snp");
	ASSERT_EQ(0, cpc_run(out, sizeof(out),
			 "cpcctl job snapshot %s --out " DIR "/full.snp --start 0x%llx --size 64K "
			 "--depth 4 --chunk 16K --json", self->name, self->tb)) TH_LOG("%s", out);
	EXPECT_EQ(16, cpc_json_num(out, NULL, "pages")) TH_LOG("%s", out);
	EXPECT_EQ(0, cpc_json_check("job_snapshot_result", out)) TH_LOG("%s", out);
	EXPECT_EQ(16, cpc_json_num(out, NULL, "changed_pages"));
	EXPECT_EQ(0, cpc_json_num(out, NULL, "unchanged_pages"));
	EXPECT_EQ(0, cpc_json_num(out, NULL, "base_gen"));
	EXPECT_LT(0, cpc_json_num(out, NULL, "generation"));
	EXPECT_LE(5, cpc_json_num(out, NULL, "chunks")) TH_LOG("%s", out);
	EXPECT_EQ(cpc_json_num(out, NULL, "chunks"), cpc_json_num(out, NULL, "calls"));
	EXPECT_NE(NULL, strstr(out, "\"overlapped\": true")) TH_LOG("%s", out);
	EXPECT_FALSE(exists(DIR "/full.snp.tmp"));

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl snapshot decrypt --key %s --in " DIR
			 "/full.snp --out " DIR "/full.img", self->key)) TH_LOG("%s", out);
	EXPECT_EQ(0, file_equals(DIR "/full.img", want, TB_SIZE));

	/* One page changes in the guest: the incremental job carries it alone. */
	pattern(want + 5 * 4096, 4096, 2);
	ASSERT_EQ(0, testbuf_put(self->shm, want + 5 * 4096, 5 * 4096, 4096));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out " DIR "/incr.snp --base "
			 DIR "/full.snp --json", self->name)) TH_LOG("%s", out);
	EXPECT_EQ(16, cpc_json_num(out, NULL, "pages")) TH_LOG("%s", out);
	EXPECT_EQ(0, cpc_json_check("job_snapshot_result", out)) TH_LOG("%s", out);
	EXPECT_EQ(1, cpc_json_num(out, NULL, "changed_pages"));
	EXPECT_EQ(15, cpc_json_num(out, NULL, "unchanged_pages"));
	EXPECT_LT(0, cpc_json_num(out, NULL, "base_gen"));
	EXPECT_GT(cpc_json_num(out, NULL, "generation"), cpc_json_num(out, NULL, "base_gen"));
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl snapshot decrypt --key %s --in " DIR
			 "/incr.snp --base " DIR "/full.img --out " DIR "/incr.img --json",
			 self->key)) TH_LOG("%s", out);
	EXPECT_EQ(1, cpc_json_num(out, NULL, "pages_sent")) TH_LOG("%s", out);
	EXPECT_EQ(0, file_equals(DIR "/incr.img", want, TB_SIZE));

	/* full.snp is no longer the guest's last export: a stale base. */
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out " DIR "/stale.snp --base "
			 DIR "/full.snp", self->name));
	EXPECT_NE(NULL, strstr(out, "cpcctl: call snapshot on ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, ": No such file or directory\n")) TH_LOG("%s", out);
	EXPECT_FALSE(exists(DIR "/stale.snp"));
	EXPECT_FALSE(exists(DIR "/stale.snp.tmp"));
}

TEST_F(jobs, snapshot_without_key)
{
	char out[4096], want[256], hex[128];
	FILE *f;

	ASSERT_EQ(0, guest_write(self->shm, GUEST_KEY, "clear"));
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out " DIR "/nokey.snp "
			 "--start 0x%llx --size 64K", self->name, self->tb));
	snprintf(want, sizeof(want), "cpcctl: call snapshot on %s: Required key not available\n",
		 self->name);
	EXPECT_STREQ(want, out);
	EXPECT_FALSE(exists(DIR "/nokey.snp"));
	EXPECT_FALSE(exists(DIR "/nokey.snp.tmp"));
	/* The owner provisions the key again. */
	f = fopen(self->key, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(hex, sizeof(hex), f));
	fclose(f);
	hex[strcspn(hex, "\n")] = '\0';
	ASSERT_EQ(0, guest_write(self->shm, GUEST_KEY, hex));
}

TEST_F(jobs, snapshot_bad_base)
{
	char out[4096];
	FILE *f;

	f = fopen(DIR "/garbage.snp", "w");
	ASSERT_NE(NULL, f);
	fputs("this is not a snapshot export, but it is long enough to hold a chunk header "
	      "of the snapshot wire format, which it does not\n", f);
	fclose(f);
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out " DIR "/x.snp --base "
			 DIR "/garbage.snp", self->name));
	EXPECT_EQ(0, strncmp(out, "cpcctl: " DIR "/garbage.snp: chunk 0: bad magic ",
			     strlen("cpcctl: " DIR "/garbage.snp: chunk 0: bad magic "))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, ": Bad message\n")) TH_LOG("%s", out);
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out " DIR "/x.snp --base "
			 DIR "/missing.snp", self->name));
	EXPECT_STREQ("cpcctl: " DIR "/missing.snp: No such file or directory\n", out);
	EXPECT_FALSE(exists(DIR "/x.snp"));
}

TEST_F(jobs, snapshot_bad_arguments)
{
	char out[4096];

	EXPECT_EQ(2, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out " DIR "/x.snp --start 0x%llx",
			 self->name, self->tb));
	EXPECT_STREQ("cpcctl: --start requires --size (see 'cpcctl job snapshot --help')\n", out);
	EXPECT_EQ(2, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out " DIR "/x.snp --start 0x%llx "
			 "--size 6000", self->name, self->tb));
	EXPECT_NE(NULL, strstr(out, "+0x1770: not page aligned\n")) TH_LOG("%s", out);
	EXPECT_EQ(2, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out " DIR "/x.snp --depth 0",
			 self->name));
	/* A range that is not System RAM: the guest says ERANGE. */
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl job snapshot %s --out " DIR "/x.snp --start "
			 "0xfff00000000 --size 64K", self->name));
	EXPECT_NE(NULL, strstr(out, ": Numerical result out of range\n")) TH_LOG("%s", out);
	EXPECT_FALSE(exists(DIR "/x.snp"));
}

TEST_F(jobs, info_reports_ram_holding_testbuf)
{
	char out[16384], *p;
	int found = 0;

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl call %s info --json", self->name));
	p = strstr(out, "\"ram\": [");
	ASSERT_NE(NULL, p) TH_LOG("%s", out);
	while ((p = strstr(p, "\"size\": "))) {
		unsigned long long size = strtoull(p + 8, NULL, 10), start;
		char *s = strstr(p, "\"start\": ");

		if (!s)
			break;
		start = strtoull(s + 9, NULL, 10);
		if (self->tb >= start && self->tb + TB_SIZE <= start + size)
			found = 1;
		p = s + 9;
	}
	EXPECT_TRUE(found) TH_LOG("%s", out);
}

TEST_F(jobs, ping_keeps_depth_calls_in_flight)
{
	char out[4096];

	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job ping %s --calls 200 --depth 8 --json",
			 self->name)) TH_LOG("%s", out);
	EXPECT_EQ(200, cpc_json_num(out, NULL, "calls")) TH_LOG("%s", out);
	EXPECT_EQ(0, cpc_json_check("job_ping_result", out)) TH_LOG("%s", out);
	EXPECT_EQ(8, cpc_json_num(out, NULL, "max_calls_in_flight")) TH_LOG("%s", out);
	ASSERT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job ping %s --calls 5 --depth 1 --json",
			 self->name)) TH_LOG("%s", out);
	EXPECT_EQ(1, cpc_json_num(out, NULL, "max_calls_in_flight")) TH_LOG("%s", out);
	EXPECT_EQ(2, cpc_run(out, sizeof(out), "cpcctl job ping %s --calls 0", self->name));
	EXPECT_STREQ("cpcctl: --calls '0': not in 1..1000000\n", out);
	/* The guest denies ping: the first failure stops the job, the rest drain. */
	ASSERT_EQ(0, guest_write(self->shm, GUEST_PROCS "ping/allowed", "0"));
	EXPECT_EQ(1, cpc_run(out, sizeof(out), "cpcctl job ping %s --calls 50 --depth 8", self->name));
	EXPECT_NE(NULL, strstr(out, ": Operation not permitted\n")) TH_LOG("%s", out);
	ASSERT_EQ(0, guest_write(self->shm, GUEST_PROCS "ping/allowed", "1"));
	EXPECT_EQ(0, cpc_run(out, sizeof(out), "cpcctl job ping %s --calls 10", self->name));
}

/* Last: let the agent go. */
TEST_F(jobs, zz_agent_done)
{
	EXPECT_EQ(0, mbox_cmd(self->shm, MBOX_DONE, NULL, NULL, 0, 0, NULL, 0));
}

TEST_HARNESS_MAIN
