// SPDX-License-Identifier: GPL-2.0
/*
 * procmods - procedure modules through cpc_guest's registration API, in
 * the host VM alone over the loopback channel: cpc_host (loopback_mib=4)
 * and cpc_guest (loopback=1, maint_cpu=3) in one kernel, with the test
 * bed's ext4 disk (testbed/run --disk) on /mnt/disk.
 *
 * Covers: the procs table (only what the policy allows, ids, versions),
 * info's procedure list, cpcctl calling a dynamic id by name, ENOSYS for a
 * procedure that is not installed (log unloaded), unloading a module while
 * its call runs, the registration API's errors, bounds and deadline of a
 * module's procedure, fsfreeze/fsthaw/fsfreeze-status (data on the disk
 * after the freeze, writers blocked until the thaw, auto-thaw, every
 * errno, procedures refused while frozen, unload thaws), fsinfo,
 * time-get/time-set, vcpus/vcpu-set and shutdown's refusals (a real
 * shutdown would end this VM).
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "chan_common.h"
#include "lb_test.h"

#define PM_GUEST_ARGS	"loopback=1 maint_cpu=3 allow=info,log,fsfreeze,fsthaw,fsfreeze-status,fsinfo,testsleep," \
			"time-get,time-set,vcpus,vcpu-set,shutdown,memory-blocks,memory-block-set"
#define DISK		"/mnt/disk"
#define DISKDEV		"/dev/vda"
#define SLEEP		"cpc_proc_testsleep"

static char out[65536];

/* A call with an argument buffer; 0 or -errno. */
static int pm_call(int fd, uint32_t proc, uint64_t a0, const char *arg,
		   uint32_t cap, uint32_t timeout_ms, struct cpc_call *r)
{
	struct cpc_call c = {
		.size = sizeof(c), .proc = proc, .timeout_ms = timeout_ms,
		.args = { a0 }, .out_ptr = (uintptr_t)out, .out_cap = cap,
	};
	int ret = 0;

	if (arg) {
		c.arg_ptr = (uintptr_t)arg;
		c.arg_len = strlen(arg);
	}
	memset(out, 0, sizeof(out));
	if (ioctl(fd, CPC_IOCTL_CALL, &c) < 0)
		ret = -errno;
	if (r)
		*r = c;
	return ret;
}

/* The id procs/<name>/id shows, or -1 when it is not installed. */
static int proc_id(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "procs/%s/id", name);
	return local_guest_num(path);
}

static long long proc_num(const char *name, const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), "procs/%s/%s", name, file);
	return local_guest_num(path);
}

static void set_allowed(const char *name, int v)
{
	char path[128];

	snprintf(path, sizeof(path), GUEST_SYSFS "/procs/%s/allowed", name);
	cpc_write_file(path, v ? "1" : "0");
}

/* Is @needle anywhere on the raw disk (read with O_DIRECT, not the cache)? */
static int disk_has(const char *needle)
{
	size_t chunk = 1 << 20, nl = strlen(needle);
	int fd = open(DISKDEV, O_RDONLY | O_DIRECT);
	char *buf;
	ssize_t n;
	int found = 0;

	if (fd < 0)
		return -errno;
	buf = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	while (!found && (n = read(fd, buf, chunk)) > 0)
		found = memmem(buf, n, needle, nl) != NULL;
	munmap(buf, chunk);
	close(fd);
	return found;
}

/* Writes @text to DISK/@name, without syncing. */
static int disk_write(const char *name, const char *text)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), DISK "/%s", name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -EIO;
	close(fd);
	return ret;
}

/* Writes @mib MiB to DISK/@name, without syncing. */
static int disk_fill(const char *name, int mib)
{
	static char block[1 << 16];
	char path[128];
	int fd, i, ret = 0;

	memset(block, 'q', sizeof(block));
	snprintf(path, sizeof(path), DISK "/%s", name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	for (i = 0; i < mib * 16 && !ret; i++)
		if (write(fd, block, sizeof(block)) != sizeof(block))
			ret = -EIO;
	close(fd);
	return ret;
}

/* Dirty: of /proc/meminfo, in KiB. */
static long long dirty_kb(void)
{
	char buf[8192], *p;

	if (cpc_read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nDirty:");
	return p ? atoll(p + 7) : -1;
}

FIXTURE(pm) {
	int ch;
	int freeze, thaw, status, fsinfo, sleep;
};

FIXTURE_SETUP(pm)
{
	int r = cpc_module_load("cpc_host", HOST_ARGS);

	ASSERT_TRUE(r == 0 || r == -EEXIST);
	if (!cpc_path_exists(GUEST_SYSFS "/version"))
		ASSERT_EQ(0, cpc_module_load("cpc_guest", PM_GUEST_ARGS));
	ASSERT_EQ(0, chan_wait_state(LB, "ready", 10));
	self->ch = chan_open(LB);
	ASSERT_LE(0, self->ch);
	self->freeze = proc_id("fsfreeze");
	self->thaw = proc_id("fsthaw");
	self->status = proc_id("fsfreeze-status");
	self->fsinfo = proc_id("fsinfo");
	self->sleep = proc_id("testsleep");
	ASSERT_LE(CPC_PROC_DYN_FIRST, self->freeze);
	ASSERT_LE(CPC_PROC_DYN_FIRST, self->sleep);
}

FIXTURE_TEARDOWN(pm)
{
	/* Never leave the disk frozen for the next test. */
	pm_call(self->ch, self->thaw, 0, NULL, 0, 5000, NULL);
	close(self->ch);
}

TEST_F(pm, procs_table_lists_what_the_host_may_call)
{
	struct cpc_call r;
	char want[128];

	ASSERT_EQ(0, pm_call(self->ch, CPC_PROC_PROCS, 0, NULL, sizeof(out), 5000, &r));
	snprintf(want, sizeof(want), "{\"name\":\"fsfreeze\",\"id\":%d,\"version\":1}", self->freeze);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "{\"name\":\"testsleep\",\"id\":%d,\"version\":3}", self->sleep);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "{\"name\":\"log\",\"id\":3,\"version\":1}"));
	EXPECT_NE(NULL, strstr(out, "{\"name\":\"procs\",\"id\":7,"));
	/* Denied: not listed. */
	EXPECT_EQ(NULL, strstr(out, "\"ps\""));
	EXPECT_EQ(NULL, strstr(out, "\"snapshot\""));
	EXPECT_EQ(3, proc_num("testsleep", "version"));
	set_allowed("testsleep", 0);
	ASSERT_EQ(0, pm_call(self->ch, CPC_PROC_PROCS, 0, NULL, sizeof(out), 5000, &r));
	EXPECT_EQ(NULL, strstr(out, "testsleep"));
	set_allowed("testsleep", 1);
	/* info lists every installed one, denied ones too. */
	ASSERT_EQ(0, pm_call(self->ch, CPC_PROC_INFO, 0, NULL, sizeof(out), 5000, &r));
	snprintf(want, sizeof(want), "\"fsfreeze\":{\"id\":%d,\"version\":1,\"allowed\":true,",
		 self->freeze);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"ps\":{\"id\":2,\"version\":1,\"allowed\":false,"));
}

TEST_F(pm, cpcctl_calls_a_module_procedure_by_name)
{
	char buf[4096];
	long long calls = proc_num("testsleep", "calls");

	EXPECT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl call loopback testsleep arg0=7"));
	EXPECT_STREQ("ret 7 0\n", buf);
	EXPECT_EQ(calls + 1, proc_num("testsleep", "calls"));
	EXPECT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl call loopback fsfreeze-status --json"));
	EXPECT_NE(NULL, strstr(buf, "\"status\": \"thawed\"")) TH_LOG("%s", buf);
	EXPECT_EQ(1, cpc_run(buf, sizeof(buf), "cpcctl call loopback nosuch"));
	EXPECT_NE(NULL, strstr(buf, "cpcctl: unknown procedure 'nosuch'")) TH_LOG("%s", buf);
	EXPECT_EQ(2, cpc_run(buf, sizeof(buf), "cpcctl call loopback testsleep value=1"));
	EXPECT_NE(NULL, strstr(buf, "not a key of procedure testsleep")) TH_LOG("%s", buf);
	/* Denied: the table does not name it; by id the guest says EPERM. */
	set_allowed("testsleep", 0);
	EXPECT_EQ(1, cpc_run(buf, sizeof(buf), "cpcctl call loopback testsleep"));
	EXPECT_NE(NULL, strstr(buf, "unknown procedure 'testsleep'")) TH_LOG("%s", buf);
	EXPECT_EQ(-EPERM, pm_call(self->ch, self->sleep, 1, NULL, 0, 5000, NULL));
	EXPECT_EQ(1, proc_num("testsleep", "rejected"));
	set_allowed("testsleep", 1);
	/* cpcctl guest status shows every installed procedure. */
	EXPECT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl guest status"));
	EXPECT_NE(NULL, strstr(buf, "fsfreeze-status")) TH_LOG("%s", buf);
	EXPECT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl guest deny fsinfo"));
	EXPECT_EQ(0, proc_num("fsinfo", "allowed"));
	EXPECT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl guest allow fsinfo"));
	EXPECT_EQ(1, proc_num("fsinfo", "allowed"));
	EXPECT_EQ(1, cpc_run(buf, sizeof(buf), "cpcctl guest allow nosuch"));
	EXPECT_EQ(2, cpc_run(buf, sizeof(buf), "cpcctl guest allow ../version"));
}

TEST_F(pm, not_installed_is_enosys)
{
	struct cpc_call r;

	ASSERT_EQ(0, pm_call(self->ch, CPC_PROC_LOG, 256, NULL, 4096, 5000, &r));
	EXPECT_LT(0, r.ret[0]);
	ASSERT_EQ(0, cpc_module_unload("cpc_proc_log"));
	EXPECT_FALSE(cpc_path_exists(GUEST_SYSFS "/procs/log"));
	EXPECT_EQ(-ENOSYS, pm_call(self->ch, CPC_PROC_LOG, 256, NULL, 4096, 5000, &r));
	EXPECT_EQ(-ENOSYS, r.status);
	EXPECT_EQ(-ENOSYS, pm_call(self->ch, CPC_PROC_ID_MAX, 0, NULL, 0, 5000, NULL));
	/* Above the id range: the protocol's error, not the call's. */
	EXPECT_EQ(-EINVAL, pm_call(self->ch, CPC_PROC_ID_MAX + 1, 0, NULL, 0, 5000, NULL));
	ASSERT_EQ(0, cpc_module_load("cpc_proc_log", NULL));
	EXPECT_EQ(1, proc_num("log", "allowed")) TH_LOG("allow= applies to a module loaded later");
	EXPECT_EQ(0, proc_num("log", "calls")) TH_LOG("a new installation counts afresh");
	ASSERT_EQ(0, pm_call(self->ch, CPC_PROC_LOG, 256, NULL, 4096, 5000, &r));
}

TEST_F(pm, unload_while_a_call_runs)
{
	struct cpc_call r;
	int status, ret, id2, i;
	long long calls = proc_num("testsleep", "calls");
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		ret = pm_call(self->ch, self->sleep, 1500, NULL, 0, 5000, &r);
		_exit(ret == 0 && r.ret[0] == 1500 ? 0 : 1);
	}
	/* Until the guest runs the call (counted when it starts), at most 3 s. */
	for (i = 0; i < 300 && proc_num("testsleep", "calls") == calls; i++)
		usleep(10 * 1000);
	usleep(100 * 1000);
	/* The call holds the module: the unload is refused, nothing breaks. */
	ret = cpc_module_unload(SLEEP);
	EXPECT_TRUE(ret == -EAGAIN || ret == -EBUSY) TH_LOG("unload mid-call: %d", ret);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(0, cpc_module_unload(SLEEP));
	EXPECT_EQ(-ENOSYS, pm_call(self->ch, self->sleep, 1, NULL, 0, 5000, NULL));
	ASSERT_EQ(0, cpc_module_load(SLEEP, NULL));
	id2 = proc_id("testsleep");
	EXPECT_NE(self->sleep, id2) TH_LOG("dynamic ids are handed out cyclically");
	EXPECT_LE(CPC_PROC_DYN_FIRST, id2);
	EXPECT_LE(id2, CPC_PROC_ID_MAX);
	EXPECT_EQ(0, pm_call(self->ch, id2, 2, NULL, 0, 5000, &r));
	EXPECT_EQ(2, r.ret[0]);
}

TEST_F(pm, registration_errors)
{
	ASSERT_EQ(0, cpc_module_unload(SLEEP));
	EXPECT_EQ(-EEXIST, cpc_module_load(SLEEP, "name=ps"));
	EXPECT_EQ(-EEXIST, cpc_module_load(SLEEP, "name=fsinfo"));
	EXPECT_EQ(-EINVAL, cpc_module_load(SLEEP, "name=Bad"));
	EXPECT_EQ(-EINVAL, cpc_module_load(SLEEP, "name=a/b"));
	EXPECT_EQ(-EINVAL, cpc_module_load(SLEEP, "name=abcdefghijklmnopqrstuvwxyz0123456"));
	EXPECT_EQ(-EPROTONOSUPPORT, cpc_module_load(SLEEP, "api=2"));
	/* A fixed opcode: not another name's, not in the dynamic range. */
	EXPECT_EQ(-EINVAL, cpc_module_load(SLEEP, "opcode=3"));
	EXPECT_EQ(-EINVAL, cpc_module_load(SLEEP, "opcode=200"));
	EXPECT_EQ(-EINVAL, cpc_module_load(SLEEP, "arg_min=17"));
	EXPECT_FALSE(cpc_path_exists(GUEST_SYSFS "/procs/testsleep"));
	/* A name the owner's allow= does not list: denied. */
	ASSERT_EQ(0, cpc_module_load(SLEEP, "name=testfixed opcode=100"));
	EXPECT_EQ(100, proc_id("testfixed"));
	EXPECT_EQ(0, proc_num("testfixed", "allowed"));
	EXPECT_EQ(-EPERM, pm_call(self->ch, 100, 1, NULL, 0, 5000, NULL));
	ASSERT_EQ(0, cpc_module_unload(SLEEP));
	ASSERT_EQ(0, cpc_module_load(SLEEP, NULL));
}

TEST_F(pm, bounds_and_deadline_of_a_module_procedure)
{
	struct cpc_call r;
	long long errs = proc_num("testsleep", "errors");

	/* arg_max 16. */
	EXPECT_EQ(-EINVAL, pm_call(self->ch, self->sleep, 1, "0123456789abcdefX", 0, 5000, &r));
	EXPECT_EQ(0, pm_call(self->ch, self->sleep, 1, "0123456789abcdef", 0, 5000, &r));
	/* Its deadline_max_ms (5 s) caps what the host grants (8 s). */
	EXPECT_EQ(-ETIMEDOUT, pm_call(self->ch, self->sleep, 7000, NULL, 0, 8000, &r));
	EXPECT_EQ(-ETIMEDOUT, r.status);
	EXPECT_EQ(errs + 2, proc_num("testsleep", "errors"));
	ASSERT_EQ(0, cpc_module_unload(SLEEP));
	ASSERT_EQ(0, cpc_module_load(SLEEP, "out_min=64 arg_min=2"));
	self->sleep = proc_id("testsleep");
	EXPECT_EQ(-EINVAL, pm_call(self->ch, self->sleep, 1, "1", 64, 5000, &r));
	EXPECT_EQ(-ENOSPC, pm_call(self->ch, self->sleep, 1, "12", 63, 5000, &r));
	EXPECT_EQ(0, pm_call(self->ch, self->sleep, 1, "12", 64, 5000, &r));
	ASSERT_EQ(0, cpc_module_unload(SLEEP));
	ASSERT_EQ(0, cpc_module_load(SLEEP, NULL));
}

TEST_F(pm, freeze_writes_data_and_blocks_writers_until_thaw)
{
	char marker[64], later[64];
	struct cpc_call r;
	int status;
	pid_t pid;

	/* No background writeback: only the freeze puts the data on disk. */
	ASSERT_EQ(0, cpc_write_file("/proc/sys/vm/dirty_writeback_centisecs", "0"));
	ASSERT_EQ(0, cpc_write_file("/proc/sys/vm/dirty_expire_centisecs", "360000"));
	snprintf(marker, sizeof(marker), "cpc-before-freeze-%d-%ld", getpid(), (long)time(NULL));
	snprintf(later, sizeof(later), "cpc-while-frozen-%d-%ld", getpid(), (long)time(NULL));
	ASSERT_EQ(0, disk_write("before", marker));
	/* And 8 MiB more: dirty in the page cache until something syncs. */
	ASSERT_EQ(0, disk_fill("bulk", 8));
	EXPECT_LT(4 << 10, dirty_kb()) TH_LOG("not dirty: the freeze would have nothing to do");

	ASSERT_EQ(0, pm_call(self->ch, self->freeze, 10, NULL, sizeof(out), 10000, &r));
	EXPECT_EQ(1, r.ret[0]) TH_LOG("%s", out);
	EXPECT_EQ(10, r.ret[1]);
	EXPECT_NE(NULL, strstr(out, "\"mounts\":[\"/mnt/disk\"]")) TH_LOG("%s", out);
	EXPECT_EQ(1, disk_has(marker));
	EXPECT_GT(1 << 10, dirty_kb()) TH_LOG("the freeze left dirty data");

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = open(DISK "/later", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || write(fd, later, strlen(later)) < 0 || fsync(fd))
			_exit(1);
		_exit(0);
	}
	sleep(2);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG)) TH_LOG("a writer got through the freeze");
	ASSERT_EQ(0, pm_call(self->ch, self->status, 0, NULL, sizeof(out), 5000, &r));
	EXPECT_EQ(1, r.ret[0]);
	EXPECT_NE(NULL, strstr(out, "\"status\":\"frozen\",\"frozen\":1,")) TH_LOG("%s", out);
	EXPECT_EQ(0, disk_has(later));

	ASSERT_EQ(0, pm_call(self->ch, self->thaw, 0, NULL, 0, 5000, &r));
	EXPECT_EQ(1, r.ret[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(1, disk_has(later));
	ASSERT_EQ(0, pm_call(self->ch, self->status, 0, NULL, sizeof(out), 5000, &r));
	EXPECT_EQ(0, r.ret[0]);
	/* Nothing frozen: a thaw thaws nothing, successfully. */
	ASSERT_EQ(0, pm_call(self->ch, self->thaw, 0, NULL, 0, 5000, &r));
	EXPECT_EQ(0, r.ret[0]);
	cpc_write_file("/proc/sys/vm/dirty_writeback_centisecs", "500");
	cpc_write_file("/proc/sys/vm/dirty_expire_centisecs", "3000");
}

TEST_F(pm, freeze_thaws_by_itself)
{
	struct cpc_call r;
	long long before;

	ASSERT_EQ(0, pm_call(self->ch, self->status, 0, NULL, sizeof(out), 5000, &r));
	before = atoll(strstr(out, "\"auto_thaws\":") + 13);
	/* Generous times: the shared machine's TCG VMs can be slow. */
	ASSERT_EQ(0, pm_call(self->ch, self->freeze, 4, DISK, sizeof(out), 10000, &r));
	EXPECT_EQ(1, r.ret[0]);
	ASSERT_EQ(0, pm_call(self->ch, self->status, 0, NULL, sizeof(out), 5000, &r));
	EXPECT_EQ(1, r.ret[0]) TH_LOG("%s", out);
	sleep(6);
	ASSERT_EQ(0, pm_call(self->ch, self->status, 0, NULL, sizeof(out), 5000, &r));
	EXPECT_EQ(0, r.ret[0]) TH_LOG("%s", out);
	EXPECT_EQ(before + 1, atoll(strstr(out, "\"auto_thaws\":") + 13));
	ASSERT_EQ(0, disk_write("after-auto-thaw", "x"));
}

TEST_F(pm, freeze_errors)
{
	struct cpc_call r;

	EXPECT_EQ(-EINVAL, pm_call(self->ch, self->freeze, 601, NULL, sizeof(out), 5000, &r));
	EXPECT_EQ(-ENOENT, pm_call(self->ch, self->freeze, 5, "/nonexistent", sizeof(out), 5000, &r));
	EXPECT_EQ(-EINVAL, pm_call(self->ch, self->freeze, 5, "relative", sizeof(out), 5000, &r));
	/* A directory, not a mount point. */
	EXPECT_EQ(-EINVAL, pm_call(self->ch, self->freeze, 5, "/mnt", sizeof(out), 5000, &r));
	/* The initramfs' rootfs and /proc are on no block device. */
	EXPECT_EQ(-EINVAL, pm_call(self->ch, self->freeze, 5, "/proc", sizeof(out), 5000, &r));
	EXPECT_EQ(-EINVAL, pm_call(self->ch, self->freeze, 5, "/mnt/disk,/", sizeof(out), 5000, &r));
	/* Not a directory. */
	EXPECT_EQ(-EINVAL, pm_call(self->ch, self->freeze, 5, "/init", sizeof(out), 5000, &r));
	/* The result does not fit: nothing is frozen. */
	EXPECT_EQ(-ENOSPC, pm_call(self->ch, self->freeze, 5, NULL, 8, 5000, &r));
	ASSERT_EQ(0, pm_call(self->ch, self->status, 0, NULL, sizeof(out), 5000, &r));
	EXPECT_EQ(0, r.ret[0]);
	ASSERT_EQ(0, pm_call(self->ch, self->freeze, 5, "/mnt/disk\n", sizeof(out), 5000, &r));
	EXPECT_EQ(1, r.ret[0]);
	EXPECT_EQ(-EBUSY, pm_call(self->ch, self->freeze, 5, NULL, sizeof(out), 5000, &r));
	/* Procedures flagged CPC_PROC_F_THAWED are refused meanwhile. */
	EXPECT_EQ(-EBUSY, pm_call(self->ch, self->sleep, 1, NULL, 0, 5000, &r));
	ASSERT_EQ(0, pm_call(self->ch, self->thaw, 0, NULL, 0, 5000, &r));
	EXPECT_EQ(1, r.ret[0]);
	EXPECT_EQ(0, pm_call(self->ch, self->sleep, 1, NULL, 0, 5000, &r));
}

TEST_F(pm, unloading_the_module_thaws)
{
	struct cpc_call r;

	ASSERT_EQ(0, pm_call(self->ch, self->freeze, 30, NULL, sizeof(out), 10000, &r));
	EXPECT_EQ(1, r.ret[0]);
	ASSERT_EQ(0, cpc_module_unload("cpc_proc_fs"));
	ASSERT_EQ(0, disk_write("after-unload", "x"));
	ASSERT_EQ(0, cpc_module_load("cpc_proc_fs", NULL));
	self->freeze = proc_id("fsfreeze");
	self->thaw = proc_id("fsthaw");
	self->status = proc_id("fsfreeze-status");
	ASSERT_EQ(0, pm_call(self->ch, self->status, 0, NULL, sizeof(out), 5000, &r));
	EXPECT_EQ(0, r.ret[0]);
}

TEST_F(pm, fsinfo_lists_disk_filesystems)
{
	struct cpc_call r;
	char *p;
	long long used0, used1;
	char big[1 << 16];
	int fd, i;

	ASSERT_EQ(0, pm_call(self->ch, self->fsinfo, 0, NULL, sizeof(out), 5000, &r));
	EXPECT_EQ(1, r.ret[0]) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "{\"mountpoint\":\"/mnt/disk\",\"type\":\"ext4\",\"disk\":\"vda\","))
		TH_LOG("%s", out);
	p = strstr(out, "\"used_bytes\":");
	ASSERT_NE(NULL, p);
	used0 = atoll(p + 13);
	p = strstr(out, "\"total_bytes\":");
	ASSERT_NE(NULL, p);
	EXPECT_LT(50ll << 20, atoll(p + 14));
	memset(big, 'z', sizeof(big));
	fd = open(DISK "/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	for (i = 0; i < 64; i++)
		ASSERT_EQ(sizeof(big), write(fd, big, sizeof(big)));
	fsync(fd);
	close(fd);
	ASSERT_EQ(0, pm_call(self->ch, self->fsinfo, 0, NULL, sizeof(out), 5000, &r));
	used1 = atoll(strstr(out, "\"used_bytes\":") + 13);
	EXPECT_LE(used0 + (4ll << 20), used1) TH_LOG("%lld -> %lld", used0, used1);
	unlink(DISK "/big");
	EXPECT_EQ(-ENOSPC, pm_call(self->ch, self->fsinfo, 0, NULL, 16, 5000, &r));
}

static long long file_num(const char *path)
{
	char buf[64];

	return cpc_read_file(path, buf, sizeof(buf)) < 0 ? -1 : atoll(buf);
}

static long long realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

TEST_F(pm, time_get_and_set)
{
	int get = proc_id("time-get"), set = proc_id("time-set");
	long long now, after;
	struct cpc_call r;
	char buf[256];

	ASSERT_LE(0, get);
	ASSERT_LE(0, set);
	now = realtime_ns();
	ASSERT_EQ(0, pm_call(self->ch, get, 0, NULL, 0, 5000, &r));
	EXPECT_GT(1000000000ll, llabs((long long)r.ret[0] - now)) TH_LOG("%llu vs %lld", r.ret[0], now);
	EXPECT_LT(0, r.ret[1]);
	/* Five seconds ahead, then back. */
	now = realtime_ns();
	ASSERT_EQ(0, pm_call(self->ch, set, now + 5000000000ll, NULL, 0, 5000, &r));
	after = realtime_ns();
	EXPECT_GT(500000000ll, llabs(after - now - 5000000000ll)) TH_LOG("moved %lld", after - now);
	EXPECT_GT(500000000ll, llabs((long long)r.ret[1] - 5000000000ll));
	ASSERT_EQ(0, pm_call(self->ch, set, realtime_ns() - 5000000000ll, NULL, 0, 5000, &r));
	EXPECT_GT(1000000000ll, llabs(realtime_ns() - now));
	/* Bounded: a step over max_step_s, times out of range. */
	EXPECT_EQ(-ERANGE, pm_call(self->ch, set, realtime_ns() + 8 * 86400 * 1000000000ll, NULL, 0, 5000, &r));
	EXPECT_EQ(-EINVAL, pm_call(self->ch, set, 0, NULL, 0, 5000, &r));
	EXPECT_EQ(-EINVAL, pm_call(self->ch, set, 7258118401ull * 1000000000ull, NULL, 0, 5000, &r));
	ASSERT_EQ(0, cpc_write_file("/sys/module/cpc_proc_time/parameters/max_step_s", "1"));
	/* 30 s, not 2: a call that takes a second to arrive must not pass. */
	EXPECT_EQ(-ERANGE, pm_call(self->ch, set, realtime_ns() + 30000000000ll, NULL, 0, 5000, &r));
	ASSERT_EQ(0, cpc_write_file("/sys/module/cpc_proc_time/parameters/max_step_s", "604800"));
	EXPECT_EQ(0, cpc_run(buf, sizeof(buf), "cpcctl call loopback time-get"));
	EXPECT_EQ(0, strncmp(buf, "ret ", 4)) TH_LOG("%s", buf);
}

TEST_F(pm, vcpus_list_and_hotplug)
{
	int list = proc_id("vcpus"), set = proc_id("vcpu-set");
	struct cpc_call r;

	ASSERT_LE(0, list);
	ASSERT_LE(0, set);
	ASSERT_EQ(0, pm_call(self->ch, list, 0, NULL, sizeof(out), 5000, &r));
	EXPECT_EQ(4, r.ret[0]) TH_LOG("%s", out);
	EXPECT_EQ(4, r.ret[1]);
	EXPECT_NE(NULL, strstr(out, "{\"cpu\":3,\"online\":true,\"can_offline\":false,\"maintenance\":true}"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "{\"cpu\":2,\"online\":true,\"can_offline\":true,\"maintenance\":false}"))
		TH_LOG("%s", out);
	/* Never the maintenance vCPU. */
	EXPECT_EQ(-EBUSY, pm_call(self->ch, set, 3, NULL, 0, 5000, NULL));
	EXPECT_EQ(-ERANGE, pm_call(self->ch, set, 4096, NULL, 0, 5000, NULL));
	{
		struct cpc_call c = { .size = sizeof(c), .proc = set, .timeout_ms = 5000,
				      .args = { 2, 2 } };

		EXPECT_EQ(-1, ioctl(self->ch, CPC_IOCTL_CALL, &c));
		EXPECT_EQ(EINVAL, errno);
		c.args[1] = 0;
		ASSERT_EQ(0, ioctl(self->ch, CPC_IOCTL_CALL, &c));
		EXPECT_EQ(1, c.ret[0]);
		EXPECT_EQ(0, file_num("/sys/devices/system/cpu/cpu2/online"));
		ASSERT_EQ(0, ioctl(self->ch, CPC_IOCTL_CALL, &c));
		EXPECT_EQ(0, c.ret[0]) TH_LOG("already offline");
		ASSERT_EQ(0, pm_call(self->ch, list, 0, NULL, sizeof(out), 5000, &r));
		EXPECT_EQ(3, r.ret[1]);
		c.args[1] = 1;
		ASSERT_EQ(0, ioctl(self->ch, CPC_IOCTL_CALL, &c));
		EXPECT_EQ(1, c.ret[0]);
		EXPECT_EQ(1, file_num("/sys/devices/system/cpu/cpu2/online"));
	}
	/* x86 boots with CPU 0 not hotpluggable (no online file). */
	if (!cpc_path_exists("/sys/devices/system/cpu/cpu0/online"))
		EXPECT_EQ(-EINVAL, pm_call(self->ch, set, 0, NULL, 0, 5000, NULL));
}

TEST_F(pm, memory_blocks_list_and_hotplug)
{
	int list = proc_id("memory-blocks"), set = proc_id("memory-block-set");
	char path[128], want[128], state[32];
	long long bs, dimm;
	struct cpc_call c = { .size = sizeof(c), .timeout_ms = 20000 };
	struct cpc_call r;

	ASSERT_LE(0, list);
	ASSERT_LE(0, set);
	ASSERT_LT(0, cpc_read_file("/sys/devices/system/memory/block_size_bytes", want, sizeof(want)));
	bs = strtoll(want, NULL, 16);
	ASSERT_LT(0, bs);
	dimm = 0x100000000ll / bs;	/* the test bed's hot-removable DIMM */
	ASSERT_EQ(0, pm_call(self->ch, list, 0, NULL, sizeof(out), 10000, &r));
	EXPECT_EQ(bs, r.ret[1]);
	EXPECT_LT(8, r.ret[0]);
	snprintf(want, sizeof(want), "{\"block\":%lld,\"phys_addr\":%lld,\"online\":true,", dimm,
		 dimm * bs);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	/* Offline the DIMM's first block, once more (nothing to do), online. */
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lld/state", dimm);
	c.proc = set;
	c.args[0] = dimm;
	ASSERT_EQ(0, ioctl(self->ch, CPC_IOCTL_CALL, &c));
	EXPECT_EQ(1, c.ret[0]);
	cpc_read_file(path, state, sizeof(state));
	EXPECT_EQ(0, strncmp(state, "offline", 7)) TH_LOG("%s", state);
	ASSERT_EQ(0, ioctl(self->ch, CPC_IOCTL_CALL, &c));
	EXPECT_EQ(0, c.ret[0]);
	c.args[1] = 1;
	ASSERT_EQ(0, ioctl(self->ch, CPC_IOCTL_CALL, &c));
	EXPECT_EQ(1, c.ret[0]);
	cpc_read_file(path, state, sizeof(state));
	EXPECT_EQ(0, strncmp(state, "online", 6)) TH_LOG("%s", state);
	c.args[1] = 2;
	EXPECT_EQ(-1, ioctl(self->ch, CPC_IOCTL_CALL, &c));
	EXPECT_EQ(EINVAL, errno);
	c.args[0] = 999999;
	c.args[1] = 0;
	EXPECT_EQ(-1, ioctl(self->ch, CPC_IOCTL_CALL, &c));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-ENOSPC, pm_call(self->ch, list, 0, NULL, 16, 5000, &r));
}

TEST_F(pm, shutdown_refusals)
{
	int id = proc_id("shutdown");
	struct cpc_call r;

	ASSERT_LE(0, id);
	EXPECT_EQ(-EINVAL, pm_call(self->ch, id, 3, NULL, 0, 5000, &r));
	/* Busybox has no /sbin/halt here: refused before answering. */
	if (!cpc_path_exists("/sbin/halt"))
		EXPECT_EQ(-ENOENT, pm_call(self->ch, id, 1, NULL, 0, 5000, &r));
	/* Never while filesystems are frozen: it would block on them. */
	ASSERT_EQ(0, pm_call(self->ch, self->freeze, 5, NULL, sizeof(out), 10000, &r));
	EXPECT_EQ(-EBUSY, pm_call(self->ch, id, 0, NULL, 0, 5000, &r));
	ASSERT_EQ(0, pm_call(self->ch, self->thaw, 0, NULL, 0, 5000, &r));
	set_allowed("shutdown", 0);
	EXPECT_EQ(-EPERM, pm_call(self->ch, id, 0, NULL, 0, 5000, &r));
	set_allowed("shutdown", 1);
	EXPECT_EQ(cpc_path_exists("/sbin/halt") ? 2 : 3, proc_num("shutdown", "errors"));
	EXPECT_EQ(1, proc_num("shutdown", "rejected"));
}

TEST_HARNESS_MAIN
