// SPDX-License-Identifier: GPL-2.0
/*
 * fsinfo.c - fsinfo: the mounted disk filesystems (on a block device, as
 * qemu-ga's guest-get-fsinfo lists them) with their sizes and usage, as a
 * JSON array of {"mountpoint","type","disk","total_bytes","used_bytes",
 * "avail_bytes","files","files_free","ro"}; ret[0] = entries. -ENOSPC when
 * the list does not fit the result buffer, -ETIMEDOUT when the deadline
 * passes or the mount table is over CPC_MOUNTS_MAX_BYTES.
 */
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/statfs.h>

#include "fs.h"

/**
 * struct cpc_fsinfo_walk - state of the walk.
 * @b:        the JSON being built.
 * @n:        entries so far.
 * @deadline: the call's deadline.
 */
struct cpc_fsinfo_walk {
	struct cpc_buf *b;
	u64 n;
	unsigned long deadline;
};

static int cpc_fsinfo_one(struct cpc_mount *m, void *arg)
{
	struct cpc_fsinfo_walk *w = arg;
	struct super_block *sb = m->path.mnt->mnt_sb;
	struct kstatfs st;
	u64 bs;

	if (time_after(jiffies, w->deadline))
		return -ETIMEDOUT;
	if (!cpc_mount_is_bdev(&m->path) || m->path.dentry != m->path.mnt->mnt_root)
		return 0;
	if (vfs_statfs(&m->path, &st))
		return 0;	/* e.g. gone meanwhile: not listed */
	bs = st.f_frsize ? st.f_frsize : st.f_bsize;
	cpc_buf_printf(w->b, "%s{\"mountpoint\":", w->n++ ? "," : "");
	cpc_buf_json_str(w->b, m->dir);
	cpc_buf_printf(w->b, ",\"type\":");
	cpc_buf_json_str(w->b, m->type);
	cpc_buf_printf(w->b, ",\"disk\":");
	cpc_buf_json_str(w->b, sb->s_id);
	cpc_buf_printf(w->b, ",\"total_bytes\":%llu,\"used_bytes\":%llu,\"avail_bytes\":%llu,",
		       st.f_blocks * bs, (st.f_blocks - st.f_bfree) * bs, st.f_bavail * bs);
	cpc_buf_printf(w->b, "\"files\":%llu,\"files_free\":%llu,\"ro\":%s}",
		       st.f_files, st.f_ffree, sb_rdonly(sb) ? "true" : "false");
	return w->b->overflow ? -ENOSPC : 0;
}

static int cpc_fsinfo_run(struct cpc_proc_call *call)
{
	struct cpc_buf b;
	struct cpc_fsinfo_walk w = { .b = &b, .deadline = call->deadline };
	int ret;

	ret = cpc_buf_init(&b, call->out_cap);
	if (ret)
		return ret;
	cpc_buf_printf(&b, "[");
	ret = cpc_mounts_walk(cpc_fsinfo_one, &w);
	cpc_buf_printf(&b, "]\n");
	ret = cpc_buf_end(&b, call, ret);
	if (!ret)
		call->ret[0] = w.n;
	return ret;
}

const struct cpc_proc_desc cpc_proc_fsinfo = {
	.api = CPC_PROC_API_VERSION,
	.name = "fsinfo",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.run = cpc_fsinfo_run,
	.owner = THIS_MODULE,
};
