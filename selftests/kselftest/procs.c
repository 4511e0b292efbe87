// SPDX-License-Identifier: GPL-2.0
/*
 * procs - cpc_guest's reclaim, return and snapshot procedures, run through
 * the debugfs invoke hook (no channel needed). Runs in a test-bed guest VM.
 * Snapshot chunks are checked by decrypting them with OpenSSL, the way the
 * guest owner would, and by cpcctl snapshot decrypt.
 */
#include "invoke_test.h"
#include <linux/cpc_proto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "cpc_test.h"
#include "fail_nth.h"
#include "kselftest_harness.h"

#define INVOKE		"/sys/kernel/debug/cpc_guest/invoke"
#define TESTBUF		"/sys/kernel/debug/cpc_guest/testbuf"
#define TESTBUF_PHYS	"/sys/kernel/debug/cpc_guest/testbuf_phys"
#define KEYFILE		"/sys/kernel/cpc_guest/snapshot_key"
#define RECLAIMED	"/sys/kernel/cpc_guest/reclaimed_bytes"
#define MiB		(1ull << 20)
#define PG		4096u
#define REC		(sizeof(struct cpc_snapshot_page) + PG)
#define HDR		sizeof(struct cpc_snapshot_chunk)
#define SEAL		sizeof(struct cpc_snapshot_seal)
#define TB_PAGES	(CPC_TESTBUF_SIZE / PG)

static const uint8_t key_a[32] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};

/* One invoke: request, status, ret[] and the result buffer. */
struct call {
	struct cpc_invoke_rsp rsp;
	uint8_t *out;
};

/* deadline_ms: as struct cpc_invoke_req; EXPIRED: already passed. */
#define EXPIRED		UINT32_MAX

static int invoke(int fd, uint16_t op, uint64_t a0, const void *arg,
		  uint32_t arg_len, uint32_t out_cap, uint32_t deadline_ms,
		  struct call *c)
{
	size_t len = sizeof(struct cpc_invoke_req) + arg_len;
	struct cpc_invoke_req *req = calloc(1, len);
	uint8_t *res = calloc(1, sizeof(c->rsp) + out_cap);
	ssize_t n;

	req->size = sizeof(*req);
	req->opcode = op;
	if (deadline_ms == EXPIRED)
		req->flags = CPC_INVOKE_F_EXPIRED;
	else
		req->deadline_ms = deadline_ms;
	req->arg_len = arg_len;
	req->out_cap = out_cap;
	req->args[0] = a0;
	if (arg_len)
		memcpy(req + 1, arg, arg_len);
	n = pwrite(fd, req, len, 0);
	free(req);
	if (n < 0) {
		free(res);
		return -errno;
	}
	n = pread(fd, res, sizeof(c->rsp) + out_cap, 0);
	if (n < (ssize_t)sizeof(c->rsp)) {
		free(res);
		return n < 0 ? -errno : -EIO;
	}
	memcpy(&c->rsp, res, sizeof(c->rsp));
	free(c->out);
	c->out = malloc(out_cap + 1);
	memcpy(c->out, res + sizeof(c->rsp), n - sizeof(c->rsp));
	free(res);
	return 0;
}

static int snapshot(int fd, uint64_t start, uint64_t size, uint64_t base,
		    uint32_t flags, uint32_t out_cap, struct call *c)
{
	struct cpc_snapshot_args a = {
		.start = start, .size = size, .base_gen = base, .flags = flags,
	};

	return invoke(fd, CPC_PROC_SNAPSHOT, 0, &a, sizeof(a), out_cap, 0, c);
}

static int snapshot_dl(int fd, uint64_t start, uint64_t size, uint64_t base,
		       uint32_t flags, uint32_t out_cap, uint32_t deadline_ms,
		       struct call *c)
{
	struct cpc_snapshot_args a = {
		.start = start, .size = size, .base_gen = base, .flags = flags,
	};

	return invoke(fd, CPC_PROC_SNAPSHOT, 0, &a, sizeof(a), out_cap, deadline_ms, c);
}

static long long meminfo(const char *field)
{
	char buf[4096], *p;

	if (cpc_read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, field);
	return p ? strtoll(p + strlen(field) + 1, NULL, 10) * 1024 : -1;
}

static long long reclaimed(void)
{
	char buf[64];

	if (cpc_read_file(RECLAIMED, buf, sizeof(buf)) < 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

static int set_key(const uint8_t *key)
{
	char hex[65];
	int i;

	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", key[i]);
	return cpc_write_file(KEYFILE, hex);
}

static uint64_t testbuf_phys(void)
{
	char buf[64];

	if (cpc_read_file(TESTBUF_PHYS, buf, sizeof(buf)) < 0)
		return 0;
	return strtoull(buf, NULL, 16);
}

/*
 * Where the kernel image starts ("Kernel code" in /proc/iomem): System
 * RAM, always there - 16 MiB in a test-bed VM, elsewhere in a Linux slice.
 */
static uint64_t ktext(void)
{
	char line[256];
	uint64_t at = 16 * MiB;
	FILE *f = fopen("/proc/iomem", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "Kernel code")) {
			at = strtoull(line + strspn(line, " "), NULL, 16);
			break;
		}
	if (f)
		fclose(f);
	return at;
}

/* Fills testbuf page @i with a pattern seeded by @seed; keeps a copy. */
static int testbuf_fill(uint8_t *copy, unsigned int first, unsigned int count,
			unsigned int seed)
{
	int fd = open(TESTBUF, O_WRONLY);
	unsigned int i;
	ssize_t n;

	if (fd < 0)
		return -errno;
	for (i = first * PG; i < (first + count) * PG; i++)
		copy[i] = (uint8_t)(i * 7 + seed + (i >> 12) * 13);
	n = pwrite(fd, copy + first * PG, count * PG, first * PG);
	close(fd);
	return n == (ssize_t)(count * PG) ? 0 : -EIO;
}

/* Decrypts one record; returns 0 when the tag verifies. */
static int open_record(const uint8_t *key, const struct cpc_snapshot_chunk *h,
		       const uint8_t *rec, uint8_t *plain)
{
	const struct cpc_snapshot_page *p = (const void *)rec;
	struct cpc_snapshot_aad aad = {
		.magic = CPC_SNAPSHOT_MAGIC, .version = CPC_SNAPSHOT_VERSION,
		.export_id = h->export_id,
		.generation = h->generation, .base_gen = h->base_gen,
		.range_start = h->range_start, .range_size = h->range_size,
		.gpa = p->gpa, .flags = p->flags,
	};
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t tag[16];
	int len, ok;

	memcpy(tag, p->tag, sizeof(tag));
	ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) &&
	     EVP_DecryptInit_ex(c, NULL, NULL, key, p->iv) &&
	     EVP_DecryptUpdate(c, NULL, &len, (void *)&aad, sizeof(aad)) &&
	     EVP_DecryptUpdate(c, plain, &len, rec + sizeof(*p), PG) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) &&
	     EVP_DecryptFinal_ex(c, plain + len, &len) > 0;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static const struct cpc_snapshot_chunk *chunk(const struct call *c)
{
	return (const void *)c->out;
}

static const uint8_t *record(const struct call *c, unsigned int i)
{
	return c->out + HDR + i * REC;
}

/* Writes key_a to @path as 64 hex digits (the owner's key file). */
static void f_key_a(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	for (int i = 0; i < 32; i++)
		fprintf(f, "%02x", key_a[i]);
	fprintf(f, "\n");
	fclose(f);
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

FIXTURE(procs) {
	int fd;
	struct call c;
	uint64_t tb;
	uint8_t pattern[CPC_TESTBUF_SIZE];
};

FIXTURE_SETUP(procs)
{
	self->fd = open(INVOKE, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->c.out = NULL;
	self->tb = testbuf_phys();
	ASSERT_NE(0, self->tb);
	ASSERT_EQ(0, cpc_write_file(KEYFILE, "clear"));
	ASSERT_EQ(0, reclaimed());
}

FIXTURE_TEARDOWN(procs)
{
	struct call c = { };

	invoke(self->fd, CPC_PROC_RETURN, 0, NULL, 0, 1 << 20, 0, &c);
	free(c.out);
	free(self->c.out);
	cpc_write_file(KEYFILE, "clear");
	close(self->fd);
}

/* ---- invoke hook ---- */

TEST_F(procs, invoke_hook_errors)
{
	struct cpc_invoke_req req = { .size = sizeof(req), .opcode = CPC_PROC_RETURN };
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char buf[64];
	int fd;

	ASSERT_NE(MAP_FAILED, bad);

	fd = open(INVOKE, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(-1, pwrite(fd, &req, sizeof(req) - 1, 0));
	EXPECT_EQ(EINVAL, errno);
	req.size = 8;
	EXPECT_EQ(-1, pwrite(fd, &req, sizeof(req), 0));
	EXPECT_EQ(EINVAL, errno);
	req.size = sizeof(req);
	req.reserved = 1;
	EXPECT_EQ(-1, pwrite(fd, &req, sizeof(req), 0));
	EXPECT_EQ(EINVAL, errno);
	req.reserved = 0;
	req.flags = 2;
	EXPECT_EQ(-1, pwrite(fd, &req, sizeof(req), 0));
	EXPECT_EQ(EINVAL, errno);
	req.flags = 0;
	req.deadline_ms = CPC_INVOKE_MAX_DEADLINE_MS + 1;
	EXPECT_EQ(-1, pwrite(fd, &req, sizeof(req), 0));
	EXPECT_EQ(EINVAL, errno);
	req.deadline_ms = 0;
	EXPECT_EQ(-1, pwrite(fd, bad, sizeof(req), 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, pwrite(fd, &req, sizeof(req), 4));
	EXPECT_EQ(EINVAL, errno);
	req.out_cap = CPC_INVOKE_MAX_OUT + 1;
	EXPECT_EQ(-1, pwrite(fd, &req, sizeof(req), 0));
	EXPECT_EQ(EINVAL, errno);
	req.out_cap = 0;
	req.arg_len = 4;	/* but nothing follows */
	EXPECT_EQ(-1, pwrite(fd, &req, sizeof(req), 0));
	EXPECT_EQ(EINVAL, errno);
	req.arg_len = 0;
	req.opcode = CPC_PROC_COUNT;	/* no such procedure */
	EXPECT_EQ(-1, pwrite(fd, &req, sizeof(req), 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	req.opcode = CPC_PROC_RETURN;
	EXPECT_EQ((ssize_t)sizeof(req), pwrite(fd, &req, sizeof(req), 0));
	EXPECT_EQ(-1, pread(fd, bad, sizeof(buf), 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ((ssize_t)sizeof(struct cpc_invoke_rsp), pread(fd, buf, sizeof(buf), 0));
	close(fd);
	munmap(bad, 4096);
}

/* ---- reclaim / return ---- */

static void check_ranges(struct __test_metadata *_metadata, const struct call *c,
			 uint64_t want_bytes)
{
	const struct cpc_range *r = (const void *)c->out;
	uint64_t n = c->rsp.ret[1], sum = 0, i;

	ASSERT_LT(0, n);
	ASSERT_EQ(n * sizeof(*r), c->rsp.out_len);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, r[i].start % PG);
		EXPECT_EQ(0, r[i].size % PG);
		EXPECT_LT(0, r[i].size);
		/* sorted, disjoint and coalesced: strictly apart */
		if (i)
			EXPECT_LT(r[i - 1].start + r[i - 1].size, r[i].start);
		sum += r[i].size;
	}
	EXPECT_EQ(want_bytes, sum);
}

TEST_F(procs, reclaim_and_return)
{
	long long before, during, after;

	double t0, t1, t2;

	before = meminfo("MemAvailable:");
	ASSERT_LT(0, before);
	t0 = cpc_now();
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, 64, NULL, 0, 1 << 20, 0, &self->c));
	t1 = cpc_now();
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	EXPECT_EQ(64 * MiB, self->c.rsp.ret[0]);
	check_ranges(_metadata, &self->c, 64 * MiB);
	EXPECT_EQ(64 * MiB, reclaimed());
	during = meminfo("MemAvailable:");
	TH_LOG("MemAvailable %lld -> %lld MiB, %llu ranges", before >> 20,
	       during >> 20, (unsigned long long)self->c.rsp.ret[1]);
	EXPECT_LE(56 * MiB, before - during);
	EXPECT_GE(72 * MiB, before - during);

	t2 = cpc_now();
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RETURN, 0, NULL, 0, 1 << 20, 0, &self->c));
	t2 = cpc_now() - t2;
	TH_LOG("reclaim 64 MiB: %.1f ms, return: %.1f ms (TCG)", (t1 - t0) * 1e3, t2 * 1e3);
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	EXPECT_EQ(64 * MiB, self->c.rsp.ret[0]);
	check_ranges(_metadata, &self->c, 64 * MiB);
	EXPECT_EQ(0, reclaimed());
	after = meminfo("MemAvailable:");
	EXPECT_LE(56 * MiB, after - during);
	EXPECT_GE(8 * MiB, before - after);
}

TEST_F(procs, return_in_parts)
{
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, 8, NULL, 0, 1 << 20, 0, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, 3, NULL, 0, 1 << 20, 0, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	EXPECT_EQ(11 * MiB, reclaimed());
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RETURN, 5, NULL, 0, 1 << 20, 0, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	EXPECT_EQ(5 * MiB, self->c.rsp.ret[0]);
	check_ranges(_metadata, &self->c, 5 * MiB);
	EXPECT_EQ(6 * MiB, reclaimed());
	/* more than is held: refused, nothing returned */
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RETURN, 7, NULL, 0, 1 << 20, 0, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
	EXPECT_EQ(6 * MiB, reclaimed());
	/* no room for the ranges: refused, nothing returned */
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RETURN, 1, NULL, 0, 8, 0, &self->c));
	EXPECT_EQ(CPC_ST_ENOSPC, self->c.rsp.status);
	EXPECT_EQ(6 * MiB, reclaimed());
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RETURN, 0, NULL, 0, 1 << 20, 0, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	EXPECT_EQ(6 * MiB, self->c.rsp.ret[0]);
	EXPECT_EQ(0, reclaimed());
	/* nothing held: return 0 is an empty success, return 1 an error */
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RETURN, 0, NULL, 0, 1 << 20, 0, &self->c));
	EXPECT_EQ(CPC_ST_OK, self->c.rsp.status);
	EXPECT_EQ(0, self->c.rsp.ret[0]);
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RETURN, 1, NULL, 0, 1 << 20, 0, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
}

TEST_F(procs, reclaim_errors_keep_nothing)
{
	long long total = meminfo("MemTotal:"), spare, mib;

	ASSERT_LT(0, total);
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, 0, NULL, 0, 4096, 0, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, CPC_RECLAIM_MAX_MIB + 1ull,
			    NULL, 0, 4096, 0, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
	/* all of RAM: more than the guest can spare */
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, total >> 20, NULL, 0, 4096, 0, &self->c));
	EXPECT_EQ(CPC_ST_ENOMEM, self->c.rsp.status);
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, 1, NULL, 0, 8, 0, &self->c));
	EXPECT_EQ(CPC_ST_ENOSPC, self->c.rsp.status);
	/*
	 * Half of what the guest can spare (the procedure keeps an eighth of
	 * RAM, at least 32 MiB), at most 128 MiB, cannot be taken and zeroed
	 * in 1 ms under TCG. On the debug kernel the guest has less to spare:
	 * 128 MiB there is refused before the deadline counts (ENOMEM).
	 */
	spare = meminfo("MemAvailable:") / (long long)MiB - (total / 8 >> 20 > 32 ? total / 8 >> 20 : 32);
	mib = spare / 2 < 128 ? spare / 2 : 128;
	ASSERT_LE(16, mib) TH_LOG("the guest can spare only %lld MiB", spare);
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, mib, NULL, 0, 4096, 1, &self->c));
	EXPECT_EQ(CPC_ST_ETIMEDOUT, self->c.rsp.status) TH_LOG("%lld of %lld MiB spare", mib, spare);
	EXPECT_EQ(0, self->c.rsp.out_len);
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, 1, NULL, 0, 4096, EXPIRED, &self->c));
	EXPECT_EQ(CPC_ST_ETIMEDOUT, self->c.rsp.status);
	EXPECT_EQ(0, reclaimed());
}

TEST_F(procs, reclaim_ranges_must_fit)
{
	/* Room for one range: either it all coalesced into one, or ENOSPC. */
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, 32, NULL, 0,
			    sizeof(struct cpc_range), 0, &self->c));
	if (self->c.rsp.status == CPC_ST_OK) {
		EXPECT_EQ(1, self->c.rsp.ret[1]);
		check_ranges(_metadata, &self->c, 32 * MiB);
		EXPECT_EQ(32 * MiB, reclaimed());
	} else {
		EXPECT_EQ(CPC_ST_ENOSPC, self->c.rsp.status);
		EXPECT_EQ(0, reclaimed());
	}
}

TEST_F(procs, reclaimed_pages_are_not_exported)
{
	const struct cpc_range *r;
	struct call snap = { };
	const struct cpc_snapshot_chunk *h;
	uint8_t plain[PG], zero[PG] = { 0 };
	unsigned int i;

	/*
	 * Whatever the pages held before, the host gets zeroes; and a snapshot
	 * does not read memory the host has: it is exported as unreadable.
	 */
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_RECLAIM, 4, NULL, 0, 1 << 20, 0, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	r = (const void *)self->c.out;
	ASSERT_EQ(0, set_key(key_a));
	ASSERT_EQ(0, snapshot(self->fd, r[0].start, r[0].size < 16 * PG ? r[0].size : 16 * PG,
			      0, 0, 1 << 20, &snap));
	ASSERT_EQ(CPC_ST_OK, snap.rsp.status);
	h = chunk(&snap);
	ASSERT_LT(0, h->pages);
	for (i = 0; i < h->pages; i++) {
		const struct cpc_snapshot_page *p = (const void *)record(&snap, i);

		EXPECT_EQ(CPC_SNAPSHOT_PAGE_UNREADABLE, p->flags);
		ASSERT_EQ(0, open_record(key_a, h, record(&snap, i), plain));
		EXPECT_EQ(0, memcmp(plain, zero, PG));
	}
	free(snap.out);
}

/* ---- snapshot key ---- */

TEST_F(procs, key_file_is_write_only)
{
	struct stat st;

	ASSERT_EQ(0, stat(KEYFILE, &st));
	EXPECT_EQ(0200, st.st_mode & 0777);
	ASSERT_EQ(0, set_key(key_a));
	EXPECT_EQ(-1, open(KEYFILE, O_RDONLY));
	EXPECT_EQ(EACCES, errno);
}

TEST_F(procs, key_rejects_bad_input)
{
	char s[80];

	EXPECT_EQ(-EINVAL, cpc_write_file(KEYFILE, "abc"));
	memset(s, 'g', 64);
	s[64] = '\0';
	EXPECT_EQ(-EINVAL, cpc_write_file(KEYFILE, s));
	memset(s, 'a', 63);
	s[63] = '\0';
	EXPECT_EQ(-EINVAL, cpc_write_file(KEYFILE, s));
	memset(s, 'a', 65);
	s[65] = '\0';
	EXPECT_EQ(-EINVAL, cpc_write_file(KEYFILE, s));
	/* none of them set a key */
	ASSERT_EQ(0, snapshot(self->fd, self->tb, PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ENOKEY, self->c.rsp.status);
	/* a newline-terminated key works, an empty write clears it */
	memset(s, 'a', 64);
	strcpy(s + 64, "\n");
	EXPECT_EQ(0, cpc_write_file(KEYFILE, s));
	ASSERT_EQ(0, snapshot(self->fd, self->tb, PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_OK, self->c.rsp.status);
	EXPECT_EQ(0, cpc_write_file(KEYFILE, "\n"));
	ASSERT_EQ(0, snapshot(self->fd, self->tb, PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ENOKEY, self->c.rsp.status);
}

TEST_F(procs, snapshot_without_key)
{
	ASSERT_EQ(0, snapshot(self->fd, self->tb, PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ENOKEY, self->c.rsp.status);
	EXPECT_EQ(0, self->c.rsp.out_len);
}

/* ---- snapshot ---- */

TEST_F(procs, snapshot_roundtrip)
{
	const struct cpc_snapshot_chunk *h;
	uint8_t plain[PG];
	unsigned int i, j;

	ASSERT_EQ(0, testbuf_fill(self->pattern, 0, TB_PAGES, 1));
	ASSERT_EQ(0, set_key(key_a));
	ASSERT_EQ(0, snapshot(self->fd, self->tb, CPC_TESTBUF_SIZE, 0, 0, 1 << 20, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	h = chunk(&self->c);
	EXPECT_EQ(self->tb + CPC_TESTBUF_SIZE, self->c.rsp.ret[0]);
	EXPECT_EQ(h->generation, self->c.rsp.ret[1]);
	EXPECT_EQ(CPC_SNAPSHOT_MAGIC, h->magic);
	EXPECT_EQ(CPC_SNAPSHOT_VERSION, h->version);
	EXPECT_EQ(HDR, h->header_size);
	EXPECT_EQ(REC, h->record_size);
	EXPECT_EQ(0, h->base_gen);
	EXPECT_EQ(self->tb, h->range_start);
	EXPECT_EQ(CPC_TESTBUF_SIZE, h->range_size);
	EXPECT_EQ(self->tb, h->chunk_start);
	EXPECT_EQ(self->tb + CPC_TESTBUF_SIZE, h->chunk_end);
	EXPECT_EQ(CPC_SNAPSHOT_CHUNK_LAST, h->flags);
	EXPECT_EQ(0, h->unchanged);
	ASSERT_EQ(TB_PAGES, h->pages);
	ASSERT_EQ(HDR + TB_PAGES * REC + SEAL, self->c.rsp.out_len);
	for (i = 0; i < TB_PAGES; i++) {
		const struct cpc_snapshot_page *p = (const void *)record(&self->c, i);

		EXPECT_EQ(self->tb + i * PG, p->gpa);
		EXPECT_EQ(0, p->flags);
		ASSERT_EQ(0, open_record(key_a, h, record(&self->c, i), plain));
		EXPECT_EQ(0, memcmp(plain, self->pattern + i * PG, PG));
		/* the ciphertext is not the plaintext */
		EXPECT_NE(0, memcmp(record(&self->c, i) + sizeof(*p), plain, PG));
		for (j = 0; j < i; j++)
			EXPECT_NE(0, memcmp(p->iv, ((const struct cpc_snapshot_page *)
						    record(&self->c, j))->iv, 12));
	}
}

TEST_F(procs, snapshot_tampering_fails)
{
	struct cpc_snapshot_chunk h;
	uint8_t plain[PG], rec[REC], wrong[32];
	struct cpc_snapshot_page *p = (void *)rec;

	ASSERT_EQ(0, testbuf_fill(self->pattern, 0, 2, 2));
	ASSERT_EQ(0, set_key(key_a));
	ASSERT_EQ(0, snapshot(self->fd, self->tb, 2 * PG, 0, 0, 1 << 20, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	ASSERT_EQ(2, chunk(&self->c)->pages);
	memcpy(&h, chunk(&self->c), sizeof(h));
	memcpy(rec, record(&self->c, 0), REC);
	ASSERT_EQ(0, open_record(key_a, &h, rec, plain));

	rec[sizeof(*p) + 100] ^= 1;		/* ciphertext */
	EXPECT_NE(0, open_record(key_a, &h, rec, plain));
	rec[sizeof(*p) + 100] ^= 1;
	p->tag[3] ^= 0x80;			/* tag */
	EXPECT_NE(0, open_record(key_a, &h, rec, plain));
	p->tag[3] ^= 0x80;
	p->gpa += PG;				/* relabel the page */
	EXPECT_NE(0, open_record(key_a, &h, rec, plain));
	p->gpa -= PG;
	p->flags ^= CPC_SNAPSHOT_PAGE_UNREADABLE;
	EXPECT_NE(0, open_record(key_a, &h, rec, plain));
	p->flags ^= CPC_SNAPSHOT_PAGE_UNREADABLE;
	h.generation++;				/* move it to another export */
	EXPECT_NE(0, open_record(key_a, &h, rec, plain));
	h.generation--;
	h.base_gen = 1;
	EXPECT_NE(0, open_record(key_a, &h, rec, plain));
	h.base_gen = 0;
	h.range_size += PG;
	EXPECT_NE(0, open_record(key_a, &h, rec, plain));
	h.range_size -= PG;
	memcpy(wrong, key_a, 32);
	wrong[0] ^= 1;				/* another key */
	EXPECT_NE(0, open_record(wrong, &h, rec, plain));
	EXPECT_EQ(0, open_record(key_a, &h, rec, plain));
	EXPECT_EQ(0, memcmp(plain, self->pattern, PG));
}

/*
 * An incremental snapshot of the test buffer whose Nth allocation fails
 * (failslab through fail-nth: the invoke hook's own, the procedure's work
 * area, AEAD request and hash array, the cipher's), N = 1, 2, ... until one
 * completes without reaching N; each on a base taken just before, without
 * failures. Each must end in ENOMEM (the hook's write or the procedure's
 * status) or absorb the failure. Returns how many ended in ENOMEM, -1
 * where the kernel has no fault injection (Debian's).
 */
static int snapshot_nomem(struct __test_metadata *_metadata, int fd, uint64_t tb,
			  struct call *c)
{
	int nomem = 0, err, armed;
	unsigned int n;
	uint64_t base;
	long left;

	if (!fail_nth_available())
		return -1;
	if (fail_nth_only("failslab"))
		return 0;
	cpc_write_file("/dev/kmsg", "cpc-testbed: fault injection begins");
	for (n = 1; n <= 64; n++) {
		err = snapshot(fd, tb, CPC_TESTBUF_SIZE, 0, 0, 1 << 20, c);
		if (err || c->rsp.status != CPC_ST_OK) {
			EXPECT_EQ(0, err) TH_LOG("N=%u: the base snapshot", n);
			EXPECT_EQ(CPC_ST_OK, c->rsp.status) TH_LOG("N=%u: the base snapshot", n);
			break;
		}
		base = c->rsp.ret[1];
		armed = fail_nth_arm(n);
		if (armed < 0)
			break;
		err = snapshot(fd, tb, CPC_TESTBUF_SIZE, base, 0, 1 << 20, c);
		left = fail_nth_disarm(armed);
		if (left != 0) {	/* nothing failed: the call is over */
			EXPECT_EQ(0, err);
			EXPECT_EQ(CPC_ST_OK, c->rsp.status);
			break;
		}
		EXPECT_TRUE(err == -ENOMEM || (!err && (c->rsp.status == CPC_ST_ENOMEM ||
							c->rsp.status == CPC_ST_OK)))
			TH_LOG("N=%u: %d, status %u", n, err, c->rsp.status);
		nomem += err == -ENOMEM || (!err && c->rsp.status == CPC_ST_ENOMEM);
	}
	cpc_write_file("/dev/kmsg", "cpc-testbed: fault injection ends");
	fail_nth_default();
	EXPECT_GT(64, n) TH_LOG("more than 64 allocations in one snapshot");
	TH_LOG("incremental snapshot: %u allocations failed in turn, %d ended in ENOMEM, the rest absorbed",
	       n - 1, nomem);
	return nomem;
}

TEST_F(procs, snapshot_incremental)
{
	const struct cpc_snapshot_chunk *h;
	uint8_t plain[PG];
	uint64_t g1, g2, g3;
	int nomem;

	ASSERT_EQ(0, testbuf_fill(self->pattern, 0, TB_PAGES, 3));
	ASSERT_EQ(0, set_key(key_a));
	ASSERT_EQ(0, snapshot(self->fd, self->tb, CPC_TESTBUF_SIZE, 0, 0, 1 << 20, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	g1 = self->c.rsp.ret[1];

	/* nothing changed: nothing sent */
	ASSERT_EQ(0, snapshot(self->fd, self->tb, CPC_TESTBUF_SIZE, g1, 0, 1 << 20, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	h = chunk(&self->c);
	g2 = self->c.rsp.ret[1];
	EXPECT_NE(g1, g2);
	EXPECT_EQ(g1, h->base_gen);
	EXPECT_EQ(0, h->pages);
	EXPECT_EQ(TB_PAGES, h->unchanged);
	EXPECT_EQ(HDR + SEAL, self->c.rsp.out_len);
	EXPECT_EQ(CPC_SNAPSHOT_CHUNK_LAST, h->flags);
	EXPECT_EQ(self->tb + CPC_TESTBUF_SIZE, self->c.rsp.ret[0]);

	/* one page changed: only it is sent */
	ASSERT_EQ(0, testbuf_fill(self->pattern, 5, 1, 99));
	ASSERT_EQ(0, snapshot(self->fd, self->tb, CPC_TESTBUF_SIZE, g2, 0, 1 << 20, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	h = chunk(&self->c);
	g3 = self->c.rsp.ret[1];
	ASSERT_EQ(1, h->pages);
	EXPECT_EQ(TB_PAGES - 1, h->unchanged);
	EXPECT_EQ(self->tb + 5 * PG, ((const struct cpc_snapshot_page *)record(&self->c, 0))->gpa);
	ASSERT_EQ(0, open_record(key_a, h, record(&self->c, 0), plain));
	EXPECT_EQ(0, memcmp(plain, self->pattern + 5 * PG, PG));

	/* only the last complete export of the same range is a base */
	ASSERT_EQ(0, snapshot(self->fd, self->tb, CPC_TESTBUF_SIZE, g1, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ENOENT, self->c.rsp.status);
	ASSERT_EQ(0, snapshot(self->fd, self->tb, CPC_TESTBUF_SIZE - PG, g3, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ENOENT, self->c.rsp.status);
	/* a new key voids the old exports */
	ASSERT_EQ(0, set_key(key_a));
	ASSERT_EQ(0, snapshot(self->fd, self->tb, CPC_TESTBUF_SIZE, g3, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ENOENT, self->c.rsp.status);
	/* out of memory at each allocation in turn (debug kernel) */
	nomem = snapshot_nomem(_metadata, self->fd, self->tb, &self->c);
	if (nomem < 0)
		TH_LOG("no failslab/fail-nth in this kernel: ENOMEM is checked on the debug kernel");
	else
		EXPECT_LT(0, nomem);
}

TEST_F(procs, snapshot_in_chunks)
{
	uint64_t start = self->tb, end = self->tb + CPC_TESTBUF_SIZE, gen = 0;
	unsigned int calls = 0, pages = 0, i;
	uint8_t plain[PG];

	ASSERT_EQ(0, testbuf_fill(self->pattern, 0, TB_PAGES, 4));
	ASSERT_EQ(0, set_key(key_a));
	/* continuing what was never started */
	ASSERT_EQ(0, snapshot(self->fd, start, end - start, 0,
			      CPC_SNAPSHOT_F_CONTINUE, HDR + 3 * REC, &self->c));
	EXPECT_EQ(CPC_ST_ENOENT, self->c.rsp.status);
	while (start < end) {
		const struct cpc_snapshot_chunk *h;

		ASSERT_EQ(0, snapshot(self->fd, start, end - start, 0,
				      calls ? CPC_SNAPSHOT_F_CONTINUE : 0,
				      HDR + 3 * REC + 100, &self->c));
		ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
		h = chunk(&self->c);
		if (calls)
			EXPECT_EQ(gen, h->generation);
		gen = h->generation;
		EXPECT_EQ(self->tb, h->range_start);
		EXPECT_EQ(CPC_TESTBUF_SIZE, h->range_size);
		EXPECT_EQ(start, h->chunk_start);
		EXPECT_EQ(h->chunk_end, self->c.rsp.ret[0]);
		EXPECT_GE(3, h->pages);
		EXPECT_EQ(h->chunk_end == end ? CPC_SNAPSHOT_CHUNK_LAST : 0, h->flags);
		for (i = 0; i < h->pages; i++) {
			const struct cpc_snapshot_page *p = (const void *)record(&self->c, i);

			EXPECT_EQ(start + i * PG, p->gpa);
			ASSERT_EQ(0, open_record(key_a, h, record(&self->c, i), plain));
			EXPECT_EQ(0, memcmp(plain, self->pattern + (p->gpa - self->tb), PG));
		}
		pages += h->pages;
		ASSERT_LT(start, self->c.rsp.ret[0]);
		start = self->c.rsp.ret[0];
		if (++calls == 2) {
			/* a continuation at the wrong place */
			ASSERT_EQ(0, snapshot(self->fd, start + PG, end - start - PG, 0,
					      CPC_SNAPSHOT_F_CONTINUE, HDR + REC + SEAL, &self->c));
			EXPECT_EQ(CPC_ST_ENOENT, self->c.rsp.status);
		}
	}
	EXPECT_EQ(TB_PAGES, pages);
	EXPECT_EQ((TB_PAGES + 2) / 3, calls);
	/* the export is complete: nothing left to continue */
	ASSERT_EQ(0, snapshot(self->fd, end - PG, PG, 0, CPC_SNAPSHOT_F_CONTINUE,
			      HDR + REC + SEAL, &self->c));
	EXPECT_EQ(CPC_ST_ENOENT, self->c.rsp.status);
}

TEST_F(procs, snapshot_kernel_ram)
{
	/* 256 KiB of the kernel image: System RAM, always there */
	const uint64_t start = ktext(), size = 256 << 10;
	const struct cpc_snapshot_chunk *h;
	uint8_t plain[PG];
	unsigned int i, nonzero = 0;

	ASSERT_EQ(0, set_key(key_a));
	ASSERT_EQ(0, snapshot(self->fd, start, size, 0, 0, 2 << 20, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	h = chunk(&self->c);
	ASSERT_EQ(size / PG, h->pages);
	for (i = 0; i < h->pages; i++) {
		ASSERT_EQ(0, open_record(key_a, h, record(&self->c, i), plain));
		nonzero += plain[0] || memcmp(plain, plain + 1, PG - 1);
	}
	EXPECT_LT(0, nonzero);
}

TEST_F(procs, snapshot_incremental_sends_only_changes)
{
	/* 1 MiB of kernel text: it does not change between two exports */
	const uint64_t start = ktext(), size = 1 * MiB;
	const struct cpc_snapshot_chunk *h;
	double t0, t1, t2;
	uint64_t gen;

	ASSERT_EQ(0, set_key(key_a));
	t0 = cpc_now();
	ASSERT_EQ(0, snapshot(self->fd, start, size, 0, 0, 2 << 20, &self->c));
	t1 = cpc_now();
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	ASSERT_EQ(size / PG, chunk(&self->c)->pages);
	gen = self->c.rsp.ret[1];
	ASSERT_EQ(0, snapshot(self->fd, start, size, gen, 0, 2 << 20, &self->c));
	t2 = cpc_now();
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	h = chunk(&self->c);
	TH_LOG("1 MiB: full export %.1f ms (%u pages), incremental %.1f ms (%u sent, %u unchanged) (TCG)",
	       (t1 - t0) * 1e3, (unsigned int)(size / PG), (t2 - t1) * 1e3, h->pages, h->unchanged);
	EXPECT_EQ(size / PG, h->pages + h->unchanged);
	EXPECT_GE(4, h->pages);
}

TEST_F(procs, snapshot_call_examines_at_most_max_pages)
{
	/* 24 MiB from the kernel image: more pages than one call may examine */
	const uint64_t start = ktext(), size = 24 * MiB, end = start + size;
	const struct cpc_snapshot_chunk *h;
	uint64_t pos = start, gen = 0;
	unsigned int calls = 0;

	ASSERT_EQ(0, set_key(key_a));
	while (pos < end) {
		ASSERT_EQ(0, snapshot_dl(self->fd, pos, end - pos, 0,
					 calls ? CPC_SNAPSHOT_F_CONTINUE : 0,
					 CPC_INVOKE_MAX_OUT, 60000, &self->c));
		ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
		h = chunk(&self->c);
		EXPECT_GE(CPC_SNAPSHOT_MAX_PAGES_CALL, h->pages);
		ASSERT_LT(pos, self->c.rsp.ret[0]);
		pos = self->c.rsp.ret[0];
		gen = self->c.rsp.ret[1];
		ASSERT_GT(10, ++calls);
	}
	/* incremental: unchanged pages need no room, the page bound stops it */
	ASSERT_EQ(0, snapshot_dl(self->fd, start, size, gen, 0, CPC_INVOKE_MAX_OUT,
				 60000, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	h = chunk(&self->c);
	TH_LOG("full export in %u calls; incremental call: %u sent, %u unchanged",
	       calls, h->pages, h->unchanged);
	EXPECT_EQ(CPC_SNAPSHOT_MAX_PAGES_CALL, (h->chunk_end - h->chunk_start) / PG);
	EXPECT_EQ(CPC_SNAPSHOT_MAX_PAGES_CALL, h->pages + h->unchanged);
	EXPECT_EQ(0, h->flags);
	EXPECT_EQ(h->chunk_end, self->c.rsp.ret[0]);
}

TEST_F(procs, snapshot_bounds)
{
	struct cpc_snapshot_args a = { .start = self->tb, .size = PG };
	uint64_t base = self->tb;

	ASSERT_EQ(0, set_key(key_a));
	ASSERT_EQ(0, snapshot(self->fd, base + 8, PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
	ASSERT_EQ(0, snapshot(self->fd, base, PG + 8, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
	ASSERT_EQ(0, snapshot(self->fd, base, 0, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
	ASSERT_EQ(0, snapshot(self->fd, 0, CPC_SNAPSHOT_MAX_RANGE + PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
	ASSERT_EQ(0, snapshot(self->fd, base, PG, 0, 0x2, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
	a.reserved = 1;
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_SNAPSHOT, 0, &a, sizeof(a), 1 << 20, 0, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
	a.reserved = 0;
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_SNAPSHOT, 0, &a, sizeof(a) - 8, 1 << 20, 0, &self->c));
	EXPECT_EQ(CPC_ST_EINVAL, self->c.rsp.status);
	/* not RAM: the local APIC page, far above RAM, wrapping around */
	ASSERT_EQ(0, snapshot(self->fd, 0xfee00000ull, PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ERANGE, self->c.rsp.status);
	ASSERT_EQ(0, snapshot(self->fd, 1ull << 40, PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ERANGE, self->c.rsp.status);
	ASSERT_EQ(0, snapshot(self->fd, ~0ull & ~(uint64_t)(PG - 1), 2 * PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ERANGE, self->c.rsp.status);
	/* RAM and a hole together: from the last RAM page below 4 GiB up */
	ASSERT_EQ(0, snapshot(self->fd, 512 * MiB - PG, 2 * PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ERANGE, self->c.rsp.status);
	/* room for the header and seal but not one record */
	ASSERT_EQ(0, snapshot(self->fd, base, PG, 0, 0, HDR + REC + SEAL - 1, &self->c));
	EXPECT_EQ(CPC_ST_ENOSPC, self->c.rsp.status);
	/* a base that never was */
	ASSERT_EQ(0, snapshot(self->fd, base, PG, 12345678, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ENOENT, self->c.rsp.status);
	/* within bounds it works */
	ASSERT_EQ(0, snapshot(self->fd, base, PG, 0, 0, HDR + REC + SEAL, &self->c));
	EXPECT_EQ(CPC_ST_OK, self->c.rsp.status);
}

TEST_F(procs, snapshot_deadline_bounds_a_call)
{
	struct cpc_snapshot_args a = { .start = ktext(), .size = 64 * MiB };

	ASSERT_EQ(0, set_key(key_a));
	/* out of time before the first page: ETIMEDOUT, nothing exported */
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_SNAPSHOT, 0, &a, sizeof(a),
			    1 << 20, EXPIRED, &self->c));
	EXPECT_EQ(CPC_ST_ETIMEDOUT, self->c.rsp.status);
	EXPECT_EQ(0, self->c.rsp.out_len);
	/* a failed call leaves no export behind to continue */
	a.flags = CPC_SNAPSHOT_F_CONTINUE;
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_SNAPSHOT, 0, &a, sizeof(a),
			    1 << 20, 0, &self->c));
	EXPECT_EQ(CPC_ST_ENOENT, self->c.rsp.status);
	a.flags = 0;
	/* a short deadline: the call stops early and says how far it got */
	ASSERT_EQ(0, invoke(self->fd, CPC_PROC_SNAPSHOT, 0, &a, sizeof(a),
			    CPC_INVOKE_MAX_OUT, 1, &self->c));
	TH_LOG("status %u, got to 0x%llx of 0x%llx", self->c.rsp.status,
	       (unsigned long long)self->c.rsp.ret[0], (unsigned long long)(a.start + a.size));
	if (self->c.rsp.status == CPC_ST_OK) {
		/* stopped early, and says how far it got */
		EXPECT_GT(a.start + a.size, self->c.rsp.ret[0]);
		EXPECT_EQ(chunk(&self->c)->chunk_end, self->c.rsp.ret[0]);
		EXPECT_EQ(0, chunk(&self->c)->flags);
	} else {
		EXPECT_EQ(CPC_ST_ETIMEDOUT, self->c.rsp.status);
	}
}

/* Guest-physical address of the page at @va (root may read pagemap PFNs). */
static uint64_t phys_of(const void *va)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, 8, ((uintptr_t)va / PG) * 8) != 8)
		entry = 0;
	close(fd);
	if (!(entry >> 63))
		return 0;
	return (entry & ((1ull << 55) - 1)) * PG;
}

TEST_F(procs, snapshot_user_and_secret_pages)
{
	const struct cpc_snapshot_page *p;
	uint8_t plain[PG], zero[PG] = { 0 };
	uint8_t *user, *secret;
	uint64_t pa;
	int mfd;

	ASSERT_EQ(0, set_key(key_a));
	/* an ordinary user page: exported as it is */
	user = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, user);
	ASSERT_EQ(0, mlock(user, PG));
	memset(user, 0xa5, PG);
	pa = phys_of(user);
	ASSERT_NE(0, pa);
	ASSERT_EQ(0, snapshot(self->fd, pa, PG, 0, 0, 1 << 20, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	ASSERT_EQ(1, chunk(&self->c)->pages);
	p = (const void *)record(&self->c, 0);
	EXPECT_EQ(0, p->flags);
	ASSERT_EQ(0, open_record(key_a, chunk(&self->c), record(&self->c, 0), plain));
	EXPECT_EQ(0, memcmp(plain, user, PG));
	munmap(user, PG);

	/* a memfd_secret page has no direct mapping: zeroes, flagged, no fault */
	mfd = syscall(SYS_memfd_secret, 0);
	if (mfd < 0 && errno == ENOSYS)
		SKIP(return, "memfd_secret is off (boot with secretmem.enable=1)");
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, PG));
	secret = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, secret);
	memset(secret, 0x3c, PG);
	pa = phys_of(secret);
	ASSERT_NE(0, pa);
	ASSERT_EQ(0, snapshot(self->fd, pa, PG, 0, 0, 1 << 20, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	ASSERT_EQ(1, chunk(&self->c)->pages);
	p = (const void *)record(&self->c, 0);
	EXPECT_EQ(CPC_SNAPSHOT_PAGE_UNREADABLE, p->flags);
	ASSERT_EQ(0, open_record(key_a, chunk(&self->c), record(&self->c, 0), plain));
	EXPECT_EQ(0, memcmp(plain, zero, PG));
	munmap(secret, PG);
	close(mfd);
}

/* Child of the concurrency test: runs @what for @secs; exit 0 if every
 * status was one that @what may legitimately see.
 */
static int hammer(int what, double secs)
{
	uint64_t tb = testbuf_phys(), gen = 0, pos;
	double end = cpc_now() + secs;
	struct call c = { };
	int fd = open(INVOKE, O_RDWR), n = 0;

	if (fd < 0)
		return 10;
	while (cpc_now() < end) {
		switch (what) {
		case 0:	/* chunked exports, full and incremental */
			pos = tb;
			while (pos < tb + CPC_TESTBUF_SIZE) {
				if (snapshot(fd, pos, tb + CPC_TESTBUF_SIZE - pos, gen,
					     pos == tb ? 0 : CPC_SNAPSHOT_F_CONTINUE,
					     HDR + 4 * REC + SEAL, &c))
					return 11;
				if (c.rsp.status != CPC_ST_OK) {
					if (c.rsp.status != CPC_ST_ENOKEY &&
					    c.rsp.status != CPC_ST_ENOENT)
						return 12;
					gen = 0;
					break;
				}
				pos = c.rsp.ret[0];
				if (pos == tb + CPC_TESTBUF_SIZE)
					gen = c.rsp.ret[1];
			}
			break;
		case 1:	/* the owner changes the key */
			if ((n++ & 1 ? cpc_write_file(KEYFILE, "clear") : set_key(key_a)))
				return 13;
			usleep(2000);
			break;
		case 2:	/* reclaim and return */
			if (invoke(fd, n++ & 1 ? CPC_PROC_RETURN : CPC_PROC_RECLAIM, 2,
				   NULL, 0, 1 << 16, 0, &c))
				return 14;
			if (c.rsp.status != CPC_ST_OK)
				return 15;
			break;
		}
	}
	if (what == 2) {
		invoke(fd, CPC_PROC_RETURN, 0, NULL, 0, 1 << 20, 0, &c);
		if (c.rsp.status != CPC_ST_OK)
			return 16;
	}
	close(fd);
	free(c.out);
	return 0;
}

TEST_F(procs, concurrent_calls_and_key_changes)
{
	pid_t pid[3];
	int i, st;

	ASSERT_EQ(0, set_key(key_a));
	for (i = 0; i < 3; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			_exit(hammer(i, 3.0));
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &st, 0));
		EXPECT_TRUE(WIFEXITED(st));
		EXPECT_EQ(0, WEXITSTATUS(st));
	}
	EXPECT_EQ(0, reclaimed());
	/* the module still works */
	ASSERT_EQ(0, set_key(key_a));
	ASSERT_EQ(0, snapshot(self->fd, self->tb, PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_OK, self->c.rsp.status);
}

/* ---- cpcctl, as the guest owner uses it ---- */

TEST_F(procs, cpcctl_key_and_decrypt)
{
	uint64_t start = self->tb, end = self->tb + CPC_TESTBUF_SIZE;
	uint8_t image[CPC_TESTBUF_SIZE];
	unsigned int calls = 0;
	uint64_t gen;
	FILE *f;
	int fd;

	ASSERT_EQ(0, testbuf_fill(self->pattern, 0, TB_PAGES, 5));
	f_key_a("/tmp/procs.key");
	EXPECT_NE(0, run("cpcctl guest key set /tmp/does-not-exist"));
	ASSERT_EQ(0, run("cpcctl guest key set /tmp/procs.key"));

	f = fopen("/tmp/procs.chunks", "w");
	ASSERT_NE(NULL, f);
	while (start < end) {
		ASSERT_EQ(0, snapshot(self->fd, start, end - start, 0,
				      calls++ ? CPC_SNAPSHOT_F_CONTINUE : 0,
				      HDR + 5 * REC + SEAL, &self->c));
		ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
		ASSERT_EQ(self->c.rsp.out_len, fwrite(self->c.out, 1, self->c.rsp.out_len, f));
		start = self->c.rsp.ret[0];
	}
	fclose(f);
	gen = self->c.rsp.ret[1];
	ASSERT_EQ(0, run("cp /tmp/procs.chunks /tmp/procs.chunks.ok"));
	ASSERT_EQ(0, run("cpcctl snapshot decrypt --key /tmp/procs.key --in /tmp/procs.chunks --out /tmp/procs.img"));
	fd = open("/tmp/procs.img", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(image), read(fd, image, sizeof(image)));
	close(fd);
	EXPECT_EQ(0, memcmp(image, self->pattern, sizeof(image)));

	/* a tampered chunk file is refused */
	fd = open("/tmp/procs.chunks", O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pwrite(fd, "X", 1, HDR + sizeof(struct cpc_snapshot_page) + 10));
	close(fd);
	EXPECT_EQ(1, run("cpcctl snapshot decrypt --key /tmp/procs.key --in /tmp/procs.chunks --out /tmp/procs.bad"));

	/* an incremental export on top of that image */
	ASSERT_EQ(0, run("cpcctl snapshot decrypt --key /tmp/procs.key --in /tmp/procs.chunks.ok --out /tmp/procs.img --force"));
	ASSERT_EQ(0, testbuf_fill(self->pattern, 3, 1, 77));
	ASSERT_EQ(0, snapshot(self->fd, self->tb, CPC_TESTBUF_SIZE, gen, 0, 1 << 20, &self->c));
	ASSERT_EQ(CPC_ST_OK, self->c.rsp.status);
	ASSERT_EQ(1, chunk(&self->c)->pages);
	f = fopen("/tmp/procs.inc", "w");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(self->c.rsp.out_len, fwrite(self->c.out, 1, self->c.rsp.out_len, f));
	fclose(f);
	/* without its base it is refused */
	EXPECT_EQ(1, run("cpcctl snapshot decrypt --key /tmp/procs.key --in /tmp/procs.inc --out /tmp/procs.img2"));
	ASSERT_EQ(0, run("cpcctl snapshot decrypt --key /tmp/procs.key --base /tmp/procs.img --in /tmp/procs.inc --out /tmp/procs.img2"));
	fd = open("/tmp/procs.img2", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(image), read(fd, image, sizeof(image)));
	close(fd);
	EXPECT_EQ(0, memcmp(image, self->pattern, sizeof(image)));

	ASSERT_EQ(0, run("cpcctl guest key clear"));
	ASSERT_EQ(0, snapshot(self->fd, self->tb, PG, 0, 0, 1 << 20, &self->c));
	EXPECT_EQ(CPC_ST_ENOKEY, self->c.rsp.status);
}

/* ---- a snapshot export cannot be replayed across key provisionings ---- */

#define EXPORT_ID	"/sys/kernel/cpc_guest/snapshot_export_id"

/* The same guest RAM across module loads (the test buffer moves). */
#define REPLAY_START	ktext()
#define REPLAY_SIZE	(16 * PG)

/*
 * Reloads cpc_guest, provisions key_a and exports [REPLAY_START,
 * +REPLAY_SIZE), 5 pages a call, to @path; returns the chunk count (their
 * offsets in @off) or -1.
 */
static int export_after_reload(const char *path, uint64_t *gen, size_t off[16])
{
	struct call c = { };
	uint64_t start, end;
	int fd, n = 0;
	size_t at = 0;
	FILE *f;

	if (cpc_module_unload("cpc_guest") || cpc_module_load("cpc_guest", cpc_boot_modargs()) ||
	    set_key(key_a))
		return -1;
	fd = open(INVOKE, O_RDWR);
	f = fopen(path, "w");
	if (fd < 0 || !f)
		return -1;
	for (start = REPLAY_START, end = start + REPLAY_SIZE; start < end && n < 16; n++) {
		if (snapshot(fd, start, end - start, 0, n ? CPC_SNAPSHOT_F_CONTINUE : 0,
			     HDR + 5 * REC + SEAL, &c) || c.rsp.status != CPC_ST_OK ||
		    fwrite(c.out, 1, c.rsp.out_len, f) != c.rsp.out_len)
			return -1;
		off[n] = at;
		at += c.rsp.out_len;
		start = c.rsp.ret[0];
		*gen = c.rsp.ret[1];
	}
	fclose(f);
	close(fd);
	free(c.out);
	return n;
}

/*
 * The guest reloads (or reboots) and its owner provisions the same key
 * again: the export generation starts over, but every export is bound to
 * the provisioning's random export id - a chunk of the old export spliced
 * into the new one is refused, and so is the whole old export when the
 * owner asks for the current id.
 */
TEST(snapshot_replay_across_provisionings_rejected)
{
	uint64_t gen_old = 0, gen_new = 0;
	size_t off_old[16], off_new[16];
	char id[64], cmd[512];
	int n_old, n_new;

	n_old = export_after_reload("/tmp/replay.old", &gen_old, off_old);
	ASSERT_LT(2, n_old);
	n_new = export_after_reload("/tmp/replay.new", &gen_new, off_new);
	ASSERT_EQ(n_old, n_new);
	EXPECT_EQ(gen_old, gen_new) TH_LOG("the generation counts from the start again");
	ASSERT_LT(0, cpc_read_file(EXPORT_ID, id, sizeof(id)));
	id[strcspn(id, "\n")] = '\0';

	f_key_a("/tmp/replay.key");
	/* The new export's first chunk, then the old export's others. */
	snprintf(cmd, sizeof(cmd),
		 "head -c %zu /tmp/replay.new > /tmp/replay.mix && tail -c +%zu /tmp/replay.old >> /tmp/replay.mix",
		 off_new[1], off_old[1] + 1);
	ASSERT_EQ(0, run(cmd));
	EXPECT_EQ(1, run("cpcctl snapshot decrypt --key /tmp/replay.key --in /tmp/replay.mix --out /tmp/replay.img 2>/tmp/replay.err"));
	EXPECT_EQ(0, run("grep -q 'belongs to another export' /tmp/replay.err"));
	EXPECT_NE(0, access("/tmp/replay.img", F_OK));
	/* Whole exports: the current one passes the owner's id check, the old one not. */
	snprintf(cmd, sizeof(cmd),
		 "cpcctl snapshot decrypt --key /tmp/replay.key --in /tmp/replay.new --out /tmp/replay.img --export-id %s",
		 id);
	EXPECT_EQ(0, run(cmd));
	snprintf(cmd, sizeof(cmd),
		 "cpcctl snapshot decrypt --key /tmp/replay.key --in /tmp/replay.old --out /tmp/replay.img2 --export-id %s 2>/tmp/replay.err",
		 id);
	EXPECT_EQ(1, run(cmd));
	EXPECT_EQ(0, run("grep -q 'replayed' /tmp/replay.err"));
	cpc_write_file(KEYFILE, "clear");
}

/* ---- unload gives everything back (and the key goes) ---- */

TEST(unload_returns_reclaimed_memory)
{
	struct call c = { };
	long long before, during, after;
	int fd = open(INVOKE, O_RDWR);

	ASSERT_LE(0, fd);
	before = meminfo("MemAvailable:");
	ASSERT_EQ(0, set_key(key_a));
	ASSERT_EQ(0, invoke(fd, CPC_PROC_RECLAIM, 48, NULL, 0, 1 << 20, 0, &c));
	ASSERT_EQ(CPC_ST_OK, c.rsp.status);
	close(fd);
	during = meminfo("MemAvailable:");
	EXPECT_LE(40 * MiB, before - during);
	ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	after = meminfo("MemAvailable:");
	EXPECT_LE(40 * MiB, after - during);
	ASSERT_EQ(0, cpc_module_load("cpc_guest", cpc_boot_modargs()));
	EXPECT_EQ(0, reclaimed());
	/* the key did not survive */
	fd = open(INVOKE, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, snapshot(fd, ktext(), PG, 0, 0, 1 << 20, &c));
	EXPECT_EQ(CPC_ST_ENOKEY, c.rsp.status);
	close(fd);
	free(c.out);
}

TEST_HARNESS_MAIN
