/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc_setup.h - module-lifetime state of the reclaim, return and snapshot
 * procedures: their sysfs files and what must be given back on unload
 * (reclaimed memory, the snapshot key, page hashes).
 *
 * Lock order: the procedures' locks never nest. cpc_reclaim_lock guards
 * the reclaimed pages, cpc_snapshot_lock the key and the export state; the
 * invoke test hook (invoke_test.c) holds neither while calling a procedure.
 */
#ifndef CPC_GUEST_PROC_SETUP_H
#define CPC_GUEST_PROC_SETUP_H

struct kobject;

int cpc_procs_setup(struct kobject *kobj);
void cpc_procs_teardown(struct kobject *kobj);

/* proc_reclaim.c */
extern const struct attribute_group cpc_reclaim_group;
void cpc_reclaim_release_all(void);

/* snapshot_key.c + proc_snapshot.c */
extern const struct attribute_group cpc_snapshot_key_group;
void cpc_snapshot_key_clear(void);
void cpc_snapshot_forget(void);

#endif /* CPC_GUEST_PROC_SETUP_H */
