// SPDX-License-Identifier: GPL-2.0
/*
 * fsfreeze.c - fsfreeze, fsthaw, fsfreeze-status: the host freezes the
 * guest's disk filesystems for a consistent disk snapshot (qemu-ga's
 * guest-fsfreeze-freeze/-freeze-list/-thaw/-status), with the kernel's own
 * freeze path (freeze_super(), what FIFREEZE does): dirty data is written
 * and the journal committed, then writers block until the thaw.
 *
 * fsfreeze: args[0] = seconds until an automatic thaw (0: thaw_after_s,
 * at most CPC_FSFREEZE_MAX_S) - a host that dies or forgets never leaves
 * the guest frozen (qemu-ga on Linux waits forever); the argument buffer
 * optionally lists mount points (separated by newlines or commas), else
 * every mounted filesystem on a block device whose type can freeze.
 * Children are frozen before their parents; all or nothing: on any error
 * what was frozen is thawed again. Result: {"frozen":N,"thaw_after_s":T,
 * "mounts":[...]}, ret[0] = N, ret[1] = T. Errors (the protocol's
 * statuses): -EBUSY (already frozen, or a filesystem frozen by someone
 * else), -EINVAL (args[0] too large; a listed path is relative, not a
 * directory, not a mount point, or its filesystem is not on a block device
 * or cannot freeze), -ENOENT (a listed path does not exist), -ENOSPC (the
 * result does not fit, more than CPC_FSFREEZE_MAX_FS filesystems, or a
 * mount table over CPC_MOUNTS_MAX_BYTES), -ETIMEDOUT (the deadline passed
 * between two filesystems).
 *
 * fsthaw: thaws what fsfreeze froze; ret[0] = filesystems thawed (0 when
 * nothing was frozen). fsfreeze-status: ret[0] = 1 when frozen, else 0;
 * {"status","frozen","thaw_in_ms","auto_thaws","mounts"}.
 *
 * While frozen, cpc_guest refuses procedures flagged CPC_PROC_F_THAWED
 * (-EBUSY), e.g. shutdown, which would block on the frozen filesystems.
 *
 * Lock order: cpc_fsfreeze_lock alone; the auto-thaw work takes it too, so
 * it is cancelled (module exit) only without it held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "fs.h"

/** CPC_FSFREEZE_MAX_S - longest a freeze may last before the auto-thaw. */
#define CPC_FSFREEZE_MAX_S	600u
/** CPC_FSFREEZE_MAX_FS - most filesystems one freeze holds. */
#define CPC_FSFREEZE_MAX_FS	64u

static unsigned int thaw_after_s = 60;
module_param(thaw_after_s, uint, 0644);
MODULE_PARM_DESC(thaw_after_s, "seconds until filesystems the host froze thaw by themselves when it names none (1..600)");

/**
 * struct cpc_frozen - one filesystem fsfreeze froze.
 * @path: its mount point, referenced: pins the superblock until the thaw
 *        even if someone else thaws it and unmounts it meanwhile.
 * @dir:  the mount point, for the status.
 */
struct cpc_frozen {
	struct path path;
	char dir[CPC_MOUNT_DIR_MAX];
};

/**
 * struct cpc_freeze_set - filesystems being frozen, or frozen.
 * @fs: the filesystems, parents before children (mount order).
 * @n:  how many.
 */
struct cpc_freeze_set {
	struct cpc_frozen *fs[CPC_FSFREEZE_MAX_FS];
	unsigned int n;
};

static DEFINE_MUTEX(cpc_fsfreeze_lock);
static struct cpc_freeze_set cpc_frozen;	/* cpc_fsfreeze_lock */
static unsigned long cpc_thaw_at;		/* jiffies; cpc_fsfreeze_lock */
static atomic64_t cpc_auto_thaws;

static void cpc_fsfreeze_auto(struct work_struct *work);
static DECLARE_DELAYED_WORK(cpc_fsfreeze_work, cpc_fsfreeze_auto);

static int cpc_sb_freeze(struct super_block *sb)
{
	return sb->s_op->freeze_super ? sb->s_op->freeze_super(sb) : freeze_super(sb);
}

static void cpc_sb_thaw(struct super_block *sb)
{
	/* -EINVAL: someone else thawed it (FITHAW); it is thawed either way. */
	if (sb->s_op->thaw_super)
		sb->s_op->thaw_super(sb);
	else
		thaw_super(sb);
}

static void cpc_set_release(struct cpc_freeze_set *set)
{
	while (set->n) {
		struct cpc_frozen *f = set->fs[--set->n];

		path_put(&f->path);
		kfree(f);
	}
}

/* Adds @path (referenced here) unless its filesystem is in @set already. */
static int cpc_set_add(struct cpc_freeze_set *set, const struct path *path,
		       const char *dir)
{
	struct cpc_frozen *f;
	unsigned int i;

	for (i = 0; i < set->n; i++)
		if (set->fs[i]->path.mnt->mnt_sb == path->mnt->mnt_sb)
			return 0;
	if (set->n == CPC_FSFREEZE_MAX_FS)
		return -ENOSPC;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->path = *path;
	path_get(&f->path);
	strscpy(f->dir, dir, sizeof(f->dir));
	set->fs[set->n++] = f;
	return 0;
}

static bool cpc_freezable(const struct path *path)
{
	const struct super_operations *op = path->mnt->mnt_sb->s_op;

	return cpc_mount_is_bdev(path) && (op->freeze_fs || op->freeze_super);
}

static int cpc_fsfreeze_collect_one(struct cpc_mount *m, void *arg)
{
	if (!cpc_freezable(&m->path) || m->path.dentry != m->path.mnt->mnt_root)
		return 0;
	return cpc_set_add(arg, &m->path, m->dir);
}

/* The mount points listed in @list (NUL-terminated, modified). */
static int cpc_fsfreeze_collect_list(struct cpc_freeze_set *set, char *list)
{
	struct path path;
	char *dir;
	int ret = 0;

	while (!ret && (dir = strsep(&list, ",\n")) != NULL) {
		if (!*dir)
			continue;
		ret = cpc_mount_lookup(dir, &path);
		if (ret)
			break;
		if (path.dentry != path.mnt->mnt_root)
			ret = -EINVAL;
		else if (!cpc_freezable(&path))
			ret = -EINVAL;
		else
			ret = cpc_set_add(set, &path, dir);
		path_put(&path);
	}
	return ret;
}

/* Thaws @set in mount order (parents first) and releases it. */
static void cpc_set_thaw(struct cpc_freeze_set *set)
{
	unsigned int i;

	for (i = 0; i < set->n; i++)
		cpc_sb_thaw(set->fs[i]->path.mnt->mnt_sb);
	cpc_set_release(set);
}

/* Thaws everything fsfreeze froze (cpc_fsfreeze_lock held); returns how many. */
static unsigned int cpc_fsthaw_locked(void)
{
	unsigned int n = cpc_frozen.n;

	cpc_set_thaw(&cpc_frozen);
	if (n)
		cpc_proc_set_frozen(false);
	return n;
}

static void cpc_fsfreeze_auto(struct work_struct *work)
{
	unsigned int n;

	mutex_lock(&cpc_fsfreeze_lock);
	/* A thaw and a new freeze since this was queued move cpc_thaw_at. */
	if (!cpc_frozen.n || time_before(jiffies, cpc_thaw_at)) {
		mutex_unlock(&cpc_fsfreeze_lock);
		return;
	}
	n = cpc_fsthaw_locked();
	atomic64_inc(&cpc_auto_thaws);
	mutex_unlock(&cpc_fsfreeze_lock);
	pr_warn("thawed %u filesystems by itself: the host froze them and did not thaw them in time\n",
		n);
}

/* The set's mount points as a JSON array. */
static void cpc_set_json(struct cpc_buf *b, const struct cpc_freeze_set *set)
{
	unsigned int i;

	cpc_buf_printf(b, "[");
	for (i = 0; i < set->n; i++) {
		cpc_buf_printf(b, "%s", i ? "," : "");
		cpc_buf_json_str(b, set->fs[i]->dir);
	}
	cpc_buf_printf(b, "]");
}

/* Freezes @set children first; all or nothing. */
static int cpc_set_freeze(struct cpc_freeze_set *set, unsigned long deadline)
{
	unsigned int i, done;
	int ret = 0;

	for (done = 0; done < set->n; done++) {
		i = set->n - 1 - done;
		if (time_after(jiffies, deadline)) {
			ret = -ETIMEDOUT;
			break;
		}
		ret = cpc_sb_freeze(set->fs[i]->path.mnt->mnt_sb);
		if (ret)
			break;
	}
	if (ret) {
		/* Thaw what was frozen: the last @done entries. */
		for (i = set->n - done; i < set->n; i++)
			cpc_sb_thaw(set->fs[i]->path.mnt->mnt_sb);
	}
	return ret;
}

static int cpc_fsfreeze_run(struct cpc_proc_call *call)
{
	u64 want = call->req->args[0];
	struct cpc_freeze_set *set;
	struct cpc_buf b;
	char *list = NULL;
	unsigned int secs;
	int ret;

	if (want > CPC_FSFREEZE_MAX_S)
		return -EINVAL;
	secs = want ? want : clamp(READ_ONCE(thaw_after_s), 1u, CPC_FSFREEZE_MAX_S);
	if (call->arg_len) {
		list = kmemdup_nul(call->arg, call->arg_len, GFP_KERNEL);
		if (!list)
			return -ENOMEM;
	}
	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set) {
		ret = -ENOMEM;
		goto out_list;
	}
	ret = cpc_buf_init(&b, call->out_cap);
	if (ret)
		goto out_set;

	mutex_lock(&cpc_fsfreeze_lock);
	if (cpc_frozen.n) {
		ret = -EBUSY;
		goto out_unlock;
	}
	ret = list ? cpc_fsfreeze_collect_list(set, list) :
		     cpc_mounts_walk(cpc_fsfreeze_collect_one, set);
	if (ret)
		goto out_unlock;
	cpc_buf_printf(&b, "{\"frozen\":%u,\"thaw_after_s\":%u,\"mounts\":", set->n, secs);
	cpc_set_json(&b, set);
	cpc_buf_printf(&b, "}\n");
	/* Known to fit before anything is frozen. */
	if (b.overflow) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	ret = cpc_set_freeze(set, call->deadline);
	if (ret)
		goto out_unlock;
	cpc_frozen = *set;
	set->n = 0;
	if (cpc_frozen.n) {
		cpc_proc_set_frozen(true);
		cpc_thaw_at = jiffies + secs * HZ;
		mod_delayed_work(system_unbound_wq, &cpc_fsfreeze_work, secs * HZ);
		pr_info("froze %u filesystems for the host (thaw within %u s)\n",
			cpc_frozen.n, secs);
	}
	call->ret[0] = cpc_frozen.n;
	call->ret[1] = secs;
out_unlock:
	mutex_unlock(&cpc_fsfreeze_lock);
	ret = cpc_buf_end(&b, call, ret);
out_set:
	cpc_set_release(set);
	kfree(set);
out_list:
	kfree(list);
	return ret;
}

static int cpc_fsthaw_run(struct cpc_proc_call *call)
{
	unsigned int n;

	/*
	 * The auto-thaw stays queued: it finds nothing frozen, or a later
	 * freeze has moved it (and cpc_thaw_at) to that freeze's time.
	 */
	mutex_lock(&cpc_fsfreeze_lock);
	n = cpc_fsthaw_locked();
	mutex_unlock(&cpc_fsfreeze_lock);
	if (n)
		pr_info("thawed %u filesystems for the host\n", n);
	call->ret[0] = n;
	return 0;
}

static int cpc_fsfreeze_status_run(struct cpc_proc_call *call)
{
	struct cpc_buf b;
	long left = 0;
	int ret;

	ret = cpc_buf_init(&b, call->out_cap);
	if (ret)
		return ret;
	mutex_lock(&cpc_fsfreeze_lock);
	if (cpc_frozen.n)
		left = max_t(long, 0, (long)(cpc_thaw_at - jiffies));
	cpc_buf_printf(&b, "{\"status\":\"%s\",\"frozen\":%u,\"thaw_in_ms\":%u,",
		       cpc_frozen.n ? "frozen" : "thawed", cpc_frozen.n,
		       jiffies_to_msecs(left));
	cpc_buf_printf(&b, "\"auto_thaws\":%lld,\"mounts\":",
		       (long long)atomic64_read(&cpc_auto_thaws));
	cpc_set_json(&b, &cpc_frozen);
	cpc_buf_printf(&b, "}\n");
	call->ret[0] = cpc_frozen.n ? 1 : 0;
	mutex_unlock(&cpc_fsfreeze_lock);
	return cpc_buf_finish(&b, call);
}

/**
 * cpc_fsfreeze_exit() - the module goes (its procedures are unregistered):
 * thaw whatever is still frozen.
 */
void cpc_fsfreeze_exit(void)
{
	unsigned int n;

	cancel_delayed_work_sync(&cpc_fsfreeze_work);
	mutex_lock(&cpc_fsfreeze_lock);
	n = cpc_fsthaw_locked();
	mutex_unlock(&cpc_fsfreeze_lock);
	if (n)
		pr_info("thawed %u filesystems on unload\n", n);
}

const struct cpc_proc_desc cpc_proc_fsfreeze = {
	.api = CPC_PROC_API_VERSION,
	.name = "fsfreeze",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.arg_max = CPC_ARG_MAX,
	.run = cpc_fsfreeze_run,
	.owner = THIS_MODULE,
};

const struct cpc_proc_desc cpc_proc_fsthaw = {
	.api = CPC_PROC_API_VERSION,
	.name = "fsthaw",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.run = cpc_fsthaw_run,
	.owner = THIS_MODULE,
};

const struct cpc_proc_desc cpc_proc_fsfreeze_status = {
	.api = CPC_PROC_API_VERSION,
	.name = "fsfreeze-status",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.run = cpc_fsfreeze_status_run,
	.owner = THIS_MODULE,
};
