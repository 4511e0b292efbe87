/* SPDX-License-Identifier: GPL-2.0 */
/* test_hooks_int.h - what cpc_host's test hook files share (test builds only). */
#ifndef CPC_HOST_TEST_HOOKS_INT_H
#define CPC_HOST_TEST_HOOKS_INT_H

struct dentry;

/* /sys/kernel/debug/cpc_host/slices and .../channels (test_hooks.c). */
extern struct dentry *cpc_test_slices_dir;
extern struct dentry *cpc_test_channels_dir;

#endif /* CPC_HOST_TEST_HOOKS_INT_H */
