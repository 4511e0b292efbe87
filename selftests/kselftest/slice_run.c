// SPDX-License-Identifier: GPL-2.0
/*
 * slice_run - code running on a slice's own CPUs: create parks the CPUs,
 * load + start run a probe image at its 64-bit entry with the documented
 * ABI (registers, control registers, info page, local APIC), stop (INIT)
 * stops a CPU spinning or halted with interrupts off, destroy gives every
 * CPU back usable and the memory zeroed; the state machine in sysfs; every
 * errno of LOAD, START, STOP and CONSOLE; a hostile console ring (a huge
 * head: lost bytes, no oops); unload refused while a slice runs; 20
 * create-load-start-stop-destroy cycles in one boot. Runs in the test-bed
 * host VM (CPUs 0-3, APIC id = CPU number; memory blocks 32-33).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "fail_nth.h"
#include "slice_test.h"
#include "slice_image.h"
#include "kselftest_harness.h"

#define SKIP_STARTUP "/sys/kernel/debug/cpc_host/skip_startup"
#define FAIL_ALLOC "/sys/kernel/debug/cpc_host/fail_alloc"

FIXTURE(run) {
	int fd;
};

FIXTURE_SETUP(run)
{
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	slice_cleanup_all(self->fd);
}

FIXTURE_TEARDOWN(run)
{
	slice_cleanup_all(self->fd);
	close(self->fd);
}

static int state_is(const char *name, const char *want)
{
	char buf[32];

	return slice_attr(name, "state", buf, sizeof(buf)) > 0 && !strcmp(buf, want);
}

static int image_is(const char *name, const char *want)
{
	char buf[32];

	return slice_attr(name, "image", buf, sizeof(buf)) > 0 && !strcmp(buf, want);
}

/* Waits up to 2 s for the probe to count in @field (beats or halts). */
static int probe_wait(const char *name, struct probe_data *d, int hlt)
{
	double end = cpc_now() + 2;

	do {
		if (probe_read(name, d))
			return 0;
		if (hlt ? d->halts : d->beats)
			return 1;
		usleep(2000);
	} while (cpc_now() < end);
	return 0;
}

/* Runs on @cpu: 1 if the scheduler put this process there. */
static int runs_on(unsigned int cpu)
{
	cpu_set_t set;
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			_exit(1);
		for (int i = 0; i < 1000; i++)
			if (sched_getcpu() != (int)cpu)
				_exit(2);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Lines of /proc/iomem containing @what. */
static int iomem_lines(const char *what)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, what);
	fclose(f);
	return n;
}

TEST_F(run, start_runs_the_image_at_its_entry_with_the_documented_abi)
{
	struct probe_data d;
	unsigned char *img;
	size_t len;
	char buf[64];

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0xc, 128 * MiB));
	EXPECT_TRUE(state_is("s1", "created"));
	EXPECT_TRUE(image_is("s1", "none"));
	img = probe_image(PROBE_SPIN, 8192, &len);
	ASSERT_NE(NULL, img);
	ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));
	EXPECT_TRUE(image_is("s1", "loaded"));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	EXPECT_TRUE(state_is("s1", "running"));
	ASSERT_LT(0, slice_attr("s1", "starts", buf, sizeof(buf)));
	EXPECT_STREQ("1", buf);
	ASSERT_TRUE(probe_wait("s1", &d, 0));

	EXPECT_EQ(CPC_SLICE_LINEAR_VA + CPC_SLICE_INFO_OFFSET, d.rdi);
	/* One call-free path: RSP is the stack top as given. */
	EXPECT_EQ(CPC_SLICE_LINEAR_VA + CPC_SLICE_STACK_TOP, d.rsp);
	EXPECT_EQ(0x80050033, d.cr0);
	EXPECT_EQ(0x60, d.cr4 & 0x60);
	EXPECT_EQ(0xd00, d.efer & 0xd00);	/* LME | LMA | NXE */
	EXPECT_EQ(0, d.rflags & 0x200);	/* IF clear */
	EXPECT_EQ(0x10, d.cs);
	EXPECT_EQ(CPC_SLICE_INFO_MAGIC, d.info_magic);
	/* The lowest CPU of the slice runs it: APIC id 2 in the test bed. */
	EXPECT_EQ(2, d.lapic_id);
	EXPECT_EQ(2, d.info_boot_apic_id);
	TH_LOG("entry ABI: rdi 0x%llx rsp 0x%llx cr0 0x%llx cr4 0x%llx efer 0x%llx cs 0x%llx apic %llu",
	       (unsigned long long)d.rdi, (unsigned long long)d.rsp,
	       (unsigned long long)d.cr0, (unsigned long long)d.cr4,
	       (unsigned long long)d.efer, (unsigned long long)d.cs,
	       (unsigned long long)d.lapic_id);
	ASSERT_LT(0, slice_attr("s1", "start_ns", buf, sizeof(buf)));
	TH_LOG("start took %.1f ms (INIT, 10 ms, STARTUP, trampoline)", atof(buf) / 1e6);

	ASSERT_EQ(0, slice_stop(self->fd, "s1"));
	EXPECT_TRUE(state_is("s1", "stopped"));
	EXPECT_TRUE(image_is("s1", "none"));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	free(img);
}

TEST_F(run, info_page_describes_the_slice)
{
	struct cpc_slice_info info;
	unsigned char *img;
	size_t len;

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 256 * MiB));
	img = probe_image(PROBE_SPIN, 0, &len);
	ASSERT_NE(NULL, img);
	ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	ASSERT_EQ(0, slice_mem_io("s1", CPC_SLICE_INFO_OFFSET, &info, sizeof(info), 0));
	EXPECT_EQ(CPC_SLICE_INFO_MAGIC, info.magic);
	EXPECT_EQ(CPC_SLICE_INFO_VERSION, info.version);
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_STREQ("s1", info.name);
	EXPECT_EQ(1, info.nr_cpus);
	EXPECT_EQ(3, info.apic_ids[0]);
	EXPECT_EQ(3, info.boot_apic_id);
	EXPECT_EQ(1, info.nr_ranges);	/* blocks 32-33 are adjacent */
	EXPECT_EQ(0x100000000ULL, info.ranges[0].phys);
	EXPECT_EQ(256 * MiB, info.ranges[0].len);
	EXPECT_EQ(CPC_SLICE_LINEAR_VA, info.linear_va);
	EXPECT_EQ(256 * MiB, info.linear_len);
	EXPECT_EQ(CPC_SLICE_IMAGE_OFFSET, info.image_offset);
	EXPECT_EQ(len, info.image_mem_size);
	EXPECT_EQ(0xfee00000ULL, info.lapic_phys);
	EXPECT_LT(0, info.tsc_khz);
	EXPECT_EQ(1, info.start_count);
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	free(img);
}

TEST_F(run, load_zeroes_bss_and_stop_freezes_a_spinning_cpu)
{
	struct probe_data d1, d2;
	unsigned char *img, junk[4096];
	size_t len;

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	img = probe_image(PROBE_SPIN, sizeof(junk), &len);
	ASSERT_NE(NULL, img);
	memset(junk, 0xa5, sizeof(junk));
	ASSERT_EQ(0, slice_mem_io("s1", CPC_SLICE_IMAGE_OFFSET + len, junk, sizeof(junk), 1));
	ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));
	ASSERT_EQ(0, slice_mem_io("s1", CPC_SLICE_IMAGE_OFFSET + len, junk, sizeof(junk), 0));
	for (size_t i = 0; i < sizeof(junk); i++)
		ASSERT_EQ(0, junk[i]);

	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	ASSERT_TRUE(probe_wait("s1", &d1, 0));
	usleep(50000);
	ASSERT_EQ(0, probe_read("s1", &d2));
	EXPECT_LT(d1.beats, d2.beats);	/* it spins with interrupts off */
	ASSERT_EQ(0, slice_stop(self->fd, "s1"));
	ASSERT_EQ(0, probe_read("s1", &d1));
	usleep(100000);
	ASSERT_EQ(0, probe_read("s1", &d2));
	EXPECT_EQ(d1.beats, d2.beats);	/* INIT stopped it */
	TH_LOG("beats frozen at %llu after stop", (unsigned long long)d2.beats);
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	free(img);
}

TEST_F(run, stop_stops_a_cpu_halted_with_interrupts_off)
{
	struct probe_data d;
	unsigned char *hlt_img, *spin_img;
	size_t hlen = 0, slen = 0;

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	hlt_img = probe_image(PROBE_HLT, 0, &hlen);
	spin_img = probe_image(PROBE_SPIN, 0, &slen);
	ASSERT_NE(NULL, hlt_img);
	ASSERT_NE(NULL, spin_img);
	ASSERT_EQ(0, slice_load(self->fd, "s1", hlt_img, hlen));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	ASSERT_TRUE(probe_wait("s1", &d, 1));
	usleep(100000);
	ASSERT_EQ(0, probe_read("s1", &d));
	EXPECT_EQ(1, d.halts);	/* halted with IF=0: nothing wakes it */
	ASSERT_EQ(0, slice_stop(self->fd, "s1"));
	EXPECT_TRUE(state_is("s1", "stopped"));
	/* The halted CPU took the INIT: it starts again, and runs. */
	ASSERT_EQ(0, slice_load(self->fd, "s1", spin_img, slen));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	ASSERT_TRUE(probe_wait("s1", &d, 0));
	EXPECT_EQ(0, d.halts);
	ASSERT_EQ(0, slice_stop(self->fd, "s1"));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	free(hlt_img);
	free(spin_img);
}

TEST_F(run, destroy_of_a_running_slice_gives_back_usable_cpus_and_zeroed_memory)
{
	struct probe_data d;
	unsigned char *img, buf[4096];
	long long total0 = meminfo_kb("MemTotal:");
	size_t len;

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0xc, 256 * MiB));
	img = probe_image(PROBE_SPIN, 0, &len);
	ASSERT_NE(NULL, img);
	ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	ASSERT_TRUE(probe_wait("s1", &d, 0));
	/* Destroy stops it first. */
	ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_EQ(1, cpu_online(2));
	EXPECT_EQ(1, cpu_online(3));
	EXPECT_TRUE(runs_on(2));
	EXPECT_TRUE(runs_on(3));
	EXPECT_TRUE(wait_block_online(BLOCK_A));
	EXPECT_TRUE(wait_block_online(BLOCK_B));
	EXPECT_EQ(total0, meminfo_kb("MemTotal:"));
	/* What the payload left is gone: a new slice gets zeroed memory. */
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 256 * MiB));
	ASSERT_EQ(0, slice_mem_io("s1", CPC_SLICE_IMAGE_OFFSET, buf, sizeof(buf), 0));
	for (size_t i = 0; i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]);
	ASSERT_EQ(0, slice_mem_io("s1", CPC_SLICE_INFO_OFFSET, buf, sizeof(buf), 0));
	for (size_t i = 0; i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]);
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	free(img);
}

TEST_F(run, lock_keeps_running_and_stopped_states)
{
	unsigned char *img;
	size_t len;
	char buf[16];

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	img = probe_image(PROBE_SPIN, 0, &len);
	ASSERT_NE(NULL, img);
	ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	ASSERT_EQ(0, slice_lock(self->fd, "s1"));
	EXPECT_TRUE(state_is("s1", "running"));
	ASSERT_LT(0, slice_attr("s1", "locked", buf, sizeof(buf)));
	EXPECT_STREQ("1", buf);
	ASSERT_EQ(0, slice_stop(self->fd, "s1"));
	EXPECT_TRUE(state_is("s1", "stopped"));
	/* A locked, stopped slice runs again. */
	ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	EXPECT_TRUE(state_is("s1", "running"));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	free(img);
}

TEST_F(run, load_errnos)
{
	struct {
		struct cpc_slice_load r;
		__u64 extra;
	} wide;
	struct cpc_slice_load r;
	unsigned char *img, *big;
	size_t len;

	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	img = probe_image(PROBE_SPIN, 0, &len);
	ASSERT_NE(NULL, img);

	EXPECT_EQ(ENOENT, slice_load(self->fd, "nosuch", img, len));
	EXPECT_EQ(EINVAL, slice_load(self->fd, "s1", img, 63));		/* below the header */
	EXPECT_EQ(EINVAL, slice_load(self->fd, "s1", img, len - 1));	/* not file_size */
	EXPECT_EQ(EFAULT, slice_load(self->fd, "s1", NULL, len));
	slice_load_req(&r, "s1", img, len);
	r.flags = 2;							/* unknown flag */
	EXPECT_EQ(-1, ioctl(self->fd, CPC_IOCTL_SLICE_LOAD, &r));
	EXPECT_EQ(EINVAL, errno);
	slice_load_req(&r, "s1", img, len);
	r.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, CPC_IOCTL_SLICE_LOAD, &r));
	EXPECT_EQ(EINVAL, errno);
	/* Initrd and command line only with CPC_SLICE_LOAD_LINUX. */
	slice_load_req(&r, "s1", img, len);
	r.initrd_len = 1;
	EXPECT_EQ(-1, ioctl(self->fd, CPC_IOCTL_SLICE_LOAD, &r));
	EXPECT_EQ(EINVAL, errno);
	slice_load_req(&r, "s1", img, len);
	r.cmdline_ptr = (uintptr_t)img;
	EXPECT_EQ(-1, ioctl(self->fd, CPC_IOCTL_SLICE_LOAD, &r));
	EXPECT_EQ(EINVAL, errno);
	slice_load_req(&r, "s1", img, len);
	r.size = 8;
	EXPECT_EQ(-1, ioctl(self->fd, CPC_IOCTL_SLICE_LOAD, &r));
	EXPECT_EQ(EINVAL, errno);
	slice_load_req(&wide.r, "s1", img, len);	/* larger than known, extra not zero */
	wide.r.size = sizeof(wide);
	wide.extra = 7;
	EXPECT_EQ(-1, ioctl(self->fd, CPC_IOCTL_SLICE_LOAD, &wide.r));
	EXPECT_EQ(E2BIG, errno);

	image_header(img)->mem_size = len - 1;				/* memory below file */
	EXPECT_EQ(EINVAL, slice_load(self->fd, "s1", img, len));
	image_header(img)->mem_size = len;
	image_header(img)->magic ^= 1;
	EXPECT_EQ(ENOEXEC, slice_load(self->fd, "s1", img, len));
	image_header(img)->magic ^= 1;
	image_header(img)->version = 2;
	EXPECT_EQ(ENOEXEC, slice_load(self->fd, "s1", img, len));
	image_header(img)->version = CPC_SLICE_IMAGE_VERSION;
	image_header(img)->load_offset = 0;
	EXPECT_EQ(ENOEXEC, slice_load(self->fd, "s1", img, len));
	image_header(img)->load_offset = CPC_SLICE_IMAGE_OFFSET;
	image_header(img)->reserved[1] = 1;
	EXPECT_EQ(ENOEXEC, slice_load(self->fd, "s1", img, len));
	image_header(img)->reserved[1] = 0;
	image_header(img)->entry = len;					/* entry outside */
	EXPECT_EQ(ENOEXEC, slice_load(self->fd, "s1", img, len));
	image_header(img)->entry = 8;					/* in the header */
	EXPECT_EQ(ENOEXEC, slice_load(self->fd, "s1", img, len));
	image_header(img)->entry = sizeof(struct cpc_slice_image_header);
	image_header(img)->mem_size = 128 * MiB;			/* larger than the slice */
	EXPECT_EQ(EFBIG, slice_load(self->fd, "s1", img, len));
	image_header(img)->mem_size = len;
	/* A file above CPC_SLICE_IMAGE_MAX: refused before it is read. */
	big = mmap(NULL, CPC_SLICE_IMAGE_MAX + 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	EXPECT_EQ(EFBIG, slice_load(self->fd, "s1", big, CPC_SLICE_IMAGE_MAX + 4096));
	munmap(big, CPC_SLICE_IMAGE_MAX + 4096);
	EXPECT_TRUE(image_is("s1", "none"));

	ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	EXPECT_EQ(EBUSY, slice_load(self->fd, "s1", img, len));		/* running */
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	free(img);
}

TEST_F(run, start_and_stop_errnos)
{
	unsigned char *img;
	size_t len;

	EXPECT_EQ(ENOENT, slice_start(self->fd, "nosuch"));
	EXPECT_EQ(ENOENT, slice_stop(self->fd, "nosuch"));
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	EXPECT_EQ(ENOEXEC, slice_start(self->fd, "s1"));	/* no image */
	EXPECT_EQ(EINVAL, slice_stop(self->fd, "s1"));		/* not running */
	img = probe_image(PROBE_SPIN, 0, &len);
	ASSERT_NE(NULL, img);
	ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));

	/* The CPU never gets its STARTUP: ETIMEDOUT, state unchanged. */
	ASSERT_EQ(0, cpc_write_file(SKIP_STARTUP, "1"));
	EXPECT_EQ(ETIMEDOUT, slice_start(self->fd, "s1"));
	EXPECT_TRUE(state_is("s1", "created"));
	EXPECT_TRUE(image_is("s1", "loaded"));

	/* No free 4 MiB block for the slice bus: ENOMEM, state unchanged. */
	ASSERT_EQ(0, cpc_write_file(FAIL_ALLOC, "1"));
	EXPECT_EQ(ENOMEM, slice_start(self->fd, "s1"));
	EXPECT_TRUE(state_is("s1", "created"));
	EXPECT_TRUE(image_is("s1", "loaded"));
	EXPECT_NE(0, access("/sys/kernel/cpc_host/channels/slice:s1", F_OK));	/* no channel */
	EXPECT_EQ(0, cpu_online(3));					/* still the slice's */

	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	EXPECT_EQ(EBUSY, slice_start(self->fd, "s1"));		/* running */
	/* A running slice holds the module. */
	EXPECT_EQ(-EWOULDBLOCK, cpc_module_unload("cpc_host"));
	ASSERT_EQ(0, slice_stop(self->fd, "s1"));
	EXPECT_EQ(EINVAL, slice_stop(self->fd, "s1"));		/* stopped */
	EXPECT_EQ(ENOEXEC, slice_start(self->fd, "s1"));	/* stop forgot the image */
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));

	/* 26 characters: "slice:" + the name does not fit a channel name. */
	ASSERT_EQ(0, slice_create(self->fd, "abcdefghijklmnopqrstuvwxyz", 0x8, 128 * MiB));
	ASSERT_EQ(0, slice_load(self->fd, "abcdefghijklmnopqrstuvwxyz", img, len));
	EXPECT_EQ(ENAMETOOLONG, slice_start(self->fd, "abcdefghijklmnopqrstuvwxyz"));
	EXPECT_TRUE(state_is("abcdefghijklmnopqrstuvwxyz", "created"));
	EXPECT_EQ(0, slice_destroy(self->fd, "abcdefghijklmnopqrstuvwxyz"));
	EXPECT_EQ(1, cpu_online(3));
	free(img);
}

/*
 * A hostile console ring: an image that fills the data area of the ring at
 * the end of its bus window (info page: bus_phys at 1384, bus_len at 1392)
 * with 'A', sets the header up and claims 2^64 - 1 bytes written (head,
 * and claim as if that write were still copying), then spins.
 */
__asm__(
	".pushsection .rodata.cpc_hostile, \"a\"\n"
	".globl cpc_hostile_start, cpc_hostile_end\n"
	"cpc_hostile_start:\n"
	"	movq 1384(%rdi), %rbx\n"
	"	addq 1392(%rdi), %rbx\n"
	"	subq $0x11000, %rbx\n"
	"	leaq 0x1000(%rbx), %rdx\n"
	"	movl $0x10000, %ecx\n"
	"1:	movb $0x41, (%rdx)\n"
	"	incq %rdx\n"
	"	decl %ecx\n"
	"	jnz 1b\n"
	"	movl $2, 8(%rbx)\n"
	"	movl $0x10000, 12(%rbx)\n"
	"	movq $-1, 16(%rbx)\n"
	"	movq $-1, 32(%rbx)\n"
	"	movabsq $0x534e4f4353435043, %rax\n"
	"	movq %rax, 0(%rbx)\n"
	"2:	pause\n"
	"	jmp 2b\n"
	"cpc_hostile_end:\n"
	".popsection\n");

extern const unsigned char cpc_hostile_start[], cpc_hostile_end[];

_Static_assert(CPC_SLICE_CONSOLE_VERSION == 2 && CPC_SLICE_CONSOLE_DATA == 0x10000 &&
	       offsetof(struct cpc_slice_console_ring, head) == 16 &&
	       offsetof(struct cpc_slice_console_ring, claim) == 32, "the hostile image's ring");

_Static_assert(offsetof(struct cpc_slice_info, bus_phys) == 1384, "info page layout");
_Static_assert(offsetof(struct cpc_slice_info, bus_len) == 1392, "info page layout");
_Static_assert(CPC_SLICE_CONSOLE_SIZE == 0x11000 && CPC_SLICE_CONSOLE_HEADER == 0x1000 &&
	       CPC_SLICE_CONSOLE_DATA == 0x10000 &&
	       CPC_SLICE_CONSOLE_MAGIC == 0x534e4f4353435043ULL, "console ring layout");

/*
 * ENOMEM of CPC_IOCTL_SLICE_CONSOLE (its bounce buffer) through the kernel's
 * fault injection: the Nth slab allocation of one call fails, for N = 1,
 * 2, ... until a call reaches fewer than N. Slice @name has no bus, so a
 * call that gets its buffer ends in ENXIO. Returns how many calls failed
 * with ENOMEM, or -1 without failslab and fail-nth (Debian's kernel: the
 * debug kernel's run, make check-debug, provokes it).
 */
static int console_nomem(struct __test_metadata *_metadata, int fd, const char *name)
{
	struct cpc_slice_console c;
	int nomem = 0;
	char buf[16];

	if (!fail_nth_available())
		return -1;
	if (fail_nth_only("failslab"))
		return 0;
	for (unsigned int n = 1; n <= 16; n++) {
		int armed = fail_nth_arm(n), err;
		long left;

		if (armed < 0)
			break;
		slice_console_req(&c, name, buf, sizeof(buf));
		err = ioctl(fd, CPC_IOCTL_SLICE_CONSOLE, &c) ? errno : 0;
		left = fail_nth_disarm(armed);
		if (left != 0) {		/* nothing failed: the call is over */
			EXPECT_EQ(ENXIO, err);
			break;
		}
		/* ENXIO: the failure hit an allocation the kernel may miss. */
		EXPECT_TRUE(err == ENOMEM || err == ENXIO) TH_LOG("N=%u: %s", n, strerror(err));
		nomem += err == ENOMEM;
	}
	fail_nth_default();
	return nomem;
}

/*
 * Every errno of CPC_IOCTL_SLICE_CONSOLE but a ring's (slice_cpc.sh) and
 * those of every slice ioctl (EPERM, EINTR: slice_errors.c).
 */
TEST_F(run, console_errnos)
{
	static char buf[CPC_SLICE_CONSOLE_MAX];
	struct {
		struct cpc_slice_console c;
		__u64 extra;
	} big;
	struct cpc_slice_console c;
	unsigned char *img;
	size_t len;
	int nomem;

	EXPECT_EQ(ENOENT, console_read(self->fd, "nosuch", &c, buf, sizeof(buf)));
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	/* Created, not running: no bus. */
	EXPECT_EQ(ENXIO, console_read(self->fd, "s1", &c, buf, sizeof(buf)));
	EXPECT_EQ(EFAULT, ioctl(self->fd, CPC_IOCTL_SLICE_CONSOLE, NULL) ? errno : 0);
	EXPECT_EQ(EINVAL, console_read(self->fd, "s1", &c, buf, 0));
	EXPECT_EQ(EINVAL, console_read(self->fd, "s1", &c, buf, CPC_SLICE_CONSOLE_MAX + 1));
	console_read(self->fd, "s1", &c, buf, sizeof(buf));
	c.flags = 1;
	EXPECT_EQ(EINVAL, ioctl(self->fd, CPC_IOCTL_SLICE_CONSOLE, &c) ? errno : 0);
	c.flags = 0;
	c.reserved[3] = 1;
	EXPECT_EQ(EINVAL, ioctl(self->fd, CPC_IOCTL_SLICE_CONSOLE, &c) ? errno : 0);
	c.reserved[3] = 0;
	c.lost = 1;	/* an out field, must be zero in */
	EXPECT_EQ(EINVAL, ioctl(self->fd, CPC_IOCTL_SLICE_CONSOLE, &c) ? errno : 0);
	c.lost = 0;
	c.size = 8;
	EXPECT_EQ(EINVAL, ioctl(self->fd, CPC_IOCTL_SLICE_CONSOLE, &c) ? errno : 0);
	c.name[0] = '/';
	c.size = sizeof(c);
	EXPECT_EQ(EINVAL, ioctl(self->fd, CPC_IOCTL_SLICE_CONSOLE, &c) ? errno : 0);
	/* A larger struct than known whose extra bytes are not zero. */
	slice_console_req(&big.c, "s1", buf, sizeof(buf));
	big.c.size = sizeof(big);
	big.extra = 7;
	EXPECT_EQ(E2BIG, ioctl(self->fd, CPC_IOCTL_SLICE_CONSOLE, &big.c) ? errno : 0);
	big.extra = 0;		/* zero: accepted, the slice still has no bus */
	EXPECT_EQ(ENXIO, ioctl(self->fd, CPC_IOCTL_SLICE_CONSOLE, &big.c) ? errno : 0);
	nomem = console_nomem(_metadata, self->fd, "s1");
	if (nomem < 0)
		TH_LOG("no failslab/fail-nth in this kernel: ENOMEM is checked on the debug kernel");
	else
		EXPECT_LT(0, nomem);
	/* An image that sets no ring up (not cpc_guest): ENXIO while it runs. */
	img = probe_image(PROBE_SPIN, 0, &len);
	ASSERT_NE(NULL, img);
	ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	EXPECT_EQ(ENXIO, console_read(self->fd, "s1", &c, buf, sizeof(buf)));
	/* An unknown slice ioctl number. */
	EXPECT_EQ(ENOTTY, ioctl(self->fd, _IOWR(CPC_IOC_MAGIC, 0x1f, struct cpc_slice_console), &c)
		  ? errno : 0);
	ASSERT_EQ(0, slice_stop(self->fd, "s1"));
	EXPECT_EQ(ENXIO, console_read(self->fd, "s1", &c, buf, sizeof(buf)));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	free(img);
}

/*
 * A slice that claims 2^64 - 1 bytes: the host reads one ring and reports
 * the rest lost to this read; sysfs console_lost counts only bytes
 * overwritten while a read copied them: none here.
 */
TEST_F(run, console_hostile_head)
{
	static char buf[CPC_SLICE_CONSOLE_MAX];
	struct cpc_slice_console c;
	size_t code = cpc_hostile_end - cpc_hostile_start;
	size_t n = sizeof(struct cpc_slice_image_header) + code;
	size_t probe_len;
	unsigned char *img = probe_image(PROBE_SPIN, 0, &probe_len);
	double end = cpc_now() + 5;
	char lost[32];
	int err;

	ASSERT_NE(NULL, img);
	/* The probe's header, the hostile code as its entry. */
	image_header(img)->file_size = n;
	image_header(img)->mem_size = n;
	memcpy(img + sizeof(struct cpc_slice_image_header), cpc_hostile_start, code);
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	ASSERT_EQ(0, slice_load(self->fd, "s1", img, n));
	ASSERT_EQ(0, slice_start(self->fd, "s1"));
	while ((err = console_read(self->fd, "s1", &c, buf, sizeof(buf))) == ENXIO &&
	       cpc_now() < end)
		usleep(10000);
	ASSERT_EQ(0, err);
	EXPECT_EQ(CPC_SLICE_CONSOLE_MAX, c.len);
	EXPECT_EQ(~0ULL, c.head);
	EXPECT_EQ(~0ULL, c.pos);
	EXPECT_EQ(~0ULL - CPC_SLICE_CONSOLE_DATA, c.lost);
	EXPECT_EQ(NULL, memchr(buf, 0, sizeof(buf)));
	EXPECT_EQ('A', buf[0]);
	EXPECT_EQ('A', buf[sizeof(buf) - 1]);
	/* Caught up: nothing more, nothing lost. */
	c.len = 0;
	c.lost = 0;
	c.head = 0;
	EXPECT_EQ(0, ioctl(self->fd, CPC_IOCTL_SLICE_CONSOLE, &c) ? errno : 0);
	EXPECT_EQ(0, c.len);
	EXPECT_EQ(0, c.lost);
	ASSERT_LT(0, slice_attr("s1", "console_lost", lost, sizeof(lost)));
	EXPECT_EQ(0, strcmp(lost, "0"));
	ASSERT_EQ(0, slice_stop(self->fd, "s1"));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	free(img);
}

TEST_F(run, start_without_low_memory_is_enxio)
{
	unsigned char *img;
	size_t len;

	img = probe_image(PROBE_SPIN, 0, &len);
	ASSERT_NE(NULL, img);
	close(self->fd);
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));
	ASSERT_EQ(0, cpc_module_load("cpc_host", ""));
	EXPECT_EQ(0, iomem_lines("cpc_host low memory"));
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, slice_create(self->fd, "s1", 0x8, 128 * MiB));
	ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));
	EXPECT_EQ(ENXIO, slice_start(self->fd, "s1"));
	EXPECT_TRUE(state_is("s1", "created"));
	EXPECT_EQ(0, slice_destroy(self->fd, "s1"));
	EXPECT_EQ(1, cpu_online(3));
	close(self->fd);
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));
	ASSERT_EQ(0, cpc_module_load("cpc_host", cpc_boot_modargs()));
	/* The test bed's lowmem=0x60000,192K, claimed by name. */
	EXPECT_EQ(1, iomem_lines("00060000-0008ffff : cpc_host low memory"));
	self->fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	free(img);
}

/* 11 s on Debian's kernel in the test bed; KASAN and a shared machine: more than 30 s. */
TEST_F_TIMEOUT(run, twenty_cycles_in_one_boot, 180)
{
	long long total0 = meminfo_kb("MemTotal:");
	struct probe_data d;
	unsigned char *img;
	double t0 = cpc_now();
	size_t len;

	img = probe_image(PROBE_SPIN, 0, &len);
	ASSERT_NE(NULL, img);
	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(0, slice_create(self->fd, "s1", 0xc, 128 * MiB));
		ASSERT_EQ(0, slice_load(self->fd, "s1", img, len));
		ASSERT_EQ(0, slice_start(self->fd, "s1"));
		ASSERT_TRUE(probe_wait("s1", &d, 0));
		ASSERT_EQ(2, d.lapic_id);
		ASSERT_EQ(0, slice_stop(self->fd, "s1"));
		ASSERT_EQ(0, slice_destroy(self->fd, "s1"));
		ASSERT_EQ(1, cpu_online(2));
		ASSERT_EQ(1, cpu_online(3));
		ASSERT_TRUE(runs_on(2));
		ASSERT_TRUE(runs_on(3));
		ASSERT_TRUE(wait_block_online(BLOCK_A));
	}
	EXPECT_EQ(total0, meminfo_kb("MemTotal:"));
	TH_LOG("20 cycles in %.1f s", cpc_now() - t0);
	free(img);
}

TEST_HARNESS_MAIN
