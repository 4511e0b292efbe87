/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpc_test.h - small helpers shared by cpc's kselftests (sysfs files,
 * module load/unload, waiting with a deadline, running cpcctl and reading
 * its JSON).
 */
#ifndef CPC_TEST_H
#define CPC_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* Is module @name loaded? */
static inline int cpc_module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return cpc_path_exists(path);
}

/*
 * Unloads module @name without waiting; returns 0 or -errno. cpc_guest goes
 * with its procedure modules (cpc_proc_*), which depend on it: they are
 * unloaded first, as the owner would.
 */
static inline int cpc_module_unload(const char *name)
{
	struct dirent *de;
	DIR *d;

	if (!strcmp(name, "cpc_guest") && (d = opendir("/sys/module"))) {
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, "cpc_proc_", 9))
				syscall(__NR_delete_module, de->d_name, O_NONBLOCK);
		closedir(d);
	}
	if (syscall(__NR_delete_module, name, O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* The value of @key (e.g. "cpc.modargs=") on the kernel command line, or NULL. */
static inline const char *cpc_cmdline_arg(const char *key, char *buf, size_t size)
{
	char cmdline[4096], *p, *end;

	if (cpc_read_file("/proc/cmdline", cmdline, sizeof(cmdline)) <= 0)
		return NULL;
	p = strstr(cmdline, key);
	if (!p)
		return NULL;
	p += strlen(key);
	end = strpbrk(p, " \n");
	if (end)
		*end = '\0';
	snprintf(buf, size, "%s", p);
	return buf;
}

/*
 * The module arguments the test bed booted this VM with (cpc.modargs= on
 * the kernel command line, ";" for spaces): what a test that reloads
 * the module passes to get the same module again (e.g. the owner's allow
 * list). In a Linux slice also the slice_info= cpc_host gave the slice
 * kernel (cpc_guest.slice_info=, which only modprobe would apply): the
 * reloaded module serves the slice bus again. Empty when there are none.
 */
static inline const char *cpc_boot_modargs(void)
{
	static char args[512];
	char info[64], *p;
	int n;

	args[0] = '\0';
	if (!cpc_cmdline_arg("cpc.modargs=", args, sizeof(args)))
		args[0] = '\0';
	for (p = args; *p; p++)
		if (*p == ';')
			*p = ' ';
	n = strlen(args);
	if (cpc_cmdline_arg("cpc_guest.slice_info=", info, sizeof(info)))
		snprintf(args + n, sizeof(args) - n, "%sslice_info=%s", n ? " " : "", info);
	return args;
}

/*
 * Loads every procedure module (cpc_proc_*.ko) of cpc_module_dir(), as the
 * test bed does at boot: cpc_guest as the tests know it has them all.
 */
static inline void cpc_load_proc_modules(void)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(cpc_module_dir());
	int fd;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "cpc_proc_", 9))
			continue;
		snprintf(path, sizeof(path), "%s/%s", cpc_module_dir(), de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		syscall(__NR_finit_module, fd, "", 0);
		close(fd);
	}
	closedir(d);
}

/*
 * Loads @name.ko from cpc_module_dir() with @params; returns 0 or -errno.
 * After cpc_guest, its procedure modules too (cpc_load_proc_modules()).
 */
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
	if (!ret && !strcmp(name, "cpc_guest"))
		cpc_load_proc_modules();
	return ret;
}

static inline double cpc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Runs the shell command printf(@fmt, ...) with stderr folded into stdout
 * and keeps at most @n - 1 bytes of the output in @out (NUL-terminated).
 * Returns the command's exit status, or -1 if it did not run or exit.
 */
static inline int cpc_run(char *out, size_t n, const char *fmt, ...)
{
	char cmd[1024];
	size_t len = 0, r;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 5, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (len + 1 < n && (r = fread(out + len, 1, n - 1 - len, p)) > 0)
		len += r;
	out[len] = '\0';
	st = pclose(p);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * 0 when the JSON document @doc conforms to the definition @def of
 * cpcctl's schema (userlib/cpcctl/cpcctl.schema.json), checked by
 * cpc-json-check, which prints what does not to stderr.
 */
static inline int cpc_json_check(const char *def, const char *doc)
{
	char cmd[128];
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "cpc-json-check %s", def);
	p = popen(cmd, "w");
	if (!p)
		return -1;
	fputs(doc, p);
	st = pclose(p);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The number after "@key": in JSON @text, looking from the first @from
 * on (NULL: from the start); -1 if there is none.
 */
static inline double cpc_json_num(const char *text, const char *from, const char *key)
{
	char k[64];
	const char *p = from ? strstr(text, from) : text;

	if (!p)
		return -1;
	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(p, k);
	return p ? atof(p + strlen(k)) : -1;
}

#endif /* CPC_TEST_H */
