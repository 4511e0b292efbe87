/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slice_image.h - tiny slice images for the tests, assembled into the test
 * binary itself (position independent, copied into an image buffer at run
 * time) and the ioctls that load, start and stop them; loading a Linux
 * kernel (the test bed's bzImage) on a slice.
 *
 * The probe image (entry at image offset 64) records what the entry ABI
 * gave it in its data area (struct probe_data), then, by its mode word:
 * PROBE_SPIN counts in @beats forever with interrupts off; PROBE_HLT counts
 * once in @halts and executes hlt with interrupts off, counting again each
 * time it wakes up (never, unless something other than INIT reaches it).
 */
#ifndef CPC_SLICE_IMAGE_H
#define CPC_SLICE_IMAGE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/cpc_host.h>
#include <linux/cpc_slice.h>

#include "cpc_test.h"

/* What the probe image writes (at the end of the image file). */
struct probe_data {
	uint64_t rdi, rsp, cr0, cr4, efer, rflags, cs, info_magic;
	uint64_t lapic_id, info_boot_apic_id, mode, beats, halts, tr;
};

enum { PROBE_SPIN = 0, PROBE_HLT = 1 };

__asm__(
	".pushsection .rodata.cpc_probe, \"a\"\n"
	".globl cpc_probe_start, cpc_probe_end, cpc_probe_data\n"
	"cpc_probe_start:\n"
	"	leaq cpc_probe_data(%rip), %rbx\n"
	"	movq %rdi, 0(%rbx)\n"
	"	movq %rsp, 8(%rbx)\n"
	"	movq %cr0, %rax\n"
	"	movq %rax, 16(%rbx)\n"
	"	movq %cr4, %rax\n"
	"	movq %rax, 24(%rbx)\n"
	"	movl $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	shlq $32, %rdx\n"
	"	orq %rdx, %rax\n"
	"	movq %rax, 32(%rbx)\n"
	"	pushfq\n"
	"	popq %rax\n"
	"	movq %rax, 40(%rbx)\n"
	"	movl %cs, %eax\n"
	"	movq %rax, 48(%rbx)\n"
	"	movq (%rdi), %rax\n"
	"	movq %rax, 56(%rbx)\n"
	"	movl $0xfee00020, %ecx\n"
	"	movl (%rcx), %eax\n"
	"	shrl $24, %eax\n"
	"	movq %rax, 64(%rbx)\n"
	"	movl 52(%rdi), %eax\n"
	"	movq %rax, 72(%rbx)\n"
	"	cmpq $1, 80(%rbx)\n"
	"	je 2f\n"
	"1:	incq 88(%rbx)\n"
	"	pause\n"
	"	jmp 1b\n"
	"2:	cli\n"
	"3:	incq 96(%rbx)\n"
	"	hlt\n"
	"	jmp 3b\n"
	/* Data on its own page: writes next to code make TCG retranslate. */
	"	.balign 4096\n"
	"cpc_probe_data:\n"
	"	.fill 14, 8, 0\n"
	"cpc_probe_end:\n"
	".popsection\n");

extern const unsigned char cpc_probe_start[], cpc_probe_end[], cpc_probe_data[];

/* Offset of the probe's data in the slice's memory (debugfs mem). */
static inline uint64_t probe_data_offset(void)
{
	return CPC_SLICE_IMAGE_OFFSET + sizeof(struct cpc_slice_image_header) +
	       (cpc_probe_data - cpc_probe_start);
}

/*
 * Builds a probe image in a malloc()ed buffer of *@len bytes, with
 * @bss extra bytes of memory size. Returns the buffer (free() it).
 */
static inline unsigned char *probe_image(uint64_t mode, uint64_t bss, size_t *len)
{
	size_t code = cpc_probe_end - cpc_probe_start;
	size_t n = sizeof(struct cpc_slice_image_header) + code;
	struct cpc_slice_image_header h = {
		.magic = CPC_SLICE_IMAGE_MAGIC,
		.version = CPC_SLICE_IMAGE_VERSION,
		.header_size = sizeof(h),
		.entry = sizeof(h),
		.file_size = n,
		.mem_size = n + bss,
		.load_offset = CPC_SLICE_IMAGE_OFFSET,
	};
	unsigned char *img = calloc(1, n);
	struct probe_data *d;

	if (!img)
		return NULL;
	memcpy(img, &h, sizeof(h));
	memcpy(img + sizeof(h), cpc_probe_start, code);
	d = (struct probe_data *)(img + sizeof(h) + (cpc_probe_data - cpc_probe_start));
	d->mode = mode;
	*len = n;
	return img;
}

static inline struct cpc_slice_image_header *image_header(unsigned char *img)
{
	return (struct cpc_slice_image_header *)img;
}

static inline void slice_load_req(struct cpc_slice_load *r, const char *name,
				  const void *img, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->image_ptr = (uintptr_t)img;
	r->image_len = len;
}

/* Linux on a slice: CPC_SLICE_LOAD_LINUX of a bzImage, no initrd. */
static inline void linux_req(struct cpc_slice_load *r, const char *name,
			     const void *img, size_t len)
{
	slice_load_req(r, name, img, len);
	r->flags = CPC_SLICE_LOAD_LINUX;
}

/* Returns 0 or errno. */
static inline int load_linux(int fd, const char *name, const void *img, size_t len)
{
	struct cpc_slice_load r;

	linux_req(&r, name, img, len);
	return ioctl(fd, CPC_IOCTL_SLICE_LOAD, &r) ? errno : 0;
}

/* The kernel the test bed's host VM has for Linux slices (Debian's bzImage). */
#define SLICE_VMLINUZ "/usr/lib/cpc/slice-vmlinuz"

/* The whole of @path in a malloc()ed buffer of *@len bytes, or NULL. */
static inline unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(n);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = n;
	}
	fclose(f);
	return buf;
}

/* Returns 0 or errno. */
static inline int slice_load(int fd, const char *name, const void *img, size_t len)
{
	struct cpc_slice_load r;

	slice_load_req(&r, name, img, len);
	return ioctl(fd, CPC_IOCTL_SLICE_LOAD, &r) ? errno : 0;
}

static inline int slice_ref_ioctl(int fd, unsigned long cmd, const char *name)
{
	struct cpc_slice_ref r;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	snprintf(r.name, sizeof(r.name), "%s", name);
	return ioctl(fd, cmd, &r) ? errno : 0;
}

static inline int slice_start(int fd, const char *name)
{
	return slice_ref_ioctl(fd, CPC_IOCTL_SLICE_START, name);
}

static inline int slice_stop(int fd, const char *name)
{
	return slice_ref_ioctl(fd, CPC_IOCTL_SLICE_STOP, name);
}

/* Fills @c to read slice @name's console into @buf (@len bytes). */
static inline void slice_console_req(struct cpc_slice_console *c, const char *name, char *buf,
				     unsigned int len)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->buf_ptr = (uintptr_t)buf;
	c->buf_len = len;
}

/* CPC_IOCTL_SLICE_CONSOLE on @name into @buf; fills @c. Returns 0 or errno. */
static inline int console_read(int fd, const char *name, struct cpc_slice_console *c, char *buf,
			       unsigned int len)
{
	slice_console_req(c, name, buf, len);
	return ioctl(fd, CPC_IOCTL_SLICE_CONSOLE, c) ? errno : 0;
}

/* Reads the probe's data out of slice @name's memory (debugfs mem). */
static inline int probe_read(const char *name, struct probe_data *d)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/kernel/debug/cpc_host/slices/%s/mem", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ok = pread(fd, d, sizeof(*d), probe_data_offset()) == sizeof(*d);
	close(fd);
	return ok ? 0 : -EIO;
}

/* Reads or writes @len bytes at offset @off of slice @name's memory. */
static inline int slice_mem_io(const char *name, uint64_t off, void *buf, size_t len, int write)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/cpc_host/slices/%s/mem", name);
	fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

#endif /* CPC_SLICE_IMAGE_H */
