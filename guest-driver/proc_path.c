// SPDX-License-Identifier: GPL-2.0
/*
 * proc_path.c - files as the guest's init (pid 1) sees them, for procedure
 * modules: the maintenance thread's own root may be an initramfs the system
 * has switched away from, while the owner means init's /proc, /sys and
 * mounts.
 */
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

#include "proc.h"

/**
 * cpc_proc_open() - open a file by its absolute path from init's root.
 * @path:  an absolute path.
 * @flags: open flags (O_RDONLY, O_WRONLY, O_PATH | O_DIRECTORY, ...).
 *
 * Context: process context; may sleep.
 * Return: the file (filp_close() it) or an error pointer: -EINVAL for a
 * relative path, -ENOENT without an init, or the open's error.
 */
struct file *cpc_proc_open(const char *path, int flags)
{
	struct task_struct *t;
	struct path root;
	struct file *f;
	bool have = false;

	if (path[0] != '/')
		return ERR_PTR(-EINVAL);
	rcu_read_lock();
	t = pid_task(find_vpid(1), PIDTYPE_PID);
	if (t)
		get_task_struct(t);
	rcu_read_unlock();
	if (!t)
		return ERR_PTR(-ENOENT);
	task_lock(t);
	if (t->fs) {
		get_fs_root(t->fs, &root);
		have = true;
	}
	task_unlock(t);
	put_task_struct(t);
	if (!have)
		return ERR_PTR(-ENOENT);
	f = file_open_root(&root, path, flags, 0);
	path_put(&root);
	return f;
}
EXPORT_SYMBOL_GPL(cpc_proc_open);
