// SPDX-License-Identifier: GPL-2.0
/*
 * cpc-fuzz-ioctl - random and mutated calls of every ioctl of /dev/cpc_host,
 * of every ioctl and io_uring command of its channel fds, and of unknown
 * numbers on both, from several processes at once, as root and without
 * privileges, while fds close, processes exit with calls in flight, slices
 * are created and destroyed for real and cpc_guest/cpc_host are unloaded
 * and loaded again.
 *
 * Runs in the test bed's host VM with cpc_host loaded (lowmem=,
 * loopback_mib=4: the boot's arguments are read from /proc/cmdline); it
 * loads cpc_guest on the loopback channel (loopback=1 maint_cpu=3
 * allow=info) itself. Slices use CPUs 1-2 and memory blocks 32-33 (the
 * DIMM); CPU 3 (cpc_guest's maintenance CPU) and CPU 0 are never taken for
 * real.
 *
 * Reproducible: every process draws from its own generator seeded by
 * (--seed, its slot, its generation), so a seed replays every process's
 * sequence of calls (not their interleaving). The seed is printed first.
 *
 * Output: the seed, progress, then totals - calls per operation, the errno
 * histogram, slices created/destroyed, module unloads done/refused, the
 * duration - and "fuzz-ioctl: ok" or "fuzz-ioctl: FAIL <why>"; exits 0
 * only if every process exited cleanly, cpc_guest answered a ping at the
 * end, no slice is left and every CPU and MemTotal are as before.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <liburing.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/cpc_host.h>
#include <linux/cpc_proto.h>
#include <linux/cpc_slice.h>

#include "../kselftest/cpc_test.h"

#define GUEST_ARGS	"loopback=1 maint_cpu=3 allow=info"
#define LB		"loopback"
#define NOBODY		65534
#define MAX_ERRNO	134	/* histogram slots 1..MAX_ERRNO-1; the last: other */
#define FUZZ_SLOTS	4	/* fuzzing processes at once */
#define BUF_SIZE	8192

/* ---------------------------------------------------------------- ops */
enum op {
	OP_VERSION, OP_SLICE_CREATE, OP_SLICE_DESTROY, OP_SLICE_LOCK, OP_SLICE_FILTER,
	OP_SLICE_LOAD, OP_SLICE_START, OP_SLICE_STOP, OP_CHANNEL_OPEN,
	OP_CHANNEL_ATTACH, OP_CHANNEL_DETACH, OP_CALL, OP_CHANNEL_RESET,
	OP_URING_CALL, OP_URING_OTHER, OP_UNKNOWN_HOST, OP_UNKNOWN_CHAN,
	OP_OTHER_SYSCALL, NR_OPS
};

static const char *const op_name[NR_OPS] = {
	"VERSION", "SLICE_CREATE", "SLICE_DESTROY", "SLICE_LOCK", "SLICE_FILTER",
	"SLICE_LOAD", "SLICE_START", "SLICE_STOP", "CHANNEL_OPEN",
	"CHANNEL_ATTACH", "CHANNEL_DETACH", "CALL", "CHANNEL_RESET",
	"uring CALL", "uring other cmd_op", "unknown ioctl (cpc_host)",
	"unknown ioctl (channel)", "read/write/mmap/poll/lseek",
};

/* Everything the processes count, in shared memory. */
struct shared {
	unsigned long calls;			/* ioctls + uring commands */
	unsigned long op[NR_OPS];
	unsigned long err[MAX_ERRNO + 1];	/* [0]: success */
	unsigned long as_root, as_nobody, as_nocaps;
	unsigned long slices_created, slices_destroyed, slice_starts;
	unsigned long fuzz_slices_created;
	unsigned long guest_unload_ok, guest_unload_refused;
	unsigned long host_unload_ok, host_unload_refused;
	unsigned long loads_ok, loads_failed;
	unsigned long fd_closes, exits_in_flight, processes;
	int quiesce;		/* reloader: fuzzers exit, none starts */
	int slice_parked;	/* slice worker: its slices are gone */
	int stop;
	int fuzz_alive;
};

static struct shared *sh;

static void add(unsigned long *p, unsigned long v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static int get(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void set(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Counts one call of @o with result @r (>= 0 success, else -errno). */
static void rec(enum op o, long r)
{
	long e = r >= 0 ? 0 : -r;

	add(&sh->calls, 1);
	add(&sh->op[o], 1);
	add(&sh->err[e > 0 && e < MAX_ERRNO ? e : e ? MAX_ERRNO : 0], 1);
}

/* ---------------------------------------------------------------- rng */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

static void seed_rng(uint64_t seed, unsigned int slot, unsigned long gen)
{
	rng_state = seed ^ ((uint64_t)slot << 56) ^ (gen * 0x2545f4914f6cdd1dULL);
	rnd();
}

static double now(void)
{
	return cpc_now();
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------- hostile user memory */
/*
 * Per process: a read-write buffer, a read-only page, an unmapped page and
 * a PROT_NONE page right after a read-write page (to straddle it).
 */
static unsigned char *rw_buf;		/* BUF_SIZE */
static unsigned char *ro_page;
static unsigned char *edge_page;	/* read-write, followed by PROT_NONE */
static uintptr_t unmapped;
static unsigned char *image;		/* a safe slice image */
static size_t image_len;

static void memory_setup(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *m;

	rw_buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_page = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rw_buf == MAP_FAILED || ro_page == MAP_FAILED || m == MAP_FAILED) {
		perror("fuzz-ioctl: mmap");
		exit(2);
	}
	memset(ro_page, 0, pg);
	mprotect(ro_page, pg, PROT_READ);
	edge_page = m;
	mprotect(m + pg, pg, PROT_NONE);
	munmap(m + 2 * pg, pg);
	unmapped = (uintptr_t)(m + 2 * pg);
}

/*
 * A slice image that is harmless wherever it is entered past its header:
 * hlt with interrupts off (the entry ABI) until INIT. A mutated header
 * that the kernel accepts can only move the entry inside this body (see
 * keep_entry_safe()), so a START never runs garbage, which would triple
 * fault and reset the whole VM.
 */
static void image_setup(void)
{
	struct cpc_slice_image_header *h;

	image_len = 4096;
	image = mmap(NULL, image_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (image == MAP_FAILED) {
		perror("fuzz-ioctl: mmap");
		exit(2);
	}
	memset(image, 0xf4, image_len);
	h = (void *)image;
	memset(h, 0, sizeof(*h));
	h->magic = CPC_SLICE_IMAGE_MAGIC;
	h->version = CPC_SLICE_IMAGE_VERSION;
	h->header_size = sizeof(*h);
	h->entry = sizeof(*h);
	h->file_size = image_len;
	h->mem_size = image_len;
	h->load_offset = CPC_SLICE_IMAGE_OFFSET;
}

static const uint64_t interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 16, 31, 32, 33, 63, 64, 127, 128, 255, 256, 511, 512,
	1023, 1024, 4095, 4096, 4097, 65535, 65536, 0x7fffffff, 0x80000000,
	0xffffffff, 0x100000000ULL, 128ULL << 20, 256ULL << 20, (128ULL << 20) - 1,
	0x100000000ULL + (128ULL << 20), 0x60000, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xffffffffffffffffULL, 0xffffffff80000000ULL,
	0xffff888000000000ULL, 60000, 60001, CPC_PROC_ID_MAX, CPC_PROC_ID_MAX + 1,
	CPC_SLICE_IMAGE_MAX, CPC_SLICE_IMAGE_MAX + 1,
};

static uint64_t any_value(void)
{
	switch (below(4)) {
	case 0:
		return rnd();
	case 1:
		return rnd() & 0xff;
	default:
		return interesting[below(sizeof(interesting) / sizeof(interesting[0]))];
	}
}

/*
 * A user pointer of a random kind for a buffer of @len bytes at @good:
 * mostly @good, else NULL, small, unmapped, PROT_NONE, read-only,
 * straddling into PROT_NONE, kernel or non-canonical.
 */
static uint64_t any_pointer(void *good, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);

	if (chance(75))
		return (uintptr_t)good;
	switch (below(9)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(4096);
	case 2:
		return unmapped + below(pg);
	case 3:
		return (uintptr_t)edge_page + pg + below(pg);
	case 4:
		return (uintptr_t)ro_page;
	case 5:
		/* the last few bytes before the PROT_NONE page */
		return (uintptr_t)edge_page + pg - 1 - below(len < (size_t)pg ? len : pg);
	case 6:
		return 0xffffffff81000000ULL + below(1 << 20) * 8;
	case 7:
		return 0xffff888000000000ULL + (rnd() & 0xffffff8);
	default:
		return 0x8000000000000000ULL | rnd();
	}
}

/* --------------------------------------------------------------- names */
static const char *const slice_pool[] = { "fz0", "fz1", "fzw", "real0", "real1" };
static const char *const chan_pool[] = { LB, "slice:fz0", "slice:fz1", "slice:real0", "nochan" };

static void put_name(char *dst, size_t n, bool slice)
{
	const char *pick = slice ? slice_pool[below(5)] : chan_pool[below(5)];
	unsigned int i, len;

	memset(dst, 0, n);
	switch (below(10)) {
	case 0:			/* empty */
		break;
	case 1:			/* no NUL */
		memset(dst, 'a' + below(26), n);
		break;
	case 2:			/* a bad character */
		snprintf(dst, n, "%s", pick);
		dst[below(strlen(dst) + 1)] = "/.:! \n\x7f\x80"[below(8)];
		break;
	case 3:			/* long and valid: 20..n-1 characters */
		len = 20 + below(n - 20);
		for (i = 0; i < len; i++)
			dst[i] = 'a' + below(26);
		break;
	case 4:			/* garbage after the NUL */
		snprintf(dst, n, "%s", pick);
		dst[n - 1] = 'x';
		break;
	default:
		snprintf(dst, n, "%s", pick);
	}
}

/* ---------------------------------------------------------- mutation */
/*
 * Mutates the struct of @size bytes at @p in place: its size field (offset
 * 0), flags (offset 4), a random word, bytes, or the bytes after it (what a
 * larger @size makes the kernel read).
 */
static void mutate(unsigned char *p, size_t size)
{
	static const uint32_t sizes[] = { 0, 1, 4, 8, 15, 16 };
	unsigned int n = 1 + below(3), off;
	uint64_t v;

	while (n--) {
		switch (below(8)) {
		case 0: {
			uint32_t s;

			switch (below(6)) {
			case 0:
				s = sizes[below(6)];
				break;
			case 1:
				s = size - 1 - below(8);
				break;
			case 2:
				s = size + 1 + below(64);
				break;
			case 3:
				s = 4096 + below(2) * (1 + below(4096));
				break;
			case 4:
				s = (uint32_t)any_value();
				break;
			default:
				s = size + 8 * below(4);
				break;
			}
			memcpy(p, &s, 4);
			break;
		}
		case 1:
			v = chance(50) ? 1u << below(32) : (uint32_t)rnd();
			memcpy(p + 4, &v, 4);
			break;
		case 2:
		case 3:
			off = 8 * below(size / 8);
			v = any_value();
			memcpy(p + off, &v, 8);
			break;
		case 4:
			off = 4 * below(size / 4);
			v = any_value();
			memcpy(p + off, &v, 4);
			break;
		case 5:
			p[below(size)] ^= 1u << below(8);
			break;
		case 6:		/* the reserved tail */
			v = 1 + below(255);
			memcpy(p + size - 8 * (1 + below(2)), &v, 8);
			break;
		default:	/* garbage after the struct */
			p[size + below(64)] = 1 + below(255);
			break;
		}
	}
}

/* A random CPU set of slice candidates (never CPU 3, cpc_guest's). */
static void put_cpus(__u64 *cpus)
{
	switch (below(8)) {
	case 0:
		cpus[below(16)] = rnd();
		break;
	case 1:
		cpus[0] = 1;		/* the boot CPU */
		break;
	case 2:
		cpus[0] = 0x30;		/* not present */
		break;
	case 3:
		cpus[15] = 1ULL << 63;	/* CPU 1023 */
		break;
	case 4:
		cpus[0] = 0x6;
		break;
	case 5:
		break;			/* none */
	default:
		cpus[0] = 1ULL << (1 + below(2));
		break;
	}
}

/* ------------------------------------------------------------ the fuzzer */
static int host_fd = -1;
static int chan_fd[4] = { -1, -1, -1, -1 };
static struct io_uring ring;
static bool ring_ok;
static unsigned int inflight;
static struct cpc_call *uring_calls;	/* one per call, kept until its CQE */
static uint32_t slots_used;		/* bit n: uring_calls[n] is in flight */
#define RING_ENTRIES 16

static int open_host(void)
{
	if (host_fd < 0)
		host_fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	return host_fd;
}

static int channel_open_named(const char *name)
{
	struct cpc_channel_open o;
	int fd;

	if (open_host() < 0)
		return -1;
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	snprintf(o.name, sizeof(o.name), "%s", name);
	fd = ioctl(host_fd, CPC_IOCTL_CHANNEL_OPEN, &o);
	rec(OP_CHANNEL_OPEN, fd < 0 ? -errno : fd);
	return fd;
}

static bool privileged;	/* this process may open channels */

static int some_chan_fd(void)
{
	unsigned int i = below(4);

	/* unprivileged: now and then an open that must fail (EPERM) */
	if (chan_fd[i] < 0 && (privileged || chance(5)))
		chan_fd[i] = channel_open_named(i ? chan_pool[below(5)] : LB);
	return chan_fd[i];
}

/* An ioctl on @fd with @arg, counted as @o. */
static long do_ioctl(enum op o, int fd, unsigned long cmd, uint64_t arg)
{
	long r = ioctl(fd, cmd, (unsigned long)arg);

	if (r < 0)
		r = -errno;
	rec(o, r);
	return r;
}

/* The struct for @o built valid, then maybe mutated; returns its size. */
static size_t build(enum op o, unsigned char *b)
{
	size_t size;

	memset(b, 0, 4096 + 64);
	switch (o) {
	case OP_VERSION: {
		struct cpc_version *v = (void *)b;

		size = sizeof(*v);
		v->size = size;
		break;
	}
	case OP_SLICE_CREATE: {
		struct cpc_slice_create *c = (void *)b;

		size = sizeof(*c);
		c->size = size;
		put_name(c->name, sizeof(c->name), true);
		put_cpus(c->cpus);
		if (chance(30)) {
			c->flags = CPC_SLICE_CREATE_BLOCKS;
			c->nr_blocks = 1 + below(2);
			c->blocks[0] = 32 + below(2);
			c->blocks[1] = chance(80) ? 65 - c->blocks[0] : c->blocks[0];
			if (chance(10))
				c->nr_blocks = below(70);
		} else {
			c->mem_bytes = chance(70) ? (128ULL << 20) * (1 + below(2)) : any_value();
		}
		if (chance(10))
			c->flags |= CPC_SLICE_CREATE_MULTI_NODE;
		break;
	}
	case OP_SLICE_DESTROY:
	case OP_SLICE_LOCK:
	case OP_SLICE_START:
	case OP_SLICE_STOP: {
		struct cpc_slice_ref *r = (void *)b;

		size = sizeof(*r);
		r->size = size;
		put_name(r->name, sizeof(r->name), true);
		break;
	}
	case OP_SLICE_FILTER: {
		struct cpc_slice_filter *f = (void *)b;

		size = sizeof(*f);
		f->size = size;
		f->type = chance(90) ? 1 + below(6) : any_value();
		put_name(f->name, sizeof(f->name), true);
		switch (f->type) {
		case CPC_FILTER_MEM_WINDOW:
		case CPC_FILTER_BUS_WINDOW:
			f->addr = chance(50) ? 0x100000000ULL + 4096 * below(0x10000) : any_value();
			f->len = chance(50) ? 4096ULL << below(16) : any_value();
			break;
		case CPC_FILTER_CACHE_WAYS:
			f->addr = chance(50) ? (1ULL << below(12)) - 1 : any_value();
			break;
		case CPC_FILTER_IPI:
			f->flags = below(2) ? CPC_FILTER_IPI_MANAGER : 0;
			put_cpus(f->cpus);
			break;
		case CPC_FILTER_DEVICE:
			f->bdf = chance(50) ? below(256) : (uint32_t)rnd();
			break;
		default:
			break;
		}
		break;
	}
	case OP_SLICE_LOAD: {
		struct cpc_slice_load *l = (void *)b;

		size = sizeof(*l);
		l->size = size;
		put_name(l->name, sizeof(l->name), true);
		l->image_ptr = any_pointer(image, image_len);
		l->image_len = chance(80) ? image_len : any_value();
		break;
	}
	case OP_CHANNEL_OPEN: {
		struct cpc_channel_open *c = (void *)b;

		size = sizeof(*c);
		c->size = size;
		put_name(c->name, sizeof(c->name), false);
		break;
	}
	case OP_CHANNEL_ATTACH:
	case OP_CHANNEL_DETACH: {
		struct cpc_channel_attach *a = (void *)b;

		size = sizeof(*a);
		a->size = size;
		put_name(a->channel, sizeof(a->channel), false);
		put_name(a->slice, sizeof(a->slice), true);
		break;
	}
	case OP_CHANNEL_RESET: {
		struct cpc_channel_reset *r = (void *)b;

		size = sizeof(*r);
		r->size = size;
		break;
	}
	default:
		return 0;
	}
	if (chance(70))
		mutate(b, size);
	return size;
}

/* A random cpc_call at @c: mostly a valid ping, info or unknown proc. */
static void build_call(struct cpc_call *c)
{
	static unsigned char out[4096], arg[4096];
	unsigned int len;

	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	switch (below(6)) {
	case 0:
		c->proc = CPC_PROC_INFO;
		break;
	case 1:
		c->proc = below(CPC_PROC_ID_MAX + 1);
		break;
	case 2:
		c->proc = CPC_PROC_PROCS;
		break;
	default:
		c->proc = CPC_PROC_PING;
		break;
	}
	c->timeout_ms = 1 + below(chance(80) ? 100 : 1500);
	c->args[0] = rnd();
	if (chance(40)) {
		len = chance(70) ? below(sizeof(arg) + 1) : (uint32_t)any_value();
		c->arg_len = len;
		c->arg_ptr = any_pointer(arg, len);
	}
	if (chance(60)) {
		len = chance(70) ? below(sizeof(out) + 1) : (uint32_t)any_value();
		c->out_cap = len;
		c->out_ptr = any_pointer(out, len);
	}
	if (chance(50)) {
		mutate((unsigned char *)c, sizeof(*c));
		/* Calls that would wait long stay out: bounded runs. */
		if (c->timeout_ms > 2000 && c->timeout_ms <= CPC_CALL_TIMEOUT_MAX_MS)
			c->timeout_ms = 1 + below(2000);
	}
}

/*
 * A mutated image header the kernel may accept must still enter the hlt
 * body: the entry at or past the header, inside the bytes loaded.
 */
static void keep_entry_safe(struct cpc_slice_image_header *h)
{
	if (h->entry < sizeof(*h) || h->entry >= image_len)
		h->entry = sizeof(*h) + below(image_len - sizeof(*h));
}

static const unsigned long host_cmd[] = {
	[OP_VERSION] = CPC_IOCTL_VERSION,
	[OP_SLICE_CREATE] = CPC_IOCTL_SLICE_CREATE,
	[OP_SLICE_DESTROY] = CPC_IOCTL_SLICE_DESTROY,
	[OP_SLICE_LOCK] = CPC_IOCTL_SLICE_LOCK,
	[OP_SLICE_FILTER] = CPC_IOCTL_SLICE_FILTER,
	[OP_SLICE_LOAD] = CPC_IOCTL_SLICE_LOAD,
	[OP_SLICE_START] = CPC_IOCTL_SLICE_START,
	[OP_SLICE_STOP] = CPC_IOCTL_SLICE_STOP,
	[OP_CHANNEL_OPEN] = CPC_IOCTL_CHANNEL_OPEN,
	[OP_CHANNEL_ATTACH] = CPC_IOCTL_CHANNEL_ATTACH,
	[OP_CHANNEL_DETACH] = CPC_IOCTL_CHANNEL_DETACH,
};

/* A random command number: a known one re-encoded, or anything. */
static unsigned long any_cmd(bool chan)
{
	unsigned long c;

	switch (below(5)) {
	case 0:
		return rnd() & 0xffffffff;
	case 1:
		return _IOC(below(4), CPC_IOC_MAGIC, below(256), below(1 << 14));
	case 2:
		c = chan ? (below(2) ? CPC_IOCTL_CALL : CPC_IOCTL_CHANNEL_RESET)
			 : host_cmd[below(OP_CHANNEL_DETACH + 1)];
		/* same nr, another size or direction */
		return _IOC(below(4), _IOC_TYPE(c), _IOC_NR(c), below(1 << 14));
	case 3:
		return chan ? host_cmd[below(OP_CHANNEL_DETACH + 1)] : CPC_IOCTL_CALL;
	default:
		return _IO(CPC_IOC_MAGIC, 0x45 + below(0x100 - 0x45));
	}
}

static void host_ioctl(enum op o)
{
	unsigned char *b = rw_buf + (chance(80) ? 0 : BUF_SIZE - 4096 - 64);
	size_t size;
	uint64_t arg;

	if (open_host() < 0)
		return;
	size = build(o, b);
	if (o == OP_SLICE_LOAD) {
		struct cpc_slice_image_header *h = (void *)image;

		memcpy(image, &(struct cpc_slice_image_header){
			.magic = CPC_SLICE_IMAGE_MAGIC, .version = CPC_SLICE_IMAGE_VERSION,
			.header_size = sizeof(*h), .entry = sizeof(*h), .file_size = image_len,
			.mem_size = image_len, .load_offset = CPC_SLICE_IMAGE_OFFSET }, sizeof(*h));
		if (chance(50))
			mutate(image, sizeof(*h));
		keep_entry_safe(h);
	}
	if (o == OP_SLICE_CREATE)	/* CPU 3 is cpc_guest's maintenance CPU */
		((struct cpc_slice_create *)b)->cpus[0] &= ~0x8ULL;
	/* A pointer placed so that the struct ends at a PROT_NONE page. */
	if (chance(5)) {
		long pg = sysconf(_SC_PAGESIZE);
		unsigned int cut = 1 + below(size);

		memcpy(edge_page + pg - cut, b, cut);
		arg = (uintptr_t)edge_page + pg - cut;
	} else {
		arg = any_pointer(b, size);
	}
	long r = do_ioctl(o, host_fd, host_cmd[o], arg);

	if (o == OP_SLICE_CREATE && r == 0)
		add(&sh->fuzz_slices_created, 1);
	if (o == OP_CHANNEL_OPEN && r >= 0) {
		unsigned int i = below(4);

		if (chan_fd[i] >= 0)
			close(chan_fd[i]);
		chan_fd[i] = r;
	}
}

static void chan_call(void)
{
	int fd = some_chan_fd();
	struct cpc_call *c = (void *)rw_buf;

	if (fd < 0)
		return;
	build_call(c);
	do_ioctl(OP_CALL, fd, CPC_IOCTL_CALL, any_pointer(c, sizeof(*c)));
}

static void chan_reset(void)
{
	int fd = some_chan_fd();

	if (fd < 0)
		return;
	build(OP_CHANNEL_RESET, rw_buf);
	do_ioctl(OP_CHANNEL_RESET, fd, CPC_IOCTL_CHANNEL_RESET,
		 any_pointer(rw_buf, sizeof(struct cpc_channel_reset)));
}

static void reap_uring(bool wait)
{
	struct io_uring_cqe *cqe;

	while (inflight) {
		int r = wait ? io_uring_wait_cqe(&ring, &cqe) : io_uring_peek_cqe(&ring, &cqe);

		if (r)
			return;
		rec(cqe->user_data >> 32 ? OP_URING_OTHER : OP_URING_CALL, cqe->res);
		slots_used &= ~(1u << (cqe->user_data & 0xff));
		io_uring_cqe_seen(&ring, cqe);
		inflight--;
	}
}

/* A batch of uring commands on channel fds; their CQEs may be left. */
static void uring_batch(void)
{
	unsigned int n = 1 + below(6), i, slot;
	int r;

	if (!ring_ok)
		return;
	if (inflight + n > RING_ENTRIES)
		reap_uring(true);
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		struct cpc_call_uring *u;
		int fd = some_chan_fd();
		bool other = chance(10);

		if (!sqe)
			break;
		if (fd < 0)
			fd = open_host() >= 0 && chance(50) ? host_fd : 0;
		/* the struct of a call in flight is never rewritten */
		slot = __builtin_ctz(~slots_used);
		slots_used |= 1u << slot;
		build_call(&uring_calls[slot]);
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
		sqe->cmd_op = other ? (uint32_t)any_cmd(true) : CPC_IOCTL_CALL;
		u = (struct cpc_call_uring *)sqe->cmd;
		u->call_ptr = any_pointer(&uring_calls[slot], sizeof(struct cpc_call));
		u->reserved = chance(5) ? rnd() : 0;
		sqe->user_data = (uint64_t)other << 32 | slot;
	}
	r = io_uring_submit(&ring);
	if (r > 0)
		inflight += r;
	if (chance(50))
		reap_uring(chance(30));
}

static void other_syscall(void)
{
	int fd = chance(50) ? open_host() : some_chan_fd();
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	long r;
	void *m;

	if (fd < 0)
		return;
	switch (below(5)) {
	case 0:
		r = read(fd, rw_buf, below(64));
		break;
	case 1:
		r = write(fd, rw_buf, below(64));
		break;
	case 2:
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		r = m == MAP_FAILED ? -1 : 0;
		if (m != MAP_FAILED)
			munmap(m, 4096);
		break;
	case 3:
		r = poll(&p, 1, 0);
		break;
	default:
		r = lseek(fd, rnd(), below(5));
		break;
	}
	rec(OP_OTHER_SYSCALL, r < 0 ? -errno : 0);
}

static void close_something(void)
{
	unsigned int i = below(6);

	add(&sh->fd_closes, 1);
	if (i < 4) {
		if (chan_fd[i] >= 0)
			close(chan_fd[i]);
		chan_fd[i] = -1;
	} else if (i == 4) {
		if (host_fd >= 0)
			close(host_fd);
		host_fd = -1;
	} else if (ring_ok) {
		/* calls in flight lose their ring */
		io_uring_queue_exit(&ring);
		ring_ok = io_uring_queue_init(RING_ENTRIES, &ring, 0) == 0;
		inflight = 0;
		slots_used = 0;
	}
}

static void one_op(bool priv)
{
	unsigned int w = below(100);

	if (w < 40)
		host_ioctl((enum op)below(OP_CHANNEL_DETACH + 1));
	else if (w < 58)
		chan_call();
	else if (w < 72)
		uring_batch();
	else if (w < 75)
		chan_reset();
	else if (w < 83) {
		if (open_host() >= 0)
			do_ioctl(OP_UNKNOWN_HOST, host_fd, any_cmd(false),
				 any_pointer(rw_buf, 4096));
	} else if (w < 91) {
		int fd = some_chan_fd();

		if (fd >= 0)
			do_ioctl(OP_UNKNOWN_CHAN, fd, any_cmd(true), any_pointer(rw_buf, 4096));
	} else if (w < 95) {
		other_syscall();
	} else if (w < 99 || !priv) {
		close_something();
	} else {
		/* (re)open the loopback channel for real */
		if (chan_fd[0] >= 0)
			close(chan_fd[0]);
		chan_fd[0] = channel_open_named(LB);
	}
}

static int drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {};

	return syscall(SYS_capset, &h, d);
}

/*
 * One fuzzing process: opens its fds as root, then maybe becomes nobody or
 * root without capabilities, runs @ops operations and exits, maybe with
 * calls in flight.
 */
static void fuzz_process(uint64_t seed, unsigned int slot, unsigned long gen)
{
	unsigned int ops, i, mode;

	seed_rng(seed, slot, gen);
	memory_setup();
	image_setup();
	uring_calls = mmap(NULL, RING_ENTRIES * sizeof(*uring_calls), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ring_ok = uring_calls != MAP_FAILED && io_uring_queue_init(RING_ENTRIES, &ring, 0) == 0;
	privileged = true;	/* root until the mode says otherwise */
	open_host();
	some_chan_fd();
	mode = below(10);
	if (mode < 2) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(3);
		add(&sh->as_nobody, 1);
	} else if (mode < 4) {
		if (drop_caps())
			_exit(3);
		add(&sh->as_nocaps, 1);
	} else {
		add(&sh->as_root, 1);
	}
	privileged = mode >= 4;
	ops = 50 + below(400);
	for (i = 0; i < ops && !get(&sh->quiesce) && !get(&sh->stop); i++)
		one_op(mode >= 4);
	if (chance(40))
		uring_batch();	/* and maybe leave with it in flight */
	if (inflight && chance(50)) {
		add(&sh->exits_in_flight, 1);
		_exit(0);	/* the kernel finishes them without us */
	}
	reap_uring(true);
	_exit(0);
}

/* ---------------------------------------------------- real slices */
static int slice_op(unsigned long cmd, const char *name)
{
	struct cpc_slice_ref r = { .size = sizeof(r) };

	snprintf(r.name, sizeof(r.name), "%s", name);
	return ioctl(host_fd, cmd, &r) ? -errno : 0;
}

static bool slice_exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/cpc_host/slices/%s", name);
	return cpc_path_exists(path);
}

/* Destroys every slice (retrying a partial destroy); 0 when none is left. */
static int destroy_all_slices(void)
{
	struct dirent *de;
	int left = 0, fd = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	DIR *d = opendir("/sys/kernel/cpc_host/slices");

	if (!d || fd < 0) {
		if (d)
			closedir(d);
		if (fd >= 0)
			close(fd);
		return 0;	/* no cpc_host: no slice */
	}
	while ((de = readdir(d))) {
		struct cpc_slice_ref r = { .size = sizeof(r) };

		if (de->d_name[0] == '.')
			continue;
		snprintf(r.name, sizeof(r.name), "%s", de->d_name);
		for (int t = 0; t < 5; t++) {
			if (!ioctl(fd, CPC_IOCTL_SLICE_DESTROY, &r)) {
				add(&sh->slices_destroyed, 1);
				break;
			}
			if (errno == ENOENT)
				break;
			sleep_ms(100);
		}
		left += slice_exists(r.name);
	}
	closedir(d);
	close(fd);
	return left;
}

/* Creates @name on @cpu with 128 MiB (any, or block @block). */
static int slice_create_real(const char *name, unsigned int cpu, unsigned int block)
{
	struct cpc_slice_create c = { .size = sizeof(c) };

	snprintf(c.name, sizeof(c.name), "%s", name);
	c.cpus[0] = 1ULL << cpu;
	if (chance(50)) {
		c.flags = CPC_SLICE_CREATE_BLOCKS;
		c.nr_blocks = 1;
		c.blocks[0] = block;
	} else {
		c.mem_bytes = 128ULL << 20;
	}
	return ioctl(host_fd, CPC_IOCTL_SLICE_CREATE, &c) ? -errno : 0;
}

/* Loads the hlt image into slice @name. */
static void slice_load_real(const char *name)
{
	struct cpc_slice_load l = { .size = sizeof(l) };

	snprintf(l.name, sizeof(l.name), "%s", name);
	l.image_ptr = (uintptr_t)image;
	l.image_len = image_len;
	ioctl(host_fd, CPC_IOCTL_SLICE_LOAD, &l);
}

/* Life cycles of slices real0 (CPU 2) and real1 (CPU 1), steps at random. */
static void slice_worker(uint64_t seed)
{
	static const char *const names[] = { "real0", "real1" };

	seed_rng(seed, 100, 0);
	image_setup();
	while (!get(&sh->stop)) {
		if (get(&sh->quiesce)) {
			if (host_fd >= 0)
				close(host_fd);
			host_fd = -1;
			set(&sh->slice_parked, 1);
			while (get(&sh->quiesce) && !get(&sh->stop))
				sleep_ms(20);
			set(&sh->slice_parked, 0);
			continue;
		}
		if (open_host() < 0) {
			sleep_ms(50);
			continue;
		}
		unsigned int i = below(2);
		const char *n = names[i];

		if (!slice_exists(n)) {
			int r = slice_create_real(n, 2 - i, 33 - i);

			if (!r)
				add(&sh->slices_created, 1);
			continue;
		}
		switch (below(10)) {
		case 0:
			slice_load_real(n);
			break;
		case 1:
		case 2:
		case 3:
			slice_load_real(n);
			if (!slice_op(CPC_IOCTL_SLICE_START, n))
				add(&sh->slice_starts, 1);
			break;
		case 4:
			slice_op(CPC_IOCTL_SLICE_STOP, n);
			break;
		case 5: {
			struct cpc_channel_attach a = { .size = sizeof(a) };

			snprintf(a.channel, sizeof(a.channel), LB);
			snprintf(a.slice, sizeof(a.slice), "%s", n);
			ioctl(host_fd, below(2) ? CPC_IOCTL_CHANNEL_ATTACH : CPC_IOCTL_CHANNEL_DETACH, &a);
			break;
		}
		case 6:
			if (chance(30))
				slice_op(CPC_IOCTL_SLICE_LOCK, n);
			break;
		case 7:
			if (!slice_op(CPC_IOCTL_SLICE_DESTROY, n))
				add(&sh->slices_destroyed, 1);
			break;
		default:	/* leave it to the fuzzers a while */
			break;
		}
		sleep_ms(below(200));
	}
	_exit(0);
}

/* ------------------------------------------------ module reloads */
static char host_args[512];

static int load(const char *mod, const char *args)
{
	int r = cpc_module_load(mod, args);

	add(r ? &sh->loads_failed : &sh->loads_ok, 1);
	return r;
}

/* cpc_guest without its procedure modules (none is loaded in the host VM). */
static int guest_load(void)
{
	char path[256];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/cpc_guest.ko", cpc_module_dir());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(__NR_finit_module, fd, GUEST_ARGS, 0))
		r = -errno;
	close(fd);
	add(r && r != -EEXIST ? &sh->loads_failed : &sh->loads_ok, 1);
	return r;
}

static int unload(const char *mod, unsigned long *ok, unsigned long *refused)
{
	int r = cpc_module_unload(mod);	/* cpc_guest: its cpc_proc_* first */

	add(r ? refused : ok, 1);
	return r;
}

/*
 * Unloads cpc_guest while calls run (it is never pinned by them), and
 * cpc_host whenever asked (refused while any fd or slice holds it); every
 * few rounds the fuzzers are told to leave so that cpc_host really goes.
 */
static void reload_worker(uint64_t seed)
{
	unsigned long round = 0;

	seed_rng(seed, 101, 0);
	while (!get(&sh->stop)) {
		sleep_ms(500 + below(1500));
		if (get(&sh->stop))
			break;
		round++;
		if (round % 4 == 0) {
			double end = now() + 30;

			set(&sh->quiesce, 1);
			while ((get(&sh->fuzz_alive) || !get(&sh->slice_parked)) && now() < end &&
		       !get(&sh->stop))
				sleep_ms(20);
			destroy_all_slices();
		}
		if (!unload("cpc_guest", &sh->guest_unload_ok, &sh->guest_unload_refused))
			sleep_ms(below(100));
		if (chance(50) || round % 4 == 0) {
			if (!unload("cpc_host", &sh->host_unload_ok, &sh->host_unload_refused))
				load("cpc_host", host_args);
		}
		if (!cpc_module_loaded("cpc_host"))
			load("cpc_host", host_args);
		if (!cpc_module_loaded("cpc_guest"))
			guest_load();
		set(&sh->quiesce, 0);
	}
	_exit(0);
}

/* ---------------------------------------------------------- checks */
static int read_line(const char *path, const char *key, char *out, size_t n)
{
	char buf[8192], *p;

	if (cpc_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = key ? strstr(buf, key) : buf;
	if (!p)
		return -1;
	snprintf(out, n, "%s", p);
	p = strchr(out, '\n');
	if (p)
		*p = '\0';
	return 0;
}

/* Pings over the loopback channel until it answers (at most @secs). */
static int ping_ok(int secs)
{
	double end = now() + secs;

	while (now() < end) {
		struct cpc_channel_open o = { .size = sizeof(o) };
		struct cpc_call c = { .size = sizeof(c), .proc = CPC_PROC_PING,
				      .timeout_ms = 1000, .args = { 0x5eed } };
		int h = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC), fd;

		snprintf(o.name, sizeof(o.name), LB);
		fd = h < 0 ? -1 : ioctl(h, CPC_IOCTL_CHANNEL_OPEN, &o);
		if (fd >= 0) {
			int r = ioctl(fd, CPC_IOCTL_CALL, &c);

			close(fd);
			if (!r && c.ret[0] == 0x5eed) {
				close(h);
				return 0;
			}
		}
		if (h >= 0)
			close(h);
		sleep_ms(200);
	}
	return -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: cpc-fuzz-ioctl [--seed S] [--calls N] [--seconds MAX] "
		"[--no-reload] [--no-slices]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "calls", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "no-reload", no_argument, NULL, 'R' },
		{ "no-slices", no_argument, NULL, 'S' },
		{}
	};
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	unsigned long want = 10000, gen[FUZZ_SLOTS] = {};
	unsigned int max_secs = 600, i;
	bool reload = true, slices = true;
	pid_t slot_pid[FUZZ_SLOTS] = {}, slicer = 0, reloader = 0;
	char cpus_before[64], cpus_after[64], mem_before[128], mem_after[128];
	int c, fail = 0, bad_exits = 0;
	double start, last = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			want = strtoul(optarg, NULL, 0);
			break;
		case 't':
			max_secs = strtoul(optarg, NULL, 0);
			break;
		case 'R':
			reload = false;
			break;
		case 'S':
			slices = false;
			break;
		default:
			usage();
		}
	}
	printf("fuzz-ioctl: seed %llu (--seed %llu replays it), %lu calls, at most %u s\n",
	       (unsigned long long)seed, (unsigned long long)seed, want, max_secs);
	fflush(stdout);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	memset(sh, 0, sizeof(*sh));
	snprintf(host_args, sizeof(host_args), "%s", cpc_boot_modargs());
	read_line("/sys/devices/system/cpu/online", NULL, cpus_before, sizeof(cpus_before));
	read_line("/proc/meminfo", "MemTotal:", mem_before, sizeof(mem_before));
	if (!cpc_module_loaded("cpc_host") && load("cpc_host", host_args)) {
		printf("fuzz-ioctl: FAIL cannot load cpc_host\n");
		return 1;
	}
	if (!cpc_module_loaded("cpc_guest"))
		guest_load();
	if (ping_ok(20)) {
		printf("fuzz-ioctl: FAIL loopback channel does not answer before fuzzing\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	start = now();
	if (slices && !(slicer = fork()))
		slice_worker(seed);
	if (!slices)
		set(&sh->slice_parked, 1);
	if (reload && !(reloader = fork()))
		reload_worker(seed);
	for (;;) {
		int st;
		pid_t p;
		bool done = __atomic_load_n(&sh->calls, __ATOMIC_RELAXED) >= want ||
			    now() - start > max_secs;

		if (done && !get(&sh->stop))
			set(&sh->stop, 1);
		for (i = 0; i < FUZZ_SLOTS && !done && !get(&sh->quiesce); i++) {
			if (slot_pid[i])
				continue;
			__atomic_fetch_add(&sh->fuzz_alive, 1, __ATOMIC_ACQ_REL);
			add(&sh->processes, 1);
			slot_pid[i] = fork();
			if (!slot_pid[i])
				fuzz_process(seed, i, gen[i]);
			gen[i]++;
		}
		if (now() - last > 10) {
			last = now();
			printf("fuzz-ioctl: %.0f s: %lu calls, %lu processes, %lu slices created\n",
			       last - start, sh->calls, sh->processes,
			       sh->slices_created + sh->fuzz_slices_created);
			fflush(stdout);
		}
		p = waitpid(-1, &st, WNOHANG);
		if (p < 0)
			break;	/* no child left */
		if (p == 0) {
			sleep_ms(10);
			continue;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("fuzz-ioctl: process %d ended with status 0x%x\n", p, st);
			bad_exits++;
		}
		for (i = 0; i < FUZZ_SLOTS; i++)
			if (slot_pid[i] == p) {
				slot_pid[i] = 0;
				__atomic_fetch_sub(&sh->fuzz_alive, 1, __ATOMIC_ACQ_REL);
			}
	}
	double secs = now() - start;

	/* The end state: both modules loaded, no slice, the channel answers. */
	if (!cpc_module_loaded("cpc_host"))
		load("cpc_host", host_args);
	if (!cpc_module_loaded("cpc_guest"))
		guest_load();
	if (destroy_all_slices()) {
		printf("fuzz-ioctl: FAIL a slice cannot be destroyed\n");
		fail = 1;
	}
	if (ping_ok(30)) {
		printf("fuzz-ioctl: FAIL loopback channel does not answer after fuzzing\n");
		fail = 1;
	}
	read_line("/sys/devices/system/cpu/online", NULL, cpus_after, sizeof(cpus_after));
	read_line("/proc/meminfo", "MemTotal:", mem_after, sizeof(mem_after));

	printf("fuzz-ioctl: %lu calls in %.1f s by %lu processes (%lu as root, %lu as nobody, "
	       "%lu root without capabilities; %lu exited with calls in flight)\n",
	       sh->calls, secs, sh->processes, sh->as_root, sh->as_nobody, sh->as_nocaps,
	       sh->exits_in_flight);
	for (i = 0; i < NR_OPS; i++)
		printf("fuzz-ioctl:   %-28s %lu\n", op_name[i], sh->op[i]);
	printf("fuzz-ioctl: results:");
	for (i = 0; i <= MAX_ERRNO; i++)
		if (sh->err[i])
			printf(" %s=%lu", !i ? "ok" : i == MAX_ERRNO ? "other" : strerrorname_np(i),
			       sh->err[i]);
	printf("\nfuzz-ioctl: slices: %lu created by the slice worker, %lu by fuzzed calls, "
	       "%lu destroyed by the slice worker/cleanup, %lu started\n",
	       sh->slices_created, sh->fuzz_slices_created, sh->slices_destroyed, sh->slice_starts);
	printf("fuzz-ioctl: unloads: cpc_guest %lu done %lu refused, cpc_host %lu done %lu refused; "
	       "%lu loads, %lu failed; %lu fd/ring closes\n",
	       sh->guest_unload_ok, sh->guest_unload_refused, sh->host_unload_ok,
	       sh->host_unload_refused, sh->loads_ok, sh->loads_failed, sh->fd_closes);
	printf("fuzz-ioctl: CPUs online %s -> %s; %s -> %s\n", cpus_before, cpus_after,
	       mem_before, mem_after);
	if (bad_exits) {
		printf("fuzz-ioctl: FAIL %d processes did not exit cleanly\n", bad_exits);
		fail = 1;
	}
	if (strcmp(cpus_before, cpus_after) || strcmp(mem_before, mem_after)) {
		printf("fuzz-ioctl: FAIL the host did not get its CPUs or memory back\n");
		fail = 1;
	}
	if (sh->calls < want) {
		printf("fuzz-ioctl: FAIL only %lu of %lu calls within %u s\n", sh->calls, want,
		       max_secs);
		fail = 1;
	}
	if (sh->loads_failed) {
		printf("fuzz-ioctl: FAIL %lu module loads failed\n", sh->loads_failed);
		fail = 1;
	}
	printf("fuzz-ioctl: %s\n", fail ? "FAIL" : "ok");
	return fail;
}
