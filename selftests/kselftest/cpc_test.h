/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpc_test.h - small helpers shared by cpc's kselftests (sysfs files,
 * module load/unload, waiting with a deadline).
 */
#ifndef CPC_TEST_H
#define CPC_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Where the test bed's initramfs keeps cpc's modules. */
static inline const char *cpc_module_dir(void)
{
	const char *d = getenv("CPC_MODULE_DIR");

	return d ? d : "/lib/modules/cpc";
}

/* Reads a small text file into @buf (NUL-terminated); returns length or -errno. */
static inline int cpc_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}

/* Writes @s to @path; returns 0 or -errno. */
static inline int cpc_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

static inline int cpc_path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Unloads module @name without waiting; returns 0 or -errno. */
static inline int cpc_module_unload(const char *name)
{
	if (syscall(__NR_delete_module, name, O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* Loads @name.ko from cpc_module_dir() with @params; returns 0 or -errno. */
static inline int cpc_module_load(const char *name, const char *params)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s.ko", cpc_module_dir(), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(__NR_finit_module, fd, params ? params : "", 0) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static inline double cpc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* CPC_TEST_H */
