/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fs.h - inside cpc_proc_fs.ko (the filesystem procedures: fsfreeze,
 * fsthaw, fsfreeze-status, fsinfo): the mounted filesystems as init (pid 1)
 * sees them, which is what the guest's owner means by "the filesystems" -
 * the maintenance thread's own root may be an initramfs the system has
 * moved away from.
 */
#ifndef CPC_PROC_FS_H
#define CPC_PROC_FS_H

#include <linux/path.h>

#include "../cpc_proc.h"

/** CPC_MOUNTS_MAX_BYTES - most of /proc/1/mounts read (-ENOSPC beyond). */
#define CPC_MOUNTS_MAX_BYTES	(256u * 1024u)
/** CPC_MOUNT_DIR_MAX - longest mount point handled (longer ones: skipped). */
#define CPC_MOUNT_DIR_MAX	256u

/**
 * struct cpc_mount - one mounted filesystem.
 * @path: its mount point, referenced (cpc_mounts_walk() puts it after @fn).
 * @dir:  the mount point as init sees it (unescaped).
 * @type: the filesystem type.
 */
struct cpc_mount {
	struct path path;
	char dir[CPC_MOUNT_DIR_MAX];
	char type[32];
};

typedef int (*cpc_mount_fn)(struct cpc_mount *m, void *arg);

int cpc_mounts_walk(cpc_mount_fn fn, void *arg);
int cpc_mount_lookup(const char *dir, struct path *path);
bool cpc_mount_is_bdev(const struct path *path);

/* fsfreeze.c */
extern const struct cpc_proc_desc cpc_proc_fsfreeze;
extern const struct cpc_proc_desc cpc_proc_fsthaw;
extern const struct cpc_proc_desc cpc_proc_fsfreeze_status;
void cpc_fsfreeze_exit(void);

/* fsinfo.c */
extern const struct cpc_proc_desc cpc_proc_fsinfo;

#endif /* CPC_PROC_FS_H */
