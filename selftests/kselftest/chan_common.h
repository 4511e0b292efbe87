/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chan_common.h - helpers of the cross-VM CPC channel tests.
 *
 * The host test drives a guest-side agent (chan_agent.c) through a mailbox
 * in the channel region's scratch page (which the protocol never uses), so
 * that one host test can change the guest's policy, make it slow, reload
 * its module or make it write garbage, and then check what the host sees.
 * Both sides reach the shared memory through the transport's raw debugfs
 * "shm" file.
 */
#ifndef CPC_CHAN_COMMON_H
#define CPC_CHAN_COMMON_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <linux/cpc_host.h>
#include <linux/cpc_proto.h>

#include "cpc_test.h"

#define MBOX_OFF	1024	/* in the scratch page; ivshmem_xvm uses 0..255 */
#define MBOX_MAGIC	0x584f424du	/* "MBOX": the agent is listening */
/* MBOX_READ of this path answers the guest's name of its channel. */
#define MBOX_CHANNEL_NAME "@channel"
/* Guest test knob: delay the maintenance thread's next wake-up (ms). */
#define GUEST_DELAY "/sys/kernel/debug/cpc_guest/delay_next_ms"

enum mbox_op {
	MBOX_NONE,
	MBOX_WRITE,	/* write data[0..len) to path at offset arg */
	MBOX_READ,	/* read path into data; result = bytes */
	MBOX_RELOAD,	/* unload cpc_guest, wait arg ms, load it again (with
			 * data as arguments; none: the boot's) */
	MBOX_REBOOT,	/* answer, then reboot the guest VM: arg 0 clean, 1 hard */
	MBOX_DONE,	/* the agent exits */
	MBOX_SPIN,	/* a task pinned to CPU data (default: the maintenance
			 * vCPU) spins for arg ms; result = loops / 1024 */
};

struct mbox {
	uint32_t magic;
	uint32_t seq;	/* host: bumped last when a command is ready */
	uint32_t ack;	/* guest: = seq when the command is done */
	int32_t result;	/* 0/bytes or -errno */
	uint32_t op;
	uint32_t arg;
	uint32_t len;
	uint32_t pad;
	char path[192];
	char data[768];
};

/* Finds the raw shm file of the @index-th ivshmem device of @module. */
static inline int chan_shm_path(const char *module, int index, char *out, size_t n)
{
	char root[128];
	struct dirent **names;
	int i, cnt;

	snprintf(root, sizeof(root), "/sys/kernel/debug/%s/ivshmem", module);
	cnt = scandir(root, &names, NULL, alphasort);
	if (cnt < 0)
		return -errno;
	int found = -ENODEV, k = 0;

	for (i = 0; i < cnt; i++) {
		if (names[i]->d_name[0] != '.') {
			if (k++ == index) {
				snprintf(out, n, "%s/%s/shm", root, names[i]->d_name);
				found = 0;
			}
		}
		free(names[i]);
	}
	free(names);
	return found;
}

/* Opens the host's raw shm file of ivshmem channel @chan; fd or -errno. */
static inline int chan_shm_open(const char *chan)
{
	char path[256];
	int fd;

	if (strncmp(chan, "ivshmem-", 8))
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/kernel/debug/cpc_host/ivshmem/%s/shm", chan + 8);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static inline off_t chan_shm_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

static inline off_t mbox_off(int shm)
{
	return chan_shm_size(shm) - 4096 + MBOX_OFF;
}

static inline int mbox_get(int shm, struct mbox *m)
{
	return pread(shm, m, sizeof(*m), mbox_off(shm)) == sizeof(*m) ? 0 : -EIO;
}

static inline int mbox_put(int shm, const void *p, size_t len, size_t off)
{
	return pwrite(shm, p, len, mbox_off(shm) + off) == (ssize_t)len ? 0 : -EIO;
}

/* Reads the little file @path of the channel directory (host sysfs). */
static inline long long chan_sysfs_num(const char *chan, const char *file)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "/sys/kernel/cpc_host/channels/%s/%s", chan, file);
	if (cpc_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return atoll(buf);
}

static inline int chan_sysfs_str(const char *chan, const char *file, char *buf, size_t n)
{
	char path[256];
	int r;

	snprintf(path, sizeof(path), "/sys/kernel/cpc_host/channels/%s/%s", chan, file);
	r = cpc_read_file(path, buf, n);
	if (r > 0 && buf[r - 1] == '\n')
		buf[r - 1] = '\0';
	return r;
}

/* Name of the @index-th channel (sorted), or -ENODEV. */
static inline int chan_name(int index, char *out, size_t n)
{
	struct dirent **names;
	int i, cnt, k = 0, found = -ENODEV;

	cnt = scandir("/sys/kernel/cpc_host/channels", &names, NULL, alphasort);
	if (cnt < 0)
		return -errno;
	for (i = 0; i < cnt; i++) {
		if (names[i]->d_name[0] != '.' && k++ == index) {
			snprintf(out, n, "%s", names[i]->d_name);
			found = 0;
		}
		free(names[i]);
	}
	free(names);
	return found;
}

/* Waits until channel @chan is in state @want; 0 or -ETIMEDOUT. */
static inline int chan_wait_state(const char *chan, const char *want, double secs)
{
	double end = cpc_now() + secs;
	char buf[64];

	while (cpc_now() < end) {
		if (chan_sysfs_str(chan, "state", buf, sizeof(buf)) > 0 && !strcmp(buf, want))
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

static inline int chan_open(const char *name)
{
	struct cpc_channel_open o = { .size = sizeof(o) };
	int dev, fd;

	dev = open(CPC_HOST_DEVICE, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	snprintf(o.name, sizeof(o.name), "%s", name);
	fd = ioctl(dev, CPC_IOCTL_CHANNEL_OPEN, &o);
	if (fd < 0)
		fd = -errno;
	close(dev);
	return fd;
}

/* A synchronous call; returns 0 or -errno. */
static inline int chan_call(int fd, uint32_t proc, uint64_t arg0, void *out,
			    uint32_t cap, uint32_t timeout_ms, struct cpc_call *res)
{
	struct cpc_call c = {
		.size = sizeof(c), .proc = proc, .timeout_ms = timeout_ms,
		.args = { arg0 }, .out_ptr = (uintptr_t)out, .out_cap = cap,
	};

	if (ioctl(fd, CPC_IOCTL_CALL, &c) < 0) {
		if (res)
			*res = c;
		return -errno;
	}
	if (res)
		*res = c;
	return 0;
}

/* CPC_IOCTL_CHANNEL_RESET on channel fd @fd; 0 or -errno (@r: out fields). */
static inline int chan_reset(int fd, struct cpc_channel_reset *r)
{
	struct cpc_channel_reset mine = { .size = sizeof(mine) };

	if (!r)
		r = &mine;
	return ioctl(fd, CPC_IOCTL_CHANNEL_RESET, r) < 0 ? -errno : 0;
}

/* Waits up to @secs until sysfs number @file of @chan is @want; 0 or -ETIMEDOUT. */
static inline int chan_wait_num(const char *chan, const char *file, long long want,
				double secs)
{
	double end = cpc_now() + secs;

	while (cpc_now() < end) {
		if (chan_sysfs_num(chan, file) == want)
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

#define HOST_STUCK_RESET_MS "/sys/module/cpc_host/parameters/stuck_reset_ms"

/* ---- host side of the mailbox to the guest agent ---- */

/*
 * Waits up to @secs for an agent to listen (its magic in the mailbox);
 * 0 or -ETIMEDOUT.
 */
static inline int mbox_agent_wait(int shm, double secs)
{
	double end = cpc_now() + secs;
	struct mbox m;

	while (cpc_now() < end) {
		if (mbox_get(shm, &m) == 0 && m.magic == MBOX_MAGIC)
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

/*
 * The agent is gone (its VM rebooted): forget its magic, which outlives it
 * in shared memory, so that mbox_agent_wait() waits for the next one.
 */
static inline int mbox_agent_forget(int shm)
{
	uint32_t none = 0;

	return mbox_put(shm, &none, sizeof(none), offsetof(struct mbox, magic));
}

static inline int mbox_post(int shm, uint32_t op, const char *path, const void *data,
		     uint32_t len, uint32_t arg)
{
	struct mbox m;
	double end = cpc_now() + 120;

	while (mbox_get(shm, &m) == 0 && m.magic != MBOX_MAGIC) {
		if (cpc_now() > end)
			return -ETIMEDOUT;
		usleep(20000);
	}
	if (m.seq != m.ack)
		return -EBUSY;
	memset(m.path, 0, sizeof(m.path));
	memset(m.data, 0, sizeof(m.data));
	m.op = op;
	m.arg = arg;
	m.len = len;
	if (path)
		snprintf(m.path, sizeof(m.path), "%s", path);
	if (len)
		memcpy(m.data, data, len);
	if (mbox_put(shm, (char *)&m + offsetof(struct mbox, op),
		     sizeof(m) - offsetof(struct mbox, op), offsetof(struct mbox, op)))
		return -EIO;
	m.seq++;
	return mbox_put(shm, &m.seq, sizeof(m.seq), offsetof(struct mbox, seq));
}

static inline int mbox_wait(int shm, char *out, size_t n, double secs)
{
	double end = cpc_now() + secs;
	struct mbox m;

	while (cpc_now() < end) {
		if (mbox_get(shm, &m) == 0 && m.seq == m.ack) {
			if (out) {
				m.data[sizeof(m.data) - 1] = '\0';
				snprintf(out, n, "%s", m.data);
			}
			return m.result;
		}
		usleep(5000);
	}
	return -ETIMEDOUT;
}

static inline int mbox_cmd(int shm, uint32_t op, const char *path, const void *data,
		    uint32_t len, uint32_t arg, char *out, size_t n)
{
	int r = mbox_post(shm, op, path, data, len, arg);

	return r ? r : mbox_wait(shm, out, n, 120);
}

static inline int guest_write(int shm, const char *path, const char *s)
{
	return mbox_cmd(shm, MBOX_WRITE, path, s, strlen(s), 0, NULL, 0);
}

static inline long long guest_num(int shm, const char *path)
{
	char buf[768];
	int r = mbox_cmd(shm, MBOX_READ, path, NULL, 0, 0, buf, sizeof(buf));

	return r < 0 ? r : atoll(buf);
}

#endif /* CPC_CHAN_COMMON_H */
