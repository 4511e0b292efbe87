/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_hooks.h - cpc_guest's test hooks: debugfs files that play a hostile
 * guest, run procedures outside a channel, read raw memory or slow the
 * maintenance thread (delay_next_ms, invoke, testbuf, testbuf_phys,
 * channels/<name>/{inject_cpl,flap}). They exist only in a test build
 * (make CPC_TESTING=1, the modules the test bed boots: test_hooks.c,
 * chan_test.c, invoke_test.c); in a product build every hook here is an
 * empty inline and no such file is created.
 */
#ifndef CPC_GUEST_TEST_HOOKS_H
#define CPC_GUEST_TEST_HOOKS_H

#include <linux/types.h>

struct cpc_gchan;
struct dentry;

#ifdef CPC_TESTING
extern struct dentry *cpc_test_channels_dir;

int cpc_test_init(struct dentry *debugfs_root);
void cpc_test_exit(void);
bool cpc_test_delay(void);
void cpc_test_chan_add(struct cpc_gchan *ch);
void cpc_test_chan_remove(struct cpc_gchan *ch);

/* invoke_test.c */
int cpc_invoke_setup(struct dentry *debugfs);
void cpc_invoke_teardown(void);
#else
static inline int cpc_test_init(struct dentry *debugfs_root) { return 0; }
static inline void cpc_test_exit(void) { }
static inline bool cpc_test_delay(void) { return true; }
static inline void cpc_test_chan_add(struct cpc_gchan *ch) { }
static inline void cpc_test_chan_remove(struct cpc_gchan *ch) { }
#endif

#endif /* CPC_GUEST_TEST_HOOKS_H */
