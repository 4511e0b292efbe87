// SPDX-License-Identifier: GPL-2.0
/*
 * mounts.c - the mount table of init's mount namespace, read from
 * /proc/1/mounts relative to init's root (the paths there are relative to
 * it), and mount points looked up from that root.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "fs.h"

/**
 * cpc_mount_lookup() - look a directory up from init's root.
 * @dir:  an absolute path (as in /proc/1/mounts).
 * @path: (out) the directory, referenced (path_put() it).
 *
 * Return: 0 or a negative errno: -EINVAL for a relative path or one that
 * is not a directory, -ENOENT, ...
 */
int cpc_mount_lookup(const char *dir, struct path *path)
{
	struct file *f;

	/* An O_PATH open: a lookup from init's root that touches nothing. */
	f = cpc_proc_open(dir, O_PATH | O_DIRECTORY);
	if (IS_ERR(f))
		return PTR_ERR(f) == -ENOTDIR ? -EINVAL : PTR_ERR(f);
	*path = f->f_path;
	path_get(path);
	filp_close(f, NULL);
	return 0;
}

/**
 * cpc_mount_is_bdev() - is the filesystem at @path on a block device?
 * @path: a looked-up path.
 *
 * Return: true for a disk filesystem (what fsfreeze and fsinfo consider).
 */
bool cpc_mount_is_bdev(const struct path *path)
{
	return !!path->mnt->mnt_sb->s_bdev;
}

/* Copies field @src (ending at a blank) into @dst, undoing \ooo escapes. */
static bool cpc_mounts_field(char **src, char *dst, size_t cap)
{
	char *s = *src;
	size_t n = 0;

	while (*s == ' ')
		s++;
	if (!*s)
		return false;
	while (*s && *s != ' ') {
		char c = *s++;

		if (c == '\\' && s[0] >= '0' && s[0] <= '3' && s[1] >= '0' &&
		    s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
			c = (s[0] - '0') << 6 | (s[1] - '0') << 3 | (s[2] - '0');
			s += 3;
		}
		if (n + 1 >= cap)
			return false;
		dst[n++] = c;
	}
	dst[n] = '\0';
	*src = s;
	return true;
}

/*
 * Parses the mount table and calls @fn per mount whose point can be
 * looked up (mounts it cannot, e.g. gone meanwhile, are skipped).
 */
static int cpc_mounts_parse(char *text, char *dev, cpc_mount_fn fn, void *arg,
			    struct cpc_mount *m)
{
	char *line, *cur = text;
	int ret = 0;

	while (!ret && (line = strsep(&cur, "\n")) != NULL) {
		if (!cpc_mounts_field(&line, dev, CPC_MOUNT_DIR_MAX) ||
		    !cpc_mounts_field(&line, m->dir, sizeof(m->dir)) ||
		    !cpc_mounts_field(&line, m->type, sizeof(m->type)))
			continue;
		if (cpc_mount_lookup(m->dir, &m->path))
			continue;
		ret = fn(m, arg);
		path_put(&m->path);
	}
	return ret;
}

/**
 * cpc_mounts_walk() - call @fn for every mount of init's namespace, in
 * mount order.
 * @fn:  gets the mount, its point referenced for the call; returns 0 to go
 *       on, else that value ends the walk and is returned.
 * @arg: for @fn.
 *
 * Context: process context; may sleep.
 * Return: 0, @fn's value, -ENOSPC (a table over CPC_MOUNTS_MAX_BYTES),
 * -ENOMEM, or the errno of opening or reading /proc/1/mounts.
 */
int cpc_mounts_walk(cpc_mount_fn fn, void *arg)
{
	struct cpc_mount *m;
	struct file *f;
	char *text, *dev;
	size_t len = 0;
	loff_t pos = 0;
	ssize_t n;
	int ret;

	f = cpc_proc_open("/proc/1/mounts", O_RDONLY);
	if (IS_ERR(f))
		return PTR_ERR(f);
	text = kvmalloc(CPC_MOUNTS_MAX_BYTES + 1, GFP_KERNEL);
	m = kmalloc(sizeof(*m), GFP_KERNEL);
	dev = kmalloc(CPC_MOUNT_DIR_MAX, GFP_KERNEL);
	ret = -ENOMEM;
	if (!text || !m || !dev)
		goto out;
	for (;;) {
		n = kernel_read(f, text + len, CPC_MOUNTS_MAX_BYTES - len, &pos);
		if (n < 0) {
			ret = n;
			goto out;
		}
		if (!n)
			break;
		len += n;
		if (len == CPC_MOUNTS_MAX_BYTES) {
			ret = -ENOSPC;
			goto out;
		}
	}
	text[len] = '\0';
	ret = cpc_mounts_parse(text, dev, fn, arg, m);
out:
	kfree(dev);
	kfree(m);
	kvfree(text);
	filp_close(f, NULL);
	return ret;
}
